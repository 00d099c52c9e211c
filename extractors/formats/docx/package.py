"""Opening a .docx package safely: the zip checked for bombs before anything is
inflated, relationships and content types read, the main part parsed once by a
hardened XML parser.

The package is read directly (relationships, content types, one XML parse of the
main part) rather than through python-docx's ``Package.open``, which parses every
XML part (styles, settings, fonts, theme) and costs ~9 ms per report, more than the
rest of the extraction.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

from extractors.errors import DocumentTooLarge, EmptyDocument, UnreadableDocument, UnsupportedFormat
from extractors.formats.docx.ooxml import WS

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

# Signatures of things that arrive named .docx but are something else.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A hardened parser for the package's XML: no entity expansion, no DTD or network
# loads, and libxml2's default size/depth limits (huge_tree off).
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

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


@dataclass
class MainPart:
    """The parsed main document part of a package."""

    part: str  # its name in the zip, e.g. word/document.xml
    blob: bytes  # its bytes (scanned for list and style references)
    root: object  # its parsed w:document element
    rels: dict[str, str]  # the package relationships (type suffix -> part name)


def check_container(data: bytes, name: str) -> zipfile.ZipFile:
    """Refuse what is not a sane docx zip before anything is inflated; return the zip."""
    zf = _open_zip(data, name)
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


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    if not data:
        raise EmptyDocument(f"{name}: empty file")
    if data.startswith(_OLE2_MAGIC):
        raise UnsupportedFormat(f"{name}: legacy OLE2 Word/WPS binary (.doc/.wps), not a .docx zip")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        if data.startswith(b"%PDF"):
            raise UnreadableDocument(f"{name}: named .docx but is a PDF, not a zip") from exc
        if data.startswith(b"PK"):
            raise UnreadableDocument(f"{name}: corrupt or truncated zip ({exc})") from exc
        raise UnreadableDocument(f"{name}: not a zip container, so not a .docx ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - zipfile raises assorted errors on junk
        raise UnreadableDocument(f"{name}: unreadable zip ({type(exc).__name__}: {exc})") from exc


# --- reading parts ----------------------------------------------------------------------


def read_bytes(zf: zipfile.ZipFile, member: str, name: str) -> bytes | None:
    """A member's bytes, None if the zip has no such member."""
    try:
        return zf.read(member)
    except KeyError:
        return None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnreadableDocument(f"{name}: corrupt zip member {member} ({exc})") from exc


def _parse(blob: bytes, member: str, name: str):
    try:
        return etree.fromstring(blob, PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"{name}: {member} is not well-formed XML ({exc})") from exc


def _read_xml(zf: zipfile.ZipFile, member: str, name: str):
    blob = read_bytes(zf, member, name)
    return None if blob is None else _parse(blob, member, name)


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


def part_targets(zf: zipfile.ZipFile, main: str, kinds: tuple[str, ...], name: str) -> dict[str, str]:
    """Part names of `kinds` (e.g. numbering, styles) as the main part's relationships give
    them; Word's default names next to the main part where they say nothing."""
    folder, _, base = main.rpartition("/")
    prefix = folder + "/" if folder else ""
    parts = {kind: f"{prefix}{kind}.xml" for kind in kinds}
    rels = read_bytes(zf, f"{prefix}_rels/{base}.rels", name)
    if rels is None:
        return parts
    try:
        root = etree.fromstring(rels, PARSER)
    except etree.XMLSyntaxError:
        return parts
    if root is None:
        return parts
    for rel in root.iter(_REL_NS + "Relationship"):
        rtype = rel.get("Type") or ""
        kind = rtype.rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        if kind in parts and rel.get("TargetMode") != "External" and target:
            parts[kind] = target.lstrip("/") if target.startswith("/") else prefix + target
    return parts


def open_main(zf: zipfile.ZipFile, name: str) -> MainPart:
    """Find, check and parse the main document part."""
    rels = _package_rels(zf, name)
    main = _main_part_name(zf, rels, name)
    _check_content_type(zf, main, name)
    blob = read_bytes(zf, main, name)
    if blob is None:
        raise UnreadableDocument(f"{name}: main part {main} is missing")
    root = _parse(blob, main, name)
    return MainPart(main, blob, root, rels)


def _main_part_name(zf: zipfile.ZipFile, rels: dict[str, str], name: str) -> str:
    names = set(zf.namelist())
    main = rels.get("/officeDocument")
    if main is None or main not in names:
        if "word/document.xml" not in names:
            raise UnreadableDocument(
                f"{name}: zip holds no Word main document (no officeDocument relationship, "
                f"no word/document.xml); not a .docx"
            )
        main = "word/document.xml"
    return main


def _check_content_type(zf: zipfile.ZipFile, main: str, name: str) -> None:
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


def core_title(zf: zipfile.ZipFile, main: MainPart, name: str) -> str | None:
    """The title in the core properties (docProps/core.xml), if any."""
    try:
        core = _read_xml(zf, main.rels.get(_REL_CORE, "docProps/core.xml"), name)
    except UnreadableDocument:
        return None  # a broken docProps/core.xml must not lose the body
    if core is not None:
        el = core.find(_DC_TITLE)
        if el is not None and el.text and el.text.strip(WS):
            return el.text.strip(WS)
    return None
