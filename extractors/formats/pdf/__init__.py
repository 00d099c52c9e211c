"""PDF reports: text-layer geometry, ruled and unruled tables, stitched across pages."""

from extractors.formats.pdf.reader import FORK_LOCK, extract

__all__ = ["FORK_LOCK", "extract"]
