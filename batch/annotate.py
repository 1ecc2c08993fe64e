"""Write check findings back into the user's workbook without losing anything of it.

The annotator edits the workbook's zip package directly instead of loading and saving it with a
spreadsheet library (which would drop charts, pivot tables, VBA, comments and whatever else it
does not model). What it changes:

- a sheet ``Controle`` is added as the first tab, laid out by `jeugdhulp.controle_layout`: the
  verdict, the counts and "hoe herstel ik dit" per check, what was read and checked, the audit
  trail, then one row per finding with a link to the cell and a filter on its header (texts
  wrap, rows get the height of their text; printed landscape, as wide as the page, with the
  header repeated on every page); with the catalogue (`Verantwoording.controles`) a second
  sheet ``Controlelijst`` lists every check and what it did in this run;
- the workbook opens on Controle: it is the active tab and the only selected one;
- every flagged cell gets a conditional format (red for *fout*, orange for *waarschuwing*) in
  its own sheet, the cells merged into as few rectangles as possible;
- the parts that have to know about that: ``[Content_Types].xml``, the workbook part and its
  relationships, the styles part, the worksheet parts that get marks, and the head of a sheet
  whose tab was selected (only its ``tabSelected`` is cut, byte for byte).

Those parts are edited with lxml (`batch._ooxml`): prefixes, attribute order, comments and
whitespace stay as they were, and every new element is made in the namespace the part uses
(Strict OOXML too). Every other zip member is copied as raw compressed bytes, so it stays
byte for byte identical. Worksheets are streamed: only the small head and tail around
``sheetData`` are parsed and edited, so a sheet of a million rows costs an
inflate-and-deflate pass, not a parse.
The zip is laid out as Excel writes it (`batch._zip`), and the copy is checked
(`batch.verify`) before it replaces anything: a copy with a problem the annotator made is not
written (`NietTeSchrijven`), the original is untouched.

**Re-running** replaces only what the tool wrote. The tool names its sheets and every sheet it
marked with a hidden, workbook-scoped defined name (``jeugdhulp_controle``,
``jeugdhulp_controlelijst`` and ``jeugdhulp_markering1``, ... pointing at the sheet's
``$A$1``): such a name follows the sheet
when the user renames it, but copying a sheet never gives the copy a workbook-scoped name
(Excel may give it a sheet-scoped one, which the tool ignores), and Excel and LibreOffice keep
defined names when they save. So a user's copy of an earlier Controle sheet ("Controle (2)")
is kept with its notes, and so are the marks a copied sheet carries. The earlier Controle sheet
is replaced when it still has a Controle name (``Controle`` or ``Controle (n)``); one the user
renamed to something else is kept as theirs; the same for the Controlelijst. Only the tool's own conditional-format rules
(their formula holds the marker ``jeugdhulp-controle``) are removed; a
``<conditionalFormatting>`` that also holds rules of the user keeps those. The new Controle
sheet takes the old one's ``sheetId``, relationship id and part name.

*Fallback for files written by the previous version* (no defined names): the earlier Controle
sheet is the first tab, when it has a Controle name and its worksheet carries the marker (the
previous version always put its sheet first). A sheet with a Controle name and the marker
anywhere else is a copy the user made (Excel puts a copy last unless told otherwise) or a
sheet the user moved, and is kept; marks are removed from every other worksheet.

Controle becomes the active tab, and every other tab is unselected: a workbook whose active
tab and selected tabs disagree opens with grouped sheets in Excel (and an edit would then go
into all of them). A worksheet is unselected in its head while it is streamed anyway (a sheet
with marks) or just for that (another inflate-and-deflate pass, only for the sheet that was
selected); a chart sheet is a small part, edited whole.

What goes with a replaced Controle sheet: the parts only it led to (comments, VML, drawings,
images, printer settings; found through every relationships part, so a part another one still
uses stays) and the calculation chain when it names cells of it (Excel rebuilds a missing one).
``docProps/app.xml`` gets the new sheet list. The tool's mark formats go past every ``dxfId``
the package points at, so a rule the original already had broken never turns red. Every copy
records when it was written (``jeugdhulp_geschreven``, equal to the file's modification time,
`batch.package.unchanged_copy`), so a copy the user changed since is never overwritten
(`batch.files.why_not_replace`).

**Excel's limits** on the Controle sheet: a text longer than 32.767 characters is cut and
ends in a visible "…"; when there are more findings than rows (1.048.576), as many as fit are
listed and the last row says how many more there are and where they are (the JSON report);
at most 65.530 cells get a hyperlink.

Relationship targets and content-type part names are matched to zip members
case-insensitively (OPC part names are), and the written copy uses the members' own spelling.

A CSV source becomes a new xlsx (one sheet of text cells, named after the file) that then gets
the same treatment.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import operator
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import polars as pl
from lxml import etree

from batch._ooxml import (
    CT_NS,
    MAIN_NS,
    REL_NS,
    STRICT_MAIN_NS,
    STRICT_REL_NS,
    STYLES_CT,
    WORKSHEET_CT,
    Skeleton,
    XmlFout,
    canonical,
    child,
    children,
    clean_text,
    clear_tab_selected,
    edit_sheet_head,
    insert_in_order,
    local_name,
    namespace_of,
    parse_part,
    read_head,
    rel_namespace,
    relative_target,
    rels_part_of,
    resolve_target,
    serialize_part,
    stream_sheet,
    unselect_head,
)
from batch._zip import InflateError, ParallelDeflateMember, copy_member_raw, write_member
from batch.files import PendingWrite, is_read_only, opened_by, output_path_for, real_target, shown
from batch.package import (
    STAMP_NAME,
    NietTeSchrijven,
    PackageIndex,
    PakketFout,
    check_for_writing,
    new_stamp,
    open_member,
    read_member,
    reason_of,
    stamp_text,
)
from batch.verify import Changed, verify_copy
from jeugdhulp.cells import column_index
from jeugdhulp.controle_layout import (
    CATALOGUE_HEADER_ROW,
    CATALOGUE_HEADERS,
    CATALOGUE_SHEET,
    CATALOGUE_WIDTHS,
    COLOURS,
    CONTROLE_SHEET,
    FIELDS,
    FORMULA_START,
    HEADERS,
    LINE_HEIGHT,
    LINK_COLUMN,
    MAX_ROW_HEIGHT,
    NO_FINDINGS,
    SEVERITIES,
    STATUS_COLOURS,
    WIDTHS,
    WRAPPED,
    Regel,
    Verantwoording,
    catalogue_rows,
    controle_top,
    line_counts,
    mark_blocks,
    with_cell_refs,
)
from jeugdhulp.errors import JeugdhulpError, OngeldigeInvoer
from jeugdhulp.findings import FINDING_FIELDS, Finding, column_letter
from jeugdhulp.schema import BladGelezen

__all__ = [
    "CONTROLE_NAME",
    "CONTROLE_SHEET",
    "MARKER",
    "MARKS_NAME",
    "AnnotateResult",
    "NietTeSchrijven",
    "WerkmapOpen",
    "annotate_workbook",
    "output_path_for",
]

#: Text inside the conditional-format formulas the annotator writes; identifies its own rules.
MARKER = "jeugdhulp-controle"
#: Hidden workbook-scoped defined names pointing at the tool's Controle and Controlelijst.
CONTROLE_NAME = "jeugdhulp_controle"
CATALOGUE_NAME = "jeugdhulp_controlelijst"
#: Prefix of the hidden defined names pointing at each sheet the tool marked (plus 1, 2, ...).
MARKS_NAME = "jeugdhulp_markering"
#: Excel refuses more hyperlinks than this on one sheet.
MAX_HYPERLINKS = 65_530
#: Rows of an Excel sheet, and characters in one cell.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_TEXT = 32_767
_DXF_COLOURS = {s: (f"FF{text}", f"FF{fill}") for s, (text, fill) in COLOURS.items()}
_CONTROLE_SHEET_NAME = re.compile(r"controle(?: \((\d+)\))?", re.IGNORECASE)
_CATALOGUE_SHEET_NAME = re.compile(r"controlelijst(?: \((\d+)\))?", re.IGNORECASE)
_NAME_TARGET = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^!']+))!\$?A\$?1$")
_SQREF_AREAS = 1000
#: Members the reader inflates and CRC-checks before any write (`batch.package`); the others
#: are checked while they are copied.
_CHECKED_WHEN_READ = (".xml", ".rels", ".vml")
#: A reference to a differential format: ``dxfId`` (conditional formats, pivot formats, table
#: styles) and the tables' ``headerRowDxfId``, ``dataDxfId``, ... (ECMA-376 18.5.1.2).
_DXF_ID = re.compile(rb"""[dD]xfId\s*=\s*["']\s*(\d{1,9})\s*["']""")
#: Rows of the Controle sheet turned into XML per batch (bounds the memory of a huge list).
_ROW_BATCH = 100_000
#: Deflate level for rewritten sheets (ISA-L, see batch._zip): level 1 is the fastest; the
#: sheet comes out some 20% larger than Excel's own, and Excel recompresses it on the next save
#: (benchmarks/bench_annotate.py compares the levels).
COMPRESS_LEVEL = 1
_REL_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_TYPES = STRICT_REL_NS
# CT_Worksheet (ECMA-376 part 1, 18.3.1.99): the elements that may precede conditionalFormatting.
_BEFORE_CF = (
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
)
# CT_Workbook order (18.2.27), to place definedNames / bookViews the workbook lacks.
_WORKBOOK_ORDER = (
    "fileVersion",
    "fileSharing",
    "workbookPr",
    "workbookProtection",
    "bookViews",
    "sheets",
    "functionGroups",
    "externalReferences",
    "definedNames",
)
# CT_Stylesheet order (18.8.39), to place a collection the styles part lacks.
_STYLE_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)
_MINIMAL_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
).encode()


_COLUMN_FIELDS = FIELDS
assert sorted(FIELDS) == sorted(FINDING_FIELDS) and len(FIELDS) == len(HEADERS)


class WerkmapOpen(NietTeSchrijven):
    """The target workbook is open in Excel (its owner file ``~$name`` exists)."""

    def __init__(self, message: str) -> None:
        JeugdhulpError.__init__(self, message)
        self.bestand = ""
        self.reden = message


@dataclass(frozen=True, slots=True)
class AnnotateResult:
    target: Path
    findings_written: int
    cells_marked: int
    #: what the user must know about the written file (Dutch, one sentence each): a digital
    #: signature that no longer holds, a protected structure, a part that was damaged in the
    #: original already, an owner that could not be kept
    meldingen: tuple[str, ...] = ()


def annotate_workbook(
    source: Path,
    findings: Sequence[Finding] | pl.DataFrame,
    target: Path,
    *,
    verantwoording: Verantwoording,
    rapport: Path | None = None,
) -> AnnotateResult:
    """Write `findings` into a copy of `source` at `target` (which may be `source` itself).

    `findings` is a polars frame with exactly the columns `FINDING_FIELDS` (or a list of
    `Finding`). `verantwoording` is what the Controle sheet says besides the findings (the
    verdict, what was read and checked, the audit trail: `jeugdhulp.controle_layout`); with its
    `controles` (the catalogue) the sheet Controlelijst is written too. `rapport`: the JSON
    report that holds every finding, named on the Controle sheet when there are more findings
    than rows.

    The write is atomic and checked: a temporary file in the target's folder replaces the
    target only when complete and valid (`batch.verify`); a symlink target is written through.
    Raises `WerkmapOpen` when Excel has the target open, `NietTeSchrijven` (Dutch message
    naming the file and the reason) when the package cannot be copied validly, `OngeldigeInvoer`
    for a source that is not a workbook or a target with the wrong extension, and `OSError` for
    the file system (disk full, no permission). The target is untouched in every case.
    """
    source, target = Path(source), Path(target)
    frame = _as_frame(findings)
    _check_suffixes(source, target)
    _refuse_link_to_source(source, target)
    if is_read_only(real_target(target)):
        raise NietTeSchrijven(
            source.name,
            f"'{shown(target.name)}' is alleen-lezen (of u mag het niet wijzigen); het is niet "
            "vervangen. Maak het bestand beschrijfbaar als het vervangen mag worden.",
        )
    _refuse_if_open(target)
    _refuse_if_open(real_target(target))
    options = _Options(verantwoording, rapport)
    if source.suffix.lower() == ".csv":
        sheet = _csv_sheet_name(source)
        folder = real_target(target).parent
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".jeugdhulp-csv-") as scratch:
            _csv_to_xlsx(source, scratch, sheet, _production_read(verantwoording, source))
            scratch.seek(0)
            return _write(
                source, target, lambda: contextlib.nullcontext(scratch), frame, options, sheet
            )
    with open(source, "rb") as raw:
        if not zipfile.is_zipfile(raw):
            raise OngeldigeInvoer(
                f"'{shown(source.name)}' is geen xlsx- of xlsm-werkmap (of is met een wachtwoord "
                "beveiligd); sla het bestand in Excel op als .xlsx en probeer opnieuw."
            )
    return _write(source, target, lambda: open(source, "rb"), frame, options, None)


def _write(
    source: Path,
    target: Path,
    opener: Callable[[], contextlib.AbstractContextManager[BinaryIO]],
    frame: pl.DataFrame,
    options: _Options,
    only_sheet: str | None,
) -> AnnotateResult:
    """Write the copy beside `target`, verify it, and only then (with the source closed: on
    Windows a file cannot be renamed over while open) put it in place."""
    name = source.name
    permissions = real_target(target) if target.exists() else source
    try:
        with PendingWrite(target, permissions_of=permissions) as pending:
            with opener() as raw, zipfile.ZipFile(raw) as zin:
                plan = _Plan(zin, raw, frame, options, only_sheet)
                pending.mtime_ns = plan.stamp  # the copy's time is its stamp (unchanged_copy)
                pending.write(plan.write)
                problems = verify_copy(pending.path, zin, plan.changed)
            if problems:
                listed = "; ".join(problems[:3])
                more = f" (en nog {len(problems) - 3})" if len(problems) > 3 else ""
                raise NietTeSchrijven(
                    name,
                    "de kopie zou niet geldig zijn, dus Excel zou haar weigeren "
                    f"({listed}{more}). Meld dit bij de beheerder van het hulpmiddel.",
                )
            pending.commit()
        meldingen = _notes(plan, in_place=pending.target == real_target(source))
        if pending.owner_kept is False:
            meldingen.append(
                f"'{shown(pending.target.name)}' had een andere eigenaar of groep; die kon niet "
                "behouden worden (alleen een beheerder mag dat), het bestand is nu van de "
                "gebruiker die de controle draaide."
            )
        return AnnotateResult(target, plan.findings_written, plan.cells_marked, tuple(meldingen))
    except PakketFout as exc:
        raise NietTeSchrijven(name, str(exc)) from None
    except XmlFout as exc:
        raise NietTeSchrijven(name, f"een onderdeel is geen geldige XML ({exc}).") from None
    except RecursionError:
        raise NietTeSchrijven(
            name, "een onderdeel is dieper genest dan een werkmap ooit is; het is niet bewerkt."
        ) from None
    except (zipfile.BadZipFile, *InflateError) as exc:
        part = getattr(exc, "name", None) or "?"
        reason = reason_of(exc, part) or f"het zip-archief is beschadigd ({exc})."
        raise NietTeSchrijven(name, reason) from None


def _refuse_link_to_source(source: Path, target: Path) -> None:
    """A copy's path that is a symbolic link to the source itself would replace the source
    (a write goes through a link, `batch.files.real_target`): only the source's own path may
    do that (``--vervang``)."""
    if os.path.abspath(target) != os.path.abspath(source) and os.path.realpath(
        target
    ) == os.path.realpath(source):
        raise NietTeSchrijven(
            source.name,
            f"'{shown(target.name)}' is een koppeling naar de werkmap zelf; de kopie zou het "
            "origineel vervangen. Verwijder de koppeling (of gebruik --vervang als u het "
            "origineel wilt laten vervangen).",
        )


def _notes(plan: _Plan, *, in_place: bool) -> list[str]:
    """What the user must know about a written file (Dutch): what in it no longer holds or
    cannot be undone by hand, and what was damaged before the tool touched it. `in_place`:
    the file is the user's workbook itself (--vervang), not a copy beside it."""
    it = "het bestand zelf (--vervang)" if in_place else "de gecontroleerde kopie"
    notes = []
    if plan.signed:
        notes.append(
            f"De werkmap was digitaal ondertekend; voor {it} geldt die handtekening niet meer "
            "(het blad Controle en de markeringen zijn toegevoegd): Excel meldt haar als "
            "ongeldig." + ("" if in_place else " Het ondertekende origineel is ongewijzigd.")
        )
    if plan.structure_locked:
        notes.append(
            "De structuur van de werkmap is met een wachtwoord beveiligd; die beveiliging is "
            f"gebleven, dus in {it} kan het blad Controle alleen met dat wachtwoord verwijderd, "
            "verplaatst of hernoemd worden (opnieuw controleren vervangt het wel)."
        )
    if plan.damaged:
        listed = ", ".join(f"'{p}'" for p in plan.damaged[:3])
        more = f" en nog {len(plan.damaged) - 3}" if len(plan.damaged) > 3 else ""
        notes.append(
            f"Onderdeel {listed}{more} was al beschadigd in de werkmap (het controlegetal "
            f"klopt niet) en is ongewijzigd overgenomen; Excel kan {it} daardoor willen "
            "herstellen. Sla het origineel opnieuw op in Excel om dat te verhelpen."
        )
    return notes


def _check_suffixes(source: Path, target: Path) -> None:
    """Excel refuses a workbook whose extension does not match its content type."""
    wanted = ".xlsx" if source.suffix.lower() == ".csv" else source.suffix.lower()
    if target.suffix.lower() != wanted:
        raise OngeldigeInvoer(
            f"De gecontroleerde werkmap van '{shown(source.name)}' moet op '{wanted}' eindigen, "
            f"niet '{shown(target.name)}'."
        )


# --- input --------------------------------------------------------------------------------

_FRAME_SCHEMA = {f: (pl.Int64 if f == "rij" else pl.String) for f in FINDING_FIELDS}


def _as_frame(findings: Iterable[Finding] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(findings, pl.DataFrame):
        if sorted(findings.columns) != sorted(FINDING_FIELDS):
            raise OngeldigeInvoer(
                "Het overzicht van bevindingen heeft niet de verwachte kolommen "
                f"({', '.join(FINDING_FIELDS)}), maar ({', '.join(findings.columns)})."
            )
        frame = findings.select(FINDING_FIELDS)
    else:
        fields = operator.attrgetter(*FINDING_FIELDS)
        frame = pl.DataFrame([fields(f) for f in findings], schema=_FRAME_SCHEMA, orient="row")
    return frame.with_columns(
        pl.col("rij").cast(pl.Int64, strict=False).fill_null(0),
        *[pl.col(c).cast(pl.String).fill_null("") for c in FINDING_FIELDS if c != "rij"],
    )


def _refuse_if_open(target: Path) -> None:
    """Refuse a target that Excel (owner file ``~$NAAM``) or LibreOffice (``.~lock.NAAM#``)
    has open: writing it would lose what the user does there, or be lost when they save."""
    program = opened_by(target)
    if program is not None:
        lock = f"~${target.name}" if program == "Excel" else f".~lock.{target.name}#"
        raise WerkmapOpen(
            f"'{shown(target.name)}' is geopend in {program}; sluit het bestand en probeer "
            f"opnieuw. (Is {program} niet open, dan is '{shown(lock)}' blijven staan: "
            "verwijder dat bestand.)"
        )


def _production_read(verantwoording: Verantwoording, source: Path) -> BladGelezen | None:
    """What the reader read of a CSV's production (its header row, its column mapping)."""
    for blad in verantwoording.gelezen:
        if blad.rol == "productie" and blad.bestand == source.name:
            return blad
    return None


def _csv_sheet_name(source: Path) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", shown(source.stem)).strip("'")[:31]
    if not name or _CONTROLE_SHEET_NAME.fullmatch(name) or name.lower() == "history":
        return "Gegevens"
    return name


#: A Dutch number a CSV cell may be typed as, losing nothing: an optional minus, a whole part
#: without a leading zero (thousands dots only together with a decimal comma: "1.200" alone is
#: ambiguous and stays text), decimals after a comma.
_CSV_NUMBER = re.compile(r"-?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:\.\d{3})+(?=,))(?:,(\d+))?")
_CSV_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(?:\.\d{3})+")
_CSV_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_CSV_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _csv_cell(text: str, kind: str | None, dutch: bool = False) -> tuple[object, str] | None:
    """A CSV text typed as Excel would hold it, with the number format that shows exactly the
    text again ("1.200,50": 1200.5 shown as #,##0.00; "01-03-2023": a date shown as
    dd-mm-yyyy), or None: it stays text (ambiguous, a leading zero, more than 15 digits, a
    date Excel's calendar cannot hold). `kind`: "getal" or "datum", from the column's field;
    `dutch`: the file's amounts show the Dutch convention (a decimal comma), so "1.200" is
    1200, as the reader took it (`jeugdhulp.parse`)."""
    if kind == "getal":
        m = _CSV_NUMBER.fullmatch(text)
        if m is None and dutch and _CSV_THOUSANDS.fullmatch(text):
            if len(re.sub(r"\D", "", text)) <= 15:
                return float(text.replace(".", "")), "#,##0"
            return None
        if m is None or len(re.sub(r"\D", "", text)) > 15:
            return None
        decimals = len(m.group(1) or "")
        whole = "#,##0" if "." in text else "0"
        value = float(Decimal(text.replace(".", "").replace(",", ".")))
        return value, whole + ("." + "0" * decimals if decimals else "")
    if kind == "datum":
        if m := _CSV_DATE.fullmatch(text):
            day, month, year = (int(g) for g in m.groups())
            shown = ("dd" if len(m.group(1)) == 2 else "d") + "-"
            shown += ("mm" if len(m.group(2)) == 2 else "m") + "-yyyy"
        elif m := _CSV_ISO_DATE.fullmatch(text):
            year, month, day = (int(g) for g in m.groups())
            shown = "yyyy-mm-dd"
        else:
            return None
        try:
            date = dt.date(year, month, day)
        except ValueError:
            return None
        if date < dt.date(1900, 3, 1):  # before Excel's 1900 leap-year bug: keep the text
            return None
        return date, shown
    return None


def _csv_kinds(gelezen: BladGelezen | None) -> dict[int, str]:
    """Per 0-based column the kind of value its field holds ("getal", "datum"), from the
    reader's column mapping; identifiers (BSN, codes) are not typed: they stay text."""
    from jeugdhulp.columns import QUANTITY_COLUMNS
    from jeugdhulp.schema import PRODUCTIE

    if gelezen is None:
        return {}
    quantities = {q.naam for q in QUANTITY_COLUMNS}
    kinds = {}
    for kolom in gelezen.kolommen:
        dtype = PRODUCTIE.get(kolom.veld)
        if kolom.veld in quantities or isinstance(dtype, pl.Decimal):
            kinds[column_index(kolom.letter)] = "getal"
        elif dtype == pl.Date:
            kinds[column_index(kolom.letter)] = "datum"
    return kinds


def _csv_to_xlsx(
    source: Path, out: BinaryIO, sheet: str, gelezen: BladGelezen | None = None
) -> None:
    """The CSV as one sheet, losing nothing: every cell shows exactly its text. Cells in a
    column the reader mapped to an amount or a date, below the header, are typed (numbers,
    dates) where the text has one reading that a number format shows again (`_csv_cell`);
    everything else stays text. The header (`gelezen.kopregel`, the reader's) is bold and
    frozen, and the columns are as wide as their text."""
    import xlsxwriter  # only the CSV path needs it

    from batch.reader import decode_csv, sniff_delimiter  # the reader's rules: same cells

    text = decode_csv(source.read_bytes())
    delimiter = sniff_delimiter(text)
    records = list(csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter))
    rows = len(records)
    width = max((len(record) for record in records), default=0)
    if rows > MAX_ROWS or width > MAX_COLUMNS:
        too_big = (
            f"{_dutch_int(rows)} regels, meer dan de {_dutch_int(MAX_ROWS)} rijen"
            if rows > MAX_ROWS
            else f"{_dutch_int(width)} kolommen, meer dan de {_dutch_int(MAX_COLUMNS)} kolommen"
        )
        raise NietTeSchrijven(
            source.name,
            f"de csv heeft {too_big} van een Excel-blad; een werkmap zou niet alles bevatten "
            "(en koppelingen naar cellen buiten het blad), dus er is geen werkmap geschreven.",
        )
    header = gelezen.kopregel if gelezen is not None and gelezen.kopregel else 0
    first_header = header - (gelezen.koprijen if gelezen is not None else 1) + 1
    kinds = _csv_kinds(gelezen)
    # the reader's evidence for "1.200": a decimal comma elsewhere in the amounts, no point
    amounts = [
        record[c]
        for record in records[header:]
        for c, kind in kinds.items()
        if kind == "getal" and c < len(record)
    ]
    dutch = any(re.fullmatch(r"-?[\d.]*\d,\d+", v) for v in amounts) and not any(
        re.fullmatch(r"-?[\d,]*\d\.\d{1,2}", v) for v in amounts
    )
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet_obj = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True})
    formats: dict[str, object] = {}
    widths = [0] * width
    for record in records:
        for c, value in enumerate(record):
            widths[c] = max(widths[c], len(value))
    for c, chars in enumerate(widths):
        if chars:
            sheet_obj.set_column(c, c, min(max(chars + 2, 8), 60))
    if header:
        sheet_obj.freeze_panes(header, 0)
    for r, record in enumerate(records):
        in_header = first_header <= r + 1 <= header
        for c, value in enumerate(record):
            if value == "":
                continue
            typed = _csv_cell(value, kinds.get(c), dutch) if r + 1 > header else None
            if typed is None:
                sheet_obj.write_string(r, c, _fit_raw(value), bold if in_header else None)
                continue
            number, shown = typed
            if shown not in formats:
                formats[shown] = book.add_format({"num_format": shown})
            if isinstance(number, dt.date):
                sheet_obj.write_datetime(r, c, number, formats[shown])
            else:
                sheet_obj.write_number(r, c, number, formats[shown])
    if rows and width:
        sheet_obj.ignore_errors({"number_stored_as_text": f"A1:{column_letter(width - 1)}{rows}"})
    book.close()


# --- the package ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Options:
    verantwoording: Verantwoording
    rapport: Path | None


@dataclass(slots=True)
class _Sheet:
    index: int
    element: etree._Element
    name: str
    rel_id: str
    part: str | None  # the zip member (its own spelling), None when missing
    is_worksheet: bool


@dataclass(slots=True)
class _Styles:
    title: int
    header: int
    section: int
    link: int
    top: int  # top-aligned (a value beside wrapped text)
    number: int  # a count: top-aligned and centred
    wrap: int  # wraps, top-aligned
    guarded: int  # text that looks like a formula: quote prefix
    guarded_wrap: int
    status: dict[str, int]  # the verdict's colours per status
    dxf: dict[str, int]
    #: the dxf indices this run added, and the neutral (empty) one a rewritten sheet's rule
    #: pointing into them is moved to (it pointed past the end: a broken reference)
    dxf_added: range = range(0)
    neutral: int | None = None

    def of(self, style: str, value: str | int) -> int:
        """The cell format of a layout style (`jeugdhulp.controle_layout.Cel`)."""
        looks_like_formula = isinstance(value, str) and value.startswith(FORMULA_START)
        if style.startswith("status:"):
            return self.status.get(style.partition(":")[2], self.wrap)
        if style == "titel":
            return self.title
        if style == "sectie":
            return self.section
        if style == "kop":
            return self.header
        if style == "tekst":
            return self.guarded_wrap if looks_like_formula else self.wrap
        if style == "getal":
            return self.number
        return self.guarded if looks_like_formula else self.top


@dataclass(slots=True)
class _Rewrite:
    info: zipfile.ZipInfo
    marks: dict[str, list[str]]  # severity -> A1 ranges
    remove_own: bool
    deselect: bool = False  # clear the tab's selection (tabSelected) in its head


@dataclass(slots=True)
class _Own:
    """A sheet of the tool's own: Controle (first tab) or Controlelijst (second)."""

    base: str  # its name when free
    pattern: re.Pattern[str]  # the names under which an earlier one is replaced
    defined_name: str  # the hidden defined name that identifies it
    stem: str  # part name stem
    old: _Sheet | None = None
    name: str = ""
    part: str = ""
    rel_id: str = ""
    sheet_id: str | None = None


class _Plan:
    """Everything the write needs, worked out before the temporary file is opened: the edited
    small parts, which sheets are rewritten with which marks, the tool's sheets' rows."""

    def __init__(
        self,
        zin: zipfile.ZipFile,
        raw: BinaryIO,
        frame: pl.DataFrame,
        options: _Options,
        only_sheet: str | None,
    ) -> None:
        self.zin = zin
        self.raw = raw
        self.options = options
        self.index: PackageIndex = check_for_writing(zin)
        self.changed_parts: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self.rewrites: dict[str, _Rewrite] = {}
        self.changed: list[Changed] = []  # what batch.verify checks, filled while writing
        self.damaged: list[str] = []  # members copied as they were, damaged in the original
        self.stamp = new_stamp()  # the copy's write time, recorded in it (STAMP_NAME)
        self._plan(frame, only_sheet)

    # -- reading ------------------------------------------------------------------------

    def _member(self, part: str) -> zipfile.ZipInfo | None:
        return self.index.find(part)

    def _tree(self, part: str) -> tuple[etree._ElementTree, bytes]:
        info = self._member(part)
        assert info is not None
        data = read_member(self.zin, info)
        try:
            return parse_part(data), data
        except XmlFout as exc:
            raise PakketFout(f"onderdeel '{info.filename}' is geen geldige XML ({exc}).") from None

    def _tail_has_marker(self, part: str) -> bool:
        try:
            with open_member(self.zin, part) as member:
                parts = stream_sheet(member, lambda _b: None)
        except XmlFout:
            return False
        return MARKER.encode() in (parts.tail if parts.found else parts.head)

    def _is_selected(self, sheet: _Sheet) -> bool:
        """Whether the sheet's tab is selected (`tabSelected` in a sheet view): read from the
        head of a worksheet (its rows are not read), else from the whole (small) part."""
        assert sheet.part is not None
        try:
            with open_member(self.zin, sheet.part) as member:
                found = read_head(member, chunk=1 << 16) if sheet.is_worksheet else None
            if found is not None:
                head, prefix, root = found
                if b"tabSelected" not in head:
                    return False
                selected = False

                def probe(element: etree._Element) -> bool:
                    nonlocal selected
                    selected = clear_tab_selected(element)
                    return False

                edit_sheet_head(head, prefix, root, probe)
                return selected
            tree, _ = self._tree(sheet.part)
        except (XmlFout, PakketFout):
            return False  # a part the tool cannot read is left exactly as it is
        return clear_tab_selected(tree.getroot())

    # -- planning -------------------------------------------------------------------------

    def _plan(self, frame: pl.DataFrame, only_sheet: str | None) -> None:
        workbook_part = self.index.workbook_part
        folder = workbook_part.rpartition("/")[0]
        wb_tree, wb_bytes = self._tree(workbook_part)
        wb = wb_tree.getroot()
        # The package's SpreadsheetML and relationships namespaces (transitional or Strict):
        # every part the plan writes, the tool's own sheets included, uses them.
        self.main = namespace_of(wb)
        self.r_ns = rel_namespace(wb)
        rels_info = self._member(rels_part_of(workbook_part))
        assert rels_info is not None
        rels_part = rels_info.filename
        rels_tree, rels_bytes = self._tree(rels_part)
        rels_root = rels_tree.getroot()
        rel_by_id: dict[str, etree._Element] = {}
        for rel in children(rels_root, "Relationship"):
            rel_by_id[rel.get("Id", "")] = rel
            if rel.get("TargetMode") == "External":
                continue
            wanted = resolve_target(workbook_part, rel.get("Target", ""))
            member = self._member(wanted)
            if member is not None and member.filename != wanted:  # case differs: use the member's
                rel.set("Target", relative_target(folder, member.filename))

        def part_of(rel_id: str) -> tuple[str | None, str]:
            rel = rel_by_id.get(rel_id)
            if rel is None:
                return None, ""
            member = self._member(resolve_target(workbook_part, rel.get("Target", "")))
            return (member.filename if member else None), rel.get("Type", "")

        sheets_el = child(wb, "sheets")
        if sheets_el is None:
            raise PakketFout(
                "de werkmap heeft geen bladen (sheets ontbreekt in het werkmap-onderdeel)."
            )
        sheets: list[_Sheet] = []
        for i, element in enumerate(children(sheets_el, "sheet")):
            rel_id = next(
                (
                    v
                    for k, v in element.attrib.items()
                    if etree.QName(k).namespace in (REL_NS, STRICT_REL_NS)
                    and etree.QName(k).localname == "id"
                ),
                "",
            )
            part, kind = part_of(rel_id)
            sheets.append(
                _Sheet(
                    i,
                    element,
                    element.get("name", ""),
                    rel_id,
                    part,
                    part is not None and kind.endswith("/worksheet"),
                )
            )

        # -- what the tool wrote before ---------------------------------------------------
        controle = _Own(CONTROLE_SHEET, _CONTROLE_SHEET_NAME, CONTROLE_NAME, "jeugdhulp_controle")
        catalogue = _Own(
            CATALOGUE_SHEET, _CATALOGUE_SHEET_NAME, CATALOGUE_NAME, "jeugdhulp_controlelijst"
        )
        owns = (controle, catalogue)
        names_el = child(wb, "definedNames")
        own_names = [
            n
            for n in (children(names_el, "definedName") if names_el is not None else [])
            if n.get("localSheetId") is None and _is_own_name(n.get("name", ""))
        ]
        by_name = {s.name.lower(): s for s in sheets}

        def named_sheet(element: etree._Element) -> _Sheet | None:
            m = _NAME_TARGET.match((element.text or "").strip())
            if m is None:
                return None
            name = m.group(1).replace("''", "'") if m.group(1) else m.group(2)
            return by_name.get(name.lower())

        owned_marks: set[str] = set()  # parts whose marker rules are the tool's
        if own_names:
            for element in own_names:
                sheet = named_sheet(element)
                if sheet is None or not sheet.is_worksheet or sheet.part is None:
                    continue
                lowered = element.get("name", "").lower()
                own = next((o for o in owns if o.defined_name == lowered), None)
                if own is not None:
                    if own.pattern.fullmatch(sheet.name):  # renamed by the user: theirs now
                        own.old = sheet
                else:
                    owned_marks.add(sheet.part)
        else:
            candidates = [
                s
                for s in sheets
                if _CONTROLE_SHEET_NAME.fullmatch(s.name)
                and s.is_worksheet
                and s.part is not None
                and self._tail_has_marker(s.part)
            ]
            if candidates:
                # The previous version always put its sheet first: only the first tab can be
                # its Controle sheet. A copy (Excel puts it where the user drops it, last by
                # default) or a sheet the user moved stays theirs.
                controle.old = candidates[0] if candidates[0].index == 0 else None
                copies = {s.part for s in candidates}
                owned_marks = {
                    s.part
                    for s in sheets
                    if s.is_worksheet
                    and s.part is not None
                    and s.part not in copies
                    and self._tail_has_marker(s.part)
                }

        removed = [o.old for o in owns if o.old is not None]
        kept = [s for s in sheets if s not in removed]
        written = [controle, *([catalogue] if self.options.verantwoording.controles else [])]
        taken = {s.name.lower() for s in kept}
        for own in written:
            own.name, n = own.base, 2
            while own.name.lower() in taken:
                own.name, n = f"{own.base} ({n})", n + 1
            taken.add(own.name.lower())
        self.controle_name = controle.name
        self.catalogue_name = catalogue.name if catalogue in written else None

        # -- findings: sheet, cell, order, marks --------------------------------------------
        position = {s.name: i for i, s in enumerate(kept)}
        exact = {s.name: s for s in kept}
        folded = {s.name.lower(): s for s in reversed(kept)}

        def lookup(blad: str) -> _Sheet | None:
            if only_sheet is not None:
                return exact.get(only_sheet)
            return exact.get(blad) or folded.get(blad.lower())

        bladen = frame.get_column("blad").unique().to_list()
        mapping = pl.DataFrame(
            {
                "blad": bladen,
                "_pos": [position[s.name] if (s := lookup(b)) else len(kept) for b in bladen],
                "_sheet": [s.name if (s := lookup(b)) else None for b in bladen],
                "_part": [s.part if (s := lookup(b)) and s.is_worksheet else None for b in bladen],
            },
            schema={"blad": pl.String, "_pos": pl.Int64, "_sheet": pl.String, "_part": pl.String},
        )
        rows = with_cell_refs(frame).join(mapping, on="blad", how="left", maintain_order="left")
        rows = rows.sort(
            ["_pos", "rij", pl.col("_col").fill_null(-1), "controle"], maintain_order=True
        )
        self.rows = rows
        marks = _marks(rows)
        self.cells_marked = marks.height
        marks_by_part = _ranges_per_part(marks)

        # -- the layout of the tool's sheets -------------------------------------------------
        self.tellingen = _counts_per_check(rows)
        self.top = controle_top(self.options.verantwoording, self.tellingen)
        self.header_row = len(self.top) + 1
        total = rows.height
        fit = MAX_ROWS - self.header_row
        last_row = self.header_row + max(min(total, fit), 1)
        self.table_end = min(last_row, MAX_ROWS - (1 if total > fit else 0))
        self.catalogue = (
            catalogue_rows(self.options.verantwoording, self.tellingen)
            if self.catalogue_name
            else []
        )

        # -- sheets to rewrite: marks, and tabs to unselect (Controle becomes the active tab) --
        deselect = {
            s.part
            for s in kept
            if s.part is not None and self._member(s.part) is not None and self._is_selected(s)
        }
        for part in set(marks_by_part) | owned_marks | deselect:
            info = self._member(part)
            if info is None:
                continue
            sheet = next((s for s in kept if s.part == part), None)
            if sheet is not None and not sheet.is_worksheet:  # a chart sheet: a small part
                tree, data = self._tree(info.filename)
                clear_tab_selected(tree.getroot())
                self.changed_parts[info.filename] = serialize_part(tree, data)
                continue
            self.rewrites[info.filename] = _Rewrite(
                info, marks_by_part.get(part, {}), part in owned_marks, part in deselect
            )

        # -- the tool's parts, relationships, sheet ids ------------------------------------
        for own in (o for o in owns if o.old is not None):
            assert own.old is not None and own.old.part is not None
            self.removed.add(own.old.part)
            old_rels = self._member(rels_part_of(own.old.part))
            if old_rels is not None:
                self.removed.add(old_rels.filename)
        self._remove_dependents(removed, rels_root)
        names_now = {i.filename.lower() for i in self.zin.infolist()} - {
            p.lower() for p in self.removed
        }
        rel_base = _REL_TYPES if self.main != STRICT_MAIN_NS else _STRICT_REL_TYPES
        worksheet_type = next(
            (
                r.get("Type", "")
                for r in rel_by_id.values()
                if r.get("Type", "").endswith("/worksheet")
            ),
            f"{rel_base}/worksheet",
        )
        for own in owns:
            if own.old is not None and own.old.rel_id in rel_by_id:
                rels_root.remove(rel_by_id.pop(own.old.rel_id))
        new_parts: dict[str, str] = {}
        # ids a replaced sheet hands on to its successor are not free for another new sheet
        handed_on = {o.old.rel_id for o in written if o.old is not None and o.old.rel_id}
        for own in written:
            old = own.old
            own.part = (
                old.part
                if old is not None and old.part is not None
                else _free_part_name(
                    f"{folder}/worksheets/{own.stem}" if folder else f"worksheets/{own.stem}",
                    names_now,
                )
            )
            names_now.add(own.part.lower())
            own.rel_id = (
                old.rel_id
                if old is not None and old.rel_id
                else _free_rel_id(set(rel_by_id) | handed_on)
            )
            self._add_rel(rels_root, own.rel_id, worksheet_type, relative_target(folder, own.part))
            rel_by_id[own.rel_id] = rels_root[-1]
            own.sheet_id = old.element.get("sheetId") if old is not None else None
            new_parts[own.part] = WORKSHEET_CT
        self.controle_part = controle.part
        self.catalogue_part = catalogue.part if catalogue in written else None

        styles_rel = next(
            (r for r in rel_by_id.values() if r.get("Type", "").endswith("/styles")), None
        )
        styles_info = (
            self._member(resolve_target(workbook_part, styles_rel.get("Target", "")))
            if styles_rel is not None
            else None
        )
        if styles_info is not None:
            styles_tree, styles_bytes = self._tree(styles_info.filename)
            styles_part = styles_info.filename
        else:
            styles_tree, styles_bytes = parse_part(_MINIMAL_STYLES), _MINIMAL_STYLES
            if self.main == STRICT_MAIN_NS:
                styles_tree = parse_part(
                    _MINIMAL_STYLES.replace(MAIN_NS.encode(), STRICT_MAIN_NS.encode())
                )
            styles_part = _free_part_name(f"{folder}/styles" if folder else "styles", names_now)
            if styles_rel is not None:
                rels_root.remove(styles_rel)
            srid = _free_rel_id(set(rel_by_id))
            self._add_rel(
                rels_root,
                srid,
                f"{worksheet_type.rpartition('/')[0]}/styles",
                relative_target(folder, styles_part),
            )
            new_parts[styles_part] = STYLES_CT
        self.styles = _add_styles(styles_tree.getroot(), lambda: self._dxf_references(styles_part))
        self.changed_parts[styles_part] = serialize_part(styles_tree, styles_bytes)

        # -- what the copy cannot keep: a package signature, an unlocked structure ----------
        self.signed = self._signed()
        protection = child(wb, "workbookProtection")
        self.structure_locked = protection is not None and protection.get(
            "lockStructure", ""
        ).strip().lower() in ("1", "true")

        # -- workbook ------------------------------------------------------------------------
        removed_index = {s.index for s in removed}
        new_index = {s.index: i + len(written) for i, s in enumerate(kept)}
        for s in removed:
            sheets_el.remove(s.element)
        self._edit_workbook(
            wb, sheets_el, sheets, new_index, removed_index, written, marks_by_part, kept
        )
        self.changed_parts[workbook_part] = serialize_part(wb_tree, wb_bytes)
        self.changed_parts[rels_part] = serialize_part(rels_tree, rels_bytes)
        own_names = [self.controle_name, *([self.catalogue_name] if self.catalogue_name else [])]
        self._edit_app_properties(
            [[s.name for s in sheets if s.is_worksheet], [s.name for s in sheets]],
            [
                [*own_names, *(s.name for s in kept if s.is_worksheet)],
                [*own_names, *(s.name for s in kept)],
            ],
        )

        # -- content types -------------------------------------------------------------------
        ct_tree, ct_bytes = self._tree("[Content_Types].xml")
        self._edit_content_types(ct_tree.getroot(), new_parts)
        ct_part = self.index.find("[Content_Types].xml").filename  # type: ignore[union-attr]
        self.changed_parts[ct_part] = serialize_part(ct_tree, ct_bytes)
        self.findings_written = rows.height

    def _signed(self) -> bool:
        """Whether the package carries a digital signature (an OPC signature origin, ECMA-376
        part 2, 12): it signs the parts' bytes, so it cannot hold for an edited copy."""
        root_rels = self._member("_rels/.rels")
        if root_rels is None:
            return False
        try:
            rels = self._tree(root_rels.filename)[0].getroot()
        except PakketFout:
            return False
        return any(
            r.get("Type", "").endswith("/digital-signature/origin")
            for r in children(rels, "Relationship")
        )

    def _remove_dependents(self, removed: list[_Sheet], rels_root: etree._Element) -> None:
        """What goes with the sheets the tool replaces: the parts only they lead to (comments,
        VML, drawings, images, printer settings; `_orphans`), and the calculation chain when
        it lists cells of theirs (a new sheet takes over the old sheetId, and Excel refuses a
        chain naming cells that hold no formula: "Removed Records: Formula from
        /xl/calcChain.xml"). The chain is a cache Excel rebuilds when it is missing (the Open
        XML SDK's advice), so it goes whole rather than edited."""
        if not removed:
            return
        for part in self._orphans({s.part for s in removed if s.part is not None}):
            self.removed.add(part)
            rels = self._member(rels_part_of(part))
            if rels is not None:
                self.removed.add(rels.filename)
        ids = {s.element.get("sheetId", "") for s in removed}
        workbook_part = self.index.workbook_part
        for rel in children(rels_root, "Relationship"):
            if not rel.get("Type", "").endswith("/calcChain") or rel.get("TargetMode"):
                continue
            info = self._member(resolve_target(workbook_part, rel.get("Target", "")))
            if info is None:
                continue
            try:
                chain = self._tree(info.filename)[0].getroot()
            except PakketFout:
                chain = None  # unreadable: dropping it loses nothing Excel needs
            sheet = "0"  # an entry without `i` is on the sheet of the entry before it
            listed = set()
            for cell in children(chain, "c") if chain is not None else []:
                sheet = cell.get("i", sheet)
                listed.add(sheet)
            if chain is None or listed & ids:
                _drop(rel)
                self.removed.add(info.filename)

    def _orphans(self, parts: set[str]) -> set[str]:
        """The parts reachable only through `parts` (which go): followed through every
        relationships part of the package, so a part another one still uses (an image shared
        by two drawings, a pivot cache the workbook lists) stays. Empty when a relationships
        part cannot be read: then nothing is known to be unused."""
        graph: dict[str, set[str]] = {}
        for info in self.zin.infolist():
            name = info.filename
            folder, _, leaf = name.rpartition("/")
            if not leaf.lower().endswith(".rels") or folder.rpartition("/")[2].lower() != "_rels":
                continue
            base = folder.rpartition("/")[0]
            source = f"{base}/{leaf[:-5]}" if base else leaf[:-5]
            member = self._member(source) if source else None
            if source and member is None:
                continue  # relationships of a part that is not there lead nowhere
            try:
                root = self._tree(name)[0].getroot()
            except PakketFout:
                return set()
            targets = graph.setdefault(member.filename if member else "", set())
            for rel in children(root, "Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                target = self._member(resolve_target(source, rel.get("Target", "")))
                if target is not None:
                    targets.add(target.filename)
        users: dict[str, set[str]] = {}
        for source, targets in graph.items():
            for target in targets:
                users.setdefault(target, set()).add(source)
        gone = set(parts)
        queue = list(parts)
        while queue:
            for target in graph.get(queue.pop(), ()):
                if target not in gone and users[target] <= gone:
                    gone.add(target)
                    queue.append(target)
        return gone - parts

    def _edit_app_properties(self, before: list[list[str]], after: list[list[str]]) -> None:
        """Keep the sheet list in ``docProps/app.xml`` true (what file managers and document
        systems show as the workbook's contents): the group of ``TitlesOfParts`` that lists
        the worksheets (its heading in ``HeadingPairs`` is in the writer's language) gets the
        new list and count. `before` and `after` are the worksheet names and all sheet names,
        in tab order: the group that holds exactly the first (or else the second) list of
        `before` gets the matching list of `after`. A group that does not match (the part was
        stale already, or lists things otherwise) is left alone: Excel rewrites the part when
        it saves, and guessing would make it wrong in another way."""
        root_rels = self._member("_rels/.rels")
        if root_rels is None:
            return
        try:
            rels = self._tree(root_rels.filename)[0].getroot()
        except PakketFout:
            return
        target = next(
            (
                r.get("Target", "")
                for r in children(rels, "Relationship")
                if r.get("Type", "").endswith("/extended-properties")
                and r.get("TargetMode") != "External"
            ),
            None,
        )
        info = self._member(resolve_target("", target)) if target else None
        if info is None:
            return
        try:
            tree, data = self._tree(info.filename)
        except PakketFout:
            return
        props = tree.getroot()
        pairs, titles = (
            child(heading, "vector") if heading is not None else None
            for heading in (child(props, "HeadingPairs"), child(props, "TitlesOfParts"))
        )
        if pairs is None or titles is None:
            return
        counts = []
        for variant in children(pairs, "variant")[1::2]:
            number = next((c for c in children(variant) if local_name(c) in ("i4", "int")), None)
            if number is None or not (number.text or "").strip().isdigit():
                return
            counts.append(number)
        items = children(titles, "lpstr")
        if sum(int(c.text or "0") for c in counts) != len(items):
            return
        start = 0
        for count in counts:
            group = items[start : start + int(count.text or "0")]
            start += len(group)
            texts = [item.text or "" for item in group]
            new = next((a for b, a in zip(before, after, strict=True) if texts == b), None)
            if not group or new is None:
                continue
            first, last = group[0], group[-1]
            spacing, end = first.tail if len(group) > 1 else last.tail, last.tail
            at = titles.index(first)
            for item in group:
                titles.remove(item)
            for i, name in enumerate(new):
                element = copy.deepcopy(first)
                element.text = name
                element.tail = end if i == len(new) - 1 else spacing
                titles.insert(at + i, element)
            count.text = str(len(new))
            titles.set("size", str(len(children(titles))))
            self.changed_parts[info.filename] = serialize_part(tree, data)
            return

    def _dxf_references(self, styles_part: str) -> set[int]:
        """The differential formats (``dxfId`` and the tables' ``*DxfId``) that parts other
        than the sheets being rewritten point at: worksheets, tables, pivot tables and the
        styles part itself, as the content types name them. The tool's own formats go where
        none of these points, so a reference the original already had broken (past the end
        of ``dxfs``) never turns into a red mark (see `_add_styles`). A rewritten sheet's rules
        are seen while it is rewritten (`_edit_marks`)."""
        kinds = ("worksheet+xml", "macrosheet+xml", "table+xml", "pivottable+xml", "styles+xml")
        try:
            types = self._tree("[Content_Types].xml")[0].getroot()
        except PakketFout:
            return set()
        parts = {styles_part.lower()}
        for override in children(types, "Override"):
            if override.get("ContentType", "").lower().endswith(kinds):
                parts.add(override.get("PartName", "").lstrip("/").lower())
        found: set[int] = set()
        for part in parts:
            info = self._member(part)
            if info is None or info.filename in self.rewrites or info.filename in self.removed:
                continue
            tail = b""
            try:
                with open_member(self.zin, info) as member:
                    while chunk := member.read(1 << 20):
                        block = tail + chunk
                        found.update(int(m) for m in _DXF_ID.findall(block))
                        tail = block[-64:]
            except Exception as exc:  # a damaged part is reported where it is written
                if reason_of(exc, info.filename) is None:
                    raise
        return found

    def _add_rel(self, root: etree._Element, rid: str, kind: str, target: str) -> None:
        rel = etree.SubElement(root, f"{{{namespace_of(root)}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", kind)
        rel.set("Target", target)
        _tidy_tail(root, rel)

    def _edit_workbook(
        self,
        wb: etree._Element,
        sheets_el: etree._Element,
        sheets: list[_Sheet],
        new_index: dict[int, int],
        removed_index: set[int],
        written: list[_Own],
        marks_by_part: dict[str, dict[str, list[str]]],
        kept: list[_Sheet],
    ) -> None:
        main = self.main

        def remap(value: str | None) -> str | None:
            if value is None or not value.isdigit():
                return value
            return str(new_index.get(int(value), 0))

        # Book views: the workbook opens on Controle, with the tab strip scrolled to the start.
        # (Every other tab is unselected in its sheet: see _Rewrite.deselect.)
        views = child(wb, "bookViews")
        if views is None:
            views = etree.Element(f"{{{main}}}bookViews")
            etree.SubElement(views, f"{{{main}}}workbookView")
            sheets_el.addprevious(views)
        for view in children(views, "workbookView"):
            view.set("activeTab", "0")
            if view.get("firstSheet") is not None:
                view.set("firstSheet", "0")

        # The sheet list: Controle first, Controlelijst second.
        ids = [
            int(s.element.get("sheetId", "0"))
            for s in sheets
            if s.element.get("sheetId", "").isdigit()
        ]
        used_ids = set(ids) | {
            int(o.sheet_id) for o in written if o.sheet_id and o.sheet_id.isdigit()
        }

        def fresh_id() -> int:
            """The next sheetId: past the largest, or (at xs:unsignedInt's end) the lowest free."""
            n = max(used_ids, default=0) + 1
            if n > 0xFFFFFFFF:
                n = next(i for i in range(1, len(used_ids) + 2) if i not in used_ids)
            used_ids.add(n)
            return n

        nsmap = None
        if self.r_ns not in sheets_el.nsmap.values():
            prefix = "r"
            while prefix in sheets_el.nsmap:
                prefix += "r"
            nsmap = {prefix: self.r_ns}
        first = children(sheets_el)
        spacing = (
            sheets_el.text
            if first and (sheets_el.text or "").strip() == "" and sheets_el.text
            else None
        )
        for position, own in enumerate(written):
            sheet_id = own.sheet_id
            if not (sheet_id and sheet_id.isdigit()):
                sheet_id = str(fresh_id())
            element = etree.Element(f"{{{main}}}sheet", nsmap=nsmap)
            element.set("name", own.name)
            element.set("sheetId", sheet_id)
            element.set(f"{{{self.r_ns}}}id", own.rel_id)
            element.tail = spacing
            sheets_el.insert(position, element)

        # Defined names: sheet-local ones follow their sheet; the tool's own are renewed.
        names_el = child(wb, "definedNames")
        if names_el is None:
            names_el = etree.Element(f"{{{main}}}definedNames")
            insert_in_order(wb, names_el, _WORKBOOK_ORDER, "definedNames")
        for name in children(names_el, "definedName"):
            local = name.get("localSheetId")
            lowered = name.get("name", "")
            if local is None:
                if _is_own_name(lowered):
                    _drop(name)
                continue
            if not local.isdigit():
                continue
            if int(local) in removed_index:
                _drop(name)
            else:
                name.set("localSheetId", remap(local) or "0")

        def add(name: str, text: str, local: str | None = None) -> None:
            element = etree.SubElement(names_el, f"{{{main}}}definedName")
            element.set("name", name)
            if local is not None:
                element.set("localSheetId", local)
            element.set("hidden", "1")
            element.text = text
            _tidy_tail(names_el, element)

        def visible(name: str, text: str, local: str) -> None:
            add(name, text, local)
            del names_el[-1].attrib["hidden"]

        controle = _quote_sheet(self.controle_name)
        last = column_letter(len(HEADERS) - 1)
        add(
            "_xlnm._FilterDatabase",
            f"{controle}!$A${self.header_row}:${last}${self.table_end}",
            "0",
        )
        visible("_xlnm.Print_Titles", f"{controle}!${self.header_row}:${self.header_row}", "0")
        add(CONTROLE_NAME, f"{controle}!$A$1")
        if self.catalogue_name:
            catalogue = _quote_sheet(self.catalogue_name)
            end = CATALOGUE_HEADER_ROW + max(len(self.catalogue) - CATALOGUE_HEADER_ROW, 1)
            last = column_letter(len(CATALOGUE_HEADERS) - 1)
            add(
                "_xlnm._FilterDatabase",
                f"{catalogue}!$A${CATALOGUE_HEADER_ROW}:${last}${end}",
                "1",
            )
            visible(
                "_xlnm.Print_Titles",
                f"{catalogue}!${CATALOGUE_HEADER_ROW}:${CATALOGUE_HEADER_ROW}",
                "1",
            )
            add(CATALOGUE_NAME, f"{catalogue}!$A$1")
        add(STAMP_NAME, stamp_text(self.stamp))
        marked = [s for s in kept if s.part in marks_by_part]
        for i, sheet in enumerate(marked, start=1):
            add(f"{MARKS_NAME}{i}", f"{_quote_sheet(sheet.name)}!$A$1")

    def _edit_content_types(self, root: etree._Element, added: dict[str, str]) -> None:
        ns = namespace_of(root)
        if ns != CT_NS:
            raise PakketFout("[Content_Types].xml heeft niet de naamruimte van een OOXML-pakket.")
        drop = {f"/{p}".lower() for p in self.removed | set(added)}
        for override in children(root, "Override"):
            name = override.get("PartName", "")
            if name.lower() in drop:
                _drop(override)
                continue
            member = self._member(name.lstrip("/"))
            if member is not None and f"/{member.filename}" != name:
                override.set("PartName", f"/{member.filename}")
        for part, kind in added.items():
            element = etree.SubElement(root, f"{{{ns}}}Override")
            element.set("PartName", f"/{part}")
            element.set("ContentType", kind)
            _tidy_tail(root, element)

    # -- writing ------------------------------------------------------------------------

    def write(self, out: BinaryIO) -> None:
        self.changed = []
        written: set[str] = set()
        own = {self.controle_part, self.catalogue_part} - {None}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
            for info in self.zin.infolist():
                name = info.filename
                if name in self.removed or name in own:
                    continue  # the tool's sheets are written below, after the rest
                if name in self.changed_parts:
                    write_member(zout, name, self.changed_parts[name], info)
                    self.changed.append(Changed(name, "xml"))
                elif name in self.rewrites:
                    self.changed.append(self._rewrite_sheet(self.rewrites[name], zout))
                else:
                    copy_member_raw(self.raw, info, zout)
                    if not name.lower().endswith(_CHECKED_WHEN_READ) and not self._intact(info):
                        self.damaged.append(name)
                written.add(name)
            for name, data in self.changed_parts.items():  # parts the package did not have
                if name not in written:
                    write_member(zout, name, data)
                    self.changed.append(Changed(name, "xml"))
            info = zipfile.ZipInfo(self.controle_part, _now())
            bound = self._controle_size_bound()
            with ParallelDeflateMember(zout, info, COMPRESS_LEVEL, expected_size=bound) as dst:
                for piece in self._controle_sheet():
                    dst.write(piece)
            self.changed.append(Changed(self.controle_part, "controle"))
            if self.catalogue_part:
                write_member(zout, self.catalogue_part, self._catalogue_sheet())
                self.changed.append(Changed(self.catalogue_part, "controle"))

    def _intact(self, info: zipfile.ZipInfo) -> bool:
        """Whether a member copied as it is (an image, the VBA project, printer settings)
        inflates to its CRC: the XML parts were checked when the workbook was read, these
        are checked here, at the cost of inflating them (within the package limits)."""
        try:
            with open_member(self.zin, info) as member:
                while member.read(1 << 20):
                    pass
        except Exception as exc:
            if reason_of(exc, info.filename) is None:
                raise
            return False
        return True

    def _controle_size_bound(self) -> int:
        """An upper bound of the Controle sheet's size: its texts escaped at worst (7 bytes per
        character for `_xHHHH_`, 4 bytes per UTF-8 character) plus the markup of a row."""
        texts = [f for f in FINDING_FIELDS if f != "rij"]
        sizes = self.rows.select(pl.sum_horizontal(pl.col(texts).str.len_bytes()).sum()).item()
        top = sum(len(str(c.waarde)) for r in self.top for c in r.cellen)
        return (
            7 * (int(sizes or 0) + top) + 1400 * (self.rows.height + len(self.top) + 64) + (1 << 20)
        )

    def _rewrite_sheet(self, job: _Rewrite, zout: zipfile.ZipFile) -> Changed:
        """Stream one worksheet through, with its tail edited (and its head, to unselect its
        tab); what `batch.verify` needs to check it (the source's split, the head as written,
        where the new tail starts in the written member)."""
        info = job.info
        new = zipfile.ZipInfo(info.filename, info.date_time)
        new.external_attr = info.external_attr
        added = sum(64 * len(r) + 512 for r in job.marks.values())
        written_head: bytes | None = None

        def unselect(head: bytes, prefix: str, root: str) -> bytes:
            nonlocal written_head
            written_head = unselect_head(head, prefix, root)
            return written_head

        with open_member(self.zin, info) as src:
            dst = ParallelDeflateMember(
                zout, new, COMPRESS_LEVEL, expected_size=info.file_size + added
            )
            with dst:
                parts = stream_sheet(src, dst.write, edit_head=unselect if job.deselect else None)
                skeleton = Skeleton(parts)
                _edit_marks(
                    skeleton.root,
                    job.marks,
                    self.styles.dxf,
                    job.remove_own,
                    added=self.styles.dxf_added,
                    neutral=self.styles.neutral,
                )
                if parts.found:
                    dst.mark()
                    tail_edited = bool(job.marks) or job.remove_own
                    dst.write(skeleton.new_tail() if tail_edited else parts.tail)
                else:
                    if job.deselect:
                        clear_tab_selected(skeleton.root)
                    dst.write(skeleton.whole())
        if not parts.found:
            return Changed(info.filename, "xml")
        return Changed(info.filename, "sheet", parts, dst.resumes[0], written_head)

    # -- the tool's sheets ---------------------------------------------------------------

    def _layout_xml(
        self, rows: Sequence[Regel], widths: Sequence[float], first: int = 1
    ) -> tuple[str, list[str]]:
        """Laid-out rows (`jeugdhulp.controle_layout`) from Excel row `first` on, as row
        elements, and the ranges of their merged cells."""
        styles = self.styles
        out = []
        merges = []
        for r, row in enumerate(rows, start=first):
            cells = []
            for cell in row.cellen:
                ref = f"{column_letter(cell.kolom)}{r}"
                cells.append(_cell(ref, cell.waarde, styles.of(cell.stijl, cell.waarde)))
                if cell.tot is not None and cell.tot > cell.kolom:
                    merges.append(f"{ref}:{column_letter(cell.tot)}{r}")
            height = (
                f' ht="{_points(row.hoogte)}" customHeight="1"' if row.hoogte is not None else ""
            )
            if cells or height:
                out.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
        return "".join(out), merges

    def _controle_sheet(self) -> Iterator[bytes]:
        styles = self.styles
        rows = self.rows
        total = rows.height
        header_row = self.header_row
        fit = MAX_ROWS - header_row
        shown_rows = rows if total <= fit else rows.head(fit - 1)
        first = header_row + 1
        top, merges = self._layout_xml(self.top, WIDTHS)
        header = "".join(
            _cell(f"{column_letter(c)}{header_row}", h, styles.header)
            for c, h in enumerate(HEADERS)
        )
        extra: dict[int, str] = {}
        if total == 0:
            extra[first] = _cell(f"A{first}", NO_FINDINGS, styles.top)
        if total > fit:
            rest = total - (fit - 1)
            where = (
                f"alle bevindingen staan in het JSON-rapport {shown(self.options.rapport)}"
                if self.options.rapport
                else "draai de controle met --json om ze allemaal te krijgen"
            )
            text = (
                f"… en nog {_dutch_int(rest)} bevindingen: meer rijen heeft een Excel-blad niet "
                f"({_dutch_int(MAX_ROWS)}); {where}."
            )
            extra[MAX_ROWS] = _cell(f"A{MAX_ROWS}", text, styles.header)

        last_row = max([*extra, header_row + shown_rows.height])
        last_col = len(HEADERS) - 1
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(WIDTHS, start=1)
        )
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{self.main}" xmlns:r="{self.r_ns}">'
            '<sheetPr><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:{column_letter(last_col)}{last_row}"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<selection activeCell="A1" sqref="A1"/>'
            "</sheetView></sheetViews>"
            f'<sheetFormatPr defaultRowHeight="{_points(LINE_HEIGHT)}"/>'
            f"<cols>{cols}</cols><sheetData>{top}"
            f'<row r="{header_row}">{header}</row>'
        ).encode()
        links: list[str] = []
        done = first
        for start in range(0, shown_rows.height, _ROW_BATCH):
            batch = shown_rows.slice(start, _ROW_BATCH)
            xml, batch_links = _finding_rows(
                batch, first + start, styles, MAX_HYPERLINKS - len(links)
            )
            links.extend(batch_links)
            yield xml.encode()
            done = first + start + batch.height
        yield "".join(f'<row r="{r}">{extra[r]}</row>' for r in sorted(extra) if r >= done).encode()
        ernst = column_letter(HEADERS.index("Ernst"))
        rules = "".join(
            f'<conditionalFormatting sqref="{ernst}{first}:{ernst}{self.table_end}">'
            f'<cfRule type="expression" dxfId="{styles.dxf[s]}" priority="{i}">'
            f'<formula>AND({ernst}{first}="{s}",ISTEXT("{MARKER}:{s}"))</formula></cfRule>'
            "</conditionalFormatting>"
            for i, s in enumerate(SEVERITIES, start=1)
        )
        hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
        yield (
            "</sheetData>"
            f'<autoFilter ref="A{header_row}:{column_letter(last_col)}{self.table_end}"/>'
            f"{_merge_cells(merges)}{rules}{hyperlinks}{_PRINT_SETUP}"
            "</worksheet>"
        ).encode()

    def _catalogue_sheet(self) -> bytes:
        """The Controlelijst: every check, with what it did in this run; the header frozen."""
        rows = self.catalogue
        body, merges = self._layout_xml(rows, CATALOGUE_WIDTHS)
        last_col = column_letter(len(CATALOGUE_HEADERS) - 1)
        last_row = max(len(rows), CATALOGUE_HEADER_ROW + 1)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(CATALOGUE_WIDTHS, start=1)
        )
        first = CATALOGUE_HEADER_ROW + 1
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{self.main}" xmlns:r="{self.r_ns}">'
            '<sheetPr><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:{last_col}{last_row}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{CATALOGUE_HEADER_ROW}" topLeftCell="A{first}" activePane="bottomLeft" '
            'state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{first}" sqref="A{first}"/>'
            "</sheetView></sheetViews>"
            f'<sheetFormatPr defaultRowHeight="{_points(LINE_HEIGHT)}"/>'
            f"<cols>{cols}</cols><sheetData>{body}</sheetData>"
            f'<autoFilter ref="A{CATALOGUE_HEADER_ROW}:{last_col}{last_row}"/>'
            f"{_merge_cells(merges)}{_PRINT_SETUP}"
            "</worksheet>"
        ).encode()


#: Print setup of the tool's sheets: landscape A4, as wide as the page, as many pages high as
#: needed; the footer names the file and sheet and numbers the pages.
_PRINT_SETUP = (
    '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "<headerFooter><oddFooter>&amp;L&amp;F, blad &amp;A&amp;RPagina &amp;P van &amp;N"
    "</oddFooter></headerFooter>"
)


def _points(value: float) -> str:
    return f"{value:g}"


def _merge_cells(ranges: Sequence[str]) -> str:
    if not ranges:
        return ""
    cells = "".join(f'<mergeCell ref="{r}"/>' for r in ranges)
    return f'<mergeCells count="{len(ranges)}">{cells}</mergeCells>'


def _counts_per_check(rows: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """Per check id with findings: (fouten, waarschuwingen); any other severity counts as a
    waarschuwing, as the marks do."""
    if rows.height == 0:
        return {}
    counts = rows.group_by("controle").agg(
        fout=(pl.col("ernst") == "fout").sum(), rest=(pl.col("ernst") != "fout").sum()
    )
    return {c: (int(f), int(w)) for c, f, w in counts.iter_rows()}


# --- findings as frames -----------------------------------------------------------------


def _marks(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per marked cell: `_part`, `_col`, `_row`, `severity` (red wins over orange)."""
    return (
        rows.filter(pl.col("_part").is_not_null() & pl.col("_col").is_not_null())
        .select(
            "_part",
            "_col",
            "_row",
            pl.when(pl.col("ernst") == "fout")
            .then(pl.lit("fout"))
            .otherwise(pl.lit("waarschuwing"))
            .alias("severity"),
        )
        .group_by("_part", "_col", "_row")
        .agg(pl.col("severity").min())  # "fout" < "waarschuwing"
    )


def _ranges_per_part(marks: pl.DataFrame) -> dict[str, dict[str, list[str]]]:
    """Part -> severity -> A1 ranges: the marked cells as few rectangles (`mark_blocks`)."""
    if marks.height == 0:
        return {}
    blocks = mark_blocks(marks, by=("_part", "severity"))
    out: dict[str, dict[str, list[str]]] = {}
    for (part, severity), group in blocks.group_by("_part", "severity", maintain_order=True):
        out.setdefault(str(part), {})[str(severity)] = group.get_column("ref").to_list()
    return out


_ILLEGAL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)]
_ILLEGAL_ESCAPES = [f"_x{ord(c):04X}_" for c in _ILLEGAL]


def _clean(expr: pl.Expr) -> pl.Expr:
    """`clean_text` for the rows whose text holds no `_xHHHH_`-like sequence (those are
    fixed in Python, `_fix_escapes`)."""
    return expr.str.replace_many(_ILLEGAL, _ILLEGAL_ESCAPES)


def _xml_escape(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])


def inline_string_cell(letter: str, row: pl.Expr, style: pl.Expr, text: pl.Expr) -> pl.Expr:
    """A cell's XML with `text` as an inline string (already cleaned for Excel, see
    `_text_column`): `<c r="A2" s="3" t="inlineStr"><is><t>...</t></is></c>`, with
    xml:space="preserve" where leading or trailing spaces or line breaks must be kept.
    `row` and `style` are string expressions."""
    space = (
        pl.when((text != text.str.strip_chars()) | text.str.contains("\n", literal=True))
        .then(pl.lit(' xml:space="preserve"'))
        .otherwise(pl.lit(""))
    )
    return pl.concat_str(
        pl.lit(f'<c r="{letter}'),
        row,
        pl.lit('" s="'),
        style,
        pl.lit('" t="inlineStr"><is><t'),
        space,
        pl.lit(">"),
        _xml_escape(text),
        pl.lit("</t></is></c>"),
    )


def _attr_escape(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(
        ["&", "<", ">", '"', "\n", "\r", "\t", *_ILLEGAL],
        ["&amp;", "&lt;", "&gt;", "&quot;", "&#10;", "&#13;", "&#9;", *[""] * len(_ILLEGAL)],
    )


_ESCAPE_TOKEN = re.compile(r"_x[0-9A-Fa-f]{4}_")


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fit_text(clean: str, limit: int = MAX_CELL_TEXT) -> str:
    """`clean` (already escaped for OOXML) cut to Excel's `limit` of characters (UTF-16 units,
    escapes counted as written) with a visible "…"; an escape or surrogate pair is never cut.

    >>> len(_fit_text("a" * 40_000)), _fit_text("a" * 40_000)[-2:]
    (32767, 'a…')
    >>> _fit_text("ab_x0001_cd", limit=6)
    'ab…'
    """
    if _utf16_len(clean) <= limit:
        return clean
    budget = limit - 1
    out = []
    used = 0
    for ch in clean:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > budget:
            break
        out.append(ch)
        used += width
    text = "".join(out)
    # Escapes are read left to right without overlap (as Excel decodes them): "_x005F_x0041_"
    # is an escaped "_" and the text "x0041_".
    for m in _ESCAPE_TOKEN.finditer(clean):
        if m.start() >= len(text):
            break
        if len(text) < m.end():
            text = text[: m.start()]
            break
    return text + "…"


def _fit_raw(value: str) -> str:
    """`value` cut so that its OOXML-escaped form fits in one cell (for a writer that escapes
    itself), ending in "…" when cut."""
    if _utf16_len(clean_text(value)) <= MAX_CELL_TEXT:
        return value
    low, high = 0, len(value)
    while low < high:  # the longest prefix whose escaped form leaves room for the "…"
        mid = (low + high + 1) // 2
        if _utf16_len(clean_text(value[:mid])) <= MAX_CELL_TEXT - 1:
            low = mid
        else:
            high = mid - 1
    return value[:low] + "…"


def _text_column(rows: pl.DataFrame, name: str) -> pl.Series:
    """The column's text as it goes into a cell: OOXML-escaped and cut to Excel's limit (not
    yet XML-escaped)."""
    values = rows.get_column(name)
    cleaned = rows.select(_clean(pl.col(name))).to_series()
    special = values.str.contains(r"_x[0-9A-Fa-f]{4}_") | (
        cleaned.str.len_chars() + cleaned.str.count_matches(r"[\x{10000}-\x{10FFFF}]")
        > MAX_CELL_TEXT
    )
    if special.any():
        indices = special.arg_true()
        fixed = [_fit_text(clean_text(v)) for v in values.gather(indices).to_list()]
        cleaned = cleaned.scatter(indices, fixed)
    return cleaned


def _finding_rows(
    rows: pl.DataFrame, first: int, styles: _Styles, links_left: int
) -> tuple[str, list[str]]:
    """The row elements of the findings in `rows` (starting at Excel row `first`), and
    hyperlink elements for at most `links_left` of them.

    Every cell is top-aligned, the texts of WRAPPED columns wrap, and a row whose wrapped text
    takes more than one line gets the height of its longest (`line_counts`)."""
    if rows.height == 0:
        return "", []
    texts = [f for f in dict.fromkeys(_COLUMN_FIELDS) if f != "rij"]
    frame = rows.with_columns(
        pl.int_range(first, first + rows.height, dtype=pl.Int64).alias("_r"),
        *[_text_column(rows, f).alias(f"_t_{f}") for f in texts],
    )
    linked = pl.col("_sheet").is_not_null() & pl.col("_col").is_not_null()
    frame = frame.with_columns((linked & (linked.cum_sum() <= links_left)).alias("_link"))
    r = pl.col("_r").cast(pl.String)
    cells = []
    for c, name in enumerate(_COLUMN_FIELDS):
        letter = column_letter(c)
        if name == "rij":
            cells.append(
                pl.concat_str(
                    pl.lit(f'<c r="{letter}'),
                    r,
                    pl.lit(f'" s="{styles.top}"><v>'),
                    pl.col("rij").cast(pl.String),
                    pl.lit("</v></c>"),
                )
            )
            continue
        value = pl.col(name)
        text = pl.col(f"_t_{name}")
        wraps = c in WRAPPED
        guarded = pl.any_horizontal(*[value.str.starts_with(s) for s in FORMULA_START])
        plain, quoted = (
            (styles.wrap, styles.guarded_wrap) if wraps else (styles.top, styles.guarded)
        )
        style = pl.when(guarded).then(pl.lit(quoted)).otherwise(pl.lit(plain))
        if c == LINK_COLUMN:
            style = pl.when(pl.col("_link")).then(pl.lit(styles.link)).otherwise(style)
        cell = inline_string_cell(letter, r, style.cast(pl.String), text)
        cells.append(pl.when(value == "").then(pl.lit("")).otherwise(cell))
    frame = frame.with_columns(
        pl.max_horizontal(
            line_counts(frame.get_column(f"_t_{_COLUMN_FIELDS[c]}"), WIDTHS[c]) for c in WRAPPED
        ).alias("_lines")
    )
    lines = pl.col("_lines")
    points = (lines * int(LINE_HEIGHT)).clip(upper_bound=int(MAX_ROW_HEIGHT))
    height = (
        pl.when(lines > 1)
        .then(pl.concat_str(pl.lit(' ht="'), points.cast(pl.String), pl.lit('" customHeight="1"')))
        .otherwise(pl.lit(""))
    )
    xml = frame.select(
        pl.concat_str(
            pl.lit('<row r="'), r, pl.lit('"'), height, pl.lit(">"), *cells, pl.lit("</row>")
        ).str.join("")
    ).item()
    link_rows = frame.filter(pl.col("_link"))
    links: list[str] = []
    if link_rows.height:
        target = pl.concat_str(
            pl.lit("'"),
            pl.col("_sheet").str.replace_all("'", "''", literal=True),
            pl.lit("'!"),
            pl.col("_col").replace_strict(
                {c: column_letter(c) for c in link_rows.get_column("_col").unique().to_list()},
                return_dtype=pl.String,
            ),
            pl.col("_row").cast(pl.String),
        )
        links = (
            link_rows.select(
                pl.concat_str(
                    pl.lit(f'<hyperlink ref="{column_letter(LINK_COLUMN)}'),
                    pl.col("_r").cast(pl.String),
                    pl.lit('" location="'),
                    _attr_escape(target),
                    pl.lit('" display="'),
                    _attr_escape(pl.col("cel")),
                    pl.lit('"/>'),
                )
            )
            .to_series()
            .to_list()
        )
    return xml, links


def _cell(ref: str, value: str | int, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if value == "":
        return ""
    text = _fit_text(clean_text(value))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _dutch_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# --- small part helpers -----------------------------------------------------------------


def _now() -> tuple[int, int, int, int, int, int]:
    return datetime.now().timetuple()[:6]  # type: ignore[return-value]


def _is_own_name(name: str) -> bool:
    """A defined name the tool writes: ``jeugdhulp_controle``, ``jeugdhulp_controlelijst``,
    ``jeugdhulp_markering<n>`` or the write stamp ``jeugdhulp_geschreven``."""
    lowered = name.lower()
    return lowered in (CONTROLE_NAME, CATALOGUE_NAME, STAMP_NAME) or (
        lowered.startswith(MARKS_NAME) and lowered[len(MARKS_NAME) :].isdigit()
    )


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _free_part_name(stem: str, lower_names: set[str]) -> str:
    candidate, n = f"{stem}.xml", 2
    while candidate.lower() in lower_names:
        candidate, n = f"{stem}{n}.xml", n + 1
    return candidate


def _free_rel_id(used: set[str]) -> str:
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def _drop(element: etree._Element) -> None:
    """Remove `element`, keeping the whitespace that followed it in its place."""
    parent = element.getparent()
    assert parent is not None
    tail = element.tail
    previous = element.getprevious()
    if tail and tail.strip() == "":
        tail = None  # the previous sibling's own tail already spaces the next one
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _tidy_tail(parent: etree._Element, new: etree._Element) -> None:
    """Give an appended element the indentation its siblings have (pretty-printed parts)."""
    siblings = children(parent)
    if len(siblings) >= 3:
        before = siblings[-2]
        new.tail = before.tail
        before.tail = siblings[-3].tail


# --- styles -------------------------------------------------------------------------------


def _collection(root: etree._Element, local: str) -> etree._Element:
    found = child(root, local)
    if found is None:
        found = etree.Element(f"{{{namespace_of(root)}}}{local}")
        found.set("count", "0")
        insert_in_order(root, found, _STYLE_ORDER, local)
    return found


def _ensure(collection: etree._Element, entry: etree._Element, *, new: bool = False) -> int:
    """Index of an element like `entry` in `collection`, appending it when absent (`new`:
    append it anyway)."""
    key = canonical(entry)
    items = children(collection)
    for i, item in enumerate(items):
        if not new and canonical(item) == key:
            return i
    collection.append(entry)
    if len(items) >= 2:
        _tidy_tail(collection, entry)
    collection.set("count", str(len(items) + 1))
    return len(items)


def _add_styles(root: etree._Element, avoid: Callable[[], set[int]] = set) -> _Styles:
    """Fonts, cell formats and the two mark formats, reused if an earlier run added them.

    `avoid` gives the differential-format indices other parts point at (asked only when the
    mark formats have to be added); the new ones are placed past them."""
    ns = namespace_of(root)

    def el(local: str, **attrs: str) -> etree._Element:
        element = etree.Element(f"{{{ns}}}{local}")
        for k, v in attrs.items():
            element.set(k, v)
        return element

    fonts = _collection(root, "fonts")
    if not children(fonts):
        fonts.append(el("font"))
        fonts.set("count", "1")
    fills = _collection(root, "fills")
    if not children(fills):
        for pattern in ("none", "gray125"):
            fill = el("fill")
            fill.append(el("patternFill", patternType=pattern))
            fills.append(fill)
        fills.set("count", "2")
    borders = _collection(root, "borders")
    if not children(borders):
        border = el("border")
        for side in ("left", "right", "top", "bottom", "diagonal"):
            border.append(el(side))
        borders.append(border)
        borders.set("count", "1")
    style_xfs = _collection(root, "cellStyleXfs")
    if not children(style_xfs):
        style_xfs.append(el("xf", numFmtId="0", fontId="0", fillId="0", borderId="0"))
        style_xfs.set("count", "1")

    base = copy.deepcopy(children(fonts)[0])
    base.tail = None

    def variant(remove: set[str], add: list[etree._Element]) -> etree._Element:
        font = copy.deepcopy(base)
        for item in list(font):
            if local_name(item) in remove or not isinstance(item.tag, str):
                font.remove(item)
        for i, item in enumerate(add):
            font.insert(i, item)
        return font

    bold = variant({"b"}, [el("b")])
    title = variant({"b", "sz"}, [el("b"), el("sz", val="14")])
    section = variant({"b", "sz"}, [el("b"), el("sz", val="12")])
    link = variant({"u", "color"}, [el("u"), el("color", rgb="FF0563C1")])
    bold_id = _ensure(fonts, bold)
    title_id = _ensure(fonts, title)
    section_id = _ensure(fonts, section)
    link_id = _ensure(fonts, link)

    xfs = _collection(root, "cellXfs")
    if not children(xfs):
        xfs.append(el("xf", numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0"))
        xfs.set("count", "1")

    def xf(
        font: int = 0,
        fill: int = 0,
        *,
        wrap: bool = False,
        guarded: bool = False,
        centre: bool = False,
    ) -> etree._Element:
        """A cell format: top-aligned, optionally wrapping; `guarded`: text format plus quote
        prefix, what Excel itself stores for a value typed as '=..."""
        element = el(
            "xf",
            numFmtId="49" if guarded else "0",
            fontId=str(font),
            fillId=str(fill),
            borderId="0",
            xfId="0",
        )
        if guarded:
            element.set("applyNumberFormat", "1")
            element.set("quotePrefix", "1")
        if font:
            element.set("applyFont", "1")
        if fill:
            element.set("applyFill", "1")
        element.set("applyAlignment", "1")
        alignment = el("alignment", vertical="top")
        if centre:
            alignment.set("horizontal", "center")
        if wrap:
            alignment.set("wrapText", "1")
        element.append(alignment)
        return element

    status = {}
    for name, (text_rgb, fill_rgb) in STATUS_COLOURS.items():
        font = variant({"b", "color"}, [el("b"), el("color", rgb=f"FF{text_rgb}")])
        fill = el("fill")
        pattern = el("patternFill", patternType="solid")
        pattern.append(el("fgColor", rgb=f"FF{fill_rgb}"))
        pattern.append(el("bgColor", indexed="64"))
        fill.append(pattern)
        status[name] = _ensure(xfs, xf(_ensure(fonts, font), _ensure(fills, fill), wrap=True))
    styles = _Styles(
        title=_ensure(xfs, xf(title_id)),
        header=_ensure(xfs, xf(bold_id)),
        section=_ensure(xfs, xf(section_id)),
        link=_ensure(xfs, xf(link_id)),
        top=_ensure(xfs, xf()),
        number=_ensure(xfs, xf(centre=True)),
        wrap=_ensure(xfs, xf(wrap=True)),
        guarded=_ensure(xfs, xf(guarded=True)),
        guarded_wrap=_ensure(xfs, xf(wrap=True, guarded=True)),
        status=status,
        dxf={},
    )
    dxfs = _collection(root, "dxfs")
    base = len(children(dxfs))
    wanted = {}
    for severity, (text_rgb, fill_rgb) in _DXF_COLOURS.items():
        entry = el("dxf")
        font = el("font")
        font.append(el("color", rgb=text_rgb))
        fill = el("fill")
        pattern = el("patternFill")
        pattern.append(el("bgColor", rgb=fill_rgb))
        fill.append(pattern)
        entry.append(font)
        entry.append(fill)
        wanted[severity] = entry
    keys = [canonical(item) for item in children(dxfs)]
    dxf = {s: keys.index(k) for s, e in wanted.items() if (k := canonical(e)) in keys}
    neutral = None
    if len(dxf) < len(wanted):
        # New formats go where nothing points: a rule whose dxfId was already past the end
        # (a broken reference in the original) must not become a red mark. A neutral, empty
        # format comes first (a rewritten sheet's broken rules are pointed at it, see
        # `_edit_marks`), then empty padding past every index another part uses.
        neutral = _ensure(dxfs, el("dxf"))
        used = avoid()
        missing = [s for s in wanted if s not in dxf]
        start = len(children(dxfs))
        while any(start + i in used for i in range(len(missing))):
            start += 1
        while len(children(dxfs)) < start:
            _ensure(dxfs, el("dxf"), new=True)
        for severity in missing:
            dxf[severity] = _ensure(dxfs, wanted[severity], new=True)
    styles.dxf = dxf
    styles.dxf_added = range(base, len(children(dxfs))) if neutral is not None else range(0)
    styles.neutral = neutral
    return styles


# --- marks in a worksheet -----------------------------------------------------------------


def _is_own_rule(rule: etree._Element) -> bool:
    return any(MARKER in (f.text or "") for f in children(rule, "formula"))


def _edit_marks(
    root: etree._Element,
    marks: dict[str, list[str]],
    dxf: dict[str, int],
    remove_own: bool,
    *,
    added: range = range(0),
    neutral: int | None = None,
) -> None:
    """Remove the tool's earlier rules (when `remove_own`) and add the new marks. A user's
    rule whose dxfId points into the formats this run `added` pointed past the end of the
    original's formats (a broken reference); it is moved to the `neutral` (empty) format, so
    it keeps showing nothing instead of the tool's red."""
    ns = namespace_of(root)
    for cf in children(root, "conditionalFormatting"):
        for rule in children(cf, "cfRule"):
            if remove_own and _is_own_rule(rule):
                _drop(rule)
            elif (
                neutral is not None
                and (value := rule.get("dxfId", "").strip()).isdigit()
                and int(value) in added
            ):
                rule.set("dxfId", str(neutral))
        if remove_own and not children(cf, "cfRule"):
            _drop(cf)
    # Long lists go in several elements so no single sqref becomes unwieldy for Excel.
    blocks = [
        (severity, ranges[i : i + _SQREF_AREAS])
        for severity in SEVERITIES
        if marks.get(severity)
        for ranges in [marks[severity]]
        for i in range(0, len(ranges), _SQREF_AREAS)
    ]
    if not blocks:
        return
    # Give the marks precedence over the user's own rules without reusing their priorities.
    rules = [e for e in root.iter() if isinstance(e.tag, str) and local_name(e) == "cfRule"]
    priorities = [int(v) for e in rules if (v := e.get("priority", "")).isdigit()]
    shift = max(0, len(blocks) - (min(priorities, default=len(blocks) + 1) - 1))
    if shift:
        for rule in rules:
            value = rule.get("priority", "")
            if value.isdigit():
                rule.set("priority", str(int(value) + shift))
    anchor = None
    for item in root:
        if isinstance(item.tag, str) and local_name(item) in _BEFORE_CF:
            anchor = item
    assert anchor is not None  # sheetData at least
    position = root.index(anchor) + 1
    for priority, (severity, ranges) in enumerate(blocks, start=1):
        cf = etree.Element(f"{{{ns}}}conditionalFormatting")
        cf.set("sqref", " ".join(ranges))
        rule = etree.SubElement(cf, f"{{{ns}}}cfRule")
        rule.set("type", "expression")
        rule.set("dxfId", str(dxf[severity]))
        rule.set("priority", str(priority))
        formula = etree.SubElement(rule, f"{{{ns}}}formula")
        formula.text = f'ISTEXT("{MARKER}:{severity}")'
        cf.tail = anchor.tail if (anchor.tail or "").strip() == "" and anchor.tail else None
        root.insert(position, cf)
        position += 1
