"""From a format's row stream to canonical values: the part every format shares.

`assemble(doc)` walks the `RawDocument` rows in order, tracks which of the three report
tables it is in (section headings, header rows and the labels themselves tell), splits
each table row into label cells and value cells, matches the label to a canonical row,
and places the values into the template's columns. A value is never shifted into a
neighbouring column: when a row prints fewer values than the template gives it, only
the cells that every consistent placement agrees on are kept (the row's own arithmetic
can pin them), the rest are stored as unreadable with a finding.
"""

from __future__ import annotations

import itertools
import re

from extractors.labels.matching import CROSS_TABLE_SCORE, matcher
from extractors.labels.normalize import normalize_label, normalize_text, squash_spaces
from extractors.records import Assembly, Cell, Finding, RawDocument, Row, Value
from extractors.settings import DEFAULT, Settings
from extractors.tables.cells import ParsedValue, clean, is_value_like, parse_value
from schemas import TABLES, schema

# Section headings (normalised text contains the phrase; the heading line is short).
SECTION_PHRASES = {
    "active_disclosure": ("主动公开政府信息情况",),
    "applications": ("收到和处理政府信息公开申请情况",),
    "review_litigation": ("行政复议", "行政诉讼"),
}
END_PHRASES = ("存在的主要问题", "其他需要报告的事项", "其他报告事项", "改进情况")
# Headings are short lines; an intro paragraph listing all six parts is not a heading.
# 40: the longest heading in the seeds and the spec's variants is 26 characters.
MAX_HEADING_CHARS = 40
# Template markers: labels printed only by one template (spec rows/columns with `templates`).
TEMPLATE_MARKERS = {
    "gb2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额",
               "行政规范性文件", "逾期不补正", "逾期未按收费通知", "国办公开办函〔2021〕30号"),
    "gb2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "其他对外管理服务事项",
               "政府集中采购", "采购项目数量", "采购总金额", "国办公开办函〔2019〕60号"),
}
# Row arithmetic usable to pin a missing cell: (total index, part indices) per table.
ROW_ARITHMETIC = {
    "applications": [(6, (0, 1, 2, 3, 4, 5))],
    "review_litigation": [(4, (0, 1, 2, 3))],
}
# Cap on placements examined for a short row (combinations of missing positions).
MAX_PLACEMENTS = 200
# Content words that reveal which table a header row belongs to.
HEADER_HINTS = {
    "active_disclosure": ("信息内容", "第二十条"),
    "applications": ("申请人情况", "自然人", "法人或其他组织", "勾稽关系"),
    "review_litigation": ("结果维持", "复议后起诉", "未经复议直接起诉"),
}


def detect_template(doc: RawDocument, year: int | None) -> tuple[str | None, str]:
    """gb2019 or gb2021 from the labels printed (markers only one template has), else the year."""
    text = squash_spaces(normalize_text(doc.text + "\n" + "\n".join(r.text for r in doc.rows)))
    hits = {t: [m for m in markers if m in text] for t, markers in TEMPLATE_MARKERS.items()}
    n19, n21 = len(hits["gb2019"]), len(hits["gb2021"])
    if n19 != n21:
        t = "gb2021" if n21 > n19 else "gb2019"
        return t, f"labels: {', '.join(hits[t][:4])}"
    if year:
        return ("gb2021" if year >= 2021 else "gb2019"), f"year {year}"
    return None, "no template markers and no year"


def heading_section(text: str) -> str | None:
    """The table a heading line opens, 'end' for the sections after the tables, else None."""
    t = squash_spaces(normalize_text(text))
    if not t or len(t) > MAX_HEADING_CHARS:
        return None
    for table in ("applications", "active_disclosure"):
        if any(p in t for p in SECTION_PHRASES[table]):
            return table
    if "行政复议" in t and "行政诉讼" in t and "情况" in t:
        return "review_litigation"
    if any(p in t for p in END_PHRASES):
        return "end"
    return None


class _Walker:
    def __init__(self, doc: RawDocument, template: str | None, settings: Settings = DEFAULT):
        self.doc = doc
        self.template = template or "gb2021"
        self.m = matcher(settings.scorer)
        self.s = schema()
        self.section: str | None = None
        self.values: list[Value] = []
        self.findings: list[Finding] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.col_labels: dict[str, dict[str, str]] = {t: {} for t in TABLES}
        self.tables: list[str] = []
        # table → row key → (run text, fused cells, raw label, match score), solved at the end
        self.fused: dict[str, dict[str, tuple[str, list[Cell], str | None, float]]] = {}

    # ---- walking -----------------------------------------------------------------------
    def run(self) -> None:
        for row in self.doc.rows:
            if row.kind == "text":
                self._text_row(row)
            else:
                self._table_row(row)
        self._solve_fused()

    def _enter(self, table: str) -> None:
        self.section = table
        if table in TABLES and table not in self.tables:
            self.tables.append(table)

    def _text_row(self, row: Row) -> None:
        sec = heading_section(row.text)
        if sec:
            self.section = sec if sec == "end" else self.section
            if sec != "end":
                self._enter(sec)
            return
        # A caption line between table blocks (第二十条第（五）项) keeps us in table 2.
        if self.section is None and "第二十条" in row.text and len(row.text) < MAX_HEADING_CHARS:
            self._enter("active_disclosure")

    def _table_row(self, row: Row) -> None:
        cells = row.cells
        grid = row.positional or any(c.col is not None for c in cells)
        if len(cells) == 1 and not cells[0].fused:
            split = _split_label_value(cells[0])
            if split:
                cells = split
        labels, values = _split_row(cells, grid)
        if any(c.fused for c in cells):
            self._fused_row(labels, [c for c in cells if c.fused])
            return
        if not values:
            self._header_row(labels)
            return
        label_texts = _dedupe([c.text for c in labels])
        raw_label = "/".join(t.replace("\n", "") for t in label_texts) if label_texts else None
        if not label_texts:
            if not any(clean(c.text) for c in values):
                # An all-blank grid row: table 4's data row in a blank form, else spacing.
                if self.section == "review_litigation" and len(values) >= 15 \
                        and ("review_litigation", "review") not in self.seen:
                    self._place_review(values, grid)
                return
            self._unlabelled_row(values, grid)
            return
        match = self._match(label_texts)
        if match and not any(clean(c.text) for c in values) \
                and len(values) < len(self.s.columns(match.table, match.key, self.template)):
            # Fewer blank cells than the row has columns: a header row (…其他 | ∅), not blank data.
            self._header_row(labels)
            return
        if match is None:
            self._store_unmatched(raw_label, values, "unmatched_label",
                                  f"row label {raw_label!r} matches no canonical row")
            return
        self._enter(match.table)
        self._place(match.table, match.key, match.score, raw_label, values, grid)

    def _match(self, label_texts: list[str]):
        leaf = label_texts[-1]
        tables = [self.section] if self.section in TABLES else []
        for table in tables:
            m = self.m.match_row(leaf, table)
            if m is None and len(label_texts) > 1:
                m = self.m.match_row("".join(label_texts[-2:]), table)
            if m:
                return m
        m = self.m.match_row(leaf)
        if m and (not tables or m.score >= CROSS_TABLE_SCORE):
            return m
        return None

    def _header_row(self, labels: list[Cell]) -> None:
        texts = _dedupe([c.text for c in labels if c.text])
        if not texts:
            return
        joined = squash_spaces(normalize_text("".join(texts)))
        if heading_section(joined) in TABLES and len(texts) == 1:
            self._enter(heading_section(joined))
            return
        for table, hints in HEADER_HINTS.items():
            if any(h in joined for h in hints):
                if self.section != table:
                    self._enter(table)
                break
        if self.section in TABLES:
            for t in texts:
                cm = self.m.match_column(t, self.section)
                if cm:
                    self.col_labels[self.section].setdefault(cm.key, t)

    def _unlabelled_row(self, values: list[Cell], grid: bool) -> None:
        n = len(_trim(values, grid))
        if self.section == "review_litigation" or n == 15:
            self._enter("review_litigation")
            keys = [r.key for r in self.s.rows("review_litigation")]
            if n == 15 or (n < 15 and self.section == "review_litigation"):
                self._place_review(values, grid)
                return
            self._place("review_litigation", keys[0], 1.0, None, values, grid)
            return
        self._store_unmatched(None, values, "unlabelled_row", f"a row of {n} values with no label")

    # ---- placement --------------------------------------------------------------------
    def _place_review(self, values: list[Cell], grid: bool) -> None:
        """Table 4 printed as one row of 15 cells: three groups of five."""
        rows = [r.key for r in self.s.rows("review_litigation")]
        cols = [c.key for c in self.s.columns("review_litigation", rows[0], self.template)]
        keys = [(r, c) for r in rows for c in cols]
        constraints = [(g * 5 + 4, tuple(g * 5 + i for i in range(4))) for g in range(3)]
        cells = _trim(values, grid)
        if grid and len(cells) > 15:
            cells = cells[-15:]
        placed = _placement(cells, 15, constraints)
        labels = {"review": "行政复议", "litigation_direct": "行政诉讼/未经复议直接起诉",
                  "litigation_after_review": "行政诉讼/复议后起诉"}
        for r in rows:
            if ("review_litigation", r) in self.seen:
                self.findings.append(Finding("duplicate_row", "warning",
                                             "table 4 printed twice; the second copy is stored unmatched",
                                             "review_litigation", r))
                self._store_unmatched(labels[r], values, "duplicate_row", None, quiet=True)
                return
        for r in rows:
            self.seen[("review_litigation", r)] = 1
        self._store_placed("review_litigation", keys, placed, cells, None, 1.0, labels)

    def _place(self, table: str, key: str, score: float, raw_label: str | None,
               values: list[Cell], grid: bool) -> None:
        if (table, key) in self.seen:
            self._store_unmatched(raw_label, values, "duplicate_row",
                                  f"{table}.{key} printed a second time (label {raw_label!r}); stored unmatched")
            return
        self.seen[(table, key)] = 1
        rowspec = self.s.row(table, key)
        if self.template not in rowspec.templates and not (table == "applications" and key == "results.other"):
            self.findings.append(Finding("row_not_in_template", "info",
                                         f"{table}.{key} is not part of template {self.template}", table, key))
        cols = self.s.columns(table, key, self.template)
        n = len(cols)
        cells = _trim(values, grid)
        if len(cells) > n:
            if grid or table == "active_disclosure":
                # Structured grids: a table-2 row fills from the left; tables 3/4 from the right.
                extra = cells[n:] if table == "active_disclosure" else cells[:-n]
                if all(not clean(c.text) for c in extra):
                    cells = cells[:n] if table == "active_disclosure" else cells[-n:]
        if grid and len(cells) > n:
            # A value cell merged across grid columns (gb2021's one-column rows of table 2 span
            # the block's three columns) repeats its text in each position: read it once.
            collapsed = [c for i, c in enumerate(cells) if i == 0 or c.text != cells[i - 1].text]
            if len(collapsed) == n:
                cells = collapsed
        constraints = ROW_ARITHMETIC.get(table, []) if n == 7 or n == 5 else []
        if len(cells) > n:
            self.findings.append(Finding("extra_cells", "warning",
                                         f"{table}.{key} prints {len(cells)} values where the template has {n}; "
                                         "none could be placed with certainty", table, key,
                                         detail={"printed": [c.text for c in cells]}))
            placed = [None] * n
        else:
            placed = _placement(cells, n, constraints)
        keys = [(key, c.key) for c in cols]
        self._store_placed(table, keys, placed, cells, raw_label, score, None)

    def _store_placed(self, table, keys, placed, cells, raw_label, score, row_labels) -> None:
        """placed[i] is the Cell for column i, or None (unreadable), or a ParsedValue (pinned)."""
        n_printed = len(cells)
        inferred = [i for i, p in enumerate(placed) if isinstance(p, ParsedValue)]
        unreadable = [i for i, p in enumerate(placed) if p is None]
        for i, (row, col) in enumerate(keys):
            p = placed[i]
            unit = self._unit(table, row, col)
            raw_col = self.col_labels[table].get(col)
            label = row_labels[row] if row_labels else raw_label
            if isinstance(p, Cell):
                pv = parse_value(p.text, unit)
                self._add(table, row, col, pv, p.text, label, raw_col, score, p)
                if pv.kind == "unreadable":
                    self.findings.append(Finding("unreadable_value", "warning",
                                                 f"cell {p.text!r} is not a number", table, row, col,
                                                 detail={"raw": p.text}))
                elif pv.unit and pv.unit != unit:
                    self.findings.append(Finding("unit_in_cell", "info",
                                                 f"cell printed with unit {pv.unit!r}: {p.text!r}", table, row, col))
            elif isinstance(p, ParsedValue):
                self._add(table, row, col, p, None, label, raw_col, score, cells[0] if cells else None)
            else:
                self._add(table, row, col, ParsedValue(None, "unreadable"), None, label, raw_col, score,
                          cells[0] if cells else None)
        if inferred or unreadable:
            row_name = keys[0][0] if len({k[0] for k in keys}) == 1 else "review_litigation"
            printed = [c.text for c in cells]
            if unreadable:
                self.findings.append(Finding(
                    "placement_ambiguous", "warning",
                    f"{table}.{row_name}: {n_printed} of {len(keys)} values printed; "
                    f"{len(unreadable)} cell(s) cannot be placed with certainty and are stored as unreadable",
                    table, row_name, detail={"printed": printed,
                                             "unreadable": [keys[i][1] for i in unreadable]}))
            else:
                self.findings.append(Finding(
                    "placement_inferred", "info",
                    f"{table}.{row_name}: {n_printed} of {len(keys)} values printed; the row's arithmetic "
                    "pins every cell", table, row_name, detail={"printed": printed,
                                                               "inferred": [keys[i][1] for i in inferred]}))

    def _unit(self, table: str, row: str, col: str) -> str | None:
        if table != "active_disclosure":
            return None
        for c in self.s.columns(table, row, self.template):
            if c.key == col:
                return c.unit
        return None

    def _add(self, table, row, col, pv: ParsedValue, raw, raw_label, raw_col, score, cell: Cell | None):
        self.values.append(Value(
            table, row, col, pv.value, pv.kind, raw, raw_label, raw_col, score,
            cell.page if cell else None, cell.table if cell else None,
            cell.row if cell else None, cell.col if cell and raw is not None else None))

    def _store_unmatched(self, raw_label, values: list[Cell], check, message, quiet=False) -> None:
        table = self.section if self.section in TABLES else "unknown"
        for c in values:
            if not clean(c.text):
                continue
            pv = parse_value(c.text)
            self._add(table, None, None, pv, c.text, raw_label, None, None, c)
        if not quiet and message:
            self.findings.append(Finding(check, "warning", message, table,
                                         detail={"raw_label": raw_label, "values": [c.text for c in values]}))

    # ---- fused digit runs (flattened text) ----------------------------------------------
    def _fused_row(self, labels: list[Cell], fused: list[Cell]) -> None:
        label_texts = _dedupe([c.text for c in labels if c.text])
        raw_label = "/".join(label_texts) if label_texts else None
        run = " ".join(c.text for c in fused)
        if not label_texts or (self.section == "review_litigation" and not self.m.match_row(
                label_texts[-1], "review_litigation")):
            if self.section == "review_litigation" or len(re.sub(r"\D", "", run)) >= 15:
                self._enter("review_litigation")
                from extractors.arithmetic.digits import ALL_ROWS

                self.fused.setdefault("review_litigation", {})[ALL_ROWS] = (run, fused, raw_label, 1.0)
                return
        match = self._match(label_texts) if label_texts else None
        if match is None:
            self._store_unmatched(raw_label, fused, "unmatched_label",
                                  f"row label {raw_label!r} matches no canonical row")
            return
        self._enter(match.table)
        self.fused.setdefault(match.table, {})[match.key] = (run, fused, raw_label, match.score)

    def _solve_fused(self) -> None:
        if not self.fused:
            return
        from extractors.tables import fused as fused_mod

        fused_mod.store_solutions(self)


def _split_label_value(cell: Cell) -> list[Cell] | None:
    """'政府信息公开发布总数量（非新闻类）：1' → label cell + value cell."""
    m = re.match(r"^(.*\S)\s*[:：]\s*([^:：]{1,20})$", cell.text, re.S)
    if m and is_value_like(m.group(2)) and not is_value_like(m.group(1)):
        return [Cell(m.group(1), cell.page, cell.table, cell.row, cell.col),
                Cell(m.group(2), cell.page, cell.table, cell.row, cell.col)]
    return None


def _split_row(cells: list[Cell], grid: bool) -> tuple[list[Cell], list[Cell]]:
    """Label cells (text) up to the last one that is not value-like; the rest are values."""
    last_label = -1
    for i, c in enumerate(cells):
        if c.fused:
            continue
        if clean(c.text) and not is_value_like(c.text):
            last_label = i
    labels = [c for c in cells[: last_label + 1] if clean(c.text)]
    values = [c for c in cells[last_label + 1:] if not c.fused and not c.merged]
    if not any(clean(c.text) for c in values) and not grid:
        values = []
    return labels, values


def _trim(values: list[Cell], grid: bool) -> list[Cell]:
    """Text formats: leading/trailing empty cells are layout debris (tabs, merged placeholders)."""
    if grid:
        return list(values)
    cells = list(values)
    while cells and not clean(cells[-1].text):
        cells.pop()
    while cells and not clean(cells[0].text):
        cells.pop(0)
    return cells


def _dedupe(texts: list[str]) -> list[str]:
    out: list[str] = []
    for t in texts:
        t = t.strip()
        if t and (not out or normalize_label(out[-1]) != normalize_label(t)):
            out.append(t)
    return out


def _placement(cells: list[Cell], n: int, constraints) -> list:
    """Place k printed cells into n columns without shifting any value on a guess.

    k == n: each cell in its column. k < n: try every choice of missing positions; a
    missing cell takes the value the row arithmetic forces (a non-negative integer), or
    stays unknown. A column is kept when every consistent placement agrees on it: a
    printed Cell, or a ParsedValue the arithmetic pinned; otherwise None (unreadable).
    """
    k = len(cells)
    if k == n:
        return list(cells)
    if k > n or k == 0:
        return [None] * n
    parsed = [parse_value(c.text) for c in cells]
    outcomes = []
    for i, missing in enumerate(itertools.combinations(range(n), n - k)):
        if i >= MAX_PLACEMENTS:
            return [None] * n
        slots: list = [None] * n
        it = iter(range(k))
        for pos in range(n):
            if pos not in missing:
                slots[pos] = next(it)
        vals = [parsed[s].value if s is not None else None for s in slots]
        ok = True
        for total, parts in constraints:
            involved = [total, *parts]
            unknown = [p for p in involved if vals[p] is None and slots[p] is None]
            if any(vals[p] is None and slots[p] is not None for p in involved):
                continue  # a printed blank/'-': the identity says nothing
            if len(unknown) == 1:
                u = unknown[0]
                known = sum(vals[p] for p in parts if p != u)
                x = vals[total] - known if u != total else known
                if x < 0 or x != int(x):
                    ok = False
                    break
                vals[u] = float(x)
            elif not unknown and abs(vals[total] - sum(vals[p] for p in parts)) > 1e-9:
                ok = False
                break
        if ok:
            outcomes.append((slots, vals))
    if not outcomes:
        return [None] * n
    result: list = []
    for pos in range(n):
        first_slot, first_val = outcomes[0][0][pos], outcomes[0][1][pos]
        if all(o[0][pos] == first_slot for o in outcomes) and first_slot is not None:
            result.append(cells[first_slot])
        elif first_val is not None and all(o[1][pos] == first_val for o in outcomes):
            result.append(ParsedValue(first_val, "number"))
        else:
            result.append(None)
    return result


def assemble(doc: RawDocument, year: int | None = None, settings: Settings = DEFAULT) -> Assembly:
    """Canonical values and findings for one document (see the module docstring).

    `settings.scorer` picks the label matcher: "fuzzy" (the real one) or "exact" (the
    baseline that accepts only labels identical after normalisation)."""
    template, evidence = detect_template(doc, year)
    w = _Walker(doc, template, settings)
    w.run()
    for i, v in enumerate(w.values):
        v.seq = i
    findings = w.findings
    if template is None and w.values:
        findings.append(Finding("template_unclear", "warning",
                                "template could not be told from labels or year; gb2021 columns assumed"))
    return Assembly(template, evidence, w.values, findings, w.tables)
