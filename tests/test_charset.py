"""The one text decoder (extractors.charset): its fallback order and its three callers' wrappers."""

from __future__ import annotations

import codecs

import pytest

from extractors.charset import decode, decode_html, decode_html_document, decode_text, normalize_charset
from extractors.errors import UnreadableDocument

REPORT = "二、主动公开政府信息情况（王堃）本机关全年主动公开政府信息一百五十条。"  # 堃: in GBK, not GB2312


def page(head: str = "", body: str = REPORT) -> str:
    return f"<html><head>{head}</head><body><p>{body}</p></body></html>"


# --- labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label,codec",
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("cp936", "gb18030"),
        ("euc_cn", "gb18030"),  # an alias Python knows for gb2312
        ("big5", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("unicode", "utf-8"),
        ("windows-1252", "cp1252"),
        (" utf-8 ", "utf-8"),
    ],
)
def test_labels_name_one_codec(label, codec):
    assert normalize_charset(label) == codec


@pytest.mark.parametrize("label", ["x-foo", "base64", "rot13", "", None])
def test_unknown_and_non_text_labels(label):
    assert normalize_charset(label) is None


# --- GBK --------------------------------------------------------------------------------


def test_gbk_with_meta():
    found = decode(page('<meta charset="gbk">').encode("gbk"), markup=True, lenient=True)
    assert REPORT in found.text
    assert (found.encoding, found.source, found.how) == ("gb18030", "meta", "gb18030 (meta)")
    assert found.notes == [("encoding", "html charset gbk from meta (decoded as gb18030)")]


def test_gbk_with_http_equiv_gb2312():
    data = page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk")
    text, how, notes = decode_html_document(data, "x.html")
    assert REPORT in text  # 堃 would fail a strict gb2312 decoder
    assert how == "gb18030 (meta)"


def test_gbk_without_meta():
    text, how, notes = decode_html_document(page().encode("gbk"), "x.html")
    assert REPORT in text
    assert how == "gb18030 (detected)"
    assert notes == [("encoding", "html detected gb18030")]
    assert decode_text(REPORT.encode("gbk")) == (REPORT, "gb18030")


def test_undeclared_gb18030_outside_gbk():
    # U+20000 and the euro sign need GB18030's four-byte sequences (not in GBK).
    text = REPORT + "𠀀€"
    assert decode_text(text.encode("gb18030")) == (text, "gb18030")
    assert decode(page(body=text).encode("gb18030"), markup=True, lenient=True).text == page(body=text)


def test_sparse_gbk_in_a_long_page_is_not_read_as_utf8():
    # Two Chinese characters in 5 KB of markup: few enough bad UTF-8 sequences to pass
    # as UTF-8 with a few bad bytes, but the bytes are exactly GB18030.
    data = (page(body="规章") + "<!--" + "x" * 5000 + "-->").encode("gbk")
    found = decode(data, markup=True, lenient=True)
    assert "<p>规章</p>" in found.text
    assert found.how == "gb18030 (detected)"


# --- byte-order marks -------------------------------------------------------------------


def test_utf8_bom_outranks_a_wrong_meta():
    data = codecs.BOM_UTF8 + page('<meta charset="gbk">').encode("utf-8")
    text, how, notes = decode_html_document(data, "x.html")
    assert REPORT in text and not text.startswith("\ufeff")
    assert how == "utf-8 (BOM)" and notes == []
    assert decode_text(codecs.BOM_UTF8 + REPORT.encode()) == (REPORT, "utf-8-sig")


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_boms(bom, codec):
    data = bom + REPORT.encode(codec)
    assert decode_text(data) == (REPORT, "utf-16")
    text, how, notes = decode_html_document(data, "x.html")
    assert (text, how) == (REPORT, f"{codec} (BOM)")
    assert notes == [("encoding", f"html {codec} from byte-order mark")]
    assert decode_html(data) == REPORT


def test_truncated_utf16_is_read_not_crashed():
    data = codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le") + b"x"
    text, _ = decode_text(data)
    assert text.startswith(REPORT)


# --- wrong declarations -----------------------------------------------------------------


def test_meta_utf8_on_gbk_bytes():
    data = page('<meta charset="utf-8">', REPORT * 5).encode("gbk")
    text, how, notes = decode_html_document(data, "x.html")
    assert REPORT in text
    assert how == "gb18030 (detected)"
    assert notes == [("encoding", "html declared utf-8 does not fit the bytes; detected gb18030")]


def test_latin1_label_on_utf8_bytes_is_ignored():
    data = page('<meta charset="iso-8859-1">').encode("utf-8")
    text, how, notes = decode_html_document(data, "x.html")
    assert REPORT in text
    assert how == "utf-8 (declaration ignored)"
    assert notes == [("encoding", "html declares iso-8859-1 (meta) but the bytes are utf-8; read as utf-8")]


def test_unknown_label_is_noted_and_the_bytes_decide():
    text, how, notes = decode_html_document(page('<meta charset="x-foo">').encode("gbk"), "x.html")
    assert REPORT in text
    assert ("encoding", "html charset 'x-foo' from meta is unknown; detecting") in notes


def test_a_few_bad_bytes_keep_the_declared_charset():
    data = page('<meta charset="gbk">').encode("gbk") + b"<p>\x81</p>"
    found = decode(data, markup=True, lenient=True)
    assert REPORT in found.text
    assert found.how == "gb18030 (lenient)"
    assert found.notes == [
        ("encoding", "html charset gbk from meta (decoded as gb18030); 1 undecodable byte sequence(s) replaced")
    ]


def test_xml_declaration():
    data = ('<?xml version="1.0" encoding="gbk"?>' + page()).encode("gbk")
    assert decode(data, markup=True, lenient=True).how == "gb18030 (xml declaration)"


# --- crawled pages: the HTTP charset ---------------------------------------------------


def test_header_charset_wins_over_meta_when_both_fit():
    # KOI8-R decodes any byte: the page fits both declarations; the HTTP header decides.
    data = page('<meta charset="koi8-r">').encode("gbk")
    assert REPORT in decode_html(data, header_charset="gbk")
    assert REPORT not in decode_html(data)  # the meta alone: read as KOI8-R
    found = decode(data, http_charset="gbk", markup=True, lenient=True)
    assert found.source == "http"


def test_a_header_that_does_not_fit_loses_to_meta():
    data = page('<meta charset="gbk">').encode("gbk")
    assert REPORT in decode_html(data, header_charset="utf-8")


def test_a_latin1_header_on_a_chinese_page_is_not_trusted():
    # Servers (Tomcat's default) send ISO-8859-1 for pages that are GBK or UTF-8.
    assert REPORT in decode_html(page().encode("gbk"), header_charset="ISO-8859-1")
    assert REPORT in decode_html(page().encode("utf-8"), header_charset="ISO-8859-1")


# --- binary -------------------------------------------------------------------------------


def test_nul_bytes_are_binary():
    with pytest.raises(UnreadableDocument, match="NUL bytes"):
        decode_text(b"PK\x03\x04\x00\x00" + REPORT.encode(), "x.txt")


def test_control_characters_are_binary():
    data = bytes(range(1, 32)) * 50 + REPORT.encode()
    with pytest.raises(UnreadableDocument, match="control characters"):
        decode_text(data, "x.txt")


def test_plain_utf8_text():
    assert decode_text(REPORT.encode()) == (REPORT, "utf-8")
    found = decode(REPORT.encode())
    assert (found.source, found.notes) == ("undeclared", [])
