"""Report metadata from the text: title, agency (as the report names itself) and year."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractors.labels.normalize import halfwidth, to_simplified

TITLE_RE = re.compile(r"(政府信息公开|政务公开).{0,8}(年度报告|年报)")
YEAR_IN_TITLE_RE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
# Suffixes that end an agency's name (the longest first).
AGENCY_SUFFIXES = (
    "人民政府办公室", "人民政府", "街道办事处", "管理委员会", "委员会", "办公室", "管委会", "办事处", "实验区",
    "中心", "局", "厅", "委", "办", "院", "所", "站", "队", "署", "部", "会", "处", "镇", "乡", "街道", "馆", "社",
)
_AGENCY_RE = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}?(?:" + "|".join(AGENCY_SUFFIXES) + ")")
# How many leading lines are searched for the title. 6: titles sit in the first three lines of
# every seed; archive exports add a header block of up to ten lines (handled by title hints).
TITLE_LINES = 6
# Reports for years before this are not under either template (the 2019 regulation).
MIN_YEAR, MAX_YEAR = 2008, 2035


@dataclass
class Metadata:
    title: str | None
    agency: str | None
    year: int | None


def extract_metadata(text: str, title_hint: str | None = None) -> Metadata:
    lines = _leading_lines(text, TITLE_LINES)
    title = _title(lines, title_hint)
    year = _year(title, text)
    agency = _agency_from_title(title) if title else None
    if not agency and lines:
        agency = _agency_from_lines(lines)
    return Metadata(title, agency, year)


def _leading_lines(text: str, n: int) -> list[str]:
    """The first `n` non-blank lines of the text, stripped: all that the title and the
    agency are read from (a report's text is not split whole for them)."""
    out: list[str] = []
    start = 0
    while len(out) < n and start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        for line in text[start:end].splitlines():  # (other line breaks: \r, \u2028, …)
            if line.strip():
                out.append(line.strip())
        start = end + 1
    return out[:n]


def _is_title(text: str) -> bool:
    return bool(TITLE_RE.search(to_simplified(text)))  # traditional-character titles too


def _title(lines: list[str], hint: str | None) -> str | None:
    if hint and _is_title(hint):
        return hint.strip()
    head = lines[:TITLE_LINES]
    for i, line in enumerate(head):
        if len(line) > 60:
            continue
        if _is_title(line):
            # "2020年政府信息公开工作年度报告" under an agency line: prepend it.
            if re.match(r"^(19|20)\d{2}年", line) and i > 0 and len(head[i - 1]) <= 30:
                return head[i - 1] + line
            return line
        if i + 1 < len(head) and _is_title(line + head[i + 1]) and len(line + head[i + 1]) <= 60:
            return line + head[i + 1]
    return hint.strip() if hint else None


def _year(title: str | None, text: str) -> int | None:
    if title:
        m = YEAR_IN_TITLE_RE.search(halfwidth(title))
        if m and MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
            return int(m.group(1))
    t = halfwidth(text)
    m = re.search(r"((?:19|20)\d{2})年\s*1\s*月\s*1\s*日\s*(?:起\s*)?(?:至|到)", t)
    if m:
        return int(m.group(1))
    m = re.search(r"((?:19|20)\d{2})\s*年(?:度)?(?:政府信息公开|政务公开)", t)
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", t) if MIN_YEAR <= int(y) <= MAX_YEAR)
    return years.most_common(1)[0][0] if years else None


def _agency_from_title(title: str) -> str | None:
    t = re.sub(r"\s+", "", title)
    m = re.match(r"^(.*?)(?:关于)?(?:(?:19|20)\d{2})\s*年", t)
    if m and len(m.group(1)) >= 2:
        return m.group(1).rstrip("的")
    m = re.match(r"^(.*?)(?:政府信息公开|政务公开)", to_simplified(t))
    if m and len(m.group(1)) >= 2:
        return t[: m.end(1)]  # the report's own characters (t2s keeps lengths)
    return None


def _agency_from_lines(lines: list[str]) -> str | None:
    """A report with no title line usually opens with its own name (临淄区城建中心坚持…)."""
    for line in lines[:3]:
        m = _AGENCY_RE.match(line)
        if m:
            return m.group(0)
    return None
