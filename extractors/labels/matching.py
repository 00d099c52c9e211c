"""Fuzzy matching of printed labels to the canonical vocabulary.

Every extractor hands its label cells here. Labels are normalised
(`extractors.labels.normalize`), then scored with rapidfuzz against the official labels
of the spec and the variants the spec records as observed; jieba supplies a
word-level comparison for reordered or padded labels. The matcher is built once per
process (`matcher()`), so its indexes and jieba's dictionary are loaded once per worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from extractors.labels.normalize import normalize_label, numbering, strip_parenthetical
from schemas import TABLES, schema

# Lowest score accepted for a row label. 0.72: a one-character slip in the shortest
# multi-character labels (行政许 vs 行政许可 scores 0.86, 行政可许 0.75) must still match,
# while unrelated labels of the same table score below 0.6 on the seeds and the corpus.
MIN_ROW_SCORE = 0.72
# A match must beat the runner-up in the same table by this much, or it is ambiguous.
MIN_MARGIN = 0.04
# A label matched in another table than the current section must be this sure to move there.
CROSS_TABLE_SCORE = 0.9
# Word-level (jieba) scores are discounted: they ignore character order inside words.
WORD_SCORE_WEIGHT = 0.95
# Only labels scoring below this at character level get the (slower) word-level comparison.
WORD_SCORE_BELOW = 0.9
# Labels whose best character-level score is below this are not compared word by word: reordered
# or padded forms of a label still share most characters (their character scores on the
# seeds' variants are 0.6 and up), so word-level comparison cannot rescue them.
WORD_RESCUE_FLOOR = 0.5
# Penalty when the printed numbering (1. / (3)) contradicts the canonical label's numbering.
NUMBERING_PENALTY = 0.08
MIN_COLUMN_SCORE = 0.7


@dataclass(frozen=True)
class Match:
    table: str
    key: str
    score: float


@dataclass(frozen=True)
class _Candidate:
    table: str
    key: str
    text: str  # normalised label
    bare: str  # normalised, bracketed notes removed
    numbering: str | None


@cache
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


# Labels are few and repeat across documents: memoise segmentation and matches per process.
# 65536 entries: far more than the distinct labels of a large corpus, a few MB at most.
CACHE_SIZE = 65_536


# What `dict.get` returns for a label not memoised yet (None is a memoised "no match").
_MISSING = object()


@lru_cache(maxsize=CACHE_SIZE)
def _words(text: str) -> str:
    return " ".join(_jieba().lcut(text))


class LabelMatcher:
    """Scores printed labels against canonical row and column labels."""

    def __init__(self, scorer: str = "fuzzy"):
        if scorer not in ("fuzzy", "exact"):
            raise ValueError(f"scorer must be 'fuzzy' or 'exact', not {scorer!r}")
        self.scorer = scorer
        self._cache: dict = {}
        self._pools: dict = {}  # candidate lists and their label arrays, by what selects them
        s = schema()
        variants = s.data.get("label_variants", {}).get("by_key", {})
        self.rows: dict[str, list[_Candidate]] = {t: [] for t in TABLES}
        for table in TABLES:
            for r in s.rows(table):
                labels = {r.label, *(r.label_gb2021 and [r.label_gb2021] or [])}
                labels |= {v for v in variants.get(f"{table}.rows.{r.key}", [])}
                for label in labels:
                    self.rows[table].append(self._candidate(table, r.key, label))
        self.columns: dict[str, list[_Candidate]] = {t: [] for t in TABLES}
        for table in TABLES:
            for key, label in s.all_columns(table).items():
                labels = {label}
                for path, vs in variants.items():
                    if path.startswith(f"{table}.columns.") and path.endswith(f".{key}"):
                        labels |= set(vs)
                for lab in labels:
                    self.columns[table].append(self._candidate(table, key, lab))

    @staticmethod
    def _candidate(table: str, key: str, label: str) -> _Candidate:
        norm = normalize_label(label)
        return _Candidate(table, key, norm, strip_parenthetical(norm), numbering(label))

    # ---- scoring ------------------------------------------------------------------------
    def score(self, raw: str, cand: _Candidate, raw_norm: str | None = None, words: bool = True) -> float:
        """Similarity 0..1 of a printed label to a candidate: characters, then (if `words`
        and the characters score below WORD_SCORE_BELOW) jieba words."""
        a = raw_norm if raw_norm is not None else normalize_label(raw)
        if not a:
            return 0.0
        if self.scorer == "exact":
            return 1.0 if a == cand.text else 0.0
        if a == cand.text:
            return 1.0
        bare = strip_parenthetical(a)
        best = max(fuzz.ratio(a, cand.text), fuzz.ratio(bare, cand.bare) if bare and cand.bare else 0) / 100
        if words and best < WORD_SCORE_BELOW and len(a) >= 4 and len(cand.text) >= 4:
            best = max(best, WORD_SCORE_WEIGHT * fuzz.token_sort_ratio(_words(a), _words(cand.text)) / 100)
        return best

    def _ranked(self, raw: str, cands: list[_Candidate]) -> list[tuple[float, _Candidate]]:
        """Candidates best first. Characters decide when they are clear; jieba's word-level
        comparison (slower, and a ~1 s dictionary load per process) only when they are not."""
        ranked = self._rank(raw, cands, words=False)
        top = ranked[0][0] if ranked else 0.0
        margin = top - ranked[1][0] if len(ranked) > 1 else 1.0
        if self.scorer == "exact" or top >= WORD_SCORE_BELOW or top < WORD_RESCUE_FLOOR \
                or (top >= MIN_ROW_SCORE and margin >= MIN_MARGIN):
            return ranked
        return self._rank(raw, cands, words=True)

    def _rank(self, raw: str, cands: list[_Candidate], words: bool) -> list[tuple[float, _Candidate]]:
        a = normalize_label(raw)
        num = numbering(raw)
        if self.scorer == "exact" or not a:
            scores = [self.score(raw, c, a, words) for c in cands]
        else:
            scores = self._char_scores(a, cands, words)
        best: dict[tuple[str, str], tuple[float, _Candidate]] = {}
        for c, sc in zip(cands, scores, strict=True):
            if num and c.numbering and num != c.numbering and sc < 1.0:
                sc -= NUMBERING_PENALTY
            k = (c.table, c.key)
            if k not in best or sc > best[k][0]:
                best[k] = (sc, c)
        return sorted(best.values(), key=lambda x: -x[0])

    def _char_scores(self, a: str, cands: list[_Candidate], words: bool) -> list[float]:
        """`score(raw, c, a, words)` for every candidate at once: rapidfuzz's `cdist` runs the
        same ratios in C over the whole list (the per-candidate Python calls were most of a
        new label's cost), in float64 so every score is the same double as `score`'s."""
        texts, bares, has_bare, long_text = self._arrays(cands)
        best = process.cdist([a], texts, scorer=fuzz.ratio, dtype=np.float64)[0]
        bare = strip_parenthetical(a)
        if bare:
            alt = process.cdist([bare], bares, scorer=fuzz.ratio, dtype=np.float64)[0]
            best = np.maximum(best, np.where(has_bare, alt, 0.0))
        best = best / 100
        if words and len(a) >= 4:
            todo = np.flatnonzero((best < WORD_SCORE_BELOW) & long_text)
            if len(todo):
                worded = process.cdist([_words(a)], [_words(texts[i]) for i in todo],
                                       scorer=fuzz.token_sort_ratio, dtype=np.float64)[0]
                best[todo] = np.maximum(best[todo], WORD_SCORE_WEIGHT * worded / 100)
        return best.tolist()

    def _arrays(self, cands: list[_Candidate]) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
        """The candidates' labels as lists (kept per candidate list, which is long-lived)."""
        found = self._pools.get(id(cands))
        if found is None or found[0] is not cands:
            found = (cands, [c.text for c in cands], [c.bare for c in cands],
                     np.array([bool(c.bare) for c in cands], dtype=bool),
                     np.array([len(c.text) >= 4 for c in cands], dtype=bool))
            self._pools[id(cands)] = found
        return found[1:]

    def _candidates(self, tables: tuple[str, ...], keys: frozenset[str] | None) -> list[_Candidate]:
        """The row candidates of `tables` (restricted to `keys`), one list per selection."""
        ck = (tables, keys)
        found = self._pools.get(ck)
        if found is None:
            if len(self._pools) >= CACHE_SIZE:
                self._pools.clear()
            found = self._pools[ck] = [c for t in tables for c in self.rows[t] if keys is None or c.key in keys]
        return found

    # ---- public API --------------------------------------------------------------------
    def match_row(self, label: str, table: str | None = None, keys: frozenset[str] | None = None) -> Match | None:
        """Best canonical row for a printed label (memoised; see `_match_row`)."""
        return self._memo("row", label, (table, keys), lambda: self._match_row(label, table, keys))

    def _match_row(self, label: str, table: str | None = None, keys: frozenset[str] | None = None) -> Match | None:
        """Best canonical row for a printed label, searching `table` (or all tables).

        `keys` restricts the candidates (e.g. rows that take the number of values printed).
        Returns None when nothing scores `MIN_ROW_SCORE` or the best is not clearly ahead.
        """
        cands = self._candidates((table,) if table else tuple(TABLES), keys)
        ranked = self._ranked(label, cands)
        if not ranked or ranked[0][0] < MIN_ROW_SCORE:
            return None
        top, cand = ranked[0]
        if len(ranked) > 1 and top < 1.0 and top - ranked[1][0] < MIN_MARGIN:
            return None
        return Match(cand.table, cand.key, round(top, 4))

    def score_row(self, label: str, table: str, key: str) -> float:
        """The score of a printed label for one row of `table`, as `match_row(label, table)`
        ranks it (same candidates, numbering penalty and rounding): for a row a reader
        already identified. 0.0 when the row has no candidates. Memoised like `match_row`."""
        return self._memo("score", label, (table, key), lambda: self._score_row(label, table, key))

    def _score_row(self, label: str, table: str, key: str) -> float:
        for sc, cand in self._ranked(label, self.rows[table]):
            if cand.key == key:
                return round(sc, 4)
        return 0.0

    def best_row_score(self, label: str, table: str | None = None) -> float:
        ranked = self._ranked(label, self._candidates((table,) if table else tuple(TABLES), None))
        return ranked[0][0] if ranked else 0.0

    def match_column(self, label: str, table: str) -> Match | None:
        """Best canonical column for a printed header label of `table` (memoised)."""
        return self._memo("column", label, (table,), lambda: self._match_column(label, table))

    def _memo(self, kind: str, label: str, where: tuple, compute):
        """The memoised answer of `compute()` for (kind, label, where). An answer depends on the
        label only through its normalised text and its printed numbering, so labels printed
        with other spacing, widths or quotes share one: looked up by the printed text first,
        then by that normalised form."""
        ck = (kind, label, *where)
        found = self._cache.get(ck, _MISSING)
        if found is _MISSING:
            nk = (kind, "norm", normalize_label(label), numbering(label), *where)
            found = self._cache.get(nk, _MISSING)
            if found is _MISSING:
                found = self._remember(nk, compute())
            self._remember(ck, found)
        return found

    def _remember(self, ck: tuple, result):
        """Store a memoised result (the memo starts afresh when it holds CACHE_SIZE)."""
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[ck] = result
        return result

    def _match_column(self, label: str, table: str) -> Match | None:
        ranked = self._ranked(label, self.columns[table])
        if not ranked or ranked[0][0] < MIN_COLUMN_SCORE:
            return None
        return Match(table, ranked[0][1].key, round(ranked[0][0], 4))


@cache
def matcher(scorer: str = "fuzzy") -> LabelMatcher:
    """The process-wide matcher for a scorer (built once per worker)."""
    return LabelMatcher(scorer)
