"""Reports as another tool's PDF-to-Markdown conversion writes them (MinerU, docling, marker,
LLM pipelines; the real one is tests/fixtures/real/kewei-2024.txt).

Shapes, each chosen by rng with the named probabilities of `params` (recorded as
``md:<shape>`` perturbations):

- whole pipe tables, one per report table, the first header row over a ``|---|`` line;
- ``one_row_tables``: every data row its own small table under a generic header
  (``| 类别 | 数据1 | … | 总计 |``), the real header rows displaced to text lines above;
- ``displaced``: some table-3 rows printed as label-less pipe rows, each its own fragment
  (the row, then ``|---|``), their labels on text lines before (or after) them, wrapped;
- ``##`` headings for the sections and ``## 表N：…`` captions before the tables;
- ``padded_header``: table 3's header wider than its rows, the rows padded with empty cells;
- ``table2_text``: table 2's one-value rows as ``label value`` text lines;
- ``dropped_cell``: one total cell of table 3 left empty by the converter (its gold is null);
- ``no_separator``: fragments without their ``|---|`` lines.
"""

from __future__ import annotations

import random

from . import params as P
from .layout import Document, GTable, to_traditional
from .write_txt import encode

# What a converter names a one-row table's columns (kewei-2024 and LLM pipelines).
GENERIC_LABEL, GENERIC_VALUE, GENERIC_TOTAL = "类别", "数据{}", "总计"
# Captions a converter writes above the tables (kewei-2024: ## 表二：主动公开政府信息情况).
CAPTIONS = {"active_disclosure": "表二：主动公开政府信息情况",
            "applications": "表三：收到和处理政府信息公开申请情况",
            "review_litigation": "表四：政府信息公开行政复议、行政诉讼情况"}
# Extra empty header cells of a padded table-3 header (kewei-2024: 9 header cells, 7 values).
PAD_CELLS = 2
# Converters write Markdown in UTF-8; a few are saved again by Windows tools (coverage).
MD_ENCODINGS = {"utf-8": 0.85, "utf-8-sig": 0.1, "gbk": 0.05}


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _separator(n: int) -> str:
    return "|" + "---|" * n


class _MdTable:
    """One report table as converter Markdown lines."""

    def __init__(self, t: GTable, doc: Document, rng: random.Random, opts: dict[str, bool], drop: tuple | None):
        self.t, self.doc, self.rng, self.opts, self.drop = t, doc, rng, opts, drop
        self.lines: list[str] = []
        self.in_fragment = False
        self.leaf_only = rng.random() < 0.5  # label cells collapsed to the leaf label

    def _text(self, text: str) -> None:
        if self.in_fragment:
            self.lines.append("")
        self.lines.append(text)
        self.in_fragment = False

    def _row(self, cells: list[str], header: bool = False) -> None:
        if not self.in_fragment and self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines.append(_pipe(cells))
        if header and not self.opts["no_separator"]:
            self.lines.append(_separator(len(cells)))
        self.in_fragment = True

    def render(self) -> list[str]:
        grid = self.t.origin_grid()
        headers = [r for r, row in enumerate(grid) if not any(c.role == "value" for c, _, _ in row)]
        first_header = True
        for r, row in enumerate(grid):
            if r in headers:
                texts = [c.text.replace("\n", "") if top and left else "" for c, top, left in row]
                if self.opts["one_row_tables"] or (self.opts["table2_text"] and self.t.name == "active_disclosure"
                                                   and not first_header):
                    joined = "".join(dict.fromkeys(t for t in texts if t))
                    if joined:
                        self._text(joined)
                    continue
                if self.opts["padded_header"] and self.t.name == "applications":
                    texts += [""] * PAD_CELLS
                self._row(texts, header=first_header)
                first_header = False
                continue
            self._data_row(row)
        return self.lines

    def _data_row(self, row) -> None:
        labels, values, keys = [], [], []
        seen = set()
        for c, top, left in row:
            if c.role == "value":
                if top and left:
                    text = "" if c.key == self.drop else c.text
                    values.append(text.replace("\n", ""))
                    keys.append(c.key)
                elif self.rng.random() < 0.5:
                    values.append("")  # a merged value cell's other columns, left empty
                continue
            if self.leaf_only:
                if id(c) not in seen and c.text:
                    labels.append(c.text.replace("\n", ""))
                    seen.add(id(c))
            else:
                labels.append(c.text.replace("\n", "") if top and left else "")
        leaf = labels[-1] if labels else ""
        if self.leaf_only:
            labels = [leaf] if leaf else []
        name = self.t.name
        if name == "active_disclosure" and self.opts["table2_text"] and len(keys) == 1:
            self._text(f"{leaf} {values[0]}")
            return
        if name == "applications" and self.opts["displaced"] and leaf and self.rng.random() < P.P_MD_DISPLACE_ROW:
            self._displaced(leaf, [v for v in values if v or keys])
            return
        if self.opts["one_row_tables"]:
            head = [GENERIC_LABEL] * len(labels) + [GENERIC_VALUE.format(i + 1) for i in range(len(values))]
            if keys and keys[-1][2] == "total":
                head[-1] = GENERIC_TOTAL
            self.in_fragment = False
            self.lines.append("")
            self._row(head, header=True)
            self._row(labels + values)
            return
        if self.opts["padded_header"] and name == "applications":
            values += [""] * PAD_CELLS
        self._row(labels + values)

    def _displaced(self, label: str, values: list[str]) -> None:
        """The values as a label-less fragment of their own, the label on text lines beside."""
        values = values[-7:] if len(values) > 7 else values  # the seven applicant columns
        label_lines = [label]
        if self.rng.random() < P.P_MD_WRAP_LABEL and len(label) > P.MD_WRAP_CHARS + 1:
            label_lines = [label[:P.MD_WRAP_CHARS], label[P.MD_WRAP_CHARS:]]
        after = self.rng.random() < P.P_MD_LABEL_AFTER
        if not after:
            for line in label_lines:
                self._text(line)
        self.in_fragment = False
        self._row(values, header=True)
        if after:
            for line in label_lines:
                self._text(line)


def _drop_cell(doc: Document, rng: random.Random) -> tuple | None:
    """One total cell of table 3 the converter leaves empty: its gold becomes null. Not in a
    report with a deliberately broken check (the break must stay visible), and a total of 0:
    the corpus' gold checks (`model.check_failures`) read a null as 0, so a dropped non-zero
    total would break an identity the report does not break."""
    report = doc.report
    if report.broken_check or rng.random() >= P.P_MD_DROPPED_CELL:
        return None
    rows = sorted({r for (t, r, c), v in report.gold.items() if t == "applications" and c == "total" and v == 0})
    if not rows:
        return None
    key = ("applications", rng.choice(rows), "total")
    report.gold[key] = None
    report.perturbations.append(f"md:dropped_cell:{key[1]}.total")
    report.notes.append(f"The converter left {key[1]}.total empty: gold null as printed.")
    return key


def _plain_table(table) -> list[str]:
    """A pipe table cell for cell, merged cells left empty after their first position."""
    rows = [[c.text.replace("\n", "") if (top and left) else "" for c, top, left in row]
            for row in table.origin_grid()]
    out = ["| " + " | ".join(r) + " |" for r in rows]
    return out[:1] + ["|" + "---|" * len(rows[0])] + out[1:] if rows else []


def render_md(doc: Document, rng: random.Random) -> str:
    pert = doc.report.perturbations
    opts = {"one_row_tables": rng.random() < P.P_MD_ONE_ROW_TABLES,
            "displaced": rng.random() < P.P_MD_DISPLACED,
            "hash_headings": rng.random() < P.P_MD_HASH_HEADINGS,
            "captions": rng.random() < P.P_MD_TABLE_CAPTIONS,
            "padded_header": rng.random() < P.P_MD_PADDED_HEADER,
            "table2_text": rng.random() < P.P_MD_TABLE2_AS_TEXT,
            "no_separator": rng.random() < P.P_MD_NO_SEPARATOR}
    if opts["one_row_tables"]:
        opts["padded_header"] = False  # no wide header left to pad
    pert.extend(f"md:{k}" for k, on in opts.items() if on)
    drop = _drop_cell(doc, rng)
    lines: list[str] = []
    captioned: set[str] = set()
    for i, block in enumerate(doc.blocks):
        if block.kind == "table":
            name = block.table.name
            if opts["captions"] and name not in captioned and name in CAPTIONS:
                caption = CAPTIONS[name]
                lines += [f"## {to_traditional(caption) if doc.traditional else caption}", ""]
                captioned.add(name)
            if name in CAPTIONS:
                lines += _MdTable(block.table, doc, rng, opts, drop).render()
            else:  # a table outside the templates (the pre-2019 form): one plain pipe table
                lines += _plain_table(block.table)
            lines.append("")
        elif block.kind == "title":
            lines.append(("# " if opts["hash_headings"] and i == 0 else "") + block.text)
        elif block.kind == "heading":
            lines += [("## " if opts["hash_headings"] else "") + block.text, ""]
        else:
            lines += [block.text, ""]
    return "\n".join(lines) + "\n"


def write_md(doc: Document, rng: random.Random) -> bytes:
    text = render_md(doc, rng)
    data, _ = encode(rng, text, doc.report.perturbations, MD_ENCODINGS)
    if rng.random() < P.P_MD_TXT_EXTENSION:
        doc.report.perturbations.append("md:txt_extension")
    return data
