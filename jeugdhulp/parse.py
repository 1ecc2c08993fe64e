"""Reading the values people type: Dutch decimal commas, thousands dots, ja/nee, dates as text.

One home for these rules, used by the Excel functions for single values and mirrored by the
polars expressions of `jeugdhulp.normalize` for whole columns (a property test keeps both equal).
Each parser says whether it had to be lenient, so the batch checker can report it (PM022).

>>> parse_decimal("54,42")
(Decimal('54.42'), True)
>>> parse_decimal(54.42)
(Decimal('54.42'), False)
>>> parse_decimal("1.234,5")
(Decimal('1234.5'), True)
>>> parse_date("1-3-2023"), parse_date(44986)
((datetime.date(2023, 3, 1), True), (datetime.date(2023, 3, 1), False))
>>> parse_date("2023-03-01T00:00:00.000Z")[0]
datetime.date(2023, 3, 1)
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from jeugdhulp.errors import OngeldigeInvoer

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# "1.234,56" / "1234,56" / "1 234,56" / "-3,5" / "€ 12,00"
_DUTCH = re.compile(r"^[+-]?\d{1,3}(?:[. ]\d{3})*(?:,\d+)?$|^[+-]?\d+(?:,\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")  # no exponents: nobody types 1e5
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
# ISO dates, also as a midnight datetime the way JSON carries them ("2023-03-01T00:00:00.000Z")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?$")

TRUE_WORDS = frozenset({"ja", "j", "waar", "true", "1", "yes", "y", "x"})
FALSE_WORDS = frozenset({"nee", "n", "onwaar", "false", "0", "no", ""})


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_decimal(value: object, name: str = "waarde") -> tuple[Decimal, bool]:
    """A number as Decimal, and whether it was read leniently (text, Dutch comma).

    Floats from Excel are taken by their shortest repr (54.42 stays 54.42, not 54.4200000000003).
    """
    if isinstance(value, bool):
        raise OngeldigeInvoer(f"{name}: verwacht een getal, geen WAAR/ONWAAR.")
    if isinstance(value, int):
        return Decimal(value), False
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise OngeldigeInvoer(f"{name}: geen geldig getal.")
        return Decimal(repr(value)), False
    if isinstance(value, Decimal):
        return value, False
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", " ").removeprefix("€").strip()
        if text.endswith("%"):
            number, _ = parse_decimal(text[:-1], name)
            return number / 100, True
        if _PLAIN.match(text) and "," not in text:
            try:
                return Decimal(text), True
            except InvalidOperation:
                pass
        if _DUTCH.match(text):
            return Decimal(text.replace(".", "").replace(" ", "").replace(",", ".")), True
        raise OngeldigeInvoer(f"{name}: '{value}' is geen getal (gebruik bijvoorbeeld 54,42).")
    raise OngeldigeInvoer(f"{name}: '{value}' is geen getal.")


def to_decimal(value: object, name: str = "waarde") -> Decimal:
    """`parse_decimal` without the leniency flag."""
    return parse_decimal(value, name)[0]


def parse_date(value: object, name: str = "datum") -> tuple[dt.date, bool]:
    """A date from an Excel serial, a date/datetime, or text (01-03-2023, 1-3-2023, 2023-03-01)."""
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's range: 1-1-1900 .. 31-12-9999
            raise OngeldigeInvoer(f"{name}: {value} is geen geldige Excel-datum.")
        if value < 61:  # Excel's phantom 29-2-1900 shifts serials below 61 by one day
            return _EXCEL_EPOCH + dt.timedelta(days=int(value) + 1), False
        return _EXCEL_EPOCH + dt.timedelta(days=int(value)), False
    if isinstance(value, str):
        text = value.strip()
        match = _DMY.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
        elif match := _YMD.match(text):
            year, month, day = (int(g) for g in match.groups())
        else:
            raise OngeldigeInvoer(f"{name}: '{value}' is geen datum (gebruik dd-mm-jjjj).")
        try:
            return dt.date(year, month, day), True
        except ValueError:
            raise OngeldigeInvoer(f"{name}: '{value}' bestaat niet als datum.") from None
    raise OngeldigeInvoer(f"{name}: '{value}' is geen datum.")


def to_date(value: object, name: str = "datum") -> dt.date:
    return parse_date(value, name)[0]


def parse_bool(value: object, name: str = "waarde") -> bool:
    """WAAR/ONWAAR, ja/nee, 1/0, x; an empty cell is nee."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS or word == "onwaar":
            return False
    raise OngeldigeInvoer(f"{name}: '{value}' is geen ja/nee.")


def euro_tekst(amount: Decimal, *, centen: bool = True) -> str:
    """Money as a Dutch user reads it; `centen=False` leaves ",00" off whole amounts.

    >>> euro_tekst(Decimal("1234.5")), euro_tekst(Decimal("-0.9")), euro_tekst(Decimal("8000"), centen=False)
    ('€ 1.234,50', '€ -0,90', '€ 8.000')
    """
    text = f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if not centen:
        text = text.removesuffix(",00")
    return f"€ {text}"


def fold(text: str) -> str:
    """Compare key for names typed by people: case, accents, spaces and punctuation ignored.

    >>> fold(" Overgangscliënt "), fold("Reden beëindiging"), fold("bsn-client")
    ('overgangsclient', 'redenbeeindiging', 'bsnclient')
    """
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())
