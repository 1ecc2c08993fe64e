"""What the reading itself found: cells without a value (PM023), and the findings of the other
checks made true to what was read (`met_leesinformatie`, `met_lijstinformatie`).

The reader (`batch.reader`, `jeugdhulp.cells`) lists in `TableInfo.onbekend` the cells whose
value the file does not give (of every table: production, allocations, products), and in
`TableInfo.samengevoegd` the merged data ranges it filled with their anchor's value; number
columns say which texts were ambiguous (`<naam>__dubbelzinnig`, see `jeugdhulp.parse`). PM023
reports the first kind. The other checks see an unknown cell as empty (null), so
`met_leesinformatie` replaces what they say about such a cell by PM023's finding, points
findings in a merged range at the range's anchor (where the value is, and the mark is visible)
and says the cell is merged, makes PM022's message for an ambiguous number say both readings
and PM001's for a number beyond any sane size say that. `met_lijstinformatie` does the same for
the unknown cells of the allocation and product lists (PM023 on their own sheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import polars as pl

from jeugdhulp.checks._base import Context, controle, no_results, results
from jeugdhulp.schema import FOUTWAARDE, GEEN_UITKOMST, HERBEREKENEN, SAMENGEVOEGD, TableInfo

__all__ = ["formule_zonder_uitkomst", "met_leesinformatie", "met_lijstinformatie"]

_OPENEN = "open het bestand in Excel en sla het op"


@controle(
    "PM023",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Formule zonder opgeslagen uitkomst (of met een foutwaarde)",
    bron="gezond verstand; excelize#157 (formules zonder uitkomst), XlsxWriter-documentatie",
)
def formule_zonder_uitkomst(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt elke cel van een regel waarvan het bestand de waarde niet geeft: een formule zonder
    opgeslagen uitkomst (geschreven door een programma dat niet rekent, zoals openpyxl), een
    formule waarvan de opgeslagen uitkomst 0 of leeg is terwijl de werkmap Excel vraagt alles
    bij het openen opnieuw te berekenen (zoals XlsxWriter doet), en een cel met een foutwaarde
    (#DEEL/0!, #N/B), ook in de toewijzingen en de productenlijst (daar staat de melding op hun
    eigen blad). Een matrixformule zonder uitkomst maakt elke cel van haar bereik onbekend. Een
    getal (Aantal, Bedrag, ...) in cellen die over meerdere regels zijn samengevoegd is één
    getal voor al die regels: het telt één keer mee, in de eerste regel, en is in de andere
    regels onbekend. Alleen kolommen die gecontroleerd worden tellen. Een regel waarvan BSN,
    code of periode zo'n formule is, is een regel met onbekende waarden; een regel met alleen
    een formule in Bedrag en verder niets (een sjabloonregel) is geen regel (de lezer meldt hoeveel
    zulke regels hij oversloeg).

    ## Waarom
    Zonder opgeslagen uitkomst is de waarde onbekend, niet leeg en niet 0: het bedrag telt niet
    mee in het gedeclareerde totaal en de controles die de waarde nodig hebben, kunnen die regel
    niet beoordelen. Excel rekent de formule pas uit bij het openen; daarna opslaan zet de
    uitkomst in het bestand. Afwijking van de andere controles: wat zij over zo'n cel zouden
    zeggen ("leeg") vervangt deze melding.

    ## Voorbeeld
    Bedrag `=H3*I3+1` zonder opgeslagen uitkomst geeft "Bedrag is een formule zonder opgeslagen
    uitkomst (=H3*I3+1): de waarde is onbekend en telt niet mee; open het bestand in Excel en
    sla het op".
    """
    unknown = ctx.productie.onbekend
    if unknown.height == 0:
        return no_results()
    return _pm023(unknown, {naam: ctx.kop(naam) for naam in unknown["kolom"].unique()})


def _pm023(unknown: pl.DataFrame, headers: dict[str, str]) -> pl.LazyFrame:
    """PM023's results for the unknown cells of a table (`TableInfo.onbekend`), `headers` the
    header of each canonical column."""
    header = pl.col("kolom").replace_strict(headers, return_dtype=pl.String)
    formula = (
        pl.when(pl.col("formule").is_not_null())
        .then(pl.format(" (={})", pl.col("formule")))
        .otherwise(pl.lit(""))
    )
    reden = pl.col("reden")
    melding = (
        pl.when(reden == GEEN_UITKOMST)
        .then(
            pl.format(
                "{} is een formule zonder opgeslagen uitkomst{}: de waarde is onbekend en telt "
                "niet mee; " + _OPENEN,
                header,
                formula,
            )
        )
        .when(reden == HERBEREKENEN)
        .then(
            pl.format(
                "{} is een formule{} met als opgeslagen uitkomst '{}', terwijl de werkmap vraagt "
                "alles opnieuw te berekenen (gemaakt door een programma dat niet rekent): de "
                "waarde is onbekend en telt niet mee; " + _OPENEN,
                header,
                formula,
                pl.col("waarde").fill_null(""),
            )
        )
        .when(reden == FOUTWAARDE)
        .then(
            pl.format(
                "{} bevat de foutwaarde {}{}: de waarde is onbekend en telt niet mee; herstel de "
                "formule of de invoer",
                header,
                pl.col("waarde").fill_null("(onbekend)"),
                formula,
            )
        )
        .when(reden == SAMENGEVOEGD)
        .then(
            pl.format(
                "{} valt in de samengevoegde cellen {}: één getal voor meerdere regels, dus de "
                "waarde van deze regel is onbekend (het getal telt één keer mee, in de eerste "
                "regel); geef elke regel een eigen waarde",
                header,
                pl.col("waarde").fill_null(""),
            )
        )
    )
    waarde = (
        pl.when(reden == SAMENGEVOEGD)
        .then(pl.lit(""))
        .otherwise(pl.coalesce(pl.lit("=") + pl.col("formule"), pl.col("waarde")))
    )
    return results(unknown.lazy(), kolom=pl.col("kolom"), waarde=waarde, melding=melding)


def met_lijstinformatie(
    findings: pl.DataFrame, lijsten: Sequence[tuple[str, TableInfo, str]]
) -> pl.DataFrame:
    """The findings of a file with PM023 for the unknown cells of its allocation list and
    product list (formulas without a saved result, error values), and without what other
    checks say about those cells (they see them as empty: an open end date, no budget).

    `lijsten`: (table name "toewijzingen" or "producten", the table, the sheet name its
    findings carry: for a list from its own file "bestand: blad"). `findings` and the result have the columns of
    `jeugdhulp.findings.FINDING_FIELDS`. The checks themselves must not read such a cell as
    empty either (`TableInfo.onbekend`): this only makes sure their word on the cell itself is
    PM023's.
    """
    from jeugdhulp.checks import CATALOGUE
    from jeugdhulp.columns import column

    check = next(c for c in CATALOGUE if c.id == "PM023")
    columns = findings.columns
    extra, cells = [], []
    for table, info, blad in lijsten:
        if info.onbekend.height == 0:
            continue
        headers = {
            naam: info.kolommen[naam].kop if naam in info.kolommen else column(table, naam).kop
            for naam in info.onbekend["kolom"].unique()
        }
        found = _pm023(info.onbekend, headers).collect()
        letters = info.onbekend.select("letter").to_series()
        extra.append(
            found.select(
                blad=pl.lit(blad),
                rij=pl.col("_rij"),
                kolom=pl.col("kolom").replace_strict(headers, return_dtype=pl.String),
                cel=pl.concat_str(letters, pl.col("_rij").cast(pl.String)),
                controle=pl.lit(check.id),
                ernst=pl.lit(check.ernst),
                retourcode=pl.lit(""),
                melding=pl.col("melding"),
                waarde=pl.col("waarde"),
            )
        )
        cells.append(
            info.onbekend.select(
                blad=pl.lit(blad),
                cel=pl.concat_str("letter", pl.col("_rij").cast(pl.String)),
            )
        )
    if not extra:
        return findings
    unknown = pl.concat(cells).unique()
    kept = findings.join(unknown, on=["blad", "cel"], how="anti")
    added = pl.concat(extra).select(columns).cast(findings.schema)  # type: ignore[arg-type]
    return pl.concat([kept, added])


def met_leesinformatie(findings: pl.DataFrame, productie: TableInfo) -> pl.DataFrame:
    """The findings of one production sheet, made true to what was read (module docstring).

    `findings` has the columns of `jeugdhulp.findings.FINDING_FIELDS` (as `run_checks` gives
    them); the result has the same columns and order.
    """
    if findings.height == 0:
        return findings
    columns = findings.columns
    findings = _without_unknown_cells(findings, productie)
    findings = _merged_to_anchor(findings, productie)
    findings = _ambiguous_numbers(findings, productie)
    findings = _ambiguous_dates(findings, productie)
    findings = _english_notation(findings)
    findings = _beyond_bound(findings)
    return findings.select(columns)


def _english_notation(findings: pl.DataFrame) -> pl.DataFrame:
    """PM022 on a number typed in English notation ("1,234.56") says so, not "decimal comma"."""
    from jeugdhulp.parse import OngeldigeInvoer, read_number

    lenient = (pl.col("controle") == "PM022") & pl.col("melding").str.contains(
        "is tekst met een decimale komma", literal=True
    )
    rows = findings.with_row_index("_n").filter(lenient)
    messages: dict[int, str] = {}
    for n, kolom, waarde in rows.select("_n", "kolom", "waarde").iter_rows():
        try:
            reading = read_number(waarde)
        except OngeldigeInvoer:
            continue
        if reading.notatie == "en":
            messages[n] = (
                f"{kolom} '{waarde}' is tekst in Engelse notatie (punt als decimaalteken, komma "
                f"tussen duizendtallen); gelezen als het getal {_plain(reading.waarde)}"
            )
    return _replace_messages(findings, messages)


def _replace_messages(findings: pl.DataFrame, messages: dict[int, str]) -> pl.DataFrame:
    """`findings` with the message of row n replaced by `messages[n]`."""
    if not messages:
        return findings
    numbered = findings.with_row_index("_n")
    new = pl.DataFrame(
        {"_n": list(messages), "_melding": list(messages.values())},
        schema={"_n": numbered.schema["_n"], "_melding": pl.String},
    )
    return (
        numbered.join(new, on="_n", how="left")
        .with_columns(melding=pl.coalesce("_melding", "melding"))
        .drop("_n", "_melding")
    )


def _beyond_bound(findings: pl.DataFrame) -> pl.DataFrame:
    """PM001 on a number beyond `GROOTSTE_GETAL` says so: it is a number, just not a sane one
    (1e20, a pasted account number), and it is left out of the checks' arithmetic."""
    from jeugdhulp.normalize import GROOTSTE_GETAL

    unreadable = (pl.col("controle") == "PM001") & pl.col("melding").str.contains(
        "is niet te lezen als getal", literal=True
    )
    rows = findings.with_row_index("_n").filter(unreadable)
    if rows.height == 0:
        return findings
    bound = _dutch_integer(Decimal(GROOTSTE_GETAL))
    messages: dict[int, str] = {}
    for n, kolom, waarde in rows.select("_n", "kolom", "waarde").iter_rows():
        number = _number_beyond(waarde, GROOTSTE_GETAL)
        if number is not None:
            messages[n] = (
                f"{kolom} {_dutch_integer(number)} is groter dan {bound}: geen getal om mee te "
                "rekenen; de cel is niet gecontroleerd (verbeter het getal)"
            )
    return _replace_messages(findings, messages)


def _number_beyond(text: str | None, bound: int) -> Decimal | None:
    """The number a cell text holds when it is one beyond `bound` ("1e+20" from a number cell,
    "10.000.000.000" typed), else None."""
    from jeugdhulp.parse import OngeldigeInvoer, read_number

    if not text:
        return None
    try:
        number = read_number(text).waarde
    except OngeldigeInvoer:
        try:
            number = Decimal(text.strip())
        except ArithmeticError:
            return None
    if not number.is_finite() or abs(number) <= bound:
        return None
    return number


def _dutch_integer(number: Decimal) -> str:
    """1000000000 -> "1.000.000.000" (whole numbers; decimals kept with a comma)."""
    whole, _, fraction = f"{number:f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    fraction = fraction.rstrip("0")
    return sign + grouped + ("," + fraction if fraction else "")


def _without_unknown_cells(findings: pl.DataFrame, productie: TableInfo) -> pl.DataFrame:
    """What other checks say about a cell whose value is unknown is replaced by PM023."""
    if productie.onbekend.height == 0:
        return findings
    cells = productie.onbekend.select(
        blad=pl.lit(productie.blad),
        cel=pl.concat_str("letter", pl.col("_rij").cast(pl.String)),
    ).unique()
    other = findings.filter(pl.col("controle") != "PM023")
    kept = other.join(cells, on=["blad", "cel"], how="anti")
    return pl.concat([kept, findings.filter(pl.col("controle") == "PM023")]).sort(
        ["rij", "controle", "cel", "melding"]
    )


def _merged_cells(productie: TableInfo) -> pl.DataFrame:
    """Per cell of a filled merged range: `cel`, its `anker` and the range (`bereik`)."""
    from jeugdhulp.cells import column_index
    from jeugdhulp.findings import column_letter

    rows: list[tuple[str, str, str]] = []
    for bereik in productie.samengevoegd:
        first, _, last = bereik.partition(":")
        c1, r1 = _split(first)
        c2, r2 = _split(last or first)
        anchor = f"{c1}{r1}"
        for col in range(column_index(c1), column_index(c2) + 1):
            letter = column_letter(col)
            rows += [(f"{letter}{row}", anchor, bereik) for row in range(r1, r2 + 1)]
    return pl.DataFrame(rows, schema=["cel", "anker", "bereik"], orient="row").unique("cel")


def _split(ref: str) -> tuple[str, int]:
    letters = ref.rstrip("0123456789")
    return letters, int(ref[len(letters) :])


def _merged_to_anchor(findings: pl.DataFrame, productie: TableInfo) -> pl.DataFrame:
    """A finding on a cell of a merged range points at the anchor and says it is merged."""
    if not productie.samengevoegd:
        return findings
    merged = _merged_cells(productie)
    joined = findings.join(merged, on="cel", how="left")
    note = (
        pl.when(pl.col("anker").is_null())
        .then(pl.lit(""))
        .when(pl.col("anker") == pl.col("cel"))
        .then(pl.format(" (samengevoegde cellen {})", pl.col("bereik")))
        .otherwise(
            pl.format(
                " (cel {} valt in de samengevoegde cellen {}; de waarde staat in {})",
                pl.col("cel"),
                pl.col("bereik"),
                pl.col("anker"),
            )
        )
    )
    return joined.with_columns(
        melding=pl.col("melding") + note, cel=pl.coalesce("anker", "cel")
    ).drop("anker", "bereik")


def _ambiguous_numbers(findings: pl.DataFrame, productie: TableInfo) -> pl.DataFrame:
    """PM022 on a number read the Dutch way while it also has an English reading says both."""
    frame = productie.frame
    flags = [
        name
        for name in frame.columns
        if name.endswith("__dubbelzinnig")
        and isinstance(frame.schema[name.removesuffix("__dubbelzinnig")], pl.Decimal)
    ]
    if not flags or not any(frame.get_column(name).any() for name in flags):
        return findings
    headers = {naam: info.kop for naam, info in productie.kolommen.items()}
    parts = []
    for flag in flags:
        naam = flag.removesuffix("__dubbelzinnig")
        rows = frame.filter(pl.col(flag))
        if rows.height == 0:
            continue
        kolom = (
            pl.col("_aantal_kolom").replace_strict(headers, default=None, return_dtype=pl.String)
            if naam == "aantal"
            else pl.lit(headers.get(naam), dtype=pl.String)
        )
        parts.append(
            rows.select(
                pl.col("_rij").alias("rij"),
                kolom.alias("kolom"),
                pl.col(f"{naam}__tekst").alias("_tekst"),
                pl.col(naam).cast(pl.String).alias("_waarde"),
            )
        )
    ambiguous = pl.concat(parts).filter(pl.col("kolom").is_not_null())
    rewritten = [
        (rij, kolom, _ambiguous_message(kolom, tekst, waarde))
        for rij, kolom, tekst, waarde in ambiguous.iter_rows()
    ]
    if not rewritten:
        return findings
    messages = pl.DataFrame(
        rewritten, schema={"rij": pl.Int64, "kolom": pl.String, "_melding": pl.String}, orient="row"
    ).with_columns(controle=pl.lit("PM022"))
    return (
        findings.join(messages, on=["rij", "kolom", "controle"], how="left")
        .with_columns(melding=pl.coalesce("_melding", "melding"))
        .drop("_melding")
    )


def _ambiguous_dates(findings: pl.DataFrame, productie: TableInfo) -> pl.DataFrame:
    """PM022 on a date typed d/m/yyyy whose day and month could swap ("5/6/2005") says both
    readings and which one was taken (see `jeugdhulp.normalize._date_ambiguity`)."""
    frame = productie.frame
    flags = [
        name
        for name in frame.columns
        if name.endswith("__dubbelzinnig")
        and frame.schema[name.removesuffix("__dubbelzinnig")] == pl.Date
        and frame.get_column(name).any()
    ]
    if not flags:
        return findings
    rows = []
    for flag in flags:
        naam = flag.removesuffix("__dubbelzinnig")
        kop = productie.kolommen[naam].kop if naam in productie.kolommen else naam
        for rij, tekst, waarde in (
            frame.filter(pl.col(flag)).select("_rij", f"{naam}__tekst", naam).iter_rows()
        ):
            rows.append((rij, kop, _ambiguous_date_message(kop, tekst, waarde)))
    messages = pl.DataFrame(
        rows, schema={"rij": pl.Int64, "kolom": pl.String, "_melding": pl.String}, orient="row"
    ).with_columns(controle=pl.lit("PM022"))
    return (
        findings.join(messages, on=["rij", "kolom", "controle"], how="left")
        .with_columns(melding=pl.coalesce("_melding", "melding"))
        .drop("_melding")
    )


def _ambiguous_date_message(kop: str, tekst: str, waarde: object) -> str:
    import datetime as dt

    first, second, year = (int(part) for part in tekst.strip().split("/"))
    dutch = dt.date(year, second, first)
    american = dt.date(year, first, second)
    if waarde == american:
        return (
            f"{kop} '{tekst.strip()}' is gelezen als {american:%d-%m-%Y} (maand/dag/jaar, zoals "
            f"elders in deze tabel); is {dutch:%d-%m-%Y} bedoeld, typ dan {dutch:%d-%m-%Y}"
        )
    return (
        f"{kop} '{tekst.strip()}' is dubbelzinnig en gelezen als {dutch:%d-%m-%Y} "
        f"(dag/maand/jaar, zoals in het Nederlands); is {american:%d-%m-%Y} bedoeld, typ dan "
        f"{american:%d-%m-%Y}"
    )


def _ambiguous_message(kop: str, tekst: str, waarde: str | None = None) -> str:
    """Both readings of an ambiguous number text ("1.200", "1,200") and which one was taken
    (`waarde`): the Dutch one, or the English one where the table shows that convention."""
    from decimal import Decimal

    from jeugdhulp.parse import number_text, read_number

    text = number_text(tekst)
    dutch = read_number(text).waarde
    # One separator followed by three digits: the English reading is a thousand times smaller
    # ("1.200": 1,2) or larger ("1,200": 1200) than the Dutch one.
    dot = "." in text
    english = dutch / 1000 if dot else dutch * 1000
    four = Decimal("0.0001")
    if waarde is not None and Decimal(waarde) == english.quantize(four) != dutch.quantize(four):
        how = "de punt als decimaalteken" if dot else "de komma als scheiding van duizendtallen"
        return (
            f"{kop} '{tekst}' is dubbelzinnig en gelezen als {_plain(english)} ({how}, zoals "
            f"elders in deze tabel); is {_plain(dutch)} bedoeld, typ dan {_plain(dutch)}"
        )
    how = "de punt als scheiding van duizendtallen" if dot else "de komma als decimaalteken"
    return (
        f"{kop} '{tekst}' is dubbelzinnig en gelezen als {_plain(dutch)} ({how}, zoals in het "
        f"Nederlands); is {_plain(english)} bedoeld, typ dan {_plain(english)}"
    )


def _plain(value: object) -> str:
    """A number without thousands separators, with a decimal comma: 1200, 1,2."""
    from decimal import Decimal

    number = Decimal(str(value)).normalize()
    text = f"{number:f}"
    return text.replace(".", ",")
