"""Text decoding: one place that turns a document's bytes into text.

`decode_text` decodes plain-text reports (BOMs, strict UTF-8, strict GB18030, then
detection); `decode_html_document` decodes an HTML report for the HTML reader (BOM,
declared charset, UTF-8, lenient, detection, with notes); `decode_html` decodes a page
the crawler fetched (HTTP charset, <meta charset>, UTF-8, GB18030).
"""

from __future__ import annotations

import codecs
import re

from extractors.errors import UnreadableDocument

# How many leading bytes are inspected for binary content (a text report's title block).
SNIFF_BYTES = 8192
# Share of control characters (other than tab/newline/CR/form feed) above which decoded
# "text" is really binary. 0.5%: the seeds have none; binary files decoded as GB18030 show >5%.
MAX_CONTROL_SHARE = 0.005
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # control characters other than \t \n \f \r
# Encodings tried in order, strictly: UTF-8 first (most reports), then GB18030, a superset of GBK/GB2312.
TEXT_ENCODINGS = ("utf-8", "gb18030")


def decode_text(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode text bytes: BOMs, strict UTF-8, strict GB18030, then detection.

    Returns (text, encoding). Raises UnreadableDocument for binary content.
    """
    if b"\x00" in data[:SNIFF_BYTES] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableDocument(f"{name}: binary content (NUL bytes), not a text report")
    if data.startswith(b"\xef\xbb\xbf"):
        text, enc = data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, enc = data.decode("utf-16"), "utf-16"
    else:
        text = enc = None
        for candidate in TEXT_ENCODINGS:
            try:
                text, enc = data.decode(candidate), candidate
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            if best is None:
                raise UnreadableDocument(f"{name}: bytes decode as no known text encoding (binary?)")
            text, enc = str(best), best.encoding
    sample = text[:SNIFF_BYTES]
    controls = len(_CONTROL_RE.findall(sample))
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        raise UnreadableDocument(f"{name}: binary content ({controls} control characters in the first "
                                 f"{len(sample)}), not a text report")
    return text, enc


# --- HTML pages --------------------------------------------------------------------

# How far into the bytes to look for <meta charset> / http-equiv. Browsers look at the
# first 1024 bytes; Word-exported pages put long <style> blocks first, so look further.
CHARSET_SCAN_BYTES = 64 * 1024
# A declared charset that leaves at most this many undecodable byte sequences (or one
# per thousand characters) is kept, decoding leniently, rather than replaced by a guess.
MAX_BAD_SEQUENCES = 3
# Bytes looked at when guessing a charset (charset-normalizer is slow on whole pages).
DETECT_SAMPLE_BYTES = 200_000
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:\-]+)", re.I)

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
_SINGLE_BYTE_WESTERN = frozenset({"iso8859-1", "latin-1", "cp1252", "ascii"})



def _norm_charset(label: str) -> str | None:
    """Python codec name for a declared charset label, or None if unknown."""
    label = label.strip().lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in ("big5", "big5-hkscs", "x-x-big5", "cn-big5"):
        return "big5hkscs"
    if label in ("unicode", "utf8"):
        return "utf-8"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html_document(data: bytes, name: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Decode an HTML report page; return (text, how, notes) (the HTML reader's decoder)."""
    notes: list[tuple[str, str]] = []
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            text = data[len(bom) :].decode(enc, errors="replace")
            if enc != "utf-8":
                notes.append(("encoding", f"html {enc} from byte-order mark"))
            return text, f"{enc} (BOM)", notes

    head = data[:CHARSET_SCAN_BYTES]
    declared_label = None
    source = None
    m = _XML_ENCODING.search(head)
    if m:
        declared_label, source = m.group(1).decode("ascii", "replace"), "xml declaration"
    m = _META_CHARSET.search(head)
    if m:
        declared_label, source = m.group(1).decode("ascii", "replace"), "meta"
    declared = _norm_charset(declared_label) if declared_label else None
    if declared_label and declared is None:
        notes.append(("encoding", f"html charset {declared_label!r} from {source} is unknown; detecting"))

    if declared and not (declared in _SINGLE_BYTE_WESTERN and _has_high_bytes(data)):
        try:
            text = data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            if declared != "utf-8":
                label = declared_label.lower()
                as_ = f" (decoded as {declared})" if label != declared else ""
                notes.append(("encoding", f"html charset {label} from {source}{as_}"))
            return text, f"{declared} ({source})", notes

    # Undeclared, or the declaration does not fit the bytes.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared and declared != "utf-8":
            notes.append(
                (
                    "encoding",
                    f"html declares {declared_label.lower()} ({source}) but the bytes are utf-8; read as utf-8",
                )
            )
        return text, "utf-8" + (" (declaration ignored)" if declared else " (undeclared)"), notes

    # A few bad bytes (a truncated character, a pasted fragment) in an otherwise valid
    # page: keep the declared charset, else utf-8, decoding leniently. With many bad
    # bytes the label is simply wrong (a GBK page labelled utf-8) and a guess is made.
    limit = max(MAX_BAD_SEQUENCES, len(data) // 1000)
    candidates = [declared] if declared and declared not in _SINGLE_BYTE_WESTERN else []
    if "utf-8" not in candidates:
        candidates.append("utf-8")
    for enc in candidates:
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if bad <= limit:
            if enc == declared:
                what = f"html charset {declared_label.lower()} from {source} (decoded as {enc})"
            elif declared:
                what = f"html declares {declared_label.lower()} ({source}) but reads as {enc}"
            else:
                what = f"html charset undeclared, read as {enc}"
            msg = f"{what}; {bad} undecodable byte sequence(s) replaced"
            notes.append(("encoding", msg))
            return text, f"{enc} (lenient)", notes
    guess = _detect(data)
    enc = guess or "gb18030"
    text = data.decode(enc, errors="replace")
    what = f"detected {enc}" if guess else "no charset found; decoded as gb18030"
    if declared:
        what = f"declared {declared_label.lower()} does not fit the bytes; {what}"
    notes.append(("encoding", f"html {what}"))
    return text, f"{enc} (detected)" if guess else "gb18030 (fallback)", notes


def _has_high_bytes(data: bytes) -> bool:
    return any(b > 0x7F for b in data[:200_000])


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _detect(data: bytes) -> str | None:
    """Guess the charset of undeclared (or wrongly declared) bytes.

    Pages here are Chinese: bytes that decode strictly as GB18030 into mostly CJK
    characters are GB18030; anything else goes to charset-normalizer, whose answer is
    mapped to a codec name (GBK family -> gb18030).
    """
    sample = data[:DETECT_SAMPLE_BYTES]
    text = sample.decode("gb18030", errors="replace")
    # A cut sample may end inside a character: allow one replacement there.
    allowed = 1 if len(data) > len(sample) else 0
    if text.count("\ufffd") > allowed:
        text = None
    if text is not None:
        non_ascii = len(_NON_ASCII.findall(text))
        if non_ascii and len(_CJK.findall(text)) >= 0.8 * non_ascii:
            return "gb18030"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - detection is best effort
        return None
    if best is None:
        return None
    return _norm_charset(best.encoding.replace("_", "-")) or best.encoding


# --- pages the crawler fetches -------------------------------------------------------


def _meta_charset(head: bytes) -> str | None:
    m = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", head, re.I)
    return m.group(1).decode("ascii", "ignore") if m else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # GB2312/GBK pages routinely use characters outside their charset: read as the superset.
    return "gb18030" if name in ("gb2312", "gbk") else name


def decode_html(data: bytes, header_charset: str | None = None) -> str:
    """Text of an HTML page: the HTTP charset, then <meta charset>, then UTF-8, then GB18030,
    each tried strictly; the first declared charset with replacement as the last resort."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    declared = [c for c in (_codec(header_charset), _codec(_meta_charset(data[:CHARSET_SCAN_BYTES]))) if c]
    for enc in dict.fromkeys([*declared, "utf-8", "gb18030"]):
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared[0] if declared else "utf-8", errors="replace")
