"""The report's title and year, from its leading lines (and the title its container states)."""

from __future__ import annotations

import re
from collections import Counter

from extractors.labels.normalize import halfwidth, to_simplified
from extractors.metadata.agency import canonical_agency, looks_like_agency
from extractors.metadata.dates import CN_YEAR_RE, cn_year
from extractors.metadata.furniture import BOX_KEY_RE, is_box_line, is_chrome

TITLE_RE = re.compile(r"(政府信息公开|政务公开).{0,8}(年度报告|年报)")
YEAR_IN_TITLE_RE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
# How many leading lines are searched for the title. 6: titles sit in the first three lines of
# every seed; archive exports add a header block of up to ten lines (handled by title hints).
# Lines of site chrome (breadcrumbs) and of a page's metadata box are not counted.
TITLE_LINES = 6
# A title line is at most this long (titles of the seeds and real reports: 18-45 characters).
TITLE_CHARS = 60
# Reports for years before this are not under either template (the 2019 regulation).
MIN_YEAR, MAX_YEAR = 2008, 2035
# Leading lines read at most, chrome and box lines included (a saved page's breadcrumb,
# box and info line come to ~12 lines above its title).
LEADING_LINES = 24


def leading_lines(text: str, n: int) -> list[str]:
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


def content_lines(lines: list[str]) -> list[str]:
    """The lines that are neither site chrome nor box lines, Markdown heading marks removed."""
    return [re.sub(r"^[#＃]+\s*", "", ln) for ln in lines if not is_chrome(ln) and not is_box_line(ln)]


# A title that ends as a notice, a plan or an opinion is not a report's title, whatever it
# says about reports (关于做好2023年度政府信息公开工作年度报告编制发布工作的通知).
NOTICE_END_RE = re.compile(r"(通知|通报|函|方案|意见|批复|决定|要点|办法|规定)\s*$")


# Punctuation of running text, never in a title line.
_SENTENCE_RE = re.compile(r"[。，；]")
# How the second half of a title broken over two lines ends (…年度报告, …年报, maybe a
# bracketed note such as （全文）).
_TITLE_END_RE = re.compile(r"(报告|年报)\s*(?:[（(][^）)]{1,8}[）)])?\s*$")


def is_title(text: str) -> bool:
    t = to_simplified(text)  # traditional-character titles too
    return bool(TITLE_RE.search(t)) and not NOTICE_END_RE.search(t)


def _unboxed(text: str) -> str:
    """A title printed as a box line (标题：… / 名称：…) without its key."""
    m = BOX_KEY_RE.match(halfwidth(text))
    return text[m.end():].strip() if m and m.group(1) in ("标题", "名称") else text.strip()


def find_title(lines: list[str], hint: str | None) -> str | None:
    if hint and is_title(hint):
        return _unboxed(re.sub(r"^[#＃]+\s*", "", hint))
    head = content_lines(lines)[:TITLE_LINES]
    for i, line in enumerate(head):
        if len(line) > TITLE_CHARS or _SENTENCE_RE.search(line):
            continue
        if is_title(line):
            # "2020年政府信息公开工作年度报告" under an agency line: prepend it.
            if i > 0 and len(head[i - 1]) <= 30 and canonical_agency(line) is None \
                    and looks_like_agency(canonical_agency(head[i - 1]) or "") and not is_title(head[i - 1]):
                return head[i - 1] + line
            return line
        if i + 1 < len(head) and not is_title(head[i + 1]) and is_title(line + head[i + 1]) \
                and len(line + head[i + 1]) <= TITLE_CHARS and _TITLE_END_RE.search(to_simplified(head[i + 1])):
            return line + head[i + 1]
    return hint.strip() if hint else None


def _title_year(title: str) -> int | None:
    t = halfwidth(title)
    m = YEAR_IN_TITLE_RE.search(t)
    if m and MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        return int(m.group(1))
    m = CN_YEAR_RE.search(t)
    y = cn_year(m.group(0)) if m else None
    return y if y and MIN_YEAR <= y <= MAX_YEAR else None


def find_year(title: str | None, text: str) -> int | None:
    if title and (y := _title_year(title)):
        return y
    t = halfwidth(text)
    m = re.search(r"((?:19|20)\d{2})年\s*1\s*月\s*1\s*日\s*(?:起\s*)?(?:至|到)", t)
    if m:
        return int(m.group(1))
    m = re.search(r"((?:19|20)\d{2})\s*年(?:度)?(?:政府信息公开|政务公开)", t)
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", t) if MIN_YEAR <= int(y) <= MAX_YEAR)
    return years.most_common(1)[0][0] if years else None
