"""Reading typed where a column is (issue 11): the same tables as reading every cell as text.

The file reader reads a sheet's head (the first rows, for the header) from a small package of
sheet heads and the rows below the header typed: a column of only numbers as numbers, of only
dates as dates. These tests hold that to the text read it replaced: for every mix of cell kinds
the typed tables equal the tables built from the text of every cell.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch import reader as R
from batch.reader import read_tables
from batch.run import Options, check_file
from batch.xlsx_scan import (
    HEAD_ROWS,
    _first_shared_strings,
    _shared_strings_needed,
    head_package,
    inspect_package,
)
from jeugdhulp.cells import head_rows, table_from_body
from jeugdhulp.columns import detect_header
from jeugdhulp.normalize import TEXT_CELL_SUFFIX
from jeugdhulp.schema import TableInfo
from tests.handmade import HEADER, Raw, production

MARCH_1, MARCH_31 = dt.date(2023, 3, 1), dt.date(2023, 3, 31)
OPTIONS = Options(profiel="ijsselland-2023", schrijven=False)


def read_as_text(path: Path, name: str = "Productie") -> TableInfo:
    """The production table as the reader built it before issue 11: every cell of the sheet as
    text (fastexcel `dtypes="string"`), then typed by `jeugdhulp.normalize`."""
    with R._ExcelWorkbook(path) as workbook:
        sheet = next(s for s in workbook.sheets if s.name == name)
        frame = R._load_excel_sheet(path, workbook.reader, name)
        header = detect_header(head_rows(frame), "productie")
        assert header is not None
        first = header.index + 2
        body = R._apply_scan(frame.slice(header.index + 1), sheet.scan(), first)
        letters = [c for c in body.columns if c != "_rij"]
        numbers = [
            letters[i] for n, i in header.mapping.items() if n in ("aantal", "tarief", "bedrag")
        ]
        ambiguous = R._ambiguous_letters(body, numbers)
        if ambiguous:
            cells = sheet.text_cells(body, ambiguous)
            body = body.with_columns(s.alias(f"{k}{TEXT_CELL_SUFFIX}") for k, s in cells.items())
        return table_from_body(
            body,
            "productie",
            header,
            name,
            header.index + 1,
            onbekend=[
                (c.rij, c.kolom, c.reden, c.formule, c.waarde) for c in sheet.scan().onbekend
            ],
            samengevoegd=sheet.scan().samengevoegd,
        )


def assert_same_tables(path: Path) -> TableInfo:
    typed = read_tables(path).productie[0]
    text = read_as_text(path)
    assert typed.frame.columns == text.frame.columns
    for name in typed.frame.columns:
        assert typed.frame.get_column(name).to_list() == text.frame.get_column(name).to_list(), name
    assert typed.kolommen == text.kolommen
    assert typed.meldingen == text.meldingen
    assert typed.onbekend.rows() == text.onbekend.rows()
    return typed


# Cells of every kind a provider's workbook holds, per column of the production layout.
NUMBERS = st.one_of(
    st.none(),
    st.integers(-1000, 10**6),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 6)),
    st.sampled_from([47.55 + 1.05, 0.1 + 0.2, 8000.000000000001, 0.907, 7.688, 1e-7]),
    st.sampled_from(["54,42", "7.688", "1.234,56", "€ 25,-", "2000", "abc", " ", "1,5"]),
    st.booleans(),
)
DATES = st.one_of(
    st.none(),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2024, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.integers(0, 60000),
    st.sampled_from(["01-03-2023", "2023-03-01", "maart", "44986", "31-02-2023"]),
)
TEXTS = st.one_of(
    st.none(),
    st.sampled_from(["111222333", "11222333", "45A48", "01", "minuten", "ja", " "]),
    st.integers(0, 999_999_999),
    st.booleans(),
)
COLUMN_KINDS = [TEXTS, TEXTS, DATES, DATES, TEXTS, NUMBERS, NUMBERS, NUMBERS]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(*COLUMN_KINDS), min_size=1, max_size=12),
    st.lists(st.integers(0, 7), max_size=3),
)
def test_typed_read_equals_the_text_read(
    tmp_path: Path, rows: list[tuple[object, ...]], uniform: list[int]
) -> None:
    """Whatever mix of numbers, dates, text, TRUE/FALSE and empty cells a column holds, the
    tables are the ones the text of every cell gives: values, texts, leniency, notes."""
    data = [list(row) for row in rows]
    for column in uniform:  # some columns of one kind only (those are read typed)
        for row in data:
            row[column] = {5: 60, 6: 0.9, 7: 54.0, 2: MARCH_1, 3: MARCH_31}.get(column, "45A48")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    path = tmp_path / "mix.xlsx"
    workbook.save(path)
    assert_same_tables(path)


def test_typed_columns_read_as_excel_shows_them(tmp_path: Path) -> None:
    """47,55 + 1,05 (48,599999999999994 in the cell) is 48,60, as the Excel functions read it."""
    path = production(
        tmp_path / "f.xlsx",
        [["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 47.55 + 1.05, 2916.0]],
    )
    info = assert_same_tables(path)
    assert info.frame.schema["tarief"] == pl.Decimal(38, 4)
    assert info.frame.row(0, named=True)["tarief"] == Decimal("48.6")


def test_true_false_in_a_column_of_numbers_is_not_a_number(tmp_path: Path) -> None:
    """fastexcel makes TRUE 1 in a column of numbers; WAAR is not an Aantal (PM001)."""
    rows = [
        ["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, 54.0],
        ["111222333", "45A49", MARCH_1, MARCH_31, "01", True, 0.9, 54.0],
    ]
    path = production(tmp_path / "b.xlsx", rows)
    info = assert_same_tables(path)
    assert info.frame["aantal"].to_list() == [Decimal(60), None]
    assert info.frame["aantal__tekst"].to_list() == ["60", "true"]
    result = check_file(path, OPTIONS)
    assert (3, "F3", "PM001") in result.bevindingen.select("rij", "cel", "controle").rows()


def test_iso_date_cells_in_a_column_of_their_own(tmp_path: Path) -> None:
    """A column of ISO date cells (t="d") only: fastexcel would read it as dates and lose the
    ones it cannot parse ("2023-03-31T00:00:00Z"); it is read as text and typed by us."""
    iso = [
        Raw('<c r="{ref}" t="d"><v>2023-03-01</v></c>'),
        Raw('<c r="{ref}" t="d"><v>2023-03-31T00:00:00Z</v></c>'),
    ]
    path = production(tmp_path / "iso.xlsx", [["111222333", "45A48", *iso, "01", 60, 0.9, 54]])
    info = read_tables(path).productie[0]
    assert info.frame.select("begindatum", "einddatum").rows() == [(MARCH_1, MARCH_31)]
    assert info.frame["begindatum__soepel"].to_list() == [False]


def test_head_and_body_columns_line_up_when_only_the_body_uses_column_a(tmp_path: Path) -> None:
    """The head (rows 1-30) starts at column B, a row further down also fills column A: the
    header's columns are still the body's (both are read from column A on)."""
    row = ["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, 54.0]
    rows: list[list[object]] = [[None, *HEADER]]
    rows += [[None, *row] for _ in range(40)]
    rows[35][0] = "opmerking"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Productie"
    for values in rows:
        sheet.append(values)
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    info = assert_same_tables(path)
    assert {n: c.letter for n, c in info.kolommen.items()}["bsn"] == "B"
    assert info.frame.height == 40
    assert info.frame["bsn"].unique().to_list() == ["111222333"]


def test_head_of_a_sheet_whose_comment_holds_end_tags(tmp_path: Path) -> None:
    """XML comments may hold markup-like text: "</sheetData>" in a comment does not end the
    head (the head package leaves comments out)."""
    path = production(
        tmp_path / "c.xlsx",
        [["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, 54]],
        head="<!-- oud: </sheetData></row> -->",
    )
    data = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    data = data.replace(b"<sheetData>", b"<sheetData><!-- </sheetData> </row> -->")
    rebuilt = tmp_path / "c2.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(rebuilt, "w") as zout:
        for info in zin.infolist():
            payload = data if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info)
            zout.writestr(info, payload)
    werkmap = read_tables(rebuilt)
    assert werkmap.productie[0].frame.height == 1
    assert werkmap.productie[0].kopregel == 1


def test_head_package_keeps_only_the_first_rows_and_the_strings_they_use(tmp_path: Path) -> None:
    """The head package holds each sheet's first HEAD_ROWS rows and only the shared strings
    those use, also when the header's strings come late in the shared strings part."""
    path = tmp_path / "sst.xlsx"
    workbook = xlsxwriter.Workbook(path)  # shared strings, numbered in the order written
    data = workbook.add_worksheet("Data")
    for n in range(200):
        data.write_string(n, 0, f"tekst {n}")
    sheet = workbook.add_worksheet("Productie")
    date = workbook.add_format({"num_format": "dd-mm-yyyy"})
    sheet.write_row(0, 0, HEADER)
    for n in range(1, 101):
        sheet.write_row(n, 0, [f"{n:09d}", "45A48"])
        sheet.write_datetime(n, 2, dt.datetime(2023, 3, 1), date)
        sheet.write_datetime(n, 3, dt.datetime(2023, 3, 31), date)
        sheet.write_row(n, 4, ["01", 60, 0.9, 54.0])
    workbook.close()
    facts = inspect_package(path)
    heads = list(facts.heads.values())
    needed = _shared_strings_needed(heads)
    assert needed is not None and needed > 200  # the header's strings come after Data's
    package = zipfile.ZipFile(io.BytesIO(head_package(path, facts)))
    for part, head in facts.heads.items():
        assert head.count(b"</row>") <= HEAD_ROWS
        assert package.read(part) == head
    strings = package.read(facts.shared_strings or "")
    assert strings.count(b"</si>") == needed
    werkmap = read_tables(path)
    assert werkmap.productie[0].frame.height == 100
    assert werkmap.productie[0].kolommen["bsn"].kop == "BSN"


def test_first_shared_strings_ignores_comments() -> None:
    part = (
        b'<?xml version="1.0"?><sst xmlns="x" count="3"><!-- <si><t>nep</t></si> -->'
        b"<si><t>a</t></si><si><t>b</t></si><si/><si><t>d</t></si></sst>"
    )
    assert _first_shared_strings(io.BytesIO(part), 3) == (
        b'<?xml version="1.0"?><sst xmlns="x" count="3">'
        b"<si><t>a</t></si><si><t>b</t></si><si/></sst>"
    )


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        (1e20, "100.000.000.000.000.000.000"),
        (9.3e18, "9.300.000.000.000.000.000"),
        ("1.000.000.001", "1.000.000.001"),
        ("10.000.000.000.000.000.000", "10.000.000.000.000.000.000"),
    ],
)
def test_a_number_beyond_a_sane_bound_is_a_finding_and_the_rest_is_checked(
    tmp_path: Path, cell: object, shown: str
) -> None:
    """rev9 defect 10: an amount of 1e20 stopped the whole file; it is a finding on its cell
    (the checks' exact arithmetic stays in range), and the other rows are checked."""
    rows = [
        ["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, 54.0],
        ["111222333", "45A49", MARCH_1, MARCH_31, "01", 60, 0.9, cell],
        ["123456789", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, 54.0],
    ]
    path = production(tmp_path / "groot.xlsx", rows)
    result = check_file(path, OPTIONS)
    assert result.checked, result.melding
    found = result.bevindingen.select("cel", "controle", "melding").rows()
    assert (
        "H3",
        "PM001",
        f"Bedrag {shown} is groter dan 1.000.000.000: geen getal om mee te rekenen; de cel is "
        "niet gecontroleerd (verbeter het getal)",
    ) in found, found
    assert any(c == "A4" and p == "PM002" for c, p, _ in found)  # the rest is checked
    assert read_tables(path).productie[0].frame["bedrag"][1] is None


# -- a large sheet read in pieces --------------------------------------------------------------


def _big_workbook(path: Path) -> Path:
    """Rows of every kind, with the kinds of a column changing far down (a text among numbers,
    a number among dates), empty rows, TRUE/FALSE, a "7.688" typed as text next to a number
    cell 7,688, and a formula without a result."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Productie"
    sheet.append(["Productie 2023"])
    sheet.append([])
    sheet.append(HEADER)
    for n in range(400):
        bsn = f"{n:09d}" if n % 3 else n  # numbers and text
        amount: object = 54.0 + n / 100
        if n == 350:
            amount = "54,42"  # a text far down in a column of numbers
        if n == 360:
            amount = "7.688"
        if n == 361:
            amount = 7.688
        begin: object = MARCH_1 if n != 390 else 44986  # a number among dates
        rate: object = True if n == 200 else 0.9
        if n % 97 == 0:
            sheet.append([])  # an empty row
        sheet.append([bsn, "45A48", begin, MARCH_31, "01", 60, rate, amount])
    sheet["H250"] = "=F250*G250"
    workbook.save(path)
    return path


def test_a_sheet_read_in_pieces_gives_what_it_gives_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """calamine holds a whole sheet's cells while it reads it; a large sheet is read in pieces
    of rows (`xlsx_scan.sheet_pieces`). The tables are the same, whatever kinds of cells a
    column holds in which piece."""
    path = _big_workbook(tmp_path / "groot.xlsx")
    whole = read_tables(path).productie[0]
    monkeypatch.setattr(R, "PIECE_SIZE", 2000)
    monkeypatch.setattr(R, "PIECES_FROM", 0)
    facts = inspect_package(path)
    part = facts.sheets[0].part
    assert part is not None
    assert len(list(R.sheet_pieces(path, facts, part, 2000))) > 20
    pieces = read_tables(path).productie[0]
    assert pieces.frame.columns == whole.frame.columns
    for name in whole.frame.columns:
        assert pieces.frame.get_column(name).to_list() == whole.frame.get_column(name).to_list(), (
            name
        )
    assert pieces.onbekend.rows() == whole.onbekend.rows()
    assert pieces.meldingen == whole.meldingen
    assert "#N/A" not in (pieces.frame["bsn__tekst"].drop_nulls().to_list())


def test_a_sheet_that_cannot_be_cut_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows without their number, or a comment between rows: read whole, same tables."""
    rows = [["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, float(n)] for n in range(60)]
    path = production(tmp_path / "c.xlsx", rows)
    data = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    variants = {
        "zonder_r": data.replace(b'<row r="', b'<row x="'),
        "commentaar": data.replace(b"</row>", b"</row><!-- -->", 1),
    }
    whole = read_tables(path).productie[0].frame
    monkeypatch.setattr(R, "PIECE_SIZE", 1000)
    monkeypatch.setattr(R, "PIECES_FROM", 0)
    for name, xml in variants.items():
        changed = tmp_path / f"{name}.xlsx"
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(changed, "w") as zout:
            for info in zin.infolist():
                zout.writestr(
                    info, xml if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info)
                )
        assert read_tables(changed).productie[0].frame.equals(whole), name
