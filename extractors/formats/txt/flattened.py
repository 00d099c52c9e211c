"""Find the table rows in a report whose tables were flattened onto one line.

Some archives keep only a page's flattened text: a whole table on one line, every
cell of a row concatenated with no separator (see tests/fixtures/real/README.md)::

    ...三、本年度办理结果（一）予以公开6000017（二）部分公开（区分处理的，...）6000006...

`segment` finds, in template order, each canonical row label of the three report
tables and the number text (the *run*) that follows it up to the next label, and
returns the rows as `extractors.records.Row`s, each with the canonical key it was
found by (`Row.key`)::

    Row(kind="table", cells=[Cell("（一）予以公开"), Cell("6000017", fused=True)],
        key=("applications", "results.disclosed"))

Section headings come out as `Row(kind="text")` so a reader knows where each table
starts. Table 4 (review_litigation) is printed as ONE data row of 15 cells: it comes
out as one table row with an empty label and a single fused cell holding the whole
run (key `(review_litigation, digits.ALL_ROWS)`). Header rows (信息内容..., 申请人情况...,
结果维持...) and the article captions (第二十条第（一）项) are dropped; group labels
(三、本年度办理结果, （三）不予公开) are not emitted either, the leaf label identifies the row.

The labels are the canonical schema's plus its `label_variants` (`by_key` for the row,
`agency_self_reference` for any label); the template is `extractors.template`'s; the
rows a report may print undivided or divided are the template rules' `alternatives`.

`segment_keyed` gives the same rows as `FlatRow`s (label, run, offsets), and
`runs_by_table` turns them into the `runs` argument of
`extractors.arithmetic.digits.solve_table`. The table-2 figures the narrative states
(`narrative_hints`) are read by `extractors.narrative`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.arithmetic.digits import ALL_ROWS
from extractors.labels.normalize import fold_width
from extractors.records import Cell, Row
from extractors.template import detect_template, one_row_layout, rules
from extractors.template.headings import find_headings
from schemas import schema

# A report is taken for flattened when at least this many table rows carry a run
# with fewer whitespace-separated tokens than the row has cells (cells run together).
# Every Pingtan file has 20+ such rows; a report laid out cell-per-line or with
# delimited cells has none. 3 tolerates a few rows glued by accident elsewhere.
MIN_FUSED_ROWS = 3

# Table 4's header words (the 15-cell run follows the last of them), looked for only
# this far after the heading: the header of pingtan-2020/2022/2024 spans 75-80
# characters; 400 leaves room for notes and spacing without reaching the narrative.
T4_HEADER_SPAN = 400

# Characters a run of cell values may contain (after folding full-width forms):
# digits, decimal point, thousands comma, signs, not-applicable markers, same-line
# blanks, and the units written into cells (spec cell_conventions.unit_in_cell).
_RUN_RE = re.compile(r"(?:[0-9.,+\-/—\t ]|万元|元|件)*")
_NUMBERING_TAIL_RE = re.compile(r"\d\s*[.、]\s*$")
_DIGIT_RE = re.compile(r"\d")
# The first value after table 4's header, with the blanks before it. Only from the first
# blank of a run, read possessively: else each blank of a long run rescans the rest (quadratic).
_FIRST_VALUE_RE = re.compile(r"(?<![ \t])[ \t]*+[-+]?\d")

_QUOTES = "\"“”'‘’「」『』"
_QUOTE_PART = f"[{re.escape(_QUOTES)}]?"


@cache
def _word_variants() -> dict[str, str]:
    """Words any label may print in another form, as regex fragments (blanks allowed
    between characters, as everywhere in a label): the spec's
    label_variants.agency_self_reference (本机关 / 本单位). The row-specific wording
    variants (内容事务 for 内部事务, 情况 for 情形) are the spec's by_key labels."""
    spec = schema().data["label_variants"]["agency_self_reference"]
    return {word: "(?:" + "|".join(_spaced(w) for w in [word, *alts]) + ")" for word, alts in spec.items()}


def _spaced(word: str) -> str:
    """A regex for a word with blanks allowed between its characters."""
    return r"\s*".join(map(re.escape, word))


def _fuzzy(label: str) -> str:
    """A regex for a label that tolerates blanks between characters, any quote marks
    and the words of `_word_variants`."""
    label = fold_width(label)
    variants = _word_variants()
    parts: list[str] = []
    i = 0
    while i < len(label):
        for word, rx in variants.items():
            if label.startswith(word, i):
                parts.append(rx)
                i += len(word)
                break
        else:
            ch = label[i]
            i += 1
            if ch in _QUOTES:
                parts.append(_QUOTE_PART)
            elif not ch.isspace():
                parts.append(re.escape(ch))
    # Blanks before an optional quote are read possessively: with two `\s*` around it,
    # backtracking would try every split of a long run of blanks between them (quadratic).
    return "".join((r"\s*+" if p == _QUOTE_PART else r"\s*") + p if i else p for i, p in enumerate(parts))


# ---- row labels ----------------------------------------------------------------------

_NUMBER_PREFIX_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*、|\(\s*[一二三四五六七八九十]+\s*\)|(\d+)\s*[.、])\s*")
_TRAILING_PAREN_RE = re.compile(r"\([^()]*\)\s*$")
# Chinese numbering before a label (三、 / (三)). It starts only at the first numeral of a
# run (a match from a later numeral would also be one from the first, so only the first can
# be the leftmost), and reads the numerals possessively: else a search rescans a long run of
# numerals from each of them (quadratic).
_CN_NUMBERING = (r"(?:(?<![一二三四五六七八九十])[一二三四五六七八九十]++\s*+、"
                 r"|\(\s*+[一二三四五六七八九十]++\s*+\))\s*")


@dataclass
class _LabelSpec:
    table: str
    key: str
    pattern: re.Pattern  # matches numbering? + core + (parenthetical)?
    number: str | None  # the digit numbering of the leaf (2 for 2．其他法律...)


def _core(label: str) -> tuple[str, str | None, bool]:
    """(core words, digit numbering, has a trailing parenthetical) of a leaf label."""
    leaf = fold_width(label)
    number = None
    m = _NUMBER_PREFIX_RE.match(leaf)
    if m:
        number = m.group(1)
        leaf = leaf[m.end():]
    paren = bool(_TRAILING_PAREN_RE.search(leaf))
    return (_TRAILING_PAREN_RE.sub("", leaf) if paren else leaf), number, paren


def _label_spec(table: str, key: str, labels: list[str], not_followed_by: tuple[str, ...] = ()) -> _LabelSpec:
    """The pattern of a row printed under any of `labels`; `not_followed_by`: words that
    would make the match another row's label (3．其他, not （六）其他处理)."""
    alts = []
    number = None
    guard = "".join(rf"(?!\s*{_fuzzy(w)})" for w in not_followed_by)
    for label in dict.fromkeys(labels):
        core, num, paren = _core(label)
        number = num or number
        rx = _fuzzy(core) + guard
        if paren:
            rx += r"(?:\s*\([^()]{0,60}\))?"
        alts.append(rx)
    alts = list(dict.fromkeys(alts))
    alts.sort(key=len, reverse=True)
    # leading numbering, kept in the label as printed
    if number:
        prefix = rf"(?:(?:{number}\s*[.、]|\(\s*{number}\s*\))\s*|{_CN_NUMBERING})?"
    else:
        prefix = f"(?:{_CN_NUMBERING})?"
    return _LabelSpec(table, key, re.compile(prefix + "(?:" + "|".join(alts) + ")"), number)


def _variants(table: str, key: str) -> list[str]:
    """The spec's label_variants.by_key labels of a row."""
    return list(schema().data["label_variants"]["by_key"].get(f"{table}.rows.{key}", []))


@cache
def _table2_specs(template: str) -> list[_LabelSpec]:
    out = []
    for r in schema().rows("active_disclosure", template):
        labels = [r.label_for(template), *([r.label_gb2021] if r.label_gb2021 else []), r.label]
        out.append(_label_spec("active_disclosure", r.key, [*labels, *_variants("active_disclosure", r.key)]))
    return out


def _prefix_guards(table: str) -> dict[str, tuple[str, ...]]:
    """For each divided row of an alternative whose label begins the undivided row's
    label (3．其他 / （六）其他处理): the rest of the undivided label."""
    s = schema()
    out: dict[str, tuple[str, ...]] = {}
    for alt in rules().alternatives_for(table):
        whole = _core(s.row(table, alt.undivided).path[-1])[0]
        for key in alt.divided:
            part = _core(s.row(table, key).path[-1])[0]
            if whole != part and whole.startswith(part):
                out[key] = (*out.get(key, ()), whole[len(part):])
    return out


@cache
def _table3_specs(template: str) -> list[_LabelSpec]:
    """Every row of the template, plus both layouts of each alternative (the undivided
    row tried before the divided ones, in schema order)."""
    table = "applications"
    either = {k for alt in rules().alternatives_for(table) for k in (alt.undivided, *alt.divided)}
    guards = _prefix_guards(table)
    return [_label_spec(table, r.key, [r.path[-1], *_variants(table, r.key)], guards.get(r.key, ()))
            for r in schema().rows(table, None) if template in r.templates or r.key in either]


def _template(text: str, template: str | None) -> str:
    """The template given, else the one the text's markers (or the fallback) tell."""
    return template or detect_template(text)[0] or rules().fallback_template


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


class _Segmenter:
    """The state of one `segment_keyed` call: the text, its fold, its headings."""

    def __init__(self, text: str, template: str):
        self.text, self.template = text, template
        self.folded = fold_width(text)
        self.heads = find_headings(self.folded)
        self.out: list[FlatRow] = []

    def after(self, name: str, default: int = 0) -> int:
        return self.heads[name].end() if name in self.heads else default

    def before(self, name: str, default: int) -> int:
        return self.heads[name].start() if name in self.heads else default

    def heading(self, name: str) -> None:
        if name in self.heads:
            m = self.heads[name]
            self.out.append(FlatRow("heading", name, None, self.text[m.start():m.end()].strip(), "", m.start(), m.end()))

    def row(self, table: str, key: str, m: re.Match | None, a: int, b: int) -> None:
        label = self.text[m.start():m.end()].strip() if m else ""
        self.out.append(FlatRow("row", table, key, label, self.text[a:b].strip(), m.start() if m else a, b))

    def table2(self, stop: int) -> None:
        self.heading("active_disclosure")
        pos = self.heads["active_disclosure"].end()
        for spec in _table2_specs(self.template):
            m = re.compile(spec.pattern.pattern + r"(?=[ \t]*(?:[-+]?[0-9]|/|—))").search(self.folded, pos, stop)
            if not m:
                continue
            a, b = _run_after(self.folded, m.end(), stop)
            self.row("active_disclosure", spec.key, m, a, b)
            pos = b

    def table3_labels(self, start: int, stop: int) -> list[tuple[_LabelSpec, re.Match]]:
        """The table-3 labels in order. An undivided row (（六）其他处理) is a data row only
        when numbers follow it (gb2019, or a gb2021 report printing it undivided), and
        then its divided rows are not looked for; else it heads them."""
        alts = {a.undivided: a.divided for a in rules().alternatives_for("applications")}
        skip: set[str] = set()
        found: list[tuple[_LabelSpec, re.Match]] = []
        pos = start
        for spec in _table3_specs(self.template):
            if spec.key in skip:
                continue
            m = spec.pattern.search(self.folded, pos, stop)
            if not m:
                continue
            if spec.key in alts:
                a, b = _run_after(self.folded, m.end(), stop)
                if not _DIGIT_RE.search(self.folded[a:b]):
                    continue
                skip |= set(alts[spec.key])
            found.append((spec, m))
            pos = m.end()
        return found

    def table3(self, start: int, stop: int) -> None:
        self.heading("applications")
        found = self.table3_labels(start, stop)
        for i, (spec, m) in enumerate(found):
            nxt = found[i + 1][1].start() if i + 1 < len(found) else stop
            a, b = _run_after(self.folded, m.end(), nxt)
            self.row("applications", spec.key, m, a, b)

    def table4(self, stop: int) -> None:
        self.heading("review_litigation")
        start = self.heads["review_litigation"].end()
        # the run follows the last header word (总计 closes each header group)
        ends = [m.end() for m in _t4_header_re().finditer(self.folded, start, min(stop, start + T4_HEADER_SPAN))]
        pos = ends[-1] if ends else start
        for m in _FIRST_VALUE_RE.finditer(self.folded[pos:stop]):
            a, b = _run_after(self.folded, pos + m.start(), stop)
            if _DIGIT_RE.search(self.folded[a:b]):
                self.row("review_litigation", ALL_ROWS, None, a, b)
            break


@cache
def _t4_header_re() -> re.Pattern:
    """Table 4's column labels (结果维持 … 总计), blanks allowed between characters."""
    return re.compile("|".join(_spaced(w) for w in schema().all_columns("review_litigation").values()))


@cache
def _first_table3_label() -> re.Pattern:
    """Table 3's first row label without its numbering: where the table starts when its
    heading is missing."""
    return re.compile(_fuzzy(_core(schema().rows("applications")[0].path[-1])[0]))


def segment_keyed(text: str, template: str | None = None) -> list[FlatRow]:
    """The headings and data rows of the three tables, with canonical keys, in text order."""
    seg = _Segmenter(text, _template(text, template))
    n = len(seg.folded)
    t3_first = _first_table3_label().search(seg.folded, seg.after("active_disclosure"))
    if "active_disclosure" in seg.heads:
        seg.table2(seg.before("applications", t3_first.start() if t3_first else n))
    if "applications" in seg.heads or t3_first:
        seg.table3(seg.after("applications") if "applications" in seg.heads else t3_first.start(),
                   seg.before("review_litigation", n))
    if "review_litigation" in seg.heads:
        seg.table4(seg.before("problems", n))
    seg.heading("problems")
    return seg.out


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
            rows.append(Row("table", [Cell(fr.label), Cell(fr.run, fused=True)], key=(fr.table, fr.key)))
    return rows


def runs_by_table(text: str, template: str | None = None) -> dict[str, dict[str, str]]:
    """table -> {canonical row key: run}, ready for `digits.solve_table` (table 4 under
    `digits.ALL_ROWS`). The first occurrence of a key wins."""
    out: dict[str, dict[str, str]] = {}
    for fr in segment_keyed(text, template):
        if fr.kind == "row":
            out.setdefault(fr.table, {}).setdefault(fr.key, fr.run)
    return out


def _cells(table: str, key: str, template: str) -> int:
    if key == ALL_ROWS:
        return len(one_row_layout(table, template)[0])
    return len(schema().columns(table, key, template))


def looks_flattened(text: str) -> bool:
    """True when table labels are followed on the same line by runs of fused cells."""
    template = _template(text, None)
    fused = 0
    for fr in segment_keyed(text, template):
        if fr.kind != "row" or not fr.run:
            continue
        ncells = _cells(fr.table, fr.key, template)
        digits = sum(ch.isdigit() for ch in fold_width(fr.run))
        if ncells > 1 and digits >= ncells and len(fr.run.split()) < ncells:
            fused += 1
    return fused >= MIN_FUSED_ROWS
