"""Word's automatic paragraph numbering: what Word prints before a numbered paragraph.

Report headings (一、总体情况) and table labels (1．属于国家秘密) are often generated
by a list style instead of typed; without this they would lose their numbers.
`load_numbering` reads the list definitions (numbering.xml, and the numbering of the
paragraph styles the body uses) only when some paragraph can be numbered;
`Numbering.label` renders a paragraph's number, advancing the list counters.
"""

from __future__ import annotations

import re
import zipfile

from lxml import etree

from extractors.formats.docx.ooxml import (
    W_ABSTRACTNUM,
    W_ABSTRACTNUMID,
    W_ILVL,
    W_ISLGL,
    W_LVL,
    W_LVLOVERRIDE,
    W_LVLTEXT,
    W_NUM,
    W_NUMFMT,
    W_NUMID,
    W_NUMPR,
    W_PPR,
    W_PSTYLE,
    W_START,
    W_STARTOVERRIDE,
    W_SUFF,
    W_VAL,
    int_attr,
    int_val,
)
from extractors.formats.docx.package import PARSER, part_targets, read_bytes

# --- number formats ---------------------------------------------------------------------

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


def format_number(n: int, fmt: str) -> str:
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


# --- list definitions ---------------------------------------------------------------------


class Numbering:
    """Word's automatic paragraph numbering (numbering.xml), rendered as printed.

    Supported: the common number formats, lvlText templates, start values,
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
                int_attr(lvl, W_ILVL): self._level(lvl) for lvl in an.iter(W_LVL)
            }
        for num in numbering_root.iter(W_NUM):
            aid = num.find(W_ABSTRACTNUMID)
            starts: dict[int, int] = {}
            levels: dict[int, tuple] = {}
            for ov in num.iter(W_LVLOVERRIDE):
                ilvl = int_attr(ov, W_ILVL)
                so = ov.find(W_STARTOVERRIDE)
                if so is not None:
                    starts[ilvl] = int_val(so, 1)
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
            int_val(lvl.find(W_START), 1),
            lvl.find(W_ISLGL) is not None,
            "" if suffix == "nothing" else " ",
        )

    def label(self, p) -> str:
        """The number Word prints before paragraph `p`, advancing the list counters."""
        ref = self._reference(p)
        if ref is None:
            return ""
        num_id, ilvl = ref
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
            return format_number(n, "decimal" if is_lgl and lv != ilvl else lfmt)

        label = _LVL_PLACEHOLDER.sub(sub, text)
        return label + suffix if label else ""

    def _reference(self, p) -> tuple[str, int | None] | None:
        """(numId, ilvl) of paragraph `p`, from its own numPr or its style; None if unnumbered."""
        if not len(p) or p[0].tag != W_PPR:
            return None
        ppr = p[0]
        num_id = ilvl = None
        numpr = ppr.find(W_NUMPR)
        if numpr is not None:
            nid = numpr.find(W_NUMID)
            il = numpr.find(W_ILVL)
            num_id = nid.get(W_VAL) if nid is not None else None
            ilvl = int_val(il) if il is not None else None
        if num_id is None:
            ps = ppr.find(W_PSTYLE)
            if ps is None or not self.style_num:
                return None
            snum, slvl = self.style_num.get(ps.get(W_VAL), (None, None))
            if snum is None:
                return None
            num_id = snum
            if ilvl is None:
                ilvl = slvl
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return None
        return num_id, ilvl


def load_numbering(zf: zipfile.ZipFile, main: str, main_blob: bytes, name: str) -> Numbering | None:
    """The document's list definitions, when any paragraph can be numbered (else None).

    Only read when numbering.xml exists and a numPr occurs in the body or in a style
    the body uses, so documents without lists pay (almost) nothing.
    """
    parts = part_targets(zf, main, ("numbering", "styles"), name)
    num_blob = read_bytes(zf, parts["numbering"], name)
    if num_blob is None:
        return None
    used_styles = set(_PSTYLE_RE.findall(main_blob))
    style_num: dict[str, tuple[str | None, int | None]] = {}
    if used_styles:
        styles_blob = read_bytes(zf, parts["styles"], name)
        if styles_blob is not None and b"numPr" in styles_blob:
            style_num = _style_numbering(styles_blob, used_styles)
    if b"numPr" not in main_blob and not style_num:
        return None
    try:
        num_root = etree.fromstring(num_blob, PARSER)
    except etree.XMLSyntaxError:
        return None  # broken list definitions: read the text without numbers
    return Numbering(num_root, style_num)

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


