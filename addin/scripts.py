"""One-click scripts for Excel: check the open workbook, and the backoffice folder check.

**Check the open workbook** (`controleer` in xlwings Lite and xlwings Server, `controleer_werkmap`
in classic xlwings). The same engine as ``jeugdhulp controleer``: the sheets Productie,
Toewijzingen and Producten are read through the xlwings book API (`used_range`, so row numbers
and column letters are the true ones), turned into the text the file reader produces
(`jeugdhulp.cells`), normalised and checked with `run_checks`. The result goes into the
workbook itself: a sheet ``Controle`` in front with the layout of the file annotator
(`jeugdhulp.controle_layout`: legend, header row, one row per finding with a link to the cell,
filter buttons) and the flagged cells filled red (fout) or orange (waarschuwing). Which cells
were filled, and their fill before, is kept in the hidden sheet ``jeugdhulp_markeringen``, so a
new run first restores them and then replaces the sheet: running twice leaves one ``Controle``
and no stale marks. No file is read, so it runs in xlwings Lite.

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
from jeugdhulp.checks import CATALOGUE, run_checks
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
    COLOURS,
    CONTROLE_SHEET,
    FORMULA_START,
    HEADER_ROW,
    HEADERS,
    LEGEND_COLUMN,
    LEGEND_HEADERS,
    LEGEND_WIDTHS,
    LINK_COLUMN,
    NO_FINDINGS,
    TITLE_PREFIX,
    WIDTHS,
    column_runs,
    finding_sort_key,
    finding_values,
    legend_lines,
    marks_per_sheet,
    parse_ref,
)
from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.findings import Finding, column_letter
from jeugdhulp.parse import fold
from jeugdhulp.profile import DEFAULT_PROFILE, load_profile
from jeugdhulp.schema import TableInfo

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from batch.run import FileResult

__all__ = [
    "MARKS_SHEET",
    "PROFILE_NAME",
    "SETTINGS_SHEET",
    "BookCheck",
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
    return name == MARKS_SHEET or bool(_CONTROLE_NAME.fullmatch(name))


def _no_header(table: str, where: str) -> JeugdhulpError:
    return JeugdhulpError(
        f"Geen kopregel gevonden voor {TABLE_TITLES[table]} in {where}: nodig zijn "
        f"{required_headers_text(table)}."
    )


def read_tables(book: xw.Book) -> dict[str, TableInfo]:
    """Productie (required), Toewijzingen and Producten from the open workbook.

    A sheet is taken for a table by its name, else by its header row, as the file reader does.
    Raises `JeugdhulpError` (Dutch) when there is no Productie table.
    """
    sheets = [sheet for sheet in book.sheets if not _is_own_sheet(sheet.name)]
    frames: dict[str, pl.DataFrame] = {}

    def frame(sheet: xw.Sheet) -> pl.DataFrame:
        if sheet.name not in frames:
            values, first_row, first_column = _values(sheet)
            frames[sheet.name] = text_frame(values, first_row, first_column)
        return frames[sheet.name]

    chosen: dict[str, tuple[xw.Sheet, HeaderRow]] = {}
    rest = []
    for sheet in sheets:
        table = table_for_sheet_name(sheet.name)
        if table is None:
            rest.append(sheet)
            continue
        if table in chosen:
            continue
        header = detect_header(head_rows(frame(sheet)), table)
        if header is None:
            if table == "productie":
                raise _no_header(table, f"blad '{sheet.name}'")
            continue
        chosen[table] = (sheet, header)
    open_tables = [table for table in TABLES if table not in chosen]
    for sheet in rest:
        if not open_tables:
            break
        match = table_for_headers(head_rows(frame(sheet)), open_tables)
        if match is not None:
            chosen[match[0]] = (sheet, match[1])
            open_tables.remove(match[0])
    if "productie" not in chosen:
        raise _no_header("productie", "deze werkmap (geen blad Productie)")

    tables = {}
    for table, (sheet, header) in chosen.items():
        raw = frame(sheet)
        kopregel = int(raw.get_column("_rij")[header.index])
        body = raw.slice(header.index + 1)
        tables[table] = table_from_body(body, table, header, sheet.name, kopregel)
    return tables


# --- checking the open workbook -------------------------------------------------------------


@dataclass(slots=True)
class BookCheck:
    """What one run in the open workbook did."""

    profiel: str
    findings: list[Finding] = field(default_factory=list)
    melding: str = ""  # why the check could not run ("" when it ran)
    controle: str = CONTROLE_SHEET  # name of the sheet written
    cells_marked: int = 0


@dataclass(slots=True)
class _Mark:
    blad: str
    bereik: str
    ernst: str
    kleur: str  # fill before the mark as #RRGGBB, "" = none or unknown


def _previous_marks(book: xw.Book) -> tuple[list[_Mark], set[str]]:
    """Marks of the previous run and the names of the Controle sheets it wrote."""
    sheet = _find_sheet(book, MARKS_SHEET)
    if sheet is None:
        return [], set()
    rows, _, _ = _values(sheet)
    marks, controle = [], set()
    for row in rows[1:]:
        cells = [("" if v is None else str(v)) for v in [*row, "", "", "", "", ""][:5]]
        if cells[0] and cells[1]:
            marks.append(_Mark(cells[0], cells[1], cells[2], cells[3]))
        if cells[4]:
            controle.add(cells[4])
    return marks, controle


def _looks_like_controle(sheet: xw.Sheet) -> bool:
    """A Controle sheet of this tool (also one the file annotator wrote): title and header row."""
    rows, first_row, first_column = _values(sheet)
    if first_row != 1 or first_column != 1 or len(rows) < HEADER_ROW:
        return False
    title = rows[0][0]
    header = [str(v) if v is not None else "" for v in rows[HEADER_ROW - 1][: len(HEADERS)]]
    return isinstance(title, str) and title.startswith(TITLE_PREFIX) and tuple(header) == HEADERS


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


def _runs_to_ranges(cells: set[tuple[int, int]]) -> list[str]:
    out = []
    for col, first, last in column_runs(cells):
        letter = column_letter(col)
        out.append(f"{letter}{first}" if first == last else f"{letter}{first}:{letter}{last}")
    return out


def _mark_cells(book: xw.Book, findings: Sequence[Finding]) -> list[_Mark]:
    names = {name.casefold(): name for name in _sheet_names(book)}
    marks: list[_Mark] = []
    for blad, per_severity in marks_per_sheet(findings).items():
        name = names.get(blad.casefold())
        if name is None:
            continue
        sheet = book.sheets[name]
        for severity in ("fout", "waarschuwing"):
            for address in _runs_to_ranges(per_severity.get(severity, set())):
                rng = sheet.range(address)
                marks.append(_Mark(name, address, severity, _read_colour(rng)))
                rng.color = "#" + COLOURS[severity][1]
    return marks


def _write_marks_sheet(book: xw.Book, marks: Sequence[_Mark], controle: str) -> None:
    sheet = book.sheets.add(MARKS_SHEET, after=book.sheets[len(book.sheets) - 1])
    rows: list[list[Any]] = [list(MARKS_HEADERS)]
    rows += [[m.blad, m.bereik, m.ernst, m.kleur, ""] for m in marks]
    if len(rows) == 1:
        rows.append(["", "", "", "", ""])
    rows[1][4] = controle
    sheet.range("A1").value = [[excel_text(str(v)) if v else None for v in row] for row in rows]
    sheet.visible = False


def _controle_rows(
    result: BookCheck, when: dt.datetime, sheet_names: Sequence[str]
) -> list[list[Any]]:
    findings = result.findings
    width = LEGEND_COLUMN + len(LEGEND_HEADERS)
    if result.melding:
        legend = [
            f"{TITLE_PREFIX} niet uitgevoerd",
            f"Gecontroleerd op {when:%d-%m-%Y %H:%M} met regioprofiel '{result.profiel}'.",
            result.melding,
        ]
    else:
        legend = legend_lines(findings, result.profiel, when)
    last = HEADER_ROW + max(len(findings), len(CATALOGUE), 1)
    rows: list[list[Any]] = [[None] * width for _ in range(last)]
    for r, text in enumerate(legend):
        rows[r][0] = excel_text(text)
    rows[HEADER_ROW - 1][: len(HEADERS)] = list(HEADERS)
    rows[HEADER_ROW - 1][LEGEND_COLUMN:] = list(LEGEND_HEADERS)
    existing = {name.casefold(): name for name in sheet_names}
    for r, finding in enumerate(findings, start=HEADER_ROW):
        values: list[Any] = [
            excel_text(v) if isinstance(v, str) else v for v in finding_values(finding)
        ]
        target = existing.get(finding.blad.casefold())
        if target is not None and parse_ref(finding.cel) is not None:
            values[LINK_COLUMN] = _link_formula(target, finding.cel)
        rows[r][: len(HEADERS)] = values
    if not findings:
        rows[HEADER_ROW][0] = NO_FINDINGS
    for r, check in enumerate(CATALOGUE, start=HEADER_ROW):
        rows[r][LEGEND_COLUMN:] = [check.id, check.ernst, excel_text(check.titel)]
    return rows


def _controle_name(book: xw.Book) -> str:
    taken = {name.casefold() for name in _sheet_names(book)}
    name, n = CONTROLE_SHEET, 2
    while name.casefold() in taken:
        name, n = f"{CONTROLE_SHEET} ({n})", n + 1
    return name


def _format_controle(sheet: xw.Sheet, result: BookCheck) -> None:
    book = sheet.book
    sheet.range("A1").font.bold = True
    sheet.range("A1").font.size = 14
    header = sheet.range((HEADER_ROW, 1), (HEADER_ROW, len(HEADERS)))
    header.font.bold = True
    sheet.range((HEADER_ROW, LEGEND_COLUMN + 1), (HEADER_ROW, LEGEND_COLUMN + 3)).font.bold = True
    widths = [*WIDTHS, 3, *LEGEND_WIDTHS]
    for c, width in enumerate(widths, start=1):
        sheet.range((1, c)).column_width = _column_width(book, width)
    ernst = HEADERS.index("Ernst")
    for severity, (text_colour, fill_colour) in COLOURS.items():
        cells = {
            (ernst, r)
            for r, f in enumerate(result.findings, start=HEADER_ROW + 1)
            if f.ernst == severity
        }
        for address in _runs_to_ranges(cells):
            rng = sheet.range(address)
            rng.color = "#" + fill_colour
            rng.font.color = "#" + text_colour
    link = column_letter(LINK_COLUMN)
    if result.findings:
        first, last = HEADER_ROW + 1, HEADER_ROW + len(result.findings)
        sheet.range(f"{link}{first}:{link}{last}").font.color = "#0563C1"
    table = sheet.range((HEADER_ROW, 1), (HEADER_ROW + max(len(result.findings), 1), len(HEADERS)))
    # Filter buttons on the findings: a table is what both Office.js and COM can add.
    with contextlib.suppress(NotImplementedError):
        sheet.tables.add(source=table, table_style_name="TableStyleLight1")
    with contextlib.suppress(NotImplementedError, AttributeError):
        sheet.freeze_panes.freeze_at(f"A{HEADER_ROW + 1}")


def check_book(book: xw.Book, *, now: dt.datetime | None = None) -> BookCheck:
    """Check the open workbook and write Controle and the marks into it (see the module doc)."""
    when = now or dt.datetime.now()
    previous, previous_controle = _previous_marks(book)
    profiel = workbook_profile(book)
    result = BookCheck(profiel=profiel)
    try:
        profile = load_profile(profiel)
        result.profiel = profile.naam
        tables = read_tables(book)
        frame = run_checks(
            tables["productie"], tables.get("toewijzingen"), tables.get("producten"), profile
        )
        result.findings = [Finding(**row) for row in frame.iter_rows(named=True)]
    except JeugdhulpError as exc:
        result.melding = str(exc)

    # Undo the previous run: its marks, its Controle sheet(s), its record of marks.
    _restore_marks(book, previous)
    for sheet in list(book.sheets):
        if sheet.name == MARKS_SHEET or (
            _CONTROLE_NAME.fullmatch(sheet.name)
            and (sheet.name in previous_controle or _looks_like_controle(sheet))
        ):
            sheet.delete()

    order = {name.casefold(): i for i, name in enumerate(_sheet_names(book))}
    result.findings.sort(
        key=lambda f: finding_sort_key(f, order.get(f.blad.casefold(), len(order)))
    )
    result.controle = _controle_name(book)
    rows = _controle_rows(result, when, _sheet_names(book))
    controle = book.sheets.add(result.controle, before=book.sheets[0])
    controle.range("A1").value = rows
    _format_controle(controle, result)
    marks = _mark_cells(book, result.findings)
    result.cells_marked = len(marks)
    _write_marks_sheet(book, marks, result.controle)
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
        for record in result.bevindingen.iter_rows(named=True):
            finding = Finding(**record)
            values = [excel_text(v) if isinstance(v, str) else v for v in finding_values(finding)]
            rows.append([excel_text(result.bestand.name), *values])
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
