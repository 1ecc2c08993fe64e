"""What the reading itself found: cells without a value (PM023), and the findings of the other
checks made true to what was read (`met_leesinformatie`).

The reader (`batch.reader`, `jeugdhulp.cells`) lists in `TableInfo.onbekend` the cells whose
value the file does not give, and in `TableInfo.samengevoegd` the merged data ranges it filled
with their anchor's value; number columns say which texts were ambiguous
(`<naam>__dubbelzinnig`, see `jeugdhulp.parse`). PM023 reports the first kind. The other checks
see an unknown cell as empty (null), so `met_leesinformatie` replaces what they say about such a
cell by PM023's finding, points findings in a merged range at the range's anchor (where the
value is, and the mark is visible) and says the cell is merged, and makes PM022's message for an
ambiguous number say both readings.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from jeugdhulp.checks._base import Context, controle, no_results, results
from jeugdhulp.schema import FOUTWAARDE, GEEN_UITKOMST, HERBEREKENEN, TableInfo

__all__ = ["formule_zonder_uitkomst", "met_leesinformatie"]

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
    (#DEEL/0!, #N/B). Alleen kolommen die gecontroleerd worden tellen; een regel met alleen zulke
    formules (een sjabloonregel) is geen regel.

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
    headers = {naam: ctx.kop(naam) for naam in unknown.get_column("kolom").unique().to_list()}
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
    )
    waarde = pl.coalesce(pl.lit("=") + pl.col("formule"), pl.col("waarde"))
    return results(unknown.lazy(), kolom=pl.col("kolom"), waarde=waarde, melding=melding)


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
    findings = _beyond_bound(findings)
    return findings.select(columns)


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
    if not messages:
        return findings
    new = pl.DataFrame(
        {"_n": list(messages), "_melding": list(messages.values())},
        schema={"_n": pl.UInt32, "_melding": pl.String},
    )
    return (
        findings.with_row_index("_n")
        .join(new, on="_n", how="left")
        .with_columns(melding=pl.coalesce("_melding", "melding"))
        .drop("_n", "_melding")
    )


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
        pl.concat_str("letter", pl.col("_rij").cast(pl.String)).alias("cel")
    ).unique()
    other = findings.filter(pl.col("controle") != "PM023")
    kept = other.join(cells, on="cel", how="anti")
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
    flags = [name for name in frame.columns if name.endswith("__dubbelzinnig")]
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
