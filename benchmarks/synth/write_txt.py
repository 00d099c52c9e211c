"""Plain text the way agencies' Word files come out as .txt (the seeds in data/raw).

Two styles:

- cell-per-line (s000-s003, Word "save as plain text"): every Word cell on its own line
  prefixed by a tab, a blank line after each table row, a vertically merged cell repeated
  as an empty tab line, a line break inside a cell continuing on a line WITHOUT the tab.
- tab-split (s004, a PDF/table export): one table row per line, cells separated by tabs
  (spanned columns leave empty fields), optionally a trailing tab; page-break damage puts
  the tall merged label 三、本年度办理结果 into the first row after the break and splits a
  merged sub-group label across the break.
"""

from __future__ import annotations

import random

from . import params as P
from .layout import Document, GTable
from .model import _pick

BOOKMARK = "[bookmark: _GoBack]"


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


def render_txt(doc: Document, rng: random.Random) -> str:
    pert = doc.report.perturbations
    tab_split = rng.random() < P.P_TXT_TAB_SPLIT
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
