"""Small string-level helpers for editing OOXML packages without re-serialising them.

Parsing a part into a tree and writing it back changes namespace prefixes, attribute order and
whitespace, and `mc:Ignorable` lists that name prefixes then no longer match. So the annotator
edits the few parts it has to change as text: it finds tags with a regex that respects quoted
attribute values, and it inserts or replaces whole elements. Parts it does not change are copied
as raw compressed bytes (`copy_member_raw`), so they stay byte for byte what the user had.
"""

from __future__ import annotations

import html
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

try:  # ISA-L's deflate: 4x faster than zlib at the same ratio (batch only, not the add-in)
    from isal import isal_zlib as _deflate
except ImportError:  # pragma: no cover - isal is a dependency; zlib keeps the code working
    _deflate = zlib  # type: ignore[assignment]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# A tag with quoted attribute values (which may contain '>'), a comment, CDATA or a processing
# instruction. Group 1: '/' of an end tag; 2: qualified name; 3: attributes; 4: '/' if empty.
_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
TAG_RE = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rf"|<(/?)({_NAME})((?:\s+{_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.DOTALL,
)
_ATTR_RE = re.compile(rf"({_NAME})\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag found in a part: its span, local name, prefix and kind."""

    start: int
    end: int
    prefix: str  # "" or "x:" (with the colon), ready to prepend to a new element's name
    local: str
    closing: bool
    empty: bool
    attrs_text: str

    @property
    def attrs(self) -> dict[str, str]:
        return parse_attrs(self.attrs_text)


def iter_tags(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Tag]:
    """Start, end and empty-element tags of `text` (comments, CDATA and PIs skipped)."""
    for m in TAG_RE.finditer(text, pos, len(text) if endpos is None else endpos):
        name = m.group(2)
        if name is None:
            continue
        prefix, _, local = name.rpartition(":")
        yield Tag(
            m.start(),
            m.end(),
            f"{prefix}:" if prefix else "",
            local,
            bool(m.group(1)),
            bool(m.group(4)),
            m.group(3) or "",
        )


def find_tag(text: str, local: str, pos: int = 0, *, closing: bool = False) -> Tag | None:
    """The first start (or end) tag with local name `local` at or after `pos`."""
    for tag in iter_tags(text, pos):
        if tag.local == local and tag.closing == closing:
            return tag
    return None


def element_span(text: str, start_tag: Tag) -> tuple[int, int]:
    """Span of the whole element that `start_tag` opens (same-name nesting respected)."""
    if start_tag.empty:
        return start_tag.start, start_tag.end
    depth = 0
    for tag in iter_tags(text, start_tag.start):
        if tag.local != start_tag.local or tag.prefix != start_tag.prefix:
            continue
        if tag.closing:
            depth -= 1
            if depth == 0:
                return start_tag.start, tag.end
        elif not tag.empty:
            depth += 1
    raise ValueError(f"element <{start_tag.prefix}{start_tag.local}> is not closed")


def top_level_children(text: str, start: int, end: int) -> Iterator[Tag]:
    """Start tags of the elements directly inside `text[start:end]` (a parent's content)."""
    depth = 0
    for tag in iter_tags(text, start, end):
        if tag.closing:
            depth -= 1
            continue
        if depth == 0:
            yield tag
        if not tag.empty:
            depth += 1


def parse_attrs(attrs_text: str) -> dict[str, str]:
    return {
        m.group(1): html.unescape(m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTR_RE.finditer(attrs_text)
    }


def set_attr(tag_text: str, name: str, value: str | None) -> str:
    """`tag_text` (a whole start tag) with attribute `name` set to `value` (None: removed)."""
    pattern = re.compile(rf"\s{re.escape(name)}\s*=\s*(?:\"[^\"]*\"|'[^']*')")
    tag_text = pattern.sub("", tag_text, count=1)
    if value is None:
        return tag_text
    cut = len(tag_text) - (2 if tag_text.endswith("/>") else 1)
    return f'{tag_text[:cut].rstrip()} {name}="{escape_attr(value)}"{tag_text[cut:]}'


def ns_prefix(text: str, namespace: str, default: str | None = None) -> str | None:
    """The prefix (with colon, "" for the default namespace) bound to `namespace` in `text`."""
    m = re.search(rf"xmlns(?::([\w.\-]+))?\s*=\s*[\"']{re.escape(namespace)}[\"']", text)
    if m is None:
        return default
    return f"{m.group(1)}:" if m.group(1) else ""


def clean_text(value: str) -> str:
    """Text safe for an OOXML string: XML-illegal characters as `_xHHHH_` escapes, as Excel does."""
    value = _ESCAPE_LIKE.sub("_x005F_", value)
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def escape_text(value: str) -> str:
    return clean_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    value = _ILLEGAL_XML.sub("", value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def resolve_target(base_part: str, target: str) -> str:
    """Part name (no leading slash) of a relationship target relative to `base_part`."""
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


# --- zip level -----------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_DATA_DESCRIPTOR_FLAG = 0x08


def _strip_zip64_extra(extra: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i + 4 <= len(extra):
        header_id, size = struct.unpack_from("<HH", extra, i)
        if header_id != 0x0001:
            out += extra[i : i + 4 + size]
        i += 4 + size
    return bytes(out)


def copy_member_raw(source: BinaryIO, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes unchanged from `source` (the raw zip file) into `out`.

    No decompression, no recompression: the member's data stays exactly what it was, and a
    100 MB sheet costs a file copy. Uses zipfile's writer state (`fp`, `filelist`, `start_dir`);
    falls back to a decompress-and-store copy for anything unusual (encrypted members).
    """
    if info.flag_bits & 0x01:  # encrypted: leave it to zipfile
        with zipfile.ZipFile(source) as zin:
            out.writestr(info, zin.read(info.filename), compress_type=info.compress_type)
        return
    source.seek(info.header_offset)
    fields = _LOCAL_HEADER.unpack(source.read(_LOCAL_HEADER.size))
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = fields[9], fields[10]
    source.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)

    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.extra = _strip_zip64_extra(info.extra)
    new.create_system = info.create_system
    new.create_version = info.create_version
    new.extract_version = info.extract_version
    new.flag_bits = info.flag_bits & ~_DATA_DESCRIPTOR_FLAG
    new.internal_attr = info.internal_attr
    new.external_attr = info.external_attr
    new.CRC = info.CRC
    new.compress_size = info.compress_size
    new.file_size = info.file_size

    fp = out.fp
    assert fp is not None
    zip64 = info.file_size > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT
    new.header_offset = fp.tell()
    fp.write(new.FileHeader(zip64))
    remaining = info.compress_size
    while remaining:
        chunk = source.read(min(remaining, 1 << 20))
        if not chunk:
            raise zipfile.BadZipFile(f"truncated member {info.filename}")
        fp.write(chunk)
        remaining -= len(chunk)
    out.filelist.append(new)
    out.NameToInfo[new.filename] = new
    out.start_dir = fp.tell()


class InflatedMember:
    """A zip member opened for reading, inflated with ISA-L where zipfile would use zlib.

    `read(n)` returns at least one byte until the end (possibly more than `n`); `read()` the
    rest. The CRC is checked at the end, as zipfile does.
    """

    _INPUT = 1 << 18

    def __init__(self, source: BinaryIO, info: zipfile.ZipInfo) -> None:
        self._info = info
        self._source = source
        self._stored = info.compress_type == zipfile.ZIP_STORED
        if (
            info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or info.flag_bits & 1
        ):
            raise NotImplementedError(info.filename)
        source.seek(info.header_offset)
        fields = _LOCAL_HEADER.unpack(source.read(_LOCAL_HEADER.size))
        if fields[0] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename}")
        self._pos = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
        self._remaining = info.compress_size
        self._inflater = None if self._stored else _deflate.decompressobj(-15)
        self._crc = 0
        self._done = False

    def __enter__(self) -> InflatedMember:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _next(self) -> bytes:
        while self._remaining:
            self._source.seek(self._pos)  # the file is shared with zipfile and the raw copier
            raw = self._source.read(min(self._remaining, self._INPUT))
            self._pos += len(raw)
            if not raw:
                raise zipfile.BadZipFile(f"truncated member {self._info.filename}")
            self._remaining -= len(raw)
            data = raw if self._inflater is None else self._inflater.decompress(raw)
            if not self._remaining and self._inflater is not None:
                data += self._inflater.flush()
            if data:
                self._crc = zlib.crc32(data, self._crc)
                return data
        if not self._done:
            self._done = True
            if self._crc != self._info.CRC:
                raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._info.filename!r}")
        return b""

    def read(self, size: int = -1) -> bytes:
        if size >= 0:
            return self._next()
        parts = []
        while chunk := self._next():
            parts.append(chunk)
        return b"".join(parts)


def open_member(zin: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> BinaryIO:
    """`zin.open(info)`, but inflated by ISA-L when possible (the big sheets of a workbook)."""
    if isinstance(info, str):
        info = zin.getinfo(info)
    try:
        assert zin.fp is not None
        return InflatedMember(zin.fp, info)  # type: ignore[arg-type,return-value]
    except NotImplementedError:
        return zin.open(info)


class ParallelDeflateMember:
    """Write one deflated zip member, compressing blocks in worker threads (as pigz does).

    Each block is compressed on its own, primed with the last 32 KiB of the block before it
    (`zdict`) so the ratio stays that of one stream, and ended with a sync flush so the raw
    deflate streams concatenate into one. zlib releases the GIL, so a 100 MB sheet compresses
    on all cores while the main thread decompresses the source. Use as a context manager;
    `write` takes bytes in any sizes.
    """

    BLOCK = 1 << 20
    WINDOW = 1 << 15

    def __init__(self, out: zipfile.ZipFile, info: zipfile.ZipInfo, level: int = 6) -> None:

        self._out = out
        self._info = info
        self._level = level
        self._workers = max(1, min(8, os.cpu_count() or 1))
        self._pool = ThreadPoolExecutor(self._workers)
        self._pending: list[Future[bytes]] = []
        self._buffer = bytearray()
        self._previous_tail = b""
        self._crc = 0
        self._size = 0
        self._compressed = 0
        fp = out.fp
        assert fp is not None
        info.compress_type = zipfile.ZIP_DEFLATED
        info.flag_bits &= ~_DATA_DESCRIPTOR_FLAG
        info.header_offset = fp.tell()
        info.CRC = info.file_size = info.compress_size = 0
        fp.write(info.FileHeader(True))  # zip64 layout now, so the rewrite below fits exactly

    def __enter__(self) -> ParallelDeflateMember:
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if kind is None:
            self.close()
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._buffer += data
        while len(self._buffer) >= self.BLOCK:
            block = bytes(self._buffer[: self.BLOCK])
            del self._buffer[: self.BLOCK]
            self._submit(block, last=False)

    def _submit(self, block: bytes, *, last: bool) -> None:
        self._pending.append(self._pool.submit(self._compress, block, self._previous_tail, last))
        self._previous_tail = block[-self.WINDOW :]
        while len(self._pending) > 2 * self._workers:
            self._emit(self._pending.pop(0).result())

    def _compress(self, block: bytes, zdict: bytes, last: bool) -> bytes:
        # ISA-L knows levels 0-3; its level 1 compresses like zlib's 6 at a multiple of the speed.
        level = min(self._level, 3) if _deflate is not zlib else self._level
        if zdict:
            c = _deflate.compressobj(level, zlib.DEFLATED, -15, 8, 0, zdict)
        else:
            c = _deflate.compressobj(level, zlib.DEFLATED, -15)
        return c.compress(block) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    def _emit(self, data: bytes) -> None:
        fp = self._out.fp
        assert fp is not None
        fp.write(data)
        self._compressed += len(data)

    def close(self) -> None:
        self._submit(bytes(self._buffer), last=True)
        self._buffer.clear()
        for future in self._pending:
            self._emit(future.result())
        self._pending.clear()
        self._pool.shutdown(wait=True)
        info, fp = self._info, self._out.fp
        assert fp is not None
        info.CRC, info.file_size, info.compress_size = self._crc, self._size, self._compressed
        end = fp.tell()
        fp.seek(info.header_offset)
        fp.write(info.FileHeader(True))
        fp.seek(end)
        self._out.filelist.append(info)
        self._out.NameToInfo[info.filename] = info
        self._out.start_dir = end
