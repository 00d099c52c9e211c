"""Synthetic reports for the scale benchmark (`benchmarks.scale`): report, value and
finding rows generated directly, vectorised, for any number of reports.

Imports nothing of `extractors.dataset`, so the benchmark can run it against the code of
the layout before segments too.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from extractors.records import EXTRACTOR_VERSION, DocResult
from schemas import FINDINGS, REPORTS, VALUES

# The 31 province-level divisions of the mainland (the reporting agencies' first level).
PROVINCES = ("北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
             "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
             "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省",
             "青海省", "宁夏回族自治区", "新疆维吾尔自治区")
# Seven report years (the "seven years of reports"); gb2019 for 2019-2020, gb2021 after.
YEARS = tuple(range(2019, 2026))
# Findings per report in the synthetic data (real reports: ~0.2 arithmetic findings each,
# plus reader notes; one in five keeps the findings table realistic in size).
FINDING_EVERY = 5


def template_of(year: int) -> str:
    return "gb2019" if year <= 2020 else "gb2021"


def cells(template: str) -> list[tuple[str, str, str]]:
    """Every (table, row, column) a complete report of `template` prints, sorted."""
    from schemas.canonical import schema

    s = schema()
    keys = [(t, r.key, c.key) for t in ("active_disclosure", "applications", "review_litigation")
            for r in s.rows(t, template) for c in s.columns(t, r.key, template)]
    return sorted(keys)


def report_id(i: int) -> str:
    return hashlib.sha256(f"synthetic report {i}".encode()).hexdigest()


def agency(i: int) -> str:
    return f"{PROVINCES[i % len(PROVINCES)]}第{i // len(PROVINCES) % 5000}局"


def reports_table(idx: np.ndarray, ids: list[str], year: int) -> pa.Table:
    n = len(ids)
    paths = [f"{PROVINCES[i % len(PROVINCES)]}/{i}/{year}.html" for i in idx]
    offsets = pa.array(np.arange(n + 1, dtype=np.int32))
    cols = {
        "report_id": pa.array(ids), "source_path": pa.array(paths),
        "source_paths": pa.ListArray.from_arrays(offsets, pa.array(paths)),
        "format": pa.array(["html"] * n), "template": pa.array([template_of(year)] * n),
        "year": pa.array(np.full(n, year, dtype=np.int32)), "agency": pa.array([agency(i) for i in idx]),
        "title": pa.array([f"{agency(i)}{year}年政府信息公开工作年度报告" for i in idx]),
        "status": pa.array(["ok"] * n), "n_values": pa.array(np.full(n, len(cells(template_of(year))), np.int32)),
        "n_findings": pa.array((idx % FINDING_EVERY == 0).astype(np.int32)),
        "extracted_at": pa.array([datetime(2026, 1, 1, tzinfo=UTC)] * n, pa.timestamp("us", tz="UTC")),
        "extractor_version": pa.array([EXTRACTOR_VERSION] * n),
    }
    return conform(pa.table(cols), REPORTS)


def values_table(ids: list[str], template: str, rng) -> pa.Table:
    """Values sorted as a segment keeps them: by cell, then report."""
    keys = cells(template)
    n, k = len(ids), len(keys)
    cell = np.repeat(np.arange(k), n)
    rep = np.tile(np.arange(n), k)
    numbers = rng.integers(0, 500, n * k)
    pool = pa.array([str(x) for x in range(500)])
    cols = {
        "report_id": pa.array(sorted(ids)).take(pa.array(rep)),
        "table": pa.array([c[0] for c in keys]).take(pa.array(cell)),
        "row": pa.array([c[1] for c in keys]).take(pa.array(cell)),
        "column": pa.array([c[2] for c in keys]).take(pa.array(cell)),
        "value": pa.array(numbers.astype(np.float64)), "value_kind": pa.array(["number"] * 1).take(pa.array(np.zeros(n * k, np.int32))),
        "raw_value": pool.take(pa.array(numbers)), "match_score": pa.array(np.ones(n * k)),
        "seq": pa.array(cell.astype(np.int32)),
    }
    return conform(pa.table(cols), VALUES)


def findings_table(idx: np.ndarray, ids: list[str]) -> pa.Table:
    chosen = [rid for i, rid in zip(idx, ids, strict=True) if i % FINDING_EVERY == 0]
    n = len(chosen)
    return conform(pa.table({"report_id": pa.array(chosen), "check": pa.array(["applications.balance"] * n),
                             "severity": pa.array(["warning"] * n), "message": pa.array(["结转不平衡"] * n)}), FINDINGS)


def synth_results(first: int, k: int, year: int = YEARS[-1], bump: int = 0) -> list[DocResult]:
    """`k` synthetic documents as the pipeline would return them (numbers from `bump`)."""
    template = template_of(year)
    keys = cells(template)
    results = []
    for i in range(first, first + k):
        rid = report_id(i)
        rep = reports_table(np.array([i]), [rid], year).to_pylist()[0]
        values = [{"report_id": rid, "table": t, "row": r, "column": c, "value": float((i + j + bump) % 500),
                   "value_kind": "number", "raw_value": str((i + j + bump) % 500), "match_score": 1.0, "seq": j}
                  for j, (t, r, c) in enumerate(keys)]
        results.append(DocResult(rep, values, []))
    return results


def conform(t: pa.Table, schema: pa.Schema) -> pa.Table:
    """`t` with the schema's missing columns null, in the schema's order and types."""
    for f in schema:
        if f.name not in t.column_names:
            t = t.append_column(f.name, pa.nulls(t.num_rows, f.type))
    return t.select(schema.names).cast(schema)
