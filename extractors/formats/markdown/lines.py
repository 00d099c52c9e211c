"""What one line of converter Markdown is: a pipe-table row, a separator, a heading, text.

Every test here is a linear scan of the line (no pattern backtracks over a long line)."""

from __future__ import annotations

import re

# Characters a separator line (``|---|:--:|``) or a horizontal rule (``---``) is made of.
_SEPARATOR_CHARS = frozenset("|-:+ \t=")
# Dashes a separator cell holds at least (converters write ``---``; ``-`` alone is a value).
SEPARATOR_DASHES = 3
# An escaped pipe inside a cell (``a \| b``), kept as a pipe, not a cell boundary.
_ESCAPED_PIPE = "\\|"
_PIPE_STANDIN = "\x00"
# Inline marks converters write around cell and heading text.
_EMPHASIS = ("**", "__", "~~", "`")
# ``![alt](target)`` images and ``[text](target)`` links (targets of at most 400 characters,
# no nested brackets: a bounded scan).
_IMAGE_RE = re.compile(r"!\[[^\[\]\n]{0,400}\]\([^()\n]{0,400}\)")
_LINK_RE = re.compile(r"\[([^\[\]\n]{0,400})\]\([^()\n]{0,400}\)")
# ``<br>`` inside a cell is a line break; any other short tag (``<sup>``, ``<span …>``) is dropped.
_BREAK_RE = re.compile(r"<br\s{0,4}/?>", re.I)
_TAG_RE = re.compile(r"</?[a-zA-Z][^<>\n]{0,80}>")
# A backslash escape of Markdown punctuation (``\*``, ``\_``, ``\#``).
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
# ``#`` … ``######`` opening a heading; converters often omit the space (``#沐阳县人民政府``).
MAX_HEADING_LEVEL = 6
# List and quote marks opening a line (``- ``, ``* ``, ``+ ``, ``> ``).
_LIST_RE = re.compile(r"^(?:[-*+]\s+|>\s?)")
_ENTITIES = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&#124;": "|", "&quot;": '"'}


def is_separator(line: str) -> bool:
    """``|---|---|``, ``| :-- | --: |`` or a rule ``---``: every cell dashes (at least three,
    or an alignment colon). ``| - | - |`` is a row of not-applicable cells, not a separator."""
    s = line.strip()
    if not s or "-" not in s and "=" not in s:
        return False
    if not set(s) <= _SEPARATOR_CHARS:
        return False
    parts = [p.strip() for p in s.split("|") if p.strip()]
    return bool(parts) and all(":" in p or p.count("-") + p.count("=") >= SEPARATOR_DASHES for p in parts)


def is_pipe_row(line: str) -> bool:
    """A pipe-table row: it opens with ``|`` and has another pipe after its first cell, or it
    has at least two `` | `` boundaries (rows written without the outer pipes)."""
    s = line.strip()
    if s.startswith("|"):
        return s.count("|") - s.count(_ESCAPED_PIPE) >= 2
    return s.count(" | ") >= 2


def pipe_cells(line: str) -> list[str]:
    """The cells of a pipe row, left to right, their text cleaned (`clean_inline`); an empty
    cell between two pipes is ``""``."""
    s = line.strip().replace(_ESCAPED_PIPE, _PIPE_STANDIN)
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [clean_inline(part.replace(_PIPE_STANDIN, "|"), cell=True) for part in s.split("|")]


def heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a ``#`` heading, its closing ``#``s removed; None for any other line."""
    s = line.lstrip()
    if not s.startswith("#"):
        return None
    level = len(s) - len(s.lstrip("#"))
    if level > MAX_HEADING_LEVEL:
        return None
    text = s[level:].strip().rstrip("#").strip()
    return level, clean_inline(text)


def clean_inline(text: str, cell: bool = False) -> str:
    """Text without Markdown's inline marks: emphasis, images, link targets, HTML tags and
    entities, backslash escapes; a ``<br>`` is a line break in a cell, a space elsewhere."""
    if "<" in text:
        text = _BREAK_RE.sub("\n" if cell else " ", text)
        text = _TAG_RE.sub("", text)
    if "&" in text:
        for entity, char in _ENTITIES.items():
            text = text.replace(entity, char)
    if "](" in text:
        text = _LINK_RE.sub(r"\1", _IMAGE_RE.sub("", text))
    for mark in _EMPHASIS:
        if mark in text:
            text = text.replace(mark, "")
    if "\\" in text:
        text = _ESCAPE_RE.sub(r"\1", text)
    if cell:
        return "\n".join(part.strip() for part in text.split("\n")).strip()
    return text.strip()


def strip_block_marks(line: str) -> str:
    """A text line without its list or quote mark."""
    s = line.strip()
    return _LIST_RE.sub("", s, count=1) if s[:1] in "-*+>" else s
