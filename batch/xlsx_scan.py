"""What a workbook package says that the reading library (calamine, via fastexcel) does not give.

The one place that works around calamine 0.36 (the version fastexcel 0.21 bundles). Each
workaround names its upstream issue; when calamine fixes one, its workaround can go.

- **The 1904 date system** (tafia/calamine#706): calamine takes `date1904` from the *last*
  element named `workbookPr` in the workbook part, in any namespace. Excel 2013 and later write
  an `x15:workbookPr` (without `date1904`) in the `extLst` after the real one, so a Mac workbook
  in the 1904 system is read with 1900 dates: every date 1462 days early. The date system is
  that of the main-namespace `workbookPr` child of `workbook` (ECMA-376 18.2.28). When calamine's
  rule and that one disagree, calamine is given a copy of the workbook part that ends in one more
  `workbookPr` with the right value, so it applies the system itself, exactly where it belongs:
  serial numbers formatted as dates, not ISO dates (`t="d"`), not text. When both agree, nothing
  is changed, so the correction is never applied twice.
- **An unreadable `<dimension>`** (calamine PR#285 made calamine use it; it is metadata that Excel
  and LibreOffice ignore): calamine refuses a sheet whose `<dimension ref>` it cannot parse
  ("A0:AZ48943", "", "A1:B2:C3"), so the workbook looked damaged. It only uses the value to
  reserve memory, so calamine is given a copy of such a sheet without the element.
- **XML parts not in UTF-8**: XML allows any encoding its declaration names (UTF-16 with or
  without byte order mark, ISO-8859-1); Excel and LibreOffice read them, calamine stops with
  "Unexpected end of xml" or "cannot decode input using UTF-16LE" (reported as
  tafia/calamine#284). `inspect_package` notes the encoding of every XML part from its first
  bytes, calamine is given a copy with those parts transcoded to UTF-8 (declaration included),
  and the sheet scans transcode as they stream.
- **Formulas without a saved result** read as empty (excelize#157: programs that write
  formulas without calculating them), and XlsxWriter's placeholder result 0; **error values**
  (#DEEL/0!) read as empty; **ISO dates** (`t="d"`) read as text; **merged cells** read as empty
  except their anchor. `scan_sheet` finds these cells with a streamed byte scan of the sheet
  part (no XML parse: the sheet is inflated in blocks and searched with fixed patterns), so the
  reader can mark them (see `batch.reader`).

Part names are matched case-insensitively, as OPC requires (and calamine does since 0.36):
`xl/Worksheets/Sheet1.xml` is the part a relationship to `worksheets/sheet1.xml` means.
Workbook-level parts are small and parsed with lxml; the sheet scans run in a worker thread while
fastexcel reads (fastexcel releases the GIL), see `benchmarks/bench_lezen.py` for the cost.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lxml import etree

try:  # ISA-L's inflate: twice as fast as zlib (batch only, not the add-in)
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - isal is a dependency; zlib keeps the code working
    _inflate = zlib  # type: ignore[assignment]

from batch._ooxml import Utf8Part, foreign_encoding
from jeugdhulp.columns import HEADER_SCAN_ROWS
from jeugdhulp.findings import column_letter

__all__ = [
    "CalamineCopy",
    "PackageFacts",
    "SheetPart",
    "SheetScan",
    "UnknownCell",
    "calamine_source",
    "head_package",
    "inspect_package",
    "scan_sheet",
    "sheet_pieces",
]

_MAIN_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict OOXML
    }
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_TRUE = frozenset({"1", "true"})
#: Sheet visibility as the workbook part gives it (`state`), with what we call it.
VISIBLE, HIDDEN, VERY_HIDDEN = "visible", "hidden", "veryHidden"


# -- the package --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetPart:
    """A sheet as the workbook part lists it."""

    naam: str  # the sheet's name
    part: str | None  # its zip member (as spelled in the zip), None when missing
    state: str  # VISIBLE, HIDDEN or VERY_HIDDEN
    soort: str  # "worksheet", "chartsheet", "dialogsheet", "macrosheet", ...

    @property
    def visible(self) -> bool:
        return self.state == VISIBLE


@dataclass(slots=True)
class PackageFacts:
    """What the workbook-level parts say (`inspect_package`)."""

    sheets: list[SheetPart] = field(default_factory=list)
    date1904: bool = False  # the workbook's date system, per its main workbookPr
    calamine_date1904: bool = False  # what calamine 0.36 takes it to be (calamine#706)
    herberekenen: bool = False  # calcPr fullCalcOnLoad: formula results are to be recalculated
    workbook_part: str | None = None  # zip member of the workbook part
    bad_dimensions: dict[str, str] = field(default_factory=dict)  # part -> ref calamine refuses
    members: dict[str, str] = field(default_factory=dict)  # folded part name -> zip member
    shared_strings: str | None = None  # zip member of the shared strings part, if any
    styles: str | None = None  # zip member of the styles part, if any
    #: per worksheet part: the part cut after its first `HEAD_ROWS` rows (see `head_package`)
    heads: dict[str, bytes] = field(default_factory=dict)
    #: per worksheet part: the 0-based indices of its hidden columns (`<col hidden="1">`)
    hidden_columns: dict[str, frozenset[int]] = field(default_factory=dict)
    #: XML parts not in UTF-8 (UTF-16, ISO-8859-1, ...) -> their encoding: calamine reads them
    #: transcoded (its XML reader stops at UTF-16 with "Unexpected end of xml")
    encodings: dict[str, str] = field(default_factory=dict)

    @property
    def needs_copy(self) -> bool:
        """Whether calamine must read a corrected copy (`calamine_source`)."""
        return (
            self.date1904 != self.calamine_date1904
            or bool(self.bad_dimensions)
            or bool(self.encodings)
        )


def _folded(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


def _resolve(base_part: str, target: str) -> str:
    """Part name of a relationship target relative to `base_part` (OPC part-name rules)."""
    if target.startswith("/"):
        parts: list[str] = []
        segments = target[1:].split("/")
    else:
        parts = base_part.split("/")[:-1]
        segments = target.split("/")
    for segment in segments:
        if segment == "..":
            if parts:
                parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    return "/".join(parts)


def _rels_part(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _relationships(zf: zipfile.ZipFile, members: dict[str, str], part: str) -> list[tuple]:
    """(Id, type, target) of the relationships of `part` ("" for the package)."""
    rels = members.get(_folded(_rels_part(part) if part else "_rels/.rels"))
    if rels is None:
        return []
    root = etree.fromstring(zf.read(rels), _PARSER)
    return [
        (el.get("Id"), el.get("Type") or "", el.get("Target") or "")
        for el in root
        if isinstance(el.tag, str) and etree.QName(el).localname == "Relationship"
    ]


def inspect_package(path: Path) -> PackageFacts:
    """The workbook-level facts of an .xlsx/.xlsm; raises zipfile/lxml errors on a damaged one.

    Reads the package relationships, the workbook part and its relationships (all small), the
    start of each worksheet part: up to its `sheetData` (the `<dimension>`, hidden columns)
    and its first `HEAD_ROWS` rows (`PackageFacts.heads`, for `head_package`), and the first
    bytes of every XML part (its encoding). An encoding Python does not know raises `XmlFout`
    (a `ValueError`) with the Dutch reason.
    """
    facts = PackageFacts()
    with zipfile.ZipFile(path) as zf:
        facts.members = {_folded(name): name for name in zf.namelist()}
        for name in zf.namelist():
            if name.lower().endswith((".xml", ".rels")):
                with zf.open(name) as stream:
                    encoding = foreign_encoding(stream.read(512))
                if encoding is not None:
                    facts.encodings[name] = encoding
        workbook = None
        for _, kind, target in _relationships(zf, facts.members, ""):
            if kind.endswith("/officeDocument"):
                workbook = _resolve("", target)
                break
        workbook = workbook or "xl/workbook.xml"
        facts.workbook_part = facts.members.get(_folded(workbook))
        if facts.workbook_part is None:
            return facts
        targets = {
            rid: (kind.rsplit("/", 1)[-1], _resolve(workbook, target))
            for rid, kind, target in _relationships(zf, facts.members, workbook)
        }
        for kind, part in targets.values():
            if kind == "sharedStrings":
                facts.shared_strings = facts.members.get(_folded(part))
            elif kind == "styles":
                facts.styles = facts.members.get(_folded(part))
        _read_workbook_part(zf.read(facts.workbook_part), targets, facts)
        for sheet in facts.sheets:
            if sheet.part is not None and sheet.soort == "worksheet":
                with zf.open(sheet.part) as stream:
                    stream = _utf8(stream, facts, sheet.part)
                    head, rest = _sheet_head(stream)
                    ref = _bad_dimension(head)
                    if ref is not None:
                        facts.bad_dimensions[sheet.part] = ref
                        head = _DIMENSION_ELEMENT.sub(b"", head, count=1)
                    facts.hidden_columns[sheet.part] = _hidden_columns(head)
                    facts.heads[sheet.part] = _first_rows(stream, head, rest, HEAD_ROWS)
    return facts


def _read_workbook_part(data: bytes, targets: dict, facts: PackageFacts) -> None:
    root = etree.fromstring(data, _PARSER)
    calamine = False
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        qname = etree.QName(element)
        if qname.localname == "workbookPr":
            # calamine: every workbookPr, in document order, overwrites the flag (calamine#706)
            calamine = element.get("date1904") in ("1", "true")
            if element.getparent() is root and qname.namespace in _MAIN_NAMESPACES:
                facts.date1904 = (element.get("date1904") or "").strip() in _TRUE
        elif qname.localname == "calcPr" and qname.namespace in _MAIN_NAMESPACES:
            facts.herberekenen = (element.get("fullCalcOnLoad") or "").strip() in _TRUE
        elif qname.localname == "sheet" and qname.namespace in _MAIN_NAMESPACES:
            rid = next(
                (v for k, v in element.attrib.items() if etree.QName(k).localname == "id"), None
            )
            soort, part = targets.get(rid, ("worksheet", None))
            facts.sheets.append(
                SheetPart(
                    naam=element.get("name") or "",
                    part=facts.members.get(_folded(part)) if part else None,
                    state=element.get("state") or VISIBLE,
                    soort=soort,
                )
            )
    facts.calamine_date1904 = calamine


# -- sheet heads: the <dimension> ----------------------------------------------------------------

_HEAD_LIMIT = 1 << 20
_SHEETDATA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sheetData[\s>/]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?dimension(?=[\s>/])[^>]*>")
#: The whole element, also when written with an end tag.
_DIMENSION_ELEMENT = re.compile(
    rb"<([A-Za-z_][\w.\-]*:)?dimension(?=[\s>/])[^>]*?(?:/>|>\s*</(?:[A-Za-z_][\w.\-]*:)?dimension\s*>)"
)
_REF_ATTR = re.compile(rb"""\sref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
#: One cell reference as calamine parses a dimension part: letters, then a row of at least 1.
_CALAMINE_CELL = re.compile(r"^[A-Za-z]+([0-9]+)$")


def _sheet_head(stream: BinaryIO) -> tuple[bytes, bytes]:
    """The start of a sheet part up to its `<sheetData` (at most 1 MiB), and the bytes read
    beyond it."""
    head = b""
    while len(head) < _HEAD_LIMIT:
        chunk = stream.read(1 << 14)
        if not chunk:
            break
        head += chunk
        match = _SHEETDATA.search(head)
        if match:
            return head[: match.start()], head[match.start() :]
    return head, b""


#: Rows of each sheet that header detection looks at (`jeugdhulp.columns.HEADER_SCAN_ROWS`).
HEAD_ROWS = HEADER_SCAN_ROWS
_HEAD_PART_LIMIT = 1 << 25  # a head of more than 32 MiB is cut at its last complete row
_COL = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?col(?=[\s>/])[^>]*>")
_HIDDEN_ATTR = re.compile(rb"""\shidden\s*=\s*["'](?:1|true)["']""")
_MIN_MAX = re.compile(rb"""\s(min|max)\s*=\s*["']([0-9]+)["']""")


def _hidden_columns(head: bytes) -> frozenset[int]:
    """The 0-based indices of the columns a sheet's `<cols>` hides (`<col min max hidden>`)."""
    hidden: set[int] = set()
    for match in _COL.finditer(head):
        tag = match.group(0)
        if not _HIDDEN_ATTR.search(tag):
            continue
        bounds = {key: int(value) for key, value in _MIN_MAX.findall(tag)}
        first, last = bounds.get(b"min", 0), bounds.get(b"max", bounds.get(b"min", 0))
        if 1 <= first <= last <= 16384:
            hidden.update(range(first - 1, last))
    return frozenset(hidden)


_COMMENT = re.compile(rb"<!--.*?-->", re.S)


def _without_comments(data: bytes) -> bytes:
    """`data` without XML comments (they may hold markup-like text such as "</sheetData>"),
    and without an unfinished comment at its end (more data completes it)."""
    if b"<!--" not in data:
        return data
    data = _COMMENT.sub(b"", data)
    open_at = data.find(b"<!--")
    return data if open_at < 0 else data[:open_at]


def _first_rows(stream: BinaryIO, head: bytes, rest: bytes, rows: int) -> bytes:
    """The worksheet part up to the end of its `rows`-th row element, closed again: a complete
    part with the sheet's first rows (`sheetData` and the root element closed after them).
    Comments are left out (they hold no cells)."""
    data = head + rest
    while True:
        view = _without_comments(data)
        cut = _rows_cut(view, rows)
        if cut is not None:
            return cut
        chunk = stream.read(max(1 << 16, len(data)))  # doubling: each byte is searched ~twice
        if not chunk or len(data) >= _HEAD_PART_LIMIT:
            return _rows_cut(view, rows, complete=True) or data
        data += chunk


def _rows_cut(view: bytes, rows: int, *, complete: bool = False) -> bytes | None:
    """The part in `view` cut after `rows` rows (or after its last complete row when
    `complete`, the data having ended), or None when `view` does not reach that far yet."""
    root = _ROOT.search(view)
    if root is None:
        return view if complete else None
    prefix = root.group(1) + b":" if root.group(1) else b""
    tag = re.compile(b"<" + re.escape(prefix) + rb"sheetData(?:\s[^>]*)?(/?)>")
    start = tag.search(view, root.end())
    if start is None:
        return view if complete else None
    if start.group(1):  # <sheetData/>: no rows
        return view[: start.end()] + b"</" + prefix + b"worksheet>"
    closing = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
    row_end = re.compile(b"</" + re.escape(prefix) + rb"row\s*>")
    end = view.find(b"</" + prefix + b"sheetData", start.end())
    position = start.end()
    for found, match in enumerate(
        row_end.finditer(view, start.end(), end if end >= 0 else len(view)), start=1
    ):
        position = match.end()
        if found == rows:
            return view[:position] + closing
    if end >= 0:
        return view[:end] + closing
    return view[:position] + closing if complete else None


_SST_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?sst(?=[\s>/])[^>]*?(/?)>")
_SI_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?si\s*>|<(?:[A-Za-z_][\w.\-]*:)?si(?:\s[^>]*)?/>")
#: A shared-string cell and its index: `<c ... t="s" ...><v>12</v>`.
_SHARED_CELL = re.compile(
    rb"""<(?:[A-Za-z_][\w.\-]*:)?c\s[^>]*?\bt\s*=\s*["']s["'][^>]*>\s*"""
    rb"""<(?:[A-Za-z_][\w.\-]*:)?v(?:\s[^>]*)?>\s*([0-9]+)\s*<"""
)
_SHARED_TYPE = re.compile(rb"""\bt\s*=\s*["']s["']""")


def _shared_strings_needed(heads: list[bytes]) -> int | None:
    """How many shared strings the heads use (the highest index + 1); None when a shared-string
    cell is written in a way this does not follow (then the whole part is taken)."""
    needed = 0
    for head in heads:
        indices = _SHARED_CELL.findall(head)
        if len(indices) != len(_SHARED_TYPE.findall(head)):
            return None
        if indices:
            needed = max(needed, max(int(i) for i in indices) + 1)
    return needed


def _first_shared_strings(stream: BinaryIO, count: int) -> bytes:
    """The shared strings part with only its first `count` strings, closed again (comments
    left out)."""
    raw = b""
    while True:
        data = _without_comments(raw)
        root = _SST_ROOT.search(data)
        if root is not None and root.group(2):  # <sst/>
            return data
        if root is not None:
            closing = b"</" + (root.group(1) + b":" if root.group(1) else b"") + b"sst>"
            position, found = root.end(), 0
            for match in _SI_END.finditer(data, root.end()):
                if found == count:
                    break
                found += 1
                position = match.end()
            if found == count:
                return data[:position] + closing
        chunk = stream.read(max(1 << 20, len(raw)))  # doubling: each byte is searched ~twice
        if not chunk:
            return _without_comments(raw) if root is None else data[:position] + closing
        raw += chunk


def head_package(path: Path, facts: PackageFacts) -> bytes:
    """A package for calamine with only the first `HEAD_ROWS` rows of every worksheet, for
    header detection without reading whole sheets (calamine parses a whole sheet even for a
    few rows): the workbook part (with the date system calamine must apply, see
    `calamine_source`), its relationships, styles, the shared strings those rows use, and the
    cut sheets (`PackageFacts.heads`). Other parts are left out: calamine reads a sheet's part
    only when the sheet is loaded."""
    keep = {
        facts.members.get("[content_types].xml"),
        facts.members.get("_rels/.rels"),
        facts.workbook_part,
        facts.styles,
    }
    if facts.workbook_part:
        keep.add(facts.members.get(_folded(_rels_part(facts.workbook_part))))
    keep.discard(None)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(path) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout,
    ):
        for name in keep:
            with zin.open(name) as raw:  # type: ignore[arg-type]
                data = _utf8(raw, facts, name).read()  # type: ignore[arg-type]
            if name == facts.workbook_part and facts.date1904 != facts.calamine_date1904:
                data = _with_date_system(data, facts.date1904)
            zout.writestr(name, data)  # type: ignore[arg-type]
        for part, head in facts.heads.items():
            zout.writestr(part, head)
        if facts.shared_strings:
            needed = _shared_strings_needed(list(facts.heads.values()))
            with zin.open(facts.shared_strings) as raw:
                stream = _utf8(raw, facts, facts.shared_strings)
                whole = needed is None
                data = stream.read() if whole else _first_shared_strings(stream, needed)
            zout.writestr(facts.shared_strings, data)
    return out.getvalue()


#: A sheet part larger than this (uncompressed) is read in pieces (`sheet_pieces`).
PIECE_SIZE = 32 << 20
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?row(?=[\s>/])[^>]*>")


class NoPieces(Exception):
    """The sheet cannot be read in pieces (a row without its number starts a piece)."""


def sheet_pieces(
    source: Path | bytes, facts: PackageFacts, part: str, size: int = PIECE_SIZE
) -> Iterator[tuple[bytes, int]]:
    """A large worksheet part as packages of about `size` bytes of rows each, for calamine to
    read one after the other: calamine keeps a whole sheet's cells in memory while it reads it
    (about 1,1 GiB for a million rows of the production layout), a piece's only while it is
    read. Each package holds the workbook-level parts calamine reads (workbook, its
    relationships, styles, shared strings) and the sheet cut to a run of complete rows
    (`source`: the package, or the corrected copy calamine reads, see `calamine_source`). The
    rows are streamed from the inflated part into the package, without copies.

    Yields (package, Excel row number of the piece's first row). Cells keep their row numbers,
    so a piece's rows are where they are in the sheet; a piece after the first starts with one
    row more, the row before its first, holding an error value in column A (`PIECE_MARK`):
    calamine's range then starts there (not at row 1, which would cost memory for every row
    above), and an error value is empty to fastexcel in any column type. Raises `NoPieces` when
    a piece would start with a row without its number (`r`, allowed but rare) or the rows hold
    a comment: then read the sheet whole.
    """
    with zipfile.ZipFile(_opened(source)) as zin:
        common = {
            name: zin.read(name)
            for name in (
                facts.members.get("[content_types].xml"),
                facts.members.get("_rels/.rels"),
                facts.workbook_part,
                facts.members.get(_folded(_rels_part(facts.workbook_part or ""))),
                facts.styles,
                facts.shared_strings,
            )
            if name
        }
    if facts.workbook_part in common and facts.date1904 != facts.calamine_date1904:
        common[facts.workbook_part] = _with_date_system(common[facts.workbook_part], facts.date1904)
    blocks = _utf8_blocks(_inflated(source, part))
    data = b""
    for chunk in blocks:
        data += chunk
        if _SHEETDATA.search(data) or len(data) > _HEAD_LIMIT:
            break
    start = _SHEETDATA.search(data)
    root = _ROOT.search(data)
    if start is None or root is None:
        raise NoPieces
    prefix = root.group(1) + b":" if root.group(1) else b""
    opening = re.compile(b"<" + re.escape(prefix) + rb"sheetData(?:\s[^>]*)?(/?)>")
    tag = opening.search(data, start.start())
    while tag is None:
        chunk = next(blocks, b"")
        if not chunk:
            raise NoPieces
        data += chunk
        tag = opening.search(data, start.start())
    head = _DIMENSION_ELEMENT.sub(b"", data[: tag.end()], count=1)
    closing = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
    row_end = b"</" + prefix + b"row>"
    data_end = b"</" + prefix + b"sheetData"
    carry = data[tag.end() :]
    del data
    done = False
    while not done:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
            for name, part_data in common.items():
                zout.writestr(name, part_data)
            with zout.open(part, "w") as sheet:
                sheet.write(head)
                first = _ROW_START.search(carry)
                while first is None:  # the next row's start tag, for its number
                    chunk = next(blocks, b"")
                    if not chunk:
                        break
                    carry += chunk
                    first = _ROW_START.search(carry)
                if first is None:
                    return
                number = _ROW_NUMBER.search(first.group(0))
                if number is None:
                    raise NoPieces
                row = int(number.group(1))
                if row > 1:
                    mark = row - 1
                    p = prefix
                    sheet.write(
                        b'<%srow r="%d"><%sc r="A%d" t="e"><%sv>%s</%sv></%sc></%srow>'
                        % (p, mark, p, mark, p, PIECE_MARK, p, p, p)
                    )
                written = 0
                chunk = carry
                while True:
                    if b"<!--" in chunk:
                        raise NoPieces
                    end = chunk.find(data_end)
                    cut = -1
                    if written + len(chunk) >= size:
                        cut = chunk.find(row_end, max(0, size - written), end if end >= 0 else None)
                    if cut >= 0:  # a piece is full: cut after the row that fills it
                        cut += len(row_end)
                        sheet.write(memoryview(chunk)[:cut])
                        carry = chunk[cut:]
                        break
                    if end >= 0:  # the last rows
                        sheet.write(memoryview(chunk)[:end])
                        done = True
                        break
                    sheet.write(chunk)
                    written += len(chunk)
                    chunk = next(blocks, b"")
                    if not chunk:
                        done = True
                        break
                sheet.write(closing)
        yield out.getvalue(), row


#: What marks the row before a piece's first row (`sheet_pieces`): an error value.
PIECE_MARK = b"#N/A"


def _bad_dimension(head: bytes) -> str | None:
    """The `<dimension>` text calamine 0.36 refuses, or None (also when there is none).

    calamine's `get_dimension`: one or two parts split by ':', each letters then digits with a
    row of at least 1; a `<dimension>` without `ref` is refused too.
    """
    match = _DIMENSION.search(head)
    if match is None:
        return None
    ref_match = _REF_ATTR.search(match.group(0))
    if ref_match is None:
        return match.group(0).decode("utf-8", "replace")
    ref = (ref_match.group(1) or ref_match.group(2) or b"").decode("utf-8", "replace")
    parts = ref.split(":")
    for part in parts:
        cell = _CALAMINE_CELL.match(part)
        if cell is None or int(cell.group(1)) < 1:
            return ref
    return ref if len(parts) > 2 else None


# -- the copy calamine reads ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalamineCopy:
    """The package as calamine must read it: `data` (a zip in memory) and what was changed."""

    data: bytes
    changes: tuple[str, ...]


def _utf8(stream: BinaryIO, facts: PackageFacts, part: str) -> BinaryIO:
    """The part's stream, transcoded to UTF-8 when it is in another encoding."""
    encoding = facts.encodings.get(part)
    return Utf8Part(stream, encoding) if encoding else stream  # type: ignore[return-value]


def calamine_source(path: Path, facts: PackageFacts) -> Path | CalamineCopy:
    """`path` itself, or a corrected copy in memory when calamine would misread the original.

    The copy differs only where calamine needs it (see the module docstring); every other part
    is the same. It is never written to disk or shown to the user.
    """
    if not facts.needs_copy:
        return path
    changes = []
    if facts.date1904 != facts.calamine_date1904:
        changes.append(f"datumsysteem {'1904' if facts.date1904 else '1900'}")
    changes += [f"<dimension ref='{ref}'> in {part}" for part, ref in facts.bad_dimensions.items()]
    changes += [f"{part} van {encoding} naar UTF-8" for part, encoding in facts.encodings.items()]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(path) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            name = info.filename
            with zin.open(info) as raw:
                src = _utf8(raw, facts, name)
                if name == facts.workbook_part and facts.date1904 != facts.calamine_date1904:
                    zout.writestr(name, _with_date_system(src.read(), facts.date1904))
                    continue
                with zout.open(name, "w", force_zip64=True) as dst:
                    if name in facts.bad_dimensions:
                        head, rest = _sheet_head(src)
                        dst.write(_DIMENSION_ELEMENT.sub(b"", head, count=1) + rest)
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
    return CalamineCopy(out.getvalue(), tuple(changes))


def _with_date_system(data: bytes, date1904: bool) -> bytes:
    """The workbook part ending in one more `workbookPr`: the one calamine takes (#706)."""
    end = data.rfind(b"</")
    if end < 0:
        return data
    extra = b'<workbookPr date1904="%s"/>' % (b"1" if date1904 else b"0")
    return data[:end] + extra + data[end:]


# -- sheet scans ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnknownCell:
    """A cell whose value the package does not give."""

    rij: int  # Excel row number
    kolom: int  # 0-based column index
    reden: str  # jeugdhulp.schema GEEN_UITKOMST, HERBEREKENEN or FOUTWAARDE
    formule: str | None = None  # the formula text (None for a cell without, or a shared one)
    waarde: str | None = None  # the error value or placeholder held, if any

    @property
    def ref(self) -> str:
        return f"{column_letter(self.kolom)}{self.rij}"


@dataclass(slots=True)
class SheetScan:
    """The cells of one sheet that calamine does not give as they are (`scan_sheet`)."""

    onbekend: list[UnknownCell] = field(default_factory=list)
    datums: list[tuple[int, int]] = field(default_factory=list)  # t="d" cells: (row, column)
    samengevoegd: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    formules: int = 0  # formulas seen (with or without a result)
    #: 0-based columns holding a TRUE/FALSE cell (`t="b"`): fastexcel turns such a cell into
    #: 1 or 0 in a column of numbers, so the reader takes those columns as text
    waar_onwaar: set[int] = field(default_factory=set)
    verborgen_rijen: list[int] = field(default_factory=list)  # rows hidden (filtered), Excel rows


_CHUNK = 1 << 22
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?(worksheet|chartsheet|dialogsheet)[\s>/]")
_TYPE_DE = re.compile(rb"""t=["']([deb])["']""")
_HIDDEN_ROW = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?row\s[^>]*>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")
_ATTR = re.compile(rb"""([A-Za-z_][\w.\-:]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell(?=[\s>/])[^>]*>")
_V = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?v(?:\s[^>]*)?(?:/>|>(.*?)</(?:[A-Za-z_][\w.\-]*:)?v>)", re.S
)
_ENTITIES = ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&quot;", b'"'), (b"&apos;", b"'"))


class _NoCellReference(Exception):
    """A cell that matters has no `r` attribute: its place needs the full parse."""


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ch - 64
    return index - 1


def _ref(attrs: dict[bytes, bytes]) -> tuple[int, int]:
    ref = attrs.get(b"r")
    match = _CELL_REF.match(ref.strip()) if ref is not None else None
    if match is None:
        raise _NoCellReference
    return int(match.group(2)), _column_index(match.group(1))


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _ATTR.finditer(tag)
    }


def _unescape(text: bytes) -> str:
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text.replace(b"&amp;", b"&").decode("utf-8", "replace")


class _Scanner:
    """Finds the cells of `SheetScan` in one block of complete rows of a worksheet part."""

    def __init__(self, prefix: bytes, herberekenen: bool) -> None:
        self.prefix = prefix
        self.herberekenen = herberekenen
        self.cell_start = b"<" + prefix + b"c"
        self.cell_end = b"</" + prefix + b"c>"
        self.formula = re.compile(b"<" + re.escape(prefix) + rb"f[\s>/]")
        # A formula followed by a filled result (not XlsxWriter's 0 in a workbook to recalculate):
        # when every formula of a block is one, the block needs no closer look.
        p = re.escape(prefix)
        placeholder = rb"(?!\s*0\s*</)" if herberekenen else b""
        self.formula_with_result = re.compile(
            b"<"
            + p
            + rb"f(?:\s[^>]*)?(?:/>|>[^<]*</"
            + p
            + rb"f>)\s*<"
            + p
            + rb"v(?:\s[^>/]*)?>(?!\s*</)"
            + placeholder
        )
        self.formula_end = b"</" + prefix + b"f>"
        # TRUE/FALSE cells as Excel writes them (r before t): their columns in one findall.
        self.bool_cell = re.compile(
            b"<" + p + rb"""c\s+r\s*=\s*["']\$?([A-Za-z]{1,3})[0-9]+["'][^>]*?\st\s*=\s*["']b["']"""
        )
        self.result = SheetScan()

    def _cell_tag(self, block: bytes, pos: int) -> tuple[int, int] | None:
        """(start, end) of the `<c ...>` start tag that contains position `pos` or precedes it."""
        start = block.rfind(self.cell_start, 0, pos + 1)
        while start >= 0:
            after = block[start + len(self.cell_start) : start + len(self.cell_start) + 1]
            if after in (b" ", b"\t", b"\n", b"\r", b">", b"/"):
                break
            start = block.rfind(self.cell_start, 0, start)
        if start < 0:
            return None
        end = block.find(b">", start)
        return (start, end + 1) if end >= 0 else None

    def block(self, block: bytes, end: int | None = None) -> None:
        """Look at `block[:end]`, which ends with a complete row (or the part's end)."""
        end = len(block) if end is None else end
        if b"hidden" in block:
            self._hidden_rows(block, end)
        booleans = block.count(b't="b"', 0, end) + block.count(b"t='b'", 0, end)
        if booleans:
            letters = self.bool_cell.findall(block, 0, end)
            if len(letters) == booleans:
                self.result.waar_onwaar.update(_column_index(letter) for letter in set(letters))
                booleans = 0  # all found: the loop below can pass them by
        for match in _TYPE_DE.finditer(block, 0, end):
            if match.group(1) == b"b" and not booleans:
                continue
            if block[match.start() - 1 : match.start()] not in (b" ", b"\t", b"\n", b"\r"):
                continue
            tag = self._cell_tag(block, match.start())
            if tag is None or not tag[0] < match.start() < tag[1]:
                continue
            attrs = _attrs(block[tag[0] : tag[1]])
            if attrs.get(b"t") not in (b"d", b"e", b"b"):
                continue
            row, col = _ref(attrs)
            if attrs[b"t"] == b"d":
                self.result.datums.append((row, col))
                continue
            if attrs[b"t"] == b"b":
                self.result.waar_onwaar.add(col)
                continue
            close = block.find(self.cell_end, tag[1])
            body = block[tag[1] : close if close >= 0 else len(block)]
            value = _V.search(body)
            formula = self._formula_text(body)
            error = _unescape(value.group(1)).strip() if value and value.group(1) else None
            self.result.onbekend.append(UnknownCell(row, col, "foutwaarde", formula, error))
        formulas = len(self.formula.findall(block, 0, end))
        if formulas == len(self.formula_with_result.findall(block, 0, end)):
            self.result.formules += formulas
            return
        for match in self.formula.finditer(block, 0, end):
            self.result.formules += 1
            tag = self._cell_tag(block, match.start())
            if tag is None:
                continue
            attrs = _attrs(block[tag[0] : tag[1]])
            kind = attrs.get(b"t", b"n")
            if kind == b"e":
                continue  # an error value: found above
            close = block.find(self.cell_end, match.start())
            body = block[tag[1] : close if close >= 0 else len(block)]
            value = _V.search(body)
            held = value.group(1) if value else None
            text = None if held is None else _unescape(held)
            if held is None or (held.strip() == b"" and kind != b"str"):
                reden = "geen uitkomst"
            elif self.herberekenen and (held.strip() in (b"", b"0")):
                reden = "herberekenen"
            else:
                continue
            row, col = _ref(attrs)
            formula = self._formula_text(body)
            self.result.onbekend.append(UnknownCell(row, col, reden, formula, text or None))
            tag_end = block.find(b">", match.start())
            spill = _array_range(_attrs(block[match.start() : tag_end + 1]))
            self.result.onbekend += _spilled(spill, row, col, reden, formula)

    def _hidden_rows(self, block: bytes, end: int) -> None:
        for match in _HIDDEN_ROW.finditer(block, 0, end):
            tag = match.group(0)
            if _HIDDEN_ATTR.search(tag):
                number = _ROW_NUMBER.search(tag)
                if number is not None:
                    self.result.verborgen_rijen.append(int(number.group(1)))

    def _formula_text(self, body: bytes) -> str | None:
        match = self.formula.search(body)
        if match is None:
            return None
        close = body.find(b">", match.start())
        if close < 0 or body[close - 1 : close] == b"/":
            return None
        end = body.find(self.formula_end, close)
        text = _unescape(body[close + 1 : end if end >= 0 else len(body)]).strip()
        return text or None

    def merges(self, block: bytes) -> None:
        for match in _MERGE.finditer(block):
            ref = _REF_ATTR.search(match.group(0))
            if ref is None:
                continue
            text = ref.group(1) if ref.group(1) is not None else ref.group(2)
            first, _, last = text.strip().partition(b":")
            a, b = _CELL_REF.match(first), _CELL_REF.match(last or first)
            if a is None or b is None:
                continue
            r1, c1 = int(a.group(2)), _column_index(a.group(1))
            r2, c2 = int(b.group(2)), _column_index(b.group(1))
            if (r1, c1) != (r2, c2):
                self.result.samengevoegd.append(
                    (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
                )


def _array_range(attrs: dict[bytes, bytes]) -> tuple[int, int, int, int] | None:
    """The range (r1, c1, r2, c2; columns 0-based) of an array formula (`<f t="array"
    ref="J2:J4">`, also a dynamic array), else None."""
    if attrs.get(b"t") != b"array" or b"ref" not in attrs:
        return None
    first, _, last = attrs[b"ref"].strip().partition(b":")
    a, b = _CELL_REF.match(first), _CELL_REF.match(last or first)
    if a is None or b is None:
        return None
    return (int(a.group(2)), _column_index(a.group(1)), int(b.group(2)), _column_index(b.group(1)))


def _spilled(
    spill: tuple[int, int, int, int] | None, row: int, col: int, reden: str, formula: str | None
) -> list[UnknownCell]:
    """The other cells of an array formula whose anchor has no result: the file holds nothing
    (openpyxl) or a placeholder (XlsxWriter writes 0 in every cell) for them, so they are
    unknown for the same reason."""
    if spill is None:
        return []
    r1, c1, r2, c2 = spill
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 1_000_000:  # a range beyond any production sheet
        r2 = min(r2, r1 + 1_000_000 // (c2 - c1 + 1))
    return [
        UnknownCell(r, c, reden, formula, None)
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
        if (r, c) != (row, col)
    ]


def _row_boundary(data: bytes, prefix: bytes) -> int:
    """The end of the last complete row (`</row>`) in `data`, or -1."""
    close = b"</" + prefix + b"row>"
    end = data.rfind(close)
    return -1 if end < 0 else end + len(close)


def scan_sheet(path: Path, part: str, *, herberekenen: bool = False) -> SheetScan:
    """The cells of a worksheet part that calamine does not give as they are.

    Streams the part in blocks of complete rows and searches each for formulas (`<f`), typed
    cells `t="d"` / `t="e"` and merged ranges; only the cells found are looked at closer. A cell
    found without an `r` attribute (allowed, rare) sends the sheet to a full parse
    (`scan_sheet_parsed`), which gives the same result.
    """
    try:
        return _scan_streamed(path, part, herberekenen)
    except _NoCellReference:
        return scan_sheet_parsed(path, part, herberekenen=herberekenen)


def _opened(source: Path | bytes) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


def _inflated(path: Path | bytes, part: str) -> Iterator[bytes]:
    """The member `part` of the zip at `path` (or in these bytes), inflated in blocks (ISA-L
    where it can)."""
    with zipfile.ZipFile(_opened(path)) as zf:
        info = zf.getinfo(part)
        if info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED) or (
            info.flag_bits & 0x01
        ):
            with zf.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    yield chunk
            return
    with _opened(path) as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
        if header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {part}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        handle.seek(info.header_offset + 30 + name_length + extra_length)
        remaining = info.compress_size
        inflater = _inflate.decompressobj(-15) if info.compress_type else None
        while remaining:
            raw = handle.read(min(remaining, _CHUNK // 4))
            if not raw:
                raise zipfile.BadZipFile(f"truncated member {part}")
            remaining -= len(raw)
            data = raw if inflater is None else inflater.decompress(raw)
            if not remaining and inflater is not None:
                data += inflater.flush()
            if data:
                yield data


def _utf8_blocks(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """A part's blocks as UTF-8 (the byte scans look for UTF-8 patterns): transcoded when the
    first block shows another encoding (`foreign_encoding`)."""
    first = next(blocks, b"")
    encoding = foreign_encoding(first[:512]) if first else None
    if encoding is None:
        yield first
        yield from blocks
        return

    class _Rest:
        def read(self, _size: int = -1) -> bytes:
            return next(blocks, b"")

    part = Utf8Part(_Rest(), encoding, first)  # type: ignore[arg-type]
    while data := part.read(_CHUNK):
        yield data


def _scan_streamed(path: Path, part: str, herberekenen: bool) -> SheetScan:
    blocks = _utf8_blocks(_inflated(path, part))
    data = b""
    for chunk in blocks:
        data += chunk
        if len(data) >= 65536:
            break
    root = _ROOT.search(data[:65536])
    if root is None or root.group(2) != b"worksheet":
        return SheetScan()
    prefix = root.group(1) + b":" if root.group(1) else b""
    scanner = _Scanner(prefix, herberekenen)
    pending, size = [data], len(data)
    for chunk in blocks:
        pending.append(chunk)
        size += len(chunk)
        if size < _CHUNK:
            continue
        data = b"".join(pending)
        cut = _row_boundary(data, prefix)
        if cut > 0:
            scanner.block(data, cut)  # bounds, not a slice: no copy of the block
            data = data[cut:]
        pending, size = [data], len(data)
    # The end: what follows the last row (the merged ranges come after sheetData).
    data = b"".join(pending)
    scanner.block(data)
    if b"mergeCell" in data:
        scanner.merges(data)
    return scanner.result


def scan_sheet_parsed(path: Path, part: str, *, herberekenen: bool = False) -> SheetScan:
    """`scan_sheet` by a full (streamed) XML parse: slow, for sheets whose cells lack `r`."""
    result = SheetScan()
    row, col = 0, -1
    with zipfile.ZipFile(path) as zf, zf.open(part) as stream:
        for event, element in etree.iterparse(stream, events=("start", "end"), huge_tree=True):
            local = etree.QName(element).localname
            if event == "start":
                if local == "row":
                    r = element.get("r")
                    row = int(r) if r and r.isdigit() else row + 1
                    col = -1
                    if (element.get("hidden") or "").strip() in ("1", "true"):
                        result.verborgen_rijen.append(row)
                elif local == "c":
                    ref = element.get("r")
                    match = _CELL_REF.match(ref.strip().encode()) if ref else None
                    col = _column_index(match.group(1)) if match else col + 1
                continue
            if local == "c":
                _parsed_cell(element, row, col, herberekenen, result)
                element.clear(keep_tail=True)
            elif local == "mergeCell":
                scanner = _Scanner(b"", herberekenen)
                scanner.merges(etree.tostring(element))
                result.samengevoegd += scanner.result.samengevoegd
            elif local == "row":
                element.clear(keep_tail=True)
    return result


def _parsed_cell(element, row: int, col: int, herberekenen: bool, result: SheetScan) -> None:
    kind = element.get("t") or "n"
    children = {etree.QName(child).localname: child for child in element}
    formula = children.get("f")
    value = children.get("v")
    formula_text = (formula.text or "").strip() or None if formula is not None else None
    held = None if value is None else (value.text or "")
    if formula is not None:
        result.formules += 1
    if kind == "d":
        result.datums.append((row, col))
    elif kind == "b":
        result.waar_onwaar.add(col)
    elif kind == "e":
        error = held.strip() if held and held.strip() else None
        result.onbekend.append(UnknownCell(row, col, "foutwaarde", formula_text, error))
    elif formula is not None:
        if held is None or (held.strip() == "" and kind != "str"):
            reden = "geen uitkomst"
        elif herberekenen and held.strip() in ("", "0"):
            reden = "herberekenen"
        else:
            return
        result.onbekend.append(UnknownCell(row, col, reden, formula_text, held or None))
        attrs = {k.encode(): v.encode() for k, v in formula.attrib.items()}
        result.onbekend += _spilled(_array_range(attrs), row, col, reden, formula_text)
