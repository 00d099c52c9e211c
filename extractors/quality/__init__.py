"""`ogi report`: one self-contained HTML page on the dataset's quality.

Plots (inline SVG, `svg.py`): reports by year and by province, statuses, check failures by
rule and verdict, cells found against expected; then the reports that need attention, with
links to their sources. Nothing is loaded from the network. A small inline script counts
the plots that rendered and any script error into `<body data-plots=… data-errors=…>`, which
the headless-browser test reads.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd

from extractors.dataset.query import read_table
from extractors.quality.svg import hbar, scatter

# Reports listed under "needs attention" (the worst first), at most.
ATTENTION_MAX = 200
STYLE = """body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}svg text{font-size:12px}
.legend{font-size:11px}.empty{fill:#888}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}.grid{display:flex;flex-wrap:wrap;gap:2em}"""
CHECK_SCRIPT = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
window.addEventListener('load', function () {
  var plots = document.querySelectorAll('svg.plot'), ok = 0;
  plots.forEach(function (p) { var b = p.getBoundingClientRect();
    if (b.width > 0 && b.height > 0 && p.querySelectorAll('rect.bar,circle.bar,text.empty').length > 0) ok++; });
  document.body.setAttribute('data-plots', plots.length);
  document.body.setAttribute('data-plots-rendered', ok);
  document.body.setAttribute('data-errors', window.__errors.length);
});
</script>"""


def _verdict(detail) -> str:
    try:
        return json.loads(detail).get("verdict") or "none"
    except (TypeError, ValueError, AttributeError):
        return "none"


def _source_link(r: dict) -> str:
    url = r.get("source_url")
    if isinstance(url, str) and url:
        return f'<a href="{escape(url)}">{escape(r["source_path"])}</a>'
    return f"<code>{escape(str(r['source_path']))}</code>"  # a local upload: its path under the input folder


def sections(reports: pd.DataFrame, findings: pd.DataFrame) -> list[tuple[str, str]]:
    """(heading, HTML) of each part of the page."""
    by_year = Counter(int(y) for y in reports["year"].dropna())
    by_status = Counter(reports["status"])
    prov = reports.assign(province=reports["province"].fillna("(unknown)"))
    by_prov = prov.groupby("province")["status"].value_counts().unstack(fill_value=0)
    statuses = sorted(by_status)
    checks = findings[findings["check"].str.contains(".", regex=False)]
    checks = checks.assign(verdict=checks["detail"].map(_verdict))
    by_rule = checks.groupby("check")["verdict"].value_counts().unstack(fill_value=0)
    cells = reports.dropna(subset=["cells_expected"])
    out = [
        ("Reports by year", hbar("reports by year", [(y, {"reports": n}) for y, n in sorted(by_year.items())], ["reports"])),
        ("Reports by province and status", hbar("reports by province", [
            (p, {s: int(by_prov.loc[p].get(s, 0)) for s in statuses}) for p in by_prov.index], statuses)),
        ("Statuses", hbar("statuses", [(s, {"reports": n}) for s, n in sorted(by_status.items())], ["reports"])),
        ("Check failures by rule and verdict", hbar("check failures", [
            (c, {v: int(by_rule.loc[c].get(v, 0)) for v in by_rule.columns}) for c in by_rule.index],
            list(by_rule.columns))),
        ("Cells found against expected", scatter("cells found against expected", [
            (float(r.cells_expected), float(r.cells_found or 0), f"{r.source_path}: {r.cells_found}/{r.cells_expected}")
            for r in cells.itertuples()], "cells expected", "cells found")),
    ]
    return out


def attention(reports: pd.DataFrame) -> str:
    bad = reports[(reports["status"] != "ok") | (reports["checks_failed"].fillna(0) > 0)].copy()
    bad["order"] = bad["status"].map({"failed": 0, "too_large": 1, "needs_ocr": 2, "partial": 3}).fillna(4)
    bad = bad.sort_values(["order", "source_path"]).head(ATTENTION_MAX)
    rows = "".join(
        f"<tr><td>{_source_link(r)}</td><td>{escape(r['agency'] if isinstance(r['agency'], str) else '')}</td><td>{'' if pd.isna(r['year']) else int(r['year'])}</td>"
        f"<td>{escape(r['status'])}</td><td>{'' if pd.isna(r['checks_failed']) else int(r['checks_failed'])}</td>"
        f"<td>{escape(r['error'] if isinstance(r['error'], str) else '')}</td></tr>" for r in bad.to_dict("records"))
    return (f"<p>{len(bad)} reports shown (not ok, or failing a check).</p><table><tr><th>source</th><th>agency</th>"
            f"<th>year</th><th>status</th><th>checks failed</th><th>why</th></tr>{rows}</table>")


def render(reports: pd.DataFrame, findings: pd.DataFrame, title: str) -> str:
    parts = [f"<h2>{escape(h)}</h2>{body}" for h, body in sections(reports, findings)]
    n_ok = int((reports["status"] == "ok").sum())
    head = (f"<h1>{escape(title)}</h1><p>{len(reports)} reports, {n_ok} ok; "
            f"{int(reports['province'].notna().sum())} with a province; "
            f"generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>")
    return (f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style>{CHECK_SCRIPT}</head><body>{head}"
            f'<div class="grid">{"".join(f"<section>{p}</section>" for p in parts)}</div>'
            f"<h2>Reports that need attention</h2>{attention(reports)}</body></html>")


def write_report(out: Path, to: Path) -> Path:
    """Write the quality report of the dataset at `out` to the HTML file `to`."""
    reports, findings = read_table(out, "reports"), read_table(out, "findings")
    if reports is None:
        raise FileNotFoundError(f"{out}: no reports.parquet (run `ogi extract` first)")
    finds = findings.to_pandas()
    panel = Path(out) / "panel_findings.parquet"  # the cross-year checks (extractors.export.derived)
    if panel.exists():
        finds = pd.concat([finds, pd.read_parquet(panel)], ignore_index=True)
    html = render(reports.to_pandas(), finds, f"ogi-reports quality: {out}")
    to = Path(to)
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(html, encoding="utf-8")
    return to
