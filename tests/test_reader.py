"""Reading workbooks and csv files into typed tables (batch.reader), with true Excel coordinates."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from batch.reader import OnleesbaarBestand, read_table_file, read_tables, read_workbook
from jeugdhulp.schema import PRODUCTEN, PRODUCTIE, TOEWIJZINGEN

D = Decimal
MARCH_1 = dt.date(2023, 3, 1)
MARCH_31 = dt.date(2023, 3, 31)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], start: str = "A1") -> Path:
    """Sheets as rows of values (None = empty cell), the first row at `start`."""
    book = xlsxwriter.Workbook(path)
    date_format = book.add_format({"num_format": "dd-mm-yyyy"})
    first_col = ord(start[0]) - ord("A")
    first_row = int(start[1:]) - 1
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                at = (first_row + r, first_col + c)
                if isinstance(value, dt.date):
                    sheet.write_datetime(*at, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(*at, value)
                else:
                    sheet.write(*at, value)
    book.close()
    return path


HEADER = ["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal", "Tarief"]


def test_header_below_title_rows_with_synonyms(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Productiemonitor jeugdhulp maart 2023"],
        ["Aanbieder: Voorbeeld BV"],
        [],
        [
            "Burgerservicenummer",
            "Arrangementscode",
            "Ingangsdatum",
            "Tot en met",
            "Eenheid",
            "Volume",
        ],
        [111222333, "50H23", dt.datetime(2023, 3, 1), dt.datetime(2023, 3, 31), "01", 120],
        [11222333, "50H23", "01-03-2023", "31-3-2023", "minuten", "1.234,5"],
    ]
    path = write_xlsx(tmp_path / "monitor.xlsx", {"Productie": rows})
    tables = read_workbook(path)
    assert list(tables) == ["productie"]
    info = tables["productie"]
    assert info.blad == "Productie"
    assert info.kopregel == 4
    frame = info.frame
    assert frame.columns[: len(PRODUCTIE)] == list(PRODUCTIE)
    assert frame["_rij"].to_list() == [5, 6]
    assert frame["bsn"].to_list() == ["111222333", "011222333"]
    assert frame["bsn__soepel"].to_list() == [False, True]
    assert frame["begindatum"].to_list() == [MARCH_1, MARCH_1]
    assert frame["einddatum"].to_list() == [MARCH_31, MARCH_31]
    # A date cell is not lenient; a date typed as text is.
    assert frame["begindatum__soepel"].to_list() == [False, True]
    assert frame["begindatum__tekst"].to_list() == ["2023-03-01 00:00:00", "01-03-2023"]
    assert frame["eenheid"].to_list() == ["01", "01"]
    assert frame["aantal"].to_list() == [D("120"), D("1234.5")]
    assert frame["aantal__soepel"].to_list() == [False, True]
    assert info.kolommen["bsn"].kop == "Burgerservicenummer"
    assert info.kolommen["bsn"].letter == "A"
    assert info.kolommen["aantal"].letter == "F"
    assert "Kolom 'Burgerservicenummer' gelezen als BSN." in info.meldingen
    assert "Kolom 'Arrangementscode' gelezen als Productcode." in info.meldingen
    assert "Kolom 'Volume' gelezen als Aantal." in info.meldingen
    assert "Kolom 'Tot en met' gelezen als Einddatum." in info.meldingen


def test_data_starting_at_c5_keeps_true_letters_and_rows(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER,
        [111222333, "45A48", MARCH_1, MARCH_31, "01", 60, 0.9],
        [],  # an empty row: dropped, the rows below keep their numbers
        [],
        [222333444, "45A49", MARCH_1, MARCH_31, "04", 2, "54,42"],
    ]
    path = write_xlsx(tmp_path / "c5.xlsx", {"Productie": rows}, start="C5")
    info = read_workbook(path)["productie"]
    assert info.kopregel == 5
    assert {n: c.letter for n, c in info.kolommen.items()} == {
        "bsn": "C",
        "productcode": "D",
        "begindatum": "E",
        "einddatum": "F",
        "eenheid": "G",
        "aantal": "H",
        "tarief": "I",
    }
    assert info.frame["_rij"].to_list() == [6, 9]
    assert info.frame["tarief"].to_list() == [D("0.9"), D("54.42")]
    assert info.frame["tarief__soepel"].to_list() == [False, True]
    # nothing about the reading itself; only that the sheet carries no amounts
    assert [m for m in info.meldingen if not m.startswith("Geen kolom Bedrag")] == []


def test_merged_two_row_header(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Blad1"
    sheet["B2"] = "Productiemonitor 2017"
    sheet.merge_cells("B2:G2")
    sheet["B4"] = "BSN"
    sheet.merge_cells("B4:B5")
    sheet["C4"] = "Arrangementscode"
    sheet.merge_cells("C4:C5")
    sheet["D4"] = "Periode"
    sheet.merge_cells("D4:E4")
    sheet["D5"] = "Begindatum"
    sheet["E5"] = "Einddatum"
    sheet["F4"] = "Minuten"
    sheet.merge_cells("F4:F5")
    sheet["G4"] = "Ligdagen"
    sheet.merge_cells("G4:G5")
    sheet.append([])
    sheet["B6"], sheet["C6"], sheet["D6"], sheet["E6"] = 111222333, "50H23", "1-1-2017", "31-1-2017"
    sheet["F6"], sheet["G6"] = 120, 3
    sheet["B7"], sheet["C7"], sheet["D7"], sheet["E7"] = 222333444, "43A01", "1-1-2017", "31-1-2017"
    sheet["F7"], sheet["G7"] = 0, 5
    path = tmp_path / "monitor2017.xlsx"
    book.save(path)

    info = read_workbook(path)["productie"]
    assert info.blad == "Blad1"
    assert info.kopregel == 5
    assert {n: (c.kop, c.letter) for n, c in info.kolommen.items()} == {
        "bsn": ("BSN", "B"),
        "productcode": ("Arrangementscode", "C"),
        "begindatum": ("Begindatum", "D"),
        "einddatum": ("Einddatum", "E"),
        "minuten": ("Minuten", "F"),
        "ligdagen": ("Ligdagen", "G"),
    }
    lines = info.frame.select("_rij", "bsn", "eenheid", "aantal", "_aantal_kolom").rows()
    assert lines == [
        (6, "111222333", "01", D("120"), "minuten"),
        (6, "111222333", "14", D("3"), "ligdagen"),
        (7, "222333444", "14", D("5"), "ligdagen"),
    ]
    assert any("twee rijen" in m for m in info.meldingen)


def test_three_sheets_in_one_workbook(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "alles.xlsm",
        {
            "Toelichting": [["Lees dit eerst"]],
            "Productie": [HEADER, [111222333, "45A48", MARCH_1, MARCH_31, "01", 60, 0.9]],
            "Toewijzingen": [
                ["BSN", "Toewijzingnummer", "Productcategorie", "Productcode", "Ingangsdatum"],
                [111222333, 12345, 45, None, MARCH_1],
            ],
            "Blad3": [
                ["Productcategorie", "Productcode", "Omschrijving", "Eenheid", "Tarief"],
                [45, "45A48", "Ambulant", "minuut", 0.9],
            ],
        },
    )
    tables = read_workbook(path)
    assert list(tables) == ["productie", "toewijzingen", "producten"]
    toew = tables["toewijzingen"]
    assert toew.frame.columns[: len(TOEWIJZINGEN)] == list(TOEWIJZINGEN)
    assert toew.frame.select("bsn", "toewijzingnummer", "productcategorie", "productcode").row(
        0
    ) == ("111222333", "12345", "45", None)
    assert toew.frame["ingangsdatum"].to_list() == [MARCH_1]
    prod = tables["producten"]
    assert prod.blad == "Blad3"  # found by its headers
    assert prod.frame.columns[: len(PRODUCTEN)] == list(PRODUCTEN)
    assert prod.frame.select("eenheid", "tarief").row(0) == ("01", D("0.9"))

    only = read_workbook(path, tables=("productie",))
    assert list(only) == ["productie"]


def test_separate_table_file(tmp_path: Path) -> None:
    path = tmp_path / "toewijzingen.csv"
    path.write_text(
        "Toewijzingen export 2023\n"
        "BSN;Toewijzingsnummer;Categorie;Code;Ingangsdatum;Einddatum;Budget\n"
        "111222333;T1;45;;01-01-2023;;8.000,00\n",
        encoding="utf-8",
    )
    info = read_table_file(path, "toewijzingen")
    assert info.blad == "toewijzingen"
    assert info.kopregel == 2
    assert info.frame.select("_rij", "bsn", "toewijzingnummer", "productcode", "budget").row(0) == (
        3,
        "111222333",
        "T1",
        None,
        D("8000"),
    )
    assert info.frame["einddatum"].to_list() == [None]

    xlsx = write_xlsx(
        tmp_path / "codes.xlsx",
        {"Codes": [["Categorie", "Code", "Eenheid", "Tarief"], ["45", "45A48", "01", "0,90"]]},
    )
    producten = read_table_file(xlsx, "producten")
    assert producten.frame.select("productcode", "eenheid", "tarief").row(0) == (
        "45A48",
        "01",
        D("0.9"),
    )


def test_csv_semicolon_cp1252(tmp_path: Path) -> None:
    text = (
        "Productie;;;;;;\r\n"
        "\r\n"
        "BSN;Productcode;Begindatum;Einddatum;Eenheid;Aantal;Overgangscliënt\r\n"
        "11222333;45A48;1-3-2023;31-3-2023;minuten;120;ja\r\n"
        ";;;;;;\r\n"
        '111222333;45A48;01-03-2023;31-03-2023;uur;"1,5";nee\r\n'
    )
    path = tmp_path / "maart.csv"
    path.write_bytes(text.encode("cp1252"))
    info = read_workbook(path)["productie"]
    assert info.blad == "maart"
    assert info.kopregel == 3
    assert info.kolommen["overgangsclient"].kop == "Overgangscliënt"
    assert info.kolommen["overgangsclient"].letter == "G"
    frame = info.frame
    assert frame["_rij"].to_list() == [4, 6]
    assert frame["bsn"].to_list() == ["011222333", "111222333"]
    assert frame["eenheid"].to_list() == ["01", "04"]
    assert frame["aantal"].to_list() == [D("120"), D("1.5")]
    assert frame["overgangsclient"].to_list() == [True, False]
    assert frame["begindatum"].to_list() == [MARCH_1, MARCH_1]


def test_csv_comma_with_bom_and_tab(tmp_path: Path) -> None:
    comma = tmp_path / "komma.csv"
    comma.write_bytes(
        "\ufeffBSN,Productcode,Begindatum,Einddatum,Eenheid,Aantal,Tarief\n"
        '111222333,45A48,2023-03-01,2023-03-31,01,60,"€ 0,90"\n'
        '11222333,45A48,01-04-2023,30-04-2023,01,60,"0,90"\n'.encode()
    )
    info = read_workbook(comma)["productie"]
    assert info.kolommen["bsn"].kop == "BSN"  # the BOM is not part of the header
    # In a csv everything is text: a decimal comma or a typed date is how values are written
    # there, not something the provider can fix (no PM022); a lost leading zero still is.
    assert info.frame.select("_rij", "tarief", "tarief__soepel").row(0) == (2, D("0.9"), False)
    second = info.frame.row(1, named=True)
    assert (second["bsn"], second["bsn__soepel"]) == ("011222333", True)
    assert (second["begindatum__soepel"], second["tarief__soepel"]) == (False, False)

    tab = tmp_path / "tab.csv"
    tab.write_text(
        "BSN\tProductcode\tBegindatum\tEinddatum\tEenheid\tAantal\n"
        "111222333\t45A48\t44986\t45016\t01\t60\n",
        encoding="utf-8",
    )
    frame = read_workbook(tab)["productie"].frame
    assert frame.select("begindatum", "einddatum", "aantal").row(0) == (MARCH_1, MARCH_31, D("60"))


def test_2017_style_workbook(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["BSN", "Arrangementscode", "Van", "Tot", "Aantal minuten", "Dagdelen", "Sessies"],
        [111222333, "50H23", MARCH_1, MARCH_31, 90, None, None],
        [222333444, "42900", MARCH_1, MARCH_31, None, 4, 2],
        [333444555, "50H11", MARCH_1, MARCH_31, None, None, None],
    ]
    path = write_xlsx(tmp_path / "p2017.xlsx", {"Productie": rows})
    info = read_workbook(path)["productie"]
    assert info.frame.select("_rij", "eenheid", "aantal", "_aantal_kolom").rows() == [
        (2, "01", D("90"), "minuten"),
        (3, "16", D("4"), "dagdelen"),
        (3, "82", D("2"), "sessies"),
        (4, None, None, "minuten"),
    ]
    assert info.kolommen["minuten"].letter == "E"
    assert info.kolommen["sessies"].letter == "G"


def test_xlsm_is_read_like_xlsx(tmp_path: Path) -> None:
    source = write_xlsx(
        tmp_path / "bron.xlsx",
        {"Productie": [HEADER, [111222333, "45A48", MARCH_1, MARCH_31, "01", 60, 0.9]]},
    )
    target = tmp_path / "met macro's.xlsm"
    shutil.copy(source, target)
    assert read_workbook(target)["productie"].frame.height == 1


def test_every_productie_sheet_is_read(tmp_path: Path) -> None:
    row: list[object] = [111222333, "45A48", MARCH_1, MARCH_31, "01", 60, 0.9]
    path = write_xlsx(
        tmp_path / "twee.xlsx", {"Productie jan": [HEADER, row], "Productie feb": [HEADER, row]}
    )
    assert read_workbook(path)["productie"].blad == "Productie jan"  # the short form: the first
    werkmap = read_tables(path)
    assert [info.blad for info in werkmap.productie] == ["Productie jan", "Productie feb"]
    assert [(g.blad, g.rol, g.rijen) for g in werkmap.gelezen] == [
        ("Productie jan", "productie", 1),
        ("Productie feb", "productie", 1),
    ]


def test_unreadable_optional_sheet_is_reported_not_fatal(tmp_path: Path) -> None:
    row: list[object] = [111222333, "45A48", MARCH_1, MARCH_31, "01", 60, 0.9]
    path = write_xlsx(
        tmp_path / "half.xlsx", {"Productie": [HEADER, row], "Toewijzingen": [["Zie bijlage"]]}
    )
    tables = read_workbook(path)
    assert list(tables) == ["productie"]
    werkmap = read_tables(path)
    assert any("Toewijzingen" in m and "geen kopregel" in m for m in werkmap.meldingen)
    skipped = [g for g in werkmap.gelezen if g.blad == "Toewijzingen"]
    assert skipped[0].rol == "overgeslagen" and "geen kopregel" in skipped[0].reden


@pytest.mark.slow
def test_hundred_thousand_rows(tmp_path: Path) -> None:
    import time

    path = tmp_path / "groot.xlsx"
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, HEADER)
    for r in range(1, 100_001):
        sheet.write_row(
            r, 0, [111222333, "45A48", "01-03-2023", "31-03-2023", "01", r % 600, "0,90"]
        )
    book.close()
    started = time.perf_counter()
    info = read_workbook(path)["productie"]
    elapsed = time.perf_counter() - started
    assert info.frame.height == 100_000
    assert info.frame["_rij"][-1] == 100_001
    assert info.frame["tarief"].null_count() == 0
    assert elapsed < 15, f"{elapsed:.1f} s"


def test_missing_file_is_onleesbaar(tmp_path: Path) -> None:
    with pytest.raises(OnleesbaarBestand, match=r"'weg\.xlsx'.*bestaat niet"):
        read_workbook(tmp_path / "weg.xlsx")
