"""The zip as Excel writes it: real CRC and sizes in every local header, no data descriptors,
ZIP64 only for a member that needs it; untouched members keep their compressed bytes."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter

import batch._zip as zip_module
from batch._zip import ParallelDeflateMember, inflate_range
from batch.annotate import annotate_workbook
from jeugdhulp.controle_layout import Verantwoording
from jeugdhulp.findings import Finding
from tests.ooxml_helpers import check, raw_member

WHEN = datetime(2026, 3, 1, 14, 30)
FINDING = Finding("Productie", 3, "Aantal", "B3", "PM011", "fout", "", "veel", "3")


def local_header(path: Path, name: str) -> tuple[int, int, int, int, int, bytes]:
    """(version, flags, CRC, compressed size, size, extra) of a member's local header."""
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as z:
        info = z.getinfo(name)
        handle.seek(info.header_offset)
        fields = struct.unpack("<4sHHHHHIIIHH", handle.read(30))
        handle.read(fields[9])
        extra = handle.read(fields[10])
    return fields[1], fields[2], fields[6], fields[7], fields[8], extra


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek: zipfile then writes data descriptors (flag bit 3)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def]
        self.data += b
        return len(b)


def quirky_workbook(path: Path, *, quirk: str) -> Path:
    """A workbook re-packed the way some writers do: with data descriptors, or with a ZIP64
    local header on every member."""
    plain = path.with_suffix(".plain.xlsx")
    book = xlsxwriter.Workbook(str(plain))
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, ["BSN", "Aantal"])
    for r in range(1, 50):
        sheet.write_row(r, 0, [f"12345678{r % 10}", r])
    book.close()
    with zipfile.ZipFile(plain) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    if quirk == "data-descriptor":
        stream = _Unseekable()
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in members:
                with out.open(name, "w") as handle:
                    handle.write(data)
        path.write_bytes(bytes(stream.data))
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in members:
                with out.open(name, "w", force_zip64=True) as handle:
                    handle.write(data)
            offsets = [i.header_offset for i in out.infolist()]
        # CPython before 3.11.4 (gh-103861) writes version 2.0 and the 32-bit sizes with its
        # ZIP64 extra: make every local header a real ZIP64 one, as newer Pythons write it
        raw = bytearray(path.read_bytes())
        for offset in offsets:
            raw[offset + 4] = 45
            struct.pack_into("<II", raw, offset + 18, 0xFFFFFFFF, 0xFFFFFFFF)
        path.write_bytes(bytes(raw))
    plain.unlink()
    return path


@pytest.mark.parametrize("quirk", ["data-descriptor", "zip64-everywhere"])
def test_a_copy_gets_excels_layout_whatever_the_source_had(tmp_path, quirk):
    source = quirky_workbook(tmp_path / "bron.xlsx", quirk=quirk)
    version, flags, *_ = local_header(source, "xl/theme/theme1.xml")
    assert (flags & 0x08) if quirk == "data-descriptor" else version == 45
    target = tmp_path / "uit.xlsx"
    annotate_workbook(source, [FINDING], target, verantwoording=Verantwoording("p", WHEN))
    assert check(target) == []
    with zipfile.ZipFile(target) as z:
        for info in z.infolist():
            version, flags, crc, csize, size, _extra = local_header(target, info.filename)
            assert version < 45 and not flags & 0x08, info.filename
            assert (crc, csize, size) == (info.CRC, info.compress_size, info.file_size)
    # the untouched members are the source's compressed bytes, under a clean header
    for name in ("xl/theme/theme1.xml", "docProps/core.xml"):
        assert raw_member(target, name) == raw_member(source, name)


def test_zip64_only_where_a_member_needs_it(tmp_path, monkeypatch):
    source = quirky_workbook(tmp_path / "bron.xlsx", quirk="data-descriptor")
    with zipfile.ZipFile(source) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    # Stands in for 4 GiB: members from this size need ZIP64. Above the styles part (which
    # zipfile itself writes) and below the streamed sheet and the Controle sheet.
    threshold = 4500
    monkeypatch.setattr(zip_module, "ZIP64_FROM", threshold)
    target = tmp_path / "uit.xlsx"
    annotate_workbook(source, [FINDING], target, verantwoording=Verantwoording("p", WHEN))
    with zipfile.ZipFile(target) as z:
        assert z.testzip() is None
        for info in z.infolist():
            version, _flags, _crc, csize, size, extra = local_header(target, info.filename)
            big = info.file_size >= threshold or info.compress_size >= threshold
            assert (version >= 45) == big, info.filename
            if big:
                assert (csize, size) == (0xFFFFFFFF, 0xFFFFFFFF)
                header_id, _length, real_size, real_csize = struct.unpack_from("<HHQQ", extra)
                assert (header_id, real_size, real_csize) == (1, info.file_size, info.compress_size)
    assert sizes["xl/worksheets/sheet1.xml"] >= threshold  # the streamed sheet took that path


def test_reading_resumes_at_a_marked_block(tmp_path, monkeypatch):
    monkeypatch.setattr(ParallelDeflateMember, "BLOCK", 4096)
    data = b"".join(f'<row r="{i}"><c><v>{i * 7}</v></c></row>'.encode() for i in range(5000))
    path = tmp_path / "blokken.zip"
    with zipfile.ZipFile(path, "w") as z:
        member = ParallelDeflateMember(z, zipfile.ZipInfo("blad.xml"), expected_size=len(data))
        with member:
            member.write(data[:70_000])
            member.mark()
            member.write(data[70_000:150_001])
            member.mark()
            member.write(data[150_001:])
    assert [r.offset for r in member.resumes] == [70_000, 150_001]
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as z:
        info = z.getinfo("blad.xml")
        assert z.read(info) == data
        head, _ = inflate_range(handle, info, None, 100)
        assert head == data[:100]
        for resume in member.resumes:
            rest, ended = inflate_range(handle, info, resume, len(data))
            assert ended and rest == data[resume.offset :]
