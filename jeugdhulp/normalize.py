"""From the text of a sheet to the typed frames of `jeugdhulp.schema`, vectorised in polars.

The reader (`batch.reader`) gives every cell as text; this module parses whole columns with polars
expressions that mirror the single-value rules of `jeugdhulp.parse` and `jeugdhulp.bsn` (a property
test keeps them equal). No Python loop runs over rows, so a million rows take seconds.

Leniency (`<naam>__soepel`, reported as PM022) is flagged where the text shows it: a Dutch decimal
comma or thousands dots, a euro sign or percent, a date typed as text (01-03-2023), a BSN whose
leading zero was lost. A plain number ("54.42") is what the reader gives for a number cell, so it is
not flagged; an ISO datetime ("2023-03-01 00:00:00") is what it gives for a date cell, likewise.

A value that cannot be parsed leaves the typed column null while `<naam>__tekst` keeps the text:
the checks report those (PM001 / PM003).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import polars as pl

from jeugdhulp.budget import VERWIJZER_BEGIN, VERWIJZER_GI
from jeugdhulp.columns import (
    QUANTITY_COLUMNS,
    UNIT_CODE_WORD,
    UNIT_CODES,
    UNIT_WORD_CODE,
    Column,
    column,
    missing_required,
)
from jeugdhulp.parse import (
    CELL_NUMBER,
    EERSTE_SERIEDATUM,
    EXCEL_CIJFERS,
    NUMBER_EN,
    NUMBER_INT,
    NUMBER_NL,
    NUMBER_SPACES,
    NUMBER_TEXT,
)
from jeugdhulp.parse import fold as parse_fold
from jeugdhulp.schema import DECIMAL, PRODUCTEN, PRODUCTIE, TOEWIJZINGEN, ColumnInfo, TableInfo

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "productie": PRODUCTIE,
    "toewijzingen": TOEWIJZINGEN,
    "producten": PRODUCTEN,
}

# ----------------------------------------------------------------------------------------------
# Regular expressions: those of jeugdhulp.parse, with [0-9] for \d (Rust's \d is Unicode-wide).
_DMY = r"^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})$"
_SLASH = r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$"
# parse.py's _YMD, widened to any time of day: "2023-03-01 12:30:00" is how the reader gives a
# datetime cell (the date part is what counts).
_YMD = (
    r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[T ]00:00(?::00(?:\.0+)?)?|[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)?$"
)
# The reader's text of a date(time) cell: not typed as text, so not lenient.
_CELL_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?$"
_SERIAL = r"^[0-9]+(?:\.[0-9]+)?$"
_FLOAT_INTEGER = r"^([0-9]+)\.0+$"  # "111222333.0": an integer from a float cell

#: Suffix of the raw frame's optional Boolean column per letter column that says which cells are
#: text cells (true) and which hold numbers (false): "H~tekst" for column H. The file reader adds
#: it where it matters (see `batch.reader`); without it a text shaped like a number cell's text
#: ("7.688") is taken to be a number cell, unless the whole source is text (csv).
TEXT_CELL_SUFFIX = "~tekst"

_EXCEL_EPOCH_DAYS = (dt.date(1899, 12, 30) - dt.date(1970, 1, 1)).days  # -25569
_EXCEL_EPOCH_1904_DAYS = (dt.date(1904, 1, 1) - dt.date(1970, 1, 1)).days  # -24107
_EXCEL_MAX_SERIAL = 2958466  # 1-1-10000
#: The largest amount, tariff, quantity or budget read as a number (in euro or units): beyond it
#: a value is no sane figure in a youth-care workbook (1e20, a pasted account number), and the
#: checks' exact arithmetic (units of 1/10.000, products of two values) must not overflow. Such a
#: cell reads as not readable (PM001) instead of stopping the file.
GROOTSTE_GETAL = 10**9


def _stdnum_char_map() -> dict[str, str]:
    """stdnum.util.clean's Unicode map (dashes, dots, spaces, full-width digits to ASCII)."""
    try:
        from stdnum.util import _char_map  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - another stdnum version: ASCII only
        return {}
    return {key: value for key, value in _char_map.items() if key != value}


_BSN_CHAR_MAP = _stdnum_char_map()

TRUE_WORDS = ("ja", "j", "waar", "true", "1", "yes", "y", "x", "1.0")
FALSE_WORDS = ("nee", "n", "onwaar", "false", "0", "no", "0.0")


# ----------------------------------------------------------------------------------------------
# Column parsers. The simple ones are one expression over the text; decimals, dates and BSNs run
# in stages (see `Plan`) and give the names of their value and leniency columns.


def cell_text_expr(column: pl.Expr, dtype: pl.DataType | None) -> pl.Expr:
    """The text the reader gives for cells of a column read typed (`dtype`), exactly as for a
    column read as text (`jeugdhulp.cells.cell_text`): a number fixed-point with at most 9
    decimals ("54.42", "45"), a date-time "2023-03-01 00:00:00" (".500" for milliseconds),
    TRUE/FALSE "true"/"false". Text stays text."""
    if dtype is None or dtype == pl.String:
        return column
    if dtype == pl.Float64 or dtype == pl.Float32:
        fixed = column.cast(pl.Decimal(38, 9), strict=False).cast(pl.String)
        trimmed = fixed.str.strip_chars_end("0").str.strip_chars_end(".")
        # beyond 10^15 a float has no exact decimals: polars' own text ("1e+20"), only ever
        # shown for a number beyond GROOTSTE_GETAL
        negative_zero = (column == 0) & (pl.lit(1.0) / column < 0)  # "-0", as fastexcel has it
        return (
            pl.when(negative_zero)
            .then(pl.lit("-0"))
            .when(column.abs() < 1e15)
            .then(trimmed)
            .when(column.is_finite())
            .then(column.cast(pl.String))
        )
    if dtype == pl.Boolean:
        return pl.when(column).then(pl.lit("true")).when(~column).then(pl.lit("false"))
    if isinstance(dtype, pl.Datetime):
        text = column.dt.to_string("%Y-%m-%d %H:%M:%S%.3f")
        return text.str.strip_suffix(".000")
    if dtype == pl.Date:
        return column.dt.to_string("%Y-%m-%d") + pl.lit(" 00:00:00")
    return column.cast(pl.String)


def blank(text: pl.Expr) -> pl.Expr:
    """True where a cell is empty (null) or only whitespace."""
    return text.is_null() | (text.str.strip_chars() == "")


def _fold_series(values: pl.Series) -> pl.Series:
    mapping = {value: parse_fold(value) for value in values.drop_nulls().unique().to_list()}
    if not mapping:
        return pl.Series(values.name, [None] * len(values), dtype=pl.String)
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)


def fold(text: pl.Expr) -> pl.Expr:
    """`jeugdhulp.parse.fold` over a column (accents, case, spaces and punctuation ignored).

    The rule itself is applied once per distinct value: the columns folded here (units, ja/nee,
    soort tijd, verwijzer, domein) hold a handful of distinct words, and it keeps one home for
    the rule (polars' own `str.normalize` is also missing from the polars Pyodide ships).
    """
    return text.map_batches(_fold_series, return_dtype=pl.String, is_elementwise=True)


def _strip_money(text: pl.Expr) -> pl.Expr:
    return (
        text.str.strip_chars()
        .str.replace_all("\u00a0", " ", literal=True)
        .str.strip_prefix("€")
        .str.strip_chars()
    )


class Plan:
    """Column expressions in stages: each stage is one `with_columns` over temporaries.

    Polars evaluates a subexpression once per use, so a parser that needs an intermediate value
    several times (the cleaned text, the regex verdicts) stores it as a temporary column in one
    stage and refers to it in the next: that keeps a million rows at well under a second.
    """

    def __init__(self) -> None:
        self.stages: list[list[pl.Expr]] = []
        self.temporaries: list[str] = []

    def add(self, level: int, name: str, expr: pl.Expr, *, temporary: bool = True) -> str:
        while len(self.stages) <= level:
            self.stages.append([])
        self.stages[level].append(expr.alias(name))
        if temporary:
            self.temporaries.append(name)
        return name

    def apply(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        for stage in self.stages:
            frame = frame.with_columns(stage)
        return frame


#: A column parser: (plan, source column, output name, dtype, `tekstcel`) -> (value column,
#: leniency column or None, stage depth). `tekstcel` is true where the cell is a text cell.
Parser = Callable[[Plan, str, str, pl.DataType, pl.Expr], tuple[str, str | None, int]]


def decimal_parser(
    plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
) -> tuple[str, str, int]:
    """A number as Decimal(38, 4) (rounded half-even), and whether lenient: the polars twin of
    `jeugdhulp.parse.read_number`, step by step.

    `tekstcel`: true where the cell is text, false where it holds a number; a text shaped like a
    number cell's ("7.688") is read as that number unless the cell is known to be text. Besides
    the value and the leniency it adds the temporaries `<out>~dubbelzinnig` (read the Dutch way,
    also has an English reading) and `<out>~nl` / `<out>~en` (the text shows that convention).
    """
    text = pl.col(src)
    for space in NUMBER_SPACES:
        text = text.str.replace_all(space, " ", literal=True)
    s = pl.col(plan.add(0, f"{out}~s", text.str.strip_chars()))
    cell = s.str.contains(CELL_NUMBER) & ~tekstcel
    as_cell = plan.add(1, f"{out}~cell", cell)
    # Only typed text goes through the regular expressions below (they pass nulls by at once):
    # in a column of number cells with a few typed texts, that is the few.
    typed = plan.add(1, f"{out}~t", pl.when(~cell).then(s))
    parts = plan.add(2, f"{out}~g", pl.col(typed).str.extract_groups(NUMBER_TEXT))
    part = pl.col(parts).struct.field
    body = part("body")
    plain = plan.add(3, f"{out}~int", body.str.contains(NUMBER_INT))
    dutch = plan.add(3, f"{out}~nl?", body.str.contains(NUMBER_NL))
    english = plan.add(3, f"{out}~en?", body.str.contains(NUMBER_EN))
    signs = pl.sum_horizontal(
        part(name).is_not_null().cast(pl.Int32) for name in ("sign", "sign2", "sign3", "open")
    )
    currency = part("cur").is_not_null() | part("cur2").is_not_null()
    dash = part("dash").is_not_null()
    valid = plan.add(
        3,
        f"{out}~valid",
        body.is_not_null()
        & (part("open").is_null() == part("close").is_null())
        & (signs <= 1)
        & ~(part("cur").is_not_null() & part("cur2").is_not_null())
        & ~(part("pct").is_not_null() & currency)
        & ~(dash & body.str.contains(",", literal=True)),
    )
    negative = plan.add(
        3,
        f"{out}~neg",
        (part("sign") == "-").fill_null(False)
        | (part("sign2") == "-").fill_null(False)
        | part("sign3").is_not_null()
        | part("open").is_not_null(),
    )
    percent = plan.add(3, f"{out}~pct", part("pct").is_not_null())
    settled = plan.add(3, f"{out}~settled", currency | dash)
    ok = pl.col(valid)
    digits = (
        pl.when(pl.col(as_cell))
        .then(s)
        .when(ok & pl.col(plain))
        .then(body)
        .when(ok & pl.col(dutch))
        .then(body.str.replace_all(r"[. ]", "").str.replace(",", ".", literal=True))
        .when(ok & pl.col(english))
        .then(body.str.replace_all(r"[, ]", ""))
    )
    signed = (
        pl.when(pl.col(negative) & ~pl.col(as_cell)).then(pl.lit("-") + digits).otherwise(digits)
    )
    number = plan.add(4, f"{out}~num", signed)
    # The English reading of an ambiguous text, taken when the table proves English (`_ambiguity`).
    english_digits = body.str.replace_all(r"[, ]", "")
    number_en = plan.add(
        4,
        f"{out}~num_en",
        pl.when(ok & pl.col(dutch) & pl.col(english)).then(
            pl.when(pl.col(negative)).then(pl.lit("-") + english_digits).otherwise(english_digits)
        ),
    )
    # Exact at 9 decimals (the most a cell's text has), then rounded half-even to the schema's 4:
    # a direct cast rounds in current polars but truncates in the polars of Pyodide.
    exact = pl.col(number).cast(pl.Decimal(38, 9), strict=False)
    value = plan.add(
        5,
        f"{out}~value",
        _bounded(
            pl.when(pl.col(percent) & ~pl.col(as_cell))
            .then(exact / 100)
            .otherwise(exact)
            .round(4)
            .cast(dtype, strict=False)
        ),
    )
    exact_en = pl.col(number_en).cast(pl.Decimal(38, 9), strict=False)
    plan.add(
        5,
        f"{out}~value_en",
        _bounded(
            pl.when(pl.col(percent))
            .then(exact_en / 100)
            .otherwise(exact_en)
            .round(4)
            .cast(dtype, strict=False)
        ),
    )
    read = pl.col(number).is_not_null() & ~pl.col(as_cell)
    lenient = plan.add(5, f"{out}~lenient", pl.col(number).is_not_null() & ~pl.col(as_cell))
    nl, en = pl.col(dutch), pl.col(english)
    plan.add(5, f"{out}~dubbelzinnig", read & nl & en & ~pl.col(settled))
    plan.add(5, f"{out}~nl", read & nl & (~en | pl.col(settled)))
    plan.add(5, f"{out}~en", read & en & ~nl)
    return value, lenient, 6


def cell_number_parser(
    plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
) -> tuple[str, str, int]:
    """`decimal_parser` for a column whose every text is a number cell's ("54.42", "-3"): the
    same values, without the work for typed text (what most columns of a workbook are)."""
    s = pl.col(src).str.strip_chars()
    exact = s.cast(pl.Decimal(38, 9), strict=False)
    value = plan.add(0, f"{out}~value", _bounded(exact.round(4).cast(dtype, strict=False)))
    return _plain_number(plan, out, dtype, value)


def _plain_number(plan: Plan, out: str, dtype: pl.DataType, value: str) -> tuple[str, str, int]:
    """The temporaries of a number column without typed text: nothing lenient or ambiguous."""
    lenient = plan.add(0, f"{out}~lenient", pl.lit(False))
    for name in ("dubbelzinnig", "nl", "en"):
        plan.add(0, f"{out}~{name}", pl.lit(False))
    plan.add(0, f"{out}~value_en", pl.lit(None, dtype=dtype))
    return value, lenient, 1


def _bounded(value: pl.Expr) -> pl.Expr:
    """Null beyond `GROOTSTE_GETAL` (the cell then reads as not readable)."""
    return pl.when(value.abs() <= GROOTSTE_GETAL).then(value)


def float_number_parser(
    plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
) -> tuple[str, str, int]:
    """A number from a column of number cells read typed (Float64): the number as Excel shows
    it, 15 significant digits (`jeugdhulp.parse.excel_getal`: 47,55 + 1,05 is 48,6, not
    48,599999999999994), then rounded half-even to the schema's 4 decimals."""
    exact = pl.col(src).round_sig_figs(EXCEL_CIJFERS).cast(pl.Decimal(38, 9), strict=False)
    value = plan.add(0, f"{out}~value", _bounded(exact.round(4).cast(dtype, strict=False)))
    return _plain_number(plan, out, dtype, value)


def datetime_date_parser(
    plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
) -> tuple[str, str, int]:
    """A date from a column of date cells read typed (Datetime): its date, not lenient."""
    value = plan.add(0, f"{out}~value", pl.col(src).cast(pl.Date))
    _no_date_ambiguity(plan, out)
    return value, plan.add(0, f"{out}~lenient", pl.lit(False)), 1


def _from_serial(number: pl.Expr, datum1904: bool) -> pl.Expr:
    """The date of an Excel serial number (days since the epoch of the workbook's date system),
    null outside `jeugdhulp.parse.EERSTE_SERIEDATUM` .. 31-12-9999 (the rule of
    `jeugdhulp.parse.parse_date`). Out-of-range serials become null before any cast (Pyodide's
    polars raises on them)."""
    epoch = _EXCEL_EPOCH_1904_DAYS if datum1904 else _EXCEL_EPOCH_DAYS
    first = (EERSTE_SERIEDATUM - dt.date(1970, 1, 1)).days - epoch
    last = _EXCEL_MAX_SERIAL - (1462 if datum1904 else 0)
    num = pl.when((number >= first) & (number < last)).then(number)
    return (num.floor().cast(pl.Int64) + epoch).cast(pl.Date)


def serial_date_parser(datum1904: bool) -> Parser:
    """A date from a column of number cells read typed (Float64): an Excel serial, as a cell
    without date formatting holds it; lenient (PM022: give the cell a date format)."""

    def parser(
        plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
    ) -> tuple[str, str, int]:
        value = plan.add(0, f"{out}~value", _from_serial(pl.col(src), datum1904))
        _no_date_ambiguity(plan, out)
        return value, plan.add(1, f"{out}~lenient", pl.col(value).is_not_null()), 2

    return parser


def date_parser(
    plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr, datum1904: bool = False
) -> tuple[str, str, int]:
    """A date from a datetime cell's text, typed text, or an Excel serial ("44986", "44986.0").

    Typed text: 01-03-2023, 1-3-2023, 1/3/2023, 1.3.2023, 2023-03-01 (lenient). A serial is a
    number without date formatting (or typed as text): read as a date in the workbook's date
    system (`datum1904`), lenient, and only from `EERSTE_SERIEDATUM` on (2023 is a year).
    """
    s = pl.col(plan.add(0, f"{out}~s", pl.col(src).str.strip_chars()))
    serial = plan.add(1, f"{out}~serial", s.str.contains(_SERIAL))
    number = plan.add(1, f"{out}~num", s.cast(pl.Float64, strict=False))
    dmy = plan.add(1, f"{out}~dmy", s.str.extract_groups(_DMY))
    slash = plan.add(1, f"{out}~slash", s.str.extract_groups(_SLASH))
    ymd = plan.add(1, f"{out}~ymd", s.str.extract_groups(_YMD))
    cell = plan.add(1, f"{out}~cell", s.str.contains(_CELL_DATETIME))
    d, y = pl.col(dmy).struct, pl.col(ymd).struct
    year = pl.coalesce(d.field("3"), y.field("1"))
    month = pl.coalesce(d.field("2"), y.field("2")).str.zfill(2)
    day = pl.coalesce(d.field("1"), y.field("3")).str.zfill(2)
    iso = plan.add(2, f"{out}~iso", pl.concat_str([year, month, day], separator="-"))
    from_serial = plan.add(2, f"{out}~from_serial", _from_serial(pl.col(number), datum1904))
    i = pl.col(iso)
    value = plan.add(
        3,
        f"{out}~value",
        pl.when(pl.col(serial))
        .then(pl.col(from_serial))
        .when(~i.str.starts_with("0000"))
        .then(i.str.to_date("%Y-%m-%d", strict=False)),
    )
    lenient = plan.add(4, f"{out}~lenient", pl.col(value).is_not_null() & ~pl.col(cell))
    # d/m/yyyy with both parts up to 12 also reads m/d/yyyy (an American export): the evidence
    # of the table decides (`_date_ambiguity`)
    first = pl.col(slash).struct.field("1").cast(pl.Int32)
    second = pl.col(slash).struct.field("2").cast(pl.Int32)
    plan.add(2, f"{out}~amb", ((first <= 12) & (second <= 12) & (first != second)).fill_null(False))
    plan.add(2, f"{out}~dmy_ev", (first > 12).fill_null(False))
    plan.add(2, f"{out}~mdy_ev", ((second > 12) & (first <= 12)).fill_null(False))
    us = pl.concat_str(
        [
            pl.col(slash).struct.field("3"),
            pl.col(slash).struct.field("1").str.zfill(2),
            pl.col(slash).struct.field("2").str.zfill(2),
        ],
        separator="-",
    )
    plan.add(2, f"{out}~value_us", us.str.to_date("%Y-%m-%d", strict=False))
    return value, lenient, 5


def _no_date_ambiguity(plan: Plan, out: str) -> None:
    """The temporaries of `date_parser` for the table's convention, for a column read typed."""
    for name in ("amb", "dmy_ev", "mdy_ev"):
        plan.add(0, f"{out}~{name}", pl.lit(False))
    plan.add(0, f"{out}~value_us", pl.lit(None, dtype=pl.Date))


def date_parser_1904(
    plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
) -> tuple[str, str, int]:
    """`date_parser` in the 1904 date system (a Mac workbook)."""
    return date_parser(plan, src, out, dtype, tekstcel, datum1904=True)


def bsn_parser(
    plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
) -> tuple[str, str, int]:
    """Polars twin of `jeugdhulp.bsn.normalize_bsn`: 8 digits get their leading zero back.

    "111222333.0" (the text of a float cell) is read as the integer, like normalize_bsn(float).
    """
    s = pl.col(src).str.strip_chars().str.replace(_FLOAT_INTEGER, "$1")
    if _BSN_CHAR_MAP:
        s = s.str.replace_many(_BSN_CHAR_MAP)
    cleaned = pl.col(plan.add(0, f"{out}~c", s.str.replace_all(r"[ .\-]", "").str.strip_chars()))
    restored = plan.add(1, f"{out}~lenient", cleaned.str.contains(r"^[0-9]{8}$"))
    value = plan.add(
        2, f"{out}~value", pl.when(pl.col(restored)).then(pl.lit("0") + cleaned).otherwise(cleaned)
    )
    return value, restored, 3


def _simple(function: Callable[[pl.Expr], pl.Expr]) -> Parser:
    def parser(
        plan: Plan, src: str, out: str, dtype: pl.DataType, tekstcel: pl.Expr
    ) -> tuple[str, None, int]:
        return plan.add(0, f"{out}~value", function(pl.col(src))), None, 1

    return parser


def bool_expr(text: pl.Expr) -> pl.Expr:
    """ja/nee, WAAR/ONWAAR, 1/0, x; an empty cell is null (the checks read null as nee)."""
    word = text.str.strip_chars().str.to_lowercase()
    return pl.when(word.is_in(TRUE_WORDS)).then(True).when(word.is_in(FALSE_WORDS)).then(False)


def code_text_expr(text: pl.Expr) -> pl.Expr:
    """Trimmed text; an integer from a float cell ("45001.0") loses its ".0"."""
    s = text.str.strip_chars()
    return (
        pl.when(s.str.contains(_FLOAT_INTEGER)).then(s.str.extract(_FLOAT_INTEGER, 1)).otherwise(s)
    )


def two_digit_code_expr(text: pl.Expr) -> pl.Expr:
    """A code of up to 2 digits, zero-padded: "1" -> "01", "31.0" -> "31", "31 - volgens plan"."""
    s = text.str.strip_chars()
    code = pl.coalesce(
        s.str.extract(r"^([0-9]{1,2})(?:\.0+)?$", 1),
        s.str.extract(r"^([0-9]{1,2})\s*[-:–]?\s+[^0-9].*$", 1),
    )
    return code.str.zfill(2)


def unit_expr(text: pl.Expr) -> pl.Expr:
    """iJw unit code from a code ("1", "01", "4.0"), a word ("minuten", "etmaal") or both when
    they agree ("04 uur", "Uur (04)"): `jeugdhulp.columns.unit_code` over a column."""
    s = text.str.strip_chars()
    code = s.str.extract(r"^([0-9]{1,2})(?:\.0+)?$", 1).str.zfill(2)

    def word(expr: pl.Expr) -> pl.Expr:
        return fold(expr).replace_strict(UNIT_CODES, default=None, return_dtype=pl.String)

    agreed = []
    for pattern, code_group, word_group in ((UNIT_CODE_WORD, 1, 2), (UNIT_WORD_CODE, 2, 1)):
        given = s.str.extract(pattern, code_group).str.zfill(2)
        named = word(s.str.extract(pattern, word_group))
        agreed.append(pl.when(given == named).then(given))
    return pl.coalesce(code, word(s), *agreed)


def _by_prefix(text: pl.Expr, rules: list[tuple[tuple[str, ...], str]]) -> pl.Expr:
    """The value of the first rule one of whose prefixes starts the folded text, else null."""
    folded = fold(text)
    result: pl.Expr = pl.lit(None, dtype=pl.String)
    for prefixes, value in reversed(rules):
        condition = pl.any_horizontal([folded.str.starts_with(p) for p in prefixes])
        result = pl.when(condition).then(pl.lit(value)).otherwise(result)
    return result


#: Soort tijd for indirect time that is not client-bound (travel without the client is
#: client-bound; team meetings, training are not): never declarable (IJsselland FAQ).
NIET_CLIENTGEBONDEN = "niet-cliëntgebonden"


def soort_tijd_expr(text: pl.Expr) -> pl.Expr:
    """direct / indirect (client-bound) / niet-cliëntgebonden, from the folded text."""
    folded = fold(text)
    return (
        pl.when(folded.str.contains("nietclient") | folded.str.starts_with("niet"))
        .then(pl.lit(NIET_CLIENTGEBONDEN))
        .when(folded.str.starts_with("indirect"))
        .then(pl.lit("indirect"))
        .when(folded.str.starts_with("direct"))
        .then(pl.lit("direct"))
    )


def debet_credit_expr(text: pl.Expr) -> pl.Expr:
    """LDT_DebetCredit: "D" or "C" from D/C, debet/credit (any case); else null."""
    folded = fold(text)
    return (
        pl.when(folded.is_in(["d", "debet", "debit"]))
        .then(pl.lit("D"))
        .when(folded.is_in(["c", "credit"]))
        .then(pl.lit("C"))
    )


def trajecttype_expr(text: pl.Expr) -> pl.Expr:
    return _by_prefix(text, [(("herstel",), "herstel"), (("duurza",), "duurzaam")])


def verwijzer_expr(text: pl.Expr) -> pl.Expr:
    """`jeugdhulp.budget.verwijzer_soort` over a column."""
    folded = fold(text)
    result = pl.when(folded.is_in(sorted(VERWIJZER_GI))).then(pl.lit("gi"))
    for soort, begins in VERWIJZER_BEGIN:
        condition = pl.any_horizontal([folded.str.starts_with(b) for b in begins])
        result = result.when(condition).then(pl.lit(soort))
    return result


def domein_expr(text: pl.Expr) -> pl.Expr:
    folded = fold(text)
    return (
        pl.when(folded.is_in(["jo", "jeugdenopvoedhulp", "jeugdenopvoeding"]))
        .then(pl.lit("J&O"))
        .when(folded.str.starts_with("ggz") | folded.str.starts_with("jeugdggz"))
        .then(pl.lit("GGZ"))
        .when(folded.str.starts_with("lvb"))
        .then(pl.lit("LVB"))
    )


def productcategorie_expr(text: pl.Expr) -> pl.Expr:
    code = code_text_expr(text)
    return pl.when(code.str.contains(r"^[0-9]$")).then(code.str.zfill(2)).otherwise(code)


_SPECIAL: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "eenheid": unit_expr,
    "reden_beeindiging": two_digit_code_expr,
    "reden_wijziging": two_digit_code_expr,
    "soort_tijd": soort_tijd_expr,
    "trajecttype": trajecttype_expr,
    "verwijzer": verwijzer_expr,
    "domein": domein_expr,
    "productcategorie": productcategorie_expr,
    "debet_credit": debet_credit_expr,
}


def parser_for(naam: str, dtype: pl.DataType) -> Parser:
    """The parser of a canonical column, by name first, then by its type."""
    if naam == "bsn":
        return bsn_parser
    if naam in _SPECIAL:
        return _simple(_SPECIAL[naam])
    if dtype == pl.Date:
        return date_parser
    if isinstance(dtype, pl.Decimal):
        return decimal_parser
    if dtype == pl.Boolean:
        return _simple(bool_expr)
    return _simple(code_text_expr)


def plan_column(
    plan: Plan,
    naam: str,
    dtype: pl.DataType,
    src: str,
    out: str | None = None,
    tekstcel: pl.Expr | None = None,
    *,
    parser: Parser | None = None,
    bron: pl.DataType | None = None,
) -> tuple[str, str, str]:
    """Add the parsing of file column `src` as canonical column `naam` to a plan.

    Returns the names of the typed value, `__tekst` and `__soepel` columns (`out`,
    `out__tekst`, `out__soepel`). An empty cell gives null, null and false. `tekstcel`: which
    cells are text cells (see `decimal_parser`); default: none known. `parser`: instead of the
    column's own (`parser_for`). `bron`: the type of `src` when it is not text (a column read
    typed, see `normalize`); its `__tekst` is then the text the reader gives such a cell.
    """
    out = out or naam
    known = pl.lit(False) if tekstcel is None else tekstcel.fill_null(False)
    parse = parser or parser_for(naam, dtype)
    value, lenient, depth = parse(plan, src, out, dtype, known)
    typed = bron is not None and bron != pl.String
    text = cell_text_expr(pl.col(src), bron) if typed else pl.col(src)
    blank = pl.col(src).is_null()
    empty = plan.add(0, f"{out}~empty", blank if typed else blank | (text.str.strip_chars() == ""))
    filled = ~pl.col(empty)
    plan.add(depth, out, pl.when(filled).then(pl.col(value)).cast(dtype), temporary=False)
    plan.add(depth, f"{out}__tekst", pl.when(filled).then(text), temporary=False)
    soepel = pl.lit(False) if lenient is None else (filled & pl.col(lenient)).fill_null(False)
    plan.add(depth, f"{out}__soepel", soepel, temporary=False)
    return out, f"{out}__tekst", f"{out}__soepel"


def parse_texts(
    naam: str,
    values: pl.Series | list[str | None],
    table: str = "productie",
    *,
    tekst: bool = False,
) -> pl.DataFrame:
    """Parse a list of texts as canonical column `naam`: frame with `waarde` and `soepel`, and for
    numbers `dubbelzinnig` (see `jeugdhulp.parse.read_number`).

    `tekst`: the texts are text cells (typed text, csv); otherwise a text shaped like a number
    cell's ("7.688") is that number. For tests and single-column uses; `normalize` does the same
    for whole tables.
    """
    dtype = SCHEMAS[table][naam]
    frame = pl.DataFrame({"bron": pl.Series(values, dtype=pl.String)})
    plan = Plan()
    value, _, lenient = plan_column(plan, naam, dtype, "bron", "uit", pl.lit(tekst))
    columns = [pl.col(value).alias("waarde"), pl.col(lenient).alias("soepel")]
    if isinstance(dtype, pl.Decimal):
        columns.append(pl.col("uit~dubbelzinnig").fill_null(False).alias("dubbelzinnig"))
    return plan.apply(frame.lazy()).select(columns).collect()


# ----------------------------------------------------------------------------------------------


def _as_info(naam: str, where: ColumnInfo | str) -> ColumnInfo:
    if isinstance(where, ColumnInfo):
        return where
    return ColumnInfo(naam=naam, kop=where, letter=where)


def normalize(
    raw: pl.DataFrame,
    table: str,
    mapping: Mapping[str, ColumnInfo | str],
    blad: str,
    kopregel: int,
    *,
    alles_tekst: bool = False,
    datum1904: bool = False,
    onbekende_rijen: Sequence[int] = (),
) -> TableInfo:
    """The typed frame of one table (see `jeugdhulp.schema`) from a sheet read as text, or typed
    where a column is uniformly typed.

    `alles_tekst`: the source has no cell types (a csv file), so a date or a decimal comma in
    text is simply how values are written there, not something to report; only a BSN that lost
    its leading zero (the exporting program stored it as a number) stays flagged (PM022).
    `datum1904`: the workbook counts date serials from 1-1-1904 (a Mac workbook).
    `onbekende_rijen`: rows (`_rij`) with a cell whose value the file does not give (see
    `TableInfo.onbekend`): kept even when every mapped cell is empty, since unknown is not empty.

    A raw column may be typed instead of text (the file reader reads a column of only numbers
    as Float64, of only dates as Datetime): a number column then needs no parsing, a date
    column of dates neither, and a column of numbers read as dates holds Excel serials; for any
    other field such a column is first turned into the text the reader gives its cells
    (`cell_text_expr`), so the result is the same as from a sheet read as text.

    `raw`: all String columns plus `_rij` (Int64, the Excel row number), the rows below the
    header. `mapping`: canonical column name -> where it is in the file: a `ColumnInfo` whose
    `letter` is the name of the raw column (the reader names raw columns by Excel letter), or
    simply the raw column's name. Rows in which every mapped cell is empty are dropped.

    Productie in the 2017 style (quantity columns Minuten / Uren / ... instead of Eenheid and
    Aantal) gives one line per filled quantity column: same `_rij`, `eenheid` from the column,
    `_aantal_kolom` the column's canonical name (look it up in `kolommen` to point at the cell).
    """
    schema = SCHEMAS.get(table)
    if schema is None:
        raise ValueError(f"onbekende tabel {table!r}")
    infos = {naam: _as_info(naam, where) for naam, where in mapping.items()}
    for naam, info in infos.items():
        column(table, naam)  # KeyError on an unknown canonical name
        if info.letter not in raw.columns:
            raise KeyError(f"kolom {info.letter!r} ({naam}) ontbreekt in het gelezen blad")

    meldingen = _notes(table, infos)
    quantity = [q for q in QUANTITY_COLUMNS if q.naam in infos] if table == "productie" else []
    melt = bool(quantity) and "aantal" not in infos
    if quantity and not melt:
        names = ", ".join(infos[q.naam].kop for q in quantity)
        meldingen.append(f"Kolommen {names} niet gebruikt: er zijn kolommen Aantal en Eenheid.")
    if melt:
        used = ", ".join(f"{infos[q.naam].kop} (eenheid {q.eenheid})" for q in quantity)
        meldingen.append(
            f"Aantallen gelezen uit de kolommen {used}: één regel per gevuld aantal "
            "(productiemonitor 2017)."
        )
    if melt and "eenheid" in infos:
        meldingen.append(
            f"Kolom '{infos['eenheid'].kop}' niet gebruikt: de eenheid volgt uit de kolommen "
            + ", ".join(infos[q.naam].kop for q in quantity)
            + "."
        )

    parsers, raw = _typed_sources(raw, table, infos, quantity if melt else [], datum1904)
    frame = raw.lazy()
    filled = [
        pl.col(letter).is_not_null() & (pl.col(letter).str.strip_chars() != "")
        if raw.schema[letter] == pl.String
        else pl.col(letter).is_not_null()
        for letter in (info.letter for info in infos.values())
    ]
    if onbekende_rijen:
        filled.append(pl.col("_rij").is_in(list(onbekende_rijen)))
    # Drop rows in which every mapped cell is empty (the _rij of the others stay true).
    frame = frame.filter(pl.any_horizontal(filled) if filled else pl.lit(False))

    def text_cells(letter: str) -> pl.Expr:
        if alles_tekst:
            return pl.lit(True)
        companion = f"{letter}{TEXT_CELL_SUFFIX}"
        return pl.col(companion) if companion in raw.columns else pl.lit(False)

    number_letters = [
        info.letter
        for naam, info in infos.items()
        if (naam in QUANTITY_NAMES or isinstance(schema.get(naam), pl.Decimal))
        and raw.schema[info.letter] == pl.String
    ]
    cell_numbers = set() if alles_tekst else _only_cell_numbers(raw, number_letters)

    def number_parser(letter: str) -> Parser | None:
        if letter in parsers:
            return parsers[letter]
        return cell_number_parser if letter in cell_numbers else None

    plan = Plan()
    typed: list[pl.Expr] = [pl.col("_rij").cast(pl.Int64)]
    companions: list[pl.Expr] = []
    decimals: list[str] = []  # output names of the number columns, for the convention evidence
    dates: list[str] = []  # and of the date columns
    for naam, dtype in schema.items():
        if naam in ("_rij", "_aantal_kolom") or (melt and naam in ("eenheid", "aantal")):
            continue
        if naam in infos:
            letter = infos[naam].letter
            value, tekst, soepel = plan_column(
                plan,
                naam,
                dtype,
                letter,
                None,
                text_cells(letter),
                parser=number_parser(letter),
                bron=raw.schema[letter],
            )
            typed.append(pl.col(value))
            companions += [pl.col(tekst), pl.col(soepel)]
            if isinstance(dtype, pl.Decimal):
                decimals.append(value)
                companions.append(pl.col(f"{value}__dubbelzinnig"))
            elif dtype == pl.Date:
                dates.append(value)
                companions.append(pl.col(f"{value}__dubbelzinnig"))
        else:
            typed.append(pl.lit(None, dtype=dtype).alias(naam))
    if "_aantal_kolom" in schema and not melt:
        kolom = pl.lit("aantal" if "aantal" in infos else None, dtype=pl.String)
        typed.append(kolom.alias("_aantal_kolom"))
    for k, q in enumerate(quantity if melt else []):
        letter = infos[q.naam].letter
        plan_column(
            plan,
            "aantal",
            DECIMAL,
            letter,
            f"~q{k}",
            text_cells(letter),
            parser=number_parser(letter),
            bron=raw.schema[letter],
        )
        decimals.append(f"~q{k}")

    frame = _date_ambiguity(
        _ambiguity(plan.apply(frame), decimals, alles_tekst), dates, alles_tekst
    )
    if melt:
        result = _melt_quantities(frame, typed + companions, quantity)
    else:
        result = frame.select(typed + companions).collect()

    if alles_tekst:
        # A number's leniency in a csv is its ambiguity alone (set by `_ambiguity`).
        result = result.with_columns(
            pl.lit(False).alias(name)
            for name in result.columns
            if name.endswith("__soepel")
            and name != "bsn__soepel"
            and name.replace("__soepel", "__dubbelzinnig") not in result.columns
        )
    positions = {naam: n for n, naam in enumerate(schema)}
    extra = [name for name in result.columns if name not in schema]
    extra.sort(key=lambda name: (positions[name.split("__")[0]], not name.endswith("__tekst")))
    result = result.select([naam for naam in schema if naam in result.columns] + extra)
    return TableInfo(
        blad=blad, frame=result, kolommen=infos, kopregel=kopregel, meldingen=meldingen
    )


def _typed_sources(
    raw: pl.DataFrame,
    table: str,
    infos: Mapping[str, ColumnInfo],
    quantity: list[Column],
    datum1904: bool,
) -> tuple[dict[str, Parser], pl.DataFrame]:
    """Per raw column the parser for its type (see `normalize`): typed columns that a field
    reads as they are get their parser; the others become text (`cell_text_expr`), and a text
    date column in the 1904 system gets the 1904 serials."""
    schema = SCHEMAS[table]
    targets = {info.letter: schema.get(naam, DECIMAL) for naam, info in infos.items()}
    targets.update({infos[q.naam].letter: DECIMAL for q in quantity})
    parsers: dict[str, Parser] = {}
    to_text = []
    for letter, target in targets.items():
        kind = raw.schema[letter]
        if kind == pl.String:
            if target == pl.Date and datum1904:
                parsers[letter] = date_parser_1904
        elif isinstance(target, pl.Decimal) and kind in (pl.Float64, pl.Float32):
            parsers[letter] = float_number_parser
        elif target == pl.Date and (isinstance(kind, pl.Datetime) or kind == pl.Date):
            parsers[letter] = datetime_date_parser
        elif target == pl.Date and kind in (pl.Float64, pl.Float32):
            parsers[letter] = serial_date_parser(datum1904)
        else:
            to_text.append(letter)
            if target == pl.Date and datum1904:
                parsers[letter] = date_parser_1904
    if to_text:
        raw = raw.with_columns(
            cell_text_expr(pl.col(letter), raw.schema[letter]).alias(letter) for letter in to_text
        )
    return parsers, raw


def _melt_quantities(
    frame: pl.LazyFrame, columns: list[pl.Expr], quantity: list[Column]
) -> pl.DataFrame:
    """2017 style: one declared line per non-zero quantity column of a row.

    A row whose quantity columns are all zero keeps one line with aantal 0 (the first such
    column); a row with no quantity at all keeps one line with aantal null, so PM001 can flag it.
    Lines keep the row order (explode, no sort).
    """
    count = len(quantity)
    value = [pl.col(f"~q{k}") for k in range(count)]
    tekst = [pl.col(f"~q{k}__tekst") for k in range(count)]
    soepel = [pl.col(f"~q{k}__soepel") for k in range(count)]
    dubbel = [pl.col(f"~q{k}__dubbelzinnig") for k in range(count)]
    keep = [
        (v.is_not_null() & (v != 0)) | (v.is_null() & t.is_not_null())
        for v, t in zip(value, tekst, strict=True)
    ]
    first_zero: pl.Expr = pl.lit(None, dtype=pl.Int32)
    for k in reversed(range(count)):
        first_zero = pl.when(value[k] == 0).then(pl.lit(k, dtype=pl.Int32)).otherwise(first_zero)
    # Per row the indices of its lines: the kept quantity columns, else one fallback line (-1 -
    # the first zero column, or -1 - count when there is no quantity at all).
    indices = pl.concat_list(
        [pl.when(flag).then(pl.lit(k, dtype=pl.Int32)) for k, flag in enumerate(keep)]
    )
    indices = indices.list.drop_nulls()
    fallback = pl.concat_list([-1 - first_zero.fill_null(count)])
    lines = (
        frame.select(
            *columns,
            *value,
            *tekst,
            *soepel,
            *dubbel,
            pl.when(indices.list.len() > 0).then(indices).otherwise(fallback).alias("~k"),
        )
        .explode("~k")
        .collect()
    )
    k = pl.col("~k")
    unit_of = {i: q.eenheid for i, q in enumerate(quantity)}
    unit_of.update({-1 - i: q.eenheid for i, q in enumerate(quantity)})
    name_of = {i: q.naam for i, q in enumerate(quantity)}
    name_of.update({-1 - i: q.naam for i, q in enumerate(quantity)})
    name_of[-1 - count] = quantity[0].naam
    pick_value = pl.coalesce(
        [pl.when((k == i) | (k == -1 - i)).then(value[i]) for i in range(count)]
    )
    pick_text = pl.coalesce(
        [pl.when((k == i) | (k == -1 - i)).then(tekst[i]) for i in range(count)]
    )
    pick_soepel = pl.coalesce([pl.when(k == i).then(soepel[i]) for i in range(count)])
    pick_dubbel = pl.coalesce([pl.when(k == i).then(dubbel[i]) for i in range(count)])
    return lines.select(
        *[pl.col(e.meta.output_name()) for e in columns],
        k.replace_strict(unit_of, default=None, return_dtype=pl.String).alias("eenheid"),
        pick_value.alias("aantal"),
        k.replace_strict(name_of, return_dtype=pl.String).alias("_aantal_kolom"),
        pick_text.alias("aantal__tekst"),
        pick_soepel.fill_null(False).alias("aantal__soepel"),
        pick_dubbel.fill_null(False).alias("aantal__dubbelzinnig"),
    )


QUANTITY_NAMES = frozenset(q.naam for q in QUANTITY_COLUMNS)


def _only_cell_numbers(raw: pl.DataFrame, letters: list[str]) -> set[str]:
    """The columns among `letters` whose every filled cell is a number cell's text ("54.42"),
    none of them known to be a text cell: they need no reading of typed text."""
    letters = [letter for letter in dict.fromkeys(letters) if letter in raw.columns]
    if not letters or raw.height == 0:
        return set(letters)
    checks = []
    for letter in letters:
        text = pl.col(letter).str.strip_chars()
        plain = text.is_null() | (text == "") | text.str.contains(CELL_NUMBER)
        companion = f"{letter}{TEXT_CELL_SUFFIX}"
        if companion in raw.columns:
            plain = plain & ~pl.col(companion).fill_null(False)
        checks.append(plain.all().alias(letter))
    row = raw.select(checks).row(0, named=True)
    return {letter for letter, ok in row.items() if ok}


def _ambiguity(frame: pl.LazyFrame, decimals: list[str], alles_tekst: bool) -> pl.LazyFrame:
    """`<naam>__dubbelzinnig` for the number columns: a text with both a Dutch and an English
    reading ("1.200", "1,250"), unless the table itself settles it.

    The table settles it when its other text numbers show one convention only: a Dutch one
    ("0,90", "2.500,00") makes the Dutch reading simply right (not flagged); an English one
    ("54.42", "68,025.00": a csv from an English system) makes the English reading the one
    taken (still flagged, so the provider sees it). Otherwise the Dutch reading is taken and
    flagged. In a csv, where every number is text, the flag is also the number's leniency.
    """
    if not decimals:
        return frame
    dutch = pl.any_horizontal([pl.col(f"{d}~nl").fill_null(False) for d in decimals]).any()
    english = pl.any_horizontal([pl.col(f"{d}~en").fill_null(False) for d in decimals]).any()
    ambiguous = {
        d: pl.col(f"{d}~dubbelzinnig").fill_null(False) & pl.col(d).is_not_null() for d in decimals
    }
    frame = frame.with_columns(
        *[
            (flag & ~(dutch & ~english)).alias(f"{d}__dubbelzinnig")
            for d, flag in ambiguous.items()
        ],
        *[
            pl.when(flag & english & ~dutch)
            .then(pl.col(f"{d}~value_en"))
            .otherwise(pl.col(d))
            .alias(d)
            for d, flag in ambiguous.items()
        ],
    )
    if alles_tekst:
        frame = frame.with_columns(
            pl.col(f"{d}__dubbelzinnig").alias(f"{d}__soepel") for d in decimals
        )
    return frame


def _date_ambiguity(frame: pl.LazyFrame, dates: list[str], alles_tekst: bool) -> pl.LazyFrame:
    """`<naam>__dubbelzinnig` for the date columns: a date typed as d/m/yyyy whose parts are
    both 12 or less ("5/6/2005") is 5 June in the Dutch order and 6 May in the American one,
    unless the table settles it.

    The table settles it when its other slash dates show one order: a day above 12 in front
    ("13/6/2005") makes the Dutch order simply right (not flagged); a day above 12 second
    ("6/13/2005"), and none in front, shows an American export: every slash date is read
    month first (flagged, so the provider sees it). Otherwise the Dutch order is taken and
    flagged. Only slashes: 05-06-2005 and 5.6.2005 are day first wherever they are written.
    A flagged date is lenient (PM022), also in a csv.
    """
    if not dates:
        return frame
    day_first = pl.any_horizontal([pl.col(f"{d}~dmy_ev") for d in dates]).any()
    month_first = pl.any_horizontal([pl.col(f"{d}~mdy_ev") for d in dates]).any()
    american = month_first & ~day_first
    updates = []
    for d in dates:
        slashed = pl.col(f"{d}~amb") | pl.col(f"{d}~mdy_ev")
        flag = (
            pl.when(american)
            .then(slashed & pl.col(f"{d}~value_us").is_not_null())
            .otherwise(pl.col(f"{d}~amb") & pl.col(d).is_not_null() & ~day_first)
        ).fill_null(False)
        updates += [
            pl.when(american & slashed).then(pl.col(f"{d}~value_us")).otherwise(pl.col(d)).alias(d),
            flag.alias(f"{d}__dubbelzinnig"),
            (flag if alles_tekst else pl.col(f"{d}__soepel") | flag).alias(f"{d}__soepel"),
        ]
    return frame.with_columns(updates)


def _notes(table: str, infos: Mapping[str, ColumnInfo]) -> list[str]:
    """Dutch notes: which file column was read as which canonical one; what is missing."""
    notes = []
    from jeugdhulp.parse import fold as fold_text

    for naam, info in infos.items():
        col = column(table, naam)
        if info.kop != info.letter and fold_text(info.kop) != fold_text(col.kop):
            notes.append(f"Kolom '{info.kop.strip()}' gelezen als {col.kop}.")
    absent = missing_required({naam: 0 for naam in infos}, table)
    if absent:
        names = ", ".join(column(table, naam).kop for naam in absent)
        notes.append(f"Verplichte kolom(men) ontbreken: {names}.")
    return notes
