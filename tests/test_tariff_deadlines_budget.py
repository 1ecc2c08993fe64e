"""The core rules behind PM009/PM010 and the Excel functions whose behaviour issue 10 changed:
the minute tariff per profile, the working-day calendar, the medical referrer's budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.easter import easter

from jeugdhulp import deadlines
from jeugdhulp.budget import standaardbudget
from jeugdhulp.errors import OngeldigeInvoer, OntbrekendeInstelling
from jeugdhulp.profile import load_profile, profile_from_text
from jeugdhulp.tariff import bedrag_in_minuten, minuutregel, tarief_per_minuut

D = dt.date
IJSSELLAND = load_profile("ijsselland-2023")


# -- minute tariff -----------------------------------------------------------------------------


def test_minute_rule_is_national_unless_the_profile_truncates() -> None:
    assert minuutregel(IJSSELLAND) == "afkappen"
    assert minuutregel(load_profile("ijsselland-2021")) == "afkappen"
    assert minuutregel(load_profile("hart-van-brabant")) == "afronden"
    assert minuutregel(None) == "afronden"
    wrong = profile_from_text('sleutel = "x"\n[tarieven]\nminuuttarief = "naar boven"\n', "x")
    with pytest.raises(OntbrekendeInstelling, match=r"tarieven\.minuuttarief"):
        minuutregel(wrong)


def test_seed_and_iv081_minute_tariffs_and_amounts() -> None:
    assert tarief_per_minuut(Decimal("54.42"), "afkappen") == Decimal("0.90")  # FAQ
    assert tarief_per_minuut(Decimal("54.42"), "afronden") == Decimal("0.91")  # IV081
    # IV081: the amount from the hourly tariff, 54,42 x 600 / 60 = 544,20; IJsselland 540,00
    assert bedrag_in_minuten(Decimal("54.42"), 600) == Decimal("544.20")
    assert bedrag_in_minuten(Decimal("54.42"), 600, "afkappen") == Decimal("540.00")
    assert bedrag_in_minuten(Decimal("54.42"), 12) == Decimal("10.88")  # 10,884


def test_tariefperminuut_follows_the_profile() -> None:
    from addin import functions

    assert functions.tariefperminuut(54.42) == 0.9  # default profile: IJsselland
    assert functions.tariefperminuut(54.42, "hart-van-brabant") == 0.91
    assert functions.tariefperminuut(69.0, "hart-van-brabant") == 1.15


# -- working days: Algemene termijnenwet art. 3 ------------------------------------------------


def test_easter_agrees_with_dateutil() -> None:
    for year in range(1990, 2201):
        assert deadlines.paaszondag(year) == easter(year), year


def test_atw_holidays_2023_and_2024() -> None:
    # art. 3 lid 1 (Nieuwjaarsdag, tweede Paas- en Pinksterdag, beide Kerstdagen, Hemelvaart,
    # Koningsdag, 5 mei) and lid 2 (Goede Vrijdag)
    assert sorted(deadlines.feestdagen(2023)) == [
        D(2023, 1, 1),
        D(2023, 4, 7),
        D(2023, 4, 10),
        D(2023, 4, 27),
        D(2023, 5, 5),
        D(2023, 5, 18),
        D(2023, 5, 29),
        D(2023, 12, 25),
        D(2023, 12, 26),
    ]
    assert D(2024, 5, 5) in deadlines.feestdagen(2024)  # every year, not only in lustrum years
    assert D(2025, 4, 26) in deadlines.feestdagen(2025)  # 27 April 2025 is a Sunday
    assert deadlines.koningsdag(2013) == D(2013, 4, 30)


def test_holidays_calendar_is_a_profile_choice() -> None:
    own = profile_from_text('sleutel = "x"\n[werkdagen]\nkalender = "holidays"\n', "x")
    assert D(2023, 5, 5) not in deadlines.feestdagen(2023, own)  # 2023 is no lustrum year
    assert D(2025, 5, 5) in deadlines.feestdagen(2025, own)
    wrong = profile_from_text('sleutel = "x"\n[werkdagen]\nkalender = "cao"\n', "x")
    with pytest.raises(OntbrekendeInstelling, match=r"werkdagen\.kalender"):
        deadlines.feestdagen(2023, wrong)


def test_days_equated_by_royal_decree_come_from_the_profile() -> None:
    # Atw art. 3 lid 3: e.g. the Friday after Ascension Day 2023
    text = 'sleutel = "x"\n[werkdagen]\ngelijkgestelde_dagen = [2023-05-19, "2023-12-27"]\n'
    own = profile_from_text(text, "x")
    assert deadlines.is_werkdag(D(2023, 5, 19), None)
    assert not deadlines.is_werkdag(D(2023, 5, 19), own)
    assert not deadlines.is_werkdag(D(2023, 12, 27), own)


def test_jw_termijn_skips_bevrijdingsdag_every_year() -> None:
    # assessment Friday 28-4-2023: 1, 2, 3, 4 May, then Friday 5 May does not count: Monday 8-5
    assert deadlines.jw_termijn(D(2023, 4, 28), "JW315", profile=IJSSELLAND) == D(2023, 5, 8)
    # Good Friday 2023 (7 April) is equated (art. 3 lid 2), Easter Monday is a holiday:
    # Thursday 6-4 + 5 working days is 11, 12, 13, 14 and 17 April
    assert deadlines.jw_termijn(D(2023, 4, 6), "JW315", profile=IJSSELLAND) == D(2023, 4, 17)
    with pytest.raises(OngeldigeInvoer, match="vanaf 1990"):
        deadlines.jw_termijn(D(1985, 4, 6), "JW315", profile=IJSSELLAND)


def test_jwtermijn_excel_function_uses_the_atw_calendar() -> None:
    from addin import functions

    assert functions.jwtermijn(D(2023, 4, 28), "JW315") == D(2023, 5, 8)


# -- standard budget: medical referrer ---------------------------------------------------------


def test_medical_referrer_consults_the_toegang_above_budget_5_and_above_20000() -> None:
    assert standaardbudget(Decimal("8000"), "huisarts", profile=IJSSELLAND).nummer == 5
    for raming in ("8000.01", "20000", "20000.01", "50000"):
        keuze = standaardbudget(Decimal(raming), "medisch", profile=IJSSELLAND)
        assert keuze.nummer is None and keuze.tekst.startswith("Overleg met de Toegang"), raming
    assert standaardbudget(Decimal("20000.01"), "Toegang", profile=IJSSELLAND).tekst == "Offerte"
