"""What the reading itself found: cells without a value (PM023), and the findings of the other
checks made true to what was read (`leesinformatie`, applied by `run_checks`).

The reader (`batch.reader`, `jeugdhulp.cells`) lists in `TableInfo.onbekend` the cells whose
value the file does not give, and in `TableInfo.samengevoegd` the merged data ranges it filled
with their anchor's value. PM023 reports the first kind, on every sheet read (production,
allocations, products). The other checks see an unknown cell as empty (null); `leesinformatie`
replaces what they say about such a cell by PM023's finding, and points findings in a merged
range at the range's anchor (where the value is, and the mark is visible) and says the cell is
merged. The checks that add up (PM011, PM012) say themselves when a sum holds an unknown value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import polars as pl

from jeugdhulp.checks._base import Context, controle, no_results, results
from jeugdhulp.schema import FOUTWAARDE, GEEN_UITKOMST, HERBEREKENEN, SAMENGEVOEGD, TableInfo

__all__ = ["formule_zonder_uitkomst", "leesinformatie"]

_OPENEN = "open het bestand in Excel en sla het op"


@controle(
    "PM023",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Formule zonder opgeslagen uitkomst (of met een foutwaarde)",
    ook=("toewijzingen", "producten"),
    bron="gezond verstand; excelize#157 (formules zonder uitkomst), XlsxWriter-documentatie",
    herstel=(
        "Open het bestand in Excel, zodat de formules worden uitgerekend, sla het op en "
        "controleer opnieuw. Verbeter een cel met een foutwaarde (#DEEL/0!, #N/B)."
    ),
)
def formule_zonder_uitkomst(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt elke cel van een regel waarvan het bestand de waarde niet geeft: een formule zonder
    opgeslagen uitkomst (geschreven door een programma dat niet rekent, zoals openpyxl), een
    formule waarvan de opgeslagen uitkomst 0 of leeg is terwijl de werkmap Excel vraagt alles
    bij het openen opnieuw te berekenen (zoals XlsxWriter doet), en een cel met een foutwaarde
    (#DEEL/0!, #N/B). Alleen kolommen die gecontroleerd worden tellen; een regel met alleen zulke
    formules (een sjabloonregel) is geen regel. Op elk gelezen blad: productie, Toewijzingen en
    Producten (bij een gedeelde lijst alleen de regels voor deze werkmap).

    ## Waarom
    Zonder opgeslagen uitkomst is de waarde onbekend, niet leeg en niet 0: het bedrag telt niet
    mee in het gedeclareerde totaal en de controles die de waarde nodig hebben, kunnen die regel
    niet beoordelen. Excel rekent de formule pas uit bij het openen; daarna opslaan zet de
    uitkomst in het bestand. Afwijking van de andere controles: wat zij over zo'n cel zouden
    zeggen ("leeg") vervangt deze melding; PM011 en PM012 zeggen er zelf bij dat hun totaal
    zonder die waarde getoetst is.

    ## Voorbeeld
    Bedrag `=H3*I3+1` zonder opgeslagen uitkomst geeft "Bedrag is een formule zonder opgeslagen
    uitkomst (=H3*I3+1): de waarde is onbekend en telt niet mee; open het bestand in Excel en
    sla het op".
    """
    frames = [_unknown(ctx.productie.onbekend.lazy(), ctx.kop, None)]
    if ctx.toewijzingen is not None and ctx.toewijzingen.onbekend.height:
        info = ctx.toewijzingen
        rows = ctx.in_scope(info.frame.lazy().select("_rij", "bsn")).select("_rij")
        cells = info.onbekend.lazy().join(rows, on="_rij", how="semi")
        frames.append(_unknown(cells, _header_of(info), "toewijzingen"))
    if ctx.producten_blad is not None and ctx.producten_blad.onbekend.height:
        info = ctx.producten_blad
        rows = ctx.products_in_scope(info.frame.lazy().select("_rij", "productcode"))
        cells = info.onbekend.lazy().join(rows.select("_rij"), on="_rij", how="semi")
        frames.append(_unknown(cells, _header_of(info), "producten"))
    return pl.concat(frames)


def _header_of(info: TableInfo) -> Callable[[str], str]:
    return lambda naam: info.kolommen[naam].kop if naam in info.kolommen else naam


def _unknown(cells: pl.LazyFrame, kop: Callable[[str], str], tabel: str | None) -> pl.LazyFrame:
    """PM023's findings on the unknown cells of one table (`ONBEKEND` rows)."""
    names = cells.select(pl.col("kolom").unique()).collect().to_series().to_list()
    if not names:
        return no_results()
    header = pl.col("kolom").replace_strict({n: kop(n) for n in names}, return_dtype=pl.String)
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
    return results(cells, kolom=pl.col("kolom"), waarde=waarde, melding=melding, tabel=tabel)


def leesinformatie(findings: pl.DataFrame, tables: Sequence[TableInfo]) -> pl.DataFrame:
    """Located findings (`blad`, `cel`, ..., as `run_checks` builds them) made true to what
    was read from `tables` (every sheet read): what another check says about a cell whose
    value is unknown is replaced by PM023's finding on it, and a finding on a cell of a filled
    merged range points at the range's anchor and says the cell is merged. Same columns."""
    if findings.height == 0:
        return findings
    columns = findings.columns
    findings = _without_unknown_cells(findings, tables)
    findings = _merged_to_anchor(findings, tables)
    findings = _ambiguous_dates(findings, tables)
    findings = _english_notation(findings)
    findings = _beyond_bound(findings)
    return findings.select(columns)


def _without_unknown_cells(findings: pl.DataFrame, tables: Sequence[TableInfo]) -> pl.DataFrame:
    """What other checks say about a cell whose value is unknown is replaced by PM023."""
    parts = [
        t.onbekend.select(
            pl.lit(t.blad).alias("blad"),
            pl.concat_str("letter", pl.col("_rij").cast(pl.String)).alias("cel"),
        )
        for t in tables
        if t.onbekend.height
    ]
    if not parts:
        return findings
    cells = pl.concat(parts).unique()
    other = findings.filter(pl.col("controle") != "PM023")
    kept = other.join(cells, on=["blad", "cel"], how="anti")
    return pl.concat([kept, findings.filter(pl.col("controle") == "PM023")])


def _merged_cells(tables: Sequence[TableInfo]) -> pl.DataFrame:
    """Per cell of a filled merged range: `blad`, `cel`, its `anker` and the range (`bereik`)."""
    from jeugdhulp.cells import column_index
    from jeugdhulp.findings import column_letter

    rows: list[tuple[str, str, str, str]] = []
    for table in tables:
        for bereik in table.samengevoegd:
            first, _, last = bereik.partition(":")
            c1, r1 = _split(first)
            c2, r2 = _split(last or first)
            anchor = f"{c1}{r1}"
            for col in range(column_index(c1), column_index(c2) + 1):
                letter = column_letter(col)
                rows += [
                    (table.blad, f"{letter}{row}", anchor, bereik) for row in range(r1, r2 + 1)
                ]
    schema = ["blad", "cel", "anker", "bereik"]
    return pl.DataFrame(rows, schema=schema, orient="row").unique(["blad", "cel"])


def _split(ref: str) -> tuple[str, int]:
    letters = ref.rstrip("0123456789")
    return letters, int(ref[len(letters) :])


def _merged_to_anchor(findings: pl.DataFrame, tables: Sequence[TableInfo]) -> pl.DataFrame:
    """A finding on a cell of a merged range points at the anchor and says it is merged."""
    if not any(t.samengevoegd for t in tables):
        return findings
    merged = _merged_cells(tables)
    joined = findings.join(merged, on=["blad", "cel"], how="left")
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


def _english_notation(findings: pl.DataFrame) -> pl.DataFrame:
    """PM022 on a number typed in English notation ("1,234.56") says so, not "decimal comma"."""
    from jeugdhulp.checks.invoer import _plain
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


def _ambiguous_dates(findings: pl.DataFrame, tables: Sequence[TableInfo]) -> pl.DataFrame:
    """PM022 on a date typed d/m/yyyy whose day and month could swap ("5/6/2005") says both
    readings and which one was taken (see `jeugdhulp.normalize._date_ambiguity`)."""
    rows = []
    for table in tables:
        frame = table.frame
        flags = [
            name
            for name in frame.columns
            if name.endswith("__dubbelzinnig")
            and frame.schema.get(name.removesuffix("__dubbelzinnig")) == pl.Date
            and f"{name.removesuffix('__dubbelzinnig')}__tekst" in frame.columns
            and frame.get_column(name).any()
        ]
        for flag in flags:
            naam = flag.removesuffix("__dubbelzinnig")
            kop = table.kolommen[naam].kop if naam in table.kolommen else naam
            for rij, tekst, waarde in (
                frame.filter(pl.col(flag)).select("_rij", f"{naam}__tekst", naam).iter_rows()
            ):
                rows.append((table.blad, rij, kop, _ambiguous_date_message(kop, tekst, waarde)))
    if not rows:
        return findings
    messages = (
        pl.DataFrame(
            rows,
            schema={"blad": pl.String, "rij": pl.Int64, "kolom": pl.String, "_melding": pl.String},
            orient="row",
        )
        .unique(["blad", "rij", "kolom"])
        .with_columns(controle=pl.lit("PM022"))
    )
    return (
        findings.join(
            messages.cast({"rij": findings.schema["rij"]}),  # type: ignore[dict-item]
            on=["blad", "rij", "kolom", "controle"],
            how="left",
        )
        .with_columns(melding=pl.coalesce("_melding", "melding"))
        .drop("_melding")
    )


def _ambiguous_date_message(kop: str, tekst: str, waarde: object) -> str:
    import datetime as dt

    def reading(day: int, month: int, year: int) -> dt.date | None:
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None

    try:
        first, second, year = (int(part) for part in tekst.strip().split("/"))
    except ValueError:
        return f"{kop} '{tekst.strip()}' is een datum als tekst; gelezen als {waarde}"
    dutch, american = reading(first, second, year), reading(second, first, year)
    if dutch is None or american is None:  # one reading only: say which was taken
        taken = american if dutch is None else dutch
        order = "maand/dag/jaar" if dutch is None else "dag/maand/jaar"
        shown = f"{taken:%d-%m-%Y}" if taken is not None else str(waarde)
        return (
            f"{kop} '{tekst.strip()}' is een datum als tekst in de volgorde {order}; gelezen "
            f"als {shown} (typ datums als dd-mm-jjjj)"
        )
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
