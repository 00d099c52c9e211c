"""Cross-year checks: one agency's consecutive reports must chain (the spec's checks of
scope `cross_year`).

- `applications.carry_chain`: for every column, 上年结转 (carried_over) of year N equals
  结转下年度继续办理 (carried_forward) of year N-1;
- `active_disclosure.in_force_chain` (gb2021 both years): 现行有效件数 of year N equals
  year N-1's plus 本年制发 minus 本年废止 of year N;
- `active_disclosure.items_chain` (gb2019 both years): 上一年项目数量 of year N equals year
  N-1's plus its 本年增/减.

A failure is a finding on the later report, naming both reports, with the verdict the
report checks give: `suspected_extraction_error` when a cell involved was not read straight
from print (inferred, rebuilt from a digit run, placed with doubt), else
`source_inconsistent`. A year with two reports of one agency is not compared (which one
chains is not known).
"""

from __future__ import annotations

import json

import pandas as pd

# Extraction findings that make a cell doubtful (extractors.tables / arithmetic).
DOUBTFUL = ("reconstructed_split", "ambiguous_split", "placement_inferred", "placement_ambiguous",
            "unreadable_value", "placed_by_order")
APP_COLUMNS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
               "legal_service_org", "other_org", "total")
IN_FORCE_ROWS = ("rules", "normative_documents")
ITEMS_ROWS = ("licensing", "other_services", "punishment", "coercion", "fees")
# Every row a chain reads (the derived-table step reads only these values).
CHAIN_ROWS = ("carried_over", "carried_forward", *IN_FORCE_ROWS, *ITEMS_ROWS)


def _cells(values: pd.DataFrame) -> dict[str, dict[tuple, tuple]]:
    """report_id → {(table, row, column): (value, read straight from print)}."""
    nums = values[(values["value_kind"] == "number") & values["row"].notna() & values["column"].notna()]
    out: dict[str, dict[tuple, tuple]] = {}
    cols = [nums[c].tolist() for c in ("report_id", "table", "row", "column", "value", "raw_value")]
    for rid, t, r, c, v, raw in zip(*cols, strict=True):  # (lists: iterating the frame cost ~1 µs a cell)
        out.setdefault(rid, {})[(t, r, c)] = (float(v), raw is not None and raw == raw)
    return out


def _doubtful(findings: pd.DataFrame) -> set[tuple]:
    f = findings[findings["check"].isin(DOUBTFUL)]
    return {(rid, t, r, c) for rid, t, r, c in f[["report_id", "table", "row", "column"]].itertuples(index=False)}


def _pairs(reports: pd.DataFrame) -> list[tuple[dict, dict]]:
    """(year N-1, year N) report pairs of one agency, one report per year (agencies in
    order of their id; the records are made once, not per agency)."""
    reps = reports[reports["agency_id"].notna() & reports["year"].notna() & reports["status"].isin(("ok", "partial"))]
    groups: dict[str, list[dict]] = {}
    for r in reps.to_dict("records"):
        groups.setdefault(r["agency_id"], []).append(r)
    out = []
    for aid in sorted(groups):
        group = groups[aid]
        counts: dict = {}
        for r in group:
            counts[r["year"]] = counts.get(r["year"], 0) + 1
        by_year = {int(r["year"]): r for r in group if counts[r["year"]] == 1}
        out += [(by_year[y - 1], by_year[y]) for y in sorted(by_year) if y - 1 in by_year]
    return out


def _equations(prev: dict, cur: dict) -> list[tuple[str, tuple, list]]:
    """(check, the later report's cell, the terms of its expected value: sign, report, cell)."""
    eqs = []
    for col in APP_COLUMNS:
        eqs.append(("applications.carry_chain", ("applications", "carried_over", col),
                    [(+1, "prev", ("applications", "carried_forward", col))]))
    if prev["template"] == cur["template"] == "gb2021":
        for row in IN_FORCE_ROWS:
            eqs.append(("active_disclosure.in_force_chain", ("active_disclosure", row, "in_force"),
                        [(+1, "prev", ("active_disclosure", row, "in_force")),
                         (+1, "cur", ("active_disclosure", row, "issued")),
                         (-1, "cur", ("active_disclosure", row, "repealed"))]))
    if prev["template"] == cur["template"] == "gb2019":
        for row in ITEMS_ROWS:
            eqs.append(("active_disclosure.items_chain", ("active_disclosure", row, "prev_year_items"),
                        [(+1, "prev", ("active_disclosure", row, "prev_year_items")),
                         (+1, "prev", ("active_disclosure", row, "change"))]))
    return eqs


def cross_year_findings(reports: pd.DataFrame, values: pd.DataFrame, findings: pd.DataFrame) -> list[dict]:
    """The findings of every broken chain, in the findings table's columns."""
    cells, doubtful, out = _cells(values), _doubtful(findings), []
    for prev, cur in _pairs(reports):
        got = {"prev": cells.get(prev["report_id"], {}), "cur": cells.get(cur["report_id"], {})}
        rid = {"prev": prev["report_id"], "cur": cur["report_id"]}
        for check, target, terms in _equations(prev, cur):
            if target not in got["cur"] or any(key not in got[side] for _, side, key in terms):
                continue  # a cell not printed (or not a number): nothing to compare
            expected = sum(sign * got[side][key][0] for sign, side, key in terms)
            printed = got["cur"][target][0]
            if abs(expected - printed) < 1e-6:
                continue
            involved = [("cur", target)] + [(side, key) for _, side, key in terms]
            suspect = [f"{'previous' if s == 'prev' else 'this'} report's {k[1]}.{k[2]} not read straight from print"
                       for s, k in involved if not got[s][k][1] or (rid[s], *k) in doubtful]
            verdict = "suspected_extraction_error" if suspect else "source_inconsistent"
            out.append({
                "report_id": cur["report_id"], "check": check, "severity": "warning", "table": target[0],
                "row": target[1], "column": target[2],
                "message": (f"{target[1]}.{target[2]} is {printed:g} in {cur['year']} but the {prev['year']} report "
                            f"gives {expected:g} ({'probably a report’s own error' if not suspect else 'possibly our extraction'})"),
                "detail": json.dumps({"verdict": verdict, "evidence": suspect, "expected": expected, "printed": printed,
                                      "previous_report_id": prev["report_id"], "report_id": cur["report_id"],
                                      "previous_year": int(prev["year"]), "year": int(cur["year"]),
                                      "agency_id": cur["agency_id"]}, ensure_ascii=False),
            })
    return out
