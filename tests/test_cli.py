"""`jeugdhulp controleer` end to end: exit codes, reports, console output, folders, write-back."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from batch.cli import main
from batch.synthetic import (
    PRODUCTEN_HEADERS,
    PRODUCTIE_HEADERS,
    TOEWIJZINGEN_HEADERS,
    generate,
    write_workbook,
)
from tests.test_bad_input_reader import formatted_sheet

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "voorbeeld-productiemonitor.xlsx"
FINDING_KEYS = {"blad", "rij", "kolom", "cel", "controle", "ernst", "retourcode", "melding"}
SCHOON, FOUTEN, NOT_CHECKED = "schoon", "fouten", "niet gecontroleerd"
ONVOLLEDIG = "onvolledig"


# --- helpers ----------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Run the CLI in-process; argparse's own exits count as exit codes too."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    return int(code), captured.out, captured.err


def controleer(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    return cli(capsys, "controleer", "--stil", *argv)


def report(path: Path) -> dict[str, dict]:
    """The JSON report's entries by file name."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {Path(entry["bestand"]).name: entry for entry in data["bestanden"]}


def put(source: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    return target


def excel_value(value: object) -> object:
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value


def write_sheet(path: Path, name: str, headers: Sequence[str], rows: list[list[object]]) -> Path:
    """One sheet, header in row 1: a table that comes as its own file."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    dates = book.add_format({"num_format": "dd-mm-yyyy"})
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, excel_value(value), dates)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def write_csv(path: Path, headers: Sequence[str], rows: list[list[object]]) -> Path:
    """As Dutch Excel saves "CSV (;)": semicolons, dd-mm-jjjj, decimal comma."""

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.strftime("%d-%m-%Y")
        if isinstance(value, float):
            return f"{value:.2f}".replace(".", ",")
        return str(value)

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(headers)
        writer.writerows([text(v) for v in row] for row in rows)
    return path


def bsns_of(path: Path) -> set[str]:
    """Every BSN-like value in the workbook's BSN columns, as text."""
    book = openpyxl.load_workbook(path, read_only=True)
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if value is not None and re.fullmatch(r"\d{8,9}", str(value)):
                    found.add(str(value))
    book.close()
    return found


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Master copies; tests copy them into their own folder before a run writes anything."""
    folder = tmp_path_factory.mktemp("bronnen")
    clean = folder / "schoon.xlsx"
    write_workbook(clean, generate(200, mistake_rate=0))
    small = folder / "klein.xlsx"
    write_workbook(small, generate(30, mistake_rate=0, seed=5))
    faulty = put(EXAMPLE, folder, "fouten.xlsx")
    # A few mistakes more, spread over a second faulty workbook for the parallel run.
    mixed = folder / "gemengd.xlsx"
    write_workbook(mixed, generate(60, mistake_rate=0.2, seed=99))
    return {"schoon": clean, "klein": small, "fouten": faulty, "gemengd": mixed}


def _bad_files(folder: Path, clean: Path) -> dict[str, tuple[Path, str]]:
    """Files that cannot be checked, with a word the Dutch message must contain."""
    from msoffcrypto.format.ooxml import OOXMLFile

    folder.mkdir(parents=True, exist_ok=True)
    data = clean.read_bytes()
    (folder / "afgebroken.xlsx").write_bytes(data[: len(data) // 2])
    (folder / "leeg.xlsx").write_bytes(b"")
    with clean.open("rb") as plain, (folder / "wachtwoord.xlsx").open("wb") as out:
        OOXMLFile(plain).encrypt("geheim", out)
    (folder / "oud.xls").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Workbook" * 64
    )
    no_header = folder / "geen-kop.xlsx"
    book = xlsxwriter.Workbook(str(no_header))
    sheet = book.add_worksheet("Productie")
    sheet.write_column(0, 0, ["Overzicht 2023", "nog in te vullen", 42])
    book.close()
    (folder / "notities.xlsx").write_text("Dit is geen werkmap.\n", encoding="utf-8")
    formatted_sheet(folder / "opmaak.xlsx", header=False)  # 1.048.576 formatted, empty rows
    return {
        "opmaak.xlsx": (folder / "opmaak.xlsx", "geen gegevens"),
        "afgebroken.xlsx": (folder / "afgebroken.xlsx", "beschadigd"),
        "leeg.xlsx": (folder / "leeg.xlsx", "leeg"),
        "wachtwoord.xlsx": (folder / "wachtwoord.xlsx", "wachtwoord"),
        "oud.xls": (folder / "oud.xls", "97-2003"),
        "geen-kop.xlsx": (no_header, "kopregel"),
        "notities.xlsx": (folder / "notities.xlsx", "geen Excel-werkmap"),
        "bestaat-niet.xlsx": (folder / "bestaat-niet.xlsx", "bestaat niet"),
    }


@pytest.fixture(scope="module")
def bad_files(
    tmp_path_factory: pytest.TempPathFactory, sources: dict[str, Path]
) -> dict[str, tuple[Path, str]]:
    return _bad_files(tmp_path_factory.mktemp("onleesbaar"), sources["klein"])


@pytest.fixture(scope="module")
def example_run(
    tmp_path_factory: pytest.TempPathFactory, sources: dict[str, Path]
) -> dict[str, object]:
    """One run over the faulty and the clean workbook with both reports (shared by tests)."""
    folder = tmp_path_factory.mktemp("rapporten")
    faulty = put(sources["fouten"], folder)
    clean = put(sources["schoon"], folder)
    json_path, summary = folder / "rapport.json", folder / "uit" / "samenvatting.xlsx"
    try:
        code = main(
            [
                "controleer",
                "--stil",
                "--niet-schrijven",
                str(faulty),
                str(clean),
                "--json",
                str(json_path),
                "--samenvatting",
                str(summary),
            ]
        )
    except SystemExit as exc:  # pragma: no cover - would be a usage error
        code = exc.code
    return {"code": code, "json": json_path, "summary": summary, "faulty": faulty, "clean": clean}


# --- exit codes -------------------------------------------------------------------------------


def test_clean_workbook_exits_0(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    clean = put(sources["schoon"], tmp_path)
    code, out, _ = controleer(capsys, clean, "--niet-schrijven", "--json", tmp_path / "r.json")
    assert code == 0
    entry = report(tmp_path / "r.json")["schoon.xlsx"]
    assert entry["status"] == SCHOON
    assert entry["rijen"] == 200
    assert entry["fouten"] == 0
    assert entry["bevindingen"] == []
    assert "schoon.xlsx" in out


def test_workbook_with_fouten_exits_1(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    code, out, _ = controleer(capsys, faulty, "--niet-schrijven")
    assert code == 1
    assert "fout" in out
    assert "PM002" in out


@pytest.mark.parametrize(
    "name",
    [
        "afgebroken.xlsx",
        "leeg.xlsx",
        "wachtwoord.xlsx",
        "oud.xls",
        "geen-kop.xlsx",
        "notities.xlsx",
        "bestaat-niet.xlsx",
        "opmaak.xlsx",
    ],
)
def test_file_that_cannot_be_checked_exits_2(
    name: str,
    tmp_path: Path,
    bad_files: dict[str, tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, word = bad_files[name]
    code, out, _ = controleer(capsys, path, "--json", tmp_path / "r.json")
    assert code == 2
    entry = report(tmp_path / "r.json")[name]
    assert entry["status"] == NOT_CHECKED
    assert word in entry["melding"]
    assert entry["bevindingen"] == []
    assert "Niet gecontroleerd" in out
    assert word in out
    assert not list(path.parent.glob("*.controle.*"))


def test_bad_files_do_not_stop_the_good_ones(
    tmp_path: Path,
    sources: dict[str, Path],
    bad_files: dict[str, tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    clean = put(sources["schoon"], tmp_path)
    bad = [path for path, _ in bad_files.values()]
    code, out, _ = controleer(
        capsys, bad[0], faulty, *bad[1:4], clean, *bad[4:], "--json", tmp_path / "r.json"
    )
    assert code == 2  # not 1: a file could not be checked, although fouten were found too
    assert out.count("Niet gecontroleerd:") == len(bad_files)
    entries = report(tmp_path / "r.json")
    assert set(entries) == {"fouten.xlsx", "schoon.xlsx", *bad_files}
    assert entries["fouten.xlsx"]["status"] == FOUTEN
    assert {f["controle"] for f in entries["fouten.xlsx"]["bevindingen"]} >= {"PM002", "PM005"}
    assert entries["schoon.xlsx"]["status"] == SCHOON
    assert entries["schoon.xlsx"]["bevindingen"] == []
    for name in bad_files:
        assert entries[name]["status"] == NOT_CHECKED, name
    # the good files were also written back, the bad ones not
    assert (tmp_path / "fouten.controle.xlsx").is_file()
    assert (tmp_path / "schoon.controle.xlsx").is_file()
    assert sorted(p.name for p in tmp_path.glob("*.controle.*")) == [
        "fouten.controle.xlsx",
        "schoon.controle.xlsx",
    ]


@pytest.mark.parametrize(
    ("argv", "dutch"),
    [
        (["controleer"], "deze argumenten ontbreken: PAD"),
        (["controleer", "x.xlsx", "--onbekend"], "onbekende argumenten: --onbekend"),
        (["controleer", "x.xlsx", "--werkers", "twee"], "'twee' is geen geheel getal"),
        (["controleer", "x.xlsx", "--werkers", "-1"], "negatief"),
        (["controleer", "x.xlsx", "--json"], "verwacht één waarde"),
        (["controler", "x.xlsx"], "ongeldige keuze: 'controler' (kies uit"),
        (["rekenhulp", "--raming", "veel"], "'veel' is geen getal"),
    ],
)
def test_wrong_usage_exits_2_in_dutch(
    argv: list[str], dutch: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *argv)
    assert code == 2
    assert "gebruik: jeugdhulp" in err
    assert dutch in err
    assert "usage" not in err
    assert "invalid" not in err
    assert out == ""


def test_contradictory_or_unknown_options_exit_2_in_dutch(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    clean = put(sources["klein"], tmp_path)
    code, _, err = controleer(capsys, clean, "--vervang", "--uitvoer", tmp_path / "uit")
    assert (code, "niet allebei" in err) == (2, True)
    code, _, err = controleer(capsys, clean, "--profiel", "atlantis-2030")
    assert code == 2
    assert "atlantis-2030" in err
    empty = tmp_path / "lege-map"
    empty.mkdir()
    code, _, err = controleer(capsys, empty)
    assert (code, "geen werkmappen" in err) == (2, True)
    assert not (tmp_path / "uit").exists()
    assert not list(tmp_path.glob("*.controle.*"))


def test_no_command_shows_dutch_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys)
    assert code == 2
    assert "gebruik: jeugdhulp" in out
    assert "controleer" in out
    code, out, _ = cli(capsys, "controleer", "--help")
    assert code == 0
    assert "toon deze hulp en stop" in out
    assert "afsluitcode 0 alleen als elk bestand schoon is" in " ".join(out.split())
    # every status and exit code is explained, from the one home of the rule
    from jeugdhulp.verdict import EXIT_UITLEG, STATUS_UITLEG

    legend = " ".join(out[out.index("status per bestand:") :].split())
    for status, meaning in STATUS_UITLEG.items():
        assert f"{status} {' '.join(meaning.split())}" in legend
    for exit_code, meaning in EXIT_UITLEG.items():
        assert f"{exit_code} {' '.join(meaning.split())}" in legend
    for line in out.splitlines():
        assert len(line) <= 80, line


# --- JSON and summary workbook ----------------------------------------------------------------


def test_json_structure(example_run: dict[str, object]) -> None:
    assert example_run["code"] == 1
    data = json.loads(Path(example_run["json"]).read_text(encoding="utf-8"))  # type: ignore[arg-type]
    assert isinstance(data["bestanden"], list)
    assert [Path(e["bestand"]).name for e in data["bestanden"]] == ["fouten.xlsx", "schoon.xlsx"]
    for entry in data["bestanden"]:
        assert {"bestand", "status", "bevindingen"} <= set(entry)
    assert [e["status"] for e in data["bestanden"]] == [FOUTEN, SCHOON]
    findings = data["bestanden"][0]["bevindingen"]
    assert findings
    for finding in findings:
        assert set(finding) >= FINDING_KEYS
        assert isinstance(finding["rij"], int)
        assert finding["ernst"] in ("fout", "waarschuwing")
        assert re.fullmatch(r"PM0\d\d", finding["controle"])
        assert finding["cel"] == re.sub(r"\d+", "", finding["cel"]) + str(finding["rij"])
        assert finding["melding"]
    assert data["bestanden"][0]["fouten"] == sum(f["ernst"] == "fout" for f in findings)
    assert data["bestanden"][1]["bevindingen"] == []


def test_json_findings_point_at_the_real_cells(example_run: dict[str, object]) -> None:
    entries = report(example_run["json"])  # type: ignore[arg-type]
    findings = entries["fouten.xlsx"]["bevindingen"]
    book = openpyxl.load_workbook(example_run["faulty"])  # type: ignore[arg-type]
    sheet = book["Productie"]
    header_row = next(row[0].row for row in sheet.iter_rows(max_row=20) if row[0].value == "BSN")
    assert header_row == 4  # the example has title rows above the header

    pm002 = [f for f in findings if f["controle"] == "PM002"]
    assert len(pm002) == 1
    cell = sheet[pm002[0]["cel"]]
    assert cell.row == pm002[0]["rij"]
    assert str(cell.value) == pm002[0]["waarde"]
    assert pm002[0]["waarde"] in pm002[0]["melding"]  # the unmasked BSN in the report
    assert pm002[0]["kolom"] == "BSN"

    for finding in findings:  # every finding: the header of its column is `kolom` as written
        assert finding["blad"] == "Productie"
        column = sheet[finding["cel"]].column
        assert sheet.cell(header_row, column).value == finding["kolom"], finding
        value = sheet[finding["cel"]].value
        if finding["waarde"] and not isinstance(value, dt.datetime):
            assert str(value) == finding["waarde"] or float(value) == float(
                finding["waarde"].replace(",", ".")
            )


# --- console ----------------------------------------------------------------------------------


def test_console_masks_bsns_and_summarises_each_file(
    tmp_path: Path,
    sources: dict[str, Path],
    bad_files: dict[str, tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    clean = put(sources["schoon"], tmp_path)
    put(bad_files["leeg.xlsx"][0], tmp_path)
    monkeypatch.chdir(tmp_path)  # the console shows paths as given: here just the names
    code, out, _ = controleer(
        capsys, "fouten.xlsx", "schoon.xlsx", "leeg.xlsx", "--niet-schrijven", "--json", "r.json"
    )
    assert code == 2
    secrets = bsns_of(faulty) | bsns_of(clean)
    assert len(secrets) > 40
    leaked = {bsn for bsn in secrets if bsn in out}
    assert not leaked
    assert not re.search(r"(?<!\d)\d{8,9}(?!\d)", out)
    pm002 = next(
        f
        for f in report(tmp_path / "r.json")["fouten.xlsx"]["bevindingen"]
        if f["controle"] == "PM002"
    )
    assert "******" + pm002["waarde"][-3:] in out  # shown masked, last three digits kept
    # one summary row per file with its status and counts, and a Totaal row
    entries = report(tmp_path / "r.json")
    table = out[out.index("Samenvatting (profiel") :].splitlines()
    for name, status in (
        ("fouten.xlsx", FOUTEN),
        ("schoon.xlsx", SCHOON),
        ("leeg.xlsx", NOT_CHECKED),
    ):
        cells = next(line for line in table if line.split()[:1] == [name]).split()
        assert " ".join(cells[1:3]).startswith(status)
        if status != NOT_CHECKED:  # the unreadable file has blanks, not 0
            assert cells[2:5] == [
                str(entries[name][k]) for k in ("rijen", "fouten", "waarschuwingen")
            ]
        else:
            assert cells == [name, "niet", "gecontroleerd"]
    totaal = next(line for line in table if "Totaal" in line).split()
    assert totaal[:5] == ["Totaal", "(3)", "280", "13", "3"]
    assert "Per controle" in out
    assert "Afsluitcode 2:" in out


def test_file_names_with_brackets_are_shown_as_written(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # rich markup must not eat "[concept]" from a file name
    path = put(sources["klein"], tmp_path, "monitor [concept].xlsx")
    code, out, _ = cli(capsys, "controleer", path)
    assert code == 0
    assert "monitor [concept].xlsx" in out
    assert (tmp_path / "monitor [concept].controle.xlsx").is_file()


# --- folders and workers ----------------------------------------------------------------------


def test_folder_checks_its_workbooks_and_skips_lock_files_and_outputs(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "map"
    put(sources["klein"], folder, "a.xlsx")
    put(sources["fouten"], folder, "b.xlsx")
    put(sources["fouten"], folder, "b.controle.xlsx")  # an earlier output
    (folder / "~$a.xlsx").write_bytes(b"\x05Excel lock" + b"\x00" * 150)  # Excel's owner file
    (folder / "lees-mij.txt").write_text("geen werkmap", encoding="utf-8")
    (folder / "sub").mkdir()
    put(sources["klein"], folder / "sub", "c.xlsx")
    code, _, _ = controleer(capsys, folder, "--json", tmp_path / "r.json")
    assert code == 1
    entries = report(tmp_path / "r.json")
    assert sorted(entries) == ["a.xlsx", "b.xlsx"]
    assert [entries[n]["status"] for n in ("a.xlsx", "b.xlsx")] == [SCHOON, FOUTEN]
    # a file named both directly and through its folder is checked once
    code, _, _ = controleer(
        capsys, folder / "a.xlsx", folder, "--niet-schrijven", "--json", tmp_path / "r2.json"
    )
    assert sorted(report(tmp_path / "r2.json")) == ["a.xlsx", "b.xlsx"]


def test_old_xls_in_a_folder_is_reported_not_skipped(
    tmp_path: Path,
    sources: dict[str, Path],
    bad_files: dict[str, tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "map"
    put(sources["klein"], folder, "a.xlsx")
    put(bad_files["oud.xls"][0], folder)
    code, _, _ = controleer(capsys, folder, "--niet-schrijven", "--json", tmp_path / "r.json")
    assert code == 2
    entries = report(tmp_path / "r.json")
    assert entries["a.xlsx"]["status"] == SCHOON
    assert entries["oud.xls"]["status"] == NOT_CHECKED
    assert "sla op als .xlsx" in entries["oud.xls"]["melding"]


def test_two_workers_give_the_same_findings_as_one(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "map"
    for key in ("klein", "fouten", "gemengd"):
        put(sources[key], folder)
    (folder / "kapot.xlsx").write_bytes(b"PK\x03\x04 afgebroken")
    runs = {}
    for workers in (1, 2):
        code, _, _ = controleer(
            capsys, folder, "--werkers", workers, "--niet-schrijven", "--json", tmp_path / "r.json"
        )
        assert code == 2
        data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
        runs[workers] = [
            (Path(e["bestand"]).name, e["status"], e["melding"], e["bevindingen"])
            for e in data["bestanden"]
        ]
    assert runs[1] == runs[2]
    assert [name for name, *_ in runs[2]] == [
        "fouten.xlsx",
        "gemengd.xlsx",
        "kapot.xlsx",
        "klein.xlsx",
    ]
    assert sum(len(findings) for *_, findings in runs[2]) > 15


# --- allocations and product list from their own files ----------------------------------------


@pytest.fixture(scope="module")
def split_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two production-only workbooks (one mistake each) and the lists as csv and xlsx."""
    folder = tmp_path_factory.mktemp("los")
    tables = generate(40, mistake_rate=0, seed=11)
    first = [list(row) for row in tables.productie[:20]]
    second = [list(row) for row in tables.productie[20:]]
    first[5][1] = "TW9999999"  # no such allocation: PM005
    second[3][3] = "45X99"  # no such product code: PM004
    return {
        "een": write_sheet(folder / "een.xlsx", "Productie", PRODUCTIE_HEADERS, first),
        "twee": write_sheet(folder / "twee.xlsx", "Productie", PRODUCTIE_HEADERS, second),
        "toewijzingen.csv": write_csv(
            folder / "toewijzingen.csv", TOEWIJZINGEN_HEADERS, tables.toewijzingen
        ),
        "toewijzingen.xlsx": write_sheet(
            folder / "toewijzingen.xlsx", "Blad1", TOEWIJZINGEN_HEADERS, tables.toewijzingen
        ),
        "producten.csv": write_csv(folder / "producten.csv", PRODUCTEN_HEADERS, tables.producten),
        "producten.xlsx": write_sheet(
            folder / "producten.xlsx", "Producten", PRODUCTEN_HEADERS, tables.producten
        ),
    }


@pytest.mark.parametrize(
    ("toewijzingen", "producten"),
    [("toewijzingen.csv", "producten.xlsx"), ("toewijzingen.xlsx", "producten.csv")],
)
def test_allocations_and_products_from_files_apply_to_every_workbook(
    toewijzingen: str,
    producten: str,
    tmp_path: Path,
    split_tables: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    een, twee = put(split_tables["een"], tmp_path), put(split_tables["twee"], tmp_path)
    code, _, _ = controleer(
        capsys,
        een,
        twee,
        "--toewijzingen",
        split_tables[toewijzingen],
        "--producten",
        split_tables[producten],
        "--niet-schrijven",
        "--json",
        tmp_path / "r.json",
    )
    assert code == 1
    entries = report(tmp_path / "r.json")
    fouten = {
        name: sorted((f["controle"], f["rij"]) for f in e["bevindingen"] if f["ernst"] == "fout")
        for name, e in entries.items()
    }
    # row 7 of een: allocation TW9999999 does not exist; row 5 of twee: code 45X99 is unknown
    assert fouten["een.xlsx"] == [("PM005", 7)]
    assert ("PM004", 5) in fouten["twee.xlsx"]
    assert {rij for _, rij in fouten["twee.xlsx"]} == {5}

    # Without the files these workbooks have no allocations and no product list to check against.
    code, _, _ = controleer(capsys, een, twee, "--niet-schrijven", "--json", tmp_path / "r.json")
    entries = report(tmp_path / "r.json")
    controles = {f["controle"] for e in entries.values() for f in e["bevindingen"]}
    assert not controles & {"PM004", "PM005"}


@pytest.mark.parametrize("option", ["--toewijzingen", "--producten"])
def test_missing_allocation_or_product_file_exits_2(
    option: str, tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    clean = put(sources["klein"], tmp_path)
    code, out, err = controleer(capsys, clean, option, tmp_path / "weg.csv")
    assert code == 2
    assert f"{option}: bestand" in err
    assert "weg.csv bestaat niet" in err
    assert "Samenvatting" not in out
    assert not list(tmp_path.glob("*.controle.*"))  # nothing was checked or written


# --- write-back -------------------------------------------------------------------------------


def test_write_back_default_beside_the_workbook(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    before = faulty.read_bytes()
    code, out, _ = controleer(capsys, faulty)
    assert code == 1
    target = tmp_path / "fouten.controle.xlsx"
    assert faulty.read_bytes() == before
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "Controle"
    assert "Productie" in book.sheetnames
    assert "fouten.controle.xlsx" in out


def test_write_back_into_output_folder(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faulty = put(sources["fouten"], tmp_path / "in")
    code, _, _ = controleer(capsys, faulty, "--uitvoer", tmp_path / "uit" / "nieuw")
    assert code == 1
    assert (tmp_path / "uit" / "nieuw" / "fouten.controle.xlsx").is_file()
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["fouten.xlsx"]


def test_niet_schrijven_writes_nothing(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    code, out, _ = controleer(capsys, faulty, "--niet-schrijven")
    assert code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fouten.xlsx"]
    assert "Gecontroleerde werkmap" not in out


def test_vervang_replaces_the_original(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    before = faulty.read_bytes()
    code, _, _ = controleer(capsys, faulty, "--vervang")
    assert code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fouten.xlsx"]
    assert faulty.read_bytes() != before
    book = openpyxl.load_workbook(faulty)
    assert book.sheetnames[0] == "Controle"
    assert book.sheetnames[:2] == ["Controle", "Controlelijst"]
    assert book.sheetnames[2:] == ["Productie", "Toewijzingen", "Producten"]
    # checking the replaced workbook again still works and finds the same
    code, _, _ = controleer(capsys, faulty, "--vervang", "--json", tmp_path / "r.json")
    assert code == 1
    assert book.sheetnames.count("Controle") == 1
    assert len(report(tmp_path / "r.json")["fouten.xlsx"]["bevindingen"]) == 16


@pytest.mark.parametrize("lock", ["~$fouten.xlsx", ".~lock.fouten.xlsx#"])
def test_vervang_on_a_workbook_open_in_excel_only_skips_the_writing(
    lock: str, tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    clean = put(sources["klein"], tmp_path)
    (tmp_path / lock).write_bytes(b"\x07gebruiker" + b"\x20" * 100)
    before = faulty.read_bytes()
    code, out, _ = controleer(capsys, faulty, clean, "--vervang", "--json", tmp_path / "r.json")
    assert code == 2  # a copy asked for was not written
    entries = report(tmp_path / "r.json")
    # checked, with its verdict and findings; only the writing was skipped, and why
    entry = entries["fouten.xlsx"]
    assert (entry["status"], entry["fouten"]) == (FOUTEN, 13)
    assert entry["bevindingen"]
    program = "Excel" if lock.startswith("~$") else "LibreOffice"
    assert f"geopend in {program}" in entry["niet_geschreven"]
    assert "Alleen het schrijven is overgeslagen" in entry["niet_geschreven"]
    assert entry["uitvoer"] is None
    assert f"geopend in {program}" in out and "Niet geschreven" in out
    assert entries["klein.xlsx"]["status"] == SCHOON  # the other file still done
    assert entries["klein.xlsx"]["niet_geschreven"] == ""
    assert faulty.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_checked_copy_open_in_excel_gets_a_free_name(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # The provider's loop: check, open the result in Excel, fix, check again.
    faulty = put(sources["fouten"], tmp_path)
    code, _, _ = controleer(capsys, faulty)
    first = tmp_path / "fouten.controle.xlsx"
    (tmp_path / "~$fouten.controle.xlsx").write_bytes(b"\x07gebruiker" + b"\x20" * 100)
    opened = first.read_bytes()
    code, out, _ = controleer(capsys, faulty, "--json", tmp_path / "r.json")
    assert code == 1  # written (under another name): the verdict alone decides
    entry = report(tmp_path / "r.json")["fouten.xlsx"]
    second = tmp_path / "fouten.controle (2).xlsx"
    assert entry["uitvoer"] == str(second)
    assert entry["niet_geschreven"] == ""
    assert "'fouten.controle.xlsx' is geopend in Excel" in entry["melding"]
    assert "'fouten.controle (2).xlsx'" in entry["melding"]
    assert "fouten.controle (2).xlsx" in out and "geopend in Excel" in out
    assert first.read_bytes() == opened  # what the user has open is left alone
    assert openpyxl.load_workbook(second).sheetnames[0] == "Controle"
    # (2) open too: (3); a folder run does not take the numbered copies as input
    (tmp_path / ".~lock.fouten.controle (2).xlsx#").write_text("x", encoding="utf-8")
    code, _, _ = controleer(capsys, tmp_path, "--json", tmp_path / "r.json")
    assert sorted(report(tmp_path / "r.json")) == ["fouten.xlsx"]
    assert report(tmp_path / "r.json")["fouten.xlsx"]["uitvoer"] == str(
        tmp_path / "fouten.controle (3).xlsx"
    )
    # checking a numbered copy again targets itself, or the next free name when it is open
    code, _, _ = controleer(
        capsys, tmp_path / "fouten.controle (3).xlsx", "--json", tmp_path / "r.json"
    )
    assert report(tmp_path / "r.json")["fouten.controle (3).xlsx"]["uitvoer"] == str(
        tmp_path / "fouten.controle (3).xlsx"
    )
    code, _, _ = controleer(capsys, second, "--json", tmp_path / "r.json")  # (3) is closed
    assert report(tmp_path / "r.json")["fouten.controle (2).xlsx"]["uitvoer"] == str(
        tmp_path / "fouten.controle (3).xlsx"
    )
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_free_name_never_replaces_another_input(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faulty = put(sources["fouten"], tmp_path)
    other = put(sources["klein"], tmp_path, "fouten.controle (2).xlsx")  # checked in this run
    put(sources["fouten"], tmp_path, "fouten.controle.xlsx")
    (tmp_path / "~$fouten.controle.xlsx").write_bytes(b"\x07gebruiker" + b"\x20" * 100)
    before = other.read_bytes()
    controleer(capsys, faulty, other, "--niet-schrijven", "--json", tmp_path / "r0.json")
    code, _, _ = controleer(capsys, faulty, other, "--json", tmp_path / "r.json")
    assert code == 1
    entries = report(tmp_path / "r.json")
    assert entries["fouten.xlsx"]["uitvoer"] == str(tmp_path / "fouten.controle (3).xlsx")
    # the other input was checked from what it was, and written onto itself (its own copy)
    assert (
        entries["fouten.controle (2).xlsx"]["bevindingen"]
        == report(tmp_path / "r0.json")["fouten.controle (2).xlsx"]["bevindingen"]
    )
    assert other.read_bytes() != before
    assert openpyxl.load_workbook(other).sheetnames[0] == "Controle"


def test_csv_with_vervang_and_its_copy_open_gets_a_free_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = generate(10, mistake_rate=0, seed=3)
    source = write_csv(tmp_path / "pm.csv", PRODUCTIE_HEADERS, tables.productie)
    (tmp_path / ".~lock.pm.controle.xlsx#").write_text("x", encoding="utf-8")
    code, _, _ = controleer(capsys, source, "--vervang", "--json", tmp_path / "r.json")
    assert code == 3  # written: a csv has no allocations, so onvolledig
    entry = report(tmp_path / "r.json")["pm.csv"]
    assert entry["uitvoer"] == str(tmp_path / "pm.controle (2).xlsx")
    assert "geopend in LibreOffice" in entry["melding"] and entry["niet_geschreven"] == ""


def test_two_files_with_the_same_output_are_not_both_written(
    tmp_path: Path,
    sources: dict[str, Path],
    split_tables: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # pm.xlsx and pm.csv both give pm.controle.xlsx: the second must not replace the first
    folder = tmp_path / "map"
    put(sources["fouten"], folder, "pm.xlsx")
    tables = generate(10, mistake_rate=0, seed=3)
    write_csv(folder / "pm.csv", PRODUCTIE_HEADERS, tables.productie)
    code, _, _ = controleer(capsys, folder, "--json", tmp_path / "r.json")
    assert code == 2
    entries = report(tmp_path / "r.json")
    # sorted first in the folder; a csv has no allocations: checked, but onvolledig
    assert entries["pm.csv"]["status"] == ONVOLLEDIG
    assert entries["pm.xlsx"]["status"] == NOT_CHECKED
    assert "pm.controle.xlsx" in entries["pm.xlsx"]["melding"]
    book = openpyxl.load_workbook(folder / "pm.controle.xlsx")
    assert book.sheetnames == ["Controle", "Controlelijst", "pm"]  # the csv's copy, not overwritten
    # with --uitvoer, two files called alike from different folders clash the same way
    other = put(sources["klein"], tmp_path / "ander", "pm.xlsx")
    code, _, _ = controleer(
        capsys,
        folder / "pm.xlsx",
        other,
        "--uitvoer",
        tmp_path / "uit",
        "--json",
        tmp_path / "r.json",
    )
    assert code == 2
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in data["bestanden"]] == [FOUTEN, NOT_CHECKED]


# --- csv production file ----------------------------------------------------------------------


def test_csv_production_file_gets_a_checked_xlsx(
    tmp_path: Path, split_tables: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tables = generate(25, mistake_rate=0, seed=11)
    rows = [list(row) for row in tables.productie]
    rows[4][9] = float(rows[4][9]) + 1.0  # amount is not quantity x tariff: PM010
    source = write_csv(tmp_path / "productie.csv", PRODUCTIE_HEADERS, rows)
    before = source.read_bytes()
    code, _, _ = controleer(
        capsys,
        source,
        "--toewijzingen",
        split_tables["toewijzingen.xlsx"],
        "--producten",
        split_tables["producten.xlsx"],
        "--json",
        tmp_path / "r.json",
    )
    assert code == 1
    entry = report(tmp_path / "r.json")["productie.csv"]
    fouten = [
        (f["controle"], f["rij"], f["cel"]) for f in entry["bevindingen"] if f["ernst"] == "fout"
    ]
    assert fouten == [("PM010", 6, "J6")]  # csv record 6 (header is record 1)
    target = tmp_path / "productie.controle.xlsx"
    assert entry["uitvoer"] == str(target)
    assert source.read_bytes() == before
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Controle", "Controlelijst", "productie"]
    # the amount typed as a number shown as the csv wrote it (the copy is typed, issue 12.6)
    cell = book["productie"]["J6"]
    written = source.read_text(encoding="utf-8-sig").splitlines()[5].split(";")[9]
    assert (cell.value, cell.number_format) == (float(written.replace(",", ".")), "0.00")
    assert book["productie"]["A1"].value == "BSN"


# --- real processes ---------------------------------------------------------------------------


def _process(*argv: object, exe: Sequence[str] = (sys.executable, "-m", "batch.cli")):
    return subprocess.run(
        [*exe, *map(str, argv)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_exit_codes_of_a_real_process(
    tmp_path: Path,
    sources: dict[str, Path],
    bad_files: dict[str, tuple[Path, str]],
) -> None:
    clean = put(sources["klein"], tmp_path)
    faulty = put(sources["fouten"], tmp_path)
    assert _process("controleer", clean, "--niet-schrijven").returncode == 0
    assert _process("controleer", faulty, "--niet-schrijven").returncode == 1
    done = _process("controleer", clean, bad_files["wachtwoord.xlsx"][0], "--niet-schrijven")
    assert done.returncode == 2
    assert "versleuteld" in done.stdout
    usage = _process("controleer")
    assert usage.returncode == 2
    assert "deze argumenten ontbreken" in usage.stderr


def test_console_script(tmp_path: Path, sources: dict[str, Path]) -> None:
    script = shutil.which("jeugdhulp", path=str(Path(sys.executable).parent)) or shutil.which(
        "jeugdhulp"
    )
    if script is None:
        pytest.skip("console script jeugdhulp is not installed")
    faulty = put(sources["fouten"], tmp_path)
    done = _process("controleer", faulty, "--json", tmp_path / "r.json", exe=[script])
    assert done.returncode == 1
    assert (tmp_path / "fouten.controle.xlsx").is_file()
    assert report(tmp_path / "r.json")["fouten.xlsx"]["fouten"] == 13


def test_a_header_with_merged_cells_is_read_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Title row, "Periode" merged over Begindatum/Einddatum, BSN merged over two header rows.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Productie"
    sheet["A1"] = "Productiemonitor 2023"
    sheet.merge_cells("A1:F1")
    for cell, text in (("A3", "BSN"), ("B3", "Productcode"), ("E3", "Eenheid"), ("F3", "Aantal")):
        sheet[cell] = text
        sheet.merge_cells(f"{cell}:{cell[0]}4")
    sheet["C3"] = "Periode"
    sheet.merge_cells("C3:D3")
    sheet["C4"], sheet["D4"] = "Begindatum", "Einddatum"
    sheet.append(["111222333", "45A48", "01-03-2023", "31-03-2023", "01", 60])
    sheet.append(["111222334", "45A48", "01-03-2023", "31-03-2023", "01", 60])
    path = tmp_path / "samengevoegd.xlsx"
    book.save(path)

    code, _, _ = controleer(capsys, path, "--niet-schrijven", "--json", tmp_path / "r.json")
    entry = report(tmp_path / "r.json")["samengevoegd.xlsx"]
    assert entry["status"] == FOUTEN
    assert code == 1  # read fine; the second BSN fails the elfproef
    pm002 = [f for f in entry["bevindingen"] if f["controle"] == "PM002"]
    assert [(f["cel"], f["kolom"]) for f in pm002] == [("A6", "BSN")]


def test_a_closed_pipe_still_writes_the_reports_and_tells_the_verdict(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    """`jeugdhulp controleer ... | head -3`: the reader goes away, the run does not."""
    faulty = put(sources["fouten"], tmp_path)
    report_path, summary = tmp_path / "r.json", tmp_path / "s.xlsx"
    command = [sys.executable, "-m", "batch.cli", "controleer", str(faulty), "--niet-schrijven"]
    command += ["--json", str(report_path), "--samenvatting", str(summary)]
    done = subprocess.run(
        [
            "bash",
            "-c",
            " ".join(f"'{c}'" for c in command) + " | head -c 10 >/dev/null; exit ${PIPESTATUS[0]}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert report(report_path)["fouten.xlsx"]["status"] == FOUTEN
    assert openpyxl.load_workbook(summary).sheetnames


def test_a_summary_that_is_not_an_xlsx_name_is_refused(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = controleer(capsys, put(sources["klein"], tmp_path), "--samenvatting", "s.csv")
    assert code == 2 and "op .xlsx eindigt" in err


def test_a_shared_list_file_reads_only_its_list(
    tmp_path: Path, split_tables: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """An allocation file that also holds a Productie sheet: that sheet is not checked here,
    so it is not listed as read either (the verdict names only what it covers)."""
    one = put(split_tables["een"], tmp_path)
    lists = tmp_path / "lijsten.xlsx"
    book = openpyxl.load_workbook(split_tables["toewijzingen.xlsx"])
    production = book.create_sheet("Productie")
    for row in openpyxl.load_workbook(split_tables["twee"])["Productie"].iter_rows(
        values_only=True
    ):
        production.append(row)
    book.save(lists)
    controleer(
        capsys, one, "--toewijzingen", lists, "--niet-schrijven", "--json", tmp_path / "r.json"
    )
    entry = report(tmp_path / "r.json")["een.xlsx"]
    read = [(Path(b["bestand"]).name, b["rol"]) for b in entry["gelezen"]]
    assert ("lijsten.xlsx", "toewijzingen") in read
    assert not any(name == "lijsten.xlsx" and rol == "productie" for name, rol in read)
    assert entry["rijen"] == 20


def test_subfolders_not_searched_is_never_exit_0(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder run without --recursief that leaves a subfolder with workbooks out says so,
    and a payment script reading 0 as "alles gecontroleerd" is not misled: exit 3."""
    put(sources["klein"], tmp_path / "map")
    put(sources["fouten"], tmp_path / "map" / "sub")
    code, out, _ = controleer(capsys, tmp_path / "map", "--niet-schrijven")
    assert code == 3 and "submap(pen) niet doorzocht" in " ".join(out.split())
    code, _, _ = controleer(capsys, tmp_path / "map", "--niet-schrijven", "--recursief")
    assert code == 1


def test_a_report_never_replaces_a_device_or_pipe(
    tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    clean = put(sources["klein"], tmp_path)
    for option, name in (("--json", "pijp.json"), ("--samenvatting", "pijp.xlsx")):
        pipe = tmp_path / name
        os.mkfifo(pipe)
        code, _, err = controleer(capsys, clean, "--niet-schrijven", option, pipe)
        assert code == 2 and "geen gewoon bestand" in err
        assert pipe.is_fifo()
