"""Arrow schemas of the three output tables (reports, values, findings).

The column lists here are the dataset's public contract; docs/data-dictionary.md
describes each column and a test keeps the two in step.
"""

from __future__ import annotations

import pyarrow as pa

REPORTS = pa.schema(
    [
        pa.field("report_id", pa.string(), nullable=False),  # sha256 of the document's bytes
        pa.field("source_path", pa.string(), nullable=False),  # relative to the input folder, POSIX
        pa.field("source_paths", pa.list_(pa.string())),  # every path holding these exact bytes
        pa.field("source_url", pa.string()),  # where a crawl fetched it (null for uploads)
        pa.field("format", pa.string()),  # sniffed from content: txt / docx / html / pdf / ...
        pa.field("format_detail", pa.string()),  # e.g. encoding used, text layout style
        pa.field("template", pa.string()),  # gb2019 / gb2021 / null
        pa.field("template_evidence", pa.string()),
        pa.field("year", pa.int32()),
        pa.field("agency", pa.string()),  # canonical: simplified, no year / title words / marks
        pa.field("agency_printed", pa.string()),  # the winning name as the report prints it
        pa.field("agency_source", pa.string()),  # title / signature / opening / page_box / first_line
        pa.field("agency_alternatives", pa.list_(pa.string())),  # other canonical names the report gives
        pa.field("published_on", pa.date32()),  # the page's 发布日期 (else the 落款 date)
        pa.field("index_number", pa.string()),  # 索引号 of the page's metadata box
        pa.field("title", pa.string()),
        pa.field("status", pa.string(), nullable=False),  # ok / partial / not_a_report / failed / ...
        pa.field("error", pa.string()),
        pa.field("n_values", pa.int32()),
        pa.field("n_findings", pa.int32()),
        pa.field("cells_expected", pa.int32()),
        pa.field("cells_found", pa.int32()),
        pa.field("tables_found", pa.list_(pa.string())),
        pa.field("checks_passed", pa.int32()),  # arithmetic checks of the spec that hold
        pa.field("checks_failed", pa.int32()),
        pa.field("low_score_share", pa.float64()),  # share of matched cells whose label scored < 0.9
        pa.field("size_bytes", pa.int64()),
        pa.field("extracted_at", pa.timestamp("us", tz="UTC")),
        pa.field("extractor_version", pa.string()),
    ]
)

VALUES = pa.schema(
    [
        pa.field("report_id", pa.string(), nullable=False),
        pa.field("table", pa.string(), nullable=False),
        pa.field("row", pa.string()),  # canonical key; null for a row whose label matched nothing
        pa.field("column", pa.string()),  # canonical key; null where the column could not be named
        pa.field("value", pa.float64()),
        pa.field("value_kind", pa.string(), nullable=False),  # number / blank / not_applicable / unreadable
        pa.field("raw_value", pa.string()),
        pa.field("raw_row_label", pa.string()),
        pa.field("raw_column_label", pa.string()),
        pa.field("match_score", pa.float64()),  # 0..1 similarity of raw_row_label to the canonical label
        pa.field("page", pa.int32()),  # null where the format has no pages
        pa.field("source_table", pa.int32()),  # index of the source table in the document, where known
        pa.field("source_row", pa.int32()),
        pa.field("source_col", pa.int32()),
        pa.field("seq", pa.int32(), nullable=False),  # order of the cell in the document
        pa.field("ocr_confidence", pa.float64()),  # 0..1 recogniser confidence of an OCR'd cell; null otherwise
    ]
)

FINDINGS = pa.schema(
    [
        pa.field("report_id", pa.string(), nullable=False),
        pa.field("check", pa.string(), nullable=False),  # a spec check id or a finding kind
        pa.field("severity", pa.string(), nullable=False),  # info / warning / error
        pa.field("table", pa.string()),
        pa.field("row", pa.string()),
        pa.field("column", pa.string()),
        pa.field("message", pa.string(), nullable=False),
        pa.field("detail", pa.string()),  # JSON: candidates, raw text, expected/printed figures
    ]
)

TABLE_SCHEMAS = {"reports": REPORTS, "values": VALUES, "findings": FINDINGS}
