"""PM023 (values the file does not give) and the findings made true to what was read.

The tables are built the way the readers build them (`jeugdhulp.cells.text_frame` and
`table_from_body`), with the unknown cells and merged ranges a sheet scan would report.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from jeugdhulp.cells import head_rows, table_from_body, text_frame
from jeugdhulp.checks import run_checks
from jeugdhulp.columns import detect_header
from jeugdhulp.profile import profile_from_text
from jeugdhulp.schema import FOUTWAARDE, GEEN_UITKOMST, HERBEREKENEN, TableInfo

PLAIN = profile_from_text('sleutel = "kaal"\nnaam = "Kaal"\n[controles]\nuit = []\n', "kaal")
HEADER = ["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal", "Tarief", "Bedrag"]
MARCH = [dt.date(2023, 3, 1), dt.date(2023, 3, 31)]


def sheet(rows: list[list[object]], **scan: object) -> TableInfo:
    """A production sheet with HEADER in row 1 and `rows` below, read as the reader reads it."""
    frame = text_frame([HEADER, *rows])
    header = detect_header(head_rows(frame), "productie")
    assert header is not None
    return table_from_body(
        frame.slice(header.index + 1), "productie", header, "Productie", 1, **scan
    )


def check(info: TableInfo) -> pl.DataFrame:
    return run_checks(info, None, None, PLAIN)


def found(findings: pl.DataFrame) -> list[tuple[int, str, str]]:
    return findings.select("rij", "cel", "controle").rows()


def test_pm023_formula_without_result_is_unknown_not_empty() -> None:
    # J3 (Bedrag) and F2 (Aantal, required) are formulas without a saved result.
    info = sheet(
        [
            ["111222333", "45A48", *MARCH, "01", None, 0.9, 54.0],
            ["111222333", "45A49", *MARCH, "01", 60, 0.9, None],
        ],
        onbekend=[(2, 5, GEEN_UITKOMST, "F1*2", None), (3, 7, GEEN_UITKOMST, "F3*G3+1", None)],
    )
    assert info.onbekend.select("_rij", "kolom", "letter").rows() == [
        (2, "aantal", "F"),
        (3, "bedrag", "H"),
    ]
    findings = check(info)
    pm023 = findings.filter(pl.col("controle") == "PM023")
    assert pm023.select("rij", "cel", "waarde").rows() == [
        (2, "F2", "=F1*2"),
        (3, "H3", "=F3*G3+1"),
    ]
    assert pm023["melding"][1] == (
        "Bedrag is een formule zonder opgeslagen uitkomst (=F3*G3+1): de waarde is onbekend en "
        "telt niet mee; open het bestand in Excel en sla het op"
    )
    # Not "Aantal is leeg" (PM001): the cell is not empty, its value is unknown.
    assert not findings.filter((pl.col("cel") == "F2") & (pl.col("controle") != "PM023")).height
    assert all(pm023["ernst"] == "fout")


def test_pm023_placeholder_and_error_value() -> None:
    info = sheet(
        [
            ["111222333", "45A48", *MARCH, "01", 60, 0.9, None],
            ["111222333", "45A49", *MARCH, "01", 60, None, 54.0],
        ],
        onbekend=[(2, 7, HERBEREKENEN, "F2*G2", "0"), (3, 6, FOUTWAARDE, "H3/F3", "#DIV/0!")],
    )
    messages = check(info).filter(pl.col("controle") == "PM023")["melding"].to_list()
    assert messages[0].startswith("Bedrag is een formule (=F2*G2) met als opgeslagen uitkomst '0'")
    assert "opnieuw te berekenen" in messages[0]
    assert messages[1].startswith("Tarief bevat de foutwaarde #DIV/0! (=H3/F3)")


def test_pm023_not_on_template_rows_and_not_on_unchecked_columns() -> None:
    # Row 3 holds nothing but a formula without result in Bedrag (a template row: =Aantal *
    # Tarief down an empty sheet); column J is not read.
    info = sheet(
        [["111222333", "45A48", *MARCH, "01", 60, 0.9, 54.0], [None] * 7 + [None]],
        onbekend=[(3, 7, GEEN_UITKOMST, "F3*G3", None), (2, 9, GEEN_UITKOMST, "1+1", None)],
    )
    assert info.frame["_rij"].to_list() == [2]
    assert info.onbekend.height == 0
    assert check(info).filter(pl.col("controle") == "PM023").height == 0
    # ... and the row left out is not left out silently
    assert any(m.startswith("1 rij(en) zonder gegevens") and "rij 3" in m for m in info.meldingen)


def test_rows_of_formulas_without_results_are_rows_with_unknown_values() -> None:
    """A row whose identifying cells are formulas without a result (=Export!A3, never
    calculated) is a row whose values are unknown, not an empty row: PM023 on its cells, so the
    file is not clean (rev9 defect 2)."""
    info = sheet(
        [["111222333", "45A48", *MARCH, "01", 60, 0.9, 54.0], [None] * 8],
        onbekend=[
            (3, col, GEEN_UITKOMST, f"Export!{letter}3", None)
            for col, letter in enumerate("ABCDEFGH")
        ],
    )
    assert info.frame["_rij"].to_list() == [2, 3]
    assert info.onbekend.height == 8
    findings = check(info)
    assert set(findings.filter(pl.col("rij") == 3)["controle"]) == {"PM023"}
    assert findings.filter(pl.col("controle") == "PM023").height == 8


def test_pm023_shared_formula_without_text_is_reported_without_it() -> None:
    info = sheet(
        [["111222333", "45A48", *MARCH, "01", 60, 0.9, None]],
        onbekend=[(2, 7, GEEN_UITKOMST, None, None)],
    )
    finding = check(info).filter(pl.col("controle") == "PM023").row(0, named=True)
    assert finding["waarde"] == ""
    assert finding["melding"].startswith("Bedrag is een formule zonder opgeslagen uitkomst:")


def test_merged_bsn_takes_the_anchor_and_marks_point_at_it() -> None:
    # BSN merged over A2:A4 (one client, three rows); the BSN fails the elfproef.
    info = sheet(
        [
            ["123456789", "45A48", *MARCH, "01", 60, 0.9, 54.0],
            [None, "45A49", *MARCH, "01", 30, 0.9, 27.0],
            [None, "45A50", *MARCH, "01", 10, 0.9, 9.0],
        ],
        samengevoegd=[(2, 0, 4, 0)],
    )
    assert info.frame["bsn"].to_list() == ["123456789"] * 3
    assert info.samengevoegd == ["A2:A4"]
    assert any("Samengevoegde cellen in kolom 'BSN' (A2:A4)" in m for m in info.meldingen)
    findings = check(info).filter(pl.col("controle") == "PM002")
    assert found(findings) == [(2, "A2", "PM002"), (3, "A2", "PM002"), (4, "A2", "PM002")]
    assert findings["melding"][0].endswith("(samengevoegde cellen A2:A4)")
    assert findings["melding"][1].endswith(
        "(cel A3 valt in de samengevoegde cellen A2:A4; de waarde staat in A2)"
    )


def test_merged_valid_bsn_is_not_empty() -> None:
    info = sheet(
        [
            ["111222333", "45A48", *MARCH, "01", 60, 0.9, 54.0],
            [None, "45A49", *MARCH, "01", 6, 0.9, 5.4],
        ],
        samengevoegd=[(2, 0, 3, 0)],
    )
    findings = check(info)
    assert not findings.filter(pl.col("controle").is_in(["PM001", "PM002"])).height


def test_merged_range_above_the_data_is_not_filled_into_it() -> None:
    # A title merged over A1:H1 is not data; a merge anchored in the header row neither.
    info = sheet(
        [["111222333", "45A48", *MARCH, "01", 60, 0.9, 54.0], [None] * 8],
        samengevoegd=[(1, 0, 3, 7)],
    )
    assert info.samengevoegd == []
    assert info.frame["_rij"].to_list() == [2]


def test_merged_unknown_anchor_makes_every_cell_unknown() -> None:
    info = sheet(
        [
            ["111222333", "45A48", *MARCH, "01", 60, 0.9, None],
            ["111222333", "45A48", *MARCH, "01", 6, 0.9, None],
        ],
        onbekend=[(2, 7, GEEN_UITKOMST, "SUM(F2:F3)*G2", None)],
        samengevoegd=[(2, 7, 3, 7)],
    )
    assert info.onbekend.select("_rij", "letter").rows() == [(2, "H"), (3, "H")]


def test_pm022_ambiguous_number_says_both_readings() -> None:
    # Typed as text: "1.200" (read 1200) and "1,200" (read 1,2); no other text shows the convention.
    info = sheet(
        [
            ["111222333", "45A48", *MARCH, "01", "1.200", 0.9, 1080.0],
            ["111222333", "45A49", *MARCH, "01", "1,200", 0.9, 1.08],
        ]
    )
    assert info.frame["aantal"].to_list() == [Decimal("1200"), Decimal("1.2")]
    assert info.frame["aantal__dubbelzinnig"].to_list() == [True, True]
    messages = check(info).filter(pl.col("controle") == "PM022")["melding"].to_list()
    assert messages == [
        "Aantal '1.200' is dubbelzinnig en gelezen als 1200 (de punt als scheiding van "
        "duizendtallen, zoals in het Nederlands); is 1,2 bedoeld, typ dan 1,2",
        "Aantal '1,200' is dubbelzinnig en gelezen als 1,2 (de komma als decimaalteken, zoals in "
        "het Nederlands); is 1200 bedoeld, typ dan 1200",
    ]


def test_pm022_number_cells_that_look_dutch_are_numbers() -> None:
    # A number cell 7,688 (a float) arrives as the text "7.688": not 7688, not lenient.
    info = sheet([["111222333", "45A48", *MARCH, "04", 7.688, 0.9, 6.92]])
    assert info.frame["aantal"].to_list() == [Decimal("7.688")]
    assert check(info).filter(pl.col("controle") == "PM022").height == 0


def test_pm022_dutch_evidence_settles_the_ambiguity() -> None:
    # Bedrag "1.080,00" shows the Dutch convention, so "1.200" is simply twelve hundred.
    info = sheet([["111222333", "45A48", *MARCH, "01", "1.200", "0,90", "1.080,00"]])
    assert info.frame["aantal"].to_list() == [Decimal("1200")]
    assert info.frame["aantal__dubbelzinnig"].to_list() == [False]
    messages = check(info).filter(pl.col("controle") == "PM022")["melding"].to_list()
    assert not any("dubbelzinnig" in m for m in messages)


def test_merge_across_two_fields_gives_the_other_field_nothing() -> None:
    # Aantal merged over Tarief (F2:G2): Excel has no tariff there; it is not Aantal's value.
    info = sheet(
        [["111222333", "45A48", *MARCH, "01", 60, None, 54.0]], samengevoegd=[(2, 5, 2, 6)]
    )
    assert info.frame.select("aantal", "tarief").rows() == [(Decimal("60"), None)]
    assert any("lopen over de kolommen Aantal, Tarief" in m for m in info.meldingen)


def test_pm022_english_table_takes_the_english_reading() -> None:
    # Texts "54.42" and "68,025.00" show the English convention; "1,250" is then 1250.
    info = sheet([["111222333", "45A48", *MARCH, "04", "1,250", "54.42", "68,025.00"]])
    assert info.frame["aantal"].to_list() == [Decimal("1250")]
    messages = check(info).filter(pl.col("controle") == "PM022")["melding"].to_list()
    assert (
        "Aantal '1,250' is dubbelzinnig en gelezen als 1250 (de komma als scheiding van "
        "duizendtallen, zoals elders in deze tabel); is 1,25 bedoeld, typ dan 1,25"
    ) in messages


def test_a_second_column_for_one_field_is_named_not_silently_dropped() -> None:
    frame = text_frame(
        [[*HEADER, "Ingediend bedrag"], ["111222333", "45A48", *MARCH, "01", 60, 0.9, 54.0, 99.0]]
    )
    header = detect_header(head_rows(frame), "productie")
    assert header is not None
    info = table_from_body(frame.slice(1), "productie", header, "Productie", 1)
    assert info.frame["bedrag"].to_list() == [Decimal("54")]
    assert (
        "Kolom 'Ingediend bedrag' (I) niet gelezen: kolom 'Bedrag' (H) is al gelezen als Bedrag."
        in info.meldingen
    )


def test_totals_row_is_not_a_declaration() -> None:
    info = sheet(
        [
            ["111222333", "45A48", *MARCH, "01", 60, 0.9, 54.0],
            ["111222333", "45A49", *MARCH, "01", 10, 0.9, 9.0],
            [None] * 8,
            ["Totaal", None, None, None, None, 70, None, 63.0],
            [None, None, None, None, "Subtotaal maart", None, None, 60.0],
        ]
    )
    assert info.frame["_rij"].to_list() == [2, 3]
    assert (
        "Rij 5 ('Totaal') is een totaalregel, geen declaratie: niet gelezen (bedrag € 63,00, "
        "gelijk aan de regels samen: € 63,00)." in info.meldingen
    )
    assert any(
        m.startswith("Rij 6 ('Subtotaal maart')") and "anders dan" in m for m in info.meldingen
    )
    assert check(info).filter(pl.col("rij") >= 5).height == 0


def test_a_declaration_that_mentions_totaal_is_kept() -> None:
    # A filled BSN and code: a declaration, whatever its other cells say.
    info = sheet([["111222333", "45A48", *MARCH, "Totaal", 60, 0.9, 54.0]])
    assert info.frame["_rij"].to_list() == [2]
