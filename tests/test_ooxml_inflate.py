"""The ISA-L reader of zip members gives exactly what zipfile gives, and checks the CRC."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from batch.package import open_member


def _zip(members: dict[str, bytes], compression: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_reads_members_like_zipfile_in_any_chunking(compression: int) -> None:
    big = b"<row>" + os.urandom(300_000).hex().encode() + b"</row>" * 50_000
    data = _zip({"xl/worksheets/sheet1.xml": big, "small.xml": b"<a/>", "empty": b""}, compression)
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        for name in zin.namelist():
            with open_member(zin, name) as src:
                first = src.read(1000)
                rest = src.read()
            assert first + rest == zin.read(name)
            with open_member(zin, name) as src:
                pieces = []
                while chunk := src.read(7):
                    pieces.append(chunk)
            assert b"".join(pieces) == zin.read(name)


def test_a_corrupted_member_is_refused() -> None:
    payload = b"<sheetData>" + b"<row r='1'/>" * 10_000 + b"</sheetData>"
    data = bytearray(_zip({"sheet.xml": payload}, zipfile.ZIP_STORED))
    at = data.index(b"<row r='1'/>") + 3
    data[at] = ord("X")  # same length, wrong content: only the CRC can tell
    with (
        zipfile.ZipFile(io.BytesIO(bytes(data))) as zin,
        open_member(zin, "sheet.xml") as src,
        pytest.raises(zipfile.BadZipFile, match="CRC"),
    ):
        src.read()
