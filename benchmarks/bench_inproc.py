"""The benchmark's in-process measurements: the pipeline per format in one warm process
(extraction only), the dataset writes timed on their own, the bare libraries on the same
files, and for PDFs the reader's cost as a fresh, a warm and a forked process sees it.

Every figure is a `Timing` (wall seconds and CPU seconds, reaped children included: the
sandbox's reader children count) over all the files of a format.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bench_measure import Timing, clock

ROOT = Path(__file__).resolve().parent.parent
WORDML = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def warm_process() -> None:
    """Build the per-process state the flow builds before it forks its workers (matcher,
    jieba, OpenCC, the PDF reader's caches), so that timings start warm."""
    from flows.runtime import warm_worker

    warm_worker()
    import extractors.formats.pdf as pdf

    if hasattr(pdf, "warm"):
        pdf.warm()


def extraction(files: list[Path], root: Path, settings=None) -> tuple[list, Timing]:
    """`process_path` over the files (sniff, read, assemble, match, check): no dataset write.
    The sandbox worker that reads them is forked and reaped inside the timed block, so its
    CPU is counted with this process's."""
    from extractors.pipeline import process_path
    from extractors.sandbox import close_workers
    from extractors.settings import DEFAULT

    settings = settings or DEFAULT
    close_workers()  # the worker forked in the block (from this warm process) is the one timed
    with clock() as t:
        results = [process_path(f, root, settings=settings) for f in files]
        close_workers()  # reaped inside the block, so its CPU is counted (RUSAGE_CHILDREN)
    return results, t


def dataset_write(results: list) -> tuple[Timing, Timing]:
    """(staging, commit) of these results into a new dataset: the two writes of a run, each
    timed on its own."""
    from extractors.dataset.store import DatasetStore

    out = Path(tempfile.mkdtemp(prefix="ogi-bench-ds-"))
    try:
        with DatasetStore(out) as store:
            with clock() as stage:
                store.stage(results)
            with clock() as commit:
                store.commit({p: r.report["report_id"] for r in results for p in r.report["source_paths"]})
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return stage, commit


# ---- the bare libraries on the same files ----------------------------------------------------
def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _lxml(data: bytes) -> None:
    import lxml.html

    lxml.html.fromstring(data)


def _docx(data: bytes) -> None:
    import docx

    docx.Document(io.BytesIO(data))


def _pdfium_text(data: bytes) -> None:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        for page in doc:
            page.get_textpage().get_text_range()
            page.close()
    finally:
        doc.close()


def _plumber(method: str):
    def run(data: bytes) -> None:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                getattr(page, method)()
                page.close()
    return run


# What someone would use instead of the pipeline, per format: (label, one document's work).
BARE = {
    "txt": [("bytes.decode (UTF-8, else GB18030)", _decode)],
    "html": [("lxml.html.fromstring (parse)", _lxml)],
    "docx": [("python-docx Document()", _docx)],
    "pdf": [("pypdfium2 text of every page", _pdfium_text),
            ("pdfplumber extract_words, every page", _plumber("extract_words")),
            ("pdfplumber extract_tables() alone, every page", _plumber("extract_tables"))],
}


def bare(fmt: str, files: list[Path]) -> list[tuple[str, Timing]]:
    """Each baseline of `fmt` over the files (read into memory first, as the pipeline does
    its reading outside the readers too); one untimed call warms each library."""
    datas = [f.read_bytes() for f in files]
    out = []
    for label, work in BARE.get(fmt, []):
        work(datas[0])
        with clock() as t:
            for data in datas:
                work(data)
        out.append((label, t))
    return out


# ---- PDF -------------------------------------------------------------------------------------
@dataclass
class PdfReader:
    """The PDF reader alone, in process, over the files; pages and pages holding tables."""

    timing: Timing
    pages: int = 0
    table_pages: int = 0
    failed: list[str] = field(default_factory=list)


def pdf_reader(files: list[Path]) -> PdfReader:
    """`extractors.formats.pdf.extract` over the files, with the pages that hold table rows."""
    from extractors.formats import pdf

    datas = [(f.name, f.read_bytes()) for f in files]
    docs = []
    out = PdfReader(Timing())
    with clock() as t:
        for name, data in datas:
            try:
                docs.append(pdf.extract(data, name))
            except Exception as e:  # noqa: BLE001 - a broken corpus file is listed, not fatal
                out.failed.append(f"{name}: {type(e).__name__}")
    out.timing = t
    import pypdfium2

    for _, data in datas:
        out.pages += len(pypdfium2.PdfDocument(data))
    for doc in docs:
        out.table_pages += len({c.page for r in doc.rows if r.kind == "table" for c in r.cells if c.page})
    return out


# Run in a fresh interpreter: the reader's CPU on one PDF in a child forked from the cold
# interpreter (what a fork per document paid before the parent warmed anything), what
# warm() costs there, then in the parent after warm(): a later document, and a child forked now.
PDF_STATE_PROBE = r"""
import json, os, sys, time
from pathlib import Path
import extractors.formats.pdf as pdf
data = Path(sys.argv[1]).read_bytes()
warm = getattr(pdf, "warm", lambda: None)
def cpu(fn):
    start = time.process_time(); fn(); return time.process_time() - start
def read():
    pdf.extract(data, "probe.pdf")
def in_child(fn):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, json.dumps(cpu(fn)).encode()); os._exit(0)
    os.close(w)
    with os.fdopen(r) as fh:
        out = json.loads(fh.read())
    os.waitpid(pid, 0)
    return out
out = {"forked_cold": in_child(read), "warm": in_child(warm)}
warm()
read()
out["later"] = min(cpu(read) for _ in range(3))
out["forked_warm"] = in_child(read)
print(json.dumps(out))
"""


def pdf_process_state(pdf_file: Path) -> dict[str, float]:
    """CPU seconds of one PDF read: in a child forked from a cold process, in a warm process,
    in a child forked after `warm()`; and what `warm()` costs a cold process."""
    proc = subprocess.run([sys.executable, "-c", PDF_STATE_PROBE, str(pdf_file)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks.bench_inproc: the PDF probe failed on {pdf_file}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)
