"""Format sniffing (extractors.formats.sniff.sniff) on real bytes: the format comes from
the content, never the file name, and what cannot be read raises the documented error."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from extractors.errors import EmptyDocument, NeedsOCR, UnreadableDocument, UnsupportedFormat
from extractors.formats.sniff import sniff

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATE = FIXTURES / "real" / "template-2021-blank.docx"
DOCX_FIXTURES = sorted((FIXTURES / "docx").glob("*.docx"))
PDF_FIXTURES = sorted((FIXTURES / "pdf").glob("*.pdf")) + [FIXTURES / "real" / "hongze-2024.pdf"]
HTML_FIXTURES = sorted((FIXTURES / "html").glob("*.html"))
TXT_FIXTURES = sorted((FIXTURES / "real").glob("pingtan-*.txt"))

# Compound File Binary (OLE2) constants, from the [MS-CFB] specification.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512  # version 3: 2**9-byte sectors
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole2_file(*streams: str) -> bytes:
    """A minimal but well-formed OLE2 compound file: header, one FAT sector, one directory
    sector holding the root entry and an empty stream per name (e.g. "WordDocument")."""
    assert len(streams) <= 3  # one 512-byte directory sector holds four 128-byte entries
    header = OLE2_MAGIC + bytes(16) + struct.pack(
        "<HHHHH6xIIIIIIIII", 0x003E, 0x0003, 0xFFFE, 9, 6,
        0, 1, 1, 0, 0x1000, ENDOFCHAIN, 0, ENDOFCHAIN, 0)  # 1 FAT sector; directory at sector 1
    header += struct.pack("<109I", 0, *([FREESECT] * 108))  # DIFAT: the FAT is sector 0
    fat = struct.pack("<128I", FATSECT, ENDOFCHAIN, *([FREESECT] * 126))

    def entry(name: str, kind: int, child: int, right: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, NOSTREAM, right, child)
                + bytes(16) + struct.pack("<IQQIQ", 0, 0, 0, ENDOFCHAIN, 0))

    entries = [entry("Root Entry", 5, 1 if streams else NOSTREAM, NOSTREAM)]
    for i, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, NOSTREAM, i + 1 if i < len(streams) else NOSTREAM))
    directory = b"".join(entries).ljust(SECTOR, b"\0")
    assert len(header) == len(fat) == len(directory) == SECTOR
    return header + fat + directory


def zip_of(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


def image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, fmt)
    return buf.getvalue()


# ---- PDF ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PDF_FIXTURES, ids=lambda p: p.name)
def test_every_pdf_fixture_is_pdf(path):
    assert sniff(path.read_bytes(), path.name) == "pdf"


def test_scanned_and_encrypted_pdfs_are_still_pdf():
    # Sniffing only names the format; the PDF reader decides needs_ocr / encrypted.
    for name in ("scanned-image-only.pdf", "encrypted-user-password.pdf", "truncated.pdf"):
        assert sniff((FIXTURES / "pdf" / name).read_bytes(), name) == "pdf"


def test_pdf_header_after_junk_within_the_first_kib():
    body = (FIXTURES / "pdf" / "ruled-gb2021-merged-headers.pdf").read_bytes()
    assert body.startswith(b"%PDF-")
    assert sniff(b"\x00" * 10 + body, "junk-before.pdf") == "pdf"
    assert sniff(b"Content-Type: application/pdf\r\n\r\n" + body, "mail.pdf") == "pdf"
    # The header is looked for in the first 1024 bytes: "%PDF-" ending at byte 1024 counts,
    assert sniff(b"x" * 1019 + body, "edge.pdf") == "pdf"
    # one byte later it does not, and the bytes are taken for text.
    assert sniff(b"x" * 1020 + body, "late.pdf") == "txt"


def test_a_pdf_is_sniffed_whatever_its_name():
    data = (FIXTURES / "pdf" / "ruled-gb2019-merged-headers.pdf").read_bytes()
    assert sniff(data, "report.docx") == sniff(data, "report.txt") == sniff(data) == "pdf"


# ---- zip containers ------------------------------------------------------------------------
@pytest.mark.parametrize("path", [*DOCX_FIXTURES, TEMPLATE], ids=lambda p: p.name)
def test_every_docx_fixture_is_docx(path):
    assert sniff(path.read_bytes(), path.name) == "docx"


def test_a_docx_named_pdf_is_docx():
    assert sniff(TEMPLATE.read_bytes(), "misnamed.pdf") == "docx"


def test_minimal_zip_with_word_document_is_docx():
    assert sniff(zip_of("[Content_Types].xml", "word/document.xml"), "min.docx") == "docx"


def test_xlsx_is_unsupported():
    data = zip_of("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
    with pytest.raises(UnsupportedFormat) as err:
        sniff(data, "table.xlsx")
    assert str(err.value) == "table.xlsx: an Excel workbook (.xlsx), not a report format ogi-reports reads"
    assert err.value.status == "unsupported_format"


@pytest.mark.parametrize("names", [("readme.txt",), ("ppt/presentation.xml", "[Content_Types].xml"),
                                   ("word/styles.xml",)])
def test_zip_without_word_document_is_unreadable(names):
    with pytest.raises(UnreadableDocument) as err:
        sniff(zip_of(*names), "archive.docx")
    assert str(err.value) == "archive.docx: a zip archive without word/document.xml, so not a .docx"
    assert err.value.status == "failed"


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_docx_is_a_corrupt_zip(cut):
    data = TEMPLATE.read_bytes()
    with pytest.raises(UnreadableDocument, match=r"^cut\.docx: corrupt or truncated zip container \(") as err:
        sniff(data[: int(len(data) * cut)], "cut.docx")
    assert err.value.status == "failed"


def test_zip_magic_followed_by_junk_is_a_corrupt_zip():
    with pytest.raises(UnreadableDocument, match="corrupt or truncated zip container"):
        sniff(b"PK\x03\x04" + b"\x00" * 100, "junk.zip")


# ---- OLE2 (.doc / .wps / .xls) ----------------------------------------------------------------
def test_ole2_builder_writes_a_compound_file_header():
    data = ole2_file("WordDocument")
    assert data[:8] == OLE2_MAGIC and len(data) == 3 * SECTOR
    assert struct.unpack_from("<HH", data, 0x1A) == (3, 0xFFFE)  # major version 3, little-endian
    assert "WordDocument".encode("utf-16-le") in data[2 * SECTOR:]


@pytest.mark.parametrize("streams,name,fmt", [
    (("WordDocument", "1Table"), "report.doc", "doc"),
    (("WordDocument", "1Table"), "REPORT.WPS", "wps"),  # WPS saves the Word streams too
    (("WordDocument",), "no-extension", "doc"),
    (("Contents",), "saved.wps", "wps"),
    (("Contents",), "unknown.bin", "doc"),  # an OLE2 file of no known kind: LibreOffice tries it
])
def test_ole2_word_and_wps_files_are_read_through_libreoffice(streams, name, fmt):
    assert sniff(ole2_file(*streams), name) == fmt


def test_an_ole2_workbook_is_unsupported_and_named():
    with pytest.raises(UnsupportedFormat) as err:
        sniff(ole2_file("Workbook"), "sheet.xls")
    assert str(err.value) == "sheet.xls: old binary Excel 97-2003 (.xls) file, not a report format ogi-reports reads"
    assert err.value.status == "unsupported_format"


# ---- images, RTF -----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,kind", [("PNG", "png"), ("JPEG", "jpeg"), ("TIFF", "tiff")])
def test_page_images_are_read_by_ocr(fmt, kind):
    assert sniff(image(fmt), f"scan.{kind}") == "image"


def test_a_gif_needs_ocr_it_does_not_read():
    with pytest.raises(NeedsOCR) as err:
        sniff(image("GIF"), "scan.gif")
    assert str(err.value) == "scan.gif: an image (gif); ogi-reports reads PNG, JPEG and TIFF page images"
    assert err.value.status == "needs_ocr"


def test_big_endian_tiff_is_an_image():
    assert sniff(b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 64, "scan.tif") == "image"


def test_rtf_is_read_through_libreoffice():
    data = rb"{\rtf1\ansi\ansicpg936 {\fonttbl{\f0 SimSun;}} \f0 2020\'c4\'ea}"
    assert sniff(data, "report.doc") == "rtf"


# ---- HTML vs text ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", HTML_FIXTURES, ids=lambda p: p.name)
def test_every_html_fixture_is_html(path):
    assert sniff(path.read_bytes(), path.name) == "html"


@pytest.mark.parametrize("path", TXT_FIXTURES, ids=lambda p: p.name)
def test_real_flattened_texts_are_txt(path):
    assert sniff(path.read_bytes(), path.name) == "txt"


@pytest.mark.parametrize("data,fmt", [
    ("<p>本年度收到申请3件。</p>".encode(), "html"),  # a fragment: an element and its end tag
    ("\ufeff\n  <!DOCTYPE html><html><body>年报</body></html>".encode(), "html"),  # BOM and blanks first
    ("<meta charset=gbk><br/>年报".encode("gbk"), "html"),  # a self-closing tag counts as markup
    (b"<TABLE><TR><TD>0</TD></TR></TABLE>", "html"),  # case does not matter
    ("年报正文<p>没有结束标记".encode(), "txt"),  # an opening tag but nothing closed
    ("数量</td>不是网页".encode(), "txt"),  # a closing tag but no opening one
    ("一、总体情况\n本年度主动公开信息80条。\n".encode(), "txt"),
    ("一、总体情况\n本年度主动公开信息80条。\n".encode("gbk"), "txt"),
])
def test_html_needs_an_opening_tag_and_a_closing_mark(data, fmt):
    assert sniff(data, "page") == fmt


def test_markup_is_looked_for_only_near_the_start():
    prose = "本年度主动公开政府信息。".encode() * 100  # 3600 bytes of text
    assert sniff(prose[:2000] + b"<p>x</p>", "early.html") == "html"
    assert sniff(prose + b"<p>x</p>", "late.txt") == "txt"


def test_binary_junk_is_left_to_the_text_reader():
    # sniff() does not reject binary bytes with no known magic: it answers "txt" and the
    # text reader refuses them (tests/test_bad_input.py: "binary content (NUL bytes)").
    assert sniff(bytes(range(256)) * 40, "junk.txt") == "txt"


# ---- empty ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"", b" ", b"\n\r\n\t  \n"])
def test_empty_or_whitespace_is_an_empty_document(data):
    with pytest.raises(EmptyDocument) as err:
        sniff(data, "empty.txt")
    assert str(err.value) == f"empty.txt: empty file ({len(data)} bytes)"
    assert err.value.status == "failed"


def test_a_lone_bom_is_not_empty_to_sniff():
    # Only ASCII whitespace makes a file empty here; a UTF-8 BOM alone is sniffed as text
    # (the text reader then refuses it: "the text holds only whitespace").
    assert sniff(b"\xef\xbb\xbf", "bom.txt") == "txt"
