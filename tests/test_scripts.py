"""The in-Excel check and the backoffice script, through xlwings' Office.js script path.

The book payload is built like Office.js sends it (values anchored at A1, numbers as floats,
dates as ISO strings, empty cells as ""); `xlwings.server.custom_scripts_call` runs the script
as xlwings Lite and xlwings Server do, and the tests assert on the actions it returns.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")  # before xlwings is imported
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio
import copy
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from xlwings import server

from addin import scripts
from batch.reader import _load_excel_sheet
from batch.run import Options, check_file
from batch.synthetic import generate, write_workbook
from jeugdhulp.cells import cell_text, text_frame
from jeugdhulp.controle_layout import HEADERS, NO_FINDINGS, tellingen_tekst
from jeugdhulp.errors import JeugdhulpError

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "voorbeeld-productiemonitor.xlsx"
PROFIEL = "ijsselland-2023"


def _officejs_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def payload_from_values(sheets: dict[str, list[list[Any]]], names: list | None = None) -> dict:
    """An Office.js book payload; `sheets` holds Python values anchored at A1."""
    entries = []
    for name, rows in sheets.items():
        width = max((len(r) for r in rows), default=0)
        values = [[_officejs_value(v) for v in [*r, *[None] * (width - len(r))]] for r in rows]
        address = f"A1:{xw.utils.col_name(width)}{len(rows)}" if rows and width else None
        entries.append(
            {
                "name": name,
                "values": values or [[]],
                "pictures": [],
                "tables": [],
                "used_range_address": address,
            }
        )
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": "werkmap.xlsx", "active_sheet_index": 0, "selection": "A1"},
        "names": names or [],
        "sheets": entries,
    }


def workbook_values(path: Path) -> dict[str, list[list[Any]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def run_script(data: dict, name: str = "controleer") -> tuple[xw.Book, list[dict]]:
    book = xw.Book(json=copy.deepcopy(data))  # xlwings updates its payload in place
    returned = asyncio.run(
        server.custom_scripts_call(scripts, name, typehint_to_value={xw.Book: book})
    )
    assert returned is book
    return book, book.json()["actions"]


def controle_rows(actions: list[dict]) -> list[list[Any]]:
    """The values written to the new Controle sheet (the first setValues after addSheet)."""
    add = next(i for i, a in enumerate(actions) if a["func"] == "addSheet")
    assert actions[add]["args"][1] == "Controle"
    write = next(a for a in actions[add:] if a["func"] == "setValues")
    assert (write["start_row"], write["start_column"]) == (0, 0)
    return write["values"]


def header_index(rows: list[list[Any]]) -> int:
    """The 0-based index of the findings table's header row on a Controle sheet."""
    return next(i for i, row in enumerate(rows) if row[: len(HEADERS)] == list(HEADERS))


def findings_in(rows: list[list[Any]]) -> set[tuple[str, int, str, str]]:
    found = set()
    for row in rows[header_index(rows) + 1 :]:
        if row[0] in ("", None, NO_FINDINGS):
            continue
        cel = row[3]
        if cel.startswith("=HYPERLINK("):
            cel = cel.rsplit(",", 1)[1].strip('")')
        found.add((row[0], int(row[1]), cel, row[4]))
    return found


def replay(data: dict, actions: list[dict]) -> dict:
    """The payload Office.js would send next time: sheets added, deleted, values written."""
    sheets = [dict(s) for s in data["sheets"]]
    for action in actions:
        func = action["func"]
        if func == "addSheet":
            ix, name = action["args"]
            sheets.insert(ix, {"name": name, "values": [[]], "pictures": [], "tables": []})
        elif func == "sheetDelete":
            del sheets[action["sheet_position"]]
        elif func == "setValues":
            sheet = sheets[action["sheet_position"]]
            r0, c0 = action["start_row"], action["start_column"]
            grid = [list(r) for r in sheet["values"] if r]
            for r, row in enumerate(action["values"]):
                while len(grid) <= r0 + r:
                    grid.append([])
                line = grid[r0 + r]
                while len(line) < c0 + len(row):
                    line.append("")
                for c, value in enumerate(row):
                    quoted = isinstance(value, str) and value[:1] == "'"
                    line[c0 + c] = value[1:] if quoted else value
            width = max(len(r) for r in grid)
            sheet["values"] = [[*r, *[""] * (width - len(r))] for r in grid]
            sheet["used_range_address"] = f"A1:{xw.utils.col_name(width)}{len(grid)}"
    return {**data, "sheets": sheets}


@pytest.fixture(scope="module")
def example_run() -> tuple[dict, list[dict]]:
    data = payload_from_values(workbook_values(EXAMPLE))
    _, actions = run_script(data)
    return data, actions


# --- one home for the cell text ---------------------------------------------------------------


def test_cell_text_mirrors_the_file_reader_on_the_example() -> None:
    """Values as xlwings gives them (floats, datetimes) through text_frame give exactly the
    text frame fastexcel gives for the same sheets."""
    import fastexcel

    reader = fastexcel.read_excel(EXAMPLE)
    for name, rows in workbook_values(EXAMPLE).items():
        as_xlwings = [
            [float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row]
            for row in rows
        ]
        assert text_frame(as_xlwings).equals(_load_excel_sheet(EXAMPLE, reader, name)), name


def test_cell_text_of_each_cell_type() -> None:
    assert cell_text(3.0) == "3"
    assert cell_text(0.1 + 0.2) == "0.3"
    assert cell_text(111222333.0) == "111222333"
    assert cell_text(12.3456789012345) == "12.345678901"
    assert cell_text(False) == "false"
    assert cell_text("#N/A") is None and cell_text("") is None
    assert cell_text(" 01-03-2023 ") == " 01-03-2023 "
    assert cell_text(dt.datetime(2023, 3, 1, 23, 59, 59, 999000)) == "2023-03-01 23:59:59.999"
    assert cell_text(dt.time(6, 0)) == "1899-12-31 06:00:00"


def test_text_frame_keeps_true_rows_and_letters() -> None:
    frame = text_frame([["BSN", None], [None, 4.0]], first_row=3, first_column=2)
    assert frame.columns == ["_rij", "B", "C"]
    assert frame.get_column("_rij").to_list() == [3, 4]
    assert frame.row(1) == (4, None, "4")


# --- the in-Excel check ------------------------------------------------------------------------


def test_controle_has_the_findings_of_the_cli_engine(example_run: tuple[dict, list]) -> None:
    _, actions = example_run
    rows = controle_rows(actions)
    cli = check_file(EXAMPLE, Options(profiel=PROFIEL, schrijven=False)).bevindingen
    expected = {(r["blad"], r["rij"], r["cel"], r["controle"]) for r in cli.iter_rows(named=True)}
    assert expected, "the example workbook has mistakes"
    assert findings_in(rows) == expected
    fouten = int((cli.get_column("ernst") == "fout").sum())
    counts = tellingen_tekst(fouten, cli.height - fouten)
    assert rows[0][0] == f"Controle van deze werkmap: {counts}"


def test_links_point_at_the_flagged_cell(example_run: tuple[dict, list]) -> None:
    rows = controle_rows(example_run[1])
    header = header_index(rows)
    for row in rows[header + 1 :]:
        if row[0]:
            cel = findings_in([*rows[: header + 1], row]).pop()[2]
            assert row[3] == f'=HYPERLINK("#\'Productie\'!{cel}","{cel}")'


def test_flagged_cells_are_coloured_red_or_orange(example_run: tuple[dict, list]) -> None:
    data, actions = example_run
    productie = next(i for i, s in enumerate(data["sheets"]) if s["name"] == "Productie")
    colours = [a for a in actions if a["func"] == "setRangeColor"]
    # Controle and Controlelijst are inserted in front: Productie moves two positions up.
    on_productie = [a for a in colours if a["sheet_position"] == productie + 2]
    assert on_productie and {a["args"][0] for a in on_productie} <= {"#FFC7CE", "#FFD8A8"}
    cli = check_file(EXAMPLE, Options(profiel=PROFIEL, schrijven=False)).bevindingen
    cells = {(r["cel"], r["ernst"]) for r in cli.iter_rows(named=True)}
    marked = set()
    for a in on_productie:
        for row in range(a["start_row"], a["start_row"] + a["row_count"]):
            for column in range(a["start_column"], a["start_column"] + a["column_count"]):
                letter = xw.utils.col_name(column + 1)
                marked.add((f"{letter}{row + 1}", "fout" if a["args"][0] == "#FFC7CE" else "x"))
    assert {c for c, _ in marked} == {c for c, _ in cells}
    # Adjacent cells are coloured as one range (issue 11): A11 and B11 (both fout) together.
    assert len(on_productie) < len(marked)
    red = {c for c, e in cells if e == "fout"}
    assert {c for c, e in marked if e == "fout"} == red


def test_controle_is_first_with_a_filter_and_the_marks_are_remembered(
    example_run: tuple[dict, list],
) -> None:
    _, actions = example_run
    funcs = [a["func"] for a in actions]
    assert funcs[0] == "addSheet" and actions[0]["args"][0] == 0
    assert "addTable" in funcs and "sheetDelete" not in funcs
    hidden = [a for a in actions if a["func"] == "setSheetVisibility"]
    assert hidden and hidden[0]["args"] == ["Hidden"]
    assert funcs[-1] == "activateSheet" and actions[-1]["args"] == [0]


def test_running_twice_leaves_one_controle_and_no_stale_marks(
    example_run: tuple[dict, list],
) -> None:
    data, actions = example_run
    second = replay(data, actions)
    names = [s["name"] for s in second["sheets"]]
    assert names.count("Controle") == 1 and scripts.MARKS_SHEET in names
    _, again = run_script(second)
    after = replay(second, again)
    names = [s["name"] for s in after["sheets"]]
    assert names.count("Controle") == 1 and names.count(scripts.MARKS_SHEET) == 1
    assert names.count("Controlelijst") == 1
    assert "Controle (2)" not in names and "Controlelijst (2)" not in names
    assert names[:2] == ["Controle", "Controlelijst"]
    # The previous marks are cleared before the new ones are set.
    first_new = next(i for i, a in enumerate(again) if a["func"] == "addSheet")
    cleared = [a for a in again[:first_new] if a["func"] == "setRangeColor"]
    assert cleared and all(a["args"] == [None] for a in cleared)
    assert findings_in(controle_rows(again)) == findings_in(controle_rows(actions))


def test_a_sheet_the_user_named_controle_is_kept() -> None:
    values = workbook_values(EXAMPLE)
    data = payload_from_values({"Controle": [["mijn eigen lijst"]], **values})
    _, actions = run_script(data)
    assert "sheetDelete" not in [a["func"] for a in actions]
    assert next(a for a in actions if a["func"] == "addSheet")["args"][1] == "Controle (2)"


def test_no_mistakes_says_geen_bevindingen(tmp_path: Path) -> None:
    path = tmp_path / "schoon.xlsx"
    write_workbook(path, generate(100, mistake_rate=0))
    assert check_file(path, Options(profiel=PROFIEL, schrijven=False)).bevindingen.height == 0
    _, actions = run_script(payload_from_values(workbook_values(path)))
    rows = controle_rows(actions)
    assert rows[header_index(rows) + 1][0] == NO_FINDINGS
    assert rows[0][0] == "Controle van deze werkmap: geen bevindingen"
    assert not [a for a in actions if a["func"] == "setRangeColor" and a["sheet_position"] != 0]


def test_user_text_never_becomes_a_formula() -> None:
    values = workbook_values(EXAMPLE)
    productie = values["Productie"]
    header = productie[3]
    productie[4][header.index("Productcode")] = '=HYPERLINK("http://x")'
    _, actions = run_script(payload_from_values(values))
    rows = controle_rows(actions)
    waarden = [r[7] for r in rows[header_index(rows) + 1 :] if r[0]]
    assert '\'=HYPERLINK("http://x")' in waarden
    texts = [v for r in rows for i, v in enumerate(r) if isinstance(v, str) and i != 3]
    assert not [v for v in texts if v.startswith(("=", "+", "-", "@"))]


def _texts(rows: list[list[Any]]) -> str:
    return "\n".join(v for row in rows for v in row if isinstance(v, str))


def test_profile_from_the_instellingen_sheet() -> None:
    values = {**workbook_values(EXAMPLE), "Instellingen": [["Profiel:", "hart-van-brabant"]]}
    _, actions = run_script(payload_from_values(values))
    assert "Hart van Brabant" in _texts(controle_rows(actions))


def test_profile_from_a_defined_name() -> None:
    values = {**workbook_values(EXAMPLE), "Instellingen": [["x", "ijsselland-2021"]]}
    names = [
        {
            "name": "jeugdhulp_profiel",
            "sheet_index": len(values) - 1,
            "address": "B1",
            "book_scope": True,
            "scope_sheet_name": None,
            "scope_sheet_index": None,
        }
    ]
    _, actions = run_script(payload_from_values(values, names))
    assert "IJsselland 2021" in _texts(controle_rows(actions))


def test_without_productie_the_controle_sheet_says_why() -> None:
    data = payload_from_values({"Blad1": [["niets"]]})
    _, actions = run_script(data)
    rows = controle_rows(actions)
    assert rows[0][0] == "Controle van deze werkmap: niet uitgevoerd"
    assert "Geen kopregel gevonden voor Productie" in rows[1][0]


def test_scripts_are_registered_for_lite_and_server() -> None:
    meta = {m["function_name"]: m for m in server.custom_scripts_meta(scripts)}
    assert meta["controleer"]["name"] == "Controleer werkmap"
    assert "controleer_map_script" in meta
    assert "controleer_werkmap" not in meta  # the classic entry point is a plain function


def test_classic_entry_point_takes_a_book() -> None:
    book = xw.Book(json=payload_from_values(workbook_values(EXAMPLE)))
    result = scripts.controleer_werkmap(book)
    assert result.controle == "Controle" and result.bevindingen.height
    assert result.cells_marked > 0


# --- the backoffice script ---------------------------------------------------------------------


def test_controleer_map_writes_summary_and_findings(tmp_path: Path) -> None:
    folder = tmp_path / "ontvangen"
    folder.mkdir()
    (folder / "voorbeeld.xlsx").write_bytes(EXAMPLE.read_bytes())
    write_workbook(folder / "schoon.xlsx", generate(50, mistake_rate=0))
    (folder / "kapot.xlsx").write_bytes(b"geen werkmap")
    settings = [
        ["Map", str(folder)],
        ["Profiel", PROFIEL],
        ["Toewijzingen", None],
        ["Producten", None],
        ["Schrijven", "nee"],
    ]
    book = xw.Book(json=payload_from_values({"Instellingen": settings}))
    results = scripts.controleer_map(book)
    actions = book.json()["actions"]

    assert [r.bestand.name for r in results] == ["kapot.xlsx", "schoon.xlsx", "voorbeeld.xlsx"]
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert added == ["Samenvatting", "Bevindingen"]
    writes = [a for a in actions if a["func"] == "setValues"]
    summary = next(a["values"] for a in writes if a["values"][0][:2] == ["Bestand", "Status"])
    assert summary[0] == list(scripts.SUMMARY_HEADERS)
    by_name = {Path(row[0].lstrip("'")).name: row for row in summary[1:]}
    assert by_name["kapot.xlsx"][1] == "niet gecontroleerd" and by_name["kapot.xlsx"][7]
    assert by_name["schoon.xlsx"][1:5] == ["schoon", 50, 0, 0]
    cli = check_file(folder / "voorbeeld.xlsx", Options(profiel=PROFIEL, schrijven=False))
    assert by_name["voorbeeld.xlsx"][3] == cli.fouten
    findings = next(a["values"] for a in writes if a["values"][0][:2] == ["Bestand", "Blad"])
    assert len(findings) - 1 == cli.bevindingen.height
    assert not list(folder.glob("*.controle.*"))  # Schrijven = nee


def test_controleer_map_asks_for_a_folder() -> None:
    book = xw.Book(json=payload_from_values({"Instellingen": [["Profiel", PROFIEL]]}))
    with pytest.raises(JeugdhulpError, match="Map"):
        scripts.controleer_map(book)


def test_backoffice_workbook_drives_controleer_map(tmp_path: Path) -> None:
    from workbooks.build_backoffice import build_backoffice

    control = build_backoffice(tmp_path)
    (tmp_path / "opnieuw").mkdir()
    again = build_backoffice(tmp_path / "opnieuw")
    assert control.read_bytes() == again.read_bytes()  # byte-identical rebuild
    values = workbook_values(control)
    labels = {row[0]: r for r, row in enumerate(values["Instellingen"]) if row and row[0]}
    folder = tmp_path / "ontvangen"
    folder.mkdir()
    (folder / "voorbeeld.xlsx").write_bytes(EXAMPLE.read_bytes())
    values["Instellingen"][labels["Map"]][1] = str(folder)
    values["Instellingen"][labels["Schrijven"]][1] = "ja"
    book = xw.Book(json=payload_from_values(values))
    results = scripts.controleer_map(book)
    assert [r.status for r in results] == ["fouten"]
    assert (folder / "voorbeeld.controle.xlsx").is_file()  # Schrijven = ja
    deleted = [a for a in book.json()["actions"] if a["func"] == "sheetDelete"]
    assert len(deleted) == 2  # the empty Samenvatting and Bevindingen are replaced


def test_every_visible_production_sheet_is_checked_and_a_hidden_one_said() -> None:
    """As the batch check (issue 9.3): production over "Productie jan" and "Productie feb" is
    checked together (findings name their sheet, doubles span the sheets); a hidden sheet with
    the layout is skipped and the Controle sheet says so."""
    values = workbook_values(EXAMPLE)
    production = values.pop("Productie")
    at = next(i for i, row in enumerate(production) if row and row[0] == "BSN")
    header, rows = production[at], [row for row in production[at + 1 :] if any(row)]
    half = len(rows) // 2
    sheets = {
        "Productie jan": [header, *rows[:half]],
        "Productie feb": [header, *rows[half:], rows[0]],  # a double of jan's first row
        "Oud": [header, ["123", *rows[1][1:]]],
        **values,
    }
    data = payload_from_values(sheets)
    next(s for s in data["sheets"] if s["name"] == "Oud")["visibility"] = "Hidden"
    _, actions = run_script(data)
    rows_out = controle_rows(actions)
    found = findings_in(rows_out)
    assert {blad for blad, *_ in found} >= {"Productie jan", "Productie feb"}
    assert not any(blad == "Oud" for blad, *_ in found)
    last = len(rows) - half + 2  # the copied row, on the feb sheet
    assert any(
        blad == "Productie feb" and rij == last and controle == "PM015"
        for blad, rij, _cel, controle in found
    )
    top = [str(row[0]) for row in rows_out[: header_index(rows_out)]]
    assert any("'Oud' is verborgen en is overgeslagen" in line for line in top)
