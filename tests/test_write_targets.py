"""Where a checked copy goes, what it must never replace, and what the user is told about it.

From the independent tester's rev8 report:

- a copy's path that is a symbolic link to the workbook itself is refused, not written
  through (defect 6); a CSV bigger than an Excel sheet gets no copy, with a message (defect 5);
- an earlier checked copy the user changed (a fix typed into the red copy), opened, or made
  read-only is left alone: the new copy goes to ``NAAM.controle (2).xlsx`` and the user is
  told (defect 10); an unchanged copy of the tool's own is replaced as before;
- ``--vervang`` refuses a read-only workbook (defect 11) and keeps its owner and group, or
  says it could not (defect 12);
- a folder run says how many earlier checked copies it left out, and a file that only has
  "controle" in its name is checked (defect 14);
- the copy of a signed workbook, of one with a protected structure, or with a part that was
  damaged already, comes with a note (defects 15, 18, 19).

Every written copy passes the independent strict checker.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

import batch.annotate as annotate_module
import batch.files as files_module
from batch.annotate import NietTeSchrijven, annotate_workbook
from batch.cli import main
from batch.files import free_output_path, why_not_replace
from batch.package import unchanged_copy
from batch.run import Options, check_file, collect_paths
from jeugdhulp.controle_layout import Verantwoording
from jeugdhulp.findings import Finding
from tests.ooxml_helpers import check

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "voorbeeld-productiemonitor.xlsx"
OPTIONS = Options(profiel="ijsselland-2023")
WHEN = datetime(2026, 3, 1, 14, 30)


def example(folder: Path, name: str = "pm.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(EXAMPLE, folder / name))


def resave(path: Path, edit: bytes | None = None) -> None:
    """What saving in another program does: the package rewritten (here: one cell typed)."""
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if edit is not None and info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"45X99", edit, 1)
            z.writestr(info, data)


# --- defect 6: a link at the copy's path ------------------------------------------------------


def test_a_link_from_the_copys_path_to_the_workbook_is_refused(tmp_path):
    source = example(tmp_path)
    link = tmp_path / "pm.controle.xlsx"
    link.symlink_to(source.name)
    result = check_file(source, OPTIONS)
    assert (result.checked and not result.complete) and result.bevindingen.height == 16
    assert "koppeling naar de werkmap zelf" in result.melding
    assert source.read_bytes() == EXAMPLE.read_bytes()
    assert link.is_symlink() and os.readlink(link) == source.name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]


def test_a_link_to_another_file_is_written_through_and_vervang_on_a_link_too(tmp_path):
    source = example(tmp_path / "in")
    elsewhere = tmp_path / "gedeeld" / "pm.controle.xlsx"
    elsewhere.parent.mkdir()
    (tmp_path / "in" / "pm.controle.xlsx").symlink_to(elsewhere)
    assert check_file(source, OPTIONS).complete
    assert elsewhere.exists() and check(elsewhere) == []
    link = tmp_path / "in" / "werkmap.xlsx"
    link.symlink_to(source.name)
    result = check_file(link, Options(profiel="ijsselland-2023", vervang=True))
    assert result.complete and link.is_symlink() and check(source) == []


# --- defect 5: a CSV bigger than a sheet ---------------------------------------------------------


def test_a_csv_wider_than_a_sheet_gets_no_copy(tmp_path):
    source = tmp_path / "breed.csv"
    source.write_text(
        ";".join(f"k{i}" for i in range(16_400)) + "\n" + ";".join("x" * 16_400) + "\n",
        encoding="utf-8",
    )
    finding = Finding("breed", 2, "k0", "A2", "PM002", "fout", "", "m", "x")
    target = tmp_path / "breed.controle.xlsx"
    with pytest.raises(NietTeSchrijven, match=r"16\.400 kolommen, meer dan de 16\.384"):
        annotate_workbook(source, [finding], target, verantwoording=Verantwoording("p", WHEN))
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]


def test_a_csv_longer_than_a_sheet_gets_no_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(annotate_module, "MAX_ROWS", 50)  # Excel's 1.048.576, made small
    source = tmp_path / "lang.csv"
    source.write_text("a;b\n" + "".join(f"{i};x\n" for i in range(60)), encoding="utf-8")
    finding = Finding("lang", 61, "a", "A61", "PM002", "fout", "", "m", "x")
    with pytest.raises(NietTeSchrijven, match=r"61 regels, meer dan de 50 rijen"):
        annotate_workbook(
            source,
            [finding],
            tmp_path / "lang.controle.xlsx",
            verantwoording=Verantwoording("p", WHEN),
        )
    assert not (tmp_path / "lang.controle.xlsx").exists()


# --- defect 10: a checked copy changed since it was written --------------------------------------


def test_a_checked_copy_the_user_changed_is_not_overwritten(tmp_path):
    """The natural mistake: a fix typed into the red copy, then the original checked again."""
    source = example(tmp_path)
    first = check_file(source, OPTIONS)
    copy = tmp_path / "pm.controle.xlsx"
    assert first.uitvoer == copy and unchanged_copy(copy)
    resave(copy, edit=b"45A48")  # the user's fix, saved
    assert not unchanged_copy(copy)
    fixed = copy.read_bytes()

    second = check_file(source, OPTIONS)
    numbered = tmp_path / "pm.controle (2).xlsx"
    assert second.complete and second.uitvoer == numbered
    assert "'pm.controle.xlsx' is na de vorige controle bewerkt" in second.melding
    assert "'pm.controle (2).xlsx'" in second.melding
    assert copy.read_bytes() == fixed and check(numbered) == []
    # The numbered copy is the tool's own and unchanged: the next run replaces it, not (3).
    third = check_file(source, OPTIONS)
    assert third.uitvoer == numbered and not (tmp_path / "pm.controle (3).xlsx").exists()
    assert copy.read_bytes() == fixed


def test_an_unchanged_checked_copy_is_replaced_in_place(tmp_path):
    source = example(tmp_path)
    check_file(source, OPTIONS)
    again = check_file(source, OPTIONS)
    assert again.uitvoer == tmp_path / "pm.controle.xlsx" and again.melding == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm.controle.xlsx", "pm.xlsx"]


def test_what_must_not_be_replaced(tmp_path):
    source = example(tmp_path)
    copy = check_file(source, OPTIONS).uitvoer
    assert copy is not None and why_not_replace(copy) is None
    assert why_not_replace(tmp_path / "nergens.controle.xlsx") is None
    os.utime(copy)  # saved again without a change: it cannot be told apart from an edit
    assert "bewerkt" in (why_not_replace(copy) or "")
    other = example(tmp_path, "eigen.controle.xlsx")  # a file of the user's with such a name
    assert "niet door het hulpmiddel geschreven" in (why_not_replace(other) or "")
    lock = tmp_path / ".~lock.eigen.controle.xlsx#"
    lock.write_text("x", encoding="utf-8")
    assert why_not_replace(other) == "is geopend in LibreOffice"
    lock.unlink()
    shutil.copyfile(copy, tmp_path / "alleen.controle.xlsx")
    os.chmod(tmp_path / "alleen.controle.xlsx", 0o444)
    assert why_not_replace(tmp_path / "alleen.controle.xlsx") == "is alleen-lezen"
    assert free_output_path(other) == tmp_path / "eigen.controle (2).xlsx"
    assert free_output_path(other, bewaren=[tmp_path / "eigen.controle (2).xlsx"]) == (
        tmp_path / "eigen.controle (3).xlsx"
    )


def test_a_read_only_checked_copy_gets_a_free_name(tmp_path):
    source = example(tmp_path)
    copy = check_file(source, OPTIONS).uitvoer
    assert copy is not None
    os.chmod(copy, 0o444)
    before = copy.read_bytes()
    result = check_file(source, OPTIONS)
    assert result.uitvoer == tmp_path / "pm.controle (2).xlsx"
    assert "'pm.controle.xlsx' is alleen-lezen" in result.melding
    assert copy.read_bytes() == before


def test_the_cli_says_where_the_copy_went(tmp_path, capsys):
    source = example(tmp_path)
    assert main(["controleer", str(source)]) == 1
    resave(tmp_path / "pm.controle.xlsx", edit=b"45A48")
    capsys.readouterr()
    assert main(["controleer", str(source), "--json", str(tmp_path / "r.json")]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "Let op" in out and "pm.controle (2).xlsx" in out
    entry = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["bestanden"][0]
    assert entry["melding"].startswith("'pm.controle.xlsx' is na de vorige controle bewerkt")


# --- defects 11 and 12: --vervang respects the file -------------------------------------------------


def test_vervang_refuses_a_read_only_workbook(tmp_path):
    source = example(tmp_path)
    os.chmod(source, 0o444)
    result = check_file(source, Options(profiel="ijsselland-2023", vervang=True))
    assert (result.checked and not result.complete) and result.bevindingen.height == 16
    assert "alleen-lezen" in result.melding
    assert source.read_bytes() == EXAMPLE.read_bytes()
    assert stat.S_IMODE(source.stat().st_mode) == 0o444


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to chown")
def test_vervang_keeps_owner_and_group(tmp_path):
    source = example(tmp_path)
    os.chown(source, 65534, 65534)  # nobody:nogroup, as a backoffice service account's file
    os.chmod(source, 0o640)
    result = check_file(source, Options(profiel="ijsselland-2023", vervang=True))
    assert result.complete, result.melding
    info = source.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o640)
    assert not [m for m in result.meldingen if "eigenaar" in m]
    assert check(source) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to chown")
def test_an_owner_that_cannot_be_kept_is_said(tmp_path, monkeypatch):
    source = example(tmp_path)
    os.chown(source, 65534, 65534)

    def refuse(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(files_module.os, "chown", refuse)
    result = check_file(source, Options(profiel="ijsselland-2023", vervang=True))
    assert result.complete
    assert any("andere eigenaar of groep" in m for m in result.meldingen)


# --- defect 14: what a folder run leaves out ---------------------------------------------------


def test_a_folder_run_says_how_many_checked_copies_it_skipped(tmp_path, capsys):
    folder = tmp_path / "map"
    example(folder, "gewoon.xlsx")
    example(folder, "Productie.Controle.Q1.xlsx")  # the user's own name: checked
    example(folder, "gewoon.controle.xlsx")
    example(folder, "oud.controle (2).xlsx")
    found, _ = collect_paths([folder])
    assert sorted(p.name for p in found) == ["Productie.Controle.Q1.xlsx", "gewoon.xlsx"]
    main(["controleer", str(folder), "--niet-schrijven", "--json", str(tmp_path / "r.json")])
    out = " ".join(capsys.readouterr().out.split())
    assert "2 eerdere gecontroleerde kopie(ën) overgeslagen" in out
    assert "gewoon.controle.xlsx" in out and "oud.controle (2).xlsx" in out
    notes = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["meldingen"]
    assert any("2 eerdere gecontroleerde kopie(ën) overgeslagen" in n for n in notes)


# --- defects 15, 18, 19: notes on the copy ------------------------------------------------------

SIG_ORIGIN = "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature"


def edited(path: Path, edits: dict[str, tuple[bytes, bytes]], add: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename in edits:
                old, new = edits[info.filename]
                assert old in data
                data = data.replace(old, new, 1)
            z.writestr(info, data)
        for name, data in add.items():
            z.writestr(name, data)


@pytest.mark.parametrize("vervang", [False, True])
def test_a_signed_workbook_gets_a_note_that_the_signature_no_longer_holds(tmp_path, vervang):
    source = example(tmp_path)
    edited(
        source,
        {
            "_rels/.rels": (
                b"</Relationships>",
                f'<Relationship Id="rIdSig" Type="{SIG_ORIGIN}/origin" '
                'Target="_xmlsignatures/origin.sigs"/></Relationships>'.encode(),
            ),
            "[Content_Types].xml": (
                b"</Types>",
                b'<Default Extension="sigs" ContentType="application/vnd.openxmlformats-'
                b'package.digital-signature-origin"/></Types>',
            ),
        },
        {"_xmlsignatures/origin.sigs": b""},
    )
    result = check_file(source, Options(profiel="ijsselland-2023", vervang=vervang))
    assert result.complete
    (note,) = [m for m in result.meldingen if "digitaal ondertekend" in m]
    if vervang:
        assert "het bestand zelf" in note
    else:
        assert "de gecontroleerde kopie" in note and "origineel is ongewijzigd" in note
    assert check(result.uitvoer) == []  # type: ignore[arg-type]


def test_a_protected_structure_is_kept_and_said(tmp_path):
    source = example(tmp_path)
    with zipfile.ZipFile(source) as z:
        workbook = z.read("xl/workbook.xml")
    anchor = b"<bookViews>" if b"<bookViews>" in workbook else b"<sheets>"
    edited(
        source,
        {"xl/workbook.xml": (anchor, b'<workbookProtection lockStructure="1"/>' + anchor)},
        {},
    )
    result = check_file(source, OPTIONS)
    assert result.complete
    assert any("alleen met dat wachtwoord" in m for m in result.meldingen)
    with zipfile.ZipFile(result.uitvoer) as z:  # type: ignore[arg-type]
        assert b'<workbookProtection lockStructure="1"/>' in z.read("xl/workbook.xml")
    assert check(result.uitvoer) == []  # type: ignore[arg-type]


def test_a_binary_part_damaged_in_the_original_is_kept_and_said(tmp_path):
    source = example(tmp_path)
    edited(source, {}, {"xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + b"x" * 200})
    with zipfile.ZipFile(source) as z:
        info = z.getinfo("xl/media/image1.png")
        offset, size = info.header_offset, info.compress_size
    data = bytearray(source.read_bytes())
    start = offset + 30 + len(info.filename) + len(info.extra)
    data[start + size // 2] ^= 0xFF  # one byte of the compressed data: the CRC no longer holds
    source.write_bytes(bytes(data))
    result = check_file(source, OPTIONS)
    assert result.complete, result.melding
    (note,) = [m for m in result.meldingen if "was al beschadigd" in m]
    assert "'xl/media/image1.png'" in note
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(result.uitvoer) as after:  # type: ignore[arg-type]
        assert after.getinfo("xl/media/image1.png").CRC == before.getinfo("xl/media/image1.png").CRC
