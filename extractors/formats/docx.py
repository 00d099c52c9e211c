"""Word (.docx) extractor: paragraphs and table grids in reading order.

The package is opened directly (zip directory checked for bombs first, then
relationships, content types and one hardened lxml parse of the main part) and the
body is walked as XML in a single pass. python-docx is deliberately not on the hot
path: its ``Package.open`` parses every XML part (~9 ms per report) and its
``row.cells`` / ``table.cell()`` recompute merges row by row (~60 ms per report);
the whole extraction here takes a few milliseconds. python-docx is used to build
the test fixtures.

Grid contract (shared with the HTML extractor):

* every table row becomes one ``Row(kind="table")`` whose cells cover every grid
  column of that table, left to right (the grid is rectangular: short rows and
  ``w:gridBefore`` / ``w:gridAfter`` positions are padded with ``Cell("")``);
* a cell merged horizontally (``w:gridSpan``, legacy ``w:hMerge``) or vertically
  (``w:vMerge`` restart/continue) has its text repeated in every position it covers;
* whitespace-only cells (ASCII, no-break or full-width ``U+3000`` spaces) are ``""``;
  otherwise each line of a cell is stripped and empty lines are dropped; line breaks
  (``w:br``, ``w:cr``, paragraph ends) inside a cell become ``"\\n"``;
* every cell carries ``table`` (0-based, in document order, nested tables and
  tables in text boxes included), ``row`` and ``col`` (0-based grid position).

Paragraphs become ``Row(kind="text")``, one row per visual line (a soft line break
``w:br`` inside a paragraph starts a new row); empty paragraphs produce no row.

Nested tables: a table whose cells hold other tables and that has a single row or a
single column is a layout wrapper (a box around the report); its cells are unwrapped
and their paragraphs and tables are emitted as if they stood in the body. In any other
table a nested table is emitted as its own table right after the row that holds it
(the outer cell keeps only its own paragraphs' text). Text boxes (``w:txbxContent``)
are emitted right after the paragraph (or table row) they are anchored in.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from lxml import etree

from extractors.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument, UnsupportedFormat
from extractors.records import Cell, RawDocument, Row
from extractors.settings import DEFAULT, Settings

# Safety caps, checked on the zip's central directory BEFORE anything is
# decompressed (zipfile then refuses to inflate a member past its declared size,
# so the declared sizes bound the real work).
# The largest real annual reports seen are a few MB uncompressed, mostly embedded
# screenshots; 100 MB leaves room for picture-heavy reports while keeping a zip bomb
# from exhausting memory on the 24 GiB / 2-core workers.
MAX_UNCOMPRESSED_TOTAL = 100 * 1024 * 1024
# DEFLATE tops out near 1032:1 on degenerate input; Word XML compresses 5-30:1 and
# images hardly at all. A member above this ratio (and above the size floor below,
# so tiny highly-repetitive parts like settings.xml never trip it) is a bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 10 * 1024 * 1024
# A zip with more members than this is not a Word document (a report has ~10-50
# parts, a few hundred with many images) and would only slow the directory scan.
MAX_ZIP_MEMBERS = 10_000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

W_P = _W + "p"
W_TBL = _W + "tbl"
W_TR = _W + "tr"
W_TC = _W + "tc"
W_R = _W + "r"
W_T = _W + "t"
W_TAB = _W + "tab"
W_PTAB = _W + "ptab"
W_BR = _W + "br"
W_CR = _W + "cr"
W_NBHYPHEN = _W + "noBreakHyphen"
W_SDT = _W + "sdt"
W_SDTCONTENT = _W + "sdtContent"
W_CUSTOMXML = _W + "customXml"
W_TXBX = _W + "txbxContent"
W_TCPR = _W + "tcPr"
W_TRPR = _W + "trPr"
W_GRIDSPAN = _W + "gridSpan"
W_VMERGE = _W + "vMerge"
W_HMERGE = _W + "hMerge"
W_GRIDBEFORE = _W + "gridBefore"
W_GRIDAFTER = _W + "gridAfter"
W_TBLGRID = _W + "tblGrid"
W_GRIDCOL = _W + "gridCol"
W_VAL = _W + "val"
W_PPR = _W + "pPr"
W_PSTYLE = _W + "pStyle"
W_NUMPR = _W + "numPr"
W_NUMID = _W + "numId"
W_ILVL = _W + "ilvl"
W_ABSTRACTNUM = _W + "abstractNum"
W_ABSTRACTNUMID = _W + "abstractNumId"
W_NUM = _W + "num"
W_LVL = _W + "lvl"
W_LVLOVERRIDE = _W + "lvlOverride"
W_STARTOVERRIDE = _W + "startOverride"
W_NUMFMT = _W + "numFmt"
W_LVLTEXT = _W + "lvlText"
W_SUFF = _W + "suff"
W_START = _W + "start"
W_ISLGL = _W + "isLgl"
W_TYPE = _W + "type"
# Subtrees whose text a reader does not see at this place: phonetic guides (ruby
# text), moved-from text (shown at its w:moveTo), deleted text, field instructions.
_SKIP = frozenset(
    {_W + "rt", _W + "moveFrom", _W + "del", _W + "delText", _W + "instrText", _W + "pPr", _W + "rPr"}
)
MC_ALT = _MC + "AlternateContent"
MC_CHOICE = _MC + "Choice"
MC_FALLBACK = _MC + "Fallback"

_WS = " \t\r\n\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"

# Signatures of things that arrive named .docx but are something else.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def clean_text(text: str) -> str:
    """Strip each line (ASCII, no-break and full-width spaces) and drop empty lines."""
    if not text:
        return ""
    if "\n" not in text:
        return text.strip(_WS)
    lines = [ln.strip(_WS) for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


class _Walker:
    """One pass over the body: collects rows and plain-text lines."""

    def __init__(self, numbering: _Numbering | None = None) -> None:
        self.numbering = numbering
        self.rows: list[Row] = []
        self.lines: list[str] = []
        self.table_count = 0
        self.textboxes = 0
        self.nested = 0
        self.layout_unwrapped = 0

    # --- blocks -------------------------------------------------------------

    def blocks(self, container) -> None:
        """Walk the block-level children of body / cell / text box / sdtContent."""
        for el in container:
            tag = el.tag
            if tag == W_P:
                self.paragraph(el)
            elif tag == W_TBL:
                self.table(el)
            elif tag == W_SDT:
                content = el.find(W_SDTCONTENT)
                if content is not None:
                    self.blocks(content)
            elif tag == W_CUSTOMXML or tag == W_SDTCONTENT:
                self.blocks(el)
            elif tag == MC_ALT:
                branch = _alt_branch(el)
                if branch is not None:
                    self.blocks(branch)

    def paragraph(self, p) -> None:
        parts: list[str] = []
        boxes: list = []
        if self.numbering is not None:
            parts.append(self.numbering.label(p))
        _inline(p, parts, boxes)
        text = "".join(parts)
        for line in text.split("\n"):
            line = line.strip(_WS)
            if line:
                self.rows.append(Row(kind="text", cells=[Cell(line)]))
                self.lines.append(line)
        for box in boxes:
            self.textboxes += 1
            self.blocks(box)

    # --- tables -------------------------------------------------------------

    def table(self, tbl) -> None:
        trs = list(_children(tbl, W_TR))
        # A table whose cells hold tables and that is one row or one column wide is a
        # layout wrapper around the report: unwrap it.
        if trs and (len(trs) == 1 or all(_count(_children(tr, W_TC)) <= 1 for tr in trs)):
            tcs = [tc for tr in trs for tc in _children(tr, W_TC)]
            if any(_holds_table(tc) for tc in tcs):
                self.layout_unwrapped += 1
                for tc in tcs:
                    self.blocks(tc)
                return

        if not trs:
            return
        index = self.table_count
        self.table_count += 1
        ncols = 0
        grid_cols = tbl.find(W_TBLGRID)
        if grid_cols is not None:
            ncols = sum(1 for g in grid_cols if g.tag == W_GRIDCOL)

        prev: list[str] = []  # texts of the previous row's grid
        own_rows: list[Row] = []
        for r, tr in enumerate(trs):
            row_texts: list[str] = []
            origin: list[bool] = []  # True where the position starts a cell (for `text`)
            hcopy: set[int] = set()  # positions repeating a horizontally merged cell
            deferred: list = []  # nested tables and text boxes, emitted after this row
            before = after = 0
            trpr = tr.find(W_TRPR)
            if trpr is not None:
                before = _int_val(trpr.find(W_GRIDBEFORE))
                after = _int_val(trpr.find(W_GRIDAFTER))
            row_texts.extend([""] * before)
            origin.extend([False] * before)
            for tc in _children(tr, W_TC):
                span = 1
                vmerge = None
                hmerge = None
                # w:tcPr is the first child of w:tc when present (schema order).
                if len(tc) and tc[0].tag == W_TCPR:
                    for prop in tc[0]:
                        ptag = prop.tag
                        if ptag == W_GRIDSPAN:
                            span = max(1, _int_val(prop, 1))
                        elif ptag == W_VMERGE:
                            vmerge = prop.get(W_VAL) or "continue"
                        elif ptag == W_HMERGE:
                            hmerge = prop.get(W_VAL) or "continue"
                col = len(row_texts)
                if vmerge == "continue" and r > 0:
                    # Take what the merged cell shows, column by column, from the row above.
                    for k in range(span):
                        c = col + k
                        row_texts.append(prev[c] if c < len(prev) else "")
                        origin.append(False)
                    _cell_text(tc, deferred, self.numbering)  # still collect nested content
                    continue
                text = _cell_text(tc, deferred, self.numbering)
                if hmerge == "continue" and row_texts:
                    text = row_texts[-1]
                    row_texts.extend([text] * span)
                    origin.extend([False] * span)
                    hcopy.update(range(col, col + span))
                    continue
                row_texts.extend([text] * span)
                origin.append(True)
                origin.extend([False] * (span - 1))
                hcopy.update(range(col + 1, col + span))
            row_texts.extend([""] * after)
            origin.extend([False] * after)
            ncols = max(ncols, len(row_texts))
            prev = row_texts
            own_rows.append(self._emit_row(index, r, row_texts, origin, hcopy))
            for kind, el in deferred:
                if kind == "tbl":
                    self.nested += 1
                    self.table(el)
                else:
                    self.textboxes += 1
                    self.blocks(el)
        # Pad earlier rows to the full width (a rectangular grid).
        for r, row in enumerate(own_rows):
            while len(row.cells) < ncols:
                row.cells.append(Cell("", table=index, row=r, col=len(row.cells)))

    def _emit_row(self, index: int, r: int, texts: list[str], origin: list[bool], hcopy: set[int]) -> Row:
        cells = [Cell(t, table=index, row=r, col=c, merged=c in hcopy) for c, t in enumerate(texts)]
        if not cells:
            cells = [Cell("", table=index, row=r, col=0)]
        row = Row(kind="table", cells=cells)
        self.rows.append(row)
        for t, o in zip(texts, origin, strict=True):
            if o and t:
                self.lines.append(t)
        return row


def _children(el, tag: str):
    """Direct children with `tag`, looking through sdt / customXml wrappers."""
    for ch in el:
        t = ch.tag
        if t == tag:
            yield ch
        elif t == W_SDT:
            content = ch.find(W_SDTCONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif t == W_CUSTOMXML:
            yield from _children(ch, tag)


def _count(it) -> int:
    return sum(1 for _ in it)


def _holds_table(tc) -> bool:
    """Whether a cell holds a table as one of its blocks (looking through sdt wrappers)."""
    return next(iter(_children(tc, W_TBL)), None) is not None


def _alt_branch(alt):
    """The branch of an mc:AlternateContent a consumer shows: first Choice, else Fallback."""
    choice = alt.find(MC_CHOICE)
    if choice is not None:
        return choice
    return alt.find(MC_FALLBACK)


def _inline(el, parts: list[str], boxes: list) -> None:
    """Collect the visible text under a paragraph into `parts`.

    Text boxes met on the way are not inlined: their ``w:txbxContent`` elements are
    appended to `boxes` (walked as blocks later). Tables met inside (only possible
    within a text box, which is already cut off) are ignored here.
    """
    for ch in el:
        tag = ch.tag
        if tag == W_T:
            if ch.text:
                parts.append(ch.text)
        elif tag == W_R:
            _inline(ch, parts, boxes)
        elif tag == W_TAB or tag == W_PTAB:
            parts.append("\t")
        elif tag == W_BR or tag == W_CR:
            parts.append("\n")
        elif tag == W_NBHYPHEN:
            parts.append("-")
        elif tag == W_TXBX:
            boxes.append(ch)
        elif tag == MC_ALT:
            branch = _alt_branch(ch)
            if branch is not None:
                _inline(branch, parts, boxes)
        elif tag in _SKIP or not isinstance(tag, str):
            continue
        elif len(ch):
            _inline(ch, parts, boxes)


def _cell_text(tc, deferred: list, numbering: _Numbering | None) -> str:
    """Text of one cell: its paragraphs joined by newlines, cleaned.

    Nested tables and text boxes are appended to `deferred` as ("tbl", el) /
    ("box", el) to be emitted after the row.
    """
    paras: list[str] = []
    _cell_blocks(tc, paras, deferred, numbering)
    return clean_text("\n".join(paras))


def _cell_blocks(container, paras: list[str], deferred: list, numbering: _Numbering | None) -> None:
    for el in container:
        tag = el.tag
        if tag == W_P:
            parts: list[str] = []
            boxes: list = []
            if numbering is not None:
                parts.append(numbering.label(el))
            _inline(el, parts, boxes)
            paras.append("".join(parts))
            deferred.extend(("box", b) for b in boxes)
        elif tag == W_TBL:
            deferred.append(("tbl", el))
        elif tag == W_SDT:
            content = el.find(W_SDTCONTENT)
            if content is not None:
                _cell_blocks(content, paras, deferred, numbering)
        elif tag == W_CUSTOMXML:
            _cell_blocks(el, paras, deferred, numbering)
        elif tag == MC_ALT:
            branch = _alt_branch(el)
            if branch is not None:
                _cell_blocks(branch, paras, deferred, numbering)


# --- automatic numbering (what Word prints before a numbered paragraph) -----------------

_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def _chinese(n: int, digits: str = _CN_DIGITS, ten: str = "十", hundred: str = "百") -> str:
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + ten + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = (
            ""
            if rest == 0
            else (digits[0] + digits[rest] if rest < 10 else _chinese(rest, digits, ten, hundred))
        )
        if 10 <= rest < 20:
            tail = digits[1] + tail
        return digits[n // 100] + hundred + tail
    return str(n)


def _letters(n: int) -> str:
    # Word repeats the letter: A..Z, AA..ZZ, AAA..
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _roman(n: int) -> str:
    out = []
    for v, r in _ROMAN:
        while n >= v:
            out.append(r)
            n -= v
    return "".join(out)


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("decimal", "") or n <= 0:
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "koreanCounting"):  # fmt: skip
        return _chinese(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional", "japaneseLegal"):
        return _chinese(n, _CN_LEGAL, "拾", "佰")
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "decimalEnclosedFullstop"):
        return _CIRCLED[n - 1] if n <= len(_CIRCLED) else str(n)
    if fmt == "decimalEnclosedParen":
        return _PAREN[n - 1] if n <= len(_PAREN) else f"({n})"
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    return str(n)


_LVL_PLACEHOLDER = re.compile(r"%([1-9])")


class _Numbering:
    """Word's automatic paragraph numbering (numbering.xml), rendered as printed.

    Report headings (一、总体情况) and table labels (1．属于国家秘密) are often
    generated by a list style instead of typed; without this they would lose their
    numbers. Supported: the common number formats, lvlText templates, start values,
    per-instance start overrides, level restarts, numbering inherited from paragraph
    styles. Bullets print nothing.
    """

    def __init__(self, numbering_root, style_num: dict[str, tuple[str | None, int | None]]) -> None:
        # abstractNumId -> {ilvl: (numFmt, lvlText, start, isLgl, suffix)}
        self.abstract: dict[str, dict[int, tuple]] = {}
        # numId -> (abstractNumId, {ilvl: start override}, {ilvl: level override})
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, tuple]]] = {}
        self.style_num = style_num
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        for an in numbering_root.iter(W_ABSTRACTNUM):
            self.abstract[an.get(W_ABSTRACTNUMID)] = {
                _int_attr(lvl, W_ILVL): self._level(lvl) for lvl in an.iter(W_LVL)
            }
        for num in numbering_root.iter(W_NUM):
            aid = num.find(W_ABSTRACTNUMID)
            starts: dict[int, int] = {}
            levels: dict[int, tuple] = {}
            for ov in num.iter(W_LVLOVERRIDE):
                ilvl = _int_attr(ov, W_ILVL)
                so = ov.find(W_STARTOVERRIDE)
                if so is not None:
                    starts[ilvl] = _int_val(so, 1)
                lvl = ov.find(W_LVL)
                if lvl is not None:
                    levels[ilvl] = self._level(lvl)
            self.nums[num.get(W_NUMID)] = (aid.get(W_VAL) if aid is not None else "", starts, levels)

    @staticmethod
    def _level(lvl) -> tuple:
        fmt = lvl.find(W_NUMFMT)
        text = lvl.find(W_LVLTEXT)
        suff = lvl.find(W_SUFF)
        suffix = suff.get(W_VAL) if suff is not None else "tab"
        return (
            fmt.get(W_VAL) if fmt is not None else "decimal",
            text.get(W_VAL) if text is not None else None,
            _int_val(lvl.find(W_START), 1),
            lvl.find(W_ISLGL) is not None,
            "" if suffix == "nothing" else " ",
        )

    def label(self, p) -> str:
        """The number Word prints before paragraph `p`, advancing the list counters."""
        if not len(p) or p[0].tag != W_PPR:
            return ""
        ppr = p[0]
        num_id = ilvl = None
        numpr = ppr.find(W_NUMPR)
        if numpr is not None:
            nid = numpr.find(W_NUMID)
            il = numpr.find(W_ILVL)
            num_id = nid.get(W_VAL) if nid is not None else None
            ilvl = _int_val(il) if il is not None else None
        if num_id is None:
            ps = ppr.find(W_PSTYLE)
            if ps is None or not self.style_num:
                return ""
            snum, slvl = self.style_num.get(ps.get(W_VAL), (None, None))
            if snum is None:
                return ""
            num_id = snum
            if ilvl is None:
                ilvl = slvl
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return ""
        ilvl = max(0, min(ilvl or 0, 8))
        aid, starts, overrides = self.nums[num_id]
        levels = {**self.abstract.get(aid, {}), **overrides}
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for lv, start in starts.items():
                if 0 <= lv < 9:
                    counters[lv] = start - 1
        fmt, text, start, _lgl, suffix = levels[ilvl]
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        if fmt in ("bullet", "none") or text is None:
            return ""
        is_lgl = levels[ilvl][3]

        def sub(m: re.Match) -> str:
            lv = int(m.group(1)) - 1
            n = counters[lv] if counters[lv] is not None else levels.get(lv, ("decimal", None, 1))[2]
            lfmt = levels.get(lv, ("decimal",))[0]
            return _format_number(n, "decimal" if is_lgl and lv != ilvl else lfmt)

        label = _LVL_PLACEHOLDER.sub(sub, text)
        return label + suffix if label else ""


def _int_attr(el, attr: str, default: int = 0) -> int:
    try:
        return int(el.get(attr))
    except (TypeError, ValueError):
        return default


def _int_val(el, default: int = 0) -> int:
    if el is None:
        return default
    try:
        return int(el.get(W_VAL))
    except (TypeError, ValueError):
        return default


def _check_container(data: bytes, name: str) -> zipfile.ZipFile:
    """Refuse what is not a sane docx zip before anything is inflated; return the zip."""
    if not data:
        raise EmptyDocument(f"{name}: empty file")
    if data.startswith(_OLE2_MAGIC):
        raise UnsupportedFormat(f"{name}: legacy OLE2 Word/WPS binary (.doc/.wps), not a .docx zip")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        if data.startswith(b"%PDF"):
            raise UnreadableDocument(f"{name}: named .docx but is a PDF, not a zip") from exc
        if data.startswith(b"PK"):
            raise UnreadableDocument(f"{name}: corrupt or truncated zip ({exc})") from exc
        raise UnreadableDocument(f"{name}: not a zip container, so not a .docx ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - zipfile raises assorted errors on junk
        raise UnreadableDocument(f"{name}: unreadable zip ({type(exc).__name__}: {exc})") from exc
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise DocumentTooLarge(
            f"{name}: zip has {len(infos)} members (cap {MAX_ZIP_MEMBERS}); not a plausible .docx"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise DocumentTooLarge(
                f"{name}: zip bomb suspected: member {info.filename!r} declares {info.file_size} bytes "
                f"from {info.compress_size} compressed (ratio {ratio:.0f}:1, cap {MAX_COMPRESSION_RATIO}:1)"
            )
    if total > MAX_UNCOMPRESSED_TOTAL:
        raise DocumentTooLarge(
            f"{name}: zip declares {total} bytes uncompressed (cap {MAX_UNCOMPRESSED_TOTAL})"
        )
    return zf


# A hardened parser for the package's XML: no entity expansion, no DTD or network
# loads, and libxml2's default size/depth limits (huge_tree off).
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_REL_CORE = "/metadata/core-properties"
# Main-part content types of Word documents: .docx, .dotx, .docm, .dotm.
_WORD_MAIN_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    }
)


def _read_bytes(zf: zipfile.ZipFile, member: str, name: str) -> bytes | None:
    try:
        return zf.read(member)
    except KeyError:
        return None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnreadableDocument(f"{name}: corrupt zip member {member} ({exc})") from exc


def _parse(blob: bytes, member: str, name: str):
    try:
        return etree.fromstring(blob, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"{name}: {member} is not well-formed XML ({exc})") from exc


def _read_xml(zf: zipfile.ZipFile, member: str, name: str):
    try:
        return etree.fromstring(zf.read(member), _PARSER)
    except KeyError:
        return None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnreadableDocument(f"{name}: corrupt zip member {member} ({exc})") from exc
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"{name}: {member} is not well-formed XML ({exc})") from exc


def _package_rels(zf: zipfile.ZipFile, name: str) -> dict[str, str]:
    """Relationship type suffix -> part name, from the package's _rels/.rels."""
    rels = _read_xml(zf, "_rels/.rels", name)
    out: dict[str, str] = {}
    if rels is None:
        return out
    for rel in rels.iter(_REL_NS + "Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        rtype = rel.get("Type") or ""
        target = (rel.get("Target") or "").lstrip("/")
        key = rtype[rtype.rfind("/") :] if "/" in rtype else rtype
        if rtype.endswith(_REL_CORE):
            key = _REL_CORE
        out.setdefault(key, target)
    return out


def _open(zf: zipfile.ZipFile, name: str):
    """Find and parse the main document part; return (document element, core title, numbering).

    The package is read directly (relationships, content types, one XML parse of the
    main part) rather than through python-docx's ``Package.open``, which parses every
    XML part (styles, settings, fonts, theme) and costs ~9 ms per report, more than
    the rest of the extraction.
    """
    rels = _package_rels(zf, name)
    names = set(zf.namelist())
    main = rels.get("/officeDocument")
    if main is None or main not in names:
        if "word/document.xml" not in names:
            raise UnreadableDocument(
                f"{name}: zip holds no Word main document (no officeDocument relationship, "
                f"no word/document.xml); not a .docx"
            )
        main = "word/document.xml"
    types = _read_xml(zf, "[Content_Types].xml", name)
    if types is None:
        raise UnreadableDocument(f"{name}: zip has no [Content_Types].xml; not an OOXML package")
    ctype = None
    for ov in types.iter(_CT_NS + "Override"):
        if (ov.get("PartName") or "").lstrip("/").lower() == main.lower():
            ctype = ov.get("ContentType")
            break
    if ctype is not None and ctype not in _WORD_MAIN_TYPES:
        raise UnreadableDocument(f"{name}: not a Word document (main part {main} is {ctype})")
    blob = _read_bytes(zf, main, name)
    if blob is None:
        raise UnreadableDocument(f"{name}: main part {main} is missing")
    root = _parse(blob, main, name)
    numbering = _load_numbering(zf, main, blob, name)
    title = None
    core_name = rels.get(_REL_CORE, "docProps/core.xml")
    try:
        core = _read_xml(zf, core_name, name)
    except UnreadableDocument:
        core = None  # a broken docProps/core.xml must not lose the body
    if core is not None:
        el = core.find(_DC_TITLE)
        if el is not None and el.text and el.text.strip(_WS):
            title = el.text.strip(_WS)
    return root, title, numbering


def _load_numbering(zf: zipfile.ZipFile, main: str, main_blob: bytes, name: str) -> _Numbering | None:
    """The document's list definitions, when any paragraph can be numbered (else None).

    Only read when numbering.xml exists and a numPr occurs in the body or in a style
    the body uses, so documents without lists pay (almost) nothing.
    """
    folder, _, base = main.rpartition("/")
    prefix = folder + "/" if folder else ""
    rels_name = f"{prefix}_rels/{base}.rels"
    parts = {"numbering": prefix + "numbering.xml", "styles": prefix + "styles.xml"}
    rels = _read_bytes(zf, rels_name, name)
    if rels is not None:
        try:
            root = etree.fromstring(rels, _PARSER)
        except etree.XMLSyntaxError:
            root = None
        if root is not None:
            for rel in root.iter(_REL_NS + "Relationship"):
                rtype = rel.get("Type") or ""
                kind = rtype.rsplit("/", 1)[-1]
                target = rel.get("Target") or ""
                if kind in parts and rel.get("TargetMode") != "External" and target:
                    parts[kind] = target.lstrip("/") if target.startswith("/") else prefix + target
    num_blob = _read_bytes(zf, parts["numbering"], name)
    if num_blob is None:
        return None
    used_styles = set(_PSTYLE_RE.findall(main_blob))
    style_num: dict[str, tuple[str | None, int | None]] = {}
    if used_styles:
        styles_blob = _read_bytes(zf, parts["styles"], name)
        if styles_blob is not None and b"numPr" in styles_blob:
            style_num = _style_numbering(styles_blob, used_styles)
    if b"numPr" not in main_blob and not style_num:
        return None
    try:
        num_root = etree.fromstring(num_blob, _PARSER)
    except etree.XMLSyntaxError:
        return None  # broken list definitions: read the text without numbers
    return _Numbering(num_root, style_num)


_PSTYLE_RE = re.compile(rb'<w:pStyle\s+w:val="([^"]+)"')
_BASEDON_RE = re.compile(rb'<w:basedOn\s+w:val="([^"]+)"')
_NUMID_RE = re.compile(rb'<w:numId\s+w:val="(\d+)"')
_ILVL_RE = re.compile(rb'<w:ilvl\s+w:val="(\d+)"')


def _style_numbering(styles_blob: bytes, used: set[bytes]) -> dict[str, tuple[str | None, int | None]]:
    """Numbering (numId, ilvl) of the paragraph styles the body uses, via their basedOn chains.

    Word's styles.xml runs to hundreds of KB (latent styles, table styles) and parsing
    it would cost more than the body; only the few style elements the body names are
    looked up, by their serialized form (Word always writes the ``w:`` prefix).
    """
    chunks: dict[bytes, bytes] = {}

    def chunk(sid: bytes) -> bytes | None:
        if sid not in chunks:
            i = styles_blob.find(b'w:styleId="' + sid + b'"')
            start = styles_blob.rfind(b"<w:style ", 0, i) if i >= 0 else -1
            end = styles_blob.find(b"</w:style>", i) if i >= 0 else -1
            chunks[sid] = styles_blob[start:end] if start >= 0 and end >= 0 else b""
        return chunks[sid] or None

    out: dict[str, tuple[str | None, int | None]] = {}
    for sid in used:
        cur: bytes | None = sid
        seen: set[bytes] = set()
        while cur is not None and cur not in seen:
            seen.add(cur)
            c = chunk(cur)
            if c is None:
                break
            if b"numPr" in c:
                nid = _NUMID_RE.search(c)
                lvl = _ILVL_RE.search(c)
                out[sid.decode("utf-8", "replace")] = (
                    nid.group(1).decode() if nid else None,
                    int(lvl.group(1)) if lvl else None,
                )
                break
            m = _BASEDON_RE.search(c)
            cur = m.group(1) if m else None
    return out


def extract(data: bytes, name: str, settings: Settings = DEFAULT) -> RawDocument:
    """Read a .docx into rows (paragraphs and table grids in reading order) and text."""
    zf = _check_container(data, name)
    with zf:
        element, title, numbering = _open(zf, name)
    body = element.find(_W + "body")
    if body is None:
        raise UnreadableDocument(f"{name}: word/document.xml has no w:body")
    walker = _Walker(numbering)
    walker.blocks(body)
    text = "\n".join(walker.lines)
    if not text.strip():
        raise EmptyDocument(f"{name}: the document holds no text")
    notes: list[tuple[str, str]] = []
    if walker.nested:
        notes.append(("docx_nested_table", f"{walker.nested} table(s) nested in table cells"))
    if walker.layout_unwrapped:
        notes.append(
            ("docx_layout_table", f"{walker.layout_unwrapped} layout table(s) around content unwrapped")
        )
    if walker.textboxes:
        notes.append(("docx_textbox", f"{walker.textboxes} text box(es) read in anchor order"))
    detail = f"ooxml package, XML walk; {walker.table_count} table(s)"
    return RawDocument(
        format="docx",
        rows=walker.rows,
        text=text,
        detail=detail,
        notes=notes,
        title_hint=title,
    )
