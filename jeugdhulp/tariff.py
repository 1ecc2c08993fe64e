"""Tariff per minute, the amount of a line in minutes, and yearly indexation.

Two rules for a tariff agreed per hour and declared per minute:

- **afronden** (the national rule, iJw 3.2 IV081 and TR346): the tariff per minute is the hourly
  tariff / 60 rounded half up to cents, and the line's amount is hourly tariff x minutes / 60,
  rounded to cents; the rounded minute tariff is shown in the line but not used for the amount.
- **afkappen** (IJsselland, seed ijsselland-faq-administratie.txt): "het uurtarief wordt gedeeld
  door 60 waarbij afgekapt wordt op 2 decimalen achter de komma", and the amount is minutes x that
  tariff ("aan het eind van het jaar kan het negatieve verschil ... worden gedeclareerd").

A profile chooses with `tarieven.minuuttarief` (`"afkappen"` in the IJsselland profiles); without
it the national rule holds. The FAQ's example:

>>> tarief_per_minuut(Decimal("54.42"), "afkappen"), tarief_per_minuut(Decimal("54.42"), "afronden")
(Decimal('0.90'), Decimal('0.91'))
>>> bedrag_in_minuten(Decimal("54.42"), Decimal("600")), bedrag_in_minuten(Decimal("54.42"), 600, "afkappen")
(Decimal('544.20'), Decimal('540.00'))

Binary floating point would give 1,14 for 69,00 (69.0 / 60 * 100 = 114.99999999999999); decimal
arithmetic gives the 1,15 the invoice system expects:

>>> tarief_per_minuut(Decimal("69.00"), "afkappen"), tarief_per_minuut(Decimal("16.20"), "afkappen")
(Decimal('1.15'), Decimal('0.27'))

Indexation 2020 -> 2021 is +2,86% (same FAQ); the indexed tariff is rounded half up to cents:

>>> indexeer_tarief(Decimal("54.42"), Decimal("0.0286"))
Decimal('55.98')
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING, Literal

from jeugdhulp.errors import OngeldigeInvoer, OntbrekendeInstelling

if TYPE_CHECKING:
    from jeugdhulp.profile import Profile

CENT = Decimal("0.01")
MINUTES_PER_HOUR = 60

Afronding = Literal["afronden", "afkappen"]
#: The national rule (IV081) unless a profile says otherwise.
LANDELIJK: Afronding = "afronden"
AFRONDINGEN: tuple[Afronding, ...] = ("afronden", "afkappen")


def minuutregel(profile: Profile | None) -> Afronding:
    """The profile's rule for a tariff per minute (`tarieven.minuuttarief`), else the national
    rule. Raises `OntbrekendeInstelling` for a value other than afronden / afkappen."""
    if profile is None:
        return LANDELIJK
    value = str(profile.get("tarieven.minuuttarief", LANDELIJK)).strip().lower()
    if value not in AFRONDINGEN:
        raise OntbrekendeInstelling("tarieven.minuuttarief (afronden of afkappen)", profile.sleutel)
    return value  # type: ignore[return-value]


def tarief_per_minuut(uurtarief: Decimal, afronding: Afronding = "afkappen") -> Decimal:
    """Hourly tariff / 60 in whole cents: truncated (IJsselland) or rounded half up (national).

    The default is IJsselland's truncation, the rule of the shipped default profile; callers
    with a profile pass `minuutregel(profile)`.
    """
    if uurtarief < 0:
        raise OngeldigeInvoer(f"Uurtarief {uurtarief} is negatief.")
    rounding = ROUND_DOWN if afronding == "afkappen" else ROUND_HALF_UP
    with localcontext() as ctx:
        ctx.prec = 50  # exact for any tariff a spreadsheet can hold
        return (uurtarief / MINUTES_PER_HOUR).quantize(CENT, rounding=rounding)


def bedrag_in_minuten(
    uurtarief: Decimal, minuten: Decimal | int, afronding: Afronding = LANDELIJK
) -> Decimal:
    """The amount of a line declared in minutes on an hourly tariff, in cents.

    National (IV081, TR346): hourly tariff x minutes / 60, rounded half up. IJsselland: minutes x
    the truncated tariff per minute.
    """
    with localcontext() as ctx:
        ctx.prec = 50
        if afronding == "afkappen":
            exact = Decimal(minuten) * tarief_per_minuut(uurtarief, "afkappen")
        else:
            exact = uurtarief * Decimal(minuten) / MINUTES_PER_HOUR
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def indexeer_tarief(tarief: Decimal, percentage: Decimal) -> Decimal:
    """Tariff raised by an index percentage given as a fraction (2,86% = 0.0286), rounded half up to cents."""
    if tarief < 0:
        raise OngeldigeInvoer(f"Tarief {tarief} is negatief.")
    if not Decimal("-1") < percentage < Decimal("1"):
        raise OngeldigeInvoer(
            f"Indexatiepercentage {percentage} ligt niet tussen -100% en 100%; "
            "geef 2,86% op als 2,86% of 0,0286."
        )
    with localcontext() as ctx:
        ctx.prec = 50
        return (tarief * (1 + percentage)).quantize(CENT, rounding=ROUND_HALF_UP)
