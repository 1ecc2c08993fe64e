"""XML-level helpers for editing OOXML parts with lxml, and for streaming big worksheets.

Every part the annotator changes is parsed with lxml, which keeps namespace prefixes,
attribute order, comments and whitespace, so an edited part is the user's part plus the edit.
New elements are made in the namespace the part itself uses (looked up from its root, so
Strict OOXML's ``http://purl.oclc.org/ooxml/...`` namespaces work too); an attribute in a
namespace that is not declared where it goes gets its declaration from lxml.

A worksheet can hold a million rows, so it is never parsed whole: `stream_sheet` passes the
part through up to the end of ``sheetData`` with a byte scan that steps over comments, CDATA
sections and processing instructions (a ``</sheetData>`` inside them is not the end), keeps
the small head (before ``sheetData``) and tail (after it), and `Skeleton` parses
``head + <sheetData/> + tail`` for editing and validation. Parts with a DTD or entity
declarations are refused (Excel refuses them too).
"""

from __future__ import annotations

import codecs
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_NS = "http://www.w3.org/XML/1998/namespace"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
#: Strict OOXML namespaces and their transitional counterparts (ISO/IEC 29500-1, annex).
STRICT_TO_TRANSITIONAL = {
    STRICT_MAIN_NS: MAIN_NS,
    STRICT_REL_NS: REL_NS,
    "http://purl.oclc.org/ooxml/drawingml/main": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing": (
        "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    ),
    "http://purl.oclc.org/ooxml/drawingml/chart": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "http://purl.oclc.org/ooxml/officeDocument/sharedTypes": (
        "http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes"
    ),
}
#: Relationship types of a transitional package; Strict uses STRICT_REL_NS as the base.
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

#: Parser for package parts: no network, no entity expansion, no DTD loading, big texts allowed.
PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False, dtd_validation=False
)

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
# A lone surrogate: a byte of a file name that is not UTF-8 (Python's surrogateescape). XML has
# no such character; it is shown as U+FFFD, as `batch.files.shown` does.
_SURROGATE = re.compile("[\ud800-\udfff]")
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*\?>[ \t\r\n]*")
_ENCODING = re.compile(rb"""(\sencoding\s*=\s*(["']))([A-Za-z0-9._-]*)(\2)""")


class XmlFout(ValueError):
    """A part that is not well-formed XML, or carries a DTD; `str()` is the technical detail."""


# --- whole parts ----------------------------------------------------------------------------


def parse_part(data: bytes) -> etree._ElementTree:
    """A part as an lxml tree; raises `XmlFout` when it is not well-formed or has a DTD."""
    head = data[:65536]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise XmlFout("bevat een DTD of entiteitsdeclaratie")
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlFout(str(exc)) from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise XmlFout("bevat een DTD of entiteitsdeclaratie")
    return tree


def serialize_part(tree: etree._ElementTree, original: bytes | None = None) -> bytes:
    """The tree as UTF-8, with the original XML declaration (and the whitespace after it) kept
    byte for byte, or the one Excel writes for a new part. A declaration that names another
    encoding (ISO-8859-1, UTF-16) gets ``UTF-8`` in its place: the bytes are UTF-8 now, and a
    reader that believed the old name would read every accented letter wrong."""
    body = etree.tostring(tree, encoding="UTF-8", xml_declaration=False)
    if original is None:
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body
    encoding = foreign_encoding(original[:512])
    head = original[:512]
    if encoding is not None and encoding.startswith("utf-16"):
        head = head.decode(encoding, "ignore").lstrip("\ufeff").encode("utf-8")
    m = _DECLARATION.match(head)
    return (_utf8_declaration(m.group()) if m is not None else b"") + body


def _utf8_declaration(declaration: bytes) -> bytes:
    """An XML declaration with its encoding pseudo-attribute (if any) saying UTF-8."""
    return _ENCODING.sub(rb"\g<1>UTF-8\g<4>", declaration, count=1)


def foreign_encoding(start: bytes) -> str | None:
    """The encoding of an XML part that is not UTF-8, from its first bytes (byte order mark,
    UTF-16 without one, or the declaration's encoding); None for UTF-8 (or no declaration,
    which means UTF-8). Raises `XmlFout` for an encoding Python does not know.

    >>> foreign_encoding(b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>')
    'iso8859-1'
    >>> foreign_encoding('<?xml version="1.0"?><a/>'.encode("utf-16")), foreign_encoding(b"<a/>")
    ('utf-16', None)
    """
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if start[:4] == b"<\x00?\x00":
        return "utf-16-le"
    if start[:4] == b"\x00<\x00?":
        return "utf-16-be"
    m = _DECLARATION.match(start)
    named = _ENCODING.search(m.group()) if m is not None else None
    if named is None:
        return None
    try:
        name = codecs.lookup(named.group(3).decode("ascii")).name
    except LookupError:
        raise XmlFout(f"onbekende tekenset '{named.group(3).decode('ascii', 'replace')}'") from None
    return None if name == "utf-8" else name


class Utf8Part:
    """A part in another encoding (`foreign_encoding`) read as UTF-8: decoded on the fly, its
    byte order mark dropped and its declaration saying UTF-8. `read(n)` as `InflatedMember`:
    at least one byte until the end (possibly more than `n`), `read()` the rest."""

    def __init__(self, source: BinaryIO, encoding: str, first: bytes = b"") -> None:
        self._source = source
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._pending = first
        self._start = True
        self._done = False

    def read(self, size: int = -1) -> bytes:
        out = []
        while not self._done:
            raw = self._pending or self._source.read(size if size > 0 else 1 << 20)
            self._pending = b""
            try:
                text = self._decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                raise XmlFout(f"tekens die niet in de opgegeven tekenset passen ({exc})") from None
            self._done = not raw
            data = text.encode("utf-8")
            if self._start and data:
                data = data.removeprefix(b"\xef\xbb\xbf")
                m = _DECLARATION.match(data)
                if m is not None:
                    data = _utf8_declaration(m.group()) + data[m.end() :]
                self._start = False
            if data:
                out.append(data)
                if size >= 0:
                    break
        return b"".join(out)

    def __enter__(self) -> Utf8Part:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def namespace_of(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children(element: etree._Element, local: str | None = None) -> list[etree._Element]:
    """Element children (no comments or PIs), optionally only those with local name `local`."""
    return [
        c
        for c in element
        if isinstance(c.tag, str) and (local is None or etree.QName(c).localname == local)
    ]


def child(element: etree._Element, local: str) -> etree._Element | None:
    found = children(element, local)
    return found[0] if found else None


def rel_namespace(root: etree._Element) -> str:
    """The relationships namespace that goes with a part's main namespace (Strict or not)."""
    return STRICT_REL_NS if namespace_of(root) == STRICT_MAIN_NS else REL_NS


def insert_in_order(
    parent: etree._Element, new: etree._Element, order: tuple[str, ...], local: str
) -> None:
    """Insert `new` (local name `local`) into `parent` at its place in the schema's `order`:
    after the last child that comes before it (or is one of its kind), else first."""
    rank = order.index(local)
    before = set(order[: rank + 1])
    position = 0
    for i, c in enumerate(parent):
        if isinstance(c.tag, str) and etree.QName(c).localname in before:
            position = i + 1
    parent.insert(position, new)


def canonical(element: etree._Element) -> tuple[object, ...]:
    """A prefix-independent key of an element (name, attributes, children), for finding an
    element the annotator added in an earlier run."""
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        tuple(canonical(c) for c in element if isinstance(c.tag, str)),
    )


# --- text ---------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Text safe for an OOXML string: XML-illegal characters as `_xHHHH_` escapes, as Excel does
    (a lone surrogate, from a file name that is not UTF-8, as U+FFFD)."""
    value = _ESCAPE_LIKE.sub("_x005F_", _SURROGATE.sub("\ufffd", value))
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def escape_text(value: str) -> str:
    return clean_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    value = _ILLEGAL_XML.sub("", _SURROGATE.sub("\ufffd", value))
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


# --- part names ---------------------------------------------------------------------------


def resolve_target(base_part: str, target: str) -> str:
    """Part name (no leading slash) of a relationship target relative to `base_part`."""
    from urllib.parse import unquote

    target = unquote(target)
    if target.startswith("/"):
        parts: list[str] = []
        segments = target[1:].split("/")
    else:
        parts = base_part.split("/")[:-1]
        segments = target.split("/")
    for segment in segments:
        if segment == "..":
            if parts:
                parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    return "/".join(parts)


def rels_part_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def relative_target(folder: str, part: str) -> str:
    """A relationship target for `part` as seen from a part in `folder`."""
    return part[len(folder) + 1 :] if folder and part.startswith(folder + "/") else f"/{part}"


# --- streamed worksheets -------------------------------------------------------------------

_NAME = rb"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_START_NAME = re.compile(rb"<(" + _NAME + rb")")
_CHUNK = 1 << 20


@dataclass(slots=True)
class SheetParts:
    """A worksheet split around its ``sheetData``: `head` (everything before its start tag,
    XML declaration included), `prefix` ("x:" or "") of the sheetData element, `tail`
    (everything after its end, the root's end tag included) and `body_crc`/`body_size` of the
    sheetData element itself. `found` is False when the part has no sheetData: `head` is then
    the whole part."""

    head: bytes
    prefix: str
    tail: bytes
    found: bool
    body_crc: int = 0
    body_size: int = 0

    def skeleton(self) -> bytes:
        """``head + <sheetData/> + tail``: the part without its rows, for editing and checking."""
        if not self.found:
            return self.head
        return self.head + f"<{self.prefix}sheetData/>".encode() + self.tail


class _Head:
    """Finds the sheetData start tag among the root's children, skipping comments etc."""

    def __init__(self) -> None:
        self.pos = 0
        self.depth = 0
        self.root = ""  # the qualified name of the root element, once its start tag is read

    def scan(self, buf: bytes) -> tuple[int, int, str] | None:
        """(start, end of start tag, prefix) of `<sheetData` in `buf`, or None if more is
        needed; `buf` must always start with the same bytes (it only grows)."""
        while True:
            lt = buf.find(b"<", self.pos)
            if lt == -1:
                self.pos = len(buf)
                return None
            if buf.startswith(b"<!--", lt):
                end = buf.find(b"-->", lt + 4)
                step = 3
            elif buf.startswith(b"<![CDATA[", lt):
                end = buf.find(b"]]>", lt + 9)
                step = 3
            elif buf.startswith(b"<?", lt):
                end = buf.find(b"?>", lt + 2)
                step = 2
            elif buf.startswith(b"<!", lt):
                if len(buf) - lt < 9:
                    self.pos = lt
                    return None
                raise XmlFout("bevat een DTD of entiteitsdeclaratie")
            else:
                end, closing = _tag_end(buf, lt)
                if end == -1:
                    self.pos = lt
                    return None
                if closing:
                    self.depth -= 1
                    self.pos = end
                    continue
                m = _START_NAME.match(buf, lt)
                if m is None:
                    raise XmlFout(f"onleesbare tag op positie {lt}")
                name = m.group(1).decode("ascii", "replace")
                prefix, _, local = name.rpartition(":")
                empty = buf[end - 2 : end] == b"/>"
                if self.depth == 0:
                    self.root = name
                if self.depth == 1 and local == "sheetData":
                    return lt, end, f"{prefix}:" if prefix else ""
                if not empty:
                    self.depth += 1
                self.pos = end
                continue
            if end == -1:
                self.pos = lt
                return None
            self.pos = end + step


def _tag_end(buf: bytes, lt: int) -> tuple[int, bool]:
    """End (exclusive) of the tag starting at `lt`, quotes respected, and whether it is an
    end tag; -1 if `buf` ends first."""
    closing = buf.startswith(b"</", lt)
    i = lt + 1
    n = len(buf)
    while i < n:
        gt = buf.find(b">", i)
        if gt == -1:
            return -1, closing
        dq = buf.find(b'"', i, gt)
        sq = buf.find(b"'", i, gt)
        quotes = [q for q in (dq, sq) if q != -1]
        if not quotes:
            return gt + 1, closing
        q = min(quotes)
        close = buf.find(buf[q : q + 1], q + 1)
        if close == -1:
            return -1, closing
        i = close + 1
    return -1, closing


#: Edits a worksheet's head: (head, sheetData's prefix, the root's qualified name) -> new head.
HeadEdit = Callable[[bytes, str, str], bytes]


def stream_sheet(
    src: BinaryIO,
    write: Callable[[bytes], object],
    *,
    chunk: int | None = None,
    edit_head: HeadEdit | None = None,
) -> SheetParts:
    """Pass a worksheet part through `write` up to the end of its sheetData element.

    `write` gets the head (through `edit_head` when given: see `edit_sheet_head`) and the whole
    sheetData element, unchanged; the caller writes a new tail. `SheetParts.head` is the head
    as read. When the part has no sheetData, nothing is written and `head` holds the whole part.
    A part in another encoding (UTF-16, ISO-8859-1) is passed as UTF-8, its declaration saying
    so (`Utf8Part`). Raises `XmlFout` for a DTD, an unknown encoding or bytes that do not fit
    it, or a sheetData that is not closed.
    """
    from batch._zip import crc32

    size = chunk or _CHUNK
    buf = b""
    head = _Head()
    found = None
    while found is None:
        data = src.read(size)
        if not data:
            return SheetParts(buf, "", b"", False)
        if not buf and (encoding := foreign_encoding(data[:512])) is not None:
            src = Utf8Part(src, encoding, data)  # the part as UTF-8 (transcoded)
            data = src.read(size)
        buf += data
        found = head.scan(buf)
    start, end, prefix = found
    head_bytes = buf[:start]
    write(edit_head(head_bytes, prefix, head.root) if edit_head else head_bytes)
    crc = 0
    body = 0

    def emit(piece: bytes) -> None:
        nonlocal crc, body
        if piece:
            crc = crc32(piece, crc)
            body += len(piece)
            write(piece)

    if buf[end - 2 : end] == b"/>":
        emit(buf[start:end])
        return SheetParts(head_bytes, prefix, buf[end:] + src.read(), True, crc, body)
    end_tag = f"</{prefix}sheetData".encode()
    keep = len(end_tag) + 16
    emit(buf[start:end])
    buf = buf[end:]
    pos = 0
    while True:
        stop = buf.find(end_tag, pos)
        at = _markup_before(buf, pos, len(buf) if stop == -1 else stop)
        if at != -1:  # a comment, CDATA section or PI comes first: step over it
            if buf.startswith(b"<!--", at):
                close, step = buf.find(b"-->", at + 4), 3
            elif buf.startswith(b"<![CDATA[", at):
                close, step = buf.find(b"]]>", at + 9), 3
            elif buf.startswith(b"<?", at):
                close, step = buf.find(b"?>", at + 2), 2
            elif len(buf) - at < 9:
                close, step = -1, 0
            else:
                raise XmlFout(f"onverwachte markering '<!' in sheetData op positie {at}")
            if close != -1:
                pos = close + step
                continue
            more = src.read(size)
            if not more:
                raise XmlFout("sheetData is niet afgesloten")
            emit(buf[:at])
            buf = buf[at:] + more
            pos = 0
            continue
        if stop != -1:
            after = buf[stop + len(end_tag) : stop + len(end_tag) + 1]
            if after == b"":
                more = src.read(size)
                if not more:
                    raise XmlFout("sheetData is niet afgesloten")
                buf += more
                continue
            if after in (b">", b" ", b"\t", b"\r", b"\n"):
                gt = buf.find(b">", stop)
                while gt == -1:
                    more = src.read(size)
                    if not more:
                        raise XmlFout("sheetData is niet afgesloten")
                    buf += more
                    gt = buf.find(b">", stop)
                emit(buf[: gt + 1])
                return SheetParts(head_bytes, prefix, buf[gt + 1 :] + src.read(), True, crc, body)
            pos = stop + 1
            continue
        more = src.read(size)
        if not more:
            raise XmlFout("sheetData is niet afgesloten")
        cut = max(pos, len(buf) - keep)
        if buf[cut - 1 : cut] == b"<":  # never split a "<!" or "<?" across the cut
            cut -= 1
        emit(buf[:cut])
        buf = buf[cut:] + more
        pos = 0


def read_head(src: BinaryIO, *, chunk: int | None = None) -> tuple[bytes, str, str] | None:
    """A worksheet's head without reading its rows: (everything before sheetData, sheetData's
    prefix, the root's qualified name); None when the part has no sheetData."""
    size = chunk or _CHUNK
    buf = b""
    head = _Head()
    while True:
        data = src.read(size)
        if not data:
            return None
        buf += data
        found = head.scan(buf)
        if found is not None:
            start, _end, prefix = found
            return buf[:start], prefix, head.root


def edit_sheet_head(
    head: bytes, prefix: str, root: str, edit: Callable[[etree._Element], bool]
) -> bytes:
    """`head` (a worksheet up to sheetData, see `read_head`) after `edit` changed its elements.

    The head is parsed with an empty sheetData and the root closed, `edit` gets the root
    element and returns whether it changed anything; the result is the edited tree serialised
    up to the sheetData placeholder (the XML declaration kept, as `serialize_part` does).
    Raises `XmlFout` when the head is not well-formed.
    """
    closed = head + f"<{prefix}sheetData/></{root}>".encode()
    tree = parse_part(closed)
    if not edit(tree.getroot()):
        return head
    placeholder = child(tree.getroot(), "sheetData")
    assert placeholder is not None
    token = uuid.uuid4().hex
    placeholder.set("jeugdhulpsplit", token)
    text = serialize_part(tree, closed)
    at = text.index(f'jeugdhulpsplit="{token}"'.encode())
    return text[: text.rindex(b"<", 0, at)]


_TAB_SELECTED = re.compile(
    rb"(<(?:[A-Za-z_][\w.\-]*:)?sheetView\b[^>]*?)\s+tabSelected\s*=\s*([\"'])(?:1|true)\2"
)


def unselect_head(head: bytes, prefix: str, root: str) -> bytes:
    """A worksheet head (see `read_head`) with its tab unselected: only the ``tabSelected``
    attribute is cut from the bytes, everything else stays byte for byte. The result is
    parsed to make sure; a head the cut does not fully unselect is edited with lxml instead
    (`edit_sheet_head`). Raises `XmlFout` when the head is not well-formed."""
    cut = _TAB_SELECTED.sub(rb"\1", head)
    still = False

    def probe(element: etree._Element) -> bool:
        nonlocal still
        still = clear_tab_selected(element)
        return False

    edit_sheet_head(cut, prefix, root, probe)
    if still:
        return edit_sheet_head(head, prefix, root, clear_tab_selected)
    return cut


def clear_tab_selected(root: etree._Element) -> bool:
    """Unselect the sheet's tab in every view of a worksheet or chart sheet (`tabSelected`);
    whether one was selected."""
    changed = False
    for views in children(root, "sheetViews"):
        for view in children(views, "sheetView"):
            if view.get("tabSelected") in ("1", "true"):
                del view.attrib["tabSelected"]
                changed = True
    return changed


def _markup_before(buf: bytes, start: int, stop: int) -> int:
    """Position of the first ``<!`` or ``<?`` in `buf[start:stop]`, else -1.

    Searches for the rare second byte (memchr speed) and checks the byte before it: a
    two-byte `find` would stop at every ``<`` of the sheet.
    """
    found = -1
    for mark in (b"!", b"?"):
        i = buf.find(mark, start, stop)
        while i != -1:
            if i > 0 and buf[i - 1 : i] == b"<":
                found = i - 1 if found == -1 else min(found, i - 1)
                break
            i = buf.find(mark, i + 1, stop)
    return found


class Skeleton:
    """A worksheet's skeleton (head + empty sheetData + tail) parsed for editing.

    `root` is the worksheet element; `sheet_data` the placeholder. `new_tail()` serialises the
    edited tree and returns only what follows the placeholder: the bytes to write after the
    unchanged sheetData element. Without sheetData in the part, `whole()` gives the whole
    edited part instead.
    """

    def __init__(self, parts: SheetParts) -> None:
        self.parts = parts
        self.tree = parse_part(parts.skeleton())
        self.root = self.tree.getroot()
        self.sheet_data = child(self.root, "sheetData")

    def new_tail(self) -> bytes:
        assert self.sheet_data is not None and self.parts.found
        token = uuid.uuid4().hex
        self.sheet_data.set("jeugdhulpsplit", token)
        try:
            text = etree.tostring(self.tree, encoding="UTF-8", xml_declaration=False)
        finally:
            del self.sheet_data.attrib["jeugdhulpsplit"]
        at = text.index(f'jeugdhulpsplit="{token}"'.encode())
        end = text.index(b"/>", at) + 2
        return text[end:]

    def whole(self) -> bytes:
        return serialize_part(self.tree, self.parts.head)
