"""A worker task that crashes the way native code does, for the isolation tests.

`check_or_crash` is what the CLI's workers run (`batch.run.check_file`), except for files whose
name says otherwise: ``abort`` ends the process with SIGABRT (as a failed assertion in a C
library does), ``segfault`` reads address 0, ``half`` dies while its temporary file is being
written, ``raise`` raises an exception the task does not handle, ``traag`` writes its copy
slowly (a marker file ``NAAM.bezig`` says when the temporary file is there, and holds the
worker's pid), ``panic`` raises a Rust panic (pyo3's PanicException, a BaseException),
``wees`` ignores SIGTERM (as a worker busy in native code) and finishes writing its copy only
once its supervisor is gone.
"""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

from batch.run import FileResult, Options, check_file


def check_or_crash(path: Path, options: Options) -> FileResult:
    if "abort" in path.name:
        os.abort()
    if "segfault" in path.name:
        ctypes.string_at(0)
    if "half" in path.name:
        from batch.annotate import output_path_for
        from batch.files import temp_name

        folder = output_path_for(path, uitvoer=options.uitvoer).parent
        with open(folder / temp_name(), "wb") as handle:
            handle.write(b"PK\x03\x04 half geschreven")
            handle.flush()
            os._exit(9)
    if "raise" in path.name:
        raise RuntimeError("taak mislukt")
    if "panic" in path.name:
        from polars.exceptions import PanicException

        raise PanicException("assertion failed: i < self.len()")
    if "wees" in path.name:
        import signal

        from batch.files import atomic_write, output_path_for, supervisor_gone

        signal.signal(signal.SIGTERM, signal.SIG_IGN)

        def until_orphaned(handle):  # type: ignore[no-untyped-def]
            handle.write(b"PK\x03\x04 begin")
            handle.flush()
            path.with_name(path.name + ".bezig").write_text(str(os.getpid()))
            deadline = time.monotonic() + 60
            while not supervisor_gone() and time.monotonic() < deadline:
                time.sleep(0.05)

        atomic_write(output_path_for(path, uitvoer=options.uitvoer), until_orphaned)
    if "traag" in path.name:
        from batch.files import atomic_write, output_path_for

        def slowly(handle):  # type: ignore[no-untyped-def]
            handle.write(b"PK\x03\x04 begin")
            handle.flush()
            path.with_name(path.name + ".bezig").write_text(str(os.getpid()))
            time.sleep(60)

        atomic_write(output_path_for(path, uitvoer=options.uitvoer), slowly)
    return check_file(path, options)
