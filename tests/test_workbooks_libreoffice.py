"""LibreOffice opens every workbook in workbooks/ cleanly; the template keeps its validations.

Two headless LibreOffice runs, each in a fresh profile: one exports every sheet of every workbook
to CSV (exit code 0, one file per sheet, LibreOffice's view of the seed figures), one saves the
template as xlsx again (what a user does after opening it), after which openpyxl must still find
the drop-downs and checks on the sheet Productie.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import get_column_letter

from tests.corpus.build_corpus import soffice_convert
from workbooks.build_examples import SHIPPED

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        shutil.which("soffice") is None and shutil.which("libreoffice") is None,
        reason="LibreOffice (soffice) is not installed",
    ),
]

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
TEMPLATE = WORKBOOKS / "productiemonitor-sjabloon.xlsx"
# Export every sheet (last token -1), UTF-8 (76), comma separated, quoted text.
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
SHEETS = {
    "voorbeeld-productiemonitor.xlsx": ["Productie", "Toewijzingen", "Producten"],
    "productiemonitor-sjabloon.xlsx": ["Productie", "Toewijzingen", "Producten", "Uitleg"],
    "rekenhulp-standaardbudget.xlsx": ["Lijsten", "Rekenhulp", "Casussen"],
    "tarieven.xlsx": ["Tarieven", "Vervoer"],
    "backoffice_controle.xlsm": ["Instellingen", "Uitleg", "Samenvatting", "Bevindingen"],
}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("workbooks-libreoffice")
    books = [WORKBOOKS / name for name in SHIPPED]
    exported = soffice_convert(books, root / "csv", ALL_SHEETS_CSV, root / "profile-csv")
    resaved = soffice_convert([TEMPLATE], root / "xlsx", "xlsx", root / "profile-xlsx")
    return {"root": root, "books": books, "exported": exported, "resaved": resaved}


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_the_test_knows_every_workbook(work):
    assert sorted(p.name for p in work["books"]) == sorted(SHEETS)


def test_every_sheet_exports_to_csv(work):
    done = work["exported"]
    assert done.returncode == 0, done.stderr
    csv_dir = work["root"] / "csv"
    expected = {
        f"{Path(book).stem}-{sheet}.csv" for book, sheets in SHEETS.items() for sheet in sheets
    }
    assert {p.name for p in csv_dir.glob("*.csv")} == expected
    for name in expected:
        assert read_csv(csv_dir / name), name  # a sheet with at least its header


def test_example_data_reads_back(work):
    rows = read_csv(work["root"] / "csv" / "voorbeeld-productiemonitor-Productie.csv")
    header = next(row for row in rows if row and row[0] == "BSN")
    assert "Toewijzingnummer" in header
    assert len([row for row in rows[rows.index(header) + 1 :] if any(row)]) == 80


def test_rekenhulp_shows_the_cached_figures(work):
    """No add-in in LibreOffice: ordinary formulas show the results the builder cached."""
    csv_dir = work["root"] / "csv"
    rekenhulp = {
        row[0]: row[1]
        for row in read_csv(csv_dir / "rekenhulp-standaardbudget-Rekenhulp.csv")
        if len(row) > 1
    }
    assert rekenhulp["Raming (groepsaanbod + ambulante jeugdhulp)"] == "7687.68"
    assert rekenhulp["Standaardbudget (eerste budget op of boven de raming)"] == "8000"
    assert rekenhulp["Nummer standaardbudget"] == "5"
    cases = {
        row[0]: row[9:12] for row in read_csv(csv_dir / "rekenhulp-standaardbudget-Casussen.csv")
    }
    assert cases["Mark"] == ["7687.68", "8000", "5"]
    assert cases["Frival"] == ["8450", "12000", "6"]


def test_vervoerscore_shows_the_cached_figures(work):
    rows = read_csv(work["root"] / "csv" / "tarieven-Vervoer.csv")
    scores = {row[0]: row[5] for row in rows[1:4]}
    assert scores == {"A": "720", "B": "300", "C": "108"}


def _validations(path: Path) -> dict[str, tuple[object, ...]]:
    """Column letter -> (type, operator, formula, input message, error message, first, last row)."""
    found = {}
    for validation in openpyxl.load_workbook(path)["Productie"].data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            assert cells.min_col == cells.max_col, cells.coord
            column = get_column_letter(cells.min_col)
            found[column] = (
                validation.type,
                validation.operator or "between",  # the OOXML default, written or not
                validation.formula1,
                validation.prompt,
                validation.error,
                cells.min_row,
                cells.max_row,
            )
    return found


def test_template_survives_a_libreoffice_round_trip(work):
    done = work["resaved"]
    assert done.returncode == 0, done.stderr
    resaved = work["root"] / "xlsx" / TEMPLATE.name
    assert resaved.exists()
    before, after = _validations(TEMPLATE), _validations(resaved)
    assert set(before) == set("AEFGHIJKLMNO")  # BSN, dates, unit, amounts, choices
    assert set(after) == set(before)
    for column, (*rule, first, last) in before.items():
        *rule_after, first_after, last_after = after[column]
        assert rule_after == rule, column  # type, operator, choices, both messages
        assert (first, last) == (2, 2001)
        # LibreOffice 7.4 writes the validations back for rows 2-1001 only (not 2-2001): still
        # far more than a monthly production sheet needs, but not the template's 2000 rows.
        assert first_after == 2 and last_after >= 1001, column
