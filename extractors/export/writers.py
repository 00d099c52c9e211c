"""`ogi export`: the dataset in the files researchers open.

- `wide.csv`, `labels.csv`, `crosswalk.csv`, `agencies.csv`: UTF-8 with a BOM (Excel opens
  them with the Chinese intact);
- `ogi.xlsx`: the same as sheets, and a README sheet;
- `wide.dta`: Stata 118 (Unicode), variables named within 32 characters
  (`labels.stata_name`) and labelled in Chinese (`labels.label_zh`);
- `ogi.duckdb`: one DuckDB database with every table and convenience views;
- `wide.parquet`: the wide table, with the labels and the dictionary in its metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from extractors.dataset.query import read_table
from extractors.export.derived import derived_tables
from extractors.export.labels import label_rows
from extractors.export.wide import NOT_COMPARABLE, comparable, crosswalk_frame, wide_table

FORMATS = ("csv", "xlsx", "dta", "duckdb", "parquet")
# Stata's longest str# column (longer text is cut there; only paths and URLs get near it).
STATA_STR_MAX = 2045
REPORT_LABELS = {"report_id": "报告编号 (sha256)", "agency_id": "机关面板编号", "agency": "机关名称", "year": "年度",
                 "template": "格式版本", "status": "提取状态", "province": "省级", "prefecture": "地级",
                 "county": "县级", "township": "乡级", "adcode": "行政区划代码", "admin_level": "行政层级",
                 "agency_kind": "机关类型", "parent_government": "所属人民政府", "published_on": "发布日期",
                 "source_path": "文件路径", "source_url": "来源网址", "cells_expected": "应有单元格数",
                 "cells_found": "读出单元格数", "checks_passed": "通过的校验", "checks_failed": "未通过的校验"}
VIEWS = {
    "report_cells": """SELECT v.*, r.agency_id, r.agency, r.year, r.template, r.province, r.admin_level,
        l.label_zh, l.label_en, l.unit FROM "values" v JOIN reports r USING (report_id)
        LEFT JOIN labels l ON l."table" = v."table" AND l."row" = v."row" AND l."column" = v."column" """,
    "applications_per_agency_year": """SELECT r.agency_id, r.agency, r.province, r.year, v.value AS applications
        FROM "values" v JOIN reports r USING (report_id)
        WHERE v."table" = 'applications' AND v."row" = 'new_received' AND v."column" = 'total'
        AND v.value_kind = 'number'""",
    "disclosure_rate": """SELECT report_id, agency_id, province, year,
        applications_results_disclosed_total / NULLIF(applications_results_total_total, 0) AS disclosed_share
        FROM wide""",
    "check_failures": """SELECT f.*, r.agency, r.year, r.province, json_extract_string(f.detail, '$.verdict') AS verdict
        FROM findings f JOIN reports r USING (report_id) WHERE f."check" LIKE '%.%'""",
}


def _tables(dataset: Path) -> dict[str, pd.DataFrame]:
    reports, values, findings = (read_table(dataset, n) for n in ("reports", "values", "findings"))
    if reports is None:
        raise FileNotFoundError(f"{dataset}: no reports.parquet (run `ogi extract` first)")
    derived = derived_tables(dataset)
    out = {"reports": reports.to_pandas(), "values": values.to_pandas(), "findings": findings.to_pandas()}
    out.update({k: v.to_pandas() for k, v in derived.items()})
    out["wide"] = wide_table(out["reports"], out["values"])
    out["crosswalk"] = crosswalk_frame()
    out["comparable"] = comparable(out["wide"])
    return out


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Lists as '; '-joined text (CSV, Excel and Stata cells hold no lists)."""
    df = df.copy()
    for c in df.columns:
        if df[c].map(lambda x: isinstance(x, list | tuple) or hasattr(x, "tolist") and not isinstance(x, str)).any():
            df[c] = df[c].map(lambda x: "; ".join(map(str, list(x))) if x is not None and not isinstance(x, float) else None)
    return df


def write_csv(t: dict[str, pd.DataFrame], to: Path) -> list[Path]:
    paths = []
    for name in ("wide", "labels", "crosswalk", "agencies"):
        p = to / f"{name}.csv"
        _flat(t[name]).to_csv(p, index=False, encoding="utf-8-sig")
        paths.append(p)
    return paths


def write_xlsx(t: dict[str, pd.DataFrame], to: Path) -> list[Path]:
    p = to / "ogi.xlsx"
    readme = pd.DataFrame({"ogi-reports export": [
        "wide: one row per report, one column per canonical cell (labels: what each column is)",
        "crosswalk: which cells compare across gb2019 and gb2021 and how", *NOT_COMPARABLE,
        "agencies: one row per agency_id (the panel)"]})
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        readme.to_excel(xw, sheet_name="README", index=False)
        for name in ("wide", "labels", "crosswalk", "agencies"):
            frame = _flat(t[name])
            if name == "wide":
                frame = frame.assign(published_on=frame["published_on"].astype("string"))
            frame.to_excel(xw, sheet_name=name, index=False)
    return [p]


def write_dta(t: dict[str, pd.DataFrame], to: Path) -> list[Path]:
    wide = _flat(t["wide"])
    names = {r["variable"]: r["stata_name"] for r in label_rows()}
    labels = {r["stata_name"]: r["label_zh"][-80:] for r in label_rows()}  # Stata labels hold 80 characters
    labels.update(REPORT_LABELS)
    wide = wide.rename(columns=names)
    for c in wide.columns:
        if pd.api.types.is_object_dtype(wide[c]) or pd.api.types.is_string_dtype(wide[c]) or wide[c].isna().all():
            wide[c] = wide[c].astype(object).where(wide[c].notna(), "").map(lambda s: str(s)[:STATA_STR_MAX])
        elif str(wide[c].dtype).startswith(("Int", "int")):
            wide[c] = wide[c].astype("float64")
    p = to / "wide.dta"
    wide.to_stata(p, write_index=False, version=118, variable_labels={k: v for k, v in labels.items() if k in wide.columns},
                  data_label="ogi-reports: 政府信息公开工作年度报告 (wide)")
    return [p]


def write_duckdb(t: dict[str, pd.DataFrame], to: Path) -> list[Path]:
    import duckdb

    p = to / "ogi.duckdb"
    p.unlink(missing_ok=True)
    con = duckdb.connect(str(p))
    try:
        for name in ("reports", "values", "findings", "agencies", "labels", "panel_findings", "wide", "crosswalk",
                     "comparable"):
            con.register("_frame", t[name])
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        for name, sql in VIEWS.items():
            con.execute(f'CREATE VIEW "{name}" AS {sql}')
    finally:
        con.close()
    return [p]


def write_parquet(t: dict[str, pd.DataFrame], to: Path) -> list[Path]:
    from schemas.dictionary import dictionary

    p = to / "wide.parquet"
    table = pa.Table.from_pandas(t["wide"], preserve_index=False)
    meta = {"ogi.table": "wide", "ogi.labels": json.dumps(list(label_rows()), ensure_ascii=False),
            "ogi.dictionary": json.dumps(dictionary()["reports"], ensure_ascii=False)}
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **meta}), p)
    return [p]


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "dta": write_dta, "duckdb": write_duckdb, "parquet": write_parquet}


def export(dataset: Path, to: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the exports of the dataset at `dataset` into folder `to`; the files written."""
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    tables = _tables(Path(dataset))
    to = Path(to)
    to.mkdir(parents=True, exist_ok=True)
    return [p for f in formats for p in WRITERS[f](tables, to)]
