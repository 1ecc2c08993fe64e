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
import dataclasses
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from lxml import etree

from batch.xlsx_scan import (
    PIECE_SIZE,
    VERY_HIDDEN,
    VISIBLE,
    CalamineCopy,
    NoPieces,
    SheetPart,
    SheetScan,
    calamine_source,
    head_package,
    inspect_package,
    scan_sheet,
    sheet_pieces,
)
from jeugdhulp.cells import cell_text, column_index, head_rows, table_from_body
from jeugdhulp.columns import (
    HEADER_SCAN_ROWS,
    TABLE_TITLES,
    TABLES,
    HeaderRow,
    column,
    detect_header,
    match_header,
    required_headers_text,
    score,
    table_for_headers,
    table_for_sheet_name,
)
from jeugdhulp.errors import JeugdhulpError
from jeugdhulp.findings import column_letter
from jeugdhulp.normalize import SCHEMAS, TEXT_CELL_SUFFIX
from jeugdhulp.parse import CELL_OR_DUTCH
from jeugdhulp.schema import DECIMAL, OVERGESLAGEN, BladGelezen, TableInfo

# fastexcel notes every column whose type it cannot tell (all empty: it reads it as text) as a
# warning; the reader handles those columns, so the user need not see the note.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: A sheet part larger than this (uncompressed) is read in pieces of `PIECE_SIZE`
#: (`xlsx_scan.sheet_pieces`), so that calamine never holds the whole sheet; a smaller one is
#: read whole, which is cheaper: 100.000 rows of the production layout (56 MiB) read whole take
#: some 0,2 s less than in two pieces, for about 10 MiB more at the peak. 128 MiB is some
#: 220.000 rows; beyond that the pieces keep a million rows' reading under 1 GiB.
PIECES_FROM = 128 << 20
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


@dataclass(slots=True)
class Werkmap:
    """What was read from one file: the tables, and per sheet what was read and what not.

    `productie` holds every production sheet (a workbook may split its production over several
    visible sheets, each checked); `gelezen` describes every sheet, also the ones skipped and why;
    `meldingen` are the file's own notes (hidden sheets, a corrected date system, ...).
    """

    bestand: Path
    productie: list[TableInfo] = field(default_factory=list)
    toewijzingen: TableInfo | None = None
    producten: TableInfo | None = None
    gelezen: list[BladGelezen] = field(default_factory=list)
    meldingen: list[str] = field(default_factory=list)

    def table(self, name: str) -> TableInfo | None:
        """The (first) table of that name."""
        if name == "productie":
            return self.productie[0] if self.productie else None
        return self.toewijzingen if name == "toewijzingen" else self.producten


def read_tables(
    path: Path,
    *,
    tables: Sequence[str] = ("productie", "toewijzingen", "producten"),
    bladen: Sequence[str] = (),
    los: bool = False,
) -> Werkmap:
    """Every table of `tables` found in one file (xlsx, xlsm or csv), and what was read.

    A visible worksheet is taken for a table by its name (Productie, Toewijzingen, Producten and
    synonyms), else by its header row; every visible sheet whose header row is the production
    layout is a production sheet. Hidden sheets and chart sheets are skipped (noted in
    `Werkmap.gelezen`). `bladen`: the production sheets by name (case-insensitive, also hidden
    ones); the other tables are still found as above. `los`: the file is a separate table file
    (`--toewijzingen FILE`), so its sheet may have any name.

    Productie, when asked for, must be there; the other tables are optional. Raises
    `OnleesbaarBestand` when the file cannot be read, a named sheet does not exist or has no
    production header, or none of the tables is found.
    """
    path = Path(path)
    wanted = [table for table in TABLES if table in tables]
    unknown = [table for table in tables if table not in TABLES]
    if unknown:
        raise ValueError(f"onbekende tabel(len): {', '.join(unknown)}")
    kind = _check_file(path)
    if kind == "csv":
        sheets = _read_csv(path)
        werkmap = _assign_tables(path, sheets, wanted, bladen=(), los=los)
        werkmap.meldingen += [sheet.melding for sheet in sheets if sheet.melding]
        if bladen:
            werkmap.meldingen.append("--blad geldt niet voor een csv-bestand (één tabel).")
        return werkmap
    with _ExcelWorkbook(path) as workbook:
        werkmap = _assign_tables(path, workbook.sheets, wanted, bladen=bladen, los=los)
        werkmap.meldingen[:0] = workbook.meldingen
    return werkmap


def read_workbook(
    path: Path, *, tables: Sequence[str] = ("productie", "toewijzingen", "producten")
) -> dict[str, TableInfo]:
    """The tables found in one workbook by table name; for productie the first production sheet.

    `read_tables` gives all production sheets and what was read; this is its short form for one
    table per name. Raises `OnleesbaarBestand` like `read_tables`.
    """
    werkmap = read_tables(path, tables=tables)
    found = {name: werkmap.table(name) for name in TABLES if name in tables}
    return {name: info for name, info in found.items() if info is not None}


def read_table_file(path: Path, table: str) -> TableInfo:
    """One table from its own file (`--toewijzingen FILE`, `--producten FILE`): xlsx, xlsm, csv."""
    if table not in TABLES:
        raise ValueError(f"onbekende tabel {table!r}")
    info = read_tables(path, tables=(table,), los=True).table(table)
    assert info is not None  # read_tables raises when it is missing
    return info


# --- sheets as text ---------------------------------------------------------------------------


class _Sheet:
    """One sheet (or a csv file) as text, read only as far as needed."""

    name: str
    #: visibility and kind, as the workbook part says (a csv: a visible worksheet)
    state: str = VISIBLE
    soort: str = "worksheet"
    #: the workbook's date system is 1904 (Mac): a date serial counts from 1-1-1904
    datum1904: bool = False

    @property
    def head(self) -> list[list[str | None]]:
        """The first rows (index 0 = Excel row / csv record 1) as lists, for header detection."""
        raise NotImplementedError

    def body(self, header_index: int) -> pl.DataFrame:
        """The rows below the header row: `_rij` (Excel row number) plus columns named A, B, ..."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Start whatever can run ahead while other sheets are read (the sheet scan)."""

    def scan(self) -> SheetScan:
        """What the package says about this sheet's cells beyond the values (`xlsx_scan`)."""
        return SheetScan()

    def text_cells(self, body: pl.DataFrame, letters: list[str]) -> dict[str, pl.Series]:
        """Per letter a Boolean series over `body`: true where the cell is a text cell."""
        return {}


class _ExcelWorkbook:
    """An .xlsx/.xlsm opened for reading: fastexcel's reader (on a corrected copy where calamine
    needs one, see `batch.xlsx_scan`), a second small reader over the first rows of every sheet
    (`xlsx_scan.head_package`, for header detection) and a worker thread for the sheet scans."""

    def __init__(self, path: Path) -> None:
        import fastexcel

        self.path = path
        self.meldingen: list[str] = []
        try:
            self.facts = inspect_package(path)
        except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, KeyError, ValueError) as exc:
            raise OnleesbaarBestand(
                path, f"de werkmap is beschadigd of onleesbaar ({_first_line(exc)})."
            ) from None
        source = calamine_source(path, self.facts)
        if isinstance(source, CalamineCopy):
            if self.facts.date1904 != self.facts.calamine_date1904:
                self.meldingen.append(
                    "De werkmap gebruikt het 1904-datumsysteem (Mac); datums zijn daarmee gelezen."
                )
            if self.facts.bad_dimensions:
                self.meldingen.append(
                    "Het bereik dat de werkmap opgeeft (<dimension>) klopt niet en is genegeerd; "
                    "alle cellen zijn gelezen."
                )
        #: what calamine reads: the file, or the corrected copy (bytes)
        self.source_data: Path | bytes = source.data if isinstance(source, CalamineCopy) else path
        try:
            self.reader = fastexcel.read_excel(
                source.data if isinstance(source, CalamineCopy) else _fastexcel_source(path)
            )
            names = self.reader.sheet_names
        except Exception as exc:
            raise OnleesbaarBestand(path, _calamine_reason(exc)) from None
        self._heads: object | None = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bladscan")
        parts = {sheet.naam: sheet for sheet in self.facts.sheets}
        self.sheets: list[_Sheet] = [
            _ExcelSheet(self, name, parts.get(name, SheetPart(name, None, VISIBLE, "worksheet")))
            for name in names
        ]

    @property
    def heads(self) -> object | None:
        """fastexcel's reader over the first rows of every worksheet; None when that package
        cannot be made (the sheets are then read whole for their heads)."""
        if self._heads is None:
            import fastexcel

            try:
                self._heads = fastexcel.read_excel(head_package(self.path, self.facts))
            except Exception:
                self._heads = False
        return self._heads or None

    def part_size(self, part: str) -> int:
        """The uncompressed size of a part of what calamine reads (0 when unknown)."""
        try:
            source = self.source_data
            handle = io.BytesIO(source) if isinstance(source, bytes) else source
            with zipfile.ZipFile(handle) as zf:
                return zf.getinfo(part).file_size
        except (KeyError, zipfile.BadZipFile, OSError):
            return 0

    def __enter__(self) -> _ExcelWorkbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class _ExcelSheet(_Sheet):
    def __init__(self, workbook: _ExcelWorkbook, name: str, part: SheetPart) -> None:
        self.workbook = workbook
        self.path = workbook.path
        self.name = name
        self.part = part
        self.state = part.state
        self.soort = part.soort
        self.datum1904 = workbook.facts.date1904
        self._head: list[list[str | None]] | None = None
        self._scan: Future[SheetScan] | None = None

    def prepare(self) -> None:
        if self._scan is None and self.part.part is not None and self.soort == "worksheet":
            self._scan = self.workbook.executor.submit(
                scan_sheet,
                self.path,
                self.part.part,
                herberekenen=self.workbook.facts.herberekenen,
            )

    def scan(self) -> SheetScan:
        self.prepare()
        if self._scan is None:
            return SheetScan()
        try:
            return self._scan.result()
        except (zipfile.BadZipFile, OSError, etree.XMLSyntaxError, EOFError) as exc:
            raise OnleesbaarBestand(
                self.path, f"blad '{self.name}': het blad is beschadigd ({_first_line(exc)})."
            ) from None

    @property
    def verborgen_kolommen(self) -> frozenset[int]:
        return self.workbook.facts.hidden_columns.get(self.part.part or "", frozenset())

    @property
    def head(self) -> list[list[str | None]]:
        """The first rows as text, from the small package of sheet heads when there is one (so
        a sheet that is not a table is never read whole)."""
        if self._head is None:
            heads = self.workbook.heads
            if heads is not None and self.part.part in self.workbook.facts.heads:
                reader = heads
            else:
                reader = self.workbook.reader
            frame = _load_excel_sheet(self.path, reader, self.name, n_rows=HEADER_SCAN_ROWS)
            self._head = head_rows(frame)
        return self._head

    def body(self, header_index: int) -> pl.DataFrame:
        """The rows below the header row, typed where a column is (see `_load_excel_body`),
        with every column from A on (as wide as the head)."""
        self.prepare()
        first = header_index + 2  # the Excel row of the first row below the header
        frame = self._load(first)
        _release_memory()
        scan = self.scan()
        # fastexcel turns TRUE/FALSE in a column of numbers into 1/0, and reads a column of ISO
        # date cells (t="d") as dates, losing those it cannot parse ("...T00:00:00Z"): those
        # columns are read again as text, exactly (rare: the scan finds such cells).
        special = scan.waar_onwaar | {col for row, col in scan.datums if row >= first}
        if special:
            frame = self._as_text(frame, special, first)
        frame = _apply_scan(frame, scan, first)
        return _from_column_a(frame, max((len(row) for row in self.head), default=0))

    def _as_text(self, frame: pl.DataFrame, columns: set[int], first: int) -> pl.DataFrame:
        """These columns as text where they were read typed (see `body`)."""
        letters = [
            column_letter(index)
            for index in sorted(columns)
            if column_letter(index) in frame.columns
            and frame.schema[column_letter(index)] != pl.String
        ]
        if not letters:
            return frame
        text = self._load(first, letters=letters, tekst=True)
        return frame.with_columns(
            text.get_column(letter).extend_constant(None, frame.height - text.height)
            if text.height < frame.height
            else text.get_column(letter).head(frame.height)
            for letter in letters
            if letter in text.columns
        )

    def _load(self, first: int, **options: object) -> pl.DataFrame:
        """`_load_excel_body` of this sheet: in pieces when it is large (`sheet_pieces`)."""
        workbook = self.workbook
        part = self.part.part
        if part is not None and workbook.part_size(part) > max(PIECE_SIZE, PIECES_FROM):
            try:
                pieces = sheet_pieces(workbook.source_data, workbook.facts, part, PIECE_SIZE)
                return _load_excel_body(
                    self.path, workbook.reader, self.name, first, pieces=pieces, **options
                )
            except NoPieces:
                pass
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise OnleesbaarBestand(
                    self.path, f"blad '{self.name}': het blad is beschadigd ({_first_line(exc)})."
                ) from None
        return _load_excel_body(self.path, workbook.reader, self.name, first, **options)

    def text_cells(self, body: pl.DataFrame, letters: list[str]) -> dict[str, pl.Series]:
        """Which cells of these columns are text cells, from a second read of just these columns
        as whole numbers: fastexcel gives a number cell a value there and a text cell none.

        Only asked for columns holding a text that could be either ("7.688"), so the second read
        is rare (see `batch.reader._ambiguous_letters`).
        """
        first = body.get_column("_rij")[0] if body.height else 1
        numbers = self._load(first, letters=letters, tekst="int")
        numbers = body.select("_rij").join(numbers, on="_rij", how="left", maintain_order="left")
        result = {}
        for letter in letters:
            if letter not in numbers.columns:
                continue
            text = body.get_column(letter)
            result[letter] = (text.is_not_null() & numbers.get_column(letter).is_null()).alias(
                letter
            )
        return result


def _apply_scan(frame: pl.DataFrame, scan: SheetScan, first: int = 1) -> pl.DataFrame:
    """The rows from Excel row `first` on, with what the scan found: ISO date cells (`t="d"`)
    as the text of a date cell (not "typed as text"), and cells without a value (formulas
    without a saved result, placeholders, error values) empty here and listed apart
    (`SheetScan.onbekend`)."""
    cells: dict[str, dict[int, str | None]] = {}
    for row, col in scan.datums:
        if row >= first:
            cells.setdefault(column_letter(col), {})[row] = _DATE_CELL
    for cell in scan.onbekend:
        if cell.rij >= first:
            cells.setdefault(column_letter(cell.kolom), {})[cell.rij] = None
    if not cells:
        return frame
    rows = max(max(by_row) for by_row in cells.values()) - first + 1
    if rows > frame.height:
        extra = pl.DataFrame(
            {"_rij": pl.int_range(first + frame.height, first + rows, eager=True).cast(pl.Int64)}
        )
        frame = pl.concat([frame, extra], how="diagonal")
    missing = [letter for letter in cells if letter not in frame.columns]
    if missing:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(m) for m in missing)
        letters = sorted((c for c in frame.columns if c != "_rij"), key=column_index)
        frame = frame.select("_rij", *letters)
    updates = []
    for letter, by_row in cells.items():
        series = frame.get_column(letter)
        indices = [row - first for row in by_row]
        if series.dtype == pl.String:
            values = series.gather(indices).to_list()
            new = pl.Series(
                [
                    _iso_cell_text(old) if marker is _DATE_CELL else None
                    for old, marker in zip(values, by_row.values(), strict=True)
                ],
                dtype=pl.String,
            )
        else:  # a typed column: an ISO date cell is already a date there
            values = series.gather(indices)
            nulls = pl.Series([marker is not _DATE_CELL for marker in by_row.values()])
            new = values.zip_with(~nulls, pl.Series([None] * len(indices), dtype=series.dtype))
        updates.append(series.scatter(indices, new))
    return frame.with_columns(updates)


#: Marker for an ISO date cell in `_apply_scan`.
_DATE_CELL = "~datum"


def _iso_cell_text(text: str | None) -> str | None:
    """The text fastexcel gives a date cell ("2023-03-01 00:00:00") for an ISO date cell's value
    ("2023-03-01", "2023-03-01T12:30:00Z"); other text (a time alone) stays as it is."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return cell_text(value.replace(tzinfo=None))


def _fastexcel_source(path: Path) -> Path | bytes:
    """fastexcel takes a path only as UTF-8 text: a file name in other bytes (Linux allows
    any) is passed as the file's content."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return path.read_bytes()
    return path


def _sheet_columns(sheet: object) -> dict[str, str]:
    """fastexcel's column names -> Excel letters. With header_row=None fastexcel leaves out
    leading empty columns: `absolute_index` is the true column."""
    return {col.name: column_letter(col.absolute_index) for col in sheet.selected_columns}  # type: ignore[attr-defined]


def _load_excel_sheet(
    path: Path, reader: object, name: str, *, n_rows: int | None = None
) -> pl.DataFrame:
    """All cells as text, row 1 first (leading empty rows kept), columns named by Excel letter;
    only the first `n_rows` rows when given."""
    try:
        sheet = reader.load_sheet(  # type: ignore[attr-defined]
            name, header_row=None, skip_rows=0, dtypes="string", n_rows=n_rows
        )
        columns = _sheet_columns(sheet)
        frame = sheet.to_polars()
    except Exception as exc:
        raise OnleesbaarBestand(path, f"blad '{name}': {_calamine_reason(exc)}") from None
    # With header_row=None and skip_rows=0 fastexcel starts at sheet row 1.
    frame = frame.rename(columns).with_columns(pl.all().cast(pl.String))
    frame = frame.with_row_index("_rij", offset=1).with_columns(pl.col("_rij").cast(pl.Int64))
    return _from_column_a(frame)


def _from_column_a(frame: pl.DataFrame, width: int = 0) -> pl.DataFrame:
    """`_rij` and every column from A on (at least `width` of them): fastexcel leaves out empty
    columns on the left, and a sheet's head and body are read apart, so both start at A and a
    column's index in a header row is its index in the body."""
    letters = [c for c in frame.columns if c != "_rij"]
    last = max((column_index(c) for c in letters), default=-1)
    wanted = [column_letter(i) for i in range(max(last + 1, width))]
    missing = [letter for letter in wanted if letter not in frame.columns]
    if not missing and letters == wanted:
        return frame
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(m) for m in missing)
    return frame.select("_rij", *wanted)


def _load_excel_body(
    path: Path,
    reader: object,
    name: str,
    first: int,
    *,
    letters: list[str] | None = None,
    tekst: bool | str = False,
    pieces: Iterator[tuple[bytes, int]] | None = None,
) -> pl.DataFrame:
    """The rows from Excel row `first` on (`_rij` plus columns named by Excel letter), typed
    where a column is: a column of numbers only is Float64, of dates only Datetime, of
    TRUE/FALSE only Boolean; a column with text, or with several kinds of cells, is text
    exactly as fastexcel gives it for every cell (`tekst` asks text for every column).

    fastexcel infers a column's type from all its cells (`schema_sample_rows=None`), so a text
    far down is never lost. Reading typed costs less than the text of every cell (formatting
    a number as text is most of that), and the typed columns need no parsing afterwards.

    `pieces`: the sheet as packages of rows (`xlsx_scan.sheet_pieces`, for a large sheet),
    read one after the other so that calamine never holds the whole sheet; a column typed in
    one piece and not in another becomes the text the reader gives every cell.
    """
    if pieces is None:
        return _load_typed(path, reader, name, first, letters=letters, tekst=tekst)
    import fastexcel

    frames = []
    for package, start in _ahead(pieces):
        try:
            piece = fastexcel.read_excel(package)
        except Exception as exc:
            raise OnleesbaarBestand(path, _calamine_reason(exc)) from None
        if start > 1:  # the range starts at the marked row before the piece (`sheet_pieces`)
            frame = _load_typed(
                path, piece, name, start - 1, letters=letters, tekst=tekst, mark=True
            )
            frame = frame.filter(pl.col("_rij") >= max(first, start))
        else:
            frame = _load_typed(path, piece, name, first, letters=letters, tekst=tekst)
        del piece, package
        if frame.height:
            frames.append(frame)
    if not frames:
        return _load_typed(path, reader, name, first, letters=letters, tekst=tekst).clear()
    return _stacked(frames, first)


def _ahead(items: Iterator[tuple[bytes, int]]) -> Iterator[tuple[bytes, int]]:
    """`items`, made one ahead in a thread: the next piece is cut while calamine reads this one
    (fastexcel releases the GIL), so reading in pieces costs no more time than reading whole.
    An error while cutting (`NoPieces`, a damaged part) is raised here."""
    import queue
    import threading

    done = object()
    ready: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                ready.put(item)
            ready.put(done)
        except BaseException as exc:  # handed to the reading thread
            ready.put(exc)

    worker = threading.Thread(target=produce, name="bladstukken", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue finish
            try:
                ready.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def _release_memory() -> None:
    """Give the memory calamine freed back to the system (glibc keeps freed small blocks for
    reuse, and polars allocates elsewhere): the checks after the reading then start low."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows): nothing to do
        pass


def _stacked(frames: list[pl.DataFrame], first: int) -> pl.DataFrame:
    """The pieces of a sheet as one frame: the same columns (absent ones empty), a column
    typed alike in every piece keeps its type, else it becomes text (`cell_text_expr`), and
    the rows between pieces that hold nothing are there too (`_rij` runs on)."""
    from jeugdhulp.normalize import cell_text_expr

    letters = sorted({c for f in frames for c in f.columns if c != "_rij"}, key=column_index)
    kinds: dict[str, set[pl.DataType]] = {c: set() for c in letters}
    filled_in: dict[int, dict[str, bool]] = {}
    for frame in frames:
        filled = frame.select(pl.all().is_not_null().any()).row(0, named=True)
        filled_in[id(frame)] = filled
        for c in letters:
            if c in frame.columns and filled[c]:
                kinds[c].add(frame.schema[c])
    target = {c: next(iter(k)) if len(k) == 1 else pl.String() for c, k in kinds.items()}
    # a column empty in every piece: as a column read whole would be
    target.update({c: pl.String() for c, k in kinds.items() if not k})
    aligned = []
    for frame in frames:
        columns = [pl.col("_rij")]
        for c in letters:
            if c not in frame.columns:
                columns.append(pl.lit(None, dtype=target[c]).alias(c))
            elif frame.schema[c] == target[c]:
                columns.append(pl.col(c))
            elif not filled_in[id(frame)][c]:  # empty in this piece
                columns.append(pl.lit(None, dtype=target[c]).alias(c))
            else:  # typed here, text in another piece: the text the reader gives
                columns.append(cell_text_expr(pl.col(c), frame.schema[c]).alias(c))
        aligned.append(frame.select(columns))
    stacked = pl.concat(aligned, how="vertical")
    del aligned
    # every row from `first` on, also the empty ones between pieces (the sheet's own rows)
    last = int(stacked.get_column("_rij").max() or first)
    rows = pl.DataFrame({"_rij": pl.int_range(first, last + 1, eager=True).cast(pl.Int64)})
    if rows.height != stacked.height:
        stacked = rows.join(stacked, on="_rij", how="left", maintain_order="left")
    return stacked.rechunk()


def _dtypes(tekst: bool | str) -> str | None:
    """fastexcel's dtypes for every column: inferred (False), text (True) or "int"."""
    return "string" if tekst is True else (tekst or None)  # type: ignore[return-value]


def _load_typed(
    path: Path,
    reader: object,
    name: str,
    first: int,
    *,
    letters: list[str] | None = None,
    tekst: bool | str = False,
    mark: bool = False,
) -> pl.DataFrame:
    """One typed read of the rows from Excel row `first` on (see `_load_excel_body`); `mark`:
    the sheet's data starts at row `first` (a piece's marked row), so nothing is skipped."""
    try:
        sheet = reader.load_sheet(  # type: ignore[attr-defined]
            name,
            header_row=None,
            skip_rows=None if mark else first - 1,
            schema_sample_rows=None,
            dtype_coercion="coerce",
            use_columns=[column_index(letter) for letter in letters] if letters else None,
            dtypes=_dtypes(tekst),
        )
        columns = _sheet_columns(sheet)
        frame = sheet.to_polars()
    except Exception as exc:
        raise OnleesbaarBestand(path, f"blad '{name}': {_calamine_reason(exc)}") from None
    frame = frame.rename(columns)
    frame = frame.with_columns(
        pl.col(c).cast(pl.String) for c, dtype in frame.schema.items() if dtype == pl.Null
    )
    frame = frame.with_row_index("_rij", offset=first)
    return frame.with_columns(pl.col("_rij").cast(pl.Int64))


class _CsvSheet(_Sheet):
    """A csv file as one sheet named after the file; the body is read by polars on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.stem
        self.text, self.melding = decode_csv_with_note(path.read_bytes())
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
        """Records below the header record; `_rij` = record number (the row of the checked
        copy). polars reads the text after the header record (found by the csv module, which
        reads records: a title with a quoted line break is one record, not two lines)."""
        start = _offset_after_records(self.text, self.delimiter, header_index + 1)
        try:
            frame = pl.read_csv(
                io.BytesIO(self.text[start:].encode("utf-8")),
                has_header=False,
                separator=self.delimiter,
                infer_schema=False,
                truncate_ragged_lines=True,
                quote_char='"',
                raise_if_empty=False,
            )
        except Exception as exc:
            raise OnleesbaarBestand(self.path, f"de csv is niet te lezen ({exc}).") from None
        frame = frame.rename({c: column_letter(i) for i, c in enumerate(frame.columns)})
        frame = frame.with_row_index("_rij", offset=header_index + 2)
        return frame.with_columns(pl.col("_rij").cast(pl.Int64), pl.exclude("_rij").cast(pl.String))


def _read_csv(path: Path) -> list[_CsvSheet]:
    return [_CsvSheet(path)]


def _offset_after_records(text: str, delimiter: str, count: int) -> int:
    """Where in `text` the record after the first `count` records starts: the csv module reads
    a record line by line (a quoted field may span lines), so the lines it has taken are
    exactly those records."""
    taken = 0

    def lines() -> Iterator[str]:
        nonlocal taken
        for line in io.StringIO(text, newline=""):
            taken += len(line)
            yield line

    records = csv.reader(lines(), delimiter=delimiter)
    for _ in range(count):
        if next(records, None) is None:
            break
    return taken


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel writes as "CSV (;)"); see
    `decode_csv_with_note`."""
    return decode_csv_with_note(data)[0]


_SURROGATES = re.compile("[\udc80-\udcff]+")


def decode_csv_with_note(data: bytes) -> tuple[str, str | None]:
    """The text of a csv file, and a Dutch note when its encoding was mixed.

    UTF-8 (with or without BOM); a file without any UTF-8 character beyond ASCII that is not
    UTF-8 is Windows-1252 (Excel's "CSV (;)"). A file that is UTF-8 but for some bytes (a line
    pasted from another program) is read as UTF-8 with those bytes as Windows-1252, and the
    note says where: decoding the whole file as Windows-1252 would garble every UTF-8
    character ("Reden beÃ«indiging" is no header the reader knows).
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    utf8 = any(ord(ch) > 127 and not 0xDC80 <= ord(ch) <= 0xDCFF for ch in text)
    if not utf8:
        return data.decode("cp1252", errors="replace"), None
    lines: list[int] = []

    def as_cp1252(match: re.Match[str]) -> str:
        lines.append(text.count("\n", 0, match.start()) + 1)
        raw = bytes(ord(ch) - 0xDC00 for ch in match.group(0))
        return raw.decode("cp1252", errors="replace")

    fixed = _SURROGATES.sub(as_cp1252, text)
    shown = ", ".join(map(str, sorted(set(lines))[:5])) + (
        " en meer" if len(set(lines)) > 5 else ""
    )
    return fixed, (
        f"Het bestand is UTF-8, maar {len(lines)} teken(s) op regel {shown} staan in een andere "
        "codering; gelezen als Windows-1252 (é, ë, €): controleer die tekens en sla het bestand "
        "op als CSV UTF-8."
    )


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

#: What a sheet that is not a worksheet is called in a note.
_SHEET_KINDS = {
    "chartsheet": "grafiekblad",
    "dialogsheet": "dialoogblad",
    "macrosheet": "macroblad (Excel 4)",
}
#: Required production columns a sheet needs to count as production by its header alone, when
#: another sheet already does (a summary sheet with BSN and Productcode is not production).
_PRODUCTION_MINIMUM = 4


def _assign_tables(
    path: Path,
    sheets: list[_Sheet],
    wanted: list[str],
    *,
    bladen: Sequence[str] = (),
    los: bool = False,
) -> Werkmap:
    """Match sheets to tables, normalise each, and say per sheet what was read and why.

    Production sheets: the ones named with `bladen`, else every visible worksheet named as one
    (Productie, Productie januari, ...) or whose header row is the production layout. The other
    tables: the first sheet by name, else by header row. `los`: also try sheets whose name says
    another table (a separate allocations file whose only sheet is called "Producten").
    """
    werkmap = Werkmap(path)
    bestand = path.name
    reasons: dict[str, str] = {}  # sheet name -> why it was skipped

    def skip(sheet: _Sheet, reden: str) -> None:
        reasons[sheet.name] = reden

    named = _named_sheets(path, sheets, bladen)
    candidates: list[_Sheet] = []
    hidden: list[str] = []
    for sheet in sheets:
        if sheet in named:
            candidates.append(sheet)
        elif sheet.soort != "worksheet":
            skip(sheet, f"{_SHEET_KINDS.get(sheet.soort, sheet.soort)}, geen tabel")
        elif sheet.state != VISIBLE:
            hidden.append(sheet.name)
            skip(sheet, "zeer verborgen blad" if sheet.state == VERY_HIDDEN else "verborgen blad")
        else:
            candidates.append(sheet)
    for sheet in candidates:
        sheet.prepare()  # the sheet scans run while fastexcel reads

    productie: list[tuple[_Sheet, HeaderRow, str]] = []
    weak: list[tuple[_Sheet, HeaderRow]] = []  # production by a header with few columns
    single: dict[str, tuple[_Sheet, HeaderRow, str]] = {}
    rest: list[_Sheet] = []
    for sheet in candidates:
        if sheet in named:
            header = detect_header(sheet.head, "productie")
            if header is None:
                raise OnleesbaarBestand(
                    path, f"(gekozen met --blad) {_no_header_reason('productie', [sheet])}"
                )
            productie.append((sheet, header, "gekozen met --blad"))
            other = table_for_sheet_name(sheet.name)
            if other in ("toewijzingen", "producten"):
                werkmap.meldingen.append(
                    f"Blad '{sheet.name}' is met --blad als productieblad gekozen, maar de naam "
                    f"zegt {TABLE_TITLES[other]}; --blad kiest alleen productiebladen (een "
                    f"verborgen blad {TABLE_TITLES[other]} wordt vanzelf gelezen)."
                )
            continue
        table = table_for_sheet_name(sheet.name)
        if table is None or (los and table not in wanted):
            rest.append(sheet)
            continue
        if table not in wanted:
            skip(sheet, f"blad voor {TABLE_TITLES[table]}; die komen uit een apart bestand")
            continue
        if table == "productie" and named:
            skip(sheet, "niet gekozen met --blad")
            continue
        header = detect_header(sheet.head, table)
        if header is None:
            if isinstance(sheet, _CsvSheet):
                rest.append(sheet)  # a file name is a weak hint: try the headers
                continue
            if len(wanted) == 1:
                raise OnleesbaarBestand(path, _no_header_reason(table, [sheet]))
            reden = _no_header_reason(table, [sheet])
            skip(sheet, reden)
            werkmap.meldingen.append(
                f"Blad '{sheet.name}' is niet gelezen als {TABLE_TITLES[table]}: {reden}"
            )
            continue
        if table == "productie":
            productie.append((sheet, header, "herkend aan de bladnaam"))
        elif table in single:
            first = single[table][0].name
            skip(sheet, f"lijkt ook {TABLE_TITLES[table]}, maar alleen blad '{first}' is gelezen")
            werkmap.meldingen.append(
                f"Blad '{sheet.name}' lijkt ook {TABLE_TITLES[table]}, maar is niet gelezen: "
                f"alleen blad '{first}' is gebruikt."
            )
        else:
            single[table] = (sheet, header, "herkend aan de bladnaam")

    for sheet in rest:
        if _is_tool_sheet(sheet.head):
            skip(sheet, "blad van een eerdere controle met dit hulpmiddel; geen gegevens")
            continue
        match = table_for_headers(sheet.head, [t for t in TABLES if t in wanted or los])
        if match is None:
            skip(sheet, "geen kopregel van Productie, Toewijzingen of Producten herkend")
            continue
        table, header = match
        if table == "productie":
            if named:
                skip(sheet, "niet gekozen met --blad")
            elif score(header.mapping, "productie")[0] >= _PRODUCTION_MINIMUM:
                productie.append((sheet, header, "herkend aan de kopregel"))
            else:
                weak.append((sheet, header))
        elif table not in wanted:
            skip(sheet, f"lijkt {TABLE_TITLES[table]}, maar die tabel is hier niet gevraagd")
        elif table in single:
            first = single[table][0].name
            skip(sheet, f"lijkt ook {TABLE_TITLES[table]}, maar alleen blad '{first}' is gelezen")
        else:
            single[table] = (sheet, header, "herkend aan de kopregel")
    if weak and not productie and "productie" in wanted:
        productie.append((*weak[0], "herkend aan de kopregel"))
        weak = weak[1:]
    for sheet, header in weak:
        columns = ", ".join(h for h in header.headers if h)
        skip(sheet, f"te weinig kolommen van de productie ({columns})")
    # Allocations and products on a hidden sheet (a lookup list kept out of sight is common)
    # are read when no visible sheet gives them; a hidden sheet is never production.
    for table in ("toewijzingen", "producten"):
        if table not in wanted or table in single:
            continue
        found = _hidden_table(
            [
                s
                for s in sheets
                if s.name in hidden and s.name not in {x.name for x, *_ in productie}
            ],
            table,
        )
        if found is None:
            continue
        sheet, header = found
        kind = "zeer verborgen" if sheet.state == VERY_HIDDEN else "verborgen"
        single[table] = (
            sheet,
            header,
            f"{kind} blad, gelezen: geen zichtbaar blad {TABLE_TITLES[table]}",
        )
        hidden.remove(sheet.name)
        reasons.pop(sheet.name, None)
        werkmap.meldingen.append(
            f"Blad '{sheet.name}' is {kind} en toch gelezen als {TABLE_TITLES[table]}: de werkmap "
            f"heeft geen zichtbaar blad met {TABLE_TITLES[table].lower()}."
        )

    order = {sheet.name: n for n, sheet in enumerate(sheets)}
    productie.sort(key=lambda item: order[item[0].name])
    for sheet, header, reden in productie:
        info = _build_table(sheet, "productie", header)
        werkmap.productie.append(info)
        werkmap.gelezen.append(BladGelezen.uit_tabel(info, "productie", bestand, reden))
    for table in ("toewijzingen", "producten"):
        if table in single:
            sheet, header, reden = single[table]
            info = _build_table(sheet, table, header)
            setattr(werkmap, table, info)
            werkmap.gelezen.append(BladGelezen.uit_tabel(info, table, bestand, reden))
    for sheet in sheets:
        if sheet.name in reasons:
            werkmap.gelezen.append(
                BladGelezen(bestand, sheet.name, OVERGESLAGEN, reasons[sheet.name])
            )
    werkmap.gelezen.sort(key=lambda blad: order.get(blad.blad, len(order)))
    if hidden:
        names = ", ".join(f"'{name}'" for name in hidden)
        werkmap.meldingen.append(
            f"Verborgen blad(en) {names} niet gelezen; kies een verborgen productieblad met "
            "--blad NAAM."
        )

    found = werkmap.productie or werkmap.toewijzingen or werkmap.producten
    if ("productie" in wanted and not werkmap.productie) or not found:
        table = "productie" if "productie" in wanted else wanted[0]
        reason = _no_header_reason(table, [s for s in candidates if s not in named] or sheets)
        if hidden and table == "productie":
            names = ", ".join(f"'{name}'" for name in hidden)
            reason += f" Verborgen bladen zijn niet gelezen ({names}); kies er een met --blad."
        raise OnleesbaarBestand(path, reason)
    return werkmap


def _hidden_table(sheets: list[_Sheet], table: str) -> tuple[_Sheet, HeaderRow] | None:
    """The first of these (hidden) worksheets that is `table`: by its name, else by its header
    row (and then not rather the production layout)."""
    sheets = [sheet for sheet in sheets if sheet.soort == "worksheet"]
    for sheet in sheets:
        if table_for_sheet_name(sheet.name) == table:
            header = detect_header(sheet.head, table)
            if header is not None:
                return sheet, header
    for sheet in sheets:
        if table_for_sheet_name(sheet.name) is None:
            match = table_for_headers(sheet.head, ["productie", table])
            if match is not None and match[0] == table:
                return sheet, match[1]
    return None


def _named_sheets(path: Path, sheets: list[_Sheet], bladen: Sequence[str]) -> list[_Sheet]:
    """The sheets `--blad` names (Excel's sheet names are unique regardless of case)."""
    if not bladen:
        return []
    by_name = {sheet.name.casefold(): sheet for sheet in sheets}
    missing = [name for name in bladen if name.strip().casefold() not in by_name]
    if missing:
        asked = ", ".join(f"'{name}'" for name in missing)
        present = ", ".join(f"'{sheet.name}'" for sheet in sheets)
        word = "bestaat" if len(missing) == 1 else "bestaan"
        raise OnleesbaarBestand(
            path, f"blad {asked} (--blad) {word} niet; de werkmap heeft {present}."
        )
    named = [by_name[name.strip().casefold()] for name in bladen]
    for sheet in named:
        if sheet.soort != "worksheet":
            kind = _SHEET_KINDS.get(sheet.soort, sheet.soort)
            raise OnleesbaarBestand(
                path, f"blad '{sheet.name}' (--blad) is een {kind}, geen tabel."
            )
    return list(dict.fromkeys(named))


def _ambiguous_letters(body: pl.DataFrame, letters: list[str]) -> list[str]:
    """The columns among `letters` that hold a text such as "7.688", read differently from a
    number cell (7,688) and from a text cell (7688): they need to know which cells are text."""
    letters = [letter for letter in letters if body.schema[letter] == pl.String]
    if not letters or body.height == 0:
        return []
    found = body.select(
        pl.col(letter).str.strip_chars().str.contains(CELL_OR_DUTCH).any() for letter in letters
    ).row(0)
    return [letter for letter, hit in zip(letters, found, strict=True) if hit]


def _build_table(sheet: _Sheet, table: str, header: HeaderRow) -> TableInfo:
    hidden = sheet.verborgen_kolommen if isinstance(sheet, _ExcelSheet) else frozenset()
    header, notes = _visible_first(header, table, hidden)
    body = sheet.body(header.index)
    letters = [c for c in body.columns if c != "_rij" and TEXT_CELL_SUFFIX not in c]
    numbers = [
        letters[index]
        for naam, index in header.mapping.items()
        if index < len(letters) and isinstance(SCHEMAS[table].get(naam, DECIMAL), pl.Decimal)
    ]
    alles_tekst = isinstance(sheet, _CsvSheet)
    if not alles_tekst:
        ambiguous = _ambiguous_letters(body, numbers)
        if ambiguous:
            cells = sheet.text_cells(body, ambiguous)
            body = body.with_columns(s.alias(f"{k}{TEXT_CELL_SUFFIX}") for k, s in cells.items())
    scan = sheet.scan()
    # Sheets start at row / record 1, so the header row's number is its index + 1.
    info = table_from_body(
        body,
        table,
        header,
        sheet.name,
        header.index + 1,
        alles_tekst=alles_tekst,
        onbekend=[(c.rij, c.kolom, c.reden, c.formule, c.waarde) for c in scan.onbekend],
        samengevoegd=scan.samengevoegd,
        datum1904=sheet.datum1904,
    )
    info.meldingen += notes + _hidden_row_notes(info, scan.verborgen_rijen)
    return info


def _visible_first(
    header: HeaderRow, table: str, hidden: frozenset[int]
) -> tuple[HeaderRow, list[str]]:
    """The header's mapping with a visible column taken over a hidden one of the same field
    (an old "Bedrag" hidden left of the one the user sees), and notes on hidden columns read."""
    if not hidden or not set(header.mapping.values()) & hidden:
        return header, []
    mapping = dict(header.mapping)
    notes = []

    def kop(index: int) -> str:
        return (header.headers[index] or "").strip()

    for naam, index in header.mapping.items():
        if index not in hidden:
            continue
        title = column(table, naam).kop
        visible = [
            i
            for i, text in enumerate(header.headers)
            if i not in hidden
            and i not in mapping.values()
            and (found := match_header(text, table)) is not None
            and found[0] == naam
        ]
        if visible:
            mapping[naam] = visible[0]
            notes.append(
                f"Kolom '{kop(index)}' ({column_letter(index)}) is verborgen; de zichtbare kolom "
                f"'{kop(visible[0])}' ({column_letter(visible[0])}) is gelezen als {title}."
            )
        else:
            notes.append(
                f"Kolom '{kop(index)}' ({column_letter(index)}) is verborgen en toch gelezen als "
                f"{title}."
            )
    order = {naam: n for n, naam in enumerate(header.mapping)}
    mapping = dict(sorted(mapping.items(), key=lambda item: order[item[0]]))
    return dataclasses.replace(header, mapping=mapping), notes


def _hidden_row_notes(info: TableInfo, rows: list[int]) -> list[str]:
    """A note on hidden (filtered) rows that were read: hidden is not deleted."""
    if not rows or info.frame.height == 0:
        return []
    read = sorted(set(rows) & set(info.frame.get_column("_rij").to_list()))
    if not read:
        return []
    shown = ", ".join(map(str, read[:5])) + (f" en {len(read) - 5} meer" if len(read) > 5 else "")
    return [
        f"{len(read)} verborgen rij(en) (rij {shown}) zijn ook gelezen: een filter of "
        "verbergen haalt een regel niet uit de werkmap."
    ]


def _is_tool_sheet(head: list[list[str | None]]) -> bool:
    """A Controle or Controlelijst sheet this tool wrote (its title in A1)."""
    from jeugdhulp.controle_layout import CATALOGUE_TITLE_PREFIX, TITLE_PREFIX

    first = head[0][0] if head and head[0] else None
    return isinstance(first, str) and first.startswith((TITLE_PREFIX, CATALOGUE_TITLE_PREFIX))


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
            # OPC part names are case-insensitive: xl/Workbook.xml is the workbook part too.
            names = {name.replace("\\", "/").lower() for name in archive.namelist()}
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


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _calamine_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Zip" in text or "zip" in text:
        return "het bestand is beschadigd (geen geldig zip-archief)."
    if "password" in text.lower() or "encrypt" in text.lower():
        return "de werkmap is versleuteld (met een wachtwoord beveiligd)."
    return f"de werkmap is beschadigd of onleesbaar ({text})."
