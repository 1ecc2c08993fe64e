"""Cells as the text the checks read: one home for the file reader and the in-Excel check.

The file reader (`batch.reader`) gets every cell as text from fastexcel (calamine); the in-Excel
check (`addin.scripts`) gets Python values from xlwings (Office.js or COM). `cell_text` turns
such a value into exactly the text fastexcel gives for that cell, so both paths feed the same
text to `jeugdhulp.normalize` and find the same things:

- a number: fixed-point with at most 9 decimals, trailing zeros dropped ("3", "54.42",
  "0.333333333", "111222333");
- a date or date-time: ``YYYY-MM-DD HH:MM:SS`` rounded to milliseconds, ``.fff`` only when the
  milliseconds are not zero ("2023-03-01 00:00:00", "2023-03-15 02:57:46.667");
- TRUE/FALSE: "true" / "false";
- text: unchanged; an empty cell or an error value (#N/A, #DEEL/0!, ...): None.

`text_frame` builds the raw frame `normalize` takes (`_rij` plus columns named by Excel letter)
and `table_from_body` does the rest, so no path has its own copy. Pure Python and polars: no file
is read here, so the module runs in xlwings Lite.

>>> [cell_text(v) for v in (3.0, 54.42, 1 / 3, True, "", None, dt.date(2023, 3, 1))]
['3', '54.42', '0.333333333', 'true', None, None, '2023-03-01 00:00:00']
>>> cell_text(dt.datetime(2023, 3, 15, 2, 57, 46, 666700))
'2023-03-15 02:57:46.667'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import polars as pl

from jeugdhulp.columns import HEADER_SCAN_ROWS, HeaderRow
from jeugdhulp.findings import column_letter
from jeugdhulp.normalize import normalize
from jeugdhulp.schema import ColumnInfo, TableInfo

__all__ = ["EXCEL_ERRORS", "cell_text", "head_rows", "table_from_body", "text_frame"]

#: Error values as Office.js sends them; COM (classic xlwings) already gives None for them.
EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#N/A",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#REF!",
        "#VALUE!",
        "#DATA!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#UNKNOWN!",
        "#BUSY!",
        "#GETTING_DATA",
    }
)
#: Excel's day 0 for a time of day without a date (calamine: serial 0.25 = 1899-12-31 06:00).
_TIME_ONLY_DATE = dt.date(1899, 12, 31)


def _number_text(value: float) -> str | None:
    if not math.isfinite(value):
        return None
    text = f"{value:.9f}"
    return text.rstrip("0").rstrip(".")


def _datetime_text(value: dt.datetime) -> str:
    value = value.replace(tzinfo=None)
    milliseconds = round(value.microsecond / 1000)
    value = value.replace(microsecond=0) + dt.timedelta(milliseconds=milliseconds)
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text


def cell_text(value: object) -> str | None:
    """The text fastexcel gives for a cell whose value xlwings gives as `value`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return _datetime_text(dt.datetime(value.year, value.month, value.day))
    if isinstance(value, dt.time):
        return _datetime_text(dt.datetime.combine(_TIME_ONLY_DATE, value))
    text = str(value)
    if text == "" or text in EXCEL_ERRORS:
        return None
    return text


def text_frame(
    rows: Sequence[Sequence[object]], first_row: int = 1, first_column: int = 1
) -> pl.DataFrame:
    """Cell values as the raw frame of `jeugdhulp.normalize`: `_rij` and text columns A, B, ...

    `rows[0][0]` is the cell at Excel row `first_row`, column `first_column` (1-based), so the
    row numbers and letters are the ones the user sees.
    """
    width = max((len(row) for row in rows), default=0)
    data: dict[str, list[str | None]] = {}
    for c in range(width):
        letter = column_letter(first_column - 1 + c)
        data[letter] = [cell_text(row[c]) if c < len(row) else None for row in rows]
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
    rij = pl.Series("_rij", range(first_row, first_row + len(rows)), dtype=pl.Int64)
    return frame.insert_column(0, rij)


def head_rows(frame: pl.DataFrame) -> list[list[str | None]]:
    """The first rows of a raw frame as lists, for header detection (`jeugdhulp.columns`)."""
    top = frame.head(HEADER_SCAN_ROWS).drop("_rij")
    return [list(row) for row in top.rows()]


def table_from_body(
    body: pl.DataFrame,
    table: str,
    header: HeaderRow,
    blad: str,
    kopregel: int,
    *,
    alles_tekst: bool = False,
) -> TableInfo:
    """The typed table from the raw rows below a detected header row (`kopregel`: its Excel row).

    `alles_tekst`: the source has no cell types (csv); see `jeugdhulp.normalize.normalize`."""
    letters = [c for c in body.columns if c != "_rij"]
    mapping = {}
    for naam, index in header.mapping.items():
        if index >= len(letters):
            continue
        kop = (header.headers[index] or letters[index]).strip()
        mapping[naam] = ColumnInfo(naam=naam, kop=kop, letter=letters[index])
    info = normalize(body, table, mapping, blad, kopregel, alles_tekst=alles_tekst)
    if header.rows_used == 2:
        info.meldingen.insert(
            0, f"Kopregel over twee rijen ({kopregel - 1} en {kopregel}) gelezen."
        )
    return info
