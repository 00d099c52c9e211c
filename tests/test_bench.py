"""The benchmark's helpers compute what they claim, on tiny real inputs: CPU counted over
every process a command starts (an orphaned grandchild included), over a running process
tree, and over the children reaped inside a timed block; the report's arithmetic (beyond
start-up, per core, met or missed); the flow summary the benchmark parses; the PDF page
counts. The benchmark itself runs only by hand (benchmarks/bench.py).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks import bench_report as report
from benchmarks.bench_flow import _SUMMARY_RE, Run
from benchmarks.bench_inproc import BARE, bare, pdf_reader
from benchmarks.bench_measure import Timing, clock, run_counted, tree_cpu, verdict
from extractors.dataset.summary import RunSummary

ROOT = Path(__file__).resolve().parent.parent
HONGZE = ROOT / "tests" / "fixtures" / "real" / "hongze-2024.pdf"
# A loop that burns about BURN_S of CPU, whatever the machine's speed.
BURN_S = 0.3
BURN = f"import time\nend = time.process_time() + {BURN_S}\nwhile time.process_time() < end: pass\n"


def test_run_counted_counts_a_grandchild_that_outlives_its_parent():
    # The command starts a child and exits at once; the child burns CPU after its parent is
    # gone (as Prefect's temporary server outlives the CLI for a moment): the wrapper, its
    # subreaper, still waits for it and counts it.
    spawn = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {BURN!r}])\n"
    start = time.monotonic()
    done = run_counted([sys.executable, "-c", spawn], cwd=ROOT)
    assert done.rc == 0 and done.leftover == 0
    assert done.timing.cpu >= BURN_S * 0.95, done.timing
    assert done.timing.wall < done.timing.cpu  # the command itself returned before the burn ended
    assert time.monotonic() - start < 15


def test_tree_cpu_sums_a_running_process_and_its_descendants():
    # A parent that waits on a burning child: the tree's CPU grows by the child's burn.
    code = f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {BURN!r}])\ntime.sleep(30)\n"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        before = tree_cpu(proc.pid)
        deadline = time.monotonic() + 10
        while tree_cpu(proc.pid) - before < BURN_S * 0.9 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tree_cpu(proc.pid) - before >= BURN_S * 0.9
    finally:
        proc.kill()
        proc.wait()


def test_clock_counts_children_reaped_inside_the_block():
    with clock() as t:
        subprocess.run([sys.executable, "-c", BURN], check=True)
    assert t.cpu >= BURN_S * 0.95 and t.wall >= BURN_S * 0.95


def test_verdicts_say_met_or_by_how_much_missed():
    assert verdict(1200, 1000, at_least=True) == "met"
    assert verdict(500, 1000, at_least=True) == "missed: 50% short (2.00x to go)"
    assert verdict(2.5, 3.0, at_least=False) == "met"
    assert verdict(6.0, 3.0, at_least=False) == "missed: 100% over (2.00x the target)"
    assert verdict(3.0, 3.0, at_least=False) == "met"
    assert verdict(2.0, 2.0, at_least=False, strict=True).startswith("missed: 0% over")  # "under 2 s"


def _run(label: str, wall: float, cpu: float, docs: int = 0) -> Run:
    return Run(label, Timing(wall, cpu), docs, 0)


def _flows(formats: dict, spread: Timing | None = None) -> dict:
    return {"embedded": {
        "empty": _run("empty", 8.0, 7.0), "noop": _run("noop", 6.0, 5.0), "spread": spread, "formats": formats,
        "mixed1": _run("1", 18.0, 17.0, 200), "mixed2": _run("2", 12.0, 18.0, 200),
        "unchanged": _run("u", 7.5, 6.0), "add_one": _run("a", 8.5, 6.5)}}


def test_targets_are_computed_beyond_the_start_up_per_core():
    # 1,000 txt documents cost 8.0 s of CPU where the empty-folder run costs 7.0 s: 1,000/s per core.
    # 1,000 html documents at 2.0 s beyond start-up against 1.0 s of lxml: 2x, within 3x.
    flows = _flows({"txt": _run("txt", 9.0, 8.0, 1000), "html": _run("html", 10.0, 9.0, 1000)})
    inproc = {"formats": {"txt": {"docs": 1000, "bare": [("bytes.decode", Timing(0.01, 0.01))]},
                          "html": {"docs": 1000, "bare": [(report.BARE_TARGETS["html"][0], Timing(1.0, 1.0))]}}}
    got = {t.name: t for t in report.rate_targets(flows, inproc) + report.run_targets(flows, 200)}
    txt = got["txt through ogi extract, docs/s per core"]
    assert (txt.measured, txt.verdict) == ("1000", "met")
    html = got["html through ogi extract, docs/s per core"]
    assert html.measured == "500" and html.verdict == "met"
    ratio = got["html through ogi extract against lxml.html.fromstring (parse)"]
    assert (ratio.measured, ratio.verdict) == ("2.00x", "met")
    # 10 s against 4 s of wall beyond the 8 s start-up: 2.5x
    speedup = next(t for name, t in got.items() if name.startswith("2 workers"))
    assert (speedup.measured, speedup.verdict) == ("2.50x", "met")
    # the unchanged re-run: 7.5 s against Prefect's 6.0 s no-op flow
    unchanged = next(t for name, t in got.items() if name.startswith("unchanged"))
    assert unchanged.measured == "1.50 s" and unchanged.verdict == "met"
    added = next(t for name, t in got.items() if name.startswith("adding one"))
    assert (added.measured, added.verdict) == ("2.50 s", "missed: 25% over (1.25x the target)")
    assert "| target | measured | goal | verdict |" in report.target_lines(flows, inproc, 200)


def test_work_within_the_start_up_noise_is_not_read_as_a_rate():
    # 0.5 s of CPU beyond a start-up whose repeats spread by 0.4 s: under twice the spread, so no
    # rate is claimed (it would read 200/s, or 20,000/s had the subtraction gone negative).
    flows = _flows({"txt": _run("txt", 9.0, 7.5, 100)}, spread=Timing(0.5, 0.4))
    inproc = {"formats": {"txt": {"docs": 100, "bare": [("bytes.decode", Timing(0.01, 0.01))]}}}
    (txt,) = report.rate_targets(flows, inproc)
    assert txt.measured.startswith("within noise (0.50 s") and txt.verdict.startswith("not measured")
    # a re-run faster than Prefect's own no-op flow is noise, not a target met
    flows["embedded"]["unchanged"] = _run("u", 5.0, 4.0)
    unchanged = next(t for t in report.run_targets(flows, 200) if t.name.startswith("unchanged"))
    assert unchanged.verdict.startswith("not measured")
    quiet = _flows({"txt": _run("txt", 9.0, 7.5, 100)}, spread=Timing(0.1, 0.1))
    assert report.rate_targets(quiet, inproc)[0].measured == "200"


def test_the_flow_summary_is_parsed_for_documents_and_skipped():
    text = RunSummary(documents=3, skipped=997, out="data/processed").format()
    m = _SUMMARY_RE.search(text)
    assert m and (m.group(1), m.group(2)) == ("3", "997")
    m = _SUMMARY_RE.search(RunSummary(documents=12, out="x").format())
    assert m and m.group(1) == "12" and m.group(2) is None


def test_pdf_reader_counts_pages_and_table_pages_and_baselines_run():
    # hongze-2024.pdf: 5 pages, tables on pages 2-4 (tests/test_pdf.py checks their stitching)
    r = pdf_reader([HONGZE])
    assert (r.pages, r.table_pages, r.failed) == (5, 3, [])
    assert 0 < r.timing.cpu < 5
    labels = [label for label, t in bare("pdf", [HONGZE]) if t.cpu > 0]
    assert labels == [label for label, _ in BARE["pdf"]]


def test_the_whole_report_renders_from_measurements(tmp_path):
    # Every section of the report from one set of made-up measurements (all four formats,
    # both Prefect modes): the figures land where they belong.
    from benchmarks.bench import write_report
    from benchmarks.bench_inproc import PdfReader

    t = Timing(1.0, 0.5)
    fmt = {f: {"docs": 10, "extract": t, "bare": [(label, Timing(0.1, 0.1)) for label, _ in BARE[f]]}
           for f in ("txt", "html", "docx", "pdf")}
    fmt["pdf"].update(reader=PdfReader(Timing(0.4, 0.4), pages=40, table_pages=20), in_process=Timing(0.45, 0.4),
                      state={"forked_cold": 0.05, "warm": 0.001, "later": 0.03, "forked_warm": 0.04})
    inproc = {"formats": fmt, "stage": Timing(0.2, 0.2), "commit": Timing(0.1, 0.1), "written": 40}
    modes = {m: {"noop": _run("noop", 5.0, 4.0), "empty": _run("empty", 6.0, 5.0),
                 "unchanged": _run("unchanged", 6.5, 5.2), "add_one": _run("add", 7.0, 5.5)}
             for m in ("embedded", "server")}
    modes["embedded"].update(formats={f: _run(f, 7.0, 5.5, 10) for f in fmt},
                             mixed1=_run("mixed folder, --workers 1", 10.0, 9.0, 40),
                             mixed2=_run("mixed folder, --workers 2", 8.0, 9.5, 40))
    text = write_report(tmp_path / "r.md", True, inproc, modes, 40, ("0.10", "0.20"))
    assert (tmp_path / "r.md").read_text(encoding="utf-8") == text
    assert "load average 0.10 before, 0.20 after (--quick" in text
    # PDF through the flow: 20 table pages in 0.5 s of CPU beyond start-up = 40/s per core, against 80
    assert "| PDF through ogi extract, table pages/s per core | 40.0 | >= 80 | missed: 50% short" in text
    # extract_tables() at 0.1 s against the flow's 0.5 s: 0.2x "faster"
    assert "| PDF through ogi extract against pdfplumber extract_tables() alone | 0.20x faster |" in text
    # 4 s against 2 s of wall beyond the 6 s start-up
    assert "2 workers against 1: 2.00x beyond start-up, 1.25x in total wall time" in text
    assert "| ours: the difference | 1.00 | 1.00 |" in text
    assert "camelot is not installed" in text


def test_compare_finds_two_runs_identical_and_a_changed_value_different(tmp_path):
    """benchmarks.compare (the before/after check of #19) reads both datasets' current
    versions: the same documents written twice are identical; one value changed is not."""
    from benchmarks.compare import compare
    from extractors.dataset.store import write_dataset
    from extractors.pipeline import process_path

    real = ROOT / "tests" / "fixtures" / "real"
    docs = [real / "pingtan-2022.txt", real / "kewei-2024.txt"]
    write_dataset([process_path(p, real) for p in docs], tmp_path / "a")
    write_dataset([process_path(p, real) for p in docs], tmp_path / "b")
    assert compare(tmp_path / "a", tmp_path / "b") == {"reports": [], "values": [], "findings": []}
    changed = [process_path(p, real) for p in docs]
    v = next(v for v in changed[0].values if v["value_kind"] == "number")
    v["value"] += 1
    write_dataset(changed, tmp_path / "c")
    got = compare(tmp_path / "a", tmp_path / "c")
    assert got["reports"] == [] and got["findings"] == []
    assert len(got["values"]) == 1 and got["values"][0].startswith("column value: 1 rows differ")
