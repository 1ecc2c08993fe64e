"""Budget estimate (rekenhulp) and the standard budget it snaps to (IJsselland 2023).

Source: ../shared/seeds/ijsselland-webinar-toewijzen-2023.txt. The rekenhulp multiplies group
hours by the hourly group rate of the chosen intensity and ambulant hours by the rekentarief of the
chosen category; the standard budget is the first of the eight at or above the estimate.

Casus Mark: herstel; group 2 days/week x 3 hours/day x 26 weeks, licht; ambulant 3 hours/week x
26 weeks at "Overwegend begeleiding en lichte hulp" (70,00). The rekentool shows 2.228 + 5.460 =
7.688 and budget 5 (8.000):

>>> from jeugdhulp.profile import load_profile
>>> p = load_profile("ijsselland-2023")
>>> mark = budgetraming("Herstel", 2, 3, 26, "Groepsaanbod licht", 3, 26,
...                     "Overwegend begeleiding en lichte hulp", profile=p)
>>> mark.groepsuren, round(mark.groepsbudget), mark.ambulant_budget, round(mark.totaal)
(Decimal('156'), 2228, Decimal('5460.00'), 7688)
>>> standaardbudget(mark.totaal, profile=p)
BudgetKeuze(nummer=5, bedrag=Decimal('8000'), tekst='')

Casus Frival: no group; 2,5 hours/week x 26 weeks at "Grote ggz instellingen / academisch" (130,00)
= 8.450, so budget 6 (the seed then agrees on 5 by judgement; the tool reports 6):

>>> frival = budgetraming("herstel", ambulant_uren_per_week=Decimal("2.5"), ambulant_weken=26,
...                       rekentarief="grote GGZ-instellingen/academisch", profile=p)
>>> frival.totaal, standaardbudget(frival.totaal, profile=p).nummer
(Decimal('8450.00'), 6)

Casus Greetje: an intervention of 3.000 snaps to itself (budget 3); above 20.000 is an offerte;
a medical referrer above budget 5 consults the Toegang:

>>> standaardbudget(Decimal("3000"), profile=p).nummer, standaardbudget(Decimal("20000.01"), profile=p).tekst
(3, 'Offerte')
>>> standaardbudget(Decimal("8450"), "medisch", profile=p).tekst[:27]
'Overleg met de Toegang: een'
>>> standaardbudget(Decimal("25000"), "huisarts", profile=p).tekst[:22]
'Overleg met de Toegang'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jeugdhulp.errors import OngeldigeInvoer, OntbrekendeInvoer
from jeugdhulp.parse import euro_tekst, fold, parse_decimal
from jeugdhulp.profile import Profile, StandaardBudget
from jeugdhulp.tariff import CENT

DUURZAAM_WEKEN = 52
TRAJECTTYPES = ("herstel", "duurzaam")
#: Group intensities of the rekentool dropdown; the seed also writes midden / middenzwaar.
GROEPSINTENSITEITEN: dict[str, str] = {
    "licht": "licht",
    "middel": "middel",
    "midden": "middel",
    "middelzwaar": "middelzwaar",
    "middenzwaar": "middelzwaar",
    "zwaar": "zwaar",
}
OFFERTE = "Offerte"
#: How a Verwijzer text is read: the kind whose word starts the folded text (`fold`), so
#: "Medisch specialist", "Huisarts Jansen" and "Gemeente Zwolle" are read too. Medisch: GP,
#: youth doctor, paediatrician, medical specialist (seed: "huisarts, jeugdarts, kinderarts of
#: medisch specialist"); GI: a certified institution; Toegang: the municipality's access team.
#: Also how the batch reads the Verwijzer column of allocations (`jeugdhulp.normalize`).
VERWIJZER_BEGIN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("medisch", ("medisch", "huisarts", "jeugdarts", "kinderarts", "specialist")),
    ("gi", ("gecertificeerd",)),
    ("toegang", ("toegang", "gemeente")),
)
#: Folded texts that are GI as a whole word ("GI"; a prefix "gi" would catch other words).
VERWIJZER_GI = frozenset({"gi"})

Getal = Decimal | int


@dataclass(frozen=True, slots=True)
class Raming:
    trajecttype: str
    groepsuren: Decimal
    groepsbudget: Decimal
    ambulante_uren: Decimal
    ambulant_budget: Decimal

    @property
    def totaal(self) -> Decimal:
        return self.groepsbudget + self.ambulant_budget


@dataclass(frozen=True, slots=True)
class BudgetKeuze:
    """A standard budget (nummer, bedrag), or no standard budget with the reason in `tekst`."""

    nummer: int | None
    bedrag: Decimal | None
    tekst: str = ""


def trajecttype_van(value: str) -> str:
    key = fold(value or "")
    for name in TRAJECTTYPES:
        if key in (name, name + "traject", name + "straject"):
            return name
    raise OngeldigeInvoer(f"Trajecttype '{value}' bestaat niet; kies Herstel of Duurzaam.")


def groepsintensiteit_van(value: str) -> str:
    key = fold(value or "").removeprefix("groepsaanbod").removeprefix("groep")
    if key in GROEPSINTENSITEITEN:
        return GROEPSINTENSITEITEN[key]
    raise OngeldigeInvoer(
        f"Groepsintensiteit '{value}' bestaat niet; kies licht, middel, middelzwaar of zwaar."
    )


def rekentarief_van(value: str | Getal | float, profile: Profile) -> Decimal:
    """Euro per hour: a number (also typed as text, "70,00"), or the profile's rate for a
    category name."""
    if not isinstance(value, str) or _is_number(value):
        amount = parse_decimal(value, "rekentarief")[0]
        if amount <= 0:
            raise OngeldigeInvoer(f"Rekentarief {value} moet groter dan 0 zijn.")
        return amount
    wanted = fold(value)
    for name in profile.get("rekentarieven", {}):
        if fold(name) == wanted:
            return profile.decimal(f"rekentarieven.{name}")
    raise OngeldigeInvoer(
        f"Rekentarief '{value}' staat niet in regioprofiel '{profile.sleutel}'. Bekend: "
        + "; ".join(profile.get("rekentarieven", {}))
        + ". Geef anders het bedrag per uur op, of vul het profiel aan (rekentarieven)."
    )


def _is_number(text: str) -> bool:
    try:
        parse_decimal(text)
    except OngeldigeInvoer:
        return False
    return True


def _check_part(label: str, values: dict[str, object]) -> bool:
    """True when the part is filled in completely, False when empty; partial input is an error."""
    given = [name for name, value in values.items() if value is not None]
    if not given:
        return False
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise OntbrekendeInvoer(
            f"{label}: vul ook {', '.join(missing)} in (of laat het deel leeg)."
        )
    for name, value in values.items():
        if isinstance(value, (Decimal, int)) and value < 0:
            raise OngeldigeInvoer(f"{label}: {name} {value} is negatief.")
    return True


def budgetraming(
    trajecttype: str,
    groep_dagen_per_week: Getal | None = None,
    groep_uren_per_dag: Getal | None = None,
    groep_weken: Getal | None = None,
    groep_intensiteit: str | None = None,
    ambulant_uren_per_week: Getal | None = None,
    ambulant_weken: Getal | None = None,
    rekentarief: str | Getal | None = None,
    *,
    profile: Profile,
) -> Raming:
    """The rekenhulp estimate. The group or the ambulant part may be left empty (None).

    Duurzaam: the budget is per year, so weeks are 52 (empty weeks mean 52; other weeks are an
    error), and group intensity zwaar is not allowed (except KDC/ODC, which the Toegang decides).
    """
    soort = trajecttype_van(trajecttype)
    if soort == "duurzaam":
        for label, weken in (("groep weken", groep_weken), ("ambulant weken", ambulant_weken)):
            if weken is not None and Decimal(weken) != DUURZAAM_WEKEN:
                raise OngeldigeInvoer(
                    f"{label}: bij een duurzaam traject is de duur altijd 52 weken (budget per jaar), niet {weken}."
                )
        if groep_dagen_per_week is not None and groep_weken is None:
            groep_weken = DUURZAAM_WEKEN
        if ambulant_uren_per_week is not None and ambulant_weken is None:
            ambulant_weken = DUURZAAM_WEKEN

    groepsuren = groepsbudget = Decimal(0)
    if _check_part(
        "Groepsaanbod",
        {
            "dagen per week": groep_dagen_per_week,
            "uren per dag": groep_uren_per_dag,
            "weken": groep_weken,
            "intensiteit": groep_intensiteit,
        },
    ):
        intensiteit = groepsintensiteit_van(str(groep_intensiteit))
        if soort == "duurzaam" and intensiteit == "zwaar":
            raise OngeldigeInvoer(
                "Groepsintensiteit zwaar is niet toegestaan binnen een duurzaam budget "
                "(uitzondering KDC/ODC: overleg met de Toegang)."
            )
        groepsuren = (
            Decimal(groep_dagen_per_week) * Decimal(groep_uren_per_dag) * Decimal(groep_weken)
        )
        groepsbudget = _cents(groepsuren * profile.decimal(f"groepstarieven.{intensiteit}"))

    ambulante_uren = ambulant_budget = Decimal(0)
    if _check_part(
        "Ambulante hulp",
        {
            "uren per week": ambulant_uren_per_week,
            "weken": ambulant_weken,
            "rekentarief": rekentarief,
        },
    ):
        ambulante_uren = Decimal(ambulant_uren_per_week) * Decimal(ambulant_weken)
        ambulant_budget = _cents(ambulante_uren * rekentarief_van(rekentarief, profile))

    if groep_dagen_per_week is None and ambulant_uren_per_week is None:
        raise OntbrekendeInvoer("Vul het groepsaanbod, de ambulante hulp of allebei in.")
    return Raming(soort, groepsuren, groepsbudget, ambulante_uren, ambulant_budget)


def verwijzer_soort(verwijzer: str | None) -> str | None:
    """The kind of referrer a text names: "medisch", "gi" or "toegang"; None when empty or
    unknown (`VERWIJZER_BEGIN`).

    >>> [verwijzer_soort(v) for v in ("Medisch specialist", "Huisarts X", "GI", "Gemeente")]
    ['medisch', 'medisch', 'gi', 'toegang']
    """
    key = fold(verwijzer or "")
    if key in VERWIJZER_GI:
        return "gi"
    for soort, begins in VERWIJZER_BEGIN:
        if key.startswith(begins):
            return soort
    return None


def is_medisch(verwijzer: str | None) -> bool:
    """Whether the referrer is medical (`verwijzer_soort`); empty is not. Raises
    `OngeldigeInvoer` for a text that is no known referrer."""
    if not fold(verwijzer or ""):
        return False
    soort = verwijzer_soort(verwijzer)
    if soort is None:
        raise OngeldigeInvoer(
            f"Verwijzer '{verwijzer}' is onbekend; kies medisch (huisarts, jeugdarts,"
            " kinderarts, medisch specialist), GI of Toegang (of laat leeg)."
        )
    return soort == "medisch"


def standaardbudget(
    raming: Decimal, verwijzer: str | None = None, *, profile: Profile
) -> BudgetKeuze:
    """The first standard budget at or above the estimate; an offerte above the highest.

    A medical referrer may only choose the budgets marked `medisch` (1-5 in IJsselland 2023):
    above those, also above the highest budget, the answer is to consult the Toegang (another
    budget or an offerte).
    """
    if raming < 0:
        raise OngeldigeInvoer(f"Raming {raming} is negatief.")
    budgets = profile.standaardbudgetten
    medisch = is_medisch(verwijzer)
    for budget in budgets:
        if budget.bedrag >= raming:
            if medisch and not budget.medisch:
                return _overleg(budgets)
            return BudgetKeuze(budget.nummer, budget.bedrag)
    # Above the highest budget a medical referrer still consults the Toegang first (seed: "dan
    # neemt zij vóór de start ... contact op met de gemeentelijke toegang"), whatever it becomes.
    return _overleg(budgets) if medisch else BudgetKeuze(None, None, OFFERTE)


def _overleg(budgets: tuple[StandaardBudget, ...]) -> BudgetKeuze:
    hoogste = max(b.bedrag for b in budgets if b.medisch)
    return BudgetKeuze(
        None,
        None,
        "Overleg met de Toegang: een medisch verwijzer kiest ten hoogste "
        f"{euro_tekst(hoogste, centen=False)}; voor deze raming is een ander budget of een offerte nodig.",
    )


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
