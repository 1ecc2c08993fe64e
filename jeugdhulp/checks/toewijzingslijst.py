"""Checks on the allocation list itself, as the backoffice does them by hand: a medical
referrer's budget, the length of a herstel trajectory, the same product allocated twice, a
volume on an aspecifiek allocation (PM029-PM032). Their findings are on the Toewijzingen sheet.

They are waarschuwingen: an allocation is the municipality's decision, and a doubtful one does
not make a declaration on it wrong (what is declared is checked by PM005-PM012); it needs a
look by the backoffice or the Toegang.

Each check looks at the latest version of every allocation (`Context.allocation_list`) and,
when the list is a file shared by many workbooks, only at the children in the workbook checked
(`Context.in_scope`).
"""

from __future__ import annotations

import polars as pl

from jeugdhulp.checks._base import (
    OPEN_END,
    SCALE,
    UNITS,
    Context,
    anniversary,
    controle,
    datum,
    dutch_number,
    euro,
    euro_from_units,
    results,
    units,
)
from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.profile import Profile

#: "0-2 jaar is hersteltraject" (IJsselland webinar toewijzen 2023).
HERSTEL_MAX_JAREN = 2


def _label() -> pl.Expr:
    return pl.coalesce(
        pl.col("toewijzingnummer"), pl.format("zonder nummer (regel {})", pl.col("_rij"))
    )


def _period(begin: pl.Expr, end: pl.Expr) -> pl.Expr:
    return pl.format(
        "{} t/m {}",
        pl.when(begin.is_null()).then(pl.lit("(leeg)")).otherwise(datum(begin)),
        pl.when(end.is_null() | (end == OPEN_END)).then(pl.lit("open")).otherwise(datum(end)),
    )


def _medical_budgets(profile: Profile) -> str | None:
    try:
        budgets = profile.standaardbudgetten
    except JeugdhulpError:  # the profile has no standard budgets (OntbrekendeInstelling)
        budgets = ()
    if not any(b.medisch for b in budgets):
        return (
            f"niet van toepassing: regioprofiel '{profile.sleutel}' heeft geen standaardbudgetten"
            " voor medisch verwijzers"
        )
    return None


@controle(
    "PM029",
    ernst="waarschuwing",
    ijw="",
    retourcode="",
    titel="Toewijzing via een medisch verwijzer boven het hoogste budget voor medisch verwijzers",
    bron="IJsselland webinar toewijzen 2023 (route via medisch verwijzers)",
    nodig=("toewijzingen",),
    tabel="toewijzingen",
    van_toepassing=_medical_budgets,
    herstel=(
        "Kijk na of de Toegang vooraf met dit hogere budget heeft ingestemd. Zo niet, dan "
        "kiest een medisch verwijzer ten hoogste het hoogste budget voor medisch "
        "verwijzers."
    ),
)
def medisch_boven_budget(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een toewijzing met verwijzer medisch (huisarts, jeugdarts, kinderarts, medisch
    specialist) en een budget boven het hoogste standaardbudget dat een medisch verwijzer mag
    kiezen (IJsselland 2023: budget 5, 8.000). Alleen in profielen met standaardbudgetten.

    ## Waarom
    Na een medische verwijzing kiest de aanbieder uit de standaardbudgetten 1 t/m 5: "Het max
    budget is 8.000 euro (budget 5)." Is dat niet genoeg, dan "neemt zij vóór de start van de
    hulpverlening contact op met de gemeentelijke toegang". Een hoger budget kan dus kloppen,
    maar alleen na dat overleg: een waarschuwing.

    ## Voorbeeld
    Toewijzing T7 van een huisarts met budget 12.000,00 geeft "toewijzing T7 via een medisch
    verwijzer heeft budget 12.000,00, boven 8.000,00 (het hoogste budget voor medisch
    verwijzers): alleen na overleg met de Toegang".
    """
    highest = max(b.bedrag for b in ctx.profile.standaardbudgetten if b.medisch)
    limit = pl.lit(int(highest * SCALE), dtype=UNITS)
    rows = ctx.in_scope(ctx.allocation_list).filter(
        pl.col("verwijzer").eq_missing("medisch") & (units(pl.col("budget")) > limit)
    )
    return results(
        rows,
        kolom="budget",
        waarde=euro(pl.col("budget")),
        melding=pl.format(
            "toewijzing {} via een medisch verwijzer heeft budget {}, boven {} (het hoogste budget"
            " voor medisch verwijzers): alleen na overleg met de Toegang",
            _label(),
            euro(pl.col("budget")),
            euro_from_units(limit),
        ),
    )


@controle(
    "PM030",
    ernst="waarschuwing",
    ijw="",
    retourcode="",
    titel="Hersteltoewijzing langer dan 2 jaar",
    bron="IJsselland webinar toewijzen 2023 (herstel 0-2 jaar, duurzaam meerjarig)",
    nodig=("toewijzingen",),
    tabel="toewijzingen",
    herstel=(
        "Kijk na of het trajecttype klopt: een traject van meer dan 2 jaar is duurzaam "
        "(budget per jaar). Laat de toewijzing zo nodig door de gemeente aanpassen."
    ),
)
def herstel_te_lang(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een toewijzing met trajecttype herstel die langer loopt dan 2 jaar (de einddatum ligt
    op of na de ingangsdatum plus 2 jaar; vanaf 29 februari is dat 1 maart, zoals bij de jaren
    van de toewijzing in PM012) of geen einddatum heeft.

    ## Waarom
    "0-2 jaar is hersteltraject (financieel budget geldt voor de gehele duur van de
    toewijzing); meerjarig is duurzaam traject (financieel budget geldt per jaar van de
    toewijzing)." Een hersteltraject van meer dan 2 jaar is waarschijnlijk duurzaam, en dan
    geldt het budget per jaar (PM012): een waarschuwing.

    ## Voorbeeld
    Hersteltoewijzing T1 van 01-01-2023 t/m 31-12-2024 is goed; t/m 01-01-2025 geeft
    "hersteltoewijzing T1 loopt van 01-01-2023 t/m 01-01-2025, langer dan 2 jaar: een
    hersteltraject duurt 0-2 jaar, meerjarig is duurzaam".
    """
    herstel = pl.col("trajecttype").eq_missing("herstel")
    start, end = pl.col("ingangsdatum"), pl.col("einddatum")
    limit = anniversary(start, HERSTEL_MAX_JAREN)  # from 29-02-2024: 01-03-2026
    too_long = (end >= limit).fill_null(False) | (end.is_null() & start.is_not_null())
    rows = ctx.in_scope(ctx.allocation_list).filter(herstel & too_long)
    return results(
        rows,
        kolom="einddatum",
        waarde=pl.when(end.is_null()).then(pl.lit("")).otherwise(datum(end)),
        melding=pl.when(end.is_null())
        .then(
            pl.format(
                "hersteltoewijzing {} vanaf {} heeft geen einddatum: een hersteltraject duurt"
                " 0-{} jaar, meerjarig is duurzaam",
                _label(),
                datum(start),
                pl.lit(HERSTEL_MAX_JAREN),
            )
        )
        .otherwise(
            pl.format(
                "hersteltoewijzing {} loopt van {}, langer dan {} jaar: een hersteltraject duurt"
                " 0-{} jaar, meerjarig is duurzaam",
                _label(),
                _period(start, end),
                pl.lit(HERSTEL_MAX_JAREN),
                pl.lit(HERSTEL_MAX_JAREN),
            )
        ),
    )


@controle(
    "PM031",
    ernst="waarschuwing",
    ijw="TR302",
    retourcode="",
    titel="Hetzelfde product twee keer toegewezen voor overlappende periodes",
    bron="iJw OP259, TR302",
    nodig=("toewijzingen",),
    tabel="toewijzingen",
    herstel=(
        "Kijk na of de ene toewijzing de andere vervangt; vraag de gemeente dan de oude "
        "te beëindigen of te verwijderen, zodat er per periode één toewijzing voor het "
        "product is."
    ),
)
def product_gestapeld(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een toewijzing als dezelfde jeugdige bij dezelfde aanbieder (kolom Aanbieder; zonder
    die kolom is de lijst van één aanbieder) al een andere toewijzing heeft voor hetzelfde
    product en een periode die ermee overlapt (een lege einddatum loopt door). Hetzelfde
    product is: dezelfde productcode (specifiek), zonder productcode dezelfde categorie
    (aspecifiek), zonder categorie elk ander product (generiek). Niet mee tellen verwijderde
    toewijzingen (reden wijziging 13) en administratieve correcties (reden wijziging 01) met
    einddatum gelijk aan ingangsdatum. De melding staat bij de toewijzing die later ingaat.

    ## Waarom
    "Het is niet toegestaan om voor een cliënt hetzelfde zorg- of ondersteuningsproduct
    meerdere keren toe te wijzen aan dezelfde aanbieder voor geheel of gedeeltelijk dezelfde
    periode" (OP259); "Een Product mag alleen vaker in een toewijzingsbericht voorkomen indien
    de zorgperiodes elkaar niet overlappen" (TR302).

    ## Voorbeeld
    T1 voor 45A48 van 01-01-2023 t/m 31-12-2023 en T2 voor 45A48 vanaf 01-06-2023 voor
    dezelfde BSN geven bij T2 "toewijzing T2 (45A48, 01-06-2023 t/m open) overlapt met
    toewijzing T1 (45A48, 01-01-2023 t/m 31-12-2023) voor dezelfde jeugdige: hetzelfde product
    mag niet gestapeld worden toegewezen".
    """
    reason = pl.col("reden_wijziging")
    same_day = pl.col("einddatum").eq_missing(pl.col("ingangsdatum"))
    active = ~(reason.eq_missing("13") | (reason.eq_missing("01") & same_day))
    base = (
        ctx.allocation_list.filter(active & pl.col("bsn").is_not_null())
        .with_columns(_eind=pl.col("einddatum").fill_null(OPEN_END))
        .select(
            "_rij",
            "bsn",
            "aanbieder",
            "toewijzingnummer",
            "productcategorie",
            "productcode",
            "ingangsdatum",
            "_eind",
        )
    )
    other = base.rename({c: f"{c}_b" for c in base.collect_schema().names() if c != "bsn"})
    code, code_b = pl.col("productcode"), pl.col("productcode_b")
    cat, cat_b = pl.col("productcategorie"), pl.col("productcategorie_b")
    same_product = (
        (code.is_not_null() & code_b.is_not_null() & (code == code_b))
        | (code.is_null() & code_b.is_null() & cat.is_not_null() & (cat == cat_b))
        | cat.is_null()
        | cat_b.is_null()
    ).fill_null(False)
    later = (pl.col("ingangsdatum") > pl.col("ingangsdatum_b")) | (
        pl.col("ingangsdatum").eq_missing(pl.col("ingangsdatum_b"))
        & (pl.col("_rij") > pl.col("_rij_b"))
    )
    overlap = (pl.col("ingangsdatum").fill_null(pl.col("_eind")) <= pl.col("_eind_b")) & (
        pl.col("ingangsdatum_b").fill_null(pl.col("_eind_b")) <= pl.col("_eind")
    )
    hits = (
        base.join(other, on="bsn", how="inner")
        .filter(
            (pl.col("_rij") != pl.col("_rij_b"))
            & pl.col("aanbieder").eq_missing(pl.col("aanbieder_b"))
            & same_product
            & later.fill_null(False)
            & overlap.fill_null(False)
        )
        .sort(["_rij", "ingangsdatum_b", "_rij_b"])
        .unique("_rij", keep="first", maintain_order=True)
    )
    hits = ctx.in_scope(hits)

    def product(code: pl.Expr, cat: pl.Expr) -> pl.Expr:
        return (
            pl.when(code.is_not_null())
            .then(code)
            .when(cat.is_not_null())
            .then(pl.format("categorie {}", cat))
            .otherwise(pl.lit("generiek"))
        )

    return results(
        hits,
        kolom=pl.when(code.is_not_null())
        .then(pl.lit("productcode"))
        .otherwise(pl.lit("productcategorie")),
        waarde=pl.coalesce(code, cat),
        melding=pl.format(
            "toewijzing {} ({}, {}) overlapt met toewijzing {} ({}, {}) voor dezelfde jeugdige:"
            " hetzelfde product mag niet gestapeld worden toegewezen",
            _label(),
            product(code, cat),
            _period(pl.col("ingangsdatum"), pl.col("_eind")),
            pl.coalesce(
                pl.col("toewijzingnummer_b"),
                pl.format("zonder nummer (regel {})", pl.col("_rij_b")),
            ),
            product(code_b, cat_b),
            _period(pl.col("ingangsdatum_b"), pl.col("_eind_b")),
        ),
    )


@controle(
    "PM032",
    ernst="waarschuwing",
    ijw="",
    retourcode="",
    titel="Aspecifieke toewijzing met een volume",
    bron="iJw toewijzingsvarianten (aspecifiek: Volume, Eenheid en Frequentie leeg); OP302",
    nodig=("toewijzingen",),
    tabel="toewijzingen",
    herstel=(
        "Bij een aspecifieke toewijzing hoort geen volume; de grens is het budget. Laat "
        "de toewijzing zo nodig door de gemeente corrigeren."
    ),
)
def aspecifiek_met_volume(ctx: Context) -> pl.LazyFrame:
    """
    ## Wat het doet
    Meldt een aspecifieke toewijzing (een productcategorie zonder productcode) waarbij een
    volume is ingevuld.

    ## Waarom
    Bij een aspecifieke toewijzing declareert de aanbieder verschillende productcodes van de
    categorie, elk in hun eigen eenheid (OP302); een omvang in één eenheid past daar niet bij.
    In de toewijzingsvarianten van iJw 3.2 zijn bij aspecifiek (met of zonder budget) Volume,
    Eenheid en Frequentie leeg; de grens is een budget.

    ## Voorbeeld
    Toewijzing T3 op categorie 50 zonder productcode met volume 600 geeft "aspecifieke
    toewijzing T3 (categorie 50) heeft volume 600: een aspecifieke toewijzing heeft geen
    omvang, hooguit een budget".
    """
    rows = ctx.in_scope(ctx.allocation_list).filter(
        pl.col("productcode").is_null()
        & pl.col("productcategorie").is_not_null()
        & pl.col("volume").is_not_null()
    )
    return results(
        rows,
        kolom="volume",
        waarde=dutch_number(pl.col("volume")),
        melding=pl.format(
            "aspecifieke toewijzing {} (categorie {}) heeft volume {}: een aspecifieke toewijzing"
            " heeft geen omvang, hooguit een budget",
            _label(),
            pl.col("productcategorie"),
            dutch_number(pl.col("volume")),
        ),
    )
