"""The canonical vocabulary: tables, rows and columns of both templates, read from the spec.

`canonical-schema.yaml` in this package is the project's copy of the data contract
(`../shared/spec/canonical-schema.yaml`); its keys are the keys of the dataset.
Everything else in the project asks this module, never the YAML directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

TEMPLATES = ("gb2019", "gb2021")
TABLES = ("active_disclosure", "applications", "review_litigation")
SPEC_FILE = "canonical-schema.yaml"


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    unit: str | None = None
    signed: bool = False


@dataclass(frozen=True)
class RowSpec:
    """One canonical data row. `path` holds the printed label hierarchy, leaf last."""

    table: str
    key: str
    path: tuple[str, ...]
    templates: tuple[str, ...]
    item: str | None = None  # active_disclosure: the Article 20 item caption
    label_gb2021: str | None = None

    @property
    def label(self) -> str:
        return self.path[-1]

    def label_for(self, template: str | None) -> str:
        if template == "gb2021" and self.label_gb2021:
            return self.label_gb2021
        return self.label


@dataclass(frozen=True)
class Check:
    id: str
    rule: str
    scope: str = "report"
    templates: tuple[str, ...] = TEMPLATES


def load_spec_text() -> str:
    return resources.files("schemas").joinpath(SPEC_FILE).read_text(encoding="utf-8")


@cache
def spec() -> dict:
    """The parsed YAML of the project's copy of the canonical schema."""
    return yaml.safe_load(load_spec_text())


class CanonicalSchema:
    """Typed access to the spec: rows per table and template, columns per row."""

    def __init__(self, data: dict):
        self.data = data
        self.tables = data["tables"]
        self._rows: dict[str, list[RowSpec]] = {t: self._build_rows(t) for t in TABLES}
        self._columns = self._build_columns()

    # ---- rows -------------------------------------------------------------------------
    def _build_rows(self, table: str) -> list[RowSpec]:
        rows = []
        for key, value in self.tables[table]["rows"].items():
            if isinstance(value, str):
                label, templates, item, label21 = value, TEMPLATES, None, None
            else:
                label = value["label"]
                templates = tuple(value.get("templates", TEMPLATES))
                item = value.get("item")
                label21 = value.get("label_gb2021")
            rows.append(RowSpec(table, key, tuple(label.split("/")) if table != "active_disclosure" else (label,),
                                templates, item, label21))
        return rows

    def rows(self, table: str, template: str | None = None) -> list[RowSpec]:
        rows = self._rows[table]
        if template is None:
            return list(rows)
        return [r for r in rows if template in r.templates]

    def row(self, table: str, key: str) -> RowSpec:
        for r in self._rows[table]:
            if r.key == key:
                return r
        raise KeyError(f"{table}.{key}")

    # ---- columns ----------------------------------------------------------------------
    def _build_columns(self) -> dict:
        out: dict = {}
        ad = self.tables["active_disclosure"]
        notes = ad.get("column_notes", {})
        for template in TEMPLATES:
            for row, cols in ad["columns"][template].items():
                specs = []
                for key, label in cols.items():
                    note = notes.get(template, {}).get(key, {})
                    specs.append(ColumnSpec(key, label, note.get("unit"), bool(note.get("signed"))))
                out[("active_disclosure", template, row)] = tuple(specs)
        for table in ("applications", "review_litigation"):
            cols = tuple(ColumnSpec(k, v) for k, v in self.tables[table]["columns"].items())
            for template in TEMPLATES:
                for r in self._rows[table]:
                    out[(table, template, r.key)] = cols
        return out

    def columns(self, table: str, row: str, template: str) -> tuple[ColumnSpec, ...]:
        """Columns of a row in a template, in printed order. Falls back to the other
        template for a row that template does not have (a gb2019 row in a gb2021 report)."""
        key = (table, template, row)
        if key in self._columns:
            return self._columns[key]
        for other in TEMPLATES:
            if (table, other, row) in self._columns:
                return self._columns[(table, other, row)]
        raise KeyError(f"{table}.{row} has no columns")

    def all_columns(self, table: str) -> dict[str, str]:
        """Every column key of a table with its label (both templates)."""
        out: dict[str, str] = {}
        for (t, _template, _row), cols in self._columns.items():
            if t == table:
                for c in cols:
                    out.setdefault(c.key, c.label)
        return out

    def expected_cells(self, template: str) -> int:
        """How many data cells a complete report of this template prints."""
        n = 0
        for table in TABLES:
            for r in self.rows(table, template):
                n += len(self.columns(table, r.key, template))
        return n

    # ---- checks -----------------------------------------------------------------------
    def checks(self) -> list[Check]:
        return [Check(c["id"], c["rule"], c.get("scope", "report"), tuple(c.get("templates", TEMPLATES)))
                for c in self.data["checks"]]

    def all_keys(self) -> set[str]:
        """Every dotted key of the contract: tables, rows, columns, checks (for drift tests)."""
        keys = set()
        for table in TABLES:
            keys.add(table)
            for r in self._rows[table]:
                keys.add(f"{table}.rows.{r.key}")
            for c in self.all_columns(table):
                keys.add(f"{table}.columns.{c}")
        for c in self.checks():
            keys.add(f"checks.{c.id}")
        return keys


@cache
def schema() -> CanonicalSchema:
    """The project's canonical schema (parsed once per process)."""
    return CanonicalSchema(spec())
