"""PDF reports: text rows and stitched table grids from a PDF's text layer.

How a document is read
----------------------
1. pypdfium2 (PDFium, C++) opens the file and gives every page's text with the
   position of each line: ~2-4 ms a page. Pages whose text has none of the table
   vocabulary (`page.TABLE_TERMS`) are read from that text alone (`page`).
2. Pages with table vocabulary (and a page a table runs onto) get the full geometry
   from PDFium (`geometry`): every character's box and every ruling line of every
   path object (including paths inside form XObjects). Ruled tables are found with
   pdfplumber's table finder (lines strategy: snap, join, intersections, cells,
   tables) fed with those edges (`ruled`). Characters are then placed into cells by
   grid look-up, once. Reading the same geometry through pdfplumber/pdfminer costs
   50-100 ms a page on these reports (its content-stream parser is pure Python);
   PDFium does it in a few ms. `Settings(pdf_geometry="pdfplumber")` switches to
   pdfplumber's own `page.chars`/`page.edges` (the tests use it to check that both
   sources give the same grids).
3. Text that is laid out as columns without ruling lines (a Word table with its
   borders removed) is found from the positions of the characters left outside the
   ruled tables (`unruled`): lines with two or more wide gaps and numeric cells form
   a region, whose columns come from the numeric cells and the indentation of the
   labels. A "ruled" table whose cells hold stacked values (column rules, no row
   rules) is read this way too.
4. A table that ends at the foot of a page and one that starts at the head of the
   next are stitched when their columns agree (`stitch`): running headers/footers
   and page numbers are dropped first, a repeated header row is removed, a row split
   by the page break is put back together, and a merged label cell cut by the break
   (blank or `（三）不予公` / `开`) is carried over.
5. Rows come out in reading order (`order`): paragraphs (lines joined; CJK without a
   separator) and table rows whose cells repeat a merged cell's text in every grid
   position it covers.

Modules, leaves first: `geometry` (characters, ruling edges, page transforms, the
shared records), `cluster` (coordinate clustering), `text` (lines and cell texts,
what a value is), `ruled`, `unruled`, `page` (one page), `stitch`, `order`, and
`reader` (the entry point `extract`: checks, the page loop).

Bad input raises the documented errors of `extractors.errors`: `NeedsOCR` (pages are
images, no text layer, or glyphs without Unicode), `UnreadableDocument` (password,
truncated, not a PDF), `EmptyDocument`, `DocumentTooLarge` (page cap; time/memory
caps when the pipeline reads it in `extractors.sandbox`).

PDFium is not thread-safe: `extract` holds a process-wide lock (`FORK_LOCK`) while it reads.

Per-process state: nothing is built per document. The table vocabulary is written out
with its traditional spellings (`page.TRADITIONAL_SPELLINGS`, no OpenCC converter at run
time); `warm()` builds what is left (the vocabulary list, the text codecs, the patterns the
helpers compile on first use) so that a process that calls it before forking its reader
workers (`flows.runtime.warm_worker`) hands them a reader with nothing left to build.
"""

from extractors.formats.pdf.reader import FORK_LOCK, extract, warm

__all__ = ["FORK_LOCK", "extract", "warm"]
