"""Figures reports state in words, outside the tables. Two uses, two sets of patterns:

* `extract_figures` / `narrative_values` (`PATTERNS`, `ZERO_PATTERNS`): figures of
  sections 一 and 六, stored as values of table `narrative` (keys in
  `schemas/narrative.yaml`) and cross-checked with the tables. Conservative:
  approximate figures (260余条, 80多条) are skipped, and each pattern keeps the first
  statement it finds.
* `narrative_hints` (`HINT_PATTERNS`): table-2 cells the text states in so many words
  (本年度制发行政规范性文件62件), which the digit-run solver uses to pick among the
  splits of a flattened row (`extractors.arithmetic.digits.solve_table`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from extractors.labels.normalize import fold_width, halfwidth, to_simplified
from extractors.records import Finding, Value
from extractors.template import detect_template, rules
from extractors.template.headings import outside_tables
from schemas import schema

# Every pattern runs in time linear in the text, on any input (tests/test_hostile_readers.py):
# * a figure is at most MAX_FIGURE_CHARS digits and commas, matched possessively (`{0,n}+`,
#   `++`): what a pattern needs after a figure is never a digit or a comma, so giving characters back can
#   find no match, and a search must not rescan a long digit run from each of its digits
#   (a 100,000-digit run took 348 s);
# * a pattern that opens with the figure starts only at the first digit of a run
#   (`_RUN_START`): a match from a later digit would also be a match from the first one, so
#   only the first can be the leftmost.
# On text whose figures are shorter than MAX_FIGURE_CHARS the matches are the same as those of
# the unbounded, backtracking patterns they replace.
MAX_FIGURE_CHARS = 64  # the longest figure a report prints is an amount in yuan: "123,456,789.00" is 14
_NUM = r"(\d[\d,]{0," + str(MAX_FIGURE_CHARS - 1) + r"}+(?:\.\d++)?)"
_RUN_START = r"(?<!\d)(?<!\d,)"
_APPROX = r"(?![\d,.]*\s*(?:余|多|以上|左右))"
# (key, pattern) tried in order; group 1 is the figure. Patterns read simplified, half-width text.
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("proactive_items_published", re.compile(
        r"(?:主动公开|发布|公布|公开)[^。；;，,\d]{0,14}?(?:政府信息|政务公开信息|政务信息|信息)[^。；;\d]{0,4}?"
        + _NUM + _APPROX + r"\s*(?:条|篇)")),
    ("applications_received", re.compile(
        r"(?:收到|受理|办理)[^。；;\d]{0,10}?政府信息公开申请(?:共计|共)?\s*" + _NUM + _APPROX + r"\s*件")),
    ("fee_notices_issued", re.compile(r"(?:发出|发放|出具)收费通知(?:书)?(?:共计|共)?\s*" + _NUM + r"\s*(?:件|份)")),
    ("fee_notices_amount", re.compile(r"收费通知[^。；;\d]{0,8}?(?:总)?金额(?:为|共计|共)?\s*" + _NUM + r"\s*元")),
    ("fee_collected_amount", re.compile(r"实际收取[^。；;\d]{0,8}?(?:总)?(?:金额)?(?:为|共计|共)?\s*" + _NUM + r"\s*元")),
    ("npc_suggestions_handled", re.compile(
        r"(?:人大(?:代表)?建议\s*" + _NUM + r"\s*(?:件|项|条)|" + _RUN_START + _NUM
        + r"\s*(?:件|项|条)(?:人大代表|人大)?建议)")),
    ("cppcc_proposals_handled", re.compile(
        r"(?:政协(?:委员)?提案\s*" + _NUM + r"\s*(?:件|项|条)|" + _RUN_START + _NUM
        + r"\s*(?:件|项|条)(?:政协委员|政协)?提案)")),
]
# Statements of none: (key, pattern).
ZERO_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("applications_received", re.compile(r"未(?:收到|受理)(?:[^。；;]{0,6})政府信息公开申请")),
    ("fee_collected_amount", re.compile(r"(?:未|没有|无)(?:有)?收取(?:任何)?(?:政府)?信息处理费")),
    ("npc_suggestions_handled", re.compile(r"未收到(?:[^。；;，,]{0,8})?人大代表")),
    ("cppcc_proposals_handled", re.compile(r"未收到(?:[^。；;，,]{0,8})?(?:政协委员|政协)(?:[^。；;，,]{0,6})?提案|"
                                           r"未收到人大代表、政协委员建议提案")),
]
# Narrative figures compared with a table cell: key → (table, row, column).
COMPARE = {"applications_received": ("applications", "new_received", "total")}


@dataclass
class NarrativeFigure:
    key: str
    value: float
    raw: str


@cache
def narrative_schema() -> dict:
    return yaml.safe_load(resources.files("schemas").joinpath("narrative.yaml").read_text(encoding="utf-8"))


def extract_figures(text: str) -> list[NarrativeFigure]:
    t = to_simplified(halfwidth(text))
    found: dict[str, NarrativeFigure] = {}
    for key, pat in PATTERNS:
        m = pat.search(t)
        if m:
            num = next(g for g in m.groups() if g)
            found[key] = NarrativeFigure(key, float(num.replace(",", "")), m.group(0))
    for key, pat in ZERO_PATTERNS:
        if key not in found:
            m = pat.search(t)
            if m:
                found[key] = NarrativeFigure(key, 0.0, m.group(0))
    order = [k for k, _ in PATTERNS]
    return sorted(found.values(), key=lambda f: order.index(f.key))


def narrative_values(text: str, tables: list[Value]) -> tuple[list[Value], list[Finding]]:
    """Narrative figures as values, plus a finding for each that contradicts its table cell."""
    figures = extract_figures(text)
    cells = {(v.table, v.row, v.column): v for v in tables if v.row is not None}
    values, findings = [], []
    for f in figures:
        values.append(Value("narrative", f.key, "value", f.value, "number", f.raw, f.raw, None, None,
                            None, None, None, None))
        target = COMPARE.get(f.key)
        if target and target in cells and cells[target].value_kind == "number":
            printed = cells[target].value
            carried = cells.get(("applications", "carried_over", "total"))
            also = printed + carried.value if carried and carried.value is not None else None
            if f.value != printed and f.value != also:
                findings.append(Finding(
                    "narrative_mismatch", "info",
                    f"the text says {f.raw!r} ({f.value:g}) but the table prints {printed:g} for "
                    f"{'.'.join(target)}; often the report's own inconsistency",
                    target[0], target[1], target[2],
                    detail={"narrative": f.raw, "narrative_value": f.value, "table_value": printed}))
    return values, findings


# ---- table-2 figures the text states (hints for the digit-run solver) ------------------

_THIS_YEAR = r"(?:本年度?|全年)"
_SOME = r"(?:共|累计|共计|合计)?"
_DOC = r"(?:的)?(?:行政)?规范性文件"
# (row, column) of table 2 -> pattern whose group 1 is the figure; only wording that
# names the template column itself (this year's issued / repealed documents, documents
# in force; gb2019: newly made / newly published). A pattern applies to the reports
# whose template has that column.
HINT_PATTERNS: list[tuple[tuple[str, str], str]] = [
    (("normative_documents", "issued"), _THIS_YEAR + _SOME + r"(?:制发|制定|出台)(?:了)?" + _DOC + _SOME + r"(\d+)件"),
    (("normative_documents", "repealed"), _THIS_YEAR + _SOME + r"(?:宣布)?废止(?:了)?" + _DOC + _SOME + r"(\d+)件"),
    (("normative_documents", "in_force"), r"现行有效" + _DOC + _SOME + r"(\d+)件"),
    (("rules", "issued"), _THIS_YEAR + _SOME + r"(?:制发|制定|出台)(?:了)?(?:的)?规章" + _SOME + r"(\d+)件"),
    (("rules", "in_force"), r"现行有效(?:的)?规章" + _SOME + r"(\d+)件"),
    (("normative_documents", "new_made"), _THIS_YEAR + _SOME + r"新制作(?:了)?" + _DOC + _SOME + r"(\d+)件"),
    (("normative_documents", "new_published"), _THIS_YEAR + _SOME + r"新公开(?:了)?" + _DOC + _SOME + r"(\d+)件"),
]
HINT_TABLE = "active_disclosure"


def _hint_patterns(template: str) -> list[tuple[tuple[str, str], str]]:
    """The hint patterns whose (row, column) the template's table 2 has."""
    s = schema()
    if template not in s.data["templates"]:
        return []
    rows = {r.key for r in s.rows(HINT_TABLE, template)}
    return [(cell, rx) for cell, rx in HINT_PATTERNS
            if cell[0] in rows and cell[1] in {c.key for c in s.columns(HINT_TABLE, cell[0], template)}]


def narrative_hints(text: str, template: str | None = None) -> dict[tuple[str, str], float]:
    """Table-2 figures the narrative states unambiguously, as (row, column) -> value.

    Conservative: only phrasings that name the column (本年度制发…规范性文件N件,
    现行有效…规范性文件N件), only outside the tables, and a figure stated twice with
    different values is dropped. `template`: the report's (detected when None).
    """
    template = template or detect_template(text)[0] or rules().fallback_template
    folded = fold_width(text)
    narrative = "\n".join(re.sub(r"[ \t]+", "", folded[a:b]) for a, b in outside_tables(folded))
    out: dict[tuple[str, str], float] = {}
    for cell, rx in _hint_patterns(template):
        values = {int(m.group(1)) for m in re.finditer(rx, narrative)}
        if len(values) == 1:
            out[cell] = float(values.pop())
    return out
