"""A report as a list of blocks; its tables as merged-cell grids in the official layout.

The grids follow the official Word layout (tests/fixtures/real/template-2021-blank.docx):

- table 2: 4 grid columns; per Article 20 item a caption row spanning all columns,
  a 信息内容 header row, one row per information type; rows with fewer than three
  values span their last cell over the rest.
- table 3: 10 grid columns (3 label levels + 7 values); a 3-row header (the note cell
  spans 3x3, 法人或其他组织 spans five columns, 自然人 and 总计 span two rows);
  三、本年度办理结果 and the sub-groups （三）（四）（五）（六） are merged vertically.
- table 4: 15 grid columns, header 行政复议 (5) | 行政诉讼 (10), then 未经复议直接起诉 and
  复议后起诉 (5 each) over the repeated 结果维持 … 总计, and one row of 15 values.
Every writer (docx, html, txt, pdf via docx) renders these same grids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from functools import cache

import opencc

from schemas import schema

from . import narrative
from . import params as P
from .labels import Labeler
from .masthead import Masthead, archive_header
from .model import APPLICANT_COLUMNS, RL_PARTS, Key, Report
from .names import Agency


@dataclass
class GCell:
    r: int
    c: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    role: str = "label"  # caption / header / label / value
    key: Key | None = None


@dataclass
class GTable:
    name: str  # active_disclosure / applications / review_litigation
    nrows: int
    ncols: int
    cells: list[GCell]
    widths: list[int]  # grid column widths in twentieths of a point (Word dxa)

    def origin_grid(self) -> list[list[tuple[GCell, bool, bool]]]:
        """For each grid slot: (cell covering it, slot is the cell's top row, slot is its left column)."""
        grid: list[list] = [[None] * self.ncols for _ in range(self.nrows)]
        for cell in self.cells:
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    assert grid[cell.r + dr][cell.c + dc] is None, (self.name, cell)
                    grid[cell.r + dr][cell.c + dc] = (cell, dr == 0, dc == 0)
        for r, row in enumerate(grid):
            for c, slot in enumerate(row):
                assert slot is not None, (self.name, r, c)
        return grid

    def row_tcs(self) -> list[list[tuple[GCell, bool]]]:
        """Per row the Word cells (<w:tc>) left to right: (cell, starts in this row).

        A cell spanning columns is one tc; a vertically merged cell yields a
        continuation tc (starts=False) in each row below its first."""
        out = []
        for row in self.origin_grid():
            tcs = []
            for cell, top, left in row:
                if left:
                    tcs.append((cell, top))
            out.append(tcs)
        return out


@dataclass
class Block:
    kind: str  # title / heading / para / sign / table
    text: str = ""
    table: GTable | None = None


@dataclass
class Document:
    report: Report
    agency: Agency
    blocks: list[Block]
    traditional: bool = False
    layout: list[str] = field(default_factory=list)
    masthead: Masthead | None = None  # how the report names itself (benchmarks.synth.masthead)


# ---- tables -------------------------------------------------------------------------------------
def _ad_items(template: str) -> list[tuple[str, list]]:
    items: list[tuple[str, list]] = []
    for row in schema().rows("active_disclosure", template):
        cn = row.item.split("（")[1].split("）")[0]
        if items and items[-1][0] == cn:
            items[-1][1].append(row)
        else:
            items.append((cn, [row]))
    return items


def active_disclosure_tables(report: Report, lab: Labeler, per_item: bool) -> list[GTable]:
    s, t = schema(), report.template
    tables: list[GTable] = []
    cells: list[GCell] = []
    r = 0

    def flush():
        nonlocal cells, r
        if cells:
            tables.append(GTable("active_disclosure", r, 4, cells, [2435] * 4))
        cells, r = [], 0

    for cn, rows in _ad_items(t):
        if per_item:
            flush()
        cells.append(GCell(r, 0, lab.caption(cn), colspan=4, role="caption"))
        r += 1
        cols = s.columns("active_disclosure", rows[0].key, t)
        cells.append(GCell(r, 0, lab.text("ad.first", "信息内容"), role="header"))
        for i, col in enumerate(cols):
            span = 4 - 1 - i if i == len(cols) - 1 else 1
            cells.append(GCell(r, 1 + i, lab.text(f"ad.col.{col.key}", col.label), colspan=span, role="header"))
        r += 1
        for row in rows:
            cells.append(GCell(r, 0, lab.text(f"ad.row.{row.key}", row.label_for(t)), role="label"))
            cols = s.columns("active_disclosure", row.key, t)
            for i, col in enumerate(cols):
                key = ("active_disclosure", row.key, col.key)
                span = 4 - 1 - i if i == len(cols) - 1 else 1
                cells.append(GCell(r, 1 + i, report.printed[key], colspan=span, role="value", key=key))
            r += 1
    flush()
    return tables


def applications_table(report: Report, lab: Labeler) -> GTable:
    s, t = schema(), report.template
    spec = s.tables["applications"]
    cells: list[GCell] = [
        GCell(0, 0, lab.note(spec["note"]), rowspan=3, colspan=3, role="header"),
        GCell(0, 3, lab.text("ap.header", spec["column_header"]), colspan=7, role="header"),
        GCell(1, 3, lab.text("ap.col.natural_person", spec["columns"]["natural_person"]), rowspan=2, role="header"),
        GCell(1, 4, lab.text("ap.group", "法人或其他组织"), colspan=5, role="header"),
        GCell(1, 9, lab.text("ap.col.total", spec["columns"]["total"]), rowspan=2, role="header"),
    ]
    for i, col in enumerate(APPLICANT_COLUMNS[1:]):
        cells.append(GCell(2, 4 + i, lab.text(f"ap.col.{col}", spec["columns"][col]), role="header"))
    rows = s.rows("applications", t)
    r = 3
    results = [row for row in rows if row.key.startswith("results.")]
    first_result_r = None
    i = 0
    while i < len(rows):
        row = rows[i]
        if not row.key.startswith("results."):
            cells.append(GCell(r, 0, lab.text(f"ap.row.{row.key}", row.path[-1]), colspan=3, role="label"))
            _values(cells, report, r, row.key)
            r += 1
            i += 1
            continue
        if first_result_r is None:
            first_result_r = r
            cells.append(GCell(r, 0, lab.text("ap.results", results[0].path[0]), rowspan=len(results), role="label"))
        if len(row.path) == 2:
            cells.append(GCell(r, 1, lab.text(f"ap.row.{row.key}", row.path[1]), colspan=2, role="label"))
            _values(cells, report, r, row.key)
            r += 1
            i += 1
            continue
        n = 0
        for x in rows[i:]:
            if len(x.path) == 3 and x.path[1] == row.path[1]:
                n += 1
            else:
                break
        group = rows[i:i + n]
        cells.append(GCell(r, 1, lab.text(f"ap.grp.{row.path[1]}", row.path[1]), rowspan=n, role="label"))
        for x in group:
            cells.append(GCell(r, 2, lab.text(f"ap.row.{x.key}", x.path[2]), role="label"))
            _values(cells, report, r, x.key)
            r += 1
        i += n
    return GTable("applications", r, 10, cells, [754, 921, 3271] + [685] * 7)


def _values(cells: list[GCell], report: Report, r: int, row: str) -> None:
    for j, col in enumerate((*APPLICANT_COLUMNS, "total")):
        key = ("applications", row, col)
        cells.append(GCell(r, 3 + j, report.printed[key], role="value", key=key))


def review_table(report: Report, lab: Labeler) -> GTable:
    spec = schema().tables["review_litigation"]
    cols = spec["columns"]
    cells = [
        GCell(0, 0, lab.text("rl.review", "行政复议"), colspan=5, role="header"),
        GCell(0, 5, lab.text("rl.litigation", "行政诉讼"), colspan=10, role="header"),
        GCell(1, 5, lab.text("rl.direct", "未经复议直接起诉"), colspan=5, role="header"),
        GCell(1, 10, lab.text("rl.after", "复议后起诉"), colspan=5, role="header"),
    ]
    for j, col in enumerate((*RL_PARTS, "total")):
        cells.append(GCell(1, j, lab.text(f"rl.col.{col}", cols[col]), rowspan=2, role="header"))
        cells.append(GCell(2, 5 + j, lab.text(f"rl.col.{col}", cols[col]), role="header"))
        cells.append(GCell(2, 10 + j, lab.text(f"rl.col.{col}", cols[col]), role="header"))
    for k, row in enumerate(("review", "litigation_direct", "litigation_after_review")):
        for j, col in enumerate((*RL_PARTS, "total")):
            key = ("review_litigation", row, col)
            cells.append(GCell(3, 5 * k + j, report.printed[key], role="value", key=key))
    return GTable("review_litigation", 4, 15, cells, [649] * 15)


def split_table(t: GTable, at: int, repeat: bool) -> tuple[GTable, GTable]:
    """Cut a grid into two tables before row `at`; merged cells crossing the cut are
    truncated, and continue in the second table as an empty (or repeated) merged cell."""
    a, b = [], []
    for c in t.cells:
        if c.r + c.rowspan <= at:
            a.append(c)
        elif c.r >= at:
            b.append(GCell(c.r - at, c.c, c.text, c.rowspan, c.colspan, c.role, c.key))
        else:
            a.append(GCell(c.r, c.c, c.text, at - c.r, c.colspan, c.role, c.key))
            b.append(GCell(0, c.c, c.text if repeat else "", c.r + c.rowspan - at, c.colspan, c.role, c.key))
    return (GTable(t.name, at, t.ncols, a, t.widths), GTable(t.name, t.nrows - at, t.ncols, b, t.widths))


def group_starts(t: GTable) -> list[int]:
    """Rows of table 3 where a results sub-group begins (（三）…（七）): natural cut points."""
    return sorted(c.r for c in t.cells if c.c == 1 and c.role == "label" and c.r > 5)


# ---- document ------------------------------------------------------------------------------------
@cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def title_blocks(rng: random.Random, report: Report, agency: Agency, perturbations: list[str],
                 masthead: Masthead | None = None) -> list[Block]:
    style = rng.choices(list(P.TITLE_STYLES), weights=list(P.TITLE_STYLES.values()))[0]
    nian = "年度" if rng.random() < P.P_TITLE_NIANDU else "年"
    rest = f"{report.year}{nian}政府信息公开工作年度报告"
    if masthead is not None:
        return _masthead_title(rng, masthead, style, perturbations)
    if nian == "年度":
        perturbations.append("title:年度")
    if style == "one_line":
        return [Block("title", agency.name + rest)]
    perturbations.append(f"title:{style}")
    if style == "agency_line":
        return [Block("title", agency.name), Block("title", rest)]
    full = agency.name + rest
    cut = full.index("政府信息") + 4 if rng.random() < 0.6 else len(agency.name) + len(str(report.year)) + len(nian)
    return [Block("title", full[:cut]), Block("title", full[cut:])]


def _masthead_title(rng: random.Random, m: Masthead, style: str, perturbations: list[str]) -> list[Block]:
    """The masthead's title in the drawn line style (the same draws as the plain title)."""
    full = m.title
    cut_draw = rng.random() if style == "split" else None
    perturbations.append(f"title:{m.shape}")
    if style == "agency_line" and full.startswith(m.title_name):
        blocks = [Block("title", m.title_name), Block("title", full[len(m.title_name):])]
    elif style == "split" and cut_draw is not None:
        cut = full.index("政府信息") + 4
        blocks = [Block("title", full[:cut]), Block("title", full[cut:])]
    else:
        blocks = [Block("title", full)]
    if style != "one_line":
        perturbations.append(f"title:{style}")
    if m.traditional_title:
        perturbations.append("title:traditional")
        for b in blocks:
            b.text = to_traditional(b.text)
    if m.heading_mark:
        perturbations.append("title:heading_mark")
        blocks[0].text = "#" + blocks[0].text
    return blocks


def build_document(report: Report, agency: Agency, rng: random.Random, fmt: str,
                   masthead: Masthead | None = None) -> Document:
    pert = report.perturbations
    lab = Labeler(rng, report.template, pert)
    long = fmt == "pdf" or rng.random() < 0.3
    blocks = title_blocks(rng, report, agency, pert, masthead)
    if masthead is not None and masthead.archive_header:
        pert.append("txt:archive_header")
        title = "".join(b.text for b in blocks).lstrip("#")
        blocks[:0] = [Block("para", line) for line in archive_header(masthead, title)]

    def add(pairs):
        for kind, text in pairs:
            blocks.append(Block(kind, text))

    opener = agency
    if masthead is not None:
        opener = replace(agency, name=masthead.opening_name or masthead.title_name)
        if masthead.opening:
            blocks.append(Block("para", masthead.opening))
    add(narrative.preamble(rng, report, opener))
    add(narrative.overall(rng, report, agency, lab, long))
    layout = []
    per_item = fmt in ("docx", "pdf", "html") and rng.random() < P.P_TABLE2_PER_ITEM
    if per_item:
        layout.append("table2_per_item")
    blocks.append(Block("heading", lab.section(2, "主动公开政府信息情况")))
    for t in active_disclosure_tables(report, lab, per_item):
        blocks.append(Block("table", table=t))
    blocks.append(Block("heading", lab.section(3, "收到和处理政府信息公开申请情况")))
    app = applications_table(report, lab)
    if fmt in ("docx", "pdf") and rng.random() < P.P_TABLE3_SPLIT:
        at = rng.choice(group_starts(app))
        repeat = rng.random() < 0.5
        first, second = split_table(app, at, repeat)
        blocks += [Block("table", table=first), Block("table", table=second)]
        layout.append(f"table3_split_at_row{at}{'_repeat_group' if repeat else ''}")
    else:
        blocks.append(Block("table", table=app))
    title4 = "政府信息公开行政复议、行政诉讼情况" if rng.random() < 0.85 else "政府信息公开行政复议及行政诉讼情况"
    blocks.append(Block("heading", lab.section(4, title4)))
    blocks.append(Block("table", table=review_table(report, lab)))
    add(narrative.problems(rng, report, agency, lab))
    add(narrative.other_matters(rng, report, agency, lab))
    sign = narrative.signature(rng, report, agency)
    if masthead is not None:
        sign = [("sign", masthead.sign_name), ("sign", masthead.sign_text)] if masthead.sign_name else []
    add(sign)
    pert.extend(f"layout:{x}" for x in layout)

    doc = Document(report, agency, blocks, layout=layout, masthead=masthead)
    if rng.random() < P.P_TRADITIONAL:
        doc.traditional = True
        pert.append("traditional")
        for b in blocks:
            b.text = to_traditional(b.text)
            if b.table:
                for c in b.table.cells:
                    c.text = to_traditional(c.text)  # digits unchanged; 无 -> 無, 万元 -> 萬元
        report.agency = to_traditional(report.agency)
    return doc
