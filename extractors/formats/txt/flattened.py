"""Find the table rows in a report whose tables were flattened onto one line.

Some archives keep only a page's flattened text: a whole table on one line, every
cell of a row concatenated with no separator (see tests/fixtures/real/README.md)::

    ...三、本年度办理结果（一）予以公开6000017（二）部分公开（区分处理的，...）6000006...

`segment` finds, in template order, each canonical row label of the three report
tables and the number text (the *run*) that follows it up to the next label, and
returns the rows as `extractors.records.Row`s::

    Row(kind="table", cells=[Cell("（一）予以公开"), Cell("6000017", fused=True)])

Section headings come out as `Row(kind="text")` so a reader knows where each table
starts. Table 4 (review_litigation) is printed as ONE data row of 15 cells: it comes
out as one table row with an empty label and a single fused cell holding the whole
run. Header rows (信息内容..., 申请人情况..., 结果维持...) and the article captions
(第二十条第（一）项) are dropped; group labels (三、本年度办理结果, （三）不予公开) are
not emitted either, the leaf label identifies the row.

`segment_keyed` gives the same rows with their canonical keys (the labels were matched
against the spec here already), and `runs_by_table` turns them into the `runs`
argument of `extractors.arithmetic.digits.solve_table`. `narrative_hints` reads the few table-2
figures the narrative states in so many words (本年度制发行政规范性文件62件).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from extractors.arithmetic.digits import ALL_ROWS
from extractors.records import Cell, Row
from schemas import schema

# A report is taken for flattened when at least this many table rows carry a run
# with fewer whitespace-separated tokens than the row has cells (cells run together).
# Every Pingtan file has 20+ such rows; a report laid out cell-per-line or with
# delimited cells has none. 3 tolerates a few rows glued by accident elsewhere.
MIN_FUSED_ROWS = 3

# Characters a run of cell values may contain (after folding full-width forms):
# digits, decimal point, thousands comma, signs, not-applicable markers, same-line
# blanks, and the units written into cells (spec cell_conventions.unit_in_cell).
# Table 4's header words (the 15-cell run follows the last of them), looked for only
# this far after the heading: the header of pingtan-2020/2022/2024 spans 75-80
# characters; 400 leaves room for notes and spacing without reaching the narrative.
_T4_HEADER_RE = re.compile(r"总\s*计|尚\s*未\s*审\s*结|其\s*他\s*结\s*果|结\s*果\s*纠\s*正|结\s*果\s*维\s*持")
T4_HEADER_SPAN = 400

_RUN_RE = re.compile(r"(?:[0-9.,+\-/—\t ]|万元|元|件)*")
_NUMBERING_TAIL_RE = re.compile(r"\d\s*[.、]\s*$")


def _fold(text: str) -> str:
    """Full-width forms to ASCII (（→(, ．→., 　→ space, １→1), keeping one char per
    char so offsets into the folded text are offsets into the original."""
    out = []
    for ch in text:
        if ch in "－−–":
            out.append("-")
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


_QUOTES = "\"“”'‘’「」『』"
# Wording variants seen in real reports (spec label_variants), as regex fragments.
_VARIANTS = {
    "本机关": "(?:本机关|本单位)",
    "内部事务": "(?:内部|内容)事务",
    "情形": "(?:情形|情况)",
}


def _fuzzy(label: str) -> str:
    """A regex for a label that tolerates blanks between characters, any quote marks
    and the known wording variants."""
    label = _fold(label)
    parts: list[str] = []
    i = 0
    while i < len(label):
        for word, rx in _VARIANTS.items():
            if label.startswith(word, i):
                parts.append(rx)
                i += len(word)
                break
        else:
            ch = label[i]
            i += 1
            if ch in _QUOTES:
                parts.append(f"[{re.escape(_QUOTES)}]?")
            elif not ch.isspace():
                parts.append(re.escape(ch))
    return r"\s*".join(parts)


# ---- section headings ----------------------------------------------------------------

_HEADINGS = {
    "active_disclosure": r"[二2]\s*[、.,]\s*主\s*动\s*公\s*开\s*政\s*府\s*信\s*息\s*情\s*况",
    "applications": r"[三3]\s*[、.,]\s*收\s*到\s*和\s*处\s*理\s*政\s*府\s*信\s*息\s*公\s*开\s*申\s*请\s*情\s*况",
    # 四、政府信息公开行政法复议、行政诉讼情况 (pingtan-2022 typo), 行政复议及行政诉讼
    "review_litigation": r"[四4]\s*[、.,]\s*(?:政\s*府\s*信\s*息\s*公\s*开\s*)?行\s*政\s*(?:法\s*)?复\s*议\s*[、,和及与]?\s*行\s*政\s*诉\s*讼\s*(?:的\s*)?情\s*况",
    "problems": r"[五5]\s*[、.,]\s*(?:政府信息公开工作)?\s*存\s*在\s*的\s*主\s*要\s*问\s*题",
}

# ---- row labels ----------------------------------------------------------------------

_NUMBER_PREFIX_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*、|\(\s*[一二三四五六七八九十]+\s*\)|(\d+)\s*[.、])\s*")
_TRAILING_PAREN_RE = re.compile(r"\([^()]*\)\s*$")


@dataclass
class _LabelSpec:
    table: str
    key: str
    pattern: re.Pattern  # matches numbering? + core + (parenthetical)?
    number: str | None  # the digit numbering of the leaf (2 for 2．其他法律...)


def _label_spec(table: str, key: str, labels: list[str]) -> _LabelSpec:
    alts = []
    number = None
    for label in labels:
        leaf = _fold(label)
        m = _NUMBER_PREFIX_RE.match(leaf)
        if m:
            number = m.group(1) or number
            leaf = leaf[m.end():]
        paren = bool(_TRAILING_PAREN_RE.search(leaf))
        core = _TRAILING_PAREN_RE.sub("", leaf) if paren else leaf
        rx = _fuzzy(core)
        if key == "results.other.other":
            rx += "(?!\\s*处\\s*理)"  # 3．其他, not （六）其他处理
        if paren:
            rx += r"(?:\s*\([^()]{0,60}\))?"
        alts.append(rx)
    alts.sort(key=len, reverse=True)
    # leading numbering, kept in the label as printed
    cn = r"(?:[一二三四五六七八九十]+\s*、|\(\s*[一二三四五六七八九十]+\s*\))\s*"
    if number:
        prefix = rf"(?:(?:{number}\s*[.、]|\(\s*{number}\s*\))\s*|{cn})?"
    else:
        prefix = f"(?:{cn})?"
    return _LabelSpec(table, key, re.compile(prefix + "(?:" + "|".join(alts) + ")"), number)


def _table2_specs(template: str) -> list[_LabelSpec]:
    out = []
    for r in schema().rows("active_disclosure", template):
        labels = [r.label_for(template)]
        if r.label_gb2021 and r.label_gb2021 not in labels:
            labels.append(r.label_gb2021)
        if r.label not in labels:
            labels.append(r.label)
        out.append(_label_spec("active_disclosure", r.key, labels))
    return out


def _table3_specs(template: str) -> list[_LabelSpec]:
    s = schema()
    out = []
    for r in s.rows("applications", None):
        if r.key == "results.other" and template == "gb2021":
            pass  # the undivided （六） row, tried before the three sub-rows
        elif template not in r.templates:
            if not (template == "gb2019" and r.key.startswith("results.other.")):
                continue
        out.append(_label_spec("applications", r.key, [r.path[-1]]))
    return out


# ---- template ------------------------------------------------------------------------

_GB2021_MARKS = ("本年制发件数", "本年处理决定数量", "本年收费金额", "逾期不补正", "〔2021〕30号")
_GB2019_MARKS = ("本年新制作数量", "上一年项目数量", "其他对外管理服务事项", "采购项目数量", "〔2019〕60号")


def detect_template(text: str) -> str | None:
    """gb2019 / gb2021 from the table-2 headers and other wording only one template
    has; None when nothing tells."""
    t = re.sub(r"\s+", "", _fold(text))
    s21 = sum(t.count(_fold(m)) for m in _GB2021_MARKS)
    s19 = sum(t.count(_fold(m)) for m in _GB2019_MARKS)
    if s21 == s19:
        return None
    return "gb2021" if s21 > s19 else "gb2019"


# ---- segmentation --------------------------------------------------------------------


@dataclass
class FlatRow:
    """One row found in flattened text. kind "heading" rows have no key and no run."""

    kind: str  # "heading" | "row"
    table: str
    key: str | None  # canonical row key; ALL_ROWS for the 15-cell table-4 run
    label: str  # as printed (original characters, outer blanks stripped)
    run: str  # the raw number text after the label, as printed
    start: int  # offset of the label in the text
    end: int  # offset just after the run


def _run_after(folded: str, pos: int, stop: int) -> tuple[int, int]:
    """The span of the run that starts at pos (before stop): run characters only,
    without a trailing item number that belongs to the next label (…0000000 2.其他)."""
    m = _RUN_RE.match(folded, pos, stop)
    end = m.end()
    tail = _NUMBERING_TAIL_RE.search(folded, pos, end)
    if tail and end < stop and not folded[end].isspace():
        end = tail.start()
    while end > pos and folded[end - 1] in ".,":  # sentence punctuation, never part of a cell
        end -= 1
    return pos, end


def _find_headings(folded: str) -> dict[str, re.Match]:
    found: dict[str, re.Match] = {}
    pos = 0
    for name, rx in _HEADINGS.items():
        m = re.compile(rx).search(folded, pos)
        if m:
            found[name] = m
            pos = m.end()
    return found


def segment_keyed(text: str, template: str | None = None) -> list[FlatRow]:
    """The headings and data rows of the three tables, with canonical keys, in text order."""
    template = template or detect_template(text) or "gb2021"
    folded = _fold(text)
    heads = _find_headings(folded)
    n = len(folded)
    out: list[FlatRow] = []

    def heading(name: str) -> None:
        if name in heads:
            m = heads[name]
            out.append(FlatRow("heading", name, None, text[m.start():m.end()].strip(), "", m.start(), m.end()))

    # ---- table 2
    t3_first = re.compile(_fuzzy("本年新收政府信息公开申请数量")).search(folded, heads["active_disclosure"].end() if "active_disclosure" in heads else 0)
    if "active_disclosure" in heads:
        heading("active_disclosure")
        start = heads["active_disclosure"].end()
        stop = heads["applications"].start() if "applications" in heads else (t3_first.start() if t3_first else n)
        pos = start
        for spec in _table2_specs(template):
            m = re.compile(spec.pattern.pattern + r"(?=[ \t]*(?:[-+]?[0-9]|/|—))").search(folded, pos, stop)
            if not m:
                continue
            a, b = _run_after(folded, m.end(), stop)
            out.append(FlatRow("row", "active_disclosure", spec.key, text[m.start():m.end()].strip(),
                               text[a:b].strip(), m.start(), b))
            pos = b

    # ---- table 3
    if "applications" in heads or t3_first:
        heading("applications")
        start = heads["applications"].end() if "applications" in heads else t3_first.start()
        stop = heads["review_litigation"].start() if "review_litigation" in heads else n
        found: list[tuple[_LabelSpec, re.Match]] = []
        pos = start
        skip_other_split = False
        for spec in _table3_specs(template):
            if skip_other_split and spec.key.startswith("results.other."):
                continue
            m = spec.pattern.search(folded, pos, stop)
            if not m:
                continue
            if spec.key == "results.other":
                # （六）其他处理 is a data row only when numbers follow it (gb2019, or a
                # gb2021 report printing it undivided); else it heads three sub-rows
                a, b = _run_after(folded, m.end(), stop)
                if not re.search(r"\d", folded[a:b]):
                    continue
                skip_other_split = True
            found.append((spec, m))
            pos = m.end()
        for i, (spec, m) in enumerate(found):
            nxt = found[i + 1][1].start() if i + 1 < len(found) else stop
            a, b = _run_after(folded, m.end(), nxt)
            out.append(FlatRow("row", "applications", spec.key, text[m.start():m.end()].strip(),
                               text[a:b].strip(), m.start(), b))

    # ---- table 4
    if "review_litigation" in heads:
        heading("review_litigation")
        start = heads["review_litigation"].end()
        stop = heads["problems"].start() if "problems" in heads else n
        # the run follows the last header word (总计 closes each header group)
        ends = [m.end() for m in _T4_HEADER_RE.finditer(folded, start, min(stop, start + T4_HEADER_SPAN))]
        pos = ends[-1] if ends else start
        for m in re.finditer(r"[ \t]*[-+]?\d", folded[pos:stop]):
            a, b = _run_after(folded, pos + m.start(), stop)
            if re.search(r"\d", folded[a:b]):
                out.append(FlatRow("row", "review_litigation", ALL_ROWS, "", text[a:b].strip(), a, b))
            break
    heading("problems")
    return out


def segment(text: str, template: str | None = None) -> list[Row]:
    """The three tables of a flattened report as `Row`s (see the module docstring).

    Text before the first table and from 五、 on comes out as `kind="text"` rows too,
    so the stream can stand in for a format extractor's rows.
    """
    keyed = segment_keyed(text, template)
    rows: list[Row] = []
    first = keyed[0].start if keyed else len(text)
    if text[:first].strip():
        rows.append(Row("text", [Cell(text[:first].strip())]))
    for fr in keyed:
        if fr.kind == "heading":
            if fr.table == "problems":
                rows.append(Row("text", [Cell(text[fr.start:].strip())]))
            else:
                rows.append(Row("text", [Cell(fr.label)]))
        else:
            rows.append(Row("table", [Cell(fr.label), Cell(fr.run, fused=True)]))
    return rows


def runs_by_table(text: str, template: str | None = None) -> dict[str, dict[str, str]]:
    """table -> {canonical row key: run}, ready for `digits.solve_table` (table 4 under
    `digits.ALL_ROWS`). The first occurrence of a key wins."""
    out: dict[str, dict[str, str]] = {}
    for fr in segment_keyed(text, template):
        if fr.kind == "row":
            out.setdefault(fr.table, {}).setdefault(fr.key, fr.run)
    return out


def looks_flattened(text: str) -> bool:
    """True when table labels are followed on the same line by runs of fused cells."""
    s = schema()
    template = detect_template(text) or "gb2021"
    fused = 0
    for fr in segment_keyed(text, template):
        if fr.kind != "row" or not fr.run:
            continue
        if fr.key == ALL_ROWS:
            ncells = 15
        else:
            ncells = len(s.columns(fr.table, fr.key, template))
        digits = sum(ch.isdigit() for ch in _fold(fr.run))
        if ncells > 1 and digits >= ncells and len(fr.run.split()) < ncells:
            fused += 1
    return fused >= MIN_FUSED_ROWS


# ---- narrative figures ---------------------------------------------------------------

_THIS_YEAR = r"(?:本年度?|全年)"
_SOME = r"(?:共|累计|共计|合计)?"
_DOC = r"(?:的)?(?:行政)?规范性文件"
# (row, column) -> patterns whose group 1 is the figure; only wording that names the
# template column itself (this year's issued / repealed documents, documents in force).
_HINT_PATTERNS: dict[str, list[tuple[tuple[str, str], str]]] = {
    "gb2021": [
        (("normative_documents", "issued"), _THIS_YEAR + _SOME + r"(?:制发|制定|出台)(?:了)?" + _DOC + _SOME + r"(\d+)件"),
        (("normative_documents", "repealed"), _THIS_YEAR + _SOME + r"(?:宣布)?废止(?:了)?" + _DOC + _SOME + r"(\d+)件"),
        (("normative_documents", "in_force"), r"现行有效" + _DOC + _SOME + r"(\d+)件"),
        (("rules", "issued"), _THIS_YEAR + _SOME + r"(?:制发|制定|出台)(?:了)?(?:的)?规章" + _SOME + r"(\d+)件"),
        (("rules", "in_force"), r"现行有效(?:的)?规章" + _SOME + r"(\d+)件"),
    ],
    "gb2019": [
        (("normative_documents", "new_made"), _THIS_YEAR + _SOME + r"新制作(?:了)?" + _DOC + _SOME + r"(\d+)件"),
        (("normative_documents", "new_published"), _THIS_YEAR + _SOME + r"新公开(?:了)?" + _DOC + _SOME + r"(\d+)件"),
    ],
}


def narrative_hints(text: str, template: str | None = None) -> dict[tuple[str, str], float]:
    """Table-2 figures the narrative states unambiguously, as (row, column) -> value.

    Conservative: only phrasings that name the column (本年度制发…规范性文件N件,
    现行有效…规范性文件N件), only outside the tables, and a figure stated twice with
    different values is dropped.
    """
    template = template or detect_template(text) or "gb2021"
    folded = _fold(text)
    heads = _find_headings(folded)
    spans = []
    if "active_disclosure" in heads:
        end = heads["problems"].start() if "problems" in heads else len(folded)
        spans = [(0, heads["active_disclosure"].start()), (end, len(folded))]
    else:
        spans = [(0, len(folded))]
    narrative = "\n".join(re.sub(r"[ \t]+", "", folded[a:b]) for a, b in spans)
    out: dict[tuple[str, str], float] = {}
    for cell, rx in _HINT_PATTERNS.get(template, []):
        values = {int(m.group(1)) for m in re.finditer(rx, narrative)}
        if len(values) == 1:
            out[cell] = float(values.pop())
    return out
