"""PDF reports: text-layer geometry, ruled and unruled tables, stitched across pages."""

from extractors.formats.pdf.reader import extract, extract_with_limits

__all__ = ["extract", "extract_with_limits"]
