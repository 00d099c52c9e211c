"""How fast the .docx reader reads a report: the measurement that was a timed test in
tests/test_docx.py (timings vary with the machine's load, so no test asserts them).

    python -m benchmarks.docx_speed                 # the real blank gb2021 template
    python -m benchmarks.docx_speed FILE.docx ...   # any .docx files
    python -m benchmarks.docx_speed --repeat 20

Prints, per file, the best time of one read and the documents per second it gives. A few
ms per report is expected: reading cells through python-docx's `row.cells` instead costs
about 60 ms, which is what this guards against.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "tests" / "fixtures" / "real" / "template-2021-blank.docx"
# Timed reads per file; the best one is reported (the least disturbed by other processes
# on a shared machine). 5: the number the timed test used.
REPEAT = 5


def best_time(read: Callable[[], object], repeat: int = REPEAT) -> float:
    """The shortest wall-clock time of `repeat` calls, after one untimed warm-up call."""
    read()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        read()
        best = min(best, time.perf_counter() - start)
    return best


def docx_speed(paths: list[Path], repeat: int = REPEAT) -> dict[str, float]:
    """Documents per second the .docx reader reaches on each file (best of `repeat`)."""
    from extractors.formats import docx

    out = {}
    for path in paths:
        data = path.read_bytes()
        seconds = best_time(lambda data=data, name=path.name: docx.extract(data, name), repeat)
        out[path.name] = 1.0 / seconds
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.docx_speed", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help=f".docx files (default: {TEMPLATE.relative_to(ROOT)})")
    ap.add_argument("--repeat", type=int, default=REPEAT, help="timed reads per file (the best is reported)")
    args = ap.parse_args(argv)
    for name, rate in docx_speed(args.files or [TEMPLATE], args.repeat).items():
        print(f"{name}: {1000.0 / rate:.1f} ms per read, {rate:.0f} docs/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
