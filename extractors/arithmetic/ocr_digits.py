"""Digits read by OCR are checked, not trusted.

    resolve_ocr(values, rows, template) -> findings

Every value read from an OCR'd cell gets the recogniser's confidence (`ocr_confidence`,
the least over the cell's characters). A cell is *doubtful* when that confidence is below
`LOW_CONFIDENCE`, or when an identity of the template it takes part in fails and one
confusable digit of it (0/8/6/9, 1/7, 3/8, 5/6) would close the gap. The doubtful cells
of a report are solved together: every combination of their readings (as printed, or with
one confusable digit changed) is tried against every identity they take part in, with
the other cells as printed.

* exactly one combination satisfies every identity: each doubtful cell takes its value
  from it (`ocr_digit_resolved`, `info`; `raw_value` keeps what was read);
* several: the cells on which they agree are pinned; the others are `unreadable`;
* none, or a doubtful cell that no identity checks (table 2 has none): `unreadable`.

A cell of an OCR'd table that reads empty where an identity fails is doubtful too (the
recogniser may have missed a lone digit): its readings are empty, or the value that closes
the gap; it stays blank when the arithmetic holds with it empty.

An `unreadable` cell's finding (`ocr_digit_unresolved`, `warning`) lists its candidate
readings in `detail.candidates`. A report is `ok` only when no cell is left unreadable.
"""

from __future__ import annotations

from extractors.arithmetic.checks import TOLERANCE, equations
from extractors.records import Finding, Row, Value
from extractors.template import Equation

# Confidence under which a cell's reading is not taken without the arithmetic's consent.
# Calibrated on the generated scans (benchmarks/OCR.md): every misread cell there read below
# it, and 96-99% of the correct ones above.
LOW_CONFIDENCE = 0.8
# Digits the recogniser confuses, each with the digits it is taken for (the pairs:
# 0/8/6/9, 1/7, 3/8, 5/6).
CONFUSABLE = {"0": "689", "8": "0369", "6": "0589", "9": "068", "1": "7", "7": "1", "3": "8", "5": "6"}
# Readings tried for one group of doubtful cells at most (the depth-first search prunes at
# each identity, so a table of ~30 doubtful zeros takes a few thousand): past it the group's
# cells are unreadable.
MAX_COMBINATIONS = 200_000
# Solutions collected at most before a group is declared ambiguous everywhere.
MAX_SOLUTIONS = 64

CellKey = tuple[str, str, str]


def attach_confidence(values: list[Value], rows: list[Row]) -> bool:
    """Copy each OCR'd cell's confidence onto the values read from it; whether any was."""
    conf = {(c.table, c.row, c.col): c.confidence for r in rows if r.kind == "table"
            for c in r.cells if c.confidence is not None}
    if not conf:
        return False
    for v in values:
        c = conf.get((v.source_table, v.source_row, v.source_col))
        if c is not None:
            v.ocr_confidence = round(c, 4)
    return True


def readings(v: Value) -> list[float]:
    """The value as read first, then each reading with one confusable digit changed, then
    (a number read with a leading zero, "02") each reading with one digit left out."""
    text = _digits(v)
    if text is None:
        return [v.value]
    out = [v.value]
    raw = (v.raw_value or "").strip()
    if _leading_zero(v):
        for i in range(len(raw)):
            cand = raw[:i] + raw[i + 1:]
            if cand and float(cand) not in out:
                out.append(float(cand))
    for i, ch in enumerate(text):
        for alt in CONFUSABLE.get(ch, ""):
            cand = text[:i] + alt + text[i + 1:]
            if len(cand) > 1 and cand[0] == "0":
                continue  # a leading zero is not a reading of a count
            val = float(cand)
            if val not in out:
                out.append(val)
    return out


def _leading_zero(v: Value) -> bool:
    raw = (v.raw_value or "").strip()
    return len(raw) > 1 and raw[0] == "0" and raw.isdigit()


def _digits(v: Value) -> str | None:
    if v.value_kind != "number" or v.value is None or v.value != int(v.value) or v.value < 0:
        return None
    return str(int(v.value))


def _holds(eq: Equation, num: dict[CellKey, float | None]) -> bool | None:
    parts = [num.get(k) for k in eq.expected]
    totals = [num.get(k) for k in eq.printed]
    if None in parts or None in totals:
        return None
    expected, printed = sum(parts), sum(totals)
    scale = printed if eq.form == "sum" else expected
    return abs(expected - printed) <= TOLERANCE * max(1.0, abs(scale))


def _number(v: Value) -> float | None:
    if v.value_kind == "number":
        return v.value
    return 0.0 if v.value_kind in ("blank", "not_applicable") else None


def resolve_ocr(values: list[Value], rows: list[Row], template: str | None) -> list[Finding]:
    """Check the OCR'd values against the template's arithmetic (module docstring)."""
    attach_confidence(values, rows)
    if not any(v.ocr_confidence is not None for v in values):
        return []  # nothing was read by OCR
    cell = {(v.table, v.row, v.column): v for v in values if v.row is not None}
    num = {k: _number(v) for k, v in cell.items()}
    eqs = [eq for _ident, eq in equations(cell, template)]
    doubtful = {k for k, v in cell.items() if v.ocr_confidence is not None and _digits(v) is not None
                and (v.ocr_confidence < LOW_CONFIDENCE or _leading_zero(v))}
    doubtful |= _explaining_cells(eqs, cell, num)
    gaps = _blank_gaps(values, eqs, cell, num)
    doubtful |= set(gaps)
    findings: list[Finding] = []
    for group in _groups(doubtful, eqs):
        findings += _solve(group, eqs, cell, num, gaps)
    return findings + _distrust_failing(eqs, cell)


def _distrust_failing(eqs: list[Equation], cell: dict) -> list[Finding]:
    """Once the doubtful cells are settled, an OCR'd number of a table the template checks is
    kept only when an identity it takes part in holds with every one of its cells known. A
    misread the confusions above do not explain (a digit shifted a column, two digits wrong)
    looks the same as the report's own error, and an identity with a cell missing confirms
    nothing: such numbers become `unreadable` (never stored because the recogniser was sure).
    Numbers the assembler inferred from the row's arithmetic count as OCR'd here (they were
    computed from OCR'd cells). Cells no identity covers (table 2) keep their reading."""
    num = {k: _number(v) for k, v in cell.items()}
    verdicts = [(eq, _holds(eq, num)) for eq in eqs]
    confirmed: set[CellKey] = set()
    covered: set[CellKey] = set()
    for eq, holds in verdicts:
        keys = (*eq.expected, *eq.printed)
        covered.update(keys)
        if holds:
            confirmed.update(keys)
    out: list[Finding] = []
    for k in sorted(covered - confirmed):
        v = cell.get(k)
        if v is None or v.value_kind != "number" or (v.ocr_confidence is None and v.raw_value is not None):
            continue
        read = v.raw_value
        failing = any(holds is False and k in (*eq.expected, *eq.printed) for eq, holds in verdicts)
        why = "an identity it takes part in fails as read" if failing else \
            "no identity it takes part in can be checked (a cell of each is missing)"
        v.value, v.value_kind = None, "unreadable"
        shown = repr(read) if read is not None else "nothing (inferred from the row's arithmetic)"
        out.append(Finding("ocr_digit_unresolved", "warning",
                           f"OCR read {shown}; {why}, so the reading is not confirmed and not stored",
                           table=v.table, row=v.row, column=v.column,
                           detail={"read": read, "confidence": v.ocr_confidence,
                                   "candidates": [read] if read is not None else []}))
    return out


def _blank_gaps(values: list[Value], eqs: list[Equation], cell: dict, num: dict) -> dict[CellKey, list[float]]:
    """Cells of an OCR'd table that read empty where an identity fails: the recogniser may
    have missed what is printed there. Each with the values that would close the gaps."""
    ocr_tables = {v.source_table for v in values if v.ocr_confidence is not None}
    out: dict[CellKey, list[float]] = {}
    for eq in eqs:
        if _holds(eq, num) is not False:
            continue
        for k in (*eq.expected, *eq.printed):
            v = cell.get(k)
            if v is None or v.value_kind != "blank" or v.source_table not in ocr_tables:
                continue
            others = {**num, k: 0.0}
            exp = sum(others[x] for x in eq.expected)
            pri = sum(others[x] for x in eq.printed)
            x = pri - exp if k in eq.expected else exp - pri
            cands = out.setdefault(k, [0.0])
            if x > 0 and x == int(x) and x not in cands:
                cands.append(float(x))
    return out


def _explaining_cells(eqs: list[Equation], cell: dict, num: dict) -> set[CellKey]:
    """OCR'd cells of failing identities whose one-digit confusion would make them hold."""
    out = set()
    for eq in eqs:
        if _holds(eq, num) is not False:
            continue
        for k in (*eq.expected, *eq.printed):
            v = cell.get(k)
            if v is None or v.ocr_confidence is None or _digits(v) is None:
                continue
            for alt in readings(v)[1:]:
                trial = {**num, k: alt}
                if _holds(eq, trial):
                    out.add(k)
                    break
    return out


def _groups(doubtful: set[CellKey], eqs: list[Equation]) -> list[list[CellKey]]:
    """Doubtful cells joined when an identity involves both (solved together)."""
    parent = {k: k for k in doubtful}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for eq in eqs:
        ks = [k for k in (*eq.expected, *eq.printed) if k in parent]
        for a, b in zip(ks, ks[1:], strict=False):
            parent[find(a)] = find(b)
    out: dict[CellKey, list[CellKey]] = {}
    for k in sorted(doubtful):
        out.setdefault(find(k), []).append(k)
    return list(out.values())


def _solve(group: list[CellKey], eqs: list[Equation], cell: dict, num: dict,
           gaps: dict[CellKey, list[float]]) -> list[Finding]:
    """One group of doubtful cells: the combinations of readings every identity accepts."""
    members = set(group)
    mine = [eq for eq in eqs if members & {*eq.expected, *eq.printed}
            and _holds(eq, {**num, **{g: 0.0 for g in group}}) is not None]
    checked = [k for k in group if any(k in (*eq.expected, *eq.printed) for eq in mine)]
    cands = {k: gaps[k] if k in gaps else readings(cell[k]) for k in group}
    solutions = _search(checked, cands, mine, num)
    out = []
    for k in group:
        reason = ("no identity of the template checks this cell" if k not in checked else
                  "too many readings to try" if solutions is None else "no reading satisfies the arithmetic")
        out.append(_settle(k, cell[k], cands[k], solutions or [], reason))
    return out


def _search(keys: list[CellKey], cands: dict, eqs: list[Equation], num: dict) -> list[dict] | None:
    """Every assignment of the cells' readings under which no identity fails (depth first,
    an identity checked as soon as its last doubtful cell is assigned); None past the caps."""
    if not keys:
        return []
    keys = _order(keys, eqs)
    last = {}
    for eq in eqs:
        ks = [k for k in (*eq.expected, *eq.printed) if k in cands and k in keys]
        if ks:
            last.setdefault(max(keys.index(k) for k in ks), []).append(eq)
    trial = dict(num)
    out: list[dict] = []
    steps = [0]

    def walk(i: int) -> bool:
        if i == len(keys):
            out.append({k: trial[k] for k in keys})
            return len(out) <= MAX_SOLUTIONS
        for val in cands[keys[i]]:
            steps[0] += 1
            if steps[0] > MAX_COMBINATIONS:
                return False
            trial[keys[i]] = val
            if all(_holds(eq, trial) is not False for eq in last.get(i, ())) and not walk(i + 1):
                return False
        return True

    return out if walk(0) else None


def _order(keys: list[CellKey], eqs: list[Equation]) -> list[CellKey]:
    """The cells in an order that completes identities early (the search prunes there):
    repeatedly the identity with the fewest cells still to assign, its cells next."""
    left, out = set(keys), []
    sets = [{k for k in (*eq.expected, *eq.printed) if k in left} for eq in eqs]
    while left:
        open_sets = [s & left for s in sets if s & left]
        if not open_sets:
            out += sorted(left)
            break
        nxt = sorted(min(open_sets, key=len))
        out += nxt
        left -= set(nxt)
    return out


def _settle(k: CellKey, v: Value, cands: list[float], solutions: list[dict], reason: str) -> Finding:
    """Pin the cell where the solutions agree on it, else make it unreadable."""
    values = sorted({s[k] for s in solutions if k in s})
    where = dict(table=v.table, row=v.row, column=v.column)
    read = v.raw_value
    if len(values) == 1 and v.value_kind == "blank":
        if values[0] == 0.0:  # the arithmetic agrees the cell is empty: it stays blank
            return Finding("ocr_digit_resolved", "info", "OCR read an empty cell; the template's arithmetic "
                           "holds with it empty", **where, detail={"read": "", "value": None, "candidates": ["blank"]})
        v.value, v.value_kind = values[0], "number"
        return Finding("ocr_digit_resolved", "info", f"OCR read an empty cell; the template's arithmetic allows only "
                       f"{_fmt(values[0])}, stored", **where,
                       detail={"read": "", "value": values[0], "candidates": ["blank", *map(_fmt, cands[1:])]})
    if len(values) == 1:
        changed = values[0] != v.value
        v.value = values[0]
        msg = (f"OCR read {read!r} (confidence {v.ocr_confidence}); the template's arithmetic allows only "
               f"{_fmt(values[0])}" + (", stored" if changed else ", as read"))
        return Finding("ocr_digit_resolved", "info", msg, **where,
                       detail={"read": read, "confidence": v.ocr_confidence, "value": values[0],
                               "candidates": [_fmt(c) for c in cands]})
    shown = values or cands
    if values:
        reason = "several readings satisfy the arithmetic"
    what = f"OCR read {read!r} (confidence {v.ocr_confidence})" if v.value_kind != "blank" else "OCR read an empty cell"
    v.value, v.value_kind = None, "unreadable"
    msg = f"{what} and {reason}: candidates {', '.join(map(_fmt, shown))}"
    return Finding("ocr_digit_unresolved", "warning", msg, **where,
                   detail={"read": read, "confidence": v.ocr_confidence, "candidates": [_fmt(c) for c in shown]})


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)
