"""`ogi export`: every file opens in its tool with what it promises (real reports)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from extractors.export.labels import label_rows
from extractors.export.wide import CROSSWALK
from flows.cli import main


@pytest.fixture(scope="module")
def exported(research_dataset, tmp_path_factory):
    to = tmp_path_factory.mktemp("export")
    assert main(["export", "--out", str(research_dataset), "--to", str(to)]) == 0
    return research_dataset, to


def _reports(dataset):
    return pd.read_parquet(dataset / "reports.parquet")


def test_csv_has_a_bom_and_one_row_per_report(exported):
    dataset, to = exported
    raw = (to / "wide.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    wide = pd.read_csv(to / "wide.csv", encoding="utf-8-sig")
    reps = _reports(dataset)
    assert set(wide.report_id) == set(reps[reps.template.notna()].report_id)
    hongze = wide[wide.agency == "淮安市洪泽区人民政府"].iloc[0]
    v = pd.read_parquet(dataset / "values.parquet")
    rid = hongze.report_id
    cell = v[(v.report_id == rid) & (v.row == "new_received") & (v.column == "total")].value.iloc[0]
    assert hongze.applications_new_received_total == cell and hongze.province == "江苏省"
    labels = pd.read_csv(to / "labels.csv", encoding="utf-8-sig")
    assert len(labels) == len(label_rows()) and "自然人" in set(labels.column_label)


def test_xlsx_opens_with_its_sheets(exported):
    _, to = exported
    sheets = pd.read_excel(to / "ogi.xlsx", sheet_name=None)
    assert {"README", "wide", "labels", "crosswalk", "agencies"} <= set(sheets)
    assert "平潭综合实验区" in set(sheets["wide"].agency)
    assert len(sheets["crosswalk"]) == len(CROSSWALK)


def test_stata_file_has_chinese_variable_labels(exported):
    _, to = exported
    with pd.io.stata.StataReader(to / "wide.dta") as r:
        labels = r.variable_labels()
        data = r.read()
    name = next(x["stata_name"] for x in label_rows() if (x["row"], x["column"]) == ("new_received", "natural_person"))
    assert labels[name] == "一、本年新收政府信息公开申请数量：自然人"
    assert labels["province"] == "省级" and max(map(len, data.columns)) <= 32
    assert "福建省" in set(data.province)


def test_duckdb_database_has_tables_and_views(exported):
    dataset, to = exported
    con = duckdb.connect(str(to / "ogi.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"reports", "values", "findings", "agencies", "labels", "wide", "crosswalk", "comparable",
                "report_cells", "applications_per_agency_year", "disclosure_rate", "check_failures"} <= tables
        n = con.execute("SELECT count(*) FROM reports").fetchone()[0]
        assert n == len(_reports(dataset))
        pingtan = con.execute("SELECT count(DISTINCT agency_id), count(*) FROM applications_per_agency_year "
                          "WHERE agency = '平潭综合实验区'").fetchone()
        assert pingtan == (1, 3)
    finally:
        con.close()


def test_crosswalk_compares_other_results_by_their_sum(exported):
    dataset, to = exported
    con = duckdb.connect(str(to / "ogi.duckdb"), read_only=True)
    try:
        rows = con.sql("SELECT c.template, c.value, w.applications_results_other_overdue_correction_total, "
                       "w.applications_results_other_unpaid_fee_total, w.applications_results_other_other_total "
                       "FROM comparable c JOIN wide w USING (report_id) "
                       "WHERE c.measure = 'applications_results_other_total' AND c.template = 'gb2021'").fetchall()
    finally:
        con.close()
    assert rows and all(v == a + b + c for _, v, a, b, c in rows)


def test_unknown_format_and_missing_dataset_are_usage_errors(tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "none"), "--to", str(tmp_path / "x")]) == 2
    assert "--out" in capsys.readouterr().err
