"""Writing a file so that it appears complete or not at all (temporary file, fsync, rename)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

T = TypeVar("T")


def atomic_write(
    target: Path, write: Callable[[BinaryIO], T], *, permissions_of: Path | None = None
) -> T:
    """Call `write` on a temporary file beside `target`, then rename it over `target`.

    A crash or an exception half-way leaves `target` as it was and no temporary file behind.
    `permissions_of`: a file whose permission bits the result gets (the temporary file is
    private, 0600). Returns what `write` returns.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed afterwards
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
    )
    tmp = Path(handle.name)
    try:
        with handle:
            result = write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if permissions_of is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, permissions_of.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            fd = os.open(target.parent, os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    return result
