"""The verdict of a run on the terminal (`jeugdhulp controleer`).

Per file: the verdict with its counts, the declared amount, what was read, which checks ran and
why others did not, the counts per check and the first findings (fouten first); with
`uitgebreid` also the column mapping, the reader's notes and the source files, with `alle`
every finding. Then one table over all files with their totals. Everything folds to the width
of the terminal (readable at 80 columns): long texts wrap, nothing is cut off with "…".
BSNs are masked (the reports on disk have them whole).

The findings stay a polars frame: the console takes the counts per check from a group-by and
only the first `CONSOLE_FINDINGS` rows as Python values (every row only with `alle`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import polars as pl
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from batch.files import shown
from batch.report import aantal, column_mapping, mask_bsn, sheet_reference
from batch.run import FileResult, total_amount
from jeugdhulp.parse import euro_tekst as euro
from jeugdhulp.verdict import FOUTEN, GEEN_REGELS, NIET_GECONTROLEERD, ONVOLLEDIG, SCHOON

#: The width the file column of the summary table keeps at least; where the amounts would leave
#: less, the table leaves them out (they are in each file's block).
FILE_COLUMN = 30
#: Colour of each status.
STATUS_STYLE = {
    SCHOON: "green",
    FOUTEN: "red",
    ONVOLLEDIG: "yellow",
    GEEN_REGELS: "yellow",
    NIET_GECONTROLEERD: "red",
}
#: What the rows of each table are called, one and more.
_TABLE_NAMES = {
    "productie": ("regel", "regels"),
    "toewijzingen": ("toewijzing", "toewijzingen"),
    "producten": ("product", "producten"),
}


def meervoud(n: int, een: str, meer: str) -> str:
    """ "1 fout", "13 fouten".

    >>> meervoud(1, "fout", "fouten"), meervoud(0, "fout", "fouten")
    ('1 fout', '0 fouten')
    """
    return f"{aantal(n)} {een if n == 1 else meer}"


def status_text(status: str) -> str:
    style = STATUS_STYLE.get(status, "")
    return f"[{style}]{escape(status)}[/{style}]" if style else escape(status)


def print_results(
    results: Sequence[FileResult],
    console: Console,
    *,
    profiel: str,
    eerste: int | None = 10,
    uitgebreid: bool = False,
    rapporten: Sequence[Path] = (),
    al_gemeld: str = "",
) -> None:
    """Every file's block, then the table over all files.

    `eerste`: findings shown per file (None: all); `rapporten`: the report files asked for
    (--json, --samenvatting), named where the findings not shown can be found; `al_gemeld`: a
    reason for not writing that the run already said once (not repeated per file).
    """
    for result in results:
        print_file(
            result,
            console,
            eerste=eerste,
            uitgebreid=uitgebreid,
            rapporten=rapporten,
            al_gemeld=al_gemeld,
        )
    console.print()
    print_table(results, console, profiel)


def print_file(
    result: FileResult,
    console: Console,
    *,
    eerste: int | None = 10,
    uitgebreid: bool = False,
    rapporten: Sequence[Path] = (),
    al_gemeld: str = "",
) -> None:
    """One file's block: verdict, what was read and checked, counts per check, findings."""
    console.print()
    console.print(f"[bold]{escape(shown(result.bestand))}[/bold]", overflow="fold")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    if not result.checked:
        grid.add_row("[red]Niet gecontroleerd:[/red]", escape(mask_bsn(shown(result.melding))))
        _add_sources(grid, result, uitgebreid)
        console.print(Padding(grid, (0, 0, 0, 2)))
        return
    counts = ", ".join(
        (
            meervoud(result.fouten, "fout", "fouten"),
            meervoud(result.waarschuwingen, "waarschuwing", "waarschuwingen"),
        )
    )
    grid.add_row(
        "Status",
        f"{status_text(result.status)}: {counts} in {meervoud(result.rijen, 'regel', 'regels')}",
    )
    if result.bedrag_gedeclareerd is None:
        amount = "gedeclareerd bedrag onbekend (geen kolom Bedrag)"
    else:
        amount = f"{euro(result.bedrag_gedeclareerd)} gedeclareerd"
    if result.bedrag_met_fout:
        amount += f", waarvan {euro(result.bedrag_met_fout)} op regels met een fout"
    if result.bedragen_onbekend:
        amount += (
            f" (plus {meervoud(result.bedragen_onbekend, 'onbekend bedrag', 'onbekende bedragen')})"
        )
    grid.add_row("Bedrag", amount)
    grid.add_row("Gelezen", escape(_read_summary(result)))
    grid.add_row("Controles", escape(_checks_summary(result)))
    if result.onvolledig:
        grid.add_row("[yellow]Onvolledig[/yellow]", escape("\n".join(result.onvolledig)))
    for melding in result.meldingen:
        grid.add_row("Let op", escape(mask_bsn(shown(melding))))
    if uitgebreid:
        _add_details(grid, result)
    if result.niet_geschreven and result.niet_geschreven != al_gemeld:
        grid.add_row("[red]Niet geschreven[/red]", escape(mask_bsn(shown(result.niet_geschreven))))
    elif result.melding and result.melding != result.niet_geschreven:
        grid.add_row("[yellow]Let op[/yellow]", escape(mask_bsn(shown(result.melding))))
    if result.uitvoer is not None:
        grid.add_row("Geschreven", escape(shown(result.uitvoer)))
    console.print(Padding(grid, (0, 0, 0, 2)))
    findings = result.bevindingen
    if findings.height == 0:
        console.print("  Geen bevindingen.")
        return
    console.print("  [bold]Per controle[/bold]")
    console.print(Padding(_per_check_table(findings), (0, 0, 0, 4)))
    shown_rows = findings if eerste is None else _first_findings(findings, eerste)
    if shown_rows.height == findings.height:
        title = f"{meervoud(findings.height, 'bevinding', 'bevindingen')}"
    else:
        title = (
            f"Eerste {shown_rows.height} van {aantal(findings.height)} bevindingen (fouten eerst)"
        )
    console.print(f"  [bold]{title}[/bold]")
    if eerste is None:
        _print_every_finding(findings, console)
    else:
        console.print(Padding(_findings_table(shown_rows), (0, 0, 0, 4)))
    rest = findings.height - shown_rows.height
    if rest:
        console.print(Padding(escape(_where_the_rest_is(result, rest, rapporten)), (0, 0, 0, 2)))


#: Findings per chunk of `--alle` output.
_CHUNK = 5_000


def _print_every_finding(findings: pl.DataFrame, console: Console) -> None:
    """--alle: every finding as plain lines in the columns of `_findings_table` (ernst, check,
    cell, melding folded under itself), without a rich table per row: a hundred thousand
    findings print in seconds, and the lines can be searched (grep) as they are."""
    refs = findings.select(
        pl.when(pl.col("blad").str.contains(r"^[A-Za-z_][A-Za-z0-9_.]*$"))
        .then(pl.concat_str(pl.col("blad"), pl.lit("!"), pl.col("cel")))
        .otherwise(
            pl.concat_str(
                pl.lit("'"),
                pl.col("blad").str.replace_all("'", "''", literal=True),
                pl.lit("'!"),
                pl.col("cel"),
            )
        )
        .alias("ref")
    ).to_series()
    ernst_width = int(findings.get_column("ernst").str.len_chars().max() or 4)
    ref_width = min(int(refs.str.len_chars().max() or 2), 30)
    indent = 4 + ernst_width + 2 + 5 + 2 + ref_width + 2
    width = max(20, console.width - indent)
    out = console.file
    frame = findings.select("ernst", "controle", "melding").with_columns(ref=refs)
    for chunk in frame.iter_slices(_CHUNK):
        lines = []
        for ernst, controle, melding, ref in chunk.iter_rows():
            head = f"    {ernst:<{ernst_width}}  {controle:<5}  "
            if len(ref) > ref_width:  # a long sheet name gets its own line
                lines.append(head + ref)
                head = " " * len(head) + " " * (ref_width + 2)
            else:
                head += f"{ref:<{ref_width}}  "
            wrapped = textwrap.wrap(mask_bsn(melding or ""), width) or [""]
            lines.append(head + wrapped[0])
            lines += [" " * indent + line for line in wrapped[1:]]
        out.write("\n".join(lines) + "\n")
    out.flush()


def _first_findings(findings: pl.DataFrame, n: int) -> pl.DataFrame:
    """The first `n` findings, fouten before waarschuwingen, each in sheet order."""
    return findings.sort(pl.col("ernst") != "fout", maintain_order=True).head(n)


def _where_the_rest_is(result: FileResult, rest: int, rapporten: Sequence[Path]) -> str:
    places = []
    if result.uitvoer is not None:
        places.append(f"op het blad Controle van {shown(result.uitvoer.name)}")
    places += [f"in {shown(path)}" for path in rapporten]
    where = (
        ", ".join(places[:-1])
        + (" en " if len(places) > 1 else "")
        + (places[-1] if places else "")
    )
    text = f"Nog {meervoud(rest, 'bevinding', 'bevindingen')}"
    if where:
        text += f": alle bevindingen staan {where}"
    if not where:
        return text + "; toon ze hier met --alle, of schrijf ze met --json."
    return text + "; toon ze hier met --alle."


def _per_check_table(findings: pl.DataFrame) -> Table:
    from jeugdhulp.checks import CATALOGUE

    titles = {check.id: check.titel for check in CATALOGUE}
    counts = (
        findings.group_by("controle", "ernst")
        .agg(pl.len().alias("aantal"))
        .sort("controle", pl.col("ernst") != "fout")
    )
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(overflow="fold")
    for controle, ernst, n in counts.iter_rows():
        colour = "red" if ernst == "fout" else "yellow"
        table.add_row(
            escape(controle),
            f"[{colour}]{ernst}[/{colour}]",
            aantal(n),
            escape(titles.get(controle, "")),
        )
    return table


def _findings_table(rows: pl.DataFrame) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold", max_width=30)
    table.add_column(overflow="fold", ratio=1)
    for blad, cel, controle, ernst, melding in rows.select(
        "blad", "cel", "controle", "ernst", "melding"
    ).iter_rows():
        colour = "red" if ernst == "fout" else "yellow"
        table.add_row(
            f"[{colour}]{ernst}[/{colour}]",
            escape(controle),
            escape(sheet_reference(blad, cel)),
            escape(mask_bsn(melding or "")),
        )
    return table


def _read_summary(result: FileResult) -> str:
    """'Productie': 80 regels; 'Toewijzingen': 11 toewijzingen; ... overgeslagen: 'Oud'."""
    read, skipped = [], []
    for blad in result.gelezen:
        where = f"'{blad.blad}'"
        if blad.bestand != shown(result.bestand.name):
            where += f" in {blad.bestand}"
        if blad.rol in _TABLE_NAMES:
            read.append(f"{where}: {meervoud(blad.rijen, *_TABLE_NAMES[blad.rol])}")
        else:
            skipped.append(f"{where} ({blad.reden})" if blad.reden else where)
    text = "; ".join(read) or "niets"
    if skipped:
        text += ". Overgeslagen: " + "; ".join(skipped)
    return shown(text)


def _checks_summary(result: FileResult) -> str:
    """26 van 31 uitgevoerd; 5 niet (zie Onvolledig); uitgeschakeld in regioprofiel ...: ..."""
    from jeugdhulp.verdict import is_keuze

    ran = len(result.gecontroleerd)
    total = ran + len(result.overgeslagen)
    text = f"{ran} van {total} uitgevoerd"
    gaps = [check for check, reden in result.overgeslagen if not is_keuze(reden)]
    if gaps:
        text += f"; {len(gaps)} niet uitgevoerd (zie Onvolledig)"
    choices: dict[str, list[str]] = {}
    for check, reden in result.overgeslagen:
        if is_keuze(reden):
            choices.setdefault(reden, []).append(check)
    text += "".join(f"; {reden}: {', '.join(checks)}" for reden, checks in choices.items())
    return text


def _add_details(grid: Table, result: FileResult) -> None:
    """--uitgebreid: per sheet the column mapping and the reader's notes, the checks one by
    one, the source files."""
    for blad in result.gelezen:
        lines = [f"{blad.rol}" + (f" ({blad.reden})" if blad.reden else "")]
        if blad.rol in _TABLE_NAMES:
            header = f"kopregel {blad.kopregel}" if blad.kopregel else ""
            if blad.koprijen > 1:
                header += f" ({blad.koprijen} rijen)"
            lines.append(f"{meervoud(blad.rijen, *_TABLE_NAMES[blad.rol])}, {header}".rstrip(", "))
            lines.append(f"kolommen: {column_mapping(blad.kolommen)}")
        lines += blad.meldingen
        if blad.onbekend:
            first = ", ".join(blad.onbekend[:20])
            more = f" en {aantal(len(blad.onbekend) - 20)} meer" if len(blad.onbekend) > 20 else ""
            lines.append(f"zonder bekende waarde: {first}{more}")
        if blad.samengevoegd:
            lines.append("samengevoegd: " + ", ".join(blad.samengevoegd))
        if blad.dubbelzinnig:
            lines.append(
                f"{meervoud(blad.dubbelzinnig, 'getal', 'getallen')} op de Nederlandse manier "
                "gelezen terwijl ook een Engelse lezing kan (PM022)"
            )
        label = f"Blad '{blad.blad}'"
        if blad.bestand != shown(result.bestand.name):
            label += f" ({blad.bestand})"
        grid.add_row(escape(shown(label)), escape(mask_bsn(shown("\n".join(lines)))))
    grid.add_row("Uitgevoerd", ", ".join(result.gecontroleerd) or "geen")
    if result.overgeslagen:
        grid.add_row(
            "Niet uitgevoerd",
            escape("\n".join(f"{check}: {reden}" for check, reden in result.overgeslagen)),
        )
    _add_sources(grid, result, True)


def _add_sources(grid: Table, result: FileResult, uitgebreid: bool) -> None:
    if not uitgebreid:
        return
    for bron in result.bronnen:
        grid.add_row(
            f"Bron ({bron.rol})",
            escape(
                f"{shown(bron.pad)}\n{aantal(bron.grootte)} bytes, gewijzigd "
                f"{bron.gewijzigd:%d-%m-%Y %H:%M:%S}\nSHA-256 {bron.sha256}"
            ),
        )


def print_table(results: Sequence[FileResult], console: Console, profiel: str) -> None:
    """One row per file (status and counts) with a Totaal row; the amounts only where the
    terminal is wide enough (they are in each file's block)."""
    checked = [r for r in results if r.checked]
    declared = total_amount(r.bedrag_gedeclareerd for r in checked)
    wrong = total_amount(r.bedrag_met_fout for r in checked)
    # the columns besides Bestand: their widest text plus 3 for padding and rule each
    money = max(len(euro_of(declared)), len("Gedeclareerd"))
    others = len("niet gecontroleerd") + 2 * len(aantal(sum(r.rijen for r in checked))) + 14
    narrow = console.width < FILE_COLUMN + others + 2 * money + 7 * 3
    table = Table(
        title=f"Samenvatting (profiel {escape(profiel)})",
        box=box.SIMPLE_HEAD,
        show_footer=len(results) > 1,
        title_justify="left",
    )
    table.add_column("Bestand", overflow="fold", footer=f"Totaal ({aantal(len(results))})")
    table.add_column("Status", overflow="fold", min_width=8)
    for header, values in (
        ("Regels", [r.rijen for r in checked]),
        ("Fouten", [r.fouten for r in checked]),
        ("Waarsch." if narrow else "Waarschuwingen", [r.waarschuwingen for r in checked]),
    ):
        table.add_column(header, justify="right", no_wrap=True, footer=aantal(sum(values)))
    if not narrow:
        table.add_column(
            "Gedeclareerd",
            justify="right",
            no_wrap=True,
            footer=euro_of(declared),
        )
        table.add_column(
            "Met fout",
            justify="right",
            no_wrap=True,
            footer=euro_of(wrong),
        )
    for r in results:
        if r.checked:
            cells = [
                aantal(r.rijen),
                f"[red]{aantal(r.fouten)}[/red]" if r.fouten else "0",
                aantal(r.waarschuwingen),
            ]
            if not narrow:
                cells += [euro_of(r.bedrag_gedeclareerd), euro_of(r.bedrag_met_fout)]
        else:  # blank, not 0: nothing was counted
            cells = [""] * (3 if narrow else 5)
        table.add_row(escape(shown(r.bestand)), status_text(r.status), *cells)
    console.print(table)
    if narrow and checked:
        console.print(
            f"Totaal gedeclareerd {euro_of(declared)}, waarvan {euro_of(wrong)} op regels met een fout."
        )


def euro_of(amount: Decimal | None) -> str:
    """An amount as "€ 1.234,56", or "onbekend" (no Bedrag column: never € 0,00)."""
    return "onbekend" if amount is None else euro(amount)
