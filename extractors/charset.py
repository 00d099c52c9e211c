"""Text decoding: one place that turns a document's bytes into text.

`decode_text` decodes plain-text reports (BOMs, strict UTF-8, strict GB18030, then
detection).
"""

from __future__ import annotations

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
