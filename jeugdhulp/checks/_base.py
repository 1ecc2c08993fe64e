"""The machinery of the check catalogue: declarations, the evaluation context, expression helpers.

A check is one function decorated with `@controle(...)`: the decorator holds what the user reads
in the catalogue (id, ernst, iJw rule, return code, Dutch title) and the function's docstring
(in three parts: *Wat het doet*, *Waarom*, *Voorbeeld*) is its documentation. The function takes
a `Context` and returns a LazyFrame of offending rows with the columns of `RESULT_SCHEMA`:
`_rij`, `kolom` (the canonical column the finding concerns, "" for the whole row), `waarde` (the
value found, as text) and `melding` (Dutch, naming the values involved), optionally
`retourcode` when a check has more than one (TR307 / TR308) and `ernst` when a finding is less
(or more) severe than the check's own (PM016: a period partly after the 18th birthday). Most
checks report on the production sheet; a check declared with `tabel="toewijzingen"` reports on
the allocation list, and its `_rij` is a row of that sheet.

Money and quantities are compared as integers in units of 1/10.000 (the scale of
`jeugdhulp.schema.DECIMAL`), never as floats; products of two such numbers are Int128
(`UNITS`; Int64 in the older polars of Pyodide, which cannot multiply Int128).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import polars as pl

from jeugdhulp.findings import Ernst
from jeugdhulp.profile import CHECK_IDS, Profile
from jeugdhulp.schema import DECIMAL, PRODUCTEN, TOEWIJZINGEN, ColumnInfo, TableInfo
from jeugdhulp.tariff import Afronding, minuutregel

#: Columns (and types) every check function returns.
RESULT_SCHEMA: dict[str, pl.DataType] = {
    "_rij": pl.Int64(),
    "kolom": pl.String(),
    "waarde": pl.String(),
    "melding": pl.String(),
    "retourcode": pl.String(),
    "ernst": pl.String(),
    "_tabel": pl.String(),
}

#: The three headings every check docstring has, in this order (ruff: What it does / Why / Example).
DOC_SECTIONS: tuple[str, ...] = ("## Wat het doet", "## Waarom", "## Voorbeeld")

#: iJw unit codes (WJ756) and their Dutch names, for messages.
EENHEDEN: dict[str, str] = {
    "01": "minuut",
    "04": "uur",
    "14": "etmaal",
    "16": "dagdeel",
    "82": "stuks (output)",
    "83": "euro's",
    "84": "stuks (inspanning)",
}
#: How a quantity in a unit reads in a message ("20 uur", "600 minuten").
EENHEID_WOORD: dict[str, str] = {
    "01": "minuten",
    "04": "uur",
    "14": "etmalen",
    "16": "dagdelen",
    "82": "stuks",
    "83": "euro",
    "84": "stuks",
}
MINUUT, UUR, EURO = "01", "04", "83"
#: Units of the outputgericht variant (iJw toewijzingsvarianten: stuks output, euro's).
OUTPUT_EENHEDEN = ("82", "83")
#: The tables a finding can be on; a check's `tabel` is where its findings normally are, and a
#: finding may name another with `_tabel` (PM022, PM023 also report on the other sheets).
TABELLEN = ("productie", "toewijzingen", "producten")

#: Within one run `_rij` identifies a production row across sheets: the sheet's position times
#: ROW_KEY plus its Excel row number (`combine_sheets`). A single sheet keeps its row numbers.
ROW_KEY = 1 << 32

#: How messages name a canonical column the file does not have (the layout's own headers).
STANDARD_HEADERS: dict[str, str] = {
    "bsn": "BSN",
    "soort_tijd": "Soort tijd",
    "reden_beeindiging": "Reden beëindiging",
    "overgangsclient": "Overgangscliënt",
    "verlengde_jeugdhulp": "Verlengde jeugdhulp",
}

#: Units in 1/10.000: the scale of `jeugdhulp.schema.DECIMAL`.
SCALE = 10_000


def _int128_arithmetic() -> bool:
    """Whether this polars multiplies Int128 (the polars of Pyodide 0.27, 1.18, panics)."""
    try:
        # Int128 columns of a frame, multiplied: the code path that panics there.
        frame = pl.DataFrame({"a": [3, None], "b": [-2, 1]}).with_columns(pl.all().cast(pl.Int128))
        return frame.select(pl.col("a") * pl.col("b")).item(0, 0) == -6
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a Rust panic arrives as pyo3's PanicException (a BaseException)
        return False


#: Integer type of unit numbers and their products. Int64 still holds quantity x tariff up to
#: 92 billion euro per line, far beyond any declaration, and is what Pyodide's polars can do.
UNITS = pl.Int128 if _int128_arithmetic() else pl.Int64
OPEN_END = dt.date(9999, 12, 31)

Source = str  # "toewijzingen" or "producten": what a check needs to run
CheckFunction = Callable[["Context"], pl.LazyFrame]
#: Why a check does not apply under a profile (Dutch), or None when it does.
Toepassing = Callable[[Profile], str | None]

#: The join option that matches null keys: `nulls_equal` in current polars, `join_nulls` in the
#: older polars that Pyodide (xlwings Lite) ships; the in-Excel check runs on both.
NULLS_EQUAL = (
    "nulls_equal"
    if "nulls_equal" in inspect.signature(pl.LazyFrame.join).parameters
    else "join_nulls"
)


@dataclass(frozen=True)
class Check:
    """One declaration of the catalogue."""

    id: str
    ernst: Ernst
    ijw: str  # iJw technical rule(s), "TR418", "TR339/TR340"; "" when the source is a seed only
    retourcode: str  # iJw return code(s), "0611", "9307/9308"; "" when none applies
    titel: str  # Dutch, short
    bron: str  # where the rule comes from (iJw rule, seed document)
    functie: CheckFunction = field(repr=False)
    nodig: tuple[Source, ...] = ()  # skipped (not failed) when one of these is absent
    schakelaar: str | None = None  # key under [controles] that switches it on in a profile
    tabel: str = "productie"  # the sheet its findings are on: "productie" or "toewijzingen"
    ernst_toelichting: str = ""  # when some findings have another ernst (Dutch, for the docs)
    van_toepassing: Toepassing | None = None  # why it does not apply under a profile
    #: how the user fixes a finding (Dutch, one or two concrete sentences): the Controle sheet's
    #: "hoe herstel ik dit" and the catalogue's
    herstel: str = ""
    ook: tuple[str, ...] = ()  # other tables some of its findings are on (`_tabel`)

    @property
    def docstring(self) -> str:
        return inspect.cleandoc(self.functie.__doc__ or "")

    def ingeschakeld(self, profile: Profile) -> bool:
        """Not listed in `controles.uit` and, where it has one, its profile switch on."""
        if not profile.check_enabled(self.id):
            return False
        if self.schakelaar is None:
            return True
        return bool(profile.get(f"controles.{self.schakelaar}", False))


CATALOGUE: list[Check] = []


def controle(
    id: str,
    *,
    ernst: Ernst,
    ijw: str,
    retourcode: str,
    titel: str,
    bron: str,
    nodig: tuple[Source, ...] = (),
    schakelaar: str | None = None,
    tabel: str = "productie",
    ernst_toelichting: str = "",
    van_toepassing: Toepassing | None = None,
    herstel: str = "",
    ook: tuple[str, ...] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under its stable id (the catalogue stays in id order).

    The id must be one of `jeugdhulp.profile.CHECK_IDS`, the ids a profile may switch off.
    `herstel` tells the user how to fix a finding (Dutch, one or two concrete sentences); the
    Controle sheet shows it beside the check's counts.
    """

    def register(functie: CheckFunction) -> CheckFunction:
        if any(c.id == id for c in CATALOGUE):
            raise ValueError(f"check {id} declared twice")
        if id not in CHECK_IDS:
            raise ValueError(f"check {id} is not in jeugdhulp.profile.CHECK_IDS")
        if tabel not in TABELLEN or not set(ook) <= set(TABELLEN):
            raise ValueError(f"check {id}: unknown table {tabel!r} / {ook!r}")
        CATALOGUE.append(
            Check(
                id,
                ernst,
                ijw,
                retourcode,
                titel,
                bron,
                functie,
                nodig,
                schakelaar,
                tabel,
                ernst_toelichting,
                van_toepassing,
                herstel,
                ook,
            )
        )
        CATALOGUE.sort(key=lambda c: c.id)
        return functie

    return register


# -- formatting expressions (Dutch) ------------------------------------------------------------


def _join_number(sign: pl.Expr, integer: pl.Expr, fraction: pl.Expr) -> pl.Expr:
    grouped = (
        integer.str.reverse()
        .str.replace_all(r"([0-9]{3})", "${1}.")
        .str.strip_chars_end(".")
        .str.reverse()
    )
    return pl.concat_str(
        sign,
        grouped,
        pl.when(fraction == "").then(pl.lit("")).otherwise(pl.lit(",") + fraction),
    )


def dutch_number(expr: pl.Expr, min_decimals: int = 0) -> pl.Expr:
    """A Decimal or integer as Dutch text: thousands dots, decimal comma, no trailing zeros.

    `min_decimals=2` gives money: 0,9070 -> "0,907", 54,42 -> "54,42", 1000 -> "1.000,00".
    """
    text = expr.cast(pl.String)
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    integer = text.str.extract(r"([0-9]+)", 1)
    fraction = text.str.extract(r"\.([0-9]+)", 1).fill_null("").str.strip_chars_end("0")
    if min_decimals:
        fraction = fraction.str.pad_end(min_decimals, "0")
    return _join_number(sign, integer, fraction)


def euro(expr: pl.Expr) -> pl.Expr:
    """A money amount (Decimal) as Dutch text with at least two decimals: "1.234,50"."""
    return dutch_number(expr, min_decimals=2)


def abs_units(value: pl.Expr) -> pl.Expr:
    """Absolute value of a `UNITS` number (`Expr.abs` does not take Int128 in Pyodide's polars)."""
    return pl.when(value < 0).then(pl.lit(0, dtype=UNITS) - value).otherwise(value)


def number_from_units(units: pl.Expr, min_decimals: int = 0) -> pl.Expr:
    """An integer number of 1/10.000 as Dutch text (9000 -> "0,9"; money: min_decimals=2)."""
    sign = pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    magnitude = abs_units(units)
    # Via Int64 (any real amount fits): Pyodide's polars cannot cast Int128 to text.
    integer = (magnitude // SCALE).cast(pl.Int64).cast(pl.String)
    fraction = (
        (magnitude % SCALE)
        .cast(pl.Int64)
        .cast(pl.String)
        .str.pad_start(4, "0")
        .str.strip_chars_end("0")
    )
    if min_decimals:
        fraction = fraction.str.pad_end(min_decimals, "0")
    return _join_number(sign, integer, fraction)


def euro_from_units(units: pl.Expr) -> pl.Expr:
    """An integer number of 1/10.000 euro as Dutch money text (9000 -> "0,90")."""
    return number_from_units(units, min_decimals=2)


def datum(expr: pl.Expr) -> pl.Expr:
    """A date as the user types it: 01-03-2023."""
    return expr.dt.strftime("%d-%m-%Y")


def units(expr: pl.Expr) -> pl.Expr:
    """A Decimal(38, 4) as an exact integer (`UNITS`) number of 1/10.000."""
    return (expr * SCALE).cast(UNITS)


def eenheid_code(expr: pl.Expr) -> pl.Expr:
    """A unit as a two-digit iJw code: "1" (typed as a number in Excel) becomes "01"."""
    text = expr.str.strip_chars()
    return pl.when(text.str.contains(r"^[0-9]$")).then(text.str.zfill(2)).otherwise(text)


def eenheid_woord(expr: pl.Expr) -> pl.Expr:
    """A unit code as the word after a quantity ("uur", "minuten"); "" when unknown."""
    return expr.replace_strict(EENHEID_WOORD, default="", return_dtype=pl.String)


def eenheid_naam(expr: pl.Expr) -> pl.Expr:
    """A unit code with its name: "01 (minuut)"; an unknown code as it is."""
    name = expr.replace_strict(EENHEDEN, default=None, return_dtype=pl.String)
    return pl.when(name.is_null()).then(expr).otherwise(pl.format("{} ({})", expr, name))


def elfproef(bsn: pl.Expr) -> pl.Expr:
    """Vectorised BSN check: 9 ASCII digits, not all zero, passing the elfproef.

    The same rule as `jeugdhulp.bsn.is_valid_bsn` (python-stdnum) on an already normalised
    BSN; `tests/test_checks_bsn.py` proves both agree. It lives here, not in `jeugdhulp.bsn`,
    because that module must stay pure Python (it runs in Pyodide); polars is the batch's.
    """
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = pl.sum_horizontal(
        bsn.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(weights)
    )
    return (
        bsn.str.contains(r"^[0-9]{9}$").fill_null(False) & (bsn != "000000000") & (total % 11 == 0)
    )


def tarief_per_minuut_units(uurtarief_units: pl.Expr, regel: Afronding = "afkappen") -> pl.Expr:
    """Hourly tariff (1/10.000 euro) / 60 in whole cents, in 1/10.000 euro: truncated
    (IJsselland: 54,42 -> 544200 // 6000 = 90 cents) or rounded half up (national IV081: 91).

    The vectorised form of `jeugdhulp.tariff.tarief_per_minuut`; a test keeps both equal.
    """
    if regel == "afkappen":
        return (uurtarief_units // (60 * 100)) * 100
    return ((uurtarief_units + 60 * 50) // (60 * 100)) * 100


def to_cents(tariff_units: pl.Expr, regel: Afronding = "afkappen") -> pl.Expr:
    """A tariff in 1/10.000 euro in whole cents (0,9070 -> 0,90 truncated, 0,91 rounded)."""
    if regel == "afkappen":
        return (tariff_units // 100) * 100
    return ((tariff_units + 50) // 100) * 100


def round_half_up_cents(amount_units2: pl.Expr) -> pl.Expr:
    """An amount in 1/10^8 euro (quantity x tariff) rounded half up to cents, in 1/10.000 euro."""
    return round_half_up_div(amount_units2, 1_000_000) * 100


def round_half_up_div(numerator: pl.Expr, denominator: int) -> pl.Expr:
    """numerator / denominator rounded half up (away from zero), exact integers (`UNITS`)."""
    magnitude = (abs_units(numerator) * 2 + denominator) // (2 * denominator)
    return pl.when(numerator < 0).then(pl.lit(0, dtype=UNITS) - magnitude).otherwise(magnitude)


def contract_units(
    product_unit: pl.Expr, declared_unit: pl.Expr, tariff: pl.Expr, regel: Afronding = "afkappen"
) -> pl.Expr:
    """The contracted tariff per declared unit, in 1/10.000 euro; null when units do not fit.
    `tariff` is the list's tariff in 1/10.000 euro (`UNITS`).

    - product priced per hour (04), declared in minutes (01): hourly / 60 in whole cents, by the
      profile's rule (national IV081: rounded half up, 54,42 -> 0,91; IJsselland: truncated,
      0,90);
    - product priced per minute with more than two decimals (0,907 = 54,42 / 60 unrounded):
      in whole cents by the same rule;
    - otherwise the list's tariff per unit as it is.
    """
    t = tariff
    same = declared_unit.is_null() | product_unit.is_null() | (declared_unit == product_unit)
    return (
        pl.when((product_unit == UUR) & (declared_unit == MINUUT))
        .then(tarief_per_minuut_units(t, regel))
        .when(same & (product_unit == MINUUT))
        .then(to_cents(t, regel))
        .when(same)
        .then(t)
    )


def contract_note(
    product_unit: pl.Expr, declared_unit: pl.Expr, tariff: pl.Expr, regel: Afronding = "afkappen"
) -> pl.Expr:
    """How the contracted tariff follows from the list's tariff (`UNITS`), for messages ("" when
    as listed)."""
    how = "afgekapt" if regel == "afkappen" else "half naar boven afgerond"
    shown = euro_from_units(tariff)
    return (
        pl.when((product_unit == UUR) & (declared_unit == MINUUT))
        .then(pl.format(" (uurtarief {} / 60, {} op hele centen)", shown, pl.lit(how)))
        .when((product_unit == MINUUT) & (tariff % 100 != 0))
        .then(
            pl.format(
                " ({} per minuut, {} op hele centen)",
                number_from_units(tariff, min_decimals=2),
                pl.lit(how),
            )
        )
        .otherwise(pl.lit(""))
    )


# -- allocation frequencies and periods -------------------------------------------------


#: WMO757 (Frequentie) codes of iJw 3.2 and the words people write for them.
FREQUENTIES: dict[str, str] = {"1": "dag", "2": "week", "4": "maand", "6": "totaal"}


def frequentie(column: str = "frequentie") -> pl.Expr:
    """The allocation's frequency: "dag", "week", "maand", "jaar", "totaal" or "onbekend".

    iJw 3.2 (WMO757) knows 1 per dag, 2 per week, 4 per maand and 6 totaal binnen de
    geldigheidsduur; empty means totaal. Words people write are read as whole words: "per
    week", "wekelijks", "dagelijks", "maandelijks", "totaal"; "per jaar" and "jaarlijks" are
    accepted (older lists). A unit is no frequency: "per dagdeel" is not "per dag". Code 3
    ("per vier weken", gone since iJw 3.0) and anything else is "onbekend".
    """
    text = pl.col(column).str.strip_chars().str.to_lowercase()
    code = text.str.extract(r"^0?([0-9])(?:\.0+)?$", 1)

    def word(pattern: str) -> pl.Expr:
        return text.str.contains(rf"(?:^|[^a-z]){pattern}(?:$|[^a-z])")

    return (
        pl.when(text.is_null() | (text == ""))
        .then(pl.lit("totaal"))
        .when(text.str.contains("vier") | (code == "3"))
        .then(pl.lit("onbekend"))
        .when(code.is_not_null())
        .then(code.replace_strict(FREQUENTIES, default="onbekend", return_dtype=pl.String))
        .when(word("totaal"))
        .then(pl.lit("totaal"))
        .when(word("(?:dag|dagelijks)"))
        .then(pl.lit("dag"))
        .when(word("(?:week|wekelijks)"))
        .then(pl.lit("week"))
        .when(word("(?:maand|maandelijks)"))
        .then(pl.lit("maand"))
        .when(word("(?:jaar|jaarlijks)"))
        .then(pl.lit("jaar"))
        .otherwise(pl.lit("onbekend"))
    )


def _monday(day: pl.Expr) -> pl.Expr:
    return day - pl.duration(days=day.dt.weekday() - 1)


def _is_leap(year: pl.Expr) -> pl.Expr:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def _leap_day(start: pl.Expr) -> pl.Expr:
    return (start.dt.month() == 2) & (start.dt.day() == 29)


def anniversary(start: pl.Expr, years: pl.Expr | int) -> pl.Expr:
    """The day `years` years after `start`, the first day of that year of the allocation: the
    same day and month; from 29 February, 1 March in a year without 29 February (a year of the
    allocation then runs 29-02-2024 t/m 28-02-2025, 01-03-2025 t/m 28-02-2026, ...)."""
    year = start.dt.year().cast(pl.Int32) + years
    leap_day = _leap_day(start) & ~_is_leap(year)
    month = pl.when(leap_day).then(pl.lit(3)).otherwise(start.dt.month().cast(pl.Int32))
    day = pl.when(leap_day).then(pl.lit(1)).otherwise(start.dt.day().cast(pl.Int32))
    return pl.date(year, month, day)


def allocation_year(day: pl.Expr, start: pl.Expr) -> pl.Expr:
    """Which year of the allocation `day` falls in (0 = the first), counted from its
    Ingangsdatum (see `anniversary`): 01-07-2023 starts year 0, 01-07-2024 year 1, 30-06-2024
    is still year 0; from 29-02-2024, 28-02-2025 is still year 0 and 01-03-2025 starts year 1."""
    before = (day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)) < (
        start.dt.month().cast(pl.Int32) * 100 + start.dt.day().cast(pl.Int32)
    )
    return day.dt.year().cast(pl.Int32) - start.dt.year().cast(pl.Int32) - before.cast(pl.Int32)


def sundays_in(begin: pl.Expr, end: pl.Expr) -> pl.Expr:
    """How many Sundays lie in begin..end (both counted; 0 when end < begin)."""
    first_sunday = begin + pl.duration(days=7 - begin.dt.weekday())
    count = (end - first_sunday).dt.total_days() // 7 + 1
    return pl.when(count > 0).then(count).otherwise(pl.lit(0, dtype=pl.Int64))


def periods_in(freq: pl.Expr, begin: pl.Expr, end: pl.Expr, start: pl.Expr) -> pl.Expr:
    """How many of the frequency's periods the dates begin..end touch (both counted).

    Days; ISO calendar weeks (Monday to Sunday, IV077: "het aantal (eventueel gebroken)
    kalenderweken"); calendar months (a broken month counts whole, IV078); years of the
    allocation from `start`; 1 for totaal.
    """
    days = (end - begin).dt.total_days() + 1
    weeks = (_monday(end) - _monday(begin)).dt.total_days() // 7 + 1
    months = (
        end.dt.year().cast(pl.Int64) * 12
        + end.dt.month().cast(pl.Int64)
        - begin.dt.year().cast(pl.Int64) * 12
        - begin.dt.month().cast(pl.Int64)
        + 1
    )
    years = (allocation_year(end, start) - allocation_year(begin, start) + 1).cast(pl.Int64)
    return (
        pl.when(freq == "dag")
        .then(days)
        .when(freq == "week")
        .then(weeks)
        .when(freq == "maand")
        .then(months)
        .when(freq == "jaar")
        .then(years)
        .when(freq == "totaal")
        .then(pl.lit(1, dtype=pl.Int64))
    )


def results(
    frame: pl.LazyFrame,
    *,
    kolom: pl.Expr | str,
    waarde: pl.Expr,
    melding: pl.Expr,
    retourcode: pl.Expr | None = None,
    ernst: pl.Expr | None = None,
    tabel: str | None = None,
) -> pl.LazyFrame:
    """Shape a frame of offending rows into the check result contract (`RESULT_SCHEMA`).

    Every row of `frame` is a finding; a message that comes out null (a value it names is
    empty) is replaced by the check's title in `run_checks`, never dropped. `ernst` (null: the
    check's own) sets a finding's severity; `tabel` (null: the check's own) the sheet it is on:
    `_rij` is then a row of that table.
    """
    return frame.select(
        pl.col("_rij").cast(pl.Int64),
        (pl.lit(kolom) if isinstance(kolom, str) else kolom).cast(pl.String).alias("kolom"),
        waarde.cast(pl.String).fill_null("").alias("waarde"),
        melding.cast(pl.String).alias("melding"),
        (retourcode if retourcode is not None else pl.lit(None))
        .cast(pl.String)
        .alias("retourcode"),
        (ernst if ernst is not None else pl.lit(None)).cast(pl.String).alias("ernst"),
        pl.lit(tabel, dtype=pl.String).alias("_tabel"),
    )


def no_results() -> pl.LazyFrame:
    return pl.LazyFrame(schema=RESULT_SCHEMA)


def typed_frame(rows: Iterable[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows of plain values (profile TOML) as a frame of `schema`, absent keys null."""
    columns: dict[str, list[Any]] = {name: [] for name in schema}
    for row in rows:
        for name, dtype in schema.items():
            value = row.get(name)
            if value is not None and dtype == DECIMAL:
                value = Decimal(str(value))
            columns[name].append(value)
    return pl.DataFrame(columns, schema=schema)


# -- several production sheets as one table ---------------------------------------------------


def combine_sheets(sheets: Sequence[TableInfo]) -> TableInfo:
    """The production sheets of one workbook as one table, so that totals per allocation,
    doubles and overlaps span them (production split over "Januari" and "Februari").

    `_rij` becomes the sheet's position × `ROW_KEY` + the Excel row (`sheet_and_row` gives both
    back); a single sheet is returned as it is. A column one sheet lacks is null in its rows
    (which sheets have a column: `Context.in_sheet`); `kolommen` holds each column as the first
    sheet that has it names it (for messages); `onbekend` the unknown cells of all sheets, with
    the combined `_rij`.
    """
    if not sheets:
        raise ValueError("no production sheet")
    if len(sheets) == 1:
        return sheets[0]
    frames, unknown = [], []
    kolommen: dict[str, ColumnInfo] = {}
    for index, sheet in enumerate(sheets):
        shift = pl.col("_rij") + index * ROW_KEY
        frames.append(sheet.frame.with_columns(shift))
        unknown.append(sheet.onbekend.with_columns(shift))
        for name, info in sheet.kolommen.items():
            kolommen.setdefault(name, info)
    return TableInfo(
        blad=sheets[0].blad,
        frame=pl.concat(frames, how="diagonal_relaxed"),
        kolommen=kolommen,
        kopregel=sheets[0].kopregel,
        onbekend=pl.concat(unknown, how="vertical"),
    )


def by_unit_columns(sheet: TableInfo) -> bool:
    """The sheet gives its quantities in a column per unit (Minuten, Ligdagen, ...: the 2017
    production monitor) instead of Eenheid and Aantal."""
    from jeugdhulp.columns import QUANTITY_COLUMNS

    if "aantal" in sheet.kolommen:
        return False
    named = any(q.naam in sheet.kolommen for q in QUANTITY_COLUMNS)
    return named or bool(sheet.frame.get_column("_aantal_kolom").is_not_null().any())


def sheet_and_row(key: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The sheet's position and the Excel row of a combined `_rij` (see `combine_sheets`)."""
    return key // ROW_KEY, key % ROW_KEY


# -- how a production row is read against the lists ------------------------------------------


def canonical_codes(typed: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """Typed product codes that stand for a known code, with that code.

    A code is read as the listed one when it is not itself known and (1) differs only in case
    ("45a48", "50h12": 45A48, 50H12), or (2) is all digits, shorter than five, and is a known
    code without its leading zeros ("4011": 04011; a code stored as a number in Excel loses
    them, like a BSN). Codes of iJw are up to five characters (LDT_ProductCode).

    >>> canonical_codes(["45a48", "4011", "45A48", "ZZ999"], ["45A48", "04011"])
    {'45a48': '45A48', '4011': '04011'}
    """
    known = set(known)
    by_upper: dict[str, str] = {}
    for code in sorted(known):
        by_upper.setdefault(code.upper(), code)
    found: dict[str, str] = {}
    for code in typed:
        if code in known:
            continue
        match = by_upper.get(code.upper())
        if match is None and code.isdigit() and len(code) < 5 and code.zfill(5) in known:
            match = code.zfill(5)
        if match is not None:
            found[code] = match
    return found


def credit_line() -> pl.Expr:
    """A credit line (IV091): Debet/credit C; without that column (or empty), a negative
    Bedrag. A credit subtracts from every total (IV086: "debetbedragen opgeteld en
    creditbedragen afgetrokken"), whether its amount is written positive or negative."""
    dc = pl.col("debet_credit")
    return ((dc == "C") | (dc.is_null() & (pl.col("bedrag") < 0))).fill_null(False)


def _read_as(code: pl.Expr, reading: dict[str, str]) -> pl.Expr:
    return code.replace(reading) if reading else code


def declaration_key() -> list[pl.Expr]:
    """TR389's key of a declared line: allocation (number, or the BSN without one), category,
    product code and product period."""
    number = pl.col("toewijzingnummer")
    return [
        pl.coalesce(number, pl.lit("bsn:") + pl.col("bsn")),
        pl.col("productcategorie").str.strip_chars(),
        pl.col("_code"),
        pl.col("begindatum"),
        pl.col("einddatum"),
    ]


def unmatched_credits(rows: pl.LazyFrame) -> list[int]:
    """`_rij` of the credit lines that cancel no debit line of these rows.

    A credit line cancels (IV091, TR323): the debit whose Referentienummer its Vorig
    referentienummer names, the first credit for it only (TR390: a debit is credited once); a
    credit without a Vorig referentienummer, a debit with the same key (`declaration_key`), as
    many credits as there are such debits. A credit for a debit declared before (in another
    file) cancels nothing here: its debit is not counted here either, so totals leave it out.
    `rows` has `_rij`, `_credit`, `_code` and the key's columns.
    """
    names = ["_k1", "_k2", "_k3", "_k4", "_k5"]
    ref = pl.col("referentienummer").str.strip_chars()
    vorig = pl.col("vorig_referentienummer").str.strip_chars()
    lines = (
        rows.select(
            "_rij",
            "_credit",
            pl.when(ref != "").then(ref).alias("_ref"),
            pl.when(vorig != "").then(vorig).alias("_vorig"),
            *[k.alias(n) for k, n in zip(declaration_key(), names, strict=True)],
        )
        .unique("_rij", keep="first")
        .collect()
    )
    debits = lines.filter(~pl.col("_credit"))
    credits = lines.filter(pl.col("_credit"))
    referred = credits.filter(pl.col("_vorig").is_not_null())
    by_reference = (
        referred.filter(pl.col("_rij") == pl.col("_rij").min().over("_vorig"))
        .join(
            debits.filter(pl.col("_ref").is_not_null()).select(pl.col("_ref").alias("_vorig")),
            on="_vorig",
            how="semi",
        )
        .select("_rij")
    )
    counts = debits.group_by(names).agg(_debets=pl.len())
    by_key = (
        credits.filter(pl.col("_vorig").is_null())
        .with_columns(_nr=pl.col("_rij").rank("ordinal").over(names))
        .join(counts, on=names, how="inner", **{NULLS_EQUAL: True})
        .filter(pl.col("_nr") <= pl.col("_debets"))
        .select("_rij")
    )
    cancelling = pl.concat([by_reference, by_key])
    return credits.join(cancelling, on="_rij", how="anti").get_column("_rij").to_list()


# -- the context a check evaluates in ----------------------------------------------------------

#: Looked-up columns no check reads, left out of `Context.enriched` (at 1.000.000 rows some
#: 60 MiB, most of it the product's description repeated per row). A check that needs one
#: takes it out of this list.
UNUSED_LOOKUPS = ("p_omschrijving", "p_tarief", "p_bron", "t_verwijzer", "t_aanbieder")


@dataclass
class Context:
    """The typed tables of one run plus the profile, with the derived frames checks share.

    `rows` and `products` are lazy. The lookups many checks need (product-list row, contracted
    tariff, expected amount, allocation per row) are joined once into `enriched`, collected
    eagerly on first use (polars did not reliably share these subplans between the checks'
    plans: measured 3x slower); `product` and `allocation` are lazy views on it. Each check's
    own plan stays lazy and `run_checks` collects them all in one query.

    `vandaag` is the date of the check run: what "in the future" means when the workbook has no
    declaration date (injectable for tests). `toewijzingen_apart` / `producten_apart`: the list
    comes from a separate file shared by many workbooks, so checks on it only report the
    allocations of the children in this workbook / the products of the codes in it. `bladen`:
    the production sheets that `productie` combines (`combine_sheets`).
    """

    productie: TableInfo  # every production sheet as one table (`combine_sheets`)
    toewijzingen: TableInfo | None
    producten_blad: TableInfo | None
    profile: Profile
    vandaag: dt.date = field(default_factory=dt.date.today)
    toewijzingen_apart: bool = False
    bladen: tuple[TableInfo, ...] = ()  # the production sheets themselves (default: productie)
    producten_apart: bool = False
    _memo: dict[str, pl.LazyFrame] = field(default_factory=dict, repr=False)
    _losse_credits: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self.bladen:
            self.bladen = (self.productie,)

    def memo(self, key: str, build: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
        """A derived frame several checks share, built once per run."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    # -- columns and settings ---------------------------------------------------------------
    def in_file(self, name: str) -> bool:
        """Whether a production sheet had this canonical column (see `in_sheet` per row)."""
        return name in self.productie.kolommen

    def in_sheet(self, name: str) -> pl.Expr:
        """Per production row: whether its own sheet has this canonical column."""
        having = [i for i, sheet in enumerate(self.bladen) if name in sheet.kolommen]
        if len(having) == len(self.bladen):
            return pl.lit(True)
        if not having:
            return pl.lit(False)
        return (pl.col("_rij") // ROW_KEY).is_in(having)

    def regel(self, key: pl.Expr, own: pl.Expr | None = None) -> pl.Expr:
        """How a message names another production row: "regel 5", or with several sheets
        "regel 5 op blad 'Januari'" when it is on another sheet than the finding's row (`own`,
        default `_rij`)."""
        if len(self.bladen) == 1:
            return pl.format("regel {}", key)
        sheet, row = sheet_and_row(key)
        own_sheet = (own if own is not None else pl.col("_rij")) // ROW_KEY
        names = {i: s.blad for i, s in enumerate(self.bladen)}
        name = sheet.replace_strict(names, default="", return_dtype=pl.String)
        return (
            pl.when(sheet == own_sheet)
            .then(pl.format("regel {}", row))
            .otherwise(pl.format("regel {} op blad '{}'", row, name))
        )

    @cached_property
    def meerdere_per_rij(self) -> bool:
        """Whether a row can give more than one line: the 2017 layout with a column per unit
        (Minuten, Ligdagen, ...) gives one line per filled unit, all with the row's `_rij`."""
        return any(by_unit_columns(sheet) for sheet in self.bladen)

    def onbekend(self, names: Iterable[str]) -> pl.Expr:
        """Per production row: one of these columns holds a value the file does not give (a
        formula without a saved result, an error value: PM023)."""
        cells = self.productie.onbekend
        keys = cells.filter(pl.col("kolom").is_in(list(names))).get_column("_rij").unique()
        if keys.len() == 0:
            return pl.lit(False)
        return pl.col("_rij").is_in(keys.to_list())

    def kop(self, name: str) -> str:
        """The header as written in the file; the layout's standard header when absent."""
        info = self.productie.kolommen.get(name)
        if info:
            return info.kop
        return STANDARD_HEADERS.get(name, name.replace("_", " ").capitalize())

    def tekst(self, name: str) -> pl.Expr:
        """The cell text as read (`<naam>__tekst`), null for an empty cell or absent column."""
        column = f"{name}__tekst"
        if column in self.productie.frame.columns:
            blank = pl.col(column).str.strip_chars() == ""
            return pl.when(blank).then(None).otherwise(pl.col(column))
        return pl.lit(None, dtype=pl.String)

    def setting(self, name: str, default: Any) -> Any:
        return self.profile.get(f"controles.{name}", default)

    @property
    def open_einde(self) -> bool:
        """Whether an empty Einddatum is an open end (a running arrangement, Hart van Brabant:
        `controles.einddatum_verplicht = false`) rather than a missing value (PM001)."""
        return not self.setting("einddatum_verplicht", True)

    @property
    def arrangement_prefix(self) -> str | None:
        prefix = self.profile.get("arrangementen.prefix", None)
        return str(prefix) if prefix else None

    def is_arrangement_code(self, code: pl.Expr) -> pl.Expr:
        """The code starts with the profile's arrangement prefix (50H), in any case."""
        prefix = self.arrangement_prefix
        if not prefix:
            return pl.lit(False)
        return code.str.to_uppercase().str.starts_with(prefix.upper()).fill_null(False)

    @cached_property
    def minuutregel(self) -> Afronding:
        """The profile's rule for a tariff per minute: "afronden" (national) or "afkappen"."""
        return minuutregel(self.profile)

    @cached_property
    def indexatie(self) -> dict[int, int]:
        """Per year Y the profile's indexation Y-1 -> Y (`indexatie.Y`), in 1/10^8 (0,0286 ->
        2.860.000). A percentage with more decimals than that is a setting error."""
        found: dict[int, int] = {}
        for year, value in dict(self.profile.get("indexatie", {})).items():
            try:
                fraction = Decimal(str(value))
                scaled = fraction * 10**8
                if not str(year).isdigit() or scaled != scaled.to_integral_value():
                    raise ValueError(value)
            except (ArithmeticError, ValueError):
                from jeugdhulp.errors import OntbrekendeInstelling

                raise OntbrekendeInstelling(
                    f'indexatie.{year} (een breuk zoals "0.0286" voor 2,86%)',
                    self.profile.sleutel,
                ) from None
            found[int(year)] = int(scaled)
        return found

    # -- derived frames ---------------------------------------------------------------------
    @cached_property
    def listed_codes(self) -> frozenset[str]:
        """The product codes of the product list (sheet and profile)."""
        if self.products is None:
            return frozenset()
        codes = self.products.select(pl.col("productcode").str.strip_chars()).collect()
        return frozenset(codes.to_series().drop_nulls().to_list())

    @cached_property
    def code_reading(self) -> dict[str, str]:
        """Production codes read as another code (`canonical_codes`): against the product list
        and the allocations' codes. PM022 reports each."""
        distinct = self.productie.frame.get_column("productcode").unique().drop_nulls()
        typed = list({code.strip() for code in distinct.to_list()})
        known = set(self.listed_codes)
        if self.toewijzingen is not None:
            allocated = self._allocated_codes_typed
            reading = self.allocation_code_reading
            known |= {reading.get(code, code) for code in allocated}
        return canonical_codes(typed, known)

    @cached_property
    def _allocated_codes_typed(self) -> list[str]:
        assert self.toewijzingen is not None
        allocated = self.toewijzingen.frame.select(pl.col("productcode").str.strip_chars())
        return allocated.to_series().drop_nulls().unique().to_list()

    @cached_property
    def allocation_code_reading(self) -> dict[str, str]:
        """The allocations' codes read as a code of the product list (`canonical_codes`)."""
        if self.toewijzingen is None or not self.listed_codes:
            return {}
        return canonical_codes(self._allocated_codes_typed, self.listed_codes)

    @cached_property
    def rows(self) -> pl.LazyFrame:
        """The production rows with `_code` (the code as read: trimmed, and in the product
        list's spelling where `code_reading` says so), `_eenheid` (two-digit unit code), `_a`
        (quantity in 1/10.000), `_credit` (a credit line: Debet/credit C, or without that column
        a negative amount), `_los` (a credit line that cancels no debit line of this workbook,
        see `unmatched_credits`) and the signed quantity and amount a line adds to totals
        (`_q`, `_b`): a credit subtracts, a credit with `_los` counts 0 (its debit was declared
        before and is not counted here either)."""
        frame = self.productie.frame.lazy()
        code = _read_as(pl.col("productcode").str.strip_chars(), self.code_reading)
        credit = credit_line()
        frame = frame.with_columns(
            _code=code,
            _eenheid=eenheid_code(pl.col("eenheid")),
            _a=units(pl.col("aantal")),
            _bu=units(pl.col("bedrag")),
            _credit=credit,
        )
        unmatched = unmatched_credits(frame) if self._has_credits(credit) else []
        self._losse_credits = unmatched
        los = pl.col("_rij").is_in(unmatched) if unmatched else pl.lit(False)
        negate = pl.col("_credit")
        zero = pl.lit(0, dtype=UNITS)
        return frame.with_columns(_los=los).with_columns(
            _q=pl.when(pl.col("_los"))
            .then(zero)
            .when(negate & (pl.col("_a") > 0))
            .then(zero - pl.col("_a"))
            .otherwise(pl.col("_a")),
            _b=pl.when(pl.col("_los"))
            .then(zero)
            .when(negate & (pl.col("_bu") > 0))
            .then(zero - pl.col("_bu"))
            .otherwise(pl.col("_bu")),
        )

    @property
    def losse_credits(self) -> list[int]:
        """`_rij` of the credit lines that cancel no debit line of this workbook (`rows`)."""
        _ = self.rows
        return self._losse_credits

    def _has_credits(self, credit: pl.Expr) -> bool:
        return bool(self.productie.frame.select(credit.any()).item())

    @cached_property
    def products(self) -> pl.LazyFrame | None:
        """The product list: the Producten sheet, completed and extended by the profile's codes.

        Sheet rows win; an attribute the sheet leaves empty is taken from the profile's row for
        the same code; codes only the profile knows (arrangement codes, seed codes) are added.
        None when neither has any product.
        """
        own = typed_frame(self.profile.producten(), PRODUCTEN).with_columns(
            pl.lit("profiel").alias("_bron")
        )
        if self.producten_blad is None:
            if own.is_empty():
                return None
            return own.lazy()
        sheet = self.producten_blad.frame.select(list(PRODUCTEN)).with_columns(
            pl.lit("blad").alias("_bron")
        )
        fill = [c for c in PRODUCTEN if c not in ("_rij", "productcode", "tarief")]
        fill = [c for c in fill if c not in ("geldig_vanaf", "geldig_tot")]
        profile_by_code = own.unique("productcode", keep="first").select(
            "productcode", *[pl.col(c).alias(f"{c}__profiel") for c in fill]
        )
        completed = sheet.join(profile_by_code, on="productcode", how="left").select(
            "_rij",
            "productcode",
            "tarief",
            "geldig_vanaf",
            "geldig_tot",
            "_bron",
            *[pl.coalesce(c, f"{c}__profiel").alias(c) for c in fill],
        )
        only_profile = own.join(sheet.select("productcode"), on="productcode", how="anti")
        return pl.concat([completed.select(own.columns), only_profile], how="vertical").lazy()

    def _with_product(self, rows: pl.LazyFrame) -> pl.LazyFrame:
        """`rows` (production rows, as `rows` or a selection of its columns), each with the
        product-list row valid on its begindatum (`p_*`).

        `p_bekend`: the code is on the list at all; `p_geldig`: a row is valid on the
        begindatum (open validity dates count as valid, an empty begindatum too). When no row
        is valid but one was a year earlier and the profile indexes that year's tariffs
        (`indexatie`), the tariff is last year's indexed (`p_index`: the percentage, as text;
        `p_tarief_vorig`: last year's tariff). `p_tarief_u` is the tariff in 1/10.000 euro.
        `_cat` is the category: the Productcategorie column, else the list's category of the
        code (never the code's first characters: OP302, IV075). Looked up per distinct (code,
        begindatum), so the join is as small as the code list.
        """
        products = self.products
        if products is None:
            products = typed_frame([], PRODUCTEN).with_columns(_bron=pl.lit("")).lazy()
        keys = rows.select("_code", "begindatum").unique().filter(pl.col("_code").is_not_null())

        def valid_on(day: pl.Expr) -> pl.Expr:
            return (
                pl.col("geldig_vanaf").is_null() | day.is_null() | (pl.col("geldig_vanaf") <= day)
            ) & (pl.col("geldig_tot").is_null() | day.is_null() | (pl.col("geldig_tot") >= day))

        ranges = products.group_by("productcode").agg(
            p_vanaf=pl.when(pl.col("geldig_vanaf").is_null().any())
            .then(None)
            .otherwise(pl.col("geldig_vanaf").min()),
            p_tot=pl.when(pl.col("geldig_tot").is_null().any())
            .then(None)
            .otherwise(pl.col("geldig_tot").max()),
        )
        candidates = (
            keys.join(products, left_on="_code", right_on="productcode", how="inner")
            .with_columns(p_geldig=valid_on(pl.col("begindatum")))
            .sort(
                ["_code", "begindatum", "p_geldig", "geldig_vanaf"],
                descending=[False, False, True, True],
                nulls_last=True,
            )
            .unique(["_code", "begindatum"], keep="first", maintain_order=True)
            .join(ranges, left_on="_code", right_on="productcode", how="left")
            .select(
                "_code",
                "begindatum",
                pl.lit(True).alias("p_bekend"),
                "p_geldig",
                "p_vanaf",
                "p_tot",
                *[
                    pl.col(c).alias(f"p_{c}")
                    for c in PRODUCTEN
                    if c not in ("_rij", "productcode", "geldig_vanaf", "geldig_tot", "eenheid")
                ],
                pl.col("_bron").alias("p_bron"),
                eenheid_code(pl.col("eenheid")).alias("p_eenheid"),
                units(pl.col("tarief")).alias("p_tarief_u"),
                pl.lit(None, dtype=pl.String).alias("p_index"),
                pl.lit(None, dtype=UNITS).alias("p_tarief_vorig"),
            )
        )
        if self.indexatie:
            candidates = self._indexed(candidates, products, valid_on)
        joined = rows.join(
            candidates, on=["_code", "begindatum"], how="left", **{NULLS_EQUAL: True}
        ).with_columns(pl.col("p_bekend").fill_null(False), pl.col("p_geldig").fill_null(False))
        category = pl.col("productcategorie").str.strip_chars()
        return joined.with_columns(_cat=pl.coalesce(category, pl.col("p_productcategorie")))

    def _indexed(
        self,
        candidates: pl.LazyFrame,
        products: pl.LazyFrame,
        valid_on: Callable[[pl.Expr], pl.Expr],
    ) -> pl.LazyFrame:
        """Candidates without a row valid on the date get last year's tariff, indexed."""
        # The tariff of last year is the one in force at its end (a tariff changed mid-year:
        # the one from 1 July); that is what is indexed into this year.
        peil = pl.date(pl.col("begindatum").dt.year() - 1, 12, 31)
        last_year = (
            candidates.filter(~pl.col("p_geldig") & pl.col("begindatum").is_not_null())
            .select("_code", "begindatum")
            .join(products, left_on="_code", right_on="productcode", how="inner")
            .filter(valid_on(peil) & pl.col("tarief").is_not_null())
            .sort(["_code", "begindatum", "geldig_vanaf"], descending=[False, False, True])
            .unique(["_code", "begindatum"], keep="first", maintain_order=True)
            .select(
                "_code",
                "begindatum",
                v_tarief=units(pl.col("tarief")),
                v_eenheid=eenheid_code(pl.col("eenheid")),
            )
        )
        years = pl.LazyFrame(
            {"_jaar": list(self.indexatie), "_pct": list(self.indexatie.values())},
            schema={"_jaar": pl.Int32, "_pct": pl.Int64},
        )
        use = ~pl.col("p_geldig") & pl.col("v_tarief").is_not_null() & pl.col("_pct").is_not_null()
        scale = 10**8
        factor = pl.lit(scale, dtype=UNITS) + pl.col("_pct").cast(UNITS)
        indexed = round_half_up_div(pl.col("v_tarief") * factor, scale * 100) * 100
        percent = number_from_units(pl.col("_pct") // 100)  # 1/10^8 of 1 -> 1/10.000 of 1%
        return (
            candidates.join(last_year, on=["_code", "begindatum"], how="left")
            .with_columns(_jaar=pl.col("begindatum").dt.year().cast(pl.Int32))
            .join(years, on="_jaar", how="left")
            .with_columns(
                p_tarief_u=pl.when(use).then(indexed).otherwise(pl.col("p_tarief_u")),
                p_eenheid=pl.when(use).then(pl.col("v_eenheid")).otherwise(pl.col("p_eenheid")),
                p_index=pl.when(use).then(percent + pl.lit("%")),
                p_tarief_vorig=pl.when(use).then(pl.col("v_tarief")),
            )
            .with_columns(p_geldig=pl.col("p_geldig") | use.fill_null(False))
            .drop("v_tarief", "v_eenheid", "_jaar", "_pct")
        )

    @cached_property
    def is_arrangement(self) -> pl.LazyFrame:
        """`_rij` and `_arrangement`: the row's code is an arrangement code (product list
        `binnen_arrangement`, or the profile's arrangement prefix such as 50H)."""
        by_prefix = self.is_arrangement_code(pl.col("_code"))
        return self.product.select(
            "_rij", _arrangement=by_prefix | pl.col("p_binnen_arrangement").fill_null(False)
        )

    @cached_property
    def allocation_list(self) -> pl.LazyFrame:
        """The allocations, one row per allocation: its latest version in the list (rows
        without a toewijzingnummer stay apart), with `productcode` trimmed, `eenheid` as a
        two-digit code, `_versies` (how many rows of the list it has), `_freq` (the frequency,
        see `frequentie`) and `_n_totaal` (how many of its frequency's periods the whole
        allocation spans; null without an end date, 1 for totaal)."""
        if self.toewijzingen is None:
            raise RuntimeError("allocation list requested without allocations")
        return (
            self.toewijzingen.frame.lazy()
            .select(list(TOEWIJZINGEN))
            .with_columns(
                _read_as(pl.col("productcode").str.strip_chars(), self.allocation_code_reading),
                eenheid_code(pl.col("eenheid")).alias("eenheid"),
            )
            .sort("_rij")
            .with_columns(
                _sleutel=pl.coalesce(
                    "toewijzingnummer", pl.lit("#") + pl.col("_rij").cast(pl.String)
                )
            )
            .with_columns(_versies=pl.len().over(["bsn", "_sleutel"]))
            .unique(["bsn", "_sleutel"], keep="last", maintain_order=True)
            .drop("_sleutel")
            .with_columns(_freq=frequentie())
            .with_columns(
                _n_totaal=pl.when(pl.col("_freq") == "totaal")
                .then(pl.lit(1, dtype=pl.Int64))
                .when(pl.col("einddatum").is_not_null() & pl.col("ingangsdatum").is_not_null())
                .then(
                    periods_in(
                        pl.col("_freq"),
                        pl.col("ingangsdatum"),
                        pl.col("einddatum"),
                        pl.col("ingangsdatum"),
                    )
                )
            )
        )

    def in_scope(self, allocations: pl.LazyFrame) -> pl.LazyFrame:
        """Allocation-list rows to report: all of them, or with a shared allocation file
        (`toewijzingen_apart`) those of the children (BSNs) in this production sheet."""
        if not self.toewijzingen_apart:
            return allocations
        children = self.rows.select("bsn").unique()
        return allocations.join(children, on="bsn", how="semi")

    def products_in_scope(self, products: pl.LazyFrame) -> pl.LazyFrame:
        """Product-list rows to report: all of them, or with a shared product list
        (`producten_apart`) those of the codes declared in this workbook."""
        if not self.producten_apart:
            return products
        codes = self.rows.select(pl.col("_code").alias("productcode")).unique()
        return products.join(codes, on="productcode", how="semi")

    def kop_toewijzing(self, name: str) -> str:
        """The allocation sheet's header as written, or the layout's standard header."""
        info = self.toewijzingen.kolommen.get(name) if self.toewijzingen else None
        if info:
            return info.kop
        return STANDARD_HEADERS.get(name, name.replace("_", " ").capitalize())

    def _with_allocation(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """`frame` (all production rows) with the allocation each row is declared on (`t_*`).

        With a BSN and a toewijzingnummer the match is BSN + number (the latest row of that
        allocation in the list, so a later deletion with reason 13 counts). Without a number,
        BSN + product: an allocation naming the code, or an aspecifiek one (no code) of the
        row's category (`_cat`: the column, else the code list's); among several, one whose
        period covers the row's period, else the latest. `_match` says how it matched
        ("nummer", "product"; null: no allocation).
        """
        extra = ["_freq", "_n_totaal"]
        alloc = self.allocation_list.drop("_versies").rename(
            {c: f"t_{c}" for c in [*TOEWIJZINGEN, *extra]}
        )
        alloc_cols = [f"t_{c}" for c in [*TOEWIJZINGEN, *extra]]
        numbered = pl.col("toewijzingnummer").is_not_null() & pl.col("bsn").is_not_null()
        by_number = (
            frame.filter(numbered)
            .join(
                alloc,
                left_on=["bsn", "toewijzingnummer"],
                right_on=["t_bsn", "t_toewijzingnummer"],
                how="left",
                coalesce=False,
            )
            .with_columns(_match=pl.when(pl.col("t__rij").is_not_null()).then(pl.lit("nummer")))
        )
        without_number = frame.filter(~numbered)
        start, end = pl.col("t_ingangsdatum"), pl.col("t_einddatum")
        covers = (
            start.is_null() | pl.col("begindatum").is_null() | (start <= pl.col("begindatum"))
        ) & (end.is_null() | pl.col("einddatum").is_null() | (end >= pl.col("einddatum")))
        by_product = (
            without_number.filter(pl.col("bsn").is_not_null())
            .select("_rij", "bsn", "_code", "_cat", "begindatum", "einddatum")
            .join(alloc, left_on="bsn", right_on="t_bsn", how="inner", coalesce=False)
            .filter(
                (pl.col("t_productcode") == pl.col("_code")).fill_null(False)
                | (
                    pl.col("t_productcode").is_null()
                    & (pl.col("t_productcategorie") == pl.col("_cat"))
                ).fill_null(False)
            )
            .with_columns(_covers=covers)
            .sort(
                ["_rij", "_covers", "t_ingangsdatum"],
                descending=[False, True, True],
                nulls_last=True,
            )
            .unique("_rij", keep="first", maintain_order=True)
            .select("_rij", *alloc_cols)
        )
        by_product = without_number.join(by_product, on="_rij", how="left").with_columns(
            _match=pl.when(pl.col("t__rij").is_not_null()).then(pl.lit("product"))
        )
        return pl.concat([by_number, by_product.select(by_number.collect_schema().names())])

    @cached_property
    def enriched(self) -> pl.DataFrame:
        """The production rows with everything several checks look up, computed once:

        - the product-list row (`p_*`, see `_with_product`);
        - `_contract`: the contracted tariff per declared unit (see `contract_units`),
          `_uurtarief`: the hourly contract tariff when minutes are declared on it, and
          `_minuuttarief`: a listed minute tariff finer than cents (0,907) declared per minute;
        - `_tarief`: the tariff the line is computed with (declared, else contracted) and
          `_verwacht`: the amount it should have (TR346; minutes on an hourly tariff under the
          national rule IV081: hourly tariff x minutes / 60, rounded to cents; likewise
          minutes x an unrounded listed minute tariff). Without a
          contract tariff, minutes declared at a rounded minute tariff fit any hourly tariff
          that rounds to it: `_verwacht_min` / `_verwacht_max` bound those amounts;
        - with allocations, the allocation (`_match`, `t_*`, see `_with_allocation`).

        Collected eagerly on first use: every check that needs it then filters one frame
        instead of repeating the joins. Only the looked-up and derived columns are kept
        (`_lookups`, in the order of `productie.frame`); the production sheet's own columns are
        not copied but put beside them (`product`): at 1.000.000 rows a copy of every column
        cost some 0,5 GiB, and twice that while it was built.
        """
        return pl.concat([self._own, self._lookups], how="horizontal")

    @cached_property
    def _own(self) -> pl.DataFrame:
        """The production sheet's own columns, one chunk per column (see `_lookups`); no copy
        when they already are."""
        return self.productie.frame.rechunk()

    @cached_property
    def _lookups(self) -> pl.DataFrame:
        """The columns `enriched` adds to the production sheet's own, one row per production
        row in the same order."""
        own = self.productie.frame.columns
        # The sheet's columns the lookups read; the rest of the sheet is not carried along.
        needed = [
            *("_rij", "bsn", "toewijzingnummer", "productcategorie", "tarief"),
            *("begindatum", "einddatum"),
        ]
        rows = self.rows.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_volgorde"),
            *needed,
            *[c for c in self.rows.collect_schema().names() if c not in own],
        )
        frame = self._with_product(rows)
        regel = self.minuutregel
        pu, du = pl.col("p_eenheid"), pl.col("_eenheid")
        hourly_in_minutes = pl.col("p_geldig") & (pu == UUR) & (du == MINUUT)
        # A list tariff per minute with more than whole cents (0,907 = 54,42 / 60) is the
        # unrounded minute tariff: like an hourly one (IV081), it gives the amount.
        unrounded = (
            pl.col("p_geldig") & (pu == MINUUT) & (du == MINUUT) & (pl.col("p_tarief_u") % 100 != 0)
        )
        frame = frame.with_columns(
            _contract=pl.when(pl.col("p_geldig")).then(
                contract_units(pu, du, pl.col("p_tarief_u"), regel)
            ),
            _uurtarief=pl.when(hourly_in_minutes).then(pl.col("p_tarief_u")),
            _minuuttarief=pl.when(unrounded).then(pl.col("p_tarief_u")),
        ).with_columns(_tarief=pl.coalesce(units(pl.col("tarief")), pl.col("_contract")))
        a = pl.col("_a")
        per_line = round_half_up_cents(a * pl.col("_tarief"))
        if regel == "afronden":
            minutes = round_half_up_div(pl.col("_uurtarief") * a, 60 * 1_000_000) * 100
            listed = round_half_up_cents(a * pl.col("_minuuttarief"))
            expected = (
                pl.when(pl.col("_uurtarief").is_not_null())
                .then(minutes)
                .when(pl.col("_minuuttarief").is_not_null())
                .then(listed)
                .otherwise(per_line)
            )
            declared = units(pl.col("tarief"))
            open_range = (
                (du == MINUUT)
                & pl.col("_contract").is_null()
                & declared.is_not_null()
                & (declared % 100 == 0)
            )
            low = round_half_up_div((declared * 60 - 3000) * a, 60 * 1_000_000) * 100
            high = round_half_up_div((declared * 60 + 2900) * a, 60 * 1_000_000) * 100
            bounds = {
                "_verwacht_min": pl.when(open_range).then(low),
                "_verwacht_max": pl.when(open_range).then(high),
            }
        else:
            expected = per_line
            bounds = {
                "_verwacht_min": pl.lit(None, dtype=UNITS),
                "_verwacht_max": pl.lit(None, dtype=UNITS),
            }
        frame = frame.with_columns(_verwacht=expected, **bounds)
        if self.toewijzingen is not None:
            frame = self._with_allocation(frame)
        # One chunk per column (and `_own` likewise): polars 2.1's streaming engine hands `pl.format` uneven chunks
        # of a multi-chunk frame, and its string formatter then panics ("assertion failed:
        # i < self.len()", str_format stepping onto an empty chunk; pl.format was reworked in
        # pola-rs/polars#24811, chunk fixes #25162 and #25159). Seen in PM006 from some
        # 410.000 rows; a rechunk here costs a copy of the joined columns (~0,1 s there).
        frame = frame.sort("_volgorde").drop("_volgorde", *needed, *UNUSED_LOOKUPS, strict=False)
        found = frame.collect().rechunk()
        if found.height != self.productie.frame.height:  # one lookup per row, or a bug here
            raise RuntimeError("lookups do not give one row per production row")
        return found

    @property
    def product(self) -> pl.LazyFrame:
        """All production rows with their product-list columns (`p_*`, `_contract`)."""
        return pl.concat([self._own.lazy(), self._lookups.lazy()], how="horizontal")

    @property
    def allocation(self) -> pl.LazyFrame:
        """The production rows with a BSN, with the allocation they are declared on (`t_*`;
        `_match` null when there is none)."""
        if self.toewijzingen is None:
            raise RuntimeError("allocation frame requested without allocations")
        return self.product.filter(pl.col("bsn").is_not_null())

    @cached_property
    def allocated_codes(self) -> pl.LazyFrame:
        """Per BSN in the allocations (`t_bsn`), the codes it has (`t_codes`, for messages) and
        whether one is aspecifiek (`t_aspecifiek`: a category without a code)."""
        if self.toewijzingen is None:
            raise RuntimeError("allocation frame requested without allocations")
        alloc = self.toewijzingen.frame.lazy()
        code = pl.col("productcode").str.strip_chars()
        return alloc.group_by(pl.col("bsn").alias("t_bsn")).agg(
            t_codes=pl.coalesce(code, pl.lit("categorie ") + pl.col("productcategorie"))
            .unique()
            .sort()
            .str.join(", "),
            t_aspecifiek=(code.is_null() & pl.col("productcategorie").is_not_null()).any(),
        )
