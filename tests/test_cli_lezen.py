"""`jeugdhulp controleer` and what was read: --blad, --recursief, the JSON report's "gelezen"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.handmade import HEADER
from tests.test_cli import EXAMPLE, controleer, report

ROW = ["111222333", "45A48", "01-03-2023", "31-03-2023", "01", 60, 0.9, 54]
BAD = ["123456789", *ROW[1:]]


def workbook(path: Path, sheets: dict[str, tuple[str, list[list[object]]]]) -> Path:
    """Sheets by name: (state, rows below HEADER)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (state, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.sheet_state = state
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    book.active = next(n for n, (s, _) in enumerate(sheets.values()) if s == "visible")
    book.save(path)
    return path


def test_blad_checks_the_named_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(
        tmp_path / "pm.xlsx",
        {"Oud": ("hidden", [BAD]), "Januari": ("visible", [ROW]), "Februari": ("visible", [BAD])},
    )
    json_path = tmp_path / "r.json"
    code, _, _ = controleer(capsys, path, "--niet-schrijven", "--json", json_path)
    assert code == 1
    entry = report(json_path)["pm.xlsx"]
    assert [(g["blad"], g["rol"], g["rijen"]) for g in entry["gelezen"]] == [
        ("Oud", "overgeslagen", 0),
        ("Januari", "productie", 1),
        ("Februari", "productie", 1),
    ]
    assert {(f["blad"], f["controle"]) for f in entry["bevindingen"]} >= {("Februari", "PM002")}
    assert not any(f["blad"] == "Oud" for f in entry["bevindingen"])
    assert any("'Oud'" in m for m in entry["meldingen"])

    code, _, _ = controleer(capsys, path, "--niet-schrijven", "--blad", "oud", "--json", json_path)
    assert code == 1
    entry = report(json_path)["pm.xlsx"]
    assert [g["rol"] for g in entry["gelezen"]] == ["productie", "overgeslagen", "overgeslagen"]
    assert {f["blad"] for f in entry["bevindingen"]} == {"Oud"}


def test_blad_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(tmp_path / "pm.xlsx", {"Januari": ("visible", [ROW])})
    code, out, _ = controleer(capsys, path, "--niet-schrijven", "--blad", "Maart")
    assert code == 2
    assert "blad 'Maart' (--blad) bestaat niet; de werkmap heeft 'Januari'" in " ".join(out.split())


def test_subfolders_are_named_unless_recursive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "map"
    (folder / "april" / "diep").mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "maart.xlsx")
    shutil.copy(EXAMPLE, folder / "april" / "april.xlsx")
    shutil.copy(EXAMPLE, folder / "april" / "diep" / "mei.xlsx")
    json_path = tmp_path / "r.json"
    code, out, _ = controleer(capsys, folder, "--niet-schrijven", "--json", json_path)
    assert code == 1
    assert set(report(json_path)) == {"maart.xlsx"}
    assert "1 submap(pen) niet doorzocht" in out and "--recursief" in out
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert any("submap" in m for m in data["meldingen"])

    code, out, _ = controleer(
        capsys, folder, "--niet-schrijven", "--recursief", "--json", json_path
    )
    assert code == 1  # the example has mistakes
    assert set(report(json_path)) == {"maart.xlsx", "april.xlsx", "mei.xlsx"}
    assert "niet doorzocht" not in out


def test_json_reports_what_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    json_path = tmp_path / "r.json"
    controleer(capsys, EXAMPLE, "--niet-schrijven", "--json", json_path)
    entry = report(json_path)[EXAMPLE.name]
    roles = {g["blad"]: g["rol"] for g in entry["gelezen"]}
    assert roles["Productie"] == "productie"
    assert roles["Toewijzingen"] == "toewijzingen"
    assert roles["Producten"] == "producten"
    productie = next(g for g in entry["gelezen"] if g["rol"] == "productie")
    assert productie["rijen"] == 80
    assert productie["kopregel"] == 4
    assert {"kop", "veld", "veldkop", "letter", "synoniem"} <= set(productie["kolommen"][0])
    assert entry["overgeslagen"] == [] or all("reden" in s for s in entry["overgeslagen"])
    assert entry["onbekend"] == 0
