"""The command line: `jeugdhulp controleer` for providers and the backoffice, plus the calculations.

Each file gets a status (`jeugdhulp.verdict`: schoon, fouten, onvolledig, geen regels, niet
gecontroleerd) and the run an exit code: 0 only when every file is schoon and everything asked
for was written; 1 fouten; 2 a file not checked, a copy or report not written, or a wrong
command; 3 onvolledig or geen regels (no fout); 130 interrupted (Ctrl-C).

Each file is checked in a worker process (`batch.isolate`): a file that crashes a library, even
in native code, gets "niet gecontroleerd" and the others are checked.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import importlib
import os
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import jeugdhulp
from batch.dutch_argparse import DutchArgumentParser
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
from jeugdhulp.budget import groepsintensiteit_van, trajecttype_van
from jeugdhulp.errors import JeugdhulpError, OngeldigeInvoer
from jeugdhulp.parse import GelezenGetal, getal_tekst, read_number
from jeugdhulp.parse import euro_tekst as euro
from jeugdhulp.profile import DEFAULT_PROFILE, load_profile, shipped_profiles
from jeugdhulp.verdict import (
    EXIT_AFGEBROKEN,
    EXIT_NIET_GECONTROLEERD,
    EXIT_SCHOON,
    EXIT_UITLEG,
    STATUS_UITLEG,
    STATUSES,
    run_exit_code,
)

#: Width of the output when it is not a terminal and COLUMNS does not say (a log file).
LOG_WIDTH = 120
#: How many findings per file the console shows without --alle; the reports have all.
CONSOLE_FINDINGS = 10


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


def _core_value(rule: Callable[[str], object]) -> Callable[[str], str]:
    """An argparse type that checks a word with the core's own rule (its Dutch message on a
    wrong word) and keeps the text as typed, for the core to read again."""

    def check(text: str) -> str:
        try:
            rule(text)
        except OngeldigeInvoer as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    return check


def _verwijzer(text: str) -> bool:
    from jeugdhulp.budget import is_medisch

    return is_medisch(text)


def _reading_notes(args: argparse.Namespace) -> list[str]:
    """A note per number argument that was ambiguous ("7.688": read as 7688, not 7,688)."""
    notes = []
    for name, value in vars(args).items():
        reading = getattr(value, "lezing", None)
        if reading is not None and reading.dubbelzinnig:
            option = "--" + name.replace("_", "-")
            notes.append(
                f"{option}: gelezen als {getal_tekst(value, duizendtallen=False)} (Nederlandse notatie: punt = "
                "duizendtallen, komma = decimalen)."
            )
    return notes


def _legend(width: int = 78) -> str:
    """The statuses and exit codes for `controleer --help` (from `jeugdhulp.verdict`)."""
    lines = ["status per bestand:"]
    for status in STATUSES:
        lines += textwrap.wrap(
            STATUS_UITLEG[status],
            width,
            initial_indent=f"  {status:<20}",
            subsequent_indent=" " * 22,
        )
    lines += ["", "afsluitcode:"]
    for code, text in EXIT_UITLEG.items():
        lines += textwrap.wrap(
            text, width, initial_indent=f"  {code:<5}", subsequent_indent=" " * 7
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = DutchArgumentParser(
        prog="jeugdhulp",
        description="Controle van productiemonitors en rekenhulp voor de jeugdhulp.",
        versie=f"jeugdhulp {jeugdhulp.__version__}",
    )
    sub = parser.add_subparsers(
        dest="opdracht", metavar="OPDRACHT", parser_class=DutchArgumentParser, title="opdrachten"
    )

    check = sub.add_parser(
        "controleer",
        help="controleer productiemonitors (bestanden of mappen)",
        description=(
            "Controleer productiemonitors tegen de toewijzingen en de productcodelijst en "
            "schrijf de bevindingen in een kopie van elke werkmap (blad Controle). Per bestand "
            "volgt een status; afsluitcode 0 alleen als elk bestand schoon is (zie onder)."
        ),
        epilog=_legend(),
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
    check.add_argument(
        "--alle",
        action="store_true",
        help=f"toon alle bevindingen (standaard de eerste {CONSOLE_FINDINGS} per bestand)",
    )
    check.add_argument(
        "--uitgebreid",
        action="store_true",
        help="toon ook per blad de kolommen en leesmeldingen, elke controle en de bronbestanden",
    )

    default_profile = load_profile(DEFAULT_PROFILE)
    categories = "; ".join(default_profile.get("rekentarieven", {}))
    intensities = ", ".join(
        name for name, rate in default_profile.get("groepstarieven", {}).items() if rate
    )
    calc = sub.add_parser(
        "rekenhulp",
        help="rekenhulp standaardbudget (raming of uren en tarieven)",
        description=(
            "Raamt de kosten van een traject en kiest het eerste standaardbudget op of boven de "
            "raming (IJsselland 2023). Geef een raming (--raming), of de uren: groepsaanbod "
            "(dagen × uren × weken × groepstarief) en/of ambulante hulp (uren × weken × "
            "rekentarief). Getallen zoals u ze typt: 7688, 7.688 of 7688,50."
        ),
        epilog=(
            "Voorbeeld (casus Mark): jeugdhulp rekenhulp --groep-dagen 2 --groep-uren 3 "
            "--groep-weken 26 --groep-intensiteit licht --ambulant-uren 3 --ambulant-weken 26 "
            '--rekentarief "Overwegend begeleiding en lichte hulp"'
        ),
    )
    calc.add_argument(
        "--raming", type=_number, metavar="EURO", help="geraamde kosten in euro (zonder uren)"
    )
    calc.add_argument(
        "--trajecttype",
        default="Herstel",
        type=_core_value(trajecttype_van),
        metavar="TYPE",
        help="Herstel (budget voor de hele periode; standaard) of Duurzaam (budget per jaar, "
        "altijd 52 weken)",
    )
    calc.add_argument(
        "--groep-dagen", type=_number, metavar="N", help="groepsaanbod: dagen per week"
    )
    calc.add_argument("--groep-uren", type=_number, metavar="N", help="groepsaanbod: uren per dag")
    calc.add_argument("--groep-weken", type=_number, metavar="N", help="groepsaanbod: weken")
    calc.add_argument(
        "--groep-intensiteit",
        type=_core_value(groepsintensiteit_van),
        metavar="NAAM",
        help=f"groepsaanbod: intensiteit; met een groepstarief in {DEFAULT_PROFILE}: "
        f"{intensities or '(geen)'}",
    )
    calc.add_argument("--ambulant-uren", type=_number, metavar="N", help="ambulant: uren per week")
    calc.add_argument("--ambulant-weken", type=_number, metavar="N", help="ambulant: weken")
    calc.add_argument(
        "--rekentarief",
        metavar="NAAM|EURO",
        help=f"ambulant: een categorie ({DEFAULT_PROFILE}: {categories}) of een bedrag per uur "
        "(bijvoorbeeld 85,50)",
    )
    calc.add_argument(
        "--verwijzer",
        type=_core_value(_verwijzer),
        metavar="NAAM",
        help="medisch (huisarts, jeugdarts, kinderarts, medisch specialist), GI of Toegang; "
        "een medisch verwijzer kiest ten hoogste standaardbudget 5",
    )
    calc.add_argument(
        "--profiel",
        default=DEFAULT_PROFILE,
        metavar="PROFIEL",
        help=f"regioprofiel (standaard {DEFAULT_PROFILE}; zie jeugdhulp profielen)",
    )

    controles = sub.add_parser(
        "controles",
        help="toon de lijst met controles, of de uitleg van één controle",
        description="Zonder CONTROLE de lijst; met CONTROLE (PM005, of 5) de uitleg ervan.",
    )
    controles.add_argument(
        "ids", nargs="*", metavar="CONTROLE", help="een of meer controles, bijvoorbeeld PM005"
    )
    sub.add_parser("profielen", help="toon de meegeleverde regioprofielen")
    return parser


class _Console(Console):
    """rich's console, except that a reader who goes away (`| head`, a pager quit early) does
    not end the run: what is still printed goes nowhere, the reports are still written and the
    exit code still tells the verdict (rich would exit with 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # no real stdout: quiet is enough
            pass
        finally:
            os.close(devnull)


def make_console() -> Console:
    """The console of the output: the terminal's width, or COLUMNS, or `LOG_WIDTH` when the
    output goes to a file or pipe."""
    console = _Console(highlight=False)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = _Console(highlight=False, width=LOG_WIDTH)
    return console


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = make_console()
    errors = Console(stderr=True, highlight=False, soft_wrap=True)  # paths stay whole
    try:
        if args.opdracht == "controleer":
            return controleer(args, console, errors)
        if args.opdracht == "rekenhulp":
            return rekenhulp(args, console)
        if args.opdracht == "controles":
            return controles(args.ids, console, errors)
        if args.opdracht == "profielen":
            for key in shipped_profiles():
                profile = load_profile(key)
                console.print(f"{key:20} {profile.naam} (bron: {profile.bron})", markup=False)
            return EXIT_SCHOON
    except JeugdhulpError as exc:
        errors.print(f"[red]Fout:[/red] {escape(shown(exc))}")
        return EXIT_NIET_GECONTROLEERD
    except KeyboardInterrupt:
        errors.print(
            "[red]Afgebroken.[/red] Wat al geschreven was is compleet; "
            "niets is half geschreven of half vervangen."
        )
        return EXIT_AFGEBROKEN
    parser.print_help()
    return EXIT_NIET_GECONTROLEERD


def controles(ids: list[str], console: Console, errors: Console) -> int:
    """The check list as a table, or the explanation of the checks named, rendered for the
    terminal (from the same declarations as docs/controles.md)."""
    from rich.markdown import Markdown
    from rich.table import Table

    from jeugdhulp.checks import CATALOGUE, catalogue_markdown

    known = {check.id: check for check in CATALOGUE}
    if not ids:
        table = Table(title="Controles", title_justify="left", show_lines=False)
        table.add_column("Controle", no_wrap=True)
        table.add_column("Ernst", no_wrap=True)
        table.add_column("iJw-regel", overflow="fold", max_width=14)
        table.add_column("Omschrijving", overflow="fold")
        for check in CATALOGUE:
            colour = "red" if check.ernst == "fout" else "yellow"
            table.add_row(
                check.id,
                f"[{colour}]{check.ernst}[/{colour}]",
                escape(check.ijw or "-"),
                escape(check.titel),
            )
        console.print(table)
        console.print("De uitleg van één controle: jeugdhulp controles PM005")
        return EXIT_SCHOON
    wanted = []
    for text in ids:
        number = re.fullmatch(r"(?:PM)?(\d{1,3})", text.strip().upper())
        key = f"PM{int(number.group(1)):03d}" if number else text.strip()
        if key not in known:
            errors.print(
                f"[red]Fout:[/red] onbekende controle '{escape(text)}'; kies uit "
                f"{CATALOGUE[0].id} t/m {CATALOGUE[-1].id} (zie jeugdhulp controles)."
            )
            return EXIT_NIET_GECONTROLEERD
        wanted.append(key)
    sections = _markdown_sections(catalogue_markdown())
    for key in wanted:
        console.print(Markdown(sections[key]))
        console.print()
    return EXIT_SCHOON


def _markdown_sections(markdown: str) -> dict[str, str]:
    """The section of each check in the generated check list (`## PM005` up to the next)."""
    sections: dict[str, str] = {}
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [line])  # type: ignore[assignment]
            continue
        if current is not None:
            current.append(line)
    return {key: "\n".join(lines).strip() for key, lines in sections.items()}  # type: ignore[misc]


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
        console.print(
            f"Groepsaanbod: {getal_tekst(result.groepsuren)} uur, {euro(result.groepsbudget)}"
        )
        console.print(
            f"Ambulant:     {getal_tekst(result.ambulante_uren)} uur, "
            f"{euro(result.ambulant_budget)}"
        )
        raming = result.totaal
    keuze = standaardbudget(raming, args.verwijzer, profile=profile)
    console.print(f"Raming:       {euro(raming)}")
    if keuze.nummer is None:
        console.print(f"Standaardbudget: {keuze.tekst}")
    else:
        console.print(f"Standaardbudget: {keuze.nummer} ({euro(keuze.bedrag or Decimal(0))})")
    return EXIT_SCHOON


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
    progress = Progress(*columns, console=console, disable=quiet, transient=False)
    task = progress.add_task("Controleren", total=len(paths))

    def meanwhile() -> None:
        # Once the first workers are started (forked: the progress bar's thread and polars
        # would make that unsafe, see batch.isolate.start_method): show the bar, and import
        # what receives the results (they hold polars frames) while the workers import theirs.
        progress.start()
        importlib.import_module("batch.report")

    supervisor = Isolated(
        work=functools.partial(work, options=options),
        crashed=_crashed,
        workers=workers,
        cleanup=functools.partial(_cleanup, options=options),
        meanwhile=meanwhile,
    )
    try:
        return supervisor.run(paths, lambda _path, _result: progress.advance(task))
    finally:
        progress.stop()


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
    if args.samenvatting is not None and args.samenvatting.suffix.lower() != ".xlsx":
        return (
            f"--samenvatting {shown(args.samenvatting)}: de samenvatting is een Excel-werkmap; "
            "geef een naam die op .xlsx eindigt."
        )
    for label, path in (("--json", args.json), ("--samenvatting", args.samenvatting)):
        if path is None:
            continue
        if os.path.exists(path) and not (os.path.isfile(path) or os.path.isdir(path)):
            # a device or pipe: the report is written beside it and renamed over it, which
            # would replace it (even /dev/null) instead of writing into it (a folder: the
            # write says so at the end, after the files are checked)
            return (
                f"{label} {shown(path)} is geen gewoon bestand (een apparaat of pijp); geef de "
                "naam van een bestand."
            )
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


def _writable_folder(folder: Path) -> str:
    """ "" when a file can be written in `folder` (made when missing), else why not (Dutch)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".jeugdhulp-proef-"):
            pass
    except OSError as exc:
        return os_reason(exc, folder)
    return ""


def controleer(args: argparse.Namespace, console: Console, errors: Console) -> int:
    started = dt.datetime.now()
    profile = load_profile(args.profiel)  # an unknown profile stops the run before any work
    for option, label in ((args.toewijzingen, "--toewijzingen"), (args.producten, "--producten")):
        if option is not None and not option.is_file():
            errors.print(f"[red]Fout:[/red] {label}: bestand {escape(str(option))} bestaat niet.")
            return EXIT_NIET_GECONTROLEERD
    if args.vervang and args.uitvoer:
        errors.print("[red]Fout:[/red] kies --vervang of --uitvoer, niet allebei.")
        return EXIT_NIET_GECONTROLEERD
    if args.uitvoer is not None and args.uitvoer.exists() and not args.uitvoer.is_dir():
        errors.print(
            f"[red]Fout:[/red] --uitvoer: {escape(str(args.uitvoer))} is een bestand, geen map."
        )
        return EXIT_NIET_GECONTROLEERD
    paths, missing = collect_paths(args.paden, recursief=args.recursief)
    notes = []
    skipped: list[Path] = []
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
    if not paths and not missing:
        for note in notes:
            console.print(f"[yellow]Let op:[/yellow] {escape(note)}", soft_wrap=True)
        errors.print("[red]Fout:[/red] geen werkmappen (.xlsx, .xlsm, .csv) gevonden.")
        return EXIT_NIET_GECONTROLEERD
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
        return EXIT_NIET_GECONTROLEERD
    # An output folder that cannot be written is said once, here; the files are still checked.
    unwritable = ""
    if options.schrijven and options.uitvoer is not None:
        reason = _writable_folder(options.uitvoer)
        if reason:
            unwritable = (
                f"--uitvoer: {reason} Er worden geen gecontroleerde werkmappen geschreven; "
                "de bestanden worden wel gecontroleerd."
            )
            notes.append(unwritable)
            options = dataclasses.replace(options, schrijven=False)
    for note in notes:
        console.print(f"[yellow]Let op:[/yellow] {escape(shown(note))}", soft_wrap=True)
    order = {path: i for i, path in enumerate(paths)}
    paths, refused = refuse_shared_targets(paths, options)
    workers = args.werkers or min(len(paths), available_cpus())
    checked = _run_all(paths, options, workers, console, args.stil)
    results = missing + sorted(checked + refused, key=lambda r: order[r.bestand])
    if unwritable:
        for result in results:
            if result.checked:
                result.niet_geschreven = unwritable

    from batch.console import print_results
    from batch.report import write_json, write_summary_workbook

    print_results(
        results,
        console,
        profiel=profile.naam,
        eerste=None if args.alle else CONSOLE_FINDINGS,
        uitgebreid=args.uitgebreid,
        rapporten=[p for p in (args.json, args.samenvatting) if p is not None],
        al_gemeld=unwritable,
    )
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
    statuses = [r.status for r in results]
    not_written = any(r.niet_geschreven for r in results)
    if args.samenvatting:
        code = run_exit_code(
            statuses, niet_geschreven=not_written or not reports_ok, niet_doorzocht=bool(skipped)
        )
        reports_ok &= _write_report(
            "Samenvatting",
            args.samenvatting,
            lambda: write_summary_workbook(
                args.samenvatting,
                results,
                profiel=profile.naam,
                started=started,
                afsluitcode=code,
                rapport=args.json,
            ),
            console,
            errors,
        )
    code = run_exit_code(
        statuses, niet_geschreven=not_written or not reports_ok, niet_doorzocht=bool(skipped)
    )
    console.print(f"Afsluitcode {code}: {EXIT_UITLEG[code]}.")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
