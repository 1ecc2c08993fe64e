"""Deadlines of the iJw message flow (IJsselland), counted in working days where the rule says so.

Source: ../shared/seeds/ijsselland-faq-administratie.txt:
1. JW315 (request for allocation) within 5 working days after the assessment;
2. JW315 -> JW301 (allocation): 5 working days for segment Midden, 15 days for segment Top;
3. JW301 -> start of care (JW305): at most 3 weeks (Midden) / 6 weeks (Top);
4. JW305 sent within 5 working days after the care started.
"15 dagen" and weeks are calendar days, as the FAQ writes them.

Working days are Monday to Friday minus the holidays of a calendar the profile chooses
(`werkdagen.kalender`):

- ``"algemene-termijnenwet"`` (the default): the yardstick for statutory terms, the Algemene
  termijnenwet. Art. 3 lid 1 names New Year's Day, Easter Monday and Whit Monday, both Christmas
  days, Ascension Day, the day the King's birthday is celebrated (Koningsdag) and 5 May; lid 2
  equates Good Friday with them; lid 3 lets a Royal decree equate further days (published in the
  Staatscourant, e.g. the Friday after Ascension Day), which a profile lists in
  `werkdagen.gelijkgestelde_dagen`. Checked against the text of art. 3 as quoted on
  staatsrechtpraktijk.nl and wvhl.nl. 5 May counts every year, unlike in most collective
  agreements.
- ``"holidays"``: the `holidays` package's Dutch calendar (Good Friday included, 5 May only
  in lustrum years, as most collective agreements have it).

Assessment on Wednesday 26-4-2023: Koningsdag (27-4) does not count, so the JW315 is due on
Thursday 4-5-2023; an assessment on 28-4-2023 skips Bevrijdingsdag (Friday 5-5) as well:

>>> from jeugdhulp.profile import load_profile
>>> p = load_profile("ijsselland-2023")
>>> jw_termijn(dt.date(2023, 4, 26), "JW315", profile=p)
datetime.date(2023, 5, 4)
>>> jw_termijn(dt.date(2023, 4, 28), "JW315", profile=p)
datetime.date(2023, 5, 8)
>>> jw_termijn(dt.date(2023, 3, 1), "JW301", "Top", profile=p)
datetime.date(2023, 3, 16)
>>> jw_termijn(dt.date(2023, 3, 1), 3, "midden", profile=p)
datetime.date(2023, 3, 22)
>>> sorted(d.isoformat() for d in feestdagen(2023))[:4]
['2023-01-01', '2023-04-07', '2023-04-10', '2023-04-27']
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

from jeugdhulp.errors import OngeldigeInvoer, OntbrekendeInstelling
from jeugdhulp.parse import fold
from jeugdhulp.profile import Profile

#: Step number by the names people use for it.
STAPPEN: dict[str, int] = {
    "1": 1,
    "jw315": 1,
    "beoordeling": 1,
    "verzoekomtoewijzing": 1,
    "2": 2,
    "jw301": 2,
    "toewijzing": 2,
    "3": 3,
    "startzorg": 3,
    "start": 3,
    "4": 4,
    "jw305": 4,
    "meldingstartzorg": 4,
}
SEGMENTEN = ("midden", "top")

ATW = "algemene-termijnenwet"
HOLIDAYS = "holidays"
KALENDERS = (ATW, HOLIDAYS)
#: The first year this module knows the Algemene termijnenwet's days for (5 May is in art. 3
#: since the early 1980s; Koningsdag's date rules below go back to 1980).
EERSTE_JAAR = 1990


def paaszondag(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm of Meeus, Jones and
    Butcher). Computed here, not imported, so the add-in needs no further package in xlwings
    Lite; `tests/test_deadlines.py` checks it against `dateutil.easter` for 1990-2200.

    >>> paaszondag(2023), paaszondag(2024)
    (datetime.date(2023, 4, 9), datetime.date(2024, 3, 31))
    """
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def koningsdag(year: int) -> dt.date:
    """The day the King's (Queen's) birthday is celebrated: 27 April from 2014 (26 April when
    the 27th is a Sunday); 30 April from 1980 to 2013 (29 April when the 30th is a Sunday)."""
    day = dt.date(year, 4, 27) if year >= 2014 else dt.date(year, 4, 30)
    return day - dt.timedelta(days=1) if day.weekday() == 6 else day


@cache
def _atw(year: int) -> frozenset[dt.date]:
    if year < EERSTE_JAAR:
        raise OngeldigeInvoer(
            f"Jaar {year}: de feestdagen van de Algemene termijnenwet zijn hier opgenomen vanaf "
            f"{EERSTE_JAAR}."
        )
    easter = paaszondag(year)
    return frozenset(
        {
            dt.date(year, 1, 1),  # Nieuwjaarsdag
            easter - dt.timedelta(days=2),  # Goede Vrijdag (art. 3 lid 2)
            easter + dt.timedelta(days=1),  # tweede Paasdag
            koningsdag(year),
            dt.date(year, 5, 5),  # de vijfde mei
            easter + dt.timedelta(days=39),  # Hemelvaartsdag
            easter + dt.timedelta(days=50),  # tweede Pinksterdag
            dt.date(year, 12, 25),
            dt.date(year, 12, 26),
        }
    )


@cache
def _holidays_nl(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def kalender_van(profile: Profile | None) -> str:
    """The profile's holiday calendar (`werkdagen.kalender`), the Algemene termijnenwet by default."""
    if profile is None:
        return ATW
    value = str(profile.get("werkdagen.kalender", ATW)).strip().lower()
    if value not in KALENDERS:
        raise OntbrekendeInstelling(
            f"werkdagen.kalender ({' of '.join(KALENDERS)}; niet '{value}')", profile.sleutel
        )
    return value


def gelijkgestelde_dagen(profile: Profile | None) -> frozenset[dt.date]:
    """Days a Royal decree equates with holidays (Atw art. 3 lid 3), from the profile."""
    if profile is None:
        return frozenset()
    days = set()
    for value in profile.get("werkdagen.gelijkgestelde_dagen", []):
        try:
            days.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError:
            raise OntbrekendeInstelling(
                f"werkdagen.gelijkgestelde_dagen (datum '{value}' als 2023-05-19)",
                profile.sleutel,
            ) from None
    return frozenset(days)


def feestdagen(year: int, profile: Profile | None = None) -> frozenset[dt.date]:
    """The non-working weekdays and weekend holidays of a year in the profile's calendar."""
    base = _holidays_nl(year) if kalender_van(profile) == HOLIDAYS else _atw(year)
    return base | {d for d in gelijkgestelde_dagen(profile) if d.year == year}


def is_werkdag(day: dt.date, profile: Profile | None = None) -> bool:
    """Monday to Friday and not a holiday of the profile's calendar."""
    return day.weekday() < 5 and day not in feestdagen(day.year, profile)


def plus_werkdagen(start: dt.date, count: int, profile: Profile | None = None) -> dt.date:
    """The date `count` working days after `start` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_werkdag(day, profile):
            remaining -= 1
    return day


def stap_van(stap: str | int | float) -> int:
    if isinstance(stap, float) and stap.is_integer():  # Excel sends 2 as 2.0
        stap = int(stap)
    key = fold(str(stap))
    if key in STAPPEN:
        return STAPPEN[key]
    raise OngeldigeInvoer(
        f"Stap '{stap}' is onbekend; kies 1 (JW315), 2 (JW301), 3 (start zorg) of 4 (JW305)."
    )


def segment_van(segment: str | None) -> str:
    key = fold(segment or "midden")
    if key in SEGMENTEN:
        return key
    raise OngeldigeInvoer(f"Segment '{segment}' is onbekend; kies Midden of Top.")


def jw_termijn(
    datum: dt.date, stap: str | int, segment: str | None = None, *, profile: Profile
) -> dt.date:
    """The deadline of a step, counted from the date of the event before it."""
    number = stap_van(stap)
    seg = segment_van(segment)
    t = "termijnen."

    def werkdagen(key: str) -> dt.date:
        return plus_werkdagen(datum, int(profile.get(t + key)), profile)

    if number == 1:
        return werkdagen("jw315_na_beoordeling_werkdagen")
    if number == 2:
        if seg == "midden":
            return werkdagen("jw301_na_jw315_midden_werkdagen")
        return datum + dt.timedelta(days=int(profile.get(t + "jw301_na_jw315_top_dagen")))
    if number == 3:
        weeks = profile.get(t + f"jw305_na_jw301_{seg}_weken")
        return datum + dt.timedelta(weeks=int(weeks))
    return werkdagen("jw305_na_start_zorg_werkdagen")
