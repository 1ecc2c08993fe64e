"""Reports of a run over many files: the JSON report and the backoffice summary workbook.

Both say per file the verdict (`jeugdhulp.verdict`), what was read and checked, and every
finding. The findings stay polars frames up to the bytes on disk: the JSON report splices the
output of polars' own JSON writer into its text (one finding per line), and the summary
workbook's sheet Bevindingen is XML built by polars expressions and put into the package that
XlsxWriter writes for the rest. No Python object per finding.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import re
import secrets
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import polars as pl

from batch.files import atomic_write, shown
from batch.run import Bron, FileResult, total_amount
from jeugdhulp.findings import FINDING_FIELDS, column_letter
from jeugdhulp.schema import KolomGelezen
from jeugdhulp.verdict import EXIT_UITLEG, STATUS_UITLEG, STATUSES

_BSN_LIKE = re.compile(r"(?<!\d)\d{8,9}(?!\d)")
#: A sheet name Excel writes in a reference without quotes.
_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+|[RrCc][0-9]*")
#: Excel's last row; the sheet Bevindingen holds at most this many rows, header included.
EXCEL_ROWS = 1_048_576
#: Excel's longest link (characters).
_MAX_URL = 2079
#: Rows of findings per JSON chunk written at once (bounds the memory of a big report).
_JSON_CHUNK = 100_000


def mask_bsn(text: str) -> str:
    """Hide BSN-like numbers in console output, keeping the last three digits.

    >>> mask_bsn("BSN 111222333 faalt de elfproef; 11222333 miste de voorloopnul")
    'BSN ******333 faalt de elfproef; *****333 miste de voorloopnul'
    """
    return _BSN_LIKE.sub(lambda m: "*" * (len(m.group()) - 3) + m.group()[-3:], text)


def aantal(n: int) -> str:
    """A count as Dutch text: thousands with a dot.

    >>> aantal(7), aantal(100000)
    ('7', '100.000')
    """
    return f"{n:,}".replace(",", ".")


def sheet_reference(blad: str, cel: str) -> str:
    """A cell as Excel writes a reference to it: the sheet name quoted where it needs quotes.

    >>> sheet_reference("Productie", "A11"), sheet_reference("Productie jan", "B2")
    ('Productie!A11', "'Productie jan'!B2")
    >>> sheet_reference("Anne's", "C3"), sheet_reference("2023", "D4")
    ("'Anne''s'!C3", "'2023'!D4")
    """
    if _PLAIN_SHEET.fullmatch(blad) and not _CELL_LIKE.fullmatch(blad):
        return f"{blad}!{cel}"
    return "'" + blad.replace("'", "''") + f"'!{cel}"


def tool_version() -> str:
    import jeugdhulp

    return jeugdhulp.__version__


# --- JSON -------------------------------------------------------------------------------------


def bron_entry(bron: Bron) -> dict[str, object]:
    return {
        "rol": bron.rol,
        "pad": shown(bron.pad),
        "grootte": bron.grootte,
        "gewijzigd": bron.gewijzigd.isoformat(timespec="seconds"),
        "sha256": bron.sha256,
    }


def file_entry(result: FileResult) -> dict[str, object]:
    """Everything the report says about one file except its findings (`bevindingen`)."""
    return {
        "bestand": shown(result.bestand),
        "status": result.status,
        "melding": shown(result.melding),
        "onvolledig": list(result.onvolledig),
        "niet_geschreven": shown(result.niet_geschreven),
        "rijen": result.rijen,
        "fouten": result.fouten,
        "waarschuwingen": result.waarschuwingen,
        # null: unknown (a production sheet has no Bedrag column), never "0"
        "bedrag_gedeclareerd": _amount(result.bedrag_gedeclareerd),
        "bedrag_met_fout": _amount(result.bedrag_met_fout),
        "onbekend": result.onbekend,
        "bedragen_onbekend": result.bedragen_onbekend,
        "uitvoer": shown(result.uitvoer) if result.uitvoer else None,
        "bronnen": [bron_entry(b) for b in result.bronnen],
        "gelezen": [blad.as_dict() for blad in result.gelezen],
        "meldingen": list(result.meldingen),
        "gecontroleerd": list(result.gecontroleerd),
        "overgeslagen": [
            {"controle": controle, "reden": reden} for controle, reden in result.overgeslagen
        ],
    }


def totals(results: Sequence[FileResult]) -> dict[str, object]:
    """The run's totals over the files that were checked (unreadable files count as files)."""
    checked = [r for r in results if r.checked]
    return {
        "bestanden": len(results),
        "per_status": {s: sum(r.status == s for r in results) for s in STATUSES},
        "rijen": sum(r.rijen for r in checked),
        "fouten": sum(r.fouten for r in checked),
        "waarschuwingen": sum(r.waarschuwingen for r in checked),
        "bedrag_gedeclareerd": _amount(total_amount(r.bedrag_gedeclareerd for r in checked)),
        "bedrag_met_fout": _amount(total_amount(r.bedrag_met_fout for r in checked)),
    }


def _amount(amount: Decimal | None) -> str | None:
    """An amount for the JSON report: its exact text in euro with cents ("64592.43"; more
    decimals only when there are), or null when unknown."""
    if amount is None:
        return None
    cents = amount.quantize(Decimal("0.01"))
    return str(cents if cents == amount else amount.normalize())


def write_json(
    path: Path,
    results: list[FileResult],
    *,
    profiel: str,
    started: dt.datetime,
    meldingen: list[str] | None = None,
) -> None:
    """`{"bestanden": [...]}` with every finding; BSNs are not masked (the file is for the
    backoffice). Written atomically.

    Top level: `profiel`, `gecontroleerd_op`, `versie` (of the tool), `meldingen` (the run's own
    notes: subfolders not searched, an output folder that cannot be written), `statussen` and
    `afsluitcodes` (what each means), `totaal`, and per file `file_entry` plus `bevindingen`
    (objects with the keys of `FINDING_FIELDS`, one per line).
    """
    atomic_write(
        path, lambda handle: _write_json(handle, results, profiel, started, meldingen or [])
    )


def _write_json(
    handle: BinaryIO,
    results: list[FileResult],
    profiel: str,
    started: dt.datetime,
    meldingen: list[str],
) -> None:
    marker = f"@@bevindingen-{secrets.token_hex(8)}-"
    report = {
        "profiel": profiel,
        "gecontroleerd_op": started.isoformat(timespec="seconds"),
        "versie": tool_version(),
        "meldingen": [shown(m) for m in meldingen],
        "statussen": STATUS_UITLEG,
        "afsluitcodes": {str(code): text for code, text in EXIT_UITLEG.items()},
        "totaal": totals(results),
        "bestanden": [
            {**file_entry(r), "bevindingen": f"{marker}{i}@@"} for i, r in enumerate(results)
        ],
    }
    # `shown` over the whole text: any field may carry a file name that is not UTF-8.
    text = shown(json.dumps(report, ensure_ascii=False, indent=2))
    parts = re.split(f'"{re.escape(marker)}(\\d+)@@"', text)
    handle.write(parts[0].encode("utf-8"))
    for i in range(1, len(parts), 2):
        _write_findings_json(handle, results[int(parts[i])].bevindingen, indent=6)
        handle.write(parts[i + 1].encode("utf-8"))


def _write_findings_json(handle: BinaryIO, findings: pl.DataFrame, *, indent: int) -> None:
    """A JSON array of the findings, one object per line, by polars' own writer in chunks."""
    if findings.height == 0:
        handle.write(b"[]")
        return
    pad = b"\n" + b" " * indent
    handle.write(b"[" + pad)
    for n, chunk in enumerate(findings.select(FINDING_FIELDS).iter_slices(_JSON_CHUNK)):
        buffer = io.BytesIO()
        chunk.write_ndjson(buffer)
        if n:
            handle.write(b"," + pad)
        # a newline inside a value is escaped by the writer: the raw ones end the objects
        handle.write(buffer.getvalue().rstrip(b"\n").replace(b"\n", b"," + pad))
    handle.write(b"\n" + b" " * (indent - 2) + b"]")


# --- summary workbook -------------------------------------------------------------------------

SUMMARY_SHEETS = ("Bestanden", "Bevindingen", "Gelezen en gecontroleerd", "Uitleg")
#: Columns of the sheet Bestanden: header, width (characters), kind.
FILE_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("Bestand", 50, "pad"),
    ("Status", 20, "tekst"),
    ("Regels", 11, "getal"),
    ("Fouten", 11, "getal"),
    ("Waarschuwingen", 18, "getal"),
    ("Bedrag gedeclareerd", 22, "euro"),
    ("Bedrag met fout", 19, "euro"),
    ("Onbekende waarden", 20, "getal"),
    ("Gecontroleerde werkmap", 50, "pad"),
    ("Toelichting", 80, "tekst"),
)
#: Columns of the sheet Bevindingen (Bestand plus the finding's fields) and their widths.
FINDING_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("bestand", "Bestand", 40),
    ("blad", "Blad", 16),
    ("rij", "Rij", 8),
    ("kolom", "Kolom", 18),
    ("cel", "Cel", 8),
    ("controle", "Controle", 11),
    ("ernst", "Ernst", 14),
    ("retourcode", "Retourcode", 13),
    ("melding", "Melding", 80),
    ("waarde", "Waarde", 24),
)
READ_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Bestand", 50),
    ("Soort", 20),
    ("Onderwerp", 24),
    ("Toelichting", 100),
)


def write_summary_workbook(
    path: Path,
    results: list[FileResult],
    *,
    profiel: str,
    started: dt.datetime,
    afsluitcode: int | None = None,
    rapport: Path | None = None,
) -> None:
    """The backoffice's workbook over a run, written atomically.

    Sheets: Bestanden (one row per file: full path, status, counts, amounts, a link to the
    checked copy, why; a Totaal row; blanks where a file could not be read), Bevindingen (every
    finding), Gelezen en gecontroleerd (per file the sheets read, the column mapping, the
    reader's notes, each check that ran or not and why, the source files with their SHA-256),
    Uitleg (what the columns, the statuses and the exit codes mean). `afsluitcode`: the run's
    exit code, named at the top; `rapport`: the JSON report, named where not all findings fit.
    """
    atomic_write(
        path,
        lambda handle: _summary_workbook(
            handle, Path(path), results, profiel, started, afsluitcode, rapport
        ),
    )


def _summary_workbook(
    handle: BinaryIO,
    path: Path,
    results: list[FileResult],
    profiel: str,
    started: dt.datetime,
    afsluitcode: int | None,
    rapport: Path | None,
) -> None:
    import xlsxwriter

    findings = _all_findings(results)
    fitting = EXCEL_ROWS - 1 if findings.height < EXCEL_ROWS else EXCEL_ROWS - 2
    scratch = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        scratch,
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    workbook.set_properties({"title": "Controle productiemonitors", "comments": profiel})
    formats = _Formats(workbook)
    _files_sheet(workbook, formats, path, results, profiel, started, afsluitcode)
    sheet = workbook.add_worksheet(SUMMARY_SHEETS[1])
    longest = max(
        (len(shown(_full(r.bestand))) for r in results if r.bevindingen.height), default=0
    )
    for c, (name, header, width) in enumerate(FINDING_COLUMNS):
        if name == "bestand":
            width = max(width, min(longest + 2, 90))
        sheet.set_column(c, c, width, formats.findings.get(name, formats.text))
        sheet.write_string(0, c, header, formats.header)
    last_row = min(findings.height, fitting) + (1 if findings.height > fitting else 0)
    sheet.autofilter(0, 0, max(last_row, 1), len(FINDING_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, 0)
    _read_sheet(workbook, formats, results)
    _legend_sheet(workbook, formats)
    workbook.close()
    # the style numbers XlsxWriter gave the formats (each is used above) go into the XML
    styles = {name: fmt.xf_index for name, fmt in formats.findings.items()}
    styles |= {"": formats.text.xf_index}
    styles |= {ernst: formats.ernst[ernst].xf_index for ernst in formats.ernst}
    assert None not in styles.values()
    rows = _findings_xml(findings.head(fitting), first_row=2, styles=styles)  # type: ignore[arg-type]
    if findings.height > fitting:
        rest = findings.height - fitting
        where = f" Alle bevindingen staan in het JSON-rapport {shown(rapport)}." if rapport else ""
        note = (
            f"Nog {aantal(rest)} bevindingen passen niet op dit blad (Excel heeft "
            f"{aantal(EXCEL_ROWS)} rijen).{where}"
        )
        rows = itertools.chain(rows, [_note_row(EXCEL_ROWS, note)])
    # at worst 7 bytes a character (an `_xHHHH_` escape), plus the markup of a row
    texts = [name for name in findings.columns if name != "rij"]
    text_bytes = findings.select(pl.sum_horizontal(pl.col(texts).str.len_bytes()).sum()).item()
    bound = 7 * int(text_bytes or 0) + 1200 * (findings.height + 2) + (1 << 20)
    _splice(scratch, handle, "xl/worksheets/sheet2.xml", rows, last_row + 1, bound)


#: Characters of proportional text per unit of column width, and a row's height per line
#: (points): for rows of wrapped text, whose height Excel and LibreOffice do not compute when
#: they open a file.
_CHARS_PER_WIDTH = 1.15
_LINE_HEIGHT = 15


def text_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide (an estimate).

    >>> text_lines("kort", 20), text_lines("x" * 50, 20), text_lines("a\\nb", 20)
    (1, 3, 2)
    """
    per_line = max(1, int(width * _CHARS_PER_WIDTH))
    return sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))


def _fit_row(sheet, row: int, cells: Sequence[tuple[str, float]]) -> None:  # type: ignore[no-untyped-def]
    """Give a row the height of its longest wrapped cell (`cells`: text and column width)."""
    lines = max((text_lines(text, width) for text, width in cells), default=1)
    if lines > 1:
        sheet.set_row(row, _LINE_HEIGHT * lines)


def _print_setup(sheet, header_row: int | None) -> None:  # type: ignore[no-untyped-def]
    """A4 landscape, fit to the width of the page, the header repeated on every page."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if header_row is not None:
        sheet.repeat_rows(header_row)


class _Formats:
    def __init__(self, workbook) -> None:  # type: ignore[no-untyped-def]
        add = workbook.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True, "valign": "top"})
        self.header = add({"bold": True, "bottom": 1, "valign": "top"})
        self.text = add({"valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.number = add({"num_format": "#,##0", "valign": "top"})
        self.money = add({"num_format": "€ #,##0.00", "valign": "top"})
        total = {"bold": True, "top": 1, "valign": "top"}
        self.total = add(total)
        self.total_files = add({**total, "num_format": '0 "bestanden"', "align": "left"})
        self.total_number = add({**total, "num_format": "#,##0"})
        self.total_money = add({**total, "num_format": "€ #,##0.00"})
        self.link = add(
            {"font_color": "blue", "underline": 1, "valign": "top", "text_wrap": True, "indent": 1}
        )
        self.section = add({"bold": True, "font_size": 12, "top": 1})
        # Excel's own "bad", "neutral" and "good" cell styles (one format object each: XlsxWriter
        # numbers only the first of two equal formats)
        bad, neutral, good = (
            add({"font_color": text, "bg_color": fill, "valign": "top"})
            for text, fill in (
                ("#9C0006", "#FFC7CE"),
                ("#9C5700", "#FFEB9C"),
                ("#006100", "#C6EFCE"),
            )
        )
        self.status = {
            "niet gecontroleerd": bad,
            "fouten": bad,
            "onvolledig": neutral,
            "geen regels": neutral,
            "schoon": good,
        }
        self.ernst = {"fout": bad, "waarschuwing": neutral}
        #: column formats of the sheet Bevindingen (the others: `text`)
        self.findings = {
            "melding": self.wrap,
            "rij": add({"align": "center", "valign": "top"}),
        }


def _files_sheet(
    workbook,  # type: ignore[no-untyped-def]
    formats: _Formats,
    path: Path,
    results: list[FileResult],
    profiel: str,
    started: dt.datetime,
    afsluitcode: int | None,
) -> None:
    sheet = workbook.add_worksheet(SUMMARY_SHEETS[0])
    sheet.write_string(0, 0, "Controle productiemonitors", formats.title)
    sheet.write_string(
        1,
        0,
        f"Gecontroleerd op {started:%d-%m-%Y %H:%M} met regioprofiel '{profiel}' "
        f"(jeugdhulp {tool_version()}).",
    )
    line = 2
    if afsluitcode is not None:
        sheet.write_string(
            line, 0, f"Afsluitcode {afsluitcode}: {EXIT_UITLEG.get(afsluitcode, '')}.", formats.bold
        )
        line += 1
    sheet.write_url(
        line,
        0,
        f"internal:'{SUMMARY_SHEETS[3]}'!A1",
        string="Wat de kolommen, de statussen en de afsluitcodes betekenen: blad Uitleg.",
    )
    first = line + 2
    widths = []
    for c, (header, width, kind) in enumerate(FILE_COLUMNS):
        if kind == "pad":  # as wide as the longest path, within reason
            longest = max(
                [len(shown(_full(r.bestand if c == 0 else r.uitvoer or ""))) for r in results]
                or [0]
            )
            width = max(len(header) + 4, min(longest + 2, 90))
        widths.append(width)
        sheet.set_column(c, c, width)
        sheet.write_string(first, c, header, formats.header)
    last = first + len(results)  # the last file's row; Totaal below it, outside the filter
    sheet.autofilter(first, 0, max(last, first + 1), len(FILE_COLUMNS) - 1)
    checked = [r for r in results if r.checked]
    totals = {
        2: sum(r.rijen for r in checked),
        3: sum(r.fouten for r in checked),
        4: sum(r.waarschuwingen for r in checked),
        5: total_amount(r.bedrag_gedeclareerd for r in checked),
        6: total_amount(r.bedrag_met_fout for r in checked),
        7: sum(r.onbekend for r in checked),
    }
    total_row = last + 1
    sheet.write_string(total_row, 0, "Totaal", formats.total)
    # SUBTOTAL counts and adds only the rows the filter shows; plain ranges (not a table's
    # structured references) read the same in Excel and LibreOffice.
    span = f"{first + 2}:{{c}}{last + 1}"
    sheet.write_formula(
        total_row,
        1,
        f"=SUBTOTAL(103,B{span.format(c='B')})",
        formats.total_files,
        len(results),
    )
    for c, value in totals.items():
        letter = column_letter(c)
        if value is None:  # an unknown amount in the column: the sum would be too low
            sheet.write_string(total_row, c, "onbekend", formats.total_number)
            continue
        if isinstance(value, Decimal):
            value = float(value)
        sheet.write_formula(
            total_row,
            c,
            f"=SUBTOTAL(109,{letter}{span.format(c=letter)})",
            formats.total_money if c in (5, 6) else formats.total_number,
            value,
        )
    for c in (8, 9):
        sheet.write_blank(total_row, c, None, formats.total)
    for row, result in enumerate(results, start=first + 1):
        sheet.write_string(row, 0, shown(_full(result.bestand)), formats.wrap)
        sheet.write_string(row, 1, result.status, formats.status.get(result.status, formats.text))
        if result.checked:
            for col, value in (
                (2, result.rijen),
                (3, result.fouten),
                (4, result.waarschuwingen),
                (7, result.onbekend),
            ):
                sheet.write_number(row, col, value, formats.number)
            for col, amount in ((5, result.bedrag_gedeclareerd), (6, result.bedrag_met_fout)):
                if amount is None:  # no Bedrag column: unknown, not € 0,00
                    sheet.write_string(row, col, "onbekend", formats.wrap)
                else:
                    sheet.write_number(row, col, float(amount), formats.money)
        else:  # blank, not 0: nothing was counted
            for col in (2, 3, 4, 5, 6, 7):
                sheet.write_blank(row, col, None, formats.wrap)
        if result.uitvoer is not None:
            _link(sheet, row, 8, path, result.uitvoer, formats)
        else:
            sheet.write_blank(row, 8, None, formats.wrap)
        explanation = shown(_explanation(result))
        sheet.write_string(row, 9, explanation, formats.wrap)
        _fit_row(
            sheet,
            row,
            [
                (explanation, widths[9]),
                (shown(_full(result.bestand)), widths[0]),
                (shown(_full(result.uitvoer or "")), widths[8]),
            ],
        )
    sheet.freeze_panes(first + 1, 1)
    _print_setup(sheet, first)
    sheet.activate()


def _full(path: Path | str) -> str:
    return os.path.abspath(path) if str(path) else ""


def _link(sheet, row: int, col: int, summary: Path, target: Path, formats: _Formats) -> None:  # type: ignore[no-untyped-def]
    """A link to a checked copy: relative to the summary workbook's folder where it can be (so
    it survives moving both together), else absolute; the text is the full path."""
    full = _full(target)
    try:
        url = os.path.relpath(full, os.path.dirname(_full(summary)))
    except ValueError:  # another drive (Windows)
        url = full
    if len(url) > _MAX_URL:  # Excel's limit for a link
        sheet.write_string(row, col, shown(full), formats.wrap)
    else:
        sheet.write_url(row, col, f"external:{url}", formats.link, shown(full))


def _explanation(result: FileResult) -> str:
    """Why a file has its status, beyond the counts: not checked, onvolledig, not written."""
    parts = []
    meaning = STATUS_UITLEG.get(result.status, "")
    if result.status == "geen regels" or (result.status == "schoon" and not result.melding):
        parts.append(meaning[:1].upper() + meaning[1:] + ".")
    if result.melding:
        parts.append(result.melding)
    if result.niet_geschreven and result.niet_geschreven != result.melding:
        parts.append(result.niet_geschreven)
    parts += result.onvolledig
    return " ".join(parts)


def _read_rows(result: FileResult) -> list[tuple[str, str, str]]:
    """(soort, onderwerp, toelichting) rows of what was read and checked in one file."""
    from jeugdhulp.checks import CATALOGUE

    titles = {check.id: check.titel for check in CATALOGUE}
    rows: list[tuple[str, str, str]] = []
    if not result.checked:
        rows.append(("niet gecontroleerd", "", result.melding))
    for blad in result.gelezen:
        where = f"'{blad.blad}'" + (
            f" in {blad.bestand}" if blad.bestand != shown(result.bestand.name) else ""
        )
        if blad.rol == "overgeslagen":
            rows.append(("blad overgeslagen", where, blad.reden))
            continue
        header = f", kopregel {blad.kopregel}" if blad.kopregel else ""
        rows.append(
            ("blad gelezen", where, f"{blad.rol} ({blad.reden}): {blad.rijen} regels{header}")
        )
        rows.append(
            (
                "kolommen",
                where,
                column_mapping(blad.kolommen),
            )
        )
        rows += [("leesmelding", where, melding) for melding in blad.meldingen]
        if blad.onbekend:
            rows.append(("zonder bekende waarde", where, ", ".join(blad.onbekend)))
        if blad.samengevoegd:
            rows.append(("samengevoegd", where, ", ".join(blad.samengevoegd)))
    rows += [("leesmelding", "", melding) for melding in result.meldingen]
    rows += [("uitgevoerd", check, titles.get(check, "")) for check in result.gecontroleerd]
    rows += [("niet uitgevoerd", check, reden) for check, reden in result.overgeslagen]
    rows += [("onvolledig", "", reden) for reden in result.onvolledig]
    if result.niet_geschreven:
        rows.append(("niet geschreven", "", result.niet_geschreven))
    for bron in result.bronnen:
        rows.append(
            (
                "bron",
                bron.rol,
                f"{shown(_full(bron.pad))}; {aantal(bron.grootte)} bytes; gewijzigd "
                f"{bron.gewijzigd:%d-%m-%Y %H:%M:%S}; SHA-256 {bron.sha256}",
            )
        )
    return rows


def column_mapping(kolommen: Sequence[KolomGelezen]) -> str:
    """The column mapping of a sheet in one line: the header as written, and the field it became
    where that is another name (a synonym).

    >>> from jeugdhulp.schema import KolomGelezen as K
    >>> column_mapping([K("BSN", "bsn", "BSN", "A", False), K("Van", "begindatum", "Begindatum", "B", True)])
    "A BSN; B 'Van' → Begindatum (synoniem)"
    """
    return "; ".join(
        f"{k.letter} '{k.kop}' → {k.veldkop} (synoniem)" if k.synoniem else f"{k.letter} {k.kop}"
        for k in kolommen
    )


def _read_sheet(workbook, formats: _Formats, results: list[FileResult]) -> None:  # type: ignore[no-untyped-def]
    from batch.annotate import _fit_raw  # Excel's limit of characters in a cell

    sheet = workbook.add_worksheet(SUMMARY_SHEETS[2])
    for c, (header, width) in enumerate(READ_COLUMNS):
        sheet.write_string(0, c, header, formats.header)
        sheet.set_column(c, c, width, formats.wrap)
    row = 0
    for result in results:
        name = shown(_full(result.bestand))
        for soort, onderwerp, toelichting in _read_rows(result):
            row += 1
            sheet.write_string(row, 0, name, formats.wrap)
            sheet.write_string(row, 1, soort, formats.wrap)
            sheet.write_string(row, 2, shown(onderwerp), formats.wrap)
            text = _fit_raw(shown(toelichting))
            sheet.write_string(row, 3, text, formats.wrap)
            _fit_row(sheet, row, [(text, READ_COLUMNS[3][1]), (name, READ_COLUMNS[0][1])])
    sheet.autofilter(0, 0, max(row, 1), len(READ_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, 0)


def _legend_sheet(workbook, formats: _Formats) -> None:  # type: ignore[no-untyped-def]
    from jeugdhulp.checks import CATALOGUE

    on_list = [c.id for c in CATALOGUE if c.tabel == "toewijzingen"]
    list_ids = f"{on_list[0]}-{on_list[-1]}" if on_list else ""
    sheet = workbook.add_worksheet(SUMMARY_SHEETS[3])
    sheet.set_column(0, 0, 26, formats.wrap)
    sheet.set_column(1, 1, 100, formats.wrap)
    sections: list[tuple[str, list[tuple[str, str]]]] = [
        (
            "Kolommen van het blad Bestanden",
            [
                ("Bestand", "Het volledige pad van de gecontroleerde werkmap."),
                ("Status", "Het oordeel over het bestand; zie Statussen hieronder."),
                (
                    "Regels",
                    "Het aantal gelezen productieregels (over alle productiebladen; "
                    "totaalregels zoals 'Totaal' tellen niet mee). Leeg: het bestand kon niet "
                    "gelezen worden.",
                ),
                ("Fouten", "Het aantal bevindingen met ernst fout."),
                ("Waarschuwingen", "Het aantal bevindingen met ernst waarschuwing."),
                (
                    "Bedrag gedeclareerd",
                    "De som van de kolom Bedrag over de gelezen productieregels. Een bedrag "
                    "zonder bekende waarde (formule zonder opgeslagen uitkomst, foutwaarde) telt "
                    "niet mee: het echte bedrag is dan hoger (zie Onbekende waarden).",
                ),
                (
                    "Bedrag met fout",
                    "Het gedeclareerde bedrag van de productieregels waarop minstens één fout "
                    "staat; een regel telt één keer, ook met meer fouten. Regels met alleen "
                    "waarschuwingen tellen niet mee, en bevindingen op de lijst met toewijzingen "
                    f"zelf ({list_ids}) ook niet.",
                ),
                (
                    "Onbekende waarden",
                    "Cellen van de productie waarvan de werkmap de waarde niet geeft: formules "
                    "zonder opgeslagen uitkomst of met een foutwaarde (PM023). Open het bestand "
                    "in Excel en sla het op.",
                ),
                (
                    "Gecontroleerde werkmap",
                    "De kopie met het blad Controle en de gemarkeerde cellen (klik om te "
                    "openen). Leeg: er is geen kopie geschreven (zie Toelichting).",
                ),
                (
                    "Toelichting",
                    "Waarom het bestand niet gecontroleerd of niet geschreven is, of wat er niet "
                    "gecontroleerd kon worden.",
                ),
                (
                    "Totaal",
                    "De regel onder de bestanden telt de bestanden en telt de getallen op, "
                    "alleen over de regels die het filter toont.",
                ),
            ],
        ),
        ("Statussen", [(status, STATUS_UITLEG[status]) for status in STATUSES]),
        (
            "Afsluitcodes van jeugdhulp controleer",
            [(str(code), text) for code, text in EXIT_UITLEG.items()],
        ),
        (
            "Ernst",
            [
                ("fout", "Blokkeert betaling: de declaratie klopt niet met de regels."),
                ("waarschuwing", "Vraagt om een blik; blokkeert de betaling niet."),
            ],
        ),
        (
            "Bladen",
            [
                ("Bevindingen", "Elke bevinding van elk bestand, met blad, rij en cel."),
                (
                    "Gelezen en gecontroleerd",
                    "Per bestand de gelezen bladen met hun kolommen, de meldingen van het "
                    "lezen, elke controle die wel of niet is uitgevoerd (met de reden) en de "
                    "bronbestanden met hun SHA-256.",
                ),
            ],
        ),
    ]
    _print_setup(sheet, None)
    row = 0
    sheet.write_string(row, 0, "Uitleg", formats.title)
    for title, entries in sections:
        row += 2
        sheet.write_string(row, 0, title, formats.section)
        sheet.write_blank(row, 1, None, formats.section)
        for term, meaning in entries:
            row += 1
            colour = formats.status.get(term) or formats.ernst.get(term)
            sheet.write_string(row, 0, term, colour if colour is not None else formats.bold)
            sheet.write_string(row, 1, meaning, formats.wrap)
            _fit_row(sheet, row, [(meaning, 100)])


def _all_findings(results: list[FileResult]) -> pl.DataFrame:
    """Every finding of every file, with the file's full path in front."""
    frames = [
        r.bevindingen.select(
            pl.lit(shown(_full(r.bestand)), dtype=pl.String).alias("bestand"),
            *FINDING_FIELDS,
        )
        for r in results
        if r.bevindingen.height
    ]
    if not frames:
        schema = {"bestand": pl.String} | {
            name: (pl.Int64 if name == "rij" else pl.String) for name in FINDING_FIELDS
        }
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, how="vertical_relaxed")


def _findings_xml(
    frame: pl.DataFrame, *, first_row: int, styles: dict[str, int]
) -> Iterator[bytes]:
    """The `<row>` elements of the findings (inline strings), built column-wise by polars, in
    chunks of rows (bounded memory for a million findings). `styles`: the style number per
    column name (`""` for the others) and per ernst."""
    for offset, chunk in zip(
        itertools.count(0, _JSON_CHUNK), frame.iter_slices(_JSON_CHUNK), strict=False
    ):
        yield _rows_xml(chunk, first_row + offset, styles)


def _rows_xml(frame: pl.DataFrame, first_row: int, styles: dict[str, int]) -> bytes:
    from batch.annotate import _text_column, inline_string_cell  # Excel's rules for cell text

    r = pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).cast(pl.String)
    texts = frame.with_columns(
        r.alias("_r"),
        *[
            _text_column(frame, name).alias(f"_t_{name}")
            for name, _, _ in FINDING_COLUMNS
            if name != "rij"
        ],
    )
    cells = []
    for c, (name, _, _) in enumerate(FINDING_COLUMNS):
        letter = column_letter(c)
        style = pl.lit(str(styles.get(name, styles[""])))
        if name == "ernst":
            style = pl.col("ernst").replace_strict(
                {ernst: str(styles[ernst]) for ernst in ("fout", "waarschuwing")},
                default=str(styles[""]),
                return_dtype=pl.String,
            )
        if name == "rij":
            cells.append(
                pl.concat_str(
                    pl.lit(f'<c r="{letter}'),
                    pl.col("_r"),
                    pl.lit('" s="'),
                    style,
                    pl.lit('"><v>'),
                    pl.col("rij").cast(pl.String),
                    pl.lit("</v></c>"),
                ).fill_null("")
            )
            continue
        text = pl.col(f"_t_{name}")
        cell = inline_string_cell(letter, pl.col("_r"), style, text)
        cells.append(pl.when(text.fill_null("") == "").then(pl.lit("")).otherwise(cell))
    # A melding longer than its column wraps: the row gets the height of its lines.
    per_line = int(dict((n, w) for n, _, w in FINDING_COLUMNS)["melding"] * _CHARS_PER_WIDTH)
    lines = (pl.col("_t_melding").fill_null("").str.len_chars() + (per_line - 1)) // per_line
    height = (
        pl.when(lines > 1)
        .then(
            pl.concat_str(
                pl.lit(' ht="'),
                (lines * _LINE_HEIGHT).cast(pl.String),
                pl.lit('" customHeight="1"'),
            )
        )
        .otherwise(pl.lit(""))
    )
    xml = texts.select(
        pl.concat_str(
            pl.lit('<row r="'),
            pl.col("_r"),
            pl.lit('"'),
            height,
            pl.lit(">"),
            *cells,
            pl.lit("</row>"),
        ).str.join("")
    ).item()
    return xml.encode("utf-8")


def _note_row(row: int, text: str) -> bytes:
    from batch._ooxml import escape_text

    return (
        f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>{escape_text(text)}</t></is></c></row>'
    ).encode()


def _splice(
    scratch: io.BytesIO,
    out: BinaryIO,
    part: str,
    rows: Iterator[bytes],
    last_row: int,
    size_bound: int,
) -> None:
    """Copy the package XlsxWriter wrote, with `rows` streamed into the sheetData of `part`
    (deflated on several threads, laid out as Excel writes a zip: `batch._zip`).
    `size_bound`: an upper bound of the rows' bytes."""
    from batch._zip import ParallelDeflateMember, write_member

    last_column = column_letter(len(FINDING_COLUMNS) - 1)
    with (
        zipfile.ZipFile(scratch) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename != part:
                write_member(target, info.filename, data, info)
                continue
            data = re.sub(
                rb'<dimension ref="[^"]*"/>',
                f'<dimension ref="A1:{last_column}{max(last_row, 1)}"/>'.encode(),
                data,
                count=1,
            )
            head, end, tail = data.partition(b"</sheetData>")
            member = zipfile.ZipInfo(info.filename, info.date_time)
            bound = size_bound + len(data)
            with ParallelDeflateMember(target, member, 6, expected_size=bound) as stream:
                stream.write(head)
                for chunk in rows:
                    stream.write(chunk)
                stream.write(end + tail)
