"""Issue 10: every check follows its iJw 3.2 rule or seed passage, tested at the boundaries.

Each kind of the issue has rows that must trigger and rows just on the other side that must not.
Worked examples of the rule texts (IV076-IV078, IV081) and of the seeds are used as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from jeugdhulp.checks import check_plan, run_checks
from jeugdhulp.profile import load_profile, profile_from_text
from tests.frames import productie, toewijzingen
from tests.test_checks import (
    PLAIN,
    check,
    messages,
    product,
    regel,
    toewijzing,
)

D = dt.date
IJSSELLAND = load_profile("ijsselland-2023")
IJSSELLAND_2021 = load_profile("ijsselland-2021")
HVB = load_profile("hart-van-brabant")


def maand(year: int, month: int, **values: Any) -> dict[str, Any]:
    """A production row for one calendar month."""
    first = D(year, month, 1)
    last = (D(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    return regel(begindatum=first, einddatum=last, **values)


def uren(**values: Any) -> dict[str, Any]:
    """An allocation in hours with a frequency."""
    return toewijzing(eenheid="04", **values)


def codes(found: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(f["rij"], f["retourcode"]) for f in found]


# -- kind 1: volume with a frequency (PM011; TR321, TR322, TR341, IV076-IV078) ----------------


def test_pm011_per_week_counts_the_calendar_weeks_of_the_period() -> None:
    # 4 uur per week; March 2023 touches weeks 9-13: 5 x 4 = 20 uur (case regels/G01)
    allocation = [uren(volume="4", frequentie="2", ingangsdatum=D(2023, 3, 1))]
    assert check("PM011", [maand(2023, 3, eenheid="04", aantal="20")], allocation) == []
    found = check("PM011", [maand(2023, 3, eenheid="04", aantal="21")], allocation)
    assert messages(found) == [
        "aantal 21 uur is meer dan 20 uur voor deze productperiode (5 kalenderweken × 4 uur"
        " per week) van toewijzing T1"
    ]
    assert codes(found) == [(2, "9321")]


def test_pm011_iv077_worked_example_per_week_and_over_the_allocation() -> None:
    # IV077: 3 uur per week, 07-10-2025 t/m 30-12-2025: October 4 weeks (12 uur), November
    # and December 5 (15 uur); the whole allocation 13 weeks, 39 uur.
    allocation = [
        uren(
            volume="3",
            frequentie="2",
            ingangsdatum=D(2025, 10, 7),
            einddatum=D(2025, 12, 30),
        )
    ]
    october = regel(begindatum=D(2025, 10, 7), einddatum=D(2025, 10, 31), eenheid="04")
    december = regel(begindatum=D(2025, 12, 1), einddatum=D(2025, 12, 30), eenheid="04")
    within = [
        {**october, "aantal": "12"},
        maand(2025, 11, eenheid="04", aantal="15"),
        {**december, "aantal": "12"},
    ]
    assert check("PM011", within, allocation) == []
    october_over = [{**october, "aantal": "13"}]
    assert codes(check("PM011", october_over, allocation)) == [(2, "9321")]
    # December 13 fits its 15, but the total is 40 > 39: TR322 on the December row
    total_over = [*within[:2], {**december, "aantal": "13"}]
    found = check("PM011", total_over, allocation)
    assert codes(found) == [(4, "9322")]
    assert messages(found) == [
        "opgeteld 40 uur tot en met deze regel is meer dan 39 uur over de hele toewijzing T1"
        " (13 kalenderweken × 3 uur per week)"
    ]


def test_pm011_iv076_week_split_over_two_months() -> None:
    # IV076: 3 uur per week, 07-07-2025 t/m 07-09-2025: July 12, August 15, September 3 uur
    allocation = [
        uren(volume="3", frequentie="2", ingangsdatum=D(2025, 7, 7), einddatum=D(2025, 9, 7))
    ]
    rows = [
        regel(begindatum=D(2025, 7, 7), einddatum=D(2025, 7, 31), eenheid="04", aantal="10"),
        maand(2025, 8, eenheid="04", aantal="10"),
        regel(begindatum=D(2025, 9, 1), einddatum=D(2025, 9, 7), eenheid="04", aantal="3"),
    ]
    assert check("PM011", rows, allocation) == []
    rows[2]["aantal"] = "4"
    assert codes(check("PM011", rows, allocation)) == [(4, "9321")]


def test_pm011_per_day_counts_the_days_within_the_allocation() -> None:
    # 2 uur per dag from 15-03-2023: the March period counts 17 days, 34 uur
    allocation = [uren(volume="2", frequentie="1", ingangsdatum=D(2023, 3, 15))]
    assert check("PM011", [maand(2023, 3, eenheid="04", aantal="34")], allocation) == []
    found = check("PM011", [maand(2023, 3, eenheid="04", aantal="35")], allocation)
    assert "17 dagen × 2 uur per dag" in messages(found)[0]


def test_pm011_iv078_a_broken_month_may_use_the_whole_monthly_volume() -> None:
    # IV078 example 2: 15 uur per maand from 14-10-2026: 14-10 t/m 31-10 may hold 15 uur
    allocation = [
        uren(
            volume="15",
            frequentie="4",
            ingangsdatum=D(2026, 10, 14),
            einddatum=D(2026, 12, 13),
        )
    ]
    broken = regel(begindatum=D(2026, 10, 14), einddatum=D(2026, 10, 31), eenheid="04")
    assert check("PM011", [{**broken, "aantal": "15"}], allocation) == []
    assert codes(check("PM011", [{**broken, "aantal": "16"}], allocation)) == [(2, "9321")]
    # three months touched: 45 uur over the allocation
    rows = [
        {**broken, "aantal": "15"},
        maand(2026, 11, eenheid="04", aantal="15"),
        regel(begindatum=D(2026, 12, 1), einddatum=D(2026, 12, 13), eenheid="04", aantal="15"),
    ]
    assert check("PM011", rows, allocation) == []


def test_pm011_per_year_of_the_allocation() -> None:
    # 100 uur per jaar from 01-07-2023 t/m 30-06-2025: two years, 200 uur in total
    allocation = [
        uren(
            volume="100",
            frequentie="per jaar",
            ingangsdatum=D(2023, 7, 1),
            einddatum=D(2025, 6, 30),
        )
    ]
    assert check("PM011", [maand(2023, 7, eenheid="04", aantal="100")], allocation) == []
    assert codes(check("PM011", [maand(2023, 7, eenheid="04", aantal="101")], allocation)) == [
        (2, "9321")
    ]
    rows = [maand(2023, 7, eenheid="04", aantal="100"), maand(2024, 7, eenheid="04", aantal="100")]
    assert check("PM011", rows, allocation) == []
    rows.append(maand(2025, 1, eenheid="04", aantal="1"))
    assert codes(check("PM011", rows, allocation)) == [(4, "9322")]


def test_pm011_minutes_on_an_hour_allocation_count_as_hours() -> None:
    # TR341: case regels/G02, 300 minuten + 1 uur = 6 uur of 10 uur totaal, not 301
    allocation = [uren(volume="10", frequentie="6", einddatum=D(2023, 4, 30))]
    rows = [maand(2023, 3, eenheid="01", aantal="300"), maand(2023, 4, eenheid="04", aantal="1")]
    assert check("PM011", rows, allocation) == []
    rows = [maand(2023, 3, eenheid="01", aantal="300"), maand(2023, 4, eenheid="04", aantal="6")]
    found = check("PM011", rows, allocation)
    assert messages(found) == [
        "opgeteld 11 uur tot en met deze regel is meer dan 10 uur over de hele toewijzing T1"
        " (toegewezen 10 uur voor de hele looptijd)"
    ]
    # per week, in minutes: 4 uur per week in March is 1.200 minuten
    weekly = [uren(volume="4", frequentie="2", ingangsdatum=D(2023, 3, 1))]
    assert check("PM011", [maand(2023, 3, aantal="1200")], weekly) == []
    found = check("PM011", [maand(2023, 3, aantal="1201")], weekly)
    assert messages(found) == [
        "aantal 20 uur en 1 minuut (1.201 minuten) is meer dan 20 uur voor deze productperiode (5"
        " kalenderweken × 4 uur per week) van toewijzing T1"
    ]


def test_pm011_lines_of_one_product_period_count_together() -> None:
    # an aspecifiek allocation, two codes in the same month: together within 10 uur per maand
    allocation = [uren(productcode=None, volume="10", frequentie="4", ingangsdatum=D(2023, 3, 1))]
    rows = [
        maand(2023, 3, eenheid="04", aantal="6"),
        maand(2023, 3, eenheid="04", aantal="4", productcode="45A49"),
    ]
    lijst = [product(eenheid="04"), product(productcode="45A49", eenheid="04")]
    assert check("PM011", rows, allocation, products=lijst) == []
    rows[1]["aantal"] = "5"
    found = check("PM011", rows, allocation, products=lijst)
    assert codes(found) == [(3, "9321")]
    assert messages(found)[0].startswith("opgeteld 11 uur in deze productperiode")


def test_pm011_open_ended_allocation_has_no_total_per_week() -> None:
    allocation = [uren(volume="4", frequentie="2", einddatum=None)]
    rows = [maand(2023, m, eenheid="04", aantal="16") for m in range(1, 13)]
    assert check("PM011", rows, allocation) == []


def test_pm011_a_credit_line_subtracts() -> None:
    allocation = [uren(volume="10", frequentie="6")]
    rows = [
        maand(2023, 3, eenheid="04", aantal="8"),
        maand(2023, 3, eenheid="04", aantal="8", debet_credit="C"),
        maand(2023, 4, eenheid="04", aantal="10"),
    ]
    assert check("PM011", rows, allocation) == []


def test_pm011_a_debit_cancelled_by_its_credit_is_no_overrun() -> None:
    allocation = [uren(volume="4", frequentie="2", ingangsdatum=D(2023, 3, 1))]
    rows = [
        maand(2023, 3, eenheid="04", aantal="21"),
        maand(2023, 3, eenheid="04", aantal="21", debet_credit="C"),
        maand(2023, 3, eenheid="04", aantal="20"),
    ]
    assert check("PM011", rows, allocation) == []
    rows[2]["aantal"] = "21"
    assert codes(check("PM011", rows, allocation)) == [(2, "9321"), (4, "9321")]


def test_pm011_unknown_frequency_is_said_once_per_allocation() -> None:
    allocation = [uren(volume="4", frequentie="3")]  # per vier weken: not in iJw 3.2
    rows = [maand(2023, 3, eenheid="04", aantal="40"), maand(2023, 4, eenheid="04", aantal="40")]
    found = check("PM011", rows, allocation)
    assert [(f["rij"], f["ernst"]) for f in found] == [(2, "waarschuwing")]
    assert "frequentie '3' van toewijzing T1 is onbekend" in found[0]["melding"]


# -- kind 2: duurzaam per year of the allocation (PM012) -------------------------------------


def test_pm012_seed_duurzaam_budget_per_year_of_the_allocation() -> None:
    # case regels/G03: from 01-07-2023, 12.000 per year; 2.000 a month
    allocation = [
        toewijzing(
            productcode=None,
            budget="12000",
            trajecttype="duurzaam",
            ingangsdatum=D(2023, 7, 1),
            einddatum=D(2025, 6, 30),
        )
    ]
    months = [(2023, m) for m in range(7, 13)] + [(2024, m) for m in range(1, 8)]
    rows = [maand(y, m, eenheid="83", aantal="2000", bedrag="2000") for y, m in months]
    found = check("PM012", rows, allocation)
    # Jul-Dec 2023 is 12.000: fine; January 2024 is the 7th month of year 1: over;
    # July 2024 starts year 2
    assert [f["rij"] for f in found] == list(range(8, 14))
    assert messages(found)[0] == (
        "opgeteld bedrag 14.000,00 tot en met deze regel is meer dan het budget 12.000,00 van"
        " toewijzing T1 (duurzaam: budget per jaar van de toewijzing, 01-07-2023 t/m 30-06-2024)"
    )


def test_pm012_herstel_budget_over_the_whole_period_across_years() -> None:
    allocation = [toewijzing(budget="8000", trajecttype="herstel", einddatum=D(2024, 12, 31))]
    rows = [maand(2023, 12, bedrag="4000.00"), maand(2024, 1, bedrag="4000.00")]
    assert check("PM012", rows, allocation) == []
    rows.append(maand(2024, 2, bedrag="0.01"))
    assert [f["rij"] for f in check("PM012", rows, allocation)] == [4]


def test_pm012_a_credit_line_gives_budget_back() -> None:
    allocation = [toewijzing(budget="8000")]
    rows = [
        maand(2023, 3, bedrag="6000.00"),
        maand(2023, 3, bedrag="6000.00", debet_credit="C"),
        maand(2023, 4, bedrag="7000.00"),
    ]
    assert check("PM012", rows, allocation) == []
    # a debit over the budget, credited later in the sheet: no overrun either
    rows = [
        maand(2023, 3, bedrag="9000.00"),
        maand(2023, 4, bedrag="1000.00"),
        maand(2023, 3, bedrag="-9000.00"),
    ]
    assert check("PM012", rows, allocation) == []


# -- kind 3: minute tariffs and amounts (PM009, PM010; IV081, TR346) -------------------------

UURTARIEF = product(eenheid="04", tarief="54.42")


def test_pm010_national_amount_is_hourly_tariff_times_minutes_over_60() -> None:
    # case regels/G04: 600 minutes on 54,42 per hour is 544,20, whatever minute tariff is shown
    rows = [
        regel(aantal="600", tarief="0.91", bedrag="544.20"),
        regel(aantal="600", tarief="0.90", bedrag="544.20", productcategorie="45"),
        regel(aantal="600", tarief="0.90", bedrag="540.00", productcode="45A48", bsn="011222335"),
        regel(
            aantal="12",
            tarief="0.90",
            bedrag="10.88",
            bsn="011222335",
            begindatum=D(2023, 4, 1),
            einddatum=D(2023, 4, 30),
        ),
    ]
    found = check("PM010", rows, products=[UURTARIEF])
    assert [f["rij"] for f in found] == [4]
    assert messages(found) == [
        "bedrag 540,00 wijkt af van uurtarief 54,42 × 600 minuten / 60 = 544,20 (landelijke regel"
        " IV081: het bedrag volgt uit het uurtarief, niet uit het afgeronde minuuttarief)"
    ]
    # 12 x 54,42 / 60 = 10,884 -> 10,88; one cent more is wrong
    assert len(check("PM010", [regel(aantal="12", bedrag="10.89")], products=[UURTARIEF])) == 1


def test_pm010_ijsselland_amount_is_minutes_times_the_truncated_tariff() -> None:
    rows = [regel(aantal="600", tarief="0.90", bedrag="540.00")]
    assert check("PM010", rows, products=[UURTARIEF], profile=IJSSELLAND) == []
    rows = [regel(aantal="600", tarief="0.90", bedrag="544.20")]
    assert messages(check("PM010", rows, products=[UURTARIEF], profile=IJSSELLAND)) == [
        "bedrag 544,20 wijkt af van aantal 600 × tarief 0,90 = 540,00"
    ]


def test_pm010_national_without_a_product_list_accepts_any_hourly_tariff_that_rounds_to_it() -> (
    None
):
    # 0,91 per minute comes from hourly tariffs 54,30 t/m 54,89: 543,00 t/m 548,90 for 600 min
    for amount in ("543.00", "544.20", "546.00", "548.90"):
        assert check("PM010", [regel(aantal="600", tarief="0.91", bedrag=amount)]) == [], amount
    for amount in ("542.99", "548.91"):
        found = check("PM010", [regel(aantal="600", tarief="0.91", bedrag=amount)])
        assert found and "hoort een bedrag van 543,00 t/m 548,90" in found[0]["melding"]


def test_pm010_credit_line_may_carry_a_negative_amount() -> None:
    rows = [regel(eenheid="04", aantal="2", tarief="54.42", bedrag="-108.84")]
    # without Debet/credit a negative amount is a credit (IV091), said, never silent
    found = check("PM010", rows)
    assert [f["ernst"] for f in found] == ["waarschuwing"]
    assert "is gelezen als creditregel" in found[0]["melding"]
    rows = [regel(eenheid="04", aantal="2", tarief="54.42", bedrag="108.84", debet_credit="C")]
    assert check("PM010", rows) == []


def test_pm009_new_years_tariff_by_indexation_when_the_list_has_last_years() -> None:
    # IJsselland 2021: "De tarieven van 2020 worden geïndexeerd met 2,86% voor 2021"
    lijst = [
        product(
            eenheid="04", tarief="54.42", geldig_vanaf=D(2020, 1, 1), geldig_tot=D(2020, 12, 31)
        )
    ]
    maart_2021 = {"begindatum": D(2021, 3, 1), "einddatum": D(2021, 3, 31)}
    # 54,42 x 1,0286 = 55,98; / 60 = 0,933 -> 0,93 (IJsselland truncates)
    ok = [regel(tarief="0.93", **maart_2021)]
    assert check("PM009", ok, products=lijst, profile=IJSSELLAND_2021) == []
    assert check("PM004", ok, products=lijst, profile=IJSSELLAND_2021) == []
    old = [regel(tarief="0.90", **maart_2021)]
    assert messages(check("PM009", old, products=lijst, profile=IJSSELLAND_2021)) == [
        "tarief 0,90 wijkt af van het contracttarief 0,93 voor 45A48 in 2021 (de productenlijst"
        " heeft alleen het tarief van 2020: 54,42, geïndexeerd met 2,86%) (uurtarief 55,98 / 60,"
        " afgekapt op hele centen); 0,90 is het tarief van 2020"
    ]
    # the list's own 2021 row wins over indexation
    lijst.append(
        product(
            eenheid="04", tarief="57.00", geldig_vanaf=D(2021, 1, 1), geldig_tot=D(2021, 12, 31)
        )
    )
    assert len(check("PM009", ok, products=lijst, profile=IJSSELLAND_2021)) == 1
    # without an indexation for that year the code is simply not valid (PM004), no tariff check
    assert check("PM009", old, products=lijst[:1], profile=IJSSELLAND) == []
    assert len(check("PM004", old, products=lijst[:1], profile=IJSSELLAND)) == 1


# -- kind 5: missing checks -------------------------------------------------------------------


def test_pm024_product_period_after_the_date_of_the_check() -> None:
    today = D(2024, 6, 1)
    assert check("PM024", [maand(2024, 5)], vandaag=today) == []
    assert (
        check("PM024", [regel(begindatum=D(2024, 6, 1), einddatum=D(2024, 6, 1))], vandaag=today)
        == []
    )
    found = check("PM024", [maand(2024, 6)], vandaag=today)
    assert messages(found) == [
        "einddatum 30-06-2024 ligt na 01-06-2024 (de datum van deze controle): declareer een"
        " periode pas als die voorbij is"
    ]
    found = check("PM024", [maand(2030, 1)], vandaag=today)  # case regels/G07
    assert [(f["kolom"], f["melding"].split(":")[0]) for f in found] == [
        ("Begindatum", "begindatum 01-01-2030 ligt na 01-06-2024 (de datum van deze controle)")
    ]


def test_pm024_the_declaration_date_of_the_workbook_is_the_limit() -> None:
    row = maand(2024, 6, declaratiedatum=D(2024, 6, 30))
    assert check("PM024", [row], vandaag=D(2024, 6, 1)) == []
    row = maand(2024, 7, declaratiedatum=D(2024, 6, 30))
    assert messages(check("PM024", [row], vandaag=D(2030, 1, 1)))[0].startswith(
        "begindatum 01-07-2024 ligt na de declaratiedatum 30-06-2024"
    )


def test_pm025_volume_negative_or_not_whole() -> None:
    assert check("PM025", [regel(aantal="0"), regel(aantal="60")]) == []
    found = check("PM025", [regel(aantal="-5", eenheid="04")])  # case regels/G08
    assert messages(found) == [
        "aantal -5 is negatief: een volume is 0 of meer; een creditregel geeft u aan met"
        " Debet/credit C"
    ]
    assert messages(check("PM025", [regel(aantal="2.5", eenheid="04")])) == [
        "aantal 2,5 uur is geen heel getal: rond het totaal van de periode af op hele uren (minder"
        " dan 30 minuten omlaag, 30 of meer omhoog, minimaal 1 uur; IV079) of declareer in minuten"
    ]
    assert messages(check("PM025", [regel(aantal="12.5")])) == [
        "aantal 12,5 is geen heel getal: het volume is een geheel aantal minuten"
    ]
    # euro's: an amount in whole cents (IV042)
    assert check("PM025", [regel(eenheid="83", aantal="12.50", bedrag="12.50")]) == []
    assert len(check("PM025", [regel(eenheid="83", aantal="12.505")])) == 1


def arrangement(code: str, begin: dt.date, end: dt.date | None, **values: Any) -> dict[str, Any]:
    return {
        "bsn": "111222333",
        "productcode": code,
        "begindatum": begin,
        "einddatum": end,
        "eenheid": "82",
        "aantal": "1",
        **values,
    }


def test_pm026_same_arrangement_twice_for_overlapping_periods() -> None:
    # case regels/G05
    rows = [
        arrangement("50H23", D(2017, 1, 1), D(2017, 6, 30)),
        arrangement("50H23", D(2017, 3, 1), D(2017, 12, 31)),
    ]
    found = check("PM026", rows, profile=HVB)
    assert [f["rij"] for f in found] == [3]
    assert messages(found)[0].startswith(
        "arrangement 50H23 (01-03-2017 t/m 31-12-2017) staat al in regel 2 (01-01-2017 t/m"
        " 30-06-2017) en de periodes overlappen"
    )
    # a row after an open-ended one overlaps too
    rows = [arrangement("50H23", D(2017, 1, 1), None), arrangement("50H23", D(2017, 9, 1), None)]
    assert [f["rij"] for f in check("PM026", rows, profile=HVB)] == [3]


def test_pm026_adjacent_handover_and_identical_rows_are_not_it() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), D(2017, 3, 31)),
        arrangement("50H23", D(2017, 4, 1), D(2017, 6, 30)),  # the next day: continues
        arrangement("50H23", D(2017, 6, 30), D(2017, 9, 30)),  # handover on the same day
        arrangement("50H31", D(2017, 1, 1), D(2017, 3, 31), bsn="011222335"),
        arrangement("50H31", D(2017, 1, 1), D(2017, 3, 31), bsn="011222335"),  # PM015's
    ]
    assert check("PM026", rows, profile=HVB) == []
    doubles = [f["rij"] for f in check("PM015", rows, profile=HVB) if f["ernst"] == "fout"]
    assert doubles == [6]
    assert check("PM026", rows[:2], profile=IJSSELLAND) == []


def test_pm027_reference_not_unique() -> None:
    rows = [maand(2023, 3, referentienummer="R1"), maand(2023, 4, referentienummer="R2")]
    assert check("PM027", rows) == []
    rows.append(maand(2023, 5, referentienummer=" R1 "))
    found = check("PM027", rows)
    assert messages(found) == [
        "referentienummer R1 staat al bij regel 2: elke prestatie heeft een eigen referentienummer"
    ]
    assert (found[0]["rij"], found[0]["retourcode"]) == (4, "8021")
    assert check("PM027", [maand(2023, 3), maand(2023, 3, aantal="1")]) == []  # no column


def test_pm015_a_second_debit_only_after_a_credit() -> None:
    # TR389: debit, credit, debit for one key is allowed; a second debit without credit is not
    rows = [maand(2023, 3), maand(2023, 3, debet_credit="C"), maand(2023, 3)]
    assert check("PM015", rows) == []
    rows.append(maand(2023, 3))
    found = [f for f in check("PM015", rows) if f["ernst"] == "fout"]
    assert [(f["rij"], f["retourcode"]) for f in found] == [(5, "9389")]


def test_pm028_credit_lines_refer_to_their_own_debit_once() -> None:
    debit = maand(2023, 3, referentienummer="R1", vorig_referentienummer=None)
    credit = maand(2023, 3, referentienummer="R2", vorig_referentienummer="R1", debet_credit="C")
    assert check("PM028", [debit, credit]) == []
    # a reference to an earlier declaration is not in the workbook: not judged
    elsewhere = {**credit, "vorig_referentienummer": "R0"}
    assert check("PM028", [debit, elsewhere]) == []
    missing = {**credit, "vorig_referentienummer": None}
    assert [(f["rij"], f["retourcode"]) for f in check("PM028", [debit, missing])] == [(3, "8017")]
    other_month = {**credit, "begindatum": D(2023, 4, 1), "einddatum": D(2023, 4, 30)}
    found = check("PM028", [debit, other_month])
    assert [(f["rij"], f["retourcode"]) for f in found] == [(3, "8017")]
    assert "andere toewijzing, productcode of periode" in found[0]["melding"]
    twice = {**credit, "referentienummer": "R3"}
    found = check("PM028", [debit, credit, twice])
    assert [(f["rij"], f["retourcode"]) for f in found] == [(4, "9390")]
    assert messages(found) == [
        "regel 2 (referentienummer R1) is al gecrediteerd in regel 3: een debetregel wordt één"
        " keer gecrediteerd"
    ]
    on_credit = maand(2023, 3, referentienummer="R4", vorig_referentienummer="R2", debet_credit="C")
    assert [f["rij"] for f in check("PM028", [debit, credit, on_credit])] == [4]


# -- kind 6: smaller deviations ---------------------------------------------------------------


def test_pm016_wholly_after_the_18th_birthday_is_a_fout_partly_a_waarschuwing() -> None:
    march = {"begindatum": D(2023, 3, 1), "einddatum": D(2023, 3, 31)}
    cases = [
        (D(2005, 3, 1), "fout"),  # 18 on the first day: the whole period
        (D(2004, 12, 1), "fout"),
        (D(2005, 3, 2), "waarschuwing"),  # 18 within the period
        (D(2005, 3, 31), "waarschuwing"),  # 18 on the last day
    ]
    for born, ernst in cases:
        found = check("PM016", [regel(geboortedatum=born, **march)])
        assert [f["ernst"] for f in found] == [ernst], born
    assert check("PM016", [regel(geboortedatum=D(2005, 4, 1), **march)]) == []
    assert check("PM016", [regel(geboortedatum=D(2004, 1, 1), verlengde_jeugdhulp=True)]) == []


def midden(code: str, month: int, **values: Any) -> dict[str, Any]:
    return maand(2021, month, productcode=code, toewijzingnummer=None, **values)


def test_pm017_the_30_percent_comes_after_its_own_70_percent_stop_with_reason_31() -> None:
    ok = [midden("50053", 1), midden("50053", 2, reden_beeindiging="31"), midden("50054", 3)]
    assert check("PM017", ok, profile=IJSSELLAND_2021) == []
    # the same month as the stop is fine
    same_month = [midden("50053", 2, reden_beeindiging="31"), midden("50054", 2)]
    assert check("PM017", same_month, profile=IJSSELLAND_2021) == []
    # 30% before the 70% stop
    early = [midden("50054", 1), midden("50053", 2, reden_beeindiging="31")]
    found = check("PM017", early, profile=IJSSELLAND_2021)
    assert messages(found) == [
        "30%-code 50054 gedeclareerd voor de stop van de 70%-code 50053 met reden 31 op"
        " 28-02-2021: de 30% volgt pas als het resultaat behaald is"
    ]
    # an earlier trajectory reached its result, the later one dropped out: its 30% is uitval
    two = [
        midden("50053", 1, reden_beeindiging="31"),
        midden("50054", 2),
        midden("50053", 5, reden_beeindiging="34"),
        midden("50054", 6),
    ]
    found = check("PM017", two, profile=IJSSELLAND_2021)
    assert [f["rij"] for f in found] == [5]
    assert "beëindigd met reden 34 in plaats van 31" in found[0]["melding"]


def test_pm019_open_end_on_a_transition_client_is_outside_the_year() -> None:
    rows = [arrangement("50H23", D(2017, 6, 1), None, overgangsclient=True)]
    found = check("PM019", rows, profile=HVB)
    assert messages(found) == [
        "overgangscliënt: periode 01-06-2017 t/m open valt buiten 2017; noteer alleen de zorg"
        " geleverd in 2017"
    ]
    rows = [arrangement("50H23", D(2017, 6, 1), D(2017, 12, 31), overgangsclient=True)]
    assert check("PM019", rows, profile=HVB) == []


def test_pm020_time_that_is_not_client_bound_is_never_declarable() -> None:
    row = regel(soort_tijd="niet-cliëntgebonden")
    assert messages(check("PM020", [row])) == [
        "niet-cliëntgebonden tijd op productcode 45A48: indirecte tijd die niet aan een cliënt"
        " gebonden is, is bij geen enkel product declarabel"
    ]
    assert len(check("PM020", [row], products=[product(domein="J&O")])) == 1
    # client-bound indirect time on a J&O product is declarable
    assert check("PM020", [regel(soort_tijd="indirect")], products=[product(domein="J&O")]) == []


def test_pm001_hart_van_brabant_running_arrangement_has_no_end_date_yet() -> None:
    rows = [arrangement("50H23", D(2017, 1, 1), None)]
    assert check("PM001", rows, profile=HVB) == []
    assert messages(check("PM001", rows, profile=IJSSELLAND)) == [
        "Einddatum is leeg; dit veld is verplicht"
    ]
    table = productie(arrangement("50H23", D(2017, 1, 1), None))
    table.kolommen.pop("einddatum")
    assert check("PM001", table, profile=HVB) == []


def test_pm003_and_pm013_cite_the_rules_they_follow() -> None:
    from jeugdhulp.checks import CATALOGUE

    by_id = {c.id: c for c in CATALOGUE}
    assert by_id["PM003"].ijw == "TR135/TR137"
    assert by_id["PM013"].ijw == ""  # OP259 is the same product twice: PM031
    assert by_id["PM015"].retourcode == "9389"
    assert by_id["PM024"].ijw == "TR134/TR137"


# -- kind 7: checks on the allocation list itself ---------------------------------------------


def allocation_findings(
    check_id: str, allocations: list[dict[str, Any]], profile: Any = IJSSELLAND, **kw: Any
) -> list[dict[str, Any]]:
    found = run_checks(
        productie(regel(bsn="111222333")),
        toewijzingen(*allocations),
        None,
        profile,
        vandaag=D(2024, 6, 1),
        **kw,
    )
    return found.filter(pl.col("controle") == check_id).to_dicts()


def test_pm029_medical_referrer_above_budget_5() -> None:
    ok = toewijzing(verwijzer="medisch", budget="8000")
    assert allocation_findings("PM029", [ok]) == []
    assert allocation_findings("PM029", [toewijzing(verwijzer="toegang", budget="12000")]) == []
    found = allocation_findings("PM029", [toewijzing(verwijzer="medisch", budget="8000.01")])
    assert [(f["blad"], f["rij"], f["kolom"], f["ernst"]) for f in found] == [
        ("Toewijzingen", 2, "Budget", "waarschuwing")
    ]
    assert messages(found) == [
        "toewijzing T1 via een medisch verwijzer heeft budget 8.000,01, boven 8.000,00 (het"
        " hoogste budget voor medisch verwijzers): alleen na overleg met de Toegang"
    ]
    plan = dict((c.id, reason) for c, reason in check_plan(toewijzingen(ok), None, HVB))
    assert plan["PM029"] == (
        "niet van toepassing: regioprofiel 'hart-van-brabant' heeft geen standaardbudgetten voor"
        " medisch verwijzers"
    )


def test_pm030_herstel_allocation_longer_than_2_years() -> None:
    two_years = toewijzing(
        trajecttype="herstel", ingangsdatum=D(2023, 1, 1), einddatum=D(2024, 12, 31)
    )
    assert allocation_findings("PM030", [two_years]) == []
    longer = {**two_years, "einddatum": D(2025, 1, 1)}
    found = allocation_findings("PM030", [longer])
    assert messages(found) == [
        "hersteltoewijzing T1 loopt van 01-01-2023 t/m 01-01-2025, langer dan 2 jaar: een"
        " hersteltraject duurt 0-2 jaar, meerjarig is duurzaam"
    ]
    assert len(allocation_findings("PM030", [{**two_years, "einddatum": None}])) == 1
    assert allocation_findings("PM030", [{**longer, "trajecttype": "duurzaam"}]) == []


def test_pm031_same_product_allocated_twice_for_overlapping_periods() -> None:
    first = toewijzing(ingangsdatum=D(2023, 1, 1), einddatum=D(2023, 6, 30))
    adjacent = toewijzing(toewijzingnummer="T2", ingangsdatum=D(2023, 7, 1), einddatum=None)
    assert allocation_findings("PM031", [first, adjacent]) == []
    one_day = {**adjacent, "ingangsdatum": D(2023, 6, 30)}
    found = allocation_findings("PM031", [first, one_day])
    assert [(f["rij"], f["kolom"]) for f in found] == [(3, "Productcode")]
    assert messages(found) == [
        "toewijzing T2 (45A48, 30-06-2023 t/m open) overlapt met toewijzing T1 (45A48, 01-01-2023"
        " t/m 30-06-2023) voor dezelfde jeugdige: hetzelfde product mag niet gestapeld worden"
        " toegewezen"
    ]
    # another code, another child or another provider: no stacking
    assert allocation_findings("PM031", [first, {**one_day, "productcode": "45A49"}]) == []
    assert allocation_findings("PM031", [first, {**one_day, "bsn": "011222335"}]) == []
    assert (
        allocation_findings(
            "PM031", [{**first, "aanbieder": "12345678"}, {**one_day, "aanbieder": "87654321"}]
        )
        == []
    )
    # a deleted allocation does not count
    assert allocation_findings("PM031", [first, {**one_day, "reden_wijziging": "13"}]) == []
    # aspecifiek: the same category; generic (no category): any other product
    asp = {**first, "productcode": None}
    assert len(allocation_findings("PM031", [asp, {**one_day, "productcode": None}])) == 1
    generic = {**one_day, "productcode": None, "productcategorie": None}
    assert len(allocation_findings("PM031", [first, generic])) == 1


def test_pm032_aspecifiek_allocation_with_a_volume() -> None:
    assert allocation_findings("PM032", [toewijzing(volume="600")]) == []  # specifiek
    assert allocation_findings("PM032", [toewijzing(productcode=None, budget="8000")]) == []
    found = allocation_findings("PM032", [toewijzing(productcode=None, volume="600")])
    assert [(f["rij"], f["kolom"], f["cel"]) for f in found] == [(2, "Volume", "G2")]
    assert messages(found) == [
        "aspecifieke toewijzing T1 (categorie 45) heeft volume 600: een aspecifieke toewijzing"
        " heeft geen omvang, hooguit een budget"
    ]


def test_allocation_findings_of_a_shared_file_only_for_the_children_in_the_workbook() -> None:
    other_child = toewijzing(bsn="011222335", productcode=None, volume="600")
    assert len(allocation_findings("PM032", [other_child])) == 1
    assert allocation_findings("PM032", [other_child], toewijzingen_apart=True) == []
    mine = toewijzing(productcode=None, volume="600")
    assert len(allocation_findings("PM032", [mine, other_child], toewijzingen_apart=True)) == 1


def test_allocation_findings_come_after_the_production_findings() -> None:
    found = run_checks(
        productie(regel(bsn="111222334")),
        toewijzingen(toewijzing(productcode=None, volume="600")),
        None,
        PLAIN,
        vandaag=D(2024, 6, 1),
    )
    assert found.select("blad", "controle").rows()[-1] == ("Toewijzingen", "PM032")
    assert found.row(0, named=True)["blad"] == "Productie"


def test_profiles_switch_the_minute_rule() -> None:
    own = profile_from_text('sleutel = "x"\n[tarieven]\nminuuttarief = "afkappen"\n', "x")
    rows = [regel(tarief="0.90")]
    assert check("PM009", rows, products=[UURTARIEF], profile=own) == []
    assert len(check("PM009", rows, products=[UURTARIEF], profile=PLAIN)) == 1


def test_batch_names_a_shared_allocation_file_and_keeps_its_findings_out_of_the_amount(
    tmp_path: Any,
) -> None:
    import openpyxl

    from batch.run import Options, check_file

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Productie"
    sheet.append(["BSN", "Toewijzingnummer", "Productcode", "Begindatum", "Einddatum"])
    sheet.append(["111222333", "T1", "45A48", D(2023, 3, 1), D(2023, 3, 31)])
    for header, value in (("Eenheid", "04"), ("Aantal", 2), ("Bedrag", 100)):
        sheet.cell(1, sheet.max_column + 1, header)
        sheet.cell(2, sheet.max_column, value)
    own = book.create_sheet("Toewijzingen")  # the workbook's own list: not used here
    own.append(["BSN", "Toewijzingnummer", "Productcategorie", "Ingangsdatum"])
    book.save(tmp_path / "pm.xlsx")
    shared = openpyxl.Workbook()
    lijst = shared.active
    lijst.title = "Toewijzingen"
    lijst.append(["BSN", "Toewijzingnummer", "Productcategorie", "Productcode", "Ingangsdatum"])
    lijst.append(["111222333", "T1", "45", "45A48", D(2023, 1, 1)])
    lijst.append(["111222333", "T2", "45", None, D(2023, 1, 1)])  # aspecifiek
    lijst.cell(1, 6, "Volume")
    lijst.cell(3, 6, 600)
    lijst.append(["011222335", "T3", "45", None, D(2023, 1, 1), 600])  # another child
    shared.save(tmp_path / "toewijzingen.xlsx")

    kaal = tmp_path / "kaal.toml"
    kaal.write_text('sleutel = "kaal"\n', encoding="utf-8")
    options = Options(
        profiel=str(kaal), toewijzingen=tmp_path / "toewijzingen.xlsx", schrijven=False
    )
    result = check_file(tmp_path / "pm.xlsx", options)
    assert result.checked, result.melding
    found = result.bevindingen.filter(pl.col("controle") == "PM032").to_dicts()
    assert [(f["blad"], f["rij"]) for f in found] == [("toewijzingen.xlsx: Toewijzingen", 3)]
    assert result.bedrag_met_fout == 0
