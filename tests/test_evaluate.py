"""The scorer on small hand-made frames: exact precision / recall in simple cases."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from extractors.evaluate.scoring import EvalResult, load_gold, normalize_agency, score, value_matches

GOLD_A = {
    "path": "txt/a.txt", "format": "txt", "template": "gb2021", "year": 2022, "agency": "临淄区工业和信息化局",
    "cells": [
        ["applications", "new_received", "natural_person", 3],
        ["applications", "new_received", "total", 3],
        ["active_disclosure", "fees", "amount_10k_yuan", 9116.36],
        ["review_litigation", "review", "total", 0],
    ],
}
GOLD_B = {
    "path": "docx/b.docx", "format": "docx", "template": "gb2019", "year": 2020, "agency": "淮安市洪泽区人民政府",
    "cells": [
        ["active_disclosure", "rules", "new_made", "/"],
        ["applications", "carried_over", "total", None],
        ["active_disclosure", "punishment", "change", -18],
        ["active_disclosure", "procurement", "amount", 73802895.9],
    ],
}


def _reports(*docs, ids=None):
    rows = []
    for i, g in enumerate(docs):
        rows.append({"report_id": (ids or {}).get(g["path"], f"r{i}"), "source_path": g["path"], "format": g["format"],
                     "template": g["template"], "year": g["year"], "agency": g["agency"], "status": "ok"})
    return pd.DataFrame(rows, columns=["report_id", "source_path", "format", "template", "year", "agency", "status"])


def _values(report_id, gold, overrides=None, drop=(), extra=()):
    """Predictions equal to the gold, with some cells changed / dropped / added."""
    overrides = overrides or {}
    rows = []
    for t, r, c, v in gold["cells"]:
        key = (t, r, c)
        if key in drop:
            continue
        if key in overrides:
            value, kind = overrides[key]
        elif v is None:
            value, kind = math.nan, "blank"
        elif isinstance(v, str):
            value, kind = math.nan, "not_applicable"
        else:
            value, kind = float(v), "number"
        rows.append({"report_id": report_id, "table": t, "row": r, "column": c, "value": value,
                     "value_kind": kind, "raw_value": "" if math.isnan(value) else str(value)})
    for t, r, c, value in extra:
        rows.append({"report_id": report_id, "table": t, "row": r, "column": c, "value": value,
                     "value_kind": "number", "raw_value": str(value)})
    return pd.DataFrame(rows, columns=["report_id", "table", "row", "column", "value", "value_kind", "raw_value"])


def _both(va, vb):
    return pd.concat([va, vb], ignore_index=True)


def test_perfect():
    res = score(_both(_values("r0", GOLD_A), _values("r1", GOLD_B)), _reports(GOLD_A, GOLD_B), [GOLD_A, GOLD_B])
    assert isinstance(res, EvalResult)
    assert (res.overall.right, res.overall.predicted, res.overall.gold) == (8, 8, 8)
    assert res.overall.precision == 1.0 and res.overall.recall == 1.0 and res.overall.f1 == 1.0
    assert res.docs_exact == 1.0
    assert res.template_accuracy == res.year_accuracy == res.agency_accuracy == 1.0
    assert res.by_format["txt"].precision == 1.0 and res.by_template["gb2019"].recall == 1.0
    assert res.worst() == []


def test_one_wrong_value():
    va = _values("r0", GOLD_A, overrides={("applications", "new_received", "natural_person"): (4.0, "number")})
    res = score(_both(va, _values("r1", GOLD_B)), _reports(GOLD_A, GOLD_B), [GOLD_A, GOLD_B])
    assert (res.overall.right, res.overall.predicted, res.overall.gold) == (7, 8, 8)
    assert res.overall.precision == pytest.approx(7 / 8)
    assert res.overall.recall == pytest.approx(7 / 8)
    assert res.by_format["txt"].precision == pytest.approx(3 / 4)
    assert res.by_format["docx"].precision == 1.0
    assert res.docs_exact == 0.5
    worst = res.worst()
    assert [d.path for d in worst] == ["txt/a.txt"]
    assert worst[0].wrong == [("applications", "new_received", "natural_person", 3, 4)]
    assert worst[0].missing == []


def test_one_missing_cell():
    va = _values("r0", GOLD_A, drop={("review_litigation", "review", "total")})
    res = score(va, _reports(GOLD_A), [GOLD_A])
    assert (res.overall.right, res.overall.predicted, res.overall.gold) == (3, 3, 4)
    assert res.overall.precision == 1.0
    assert res.overall.recall == pytest.approx(3 / 4)
    assert res.overall.f1 == pytest.approx(2 * 1 * 0.75 / 1.75)
    assert res.docs[0].missing == [("review_litigation", "review", "total", 0)]
    assert not res.docs[0].exact


def test_unreadable_is_not_a_prediction():
    va = _values("r0", GOLD_A, overrides={("active_disclosure", "fees", "amount_10k_yuan"): (math.nan, "unreadable")})
    res = score(va, _reports(GOLD_A), [GOLD_A])
    assert (res.overall.right, res.overall.predicted, res.overall.gold) == (3, 3, 4)
    assert res.overall.precision == 1.0
    assert res.overall.recall == pytest.approx(3 / 4)
    assert res.docs[0].missing == [("active_disclosure", "fees", "amount_10k_yuan", 9116.36)]


def test_missing_document_counts_as_fully_missed():
    res = score(_values("r0", GOLD_A), _reports(GOLD_A), [GOLD_A, GOLD_B])
    assert (res.overall.right, res.overall.predicted, res.overall.gold) == (4, 4, 8)
    assert res.overall.precision == 1.0
    assert res.overall.recall == 0.5
    assert res.by_format["docx"].recall == 0.0
    assert res.n_missing_docs == 1
    assert res.docs_exact == 0.5
    assert res.template_accuracy == res.year_accuracy == res.agency_accuracy == 0.5
    assert res.worst()[0].path == "docx/b.docx" and not res.worst()[0].found
    assert "NOT EXTRACTED" in res.format_text()


def test_extra_and_duplicate_predictions_lower_precision():
    extra = [("applications", "carried_over", "total", 0.0), ("applications", "new_received", "total", 3.0)]
    res = score(_values("r0", GOLD_A, extra=extra), _reports(GOLD_A), [GOLD_A])
    assert (res.overall.right, res.overall.predicted, res.overall.gold) == (4, 6, 4)
    assert res.overall.precision == pytest.approx(4 / 6)
    assert res.overall.recall == 1.0
    assert res.docs[0].extra == [("applications", "carried_over", "total", 0)]
    assert not res.docs[0].exact


def test_string_null_and_none_conventions():
    assert value_matches("/", math.nan, "not_applicable")
    assert value_matches("—", None, "not_applicable")
    assert not value_matches("/", 0.0, "number")
    assert value_matches(None, math.nan, "blank")
    assert not value_matches(None, 0.0, "number")
    assert value_matches(0, 0.0, "number")
    assert value_matches("无", 0.0, "number")
    assert value_matches(73802895.9, 73802895.90000001, "number")
    assert not value_matches(73802895.9, 73803895.9, "number")  # off by 1000: beyond 1e-6 relative
    assert not value_matches(9116.36, 9116.37, "number")
    assert value_matches(-18, -18.0, "number")
    assert not value_matches(3, math.nan, "number")


def test_agency_comparison_ignores_script_and_spaces():
    assert normalize_agency("臨淄區工業和信息化局") == normalize_agency("临淄区 工业和信息化局")
    res = score(_values("r0", GOLD_A), _reports({**GOLD_A, "agency": "臨淄區工業和信息化局"}), [GOLD_A])
    assert res.agency_accuracy == 1.0


def test_report_ids_and_paths(tmp_path):
    """Reports are joined by path (backslashes tolerated), values by report_id."""
    reports = _reports(GOLD_A, ids={"txt/a.txt": 17})
    reports["source_path"] = ["txt\\a.txt"]
    res = score(_values(17, GOLD_A), reports, [GOLD_A])
    assert res.overall.recall == 1.0
    d = res.to_dict()
    json.dumps(d)  # serialisable
    assert d["overall"]["precision"] == 1.0 and d["n_docs"] == 1


def test_load_gold(tmp_path):
    p = tmp_path / "gold.jsonl"
    p.write_text(json.dumps(GOLD_A, ensure_ascii=False) + "\n\n" + json.dumps(GOLD_B, ensure_ascii=False) + "\n",
                 encoding="utf-8")
    gold = load_gold(p)
    assert [g["path"] for g in gold] == ["txt/a.txt", "docx/b.docx"]


def test_real_fixture_gold_loads():
    gold = load_gold("tests/fixtures/real/gold.jsonl")
    assert {g["format"] for g in gold} >= {"txt", "pdf"}
    # scoring gold against itself-shaped predictions is perfect
    g = gold[0]
    res = score(_values("x", g), _reports(g, ids={g["path"]: "x"}), [g])
    assert res.overall.f1 == 1.0


def test_report_text_and_floor(tmp_path):
    from extractors.evaluate.report import EvalReport, check_floor
    from extractors.evaluate.scoring import Counts

    result = EvalResult(Counts(9, 10, 10), {"txt": Counts(9, 10, 10), "pdf": Counts(0, 0, 5)}, {}, [])
    floor = tmp_path / "floor.json"
    floor.write_text(json.dumps({"f1": {"txt": 0.8}, "docs_exact": 0.5}), encoding="utf-8")
    problems = check_floor(result, floor)
    assert problems == [f"format pdf: no floor in {floor}", "documents exact 0.0000 below the floor 0.5"]
    floor.write_text(json.dumps({"f1": {"txt": 0.95, "pdf": 0.0}}), encoding="utf-8")
    assert check_floor(result, floor) == ["format txt: F1 0.9000 below the floor 0.95"]
    report = EvalReport("corpus", result, result, {"doc": {"unsupported_format": 2}, "txt": {"ok": 3}})
    text = report.format_text()
    assert "baseline (labels matched only" in text and "  format pdf     P 0.000  R 0.000  F1 0.000" in text
    assert "  doc    unsupported_format 2  (no extractor for this format yet)" in text and "  txt    ok 3" in text
    assert report.to_dict()["statuses"] == {"doc": {"unsupported_format": 2}, "txt": {"ok": 3}}


# ---- agency, publication date, 索引号 ------------------------------------------------------------
def _one(gold: dict, **report) -> object:
    rep = _reports(gold)
    for k, v in report.items():
        rep[k] = [v]
    return score(_values("r0", gold), rep, [gold])


def test_agency_alternatives_of_the_gold_are_accepted():
    gold = {**GOLD_A, "agency": "上海市科委", "agency_alt": ["上海市科学技术委员会"]}
    assert _one(gold, agency="上海市科学技术委员会").agency_accuracy == 1.0
    assert _one(gold, agency="上海市科委").agency_accuracy == 1.0
    assert _one(gold, agency="市科委").agency_accuracy == 0.0
    result = _one(gold, agency="市科委")
    assert "agency wrong: txt/a.txt: gold '上海市科委' got '市科委'" in result.format_text()
    assert result.agency_by_format == {"txt": 0.0}


def test_a_document_that_is_not_a_report_must_name_no_agency():
    notice = {**GOLD_A, "template": None, "year": None, "agency": None, "cells": []}
    ok = _one(notice, agency=None, template=None, year=2023)
    assert (ok.agency_accuracy, ok.template_accuracy, ok.year_accuracy) == (1.0, 1.0, 1.0)
    assert _one(notice, agency="做好", template=None).agency_accuracy == 0.0
    assert _one(notice, agency=None, template="gb2021").template_accuracy == 0.0


def test_publication_date_and_index_number_scored_where_the_gold_states_them():
    gold = {**GOLD_A, "published_on": "2023-02-20", "index_number": "11320811MB1234567X/2023-00012"}
    import datetime

    right = _one(gold, published_on=datetime.date(2023, 2, 20), index_number="11320811MB1234567X/2023-00012")
    assert right.published_accuracy == (1.0, 1) and right.index_accuracy == (1.0, 1)
    wrong = _one(gold, published_on=datetime.date(2023, 2, 21), index_number=None)
    assert wrong.published_accuracy == (0.0, 1) and wrong.index_accuracy == (0.0, 1)
    assert _one(GOLD_A).published_accuracy == (0.0, 0)  # no gold date: not scored
    d = wrong.to_dict()
    assert (d["published_on_accuracy"], d["published_on_docs"], d["index_number_accuracy"]) == (0.0, 1, 0.0)


def test_the_floor_covers_agency_and_dates(tmp_path):
    from extractors.evaluate.report import check_floor

    floor = tmp_path / "floor.json"
    floor.write_text(json.dumps({"f1": {"txt": 0.5}, "agency": 0.99, "published_on": 0.99}), encoding="utf-8")
    gold = {**GOLD_A, "published_on": "2023-02-20"}
    problems = check_floor(_one(gold, agency="别的局"), floor)
    assert any("agency right on 0.0000" in p for p in problems)
    assert any("published_on right on 0.0000 of 1" in p for p in problems)
    assert check_floor(_one(gold, published_on="2023-02-20"), floor) == []
