"""Where a report comes from: the divisions its agency's name starts with, resolved by the
report's other evidence (the agency's other names, the text, the source URL's domain).

A name is read from its start as a chain of division names, each inside the one before
(淮安市 → 洪泽区); a name that several places share (鼓楼区) is kept only when other evidence
names exactly one of them (福州市鼓楼区 in the text, a *.fujian.gov.cn URL). Otherwise the
region is left null and the candidates are returned: a wrong region is worse than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from extractors.labels.normalize import to_simplified
from extractors.region.gazetteer import Division, Gazetteer, gazetteer

# Words after a county's short name that make the name a functional zone run for that
# county (平潭综合实验区 administers 平潭县): the zone then stands for the county.
ZONE_WORDS = ("综合实验区", "综合试验区", "实验区", "试验区", "新区", "经济技术开发区", "高新技术产业开发区", "开发区")
# Provincial portals' domains (*.sd.gov.cn …): the second-level labels the provinces use
# under gov.cn, from the portals' addresses (own knowledge, checked against the names).
PROVINCE_DOMAINS = {
    "beijing": "11", "bj": "11", "tj": "12", "tianjin": "12", "hebei": "13", "shanxi": "14", "nmg": "15",
    "ln": "21", "jl": "22", "hlj": "23", "sh": "31", "shanghai": "31", "js": "32", "jiangsu": "32",
    "zj": "33", "zhejiang": "33", "ah": "34", "fujian": "35", "fj": "35", "jiangxi": "36", "jx": "36",
    "sd": "37", "shandong": "37", "henan": "41", "hubei": "42", "hunan": "43", "gd": "44", "gxzf": "45",
    "gx": "45", "hainan": "46", "cq": "50", "sc": "51", "guizhou": "52", "gz": "52", "yn": "53",
    "xizang": "54", "shaanxi": "61", "gansu": "62", "qinghai": "63", "nx": "64", "xinjiang": "65",
}
TOWNSHIP_RE = re.compile(r"^([\u4e00-\u9fff]{1,8}?(?:街道|镇|乡))(?=人民政府|办事处|党委|$)")
# Central government: the State Council, the bodies named 国家… and the ministries under it
# print no region (教育部, 国家统计局, 海关总署). The ministries by name (the State Council's
# list of its departments), so that a party organ (宣传部) is never taken for one.
MINISTRIES = ("外交部", "国防部", "教育部", "科学技术部", "工业和信息化部", "公安部", "国家安全部", "民政部", "司法部",
              "财政部", "人力资源和社会保障部", "自然资源部", "生态环境部", "住房和城乡建设部", "交通运输部", "水利部",
              "农业农村部", "商务部", "文化和旅游部", "退役军人事务部", "应急管理部", "审计署", "海关总署")
NATIONAL_RE = re.compile(r"^(国务院|国家|中华人民共和国|中国人民银行|中国证券监督管理委员会)|^(" + "|".join(MINISTRIES) + ")$")


@dataclass
class Region:
    divisions: dict[str, Division] = field(default_factory=dict)  # level → division
    township: str | None = None
    rest: str = ""  # the name after the region (人民政府, 工业和信息化局 …)
    source: str | None = None  # name / zone / text / url: what decided the region
    candidates: list[Division] = field(default_factory=list)  # where the name was ambiguous
    national: bool = False


def _prefixes(g: Gazetteer, name: str, pos: int) -> list[tuple[str, tuple[Division, ...]]]:
    """Division names that `name` has at `pos`, longest first."""
    out = []
    for n in range(min(g.longest, len(name) - pos), 1, -1):
        hit = g.by_name.get(name[pos:pos + n])
        if hit:
            out.append((name[pos:pos + n], hit))
    return out


def _distinct(ds) -> list[Division]:
    """One division per place (a renamed code and its successor are one place; a
    municipality's prefecture row, 上海市 under 上海市, is the municipality)."""
    ds = list(ds)
    provinces = {d.current[:2] for d in ds if d.level == "province"}
    best: dict[str, Division] = {}  # per place, the code in force last (洛龙区 410311, not 410307)
    for d in ds:
        if d.level == "prefecture" and d.current[:2] in provinces:
            continue
        if d.current not in best or d.last > best[d.current].last:
            best[d.current] = d
    return list(best.values())


def parse_chain(name: str, g: Gazetteer | None = None) -> tuple[list[list[Division]], int]:
    """The candidate sets of the division names `name` starts with, each inside the one
    before, and where the chain ends."""
    g = g or gazetteer()
    chain: list[list[Division]] = []
    pos = 0
    while pos < len(name):
        step = None
        for text, hit in _prefixes(g, name, pos):
            cands = [d for d in hit if not chain or any(d.within(up) for up in chain[-1])]
            if cands:
                step = (text, _distinct(cands))
                break
        if step is None:
            break
        if chain:  # the levels above keep only what holds the new level
            chain[-1] = [up for up in chain[-1] if any(d.within(up) for d in step[1])]
        chain.append(step[1])
        pos += len(step[0])
    for i in range(len(chain) - 2, -1, -1):
        chain[i] = [up for up in chain[i] if any(d.within(up) for d in chain[i + 1])] or chain[i]
    return chain, pos


def _zone(g: Gazetteer, name: str) -> tuple[list[Division], int]:
    """A county's short name before a functional zone's word (平潭综合实验区)."""
    for n in range(min(6, len(name) - 2), 1, -1):
        hit = g.by_stem.get(name[:n])
        if hit and name[n:].startswith(ZONE_WORDS):
            return _distinct(hit), n
    return [], 0


def url_province(url: str | None) -> str | None:
    """The province code (2 digits) a *.XX.gov.cn address names, else None."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2:] == ["gov", "cn"]:
        return PROVINCE_DOMAINS.get(labels[-3])
    return None


def _supported(g: Gazetteer, d: Division, evidence: str) -> bool:
    """Does the evidence print `d` with one of the divisions above it right before it
    (福州市鼓楼区, 福建省福州市)?"""
    return any(up.name + d.name in evidence for lvl, up in g.chain(d).items() if up is not d)


def disambiguate(g: Gazetteer, cands: list[Division], evidence: str, province: str | None) -> tuple[list[Division], str | None]:
    """The candidates the other evidence leaves, and which evidence decided."""
    if province:
        by_url = [d for d in cands if d.current.startswith(province)]
        if len(by_url) == 1:
            return by_url, "url"
    by_text = [d for d in cands if _supported(g, d, evidence)]
    if len(by_text) == 1:
        return by_text, "text"
    return cands, None


def _existed(d: Division, year: int | None, vintages: tuple[int, ...]) -> bool:
    """Could `d` have been in force in `year`? A code that has a successor, or is still in
    force, could; a retired one only up to the first vintage that no longer lists it."""
    if year is None or d.successor or d.last == vintages[-1]:
        return True
    gone = next((v for v in vintages if v > d.last), None)
    return gone is None or year < gone


def resolve(name: str | None, alternatives: list[str] | None = None, text: str = "",
            url: str | None = None, year: int | None = None) -> Region:
    """The region of an agency named `name` (canonical), with its other names, the report's
    text, the URL it came from and its year as evidence."""
    if name:
        name = to_simplified(name)  # canonical names are simplified already; other callers' may not be
    out = Region(rest=name or "")
    if not name:
        return out
    g = gazetteer()
    chain, pos = parse_chain(name, g)
    source = "name"
    if not chain:
        zone, pos = _zone(g, name)
        if zone:
            chain, source = [zone], "zone"
    if not chain:
        out.national = bool(NATIONAL_RE.search(name))
        _township(out, name)
        return out
    lowest = chain[-1]
    if len(lowest) > 1:  # places abolished before the report's year are not candidates
        lowest = [d for d in lowest if _existed(d, year, g.vintages)] or lowest
    if len(lowest) > 1:
        evidence = "\n".join([*(alternatives or []), text])
        lowest, source = disambiguate(g, lowest, evidence, url_province(url))
    out.rest = name[pos:]
    if len(lowest) == 1:
        out.divisions, out.source = g.chain(lowest[0]), source
    else:
        out.candidates = lowest
    _township(out, out.rest)
    return out


def _township(out: Region, rest: str) -> None:
    m = TOWNSHIP_RE.match(rest)
    if m:
        out.township = m.group(1)
