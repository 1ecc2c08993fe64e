"""Write check findings back into the user's workbook without losing anything of it.

The annotator edits the workbook's zip package directly instead of loading and saving it with a
spreadsheet library (which would drop charts, pivot tables, VBA, comments and whatever else it
does not model). What it changes:

- a sheet ``Controle`` is added as the first tab: a legend (what *fout* and *waarschuwing* mean,
  when the check ran, with which region profile), then one row per finding with a link to the
  cell, an autofilter and a frozen header;
- every flagged cell gets a conditional format (red for *fout*, orange for *waarschuwing*) in
  its own sheet;
- the parts that have to know about that: ``[Content_Types].xml``, the workbook part and its
  relationships, the styles part and the worksheet parts that get marks.

Every other zip member is copied as raw compressed bytes, so it stays byte for byte identical.
Worksheets are streamed: only the small tail after ``</sheetData>`` is edited, so a sheet of a
million rows costs a decompress-and-recompress pass, not a parse.

Re-running on an annotated workbook replaces the previous ``Controle`` sheet and the previous
marks: both carry the marker ``jeugdhulp-controle`` in a conditional-format formula
(``ISTEXT("jeugdhulp-controle:fout")``, always TRUE); a conditional format survives when the
user saves the file (tested with LibreOffice). A sheet the user named ``Controle`` without that marker is left alone and
the new sheet becomes ``Controle (2)``.

The user's active tab stays active (its index is shifted by one): making ``Controle`` active
would mean clearing ``tabSelected`` in sheets that otherwise need no change, and a workbook
whose active tab and selected tab disagree opens with grouped sheets in Excel. Only when the
earlier ``Controle`` was the active tab does the new one become active.

A CSV source becomes a new xlsx (one sheet of text cells, named after the file) that then gets
the same treatment.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import polars as pl

from batch._ooxml import (
    MAIN_NS,
    REL_NS,
    WORKSHEET_CT,
    WORKSHEET_REL,
    ParallelDeflateMember,
    Tag,
    copy_member_raw,
    element_span,
    escape_attr,
    escape_text,
    find_tag,
    iter_tags,
    ns_prefix,
    open_member,
    parse_attrs,
    rels_part_of,
    resolve_target,
    set_attr,
    top_level_children,
)
from batch.files import atomic_write
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
    SEVERITIES,
    WIDTHS,
    finding_sort_key,
    finding_values,
    legend_lines,
)
from jeugdhulp.controle_layout import parse_ref as _parse_ref
from jeugdhulp.controle_layout import sqref as _sqref
from jeugdhulp.errors import JeugdhulpError, OngeldigeInvoer
from jeugdhulp.findings import FINDING_FIELDS, Finding, column_letter

__all__ = [
    "CONTROLE_SHEET",
    "MARKER",
    "AnnotateResult",
    "WerkmapOpen",
    "annotate_workbook",
    "output_path_for",
]

#: Text inside the conditional-format formulas the annotator writes; identifies its own marks.
MARKER = "jeugdhulp-controle"
#: Excel refuses more hyperlinks than this on one sheet.
MAX_HYPERLINKS = 65_530
# The layout (headers, widths, legend, colours) lives in jeugdhulp.controle_layout.
_DXF_COLOURS = {s: (f"FF{text}", f"FF{fill}") for s, (text, fill) in COLOURS.items()}
_CONTROLE_NAME = re.compile(r"controle(?: \(\d+\))?", re.IGNORECASE)
_SHEETDATA_END = re.compile(
    rb"</((?:[A-Za-z_][\w.\-]*:)?)sheetData\s*>|<((?:[A-Za-z_][\w.\-]*:)?)sheetData\s*/>"
)
_CHUNK = 1 << 20
_SQREF_AREAS = 1000
#: Deflate level for rewritten sheets (ISA-L, see batch._ooxml): level 1 is the fastest; the
#: sheet comes out some 20% larger than Excel's own, and Excel recompresses it on the next save
#: (benchmarks/bench_annotate.py compares the levels).
COMPRESS_LEVEL = 1
# Elements that follow conditionalFormatting in CT_Worksheet (ECMA-376 part 1, 18.3.1.99).
_AFTER_CF = frozenset(
    [
        "dataValidations",
        "hyperlinks",
        "printOptions",
        "pageMargins",
        "pageSetup",
        "headerFooter",
        "rowBreaks",
        "colBreaks",
        "customProperties",
        "cellWatches",
        "ignoredErrors",
        "smartTags",
        "drawing",
        "legacyDrawing",
        "legacyDrawingHF",
        "drawingHF",
        "picture",
        "oleObjects",
        "controls",
        "webPublishItems",
        "tableParts",
        "extLst",
        "AlternateContent",
    ]
)
# CT_Stylesheet order, to place a collection the styles part lacks.
_STYLE_ORDER = tuple(
    [
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
    ]
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
)


class WerkmapOpen(JeugdhulpError):
    """The target workbook is open in Excel (its owner file ``~$name`` exists)."""


@dataclass(frozen=True, slots=True)
class AnnotateResult:
    target: Path
    findings_written: int
    cells_marked: int


def output_path_for(source: Path, *, uitvoer: Path | None = None, vervang: bool = False) -> Path:
    """Where the annotated copy of `source` goes.

    By default a new file beside the original, ``<stem>.controle<suffix>``, or in folder
    `uitvoer`. With `vervang` the source itself (not for CSV, which cannot hold the marks: a CSV
    always gets ``<stem>.controle.xlsx``). Annotating an earlier output again targets that same
    file instead of stacking ``.controle.controle``.

    >>> output_path_for(Path("map/voorbeeld.xlsm")).as_posix()
    'map/voorbeeld.controle.xlsm'
    >>> output_path_for(Path("map/monitor.csv"), uitvoer=Path("uit")).as_posix()
    'uit/monitor.controle.xlsx'
    >>> output_path_for(Path("map/voorbeeld.controle.xlsx")).as_posix()
    'map/voorbeeld.controle.xlsx'
    """
    source = Path(source)
    is_csv = source.suffix.lower() == ".csv"
    if vervang and not is_csv:
        return source
    suffix = ".xlsx" if is_csv else source.suffix
    stem = source.stem
    name = f"{stem}{suffix}" if stem.lower().endswith(".controle") else f"{stem}.controle{suffix}"
    return Path(uitvoer if uitvoer is not None else source.parent) / name


def annotate_workbook(
    source: Path,
    findings: Sequence[Finding] | pl.DataFrame,
    target: Path,
    *,
    profiel: str,
    gecontroleerd_op: datetime,
    legenda: Sequence[tuple[str, str, str]] = (),
) -> AnnotateResult:
    """Write `findings` into a copy of `source` at `target` (which may be `source` itself).

    `findings` is a list of `Finding` or a polars frame with exactly the columns
    `FINDING_FIELDS`. `legenda` lists (check id, severity, short description) rows shown beside
    the findings. The write is atomic: a temporary file in the target's folder replaces the
    target only when complete. Raises `WerkmapOpen` when Excel has the target open.
    """
    source, target = Path(source), Path(target)
    rows = _as_findings(findings)
    _check_suffixes(source, target)
    _refuse_if_open(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    options = _SheetOptions(profiel, gecontroleerd_op, tuple(legenda))
    if source.suffix.lower() == ".csv":
        sheet = _csv_sheet_name(source)
        with tempfile.TemporaryFile(dir=target.parent, prefix=".jeugdhulp-csv-") as scratch:
            _csv_to_xlsx(source, scratch, sheet)
            scratch.seek(0)
            return _atomic_write(
                target, source, lambda out: _annotate_package(scratch, out, rows, options, sheet)
            )
    with open(source, "rb") as raw:
        if not zipfile.is_zipfile(raw):
            raise OngeldigeInvoer(
                f"'{source.name}' is geen xlsx- of xlsm-werkmap (of is met een wachtwoord "
                "beveiligd); sla het bestand in Excel op als .xlsx en probeer opnieuw."
            )
        return _atomic_write(
            target, source, lambda out: _annotate_package(raw, out, rows, options, None)
        )


def _check_suffixes(source: Path, target: Path) -> None:
    """Excel refuses a workbook whose extension does not match its content type."""
    wanted = ".xlsx" if source.suffix.lower() == ".csv" else source.suffix.lower()
    if target.suffix.lower() != wanted:
        raise OngeldigeInvoer(
            f"De gecontroleerde werkmap van '{source.name}' moet op '{wanted}' eindigen, "
            f"niet '{target.name}'."
        )


# --- input --------------------------------------------------------------------------------


def _as_findings(findings: Iterable[Finding] | pl.DataFrame) -> list[Finding]:
    if not isinstance(findings, pl.DataFrame):
        return list(findings)
    if sorted(findings.columns) != sorted(FINDING_FIELDS):
        raise OngeldigeInvoer(
            "Het overzicht van bevindingen heeft niet de verwachte kolommen "
            f"({', '.join(FINDING_FIELDS)}), maar ({', '.join(findings.columns)})."
        )
    out = []
    for record in findings.select(FINDING_FIELDS).iter_rows(named=True):
        text = {k: "" if v is None else str(v) for k, v in record.items()}
        out.append(Finding(**{**text, "rij": int(record["rij"] or 0)}))  # type: ignore[arg-type]
    return out


def _refuse_if_open(target: Path) -> None:
    lock = target.with_name(f"~${target.name}")
    if lock.exists():
        raise WerkmapOpen(
            f"'{target.name}' is geopend in Excel; sluit het bestand en probeer opnieuw. "
            f"(Is Excel niet open, dan is '{lock.name}' blijven staan: verwijder dat bestand.)"
        )


def _csv_sheet_name(source: Path) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", source.stem).strip("'")[:31]
    if not name or _CONTROLE_NAME.fullmatch(name):
        return "Gegevens"
    return name


def _csv_to_xlsx(source: Path, out: BinaryIO, sheet: str) -> None:
    """The CSV as one sheet of text cells: nothing converted, so nothing lost."""
    import xlsxwriter  # only the CSV path needs it

    from batch.reader import decode_csv, sniff_delimiter  # the reader's rules: same cells

    text = decode_csv(source.read_bytes())
    delimiter = sniff_delimiter(text)
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
    width = 0
    rows = 0
    for r, record in enumerate(
        csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    ):
        for c, value in enumerate(record):
            if value != "":
                sheet_obj.write_string(r, c, value)
        width = max(width, len(record))
        rows = r + 1
    if rows and width:
        sheet_obj.ignore_errors({"number_stored_as_text": f"A1:{column_letter(width - 1)}{rows}"})
    book.close()


# --- atomic write -------------------------------------------------------------------------


def _atomic_write(
    target: Path, source: Path, write: Callable[[BinaryIO], tuple[int, int]]
) -> AnnotateResult:
    """Write via a temporary file beside `target`; the target appears complete or not at all.
    The result keeps the permissions the user's file had."""
    written, marked = atomic_write(
        target, write, permissions_of=target if target.exists() else source
    )
    return AnnotateResult(target, written, marked)


# --- the package --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SheetOptions:
    profiel: str
    gecontroleerd_op: datetime
    legenda: tuple[tuple[str, str, str], ...]


@dataclass(slots=True)
class _Sheet:
    name: str
    part: str | None
    is_worksheet: bool
    tag_text: str
    rel_id: str


@dataclass(slots=True)
class _Styles:
    title: int
    header: int
    link: int
    guarded: int
    dxf: dict[str, int]


def _annotate_package(
    source: BinaryIO,
    out: BinaryIO,
    findings: list[Finding],
    options: _SheetOptions,
    only_sheet: str | None,
) -> tuple[int, int]:
    """Write the annotated package to `out`; returns (findings written, cells marked)."""
    with zipfile.ZipFile(source) as zin:
        return _annotate_open_package(zin, source, out, findings, options, only_sheet)


def _annotate_open_package(
    zin: zipfile.ZipFile,
    source: BinaryIO,
    out: BinaryIO,
    findings: list[Finding],
    options: _SheetOptions,
    only_sheet: str | None,
) -> tuple[int, int]:
    names = {info.filename for info in zin.infolist()}

    root_rels = zin.read("_rels/.rels").decode("utf-8")
    workbook_part = next(
        resolve_target("", rel["Target"])
        for rel in _relationships(root_rels)
        if rel["Type"].endswith("/officeDocument")
    )
    wb_rels_part = rels_part_of(workbook_part)
    workbook = zin.read(workbook_part).decode("utf-8")
    wb_rels = zin.read(wb_rels_part).decode("utf-8")
    rels = {rel["Id"]: rel for rel in _relationships(wb_rels)}
    rel_prefix = ns_prefix(workbook, REL_NS) or ns_prefix(
        workbook, "http://purl.oclc.org/ooxml/officeDocument/relationships"
    )

    sheets = _sheets(workbook, rels, workbook_part, rel_prefix)
    removed = [
        i
        for i, sheet in enumerate(sheets)
        if _CONTROLE_NAME.fullmatch(sheet.name)
        and sheet.is_worksheet
        and sheet.part in names
        and _has_marker(zin, sheet.part)
    ]
    kept = [i for i in range(len(sheets)) if i not in removed]
    new_index = {old: new + 1 for new, old in enumerate(kept)}
    taken = {sheets[i].name.lower() for i in kept}
    controle_name = CONTROLE_SHEET
    n = 2
    while controle_name.lower() in taken:
        controle_name = f"{CONTROLE_SHEET} ({n})"
        n += 1

    # Findings in workbook order, then row and column, so the list reads top-down.
    by_name = {sheets[i].name: sheets[i] for i in kept}
    by_lower = {name.lower(): sheet for name, sheet in by_name.items()}
    order = {sheets[i].name: pos for pos, i in enumerate(kept)}

    def sheet_of(finding: Finding) -> _Sheet | None:
        if only_sheet is not None:
            return by_name.get(only_sheet)
        return by_name.get(finding.blad) or by_lower.get(finding.blad.lower())

    def sort_key(finding: Finding) -> tuple[int, int, int, str]:
        sheet = sheet_of(finding)
        return finding_sort_key(finding, order.get(sheet.name, len(order)) if sheet else len(order))

    findings = sorted(findings, key=sort_key)
    marks: dict[str, dict[str, set[tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
    for finding in findings:
        sheet = sheet_of(finding)
        ref = _parse_ref(finding.cel)
        if sheet is None or not sheet.is_worksheet or sheet.part is None or ref is None:
            continue
        severity = finding.ernst if finding.ernst in SEVERITIES else "waarschuwing"
        marks[sheet.part][severity].add(ref)
    for per_severity in marks.values():
        per_severity["waarschuwing"] -= per_severity["fout"]  # a red mark wins
    cells_marked = sum(len(cells) for m in marks.values() for cells in m.values())

    # On a re-run, earlier marks may sit in sheets that get no marks now.
    rewrite = set(marks)
    if removed:
        rewrite |= {
            sheets[i].part
            for i in kept
            if sheets[i].is_worksheet
            and sheets[i].part in names
            and sheets[i].part not in rewrite
            and _has_marker(zin, sheets[i].part)  # type: ignore[arg-type]
        }

    removed_parts = set()
    for i in removed:
        part = sheets[i].part
        assert part is not None
        removed_parts |= {part, rels_part_of(part)}
    folder = workbook_part.rpartition("/")[0]
    controle_part = _free_part_name(
        f"{folder}/worksheets/jeugdhulp_controle" if folder else "worksheets/jeugdhulp_controle",
        names - removed_parts,
    )

    # Styles (create the part if the package has none).
    styles_rel = next((r for r in rels.values() if r["Type"].endswith("/styles")), None)
    styles_part = (
        resolve_target(workbook_part, styles_rel["Target"])
        if styles_rel
        else (f"{folder}/styles.xml" if folder else "styles.xml")
    )
    styles_xml = zin.read(styles_part).decode("utf-8") if styles_part in names else _MINIMAL_STYLES
    styles_xml, styles = _add_styles(styles_xml)

    worksheet_type = next(
        (r["Type"] for r in rels.values() if r["Type"].endswith("/worksheet")), WORKSHEET_REL
    )
    new_rels = {}
    wb_rels = _remove_relationships(wb_rels, {sheets[i].rel_id for i in removed})
    rid_controle = _free_rel_id(wb_rels)
    new_rels[rid_controle] = (worksheet_type, _relative(folder, controle_part))
    if styles_part not in names:
        new_rels[_free_rel_id(wb_rels, skip=set(new_rels))] = (
            worksheet_type.rpartition("/")[0] + "/styles",
            _relative(folder, styles_part),
        )
    wb_rels = _add_relationships(wb_rels, new_rels)

    # If the earlier Controle was the active tab, the new one takes its place.
    view = find_tag(workbook, "workbookView")
    active = view.attrs.get("activeTab", "0") if view else "0"
    controle_was_active = active.isdigit() and int(active) in removed
    last_row = HEADER_ROW + max(len(findings), 1)
    workbook = _edit_workbook(
        workbook,
        sheets,
        kept,
        removed,
        new_index,
        controle_name,
        rid_controle,
        rel_prefix,
        f"{_quote_sheet(controle_name)}!$A${HEADER_ROW}:${column_letter(len(HEADERS) - 1)}"
        f"${last_row}",
    )
    content_types = zin.read("[Content_Types].xml").decode("utf-8")
    content_types = _edit_content_types(
        content_types,
        removed_parts,
        {controle_part: WORKSHEET_CT}
        | (
            {}
            if styles_part in names
            else {
                styles_part: "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
            }
        ),
    )
    controle_xml = _controle_sheet(
        findings, options, styles, sheet_of, selected=controle_was_active
    )

    changed = {
        "[Content_Types].xml": content_types,
        workbook_part: workbook,
        wb_rels_part: wb_rels,
        styles_part: styles_xml,
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
        for info in zin.infolist():
            name = info.filename
            if name in removed_parts:
                continue
            if name in changed:
                _write_text(zout, info, changed.pop(name))
            elif name in rewrite:
                _rewrite_sheet(zin, info, zout, marks.get(name, {}), styles.dxf)
            else:
                copy_member_raw(source, info, zout)
        for name, text in changed.items():  # parts the package did not have
            _write_text(zout, zipfile.ZipInfo(name, _now()), text)
        _write_text(zout, zipfile.ZipInfo(controle_part, _now()), controle_xml)
    return len(findings), cells_marked


def _now() -> tuple[int, int, int, int, int, int]:
    return datetime.now().timetuple()[:6]  # type: ignore[return-value]


def _write_text(zout: zipfile.ZipFile, info: zipfile.ZipInfo, text: str) -> None:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = zipfile.ZIP_DEFLATED
    new.external_attr = info.external_attr
    zout.writestr(new, text.encode("utf-8"))


def _relationships(rels_xml: str) -> list[dict[str, str]]:
    return [tag.attrs for tag in iter_tags(rels_xml) if tag.local == "Relationship"]


def _relative(folder: str, part: str) -> str:
    return part[len(folder) + 1 :] if folder and part.startswith(folder + "/") else f"/{part}"


def _free_part_name(stem: str, names: set[str]) -> str:
    lower = {n.lower() for n in names}
    candidate, n = f"{stem}.xml", 2
    while candidate.lower() in lower:
        candidate, n = f"{stem}{n}.xml", n + 1
    return candidate


def _free_rel_id(rels_xml: str, skip: frozenset[str] | set[str] = frozenset()) -> str:
    used = {rel["Id"] for rel in _relationships(rels_xml)} | skip
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def _remove_relationships(rels_xml: str, ids: set[str]) -> str:
    for tag in reversed(list(iter_tags(rels_xml))):
        if tag.local == "Relationship" and not tag.closing and tag.attrs.get("Id") in ids:
            start, end = element_span(rels_xml, tag)
            rels_xml = rels_xml[:start] + rels_xml[end:]
    return rels_xml


def _add_relationships(rels_xml: str, new: dict[str, tuple[str, str]]) -> str:
    root = find_tag(rels_xml, "Relationships")
    assert root is not None
    p = root.prefix
    added = "".join(
        f'<{p}Relationship Id="{rid}" Type="{escape_attr(kind)}" Target="{escape_attr(target)}"/>'
        for rid, (kind, target) in new.items()
    )
    return _append_child(rels_xml, root, added)


def _append_child(text: str, parent: Tag, child: str) -> str:
    """`text` with `child` added as the last child of the element `parent` opens."""
    if parent.empty:
        open_tag = text[parent.start : parent.end - 2].rstrip() + ">"
        close = f"</{parent.prefix}{parent.local}>"
        return text[: parent.start] + open_tag + child + close + text[parent.end :]
    start, end = element_span(text, parent)
    close_at = text.rindex("</", start, end)
    return text[:close_at] + child + text[close_at:]


def _edit_content_types(xml: str, removed: set[str], added: dict[str, str]) -> str:
    drop = {f"/{part}".lower() for part in removed | set(added)}
    for tag in reversed(list(iter_tags(xml))):
        if (
            tag.local == "Override"
            and not tag.closing
            and tag.attrs.get("PartName", "").lower() in drop
        ):
            start, end = element_span(xml, tag)
            xml = xml[:start] + xml[end:]
    root = find_tag(xml, "Types")
    assert root is not None
    overrides = "".join(
        f'<{root.prefix}Override PartName="/{escape_attr(part)}" ContentType="{kind}"/>'
        for part, kind in added.items()
    )
    return _append_child(xml, root, overrides)


# --- workbook.xml -------------------------------------------------------------------------


def _sheets(
    workbook: str, rels: dict[str, dict[str, str]], workbook_part: str, rel_prefix: str | None
) -> list[_Sheet]:
    container = find_tag(workbook, "sheets")
    if container is None:
        return []
    end = element_span(workbook, container)[1]
    out = []
    for tag in top_level_children(workbook, container.end, end):
        if tag.local != "sheet":
            continue
        attrs = tag.attrs
        rid = next(
            (v for k, v in attrs.items() if k == f"{rel_prefix or 'r:'}id" or k.endswith(":id")),
            "",
        )
        rel = rels.get(rid)
        part = resolve_target(workbook_part, rel["Target"]) if rel else None
        out.append(
            _Sheet(
                name=attrs.get("name", ""),
                part=part,
                is_worksheet=bool(rel and rel["Type"].endswith("/worksheet")),
                tag_text=workbook[tag.start : element_span(workbook, tag)[1]],
                rel_id=rid,
            )
        )
    return out


def _edit_workbook(
    workbook: str,
    sheets: list[_Sheet],
    kept: list[int],
    removed: list[int],
    new_index: dict[int, int],
    controle_name: str,
    rid: str,
    rel_prefix: str | None,
    filter_range: str,
) -> str:
    def remap(value: str | None) -> str | None:
        if value is None or not value.isdigit():
            return value
        return str(new_index.get(int(value), 0))

    # Book views: keep the user's active tab; keep the tab strip scrolled to the start.
    views = find_tag(workbook, "bookViews")
    sheets_tag = find_tag(workbook, "sheets")
    assert sheets_tag is not None
    if views is None:
        p = sheets_tag.prefix
        active = new_index.get(0, 0)
        workbook = (
            workbook[: sheets_tag.start]
            + f'<{p}bookViews><{p}workbookView activeTab="{active}"/></{p}bookViews>'
            + workbook[sheets_tag.start :]
        )
    else:
        start, end = element_span(workbook, views)
        for tag in reversed(list(top_level_children(workbook, views.end, end))):
            if tag.local != "workbookView":
                continue
            text = workbook[tag.start : tag.end]
            attrs = tag.attrs
            text = set_attr(text, "activeTab", remap(attrs.get("activeTab", "0")))
            if attrs.get("firstSheet", "0") != "0":
                text = set_attr(text, "firstSheet", remap(attrs["firstSheet"]))
            workbook = workbook[: tag.start] + text + workbook[tag.end :]

    # The sheet list: Controle first, the earlier Controle gone.
    sheets_tag = find_tag(workbook, "sheets")
    assert sheets_tag is not None
    start, end = element_span(workbook, sheets_tag)
    ids = [int(parse_attrs(s.tag_text).get("sheetId", "0") or 0) for s in sheets]
    p = sheets_tag.prefix
    if rel_prefix is None:
        rid_attr = f'xmlns:r="{REL_NS}" r:id="{rid}"'
    else:
        rid_attr = f'{rel_prefix}id="{rid}"'
    controle = (
        f'<{p}sheet name="{escape_attr(controle_name)}" sheetId="{max(ids, default=0) + 1}" '
        f"{rid_attr}/>"
    )
    body = controle + "".join(sheets[i].tag_text for i in kept)
    close = f"</{p}sheets>"
    workbook = workbook[:start] + f"<{p}sheets>" + body + close + workbook[end:]

    # Defined names: sheet-local ones follow their sheet; those of the old Controle go.
    names_tag = find_tag(workbook, "definedNames")
    filter_name = (
        f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"{escape_text(filter_range)}</{p}definedName>"
    )
    if names_tag is None:
        anchor = None
        for local in ("externalReferences", "functionGroups", "sheets"):
            tag = find_tag(workbook, local)
            if tag is not None:
                anchor = element_span(workbook, tag)[1]
                break
        assert anchor is not None
        return (
            workbook[:anchor]
            + f"<{p}definedNames>{filter_name}</{p}definedNames>"
            + workbook[anchor:]
        )
    start, end = element_span(workbook, names_tag)
    for tag in reversed(list(top_level_children(workbook, names_tag.end, end))):
        local_id = tag.attrs.get("localSheetId")
        if tag.local != "definedName" or local_id is None or not local_id.isdigit():
            continue
        span = element_span(workbook, tag)
        if int(local_id) in removed:
            workbook = workbook[: span[0]] + workbook[span[1] :]
        else:
            text = set_attr(workbook[tag.start : tag.end], "localSheetId", remap(local_id))
            workbook = workbook[: tag.start] + text + workbook[tag.end :]
    names_tag = find_tag(workbook, "definedNames")
    assert names_tag is not None
    after = names_tag.start if names_tag.empty else names_tag.end
    if names_tag.empty:
        return (
            workbook[:after]
            + f"<{p}definedNames>{filter_name}</{p}definedNames>"
            + workbook[names_tag.end :]
        )
    return workbook[:after] + filter_name + workbook[after:]


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# --- styles.xml ---------------------------------------------------------------------------


def _add_styles(xml: str) -> tuple[str, _Styles]:
    """Fonts, cell formats and the two mark formats, reused if an earlier run added them."""
    root = find_tag(xml, "styleSheet")
    assert root is not None
    p = root.prefix
    base_font = _first_child(xml, "fonts") or f"<{p}font/>"
    if base_font.endswith("/>"):
        base_font = base_font[:-2].rstrip() + f"></{p}font>"
    open_end = base_font.index(">") + 1
    bold = re.sub(rf"<{re.escape(p)}b\b[^>]*/>", "", base_font)
    bold = bold[:open_end] + f"<{p}b/>" + bold[open_end:]
    title = re.sub(rf"<{re.escape(p)}sz\b[^>]*/>", "", bold)
    title = title[:open_end] + f'<{p}sz val="14"/>' + title[open_end:]
    link = re.sub(rf"<{re.escape(p)}(?:u|color)\b[^>]*/>", "", base_font)
    link = link[:open_end] + f'<{p}u/><{p}color rgb="FF0563C1"/>' + link[open_end:]

    xml, bold_id = _ensure_child(xml, p, "fonts", bold)
    xml, title_id = _ensure_child(xml, p, "fonts", title)
    xml, link_id = _ensure_child(xml, p, "fonts", link)

    def font_xf(font: int) -> str:
        return (
            f'<{p}xf numFmtId="0" fontId="{font}" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        )

    xml, title_xf = _ensure_child(xml, p, "cellXfs", font_xf(title_id))
    xml, header_xf = _ensure_child(xml, p, "cellXfs", font_xf(bold_id))
    xml, link_xf = _ensure_child(xml, p, "cellXfs", font_xf(link_id))
    # Text format plus quote prefix: what Excel itself stores for a value typed as '=...
    guarded = (
        f'<{p}xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1" quotePrefix="1"/>'
    )
    xml, guarded_xf = _ensure_child(xml, p, "cellXfs", guarded)
    dxf = {}
    for severity, (text_rgb, fill_rgb) in _DXF_COLOURS.items():
        entry = (
            f'<{p}dxf><{p}font><{p}color rgb="{text_rgb}"/></{p}font><{p}fill><{p}patternFill>'
            f'<{p}bgColor rgb="{fill_rgb}"/></{p}patternFill></{p}fill></{p}dxf>'
        )
        xml, dxf[severity] = _ensure_child(xml, p, "dxfs", entry)
    return xml, _Styles(title_xf, header_xf, link_xf, guarded_xf, dxf)


def _first_child(xml: str, collection: str) -> str | None:
    tag = find_tag(xml, collection)
    if tag is None or tag.empty:
        return None
    end = element_span(xml, tag)[1]
    for child in top_level_children(xml, tag.end, end):
        a, b = element_span(xml, child)
        return xml[a:b]
    return None


def _ensure_child(xml: str, p: str, collection: str, entry: str) -> tuple[str, int]:
    """Index of `entry` in `collection`, appending it (and fixing `count`) when absent."""
    tag = find_tag(xml, collection)
    if tag is None:
        following = _STYLE_ORDER[_STYLE_ORDER.index(collection) + 1 :]
        anchor = None
        for local in following:
            found = find_tag(xml, local)
            if found is not None:
                anchor = found.start
                break
        if anchor is None:
            close = find_tag(xml, "styleSheet", closing=True)
            assert close is not None
            anchor = close.start
        xml = xml[:anchor] + f'<{p}{collection} count="0"/>' + xml[anchor:]
        tag = find_tag(xml, collection)
        assert tag is not None
    children: list[str] = []
    if not tag.empty:
        end = element_span(xml, tag)[1]
        for child in top_level_children(xml, tag.end, end):
            a, b = element_span(xml, child)
            children.append(xml[a:b])
    if entry in children:
        return xml, children.index(entry)
    xml = _append_child(xml, tag, entry)
    tag = find_tag(xml, collection)
    assert tag is not None
    open_tag = set_attr(xml[tag.start : tag.end], "count", str(len(children) + 1))
    return xml[: tag.start] + open_tag + xml[tag.end :], len(children)


# --- worksheets ---------------------------------------------------------------------------


def _stream_to_tail(src: BinaryIO, write: Callable[[bytes], object]) -> tuple[str, bytes] | None:
    """Pass the sheet through `write` up to and including the end of sheetData.

    Returns the namespace prefix used by the sheet and the rest of the part (the tail), or None
    (everything written) when the part has no sheetData. Finds candidates with `bytes.find`
    (memchr speed) and checks only those with the regex: a regex scan of 100 MB is slow.
    """
    carry = b""
    keep = 256  # longer than any closing sheetData tag, prefix included
    while True:
        chunk = src.read(_CHUNK)
        buf = carry + chunk if carry else chunk
        pos = buf.find(b"sheetData")
        while pos != -1:
            lt = buf.rfind(b"<", max(0, pos - keep), pos)
            m = _SHEETDATA_END.match(buf, lt) if lt != -1 else None
            if m is not None:
                write(buf[: m.end()])
                prefix = (m.group(1) or m.group(2) or b"").decode("ascii")
                return prefix, buf[m.end() :] + src.read()
            pos = buf.find(b"sheetData", pos + 1)
        if not chunk:
            write(buf)
            return None
        write(buf[:-keep])
        carry = buf[-keep:]


def _has_marker(zin: zipfile.ZipFile, part: str) -> bool:
    with open_member(zin, part) as src:
        found = _stream_to_tail(src, lambda _: None)
    return found is not None and MARKER.encode() in found[1]


def _rewrite_sheet(
    zin: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    zout: zipfile.ZipFile,
    marks: dict[str, set[tuple[int, int]]],
    dxf: dict[str, int],
) -> None:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.external_attr = info.external_attr
    with open_member(zin, info) as src, ParallelDeflateMember(zout, new, COMPRESS_LEVEL) as dst:
        found = _stream_to_tail(src, dst.write)
        if found is None:
            return
        prefix, tail = found
        dst.write(_mark_tail(tail.decode("utf-8"), prefix, marks, dxf).encode("utf-8"))


def _mark_tail(
    tail: str, p: str, marks: dict[str, set[tuple[int, int]]], dxf: dict[str, int]
) -> str:
    """The tail after sheetData with earlier marks removed and the new ones inserted."""
    for tag in reversed(list(top_level_children(tail, 0, len(tail)))):
        if tag.local == "conditionalFormatting":
            start, end = element_span(tail, tag)
            if MARKER in tail[start:end]:
                tail = tail[:start] + tail[end:]

    # Long lists go in several elements so no single sqref becomes unwieldy for Excel.
    blocks = [
        (severity, ranges[i : i + _SQREF_AREAS])
        for severity in SEVERITIES
        if marks.get(severity)
        for ranges in [_sqref(marks[severity])]
        for i in range(0, len(ranges), _SQREF_AREAS)
    ]
    if not blocks:
        return tail
    # Give the marks precedence over the user's own rules without reusing their priorities.
    rules = [t for t in iter_tags(tail) if t.local == "cfRule" and not t.closing]
    priorities = [int(v) for t in rules if (v := t.attrs.get("priority", "")).isdigit()]
    shift = max(0, len(blocks) - (min(priorities, default=len(blocks) + 1) - 1))
    if shift:
        for tag in reversed(rules):
            value = tag.attrs.get("priority", "")
            if value.isdigit():
                text = set_attr(tail[tag.start : tag.end], "priority", str(int(value) + shift))
                tail = tail[: tag.start] + text + tail[tag.end :]

    insert_at = None
    for tag in top_level_children(tail, 0, len(tail)):
        if tag.local in _AFTER_CF:
            insert_at = tag.start
            break
    if insert_at is None:
        close = next(t for t in iter_tags(tail) if t.closing and t.local == "worksheet")
        insert_at = close.start
    xml = []
    for priority, (severity, ranges) in enumerate(blocks, start=1):
        xml.append(
            f'<{p}conditionalFormatting sqref="{" ".join(ranges)}">'
            f'<{p}cfRule type="expression" dxfId="{dxf[severity]}" priority="{priority}">'
            f'<{p}formula>ISTEXT("{MARKER}:{severity}")</{p}formula></{p}cfRule>'
            f"</{p}conditionalFormatting>"
        )
    return tail[:insert_at] + "".join(xml) + tail[insert_at:]


# --- the Controle sheet -------------------------------------------------------------------


def _cell(ref: str, value: str | int, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if value == "":
        return ""
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape_text(value)}</t></is></c>'


def _text_style(value: str, styles: _Styles) -> int:
    # An inline string is never evaluated; quotePrefix keeps it text when the user edits it.
    return styles.guarded if value.startswith(FORMULA_START) else 0


def _controle_sheet(
    findings: list[Finding],
    options: _SheetOptions,
    styles: _Styles,
    sheet_of: Callable[[Finding], _Sheet | None],
    *,
    selected: bool = False,
) -> str:
    lines = legend_lines(findings, options.profiel, options.gecontroleerd_op)
    legend = [(text, styles.title if r == 0 else 0) for r, text in enumerate(lines)]
    rows: dict[int, list[str]] = defaultdict(list)
    for r, (text, style) in enumerate(legend, start=1):
        rows[r].append(_cell(f"A{r}", text, style))
    for c, header in enumerate(HEADERS):
        rows[HEADER_ROW].append(_cell(f"{column_letter(c)}{HEADER_ROW}", header, styles.header))
    links = []
    for r, finding in enumerate(findings, start=HEADER_ROW + 1):
        values = finding_values(finding)
        sheet = sheet_of(finding)
        ref = _parse_ref(finding.cel)
        linked = sheet is not None and ref is not None and len(links) < MAX_HYPERLINKS
        for c, value in enumerate(values):
            style = _text_style(value, styles) if isinstance(value, str) else 0
            if c == LINK_COLUMN and linked:
                style = styles.link
            rows[r].append(_cell(f"{column_letter(c)}{r}", value, style))
        if linked:
            assert sheet is not None and ref is not None
            target = f"{_quote_sheet(sheet.name)}!{column_letter(ref[0])}{ref[1]}"
            links.append(
                f'<hyperlink ref="D{r}" location="{escape_attr(target)}" '
                f'display="{escape_attr(finding.cel)}"/>'
            )
    if not findings:
        rows[HEADER_ROW + 1].append(_cell(f"A{HEADER_ROW + 1}", NO_FINDINGS))
    lc = LEGEND_COLUMN
    if options.legenda:
        for c, header in enumerate(LEGEND_HEADERS):
            ref = f"{column_letter(lc + c)}{HEADER_ROW}"
            rows[HEADER_ROW].append(_cell(ref, header, styles.header))
        for r, entry in enumerate(options.legenda, start=HEADER_ROW + 1):
            for c, value in enumerate(entry):
                ref = f"{column_letter(lc + c)}{r}"
                rows[r].append(_cell(ref, str(value), _text_style(str(value), styles)))

    last_row = max(rows)
    last_col = lc + 2 if options.legenda else len(HEADERS) - 1
    table_end = HEADER_ROW + max(len(findings), 1)
    widths = [*WIDTHS, 3, *LEGEND_WIDTHS]
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    data = "".join(
        f'<row r="{r}">{"".join(cells)}</row>' for r, cells in sorted(rows.items()) if cells
    )
    ernst = column_letter(HEADERS.index("Ernst"))
    first = HEADER_ROW + 1
    rules = "".join(
        f'<conditionalFormatting sqref="{ernst}{first}:{ernst}{table_end}">'
        f'<cfRule type="expression" dxfId="{styles.dxf[s]}" priority="{i}">'
        f'<formula>AND({ernst}{first}="{s}",ISTEXT("{MARKER}:{s}"))</formula></cfRule>'
        "</conditionalFormatting>"
        for i, s in enumerate(SEVERITIES, start=1)
    )
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    tab_selected = ' tabSelected="1"' if selected else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<sheetPr><tabColor rgb="FFC00000"/></sheetPr>'
        f'<dimension ref="A1:{column_letter(last_col)}{last_row}"/>'
        f'<sheetViews><sheetView{tab_selected} workbookViewId="0">'
        f'<pane ySplit="{HEADER_ROW}" topLeftCell="A{first}" activePane="bottomLeft" '
        'state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="A{first}" sqref="A{first}"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols>"
        f"<sheetData>{data}</sheetData>"
        f'<autoFilter ref="A{HEADER_ROW}:{column_letter(len(HEADERS) - 1)}{table_end}"/>'
        f"{rules}{hyperlinks}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )
