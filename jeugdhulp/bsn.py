"""BSN (burgerservicenummer) with the leading zero that spreadsheets drop.

The elfproef itself is python-stdnum's (`stdnum.nl.bsn`); this module adds the one thing
spreadsheets need: a BSN stored as a number loses its leading zero, so 8 digits are read as
0 + digits, and the caller learns that it happened (PM022).

>>> normalize_bsn("111222333"), normalize_bsn(11222333), normalize_bsn("1112.22.333")
(('111222333', False), ('011222333', True), ('111222333', False))
>>> is_valid_bsn("111222333"), is_valid_bsn("111222334"), is_valid_bsn(11222333)
(True, False, False)
>>> normalize_bsn("1234")
('1234', False)
"""

from __future__ import annotations

from stdnum.nl import bsn as _bsn
from stdnum.util import clean


def normalize_bsn(value: object) -> tuple[str, bool]:
    """The BSN as 9 digits when it has 8 or 9, else the compacted text; flag: a leading zero was restored."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # stdnum's compact() zero-fills any short number; only one lost zero (8 digits) is plausible.
    text = clean("" if value is None else str(value), " -.").strip()
    if text.isdigit() and len(text) == 8:
        return "0" + text, True
    return text, False


def is_valid_bsn(value: object) -> bool:
    """9 digits (8 = leading zero lost) passing the elfproef."""
    text, _ = normalize_bsn(value)
    return len(text) == 9 and _bsn.is_valid(text)
