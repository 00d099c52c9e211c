"""`ogi`: the command line. A translator: parse arguments, call one library or flow
function, print a clean result or `Error: …`, exit with a meaningful code.

Every subcommand's arguments (`_add_*`) and its translator (`cmd_*`) are here; where the
flows run is set up by `flows.runtime`. Prefect is imported only inside the commands that
run a flow, after `prefect_env()` has set PREFECT_HOME. The run's `Settings` are built
once here (`Settings.from_env()`) and handed to the flow.

Exit codes: 0 success; 1 nothing at all could be read (extract), no URL fetched (crawl) or
a score below the floor (eval); 2 usage error (e.g. a missing path, an output folder that
cannot be written, a Dask scheduler that does not answer, an unknown check id); 3 the
output folder is locked by another run. Every error is one line (`Error: …`); names in it
are printed escaped (`extractors.discover.printable`). Prefect's own log goes to a file
(`flows.runtime.log_file()`), which a failed run names.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.discover import printable
from extractors.records import EXTRACTOR_VERSION
from extractors.settings import Settings
from flows import runtime
from flows.crawl import (
    DEFAULT_CRON,
    DEFAULT_DEPLOYMENT_NAME,
    DEFAULT_OUT,
    DEFAULT_RAW,
    DEFAULT_TIMEZONE,
    FLOW_NAME,
)
from flows.reaper import start_reaper

if TYPE_CHECKING:
    from extractors.crawl import Site

EXIT_OK, EXIT_NOTHING_READ, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
EXIT_NOTHING_FETCHED = EXIT_NOTHING_READ  # `ogi crawl`: no URL could be fetched at all
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl+C


# ---------------------------------------------------------------- arguments


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("ogi-reports")
    except PackageNotFoundError:  # run from a source tree that was never installed
        package = "unknown"
    return f"ogi {package} (extractor {EXTRACTOR_VERSION})"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ogi", description="Turn 政府信息公开工作年度报告 into a Parquet dataset.")
    p.add_argument("--version", action="version", version=_version(),
                   help="print the package and extractor versions and exit")
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_extract, _add_eval, _add_findings, _add_crawl, _add_serve, _add_versions, _add_compact,
                _add_vacuum, _add_derive, _add_export, _add_report):
        add(sub)
    return p


def _add_extract(sub) -> None:
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


def _add_eval(sub) -> None:
    ev = sub.add_parser("eval", help="score the pipeline against a corpus with ground truth",
                        description="Run the real pipeline on CORPUS_DIR and score it against its gold.jsonl.")
    ev.add_argument("corpus", metavar="CORPUS_DIR", help="folder of reports with a gold.jsonl")
    ev.add_argument("--gold", help="ground-truth JSON lines (default: CORPUS_DIR/gold.jsonl)")
    ev.add_argument("--out", help="where the evaluation datasets go (default: a temporary folder)")
    ev.add_argument("--json", help="also write the full scores as JSON to this file")
    ev.add_argument("--floor", help="JSON file of minimum F1 per format; exit 1 when any is not met")
    ev.add_argument("--no-baseline", action="store_true", help="skip the exact-label baseline run")


def _add_findings(sub) -> None:
    fi = sub.add_parser("findings", help="print findings as a readable table",
                        description="Print findings from the dataset for a quick look from the terminal.")
    fi.add_argument("--out", default="data/processed", help="dataset folder (default: data/processed)")
    fi.add_argument("--report", help="a report_id (or its first characters) or a source path")
    fi.add_argument("--check", help="a check id or finding kind, e.g. applications.balance or unmatched_label")


def _add_versions(sub) -> None:
    ve = sub.add_parser("versions", help="list the dataset's versions (what to cite)",
                        description="List the versions of the dataset readers can open, with their sizes and "
                                    "the folder (or catalogue) that holds exactly that version.")
    ve.add_argument("--out", default="data/processed", help="dataset folder or URL (default: data/processed)")


def _add_compact(sub) -> None:
    co = sub.add_parser("compact", help="merge the dataset's small segments now",
                        description="Merge every partition's small segments into full ones (commits do it "
                                    "past a threshold); publishes a new version when anything was merged.")
    co.add_argument("--out", default="data/processed", help="dataset folder or URL (default: data/processed)")


def _add_vacuum(sub) -> None:
    va = sub.add_parser("vacuum", help="delete old versions and the files only they use",
                        description="Delete all but the KEEP newest versions of the dataset and every file "
                                    "only they use. The current version is always kept.")
    va.add_argument("--out", default="data/processed", help="dataset folder or URL (default: data/processed)")
    va.add_argument("--keep", type=int, default=1, help="versions to keep, the current one included (default: 1)")


def _add_derive(sub) -> None:
    de = sub.add_parser("derive", help="rebuild agencies, labels and the cross-year findings",
                        description="Rebuild the derived tables (agencies.parquet, labels.parquet, "
                                    "panel_findings.parquet) from the current version. `ogi extract` does it "
                                    "after each commit for datasets of up to 100,000 reports.")
    de.add_argument("--out", default="data/processed", help="dataset folder (default: data/processed)")


def _add_export(sub) -> None:
    ex = sub.add_parser("export", help="write the dataset as CSV, XLSX, Stata and DuckDB files",
                        description="Write the wide table, labels, crosswalk and agencies in the formats researchers use.")
    ex.add_argument("--out", default="data/processed", help="dataset folder (default: data/processed)")
    ex.add_argument("--to", default="data/export", help="folder for the exported files (default: data/export)")
    ex.add_argument("--formats", default="csv,xlsx,dta,duckdb,parquet",
                    help="comma-separated subset of csv,xlsx,dta,duckdb,parquet (default: all)")


def _add_report(sub) -> None:
    rp = sub.add_parser("report", help="write a self-contained HTML quality report of the dataset",
                        description="Write one HTML page (no network needed) with plots of the dataset's quality.")
    rp.add_argument("--out", default="data/processed", help="dataset folder (default: data/processed)")
    rp.add_argument("--to", default="data/quality.html", help="the HTML file to write (default: data/quality.html)")


def _add_site_arguments(p) -> None:
    """What `crawl` and `serve` share: the sources file, where downloads and the dataset go."""
    p.add_argument("sources", metavar="SOURCES.yaml", help="the sites to crawl")
    p.add_argument("--raw", default=DEFAULT_RAW, help=f"where downloads go (default: {DEFAULT_RAW})")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"dataset folder (default: {DEFAULT_OUT})")


def _add_crawl(sub) -> None:
    cr = sub.add_parser(
        "crawl", help="crawl the report columns in SOURCES.yaml and extract what is new",
        description="Fetch new or changed reports from the sites in SOURCES.yaml into RAW/<site>/, "
                    "then extract them into the dataset (see docs/crawling.md).")
    _add_site_arguments(cr)


def _add_serve(sub) -> None:
    se = sub.add_parser(
        "serve", help="run the crawl on a schedule (needs a Prefect server)",
        description="Serve the crawl flow as a Prefect deployment on a cron schedule until interrupted. "
                    "Needs a long-lived Prefect server: `prefect server start`, then PREFECT_API_URL.")
    _add_site_arguments(se)
    se.add_argument("--cron", default=DEFAULT_CRON, help=f"cron expression (default: '{DEFAULT_CRON}')")
    se.add_argument("--timezone", default=DEFAULT_TIMEZONE, help=f"IANA time zone (default: {DEFAULT_TIMEZONE})")
    se.add_argument("--name", default=DEFAULT_DEPLOYMENT_NAME,
                    help=f"deployment name (default: {DEFAULT_DEPLOYMENT_NAME})")


# ---------------------------------------------------------------- commands


def _error(msg: str, code: int = EXIT_USAGE) -> int:
    print(f"Error: {printable(msg)}", file=sys.stderr)
    return code


def _open_out(opt: str, out: Path) -> tuple[str, int] | None:
    """Take and release the dataset folder's lock, as the run will (this creates the folder
    and a file in it): None when that works, else the error line and its exit code (locked
    by a live run; a folder that cannot be written)."""
    from extractors.dataset.storage import is_url
    from extractors.dataset.store import DatasetLocked, DatasetStore

    if is_url(out):
        return None  # object storage: no lock to take; the catalogue's commit refuses a second writer
    if out.exists() and not out.is_dir():
        return f"{opt} {out} is a file; give a folder for the dataset", EXIT_USAGE
    try:
        with DatasetStore(out):
            pass
    except DatasetLocked as exc:
        return str(exc), EXIT_LOCKED
    except OSError as exc:
        return (f"{opt} {out}: cannot write the dataset there ({exc.strerror or exc}); "
                "give a folder you can write to"), EXIT_USAGE
    return None


def _location(text: str) -> Path | str:
    """A dataset location: a URL as given, else a Path."""
    from extractors.dataset.storage import is_url

    return text if is_url(text) else Path(text)


def _folder_problem(opt: str, folder: Path) -> str | None:
    """Why `folder` cannot be created and written to, if it cannot."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        return f"{opt} {folder}: cannot write there ({exc.strerror or exc}); give a folder you can write to"
    return None


def _extract_usage_error(args) -> str | None:
    """What is wrong with `ogi extract`'s arguments, if anything."""
    from extractors.dataset.storage import is_url

    if not is_url(args.input) and not Path(args.input).exists():
        return f"input path does not exist: {Path(args.input)}"
    for opt in ("batch_size", "workers", "dask_workers"):
        value = getattr(args, opt)
        if value is not None and value < 1:
            return f"--{opt.replace('_', '-')} must be at least 1"
    if args.dask_address and args.dask_workers:
        return "give either --dask-address or --dask-workers, not both"
    if args.dask_address:
        return runtime.dask_address_problem(args.dask_address)
    return None


def cmd_extract(args) -> int:
    """`ogi extract`: 0 done; 1 nothing could be read; 2 usage error; 3 dataset locked."""
    problem = _extract_usage_error(args)
    if problem:
        return _error(problem)
    from extractors.dataset.store import DatasetLocked

    refused = _open_out("--out", _location(args.out))  # refuse early and cleanly; the flow holds the lock for the run
    if refused:
        return _error(*refused)
    runtime.prefect_env()
    from extractors.dataset.batch import DEFAULT_BATCH_SIZE
    from flows.extract import extract_flow

    runner = runtime.task_runner(args.dask_address, args.dask_workers, args.workers)
    captured = io.StringIO()
    try:
        with runtime.quiet_shutdown(), runtime.no_heartbeats(), contextlib.redirect_stderr(captured) if args.quiet else contextlib.nullcontext():
            summary = extract_flow.with_options(task_runner=runner)(
                str(_location(args.input)), args.out, args.batch_size or DEFAULT_BATCH_SIZE, not args.quiet,
                force=args.force, processes=args.workers, fmt=args.fmt, settings=Settings.from_env())
    except DatasetLocked as exc:
        return _error(str(exc), EXIT_LOCKED)
    print(summary.format())
    unreadable = summary.by_status.get("failed", 0) + summary.by_status.get("unsupported_format", 0)
    if summary.documents and unreadable == summary.documents:
        return _error("no document could be read", EXIT_NOTHING_READ)
    if not summary.documents and not summary.skipped:
        return _error(f"no documents found under {_location(args.input)}", EXIT_NOTHING_READ)
    return EXIT_OK


def _eval_usage_error(corpus: Path, gold: Path, floor: str | None) -> str | None:
    if not corpus.is_dir():
        return f"corpus folder does not exist: {corpus}"
    if not gold.is_file():
        return f"no ground truth at {gold} (give --gold FILE)"
    if floor and not Path(floor).is_file():
        return f"floor file does not exist: {floor}"
    return None


def cmd_eval(args) -> int:
    """`ogi eval`: 0 done; 1 a format below the floor; 2 usage error."""
    corpus = Path(args.corpus)
    gold = Path(args.gold) if args.gold else corpus / "gold.jsonl"
    problem = _eval_usage_error(corpus, gold, args.floor)
    if problem:
        return _error(problem)
    runtime.prefect_env()
    from extractors.evaluate.report import check_floor
    from flows.evaluate import eval_flow

    with runtime.quiet_shutdown(), runtime.no_heartbeats():
        report = eval_flow(str(corpus), str(gold), args.out, not args.no_baseline, settings=Settings.from_env())
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
    """`ogi findings`: 0 printed; 2 no dataset."""
    from extractors.dataset.query import format_findings, query_findings

    try:
        df = query_findings(_location(args.out), args.report, args.check)
    except (FileNotFoundError, ValueError) as exc:  # no dataset; UnknownCheck
        return _error(str(exc))
    print(format_findings(df))
    return EXIT_OK


def cmd_versions(args) -> int:
    """`ogi versions`: 0 listed; 2 no dataset."""
    from extractors.dataset.versions import format_versions, list_versions

    try:
        print(format_versions(list_versions(args.out)))
    except FileNotFoundError as exc:
        return _error(str(exc))
    return EXIT_OK


def cmd_compact(args) -> int:
    """`ogi compact`: 0 done; 2 no dataset; 3 dataset locked."""
    from extractors.dataset.store import DatasetLocked
    from extractors.dataset.versions import compact

    try:
        before, after = compact(args.out)
    except FileNotFoundError as exc:
        return _error(str(exc))
    except DatasetLocked as exc:
        return _error(str(exc), EXIT_LOCKED)
    print(f"{before} segment(s) → {after}" + ("" if before != after else " (nothing to merge)"))
    return EXIT_OK


def cmd_vacuum(args) -> int:
    """`ogi vacuum`: 0 done; 2 no dataset or a bad --keep; 3 dataset locked."""
    from extractors.dataset.store import DatasetLocked
    from extractors.dataset.versions import vacuum

    try:
        dropped = vacuum(args.out, args.keep)
    except (FileNotFoundError, ValueError) as exc:
        return _error(str(exc))
    except DatasetLocked as exc:
        return _error(str(exc), EXIT_LOCKED)
    print(f"deleted {len(dropped)} version(s)" + (f": {', '.join(map(str, dropped))}" if dropped else ""))
    return EXIT_OK


def _check_sources(path: str) -> list[Site] | None:
    from extractors.crawl import SourcesError, load_sources

    try:
        return load_sources(path)
    except SourcesError as exc:
        _error(str(exc))
        return None


def cmd_crawl(args) -> int:
    """`ogi crawl`: 0 done; 1 no URL could be fetched at all; 2 usage error; 3 dataset locked."""
    if _check_sources(args.sources) is None:
        return EXIT_USAGE
    problem = _folder_problem("--raw", Path(args.raw))
    if problem:
        return _error(problem)
    refused = _open_out("--out", Path(args.out))
    if refused:
        return _error(*refused)
    runtime.prefect_env()
    from flows.crawl import crawl_flow

    with runtime.quiet_shutdown(), runtime.no_heartbeats():
        summary = crawl_flow(str(args.sources), args.raw, args.out, settings=Settings.from_env())
    print(summary.format())
    if summary.fetched == 0:
        return _error("nothing could be fetched from any site", EXIT_NOTHING_FETCHED)
    return EXIT_OK


def cmd_serve(args) -> int:
    """`ogi serve`: serves until interrupted; 2 for a usage error (bad SOURCES, cron or
    time zone, no Prefect server configured)."""
    if _check_sources(args.sources) is None:
        return EXIT_USAGE
    runtime.prefect_env()
    if not runtime.api_url():
        return _error("`ogi serve` needs a long-lived Prefect server: run `prefect server start` and set "
                      "PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); see docs/crawling.md")
    from flows.crawl import build_deployment

    try:
        deployment = build_deployment(args.sources, args.cron, args.timezone, raw=args.raw, out=args.out,
                                      name=args.name)
    except ValueError as exc:
        return _error(f"invalid schedule or name: {exc}")
    from prefect import serve

    print(f"Serving {FLOW_NAME}/{args.name}: '{args.cron}' ({args.timezone}) on {args.sources}; "
          "Ctrl+C to stop", file=sys.stderr)
    serve(deployment)
    return EXIT_OK


def cmd_derive(args) -> int:
    """`ogi derive`: 0 done; 2 no dataset; 3 dataset locked."""
    from extractors.dataset.store import DatasetLocked
    from extractors.export.derived import derive

    try:
        counts = derive(args.out)
    except FileNotFoundError as exc:
        return _error(str(exc))
    except DatasetLocked as exc:
        return _error(str(exc), EXIT_LOCKED)
    print(", ".join(f"{name}.parquet {n} row(s)" for name, n in counts.items()))
    return EXIT_OK


def cmd_export(args) -> int:
    from extractors.export.writers import export

    if not Path(args.out).is_dir():
        return _error(f"--out {args.out}: no dataset folder there (run `ogi extract` first)")
    try:
        paths = export(Path(args.out), Path(args.to), tuple(f.strip() for f in args.formats.split(",") if f.strip()))
    except (FileNotFoundError, ValueError) as exc:
        return _error(str(exc))
    for p in paths:
        print(p)
    return EXIT_OK


def cmd_report(args) -> int:
    from extractors.quality import write_report

    if not Path(args.out).is_dir():
        return _error(f"--out {args.out}: no dataset folder there (run `ogi extract` first)")
    try:
        path = write_report(Path(args.out), Path(args.to))
    except FileNotFoundError as exc:
        return _error(str(exc))
    print(path)
    return EXIT_OK


COMMANDS = {"extract": cmd_extract, "eval": cmd_eval, "findings": cmd_findings,
            "crawl": cmd_crawl, "serve": cmd_serve, "versions": cmd_versions, "compact": cmd_compact,
            "vacuum": cmd_vacuum, "derive": cmd_derive, "export": cmd_export, "report": cmd_report}


REAPED_COMMANDS = ("extract", "eval", "crawl", "serve")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        Settings.from_env()  # a bad OGI_PDF_GEOMETRY is a usage error, named before any work
    except ValueError as exc:
        return _error(str(exc), EXIT_USAGE)
    # Commands that start processes (workers, Prefect's temporary server) get a reaper that
    # kills what is left of them if this process is killed (flows/reaper.py).
    reaper = start_reaper() if args.command in REAPED_COMMANDS else None
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return _error("interrupted", EXIT_INTERRUPTED)
    except Exception as exc:  # a failure of the run itself (documents never raise): say it cleanly
        if os.environ.get("OGI_DEBUG"):
            raise
        log = runtime.log_file()
        detail = f" (details in {log})" if log is not None and log.exists() else " (set OGI_DEBUG=1 for the traceback)"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return _error(f"the run failed: {type(exc).__name__}: {first}{detail}", EXIT_NOTHING_READ)
    finally:
        if reaper is not None:
            reaper.stop()


if __name__ == "__main__":
    sys.exit(main())
