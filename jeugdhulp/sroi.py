"""SROI obligation (Social Return On Investment, IJsselland).

Source: ../shared/seeds/ijsselland-faq-administratie.txt: 5% of the invoiced turnover when the
turnover over the whole contract period (up to 7 years) is at least 200.000 euro.

>>> from jeugdhulp.profile import load_profile
>>> p = load_profile("ijsselland-2023")
>>> sroi_verplichting(Decimal("210000"), profile=p), sroi_verplichting(Decimal("199999.99"), profile=p)
(Decimal('10500.00'), Decimal('0.00'))
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from jeugdhulp.errors import OngeldigeInvoer
from jeugdhulp.profile import Profile
from jeugdhulp.tariff import CENT


def sroi_verplichting(omzet: Decimal, *, profile: Profile) -> Decimal:
    """The SROI obligation in euros (rounded half up to cents); 0 below the threshold."""
    if omzet < 0:
        raise OngeldigeInvoer(f"Omzet {omzet} is negatief.")
    if omzet < profile.decimal("sroi.drempel"):
        return Decimal("0.00")
    return (omzet * profile.decimal("sroi.percentage")).quantize(CENT, rounding=ROUND_HALF_UP)
