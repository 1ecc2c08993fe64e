"""Transport entitlement score (Hart van Brabant).

Source: ../shared/seeds/hart-van-brabant-arrangementen-en-vervoer.txt: score = months x times per
week x weeks per month x km single trip x 0,25; entitlement when the score is 250 or more. It is a
guideline: the tool computes, people decide. The seed's examples A, B and C:

>>> from jeugdhulp.profile import load_profile
>>> p = load_profile("hart-van-brabant")
>>> [vervoerscore(*args, profile=p) for args in ((6, 3, 4, 40), (4, 5, 4, 15), (12, 1, 4, 9))]
[Decimal('720.00'), Decimal('300.00'), Decimal('108.00')]
>>> [vervoersrecht(*args, profile=p) for args in ((6, 3, 4, 40), (4, 5, 4, 15), (12, 1, 4, 9))]
[True, True, False]
"""

from __future__ import annotations

from decimal import Decimal

from jeugdhulp.errors import OngeldigeInvoer
from jeugdhulp.profile import Profile


def vervoerscore(
    maanden: Decimal | int,
    keer_per_week: Decimal | int,
    weken_per_maand: Decimal | int,
    km_enkele_reis: Decimal | int,
    *,
    profile: Profile,
) -> Decimal:
    """months x times per week x weeks per month x km single trip x the profile's weighting factor."""
    factors = {
        "maanden": maanden,
        "keer per week": keer_per_week,
        "weken per maand": weken_per_maand,
        "km enkele reis": km_enkele_reis,
    }
    for label, value in factors.items():
        if Decimal(value) < 0:
            raise OngeldigeInvoer(f"{label}: {value} is negatief.")
    score = profile.decimal("vervoer.weegfactor")
    for value in factors.values():
        score *= Decimal(value)
    return score


def vervoersrecht(
    maanden: Decimal | int,
    keer_per_week: Decimal | int,
    weken_per_maand: Decimal | int,
    km_enkele_reis: Decimal | int,
    *,
    profile: Profile,
) -> bool:
    """True when the score reaches the profile's threshold (250 in Hart van Brabant)."""
    score = vervoerscore(maanden, keer_per_week, weken_per_maand, km_enkele_reis, profile=profile)
    return score >= profile.decimal("vervoer.drempel")
