"""Read production workbooks (xlsx, xlsm, csv) into the typed tables of `jeugdhulp.schema`.

Every cell is read as text (fastexcel / calamine for Excel, polars for csv), so nothing is
converted behind the user's back; `jeugdhulp.normalize` then parses whole columns
(`jeugdhulp.cells.table_from_body`). The in-Excel check (`addin.scripts`) builds the same text
from the values xlwings gives, with `jeugdhulp.cells.cell_text`. The raw frame
keeps the true Excel coordinates: `_rij` is the Excel row number (empty rows included, leading
empty rows too) and the raw columns are named by their Excel letters, so a finding points at the
cell the user sees.

A file that cannot be read raises `OnleesbaarBestand` with one Dutch sentence naming the file and
the reason (empty, damaged, encrypted, old .xls, not a spreadsheet, no header row).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from jeugdhulp.cells import head_rows, table_from_body
from jeugdhulp.columns import (
    HEADER_SCAN_ROWS,
    TABLE_TITLES,
    TABLES,
    HeaderRow,
    detect_header,
    required_headers_text,
    table_for_headers,
    table_for_sheet_name,
)
from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.findings import column_letter
from jeugdhulp.schema import TableInfo

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SUPPORTED = (*EXCEL_SUFFIXES, ".csv")

_ZIP_MAGIC = b"PK\x03\x04"
_ZIP_EMPTY_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


class OnleesbaarBestand(JeugdhulpError):
    """A file that cannot be read as a workbook; `str(error)` names the file and the reason."""

    def __init__(self, path: Path, reden: str) -> None:
        self.path = path
        self.reden = reden
        super().__init__(f"Bestand '{path.name}' kan niet worden gelezen: {reden}")


# --- public API -------------------------------------------------------------------------------


def read_workbook(
    path: Path, *, tables: Sequence[str] = ("productie", "toewijzingen", "producten")
) -> dict[str, TableInfo]:
    """The tables found in one workbook (xlsx, xlsm or csv), by table name.

    A sheet is taken for a table by its name (Productie, Toewijzingen, Producten and synonyms),
    else by its header row. Productie, when asked for, must be there; the other tables are
    optional (they may come as separate files, see `read_table_file`). Raises
    `OnleesbaarBestand` when the file cannot be read or none of the tables is found.
    """
    path = Path(path)
    wanted = [table for table in TABLES if table in tables]
    unknown = [table for table in tables if table not in TABLES]
    if unknown:
        raise ValueError(f"onbekende tabel(len): {', '.join(unknown)}")
    kind = _check_file(path)
    sheets = _read_csv(path) if kind == "csv" else _read_excel(path)
    found = _assign_tables(path, sheets, wanted)
    if ("productie" in wanted and "productie" not in found) or not found:
        table = "productie" if "productie" in wanted else wanted[0]
        raise OnleesbaarBestand(path, _no_header_reason(table, sheets))
    return found


def read_table_file(path: Path, table: str) -> TableInfo:
    """One table from its own file (`--toewijzingen FILE`, `--producten FILE`): xlsx, xlsm, csv."""
    path = Path(path)
    if table not in TABLES:
        raise ValueError(f"onbekende tabel {table!r}")
    kind = _check_file(path)
    sheets = _read_csv(path) if kind == "csv" else _read_excel(path)
    found = _assign_tables(path, sheets, [table], any_sheet=True)
    if table not in found:
        raise OnleesbaarBestand(path, _no_header_reason(table, sheets))
    return found[table]


# --- sheets as text ---------------------------------------------------------------------------


class _Sheet:
    """One sheet (or a csv file) as text, read only as far as needed."""

    name: str

    @property
    def head(self) -> list[list[str | None]]:
        """The first rows (index 0 = Excel row / csv record 1) as lists, for header detection."""
        raise NotImplementedError

    def body(self, header_index: int) -> pl.DataFrame:
        """The rows below the header row: `_rij` (Excel row number) plus columns named A, B, ..."""
        raise NotImplementedError


class _ExcelSheet(_Sheet):
    def __init__(self, path: Path, reader: object, name: str) -> None:
        self.path = path
        self.reader = reader
        self.name = name
        self._frame: pl.DataFrame | None = None
        self._head: list[list[str | None]] | None = None

    @property
    def frame(self) -> pl.DataFrame:
        if self._frame is None:
            self._frame = _load_excel_sheet(self.path, self.reader, self.name)
        return self._frame

    @property
    def head(self) -> list[list[str | None]]:
        if self._head is None:
            self._head = head_rows(self.frame)
        return self._head

    def body(self, header_index: int) -> pl.DataFrame:
        # Frame row i is Excel row i + 1 (the frame starts at row 1, see _load_excel_sheet).
        return self.frame.slice(header_index + 1)


def _read_excel(path: Path) -> list[_Sheet]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(_fastexcel_source(path))
        names = reader.sheet_names
    except Exception as exc:
        raise OnleesbaarBestand(path, _calamine_reason(exc)) from None
    return [_ExcelSheet(path, reader, name) for name in names]


def _fastexcel_source(path: Path) -> Path | bytes:
    """fastexcel takes a path only as UTF-8 text: a file name in other bytes (Linux allows
    any) is passed as the file's content."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return path.read_bytes()
    return path


def _load_excel_sheet(path: Path, reader: object, name: str) -> pl.DataFrame:
    """All cells as text, row 1 first (leading empty rows kept), columns named by Excel letter."""
    try:
        sheet = reader.load_sheet(  # type: ignore[attr-defined]
            name, header_row=None, skip_rows=0, dtypes="string"
        )
        columns = sheet.selected_columns
        frame = sheet.to_polars()
    except Exception as exc:
        raise OnleesbaarBestand(path, f"blad '{name}': {_calamine_reason(exc)}") from None
    # With header_row=None and skip_rows=0 fastexcel starts at sheet row 1 (leading empty rows
    # kept) but leaves out leading empty columns: `absolute_index` is the true column.
    rename = {col.name: column_letter(col.absolute_index) for col in columns}
    frame = frame.rename(rename).with_columns(pl.all().cast(pl.String))
    return frame.with_row_index("_rij", offset=1).with_columns(pl.col("_rij").cast(pl.Int64))


class _CsvSheet(_Sheet):
    """A csv file as one sheet named after the file; the body is read by polars on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.stem
        self.text = decode_csv(path.read_bytes())
        self.delimiter = sniff_delimiter(self.text)
        records = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        self._head: list[list[str | None]] = []
        try:
            for record in records:
                self._head.append([value if value.strip() else None for value in record])
                if len(self._head) >= HEADER_SCAN_ROWS:
                    break
        except csv.Error as exc:
            raise OnleesbaarBestand(path, f"de csv is niet te lezen ({exc}).") from None

    @property
    def head(self) -> list[list[str | None]]:
        return self._head

    def body(self, header_index: int) -> pl.DataFrame:
        """Records below the header record; `_rij` = record number (the line number)."""
        # Lines before the header: equal to records unless a title line has a quoted newline.
        lines_before = _lines_before_record(self.text, self.delimiter, header_index)
        try:
            frame = pl.read_csv(
                io.BytesIO(self.text.encode("utf-8")),
                has_header=False,
                separator=self.delimiter,
                skip_rows=lines_before,
                infer_schema=False,
                truncate_ragged_lines=True,
                quote_char='"',
                raise_if_empty=False,
            )
        except Exception as exc:
            raise OnleesbaarBestand(self.path, f"de csv is niet te lezen ({exc}).") from None
        frame = frame.rename({c: column_letter(i) for i, c in enumerate(frame.columns)})
        frame = frame.with_row_index("_rij", offset=header_index + 1)
        frame = frame.with_columns(
            pl.col("_rij").cast(pl.Int64), pl.exclude("_rij").cast(pl.String)
        )
        return frame.slice(1)


def _read_csv(path: Path) -> list[_Sheet]:
    return [_CsvSheet(path)]


def _lines_before_record(text: str, delimiter: str, index: int) -> int:
    if index == 0:
        return 0
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    for _ in range(index):
        next(reader, None)
    return reader.line_num


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel writes as "CSV (;)")."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """`;`, `,` or tab: the one that splits the most of the first lines into the same number
    (at least 2) of fields, quotes respected. Title lines without a delimiter do not count
    (`csv.Sniffer` is thrown off by them); on a tie `;` (Dutch Excel), then `,`, then tab.
    """
    lines = [line for line in text[:65536].splitlines()[:60] if line.strip()]
    sample = "\n".join(lines)
    best, best_score = ";", -1
    for delimiter in (";", ",", "\t"):
        counts: dict[int, int] = {}
        try:
            for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
                if len(record) > 1:
                    counts[len(record)] = counts.get(len(record), 0) + 1
        except csv.Error:
            continue
        score = max(counts.values(), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- which sheet is which table ---------------------------------------------------------------


def _assign_tables(
    path: Path, sheets: list[_Sheet], wanted: list[str], any_sheet: bool = False
) -> dict[str, TableInfo]:
    """Match sheets to tables: by sheet name first, then by header row; normalise each.

    `any_sheet`: also try sheets whose name says another table (a separate allocations file
    whose only sheet is called "Producten" is still read for its header).
    """
    chosen: dict[str, tuple[_Sheet, HeaderRow]] = {}
    notes: dict[str, list[str]] = {table: [] for table in wanted}
    unreadable: list[str] = []
    by_name: list[tuple[_Sheet, str]] = []
    rest: list[_Sheet] = []
    for sheet in sheets:
        table = table_for_sheet_name(sheet.name)
        if table is not None and table in wanted:
            by_name.append((sheet, table))
        elif table is None or any_sheet:
            rest.append(sheet)
    for sheet, table in by_name:
        header = detect_header(sheet.head, table)
        if header is None:
            if isinstance(sheet, _CsvSheet):
                rest.append(sheet)  # a file name is a weak hint: try the headers
                continue
            if table == "productie" or len(wanted) == 1:
                raise OnleesbaarBestand(path, _no_header_reason(table, [sheet]))
            unreadable.append(
                f"Blad '{sheet.name}' is niet gelezen als {TABLE_TITLES[table]}: "
                + _no_header_reason(table, [sheet])
            )
            continue
        if table in chosen:
            notes[table].append(
                f"Blad '{sheet.name}' lijkt ook {TABLE_TITLES[table]}, maar is niet gelezen: "
                f"alleen blad '{chosen[table][0].name}' is gecontroleerd."
            )
            continue
        chosen[table] = (sheet, header)
    open_tables = [table for table in wanted if table not in chosen]
    for sheet in rest:
        if not open_tables:
            break
        match = table_for_headers(sheet.head, open_tables)
        if match is None:
            continue
        table, header = match
        chosen[table] = (sheet, header)
        open_tables.remove(table)

    result: dict[str, TableInfo] = {}
    for table in wanted:
        if table in chosen:
            sheet, header = chosen[table]
            info = _build_table(sheet, table, header)
            info.meldingen.extend(notes[table])
            result[table] = info
    if unreadable and result:
        first = result.get("productie") or next(iter(result.values()))
        first.meldingen.extend(unreadable)
    return result


def _build_table(sheet: _Sheet, table: str, header: HeaderRow) -> TableInfo:
    # Sheets start at row / record 1, so the header row's number is its index + 1.
    return table_from_body(
        sheet.body(header.index),
        table,
        header,
        sheet.name,
        header.index + 1,
        alles_tekst=isinstance(sheet, _CsvSheet),
    )


def _no_header_reason(table: str, sheets: list[_Sheet]) -> str:
    names = ", ".join(f"'{s.name}'" for s in sheets)
    if not sheets:
        where = "het bestand"
    elif len(sheets) == 1:
        where = f"blad {names}"
    else:
        where = f"de bladen {names}"
    if all(not any(any(v is not None for v in row) for row in s.head) for s in sheets):
        return f"{where} bevat geen gegevens (geen kopregel gevonden met {required_headers_text(table)})."
    return (
        f"geen kopregel gevonden met {required_headers_text(table)} in de eerste "
        f"{HEADER_SCAN_ROWS} rijen van {where} (tabel {TABLE_TITLES[table]})."
    )


# --- what kind of file ------------------------------------------------------------------------


def _check_file(path: Path) -> str:
    """'excel' or 'csv' after checking existence, size, extension and content; else raise."""
    if not path.exists():
        raise OnleesbaarBestand(path, "het bestand bestaat niet.")
    if path.is_dir():
        raise OnleesbaarBestand(path, "dit is een map, geen bestand.")
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            start = handle.read(8)
    except OSError as exc:
        raise OnleesbaarBestand(path, f"het bestand is niet te openen ({exc.strerror}).") from None
    if size == 0:
        raise OnleesbaarBestand(path, "het bestand is leeg (0 bytes).")
    if start.startswith(_OLE_MAGIC[:4]):
        if _is_encrypted_ole(path):
            raise OnleesbaarBestand(
                path,
                "de werkmap is versleuteld (met een wachtwoord beveiligd); "
                "sla hem op zonder wachtwoord en probeer het opnieuw.",
            )
        if suffix in (".csv",):
            raise OnleesbaarBestand(path, "dit is geen csv-bestand maar een oud Excel-bestand.")
        raise OnleesbaarBestand(path, "oud Excel 97-2003-formaat; sla op als .xlsx.")
    if suffix == ".xls":
        if start.startswith(_ZIP_MAGIC):
            raise OnleesbaarBestand(
                path, "het bestand heet .xls maar is een .xlsx-werkmap; hernoem het naar .xlsx."
            )
        raise OnleesbaarBestand(path, "oud Excel 97-2003-formaat; sla op als .xlsx.")
    if suffix not in SUPPORTED:
        shown = suffix or "(geen extensie)"
        raise OnleesbaarBestand(
            path,
            f"bestandstype '{shown}' wordt niet ondersteund; gebruik .xlsx, .xlsm of .csv.",
        )
    if suffix == ".csv":
        if start.startswith((_ZIP_MAGIC, _ZIP_EMPTY_MAGIC)):
            raise OnleesbaarBestand(
                path, "dit is geen csv-bestand maar een Excel-werkmap; hernoem het naar .xlsx."
            )
        if start.startswith(b"%PDF"):
            raise OnleesbaarBestand(path, "dit is geen csv-bestand maar een PDF.")
        with path.open("rb") as handle:
            sample = handle.read(8192)
        if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise OnleesbaarBestand(path, "dit is geen tekstbestand (csv) maar binaire gegevens.")
        if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise OnleesbaarBestand(
                path, "de csv is opgeslagen als UTF-16; sla op als CSV UTF-8 of CSV (;)."
            )
        return "csv"
    # .xlsx / .xlsm
    if not start.startswith((_ZIP_MAGIC, _ZIP_EMPTY_MAGIC)):
        raise OnleesbaarBestand(path, f"dit is geen Excel-werkmap ({_what_is_it(path, start)}).")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        raise OnleesbaarBestand(
            path, "het bestand is beschadigd (geen geldig zip-archief, misschien afgebroken)."
        ) from None
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        other = " (het lijkt een Word-document)" if "word/document.xml" in names else ""
        raise OnleesbaarBestand(path, f"dit zip-bestand is geen Excel-werkmap{other}.")
    from batch.package import check_for_reading  # zip bombs, duplicate or damaged parts

    check_for_reading(path)
    return "excel"


def _is_encrypted_ole(path: Path) -> bool:
    """An OLE compound file holding an `EncryptionInfo` stream: a password-protected .xlsx."""
    try:
        import olefile  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - olefile comes with msoffcrypto-tool
        return _ENCRYPTION_INFO in path.read_bytes()
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return bool(ole.exists("EncryptionInfo"))
    except Exception:
        return _ENCRYPTION_INFO in path.read_bytes()


def _what_is_it(path: Path, start: bytes) -> str:
    if start.startswith(b"%PDF"):
        return "het is een PDF"
    if start.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "het is een afbeelding"
    with path.open("rb") as handle:
        sample = handle.read(4096)
    if sample.lstrip().startswith((b"<html", b"<!DOCTYPE", b"<!doctype", b"<HTML")):
        return "het is een webpagina (HTML)"
    if sample.lstrip().startswith(b"<?xml"):
        return "het is een XML-bestand"
    if b"\x00" not in sample:
        return "het is een tekstbestand met de extensie " + path.suffix.lower()
    return "onbekend bestandsformaat"


def _calamine_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Zip" in text or "zip" in text:
        return "het bestand is beschadigd (geen geldig zip-archief)."
    if "password" in text.lower() or "encrypt" in text.lower():
        return "de werkmap is versleuteld (met een wachtwoord beveiligd)."
    return f"de werkmap is beschadigd of onleesbaar ({text})."
