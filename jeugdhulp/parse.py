"""Reading the values people type: Dutch decimal commas, thousands dots, ja/nee, dates as text.

One home for these rules, used by the Excel functions and the command line for single values and
mirrored by the polars expressions of `jeugdhulp.normalize` for whole columns (a property test
keeps both equal). Each parser says whether it had to be lenient, so the batch checker can report
it (PM022).

Numbers typed as text are read the Dutch way first (`read_number`):

- ``54,42`` and ``0,907``: a decimal comma;
- ``1.234,56``, ``250.000,00``, ``1.250.000``, ``1 234,56``: thousands dots (or spaces) with an
  optional decimal comma;
- ``€ 1.234,56``, ``€ -5,00``, ``-€ 5,00``, ``5,00-``, ``(5,00)``, ``€ 25,-``, ``2,86%``: the
  currency, negative, whole-euro and percent forms of Excel's Dutch number formats;
- ``7.5``, ``54.42``, ``1,234.56``, ``1,250,000``: no Dutch reading exists, so the English one
  (decimal point, thousands commas) is taken;
- **genuinely ambiguous** is a text with one separator followed by exactly three digits and
  nothing else: ``1.200``, ``250.000``, ``7.688`` (Dutch: twelve hundred; English: 1,2) and
  ``1,200``, ``12,345`` (Dutch: 1,2; English: twelve hundred). It is read the Dutch way and the
  reading says it was ambiguous (`GelezenGetal.dubbelzinnig`), so the checker can report it
  (PM022) unless the same table shows the Dutch convention elsewhere. A currency sign or the
  Dutch ``,-`` settles it (``€ 1.200`` is twelve hundred euro). A leading zero group is never a
  thousands group: ``0.500`` is 0,5.

A number (an int, float or Decimal, as a number cell gives it) is taken as it is, a float the
way Excel shows it: to 15 significant digits (`excel_getal`), so a cell holding 47,55 + 1,05
(48,599999999999994 in binary) is 48,6, as the file reader reads it too.

A date is a date, a date-time (its date), an Excel serial number (days since 30-12-1899, as Excel
passes a date) or dd-mm-jjjj / jjjj-mm-dd text. A serial before 1-1-1950 (`EERSTE_SERIEDATUM`)
is a number, not a date: 2023 in a date cell is a year, not 15-07-1905.

>>> parse_decimal("54,42")
(Decimal('54.42'), True)
>>> parse_decimal(54.42)
(Decimal('54.42'), False)
>>> parse_decimal("1.234,5")
(Decimal('1234.5'), True)
>>> read_number("7.688")
GelezenGetal(waarde=Decimal('7688'), tekst=True, dubbelzinnig=True, notatie=None)
>>> [str(to_decimal(t)) for t in ("250.000", "250.000,00", "1.250.000", "€ -1.234,56", "(5,00)")]
['250000', '250000.00', '1250000', '-1234.56', '-5.00']
>>> parse_date("1-3-2023"), parse_date(44986)
((datetime.date(2023, 3, 1), True), (datetime.date(2023, 3, 1), False))
>>> excel_getal(47.55 + 1.05), excel_getal(8000.000000000001)
(Decimal('48.6'), Decimal('8000'))
>>> parse_date("2023-03-01T00:00:00.000Z")[0]
datetime.date(2023, 3, 1)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from jeugdhulp.errors import OngeldigeInvoer

_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: The first date an Excel serial number is read as (see the module docstring): no date in a
#: youth-care workbook (a period, a birth date, a tariff's validity) lies before it.
EERSTE_SERIEDATUM = dt.date(1950, 1, 1)
_FIRST_SERIAL = (EERSTE_SERIEDATUM - _EXCEL_EPOCH).days  # 18264
_LAST_SERIAL = 2958466  # 1-1-10000: Excel's dates end on 31-12-9999
#: Significant digits Excel shows of a number (and keeps of one typed in).
EXCEL_CIJFERS = 15
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
# ISO dates, also as a midnight datetime the way JSON carries them ("2023-03-01T00:00:00.000Z")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?$")

TRUE_WORDS = frozenset({"ja", "j", "waar", "true", "1", "yes", "y", "x"})
FALSE_WORDS = frozenset({"nee", "n", "onwaar", "false", "0", "no", ""})

# -- numbers typed as text ----------------------------------------------------------------------
# The patterns are shared with the polars mirror (`jeugdhulp.normalize`), so they use [0-9] (Rust's
# \d is Unicode-wide) and constructs both regex engines read alike.

#: Spaces that Excel and other programs put in formatted numbers (no-break and narrow no-break).
NUMBER_SPACES = ("\u00a0", "\u202f")
#: A number text split into its decorations and its body (digits with separators).
NUMBER_TEXT = (
    r"^(?P<open>\()?\s*(?P<sign>[+-])?\s*(?P<cur>€|EUR)?\s*(?P<sign2>[+-])?\s*"
    r"(?P<body>[0-9.,][0-9., ]*?)(?P<dash>,-{1,2})?\s*(?P<cur2>€|EUR)?\s*(?P<pct>%)?\s*"
    r"(?P<sign3>-)?\s*(?P<close>\))?$"
)
#: Plain digits: the same in every convention.
NUMBER_INT = r"^[0-9]+$"
#: Bodies with a Dutch reading: thousands dots or spaces with an optional decimal comma, or a
#: decimal comma alone.
NUMBER_NL = (
    r"^(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?"
    r"|[1-9][0-9]{0,2}(?: [0-9]{3})+(?:,[0-9]+)?"
    r"|[0-9]*,[0-9]+)$"
)
#: Bodies with an English reading: thousands commas or spaces with a decimal point, or a point.
NUMBER_EN = (
    r"^(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?"
    r"|[1-9][0-9]{0,2}(?: [0-9]{3})+\.[0-9]+"
    r"|[0-9]*\.[0-9]+)$"
)
#: How a number cell's value arrives as text from the reader (fastexcel): fixed-point digits.
CELL_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"
#: A number cell's text that also reads as a Dutch number with a thousands dot ("7.688" from a
#: cell holding 7,688, or typed as text: 7688): the only texts where a number cell and a text
#: cell read differently, so the readers find out which one a cell is.
CELL_OR_DUTCH = r"^-?[1-9][0-9]{0,2}\.[0-9]{3}$"

_NUMBER_TEXT = re.compile(NUMBER_TEXT)
_NUMBER_INT = re.compile(NUMBER_INT)
_NUMBER_NL = re.compile(NUMBER_NL)
_NUMBER_EN = re.compile(NUMBER_EN)


@dataclass(frozen=True, slots=True)
class GelezenGetal:
    """A number as read (`read_number`).

    - `waarde`: the value, exact;
    - `tekst`: it was typed as text (not a number value);
    - `dubbelzinnig`: the text also has an English reading with another value ("1.200", "1,200";
      see the module docstring) and was read the Dutch way;
    - `notatie`: "nl" or "en" when the text shows one convention unambiguously (a decimal comma,
      several thousands dots, a decimal point that cannot be a thousands dot), else None.
    """

    waarde: Decimal
    tekst: bool
    dubbelzinnig: bool = False
    notatie: str | None = None


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def number_text(text: str) -> str:
    """A typed number with its odd spaces made plain and trimmed (the first step of reading)."""
    for space in NUMBER_SPACES:
        text = text.replace(space, " ")
    return text.strip()


def excel_getal(value: float) -> Decimal:
    """A float as Excel shows it: rounded to 15 significant digits (`EXCEL_CIJFERS`), exact.

    The file reader's polars mirror is `jeugdhulp.normalize.float_number_parser`.
    """
    return Decimal(f"{value:.{EXCEL_CIJFERS}g}").normalize() + 0


def read_number(value: object, name: str = "waarde") -> GelezenGetal:
    """A number from a cell value or typed text, Dutch conventions first (module docstring).

    Floats from Excel are taken as Excel shows them (`excel_getal`: 54.42 stays 54.42, and
    48.599999999999994 is 48.6). Raises `OngeldigeInvoer` (Dutch message naming `name`) for
    anything else.
    """
    if isinstance(value, bool):
        raise OngeldigeInvoer(f"{name}: verwacht een getal, geen WAAR/ONWAAR.")
    if isinstance(value, int):
        return GelezenGetal(Decimal(value), False)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise OngeldigeInvoer(f"{name}: geen geldig getal.")
        return GelezenGetal(excel_getal(value), False)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise OngeldigeInvoer(f"{name}: geen geldig getal.")
        return GelezenGetal(value, False)
    if not isinstance(value, str):
        raise OngeldigeInvoer(f"{name}: '{value}' is geen getal.")
    reading = _read_number_text(number_text(value))
    if reading is None:
        raise OngeldigeInvoer(
            f"{name}: '{value}' is geen getal (gebruik bijvoorbeeld 54,42 of 1.234,56)."
        )
    return reading


def _read_number_text(text: str) -> GelezenGetal | None:
    """The Dutch-first reading of a trimmed text, or None; mirrored by
    `jeugdhulp.normalize.decimal_parser` step by step."""
    match = _NUMBER_TEXT.match(text)
    if match is None:
        return None
    g = match.groupdict()
    signs = [s for s in (g["sign"], g["sign2"], g["sign3"]) if s]
    if (
        bool(g["open"]) != bool(g["close"])
        or len(signs) + bool(g["open"]) > 1
        or (g["cur"] and g["cur2"])
        or (g["pct"] and (g["cur"] or g["cur2"]))
    ):
        return None
    body, dash = g["body"], bool(g["dash"])
    plain = bool(_NUMBER_INT.match(body))
    dutch = bool(_NUMBER_NL.match(body))
    english = bool(_NUMBER_EN.match(body))
    if dash and "," in body:  # "1,5,-"
        return None
    if plain:
        digits = body
    elif dutch:
        digits = body.replace(".", "").replace(" ", "").replace(",", ".")
    elif english:
        digits = body.replace(",", "").replace(" ", "")
    else:
        return None
    number = Decimal(digits)
    if "-" in signs or g["open"]:
        number = -number
    if g["pct"]:
        number = number / 100
    settled = dash or bool(g["cur"] or g["cur2"])  # "€ 1.200", "1.200,-": Dutch money
    ambiguous = dutch and english and not settled
    if dutch and (settled or not english):
        notatie: str | None = "nl"
    elif english and not dutch:
        notatie = "en"
    else:
        notatie = "nl" if dash else None
    return GelezenGetal(number, True, ambiguous, notatie)


def parse_decimal(value: object, name: str = "waarde") -> tuple[Decimal, bool]:
    """A number as Decimal, and whether it was read leniently (typed as text).

    See `read_number` for the rules; this is its short form for callers that only need the value
    and the leniency.
    """
    reading = read_number(value, name)
    return reading.waarde, reading.tekst


def to_decimal(value: object, name: str = "waarde") -> Decimal:
    """`parse_decimal` without the leniency flag."""
    return parse_decimal(value, name)[0]


def parse_date(value: object, name: str = "datum") -> tuple[dt.date, bool]:
    """A date from an Excel serial, a date/datetime, or text (01-03-2023, 1-3-2023, 2023-03-01).

    A serial counts from 1-1-1950 on (`EERSTE_SERIEDATUM`): an earlier one is no date.
    """
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not _FIRST_SERIAL <= value < _LAST_SERIAL:
            shown = int(value) if value == int(value) else value
            raise OngeldigeInvoer(
                f"{name}: {shown} is geen datum (als getal telt een datum pas vanaf "
                f"{EERSTE_SERIEDATUM:%d-%m-%Y}, serienummer {_FIRST_SERIAL})."
            )
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


def getal_tekst(value: Decimal | int, *, duizendtallen: bool = True) -> str:
    """A number as a Dutch user reads it: thousands dot, decimal comma, no trailing zeros.
    `duizendtallen=False` leaves the thousands dot off (to say how "7.688" was read).

    >>> getal_tekst(Decimal("7688")), getal_tekst(Decimal("65.0")), getal_tekst(Decimal("1234.50"))
    ('7.688', '65', '1.234,5')
    >>> getal_tekst(Decimal("7688.5"), duizendtallen=False)
    '7688,5'
    """
    number = Decimal(value).normalize()
    text = f"{number:,f}" if duizendtallen else f"{number:f}"
    integer, _, fraction = text.partition(".")
    integer = integer.replace(",", ".")
    return f"{integer},{fraction}" if fraction else integer


def fold(text: str) -> str:
    """Compare key for names typed by people: case, accents, spaces and punctuation ignored.

    >>> fold(" Overgangscliënt "), fold("Reden beëindiging"), fold("bsn-client")
    ('overgangsclient', 'redenbeeindiging', 'bsnclient')
    """
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())
