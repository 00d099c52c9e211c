"""extractors.formats.txt.flattened on the real Pingtan page.txt files (and variants of them), solved
with extractors.arithmetic.digits and compared cell by cell with tests/fixtures/real/gold.jsonl."""

import json
import re
from pathlib import Path

import pytest

from extractors.arithmetic.digits import ALL_ROWS, solve_table
from extractors.formats.txt.flattened import looks_flattened, runs_by_table, segment, segment_keyed
from extractors.narrative import narrative_hints
from extractors.records import Row
from extractors.template import detect_template
from extractors.template.headings import find_headings, outside_tables
from schemas import schema

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
GOLD = {d["path"]: d for d in map(json.loads, (REAL / "gold.jsonl").read_text(encoding="utf-8").splitlines()) if d}
PINGTAN = ["pingtan-2020.txt", "pingtan-2022.txt", "pingtan-2024.txt"]

# Cells each file must get determined (measured; every one of them equal to gold).
# Table 2 rows without arithmetic stay ambiguous unless the narrative pins them:
# 2020 leaves 16 cells open (normative_documents, licensing, other_services, coercion,
# punishment change/decisions, procurement), 2024 two (normative_documents
# repealed/in_force; only 本年度制发…62件 is stated).
MIN_DETERMINED = {"pingtan-2020.txt": 182, "pingtan-2022.txt": 200, "pingtan-2024.txt": 198}


def read(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


def solve_report(text: str, template: str) -> dict:
    runs = runs_by_table(text, template)
    hints = narrative_hints(text, template)
    return {table: solve_table(table, template, r, hints) for table, r in runs.items()}


def compare(solved: dict, gold: dict) -> tuple[int, int, list]:
    """(determined, wrong, undetermined gold cells) against the gold cells."""
    s = schema()
    det, wrong, open_cells = 0, [], []
    for table, row, col, want in gold["cells"]:
        rs = solved[table][row]
        i = [c.key for c in s.columns(table, row, gold["template"])].index(col)
        got = rs.values[i]
        if got is None:
            open_cells.append((table, row, col))
            assert any(c[i] is not None and abs(c[i] - want) < 1e-9 for c in rs.candidates), (table, row, col)
        else:
            det += 1
            if abs(got - want) > 1e-9:
                wrong.append((table, row, col, got, want))
    return det, wrong, open_cells


@pytest.mark.parametrize("name", PINGTAN)
def test_pingtan_against_gold(name):
    gold = GOLD[name]
    text = read(name)
    assert detect_template(text)[0] == gold["template"]
    solved = solve_report(text, gold["template"])
    det, wrong, open_cells = compare(solved, gold)
    print(f"{name}: {det}/{len(gold['cells'])} cells determined, {len(wrong)} wrong, open: {open_cells}")
    assert wrong == []  # precision 1.0
    assert det >= MIN_DETERMINED[name]
    assert all(t == "active_disclosure" for t, _r, _c in open_cells)  # tables 3 and 4 complete
    # every gold row was found and nothing extra
    rows = {(t, r) for t, r, _c, _v in gold["cells"]}
    assert {(t, k) for t, d in solved.items() for k in d} == rows


def test_pingtan_2020_broken_arithmetic():
    solved = solve_report(read("pingtan-2020.txt"), "gb2019")
    total = solved["applications"]["results.total"]
    assert total.values == [20, 0, 0, 0, 0, 1, 21]
    assert total.broken == ["applications.results_sum"] and total.confidence == "low"
    assert "applications.results_sum[natural_person] broken" in total.notes
    assert "applications.results_sum[total] broken" in total.notes
    assert solved["applications"]["results.other"].broken == ["applications.results_sum"]
    new = solved["applications"]["new_received"]  # not part of the broken check
    assert new.values == [20, 0, 0, 0, 0, 1, 21] and new.confidence == "high"


@pytest.mark.parametrize("name", ["pingtan-2022.txt", "pingtan-2024.txt"])
def test_pingtan_consistent_reports_break_nothing(name):
    solved = solve_report(read(name), "gb2021")
    for table in ("applications", "review_litigation"):
        for key, rs in solved[table].items():
            assert rs.broken == [] and rs.confidence == "high" and rs.status == "unique", (table, key)


def test_units_and_hints_on_pingtan():
    solved = solve_report(read("pingtan-2020.txt"), "gb2019")
    ad = solved["active_disclosure"]
    assert ad["procurement"].unit == "元" and (395, 73802895.9) in ad["procurement"].candidates
    assert ad["fees"].values == [35, -15]
    assert ad["punishment"].values == [2648, None, None]
    solved = solve_report(read("pingtan-2022.txt"), "gb2021")
    nd = solved["active_disclosure"]["normative_documents"]
    assert nd.values == [88, 55, 698] and nd.hint_used


# ---- segmentation ----------------------------------------------------------------------


def test_segment_rows():
    text = read("pingtan-2020.txt")
    rows = segment(text, "gb2019")
    assert all(isinstance(r, Row) for r in rows)
    assert rows[0].kind == "text" and "总体情况" in rows[0].text
    headings = [r.text for r in rows if r.kind == "text"]
    assert headings[1:4] == ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                             "四、政府信息公开行政复议、行政诉讼情况"]
    assert headings[-1].startswith("五、存在的主要问题及改进情况")
    table = [r for r in rows if r.kind == "table"]
    assert len(table) == 8 + 23 + 1
    assert all(len(r.cells) == 2 and r.cells[1].fused and not r.cells[0].fused for r in table)
    assert (table[0].cells[0].text, table[0].cells[1].text) == ("规章", "007")
    assert table[7].cells[1].text == "39573802895.90元"
    assert table[8].cells[0].text == "一、本年新收政府信息公开申请数量" and table[8].cells[1].text == "200 000121"
    assert table[-1].cells[0].text == "" and table[-1].cells[1].text == "000000000000000"
    # the row after a repeated group label 三、本年度办理结果
    not_held = next(r for r in table if "不掌握" in r.cells[0].text)
    assert not_held.cells[0].text == "1.本机关不掌握相关政府信息" and not_held.cells[1].text == "4000004"


def test_segment_rows_carry_their_keys():
    text = read("pingtan-2022.txt")
    rows = [r for r in segment(text, "gb2021") if r.kind == "table"]
    keyed = [(fr.table, fr.key) for fr in segment_keyed(text, "gb2021") if fr.kind == "row"]
    assert [r.key for r in rows] == keyed
    assert rows[0].key == ("active_disclosure", "rules") and rows[-1].key == ("review_litigation", ALL_ROWS)
    assert all(r.key is None for r in segment(text, "gb2021") if r.kind == "text")


def test_label_variants_come_from_the_spec():
    text = read("pingtan-2022.txt")
    want = runs_by_table(text, "gb2021")
    for printed, variant in [("不掌握相关", "本单位不掌握相关"), ("内部事务", "内容事务"), ("内部事务", "内 部 事务")]:
        if printed == "不掌握相关":
            variant_text = re.sub(r"本机关(?=不掌握相关)", "本单位", text)
        else:
            variant_text = text.replace(printed, variant)
        assert variant_text != text
        assert runs_by_table(variant_text, "gb2021") == want, variant


def test_headings_in_running_text():
    text = "一、总体情况 共发布信息9条。二、主动公开政府信息情况 规章 007 三、收到和处理政府信息公开申请情况 " \
           "四、 政府信息公开行政复议及行政诉讼情况 0 五、存在的主要问题 无"
    heads = find_headings(text)
    assert list(heads) == ["active_disclosure", "applications", "review_litigation", "problems"]
    spans = outside_tables(text)
    assert [text[a:b].strip() for a, b in spans] == ["一、总体情况 共发布信息9条。", "五、存在的主要问题 无"]
    assert outside_tables("no tables") == [(0, 9)]


def test_segment_labels_as_printed():
    keyed = {fr.key: fr for fr in segment_keyed(read("pingtan-2022.txt"), "gb2021") if fr.kind == "row"}
    assert keyed["normative_documents"].label == "行政规范性文件"
    assert keyed["results.partially_disclosed"].label.startswith("（二）部分公开（区分处理的")
    assert keyed["results.other.other"].label == "3.其他" and keyed["results.other.other"].run == "0200002"
    assert keyed[ALL_ROWS].run == "0 1 1 0 2 1 0 0 0 1 0 0 0 0 0"  # after the 行政法复议 typo heading
    assert "results.other" not in keyed
    keyed = {fr.key: fr for fr in segment_keyed(read("pingtan-2024.txt"), "gb2021") if fr.kind == "row"}
    assert keyed["results.disclosed"].run == "710000071"  # after '三、本年度办 理结果 '
    assert keyed["new_received"].run == "21710000218"  # after '社会公益 组织 法律服务 机构 其他'


def _table_region(text: str) -> tuple[int, int]:
    return text.index("二、主动公开政府信息情况"), text.index("五、存在的主要问题")


def test_variant_numbering_and_spacing():
    text = read("pingtan-2022.txt")
    a, b = _table_region(text)
    body = text[a:b]
    body = re.sub(r"(\d)\.(?=[\u4e00-\u9fff])", "\\1．", body)  # 1. -> 1．
    body = body.replace("不掌握相关", "不掌握 相关").replace("（三）不予公开", "（三）不予 公开")
    body = body.replace("（一）予以公开", "三、本年度办理结果（一）予以公开")  # group label twice
    variant = text[:a] + body + text[b:]
    assert runs_by_table(variant, "gb2021") == runs_by_table(text, "gb2021")
    det, wrong, _open = compare(solve_report(variant, "gb2021"), GOLD["pingtan-2022.txt"])
    assert wrong == [] and det == 200


def test_undivided_other_in_gb2021():
    text = read("pingtan-2024.txt")
    start = text.index("（六）其他处理")
    end = text.index("（七）总计")
    variant = text[:start] + "（六）其他处理2100003" + text[end:]
    runs = runs_by_table(variant, "gb2021")["applications"]
    assert runs["results.other"] == "2100003"
    assert not any(k.startswith("results.other.") for k in runs)
    sol = solve_table("applications", "gb2021", runs)
    assert sol["results.other"].values == [2, 1, 0, 0, 0, 0, 3]
    assert all(rs.broken == [] and rs.status == "unique" for rs in sol.values())


# ---- style detection ----------------------------------------------------------------------


@pytest.mark.parametrize("name", PINGTAN)
def test_looks_flattened_on_pingtan(name):
    assert looks_flattened(read(name))


def test_not_flattened():
    gold = GOLD["pingtan-2022.txt"]
    s = schema()
    lines = ["三、收到和处理政府信息公开申请情况"]
    by_row: dict = {}
    for table, row, _col, v in gold["cells"]:
        by_row.setdefault((table, row), []).append(v)
    for (table, row), vals in by_row.items():
        if table == "applications":
            lines.append(s.row(table, row).path[-1])
            lines += [str(v) for v in vals]
    assert not looks_flattened("\n".join(lines))  # cell-per-line
    spaced = "三、收到和处理政府信息公开申请情况 " + " ".join(
        s.row(t, r).path[-1] + " " + " ".join(map(str, v)) for (t, r), v in by_row.items() if t == "applications")
    assert not looks_flattened(spaced)  # every cell delimited: nothing runs together
    assert not looks_flattened("一、总体情况 2022年，本机关共收到申请75件。")


# ---- narrative hints ----------------------------------------------------------------------


def test_narrative_hints():
    assert narrative_hints(read("pingtan-2022.txt"), "gb2021") == {
        ("normative_documents", "issued"): 88.0, ("normative_documents", "in_force"): 698.0}
    assert narrative_hints(read("pingtan-2024.txt"), "gb2021") == {("normative_documents", "issued"): 62.0}
    # 2020 states 已宣布废止规范性文件5件 (a clean-up, not a gb2019 column): nothing
    assert narrative_hints(read("pingtan-2020.txt"), "gb2019") == {}


def test_narrative_hints_follow_the_template_columns():
    text = "本年度新制作规范性文件4件，本年度制发规范性文件5件。"
    assert narrative_hints(text, "gb2019") == {("normative_documents", "new_made"): 4.0}
    assert narrative_hints(text, "gb2021") == {("normative_documents", "issued"): 5.0}


def test_narrative_hints_are_conservative():
    two = "本年度制发规范性文件5件。……本年度制发规范性文件6件。"
    assert narrative_hints(two, "gb2021") == {}
    assert narrative_hints("2022年制发规范性文件5件", "gb2021") == {}  # which year? not said
    assert narrative_hints("全年共废止行政规范性文件3件", "gb2021") == {("normative_documents", "repealed"): 3.0}
    # figures inside the tables are not narrative
    table = "二、主动公开政府信息情况 本年度制发规范性文件9件 三、收到和处理政府信息公开申请情况 五、存在的主要问题"
    assert narrative_hints(table, "gb2021") == {}
