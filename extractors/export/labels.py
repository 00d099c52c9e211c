"""The labels table: every canonical cell (table, row, column) with its official Chinese
label, an English label, the templates that print it, its unit and its names in the wide
table and in Stata."""

from __future__ import annotations

from functools import cache

import pyarrow as pa

from schemas import TABLES
from schemas.arrow import LABELS
from schemas.canonical import TEMPLATES, schema

# Prefixes of the wide table's columns, one per statistical table (short and readable).
PREFIX = {"active_disclosure": "disclosure", "applications": "applications", "review_litigation": "review"}
# Stata's prefixes: the tables' section numbers in the templates (二, 三, 四).
STATA_PREFIX = {"active_disclosure": "t2", "applications": "t3", "review_litigation": "t4"}
STATA_MAX = 32  # Stata's limit on a variable name's length
TABLE_EN = {"active_disclosure": "Proactive disclosure", "applications": "Applications received and handled",
            "review_litigation": "Administrative review and litigation"}
# Unit of the cells whose spec column names none: the spec's tables 3 and 4 count 件 (cases).
COUNT_UNIT = "件"
COLUMN_SHORT = {"natural_person": "np", "commercial_enterprise": "ce", "research_institution": "ri",
                "social_welfare_org": "sw", "legal_service_org": "ls", "other_org": "oo", "total": "tot"}


def variable(table: str, row: str, column: str) -> str:
    return f"{PREFIX[table]}_{row.replace('.', '_')}_{column}"


def stata_name(table: str, row: str, column: str) -> str:
    """A name within Stata's 32 characters: section, row words shortened as needed, column."""
    col = COLUMN_SHORT.get(column, column)
    words = row.replace(".", "_").split("_")
    for width in (None, 5, 4, 3):
        name = "_".join([STATA_PREFIX[table], *(w[:width] if width else w for w in words), col])
        if len(name) <= STATA_MAX:
            return name
    return name[:STATA_MAX]


def _english(key: str) -> str:
    return " / ".join(part.replace("_", " ") for part in key.split("."))


@cache
def label_rows() -> tuple[dict, ...]:
    """One dict per canonical cell, in the templates' order (gb2021's first, then gb2019's own)."""
    s = schema()
    cells: dict[tuple, dict] = {}
    for template in ("gb2021", "gb2019"):
        for table in TABLES:
            for r in s.rows(table, template):
                for c in s.columns(table, r.key, template):
                    key = (table, r.key, c.key)
                    cell = cells.get(key)
                    if cell is None:
                        unit = c.unit if table == "active_disclosure" else COUNT_UNIT
                        row_label = "/".join(r.path) if table != "active_disclosure" else r.label_for(template)
                        cell = cells[key] = {
                            "table": table, "row": r.key, "column": c.key, "variable": variable(*key),
                            "stata_name": stata_name(*key), "table_label": s.tables[table]["label"],
                            "row_label": row_label, "column_label": c.label,
                            "label_zh": f"{row_label}：{c.label}",
                            "label_en": f"{TABLE_EN[table]}: {_english(r.key)}: {_english(c.key)}",
                            "templates": [], "unit": unit}
                    cell["templates"].append(template)
    for cell in cells.values():
        cell["templates"] = [t for t in TEMPLATES if t in cell["templates"]]
    return tuple(cells.values())


def labels_table() -> pa.Table:
    rows = label_rows()
    return pa.Table.from_pydict({f.name: [r[f.name] for r in rows] for f in LABELS}, schema=LABELS)
