"""Writing a file so that it appears complete or not at all, and saying why a write failed.

`atomic_write` writes a temporary file beside the target, checks it (optional `verify`),
fsyncs and renames it over the target. The temporary file carries a recognisable name
(``.jeugdhulp-<host>-<pid>-<random>.tmp``): it is removed on every exit path (exceptions,
KeyboardInterrupt), and leftovers of an earlier run that crashed hard (killed, power cut) are
recognised by that name and removed the next time the tool writes into that folder. A target
that is a symbolic link is written through: its target file is replaced (atomically, beside
it) and the link stays a link. A file that is replaced keeps its permission bits and, where
the system allows it, its owner and group. A worker process whose supervisor is gone does not
replace anything (`OrphanedWorker`): the user was told the run stopped.

Where a checked copy goes (one rule for the CLI and the backoffice script): `output_path_for`
names it; `why_not_replace` says why an existing copy must be left alone (open in Excel or
LibreOffice, read-only, or changed since the tool wrote it); `free_output_path` then finds
the numbered name ``NAAM.controle (2).xlsx`` to write instead.
"""

from __future__ import annotations

import contextlib
import errno
import multiprocessing
import os
import re
import secrets
import socket
import stat
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, TypeVar

T = TypeVar("T")

_HOST = f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"
_TEMP_NAME = re.compile(r"\.jeugdhulp-([0-9a-f]{8})-(\d+)-[0-9a-f]+\.tmp")
#: A leftover whose process is gone is removed once it is this old (seconds); one from another
#: machine (a shared folder), or on Windows (where liveness is not asked), only after a day.
_STALE_SECONDS = 10
_FOREIGN_STALE_SECONDS = 24 * 3600


def shown(text: object) -> str:
    """Text safe to print or store: a file name that is not valid UTF-8 (Linux allows any
    bytes) keeps its readable part, with U+FFFD for the bytes that are not text."""
    value = str(text)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def temp_name() -> str:
    return f".jeugdhulp-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.tmp"


def real_target(target: Path) -> Path:
    """The file a write to `target` must replace: `target`, or the file its symlink chain
    points to (a missing link target is created)."""
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would end the process there: assume it runs (day rule only)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temporary files of earlier runs in `folder` whose writer is gone; returns them."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.fullmatch(entry.name)
        if m is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        host, pid = m.group(1), int(m.group(2))
        if age > _FOREIGN_STALE_SECONDS:  # a day old: no write takes that long
            stale = True
        elif host == _HOST:
            stale = age > _STALE_SECONDS and pid != os.getpid() and not _pid_alive(pid)
        else:
            stale = False
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def remove_temp_files_of(folder: Path, pid: int) -> None:
    """Remove the temporary files a (dead) process of this machine left in `folder`."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = _TEMP_NAME.fullmatch(entry.name)
            if m is not None and m.group(1) == _HOST and int(m.group(2)) == pid:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _mode_for(target: Path, permissions_of: Path | None) -> int:
    """The permission bits a written file gets: those of `permissions_of`, else of the file it
    replaces, else what a new file gets (0666 less the umask)."""
    for path in (permissions_of, target):
        if path is not None:
            with contextlib.suppress(OSError):
                return path.stat().st_mode & 0o7777
    return 0o666 & ~_umask()


def _keep_owner(path: Path, replaced: Path) -> bool | None:
    """Give `path` the owner and group of the file it will replace (a backoffice account's
    file stays that account's when another account runs the check). None when there is no
    such file or nothing to change (or no owners, as on Windows), False when the system does
    not allow it (only an administrator may give a file away)."""
    if not hasattr(os, "chown"):
        return None
    try:
        wanted = os.stat(replaced)
        have = os.stat(path)
    except OSError:
        return None
    if (wanted.st_uid, wanted.st_gid) == (have.st_uid, have.st_gid):
        return None
    try:
        os.chown(path, wanted.st_uid, wanted.st_gid)
    except OSError:
        with contextlib.suppress(OSError):  # the group alone may still be allowed
            os.chown(path, -1, wanted.st_gid)
        return False
    return True


def is_read_only(path: Path) -> bool:
    """Whether an existing file is read-only: no write permission for anyone (what the
    read-only attribute is on Windows; also for an administrator, who could write anyway), or
    none for this user. False for a file that does not exist."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_IMODE(mode) & 0o222 == 0 or not os.access(path, os.W_OK)


def _umask() -> int:
    try:  # Linux: read it, so the process umask is never changed (not even for an instant)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


class OrphanedWorker(SystemExit):
    """The supervisor that started this worker process is gone (killed): the user was told the
    run stopped, so nothing may be replaced any more. A SystemExit: it unwinds past every
    handler for errors, removing temporary files on the way."""


def supervisor_gone() -> bool:
    """Whether this is a worker process (`batch.isolate`) whose supervisor has died. Portable
    (`multiprocessing.parent_process`); False in a process that was not started as a worker."""
    parent = multiprocessing.parent_process()
    return parent is not None and not parent.is_alive()


class PendingWrite:
    """A file being written beside its `target`, which it replaces only on `commit()`.

    Use as a context manager: leaving it without a commit (an exception, KeyboardInterrupt)
    removes the temporary file and leaves the target as it was. `write(fn)` calls `fn` on the
    open temporary file (and fsyncs it); `commit()` gives it the permission bits of
    `permissions_of` (by default those of the file it replaces, or a new file's; it is private,
    0600, until then), the owner and group of the file it replaces (where the system allows:
    `owner_kept` is False when it did not, None when there was nothing to keep), the
    modification time `mtime_ns` if given, and renames it over the target. Commit only after
    closing every handle on the target (Windows cannot rename over an open file). A symlink
    `target` is written through (`real_target`). In a worker process whose supervisor is gone
    `commit()` raises `OrphanedWorker` and replaces nothing.
    """

    def __init__(
        self, target: Path, *, permissions_of: Path | None = None, mtime_ns: int | None = None
    ) -> None:
        self.target = real_target(Path(target))
        self.permissions_of = permissions_of
        self.mtime_ns = mtime_ns
        self.owner_kept: bool | None = None
        self.target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(self.target.parent)
        self.path = self.target.parent / temp_name()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        os.close(os.open(self.path, flags, 0o600))
        self._done = False

    def __enter__(self) -> PendingWrite:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            with contextlib.suppress(OSError):
                self.path.unlink()

    def write(self, write: Callable[[BinaryIO], T]) -> T:
        with open(self.path, "r+b") as handle:
            result = write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        return result

    def commit(self) -> None:
        if supervisor_gone():
            raise OrphanedWorker(1)
        self.owner_kept = _keep_owner(self.path, self.target)
        with contextlib.suppress(OSError):
            os.chmod(self.path, _mode_for(self.target, self.permissions_of))
        if self.mtime_ns is not None:
            with contextlib.suppress(OSError):
                os.utime(self.path, ns=(self.mtime_ns, self.mtime_ns))
        os.replace(self.path, self.target)
        self._done = True
        if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
            with contextlib.suppress(OSError):
                dfd = os.open(self.target.parent, os.O_DIRECTORY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)


def atomic_write(
    target: Path,
    write: Callable[[BinaryIO], T],
    *,
    permissions_of: Path | None = None,
    verify: Callable[[Path], None] | None = None,
) -> T:
    """Call `write` on a temporary file beside `target`, then rename it over `target`.

    `verify(temporary_path)` runs after `write` and before the rename; when it raises, the
    target stays as it was. A crash or an exception half-way leaves `target` as it was and no
    temporary file behind. See `PendingWrite` for permissions and symlinks. Returns what
    `write` returns.
    """
    with PendingWrite(target, permissions_of=permissions_of) as pending:
        result = pending.write(write)
        if verify is not None:
            verify(pending.path)
        pending.commit()
    return result


def os_reason(exc: OSError, path: Path | None = None) -> str:
    """What went wrong with a file operation, in one Dutch sentence for the user."""
    where = shown(path if path is not None else (exc.filename or ""))
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return f"de schijf is vol (bij het schrijven van {where}); maak ruimte vrij."
    if code in (errno.EACCES, errno.EPERM):
        return f"geen toestemming om {where} te schrijven (alleen-lezen map of bestand)."
    if code == errno.EROFS:
        return f"{where} staat op een schijf die alleen gelezen kan worden."
    if code == errno.ENAMETOOLONG:
        return (
            f"de naam of het pad van {where} is te lang voor het bestandssysteem; "
            "kies een kortere naam of een andere map (--uitvoer)."
        )
    if code == errno.ENOENT:
        return f"de map van {where} bestaat niet en kon niet gemaakt worden."
    if code == errno.EEXIST:
        return f"{where} bestaat al en is geen map."
    if code in (errno.ENOTDIR, errno.EISDIR):
        return f"{where}: een deel van het pad is geen map, of het doel is een map."
    if code == errno.EBUSY or code == getattr(errno, "ETXTBSY", -1):
        return f"{where} is in gebruik door een ander programma; sluit het en probeer opnieuw."
    if code == errno.EIO:
        return f"schijffout bij het schrijven van {where}."
    detail = exc.strerror or str(exc)
    return f"{where} kon niet worden geschreven ({shown(detail)})."


#: The stem of a checked copy: ``NAAM.controle``, or ``NAAM.controle (2)`` when the first could
#: not be replaced (`free_output_path`).
_OUTPUT_STEM = re.compile(r"\.controle(?: \((\d+)\))?$", re.IGNORECASE)


def is_output_name(name: str) -> bool:
    """Whether a file name is that of a checked copy (``NAAM.controle.xlsx``,
    ``NAAM.controle (2).xlsx``): a folder run does not check it again. A name that only
    contains the word (``Productie.Controle.Q1.xlsx``) is the user's own file.

    >>> [is_output_name(n) for n in ("a.controle.xlsx", "a.controle (3).xlsm", "controle.xlsx")]
    [True, True, False]
    >>> is_output_name("Productie.Controle.Q1.xlsx")
    False
    """
    stem = name.rpartition(".")[0]
    return bool(stem) and _OUTPUT_STEM.search(stem) is not None


def output_path_for(source: Path, *, uitvoer: Path | None = None, vervang: bool = False) -> Path:
    """Where the annotated copy of `source` goes.

    By default a new file beside the original, ``<stem>.controle<suffix>``, or in folder
    `uitvoer`. With `vervang` the source itself (not for CSV, which cannot hold the marks: a CSV
    always gets ``<stem>.controle.xlsx``). Annotating an earlier output again (also one written
    under a free name, ``<stem>.controle (2)<suffix>``) targets that same file instead of
    stacking ``.controle.controle``.

    >>> output_path_for(Path("map/voorbeeld.xlsm")).as_posix()
    'map/voorbeeld.controle.xlsm'
    >>> output_path_for(Path("map/monitor.csv"), uitvoer=Path("uit")).as_posix()
    'uit/monitor.controle.xlsx'
    >>> output_path_for(Path("map/voorbeeld.controle.xlsx")).as_posix()
    'map/voorbeeld.controle.xlsx'
    >>> output_path_for(Path("map/voorbeeld.controle (2).xlsx")).as_posix()
    'map/voorbeeld.controle (2).xlsx'
    """
    source = Path(source)
    is_csv = source.suffix.lower() == ".csv"
    if vervang and not is_csv:
        return source
    suffix = ".xlsx" if is_csv else source.suffix
    stem = source.stem
    name = f"{stem}{suffix}" if _OUTPUT_STEM.search(stem) else f"{stem}.controle{suffix}"
    return Path(uitvoer if uitvoer is not None else source.parent) / name


def opened_by(path: Path) -> str | None:
    """The program that has `path` open, from the lock file it keeps beside it: "Excel"
    (owner file ``~$NAAM``) or "LibreOffice" (``.~lock.NAAM#``); None when neither is there.

    Writing over such a file would lose what the user does there, or be lost when they save.
    """
    path = Path(path)
    for program, lock in (
        ("Excel", path.with_name(f"~${path.name}")),
        ("LibreOffice", path.with_name(f".~lock.{path.name}#")),
    ):
        if os.path.lexists(lock):  # False, not an error, for a name too long to exist
            return program
    return None


def why_not_replace(target: Path) -> str | None:
    """Why an existing checked copy at `target` must be left alone, in Dutch (completing
    "'NAAM' ..."), or None when it may be replaced (also when it does not exist):

    - a program has it open (`opened_by`): what the user does there would be lost;
    - it is read-only: the user protected it;
    - it is not the tool's copy as written: changed since (a fix typed into the red copy,
      or just saved again by Excel), or not written by the tool at all
      (`batch.package.unchanged_copy`).
    """
    program = opened_by(target)
    if program is not None:
        return f"is geopend in {program}"
    if not os.path.isfile(target):  # nothing there (or a folder: the write explains that)
        return None
    if is_read_only(real_target(Path(target))):
        return "is alleen-lezen"
    from batch.package import unchanged_copy  # reads the package: only for an existing file

    if not unchanged_copy(Path(target)):
        return (
            "is na de vorige controle bewerkt of opnieuw opgeslagen (of niet door het "
            "hulpmiddel geschreven)"
        )
    return None


#: How many numbered names `free_output_path` tries before it gives up.
MAX_FREE_NAMES = 99


def free_output_path(target: Path, *, bewaren: Sequence[Path] = ()) -> Path | None:
    """The first ``<stem>.controle (N)<suffix>`` (N = 2, 3, ...) beside `target` that may be
    written (`why_not_replace`): where a checked copy goes when `target` itself must be left
    alone. An earlier numbered copy that is the tool's own, unchanged, is replaced, as
    `target` would be; the files in `bewaren` (the file being checked, the run's other inputs
    and reports) are never chosen. None when every name up to `MAX_FREE_NAMES` is taken.

    >>> free_output_path(Path("/nergens/pm.controle.xlsx")).name
    'pm.controle (2).xlsx'
    """
    target = Path(target)
    base = _OUTPUT_STEM.sub(".controle", target.stem)
    if not base.lower().endswith(".controle"):  # not a checked copy's name: number it anyway
        base = target.stem
    skip = {os.path.realpath(path) for path in bewaren}
    for number in range(2, MAX_FREE_NAMES + 1):
        candidate = target.with_name(f"{base} ({number}){target.suffix}")
        if os.path.realpath(candidate) not in skip and why_not_replace(candidate) is None:
            return candidate
    return None
