"""The templates' rules as data (schemas/template-rules.yaml via extractors.template)."""

from __future__ import annotations

import copy

import pytest
import yaml

from extractors.template import (
    detect_template,
    expected_cells,
    heading_section,
    leaf_rows,
    one_row_layout,
    row_allowed,
    row_sum_positions,
    rules,
)
from extractors.template.rules import RULES_FILE, RulesError, load_rules


def _data():
    from importlib import resources

    return yaml.safe_load(resources.files("schemas").joinpath(RULES_FILE).read_text(encoding="utf-8"))


def test_every_report_check_of_the_spec_has_an_identity():
    from schemas import schema

    report_checks = {c.id for c in schema().checks() if c.scope == "report"}
    assert set(rules().identities) == report_checks


@pytest.mark.parametrize("path,value,message", [
    (("identities", "applications.row_total", "parts"), ["natural_person", "martians"], "no column"),
    (("identities", "applications.balance", "left"), ["new_recieved"], "no row"),
    (("alternatives", "other_processing", "undivided"), "results.others", "no row"),
    (("fallback_template",), "gb2099", "not a template"),
])
def test_a_rule_naming_what_the_schema_lacks_is_rejected_by_name(path, value, message):
    data = copy.deepcopy(_data())
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    with pytest.raises(RulesError, match=message):
        load_rules(data)


def test_the_undivided_other_row_follows_what_the_report_printed():
    divided = ["results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other"]
    assert leaf_rows("applications", "results", set(), "gb2021")[-3:] == divided
    assert leaf_rows("applications", "results", set(), "gb2019")[-1] == "results.other"
    assert leaf_rows("applications", "results", {"results.other"}, "gb2021")[-1] == "results.other"
    assert leaf_rows("applications", "results", {"results.other.other"}, "gb2019")[-3:] == divided
    assert "results.total" not in leaf_rows("applications", "results", set(), "gb2021")
    assert expected_cells("gb2021") == 200 and expected_cells("gb2019") == 198
    assert expected_cells("gb2021", {"applications": {"results.other"}}) == 200 - 2 * 7
    assert row_allowed("applications", "results.other", "gb2021")
    assert not row_allowed("applications", "results.other.other", "gb2019")
    # a gb2019 report printing the gb2021 rows: their arithmetic follows them, the count does not
    assert leaf_rows("applications", "results", {"results.other.other"}, "gb2019")[-1] == "results.other.other"
    assert expected_cells("gb2019", {"applications": {"results.other.other"}}) == 198


def test_identities_state_their_equations_and_wording():
    balance = rules().identities["applications.balance"]
    eq = balance.equations(["total"])[0]
    assert eq.column == "total" and not eq.over_columns
    assert eq.terms() == [(("applications", "new_received", "total"), 1), (("applications", "carried_over", "total"), 1),
                          (("applications", "results.total", "total"), -1),
                          (("applications", "carried_forward", "total"), -1)]
    assert balance.side_names() == ("new + carried over", "results total + carried forward")
    row = rules().identities["review_litigation.row_total"].equations(["review"])[0]
    assert row.over_columns and row.printed == (("review_litigation", "review", "total"),)


def test_positions_come_from_the_identities():
    cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total"]
    assert row_sum_positions("applications", cols) == [(6, (0, 1, 2, 3, 4, 5))]
    assert row_sum_positions("applications", cols[:-1]) == []  # a row without its total column
    keys, constraints = one_row_layout("review_litigation", "gb2021")
    assert len(keys) == 15 and keys[5] == ("litigation_direct", "upheld")
    assert constraints == [(4, (0, 1, 2, 3)), (9, (5, 6, 7, 8)), (14, (10, 11, 12, 13))]
    assert one_row_layout("applications", "gb2021") is None


def test_template_detection_markers_then_year():
    assert detect_template("本年制发件数 本年废止件数 规章")[0] == "gb2021"
    assert detect_template("本年新 制作数量 上一年项目数量")[0] == "gb2019"  # spaces inside labels
    assert detect_template("規章 本年制發件數")[0] == "gb2021"  # traditional characters
    assert detect_template("no markers", 2020) == ("gb2019", "year 2020")
    assert detect_template("no markers", 2024) == ("gb2021", "year 2024")
    assert detect_template("本年制发件数 上一年项目数量", 2020)[0] == "gb2019"  # a tie: the year decides
    assert detect_template("nothing")[0] is None


@pytest.mark.parametrize("line,table", [
    ("二、主动公开政府信息情况", "active_disclosure"),
    ("3. 收到和处理政府信息公开申请情况", "applications"),
    ("四、政府信息公开行政复议、行政诉讼情况", "review_litigation"),
    ("五、存在的主要问题及改进情况", "end"),
    ("一、总体情况", None),
    ("本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、行政复议和行政诉讼情况", None),
])
def test_headings(line, table):
    assert heading_section(line) == table
