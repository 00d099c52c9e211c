"""Printed label wording: official labels plus the deviations real reports show.

One `Labeler` per document fixes the document's numbering style (1．/1./1、, （一）/(一)),
its self-reference (本机关/本单位), and picks the few labels that get a typo, an inner
space or an inner line break. Every choice is appended to the report's perturbations.
"""

from __future__ import annotations

import random
import re

from schemas import schema

from . import params as P
from .model import _pick

CN_NUMS = "一二三四五六七八九十"

# Labels that get inner line breaks in Word tables (spec label_variants, seeds s001/s003):
# (label id, position of the break as a fraction of the label length).
BREAKABLE = {
    "ad.col.new_made": 3, "ad.col.new_published": 3, "ad.col.total_published": 4,
    "ad.col.prev_year_items": 3, "ad.col.decisions": 2, "ad.col.items": 2, "ad.col.amount": 2,
    "ad.col.issued": 2, "ad.col.repealed": 2, "ad.col.in_force": 2, "ad.col.amount_10k_yuan": 6,
    "ap.col.social_welfare_org": 4, "ap.col.legal_service_org": 4, "ap.col.commercial_enterprise": 2,
    "ap.col.research_institution": 2,
    "rl.col.upheld": 2, "rl.col.corrected": 2, "rl.col.other": 2, "rl.col.pending": 2, "rl.col.total": 1,
    "ap.row.results.not_processed.confirm_reissue": 12, "ap.row.results.partially_disclosed": 6,
    "ap.row.new_received": 7, "ap.row.carried_over": 7,
    "ap.row.results.other.overdue_correction": 12, "ap.row.results.other.unpaid_fee": 12,
}
# Labels where a stray inner space is seen (商业 企业, 科研 机构, 收费通知 要求).
SPACEABLE = ("ap.col.commercial_enterprise", "ap.col.research_institution", "ap.col.social_welfare_org",
             "ap.col.legal_service_org", "ap.row.results.other.unpaid_fee", "ad.row.other_services",
             "ap.row.results.withheld.internal_affairs", "ap.row.results.unavailable.needs_creation",
             "ad.col.new_made", "ap.row.results.not_processed.excessive")
# Labels long enough to survive a dropped/swapped character and still be recognisable.
TYPO_CANDIDATES = ("ap.row.results.withheld.prohibited_by_law", "ap.row.results.withheld.internal_affairs",
                   "ap.row.results.withheld.process_info", "ap.row.results.withheld.enforcement_files",
                   "ap.row.results.unavailable.needs_creation", "ap.row.results.unavailable.unclear",
                   "ap.row.results.not_processed.excessive", "ap.row.results.not_processed.publication",
                   "ap.row.carried_forward", "ad.row.other_services", "ad.row.fees",
                   "ap.row.results.withheld.third_party_rights")
# Wordings published reports print instead of the official label (the label body, after the
# numbering), by label id. From the real reports and the spec's label_variants: a dropped or
# added 的/量/度 (kewei, Hongze: 申请数 for 申请数量), punctuation inserted into the official
# wording (其他法律、行政法规), a dropped parenthetical (部分公开), 下一年度 for 下年度, 或者 for 或,
# the self-reference dropped (不掌握相关政府信息), 本年新制发 for 本年制发, 合计 for 总计.
REWORDINGS = {
    "ap.row.new_received": ("本年新收政府信息公开申请数", "本年度新收政府信息公开申请数量", "本年新收到政府信息公开申请数量"),
    "ap.row.carried_over": ("上年结转政府信息公开申请数", "上年度结转政府信息公开申请数量"),
    "ap.row.results.partially_disclosed": ("部分公开", "部分公开（区分处理的，只计这一情形）"),
    "ap.row.results.withheld.state_secret": ("属于国家秘密的",),
    "ap.row.results.withheld.prohibited_by_law": ("其他法律、行政法规禁止公开", "其他法律行政法规禁止公开的"),
    "ap.row.results.withheld.three_safeties": ("危及三安全一稳定", "危及\"三安全一稳定\""),
    "ap.row.results.withheld.third_party_rights": ("保护第三方合法权益的",),
    "ap.row.results.withheld.internal_affairs": ("属于三类内部事务信息的", "三类内部事务信息"),
    "ap.row.results.withheld.process_info": ("属于四类过程性信息的", "四类过程性信息"),
    "ap.row.results.withheld.enforcement_files": ("属于行政执法案卷的",),
    "ap.row.results.withheld.admin_query": ("属于行政查询事项的",),
    "ap.row.results.unavailable.not_held": ("不掌握相关政府信息", "本机关不掌握相关的政府信息"),
    "ap.row.results.unavailable.needs_creation": ("没有现成信息，需要另行制作", "没有现成信息需另行制作"),
    "ap.row.results.unavailable.unclear": ("补正后申请内容仍然不明确",),
    "ap.row.results.not_processed.petition": ("信访举报投诉类的申请",),
    "ap.row.results.not_processed.duplicate": ("重复申请的",),
    "ap.row.results.not_processed.publication": ("要求提供公开出版物的",),
    "ap.row.results.not_processed.excessive": ("无正当理由大量、反复申请",),
    "ap.row.results.not_processed.confirm_reissue": ("要求行政机关确认或者重新出具已获取信息",),
    "ap.row.results.other.overdue_correction": ("申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请",),
    "ap.row.results.other.unpaid_fee": ("申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请",),
    "ap.row.results.total": ("合计",),
    "ap.row.carried_forward": ("结转下一年度继续办理", "结转下年度继续办理的"),
    "ad.col.issued": ("本年新制发件数",),
    "ad.col.repealed": ("本年度废止件数",),
    "ad.col.new_made": ("本年新制作数",),
    "ad.col.total_published": ("对外公开总数",),
    "ad.col.prev_year_items": ("上年项目数量",),
    "ad.col.decisions": ("处理决定数量",),
    "rl.col.pending": ("未审结",),
}


class Labeler:
    def __init__(self, rng: random.Random, template: str, perturbations: list[str]):
        self.rng = rng
        self.template = template
        self.sep = _pick(rng, P.ITEM_SEPARATORS)
        self.paren = _pick(rng, P.PAREN_STYLES)
        self.self_ref = "本单位" if rng.random() < P.P_SELF_REF_DANWEI else "本机关"
        self.arabic_sections = rng.random() < P.P_SECTION_ARABIC
        self.section_space = rng.random() < 0.15  # s000 "六、 其他需要报告的事项"
        self.caption_variant = rng.choice(["plain", "tab", "ascii"]) if rng.random() < P.P_CAPTION_VARIANT else "plain"
        self.note_ascii = rng.random() < P.P_ASCII_NOTE_PARENS
        self.note_break = rng.random() < P.P_NOTE_BREAK
        self.breaks: set[str] = set()
        self.spaces: set[str] = set()
        self.typos: dict[str, str] = {}
        self.rewordings: dict[str, str] = {}
        present = label_ids(template)
        if rng.random() < P.P_LABEL_BREAKS:
            keys = [k for k in sorted(BREAKABLE) if k in present]
            self.breaks = set(rng.sample(keys, k=rng.randint(3, min(10, len(keys)))))
        if rng.random() < P.P_LABEL_SPACES:
            keys = [k for k in SPACEABLE if k in present]
            self.spaces = set(rng.sample(keys, k=rng.randint(1, 3)))
        if rng.random() < P.P_LABEL_TYPO:
            keys = [k for k in TYPO_CANDIDATES if k in present]
            for lid in rng.sample(keys, k=rng.randint(1, 2)):
                self.typos[lid] = rng.choice(["drop", "swap"])
        if rng.random() < P.P_LABEL_REWORD:
            keys = [k for k in REWORDINGS if k in present and k not in self.typos]
            for lid in rng.sample(keys, k=min(len(keys), rng.randint(*P.LABEL_REWORD_COUNT))):
                self.rewordings[lid] = rng.choice(REWORDINGS[lid])
        p = perturbations
        if self.sep != "．":
            p.append(f"item_numbering:{self.sep.strip() or self.sep}{' (with space)' if self.sep.endswith(' ') else ''}")
        if self.paren != "full":
            p.append(f"paren_numbering:{'(一) ' if self.paren == 'ascii_space' else '(一)'}")
        if self.self_ref == "本单位":
            p.append("self_reference:本单位")
        if self.arabic_sections:
            p.append("section_numbering:arabic")
        if self.caption_variant != "plain":
            p.append(f"article_caption:{self.caption_variant}")
        if self.note_ascii:
            p.append("note:ascii_parens")
        if self.note_break:
            p.append("note:line_break")
        if self.breaks:
            p.append("label_line_breaks:" + ",".join(sorted(self.breaks)))
        if self.spaces:
            p.append("label_spaces:" + ",".join(sorted(self.spaces)))
        for lid, how in sorted(self.typos.items()):
            p.append(f"label_typo:{how}:{lid}")
        if self.rewordings:
            p.append("label_rewording:" + ",".join(sorted(self.rewordings)))

    # ---- numbering ------------------------------------------------------------------------
    def item(self, n: int, body: str) -> str:
        return f"{n}{self.sep}{body}"

    def group(self, cn: str, body: str) -> str:
        if self.paren == "full":
            return f"（{cn}）{body}"
        if self.paren == "ascii":
            return f"({cn}){body}"
        return f"({cn}) {body}"

    def section(self, n: int, title: str) -> str:
        if self.arabic_sections:
            return f"{n}{self.rng.choice(['、', '.', '. ', '、 '])}{title}"
        return f"{CN_NUMS[n - 1]}、{' ' if self.section_space and n == 6 else ''}{title}"

    def renumber(self, official: str) -> str:
        """Re-print an official label ('1．属于国家秘密', '（三）不予公开') in this document's style."""
        m = re.match(r"^(\d+)．(.*)$", official)
        if m:
            return self.item(int(m.group(1)), m.group(2))
        m = re.match(r"^（([一二三四五六七八九十])）(.*)$", official)
        if m:
            body = m.group(2)
            if self.paren != "full":
                body = body.replace("（", "(").replace("）", ")")
                if self.paren == "ascii_space":
                    body = body.replace("，", ", ")
            return self.group(m.group(1), body)
        return official

    # ---- text of one label -----------------------------------------------------------------
    def text(self, lid: str, official: str) -> str:
        t = self.renumber(official).replace("本机关", self.self_ref)
        prefix_len = _numbering_prefix_len(t)
        head, body = t[:prefix_len], t[prefix_len:]
        if lid in self.rewordings:
            body = self.rewordings[lid].replace("本机关", self.self_ref)
        how = self.typos.get(lid)
        if how and len(body) >= 5:
            i = self.rng.randrange(1, len(body) - 2)
            body = body[:i] + body[i + 1:] if how == "drop" else body[:i] + body[i + 1] + body[i] + body[i + 2:]
        if lid in self.spaces and len(body) >= 4:
            i = len(body) // 2
            body = body[:i] + self.rng.choice([" ", " ", "　"]) + body[i:]
        if lid in self.breaks:
            at = BREAKABLE[lid]
            if 0 < at < len(body):
                body = body[:at] + "\n" + body[at:]
        return head + body

    def caption(self, item_cn: str) -> str:
        if self.caption_variant == "tab":
            return f"第二十条\t第 （{item_cn}） 项"
        if self.caption_variant == "ascii":
            return f"第二十条 第({item_cn})项"
        return f"第二十条第（{item_cn}）项"

    def note(self, official: str) -> str:
        t = official
        if self.note_break:
            t = t.replace("之和，等于", "之和，\n等于")
        if self.note_ascii:
            t = t.replace("（", "(").replace("）", ")")
        return t


def label_ids(template: str) -> set[str]:
    """Ids of the labels a report of this template prints (ad.row.*, ad.col.*, ap.row.*, ap.col.*, rl.col.*)."""
    s = schema()
    ids = {f"rl.col.{c}" for c in s.tables["review_litigation"]["columns"]}
    ids |= {f"ap.col.{c}" for c in s.tables["applications"]["columns"]}
    ids |= {f"ap.row.{r.key}" for r in s.rows("applications", template)}
    for r in s.rows("active_disclosure", template):
        ids.add(f"ad.row.{r.key}")
        ids |= {f"ad.col.{c.key}" for c in s.columns("active_disclosure", r.key, template)}
    return ids


def _numbering_prefix_len(t: str) -> int:
    m = re.match(r"^(\d+[．.、]\s?|[（(][一二三四五六七八九十][）)]\s?|[一二三四五六七八九十]、)", t)
    return m.end() if m else 0
