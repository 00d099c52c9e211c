"""Scoring who reported: region, level, kind and the panel id against gold.

Gold lines may carry `region` ({province, prefecture, county, township, adcode, admin_level,
agency_kind}) and `agency_key` (one key per agency, whatever name a report prints). A
report's region is right when province, prefecture, county and adcode all equal the gold's;
it is wrong when it names a province or an adcode that differs (a null is neither: not
right, never wrong). The panel id is consistent when every gold agency has one agency_id
over all its reports, and no agency_id is given to two gold agencies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

REGION_FIELDS = ("province", "prefecture", "county", "adcode")


def _val(rep: dict, key: str):
    v = rep.get(key)
    return None if v is None or v != v else v  # NaN from pandas is null


@dataclass
class RegionScore:
    docs: int = 0
    region_right: int = 0
    region_wrong: int = 0
    region_null: int = 0
    level_right: int = 0
    kind_right: int = 0
    township_right: int = 0
    townships: int = 0
    agencies: int = 0  # gold agencies with at least one report
    agencies_split: int = 0  # given more than one agency_id
    ids_shared: int = 0  # agency_ids given to more than one gold agency
    wrong: list[str] = field(default_factory=list)  # path: gold … got …

    def share(self, n: int) -> float:
        return n / self.docs if self.docs else 1.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(region_accuracy=self.share(self.region_right), level_accuracy=self.share(self.level_right),
                 kind_accuracy=self.share(self.kind_right))
        return d

    def format_text(self) -> str:
        if not self.docs:
            return "who reported: no gold region in this corpus"
        line = (f"who reported ({self.docs} docs): region {self.share(self.region_right):.3f} "
                f"(wrong {self.region_wrong}, null {self.region_null})  level {self.share(self.level_right):.3f}  "
                f"kind {self.share(self.kind_right):.3f}  township {self.township_right}/{self.townships}  "
                f"agency_id: {self.agencies} agencies, {self.agencies_split} split, {self.ids_shared} ids shared")
        return "\n".join([line, *(f"- region wrong: {w}" for w in self.wrong[:5])])


def score_regions(pairs: list[tuple[dict, dict | None]]) -> RegionScore:
    """`pairs`: (gold line, its report row or None) for every gold document."""
    s = RegionScore()
    ids_by_key: dict[str, set] = {}
    keys_by_id: dict[str, set] = {}
    for g, rep in pairs:
        gold = g.get("region")
        if not gold:
            continue
        s.docs += 1
        rep = rep or {}
        got = {k: _val(rep, k) for k in (*REGION_FIELDS, "township", "admin_level", "agency_kind", "agency_id")}
        if all(got[k] == gold.get(k) for k in REGION_FIELDS):
            s.region_right += 1
        elif (got["province"] and got["province"] != gold["province"]) or (got["adcode"] and got["adcode"] != gold["adcode"]):
            s.region_wrong += 1
            s.wrong.append(f"{g['path']}: gold {gold['adcode']} {gold.get('county')} got {got['adcode']} {got['county']}")
        else:
            s.region_null += 1
        s.level_right += got["admin_level"] == gold.get("admin_level")
        s.kind_right += got["agency_kind"] == gold.get("agency_kind")
        if gold.get("township"):
            s.townships += 1
            s.township_right += got["township"] == gold["township"]
        key = g.get("agency_key")
        if key and got["agency_id"]:
            ids_by_key.setdefault(key, set()).add(got["agency_id"])
            keys_by_id.setdefault(got["agency_id"], set()).add(key)
    s.agencies = len(ids_by_key)
    s.agencies_split = sum(1 for ids in ids_by_key.values() if len(ids) > 1)
    s.ids_shared = sum(1 for keys in keys_by_id.values() if len(keys) > 1)
    return s
