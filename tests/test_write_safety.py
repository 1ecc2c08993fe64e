"""Bad and hostile input, and a file system that says no: one Dutch message, never a traceback.

- zip bombs (declared and lying sizes), duplicate members, damaged parts: refused before any
  library inflates them, with peak memory far below 1 GiB (case W07);
- missing package parts, disk full, no permission, path too long, a target that is a folder:
  its verdict and findings kept, `niet_geschreven` says why, exit 2 (case W06);
- reports that cannot be written: one line, exit 2;
- temporary files gone on every exit path, and leftovers of a crash recognised and removed;
- ``--vervang`` through a symlink replaces the workbook, not the link;
- file names that are not UTF-8;
- a copy that would not be valid is never written; a problem the source already had is not
  ours and does not block.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter

import batch._zip as zip_module
import batch.annotate as annotate_module
import batch.files as files_module
from batch.annotate import NietTeSchrijven, annotate_workbook
from batch.cli import main
from batch.files import atomic_write, remove_stale_temp_files
from batch.run import Options, check_file
from jeugdhulp.controle_layout import Verantwoording
from jeugdhulp.findings import Finding
from tests.ooxml_helpers import check

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "voorbeeld-productiemonitor.xlsx"
WHEN = __import__("datetime").datetime(2026, 3, 1, 14, 30)


def example(folder: Path, name: str = "pm.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE, folder / name)
    return folder / name


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str]:
    try:
        code = main(["controleer", "--stil", *map(str, argv)])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Traceback" not in out
    return code, out


def report(path: Path) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {Path(e["bestand"]).name: e for e in data["bestanden"]}


def leftovers(*folders: Path) -> list[str]:
    return [p.name for f in folders for p in f.iterdir() if p.name.startswith(".jeugdhulp-")]


def replace_member(path: Path, name: str, data: bytes | None) -> None:
    """Rewrite `path` with member `name` replaced (None: left out)."""
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, content in members:
            if info.filename == name:
                if data is None:
                    continue
                content = data
            z.writestr(info, content)


# --- zip bombs -------------------------------------------------------------------------------

_SPACES = b" " * (1 << 20)


def write_bomb(path: Path, inflated_mib: int, *, declared: int | None = None) -> Path:
    """A workbook whose sheet1.xml inflates to `inflated_mib` MiB of spaces inside sheetData
    (a few MB on disk); `declared`: the uncompressed size its zip entry claims."""
    base = example(path.parent, "basis.xlsx")
    with zipfile.ZipFile(base) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    head, _, tail = sheet.partition(b"<sheetData>")
    head += b"<sheetData>"
    pieces, crc, size = [], 0, 0
    compressed: dict[bytes, bytes] = {}  # the block of spaces is compressed once
    end = b"</sheetData>" + tail.partition(b"</sheetData>")[2]
    for data in (head, *([_SPACES] * inflated_mib), end):
        if data not in compressed:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            compressed[data] = c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
        pieces.append(compressed[data])
        crc, size = zip_module.crc32(data, crc), size + len(data)
    pieces.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH))
    payload = b"".join(pieces)
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, zin.read(info))
                continue
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.CRC, entry.compress_size = crc, len(payload)
            entry.file_size = size if declared is None else declared
            zip64 = entry.file_size > zipfile.ZIP64_LIMIT
            entry.header_offset = zout.fp.tell()
            zout.fp.write(entry.FileHeader(zip64))
            zout.fp.write(payload)
            zout.filelist.append(entry)
            zout.NameToInfo[entry.filename] = entry
            zout.start_dir = zout.fp.tell()
    base.unlink()
    return path


MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen([sys.executable, "-m", "batch.cli", *sys.argv[1:]],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
out = proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
print(out)
print("PEAK_MIB", usage.ru_maxrss // 1024, "EXIT", os.waitstatus_to_exitcode(status))
"""


def measured_run(*argv: object) -> tuple[int, str, int]:
    """Exit code, output and peak memory (MiB, the run and its workers) of a real CLI process."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, "controleer", "--stil", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    last = done.stdout.strip().splitlines()[-1].split()
    return int(last[3]), done.stdout, int(last[1])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "declared", "reason"),
    [
        ("eerlijk", None, "zip-bom"),  # 2 GiB declared: refused from the ratio alone
        ("liegt", 10 << 20, "dan de grootte die het zip-archief ervoor opgeeft"),
        ("te-groot", 5 << 30, "meer dan de grens van 4,0 GiB"),
    ],
)
def test_zip_bombs_are_refused_in_little_memory(tmp_path, kind, declared, reason):
    bomb = write_bomb(tmp_path / f"bom-{kind}.xlsx", 2048, declared=declared)
    good = example(tmp_path, "goed.xlsx")
    code, out, peak = measured_run(bomb, good, "--json", tmp_path / "r.json")
    print(f"zip bomb ({kind}): peak {peak} MiB")  # reported in the README
    assert code == 2
    assert peak < 1024
    entries = report(tmp_path / "r.json")
    assert entries[bomb.name]["status"] == "niet gecontroleerd"
    assert reason in entries[bomb.name]["melding"]
    assert entries["goed.xlsx"]["status"] == "fouten"
    assert "Traceback" not in out and "Meld dit bij de beheerder" not in out


def test_the_streamed_inflation_stops_at_the_declared_size(tmp_path):
    bomb = write_bomb(tmp_path / "liegt.xlsx", 64, declared=1 << 20)
    with zipfile.ZipFile(bomb) as z:
        member = zip_module.InflatedMember(z.fp, z.getinfo("xl/worksheets/sheet1.xml"))
        with pytest.raises(zip_module.TeGrootOnderdeel):
            while member.read(1 << 20):
                assert member.size <= 1 << 20


# --- damaged packages -----------------------------------------------------------------------


def test_duplicate_members_in_any_case_are_refused(tmp_path, capsys):
    source = example(tmp_path)
    with zipfile.ZipFile(source, "a") as z:
        z.writestr("XL/Workbook.xml", z.read("xl/workbook.xml"))
    code, _out = run_cli(capsys, source, "--json", tmp_path / "r.json")
    assert code == 2
    assert "meer dan eens" in report(tmp_path / "r.json")["pm.xlsx"]["melding"]
    assert not (tmp_path / "pm.controle.xlsx").exists()


def corrupt(path: Path, *, crc: bool) -> None:
    """Damage sheet1.xml's compressed bytes (crc=True: change one byte of a stored copy)."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        data = z.read(info)
    if crc:
        replace_member(path, info.filename, None)
        with zipfile.ZipFile(path, "a") as z:
            z.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
        raw = bytearray(path.read_bytes())
        at = raw.index(b"<sheetData>") + 20
        raw[at] = ord("#") if raw[at] != ord("#") else ord("$")
        path.write_bytes(bytes(raw))
    else:
        raw = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/worksheets/sheet1.xml")
        start = zip_module.data_offset(open(path, "rb"), info)  # noqa: SIM115
        for i in range(start + 40, start + 80):
            raw[i] ^= 0x5A
        path.write_bytes(bytes(raw))


@pytest.mark.parametrize(("crc", "reason"), [(True, "controlegetal"), (False, "kapot")])
def test_damaged_parts_get_one_dutch_message(tmp_path, capsys, crc, reason):
    source = example(tmp_path)
    corrupt(source, crc=crc)
    code, out = run_cli(capsys, source, "--json", tmp_path / "r.json")
    assert code == 2
    entry = report(tmp_path / "r.json")["pm.xlsx"]
    assert entry["status"] == "niet gecontroleerd"
    assert "xl/worksheets/sheet1.xml" in entry["melding"]
    assert reason in entry["melding"] or "beschadigd" in entry["melding"]
    assert "Meld dit bij de beheerder" not in out


@pytest.mark.parametrize(
    ("member", "says"),
    [
        ("[Content_Types].xml", "[Content_Types].xml ontbreekt"),
        ("xl/_rels/workbook.xml.rels", "xl/_rels/workbook.xml.rels ontbreekt"),
    ],
)
def test_a_missing_package_part_keeps_the_findings(tmp_path, capsys, member, says):
    source = example(tmp_path)
    replace_member(source, member, None)
    before = source.read_bytes()
    code, out = run_cli(capsys, source, "--json", tmp_path / "r.json")
    entry = report(tmp_path / "r.json")["pm.xlsx"]
    if entry["status"] == "niet gecontroleerd":  # the reader could not read it either
        assert code == 2 and "Meld dit" not in out
        return
    assert code == 2
    assert entry["status"] == "fouten"  # the verdict stands; only the copy is missing
    assert says in entry["niet_geschreven"] and entry["bevindingen"]
    assert entry["melding"] == entry["niet_geschreven"]
    assert "Niet geschreven" in out and "Meld dit bij de beheerder" not in out
    assert source.read_bytes() == before and not (tmp_path / "pm.controle.xlsx").exists()


# --- the file system says no ----------------------------------------------------------------


def _fail_with(code: int):  # type: ignore[no-untyped-def]
    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(code, os.strerror(code))

    return fail


@pytest.mark.parametrize(
    ("where", "code", "says"),
    [
        ("deflate", errno.ENOSPC, "de schijf is vol"),
        ("open", errno.EACCES, "geen toestemming"),
        ("open", errno.EROFS, "alleen gelezen"),
        ("rename", errno.EXDEV, "kon niet worden geschreven"),
    ],
)
def test_write_errors_keep_the_findings_and_the_original(tmp_path, monkeypatch, where, code, says):
    source = example(tmp_path)
    before = source.read_bytes()
    if where == "deflate":
        monkeypatch.setattr(zip_module.ParallelDeflateMember, "_emit", _fail_with(code))
    elif where == "open":
        monkeypatch.setattr(files_module.os, "open", _fail_with(code))
    else:
        monkeypatch.setattr(files_module.os, "replace", _fail_with(code))
    result = check_file(source, Options(profiel="ijsselland-2023", vervang=True))
    assert result.status == "fouten" and not result.complete
    assert says in result.niet_geschreven and "pm.xlsx" in result.niet_geschreven
    assert result.bevindingen.height == 16 and result.fouten
    assert source.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_a_name_too_long_and_a_folder_in_the_way_are_explained(tmp_path, capsys):
    long_name = example(tmp_path, "p" * 245 + ".xlsx")  # + ".controle" is past 255 bytes
    in_the_way = example(tmp_path, "kort.xlsx")
    (tmp_path / "kort.controle.xlsx").mkdir()
    code, _out = run_cli(capsys, long_name, in_the_way, "--json", tmp_path / "r.json")
    assert code == 2
    entries = report(tmp_path / "r.json")
    assert "te lang" in entries[long_name.name]["niet_geschreven"]
    assert entries[long_name.name]["status"] == "fouten"
    assert entries["kort.xlsx"]["status"] == "fouten"
    assert "map" in entries["kort.xlsx"]["niet_geschreven"]
    assert leftovers(tmp_path) == []


def test_reports_that_cannot_be_written_are_one_line(tmp_path, capsys):
    source = example(tmp_path)
    (tmp_path / "rapport.json").mkdir()
    (tmp_path / "bestand").write_text("geen map")
    code, out = run_cli(
        capsys,
        source,
        "--json",
        tmp_path / "rapport.json",
        "--samenvatting",
        tmp_path / "bestand" / "samenvatting.xlsx",
    )
    assert code == 2
    assert "JSON-rapport niet geschreven" in out and "Samenvatting niet geschreven" in out
    assert (tmp_path / "pm.controle.xlsx").exists()  # the checked copy is still there


# --- temporary files ------------------------------------------------------------------------


@pytest.mark.parametrize("error", [OSError("kapot"), KeyboardInterrupt()])
def test_no_temporary_file_survives_an_exception_or_ctrl_c(tmp_path, monkeypatch, error):
    source = example(tmp_path)
    before = source.read_bytes()

    def interrupted(self):  # type: ignore[no-untyped-def]
        yield b"<?xml"
        raise error

    monkeypatch.setattr(annotate_module._Plan, "_controle_sheet", interrupted)
    with pytest.raises(type(error)):
        annotate_workbook(source, [], source, verantwoording=Verantwoording("p", WHEN))
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm.xlsx"]


def test_leftovers_of_a_crash_are_recognised_and_removed(tmp_path):
    old = time.time() - 3600
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    host = files_module._HOST
    names = {
        "dood": f".jeugdhulp-{host}-{dead_pid}-aa.tmp",  # this machine, process gone: removed
        "levend": f".jeugdhulp-{host}-{os.getppid()}-bb.tmp",  # still running: kept
        "ander": ".jeugdhulp-0000abcd-42-cc.tmp",  # another machine, an hour old: kept
        "oud": ".jeugdhulp-0000abcd-43-dd.tmp",  # another machine, two days old: removed
        "eigen": "notities.tmp",  # not ours: kept
    }
    for key, name in names.items():
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (old - (2 * 86400 if key == "oud" else 0),) * 2)
    removed = {p.name for p in remove_stale_temp_files(tmp_path)}
    assert removed == {names["dood"], names["oud"]}
    atomic_write(tmp_path / "uit.json", lambda h: h.write(b"{}"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [names["levend"], names["ander"], names["eigen"], "uit.json"]
    )


def test_a_new_report_gets_normal_permissions(tmp_path):
    atomic_write(tmp_path / "r.json", lambda h: h.write(b"{}"))
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o666 & ~umask


# --- symlinks and file names -----------------------------------------------------------------


def test_vervang_through_a_symlink_replaces_the_workbook(tmp_path, capsys):
    real = example(tmp_path / "echt")
    (tmp_path / "link").mkdir()
    link = tmp_path / "link" / "pm.xlsx"
    link.symlink_to(real)
    code, _out = run_cli(capsys, link, "--vervang")
    assert code == 1
    assert link.is_symlink() and link.resolve() == real.resolve()
    with zipfile.ZipFile(real) as z:
        assert "xl/worksheets/jeugdhulp_controle.xml" in z.namelist()
    assert check(real) == []
    assert leftovers(tmp_path / "echt", tmp_path / "link") == []


def test_a_file_name_that_is_not_utf8_is_read_checked_and_written(tmp_path, capsys):
    folder = tmp_path / "map"
    folder.mkdir()
    raw_name = os.fsencode(str(folder)) + b"/caf\xe9.xlsx"
    shutil.copyfile(EXAMPLE, raw_name)
    source = Path(os.fsdecode(raw_name))
    code, out = run_cli(capsys, folder, "--json", tmp_path / "r.json")
    assert code == 1
    entry = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["bestanden"][0]
    assert entry["status"] == "fouten" and entry["bestand"].endswith("caf\ufffd.xlsx")
    assert len(entry["bevindingen"]) == 16
    written = Path(os.fsdecode(os.fsencode(str(folder)) + b"/caf\xe9.controle.xlsx"))
    assert written.exists() and check(written) == []
    assert "caf\ufffd.xlsx" in out
    assert source.exists()


# --- verification before replacing ----------------------------------------------------------


def test_a_copy_that_would_be_invalid_is_not_written(tmp_path, monkeypatch):
    source = example(tmp_path)
    before = source.read_bytes()
    real_edit = annotate_module._edit_marks

    def broken_edit(root, *args, **kwargs):  # type: ignore[no-untyped-def]
        real_edit(root, *args, **kwargs)
        root.append(root.makeelement(f"{{{annotate_module.MAIN_NS}}}pageMargins", {}))

    monkeypatch.setattr(annotate_module, "_edit_marks", broken_edit)
    finding = Finding("Productie", 2, "BSN", "A2", "PM002", "fout", "", "m", "")
    with pytest.raises(NietTeSchrijven, match="niet geldig"):
        annotate_workbook(source, [finding], source, verantwoording=Verantwoording("p", WHEN))
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm.xlsx"]


def test_a_problem_the_source_already_had_does_not_block(tmp_path):
    source = tmp_path / "eigen.xlsx"
    book = xlsxwriter.Workbook(str(source))
    book.add_worksheet("Productie").write_row(0, 0, ["BSN", "Aantal"])
    book.close()
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    # pageMargins before sheetData: against the schema, and the user's own doing
    margins = sheet[
        sheet.index(b"<pageMargins") : sheet.index(b"/>", sheet.index(b"<pageMargins")) + 2
    ]
    broken = sheet.replace(margins, b"").replace(b"<sheetData", margins + b"<sheetData", 1)
    replace_member(source, "xl/worksheets/sheet1.xml", broken)
    assert check(source) != []
    finding = Finding("Productie", 1, "BSN", "A1", "PM001", "fout", "", "m", "")
    target = tmp_path / "uit.xlsx"
    annotate_workbook(source, [finding], target, verantwoording=Verantwoording("p", WHEN))
    problems = check(target)
    assert problems and all("sheet1.xml" in p for p in problems)  # only the user's own problem


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--json", "{map}/pm.xlsx"], "zou de werkmap"),
        (["--samenvatting", "{map}/pm.controle.xlsx"], "zou de gecontroleerde werkmap"),
        (["--json", "{map}/r.xlsx", "--samenvatting", "{map}/r.xlsx"], "het rapport van --json"),
    ],
)
def test_a_report_never_overwrites_a_workbook(tmp_path, capsys, options, says):
    source = example(tmp_path)
    before = source.read_bytes()
    code, out = run_cli(capsys, source, *(o.format(map=tmp_path) for o in options))
    assert code == 2 and says in out
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm.xlsx"]  # nothing was run


def test_a_workbook_open_in_libreoffice_is_not_overwritten(tmp_path):
    source = example(tmp_path)
    (tmp_path / ".~lock.pm.xlsx#").write_text("gebruiker,pc,/home/gebruiker;30.11.2026 10:00;")
    before = source.read_bytes()
    result = check_file(source, Options(profiel="ijsselland-2023", vervang=True))
    assert result.status == "fouten" and "geopend in LibreOffice" in result.niet_geschreven
    assert "Alleen het schrijven is overgeslagen" in result.niet_geschreven
    assert source.read_bytes() == before
