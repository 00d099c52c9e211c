"""The kind of agency (government, its general office, a department, a township, other) and
the government it belongs to, from what its name says after the region."""

from __future__ import annotations

import re

from extractors.region.resolve import ZONE_WORDS, Region

KINDS = ("government", "office", "department", "township", "other")
GOVERNMENT_RE = re.compile(r"^(人民政府|政府|管理委员会|管委会)?$")
OFFICE_RE = re.compile(r"^(人民)?政府(办公室|办公厅|办)$|^办公厅$")
# What a department's name ends with (教育局, 发展和改革委员会, 教育厅, 外事办, 海关总署, 教育部).
DEPARTMENT_RE = re.compile(r"(局|委员会|委|厅|办公室|办|署|部)$")
# A township's own government or sub-district office after its name.
TOWNSHIP_BODY_RE = re.compile(r"^(人民政府|办事处|政府)?$")


def agency_kind(region: Region) -> str:
    rest = region.rest
    if region.township and rest.startswith(region.township):
        body = rest[len(region.township):]
        return "township" if TOWNSHIP_BODY_RE.match(body) else "office" if OFFICE_RE.match(body) else \
            "department" if DEPARTMENT_RE.search(body) else "other"
    if region.source == "zone" and rest.startswith(ZONE_WORDS):
        for w in ZONE_WORDS:
            if rest.startswith(w):
                rest = rest[len(w):]
                break
    if region.national and rest.startswith("国务院"):
        rest = rest[len("国务院"):]
        if not rest:
            return "government"
    if GOVERNMENT_RE.match(rest):
        return "government"
    if OFFICE_RE.match(rest):
        return "office"
    if DEPARTMENT_RE.search(rest):
        return "department"
    return "other"


def parent_government(region: Region, kind: str | None, level: str | None) -> str | None:
    """The 人民政府 the agency answers to: a government's the one above it, anything else's
    its own region's (a township's: its county's)."""
    if level == "national":
        return None if kind == "government" else "国务院"
    d = region.divisions
    order = [lvl for lvl in ("province", "prefecture", "county") if lvl in d]
    if not order or kind is None:
        return None
    names = [d[lvl].name for lvl in order]
    if d.get("province") and d.get("prefecture") and d["prefecture"].name == d["province"].name:
        names = names[1:]
    if kind == "government" and not region.township:
        names = names[:-1]
        if not names:
            return "国务院"
    # the two lowest names: 淄博市临淄区人民政府 (a county's alone may be shared: 鼓楼区)
    return "".join(names[-2:]) + "人民政府"
