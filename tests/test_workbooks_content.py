"""What the shipped workbooks offer their users: validations, notes, the backoffice button.

The formulas are proven in test_workbooks.py and LibreOffice opens every workbook in
test_workbooks_libreoffice.py; this file checks what a user meets when typing into them.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from jeugdhulp.columns import COLUMNS, required_columns
from jeugdhulp.profile import load_profile
from workbooks.backoffice_controle import main as backoffice_main
from workbooks.build_backoffice import MACRO, NAME, quickstart_vba_project
from workbooks.build_examples import ADDIN_NOTE, SHIPPED

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
TEMPLATE = WORKBOOKS / "productiemonitor-sjabloon.xlsx"


def _validation(sheet, header: str):  # type: ignore[no-untyped-def]
    headers = [cell.value for cell in sheet[1]]
    letter = openpyxl.utils.get_column_letter(headers.index(header) + 1)
    return next(
        dv
        for dv in sheet.data_validations.dataValidation
        if any(r.coord.startswith(f"{letter}2:") for r in dv.sqref.ranges)
    )


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def test_template_accepts_every_plausible_birth_date() -> None:
    sheet = openpyxl.load_workbook(TEMPLATE)["Productie"]
    rule = _validation(sheet, "Geboortedatum")
    assert rule.type == "date" and rule.operator in (None, "between")
    first = int(rule.formula1)
    # A young adult with verlengde jeugdhulp (born 2003) and a toddler born this year both fit.
    assert first <= _excel_serial(dt.date(2000, 1, 1))
    assert rule.formula2 == "TODAY()"
    assert "vandaag" in rule.error


def test_template_volume_is_a_whole_number() -> None:
    sheet = openpyxl.load_workbook(TEMPLATE)["Productie"]
    rule = _validation(sheet, "Aantal")
    assert (rule.type, rule.operator, rule.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_template_marks_exactly_the_columns_the_reader_requires() -> None:
    book = openpyxl.load_workbook(TEMPLATE)
    for table in ("productie", "toewijzingen", "producten"):
        sheet = book[table.capitalize()]
        dark = {c.value for c in sheet[1] if c.fill.fgColor.rgb.endswith("1F4E78")}
        wanted = {c.kop for c in COLUMNS[table] if c.naam in required_columns(table)}
        assert dark == wanted, table


def test_uitleg_says_what_the_reader_requires() -> None:
    uitleg = openpyxl.load_workbook(TEMPLATE)["Uitleg"]
    rows = [r for r in uitleg.iter_rows(values_only=True) if r[0] in ("Productie", "Toewijzingen")]
    verplicht = {(r[0].lower(), r[1]): r[2] for r in rows}
    for table in ("productie", "toewijzingen"):
        for naam in required_columns(table):
            kop = next(c.kop for c in COLUMNS[table] if c.naam == naam)
            assert (verplicht[(table, kop)] or "").startswith("ja"), (table, kop)
    assert "Minuten" in verplicht[("productie", "Aantal")]
    assert not verplicht[("productie", "Tarief")]


def test_rekenhulp_offers_only_group_intensities_with_a_rate() -> None:
    book = openpyxl.load_workbook(WORKBOOKS / "rekenhulp-standaardbudget.xlsx")
    offered = [c.value for c in book["Lijsten"]["B"] if c.value]
    rates = load_profile("ijsselland-2023").get("groepstarieven")
    assert offered == [name for name, rate in rates.items() if rate]
    assert offered == ["licht"]  # the only group rate the seeds give


def test_rekenhulp_rekentarief_accepts_a_typed_amount() -> None:
    sheet = openpyxl.load_workbook(WORKBOOKS / "rekenhulp-standaardbudget.xlsx")["Rekenhulp"]
    labels = {c.value: c.row for c in sheet["A"] if c.value}
    row = next(r for label, r in labels.items() if str(label).startswith("Rekentarief"))
    rule = next(dv for dv in sheet.data_validations.dataValidation if f"B{row}" in str(dv.sqref))
    assert rule.type == "list" and rule.errorStyle == "information"
    assert "uurtarief" in rule.prompt


@pytest.mark.parametrize(
    ("book", "sheet"),
    [
        ("tarieven.xlsx", "Tarieven"),
        ("tarieven.xlsx", "Vervoer"),
        ("rekenhulp-standaardbudget.xlsx", "Rekenhulp"),
    ],
)
def test_sheets_with_add_in_formulas_say_they_need_the_add_in(book: str, sheet: str) -> None:
    values = [
        c.value for row in openpyxl.load_workbook(WORKBOOKS / book)[sheet].iter_rows() for c in row
    ]
    assert ADDIN_NOTE in values


def test_backoffice_workbook_has_a_button_that_runs_the_quickstart_macro() -> None:
    path = WORKBOOKS / NAME
    assert NAME in SHIPPED and path.suffix == ".xlsm"
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        assert "xl/vbaProject.bin" in names
        vml = next(package.read(n) for n in names if n.endswith(".vml"))
        content_types = package.read("[Content_Types].xml").decode()
    assert f"<x:FmlaMacro>[0]!{MACRO}</x:FmlaMacro>".encode() in vml
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in content_types
    # The macro imports the module named after the workbook and calls its main().
    module = WORKBOOKS / (Path(NAME).stem + ".py")
    assert module.is_file() and callable(backoffice_main)


def test_quickstart_vba_project_holds_the_macro_source() -> None:
    """The button's macro, read from the VBA project with oletools: it runs the workbook's module."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(NAME, data=quickstart_vba_project())
    sources = {name: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    source = sources["Module1.bas"]
    assert f"Sub {MACRO}()" in source
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in source
