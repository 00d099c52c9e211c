"""Text decoding: one place that turns a document's bytes into text.

`decode` is the one decoder. Every caller gives it what it knows: the bytes, the
charset an HTTP response declared (the crawler), whether to look for markup
declarations (``<meta charset>``, ``<?xml encoding?>``: HTML pages) and whether a
near fit may be decoded with replacement characters (``lenient``: pages, which must
always yield some text) or nothing but an exact fit is accepted (plain-text reports,
which are refused when no encoding fits). One fallback order, first fit wins:

1. a byte-order mark (UTF-8, UTF-16 LE/BE), decoded with replacement;
2. the declared charsets, strictly: HTTP first, then the markup declaration (a
   single-byte Western label on bytes with high bytes is not trusted: servers and
   templates send ISO-8859-1 for pages that are not);
3. UTF-8, strictly;
4. lenient only: a declared legacy charset (not UTF-8) with at most a few bad bytes;
5. GB18030, strictly (a superset of GBK and GB2312, the legacy encodings of the reports);
6. lenient only: UTF-8 with at most a few bad bytes;
7. detection (GB18030 for mostly-CJK text, else charset-normalizer);
8. lenient: GB18030 with replacement; strict: `UnreadableDocument`.

The result names the codec used, why it was chosen and, for pages, notes for the
document's report. `decode_text` (the .txt reader), `decode_html_document` (the
HTML reader) and `decode_html` (the crawler) are thin wrappers that keep their
callers' signatures.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from extractors.errors import UnreadableDocument

# How many leading bytes are inspected for markup (formats.sniff) and binary content.
# 8 KiB covers an HTML page's <head> and a text report's title block.
SNIFF_BYTES = 8192
# Share of control characters (other than tab/newline/CR/form feed) above which decoded
# "text" is really binary. 0.5%: the seeds have none; binary files decoded as GB18030 show >5%.
MAX_CONTROL_SHARE = 0.005
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # control characters other than \t \n \f \r

# How far into the bytes to look for <meta charset> / http-equiv. Browsers look at the
# first 1024 bytes; Word-exported pages put long <style> blocks first, so look further.
CHARSET_SCAN_BYTES = 64 * 1024
# A declared charset that leaves at most this many undecodable byte sequences (or one
# per thousand characters) is kept, decoding leniently, rather than replaced by a guess.
MAX_BAD_SEQUENCES = 3
# Bytes looked at when guessing a charset (charset-normalizer is slow on whole pages),
# and when checking whether a page declared Western single-byte has any high bytes.
DETECT_SAMPLE_BYTES = 200_000
# Share of a GB18030 reading's non-ASCII characters that must be CJK (ideographs,
# CJK and full-width punctuation) for undeclared bytes to be taken as GB18030.
MIN_CJK_SHARE = 0.8

# One <meta charset=...> / <meta http-equiv content="...; charset=..."> pattern.
# [^<>]: a tag ends at the next "<" too, so unclosed <meta tags cost linear time, not quadratic.
_META_CHARSET = re.compile(rb"<meta\b[^<>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:\-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The names the .txt reader has always reported for text read by its byte-order mark
# (Python's BOM-reading codecs), kept so its `detail` does not change.
_TXT_BOM_LABELS = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}

# Declared names that are all decoded as GB18030 (a superset of GB2312 and GBK);
# browsers do the same for gb2312/gbk labels.
_GB_FAMILY = frozenset(
    {
        "gb2312",
        "gbk",
        "gb_2312-80",
        "gb_2312",
        "x-gbk",
        "cp936",
        "ms936",
        "euc-cn",
        "csgb2312",
        "chinese",
        "iso-ir-58",
        "gb18030",
    }
)
_BIG5_FAMILY = frozenset({"big5", "big5-hkscs", "x-x-big5", "cn-big5"})
# Python codec names of labels that often mislabel pages written in another charset.
_SINGLE_BYTE_WESTERN = frozenset({"iso8859-1", "latin-1", "cp1252", "ascii"})

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass
class Decoded:
    """Decoded text, the Python codec used, why it was chosen, and notes for a report."""

    text: str
    encoding: str
    # "BOM", "http", "meta", "xml declaration", "undeclared", "declaration ignored",
    # "lenient", "detected" or "fallback".
    source: str
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def how(self) -> str:
        """One phrase for a document's detail, e.g. ``gb18030 (meta)``."""
        return f"{self.encoding} ({self.source})"


@dataclass(frozen=True)
class _Declaration:
    label: str  # as declared, lower-cased
    codec: str  # the Python codec it is read with
    source: str  # "http", "meta" or "xml declaration"


def normalize_charset(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None if unknown.

    GB2312/GBK labels (and their aliases) read as GB18030 and Big5 as Big5-HKSCS,
    the supersets: pages routinely use characters outside their declared charset.
    Labels of codecs that are not text encodings (base64, rot13) are unknown.
    """
    if not label:
        return None
    label = label.strip().lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in _BIG5_FAMILY:
        return "big5hkscs"
    if label in ("unicode", "utf8"):
        return "utf-8"
    try:
        name = codecs.lookup(label).name
        "".encode(name)  # LookupError for bytes-to-bytes codecs
    except LookupError:
        return None
    return "gb18030" if name in ("gb2312", "gbk") else name


def decode(
    data: bytes,
    *,
    http_charset: str | None = None,
    markup: bool = False,
    lenient: bool = False,
    name: str = "",
) -> Decoded:
    """Decode `data` in the module's fallback order; see the module docstring.

    Raises UnreadableDocument when not `lenient` and no encoding fits exactly.
    """
    kind = "html" if markup else "text"
    found = _from_bom(data, kind)
    if found is not None:
        return found
    notes: list[tuple[str, str]] = []
    declared = _declarations(data, http_charset, markup, notes, kind)
    high_bytes = not data[:DETECT_SAMPLE_BYTES].isascii()
    attempt = _Attempt(
        data=data,
        kind=kind,
        declared=declared,
        trusted=[d for d in declared if not (high_bytes and d.codec in _SINGLE_BYTE_WESTERN)],
        limit=max(MAX_BAD_SEQUENCES, len(data) // 1000),
        notes=notes,
    )
    for step, when in _ORDER:
        if when is None or when == lenient:
            found = step(attempt)
            if found is not None:
                return found
    raise UnreadableDocument(f"{name}: bytes decode as no known text encoding (binary?)")


@dataclass
class _Attempt:
    """What the steps know about the bytes being decoded."""

    data: bytes
    kind: str  # "html" or "text", the first word of the notes
    declared: list[_Declaration]  # known declared charsets, HTTP first
    trusted: list[_Declaration]  # those worth a try (see `_SINGLE_BYTE_WESTERN`)
    limit: int  # bad byte sequences a near fit may have
    notes: list[tuple[str, str]]


# --- the steps (each returns Decoded, or None to go on) -------------------------------


def _from_bom(data: bytes, kind: str) -> Decoded | None:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            notes = [] if enc == "utf-8" else [("encoding", f"{kind} {enc} from byte-order mark")]
            return Decoded(data[len(bom) :].decode(enc, errors="replace"), enc, "BOM", notes)
    return None


def _declarations(
    data: bytes, http_charset: str | None, markup: bool, notes: list, kind: str
) -> list[_Declaration]:
    """The known declared charsets, HTTP first; unknown labels get a note."""
    labels: list[tuple[str, str]] = []
    if http_charset and http_charset.strip():
        labels.append((http_charset.strip(), "http"))
    if markup:
        head = data[:CHARSET_SCAN_BYTES]
        m = _META_CHARSET.search(head)
        if m:
            labels.append((m.group(1).decode("ascii", "replace"), "meta"))
        else:
            m = _XML_ENCODING.search(head)
            if m:
                labels.append((m.group(1).decode("ascii", "replace"), "xml declaration"))
    out = []
    for label, source in labels:
        codec = normalize_charset(label)
        if codec is None:
            notes.append(("encoding", f"{kind} charset {label!r} from {source} is unknown; detecting"))
        else:
            out.append(_Declaration(label.lower(), codec, source))
    return out


def _declared_strict(a: _Attempt) -> Decoded | None:
    for d in a.trusted:
        try:
            text = a.data.decode(d.codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if d.codec != "utf-8":
            as_ = f" (decoded as {d.codec})" if d.label != d.codec else ""
            a.notes.append(("encoding", f"{a.kind} charset {d.label} from {d.source}{as_}"))
        return Decoded(text, d.codec, d.source, a.notes)
    return None


def _utf8_strict(a: _Attempt) -> Decoded | None:
    try:
        text = a.data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if a.declared and a.declared[0].codec != "utf-8":
        d = a.declared[0]
        what = f"{a.kind} declares {d.label} ({d.source}) but the bytes are utf-8; read as utf-8"
        a.notes.append(("encoding", what))
    return Decoded(text, "utf-8", "declaration ignored" if a.declared else "undeclared", a.notes)


def _declared_lenient(a: _Attempt) -> Decoded | None:
    """A few bad bytes (a truncated character, a pasted fragment) in a page that is
    otherwise in its declared legacy charset: keep the charset, replacing them."""
    for d in a.trusted:
        if d.codec == "utf-8" or d.codec in _SINGLE_BYTE_WESTERN:
            continue  # a near fit in UTF-8 is weaker evidence than an exact GB18030 fit
        text = a.data.decode(d.codec, errors="replace")
        bad = text.count("\ufffd")
        if bad <= a.limit:
            what = f"{a.kind} charset {d.label} from {d.source} (decoded as {d.codec})"
            a.notes.append(("encoding", f"{what}; {bad} undecodable byte sequence(s) replaced"))
            return Decoded(text, d.codec, "lenient", a.notes)
    return None


def _gb18030_strict(a: _Attempt) -> Decoded | None:
    try:
        text = a.data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    a.notes.append(("encoding", f"{a.kind} {_not_fitting(a)}detected gb18030"))
    return Decoded(text, "gb18030", "detected", a.notes)


def _utf8_lenient(a: _Attempt) -> Decoded | None:
    """UTF-8 with a few bad bytes; with many, the page is in another charset."""
    text = a.data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad > a.limit:
        return None
    as_utf8 = [d for d in a.declared if d.codec == "utf-8"]
    if as_utf8:
        what = f"{a.kind} charset {as_utf8[0].label} from {as_utf8[0].source} (decoded as utf-8)"
    elif a.declared:
        what = f"{a.kind} declares {a.declared[0].label} ({a.declared[0].source}) but reads as utf-8"
    else:
        what = f"{a.kind} charset undeclared, read as utf-8"
    a.notes.append(("encoding", f"{what}; {bad} undecodable byte sequence(s) replaced"))
    return Decoded(text, "utf-8", "lenient", a.notes)


def _detected(a: _Attempt) -> Decoded:
    """The lenient last resort: a guessed charset, else GB18030, with replacement."""
    guess = _detect(a.data)
    text = None
    if guess is not None:
        try:
            text = a.data.decode(guess, errors="replace")
        except LookupError:
            guess = None
    if text is None:
        text = a.data.decode("gb18030", errors="replace")
    what = f"detected {guess}" if guess else "no charset found; decoded as gb18030"
    a.notes.append(("encoding", f"{a.kind} {_not_fitting(a)}{what}"))
    return Decoded(text, guess or "gb18030", "detected" if guess else "fallback", a.notes)


def _detected_strict(a: _Attempt) -> Decoded | None:
    """The strict last resort: charset-normalizer's guess, if it decodes every byte."""
    guess = _normalizer_guess(a.data[:DETECT_SAMPLE_BYTES])
    if guess is None:
        return None
    try:
        return Decoded(a.data.decode(guess), guess, "detected", a.notes)
    except (UnicodeDecodeError, LookupError):
        return None


# The fallback order: (step, None = always / True = only lenient / False = only strict).
_ORDER = (
    (_declared_strict, None),
    (_utf8_strict, None),
    (_declared_lenient, True),
    (_gb18030_strict, None),
    (_utf8_lenient, True),
    (_detected, True),
    (_detected_strict, False),
)


def _not_fitting(a: _Attempt) -> str:
    return f"declared {a.declared[0].label} does not fit the bytes; " if a.declared else ""


def _detect(data: bytes) -> str | None:
    """Guess the charset of undeclared (or wrongly declared) bytes.

    Pages here are Chinese: bytes whose first `DETECT_SAMPLE_BYTES` decode strictly as
    GB18030 into mostly CJK characters are GB18030; anything else goes to
    charset-normalizer.
    """
    sample = data[:DETECT_SAMPLE_BYTES]
    text = sample.decode("gb18030", errors="replace")
    # A cut sample may end inside a character: allow one replacement there.
    allowed = 1 if len(data) > len(sample) else 0
    if text.count("\ufffd") <= allowed:
        non_ascii = len(_NON_ASCII.findall(text))
        if non_ascii and len(_CJK.findall(text)) >= MIN_CJK_SHARE * non_ascii:
            return "gb18030"
    return _normalizer_guess(sample)


def _normalizer_guess(sample: bytes) -> str | None:
    """charset-normalizer's best guess, as a codec name (GBK family -> gb18030)."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - detection is best effort
        return None
    if best is None:
        return None
    return normalize_charset(best.encoding.replace("_", "-")) or best.encoding


# --- the callers' entry points ----------------------------------------------------------


def decode_text(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode a plain-text report: BOMs, strict UTF-8, strict GB18030, then detection.

    Returns (text, encoding). Raises UnreadableDocument for binary content.
    """
    if b"\x00" in data[:SNIFF_BYTES] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableDocument(f"{name}: binary content (NUL bytes), not a text report")
    found = decode(data, name=name)
    sample = found.text[:SNIFF_BYTES]
    controls = len(_CONTROL_RE.findall(sample))
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        raise UnreadableDocument(f"{name}: binary content ({controls} control characters in the first "
                                 f"{len(sample)}), not a text report")
    if found.source == "BOM":
        return found.text, _TXT_BOM_LABELS[found.encoding]
    return found.text, found.encoding


def decode_html_document(data: bytes, name: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Decode an HTML report page; return (text, how, notes) (the HTML reader's decoder)."""
    found = decode(data, markup=True, lenient=True, name=name)
    return found.text, found.how, found.notes


def decode_html(data: bytes, header_charset: str | None = None) -> str:
    """Text of a page the crawler fetched: the HTTP charset wins over <meta charset>
    when both fit the bytes; never fails (a near fit is decoded with replacement)."""
    return decode(data, http_charset=header_charset, markup=True, lenient=True).text
