"""The accuracy floor CI enforces: a freshly generated corpus, scored per format.

The floor file (`benchmarks/floor.json`) names the formats, the corpus size and seed, and
the lowest F1 each format may reach. Every format with a floor is generated and must meet it.
"""

import json
from pathlib import Path

import pytest

from benchmarks.corpus import generate
from extractors.dataset.store import write_dataset
from extractors.evaluate.report import check_floor, score_dataset
from extractors.evaluate.scoring import load_gold
from extractors.pipeline import process_path
from extractors.settings import Settings

FLOOR = Path(__file__).resolve().parent.parent / "benchmarks" / "floor.json"


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    floor = json.loads(FLOOR.read_text(encoding="utf-8"))
    corpus = tmp_path_factory.mktemp("corpus")
    formats = tuple(floor["f1"])
    generate(corpus, floor["corpus"]["n"], floor["corpus"]["seed"], formats, log=lambda *a, **k: None)
    gold = load_gold(corpus / "gold.jsonl")
    files = sorted(corpus / g["path"] for g in gold)
    out = tmp_path_factory.mktemp("out")
    write_dataset([process_path(f, corpus) for f in files], out)
    result, statuses = score_dataset(out, gold)
    base_out = tmp_path_factory.mktemp("baseline")
    write_dataset([process_path(f, corpus, settings=Settings(scorer="exact")) for f in files], base_out)
    baseline, _ = score_dataset(base_out, gold)
    return floor, gold, result, baseline


def test_corpus_covers_every_floored_format(scored):
    floor, gold, _, _ = scored
    assert len(gold) == floor["corpus"]["n"]
    assert {g["format"] for g in gold} == set(floor["f1"])


def test_every_format_meets_its_floor(scored):
    _, _, result, _ = scored
    problems = check_floor(result, FLOOR)
    print(result.format_text())
    assert problems == []


def test_fuzzy_matching_beats_the_exact_label_baseline(scored):
    _, _, result, baseline = scored
    print(f"fuzzy F1 {result.overall.f1:.4f} vs exact-label baseline {baseline.overall.f1:.4f}")
    assert result.overall.f1 > baseline.overall.f1


def test_real_reports_never_get_a_wrong_number(tmp_path):
    """The hand-checked real reports (flattened Pingtan texts, the page-broken 洪泽区 PDF)."""
    real = Path(__file__).resolve().parent / "fixtures" / "real"
    floor = json.loads(FLOOR.read_text(encoding="utf-8"))["real"]
    gold = load_gold(real / "gold.jsonl")
    write_dataset([process_path(real / g["path"], real) for g in gold], tmp_path)
    result, _ = score_dataset(tmp_path, gold)
    print(result.format_text())
    assert result.overall.precision >= floor["precision"]
    assert result.overall.f1 >= floor["f1"]
    assert result.template_accuracy == result.year_accuracy == result.agency_accuracy == 1.0
