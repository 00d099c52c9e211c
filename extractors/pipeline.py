"""One document in, its dataset rows out: sniff → extract → assemble → report row.

`process_path` is what the Prefect flow runs per document; it never raises for a bad
document. Whatever goes wrong becomes the report's status and error, so one broken file
never stops a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import traceback
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from extractors.arithmetic.checks import quality, run_checks
from extractors.arithmetic.ocr_digits import resolve_ocr
from extractors.discover import file_sha256, open_regular, source_name
from extractors.errors import ExtractionError
from extractors.formats import reader_for
from extractors.formats.ocr.engine import OCR_MEMORY_MB, OCR_TIME_FACTOR
from extractors.formats.sniff import sniff
from extractors.metadata import extract_metadata
from extractors.narrative import narrative_values
from extractors.records import EXTRACTOR_VERSION, Assembly, DocResult, RawDocument
from extractors.region import COLUMNS as REGION_COLUMNS
from extractors.region import who_reported
from extractors.sandbox import TRACEBACK_CHARS, can_sandbox, run_limited
from extractors.settings import DEFAULT, Settings
from extractors.tables.assemble import assemble
from extractors.template import expected_cells, is_earlier_format, rules
from schemas import TABLES

# Share of the template's cells that must be found for a report to count as complete.
# 1.0: any missing or unreadable cell makes the report `partial`.
COMPLETE_SHARE = 1.0
# Formats whose pages may be read by OCR (a PDF's pages without a text layer, page images).
OCR_FORMATS = ("pdf", "image")
# An HTML page holding images written into it as data: URIs may print its tables as images,
# read by OCR (extractors.formats.html.images): it gets the OCR allowance too. A byte search
# (no parse) over the page, so that a plain page pays nothing for it.
HTML_IMAGE_MARK = b"data:image/"
# Reader notes stored as warnings (every other note is info): an image of a page's tables
# that could not be read.
WARNING_NOTES = ("html_image_unreadable",)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _extract(fmt: str, data: bytes, name: str, settings: Settings) -> RawDocument:
    """Run the format's reader, here."""
    return reader_for(fmt).extract(data, name, settings=settings)


@cache
def warm() -> None:
    """Build the state every document needs once per process (the matcher's indexes, OpenCC,
    the template rules, the PDF reader's vocabulary, the gazetteer), so that sandbox workers
    forked afterwards start with it. jieba's dictionary (~0.9 s) is not among them: the
    matcher loads it where a label first needs a word-level comparison, in the long-lived
    worker, so a run whose documents never do (or a one-document run) does not pay it;
    `warm_words()` loads it before a pool of workers is forked."""
    from extractors.formats.pdf import warm as warm_pdf
    from extractors.labels.matching import matcher
    from extractors.labels.normalize import to_simplified
    from extractors.narrative import narrative_schema
    from extractors.template import rules

    matcher("fuzzy")
    to_simplified("預熱")
    rules()  # the template rules' YAML, parsed and validated once
    narrative_schema()
    warm_pdf()  # the PDF reader's vocabulary and patterns
    from extractors.region.gazetteer import gazetteer

    gazetteer()  # the administrative divisions (extractors.region)


def warm_words() -> None:
    """`warm()` and jieba's dictionary: for a parent about to fork several workers, which
    then share one loaded dictionary instead of loading one each."""
    from extractors.labels.matching import _jieba

    warm()
    _jieba()


def process_bytes(data: bytes, name: str, source_path: str | None = None, fmt: str | None = None,
                  settings: Settings = DEFAULT) -> DocResult:
    """Extract one document's bytes into report, value and finding records.

    A format in `settings.sandboxed_formats` (all four by default) is read, and its tables
    assembled, in the sandbox worker (`extractors.sandbox`): over its time or memory limit
    the report is `too_large`, and nothing a document does stops the run. A daemonic
    process (a Dask worker) may not start the worker: there the document is read here."""
    report = {
        "report_id": sha256(data), "source_path": source_path or name, "source_paths": [source_path or name],
        "source_url": None,
        "format": None, "format_detail": None, "template": None, "template_evidence": None,
        "year": None, "agency": None, "agency_printed": None, "agency_source": None,
        "agency_alternatives": [], "published_on": None, "index_number": None, "title": None, "status": "failed", "error": None,
        "n_values": 0, "n_findings": 0, "cells_expected": None, "cells_found": 0, "tables_found": [],
        "checks_passed": None, "checks_failed": None, "low_score_share": None,
        "size_bytes": len(data), "extracted_at": datetime.now(UTC), "extractor_version": EXTRACTOR_VERSION,
        **dict.fromkeys(REGION_COLUMNS),
    }
    try:
        fmt = fmt or sniff(data, name)
        report["format"] = fmt
        result = _read_in_worker(data, report, fmt, name, settings) if fmt in settings.sandboxed_formats else None
        if result is not None:
            return result
    except ExtractionError as exc:  # a document the sniffer refuses
        report["status"], report["error"] = exc.status, str(exc)
        return DocResult(report)
    except Exception as exc:  # a bug or a library failure on this document: record it, keep the run going
        return _failed(report, f"{name}: {type(exc).__name__}: {exc}")
    try:
        return read_document(data, report, fmt, name, settings)
    except MemoryError:  # in-process, without the sandbox's cap: this process ran out
        report["status"], report["error"] = "too_large", f"{name}: out of memory while reading it"
        return DocResult(report)


def _read_in_worker(data: bytes, report: dict, fmt: str, name: str, settings: Settings) -> DocResult | None:
    """`read_document` in the sandbox worker; over a limit, the report says which. None where
    no worker may be started (a daemonic process) or the system refuses one (a failed fork):
    the caller reads the document in-process then."""
    if not can_sandbox():
        return None
    warm()
    if fmt in OCR_FORMATS or (fmt == "html" and HTML_IMAGE_MARK in data):  # OCR: more memory and time
        settings = settings.with_(memory_mb=settings.memory_mb + OCR_MEMORY_MB,
                                  timeout_s=settings.timeout_s * OCR_TIME_FACTOR)
    try:
        return run_limited(_READ_DOCUMENT, data, (report, fmt, name, settings), name, settings,
                           reader=reader_for(fmt))
    except ExtractionError as exc:  # over a limit (or the worker's own failure, with its traceback)
        report["status"], report["error"] = exc.status, str(exc)
        report["format_detail"] = getattr(exc, "detail", None)
        return DocResult(report)
    except OSError:
        return None


_READ_DOCUMENT = "extractors.pipeline:read_document"


def read_document(data: bytes, report: dict, fmt: str, name: str, settings: Settings) -> DocResult:
    """Read the document with its format's reader and assemble its records into `report`;
    whatever goes wrong becomes the report's status (a MemoryError is raised, for the
    sandbox to report against its cap)."""
    try:
        doc = _extract(fmt, data, name, settings)
    except ExtractionError as exc:
        report["status"], report["error"] = exc.status, str(exc)
        return DocResult(report)
    except MemoryError:
        raise
    except Exception as exc:  # a bug or a library failure on this document: record it, keep the run going
        return _failed(report, f"{name}: {type(exc).__name__}: {exc}")
    try:
        return _finish(report, doc, settings)
    except MemoryError:
        raise
    except Exception as exc:  # a bug on this document must not stop the run: record it
        report["status"] = "failed"
        report["error"] = f"{name}: {type(exc).__name__} while reading the tables: {exc}"
        return DocResult(report)


def _failed(report: dict, error: str) -> DocResult:
    """The report of a document a bug stopped: its error and the traceback's tail."""
    report["status"], report["error"] = "failed", error
    report["format_detail"] = traceback.format_exc(limit=3)[-TRACEBACK_CHARS:]
    return DocResult(report)


def _finish(report: dict, doc: RawDocument, settings: Settings = DEFAULT) -> DocResult:
    meta = extract_metadata(doc.text, doc.title_hint, doc.page_box)
    asm: Assembly = assemble(doc, meta.year, settings)
    asm.findings.extend(resolve_ocr(asm.values, doc.rows, asm.template))  # OCR'd digits checked, not trusted
    report.update(format=doc.format, format_detail=doc.detail, template=asm.template,
                  template_evidence=asm.template_evidence, year=meta.year, agency=meta.agency,
                  agency_printed=meta.agency_printed, agency_source=meta.agency_source,
                  agency_alternatives=meta.agency_alternatives, published_on=meta.published_on,
                  index_number=meta.index_number, title=meta.title, tables_found=asm.tables_found)
    check_findings, checks = run_checks(asm.values, asm.findings, asm.template)
    asm.findings.extend(check_findings)
    narr_values, narr_findings = narrative_values(doc.text, asm.values)
    asm.findings.extend(narr_findings)
    for i, v in enumerate(narr_values, start=len(asm.values)):
        v.seq = i
    report.update(checks_passed=checks.passed, checks_failed=checks.failed, **quality(asm.values))
    rid = report["report_id"]
    values = [{"report_id": rid, **v.__dict__} for v in asm.values + narr_values]
    findings = [{"report_id": rid, **f.as_record()} for f in asm.findings]
    findings += [{"report_id": rid, "check": kind, "severity": "warning" if kind in WARNING_NOTES else "info",
                  "table": None, "row": None,
                  "column": None, "message": msg, "detail": None} for kind, msg in doc.notes]
    findings += who_reported(report, doc.text)  # region, level, kind, agency_id (extractors.region)
    found = sum(1 for v in asm.values if v.row is not None and v.value_kind != "unreadable")
    # in the layout the report printed (e.g. （六）其他处理 as one row instead of three)
    printed = {t: {v.row for v in asm.values if v.table == t and v.row is not None} for t in TABLES}
    earlier = is_earlier_format(asm.template)
    expected = expected_cells(asm.template, printed) if asm.template and not earlier else None
    report["cells_found"], report["cells_expected"] = found, expected
    report["n_values"], report["n_findings"] = len(values), len(findings)
    if earlier:
        report["status"] = "not_a_report"
        report["error"] = f"{rules().earlier_formats[asm.template]['describe']}; its tables are not read"
    elif not asm.tables_found or found == 0:
        report["status"] = "not_a_report"
        report["error"] = "no statistical tables of an annual report were found"
        if not meta.report_title:  # not a report (a notice, a page): it names no reporting agency
            report.update(agency=None, agency_printed=None, agency_source=None, agency_alternatives=[],
                          template=None, template_evidence="not a report: no report title and no report tables",
                          cells_expected=None)
    elif expected and found >= COMPLETE_SHARE * expected and len(asm.tables_found) == len(TABLES) \
            and not any(v["value_kind"] == "unreadable" for v in values) and not checks.suspected:
        report["status"] = "ok"
    else:
        report["status"] = "partial"
        missing = [t for t in TABLES if t not in asm.tables_found]
        reason = [f"{found} of {expected} template cells read"]
        if missing:
            reason.append("tables not found: " + ", ".join(missing))
        if checks.suspected:
            reason.append("suspected extraction error in " + ", ".join(checks.suspected))
        report["error"] = "; ".join(reason)
    return DocResult(report, values, findings)


def process_path(path: Path, root: Path | None = None, fmt: str | None = None,
                 settings: Settings = DEFAULT) -> DocResult:
    """Extract one file; `source_path` is relative to `root` (POSIX), as valid UTF-8 even
    when the name's bytes are not (`extractors.discover.source_name`; a finding
    `file_name_encoding` then records the bytes). A file over `settings.max_input_bytes`
    is not read: it is stored as `too_large` under the sha256 of its bytes, streamed."""
    path = Path(path)
    rel, decoded = source_name(path, root)
    name = rel.rsplit("/", 1)[-1]
    try:
        data = _read_input(path, settings.max_input_bytes)
        if data is None:
            size = os.stat(path).st_size
            result = process_bytes(b"", name, rel)
            result.report.update(report_id=file_sha256(path), status="too_large", size_bytes=size,
                                 error=f"{rel}: {size} bytes exceeds the {settings.max_input_bytes}-byte input cap")
        else:
            result = process_bytes(data, name, rel, fmt, settings)
    except OSError as exc:
        result = process_bytes(b"", name, rel)
        result.report["error"] = f"{rel}: cannot read file: {exc.strerror or exc}"
        result.report["report_id"] = sha256(rel.encode())
    if decoded:
        _note_decoded_name(result, path, rel, decoded)
    return result


def _read_input(path: Path, cap: int) -> bytes | None:
    """The file's bytes, or None when it is larger than `cap` (nothing read). Refuses
    anything but a regular file without blocking (a FIFO would wait for a writer)."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as f:
        if os.fstat(fd).st_size > cap:
            return None
        data = f.read(cap + 1)
    return None if len(data) > cap else data


def _note_decoded_name(result: DocResult, path: Path, rel: str, how: str) -> None:
    """A finding saying the file name was not UTF-8 and how `source_path` shows it."""
    raw = os.fsencode(path.name)
    said = "decoded as GB18030" if how == "gb18030" else "bytes that are neither UTF-8 nor GB18030 written as \\xNN"
    result.findings.append({
        "report_id": result.report["report_id"], "check": "file_name_encoding", "severity": "info",
        "table": None, "row": None, "column": None,
        "message": f"the file name is not valid UTF-8; stored as {rel} ({said})",
        "detail": json.dumps({"name_bytes_hex": raw.hex(), "decoded": how, "source_path": rel}, ensure_ascii=False),
    })
    result.report["n_findings"] = len(result.findings)
