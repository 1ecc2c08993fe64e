"""One-click scripts for Excel: check the open workbook, and the backoffice folder check.

**Check the open workbook** (`controleer` in xlwings Lite and xlwings Server, `controleer_werkmap`
in classic xlwings). The same engine as ``jeugdhulp controleer``: the sheets Productie,
Toewijzingen and Producten are read through the xlwings book API (`used_range`, so row numbers
and column letters are the true ones), turned into the text the file reader produces
(`jeugdhulp.cells`), normalised and checked with `run_checks`. The result goes into the
workbook itself, with the layout of the file annotator (`jeugdhulp.controle_layout`): a sheet
``Controle`` in front (the verdict with `jeugdhulp.verdict`'s rules, the counts and "hoe
herstel ik dit" per check, what was read and checked, the audit trail, then one row per finding
with a link to the cell and filter buttons), the sheet ``Controlelijst`` after it, and the
flagged cells filled red (fout) or orange (waarschuwing), as few ranges as possible. Excel sizes
the findings' rows itself (autofit); print setup (landscape, fit to width, the header repeated)
is set in classic xlwings only, as xlwings has no page setup for Office.js. Which cells were
filled, and their fill before, is kept in the hidden sheet ``jeugdhulp_markeringen`` with the
names of the sheets the run wrote, so a new run first restores them and then replaces those
sheets: running twice leaves one ``Controle``, one ``Controlelijst`` and no stale marks. No file
is read, so it runs in xlwings Lite.

The region profile comes from the defined name ``jeugdhulp_profiel``, else from the cell next
to the label "Profiel" on a sheet ``Instellingen``, else the default (ijsselland-2023).

**Backoffice** (`controleer_map`, classic xlwings and xlwings Server: it needs the file system).
A control workbook (``workbooks/backoffice_controle.xlsm``) has a sheet ``Instellingen`` with
the folder, profile, allocation and product files and whether to write annotated copies; the
script runs `batch.run.check_file` on every workbook in the folder, exactly like
``jeugdhulp controleer MAP --samenvatting``, and writes the sheets ``Samenvatting`` (one row per
file) and ``Bevindingen`` (every finding) into the control workbook.

Classic xlwings (VBA)::

    RunPython "import addin.scripts; addin.scripts.controleer_werkmap()"
    RunPython "import addin.scripts; addin.scripts.controleer_map()"
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlwings as xw

from jeugdhulp.cells import head_rows, table_from_body, text_frame
from jeugdhulp.checks import CATALOGUE, check_plan, run_checks
from jeugdhulp.columns import (
    TABLE_TITLES,
    TABLES,
    HeaderRow,
    detect_header,
    required_headers_text,
    table_for_headers,
    table_for_sheet_name,
)
from jeugdhulp.controle_layout import (
    CATALOGUE_HEADER_ROW,
    CATALOGUE_HEADERS,
    CATALOGUE_SHEET,
    CATALOGUE_TITLE_PREFIX,
    CATALOGUE_WIDTHS,
    COLOURS,
    CONTROLE_SHEET,
    FIELDS,
    FORMULA_START,
    HEADERS,
    LINK_COLUMN,
    NO_FINDINGS,
    STATUS_COLOURS,
    TITLE_PREFIX,
    WIDTHS,
    WRAPPED,
    Bronbestand,
    CatalogusRegel,
    Regel,
    Verantwoording,
    catalogue_rows,
    controle_top,
    mark_blocks,
    with_cell_refs,
)
from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.findings import column_letter
from jeugdhulp.parse import fold
from jeugdhulp.profile import DEFAULT_PROFILE, Profile, load_profile
from jeugdhulp.schema import TableInfo
from jeugdhulp.verdict import file_status, onvolledig_redenen

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from batch.run import FileResult

__all__ = [
    "MARKS_SHEET",
    "PROFILE_NAME",
    "SETTINGS_SHEET",
    "BookCheck",
    "BookTables",
    "check_book",
    "controleer",
    "controleer_map",
    "controleer_map_script",
    "controleer_werkmap",
    "excel_text",
    "read_settings",
    "read_tables",
    "summary_rows",
    "workbook_profile",
]

#: Hidden sheet that remembers the marked cells (sheet, range, severity, fill before).
MARKS_SHEET = "jeugdhulp_markeringen"
MARKS_HEADERS = ("Blad", "Bereik", "Ernst", "Kleur vooraf", "Controleblad")
#: Optional sheet with settings: a label ("Profiel", "Map", ...) with its value to the right.
SETTINGS_SHEET = "Instellingen"
#: Optional defined name holding the region profile.
PROFILE_NAME = "jeugdhulp_profiel"
SUMMARY_SHEET = "Samenvatting"
FINDINGS_SHEET = "Bevindingen"
SUMMARY_HEADERS = (
    "Bestand",
    "Status",
    "Rijen",
    "Fouten",
    "Waarschuwingen",
    "Bedrag gedeclareerd",
    "Bedrag met fout",
    "Melding",
    "Gecontroleerd bestand",
)
_CONTROLE_NAME = re.compile(r"controle(?: \(\d+\))?", re.IGNORECASE)
_CATALOGUE_NAME = re.compile(r"controlelijst(?: \(\d+\))?", re.IGNORECASE)
# Text Excel would turn into a number, date or boolean when written as a value.
_COERCIBLE = re.compile(
    r"^\s*[-+]?[0-9.,/:%€ -]*[0-9][0-9.,/:%€ -]*\s*$"
    r"|^\s*[-+]?[0-9]+(?:[.,][0-9]+)?[eE][-+]?[0-9]+\s*$"
    r"|^\s*(?:true|false|waar|onwaar)\s*$",
    re.IGNORECASE,
)


# --- values for Excel -----------------------------------------------------------------------


def excel_text(value: str) -> str:
    """`value` such that Excel keeps it as this text: a leading ' where it would become a formula
    (= + - @) or a number, date or boolean ("0611" stays "0611").

    >>> excel_text("=SOM(A1)"), excel_text("0611"), excel_text("PM009"), excel_text("")
    ("'=SOM(A1)", "'0611", 'PM009', '')
    """
    if value and (value.startswith((*FORMULA_START, "'")) or _COERCIBLE.match(value)):
        return "'" + value
    return value


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _link_formula(sheet: str, cel: str) -> str:
    target = f"#{_quote_sheet(sheet)}!{cel}".replace('"', '""')
    return f'=HYPERLINK("{target}","{cel}")'


def _is_officejs(book: xw.Book) -> bool:
    """True for xlwings Lite and xlwings Server (the book is a JSON snapshot)."""
    return isinstance(book.api, dict)


def _column_width(book: xw.Book, characters: float) -> float:
    # Office.js takes points, COM takes characters (Calibri 11: 7 px per character + 5 px).
    return round((characters * 7 + 5) * 0.75, 2) if _is_officejs(book) else characters


def _sheet_names(book: xw.Book) -> list[str]:
    return [sheet.name for sheet in book.sheets]


def _find_sheet(book: xw.Book, name: str) -> xw.Sheet | None:
    for sheet in book.sheets:
        if sheet.name.casefold() == name.casefold():
            return sheet
    return None


def _values(sheet: xw.Sheet) -> tuple[list[list[Any]], int, int]:
    """The used range's values (2-D) with its first row and column (1-based)."""
    rng = sheet.used_range
    values = rng.options(ndim=2).value or [[]]
    return [list(row) for row in values], rng.row, rng.column


# --- settings -------------------------------------------------------------------------------


def read_settings(book: xw.Book, sheet_name: str = SETTINGS_SHEET) -> dict[str, Any]:
    """Label -> value from a settings sheet: per row the first filled cell is the label (folded:
    "Profiel:" is "profiel"), the cell right of it the value (None when empty; an explanation
    further right is ignored). Empty when the sheet is absent."""
    sheet = _find_sheet(book, sheet_name)
    if sheet is None:
        return {}
    settings: dict[str, Any] = {}
    rows, _, _ = _values(sheet)
    for row in rows:
        filled = [i for i, v in enumerate(row) if v is not None and str(v).strip()]
        if filled and isinstance(row[filled[0]], str):
            i = filled[0]
            value = row[i + 1] if i + 1 < len(row) else None
            if isinstance(value, str) and not value.strip():
                value = None
            settings.setdefault(fold(row[i]), value)
    return settings


def _text_setting(settings: dict[str, Any], *labels: str) -> str | None:
    for label in labels:
        value = settings.get(fold(label))
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def workbook_profile(book: xw.Book) -> str:
    """The region profile: defined name jeugdhulp_profiel, else Instellingen!Profiel, else the
    default."""
    for name in book.names:
        if fold(name.name.rsplit("!", 1)[-1]) != fold(PROFILE_NAME):
            continue
        try:
            value = name.refers_to_range.value
        except Exception:  # a name that is a constant or points nowhere: not a setting
            continue
        if value is not None and str(value).strip():
            return str(value).strip()
    settings = read_settings(book)
    return _text_setting(settings, "Profiel", "Regioprofiel") or DEFAULT_PROFILE


# --- reading the tables ---------------------------------------------------------------------


def _is_own_sheet(name: str) -> bool:
    return (
        name == MARKS_SHEET
        or bool(_CONTROLE_NAME.fullmatch(name))
        or bool(_CATALOGUE_NAME.fullmatch(name))
    )


def _no_header(table: str, where: str) -> JeugdhulpError:
    return JeugdhulpError(
        f"Geen kopregel gevonden voor {TABLE_TITLES[table]} in {where}: nodig zijn "
        f"{required_headers_text(table)}."
    )


@dataclass(slots=True)
class BookTables:
    """The tables of the open workbook: every production sheet (in tab order), the
    allocation list and the product list when there are, and what the reading says
    (`meldingen`, Dutch: hidden sheets skipped)."""

    productie: list[TableInfo]
    toewijzingen: TableInfo | None = None
    producten: TableInfo | None = None
    meldingen: list[str] = field(default_factory=list)

    def get(self, table: str) -> TableInfo | None:
        """The allocation or product list by table name (None when absent)."""
        return {"toewijzingen": self.toewijzingen, "producten": self.producten}.get(table)


def _is_visible(sheet: xw.Sheet) -> bool:
    """Whether the sheet's tab is shown (Office.js: visibility "Visible")."""
    try:
        return bool(sheet.visible)
    except (AttributeError, KeyError, TypeError):  # a host that does not say: shown
        return True


def read_tables(book: xw.Book) -> BookTables:
    """Every production sheet (required), Toewijzingen and Producten from the open workbook,
    as the file reader takes them (`batch.reader`): a sheet is taken for a table by its name,
    else by its header row; every visible sheet with the production layout is checked (all
    together, findings name their sheet); hidden sheets are skipped and said in `meldingen`.

    Raises `JeugdhulpError` (Dutch) when there is no production table.
    """
    frames: dict[str, pl.DataFrame] = {}

    def frame(sheet: xw.Sheet) -> pl.DataFrame:
        if sheet.name not in frames:
            values, first_row, first_column = _values(sheet)
            frames[sheet.name] = text_frame(values, first_row, first_column)
        return frames[sheet.name]

    notes: list[str] = []
    sheets = []
    for sheet in book.sheets:
        if _is_own_sheet(sheet.name):
            continue
        if not _is_visible(sheet):
            notes.append(f"Blad '{sheet.name}' is verborgen en is overgeslagen.")
            continue
        sheets.append(sheet)
    production: list[tuple[xw.Sheet, HeaderRow]] = []
    chosen: dict[str, tuple[xw.Sheet, HeaderRow]] = {}
    rest = []
    for sheet in sheets:
        table = table_for_sheet_name(sheet.name)
        if table is None:
            rest.append(sheet)
            continue
        if table != "productie" and table in chosen:
            continue
        header = detect_header(head_rows(frame(sheet)), table)
        if header is None:
            if table == "productie":
                raise _no_header(table, f"blad '{sheet.name}'")
            continue
        if table == "productie":
            production.append((sheet, header))
        else:
            chosen[table] = (sheet, header)
    for sheet in rest:
        open_tables = [t for t in TABLES if t == "productie" or t not in chosen]
        match = table_for_headers(head_rows(frame(sheet)), open_tables)
        if match is None:
            continue
        if match[0] == "productie":
            production.append((sheet, match[1]))
        else:
            chosen[match[0]] = (sheet, match[1])
    if not production:
        raise _no_header("productie", "deze werkmap (geen blad Productie)")
    order = {sheet.name: i for i, sheet in enumerate(sheets)}
    production.sort(key=lambda found: order[found[0].name])

    def table_of(table: str, sheet: xw.Sheet, header: HeaderRow) -> TableInfo:
        raw = frame(sheet)
        kopregel = int(raw.get_column("_rij")[header.index])
        body = raw.slice(header.index + 1)
        return table_from_body(body, table, header, sheet.name, kopregel)

    result = BookTables(
        productie=[table_of("productie", sheet, header) for sheet, header in production],
        meldingen=notes,
    )
    for table, (sheet, header) in chosen.items():
        setattr(result, table, table_of(table, sheet, header))
    return result


# --- checking the open workbook -------------------------------------------------------------


@dataclass(slots=True)
class BookCheck:
    """What one run in the open workbook did: `bevindingen` (a findings frame, in the order of
    the Controle sheet), the sheets written, the cells marked."""

    profiel: str
    bevindingen: pl.DataFrame = field(default_factory=lambda: _no_findings())
    melding: str = ""  # why the check could not run ("" when it ran)
    controle: str = CONTROLE_SHEET  # name of the sheet written
    controlelijst: str = CATALOGUE_SHEET
    cells_marked: int = 0
    verantwoording: Verantwoording | None = None


def _no_findings() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={f: (pl.Int64 if f == "rij" else pl.String) for f in FIELDS})


@dataclass(slots=True)
class _Mark:
    blad: str
    bereik: str
    ernst: str
    kleur: str  # fill before the mark as #RRGGBB, "" = none or unknown


def _previous_marks(book: xw.Book) -> tuple[list[_Mark], set[str]]:
    """Marks of the previous run and the names of the sheets it wrote (Controle,
    Controlelijst)."""
    sheet = _find_sheet(book, MARKS_SHEET)
    if sheet is None:
        return [], set()
    rows, _, _ = _values(sheet)
    marks, own = [], set()
    for row in rows[1:]:
        cells = [("" if v is None else str(v)) for v in [*row, "", "", "", "", ""][:5]]
        if cells[0] and cells[1]:
            marks.append(_Mark(cells[0], cells[1], cells[2], cells[3]))
        if cells[4]:
            own.add(cells[4])
    return marks, own


def _looks_like_own(sheet: xw.Sheet) -> bool:
    """A Controle sheet (title and, further down, the findings header) or a Controlelijst
    (title) of this tool, also one the file annotator wrote."""
    rows, first_row, first_column = _values(sheet)
    if first_row != 1 or first_column != 1 or not rows or not isinstance(rows[0][0], str):
        return False
    title = rows[0][0]
    if _CATALOGUE_NAME.fullmatch(sheet.name):
        return title.startswith(CATALOGUE_TITLE_PREFIX)
    headers = list(HEADERS)
    return title.startswith(TITLE_PREFIX) and any(
        [str(v) if v is not None else "" for v in row[: len(HEADERS)]] == headers for row in rows
    )


def _read_colour(rng: xw.Range) -> str:
    try:
        colour = rng.color
    except NotImplementedError:  # Office.js reads colours only asynchronously
        return ""
    if colour is None:
        return ""
    if isinstance(colour, tuple):
        return "#{:02X}{:02X}{:02X}".format(*colour[:3])
    return str(colour)


def _restore_marks(book: xw.Book, marks: Iterable[_Mark]) -> None:
    names = {name.casefold(): name for name in _sheet_names(book)}
    for mark in marks:
        name = names.get(mark.blad.casefold())
        if name is None:
            continue
        try:
            rng = book.sheets[name].range(mark.bereik)
        except Exception:  # the range text was edited by hand: leave that cell alone
            continue
        rng.color = mark.kleur or None


def _mark_cells(book: xw.Book, findings: pl.DataFrame) -> tuple[list[_Mark], int]:
    """Colour the flagged cells (red wins over orange), as few ranges as possible; the marks
    (to undo them next time) and the number of cells marked."""
    import polars as pl

    names = {name.lower(): name for name in _sheet_names(book)}
    cells = (
        with_cell_refs(findings)
        .filter(pl.col("_col").is_not_null())
        .with_columns(
            _sheet=pl.col("blad")
            .str.to_lowercase()
            .replace_strict(names, default=None, return_dtype=pl.String),
            severity=pl.when(pl.col("ernst") == "fout")
            .then(pl.lit("fout"))
            .otherwise(pl.lit("waarschuwing")),
        )
        .filter(pl.col("_sheet").is_not_null())
        .group_by("_sheet", "_col", "_row")
        .agg(pl.col("severity").min())  # "fout" < "waarschuwing"
    )
    marks: list[_Mark] = []
    blocks = mark_blocks(cells, by=("_sheet", "severity"))
    for name, severity, address in blocks.select("_sheet", "severity", "ref").iter_rows():
        rng = book.sheets[name].range(address)
        marks.append(_Mark(name, address, severity, _read_colour(rng)))
        rng.color = "#" + COLOURS[severity][1]
    return marks, cells.height


def _write_marks_sheet(book: xw.Book, marks: Sequence[_Mark], own: Sequence[str]) -> None:
    sheet = book.sheets.add(MARKS_SHEET, after=book.sheets[len(book.sheets) - 1])
    rows: list[list[Any]] = [list(MARKS_HEADERS)]
    rows += [[m.blad, m.bereik, m.ernst, m.kleur, ""] for m in marks]
    while len(rows) < len(own) + 1:
        rows.append(["", "", "", "", ""])
    for i, name in enumerate(own, start=1):
        rows[i][4] = name
    sheet.range("A1").value = [[excel_text(str(v)) if v else None for v in row] for row in rows]
    sheet.visible = False


def _sorted_findings(frame: pl.DataFrame, sheet_names: Sequence[str]) -> pl.DataFrame:
    """The findings in workbook order: sheet, row, column, check (as the file annotator)."""
    import polars as pl

    order: dict[str, int] = {}
    for i, name in enumerate(sheet_names):
        order.setdefault(name.lower(), i)
    return (
        with_cell_refs(frame)
        .with_columns(
            _pos=pl.col("blad")
            .str.to_lowercase()
            .replace_strict(order, default=len(order), return_dtype=pl.Int64)
        )
        .sort(["_pos", "rij", pl.col("_col").fill_null(-1), "controle"], maintain_order=True)
        .drop("_pos")
    )


def _layout_values(rows: Sequence[Regel], width: int) -> list[list[Any]]:
    grid: list[list[Any]] = [[None] * width for _ in rows]
    for r, row in enumerate(rows):
        for cell in row.cellen:
            value = cell.waarde
            grid[r][cell.kolom] = excel_text(value) if isinstance(value, str) else value
    return grid


def _controle_values(
    top: Sequence[Regel], findings: pl.DataFrame, sheet_names: Sequence[str]
) -> list[list[Any]]:
    """Every value of the Controle sheet from A1: the legend, the header, the findings (a link
    formula in column Cel where the cell exists)."""
    width = len(HEADERS)
    rows = _layout_values(top, width)
    rows.append(list(HEADERS))
    existing = {name.casefold(): name for name in sheet_names}
    link = LINK_COLUMN
    for record in findings.select(*FIELDS, "_col").iter_rows():
        values: list[Any] = [excel_text(v) if isinstance(v, str) else v for v in record[:width]]
        target = existing.get(str(record[0]).casefold())
        if target is not None and record[width] is not None:
            values[link] = _link_formula(target, str(record[link]))
        rows.append(values)
    if findings.height == 0:
        rows.append([NO_FINDINGS, *[None] * (width - 1)])
    return rows


def _apply_layout(sheet: xw.Sheet, rows: Sequence[Regel], widths: Sequence[float]) -> None:
    """The styles, merges and row heights of laid-out rows (from A1), in as few calls as
    possible: cells of one style as rectangles, rows of one height as runs."""
    import polars as pl

    book = sheet.book
    for c, width in enumerate(widths, start=1):
        sheet.range((1, c)).column_width = _column_width(book, width)
    styled: dict[str, list[tuple[int, int]]] = {}
    for r, row in enumerate(rows, start=1):
        for cell in row.cellen:
            last = cell.tot if cell.tot is not None else cell.kolom
            if last > cell.kolom:
                sheet.range((r, cell.kolom + 1), (r, last + 1)).merge(across=False)
            if cell.stijl:
                styled.setdefault(cell.stijl, []).extend(
                    (c, r) for c in range(cell.kolom, last + 1)
                )
    for style, cells in styled.items():
        frame = pl.DataFrame(cells, schema={"_col": pl.Int64, "_row": pl.Int64}, orient="row")
        for address in mark_blocks(frame).get_column("ref").to_list():
            _format(sheet.range(address), style)
    r = 0
    while r < len(rows):
        height, first = rows[r].hoogte, r
        while r + 1 < len(rows) and rows[r + 1].hoogte == height:
            r += 1
        if height is not None:
            sheet.range((first + 1, 1), (r + 1, 1)).row_height = height
        r += 1
    if rows:
        with contextlib.suppress(NotImplementedError, AttributeError):
            sheet.range((1, 1), (len(rows), len(widths))).vertical_alignment = "top"


def _format(rng: xw.Range, style: str) -> None:
    """One layout style (`jeugdhulp.controle_layout.Cel`) on a range."""
    if style in ("titel", "sectie", "kop") or style.startswith("status:"):
        rng.font.bold = True
    if style == "titel":
        rng.font.size = 14
    elif style == "sectie":
        rng.font.size = 12
    if style == "tekst" or style.startswith("status:"):
        rng.wrap_text = True
    if style.startswith("status:"):
        text_colour, fill_colour = STATUS_COLOURS.get(style.partition(":")[2], ("000000", "FFFFFF"))
        rng.color = "#" + fill_colour
        rng.font.color = "#" + text_colour
    if style == "getal":
        with contextlib.suppress(NotImplementedError, AttributeError):
            rng.horizontal_alignment = "center"


def _print_setup(sheet: xw.Sheet, title_row: int) -> None:
    """Landscape, as wide as the page, `title_row` repeated on every page. Classic xlwings
    only (Excel's PageSetup); Office.js has no page setup in xlwings."""
    if _is_officejs(sheet.book):
        return
    with contextlib.suppress(Exception):  # no printer driver, or Excel on a Mac: skip quietly
        setup = sheet.api.PageSetup
        setup.PrintTitleRows = f"${title_row}:${title_row}"
        setup.Orientation = 2  # xlLandscape
        setup.Zoom = False
        setup.FitToPagesWide = 1
        setup.FitToPagesTall = False


def _format_controle(sheet: xw.Sheet, top: Sequence[Regel], findings: pl.DataFrame) -> None:
    import polars as pl

    _apply_layout(sheet, top, WIDTHS)
    header_row = len(top) + 1
    count = findings.height
    sheet.range((header_row, 1), (header_row, len(HEADERS))).font.bold = True
    first, last = header_row + 1, header_row + max(count, 1)
    table = sheet.range((first, 1), (last, len(HEADERS)))
    with contextlib.suppress(NotImplementedError, AttributeError):
        table.vertical_alignment = "top"
    for c in WRAPPED:
        sheet.range((first, c + 1), (last, c + 1)).wrap_text = True
    ernst = HEADERS.index("Ernst")
    if count:
        severities = findings.select(
            _col=pl.lit(ernst, dtype=pl.Int64),
            _row=pl.int_range(first, first + count, dtype=pl.Int64),
            severity=pl.when(pl.col("ernst") == "fout")
            .then(pl.lit("fout"))
            .otherwise(pl.lit("waarschuwing")),
        )
        for severity, address in (
            mark_blocks(severities, by=("severity",)).select("severity", "ref").iter_rows()
        ):
            text_colour, fill_colour = COLOURS[severity]
            rng = sheet.range(address)
            rng.color = "#" + fill_colour
            rng.font.color = "#" + text_colour
        link = column_letter(LINK_COLUMN)
        sheet.range(f"{link}{first}:{link}{last}").font.color = "#0563C1"
        with contextlib.suppress(NotImplementedError, AttributeError):
            table.rows.autofit()  # wrapped text: Excel sizes the rows itself
    header = sheet.range((header_row, 1), (last, len(HEADERS)))
    # Filter buttons on the findings: a table is what both Office.js and COM can add.
    with contextlib.suppress(NotImplementedError):
        sheet.tables.add(source=header, table_style_name="TableStyleLight1")
    _print_setup(sheet, header_row)


def _format_catalogue(sheet: xw.Sheet, rows: Sequence[Regel]) -> None:
    _apply_layout(sheet, rows, CATALOGUE_WIDTHS)
    header = sheet.range(
        (CATALOGUE_HEADER_ROW, 1),
        (max(len(rows), CATALOGUE_HEADER_ROW + 1), len(CATALOGUE_HEADERS)),
    )
    with contextlib.suppress(NotImplementedError):
        sheet.tables.add(source=header, table_style_name="TableStyleLight1")
    with contextlib.suppress(NotImplementedError, AttributeError):
        sheet.freeze_panes.freeze_at(f"A{CATALOGUE_HEADER_ROW + 1}")
    _print_setup(sheet, CATALOGUE_HEADER_ROW)


def _free_name(book: xw.Book, base: str) -> str:
    taken = {name.casefold() for name in _sheet_names(book)}
    name, n = base, 2
    while name.casefold() in taken:
        name, n = f"{base} ({n})", n + 1
    return name


def _book_verantwoording(
    book: xw.Book,
    profiel: str,
    when: dt.datetime,
    tables: BookTables,
    profile: Profile,
    findings: pl.DataFrame,
) -> Verantwoording:
    """What the legend says besides the findings, for the open workbook (the same rules as the
    batch check: `check_plan`, `jeugdhulp.verdict`)."""
    import polars as pl

    from jeugdhulp.schema import BladGelezen

    gelezen = tuple(
        BladGelezen.uit_tabel(info, "productie", book.name, "") for info in tables.productie
    ) + tuple(
        BladGelezen.uit_tabel(info, table, book.name, "")
        for table in ("toewijzingen", "producten")
        if (info := tables.get(table)) is not None
    )
    overgeslagen = tuple(
        (check.id, reden)
        for check, reden in check_plan(
            tables.toewijzingen, tables.producten, profile, tables.productie
        )
        if reden is not None
    )
    onbekend = sum(info.onbekend.height for info in tables.productie)
    bedragen_onbekend = sum(
        info.onbekend.filter(pl.col("kolom") == "bedrag").height for info in tables.productie
    )
    onvolledig = tuple(
        onvolledig_redenen(
            overgeslagen=overgeslagen, onbekend=onbekend, bedragen_onbekend=bedragen_onbekend
        )
    )
    fouten = int((findings.get_column("ernst") == "fout").sum()) if findings.height else 0
    rijen = sum(
        info.frame.get_column("_rij").n_unique() for info in tables.productie if info.frame.height
    )
    return Verantwoording(
        profiel=profiel,
        gecontroleerd_op=when,
        oordeel=file_status(gelezen=True, rijen=rijen, fouten=fouten, onvolledig=onvolledig),
        onvolledig=onvolledig,
        gelezen=gelezen,
        meldingen=tuple(tables.meldingen),
        controles=tuple(CatalogusRegel.van(c) for c in CATALOGUE),
        overgeslagen=overgeslagen,
        onbekend=onbekend,
        bronnen=(Bronbestand("productie", f"{book.name} (geopend in Excel)"),),
    )


def check_book(book: xw.Book, *, now: dt.datetime | None = None) -> BookCheck:
    """Check the open workbook and write Controle, Controlelijst and the marks into it (see the
    module doc)."""
    import polars as pl

    when = now or dt.datetime.now()
    previous, previous_own = _previous_marks(book)
    profiel = workbook_profile(book)
    result = BookCheck(profiel=profiel)
    findings = _no_findings()
    try:
        profile = load_profile(profiel)
        result.profiel = profile.naam
        tables = read_tables(book)
        findings = run_checks(
            tables.productie, tables.toewijzingen, tables.producten, profile
        ).select(FIELDS)
        verantwoording = _book_verantwoording(book, profile.naam, when, tables, profile, findings)
    except JeugdhulpError as exc:
        result.melding = str(exc)
        verantwoording = Verantwoording(
            profiel=result.profiel, gecontroleerd_op=when, niet_uitgevoerd=str(exc)
        )
    result.verantwoording = verantwoording

    # Undo the previous run: its marks, its own sheets, its record of marks.
    _restore_marks(book, previous)
    for sheet in list(book.sheets):
        own_name = _CONTROLE_NAME.fullmatch(sheet.name) or _CATALOGUE_NAME.fullmatch(sheet.name)
        if sheet.name == MARKS_SHEET or (
            own_name and (sheet.name in previous_own or _looks_like_own(sheet))
        ):
            sheet.delete()

    names = _sheet_names(book)
    findings = _sorted_findings(findings, names)
    tellingen = {
        c: (int(f), int(w))
        for c, f, w in findings.group_by("controle")
        .agg(f=(pl.col("ernst") == "fout").sum(), w=(pl.col("ernst") != "fout").sum())
        .iter_rows()
    }
    top = controle_top(verantwoording, tellingen)
    result.controle = _free_name(book, CONTROLE_SHEET)
    controle = book.sheets.add(result.controle, before=book.sheets[0])
    controle.range("A1").value = _controle_values(top, findings, names)
    _format_controle(controle, top, findings)
    own = [result.controle]
    if verantwoording.controles:
        result.controlelijst = _free_name(book, CATALOGUE_SHEET)
        catalogue = catalogue_rows(verantwoording, tellingen)
        sheet = book.sheets.add(result.controlelijst, after=controle)
        sheet.range("A1").value = _layout_values(catalogue, len(CATALOGUE_HEADERS))
        _format_catalogue(sheet, catalogue)
        own.append(result.controlelijst)
    marks, result.cells_marked = _mark_cells(book, findings)
    _write_marks_sheet(book, marks, own)
    result.bevindingen = findings.select(FIELDS)
    controle.activate()
    return result


@xw.script(name="Controleer werkmap")
def controleer(book: xw.Book) -> None:
    """Controleer deze werkmap (Productie, Toewijzingen, Producten) en schrijf blad Controle."""
    check_book(book)


def controleer_werkmap(book: xw.Book | None = None) -> BookCheck:
    """Classic xlwings: ``RunPython "import addin.scripts; addin.scripts.controleer_werkmap()"``."""
    return check_book(book if book is not None else xw.Book.caller())


# --- backoffice: a folder of workbooks ------------------------------------------------------


def _yes(value: Any, default: bool) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    return fold(str(value)) in ("ja", "j", "waar", "true", "1", "yes", "x", "10")


def _path(value: str | None, base: Path | None) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return path


def summary_rows(results: Sequence[FileResult]) -> list[list[Any]]:
    """One row per file for the sheet Samenvatting (the columns of SUMMARY_HEADERS)."""
    return [
        [
            excel_text(str(r.bestand)),
            r.status,
            r.rijen,
            r.fouten,
            r.waarschuwingen,
            "onbekend" if r.bedrag_gedeclareerd is None else float(r.bedrag_gedeclareerd),
            "onbekend" if r.bedrag_met_fout is None else float(r.bedrag_met_fout),
            excel_text(r.melding),
            excel_text(str(r.uitvoer or "")),
        ]
        for r in results
    ]


def findings_rows(results: Sequence[FileResult]) -> list[list[Any]]:
    """Every finding of every file for the sheet Bevindingen: file name plus FINDING_FIELDS."""
    rows = []
    for result in results:
        name = excel_text(result.bestand.name)
        for record in result.bevindingen.select(FIELDS).iter_rows():
            rows.append([name, *(excel_text(v) if isinstance(v, str) else v for v in record)])
    return rows


def _replace_sheet(book: xw.Book, name: str, after: xw.Sheet | None = None) -> xw.Sheet:
    old = _find_sheet(book, name)
    if old is not None:
        old.delete()
    anchor = after if after is not None else book.sheets[len(book.sheets) - 1]
    return book.sheets.add(name, after=anchor)


def controleer_map(book: xw.Book | None = None) -> list[FileResult]:
    """Backoffice: check every workbook in the folder named on Instellingen (classic, Server).

    Cells on ``Instellingen`` (label, value to its right): Map, Profiel, Toewijzingen,
    Producten, Schrijven (ja/nee: write NAAM.controle.xlsx beside each file), Uitvoermap.
    Relative paths are taken from the control workbook's folder.
    """
    from batch.run import Options, check_file, collect_paths

    book = book if book is not None else xw.Book.caller()
    started = dt.datetime.now()
    settings = read_settings(book)
    fullname = Path(book.fullname)
    base = fullname.parent if fullname.parent != Path() else None
    folder = _path(_text_setting(settings, "Map", "Folder"), base)
    profiel = _text_setting(settings, "Profiel", "Regioprofiel") or DEFAULT_PROFILE
    if folder is None:
        raise JeugdhulpError(f"Vul op blad {SETTINGS_SHEET} bij 'Map' de map met werkmappen in.")
    options = Options(
        profiel=profiel,
        toewijzingen=_path(_text_setting(settings, "Toewijzingen"), base),
        producten=_path(_text_setting(settings, "Producten"), base),
        schrijven=_yes(settings.get("schrijven"), default=False),
        uitvoer=_path(_text_setting(settings, "Uitvoermap", "Uitvoer"), base),
    )
    profile = load_profile(profiel)  # a wrong profile is one clear message, not one per file
    paths, problems = collect_paths([folder])
    results = problems + [check_file(path, options) for path in paths]

    summary = _replace_sheet(book, SUMMARY_SHEET)
    fouten = sum(r.fouten for r in results)
    title = (
        f"Controle productiemonitors in {folder}, profiel {profile.naam}, "
        f"{started:%d-%m-%Y %H:%M}: {len(results)} bestanden, {fouten} fouten."
    )
    summary.range("A1").value = excel_text(title)
    summary.range("A1").font.bold = True
    summary.range("A3").value = [list(SUMMARY_HEADERS), *summary_rows(results)]
    summary.range((3, 1), (3, len(SUMMARY_HEADERS))).font.bold = True
    for c, width in enumerate((48, 18, 8, 8, 14, 20, 20, 60, 48), start=1):
        summary.range((1, c)).column_width = _column_width(book, width)
    if results:
        summary.range((4, 6), (3 + len(results), 7)).number_format = "€ #,##0.00"

    findings = _replace_sheet(book, FINDINGS_SHEET, after=summary)
    headers = ["Bestand", *HEADERS]
    findings.range("A1").value = [headers, *findings_rows(results)]
    findings.range((1, 1), (1, len(headers))).font.bold = True
    for c, width in enumerate((32, *WIDTHS), start=1):
        findings.range((1, c)).column_width = _column_width(book, width)
    summary.activate()
    return results


@xw.script(name="Controleer map (backoffice)")
def controleer_map_script(book: xw.Book) -> None:
    """xlwings Server: de backofficecontrole van de map op blad Instellingen."""
    controleer_map(book)
