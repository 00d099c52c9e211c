"""Which template a report follows, and which table a heading or header row opens.

Both read `schemas/template-rules.yaml` (`templates.*.markers`, `sections`) through
`extractors.template.rules`; the text is compared in its normalised form (half-width,
simplified, no whitespace).
"""

from __future__ import annotations

from functools import lru_cache

from extractors.labels.normalize import normalize_text, squash_spaces
from extractors.template.rules import rules

# Markers listed as evidence in `template_evidence`.
EVIDENCE_MARKERS = 4
# Distinct markers whose normalised form is remembered: the rules list a few dozen.
MARKER_CACHE_SIZE = 256
# Distinct lines whose heading answer is remembered (as the label caches,
# extractors.labels.matching.CACHE_SIZE: far more than the distinct short lines of a run).
HEADING_CACHE_SIZE = 65_536


def _norm(text: str) -> str:
    return squash_spaces(normalize_text(text))


def detect_template(text: str, year: int | None = None) -> tuple[str | None, str]:
    """(template, evidence): the template whose markers the text prints most, else the
    template covering `year`, else (None, why)."""
    t = _norm(text)
    hits = {name: [m for m in info.markers if m in t] for name, info in rules().templates.items()}
    ranked = sorted(hits.items(), key=lambda kv: -len(kv[1]))
    earlier = earlier_format(t, max((len(v) for v in hits.values()), default=0))
    if earlier:
        return earlier
    if len(ranked) > 1 and len(ranked[0][1]) != len(ranked[1][1]):
        name, found = ranked[0]
        return name, f"labels: {', '.join(found[:EVIDENCE_MARKERS])}"
    if year:
        name = rules().template_for_year(year)
        if name is None:  # a year before the first template: the earliest one
            name = min(rules().templates.values(), key=lambda i: i.first_year).name
        return name, f"year {year}"
    return None, "no template markers and no year"


def earlier_format(norm_text: str, template_hits: int = 0) -> tuple[str, str] | None:
    """(format, evidence) when the normalised text prints a format older than the templates
    (template-rules.yaml `earlier_formats`: the pre-2019 政府信息公开情况统计表): at least its
    `min_markers` markers and more of them than `template_hits`, the most any template scored."""
    for name, info in rules().earlier_formats.items():
        found = [m for m in info["markers"] if _norm_marker(m) in norm_text]
        if len(found) >= info["min_markers"] and len(found) > template_hits:
            return name, f"labels: {', '.join(found[:EVIDENCE_MARKERS])}"
    return None


def is_earlier_format(template: str | None) -> bool:
    """Is this detected 'template' one of the earlier formats (not read into canonical cells)?"""
    return template is not None and template in rules().earlier_formats


@lru_cache(maxsize=MARKER_CACHE_SIZE)
def _norm_marker(marker: str) -> str:
    return _norm(marker)


@lru_cache(maxsize=HEADING_CACHE_SIZE)
def heading_section(text: str) -> str | None:
    """The table a heading line opens, 'end' for the sections after the tables, else None.
    Memoised: every short line of every report asks it, and lines repeat across reports."""
    sec = rules().sections
    t = _norm(text)
    if not t or len(t) > sec["max_heading_chars"]:
        return None
    tables = sec["tables"]
    for table in sec["match_order"]:
        spec = tables[table]
        if any(p in t for p in spec.get("phrases_any", ())) or \
                (spec.get("phrases_all") and all(p in t for p in spec["phrases_all"])):
            return table
    if any(p in t for p in sec["end_phrases"]):
        return "end"
    return None


def header_table(joined: str) -> str | None:
    """The table a header row's text (normalised, joined) belongs to, by its content words."""
    for table, hints in rules().sections["header_hints"].items():
        if any(h in joined for h in hints):
            return table
    return None


def is_caption(text: str) -> bool:
    """A short caption line between table-2 blocks (第二十条第（五）项)."""
    sec = rules().sections
    return sec["caption_phrase"] in text and len(text) < sec["max_heading_chars"]

