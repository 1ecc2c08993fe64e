"""LibreOffice opens every annotated workbook, sees the Controle sheet and the user's data unchanged.

Two headless LibreOffice runs cover the whole corpus: one exports every sheet of the originals and
of the annotated copies to CSV (so LibreOffice's own view of the data can be compared), one saves
the annotated copies as xlsx again (what a user does after opening the file), after which the
annotator must still recognise and replace its own sheet and marks.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from batch.annotate import MARKER, annotate_workbook, output_path_for
from jeugdhulp.controle_layout import Verantwoording
from jeugdhulp.findings import Finding
from tests.corpus.build_corpus import (
    CSV_FILES,
    XLSX_FILES,
    build_corpus,
    sample_findings,
    soffice_convert,
)
from tests.ooxml_helpers import check, defined_names, sheet_parts

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        shutil.which("soffice") is None and shutil.which("libreoffice") is None,
        reason="LibreOffice (soffice) is not installed",
    ),
]

# Export every sheet (last token -1), UTF-8 (76), comma separated, quoted text.
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
WHEN = datetime(2026, 3, 1, 14, 30)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("annotate-libreoffice")
    corpus = build_corpus(root / "corpus")
    originals, annotated, findings = [], [], {}
    for name, path in corpus.items():
        if name in CSV_FILES:
            found = [Finding(path.stem, 2, "BSN", "A2", "PM002", "fout", "", "BSN ongeldig", "")]
        else:
            found = sample_findings(path)
            originals.append(path)
        target = output_path_for(path, uitvoer=root / "annotated")
        annotate_workbook(
            path, found, target, verantwoording=Verantwoording("ijsselland-2023", WHEN)
        )
        annotated.append(target)
        findings[target.name] = found
    profile = root / "profile"
    csv_dir = root / "csv"
    exported = soffice_convert([*originals, *annotated], csv_dir, ALL_SHEETS_CSV, profile)
    resaved = soffice_convert(annotated, root / "resaved", "xlsx", profile)
    return {
        "root": root,
        "annotated": annotated,
        "originals": originals,
        "findings": findings,
        "csv_dir": csv_dir,
        "exported": exported,
        "resaved": resaved,
    }


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_corpus_is_complete(work):
    names = {p.name for p in work["annotated"]}
    assert len(names) == len(XLSX_FILES) + len(CSV_FILES)


def test_libreoffice_exports_every_annotated_workbook(work):
    assert work["exported"].returncode == 0, work["exported"].stderr
    for target in work["annotated"]:
        assert (work["csv_dir"] / f"{target.stem}-Controle.csv").exists(), target.name


def test_libreoffice_reads_the_controle_rows(work):
    for target in work["annotated"]:
        rows = read_csv(work["csv_dir"] / f"{target.stem}-Controle.csv")
        header = rows.index(
            ["Blad", "Rij", "Kolom", "Cel", "Controle", "Ernst", "Melding", "Waarde", "Retourcode"]
        )
        assert rows[0][0].startswith("Controle van deze werkmap: ")
        profile = next(r for r in rows[:header] if r and r[0] == "Regioprofiel")
        assert [v for v in profile if v] == ["Regioprofiel", "ijsselland-2023"]
        listed = sorted((r[0], r[3], r[4], r[5], r[7]) for r in rows[header + 1 :])
        expected = sorted(
            (f.blad, f.cel, f.controle, f.ernst, f.waarde) for f in work["findings"][target.name]
        )
        assert listed == expected, target.name


def test_libreoffice_sees_the_users_sheets_unchanged(work):
    for original in work["originals"]:
        target = output_path_for(original, uitvoer=work["root"] / "annotated")
        sheets = [
            p
            for p in work["csv_dir"].glob(f"{original.stem}-*.csv")
            if not p.name.startswith(f"{target.stem}-")
        ]
        assert sheets, original.name
        for sheet_csv in sheets:
            sheet = sheet_csv.name[len(original.stem) + 1 :]
            annotated_csv = work["csv_dir"] / f"{target.stem}-{sheet}"
            assert annotated_csv.read_bytes() == sheet_csv.read_bytes(), (original.name, sheet)


def test_libreoffice_resaves_and_the_rerun_replaces_its_own_sheet(work, tmp_path):
    assert work["resaved"].returncode == 0, work["resaved"].stderr
    for target in work["annotated"]:
        resaved = work["root"] / "resaved" / f"{target.stem}.xlsx"
        assert resaved.exists(), target.name
        # LibreOffice keeps the tool's defined names (it shows them: hidden="false")
        kept = {n[0] for n in defined_names(resaved) if n[0].startswith("jeugdhulp_")}
        assert "jeugdhulp_controle" in kept, target.name
        again = tmp_path / resaved.name
        shutil.copyfile(resaved, again)
        annotate_workbook(again, [], again, verantwoording=Verantwoording("ijsselland-2023", WHEN))
        assert check(again) == [], target.name
        own = [
            n
            for n in defined_names(again)
            if n[0].startswith("jeugdhulp_") and n[0] != "jeugdhulp_geschreven"  # the stamp
        ]
        assert own == [("jeugdhulp_controle", None, "1", "'Controle'!$A$1")], target.name
        book = openpyxl.load_workbook(again)
        assert [n for n in book.sheetnames if n.lower().startswith("controle")] == ["Controle"]
        ws = book["Controle"]
        header = next(r for r in range(1, 60) if ws.cell(r, 1).value == "Blad")
        assert ws.cell(header + 1, 1).value == "Geen bevindingen"
        controle = sheet_parts(again)["Controle"]  # its own rules carry the marker
        with zipfile.ZipFile(again) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n != controle]
            leftovers = [n for n in sheets if MARKER.encode() in z.read(n)]
        assert leftovers == [], (target.name, leftovers)
