"""From a format's row stream to canonical values: the part every format shares.

`assemble(doc)` walks the `RawDocument` rows in order (`TableWalker`), tracks which of the
three report tables it is in (section headings, header rows and the labels themselves
tell, as `extractors.template` states them), splits each table row into label cells and
value cells, matches the label to a canonical row, and places the values into the
template's columns (`extractors.tables.placement`). A value is never shifted into a
neighbouring column: when a row prints fewer values than the template gives it, only
the cells that every consistent placement agrees on are kept (the row's own arithmetic
can pin them), the rest are stored as unreadable with a finding. What the walk reads goes
into a `TableState`; rows whose numbers ran together are solved at the end
(`extractors.tables.fused`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from extractors.arithmetic.digits import ALL_ROWS
from extractors.labels.matching import CROSS_TABLE_SCORE, LabelMatcher, Match, matcher
from extractors.labels.normalize import normalize_text, squash_spaces
from extractors.records import Assembly, Cell, Finding, RawDocument, Row
from extractors.settings import DEFAULT, Settings
from extractors.tables import fused as fused_runs
from extractors.tables import ordered
from extractors.tables.cells import BLANK_TEXT, parse_cell, text_kind
from extractors.tables.placement import SUM_TOLERANCE, dedupe, placement, split_label_value, split_row, trim
from extractors.tables.state import FusedRun, RowPlan, TableState, row_plan
from extractors.template import (
    detect_template,
    header_table,
    heading_section,
    is_caption,
    is_earlier_format,
    one_row_layout,
    rules,
)
from schemas import TABLES

# The table printed as one row of unlabelled cells (template-rules.yaml `layouts`: table 4's
# three canonical rows side by side). An unlabelled row that wide is that table.
ONE_ROW_TABLE = "review_litigation"
# Distinct text rows and header rows whose section is remembered. Headings and header rows
# are the same few hundred texts in every report; narrative lines pass through once and
# age out. 8192 lines of a few hundred characters: a few MB at most.
HEADING_CACHE_SIZE = 8192


def document_text(doc: RawDocument) -> str:
    """The text the template is told from: the document's text and every row's
    (`Row.text`, its cells joined by spaces)."""
    return doc.text + "\n" + "\n".join([" ".join([c.text for c in r.cells]) for r in doc.rows])


class TableWalker:
    """Reads a document's rows in order into a `TableState` (see the module docstring)."""

    def __init__(self, doc: RawDocument, template: str | None, settings: Settings = DEFAULT):
        self.doc = doc
        self.template = template or rules().fallback_template
        self.scorer = settings.scorer
        self.m = matcher(settings.scorer)
        self.state = TableState(self.template)
        self.s = self.state.schema
        # table → row key → fused run, solved at the end
        self.fused: dict[str, dict[str, FusedRun]] = {}
        self.one_row_keys, self.one_row_sums = _one_row_layout(ONE_ROW_TABLE, self.template)
        self.one_row_width = len(self.one_row_keys)
        self.pending = ordered.Pending()  # label-less rows waiting for their table's next row
        self.last_row: dict[str, str] = {}  # table → the last row placed in it
        self.by_order: list[tuple[str, str]] = []  # rows placed by the template's row order

    @property
    def section(self) -> str | None:
        return self.state.section

    # ---- walking -----------------------------------------------------------------------
    def run(self) -> TableState:
        for row in self.doc.rows:
            if row.kind == "text":
                self._text_row(row)
            else:
                self._table_row(row)
            if self.pending.rows and self.section != self.pending.table:
                self._resolve_gap(None, None)
        self._resolve_gap(None, None)
        ordered.confirm(self.state, self.by_order, self.template)
        if self.fused:
            fused_runs.store_solutions(self.state, self.fused, self.doc.text)
        return self.state

    def _text_row(self, row: Row) -> None:
        text = row.cells[0].text if len(row.cells) == 1 else row.text  # (a text row's one cell)
        sec = _heading(text)
        if sec:
            if sec != "end":
                self.state.enter(sec)
            else:
                self.state.section = sec
            return
        # A caption line between table blocks (第二十条第（五）项) keeps us in table 2.
        if self.section is None and is_caption(text):
            self.state.enter("active_disclosure")

    def _table_row(self, row: Row) -> None:
        cells = row.cells
        grid = row.positional or any(c.col is not None for c in cells)
        if len(cells) == 1 and not cells[0].fused:
            cells = split_label_value(cells[0]) or cells
        labels, values = split_row(cells, grid)
        fused = [c for c in cells if c.fused]
        if fused:
            self._fused_row(row, labels, fused)
            return
        if not values:
            if not grid and self._blank_row(cells, labels):
                return
            self._header_row(labels)
            return
        label = _read_label(tuple(c.text for c in labels), self.section, self.template, self.scorer)
        if label is None:
            if not (row.by_order and self._defer(values, grid)):
                self._unlabelled_row(values, grid)
            return
        raw_label, match, plan = label
        if match is None and row.by_order and all(text_kind(c.text) == BLANK_TEXT for c in values):
            self._header_row(labels)  # a header padded with empty cells to its table's width
            return
        if match is None:
            self.state.store_unmatched(raw_label, values, "unmatched_label",
                                       f"row label {raw_label!r} matches no canonical row")
            return
        if len(values) < len(plan.columns) and all(text_kind(c.text) == BLANK_TEXT for c in values):
            # Fewer blank cells than the row has columns: a header row (…其他 | ∅), not blank data.
            self._header_row(labels)
            return
        self.state.enter(match.table)
        self._resolve_gap(match.table, match.key)
        self._place(match.table, match.key, match.score, raw_label, values, grid, plan)

    def _blank_row(self, cells: list[Cell], labels: list[Cell]) -> bool:
        """A text row (tab-split) whose label names a canonical row and whose fields after it
        are all empty, at least as many as the row's columns: a row of blank cells (a report
        leaving its zeros blank), not a header. Places it and says so."""
        if not labels:
            return False
        label = _read_label(tuple(c.text for c in labels), self.section, self.template, self.scorer)
        if label is None or label.match is None:
            return False
        last = max(i for i, c in enumerate(cells) if c is labels[-1])
        blanks = cells[last + 1:]
        if len(blanks) < len(label.plan.columns):
            return False
        self.state.enter(label.match.table)
        self._place(label.match.table, label.match.key, label.match.score, label.raw_label,
                    blanks[: len(label.plan.columns)], True, label.plan)
        return True

    def _match(self, label_texts: list[str]) -> Match | None:
        return match_label(self.m, label_texts, self.section)

    def _header_row(self, labels: list[Cell]) -> None:
        texts = dedupe([c.text for c in labels if c.text])
        if not texts:
            return
        heading, table = _header_tables(tuple(texts))
        if heading in TABLES and len(texts) == 1:
            self.state.enter(heading)
            return
        if table and self.section != table:
            self.state.enter(table)
        if self.section in TABLES:
            for t in texts:
                cm = self.m.match_column(t, self.section)
                if cm:
                    self.state.col_labels[self.section].setdefault(cm.key, t)

    def _unlabelled_row(self, values: list[Cell], grid: bool) -> None:
        if all(text_kind(c.text) == BLANK_TEXT for c in values):
            # An all-blank grid row: table 4's data row in a blank form, else spacing.
            if self.section == ONE_ROW_TABLE and len(values) >= self.one_row_width \
                    and (ONE_ROW_TABLE, self.one_row_keys[0][0]) not in self.state.seen:
                self._place_one_row(values, grid)
            return
        n = len(trim(values, grid))
        if self.section == ONE_ROW_TABLE or n == self.one_row_width:
            self.state.enter(ONE_ROW_TABLE)
            if n <= self.one_row_width:
                self._place_one_row(values, grid)
                return
            self._place(ONE_ROW_TABLE, self.one_row_keys[0][0], 1.0, None, values, grid)
            return
        self.state.store_unmatched(None, values, "unlabelled_row", f"a row of {n} values with no label")

    # ---- rows placed by the template's row order (extractors.tables.ordered) -------------
    def _defer(self, values: list[Cell], grid: bool) -> bool:
        """Hold back a label-less row of table 2 or 3 until its table's next placed row."""
        table = self.section
        if table not in TABLES or table == ONE_ROW_TABLE or not values:
            return False
        if self.pending.table != table:
            self._resolve_gap(None, None)
        self.pending.table = table
        self.pending.rows.append((values, grid))
        return True

    def _resolve_gap(self, table: str | None, key: str | None) -> None:
        """Place the rows held back before `key` of `table` (None: their table ended)."""
        ptable, rows = self.pending.take()
        if not rows:
            return
        order = [r.key for r in self.s.rows(ptable, self.template)]
        prev = self.last_row.get(ptable)
        nxt = key if table == ptable else None
        gap, why = ordered.order_gap(order, prev, nxt, self.state.seen, ptable, len(rows))
        printed = [r for r in rows if not all(text_kind(c.text) == BLANK_TEXT for c in r[0])]
        if gap is None and len(printed) < len(rows):
            # Rows of empty cells: the template's blank rows, else spacing between fragments.
            gap, _ = ordered.order_gap(order, prev, nxt, self.state.seen, ptable, len(printed))
            rows = printed if gap is not None else rows
        section, self.state.section = self.state.section, ptable
        for i, (values, grid) in enumerate(rows):
            if gap is None:
                if all(text_kind(c.text) == BLANK_TEXT for c in values):
                    continue
                self.state.store_unmatched(None, values, "unlabelled_row",
                                           f"a row of {len(trim(values, grid))} values with no label: {why}, "
                                           "so it is not placed by the template's row order")
                continue
            self._place(ptable, gap[i], None, None, values, grid)
            self.by_order.append((ptable, gap[i]))
            self.state.findings.append(Finding(
                "placed_by_order", "info", f"{ptable}.{gap[i]}: a row printed without its label, placed by "
                f"the template's row order between {prev or 'the table start'} and {key or 'the table end'}",
                ptable, gap[i], detail={"after": prev, "before": key if table == ptable else None,
                                        "printed": [c.text for c in values]}))
        self.state.section = section

    # ---- placement --------------------------------------------------------------------
    def _place_one_row(self, values: list[Cell], grid: bool) -> None:
        """Table 4 printed as one row: its canonical rows' cells side by side."""
        keys, width = self.one_row_keys, self.one_row_width
        rows = list(dict.fromkeys(r for r, _ in keys))
        cells = trim(values, grid)
        if grid and len(cells) > width:
            cells = cells[-width:]
        placed = placement(cells, width, self.one_row_sums)
        labels = {r: "/".join(self.s.row(ONE_ROW_TABLE, r).path) for r in rows}
        for r in rows:
            if (ONE_ROW_TABLE, r) in self.state.seen:
                self.state.findings.append(Finding("duplicate_row", "warning",
                                                   "table 4 printed twice; the second copy is stored unmatched",
                                                   ONE_ROW_TABLE, r))
                self.state.store_unmatched(labels[r], values, "duplicate_row", None, quiet=True)
                return
        for r in rows:
            self.state.claim(ONE_ROW_TABLE, r)
        self.state.store_placed(ONE_ROW_TABLE, keys, placed, cells, None, 1.0, labels)

    def _place(self, table: str, key: str, score: float | None, raw_label: str | None,
               values: list[Cell], grid: bool, plan: RowPlan | None = None) -> None:
        if not self.state.claim(table, key):
            self.state.store_unmatched(raw_label, values, "duplicate_row",
                                       f"{table}.{key} printed a second time (label {raw_label!r}); stored unmatched")
            return
        self.last_row[table] = key
        plan = plan or row_plan(table, key, self.template)
        if not plan.allowed:
            self.state.findings.append(Finding("row_not_in_template", "info",
                                               f"{table}.{key} is not part of template {self.template}", table, key))
        n = len(plan.columns)
        cells = trim(values, grid)
        if not grid and len(cells) < n:  # blank cells among the printed ones (tab-split text)
            cells = _right_aligned(values, n, plan, table) or cells
        cells = _fit(cells, n, grid, table)
        if len(cells) > n:
            self.state.findings.append(Finding("extra_cells", "warning",
                                               f"{table}.{key} prints {len(cells)} values where the template has "
                                               f"{n}; none could be placed with certainty", table, key,
                                               detail={"printed": [c.text for c in cells]}))
            placed = [None] * n
        else:
            placed = placement(cells, n, plan.sums)
        self.state.store_placed(table, plan.keys, placed, cells, raw_label, score, None, plan.units)

    # ---- fused digit runs (flattened text) ----------------------------------------------
    def _fused_row(self, row: Row, labels: list[Cell], fused: list[Cell]) -> None:
        label_texts = dedupe([c.text for c in labels if c.text])
        raw_label = "/".join(label_texts) if label_texts else None
        run = " ".join(c.text for c in fused)
        if row.key is not None:
            self._keep_keyed(row.key, label_texts, FusedRun(run, fused, raw_label, 1.0))
            return
        if not label_texts or (self.section == ONE_ROW_TABLE and not self.m.match_row(
                label_texts[-1], ONE_ROW_TABLE)):
            if self.section == ONE_ROW_TABLE or len(re.sub(r"\D", "", run)) >= self.one_row_width:
                self._keep_fused(ONE_ROW_TABLE, ALL_ROWS, FusedRun(run, fused, raw_label, 1.0))
                return
        match = self._match(label_texts) if label_texts else None
        if match is None:
            self.state.store_unmatched(raw_label, fused, "unmatched_label",
                                       f"row label {raw_label!r} matches no canonical row")
            return
        self._keep_fused(match.table, match.key, FusedRun(run, fused, raw_label, match.score))

    def _keep_keyed(self, key: tuple[str, str], label_texts: list[str], run: FusedRun) -> None:
        """A row the reader identified: no search, the label is scored against that row
        (a row placed by position, table 4's one run or an unlabelled one, scores 1.0)."""
        table, row_key = key
        if label_texts and row_key != ALL_ROWS:
            run = run._replace(score=self.m.score_row(label_texts[-1], table, row_key))
        self._keep_fused(table, row_key, run)

    def _keep_fused(self, table: str, key: str, run: FusedRun) -> None:
        self.state.enter(table)
        self.fused.setdefault(table, {})[key] = run


def match_label(m: LabelMatcher, label_texts: list[str] | tuple[str, ...], section: str | None) -> Match | None:
    """The canonical row a row's label cells name: the leaf label (or the last two cells
    joined) in the current table, else anywhere when the match is sure enough to move there."""
    leaf = label_texts[-1]
    tables = [section] if section in TABLES else []
    for table in tables:
        match = m.match_row(leaf, table)
        if match is None and len(label_texts) > 1:
            match = m.match_row("".join(label_texts[-2:]), table)
        if match:
            return match
    match = m.match_row(leaf)
    if match and (not tables or match.score >= CROSS_TABLE_SCORE):
        return match
    return None


class RowLabel(NamedTuple):
    """How a row's label cells read: the label as stored, its canonical row (None: no
    match) and that row's `RowPlan`."""

    raw_label: str
    match: Match | None
    plan: RowPlan | None


# Distinct (label cells, section, template, scorer) whose reading is remembered: the
# templates' row labels in the variants reports print them, per table, a few thousand.
LABEL_CACHE_SIZE = 16_384


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def _read_label(texts: tuple[str, ...], section: str | None, template: str, scorer: str) -> RowLabel | None:
    """A row's label cells read once per distinct printing (labels repeat in every report):
    None when they hold no label once blanks and repeats are dropped."""
    label_texts = dedupe(list(texts))
    if not label_texts:
        return None
    raw_label = "/".join(t.replace("\n", "") for t in label_texts)
    match = match_label(matcher(scorer), label_texts, section)
    if match is None:
        return RowLabel(raw_label, None, None)
    return RowLabel(raw_label, match, row_plan(match.table, match.key, template))


# (table, template) pairs whose one-row layout is remembered: 3 tables x 2 templates.
LAYOUT_CACHE_SIZE = 16


@lru_cache(maxsize=LAYOUT_CACHE_SIZE)
def _one_row_layout(table: str, template: str):
    """`one_row_layout`, worked out once per template (the walker only reads it)."""
    return one_row_layout(table, template)


@lru_cache(maxsize=HEADING_CACHE_SIZE)
def _heading(text: str) -> str | None:
    """`heading_section` of a text row, memoised (headings repeat in every report)."""
    return heading_section(text)


@lru_cache(maxsize=HEADING_CACHE_SIZE)
def _header_tables(texts: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(the table a header row's joined text opens as a heading, the table its content words
    name): memoised per distinct header row (they repeat in every report of a template)."""
    joined = squash_spaces(normalize_text("".join(texts)))
    return heading_section(joined), header_table(joined)


def _right_aligned(values: list[Cell], n: int, plan: RowPlan, table: str) -> list[Cell] | None:
    """A text row of tables 3 and 4 (they fill from the right) whose fields hold blank cells:
    its last n fields, when the line ends in a printed value (no trailing tab to shift it),
    what is left of them is empty (the label columns' span) and the row's own sums hold
    with blank cells as 0. Else None: which printed value is in which column stays open."""
    if table == "active_disclosure" or len(values) < n or not plan.sums:
        return None
    if text_kind(values[-1].text) == BLANK_TEXT or any(text_kind(c.text) != BLANK_TEXT for c in values[:-n]):
        return None
    cells = values[-n:]
    parsed = [parse_cell(c) for c in cells]
    if any(p.kind not in ("number", "blank") for p in parsed):
        return None
    nums = [p.value or 0.0 for p in parsed]
    if all(abs(nums[t] - sum(nums[i] for i in parts)) <= SUM_TOLERANCE for t, parts in plan.sums):
        return cells
    return None


def _fit(cells: list[Cell], n: int, grid: bool, table: str) -> list[Cell]:
    """Drop what a row prints beyond its n columns when it is layout, not values."""
    if len(cells) > n:
        if grid or table == "active_disclosure":
            # Structured grids: a table-2 row fills from the left; tables 3/4 from the right.
            extra = cells[n:] if table == "active_disclosure" else cells[:-n]
            if all(text_kind(c.text) == BLANK_TEXT for c in extra):
                cells = cells[:n] if table == "active_disclosure" else cells[-n:]
            else:
                cells = _strip_padding(cells, n)
    if grid and len(cells) > n:
        # A value cell merged across grid columns (gb2021's one-column rows of table 2 span
        # the block's three columns) repeats its text in each position: read it once.
        collapsed = [c for i, c in enumerate(cells) if i == 0 or c.text != cells[i - 1].text]
        if len(collapsed) == n:
            cells = collapsed
    return cells


def _strip_padding(cells: list[Cell], n: int) -> list[Cell]:
    """A row of more than n cells whose surplus is blank (a merged label's empty columns on
    the left, a pipe table padded to a wider header on the right): the n cells between, when
    exactly one window of n cells holds every non-blank cell. Unchanged otherwise: blank cells
    can be printed zeros, so with blanks on both sides the columns are not certain."""
    filled = [i for i, c in enumerate(cells) if text_kind(c.text) != BLANK_TEXT]
    if not filled:
        return cells
    first, last = filled[0], filled[-1]
    lo, hi = max(0, last - n + 1), min(first, len(cells) - n)
    return cells[lo:lo + n] if lo == hi else cells


def assemble(doc: RawDocument, year: int | None = None, settings: Settings = DEFAULT) -> Assembly:
    """Canonical values and findings for one document (see the module docstring).

    `settings.scorer` picks the label matcher: "fuzzy" (the real one) or "exact" (the
    baseline that accepts only labels identical after normalisation)."""
    template, evidence = detect_template(document_text(doc), year)
    if is_earlier_format(template):  # e.g. a pre-2019 统计表: its rows are not the spec's
        return Assembly(template, evidence, [], [Finding("earlier_format", "info",
                                                         rules().earlier_formats[template]["describe"])], [])
    state = TableWalker(doc, template, settings).run()
    for i, v in enumerate(state.values):
        v.seq = i
    findings = state.findings
    if template is None and state.values:
        findings.append(Finding("template_unclear", "warning",
                                f"template could not be told from labels or year; "
                                f"{rules().fallback_template} columns assumed"))
    return Assembly(template, evidence, state.values, findings, state.tables)
