"""Named probabilities, shares and ranges of the generator, each with where it came from.

"seeds" means the five real reports in data/raw (s000-s004); "spec" means
schemas/canonical-schema.yaml (its label_variants / cell_conventions record what
was observed in published reports). Values marked "coverage" are not measured
frequencies: they are set high enough that every variant shows up several times
in a 200-document corpus.
"""

from __future__ import annotations

# ---- corpus-level -------------------------------------------------------------------
# One report in seven breaks exactly one template identity on purpose (the issue asks
# for "roughly one report in seven"). Applied per block of 7 consecutive documents,
# so a corpus of 7k documents has exactly k broken ones.
BROKEN_EVERY = 7

# Report years. gb2019 covers 2019-2020, gb2021 2021 onward; no revision after 2021
# was found (spec, templates:), and reports for 2025 exist (published early 2026).
YEARS_GB2019 = (2019, 2020)
YEARS_GB2021 = (2021, 2022, 2023, 2024, 2025)
# Share of gb2019 documents: 2 of the 7 years; 3 of 5 seeds are 2020 reports, so a
# plain 2/7 would under-sample gb2019 - coverage: one third.
P_GB2019 = 1 / 3

# ---- agency kinds ---------------------------------------------------------------------
# Seeds: four of five are small district departments/centres with all-zero tables; the
# gold fixtures (Pingtan, Hongze) are district governments with large counts.
AGENCY_KIND_WEIGHTS = {"gov": 0.22, "bureau": 0.5, "town": 0.14, "center": 0.14}

# Probability that an agency of this kind received no application at all.
# Seeds: 4 of 5 departments print an all-zero table 3 (s001-s004 zero; s000 zero).
P_NO_APPLICATIONS = {"gov": 0.03, "bureau": 0.5, "town": 0.45, "center": 0.7}
# Median of new applications from natural persons, when there are any (Pingtan 2022:
# 74 new; Hongze 2024: 95 new; departments: a handful).
MEDIAN_NATURAL_PERSON = {"gov": 70, "bureau": 4, "town": 3, "center": 2}
# Probability that an organisational applicant column is non-zero given applications
# exist (Pingtan 2020: only 其他 has 1; commercial enterprises are the usual second).
P_ORG_COLUMN_NONZERO = {
    "commercial_enterprise": 0.35,
    "research_institution": 0.05,
    "social_welfare_org": 0.05,
    "legal_service_org": 0.15,
    "other_org": 0.15,
}
P_CARRIED_OVER = 0.3      # coverage; Pingtan 2022 carries 1 over
P_CARRIED_FORWARD = 0.35  # coverage
# Relative weights of the outcome rows (results.* leaves). Shape follows the Pingtan
# and Hongze gold: most disclosed, then not_held / partial, a long tail of rare rows.
RESULT_WEIGHTS = {
    "results.disclosed": 45,
    "results.partially_disclosed": 10,
    "results.withheld.state_secret": 0.3,
    "results.withheld.prohibited_by_law": 0.5,
    "results.withheld.three_safeties": 0.3,
    "results.withheld.third_party_rights": 1,
    "results.withheld.internal_affairs": 1,
    "results.withheld.process_info": 1,
    "results.withheld.enforcement_files": 0.5,
    "results.withheld.admin_query": 0.5,
    "results.unavailable.not_held": 15,
    "results.unavailable.needs_creation": 2,
    "results.unavailable.unclear": 3,
    "results.not_processed.petition": 3,
    "results.not_processed.duplicate": 3,
    "results.not_processed.publication": 0.5,
    "results.not_processed.excessive": 0.5,
    "results.not_processed.confirm_reissue": 1,
    "results.other": 6,
    "results.other.overdue_correction": 3,
    "results.other.unpaid_fee": 0.2,
    "results.other.other": 3,
}
# Probability that review / litigation counts are all zero (seeds: all five are zero;
# Pingtan/Hongze governments have a few cases).
P_NO_REVIEW = {"gov": 0.3, "bureau": 0.8, "town": 0.85, "center": 0.95}

# ---- active disclosure ----------------------------------------------------------------
# Probability that a row of table 2 is non-zero, by agency kind. Only governments of
# cities with districts make 规章 (spec: 設區的市、自治州人民政府應提供相關數據).
P_AD_ROW_NONZERO = {
    "rules": {"gov": 0.08, "bureau": 0.0, "town": 0.0, "center": 0.0},
    "normative_documents": {"gov": 0.9, "bureau": 0.35, "town": 0.3, "center": 0.05},
    "licensing": {"gov": 0.85, "bureau": 0.45, "town": 0.25, "center": 0.05},
    "other_services": {"gov": 0.7, "bureau": 0.3, "town": 0.2, "center": 0.05},
    "punishment": {"gov": 0.85, "bureau": 0.4, "town": 0.3, "center": 0.05},
    "coercion": {"gov": 0.5, "bureau": 0.2, "town": 0.1, "center": 0.02},
    "fees": {"gov": 0.6, "bureau": 0.2, "town": 0.05, "center": 0.05},
    "procurement": {"gov": 0.7, "bureau": 0.35, "town": 0.2, "center": 0.15},
}
# gb2019 本年增/减: share of non-zero rows whose change is negative (Pingtan 2020: two of
# five rows negative, -18 and -15).
P_CHANGE_NEGATIVE = 0.35
# gb2019 procurement amount printed with cents (73802895.90, Pingtan 2020) rather than
# whole yuan (1647000, s001).
P_AMOUNT_WITH_CENTS = 0.4

# ---- printed cell conventions (spec cell_conventions / label_variants.cell_values) -------
P_FULLWIDTH_DIGITS = 0.06     # spec example "１２"; rare - coverage
P_THOUSANDS_SEP = 0.3         # spec example "1,647,000"; applies to numbers >= 1000
P_PADDING = 0.2               # s001 "0　", s003 " 0"
P_PADDED_CELL = 0.3           # share of cells padded in such a document
P_WU_FOR_ZERO = 0.06          # spec none: 无 means 0 - coverage
P_WU_CELL = 0.25              # share of zero cells printed 无 in such a document
P_NA_ROWS = 0.12              # Yangling 2023 规章 row "/", Wuhan 2020 行政强制 "-"
P_BLANK_ZEROS = 0.05          # Changchun Erdao 2022 leaves zero cells of table 3 blank
P_PLUS_SIGN = 0.1             # spec example "+3" for gb2019 本年增/减
P_UNIT_IN_CELL = 0.12         # "73802895.90元" (Pingtan 2020), "9116.36万元" - coverage

# ---- labels (spec label_variants) ---------------------------------------------------------
# Item numbering 1．/1./1、/"1. ": seeds s000/s002 1．, s001/s003 1., s004 "1. ".
ITEM_SEPARATORS = {"．": 0.4, ".": 0.35, "、": 0.1, ". ": 0.15}
# Group numbering （一） vs (一) / "(一) " (s004).
PAREN_STYLES = {"full": 0.8, "ascii": 0.1, "ascii_space": 0.1}
P_SELF_REF_DANWEI = 0.35      # 本单位 for 本机关: s000 and s004 (2 of 5 seeds)
P_LABEL_TYPO = 0.15           # Changchun 三类内容事务, Hongze 行政止公开 - one or two labels
# Reports that print some labels in their own wording (labels.REWORDINGS), and how many: the
# real reports (kewei 2024, Hongze 2024, Pingtan) each print two to eight labels off the
# template; on them the exact-label baseline scores F1 0.87 - coverage: half the documents.
P_LABEL_REWORD = 0.6
LABEL_REWORD_COUNT = (3, 10)
P_LABEL_SPACES = 0.25         # "商业 企业", s002 "收费通知 要求"
P_LABEL_BREAKS = 0.45         # s001/s003 "本年新\n公开数量", "结果\n维持"
P_ASCII_NOTE_PARENS = 0.2     # s004 "(本列数据的勾稽关系为…)"
P_NOTE_BREAK = 0.2            # s001 note broken over two lines
P_CAPTION_VARIANT = 0.25      # s002 "第二十条\t第 （一） 项", Changchun "第二十条 第(一)项"
P_SECTION_ARABIC = 0.2        # s001/s004 "2、 主动公开政府信息情况", "4. 政府信息公开…"
P_TRADITIONAL = 0.07          # spec: a zh-TW converted Wuhan 2020 copy - coverage

# ---- titles -------------------------------------------------------------------------------
# s000/s002 agency on its own line; s001 title split after 政府信息; s003 one line.
TITLE_STYLES = {"one_line": 0.45, "agency_line": 0.3, "split": 0.25}
P_TITLE_NIANDU = 0.3          # "2020年度…年度报告" (Pingtan titles)

# ---- format-specific --------------------------------------------------------------------
P_TXT_TAB_SPLIT = 0.35        # seeds: 1 of 5 (s004) tab-split; raised for coverage
P_TXT_PAGE_BREAK_DAMAGE = 0.6 # of tab-split docs; s004 shows it
P_BOOKMARK_DEBRIS = 0.35      # s001, s002, s003 carry "[bookmark: _GoBack]"
P_CRLF = 0.15                 # Windows line ends - coverage
TXT_ENCODINGS = {"utf-8": 0.55, "utf-8-sig": 0.2, "gbk": 0.25}  # seeds all UTF-8; coverage
HTML_ENCODINGS = {"utf-8": 0.7, "gbk": 0.3}                     # coverage
P_HTML_WORD_EXPORT = 0.6      # Pingtan page.html: Word-exported markup (MsoNormal spans)
P_HTML_SPLIT_SPANS = 0.25     # Pingtan page.html splits "21" into spans "2","1"
P_TABLE2_PER_ITEM = 0.35      # many Word reports print one small table per 第二十条 item
P_TABLE3_SPLIT = 0.25         # table 3 cut into two Word tables - coverage
P_PARAGRAPH_BREAKS_IN_CELL = 0.5  # docx: a label line break as two <w:p> instead of <w:br/>

# ---- converter Markdown (md) ----------------------------------------------------------
# Reports converted from PDF to Markdown by another tool (MinerU, docling, marker, LLM
# pipelines); the real one is tests/fixtures/real/kewei-2024.txt. Coverage values: every
# shape shows up several times among the md documents of a 200-document corpus.
P_MD_TXT_EXTENSION = 0.4      # saved as .txt (kewei-2024 is one); else .md
P_MD_ONE_ROW_TABLES = 0.35    # every data row its own small table under | 类别 | 数据1 | … | 总计 |
P_MD_DISPLACED = 0.45         # table 3 rows printed without their label (kewei: 10 of 25 rows)
P_MD_DISPLACE_ROW = 0.3       # of a displaced document's table-3 rows, each
P_MD_LABEL_AFTER = 0.25       # a displaced label printed after its values (kewei: （二）部分公开)
P_MD_WRAP_LABEL = 0.5         # a displaced label wrapped over two lines (kewei: 5.属于三类内部事务信 / 息)
P_MD_HASH_HEADINGS = 0.6      # section headings written as ## headings (kewei: ## 表二：…)
P_MD_TABLE_CAPTIONS = 0.5     # a ## 表N：… caption before each table (kewei)
P_MD_PADDED_HEADER = 0.3      # table 3's header wider than its rows (kewei: 9 header cells, 7 values)
P_MD_TABLE2_AS_TEXT = 0.3     # table 2's one-value rows as 'label value' text lines (kewei: 行政许可 97)
P_MD_DROPPED_CELL = 0.25      # a converter drops one total cell of table 3 (kewei: carried_forward.total)
P_MD_NO_SEPARATOR = 0.15      # a fragment without its |---| line (LLM output)
MD_WRAP_CHARS = 10            # where a wrapped label breaks (kewei: 9-11 characters a line)

# ---- metadata: titles, agency names, 落款, page furniture (issue #13) ------------------------
# Title shapes seen in real reports (issue #13): year first (2022年昆明市五华区民政局…),
# a year in Chinese numerals after the name (…交通运输局二〇二二年…), a 关于 prefix; the
# rest print agency + year. Coverage: each shape several times in 200 documents.
TITLE_SHAPES = {"standard": 0.55, "year_first": 0.15, "cn_year": 0.1, "guanyu": 0.1, "guanyu_after": 0.1}
P_TITLE_HEADING_MARK = 0.08   # "#沭阳县人民政府…" (converter output kept as text) - coverage
P_TITLE_TRADITIONAL = 0.05    # 武漢市漢陽區… printed in a simplified report (issue #13) - coverage
# The fullest form of the agency's name (what the gold says): with the city (Hongze's
# 淮安市洪泽区人民政府) vs the district alone (4 of 5 seeds).
P_FULL_WITH_CITY = 0.35
# The title prints an abbreviation of the fullest name (市科委 for 上海市科学技术委员会 in
# kewei-2024; 绿园区工信局 in the seeds); the fullest then appears in the opening, the 落款 or
# the page box. Coverage.
P_TITLE_ABBREVIATED = 0.3
P_SIGN_DATE_CN = 0.2          # 落款 dates in Chinese numerals (二〇二五年一月二十日) - coverage
P_SIGNATURE = 0.6             # reports closing with agency + date (3 of 5 seeds; Hongze none)
P_OPENING_NAMES = 0.5         # an opening sentence 本报告由XX编制 / 现将XX…报告如下 (Hongze's form)
# HTML pages with the 政府信息公开目录 metadata box (索引号/发布机构/发文日期 …): most county
# and city portals print one above the article - coverage.
P_PAGE_BOX = 0.7
PAGE_BOX_STYLES = {"pairs_table": 0.5, "cell_table": 0.25, "list": 0.25}
P_PAGE_CHROME_LINE = 0.3      # a short "首页某某局" line above the title (issue #13's glued title)
# txt documents that are an archive's export of a web page: a header block 标题/发布时间/文号/
# 发布机构/栏目 above the text (the Pingtan page.txt files) - coverage.
P_ARCHIVE_HEADER = 0.15
# Documents that are not reports (关于做好…工作的通知) among the txt/html/docx documents;
# never a document broken on purpose, so the one-in-seven count holds. Coverage.
P_NOTICE = 0.03
NOTICE_FORMATS = ("txt", "html", "docx")

# ---- text taken from PDFs (txt style pdf_text; issue #13) ---------------------------------
# Share of .txt documents in the pdf_text style: converters' and pdftotext's output is as
# common on portals as Word's plain-text export (kewei-2024 is one) - coverage.
P_TXT_PDF_TEXT = 0.35
P_PDF_TEXT_SPACES = 0.5        # pdftotext -layout pads with spaces; other tools write tabs - coverage
# Leaf labels at least this long wrap in a PDF table's label column (the Hongze PDF wraps
# its 10-character-and-longer labels: 1．本机关不掌握相关政府信息).
PDF_TEXT_WRAP_MIN_CHARS = 9
P_PDF_TEXT_WRAP_ROW = 0.35     # of the rows with such a label - coverage (Hongze wraps every long one)
P_PDF_TEXT_VALUES_FIRST = 0.4  # values on the label's first line rather than its last - coverage
P_PDF_TEXT_PAGE_SPLIT = 0.5    # one wrapped table-3 label split by a page break, per document - coverage
# A report leaving one non-zero 总计 cell of table 3 blank while its parts are printed (the
# issue's "parts add up to 272" report; gold null for that cell) - coverage.
P_BLANK_TOTAL = 0.05
# Reports in the format before the templates (the 政府信息公开情况统计表 of 2008-2018): portals
# still list them beside the new ones - coverage (a small share; they carry no cells).
P_PRE2019 = 0.03
YEARS_PRE2019 = tuple(range(2008, 2019))  # the 2007 条例 took effect in 2008; gb2019 from 2019
P_PRE2019_CUMULATIVE = 0.6    # the 历年累计 column printed beside 本年度 - coverage
