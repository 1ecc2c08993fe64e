"""Checking one file end to end: read, check, write back. The unit of work of the CLI's workers.

Everything that can go wrong with one file ends here as a `FileResult` with a Dutch message, so
that one bad file never stops the others. Its `status` is the verdict of `jeugdhulp.verdict`
(schoon, fouten, onvolledig, geen regels, niet gecontroleerd). A file that was checked but whose
checked copy could not be written (disk full, no permission, a damaged package, the original
open in Excel with --vervang) keeps its findings and its verdict; `niet_geschreven` says why no
copy was written. A checked copy that is itself open in Excel is not overwritten: the copy is
written under a free name (``NAAM.controle (2).xlsx``) and `melding` says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from batch.files import is_output_name
from batch.isolate import is_rust_panic, panic_reason
from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.findings import FINDING_FIELDS
from jeugdhulp.profile import load_profile
from jeugdhulp.verdict import NIET_GECONTROLEERD, file_status, onvolledig_redenen

if TYPE_CHECKING:  # polars is imported where it is used: the CLI's supervisor imports it only
    # after its workers started, so that it can fork them (`batch.isolate.start_method`)
    import polars as pl

    from jeugdhulp.schema import BladGelezen

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")
#: What a folder gives: the supported files plus old `.xls`, which is reported, not skipped.
FOLDER_SUFFIXES = (*SUPPORTED_SUFFIXES, ".xls")


@dataclass(frozen=True, slots=True)
class Options:
    profiel: str
    toewijzingen: Path | None = None
    producten: Path | None = None
    schrijven: bool = True  # write the annotated workbook
    uitvoer: Path | None = None
    vervang: bool = False
    rapport: Path | None = None  # the JSON report, named where a list does not fit
    bladen: tuple[str, ...] = ()  # --blad: the production sheets by name (empty: all)
    #: files a copy written under a free name must never replace: the run's inputs and reports
    bewaren: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class Bron:
    """One file a verdict rests on, for the audit trail: role ("productie", "toewijzingen",
    "producten"), path, size in bytes, last modified (local time) and SHA-256 of its bytes."""

    rol: str
    pad: Path
    grootte: int
    gewijzigd: dt.datetime
    sha256: str


@dataclass(slots=True)
class FileResult:
    """What the run found out about one file, for every report (console, JSON, summary
    workbook, the Controle sheet).

    `status` is the verdict (`jeugdhulp.verdict`: schoon, fouten, onvolledig, geen regels, niet
    gecontroleerd; the Controle sheet calls it the oordeel). `melding` is the one Dutch line a user must read besides the
    counts: why the file was not checked, why no copy was written (also in `niet_geschreven`),
    or that the copy was written under another name. Amounts are exact (`Decimal`, euro);
    `bedrag_met_fout` is the declared amount on production rows with at least one fout.
    """

    bestand: Path
    status: str
    melding: str = ""
    rijen: int = 0
    fouten: int = 0
    waarschuwingen: int = 0
    #: None: unknown, a production sheet has no Bedrag column (never shown as € 0,00)
    bedrag_gedeclareerd: Decimal | None = Decimal(0)
    bedrag_met_fout: Decimal | None = Decimal(0)
    uitvoer: Path | None = None
    seconden: float = 0.0
    #: seconds per phase: lezen (read + normalise), controleren, schrijven (write-back)
    tijden: dict[str, float] = field(default_factory=dict)
    bevindingen: pl.DataFrame = field(default_factory=lambda: _no_findings())
    #: what was read, per sheet of the workbook and of the --toewijzingen / --producten files
    gelezen: list[BladGelezen] = field(default_factory=list)
    #: the file's own notes on the reading (hidden sheets skipped, date system, ...), Dutch
    meldingen: list[str] = field(default_factory=list)
    #: production cells whose value the file does not give (formulas without a saved result,
    #: error values): unknown, never counted as empty or 0 (PM023)
    onbekend: int = 0
    #: of those, amounts (Bedrag): the declared total leaves them out, so it is a lower bound
    bedragen_onbekend: int = 0
    #: checks that did not run, with the Dutch reason (no allocations, switched off in a profile)
    overgeslagen: list[tuple[str, str]] = field(default_factory=list)
    #: why the file is onvolledig (Dutch, empty when everything was checked)
    onvolledig: list[str] = field(default_factory=list)
    #: why no checked copy was written although one was asked for ("" when written or not asked)
    niet_geschreven: str = ""
    #: the files the verdict rests on: the workbook, and --toewijzingen / --producten files
    bronnen: list[Bron] = field(default_factory=list)
    #: ids of the checks that ran, in catalogue order
    gecontroleerd: list[str] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        """The file was read and checked: its findings stand (even if no copy was written)."""
        return self.status != NIET_GECONTROLEERD

    @property
    def complete(self) -> bool:
        """Checked, and the checked copy written when one was asked for."""
        return self.checked and not self.niet_geschreven


def _no_findings() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema=dict.fromkeys(FINDING_FIELDS, pl.String))


def check_file(path: Path, options: Options) -> FileResult:
    """Read, check and (optionally) annotate one workbook; never raises."""
    started = dt.datetime.now()
    try:
        return _check_file(path, options, started)
    except JeugdhulpError as exc:
        return _not_checked(path, str(exc))
    except MemoryError:
        return _not_checked(path, f"{path.name}: te groot om te controleren.")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _not_checked(path, f"{path.name}: het bestand is niet te lezen ({reason}).")
    except Exception as exc:  # a bug must not take the other files down
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return _not_checked(
            path,
            f"{path.name}: onverwachte fout bij het controleren ({detail}). "
            "Meld dit bij de beheerder van het hulpmiddel.",
        )
    except BaseException as exc:  # a Rust panic is a BaseException: a bug, not the file's fault
        if not is_rust_panic(exc):
            raise
        return _not_checked(
            path,
            f"{path.name}: het controleren is gestopt door {panic_reason(exc)}. Dit is een fout "
            "in het hulpmiddel, niet in het bestand: geef het bestand aan de beheerder van het "
            "hulpmiddel. De andere bestanden zijn wel gecontroleerd.",
        )


def _not_checked(path: Path, melding: str) -> FileResult:
    """A file that could not be checked, with the source it was (when it can be read at all)."""
    found = bron("productie", path)
    return FileResult(path, NIET_GECONTROLEERD, melding, bronnen=[found] if found else [])


def bron(rol: str, path: Path) -> Bron | None:
    """The audit-trail entry of one file (full path, size, modification time, SHA-256), or None
    when it cannot be read."""
    try:
        info = os.stat(path)
        digest = _sha256(os.path.realpath(path), info.st_size, info.st_mtime_ns)
    except OSError:
        return None
    modified = dt.datetime.fromtimestamp(info.st_mtime).replace(microsecond=0)
    return Bron(rol, Path(os.path.abspath(path)), info.st_size, modified, digest)


@functools.lru_cache(maxsize=16)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file; cached per (path, size, mtime), since a --toewijzingen file is the
    same for every workbook a worker checks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


#: polars' engine for the whole check of a file. polars 2's default ("auto") runs most of
#: these queries on its streaming engine, which for the checks' joins (`Context.enriched`) is
#: slower and holds far more: 1.000.000 rows peak at 3,1 GiB with it, 1,9 GiB in memory;
#: 100.000 rows (1% mistakes) 2,9 s and 598 MiB as a whole process, 2,7 s and 386 MiB in
#: memory (benchmarks/bench_controleer.py --proces). Set around the check only (`pl.Config`
#: restores it): the core leaves the engine to its caller, since the add-in's polars (1.18 in
#: Pyodide) knows no engine affinity.
ENGINE = "in-memory"


def _check_file(path: Path, options: Options, started: dt.datetime) -> FileResult:
    import contextlib

    import polars as pl

    # polars before 1.20 knows no engine affinity (and runs in memory anyway)
    known = hasattr(pl.Config, "set_engine_affinity")
    with pl.Config(engine_affinity=ENGINE) if known else contextlib.nullcontext():
        return _check_file_with(path, options, started)


def _check_file_with(path: Path, options: Options, started: dt.datetime) -> FileResult:
    import dataclasses

    import polars as pl

    from batch.reader import read_tables
    from jeugdhulp.checks import check_plan, declared_amounts, run_checks

    clock = time.perf_counter()
    tijden: dict[str, float] = {}

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        tijden[phase] = now - clock
        clock = now

    profile = load_profile(options.profiel)
    wanted = ["productie"]
    if options.toewijzingen is None:
        wanted.append("toewijzingen")
    if options.producten is None:
        wanted.append("producten")
    werkmap = read_tables(path, tables=tuple(wanted), bladen=options.bladen)
    gelezen = list(werkmap.gelezen)
    toewijzingen, producten = werkmap.toewijzingen, werkmap.producten
    for table, option in (("toewijzingen", options.toewijzingen), ("producten", options.producten)):
        if option is not None:
            apart = read_tables(option, tables=(table,), los=True)
            # only the list itself: a production sheet in that file is not checked here
            gelezen += [blad for blad in apart.gelezen if blad.rol == table]
            # A shared list's findings are named after its file, so they are never marked in a
            # same-named sheet of this workbook.
            shared = apart.toewijzingen if table == "toewijzingen" else apart.producten
            if shared is not None:
                shared = dataclasses.replace(shared, blad=f"{option.name}: {shared.blad}")
            if table == "toewijzingen":
                toewijzingen = shared
            else:
                producten = shared
    lap("lezen")
    # All production sheets are checked together: totals per allocation, doubles and overlaps
    # span them; a shared list only reports its rows for this workbook.
    sheets = werkmap.productie
    findings = run_checks(
        sheets,
        toewijzingen,
        producten,
        profile,
        toewijzingen_apart=options.toewijzingen is not None,
        producten_apart=options.producten is not None,
    )
    declared: Decimal | None
    wrong: Decimal | None
    declared, wrong = declared_amounts(sheets, findings)
    if any("bedrag" not in sheet.kolommen for sheet in sheets):
        declared = wrong = None  # no amounts to add up: unknown, not € 0,00
    meldingen = list(werkmap.meldingen)
    # The verdict: one FileResult from here on, filled from the frames, never per finding.
    ernst = findings.get_column("ernst")
    plan = check_plan(toewijzingen, producten, profile, sheets)
    overgeslagen = [(check.id, reden) for check, reden in plan if reden is not None]
    rijen = sum(sheet.frame.get_column("_rij").n_unique() for sheet in sheets)
    fouten = int((ernst == "fout").sum())
    onbekend = sum(sheet.onbekend.height for sheet in sheets)
    bedragen_onbekend = sum(
        sheet.onbekend.filter(pl.col("kolom") == "bedrag").height for sheet in sheets
    )
    onvolledig = onvolledig_redenen(
        overgeslagen=overgeslagen,
        onbekend=onbekend,
        bedragen_onbekend=bedragen_onbekend,
    )
    sources = [("productie", path)]
    sources += [
        (rol, option)
        for rol, option in (
            ("toewijzingen", options.toewijzingen),
            ("producten", options.producten),
        )
        if option is not None
    ]
    result = FileResult(
        bestand=path,
        status=file_status(gelezen=True, rijen=rijen, fouten=fouten, onvolledig=onvolledig),
        rijen=rijen,
        fouten=fouten,
        waarschuwingen=int((ernst == "waarschuwing").sum()),
        bedrag_gedeclareerd=declared,
        bedrag_met_fout=wrong,
        bevindingen=findings,
        tijden=tijden,
        gelezen=gelezen,
        meldingen=meldingen,
        onbekend=onbekend,
        bedragen_onbekend=bedragen_onbekend,
        overgeslagen=overgeslagen,
        onvolledig=onvolledig,
        bronnen=[found for rol, source in sources if (found := bron(rol, source)) is not None],
        gecontroleerd=[check.id for check, reden in plan if reden is None],
    )
    lap("controleren")
    if options.schrijven:
        _write_back(path, result, options, profile.naam, started)
        lap("schrijven")
    result.seconden = (dt.datetime.now() - started).total_seconds()
    return result


def _write_back(
    path: Path, result: FileResult, options: Options, profiel: str, started: dt.datetime
) -> None:
    """Write the checked copy; a failure sets `niet_geschreven` (and `melding`) to the reason
    and keeps the findings and the verdict (they were found; only the copy is missing).

    An earlier checked copy that must be left alone (open in Excel or LibreOffice, read-only,
    or changed since the tool wrote it: `batch.files.why_not_replace`) is not overwritten: the
    copy goes to a free name beside it (``NAAM.controle (2).xlsx``) and `melding` says so. What
    the user must know about the written copy (`AnnotateResult.meldingen`) goes into
    `meldingen`.
    """
    from batch.annotate import annotate_workbook
    from batch.files import (
        free_output_path,
        opened_by,
        os_reason,
        output_path_for,
        why_not_replace,
    )
    from jeugdhulp.checks import CATALOGUE
    from jeugdhulp.controle_layout import Bronbestand, CatalogusRegel, Verantwoording

    target = output_path_for(path, uitvoer=options.uitvoer, vervang=options.vervang)
    moved = ""
    # --vervang, and checking an earlier copy itself, write the file that was checked: never
    # under another name (a csv's copy may move)
    own = os.path.realpath(target) == os.path.realpath(path)
    if not own:
        reason = why_not_replace(target)
    else:  # an earlier copy checked again: itself, unless it is open (not with --vervang)
        program = None if options.vervang else opened_by(target)
        reason = None if program is None else f"is geopend in {program}"
        if reason is None and not options.vervang:
            moved = (
                f"'{path.name}' is zelf een gecontroleerde kopie en is bijgewerkt: het blad "
                "Controle en de markeringen zijn vernieuwd, de rest is ongewijzigd."
            )
    if reason is not None:
        free = free_output_path(target, bewaren=(path, *options.bewaren))
        if free is None:
            _not_written(
                result,
                f"'{path.name}': geen gecontroleerde kopie geschreven: '{target.name}' {reason}, "
                "en de genummerde namen ernaast zijn ook bezet. De bevindingen staan in het "
                "overzicht.",
            )
            return
        moved = (
            f"'{target.name}' {reason}; daarom is die niet overschreven en is de nieuwe "
            f"gecontroleerde kopie geschreven als '{free.name}'."
        )
        target = free
    not_written = f"'{path.name}': geen gecontroleerde kopie geschreven:"
    kept = "De bevindingen staan in het overzicht; de werkmap zelf is niet veranderd."
    try:
        verantwoording = Verantwoording(
            profiel=profiel,
            gecontroleerd_op=started,
            oordeel=result.status,
            onvolledig=tuple(result.onvolledig),
            gelezen=tuple(result.gelezen),
            meldingen=tuple(result.meldingen),
            controles=tuple(CatalogusRegel.van(c) for c in CATALOGUE),
            overgeslagen=tuple(result.overgeslagen),
            onbekend=result.onbekend,
            bronnen=tuple(
                Bronbestand(b.rol, b.pad.name, b.gewijzigd, b.grootte, b.sha256)
                for b in result.bronnen
            ),
        )
        written = annotate_workbook(
            path,
            result.bevindingen,
            target,
            verantwoording=verantwoording,
            rapport=options.rapport,
        )
    except JeugdhulpError as exc:
        skipped = " Alleen het schrijven is overgeslagen; de controle is wel gedaan."
        _not_written(result, str(exc) + skipped)
    except OSError as exc:
        _not_written(result, f"{not_written} {os_reason(exc, target)} {kept}")
    except MemoryError:
        _not_written(result, f"{not_written} te weinig geheugen. {kept}")
    except Exception as exc:  # a bug must not cost the findings
        detail = "".join(traceback.format_exception_only(exc)).strip()
        _not_written(
            result,
            f"{not_written} onverwachte fout ({detail}). {kept} "
            "Meld dit bij de beheerder van het hulpmiddel.",
        )
    except BaseException as exc:  # a Rust panic: a bug that must not cost the findings either
        if not is_rust_panic(exc):
            raise
        _not_written(
            result,
            f"{not_written} {panic_reason(exc)}. {kept} Meld dit bij de beheerder van het "
            "hulpmiddel.",
        )
    else:
        result.uitvoer = target
        result.melding = moved
        result.meldingen += written.meldingen


def _not_written(result: FileResult, reason: str) -> None:
    result.niet_geschreven = reason
    result.melding = reason


def collect_paths(
    paths: list[Path], *, recursief: bool = False
) -> tuple[list[Path], list[FileResult]]:
    """Workbooks named directly or found in folders; missing paths become results with a message.

    A folder gives its workbooks (with `recursief` also those in its subfolders, at any depth;
    else see `skipped_subfolders`), without Excel's lock files (``~$NAAM``) and without earlier
    outputs (``NAAM.controle.xlsx``, ``NAAM.controle (2).xlsx``: `skipped_outputs` lists them
    for the note that says so); an old ``.xls`` in a folder is taken too, so that it is
    reported as not checkable instead of silently left out. A file named twice (directly and
    through its folder, or two spellings of one path) is checked once.
    """
    from batch.files import is_output_name

    found: list[Path] = []
    problems: list[FileResult] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(path)

    for path in paths:
        if path.is_dir():
            children = _walk(path) if recursief else sorted(path.iterdir())
            for child in children:
                if _workbook_in_folder(child) and not is_output_name(child.name):
                    add(child)
        elif path.is_file():
            add(path)
        else:
            problems.append(
                FileResult(path, NIET_GECONTROLEERD, f"{path}: bestand of map bestaat niet.")
            )
    return found, problems


def _workbook_in_folder(child: Path) -> bool:
    return (
        child.is_file()
        and child.suffix.lower() in FOLDER_SUFFIXES
        and not child.name.startswith("~$")
    )


def skipped_outputs(paths: list[Path], *, recursief: bool = False) -> list[Path]:
    """The earlier checked copies (``NAAM.controle.xlsx``) in the folders of `paths` that
    `collect_paths` leaves out, for the note that says how many (name one directly to check
    it)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                children = _walk(path) if recursief else sorted(path.iterdir())
            except OSError:
                continue
            found += [c for c in children if _workbook_in_folder(c) and is_output_name(c.name)]
    return found


def _walk(folder: Path) -> list[Path]:
    """Every file under `folder`, sorted per folder, files before subfolders; a folder reached
    twice (a symbolic link back up) is walked once."""
    seen: set[Path] = set()
    found: list[Path] = []

    def visit(current: Path) -> None:
        key = current.resolve()
        if key in seen:
            return
        seen.add(key)
        try:
            entries = sorted(current.iterdir())
        except OSError:
            return
        found.extend(entry for entry in entries if not entry.is_dir())
        for entry in entries:
            if entry.is_dir():
                visit(entry)

    visit(folder)
    return found


def skipped_subfolders(paths: list[Path]) -> list[Path]:
    """The subfolders of the folders in `paths` that `collect_paths` without `recursief` does not
    search (for the note that says so)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                found += sorted(child for child in path.iterdir() if child.is_dir())
            except OSError:
                continue
    return found


def refuse_shared_targets(
    paths: list[Path], options: Options
) -> tuple[list[Path], list[FileResult]]:
    """Files whose checked copy would land on the same file as an earlier one's are not checked.

    `pm.xlsx` and `pm.csv` in one folder both give `pm.controle.xlsx`, as do two `pm.xlsx` from
    different folders with `--uitvoer`: the second write would silently replace the first (or
    race with it in a parallel run). The first file keeps the target; the others get a message.
    """
    if not options.schrijven:
        return paths, []
    from batch.files import output_path_for

    owners: dict[Path, Path] = {}
    kept: list[Path] = []
    refused: list[FileResult] = []
    for path in paths:
        target = output_path_for(path, uitvoer=options.uitvoer, vervang=options.vervang)
        key = target.resolve()
        owner = owners.setdefault(key, path)
        if owner is path:
            kept.append(path)
            continue
        refused.append(
            FileResult(
                path,
                NIET_GECONTROLEERD,
                f"{path.name}: de gecontroleerde werkmap zou {target} worden, net als die van "
                f"{owner}; hernoem een van beide of controleer ze apart (met --uitvoer).",
            )
        )
    return kept, refused


def total_amount(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of files' amounts (euro, exact), or None (unknown) when one of them is unknown."""
    total = Decimal(0)
    for amount in amounts:
        if amount is None:
            return None
        total += amount
    return total
