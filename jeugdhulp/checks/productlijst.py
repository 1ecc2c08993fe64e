"""Checks against the region's product list: code, unit, tariff, amount, direct time
(PM004, PM008, PM009, PM010, PM020)."""

from __future__ import annotations

import polars as pl

from jeugdhulp.checks._base import (
    EENHEDEN,
    EURO,
    MINUUT,
    UNITS,
    UUR,
    Context,
    contract_note,
    contract_units,
    controle,
    datum,
    dutch_number,
    eenheid_code,
    eenheid_naam,
    eenheid_woord,
    euro,
    euro_from_units,
    no_results,
    number_from_units,
    results,
    units,
)
from jeugdhulp.normalize import NIET_CLIENTGEBONDEN


def _compatible(declared: pl.Expr, reference: pl.Expr) -> pl.Expr:
    """A declared unit fits a reference unit: equal, or minutes of an hourly product (the
    IJsselland per-minute rule declares minutes of a product priced per hour)."""
    return (declared == reference) | ((reference == UUR) & (declared == MINUUT))


def contract_tariff(ctx: Context) -> pl.LazyFrame:
    """The production rows whose code has a tariff valid on the begindatum, with `_contract`
    (1/10.000 euro per declared unit)."""
    return ctx.product.filter(pl.col("_contract").is_not_null())


@controle(
    "PM004",
    ernst="fout",
    ijw="TR381",
    retourcode="S329",
    titel="Onbekende product- of arrangementscode voor regio en jaar",
    bron="iJw TR381",
    nodig=("producten",),
    herstel=(
        "Gebruik een productcode uit de productenlijst van de regio die op de begindatum "
        "geldt. Staat de code er wel in, maar in een andere categorie, verbeter dan de "
        "productcategorie."
    ),
)
def code_onbekend(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Zoekt elke productcode op in de productenlijst van de regio (blad Producten, aangevuld
    met de codes uit het regioprofiel, zoals de arrangementscodes 50H11-50H95). Meldt een
    code die niet in de lijst staat, een code die op de begindatum niet geldig is (Geldig
    vanaf / Geldig tot), en een code die bij een andere productcategorie hoort dan ingevuld.
    Zonder blad Producten worden alleen codes beoordeeld die het profiel volledig kent (de
    arrangementscodes, ook in kleine letters geschreven); andere codes zijn dan niet te
    controleren. Een code die alleen in hoofdletters of een weggevallen voorloopnul verschilt
    van een code in de lijst ("45a48", "4011" voor 04011) wordt als die code gelezen en
    gemeld met PM022, niet als onbekend.

    ## Waarom
    Een declaratie met een code die de gemeente niet heeft ingekocht, of die in dat jaar niet
    bestaat, wordt afgewezen (TR381, retourcode S329).

    ## Voorbeeld
    Productcode 50H06 in Hart van Brabant geeft "productcode 50H06 staat niet in de
    productenlijst van Hart van Brabant arrangementen"; 45A48 met begindatum 01-01-2024 en
    een lijst die 45A48 alleen in 2023 kent geeft "productcode 45A48 is niet geldig op
    01-01-2024 (productenlijst: van 01-01-2023 t/m 31-12-2023)".
    """
    judged = pl.lit(ctx.producten_blad is not None) | ctx.is_arrangement_code(pl.col("_code"))
    rows = ctx.product.filter(pl.col("_code").is_not_null())
    van = (
        pl.when(pl.col("p_vanaf").is_null())
        .then(pl.lit("altijd"))
        .otherwise(pl.format("van {}", datum(pl.col("p_vanaf"))))
    )
    tot = (
        pl.when(pl.col("p_tot").is_null())
        .then(pl.lit(""))
        .otherwise(pl.format(" t/m {}", datum(pl.col("p_tot"))))
    )
    code_findings = results(
        rows.filter(
            (~pl.col("p_bekend") & judged)
            | (pl.col("p_bekend") & ~pl.col("p_geldig") & pl.col("begindatum").is_not_null())
        ),
        kolom="productcode",
        waarde=pl.col("productcode"),
        melding=pl.when(~pl.col("p_bekend"))
        .then(
            pl.format(
                "productcode {} staat niet in de productenlijst van {}",
                pl.col("_code"),
                pl.lit(ctx.profile.naam),
            )
        )
        .otherwise(
            pl.format(
                "productcode {} is niet geldig op {} (productenlijst: {}{})",
                pl.col("_code"),
                datum(pl.col("begindatum")),
                van,
                tot,
            )
        ),
    )
    category = pl.col("productcategorie").str.strip_chars()
    category_findings = results(
        rows.filter(
            pl.col("p_bekend")
            & category.is_not_null()
            & pl.col("p_productcategorie").is_not_null()
            & (category != pl.col("p_productcategorie"))
        ),
        kolom="productcategorie",
        waarde=pl.col("productcategorie"),
        melding=pl.format(
            "productcode {} hoort bij categorie {}, niet bij {}",
            pl.col("_code"),
            pl.col("p_productcategorie"),
            category,
        ),
    )
    return pl.concat([code_findings, category_findings])


@controle(
    "PM008",
    ernst="fout",
    ijw="TR341",
    retourcode="9341",
    titel="Eenheid past niet bij product of toewijzing",
    bron="iJw TR341",
    herstel=(
        "Vul de eenheid in die de productenlijst en de toewijzing noemen (01 minuut, 04 "
        "uur, 14 etmaal, ...) en reken het aantal om naar die eenheid."
    ),
)
def eenheid_past_niet(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een eenheid die geen iJw-eenheid is (01 minuut, 04 uur, 14 etmaal, 16 dagdeel,
    82 stuks output, 83 euro's, 84 stuks inspanning), en een eenheid die afwijkt van die in de
    productenlijst of van de eenheid van de toewijzing. Minuten declareren op een product met
    een uurtarief mag (tarief per minuut, zie PM009).

    ## Waarom
    Aantal en tarief betekenen pas iets in de juiste eenheid: 60 minuten is geen 60 uur. Een
    declaratie in een andere eenheid dan toegewezen wordt afgewezen (TR341, retourcode 9341).

    ## Voorbeeld
    Eenheid 04 (uur) op productcode 45A48 dat de productenlijst per minuut (01) noemt geeft
    "eenheid 04 (uur) past niet bij productcode 45A48: de productenlijst noemt 01 (minuut)".
    """
    du = pl.col("_eenheid")
    text = pl.coalesce(ctx.tekst("eenheid"), pl.col("eenheid"))
    if ctx.in_file("eenheid"):
        kolom: pl.Expr = pl.lit("eenheid")
    else:
        kolom = pl.coalesce(pl.col("_aantal_kolom"), pl.lit("eenheid"))
    rows = ctx.rows
    known = du.is_in(list(EENHEDEN))
    frames = [
        results(
            rows.filter((du.is_not_null() & ~known) | (du.is_null() & text.is_not_null())),
            kolom=kolom,
            waarde=text,
            melding=pl.format(
                "eenheid '{}' is geen iJw-eenheid ({})", text, pl.lit(", ".join(EENHEDEN))
            ),
        )
    ]
    if ctx.products is not None:
        pu = pl.col("p_eenheid")
        frames.append(
            results(
                ctx.product.filter(
                    pl.col("p_geldig") & known & pu.is_not_null() & ~_compatible(du, pu)
                ),
                kolom=kolom,
                waarde=text,
                melding=pl.format(
                    "eenheid {} past niet bij productcode {}: de productenlijst noemt {}",
                    eenheid_naam(du),
                    pl.col("_code"),
                    eenheid_naam(pu),
                ),
            )
        )
    if ctx.toewijzingen is not None:
        tu = pl.col("t_eenheid")
        frames.append(
            results(
                ctx.allocation.filter(
                    pl.col("_match").is_not_null() & known & tu.is_not_null() & ~_compatible(du, tu)
                ),
                kolom=kolom,
                waarde=text,
                melding=pl.format(
                    "eenheid {} past niet bij toewijzing {} met eenheid {}",
                    eenheid_naam(du),
                    pl.coalesce("t_toewijzingnummer", pl.lit("zonder nummer")),
                    eenheid_naam(tu),
                ),
            )
        )
    return pl.concat(frames)


@controle(
    "PM009",
    ernst="fout",
    ijw="TR418",
    retourcode="0611",
    titel="Tarief wijkt af van het contracttarief van dat jaar",
    bron="iJw TR418, IV081; IJsselland FAQ administratie (tarief per minuut, indexatie)",
    nodig=("producten",),
    herstel=(
        "Neem het contracttarief over uit de productenlijst van het jaar van de "
        "begindatum (na een indexatie het nieuwe tarief). Per minuut is dat het uurtarief "
        "gedeeld door 60, op hele centen zoals de melding zegt."
    ),
)
def tarief_wijkt_af(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Vergelijkt het ingevulde tarief met het contracttarief uit de productenlijst dat geldt op
    de begindatum (Geldig vanaf / Geldig tot). Staat het product per uur (04) in de lijst en
    wordt per minuut (01) gedeclareerd, dan is het contracttarief het uurtarief gedeeld door
    60 op hele centen: landelijk half naar boven afgerond (IV081: 54,42 / 60 = 0,907 wordt
    0,91), in een profiel met `tarieven.minuuttarief = "afkappen"` (IJsselland) afgekapt (0,90).
    Een minuuttarief met meer dan twee decimalen in de lijst (0,907) gaat op dezelfde manier.
    Heeft de lijst voor de code alleen een tarief van vorig jaar en noemt het profiel een
    indexatie voor dit jaar (`indexatie`, IJsselland 2021: 2,86%), dan is het contracttarief
    het tarief dat op 31 december van vorig jaar gold (bij een tariefwijziging halverwege het
    jaar het laatste), geïndexeerd en half naar boven afgerond op centen; de melding zegt
    welke bron het tarief heeft. Het tarief van een ander jaar wordt herkend en genoemd.

    ## Waarom
    Een declaratie tegen een ander tarief dan gecontracteerd valt uit (TR418, retourcode
    0611). IV081: het tarief per minuut is het uurtarief gedeeld door 60, "afgerond op 2
    decimalen volgens de rekenkundige regels"; IJsselland wijkt daar bewust van af: "het
    uurtarief wordt gedeeld door 60 waarbij afgekapt wordt op 2 decimalen". Na de jaarlijkse
    indexatie valt een declaratie tegen het tarief van vorig jaar uit.

    ## Voorbeeld
    Uurtarief 54,42 voor 45A48 in 2023, per minuut gedeclareerd tegen 0,91, geeft in
    IJsselland "tarief 0,91 wijkt af van het contracttarief 0,90 voor 45A48 in 2023 (uurtarief
    54,42 / 60, afgekapt op hele centen)"; landelijk is 0,91 juist en 0,90 fout. Het tarief
    van 2022 gedeclareerd in 2023 krijgt erbij "; 0,88 is het tarief van 2022".
    """
    declared = units(pl.col("tarief"))
    regel = ctx.minuutregel
    offending = (
        contract_tariff(ctx)
        .filter(pl.col("tarief").is_not_null() & pl.col("begindatum").is_not_null())
        .filter(declared != pl.col("_contract"))
    )
    products = ctx.products
    assert products is not None  # guaranteed by nodig
    other_year = (
        offending.select(
            "_rij", "_code", "_eenheid", "tarief", _jaar=pl.col("begindatum").dt.year()
        )
        .join(products, left_on="_code", right_on="productcode", how="inner")
        .with_columns(
            _ander=pl.coalesce(pl.col("geldig_vanaf").dt.year(), pl.col("geldig_tot").dt.year())
        )
        .filter(
            (
                contract_units(
                    eenheid_code(pl.col("eenheid")),
                    pl.col("_eenheid"),
                    units(pl.col("tarief_right")),
                    regel,
                )
                == units(pl.col("tarief"))
            )
            & (pl.col("_ander") != pl.col("_jaar"))
        )
        .group_by("_rij")
        .agg(pl.col("_ander").max())
    )
    rows = offending.join(other_year, on="_rij", how="left")
    waarde = pl.coalesce(euro(pl.col("tarief")), ctx.tekst("tarief"))
    suffix = (
        pl.when(pl.col("_ander").is_not_null())
        .then(pl.format("; {} is het tarief van {}", euro(pl.col("tarief")), pl.col("_ander")))
        .otherwise(pl.lit(""))
    )
    source = (
        pl.when(pl.col("p_index").is_not_null())
        .then(
            pl.format(
                " (de productenlijst heeft alleen het tarief van {}: {}, geïndexeerd met {})",
                pl.col("begindatum").dt.year() - 1,
                euro_from_units(pl.col("p_tarief_vorig")),
                pl.col("p_index"),
            )
        )
        .otherwise(pl.lit(""))
    )
    return results(
        rows,
        kolom="tarief",
        waarde=waarde,
        melding=pl.format(
            "tarief {} wijkt af van het contracttarief {} voor {} in {}{}{}{}",
            euro(pl.col("tarief")),
            euro_from_units(pl.col("_contract")),
            pl.col("_code"),
            pl.col("begindatum").dt.year(),
            source,
            contract_note(pl.col("p_eenheid"), pl.col("_eenheid"), pl.col("p_tarief_u"), regel),
            suffix,
        ),
    )


@controle(
    "PM010",
    ernst="fout",
    ijw="TR346",
    retourcode="9346",
    titel="Bedrag is niet aantal maal tarief",
    ernst_toelichting="negatief bedrag zonder Debet/credit, gelezen als creditregel: waarschuwing",
    bron="iJw TR346, IV081, CS339, IV091; IJsselland FAQ administratie (tarief per minuut)",
    herstel=(
        "Reken het bedrag opnieuw uit als aantal × tarief, afgerond op hele centen; klopt "
        "het bedrag wel, verbeter dan het aantal of het tarief."
    ),
)
def bedrag_klopt_niet(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Rekent exact (geen zwevendekommagetallen) het bedrag uit dat bij de regel hoort en
    vergelijkt dat met het ingevulde bedrag:

    - aantal × tarief, half naar boven afgerond op hele centen; zonder ingevuld tarief het
      contracttarief uit de productenlijst;
    - minuten op een product met een uurtarief, landelijk (IV081, TR346): uurtarief × minuten
      / 60, afgerond op centen; het afgeronde minuuttarief in de regel telt daarvoor niet.
      Zo ook een minuuttarief in de productenlijst met meer dan twee decimalen (0,907, het
      uurtarief gedeeld door 60): minuten × 0,907, afgerond op centen. In
      een profiel met `tarieven.minuuttarief = "afkappen"` (IJsselland) is het minuten × het
      afgekapte minuuttarief. Staat het uurtarief niet in een productenlijst, dan past
      landelijk elk bedrag dat hoort bij een uurtarief dat afgerond dit minuuttarief geeft;
    - eenheid 83 (euro's): het bedrag is gelijk aan het aantal (CS339);
    - een regel met een kolom per eenheid (2017, Minuten en Ligdagen op één regel): het
      bedrag van de regel tegen de som van de aantallen maal hun tarief.

    Een creditregel (Debet/credit C, of een negatief bedrag) mag het bedrag positief of
    negatief noemen. Een negatief bedrag zonder C in een kolom Debet/credit wordt als
    creditregel gelezen (IV091), maar nooit stil: de regel krijgt een waarschuwing die dat
    zegt, want een minteken kan ook een tikfout zijn, en het bedrag gaat van het totaal af.

    ## Waarom
    Het declaratiebericht eist dat het bedrag gelijk is aan volume × tarief (TR346,
    retourcode 9346), bij eenheid 83 gelijk aan het volume (CS339); een afwijking van één
    cent laat de regel al uitvallen.

    ## Voorbeeld
    Aantal 12, tarief 0,90 en bedrag 10,90 geeft "bedrag 10,90 wijkt af van aantal 12 x
    tarief 0,90 = 10,80". Landelijk: 600 minuten op uurtarief 54,42 is 544,20 (54,42 × 600 /
    60), ook als het minuuttarief 0,91 is ingevuld; bedrag 540,00 geeft "bedrag 540,00 wijkt
    af van uurtarief 54,42 × 600 minuten / 60 = 544,20".
    """
    rows = ctx.product
    combined: pl.LazyFrame | None = None
    if ctx.meerdere_per_rij:  # 2017 layout: the row's Bedrag is the sum of its units' amounts
        lines = pl.len().over("_rij")
        combined = rows.filter(lines > 1)
        rows = rows.filter(lines == 1)
    label = (
        pl.when(pl.col("tarief").is_null())
        .then(pl.lit("contracttarief"))
        .otherwise(pl.lit("tarief"))
    )
    bedrag = units(pl.col("bedrag"))
    expected = pl.col("_verwacht")
    euros = pl.col("_eenheid").eq_missing(EURO)

    def same(value: pl.Expr) -> pl.Expr:
        credit_flip = pl.col("_credit") & (bedrag == pl.lit(0, dtype=UNITS) - value)
        return (bedrag == value) | credit_flip

    in_range = (
        (bedrag >= pl.col("_verwacht_min")) & (bedrag <= pl.col("_verwacht_max"))
    ).fill_null(False) | (
        pl.col("_credit")
        & (pl.lit(0, dtype=UNITS) - bedrag >= pl.col("_verwacht_min"))
        & (pl.lit(0, dtype=UNITS) - bedrag <= pl.col("_verwacht_max"))
    ).fill_null(False)
    product_rows = rows.filter(
        pl.col("bedrag").is_not_null()
        & pl.col("_a").is_not_null()
        & expected.is_not_null()
        & ~euros
        & ~same(expected)
        & ~in_range
    )
    euro_rows = rows.filter(
        pl.col("bedrag").is_not_null() & pl.col("_a").is_not_null() & euros & ~same(pl.col("_a"))
    )
    quantity = dutch_number(pl.col("aantal"))
    national = pl.lit(ctx.minuutregel == "afronden")
    hourly = pl.col("_uurtarief").is_not_null() & national
    per_minute = pl.col("_minuuttarief").is_not_null() & national
    frames = []
    if combined is not None:
        part = pl.format(
            "{} {} × {}",
            quantity,
            eenheid_woord(pl.col("_eenheid")),
            euro_from_units(pl.col("_tarief")),
        )
        per_row = (
            combined.filter(pl.col("bedrag").is_not_null())
            .group_by("_rij")
            .agg(
                pl.col("bedrag").first(),
                pl.col("_credit").first(),
                _verwacht=expected.sum(),
                _onvolledig=(expected.is_null() | pl.col("_a").is_null()).any(),
                # in the sheet's column order (Minuten, Uren, ...): never the order a join left
                _delen=part.sort_by(_quantity_order(pl.col("_aantal_kolom"))).str.join(" + "),
            )
            .filter(~pl.col("_onvolledig") & ~same(expected))
        )
        frames.append(
            results(
                per_row,
                kolom="bedrag",
                waarde=euro(pl.col("bedrag")),
                melding=pl.format(
                    "bedrag {} wijkt af van de aantallen in deze regel maal hun tarief: {} = {}",
                    euro(pl.col("bedrag")),
                    pl.col("_delen"),
                    euro_from_units(expected),
                ),
            )
        )
    return pl.concat(
        [
            *frames,
            results(
                product_rows,
                kolom="bedrag",
                waarde=pl.coalesce(euro(pl.col("bedrag")), ctx.tekst("bedrag")),
                melding=pl.when(hourly)
                .then(
                    pl.format(
                        "bedrag {} wijkt af van uurtarief {} × {} minuten / 60 = {} (landelijke"
                        " regel IV081: het bedrag volgt uit het uurtarief, niet uit het"
                        " afgeronde minuuttarief)",
                        euro(pl.col("bedrag")),
                        euro_from_units(pl.col("_uurtarief")),
                        quantity,
                        euro_from_units(expected),
                    )
                )
                .when(per_minute)
                .then(
                    pl.format(
                        "bedrag {} wijkt af van {} minuten × {} (het minuuttarief van de"
                        " productenlijst, niet afgerond) = {} (landelijke regel IV081: het bedrag"
                        " volgt uit het contracttarief, niet uit het afgeronde minuuttarief)",
                        euro(pl.col("bedrag")),
                        quantity,
                        number_from_units(pl.col("_minuuttarief"), min_decimals=2),
                        euro_from_units(expected),
                    )
                )
                .when(pl.col("_verwacht_min").is_not_null())
                .then(
                    pl.format(
                        "bedrag {} wijkt af van aantal {} × tarief {} = {}; ook bij een uurtarief"
                        " dat per minuut {} geeft (uurtarief × minuten / 60, IV081) hoort een"
                        " bedrag van {} t/m {}",
                        euro(pl.col("bedrag")),
                        quantity,
                        euro_from_units(pl.col("_tarief")),
                        euro_from_units(expected),
                        euro_from_units(pl.col("_tarief")),
                        euro_from_units(pl.col("_verwacht_min")),
                        euro_from_units(pl.col("_verwacht_max")),
                    )
                )
                .otherwise(
                    pl.format(
                        "bedrag {} wijkt af van aantal {} × {} {} = {}",
                        euro(pl.col("bedrag")),
                        quantity,
                        label,
                        euro_from_units(pl.col("_tarief")),
                        euro_from_units(expected),
                    )
                ),
            ),
            results(
                ctx.product.filter(
                    (pl.col("bedrag") < 0) & pl.col("debet_credit").is_null()
                ).unique("_rij", keep="first", maintain_order=True),
                kolom="bedrag",
                waarde=pl.coalesce(euro(pl.col("bedrag")), ctx.tekst("bedrag")),
                melding=pl.format(
                    "bedrag {} is negatief en is gelezen als creditregel (er staat geen C in een"
                    " kolom Debet/credit): het gaat af van het gedeclareerde bedrag; is het geen"
                    " creditering, verbeter dan het bedrag",
                    euro(pl.col("bedrag")),
                ),
                ernst=pl.lit("waarschuwing"),
            ),
            results(
                euro_rows,
                kolom="bedrag",
                waarde=pl.coalesce(euro(pl.col("bedrag")), ctx.tekst("bedrag")),
                melding=pl.format(
                    "bedrag {} wijkt af van aantal {}: bij eenheid 83 (euro's) is het bedrag"
                    " gelijk aan het aantal (CS339)",
                    euro(pl.col("bedrag")),
                    number_from_units(pl.col("_a"), min_decimals=2),
                ),
            ),
        ]
    )


@controle(
    "PM020",
    ernst="fout",
    ijw="",
    retourcode="",
    titel="Indirecte tijd op een product waarvoor alleen directe tijd telt",
    bron="IJsselland FAQ administratie (LVB; niet-cliëntgebonden tijd); Hart van Brabant"
    " arrangementen (buiten arrangement)",
    herstel=(
        "Declareer op dit product alleen directe cliëntgebonden tijd: haal de indirecte "
        "tijd van de regel af. Niet-cliëntgebonden tijd declareert u op geen enkel "
        "product."
    ),
)
def indirecte_tijd(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een regel met soort tijd "niet-cliëntgebonden" (indirecte tijd die niet aan een
    cliënt gebonden is, zoals teamoverleg) op elk product, en een regel met soort tijd
    "indirect" (cliëntgebonden: overleg, registratie, reistijd naar de cliënt) op een product
    waarvoor alleen directe cliëntgebonden tijd declarabel is: in de productenlijst "Alleen
    directe tijd" = ja, een LVB-product (domein LVB), of, in een regio met arrangementen (Hart
    van Brabant), een product buiten de arrangementen ("Binnen arrangement" = nee; instelling
    `controles.buiten_arrangement_alleen_direct`, standaard aan als het profiel arrangementen
    kent). Zonder productenlijst wordt alleen de niet-cliëntgebonden tijd beoordeeld.

    ## Waarom
    IJsselland: "Bij de LVB productcodes kan enkel de direct cliëntgebonden tijd gedeclareerd
    worden ... De indirecte tijd is bij geen enkel productcode declarabel." Hart van Brabant:
    bij producten buiten een arrangement "kunnen alleen eenheden [worden gedeclareerd] die
    zij direct aan de jeugdhulp ... hebben besteed".

    ## Voorbeeld
    Soort tijd "indirect" op een LVB-product 45A50 geeft "indirecte tijd op productcode
    45A50: LVB-product, alleen directe cliëntgebonden tijd is declarabel"; soort tijd "niet
    cliëntgebonden" op 45A48 geeft "niet-cliëntgebonden tijd op productcode 45A48: indirecte
    tijd die niet aan een cliënt gebonden is, is bij geen enkel product declarabel".
    """
    if not ctx.in_file("soort_tijd"):
        return no_results()
    outside = bool(
        ctx.setting("buiten_arrangement_alleen_direct", ctx.arrangement_prefix is not None)
    )
    soort = pl.col("soort_tijd")
    never = soort.eq_missing(NIET_CLIENTGEBONDEN)
    indirect = soort.eq_missing("indirect")
    reason = (
        pl.when(never)
        .then(
            pl.lit(
                "indirecte tijd die niet aan een cliënt gebonden is, is bij geen enkel product"
                " declarabel"
            )
        )
        .when(~pl.col("p_geldig"))
        .then(None)
        .when(pl.col("p_alleen_directe_tijd").fill_null(False))
        .then(pl.lit("de productenlijst rekent voor dit product alleen directe tijd"))
        .when(pl.col("p_domein").str.to_uppercase().str.strip_chars().eq_missing("LVB"))
        .then(pl.lit("LVB-product, alleen directe cliëntgebonden tijd is declarabel"))
        .when(pl.lit(outside) & pl.col("p_binnen_arrangement").eq_missing(False))
        .then(pl.lit("product buiten het arrangement, alleen directe tijd is declarabel"))
    )
    rows = (
        ctx.product.filter(never | indirect)
        .with_columns(_reden=reason)
        .filter(pl.col("_reden").is_not_null())
    )
    return results(
        rows,
        kolom="soort_tijd",
        waarde=pl.coalesce(ctx.tekst("soort_tijd"), soort),
        melding=pl.format(
            "{} tijd op productcode {}: {}",
            pl.when(never).then(pl.lit("niet-cliëntgebonden")).otherwise(pl.lit("indirecte")),
            pl.col("_code").fill_null("(leeg)"),
            pl.col("_reden"),
        ),
    )


def _quantity_order(kolom: pl.Expr) -> pl.Expr:
    """The position of a 2017 quantity column (`_aantal_kolom`: minuten, uren, ...) in
    `jeugdhulp.columns.QUANTITY_COLUMNS`, for a message that lists a row's units."""
    from jeugdhulp.columns import QUANTITY_COLUMNS

    order = {q.naam: i for i, q in enumerate(QUANTITY_COLUMNS)}
    return kolom.replace_strict(order, default=len(order), return_dtype=pl.Int32)
