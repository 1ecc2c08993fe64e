"""Checks over a child's rows together: stacking, doubles, age, 70/30, reopening, transition
clients, the same arrangement twice, references and credit lines (PM013, PM015-PM019,
PM026-PM028)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jeugdhulp.checks._base import (
    NULLS_EQUAL,
    OPEN_END,
    Context,
    controle,
    datum,
    declaration_key,
    no_results,
    results,
)


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
    ijw="",
    retourcode="",
    titel="Twee arrangementen tegelijk voor één jeugdige (stapelen)",
    bron="Hart van Brabant arrangementen en vervoer",
    schakelaar="arrangementen_niet_stapelen",
    herstel=(
        "Geef het lopende arrangement een einddatum voor het nieuwe begint "
        "(voortschrijdend inzicht), of verwijder de regel als de jeugdige geen twee "
        "arrangementen had."
    ),
)
def arrangementen_gestapeld(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.arrangementen_niet_stapelen`. Meldt regels met twee
    verschillende arrangementscodes (volgens de productenlijst binnen een arrangement, of
    beginnend met het arrangementsprefix van het profiel, zoals 50H, ook in kleine letters)
    voor dezelfde BSN in overlappende periodes, ook op verschillende productiebladen. Aansluitende regels met dezelfde code tellen als één periode.
    Voortschrijdend inzicht is geen stapelen: het lopende arrangement krijgt een einddatum en
    het nieuwe begint daarna (of op die dag zelf: een overdrachtsdag mag).

    ## Waarom
    In Hart van Brabant heeft een jeugdige één arrangement tegelijk: "Arrangementen combineren
    of 'stapelen' is niet mogelijk. Er loopt per kind één arrangement tegelijk." Producten
    buiten het arrangement (verblijf, vervoer, dyslexie, crisis) mogen ernaast. (De landelijke
    regel OP259 gaat over iets anders: hetzelfde product twee keer toegewezen, zie PM031.)
    Hetzelfde arrangement twee keer voor overlappende periodes is PM026.

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


def _declared_lines(ctx: Context) -> pl.LazyFrame:
    """The declared rows with a key; a row of the 2017 layout with two units (minuten and
    ligdagen) is one declaration, not two."""
    rows = ctx.rows.filter(
        (pl.col("toewijzingnummer").is_not_null() | pl.col("bsn").is_not_null())
        & pl.col("_code").is_not_null()
        & pl.col("begindatum").is_not_null()
    )
    return rows.unique("_rij", keep="first") if ctx.meerdere_per_rij else rows


@controle(
    "PM015",
    ernst="fout",
    ijw="TR389/TR416",
    retourcode="9389",
    titel="Dezelfde toewijzing, code en periode twee keer gedeclareerd",
    bron="iJw TR389, TR416",
    ernst_toelichting="de eerste regel, die de dubbele noemt: waarschuwing",
    herstel=(
        "Verwijder de dubbele regel. Moet een eerder gedeclareerde regel vervangen "
        "worden, crediteer die dan eerst met een creditregel."
    ),
)
def dubbel_gedeclareerd(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een debetregel met dezelfde toewijzing (toewijzingnummer, of BSN als er geen
    toewijzingnummer is), dezelfde productcategorie en productcode en dezelfde productperiode
    als een eerdere debetregel, tenzij er voor die sleutel een creditregel is die de eerdere
    debet ongedaan maakt: elke creditregel staat één extra debetregel toe. Alle productiebladen
    van de werkmap tellen samen; een regel met een kolom per eenheid (2017, Minuten en Ligdagen)
    is één declaratie. De eerste regel krijgt een waarschuwing die de dubbele regels noemt, zodat
    de bevinding naar beide regels wijst (welke van de twee blijft, kiest de aanbieder).

    ## Waarom
    Een debetprestatie voor dezelfde productperiode, productcategorie en productcode met
    gelijk toewijzingnummer mag alleen als er niet al eerder een debetprestatie is verzonden,
    of als die eerdere een creditprestatie heeft (TR389, retourcode 9389; binnen één bericht
    TR416).

    ## Voorbeeld
    Twee debetregels met toewijzing T1, 45A48 en 01-03-2023 t/m 31-03-2023 geven bij de tweede
    "zelfde toewijzing T1, productcode 45A48 en periode 01-03-2023 t/m 31-03-2023 als regel
    5: dubbel gedeclareerd", en bij regel 5 de waarschuwing "toewijzing T1, productcode 45A48
    en periode 01-03-2023 t/m 31-03-2023 staan nog eens op regel 9: dubbel gedeclareerd";
    staat er ook een creditregel voor die periode, dan niet.
    """
    number = pl.col("toewijzingnummer")
    who = (
        pl.when(number.is_not_null())
        .then(pl.format("toewijzing {}", number))
        .otherwise(pl.format("BSN {}", pl.col("bsn")))
    )
    names = ["_k1", "_k2", "_k3", "_k4", "_k5"]
    lines = _declared_lines(ctx).with_columns(
        [k.alias(n) for k, n in zip(declaration_key(), names, strict=True)]
    )
    # One grouping finds the keys declared more than once (rare); only those are ranked.
    repeated = (
        lines.group_by(names)
        .agg(
            _debets=(~pl.col("_credit")).sum().cast(pl.Int64),
            _credits=pl.col("_credit").sum().cast(pl.Int64),
            _eerste=pl.col("_rij").filter(~pl.col("_credit")).min(),
        )
        .filter(pl.col("_debets") > pl.col("_credits") + 1)
    )
    rows = (
        lines.filter(~pl.col("_credit"))
        .join(repeated, on=names, how="inner", **{NULLS_EQUAL: True})
        .with_columns(_nr=pl.col("_rij").rank("ordinal").over(names).cast(pl.Int64))
        .filter(pl.col("_nr") > pl.col("_credits") + 1)
    )
    end = pl.col("einddatum")
    period = pl.when(end.is_null()).then(pl.lit("(leeg)")).otherwise(datum(end))
    doubles = rows.with_columns(
        pl.format("zelfde {}, productcode {} en periode {} t/m {} als {}: dubbel gedeclareerd",
                  who, pl.col("_code"), datum(pl.col("begindatum")), period,
                  ctx.regel(pl.col("_eerste"))).alias("_melding"),
        pl.lit(None, dtype=pl.String).alias("_ernst"),
    )  # fmt: skip
    # The first row of each double, pointing at the later ones: the finding names both rows.
    later = rows.group_by(names).agg(
        _later=ctx.regel(pl.col("_rij"), pl.col("_eerste")).sort_by(pl.col("_rij")).str.join(", ")
    )
    firsts = (
        lines.filter(~pl.col("_credit"))
        .join(repeated, on=names, how="inner", **{NULLS_EQUAL: True})
        .filter(pl.col("_rij") == pl.col("_eerste"))
        .join(later, on=names, how="inner", **{NULLS_EQUAL: True})
        .with_columns(
            pl.format("{}, productcode {} en periode {} t/m {} staan nog eens op {}: dubbel "
                      "gedeclareerd", who, pl.col("_code"), datum(pl.col("begindatum")), period,
                      pl.col("_later")).alias("_melding"),
            pl.lit("waarschuwing").alias("_ernst"),
        )
    )  # fmt: skip
    both = pl.concat(
        [frame.select("_rij", "productcode", "_melding", "_ernst") for frame in (doubles, firsts)]
    )
    return results(
        both,
        kolom="productcode",
        waarde=pl.col("productcode"),
        melding=pl.col("_melding"),
        ernst=pl.col("_ernst"),
    )


@controle(
    "PM016",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Jeugdige 18 jaar of ouder zonder verlengde jeugdhulp",
    bron="IJsselland FAQ administratie",
    ernst_toelichting="periode deels na de 18e verjaardag: waarschuwing",
    herstel=(
        "Kijk de geboortedatum na. Zorg vanaf de 18e verjaardag declareert u alleen met "
        "verlengde jeugdhulp: zet dan Verlengde jeugdhulp op ja."
    ),
)
def achttien_jaar(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een regel waarin de jeugdige 18 is of wordt terwijl "verlengde jeugdhulp" niet op ja
    staat. Een regel zonder einddatum loopt, in een profiel waarin dat een lopend arrangement
    is (Hart van Brabant), open door. Ligt de hele periode op of na de 18e verjaardag (de begindatum is de verjaardag of
    later), dan is het een fout; wordt de jeugdige 18 binnen de periode (de verjaardag ligt na
    de begindatum en op of voor de einddatum), dan een waarschuwing: de zorg tot de verjaardag
    is terecht. De leeftijd komt uit `leeftijd.maximum` van het profiel (standaard 18).

    ## Waarom
    "De zorg wordt betaald tot 18 jaar en anders moet er verlengde jeugdhulp toegekend
    worden." Zorg na de verjaardag zonder verlengde jeugdhulp wordt niet betaald.

    ## Voorbeeld
    Geboortedatum 05-01-2004 en periode maart 2023 geeft de fout "jeugdige (geboren
    05-01-2004) is al 18 sinds 05-01-2022, voor de periode vanaf 01-03-2023, zonder verlengde
    jeugdhulp"; geboortedatum 12-05-2005 en periode mei 2023 de waarschuwing "jeugdige (geboren
    12-05-2005) wordt 18 op 12-05-2023, binnen de periode t/m 31-05-2023, zonder verlengde
    jeugdhulp".
    """
    if not ctx.in_file("geboortedatum"):
        return no_results()
    age = int(ctx.profile.get("leeftijd.maximum", 18))
    birthday = pl.col("geboortedatum").dt.offset_by(f"{age}y")
    # An empty Einddatum: a running arrangement where the profile allows one (open), else
    # unknown (PM001 reports it; the period is taken as its first day).
    running = OPEN_END if ctx.open_einde else None
    fallback = pl.lit(running, dtype=pl.Date) if running else pl.col("begindatum")
    until = pl.coalesce(pl.col("einddatum"), fallback)
    rows = ctx.rows.filter(
        (birthday <= until).fill_null(False) & ~pl.col("verlengde_jeugdhulp").fill_null(False)
    )
    wholly = (birthday <= pl.col("begindatum")).fill_null(False)
    melding = (
        pl.when(wholly)
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
                "jeugdige (geboren {}) wordt {} op {}, binnen de periode {}, zonder verlengde"
                " jeugdhulp",
                datum(pl.col("geboortedatum")),
                pl.lit(age),
                datum(birthday),
                pl.when(until == OPEN_END)
                .then(
                    pl.format(
                        "vanaf {} (zonder einddatum: loopt door)", datum(pl.col("begindatum"))
                    )
                )
                .otherwise(pl.format("t/m {}", datum(until))),
            )
        )
    )
    return results(
        rows,
        kolom="geboortedatum",
        waarde=datum(pl.col("geboortedatum")),
        melding=melding,
        ernst=pl.when(wholly).then(pl.lit("fout")).otherwise(pl.lit("waarschuwing")),
    )


@controle(
    "PM017",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="30%-code gedeclareerd zonder stop met reden 31 op de eigen 70%-code",
    bron="IJsselland FAQ administratie (segment Midden, 70/30)",
    schakelaar="zeventig_dertig",
    herstel=(
        "Declareer de 30%-code pas als de 70%-code is gestopt met reden 31 (resultaat "
        "behaald); stopte het traject met een andere reden (uitval), verwijder dan de "
        "30%-regel."
    ),
)
def dertig_zonder_resultaat(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.zeventig_dertig` en de codeparen in
    `[[zeventig_dertig]]` (`code_70`, `code_30`). Koppelt elke regel met een 30%-code aan het
    eigen traject met de bijbehorende 70%-code voor dezelfde BSN: de laatste stop (een regel
    met een reden beëindiging) van die 70%-code met een einddatum op of voor de einddatum van
    de 30%-regel. Meldt de 30%-regel als die stop niet reden 31 heeft (levering volgens plan
    beëindigd: resultaat behaald), als er vóór de 30%-regel geen stop is (de 30% is
    gedeclareerd voordat het resultaat er was), of als er geen 70%-regel is. Een 31 bij een
    eerder, afgesloten traject telt niet voor een later traject dat met uitval stopte.

    ## Waarom
    In segment Midden wordt 70% na de start gedeclareerd en 30% pas als het resultaat is
    behaald: "Indien het resultaat is behaald dan stuurt u een stopbericht (JW307/code 50053
    met code 31 ...) en ... voor de declaratie van de 30% stuurt u JW303 met code 50054." "Als
    er een andere reden is dan code 31 ... dan geldt dat als uitval": de 30% mag dan niet.

    ## Voorbeeld
    50054 (30%) terwijl 50053 (70%) is gestopt met reden 34 geeft "30%-code 50054
    gedeclareerd, maar de 70%-code 50053 is beëindigd met reden 34 in plaats van 31 (resultaat
    behaald): dat is uitval, de 30% mag niet worden gedeclareerd". 50054 over februari terwijl
    50053 pas in maart stopt met reden 31 geeft "30%-code 50054 gedeclareerd voor de stop van
    de 70%-code 50053 met reden 31 op 31-03-2021". Met reden 31 vóór de 30%-regel is er geen
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
    base = ctx.rows.filter(pl.col("bsn").is_not_null())
    seventy = base.join(pairs, left_on="_code", right_on="code_70", how="inner")
    any_seventy = seventy.select("bsn", pl.col("_code").alias("code_70")).unique()
    stops = seventy.filter(reason.is_not_null()).select(
        "bsn",
        pl.col("_code").alias("code_70"),
        _stop_eind=pl.coalesce(pl.col("einddatum"), pl.col("begindatum")),
        _stop_reden=reason,
    )
    thirty = base.join(pairs, left_on="_code", right_on="code_30", how="inner").with_columns(
        _eind30=pl.coalesce(pl.col("einddatum"), pl.col("begindatum"))
    )
    own_stop = (
        thirty.select("_rij", "bsn", "code_70", "_eind30")
        .join(stops, on=["bsn", "code_70"], how="inner")
        .filter((pl.col("_stop_eind") <= pl.col("_eind30")).fill_null(False))
        .sort(["_rij", "_stop_eind"], descending=[False, True])
        .unique("_rij", keep="first", maintain_order=True)
        .select("_rij", "_stop_eind", "_stop_reden")
    )
    later_31 = (
        thirty.select("_rij", "bsn", "code_70", "_eind30")
        .join(stops.filter(pl.col("_stop_reden") == "31"), on=["bsn", "code_70"], how="inner")
        .filter((pl.col("_stop_eind") > pl.col("_eind30")).fill_null(False))
        .group_by("_rij")
        .agg(_later=pl.col("_stop_eind").min())
    )
    rows = (
        thirty.join(own_stop, on="_rij", how="left")
        .join(later_31, on="_rij", how="left")
        .join(any_seventy.with_columns(_heeft70=pl.lit(True)), on=["bsn", "code_70"], how="left")
        .filter(pl.col("_stop_reden").ne_missing("31"))
    )
    melding = (
        pl.when(pl.col("_heeft70").is_null())
        .then(
            pl.format(
                "30%-code {} gedeclareerd, maar er is geen regel met de 70%-code {} voor deze"
                " jeugdige die is beëindigd met reden 31 (resultaat behaald)",
                pl.col("_code"),
                pl.col("code_70"),
            )
        )
        .when(pl.col("_stop_reden").is_null() & pl.col("_later").is_not_null())
        .then(
            pl.format(
                "30%-code {} gedeclareerd voor de stop van de 70%-code {} met reden 31 op {}:"
                " de 30% volgt pas als het resultaat behaald is",
                pl.col("_code"),
                pl.col("code_70"),
                datum(pl.col("_later")),
            )
        )
        .when(pl.col("_stop_reden").is_null())
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
                pl.col("_stop_reden"),
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
    herstel=(
        "Heeft de jeugdige zich kort na het einde opnieuw gemeld met dezelfde klachten, "
        "verwijder dan deze regel: de zorg loopt door in het eerdere arrangement."
    ),
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
            "arrangement {} begint op {}, binnen {} maanden na de einddatum {} ({}): een"
            " heropend arrangement noteert u niet opnieuw",
            pl.col("_code"),
            datum(pl.col("begindatum")),
            pl.lit(months),
            datum(pl.col("_vorig_eind")),
            ctx.regel(pl.col("_vorige_rij")),
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
    herstel=(
        "Noteer voor een overgangscliënt alleen de zorg die in het overgangsjaar is "
        "geleverd: kort de periode in tot dat jaar en vul een einddatum in."
    ),
)
def overgangsclient_buiten_jaar(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.overgangsjaar` (Hart van Brabant: 2017). Meldt een
    regel van een overgangscliënt (kolom Overgangscliënt = ja) die begint voor 1 januari of
    eindigt na 31 december van het overgangsjaar, of geen einddatum heeft (een open einde
    loopt door na het overgangsjaar).

    ## Waarom
    "U noteert alleen de minuten en/of ligdagen gemaakt in 2017 voor de overgangscliënten"
    en "de zorg voor overgangscliënten loopt door tot uiterlijk 31 december 2017".

    ## Voorbeeld
    Een overgangscliënt met periode 01-12-2016 t/m 31-01-2017 geeft "overgangscliënt: periode
    01-12-2016 t/m 31-01-2017 valt buiten 2017; noteer alleen de zorg geleverd in 2017"; een
    periode vanaf 01-06-2017 zonder einddatum "periode 01-06-2017 t/m open valt buiten
    2017".
    """
    year = int(ctx.setting("overgangsjaar", 0))
    if year <= 0:
        return no_results()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    begin, end = pl.col("begindatum"), pl.col("einddatum")
    too_early = (begin < first).fill_null(False)
    too_late = (end > last) | end.is_null()
    rows = ctx.rows.filter(pl.col("overgangsclient").fill_null(False) & (too_early | too_late))
    shown_end = pl.when(end.is_null()).then(pl.lit("open")).otherwise(datum(end))
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


@controle(
    "PM026",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Hetzelfde arrangement twee keer voor overlappende periodes",
    bron="Hart van Brabant arrangementen en vervoer; FAQ productiemonitor",
    schakelaar="arrangementen_niet_stapelen",
    herstel=(
        "Verwijder de dubbele regel, of geef de eerste regel een einddatum voor de "
        "begindatum van de tweede: een arrangement loopt maar één keer tegelijk."
    ),
)
def arrangement_dubbel(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen in profielen met `controles.arrangementen_niet_stapelen`. Meldt een regel met een
    arrangementscode als voor dezelfde BSN dezelfde arrangementscode al genoteerd is voor een
    periode die ermee overlapt (bij de regel die later begint). Precies dezelfde periode twee
    keer is PM015; aansluitende regels (de dag na de einddatum) en een overdracht op dezelfde
    dag zijn geen overlap; een lege einddatum loopt door.

    ## Waarom
    "Er loopt per kind één arrangement tegelijk": ook hetzelfde arrangement loopt maar één
    keer. Een arrangement dat doorloopt wordt niet opnieuw genoteerd; bij voortschrijdend
    inzicht krijgt het lopende arrangement een einddatum en het nieuwe een nieuwe regel met
    een nieuwe startdatum (FAQ productiemonitor).

    ## Voorbeeld
    50H23 van 01-01-2017 t/m 30-06-2017 en nog eens 50H23 van 01-03-2017 t/m 31-12-2017 geeft
    bij de tweede regel "arrangement 50H23 (01-03-2017 t/m 31-12-2017) staat al in regel 2
    (01-01-2017 t/m 30-06-2017) en de periodes overlappen: noteer een arrangement één keer".
    """
    rows = _arrangement_rows(ctx)
    other = rows.select(
        "bsn",
        "_code",
        pl.col("_rij").alias("_rij_b"),
        pl.col("begindatum").alias("_van_b"),
        pl.col("einddatum").alias("_tot_b"),
        pl.col("_eind").alias("_eind_b"),
    )
    later = (pl.col("begindatum") > pl.col("_van_b")) | (
        (pl.col("begindatum") == pl.col("_van_b")) & (pl.col("_rij") > pl.col("_rij_b"))
    )
    identical = (pl.col("begindatum") == pl.col("_van_b")) & pl.col("einddatum").eq_missing(
        pl.col("_tot_b")
    )
    hits = (
        rows.join(other, on=["bsn", "_code"], how="inner")
        .filter(
            (pl.col("_rij") != pl.col("_rij_b"))
            & later
            & ~identical
            & (pl.col("begindatum") < pl.col("_eind_b"))
            & (pl.col("_van_b") < pl.col("_eind"))
        )
        .sort(["_rij", "_van_b", "_rij_b"])
        .unique("_rij", keep="first", maintain_order=True)
    )
    return results(
        hits,
        kolom="productcode",
        waarde=pl.col("productcode"),
        melding=pl.format(
            "arrangement {} ({}) staat al in {} ({}) en de periodes overlappen: noteer een"
            " arrangement één keer (een lopend arrangement loopt door; sluit het af met een"
            " einddatum als er een nieuw begint)",
            pl.col("_code"),
            _period(pl.col("begindatum"), pl.col("_eind")),
            ctx.regel(pl.col("_rij_b")),
            _period(pl.col("_van_b"), pl.col("_eind_b")),
        ),
    )


@controle(
    "PM027",
    ernst="fout",
    ijw="TR314",
    retourcode="8021",
    titel="Referentienummer niet uniek",
    bron="iJw TR314",
    herstel=(
        "Geef elke regel een eigen referentienummer. Een creditregel krijgt een nieuw "
        "nummer en noemt het nummer van de debetregel in Vorig referentienummer."
    ),
)
def referentie_niet_uniek(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen als de werkmap een kolom Referentienummer heeft. Meldt een regel waarvan het
    referentienummer al bij een eerdere regel staat. Een creditregel heeft een eigen
    referentienummer en noemt dat van de debetregel in Vorig referentienummer.

    ## Waarom
    "ReferentieNummer van de Prestatie moet uniek zijn voor de aanbieder binnen het wettelijk
    domein ..., zowel binnen één bericht als berichtoverstijgend" (TR314, retourcode 8021).
    Eerdere declaraties kent deze controle niet; een nummer dat al eerder is ingediend, valt
    pas bij de gemeente uit.

    ## Voorbeeld
    Twee regels met referentienummer R-2023-001 geven bij de tweede "referentienummer
    R-2023-001 staat al bij regel 2: elke prestatie heeft een eigen referentienummer".
    """
    if not ctx.in_file("referentienummer"):
        return no_results()
    ref = pl.col("referentienummer").str.strip_chars()
    rows = (
        ctx.rows.filter(ref.is_not_null() & (ref != ""))
        .with_columns(_ref=ref)
        .with_columns(_eerste=pl.col("_rij").min().over("_ref"))
        .filter(pl.col("_rij") != pl.col("_eerste"))
    )
    return results(
        rows,
        kolom="referentienummer",
        waarde=pl.col("referentienummer"),
        melding=pl.format(
            "referentienummer {} staat al bij {}: elke prestatie heeft een eigen referentienummer",
            pl.col("_ref"),
            ctx.regel(pl.col("_eerste")),
        ),
    )


@controle(
    "PM028",
    ernst="fout",
    ijw="TR323/TR390",
    retourcode="8017/9390",
    titel="Creditregel zonder passende debetregel, of twee keer gecrediteerd",
    bron="iJw TR323, TR390",
    herstel=(
        "Vul bij de creditregel in Vorig referentienummer het nummer in van de debetregel "
        "die zij ongedaan maakt (zelfde toewijzing, code en periode); crediteer elke "
        "debetregel maar één keer."
    ),
)
def creditregel(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Alleen voor creditregels (Debet/credit C; zonder die kolom: een regel met een negatief
    bedrag) in een werkmap met een kolom Vorig referentienummer:

    - een creditregel zonder vorig referentienummer (TR323, retourcode 8017);
    - een creditregel die verwijst naar een regel in deze werkmap die geen debetregel is, of
      een debetregel voor een andere toewijzing, productcode of productperiode (TR323);
    - een tweede creditregel voor dezelfde debetregel (TR390, retourcode 9390).

    Verwijst een creditregel naar een referentienummer dat niet in deze werkmap staat (een
    eerdere declaratie), dan is dat hier niet na te gaan. Zonder kolom Vorig
    referentienummer is de koppeling niet te controleren; een creditregel telt dan wel mee in
    PM011, PM012 en PM015.

    ## Waarom
    "Een credit Prestatie moet gerelateerd zijn aan een eerder verzonden (goedgekeurde) debet
    Prestatie op basis van sleutelvelden": VorigReferentieNummer is het ReferentieNummer van
    de debetregel (TR323). "DebetCredit mag alleen waarde Credit hebben indien voor Prestatie
    met gelijk ProductReferentie niet een Prestatie met Credit bestaat" (TR390).

    ## Voorbeeld
    Een creditregel met vorig referentienummer R1, terwijl regel 2 met referentienummer R1 al
    door een eerdere creditregel is gecrediteerd, geeft "regel 2 (referentienummer R1) is al
    gecrediteerd in regel 4: een debetregel wordt één keer gecrediteerd".
    """
    if not ctx.in_file("vorig_referentienummer"):
        return no_results()
    rows = ctx.rows.with_columns(
        _ref=pl.col("referentienummer").str.strip_chars(),
        _vorig=pl.col("vorig_referentienummer").str.strip_chars(),
    )
    credits = rows.filter(pl.col("_credit"))
    missing = credits.filter(pl.col("_vorig").is_null() | (pl.col("_vorig") == ""))
    key_names = ["_k_toewijzing", "_k_categorie", "_k_code", "_k_begin", "_k_eind"]
    keyed = rows.with_columns(
        [k.alias(n) for k, n in zip(declaration_key(), key_names, strict=True)]
    )
    targets = (
        keyed.filter(pl.col("_ref").is_not_null())
        .unique("_ref", keep="first", maintain_order=True)
        .select(
            pl.col("_ref").alias("_vorig"),
            pl.col("_rij").alias("_doel"),
            pl.col("_credit").alias("_doel_credit"),
            *[pl.col(n).alias(f"{n}_d") for n in key_names],
        )
    )
    linked = (
        keyed.filter(pl.col("_credit") & pl.col("_vorig").is_not_null())
        .join(targets, on="_vorig", how="inner")
        .with_columns(
            _anders=pl.any_horizontal([~pl.col(n).eq_missing(pl.col(f"{n}_d")) for n in key_names])
        )
    )
    wrong = linked.filter(pl.col("_doel_credit") | pl.col("_anders"))
    twice = (
        credits.filter(pl.col("_vorig").is_not_null() & (pl.col("_vorig") != ""))
        .with_columns(_eerste=pl.col("_rij").min().over("_vorig"))
        .filter(pl.col("_rij") != pl.col("_eerste"))
        .join(targets.select("_vorig", "_doel"), on="_vorig", how="left")
    )
    kolom = "vorig_referentienummer"
    return pl.concat(
        [
            results(
                missing,
                kolom=kolom,
                waarde=pl.lit(""),
                melding=pl.lit(
                    "creditregel zonder vorig referentienummer: noem het referentienummer van de"
                    " debetregel die u crediteert"
                ),
                retourcode=pl.lit("8017"),
            ),
            results(
                wrong,
                kolom=kolom,
                waarde=pl.col("_vorig"),
                melding=pl.when(pl.col("_doel_credit"))
                .then(
                    pl.format(
                        "vorig referentienummer {} is {}, en dat is zelf een creditregel:"
                        " een creditregel verwijst naar een debetregel",
                        pl.col("_vorig"),
                        ctx.regel(pl.col("_doel")),
                    )
                )
                .otherwise(
                    pl.format(
                        "vorig referentienummer {} is {}, een debetregel met een andere"
                        " toewijzing, productcode of periode: een creditregel heeft dezelfde"
                        " sleutel als de debetregel die hij crediteert",
                        pl.col("_vorig"),
                        ctx.regel(pl.col("_doel")),
                    )
                ),
                retourcode=pl.lit("8017"),
            ),
            results(
                twice,
                kolom=kolom,
                waarde=pl.col("_vorig"),
                melding=pl.format(
                    "{} (referentienummer {}) is al gecrediteerd in {}: een debetregel wordt"
                    " één keer gecrediteerd",
                    pl.when(pl.col("_doel").is_not_null())
                    .then(ctx.regel(pl.col("_doel")))
                    .otherwise(pl.lit("de debetregel")),
                    pl.col("_vorig"),
                    ctx.regel(pl.col("_eerste")),
                ),
                retourcode=pl.lit("9390"),
            ),
        ]
    )
