"""OCR of page images: scanned PDF pages without a text layer, PNG/JPEG/TIFF page images.

A page image is read into the PDF reader's page layout (`extractors.formats.pdf.page.
PageLayout`), so the ruled-table finder, stitching of tables broken across pages and the
reading order are the PDF reader's own; only where the characters and rules come from
differs:

* `prep` - grey without the red seal, deskew;
* `rules` - the ruling lines (OpenCV morphology) as pdfplumber edges;
* `engine` - RapidOCR's packaged PP-OCRv4 models (detection, recognition with the
  confidence of every character);
* `page` - one page: upright, level, rules, text boxes cut at rules, characters with
  their confidence (`OcrChar`), then `pdf.page.read_deep`;
* `document` - pages into a `RawDocument` the way the PDF reader finishes one.

OCR is the optional extra `ogi-reports[ocr]` (rapidocr-onnxruntime, opencv-python-headless);
without it a scan stays `needs_ocr` with the command that installs it.
"""

from extractors.formats.ocr.engine import INSTALL_HINT, available

__all__ = ["INSTALL_HINT", "available"]
