"""extractors.arithmetic.digits: splitting fused digit runs under the template arithmetic."""

import random

import pytest

from extractors.arithmetic.digits import ALL_ROWS, MAX_CANDIDATES, determined, solve_table, splits, stages
from extractors.arithmetic.digits.lattice import Budget, pieces
from extractors.arithmetic.digits.solve import column_constraints, sum_checks, sum_groups
from schemas import schema

A = (0, 0, 0, 0, 1, 11, 12)  # '000011112' has exactly these two row-total splits
B = (0, 0, 0, 0, 11, 1, 12)


def app_runs(template: str = "gb2021", **over: str) -> dict[str, str]:
    """A full applications table of all-zero rows, with some rows replaced."""
    runs = {r.key: "0000000" for r in schema().rows("applications", template)}
    runs.update({k.replace("__", "."): v for k, v in over.items()})
    return runs


# ---- splits of one run ---------------------------------------------------------------


def test_all_splits_without_arithmetic():
    got = splits("7777166", 3).candidates
    assert (77, 77, 166) in got and (7, 777, 166) in got
    assert len(got) == 15  # C(6, 2): no zero, every cut is possible


def test_exactly_two_splits():
    assert sorted(splits("123", 2).candidates) == [(1, 23), (12, 3)]
    assert sorted(splits("000011112", 7, [7]).candidates) == sorted([A, B])
    assert sorted(splits("1012316", 5, [5]).candidates) == [(1, 0, 12, 3, 16), (10, 1, 2, 3, 16)]


def test_leading_zero_pruning():
    assert splits("007", 3).candidates == [(0, 0, 7)]
    assert splits("1007", 3).candidates == [(10, 0, 7)]  # never 1|0|07 or 1|00|7
    assert splits("0012", 3).candidates == [(0, 0, 12)]
    assert splits("0000000", 7, [7]).candidates == [(0,) * 7]
    assert splits("05.5", 1).candidates == []
    assert splits("0.5", 1).candidates == [(0.5,)]


def test_space_is_a_boundary_but_not_the_only_one():
    assert splits("12 3", 2).candidates == [(12, 3)]
    # pingtan-2020: '200 000121' is 20,0,0,0,0,1,21
    assert splits("200 000121", 7, [7]).candidates == [(20, 0, 0, 0, 0, 1, 21)]
    assert splits("20 0 00 0 121", 7, [7]).candidates == [(20, 0, 0, 0, 0, 1, 21)]
    assert splits("0 0 00 00 0", 7, [7]).candidates == [(0,) * 7]
    assert splits("1 2 3", 2).candidates == []  # three cells cannot become two


def test_negative_numbers_start_a_cell():
    signed = [False, True, False]  # gb2019 本年增/减 is the only signed column
    got = splits("2648-18538", 3, signed=signed).candidates
    assert (2648, -18, 538) in got
    assert all(c[0] == 2648 for c in got)  # the '-' can only open the middle cell
    assert splits("35-15", 2, signed=[False, True]).candidates == [(35, -15)]
    assert splits("35-15", 2).candidates == []  # not signed: no negative cell
    assert splits("5 -", 2).candidates == [(5, None)]  # a lone '-' is not applicable


def test_decimals_and_units():
    sp = splits("39573802895.90元", 2)
    assert sp.unit == "元"
    assert (395, 73802895.9) in sp.candidates
    assert all(isinstance(c[1], float) for c in sp.candidates)  # the decimal stays whole
    assert len(sp.candidates) == 9
    sp = splits("160.5964万元", 1)
    assert sp.candidates == [(160.5964,)] and sp.unit == "万元"
    assert splits("9116.36", 1).candidates == [(9116.36,)]
    assert splits("5.9012", 2).candidates == []  # fractional digits are never split off
    assert splits("12.5 3", 2).candidates == [(12.5, 3)]
    assert splits("１２ ３", 2).candidates == [(12, 3)]  # full-width digits
    assert splits("1,647,000 5", 2).candidates == [(1647000, 5)]
    assert splits("/ / 7", 3).candidates == [(None, None, 7)]
    assert splits("12件", 1).unit == "件"


def test_pieces_cut_at_hard_boundaries():
    assert pieces("１２ 3/4——5-6+") == (["12", "3", "/", "4", "——", "5", "-6", "+"], None)
    assert pieces("160.5964万元") == (["160.5964"], "万元")
    assert pieces("5‒3") == (["5", "-3"], None)  # a figure dash is a minus sign in a run


def test_table4_groups():
    sp = splits("21317000001324019", 15, [5, 5, 5])
    assert sp.candidates == [(2, 1, 3, 1, 7, 0, 0, 0, 0, 0, 13, 2, 4, 0, 19)]
    assert splits("0 1 1 0 2 1 0 0 0 1 0 0 0 0 0", 15, [5, 5, 5]).candidates == [
        (0, 1, 1, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0)]


def test_row_total_broken_keeps_the_fewest_breaks():
    sp = splits("3000004", 7, [7])  # 7 digits, 7 cells: one split, and 3 != 4
    assert sp.candidates == [(3, 0, 0, 0, 0, 0, 4)]
    assert sp.broken_groups == [(0,)]


def test_determined_cells():
    assert determined([A, B], 7) == [0, 0, 0, 0, None, None, 12]
    assert determined([], 3) == [None, None, None]


# ---- table 3: joint solving ------------------------------------------------------------


def test_row_ambiguous_alone_is_resolved_by_the_columns():
    runs = app_runs(new_received="000011112", results__disclosed="0 0 0 0 11 1 12",
                    results__total="000011112")
    sol = solve_table("applications", "gb2021", runs)
    for key in ("new_received", "results.disclosed", "results.total"):
        assert sol[key].values == list(B), key
        assert sol[key].status == "unique" and sol[key].confidence == "high"
        assert sol[key].broken == []


def test_jointly_ambiguous_rows_stay_ambiguous():
    runs = app_runs(new_received="000011112", results__disclosed="000011112", results__total="000011112")
    sol = solve_table("applications", "gb2021", runs)
    for key in ("new_received", "results.disclosed", "results.total"):
        rs = sol[key]
        assert rs.status == "ambiguous" and rs.confidence == "low"
        assert rs.values == [0, 0, 0, 0, None, None, 12]  # shared cells are filled
        assert sorted(rs.candidates) == sorted([A, B])
    assert sol["carried_over"].values == [0] * 7 and sol["carried_over"].status == "unique"


def test_broken_report_arithmetic_does_not_mislead():
    # results.total says 11 legal-service applications, the leaves add up to 5: the
    # report's own results_sum is broken, yet new_received is still pinned by the
    # balance (new + carried == total + forward), which holds
    runs = app_runs(new_received="000011112", results__disclosed="0 0 0 0 5 1 6",
                    results__total="0 0 0 0 11 1 12")
    sol = solve_table("applications", "gb2021", runs)
    assert sol["new_received"].values == list(B)
    assert sol["new_received"].confidence == "high" and sol["new_received"].broken == []
    for key in ("results.total", "results.disclosed", "results.withheld.state_secret"):
        assert sol[key].broken == ["applications.results_sum"]
        assert sol[key].confidence == "low"
    notes = sol["results.total"].notes
    assert "applications.results_sum[legal_service_org] broken" in notes
    assert "applications.results_sum[total] broken" in notes
    assert not any("other_org" in n for n in notes)


def test_misprinted_row_is_not_resplit_to_fit_its_total():
    # printed 20|2|14|0|12|1|47: 14 is a misprint (the rest of the table says 12), so
    # the row total fails; 2|0|2|140|1|2|147 satisfies it by coincidence but breaks the
    # balance in six columns. Fewest broken equations: the printed split.
    truth = "20 2 12 0 12 1 47"
    runs = app_runs(new_received="20214012147", results__disclosed=truth, results__total=truth)
    rs = solve_table("applications", "gb2021", runs)["new_received"]
    assert rs.values == [20, 2, 14, 0, 12, 1, 47]
    assert rs.broken == ["applications.balance", "applications.row_total"] and rs.confidence == "low"
    assert "applications.balance[research_institution] broken" in rs.notes


def test_misprint_ties_leave_cells_open():
    # '55205201560' against a table saying 5|5|20|5|20|5|60: either 15 is a misprint
    # (…|20|15|60) or 201 is (…|201|5|60); each breaks the row total and one balance
    # column, so neither wins and both cells stay open
    truth = "5 5 20 5 20 5 60"
    runs = app_runs(new_received="55205201560", results__disclosed=truth, results__total=truth)
    rs = solve_table("applications", "gb2021", runs)["new_received"]
    assert rs.values == [5, 5, 20, 5, None, None, 60]
    assert sorted(rs.candidates) == [(5, 5, 20, 5, 20, 15, 60), (5, 5, 20, 5, 201, 5, 60)]


def test_misprint_search_out_of_budget_determines_nothing(monkeypatch):
    def no_budget(*_a, **_k):
        raise Budget

    monkeypatch.setattr(stages, "misprint_candidates", no_budget)
    truth = "20 2 12 0 12 1 47"
    runs = app_runs(new_received="20214012147", results__disclosed=truth, results__total=truth)
    rs = solve_table("applications", "gb2021", runs)["new_received"]
    assert rs.values == [None] * 7 and rs.status == "ambiguous"
    assert any("budget" in n for n in rs.notes)


def test_row_total_break_is_reported():
    runs = app_runs(results__disclosed="3000004")
    sol = solve_table("applications", "gb2021", runs)
    rs = sol["results.disclosed"]
    assert rs.values == [3, 0, 0, 0, 0, 0, 4]
    assert "applications.row_total" in rs.broken and rs.confidence == "low"


def test_gb2019_and_undivided_other():
    # gb2019: （六）其他处理 is one leaf
    runs = app_runs("gb2019", new_received="000011112", results__other="0 0 0 0 11 1 12",
                    results__total="000011112")
    sol = solve_table("applications", "gb2019", runs)
    assert sol["new_received"].values == list(B)
    # gb2021 report printing （六） undivided (hongze): results.other replaces the sub-rows
    runs = app_runs(new_received="000011112", results__other="0 0 0 0 11 1 12", results__total="000011112")
    for k in ("results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other"):
        del runs[k]
    sol = solve_table("applications", "gb2021", runs)
    assert sol["results.total"].values == list(B)
    assert not any("not applied" in n for n in sol["results.total"].notes)


def test_missing_leaf_disables_results_sum():
    runs = app_runs(new_received="000011112", results__disclosed="0 0 0 0 11 1 12", results__total="000011112")
    del runs["results.withheld.admin_query"]
    sol = solve_table("applications", "gb2021", runs)
    assert any("results_sum not applied" in n for n in sol["results.total"].notes)
    # the balance still ties new_received to results.total, but neither is pinned now
    assert sol["results.total"].values == [0, 0, 0, 0, None, None, 12]
    assert sol["results.disclosed"].values == list(B)


def test_no_split_is_reported_and_disables_its_checks():
    runs = app_runs(new_received="000011112", results__disclosed="000000")  # 6 digits, 7 cells
    sol = solve_table("applications", "gb2021", runs)
    assert sol["results.disclosed"].status == "no_solution"
    assert sol["results.disclosed"].values == [None] * 7
    assert sol["new_received"].values == [0, 0, 0, 0, None, None, 12]


def test_joint_budget_falls_back_safely(monkeypatch):
    monkeypatch.setattr(stages, "MAX_JOINT_WORK", 0)
    runs = app_runs(new_received="000011112", results__disclosed="0 0 0 0 11 1 12", results__total="000011112")
    sol = solve_table("applications", "gb2021", runs)
    assert sol["new_received"].values == [0, 0, 0, 0, None, None, 12]
    assert any("budget" in n for n in sol["new_received"].notes)


def _random_table(rng: random.Random, template: str, big: int) -> dict[str, list[int]]:
    rows = [r.key for r in schema().rows("applications", template)]
    leaves = [k for k in rows if k.startswith("results.") and k != "results.total"]
    vals = {}
    for k in leaves:
        v = [rng.choice([0, 0, 0, rng.randint(0, big)]) for _ in range(6)]
        vals[k] = v + [sum(v)]
    total = [sum(vals[k][i] for k in leaves) for i in range(7)]
    fwd = [rng.randint(0, x) for x in total[:6]]
    co = [rng.randint(0, total[i] - fwd[i]) for i in range(6)]
    new = [total[i] + fwd[i] - co[i] for i in range(6)]
    vals.update({"results.total": total, "carried_forward": fwd + [sum(fwd)],
                 "carried_over": co + [sum(co)], "new_received": new + [sum(new)]})
    return vals


@pytest.mark.parametrize("seed", range(40))
def test_random_consistent_tables_never_get_a_wrong_cell(seed):
    """Reports whose arithmetic holds: every determined cell is the true one and the
    true split is always among the candidates."""
    rng = random.Random(seed)
    template = rng.choice(["gb2019", "gb2021"])
    vals = _random_table(rng, template, rng.choice([3, 12, 60, 400, 3000]))
    runs = {k: "".join(map(str, v)) for k, v in vals.items()}
    sol = solve_table("applications", template, runs)
    for key, truth in vals.items():
        rs = sol[key]
        assert rs.broken == []
        assert tuple(truth) in rs.candidates or rs.n_candidates > MAX_CANDIDATES
        for got, want in zip(rs.values, truth, strict=True):
            assert got is None or got == want, (key, rs.values, truth)


# ---- table 2 and hints -------------------------------------------------------------------


def test_table2_returns_all_candidates():
    sol = solve_table("active_disclosure", "gb2019", {"licensing": "396442278", "fees": "35-15",
                                                      "punishment": "2648-18538", "rules": "007"})
    lic = sol["licensing"]
    assert lic.status == "ambiguous" and lic.values == [None, None, None]
    assert (396, 442, 278) in lic.candidates and lic.n_candidates == len(lic.candidates) == 28
    assert sol["fees"].values == [35, -15] and sol["fees"].confidence == "high"
    assert sol["punishment"].values == [2648, None, None]
    assert sol["rules"].values == [0, 0, 7]


def test_table2_one_column_rows():
    sol = solve_table("active_disclosure", "gb2021", {"licensing": "10690", "fees": "9116.36", "coercion": "0"})
    assert sol["licensing"].values == [10690]
    assert sol["fees"].values == [9116.36]
    assert sol["coercion"].values == [0] and sol["coercion"].status == "unique"


def test_hints_filter_candidates():
    runs = {"normative_documents": "8855698"}
    sol = solve_table("active_disclosure", "gb2021", runs)["normative_documents"]
    assert sol.status == "ambiguous" and not sol.hint_used
    hints = {("normative_documents", "issued"): 88.0, ("normative_documents", "in_force"): 698.0}
    sol = solve_table("active_disclosure", "gb2021", runs, hints)["normative_documents"]
    assert sol.values == [88, 55, 698] and sol.status == "unique" and sol.hint_used
    # one hint pins one cell; the rest stays open
    sol = solve_table("active_disclosure", "gb2021", {"normative_documents": "6233440"},
                      {("normative_documents", "issued"): 62.0})["normative_documents"]
    assert sol.values == [62, None, None] and sol.hint_used
    assert (62, 33, 440) in sol.candidates
    # a hint no split agrees with is ignored, not forced
    sol = solve_table("active_disclosure", "gb2021", runs,
                      {("normative_documents", "issued"): 5.0})["normative_documents"]
    assert not sol.hint_used and sol.status == "ambiguous"
    assert any("matches no split" in n for n in sol.notes)


def test_candidates_are_capped():
    run = "123456789" * 3
    rs = solve_table("active_disclosure", "gb2019", {"licensing": run})["licensing"]
    assert len(rs.candidates) == MAX_CANDIDATES < rs.n_candidates
    assert rs.values == [None, None, None]


# ---- table 4 -----------------------------------------------------------------------------


def test_review_litigation_keys():
    want = {"review": [2, 1, 3, 1, 7], "litigation_direct": [0] * 5, "litigation_after_review": [13, 2, 4, 0, 19]}
    for runs in ({ALL_ROWS: "21317000001324019"}, {"review": "21317000001324019"}):
        sol = solve_table("review_litigation", "gb2021", runs)
        assert {k: v.values for k, v in sol.items()} == want
        assert all(v.confidence == "high" for v in sol.values())
    sol = solve_table("review_litigation", "gb2021",
                      {"review": "0 1 1 0 2", "litigation_direct": "10001", "litigation_after_review": "00000"})
    assert sol["review"].values == [0, 1, 1, 0, 2] and sol["litigation_direct"].values == [1, 0, 0, 0, 1]


def test_review_total_break_is_reported():
    sol = solve_table("review_litigation", "gb2021", {ALL_ROWS: "1 0 0 0 2 0 0 0 0 0 0 0 0 0 0"})
    assert sol["review"].broken == ["review_litigation.row_total"]
    assert sol["review"].values == [1, 0, 0, 0, 2] and sol["review"].confidence == "low"
    assert sol["litigation_direct"].broken == [] and sol["litigation_direct"].confidence == "high"


# ---- the arithmetic from the template rules ------------------------------------------------


def test_sum_groups_from_the_rules():
    cols = [c.key for c in schema().columns("applications", "new_received", "gb2021")]
    assert sum_groups([(6, (0, 1, 2, 3, 4, 5))], 7) == [7]
    assert sum_groups([(4, (0, 1, 2, 3)), (9, (5, 6, 7, 8)), (14, (10, 11, 12, 13))], 15) == [5, 5, 5]
    assert sum_groups([], 3) is None
    with pytest.raises(ValueError, match="right after its parts"):
        sum_groups([(0, (1, 2))], 3)
    assert sum_checks("applications", cols) == ["applications.row_total"]
    assert sum_checks("active_disclosure", ["issued", "repealed", "in_force"]) == []


def test_column_constraints_follow_the_printed_layout():
    cols = [c.key for c in schema().columns("applications", "new_received", "gb2021")]
    rows = {r.key for r in schema().rows("applications", "gb2021")}
    cons, notes = column_constraints("applications", rows, "gb2021", cols)
    assert notes == [] and [c.check for c in cons] == ["applications.results_sum"] * 7 + ["applications.balance"] * 7
    assert cons[7].terms == [("new_received", 1, 0), ("carried_over", 1, 0), ("results.total", -1, 0),
                             ("carried_forward", -1, 0)]
    assert ("results.other.other", 1, 0) in cons[0].terms and cons[0].terms[-1] == ("results.total", -1, 0)
    undivided = (rows - {"results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other"}
                 | {"results.other"})
    cons, notes = column_constraints("applications", undivided, "gb2021", cols)
    assert notes == [] and ("results.other", 1, 6) in cons[6].terms
    cons, notes = column_constraints("applications", rows - {"carried_over"}, "gb2021", cols)
    assert notes == ["applications.balance not applied: rows missing or unsplittable: carried_over"]
    assert {c.check for c in cons} == {"applications.results_sum"}
