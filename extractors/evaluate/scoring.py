"""Score extracted values against a gold.jsonl (generated corpus or tests/fixtures/real).

    gold = load_gold("corpus/gold.jsonl")
    result = score(values, reports, gold)
    print(result.format_text())

`reports` has one row per document (report_id, source_path relative to the corpus
directory, format, template, year, agency, status); `values` one row per extracted
cell (report_id, table, row, column, value, value_kind, raw_value). Gold documents are
joined to reports by `path == source_path`.

Rules:
- a predicted cell is a values row with non-null row and column, except value_kind
  "unreadable" (the extractor declined to read it: lowers recall, not precision);
- it is right when (table, row, column) is a gold cell and the value matches: numbers
  within a relative tolerance of 1e-6; a gold string such as '/', '-', '—' matches
  value_kind not_applicable; a gold null matches value_kind blank;
- each gold cell is matched at most once; further predictions of the same key count
  as predicted-but-wrong;
- precision = right / predicted, recall = right / gold cells, micro-averaged over the
  documents of a group (format, template, overall); F1 their harmonic mean;
- a document is exact when every gold cell is right and nothing else was predicted;
- a gold document with no report counts as fully missed (all its cells missing,
  template/year/agency wrong);
- the agency is right when the report's canonical agency equals the gold `agency` or one
  of its `agency_alt` (compared after NFKC, without whitespace, in simplified characters);
  a gold agency of null (a document that is not a report) is right only when none is given;
- `published_on` and `index_number` are scored over the gold documents that state them.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from extractors.evaluate.region import RegionScore, score_regions

REL_TOL = 1e-6  # relative tolerance for numbers (decimals such as 9116.36 survive float round trips)
ABS_TOL = 1e-9  # so that 0 matches 0.0 and -0.0
NA_STRINGS = frozenset({"/", "／", "-", "－", "—", "——", "–"})
NONE_STRINGS = frozenset({"无", "無"})  # 无 means 0 (spec cell_conventions.none)
WORST_DEFAULT = 10


def load_gold(path: str | Path) -> list[dict]:
    """Read a gold.jsonl: one JSON object per non-blank line."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not JSON: {e}") from e
    return out


# ---- results ------------------------------------------------------------------------------------
@dataclass
class Counts:
    right: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.right += other.right
        self.predicted += other.predicted
        self.gold += other.gold

    @property
    def precision(self) -> float:
        if self.predicted == 0:
            return 1.0 if self.gold == 0 else 0.0
        return self.right / self.predicted

    @property
    def recall(self) -> float:
        return self.right / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {"right": self.right, "predicted": self.predicted, "gold": self.gold,
                "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class DocResult:
    path: str
    format: str
    template: str
    found: bool  # a report row exists for this gold document
    status: str | None
    counts: Counts
    template_ok: bool
    year_ok: bool
    agency_ok: bool
    published_ok: bool | None = None  # None: the gold states no publication date
    index_ok: bool | None = None  # None: the gold states no 索引号
    gold_agency: str | None = None
    agency: str | None = None  # the report's agency, as extracted
    wrong: list[tuple] = field(default_factory=list)  # (table, row, column, gold, predicted)
    missing: list[tuple] = field(default_factory=list)  # (table, row, column, gold)
    extra: list[tuple] = field(default_factory=list)  # (table, row, column, predicted) not in gold

    @property
    def exact(self) -> bool:
        c = self.counts
        return self.found and c.right == c.gold and c.predicted == c.right

    def to_dict(self) -> dict:
        d = asdict(self)
        d["counts"] = self.counts.to_dict()
        d["exact"] = self.exact
        return d


@dataclass
class EvalResult:
    overall: Counts
    by_format: dict[str, Counts]
    by_template: dict[str, Counts]
    docs: list[DocResult]
    worst_n: int = WORST_DEFAULT
    regions: RegionScore | None = None  # who reported (extractors.evaluate.region)

    @property
    def n_docs(self) -> int:
        return len(self.docs)

    @property
    def n_missing_docs(self) -> int:
        return sum(1 for d in self.docs if not d.found)

    @property
    def docs_exact(self) -> float:
        return _share(d.exact for d in self.docs)

    @property
    def template_accuracy(self) -> float:
        return _share(d.template_ok for d in self.docs)

    @property
    def year_accuracy(self) -> float:
        return _share(d.year_ok for d in self.docs)

    @property
    def agency_accuracy(self) -> float:
        return _share(d.agency_ok for d in self.docs)

    @property
    def agency_by_format(self) -> dict[str, float]:
        fmts = sorted({d.format for d in self.docs})
        return {f: _share(d.agency_ok for d in self.docs if d.format == f) for f in fmts}

    @property
    def published_accuracy(self) -> tuple[float, int]:
        """Share of the gold documents with a publication date that got it right, and their number."""
        flags = [d.published_ok for d in self.docs if d.published_ok is not None]
        return _share(flags), len(flags)

    @property
    def index_accuracy(self) -> tuple[float, int]:
        flags = [d.index_ok for d in self.docs if d.index_ok is not None]
        return _share(flags), len(flags)

    def worst(self, n: int | None = None) -> list[DocResult]:
        """Documents with the lowest F1 (ties: most wrong+missing cells first), exact ones excluded."""
        bad = [d for d in self.docs if not d.exact]
        bad.sort(key=lambda d: (d.counts.f1, -(len(d.wrong) + len(d.missing) + len(d.extra)), d.path))
        return bad[: self.worst_n if n is None else n]

    def to_dict(self) -> dict:
        return {
            "overall": self.overall.to_dict(),
            "by_format": {k: v.to_dict() for k, v in sorted(self.by_format.items())},
            "by_template": {k: v.to_dict() for k, v in sorted(self.by_template.items())},
            "n_docs": self.n_docs,
            "n_missing_docs": self.n_missing_docs,
            "docs_exact": self.docs_exact,
            "template_accuracy": self.template_accuracy,
            "year_accuracy": self.year_accuracy,
            "agency_accuracy": self.agency_accuracy,
            "agency_by_format": self.agency_by_format,
            "published_on_accuracy": self.published_accuracy[0], "published_on_docs": self.published_accuracy[1],
            "index_number_accuracy": self.index_accuracy[0], "index_number_docs": self.index_accuracy[1],
            "worst": [d.to_dict() for d in self.worst()],
            "regions": self.regions.to_dict() if self.regions else None,
        }

    def format_text(self, worst: int = 5, cells_per_doc: int = 6) -> str:
        lines = [f"{'group':<16}{'docs':>6}{'gold':>8}{'pred':>8}{'right':>8}{'P':>8}{'R':>8}{'F1':>8}"]

        def row(name: str, c: Counts, docs: int) -> str:
            return (f"{name:<16}{docs:>6}{c.gold:>8}{c.predicted:>8}{c.right:>8}"
                    f"{c.precision:>8.3f}{c.recall:>8.3f}{c.f1:>8.3f}")

        lines.append(row("overall", self.overall, self.n_docs))
        for k, c in sorted(self.by_format.items()):
            lines.append(row(f"format {k}", c, sum(1 for d in self.docs if d.format == k)))
        for k, c in sorted(self.by_template.items()):
            lines.append(row(f"template {k}", c, sum(1 for d in self.docs if d.template == k)))
        lines.append(f"documents exact {self.docs_exact:.3f}  missing {self.n_missing_docs}/{self.n_docs}  "
                     f"template {self.template_accuracy:.3f}  year {self.year_accuracy:.3f}  "
                     f"agency {self.agency_accuracy:.3f}")
        lines.append("agency by format  " + "  ".join(f"{k} {v:.3f}" for k, v in self.agency_by_format.items())
                     + _share_text("published_on", self.published_accuracy)
                     + _share_text("index_number", self.index_accuracy))
        for d in [d for d in self.docs if not d.agency_ok and d.found][:worst]:
            lines.append(f"- agency wrong: {d.path}: gold {d.gold_agency!r} got {d.agency!r}")
        if self.regions and self.regions.docs:
            lines.append(self.regions.format_text())
        for d in self.worst(worst):
            c = d.counts
            head = f"- {d.path} [{d.format} {d.template}] F1 {c.f1:.3f} ({c.right}/{c.gold} right, {c.predicted} predicted)"
            if not d.found:
                head += " NOT EXTRACTED"
            elif d.status:
                head += f" status {d.status}"
            lines.append(head)
            shown = 0
            for t, r, col, g, p in d.wrong[:cells_per_doc]:
                lines.append(f"    wrong   {t}.{r}.{col}: gold {g!r} got {p!r}")
                shown += 1
            for t, r, col, g in d.missing[: max(0, cells_per_doc - shown)]:
                lines.append(f"    missing {t}.{r}.{col}: gold {g!r}")
                shown += 1
            for t, r, col, p in d.extra[: max(0, cells_per_doc - shown)]:
                lines.append(f"    extra   {t}.{r}.{col}: got {p!r}")
            rest = len(d.wrong) + len(d.missing) + len(d.extra) - cells_per_doc
            if d.found and rest > 0:
                lines.append(f"    … {rest} more")
        return "\n".join(lines)


def _share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0


# ---- matching ----------------------------------------------------------------------------------
def value_matches(gold, value, value_kind) -> bool:
    """Does a prediction (value, value_kind) match a gold value (number, string or None)?"""
    kind = None if _isnull(value_kind) else str(value_kind)
    if gold is None:
        return kind == "blank"
    if isinstance(gold, str):
        g = gold.strip()
        if g in NONE_STRINGS:
            gold = 0
        elif g in NA_STRINGS:
            return kind == "not_applicable"
        else:
            try:
                gold = float(g.replace(",", ""))
            except ValueError:
                return False
    if _isnull(value):
        return False
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return math.isclose(v, float(gold), rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _isnull(x) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _show(value, value_kind) -> object:
    if _isnull(value):
        return None if _isnull(value_kind) else f"<{value_kind}>"
    v = float(value)
    return int(v) if v.is_integer() else v


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _share_text(name: str, share: tuple[float, int]) -> str:
    """`  published_on 0.990 (139 docs)`; `n/a` when no gold document states it."""
    value, n = share
    return f"  {name} {value:.3f} ({n} docs)" if n else f"  {name} n/a (no gold document states one)"


def normalize_agency(name) -> str:
    """Agency names compare after NFKC, without whitespace, in simplified characters."""
    if _isnull(name):
        return ""
    text = "".join(unicodedata.normalize("NFKC", str(name)).split())
    return _t2s().convert(text)


def agency_matches(gold: dict, pred) -> bool:
    """Is `pred` the gold document's agency (or one of its accepted alternatives)?"""
    if _isnull(gold.get("agency")):
        return _isnull(pred)
    accepted = {normalize_agency(gold["agency"])} | {normalize_agency(a) for a in gold.get("agency_alt") or ()}
    return bool(normalize_agency(pred)) and normalize_agency(pred) in accepted


def _same_date(gold, pred) -> bool:
    return not _isnull(pred) and str(pred)[:10] == str(gold)[:10]


def _year_ok(gold, pred) -> bool:
    if gold is None:  # (a document that is not a report: its year is not scored)
        return True
    if _isnull(pred):
        return False
    try:
        return int(float(pred)) == int(gold)
    except (TypeError, ValueError):
        return False


def _score_doc(g: dict, rep: dict | None, preds: pd.DataFrame | None) -> DocResult:
    gold_cells: dict[tuple, object] = {}
    for t, r, c, v in g["cells"]:
        gold_cells[(t, r, c)] = v
    counts = Counts(gold=len(gold_cells))
    doc = DocResult(path=g["path"], format=g.get("format", ""), template=g.get("template") or "none",
                    found=rep is not None, status=None if rep is None else rep.get("status"),
                    counts=counts, template_ok=False, year_ok=False, agency_ok=False)
    if rep is None:
        doc.missing = [(*k, v) for k, v in gold_cells.items()]
        return doc
    doc.template_ok = rep.get("template") == g.get("template") or (_isnull(rep.get("template")) and g.get("template") is None)
    doc.year_ok = _year_ok(g.get("year"), rep.get("year"))
    doc.agency_ok = agency_matches(g, rep.get("agency"))
    doc.gold_agency, doc.agency = g.get("agency"), None if _isnull(rep.get("agency")) else rep.get("agency")
    if g.get("published_on"):
        doc.published_ok = _same_date(g["published_on"], rep.get("published_on"))
    if g.get("index_number"):
        doc.index_ok = not _isnull(rep.get("index_number")) and str(rep.get("index_number")) == g["index_number"]
    matched: set[tuple] = set()
    if preds is not None:
        for t, r, c, value, kind in preds[["table", "row", "column", "value", "value_kind"]].itertuples(index=False):
            if _isnull(r) or _isnull(c) or (not _isnull(kind) and str(kind) == "unreadable"):
                continue
            key = (t, r, c)
            counts.predicted += 1
            if key not in gold_cells:
                doc.extra.append((*key, _show(value, kind)))
            elif key in matched:
                doc.wrong.append((*key, gold_cells[key], _show(value, kind)))  # duplicate prediction
            elif value_matches(gold_cells[key], value, kind):
                counts.right += 1
                matched.add(key)
            else:
                doc.wrong.append((*key, gold_cells[key], _show(value, kind)))
    wrong_keys = {w[:3] for w in doc.wrong}
    doc.missing = [(*k, v) for k, v in gold_cells.items() if k not in matched and k not in wrong_keys]
    return doc


def score(values: pd.DataFrame, reports: pd.DataFrame, gold: list[dict], worst: int = WORST_DEFAULT) -> EvalResult:
    """Score extracted `values`/`reports` against `gold` (see the module docstring)."""
    rep_by_path: dict[str, dict] = {}
    for rec in reports.to_dict("records"):
        path = str(rec.get("source_path", "")).replace("\\", "/")
        if path.startswith("./"):
            path = path[2:]
        rep_by_path.setdefault(path, rec)  # a duplicated source_path: the first report counts
    groups = {rid: df for rid, df in values.groupby("report_id", sort=False)} if len(values) else {}
    overall, by_format, by_template, docs = Counts(), {}, {}, []
    pairs = []
    for g in gold:
        rep = rep_by_path.get(str(g["path"]).replace("\\", "/"))
        pairs.append((g, rep))
        preds = groups.get(rep["report_id"]) if rep is not None else None
        d = _score_doc(g, rep, preds)
        docs.append(d)
        overall.add(d.counts)
        by_format.setdefault(d.format, Counts()).add(d.counts)
        by_template.setdefault(d.template, Counts()).add(d.counts)
    return EvalResult(overall, by_format, by_template, docs, worst_n=worst, regions=score_regions(pairs))
