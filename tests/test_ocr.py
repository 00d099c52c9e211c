"""Scanned PDFs, page images and old Word files read on this machine, no mocks: RapidOCR's
packaged models and OpenCV read committed scans (tests/fixtures/scans, made by
tests/fixtures/make_scan_fixtures.py from generated reports), LibreOffice converts .doc.
The OCR work is kept to a few pages at 150 dpi."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from extractors.formats import reader_for
from extractors.formats.ocr import available
from extractors.pipeline import process_bytes
from extractors.settings import Settings

FIX = Path(__file__).parent / "fixtures"
SCANS = FIX / "scans"
GOLD = {json.loads(x)["path"]: json.loads(x) for x in (SCANS / "gold.jsonl").read_text().splitlines()}
SOURCE_PDF = FIX / "corpus-pdf" / "pdf" / "0038_86c0de4981e0dbd5.pdf"

needs_ocr = pytest.mark.skipif(not available(), reason="the OCR extra (rapidocr-onnxruntime) is not installed")
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def score(values: list[dict], gold: dict) -> tuple[int, int, int]:
    """(right, wrong, unreadable) of the values against the gold cells."""
    truth = {(t, r, c): v for t, r, c, v in gold["cells"]}
    right = wrong = unreadable = 0
    for v in values:
        k = (v["table"], v["row"], v["column"])
        if k not in truth:
            continue
        if v["value_kind"] == "unreadable":
            unreadable += 1
        elif (v["value"] if v["value_kind"] == "number" else None) == truth[k]:
            right += 1
        else:
            wrong += 1
    return right, wrong, unreadable


@pytest.fixture(scope="module")
def scanned():
    return process_bytes((SCANS / "scan-150dpi.pdf").read_bytes(), "scan-150dpi.pdf")


@needs_ocr
def test_a_scanned_pdf_is_read_by_ocr_with_no_wrong_number(scanned):
    rep = scanned.report
    assert rep["format"] == "pdf" and "OCR (RapidOCR PP-OCRv4, OpenCV rules) on pages 1-" in rep["format_detail"]
    assert rep["status"] in ("ok", "partial") and rep["year"] == GOLD["scan-150dpi.pdf"]["year"]
    right, wrong, unreadable = score(scanned.values, GOLD["scan-150dpi.pdf"])
    assert wrong == 0
    assert right >= 0.95 * len(GOLD["scan-150dpi.pdf"]["cells"]), (right, unreadable)


@needs_ocr
def test_every_ocr_value_carries_its_confidence(scanned):
    table_values = [v for v in scanned.values if v["source_table"] is not None]
    assert table_values and all(0 < v["ocr_confidence"] <= 1 for v in table_values)
    resolved = [f for f in scanned.findings if f["check"] in ("ocr_digit_resolved", "ocr_digit_unresolved")]
    for f in resolved:
        assert json.loads(f["detail"])["candidates"]


def test_text_formats_have_no_ocr_confidence():
    rep = process_bytes(SOURCE_PDF.read_bytes(), SOURCE_PDF.name)
    assert rep.values and all(v["ocr_confidence"] is None for v in rep.values)


def _mixed_pdf() -> bytes:
    """The source report with its first page replaced by a 150-dpi image of itself."""
    src = pdfium.PdfDocument(SOURCE_PDF.read_bytes())
    bitmap = src[0].render(scale=150 / 72)
    buf = io.BytesIO()
    bitmap.to_pil().convert("L").save(buf, "PDF", resolution=150)
    scan = pdfium.PdfDocument(buf.getvalue())
    out = pdfium.PdfDocument.new()
    out.import_pages(scan, [0])
    out.import_pages(src, list(range(1, len(src))))
    data = io.BytesIO()
    out.save(data)
    return data.getvalue()


@needs_ocr
def test_a_mixed_pdf_reads_its_text_pages_from_the_text_layer_and_its_scan_by_ocr():
    text = process_bytes(SOURCE_PDF.read_bytes(), SOURCE_PDF.name)
    mixed = process_bytes(_mixed_pdf(), "mixed.pdf")
    assert mixed.report["format_detail"].endswith("OCR (RapidOCR PP-OCRv4, OpenCV rules) on pages 1")
    assert mixed.report["year"] == text.report["year"] and mixed.report["agency"] == text.report["agency"]
    key = [(v["table"], v["row"], v["column"], v["value"]) for v in text.values if v["page"] != 1]
    assert key == [(v["table"], v["row"], v["column"], v["value"]) for v in mixed.values if v["page"] != 1]


def _row_numbers(rows, label: str) -> list[str]:
    row = next(r for r in rows if r.kind == "table" and any(label in c.text for c in r.cells))
    return [c.text for c in row.cells if c.text.isdigit()]


@needs_ocr
def test_a_page_image_turned_skewed_and_sealed_reads_the_rows_the_text_layer_prints():
    """A table page turned by 90°, skewed 1.5°, noisy, with a red seal over rows: read as
    an image, its rows hold the numbers the source PDF's text layer prints."""
    data = (SCANS / "page-turned-sealed.jpg").read_bytes()
    doc = reader_for("image").extract(data, "page-turned-sealed.jpg", Settings())
    text = reader_for("pdf").extract(SOURCE_PDF.read_bytes(), SOURCE_PDF.name, Settings())
    assert doc.format == "image" and "turned by" in " ".join(m for _k, m in doc.notes)
    for label in ("本年新收", "上年结转", "予以公开", "结转下年度"):
        assert _row_numbers(doc.rows, label) == _row_numbers(text.rows, label), label


@needs_ocr
def test_a_page_image_goes_through_the_pipeline_as_an_image():
    buf = io.BytesIO()
    Image.open(SCANS / "page-turned-sealed.jpg").save(buf, "PNG")
    rep = process_bytes(buf.getvalue(), "page.png").report
    assert rep["format"] == "image" and rep["format_detail"].startswith("1 page image(s) read by OCR")
    assert rep["status"] in ("partial", "ok", "not_a_report")


@needs_soffice
def test_a_doc_file_reads_as_the_docx_it_came_from():
    doc = process_bytes((SCANS / "report.doc").read_bytes(), "report.doc")
    docx = process_bytes((SCANS / "report.docx").read_bytes(), "report.docx")
    assert doc.report["format"] == "doc" and doc.report["format_detail"].startswith(
        "doc read via LibreOffice headless --convert-to docx; then ooxml package")
    assert doc.report["status"] == docx.report["status"] == "ok"
    assert score(doc.values, GOLD["report.doc"]) == (len(GOLD["report.doc"]["cells"]), 0, 0)
    assert [(v["table"], v["row"], v["column"], v["value"]) for v in doc.values] == \
        [(v["table"], v["row"], v["column"], v["value"]) for v in docx.values]


@needs_soffice
def test_a_wps_file_keeps_its_format():
    rep = process_bytes((SCANS / "report.doc").read_bytes(), "report.wps").report
    assert (rep["format"], rep["status"]) == ("wps", "ok")


@needs_soffice
def test_an_rtf_file_is_read_through_libreoffice():
    rtf = rb"{\rtf1\ansi\ansicpg936 {\fonttbl{\f0 SimSun;}} \f0 2020\'c4\'ea\par}"
    rep = process_bytes(rtf, "note.rtf").report
    assert rep["format"] == "rtf" and rep["format_detail"].startswith("rtf read via LibreOffice")


def test_without_libreoffice_an_old_word_file_is_unsupported_with_the_install_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    rep = process_bytes((SCANS / "report.doc").read_bytes(), "report.doc", settings=Settings(sandboxed_formats=())).report
    assert (rep["status"], rep["format"]) == ("unsupported_format", "doc")
    assert rep["error"] == "report.doc: LibreOffice is not installed: apt-get install libreoffice-writer-nogui"
