"""XML parts in another encoding than UTF-8: read, checked and written like any other.

XML lets a part name its encoding (UTF-16 with or without byte order mark, ISO-8859-1); Excel
and LibreOffice read such parts. The reading library (calamine) does not, so it gets a copy
with those parts transcoded (`batch.xlsx_scan`, rev8 defect 13); the annotator writes every
part it edits as UTF-8 with a declaration that says so (rev8 defect 4: a part declared
ISO-8859-1 that got UTF-8 bytes under the old declaration renamed "Productén").
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from batch.run import NIET_GECONTROLEERD, Options, check_file
from tests.ooxml_helpers import check, sheet_parts

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "voorbeeld-productiemonitor.xlsx"
OPTIONS = Options(profiel="ijsselland-2023")


def reencode(path: Path, part: str, encoding: str, *, bom: bool = True, edit=None) -> None:  # type: ignore[no-untyped-def]
    """Store `part` in `encoding`, its declaration naming it (`edit` changes the text first)."""
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == part:
                text = data.decode("utf-8")
                if edit is not None:
                    text = edit(text)
                text = re.sub(r'encoding="[^"]*"', f'encoding="{encoding}"', text, count=1)
                codec = (
                    encoding if bom or not encoding.lower().startswith("utf-16") else "utf-16-le"
                )
                data = text.encode(codec)
                if not bom and data[:2] == b"\xff\xfe":
                    data = data[2:]
            z.writestr(info, data)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLE, tmp_path / "pm.xlsx"))


def summary(result) -> tuple:  # type: ignore[no-untyped-def]
    return (
        result.status,
        result.rijen,
        result.fouten,
        result.waarschuwingen,
        result.bevindingen.sort(["blad", "rij", "controle", "cel"]).rows(),
    )


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    path = Path(shutil.copy(EXAMPLE, tmp_path_factory.mktemp("utf8") / "pm.xlsx"))
    return summary(check_file(path, Options(profiel="ijsselland-2023", schrijven=False)))


@pytest.mark.parametrize(
    ("part", "encoding", "bom"),
    [
        ("xl/workbook.xml", "UTF-16", True),
        ("xl/styles.xml", "UTF-16", True),
        ("xl/_rels/workbook.xml.rels", "UTF-16", True),
        ("[Content_Types].xml", "UTF-16", True),
        ("xl/worksheets/sheet1.xml", "UTF-16", True),  # Productie: it gets marks
        ("xl/worksheets/sheet2.xml", "UTF-16", False),  # without byte order mark
        ("xl/worksheets/sheet1.xml", "ISO-8859-1", True),
        ("xl/worksheets/sheet3.xml", "windows-1252", True),
    ],
)
def test_a_part_in_another_encoding_is_read_and_written(
    example, expected, part, encoding, bom, tmp_path
):
    with zipfile.ZipFile(example) as z:
        if part not in z.namelist():
            pytest.skip(f"{part} not in the example workbook")
    reencode(example, part, encoding, bom=bom)
    with zipfile.ZipFile(example) as z:
        stored = z.read(part)
    result = check_file(example, OPTIONS)
    assert summary(result)[:4] == expected[:4], result.melding
    assert summary(result)[4] == expected[4]
    assert result.uitvoer is not None and check(result.uitvoer) == []
    with zipfile.ZipFile(result.uitvoer) as z:
        written = z.read(part)
    if written != stored:  # edited (a part an unmarked sheet is copied as it was)
        assert written.startswith(b"<?xml") and b'encoding="UTF-8"' in written[:100]
        written.decode("utf-8")
    assert written != stored or part not in ("xl/workbook.xml", "xl/worksheets/sheet1.xml")
    # And a second run over the checked copy.
    again = check_file(result.uitvoer, OPTIONS)
    assert again.complete and check(result.uitvoer) == []


def test_a_latin1_workbook_part_keeps_its_sheet_names(example, tmp_path):
    """The tester's case: a sheet name with an accent in a part declared ISO-8859-1."""
    reencode(
        example,
        "xl/workbook.xml",
        "ISO-8859-1",
        edit=lambda t: t.replace('name="Producten"', 'name="Productén"'),
    )
    result = check_file(example, OPTIONS)
    assert result.uitvoer is not None and check(result.uitvoer) == []
    with zipfile.ZipFile(result.uitvoer) as z:
        data = z.read("xl/workbook.xml")
    assert b'encoding="UTF-8"' in data[:100] and b'encoding="ISO-8859-1"' not in data
    root = etree.fromstring(data)  # lxml follows the declaration: a wrong one gives "ProductÃ©n"
    names = [s.get("name") for s in root.iter() if etree.QName(s).localname == "sheet"]
    assert "Productén" in names and "ProductÃ©n" not in names
    assert "Productén" in sheet_parts(result.uitvoer)


def test_an_unknown_encoding_is_said_in_dutch(example):
    with zipfile.ZipFile(example) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(example, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == "xl/styles.xml":
                data = re.sub(rb'encoding="[^"]*"', b'encoding="x-klingon"', data, count=1)
            z.writestr(info, data)
    result = check_file(example, OPTIONS)
    assert result.status == NIET_GECONTROLEERD
    assert "onbekende tekenset 'x-klingon'" in result.melding
    assert "calamine" not in result.melding and "error" not in result.melding.lower()
