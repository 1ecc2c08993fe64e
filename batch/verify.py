"""Check a written copy of a workbook before it replaces anything.

`verify_copy` re-opens the temporary package the annotator wrote and checks every part it
changed, the way a strict reader (Excel) would:

- the zip layout: every local header carries the CRC and sizes of the central directory, no
  data descriptor, ZIP64 only for a member above 4 GiB, no member name twice;
- each changed XML part: well-formed and namespace-correct, then valid against the ECMA-376
  transitional schemas (``batch/ooxml_xsd``) after Markup Compatibility processing as Excel
  does it (attributes and elements of ``mc:Ignorable`` namespaces removed,
  ``mc:AlternateContent`` replaced by its Fallback). Strict OOXML parts are validated after
  mapping their namespaces to the transitional ones;
- the package rules the schemas do not express: unique sheet names (Excel's name rules) and
  sheet ids, relationship targets that exist, a content type for every part, style counts and
  indexes, conditional-format ``dxfId``s, defined names and their ``localSheetId``, the active
  tab in range and visible, hyperlink locations, and Excel's limits (1.048.576 rows, 32.767
  characters per cell, 65.530 hyperlinks per sheet).

A big worksheet the annotator streamed is checked as its skeleton (head + empty sheetData +
new tail: what changed), and its rows by CRC against the source (they pass through
unchanged). The Controle sheet is checked whole up to `FULL_CHECK_BYTES`; above that its
skeleton and its first and last rows (the rows all come from one generator).

Only problems the annotator introduced block the write: a problem the source part already had
in the same form is the user's, and is left as it was. Every problem is one Dutch line.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from batch._ooxml import (
    CT_NS,
    MAIN_NS,
    MC_NS,
    PKG_REL_NS,
    REL_NS,
    STRICT_TO_TRANSITIONAL,
    XML_NS,
    SheetParts,
    XmlFout,
    parse_part,
    rels_part_of,
    resolve_target,
    stream_sheet,
)
from batch._zip import Resume, inflate_range, needs_zip64

XSD_DIR = Path(__file__).resolve().parent / "ooxml_xsd"
#: A Controle sheet up to this size is validated whole; a bigger one as skeleton plus samples.
FULL_CHECK_BYTES = 8 << 20
#: Rows of a big Controle sheet that are validated (from its start; plus the last ones).
SAMPLE_BYTES = 1 << 20
MAX_ROWS = 1_048_576
MAX_CELL_TEXT = 32_767
MAX_HYPERLINKS = 65_530

_SCHEMA_FILES = {
    MAIN_NS: "sml.xsd",
    CT_NS: "opc-xsd/opc-contentTypes.xsd",
    PKG_REL_NS: "opc-xsd/opc-relationships.xsd",
}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_LOCATION = re.compile(r"^(?:'((?:[^']|'')+)'|([^!']+))!(.+)$")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?[A-Za-z]{1,3}\$?\d+)?$")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


@cache
def schema(namespace: str) -> etree.XMLSchema:
    """The compiled schema for parts whose root is in `namespace` (compiled once per process:
    some 30 ms for SpreadsheetML)."""
    return etree.XMLSchema(etree.parse(str(XSD_DIR / _SCHEMA_FILES[namespace])))


# --- one part -----------------------------------------------------------------------------


def _short(message: str) -> str:
    """An lxml message with the long namespace URIs left out, so a user can read it."""
    for uri in (MAIN_NS, CT_NS, PKG_REL_NS, REL_NS):
        message = message.replace(f"{{{uri}}}", "")
    return re.sub(r"\{[^}]*\}", "", message) if len(message) > 400 else message


def _to_transitional(root: etree._Element) -> etree._Element:
    """A copy of `root` with Strict OOXML namespaces renamed to their transitional ones."""
    text = etree.tostring(root)
    for strict, transitional in STRICT_TO_TRANSITIONAL.items():
        text = text.replace(strict.encode(), transitional.encode())
    return etree.fromstring(text, etree.XMLParser(huge_tree=True, resolve_entities=False))


_XML_SPACE = etree.XPath("//*[@xml:space]")


def markup_compatibility(root: etree._Element, *, uses_mc: bool = True) -> None:
    """Markup Compatibility processing (ECMA-376 part 3) in place, as Excel does it on load:
    attributes and elements of ``mc:Ignorable`` namespaces removed (elements inside ``ext``
    kept: the schema leaves extension content open), ``mc:AlternateContent`` replaced by its
    Fallback. ``xml:space`` attributes are removed too: the ECMA schemas do not declare them
    on their string types. An element of a namespace that is neither understood nor ignorable
    is left in place, where the schema rejects it. `uses_mc`: False skips the walk for a part
    that does not mention the Markup Compatibility namespace at all."""

    def ignorable_of(element: etree._Element, inherited: frozenset[str]) -> frozenset[str]:
        value = element.get(f"{{{MC_NS}}}Ignorable")
        if not value:
            return inherited
        return inherited | {
            element.nsmap[p] for p in value.split() if element.nsmap.get(p) is not None
        }

    def walk(root: etree._Element) -> None:  # iterative: a hostile part may nest deeply
        stack = [(root, frozenset(), False)]
        while stack:
            element, inherited, in_ext = stack.pop()
            stack.extend(visit(element, inherited, in_ext))

    def visit(
        element: etree._Element, inherited: frozenset[str], in_ext: bool
    ) -> list[tuple[etree._Element, frozenset[str], bool]]:
        ignorable = ignorable_of(element, inherited)
        for name in list(element.attrib):
            if etree.QName(name).namespace in (MC_NS, *ignorable):
                del element.attrib[name]
        for item in list(element):
            if not isinstance(item.tag, str):
                continue
            q = etree.QName(item)
            if q.namespace == MC_NS and q.localname == "AlternateContent":
                at = element.index(item)
                fallback = next(
                    (
                        c
                        for c in item
                        if isinstance(c.tag, str) and etree.QName(c).localname == "Fallback"
                    ),
                    None,
                )
                element.remove(item)
                if fallback is not None:
                    for i, grandchild in enumerate(list(fallback)):
                        element.insert(at + i, grandchild)
                continue
            if q.namespace in ignorable and not in_ext:
                element.remove(item)
        return [
            (item, ignorable, in_ext or etree.QName(item).localname == "ext")
            for item in element
            if isinstance(item.tag, str)
        ]

    if uses_mc:
        walk(root)
        etree.cleanup_namespaces(root)
    for element in _XML_SPACE(root):
        del element.attrib[f"{{{XML_NS}}}space"]


def xml_problems(data: bytes) -> tuple[list[str], etree._Element | None]:
    """Problems of one XML part (well-formedness, namespaces, schema) and its parsed root."""
    try:
        tree = parse_part(data)
    except XmlFout as exc:
        return [f"geen geldige XML: {exc}"], None
    root = tree.getroot()
    return schema_problems(root, uses_mc=MC_NS.encode() in data), root


def schema_problems(root: etree._Element, *, uses_mc: bool = True) -> list[str]:
    """Schema problems of a parsed part (nothing for a root namespace without a schema here).
    Works on `root` itself (Markup Compatibility processing changes it): pass a copy to keep it."""
    namespace = etree.QName(root).namespace or ""
    strict = namespace in STRICT_TO_TRANSITIONAL
    namespace = STRICT_TO_TRANSITIONAL.get(namespace, namespace)
    if namespace not in _SCHEMA_FILES:
        return []
    if strict:
        root = _to_transitional(root)
    markup_compatibility(root, uses_mc=uses_mc)
    checker = schema(namespace)
    if checker.validate(root):
        return []
    return [f"schema: {_short(e.message)}" for e in checker.error_log]


# --- the zip -----------------------------------------------------------------------------


def zip_problems(path: Path) -> list[str]:
    """Layout problems of the whole zip (see the module docstring)."""
    problems = []
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as zf:
        infos = zf.infolist()
        counts = Counter(i.filename.lower() for i in infos)
        problems += [
            f"onderdeel {n} staat meer dan eens in het archief" for n, c in counts.items() if c > 1
        ]
        for info in infos:
            handle.seek(info.header_offset)
            raw = handle.read(_LOCAL_HEADER.size)
            if len(raw) < _LOCAL_HEADER.size:
                problems.append(f"{info.filename}: lokale kop ontbreekt")
                continue
            sig, version, flags, _m, _t, _d, crc, csize, usize, _n, _e = _LOCAL_HEADER.unpack(raw)
            if sig != b"PK\x03\x04":
                problems.append(f"{info.filename}: geen lokale kop op de plaats die de index noemt")
            elif flags & 0x08:
                problems.append(f"{info.filename}: lokale kop met data descriptor (bit 3)")
            elif needs_zip64(info.file_size) or needs_zip64(info.compress_size):
                continue
            elif version >= 45 or 0xFFFFFFFF in (csize, usize):
                problems.append(f"{info.filename}: onnodige ZIP64-kop voor {info.file_size} bytes")
            elif (crc, csize, usize) != (info.CRC, info.compress_size, info.file_size):
                problems.append(f"{info.filename}: lokale kop wijkt af van de centrale index")
    return problems


# --- package rules ----------------------------------------------------------------------


@dataclass
class PackageView:
    """The parts of one package the rules look at: member names, and parsed roots (a
    worksheet may be given as skeleton bytes instead of being read)."""

    zf: zipfile.ZipFile
    given: dict[str, bytes] = field(default_factory=dict)
    _roots: dict[str, etree._Element | None] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return self.zf.namelist()

    def root(self, part: str) -> etree._Element | None:
        if part not in self._roots:
            data = self.given.get(part)
            if data is None:
                try:
                    data = self.zf.read(part)
                except (KeyError, zipfile.BadZipFile, ValueError, OSError):
                    data = None
            try:
                self._roots[part] = parse_part(data).getroot() if data is not None else None
            except XmlFout:
                self._roots[part] = None
        return self._roots[part]


def _elements(parent: etree._Element | None, local: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [c for c in parent if isinstance(c.tag, str) and etree.QName(c).localname == local]


def _first(parent: etree._Element | None, local: str) -> etree._Element | None:
    found = _elements(parent, local)
    return found[0] if found else None


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _relationships(view: PackageView, rels_part: str, base: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, resolved target) of one relationships part."""
    root = view.root(rels_part)
    out = {}
    for rel in _elements(root, "Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        out[rel.get("Id", "")] = (rel.get("Type", ""), resolve_target(base, rel.get("Target", "")))
    return out


def package_rules(view: PackageView, rels_parts: Iterable[str], sheets: Iterable[str]) -> list[str]:
    """Problems with the package rules, for the relationship parts `rels_parts` and the
    worksheets `sheets` (the ones that changed); the workbook, content types and styles always."""
    problems: list[str] = []
    names = view.names
    nameset = set(names)

    types = view.root("[Content_Types].xml")
    if types is None:
        problems.append("[Content_Types].xml ontbreekt of is onleesbaar")
    else:
        defaults = Counter(d.get("Extension", "").lower() for d in _elements(types, "Default"))
        overrides = Counter(o.get("PartName", "").lower() for o in _elements(types, "Override"))
        problems += [
            f"[Content_Types].xml: Default voor '{e}' dubbel" for e, c in defaults.items() if c > 1
        ]
        problems += [
            f"[Content_Types].xml: Override voor {p} dubbel" for p, c in overrides.items() if c > 1
        ]
        for o in _elements(types, "Override"):
            if o.get("PartName", "")[1:] not in nameset:
                problems.append(
                    f"[Content_Types].xml: Override voor ontbrekend onderdeel {o.get('PartName')}"
                )
        for name in names:
            if name.endswith("/") or name == "[Content_Types].xml":
                continue
            leaf = name.rsplit("/", 1)[-1]
            ext = leaf.rsplit(".", 1)[-1].lower() if "." in leaf else ""
            if f"/{name}".lower() not in overrides and ext not in defaults:
                problems.append(f"geen inhoudstype voor onderdeel {name}")

    for rels_part in rels_parts:
        source = rels_part.replace("_rels/", "")[: -len(".rels")]
        root = view.root(rels_part)
        if root is None:
            problems.append(f"{rels_part} ontbreekt of is onleesbaar")
            continue
        ids = Counter(r.get("Id") for r in _elements(root, "Relationship"))
        problems += [f"{rels_part}: relatie-id {i} dubbel" for i, c in ids.items() if c > 1]
        for rel_id, (_kind, target) in _relationships(view, rels_part, source).items():
            if target not in nameset:
                problems.append(f"{rels_part}: relatie {rel_id} wijst naar ontbrekend {target}")

    workbook_part = None
    for _id, (kind, target) in _relationships(view, "_rels/.rels", "").items():
        if kind.endswith("/officeDocument"):
            workbook_part = target
    workbook = view.root(workbook_part) if workbook_part else None
    if workbook is None:
        return [*problems, "werkmap-onderdeel ontbreekt of is onleesbaar"]
    relmap = _relationships(view, rels_part_of(workbook_part), workbook_part)  # type: ignore[arg-type]
    sheet_list: list[tuple[str, str]] = []
    seen_names, seen_ids, seen_rids = Counter(), Counter(), Counter()
    sheet_parts: dict[str, str] = {}
    for sheet in _elements(_first(workbook, "sheets"), "sheet"):
        name = sheet.get("name", "")
        sheet_list.append((name, sheet.get("state", "visible")))
        seen_names[name.lower()] += 1
        seen_ids[sheet.get("sheetId")] += 1
        rid = next(
            (
                v
                for k, v in sheet.attrib.items()
                if etree.QName(k).localname == "id" and etree.QName(k).namespace
            ),
            None,
        )
        seen_rids[rid] += 1
        if (
            not (1 <= len(name) <= 31)
            or _BAD_SHEET_CHARS.search(name)
            or name[:1] == "'"
            or name[-1:] == "'"
        ):
            problems.append(f"ongeldige bladnaam '{name}'")
        if name.lower() == "history":
            problems.append("bladnaam History is in Excel gereserveerd")
        rel = relmap.get(rid or "")
        if rel is None:
            problems.append(f"blad '{name}' verwijst naar een relatie die niet bestaat")
        elif rel[0].endswith("/worksheet"):
            sheet_parts[rel[1]] = name
    problems += [f"bladnaam '{n}' dubbel" for n, c in seen_names.items() if c > 1]
    problems += [f"sheetId {i} dubbel" for i, c in seen_ids.items() if c > 1]
    problems += [f"relatie {r} voor meer bladen gebruikt" for r, c in seen_rids.items() if c > 1]
    count = len(sheet_list)
    for view_element in _elements(_first(workbook, "bookViews"), "workbookView"):
        active = _int(view_element.get("activeTab"))
        if active >= count or _int(view_element.get("firstSheet")) >= count:
            problems.append("het actieve of eerste blad ligt buiten de bladen")
        elif sheet_list[active][1] != "visible":
            problems.append(f"het actieve blad '{sheet_list[active][0]}' is verborgen")
    seen_defined = Counter()
    for name in _elements(_first(workbook, "definedNames"), "definedName"):
        local = name.get("localSheetId")
        seen_defined[(name.get("name", "").lower(), local)] += 1
        if local is not None and _int(local, count) >= count:
            problems.append(
                f"gedefinieerde naam {name.get('name')} hoort bij een blad dat niet bestaat"
            )
    problems += [f"gedefinieerde naam {n} dubbel" for (n, _l), c in seen_defined.items() if c > 1]
    sheet_names = {n for n, _s in sheet_list}

    counts: dict[str, int] = {}
    styles_part = next((t for k, t in relmap.values() if k.endswith("/styles")), None)
    styles = view.root(styles_part) if styles_part else None
    if styles is not None:
        for collection in (
            "numFmts",
            "fonts",
            "fills",
            "borders",
            "cellStyleXfs",
            "cellXfs",
            "cellStyles",
            "dxfs",
        ):
            element = _first(styles, collection)
            n = len([c for c in element if isinstance(c.tag, str)]) if element is not None else 0
            counts[collection] = n
            if (
                element is not None
                and element.get("count") is not None
                and _int(element.get("count")) != n
            ):
                problems.append(
                    f"stijlen: {collection} telt {element.get('count')} maar heeft er {n}"
                )
        for collection in ("cellXfs", "cellStyleXfs"):
            for i, xf in enumerate(_elements(_first(styles, collection), "xf")):
                for attr, target in (
                    ("fontId", "fonts"),
                    ("fillId", "fills"),
                    ("borderId", "borders"),
                ):
                    if _int(xf.get(attr)) >= counts[target] and xf.get(attr) is not None:
                        problems.append(
                            f"stijlen: {collection}[{i}] {attr} verwijst buiten {target}"
                        )
                if collection == "cellXfs" and _int(xf.get("xfId")) >= max(
                    counts["cellStyleXfs"], 1
                ):
                    problems.append(f"stijlen: cellXfs[{i}] xfId verwijst buiten cellStyleXfs")

    for part in sheets:
        root = view.root(part)
        label = sheet_parts.get(part, part)
        if root is None:
            problems.append(f"werkblad {part} ontbreekt of is onleesbaar")
            continue
        for rule in root.iter(f"{{{etree.QName(root).namespace}}}cfRule"):
            dxf = rule.get("dxfId")
            if dxf is not None and counts and _int(dxf) >= counts.get("dxfs", 0):
                problems.append(
                    f"blad '{label}': voorwaardelijke opmaak verwijst naar een stijl die niet bestaat"
                )
        links = 0
        for link in root.iter(f"{{{etree.QName(root).namespace}}}hyperlink"):
            links += 1
            location = link.get("location")
            if not location:
                continue
            m = _LOCATION.match(location)
            if m is None:
                problems.append(
                    f"blad '{label}': koppeling naar '{location}' is geen celverwijzing"
                )
                continue
            target = m.group(1).replace("''", "'") if m.group(1) else m.group(2)
            if target not in sheet_names:
                problems.append(f"blad '{label}': koppeling naar blad '{target}' dat niet bestaat")
            if not _CELL.match(m.group(3)):
                problems.append(f"blad '{label}': koppeling naar '{m.group(3)}', geen cel")
        if links > MAX_HYPERLINKS:
            problems.append(f"blad '{label}': meer dan {MAX_HYPERLINKS} koppelingen")
        namespace = etree.QName(root).namespace
        for row in root.iter(f"{{{namespace}}}row"):
            if _int(row.get("r")) > MAX_ROWS:
                problems.append(f"blad '{label}': rij {row.get('r')} voorbij rij {MAX_ROWS}")
                break
        if "cellXfs" in counts:
            for cell in root.iter(f"{{{namespace}}}c"):
                if _int(cell.get("s")) >= counts["cellXfs"]:
                    problems.append(
                        f"blad '{label}': cel {cell.get('r')} heeft een stijl die niet bestaat"
                    )
                    break
        for text in root.iter(f"{{{namespace}}}t"):
            if text.text and len(text.text) > MAX_CELL_TEXT:
                problems.append(f"blad '{label}': tekst langer dan {MAX_CELL_TEXT} tekens")
                break
    return problems


# --- the copy --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Changed:
    """One part the annotator wrote: `kind` "xml" (a whole part), "sheet" (a streamed
    worksheet: `source` holds the source's split, `resume` where its new tail starts in the
    written member, `head` the head as written when it was edited) or "controle" (a sheet of
    the tool's own: Controle, Controlelijst)."""

    part: str
    kind: str
    source: SheetParts | None = None
    resume: Resume | None = None
    head: bytes | None = None


def _without(problems: list[str], known: list[str]) -> list[str]:
    left = Counter(known)
    out = []
    for problem in problems:
        if left[problem]:
            left[problem] -= 1
        else:
            out.append(problem)
    return out


def _written_sheet(handle: BinaryIO, zf: zipfile.ZipFile, item: Changed) -> tuple[bytes, list[str]]:
    """The skeleton of a streamed worksheet as written (its head and its new tail read back
    from the package), and problems with reading them back."""
    assert item.source is not None and item.resume is not None
    info = zf.getinfo(item.part)
    source = item.source
    wanted = item.head if item.head is not None else source.head
    head, _ = inflate_range(handle, info, None, len(wanted))
    expected = info.file_size - item.resume.offset
    tail, ended = inflate_range(handle, info, item.resume, expected + 1)
    problems = []
    if head != wanted:
        problems.append("het begin van het blad is niet geschreven zoals bedoeld")
    if not ended or len(tail) != expected:
        problems.append("het einde van het blad is niet leesbaar geschreven")
    written = SheetParts(head, source.prefix, tail, True)
    return written.skeleton(), problems


def _sample(zf: zipfile.ZipFile, part: str) -> bytes:
    """Skeleton of a big Controle sheet with its first rows (about SAMPLE_BYTES) kept."""
    from batch.package import open_member

    first = bytearray()

    def keep(piece: bytes) -> None:
        if len(first) < SAMPLE_BYTES * 2:
            first.extend(piece)

    with open_member(zf, part) as member:
        parts = stream_sheet(member, keep)
    head_end = len(parts.head)
    body = bytes(first[head_end:])
    start_end = body.index(b">") + 1
    cut = body.rfind(b"</row>", 0, SAMPLE_BYTES)
    rows = body[start_end : cut + len(b"</row>")] if cut != -1 else b""
    prefix = parts.prefix
    return (
        parts.head
        + f"<{prefix}sheetData>".encode()
        + rows
        + f"</{prefix}sheetData>".encode()
        + parts.tail
    )


def verify_copy(path: Path, source: zipfile.ZipFile, changed: list[Changed]) -> list[str]:
    """The problems the annotator introduced in the package at `path`, one Dutch line each
    ("onderdeel: probleem"); empty when the copy may replace the target.

    `source` is the package it was made from: a problem the same part there already had is
    not counted. Raises nothing for a bad copy; I/O errors reading `path` propagate.
    """
    problems = zip_problems(path)
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as zf:
        new_view = PackageView(zf)
        source_view = PackageView(source)
        sheets: list[str] = []
        data_sheets: list[str] = []
        for item in changed:
            if item.kind == "xml":
                data = zf.read(item.part)
                found, _root = xml_problems(data)
                if found and item.part in source.NameToInfo:
                    found = _without(found, xml_problems(source.read(item.part))[0])
            elif item.kind == "sheet":
                assert item.source is not None
                skeleton, found = _written_sheet(handle, zf, item)
                new_view.given[item.part] = skeleton
                source_view.given[item.part] = item.source.skeleton()
                new_found = xml_problems(skeleton)[0]
                if new_found:
                    new_found = _without(new_found, xml_problems(item.source.skeleton())[0])
                found += new_found
                sheets.append(item.part)
                data_sheets.append(item.part)
            else:
                size = zf.getinfo(item.part).file_size
                data = zf.read(item.part) if size <= FULL_CHECK_BYTES else _sample(zf, item.part)
                new_view.given[item.part] = data
                found = xml_problems(data)[0]
                sheets.append(item.part)
            problems += [f"{item.part}: {p}" for p in found]
        workbook_rels = [p for p in (c.part for c in changed) if p.endswith(".rels")]
        new_rules = package_rules(new_view, ["_rels/.rels", *workbook_rels], sheets)
        if new_rules:
            new_rules = _without(
                new_rules,
                package_rules(source_view, ["_rels/.rels", *workbook_rels], data_sheets),
            )
        problems += new_rules
    return problems
