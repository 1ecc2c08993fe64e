"""Checks on single cells as typed: empty, unreadable, leniently read (PM001-PM003, PM022)."""

from __future__ import annotations

import polars as pl

from jeugdhulp.checks._base import (
    Context,
    controle,
    datum,
    dutch_number,
    elfproef,
    no_results,
    results,
)
from jeugdhulp.schema import DECIMAL, PRODUCTIE

REQUIRED: tuple[str, ...] = ("bsn", "productcode", "begindatum", "einddatum", "aantal")
NUMBERS: tuple[str, ...] = tuple(n for n, t in PRODUCTIE.items() if t == DECIMAL)
BOOLEANS: tuple[str, ...] = tuple(n for n, t in PRODUCTIE.items() if t == pl.Boolean())
MONEY: tuple[str, ...] = ("tarief", "bedrag")
DATES: tuple[str, ...] = tuple(n for n, t in PRODUCTIE.items() if t == pl.Date())


def _quantity_present(ctx: Context) -> bool:
    """Aantal is in the file itself or came from a unit column (Minuten, Ligdagen, ...)."""
    return ctx.in_file("aantal") or ctx.productie.frame["_aantal_kolom"].is_not_null().any()


def _column_of(ctx: Context, name: str) -> tuple[pl.Expr, pl.Expr]:
    """The canonical column a finding on `name` points at, and its header for messages.

    A quantity read from a unit column (Minuten, Ligdagen) points at that column.
    """
    if name != "aantal":
        return pl.lit(name), pl.lit(ctx.kop(name))
    headers = {n: info.kop for n, info in ctx.productie.kolommen.items()}
    column = pl.coalesce(pl.col("_aantal_kolom"), pl.lit("aantal"))
    return column, column.replace_strict(headers, default=ctx.kop("aantal"), return_dtype=pl.String)


@controle(
    "PM001",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Verplicht veld leeg of waarde onleesbaar",
    bron="gezond verstand",
)
def verplicht_veld_leeg(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een lege cel in een verplichte kolom (BSN, Productcode, Begindatum, Einddatum,
    Aantal) en een verplichte kolom die helemaal ontbreekt (op de kopregel). Meldt ook een
    getal dat niet te lezen is (Aantal, Tarief of Bedrag met tekst als "abc") en een ja/nee-veld
    met een ander antwoord dan ja of nee. Een onleesbare datum is PM003, een onleesbaar BSN PM002.

    ## Waarom
    Zonder BSN, productcode, periode en aantal kan een regel niet aan een toewijzing worden
    gekoppeld en niet worden betaald. Een getal dat niet te lezen is, telt als leeg: de regel
    zou anders stil als 0 meetellen.

    ## Voorbeeld
    | BSN | Productcode | Begindatum | Einddatum | Aantal |
    |---|---|---|---|---|
    | 111222333 | 45A48 | 01-03-2023 | 31-03-2023 | abc |

    geeft "Aantal 'abc' is niet te lezen als getal".
    """
    frames: list[pl.LazyFrame] = []
    missing = [
        n for n in REQUIRED if not (_quantity_present(ctx) if n == "aantal" else ctx.in_file(n))
    ]
    if missing:
        frames.append(
            results(
                pl.LazyFrame({"_rij": [ctx.productie.kopregel] * len(missing), "_naam": missing}),
                kolom="",
                waarde=pl.lit(""),
                melding=pl.format(
                    "de verplichte kolom {} ontbreekt in het blad",
                    pl.col("_naam").replace_strict(
                        {n: ctx.kop(n) for n in REQUIRED}, return_dtype=pl.String
                    ),
                ),
            )
        )
    rows = ctx.rows
    for name in REQUIRED:
        if name in missing:
            continue
        column, header = _column_of(ctx, name)
        frames.append(
            results(
                rows.filter(pl.col(name).is_null() & ctx.tekst(name).is_null()),
                kolom=column,
                waarde=pl.lit(""),
                melding=pl.format("{} is leeg; dit veld is verplicht", header),
            )
        )
    unreadable = [(n, "getal") for n in NUMBERS] + [(n, "ja of nee") for n in BOOLEANS]
    for name, kind in unreadable:
        if not ctx.in_file(name):
            continue
        column, header = _column_of(ctx, name)
        frames.append(
            results(
                rows.filter(pl.col(name).is_null() & ctx.tekst(name).is_not_null()),
                kolom=column,
                waarde=ctx.tekst(name),
                melding=pl.format(
                    "{} '{}' is niet te lezen als {}", header, ctx.tekst(name), pl.lit(kind)
                ),
            )
        )
    return pl.concat(frames) if frames else no_results()


@controle(
    "PM002",
    ernst="fout",
    ijw="CS002",
    retourcode="",
    titel="BSN niet 9 cijfers of voldoet niet aan de elfproef",
    bron="iJw CS002",
)
def bsn_ongeldig(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Controleert elk ingevuld BSN: 9 cijfers (8 cijfers worden gelezen als een BSN waarvan de
    voorloopnul is weggevallen, zie PM022) die voldoen aan de elfproef:
    9×c1 + 8×c2 + ... + 2×c8 − 1×c9 is deelbaar door 11.

    ## Waarom
    Een BSN dat niet aan de elfproef voldoet bestaat niet; de gemeente kan de declaratie niet
    aan een jeugdige koppelen en betaalt niet (iJw-conditie CS002).

    ## Voorbeeld
    BSN 111222334 geeft "BSN 111222334 voldoet niet aan de elfproef"; 111222333 is goed.
    """
    bsn = pl.col("bsn").str.strip_chars()
    waarde = pl.coalesce(ctx.tekst("bsn"), pl.col("bsn"))
    melding = (
        pl.when(~bsn.str.contains(r"^[0-9]+$"))
        .then(pl.format("BSN '{}' bevat andere tekens dan cijfers", waarde))
        .when(bsn.str.len_chars() != 9)
        .then(pl.format("BSN '{}' heeft {} cijfers in plaats van 9", waarde, bsn.str.len_chars()))
        .otherwise(pl.format("BSN {} voldoet niet aan de elfproef", bsn))
    )
    # the elfproef per distinct BSN: a child has many rows
    invalid = ctx.rows.select("bsn").unique().filter(pl.col("bsn").is_not_null() & ~elfproef(bsn))
    return results(
        ctx.rows.join(invalid, on="bsn", how="semi"),
        kolom="bsn",
        waarde=waarde,
        melding=melding,
    )


@controle(
    "PM003",
    ernst="fout",
    ijw="TR135",
    retourcode="",
    titel="Datum ongeldig of einddatum voor begindatum",
    bron="iJw TR135",
)
def datum_ongeldig(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een datum die niet als datum te lezen is (Begindatum, Einddatum, Geboortedatum; bv.
    "31-02-2023" of "maart") en een einddatum die voor de begindatum ligt.

    ## Waarom
    De periode bepaalt bij welke toewijzing, welk tarief en welke maand een regel hoort; een
    periode die eindigt voor hij begint is in het iJw-bericht ongeldig (TR135).

    ## Voorbeeld
    Begindatum 01-03-2023 en einddatum 28-02-2023 geeft "einddatum 28-02-2023 ligt voor
    begindatum 01-03-2023".
    """
    frames = [
        results(
            ctx.rows.filter(pl.col(name).is_null() & ctx.tekst(name).is_not_null()),
            kolom=name,
            waarde=ctx.tekst(name),
            melding=pl.format(
                "{} '{}' is geen geldige datum (gebruik dd-mm-jjjj)",
                pl.lit(ctx.kop(name)),
                ctx.tekst(name),
            ),
        )
        for name in DATES
        if ctx.in_file(name)
    ]
    frames.append(
        results(
            ctx.rows.filter(pl.col("einddatum") < pl.col("begindatum")),
            kolom="einddatum",
            waarde=datum(pl.col("einddatum")),
            melding=pl.format(
                "einddatum {} ligt voor begindatum {}",
                datum(pl.col("einddatum")),
                datum(pl.col("begindatum")),
            ),
        )
    )
    return pl.concat(frames)


def _lenient_message(ctx: Context, name: str) -> pl.Expr:
    header = pl.lit(ctx.kop(name))
    text = pl.col(f"{name}__tekst")
    dtype = PRODUCTIE.get(name)
    if name == "bsn":
        lost_zero = text.str.strip_chars().str.contains(r"^[0-9]{8}$").fill_null(False)
        return (
            pl.when(lost_zero)
            .then(pl.format("BSN {} miste de voorloopnul; gelezen als {}", text, pl.col("bsn")))
            .otherwise(pl.format("BSN '{}' is soepel gelezen als {}", text, pl.col("bsn")))
        )
    if dtype == DECIMAL:
        value = dutch_number(pl.col(name), 2 if name in MONEY else 0)
        return (
            pl.when(text.str.contains(",").fill_null(False))
            .then(
                pl.format(
                    "{} '{}' is tekst met een decimale komma; gelezen als het getal {}",
                    header,
                    text,
                    value,
                )
            )
            .otherwise(
                pl.format(
                    "{} '{}' is een getal opgeslagen als tekst; gelezen als {}", header, text, value
                )
            )
        )
    if dtype == pl.Date():
        return pl.format(
            "{} '{}' is een datum als tekst; gelezen als {}", header, text, datum(pl.col(name))
        )
    if dtype is not None:
        return pl.format(
            "{} '{}' is soepel gelezen als {}", header, text, pl.col(name).cast(pl.String)
        )
    return pl.format("{} '{}' is soepel gelezen", header, text)


@controle(
    "PM022",
    ernst="waarschuwing",
    ijw="",
    retourcode="",
    titel="Waarde soepel gelezen (tekst, decimale komma, voorloopnul)",
    bron="gezond verstand",
)
def soepel_gelezen(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt elke cel die wel goed gelezen is, maar pas na een soepele lezing: een getal
    opgeslagen als tekst, een getal met een Nederlandse decimale komma als tekst, een datum
    getypt als tekst, of een BSN van 8 cijfers waarvan de voorloopnul is weggevallen.

    ## Waarom
    De controle rekent met de juiste waarde, maar het bronbestand is fout: een ander
    programma (of het declaratiebericht) leest "12,5" als tekst of maakt van 011222333 het
    getal 11222333. Zo kan de aanbieder de bron verbeteren.

    ## Voorbeeld
    BSN 11222333 geeft "BSN 11222333 miste de voorloopnul; gelezen als 011222333"; Aantal
    "12,5" als tekst geeft "Aantal '12,5' is tekst met een decimale komma; gelezen als het
    getal 12,5".
    """
    frames = []
    for column in ctx.productie.frame.columns:
        if not column.endswith("__soepel"):
            continue
        name = column.removesuffix("__soepel")
        if f"{name}__tekst" not in ctx.productie.frame.columns:
            continue
        frames.append(
            results(
                ctx.rows.filter(pl.col(column).fill_null(False)),
                kolom=name,
                waarde=pl.col(f"{name}__tekst"),
                melding=_lenient_message(ctx, name),
            )
        )
    return pl.concat(frames) if frames else no_results()
