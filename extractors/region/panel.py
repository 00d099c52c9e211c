"""`agency_id`: one id for one agency across years and name variants.

The id hashes the place (the division's current code, so 洪泽县 and 洪泽区 are one place;
the printed region prefix where the place is unresolved) and the agency's name after the
region with known abbreviations spelled out (工信局 = 工业和信息化局; 区政府 = 人民政府).
Traditional characters were simplified in the canonical name already.
"""

from __future__ import annotations

import hashlib
import re

from extractors.metadata.agency import expand
from extractors.region.resolve import Region

# Length of the hex id: 12 digits (48 bits) keep collisions out of reach for any realistic
# number of agencies (a million agencies: p ≈ 2e-3 of one clash).
ID_DIGITS = 12
_GOV_RE = re.compile(r"^(人民)?政府$")
_OFFICE_RE = re.compile(r"^(人民)?政府(办公室|办)$")


def unit_name(rest: str) -> str:
    """The agency's name after the region, in one form."""
    rest = expand(rest)
    if _GOV_RE.match(rest) or rest == "":
        return "人民政府"
    if _OFFICE_RE.match(rest):
        return "人民政府办公室"
    return rest


def agency_id(region: Region, name: str | None) -> str | None:
    if not name:
        return None
    d = region.divisions
    lowest = d.get("county") or d.get("prefecture") or d.get("province")
    if lowest is not None:
        place = lowest.current
    elif region.candidates:  # unresolved: the name as printed stands for the place
        place = "?" + name[: len(name) - len(region.rest)]
    else:
        place = "-"
    key = f"{place}|{unit_name(region.rest)}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:ID_DIGITS]
