"""The Excel functions through xlwings' Office.js call path (`xlwings.server.custom_functions_call`).

Payloads are what xlwings' JavaScript sends: one 2-D list per argument (null for an omitted
argument), numbers as floats, text as typed, booleans, dates as Excel serial numbers.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")  # before xlwings is imported
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio
import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
import xlwings as xw
from xlwings import server

from addin import functions
from jeugdhulp.profile import load_profile

if not hasattr(functions.tariefperminuut, "__xlfunc__"):
    raise RuntimeError(
        "xlwings was imported before XLWINGS_ON_SERVER=true was set, so the custom functions "
        "are not registered; import tests/addin_env.py first."
    )

FUNCTIONS = [
    "arrangementscode",
    "bsngeldig",
    "budgetraming",
    "indexeertarief",
    "jwtermijn",
    "segment3",
    "sroi",
    "standaardbudget",
    "standaardbudgetnummer",
    "tariefperminuut",
    "vervoerscore",
    "vervoersrecht",
]
MARK = ("Herstel", 2, 3, 26, "Groepsaanbod licht", 3, 26, "Overwegend begeleiding en lichte hulp")
FRIVAL = ("herstel", None, None, None, None, 2.5, 26, "Grote ggz instellingen / academisch")


def _matrix(value: Any) -> Any:
    if value is None:
        return None  # an omitted argument
    return value if isinstance(value, list) else [[value]]


def call(func_name: str, *args: Any, runtime: str = "1.4", **extra: Any) -> Any:
    """One Excel call through xlwings' Office.js path; returns what xlwings sends to Excel."""
    data = {
        "func_name": func_name,
        "args": [_matrix(a) for a in args],
        "caller_address": "[Boek1]Blad1!A1",
        "version": xw.__version__,
        "runtime": runtime,
        "client": "Office.js",
        **extra,
    }
    return asyncio.run(server.custom_functions_call(data, functions))


def one(func_name: str, *args: Any, **kwargs: Any) -> Any:
    result = call(func_name, *args, **kwargs)
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def is_error(cell: Any, *fragments: str) -> bool:
    return (
        isinstance(cell, str) and cell.startswith("#WAARDE! ") and all(f in cell for f in fragments)
    )


# -- worked examples of the seeds ---------------------------------------------------------------
def test_mark_estimate_and_budget_5() -> None:
    raming = one("budgetraming", *MARK)
    assert raming == 7687.68
    assert round(raming) == 7688
    assert one("standaardbudget", raming) == 8000.0
    assert one("standaardbudgetnummer", raming) == 5


def test_frival_8450_is_budget_6() -> None:
    assert one("budgetraming", *FRIVAL) == 8450.0
    frival_text = (
        "Herstel",
        None,
        None,
        None,
        None,
        "2,5",
        "26",
        "grote GGZ-instellingen/academisch",
    )
    assert one("budgetraming", *frival_text) == 8450.0
    assert one("standaardbudget", 8450) == 12000.0
    assert one("standaardbudgetnummer", 8450.0) == 6


def test_greetje_exact_amount_snaps_to_itself() -> None:
    assert one("standaardbudget", 3000) == 3000.0
    assert one("standaardbudgetnummer", 3000) == 3


def test_offerte_and_medical_referrer() -> None:
    assert one("standaardbudget", 20000.01) == "Offerte"
    assert one("standaardbudgetnummer", 25000) == "Offerte"
    assert one("standaardbudget", 20000) == 20000.0
    medisch = one("standaardbudget", 8450, "Medisch")
    assert medisch.startswith("Overleg met de Toegang")
    assert one("standaardbudgetnummer", 8450, "huisarts") == medisch
    assert one("standaardbudget", 7687.68, "medisch") == 8000.0


def test_budget_rekentarief_as_amount_and_duurzaam() -> None:
    assert one("budgetraming", "Herstel", None, None, None, None, 3, 26, 70) == 5460.0
    assert one("budgetraming", "Herstel", None, None, None, None, 3, 26, "70,00") == 5460.0
    assert one("budgetraming", "duurzaam", None, None, None, None, 1, None, 70) == 3640.0
    assert is_error(one("budgetraming", "duurzaam", None, None, None, None, 1, 26, 70), "52 weken")


@pytest.mark.parametrize(
    ("uurtarief", "expected"),
    [
        (54.42, 0.90),
        ("54,42", 0.90),
        (69, 1.15),
        (69.0, 1.15),
        ("69,00", 1.15),
        (16.2, 0.27),
        (23.4, 0.39),
    ],
)
def test_tarief_per_minuut_truncates(uurtarief: Any, expected: float) -> None:
    assert one("tariefperminuut", uurtarief) == expected


def test_indexeer_tarief_excel_percentage() -> None:
    assert one("indexeertarief", 54.42, 0.0286) == 55.98
    assert one("indexeertarief", "54,42", "2,86%") == 55.98
    assert is_error(one("indexeertarief", 54.42, 2.86), "2,86%")


@pytest.mark.parametrize(
    ("args", "score", "recht"),
    [((6, 3, 4, 40), 720.0, True), ((4, 5, 4, 15), 300.0, True), ((12, 1, 4, 9), 108.0, False)],
)
def test_transport_examples_a_b_c(args: tuple[int, ...], score: float, recht: bool) -> None:
    assert one("vervoerscore", *args) == score
    assert one("vervoersrecht", *args) is recht


def test_arrangement_codes() -> None:
    assert one("arrangementscode", 2, "Zwaar") == "50H23"
    assert one("arrangementscode", 9.0, "doorlopend") == "50H94"
    assert one("arrangementscode", "1", 1) == "50H11"
    assert one("arrangementscode", 2, " ZWAAR ") == "50H23"
    assert is_error(one("arrangementscode", 10, "Zwaar"), "Arrangement '10'")
    assert is_error(one("arrangementscode", 2.5, "Zwaar"), "arrangement", "geen geheel getal")
    assert is_error(one("arrangementscode", 2, "Superzwaar"), "Intensiteit 'Superzwaar'")


def test_segment3_step_5a() -> None:
    assert one("segment3", "Zwaar", False, 80, 0, 0) is True
    assert one("segment3", "Zwaar", False, 75, 110, 110) is False
    assert one("segment3", "chronisch", "ja", None, None, None) is True
    assert one("segment3", "Zwaar", None, None, 111, None) is True
    assert one("segment3", "Zwaar", False, 0, 0, 111.0) is True
    assert one("segment3", "Zwaar", False, 0, 0, 0, True) is True
    assert one("segment3", "Zwaar", "ONWAAR", "10,5", 0, 0, "nee") is False
    # Intensities without the star: FALSE, whatever the hours.
    assert one("segment3", "Midden", True, 500, 500, 500, True) is False
    assert one("segment3", 1, True, 500, 500, 500) is False
    assert is_error(one("segment3", "Zwaar", "misschien", 0, 0, 0), "intramuraal")


def test_bsn() -> None:
    assert one("bsngeldig", "111222333") is True
    assert one("bsngeldig", 111222333.0) is True
    assert one("bsngeldig", "111222334") is False
    assert one("bsngeldig", 11222311.0) is True  # 011222311 stored as a number
    assert one("bsngeldig", "11222311") is True
    assert one("bsngeldig", 11222333) is False
    assert one("bsngeldig", "1234") is False
    assert is_error(one("bsngeldig", True), "WAAR/ONWAAR")


def test_jw_termijn_with_serial_date_and_iso_string() -> None:
    # Wednesday 26-4-2023 (serial 45042): Koningsdag does not count, due Thursday 4-5-2023.
    assert one("jwtermijn", 45042, "JW315") == 45050.0
    assert one("jwtermijn", 45042.0, 1) == 45050.0
    assert one("jwtermijn", "2023-04-26", "jw315") == 45050.0
    assert one("jwtermijn", "2023-04-26T00:00:00", "JW315") == 45050.0
    assert one("jwtermijn", "26-04-2023", "JW315") == 45050.0
    assert one("jwtermijn", "2023-03-01", "JW301", "Top") == 45001.0  # 16-3-2023
    assert one("jwtermijn", "2023-03-01", 3.0) == 45007.0  # 22-3-2023, Midden by default
    assert is_error(one("jwtermijn", "2023-02-30", 1), "bestaat niet als datum")
    assert is_error(one("jwtermijn", 45042, 7), "Stap '7'")


def test_jw_termijn_date_formatting_and_python_value() -> None:
    formatted = one(
        "jwtermijn", 45042, "JW315", date_format="dd-mm-jjjj", culture_info_name="nl-NL"
    )
    assert formatted == {
        "type": "FormattedNumber",
        "basicValue": 45050.0,
        "numberFormat": "dd-mm-yyyy",
    }
    assert functions.jwtermijn(45042, "JW315") == dt.date(2023, 5, 4)


def test_sroi() -> None:
    assert one("sroi", 210000) == 10500.0
    assert one("sroi", "199.999,99") == 0.0
    assert one("sroi", 200000) == 10000.0


# -- profiles --------------------------------------------------------------------------------
def test_profile_argument_and_defaults() -> None:
    assert one("vervoerscore", 6, 3, 4, 40, "Hart van Brabant") == 720.0
    assert one("standaardbudget", 3000, None, "IJsselland-2023") == 3000.0
    assert is_error(one("standaardbudget", 3000, None, "hart-van-brabant"), "'standaardbudgetten'")
    assert is_error(one("tariefperminuut", 54.42, "utopia"), "Onbekend regioprofiel 'utopia'")


def test_missing_group_rate_names_the_setting() -> None:
    cell = one("budgetraming", "Herstel", 2, 3, 26, "middel", None, None, None)
    assert is_error(cell, "'groepstarieven.middel'", "ijsselland-2023")


def test_own_profile_file(tmp_path: Any) -> None:
    own = tmp_path / "regio.toml"
    own.write_text('sleutel = "regio"\n[groepstarieven]\nmiddel = "20.00"\n', encoding="utf-8")
    assert one("budgetraming", "Herstel", 1, 1, 10, "middel", None, None, None, str(own)) == 200.0


# -- arrays ----------------------------------------------------------------------------------
def test_5000_cells_in_one_spilled_call() -> None:
    cents = list(range(0, 5000 * 37, 37))
    result = call("tariefperminuut", [[c / 100] for c in cents])
    assert len(result) == 5000 and all(len(row) == 1 for row in result)
    assert [row[0] for row in result] == [(c // 60) / 100 for c in cents]


def test_column_broadcast_with_scalars() -> None:
    result = call("vervoerscore", [[6], [4], [12]], 3, 4, [[40], [15], [9]])
    assert result == [[720.0], [180.0], [324.0]]


def test_column_times_row_gives_a_table() -> None:
    result = call("arrangementscode", [[a] for a in range(1, 10)], [[1, 2, 3, 4, 5]])
    assert len(result) == 9 and all(len(row) == 5 for row in result)
    assert result[1][2] == "50H23" and result[8][3] == "50H94"


def test_profile_as_a_range() -> None:
    result = call("standaardbudget", 3000, None, [["ijsselland-2023"], ["onbekend"]])
    assert result[0] == [3000.0]
    assert is_error(result[1][0], "Onbekend regioprofiel")


def test_incompatible_shapes_give_one_error_cell() -> None:
    result = call("arrangementscode", [[1], [2], [3]], [["Licht"], ["Zwaar"]])
    assert len(result) == 1 and len(result[0]) == 1
    assert is_error(result[0][0], "arrangement 3x1", "intensiteit 2x1")


def test_bad_cell_in_the_middle_leaves_the_rest() -> None:
    column: list[list[Any]] = [[54.42]] * 1000
    column = [*column[:500], ["veertig"], *column[501:]]
    result = call("tariefperminuut", column)
    assert is_error(result[500][0], "uurtarief", "'veertig'", "54,42")
    assert all(row[0] == 0.9 for i, row in enumerate(result) if i != 500)


def test_bad_cells_per_argument_in_a_table() -> None:
    result = call("vervoersrecht", [[6], ["zes"], [4], [-1]], 3, 4, [[40], [40], [15], [40]])
    # 6x3x4x40x0,25 = 720 (recht), 4x3x4x15x0,25 = 180 (geen recht)
    assert result[0] == [True] and result[2] == [False]
    assert is_error(result[1][0], "maanden", "'zes'")
    assert is_error(result[3][0], "negatief")


def test_excel_errors_and_our_errors_travel_on() -> None:
    na = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}
    result = call("tariefperminuut", [[54.42], [na], ["#DEEL/0!"]])
    assert result[0] == [0.9]
    assert is_error(result[1][0], "uurtarief", "#N/A")
    assert is_error(result[2][0], "#DEEL/0!")
    upstream = one("budgetraming", "Herstel", 2, 3, 26, "middel")
    assert one("standaardbudget", upstream) == upstream
    assert one("bsngeldig", "#N/A").startswith("#WAARDE! bsn")


def test_real_excel_errors_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JEUGDHULP_FOUTWAARDE", "excel")
    result = call("tariefperminuut", [[54.42], ["x"]])
    assert result == [[0.9], [{"type": "Error", "errorType": "Value"}]]


# -- empty cells, booleans, odd case ---------------------------------------------------------
def test_empty_rows_stay_empty() -> None:
    result = call("tariefperminuut", [[54.42], [None], [""], ["  "], [69]])
    assert result == [[0.9], [""], [""], [""], [1.15]]
    assert one("standaardbudget", None) == ""
    assert functions.tariefperminuut(None) is None


def test_empty_required_argument_next_to_filled_ones() -> None:
    assert is_error(one("standaardbudget", None, "medisch"), "raming: vul een waarde in")
    assert is_error(one("vervoerscore", 6, None, 4, 40), "keer_per_week", "vul een waarde in")
    assert is_error(one("budgetraming", "Herstel"), "groepsaanbod", "ambulante hulp")
    assert is_error(one("budgetraming", "Herstel", 2, None, 26, "licht"), "uren per dag")


def test_booleans_where_numbers_belong() -> None:
    assert is_error(one("tariefperminuut", True), "WAAR/ONWAAR")
    assert is_error(one("vervoerscore", 6, False, 4, 40), "WAAR/ONWAAR")


def test_text_in_odd_case() -> None:
    odd = (
        "hErStEl",
        2,
        3,
        26,
        "GROEPSAANBOD LICHT",
        3,
        26,
        "overwegend BEGELEIDING en lichte hulp",
    )
    assert one("budgetraming", *odd) == 7687.68
    assert one("jwtermijn", 45042, "jW301", "TOP") == 45057.0
    assert one("standaardbudget", 8450, "MEDISCH").startswith("Overleg")


# -- results are Excel values ----------------------------------------------------------------
def test_single_cells_give_scalars_and_money_gives_floats() -> None:
    assert functions.tariefperminuut(54.42) == 0.9
    assert type(functions.tariefperminuut(54.42)) is float
    assert type(functions.standaardbudgetnummer(3000)) is int
    assert functions.tariefperminuut([[54.42], [69.0]]) == [[0.9], [1.15]]
    ijsselland = load_profile("ijsselland-2023")
    assert functions.tariefperminuut.kern(54.42, profile=ijsselland) == Decimal("0.90")


# -- help in Excel's function wizard ---------------------------------------------------------
def test_meta_has_dutch_help_for_every_function_and_argument() -> None:
    meta = server.custom_functions_meta(functions)
    by_name = {f["name"]: f for f in meta["functions"]}
    assert sorted(by_name) == sorted(name.upper() for name in FUNCTIONS)
    dutch = re.compile(
        r"\b(de|het|een|van|of|als|per|bij|met|op|geeft|boven|tot|optioneel|aantal|uren|euro)\b",
        re.IGNORECASE,
    )
    for name, func in by_name.items():
        assert dutch.search(func["description"]), name
        params = func["parameters"]
        assert params[-1]["name"] == "profiel" and params[-1].get("optional") is True, name
        for param in params:
            doc = param["description"]
            assert not doc.startswith("Positional argument"), (name, param["name"])
            assert dutch.search(doc), (name, param["name"], doc)
            assert param["dimensionality"] == "matrix", (name, param["name"])


def test_optional_arguments_are_marked_optional() -> None:
    meta = {f["name"]: f for f in server.custom_functions_meta(functions)["functions"]}
    optional = {
        name: [p["name"] for p in f["parameters"] if p.get("optional")] for name, f in meta.items()
    }
    assert optional["STANDAARDBUDGET"] == ["verwijzer", "profiel"]
    assert optional["SEGMENT3"] == ["tarief_past_niet", "profiel"]
    assert optional["JWTERMIJN"] == ["segment", "profiel"]
    assert optional["TARIEFPERMINUUT"] == ["profiel"]
