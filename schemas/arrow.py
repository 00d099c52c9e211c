"""Arrow schemas of the three output tables (reports, values, findings).

The column lists here are the dataset's public contract; docs/data-dictionary.md
describes each column and a test keeps the two in step.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.dictionary import with_dictionary

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
        # Who reported (extractors.region): names as in the official 行政区划, GB/T 2260 code
        pa.field("province", pa.string()),
        pa.field("prefecture", pa.string()),
        pa.field("county", pa.string()),
        pa.field("township", pa.string()),  # 镇 / 乡 / 街道 named in the agency's name
        pa.field("adcode", pa.string()),  # 6-digit code of the lowest division identified
        pa.field("admin_level", pa.string()),  # national / provincial / prefecture / county / township
        pa.field("agency_kind", pa.string()),  # government / office / department / township / other
        pa.field("parent_government", pa.string()),  # the 人民政府 the agency answers to
        pa.field("region_source", pa.string()),  # name / zone / text / url: what decided the region
        pa.field("gazetteer_version", pa.string()),  # schemas/gazetteer/source.json's version
        pa.field("agency_id", pa.string()),  # panel id: one agency across years and name variants
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

# ---- derived tables (issue #15), rebuilt from the committed dataset after each run ------------
AGENCIES = pa.schema(
    [
        pa.field("agency_id", pa.string(), nullable=False),
        pa.field("agency", pa.string()),  # the canonical name of the latest report
        pa.field("names", pa.list_(pa.string())),  # every canonical name its reports give
        pa.field("names_printed", pa.list_(pa.string())),
        pa.field("province", pa.string()),
        pa.field("prefecture", pa.string()),
        pa.field("county", pa.string()),
        pa.field("township", pa.string()),
        pa.field("adcode", pa.string()),
        pa.field("admin_level", pa.string()),
        pa.field("agency_kind", pa.string()),
        pa.field("parent_government", pa.string()),
        pa.field("years", pa.list_(pa.int32())),
        pa.field("first_year", pa.int32()),
        pa.field("last_year", pa.int32()),
        pa.field("n_reports", pa.int32()),
        pa.field("report_ids", pa.list_(pa.string())),
    ]
)

LABELS = pa.schema(
    [
        pa.field("table", pa.string(), nullable=False),
        pa.field("row", pa.string(), nullable=False),
        pa.field("column", pa.string(), nullable=False),
        pa.field("variable", pa.string(), nullable=False),  # the wide table's column name
        pa.field("stata_name", pa.string(), nullable=False),  # the same within Stata's 32 characters
        pa.field("table_label", pa.string()),  # 收到和处理政府信息公开申请情况
        pa.field("row_label", pa.string()),  # the official label path, levels joined by '/'
        pa.field("column_label", pa.string()),
        pa.field("label_zh", pa.string()),  # row and column label together
        pa.field("label_en", pa.string()),
        pa.field("templates", pa.list_(pa.string())),  # the templates that print the cell
        pa.field("unit", pa.string()),
    ]
)

# Each file carries its part of the data dictionary (schemas/dictionary.py, issue #15).
REPORTS, VALUES, FINDINGS = (with_dictionary(s, name) for s, name in
                             ((REPORTS, "reports"), (VALUES, "values"), (FINDINGS, "findings")))
AGENCIES, LABELS = with_dictionary(AGENCIES, "agencies"), with_dictionary(LABELS, "labels")
PANEL_FINDINGS = with_dictionary(FINDINGS, "panel_findings")

TABLE_SCHEMAS = {"reports": REPORTS, "values": VALUES, "findings": FINDINGS}
DERIVED_SCHEMAS = {"agencies": AGENCIES, "labels": LABELS, "panel_findings": PANEL_FINDINGS}
