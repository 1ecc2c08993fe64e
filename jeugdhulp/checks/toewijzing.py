"""Checks against the allocations (toewijzingen, JW301): existence, code, period, volume,
budget, deletion, monthly product periods (PM005-PM007, PM011, PM012, PM014, PM021)."""

from __future__ import annotations

import polars as pl

from jeugdhulp.checks._base import (
    MINUUT,
    UUR,
    Context,
    controle,
    datum,
    eenheid_naam,
    euro_from_units,
    number_from_units,
    results,
    round_half_up_cents,
    units,
)


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
)
def geen_toewijzing(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Zoekt bij elke regel de toewijzing: op BSN + toewijzingnummer als de regel een
    toewijzingnummer heeft, anders op BSN + productcode (een aspecifieke toewijzing, zonder
    productcode, past bij elke code van dezelfde categorie). Meldt een regel zonder
    toewijzing en noemt wat er voor die BSN wel is toegewezen, of bij welk BSN het
    toewijzingnummer hoort (een tikfout in het BSN).

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
        .agg(pl.col("bsn").unique().sort().str.join(", ").alias("_eigenaar"))
    )
    rows = (
        ctx.allocation.filter(pl.col("_match").is_null())
        .join(ctx.allocated_codes, left_on="bsn", right_on="t_bsn", how="left")
        .join(owners, left_on="toewijzingnummer", right_on="_nummer", how="left")
    )
    known = (
        pl.when(pl.col("_eigenaar").is_not_null())
        .then(
            pl.format(
                " (dit toewijzingnummer hoort bij BSN {}; klopt het BSN?)", pl.col("_eigenaar")
            )
        )
        .when(pl.col("t_codes").is_null())
        .then(pl.lit(" (geen enkele toewijzing voor deze BSN)"))
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
)
def code_wijkt_af(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Vergelijkt bij een regel met toewijzingnummer de productcategorie en productcode met die
    van de toewijzing. Bij een aspecifieke toewijzing (alleen een categorie, geen code) moet
    alleen de categorie gelijk zijn: elke code binnen die categorie mag.

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
    return pl.concat(
        [
            results(
                rows.filter(category_differs),
                kolom="productcategorie" if category_given else "productcode",
                waarde=pl.col("productcategorie") if category_given else pl.col("productcode"),
                melding=pl.format(
                    "productcategorie {} wijkt af van categorie {} van toewijzing {}",
                    pl.col("_cat"),
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
)
def buiten_toewijzingsperiode(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een regel die begint voor de ingangsdatum van de toewijzing, of eindigt na de
    einddatum ervan. Een toewijzing zonder einddatum loopt open door.

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
        ]
    )


def _frequency(kind: str) -> pl.Expr:
    """WJ757 frequency: "totaal" (6, totaal binnen geldigheidsduur; also empty) or "maand" (4)."""
    f = pl.col("t_frequentie").str.strip_chars().str.to_lowercase()
    if kind == "totaal":
        return f.is_null() | f.is_in(["6", "06"]) | f.str.contains("totaal")
    return f.is_in(["4", "04"]) | f.str.contains("maand")


@controle(
    "PM011",
    ernst="fout",
    ijw="TR321/TR322",
    retourcode="9321/9322",
    titel="Aantal boven het toegewezen volume",
    bron="iJw TR321, TR322",
    nodig=("toewijzingen",),
)
def boven_volume(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Vergelijkt het aantal met het toegewezen volume, in de eenheid van de toewijzing
    (minuten op een toewijzing in uren worden omgerekend). Per regel: één regel boven het
    volume (TR321). Opgeteld over alle regels van dezelfde toewijzing, op volgorde van
    begindatum: elke regel vanaf de regel waarmee het totaal boven het volume komt (TR322).
    Opgeteld wordt alleen bij een volume voor de hele looptijd (frequentie 6, "totaal", of
    leeg); bij een volume per maand (frequentie 4) telt alleen de regel zelf. Andere
    frequenties (per dag, per week) worden niet gecontroleerd.

    ## Waarom
    Meer leveren dan toegewezen wordt niet betaald (retourcodes 9321, 9322).

    ## Voorbeeld
    Toewijzing T1 van 1.200 minuten met regels van 600, 500 en 300 minuten geeft bij de derde
    regel "opgeteld aantal 1.400 tot en met deze regel is meer dan het toegewezen volume 1.200
    01 (minuut) van toewijzing T1".
    """
    du, tu = pl.col("_eenheid"), pl.col("t_eenheid")
    hours_in_minutes = (tu == UUR) & (du == MINUUT)
    factor = pl.when(hours_in_minutes).then(60).otherwise(1)
    rows = (
        _matched(ctx)
        .filter(
            pl.col("t_volume").is_not_null()
            & pl.col("_a").is_not_null()
            & (tu.is_null() | du.is_null() | (du == tu) | hours_in_minutes)
        )
        .with_columns(
            # everything in the declared unit: hours on the allocation become minutes
            _vol=units(pl.col("t_volume")) * factor,
            _totaal=_frequency("totaal"),
            _maand=_frequency("maand"),
        )
        .with_columns(_cum=pl.col("_a").cum_sum().over("t__rij", order_by=["begindatum", "_rij"]))
    )
    unit = (
        pl.when(tu.is_null())
        .then(pl.lit(""))
        .otherwise(pl.format(" {}", eenheid_naam(pl.coalesce(du, tu))))
    )
    per_line = (pl.col("_totaal") | pl.col("_maand")) & (pl.col("_a") > pl.col("_vol"))
    summed = pl.col("_totaal") & ~per_line & (pl.col("_cum") > pl.col("_vol"))
    return pl.concat(
        [
            results(
                rows.filter(per_line),
                kolom=pl.coalesce(pl.col("_aantal_kolom"), pl.lit("aantal")),
                waarde=number_from_units(pl.col("_a")),
                melding=pl.format(
                    "aantal {} is meer dan het toegewezen volume {}{} van toewijzing {}",
                    number_from_units(pl.col("_a")),
                    number_from_units(pl.col("_vol")),
                    unit,
                    _allocation_label(),
                ),
                retourcode=pl.lit("9321"),
            ),
            results(
                rows.filter(summed),
                kolom=pl.coalesce(pl.col("_aantal_kolom"), pl.lit("aantal")),
                waarde=number_from_units(pl.col("_a")),
                melding=pl.format(
                    "opgeteld aantal {} tot en met deze regel is meer dan het toegewezen volume"
                    " {}{} van toewijzing {}",
                    number_from_units(pl.col("_cum")),
                    number_from_units(pl.col("_vol")),
                    unit,
                    _allocation_label(),
                ),
                retourcode=pl.lit("9322"),
            ),
        ]
    )


@controle(
    "PM012",
    ernst="fout",
    ijw="TR369",
    retourcode="9369",
    titel="Opgeteld bedrag boven het budget van de toewijzing",
    bron="iJw TR369; IJsselland webinar toewijzen 2023 (herstel / duurzaam)",
    nodig=("toewijzingen",),
)
def boven_budget(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Telt de bedragen van alle regels op dezelfde toewijzing op, op volgorde van begindatum,
    en meldt elke regel vanaf de regel waarmee het totaal boven het budget komt. Bij een
    hersteltraject (of zonder trajecttype) geldt het budget voor de hele periode, bij een
    duurzaam traject per kalenderjaar. Zonder bedrag telt aantal × tarief (of het
    contracttarief), half naar boven afgerond op centen.

    ## Waarom
    Een standaardbudget of offertebudget is een plafond: wat erboven gedeclareerd wordt,
    wordt afgewezen (TR369, retourcode 9369). Bij duurzaam is het budget per jaar.

    ## Voorbeeld
    Hersteltoewijzing T1 met budget 8.000,00 en regels van 5.000,00 en 3.250,00 geeft bij de
    tweede regel "opgeteld bedrag 8.250,00 tot en met deze regel is meer dan het budget
    8.000,00 van toewijzing T1 (herstel: budget voor de hele periode)".
    """
    rows = _matched(ctx).filter(pl.col("t_budget").is_not_null())
    tariff = units(pl.col("tarief"))
    if ctx.products is not None:
        tariff = pl.coalesce(tariff, pl.col("_contract"))
    amount = pl.coalesce(units(pl.col("bedrag")), round_half_up_cents(pl.col("_a") * tariff))
    duurzaam = (
        pl.col("t_trajecttype")
        .str.strip_chars()
        .str.to_lowercase()
        .str.starts_with("duurzaam")
        .fill_null(False)
    )
    rows = (
        rows.with_columns(_bedrag=amount, _duurzaam=duurzaam)
        .filter(pl.col("_bedrag").is_not_null())
        .with_columns(
            _jaar=pl.when(pl.col("_duurzaam")).then(pl.col("begindatum").dt.year()).otherwise(0)
        )
        .with_columns(
            _cum=pl.col("_bedrag")
            .cum_sum()
            .over(["t__rij", "_jaar"], order_by=["begindatum", "_rij"])
        )
        .filter(pl.col("_cum") > units(pl.col("t_budget")))
    )
    period = (
        pl.when(pl.col("_duurzaam"))
        .then(pl.format("duurzaam: budget per kalenderjaar, {}", pl.col("_jaar")))
        .otherwise(pl.lit("herstel: budget voor de hele periode"))
    )
    return results(
        rows,
        kolom="bedrag"
        if ctx.in_file("bedrag")
        else pl.coalesce(pl.col("_aantal_kolom"), pl.lit("aantal")),
        waarde=euro_from_units(pl.col("_bedrag")),
        melding=pl.format(
            "opgeteld bedrag {} tot en met deze regel is meer dan het budget {} van toewijzing {}"
            " ({})",
            euro_from_units(pl.col("_cum")),
            euro_from_units(units(pl.col("t_budget"))),
            _allocation_label(),
            period,
        ),
    )


@controle(
    "PM014",
    ernst="fout",
    ijw="TR387/TR388",
    retourcode="9387/9388",
    titel="Productperiode is niet één kalendermaand",
    bron="iJw TR387, TR388",
    schakelaar="maandperiode",
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
