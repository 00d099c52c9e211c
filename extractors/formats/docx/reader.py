"""The docx reader's entry point: open the package safely, walk the body, report."""

from __future__ import annotations

from extractors.errors import EmptyDocument, UnreadableDocument
from extractors.formats.docx.numbering import load_numbering
from extractors.formats.docx.ooxml import W_BODY
from extractors.formats.docx.package import check_container, core_title, open_main
from extractors.formats.docx.walker import DocxBodyWalker
from extractors.records import RawDocument
from extractors.settings import DEFAULT, Settings


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read a .docx into rows (paragraphs and table grids in reading order) and text."""
    zf = check_container(data, name)
    with zf:
        main = open_main(zf, name)
        numbering = load_numbering(zf, main.part, main.blob, name)
        title = core_title(zf, main, name)
    body = main.root.find(W_BODY)
    if body is None:
        raise UnreadableDocument(f"{name}: word/document.xml has no w:body")
    walker = DocxBodyWalker(numbering)
    walker.blocks(body)
    text = "\n".join(walker.lines)
    if not text.strip():
        raise EmptyDocument(f"{name}: the document holds no text")
    return RawDocument(
        format="docx",
        rows=walker.rows,
        text=text,
        detail=f"ooxml package, XML walk; {walker.table_count} table(s)",
        notes=_walk_notes(walker),
        title_hint=title,
    )


def _walk_notes(walker: DocxBodyWalker) -> list[tuple[str, str]]:
    notes: list[tuple[str, str]] = []
    if walker.nested:
        notes.append(("docx_nested_table", f"{walker.nested} table(s) nested in table cells"))
    if walker.layout_unwrapped:
        notes.append(
            ("docx_layout_table", f"{walker.layout_unwrapped} layout table(s) around content unwrapped")
        )
    if walker.textboxes:
        notes.append(("docx_textbox", f"{walker.textboxes} text box(es) read in anchor order"))
    return notes
