"""A blank 总计 cell is stored blank and its findings say so (a printed 0 is said to be 0);
pre-2019 reports (政府信息公开情况统计表) are recognised in every format, never read as gb2019."""

import json
import random

import pytest

from benchmarks.corpus import gold_line, make_pre2019_report, make_report
from benchmarks.synth.layout import build_document
from benchmarks.synth.model import blank_a_total
from benchmarks.synth.pre2019 import build_pre2019_document
from benchmarks.synth.write_docx import write_docx
from benchmarks.synth.write_html import write_html
from benchmarks.synth.write_txt import write_txt
from extractors.pipeline import process_bytes

WRITERS = {"txt": write_txt, "docx": write_docx, "html": write_html}
SEED = 7


def _report_with_applications():
    """The first generated gb report (not broken) whose table 3 has a non-zero total."""
    for i in range(200):
        report, agency, rng = make_report(SEED, i)
        if report.template != "pre2019" and report.broken_check is None and not report.blanked and any(
                k[0] == "applications" and k[2] == "total" and v for k, v in report.values.items()):
            return report, agency, rng
    raise AssertionError("no report with applications in 200")


@pytest.mark.parametrize("fmt", ["txt", "docx", "html"])
def test_a_blank_total_is_null_and_its_findings_say_it_is_blank(fmt):
    report, agency, rng = _report_with_applications()
    blank_a_total(random.Random(1), report)
    (key, parts), = report.blanked.items()
    data = WRITERS[fmt](build_document(report, agency, rng, fmt), rng)
    gold = gold_line(report, f"x.{fmt}", fmt)
    assert [c for c in gold["cells"] if tuple(c[:3]) == key] == [[*key, None]]
    res = process_bytes(data, f"blank-total.{fmt}")
    cell = next(v for v in res.values if (v["table"], v["row"], v["column"]) == key)
    assert (cell["value"], cell["value_kind"]) == (None, "blank")
    row_total = next(f for f in res.findings if f["check"] == "applications.row_total" and f["row"] == key[1])
    assert f"the parts add up to {parts} but the {key[1]}.total cell is blank" in row_total["message"]
    assert "0 is printed" not in row_total["message"]
    assert json.loads(row_total["detail"])["printed_as"][".".join(key)] == "blank"
    column = [f for f in res.findings if f["check"] != "applications.row_total" and f["column"] == "total"
              and f["check"].startswith("applications.")]
    assert column and all(f"{key[1]}.total blank" in f["message"] for f in column)


def test_a_printed_zero_total_is_said_to_be_zero():
    report, agency, rng = _report_with_applications()
    key = next(k for k, v in report.values.items() if k[0] == "applications" and k[2] == "total" and v)
    parts = report.values[key]
    report.printed[key] = "0"
    data = write_html(build_document(report, agency, rng, "html"), rng)
    res = process_bytes(data, "zero-total.html")
    row_total = next(f for f in res.findings if f["check"] == "applications.row_total" and f["row"] == key[1])
    assert f"the parts add up to {parts} but 0 is printed" in row_total["message"]
    assert json.loads(row_total["detail"])["printed_as"][".".join(key)] == "0"


@pytest.mark.parametrize("fmt", ["txt", "docx", "html"])
@pytest.mark.parametrize("index", [0, 1, 2])
def test_pre2019_reports_are_recognised_not_read_as_gb2019(fmt, index):
    report, agency, rng = make_pre2019_report(random.Random(f"pre2019:{index}"), index)
    data = WRITERS[fmt](build_pre2019_document(report, agency, rng), rng)
    gold = gold_line(report, f"x.{fmt}", fmt)
    assert (gold["template"], gold["cells"]) == ("pre2019", []) and 2008 <= gold["year"] <= 2018
    rep = process_bytes(data, f"pre2019.{fmt}")
    assert rep.report["template"] == "pre2019" and rep.report["status"] == "not_a_report"
    assert "a pre-2019 report (政府信息公开情况统计表), not under the gb2019/gb2021 templates" in rep.report["error"]
    assert rep.report["year"] == report.year and not [v for v in rep.values if v["table"] != "narrative"]
    assert [f["check"] for f in rep.findings if f["severity"] != "info"] == []


def test_a_gb_report_quoting_the_old_form_is_still_a_gb_report():
    # one or two markers of the old form in a gb2021 report's narrative are not enough
    from tests.reportgen import consistent_values, tab_split_report

    text = tab_split_report(consistent_values(), narrative="历年累计主动公开政府信息数十万条，详见政府信息公开情况统计表。")
    rep = process_bytes(text.encode(), "quote.txt").report
    assert (rep["template"], rep["status"]) == ("gb2021", "ok")


def test_a_tab_split_row_with_blank_leading_cells_is_read_in_place_only_when_it_is_certain():
    from tests.reportgen import consistent_values, tab_split_report

    vals = consistent_values()
    row = "二、上年结转政府信息公开申请数量"
    text = tab_split_report(vals)
    assert f"{row}\t1\t0\t0\t0\t0\t0\t1" in text
    # natural person blank, commercial enterprise 1: the line ends in its total, the sum holds
    blank = text.replace(f"{row}\t1\t0\t0\t0\t0\t0\t1", f"{row}\t\t\t\t1\t\t\t\t\t1")
    cells = {v["column"]: (v["value"], v["value_kind"]) for v in process_bytes(blank.encode(), "b.txt").values
             if v["row"] == "carried_over"}
    assert cells["natural_person"] == (None, "blank") and cells["commercial_enterprise"] == (1.0, "number")
    assert cells["total"] == (1.0, "number")
    # a line ending in an empty field (a blank total or a trailing tab?): nothing is guessed
    ends_blank = text.replace(f"{row}\t1\t0\t0\t0\t0\t0\t1", f"{row}\t\t\t1\t\t\t\t\t1\t")
    cells = {v["column"]: (v["value"], v["value_kind"]) for v in process_bytes(ends_blank.encode(), "e.txt").values
             if v["row"] == "carried_over"}
    assert all(kind == "unreadable" for _, kind in cells.values()) and len(cells) == 7
