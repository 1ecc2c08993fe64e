"""Reading what is really in the workbook (issue 9): the package, not the reading library's guess.

Workbooks from several writers (openpyxl, xlsxwriter, LibreOffice, hand-built XML for the shapes
only Excel or odd writers produce), each read by `batch.reader` and checked by `check_file`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from batch.reader import OnleesbaarBestand, read_tables
from batch.run import Options, check_file
from batch.xlsx_scan import inspect_package, scan_sheet, scan_sheet_parsed
from tests import handmade
from tests.handmade import HEADER, X15, Package, Raw, Sheet, production, serial, sheet_xml

MARCH_1, MARCH_31 = dt.date(2023, 3, 1), dt.date(2023, 3, 31)
ROW = ["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, 54]
OPTIONS = Options(profiel="ijsselland-2023", schrijven=False)
SOFFICE = shutil.which("soffice")


def dates(path: Path, sheet: int = 0) -> list[tuple[dt.date | None, dt.date | None]]:
    info = read_tables(path).productie[sheet]
    return info.frame.select("begindatum", "einddatum").rows()


def by_check(path: Path, controle: str, **options: object) -> list[tuple[int, str]]:
    result = check_file(path, Options(profiel="ijsselland-2023", schrijven=False, **options))
    assert result.checked, result.melding
    found = result.bevindingen.filter(pl.col("controle") == controle)
    return found.select("rij", "cel").rows()


def libreoffice_copy(source: Path, folder: Path) -> Path:
    """`source` opened and saved again as .xlsx by LibreOffice."""
    folder.mkdir()
    subprocess.run(
        [SOFFICE, "--headless", "--convert-to", "xlsx", "--outdir", str(folder), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return folder / source.name


# --- the 1904 date system ---------------------------------------------------------------------


def _mac_row(day: dt.date, end: dt.date) -> list[object]:
    cells = [Raw(f'<c r="{{ref}}" s="1"><v>{serial(d, date1904=True)}</v></c>') for d in (day, end)]
    return ["111222333", "45A48", *cells, "01", 60, 0.9, 54]


def test_1904_with_excel_2013_extension_is_read_in_1904(tmp_path: Path) -> None:
    """calamine#706: the x15:workbookPr after the real one hides date1904 from calamine."""
    path = production(
        tmp_path / "mac.xlsx",
        [_mac_row(MARCH_1, MARCH_31)],
        workbook_pr='<workbookPr date1904="1" defaultThemeVersion="166925"/>',
        extra_workbook=(
            f'<extLst><ext uri="{{140A7094-0E35-4892-8432-C4D2E57EDEB5}}" xmlns:x15="{X15}">'
            '<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst>'
        ),
    )
    facts = inspect_package(path)
    assert (facts.date1904, facts.calamine_date1904) == (True, False)
    assert dates(path) == [(MARCH_1, MARCH_31)]
    assert any("1904" in m for m in read_tables(path).meldingen)
    assert by_check(path, "PM007") == by_check(path, "PM014") == []


def test_1904_without_extension_is_not_corrected_twice(tmp_path: Path) -> None:
    path = production(
        tmp_path / "mac.xlsx",
        [_mac_row(MARCH_1, MARCH_31)],
        workbook_pr='<workbookPr date1904="true"/>',
    )
    facts = inspect_package(path)
    assert (facts.date1904, facts.calamine_date1904) == (True, True)
    assert dates(path) == [(MARCH_1, MARCH_31)]
    assert not any("1904" in m for m in read_tables(path).meldingen)


def test_1900_workbook_with_a_stray_1904_extension_stays_1900(tmp_path: Path) -> None:
    """The reverse of #706: only the main workbookPr counts, whatever comes after it."""
    path = production(
        tmp_path / "raar.xlsx",
        [ROW],
        extra_workbook=f'<extLst><ext uri="{{x}}" xmlns:x15="{X15}"><x15:workbookPr date1904="1"/></ext></extLst>',
    )
    facts = inspect_package(path)
    assert (facts.date1904, facts.calamine_date1904) == (False, True)
    assert dates(path) == [(MARCH_1, MARCH_31)]


def test_1904_from_openpyxl(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    sheet.append(ROW)
    for ref in ("C2", "D2"):
        sheet[ref].number_format = "dd-mm-yyyy"
    book.save(tmp_path / "mac.xlsx")
    assert inspect_package(tmp_path / "mac.xlsx").date1904
    assert dates(tmp_path / "mac.xlsx") == [(MARCH_1, MARCH_31)]


def test_iso_dates_in_a_1904_workbook_are_not_shifted(tmp_path: Path) -> None:
    iso = [
        Raw('<c r="{ref}" t="d"><v>2023-03-01</v></c>'),
        Raw('<c r="{ref}" t="d"><v>2023-03-31T00:00:00Z</v></c>'),
    ]
    path = production(
        tmp_path / "mac.xlsx",
        [["111222333", "45A48", *iso, "01", 60, 0.9, 54]],
        workbook_pr='<workbookPr date1904="1"/>',
        extra_workbook=f'<extLst><ext uri="{{x}}" xmlns:x15="{X15}"><x15:workbookPr/></ext></extLst>',
    )
    assert dates(path) == [(MARCH_1, MARCH_31)]


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_1904_saved_by_libreoffice(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    sheet.append(ROW)
    for ref in ("C2", "D2"):
        sheet[ref].number_format = "dd-mm-yyyy"
    book.save(tmp_path / "mac.xlsx")
    copy = libreoffice_copy(tmp_path / "mac.xlsx", tmp_path / "lo")
    assert dates(copy) == [(MARCH_1, MARCH_31)]


# --- ISO dates (t="d") --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2023-03-01", "2023-03-01T00:00:00", "2023-03-01T00:00:00Z", "2023-03-01T00:00:00.000"],
)
def test_iso_date_cells_are_dates_not_text(tmp_path: Path, value: str) -> None:
    iso = Raw(f'<c r="{{ref}}" t="d"><v>{value}</v></c>')
    path = production(
        tmp_path / "iso.xlsx", [["111222333", "45A48", iso, MARCH_31, "01", 60, 0.9, 54]]
    )
    assert dates(path) == [(MARCH_1, MARCH_31)]
    assert by_check(path, "PM022") == []
    assert by_check(path, "PM003") == []


def test_iso_date_cells_from_openpyxl(tmp_path: Path) -> None:
    book = openpyxl.Workbook(iso_dates=True)
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    sheet.append(ROW)
    book.save(tmp_path / "iso.xlsx")
    assert b't="d"' in zipfile.ZipFile(tmp_path / "iso.xlsx").read("xl/worksheets/sheet1.xml")
    assert dates(tmp_path / "iso.xlsx") == [(MARCH_1, MARCH_31)]
    assert by_check(tmp_path / "iso.xlsx", "PM022") == []


# --- formulas without a saved result, placeholders, error values --------------------------------


def test_openpyxl_formulas_have_no_result(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    for r in (2, 3, 4):
        sheet.append(["111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, f"=F{r}*G{r}"])
    book.save(tmp_path / "script.xlsx")
    result = check_file(tmp_path / "script.xlsx", OPTIONS)
    pm023 = result.bevindingen.filter(pl.col("controle") == "PM023")
    assert pm023.select("rij", "cel", "waarde").rows() == [
        (2, "H2", "=F2*G2"),
        (3, "H3", "=F3*G3"),
        (4, "H4", "=F4*G4"),
    ]
    assert result.fouten >= 3
    assert (result.onbekend, result.bedragen_onbekend) == (3, 3)
    assert result.bedrag_gedeclareerd == 0  # a lower bound: the unknown amounts are counted apart
    assert result.gelezen[0].onbekend == ["H2", "H3", "H4"]


def test_xlsxwriter_placeholder_zero_is_unknown_and_given_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "xw.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["111222333", "45A48", "01-03-2023", "31-03-2023", "01", 60, 0.9])
    sheet.write_formula("H2", "=F2*G2")  # XlsxWriter stores 0 as the result
    sheet.write_row(2, 0, ["111222333", "45A49", "01-03-2023", "31-03-2023", "01", 60, 0.9])
    sheet.write_formula("H3", "=F3*G3", None, 54)  # the script gives the result
    book.close()
    info = read_tables(path).productie[0]
    assert info.onbekend.select("_rij", "letter", "reden", "waarde").rows() == [
        (2, "H", "herberekenen", "0")
    ]
    assert info.frame["bedrag"].to_list() == [None, Decimal("54")]


def test_formula_with_saved_result_is_that_result(tmp_path: Path) -> None:
    formula = Raw('<c r="{ref}"><f>F2*G2</f><v>54</v></c>')
    path = production(tmp_path / "excel.xlsx", [[*ROW[:7], formula]])
    info = read_tables(path).productie[0]
    assert info.frame["bedrag"].to_list() == [Decimal("54")]
    assert info.onbekend.height == 0


def test_shared_formulas_and_prefixed_markup_without_results(tmp_path: Path) -> None:
    """The .NET Open XML SDK style (every element x:-prefixed), shared formulas without `<v>`."""
    first = Raw('<{p}c r="{ref}"><{p}f t="shared" ref="H2:H3" si="0">F2*G2</{p}f></{p}c>')
    second = Raw('<{p}c r="{ref}"><{p}f t="shared" si="0"/></{p}c>')
    path = production(tmp_path / "sdk.xlsx", [[*ROW[:7], first], [*ROW[:7], second]], prefix="x:")
    info = read_tables(path).productie[0]
    assert info.onbekend.select("_rij", "letter", "formule").rows() == [
        (2, "H", "F2*G2"),
        (3, "H", None),
    ]


def test_empty_string_result_is_a_result(tmp_path: Path) -> None:
    """Excel saves a formula giving "" as t="str" with an empty <v>: a result, not unknown."""
    empty = Raw('<c r="{ref}" t="str"><f>IF(1,"","x")</f><v></v></c>')
    path = production(tmp_path / "leeg.xlsx", [[*ROW[:7], empty]])
    assert read_tables(path).productie[0].onbekend.height == 0


def test_error_values_are_unknown(tmp_path: Path) -> None:
    error = Raw('<c r="{ref}" t="e"><f>F2/0</f><v>#DIV/0!</v></c>')
    path = production(tmp_path / "fout.xlsx", [[*ROW[:7], error]])
    info = read_tables(path).productie[0]
    assert info.onbekend.select("letter", "reden", "waarde", "formule").rows() == [
        ("H", "foutwaarde", "#DIV/0!", "F2/0")
    ]
    assert by_check(path, "PM023") == [(2, "H2")]


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_saves_results_and_error_values(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    sheet.append([*ROW[:7], "=F2*G2"])
    sheet.append([*ROW[:7], "=F3/0"])
    book.save(tmp_path / "script.xlsx")
    copy = libreoffice_copy(tmp_path / "script.xlsx", tmp_path / "lo")
    info = read_tables(copy).productie[0]
    assert info.frame["bedrag"].to_list() == [Decimal("54"), None]
    assert info.onbekend.select("_rij", "reden").rows() == [(3, "foutwaarde")]


def test_cells_without_reference_are_placed_by_a_full_parse(tmp_path: Path) -> None:
    """`r` is optional on <c> and <row>; a formula found there needs counting to be placed."""
    xml = (
        sheet_xml([HEADER, ROW])
        .replace('<c r="H2"><v>54</v></c>', "<c><f>F2*G2</f></c>")
        .replace(' r="G2"', "")
    )
    path = handmade.write(tmp_path / "zonder-r.xlsx", Package([Sheet("Productie", xml)]))
    scan = scan_sheet(path, "xl/worksheets/sheet1.xml")
    assert [(c.rij, c.kolom, c.formule) for c in scan.onbekend] == [(2, 7, "F2*G2")]
    assert by_check(path, "PM023") == [(2, "H2")]


# --- merged cells -------------------------------------------------------------------------------


def test_merged_bsn_from_openpyxl(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    for code in ("45A48", "45A49", "45A50"):
        sheet.append(["123456789", code, MARCH_1, MARCH_31, "01", 60, 0.9, 54])
    sheet.merge_cells("A2:A4")
    book.save(tmp_path / "samengevoegd.xlsx")
    info = read_tables(tmp_path / "samengevoegd.xlsx").productie[0]
    assert info.frame["bsn"].to_list() == ["123456789"] * 3
    assert by_check(tmp_path / "samengevoegd.xlsx", "PM002") == [(2, "A2"), (3, "A2"), (4, "A2")]
    assert by_check(tmp_path / "samengevoegd.xlsx", "PM001") == []


def test_merged_bsn_from_xlsxwriter_and_libreoffice(tmp_path: Path) -> None:
    path = tmp_path / "xw.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, HEADER)
    for r, code in enumerate(("45A48", "45A49"), start=1):
        sheet.write_row(r, 1, [code, "01-03-2023", "31-03-2023", "01", 60, 0.9, 54])
    sheet.merge_range("A2:A3", "111222333")
    book.close()
    assert read_tables(path).productie[0].frame["bsn"].to_list() == ["111222333"] * 2
    if SOFFICE:
        copy = libreoffice_copy(path, tmp_path / "lo")
        assert read_tables(copy).productie[0].frame["bsn"].to_list() == ["111222333"] * 2


# --- the <dimension> and part names -------------------------------------------------------------


@pytest.mark.parametrize(
    "dimension",
    [
        '<dimension ref="A0:AZ48943"/>',
        '<dimension ref=""/>',
        '<dimension ref="A1:B2:C3"/>',
        '<dimension ref="1A:B2"/>',
        "<dimension/>",
        '<dimension ref="A0"></dimension>',
    ],
)
def test_nonsense_dimension_is_ignored(tmp_path: Path, dimension: str) -> None:
    path = production(tmp_path / "dim.xlsx", [ROW, ROW], head=dimension)
    assert inspect_package(path).bad_dimensions
    info = read_tables(path).productie[0]
    assert info.frame.height == 2
    assert by_check(path, "PM015") == [(2, "B2"), (3, "B3")]  # the rows are really checked


def test_wrong_but_readable_dimension_is_ignored(tmp_path: Path) -> None:
    path = production(tmp_path / "dim.xlsx", [ROW, ROW, ROW], head='<dimension ref="A1:B2"/>')
    assert not inspect_package(path).bad_dimensions
    assert read_tables(path).productie[0].frame.height == 3


def test_part_names_match_whatever_their_case(tmp_path: Path) -> None:
    formula = Raw('<c r="{ref}"><f>F2*G2</f></c>')
    xml = sheet_xml(
        [HEADER, [*ROW[:7], formula]],
        tail='<mergeCells count="1"><mergeCell ref="B2:B2"/></mergeCells>',
    )
    pkg = Package(
        [Sheet("Productie", xml)],
        part_case={
            "xl/worksheets/sheet1.xml": "XL/Worksheets/Sheet1.XML",
            "xl/workbook.xml": "xl/Workbook.xml",
        },
    )
    path = handmade.write(tmp_path / "hoofdletters.xlsx", pkg)
    facts = inspect_package(path)
    assert facts.sheets[0].part == "XL/Worksheets/Sheet1.XML"
    assert by_check(path, "PM023") == [(2, "H2")]


# --- which sheets -------------------------------------------------------------------------------


def _workbook_with_sheets(path: Path, states: dict[str, str]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for n, (name, state) in enumerate(states.items()):
        sheet = book.create_sheet(name)
        sheet.sheet_state = state
        sheet.append(HEADER)
        sheet.append(
            ["123456789" if n == 0 else "111222333", "45A48", MARCH_1, MARCH_31, "01", 60, 0.9, 54]
        )
    book.active = len(states) - 1
    book.save(path)
    return path


def test_hidden_sheets_are_skipped_with_a_note(tmp_path: Path) -> None:
    path = _workbook_with_sheets(
        tmp_path / "verborgen.xlsx",
        {"Productie mrt": "hidden", "Oud": "veryHidden", "Productie apr": "visible"},
    )
    werkmap = read_tables(path)
    assert [info.blad for info in werkmap.productie] == ["Productie apr"]
    assert [(g.blad, g.rol, g.reden) for g in werkmap.gelezen] == [
        ("Productie mrt", "overgeslagen", "verborgen blad"),
        ("Oud", "overgeslagen", "zeer verborgen blad"),
        ("Productie apr", "productie", "herkend aan de bladnaam"),
    ]
    assert any("'Productie mrt', 'Oud'" in m and "--blad" in m for m in werkmap.meldingen)
    assert by_check(path, "PM002") == []  # the invalid BSN is on the hidden sheet


def test_blad_picks_sheets_by_name_also_hidden_ones(tmp_path: Path) -> None:
    path = _workbook_with_sheets(
        tmp_path / "verborgen.xlsx", {"Productie mrt": "hidden", "Productie apr": "visible"}
    )
    werkmap = read_tables(path, bladen=["productie MRT"])
    assert [info.blad for info in werkmap.productie] == ["Productie mrt"]
    assert [(g.blad, g.rol) for g in werkmap.gelezen] == [
        ("Productie mrt", "productie"),
        ("Productie apr", "overgeslagen"),
    ]
    assert by_check(path, "PM002", bladen=("Productie mrt",)) == [(2, "A2")]


def test_blad_that_does_not_exist_is_a_clear_message(tmp_path: Path) -> None:
    path = _workbook_with_sheets(tmp_path / "twee.xlsx", {"Januari": "visible"})
    with pytest.raises(
        OnleesbaarBestand, match=r"blad 'Maart' \(--blad\) bestaat niet; de werkmap heeft 'Januari'"
    ):
        read_tables(path, bladen=["Maart"])
    result = check_file(
        path, Options(profiel="ijsselland-2023", schrijven=False, bladen=("Maart",))
    )
    assert result.status == "niet gecontroleerd"


def test_every_visible_production_sheet_is_checked(tmp_path: Path) -> None:
    path = _workbook_with_sheets(
        tmp_path / "maanden.xlsx", {"Januari": "visible", "Februari": "visible"}
    )
    result = check_file(path, OPTIONS)
    assert [(g.blad, g.rol, g.rijen) for g in result.gelezen] == [
        ("Januari", "productie", 1),
        ("Februari", "productie", 1),
    ]
    assert result.rijen == 2
    pm002 = result.bevindingen.filter(pl.col("controle") == "PM002")
    assert pm002.select("blad", "rij").rows() == [("Januari", 2)]
    # Checked together (totals and doubles span the sheets): nothing to excuse in a note.
    assert not any("apart gecontroleerd" in m for m in result.meldingen)


def test_a_summary_sheet_is_not_production(tmp_path: Path) -> None:
    path = tmp_path / "overzicht.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(HEADER)
    sheet.append(ROW)
    summary = book.create_sheet("Overzicht")
    summary.append(["BSN", "Productcode", "Totaal"])
    summary.append(["111222333", "45A48", 54])
    book.save(path)
    werkmap = read_tables(path)
    assert [info.blad for info in werkmap.productie] == ["Productie"]
    assert werkmap.gelezen[1].rol == "overgeslagen"
    assert "te weinig kolommen" in werkmap.gelezen[1].reden


def test_header_only_workbook_has_no_rows(tmp_path: Path) -> None:
    path = production(tmp_path / "leeg.xlsx", [])
    result = check_file(path, OPTIONS)
    assert result.checked and result.rijen == 0
    assert [(g.rol, g.rijen, g.kopregel) for g in result.gelezen] == [("productie", 0, 1)]


def test_chart_sheets_are_skipped(tmp_path: Path) -> None:
    chart = Sheet(
        "Grafiek",
        '<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
        kind="chartsheet",
    )
    pkg = Package([Sheet("Productie", sheet_xml([HEADER, ROW])), chart])
    path = handmade.write(tmp_path / "grafiek.xlsx", pkg)
    werkmap = read_tables(path)
    assert [(g.blad, g.rol, g.reden) for g in werkmap.gelezen][1] == (
        "Grafiek",
        "overgeslagen",
        "grafiekblad, geen tabel",
    )


# --- what was read ------------------------------------------------------------------------------


def test_gelezen_names_the_mapping_synonyms_and_header_rows(tmp_path: Path) -> None:
    rows = [
        ["Productiemonitor maart"],
        ["Burgerservicenummer", "Code", "Periode", None, "Eenheid", "Volume"],
        [None, None, "Van", "Tot", None, None],
        ["111222333", "45A48", MARCH_1, MARCH_31, "01", 60],
    ]
    path = write_rows(tmp_path / "kop.xlsx", rows)
    blad = check_file(path, OPTIONS).gelezen[0]
    assert (blad.kopregel, blad.koprijen, blad.rijen) == (3, 2, 1)
    assert [(k.kop, k.veld, k.synoniem) for k in blad.kolommen] == [
        ("Burgerservicenummer", "bsn", True),
        ("Code", "productcode", True),
        ("Van", "begindatum", True),
        ("Tot", "einddatum", True),
        ("Eenheid", "eenheid", False),
        ("Volume", "aantal", True),
    ]
    assert any("twee rijen" in m for m in blad.meldingen)
    assert blad.as_dict()["kolommen"][0] == {
        "kop": "Burgerservicenummer",
        "veld": "bsn",
        "veldkop": "BSN",
        "letter": "A",
        "synoniem": True,
    }


def write_rows(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Productie"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --- numbers: a number cell is its number, text is read the Dutch way -----------------------------


def test_number_cells_and_dutch_text_in_one_column(tmp_path: Path) -> None:
    path = tmp_path / "getallen.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, HEADER)
    values: list[object] = [7.688, "7.688", "1.234,56", 2.125, "54,42"]
    for r, value in enumerate(values, start=1):
        sheet.write_row(r, 0, ["111222333", "45A48", "01-03-2023", "31-03-2023", "04"])
        if isinstance(value, str):
            sheet.write_string(r, 5, value)
        else:
            sheet.write_number(r, 5, value)
    book.close()
    info = read_tables(path).productie[0]
    assert info.frame["aantal"].to_list() == [
        Decimal("7.688"),
        Decimal("7688"),
        Decimal("1234.56"),
        Decimal("2.125"),
        Decimal("54.42"),
    ]
    assert info.frame["aantal__soepel"].to_list() == [False, True, True, False, True]
    # "7.688" typed as text is ambiguous, but "1.234,56" and "54,42" show the Dutch convention.
    assert info.frame["aantal__dubbelzinnig"].to_list() == [False] * 5


# --- the fast scan equals a full parse ----------------------------------------------------------


def _scan_corpus(folder: Path) -> list[Path]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([*ROW[:7], "=F2*G2"])
    sheet.merge_cells("A3:A4")
    book.save(folder / "openpyxl.xlsx")
    xw = xlsxwriter.Workbook(folder / "xlsxwriter.xlsx")
    ws = xw.add_worksheet()
    ws.write_row(0, 0, HEADER)
    ws.write_formula("H2", "=F2*G2")
    ws.write_formula("H3", "=F3*G3", None, 5)
    ws.merge_range("B4:C5", "x")
    xw.close()
    formula = Raw('<{p}c r="{ref}" t="e"><{p}f>1/0</{p}f><{p}v>#DIV/0!</{p}v></{p}c>')
    iso = Raw("<{p}c r=\"{ref}\" t='d'><{p}v>2023-03-01</{p}v></{p}c>")
    production(folder / "sdk.xlsx", [[*ROW[:6], formula, iso]], prefix="x:")
    valued = Raw('<c r="{ref}"><f>F2*G2</f><v>54</v></c>')
    placeholder = Raw('<c r="{ref}"><f>F3*G3</f><v>0</v></c>')
    production(folder / "excel.xlsx", [[*ROW[:7], valued], [*ROW[:7], placeholder]])
    return [
        folder / "openpyxl.xlsx",
        folder / "xlsxwriter.xlsx",
        folder / "sdk.xlsx",
        folder / "excel.xlsx",
    ]


def test_fast_scan_equals_the_full_parse(tmp_path: Path) -> None:
    for path in _scan_corpus(tmp_path):
        for herberekenen in (False, True):
            fast = scan_sheet(path, "xl/worksheets/sheet1.xml", herberekenen=herberekenen)
            slow = scan_sheet_parsed(path, "xl/worksheets/sheet1.xml", herberekenen=herberekenen)
            assert fast == slow, path.name
            assert fast.formules or fast.samengevoegd, path.name


def test_blad_naming_a_chart_sheet(tmp_path: Path) -> None:
    chart = Sheet(
        "Grafiek",
        '<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
        kind="chartsheet",
    )
    path = handmade.write(
        tmp_path / "g.xlsx", Package([Sheet("Productie", sheet_xml([HEADER, ROW])), chart])
    )
    with pytest.raises(
        OnleesbaarBestand, match="blad 'Grafiek' \\(--blad\\) is een grafiekblad, geen tabel"
    ):
        read_tables(path, bladen=["grafiek"])
