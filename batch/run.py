"""Checking one file end to end: read, check, write back. The unit of work of the CLI's workers.

Everything that can go wrong with one file ends here as a `FileResult` with a Dutch message, so
that one bad file never stops the others. A file that was checked but whose checked copy could
not be written (disk full, no permission, a damaged package, the workbook open in Excel) keeps
its findings: its status is `NIET_GESCHREVEN` and the message says why.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from batch.files import is_output_name
from batch.isolate import is_rust_panic, panic_reason
from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.findings import FINDING_FIELDS
from jeugdhulp.profile import load_profile
from jeugdhulp.schema import BladGelezen

if TYPE_CHECKING:  # polars is imported where it is used: the CLI's supervisor does not need it
    import polars as pl

#: Status of a file in the reports.
GECONTROLEERD = "gecontroleerd"
NIET_GECONTROLEERD = "niet gecontroleerd"
#: Checked (the findings stand), but no checked copy of the workbook was written.
NIET_GESCHREVEN = "gecontroleerd, niet geschreven"

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
    bestand: Path
    status: str
    melding: str = ""
    rijen: int = 0
    fouten: int = 0
    waarschuwingen: int = 0
    bedrag_gedeclareerd: Decimal = Decimal(0)
    bedrag_met_fout: Decimal = Decimal(0)
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
    #: the verdict (`jeugdhulp.verdict`: schoon, fouten, onvolledig, geen regels, niet
    #: gecontroleerd), and why the file is onvolledig (Dutch, empty when everything was checked)
    oordeel: str = ""
    onvolledig: list[str] = field(default_factory=list)
    #: why no checked copy was written although one was asked for ("" when written or not asked)
    niet_geschreven: str = ""
    #: the files the verdict rests on: the workbook, and --toewijzingen / --producten files
    bronnen: list[Bron] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        """The file was read and checked: its findings stand (even if no copy was written)."""
        return self.status in (GECONTROLEERD, NIET_GESCHREVEN)

    @property
    def complete(self) -> bool:
        """Checked, and the checked copy written when one was asked for."""
        return self.status == GECONTROLEERD


def _no_findings() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema=dict.fromkeys(FINDING_FIELDS, pl.String))


def _on_allocation_list() -> list[str]:
    """Ids of the checks whose findings are on the allocation list, not the production sheet."""
    from jeugdhulp.checks import CATALOGUE

    return [c.id for c in CATALOGUE if c.tabel == "toewijzingen"]


def _amounts(productie_frame: pl.DataFrame, findings: pl.DataFrame) -> tuple[Decimal, Decimal]:
    """Declared amount, and the part of it on production rows with at least one fout (findings
    on the allocation list have rows of their own sheet)."""
    import polars as pl

    bedrag = productie_frame.select("_rij", "bedrag").unique("_rij")
    total = bedrag.get_column("bedrag").sum()
    on_production = ~pl.col("controle").is_in(_on_allocation_list())
    fout_rows = findings.filter((pl.col("ernst") == "fout") & on_production).select(
        pl.col("rij").alias("_rij")
    )
    wrong = bedrag.join(fout_rows.unique(), on="_rij", how="semi").get_column("bedrag").sum()
    return Decimal(str(total or 0)), Decimal(str(wrong or 0))


def check_file(path: Path, options: Options) -> FileResult:
    """Read, check and (optionally) annotate one workbook; never raises."""
    started = dt.datetime.now()
    try:
        return _check_file(path, options, started)
    except JeugdhulpError as exc:
        return FileResult(path, NIET_GECONTROLEERD, str(exc))
    except MemoryError:
        return FileResult(path, NIET_GECONTROLEERD, f"{path.name}: te groot om te controleren.")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return FileResult(
            path, NIET_GECONTROLEERD, f"{path.name}: het bestand is niet te lezen ({reason})."
        )
    except Exception as exc:  # a bug must not take the other files down
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return FileResult(
            path,
            NIET_GECONTROLEERD,
            f"{path.name}: onverwachte fout bij het controleren ({detail}). "
            "Meld dit bij de beheerder van het hulpmiddel.",
        )
    except BaseException as exc:  # a Rust panic is a BaseException: a bug, not the file's fault
        if not is_rust_panic(exc):
            raise
        return FileResult(
            path,
            NIET_GECONTROLEERD,
            f"{path.name}: het controleren is gestopt door {panic_reason(exc)}. Dit is een fout "
            "in het hulpmiddel, niet in het bestand: geef het bestand aan de beheerder van het "
            "hulpmiddel. De andere bestanden zijn wel gecontroleerd.",
        )


def _check_file(path: Path, options: Options, started: dt.datetime) -> FileResult:
    import polars as pl

    from batch.reader import read_tables
    from jeugdhulp.checks import check_plan, run_checks
    from jeugdhulp.checks.lezen import met_leesinformatie

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
            gelezen += apart.gelezen
            if table == "toewijzingen":
                toewijzingen = apart.toewijzingen
            else:
                producten = apart.producten
    lap("lezen")
    # A shared allocation file: its own findings only for this workbook's children, and named
    # after that file, so they are never marked in a same-named sheet of this workbook.
    apart = options.toewijzingen is not None
    sheets = werkmap.productie
    frames = [
        met_leesinformatie(
            run_checks(sheet, toewijzingen, producten, profile, toewijzingen_apart=apart), sheet
        )
        for sheet in sheets
    ]
    findings = pl.concat(frames) if len(frames) > 1 else frames[0]
    on_list = pl.col("controle").is_in(_on_allocation_list())
    if len(frames) > 1:  # the allocation list's own findings come once, not once per sheet
        findings = pl.concat(
            [findings.filter(~on_list), findings.filter(on_list).unique(maintain_order=True)]
        )
    if apart and toewijzingen is not None and options.toewijzingen is not None:
        elsewhere = f"{options.toewijzingen.name}: {toewijzingen.blad}"
        findings = findings.with_columns(
            blad=pl.when(on_list).then(pl.lit(elsewhere)).otherwise(pl.col("blad"))
        )
    declared, wrong = Decimal(0), Decimal(0)
    for sheet, found in zip(sheets, frames, strict=True):
        sheet_declared, sheet_wrong = _amounts(sheet.frame, found)
        declared += sheet_declared
        wrong += sheet_wrong
    meldingen = list(werkmap.meldingen)
    if len(sheets) > 1:
        names = ", ".join(f"'{sheet.blad}'" for sheet in sheets)
        meldingen.append(
            f"De productie staat op {len(sheets)} bladen ({names}); elk blad is apart "
            "gecontroleerd: totalen per toewijzing en dubbele declaraties over bladen heen zijn "
            "niet samen geteld."
        )
    ernst = findings.get_column("ernst")
    result = FileResult(
        bestand=path,
        status=GECONTROLEERD,
        rijen=sum(sheet.frame.get_column("_rij").n_unique() for sheet in sheets),
        fouten=int((ernst == "fout").sum()),
        waarschuwingen=int((ernst == "waarschuwing").sum()),
        bedrag_gedeclareerd=declared,
        bedrag_met_fout=wrong,
        bevindingen=findings,
        tijden=tijden,
        gelezen=gelezen,
        meldingen=meldingen,
        onbekend=sum(sheet.onbekend.height for sheet in sheets),
        bedragen_onbekend=sum(
            sheet.onbekend.filter(pl.col("kolom") == "bedrag").height for sheet in sheets
        ),
        overgeslagen=[
            (check.id, reden)
            for check, reden in check_plan(toewijzingen, producten, profile)
            if reden is not None
        ],
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
    """Write the checked copy; a failure sets `NIET_GESCHREVEN` and the reason, and keeps
    the findings (they were found; only the copy is missing).

    An earlier checked copy that must be left alone (open in Excel, read-only, or changed
    since the tool wrote it: `batch.files.why_not_replace`) is not overwritten: the copy goes
    to a free name beside it (``NAAM.controle (2).xlsx``) and `melding` says so. What the user
    must know about the written copy (`AnnotateResult.meldingen`) goes into `meldingen`.
    """
    from batch.annotate import annotate_workbook
    from batch.files import free_output_path, os_reason, output_path_for, why_not_replace
    from jeugdhulp.checks import CATALOGUE

    target = output_path_for(path, uitvoer=options.uitvoer, vervang=options.vervang)
    moved = ""
    # --vervang, and checking an earlier copy itself, write the file that was checked: never
    # under another name (a csv's copy may move)
    own = os.path.realpath(target) == os.path.realpath(path)
    reason = None if own else why_not_replace(target)
    if reason is not None:
        free = free_output_path(target, bewaren=(path, *options.bewaren))
        if free is None:
            result.status = NIET_GESCHREVEN
            result.melding = (
                f"'{path.name}': geen gecontroleerde kopie geschreven: '{target.name}' {reason}, "
                "en de genummerde namen ernaast zijn ook bezet. De bevindingen staan in het "
                "overzicht."
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
        written = annotate_workbook(
            path,
            result.bevindingen,
            target,
            profiel=profiel,
            gecontroleerd_op=started,
            legenda=[(c.id, c.ernst, c.titel) for c in CATALOGUE],
            rapport=options.rapport,
        )
    except JeugdhulpError as exc:
        result.status, result.melding = NIET_GESCHREVEN, str(exc)
    except OSError as exc:
        result.status = NIET_GESCHREVEN
        result.melding = f"{not_written} {os_reason(exc, target)} {kept}"
    except MemoryError:
        result.status = NIET_GESCHREVEN
        result.melding = f"{not_written} te weinig geheugen. {kept}"
    except Exception as exc:  # a bug must not cost the findings
        detail = "".join(traceback.format_exception_only(exc)).strip()
        result.status = NIET_GESCHREVEN
        result.melding = (
            f"{not_written} onverwachte fout ({detail}). {kept} "
            "Meld dit bij de beheerder van het hulpmiddel."
        )
    except BaseException as exc:  # a Rust panic: a bug that must not cost the findings either
        if not is_rust_panic(exc):
            raise
        result.status = NIET_GESCHREVEN
        result.melding = (
            f"{not_written} {panic_reason(exc)}. {kept} Meld dit bij de beheerder van het "
            "hulpmiddel."
        )
    else:
        result.uitvoer = target
        result.melding = moved
        result.meldingen += written.meldingen


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
