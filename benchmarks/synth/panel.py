"""Panels: one agency's reports over consecutive years, with their cross-year chains holding.

The corpus (benchmarks.corpus) draws every document's agency afresh; a panel instead follows
each of `n_agencies` agencies from 2019 to 2025, printing its name in a different form from
year to year (with or without the city, the department's short name), as agencies do. Each
year's 上年结转 is last year's 结转下年度继续办理 per column, and for consecutive gb2021 years
现行有效件数 is last year's plus 本年制发 minus 本年废止 (the spec's cross-year checks), so a
panel read right gives one `agency_id` per agency and no cross-year finding; `break_chain`
puts exactly one known break into one agency's series.

    python -m benchmarks.synth.panel --out DIR --agencies 12 --seed 1
    ogi eval DIR        # region, level and agency_id per agency (who reported: …)
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import replace
from pathlib import Path

from benchmarks.synth.masthead import make_masthead
from benchmarks.synth.model import APPLICANT_COLUMNS, Report, generate_values, render_cells
from benchmarks.synth.names import DEPARTMENTS, Agency, make_agency

# The years a panel covers: every report year of the two templates (gb2019: 2019-2020).
YEARS = tuple(range(2019, 2026))
FORMATS = ("txt", "html", "docx", "md")
KINDS = ("gov", "bureau", "bureau", "town", "center")
IN_FORCE_ROWS = ("rules", "normative_documents")


def _variant(rng: random.Random, agency: Agency) -> Agency:
    """The agency under another form of its name: with the city, with its short name."""
    name = agency.name
    if name.startswith(agency.district) and rng.random() < 0.4:
        name = agency.city + name
    short = dict(DEPARTMENTS)
    for full, abbr in short.items():
        if full != abbr and name.endswith(full) and rng.random() < 0.4:
            name = name[: -len(full)] + abbr
    return replace(agency, name=name)


def _chain(values: dict, prev: dict | None, template: str, prev_template: str | None) -> None:
    """Make this year's cells follow last year's (in place), keeping this year's identities."""
    if prev is None:
        return
    for col in APPLICANT_COLUMNS:
        carried = prev[("applications", "carried_forward", col)]
        values[("applications", "carried_over", col)] = carried
        forward = values[("applications", "new_received", col)] + carried - values[("applications", "results.total", col)]
        if forward < 0:  # receive enough this year for the results printed
            values[("applications", "new_received", col)] -= forward
            forward = 0
        values[("applications", "carried_forward", col)] = forward
    for row in ("new_received", "carried_over", "carried_forward"):
        values[("applications", row, "total")] = sum(values[("applications", row, c)] for c in APPLICANT_COLUMNS)
    if template == prev_template == "gb2021":
        for row in IN_FORCE_ROWS:
            before = prev[("active_disclosure", row, "in_force")]
            issued = values[("active_disclosure", row, "issued")]
            repealed = min(values[("active_disclosure", row, "repealed")], before + issued)
            values[("active_disclosure", row, "repealed")] = repealed
            values[("active_disclosure", row, "in_force")] = before + issued - repealed
    if template == prev_template == "gb2019":
        for t, row, col in list(values):
            if t == "active_disclosure" and col == "prev_year_items":
                values[(t, row, col)] = max(0, prev[(t, row, col)] + prev.get((t, row, "change"), 0))


def panel_reports(n_agencies: int, seed: int, break_chain: bool = False) -> list[tuple[Report, Agency, random.Random]]:
    """Every report of the panel, agency by agency, year by year. With `break_chain`, the
    first agency's 2022 report prints one more 上年结转 by 自然人 than its 2021 report carried
    forward (and one more 结转下年度, so its own balance holds)."""
    out = []
    for a in range(n_agencies):
        rng = random.Random(f"ogi-panel:{seed}:{a}")
        agency = make_agency(rng, KINDS[a % len(KINDS)])
        prev, prev_template = None, None
        for year in YEARS:
            template = "gb2019" if year <= 2020 else "gb2021"
            values = generate_values(rng, template, agency.kind)
            _chain(values, prev, template, prev_template)
            if break_chain and a == 0 and year == 2022:
                for row in ("carried_over", "carried_forward"):
                    for col in ("natural_person", "total"):
                        values[("applications", row, col)] += 1
            printed = _variant(rng, agency)
            report = Report(index=a * len(YEARS) + year - YEARS[0], template=template, year=year, kind=agency.kind,
                            agency=printed.name, region=agency.region, site=agency.site, values=values)
            render_cells(rng, report)
            out.append((report, printed, rng))
            prev, prev_template = dict(values), template
    return out


def generate_panel(out: Path, n_agencies: int, seed: int, break_chain: bool = False) -> list[dict]:
    """Write the panel's documents (formats in turn) and out/gold.jsonl; the gold lines."""
    from benchmarks.corpus import EXTENSIONS, WRITERS, gold_line
    from benchmarks.synth.layout import build_document

    out = Path(out)
    gold = []
    for i, (report, agency, rng) in enumerate(panel_reports(n_agencies, seed, break_chain)):
        fmt = FORMATS[i % len(FORMATS)]
        masthead = make_masthead(random.Random(f"ogi-panel-meta:{seed}:{i}"), agency, report.year, fmt)
        data = WRITERS[fmt](build_document(report, agency, rng, fmt, masthead), rng)
        rel = f"{fmt}/{i:04d}_{report.year}.{EXTENSIONS[fmt]}"
        (out / fmt).mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        gold.append(gold_line(report, rel, fmt, masthead))
    with open(out / "gold.jsonl", "w", encoding="utf-8") as f:
        for g in gold:
            f.write(json.dumps(g, ensure_ascii=False) + "\n")
    return gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a panel: agencies followed from 2019 to 2025.")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--agencies", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--break-chain", action="store_true", help="one known cross-year break in the first agency")
    args = ap.parse_args(argv)
    gold = generate_panel(args.out, args.agencies, args.seed, args.break_chain)
    print(f"{len(gold)} documents of {args.agencies} agencies -> {args.out / 'gold.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
