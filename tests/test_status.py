"""The report status rules (extractors.pipeline): ok / partial (with its reason) /
not_a_report / failed / unsupported_format / needs_ocr / too_large, and the cells a
report is expected to print, on small hand-written tab-split reports."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile

import pytest
from PIL import Image
from reportgen import consistent_values, tab_split_report

from extractors.formats import txt as txt_reader
from extractors.pipeline import process_bytes, process_path
from extractors.records import Cell, RawDocument, Row
from extractors.settings import Settings

TABLES = ["active_disclosure", "applications", "review_litigation"]
NOTICE = "关于开展2022年度工作的通知\n各单位：请于3月1日前报送材料。\n"


def report(text: str, name: str = "report.txt", **kw) -> dict:
    return process_bytes(text.encode(), name, **kw).report


def status(rep: dict) -> tuple:
    return rep["status"], rep["error"], rep["cells_found"], rep["cells_expected"]


def without_lines(text: str, prefix: str) -> str:
    out = [ln for ln in text.splitlines() if not ln.startswith(prefix)]
    assert len(out) < len(text.splitlines()), prefix
    return "\n".join(out) + "\n"


# ---- ok and the cells expected ------------------------------------------------------------
def test_a_complete_consistent_gb2021_report_is_ok():
    result = process_bytes(tab_split_report(consistent_values()).encode(), "r.txt")
    rep = result.report
    assert status(rep) == ("ok", None, 200, 200)
    assert (rep["template"], rep["year"], rep["agency"], rep["tables_found"]) == ("gb2021", 2022, "测试区测试局", TABLES)
    assert (rep["format"], rep["format_detail"]) == ("txt", "utf-8; tab-split")
    assert (rep["checks_failed"], rep["n_values"], rep["n_findings"]) == (0, len(result.values), len(result.findings))


def test_a_complete_gb2019_report_expects_198_cells():
    text = tab_split_report(consistent_values("gb2019"), template="gb2019", year=2020)
    rep = report(text)
    assert (rep["template"], rep["year"]) == ("gb2019", 2020)
    assert status(rep) == ("ok", None, 198, 198)


def test_an_undivided_other_row_of_gb2021_expects_14_cells_fewer():
    # （六）其他处理 printed as one row instead of its three sub-rows: 200 - 2 * 7 cells
    result = process_bytes(tab_split_report(consistent_values(), other_subrows=False).encode(), "r.txt")
    assert status(result.report) == ("ok", None, 186, 186)
    rows = {v["row"] for v in result.values if v["table"] == "applications"}
    assert "results.other" in rows and not any(r.startswith("results.other.") for r in rows)
    assert [f["check"] for f in result.findings if f["row"] == "results.other"] == []  # no row_not_in_template


# ---- partial ---------------------------------------------------------------------------------------
def test_a_missing_row_makes_the_report_partial():
    text = without_lines(tab_split_report(consistent_values()), "二、上年结转")
    assert status(report(text)) == ("partial", "193 of 200 template cells read", 193, 200)


def test_a_missing_table_is_named():
    text = tab_split_report(consistent_values())
    text = text.split("四、政府信息公开行政复议")[0] + "五、存在的主要问题及改进情况\n无。\n"
    rep = report(text)
    assert status(rep) == ("partial", "185 of 200 template cells read; tables not found: review_litigation", 185, 200)
    assert rep["tables_found"] == ["active_disclosure", "applications"]


def test_two_missing_tables_are_named_in_template_order():
    text = tab_split_report(consistent_values())
    head, rest = text.split("二、主动公开政府信息情况")
    table3 = rest[rest.index("三、收到和处理"):rest.index("四、政府信息公开行政复议")]
    rep = report(head + table3 + "五、存在的主要问题及改进情况\n无。\n")
    assert status(rep) == ("partial", "175 of 200 template cells read; tables not found: active_disclosure, "
                                      "review_litigation", 175, 200)


def test_a_suspected_extraction_error_makes_the_report_partial():
    vals = consistent_values()
    # the row prints its five parts one column to the right: shifting it back satisfies its total
    for col, x in zip(("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                       "legal_service_org", "other_org", "total"), (3, 1, 0, 0, 1, 5, 0), strict=True):
        vals[("applications", "new_received", col)] = x
    rep = report(tab_split_report(vals))
    assert status(rep) == ("partial", "200 of 200 template cells read; suspected extraction error in "
                                      "applications.new_received.total", 200, 200)
    assert rep["checks_failed"] == 3  # the row total and two balances


def test_the_report_own_arithmetic_error_keeps_it_ok():
    vals = consistent_values()
    vals[("review_litigation", "litigation_direct", "total")] = 1  # printed so, with no part
    rep = report(tab_split_report(vals))
    assert status(rep) == ("ok", None, 200, 200)
    assert rep["checks_failed"] == 1


def test_an_ambiguous_short_row_is_not_counted():
    text = tab_split_report(consistent_values()).replace(
        "一、本年新收政府信息公开申请数量\t3\t1\t0\t0\t1\t0\t5", "一、本年新收政府信息公开申请数量\t3\t1\t0\t1\t0\t5")
    assert status(report(text)) == ("partial", "193 of 200 template cells read", 193, 200)


def test_a_pinned_short_row_counts_in_full():
    # the total left out: the row's arithmetic gives it, every cell is read
    text = tab_split_report(consistent_values()).replace(
        "一、本年新收政府信息公开申请数量\t3\t1\t0\t0\t1\t0\t5", "一、本年新收政府信息公开申请数量\t3\t1\t0\t0\t1\t0")
    assert status(report(text)) == ("ok", None, 200, 200)


def test_an_unreadable_cell_in_an_unmatched_row_makes_the_report_partial():
    # Today's behaviour (reported, not changed here): every template cell is read, yet the
    # unreadable value of a row outside the template makes the report partial, and the
    # reason gives only the (complete) cell count.
    text = tab_split_report(consistent_values()).replace(
        "四、结转下年度继续办理", "本年度收到的信件数量\tO\n四、结转下年度继续办理")
    assert status(report(text)) == ("partial", "200 of 200 template cells read", 200, 200)


# ---- not a report ----------------------------------------------------------------------------------
def test_a_notice_without_tables_is_not_a_report():
    rep = report(NOTICE, "notice.txt")
    assert (rep["status"], rep["error"]) == ("not_a_report", "no statistical tables of an annual report were found")
    assert (rep["format"], rep["tables_found"], rep["cells_found"], rep["n_values"]) == ("txt", [], 0, 0)
    # no report title and no tables: not a report, so no template, no expected cells, no agency
    assert (rep["year"], rep["template"], rep["cells_expected"], rep["agency"]) == (2022, None, None, None)


def test_a_notice_without_a_year_expects_nothing():
    rep = report("通知\n各单位：请报送材料。\n")
    assert (rep["status"], rep["template"], rep["cells_expected"]) == ("not_a_report", None, None)


def test_table_headings_with_no_values_are_not_a_report():
    text = ("某某局2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
            "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n")
    rep = report(text)
    assert (rep["status"], rep["tables_found"], rep["cells_found"]) == ("not_a_report", TABLES, 0)


# ---- failed ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data,error", [
    (b"", "empty.txt: empty file (0 bytes)"),
    (b"\xef\xbb\xbf\n", "empty.txt: the text holds only whitespace"),
    (bytes(range(256)) * 4, "empty.txt: binary content (NUL bytes), not a text report"),
])
def test_unreadable_bytes_fail_with_the_reason(data, error):
    rep = process_bytes(data, "empty.txt").report
    assert (rep["status"], rep["error"], rep["template"], rep["cells_expected"]) == ("failed", error, None, None)


def test_a_reader_bug_fails_the_document_not_the_run(monkeypatch):
    def broken(data, name, settings=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(txt_reader, "extract", broken)
    rep = report(NOTICE, "bug.txt")
    assert (rep["status"], rep["error"], rep["format"]) == ("failed", "bug.txt: RuntimeError: boom", "txt")
    assert "RuntimeError: boom" in rep["format_detail"]  # the traceback's tail


def test_a_bug_while_reading_the_tables_fails_the_document(monkeypatch):
    def malformed(data, name, settings=None):  # a reader breaking its contract: a cell without text
        return RawDocument("txt", [Row("table", [Cell("规章"), Cell(None)])], "text")

    monkeypatch.setattr(txt_reader, "extract", malformed)
    rep = report(NOTICE, "bad.txt")
    assert rep["status"] == "failed"
    assert rep["error"].startswith("bad.txt: TypeError while reading the tables: ")


def test_a_sandboxed_reader_bug_fails_with_its_traceback(monkeypatch):
    def broken(data, name, settings=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(txt_reader, "extract", broken)
    rep = report(NOTICE, "bug.txt", settings=Settings(sandboxed_formats=("txt",)))
    assert (rep["status"], rep["error"]) == ("failed", "bug.txt: RuntimeError: boom")
    assert "RuntimeError: boom" in rep["format_detail"]  # the worker's traceback, as in-process


def test_a_file_that_cannot_be_read(tmp_path):
    rep = process_path(tmp_path / "gone.txt", tmp_path).report
    assert rep["status"] == "failed"
    assert rep["error"].startswith("gone.txt: cannot read file: ")
    assert rep["report_id"] == hashlib.sha256(b"gone.txt").hexdigest()


# ---- unsupported_format / needs_ocr -------------------------------------------------------------------
def _xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "GIF")
    return buf.getvalue()


@pytest.mark.parametrize("data,name,status_,error", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le"), "r.xls",
     "unsupported_format", "r.xls: old binary Excel 97-2003 (.xls) file, not a report format ogi-reports reads"),
    (_xlsx(), "r.xlsx", "unsupported_format",
     "r.xlsx: an Excel workbook (.xlsx), not a report format ogi-reports reads"),
    (_gif(), "r.gif", "needs_ocr", "r.gif: an image (gif); ogi-reports reads PNG, JPEG and TIFF page images"),
])
def test_formats_that_cannot_be_read_get_their_status(data, name, status_, error):
    rep = process_bytes(data, name).report
    assert (rep["status"], rep["error"], rep["format"], rep["n_values"]) == (status_, error, None, 0)


def test_an_explicit_format_skips_sniffing():
    rep = process_bytes(tab_split_report(consistent_values()).encode(), "r.bin", fmt="txt").report
    assert (rep["status"], rep["format"]) == ("ok", "txt")
    with_pdf = process_bytes(tab_split_report(consistent_values()).encode(), "r.bin", fmt="pdf").report
    assert (with_pdf["status"], with_pdf["format"]) == ("failed", "pdf")


def test_an_unknown_explicit_format_is_unsupported():
    rep = process_bytes(b"x", "r.odt", fmt="odt").report
    assert (rep["status"], rep["error"], rep["format"]) == ("unsupported_format", "no extractor for format 'odt'", "odt")


# ---- too_large --------------------------------------------------------------------------------------------
def test_an_input_over_the_size_cap_is_not_parsed_but_keeps_its_identity(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(tab_split_report(consistent_values()).encode())
    size = path.stat().st_size
    rep = process_path(path, tmp_path, settings=Settings(max_input_bytes=100)).report
    assert (rep["status"], rep["error"], rep["size_bytes"]) == (
        "too_large", f"big.txt: {size} bytes exceeds the 100-byte input cap", size)
    # identified by its own bytes, streamed (not the empty hash that made big files collide)
    assert rep["report_id"] == hashlib.sha256(path.read_bytes()).hexdigest() != hashlib.sha256(b"").hexdigest()
    assert process_path(path, tmp_path, settings=Settings(max_input_bytes=size)).report["status"] == "ok"


def test_a_reader_over_the_time_limit_is_too_large(monkeypatch):
    def slow(data, name, settings=None):
        time.sleep(30)

    monkeypatch.setattr(txt_reader, "extract", slow)  # a replaced reader gets a fresh worker: it sees the patch
    rep = report(NOTICE, "slow.txt", settings=Settings(sandboxed_formats=("txt",), timeout_s=0.5))
    assert (rep["status"], rep["error"]) == ("too_large", "slow.txt: reading took longer than the 0.5 s time limit")
