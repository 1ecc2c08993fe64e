"""One file that crashes a worker, even in native code, never stops the others.

The crashes are real: `tests.crashing` aborts (SIGABRT), reads address 0 (SIGSEGV) or exits
half-way through writing its temporary file, in a worker process of the CLI's own supervisor.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from batch.cli import _run_all
from batch.isolate import Isolated, exit_reason
from batch.run import NIET_GECONTROLEERD, Options
from tests.crashing import check_or_crash

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "voorbeeld-productiemonitor.xlsx"


def files(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        shutil.copyfile(EXAMPLE, folder / name)
        out.append(folder / name)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_crashing_files_do_not_stop_the_others(tmp_path, workers):
    paths = files(
        tmp_path,
        ["a.xlsx", "abort.xlsx", "b.xlsx", "segfault.xlsx", "half.xlsx", "raise.xlsx", "c.xlsx"],
    )
    options = Options(profiel="ijsselland-2023")
    results = _run_all(paths, options, workers, Console(quiet=True), True, work=check_or_crash)
    by_name = {r.bestand.name: r for r in results}
    assert [r.bestand.name for r in results] == [p.name for p in paths]  # order kept
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        assert by_name[name].checked and by_name[name].complete, by_name[name].melding
        assert by_name[name].uitvoer is not None and by_name[name].uitvoer.exists()
    reasons = {
        "abort.xlsx": "noodstop (abort)",
        "segfault.xlsx": "geheugenfout (segmentation fault)",
        "half.xlsx": "afsluitcode 9",
        "raise.xlsx": "RuntimeError: taak mislukt",
    }
    for name, reason in reasons.items():
        result = by_name[name]
        assert result.status == NIET_GECONTROLEERD
        assert reason in result.melding and "De andere bestanden zijn wel gecontroleerd" in (
            result.melding
        )
    # the half-written temporary file of the worker that died is gone
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]


def _square(n: int) -> int:
    return n * n


def test_the_supervisor_keeps_order_and_reports_each_result():
    seen = []
    supervisor = Isolated(work=_square, crashed=lambda n, reason: -1, workers=2)
    assert supervisor.run(list(range(7)), lambda n, r: seen.append((n, r))) == [
        n * n for n in range(7)
    ]
    assert sorted(seen) == [(n, n * n) for n in range(7)]


def test_exit_reasons_are_dutch():
    assert exit_reason(-11).startswith("een geheugenfout")
    assert exit_reason(-9).startswith("een gedwongen stop")
    assert exit_reason(3) == "afsluitcode 3"


def test_the_cli_runs_from_a_script_without_a_main_guard_or_from_stdin(tmp_path):
    # multiprocessing's spawn re-runs the caller's main module unless the supervisor hides
    # it: a script without `if __name__ == "__main__"` would then start the check again.
    source = files(tmp_path, ["pm.xlsx"])[0]
    script = f"from batch.cli import main\nprint('code', main(['controleer', '--stil', {str(source)!r}]))\n"
    (tmp_path / "zonder_guard.py").write_text(script)
    for command in (["zonder_guard.py"], ["-"]):
        done = subprocess.run(
            [sys.executable, *command],
            input=script if command == ["-"] else None,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            timeout=120,
        )
        assert "code 1" in done.stdout, done.stderr
        assert "bootstrapping" not in done.stderr and "Traceback" not in done.stderr


CTRL_C = """
import sys
from pathlib import Path
from rich.console import Console
from batch.cli import _run_all
from batch.run import Options
from tests.crashing import check_or_crash
try:
    _run_all([Path(p) for p in sys.argv[1:]], Options(profiel="ijsselland-2023"), 2,
             Console(quiet=True), True, work=check_or_crash)
except KeyboardInterrupt:
    print("afgebroken")
"""


def test_ctrl_c_while_a_copy_is_being_written_leaves_nothing_behind(tmp_path):
    paths = files(tmp_path, ["traag.xlsx", "a.xlsx"])
    process = subprocess.Popen(
        [sys.executable, "-c", CTRL_C, *map(str, paths)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives
    )
    marker = tmp_path / "traag.xlsx.bezig"
    for _ in range(600):
        if marker.exists() or process.poll() is not None:
            break
        time.sleep(0.1)
    assert marker.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]  # being written
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
    out, err = process.communicate(timeout=60)
    assert "afgebroken" in out
    assert "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".jeugdhulp-")]
    assert not (tmp_path / "traag.controle.xlsx").exists()


def test_without_worker_processes_the_work_still_gets_done(monkeypatch):
    import multiprocessing.context

    def refuse(self):  # type: ignore[no-untyped-def]
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", refuse)
    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", refuse)
    supervisor = Isolated(work=_square, crashed=lambda n, reason: -1, workers=2)
    assert supervisor.run([1, 2, 3]) == [1, 4, 9]


FORKED = """
import sys
from pathlib import Path
from rich.console import Console
from batch.cli import _run_all
from batch.isolate import start_method
from batch.run import Options
from tests.crashing import check_or_crash
print("start", start_method())
results = _run_all([Path(p) for p in sys.argv[1:]], Options(profiel="ijsselland-2023"), 1,
                   Console(quiet=True), False, work=check_or_crash)
for result in results:
    print(result.bestand.name, result.status, result.complete)
print("na", start_method(), "polars" in sys.modules)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork only on Linux")
def test_forked_workers_isolate_crashes_as_spawned_ones_do(tmp_path):
    # The CLI's supervisor has no polars and one thread when its first worker starts: that
    # worker is forked. After a crash the replacement is spawned (polars is imported by then
    # for the results, and the progress bar runs a thread): the run goes on either way.
    paths = files(tmp_path, ["a.xlsx", "segfault.xlsx", "b.xlsx"])
    done = subprocess.run(
        [sys.executable, "-c", FORKED, *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=300,
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "start fork", done.stderr
    assert "a.xlsx fouten True" in lines and "b.xlsx fouten True" in lines, done.stdout
    assert "segfault.xlsx niet gecontroleerd False" in lines
    assert lines[-1] == "na spawn True"
    assert "Traceback" not in done.stderr and "deadlock" not in done.stderr
    assert (tmp_path / "a.controle.xlsx").exists() and (tmp_path / "b.controle.xlsx").exists()


SAFE = """
import threading
import time
from batch.isolate import start_method
print(start_method())
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
print(start_method())
stop.set()
thread.join()
# the kernel lists a joined thread until it has fully exited: wait for that, briefly
deadline = time.monotonic() + 5
while start_method() != "fork" and time.monotonic() < deadline:
    time.sleep(0.01)
print(start_method())
import fastexcel
print(start_method())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork only on Linux")
def test_fork_only_while_it_is_safe():
    # fork: one thread, no library with a native thread pool; spawn while a second thread
    # runs, and once such a library is imported
    done = subprocess.run(
        [sys.executable, "-c", SAFE],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=60,
    )
    assert done.stdout.split() == ["fork", "spawn", "fork", "spawn"], done.stderr
