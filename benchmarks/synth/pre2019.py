"""Reports in the format before the 2019 templates (2008–2018): a narrative in the old six
parts and the 政府信息公开情况统计表, one table of 指标名称 | 计量单位 | 本年度 (| 历年累计).

The pipeline must recognise them (template `pre2019`, status not_a_report saying why) and
never read their table into the gb2019/gb2021 keys: their gold has template `pre2019` and no
cells. The rows are the old form's indicators as such reports print them; the numbers are
random (nothing is scored).
"""

from __future__ import annotations

import random

from . import params as P
from .layout import Block, Document, GCell, GTable
from .model import Report
from .names import Agency

# (indicator, unit); a unit of "—" marks a group row that prints no numbers.
INDICATORS = (
    ("一、主动公开情况", "—"),
    ("（一）主动公开政府信息数", "条"),
    ("其中：主动公开规范性文件数", "条"),
    ("制发规范性文件总数", "件"),
    ("（二）通过不同渠道和方式公开政府信息的情况", "—"),
    ("1.政府公报公开政府信息数", "条"),
    ("2.政府网站公开政府信息数", "条"),
    ("3.政务微博公开政府信息数", "条"),
    ("4.政务微信公开政府信息数", "条"),
    ("5.其他方式公开政府信息数", "条"),
    ("二、回应解读情况", "—"),
    ("（一）回应公众关注热点或重大舆情数", "次"),
    ("三、依申请公开情况", "—"),
    ("（一）收到申请数", "件"),
    ("1.当面申请数", "件"),
    ("2.传真申请数", "件"),
    ("3.网络申请数", "件"),
    ("4.信函申请数", "件"),
    ("（二）申请办结数", "件"),
    ("1.按时办结数", "件"),
    ("2.延期办结数", "件"),
    ("（三）申请答复数", "件"),
    ("1.属于已主动公开范围数", "件"),
    ("2.同意公开答复数", "件"),
    ("3.同意部分公开答复数", "件"),
    ("4.不同意公开答复数", "件"),
    ("5.不属于本行政机关公开数", "件"),
    ("6.申请信息不存在数", "件"),
    ("四、行政复议数量", "件"),
    ("（一）维持具体行政行为数", "件"),
    ("（二）被依法纠错数", "件"),
    ("（三）其他情形数", "件"),
    ("五、行政诉讼数量", "件"),
    ("（一）维持具体行政行为或者驳回原告诉讼请求数", "件"),
    ("（二）被依法纠错数", "件"),
    ("（三）其他情形数", "件"),
    ("六、举报投诉数量", "件"),
    ("七、依申请公开信息收取的费用", "万元"),
    ("八、机构建设和保障经费情况", "—"),
    ("（一）政府信息公开工作专门机构数", "个"),
    ("（二）设置政府信息公开查阅点数", "个"),
    ("（三）从事政府信息公开工作人员数", "人"),
    ("九、政府信息公开会议和培训情况", "—"),
    ("（一）召开政府信息公开工作会议或专题会议数", "次"),
    ("（二）举办各类培训班数", "次"),
)
SECTIONS = ("一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况",
            "四、政府信息公开的收费及减免情况", "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
            "六、存在的主要问题及改进措施")
# Widths of the columns in twentieths of a point (Word dxa), as the old form prints them.
WIDTHS = (4800, 1200, 1600, 1600)


def _number(rng: random.Random, unit: str) -> str:
    if unit == "万元":
        return "0"
    return str(rng.choice([0, 0, 0, rng.randint(1, 30), rng.randint(30, 3000)]))


def statistics_table(rng: random.Random) -> GTable:
    """The 统计表: a header row, then one row per indicator (group rows print —)."""
    cumulative = rng.random() < P.P_PRE2019_CUMULATIVE
    heads = ["指标名称", "计量单位", "本年度"] + (["历年累计"] if cumulative else [])
    cells = [GCell(0, c, h, role="header") for c, h in enumerate(heads)]
    for r, (label, unit) in enumerate(INDICATORS, start=1):
        cells.append(GCell(r, 0, label))
        cells.append(GCell(r, 1, unit, role="value"))
        for c in range(2, len(heads)):
            cells.append(GCell(r, c, "—" if unit == "—" else _number(rng, unit), role="value"))
    return GTable("pre2019", len(INDICATORS) + 1, len(heads), cells, list(WIDTHS[: len(heads)]))


def build_pre2019_document(report: Report, agency: Agency, rng: random.Random) -> Document:
    """A whole pre-2019 report: title, the six old parts, the 统计表 as an annex, the 落款."""
    y = report.year
    blocks = [Block("title", f"{agency.name}{y}年政府信息公开工作年度报告"),
              Block("para", f"本报告根据《中华人民共和国政府信息公开条例》要求编制，报告中所列数据的统计期限"
                            f"自{y}年1月1日起至{y}年12月31日止。")]
    texts = ("本年度，我单位认真贯彻落实政府信息公开工作要求，健全工作机制，规范公开程序。",
             "全年通过政府网站、政务微博等渠道主动公开政府信息，详见附表。",
             "本年度依申请公开工作依法办理，按时答复，详见附表。",
             "本年度未收取政府信息公开检索、复制、邮寄等费用。",
             "本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
             "主动公开的及时性和规范性有待提高，下一步将进一步加强培训和监督。")
    for heading, text in zip(SECTIONS, texts, strict=True):
        blocks += [Block("heading", heading), Block("para", text)]
    blocks.append(Block("heading", "附表：政府信息公开情况统计表"))
    blocks.append(Block("table", table=statistics_table(rng)))
    blocks += [Block("sign", agency.name), Block("sign", f"{y + 1}年3月{rng.randint(1, 31)}日")]
    report.perturbations.append("pre2019_format")
    return Document(report, agency, blocks)
