"""Deadlines of the iJw message flow (IJsselland).

Source: ../shared/seeds/ijsselland-faq-administratie.txt:
1. JW315 (request for allocation) within 5 working days after the assessment;
2. JW315 -> JW301 (allocation): 5 working days for segment Midden, 15 days for segment Top;
3. JW301 -> start of care (JW305): at most 3 weeks (Midden) / 6 weeks (Top);
4. JW305 sent within 5 working days after the care started.
Working days exclude weekends and Dutch public holidays (the `holidays` package's calendar for
NL, which counts Bevrijdingsdag only in lustrum years, like most collective agreements). "15
dagen" and weeks are calendar days, as the FAQ writes them.

Assessment on Wednesday 26-4-2023: Koningsdag (27-4) does not count, so the JW315 is due on
Thursday 4-5-2023:

>>> from jeugdhulp.profile import load_profile
>>> p = load_profile("ijsselland-2023")
>>> jw_termijn(dt.date(2023, 4, 26), "JW315", profile=p)
datetime.date(2023, 5, 4)
>>> jw_termijn(dt.date(2023, 3, 1), "JW301", "Top", profile=p)
datetime.date(2023, 3, 16)
>>> jw_termijn(dt.date(2023, 3, 1), 3, "midden", profile=p)
datetime.date(2023, 3, 22)
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

from jeugdhulp.errors import OngeldigeInvoer
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


@cache
def _nl_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_werkdag(day: dt.date) -> bool:
    """Monday to Friday and not a Dutch public holiday."""
    return day.weekday() < 5 and day not in _nl_holidays(day.year)


def plus_werkdagen(start: dt.date, count: int) -> dt.date:
    """The date `count` working days after `start` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_werkdag(day):
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
    if number == 1:
        return plus_werkdagen(datum, int(profile.get(t + "jw315_na_beoordeling_werkdagen")))
    if number == 2:
        if seg == "midden":
            return plus_werkdagen(datum, int(profile.get(t + "jw301_na_jw315_midden_werkdagen")))
        return datum + dt.timedelta(days=int(profile.get(t + "jw301_na_jw315_top_dagen")))
    if number == 3:
        weeks = profile.get(t + f"jw305_na_jw301_{seg}_weken")
        return datum + dt.timedelta(weeks=int(weeks))
    return plus_werkdagen(datum, int(profile.get(t + "jw305_na_start_zorg_werkdagen")))
