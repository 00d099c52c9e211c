"""The free-text parts of a report (一、总体情况, 五, 六, the preamble), written for the corpus.

Sentences that state figures use the report's own table values (applications received,
carried over, handled, review and litigation cases, normative documents), so the text
and the tables agree; other figures (items published, interpretations, trainings) are
narrative-only. Returns (kind, text) pairs: kind is "para" or "heading".
"""

from __future__ import annotations

import random

from .labels import CN_NUMS, Labeler
from .model import Report
from .names import Agency

DOC_REF = {"gb2019": "国办公开办函〔2019〕60号", "gb2021": "国办公开办函〔2021〕30号"}
PLATFORMS = ("政府门户网站", "政务公开专栏", "政务微信公众号", "政务微博", "政务服务平台", "公开栏")
CATEGORIES = ("工作动态", "通知公告", "政策文件", "规划计划", "机构职能", "财政信息", "人事信息", "政策解读",
              "重点领域信息", "行政执法信息", "公示公告", "统计信息")


def _self(agency: Agency) -> str:
    return agency.self_ref


def preamble(rng: random.Random, r: Report, agency: Agency) -> list[tuple[str, str]]:
    y = r.year
    phone = f"0{rng.randint(510, 939)}-{rng.randint(2000000, 8999999)}"
    forms = [
        (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{DOC_REF[r.template]}要求编制，"
         f"由{agency.name}负责。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
         f"政府信息公开行政复议及行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
         f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。本报告电子版可在{agency.site}门户网站查阅或下载。"
         f"如对本报告有疑问，请与{agency.name}办公室联系（电话：{phone}）。"),
        (f"按照《中华人民共和国政府信息公开条例》规定和上级关于做好政府信息公开工作年度报告的部署，"
         f"{_self(agency)}编制了{y}年度政府信息公开工作年度报告，现予以公布。报告中所列数据统计时限为{y}年1月1日至"
         f"{y}年12月31日。"),
        (f"{y}年，{agency.name}坚持以人民为中心的发展思想，认真落实《中华人民共和国政府信息公开条例》，"
         f"围绕中心工作深化政务公开，现将本年度政府信息公开工作情况报告如下："),
    ]
    return [("para", rng.choice(forms))]


def _items_sentence(rng: random.Random, total: int) -> str:
    cats = rng.sample(CATEGORIES, k=rng.randint(2, 5))
    parts, left = [], total
    for c in cats[:-1]:
        n = rng.randint(0, max(0, left // 2))
        parts.append((c, n))
        left -= n
    parts.append((cats[-1], left))
    unit = rng.choice(["条", "篇"])
    detail = "、".join(f"{c}{n}{unit}" for c, n in parts)
    return f"共计发布政务公开信息{total}{unit}，其中{detail}。"


def overall(rng: random.Random, r: Report, agency: Agency, lab: Labeler, long: bool) -> list[tuple[str, str]]:
    y, me, v = r.year, _self(agency), r.v
    out = [("heading", lab.section(1, "总体情况"))]
    out.append(("para", rng.choice([
        f"{y}年，{me}深入贯彻落实《中华人民共和国政府信息公开条例》，把政务公开作为转变作风、提升效能的重要抓手，"
        f"健全工作机制，拓宽公开渠道，政府信息公开工作稳步推进。",
        f"{me}高度重视政府信息公开工作，成立了由主要负责同志任组长的政务公开工作领导小组，明确专人负责，"
        f"将政务公开纳入年度重点工作统筹推进。",
        f"{y}年，{me}按照上级统一部署，坚持“以公开为常态、不公开为例外”原则，持续提升政府信息公开质量。",
    ])))
    published = rng.randint(80, 900) if r.kind == "gov" else rng.randint(5, 260)
    new = v("applications", "new_received", "total")
    carried = v("applications", "carried_over", "total")
    done = v("applications", "results.total", "total")
    forward = v("applications", "carried_forward", "total")
    subs = ["主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障"]
    if r.template == "gb2019" and rng.random() < 0.5:
        subs = ["主动公开情况", "依申请公开情况", "政府信息管理情况", "平台建设情况", "监督保障情况"]
    sub_style = rng.choice(["group", "group", "item"])
    fillers = rng.sample(FILLER, k=len(FILLER))
    for i, name in enumerate(subs, start=1):
        head = lab.group(CN_NUMS[i - 1], name) if sub_style == "group" else lab.item(i, name)
        out.append(("heading", head))
        if i == 1:
            text = f"{y}年，{me}通过{rng.choice(PLATFORMS)}、{rng.choice(PLATFORMS)}等渠道主动公开政府信息，" + _items_sentence(rng, published)
            if r.template == "gb2021" and v("active_disclosure", "normative_documents", "issued"):
                text += (f"本年度制发行政规范性文件{v('active_disclosure', 'normative_documents', 'issued')}件，"
                         f"现行有效{v('active_disclosure', 'normative_documents', 'in_force')}件，均按要求及时公开。")
            elif r.template == "gb2019" and v("active_disclosure", "normative_documents", "new_published"):
                text += f"本年新公开规范性文件{v('active_disclosure', 'normative_documents', 'new_published')}件。"
            if rng.random() < 0.5:
                text += f"发布政策解读{rng.randint(0, 30)}篇，召开新闻发布会{rng.randint(0, 12)}场。"
            out.append(("para", text))
        elif i == 2:
            if new + carried == 0:
                out.append(("para", rng.choice([f"{y}年，{me}未收到政府信息公开申请。",
                                                 f"本年度{me}共收到政府信息公开申请0件，无上年结转申请。"])))
            else:
                text = rng.choice([f"本年度共收到政府信息公开申请{new}件", f"{y}年，{me}共受理政府信息公开申请{new}件"])
                text += f"，上年结转{carried}件" if carried else "，无上年结转申请"
                text += f"，办结{done}件"
                text += f"，结转下年度继续办理{forward}件。" if forward else "，均在法定期限内答复。"
                disclosed = v("applications", "results.disclosed", "total")
                if disclosed and rng.random() < 0.6:
                    text += f"其中予以公开{disclosed}件。"
                out.append(("para", text))
        elif i == 3:
            out.append(("para", rng.choice([
                f"严格落实政府信息公开保密审查制度，坚持“先审查、后公开”“一事一审”，全年组织政务公开业务培训{rng.randint(1, 6)}次。",
                "动态调整主动公开基本目录，规范信息发布流程，拟公开信息经科室初审、分管领导审核后发布。",
                f"{me}建立政府信息公开属性源头认定机制，对公文公开属性逐件审核，确保应公开尽公开。",
            ])))
        elif i == 4:
            out.append(("para", rng.choice([
                f"依托{agency.site}门户网站政府信息公开专栏，及时维护更新栏目内容，保障平台安全稳定运行。",
                "加强政务新媒体管理，推动网站与新媒体信息同步发布，不断提升公开平台的集约化水平。",
            ])))
        else:
            rl_review = v("review_litigation", "review", "total")
            rl_lit = v("review_litigation", "litigation_direct", "total") + v("review_litigation", "litigation_after_review", "total")
            text = rng.choice([
                "将政务公开工作纳入年度绩效考核，定期开展自查自纠，主动接受社会监督。",
                "建立政务公开工作责任制，明确分管领导和具体经办人员职责，全年未发生因政府信息公开引发的责任追究情况。",
            ])
            if rng.random() < 0.5:
                text += (f"全年发生政府信息公开行政复议{rl_review}件、行政诉讼{rl_lit}件。" if rl_review + rl_lit
                         else "全年未发生政府信息公开行政复议、行政诉讼案件。")
            out.append(("para", text))
        if long and fillers and rng.random() < 0.8:
            out.append(("para", fillers.pop()))
    return out


FILLER = (
    "围绕优化营商环境、乡村振兴、民生保障等重点领域，持续做好政策文件和工作动态的公开发布，"
    "对涉及群众切身利益的事项做到应公开尽公开，及时回应社会关切，切实增强公开实效。",
    "坚持政策文件与解读材料同步组织、同步审签、同步部署，通过图文解读、视频解读等方式，"
    "把政策的背景依据、目标任务、主要内容讲清楚，帮助群众读懂用好政策。",
    "结合日常工作实际，对公开栏目逐一梳理，对内容过时、更新不及时的栏目进行整改，"
    "对已公开的信息开展常态化检查，及时纠正错链、断链和内容不准确等问题。",
    "通过召开专题会议、以会代训等形式，组织各科室信息员学习《条例》和相关业务规范，"
    "进一步提高工作人员依法公开意识和业务能力。",
    "在政府信息公开申请办理中，严格执行登记、审核、办理、答复、归档等工作流程，"
    "规范答复文书格式，确保答复内容合法合规、依据充分。",
)


def problems(rng: random.Random, r: Report, agency: Agency, lab: Labeler) -> list[tuple[str, str]]:
    title = "政府信息公开工作存在的主要问题及改进情况" if r.template == "gb2021" and rng.random() < 0.6 else "存在的主要问题及改进情况"
    out = [("heading", lab.section(5, title))]
    out.append(("para", rng.choice([
        f"{r.year}年，{_self(agency)}政府信息公开工作虽然取得了一定成效，但仍存在一些不足：一是公开内容不够丰富，"
        f"部分栏目更新不及时；二是政策解读形式较为单一；三是工作人员业务能力有待进一步提升。",
        "存在问题：信息公开的深度和广度还需拓展，主动公开的及时性有待加强，专职工作人员力量相对薄弱。",
    ])))
    out.append(("para", rng.choice([
        "改进措施：一是加强学习培训，提升工作人员业务水平；二是丰富解读形式，增强解读效果；"
        "三是健全长效机制，加强日常监督检查，推动政务公开工作规范化、常态化。",
        "下一步，将进一步完善工作机制，加大重点领域信息公开力度，及时更新维护公开栏目，不断提高政府信息公开工作质量。",
    ])))
    return out


def other_matters(rng: random.Random, r: Report, agency: Agency, lab: Labeler) -> list[tuple[str, str]]:
    out = [("heading", lab.section(6, "其他需要报告的事项"))]
    me = _self(agency)
    if r.template == "gb2019":
        out.append(("para", rng.choice(["无。", f"{me}无其他需要报告的事项。", "本年度无其他需要报告的事项。"])))
        return out
    if rng.random() < 0.7:
        notices = rng.choice([0, 0, 0, 1, 2])
        fee = (f"（一）收取信息处理费情况。本年度{me}共发出收费通知{notices}件，收取信息处理费{notices * 100}元。"
               if notices else f"（一）收取信息处理费情况。{r.year}年{me}未收取信息处理费。")
        out.append(("para", fee))
        a, b = rng.randint(0, 20), rng.randint(0, 25)
        out.append(("para", f"（二）人大代表建议和政协提案办理情况。本年度共承办人大代表建议{a}件、政协提案{b}件，"
                            f"办结率100%，并按要求公开办理结果。"))
        out.append(("para", "（三）政务公开工作创新情况。结合工作实际，推进基层政务公开标准化规范化建设，"
                            "拓展政务公开参与渠道，提升公众参与度和满意度。"))
    else:
        out.append(("para", rng.choice([f"{me}本年度未收取信息处理费，无其他需要报告的事项。",
                                         "按照《政府信息公开信息处理费管理办法》规定，本年度未收取信息处理费。"])))
    return out


def signature(rng: random.Random, r: Report, agency: Agency) -> list[tuple[str, str]]:
    if rng.random() < 0.5:
        return []
    return [("sign", agency.name), ("sign", f"{r.year + 1}年1月{rng.randint(5, 31)}日")]


PAGE_FILLER = (
    "在重点领域信息公开方面，围绕财政预决算、重大建设项目、公共资源配置、社会公益事业建设等领域，"
    "按照“谁制作、谁公开”的原则细化公开内容，明确公开时限和责任科室，做到及时、准确、完整公开。"
    "对群众关注度高的事项，在公开的同时配发通俗易懂的说明材料，方便群众查阅和理解。",
    "在政策解读与回应关切方面，坚持主要负责同志带头解读，综合运用文字、图表、音视频等多种形式，"
    "增强解读的针对性和可读性；对网民留言和咨询事项做到件件有回复、事事有着落，"
    "对可能引发误解的信息及时澄清，营造良好的舆论环境。",
    "在基层政务公开标准化规范化建设方面，对照上级公布的标准目录逐项梳理公开事项，"
    "动态更新公开清单，推动公开内容覆盖权力运行全流程、政务服务全过程，"
    "并通过政务公开专区为群众提供查阅、咨询和意见反馈等服务。",
)


def page_filler(rng: random.Random) -> list[tuple[str, str]]:
    """About half a page of extra narrative (used to push table 3 across a page break)."""
    return [("para", p) for p in rng.sample(PAGE_FILLER, k=2)]
