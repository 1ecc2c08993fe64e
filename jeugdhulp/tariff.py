"""Tariff per minute and yearly indexation (IJsselland).

Source: ../shared/seeds/ijsselland-faq-administratie.txt: "het uurtarief wordt gedeeld door 60
waarbij afgekapt wordt op 2 decimalen achter de komma". The FAQ's own example:

>>> tarief_per_minuut(Decimal("54.42"))
Decimal('0.90')

Binary floating point would give 1,14 for 69,00 (69.0 / 60 * 100 = 114.99999999999999); decimal
arithmetic gives the 1,15 the invoice system expects:

>>> tarief_per_minuut(Decimal("69.00")), tarief_per_minuut(Decimal("16.20"))
(Decimal('1.15'), Decimal('0.27'))

Indexation 2020 -> 2021 is +2,86% (same FAQ); the indexed tariff is rounded half up to cents:

>>> indexeer_tarief(Decimal("54.42"), Decimal("0.0286"))
Decimal('55.98')
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

from jeugdhulp.errors import OngeldigeInvoer

CENT = Decimal("0.01")
MINUTES_PER_HOUR = 60


def tarief_per_minuut(uurtarief: Decimal) -> Decimal:
    """Hourly tariff / 60, truncated (not rounded) to whole cents."""
    if uurtarief < 0:
        raise OngeldigeInvoer(f"Uurtarief {uurtarief} is negatief.")
    with localcontext() as ctx:
        ctx.prec = 50  # exact for any tariff a spreadsheet can hold
        return (uurtarief / MINUTES_PER_HOUR).quantize(CENT, rounding=ROUND_DOWN)


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
