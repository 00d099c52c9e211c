"""PDF documents: the generated .docx files rendered by LibreOffice headless, in batches.

LibreOffice takes seconds to start, so the files of a corpus go through a few
`soffice --convert-to pdf` calls (one per worker, each with a private user profile so
parallel runs and a desktop LibreOffice do not interfere).

Real PDF reports break table 3 across pages; `table3_pages` tells (from the text pdfium
finds on each page) whether a rendered file does, so the generator can lengthen the
narrative of the files where it does not and render them again. LibreOffice is the only
program outside Python that rendering needs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdfium2 as pdfium

INSTALL_HINT = "install it with: apt-get update && apt-get install -y libreoffice-writer-nogui fonts-noto-cjk"
SECONDS_PER_FILE = 20    # generous timeout per file (a report renders in about a second)
MAX_WORKERS = 2          # parallel soffice processes; each needs ~300 MB


class PdfUnavailable(RuntimeError):
    pass


def soffice() -> str | None:
    """LibreOffice's command on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_batch(docx_files: list[Path], outdir: Path) -> list[Path]:
    """Convert .docx files to PDF into `outdir`; returns the PDFs that were produced."""
    exe = soffice()
    if exe is None:
        raise PdfUnavailable(f"soffice (LibreOffice) not found on PATH; {INSTALL_HINT}")
    if not docx_files:
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1, len(docx_files)))
    chunks = [docx_files[i::workers] for i in range(workers)]
    errors = []
    with tempfile.TemporaryDirectory(prefix="ogi-soffice-") as tmp:
        procs = []
        for k, chunk in enumerate(chunks):
            profile = Path(tmp) / f"profile{k}"
            cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(outdir), *map(str, chunk)]
            procs.append((subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), chunk))
        for proc, chunk in procs:
            try:
                _, err = proc.communicate(timeout=60 + SECONDS_PER_FILE * len(chunk))
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
                err = "timeout; " + (err or "")
            if proc.returncode != 0:
                errors.append(f"soffice exit {proc.returncode}: {(err or '').strip()[:300]}")
    produced = [outdir / (f.stem + ".pdf") for f in docx_files]
    produced = [p for p in produced if p.exists() and p.stat().st_size > 0]
    if not produced and errors:
        raise PdfUnavailable("; ".join(errors))
    return produced


TABLE3_START = re.compile(r"申[请請]人情[况況]")
TABLE3_END = re.compile(r"[结結][转轉]下年度|[继繼][续續][办辦]理")


def page_texts(pdf: Path) -> list[str]:
    """The text of every page of a PDF file, as pdfium reads it."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def table3_pages(pdf: Path) -> tuple[int, int] | None:
    """(first page, last page) of table 3 (1-based), or None when the table cannot be located."""
    try:
        pages = page_texts(pdf)
    except pdfium.PdfiumError:
        return None
    start = next((i for i, p in enumerate(pages, 1) if TABLE3_START.search(p)), None)
    ends = [i for i, p in enumerate(pages, 1) if TABLE3_END.search(p) and start is not None and i >= start]
    if start is None or not ends:
        return None
    return start, max(ends)
