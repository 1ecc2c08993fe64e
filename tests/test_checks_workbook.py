"""Checks over a whole workbook: production split over several sheets, values the file does not
give inside sums, and the declared amount with credit lines.

The sheets are built the way the readers build them (`jeugdhulp.cells.table_from_body`); the
batch tests write real workbooks and run `check_file`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl

from batch.run import Options, check_file
from jeugdhulp.cells import head_rows, table_from_body, text_frame
from jeugdhulp.checks import declared_amounts, run_checks
from jeugdhulp.columns import detect_header
from jeugdhulp.schema import GEEN_UITKOMST, TableInfo
from tests.frames import productie, toewijzingen
from tests.test_checks import PLAIN, regel, toewijzing

D = dt.date
HEADER = [
    "BSN",
    "Toewijzingnummer",
    "Productcode",
    "Begindatum",
    "Einddatum",
    "Eenheid",
    "Aantal",
    "Bedrag",
]
MARCH, APRIL = [D(2023, 3, 1), D(2023, 3, 31)], [D(2023, 4, 1), D(2023, 4, 30)]


def sheet(
    name: str, rows: list[list[object]], header: list[str] = HEADER, **scan: object
) -> TableInfo:
    """A production sheet `name` with `header` in row 1 and `rows` below, as the reader reads it."""
    frame = text_frame([header, *rows])
    found = detect_header(head_rows(frame), "productie")
    assert found is not None
    return table_from_body(frame.slice(found.index + 1), "productie", found, name, 1, **scan)


def line(number: str, period: list[D], aantal: object, bedrag: object = None) -> list[object]:
    return ["111222333", number, "45A48", *period, "04", aantal, bedrag]


ALLOCATIONS = toewijzingen(
    toewijzing(eenheid="04", volume="10", frequentie="6", budget="1000", trajecttype="herstel"),
    toewijzing(toewijzingnummer="T2", eenheid="04", volume="10", frequentie="6"),
)


def findings(sheets: list[TableInfo], check_id: str) -> list[tuple[str, int, str]]:
    found = run_checks(sheets, ALLOCATIONS, None, PLAIN, vandaag=D(2024, 6, 1))
    chosen = found.filter(pl.col("controle") == check_id)
    return chosen.select("blad", "rij", "melding").rows()


# -- item 1: several production sheets ---------------------------------------------------------


def test_only_the_sum_over_two_sheets_overruns_the_volume() -> None:
    januari = sheet("Januari", [line("T1", MARCH, 6)])
    februari = sheet("Februari", [line("T1", APRIL, 5)])
    assert findings([januari], "PM011") == []
    assert findings([februari], "PM011") == []
    assert findings([januari, februari], "PM011") == [
        (
            "Februari",
            2,
            "opgeteld 11 uur tot en met deze regel is meer dan 10 uur over de hele toewijzing T1"
            " (toegewezen 10 uur voor de hele looptijd)",
        )
    ]


def test_the_budget_sums_over_the_sheets() -> None:
    januari = sheet("Januari", [line("T1", MARCH, 1, 600)])
    februari = sheet("Februari", [line("T1", APRIL, 1, 500)])
    assert [(b, r) for b, r, _ in findings([januari, februari], "PM012")] == [("Februari", 2)]


def test_a_declaration_repeated_on_another_sheet_names_that_sheet() -> None:
    januari = sheet("Januari", [line("T2", MARCH, 1), line("T2", APRIL, 1)])
    februari = sheet("Februari", [line("T2", MARCH, 1)])
    assert findings([januari, februari], "PM015") == [
        (
            "Januari",
            2,
            "toewijzing T2, productcode 45A48 en periode 01-03-2023 t/m 31-03-2023 staan nog eens"
            " op regel 2 op blad 'Februari': dubbel gedeclareerd",
        ),
        (
            "Februari",
            2,
            "zelfde toewijzing T2, productcode 45A48 en periode 01-03-2023 t/m 31-03-2023 als"
            " regel 2 op blad 'Januari': dubbel gedeclareerd",
        ),
    ]
    # on the same sheet the message needs no sheet
    same = sheet("Januari", [line("T2", MARCH, 1), line("T2", MARCH, 1)])
    assert findings([same, februari], "PM015")[1][2].endswith("als regel 2: dubbel gedeclareerd")


def test_cells_and_missing_columns_are_per_sheet() -> None:
    # Februari has no Bedrag column and its own letters; Maart lacks Einddatum altogether
    januari = sheet("Januari", [line("T1", MARCH, 1, 54)])
    februari = sheet(
        "Februari",
        [["111222333", "45A48", "T2", *APRIL, "04", None]],
        ["BSN", "Productcode", "Toewijzingnummer", "Begindatum", "Einddatum", "Eenheid", "Aantal"],
    )
    maart = sheet(
        "Maart",
        [["111222333", "T2", "45A48", D(2023, 3, 1), "04", 1]],
        ["BSN", "Toewijzingnummer", "Productcode", "Begindatum", "Eenheid", "Aantal"],
    )
    found = run_checks([januari, februari, maart], ALLOCATIONS, None, PLAIN)
    pm001 = found.filter(pl.col("controle") == "PM001").select("blad", "rij", "cel", "melding")
    assert pm001.rows() == [
        ("Februari", 2, "G2", "Aantal is leeg; dit veld is verplicht"),
        ("Maart", 1, "A1", "de verplichte kolom Einddatum ontbreekt in het blad"),
    ]


def test_allocation_list_checks_run_once_for_all_sheets() -> None:
    doubled = toewijzingen(toewijzing(), toewijzing(toewijzingnummer="T2"))
    januari = sheet("Januari", [line("T1", MARCH, 1)])
    februari = sheet("Februari", [line("T1", APRIL, 1)])
    found = run_checks([januari, februari], doubled, None, PLAIN)
    assert found.filter(pl.col("controle") == "PM031").select("blad", "rij").rows() == [
        ("Toewijzingen", 3)
    ]


def test_batch_checks_the_sheets_together_and_adds_their_amounts(tmp_path: Path) -> None:
    path = tmp_path / "maanden.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, period, aantal in (("Januari", MARCH, 6), ("Februari", APRIL, 5)):
        ws = book.create_sheet(name)
        ws.append(HEADER)
        ws.append(line("T1", period, aantal, 100))
    alloc = book.create_sheet("Toewijzingen")
    alloc.append(["BSN", "Toewijzingnummer", "Productcategorie", "Productcode", "Ingangsdatum"])
    alloc.append(["111222333", "T1", "45", "45A48", D(2023, 1, 1)])
    alloc.cell(1, 6, "Volume")
    alloc.cell(1, 7, "Eenheid")
    alloc.cell(2, 6, 10)
    alloc.cell(2, 7, "04")
    book.save(path)
    kaal = tmp_path / "kaal.toml"
    kaal.write_text('sleutel = "kaal"\n', encoding="utf-8")
    result = check_file(path, Options(profiel=str(kaal), schrijven=False))
    assert result.checked, result.melding
    pm011 = result.bevindingen.filter(pl.col("controle") == "PM011")
    assert pm011.select("blad", "rij", "retourcode").rows() == [("Februari", 2, "9322")]
    assert result.bedrag_gedeclareerd == Decimal(200)
    assert result.bedrag_met_fout == Decimal(100)
    assert not any("apart gecontroleerd" in m for m in result.meldingen)


# -- item 2: a value the file does not give, inside a sum ---------------------------------------


def test_pm011_says_the_total_holds_an_unknown_quantity() -> None:
    # Aantal of row 3 is a formula without a saved result (G3): the 9 uur known fit the 10
    info = sheet(
        "Productie",
        [line("T1", MARCH, 9), line("T1", APRIL, None)],
        onbekend=[(3, 6, GEEN_UITKOMST, "G2*2", None)],
    )
    found = run_checks(info, ALLOCATIONS, None, PLAIN).filter(
        pl.col("controle").is_in(["PM011", "PM023"])
    )
    assert found.select("rij", "cel", "controle", "ernst").rows() == [
        (3, "B3", "PM011", "waarschuwing"),
        (3, "G3", "PM023", "fout"),
    ]
    assert found["melding"][0] == (
        "het aantal in deze regel is onbekend (PM023): het opgetelde aantal op toewijzing T1 is"
        " zonder deze regel getoetst en dus niet volledig; controleer opnieuw als de waarde"
        " bekend is"
    )
    # a known overrun stays a fout, next to the note
    over = sheet(
        "Productie",
        [line("T1", MARCH, 11), line("T1", APRIL, None)],
        onbekend=[(3, 6, GEEN_UITKOMST, "G2*2", None)],
    )
    checked = run_checks(over, ALLOCATIONS, None, PLAIN).filter(pl.col("controle") == "PM011")
    assert checked.select("rij", "ernst").rows() == [(2, "fout"), (3, "waarschuwing")]


def test_pm012_says_the_total_holds_an_unknown_amount() -> None:
    info = sheet(
        "Productie",
        [line("T1", MARCH, 1, 900), line("T1", APRIL, 1, None)],
        onbekend=[(3, 7, GEEN_UITKOMST, "G3*100", None)],
    )
    found = run_checks(info, ALLOCATIONS, None, PLAIN).filter(pl.col("controle") == "PM012")
    assert found.select("rij", "cel", "ernst").rows() == [(3, "B3", "waarschuwing")]
    assert "het bedrag in deze regel is onbekend (PM023)" in found["melding"][0]
    # an allocation without a volume or budget has no total to doubt
    plain = toewijzingen(toewijzing())
    none = run_checks(info, plain, None, PLAIN).filter(pl.col("controle").is_in(["PM011", "PM012"]))
    assert none.height == 0


# -- item 4: the declared amount nets credit lines ---------------------------------------------


def test_declared_amount_subtracts_credit_lines() -> None:
    rows = productie(
        regel(bedrag="1000"),
        regel(bedrag="1000", debet_credit="C"),  # a credit written positive
        regel(bedrag="-250"),  # without Debet/credit C: a negative amount is a credit
        regel(bedrag="300", debet_credit="D"),
    )
    no_findings = run_checks(rows, None, None, PLAIN).head(0)
    assert declared_amounts(rows, no_findings) == (Decimal("50"), Decimal(0))
    fout_on_credit = pl.DataFrame(
        {"blad": ["Productie"], "rij": [3], "ernst": ["fout"], "controle": ["PM010"]}
    )
    assert declared_amounts([rows], fout_on_credit) == (Decimal("50"), Decimal("-1000"))


def test_declared_amount_counts_a_row_once_and_leaves_unknown_amounts_out() -> None:
    two_lines = productie(
        regel(_rij=2, bedrag="324.42", eenheid="01", aantal="300"),
        regel(_rij=2, bedrag="324.42", eenheid="04", aantal="1"),
        regel(_rij=3, bedrag=None),
    )
    empty = pl.DataFrame(schema={"blad": pl.String, "rij": pl.Int64, "ernst": pl.String})
    assert declared_amounts(two_lines, empty) == (Decimal("324.42"), Decimal(0))


def test_findings_on_the_allocation_list_are_not_declared_rows() -> None:
    rows = productie(regel(bedrag="100"))
    on_list = pl.DataFrame({"blad": ["Toewijzingen"], "rij": [2], "ernst": ["fout"]})
    assert declared_amounts(rows, on_list) == (Decimal(100), Decimal(0))


def test_stacked_arrangements_on_two_sheets_are_found() -> None:
    from jeugdhulp.profile import load_profile

    hvb = load_profile("hart-van-brabant")
    header = ["BSN", "Arrangementscode", "Begindatum", "Einddatum", "Minuten"]
    eerste = sheet(
        "Eerste helft", [["111222333", "50H23", D(2017, 1, 1), D(2017, 6, 30), 600]], header
    )
    tweede = sheet(
        "Tweede helft", [["111222333", "50H12", D(2017, 3, 1), D(2017, 4, 30), 60]], header
    )
    found = run_checks([eerste, tweede], None, None, hvb, vandaag=D(2018, 1, 1))
    stacked = found.filter(pl.col("controle") == "PM013").select("blad", "rij", "cel").rows()
    assert stacked == [("Eerste helft", 2, "B2"), ("Tweede helft", 2, "B2")]


def test_a_merged_range_moves_findings_on_its_own_sheet_only() -> None:
    # Januari merges A2:A3 (one BSN for two rows); Februari has no merge: its A3 stays A3
    bad = ["111222334", "T1", "45A48", *MARCH, "04", 1, None]
    januari = sheet("Januari", [bad, bad], samengevoegd=[(2, 0, 3, 0)])
    februari = sheet("Februari", [line("T1", APRIL, 1), bad])
    found = run_checks([januari, februari], None, None, PLAIN).filter(pl.col("controle") == "PM002")
    assert found.select("blad", "rij", "cel").rows() == [
        ("Januari", 2, "A2"),
        ("Januari", 3, "A2"),
        ("Februari", 3, "A3"),
    ]
    assert "valt in de samengevoegde cellen A2:A3" in found["melding"][1]
