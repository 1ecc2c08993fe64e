"""How a run's verdict reaches the user outside the workbook: statuses and exit codes per kind of
file, the JSON report, the summary workbook (read back with openpyxl), the console at 80
columns, --alle, --uitgebreid, --version, `controles PM005`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import jeugdhulp
from batch.cli import main
from batch.report import write_json, write_summary_workbook
from batch.run import FileResult
from batch.synthetic import generate, write_workbook
from jeugdhulp.findings import FINDING_FIELDS
from jeugdhulp.verdict import EXIT_UITLEG, STATUS_UITLEG, STATUSES
from tests.handmade import HEADER
from tests.test_cli import EXAMPLE, cli, controleer, put, report

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT / "tests" / "tools" / "ooxml_check.py"
ROW = ["111222333", "45A48", dt.datetime(2023, 3, 1), dt.datetime(2023, 3, 31), "01", 60, 0.9, 54]
NO_ALLOCATIONS = {"PM005", "PM006", "PM007", "PM011", "PM012", "PM021"}


def production_only(path: Path, rows: list[list[object]]) -> Path:
    """A sheet Productie and nothing else (no Toewijzingen, no Producten)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Productie"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One workbook of each kind of verdict."""
    folder = tmp_path_factory.mktemp("soorten")
    clean = folder / "schoon.xlsx"
    write_workbook(clean, generate(30, mistake_rate=0, seed=5))
    formula = [*ROW[:7], "=F2*G2"]
    return {
        "schoon": clean,
        "fouten": put(EXAMPLE, folder, "fouten.xlsx"),
        "kopregel": production_only(folder / "kopregel.xlsx", []),
        "zonder-toewijzingen": production_only(folder / "zonder-toewijzingen.xlsx", [ROW]),
        "formule": production_only(folder / "formule.xlsx", [formula]),
        "onleesbaar": _write(folder / "onleesbaar.xlsx", b"PK\x03\x04 afgebroken"),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- statuses and exit codes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("schoon", "schoon", 0),
        ("fouten", "fouten", 1),
        ("kopregel", "geen regels", 3),  # a header only: nothing to pay, perhaps the wrong file
        ("zonder-toewijzingen", "onvolledig", 3),  # no fout, but 12 checks could not run
        ("formule", "fouten", 1),  # PM023 is a fout; the unknown amount also makes it onvolledig
        ("onleesbaar", "niet gecontroleerd", 2),
    ],
)
def test_status_and_exit_code_of_each_kind(
    kind: str,
    status: str,
    code: int,
    kinds: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = put(kinds[kind], tmp_path)
    got, out, _ = controleer(capsys, source, "--json", tmp_path / "r.json")
    entry = report(tmp_path / "r.json")[source.name]
    assert (entry["status"], got) == (status, code)
    assert f"Afsluitcode {code}: {EXIT_UITLEG[code]}." in " ".join(out.split())
    if kind in ("zonder-toewijzingen", "kopregel", "formule"):
        skipped = {s["controle"] for s in entry["overgeslagen"]}
        assert skipped >= NO_ALLOCATIONS
        assert any("niet uitgevoerd: geen toewijzingen" in r for r in entry["onvolledig"])
    if kind == "formule":
        assert any("1 cel zonder bekende waarde" in r for r in entry["onvolledig"])
        assert entry["bedragen_onbekend"] == 1
    if kind in ("schoon", "fouten"):
        assert entry["onvolledig"] == []
    if status == "niet gecontroleerd":
        assert entry["melding"] and entry["uitvoer"] is None
        assert entry["rijen"] == 0 and entry["gecontroleerd"] == []
    else:
        assert entry["uitvoer"] == str(tmp_path / f"{source.stem}.controle.xlsx")


def test_the_worst_file_decides_the_exit_code(
    kinds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*names: str) -> int:
        paths = [put(kinds[n], tmp_path) for n in names]
        return controleer(capsys, *paths, "--niet-schrijven")[0]

    assert run("schoon", "zonder-toewijzingen") == 3
    assert run("zonder-toewijzingen", "fouten") == 1
    assert run("fouten", "onleesbaar") == 2
    assert run("schoon", "kopregel") == 3


def test_a_copy_that_cannot_be_written_keeps_the_verdict_and_exits_2(
    kinds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = put(kinds["schoon"], tmp_path)
    (tmp_path / "schoon.controle.xlsx").mkdir()  # a folder in the way
    code, out, _ = controleer(capsys, source, "--json", tmp_path / "r.json")
    entry = report(tmp_path / "r.json")["schoon.xlsx"]
    assert code == 2
    assert entry["status"] == "schoon"  # the verdict stands: only the copy is missing
    assert "geen gecontroleerde kopie geschreven" in entry["niet_geschreven"]
    assert entry["uitvoer"] is None
    assert "Niet geschreven" in out


def test_an_unwritable_output_folder_is_said_once_and_the_files_are_still_checked(
    kinds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = put(kinds["schoon"], tmp_path), put(kinds["fouten"], tmp_path)
    blocker = tmp_path / "geen-map"
    blocker.write_text("een bestand, geen map", encoding="utf-8")
    code, out, _ = controleer(
        capsys, a, b, "--uitvoer", blocker / "uit", "--json", tmp_path / "r.json"
    )
    assert code == 2
    assert out.count("--uitvoer:") == 1
    assert out.index("--uitvoer:") < out.index("schoon.xlsx")  # up front
    entries = report(tmp_path / "r.json")
    assert [entries[n]["status"] for n in ("schoon.xlsx", "fouten.xlsx")] == ["schoon", "fouten"]
    for entry in entries.values():
        assert entry["niet_geschreven"].startswith("--uitvoer:")
        assert entry["uitvoer"] is None
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert any(m.startswith("--uitvoer:") for m in data["meldingen"])


# --- JSON -------------------------------------------------------------------------------------


def test_json_says_what_was_read_and_checked(
    kinds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = put(kinds["zonder-toewijzingen"], tmp_path)
    controleer(capsys, source, "--json", tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["versie"] == jeugdhulp.__version__
    assert data["statussen"] == STATUS_UITLEG
    assert data["afsluitcodes"] == {str(k): v for k, v in EXIT_UITLEG.items()}
    assert data["totaal"]["bestanden"] == 1 and data["totaal"]["per_status"]["onvolledig"] == 1
    (entry,) = data["bestanden"]
    keys = {"status", "onvolledig", "niet_geschreven", "bronnen", "gelezen", "gecontroleerd"}
    assert keys | {"overgeslagen", "bevindingen", "meldingen"} <= set(entry)
    from jeugdhulp.checks import CATALOGUE

    ran, skipped = set(entry["gecontroleerd"]), {s["controle"] for s in entry["overgeslagen"]}
    assert ran | skipped == {c.id for c in CATALOGUE} and not ran & skipped
    assert {"PM001", "PM002", "PM023"} <= ran
    reasons = {s["controle"]: s["reden"] for s in entry["overgeslagen"]}
    assert reasons["PM005"] == "overgeslagen: geen toewijzingen"
    assert reasons["PM013"].startswith("uitgeschakeld in regioprofiel")
    (bron,) = entry["bronnen"]
    assert bron["rol"] == "productie" and bron["pad"] == str(source)
    assert bron["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert bron["grootte"] == source.stat().st_size
    assert dt.datetime.fromisoformat(bron["gewijzigd"])
    assert [(g["blad"], g["rol"], g["rijen"]) for g in entry["gelezen"]] == [
        ("Productie", "productie", 1)
    ]


def test_json_names_the_allocation_and_product_files_as_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_cli import write_sheet

    tables = generate(10, mistake_rate=0, seed=3)
    from batch.synthetic import PRODUCTEN_HEADERS, PRODUCTIE_HEADERS, TOEWIJZINGEN_HEADERS

    pm = write_sheet(tmp_path / "pm.xlsx", "Productie", PRODUCTIE_HEADERS, tables.productie)
    tw = write_sheet(tmp_path / "tw.xlsx", "Blad1", TOEWIJZINGEN_HEADERS, tables.toewijzingen)
    pr = write_sheet(tmp_path / "pr.xlsx", "Producten", PRODUCTEN_HEADERS, tables.producten)
    code, out, _ = controleer(
        capsys, pm, "--toewijzingen", tw, "--producten", pr, "--json", tmp_path / "r.json"
    )
    entry = report(tmp_path / "r.json")["pm.xlsx"]
    assert (code, entry["status"]) == (0, "schoon")
    assert [(b["rol"], Path(b["pad"]).name) for b in entry["bronnen"]] == [
        ("productie", "pm.xlsx"),
        ("toewijzingen", "tw.xlsx"),
        ("producten", "pr.xlsx"),
    ]
    allocations = next(g["rijen"] for g in entry["gelezen"] if g["rol"] == "toewijzingen")
    assert allocations == len(tables.toewijzingen)
    assert f"'Blad1' in tw.xlsx: {allocations} toewijzingen" in " ".join(out.split())


def _result_with(findings: pl.DataFrame, name: str = "x.xlsx") -> FileResult:
    fouten = int((findings.get_column("ernst") == "fout").sum())
    return FileResult(
        Path(name),
        "fouten" if fouten else "schoon",
        rijen=3,
        fouten=fouten,
        bevindingen=findings,
        bedrag_gedeclareerd=Decimal("12.50"),
    )


def _findings(rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = {name: (pl.Int64 if name == "rij" else pl.String) for name in FINDING_FIELDS}
    return pl.DataFrame(rows, schema=schema)


AWKWARD = [
    {
        "blad": 'Pro"ductie\n',
        "rij": 2,
        "kolom": "Bedrag",
        "cel": "J2",
        "controle": "PM010",
        "ernst": "fout",
        "retourcode": "9346",
        "melding": "€ 1.234,56 — ë\nregel twee\t\x01 \u2028 <b>&amp;",
        "waarde": "=SOM(A1:A2)",
    },
    {
        "blad": "Productie",
        "rij": 3,
        "kolom": "",
        "cel": "A3",
        "controle": "PM022",
        "ernst": "waarschuwing",
        "retourcode": "",
        "melding": '"aanhalingstekens" en \\ backslash',
        "waarde": "",
    },
]


def test_json_findings_are_written_by_polars_and_read_back_exactly(tmp_path: Path) -> None:
    findings = _findings(AWKWARD)
    results = [_result_with(findings), _result_with(_findings([]), "leeg.xlsx")]
    path = tmp_path / "r.json"
    write_json(path, results, profiel="P", started=dt.datetime(2026, 3, 1, 14, 30))
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["bestanden"][0]["bevindingen"] == findings.to_dicts()
    assert data["bestanden"][1]["bevindingen"] == []
    assert list(data["bestanden"][0]["bevindingen"][0]) == list(FINDING_FIELDS)
    # one finding per line, indented inside the report
    lines = [line for line in text.splitlines() if '"controle": ' not in line and "PM0" in line]
    assert len(lines) == 2 and all(line.startswith("      {") for line in lines)
    assert data["totaal"]["bedrag_gedeclareerd"] == "25.00"


def test_json_of_many_findings_comes_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import batch.report as report_module

    monkeypatch.setattr(report_module, "_JSON_CHUNK", 7)
    rows = [{**AWKWARD[1], "rij": r, "cel": f"A{r}"} for r in range(2, 52)]
    write_json(
        tmp_path / "r.json", [_result_with(_findings(rows))], profiel="P", started=dt.datetime.now()
    )
    found = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["bestanden"][0]
    assert [f["rij"] for f in found["bevindingen"]] == list(range(2, 52))


# --- summary workbook -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def summary_run(
    kinds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("samenvatting")
    names = ("fouten", "schoon", "zonder-toewijzingen", "onleesbaar")
    paths = [put(kinds[n], folder / "in") for n in names]
    out = folder / "rapporten"
    code = main(
        [
            "controleer",
            "--stil",
            *map(str, paths),
            "--uitvoer",
            str(folder / "uit"),
            "--json",
            str(out / "r.json"),
            "--samenvatting",
            str(out / "samenvatting.xlsx"),
        ]
    )
    return {"code": code, "json": out / "r.json", "xlsx": out / "samenvatting.xlsx", "in": paths}


def _table(sheet, header_row: int) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    header = [c.value for c in sheet[header_row]]
    return [
        dict(zip(header, (c.value for c in row), strict=True))
        for row in sheet.iter_rows(min_row=header_row + 1)
    ]


def test_summary_workbook_files_sheet(summary_run: dict[str, object]) -> None:
    entries = report(summary_run["json"])  # type: ignore[arg-type]
    path = Path(summary_run["xlsx"])  # type: ignore[arg-type]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Bestanden", "Bevindingen", "Gelezen en gecontroleerd", "Uitleg"]
    sheet = book["Bestanden"]
    assert sheet["A1"].value == "Controle productiemonitors"
    assert f"Afsluitcode {summary_run['code']}:" in sheet["A3"].value
    header_row = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "Bestand")
    rows = _table(sheet, header_row)
    files, total = rows[:-1], rows[-1]
    assert [r["Bestand"] for r in files] == [str(p) for p in summary_run["in"]]  # full paths
    for r in files:
        entry = entries[Path(r["Bestand"]).name]
        assert r["Status"] == entry["status"]
        if entry["status"] == "niet gecontroleerd":  # blanks, not 0
            for column in ("Regels", "Fouten", "Waarschuwingen", "Bedrag gedeclareerd"):
                assert r[column] is None, column
            assert r["Gecontroleerde werkmap"] is None and r["Toelichting"]
            continue
        assert (r["Regels"], r["Fouten"], r["Waarschuwingen"]) == (
            entry["rijen"],
            entry["fouten"],
            entry["waarschuwingen"],
        )
        assert Decimal(str(r["Bedrag gedeclareerd"])) == Decimal(entry["bedrag_gedeclareerd"])
        assert Decimal(str(r["Bedrag met fout"])) == Decimal(entry["bedrag_met_fout"])
        # a link to the checked copy, relative to the summary, showing its full path
        cell = next(c for c in sheet[header_row + 1 + files.index(r)] if c.column == 9)
        assert cell.value == entry["uitvoer"]
        # (Excel writes a relative link to a file with backslashes, on every system)
        target = (path.parent / cell.hyperlink.target.replace("\\", "/")).resolve()
        assert target == Path(entry["uitvoer"]).resolve() and target.is_file()
    onvolledig = next(r for r in files if r["Status"] == "onvolledig")
    assert "niet uitgevoerd: geen toewijzingen" in onvolledig["Toelichting"]
    # Totaal: formulas over the filtered rows, with their values stored
    assert total["Bestand"] == "Totaal"
    assert total["Regels"].startswith("=SUBTOTAL(109,C")
    values = _table(openpyxl.load_workbook(path, data_only=True)["Bestanden"], header_row)[-1]
    checked = [e for e in entries.values() if e["status"] != "niet gecontroleerd"]
    assert values["Status"] == 4
    assert values["Regels"] == sum(e["rijen"] for e in checked)
    assert values["Fouten"] == sum(e["fouten"] for e in checked)
    assert Decimal(str(values["Bedrag met fout"])) == sum(
        Decimal(e["bedrag_met_fout"]) for e in checked
    )
    # every header fits its column (with room for the filter button)
    for c, header in enumerate(sheet[header_row], start=1):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width
        assert width >= len(str(header.value)) + 2, header.value
    assert sheet.freeze_panes == f"B{header_row + 1}"
    assert sheet.auto_filter.ref == f"A{header_row}:J{header_row + 4}"  # Totaal outside it


def test_summary_workbook_findings_read_and_legend(summary_run: dict[str, object]) -> None:
    entries = report(summary_run["json"])  # type: ignore[arg-type]
    book = openpyxl.load_workbook(summary_run["xlsx"])  # type: ignore[arg-type]
    written = _table(book["Bevindingen"], 1)
    expected = [
        (str(p), f["rij"], f["cel"], f["controle"], f["ernst"], f["melding"])
        for p in summary_run["in"]  # type: ignore[attr-defined]
        for f in entries[p.name]["bevindingen"]
    ]
    assert [
        (w["Bestand"], w["Rij"], w["Cel"], w["Controle"], w["Ernst"], w["Melding"]) for w in written
    ] == expected
    read = _table(book["Gelezen en gecontroleerd"], 1)
    onvolledig = [r for r in read if r["Bestand"].endswith("zonder-toewijzingen.xlsx")]
    kinds = {r["Soort"] for r in onvolledig}
    assert {"blad gelezen", "kolommen", "uitgevoerd", "niet uitgevoerd", "bron"} <= kinds
    assert ("niet uitgevoerd", "PM005", "overgeslagen: geen toewijzingen") in {
        (r["Soort"], r["Onderwerp"], r["Toelichting"]) for r in onvolledig
    }
    assert any(
        r["Soort"] == "niet gecontroleerd" and r["Bestand"].endswith("onleesbaar.xlsx")
        for r in read
    )
    legend = {row[0].value: row[1].value for row in book["Uitleg"].iter_rows() if row[0].value}
    assert "minstens één fout staat" in legend["Bedrag met fout"]
    for status in STATUSES:
        assert legend[status] == STATUS_UITLEG[status]
    for code, text in EXIT_UITLEG.items():
        assert legend[str(code)] == text


def test_summary_workbook_passes_the_strict_checker(summary_run: dict[str, object]) -> None:
    done = subprocess.run(
        [sys.executable, str(CHECKER), str(summary_run["xlsx"])], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_summary_workbook_cuts_at_excels_last_row_and_says_where_the_rest_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import batch.report as report_module

    monkeypatch.setattr(report_module, "EXCEL_ROWS", 6)
    rows = [{**AWKWARD[1], "rij": r, "cel": f"A{r}"} for r in range(2, 12)]
    path = tmp_path / "s.xlsx"
    write_summary_workbook(
        path,
        [_result_with(_findings(rows))],
        profiel="P",
        started=dt.datetime.now(),
        rapport=tmp_path / "r.json",
    )
    sheet = openpyxl.load_workbook(path)["Bevindingen"]
    values = [row[2].value for row in sheet.iter_rows(min_row=2, max_row=5)]
    assert values == [2, 3, 4, 5]
    assert sheet["A6"].value.startswith("Nog 6 bevindingen passen niet op dit blad")
    assert str(tmp_path / "r.json") in sheet["A6"].value


# --- console ----------------------------------------------------------------------------------


def test_console_is_readable_at_80_columns(
    kinds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    long_name = "aanbieder-jeugdhulp-noord-oost-productiemonitor-maart-2023-definitief.xlsx"
    folder = tmp_path / "map"
    put(kinds["fouten"], folder, long_name)
    put(kinds["zonder-toewijzingen"], folder)
    put(kinds["onleesbaar"], folder)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = controleer(capsys, "map", "--niet-schrijven", "--json", "r.json")
    assert code == 2
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out  # folded, never cut off
    joined = "".join(line.strip() for line in lines)
    assert f"map/{long_name}" in joined  # folded over lines, not cut
    text = " ".join(out.split())
    assert "Status fouten: 13 fouten, 3 waarschuwingen in 80 regels" in text
    assert "Status onvolledig" in text and "Niet gecontroleerd:" in text
    assert "Eerste 10 van 16 bevindingen (fouten eerst)" in text
    assert "Nog 6 bevindingen: alle bevindingen staan in r.json; toon ze hier met --alle." in text
    assert "Totaal (3)" in text  # the table leaves the amounts out at 80 columns...
    assert "Totaal gedeclareerd € 64.646,43, waarvan € 6.868,38 op regels met een fout." in text
    for line in lines:  # ...and names the Productie cells the way Excel does
        if re.search(r"\bPM0\d\d\b.*!", line):
            assert re.search(r"(Productie|'[^']+')![A-Z]+\d+", line), line


def test_console_counts_per_check_and_alle_shows_every_finding(
    kinds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = put(kinds["fouten"], tmp_path)
    _, out, _ = controleer(capsys, source, "--niet-schrijven", "--json", tmp_path / "r.json")
    findings = report(tmp_path / "r.json")["fouten.xlsx"]["bevindingen"]
    per_check = out[out.index("Per controle") : out.index("Eerste 10")]
    for check, ernst in {(f["controle"], f["ernst"]) for f in findings}:
        count = sum((f["controle"], f["ernst"]) == (check, ernst) for f in findings)
        assert re.search(rf"{check}\s+{ernst}\s+{count}\s", per_check), (check, ernst)
    shown_cells = set(re.findall(r"Productie!([A-Z]+\d+)", out))
    assert len(shown_cells) < len({f["cel"] for f in findings})
    _, out, _ = controleer(capsys, source, "--niet-schrijven", "--alle")
    assert set(re.findall(r"Productie!([A-Z]+\d+)", out)) == {f["cel"] for f in findings}
    assert "16 bevindingen" in out and "Nog " not in out


def test_console_uitgebreid_shows_the_mapping_notes_checks_and_sources(
    kinds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = put(kinds["zonder-toewijzingen"], tmp_path)
    _, out, _ = controleer(capsys, source, "--niet-schrijven")
    assert "SHA-256" not in out and "kolommen:" not in out
    _, out, _ = controleer(capsys, source, "--niet-schrijven", "--uitgebreid")
    text = " ".join(out.split())
    assert "Blad 'Productie' productie" in text
    assert "kolommen: A BSN; B Productcode;" in text
    assert "PM005: overgeslagen: geen toewijzingen" in text
    assert hashlib.sha256(source.read_bytes()).hexdigest() in out.replace("\n", "")
    assert "Uitgevoerd PM001, PM002" in text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--version")
    assert (code, out.strip()) == (0, f"jeugdhulp {jeugdhulp.__version__}")


def test_controles_rendered_for_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "controles", "PM005")
    assert code == 0
    assert "PM005" in out and "Geen toewijzing voor deze BSN" in out
    assert "TR338" in out and "PM006" not in out.split("PM005", 1)[1].split("\n")[0]
    assert "##" not in out and "**" not in out  # rendered, not raw Markdown
    code, out, _ = cli(capsys, "controles", "5", "pm23")
    assert code == 0 and "PM005" in out and "PM023" in out
    code, out, _ = cli(capsys, "controles")
    assert code == 0
    assert all(f"PM0{n:02d}" in out for n in range(1, 33))
    assert "jeugdhulp controles PM005" in out
    code, _, err = cli(capsys, "controles", "PM999")
    assert code == 2 and "onbekende controle 'PM999'" in err


def test_argparse_is_dutch_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    english = re.compile(r"\b(usage|error|invalid|required|arguments|show this help)\b")
    for argv in (["--help"], ["controleer", "--help"], ["controles", "--help"]):
        code, out, _ = cli(capsys, *argv)
        assert code == 0 and not english.search(out), argv
    done = subprocess.run(
        [sys.executable, "-m", "addin.lite"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2
    assert "gebruik: python -m addin.lite" in done.stderr
    assert "deze argumenten ontbreken: MAP" in done.stderr
    assert not english.search(done.stderr)
    done = subprocess.run(
        [sys.executable, "-m", "addin.lite", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert "toon deze hulp en stop" in done.stdout and not english.search(done.stdout)


def test_rekenhulp_writes_dutch_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["rekenhulp", "--ambulant-uren", "2,5", "--ambulant-weken", "3", "--rekentarief", "130"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Ambulant:     7,5 uur, € 975,00" in out
    assert "7.5" not in out


def test_console_width_follows_columns_in_a_real_process(
    kinds: dict[str, Path], tmp_path: Path
) -> None:
    source = put(kinds["fouten"], tmp_path)
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "batch.cli",
            "controleer",
            "--stil",
            "--niet-schrijven",
            str(source),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 1
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
