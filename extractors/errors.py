"""The documented errors of reading a document: a small family with a common base.

Catch `ExtractionError` to catch "this document cannot be read" without catching bugs;
its `status` goes straight into the dataset's `reports.status`.
"""

from __future__ import annotations


class ExtractionError(Exception):
    """Base of the documented errors: this document cannot be read. Carries a status."""

    status = "failed"


class EmptyDocument(ExtractionError):
    """The file holds no bytes, or no text at all."""


class UnreadableDocument(ExtractionError):
    """The bytes are not what the format promises (binary junk, corrupt container)."""


class UnsupportedFormat(ExtractionError):
    """A format ogi-reports recognises but cannot read (.doc, .wps, images)."""

    status = "unsupported_format"


class NeedsOCR(ExtractionError):
    """A PDF with no text layer (a scan): only OCR could read it."""

    status = "needs_ocr"


class DocumentTooLarge(ExtractionError):
    """The document exceeds a safety cap (uncompressed size, pages, time, memory)."""

    status = "too_large"
