"""A generated panel (benchmarks.synth.panel) read by the real flow: one agency_id per agency
over seven years and name variants, and exactly the one cross-year break put in."""

from __future__ import annotations

import json

import pandas as pd

from benchmarks.synth.panel import YEARS, generate_panel
from extractors.evaluate.region import score_regions
from flows.cli import main

AGENCIES = 5


def test_panel_ids_and_cross_year_checks(tmp_path):
    corpus, out = tmp_path / "panel", tmp_path / "out"
    gold = generate_panel(corpus, AGENCIES, seed=3, break_chain=True)
    assert main(["extract", str(corpus), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    reports = pd.read_parquet(out / "reports.parquet")
    agencies = pd.read_parquet(out / "agencies.parquet")
    assert len(agencies) == AGENCIES
    assert all(list(y) == list(YEARS) for y in agencies.years)
    assert agencies.names.map(len).max() >= 2  # name variants joined under one id
    by_path = {r["source_path"]: r for r in reports.to_dict("records")}
    regions = score_regions([(g, by_path[g["path"]]) for g in gold])
    assert regions.region_right == regions.docs == len(gold) and regions.agencies == AGENCIES
    assert regions.agencies_split == regions.ids_shared == 0
    panel = pd.read_parquet(out / "panel_findings.parquet")
    first = {g["year"]: g["path"] for g in gold[: len(YEARS)]}  # the first agency's series
    assert sorted(panel.column) == ["natural_person", "total"] and set(panel.check) == {"applications.carry_chain"}
    assert set(panel.report_id) == {by_path[first[2022]]["report_id"]}
    for d in panel.detail.map(json.loads):
        assert d["previous_report_id"] == by_path[first[2021]]["report_id"] and d["printed"] - d["expected"] == 1
        assert d["verdict"] == "source_inconsistent"
