"""Checks on single cells as typed: empty, unreadable, leniently read, dates in the future,
volumes that cannot be (PM001-PM003, PM022, PM024, PM025)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from jeugdhulp.checks._base import (
    EURO,
    ROW_KEY,
    SCALE,
    UUR,
    Context,
    by_unit_columns,
    controle,
    datum,
    dutch_number,
    eenheid_woord,
    elfproef,
    no_results,
    results,
)
from jeugdhulp.schema import DECIMAL, PRODUCTEN, PRODUCTIE, TOEWIJZINGEN, TableInfo

REQUIRED: tuple[str, ...] = ("bsn", "productcode", "begindatum", "einddatum", "eenheid", "aantal")
NUMBERS: tuple[str, ...] = tuple(n for n, t in PRODUCTIE.items() if t == DECIMAL)
BOOLEANS: tuple[str, ...] = tuple(n for n, t in PRODUCTIE.items() if t == pl.Boolean())
MONEY_COLUMNS: tuple[str, ...] = ("tarief", "bedrag", "budget")
DATES: tuple[str, ...] = tuple(n for n, t in PRODUCTIE.items() if t == pl.Date())


def _required(ctx: Context) -> tuple[str, ...]:
    """The required columns under the profile: Einddatum is optional where a running
    arrangement has none yet (`controles.einddatum_verplicht = false`, Hart van Brabant)."""
    if not ctx.open_einde:
        return REQUIRED
    return tuple(n for n in REQUIRED if n != "einddatum")


def _present(sheet: TableInfo, name: str) -> bool:
    """Whether a sheet gives this required field: Aantal and Eenheid also come from a column
    per unit, which names the unit (DOMAIN: Eenheid is required unless a quantity column
    names its unit)."""
    if name in ("aantal", "eenheid") and by_unit_columns(sheet):
        return True
    return name in sheet.kolommen


def _present_in(ctx: Context, name: str) -> pl.Expr:
    """Per production row: whether its sheet gives the required field (`_present`)."""
    having = [i for i, sheet in enumerate(ctx.bladen) if _present(sheet, name)]
    if len(having) == len(ctx.bladen):
        return pl.lit(True)
    if not having:
        return pl.lit(False)
    return (pl.col("_rij") // ROW_KEY).is_in(having)


def _column_of(ctx: Context, name: str) -> tuple[pl.Expr, pl.Expr]:
    """The canonical column a finding on `name` points at, and its header for messages.

    A quantity read from a unit column (Minuten, Ligdagen) points at that column; so does a
    unit it names.
    """
    if name not in ("aantal", "eenheid"):
        return pl.lit(name), pl.lit(ctx.kop(name))
    headers = {n: info.kop for n, info in ctx.productie.kolommen.items()}
    by_unit = pl.col("_aantal_kolom").is_not_null() & (pl.col("_aantal_kolom") != "aantal")
    if name == "eenheid":
        column = pl.when(by_unit).then(pl.col("_aantal_kolom")).otherwise(pl.lit("eenheid"))
    else:
        column = pl.coalesce(pl.col("_aantal_kolom"), pl.lit("aantal"))
    header = column.replace_strict(headers, default=ctx.kop(name), return_dtype=pl.String)
    return column, header


@controle(
    "PM001",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Verplicht veld leeg of waarde onleesbaar",
    bron="gezond verstand",
    herstel=(
        "Vul de lege cel in of verbeter de waarde, zodat Excel haar als getal of datum "
        "leest; een ja/nee-veld krijgt ja of nee. Ontbreekt een verplichte kolom, voeg "
        "haar dan toe met de kop uit het sjabloon."
    ),
)
def verplicht_veld_leeg(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een lege cel in een verplichte kolom (BSN, Productcode, Begindatum, Einddatum,
    Eenheid, Aantal) en een verplichte kolom die helemaal ontbreekt (op de kopregel van dat
    blad; elk productieblad apart). Eenheid en Aantal mogen ook uit een kolom per eenheid
    komen (Minuten, Ligdagen, ...: de productiemonitor van 2017), want die noemt de eenheid.
    Meldt ook een getal dat niet te lezen is (Aantal, Tarief of Bedrag met tekst als "abc") en
    een ja/nee-veld met een ander antwoord dan ja of nee. Een onleesbare datum is PM003, een
    onleesbaar BSN PM002, een onbekende eenheid PM008. In een profiel met
    `controles.einddatum_verplicht = false` (Hart van Brabant) is Einddatum niet verplicht:
    daar krijgt een lopend arrangement pas een einddatum als het stopt.

    ## Waarom
    Zonder BSN, productcode, periode en aantal kan een regel niet aan een toewijzing worden
    gekoppeld en niet worden betaald. Zonder eenheid zegt een aantal niets: 50 kan 50 minuten
    of 50 uur zijn (GeleverdVolume en Eenheid horen samen, IV042). Een getal dat niet te lezen
    is, telt als leeg: de regel zou anders stil als 0 meetellen.

    ## Voorbeeld
    | BSN | Productcode | Begindatum | Einddatum | Aantal |
    |---|---|---|---|---|
    | 111222333 | 45A48 | 01-03-2023 | 31-03-2023 | abc |

    geeft "Aantal 'abc' is niet te lezen als getal".
    """
    frames: list[pl.LazyFrame] = []
    required = _required(ctx)
    headers = {n: ctx.kop(n) for n in REQUIRED}
    missing = [
        (index * ROW_KEY + sheet.kopregel, name)
        for index, sheet in enumerate(ctx.bladen)
        for name in required
        if not _present(sheet, name)
    ]
    if missing:
        frames.append(
            results(
                pl.LazyFrame(
                    {"_rij": [k for k, _ in missing], "_naam": [n for _, n in missing]},
                    schema={"_rij": pl.Int64, "_naam": pl.String},
                ),
                kolom="",
                waarde=pl.lit(""),
                melding=pl.format(
                    "de verplichte kolom {} ontbreekt in het blad{}",
                    pl.col("_naam").replace_strict(headers, return_dtype=pl.String),
                    pl.when(pl.col("_naam") == "eenheid")
                    .then(pl.lit(" (of een kolom per eenheid, zoals Minuten of Ligdagen)"))
                    .otherwise(pl.lit("")),
                ),
            )
        )
    rows = ctx.rows
    for name in required:
        column, header = _column_of(ctx, name)
        frames.append(
            results(
                rows.filter(
                    _present_in(ctx, name) & pl.col(name).is_null() & ctx.tekst(name).is_null()
                ),
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
    herstel=(
        "Neem het BSN over uit de beschikking of de toewijzing: 9 cijfers. Een BSN dat "
        "niet aan de elfproef voldoet, bevat een tikfout of verwisselde cijfers."
    ),
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
    ijw="TR135/TR137",
    retourcode="",
    titel="Datum ongeldig of einddatum voor begindatum",
    bron="iJw TR135 (een bestaande datum), TR137 (einddatum niet voor de begindatum)",
    herstel=(
        "Typ de datum als dd-mm-jjjj (bijvoorbeeld 01-03-2023) en kijk of die dag "
        "bestaat. Ligt de einddatum voor de begindatum, zet ze dan goed (vaak zijn ze "
        "verwisseld)."
    ),
)
def datum_ongeldig(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een datum die niet als datum te lezen is of niet bestaat (Begindatum, Einddatum,
    Geboortedatum, Declaratiedatum; bv. "31-02-2023" of "maart") en een einddatum die voor de
    begindatum ligt.

    ## Waarom
    De periode bepaalt bij welke toewijzing, welk tarief en welke maand een regel hoort. Een
    datumveld wordt gevuld "met een bestaande datum" (TR135) en de einddatum van een periode
    met een waarde "die groter is dan, of gelijk is aan de Begindatum" (TR137). Het tweede deel
    van beide regels, geen datum in de toekomst, is PM024.

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


@controle(
    "PM024",
    ernst="fout",
    ijw="TR134/TR137",
    retourcode="",
    titel="Productperiode ligt na de declaratiedatum (in de toekomst)",
    bron="iJw TR134, TR137 (niet groter dan de dagtekening), TR135 (niet in de toekomst)",
    herstel=(
        "Declareer zorg pas na afloop van de maand waarin ze is geleverd; verbeter een "
        "verkeerd jaar of een verkeerde maand in de datum."
    ),
)
def periode_in_de_toekomst(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een productperiode die (deels) na de datum van de declaratie ligt: een begindatum of
    einddatum later dan de Declaratiedatum (ook: Dagtekening) van de regel. Heeft de werkmap
    geen declaratiedatum, dan telt de datum van de controle zelf: wat vandaag nog moet komen,
    kan niet al geleverd zijn. Een lege einddatum (een lopend arrangement) telt niet.

    ## Waarom
    Een datum in een declaratie mag "niet groter [zijn] dan de Dagtekening van het bericht"
    (TR134 voor de begindatum, TR137 voor de einddatum) en "niet in de toekomst" liggen
    (TR135): zorg wordt gedeclareerd nadat ze is geleverd, een maand dus pas na afloop.

    ## Voorbeeld
    Een regel over januari 2030, gecontroleerd op 15-03-2024 zonder declaratiedatum, geeft
    "begindatum 01-01-2030 ligt na 15-03-2024 (de datum van deze controle): een
    productperiode kan niet in de toekomst liggen"; met declaratiedatum 31-01-2030 geeft
    een periode t/m 31-01-2030 geen melding.
    """
    has_date = pl.col("declaratiedatum").is_not_null()
    limit = pl.coalesce(pl.col("declaratiedatum"), pl.lit(ctx.vandaag, dtype=pl.Date))
    what = (
        pl.when(has_date)
        .then(pl.format("de declaratiedatum {}", datum(pl.col("declaratiedatum"))))
        .otherwise(pl.format("{} (de datum van deze controle)", datum(limit)))
    )
    begin, end = pl.col("begindatum"), pl.col("einddatum")
    late_begin = (begin > limit).fill_null(False)
    late_end = (end > limit).fill_null(False) & ~late_begin
    return pl.concat(
        [
            results(
                ctx.rows.filter(late_begin),
                kolom="begindatum",
                waarde=datum(begin),
                melding=pl.format(
                    "begindatum {} ligt na {}: een productperiode kan niet in de toekomst liggen",
                    datum(begin),
                    what,
                ),
            ),
            results(
                ctx.rows.filter(late_end),
                kolom="einddatum",
                waarde=datum(end),
                melding=pl.format(
                    "einddatum {} ligt na {}: declareer een periode pas als die voorbij is",
                    datum(end),
                    what,
                ),
            ),
        ]
    )


@controle(
    "PM025",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Aantal negatief of geen heel getal",
    bron="iJw XSD LDT_Volume (geheel getal, 0 of meer); invulinstructies IV042, IV079",
    herstel=(
        "Vul een heel getal van 0 of meer in: rond uren af zoals IV079 zegt, of declareer "
        "in minuten. Een creditregel geeft u aan met Debet/credit C, niet met een "
        "negatief aantal."
    ),
)
def aantal_ongeldig(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een aantal (geleverd volume) dat negatief is, of dat geen heel getal is. Bij eenheid
    83 (euro's) is het aantal een bedrag en mag het hele centen hebben (twee decimalen). Bij
    uren wijst de melding op de afronding van IV079.

    ## Waarom
    GeleverdVolume is in het declaratiebericht een geheel getal van 0 of meer (XSD-type
    LDT_Volume; IV042: "een geheel getal, zonder decimalen", bij euro's een bedrag in
    eurocent). Een creditregel heeft geen negatief aantal, maar Debet/credit C. Uren die geen
    hele uren zijn worden volgens IV079 rekenkundig afgerond op het totaal van de periode
    (minder dan 30 minuten omlaag, 30 of meer omhoog, minimaal 1 uur), of in minuten
    gedeclareerd.

    ## Voorbeeld
    Aantal -5 geeft "aantal -5 is negatief: een volume is 0 of meer; een creditregel geeft u
    aan met Debet/credit C"; 2,5 uur geeft "aantal 2,5 uur is geen heel getal: rond het totaal
    van de periode af op hele uren (minder dan 30 minuten omlaag, 30 of meer omhoog, minimaal
    1 uur; IV079) of declareer in minuten".
    """
    a = pl.col("_a")
    du = pl.col("_eenheid")
    column, _ = _column_of(ctx, "aantal")
    quantity = dutch_number(pl.col("aantal"))
    euros = du.eq_missing(EURO)
    negative = (a < 0).fill_null(False)
    fraction = pl.when(euros).then(a % 100 != 0).otherwise(a % SCALE != 0).fill_null(False)
    melding = (
        pl.when(negative)
        .then(
            pl.format(
                "aantal {} is negatief: een volume is 0 of meer; een creditregel geeft u aan met"
                " Debet/credit C",
                quantity,
            )
        )
        .when(euros)
        .then(pl.format("aantal {} (euro's) heeft meer dan twee decimalen: hele centen", quantity))
        .when(du.eq_missing(UUR))
        .then(
            pl.format(
                "aantal {} uur is geen heel getal: rond het totaal van de periode af op hele uren"
                " (minder dan 30 minuten omlaag, 30 of meer omhoog, minimaal 1 uur; IV079) of"
                " declareer in minuten",
                quantity,
            )
        )
        .otherwise(
            pl.format(
                "aantal {} is geen heel getal: het volume is een geheel aantal {}",
                quantity,
                pl.when(eenheid_woord(du) == "")
                .then(pl.lit("eenheden"))
                .otherwise(eenheid_woord(du)),
            )
        )
    )
    return results(
        ctx.rows.filter(negative | fraction),
        kolom=column,
        waarde=quantity,
        melding=melding,
    )


def _lenient_message(name: str, header: pl.Expr, dtype: pl.DataType | None) -> pl.Expr:
    """PM022's message for a value read leniently (not an ambiguous number: see
    `ambiguous_message`); `header` is the column's header as written."""
    text = pl.col(f"{name}__tekst")
    if name == "bsn":
        lost_zero = text.str.strip_chars().str.contains(r"^[0-9]{8}$").fill_null(False)
        return (
            pl.when(lost_zero)
            .then(pl.format("BSN {} miste de voorloopnul; gelezen als {}", text, pl.col("bsn")))
            .otherwise(pl.format("BSN '{}' is soepel gelezen als {}", text, pl.col("bsn")))
        )
    if dtype == DECIMAL:
        value = dutch_number(pl.col(name), 2 if name in MONEY_COLUMNS else 0)
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
        # a serial number in a cell without a date format (or as text): a number, not a text
        serial = text.str.strip_chars().str.contains(r"^[0-9]+(\.0+)?$").fill_null(False)
        return (
            pl.when(serial)
            .then(
                pl.format(
                    "{} '{}' is een getal zonder datumnotatie; gelezen als de datum {} (geef de "
                    "cel de notatie dd-mm-jjjj)",
                    header,
                    text,
                    datum(pl.col(name)),
                )
            )
            .otherwise(
                pl.format(
                    "{} '{}' is een datum als tekst; gelezen als {}",
                    header,
                    text,
                    datum(pl.col(name)),
                )
            )
        )
    if dtype is not None:
        return pl.format(
            "{} '{}' is soepel gelezen als {}", header, text, pl.col(name).cast(pl.String)
        )
    return pl.format("{} '{}' is soepel gelezen", header, text)


def _lenient_findings(
    rows: pl.LazyFrame,
    columns: list[str],
    schema: dict[str, pl.DataType],
    where: Callable[[str], tuple[pl.Expr, pl.Expr]],
    tabel: str | None,
) -> list[pl.LazyFrame]:
    """PM022 over one table: every cell of `columns` (with `<naam>__soepel`) read leniently.
    `where(naam)` gives the column a finding points at and its header (expressions)."""
    frames = []
    for name in columns:
        flag = pl.col(f"{name}__soepel").fill_null(False)
        kolom, header = where(name)
        ambiguous = f"{name}__dubbelzinnig"
        # a date's ambiguity (day and month) is said by `lezen._ambiguous_dates`
        if ambiguous in rows.collect_schema().names() and isinstance(schema.get(name), pl.Decimal):
            is_ambiguous = pl.col(ambiguous).fill_null(False)
            both = rows.filter(flag & is_ambiguous)
            frames.append(
                results(
                    both,
                    kolom=kolom,
                    waarde=pl.col(f"{name}__tekst"),
                    melding=pl.struct(
                        header.alias("kop"),
                        pl.col(f"{name}__tekst").alias("tekst"),
                        pl.col(name).cast(pl.String).alias("waarde"),
                    ).map_elements(
                        lambda r: ambiguous_message(r["kop"], r["tekst"], r["waarde"]),
                        return_dtype=pl.String,
                    ),
                    tabel=tabel,
                )
            )
            flag = flag & ~is_ambiguous
        frames.append(
            results(
                rows.filter(flag),
                kolom=kolom,
                waarde=pl.col(f"{name}__tekst"),
                melding=_lenient_message(name, header, schema.get(name)),
                tabel=tabel,
            )
        )
    return frames


@controle(
    "PM022",
    ernst="waarschuwing",
    ijw="",
    retourcode="",
    titel="Waarde soepel gelezen (tekst, decimale komma, voorloopnul)",
    ook=("toewijzingen", "producten"),
    bron="gezond verstand",
    herstel=(
        "De waarde is goed gelezen. Maak in de bron van de cel een echt getal of een "
        "echte datum (een BSN als tekst met de voorloopnul), zodat ook andere programma's "
        "haar goed lezen."
    ),
)
def soepel_gelezen(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt elke cel die wel goed gelezen is, maar pas na een soepele lezing: een getal
    opgeslagen als tekst, een getal met een Nederlandse decimale komma als tekst, een
    dubbelzinnig getal als tekst ("1.200": met beide lezingen en welke genomen is), een datum
    getypt als tekst, een BSN van 8 cijfers waarvan de voorloopnul is weggevallen, en een
    productcode die gelezen is als de code uit de productenlijst of de toewijzing: in andere
    hoofdletters ("45a48" als 45A48) of zonder voorloopnul ("4011" als 04011, een code
    opgeslagen als getal). Ook op de bladen Toewijzingen en Producten (bij een gedeelde lijst
    alleen de regels voor deze werkmap: de kinderen, de codes erin).

    ## Waarom
    De controle rekent met de juiste waarde, maar het bronbestand is fout: een ander
    programma (of het declaratiebericht) leest "12,5" als tekst of maakt van 011222333 het
    getal 11222333, en de gemeente kent "4011" niet. Zo kan de aanbieder de bron verbeteren.

    ## Voorbeeld
    BSN 11222333 geeft "BSN 11222333 miste de voorloopnul; gelezen als 011222333"; Aantal
    "12,5" als tekst geeft "Aantal '12,5' is tekst met een decimale komma; gelezen als het
    getal 12,5"; Budget "12.000" als tekst op het blad Toewijzingen geeft "Budget '12.000' is
    dubbelzinnig en gelezen als 12000 (de punt als scheiding van duizendtallen, zoals in het
    Nederlands); is 12 bedoeld, typ dan 12".
    """
    frames: list[pl.LazyFrame] = []
    production = ctx.productie.frame.columns

    def in_production(name: str) -> tuple[pl.Expr, pl.Expr]:
        return _column_of(ctx, name)

    frames += _lenient_findings(
        ctx.rows, _lenient_columns(production), PRODUCTIE, in_production, None
    )
    if ctx.code_reading:
        frames.append(_code_read_as(ctx))
    for info, tabel in ((ctx.toewijzingen, "toewijzingen"), (ctx.producten_blad, "producten")):
        if info is None:
            continue
        names = _lenient_columns(info.frame.columns)
        if not names:
            continue
        rows = info.frame.lazy()
        rows = ctx.in_scope(rows) if tabel == "toewijzingen" else ctx.products_in_scope(rows)
        schema = TOEWIJZINGEN if tabel == "toewijzingen" else PRODUCTEN

        def where(name: str, info: TableInfo = info) -> tuple[pl.Expr, pl.Expr]:
            column = info.kolommen.get(name)
            return pl.lit(name), pl.lit(column.kop if column else name)

        frames += _lenient_findings(rows, names, schema, where, tabel)
    return pl.concat(frames) if frames else no_results()


def _code_read_as(ctx: Context) -> pl.LazyFrame:
    """PM022 on a product code read as another (`Context.code_reading`)."""
    typed = pl.col("productcode").str.strip_chars()
    recoded = ctx.rows.filter(typed.is_not_null() & (pl.col("_code") != typed))
    lost_zero = typed.str.contains(r"^[0-9]+$") & (
        pl.col("_code").str.len_chars() > typed.str.len_chars()
    )
    return results(
        recoded,
        kolom="productcode",
        waarde=typed,
        melding=pl.when(lost_zero)
        .then(
            pl.format(
                "{} {} miste de voorloopnul (een code opgeslagen als getal); gelezen als {}",
                pl.lit(ctx.kop("productcode")),
                typed,
                pl.col("_code"),
            )
        )
        .otherwise(
            pl.format(
                "{} '{}' is gelezen als {}, zoals de code in de productenlijst of de"
                " toewijzing staat (hoofdletters)",
                pl.lit(ctx.kop("productcode")),
                typed,
                pl.col("_code"),
            )
        ),
    )


def _lenient_columns(columns: list[str]) -> list[str]:
    return [
        c.removesuffix("__soepel")
        for c in columns
        if c.endswith("__soepel") and c.replace("__soepel", "__tekst") in columns
    ]


def ambiguous_message(kop: str, tekst: str, waarde: str | None = None) -> str:
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
