"""The check catalogue: every check with rows that must and must not trigger it.

Test names start with the check id (`test_pm009_...`); `test_every_check_has_a_test` keeps it
that way. Seed cases are named after their seed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from jeugdhulp.checks import (
    CATALOGUE,
    DOC_SECTIONS,
    FINDING_SCHEMA,
    catalogue_markdown,
    check_plan,
    run_checks,
)
from jeugdhulp.findings import FINDING_FIELDS
from jeugdhulp.profile import Profile, load_profile, profile_from_text
from jeugdhulp.schema import ColumnInfo, TableInfo
from tests.frames import producten, productie, toewijzingen

D = dt.date
ROOT = Path(__file__).resolve().parents[1]

#: A profile with no regional switches: only the national checks run.
PLAIN = profile_from_text('sleutel = "kaal"\nnaam = "Kaal"\n[controles]\nuit = []\n', "kaal")


def regel(**values: Any) -> dict[str, Any]:
    """A clean production row for BSN 111222333 on allocation T1, 45A48, March 2023."""
    row: dict[str, Any] = {
        "bsn": "111222333",
        "toewijzingnummer": "T1",
        "productcode": "45A48",
        "begindatum": D(2023, 3, 1),
        "einddatum": D(2023, 3, 31),
        "eenheid": "01",
        "aantal": "60",
    }
    row.update(values)
    return row


def toewijzing(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "bsn": "111222333",
        "toewijzingnummer": "T1",
        "productcategorie": "45",
        "productcode": "45A48",
        "ingangsdatum": D(2023, 1, 1),
        "einddatum": D(2023, 12, 31),
        "eenheid": "01",
    }
    row.update(values)
    return row


def product(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "productcategorie": "45",
        "productcode": "45A48",
        "eenheid": "01",
        "geldig_vanaf": D(2023, 1, 1),
        "geldig_tot": D(2023, 12, 31),
    }
    row.update(values)
    return row


def check(
    check_id: str,
    rows: list[dict[str, Any]] | TableInfo,
    allocations: list[dict[str, Any]] | None = None,
    products: list[dict[str, Any]] | None = None,
    profile: Profile = PLAIN,
    vandaag: dt.date = dt.date(2024, 6, 1),
) -> list[dict[str, Any]]:
    """The findings of one check, as dicts, after a full `run_checks` on date `vandaag`."""
    table = rows if isinstance(rows, TableInfo) else productie(*rows)
    found = run_checks(
        table,
        toewijzingen(*allocations) if allocations is not None else None,
        producten(*products) if products is not None else None,
        profile,
        vandaag=vandaag,
    )
    assert found.columns == list(FINDING_FIELDS)
    return found.filter(pl.col("controle") == check_id).to_dicts()


def messages(found: list[dict[str, Any]]) -> list[str]:
    return [f["melding"] for f in found]


# -- PM001 ------------------------------------------------------------------------------------


def test_pm001_empty_required_cell() -> None:
    found = check("PM001", [regel(), regel(productcode=None)])
    assert messages(found) == ["Productcode is leeg; dit veld is verplicht"]
    assert (found[0]["rij"], found[0]["cel"], found[0]["kolom"]) == (3, "C3", "Productcode")


def test_pm001_unreadable_number_is_not_empty() -> None:
    found = check("PM001", [regel(aantal=None, aantal__tekst="abc")])
    assert messages(found) == ["Aantal 'abc' is niet te lezen als getal"]
    assert found[0]["waarde"] == "abc"


def test_pm001_unreadable_yes_no() -> None:
    found = check("PM001", [regel(overgangsclient=None, overgangsclient__tekst="misschien")])
    assert messages(found) == ["Overgangscliënt 'misschien' is niet te lezen als ja of nee"]


def test_pm001_missing_required_column_points_at_header_row() -> None:
    row = regel()
    del row["einddatum"]
    found = check("PM001", [row])
    assert messages(found) == ["de verplichte kolom Einddatum ontbreekt in het blad"]
    assert found[0]["rij"] == 1


def test_pm001_a_sheet_without_the_required_columns() -> None:
    found = check("PM001", productie(in_file=("toewijzingnummer",)))
    assert sorted(messages(found)) == [
        f"de verplichte kolom {name} ontbreekt in het blad"
        + (" (of een kolom per eenheid, zoals Minuten of Ligdagen)" if name == "Eenheid" else "")
        for name in ("Aantal", "BSN", "Begindatum", "Eenheid", "Einddatum", "Productcode")
    ]
    assert {f["cel"] for f in found} == {"A1"}


def test_pm001_quantity_from_a_unit_column_counts_as_present() -> None:
    row = regel(_aantal_kolom="minuten")
    del row["aantal"]
    row["aantal"] = "60"  # filled by the reader from the Minuten column
    table = productie(row)
    table.kolommen.pop("aantal")
    assert check("PM001", table) == []


def test_pm001_empty_quantity_points_at_the_unit_column_it_came_from() -> None:
    table = productie(regel(aantal=None, _aantal_kolom="minuten"))
    table.kolommen.pop("aantal")
    table.kolommen["minuten"] = ColumnInfo("minuten", "Minuten", "K")
    found = check("PM001", table)
    assert messages(found) == ["Minuten is leeg; dit veld is verplicht"]
    assert (found[0]["kolom"], found[0]["cel"]) == ("Minuten", "K2")


def test_pm001_complete_row_passes() -> None:
    assert check("PM001", [regel()]) == []


# -- PM002 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bsn", "message"),
    [
        ("111222334", "BSN 111222334 voldoet niet aan de elfproef"),
        ("12345", "BSN '12345' heeft 5 cijfers in plaats van 9"),
        ("12a456789", "BSN '12a456789' bevat andere tekens dan cijfers"),
        ("000000000", "BSN 000000000 voldoet niet aan de elfproef"),
    ],
)
def test_pm002_invalid_bsn(bsn: str, message: str) -> None:
    assert messages(check("PM002", [regel(bsn=bsn)])) == [message]


def test_pm002_valid_bsn_and_empty_bsn_pass() -> None:
    assert check("PM002", [regel(), regel(bsn="011222335"), regel(bsn=None)]) == []


# -- PM003 ------------------------------------------------------------------------------------


def test_pm003_unreadable_date() -> None:
    found = check("PM003", [regel(begindatum=None, begindatum__tekst="31-02-2023")])
    assert messages(found) == ["Begindatum '31-02-2023' is geen geldige datum (gebruik dd-mm-jjjj)"]


def test_pm003_end_before_begin() -> None:
    found = check("PM003", [regel(einddatum=D(2023, 2, 28))])
    assert messages(found) == ["einddatum 28-02-2023 ligt voor begindatum 01-03-2023"]
    assert found[0]["kolom"] == "Einddatum"


def test_pm003_valid_period_passes() -> None:
    assert check("PM003", [regel(), regel(einddatum=D(2023, 3, 1))]) == []


# -- PM004 ------------------------------------------------------------------------------------


def test_pm004_code_not_on_the_list() -> None:
    found = check("PM004", [regel(productcode="45X99")], products=[product()])
    assert messages(found) == ["productcode 45X99 staat niet in de productenlijst van Kaal"]
    assert found[0]["retourcode"] == "S329"


def test_pm004_code_not_valid_in_that_year() -> None:
    rows = [regel(begindatum=D(2024, 1, 1), einddatum=D(2024, 1, 31)), regel()]
    found = check("PM004", rows, products=[product()])
    assert messages(found) == [
        "productcode 45A48 is niet geldig op 01-01-2024 (productenlijst: van 01-01-2023 t/m"
        " 31-12-2023)"
    ]


def test_pm004_code_in_another_category() -> None:
    found = check("PM004", [regel(productcategorie="50")], products=[product()])
    assert messages(found) == ["productcode 45A48 hoort bij categorie 45, niet bij 50"]


def test_pm004_arrangement_codes_from_the_profile_without_a_product_sheet() -> None:
    hvb = load_profile("hart-van-brabant")
    rows = [
        regel(productcode="50H23", begindatum=D(2017, 1, 1), einddatum=D(2017, 6, 30)),
        regel(productcode="50H06", begindatum=D(2017, 1, 1), einddatum=D(2017, 6, 30)),
        regel(productcode="45A48", begindatum=D(2017, 1, 1), einddatum=D(2017, 6, 30)),
    ]
    found = check("PM004", rows, profile=hvb)
    # 45A48 is not judged: without a product sheet only the profile's full code family is known
    assert messages(found) == [
        "productcode 50H06 staat niet in de productenlijst van Hart van Brabant arrangementen"
    ]


def test_pm004_skipped_without_any_product_list() -> None:
    assert check("PM004", [regel(productcode="45X99")]) == []


# -- PM005 ------------------------------------------------------------------------------------


def test_pm005_no_allocation_with_that_number() -> None:
    found = check("PM005", [regel(toewijzingnummer="T9")], allocations=[toewijzing()])
    assert messages(found) == ["geen toewijzing T9 voor BSN 111222333 (wel toegewezen: 45A48)"]
    assert (found[0]["kolom"], found[0]["retourcode"]) == ("Toewijzingnummer", "9338")


def test_pm005_no_allocation_for_the_bsn() -> None:
    row = regel(bsn="011222335", toewijzingnummer="T7")
    found = check("PM005", [row], allocations=[toewijzing()])
    assert messages(found) == [
        "geen toewijzing T7 voor BSN 011222335 (geen enkele toewijzing voor deze BSN)"
    ]


def test_pm005_an_allocation_number_of_another_bsn_points_at_the_bsn() -> None:
    # A BSN typo: the number exists, but for another child.
    found = check("PM005", [regel(bsn="011222335")], allocations=[toewijzing()])
    assert messages(found) == [
        "geen toewijzing T1 voor BSN 011222335 "
        "(dit toewijzingnummer hoort bij BSN 111222333; klopt het BSN?)"
    ]


def test_pm005_an_allocation_without_bsn_is_named_incomplete_not_the_providers_bsn() -> None:
    found = check("PM005", [regel()], allocations=[toewijzing(bsn=None)])
    assert messages(found) == [
        "geen toewijzing T1 voor BSN 111222333 (dit toewijzingnummer staat in de toewijzingen "
        "zonder BSN: de toewijzing is onvolledig; vul daar het BSN in)"
    ]


def test_pm005_without_allocation_numbers_matches_on_bsn_and_product() -> None:
    rows = [regel(toewijzingnummer=None), regel(toewijzingnummer=None, productcode="45A49")]
    found = check("PM005", rows, allocations=[toewijzing(toewijzingnummer=None)])
    assert messages(found) == [
        "geen toewijzing voor BSN 111222333 en productcode 45A49 (wel toegewezen: 45A48)"
    ]
    assert found[0]["rij"] == 3


def test_pm005_aspecifiek_allocation_covers_every_code_the_list_puts_in_its_category() -> None:
    rows = [regel(toewijzingnummer=None, productcode="50A12")]
    aspecifiek = toewijzing(toewijzingnummer=None, productcategorie="50", productcode=None)
    lijst = [product(productcategorie="50", productcode="50A12")]
    assert check("PM005", rows, allocations=[aspecifiek], products=lijst) == []


def test_pm005_the_category_is_never_taken_from_the_codes_first_characters() -> None:
    # OP302/IV075: the code list decides. 50A12 listed in category 45 does not fit an
    # aspecifiek allocation on 50, and without a list the category is unknown.
    rows = [regel(toewijzingnummer=None, productcode="50A12")]
    aspecifiek = toewijzing(toewijzingnummer=None, productcategorie="50", productcode=None)
    elders = [product(productcategorie="45", productcode="50A12")]
    assert len(check("PM005", rows, allocations=[aspecifiek], products=elders)) == 1
    assert messages(check("PM005", rows, allocations=[aspecifiek])) == [
        "geen toewijzing voor BSN 111222333 en productcode 50A12 (wel toegewezen: categorie 50;"
        " de categorie van 50A12 is onbekend: geen Productcategorie ingevuld en niet in de"
        " productenlijst, dus niet te koppelen aan een aspecifieke toewijzing)"
    ]


def test_pm005_regional_code_in_the_allocated_category_matches() -> None:
    # Hart van Brabant's 0D891 (Dagbehandeling JLVG DVI) sits in category 41 on the list.
    rows = [regel(toewijzingnummer=None, productcode="0D891", eenheid="16", aantal="4")]
    aspecifiek = toewijzing(toewijzingnummer=None, productcategorie="41", productcode=None)
    lijst = [product(productcategorie="41", productcode="0D891", eenheid="16")]
    assert check("PM005", rows, allocations=[aspecifiek], products=lijst) == []
    # a category column that says otherwise decides (and PM004 reports the mismatch)
    rows[0]["productcategorie"] = "45"
    assert len(check("PM005", rows, allocations=[aspecifiek], products=lijst)) == 1


def test_pm005_among_several_allocations_the_one_covering_the_period_counts() -> None:
    rows = [regel(toewijzingnummer=None)]
    allocations = [
        toewijzing(toewijzingnummer="T2022", ingangsdatum=D(2022, 1, 1), einddatum=D(2022, 12, 31)),
        toewijzing(toewijzingnummer="T2023"),
        toewijzing(toewijzingnummer="T2024", ingangsdatum=D(2024, 1, 1), einddatum=None),
    ]
    assert check("PM005", rows, allocations=allocations) == []
    assert check("PM007", rows, allocations=allocations) == []


def test_pm005_skipped_without_allocations() -> None:
    assert check("PM005", [regel(toewijzingnummer="T9")]) == []


# -- PM006 ------------------------------------------------------------------------------------


def test_pm006_code_differs_from_the_allocation() -> None:
    found = check("PM006", [regel(productcode="45A49")], allocations=[toewijzing()])
    assert messages(found) == ["productcode 45A49 wijkt af van productcode 45A48 van toewijzing T1"]
    assert found[0]["retourcode"] == "9340"


def test_pm006_aspecifiek_only_category_must_match() -> None:
    aspecifiek = toewijzing(productcategorie="50", productcode=None)
    lijst = [product(), product(productcategorie="50", productcode="50A12")]
    ok = check("PM006", [regel(productcode="50A12")], allocations=[aspecifiek], products=lijst)
    wrong = check(
        "PM006", [regel(productcode="45A48", productcategorie="45")], allocations=[aspecifiek]
    )
    assert ok == []
    assert messages(wrong) == ["productcategorie 45 wijkt af van categorie 50 van toewijzing T1"]
    assert wrong[0]["retourcode"] == "9339"


def test_pm006_aspecifiek_category_from_the_code_list() -> None:
    aspecifiek = toewijzing(productcategorie="50", productcode=None)
    lijst = [product()]  # 45A48 is category 45
    found = check("PM006", [regel()], allocations=[aspecifiek], products=lijst)
    assert messages(found) == [
        "productcode 45A48 hoort volgens de productenlijst bij categorie 45, niet bij categorie 50"
        " van toewijzing T1"
    ]
    unknown = check("PM006", [regel(productcode="50A12")], allocations=[aspecifiek])
    assert messages(unknown) == [
        "de categorie van productcode 50A12 is onbekend (geen Productcategorie ingevuld en niet in"
        " de productenlijst): niet na te gaan of de code bij categorie 50 van toewijzing T1 hoort"
    ]


def test_pm006_same_code_passes() -> None:
    assert check("PM006", [regel()], allocations=[toewijzing()]) == []


# -- PM007 ------------------------------------------------------------------------------------


def test_pm007_begins_before_the_allocation() -> None:
    found = check("PM007", [regel()], allocations=[toewijzing(ingangsdatum=D(2023, 3, 15))])
    assert messages(found) == [
        "begindatum 01-03-2023 ligt voor de ingangsdatum 15-03-2023 van toewijzing T1"
    ]
    assert found[0]["retourcode"] == "9307"


def test_pm007_ends_after_the_allocation() -> None:
    found = check("PM007", [regel()], allocations=[toewijzing(einddatum=D(2023, 3, 20))])
    assert messages(found) == [
        "einddatum 31-03-2023 ligt na de einddatum 20-03-2023 van toewijzing T1"
    ]
    assert found[0]["retourcode"] == "9308"


def test_pm007_open_ended_allocation_and_period_inside_pass() -> None:
    assert check("PM007", [regel()], allocations=[toewijzing(einddatum=None)]) == []
    assert check("PM007", [regel()], allocations=[toewijzing()]) == []


# -- PM008 ------------------------------------------------------------------------------------


def test_pm008_unit_differs_from_the_product_list() -> None:
    found = check("PM008", [regel(eenheid="04")], products=[product(eenheid="01")])
    assert messages(found) == [
        "eenheid 04 (uur) past niet bij productcode 45A48: de productenlijst noemt 01 (minuut)"
    ]


def test_pm008_unit_differs_from_the_allocation() -> None:
    found = check("PM008", [regel(eenheid="14")], allocations=[toewijzing(eenheid="01")])
    assert messages(found) == [
        "eenheid 14 (etmaal) past niet bij toewijzing T1 met eenheid 01 (minuut)"
    ]


def test_pm008_not_an_ijw_unit() -> None:
    found = check("PM008", [regel(eenheid="weken")])
    assert messages(found) == ["eenheid 'weken' is geen iJw-eenheid (01, 04, 14, 16, 82, 83, 84)"]


def test_pm008_minutes_of_an_hourly_product_and_equal_units_pass() -> None:
    assert check("PM008", [regel(eenheid="01")], products=[product(eenheid="04")]) == []
    assert check("PM008", [regel(eenheid="1")], products=[product(eenheid="01")]) == []


# -- PM009 ------------------------------------------------------------------------------------

UURTARIEF_2023 = product(eenheid="04", tarief="54.42")  # IJsselland FAQ: 54,42 per uur
IJSSELLAND = load_profile("ijsselland-2023")


def test_pm009_seed_per_minute_tariff_is_truncated_from_54_42_in_ijsselland() -> None:
    found = check("PM009", [regel(tarief="0.91")], products=[UURTARIEF_2023], profile=IJSSELLAND)
    assert found[0]["waarde"] == "0,91"
    assert messages(found) == [
        "tarief 0,91 wijkt af van het contracttarief 0,90 voor 45A48 in 2023 (uurtarief 54,42 /"
        " 60, afgekapt op hele centen)"
    ]
    assert found[0]["retourcode"] == "0611"
    assert (
        check("PM009", [regel(tarief="0.90")], products=[UURTARIEF_2023], profile=IJSSELLAND) == []
    )


def test_pm009_national_minute_tariff_is_rounded_half_up() -> None:
    # IV081: 54,42 / 60 = 0,907 -> 0,91; 0,90 is the truncated (IJsselland) tariff, wrong here
    assert check("PM009", [regel(tarief="0.91")], products=[UURTARIEF_2023]) == []
    found = check("PM009", [regel(tarief="0.90")], products=[UURTARIEF_2023])
    assert messages(found) == [
        "tarief 0,90 wijkt af van het contracttarief 0,91 voor 45A48 in 2023 (uurtarief 54,42 /"
        " 60, half naar boven afgerond op hele centen)"
    ]
    # the boundary of rounding half up: 54,30 / 60 = 0,905 -> 0,91; 54,29 / 60 -> 0,90
    assert (
        check("PM009", [regel(tarief="0.91")], products=[product(eenheid="04", tarief="54.30")])
        == []
    )
    assert (
        check("PM009", [regel(tarief="0.90")], products=[product(eenheid="04", tarief="54.29")])
        == []
    )


def test_pm009_last_years_tariff_in_the_new_year_is_a_fout() -> None:
    lijst = [
        product(tarief="0.88", geldig_vanaf=D(2022, 1, 1), geldig_tot=D(2022, 12, 31)),
        product(tarief="0.90"),
    ]
    found = check("PM009", [regel(tarief="0.88")], products=lijst)
    assert messages(found) == [
        "tarief 0,88 wijkt af van het contracttarief 0,90 voor 45A48 in 2023; 0,88 is het tarief"
        " van 2022"
    ]
    assert found[0]["ernst"] == "fout"
    last_year = regel(tarief="0.88", begindatum=D(2022, 3, 1), einddatum=D(2022, 3, 31))
    assert check("PM009", [last_year], products=lijst) == []


def test_pm009_unrounded_minute_tariff_on_the_list_is_truncated_in_ijsselland() -> None:
    lijst = [product(tarief="0.907")]
    assert check("PM009", [regel(tarief="0.90")], products=lijst, profile=IJSSELLAND) == []
    assert check("PM009", [regel(tarief="0.91")], products=lijst) == []  # national: rounded
    assert messages(check("PM009", [regel(tarief="0.91")], products=lijst, profile=IJSSELLAND)) == [
        "tarief 0,91 wijkt af van het contracttarief 0,90 voor 45A48 in 2023 (0,907 per minuut,"
        " afgekapt op hele centen)"
    ]


def test_pm009_no_tariff_declared_or_no_tariff_listed_passes() -> None:
    assert check("PM009", [regel()], products=[UURTARIEF_2023]) == []
    assert check("PM009", [regel(tarief="0.91")], products=[product()]) == []


# -- PM010 ------------------------------------------------------------------------------------


def test_pm010_amount_is_not_quantity_times_tariff() -> None:
    row = regel(eenheid="04", aantal="12", tarief="0.90", bedrag="10.90")
    assert messages(check("PM010", [row])) == [
        "bedrag 10,90 wijkt af van aantal 12 × tarief 0,90 = 10,80"
    ]
    assert check("PM010", [regel(eenheid="04", aantal="12", tarief="0.90", bedrag="10.80")]) == []


def test_pm010_rounds_half_up_to_cents() -> None:
    # 0,5 x 0,01 = 0,005 -> 0,01 (half up, not to even)
    assert check("PM010", [regel(eenheid="04", aantal="0.5", tarief="0.01", bedrag="0.01")]) == []
    found = check("PM010", [regel(eenheid="04", aantal="0.5", tarief="0.01", bedrag="0.00")])
    assert messages(found) == ["bedrag 0,00 wijkt af van aantal 0,5 × tarief 0,01 = 0,01"]


def test_pm010_uses_the_contract_tariff_when_none_is_declared() -> None:
    row = regel(aantal="60", bedrag="60.00")
    found = check("PM010", [row], products=[UURTARIEF_2023], profile=IJSSELLAND)
    assert messages(found) == ["bedrag 60,00 wijkt af van aantal 60 × contracttarief 0,90 = 54,00"]


def test_pm010_unit_euros_the_amount_is_the_quantity() -> None:
    # CS339: with unit 83 IngediendBedrag equals GeleverdVolume; no tariff involved
    assert check("PM010", [regel(eenheid="83", aantal="100", tarief="1", bedrag="100")]) == []
    found = check("PM010", [regel(eenheid="83", aantal="100", tarief="1", bedrag="90")])
    assert messages(found) == [
        "bedrag 90,00 wijkt af van aantal 100,00: bij eenheid 83 (euro's) is het bedrag gelijk"
        " aan het aantal (CS339)"
    ]


# -- PM011 ------------------------------------------------------------------------------------


def test_pm011_summed_quantity_over_the_volume_from_the_crossing_row() -> None:
    rows = [
        regel(aantal="600"),
        regel(aantal="500", begindatum=D(2023, 4, 1), einddatum=D(2023, 4, 30)),
        regel(aantal="300", begindatum=D(2023, 5, 1), einddatum=D(2023, 5, 31)),
    ]
    found = check("PM011", rows, allocations=[toewijzing(volume="1200")])
    assert messages(found) == [
        "opgeteld 1.400 minuten tot en met deze regel is meer dan 1.200 minuten over de hele"
        " toewijzing T1 (toegewezen 1.200 minuten voor de hele looptijd)"
    ]
    assert (found[0]["rij"], found[0]["retourcode"]) == (4, "9322")


def test_pm011_one_line_over_the_volume() -> None:
    found = check("PM011", [regel(aantal="1300")], allocations=[toewijzing(volume="1200")])
    assert messages(found) == [
        "aantal 1.300 minuten is meer dan 1.200 minuten voor deze productperiode (toegewezen"
        " 1.200 minuten voor de hele looptijd) van toewijzing T1"
    ]
    assert found[0]["retourcode"] == "9321"


def test_pm011_hours_allocated_minutes_declared() -> None:
    allocation = [toewijzing(volume="20", eenheid="04")]  # 20 hours = 1.200 minutes
    assert check("PM011", [regel(aantal="1200")], allocations=allocation) == []
    assert len(check("PM011", [regel(aantal="1201")], allocations=allocation)) == 1


def test_pm011_monthly_volume_is_per_month() -> None:
    allocation = [toewijzing(volume="600", frequentie="4")]
    rows = [
        regel(aantal="600"),
        regel(aantal="600", begindatum=D(2023, 4, 1), einddatum=D(2023, 4, 30)),
    ]
    assert check("PM011", rows, allocations=allocation) == []
    found = check("PM011", [regel(aantal="601")], allocations=allocation)
    assert [f["retourcode"] for f in found] == ["9321"]


def test_pm011_within_volume_passes() -> None:
    assert check("PM011", [regel(aantal="1200")], allocations=[toewijzing(volume="1200")]) == []


# -- PM012 ------------------------------------------------------------------------------------


def test_pm012_herstel_budget_over_the_whole_period() -> None:
    rows = [
        regel(bedrag="5000.00", begindatum=D(2023, 11, 1), einddatum=D(2023, 11, 30)),
        regel(bedrag="3250.00", begindatum=D(2024, 1, 1), einddatum=D(2024, 1, 31)),
    ]
    allocation = [toewijzing(budget="8000", trajecttype="herstel", einddatum=D(2024, 12, 31))]
    found = check("PM012", rows, allocations=allocation)
    assert messages(found) == [
        "opgeteld bedrag 8.250,00 tot en met deze regel is meer dan het budget 8.000,00 van"
        " toewijzing T1 (herstel: budget voor de hele periode)"
    ]
    assert (found[0]["rij"], found[0]["retourcode"]) == (3, "9369")


def test_pm012_duurzaam_budget_per_year_of_the_allocation() -> None:
    # seed webinar: duurzaam "financieel budget geldt per jaar van de toewijzing"; the
    # allocation from 01-01-2023 has years 2023 and 2024, so per calendar year here too
    rows = [
        regel(bedrag="5000.00", begindatum=D(2023, 11, 1), einddatum=D(2023, 11, 30)),
        regel(bedrag="3250.00", begindatum=D(2024, 1, 1), einddatum=D(2024, 1, 31)),
        regel(bedrag="5000.00", begindatum=D(2024, 2, 1), einddatum=D(2024, 2, 29)),
    ]
    allocation = [toewijzing(budget="8000", trajecttype="duurzaam", einddatum=None)]
    found = check("PM012", rows, allocations=allocation)
    assert messages(found) == [
        "opgeteld bedrag 8.250,00 tot en met deze regel is meer dan het budget 8.000,00 van"
        " toewijzing T1 (duurzaam: budget per jaar van de toewijzing, 01-01-2024 t/m 31-12-2024)"
    ]
    assert found[0]["rij"] == 4


def test_pm012_without_amount_counts_quantity_times_tariff() -> None:
    rows = [regel(aantal="6000", tarief="0.90"), regel(aantal="3000", tarief="0.90")]
    found = check("PM012", rows, allocations=[toewijzing(budget="8000")], profile=IJSSELLAND)
    assert messages(found) == [
        "opgeteld bedrag 8.100,00 tot en met deze regel is meer dan het budget 8.000,00 van"
        " toewijzing T1 (herstel: budget voor de hele periode)"
    ]


def test_pm012_within_budget_passes() -> None:
    rows = [regel(bedrag="8000.00")]
    assert check("PM012", rows, allocations=[toewijzing(budget="8000")]) == []


# -- PM013 ------------------------------------------------------------------------------------

HVB = load_profile("hart-van-brabant")


def arrangement(code: str, begin: dt.date, end: dt.date | None, **values: Any) -> dict[str, Any]:
    """A Hart van Brabant 2017 monitor row: one row per arrangement period."""
    return {
        "bsn": "111222333",
        "productcode": code,
        "begindatum": begin,
        "einddatum": end,
        "eenheid": "01",
        "aantal": "600",
        **values,
    }


def test_pm013_two_arrangements_at_once_is_stacking() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), None),
        arrangement("50H12", D(2017, 3, 1), D(2017, 6, 30)),
    ]
    found = check("PM013", rows, profile=HVB)
    assert messages(found) == [
        "arrangement 50H23 (01-01-2017 t/m open) overlapt met arrangement 50H12 (01-03-2017 t/m"
        " 30-06-2017) voor dezelfde jeugdige; sluit het lopende arrangement af met een einddatum",
        "arrangement 50H12 (01-03-2017 t/m 30-06-2017) overlapt met arrangement 50H23 (01-01-2017"
        " t/m open) voor dezelfde jeugdige; sluit het lopende arrangement af met een einddatum",
    ]


def test_pm013_monthly_rows_of_one_arrangement_count_as_one_period() -> None:
    months = [(D(2017, m, 1), D(2017, m + 1, 1) - dt.timedelta(days=1)) for m in (1, 2, 3, 4)]
    rows = [arrangement("50H23", begin, end) for begin, end in months]
    rows.append(arrangement("50H12", D(2017, 3, 10), D(2017, 3, 20)))
    found = check("PM013", rows, profile=HVB)
    # only the March row of 50H23 overlaps, and the 50H12 row itself
    assert [f["rij"] for f in found] == [4, 6]
    assert "(01-01-2017 t/m 30-04-2017)" in found[1]["melding"]


def test_pm013_seed_voortschrijdend_inzicht_is_not_stacking() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), D(2017, 2, 28)),
        arrangement("50H12", D(2017, 3, 1), None),
        arrangement("50H31", D(2017, 1, 1), D(2017, 1, 31), bsn="011222335"),
        arrangement("50H32", D(2017, 1, 31), None, bsn="011222335"),  # handover on the same day
    ]
    assert check("PM013", rows, profile=HVB) == []


def test_pm013_products_outside_the_arrangement_may_run_alongside() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), None),
        arrangement("42900", D(2017, 1, 1), D(2017, 12, 31)),
    ]
    assert check("PM013", rows, profile=HVB) == []


def test_pm013_off_in_profiles_without_the_rule() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), None),
        arrangement("50H12", D(2017, 3, 1), D(2017, 6, 30)),
    ]
    assert check("PM013", rows, profile=load_profile("ijsselland-2023")) == []


# -- PM014 ------------------------------------------------------------------------------------

MONTHLY = load_profile("ijsselland-2023")


def test_pm014_period_across_the_month_boundary() -> None:
    found = check("PM014", [regel(einddatum=D(2023, 4, 15))], profile=MONTHLY)
    assert messages(found) == [
        "periode 01-03-2023 t/m 15-04-2023 loopt over de maandgrens: een productperiode is één"
        " kalendermaand"
    ]
    assert found[0]["retourcode"] == "9388"


def test_pm014_period_clipped_to_the_allocation_passes() -> None:
    rows = [
        regel(begindatum=D(2023, 3, 15)),
        regel(begindatum=D(2023, 6, 1), einddatum=D(2023, 6, 20)),
    ]
    allocation = [toewijzing(ingangsdatum=D(2023, 3, 15), einddatum=D(2023, 6, 20))]
    assert check("PM014", rows, allocations=allocation, profile=MONTHLY) == []


def test_pm014_mid_month_dates_not_explained_by_the_allocation() -> None:
    rows = [
        regel(begindatum=D(2023, 3, 15)),
        regel(begindatum=D(2023, 4, 1), einddatum=D(2023, 4, 20)),
    ]
    found = check("PM014", rows, allocations=[toewijzing()], profile=MONTHLY)
    assert messages(found) == [
        "begindatum 15-03-2023 is niet de eerste dag van de maand (01-03-2023) en niet de"
        " ingangsdatum 01-01-2023 van toewijzing T1",
        "einddatum 20-04-2023 is niet de laatste dag van de maand (30-04-2023) en niet de"
        " einddatum van toewijzing T1",
    ]
    assert [f["retourcode"] for f in found] == ["9387", "9388"]


def test_pm014_off_where_rows_are_arrangement_periods() -> None:
    assert check("PM014", [regel(einddatum=D(2023, 4, 15))], profile=HVB) == []


# -- PM015 ------------------------------------------------------------------------------------


def test_pm015_same_allocation_code_and_period_twice_points_at_both_rows() -> None:
    found = check("PM015", [regel(), regel(aantal="30")])
    assert [(f["rij"], f["ernst"], f["melding"]) for f in found] == [
        (
            2,
            "waarschuwing",
            "toewijzing T1, productcode 45A48 en periode 01-03-2023 t/m 31-03-2023 staan nog eens"
            " op regel 3: dubbel gedeclareerd",
        ),
        (
            3,
            "fout",
            "zelfde toewijzing T1, productcode 45A48 en periode 01-03-2023 t/m 31-03-2023 als"
            " regel 2: dubbel gedeclareerd",
        ),
    ]


def test_pm015_three_times_names_every_later_row_on_the_first() -> None:
    found = check("PM015", [regel(), regel(), regel()])
    assert [(f["rij"], f["ernst"]) for f in found] == [
        (2, "waarschuwing"),
        (3, "fout"),
        (4, "fout"),
    ]
    assert "staan nog eens op regel 3, regel 4:" in found[0]["melding"]


def test_pm015_without_allocation_number_uses_the_bsn() -> None:
    found = check("PM015", [regel(toewijzingnummer=None), regel(toewijzingnummer=None)])
    assert [f["melding"] for f in found if f["ernst"] == "fout"] == [
        "zelfde BSN 111222333, productcode 45A48 en periode 01-03-2023 t/m 31-03-2023 als regel"
        " 2: dubbel gedeclareerd"
    ]


def test_pm015_other_month_or_code_passes() -> None:
    rows = [
        regel(),
        regel(begindatum=D(2023, 4, 1), einddatum=D(2023, 4, 30)),
        regel(productcode="45A49"),
    ]
    assert check("PM015", rows) == []


# -- PM016 ------------------------------------------------------------------------------------


def test_pm016_turns_18_during_the_period() -> None:
    found = check("PM016", [regel(geboortedatum=D(2005, 3, 12))])
    assert messages(found) == [
        "jeugdige (geboren 12-03-2005) wordt 18 op 12-03-2023, binnen de periode t/m 31-03-2023,"
        " zonder verlengde jeugdhulp"
    ]
    assert found[0]["ernst"] == "waarschuwing"


def test_pm016_already_18() -> None:
    found = check("PM016", [regel(geboortedatum=D(2004, 1, 5))])
    assert messages(found) == [
        "jeugdige (geboren 05-01-2004) is al 18 sinds 05-01-2022, voor de periode vanaf"
        " 01-03-2023, zonder verlengde jeugdhulp"
    ]


def test_pm016_verlengde_jeugdhulp_or_younger_passes() -> None:
    rows = [
        regel(geboortedatum=D(2004, 1, 5), verlengde_jeugdhulp=True),
        regel(geboortedatum=D(2005, 4, 1)),
    ]
    assert check("PM016", rows) == []


# -- PM017 ------------------------------------------------------------------------------------

IJSSELLAND_2021 = load_profile("ijsselland-2021")


def midden(code: str, **values: Any) -> dict[str, Any]:
    return regel(
        productcode=code,
        toewijzingnummer=None,
        begindatum=D(2021, 3, 1),
        einddatum=D(2021, 3, 31),
        **values,
    )


def test_pm017_seed_30_percent_after_stop_with_reason_31_passes() -> None:
    rows = [midden("50053", reden_beeindiging="31"), midden("50054")]
    assert check("PM017", rows, profile=IJSSELLAND_2021) == []


def test_pm017_30_percent_after_drop_out_is_a_fout() -> None:
    rows = [midden("50053", reden_beeindiging="34"), midden("50054")]
    found = check("PM017", rows, profile=IJSSELLAND_2021)
    assert messages(found) == [
        "30%-code 50054 gedeclareerd, maar de 70%-code 50053 is beëindigd met reden 34 in plaats"
        " van 31 (resultaat behaald): dat is uitval, de 30% mag niet worden gedeclareerd"
    ]
    assert (found[0]["rij"], found[0]["ernst"]) == (3, "fout")


def test_pm017_30_percent_while_70_percent_not_stopped() -> None:
    rows = [midden("50053", reden_beeindiging=None), midden("50054")]
    found = check("PM017", rows, profile=IJSSELLAND_2021)
    assert messages(found) == [
        "30%-code 50054 gedeclareerd, maar de 70%-code 50053 is niet beëindigd met reden 31"
        " (resultaat behaald)"
    ]


def test_pm017_30_percent_without_any_70_percent_row() -> None:
    found = check("PM017", [midden("50054")], profile=IJSSELLAND_2021)
    assert messages(found) == [
        "30%-code 50054 gedeclareerd, maar er is geen regel met de 70%-code 50053 voor deze"
        " jeugdige die is beëindigd met reden 31 (resultaat behaald)"
    ]


def test_pm017_other_child_reason_31_does_not_count_and_off_in_2023() -> None:
    rows = [midden("50053", reden_beeindiging="31", bsn="011222335"), midden("50054")]
    assert len(check("PM017", rows, profile=IJSSELLAND_2021)) == 1
    assert check("PM017", rows, profile=load_profile("ijsselland-2023")) == []


# -- PM018 ------------------------------------------------------------------------------------


def test_pm018_seed_reopened_within_3_months() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), D(2017, 3, 31)),
        arrangement("50H23", D(2017, 6, 15), D(2017, 9, 30)),
    ]
    found = check("PM018", rows, profile=HVB)
    assert messages(found) == [
        "arrangement 50H23 begint op 15-06-2017, binnen 3 maanden na de einddatum 31-03-2017"
        " (regel 2): een heropend arrangement noteert u niet opnieuw"
    ]
    assert found[0]["ernst"] == "waarschuwing"


def test_pm018_seed_after_4_months_is_a_new_arrangement() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), D(2017, 3, 31)),
        arrangement("50H23", D(2017, 8, 1), D(2017, 9, 30)),
    ]
    assert check("PM018", rows, profile=HVB) == []


def test_pm018_continuation_and_other_code_are_not_reopening() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), D(2017, 3, 31)),
        arrangement("50H23", D(2017, 4, 1), D(2017, 6, 30)),  # the next day: continues
        arrangement("50H12", D(2017, 8, 1), None),  # another arrangement
    ]
    assert check("PM018", rows, profile=HVB) == []


# -- PM019 ------------------------------------------------------------------------------------


def test_pm019_seed_transition_client_outside_2017() -> None:
    rows = [
        arrangement("50H23", D(2016, 12, 1), D(2017, 1, 31), overgangsclient=True),
        arrangement("50H23", D(2017, 11, 1), D(2018, 1, 31), overgangsclient=True, bsn="011222335"),
    ]
    found = check("PM019", rows, profile=HVB)
    assert messages(found) == [
        "overgangscliënt: periode 01-12-2016 t/m 31-01-2017 valt buiten 2017; noteer alleen de"
        " zorg geleverd in 2017",
        "overgangscliënt: periode 01-11-2017 t/m 31-01-2018 valt buiten 2017; noteer alleen de"
        " zorg geleverd in 2017",
    ]
    assert [f["kolom"] for f in found] == ["Begindatum", "Einddatum"]


def test_pm019_seed_transition_client_in_2017_and_other_clients_pass() -> None:
    rows = [
        arrangement("50H23", D(2017, 1, 1), D(2017, 12, 31), overgangsclient=True),
        arrangement(
            "50H23", D(2016, 12, 1), D(2018, 1, 31), overgangsclient=False, bsn="011222335"
        ),
    ]
    assert check("PM019", rows, profile=HVB) == []


# -- PM020 ------------------------------------------------------------------------------------


def test_pm020_indirect_time_on_an_lvb_product() -> None:
    found = check("PM020", [regel(soort_tijd="indirect")], products=[product(domein="LVB")])
    assert messages(found) == [
        "indirecte tijd op productcode 45A48: LVB-product, alleen directe cliëntgebonden tijd is"
        " declarabel"
    ]


def test_pm020_indirect_time_outside_the_arrangement_in_hart_van_brabant() -> None:
    rows = [arrangement("42900", D(2017, 1, 1), D(2017, 1, 31), soort_tijd="indirect")]
    found = check("PM020", rows, profile=HVB)
    assert messages(found) == [
        "indirecte tijd op productcode 42900: de productenlijst rekent voor dit product alleen"
        " directe tijd"
    ]


def test_pm020_outside_the_arrangement_counts_only_in_arrangement_regions() -> None:
    outside = [product(productcode="45A60", binnen_arrangement=False)]
    row = regel(productcode="45A60", soort_tijd="indirect")
    found = check("PM020", [row], products=outside, profile=HVB)
    assert messages(found) == [
        "indirecte tijd op productcode 45A60: product buiten het arrangement, alleen directe tijd"
        " is declarabel"
    ]
    assert check("PM020", [row], products=outside, profile=PLAIN) == []


def test_pm020_profile_attributes_complete_the_product_sheet() -> None:
    # the sheet lists 42900 without "Alleen directe tijd"; the Hart van Brabant profile knows it
    sheet = [
        product(productcategorie="42", productcode="42900", geldig_vanaf=None, geldig_tot=None)
    ]
    rows = [arrangement("42900", D(2017, 1, 1), D(2017, 1, 31), soort_tijd="indirect")]
    assert len(check("PM020", rows, products=sheet, profile=HVB)) == 1
    assert check("PM020", rows, products=sheet, profile=PLAIN) == []


def test_pm020_direct_time_and_j_en_o_products_pass() -> None:
    assert check("PM020", [regel(soort_tijd="direct")], products=[product(domein="LVB")]) == []
    assert check("PM020", [regel(soort_tijd="indirect")], products=[product(domein="J&O")]) == []


# -- PM021 ------------------------------------------------------------------------------------


def test_pm021_declaration_on_a_deleted_allocation() -> None:
    allocations = [toewijzing(), toewijzing(reden_wijziging="13")]  # the later row deletes T1
    found = check("PM021", [regel()], allocations=allocations)
    assert messages(found) == [
        "toewijzing T1 is verwijderd (reden wijziging 13); hierop mag niet worden gedeclareerd"
    ]
    assert found[0]["retourcode"] == "9384"


def test_pm021_also_when_matched_on_bsn_and_product() -> None:
    allocations = [toewijzing(toewijzingnummer=None, reden_wijziging="13")]
    found = check("PM021", [regel(toewijzingnummer=None)], allocations=allocations)
    assert messages(found) == [
        "toewijzing zonder nummer (regel 2) is verwijderd (reden wijziging 13); hierop mag niet"
        " worden gedeclareerd"
    ]


def test_pm021_other_change_reason_passes() -> None:
    assert check("PM021", [regel()], allocations=[toewijzing(reden_wijziging="01")]) == []


# -- PM022 ------------------------------------------------------------------------------------


def test_pm022_leniently_read_values() -> None:
    rows = [
        regel(bsn="011222335", bsn__tekst="11222335", bsn__soepel=True),
        regel(aantal="12.5", aantal__tekst="12,5", aantal__soepel=True),
        regel(begindatum__tekst="01-03-2023", begindatum__soepel=True),
        regel(aantal="60", aantal__tekst="60", aantal__soepel=True),
        regel(tarief="0.9", tarief__tekst="0,90", tarief__soepel=True),
    ]
    found = check("PM022", rows)
    assert messages(found) == [
        "BSN 11222335 miste de voorloopnul; gelezen als 011222335",
        "Aantal '12,5' is tekst met een decimale komma; gelezen als het getal 12,5",
        "Begindatum '01-03-2023' is een datum als tekst; gelezen als 01-03-2023",
        "Aantal '60' is een getal opgeslagen als tekst; gelezen als 60",
        "Tarief '0,90' is tekst met een decimale komma; gelezen als het getal 0,90",
    ]
    assert {f["ernst"] for f in found} == {"waarschuwing"}


def test_pm022_strictly_read_values_pass() -> None:
    assert check("PM022", [regel(aantal__soepel=False)]) == []


# -- the run and the catalogue ----------------------------------------------------------------


def test_findings_are_sorted_by_row_then_check_and_point_at_a_cell() -> None:
    rows = [regel(bsn="111222334", productcode=None), regel(aantal=None, aantal__tekst="x")]
    found = run_checks(productie(*rows), None, None, PLAIN)
    assert found.select("rij", "controle").rows() == [(2, "PM001"), (2, "PM002"), (3, "PM001")]
    assert found["cel"].to_list() == ["C2", "A2", "G3"]
    assert found["blad"].unique().to_list() == ["Productie"]


def test_no_findings_gives_an_empty_frame_with_the_finding_columns() -> None:
    found = run_checks(productie(regel()), None, None, PLAIN)
    assert found.is_empty()
    assert found.schema == pl.Schema(FINDING_SCHEMA)


def test_checks_switched_off_in_the_profile_are_not_run() -> None:
    off = profile_from_text('sleutel = "x"\n[controles]\nuit = ["PM002"]\n', "x")
    assert check("PM002", [regel(bsn="111222334")], profile=off) == []
    plan = dict((c.id, reason) for c, reason in check_plan(None, None, off))
    assert plan["PM002"] == "uitgeschakeld in regioprofiel 'x'"
    assert plan["PM005"] == "overgeslagen: geen toewijzingen"
    assert plan["PM009"] == "overgeslagen: geen productenlijst"
    assert plan["PM001"] is None


def test_catalogue_is_pm001_to_pm032_in_order_with_the_domain_severities() -> None:
    assert [c.id for c in CATALOGUE] == [f"PM{i:03d}" for i in range(1, 33)]
    warnings = {c.id for c in CATALOGUE if c.ernst == "waarschuwing"}
    assert warnings - {"PM023"} == {"PM018", "PM022", "PM029", "PM030", "PM031", "PM032"}
    # PM016 is a fout for a period wholly after the 18th birthday, a waarschuwing for part
    # PM015's first row of a double is a waarschuwing that names the later rows
    assert {c.id for c in CATALOGUE if c.ernst_toelichting} == {
        "PM010",
        "PM011",
        "PM015",
        "PM016",
    }
    assert {c.id for c in CATALOGUE if c.tabel == "toewijzingen"} == {
        "PM029",
        "PM030",
        "PM031",
        "PM032",
    }


@pytest.mark.parametrize("declaration", CATALOGUE, ids=lambda c: c.id)
def test_every_check_docstring_has_the_three_parts(declaration: Any) -> None:
    doc = declaration.docstring
    positions = [doc.find(section) for section in DOC_SECTIONS]
    assert -1 not in positions and positions == sorted(positions), declaration.id
    for start, end in zip(positions, [*positions[1:], len(doc)], strict=True):
        body = doc[start:end].split("\n", 1)[1].strip()
        assert len(body) > 20, (declaration.id, body)
    assert declaration.titel and declaration.bron


@pytest.mark.parametrize("declaration", CATALOGUE, ids=lambda c: c.id)
def test_every_check_has_a_test(declaration: Any) -> None:
    names = set()
    for path in Path(__file__).parent.glob("test_checks*.py"):
        names |= set(re.findall(r"^def (test_pm\d{3}_\w+)", path.read_text("utf-8"), re.M))
    assert any(n.startswith(f"test_{declaration.id.lower()}_") for n in names), declaration.id


def test_docs_controles_is_generated_from_the_catalogue() -> None:
    path = ROOT / "docs" / "controles.md"
    assert path.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/controles.md is verouderd: python -c 'from jeugdhulp.checks import "
        'catalogue_markdown; print(catalogue_markdown(), end="")\' > docs/controles.md'
    )


def test_the_readme_fix_table_is_generated_from_the_catalogue() -> None:
    """The README's "Een bevinding herstellen" table: every check with its herstel text."""
    from jeugdhulp.checks import HERSTEL_BEGIN, HERSTEL_END, herstel_markdown

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index(HERSTEL_BEGIN), text.index(HERSTEL_END) + len(HERSTEL_END) + 1
    assert text[start:end] == herstel_markdown(), (
        "README.md: de tabel onder 'Een bevinding herstellen' is verouderd; vervang haar door "
        "jeugdhulp.checks.herstel_markdown()"
    )
    assert all(c.herstel for c in CATALOGUE)
