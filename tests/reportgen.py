"""Build small tab-split reports with chosen values, for tests of arithmetic and placement."""

from schemas import TABLES, schema

APPLICANTS = 6
# Column keys in printed order, and the headings of the three tables, for hand-built rows.
APPLICATION_COLUMNS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                       "legal_service_org", "other_org", "total")
REVIEW_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
NEW_RECEIVED = "一、本年新收政府信息公开申请数量"
TABLE2_HEADING = "二、主动公开政府信息情况"
TABLE3_HEADING = "三、收到和处理政府信息公开申请情况"
TABLE4_HEADING = "四、政府信息公开行政复议、行政诉讼情况"


def consistent_values(template: str = "gb2021") -> dict:
    """A complete, arithmetically consistent set of values keyed (table, row, column)."""
    s = schema()
    vals = {}
    for table in TABLES:
        for r in s.rows(table, template):
            for c in s.columns(table, r.key, template):
                vals[(table, r.key, c.key)] = 0
    per_col = [3, 1, 0, 0, 1, 0]  # new received per applicant column
    for i, c in enumerate(["natural_person", "commercial_enterprise", "research_institution",
                           "social_welfare_org", "legal_service_org", "other_org"]):
        n = per_col[i]
        vals[("applications", "new_received", c)] = n
        vals[("applications", "carried_over", c)] = 1 if i == 0 else 0
        # results: disclosed gets all but one of natural person's; one carried forward
        disclosed = n if i else n  # every new one disclosed ...
        vals[("applications", "results.disclosed", c)] = disclosed
        vals[("applications", "results.total", c)] = disclosed
        vals[("applications", "carried_forward", c)] = 1 if i == 0 else 0
    for r in [k for k in {k[1] for k in vals if k[0] == "applications"}]:
        vals[("applications", r, "total")] = sum(vals[("applications", r, c)] for c in
                                                 ["natural_person", "commercial_enterprise", "research_institution",
                                                  "social_welfare_org", "legal_service_org", "other_org"])
    vals[("review_litigation", "review", "upheld")] = 2
    vals[("review_litigation", "review", "total")] = 2
    vals[("active_disclosure", "normative_documents", "issued")] = 5
    return vals


def tab_split_report(vals: dict, template: str = "gb2021", agency: str = "测试区测试局", year: int = 2022,
                     narrative: str = "", other_subrows: bool = True) -> str:
    """The report as tab-split text. gb2021 prints （六）其他处理 as its three sub-rows; with
    `other_subrows=False` as the one undivided row some agencies print instead."""
    s = schema()
    out = [f"{agency}{year}年政府信息公开工作年度报告", "一、总体情况", narrative or "本年度工作情况良好。",
           "二、主动公开政府信息情况"]
    for r in s.rows("active_disclosure", template):
        cols = s.columns("active_disclosure", r.key, template)
        out.append("信息内容\t" + "\t".join(c.label for c in cols))
        out.append(r.label_for(template) + "\t" + "\t".join(_fmt(vals[("active_disclosure", r.key, c.key)])
                                                            for c in cols))
    out.append("三、收到和处理政府信息公开申请情况")
    out.append("申请人情况\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计")
    for r in s.rows("applications"):
        if not _printed(r, template, other_subrows):
            continue
        # gb2021 has no undivided results.other in the values: it prints as the sub-rows' sum
        cells = [_fmt(vals[("applications", r.key, c.key)] if (template in r.templates) else
                      sum(vals[("applications", k, c.key)] for k in _OTHER_SUBROWS))
                 for c in s.columns("applications", r.key, template)]
        out.append("\t".join(r.path) + "\t" + "\t".join(cells))
    out.append("四、政府信息公开行政复议、行政诉讼情况")
    out.append("行政复议\t\t\t\t\t行政诉讼")
    out.append("结果维持\t结果纠正\t其他结果\t尚未审结\t总计" * 1)
    cells = [_fmt(vals[("review_litigation", r.key, c.key)]) for r in s.rows("review_litigation")
             for c in s.columns("review_litigation", r.key, template)]
    out.append("\t".join(cells))
    out.append("五、存在的主要问题及改进情况")
    out.append("无。")
    return "\n".join(out) + "\n"


_OTHER_SUBROWS = ("results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other")


def _printed(r, template: str, other_subrows: bool) -> bool:
    if template == "gb2021" and not other_subrows:
        return r.key == "results.other" or (template in r.templates and r.key not in _OTHER_SUBROWS)
    return template in r.templates


def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    return str(int(v)) if float(v) == int(v) else str(v)
