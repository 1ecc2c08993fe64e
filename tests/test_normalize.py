"""From text to the typed frames of jeugdhulp.schema (jeugdhulp.normalize).

Includes the mirror test: the polars parsing equals jeugdhulp.parse / jeugdhulp.bsn value by value.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jeugdhulp.bsn import normalize_bsn
from jeugdhulp.errors import OngeldigeInvoer
from jeugdhulp.normalize import GROOTSTE_GETAL, normalize, parse_texts
from jeugdhulp.parse import CELL_NUMBER, GelezenGetal, number_text, parse_date, read_number
from jeugdhulp.schema import PRODUCTEN, PRODUCTIE, TOEWIJZINGEN, ColumnInfo

D = Decimal


def raw_frame(columns: dict[str, list[str | None]], first_row: int = 2) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    data: dict[str, object] = {"_rij": list(range(first_row, first_row + height))}
    data.update(columns)
    schema = {"_rij": pl.Int64, **{name: pl.String for name in columns}}
    return pl.DataFrame(data, schema=schema)


def values(naam: str, texts: list[str | None], table: str = "productie") -> list[object]:
    return parse_texts(naam, texts, table)["waarde"].to_list()


def lenient(naam: str, texts: list[str | None], table: str = "productie") -> list[bool]:
    return parse_texts(naam, texts, table)["soepel"].to_list()


# --- the frame as the schema says ---------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "schema"),
    [("productie", PRODUCTIE), ("toewijzingen", TOEWIJZINGEN), ("producten", PRODUCTEN)],
)
def test_frame_has_exactly_the_schema_plus_companions(table: str, schema: dict) -> None:
    raw = raw_frame({"A": ["45", "x"], "B": ["45A48", None], "C": ["Opmerking", None]})
    info = normalize(raw, table, {"productcategorie": "A", "productcode": "B"}, "Blad1", 1)
    frame = info.frame
    assert frame.columns[: len(schema)] == list(schema)
    for naam, dtype in schema.items():
        assert frame.schema[naam] == dtype, naam
    assert frame.columns[len(schema) :] == [
        "productcategorie__tekst",
        "productcategorie__soepel",
        "productcode__tekst",
        "productcode__soepel",
    ]
    # Absent columns are present and all null.
    absent = [n for n in schema if n not in ("_rij", "productcategorie", "productcode")]
    absent = [n for n in absent if n != "_aantal_kolom"]
    assert all(frame[n].null_count() == frame.height for n in absent)
    assert info.blad == "Blad1"
    assert info.kopregel == 1
    assert set(info.kolommen) == {"productcategorie", "productcode"}


def test_empty_rows_are_dropped_and_row_numbers_stay_true() -> None:
    raw = raw_frame(
        {
            "B": ["111222333", None, "  ", "222333444", None],
            "C": ["45A48", None, None, "45A49", None],
            "D": [None, None, None, None, "alleen een opmerking"],  # not mapped
        },
        first_row=5,
    )
    info = normalize(raw, "productie", {"bsn": "B", "productcode": "C"}, "P", 4)
    assert info.frame["_rij"].to_list() == [5, 8]
    assert info.frame["bsn"].to_list() == ["111222333", "222333444"]


def test_tekst_keeps_the_text_and_unparseable_values_are_null() -> None:
    raw = raw_frame(
        {
            "A": ["31-02-2023", "01-03-2023", "", None],
            "B": ["veel", "1,5", "2", "3"],
        }
    )
    info = normalize(raw, "productie", {"begindatum": "A", "aantal": "B"}, "P", 1)
    frame = info.frame
    assert frame["begindatum"].to_list() == [None, dt.date(2023, 3, 1), None, None]
    assert frame["begindatum__tekst"].to_list() == ["31-02-2023", "01-03-2023", None, None]
    assert frame["aantal"].to_list() == [None, D("1.5"), D("2"), D("3")]
    assert frame["aantal__tekst"].to_list() == ["veel", "1,5", "2", "3"]
    assert frame["aantal__soepel"].to_list() == [False, True, False, False]
    assert frame["_aantal_kolom"].to_list() == ["aantal"] * 4


def test_meldingen_name_the_synonyms_used() -> None:
    raw = raw_frame({"C": ["111222333"], "D": ["45A48"], "E": ["1-3-2023"]})
    mapping = {
        "bsn": ColumnInfo("bsn", "Burgerservicenummer", "C"),
        "productcode": ColumnInfo("productcode", "Productcode", "D"),
        "begindatum": ColumnInfo("begindatum", "Ingangsdatum", "E"),
    }
    info = normalize(raw, "productie", mapping, "Productie", 3)
    assert "Kolom 'Burgerservicenummer' gelezen als BSN." in info.meldingen
    assert "Kolom 'Ingangsdatum' gelezen als Begindatum." in info.meldingen
    assert not any("Productcode" in m and "gelezen als" in m for m in info.meldingen)
    assert any(m.startswith("Verplichte kolom(men) ontbreken: Einddatum") for m in info.meldingen)
    assert info.kolommen["bsn"].letter == "C"


# --- scalar forms ---------------------------------------------------------------------------


def test_dutch_and_plain_decimals() -> None:
    texts = [
        "54,42",
        "1.234,56",
        "1 234,56",
        "1234,5",
        "54.42",
        "1234",
        "€ 12,00",
        "€12.50",
        "-3,5",
        "12%",
        "0,90705",
        "1.234.567",
        "abc",
        "1,2,3",
        None,
    ]
    assert values("tarief", texts) == [
        D("54.42"),
        D("1234.56"),
        D("1234.56"),
        D("1234.5"),
        D("54.42"),
        D("1234"),
        D("12"),
        D("12.5"),
        D("-3.5"),
        D("0.12"),
        D("0.9070"),  # 4 decimals, half-even like the Decimal(38, 4) cast
        D("1234567"),
        None,
        None,
        None,
    ]
    assert lenient("tarief", texts) == [
        True,
        True,
        True,
        True,
        False,  # a number cell arrives as "54.42": not lenient
        False,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_date_forms() -> None:
    texts = [
        "44986",
        "44986.0",
        "2023-03-01 00:00:00",  # how the reader gives a date cell
        "2023-03-01 13:45:00",  # a datetime cell: the date counts
        "01-03-2023",
        "1-3-2023",
        "2023-03-01",
        "1/3/2023",
        "01.03.2023",
        "31-02-2023",
        "2023-13-01",
        "0",
        "maart",
        None,
    ]
    march_first = dt.date(2023, 3, 1)
    assert values("begindatum", texts) == [march_first] * 9 + [None] * 5
    # A serial is a number without date formatting (or typed as text): read, and reported
    # (PM022) so the provider gives the cell a date format; the reader's text of a date cell
    # is not.
    assert lenient("begindatum", texts) == [True, True, False, False] + [True] * 5 + [False] * 5


def test_excel_serials_count_from_1950() -> None:
    """A number in a date column is an Excel serial from 1-1-1950 (18264) to 31-12-9999; before
    that it is a number, not a date: 2023 is a year, not 15-07-1905 (the same rule as the Excel
    functions', `parse_date`)."""
    texts = ["2023", "1", "60", "18263", "18264", "44986", "2958465", "2958466"]
    assert values("begindatum", texts) == [
        None,
        None,
        None,
        None,
        dt.date(1950, 1, 1),
        dt.date(2023, 3, 1),
        dt.date(9999, 12, 31),
        None,
    ]
    for serial in (2023, 1, 60, 18263, 2958466):
        with pytest.raises(OngeldigeInvoer, match="geen datum"):
            parse_date(serial)
    assert parse_date(18264) == (dt.date(1950, 1, 1), False)


def test_excel_serials_in_the_1904_date_system() -> None:
    """A Mac workbook in the 1904 date system counts serials from 1-1-1904: 43524 is
    01-03-2023 there (44986 in the 1900 system), also in a cell without date formatting."""
    raw = pl.DataFrame({"_rij": [2, 3], "A": ["43524", "44986"]})
    for datum1904, expected in ((True, dt.date(2023, 3, 1)), (False, dt.date(2023, 3, 1))):
        info = normalize(raw, "productie", {"begindatum": "A"}, "P", 1, datum1904=datum1904)
        assert info.frame.get_column("begindatum")[0 if datum1904 else 1] == expected


def test_bsn_forms() -> None:
    texts = [
        "111222333",
        "11222333",
        "11222333.0",
        "111222333.0",
        "1112.22.333",
        " 111 222 333 ",
        "1234",
        "abc",
    ]
    assert values("bsn", texts) == [
        "111222333",
        "011222333",
        "011222333",
        "111222333",
        "111222333",
        "111222333",
        "1234",
        "abc",
    ]
    assert lenient("bsn", texts) == [False, True, True, False, False, False, False, False]


def test_booleans() -> None:
    texts = ["ja", "Nee", "WAAR", "onwaar", "1", "0", "x", "true", "FALSE", "misschien", None]
    assert values("overgangsclient", texts) == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        True,
        False,
        None,
        None,
    ]


def test_eenheid_codes_and_words() -> None:
    texts = ["1", "01", "04", "4.0", "minuten", "Uur", "etmaal", "dagdeel", "stuks", "euro", "kilo"]
    assert values("eenheid", texts) == [
        "01",
        "01",
        "04",
        "04",
        "01",
        "04",
        "14",
        "16",
        "82",
        "83",
        None,
    ]


def test_codes() -> None:
    assert values("reden_beeindiging", ["31", "2", "02", "31.0", "31 - volgens plan", "x"]) == [
        "31",
        "02",
        "02",
        "31",
        "31",
        None,
    ]
    assert values("soort_tijd", ["Direct", "indirect", "Indirecte tijd", "weet niet"]) == [
        "direct",
        "indirect",
        "indirect",
        None,
    ]
    assert values("productcode", [" 45A48 ", "45001.0", "50H23"]) == ["45A48", "45001", "50H23"]
    assert values("trajecttype", ["Herstel", "duurzaam traject", "?"], "toewijzingen") == [
        "herstel",
        "duurzaam",
        None,
    ]
    assert values("verwijzer", ["Huisarts", "GI", "Toegang", "buurvrouw"], "toewijzingen") == [
        "medisch",
        "gi",
        "toegang",
        None,
    ]
    assert values("domein", ["J&O", "ggz", "LVB"], "producten") == ["J&O", "GGZ", "LVB"]
    assert values("reden_wijziging", ["13"], "toewijzingen") == ["13"]


# --- the 2017 style: quantity columns that name their unit ------------------------------------


def test_2017_style_melts_quantity_columns() -> None:
    raw = raw_frame(
        {
            "A": ["111222333", "222333444", "333444555", "444555666", "555666777"],
            "B": ["50H23", "50H23", "43A01", "43A01", "43A01"],
            "C": ["120", "0", None, "0", "veel"],  # Minuten
            "D": ["2", None, None, "0", None],  # Ligdagen
            "E": ["1,5", "3", None, None, None],  # Uren
        },
        first_row=6,
    )
    mapping = {
        "bsn": "A",
        "productcode": "B",
        "minuten": ColumnInfo("minuten", "Minuten", "C"),
        "ligdagen": ColumnInfo("ligdagen", "Ligdagen", "D"),
        "uren": ColumnInfo("uren", "Aantal uren", "E"),
    }
    info = normalize(raw, "productie", mapping, "Productie", 5)
    f = info.frame
    assert f.columns[: len(PRODUCTIE)] == list(PRODUCTIE)
    assert f.schema["aantal"] == PRODUCTIE["aantal"]
    rows = f.select("_rij", "eenheid", "aantal", "_aantal_kolom", "aantal__tekst", "aantal__soepel")
    assert rows.rows() == [
        (6, "01", D("120"), "minuten", "120", False),
        (6, "04", D("1.5"), "uren", "1,5", True),
        (6, "14", D("2"), "ligdagen", "2", False),
        (7, "04", D("3"), "uren", "3", False),  # the zero minutes are dropped
        (8, None, None, "minuten", None, False),  # no quantity at all: PM001 can flag it
        (9, "01", D("0"), "minuten", "0", False),  # only zeros: one line with 0
        (10, "01", None, "minuten", "veel", False),  # unparseable: kept, null
    ]
    assert f["bsn"].to_list() == ["111222333"] * 3 + ["222333444", "333444555", "444555666"] + [
        "555666777"
    ]
    assert "eenheid__tekst" not in f.columns
    assert info.kolommen["uren"].kop == "Aantal uren"
    assert any("Aantal uren" in m and "Uren" in m for m in info.meldingen)


def test_aantal_and_eenheid_win_over_quantity_columns() -> None:
    raw = raw_frame({"A": ["04"], "B": ["2"], "C": ["120"]})
    info = normalize(raw, "productie", {"eenheid": "A", "aantal": "B", "minuten": "C"}, "P", 1)
    assert info.frame.select("eenheid", "aantal", "_aantal_kolom").rows() == [
        ("04", D("2"), "aantal")
    ]
    assert any("niet gebruikt" in m for m in info.meldingen)


# --- mirror: the polars expressions equal jeugdhulp.parse / jeugdhulp.bsn ---------------------

MIRROR = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FOUR = D("0.0001")


def dutch(value: Decimal, style: int) -> str:
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    groups = f"{int(whole):,}"
    if style == 0:  # 1.234,56
        text = groups.replace(",", ".")
    elif style == 1:  # 1 234,56
        text = groups.replace(",", " ")
    else:  # 1234,56
        text = whole
    return sign + text + ("," + fraction if fraction else "")


@MIRROR
@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False),
    st.integers(0, 3),
    st.booleans(),
)
def test_mirror_dutch_decimals(value: Decimal, style: int, euro: bool) -> None:
    # Beyond GROOTSTE_GETAL the batch reads no number (test_numbers_beyond_a_sane_bound).
    assume(abs(value.quantize(FOUR, rounding=ROUND_HALF_EVEN)) <= GROOTSTE_GETAL)
    text = f"{value:f}" if style == 3 else dutch(value, style)
    if euro:
        text = "€ " + text
    reading = read_number(text)
    got = parse_texts("tarief", [text], tekst=True).row(0, named=True)
    assert got["waarde"] == reading.waarde.quantize(FOUR, rounding=ROUND_HALF_EVEN)
    assert got["soepel"] is True and reading.tekst is True
    assert got["dubbelzinnig"] is reading.dubbelzinnig


def _source(text: str, tekst: bool) -> object:
    """What `read_number` gets for a cell whose reader text is `text`: the text itself for a text
    cell; for a number cell (only texts shaped like a number cell's) its number."""
    if not tekst and re.fullmatch(CELL_NUMBER, number_text(text)):
        return Decimal(number_text(text))
    return text


@MIRROR
@given(st.text(alphabet="0123456789.,-+ €%()\u00a0", min_size=1, max_size=14), st.booleans())
def test_mirror_decimal_on_any_text(text: str, tekst: bool) -> None:
    assume(text.strip() != "")
    try:
        reading: GelezenGetal | None = read_number(_source(text, tekst))
    except OngeldigeInvoer:
        reading = None
    expected = None
    if reading is not None:
        # Decimal(38, 4) division (for "%") overflows near 10**28; no amount here comes close.
        assume(abs(reading.waarde) < 10**20)
        with localcontext(prec=60):
            expected = reading.waarde.quantize(FOUR, rounding=ROUND_HALF_EVEN)
    got = parse_texts("tarief", [text], tekst=tekst).row(0, named=True)
    assert got["waarde"] == expected, text
    assert got["soepel"] is (reading is not None and reading.tekst), text
    assert got["dubbelzinnig"] is (reading is not None and reading.dubbelzinnig), text


@MIRROR
@given(
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from(["%d-%m-%Y", "{d}-{m}-%Y", "%Y-%m-%d", "%d/%m/%Y", "{d}/{m}/%Y", "%d.%m.%Y"]),
)
def test_mirror_dates_typed_as_text(day: dt.date, form: str) -> None:
    text = day.strftime(form.format(d=day.day, m=day.month))
    assert parse_date(text) == (day, True)
    assert parse_texts("begindatum", [text]).row(0) == (day, True)


@MIRROR
@given(st.integers(18264, 2958465), st.booleans())
def test_mirror_excel_serials(serial: int, as_float: bool) -> None:
    text = f"{serial}.0" if as_float else str(serial)
    expected, _ = parse_date(float(serial) if as_float else serial)
    # read as parse_date reads it; lenient, since the cell has no date format (PM022)
    assert parse_texts("begindatum", [text]).row(0) == (expected, True)


@MIRROR
@given(st.text(alphabet="0123456789-/. :T", min_size=1, max_size=20))
def test_mirror_date_on_any_text(text: str) -> None:
    stripped = text.strip()
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", stripped):
        # Digits are an Excel serial as the reader gives it (parse_date takes serials as numbers).
        number = float(stripped)
        source: object = number
    else:
        # The reader's datetime text with a time of day is a datetime cell: only the date counts.
        assume(not re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?", stripped))
        source = text
    try:
        expected: dt.date | None = parse_date(source)[0]
    except (OngeldigeInvoer, OverflowError):
        expected = None
    assert parse_texts("begindatum", [text])["waarde"][0] == expected, text


@MIRROR
@given(
    st.integers(0, 999_999_999),
    st.sampled_from(["{n}", "{n:09d}", "{n}.0", "dots", " {n} "]),  # "{n}.0": a float cell
)
def test_mirror_bsn(number: int, form: str) -> None:
    if form == "dots":
        digits = f"{number:09d}"
        text = f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
    else:
        text = form.format(n=number)
    source: object = float(text) if text.endswith(".0") else text
    assert parse_texts("bsn", [text]).row(0) == normalize_bsn(source)


@MIRROR
@given(st.text(alphabet="0123456789 .-abc\t–", min_size=1, max_size=14))
def test_mirror_bsn_on_any_text(text: str) -> None:
    assume(text.strip() != "")
    assume(not re.fullmatch(r"[0-9]+\.0+", text.strip()))  # a float cell's text: see above
    assert parse_texts("bsn", [text]).row(0) == normalize_bsn(text), text


# --- scale ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_million_rows_normalise_in_seconds() -> None:
    n = 1_000_000
    index = pl.int_range(0, n, eager=True)
    raw = pl.DataFrame(
        {
            "_rij": index + 2,
            "A": (index % 90_000_000 + 10_000_000).cast(pl.String),
            "B": pl.Series(["45A48", "45001"]).gather(index % 2),
            "C": pl.Series(["2023-03-01 00:00:00", "01-03-2023"]).gather(index % 2),
            "D": pl.Series(["45016", "31-3-2023"]).gather(index % 2),
            "E": pl.Series(["01", "minuten"]).gather(index % 2),
            "F": pl.Series(["120", "1.234,56"]).gather(index % 2),
            "G": pl.Series(["54.42", "€ 0,90"]).gather(index % 2),
            "H": pl.Series(["ja", "nee"]).gather(index % 2),
            "I": pl.Series(["31", "2"]).gather(index % 2),
        }
    ).with_columns(pl.col("_rij").cast(pl.Int64))
    mapping = {
        "bsn": "A",
        "productcode": "B",
        "begindatum": "C",
        "einddatum": "D",
        "eenheid": "E",
        "aantal": "F",
        "tarief": "G",
        "overgangsclient": "H",
        "reden_beeindiging": "I",
    }
    started = time.perf_counter()
    info = normalize(raw, "productie", mapping, "Productie", 1)
    elapsed = time.perf_counter() - started
    assert info.frame.height == n
    assert info.frame["einddatum"].null_count() == 0
    assert info.frame["aantal"].null_count() == 0
    assert info.frame["bsn__soepel"].sum() == n  # all 8 digits
    assert elapsed < 20, f"{elapsed:.1f} s for a million rows"


@pytest.mark.parametrize("quantity", ["aantal", "minuten"])
def test_no_rows_still_gives_the_schema(quantity: str) -> None:
    raw = pl.DataFrame(schema={"_rij": pl.Int64, "A": pl.String, "B": pl.String})
    info = normalize(raw, "productie", {"bsn": "A", quantity: "B"}, "Productie", 1)
    assert info.frame.height == 0
    assert info.frame.columns[: len(PRODUCTIE)] == list(PRODUCTIE)
    assert dict(info.frame.schema) == {
        **PRODUCTIE,
        "bsn__tekst": pl.String(),
        "bsn__soepel": pl.Boolean(),
        "aantal__tekst": pl.String(),
        "aantal__soepel": pl.Boolean(),
        "aantal__dubbelzinnig": pl.Boolean(),
    }


@MIRROR
@given(
    st.lists(
        st.decimals(min_value=-(10**12), max_value=10**12, places=9, allow_nan=False).map(
            lambda d: f"{d:f}".rstrip("0").rstrip(".") if "." in f"{d:f}" else f"{d:f}"
        ),
        min_size=1,
        max_size=20,
    )
)
def test_mirror_number_cells_fast_path(texts: list[str]) -> None:
    """A column of number cells' texts takes a shortcut in `normalize`: the same values."""
    raw = raw_frame({"A": ["111222333"] * len(texts), "B": texts})
    info = normalize(raw, "productie", {"bsn": "A", "tarief": "B"}, "P", 1)
    expected = parse_texts("tarief", texts)
    assert info.frame["tarief"].to_list() == expected["waarde"].to_list()
    assert not info.frame["tarief__soepel"].any()
    assert not info.frame["tarief__dubbelzinnig"].any()
