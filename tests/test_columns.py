"""Canonical columns, synonyms, unit codes and header-row detection (jeugdhulp.columns)."""

from __future__ import annotations

import pytest

from jeugdhulp.columns import (
    COLUMNS,
    QUANTITY_COLUMNS,
    UNIT_CODES,
    detect_header,
    find_header_row,
    map_headers,
    match_header,
    missing_required,
    required_headers_text,
    synonym_notes,
    table_for_headers,
    table_for_sheet,
    table_for_sheet_name,
    unit_code,
)
from jeugdhulp.schema import PRODUCTEN, PRODUCTIE, TOEWIJZINGEN

SCHEMAS = {"productie": PRODUCTIE, "toewijzingen": TOEWIJZINGEN, "producten": PRODUCTEN}


@pytest.mark.parametrize("table", ["productie", "toewijzingen", "producten"])
def test_every_schema_column_has_a_canonical_column(table: str) -> None:
    names = {col.naam for col in COLUMNS[table]}
    expected = {n for n in SCHEMAS[table] if not n.startswith("_")}
    assert expected <= names
    # The only extra names are the 2017 quantity columns of Productie.
    assert names - expected == (
        {q.naam for q in QUANTITY_COLUMNS} if table == "productie" else set()
    )


@pytest.mark.parametrize(
    ("header", "naam"),
    [
        ("BSN", "bsn"),
        ("Burgerservicenummer", "bsn"),
        ("bsn client", "bsn"),
        ("BSN-cliënt", "bsn"),
        ("  bsn_CLIENT ", "bsn"),
        ("Toewijzingsnummer", "toewijzingnummer"),
        ("Beschikkingnummer", "toewijzingnummer"),
        ("Categorie", "productcategorie"),
        ("Arrangementscode", "productcode"),
        ("Code", "productcode"),
        ("Startdatum", "begindatum"),
        ("Ingangsdatum", "begindatum"),
        ("Van", "begindatum"),
        ("Begindatum (dd-mm-jjjj)", "begindatum"),
        ("Tot en met", "einddatum"),
        ("Tot", "einddatum"),
        ("Geleverd volume", "aantal"),
        ("Volume", "aantal"),
        ("Producttarief", "tarief"),
        ("Ingediend bedrag", "bedrag"),
        ("Direct/indirect", "soort_tijd"),
        ("REDEN BEËINDIGING", "reden_beeindiging"),
        ("Reden einde", "reden_beeindiging"),
        ("Overgangscliënt", "overgangsclient"),
        ("overgangsclient", "overgangsclient"),
        ("AGB-code", "aanbieder"),
        ("Gemeentecode", "gemeente"),
        ("Minuten", "minuten"),
        ("Aantal minuten", "minuten"),
        ("Uren", "uren"),
        ("Dagdelen", "dagdelen"),
        ("Ligdagen", "ligdagen"),
        ("Etmalen", "ligdagen"),
        ("Sessies", "sessies"),
        ("Stuks", "sessies"),
    ],
)
def test_productie_synonyms(header: str, naam: str) -> None:
    found = match_header(header, "productie")
    assert found is not None
    assert found[0] == naam


def test_synonyms_differ_per_table() -> None:
    assert match_header("Volume", "toewijzingen") == ("volume", 0)
    assert match_header("Volume", "productie") == ("aantal", 1)
    assert match_header("Ingangsdatum", "toewijzingen") == ("ingangsdatum", 0)
    assert match_header("Geldig vanaf", "producten") == ("geldig_vanaf", 0)
    assert match_header("Opmerking", "productie") is None
    assert match_header(None, "productie") is None
    assert match_header("", "productie") is None


def test_map_headers_prefers_the_canonical_name_then_the_leftmost() -> None:
    mapping = map_headers(["Code", "Productcode", "BSN", "Burgerservicenummer", "BSN"], "productie")
    assert mapping == {"bsn": 2, "productcode": 1}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1", "01"),
        ("01", "01"),
        ("4", "04"),
        ("4.0", "04"),
        ("14", "14"),
        ("minuut", "01"),
        ("Minuten", "01"),
        ("uur", "04"),
        ("Uren", "04"),
        ("etmaal", "14"),
        ("Ligdagen", "14"),
        ("dagdeel", "16"),
        ("Dagdelen", "16"),
        ("stuks", "82"),
        ("Stuks (inspanning)", "84"),
        ("euro", "83"),
        ("euro's", "83"),
        ("kilo", None),
        ("123", None),
        ("", None),
        (None, None),
    ],
)
def test_unit_code(value: str | None, code: str | None) -> None:
    assert unit_code(value) == code


def test_unit_codes_are_ijw_codes() -> None:
    assert set(UNIT_CODES.values()) <= {"01", "04", "14", "16", "82", "83", "84"}
    assert {q.naam: q.eenheid for q in QUANTITY_COLUMNS} == {
        "minuten": "01",
        "uren": "04",
        "dagdelen": "16",
        "ligdagen": "14",
        "sessies": "82",
    }


def test_header_below_title_rows() -> None:
    rows: list[list[str | None]] = [
        ["Productiemonitor jeugdhulp 2023", None, None],
        ["Aanbieder: Voorbeeld BV", None, None],
        [],
        [None, None, None],
        ["Burgerservicenummer", "Productcode", "Startdatum", "Einddatum", "Eenheid", "Aantal"],
        ["111222333", "45A48", "01-03-2023", "31-03-2023", "01", "120"],
    ]
    index, mapping = find_header_row(rows, "productie")
    assert index == 4
    assert mapping == {
        "bsn": 0,
        "productcode": 1,
        "begindatum": 2,
        "einddatum": 3,
        "eenheid": 4,
        "aantal": 5,
    }


def test_header_with_most_required_columns_wins() -> None:
    rows: list[list[str | None]] = [
        ["BSN", "Code"],  # a legend that happens to name two columns
        [],
        ["BSN", "Code", "Van", "Tot", "Eenheid", "Aantal"],
    ]
    assert find_header_row(rows, "productie")[0] == 2


def test_no_header_raises() -> None:
    with pytest.raises(ValueError, match="geen kopregel"):
        find_header_row([["Naam", "Adres"], ["Jan", "Dorpsstraat 1"]], "productie")


def test_header_beyond_scan_limit_is_not_found() -> None:
    rows: list[list[str | None]] = [[f"titel {i}"] for i in range(30)]
    rows.append(["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal"])
    assert detect_header(rows, "productie") is None


def test_two_row_header_with_merged_cells() -> None:
    # "BSN" and "Productcode" merged over rows 1-2, "Periode" merged over two columns above
    # Begindatum / Einddatum: the reader gives a merged value only in its top-left cell.
    rows: list[list[str | None]] = [
        ["Productiemonitor 2017", None, None, None, None],
        ["BSN", "Productcode", "Periode", None, "Minuten"],
        [None, None, "Begindatum", "Einddatum", None],
        ["111222333", "50H23", "01-01-2017", "31-01-2017", "120"],
    ]
    header = detect_header(rows, "productie")
    assert header is not None
    assert header.index == 2
    assert header.rows_used == 2
    assert header.mapping == {
        "bsn": 0,
        "productcode": 1,
        "begindatum": 2,
        "einddatum": 3,
        "minuten": 4,
    }
    assert header.headers[:2] == ["BSN", "Productcode"]


def test_2017_style_needs_no_eenheid_or_aantal() -> None:
    mapping = map_headers(["BSN", "Code", "Van", "Tot", "Minuten", "Ligdagen"], "productie")
    assert missing_required(mapping, "productie") == []
    plain = map_headers(["BSN", "Code", "Van", "Tot"], "productie")
    assert missing_required(plain, "productie") == ["eenheid", "aantal"]


def test_table_by_sheet_name() -> None:
    assert table_for_sheet_name("Productie") == "productie"
    assert table_for_sheet_name("productie 2023") == "productie"
    assert table_for_sheet_name("Productiemonitor") == "productie"
    assert table_for_sheet_name("Toewijzingen") == "toewijzingen"
    assert table_for_sheet_name("JW301") == "toewijzingen"
    assert table_for_sheet_name("Producten") == "producten"
    assert table_for_sheet_name("Tarieven 2023") == "producten"
    assert table_for_sheet_name("Blad1") is None
    assert table_for_sheet_name("Toelichting") is None
    assert table_for_sheet_name("Productie januari") == "productie"
    assert table_for_sheet_name("Productcodes 2023") == "producten"


def test_table_by_headers() -> None:
    productie = [["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal"]]
    toewijzingen = [
        ["BSN", "Toewijzingnummer", "Productcategorie", "Productcode", "Ingangsdatum", "Einddatum"]
    ]
    producten = [["Productcategorie", "Productcode", "Omschrijving", "Eenheid", "Tarief"]]
    for rows, table in [
        (productie, "productie"),
        (toewijzingen, "toewijzingen"),
        (producten, "producten"),
    ]:
        found = table_for_headers(rows)
        assert found is not None
        assert found[0] == table
    assert table_for_headers([["Naam", "Adres"]]) is None
    # Limited to the tables still wanted:
    only = table_for_headers(productie, ["toewijzingen"])
    assert only is None or only[0] == "toewijzingen"


def test_synonym_notes_in_dutch() -> None:
    headers: list[str | None] = ["Burgerservicenummer", "Productcode", "Van"]
    mapping = map_headers(headers, "productie")
    assert synonym_notes(mapping, headers, "productie") == [
        "Kolom 'Burgerservicenummer' gelezen als BSN.",
        "Kolom 'Van' gelezen als Begindatum.",
    ]


def test_required_headers_text() -> None:
    text = required_headers_text("productie")
    assert text.startswith("BSN, Productcode, Begindatum, Einddatum")
    assert "Minuten" in text
    assert required_headers_text("toewijzingen") == (
        "BSN, Toewijzingnummer, Productcategorie, Ingangsdatum"
    )


def test_title_line_above_does_not_make_a_two_row_header() -> None:
    rows: list[list[str | None]] = [
        [None, "Aanbieder", "Zorg BV"],  # a title block naming an optional column
        ["BSN", None, "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal"],
    ]
    header = detect_header(rows, "productie")
    assert header is not None
    assert header.rows_used == 1
    assert "aanbieder" not in header.mapping


def test_table_for_sheet_by_name_then_headers() -> None:
    productie = [["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal"]]
    found = table_for_sheet("Productie", productie)
    assert found is not None
    assert found[0] == "productie"
    found = table_for_sheet("Blad1", productie)
    assert found is not None
    assert found[0] == "productie"
    assert table_for_sheet("Toewijzingen", [["BSN", "Naam"]]) is None  # named, but no header
    assert table_for_sheet("Blad1", [["Naam"]]) is None
