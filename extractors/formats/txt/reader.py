"""Plain-text reports (.txt), in the mangled styles seen in the wild.

* cell-per-line (seeds 000–003): every table cell on its own line prefixed by a tab,
  a blank line between rows, a label broken over two lines (the continuation line has
  no tab), ``[bookmark: …]`` debris from a Word export;
* tab-split rows (seed 004): one table row per line, cells separated by tabs, page
  breaks that displace a section label into the middle of the table;
* text taken from PDFs (pdftotext and the like, style "plain" here): one table row per
  line, cells apart by runs of spaces (`_spaced`) or by tabs (read as tab-split);
* flattened (archived web pages): a whole table on one line with the cells of a row
  running together (handled by `extractors.formats.txt.flattened`).

In every style but the flattened one, row labels wrapped over two lines or split by a page
break are joined back when the vocabulary says so (`extractors.formats.txt.wrapped`).
"""

from __future__ import annotations

import re

from extractors.charset import decode_text
from extractors.errors import EmptyDocument
from extractors.formats.txt.wrapped import is_page_number, join_wrapped
from extractors.records import Cell as C
from extractors.records import RawDocument, Row
from extractors.settings import DEFAULT, Settings
from extractors.tables.cells import is_value_like

_BOOKMARK = "[bookmark:"
# Space-separated table lines (pdftotext): label cells are set apart by two spaces or more
# (one space stays inside a label: 商业 企业, 1. 属于…).
_GAP_RE = re.compile(r"[ \u3000]{2,}")
# A space-separated line of values with no label is a table row only when it is as wide as
# table 4's one row could be (3 of its 15 cells at least): shorter runs are page numbers
# and dates.
SPACED_MIN_UNLABELLED = 3
# The longest row label of the templates with its group labels printed in front (三、本年度
# 办理结果 + （三）不予公开 + the longest leaf) is under 70 characters; a longer label part is prose.
SPACED_MAX_LABEL_CHARS = 80
# A line that opens a report section (一、总体情况 / 2、 主动公开… / 4. 政府信息公开…): never the
# continuation of a table cell.
_HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\d+\s*[、.．]\s*\S)")


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    text, encoding = decode_text(data, name)
    text = strip_bookmarks(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text or text.isspace():  # (isspace: no copy of the text, as strip() makes)
        raise EmptyDocument(f"{name}: the text holds only whitespace")
    lines = text.split("\n")
    style = detect_style(lines, text)
    if style == "flattened":
        from extractors.formats.txt.flattened import segment

        rows = segment(text)
    else:
        rows = _cell_per_line(lines) if style == "cell-per-line" else \
            _spaced(lines) if style == "plain" else _tab_split(lines)
        rows = join_wrapped(rows, settings.scorer)
    plain = "\n".join([t.replace("\t", " ") for line in lines if (t := line.strip())])
    title = _header_title(lines)
    return RawDocument("txt", rows, plain, detail=f"{encoding}; {style}", title_hint=title)


def strip_bookmarks(text: str) -> str:
    """Drop ``[bookmark: …]`` debris: what ``re.sub(r"\\[bookmark:[^\\]]*\\]", "", text)``
    does, in linear time (the regex rescans the rest of the text from every "[bookmark:"
    that no "]" closes; but once one is unclosed, so is every later one)."""
    out, pos = [], 0
    while (start := text.find(_BOOKMARK, pos)) >= 0:
        end = text.find("]", start + len(_BOOKMARK))
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def detect_style(lines: list[str], text: str) -> str:
    cell_lines = split_lines = 0
    for ln in lines:
        if "\t" not in ln:
            continue  # neither kind of table line
        if ln.startswith("\t") and "\t" not in ln[1:].rstrip("\t"):
            cell_lines += 1
        if "\t" in ln.strip("\t") or (ln.count("\t") >= 2 and ln.strip()):
            split_lines += 1
    if cell_lines == 0 and split_lines == 0:
        from extractors.formats.txt.flattened import looks_flattened

        if looks_flattened(text):
            return "flattened"
        return "plain"
    return "cell-per-line" if cell_lines >= split_lines else "tab-split"


def _cell_per_line(lines: list[str]) -> list[Row]:
    rows: list[Row] = []
    current: list[C] = []
    prev_cell = False  # was the previous line a table cell?

    def flush():
        nonlocal current
        if current:
            rows.append(Row("table", current, positional=True))
            current = []

    for line in lines:
        if line.startswith("\t"):
            current.append(C(line[1:].replace("\t", " ")))
            prev_cell = True
            continue
        stripped = line.strip()
        if not stripped:
            flush()
            prev_cell = False
            continue
        if (prev_cell and current and current[-1].text and not is_value_like(current[-1].text)
                and not _HEADING_RE.match(stripped) and len(stripped) <= 40):
            current[-1].text += "\n" + stripped  # a label broken over two lines
            continue
        flush()
        rows.append(Row("text", [C(stripped)]))
        prev_cell = False
    flush()
    return rows


def _tab_split(lines: list[str]) -> list[Row]:
    rows: list[Row] = []
    for line in lines:
        if not line.strip():
            continue
        if "\t" in line:
            rows.append(Row("table", [C(part) for part in line.split("\t")]))
        else:
            rows.append(Row("text", [C(line.strip())]))
    return rows


def _spaced(lines: list[str]) -> list[Row]:
    """Text with no tabs (pdftotext and the like): a line ending in values is a table row,
    its values the trailing value-like words, its label cells the rest split at runs of two
    spaces or more; every other line is text."""
    rows: list[Row] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        cells = None if is_page_number(stripped) else _spaced_cells(stripped)
        rows.append(Row("table", cells) if cells else Row("text", [C(stripped)]))
    return rows


def _spaced_cells(line: str) -> list[C] | None:
    """The cells of a space-separated table line, or None when it is not one: it ends in at
    least one value and its label part (if any) is short."""
    words = line.split()
    k = len(words)
    while k > 0 and is_value_like(words[k - 1]):
        k -= 1
    if k == len(words) or (k == 0 and len(words) < SPACED_MIN_UNLABELLED):
        return None
    label = line
    for w in reversed(words[k:]):  # cut the values off the end of the line
        label = label[: label.rstrip().rfind(w)]
    label_cells = [C(t) for t in _GAP_RE.split(label.strip()) if t]
    if sum(len(c.text) for c in label_cells) > SPACED_MAX_LABEL_CHARS:
        return None
    return label_cells + [C(w) for w in words[k:]]


def _header_title(lines: list[str]) -> str | None:
    """Archive exports open with a header block (标题: …)."""
    for line in lines[:12]:
        m = re.match(r"^\s*标题\s*[:：]\s*(\S.*)$", line)
        if m:
            return m.group(1).strip()
    return None
