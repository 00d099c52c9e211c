"""How a generated report names itself: the title's shape, the name each source prints
(title, opening sentence, 落款, the page's metadata box), the 落款 date, the page's 索引号
and publication date, and the gold that follows (`agency`, `published_on`, `index_number`).

Every source prints the fullest name or an abbreviation of it (the district alone, the
department's short name); the fullest is printed at least once, so it is the gold. Drawn
from its own random stream, so the rest of a document does not change with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from . import params as P
from .names import DEPARTMENTS, Agency

CN_DIGIT = "〇一二三四五六七八九"


@dataclass
class Masthead:
    full: str  # the fullest name: the gold agency
    title_name: str
    opening_name: str | None  # None: the opening does not name the agency
    sign_name: str | None  # None: no 落款
    sign_date: date | None
    shape: str  # a key of P.TITLE_SHAPES
    heading_mark: bool
    traditional_title: bool
    box_style: str | None = None  # html only: a key of P.PAGE_BOX_STYLES, None: no box
    box_agency: str | None = None
    index_number: str | None = None
    page_date: date | None = None  # html: the page's publication date (info line and box)
    chrome_line: bool = False
    archive_header: bool = False  # txt: the archive export's header block (its 发布时间 is page_date)
    title: str = ""  # the whole title as one line
    opening: str = ""  # the opening sentence naming the agency ("" where it names none)
    sign_text: str = ""  # the 落款 date as printed

    def gold(self, fmt: str) -> dict:
        published = self.page_date if fmt == "html" or self.archive_header else self.sign_date
        return {"agency": self.full, "published_on": published.isoformat() if published else None,
                "index_number": self.index_number if self.box_style else None}


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _variants(agency: Agency, with_city: bool) -> tuple[str, list[str]]:
    """The fullest name and its abbreviations (district alone, short department name)."""
    dept = agency.name[len(agency.district):] if agency.name.startswith(agency.district) else None
    if dept is None and agency.name.startswith(agency.region):
        dept = agency.name[len(agency.region):]
    dept = dept or agency.name
    full_dept = next((f for f, s in DEPARTMENTS if dept in (f, s)), dept)
    short_dept = next((s for f, s in DEPARTMENTS if dept in (f, s)), dept)
    prefix = agency.region if with_city else agency.district
    full = prefix + full_dept
    shorter = {agency.district + full_dept, agency.district + short_dept, prefix + short_dept}
    shorter.discard(full)
    return full, sorted(shorter)


def credit_code(rng: random.Random) -> str:
    """A unified social credit code shaped like an agency's (11 + region + MB + digits + check)."""
    return f"11{rng.randint(110000, 659999)}MB{rng.randint(0, 9999999):07d}{rng.choice('0123456789X')}"


def make_masthead(rng: random.Random, agency: Agency, year: int, fmt: str) -> Masthead:
    full, shorter = _variants(agency, rng.random() < P.P_FULL_WITH_CITY)
    abbreviated = bool(shorter) and rng.random() < P.P_TITLE_ABBREVIATED
    title_name = rng.choice(shorter) if abbreviated else full
    opening = (rng.choice([full, *shorter]) if rng.random() < P.P_OPENING_NAMES else None)
    sign = rng.choice([full, full, *shorter]) if rng.random() < P.P_SIGNATURE else None
    m = Masthead(full, title_name, opening, sign, None, _pick(rng, P.TITLE_SHAPES),
                 rng.random() < P.P_TITLE_HEADING_MARK and fmt == "txt",
                 rng.random() < P.P_TITLE_TRADITIONAL)
    m.title = title_text(m, year, rng)
    if m.opening_name:
        m.opening = rng.choice(OPENINGS).format(name=m.opening_name, y=year)
    if sign:
        m.sign_date = date(year + 1, rng.randint(1, 2), rng.randint(5, 28))
        m.sign_text = (cn_date(m.sign_date) if rng.random() < P.P_SIGN_DATE_CN
                       else f"{m.sign_date.year}年{m.sign_date.month}月{m.sign_date.day}日")
    if fmt == "html":
        m.page_date = date(year + 1, rng.randint(1, 3), rng.randint(10, 28))
        m.chrome_line = rng.random() < P.P_PAGE_CHROME_LINE
        if rng.random() < P.P_PAGE_BOX:
            m.box_style = _pick(rng, P.PAGE_BOX_STYLES)
            m.box_agency = rng.choice([full, *shorter])
            m.index_number = f"{credit_code(rng)}/{year + 1}-{rng.randint(1, 99999):05d}"
    if fmt == "txt" and rng.random() < P.P_ARCHIVE_HEADER:
        m.archive_header = True
        m.page_date = date(year + 1, rng.randint(1, 3), rng.randint(10, 28))
        m.box_agency = rng.choice(["", full])
    if abbreviated and full not in (opening, sign, m.box_agency):
        if sign:
            m.sign_name = full
        else:  # the fullest name is printed somewhere
            m.opening_name = full
            m.opening = rng.choice(OPENINGS).format(name=full, y=year)
    return m


# Opening sentences that name the agency (Hongze 2024: 本报告由淮安市洪泽区人民政府办公室根据
# 《条例》…要求编制; the seeds: 现将…报告如下; kewei 2024: 市科委编制了…).
OPENINGS = (
    "本报告由{name}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。",
    "现将{name}{y}年度政府信息公开工作情况报告如下。",
    "{name}根据《中华人民共和国政府信息公开条例》规定，编制本报告。",
    "根据《条例》要求，{name}编制了{y}年度政府信息公开工作年度报告。",
)


def archive_header(m: Masthead, title: str) -> list[str]:
    """The header block an archive export prints above the page's text (Pingtan page.txt)."""
    return [f"标题: {title}", f"发布时间: {m.page_date.isoformat()} 09:30", "文号: ", f"发布机构: {m.box_agency or ''}",
            "栏目: 政府信息公开年报", "==================== 正文 ===================="]


def cn_year(year: int) -> str:
    return "".join(CN_DIGIT[int(d)] for d in str(year))


def cn_date(d: date) -> str:
    """二〇二五年一月二十日."""
    def small(n: int) -> str:
        tens, units = divmod(n, 10)
        return (("" if tens == 1 else CN_DIGIT[tens]) + "十" if tens else "") + (CN_DIGIT[units] if units else "")
    return f"{cn_year(d.year)}年{small(d.month)}月{small(d.day)}日"


def title_text(m: Masthead, year: int, rng: random.Random) -> str:
    nian = "年度" if rng.random() < P.P_TITLE_NIANDU else "年"
    words = "政府信息公开工作年度报告"
    name = m.title_name
    if m.shape == "year_first":
        return f"{year}{nian}{name}{words}"
    if m.shape == "cn_year":
        return f"{name}{cn_year(year)}{nian}{words}"
    if m.shape == "guanyu":
        return f"关于{name}{year}{nian}{words}"
    if m.shape == "guanyu_after":
        return f"{name}关于{year}{nian}{words}"
    return f"{name}{year}{nian}{words}"


NOTICE_TITLES = (
    "关于做好{y}年度政府信息公开工作年度报告编制和发布工作的通知",
    "关于开展{y}年政务公开工作培训的通知",
    "关于印发{y}年政务公开工作要点的通知",
)


def notice_blocks(rng: random.Random, agency: Agency, year: int) -> list[tuple[str, str]]:
    """A notice that is not a report (关于做好…的通知): title, addressees, a few paragraphs, 落款."""
    title = rng.choice(NOTICE_TITLES).format(y=year)
    paras = [
        "各镇（街道）、区直各部门：",
        f"根据《中华人民共和国政府信息公开条例》和上级有关要求，为做好{year}年度政府信息公开相关工作，现将有关事项通知如下。",
        "一、提高思想认识。各单位要高度重视，明确分管负责同志和具体经办人员，确保按时保质完成。",
        f"二、严格时间节点。请于{year + 1}年1月31日前完成相关工作，并将联系人信息报送区政务公开办公室。",
        "三、加强审核把关。严格落实信息发布审查制度，确保公开内容准确、规范。",
    ]
    out = [("title", title), *[("para", p) for p in paras]]
    out += [("sign", agency.site + "办公室"), ("sign", f"{year}年12月{rng.randint(1, 28)}日")]
    return out
