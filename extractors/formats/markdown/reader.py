"""Converter Markdown (see the package docstring): lines → text rows and pipe-table rows."""

from __future__ import annotations

from extractors.charset import decode_text
from extractors.errors import EmptyDocument
from extractors.formats.markdown.lines import (
    clean_inline,
    heading,
    is_pipe_row,
    is_separator,
    pipe_cells,
    strip_block_marks,
)
from extractors.records import Cell, RawDocument, Row
from extractors.settings import DEFAULT, Settings
from extractors.tables.cells import is_value_like
from extractors.template import heading_section

# A text line read as a table row (``行政许可 97``) has a label of at most this many
# characters: the templates' row labels are 2-30 characters (the longest gb2021 label,
# 5.要求行政机关确认或重新出具已获取信息, is 21); a wrapped narrative line is longer.
MAX_LINE_LABEL = 30
# Punctuation of running text: a label followed by numbers holds none of it.
_SENTENCE_MARKS = frozenset("，。；！？,;")
# Words of a title a heading carries when it names the report.
TITLE_WORD = "报告"


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    text, encoding = decode_text(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text or text.isspace():
        raise EmptyDocument(f"{name}: the text holds only whitespace")
    reader = _Reader()
    for line in text.split("\n"):
        reader.line(line)
    detail = f"{encoding}; markdown: {reader.fragments} pipe-table fragment(s), {reader.pipe_rows} pipe row(s)"
    return RawDocument("markdown", reader.rows, "\n".join(reader.plain), detail=detail,
                       title_hint=reader.title)


class _Reader:
    """The document's rows, built line by line."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.plain: list[str] = []
        self.title: str | None = None
        self.fragments = 0  # pipe-table fragments met
        self.pipe_rows = 0
        self.in_table = False  # was the previous non-blank line part of a pipe table?
        self.row_in_fragment = 0
        self.section: str | None = None  # the report table the text is in, by its headings

    def line(self, line: str) -> None:
        if not line.strip():
            self.in_table = False
            return
        if is_separator(line):
            self._separator()
            return
        if is_pipe_row(line):
            self._pipe_row(pipe_cells(line))
            return
        self.in_table = False
        head = heading(line)
        if head is not None:
            text = head[1]
            if text and self.title is None and TITLE_WORD in text:
                self.title = text
        else:
            text = clean_inline(strip_block_marks(line))
        if not text:
            return
        self.plain.append(text)
        sec = heading_section(text)
        if sec is not None:
            self.section = None if sec == "end" else sec
        cells = self._label_and_values(text) if self.section else None
        if cells:
            self.rows.append(Row("table", [Cell(t) for t in cells]))
        else:
            self.rows.append(Row("text", [Cell(text)]))

    def _separator(self) -> None:
        """A separator makes the row above it the header of a fragment of its own."""
        if self.in_table and self.rows and self.rows[-1].kind == "table" and self.row_in_fragment > 1:
            self.fragments += 1
            for c in self.rows[-1].cells:
                c.table, c.row = self.fragments - 1, 0
            self.row_in_fragment = 1
        self.in_table = True

    def _pipe_row(self, texts: list[str]) -> None:
        if not self.in_table:
            self.fragments += 1
            self.row_in_fragment = 0
        self.in_table = True
        frag, r = self.fragments - 1, self.row_in_fragment
        self.row_in_fragment += 1
        self.pipe_rows += 1
        self.plain.append(" ".join(t.replace("\n", "") for t in texts if t))
        cells = [Cell(t, table=frag, row=r, col=i) for i, t in enumerate(texts)]
        self.rows.append(Row("table", cells, positional=True, by_order=True))

    @staticmethod
    def _label_and_values(text: str) -> list[str] | None:
        """``行政许可 97`` → [label, values…]: a short label without sentence punctuation, then
        one or more values separated by spaces; None for any other line."""
        tokens = text.split()
        k = len(tokens)
        while k > 0 and is_value_like(tokens[k - 1]):
            k -= 1
        if k == 0 or k == len(tokens):
            return None
        label = "".join(tokens[:k])
        if len(label) > MAX_LINE_LABEL or is_value_like(label) or any(ch in _SENTENCE_MARKS for ch in label):
            return None
        return [label, *tokens[k:]]
