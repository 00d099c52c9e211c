"""Who reported: the region, level of government and kind of agency of every report.

`who_reported(report, text)` fills the report's `province`, `prefecture`, `county`,
`township`, `adcode`, `admin_level`, `agency_kind`, `parent_government`, `region_source`,
`gazetteer_version` and `agency_id` from its canonical agency name, the agency's other names
and the text (`extractors.region.resolve`), and returns the findings (`region_ambiguous`:
the candidates where the evidence names none of them). `refine_with_url` settles such a
report once its source URL is known (a crawl records it after extraction).
"""

from __future__ import annotations

import json

from extractors.region.gazetteer import Division, gazetteer
from extractors.region.kind import agency_kind, parent_government
from extractors.region.panel import agency_id
from extractors.region.resolve import Region, resolve, url_province

# The reports columns this package fills, all null until it does.
COLUMNS = ("province", "prefecture", "county", "township", "adcode", "admin_level", "agency_kind",
           "parent_government", "region_source", "gazetteer_version", "agency_id")
LEVEL_NAMES = {"province": "provincial", "prefecture": "prefecture", "county": "county"}
AMBIGUOUS = "region_ambiguous"


def columns(region: Region, name: str | None) -> dict:
    """The report columns of a resolved (or unresolved) region."""
    d = region.divisions
    lowest = d.get("county") or d.get("prefecture") or d.get("province")
    levels = {c.level for c in region.candidates}  # an unresolved name's level may be certain
    level = ("township" if region.township else LEVEL_NAMES[lowest.level] if lowest
             else LEVEL_NAMES[levels.pop()] if len(levels) == 1 else "national" if region.national else None)
    kind = agency_kind(region) if name else None
    return {
        "province": d["province"].name if "province" in d else None,
        "prefecture": d["prefecture"].name if "prefecture" in d else None,
        "county": d["county"].name if "county" in d else None,
        "township": region.township,
        "adcode": lowest.code if lowest else None,
        "admin_level": level if name else None,
        "agency_kind": kind,
        "parent_government": parent_government(region, kind, level),
        "region_source": region.source,
        "gazetteer_version": gazetteer().version,
        "agency_id": agency_id(region, name),
    }


def who_reported(report: dict, text: str = "", url: str | None = None) -> list[dict]:
    """Fill `report`'s region columns; the findings it has (an ambiguous name's candidates)."""
    name = report.get("agency")
    region = resolve(name, report.get("agency_alternatives") or [], text, url, report.get("year"))
    report.update(columns(region, name))
    if not region.candidates:
        return []
    cands = [_describe(c) for c in region.candidates]
    return [{"report_id": report["report_id"], "check": AMBIGUOUS, "severity": "warning", "table": None,
             "row": None, "column": None,
             "message": f"{name}: its region is one of {len(cands)} places of that name and nothing in the "
                        f"report says which ({'; '.join(c['name'] for c in cands)}); left null",
             "detail": json.dumps({"agency": name, "rest": region.rest, "township": region.township,
                                   "candidates": cands}, ensure_ascii=False)}]


def _describe(d: Division) -> dict:
    chain = gazetteer().chain(d)
    return {"code": d.code, "name": "".join(chain[lvl].name for lvl in ("province", "prefecture", "county")
                                            if lvl in chain)}


def refine_with_url(report: dict, findings: list[dict]) -> None:
    """Settle an ambiguous region by the source URL's province domain, in place."""
    province = url_province(report.get("source_url"))
    if province is None:
        return
    for f in list(findings):
        if f["check"] != AMBIGUOUS or f["report_id"] != report["report_id"]:
            continue
        detail = json.loads(f["detail"])
        hits = [c for c in detail["candidates"] if c["code"].startswith(province)]
        if len(hits) != 1:
            continue
        g = gazetteer()
        lowest = g.by_code[hits[0]["code"]]
        region = Region(divisions=g.chain(lowest), township=detail["township"], rest=detail["rest"], source="url")
        report.update(columns(region, detail["agency"]))
        findings.remove(f)
        report["n_findings"] = len(findings)
