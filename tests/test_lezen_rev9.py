"""The reading faults an independent tester found after issue 9 (notes/rev9-report.md), each as
its kind: what a user's workbook holds, and what the reader must make of it.

Every workbook here is built the way a real writer builds it (openpyxl, XlsxWriter, a csv from
another program, or package markup where only that shows the case) and read by `batch.reader`
or checked end to end by `check_file`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from openpyxl.worksheet.formula import ArrayFormula

from batch.reader import read_tables
from batch.run import Options, check_file
from jeugdhulp.checks import CATALOGUE, KOLOMMEN, check_plan
from jeugdhulp.profile import load_profile
from tests.handmade import Raw, production, serial

D = dt.datetime
HDR = ["BSN", "Toewijzingnummer", "Productcategorie", "Productcode", "Begindatum", "Einddatum"]
HDR += ["Eenheid", "Aantal", "Tarief", "Bedrag"]
TW_HDR = ["BSN", "Toewijzingnummer", "Productcategorie", "Productcode", "Ingangsdatum"]
TW_HDR += ["Einddatum", "Volume", "Eenheid", "Frequentie", "Budget", "Trajecttype", "Verwijzer"]
TW_ROW = ["908301662", "TW0000001", "54", "54011", D(2023, 1, 1), D(2023, 12, 31), 372, "14"]
TW_ROW += ["totaal", 93000, "herstel", "Toegang"]
PR_HDR = ["Productcategorie", "Productcode", "Omschrijving", "Eenheid", "Tarief", "Geldig vanaf"]
PR_HDR += ["Geldig tot"]
PR_ROW = ["54", "54011", "GGZ verblijf C", "14", 250, D(2023, 1, 1), D(2023, 12, 31)]
OPTIONS = Options(profiel="ijsselland-2023", schrijven=False)


def row(month: int, days: int = 8, **changes: object) -> list[object]:
    """A valid monthly declaration of 54011 (one etmaal at 250) on TW0000001."""
    import calendar

    last = calendar.monthrange(2023, month)[1]
    values = ["908301662", "TW0000001", "54", "54011", D(2023, month, 1), D(2023, month, last)]
    values += ["14", days, 250, days * 250]
    for name, value in changes.items():
        values[HDR.index(name)] = value
    return values


def workbook(
    path: Path,
    rows: list[list[object]],
    *,
    header: list[str] = HDR,
    lists: bool = True,
) -> tuple[Path, openpyxl.Workbook]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    if lists:
        for name, head, values in (("Toewijzingen", TW_HDR, TW_ROW), ("Producten", PR_HDR, PR_ROW)):
            extra = book.create_sheet(name)
            extra.append(head)
            extra.append(values)
    book.save(path)
    return path, book


def findings(path: Path, **options: object) -> list[tuple[str, str, str]]:
    result = check_file(path, Options(profiel="ijsselland-2023", schrijven=False, **options))
    assert result.checked, result.melding
    return result.bevindingen.select("blad", "cel", "controle").rows()


# -- 1: unknown cells in the allocation and product lists ---------------------------------------


def test_formulas_without_results_in_the_lists_are_pm023_on_their_own_sheet(
    tmp_path: Path,
) -> None:
    """An allocation's end date =EDATE(...) and a tariff =250*1 never calculated: unknown, not
    "open ended" or "no tariff"; PM023 on the Toewijzingen and Producten sheets, and not what
    the other checks say about an empty end date (PM030)."""
    path, book = workbook(tmp_path / "tw.xlsx", [row(m) for m in (1, 2, 3)])
    book["Toewijzingen"]["F2"] = "=EDATE(E2,3)-1"
    book["Toewijzingen"]["J2"] = "=G2*250*0.1"
    book["Producten"]["E2"] = "=250*1"
    book.save(path)
    werkmap = read_tables(path)
    assert werkmap.toewijzingen is not None and werkmap.producten is not None
    assert werkmap.toewijzingen.onbekend.select("letter", "_rij").rows() == [("F", 2), ("J", 2)]
    assert werkmap.toewijzingen.frame["einddatum"].to_list() == [None]
    assert werkmap.producten.onbekend.select("kolom").to_series().to_list() == ["tarief"]
    found = findings(path)
    assert ("Toewijzingen", "F2", "PM023") in found
    assert ("Toewijzingen", "J2", "PM023") in found
    assert ("Producten", "E2", "PM023") in found
    assert not [f for f in found if f[1] == "F2" and f[2] != "PM023"]


def test_list_pm023_from_a_separate_allocation_file_names_that_file(tmp_path: Path) -> None:
    lists, book = workbook(tmp_path / "lijsten.xlsx", [row(1)])
    book["Toewijzingen"]["J2"] = "=G2*250"
    book.save(lists)
    path, _ = workbook(tmp_path / "productie.xlsx", [row(1)], lists=False)
    found = findings(path, toewijzingen=lists, producten=lists)
    assert ("lijsten.xlsx: Toewijzingen", "J2", "PM023") in found


# -- 2: a production sheet of formulas without results ------------------------------------------


def test_rows_of_formulas_to_a_hidden_sheet_are_rows_with_unknown_values(tmp_path: Path) -> None:
    path, book = workbook(tmp_path / "f.xlsx", [])
    export = book.create_sheet("Export")
    export.append(["nr"] * 10)
    for month in (1, 2, 3):
        export.append(row(month))
        book["Productie"].append([f"=Export!{c}{month + 1}" for c in "ABCDEFGHIJ"])
    export.sheet_state = "hidden"
    book.save(path)
    result = check_file(path, OPTIONS)
    assert result.rijen == 3
    pm023 = result.bevindingen.filter(pl.col("controle") == "PM023")
    assert pm023.height == 30
    assert result.fouten >= 30


# -- 3: headers the reader does not know --------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Totaal bedrag", "bedrag"),
        ("Declaratiebedrag", "bedrag"),
        ("Gedeclareerd bedrag", "bedrag"),
        ("Prijs per eenheid", "tarief"),
        ("Prijs", "tarief"),
        ("Aantal eenheden", "aantal"),
    ],
)
def test_plausible_headers_are_synonyms(tmp_path: Path, header: str, field: str) -> None:
    names = [header if h == field.capitalize() else h for h in HDR]
    path, _ = workbook(tmp_path / "h.xlsx", [row(1), row(2)], header=names)
    info = read_tables(path).productie[0]
    assert info.kolommen[field].kop == header
    assert f"Kolom '{header}' gelezen als {field.capitalize()}." in info.meldingen


def test_a_header_that_looks_like_an_absent_field_is_named_and_the_total_is_unknown(
    tmp_path: Path,
) -> None:
    """ "Bedrag incl. btw" is not taken for Bedrag by guess, but the user is told; without a
    Bedrag column the declared total is unknown (not € 0,00) and PM010 did not run."""
    path, _ = workbook(
        tmp_path / "btw.xlsx", [row(1), row(2)], header=[*HDR[:9], "Bedrag incl. btw"]
    )
    info = read_tables(path).productie[0]
    assert "bedrag" not in info.kolommen
    assert any(
        m.startswith("Kolom 'Bedrag incl. btw' (J) is niet gelezen: de kop lijkt op Bedrag")
        for m in info.meldingen
    )
    assert any(
        m.startswith("Geen kolom Bedrag: het gedeclareerde bedrag is onbekend")
        for m in info.meldingen
    )
    result = check_file(path, OPTIONS)
    assert result.bedrag_gedeclareerd is None and result.bedrag_met_fout is None
    assert ("PM010", "overgeslagen: geen kolom Bedrag") in result.overgeslagen
    assert result.status == "onvolledig"


def test_an_unknown_declared_total_is_onbekend_in_every_report(tmp_path: Path) -> None:
    """Console, JSON and summary workbook say "onbekend" (JSON null), never € 0,00, for a file
    without a Bedrag column, also in the run's totals."""
    import json

    from rich.console import Console

    from batch.console import print_file, print_table
    from batch.report import totals, write_json, write_summary_workbook

    path, _ = workbook(
        tmp_path / "btw.xlsx", [row(1), row(2)], header=[*HDR[:9], "Bedrag incl. btw"]
    )
    other, _ = workbook(tmp_path / "goed.xlsx", [row(1)])
    results = [check_file(path, OPTIONS), check_file(other, OPTIONS)]
    assert results[1].bedrag_gedeclareerd is not None
    console = Console(record=True, width=120)
    print_file(results[0], console)
    print_table(results, console, "ijsselland-2023")
    text = console.export_text()
    assert "gedeclareerd bedrag onbekend" in text
    total = next(line for line in text.splitlines() if "Totaal (2)" in line)
    assert total.split()[-2:] == ["onbekend", "onbekend"]
    assert totals(results)["bedrag_gedeclareerd"] is None
    report = tmp_path / "r.json"
    started = dt.datetime(2026, 11, 30, 12, 0)
    write_json(report, results, profiel="ijsselland-2023", started=started)
    entry = json.loads(report.read_text())["bestanden"][0]
    assert entry["bedrag_gedeclareerd"] is None and entry["bedrag_met_fout"] is None
    summary = tmp_path / "s.xlsx"
    write_summary_workbook(summary, results, profiel="ijsselland-2023", started=started)
    sheet = openpyxl.load_workbook(summary)["Bestanden"]
    values = [cell.value for line in sheet.iter_rows() for cell in line]
    assert values.count("onbekend") >= 3  # the file's two amounts and the Totaal


def test_check_plan_says_which_column_a_check_lacks(tmp_path: Path) -> None:
    path, _ = workbook(tmp_path / "p.xlsx", [row(1)], header=[*HDR[:8], "Opmerking", "Toelichting"])
    werkmap = read_tables(path)
    profile = load_profile("ijsselland-2023")
    reasons = dict(
        (c.id, r)
        for c, r in check_plan(werkmap.toewijzingen, werkmap.producten, profile, werkmap.productie)
    )
    assert reasons["PM010"] == "overgeslagen: geen kolom Bedrag"
    assert reasons["PM009"] == "niet van toepassing: geen kolom Tarief"
    assert reasons["PM016"] == "niet van toepassing: geen kolom Geboortedatum"
    assert reasons["PM012"] is None  # sums quantity x tariff without amounts
    # without the product list PM010 has no tariff to compute with either
    empty = load_profile("ijsselland-2023")
    no_products = dict(
        (c.id, r) for c, r in check_plan(None, None, empty, werkmap.productie) if c.id == "PM010"
    )
    assert not empty.producten()  # this profile carries no product list of its own
    assert no_products["PM010"] == (
        "overgeslagen: geen kolom Bedrag en geen kolom Tarief of productenlijst"
    )
    # every declared check exists, and only production checks declare columns
    assert set(KOLOMMEN) <= {c.id for c in CATALOGUE if c.tabel == "productie"}


# -- 4: a csv title with a quoted line break ----------------------------------------------------


def test_csv_title_with_a_quoted_line_break_loses_no_row(tmp_path: Path) -> None:
    lines = [
        '"Productie 2023\nAanbieder: Voorbeeldzorg";;;;;;;;;',
        ";".join(HDR),
        "908301662;TW0000001;54;54011;01-01-2023;31-01-2023;14;8;250,00;2.000,00",
        "908301662;TW0000001;54;54011;01-02-2023;28-02-2023;14;8;250,00;2.000,00",
        "908301662;TW0000001;54;54011;01-03-2023;31-03-2023;14;8;250,00;2.000,00",
    ]
    path = tmp_path / "titel.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    info = read_tables(path).productie[0]
    # records: the title (1), the header (2), the rows 3-5
    assert info.kopregel == 2
    assert info.frame["_rij"].to_list() == [3, 4, 5]
    assert info.frame["begindatum"].to_list() == [dt.date(2023, m, 1) for m in (1, 2, 3)]


# -- 5: hidden allocation and product sheets ----------------------------------------------------


def test_hidden_allocation_and_product_sheets_are_read(tmp_path: Path) -> None:
    rows = [row(1), row(2), row(3, Toewijzingnummer="TW9999999")]
    path, book = workbook(tmp_path / "verborgen.xlsx", rows)
    book["Toewijzingen"].sheet_state = "hidden"
    book["Producten"].sheet_state = "veryHidden"
    book.save(path)
    werkmap = read_tables(path)
    assert werkmap.toewijzingen is not None and werkmap.producten is not None
    assert any("'Toewijzingen' is verborgen en toch gelezen" in m for m in werkmap.meldingen)
    assert any("'Producten' is zeer verborgen en toch gelezen" in m for m in werkmap.meldingen)
    assert ("Productie", "B4", "PM005") in findings(path)


def test_a_hidden_old_production_sheet_is_still_not_production(tmp_path: Path) -> None:
    path, book = workbook(tmp_path / "oud.xlsx", [row(1)])
    old = book.create_sheet("Oud")
    old.append(HDR)
    old.append(row(2, BSN="123456789"))
    old.sheet_state = "hidden"
    book.save(path)
    werkmap = read_tables(path)
    assert [info.blad for info in werkmap.productie] == ["Productie"]


# -- 7: array formulas without results ----------------------------------------------------------


def test_openpyxl_array_formula_without_results_is_unknown_in_every_cell(tmp_path: Path) -> None:
    path, book = workbook(tmp_path / "matrix.xlsx", [row(m, Bedrag=None) for m in (1, 2, 3)])
    book["Productie"]["J2"] = ArrayFormula("J2:J4", "=H2:H4*I2:I4")
    book.save(path)
    info = read_tables(path).productie[0]
    assert info.onbekend.select("letter", "_rij").rows() == [("J", 2), ("J", 3), ("J", 4)]
    found = findings(path)
    assert [c for _, c, p in found if p == "PM023"] == ["J2", "J3", "J4"]


@pytest.mark.parametrize("dynamic", [False, True])
def test_xlsxwriter_array_placeholders_are_unknown_not_zero(tmp_path: Path, dynamic: bool) -> None:
    """XlsxWriter writes 0 in every cell of an array formula's range: not a real 0 (PM010
    "bedrag 0,00 wijkt af"), but unknown like the anchor."""
    path = tmp_path / "xw.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Productie")
    date = book.add_format({"num_format": "dd-mm-yyyy"})
    sheet.write_row(0, 0, HDR)
    for i, month in enumerate((1, 2, 3), start=1):
        values = row(month)
        for j, value in enumerate(values[:9]):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(i, j, value, date)
            else:
                sheet.write(i, j, value)
    write = sheet.write_dynamic_array_formula if dynamic else sheet.write_array_formula
    write("J2:J4", "=H2:H4*I2:I4" if dynamic else "{=H2:H4*I2:I4}")
    book.close()
    found = findings(path)
    assert [c for _, c, p in found if p == "PM023"] == ["J2", "J3", "J4"]
    assert not [f for f in found if f[2] == "PM010"]


# -- 9: a 1904 workbook with serials in cells without date formatting ---------------------------


def test_1904_serials_without_date_formatting_count_from_1904(tmp_path: Path) -> None:
    march_1, march_31 = dt.date(2023, 3, 1), dt.date(2023, 3, 31)
    plain = [
        Raw(f'<c r="{{ref}}"><v>{serial(d, date1904=True)}</v></c>') for d in (march_1, march_31)
    ]
    path = production(
        tmp_path / "mac.xlsx",
        [["111222333", "45A48", *plain, "01", 60, 0.9, 54]],
        workbook_pr='<workbookPr date1904="1"/>',
    )
    info = read_tables(path).productie[0]
    assert info.frame.select("begindatum", "einddatum").rows() == [(march_1, march_31)]
    # no date formatting: read, and reported (PM022) so the provider gives it one
    assert info.frame["begindatum__soepel"].to_list() == [True]


# -- 12: totals rows ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total",
    [
        ["Totalen", *[None] * 8, 6000],
        ["Generaal totaal", *[None] * 8, 6000],
        ["Grand Total", *[None] * 8, 6000],
        [*[None] * 8, "Totaal:", 6000],
        [None] * 9 + [6000],  # a SUM row without a label
    ],
)
def test_totals_rows_are_not_declarations(tmp_path: Path, total: list[object]) -> None:
    path, _ = workbook(tmp_path / "t.xlsx", [row(1), row(2), row(3), total])
    info = read_tables(path).productie[0]
    assert info.frame["_rij"].to_list() == [2, 3, 4]
    assert any(m.startswith("Rij 5 (") and "totaalregel" in m for m in info.meldingen)
    assert check_file(path, OPTIONS).bedrag_gedeclareerd == Decimal(6000)


def test_a_row_without_identity_whose_amount_is_not_the_sum_is_kept(tmp_path: Path) -> None:
    path, _ = workbook(tmp_path / "t.xlsx", [row(1), row(2), [None] * 9 + [1234]])
    assert read_tables(path).productie[0].frame["_rij"].to_list() == [2, 3, 4]


def test_subtotal_row_inside_a_merged_bsn(tmp_path: Path) -> None:
    rows = [row(1), row(2, BSN=None), row(3, BSN=None)]
    rows.append([None, None, None, "Subtotaal", None, None, None, 24, None, 6000])
    path, book = workbook(tmp_path / "sub.xlsx", rows)
    book["Productie"].merge_cells("A2:A5")
    book.save(path)
    info = read_tables(path).productie[0]
    assert info.frame["_rij"].to_list() == [2, 3, 4]
    assert info.frame["bsn"].to_list() == ["908301662"] * 3


# -- 13: an amount merged over a client's rows --------------------------------------------------


def test_an_amount_merged_over_rows_counts_once(tmp_path: Path) -> None:
    rows = [row(1, Bedrag=6000), row(2, Bedrag=None), row(3, Bedrag=None)]
    path, book = workbook(tmp_path / "m.xlsx", rows)
    book["Productie"].merge_cells("J2:J4")
    book.save(path)
    info = read_tables(path).productie[0]
    assert info.frame["bedrag"].to_list() == [Decimal(6000), None, None]
    assert info.onbekend.select("letter", "_rij", "reden").rows() == [
        ("J", 3, "samengevoegd"),
        ("J", 4, "samengevoegd"),
    ]
    result = check_file(path, OPTIONS)
    assert result.bedrag_gedeclareerd == Decimal(6000)
    pm023 = result.bevindingen.filter(pl.col("controle") == "PM023")
    assert pm023.select("rij", "cel").rows() == [(3, "J2"), (4, "J2")]
    assert pm023["melding"][0].startswith("Bedrag valt in de samengevoegde cellen J2:J4")


# -- 14: a csv in UTF-8 with a few bytes of another encoding ------------------------------------


def test_mixed_encoding_csv_keeps_its_utf8_and_says_where_it_was_not(tmp_path: Path) -> None:
    header = ";".join([*HDR, "Reden beëindiging"]).encode("utf-8")
    good = "908301662;TW0000001;54;54011;01-01-2023;31-01-2023;14;8;250,00;2.000,00;31"
    odd = "908301662;TW0000001;54;54011;01-02-2023;28-02-2023;14;8;250,00;2.000,00;31 café"
    data = b"\r\n".join([header, good.encode("utf-8"), odd.encode("cp1252")]) + b"\r\n"
    path = tmp_path / "gemengd.csv"
    path.write_bytes(data)
    werkmap = read_tables(path)
    info = werkmap.productie[0]
    assert info.kolommen["reden_beeindiging"].kop == "Reden beëindiging"
    assert any("1 teken(s) op regel 3 staan in een andere codering" in m for m in werkmap.meldingen)


# -- 15: dates whose day and month could swap ---------------------------------------------------


def _dates_csv(path: Path, births: list[str]) -> Path:
    lines = [",".join([*HDR, "Geboortedatum"])]
    for n, birth in enumerate(births, start=1):
        lines.append(
            f"908301662,TW0000001,54,54011,2023-0{n}-01,2023-0{n}-28,14,8,250.00,2000.00,{birth}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_slash_dates_that_could_swap_are_read_dutch_and_reported(tmp_path: Path) -> None:
    path = _dates_csv(tmp_path / "us.csv", ["5/6/2005", "5/6/2005"])
    info = read_tables(path).productie[0]
    assert info.frame["geboortedatum"].to_list() == [dt.date(2005, 6, 5)] * 2
    assert info.frame["geboortedatum__soepel"].to_list() == [True, True]
    result = check_file(path, OPTIONS)
    pm022 = result.bevindingen.filter((pl.col("controle") == "PM022") & (pl.col("cel") == "K2"))
    assert pm022["melding"][0] == (
        "Geboortedatum '5/6/2005' is dubbelzinnig en gelezen als 05-06-2005 (dag/maand/jaar, "
        "zoals in het Nederlands); is 06-05-2005 bedoeld, typ dan 06-05-2005"
    )


def test_a_day_above_12_second_shows_an_american_export(tmp_path: Path) -> None:
    path = _dates_csv(tmp_path / "us.csv", ["5/6/2005", "5/16/2005"])
    info = read_tables(path).productie[0]
    assert info.frame["geboortedatum"].to_list() == [dt.date(2005, 5, 6), dt.date(2005, 5, 16)]
    assert info.frame["geboortedatum__soepel"].to_list() == [True, True]


def test_a_day_above_12_first_settles_the_dutch_order(tmp_path: Path) -> None:
    path = _dates_csv(tmp_path / "nl.csv", ["5/6/2005", "16/5/2005"])
    info = read_tables(path).productie[0]
    assert info.frame["geboortedatum"].to_list() == [dt.date(2005, 6, 5), dt.date(2005, 5, 16)]
    assert info.frame["geboortedatum__soepel"].to_list() == [False, False]


# -- 16: hidden rows and columns ----------------------------------------------------------------


def test_hidden_rows_are_read_and_said(tmp_path: Path) -> None:
    path, book = workbook(tmp_path / "rij.xlsx", [row(m) for m in (1, 2, 3)])
    book["Productie"].row_dimensions[3].hidden = True
    book.save(path)
    info = read_tables(path).productie[0]
    assert info.frame.height == 3
    assert any(m.startswith("1 verborgen rij(en) (rij 3) zijn ook gelezen") for m in info.meldingen)


def test_of_two_columns_for_one_field_the_visible_one_is_read(tmp_path: Path) -> None:
    rows = [[*row(m)[:9], 99, row(m)[9]] for m in (1, 2)]
    path, book = workbook(tmp_path / "kolom.xlsx", rows, header=[*HDR, "Bedrag"])
    book["Productie"].column_dimensions["J"].hidden = True
    book.save(path)
    info = read_tables(path).productie[0]
    assert info.kolommen["bedrag"].letter == "K"
    assert info.frame["bedrag"].to_list() == [Decimal(2000)] * 2
    assert any(
        "'Bedrag' (J) is verborgen; de zichtbare kolom 'Bedrag' (K)" in m for m in info.meldingen
    )


# -- 18: PM022 in English notation --------------------------------------------------------------


def test_pm022_names_english_notation(tmp_path: Path) -> None:
    path, _ = workbook(tmp_path / "en.xlsx", [row(1, Bedrag="2,000.00"), row(2, Bedrag="2.000,00")])
    messages = dict(
        check_file(path, OPTIONS)
        .bevindingen.filter(pl.col("controle") == "PM022")
        .select("cel", "melding")
        .rows()
    )
    assert messages["J2"] == (
        "Bedrag '2,000.00' is tekst in Engelse notatie (punt als decimaalteken, komma tussen "
        "duizendtallen); gelezen als het getal 2000"
    )
    assert "decimale komma" in messages["J3"]


# -- 19: numbers in date columns ----------------------------------------------------------------


def test_a_year_in_a_date_column_is_no_date_and_a_serial_is_reported(tmp_path: Path) -> None:
    rows = [row(1, Begindatum=2023), row(2, Begindatum=44958)]
    path, _ = workbook(tmp_path / "d.xlsx", rows)
    info = read_tables(path).productie[0]
    assert info.frame["begindatum"].to_list() == [None, dt.date(2023, 2, 1)]
    found = findings(path)
    assert ("Productie", "E2", "PM003") in found
    assert ("Productie", "E3", "PM022") in found


# -- 8: the reader gives every table its ambiguous numbers --------------------------------------


def test_ambiguous_numbers_are_marked_in_the_allocation_list_too(tmp_path: Path) -> None:
    path = tmp_path / "tw.csv"
    path.write_text(
        ";".join(TW_HDR) + "\n908301662;TW0000001;54;54011;01-01-2023;31-12-2023;372;14;totaal;"
        "93.000;herstel;Toegang\n",
        encoding="utf-8",
    )
    info = read_tables(path, tables=("toewijzingen",), los=True).toewijzingen
    assert info is not None
    assert info.frame["budget"].to_list() == [Decimal(93000)]
    assert info.frame["budget__dubbelzinnig"].to_list() == [True]


@pytest.mark.parametrize("text", ["1/31/2023", "2/28/2023", "12/31/2023"])
def test_a_slash_date_with_one_reading_only_is_read_and_said(tmp_path: Path, text: str) -> None:
    """ "1/31/2023" has no day/month reading: one such text never stops the file (it did:
    "ValueError: month must be in 1..12"); it is read month-first and PM022 says so."""
    path, _ = workbook(tmp_path / "us.xlsx", [row(1, Einddatum=text)])
    result = check_file(path, OPTIONS)
    assert result.checked, result.melding
    pm022 = result.bevindingen.filter(pl.col("controle") == "PM022")
    said = pm022.get_column("melding").to_list()
    assert any("in de volgorde maand/dag/jaar" in m for m in said), said


def test_pm010_a_negative_amount_without_debet_credit_is_a_credit_that_is_said(
    tmp_path: Path,
) -> None:
    """IV091: without a Debet/credit column a negative Bedrag is a credit line; it is taken
    off the declared total, and never silently: PM010 warns on the cell."""
    path, _ = workbook(tmp_path / "neg.xlsx", [row(1), row(2, Bedrag=-2000)])
    result = check_file(path, OPTIONS)
    warned = result.bevindingen.filter(pl.col("controle") == "PM010")
    assert warned.select("cel", "ernst").rows() == [("J3", "waarschuwing")]
    assert "is negatief en is gelezen als creditregel" in warned["melding"][0]
    assert result.bedrag_gedeclareerd == Decimal(0)  # 2.000 debit, 2.000 credit
