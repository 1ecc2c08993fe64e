"""Workbooks from eight writers, annotated twice: Excel-valid every time, everything else kept.

Each writer lays out the parts the annotator edits (the worksheet tail after ``sheetData``,
the workbook, styles, relationships, content types) its own way; see
`tests.corpus.writers`. Every output passes the independent strict checker
(`tests/tools/ooxml_check.py`), untouched members stay byte-identical (as compressed bytes),
and LibreOffice sees the same cell values before and after.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from batch.annotate import MARKER, annotate_workbook
from jeugdhulp.controle_layout import Verantwoording
from tests.corpus.build_corpus import soffice_convert
from tests.corpus.writers import CANNOT, FEATURES, WRITERS, build_writers, features_of, findings_for
from tests.ooxml_helpers import (
    check,
    defined_names,
    sheet_elements,
    sheet_parts,
    tail_elements,
    untouched_differences,
    workbook_part,
)

WHEN = datetime(2026, 3, 1, 14, 30)


def _main_sheet(name: str) -> str:
    return "Sheet1" if name.endswith(".xlsm") else "Productie"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, Path]]:
    """Writer -> (source, first annotation, annotation of the first)."""
    root = tmp_path_factory.mktemp("writers")
    built = build_writers(root / "bron")
    out = {}
    for name, source in built.items():
        first = root / "eerste" / name
        second = root / "tweede" / name
        for src, dst in ((source, first), (first, second)):
            dst.parent.mkdir(exist_ok=True)
            annotate_workbook(
                src, findings_for(name), dst, verantwoording=Verantwoording("ijsselland-2023", WHEN)
            )
        out[name] = (source, first, second)
    return out


def _run(runs: dict[str, tuple[Path, Path, Path]], name: str) -> tuple[Path, Path, Path]:
    if name not in runs:
        pytest.skip(f"{name} not built here (needs LibreOffice or xlwings)")
    return runs[name]


def _changeable(path: Path, name: str) -> set[str]:
    """The parts an annotation may change: package, workbook, styles, marked sheets, and the
    sheet list in docProps/app.xml."""
    parts = sheet_parts(path)
    with zipfile.ZipFile(path) as z:
        workbook = workbook_part(z)
        styles = {n for n in z.namelist() if n.endswith("styles.xml")}
    folder, _, leaf = workbook.rpartition("/")
    marked = {parts[f.blad] for f in findings_for(name) if f.blad in parts}
    controle = {parts[n] for n in parts if n.startswith("Controle")}
    return (
        {"[Content_Types].xml", workbook, f"{folder}/_rels/{leaf}.rels", "docProps/app.xml"}
        | styles
        | marked
        | controle
    )


@pytest.mark.parametrize("name", WRITERS)
def test_the_source_is_valid_and_carries_the_tail_parts(runs, name):
    source, _, _ = _run(runs, name)
    assert check(source) == []
    present = features_of(source, sheet_parts(source)[_main_sheet(name)])
    assert present == set(FEATURES) - CANNOT.get(name, set())


@pytest.mark.parametrize("name", WRITERS)
def test_annotated_twice_passes_the_strict_checker(runs, name):
    _, first, second = _run(runs, name)
    assert check(first) == []
    assert check(second) == []


@pytest.mark.parametrize("name", WRITERS)
def test_untouched_members_stay_byte_identical(runs, name):
    source, first, second = _run(runs, name)
    assert untouched_differences(source, first, _changeable(first, name)) == []
    assert untouched_differences(first, second, _changeable(second, name)) == []
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(first) as b, zipfile.ZipFile(second) as c:
        added = set(b.namelist()) - set(a.namelist())
        assert added == {sheet_parts(first)["Controle"]}
        assert set(c.namelist()) == set(b.namelist())


@pytest.mark.parametrize("name", WRITERS)
def test_the_tail_keeps_its_order_with_the_marks_in_their_place(runs, name):
    source, first, second = _run(runs, name)
    part = sheet_parts(source)[_main_sheet(name)]
    before = [t for t in tail_elements(source, part) if t != "conditionalFormatting"]
    for path in (first, second):
        after = tail_elements(path, part)
        assert [t for t in after if t != "conditionalFormatting"] == before
        cf = [i for i, t in enumerate(after) if t == "conditionalFormatting"]
        follow = {"dataValidations", "hyperlinks", "pageMargins", "pageSetup", "drawing", "extLst"}
        assert all(after.index(t) > max(cf) for t in follow if t in after)
        with zipfile.ZipFile(path) as z:
            assert z.read(part).count(MARKER.encode()) == 2  # one fout, one waarschuwing rule


@pytest.mark.parametrize("name", WRITERS)
def test_the_second_run_replaces_controle_with_a_stable_sheet_id(runs, name):
    _, first, second = _run(runs, name)
    sheets = [sheet_elements(p) for p in (first, second)]
    for listed in sheets:
        assert listed[0]["name"] == "Controle"
        assert [s["name"] for s in listed].count("Controle") == 1
    assert sheets[0][0]["sheetId"] == sheets[1][0]["sheetId"]
    assert [s["name"] for s in sheets[0]] == [s["name"] for s in sheets[1]]
    own = [n for n in defined_names(second) if n[0].startswith("jeugdhulp_")]
    assert {(n[0], n[1], n[2]) for n in own} == {
        ("jeugdhulp_controle", None, "1"),
        ("jeugdhulp_geschreven", None, "1"),
        ("jeugdhulp_markering1", None, "1"),
    } | ({("jeugdhulp_markering2", None, "1")} if not name.endswith(".xlsm") else set())


# --- LibreOffice sees the same values -------------------------------------------------------

ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.mark.libreoffice
@pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed",
)
def test_libreoffice_sees_the_same_cell_values(runs, tmp_path):
    files = []
    for name, (source, first, second) in runs.items():
        for label, path in (("bron", source), ("eerste", first), ("tweede", second)):
            copy = tmp_path / "in" / f"{Path(name).stem}-{label}{path.suffix}"
            copy.parent.mkdir(exist_ok=True)
            shutil.copyfile(path, copy)
            files.append(copy)
    done = soffice_convert(files, tmp_path / "csv", ALL_SHEETS_CSV, tmp_path / "profiel")
    assert done.returncode == 0, done.stderr
    for name in runs:
        stem = Path(name).stem
        user = [s for s in sheet_parts(runs[name][0]) if s != "Controle"]
        for sheet in user:
            before = (tmp_path / "csv" / f"{stem}-bron-{sheet}.csv").read_bytes()
            for label in ("eerste", "tweede"):
                after = tmp_path / "csv" / f"{stem}-{label}-{sheet}.csv"
                assert after.read_bytes() == before, (name, label, sheet)
        with open(tmp_path / "csv" / f"{stem}-tweede-Controle.csv", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header = rows.index(
            ["Blad", "Rij", "Kolom", "Cel", "Controle", "Ernst", "Melding", "Waarde", "Retourcode"]
        )
        listed = sorted((r[0], r[3], r[4]) for r in rows[header + 1 :] if r and r[0])
        assert listed == sorted((f.blad, f.cel, f.controle) for f in findings_for(name)), name
