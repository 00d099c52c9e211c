"""Report metadata from the text (extractors.metadata.extract_metadata): title, agency and
year, each read from small hand-written openings."""

from __future__ import annotations

import pytest

from extractors.metadata import extract_metadata


def _tay(meta) -> tuple:
    """(title, agency, year) of a Metadata."""
    return meta.title, meta.agency, meta.year


BODY = "一、总体情况\n本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》。\n"


# ---- the title ----------------------------------------------------------------------------
@pytest.mark.parametrize("opening,title", [
    # one line
    ("张店区投资促进局2020年政府信息公开工作年度报告", "张店区投资促进局2020年政府信息公开工作年度报告"),
    # broken across two lines (neither line alone is a title)
    ("张店区投资促进局2020年政府信息\n公开工作年度报告", "张店区投资促进局2020年政府信息公开工作年度报告"),
    # the agency on its own line above a year-first title line
    ("临淄区工业和信息化局\n2021年政府信息公开工作年度报告", "临淄区工业和信息化局2021年政府信息公开工作年度报告"),
    # 年度 and 政务公开 … 年报 are titles too
    ("某某区人民政府2023年度政务公开年报", "某某区人民政府2023年度政务公开年报"),
    ("某某局关于2020年度政府信息公开工作年度报告", "某某局关于2020年度政府信息公开工作年度报告"),
    # blank lines and surrounding spaces do not count
    ("\n\n   某某局2022年政府信息公开工作年度报告   \n\n", "某某局2022年政府信息公开工作年度报告"),
])
def test_title_is_found_in_the_opening_lines(opening, title):
    assert extract_metadata(opening + "\n" + BODY).title == title


def test_traditional_characters_title_keeps_its_own_characters_but_agency_is_simplified():
    meta = extract_metadata("張店區投資促進局2020年政府信息公開工作年度報告\n" + BODY)
    assert _tay(meta) == ("張店區投資促進局2020年政府信息公開工作年度報告", "张店区投资促进局", 2020)
    assert meta.agency_printed == "張店區投資促進局"  # as printed; agency is simplified


def test_traditional_wording_with_zixun_is_not_a_title():
    # 政府資訊公開 (the Taiwan wording) converts to 政府资讯公开, not 政府信息公开: no title;
    # the agency still comes from the first line.
    meta = extract_metadata("張店區投資促進局2020年政府資訊公開工作年度報告\n" + BODY)
    assert _tay(meta) == (None, "张店区投资促进局", 2020)


def test_title_only_in_the_first_six_lines_of_content():
    # a header block as archive exports print it; its last line is long enough (with the
    # title, over 60 characters) not to be taken for the first half of a broken title
    source = "来源：某某局办公室（根据《中华人民共和国政府信息公开条例》第五十条的规定编制并发布）"
    lines = ["索引号：001", "发布机构：某某局", "发布日期：2021-01-15", "主题：年报", source]
    title = "某某局2020年政府信息公开工作年度报告"
    assert len(source + title) > 60
    assert extract_metadata("\n".join(lines) + "\n" + title + "\n" + BODY).title == title  # line 6
    # box lines (索引号：… 发布日期：…) are page furniture: they do not count
    late = "\n".join(["字号：无", *lines]) + "\n" + title + "\n" + BODY  # line 7
    assert extract_metadata(late).title == title
    # six lines of content do
    late = "\n".join(["说明", "第二行", "第三行", "第四行", "第五行", "第六行"]) + "\n" + title + "\n" + BODY
    assert extract_metadata(late).title is None


def test_a_long_line_is_not_a_title():
    long_line = "某某局2020年政府信息公开工作年度报告，" + "根据条例要求编制本报告并向社会公布" * 3
    assert len(long_line) > 60
    assert extract_metadata(long_line + "\n" + BODY).title is None


def test_a_short_line_before_a_complete_title_is_not_glued_to_it():
    # a complete title (it names its agency) takes nothing from the line above
    meta = extract_metadata("首页\n某某局2020年政府信息公开工作年度报告\n" + BODY)
    assert _tay(meta) == ("某某局2020年政府信息公开工作年度报告", "某某局", 2020)
    # nor does a year-first title from a breadcrumb above it
    meta = extract_metadata("首页 > 政务公开 > 年报\n2020年政府信息公开工作年度报告\n" + BODY)
    assert _tay(meta) == ("2020年政府信息公开工作年度报告", None, 2020)


def test_no_title():
    meta = extract_metadata("关于开展工作的通知\n各单位：请于3月1日前报送材料。\n")
    assert _tay(meta) == (None, None, None)
    assert _tay(extract_metadata("")) == (None, None, None)


# ---- the title hint ----------------------------------------------------------------------------
def test_a_title_hint_that_is_a_title_wins():
    text = "某某局2019年政府信息公开工作年度报告\n" + BODY
    meta = extract_metadata(text, "  另一局2022年政府信息公开工作年度报告 ")
    assert _tay(meta) == ("另一局2022年政府信息公开工作年度报告", "另一局", 2022)


def test_a_title_hint_fills_in_when_the_text_has_no_title():
    meta = extract_metadata(BODY, "某某局2021年政府信息公开工作年度报告")
    assert _tay(meta) == ("某某局2021年政府信息公开工作年度报告", "某某局", 2021)


def test_a_hint_that_is_not_a_title_loses_to_the_text():
    meta = extract_metadata("某某局2021年政府信息公开工作年度报告\n" + BODY, "网站首页")
    assert meta.title == "某某局2021年政府信息公开工作年度报告"


def test_a_hint_that_is_not_a_title_is_still_the_last_resort():
    assert _tay(extract_metadata(BODY, "网站首页")) == ("网站首页", None, None)


# ---- the year ----------------------------------------------------------------------------------------
def test_year_from_the_title_wins_over_the_text():
    text = "某某局2020年政府信息公开工作年度报告\n本报告统计期限为2021年1月1日至2021年12月31日。2021年2021年\n"
    assert extract_metadata(text).year == 2020


def test_year_from_the_reporting_period():
    text = "年度报告\n本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。2021年，2021年。\n"
    assert extract_metadata(text).year == 2022
    assert extract_metadata("说明\n统计期限为２０２２年１月１日至１２月３１日。２０２１年\n").year == 2022  # full-width


def test_year_from_a_year_before_the_report_words():
    text = "说明\n现将2021年度政府信息公开工作情况报告如下。2023年，2023年。\n"
    assert extract_metadata(text).year == 2021


def test_year_as_the_most_common_year():
    assert extract_metadata("说明\n2020年，2021年，2021年，2022年。\n").year == 2021
    assert extract_metadata("说明\n1999年，1999年，2007年，2036年，2020年。\n").year == 2020  # 2008-2035 only


def test_no_year():
    assert extract_metadata("说明\n没有任何年份。\n").year is None


def test_title_year_out_of_range_falls_back_to_the_title_wording():
    # 1999 is outside 2008-2035 for the title, but the "YYYY年…政府信息公开" pattern of the
    # text fallback has no range check, so it returns 1999 all the same (today's behaviour).
    assert extract_metadata("1999年政府信息公开工作年度报告\n2020年\n").year == 1999


# ---- the agency ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("title,agency", [
    ("张店区投资促进局2020年政府信息公开工作年度报告", "张店区投资促进局"),
    ("某某局关于2020年度政府信息公开工作年度报告", "某某局"),  # 关于 is not part of the name
    ("某某局的2020年政府信息公开工作年度报告", "某某局"),  # nor a trailing 的
    ("某某区人民政府政府信息公开工作年度报告", "某某区人民政府"),  # no year: up to 政府信息公开
    ("臨淄區城建中心政府信息公開工作年度報告", "临淄区城建中心"),  # traditional, no year: simplified
])
def test_agency_from_the_title(title, agency):
    assert extract_metadata(title + "\n" + BODY).agency == agency


def test_agency_from_the_first_lines_without_a_title():
    assert extract_metadata("临淄区城建中心坚持以人民为中心的发展思想。\n2020年，工作。\n").agency == "临淄区城建中心"
    assert extract_metadata("说明\n某某区人民政府办公室本年度工作如下。\n").agency == "某某区人民政府办公室"
    # only the first three lines are looked at
    assert extract_metadata("说明\n第二行\n第三行\n某某局本年度工作如下。\n").agency is None


def test_a_year_first_title_alone_names_no_agency():
    # with no agency line above it and no other source, a title that starts with its year
    # names no agency (it used to yield "2020年")
    assert extract_metadata("2020年政府信息公开工作年度报告\n" + BODY).agency is None
    assert extract_metadata("２０２２年政府信息公开工作年度报告\n" + BODY).agency is None
