"""Converter Markdown: reports turned from PDF into Markdown by another tool (MinerU, docling,
marker, LLM pipelines), read as text rows and pipe-table rows.

* `reader` - the entry point `extract`: lines classified as pipe-table rows, separator lines,
  ``#`` headings, label-and-value lines inside a table section, and running text;
* `lines` - what one line is (`is_pipe_row`, `pipe_cells`, `is_separator`, inline marks).

What the converters write, and what the rows look like:

* a pipe table ``| 规章 | 0 | 0 | 0 |`` (with or without its ``|---|`` separator line, the
  first row of every fragment being whatever row came first, data or header) becomes one
  ``Row(kind="table", positional=True)`` per line: an empty cell between two pipes is a
  printed blank;
* tables broken into fragments, down to one small table per row with a generic header
  (``| 类别 | 数据1 | … | 总计 |``): the header is a row of labels only (the assembler reads it
  as a header row), the values are placed by the template's column order;
* a row whose label the converter displaced (the label on a text line of its own, before or
  after the pipe row that holds its values) is a label-less pipe row flagged ``by_order``:
  the assembler places it by the template's row order when the gap it fills between the rows
  around it is certain, and confirms it by the arithmetic (`extractors.tables.ordered`);
* ``#``/``##`` headings are text rows with the marks removed (section captions such as
  ``## 表三：收到和处理政府信息公开申请情况``); bold/italic marks, images and link targets go;
* inside a table section, a text line that is a short label followed by numbers
  (``行政许可 97``: a table flattened into text) is a table row of its label and values.
"""

from extractors.formats.markdown.reader import extract

__all__ = ["extract"]
