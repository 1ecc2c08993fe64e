"""The command line for the backoffice: `jeugdhulp controleer`, plus the calculations.

Exit codes of `controleer`: 0 no fout found, 1 at least one fout, 2 a file could not be checked,
its checked copy or a report could not be written, or the command was wrong; 130 interrupted.

Each file is checked in a worker process (`batch.isolate`): a file that crashes a library, even
in native code, gets "niet gecontroleerd" and the others are checked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import os
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from batch.files import os_reason, real_target, remove_temp_files_of, shown
from batch.isolate import Isolated, available_cpus
from batch.run import (
    NIET_GECONTROLEERD,
    FileResult,
    Options,
    check_file,
    collect_paths,
    refuse_shared_targets,
    skipped_outputs,
    skipped_subfolders,
)
from jeugdhulp.errors import JeugdhulpError, OngeldigeInvoer
from jeugdhulp.parse import GelezenGetal, read_number
from jeugdhulp.parse import euro_tekst as euro
from jeugdhulp.profile import DEFAULT_PROFILE, load_profile, shipped_profiles

EXIT_OK, EXIT_FOUT, EXIT_ONCONTROLEERBAAR = 0, 1, 2
EXIT_AFGEBROKEN = 130  # as shells report Ctrl-C
#: How many findings per file the console shows; the JSON report and the workbooks have all.
CONSOLE_FINDINGS = 10


#: argparse's own English phrases and their Dutch text (argparse has no Dutch catalogue).
_ARGPARSE_DUTCH = (
    ("the following arguments are required", "deze argumenten ontbreken"),
    ("unrecognized arguments", "onbekende argumenten"),
    ("invalid choice", "ongeldige keuze"),
    ("choose from", "kies uit"),
    ("expected one argument", "verwacht één waarde"),
    ("ambiguous option", "dubbelzinnige optie"),
    ("could match", "past op"),
    ("ignored explicit argument", "overbodige waarde"),
)


class _DutchHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class DutchArgumentParser(argparse.ArgumentParser):
    """argparse with Dutch usage, help and error text; exits with 2 like argparse itself."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _DutchHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", help="toon deze hulp en stop")

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        for english, dutch in _ARGPARSE_DUTCH:
            message = message.replace(english, dutch)
        self.exit(EXIT_ONCONTROLEERBAAR, f"{self.prog}: fout: {message}\n")


def _workers(text: str) -> int:
    """`--werkers`: a whole number, 0 (= one per processor core) or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is geen geheel getal") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negatief; geef 1 of meer (0 = automatisch)")
    return value


class Getal(Decimal):
    """A number typed on the command line, with how it was read (`jeugdhulp.parse`)."""

    lezing: GelezenGetal


def _number(text: str) -> Decimal:
    """A number as a Dutch user types it: `7688,50`, `7.688,50`, `7.688` (7688) or `7688.50`."""
    try:
        reading = read_number(text)
    except OngeldigeInvoer:
        raise argparse.ArgumentTypeError(
            f"'{text}' is geen getal (typ bijvoorbeeld 7688, 7.688 of 7688,50)"
        ) from None
    number = Getal(reading.waarde)
    number.lezing = reading
    return number


def _reading_notes(args: argparse.Namespace) -> list[str]:
    """A note per number argument that was ambiguous ("7.688": read as 7688, not 7,688)."""
    notes = []
    for name, value in vars(args).items():
        reading = getattr(value, "lezing", None)
        if reading is not None and reading.dubbelzinnig:
            option = "--" + name.replace("_", "-")
            notes.append(
                f"{option}: gelezen als {value.normalize():f} (Nederlandse notatie: punt = "
                "duizendtallen, komma = decimalen)."
            )
    return notes


def build_parser() -> argparse.ArgumentParser:
    parser = DutchArgumentParser(
        prog="jeugdhulp",
        description="Controle van productiemonitors en rekenhulp voor de jeugdhulp.",
    )
    sub = parser.add_subparsers(
        dest="opdracht", metavar="OPDRACHT", parser_class=DutchArgumentParser, title="opdrachten"
    )

    check = sub.add_parser(
        "controleer",
        help="controleer productiemonitors (bestanden of mappen)",
        description=(
            "Controleer productiemonitors tegen de toewijzingen en de productcodelijst. "
            "Schrijft de bevindingen in een kopie van elke werkmap (blad Controle). "
            "Afsluitcode 0: geen fouten; 1: fouten gevonden; 2: bestand niet te controleren."
        ),
    )
    check.add_argument(
        "paden", nargs="+", type=Path, metavar="PAD", help="werkmap (.xlsx, .xlsm, .csv) of map"
    )
    check.add_argument(
        "--blad",
        action="append",
        default=[],
        metavar="NAAM",
        help="controleer dit productieblad (herhaalbaar; ook een verborgen blad); "
        "standaard: elk zichtbaar blad met de kopregel van de productie",
    )
    check.add_argument(
        "--recursief", action="store_true", help="doorzoek ook de submappen van een map"
    )
    check.add_argument(
        "--toewijzingen",
        type=Path,
        metavar="BESTAND",
        help="bestand met toewijzingen (voor alle werkmappen)",
    )
    check.add_argument(
        "--producten",
        type=Path,
        metavar="BESTAND",
        help="productcodelijst van de regio (voor alle werkmappen)",
    )
    check.add_argument(
        "--profiel",
        default=DEFAULT_PROFILE,
        metavar="PROFIEL",
        help=f"regioprofiel: {', '.join(shipped_profiles())} of een eigen .toml (standaard {DEFAULT_PROFILE})",
    )
    check.add_argument(
        "--json", type=Path, metavar="BESTAND", help="schrijf een JSON-rapport met alle bevindingen"
    )
    check.add_argument(
        "--samenvatting",
        type=Path,
        metavar="BESTAND",
        help="schrijf een samenvattende werkmap (.xlsx) over alle bestanden",
    )
    check.add_argument(
        "--uitvoer", type=Path, metavar="MAP", help="schrijf gecontroleerde werkmappen in deze map"
    )
    check.add_argument(
        "--vervang",
        action="store_true",
        help="vervang de oorspronkelijke werkmap door de gecontroleerde",
    )
    check.add_argument(
        "--niet-schrijven",
        action="store_true",
        help="alleen rapporteren, geen gecontroleerde werkmap schrijven",
    )
    check.add_argument(
        "--werkers",
        type=_workers,
        default=0,
        metavar="N",
        help="aantal parallelle processen (standaard: aantal processorkernen)",
    )
    check.add_argument("--stil", action="store_true", help="geen voortgangsbalk")

    calc = sub.add_parser(
        "rekenhulp", help="rekenhulp standaardbudget (raming of uren en tarieven)"
    )
    calc.add_argument("--raming", type=_number, metavar="EURO", help="geraamde kosten in euro")
    calc.add_argument("--trajecttype", default="Herstel", help="Herstel of Duurzaam")
    calc.add_argument(
        "--groep-dagen", type=_number, metavar="N", help="groepsaanbod: dagen per week"
    )
    calc.add_argument("--groep-uren", type=_number, metavar="N", help="groepsaanbod: uren per dag")
    calc.add_argument("--groep-weken", type=_number, metavar="N", help="groepsaanbod: weken")
    calc.add_argument(
        "--groep-intensiteit", metavar="NAAM", help="licht, middel, middelzwaar of zwaar"
    )
    calc.add_argument("--ambulant-uren", type=_number, metavar="N", help="ambulant: uren per week")
    calc.add_argument("--ambulant-weken", type=_number, metavar="N", help="ambulant: weken")
    calc.add_argument("--rekentarief", metavar="NAAM|EURO", help="categorie of bedrag per uur")
    calc.add_argument("--verwijzer", metavar="NAAM", help="medisch, GI of Toegang")
    calc.add_argument("--profiel", default=DEFAULT_PROFILE, metavar="PROFIEL")

    sub.add_parser("controles", help="toon de lijst met controles")
    sub.add_parser("profielen", help="toon de meegeleverde regioprofielen")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    if not console.is_terminal:  # redirected or in CI: do not squeeze the table into 80 columns
        console = Console(highlight=False, width=140)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)  # paths stay whole
    try:
        if args.opdracht == "controleer":
            return controleer(args, console, errors)
        if args.opdracht == "rekenhulp":
            return rekenhulp(args, console)
        if args.opdracht == "controles":
            from jeugdhulp.checks import catalogue_markdown

            console.print(catalogue_markdown(), markup=False)
            return EXIT_OK
        if args.opdracht == "profielen":
            for key in shipped_profiles():
                profile = load_profile(key)
                console.print(f"{key:20} {profile.naam} (bron: {profile.bron})", markup=False)
            return EXIT_OK
    except JeugdhulpError as exc:
        errors.print(f"[red]Fout:[/red] {escape(shown(exc))}")
        return EXIT_ONCONTROLEERBAAR
    except KeyboardInterrupt:
        errors.print(
            "[red]Afgebroken.[/red] Wat al geschreven was is compleet; "
            "niets is half geschreven of half vervangen."
        )
        return EXIT_AFGEBROKEN
    parser.print_help()
    return EXIT_ONCONTROLEERBAAR


def rekenhulp(args: argparse.Namespace, console: Console) -> int:
    from jeugdhulp.budget import budgetraming, standaardbudget

    profile = load_profile(args.profiel)
    for note in _reading_notes(args):
        console.print(f"Let op: {note}")
    if args.raming is not None:
        raming = args.raming
    else:
        result = budgetraming(
            args.trajecttype,
            args.groep_dagen,
            args.groep_uren,
            args.groep_weken,
            args.groep_intensiteit,
            args.ambulant_uren,
            args.ambulant_weken,
            args.rekentarief,  # a number ("70,00") or a category name: the core tells which
            profile=profile,
        )
        console.print(f"Groepsaanbod: {result.groepsuren} uur, {euro(result.groepsbudget)}")
        console.print(f"Ambulant:     {result.ambulante_uren} uur, {euro(result.ambulant_budget)}")
        raming = result.totaal
    keuze = standaardbudget(raming, args.verwijzer, profile=profile)
    console.print(f"Raming:       {euro(raming)}")
    if keuze.nummer is None:
        console.print(f"Standaardbudget: {keuze.tekst}")
    else:
        console.print(f"Standaardbudget: {keuze.nummer} ({euro(keuze.bedrag or Decimal(0))})")
    return EXIT_OK


def _crashed(path: Path, reason: str) -> FileResult:
    return FileResult(
        path,
        NIET_GECONTROLEERD,
        f"{path.name}: de controle van dit bestand is afgebroken door {reason}. De andere "
        "bestanden zijn wel gecontroleerd. Dit is een fout in het hulpmiddel of een van zijn "
        "onderdelen: geef dit bestand aan de beheerder van het hulpmiddel.",
    )


def _cleanup(path: Path, pid: int, *, options: Options) -> None:
    """Remove the temporary files a worker that died left beside the file's target."""
    from batch.files import output_path_for

    target = output_path_for(path, uitvoer=options.uitvoer, vervang=options.vervang)
    remove_temp_files_of(real_target(target).parent, pid)


def _run_all(
    paths: list[Path],
    options: Options,
    workers: int,
    console: Console,
    quiet: bool,
    work: Callable[..., FileResult] = check_file,
) -> list[FileResult]:
    """Check every file in worker processes (isolated from each other, see batch.isolate).
    `work(path, options=...)`: what a worker does with a file (a module-level function)."""
    if not paths:
        return []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
        task = progress.add_task("Controleren", total=len(paths))
        supervisor = Isolated(
            work=functools.partial(work, options=options),
            crashed=_crashed,
            workers=workers,
            cleanup=functools.partial(_cleanup, options=options),
            # the results hold polars frames: import it while the workers start up
            meanwhile=functools.partial(importlib.import_module, "batch.report"),
        )
        return supervisor.run(paths, lambda _path, _result: progress.advance(task))


def _report_clash(args: argparse.Namespace, paths: list[Path], options: Options) -> str:
    """Why a report path cannot be used (it would overwrite a workbook that is checked or
    written, or the other report), or ""."""
    from batch.files import output_path_for

    def key(path: Path) -> Path:
        return Path(os.path.realpath(path))

    taken = {key(p): f"de werkmap {shown(p)}" for p in paths}
    for table in (options.toewijzingen, options.producten):
        if table is not None:
            taken[key(table)] = f"het bestand {shown(table)}"
    if options.schrijven:
        for p in paths:
            target = output_path_for(p, uitvoer=options.uitvoer, vervang=options.vervang)
            taken.setdefault(key(target), f"de gecontroleerde werkmap {shown(target)}")
    for label, path in (("--json", args.json), ("--samenvatting", args.samenvatting)):
        if path is None:
            continue
        if key(path) in taken:
            return (
                f"{label} {shown(path)} zou {taken[key(path)]} overschrijven; kies een andere naam."
            )
        taken[key(path)] = f"het rapport van {label}"
    return ""


def _write_report(
    label: str, path: Path, write: Callable[[], None], console: Console, errors: Console
) -> bool:
    """Write one report file; a failure is one Dutch line, not a traceback."""
    try:
        write()
    except OSError as exc:
        errors.print(f"[red]Fout:[/red] {label} niet geschreven: {escape(os_reason(exc, path))}")
        return False
    except Exception as exc:  # e.g. a value the writer cannot store
        errors.print(
            f"[red]Fout:[/red] {label} {escape(shown(path))} niet geschreven "
            f"({escape(shown(type(exc).__name__))}: {escape(shown(exc))})."
        )
        return False
    console.print(f"{label}: {escape(shown(path))}")
    return True


def controleer(args: argparse.Namespace, console: Console, errors: Console) -> int:
    started = dt.datetime.now()
    profile = load_profile(args.profiel)  # an unknown profile stops the run before any work
    for option, label in ((args.toewijzingen, "--toewijzingen"), (args.producten, "--producten")):
        if option is not None and not option.is_file():
            errors.print(f"[red]Fout:[/red] {label}: bestand {escape(str(option))} bestaat niet.")
            return EXIT_ONCONTROLEERBAAR
    if args.vervang and args.uitvoer:
        errors.print("[red]Fout:[/red] kies --vervang of --uitvoer, niet allebei.")
        return EXIT_ONCONTROLEERBAAR
    if args.uitvoer is not None and args.uitvoer.exists() and not args.uitvoer.is_dir():
        errors.print(
            f"[red]Fout:[/red] --uitvoer: {escape(str(args.uitvoer))} is een bestand, geen map."
        )
        return EXIT_ONCONTROLEERBAAR
    paths, missing = collect_paths(args.paden, recursief=args.recursief)
    notes = []
    outputs = skipped_outputs(args.paden, recursief=args.recursief)
    if outputs:
        notes.append(
            f"{len(outputs)} eerdere gecontroleerde kopie(ën) overgeslagen ("
            + ", ".join(shown(path.name) for path in outputs[:5])
            + (", ..." if len(outputs) > 5 else "")
            + "); noem zo'n bestand apart om het opnieuw te controleren."
        )
    if not args.recursief:
        skipped = skipped_subfolders(args.paden)
        if skipped:
            notes.append(
                f"{len(skipped)} submap(pen) niet doorzocht ("
                + ", ".join(str(folder) for folder in skipped[:5])
                + (", ..." if len(skipped) > 5 else "")
                + "); gebruik --recursief om ook submappen te controleren."
            )
    for note in notes:
        console.print(f"[yellow]Let op:[/yellow] {escape(note)}", soft_wrap=True)
    if not paths and not missing:
        errors.print("[red]Fout:[/red] geen werkmappen (.xlsx, .xlsm, .csv) gevonden.")
        return EXIT_ONCONTROLEERBAAR
    options = Options(
        profiel=args.profiel,
        toewijzingen=args.toewijzingen,
        producten=args.producten,
        schrijven=not args.niet_schrijven,
        uitvoer=args.uitvoer,
        vervang=args.vervang,
        rapport=args.json,
        bladen=tuple(args.blad),
        bewaren=tuple(
            p
            for p in (*paths, args.toewijzingen, args.producten, args.json, args.samenvatting)
            if p is not None
        ),
    )
    clash = _report_clash(args, paths, options)
    if clash:
        errors.print(f"[red]Fout:[/red] {escape(clash)}")
        return EXIT_ONCONTROLEERBAAR
    order = {path: i for i, path in enumerate(paths)}
    paths, refused = refuse_shared_targets(paths, options)
    workers = args.werkers or min(len(paths), available_cpus())
    checked = _run_all(paths, options, workers, console, args.stil)
    results = missing + sorted(checked + refused, key=lambda r: order[r.bestand])

    _print_summary(results, console, profile.naam)
    from batch.report import write_json, write_summary_workbook

    reports_ok = True
    if args.json:
        reports_ok &= _write_report(
            "JSON-rapport",
            args.json,
            lambda: write_json(
                args.json, results, profiel=profile.naam, started=started, meldingen=notes
            ),
            console,
            errors,
        )
    if args.samenvatting:
        reports_ok &= _write_report(
            "Samenvatting",
            args.samenvatting,
            lambda: write_summary_workbook(
                args.samenvatting, results, profiel=profile.naam, started=started
            ),
            console,
            errors,
        )

    if not reports_ok or any(not r.complete for r in results):
        return EXIT_ONCONTROLEERBAAR
    return EXIT_FOUT if any(r.fouten for r in results) else EXIT_OK


def _print_summary(results: list[FileResult], console: Console, profiel: str) -> None:
    from batch.report import findings_per_check, mask_bsn

    for result in results:
        if not result.checked:
            console.print(
                f"[red]Niet gecontroleerd:[/red] {escape(mask_bsn(shown(result.melding)))}",
                soft_wrap=True,
            )
            continue
        first = result.bevindingen.head(CONSOLE_FINDINGS)
        if first.height:
            console.print(
                f"\n[bold]{escape(shown(result.bestand.name))}[/bold]: eerste {first.height} van {result.bevindingen.height} bevindingen"
            )
            for f in first.iter_rows(named=True):
                colour = "red" if f["ernst"] == "fout" else "yellow"
                console.print(
                    f"  [{colour}]{f['ernst']:12}[/{colour}] {f['controle']} "
                    + escape(f"{f['blad']}!{f['cel']:7} {mask_bsn(str(f['melding']))}")
                )
        if not result.complete:
            console.print(
                f"[red]Niet geschreven:[/red] {escape(mask_bsn(shown(result.melding)))}",
                soft_wrap=True,
            )
        elif result.melding:  # written, under another name
            console.print(
                f"[yellow]Let op:[/yellow] {escape(mask_bsn(shown(result.melding)))}",
                soft_wrap=True,
            )
        if result.uitvoer is not None:
            for melding in result.meldingen:
                console.print(
                    f"[yellow]Let op:[/yellow] {escape(mask_bsn(shown(melding)))}", soft_wrap=True
                )
    table = Table(title=f"Samenvatting (profiel {profiel})")
    for column, justify in (
        ("Bestand", "left"),
        ("Status", "left"),
        ("Rijen", "right"),
        ("Fouten", "right"),
        ("Waarschuwingen", "right"),
        ("Gedeclareerd", "right"),
        ("Met fout", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in results:
        table.add_row(
            escape(shown(r.bestand.name)),
            r.status,
            str(r.rijen),
            f"[red]{r.fouten}[/red]" if r.fouten else "0",
            str(r.waarschuwingen),
            euro(r.bedrag_gedeclareerd),
            euro(r.bedrag_met_fout),
        )
    console.print(table)
    per_check = findings_per_check(results)
    if per_check.height:
        console.print(
            "Bevindingen per controle: "
            + ", ".join(
                f"{row['controle']} {row['aantal']}" for row in per_check.iter_rows(named=True)
            )
        )
    for r in results:
        if r.uitvoer:
            console.print(f"Gecontroleerde werkmap: {escape(shown(r.uitvoer))}")


if __name__ == "__main__":
    raise SystemExit(main())
