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

import polars as pl

from jeugdhulp.checks._base import Context, controle, no_results, results
from jeugdhulp.schema import FOUTWAARDE, GEEN_UITKOMST, HERBEREKENEN, TableInfo

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
    )
    waarde = pl.coalesce(pl.lit("=") + pl.col("formule"), pl.col("waarde"))
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
