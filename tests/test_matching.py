"""Fuzzy label matching against the canonical vocabulary."""

import pytest

from extractors.labels.matching import MIN_ROW_SCORE, LabelMatcher, matcher

CASES = [
    ("applications", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "results.partially_disclosed"),
    ("applications", "(二) 部分公开(区分处理的, 只计这一情形, 不计其他情形)", "results.partially_disclosed"),
    ("applications", "（二）部分公开（区分处理的，只计这一情况，不计其他情形）", "results.partially_disclosed"),
    ("applications", "5.属于三类内容事务信息", "results.withheld.internal_affairs"),
    ("applications", "1. 本单位不掌握相关政府信息", "results.unavailable.not_held"),
    ("applications", "5.要求行政机关确认或重新\n出具已获取信息", "results.not_processed.confirm_reissue"),
    ("applications", "2.申请人逾期未按收费通知 要求缴纳费用、行政机关不再处理其政府信息公开申请", "results.other.unpaid_fee"),
    ("applications", "3.其他", "results.other.other"),
    ("applications", "（六）其他处理", "results.other"),
    ("applications", "（七）总计", "results.total"),
    ("applications", "四、结转下年度继续办理", "carried_forward"),
    ("applications", "2.其他法律行政止公开", "results.withheld.prohibited_by_law"),  # hongze typo
    ("applications", "一、本年新收政府信息公开申请数量", "new_received"),
    ("active_disclosure", "行政规范性文件", "normative_documents"),
    ("active_disclosure", "規範性文件", "normative_documents"),
    ("active_disclosure", "行政許可", "licensing"),
    ("active_disclosure", "行政许", "licensing"),  # dropped character
    ("active_disclosure", "行政事业性收费", "fees"),
    ("active_disclosure", "其他對外管理服務事項(指行政許可證以外的政務服務事項,含行政確認、行政獎勵、行政裁決、行政給付、行政處罰、行政強制、行政檢查、行政徵收和其他類,以及公共服務事項)", "other_services"),
    ("review_litigation", "复议后起诉", "litigation_after_review"),
]


@pytest.mark.parametrize("table,label,key", CASES)
def test_label_variants_match(table, label, key):
    m = matcher().match_row(label, table)
    assert m is not None and m.key == key, (label, m)
    assert MIN_ROW_SCORE <= m.score <= 1.0


def test_unrelated_labels_do_not_match():
    for label in ("2020年本行政区域（或本部门）政府信息公开发布总数量（非新闻类、消息类）", "信息内容", "申请人情况", "合计数"):
        assert matcher().match_row(label, "applications") is None, label
        assert matcher().match_row(label, "active_disclosure") is None, label


def test_exact_scorer_is_the_baseline():
    exact = LabelMatcher("exact")
    assert exact.match_row("（一）予以公开", "applications").key == "results.disclosed"
    assert exact.match_row("5.属于三类内容事务信息", "applications").key == "results.withheld.internal_affairs"
    assert exact.match_row("行政许", "active_disclosure") is None


def test_unknown_scorer_is_rejected_by_name():
    with pytest.raises(ValueError, match="scorer"):
        LabelMatcher("soundex")


def test_column_headers_match():
    m = matcher()
    assert m.match_column("本年新\n公开数量", "active_disclosure").key == "new_published"
    assert m.match_column("本年收费金额  （单位 ：万元）", "active_disclosure").key == "amount_10k_yuan"
    assert m.match_column("科研 机构", "applications").key == "research_institution"
    assert m.match_column("结果\n维持", "review_litigation").key == "upheld"


@pytest.mark.parametrize("table,label,key", CASES)
def test_score_row_gives_the_score_match_row_gives(table, label, key):
    m = matcher().match_row(label, table)
    assert matcher().score_row(label, table, key) == m.score


def test_score_row_scores_a_row_that_is_not_the_best():
    m = matcher()
    low = m.score_row("（一）予以公开", "applications", "new_received")
    assert 0.0 < low < m.score_row("（一）予以公开", "applications", "results.disclosed") == 1.0
    assert m.score_row("（一）予以公开", "applications", "no_such_row") == 0.0
