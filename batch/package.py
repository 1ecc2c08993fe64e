"""Zip-level checks of a workbook package, before it is read and before a copy is written.

A workbook is a zip archive, and a zip archive can lie: two members with one name (readers
differ in which one they take), sizes that understate what a member inflates to (a zip bomb:
a 2 MB file that inflates to 2 GiB), damaged compressed data. These checks run before any
library inflates a part, and name the problem in one Dutch sentence.

Limits, after Apache POI's `ZipSecureFile` (the usual yardstick for OOXML readers):

- `MAX_PART_SIZE`: no part may inflate to more than 4 GiB - 1 byte (POI's MAX_ENTRY_SIZE);
- `MIN_INFLATE_RATIO`: once a part has inflated past `GRACE_SIZE` (100 KiB), its compressed
  bytes must be at least 1% of what they inflate to (POI's MIN_INFLATE_RATIO and grace size);
  a real worksheet compresses 5-20 times, whitespace or repeated text 1000 times;
- `MAX_MEMBERS`: at most 10.000 members (POI allows 1.000 by default; a workbook with many
  sheets, drawings and comments can have a few thousand).

The declared sizes are checked first (nothing inflated), then every XML part is inflated in a
stream that stops at the limits whatever the zip declares, and its CRC checked, so the reader
(fastexcel) never meets a bomb, a lying size or a damaged part.
"""

from __future__ import annotations

import os
import re
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from batch._ooxml import PKG_REL_NS, XmlFout, parse_part, rels_part_of, resolve_target
from batch._zip import BadCrc, InflatedMember, InflateError, TeGrootOnderdeel
from batch.files import shown
from jeugdhulp.errors import JeugdhulpError

MAX_PART_SIZE = 0xFFFFFFFF
MIN_INFLATE_RATIO = 0.01
GRACE_SIZE = 100 * 1024
MAX_MEMBERS = 10_000
#: Members inflated and checked before reading: the XML parts, which readers parse.
_XML_SUFFIXES = (".xml", ".rels", ".vml")


class NietTeSchrijven(JeugdhulpError):
    """No checked copy is written for this workbook; `str()` names the file and the reason.

    The findings stand: only the copy is missing. The original is untouched.
    """

    def __init__(self, bestand: str, reden: str) -> None:
        self.bestand = bestand
        self.reden = reden
        super().__init__(
            f"'{shown(bestand)}': geen gecontroleerde kopie geschreven: {reden} "
            "De bevindingen staan in het overzicht; de werkmap zelf is niet veranderd."
        )


class PakketFout(ValueError):
    """A package problem, with the Dutch reason (without file name) as `str()`."""


def dutch_int(n: int) -> str:
    """A whole number as a Dutch reader writes it: thousands separated by dots.

    >>> dutch_int(10_012), dutch_int(999)
    ('10.012', '999')
    """
    return f"{n:,}".replace(",", ".")


def size_text(n: float) -> str:
    """A byte count as a Dutch reader reads it: `2,0 GiB`, `512 KiB`, `37 bytes`."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            value = n / factor
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return f"{text.replace('.', ',')} {unit}"
    return f"{int(n)} bytes"


def inflate_limits() -> dict[str, float]:
    """Keyword arguments for `InflatedMember` that enforce this module's limits."""
    return {"max_size": MAX_PART_SIZE, "min_ratio": MIN_INFLATE_RATIO, "grace": GRACE_SIZE}


def open_member(zin: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> InflatedMember:
    """A member opened for streamed reading within the limits (raises `PakketFout` lazily
    through `reason_of` at the caller; see `read_member` for whole small parts)."""
    if isinstance(info, str):
        info = zin.getinfo(info)
    assert zin.fp is not None
    return InflatedMember(zin.fp, info, **inflate_limits())  # type: ignore[arg-type]


def read_member(zin: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> bytes:
    """A whole member, inflated within the limits; `PakketFout` with the Dutch reason."""
    if isinstance(info, str):
        info = zin.getinfo(info)
    try:
        with open_member(zin, info) as member:
            return member.read()
    except Exception as exc:
        reason = reason_of(exc, info.filename)
        if reason is None:
            raise
        raise PakketFout(reason) from None


def reason_of(exc: BaseException, part: str) -> str | None:
    """The Dutch reason for a zip-level exception raised while inflating `part`, or None."""
    if isinstance(exc, TeGrootOnderdeel):
        if exc.reason == "ratio":
            return (
                f"onderdeel '{part}' pakt uit tot meer dan {round(1 / MIN_INFLATE_RATIO)} keer "
                "zijn ingepakte grootte; zo sterk comprimeert een gewone werkmap niet: dit lijkt "
                "een zip-bom en wordt niet verder uitgepakt."
            )
        if exc.reason == "declared size":
            return (
                f"onderdeel '{part}' pakt uit tot meer dan de grootte die het zip-archief "
                "ervoor opgeeft ({}); het bestand is beschadigd of gemanipuleerd.".format(
                    size_text(exc.limit)
                )
            )
        return (
            f"onderdeel '{part}' is uitgepakt groter dan de grens van "
            f"{size_text(MAX_PART_SIZE)} per onderdeel; dit is geen gewone werkmap."
        )
    if isinstance(exc, BadCrc):
        return f"onderdeel '{part}' is beschadigd (het controlegetal klopt niet)."
    if isinstance(exc, InflateError):
        return f"onderdeel '{part}' is beschadigd (de ingepakte gegevens zijn kapot)."
    if isinstance(exc, NotImplementedError):
        return (
            f"onderdeel '{part}' is versleuteld of ingepakt op een manier die Excel niet gebruikt."
        )
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return f"onderdeel '{part}' is beschadigd of afgebroken ({exc})."
    return None


def _declared_problems(infos: list[zipfile.ZipInfo]) -> str | None:
    """The first problem visible from the central directory alone (nothing inflated)."""
    if len(infos) > MAX_MEMBERS:
        return (
            f"het zip-archief heeft {dutch_int(len(infos))} onderdelen, meer dan de grens van "
            f"{dutch_int(MAX_MEMBERS)}; dit is geen gewone werkmap."
        )
    counts = Counter(info.filename.lower() for info in infos)
    for info in infos:
        if counts[info.filename.lower()] > 1:
            return (
                f"het zip-archief bevat het onderdeel '{info.filename}' meer dan eens; welk "
                "ervan geldt verschilt per programma (Excel weigert zo'n bestand). Sla de "
                "werkmap opnieuw op in Excel."
            )
    for info in infos:
        if info.flag_bits & 0x01:
            return (
                f"onderdeel '{info.filename}' is versleuteld; sla de werkmap op zonder "
                "wachtwoord en probeer het opnieuw."
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return (
                f"onderdeel '{info.filename}' is ingepakt op een manier die Excel niet gebruikt "
                f"(methode {info.compress_type}); sla de werkmap opnieuw op in Excel."
            )
        if info.file_size > MAX_PART_SIZE:
            return (
                f"onderdeel '{info.filename}' is uitgepakt {size_text(info.file_size)}, meer "
                f"dan de grens van {size_text(MAX_PART_SIZE)} per onderdeel; dit is geen gewone "
                "werkmap."
            )
        if (
            info.file_size > GRACE_SIZE
            and info.compress_type == zipfile.ZIP_DEFLATED
            and info.compress_size < MIN_INFLATE_RATIO * info.file_size
        ):
            return (
                f"onderdeel '{info.filename}' pakt uit van {size_text(info.compress_size)} tot "
                f"{size_text(info.file_size)}, meer dan {round(1 / MIN_INFLATE_RATIO)} keer zo "
                "groot; zo sterk comprimeert een gewone werkmap niet: dit lijkt een zip-bom en "
                "wordt niet uitgepakt."
            )
    return None


def check_for_reading(path: Path) -> None:
    """Refuse a package no reader should inflate; raises the reader's `OnleesbaarBestand`.

    Checks the central directory (member count, duplicate names case-insensitively, encrypted
    or unusual members, declared sizes and ratios), then inflates every XML part in a bounded
    stream (sizes can lie) and checks its CRC. Costs one pass of ISA-L inflation over the XML.
    """
    from batch.reader import OnleesbaarBestand

    try:
        with open(path, "rb") as raw, zipfile.ZipFile(raw) as zin:
            infos = zin.infolist()
            problem = _declared_problems(infos)
            if problem is None:
                problem = _stream_problems(zin, infos)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
            raise OnleesbaarBestand(
                path, f"het bestand is niet te openen ({exc.strerror or exc})."
            ) from None
        raise OnleesbaarBestand(
            path, "het bestand is beschadigd (geen geldig zip-archief, misschien afgebroken)."
        ) from None
    if problem is not None:
        raise OnleesbaarBestand(path, problem)


def _stream_problems(zin: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str | None:
    for info in infos:
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        try:
            with open_member(zin, info) as member:
                while member.read(1 << 20):
                    pass
        except Exception as exc:
            reason = reason_of(exc, info.filename)
            if reason is None:
                raise
            return reason
    return None


#: Hidden workbook-scoped defined name in which the annotator records when it wrote a copy:
#: the copy's modification time in nanoseconds, as a text constant. The file's own time is set
#: to it (`batch.files.PendingWrite`), so any later save (Excel, LibreOffice, a script) shows.
STAMP_NAME = "jeugdhulp_geschreven"
#: Stamps are whole multiples of this (2 s): every file system keeps such a time exactly (FAT
#: stores 2 seconds, HFS+ 1, NTFS 100 ns), so the comparison can be exact.
STAMP_STEP_NS = 2_000_000_000
_STAMP = re.compile(r'^\s*=?\s*"(\d{1,20})"\s*$')


def new_stamp() -> int:
    """A stamp for a copy written now: the time in nanoseconds, rounded down to `STAMP_STEP_NS`."""
    return time.time_ns() // STAMP_STEP_NS * STAMP_STEP_NS


def stamp_text(mtime_ns: int) -> str:
    """The stamp's defined-name text for a copy written at `mtime_ns`."""
    return f'"{mtime_ns}"'


def unchanged_copy(path: Path) -> bool:
    """Whether `path` is a checked copy as the annotator wrote it: it carries the stamp
    (`STAMP_NAME`) and its modification time is still that stamp. False for a file changed
    since (saved again by Excel, a fix typed in), a file another program wrote, a copy of the
    previous version (no stamp), and anything that cannot be read."""
    try:
        modified = os.stat(path).st_mtime_ns
        with open(path, "rb") as raw, zipfile.ZipFile(raw) as zin:
            index = check_for_writing(zin)
            workbook = parse_part(read_member(zin, index.find(index.workbook_part))).getroot()  # type: ignore[arg-type]
    except (OSError, zipfile.BadZipFile, PakketFout, XmlFout, ValueError, EOFError):
        return False
    for element in workbook.iter():
        if (
            isinstance(element.tag, str)
            and etree.QName(element).localname == "definedName"
            and element.get("name", "").lower() == STAMP_NAME
            and element.get("localSheetId") is None
        ):
            m = _STAMP.match(element.text or "")
            return m is not None and modified == int(m.group(1))
    return False


@dataclass(frozen=True, slots=True)
class PackageIndex:
    """Where things are in a package: member names by lower-case name, the workbook part."""

    infos: dict[str, zipfile.ZipInfo]  # lower-case name -> member
    workbook_part: str

    def find(self, part: str) -> zipfile.ZipInfo | None:
        """The member for a part name, compared case-insensitively (OPC part names are)."""
        return self.infos.get(part.lower())


def check_for_writing(zin: zipfile.ZipFile) -> PackageIndex:
    """The package's index, or `PakketFout` when no valid copy can be made of it: duplicate
    or encrypted members, sizes beyond the limits, or a missing ``[Content_Types].xml``,
    package relationships, workbook part or workbook relationships."""
    infos = zin.infolist()
    problem = _declared_problems(infos)
    if problem is not None:
        raise PakketFout(problem)
    index = {info.filename.lower(): info for info in infos}
    missing = "ontbreekt; het bestand is beschadigd (Excel opent het zo niet)."
    if "[content_types].xml" not in index:
        raise PakketFout(f"het onderdeel [Content_Types].xml {missing}")
    root_rels = index.get("_rels/.rels")
    if root_rels is None:
        raise PakketFout(f"het onderdeel _rels/.rels {missing}")
    try:
        tree = parse_part(read_member(zin, root_rels))
    except XmlFout as exc:
        raise PakketFout(f"het onderdeel _rels/.rels is geen geldige XML ({exc}).") from None
    workbook_part = None
    for rel in tree.getroot():
        if (
            isinstance(rel.tag, str)
            and rel.tag == f"{{{PKG_REL_NS}}}Relationship"
            and rel.get("Type", "").endswith("/officeDocument")
            and rel.get("TargetMode") != "External"
        ):
            workbook_part = resolve_target("", rel.get("Target", ""))
            break
    if workbook_part is None or workbook_part.lower() not in index:
        raise PakketFout(f"het werkmap-onderdeel (xl/workbook.xml) {missing}")
    workbook_part = index[workbook_part.lower()].filename
    if rels_part_of(workbook_part).lower() not in index:
        raise PakketFout(f"het onderdeel {rels_part_of(workbook_part)} {missing}")
    return PackageIndex(index, workbook_part)
