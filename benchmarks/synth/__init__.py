"""Building blocks of the synthetic corpus generator (`python -m benchmarks.corpus`).

- `params`     named probabilities and ranges (with where each value came from)
- `model`      the shared in-memory report: values, printed cell strings, gold, checks
- `names`      agency names with region prefixes
- `labels`     printed label wording with the perturbations real reports show
- `narrative`  the free-text sections 一 … 六 around the tables
- `layout`     the document as blocks; tables as merged-cell grids (official layout)
- `write_txt`, `write_html`, `write_docx`, `write_pdf`: one writer per format
"""
