"""One number reader everywhere (`jeugdhulp.parse.read_number`): Dutch conventions first.

The same text gives the same number in the Excel functions, on the command line, in a workbook
cell typed as text and in a csv; every amount shown with one of Excel's Dutch number formats
reads back as the amount shown.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")  # before xlwings is imported
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
import xlwings as xw
from hypothesis import example, given, settings
from hypothesis import strategies as st
from xlwings import server

from addin import functions
from batch.cli import main
from batch.reader import read_tables
from jeugdhulp.errors import OngeldigeInvoer
from jeugdhulp.normalize import parse_texts
from jeugdhulp.parse import read_number

D = Decimal


def excel(func_name: str, *args: object) -> object:
    """One call through xlwings' Office.js path, text as typed (what run.py's cases do)."""
    data = {
        "func_name": func_name,
        "args": [[[a]] for a in args],
        "caller_address": "[Boek1]Blad1!A1",
        "version": xw.__version__,
        "runtime": "1.4",
        "client": "Office.js",
    }
    return asyncio.run(server.custom_functions_call(data, functions))[0][0]


# --- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "ambiguous"),
    [
        ("1.200", "1200", True),
        ("250.000", "250000", True),
        ("7.688", "7688", True),
        ("1,200", "1.2", True),
        ("1.250.000", "1250000", False),
        ("250.000,00", "250000", False),
        ("1.234,56", "1234.56", False),
        ("54,42", "54.42", False),
        ("0,907", "0.907", False),
        ("0.500", "0.5", False),  # a leading zero group is no thousands group
        ("7.5", "7.5", False),  # no Dutch reading: the decimal point
        ("1,234.56", "1234.56", False),
        ("€ 1.200", "1200", False),  # money settles it
        ("1.200,-", "1200", False),
        ("€ -1.234,56", "-1234.56", False),
        ("-€ 1.234,56", "-1234.56", False),
        ("1.234,56-", "-1234.56", False),
        ("(1.234,56)", "-1234.56", False),
        ("2,86%", "0.0286", False),
        ("1\u00a0234,56", "1234.56", False),
    ],
)
def test_dutch_first(text: str, value: str, ambiguous: bool) -> None:
    reading = read_number(text)
    assert reading.waarde == D(value)
    assert reading.tekst is True
    assert reading.dubbelzinnig is ambiguous


@pytest.mark.parametrize("text", ["1,2,3", "1.2.3", "12,34,567", "€ 5%", "(5", "--5", "€ -", "abc"])
def test_not_a_number(text: str) -> None:
    with pytest.raises(OngeldigeInvoer, match="is geen getal"):
        read_number(text)


def test_a_number_value_is_taken_as_it_is() -> None:
    assert read_number(7.688).waarde == D("7.688")
    assert read_number(7.688).tekst is False
    assert read_number(250000).waarde == D(250000)


# --- the Excel functions, the command line, a workbook and a csv agree ------------------------


def test_excel_functions_read_the_thousands_dot() -> None:
    """functies/U01: text with a Dutch thousands dot in the Excel functions."""
    assert excel("sroi", "250.000") == 12500
    assert excel("sroi", "250.000,00") == 12500
    assert excel("standaardbudget", "7.688") == 8000
    assert excel("standaardbudgetnummer", "7.688") == 5
    assert excel("tariefperminuut", "54,42") == 0.9
    assert excel("standaardbudget", 7.688) == 1000  # a number cell holding 7,688


def test_a_float_reads_as_excel_shows_it() -> None:
    """rev9 defect 11: a cell =47,55+1,05 holds 48,599999999999994 and shows 48,60; the Excel
    functions read 48,6 (15 significant digits, as Excel shows a number), as the file check
    does."""
    assert read_number(47.55 + 1.05).waarde == D("48.6")
    assert read_number(8000.000000000001).waarde == D("8000")
    assert read_number(0.1 + 0.2).waarde == D("0.3")
    assert read_number(123456789.12345679).waarde == D("123456789.123457")
    assert excel("tariefperminuut", 47.55 + 1.05) == 0.81  # 48,60 / 60, not 48,5999.. / 60
    assert excel("standaardbudget", 8000.000000000001) == 8000  # budget 5, not 6 (12.000)
    frame = parse_texts("tarief", [f"{47.55 + 1.05:.9f}".rstrip("0")])
    assert frame["waarde"][0] == D("48.6")


def test_excel_function_help_says_how_text_is_read() -> None:
    meta = functions.sroi.__xlfunc__  # type: ignore[attr-defined]
    assert "7.688 is 7688" in meta["args"][0]["doc"]


def test_rekenhulp_reads_the_thousands_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rekenhulp", "--raming", "7.688"]) == 0
    out = capsys.readouterr().out
    assert "Raming:       € 7.688,00" in out
    assert "Standaardbudget: 5 (€ 8.000,00)" in out
    assert "--raming: gelezen als 7688" in out
    assert main(["rekenhulp", "--raming", "7688,50"]) == 0
    assert "gelezen als" not in capsys.readouterr().out


def test_csv_thousands_dot_is_thousands(tmp_path: Path) -> None:
    """lezen/L03: a Dutch Excel csv export (;, Windows-1252) with the format #.##0."""
    path = tmp_path / "export.csv"
    text = (
        "Productiemonitor mei 2023;;;;;;;\r\n"
        "BSN;Productcode;Begindatum;Einddatum;Eenheid;Aantal;Tarief;Bedrag\r\n"
        "528907864;45A48;1-5-2023;31-5-2023;01;1.200;0,90;1.080,00\r\n"
        "528907864;45A48;1-6-2023;30-6-2023;01;250;0,90;225,00\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    info = read_tables(path).productie[0]
    assert info.frame["aantal"].to_list() == [D("1200"), D("250")]
    assert info.frame["bedrag"].to_list() == [D("1080"), D("225")]
    assert info.frame["aantal__soepel"].to_list() == [False, False]  # the csv proves Dutch


def test_english_csv_reads_the_ambiguous_one_the_english_way(tmp_path: Path) -> None:
    """A csv from an English system: "54.42" and "68,025.00" settle "1,250" and "1.125"."""
    path = tmp_path / "export.csv"
    path.write_text(
        "BSN,Productcode,Begindatum,Einddatum,Eenheid,Aantal,Tarief,Bedrag\n"
        '528907864,45A48,2023-05-01,2023-05-31,04,"1,250",54.42,"68,025.00"\n'
        "528907864,45A48,2023-06-01,2023-06-30,04,1.125,54.42,61.22\n",
        encoding="utf-8",
    )
    info = read_tables(path).productie[0]
    assert info.frame["aantal"].to_list() == [D("1250"), D("1.125")]
    assert info.frame["aantal__dubbelzinnig"].to_list() == [True, True]  # still reported
    assert info.frame["tarief"].to_list() == [D("54.42"), D("54.42")]


def test_csv_without_a_convention_reads_dutch_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "BSN;Productcode;Begindatum;Einddatum;Eenheid;Aantal\n"
        "528907864;45A48;2023-05-01;2023-05-31;04;1.250\n",
        encoding="utf-8",
    )
    info = read_tables(path).productie[0]
    assert info.frame["aantal"].to_list() == [D("1250")]
    assert info.frame["aantal__dubbelzinnig"].to_list() == [True]
    assert info.frame["aantal__soepel"].to_list() == [True]


# --- every amount in Excel's Dutch number formats reads back ----------------------------------

#: Excel's Dutch number formats: (positive pattern, negative pattern, decimals). `{n}` is the
#: number with thousands dots, `{p}` without.
FORMATS = [
    ("{n}", "-{n}", 0),  # #.##0
    ("{n}", "-{n}", 2),  # #.##0,00
    ("{p}", "-{p}", 2),  # 0,00
    ("{p}", "-{p}", 0),  # 0
    ("€ {n}", "€ -{n}", 2),  # € #.##0,00;€ -#.##0,00 (Dutch Excel's currency)
    ("€ {n}", "-€ {n}", 2),
    ("€ {n}", "€ {n}-", 2),  # € #.##0,00_-;€ #.##0,00-
    ("{n}", "({n})", 2),  # #.##0,00_);(#.##0,00)
    ("€\u00a0{n}", "€\u00a0-{n}", 2),  # with the no-break space Excel exports
    ("{n} €", "-{n} €", 2),
    ("€ {n},-", "€ -{n},-", -1),  # whole euros the Dutch way: € 25,-
    ("{n}%", "-{n}%", 2),  # 0,00% of a fraction
]


def dutch_format(amount: Decimal, form: tuple[str, str, int]) -> tuple[str, Decimal]:
    """The text Excel shows for `amount` in a Dutch number format, and the value shown."""
    positive, negative, decimals = form
    percent = positive.endswith("%")
    shown = amount * 100 if percent else amount
    places = max(decimals, 0)
    shown = shown.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(shown):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    tail = f",{fraction}" if places else ""
    pattern = negative if shown < 0 else positive
    text = pattern.format(n=grouped + tail, p=whole + tail)
    return text, (shown / 100 if percent else shown)


AMOUNTS = st.decimals(
    min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)


@settings(max_examples=400, deadline=None)
@given(AMOUNTS, st.sampled_from(FORMATS))
@example(Decimal("1200"), FORMATS[0])
@example(Decimal("250000"), FORMATS[1])
@example(Decimal("7688"), FORMATS[0])
@example(Decimal("-1234.56"), FORMATS[7])
@example(Decimal("0.5"), FORMATS[0])
def test_every_dutch_format_reads_back(amount: Decimal, form: tuple[str, str, int]) -> None:
    text, shown = dutch_format(amount, form)
    assert read_number(text).waarde == shown, text
    # the same text in a csv column and typed in a workbook cell
    got = parse_texts("bedrag", [text], tekst=True)["waarde"][0]
    assert got == shown.quantize(Decimal("0.0001")), text


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**7).map(lambda c: Decimal(c) / 100))
def test_the_excel_function_reads_what_the_cell_shows(amount: Decimal) -> None:
    text, shown = dutch_format(amount, FORMATS[4])  # € #.##0,00
    assert excel("sroi", text) == pytest.approx(float(excel("sroi", float(shown))))


def test_the_text_frame_keeps_number_cells_and_text_cells_apart() -> None:
    """The in-Excel check gets Python values: 7.688 (a number) and "7.688" (typed text)."""
    from jeugdhulp.cells import table_from_body, text_frame
    from jeugdhulp.columns import detect_header

    header_row = ["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal"]
    rows = [
        header_row,
        ["111222333", "45A48", "01-03-2023", "31-03-2023", "04", 7.688],
        ["111222333", "45A48", "01-03-2023", "31-03-2023", "04", "7.688"],
    ]
    frame = text_frame(rows)
    assert "F~tekst" in frame.columns
    header = detect_header([header_row], "productie")
    assert header is not None
    info = table_from_body(frame.slice(1), "productie", header, "Productie", 1)
    assert info.frame["aantal"].to_list() == [D("7.688"), D("7688")]
    assert info.frame.select(pl.col("aantal__soepel")).to_series().to_list() == [False, True]
