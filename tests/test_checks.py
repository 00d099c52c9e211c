"""Arithmetic checks: pass on consistent reports, fail each way, and tell the report's own
errors from ours."""

import json

import pytest
from reportgen import consistent_values, tab_split_report

from extractors.pipeline import process_bytes

CHECKS = ("applications.balance", "applications.results_sum", "applications.row_total", "review_litigation.row_total")


def run(vals, **kw):
    return process_bytes(tab_split_report(vals, **kw).encode(), "constructed.txt")


def check_findings(result):
    return [f for f in result.findings if f["check"] in CHECKS]


def test_consistent_report_passes_every_check():
    result = run(consistent_values())
    assert result.report["status"] == "ok", result.report["error"]
    assert check_findings(result) == []
    # 25 row totals + 7 results sums + 7 balances + 3 review rows
    assert result.report["checks_passed"] == 25 + 7 + 7 + 3
    assert result.report["checks_failed"] == 0


def test_seeds_pass_every_check():
    from pathlib import Path

    for p in sorted((Path(__file__).resolve().parent.parent / "data" / "raw").glob("0*.txt")):
        result = process_bytes(p.read_bytes(), p.name)
        assert check_findings(result) == [], p.name
        assert result.report["checks_failed"] == 0


@pytest.mark.parametrize("cell,check", [
    (("applications", "results.withheld.state_secret", "total"), "applications.row_total"),
    (("applications", "results.total", "commercial_enterprise"), "applications.results_sum"),
    (("review_litigation", "litigation_direct", "total"), "review_litigation.row_total"),
])
def test_printed_errors_are_kept_and_called_source_inconsistent(cell, check):
    vals = consistent_values()
    vals[cell] = vals[cell] + 1
    result = run(vals)
    got = {(v["table"], v["row"], v["column"]): v["value"] for v in result.values}
    assert got[cell] == vals[cell]  # the printed value is kept, never "fixed"
    fails = [f for f in check_findings(result) if f["check"] == check]
    assert fails, check_findings(result)
    detail = json.loads(fails[0]["detail"])
    assert detail["verdict"] == "source_inconsistent"
    assert detail["printed"] != detail["expected"]
    assert result.report["status"] == "ok"  # the report's own error does not lower our confidence


def test_balance_failure():
    vals = consistent_values()
    vals[("applications", "carried_forward", "natural_person")] += 2
    vals[("applications", "carried_forward", "total")] += 2
    result = run(vals)
    fails = [f for f in check_findings(result) if f["check"] == "applications.balance"]
    assert {f["column"] for f in fails} == {"natural_person", "total"}
    assert "new + carried over" in fails[0]["message"]


def test_dropped_cell_is_caught_as_suspected_extraction_error():
    vals = consistent_values()
    text = tab_split_report(vals)
    # Drop the natural-person cell of 一、本年新收 (3), as a page break does: 6 of 7 values printed.
    line = next(ln for ln in text.splitlines() if ln.startswith("一、本年新收"))
    damaged = line.replace("\t3\t1\t", "\t1\t", 1)
    result = process_bytes(text.replace(line, damaged).encode(), "dropped.txt")
    row = {v["column"]: v for v in result.values if v["row"] == "new_received"}
    # total 5 with parts 1,0,0,1,0 printed: the missing cell is pinned only where placement agrees
    assert any(v["value_kind"] == "unreadable" for v in row.values()) or row["natural_person"]["raw_value"] is None
    assert result.report["status"] == "partial"
    assert any(f["check"] in ("placement_ambiguous", "placement_inferred") and f["row"] == "new_received"
               for f in result.findings)


def test_run_together_numbers_are_suspected():
    vals = consistent_values()
    # natural person 3 and commercial enterprise 1 run together into one cell, the next one blank
    vals[("applications", "results.disclosed", "natural_person")] = "31"
    vals[("applications", "results.disclosed", "commercial_enterprise")] = ""
    result = run(vals)
    fails = [json.loads(f["detail"]) for f in check_findings(result)]
    assert any(d["verdict"] == "suspected_extraction_error" and any("run together" in e for e in d["evidence"])
               for d in fails), fails
    assert result.report["status"] == "partial"
    assert "suspected extraction error" in result.report["error"]


def test_narrative_figures_from_seeds():
    from pathlib import Path

    raw = Path(__file__).resolve().parent.parent / "data" / "raw"
    for name, expected in (("000_67aac09db402278c.txt", {"proactive_items_published": 150}),
                           ("001_c70ffb9ddb659733.txt", {"proactive_items_published": 180,
                                                         "cppcc_proposals_handled": 2,
                                                         "npc_suggestions_handled": 0}),
                           ("002_fd629941e7a907e0.txt", {"proactive_items_published": 115,
                                                         "npc_suggestions_handled": 6,
                                                         "cppcc_proposals_handled": 12,
                                                         "fee_collected_amount": 0})):
        result = process_bytes((raw / name).read_bytes(), name)
        got = {v["row"]: v["value"] for v in result.values if v["table"] == "narrative"}
        for k, v in expected.items():
            assert got[k] == v, (name, k, got)


def test_narrative_mismatch_is_a_finding_of_its_own():
    vals = consistent_values()
    result = run(vals, narrative="本年度共收到政府信息公开申请17件。")
    mism = [f for f in result.findings if f["check"] == "narrative_mismatch"]
    assert len(mism) == 1 and "17" in mism[0]["message"]
    ok = run(vals, narrative=f"本年度共收到政府信息公开申请{vals[('applications', 'new_received', 'total')]}件。")
    assert not [f for f in ok.findings if f["check"] == "narrative_mismatch"]


def _values(table, rows):
    from extractors.records import Value

    return [Value(table, r, c, float(x), "number", str(x), r, None, 1.0, None, None, None, None)
            for r, cells in rows.items() for c, x in cells.items()]


def test_a_row_shifted_by_one_column_is_suspected():
    from extractors.arithmetic.checks import run_checks

    cols = ["upheld", "corrected", "other", "pending", "total"]
    # 0 1 1 0 | 2 read one column to the left: 1 1 0 2 | 0
    vals = _values("review_litigation", {"review": dict(zip(cols, [1, 1, 0, 2, 0], strict=True))})
    found, summary = run_checks(vals, [], "gb2021")
    assert summary.failed == 1 and summary.suspected == ["review_litigation.review.total"]
    detail = found[0].detail
    assert found[0].message.startswith("review total: the parts add up to 4 but 0 is printed")
    assert any("shifting row review by one column" in e for e in detail["evidence"])


def test_results_sum_follows_the_undivided_other_row_in_a_gb2021_report():
    from extractors.arithmetic.checks import run_checks

    one = {"natural_person": 1, "commercial_enterprise": 0, "research_institution": 0, "social_welfare_org": 0,
           "legal_service_org": 0, "other_org": 0, "total": 1}
    vals = _values("applications", {"results.disclosed": one, "results.other": one,
                                    "results.total": {**one, "natural_person": 2, "total": 2}})
    found, summary = run_checks(vals, [], "gb2021")
    # every results leaf but （一） and （六） is missing: the sums cannot be evaluated, the row totals pass
    assert summary.passed == 3 and summary.failed == 0 and found == []
    full = _values("applications", {r: {c: 0 for c in one} for r in (
        "results.partially_disclosed", "results.withheld.state_secret", "results.withheld.prohibited_by_law",
        "results.withheld.three_safeties", "results.withheld.third_party_rights", "results.withheld.internal_affairs",
        "results.withheld.process_info", "results.withheld.enforcement_files", "results.withheld.admin_query",
        "results.unavailable.not_held", "results.unavailable.needs_creation", "results.unavailable.unclear",
        "results.not_processed.petition", "results.not_processed.duplicate", "results.not_processed.publication",
        "results.not_processed.excessive", "results.not_processed.confirm_reissue")})
    found, summary = run_checks(vals + full, [], "gb2021")
    assert found == [] and summary.failed == 0 and summary.passed == 20 + 7  # 20 row totals, 7 results sums


def _with_kind(vals, key, kind, raw):
    from extractors.records import Value

    out = [v for v in vals if (v.row, v.column) != key]
    return out + [Value(vals[0].table, key[0], key[1], None if kind != "number" else 0.0, kind, raw, key[0], None,
                        1.0, None, None, None, None)]


def test_a_blank_total_is_said_to_be_blank_not_a_printed_zero():
    import json

    from extractors.arithmetic.checks import run_checks
    from extractors.records import Finding

    cols = ["upheld", "corrected", "other", "pending", "total"]
    vals = _values("review_litigation", {"review": dict(zip(cols, [2, 1, 0, 0, 3], strict=True))})
    blank = _with_kind(vals, ("review", "total"), "blank", "")
    found, summary = run_checks(blank, [], "gb2021")
    assert summary.failed == 1
    msg = found[0].message
    assert "the parts add up to 3 but the review.total cell is blank" in msg and "0 is printed" not in msg
    assert found[0].detail["printed_as"]["review_litigation.review.total"] == "blank"
    assert found[0].detail["printed_as"]["review_litigation.review.upheld"] == "2"
    assert json.loads(Finding(**{**found[0].__dict__}).as_record()["detail"])["printed_as"]
    zero = _with_kind(vals, ("review", "total"), "number", "0")
    found, _ = run_checks(zero, [], "gb2021")
    assert "the parts add up to 3 but 0 is printed" in found[0].message
    assert found[0].detail["printed_as"]["review_litigation.review.total"] == "0"


def test_blank_and_slash_parts_are_said_to_count_as_zero():
    from extractors.arithmetic.checks import run_checks

    cols = ["upheld", "corrected", "other", "pending", "total"]
    vals = _values("review_litigation", {"review": dict(zip(cols, [2, 1, 0, 0, 5], strict=True))})
    vals = _with_kind(_with_kind(vals, ("review", "other"), "blank", ""), ("review", "pending"), "not_applicable", "/")
    found, _ = run_checks(vals, [], "gb2021")
    msg = found[0].message
    assert "add up to 3 (counted as 0: review.other blank, review.pending not applicable ('/')) but 5 is printed" \
        in msg, msg
