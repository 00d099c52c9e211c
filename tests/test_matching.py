"""Fuzzy label matching against the canonical vocabulary, and the normalisation shortcuts
(the same results as the plain Unicode functions, faster, whole documents not cached)."""

import sys
import timeit
import tracemalloc
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.labels import normalize
from extractors.labels.matching import MIN_ROW_SCORE, LabelMatcher, matcher
from extractors.labels.normalize import fold_width, halfwidth, normalize_text, squash_spaces, to_simplified

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"

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


# --- normalisation shortcuts: the same result as the plain Unicode functions ------------------

# Characters that exercise every path of `halfwidth`: stable CJK and ASCII, wide forms,
# compatibility characters, combining marks that compose with the character before them
# (ASCII, wide and kana alike), Hangul jamo, ideographic and typographic spaces.
TRICKY = ("aeAZ09,.-（）：，。、１２ＡＥｅ　\u00a0\u2003\u3000中文规範㎡①½…℃ﬁ\u0301\u0308\u0323\u0338"
          "か\u3099\u309a\u1100\u1161\u11a8\ud55c<=\u2212\u2013\u2012\U0001d400\U00020000")
TRICKY_TEXT = st.text(alphabet=st.sampled_from(TRICKY), max_size=30)


def _composition_seconds() -> set[str]:
    """Every character that can be the second of a canonical composition: the second of
    each two-character canonical decomposition in Unicode, and the Hangul vowels and
    trailing consonants (composed algorithmically)."""
    seconds = {chr(c) for c in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))}
    for cp in range(sys.maxunicode + 1):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<") and len(d.split()) == 2:
            seconds.add(chr(int(d.split()[1], 16)))
    return seconds


def test_the_characters_halfwidth_leaves_alone_are_normalisation_boundaries():
    seconds = _composition_seconds()
    stable = [chr(c) for c in range(0x110000) if normalize._NEEDS_NFKC_RE.match(chr(c)) is None]
    wide = set(normalize._WIDE)
    assert len(stable) > 27_000 and len(wide) > 90  # ASCII, the CJK blocks, the full-width forms
    for ch in stable:
        if ch in wide:
            folded = unicodedata.normalize("NFKC", ch)
            assert len(folded) == 1 and folded.isascii() and normalize._WIDE[ch] == folded, hex(ord(ch))
        else:
            assert unicodedata.decomposition(ch) == "" and unicodedata.combining(ch) == 0, hex(ord(ch))
        assert ch not in seconds, hex(ord(ch))


@given(st.one_of(st.text(max_size=40), TRICKY_TEXT))
@settings(max_examples=3000, deadline=None)
def test_halfwidth_is_nfkc(text):
    assert halfwidth(text) == unicodedata.normalize("NFKC", text)


@given(st.one_of(st.text(max_size=40), TRICKY_TEXT), st.sampled_from(["−–", "‒", "", "-", "a"]))
@settings(max_examples=1000, deadline=None)
def test_fold_width_folds_each_character_on_its_own(text, dashes):
    def one(ch):
        if ch in dashes:
            return "-"
        n = unicodedata.normalize("NFKC", ch)
        return n if len(n) == 1 else ch

    assert fold_width(text, dashes) == "".join(one(ch) for ch in text)


@given(st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\u2028\u3000\u00a0\u200b\ufeff\u200c\u180ea中"),
               max_size=20))
@settings(max_examples=500, deadline=None)
def test_squash_spaces_removes_what_the_space_pattern_matches(text):
    assert squash_spaces(text) == normalize._SPACE_RE.sub("", text)


QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


@given(st.one_of(st.text(max_size=40), TRICKY_TEXT, st.text(alphabet=st.sampled_from("“”‘’「」國語中 "), max_size=30)))
@settings(max_examples=500, deadline=None)
def test_normalize_text_is_simplified_nfkc_with_plain_quotes(text):
    expected = to_simplified(unicodedata.normalize("NFKC", text)).translate(QUOTES)
    assert normalize_text(text) == expected
    long = text + "中" * normalize.CACHED_TEXT_CHARS  # past the cached length
    assert normalize_text(long) == to_simplified(unicodedata.normalize("NFKC", long)).translate(QUOTES)


def _report_text() -> str:
    """About 100,000 characters of real report text (the seeds in data/raw, repeated)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt"))) * 7


def test_whole_documents_are_normalised_without_being_remembered():
    base = _report_text()
    before = normalize._normalize_short_text.cache_info().currsize
    tracemalloc.start()
    for i in range(50):  # 50 distinct documents of ~100 k characters
        normalize_text(f"{i}\n{base}")
    retained, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert normalize._normalize_short_text.cache_info().currsize == before
    assert retained < 1_000_000  # the texts and their normal forms (~20 MB) are not kept


def test_halfwidth_is_several_times_faster_than_nfkc_on_a_report():
    text = _report_text()
    assert halfwidth(text) == unicodedata.normalize("NFKC", text)
    ours = min(timeit.repeat(lambda: halfwidth(text), number=3, repeat=5))
    nfkc = min(timeit.repeat(lambda: unicodedata.normalize("NFKC", text), number=3, repeat=5))
    assert nfkc / ours > 2.5, f"halfwidth {ours:.4f}s vs NFKC {nfkc:.4f}s"


def test_warm_up_leaves_jieba_until_a_label_needs_it():
    """`warm()` (what every run does before its first document) does not load jieba's
    dictionary (~0.9 s); the matcher loads it at the first word-level comparison, and
    `warm_words()` (before a pool of workers forks) loads it up front."""
    import subprocess
    import sys

    code = ("import sys; from extractors.pipeline import warm, warm_words; warm(); a = 'jieba' in sys.modules; "
            "from extractors.labels.matching import matcher; "
            "matcher().match_row('本年新收政府信息公开申请数量'); b = 'jieba' in sys.modules; "
            "matcher().match_row('政府信息公开申请本年新收'); c = 'jieba' in sys.modules; "
            "print(a, b, c)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=RAW.parent.parent)
    assert out.stdout.split() == ["False", "False", "True"]
    code = "import sys; from extractors.pipeline import warm_words; warm_words(); print('jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=RAW.parent.parent)
    assert out.stdout.strip() == "True"
