"""A bug in a compiled library, or a supervisor that dies, never costs a file or a workbook.

- A Rust panic (polars, fastexcel) is a pyo3 ``PanicException``, a BaseException that
  ``except Exception`` lets pass: `check_file`, the write-back, a worker and the in-process
  fallback each catch it as a bug of the tool, with a Dutch message (rev8 defect 8).
- The panic itself (polars 2.1's ``pl.format`` on a column whose chunks the streaming engine
  left uneven, PM006 at some 410.000 rows) is avoided by giving the checks one chunk per
  column (`jeugdhulp.checks._base.Context.enriched`).
- A worker whose supervisor is killed stops (Linux: SIGTERM from the kernel) and never
  replaces a file afterwards (everywhere: `batch.files.PendingWrite.commit`) (rev8 defect 17).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from polars.exceptions import PanicException
from rich.console import Console

import batch.run as run_module
from batch.cli import _run_all
from batch.files import OrphanedWorker, PendingWrite
from batch.isolate import Isolated, is_rust_panic
from batch.run import NIET_GECONTROLEERD, Options, check_file
from tests.crashing import check_or_crash

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "voorbeeld-productiemonitor.xlsx"
OPTIONS = Options(profiel="ijsselland-2023")


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copyfile(EXAMPLE, tmp_path / name))


# --- Rust panics ----------------------------------------------------------------------------


def test_a_panic_is_recognised_and_is_not_an_exception():
    panic = PanicException("assertion failed: i < self.len()")
    assert is_rust_panic(panic) and not isinstance(panic, Exception)
    assert not is_rust_panic(KeyboardInterrupt()) and not is_rust_panic(ValueError())


def test_a_panic_while_checking_is_a_bug_of_the_tool_not_of_the_file(tmp_path, monkeypatch):
    import jeugdhulp.checks

    def panics(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise PanicException("assertion failed: i < self.len()")

    monkeypatch.setattr(jeugdhulp.checks, "run_checks", panics)
    result = check_file(copy(tmp_path, "pm.xlsx"), OPTIONS)
    assert result.status == NIET_GECONTROLEERD
    assert "interne fout (panic)" in result.melding
    assert "assertion failed" in result.melding  # the library's words, for the maintainer
    assert "beheerder" in result.melding and "niet in het bestand" in result.melding


def test_a_panic_while_writing_keeps_the_findings(tmp_path, monkeypatch):
    import batch.annotate

    def panics(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise PanicException("boom")

    monkeypatch.setattr(batch.annotate, "annotate_workbook", panics)
    source = copy(tmp_path, "pm.xlsx")
    result = check_file(source, OPTIONS)
    assert (result.checked and not result.complete) and result.bevindingen.height == 16
    assert "interne fout (panic)" in result.melding
    assert source.read_bytes() == EXAMPLE.read_bytes()


def test_a_panic_in_a_worker_is_one_files_result(tmp_path):
    paths = [copy(tmp_path, n) for n in ("a.xlsx", "panic.xlsx", "b.xlsx")]
    results = _run_all(paths, OPTIONS, 1, Console(quiet=True), True, work=check_or_crash)
    by_name = {r.bestand.name: r for r in results}
    assert by_name["a.xlsx"].complete and by_name["b.xlsx"].complete
    panicked = by_name["panic.xlsx"]
    assert panicked.status == NIET_GECONTROLEERD
    assert "interne fout (panic)" in panicked.melding


def _panics(n: int) -> int:
    if n == 2:
        raise PanicException("boom")
    return n


def test_a_panic_without_worker_processes_is_one_items_result(monkeypatch):
    import multiprocessing.context

    def refuse(self):  # type: ignore[no-untyped-def]
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", refuse)
    supervisor = Isolated(work=_panics, crashed=lambda n, reason: reason, workers=2)
    results = supervisor.run([1, 2, 3])
    assert results[0] == 1 and results[2] == 3 and "panic" in results[1]


def test_the_checks_get_one_chunk_per_column(tmp_path):
    """The frame every production-row check starts from is one chunk per column, whatever
    the reader and the allocation join gave: polars 2.1's streaming `pl.format` panics on
    uneven chunks ("assertion failed: i < self.len()")."""
    from batch.reader import read_tables
    from jeugdhulp.checks._base import Context
    from jeugdhulp.profile import load_profile

    werkmap = read_tables(copy(tmp_path, "pm.xlsx"), tables=("productie", "toewijzingen"))
    productie = werkmap.productie[0]
    chunked = pl.concat([productie.frame.slice(0, 40), productie.frame.slice(40)], rechunk=False)
    assert chunked.n_chunks() > 1
    sheet = dataclasses.replace(productie, frame=chunked)
    context = Context(
        sheet, werkmap.toewijzingen, None, load_profile("ijsselland-2023"), vandaag=dt.date.today()
    )
    assert context.enriched.n_chunks("all") == [1] * context.enriched.width


# --- a supervisor that dies ------------------------------------------------------------------

SUPERVISOR = """
import sys
from pathlib import Path
from rich.console import Console
from batch.cli import _run_all
from batch.run import Options
from tests.crashing import check_or_crash
_run_all([Path(p) for p in sys.argv[1:]], Options(profiel="ijsselland-2023"), 1,
         Console(quiet=True), True, work=check_or_crash)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _kill_supervisor_while_writing(tmp_path: Path, name: str) -> tuple[Path, int]:
    (path,) = [copy(tmp_path, name)]
    process = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(path)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marker = tmp_path / f"{name}.bezig"
    for _ in range(600):
        if (marker.exists() and marker.read_text()) or process.poll() is not None:
            break
        time.sleep(0.1)
    worker = int(marker.read_text())
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]  # being written
    process.kill()  # only the main process: kill -9 <pid> of the run
    process.wait(timeout=30)
    for _ in range(300):
        if not _alive(worker):
            break
        time.sleep(0.1)
    return path, worker


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_stops_when_its_supervisor_is_killed(tmp_path):
    _path, worker = _kill_supervisor_while_writing(tmp_path, "traag.xlsx")
    assert not _alive(worker)  # stopped at once (it would sleep for a minute)
    assert not (tmp_path / "traag.controle.xlsx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]


def test_an_orphaned_worker_never_replaces_a_file(tmp_path):
    """A worker that does not stop on SIGTERM (busy in native code) still finishes its write
    after the supervisor died: the commit refuses, the temporary file goes."""
    _path, worker = _kill_supervisor_while_writing(tmp_path, "wees.xlsx")
    assert not _alive(worker)
    assert not (tmp_path / "wees.controle.xlsx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]


def test_commit_refuses_when_the_supervisor_is_gone(tmp_path, monkeypatch):
    import batch.files

    target = tmp_path / "doel.xlsx"
    target.write_bytes(b"oud")
    monkeypatch.setattr(batch.files, "supervisor_gone", lambda: True)
    with pytest.raises(OrphanedWorker), PendingWrite(target) as pending:
        pending.write(lambda handle: handle.write(b"nieuw"))
        pending.commit()
    assert target.read_bytes() == b"oud"
    assert [p.name for p in tmp_path.iterdir()] == ["doel.xlsx"]
    assert issubclass(OrphanedWorker, SystemExit)
    assert run_module  # check_file lets it through: `except Exception` does not take it
