"""Page furniture: the metadata box of a government page (名称/索引号/发布机构/发文日期 …)
and the site chrome that surrounds an article (breadcrumbs, 上一篇/下一篇, share buttons,
footers).

The box is metadata, not report content: `box_pairs` reads its ``key：value`` pairs from
lines of text (a saved page's box flattened to text, an archive export's header block, or
the cells the HTML reader took out of a box table); `box_fields` turns them into the
report's `index_number`, publishing agency, date and title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from extractors.labels.normalize import halfwidth
from extractors.metadata.dates import find_date

# Keys of the metadata box on Chinese government pages (政府信息公开目录 pages of the
# common CMSes and the archive exports: the Pingtan header block prints 标题/发布时间/文号/
# 发布机构/栏目), longest first so that 发布机构 is not read as 发布.
BOX_KEYS = (
    "信息索引号", "索引号", "发布机构", "发文机关", "发文机构", "发布单位", "所属机构", "生成日期", "发文日期",
    "发布日期", "发布时间", "成文日期", "印发日期", "主题分类", "发文字号", "文号", "主题词", "有效性", "公开方式",
    "公开范围", "公开时限", "信息来源", "组配分类", "体裁分类", "服务对象", "名称", "标题", "栏目",
)
BOX_KEY_RE = re.compile(r"(" + "|".join(BOX_KEYS) + r")\s*[:：]\s*")
# Box keys whose value is the publishing agency, the publication date (in order of
# preference: the date the page says it was published, then the date the document was
# made), the index number and the title.
AGENCY_KEYS = ("发布机构", "发文机关", "发文机构", "发布单位", "所属机构")
DATE_KEYS = ("发布日期", "发布时间", "发文日期", "成文日期", "印发日期", "生成日期")
INDEX_KEYS = ("索引号", "信息索引号")
TITLE_KEYS = ("名称", "标题")
# A box line is short: a line over this many characters is running text that happens to
# start with a key (seeds: box lines are under 60 characters; one with a long 名称 ~90).
BOX_LINE_CHARS = 120
_INDEX_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-/.·]{3,60}")

# Site chrome: breadcrumb and navigation words, and the bits of every page footer.
_CRUMB_RE = re.compile(r"^\s*(?:网站)?首页|(当前位置|您的位置|您现在的位置|所在位置)\s*[:：]|首页\s*[>＞»›/→]|[>＞»›]\s*首页")
_CHROME_RE = re.compile(
    r"上一篇|下一篇|分享到|打印本页|关闭窗口|【\s*字体|字号\s*[:：]\s*[大中小]|浏览次数|ICP备|网站标识码|"
    r"主办单位|承办单位|技术支持|版权所有|扫一扫|公网安备|网站地图|无障碍"
)


@dataclass
class BoxFields:
    index_number: str | None = None
    agency: str | None = None
    published_on: date | None = None
    title: str | None = None


def box_pairs(lines: list[str]) -> list[tuple[str, str]]:
    """Every ``key：value`` pair of the box keys printed in `lines` (several may share a
    line: ``索引号：… 主题分类：…``)."""
    out: list[tuple[str, str]] = []
    for line in lines:
        if len(line) > BOX_LINE_CHARS:
            continue
        t = halfwidth(line).replace("\u3000", " ")
        keys = list(BOX_KEY_RE.finditer(t))
        if not keys or t[: keys[0].start()].strip(" |:：【】[]"):
            continue  # a key in running text, not a box line
        for i, m in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(t)
            out.append((m.group(1), t[m.end():end].strip(" |\t")))
    return out


def is_box_line(line: str) -> bool:
    return bool(box_pairs([line]))


def is_chrome(line: str) -> bool:
    """A line of site chrome (a breadcrumb, 上一篇/下一篇, a footer), never a title."""
    t = halfwidth(line)
    return bool(_CRUMB_RE.search(t) or _CHROME_RE.search(t))


def box_fields(pairs: list[tuple[str, str]]) -> BoxFields:
    got = {}
    for k, v in pairs:
        if v and k not in got:
            got[k] = v
    out = BoxFields()
    for k in INDEX_KEYS:
        if k in got and (m := _INDEX_RE.search(got[k])):
            out.index_number = m.group(0)
            break
    for k in AGENCY_KEYS:
        if k in got:
            out.agency = got[k]
            break
    for k in DATE_KEYS:
        if k in got and (d := find_date(got[k])):
            out.published_on = d
            break
    for k in TITLE_KEYS:
        if k in got:
            out.title = got[k]
            break
    return out
