"""The reporting agency: its canonical name (what researchers group by) and where it came from.

`canonical_agency` turns a name as printed (in a title, an opening sentence, a 落款, a page's
metadata box) into one comparable form: simplified characters, half-width, no whitespace,
no year (2022年, 2022年度, 二〇二二年), no 关于 or trailing 的, no Markdown heading marks,
quotes or brackets, nothing from the title words on (政府信息公开工作年度报告 …).

`choose_agency` takes the candidates of every source in order of trust (title, 落款,
opening paragraph, page box) and keeps the first, unless another is a fuller form of it
(上海市科学技术委员会 for 市科委, 淄博市临淄区工业和信息化局 for 临淄区工信局).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.labels.normalize import halfwidth, to_simplified

# Suffixes that end an agency's name (the longest first).
AGENCY_SUFFIXES = (
    "人民政府办公室", "人民政府", "街道办事处", "管理委员会", "委员会", "办公室", "管委会", "办事处", "实验区",
    "中心", "大队", "支队", "局", "厅", "委", "办", "院", "所", "站", "队", "署", "部", "会", "处", "镇", "乡",
    "街道", "馆", "社", "园区", "新区", "开发区",
)
AGENCY_RE = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}?(?:" + "|".join(AGENCY_SUFFIXES) + ")")
# Common abbreviations of department names and their full forms, as departments print both
# (上海市科委 / 上海市科学技术委员会 in the kewei report; the 工信局/住建局 … pairs of the
# district departments in benchmarks/synth/names.py, as titles in the seeds shorten them).
ABBREVIATIONS = {
    "科委": "科学技术委员会", "发改委": "发展和改革委员会", "住建委": "住房和城乡建设委员会",
    "经信委": "经济和信息化委员会", "卫健委": "卫生健康委员会", "教委": "教育委员会", "商委": "商务委员会",
    "农委": "农业农村委员会", "交委": "交通委员会", "民委": "民族宗教事务委员会", "国资委": "国有资产监督管理委员会",
    "规资局": "规划和自然资源局", "工信局": "工业和信息化局", "住建局": "住房和城乡建设局", "人社局": "人力资源和社会保障局",
    "市场监管局": "市场监督管理局", "发改局": "发展和改革局", "卫健局": "卫生健康局", "教体局": "教育和体育局",
    "文旅局": "文化和旅游局", "医保局": "医疗保障局", "应急局": "应急管理局", "城管局": "城市管理局",
    "投促局": "投资促进局", "审批局": "行政审批服务局", "管委会": "管理委员会",
}
_ABBREV_RE = re.compile("|".join(sorted(ABBREVIATIONS, key=len, reverse=True)))
# Self references that name no agency (本机关, 我局 …): never a candidate.
_SELF_RE = re.compile(r"^(本|我|该|各|全|上级|有关|做好|开展|印发|转发|加强|推进|进一步|深入|认真)")
# What a name never holds, and what is cut off it: the title words and what follows them.
_TITLE_WORDS_RE = re.compile(r"(政府信息公开|政府信息|政务公开|信息公开|政府公开|年度报告|工作报告|年报)")
_YEAR_RE = re.compile(r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年(?:度)?")
_MARKS_RE = re.compile(r"[#＃*＊>《》〈〉“”\"'‘’「」『』【】\[\]{}]")
# Shortest and longest canonical name accepted (市科委 … a long 街道办事处 with city and district).
MIN_NAME, MAX_NAME = 2, 40


@dataclass
class Candidate:
    source: str  # title / signature / opening / page_box / first_line
    printed: str  # as the report prints it
    canonical: str


@dataclass
class AgencyChoice:
    canonical: str | None = None
    printed: str | None = None
    source: str | None = None
    alternatives: list[str] = field(default_factory=list)


def clean_printed(text: str) -> str:
    """The name as printed, without whitespace, heading marks, quotes, years, 关于, 的 and
    title words (characters kept as printed: traditional stays traditional)."""
    t = _MARKS_RE.sub("", re.sub(r"\s+", "", text))
    simp = to_simplified(halfwidth(t))
    if len(simp) != len(t):  # (a rare NFKC length change: work on the normalised text)
        t = simp
    m = _TITLE_WORDS_RE.search(simp)
    if m:
        t, simp = t[: m.start()], simp[: m.start()]
    keep = [True] * len(simp)
    for m in _YEAR_RE.finditer(simp):
        for i in range(m.start(), m.end()):
            keep[i] = False
    t = "".join(ch for ch, k in zip(t, keep, strict=True) if k)
    simp = "".join(ch for ch, k in zip(simp, keep, strict=True) if k)
    while True:
        before = simp
        for word in ("关于", "的", "度", "（", "(", "：", ":", "，", "、", "-", "—", "_"):
            if simp.startswith(word):
                t, simp = t[len(word):], simp[len(word):]
            if simp.endswith(word):
                t, simp = t[: len(t) - len(word)], simp[: len(simp) - len(word)]
        if simp.endswith("关于"):
            t, simp = t[:-2], simp[:-2]
        if simp == before:
            return t


def canonical_agency(text: str | None) -> str | None:
    """The canonical form of a printed agency name, or None if nothing name-like is left."""
    if not text:
        return None
    name = to_simplified(halfwidth(clean_printed(text)))
    if not (MIN_NAME <= len(name) <= MAX_NAME) or not re.fullmatch(r"[\u4e00-\u9fff（）()0-9]+", name):
        return None
    if _SELF_RE.match(name) or name.isdigit():
        return None
    return name


def looks_like_agency(name: str) -> bool:
    """A canonical name that ends like an agency's (局, 委员会, 人民政府, 中心 …)."""
    return bool(AGENCY_RE.fullmatch(name)) or name.endswith(AGENCY_SUFFIXES)


def candidate(source: str, printed: str | None, need_suffix: bool = True) -> Candidate | None:
    canon = canonical_agency(printed)
    if canon is None or (need_suffix and not looks_like_agency(canon)):
        return None
    return Candidate(source, clean_printed(printed), canon)


def expand(name: str) -> str:
    """Known abbreviations spelled out (上海市科委 → 上海市科学技术委员会)."""
    out = _ABBREV_RE.sub(lambda m: ABBREVIATIONS[m.group(0)], name)
    if out.endswith("委") and not out.endswith("党委"):
        out += "员会"  # …委 for …委员会, the general rule of the table's 委 entries
    return out


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def is_fuller(long: str, short: str) -> bool:
    """Is `long` a fuller form of the same name as `short` (short an abbreviation of it, or
    it with a region prefix)? Both canonical."""
    if len(long) <= len(short) or short == long:
        return False
    short_x, long_x = expand(short), expand(long)
    if short_x == long_x or long_x.endswith(short_x):
        return True
    return short_x[-1] == long_x[-1] and short_x[0] in long_x and _subsequence(short_x, long_x) \
        and long_x.endswith(short_x[-2:])


def choose_agency(cands: list[Candidate]) -> AgencyChoice:
    """The first candidate, or a fuller form of it found among the others; the other names
    seen are the alternatives."""
    cands = [c for c in cands if c is not None]
    if not cands:
        return AgencyChoice()
    best = cands[0]
    for c in cands[1:]:
        if is_fuller(c.canonical, best.canonical):
            best = c
    alts: list[str] = []
    for c in cands:
        if c.canonical != best.canonical and c.canonical not in alts:
            alts.append(c.canonical)
    return AgencyChoice(best.canonical, best.printed, best.source, alts)
