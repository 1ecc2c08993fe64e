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

`text_frame` builds the raw frame `normalize` takes (`_rij` plus columns named by Excel letter,
and per column holding a text such as "7.688" a Boolean `<letter>~tekst` saying which cells are
text, since "7.688" typed as text is 7688 and a number cell 7,688 is not) and
`table_from_body` does the rest: merged data cells take their anchor's value, cells without a
value are listed (`TableInfo.onbekend`), the text is typed (`jeugdhulp.normalize`). So no path has
its own copy. Pure Python and polars: no file is read here, so the module runs in xlwings Lite.

>>> [cell_text(v) for v in (3.0, 54.42, 1 / 3, True, "", None, dt.date(2023, 3, 1))]
['3', '54.42', '0.333333333', 'true', None, None, '2023-03-01 00:00:00']
>>> cell_text(dt.datetime(2023, 3, 15, 2, 57, 46, 666700))
'2023-03-15 02:57:46.667'
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence

import polars as pl

from jeugdhulp.columns import (
    HEADER_SCAN_ROWS,
    TABLE_TITLES,
    HeaderRow,
    column,
    look_alikes,
    match_header,
)
from jeugdhulp.findings import column_letter
from jeugdhulp.normalize import TEXT_CELL_SUFFIX, normalize
from jeugdhulp.parse import CELL_OR_DUTCH, number_text
from jeugdhulp.schema import (
    FOUTWAARDE,
    GEEN_UITKOMST,
    ONBEKEND,
    SAMENGEVOEGD,
    ColumnInfo,
    TableInfo,
)

__all__ = [
    "EXCEL_ERRORS",
    "cell_text",
    "column_index",
    "head_rows",
    "table_from_body",
    "text_frame",
]

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


def column_index(letters: str) -> int:
    """The 0-based index of Excel column letters (the inverse of `column_letter`).

    >>> column_index("A"), column_index("Z"), column_index("AA"), column_index("XFD")
    (0, 25, 26, 16383)
    """
    index = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(letters)
        index = index * 26 + ord(ch) - 64
    if index == 0:
        raise ValueError(letters)
    return index - 1


_CELL_OR_DUTCH = re.compile(CELL_OR_DUTCH)


def text_frame(
    rows: Sequence[Sequence[object]], first_row: int = 1, first_column: int = 1
) -> pl.DataFrame:
    """Cell values as the raw frame of `jeugdhulp.normalize`: `_rij` and text columns A, B, ...

    `rows[0][0]` is the cell at Excel row `first_row`, column `first_column` (1-based), so the
    row numbers and letters are the ones the user sees.
    """
    width = max((len(row) for row in rows), default=0)
    data: dict[str, list[object]] = {}
    schema: dict[str, pl.DataType] = {}
    for c in range(width):
        letter = column_letter(first_column - 1 + c)
        values = [row[c] if c < len(row) else None for row in rows]
        data[letter] = [cell_text(value) for value in values]
        schema[letter] = pl.String()
        # Only where a text reads differently from a number cell with the same text ("7.688"),
        # as the file reader does (`batch.reader._ambiguous_letters`).
        if any(isinstance(v, str) and _CELL_OR_DUTCH.match(number_text(v)) for v in values):
            data[f"{letter}{TEXT_CELL_SUFFIX}"] = [isinstance(value, str) for value in values]
            schema[f"{letter}{TEXT_CELL_SUFFIX}"] = pl.Boolean()
    frame = pl.DataFrame(data, schema=schema)
    rij = pl.Series("_rij", range(first_row, first_row + len(rows)), dtype=pl.Int64)
    return frame.insert_column(0, rij)


def letter_columns(frame: pl.DataFrame) -> list[str]:
    """The cell columns of a raw frame (not `_rij`, not the `~tekst` companions)."""
    return [c for c in frame.columns if c != "_rij" and TEXT_CELL_SUFFIX not in c]


def head_rows(frame: pl.DataFrame) -> list[list[str | None]]:
    """The first rows of a raw frame as lists, for header detection (`jeugdhulp.columns`)."""
    top = frame.head(HEADER_SCAN_ROWS).select(letter_columns(frame))
    return [list(row) for row in top.rows()]


def table_from_body(
    body: pl.DataFrame,
    table: str,
    header: HeaderRow,
    blad: str,
    kopregel: int,
    *,
    alles_tekst: bool = False,
    onbekend: Iterable[tuple[int, int, str, str | None, str | None]] = (),
    samengevoegd: Iterable[tuple[int, int, int, int]] = (),
    datum1904: bool = False,
) -> TableInfo:
    """The typed table from the raw rows below a detected header row (`kopregel`: its Excel row).

    `alles_tekst`: the source has no cell types (csv); see `jeugdhulp.normalize.normalize`.
    `onbekend`: cells whose value the file does not give, as (row, 0-based column, reason,
    formula, value held), reasons as in `jeugdhulp.schema` (GEEN_UITKOMST, HERBEREKENEN,
    FOUTWAARDE). `samengevoegd`: merged ranges as (first row, first column, last row, last
    column), rows 1-based, columns 0-based: a range whose anchor (top-left) is a data cell gives
    every cell of the range the anchor's value. `datum1904`: the workbook's date system is 1904.
    The body's columns may be typed instead of text (see `jeugdhulp.normalize.normalize`).
    """
    letters = letter_columns(body)
    mapping = {}
    for naam, index in header.mapping.items():
        if index >= len(letters):
            continue
        kop = (header.headers[index] or letters[index]).strip()
        mapping[naam] = ColumnInfo(naam=naam, kop=kop, letter=letters[index])
    unknown = [
        (row, column_letter(col), reden, formule, waarde)
        for row, col, reden, formule, waarde in onbekend
        if row > kopregel
    ]
    # Totals rows are found before merged cells are filled: a "Subtotaal" row inside a BSN
    # merged over a client's rows has no BSN of its own.
    totals = _total_rows(body, mapping, letters)
    body, merged, unknown = _fill_merged(body, table, mapping, samengevoegd, unknown)
    if totals.height:
        # one chunk per column again: the polars of Pyodide (1.18) trips over a filtered frame's
        # mixed chunks in the stages of `normalize`
        body = body.join(totals.select("_rij"), on="_rij", how="anti").sort("_rij").rechunk()
    # A row with an unknown cell in a field that identifies it (a BSN from =Export!A2) is a row
    # whose values are unknown, not an empty one; a row whose only filled cells are unknown
    # amounts (Bedrag =Aantal*Tarief down an empty template) is no row (noted below).
    identity = {mapping[n].letter for n in (*_IDENTITY, *_LIST_IDENTITY) if n in mapping}
    info = normalize(
        body,
        table,
        mapping,
        blad,
        kopregel,
        alles_tekst=alles_tekst,
        datum1904=datum1904,
        onbekende_rijen=sorted({row for row, letter, *_ in unknown if letter in identity}),
    )
    info, sums = _without_sum_rows(info) if table == "productie" else (info, [])
    info.meldingen += _total_notes(info, totals) + sums
    info.koprijen = header.rows_used
    info.meldingen += _unused_headers(table, header, letters)
    info.meldingen += _look_alike_headers(table, header, letters)
    if header.rows_used == 2:
        info.meldingen.insert(
            0, f"Kopregel over twee rijen ({kopregel - 1} en {kopregel}) gelezen."
        )
    info.samengevoegd = [ref for ref, _ in merged]
    info.meldingen += _merge_notes(table, mapping, merged)
    info.onbekend = _unknown_cells(info, unknown)
    info.meldingen += _unknown_notes(table, info)
    info.meldingen += _template_notes(table, info, unknown)
    return info


#: A label that makes a row a totals row ("Totaal", "Totalen", "Subtotaal januari",
#: "Eindtotaal", "Generaal totaal", "Grand total", "Som", "Sum").
_TOTAL_LABEL = r"^(?:sub|eind|generaal |algemeen |grand )?tota(?:a)?l(?:en|s)?\b|^(?:som|sum)\b"
#: The fields a declaration is identified by; all empty (or the label) in a totals row.
_IDENTITY = ("bsn", "productcode", "begindatum", "einddatum", "toewijzingnummer")
#: What identifies a row of the other tables (allocations, products) besides those.
_LIST_IDENTITY = ("productcategorie", "ingangsdatum")


def _total_rows(
    body: pl.DataFrame, mapping: dict[str, ColumnInfo], letters: list[str]
) -> pl.DataFrame:
    """The totals rows of the body (all its columns).

    A totals row ("Totaal", "Totalen", "Subtotaal", "Eindtotaal", "Generaal totaal", "Grand
    total", "Som" in one of its cells, and nothing in BSN, Productcode, Begindatum, Einddatum,
    Toewijzingnummer but that label) sums the declarations above it; read as a declaration it
    would count every amount twice. (A row without a label whose amount is the sum of the rows
    above: `_without_sum_rows`.)
    """
    identity = [mapping[n].letter for n in _IDENTITY if n in mapping]
    if body.height == 0 or not identity or not letters:
        return body.clear()

    texts = {c for c in letters if body.schema[c] == pl.String}

    def label(letter: str) -> pl.Expr:
        if letter not in texts:
            return pl.lit(False)
        text = pl.col(letter).str.strip_chars().str.to_lowercase()
        return text.str.contains(_TOTAL_LABEL).fill_null(False)

    def empty(letter: str) -> pl.Expr:
        if letter not in texts:
            return pl.col(letter).is_null()
        return pl.col(letter).is_null() | (pl.col(letter).str.strip_chars() == "")

    if not texts:
        return body.clear()
    # A totals row leaves at least one identity cell empty: look closer at those rows only.
    blank = [empty(c) for c in identity]
    candidates = body.filter(pl.any_horizontal(blank)).filter(
        pl.all_horizontal([b | label(c) for b, c in zip(blank, identity, strict=True)])
    )
    if candidates.height == 0:
        return body.clear()
    return candidates.filter(pl.any_horizontal([label(c) for c in texts]))


def _without_sum_rows(info: TableInfo) -> tuple[TableInfo, list[str]]:
    """The table without rows that only carry the sum of the amounts above them (a SUM row
    without a label: BSN, code and period empty, Bedrag the sum of the rows since the previous
    such row), and a note per row left out."""
    frame = info.frame
    identity = [n for n in _IDENTITY if n in info.kolommen]
    if "bedrag" not in info.kolommen or not identity or frame.height < 2:
        return info, []
    empty = pl.all_horizontal(
        [pl.col(n).is_null() & pl.col(f"{n}__tekst").is_null() for n in identity]
    )
    candidates = frame.filter(empty & pl.col("bedrag").is_not_null())
    if candidates.height == 0:
        return info, []
    rows, notes = [], []
    start = None
    amounts = frame.select("_rij", "bedrag", empty.alias("_leeg"))
    for rij, bedrag in candidates.select("_rij", "bedrag").iter_rows():
        above = amounts.filter(
            (pl.col("_rij") < rij) & ~pl.col("_leeg") & (pl.col("_rij") > (start or 0))
        )
        total = above.get_column("bedrag").sum()
        if above.height >= 2 and total is not None and total == bedrag:
            rows.append(rij)
            notes.append(
                f"Rij {rij} (zonder BSN, code en periode) is een totaalregel, geen declaratie: "
                f"het bedrag {_euro(bedrag)} is de som van de regels erboven; niet gelezen."
            )
            start = rij
    if not rows:
        return info, []
    info.frame = frame.filter(~pl.col("_rij").is_in(rows))
    return info, notes


def _euro(amount: object) -> str:
    from decimal import Decimal

    from jeugdhulp.parse import euro_tekst

    return euro_tekst(Decimal(str(amount)))


def _total_notes(info: TableInfo, totals: pl.DataFrame) -> list[str]:
    """A note per totals row left out, with its amount next to the sum of the rows read."""
    from jeugdhulp.parse import OngeldigeInvoer, euro_tekst, read_number

    notes: list[str] = []
    if totals.height == 0:
        return notes
    bedrag = info.kolommen.get("bedrag")
    read = (
        info.frame.select("_rij", "bedrag").unique("_rij").get_column("bedrag").sum()
        if bedrag is not None
        else None
    )
    for row in totals.iter_rows(named=True):
        label = next(
            (
                str(v).strip()
                for k, v in row.items()
                if k != "_rij" and isinstance(v, str) and re.match(_TOTAL_LABEL, v.strip().lower())
            ),
            "Totaal",
        )
        text = f"Rij {row['_rij']} ('{label}') is een totaalregel, geen declaratie: niet gelezen"
        amount = row.get(bedrag.letter) if bedrag else None
        if amount:
            try:
                stated = read_number(amount).waarde
            except OngeldigeInvoer:
                stated = None
            if stated is not None:
                total = euro_tekst(read or 0)
                same = "gelijk aan" if stated == (read or 0) else "anders dan"
                text += f" (bedrag {euro_tekst(stated)}, {same} de regels samen: {total})"
        notes.append(text + ".")
    return notes


def _unused_headers(table: str, header: HeaderRow, letters: list[str]) -> list[str]:
    """Notes for columns whose header names a field another column already gives (two columns
    "Bedrag" and "Ingediend bedrag"): only one is read, and the user should know which."""
    notes = []
    taken = {index: naam for naam, index in header.mapping.items()}
    for index, text in enumerate(header.headers):
        found = match_header(text, table) if index < len(letters) else None
        if found is None or index in taken:
            continue
        naam = found[0]
        if naam in header.mapping and header.mapping[naam] < len(letters):
            used = header.mapping[naam]
            notes.append(
                f"Kolom '{(text or '').strip()}' ({letters[index]}) niet gelezen: kolom "
                f"'{(header.headers[used] or '').strip()}' ({letters[used]}) is al gelezen als "
                f"{column(table, naam).kop}."
            )
    return notes


def _look_alike_headers(table: str, header: HeaderRow, letters: list[str]) -> list[str]:
    """Notes for headers that are not recognised but look like a field the sheet lacks ("Bedrag
    incl. btw" without a Bedrag column), and for a production sheet without amounts."""
    notes = []
    taken = set(header.mapping.values())
    for index, text in enumerate(header.headers):
        if index in taken or index >= len(letters):
            continue
        fields = [n for n in look_alikes(text, table) if n not in header.mapping]
        if not fields:
            continue
        kops = [column(table, n).kop for n in fields]
        shown = " of ".join(f"'{k}'" for k in kops)
        notes.append(
            f"Kolom '{(text or '').strip()}' ({letters[index]}) is niet gelezen: de kop lijkt op "
            f"{' of '.join(kops)}, maar wordt niet herkend. Hoort de kolom daarbij, noem hem dan "
            f"{shown}."
        )
    if table == "productie" and "bedrag" not in header.mapping:
        notes.append(
            "Geen kolom Bedrag: het gedeclareerde bedrag is onbekend; PM010 (bedrag is aantal "
            "maal tarief) is niet uitgevoerd en PM012 (budget) rekent met aantal maal tarief."
        )
    return notes


def _fill_merged(
    body: pl.DataFrame,
    table: str,
    mapping: dict[str, ColumnInfo],
    ranges: Iterable[tuple[int, int, int, int]],
    unknown: list[tuple[int, str, str, str | None, str | None]],
) -> tuple[pl.DataFrame, list[tuple[str, str]], list[tuple[int, str, str, str | None, str | None]]]:
    """Merged ranges over data cells: every row of the range takes the anchor's value in the
    anchor's column (Excel shows it there; the reader gives it only in the anchor). Returns the
    body, the ranges used as (A1 range, canonical column of the anchor) and the unknown cells,
    extended by the cells of a range whose anchor is unknown (a formula without a result merged
    over rows is unknown in every row).

    Not for a number (Aantal, Tarief, Bedrag, Budget, ...): one amount merged over a client's
    rows is one figure for all of them, not the figure of each, and copying it would count it
    once per row. The anchor keeps it; the other rows' value is unknown (`SAMENGEVOEGD`).

    A range that also covers other fields (Aantal merged over Tarief) gives those fields nothing:
    their cells are empty in the workbook, and taking the anchor's value for another field would
    be a guess. Only mapped columns and ranges whose anchor lies in the body count.
    """
    if body.height == 0:
        return body, [], unknown
    first = body.get_column("_rij")[0]
    last = first + body.height - 1
    by_letter = {info.letter: naam for naam, info in mapping.items()}
    unknown_at = {(cell[0], cell[1]): cell for cell in unknown}
    fills: dict[str, tuple[list[int], list[int]]] = {}  # letter -> (rows, anchor rows)
    used: list[tuple[str, str]] = []
    for r1, c1, r2, c2 in ranges:
        if not first <= r1 <= last:
            continue
        r2 = min(r2, last)
        letter = column_letter(c1)
        covered = [
            by_letter[column_letter(c)] for c in range(c1, c2 + 1) if column_letter(c) in by_letter
        ]
        if not covered:
            continue
        ref = f"{letter}{r1}:{column_letter(c2)}{r2}"
        used.append((ref, by_letter.get(letter, covered[0])))
        if letter not in by_letter or r2 == r1:
            continue
        cells = list(range(r1 + 1, r2 + 1))
        if (r1, letter) in unknown_at:
            _, _, reden, formule, waarde = unknown_at[(r1, letter)]
            unknown += [(row, letter, reden, formule, waarde) for row in cells]
            continue
        if _is_number(table, by_letter[letter]):
            unknown += [(row, letter, SAMENGEVOEGD, None, ref) for row in cells]
            continue
        rows, anchors = fills.setdefault(letter, ([], []))
        rows += [row - first for row in cells]
        anchors += [r1 - first] * len(cells)
    if fills:
        body = body.with_columns(
            body.get_column(letter).scatter(rows, body.get_column(letter).gather(anchors))
            for letter, (rows, anchors) in fills.items()
            if rows
        )
    return body, list(dict.fromkeys(used)), unknown


def _is_number(table: str, naam: str) -> bool:
    """An amount or quantity field (Decimal in the schema, or a 2017 quantity column)."""
    from jeugdhulp.normalize import QUANTITY_NAMES, SCHEMAS

    return naam in QUANTITY_NAMES or isinstance(SCHEMAS[table].get(naam), pl.Decimal)


def _merge_notes(
    table: str, mapping: dict[str, ColumnInfo], merged: list[tuple[str, str]]
) -> list[str]:
    notes = []
    by_column: dict[str, list[str]] = {}
    numbers: dict[str, list[str]] = {}
    across: list[str] = []
    letters = {info.letter: naam for naam, info in mapping.items()}
    for ref, naam in merged:
        first, _, last = ref.partition(":")
        c1, c2 = first.rstrip("0123456789"), last.rstrip("0123456789")
        r1, r2 = first[len(c1) :], last[len(c2) :]
        if c1 != c2:
            fields = [
                mapping[letters[column_letter(c)]].kop
                for c in range(column_index(c1), column_index(c2) + 1)
                if column_letter(c) in letters
            ]
            if len(fields) > 1:
                across.append(
                    f"Samengevoegde cellen {ref} lopen over de kolommen {', '.join(fields)}: de "
                    f"waarde geldt alleen voor '{fields[0]}'; de andere zijn daar leeg gelezen."
                )
        if r1 != r2 and _is_number(table, naam):
            numbers.setdefault(naam, []).append(ref)
        else:
            by_column.setdefault(naam, []).append(ref)
    for naam, refs in by_column.items():
        notes.append(
            f"Samengevoegde cellen in kolom '{mapping[naam].kop}' ({_some(refs)}): de waarde van "
            "de eerste cel geldt voor elke rij van het bereik."
        )
    for naam, refs in numbers.items():
        notes.append(
            f"Samengevoegde cellen in kolom '{mapping[naam].kop}' ({_some(refs)}): één getal "
            "voor meerdere regels. Het telt één keer mee, in de eerste regel; in de andere "
            "regels is de waarde onbekend (PM023). Geef elke regel een eigen waarde."
        )
    return notes + across


def _some(refs: list[str]) -> str:
    return ", ".join(refs[:5]) + (f" en {len(refs) - 5} meer" if len(refs) > 5 else "")


def _unknown_cells(
    info: TableInfo, unknown: list[tuple[int, str, str, str | None, str | None]]
) -> pl.DataFrame:
    """`TableInfo.onbekend`: the unknown cells in mapped columns of the table's rows (a row
    whose mapped cells are all unknown is kept: its values are unknown, not empty)."""
    by_letter = {where.letter: naam for naam, where in info.kolommen.items()}
    rows = [
        (row, by_letter[letter], letter, formule, reden, waarde)
        for row, letter, reden, formule, waarde in unknown
        if letter in by_letter
    ]
    frame = pl.DataFrame(
        rows, schema=["_rij", "kolom", "letter", "formule", "reden", "waarde"], orient="row"
    ).cast(ONBEKEND)  # type: ignore[arg-type]
    kept = info.frame.select("_rij").unique()
    return frame.join(kept, on="_rij", how="semi").unique(["_rij", "letter"]).sort("_rij", "letter")


def _template_notes(
    table: str, info: TableInfo, unknown: list[tuple[int, str, str, str | None, str | None]]
) -> list[str]:
    """A note on the rows left out whose only filled cells are unknown (template rows)."""
    by_letter = {where.letter: naam for naam, where in info.kolommen.items()}
    rows = {row for row, letter, *_ in unknown if letter in by_letter}
    if not rows:
        return []
    kept = set(info.frame.get_column("_rij").to_list()) if info.frame.height else set()
    left = sorted(rows - kept)
    if not left:
        return []
    columns = ", ".join(
        dict.fromkeys(
            info.kolommen[by_letter[letter]].kop
            for row, letter, *_ in unknown
            if letter in by_letter and row in set(left)
        )
    )
    shown = ", ".join(map(str, left[:5])) + (f" en {len(left) - 5} meer" if len(left) > 5 else "")
    return [
        f"{len(left)} rij(en) zonder gegevens, met alleen een formule zonder uitkomst in "
        f"{columns} (rij {shown}), zijn geen regels: niet gelezen (sjabloonregels)."
    ]


def _unknown_notes(table: str, info: TableInfo) -> list[str]:
    if info.onbekend.height == 0:
        return []
    counts = info.onbekend.group_by("reden").len()
    parts = []
    for reden, count in counts.iter_rows():
        what = {
            GEEN_UITKOMST: "formule(s) zonder opgeslagen uitkomst",
            FOUTWAARDE: "cel(len) met een foutwaarde",
            SAMENGEVOEGD: "cel(len) in samengevoegde cellen met één getal voor meerdere regels",
        }.get(reden, "formule(s) waarvan de werkmap vraagt opnieuw te berekenen")
        parts.append(f"{count} {what}")
    columns = ", ".join(
        dict.fromkeys(column(table, naam).kop for naam in info.onbekend.get_column("kolom"))
    )
    return [
        f"Waarde onbekend in {TABLE_TITLES[table]} ({columns}): "
        + ", ".join(parts)
        + "; deze tellen niet als leeg of 0 (zie PM023)."
    ]
