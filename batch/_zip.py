"""Zip-level reading and writing of a workbook package, laid out the way Excel writes it.

Excel writes every member with its real CRC-32 and sizes in the local file header, no data
descriptor (general-purpose flag bit 3 clear), and the ZIP64 extension only for a member that
really exceeds 4 GiB; readers that trust the local headers (Excel among them) reject packages
with needless ZIP64 local headers (zlib-ng/minizip-ng#894, duckdb/duckdb-excel#64). So:

- `copy_member_raw` copies a member's compressed bytes unchanged under a fresh local header:
  an untouched part stays byte for byte what the user had, at the cost of a file copy;
- `ParallelDeflateMember` streams one rewritten member (a big worksheet) through deflate on
  several threads; whether it needs ZIP64 is decided up front from the source's size, the
  header is written, the data streamed, and the same-size header rewritten with the real CRC
  and sizes;
- `InflatedMember` reads a member with ISA-L and refuses to inflate past a limit, whatever the
  sizes in the zip claim (they can lie), and checks the CRC at the end.

Only `zipfile`'s writer state (`fp`, `filelist`, `NameToInfo`, `start_dir`) is used beyond its
public API; `zipfile` writes the central directory.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

try:  # ISA-L's deflate: 4x faster than zlib at the same ratio (batch only, not the add-in)
    from isal import isal_zlib as _deflate
except ImportError:  # pragma: no cover - isal is a dependency; zlib keeps the code working
    _deflate = zlib  # type: ignore[assignment]

#: CRC-32 as zip uses it; ISA-L's is some 5 times faster than zlib's.
crc32 = _deflate.crc32
#: What inflating damaged deflate data raises (ISA-L's error is not a zlib.error).
InflateError: tuple[type[Exception], ...] = (zlib.error, _deflate.error)

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_DATA_DESCRIPTOR_FLAG = 0x08
_ENCRYPTED_FLAG = 0x01
#: Sizes from this one up need the ZIP64 extension (a 32-bit field holds at most 0xFFFFFFFE
#: as a real size: 0xFFFFFFFF means "see the ZIP64 extra field").
ZIP64_FROM = 0xFFFFFFFF


class TeGrootOnderdeel(zipfile.BadZipFile):
    """A member inflates beyond its limit (declared size or compression ratio): a zip bomb or
    a lying header. `reason` is "size" (more than `limit` bytes) or "ratio"."""

    def __init__(self, name: str, reason: str, limit: int | float) -> None:
        self.name = name
        self.reason = reason
        self.limit = limit
        super().__init__(f"{name}: inflates beyond the {reason} limit {limit}")


class BadCrc(zipfile.BadZipFile):
    """A member's inflated bytes do not match the CRC-32 the zip gives for it."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Bad CRC-32 for file {name!r}")


def needs_zip64(size: int) -> bool:
    return size >= ZIP64_FROM


def local_header(info: zipfile.ZipInfo, zip64: bool) -> bytes:
    """`info.FileHeader(zip64)` the same on every Python: with `zip64` the local header says
    version 4.5 and 0xFFFFFFFF for both sizes, the real sizes in its ZIP64 extra field. CPython
    before 3.11.4 (gh-103861) left version 2.0 and the 32-bit sizes when the sizes themselves
    were below 4 GiB (Debian 12 ships 3.11.2)."""
    header = bytearray(info.FileHeader(zip64))
    if zip64:
        header[4] = max(header[4], 45)  # version needed to extract
        struct.pack_into("<II", header, 18, 0xFFFFFFFF, 0xFFFFFFFF)  # compressed, uncompressed
    return bytes(header)


def data_offset(source: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Offset of a member's compressed bytes (after its local header) in the raw file."""
    source.seek(info.header_offset)
    raw = source.read(_LOCAL_HEADER.size)
    if len(raw) < _LOCAL_HEADER.size:
        raise zipfile.BadZipFile(f"truncated local header for {info.filename}")
    fields = _LOCAL_HEADER.unpack(raw)
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    return info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]


def _strip_zip64_extra(extra: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i + 4 <= len(extra):
        header_id, size = struct.unpack_from("<HH", extra, i)
        if header_id != 0x0001:
            out += extra[i : i + 4 + size]
        i += 4 + size
    return bytes(out)


def _register(out: zipfile.ZipFile, info: zipfile.ZipInfo, end: int) -> None:
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info
    out.start_dir = end


def copy_member_raw(source: BinaryIO, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes unchanged from `source` (the raw zip file) into `out`.

    No decompression, no recompression: the member's data stays exactly what it was. The
    local header is written fresh (real CRC and sizes, no data descriptor, ZIP64 only above
    4 GiB), whatever layout the source used. Encrypted members are refused
    (`NotImplementedError`): Excel does not write them, and the package checks refuse them
    before this point.
    """
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise NotImplementedError(f"encrypted member {info.filename}")
    start = data_offset(source, info)
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.extra = _strip_zip64_extra(info.extra)
    new.create_system = info.create_system
    new.flag_bits = info.flag_bits & ~_DATA_DESCRIPTOR_FLAG
    new.internal_attr = info.internal_attr
    new.external_attr = info.external_attr
    new.CRC = info.CRC
    new.compress_size = info.compress_size
    new.file_size = info.file_size

    fp = out.fp
    assert fp is not None
    zip64 = needs_zip64(info.file_size) or needs_zip64(info.compress_size)
    new.header_offset = fp.tell()
    fp.write(local_header(new, zip64))
    source.seek(start)
    remaining = info.compress_size
    while remaining:
        chunk = source.read(min(remaining, 1 << 20))
        if not chunk:
            raise zipfile.BadZipFile(f"truncated member {info.filename}")
        fp.write(chunk)
        remaining -= len(chunk)
    _register(out, new, fp.tell())


def write_member(
    out: zipfile.ZipFile, name: str, data: bytes, like: zipfile.ZipInfo | None = None
) -> zipfile.ZipInfo:
    """Write a small member (deflated, real sizes in the local header) and return its info.

    `like`: the source member it replaces, whose date and attributes it keeps.
    """
    info = zipfile.ZipInfo(name, like.date_time if like else _now())
    info.compress_type = zipfile.ZIP_DEFLATED
    if like is not None:
        info.external_attr = like.external_attr
        info.create_system = like.create_system
    # zipfile decides ZIP64 from the known size (only above 4 GiB) and, the file being
    # seekable, rewrites the header with the real CRC and sizes: no data descriptor.
    out.writestr(info, data)
    return info


def _now() -> tuple[int, int, int, int, int, int]:
    import time

    return time.localtime()[:6]  # type: ignore[return-value]


class InflatedMember:
    """A zip member opened for reading, inflated with ISA-L where zipfile would use zlib.

    Refuses (`TeGrootOnderdeel`) to give more than `max_size` bytes (default: the size the zip
    declares, which a bomb can understate), and, once past `grace` bytes, a stream whose
    compressed bytes are less than `min_ratio` of what they inflate to. Output per `read` is
    bounded too (at most `_OUTPUT` bytes at a time), so a highly compressed stream never
    inflates into memory at once. `read(n)` returns at least one byte until the end (possibly
    more than `n`); `read()` the rest. The CRC is checked at the end (`BadCrc`).
    """

    _INPUT = 1 << 18
    _OUTPUT = 1 << 22

    def __init__(
        self,
        source: BinaryIO,
        info: zipfile.ZipInfo,
        *,
        max_size: int | None = None,
        min_ratio: float = 0.0,
        grace: int = 0,
    ) -> None:
        self._info = info
        self._source = source
        if (
            info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or info.flag_bits & _ENCRYPTED_FLAG
        ):
            raise NotImplementedError(info.filename)
        self._stored = info.compress_type == zipfile.ZIP_STORED
        self._pos = data_offset(source, info)
        self._remaining = info.compress_size
        self._consumed = 0
        self._inflater = None if self._stored else _deflate.decompressobj(-15)
        self._pending = b""  # input the inflater has not consumed yet (output was bounded)
        self._max = info.file_size if max_size is None else min(max_size, info.file_size)
        self._min_ratio = min_ratio
        self._grace = grace
        self._size = 0
        self._crc = 0
        self._done = False

    def __enter__(self) -> InflatedMember:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @property
    def size(self) -> int:
        """Bytes inflated so far."""
        return self._size

    def _guard(self, data: bytes) -> bytes:
        self._size += len(data)
        if self._size > self._max:
            reason = "size" if self._max < self._info.file_size else "declared size"
            raise TeGrootOnderdeel(self._info.filename, reason, self._max)
        if (
            self._min_ratio
            and self._size > self._grace
            and self._consumed < self._min_ratio * self._size
        ):
            raise TeGrootOnderdeel(self._info.filename, "ratio", self._min_ratio)
        self._crc = crc32(data, self._crc)
        return data

    def _next(self) -> bytes:
        while True:
            if self._inflater is not None and self._pending:
                data = self._inflater.decompress(self._pending, self._OUTPUT)
                self._pending = self._inflater.unconsumed_tail
                if data:
                    return self._guard(data)
                continue
            if not self._remaining:
                break
            self._source.seek(self._pos)  # the file is shared with zipfile and the raw copier
            raw = self._source.read(min(self._remaining, self._INPUT))
            if not raw:
                raise zipfile.BadZipFile(f"truncated member {self._info.filename}")
            self._pos += len(raw)
            self._remaining -= len(raw)
            self._consumed += len(raw)
            if self._inflater is None:
                return self._guard(raw)
            self._pending = raw
        if self._inflater is not None:
            tail = self._inflater.flush()
            self._inflater = None
            if tail:
                return self._guard(tail)
        if not self._done:
            self._done = True
            if self._crc != self._info.CRC or self._size != self._info.file_size:
                raise BadCrc(self._info.filename)
        return b""

    def read(self, size: int = -1) -> bytes:
        if size >= 0:
            return self._next()
        parts = []
        while chunk := self._next():
            parts.append(chunk)
        return b"".join(parts)


@dataclass(frozen=True, slots=True)
class Resume:
    """Where decompression of a member written by `ParallelDeflateMember` can start afresh:
    at uncompressed offset `offset`, compressed offset `compressed` (from the start of the
    member's data), with `zdict` (the 32 KiB before it) as the deflate dictionary."""

    offset: int
    compressed: int
    zdict: bytes


class ParallelDeflateMember:
    """Write one deflated zip member, compressing blocks in worker threads (as pigz does).

    Each block is compressed on its own, primed with the last 32 KiB of the block before it
    (`zdict`) so the ratio stays that of one stream, and ended with a sync flush so the raw
    deflate streams concatenate into one. zlib and ISA-L release the GIL, so a 100 MB sheet
    compresses on all cores while the main thread inflates the source. Because every block
    starts byte-aligned with a known dictionary, `mark()` can note a place where a reader can
    start inflating without the bytes before it (`Resume`, filled in on close).

    `expected_size` bounds what will be written: it decides up front whether the member needs
    ZIP64 (only when it may reach 4 GiB). The local header is written first, the data streamed,
    and the header rewritten in place with the real CRC and sizes (same length). Writing more
    than `expected_size` allows raises `ValueError` (the header could not hold the sizes).
    Use as a context manager; `write` takes bytes-like objects in any sizes.
    """

    BLOCK = 1 << 20
    WINDOW = 1 << 15

    def __init__(
        self,
        out: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        level: int = 6,
        *,
        expected_size: int = 0,
    ) -> None:
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
        self._blocks = 0  # blocks submitted
        self._block_sizes: list[int] = []  # compressed size of each emitted block
        self._marks: list[tuple[int, int, bytes]] = []  # (offset, block index, zdict)
        self.resumes: list[Resume] = []
        # Deflate can grow incompressible input by a few bytes per block: leave room for it.
        self._zip64 = needs_zip64(expected_size + expected_size // 64 + (1 << 16))
        fp = out.fp
        assert fp is not None
        info.compress_type = zipfile.ZIP_DEFLATED
        info.flag_bits &= ~_DATA_DESCRIPTOR_FLAG
        info.header_offset = fp.tell()
        info.CRC = info.file_size = info.compress_size = 0
        fp.write(local_header(info, self._zip64))

    def __enter__(self) -> ParallelDeflateMember:
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if kind is None:
            self.close()
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data).cast("B")
        self._crc = crc32(view, self._crc)
        self._size += len(view)
        if self._buffer:
            need = self.BLOCK - len(self._buffer)
            self._buffer += view[:need]
            view = view[need:]
            if len(self._buffer) < self.BLOCK:
                return
            self._submit(bytes(self._buffer), last=False)
            self._buffer = bytearray()
        while len(view) >= self.BLOCK:
            self._submit(view[: self.BLOCK].tobytes(), last=False)
            view = view[self.BLOCK :]
        self._buffer += view

    def mark(self) -> None:
        """End the current block here, so that reading can resume at this point."""
        if self._buffer:
            self._submit(bytes(self._buffer), last=False)
            self._buffer = bytearray()
        self._marks.append((self._size, self._blocks, self._previous_tail))

    def _submit(self, block: bytes, *, last: bool) -> None:
        self._pending.append(self._pool.submit(self._compress, block, self._previous_tail, last))
        self._blocks += 1
        if len(block) >= self.WINDOW:
            self._previous_tail = block[-self.WINDOW :]
        else:
            self._previous_tail = (self._previous_tail + block)[-self.WINDOW :]
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
        self._block_sizes.append(len(data))

    def close(self) -> None:
        self._submit(bytes(self._buffer), last=True)
        self._buffer = bytearray()
        for future in self._pending:
            self._emit(future.result())
        self._pending.clear()
        self._pool.shutdown(wait=True)
        starts = [0]
        for size in self._block_sizes:
            starts.append(starts[-1] + size)
        self.resumes = [
            Resume(offset, starts[block], zdict) for offset, block, zdict in self._marks
        ]
        info, fp = self._info, self._out.fp
        assert fp is not None
        info.CRC, info.file_size, info.compress_size = self._crc, self._size, self._compressed
        if not self._zip64 and (needs_zip64(self._size) or needs_zip64(self._compressed)):
            raise ValueError(f"{info.filename}: grew past the size its header was made for")
        end = fp.tell()
        fp.seek(info.header_offset)
        fp.write(local_header(info, self._zip64))
        fp.seek(end)
        _register(self._out, info, end)


def inflate_range(
    source: BinaryIO, info: zipfile.ZipInfo, resume: Resume | None, limit: int
) -> tuple[bytes, bool]:
    """Inflate a member from `resume` (None: from its start) and return at most `limit`
    bytes, and whether the deflate stream ended there (its final block was read)."""
    start = data_offset(source, info)
    skip = resume.compressed if resume else 0
    inflater = (
        _deflate.decompressobj(-15, zdict=resume.zdict)
        if resume and resume.zdict
        else _deflate.decompressobj(-15)
    )
    source.seek(start + skip)
    remaining = info.compress_size - skip
    out = bytearray()
    while remaining and len(out) < limit and not inflater.eof:
        raw = source.read(min(remaining, 1 << 16))
        if not raw:
            break
        remaining -= len(raw)
        out += inflater.decompress(raw, limit - len(out) + 1)
        while inflater.unconsumed_tail and len(out) <= limit and not inflater.eof:
            out += inflater.decompress(inflater.unconsumed_tail, limit - len(out) + 1)
    return bytes(out[:limit]), inflater.eof and len(out) <= limit
