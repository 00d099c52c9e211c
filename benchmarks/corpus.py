"""Generate a corpus of 政府信息公开工作年度报告 with known values, and its gold.jsonl.

    python -m benchmarks.corpus --out DIR --n 200 --seed 1 [--formats txt,docx,html,pdf]

Writes DIR/{txt,docx,html,pdf,md}/NNNN_<hex>.<ext> and DIR/gold.jsonl, one JSON line per
document in the format of tests/fixtures/real/gold.jsonl (path relative to DIR, format,
template, year, agency, cells [table, row, column, value]) plus `perturbations` (what was
applied), `broken_check` (the spec check id broken on purpose, or null) and `notes`.

Each document is built from its own random stream (seed, index), so a document does
not change when N grows, and the same seed gives byte-identical txt/html/docx files.
Formats are assigned round-robin. PDF files are the generated .docx rendered with
LibreOffice; without soffice the generator says so and leaves the pdf documents out (the
others keep their places, so no document depends on whether LibreOffice is installed).
`--write` names the formats whose files are written: `--write pdf` renders only the pdf
documents of a corpus (tests/fixtures/corpus-pdf is made so), and a run that writes the
other formats beside them gives the whole corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.synth import params as P
from benchmarks.synth.layout import Block, Document, build_document, to_traditional
from benchmarks.synth.masthead import Masthead, make_masthead, notice_blocks
from benchmarks.synth.model import (
    Report,
    blank_a_total,
    break_identity,
    failing_check_ids,
    feasible_breaks,
    generate_values,
    render_cells,
)
from benchmarks.synth.names import Agency, make_agency, region_gold
from benchmarks.synth.narrative import page_filler
from benchmarks.synth.pre2019 import build_pre2019_document
from benchmarks.synth.write_docx import write_docx
from benchmarks.synth.write_html import write_html
from benchmarks.synth.write_md import write_md
from benchmarks.synth.write_pdf import INSTALL_HINT, PdfUnavailable, convert_batch, soffice, table3_pages
from benchmarks.synth.write_txt import write_txt

FORMATS = ("txt", "docx", "html", "pdf", "md")
EXTENSIONS = {"txt": "txt", "docx": "docx", "html": "html", "pdf": "pdf", "md": "md"}
WRITERS = {"txt": write_txt, "html": write_html, "docx": write_docx, "pdf": write_docx, "md": write_md}
# A converter's Markdown saved as .txt (kewei-2024.txt is one): the writer records it so.
MD_AS_TXT = "md:txt_extension"
PDF_WORK_DIR = ".pdf-work"
# Re-render passes for PDFs whose table 3 fits on one page (each adds ~half a page of
# narrative before table 2; one pass fixes nearly all, as a ~3/4-page table then straddles).
PDF_LENGTHEN_ATTEMPTS = 2


def doc_rng(seed: int, index: int, stream: str = "doc") -> random.Random:
    # Seeding with a str hashes it with SHA-512: stable across runs and PYTHONHASHSEED.
    return random.Random(f"ogi-corpus:{seed}:{stream}:{index}")


def is_broken(seed: int, index: int) -> bool:
    """Exactly one document per block of BROKEN_EVERY consecutive indices is broken."""
    block = index // P.BROKEN_EVERY
    return doc_rng(seed, block, "broken").randrange(P.BROKEN_EVERY) == index % P.BROKEN_EVERY


def make_report(seed: int, index: int) -> tuple[Report, Agency, random.Random]:
    rng = doc_rng(seed, index)
    # its own stream (the other documents stay as they were); never the block's broken one
    if not is_broken(seed, index) and doc_rng(seed, index, "pre2019").random() < P.P_PRE2019:
        return make_pre2019_report(rng, index)
    template = "gb2019" if rng.random() < P.P_GB2019 else "gb2021"
    year = rng.choice(P.YEARS_GB2019 if template == "gb2019" else P.YEARS_GB2021)
    kind = rng.choices(list(P.AGENCY_KIND_WEIGHTS), weights=list(P.AGENCY_KIND_WEIGHTS.values()))[0]
    agency = make_agency(rng, kind)
    values = generate_values(rng, template, kind)
    report = Report(index=index, template=template, year=year, kind=kind, agency=agency.name,
                    region=agency.region, site=agency.site, values=values)
    if is_broken(seed, index):
        check = rng.choice(feasible_breaks(values, template))
        report.broken_check = check
        report.notes.append(break_identity(rng, values, template, check))
    render_cells(rng, report)
    if report.broken_check is None and doc_rng(seed, index, "blank_total").random() < P.P_BLANK_TOTAL:
        blank_a_total(doc_rng(seed, index, "blank_total"), report)
    return report, agency, rng


def make_pre2019_report(rng: random.Random, index: int) -> tuple[Report, Agency, random.Random]:
    """A report in the format before the templates (benchmarks.synth.pre2019): no cells."""
    kind = rng.choices(list(P.AGENCY_KIND_WEIGHTS), weights=list(P.AGENCY_KIND_WEIGHTS.values()))[0]
    agency = make_agency(rng, kind)
    report = Report(index=index, template="pre2019", year=rng.choice(P.YEARS_PRE2019), kind=kind,
                    agency=agency.name, region=agency.region, site=agency.site, values={})
    report.notes.append("A pre-2019 report (政府信息公开情况统计表): no canonical cells.")
    return report, agency, rng


def is_notice(seed: int, index: int, fmt: str) -> bool:
    """A document that is not a report (a notice), in the formats that carry them; never one
    broken on purpose (so the one-in-seven count of broken reports holds)."""
    return fmt in P.NOTICE_FORMATS and not is_broken(seed, index) \
        and doc_rng(seed, index, "notice").random() < P.P_NOTICE


def notice_document(report: Report, agency: Agency, rng: random.Random) -> Document:
    blocks = [Block(kind, text) for kind, text in notice_blocks(rng, agency, report.year)]
    report.perturbations.append("notice")
    return Document(report, agency, blocks)


def notice_gold(report: Report, path: str, fmt: str) -> dict:
    return {"path": path, "format": fmt, "template": None, "year": None, "agency": None, "agency_alt": [],
            "published_on": None, "index_number": None, "cells": [], "perturbations": list(report.perturbations),
            "broken_check": None, "notes": "generated (benchmarks.corpus); a notice, not a report: no tables"}


def gold_line(report: Report, path: str, fmt: str, masthead: Masthead | None = None) -> dict:
    fails = failing_check_ids({**report.gold, **report.blanked}, report.template)  # as if the blanks were printed
    expected = {report.broken_check} if report.broken_check else set()
    if fails != expected:  # a generator bug, never a property of the corpus
        raise AssertionError(f"document {report.index}: checks failing {sorted(fails)}, expected {sorted(expected)}")
    notes = [f"generated (benchmarks.corpus); agency kind {report.kind}; {report.template} {report.year}"]
    notes += report.notes
    if not report.broken_check and not report.blanked and report.template != "pre2019":
        notes.append("Arithmetic: all checks hold.")
    return {
        "path": path,
        "format": fmt,
        "template": report.template,
        "year": report.year,
        "agency": report.agency,
        "agency_alt": [],
        "published_on": None,
        "index_number": None,
        **(masthead.gold(fmt) if masthead else {}),
        "cells": report.gold_cells(),
        "perturbations": list(report.perturbations),
        "broken_check": report.broken_check,
        "notes": " ".join(notes),
        **region_gold(report.agency, report.kind, report.region),  # who reported (issue #15)
    }


@dataclass
class PendingPdf:
    gold_index: int
    docx: Path
    doc: Document
    writer_state: tuple  # random state before the docx writer ran, to re-render identically


def _render_pdfs(out: Path, seed: int, gold: list[dict], pending: list[PendingPdf], log) -> list[dict]:
    """Render the pending .docx files; where table 3 fits on one page, lengthen the narrative
    before table 2 by about half a page and render again (real PDFs break table 3)."""
    t0 = time.time()
    pdf_dir = out / "pdf"
    try:
        produced = {p.stem for p in convert_batch([p.docx for p in pending], pdf_dir)}
    except PdfUnavailable as e:
        log(f"WARNING: pdf skipped: {e}", file=sys.stderr)
        produced = set()
    for attempt in range(PDF_LENGTHEN_ATTEMPTS):
        redo = []
        for p in pending:
            if p.docx.stem in produced:
                pages = table3_pages(pdf_dir / (p.docx.stem + ".pdf"))
                if pages is not None and pages[0] == pages[1]:
                    redo.append(p)
        if not redo:
            break
        for p in redo:
            blocks = p.doc.blocks
            at = next(i for i, b in enumerate(blocks) if b.kind == "table") - 1  # before heading 二
            filler = page_filler(doc_rng(seed, p.gold_index, f"pdf-fill{attempt}"))
            text = [Block(kind, t) for kind, t in filler]
            if p.doc.traditional:
                text = [Block(b.kind, to_traditional(b.text)) for b in text]
            blocks[at:at] = text
            rng = random.Random()
            rng.setstate(p.writer_state)
            saved = list(p.doc.report.perturbations)
            p.docx.write_bytes(write_docx(p.doc, rng))
            p.doc.report.perturbations[:] = saved
            if "pdf:narrative_lengthened" not in gold[p.gold_index]["perturbations"]:
                gold[p.gold_index]["perturbations"].append("pdf:narrative_lengthened")
        convert_batch([p.docx for p in redo], pdf_dir)
    missing = {p.gold_index for p in pending if p.docx.stem not in produced}
    if missing:
        log(f"WARNING: {len(missing)} pdf conversions failed; those documents are left out of gold", file=sys.stderr)
    log(f"pdf: {len(produced)} files rendered in {time.time() - t0:.1f}s")
    return [g for k, g in enumerate(gold) if k not in missing]


def generate(out: Path, n: int, seed: int, formats: tuple[str, ...] = FORMATS, log=print,
             write: tuple[str, ...] | None = None) -> list[dict]:
    """Write the documents of an `n`-document corpus and `out/gold.jsonl`; returns the gold lines.

    Formats go round-robin over `formats`; only those in `write` (default: all) are written,
    the others keep their places, so a document is the same whichever formats are written.
    """
    out = Path(out)
    formats = tuple(formats)
    write = formats if write is None else tuple(write)
    unknown = (set(formats) | set(write)) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown formats {sorted(unknown)}; choose from {FORMATS}")
    if set(write) - set(formats):
        raise ValueError(f"write {sorted(set(write) - set(formats))}: not among the formats {formats}")
    if "pdf" in write and soffice() is None:
        log(f"WARNING: soffice (LibreOffice) not found: the pdf documents are left out ({INSTALL_HINT})",
            file=sys.stderr)
        write = tuple(f for f in write if f != "pdf")
    if not write:
        raise ValueError("no format left to generate")
    out.mkdir(parents=True, exist_ok=True)
    gold: list[dict] = []
    pending_pdf: list[PendingPdf] = []
    work = out / PDF_WORK_DIR
    for i in range(n):
        fmt = formats[i % len(formats)]
        if fmt not in write:
            continue
        report, agency, rng = make_report(seed, i)
        notice = is_notice(seed, i, fmt)
        masthead = make_masthead(doc_rng(seed, i, "meta"), agency, report.year, fmt)
        if notice:
            doc = notice_document(report, agency, rng)
        elif report.template == "pre2019":
            doc = build_pre2019_document(report, agency, rng)
        else:
            doc = build_document(report, agency, rng, fmt, masthead)
        writer_state = rng.getstate()
        data = WRITERS[fmt](doc, rng)
        ext = "txt" if fmt == "md" and MD_AS_TXT in report.perturbations else EXTENSIONS[fmt]
        name = f"{i:04d}_{rng.getrandbits(64):016x}.{ext}"
        rel = f"{fmt}/{name}"
        if fmt == "pdf":
            report.perturbations.append("pdf:libreoffice_from_docx")
            work.mkdir(parents=True, exist_ok=True)
            src = work / (Path(name).stem + ".docx")
            src.write_bytes(data)
            pending_pdf.append(PendingPdf(len(gold), src, doc, writer_state))
        else:
            (out / fmt).mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(data)
        gold.append(notice_gold(report, rel, fmt) if notice else gold_line(report, rel, fmt, None if report.template == "pre2019" else masthead))
    if pending_pdf:
        gold = _render_pdfs(out, seed, gold, pending_pdf, log)
        shutil.rmtree(work, ignore_errors=True)
    with open(out / "gold.jsonl", "w", encoding="utf-8") as f:
        for g in gold:
            f.write(json.dumps(g, ensure_ascii=False) + "\n")
    return gold


def _format_list(text: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in text.split(",") if f.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    ap.add_argument("--n", type=int, default=200, help="number of documents")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset of txt,docx,html,pdf,md")
    ap.add_argument("--write", default=None,
                    help="comma-separated formats whose files are written (default: all of --formats)")
    args = ap.parse_args(argv)
    formats = _format_list(args.formats)
    write = None if args.write is None else _format_list(args.write)
    t0 = time.time()

    def log(*a, file=sys.stdout):
        print(*a, file=file, flush=True)

    gold = generate(args.out, args.n, args.seed, formats, log=log, write=write)
    by_fmt: dict[str, int] = {}
    for g in gold:
        by_fmt[g["format"]] = by_fmt.get(g["format"], 0) + 1
    broken = sum(1 for g in gold if g["broken_check"])
    log(f"{len(gold)} documents ({', '.join(f'{k} {v}' for k, v in sorted(by_fmt.items()))}), "
        f"{broken} with a broken check, in {time.time() - t0:.1f}s -> {args.out / 'gold.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
