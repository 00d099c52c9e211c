"""In-process throughput of the pipeline per format, and where its time goes.

    python -m benchmarks.profile_inprocess                       # docs/s per format
    python -m benchmarks.profile_inprocess --formats txt html    # some formats only
    python -m benchmarks.profile_inprocess --profile txt         # cProfile of the txt pass

Runs `extractors.pipeline.process_path` over every file of each format folder of the
corpus (default /tmp/base/corpus, the frozen benchmark corpus; any folder laid out as
``<fmt>/*.<fmt>`` works), in this one process: no Prefect, no dataset commit. A warm-up
pass loads the label matcher, jieba and the readers' libraries first, so the figures are
the steady per-document cost a worker pays. Each format is timed `--repeat` times and the
best pass is reported (the machine may be shared; the best pass is the least disturbed).

PDFs go through the sandbox the default settings name (a child process per document
today); `--no-sandbox` reads them in this process, the bare pipeline cost.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

from extractors.pipeline import process_path
from extractors.settings import DEFAULT, Settings

FORMATS = ("txt", "html", "docx", "pdf")
DEFAULT_CORPUS = Path("/tmp/base/corpus")
# Passes per format; the best is reported. 3: enough to see past a neighbour's burst on
# a shared machine without making the run long (the 50-document folders take < 1 s a pass).
REPEAT = 3
# Entries printed from a profile, by cumulative time.
PROFILE_LINES = 40


def files_of(corpus: Path, fmt: str) -> list[Path]:
    """The corpus's documents of one format, in name order."""
    return sorted((corpus / fmt).glob(f"*.{fmt}"))


def one_pass(files: list[Path], root: Path, settings: Settings) -> float:
    """Seconds to run the pipeline over `files` once."""
    start = time.perf_counter()
    for path in files:
        process_path(path, root, settings=settings)
    return time.perf_counter() - start


def throughput(files: list[Path], root: Path, settings: Settings, repeat: int) -> tuple[float, float]:
    """(best docs/s, best seconds per pass) over `repeat` passes after one warm-up pass."""
    one_pass(files, root, settings)  # warm-up: matcher, jieba, caches, library imports
    best = min(one_pass(files, root, settings) for _ in range(repeat))
    return len(files) / best, best


def profile(files: list[Path], root: Path, settings: Settings, repeat: int, lines: int) -> str:
    """cProfile of `repeat` passes (after a warm-up), the top entries by cumulative time."""
    one_pass(files, root, settings)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(repeat):
        one_pass(files, root, settings)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with <fmt>/*.<fmt> documents")
    ap.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    ap.add_argument("--repeat", type=int, default=REPEAT, help="timed passes per format (best reported)")
    ap.add_argument("--profile", choices=FORMATS, help="print a cProfile of this format's passes instead")
    ap.add_argument("--lines", type=int, default=PROFILE_LINES, help="profile entries printed")
    ap.add_argument("--no-sandbox", action="store_true", help="read PDFs in this process")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"Error: --corpus {args.corpus} is not a folder; pass one laid out as <fmt>/*.<fmt>", file=sys.stderr)
        return 2
    settings = Settings(sandboxed_formats=()) if args.no_sandbox else DEFAULT
    if args.profile:
        files = files_of(args.corpus, args.profile)
        print(profile(files, args.corpus, settings, args.repeat, args.lines))
        return 0
    print(f"{'format':<6} {'docs':>5} {'docs/s':>9} {'ms/doc':>8}")
    for fmt in args.formats:
        files = files_of(args.corpus, fmt)
        if not files:
            print(f"{fmt:<6} {0:>5} {'-':>9} {'-':>8}")
            continue
        rate, best = throughput(files, args.corpus, settings, args.repeat)
        print(f"{fmt:<6} {len(files):>5} {rate:>9.1f} {1000 * best / len(files):>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
