"""The panel (agencies, cross-year checks), the labels table and the dictionary in every file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from extractors.export.derived import write_derived
from extractors.export.labels import STATA_MAX, label_rows
from extractors.panel.agencies import build_agencies
from extractors.panel.crossyear import cross_year_findings
from extractors.pipeline import process_path
from schemas.canonical import schema
from schemas.dictionary import DOC, dictionary, parse

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "fixtures" / "real"


def _frames(names: list[str], years: list[int] | None = None):
    results = [process_path(REAL / n, REAL) for n in names]
    reports = pd.DataFrame([r.report for r in results])
    if years:
        reports["year"] = years
    values = pd.DataFrame([v for r in results for v in r.values])
    findings = pd.DataFrame([f for r in results for f in r.findings],
                            columns=["report_id", "check", "severity", "table", "row", "column", "message", "detail"])
    return reports, values, findings


def test_agencies_table_joins_the_years_of_one_agency():
    reports, _, _ = _frames(["pingtan-2020.txt", "pingtan-2022.txt", "pingtan-2024.txt", "kewei-2024.txt"])
    agencies = build_agencies(reports).to_pandas()
    assert len(agencies) == 2
    pingtan = agencies[agencies.county == "平潭县"].iloc[0]
    assert list(pingtan.years) == [2020, 2022, 2024] and pingtan.n_reports == 3
    assert (pingtan.first_year, pingtan.last_year, pingtan.adcode) == (2020, 2024, "350128")


def test_cross_year_carry_chain_on_real_reports():
    """The 2022 and 2024 Pingtan reports, taken as consecutive years: every column whose
    上年结转 differs from the earlier 结转下年度继续办理 is a finding on the later report."""
    reports, values, findings = _frames(["pingtan-2022.txt", "pingtan-2024.txt"], years=[2023, 2024])
    got = cross_year_findings(reports, values, findings)
    later, earlier = reports.report_id[1], reports.report_id[0]
    nums = values[values.value_kind == "number"].set_index(["report_id", "table", "row", "column"])["value"]
    expected_carry = {c for c in ("natural_person", "commercial_enterprise", "research_institution",
                                  "social_welfare_org", "legal_service_org", "other_org", "total")
                      if (later, "applications", "carried_over", c) in nums.index
                      and (earlier, "applications", "carried_forward", c) in nums.index
                      and nums[(later, "applications", "carried_over", c)] != nums[(earlier, "applications", "carried_forward", c)]}
    carry = [f for f in got if f["check"] == "applications.carry_chain"]
    assert {f["column"] for f in carry} == expected_carry
    in_force = [f for f in got if f["check"] == "active_disclosure.in_force_chain"]
    for f in carry + in_force:
        d = json.loads(f["detail"])
        assert f["report_id"] == later and d["previous_report_id"] == earlier
        assert d["verdict"] in ("source_inconsistent", "suspected_extraction_error")
    for row in ("rules", "normative_documents"):
        cells = [(later, "active_disclosure", row, "in_force"), (earlier, "active_disclosure", row, "in_force"),
                 (later, "active_disclosure", row, "issued"), (later, "active_disclosure", row, "repealed")]
        if all(c in nums.index for c in cells):
            a, b, i, r = (nums[c] for c in cells)
            assert (a != b + i - r) == any(f["row"] == row for f in in_force)


def test_a_chain_that_holds_gives_no_finding_and_gaps_are_not_compared():
    reports, values, findings = _frames(["pingtan-2022.txt", "pingtan-2024.txt"])  # 2022, 2024: a gap
    assert cross_year_findings(reports, values, findings) == []
    reports, values, findings = _frames(["pingtan-2022.txt"])
    reports = pd.concat([reports, reports.assign(report_id="copy", year=2023)], ignore_index=True)
    copy = values.copy()
    copy["report_id"] = "copy"
    # the copy's 上年结转 is set to the original's 结转下年度继续办理: the chain holds
    fwd = copy[(copy.row == "carried_forward") & (copy.table == "applications")].set_index("column")["value"]
    mask = (copy.row == "carried_over") & (copy.table == "applications")
    copy.loc[mask, "value"] = copy.loc[mask, "column"].map(fwd)
    values = pd.concat([values, copy])
    assert [f for f in cross_year_findings(reports, values, findings) if f["check"] == "applications.carry_chain"] == []


def test_labels_cover_every_canonical_cell():
    rows = label_rows()
    s = schema()
    for template in ("gb2019", "gb2021"):
        want = {(t, r.key, c.key) for t in ("active_disclosure", "applications", "review_litigation")
                for r in s.rows(t, template) for c in s.columns(t, r.key, template)}
        have = {(r["table"], r["row"], r["column"]) for r in rows if template in r["templates"]}
        assert have == want
    assert len({r["variable"] for r in rows}) == len(rows) == len({r["stata_name"] for r in rows})
    assert max(len(r["stata_name"]) for r in rows) <= STATA_MAX
    new = next(r for r in rows if (r["row"], r["column"]) == ("new_received", "natural_person"))
    assert new["column_label"] == "自然人" and new["unit"] == "件" and "本年新收" in new["row_label"]


def test_dictionary_json_is_the_markdown(tmp_path):
    assert parse(DOC.read_text(encoding="utf-8")) == dictionary()


def test_every_written_file_carries_its_dictionary(tmp_path):
    from flows.cli import main

    assert main(["extract", str(REAL), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    from extractors.dataset.query import files

    out = tmp_path / "out"
    paths = {name: files(out, name) for name in ("reports", "values", "findings")}  # every segment file
    paths |= {name: [out / f"{name}.parquet"] for name in ("agencies", "labels", "panel_findings")}
    for name, found in paths.items():
        assert found, name
        for path in found:
            sch = pq.read_schema(path)
            cols = json.loads(sch.metadata[b"ogi.dictionary"])
            assert set(cols) == set(sch.names), (name, path)
            assert sch.field(sch.names[0]).metadata[b"description"]
    assert write_derived(tmp_path / "out")["agencies"] == 3


def test_a_broken_chain_is_a_finding_on_the_later_report():
    reports, values, findings = _frames(["pingtan-2022.txt"])
    reports = pd.concat([reports, reports.assign(report_id="later", year=2023)], ignore_index=True)
    later = values.copy()
    later["report_id"] = "later"
    fwd = later[(later.row == "carried_forward") & (later.table == "applications")].set_index("column")["value"]
    mask = (later.row == "carried_over") & (later.table == "applications")
    later.loc[mask, "value"] = later.loc[mask, "column"].map(fwd)
    later.loc[mask & (later.column == "natural_person"), "value"] += 3
    got = cross_year_findings(reports, pd.concat([values, later]), findings)
    carry = [f for f in got if f["check"] == "applications.carry_chain"]
    assert [(f["report_id"], f["column"]) for f in carry] == [("later", "natural_person")]
    d = json.loads(carry[0]["detail"])
    assert d["previous_report_id"] == reports.report_id[0] and d["printed"] - d["expected"] == 3
    assert d["verdict"] == "source_inconsistent" and (d["previous_year"], d["year"]) == (2022, 2023)
    # gb2021 both years: the in-force chain of 规章 (现行有效 = last year's + 制发 − 废止)
    ad = (later.table == "active_disclosure") & (later.row == "rules")
    cur = later[ad].set_index("column")["value"]
    if {"in_force", "issued", "repealed"} <= set(cur.index):
        chained = values[(values.table == "active_disclosure") & (values.row == "rules")].set_index("column")["value"]
        later.loc[ad & (later.column == "in_force"), "value"] = chained["in_force"] + cur["issued"] - cur["repealed"]
        got = cross_year_findings(reports, pd.concat([values, later]), findings)
        assert not [f for f in got if f["check"] == "active_disclosure.in_force_chain" and f["row"] == "rules"]
        later.loc[ad & (later.column == "in_force"), "value"] += 1
        got = cross_year_findings(reports, pd.concat([values, later]), findings)
        assert [f["row"] for f in got if f["check"] == "active_disclosure.in_force_chain"].count("rules") == 1


def test_large_datasets_leave_the_derived_tables_to_ogi_derive(tmp_path, monkeypatch, capsys):
    """Over INLINE_MAX_REPORTS the extract run does not rebuild the derived tables (their cost
    grows with the dataset): it says so in its summary, and `ogi derive` builds them."""
    import extractors.export.derived as derived
    from flows.cli import main

    out = tmp_path / "out"
    monkeypatch.setattr(derived, "INLINE_MAX_REPORTS", 2)
    assert main(["extract", str(REAL), "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "derived tables (agencies, labels, panel_findings) not rebuilt" in printed and "ogi derive" in printed
    assert not (out / "agencies.parquet").exists()
    assert main(["derive", "--out", str(out)]) == 0
    assert pq.read_table(out / "agencies.parquet").num_rows == 3
    assert main(["derive", "--out", str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists()  # a mistyped --out creates nothing


def test_derived_tables_are_rebuilt_only_when_the_dataset_changed(tmp_path):
    """Each derived file records the version it was built from: a re-run on an unchanged
    folder leaves them as they are (no rebuild), a commit that adds a report rebuilds them."""
    from extractors.dataset.query import version
    from extractors.dataset.store import write_dataset
    from extractors.export.derived import BUILT_FROM_KEY, built_from, refresh_after_commit, up_to_date

    out = tmp_path / "out"
    write_dataset([process_path(REAL / "pingtan-2020.txt", REAL)], out)
    assert not up_to_date(out, built_from(version(out)))
    assert refresh_after_commit(out) is None
    stamp = built_from(version(out))
    assert up_to_date(out, stamp)
    assert pq.read_schema(out / "agencies.parquet").metadata[BUILT_FROM_KEY] == stamp
    before = {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in ("agencies", "labels", "panel_findings")}
    assert refresh_after_commit(out) is None  # unchanged: nothing rewritten
    assert before == {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in before}
    write_dataset([process_path(REAL / "pingtan-2022.txt", REAL)], out)
    assert not up_to_date(out, built_from(version(out)))
    assert refresh_after_commit(out) is None
    assert pq.read_table(out / "agencies.parquet").column("n_reports").to_pylist() == [2]
    (out / "labels.parquet").write_bytes(b"not parquet")  # a damaged file is rebuilt
    assert not up_to_date(out, built_from(version(out)))
