"""Run each file's check in a worker process, so one file that crashes never stops the others.

A crash in native code (a segmentation fault or an abort in a library reading a hostile file)
cannot be caught in Python: it ends the process. A panic in a Rust library (polars, fastexcel)
can be caught, but it is a BaseException that ``except Exception`` lets pass (`is_rust_panic`):
the file gets a result naming it as a bug of the tool, and the worker goes on. A worker whose
supervisor dies (the main process killed) stops too, and never replaces a file after that. So the files are handed, one at a time, to
worker processes and a supervisor in the main process watches both each worker's pipe and its
process handle.

How a worker starts (`start_method`): forked where that is safe, else spawned. A fork costs
milliseconds and the child has the supervisor's modules already; it is safe only while the
supervisor runs one thread and has not imported a library with a native thread pool (polars'
pool does not survive a fork, and polars warns). The CLI's supervisor imports neither before
its workers start (`batch.run` imports polars only where it checks), so a `jeugdhulp controleer`
forks its first workers; a worker started later (after a crash, or once the progress bar
runs) is spawned. When a
worker dies, the file it had gets a result saying so (`crashed`), its temporary files are
removed (`cleanup`), a fresh worker takes its place, and the other files go on.

`concurrent.futures.ProcessPoolExecutor` is not used: when one of its workers dies it marks
every pending future as broken, so one bad file would still take the batch down.

Cost: one worker start per run, not per file. Forked, the worker imports what the checks need
(about 0,3 s) while the supervisor imports what it needs for the results; spawned, a fresh
interpreter and the unpickling of the work come on top (some 0,2 s more). A worker told to
stop leaves at once (`os._exit`, after flushing its output): it has sent its last result and
holds nothing to clean up, so the supervisor does not wait for its interpreter's teardown.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import types
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from batch.files import supervisor_gone

T = TypeVar("T")
R = TypeVar("R")

#: Modules a worker imports while it waits for its first file (they are needed for every file).
PRELOAD = ("batch.run", "batch.reader", "batch.annotate", "jeugdhulp.checks")
#: Modules whose native thread pools do not survive a fork: once one is imported, spawn.
FORK_UNSAFE = ("polars", "fastexcel", "pyarrow", "numpy")

_SIGNALS = {
    getattr(signal, "SIGSEGV", 11): "een geheugenfout (segmentation fault) in een onderdeel",
    getattr(signal, "SIGABRT", 6): "een noodstop (abort) in een onderdeel",
    getattr(signal, "SIGBUS", 7): "een geheugenfout (bus error) in een onderdeel",
    getattr(signal, "SIGFPE", 8): "een rekenfout in een onderdeel",
    getattr(signal, "SIGILL", 4): "een ongeldige instructie in een onderdeel",
    getattr(signal, "SIGKILL", 9): (
        "een gedwongen stop (meestal: het geheugen was op en het systeem stopte het proces)"
    ),
    getattr(signal, "SIGTERM", 15): "een stopopdracht van buitenaf",
}


def is_rust_panic(exc: BaseException) -> bool:
    """Whether `exc` is a panic in a compiled Rust library (polars, fastexcel): pyo3 raises it
    as ``pyo3_runtime.PanicException``, a BaseException, so ``except Exception`` lets it pass.
    It is a bug (of the tool or the library), never the user's file being wrong."""
    kind = type(exc)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


def panic_reason(exc: BaseException) -> str:
    """The Dutch words for a Rust panic, with the library's own message for the maintainer."""
    detail = str(exc).splitlines()[0] if str(exc) else "geen details"
    return f"een interne fout (panic) in een gecompileerd onderdeel ({detail})"


def exit_reason(exitcode: int | None) -> str:
    """Why a worker process ended, in Dutch, from its exit code (negative: a signal)."""
    if exitcode is None:
        return "een onbekende oorzaak"
    if exitcode < 0:
        return _SIGNALS.get(-exitcode, f"signaal {-exitcode}")
    return f"afsluitcode {exitcode}"


def start_method() -> str:
    """``fork`` when forking this process is safe (Linux, one thread, no library with a native
    thread pool imported: `FORK_UNSAFE`), else ``spawn``."""
    if not sys.platform.startswith("linux"):
        return "spawn"
    if any(name in sys.modules for name in FORK_UNSAFE):
        return "spawn"
    try:
        threads = len(os.listdir("/proc/self/task"))  # native threads too, not only Python's
    except OSError:
        return "spawn"
    return "fork" if threads == 1 else "spawn"


def _serve(conn: multiprocessing.connection.Connection, work: Callable[[Any], Any]) -> None:
    """A worker's loop: take (index, item), send (index, ok, result) back, until told to stop;
    then leave at once (`_leave`)."""
    _serve_until_stopped(conn, work)
    _leave()


def _leave() -> None:
    """End the worker without the interpreter's teardown (freeing every object, stopping
    polars' threads: a tenth of a second the supervisor would wait for). Its last result is
    sent and its temporary files are gone; only buffered output is flushed first."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def _serve_until_stopped(
    conn: multiprocessing.connection.Connection, work: Callable[[Any], Any]
) -> None:
    """`_serve`'s loop; returns when told to stop, on end of input, or on SIGTERM / Ctrl-C
    (after unwinding: temporary files are removed on the way out)."""

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(1)  # unwinds: temporary files are removed on the way out

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGTERM, stop)
        # Ctrl-C reaches the whole process group; the supervisor decides what stops (it
        # terminates the busy workers at once), so a worker is never interrupted at a point
        # where it cannot clean up or report quietly.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _stop_with_supervisor()
    if supervisor_gone():  # it died before the request above was in place
        return
    import importlib

    for module in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            index, item = message
            try:
                result = work(item)
            except Exception as exc:  # work should not raise; keep the worker alive anyway
                conn.send((index, False, f"{type(exc).__name__}: {exc}"))
            except BaseException as exc:
                if not is_rust_panic(exc):
                    raise
                conn.send((index, False, panic_reason(exc)))
            else:
                conn.send((index, True, result))
    except (KeyboardInterrupt, SystemExit, BrokenPipeError):
        return


def _stop_with_supervisor() -> None:
    """Linux: have the kernel send this worker SIGTERM when its supervisor dies (prctl
    PR_SET_PDEATHSIG), so a worker whose main process was killed stops at once instead of
    writing a copy (or replacing a workbook with --vervang) after the user saw the run end.
    Elsewhere, and as the backstop, `batch.files.PendingWrite.commit` checks the supervisor
    before it replaces anything (`batch.files.supervisor_gone`)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1  # <linux/prctl.h>
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    task: int | None = None


@dataclass
class Isolated(Generic[T, R]):
    """Supervisor of `workers` worker processes running `work` on items.

    `work` must be a module-level function (it is pickled by name). `crashed(item, reason)`
    makes the result for an item whose worker died or raised; `cleanup(item, pid)` runs after
    a worker died with that item (remove what it left behind).
    """

    work: Callable[[T], R]
    crashed: Callable[[T, str], R]
    workers: int = 1
    cleanup: Callable[[T, int], None] | None = None
    #: Called once the workers have started: work the main process can do meanwhile (such as
    #: importing what it needs to receive the results), while the workers import theirs.
    meanwhile: Callable[[], object] | None = None

    def run(self, items: Sequence[T], on_result: Callable[[T, R], None] | None = None) -> list[R]:
        """Results in the order of `items`; `on_result` is called as each one arrives."""
        results: dict[int, R] = {}
        queue = deque(range(len(items)))
        pool: list[_Worker] = []

        def start() -> _Worker:
            # decided per worker: a replacement after a crash is spawned once the supervisor
            # has imported polars for the results
            context = multiprocessing.get_context(start_method())
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child, self.work), daemon=True)
            # A spawned process re-runs the caller's main module unless told otherwise: that
            # is slow, and breaks when the caller is a script without a __main__ guard, a
            # notebook or stdin. The workers need nothing from it (`work` is pickled by name).
            main = sys.modules.get("__main__")
            sys.modules["__main__"] = types.ModuleType("__main__")
            try:
                process.start()
            finally:
                if main is not None:
                    sys.modules["__main__"] = main
            child.close()
            worker = _Worker(process, parent)
            pool.append(worker)
            return worker

        def give(worker: _Worker) -> None:
            if not queue:
                return
            index = queue.popleft()
            worker.task = index
            # A worker that is already gone is reported by its sentinel below.
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send((index, items[index]))

        def finish(index: int, result: R) -> None:
            results[index] = result
            if on_result is not None:
                on_result(items[index], result)

        try:
            for _ in range(max(1, min(self.workers, len(items)))):
                try:
                    give(start())
                except OSError:  # no process can be started here (limits): go on without
                    if pool:
                        break
                    if self.meanwhile is not None:
                        self.meanwhile()
                    return self._in_process(items, on_result)
            if self.meanwhile is not None:
                self.meanwhile()
            while any(w.task is not None for w in pool):
                busy = [w for w in pool if w.task is not None]
                waitables: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in busy]
                ready = set(multiprocessing.connection.wait(waitables))
                for worker in busy:
                    index = worker.task
                    assert index is not None
                    if worker.conn in ready:
                        try:
                            got, ok, value = worker.conn.recv()
                        except (EOFError, OSError):
                            got = None
                        if got == index:
                            worker.task = None
                            finish(index, value if ok else self.crashed(items[index], value))
                            give(worker)
                            continue
                    if worker.process.sentinel in ready or not worker.process.is_alive():
                        worker.process.join()
                        worker.task = None
                        pool.remove(worker)
                        with contextlib.suppress(Exception):
                            worker.conn.close()
                        if self.cleanup is not None:
                            with contextlib.suppress(Exception):
                                self.cleanup(items[index], worker.process.pid or 0)
                        finish(
                            index, self.crashed(items[index], exit_reason(worker.process.exitcode))
                        )
                        if queue:
                            give(start())
        except BaseException:  # Ctrl-C or a failure here: busy workers stop now
            self._stop(pool, items, urgent=True)
            raise
        self._stop(pool, items)
        return [results[i] for i in range(len(items))]

    def _in_process(self, items: Sequence[T], on_result: Callable[[T, R], None] | None) -> list[R]:
        """The fallback when no worker process can be started: the same work, unisolated."""
        results = []
        for item in items:
            try:
                result = self.work(item)
            except Exception as exc:
                result = self.crashed(item, f"{type(exc).__name__}: {exc}")
            except BaseException as exc:
                if not is_rust_panic(exc):
                    raise
                result = self.crashed(item, panic_reason(exc))
            results.append(result)
            if on_result is not None:
                on_result(item, result)
        return results

    def _stop(self, pool: list[_Worker], items: Sequence[T], *, urgent: bool = False) -> None:
        """Stop every worker: ask politely (`urgent`: terminate the busy ones at once), then
        terminate what is left; clean up after the ones that had an unfinished file."""
        for worker in pool:
            if urgent and worker.task is not None:
                with contextlib.suppress(Exception):
                    worker.process.terminate()  # SIGTERM: the worker unwinds and cleans up
            else:
                with contextlib.suppress(Exception):
                    worker.conn.send(None)
        for worker in pool:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.terminate()  # SIGTERM: the worker unwinds and cleans up
                worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            if worker.task is not None and self.cleanup is not None:
                with contextlib.suppress(Exception):
                    self.cleanup(items[worker.task], worker.process.pid or 0)
            with contextlib.suppress(Exception):
                worker.conn.close()


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
