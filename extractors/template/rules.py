"""The rules of `schemas/template-rules.yaml` as typed objects, checked against the schema.

Everything here is derived from the YAML and the canonical schema; nothing names a
template, a table or a row except through them. Loading validates every key the rules
use against `schemas.schema()`, so a typo in the YAML fails at start-up, by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from schemas import TABLES, schema

RULES_FILE = "template-rules.yaml"
FORMS = ("sum", "balance")
OVER = ("columns", "rows")
LAYOUTS = ("undivided", "divided")

Cell = tuple[str, str, str]  # (table, row, column)


class RulesError(ValueError):
    """template-rules.yaml states something the canonical schema does not have."""


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    first_year: int
    last_year: int | None
    markers: tuple[str, ...]

    def covers(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class Equation:
    """One instance of an identity: sum(expected side) must equal sum(printed side).

    For a `sum` identity the expected side is the parts and the printed side the total;
    for a `balance` identity the left and the right side."""

    check: str
    form: str
    table: str
    row: str | None  # the row it holds in (identities over columns), else None
    column: str | None  # the column it holds in (identities over rows), else None
    expected: tuple[Cell, ...]
    printed: tuple[Cell, ...]

    @property
    def over_columns(self) -> bool:
        """Does it relate cells of one row (`row` set), rather than rows (`column` set)?"""
        return self.row is not None

    def terms(self) -> list[tuple[Cell, int]]:
        """(cell, coefficient) with sum(coefficient * value) == 0 when the identity holds."""
        return [(c, 1) for c in self.expected] + [(c, -1) for c in self.printed]


@dataclass(frozen=True)
class Identity:
    id: str
    table: str
    form: str  # sum | balance
    over: str  # columns: relates cells of one row; rows: relates rows, in every column
    total: str | None = None
    parts: tuple[str, ...] = ()
    leaves_under: str | None = None  # parts are the leaf rows under this prefix
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    wording: tuple[str, str] | None = None  # (left, right) as a finding names them (balance)

    def side_names(self) -> tuple[str, str]:
        """How a finding names the two sides of a balance."""
        return self.wording or (" + ".join(self.left), " + ".join(self.right))

    def keys(self) -> tuple[str, ...]:
        """The rows (`over: rows`) or columns (`over: columns`) the identity names."""
        return (*self.parts, *self.left, *self.right, *([self.total] if self.total else []))

    def sides(self, printed_rows: set[str] | None = None, template: str | None = None
              ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(expected side, printed side) as keys: columns for `over: columns`, rows else."""
        if self.form == "balance":
            return self.left, self.right
        parts = self.parts
        if self.leaves_under:
            parts = tuple(leaf_rows(self.table, self.leaves_under, printed_rows or set(), template))
        return parts, (self.total,)

    def equations(self, keys: list[str], printed_rows: set[str] | None = None,
                  template: str | None = None) -> list[Equation]:
        """The identity in each of `keys`: rows for `over: columns`, columns for `over: rows`."""
        expected, printed = self.sides(printed_rows, template)
        out = []
        for k in keys:
            if self.over == "columns":
                exp = tuple((self.table, k, c) for c in expected)
                pri = tuple((self.table, k, c) for c in printed)
                out.append(Equation(self.id, self.form, self.table, k, None, exp, pri))
            else:
                exp = tuple((self.table, r, k) for r in expected)
                pri = tuple((self.table, r, k) for r in printed)
                out.append(Equation(self.id, self.form, self.table, None, k, exp, pri))
        return out


@dataclass(frozen=True)
class Alternative:
    """A part of a table a report may print undivided (one row) or divided (several)."""

    name: str
    table: str
    undivided: str
    divided: tuple[str, ...]
    official: dict[str, str]  # template -> "undivided" | "divided"
    accepted_as_printed: tuple[str, ...] = ()  # layouts accepted in every template

    def accepts(self, layout: str, template: str | None) -> bool:
        """Is `layout` the template's official one, or one accepted as printed in any?"""
        return layout in self.accepted_as_printed or self.official.get(template or "") == layout

    def rows(self, layout: str) -> tuple[str, ...]:
        return (self.undivided,) if layout == "undivided" else self.divided

    def layout_printed(self, printed_rows: set[str], template: str | None) -> str:
        """The layout a report uses: divided when any divided row is printed, undivided when
        its row is, else the template's official layout (undivided when unknown)."""
        if any(r in printed_rows for r in self.divided):
            return "divided"
        if self.undivided in printed_rows or template is None:
            return "undivided"
        return self.official.get(template, "undivided")


@dataclass(frozen=True)
class TemplateRules:
    templates: dict[str, TemplateInfo]
    fallback_template: str
    sections: dict
    identities: dict[str, Identity]
    chains: dict[str, dict]
    alternatives: tuple[Alternative, ...]
    one_printed_row: dict[str, tuple[str, ...]]  # table -> canonical rows printed side by side
    # formats older than the templates (pre2019): name -> {markers, min_markers, describe, last_year}
    earlier_formats: dict[str, dict] = field(default_factory=dict)

    def identities_for(self, table: str, over: str | None = None) -> list[Identity]:
        return [i for i in self.identities.values() if i.table == table and (over is None or i.over == over)]

    def alternatives_for(self, table: str) -> list[Alternative]:
        return [a for a in self.alternatives if a.table == table]

    def template_for_year(self, year: int) -> str | None:
        for t in self.templates.values():
            if t.covers(year):
                return t.name
        return None


# ---- loading ----------------------------------------------------------------------------


def _check_rows(table: str, keys, where: str) -> None:
    known = {r.key for r in schema().rows(table)}
    bad = [k for k in keys if k not in known]
    if bad:
        raise RulesError(f"{RULES_FILE}: {where}: {table} has no row(s) {', '.join(bad)}")


def _check_columns(table: str, keys, where: str) -> None:
    known = schema().all_columns(table)
    bad = [k for k in keys if k not in known]
    if bad:
        raise RulesError(f"{RULES_FILE}: {where}: {table} has no column(s) {', '.join(bad)}")


def _identity(check_id: str, d: dict) -> Identity:
    table, form, over = d["table"], d["form"], d["over"]
    if table not in TABLES or form not in FORMS or over not in OVER:
        raise RulesError(f"{RULES_FILE}: identity {check_id}: bad table/form/over {table}/{form}/{over}")
    if check_id not in {c.id for c in schema().checks()}:
        raise RulesError(f"{RULES_FILE}: identity {check_id} is not a check of the spec")
    check = _check_columns if over == "columns" else _check_rows
    parts = d.get("parts", [])
    leaves = parts.get("leaves_under") if isinstance(parts, dict) else None
    wording = d.get("wording")
    ident = Identity(check_id, table, form, over, d.get("total"), () if leaves else tuple(parts), leaves,
                     tuple(d.get("left", ())), tuple(d.get("right", ())),
                     (wording["left"], wording["right"]) if wording else None)
    check(table, ident.keys(), f"identity {check_id}")
    if leaves and not any(r.key.startswith(leaves + ".") for r in schema().rows(table)):
        raise RulesError(f"{RULES_FILE}: identity {check_id}: {table} has no row(s) under {leaves}")
    return ident


def _alternative(name: str, d: dict, templates: dict) -> Alternative:
    alt = Alternative(name, d["table"], d["undivided"], tuple(d["divided"]), dict(d["official"]),
                      tuple(d.get("accepted_as_printed", ())))
    _check_rows(alt.table, [alt.undivided, *alt.divided], f"alternative {name}")
    if any(lay not in LAYOUTS for lay in alt.accepted_as_printed):
        raise RulesError(f"{RULES_FILE}: alternative {name}: accepted_as_printed must name {'/'.join(LAYOUTS)}")
    bad = [t for t, lay in alt.official.items() if t not in templates or lay not in LAYOUTS]
    if bad:
        raise RulesError(f"{RULES_FILE}: alternative {name}: bad official layout for {', '.join(bad)}")
    return alt


def load_rules(data: dict) -> TemplateRules:
    """Typed, validated rules from the parsed YAML (see the module docstring)."""
    templates = {name: TemplateInfo(name, t["first_year"], t.get("last_year"), tuple(t["markers"]))
                 for name, t in data["templates"].items()}
    if set(templates) != set(schema().data["templates"]):
        raise RulesError(f"{RULES_FILE}: templates {sorted(templates)} differ from the spec's")
    identities = {cid: _identity(cid, d) for cid, d in data["identities"].items()}
    alternatives = tuple(_alternative(n, d, templates) for n, d in data.get("alternatives", {}).items())
    one_row = {t: tuple(d["one_printed_row"]) for t, d in data.get("layouts", {}).items() if "one_printed_row" in d}
    for table, rows_ in one_row.items():
        _check_rows(table, rows_, "layouts")
    if data["fallback_template"] not in templates:
        raise RulesError(f"{RULES_FILE}: fallback_template {data['fallback_template']!r} is not a template")
    earlier = {name: {**d, "markers": tuple(d["markers"])} for name, d in data.get("earlier_formats", {}).items()}
    clash = set(earlier) & set(templates)
    if clash or any(not d["markers"] or d["min_markers"] < 1 for d in earlier.values()):
        raise RulesError(f"{RULES_FILE}: earlier_formats: a name of a template or no markers ({sorted(clash)})")
    return TemplateRules(templates, data["fallback_template"], data["sections"], identities,
                         dict(data.get("chains", {})), alternatives, one_row, earlier)


@cache
def rules() -> TemplateRules:
    """The project's template rules (parsed and validated once per process)."""
    text = resources.files("schemas").joinpath(RULES_FILE).read_text(encoding="utf-8")
    return load_rules(yaml.safe_load(text))


# ---- what the stages use ----------------------------------------------------------------


def layout_rows(table: str, printed_rows: set[str], template: str | None) -> set[str]:
    """Rows of `table` that the report's layout does NOT use (the other form of each
    alternative), given the rows it printed."""
    unused: set[str] = set()
    for alt in rules().alternatives_for(table):
        layout = alt.layout_printed(printed_rows, template)
        unused |= set(alt.rows("divided" if layout == "undivided" else "undivided"))
    return unused


def leaf_rows(table: str, prefix: str, printed_rows: set[str], template: str | None = None) -> list[str]:
    """The data rows under `prefix` (e.g. every `results.*` row but `results.total`) in the
    layout the report printed, in schema order."""
    totals = {i.total for i in rules().identities_for(table, "rows") if i.leaves_under == prefix}
    unused = layout_rows(table, printed_rows, template)
    return [r.key for r in schema().rows(table) if r.key.startswith(prefix + ".")
            and r.key not in totals and r.key not in unused]


def row_allowed(table: str, key: str, template: str) -> bool:
    """Is the row part of the template, or of a layout accepted as printed in any template?"""
    if template in schema().row(table, key).templates:
        return True
    return any(key in alt.rows(layout) for alt in rules().alternatives_for(table)
               for layout in alt.accepted_as_printed)


def row_sum_positions(table: str, columns: list[str]) -> list[tuple[int, tuple[int, ...]]]:
    """(total index, part indices) into `columns` for each sum identity over the columns of
    a row of `table` whose columns are all present."""
    out = []
    for ident in rules().identities_for(table, "columns"):
        if ident.form != "sum":
            continue
        names = [ident.total, *ident.parts]
        if all(n in columns for n in names):
            out.append((columns.index(ident.total), tuple(columns.index(p) for p in ident.parts)))
    return out


def one_row_layout(table: str, template: str) -> tuple[list[tuple[str, str]], list[tuple[int, tuple[int, ...]]]] | None:
    """For a table printed as one row (table 4): the (row, column) of each printed
    position, and the sum identities as (total position, part positions). None when the
    table is printed row by row."""
    rows_ = rules().one_printed_row.get(table)
    if not rows_:
        return None
    keys: list[tuple[str, str]] = []
    constraints: list[tuple[int, tuple[int, ...]]] = []
    for r in rows_:
        cols = [c.key for c in schema().columns(table, r, template)]
        offset = len(keys)
        keys += [(r, c) for c in cols]
        constraints += [(offset + t, tuple(offset + p for p in parts)) for t, parts in row_sum_positions(table, cols)]
    return keys, constraints


def expected_cells(template: str, printed: dict[str, set[str]] | None = None) -> int:
    """Cells a complete report of `template` prints, in the layout the report used
    (`printed`: table -> rows it printed; None for the official layout). A layout the
    template does not accept (see `Alternative.accepts`) leaves the count official."""
    s = schema()
    n = s.expected_cells(template)
    for alt in rules().alternatives:
        rows_ = (printed or {}).get(alt.table, set())
        official = alt.official.get(template, "undivided")
        used = alt.layout_printed(rows_, template) if printed is not None else official
        if used != official and alt.accepts(used, template):
            ncols = len(s.columns(alt.table, alt.undivided, template))
            n += (len(alt.rows(used)) - len(alt.rows(official))) * ncols
    return n
