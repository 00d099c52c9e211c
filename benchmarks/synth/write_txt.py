"""Plain text the way agencies' Word files come out as .txt (the seeds in data/raw).

Three styles:

- cell-per-line (s000-s003, Word "save as plain text"): every Word cell on its own line
  prefixed by a tab, a blank line after each table row, a vertically merged cell repeated
  as an empty tab line, a line break inside a cell continuing on a line WITHOUT the tab.
- tab-split (s004, a PDF/table export): one table row per line, cells separated by tabs
  (spanned columns leave empty fields), optionally a trailing tab; page-break damage puts
  the tall merged label 三、本年度办理结果 into the first row after the break and splits a
  merged sub-group label across the break.
- pdf_text (pdftotext and the like): one table row per line, cells apart by a tab or by runs
  of spaces, long row labels wrapped (the label's first half alone on a line and the rest
  leading the values, or the values on the first line and the rest alone after them), one
  label split by a page break with the page number and the running header between its halves.
"""

from __future__ import annotations

import random
import re

from . import params as P
from .layout import Document, GTable
from .model import _pick

BOOKMARK = "[bookmark: _GoBack]"
# A printed value cell as the generator writes them (digits, full-width digits, separators,
# units, '/', '—', 无), for telling the label fields of a row from its values.
_VALUE_RE = re.compile(r"^[\s\u3000]*(?:[+\-]?[0-9０-９][0-9０-９,.]*(?:万元|元)?|[/／\-—–]+|——|无|無)?[\s\u3000]*$")


def _cell_per_line(t: GTable) -> list[str]:
    lines = []
    for row in t.row_tcs():
        for cell, starts in row:
            lines.append("\t" + (cell.text if starts else ""))
        lines.append("")
    return lines


def _tab_fields(t: GTable) -> list[list[str]]:
    rows = []
    for row in t.origin_grid():
        rows.append([c.text.replace("\n", "").replace("\t", " ") if (top and left) else "" for c, top, left in row])
    return rows


def _page_break_damage(rng: random.Random, t: GTable, rows: list[list[str]]) -> int | None:
    """Move 三、本年度办理结果 to the row after a simulated page break; split a sub-group
    label that straddles the break. Returns the break row."""
    group = next((c for c in t.cells if c.c == 0 and c.rowspan > 1 and c.role == "label"), None)
    if group is None or group.rowspan < 6:
        return None
    b = rng.randrange(group.r + 3, group.r + group.rowspan - 2)
    rows[b][0] = rows[group.r][0]
    rows[group.r][0] = ""
    for c in t.cells:
        if c.c == 1 and c.r < b < c.r + c.rowspan and len(rows[c.r][1]) > 2:
            text = rows[c.r][1]
            rows[c.r][1], rows[b][1] = text[:-1], text[-1]
    return b


def _has_blank_cells(doc: Document) -> bool:
    return any(c.role == "value" and not c.text.strip() for b in doc.blocks if b.table for c in b.table.cells)


def _wrap(rng: random.Random, fields: list[str], sep: str) -> tuple[list[str], str] | None:
    """A row whose leaf label (its last label field) is long enough to wrap, as two lines:
    (first line, second line), the label's halves on either side of the values."""
    labels = [k for k, f in enumerate(fields) if f.strip() and not _VALUE_RE.match(f)]
    if not labels:
        return None
    k = labels[-1]
    leaf = fields[k]
    if len(leaf) < P.PDF_TEXT_WRAP_MIN_CHARS or not any(f.strip() for f in fields[k + 1:]):
        return None
    first = next((i for i, ch in enumerate(leaf) if "\u4e00" <= ch <= "\u9fff"), 0)
    if len(leaf) - first < 5:
        return None
    cut = rng.randint(max(3, first + 2), len(leaf) - 2)  # a cell wraps inside its words, not its numbering
    a, b = leaf[:cut], leaf[cut:]
    if rng.random() < P.P_PDF_TEXT_VALUES_FIRST:
        return [sep.join(fields[:k] + [a] + fields[k + 1:]), sep * k + b], "after"
    return [sep * k + a, sep.join(fields[:k] + [b] + fields[k + 1:])], "before"


def _pdf_text_table(rng: random.Random, doc: Document, t: GTable, sep: str, state: dict) -> list[str]:
    """A table as pdftotext prints it: a row per line, long leaf labels wrapped (the halves on
    the lines before and after the values), one label split by a page break with the page
    number and the running header between its halves."""
    pert = doc.report.perturbations
    lines = []
    for fields in _tab_fields(t):
        if sep != "\t":
            while fields and not fields[-1].strip():
                fields = fields[:-1]
        if not any(f.strip() for f in fields):
            continue
        wrapped = _wrap(rng, fields, sep) if rng.random() < P.P_PDF_TEXT_WRAP_ROW else None
        if wrapped is None:
            lines.append(sep.join(fields))
            continue
        (first, second), shape = wrapped
        state[shape] += 1
        lines.append(first)
        if shape == "before" and not state["page_split"] and t.name == "applications" \
                and rng.random() < P.P_PDF_TEXT_PAGE_SPLIT:
            state["page_split"] = True
            page = rng.randint(2, 5)
            number = f"- {page} -" if rng.random() < 0.5 else f"第 {page} 页 共 {page + rng.randint(1, 3)} 页"
            header = doc.report.agency + f"{doc.report.year}年政府信息公开工作年度报告"
            lines += ["", number, "", header, ""] if rng.random() < 0.5 else [number, header]
            pert.append("pdf_text:label_split_by_page_break")
        lines.append(second)
    return lines


def render_txt(doc: Document, rng: random.Random) -> str:
    pert = doc.report.perturbations
    # A blank 总计 is printed only where its cell shows (cell-per-line): in tab-split and
    # pdf_text lines an empty last field cannot be told from a trailing tab.
    if rng.random() < P.P_TXT_PDF_TEXT and not doc.report.blanked:
        return _render_pdf_text(doc, rng)
    tab_split = rng.random() < P.P_TXT_TAB_SPLIT and not doc.report.blanked
    pert.append("txt:tab_split" if tab_split else "txt:cell_per_line")
    damage = tab_split and rng.random() < P.P_TXT_PAGE_BREAK_DAMAGE
    trailing_tab = tab_split and rng.random() < 0.6
    para_gap = tab_split or rng.random() < 0.15  # s004 separates paragraphs with blank lines
    bookmark_at = None
    if rng.random() < P.P_BOOKMARK_DEBRIS:
        candidates = [i for i, b in enumerate(doc.blocks) if b.kind in ("para", "table")]
        bookmark_at = rng.choice(candidates)
        pert.append("bookmark_debris")
    lines: list[str] = []
    for i, block in enumerate(doc.blocks):
        debris = BOOKMARK if i == bookmark_at else ""
        if block.kind == "table":
            t = block.table
            if tab_split:
                rows = _tab_fields(t)
                if debris:
                    r0 = next((r for r in range(1, len(rows)) if rows[r][0]), 0)
                    rows[r0][0] = debris + rows[r0][0]
                brk = _page_break_damage(rng, t, rows) if damage and t.name == "applications" else None
                for r, fields in enumerate(rows):
                    if brk is not None and r == brk:
                        lines += ["", f"- {rng.randint(2, 4)} -", ""] if rng.random() < 0.4 else [""]
                        pert.append(f"page_break_damage:applications@row{brk}")
                    line = "\t".join(fields)
                    if trailing_tab and t.name == "applications":
                        line += "\t"
                    lines.append(line)
                lines.append("")
            else:
                body = _cell_per_line(t)
                if debris:
                    first = next(j for j, s in enumerate(body) if s.startswith("\t") and len(s) > 1)
                    body[first] = "\t" + debris + body[first][1:]
                lines += body
                lines.append("")
        else:
            text = block.text
            if debris:
                text = debris + rng.choice(["", "  "]) + text
            if block.kind == "heading" and rng.random() < 0.1:
                text += "　"
            lines.append(text)
            if para_gap:
                lines.append("")
    if rng.random() < 0.3:
        lines.append(" ")
    return "\n".join(lines) + "\n"


def _render_pdf_text(doc: Document, rng: random.Random) -> str:
    """Text taken from a PDF: paragraphs as lines, table rows as lines with cells apart by a
    tab or by runs of spaces (a report with blank cells keeps tabs: spaces cannot show one)."""
    pert = doc.report.perturbations
    spaces = not _has_blank_cells(doc) and rng.random() < P.P_PDF_TEXT_SPACES
    sep = " " * rng.randint(2, 4) if spaces else "\t"
    pert += ["txt:pdf_text", f"pdf_text:{'spaces' if spaces else 'tabs'}"]
    state = {"page_split": False, "before": 0, "after": 0}
    lines: list[str] = []
    for block in doc.blocks:
        if block.kind == "table":
            lines += _pdf_text_table(rng, doc, block.table, sep, state)
        else:
            lines.append(block.text)
    pert += [f"pdf_text:wrapped_labels_{shape}:{state[shape]}" for shape in ("before", "after") if state[shape]]
    return "\n".join(lines) + "\n"


def encode(rng: random.Random, text: str, perturbations: list[str], weights: dict[str, float]) -> tuple[bytes, str]:
    """Encode with a randomly chosen encoding; GBK falls back to GB18030 for characters
    outside GBK. Returns the bytes and the encoding actually used (recorded)."""
    enc = _pick(rng, weights)
    if enc == "gbk":
        try:
            data = text.encode("gbk")
        except UnicodeEncodeError:
            enc = "gb18030"
            data = text.encode("gb18030")
    else:
        data = text.encode(enc)
    perturbations.append(f"encoding:{enc}")
    return data, enc


def write_txt(doc: Document, rng: random.Random) -> bytes:
    text = render_txt(doc, rng)
    if rng.random() < P.P_CRLF:
        text = text.replace("\n", "\r\n")
        doc.report.perturbations.append("crlf")
    data, _ = encode(rng, text, doc.report.perturbations, P.TXT_ENCODINGS)
    return data
