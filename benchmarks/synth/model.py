"""The shared in-memory report: true values, the strings printed in each cell, the gold.

Every writer renders the same `Report`; only layout and byte-level damage differ per
format. Values follow the template arithmetic (spec `checks:`) unless the report is
one that breaks an identity on purpose (`Report.broken_check`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from schemas import schema

from . import params as P

Key = tuple[str, str, str]  # (table, row, column)

APPLICANT_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
)
RL_PARTS = ("upheld", "corrected", "other", "pending")
NA_STRINGS = ("/", "-", "—")  # printed not-applicable marks stored as strings in gold

CHECK_IDS = (
    "applications.balance",
    "applications.results_sum",
    "applications.row_total",
    "review_litigation.row_total",
)


@dataclass
class Report:
    index: int
    template: str
    year: int
    kind: str  # gov / bureau / town / center
    agency: str  # as printed in the title (simplified; converted if the document is traditional)
    region: str  # e.g. 淄博市临淄区
    site: str  # the portal that publishes it
    values: dict[Key, float | int]  # the numbers as printed (after any deliberate break)
    printed: dict[Key, str] = field(default_factory=dict)  # the cell text as printed
    gold: dict[Key, float | int | str | None] = field(default_factory=dict)
    broken_check: str | None = None
    # cells the report leaves blank although their parts are printed (a blank 总计): the
    # number each would hold; gold has null there and the checks fail as printed
    blanked: dict[Key, float | int] = field(default_factory=dict)
    perturbations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def keys(self) -> list[Key]:
        return cell_keys(self.template)

    def v(self, table: str, row: str, col: str) -> float | int:
        return self.values[(table, row, col)]

    def gold_cells(self) -> list[list]:
        return [[t, r, c, self.gold[(t, r, c)]] for (t, r, c) in self.keys()]


# ---- the cell grid of a template ------------------------------------------------------------
def cell_keys(template: str) -> list[Key]:
    """Every data cell a complete report of this template prints, in printed order."""
    s = schema()
    out: list[Key] = []
    for table in ("active_disclosure", "applications", "review_litigation"):
        for row in s.rows(table, template):
            for col in s.columns(table, row.key, template):
                out.append((table, row.key, col.key))
    return out


def result_leaves(template: str) -> list[str]:
    return [r.key for r in schema().rows("applications", template)
            if r.key.startswith("results.") and r.key != "results.total"]


# ---- random helpers -------------------------------------------------------------------------
def _lognormal_count(rng: random.Random, median: float, sigma: float = 1.0, lo: int = 1, hi: int = 10**6) -> int:
    return max(lo, min(hi, int(round(median * math.exp(rng.gauss(0, sigma))))))


def _pick(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def _spread(rng: random.Random, n: int, weights: dict[str, float]) -> dict[str, int]:
    out = dict.fromkeys(weights, 0)
    if n > 0:
        keys = list(weights)
        for k in rng.choices(keys, weights=[weights[k] for k in keys], k=n):
            out[k] += 1
    return out


# ---- value generation -----------------------------------------------------------------------
def _active_disclosure(rng: random.Random, template: str, kind: str) -> dict[Key, float | int]:
    s = schema()
    out: dict[Key, float | int] = {}
    big = kind == "gov"
    for row in s.rows("active_disclosure", template):
        on = rng.random() < P.P_AD_ROW_NONZERO[row.key][kind]
        cols = [c.key for c in s.columns("active_disclosure", row.key, template)]
        vals: dict[str, float | int] = dict.fromkeys(cols, 0)
        if on:
            if template == "gb2019":
                if row.key in ("rules", "normative_documents"):
                    made = _lognormal_count(rng, 12 if big else 2, 0.9, 0, 300)
                    vals["new_made"] = made
                    vals["new_published"] = made if rng.random() < 0.7 else rng.randint(0, made)
                    vals["total_published"] = vals["new_published"] + _lognormal_count(rng, 60 if big else 6, 1.0, 0, 2000)
                elif row.key == "procurement":
                    items = _lognormal_count(rng, 40 if big else 3, 1.1, 1, 900)
                    vals["items"] = items
                    per_item = math.exp(rng.gauss(math.log(180000), 1.0))
                    if rng.random() < P.P_AMOUNT_WITH_CENTS:
                        vals["amount"] = round(items * per_item, 2)
                    else:
                        vals["amount"] = int(round(items * per_item, -3))
                else:
                    prev_median = {"licensing": 90, "other_services": 40, "punishment": 300 if big else 60,
                                   "coercion": 20, "fees": 12}[row.key]
                    prev = _lognormal_count(rng, prev_median if big else prev_median / 3, 1.0, 0, 5000)
                    vals["prev_year_items"] = prev
                    if rng.random() < 0.6:
                        change = _lognormal_count(rng, 4, 1.0, 1, 500)
                        if rng.random() < P.P_CHANGE_NEGATIVE:
                            change = -min(change, prev) if prev else change
                        vals["change"] = change
                    if "decisions" in vals:
                        median = {"licensing": 900, "other_services": 300, "punishment": 120, "coercion": 10}[row.key]
                        vals["decisions"] = _lognormal_count(rng, median if big else median / 10, 1.3, 0, 90000)
            else:
                if row.key in ("rules", "normative_documents"):
                    issued = _lognormal_count(rng, 10 if big else 2, 0.9, 0, 200)
                    repealed = _lognormal_count(rng, 4 if big else 1, 1.0, 0, 100) if rng.random() < 0.45 else 0
                    vals.update(issued=issued, repealed=repealed,
                                in_force=issued + _lognormal_count(rng, 80 if big else 8, 1.0, 0, 1500))
                elif row.key == "fees":
                    amount = math.exp(rng.gauss(math.log(1500 if big else 40), 1.5))
                    places = rng.choices([2, 4, 6], weights=[0.8, 0.15, 0.05])[0]
                    vals["amount_10k_yuan"] = round(max(amount, 0.01), places)
                else:
                    median = {"licensing": 1200, "punishment": 150, "coercion": 12}[row.key]
                    vals["decisions"] = _lognormal_count(rng, median if big else median / 12, 1.3, 0, 90000)
        for c, v in vals.items():
            out[("active_disclosure", row.key, c)] = v
    return out


def _applications(rng: random.Random, template: str, kind: str) -> dict[Key, int]:
    rows = [r.key for r in schema().rows("applications", template)]
    leaves = result_leaves(template)
    weights = {k: P.RESULT_WEIGHTS[k] for k in leaves}
    out: dict[Key, int] = {("applications", r, c): 0 for r in rows for c in (*APPLICANT_COLUMNS, "total")}
    if rng.random() >= P.P_NO_APPLICATIONS[kind]:
        natural = _lognormal_count(rng, P.MEDIAN_NATURAL_PERSON[kind], 1.0, 1, 3000)
        for col in APPLICANT_COLUMNS:
            if col == "natural_person":
                new = natural
            elif rng.random() < P.P_ORG_COLUMN_NONZERO[col]:
                new = _lognormal_count(rng, max(1.0, natural * 0.08), 0.8, 1, 500)
            else:
                new = 0
            carried = _lognormal_count(rng, max(1.0, new * 0.05), 0.7, 1, 200) if new and rng.random() < P.P_CARRIED_OVER else 0
            handled = new + carried
            forward = min(handled, _lognormal_count(rng, max(1.0, handled * 0.06), 0.7, 1, 200)) \
                if handled and rng.random() < P.P_CARRIED_FORWARD else 0
            outcome = _spread(rng, handled - forward, weights)
            out[("applications", "new_received", col)] = new
            out[("applications", "carried_over", col)] = carried
            out[("applications", "carried_forward", col)] = forward
            for leaf, n in outcome.items():
                out[("applications", leaf, col)] = n
            out[("applications", "results.total", col)] = sum(outcome.values())
        for r in rows:
            out[("applications", r, "total")] = sum(out[("applications", r, c)] for c in APPLICANT_COLUMNS)
    return out


def _review_litigation(rng: random.Random, kind: str) -> dict[Key, int]:
    out: dict[Key, int] = {}
    none = rng.random() < P.P_NO_REVIEW[kind]
    for row, scale in (("review", 1.0), ("litigation_direct", 0.6), ("litigation_after_review", 0.4)):
        parts = {}
        for p in RL_PARTS:
            mean = 0 if none else scale * (2.0 if kind == "gov" else 0.4) * (1.5 if p == "upheld" else 0.6)
            parts[p] = _poisson(rng, mean)
        for p, n in parts.items():
            out[("review_litigation", row, p)] = n
        out[("review_litigation", row, "total")] = sum(parts.values())
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    n, p, limit = 0, 1.0, math.exp(-mean)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def generate_values(rng: random.Random, template: str, kind: str) -> dict[Key, float | int]:
    values = {}
    values.update(_active_disclosure(rng, template, kind))
    values.update(_applications(rng, template, kind))
    values.update(_review_litigation(rng, kind))
    missing = set(cell_keys(template)) - set(values)
    assert not missing, missing
    return values


# ---- arithmetic checks ------------------------------------------------------------------------
def _num(x) -> float:
    """A gold/printed value as a number for the checks: strings ('/', '-') and null count 0."""
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else 0.0


def check_failures(cells: dict[Key, object], template: str) -> list[str]:
    """Check instances that fail, e.g. 'applications.balance[natural_person]'."""
    fails = []
    a = lambda r, c: _num(cells.get(("applications", r, c)))  # noqa: E731
    leaves = result_leaves(template)
    for c in (*APPLICANT_COLUMNS, "total"):
        if abs(a("new_received", c) + a("carried_over", c) - a("results.total", c) - a("carried_forward", c)) > 1e-9:
            fails.append(f"applications.balance[{c}]")
        if abs(sum(a(r, c) for r in leaves) - a("results.total", c)) > 1e-9:
            fails.append(f"applications.results_sum[{c}]")
    for r in ("new_received", "carried_over", *leaves, "results.total", "carried_forward"):
        if abs(sum(a(r, c) for c in APPLICANT_COLUMNS) - a(r, "total")) > 1e-9:
            fails.append(f"applications.row_total[{r}]")
    for r in ("review", "litigation_direct", "litigation_after_review"):
        parts = sum(_num(cells.get(("review_litigation", r, p))) for p in RL_PARTS)
        if abs(parts - _num(cells.get(("review_litigation", r, "total")))) > 1e-9:
            fails.append(f"review_litigation.row_total[{r}]")
    return fails


def failing_check_ids(cells: dict[Key, object], template: str) -> set[str]:
    return {f.split("[")[0] for f in check_failures(cells, template)}


def blank_a_total(rng: random.Random, report: Report) -> None:
    """Leave one non-zero 总计 cell of table 3 blank while its parts are printed (a report's own
    omission): printed "", gold null, its number kept in `report.blanked`."""
    keys = [k for k in report.keys() if k[0] == "applications" and k[2] == "total" and report.values[k] != 0
            and report.printed.get(k, "").strip()]
    if not keys:
        return
    key = rng.choice(keys)
    report.blanked[key] = report.values[key]
    report.printed[key], report.gold[key] = "", None
    report.perturbations.append(f"blank_total:{key[1]}")
    report.notes.append(f"The {key[1]} 总计 cell is printed blank although its parts add up to {report.values[key]}: "
                        f"its row total and column check fail as printed; gold null.")


# ---- deliberate breaks --------------------------------------------------------------------------
def feasible_breaks(values: dict[Key, float | int], template: str) -> list[str]:
    """Which identities can be broken with plausible (non-negative) printed numbers."""
    out = ["applications.balance", "applications.results_sum", "review_litigation.row_total"]
    if any(values[("applications", leaf, c)] > 0 for leaf in result_leaves(template) for c in APPLICANT_COLUMNS):
        out.insert(2, "applications.row_total")
    return out


def break_identity(rng: random.Random, values: dict[Key, float | int], template: str, check: str) -> str:
    """Change printed numbers so that exactly the check family `check` fails.

    Every cell of table 3 sits in one row identity (row_total) and one column identity
    (balance or results_sum), so one changed number always breaks two families there;
    the applications breaks therefore change a pair of numbers that cancel in the other
    family. review_litigation.row_total needs a single changed number.
    """
    d = rng.choice([1, 1, 1, 2, 3, 5, 10])
    A = "applications"
    if check == "applications.balance":
        row = rng.choice(["new_received", "carried_over", "carried_forward"])
        col = rng.choice(APPLICANT_COLUMNS[:2] if rng.random() < 0.8 else APPLICANT_COLUMNS)
        values[(A, row, col)] += d
        values[(A, row, "total")] += d
        return (f"BROKEN applications.balance: {row}[{col}] and {row}[total] printed {d} higher than "
                f"the balance allows (row total kept consistent)")
    if check == "applications.results_sum":
        leaf = rng.choice(result_leaves(template))
        col = rng.choice(APPLICANT_COLUMNS[:2] if rng.random() < 0.8 else APPLICANT_COLUMNS)
        values[(A, leaf, col)] += d
        values[(A, leaf, "total")] += d
        return (f"BROKEN applications.results_sum: {leaf}[{col}] and {leaf}[total] printed {d} higher, "
                f"results.total unchanged")
    if check == "applications.row_total":
        leaves = result_leaves(template)
        cands = [(r, c) for r in leaves for c in APPLICANT_COLUMNS if values[(A, r, c)] > 0]
        r2, col = rng.choice(cands)
        d = min(d, int(values[(A, r2, col)]))
        r1 = rng.choice([r for r in leaves if r != r2])
        values[(A, r1, col)] += d
        values[(A, r2, col)] -= d
        return (f"BROKEN applications.row_total: {d} moved from {r2}[{col}] to {r1}[{col}] "
                f"(column sums unchanged, the two rows' totals no longer match)")
    if check == "review_litigation.row_total":
        row = rng.choice(["review", "litigation_direct", "litigation_after_review"])
        col = rng.choice([*RL_PARTS, "total"])
        key = ("review_litigation", row, col)
        if values[key] >= d and rng.random() < 0.3:
            values[key] -= d
            return f"BROKEN review_litigation.row_total: {row}[{col}] printed {d} lower"
        values[key] += d
        return f"BROKEN review_litigation.row_total: {row}[{col}] printed {d} higher"
    raise ValueError(check)


# ---- printed strings ----------------------------------------------------------------------------
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def format_number(v: float | int, *, thousands: bool, fullwidth: bool, plus: bool = False) -> str:
    if isinstance(v, float):
        text = repr(v)
        if "e" in text:
            text = f"{v:.2f}"
        # keep a trailing zero of cents as agencies print them: 73802895.90
        whole, _, frac = text.partition(".")
        if len(frac) == 1:
            frac += "0"
        text = f"{int(whole):,}.{frac}" if thousands and abs(v) >= 1000 else f"{whole}.{frac}"
    else:
        text = f"{v:,}" if thousands and abs(v) >= 1000 else str(v)
    if plus and v > 0:
        text = "+" + text
    if fullwidth:
        text = text.translate(FULLWIDTH)
    return text


def render_cells(rng: random.Random, report: Report) -> None:
    """Decide the printed text of every data cell and derive the gold value from it."""
    flags = []
    fullwidth = rng.random() < P.P_FULLWIDTH_DIGITS
    thousands = rng.random() < P.P_THOUSANDS_SEP and any(abs(v) >= 1000 for v in report.values.values())
    padding = rng.random() < P.P_PADDING
    wu = rng.random() < P.P_WU_FOR_ZERO
    na_rows: dict[str, str] = {}
    if rng.random() < P.P_NA_ROWS:
        zero_rows = sorted({r for (t, r, c), v in report.values.items() if t == "active_disclosure"}
                           - {r for (t, r, c), v in report.values.items() if t == "active_disclosure" and v != 0},
                           key=lambda r: [x.key for x in schema().rows("active_disclosure")].index(r))
        if zero_rows:
            for r in rng.sample(zero_rows, k=min(len(zero_rows), rng.randint(1, 2))):
                na_rows[r] = rng.choice(NA_STRINGS)
    blank_zeros = rng.random() < P.P_BLANK_ZEROS
    plus = report.template == "gb2019" and rng.random() < P.P_PLUS_SIGN
    unit_in_cell = rng.random() < P.P_UNIT_IN_CELL
    if fullwidth:
        flags.append("fullwidth_digits")
    if thousands:
        flags.append("thousands_separators")
    if padding:
        flags.append("cell_padding")
    for r, mark in na_rows.items():
        flags.append(f"not_applicable_row:{r}:{mark}")
    if blank_zeros:
        flags.append("blank_zero_cells:applications")

    for key in report.keys():
        table, row, col = key
        v = report.values[key]
        gold: float | int | str | None = v
        if table == "active_disclosure" and row in na_rows:
            text = na_rows[row]
            gold = text
        elif v == 0 and blank_zeros and table == "applications":
            text, gold = "", None
        elif v == 0 and wu and rng.random() < P.P_WU_CELL:
            text, gold = "无", 0
            if "wu_for_zero" not in flags:
                flags.append("wu_for_zero")
        else:
            signed = plus and col == "change" and v > 0
            if signed and "plus_sign_change" not in flags:
                flags.append("plus_sign_change")
            text = format_number(v, thousands=thousands, fullwidth=fullwidth, plus=signed)
            if unit_in_cell and v != 0 and col in ("amount", "amount_10k_yuan"):
                text += "元" if col == "amount" else "万元"
                flags.append(f"unit_in_cell:{row}.{col}")
        if padding and text and rng.random() < P.P_PADDED_CELL:
            text = rng.choice(["{}　", "　{}", " {}", "{} ", "{}　　"]).format(text)
        report.printed[key] = text
        report.gold[key] = gold
    report.perturbations.extend(flags)
