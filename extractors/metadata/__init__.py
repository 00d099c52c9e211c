"""Report metadata from the text: title, year, the agency (canonical and as printed, with
where it came from and the other names seen), the publication date and the 索引号.

Sources, in order of trust for the agency: the title, the 落款 (signature block), the
opening paragraph, the page's metadata box (`extractors.metadata.furniture`); a fuller form
of the first name found among the others wins (`extractors.metadata.agency`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from extractors.metadata.agency import AGENCY_RE, candidate, choose_agency
from extractors.metadata.furniture import box_fields, box_pairs
from extractors.metadata.sources import opening_candidates, signature
from extractors.metadata.title import (
    LEADING_LINES,
    content_lines,
    find_title,
    find_year,
    is_title,
    leading_lines,
)

# Compatibility names (tests and readers import these).
_leading_lines = leading_lines

__all__ = ["Metadata", "extract_metadata", "leading_lines"]


@dataclass
class Metadata:
    title: str | None
    agency: str | None  # canonical: simplified, no year, title words or marks
    year: int | None
    agency_printed: str | None = None
    agency_source: str | None = None  # title / signature / opening / page_box / first_line
    agency_alternatives: list[str] = field(default_factory=list)
    published_on: date | None = None
    index_number: str | None = None
    report_title: bool = False  # the title is a report's title (政府信息公开…年度报告)


def extract_metadata(text: str, title_hint: str | None = None,
                     page_box: list[tuple[str, str]] | None = None) -> Metadata:
    lines = leading_lines(text, LEADING_LINES)
    box = box_fields(list(page_box or []) + box_pairs(lines))
    hint = title_hint if title_hint and is_title(title_hint) else (box.title or title_hint)
    title = find_title(lines, hint)
    year = find_year(title, text)
    cands = []
    if title and is_title(title):
        cands.append(candidate("title", title, need_suffix=False))
    sign, signed_on = signature(text)
    cands.append(sign)
    cands.extend(opening_candidates(text))
    if box.agency:
        cands.append(candidate("page_box", box.agency))
    if not any(cands):
        for line in content_lines(lines)[:3]:
            m = AGENCY_RE.match(line)
            if m:
                cands.append(candidate("first_line", m.group(0)))
                break
    choice = choose_agency(cands)
    return Metadata(title, choice.canonical, year, choice.printed, choice.source, choice.alternatives,
                    box.published_on or signed_on, box.index_number, bool(title and is_title(title)))
