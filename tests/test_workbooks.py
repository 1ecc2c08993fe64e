"""The formulas in workbooks/ compute the seed's figures without Excel.

Each workbook is evaluated by the `formulas` package (a pure-Python Excel engine) with the add-in's
Excel functions registered: `formulas.get_functions()` is the package's one (lru-cached, global)
table of function name -> callable, read when a formula is parsed, so the names are added before
`ExcelModel().loads()` and removed again afterwards.

What runs is the Excel layer itself: the adapter below hands every argument to the xlwings
function of `addin.functions` (the `addin._cells` shell: broadcasting, empty cells, error cells)
as the 2-D list xlwings sends (`ndim=2`), with Excel's value types (numbers as float, an empty cell
as None, an error as its text), and turns the returned scalar or 2-D list (a spill) back into what
`formulas` expects. Nothing of the rules is re-implemented here; the expected figures are the
seed's, or computed with integer arithmetic in cents.

The dynamic-array formulas of tarieven.xlsx are stored by xlsxwriter as ``<f t="array"
ref="B2:B7">`` with ``cm`` metadata and without an ``_xlfn`` prefix (the functions are not
built-in); `formulas` reads them through openpyxl as array formulas over B2:B7, which is what
Excel's spill shows, so no workaround is needed.

The cached results stored in the files (what Excel and LibreOffice show before the add-in is
loaded) must be the same figures.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")  # before xlwings is imported (tests/addin_env)
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import openpyxl
import pytest
import schedula as sh
from formulas.functions import wrap_ranges_func
from formulas.tokens.operand import XlError
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from addin import functions
from workbooks.build_examples import SHIPPED

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
REKENHULP = WORKBOOKS / "rekenhulp-standaardbudget.xlsx"
TARIEVEN = WORKBOOKS / "tarieven.xlsx"

#: Excel name -> the add-in's Excel function (what xlwings registers).
EXCEL_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "BUDGETRAMING": functions.budgetraming,
    "STANDAARDBUDGET": functions.standaardbudget,
    "STANDAARDBUDGETNUMMER": functions.standaardbudgetnummer,
    "TARIEFPERMINUUT": functions.tariefperminuut,
    "INDEXEERTARIEF": functions.indexeertarief,
    "VERVOERSCORE": functions.vervoerscore,
    "VERVOERSRECHT": functions.vervoersrecht,
}

# -- the seed's figures ----------------------------------------------------------------------
#: Hourly tariffs in cents (tarieven.xlsx, A2:A7) and the 2020 -> 2021 index of 2,86 %.
HOURLY_CENTS = (5442, 6900, 1620, 2340, 7000, 13000)
INDEX_BASIS_POINTS = 286  # 2,86 % = 286 / 10 000


def per_minute(cents: int) -> float:
    """Hourly tariff / 60, truncated to cents (IJsselland FAQ), in integers."""
    return (cents // 60) / 100


def indexed(cents: int) -> float:
    """Tariff x (1 + 2,86 %), half up to cents, in integers."""
    return ((cents * (10_000 + INDEX_BASIS_POINTS) + 5_000) // 10_000) / 100


EXPECTED: dict[str, dict[str, object]] = {
    "rekenhulp-standaardbudget.xlsx": {
        # Rekenhulp: case Mark; the raming shows as 7.688 (format € #,##0).
        "Rekenhulp!B16": 7687.68,
        "Rekenhulp!B17": 8000.0,
        "Rekenhulp!B18": 5,
        # Casussen: Mark and Frival.
        "Casussen!J2": 7687.68,
        "Casussen!K2": 8000.0,
        "Casussen!L2": 5,
        "Casussen!J3": 8450.0,
        "Casussen!K3": 12000.0,
        "Casussen!L3": 6,
    },
    "tarieven.xlsx": {
        **{f"Tarieven!B{row}": per_minute(c) for row, c in enumerate(HOURLY_CENTS, start=2)},
        **{f"Tarieven!C{row}": indexed(c) for row, c in enumerate(HOURLY_CENTS, start=2)},
        "Vervoer!F2": 720.0,
        "Vervoer!G2": True,
        "Vervoer!F3": 300.0,
        "Vervoer!G3": True,
        "Vervoer!F4": 108.0,
        "Vervoer!G4": False,
    },
}


def test_expected_figures_are_the_seeds():
    """The integer helpers give the FAQ's figures (guards the expectations themselves)."""
    assert [per_minute(c) for c in HOURLY_CENTS[:4]] == [0.90, 1.15, 0.27, 0.39]
    assert indexed(5442) == 55.98  # the FAQ's example: 54,42 with 2,86 %
    assert [indexed(c) for c in HOURLY_CENTS] == [55.98, 70.97, 16.66, 24.07, 72.0, 133.72]


# -- the adapter between `formulas` and the add-in ---------------------------------------------
def _cel(value: Any) -> Any:
    """One cell as xlwings sends it: numbers as float, empty as None, an error as its text."""
    if value is sh.EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)  # xlwings' err_to_str=True: "#VALUE!"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # Excel has no integers
    return value


def _matrix(value: Any) -> list[list[Any]]:
    """An argument as the 2-D list xlwings gives with ndim=2 (a single cell is [[v]])."""
    array = np.asarray(value, dtype=object)
    if array.ndim == 0:
        array = array.reshape(1, 1)
    return [[_cel(v) for v in row] for row in array.reshape(array.shape[0], -1)]


def _result(value: Any) -> Any:
    """What the Excel function returns, as `formulas` takes it (a list spills as an array)."""
    if isinstance(value, list):
        return np.asarray([[sh.EMPTY if v is None else v for v in row] for row in value], object)
    return sh.EMPTY if value is None else value


CALLS: Counter[str] = Counter()


def adapter(name: str, excel_function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        CALLS[name] += 1
        return _result(excel_function(*(_matrix(a) for a in args)))

    call.__name__ = name
    # wrap_ranges_func: the wrapper of the built-in functions, turning Ranges into numpy arrays.
    return wrap_ranges_func(call)


@pytest.fixture(scope="module")
def registered() -> Iterator[None]:
    table = formulas.get_functions()
    with pytest.MonkeyPatch.context() as patch:
        for name, excel_function in EXCEL_FUNCTIONS.items():
            patch.setitem(table, name, adapter(name, excel_function))
        yield


def _key(book: str, address: str) -> str:
    sheet, cell = address.split("!")
    return f"'[{book}]{sheet.upper()}'!{cell}"


def _cells(solution: dict[str, Any], book: str) -> dict[str, Any]:
    """Every evaluated cell of `book` as {'SHEET!A1': value}; array results are split per cell.

    `formulas` spells sheet names in capitals; look cells up with `address.upper()`.
    """
    found: dict[str, Any] = {}
    for key, ranges in solution.items():
        if not key.startswith(f"'[{book}]"):
            continue
        sheet, ref = key.split("]", 1)[1].split("'!")
        cells = ref.split(":")
        value = np.asarray(ranges.value, dtype=object)
        if len(cells) == 1:
            found[f"{sheet}!{ref}"] = value.reshape(-1)[0]
            continue
        first = coordinate_from_string(cells[0])
        column = column_index_from_string(first[0])
        for i, row in enumerate(value):
            for j, item in enumerate(row):
                letter = get_column_letter(column + j)
                found[f"{sheet}!{letter}{first[1] + i}"] = item
    return found


@pytest.fixture(scope="module")
def evaluated(registered: None) -> dict[str, dict[str, Any]]:
    CALLS.clear()
    results = {}
    for path in (REKENHULP, TARIEVEN):
        model = formulas.ExcelModel().loads(str(path)).finish()
        results[path.name] = _cells(model.calculate(), path.name)
    return results


def _same(actual: Any, expected: object) -> bool:
    if isinstance(expected, bool):
        return isinstance(actual, (bool, np.bool_)) and bool(actual) is expected
    return (
        isinstance(actual, (int, float))
        and not isinstance(actual, bool)
        and float(actual) == float(expected)  # type: ignore[arg-type]
    )


# -- evaluation ------------------------------------------------------------------------------
@pytest.mark.parametrize("book", sorted(EXPECTED))
def test_formulas_compute_the_seed_figures(evaluated, book):
    cells = evaluated[book]
    wrong = {
        address: (cells.get(address.upper(), "<niet berekend>"), expected)
        for address, expected in EXPECTED[book].items()
        if not _same(cells.get(address.upper()), expected)
    }
    assert not wrong, f"{book}: (berekend, verwacht) {wrong}"


def test_every_function_was_called_by_the_engine(evaluated):
    """The figures come from the add-in, once per formula (the spills: one call for six cells)."""
    assert dict(CALLS) == {
        "BUDGETRAMING": 3,
        "STANDAARDBUDGET": 3,
        "STANDAARDBUDGETNUMMER": 3,
        "TARIEFPERMINUUT": 1,
        "INDEXEERTARIEF": 1,
        "VERVOERSCORE": 3,
        "VERVOERSRECHT": 3,
    }


def test_no_formula_gives_an_error(evaluated):
    bad = {
        f"{book}:{address}": value
        for book, cells in evaluated.items()
        for address, value in cells.items()
        if isinstance(value, XlError) or (isinstance(value, str) and value.startswith("#"))
    }
    assert not bad


def test_spill_has_exactly_one_value_per_tariff(evaluated):
    cells = evaluated["tarieven.xlsx"]
    spill = [cells[f"TARIEVEN!B{row}"] for row in range(2, 2 + len(HOURLY_CENTS))]
    assert spill == [per_minute(c) for c in HOURLY_CENTS]
    assert "TARIEVEN!B8" not in cells and "TARIEVEN!C8" not in cells


def test_a_changed_input_recomputes(registered):
    """The engine recalculates through the add-in: Frival with 52 instead of 26 weeks."""
    model = formulas.ExcelModel().loads(str(REKENHULP)).finish()
    book = REKENHULP.name
    solution = model.calculate(inputs={_key(book, "Casussen!H3"): 52})
    cells = _cells(solution, book)
    assert cells["CASUSSEN!J3"] == 16900.0  # 2,5 uur x 52 weken x 130,00
    assert (cells["CASUSSEN!K3"], cells["CASUSSEN!L3"]) == (20000.0, 8)
    assert cells["CASUSSEN!K2"] == 8000.0  # Mark unchanged


# -- the files themselves --------------------------------------------------------------------
def _formula_cells(path: Path) -> set[str]:
    workbook = openpyxl.load_workbook(path)
    found = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # a formula or an array formula (ArrayFormula)
                    found.add(f"{sheet.title}!{cell.coordinate}")
    return found


def test_every_formula_in_workbooks_is_covered():
    """A new formula in a workbook must get its expected figure here."""
    formula_cells = {name: _formula_cells(WORKBOOKS / name) for name in SHIPPED}
    assert formula_cells.pop("productiemonitor-sjabloon.xlsx") == set()
    assert formula_cells.pop("voorbeeld-productiemonitor.xlsx") == set()
    assert formula_cells.pop("backoffice_controle.xlsm") == set()
    assert formula_cells["rekenhulp-standaardbudget.xlsx"] == set(
        EXPECTED["rekenhulp-standaardbudget.xlsx"]
    )
    # The two spills are one array formula each, anchored in B2 and C2.
    spills = {"Tarieven!B2", "Tarieven!C2"}
    assert formula_cells["tarieven.xlsx"] == spills | {
        address for address in EXPECTED["tarieven.xlsx"] if address.startswith("Vervoer!")
    }
    assert set(formula_cells) == set(EXPECTED)


def test_spills_are_array_formulas_over_the_whole_column():
    sheet = openpyxl.load_workbook(TARIEVEN)["Tarieven"]
    for anchor, text in (("B2", "=TARIEFPERMINUUT(A2:A7)"), ("C2", "=INDEXEERTARIEF(A2:A7,E2)")):
        formula = sheet[anchor].value
        assert isinstance(formula, ArrayFormula)
        assert formula.text == text
        assert formula.ref == f"{anchor}:{anchor[0]}7"


@pytest.mark.parametrize("book", sorted(EXPECTED))
def test_cached_values_are_the_seed_figures(book):
    workbook = openpyxl.load_workbook(WORKBOOKS / book, data_only=True)
    wrong = {}
    for address, expected in EXPECTED[book].items():
        sheet, cell = address.split("!")
        value = workbook[sheet][cell].value
        if not _same(value, expected):
            wrong[address] = (value, expected)
    assert not wrong, f"{book}: (in het bestand, verwacht) {wrong}"


def test_raming_shows_as_whole_euros():
    sheet = openpyxl.load_workbook(REKENHULP)["Rekenhulp"]
    assert sheet["B16"].number_format == "€ #,##0"
    assert round(Decimal("7687.68")) == 7688  # what the cell shows: € 7.688
