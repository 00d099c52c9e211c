"""Where a report names itself besides its title: the opening paragraph and the 落款
(the agency line and the date at the end)."""

from __future__ import annotations

import re
from datetime import date

from extractors.labels.normalize import halfwidth, to_simplified
from extractors.metadata.agency import Candidate, candidate
from extractors.metadata.dates import find_date, is_date_line

# How much of the text's start is searched for the opening sentence (the preambles of the
# seeds and of the real reports name the agency within their first ~400 characters, after
# a title and a header block of up to ~600).
OPENING_CHARS = 1500
# Non-blank lines at the end searched for the 落款 (agency line + date line; the seeds
# close with them, at most a few lines of 附件 or page furniture after).
SIGNATURE_LINES = 8
# A 落款 agency line is short (the longest names are ~30 characters).
SIGNATURE_CHARS = 40

_NAME = r"([\u4e00-\u9fff（）()]{2,40}?)"
# The opening sentences that name the agency (本报告由XX编制, 由XX负责, 现将XX…报告如下,
# XX根据《条例》…编制本报告, XX编制了…报告), read on the simplified text.
OPENING_PATTERNS = (
    re.compile(r"本(?:年度)?报告由" + _NAME + r"(?:根据|依据|按照|依照|编制|负责|汇总|制作|发布|撰写)"),
    re.compile(r"由" + _NAME + r"负责(?:编制|编写|起草)?"),
    re.compile(r"现将" + _NAME + r"\s*(?:(?:19|20)\d{2}\s*年度?)?\s*(?:政府信息公开|政务公开)"),
    re.compile(r"(?:^|[。；\n])" + _NAME + r"\s*(?:根据|依据|按照|依照)《[^》]{2,40}》[^。]{0,80}编制(?:了)?本"),
    re.compile(r"(?:^|[。；，,\n])" + _NAME + r"\s*编制了"),
)


def opening_candidates(text: str) -> list[Candidate]:
    head = text[:OPENING_CHARS]
    simp = to_simplified(halfwidth(head))
    out: list[Candidate] = []
    for pat in OPENING_PATTERNS:
        for m in pat.finditer(simp):
            printed = head[m.start(1):m.end(1)] if len(simp) == len(head) else m.group(1)
            c = candidate("opening", printed)
            if c and all(c.canonical != o.canonical for o in out):
                out.append(c)
    return out


def tail_lines(text: str, n: int) -> list[str]:
    out: list[str] = []
    end = len(text)
    while len(out) < n and end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line:
            out.append(line)
        end = start - 1
    return out[::-1]


def signature(text: str) -> tuple[Candidate | None, date | None]:
    """The 落款: the agency line above the last date line (or the agency and the date on
    one line), and that date."""
    lines = tail_lines(text, SIGNATURE_LINES)
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if is_date_line(line):
            when = find_date(line)
            agency = None
            if i > 0 and len(lines[i - 1]) <= SIGNATURE_CHARS:
                agency = candidate("signature", lines[i - 1])
            return agency, when
        m = re.match(r"^(\S{2,40}?)\s*((?:19|20)\d{2}\s*年.{1,8}日|[〇○零一二三四五六七八九]{4}年.{2,6}日)$", line)
        if m and len(line) <= SIGNATURE_CHARS + 15 and is_date_line(m.group(2)):
            return candidate("signature", m.group(1)), find_date(m.group(2))
    return None, None
