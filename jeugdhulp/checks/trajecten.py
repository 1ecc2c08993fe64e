"""Checks over a child's rows together: stacking, doubles, age, 70/30, reopening, transition
clients (PM013, PM015-PM019)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jeugdhulp.checks._base import OPEN_END, Context, controle, datum, no_results, results


def _arrangement_rows(ctx: Context) -> pl.LazyFrame:
    """Rows with a BSN, an arrangement code and a begindatum; `_eind` with an open end."""
    return (
        ctx.rows.filter(
            pl.col("bsn").is_not_null()
            & pl.col("_code").is_not_null()
            & pl.col("begindatum").is_not_null()
        )
        .join(ctx.is_arrangement.filter(pl.col("_arrangement")), on="_rij", how="semi")
        .with_columns(
            _eind=pl.max_horizontal(pl.col("begindatum"), pl.col("einddatum").fill_null(OPEN_END))
        )
    )


def _period(begin: pl.Expr, end: pl.Expr) -> pl.Expr:
    return pl.format(
        "{} t/m {}",
        datum(begin),
        pl.when(end == OPEN_END).then(pl.lit("open")).otherwise(datum(end)),
    )


@controle(
    "PM013",
    ernst="fout",
    ijw="OP259",
    retourcode="",
    titel="Twee arrangementen tegelijk voor één jeugdige (stapelen)",
    bron="Hart van Brabant arrangementen en vervoer; iJw OP259",
    schakelaar="arrangementen_niet_stapelen",
)
def arrangementen_gestapeld(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.arrangementen_niet_stapelen`. Meldt regels met twee
    verschillende arrangementscodes (volgens de productenlijst binnen een arrangement, of
    beginnend met het arrangementsprefix van het profiel, zoals 50H) voor dezelfde BSN in
    overlappende periodes. Aansluitende regels met dezelfde code tellen als één periode.
    Voortschrijdend inzicht is geen stapelen: het lopende arrangement krijgt een einddatum en
    het nieuwe begint daarna (of op die dag zelf: een overdrachtsdag mag).

    ## Waarom
    In Hart van Brabant heeft een jeugdige één arrangement tegelijk; producten buiten het
    arrangement (verblijf, vervoer, dyslexie, crisis) mogen ernaast.

    ## Voorbeeld
    50H23 van 01-01-2017 t/m open en 50H12 van 01-03-2017 t/m 30-06-2017 voor dezelfde BSN
    geeft bij beide regels een melding, bijvoorbeeld "arrangement 50H12 (01-03-2017 t/m
    30-06-2017) overlapt met arrangement 50H23 (01-01-2017 t/m open) voor dezelfde jeugdige;
    sluit het lopende arrangement af met een einddatum". Met einddatum 28-02-2017 bij 50H23
    is er geen melding.
    """
    rows = _arrangement_rows(ctx)
    # Episodes: consecutive rows of one code (month after month) form one period.
    order = ["begindatum", "_rij"]
    episodes_rows = rows.with_columns(
        _nieuw=(
            pl.col("begindatum")
            > pl.col("_eind")
            .cum_max()
            .shift(1)
            .over(["bsn", "_code"], order_by=order)
            .dt.offset_by("1d")
        ).fill_null(True)
    ).with_columns(
        _ep=pl.col("_nieuw").cast(pl.Int32).cum_sum().over(["bsn", "_code"], order_by=order)
    )
    episodes = episodes_rows.group_by(["bsn", "_code", "_ep"]).agg(
        _van=pl.col("begindatum").min(), _tot=pl.col("_eind").max()
    )
    pairs = episodes.join(episodes, on="bsn", suffix="_b").filter(
        (pl.col("_code") != pl.col("_code_b"))
        & (pl.col("_van") < pl.col("_tot_b"))
        & (pl.col("_van_b") < pl.col("_tot"))
    )
    hits = (
        episodes_rows.join(pairs, on=["bsn", "_code", "_ep"], how="inner")
        .filter((pl.col("begindatum") < pl.col("_tot_b")) & (pl.col("_van_b") < pl.col("_eind")))
        .sort(["_rij", "_van_b"])
        .unique("_rij", keep="first", maintain_order=True)
    )
    return results(
        hits,
        kolom="productcode",
        waarde=pl.col("productcode"),
        melding=pl.format(
            "arrangement {} ({}) overlapt met arrangement {} ({}) voor dezelfde jeugdige;"
            " sluit het lopende arrangement af met een einddatum",
            pl.col("_code"),
            _period(pl.col("begindatum"), pl.col("_eind")),
            pl.col("_code_b"),
            _period(pl.col("_van_b"), pl.col("_tot_b")),
        ),
    )


@controle(
    "PM015",
    ernst="fout",
    ijw="TR389/TR416",
    retourcode="",
    titel="Dezelfde toewijzing, code en periode twee keer gedeclareerd",
    bron="iJw TR389, TR416",
)
def dubbel_gedeclareerd(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt elke volgende regel met dezelfde toewijzing (toewijzingnummer, of BSN als er geen
    toewijzingnummer is), dezelfde productcode en dezelfde periode als een eerdere regel.

    ## Waarom
    Twee keer dezelfde prestatie is een dubbele debetdeclaratie; de gemeente wijst de tweede
    af (TR389, TR416). De retourcode verschilt per situatie en wordt daarom niet genoemd.

    ## Voorbeeld
    Twee regels met toewijzing T1, 45A48 en 01-03-2023 t/m 31-03-2023 geven bij de tweede
    "zelfde toewijzing T1, productcode 45A48 en periode 01-03-2023 t/m 31-03-2023 als regel
    5: dubbel gedeclareerd".
    """
    number = pl.col("toewijzingnummer")
    who = (
        pl.when(number.is_not_null())
        .then(pl.format("toewijzing {}", number))
        .otherwise(pl.format("BSN {}", pl.col("bsn")))
    )
    key = [pl.coalesce(number, pl.lit("bsn:") + pl.col("bsn")), "_code", "begindatum", "einddatum"]
    rows = (
        ctx.rows.filter(
            (number.is_not_null() | pl.col("bsn").is_not_null())
            & pl.col("_code").is_not_null()
            & pl.col("begindatum").is_not_null()
        )
        .with_columns(_eerste=pl.col("_rij").min().over(key))
        .filter(pl.col("_rij") != pl.col("_eerste"))
    )
    end = pl.col("einddatum")
    return results(
        rows,
        kolom="productcode",
        waarde=pl.col("productcode"),
        melding=pl.format(
            "zelfde {}, productcode {} en periode {} t/m {} als regel {}: dubbel gedeclareerd",
            who,
            pl.col("_code"),
            datum(pl.col("begindatum")),
            pl.when(end.is_null()).then(pl.lit("(leeg)")).otherwise(datum(end)),
            pl.col("_eerste"),
        ),
    )


@controle(
    "PM016",
    ernst="waarschuwing",
    ijw="",
    retourcode="",
    titel="Jeugdige 18 jaar of ouder zonder verlengde jeugdhulp",
    bron="IJsselland FAQ administratie",
)
def achttien_jaar(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een regel waarin de jeugdige tijdens de periode 18 wordt of al is (geboortedatum
    plus 18 jaar op of voor de einddatum, of de begindatum als die ontbreekt), terwijl
    "verlengde jeugdhulp" niet op ja staat. De leeftijd komt uit `leeftijd.maximum` van het
    profiel (standaard 18).

    ## Waarom
    "De zorg wordt betaald tot 18 jaar en anders moet er verlengde jeugdhulp toegekend
    worden." Het is een waarschuwing: de zorg tot de verjaardag in dezelfde maand kan terecht
    zijn.

    ## Voorbeeld
    Geboortedatum 12-05-2005 en periode 01-05-2023 t/m 31-05-2023 geeft "jeugdige (geboren
    12-05-2005) wordt 18 op 12-05-2023, binnen de periode t/m 31-05-2023, zonder verlengde
    jeugdhulp".
    """
    if not ctx.in_file("geboortedatum"):
        return no_results()
    age = int(ctx.profile.get("leeftijd.maximum", 18))
    birthday = pl.col("geboortedatum").dt.offset_by(f"{age}y")
    until = pl.coalesce(pl.col("einddatum"), pl.col("begindatum"))
    rows = ctx.rows.filter(
        (birthday <= until).fill_null(False) & ~pl.col("verlengde_jeugdhulp").fill_null(False)
    )
    melding = (
        pl.when(birthday < pl.col("begindatum"))
        .then(
            pl.format(
                "jeugdige (geboren {}) is al {} sinds {}, voor de periode vanaf {}, zonder"
                " verlengde jeugdhulp",
                datum(pl.col("geboortedatum")),
                pl.lit(age),
                datum(birthday),
                datum(pl.col("begindatum")),
            )
        )
        .otherwise(
            pl.format(
                "jeugdige (geboren {}) wordt {} op {}, binnen de periode t/m {}, zonder verlengde"
                " jeugdhulp",
                datum(pl.col("geboortedatum")),
                pl.lit(age),
                datum(birthday),
                datum(until),
            )
        )
    )
    return results(
        rows, kolom="geboortedatum", waarde=datum(pl.col("geboortedatum")), melding=melding
    )


@controle(
    "PM017",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="30%-code gedeclareerd zonder stop met reden 31 op de 70%-code",
    bron="IJsselland FAQ administratie (segment Midden, 70/30)",
    schakelaar="zeventig_dertig",
)
def dertig_zonder_resultaat(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.zeventig_dertig` en de codeparen in
    `[[zeventig_dertig]]` (`code_70`, `code_30`). Meldt een regel met een 30%-code als geen
    regel met de bijbehorende 70%-code voor dezelfde BSN is beëindigd met reden 31 (levering
    volgens plan beëindigd: resultaat behaald).

    ## Waarom
    In segment Midden wordt 70% na de start gedeclareerd en 30% pas als het resultaat is
    behaald. "Als er een andere reden is dan code 31 ... dan geldt dat als uitval": de 30% mag
    dan niet worden gedeclareerd.

    ## Voorbeeld
    50054 (30%) terwijl 50053 (70%) is gestopt met reden 34 geeft "30%-code 50054
    gedeclareerd, maar de 70%-code 50053 is beëindigd met reden 34 in plaats van 31 (resultaat
    behaald): dat is uitval, de 30% mag niet worden gedeclareerd". Met reden 31 is er geen
    melding.
    """
    pairs_rows = [
        {"code_70": str(p["code_70"]), "code_30": str(p["code_30"])}
        for p in ctx.profile.get("zeventig_dertig", [])
    ]
    if not pairs_rows:
        return no_results()
    pairs = pl.LazyFrame(pairs_rows, schema={"code_70": pl.String, "code_30": pl.String})
    reason = pl.col("reden_beeindiging").str.strip_chars()
    seventy = (
        ctx.rows.filter(pl.col("bsn").is_not_null())
        .join(pairs, left_on="_code", right_on="code_70", how="inner")
        .group_by(["bsn", "_code"])
        .agg(
            _r31=(reason == "31").any(),
            _redenen=reason.drop_nulls().unique().sort().str.join(", "),
        )
        .rename({"_code": "code_70"})
    )
    rows = (
        ctx.rows.filter(pl.col("bsn").is_not_null())
        .join(pairs, left_on="_code", right_on="code_30", how="inner")
        .join(seventy, on=["bsn", "code_70"], how="left")
        .filter(~pl.col("_r31").fill_null(False))
    )
    melding = (
        pl.when(pl.col("_r31").is_null())
        .then(
            pl.format(
                "30%-code {} gedeclareerd, maar er is geen regel met de 70%-code {} voor deze"
                " jeugdige die is beëindigd met reden 31 (resultaat behaald)",
                pl.col("_code"),
                pl.col("code_70"),
            )
        )
        .when(pl.col("_redenen") == "")
        .then(
            pl.format(
                "30%-code {} gedeclareerd, maar de 70%-code {} is niet beëindigd met reden 31"
                " (resultaat behaald)",
                pl.col("_code"),
                pl.col("code_70"),
            )
        )
        .otherwise(
            pl.format(
                "30%-code {} gedeclareerd, maar de 70%-code {} is beëindigd met reden {} in plaats"
                " van 31 (resultaat behaald): dat is uitval, de 30% mag niet worden gedeclareerd",
                pl.col("_code"),
                pl.col("code_70"),
                pl.col("_redenen"),
            )
        )
    )
    return results(rows, kolom="productcode", waarde=pl.col("productcode"), melding=melding)


@controle(
    "PM018",
    ernst="waarschuwing",
    ijw="",
    retourcode="",
    titel="Arrangement heropend binnen enkele maanden na de einddatum",
    bron="Hart van Brabant FAQ productiemonitor",
    schakelaar="heropenen_binnen_maanden",
)
def heropend_arrangement(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.heropenen_binnen_maanden` (Hart van Brabant: 3). Meldt
    een arrangementsregel die begint na een onderbreking, maar binnen dat aantal maanden na
    de einddatum van een eerdere regel met dezelfde BSN en dezelfde arrangementscode. Een regel
    die direct aansluit (de dag na de einddatum) is een voortzetting, geen heropening.

    ## Waarom
    "Meldt een jeugdige/gezin zich binnen 3 maanden na afloop van een zorgtraject opnieuw met
    dezelfde klachten en wensen, dan hervat de jeugdhulpaanbieder de zorg binnen hetzelfde,
    eerder afgesloten arrangement. U noteert deze heropende arrangementen NIET in de
    productiemonitor." Een waarschuwing: of het dezelfde klachten zijn, weet alleen de
    aanbieder.

    ## Voorbeeld
    50H23 t/m 31-03-2017 en opnieuw 50H23 vanaf 15-06-2017 geeft "arrangement 50H23 begint
    op 15-06-2017, binnen 3 maanden na de einddatum 31-03-2017 (regel 5): een heropend
    arrangement noteert u niet opnieuw". Vanaf 01-08-2017 (4 maanden later) is geen melding.
    """
    months = int(ctx.setting("heropenen_binnen_maanden", 0))
    if months <= 0:
        return no_results()
    order = ["begindatum", "_rij"]
    rows = (
        _arrangement_rows(ctx)
        .with_columns(
            _vorig_eind=pl.col("_eind").cum_max().shift(1).over(["bsn", "_code"], order_by=order),
            _vorige_rij=pl.col("_rij").shift(1).over(["bsn", "_code"], order_by=order),
        )
        .filter(
            (pl.col("_vorig_eind") < OPEN_END)
            & (pl.col("begindatum") > pl.col("_vorig_eind").dt.offset_by("1d"))
            & (pl.col("begindatum") <= pl.col("_vorig_eind").dt.offset_by(f"{months}mo"))
        )
    )
    return results(
        rows,
        kolom="begindatum",
        waarde=datum(pl.col("begindatum")),
        melding=pl.format(
            "arrangement {} begint op {}, binnen {} maanden na de einddatum {} (regel {}): een"
            " heropend arrangement noteert u niet opnieuw",
            pl.col("_code"),
            datum(pl.col("begindatum")),
            pl.lit(months),
            datum(pl.col("_vorig_eind")),
            pl.col("_vorige_rij"),
        ),
    )


@controle(
    "PM019",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Overgangscliënt met productie buiten het overgangsjaar",
    bron="Hart van Brabant FAQ productiemonitor",
    schakelaar="overgangsjaar",
)
def overgangsclient_buiten_jaar(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.overgangsjaar` (Hart van Brabant: 2017). Meldt een
    regel van een overgangscliënt (kolom Overgangscliënt = ja) die begint voor 1 januari of
    eindigt na 31 december van het overgangsjaar.

    ## Waarom
    "U noteert alleen de minuten en/of ligdagen gemaakt in 2017 voor de overgangscliënten"
    en "de zorg voor overgangscliënten loopt door tot uiterlijk 31 december 2017".

    ## Voorbeeld
    Een overgangscliënt met periode 01-12-2016 t/m 31-01-2017 geeft "overgangscliënt: periode
    01-12-2016 t/m 31-01-2017 valt buiten 2017; noteer alleen de zorg geleverd in 2017".
    """
    year = int(ctx.setting("overgangsjaar", 0))
    if year <= 0:
        return no_results()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    begin, end = pl.col("begindatum"), pl.col("einddatum")
    too_early = (begin < first).fill_null(False)
    too_late = (end > last).fill_null(False)
    rows = ctx.rows.filter(pl.col("overgangsclient").fill_null(False) & (too_early | too_late))
    shown_end = pl.when(end.is_null()).then(pl.lit("(leeg)")).otherwise(datum(end))
    return results(
        rows,
        kolom=pl.when(too_early).then(pl.lit("begindatum")).otherwise(pl.lit("einddatum")),
        waarde=pl.when(too_early).then(datum(begin)).otherwise(datum(end)),
        melding=pl.format(
            "overgangscliënt: periode {} t/m {} valt buiten {}; noteer alleen de zorg geleverd"
            " in {}",
            datum(begin).fill_null("(leeg)"),
            shown_end,
            pl.lit(year),
            pl.lit(year),
        ),
    )
