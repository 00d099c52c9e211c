"""`ogi`: the command line. A translator: parse arguments, call one library or flow
function, print a clean result or `Error: …`, exit with a meaningful code.

Exit codes: 0 success; 1 nothing at all could be read (extract) or a score below the floor
(eval); 2 usage error (e.g. a missing path); 3 the output folder is locked by another run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from pathlib import Path

from flows import crawl

EXIT_OK, EXIT_NOTHING_READ, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def _prefect_env() -> None:
    """Run Prefect in its embedded mode, quietly, with a project-local home."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "CRITICAL")
    # The first run in a new PREFECT_HOME migrates a fresh database (~20 s on a busy 2-core
    # machine, Prefect's default limit): give the temporary server time to come up.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # a local Dask cluster's chatter


@contextlib.contextmanager
def _quiet_shutdown():
    """Prefect's temporary server may print tracebacks while it stops; keep them off the console."""
    yield
    logging.disable(logging.CRITICAL)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ogi", description="Turn 政府信息公开工作年度报告 into a Parquet dataset.")
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract reports (a folder or one file) into the dataset",
                        description="Extract every report under INPUT into reports/values/findings.parquet.")
    ex.add_argument("input", metavar="INPUT", help="a folder of reports or a single report file")
    ex.add_argument("--out", default="data/processed", help="dataset folder (default: data/processed)")
    ex.add_argument("--batch-size", type=int, default=None, help="documents per Prefect task")
    ex.add_argument("--quiet", action="store_true", help="no progress lines")
    ex.add_argument("--workers", type=int, default=None,
                    help="worker processes on this machine (default: every core; 1 = no subprocesses)")
    ex.add_argument("--dask-address", metavar="tcp://HOST:PORT",
                    help="run the tasks on an existing dask.distributed cluster")
    ex.add_argument("--dask-workers", type=int, metavar="N", help="start a local Dask cluster of N workers")
    ex.add_argument("--format", choices=("txt", "docx", "html", "pdf"), dest="fmt",
                    help="read every file as this format instead of sniffing it from the content")
    ex.add_argument("--force", action="store_true",
                    help="re-extract documents already in the dataset with the same bytes and version")
    ev = sub.add_parser("eval", help="score the pipeline against a corpus with ground truth",
                        description="Run the real pipeline on CORPUS_DIR and score it against its gold.jsonl.")
    ev.add_argument("corpus", metavar="CORPUS_DIR", help="folder of reports with a gold.jsonl")
    ev.add_argument("--gold", help="ground-truth JSON lines (default: CORPUS_DIR/gold.jsonl)")
    ev.add_argument("--out", help="where the evaluation datasets go (default: a temporary folder)")
    ev.add_argument("--json", help="also write the full scores as JSON to this file")
    ev.add_argument("--floor", help="JSON file of minimum F1 per format; exit 1 when any is not met")
    ev.add_argument("--no-baseline", action="store_true", help="skip the exact-label baseline run")
    fi = sub.add_parser("findings", help="print findings as a readable table",
                        description="Print findings from the dataset for a quick look from the terminal.")
    fi.add_argument("--out", default="data/processed", help="dataset folder (default: data/processed)")
    fi.add_argument("--report", help="a report_id (or its first characters) or a source path")
    fi.add_argument("--check", help="a check id or finding kind, e.g. applications.balance or unmatched_label")
    crawl.add_parsers(sub)
    return p


def cmd_eval(args) -> int:
    corpus = Path(args.corpus)
    gold = Path(args.gold) if args.gold else corpus / "gold.jsonl"
    if not corpus.is_dir():
        print(f"Error: corpus folder does not exist: {corpus}", file=sys.stderr)
        return EXIT_USAGE
    if not gold.is_file():
        print(f"Error: no ground truth at {gold} (give --gold FILE)", file=sys.stderr)
        return EXIT_USAGE
    if args.floor and not Path(args.floor).is_file():
        print(f"Error: floor file does not exist: {args.floor}", file=sys.stderr)
        return EXIT_USAGE
    _prefect_env()
    from flows.evaluate import check_floor, eval_flow

    with _quiet_shutdown():
        report = eval_flow(str(corpus), str(gold), args.out, not args.no_baseline)
    print(report.format_text())
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    if args.floor:
        problems = check_floor(report.result, Path(args.floor))
        for p in problems:
            print(f"Below floor: {p}", file=sys.stderr)
        if problems:
            return EXIT_NOTHING_READ
    return EXIT_OK


def cmd_findings(args) -> int:
    from extractors.dataset.store import format_findings, query_findings

    try:
        df = query_findings(Path(args.out), args.report, args.check)
    except FileNotFoundError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(format_findings(df))
    return EXIT_OK


def cmd_extract(args) -> int:
    src = Path(args.input)
    if not src.exists():
        print(f"Error: input path does not exist: {src}", file=sys.stderr)
        return EXIT_USAGE
    for opt in ("batch_size", "workers", "dask_workers"):
        value = getattr(args, opt)
        if value is not None and value < 1:
            print(f"Error: --{opt.replace('_', '-')} must be at least 1", file=sys.stderr)
            return EXIT_USAGE
    if args.dask_address and args.dask_workers:
        print("Error: give either --dask-address or --dask-workers, not both", file=sys.stderr)
        return EXIT_USAGE
    from extractors.dataset.store import DatasetLocked, DatasetStore

    try:  # refuse early and cleanly; the flow holds the lock for the real run
        with DatasetStore(Path(args.out)):
            pass
    except DatasetLocked as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    _prefect_env()
    from flows.extract import DEFAULT_BATCH_SIZE, extract_flow, task_runner

    runner = task_runner(args.dask_address, args.dask_workers, args.workers)
    captured = io.StringIO()
    try:
        with _quiet_shutdown(), contextlib.redirect_stderr(captured) if args.quiet else contextlib.nullcontext():
            summary = extract_flow.with_options(task_runner=runner)(
                str(src), args.out, args.batch_size or DEFAULT_BATCH_SIZE, not args.quiet, force=args.force,
                processes=args.workers, fmt=args.fmt)
    except DatasetLocked as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    print(summary.format())
    if summary.documents and summary.by_status.get("failed", 0) + summary.by_status.get("unsupported_format", 0) \
            == summary.documents:
        print("Error: no document could be read", file=sys.stderr)
        return EXIT_NOTHING_READ
    if not summary.documents and not summary.skipped:
        print(f"Error: no documents found under {src}", file=sys.stderr)
        return EXIT_NOTHING_READ
    return EXIT_OK


COMMANDS = {"extract": cmd_extract, "eval": cmd_eval, "findings": cmd_findings,
            "crawl": crawl.cmd_crawl, "serve": crawl.cmd_serve}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a failure of the run itself (documents never raise): say it cleanly
        print(f"Error: the run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("OGI_DEBUG"):
            raise
        return EXIT_NOTHING_READ


if __name__ == "__main__":
    sys.exit(main())
