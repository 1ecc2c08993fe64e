"""Checking one file end to end: read, check, write back. The unit of work of the CLI's workers.

Everything that can go wrong with one file ends here as a `FileResult` with a Dutch message, so
that one bad file never stops the others.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.findings import FINDING_FIELDS
from jeugdhulp.profile import load_profile

#: Status of a file in the reports.
GECONTROLEERD = "gecontroleerd"
NIET_GECONTROLEERD = "niet gecontroleerd"

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass(frozen=True, slots=True)
class Options:
    profiel: str
    toewijzingen: Path | None = None
    producten: Path | None = None
    schrijven: bool = True  # write the annotated workbook
    uitvoer: Path | None = None
    vervang: bool = False


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
    bevindingen: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=dict.fromkeys(FINDING_FIELDS, pl.String))
    )

    @property
    def checked(self) -> bool:
        return self.status == GECONTROLEERD


def _amounts(productie_frame: pl.DataFrame, findings: pl.DataFrame) -> tuple[Decimal, Decimal]:
    """Declared amount, and the part of it on rows with at least one fout."""
    bedrag = productie_frame.select("_rij", "bedrag").unique("_rij")
    total = bedrag.get_column("bedrag").sum()
    fout_rows = findings.filter(pl.col("ernst") == "fout").get_column("rij").unique()
    wrong = bedrag.filter(pl.col("_rij").is_in(fout_rows.implode())).get_column("bedrag").sum()
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
    except Exception as exc:  # a bug must not take the other files down
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return FileResult(
            path,
            NIET_GECONTROLEERD,
            f"{path.name}: onverwachte fout bij het controleren ({detail}). "
            "Meld dit bij de beheerder van het hulpmiddel.",
        )


def _check_file(path: Path, options: Options, started: dt.datetime) -> FileResult:
    from batch.reader import read_table_file, read_workbook
    from jeugdhulp.checks import run_checks

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
    tables = read_workbook(path, tables=tuple(wanted))
    toewijzingen = (
        read_table_file(options.toewijzingen, "toewijzingen")
        if options.toewijzingen
        else tables.get("toewijzingen")
    )
    producten = (
        read_table_file(options.producten, "producten")
        if options.producten
        else tables.get("producten")
    )
    productie = tables["productie"]
    lap("lezen")
    findings = run_checks(productie, toewijzingen, producten, profile)
    declared, wrong = _amounts(productie.frame, findings)
    ernst = findings.get_column("ernst")
    result = FileResult(
        bestand=path,
        status=GECONTROLEERD,
        rijen=productie.frame.get_column("_rij").n_unique(),
        fouten=int((ernst == "fout").sum()),
        waarschuwingen=int((ernst == "waarschuwing").sum()),
        bedrag_gedeclareerd=declared,
        bedrag_met_fout=wrong,
        bevindingen=findings,
        tijden=tijden,
    )
    lap("controleren")
    if options.schrijven:
        from batch.annotate import annotate_workbook, output_path_for
        from jeugdhulp.checks import CATALOGUE

        target = output_path_for(path, uitvoer=options.uitvoer, vervang=options.vervang)
        annotate_workbook(
            path,
            findings,
            target,
            profiel=profile.naam,
            gecontroleerd_op=started,
            legenda=[(c.id, c.ernst, c.titel) for c in CATALOGUE],
        )
        result.uitvoer = target
        lap("schrijven")
    result.seconden = (dt.datetime.now() - started).total_seconds()
    return result


def collect_paths(paths: list[Path]) -> tuple[list[Path], list[FileResult]]:
    """Workbooks named directly or found in folders; missing paths become results with a message."""
    found: list[Path] = []
    problems: list[FileResult] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if (
                    child.is_file()
                    and child.suffix.lower() in SUPPORTED_SUFFIXES
                    and not child.name.startswith("~$")
                    and ".controle." not in child.name
                ):
                    found.append(child)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(
                FileResult(path, NIET_GECONTROLEERD, f"{path}: bestand of map bestaat niet.")
            )
    return found, problems
