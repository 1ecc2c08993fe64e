"""Checks of production rows against the allocations (toewijzingen, JW301): existence, code,
period, volume, budget, deletion, monthly product periods (PM005-PM007, PM011, PM012, PM014,
PM021)."""

from __future__ import annotations

import polars as pl

from jeugdhulp.checks._base import (
    MINUUT,
    OUTPUT_EENHEDEN,
    SCALE,
    UNITS,
    UUR,
    Context,
    abs_units,
    allocation_year,
    anniversary,
    controle,
    datum,
    dutch_number,
    eenheid_code,
    eenheid_naam,
    eenheid_woord,
    euro_from_units,
    frequentie,
    number_from_units,
    periods_in,
    results,
    sundays_in,
    units,
)
from jeugdhulp.columns import QUANTITY_COLUMNS

#: The fields a declared quantity comes from: Aantal, or a column per unit (2017).
QUANTITY_FIELDS: tuple[str, ...] = ("aantal", *(q.naam for q in QUANTITY_COLUMNS))


def _allocation_label() -> pl.Expr:
    """How a message names an allocation: its number, or its row in the allocation list."""
    return pl.coalesce(
        pl.col("t_toewijzingnummer"),
        pl.format("zonder nummer (regel {})", pl.col("t__rij")),
    )


def _matched(ctx: Context) -> pl.LazyFrame:
    """Production rows joined with the allocation they are declared on."""
    return ctx.memo(
        "matched",
        lambda: ctx.allocation.filter(pl.col("_match").is_not_null()),
    )


@controle(
    "PM005",
    ernst="fout",
    ijw="TR338",
    retourcode="9338",
    titel="Geen toewijzing voor deze BSN (en dit toewijzingnummer)",
    bron="iJw TR338; Hart van Brabant FAQ productiemonitor",
    nodig=("toewijzingen",),
    herstel=(
        "Vergelijk BSN en toewijzingnummer met de toewijzing (JW301) die u ontving en "
        "verbeter de tikfout. Is er geen toewijzing, vraag die dan aan bij de gemeente "
        "voordat u declareert."
    ),
)
def geen_toewijzing(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Zoekt bij elke regel de toewijzing: op BSN + toewijzingnummer als de regel een
    toewijzingnummer heeft, anders op BSN + productcode (een aspecifieke toewijzing, zonder
    productcode, past bij elke code die de productenlijst in dezelfde categorie zet, OP302 en
    IV075; de categorie komt uit de kolom Productcategorie, anders uit de productenlijst, nooit
    uit de eerste tekens van de code). Meldt een regel zonder toewijzing en noemt wat er voor
    die BSN wel is toegewezen, of bij welk BSN het toewijzingnummer hoort (een tikfout in het
    BSN), of dat de categorie van de code onbekend is.

    ## Waarom
    "U vult alleen de productie in voor de cliënten waarvoor u een beschikking hebt
    ontvangen." Zonder geldige toewijzing wordt een declaratie niet betaald (TR338,
    retourcode 9338).

    ## Voorbeeld
    BSN 111222333 met toewijzingnummer T9, terwijl de toewijzingen voor die BSN alleen T1
    kennen, geeft "geen toewijzing T9 voor BSN 111222333 (wel toegewezen: 45A48)".
    """
    assert ctx.toewijzingen is not None  # `nodig` guarantees it
    # Whose allocation the number is, when it is someone's: a BSN typo then says so.
    owners = (
        ctx.toewijzingen.frame.lazy()
        .filter(pl.col("toewijzingnummer").is_not_null())
        .group_by(pl.col("toewijzingnummer").alias("_nummer"))
        .agg(
            pl.col("bsn").drop_nulls().unique().sort().str.join(", ").alias("_eigenaar"),
            pl.col("bsn").is_null().any().alias("_zonder_bsn"),
        )
    )
    rows = (
        ctx.allocation.filter(pl.col("_match").is_null())
        .join(ctx.allocated_codes, left_on="bsn", right_on="t_bsn", how="left")
        .join(owners, left_on="toewijzingnummer", right_on="_nummer", how="left")
    )
    unknown_category = (
        pl.col("toewijzingnummer").is_null()
        & pl.col("_cat").is_null()
        & pl.col("t_aspecifiek").fill_null(False)
    )
    known = (
        pl.when(pl.col("_zonder_bsn").fill_null(False) & (pl.col("_eigenaar").fill_null("") == ""))
        .then(
            pl.lit(
                " (dit toewijzingnummer staat in de toewijzingen zonder BSN: de toewijzing is"
                " onvolledig; vul daar het BSN in)"
            )
        )
        .when(pl.col("_eigenaar").fill_null("") != "")
        .then(
            pl.format(
                " (dit toewijzingnummer hoort bij BSN {}; klopt het BSN?)", pl.col("_eigenaar")
            )
        )
        .when(pl.col("t_codes").is_null())
        .then(pl.lit(" (geen enkele toewijzing voor deze BSN)"))
        .when(unknown_category)
        .then(
            pl.format(
                " (wel toegewezen: {}; de categorie van {} is onbekend: geen Productcategorie"
                " ingevuld en niet in de productenlijst, dus niet te koppelen aan een"
                " aspecifieke toewijzing)",
                pl.col("t_codes"),
                pl.col("_code"),
            )
        )
        .otherwise(pl.format(" (wel toegewezen: {})", pl.col("t_codes")))
    )
    has_number = pl.col("toewijzingnummer").is_not_null()
    return results(
        rows,
        kolom=pl.when(has_number)
        .then(pl.lit("toewijzingnummer"))
        .when(pl.col("t_codes").is_not_null())
        .then(pl.lit("productcode"))
        .otherwise(pl.lit("bsn")),
        waarde=pl.when(has_number)
        .then(pl.col("toewijzingnummer"))
        .when(pl.col("t_codes").is_not_null())
        .then(pl.col("productcode"))
        .otherwise(pl.col("bsn")),
        melding=pl.when(has_number)
        .then(
            pl.format(
                "geen toewijzing {} voor BSN {}{}", pl.col("toewijzingnummer"), pl.col("bsn"), known
            )
        )
        .otherwise(
            pl.format(
                "geen toewijzing voor BSN {} en productcode {}{}",
                pl.col("bsn"),
                pl.col("_code").fill_null("(leeg)"),
                known,
            )
        ),
    )


@controle(
    "PM006",
    ernst="fout",
    ijw="TR339/TR340",
    retourcode="9339/9340",
    titel="Categorie of productcode wijkt af van de toewijzing",
    bron="iJw TR339, TR340",
    nodig=("toewijzingen",),
    herstel=(
        "Declareer de productcategorie en productcode die op de toewijzing staan. Hebt u "
        "een ander product geleverd, vraag dan een nieuwe of gewijzigde toewijzing aan."
    ),
)
def code_wijkt_af(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Vergelijkt bij een regel met toewijzingnummer de productcategorie en productcode met die
    van de toewijzing. Bij een aspecifieke toewijzing (alleen een categorie, geen code) moet
    alleen de categorie gelijk zijn: elke code die de productenlijst in die categorie zet mag
    (OP302, IV075), ook een regionale code als 0D891. De categorie van een regel is de kolom
    Productcategorie, anders die van de code in de productenlijst; nooit de eerste tekens van de
    code. Is die categorie onbekend (geen kolom, code niet in de lijst), dan meldt het dat
    niet na te gaan is of de code bij de aspecifieke toewijzing past.

    ## Waarom
    Een toewijzing geeft recht op één product (specifiek) of één categorie (aspecifiek); een
    andere code of categorie declareren wordt afgewezen (TR339 retourcode 9339, TR340
    retourcode 9340).

    ## Voorbeeld
    Productcode 45A49 op toewijzing T1 voor 45A48 geeft "productcode 45A49 wijkt af van
    productcode 45A48 van toewijzing T1".
    """
    rows = _matched(ctx).filter(pl.col("_match") == "nummer")
    category_given = ctx.in_file("productcategorie")
    category_differs = (
        pl.col("t_productcategorie").is_not_null()
        & pl.col("_cat").is_not_null()
        & (pl.col("_cat") != pl.col("t_productcategorie"))
        & (pl.lit(category_given) | pl.col("t_productcode").is_null())
    )
    code_differs = pl.col("t_productcode").is_not_null() & (
        pl.col("_code").ne_missing(pl.col("t_productcode"))
    )
    unknown = (
        pl.col("t_productcode").is_null()
        & pl.col("t_productcategorie").is_not_null()
        & pl.col("_cat").is_null()
        & pl.col("_code").is_not_null()
    )
    from_list = pl.col("productcategorie").str.strip_chars().is_null()
    return pl.concat(
        [
            results(
                rows.filter(category_differs),
                kolom="productcategorie" if category_given else "productcode",
                waarde=pl.col("productcategorie") if category_given else pl.col("productcode"),
                melding=pl.when(from_list)
                .then(
                    pl.format(
                        "productcode {} hoort volgens de productenlijst bij categorie {}, niet bij"
                        " categorie {} van toewijzing {}",
                        pl.col("_code"),
                        pl.col("_cat"),
                        pl.col("t_productcategorie"),
                        _allocation_label(),
                    )
                )
                .otherwise(
                    pl.format(
                        "productcategorie {} wijkt af van categorie {} van toewijzing {}",
                        pl.col("_cat"),
                        pl.col("t_productcategorie"),
                        _allocation_label(),
                    )
                ),
                retourcode=pl.lit("9339"),
            ),
            results(
                rows.filter(unknown),
                kolom="productcategorie" if category_given else "productcode",
                waarde=pl.col("productcode"),
                melding=pl.format(
                    "de categorie van productcode {} is onbekend (geen Productcategorie ingevuld"
                    " en niet in de productenlijst): niet na te gaan of de code bij categorie {}"
                    " van toewijzing {} hoort",
                    pl.col("_code"),
                    pl.col("t_productcategorie"),
                    _allocation_label(),
                ),
                retourcode=pl.lit("9339"),
            ),
            results(
                rows.filter(code_differs),
                kolom="productcode",
                waarde=pl.col("productcode"),
                melding=pl.format(
                    "productcode {} wijkt af van productcode {} van toewijzing {}",
                    pl.col("_code").fill_null("(leeg)"),
                    pl.col("t_productcode"),
                    _allocation_label(),
                ),
                retourcode=pl.lit("9340"),
            ),
        ]
    )


@controle(
    "PM007",
    ernst="fout",
    ijw="TR307/TR308",
    retourcode="9307/9308",
    titel="Levering buiten de periode van de toewijzing",
    bron="iJw TR307, TR308",
    nodig=("toewijzingen",),
    herstel=(
        "Declareer alleen zorg tussen de ingangsdatum en de einddatum van de toewijzing: "
        "kort de periode in, of vraag de gemeente eerst om een verlenging."
    ),
)
def buiten_toewijzingsperiode(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een regel die begint voor de ingangsdatum van de toewijzing, of eindigt na de
    einddatum ervan. Een toewijzing zonder einddatum loopt open door. In een profiel waarin
    een regel zonder einddatum een lopend arrangement is (`controles.einddatum_verplicht =
    false`, Hart van Brabant) loopt zo'n regel open door, dus ook voorbij de einddatum van een
    toewijzing die eindigt.

    ## Waarom
    Alleen zorg binnen de toegewezen periode wordt betaald (TR307 retourcode 9307 voor de
    begindatum, TR308 retourcode 9308 voor de einddatum).

    ## Voorbeeld
    Begindatum 01-02-2023 op toewijzing T1 die ingaat op 01-03-2023 geeft "begindatum
    01-02-2023 ligt voor de ingangsdatum 01-03-2023 van toewijzing T1".
    """
    rows = _matched(ctx)
    return pl.concat(
        [
            results(
                rows.filter(pl.col("begindatum") < pl.col("t_ingangsdatum")),
                kolom="begindatum",
                waarde=datum(pl.col("begindatum")),
                melding=pl.format(
                    "begindatum {} ligt voor de ingangsdatum {} van toewijzing {}",
                    datum(pl.col("begindatum")),
                    datum(pl.col("t_ingangsdatum")),
                    _allocation_label(),
                ),
                retourcode=pl.lit("9307"),
            ),
            results(
                rows.filter(pl.col("einddatum") > pl.col("t_einddatum")),
                kolom="einddatum",
                waarde=datum(pl.col("einddatum")),
                melding=pl.format(
                    "einddatum {} ligt na de einddatum {} van toewijzing {}",
                    datum(pl.col("einddatum")),
                    datum(pl.col("t_einddatum")),
                    _allocation_label(),
                ),
                retourcode=pl.lit("9308"),
            ),
            results(
                rows.filter(
                    pl.lit(ctx.open_einde)
                    & pl.col("einddatum").is_null()
                    & pl.col("begindatum").is_not_null()
                    & pl.col("t_einddatum").is_not_null()
                ),
                kolom="einddatum",
                waarde=pl.lit(""),
                melding=pl.format(
                    "geen einddatum: de regel loopt open door na de einddatum {} van toewijzing"
                    " {}; zorg na die datum valt buiten de toewijzing (sluit de regel af op of"
                    " voor {})",
                    datum(pl.col("t_einddatum")),
                    _allocation_label(),
                    datum(pl.col("t_einddatum")),
                ),
                retourcode=pl.lit("9308"),
            ),
        ]
    )


def _count_text(freq: pl.Expr, count: pl.Expr, per: pl.Expr) -> pl.Expr:
    """ "5 kalenderweken × 4 uur per week" and so on, for messages; `per` is the volume with
    its unit ("4 uur")."""
    return (
        pl.when(freq == "dag")
        .then(pl.format("{} dagen × {} per dag", count, per))
        .when(freq == "week")
        .then(pl.format("{} kalenderweken × {} per week", count, per))
        .when(freq == "maand")
        .then(pl.format("{} kalendermaand(en) × {} per maand", count, per))
        .when(freq == "jaar")
        .then(pl.format("{} jaar van de toewijzing × {} per jaar", count, per))
        .otherwise(pl.format("toegewezen {} voor de hele looptijd", per))
    )


def _output_week_text(count: pl.Expr, extra: pl.Expr, per: pl.Expr) -> pl.Expr:
    """IV077's count for an outputgericht allocation per week, for messages."""
    weeks = pl.when(count == 1).then(pl.lit("1 week")).otherwise(pl.format("{} weken", count))
    return (
        pl.when(count == 0)
        .then(
            pl.lit(
                "outputgericht: geen zondag van de toewijzing in deze productperiode; de laatste"
                " gebroken week hoort bij de productperiode met de laatste zondag (IV076, IV077)"
            )
        )
        .otherwise(
            pl.format(
                "{} × {} per week, outputgericht: de weken waarvan de zondag in deze"
                " productperiode valt{} (IV076, IV077)",
                weeks,
                per,
                pl.when(extra > 0)
                .then(pl.lit(", plus de laatste gebroken week van de toewijzing"))
                .otherwise(pl.lit("")),
            )
        )
    )


def _quantity(value: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """A quantity in the common unit of `boven_volume` (minutes for time units) as the
    allocation's `unit` reads it: "10 uur", "10 uur en 1 minuut", "600 minuten", "1.800 euro",
    "5" without a unit. Never hours with four decimals."""
    hour = 60 * SCALE
    size = abs_units(value)
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    hours = number_from_units((size // hour) * SCALE)
    rest = size % hour
    minutes = pl.format(
        "{} {}",
        number_from_units(rest),
        pl.when(rest == SCALE).then(pl.lit("minuut")).otherwise(pl.lit("minuten")),
    )
    in_hours = (
        pl.when(rest == 0)
        .then(pl.format("{}{} uur", sign, hours))
        .when(size < hour)
        .then(pl.format("{}{}", sign, minutes))
        .otherwise(pl.format("{}{} uur en {}", sign, hours, minutes))
    )
    word = eenheid_woord(unit)
    plain = (
        pl.when(word == "")
        .then(number_from_units(value))
        .otherwise(pl.format("{} {}", number_from_units(value), word))
    )
    return pl.when(unit == UUR).then(in_hours).otherwise(plain)


@controle(
    "PM011",
    ernst="fout",
    ijw="TR321/TR322",
    retourcode="9321/9322",
    titel="Aantal boven het toegewezen volume",
    bron="iJw TR321, TR322, TR341; invulinstructies IV076, IV077, IV078",
    nodig=("toewijzingen",),
    ernst_toelichting="onbekende frequentie, aantal onbekend of eenheid niet te bepalen: waarschuwing",
    herstel=(
        "Verlaag het aantal tot het toegewezen volume van die periode. Is er meer zorg "
        "geleverd, vraag de gemeente dan eerst om een hoger volume."
    ),
)
def boven_volume(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Vergelijkt het geleverde aantal met het toegewezen volume, rekening houdend met de
    frequentie van de toewijzing (WMO757):

    - per productperiode (TR321, retourcode 9321): het maximum is het volume maal het aantal
      dagen (per dag), kalenderweken (per week: maandag t/m zondag, ook gebroken weken, IV077),
      kalendermaanden (per maand: een gebroken maand mag het hele maandvolume, IV078) of jaren
      van de toewijzing (per jaar) dat de productperiode raakt, binnen de toewijzingsperiode;
      bij totaal het hele volume. Outputgericht per week (eenheid 82 stuks output of 83
      euro's, de outputgerichte variant van iJw) telt IV077 anders: de weken waarvan de zondag
      in de productperiode valt, plus de laatste gebroken week in de productperiode met de
      laatste zondag van de toewijzing als die niet op een zondag eindigt. Regels op dezelfde
      toewijzing met dezelfde productperiode (een aspecifieke toewijzing met meer
      productcodes) tellen samen;
    - over de hele looptijd (TR322, retourcode 9322): alle regels op de toewijzing opgeteld,
      op volgorde van begindatum, tegen het volume maal het aantal dagen, weken, maanden of
      jaren van de hele toewijzing (IV077: "om te voorkomen dat deze rekenmethode resulteert
      in meer ruimte dan totaal toegewezen is"); bij totaal het volume zelf. Een toewijzing
      zonder einddatum heeft alleen bij totaal een maximum over de looptijd. Alle
      productiebladen van de werkmap tellen samen.

    Eenheden worden eerst gelijk gemaakt: minuten op een toewijzing in uren tellen als uren
    (TR341: bij een toewijzing in uren mag in minuten gedeclareerd worden), dus 300 minuten en
    1 uur is 6 uur. Een regel zonder eenheid telt in de eenheid van de toewijzing (en PM001
    meldt de lege Eenheid); een toewijzing zonder eenheid in de eenheid van haar regels, en
    hebben die verschillende eenheden, dan is het volume niet te toetsen (waarschuwing). Een
    creditregel telt negatief als hij een debetregel in deze werkmap crediteert; een
    creditregel voor een eerdere declaratie (Vorig referentienummer niet in deze werkmap)
    telt niet mee, want die debetregel telt hier ook niet: TR321 toetst elke prestatie zelf.
    Een regel waarvan het aantal onbekend is (PM023) telt niet mee; de toewijzing krijgt dan
    een waarschuwing dat haar totaal niet volledig getoetst is. Een frequentie die iJw 3.2
    niet kent (zoals 3, per vier weken, of "per dagdeel") geeft één waarschuwing per
    toewijzing: het volume is dan niet gecontroleerd.

    ## Waarom
    Meer leveren dan toegewezen wordt niet betaald: TR321 ("GeleverdVolume ... moet passen
    binnen Volume", rekening houdend met eenheid, frequentie en de duur van de productperiode)
    en TR322 (de som over alle prestaties binnen het volume over de loopduur).

    ## Voorbeeld
    Toewijzing T1 van 4 uur per week van 01-03-2023 t/m 31-03-2023, met 40 uur in maart 2023,
    geeft "aantal 40 uur is meer dan 20 uur voor deze productperiode (5 kalenderweken × 4 uur
    per week) van toewijzing T1". Op een toewijzing van 10 uur totaal zijn 300 minuten en 1
    uur samen 6 uur: geen melding; 601 minuten geeft "opgeteld 10 uur en 1 minuut ... is meer
    dan 10 uur". Outputgericht 300 euro per week van 07-07-2025 t/m 06-09-2025 (IV076
    voorbeeld 2) staat in juli 900 euro toe (3 zondagen) en in augustus 1.800 euro (5
    zondagen plus de laatste gebroken week).
    """
    du, tu = pl.col("_eenheid"), pl.col("_tu")
    time_units = [UUR, MINUUT]
    needed = [
        "_rij",
        "_aantal_kolom",
        "_a",
        "_q",
        "_los",
        "_eenheid",
        "begindatum",
        "einddatum",
        *[f"t_{c}" for c in ("_rij", "toewijzingnummer", "ingangsdatum", "einddatum")],
        *[f"t_{c}" for c in ("volume", "eenheid", "frequentie", "_freq", "_n_totaal")],
    ]
    on_volume = _matched(ctx).filter(pl.col("t_volume").is_not_null())
    rows = on_volume.select(needed).rename({"t__freq": "_freq"})  # windows: a slim frame
    # Which variants the list has at all (a small eager look): the rows are only split into
    # the branches below where an allocation needs one.
    assert ctx.toewijzingen is not None  # `nodig` guarantees it
    unit = eenheid_code(pl.col("eenheid"))
    variants = (
        ctx.toewijzingen.frame.filter(pl.col("volume").is_not_null())
        .select(
            zonder=unit.is_null().any(),
            output=((frequentie() == "week") & unit.is_in(OUTPUT_EENHEDEN)).any(),
        )
        .row(0, named=True)
    )
    # The allocation's unit; without one (IV042 wants Volume, Eenheid and Frequentie
    # together), the one unit of its lines; none when they have several.
    with_unit = rows.filter(pl.col("t_eenheid").is_not_null()) if variants["zonder"] else rows
    with_unit = with_unit.with_columns(
        _tu=pl.col("t_eenheid"), _lijneenheden=pl.lit(None, dtype=pl.String)
    )
    if variants["zonder"]:
        without = rows.filter(pl.col("t_eenheid").is_null())
        line_units = without.group_by("t__rij").agg(
            _lijneenheden=du.drop_nulls().unique().sort().str.join(", "),
            _n_eenheden=du.drop_nulls().n_unique(),
            _eenheid_regels=du.drop_nulls().first(),
        )
        without = without.join(line_units, on="t__rij", how="left").with_columns(
            _tu=pl.when(pl.col("_n_eenheden") == 1).then(pl.col("_eenheid_regels")),
            _lijneenheden=pl.when(pl.col("_n_eenheden") > 1).then(pl.col("_lijneenheden")),
        )
        rows = pl.concat(
            [with_unit, without.select(with_unit.collect_schema().names())], how="vertical"
        )
    else:
        rows = with_unit
    mixed = pl.col("_lijneenheden").is_not_null()
    # A line without a unit counts in the allocation's.
    rows = rows.with_columns(_du=pl.coalesce(du, tu))
    line_unit = pl.col("_du")
    fits = (
        tu.is_null()
        | line_unit.is_null()
        | (line_unit == tu)
        | (line_unit.is_in(time_units) & tu.is_in(time_units))
    )
    if ctx.losse_credits:  # said in the message; such a credit line itself counts 0
        rows = rows.with_columns(_losse=pl.col("_los").any().over("t__rij"))
    else:
        rows = rows.with_columns(_losse=pl.lit(False))
    unknown = rows.filter(pl.col("_freq") == "onbekend")
    known = rows.filter(
        (pl.col("_freq") != "onbekend")
        & ~mixed
        & fits
        & pl.col("_a").is_not_null()
        & ~pl.col("_los")
    )
    in_minutes = tu.is_in(time_units)
    line_factor = pl.when(in_minutes & (line_unit == UUR)).then(60).otherwise(1)
    volume_factor = pl.when(tu == UUR).then(60).otherwise(1)
    start = pl.coalesce(pl.col("t_ingangsdatum"), pl.col("begindatum"))
    period_begin = pl.max_horizontal(pl.col("begindatum"), start)
    period_end = pl.min_horizontal(pl.col("einddatum"), pl.col("t_einddatum"))
    freq = pl.col("_freq")
    output_week = (freq == "week") & tu.is_in(list(OUTPUT_EENHEDEN)).fill_null(False)
    # IV077, outputgericht: the last (broken) week of an allocation that does not end on a
    # Sunday counts in the product period holding its last Sunday (or its end, without one).
    end = pl.col("t_einddatum")
    last_sunday = end - pl.duration(days=end.dt.weekday() % 7)
    anchor = (
        pl.when(pl.col("t_ingangsdatum").is_null() | (last_sunday >= pl.col("t_ingangsdatum")))
        .then(last_sunday)
        .otherwise(end)
    )
    extra = (
        ((end.dt.weekday() != 7) & (anchor >= period_begin) & (anchor <= period_end))
        .fill_null(False)
        .cast(pl.Int64)
    )
    known = known.with_columns(
        _qc=pl.col("_q") * line_factor,
        _vol=units(pl.col("t_volume")) * volume_factor,
        _start=start,
        _output=output_week,
    )
    has_period = pl.col("einddatum").is_not_null() & (period_end >= period_begin)
    # An allocation is outputgericht per week or not as a whole: counted apart, each branch
    # only over its own rows.
    regular = (known.filter(~pl.col("_output")) if variants["output"] else known).with_columns(
        _extra=pl.lit(0, dtype=pl.Int64),
        _n=pl.when(freq == "totaal")
        .then(pl.lit(1, dtype=pl.Int64))
        .when(has_period)
        .then(periods_in(freq, period_begin, period_end, pl.col("_start"))),
    )
    output = (
        known.filter(pl.col("_output"))
        .with_columns(_extra=extra)
        .with_columns(
            _n=pl.when(has_period).then(sundays_in(period_begin, period_end) + pl.col("_extra"))
        )
    )
    known = (pl.concat([regular, output]) if variants["output"] else regular).with_columns(
        _n_totaal=pl.col("t__n_totaal"),
        _max=pl.col("_vol") * pl.col("_n"),
        _max_totaal=pl.col("_vol") * pl.col("t__n_totaal"),
        _pregels=pl.len().over(["t__rij", "begindatum", "einddatum"]),
        _cum=pl.col("_qc").cum_sum().over("t__rij", order_by=["begindatum", "_rij"]),
        _netto=pl.col("_qc").sum().over("t__rij"),
    )
    # The running sum within a product period only where a period has more than one line
    # (an aspecifiek allocation, several codes): a window over ~every row alone is costly.
    period = ["t__rij", "begindatum", "einddatum"]
    known = pl.concat(
        [
            known.filter(pl.col("_pregels") == 1).with_columns(
                _pcum=pl.col("_qc"), _pnetto=pl.col("_qc")
            ),
            known.filter(pl.col("_pregels") > 1).with_columns(
                _pcum=pl.col("_qc").cum_sum().over(period, order_by="_rij"),
                _pnetto=pl.col("_qc").sum().over(period),
            ),
        ]
    )
    # From the line that crosses the maximum, when what remains after credits is still over it
    # (a debit cancelled by its credit line in the same workbook is no overrun).
    per_period = (
        (pl.col("_pcum") > pl.col("_max")) & (pl.col("_pnetto") > pl.col("_max"))
    ).fill_null(False)
    over_total = (
        (pl.col("_cum") > pl.col("_max_totaal")) & (pl.col("_netto") > pl.col("_max_totaal"))
    ).fill_null(False) & ~per_period
    known = known.with_columns(_periode=per_period, _totaal=over_total).filter(
        pl.col("_periode") | pl.col("_totaal")
    )

    def shown(value: pl.Expr) -> pl.Expr:
        return _quantity(value, tu)

    per = shown(pl.col("_vol"))
    minutes_note = (
        pl.when((tu == UUR) & (du == MINUUT))
        .then(pl.format(" ({} minuten)", number_from_units(pl.col("_a"))))
        .when(du.is_null() & tu.is_not_null())
        .then(pl.lit(" (Eenheid leeg: geteld in de eenheid van de toewijzing)"))
        .otherwise(pl.lit(""))
    )
    notes = pl.concat_str(
        pl.when(pl.col("t_eenheid").is_null() & tu.is_not_null())
        .then(
            pl.format(
                "; de toewijzing noemt geen eenheid: geteld in de eenheid van de regels ({})",
                eenheid_naam(tu),
            )
        )
        .otherwise(pl.lit("")),
        pl.when(pl.col("_losse"))
        .then(
            pl.lit(
                "; een creditregel voor een declaratie die niet in deze werkmap staat, telt hier"
                " niet mee"
            )
        )
        .otherwise(pl.lit("")),
    )
    period_text = (
        pl.when(pl.col("_output"))
        .then(_output_week_text(pl.col("_n"), pl.col("_extra"), per))
        .otherwise(_count_text(freq, pl.col("_n"), per))
    )
    total_text = _count_text(freq, pl.col("_n_totaal"), per)
    kolom = pl.coalesce(pl.col("_aantal_kolom"), pl.lit("aantal"))
    first_of_allocation = pl.col("_rij") == pl.col("_rij").min().over("t__rij")
    note_kolom = "toewijzingnummer" if ctx.in_file("toewijzingnummer") else "bsn"
    frames = [
        results(
            known.filter(pl.col("_periode")),
            kolom=kolom,
            waarde=number_from_units(pl.col("_a")),
            melding=pl.when(pl.col("_pregels") == 1)
            .then(
                pl.format(
                    "aantal {}{} is meer dan {} voor deze productperiode ({}) van toewijzing {}{}",
                    shown(pl.col("_qc")),
                    minutes_note,
                    shown(pl.col("_max")),
                    period_text,
                    _allocation_label(),
                    notes,
                )
            )
            .otherwise(
                pl.format(
                    "opgeteld {} in deze productperiode (met de andere regels op"
                    " toewijzing {}) is meer dan {} ({}){}",
                    shown(pl.col("_pcum")),
                    _allocation_label(),
                    shown(pl.col("_max")),
                    period_text,
                    notes,
                )
            ),
            retourcode=pl.lit("9321"),
        ),
        results(
            known.filter(pl.col("_totaal")),
            kolom=kolom,
            waarde=number_from_units(pl.col("_a")),
            melding=pl.format(
                "opgeteld {} tot en met deze regel is meer dan {} over de hele"
                " toewijzing {} ({}){}",
                shown(pl.col("_cum")),
                shown(pl.col("_max_totaal")),
                _allocation_label(),
                total_text,
                notes,
            ),
            retourcode=pl.lit("9322"),
        ),
        results(
            unknown.filter(first_of_allocation),
            kolom=kolom,
            waarde=pl.col("t_frequentie"),
            melding=pl.format(
                "frequentie '{}' van toewijzing {} is onbekend (iJw: 1 per dag, 2 per week,"
                " 4 per maand, 6 totaal); het aantal is niet getoetst aan het volume",
                pl.col("t_frequentie"),
                _allocation_label(),
            ),
            ernst=pl.lit("waarschuwing"),
        ),
        results(
            rows.filter(mixed).filter(first_of_allocation),
            kolom=kolom,
            waarde=number_from_units(pl.col("_a")),
            melding=pl.format(
                "toewijzing {} heeft volume {} zonder eenheid, en de regels erop hebben"
                " verschillende eenheden ({}): het aantal is niet getoetst aan het volume",
                _allocation_label(),
                dutch_number(pl.col("t_volume")),
                pl.col("_lijneenheden"),
            ),
            ernst=pl.lit("waarschuwing"),
        ),
    ]
    if ctx.productie.onbekend.height:  # the total holds a value the file does not give
        frames.append(
            results(
                on_volume.filter(ctx.onbekend(QUANTITY_FIELDS)),
                kolom=note_kolom,
                waarde=pl.col(note_kolom),
                melding=pl.format(
                    "het aantal in deze regel is onbekend (PM023): het opgetelde aantal op"
                    " toewijzing {} is zonder deze regel getoetst en dus niet volledig;"
                    " controleer opnieuw als de waarde bekend is",
                    _allocation_label(),
                ),
                ernst=pl.lit("waarschuwing"),
                retourcode=pl.lit(""),
            )
        )
    return pl.concat(frames)


@controle(
    "PM012",
    ernst="fout",
    ijw="TR369",
    retourcode="9369",
    titel="Opgeteld bedrag boven het budget van de toewijzing",
    bron="iJw TR369; IJsselland webinar toewijzen 2023 (herstel / duurzaam)",
    nodig=("toewijzingen",),
    herstel=(
        "Declareer niet meer dan het budget van de toewijzing (bij een duurzaam traject: "
        "per toewijzingsjaar). Is meer zorg nodig, overleg dan met de gemeente over een "
        "hoger budget."
    ),
)
def boven_budget(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Telt de bedragen van alle regels op dezelfde toewijzing op (over alle productiebladen),
    op volgorde van begindatum, en meldt elke regel vanaf de regel waarmee het totaal boven
    het budget komt. Bij een hersteltraject (of zonder trajecttype) geldt het budget voor de
    hele periode, bij een duurzaam traject per jaar van de toewijzing, gerekend vanaf de
    ingangsdatum (een toewijzing vanaf 01-07-2023 heeft jaren 01-07-2023 t/m 30-06-2024,
    01-07-2024 t/m 30-06-2025, ...; vanaf 29-02-2024: 29-02-2024 t/m 28-02-2025, 01-03-2025
    t/m 28-02-2026, ...). Een productperiode die over de grens van twee toewijzingsjaren loopt
    (juli 2024 bij een toewijzing vanaf 15-07-2023) telt naar rato van haar dagen in elk jaar
    (op centen; samen precies het bedrag). Zonder bedrag telt het bedrag dat bij aantal en
    tarief hoort (zie PM010); een regel met een kolom per eenheid (2017) telt zijn bedrag één
    keer. Een creditregel telt negatief als hij een debetregel in deze werkmap crediteert; een
    creditregel voor een eerdere declaratie telt niet mee (die debetregel telt hier ook niet).
    Een regel waarvan het bedrag onbekend is (PM023) telt niet mee; de toewijzing krijgt dan
    een waarschuwing dat haar totaal niet volledig getoetst is.

    ## Waarom
    Een standaardbudget of offertebudget is een plafond: wat erboven gedeclareerd wordt,
    wordt afgewezen (TR369, retourcode 9369). Het webinar toewijzen 2023: bij herstel "geldt
    het financieel budget voor de gehele duur van de toewijzing", bij duurzaam "per jaar van
    de toewijzing" (niet per kalenderjaar). Hoe een maand over de jaargrens telt, zegt geen
    bron; naar rato van de dagen is wat het budget per jaar van de toewijzing betekent.

    ## Voorbeeld
    Duurzame toewijzing T1 vanaf 01-07-2023 met budget 12.000,00 en elke maand 2.000,00 geeft
    bij de zevende maand in het eerste toewijzingsjaar "opgeteld bedrag 14.000,00 tot en met
    deze regel is meer dan het budget 12.000,00 van toewijzing T1 (duurzaam: budget per jaar
    van de toewijzing, 01-07-2023 t/m 30-06-2024)"; een hersteltoewijzing met budget 8.000,00
    en regels van 5.000,00 en 3.250,00 geeft bij de tweede "(herstel: budget voor de hele
    periode)".
    """
    rows = _matched(ctx).filter(pl.col("t_budget").is_not_null())
    expected = pl.col("_verwacht")
    signed_expected = (
        pl.when(pl.col("_credit") & (expected > 0))
        .then(pl.lit(0, dtype=UNITS) - expected)
        .otherwise(expected)
    )
    # Unknown (PM023): the Bedrag, or without one what the expected amount comes from.
    unknown = ctx.onbekend(["bedrag"]) | (
        pl.col("bedrag").is_null() & ctx.onbekend([*QUANTITY_FIELDS, "tarief"])
    )
    rows = rows.with_columns(_onbekend=unknown)
    if ctx.meerdere_per_rij:  # 2017 layout: a row's Bedrag once, else its units' amounts summed
        rows = rows.group_by("_rij").agg(
            pl.all().exclude("_verwacht").first(),
            _verwacht=signed_expected.sum(),
            _verwacht_leeg=expected.is_null().any(),
        )
        per_row = pl.when(~pl.col("_verwacht_leeg")).then(pl.col("_verwacht"))
    else:
        per_row = signed_expected
    amount = (
        pl.when(pl.col("_los"))
        .then(pl.lit(0, dtype=UNITS))
        .when(pl.col("_onbekend"))
        .then(pl.lit(None, dtype=UNITS))
        .otherwise(pl.coalesce(pl.col("_b"), per_row))
    )
    duurzaam = (
        pl.col("t_trajecttype")
        .str.strip_chars()
        .str.to_lowercase()
        .str.starts_with("duurzaam")
        .fill_null(False)
    )
    start = pl.col("t_ingangsdatum")
    by_year = pl.col("_duurzaam") & start.is_not_null()

    begin, end = pl.col("begindatum"), pl.coalesce(pl.col("einddatum"), pl.col("begindatum"))
    with_losse = pl.col("_los").any().over("t__rij") if ctx.losse_credits else pl.lit(False)
    rows = rows.with_columns(_bedrag=amount, _duurzaam=duurzaam, _losse=with_losse)
    counted = rows.filter(pl.col("_bedrag").is_not_null())
    no_part = {
        "_dagen": pl.lit(None, dtype=pl.Int64),
        "_totaal_dagen": pl.lit(None, dtype=pl.Int64),
    }
    # Herstel: one period (year 0); duurzaam without an Ingangsdatum: calendar years.
    flat = counted.filter(~by_year).with_columns(
        _jaar=pl.when(pl.col("_duurzaam"))
        .then(begin.dt.year().cast(pl.Int32))
        .otherwise(pl.lit(0, dtype=pl.Int32)),
        _deel=pl.col("_bedrag"),
        **no_part,
    )
    yearly = counted.filter(by_year).with_columns(
        _jaar=allocation_year(begin, start), _jaar_eind=allocation_year(end, start)
    )
    whole = yearly.filter(pl.col("_jaar_eind") <= pl.col("_jaar")).with_columns(
        _deel=pl.col("_bedrag"), **no_part
    )
    # A product period over the boundary of two years of the allocation: in each year the part
    # of its days (rounded to cents so that the parts add up to the amount exactly).
    days_total = (end - begin).dt.total_days() + 1
    part_from = pl.max_horizontal(begin, anniversary(start, pl.col("_jaar")))
    part_to = pl.min_horizontal(end, anniversary(start, pl.col("_jaar") + 1) - pl.duration(days=1))
    through = (pl.col("_tot") - begin).dt.total_days() + 1  # days up to this part's end

    def share(days: pl.Expr) -> pl.Expr:
        """The amount × days / all its days, in whole cents, rounded half up."""
        numerator = pl.col("_bedrag") * days.cast(UNITS)
        denominator = pl.col("_totaal_dagen").cast(UNITS) * 100
        size = (abs_units(numerator) * 2 + denominator) // (denominator * 2)
        signed = pl.when(numerator < 0).then(pl.lit(0, dtype=UNITS) - size).otherwise(size)
        return signed * 100

    split = (
        yearly.filter(pl.col("_jaar_eind") > pl.col("_jaar"))
        .with_columns(_jaar=pl.int_ranges(pl.col("_jaar"), pl.col("_jaar_eind") + 1))
        .explode("_jaar")
        .with_columns(_jaar=pl.col("_jaar").cast(pl.Int32), _totaal_dagen=days_total)
        .with_columns(_van=part_from, _tot=part_to)
        .with_columns(_dagen=(pl.col("_tot") - pl.col("_van")).dt.total_days() + 1, _door=through)
        .with_columns(
            _deel=share(pl.col("_door")) - share(pl.col("_door") - pl.col("_dagen")),
            begindatum=pl.col("_van"),
        )
        .drop("_van", "_tot", "_door")
    )
    budget = units(pl.col("t_budget"))
    over = (
        pl.concat(
            [flat, *(f.select(flat.collect_schema().names()) for f in (whole, split))],
            how="vertical",
        )
        .with_columns(
            _cum=pl.col("_deel")
            .cum_sum()
            .over(["t__rij", "_jaar"], order_by=["begindatum", "_rij"]),
            _netto=pl.col("_deel").sum().over(["t__rij", "_jaar"]),
        )
        .filter((pl.col("_cum") > budget) & (pl.col("_netto") > budget))
    )
    year_start = anniversary(start, pl.col("_jaar"))
    year_end = anniversary(start, pl.col("_jaar") + 1) - pl.duration(days=1)
    period = (
        pl.when(~pl.col("_duurzaam"))
        .then(pl.lit("herstel: budget voor de hele periode"))
        .when(start.is_null())
        .then(
            pl.format(
                "duurzaam: budget per jaar; zonder ingangsdatum per kalenderjaar {}",
                pl.col("_jaar"),
            )
        )
        .otherwise(
            pl.format(
                "duurzaam: budget per jaar van de toewijzing, {} t/m {}{}",
                datum(year_start),
                datum(year_end),
                pl.when(pl.col("_dagen").is_not_null())
                .then(
                    pl.format(
                        "; deze regel telt voor {} van zijn {} dagen in dit jaar: {}",
                        pl.col("_dagen"),
                        pl.col("_totaal_dagen"),
                        euro_from_units(pl.col("_deel")),
                    )
                )
                .otherwise(pl.lit("")),
            )
        )
    )
    losse = (
        pl.when(pl.col("_losse"))
        .then(
            pl.lit(
                "; een creditregel voor een declaratie die niet in deze werkmap staat, telt hier"
                " niet mee"
            )
        )
        .otherwise(pl.lit(""))
    )
    note_kolom = "toewijzingnummer" if ctx.in_file("toewijzingnummer") else "bsn"
    frames = [
        results(
            over,
            kolom="bedrag"
            if ctx.in_file("bedrag")
            else pl.coalesce(pl.col("_aantal_kolom"), pl.lit("aantal")),
            waarde=euro_from_units(pl.col("_bedrag")),
            melding=pl.format(
                "opgeteld bedrag {} tot en met deze regel is meer dan het budget {} van"
                " toewijzing {} ({}){}",
                euro_from_units(pl.col("_cum")),
                euro_from_units(budget),
                _allocation_label(),
                period,
                losse,
            ),
        ),
    ]
    if ctx.productie.onbekend.height:  # the total holds a value the file does not give
        frames.append(
            results(
                rows.filter(pl.col("_onbekend") & ~pl.col("_los")),
                kolom=note_kolom,
                waarde=pl.col(note_kolom),
                melding=pl.format(
                    "het bedrag in deze regel is onbekend (PM023): het opgetelde bedrag op"
                    " toewijzing {} is zonder deze regel getoetst aan het budget en dus niet"
                    " volledig; controleer opnieuw als de waarde bekend is",
                    _allocation_label(),
                ),
                ernst=pl.lit("waarschuwing"),
                retourcode=pl.lit(""),
            )
        )
    return pl.concat(frames)


@controle(
    "PM014",
    ernst="fout",
    ijw="TR387/TR388",
    retourcode="9387/9388",
    titel="Productperiode is niet één kalendermaand",
    bron="iJw TR387, TR388",
    schakelaar="maandperiode",
    herstel=(
        "Splits de regel per kalendermaand: begindatum de eerste en einddatum de laatste "
        "dag van dezelfde maand, of de ingangs- of einddatum van de toewijzing als die in "
        "de maand valt."
    ),
)
def geen_kalendermaand(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen waarin elke regel een maanddeclaratie is (`controles.maandperiode`).
    Een productperiode moet één kalendermaand zijn: de begindatum de eerste dag van de maand,
    de einddatum de laatste dag van dezelfde maand, tenzij de toewijzing later in die maand
    begint of eerder eindigt; dan de ingangs- of einddatum van de toewijzing. Zonder
    toewijzingen (of zonder passende toewijzing) wordt alleen gemeld dat een periode over de
    maandgrens loopt.

    ## Waarom
    Sinds iJw 3.1 dwingen TR387 (begindatum, retourcode 9387) en TR388 (einddatum,
    retourcode 9388) af dat de productperiode de kalendermaand is waarin de zorg is geleverd,
    ingekort tot de toewijzingsperiode.

    ## Voorbeeld
    Een regel van 01-03-2023 t/m 15-04-2023 geeft "periode 01-03-2023 t/m 15-04-2023 loopt
    over de maandgrens: een productperiode is één kalendermaand"; 15-03-2023 t/m 31-03-2023 op
    een toewijzing die op 15-03-2023 ingaat is goed.
    """
    begin, end = pl.col("begindatum"), pl.col("einddatum")
    month_end = begin.dt.month_end()
    rows = ctx.rows.filter(begin.is_not_null() & end.is_not_null() & (end >= begin))
    crosses = end > month_end
    frames = [
        results(
            rows.filter(crosses),
            kolom="einddatum",
            waarde=datum(end),
            melding=pl.format(
                "periode {} t/m {} loopt over de maandgrens: een productperiode is één kalendermaand",
                datum(begin),
                datum(end),
            ),
            retourcode=pl.lit("9388"),
        )
    ]
    if ctx.toewijzingen is not None:
        matched = _matched(ctx).filter(begin.is_not_null() & end.is_not_null() & (end >= begin))
        start_ok = (begin == begin.dt.month_start()) | (
            begin == pl.col("t_ingangsdatum")
        ).fill_null(False)
        end_ok = (end == month_end) | (
            (end == pl.col("t_einddatum")) & (pl.col("t_einddatum") <= month_end)
        ).fill_null(False)
        frames += [
            results(
                matched.filter(~start_ok),
                kolom="begindatum",
                waarde=datum(begin),
                melding=pl.format(
                    "begindatum {} is niet de eerste dag van de maand ({}) en niet de ingangsdatum"
                    " {} van toewijzing {}",
                    datum(begin),
                    datum(begin.dt.month_start()),
                    datum(pl.col("t_ingangsdatum")).fill_null("(leeg)"),
                    _allocation_label(),
                ),
                retourcode=pl.lit("9387"),
            ),
            results(
                matched.filter(~crosses & ~end_ok),
                kolom="einddatum",
                waarde=datum(end),
                melding=pl.format(
                    "einddatum {} is niet de laatste dag van de maand ({}) en niet de einddatum"
                    " van toewijzing {}",
                    datum(end),
                    datum(month_end),
                    _allocation_label(),
                ),
                retourcode=pl.lit("9388"),
            ),
        ]
    return pl.concat(frames)


@controle(
    "PM021",
    ernst="fout",
    ijw="TR384",
    retourcode="9384",
    titel="Declaratie op een verwijderde toewijzing (reden 13)",
    bron="iJw TR384",
    nodig=("toewijzingen",),
    herstel=(
        "Declareer niet op een verwijderde toewijzing: gebruik het nummer van de geldige "
        "toewijzing, of vraag de gemeente om een nieuwe."
    ),
)
def toewijzing_verwijderd(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een regel op een toewijzing waarvan de laatste versie in de lijst met toewijzingen
    reden wijziging 13 (verwijderd) heeft.

    ## Waarom
    Een toewijzing die met reden 13 is verwijderd, heeft nooit bestaan; declareren erop wordt
    afgewezen (TR384, retourcode 9384).

    ## Voorbeeld
    Een regel op toewijzing T1, die in de toewijzingen reden wijziging 13 heeft, geeft
    "toewijzing T1 is verwijderd (reden wijziging 13); hierop mag niet worden gedeclareerd".
    """
    rows = _matched(ctx).filter(pl.col("t_reden_wijziging").str.strip_chars().eq_missing("13"))
    has_number = ctx.in_file("toewijzingnummer")
    return results(
        rows,
        kolom="toewijzingnummer" if has_number else "bsn",
        waarde=pl.col("toewijzingnummer") if has_number else pl.col("bsn"),
        melding=pl.format(
            "toewijzing {} is verwijderd (reden wijziging 13); hierop mag niet worden gedeclareerd",
            _allocation_label(),
        ),
    )
