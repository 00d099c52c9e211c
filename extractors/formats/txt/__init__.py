"""Plain-text reports (.txt): cell-per-line, tab-split and flattened text (see `reader`)."""

from extractors.formats.txt.reader import extract

__all__ = ["extract"]
