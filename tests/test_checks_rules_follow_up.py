"""Issue 10 follow-up: what an independent tester found in the rewritten checks, as boundary tests.

Each defect is a kind: rows that must trigger and rows just on the other side that must not. The
worked examples of the rule texts are used as they are: IV076 and IV077 (outputgericht per week,
Sundays), IV081 (the amount from the contract tariff), the variant table of iJw 3.2 (units 82
and 83 are outputgericht).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from addin import functions
from jeugdhulp.budget import verwijzer_soort
from jeugdhulp.checks import run_checks
from jeugdhulp.checks._base import canonical_codes
from jeugdhulp.columns import unit_code
from jeugdhulp.profile import load_profile
from jeugdhulp.schema import ColumnInfo
from tests.frames import producten, productie, toewijzingen
from tests.test_checks import PLAIN, check, messages, product, regel, toewijzing
from tests.test_checks_regels import codes, maand, uren

D = dt.date
IJSSELLAND = load_profile("ijsselland-2023")
IJSSELLAND_2021 = load_profile("ijsselland-2021")
HVB = load_profile("hart-van-brabant")


def euros(**values: Any) -> dict[str, Any]:
    """An outputgericht allocation in euro's (83) per week."""
    return toewijzing(eenheid="83", frequentie="2", **values)


def periode(begin: dt.date, end: dt.date, **values: Any) -> dict[str, Any]:
    return regel(begindatum=begin, einddatum=end, **values)


# -- 1: outputgericht per week counts Sundays (IV076, IV077) ----------------------------------


def test_pm011_output_week_counts_the_sundays_of_the_period() -> None:
    # IV076 voorbeeld 1: 300 euro per week, 07-07-2025 t/m 07-09-2025: July has 3 Sundays
    allocation = [euros(volume="300", ingangsdatum=D(2025, 7, 7), einddatum=D(2025, 9, 7))]
    july = periode(D(2025, 7, 7), D(2025, 7, 31), eenheid="83")
    assert check("PM011", [{**july, "aantal": "900"}], allocation) == []
    found = check("PM011", [{**july, "aantal": "901"}], allocation)
    assert messages(found) == [
        "aantal 901 euro is meer dan 900 euro voor deze productperiode (3 weken × 300 euro per"
        " week, outputgericht: de weken waarvan de zondag in deze productperiode valt (IV076,"
        " IV077)) van toewijzing T1"
    ]
    # the calendar-week count (inspanningsgericht) would have allowed 4 weeks, 1.200
    assert codes(check("PM011", [{**july, "aantal": "1200"}], allocation)) == [(2, "9321")]


def test_pm011_output_week_last_broken_week_goes_to_the_period_of_the_last_sunday() -> None:
    # IV076 voorbeeld 2: ends Saturday 06-09-2025: August 5 Sundays + the last week = 1.800,
    # September (no Sunday of the allocation left) nothing
    allocation = [euros(volume="300", ingangsdatum=D(2025, 7, 7), einddatum=D(2025, 9, 6))]
    rows = [
        periode(D(2025, 7, 7), D(2025, 7, 31), eenheid="83", aantal="900"),
        maand(2025, 8, eenheid="83", aantal="1800"),
    ]
    assert check("PM011", rows, allocation) == []
    rows[1]["aantal"] = "1801"
    found = check("PM011", rows, allocation)
    assert codes(found) == [(3, "9321")]
    assert "6 weken × 300 euro per week" in messages(found)[0]
    assert "plus de laatste gebroken week van de toewijzing" in messages(found)[0]
    september = periode(D(2025, 9, 1), D(2025, 9, 6), eenheid="83", aantal="300")
    found = check("PM011", [september], allocation)
    assert codes(found) == [(2, "9321")]
    assert "geen zondag van de toewijzing in deze productperiode" in messages(found)[0]


def test_pm011_output_week_iv077_example_ending_midweek() -> None:
    # IV077 methode 2 voorbeeld 1: 01-10-2025 t/m 31-12-2025 (Wednesday): 1.200, 1.500, 1.500
    allocation = [euros(volume="300", ingangsdatum=D(2025, 10, 1), einddatum=D(2025, 12, 31))]
    rows = [
        maand(2025, 10, eenheid="83", aantal="1200"),
        maand(2025, 11, eenheid="83", aantal="1500"),
        maand(2025, 12, eenheid="83", aantal="1500"),
    ]
    assert check("PM011", rows, allocation) == []
    rows[0]["aantal"] = "1201"
    assert codes(check("PM011", rows, allocation)) == [(2, "9321"), (4, "9322")]


def test_pm011_output_week_in_stuks_and_without_end_date() -> None:
    # unit 82 (stuks output) is outputgericht too; an open end has no last broken week
    allocation = [
        toewijzing(
            eenheid="82", frequentie="2", volume="1", ingangsdatum=D(2025, 7, 7), einddatum=None
        )
    ]
    july = periode(D(2025, 7, 7), D(2025, 7, 31), eenheid="82")
    assert check("PM011", [{**july, "aantal": "3"}], allocation) == []
    assert codes(check("PM011", [{**july, "aantal": "4"}], allocation)) == [(2, "9321")]


def test_pm011_inspanning_per_week_still_counts_calendar_weeks() -> None:
    # 3 uur per week, July 7-31: 4 calendar weeks (IV077 methode 1), 12 uur
    allocation = [uren(volume="3", frequentie="2", ingangsdatum=D(2025, 7, 7), einddatum=None)]
    july = periode(D(2025, 7, 7), D(2025, 7, 31), eenheid="04")
    assert check("PM011", [{**july, "aantal": "12"}], allocation) == []
    assert codes(check("PM011", [{**july, "aantal": "13"}], allocation)) == [(2, "9321")]


# -- 2: a line without Eenheid ----------------------------------------------------------------


def test_pm011_line_without_unit_counts_in_the_allocations_unit() -> None:
    allocation = [uren(volume="10", frequentie="6")]
    found = check("PM011", [regel(eenheid=None, aantal="50")], allocation)
    assert messages(found) == [
        "aantal 50 uur (Eenheid leeg: geteld in de eenheid van de toewijzing) is meer dan 10 uur"
        " voor deze productperiode (toegewezen 10 uur voor de hele looptijd) van toewijzing T1"
    ]
    assert check("PM011", [regel(eenheid=None, aantal="10")], allocation) == []


def test_pm001_eenheid_is_required_unless_a_unit_column_names_it() -> None:
    assert messages(check("PM001", [regel(eenheid=None)])) == [
        "Eenheid is leeg; dit veld is verplicht"
    ]
    row = regel()
    del row["eenheid"]
    found = check("PM001", [row])
    assert messages(found) == [
        "de verplichte kolom Eenheid ontbreekt in het blad (of een kolom per eenheid, zoals"
        " Minuten of Ligdagen)"
    ]
    assert found[0]["rij"] == 1
    # a column per unit (2017) names the unit: nothing to report
    table = productie(regel(_aantal_kolom="minuten"))
    table.kolommen.pop("aantal")
    table.kolommen.pop("eenheid")
    table.kolommen["minuten"] = ColumnInfo("minuten", "Minuten", "Z")
    assert check("PM001", table) == []


def test_pm011_without_unit_column_on_an_hour_allocation_is_checked() -> None:
    row = regel(aantal="50")
    del row["eenheid"]
    allocation = [uren(volume="10", frequentie="4", ingangsdatum=D(2023, 3, 1))]
    assert codes(check("PM011", [row], allocation)) == [(2, "9321")]


# -- 3: an allocation without Eenheid ---------------------------------------------------------


def test_pm011_allocation_without_unit_counts_in_the_unit_of_its_lines() -> None:
    allocation = [toewijzing(eenheid=None, volume="10", frequentie="6")]
    assert check("PM011", [regel(eenheid="04", aantal="5")], allocation) == []
    found = check("PM011", [regel(eenheid="04", aantal="11")], allocation)
    assert messages(found) == [
        "aantal 11 uur is meer dan 10 uur voor deze productperiode (toegewezen 10 uur voor de"
        " hele looptijd) van toewijzing T1; de toewijzing noemt geen eenheid: geteld in de"
        " eenheid van de regels (04 (uur))"
    ]


def test_pm011_allocation_without_unit_and_lines_in_two_units_is_not_checked() -> None:
    allocation = [toewijzing(eenheid=None, volume="10", frequentie="6")]
    rows = [maand(2023, 3, eenheid="01", aantal="300"), maand(2023, 4, eenheid="04", aantal="20")]
    found = check("PM011", rows, allocation)
    assert [(f["rij"], f["ernst"]) for f in found] == [(2, "waarschuwing")]
    assert messages(found) == [
        "toewijzing T1 heeft volume 10 zonder eenheid, en de regels erop hebben verschillende"
        " eenheden (01, 04): het aantal is niet getoetst aan het volume"
    ]


# -- 4: a credit line for a debit that is not in this workbook --------------------------------


def credit_rows(earlier: str | None, debit: str) -> list[dict[str, Any]]:
    return [
        maand(
            2023,
            3,
            eenheid="04",
            aantal="10",
            bedrag="1000",
            referentienummer="R9",
            vorig_referentienummer=earlier,
            debet_credit="C",
        ),
        maand(2023, 3, eenheid="04", aantal=debit, bedrag=str(int(debit) * 100)),
    ]


def test_pm011_credit_of_an_earlier_declaration_does_not_hide_an_overrun() -> None:
    # TR321 applies per Prestatie: 15 does not fit 10 per month, whatever earlier debit the
    # credit cancels (case t21)
    allocation = [uren(volume="10", frequentie="4")]
    found = check("PM011", credit_rows("R0-eerder", "15"), allocation)
    assert messages(found) == [
        "aantal 15 uur is meer dan 10 uur voor deze productperiode (1 kalendermaand(en) × 10 uur"
        " per maand) van toewijzing T1; een creditregel voor een declaratie die niet in deze"
        " werkmap staat, telt hier niet mee"
    ]
    assert check("PM011", credit_rows("R0-eerder", "10"), allocation) == []


def test_pm011_credit_of_a_debit_in_the_workbook_cancels_it() -> None:
    allocation = [uren(volume="10", frequentie="4")]
    rows = [
        maand(2023, 3, eenheid="04", aantal="15", referentienummer="R1"),
        maand(
            2023,
            3,
            eenheid="04",
            aantal="15",
            referentienummer="R2",
            vorig_referentienummer="R1",
            debet_credit="C",
        ),
        maand(2023, 3, eenheid="04", aantal="8", referentienummer="R3"),
    ]
    assert codes(check("PM011", rows, allocation)) == []
    # without a Vorig referentienummer column, a credit cancels a debit with the same key
    keyed = [{k: v for k, v in r.items() if k != "vorig_referentienummer"} for r in rows]
    assert codes(check("PM011", keyed, allocation)) == []


def test_pm012_credit_of_an_earlier_declaration_does_not_hide_a_budget_overrun() -> None:
    allocation = [toewijzing(budget="1000", trajecttype="herstel")]
    found = check("PM012", credit_rows("R0-eerder", "15"), allocation)
    assert [f["rij"] for f in found] == [3]
    assert messages(found)[0].endswith(
        "(herstel: budget voor de hele periode); een creditregel voor een declaratie die niet in"
        " deze werkmap staat, telt hier niet mee"
    )
    assert check("PM012", credit_rows("R0-eerder", "10"), allocation) == []


# -- 5: the 2017 layout with two quantity columns on one row ----------------------------------


def two_units(**values: Any) -> Any:
    """One 2017-style row (Minuten 300 and Uren 1) as the reader gives it: two lines, one
    `_rij`, each with the row's other cells."""
    base = {k: v for k, v in regel(**values).items() if k not in ("eenheid", "aantal")}
    lines = [
        {**base, "_rij": 2, "eenheid": "01", "aantal": "300", "_aantal_kolom": "minuten"},
        {**base, "_rij": 2, "eenheid": "04", "aantal": "1", "_aantal_kolom": "uren"},
    ]
    table = productie(*lines)
    for name in ("aantal", "eenheid"):
        table.kolommen.pop(name)
    table.kolommen["minuten"] = ColumnInfo("minuten", "Minuten", "X")
    table.kolommen["uren"] = ColumnInfo("uren", "Uren", "Y")
    return table


def test_pm015_a_row_with_two_units_is_one_declaration() -> None:
    assert check("PM015", two_units()) == []
    assert check("PM015", two_units(), [uren(volume="10")]) == []


def test_pm012_a_row_with_two_units_counts_its_bedrag_once() -> None:
    allocation = [toewijzing(budget="1500", trajecttype="herstel")]
    assert check("PM012", two_units(bedrag="1000"), allocation) == []
    found = check("PM012", two_units(bedrag="1600"), allocation)
    assert [(f["rij"], f["cel"]) for f in found] == [(2, "H2")]


def test_pm010_a_row_with_two_units_compares_its_bedrag_with_the_sum() -> None:
    # IJsselland: 300 minuten x 0,90 (54,42 / 60 afgekapt) + 1 uur x 54,42 = 324,42
    listed = [product(eenheid="04", tarief="54.42")]
    assert check("PM010", two_units(bedrag="324.42"), None, listed, IJSSELLAND) == []
    found = check("PM010", two_units(bedrag="324.43"), None, listed, IJSSELLAND)
    assert messages(found) == [
        "bedrag 324,43 wijkt af van de aantallen in deze regel maal hun tarief: 300 minuten ×"
        " 0,90 + 1 uur × 54,42 = 324,42"
    ]


# -- 6: indexation from the tariff in force at the end of last year --------------------------


def test_pm009_indexes_the_tariff_in_force_on_31_december() -> None:
    # 2020: 50,00 until 30-06, 54,42 from 01-07; 2021 = 54,42 x 1,0286 = 55,98, per minute 0,93
    listed = [
        product(
            eenheid="04", tarief="50.00", geldig_vanaf=D(2020, 1, 1), geldig_tot=D(2020, 6, 30)
        ),
        product(
            eenheid="04", tarief="54.42", geldig_vanaf=D(2020, 7, 1), geldig_tot=D(2020, 12, 31)
        ),
    ]
    january = maand(2021, 1, eenheid="01", aantal="600", tarief="0.93")
    assert check("PM009", [january], None, listed, IJSSELLAND_2021) == []
    found = check("PM009", [{**january, "tarief": "0.85"}], None, listed, IJSSELLAND_2021)
    assert messages(found) == [
        "tarief 0,85 wijkt af van het contracttarief 0,93 voor 45A48 in 2021 (de productenlijst"
        " heeft alleen het tarief van 2020: 54,42, geïndexeerd met 2,86%) (uurtarief 55,98 / 60,"
        " afgekapt op hele centen)"
    ]


# -- 7: an open end in Hart van Brabant --------------------------------------------------------


def open_row(**values: Any) -> dict[str, Any]:
    return regel(
        productcode="50H23",
        begindatum=D(2017, 1, 1),
        einddatum=None,
        eenheid="01",
        aantal="600",
        **values,
    )


def hvb_allocation(**values: Any) -> list[dict[str, Any]]:
    return [
        toewijzing(
            productcategorie="50",
            productcode="50H23",
            ingangsdatum=D(2017, 1, 1),
            einddatum=D(2017, 6, 30),
            **values,
        )
    ]


def test_pm007_an_open_end_runs_past_the_allocations_end() -> None:
    found = check("PM007", [open_row()], hvb_allocation(), profile=HVB)
    assert [(f["rij"], f["retourcode"]) for f in found] == [(2, "9308")]
    assert messages(found) == [
        "geen einddatum: de regel loopt open door na de einddatum 30-06-2017 van toewijzing T1;"
        " zorg na die datum valt buiten de toewijzing (sluit de regel af op of voor 30-06-2017)"
    ]
    running = [{**hvb_allocation()[0], "einddatum": None}]
    assert check("PM007", [open_row()], running, profile=HVB) == []
    # where Einddatum is required, an empty one is PM001's, not an open end
    assert check("PM007", [open_row()], hvb_allocation(), profile=PLAIN) == []


def test_pm016_an_open_end_runs_past_the_18th_birthday() -> None:
    row = open_row(geboortedatum=D(1999, 6, 1))
    found = check("PM016", [row], profile=HVB)
    assert [f["ernst"] for f in found] == ["waarschuwing"]
    assert messages(found) == [
        "jeugdige (geboren 01-06-1999) wordt 18 op 01-06-2017, binnen de periode vanaf"
        " 01-01-2017 (zonder einddatum: loopt door), zonder verlengde jeugdhulp"
    ]
    assert (
        check(
            "PM016", [open_row(geboortedatum=D(2000, 6, 1), verlengde_jeugdhulp=True)], profile=HVB
        )
        == []
    )


# -- 8 and (i): codes in another case -----------------------------------------------------------


def test_pm013_lowercase_arrangement_code_is_read_as_the_listed_one() -> None:
    rows = [
        regel(productcode="50H23", begindatum=D(2017, 1, 1), einddatum=D(2017, 6, 30)),
        regel(productcode="50h12", begindatum=D(2017, 3, 1), einddatum=D(2017, 4, 30)),
        regel(productcode="50h99", begindatum=D(2017, 3, 1), einddatum=D(2017, 4, 30)),
    ]
    assert [f["rij"] for f in check("PM013", rows[:2], profile=HVB)] == [2, 3]
    unknown = check("PM004", rows, profile=HVB)
    assert messages(unknown) == [
        "productcode 50h99 staat niet in de productenlijst van Hart van Brabant arrangementen"
    ]
    said = check("PM022", rows, profile=HVB)
    assert messages(said) == [
        "Productcode '50h12' is gelezen als 50H12, zoals de code in de productenlijst of de"
        " toewijzing staat (hoofdletters)"
    ]


def test_lowercase_code_in_ijsselland_is_read_and_said_not_rejected() -> None:
    rows = [regel(productcode="45a48")]
    listed = [product()]
    assert check("PM004", rows, [toewijzing()], listed) == []
    assert check("PM006", rows, [toewijzing()], listed) == []
    assert len(check("PM022", rows, [toewijzing()], listed)) == 1
    # an allocation written in lower case is read as the listed code too
    assert check("PM006", [regel()], [toewijzing(productcode="45a48")], listed) == []


# -- (d): a code that lost its leading zero ----------------------------------------------------


def test_code_typed_as_a_number_gets_its_leading_zero_back_and_is_said() -> None:
    rows = [regel(productcode="4011")]
    listed = [product(productcategorie="40", productcode="04011")]
    allocation = [toewijzing(productcategorie="40", productcode="04011")]
    assert check("PM004", rows, allocation, listed) == []
    assert check("PM006", rows, allocation, listed) == []
    assert messages(check("PM022", rows, allocation, listed)) == [
        "Productcode 4011 miste de voorloopnul (een code opgeslagen als getal); gelezen als 04011"
    ]
    # not known with the zero either: unknown, as typed
    assert messages(check("PM004", [regel(productcode="4012")], None, listed)) == [
        "productcode 4012 staat niet in de productenlijst van Kaal"
    ]


def test_canonical_codes_only_reads_a_code_the_lists_know() -> None:
    assert canonical_codes(["45a48", "4011", "45A48", "zz999", "123456"], ["45A48", "04011"]) == {
        "45a48": "45A48",
        "4011": "04011",
    }
    assert canonical_codes(["04011"], ["4011"]) == {}  # never takes a zero away


# -- 9: the referrer of STANDAARDBUDGET --------------------------------------------------------


@pytest.mark.parametrize(
    ("verwijzer", "soort"),
    [
        ("Medisch specialist", "medisch"),
        ("Huisarts X", "medisch"),
        ("kinderarts", "medisch"),
        ("GI", "gi"),
        ("Gecertificeerde instelling", "gi"),
        ("Gemeente", "toegang"),
        ("Toegang Zwolle", "toegang"),
        ("Gids", None),
        ("onzin", None),
        ("", None),
    ],
)
def test_verwijzer_is_read_by_its_first_word(verwijzer: str, soort: str | None) -> None:
    assert verwijzer_soort(verwijzer) == soort


def test_standaardbudget_takes_every_medical_referrer_the_batch_takes() -> None:
    assert functions.standaardbudget(9000, "Medisch specialist").startswith(
        "Overleg met de Toegang"
    )
    assert functions.standaardbudget(9000, "Huisarts X").startswith("Overleg met de Toegang")
    assert functions.standaardbudget(9000, "Gemeente") == 12000
    assert functions.standaardbudgetnummer(7000, "Medisch specialist") == 5
    assert functions.standaardbudget(9000, "onzin").startswith("#WAARDE! Verwijzer 'onzin'")


# -- 10: the years of an allocation from 29 February -------------------------------------------


def test_pm012_years_from_29_february_are_named_as_counted() -> None:
    allocation = [
        toewijzing(
            budget="1000", trajecttype="duurzaam", ingangsdatum=D(2024, 2, 29), einddatum=None
        )
    ]
    rows = [
        periode(D(2024, 2, 29), D(2024, 2, 29), eenheid="83", aantal="900", bedrag="900"),
        periode(D(2025, 2, 28), D(2025, 2, 28), eenheid="83", aantal="200", bedrag="200"),
        periode(D(2025, 3, 1), D(2025, 3, 1), eenheid="83", aantal="950", bedrag="950"),
        periode(D(2026, 2, 28), D(2026, 2, 28), eenheid="83", aantal="60", bedrag="60"),
    ]
    found = check("PM012", rows, allocation)
    assert [f["rij"] for f in found] == [3, 5]
    assert messages(found)[0].endswith(
        "(duurzaam: budget per jaar van de toewijzing, 29-02-2024 t/m 28-02-2025)"
    )
    assert messages(found)[1].endswith(
        "(duurzaam: budget per jaar van de toewijzing, 01-03-2025 t/m 28-02-2026)"
    )


def test_pm030_two_years_from_29_february_end_on_28_february() -> None:
    start = D(2024, 2, 29)
    ok = toewijzing(trajecttype="herstel", ingangsdatum=start, einddatum=D(2026, 2, 28))
    too_long = toewijzing(
        toewijzingnummer="T2", trajecttype="herstel", ingangsdatum=start, einddatum=D(2026, 3, 1)
    )
    found = check("PM030", [regel()], [ok, too_long])
    assert [f["rij"] for f in found] == [3]


# -- 11: hours are shown as hours and minutes ----------------------------------------------------


def test_pm011_hours_and_minutes_never_four_decimals() -> None:
    allocation = [uren(volume="10", frequentie="6")]
    rows = [maand(2023, 3, eenheid="04", aantal="10"), maand(2023, 4, eenheid="01", aantal="1")]
    assert messages(check("PM011", rows, allocation)) == [
        "opgeteld 10 uur en 1 minuut tot en met deze regel is meer dan 10 uur over de hele"
        " toewijzing T1 (toegewezen 10 uur voor de hele looptijd)"
    ]
    small = [uren(volume="0.5", frequentie="6")]  # half an hour allocated: 30 minuten
    found = check("PM011", [regel(eenheid="01", aantal="31")], small)
    assert messages(found)[0].startswith("aantal 31 minuten (31 minuten) is meer dan 30 minuten")


# -- (a): a number read leniently on the Toewijzingen and Producten sheets ----------------------


def test_pm022_on_the_allocation_list_and_the_product_list() -> None:
    alloc = toewijzingen(
        toewijzing(
            budget="12000", budget__tekst="12.000", budget__soepel=True, trajecttype="herstel"
        )
    )
    alloc.frame = alloc.frame.with_columns(budget__dubbelzinnig=pl.Series([True]))
    listed = producten(product(tarief="0.91", tarief__tekst="0,91", tarief__soepel=True))
    found = run_checks(productie(regel(bedrag="1000")), alloc, listed, PLAIN)
    lenient = found.filter(pl.col("controle") == "PM022").select("blad", "cel", "melding").rows()
    assert lenient == [
        (
            "Toewijzingen",
            "H2",
            "Budget '12.000' is dubbelzinnig en gelezen als 12000 (de punt als scheiding van"
            " duizendtallen, zoals in het Nederlands); is 12 bedoeld, typ dan 12",
        ),
        (
            "Producten",
            "D2",
            "Tarief '0,91' is tekst met een decimale komma; gelezen als het getal 0,91",
        ),
    ]
    assert found.filter(pl.col("controle") == "PM012").height == 0  # 12.000 is twelve thousand


def test_pm022_on_a_shared_allocation_list_only_for_this_workbooks_children() -> None:
    alloc = toewijzingen(
        toewijzing(budget="10", budget__tekst="10,0", budget__soepel=True),
        toewijzing(bsn="011222335", budget="10", budget__tekst="10,0", budget__soepel=True),
    )
    found = run_checks(productie(regel()), alloc, None, PLAIN, toewijzingen_apart=True)
    assert found.filter(pl.col("controle") == "PM022")["rij"].to_list() == [2]


# -- (b): a product period over the boundary of two allocation years ----------------------------


def monthly_from_15_july(budget: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = [periode(D(2023, 7, 15), D(2023, 7, 31), eenheid="83", aantal="500", bedrag="500")]
    for year, month in [(2023, m) for m in range(8, 13)] + [(2024, m) for m in range(1, 8)]:
        rows.append(maand(year, month, eenheid="83", aantal="1000", bedrag="1000"))
    allocation = [
        toewijzing(
            budget=budget,
            trajecttype="duurzaam",
            ingangsdatum=D(2023, 7, 15),
            einddatum=D(2026, 7, 14),
        )
    ]
    return rows, allocation


def test_pm012_a_month_over_the_anniversary_counts_by_its_days() -> None:
    # year 0 (15-07-2023 t/m 14-07-2024): 500 + 11 x 1.000 + 14/31 of July 2024 (451,61)
    rows, allocation = monthly_from_15_july("12000")
    assert check("PM012", rows, allocation) == []
    rows, allocation = monthly_from_15_july("11951.61")
    assert check("PM012", rows, allocation) == []
    rows, allocation = monthly_from_15_july("11951.60")
    found = check("PM012", rows, allocation)
    assert [f["rij"] for f in found] == [14]
    assert messages(found) == [
        "opgeteld bedrag 11.951,61 tot en met deze regel is meer dan het budget 11.951,60 van"
        " toewijzing T1 (duurzaam: budget per jaar van de toewijzing, 15-07-2023 t/m 14-07-2024;"
        " deze regel telt voor 14 van zijn 31 dagen in dit jaar: 451,61)"
    ]


# -- (c): a minute tariff of the list with more than two decimals ------------------------------


def test_pm010_unrounded_minute_tariff_of_the_list_gives_the_amount() -> None:
    # national (IV081 by analogy): 600 x 0,907 = 544,20; the rounded 0,91 is the ProductTarief
    listed = [product(tarief="0.907")]
    ok = regel(aantal="600", tarief="0.91", bedrag="544.20")
    assert check("PM010", [ok], None, listed, HVB) == []
    assert check("PM009", [ok], None, listed, HVB) == []
    found = check("PM010", [{**ok, "bedrag": "546.00"}], None, listed, HVB)
    assert messages(found) == [
        "bedrag 546,00 wijkt af van 600 minuten × 0,907 (het minuuttarief van de productenlijst,"
        " niet afgerond) = 544,20 (landelijke regel IV081: het bedrag volgt uit het"
        " contracttarief, niet uit het afgeronde minuuttarief)"
    ]
    # IJsselland truncates: 0,90 and 540,00
    ijsselland = regel(aantal="600", tarief="0.90", bedrag="540.00")
    assert check("PM010", [ijsselland], None, listed, IJSSELLAND) == []


# -- (e): a unit written with its code and word --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("04 uur", "04"),
        ("04 - uur", "04"),
        ("Uur (04)", "04"),
        ("1 minuut", "01"),
        ("14: etmaal", "14"),
        ("04 minuten", None),
        ("Uur (01)", None),
        ("Stuks (inspanning)", "84"),
    ],
)
def test_unit_code_with_its_word(text: str, code: str | None) -> None:
    assert unit_code(text) == code
    from jeugdhulp.normalize import parse_texts

    assert parse_texts("eenheid", [text])["waarde"].to_list() == [code]


# -- (h): frequency words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequentie", "aantal", "expected"),
    [
        ("wekelijks", "21", ["9321"]),  # 5 weeks x 4 = 20
        ("Per week", "20", []),
        ("dagelijks", "125", ["9321"]),  # 31 days x 4 = 124
        ("maandelijks", "5", ["9321"]),
        ("Per dagdeel", "40", [""]),  # a unit, no frequency: warned, not checked
        ("per vier weken", "40", [""]),
    ],
)
def test_pm011_frequency_words(frequentie: str, aantal: str, expected: list[str]) -> None:
    allocation = [uren(volume="4", frequentie=frequentie, ingangsdatum=D(2023, 3, 1))]
    found = check("PM011", [maand(2023, 3, eenheid="04", aantal=aantal)], allocation)
    assert [f["retourcode"] if f["ernst"] == "fout" else "" for f in found] == expected
