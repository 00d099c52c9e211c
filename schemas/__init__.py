"""Canonical schema of ogi-reports: the spec's vocabulary and the output tables' Arrow schemas."""

from schemas.arrow import FINDINGS, REPORTS, TABLE_SCHEMAS, VALUES
from schemas.canonical import TABLES, TEMPLATES, CanonicalSchema, ColumnSpec, RowSpec, schema, spec

__all__ = [
    "TABLES", "TEMPLATES", "CanonicalSchema", "ColumnSpec", "RowSpec", "schema", "spec",
    "FINDINGS", "REPORTS", "TABLE_SCHEMAS", "VALUES",
]
