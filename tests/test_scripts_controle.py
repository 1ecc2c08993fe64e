"""The in-Excel check shows the same legend as the checked copy: verdict, counts and herstel per
check, what was read and checked, the audit trail, and the Controlelijst, through the one
layout (`jeugdhulp.controle_layout`). Run through xlwings' Office.js script path, as xlwings
Lite and Server run it (see tests/test_scripts.py)."""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")  # before xlwings is imported
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from importlib.metadata import version
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from batch.annotate import annotate_workbook
from jeugdhulp.checks import CATALOGUE
from jeugdhulp.controle_layout import CATALOGUE_HEADERS, HEADERS, STATUS_COLOURS
from jeugdhulp.verdict import STATUS_UITLEG
from tests.test_controle_sheet import verantwoording_for
from tests.test_scripts import EXAMPLE, controle_rows, payload_from_values, run_script
from tests.test_scripts import workbook_values as values_of

SECTIONS = ("Bevindingen per controle", "Gelezen", "Controles", "Verantwoording", "Bevindingen")


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    data = payload_from_values(values_of(EXAMPLE))
    _, actions = run_script(data)
    return {"actions": actions, "rows": controle_rows(actions)}


def first_column(rows: list[list[Any]]) -> list[Any]:
    return [row[0] for row in rows]


def header_index(rows: list[list[Any]]) -> int:
    return next(i for i, row in enumerate(rows) if row[: len(HEADERS)] == list(HEADERS))


def test_legend_has_the_verdict_and_the_same_sections_as_the_checked_copy(
    example: dict, tmp_path: Path
) -> None:
    rows = example["rows"]
    assert rows[1][0] == f"Oordeel: fouten. {STATUS_UITLEG['fouten'].capitalize()}."
    top = first_column(rows[: header_index(rows)])
    assert [s for s in top if s in SECTIONS] == list(SECTIONS)
    # the checked copy of the same workbook has the same sections in the same order
    verantwoording, findings = verantwoording_for(EXAMPLE)
    target = tmp_path / "uit.xlsx"
    annotate_workbook(EXAMPLE, findings, target, verantwoording=verantwoording)
    ws = openpyxl.load_workbook(target)["Controle"]
    copy_top = [r[0] for r in ws.iter_rows(values_only=True)]
    assert [s for s in copy_top if s in SECTIONS] == list(SECTIONS)
    assert rows[0][0] == copy_top[0]  # the same headline with the same counts


def test_counts_and_herstel_per_check(example: dict) -> None:
    rows = example["rows"]
    by_id = {c.id: c for c in CATALOGUE}
    start = first_column(rows).index("Bevindingen per controle")
    per_check = []
    for row in rows[start + 2 :]:
        if not str(row[0]).startswith("PM"):
            break
        per_check.append(row)
    assert per_check
    for row in per_check:
        assert row[3] == by_id[row[0]].titel and row[6] == by_id[row[0]].herstel
    assert sum(r[1] + r[2] for r in per_check) == len(rows) - header_index(rows) - 1


def test_what_was_read_checked_and_the_audit_trail(example: dict) -> None:
    rows = example["rows"][: header_index(example["rows"])]
    column = first_column(rows)
    assert rows[column.index("Productie")][:3] == ["Productie", 80, "productie"]
    assert any(str(v).startswith("Gecontroleerd: 25 van de 32 controles") for v in column)
    assert rows[column.index("Hulpmiddel")][1] == f"jeugdhulp {version('jeugdhulp')}"
    assert rows[column.index("Regioprofiel")][1] == "IJsselland 2023"
    bestand = column.index("Bestand")
    assert rows[bestand + 1][1] == "werkmap.xlsx (geopend in Excel)"


def test_controlelijst_is_written_after_controle(example: dict) -> None:
    actions = example["actions"]
    added = [a for a in actions if a["func"] == "addSheet"]
    assert [a["args"][1] for a in added][:2] == ["Controle", "Controlelijst"]
    at = actions.index(added[1])
    written = next(a for a in actions[at:] if a["func"] == "setValues")["values"]
    assert written[3] == list(CATALOGUE_HEADERS)
    assert [r[0] for r in written[4:]] == [c.id for c in CATALOGUE]
    assert "freezePaneAtRange" in [a["func"] for a in actions[at:]]


def test_layout_is_applied_in_few_calls(example: dict) -> None:
    funcs = [a["func"] for a in example["actions"]]
    assert "rangeMerge" in funcs and "setRowHeight" in funcs and "setAutofit" in funcs
    # styles go on as rectangles, not cell by cell
    assert funcs.count("setWrapText") < 40 and len(funcs) < 250
    red = "#" + STATUS_COLOURS["fouten"][1]
    verdict = [a for a in example["actions"] if a["func"] == "setRangeColor" and a["args"] == [red]]
    assert any(a["sheet_position"] == 0 and a["start_row"] == 1 for a in verdict)


def test_without_toewijzingen_the_verdict_says_what_was_not_checked() -> None:
    values = values_of(EXAMPLE)
    del values["Toewijzingen"]
    _, actions = run_script(payload_from_values(values))
    rows = controle_rows(actions)
    assert rows[1][0].startswith("Oordeel: fouten.")
    assert rows[2][0].startswith("Niet alles is gecontroleerd: ")
    assert "PM005, PM006, PM007" in rows[2][0] and rows[2][0].endswith("geen toewijzingen.")
