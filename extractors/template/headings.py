"""Where the report's tables start in running text: the headings 二、 to 五、 found
anywhere in a line (a flattened page prints a whole table on the heading's line).

`extractors.template.heading_section` tells the table a short heading *line* opens;
this finds the headings inside a long line, tolerant of blanks between characters, of
digit numbering (2、 / 2.) and of the typos seen in real reports. Used by the
flattened-text reader (`flattened.segment_keyed`) and by `extractors.narrative`
(`narrative_hints` reads figures outside the tables only).
"""

from __future__ import annotations

import re

# Searched in this order, each after the previous one found (the parts of a report
# come in template order); "problems" (五、存在的主要问题) closes the tables.
HEADINGS = {
    "active_disclosure": r"[二2]\s*[、.,]\s*主\s*动\s*公\s*开\s*政\s*府\s*信\s*息\s*情\s*况",
    "applications": r"[三3]\s*[、.,]\s*收\s*到\s*和\s*处\s*理\s*政\s*府\s*信\s*息\s*公\s*开\s*申\s*请\s*情\s*况",
    # 四、政府信息公开行政法复议、行政诉讼情况 (pingtan-2022 typo), 行政复议及行政诉讼
    "review_litigation": r"[四4]\s*[、.,]\s*(?:政\s*府\s*信\s*息\s*公\s*开\s*)?行\s*政\s*(?:法\s*)?复\s*议\s*+(?:[、,和及与]\s*+)?行\s*政\s*诉\s*讼\s*(?:的\s*)?情\s*况",
    "problems": r"[五5]\s*[、.,]\s*+(?:政府信息公开工作\s*+)?存\s*在\s*的\s*主\s*要\s*问\s*题",
}
# Blanks around an optional word are matched possessively (\s*+), so a long run of blanks
# costs linear time: two plain \s* around an optional part would share the run quadratically.
_COMPILED = {name: re.compile(rx) for name, rx in HEADINGS.items()}


def find_headings(folded: str) -> dict[str, re.Match]:
    """The headings of `folded` (text after `labels.normalize.fold_width`), by name
    (a key of HEADINGS), each searched after the previous one found."""
    found: dict[str, re.Match] = {}
    pos = 0
    for name, rx in _COMPILED.items():
        m = rx.search(folded, pos)
        if m:
            found[name] = m
            pos = m.end()
    return found


def outside_tables(folded: str) -> list[tuple[int, int]]:
    """The spans of `folded` before the first table (二、) and from 五、 on; the whole
    text when it has no table-2 heading."""
    heads = find_headings(folded)
    if "active_disclosure" not in heads:
        return [(0, len(folded))]
    end = heads["problems"].start() if "problems" in heads else len(folded)
    return [(0, heads["active_disclosure"].start()), (end, len(folded))]
