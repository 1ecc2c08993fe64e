"""Check an xlsx/xlsm package the way a strict reader (Excel) would, without Excel.

- every XML part well-formed and namespace-correct; spreadsheet parts, content types and
  relationships valid against the ECMA-376 transitional XSDs in ../ooxml-xsd, after Markup
  Compatibility processing (mc:Ignorable prefixes, AlternateContent -> Fallback), as Excel does;
- package rules the XSDs do not express: unique sheet names/ids, relationship targets exist,
  content types for every part, styles counts and indexes, defined names, row and text limits,
  hyperlink targets;
- zip layout as Excel itself writes it: every local header carries the real CRC and sizes that
  the central directory has, and ZIP64 only for a member that needs it (> 4 GiB).

usage: python ooxml_check.py FILE [--json]  -> prints problems per part; exit 0 if none, 1 if any.
Needs lxml.
"""
from __future__ import annotations

import json
import posixpath
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import unquote
import struct

from lxml import etree

# Vendored from the project's shared tools (../shared/tools/ooxml_check.py), unchanged but for
# this line: the schemas are the copy shipped in batch/ooxml_xsd (the same files).
XSD = str(Path(__file__).resolve().parents[2] / "batch" / "ooxml_xsd")
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CTNS = "http://schemas.openxmlformats.org/package/2006/content-types"
PRNS = "http://schemas.openxmlformats.org/package/2006/relationships"
XMLNS = "http://www.w3.org/XML/1998/namespace"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
UNDERSTOOD = {MAIN, R, CTNS, PRNS, XMLNS, XDR, A, C, MC,
              "http://schemas.openxmlformats.org/drawingml/2006/chartDrawing",
              "http://schemas.openxmlformats.org/drawingml/2006/picture",
              "http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes"}

_schemas: dict[str, etree.XMLSchema] = {}


def schema(kind: str) -> etree.XMLSchema:
    if kind not in _schemas:
        path = {
            "sml": f"{XSD}/sml.xsd",
            "ct": f"{XSD}/opc-xsd/opc-contentTypes.xsd",
            "rels": f"{XSD}/opc-xsd/opc-relationships.xsd",
            "xdr": f"{XSD}/dml-spreadsheetDrawing.xsd",
            "chart": f"{XSD}/dml-chart.xsd",
        }[kind]
        _schemas[kind] = etree.XMLSchema(etree.parse(path))
    return _schemas[kind]


ROOT_KIND = {
    MAIN: "sml",
    CTNS: "ct",
    PRNS: "rels",
    XDR: "xdr",
    C: "chart",
}

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)


def mce(root: etree._Element) -> list[str]:
    """Apply Markup Compatibility processing in place; return notes on non-ignorable foreign
    content (which Excel would reject unless it understands the namespace)."""
    notes: list[str] = []

    def ignorable_of(el, inherited):
        val = el.get(f"{{{MC}}}Ignorable")
        if not val:
            return inherited
        out = set(inherited)
        for prefix in val.split():
            ns = el.nsmap.get(prefix)
            if ns:
                out.add(ns)
        return out

    def in_ext(el):
        p = el.getparent()
        while p is not None:
            if etree.QName(p).localname == "ext" and etree.QName(p).namespace in (MAIN, A, C, XDR):
                return True
            p = p.getparent()
        return False

    def walk(el, inherited):
        ign = ignorable_of(el, inherited)
        for name in list(el.attrib):
            ns = etree.QName(name).namespace
            if ns == MC or ns in ign:
                del el.attrib[name]
            elif ns == XMLNS and etree.QName(name).localname == "space":
                del el.attrib[name]  # the ECMA XSDs do not declare xml:space on ST_Xstring
        for child in list(el):
            if not isinstance(child.tag, str):
                continue  # comments / PIs
            q = etree.QName(child)
            if q.namespace == MC and q.localname == "AlternateContent":
                fallback = next(
                    (c for c in child if isinstance(c.tag, str) and etree.QName(c).localname == "Fallback"),
                    None,
                )
                idx = el.index(child)
                el.remove(child)
                if fallback is not None:
                    for i, gc in enumerate(list(fallback)):
                        el.insert(idx + i, gc)
                continue
            if q.namespace in ign and not in_ext(child):
                el.remove(child)
                continue
        for child in list(el):
            if isinstance(child.tag, str):
                walk(child, ign)

    walk(root, set())
    # Report non-understood namespace content outside extLst.
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        if q.namespace not in UNDERSTOOD:
            p = el.getparent()
            inside = False
            while p is not None:
                if etree.QName(p).localname == "ext":
                    inside = True
                    break
                p = p.getparent()
            if not inside:
                notes.append(f"non-ignorable foreign element {q.text} at line {el.sourceline}")
    etree.cleanup_namespaces(root)
    return notes


def validate_xml(name: str, data: bytes) -> tuple[list[str], etree._Element | None]:
    errors: list[str] = []
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:65536]:
        errors.append("DOCTYPE/ENTITY declaration present (Excel refuses DTDs)")
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed: {exc}"], None
    raw_root = root
    ns = etree.QName(root).namespace
    kind = ROOT_KIND.get(ns)
    if kind is None:
        return errors, raw_root
    root = etree.fromstring(etree.tostring(raw_root), PARSER)
    errors += mce(root)
    sch = schema(kind)
    if not sch.validate(root):
        for e in sch.error_log:
            errors.append(f"XSD line {e.line}: {e.message}")
    return errors, raw_root


# --- semantic checks ---------------------------------------------------------------------

BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
COL_RE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_num(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def resolve(base: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def rels_of(part: str) -> str:
    d, n = posixpath.split(part)
    return posixpath.join(d, "_rels", n + ".rels")


def check_package(path: str) -> dict[str, list[str]]:
    report: dict[str, list[str]] = {}

    def add(part, msg):
        report.setdefault(part, []).append(msg)

    zf = zipfile.ZipFile(path)
    infos = zf.infolist()
    names = [i.filename for i in infos]
    dup = [n for n, c in Counter(n.lower() for n in names).items() if c > 1]
    for d in dup:
        add("(zip)", f"duplicate member name {d!r}")
    for n in names:
        if n.startswith("/") or ".." in n.split("/") or "\\" in n:
            add("(zip)", f"bad member name {n!r}")
    nameset = set(names)
    roots: dict[str, etree._Element] = {}
    for n in names:
        if not (n.endswith(".xml") or n.endswith(".rels") or n.endswith(".vml")):
            continue
        if n.endswith(".vml"):
            continue
        data = zf.read(n)
        errs, root = validate_xml(n, data)
        for e in errs:
            add(n, e)
        if root is not None:
            roots[n] = root

    # content types
    ct = roots.get("[Content_Types].xml")
    if ct is None:
        add("[Content_Types].xml", "missing")
    else:
        defaults, overrides = {}, Counter()
        ov = {}
        for el in ct:
            if not isinstance(el.tag, str):
                continue
            ln = etree.QName(el).localname
            if ln == "Default":
                e = el.get("Extension", "").lower()
                if e in defaults:
                    add("[Content_Types].xml", f"duplicate Default {e}")
                defaults[e] = el.get("ContentType")
            elif ln == "Override":
                pn = el.get("PartName", "")
                overrides[pn.lower()] += 1
                ov[pn.lower()] = el.get("ContentType")
                if pn[1:] not in nameset:
                    add("[Content_Types].xml", f"Override for missing part {pn}")
        for pn, c in overrides.items():
            if c > 1:
                add("[Content_Types].xml", f"duplicate Override {pn}")
        for n in names:
            if n.endswith("/"):
                continue
            if n == "[Content_Types].xml":
                continue
            ext = n.rsplit(".", 1)[-1].lower() if "." in n.rsplit("/", 1)[-1] else ""
            if f"/{n}".lower() not in ov and ext not in defaults:
                add("[Content_Types].xml", f"no content type for {n}")

    # relationships
    for n, root in roots.items():
        if not n.endswith(".rels"):
            continue
        ids = Counter()
        src = n.replace("_rels/", "")[:-5]
        for el in root:
            if not isinstance(el.tag, str):
                continue
            ids[el.get("Id")] += 1
            if el.get("TargetMode") == "External":
                continue
            t = resolve(src if src else "x", el.get("Target", "")) if not el.get("Target", "").startswith("/") else resolve("", el.get("Target"))
            if n == "_rels/.rels":
                t = resolve("", el.get("Target", "").lstrip("/")) if not el.get("Target","").startswith("/") else resolve("", el.get("Target"))
            if t not in nameset:
                add(n, f"relationship {el.get('Id')} target {t} missing")
        for i, c in ids.items():
            if c > 1:
                add(n, f"duplicate relationship Id {i}")

    # workbook
    wb_part = None
    rr = roots.get("_rels/.rels")
    if rr is not None:
        for el in rr:
            if isinstance(el.tag, str) and el.get("Type", "").endswith("/officeDocument"):
                wb_part = resolve("", el.get("Target").lstrip("/"))
    wb = roots.get(wb_part) if wb_part else None
    sheet_parts: list[tuple[str, str | None, str]] = []
    if wb is not None:
        wbrels = roots.get(rels_of(wb_part))
        relmap = {}
        if wbrels is not None:
            for el in wbrels:
                if isinstance(el.tag, str):
                    relmap[el.get("Id")] = (el.get("Type"), resolve(wb_part, el.get("Target", "")) if not el.get("Target","").startswith("/") else resolve("", el.get("Target")))
        sheets = wb.find(f"{{{MAIN}}}sheets")
        names_seen, ids_seen, rids = Counter(), Counter(), Counter()
        sheet_list = []
        if sheets is not None:
            for s in sheets:
                if not isinstance(s.tag, str):
                    continue
                nm = s.get("name", "")
                sheet_list.append((nm, s.get("state", "visible")))
                names_seen[nm.lower()] += 1
                ids_seen[s.get("sheetId")] += 1
                rid = s.get(f"{{{R}}}id")
                rids[rid] += 1
                if not (1 <= len(nm) <= 31) or BAD_SHEET_CHARS.search(nm) or nm.startswith("'") or nm.endswith("'"):
                    add(wb_part, f"invalid sheet name {nm!r}")
                if nm.lower() == "history":
                    add(wb_part, "reserved sheet name History")
                rel = relmap.get(rid)
                if rel is None:
                    add(wb_part, f"sheet {nm!r} r:id {rid} not in workbook rels")
                else:
                    sheet_parts.append((nm, rel[1], rel[0]))
        for k, c in names_seen.items():
            if c > 1:
                add(wb_part, f"duplicate sheet name {k!r}")
        for k, c in ids_seen.items():
            if c > 1:
                add(wb_part, f"duplicate sheetId {k}")
        for k, c in rids.items():
            if c > 1:
                add(wb_part, f"duplicate sheet r:id {k}")
        nsheets = len(sheet_list)
        bv = wb.find(f"{{{MAIN}}}bookViews")
        if bv is not None:
            for v in bv:
                if not isinstance(v.tag, str):
                    continue
                for attr in ("activeTab", "firstSheet"):
                    val = v.get(attr)
                    if val is not None and int(val) >= nsheets:
                        add(wb_part, f"{attr}={val} >= number of sheets {nsheets}")
                at = int(v.get("activeTab", "0"))
                if at < nsheets and sheet_list[at][1] != "visible":
                    add(wb_part, f"activeTab {at} is a {sheet_list[at][1]} sheet")
        dn = wb.find(f"{{{MAIN}}}definedNames")
        if dn is not None:
            seen = Counter()
            for d in dn:
                if not isinstance(d.tag, str):
                    continue
                lid = d.get("localSheetId")
                seen[(d.get("name", "").lower(), lid)] += 1
                if lid is not None and int(lid) >= nsheets:
                    add(wb_part, f"definedName {d.get('name')} localSheetId {lid} >= {nsheets}")
            for k, c in seen.items():
                if c > 1:
                    add(wb_part, f"duplicate definedName {k}")
        sheet_names = {nm for nm, _ in sheet_list}
    else:
        sheet_names = set()
        add("(package)", "no workbook part found")

    # styles
    counts = {}
    st_part = None
    if wb_part:
        wbrels = roots.get(rels_of(wb_part))
        if wbrels is not None:
            for el in wbrels:
                if isinstance(el.tag, str) and el.get("Type", "").endswith("/styles"):
                    st_part = resolve(wb_part, el.get("Target"))
    st = roots.get(st_part) if st_part else None
    if st is not None:
        for coll in ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs"):
            el = st.find(f"{{{MAIN}}}{coll}")
            if el is None:
                counts[coll] = 0
                continue
            n = len([c for c in el if isinstance(c.tag, str)])
            counts[coll] = n
            if el.get("count") is not None and int(el.get("count")) != n:
                add(st_part, f"{coll} count={el.get('count')} but {n} children")
        for coll in ("cellXfs", "cellStyleXfs"):
            el = st.find(f"{{{MAIN}}}{coll}")
            if el is None:
                continue
            for i, xf in enumerate(c for c in el if isinstance(c.tag, str)):
                for attr, target in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
                    v = xf.get(attr)
                    if v is not None and int(v) >= counts[target]:
                        add(st_part, f"{coll}[{i}] {attr}={v} >= {counts[target]}")
                if coll == "cellXfs" and xf.get("xfId") is not None and int(xf.get("xfId")) >= max(counts["cellStyleXfs"], 1):
                    add(st_part, f"cellXfs[{i}] xfId={xf.get('xfId')} out of range")

    # worksheets
    for nm, part, typ in sheet_parts:
        if not typ.endswith("/worksheet"):
            continue
        ws = roots.get(part)
        if ws is None:
            if part not in nameset:
                add(part, "worksheet part missing")
            continue
        prios = Counter()
        for cf in ws.iter(f"{{{MAIN}}}cfRule"):
            prios[cf.get("priority")] += 1
            d = cf.get("dxfId")
            if d is not None and counts and int(d) >= counts.get("dxfs", 0):
                add(part, f"cfRule dxfId={d} >= dxfs {counts.get('dxfs')}")
        for p, c in prios.items():
            if c > 1:
                add(part, f"cfRule priority {p} used {c}x (warning)")
        for row in ws.iter(f"{{{MAIN}}}row"):
            r = row.get("r")
            if r is not None and int(r) > 1048576:
                add(part, f"row {r} > 1048576")
                break
        ncx = counts.get("cellXfs")
        bad_s = 0
        for c in ws.iter(f"{{{MAIN}}}c"):
            s = c.get("s")
            if s is not None and ncx is not None and int(s) >= ncx:
                bad_s += 1
        if bad_s:
            add(part, f"{bad_s} cells with style index >= cellXfs {ncx}")
        long_t = 0
        for t in ws.iter(f"{{{MAIN}}}t"):
            if t.text and len(t.text) > 32767:
                long_t += 1
        if long_t:
            add(part, f"{long_t} inline strings longer than 32767 characters")
        for h in ws.iter(f"{{{MAIN}}}hyperlink"):
            loc = h.get("location")
            if loc:
                m = re.match(r"^(?:'((?:[^']|'')+)'|([^!']+))!(.+)$", loc)
                if not m:
                    add(part, f"hyperlink location unparsable {loc!r}")
                    continue
                sn = (m.group(1) or "").replace("''", "'") if m.group(1) else m.group(2)
                if sn not in sheet_names:
                    add(part, f"hyperlink location sheet {sn!r} does not exist")
                if not COL_RE.match(m.group(3)):
                    add(part, f"hyperlink location cell {m.group(3)!r} not a cell")
    return report


def check_zip_layout(path: str) -> dict[str, list[str]]:
    """Local headers must agree with the central directory; no needless ZIP64."""
    report: dict[str, list[str]] = {}
    with open(path, "rb") as fh, zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            fh.seek(info.header_offset)
            head = fh.read(30)
            sig, ver, flag, meth, _t, _d, crc, csize, usize, nlen, elen = struct.unpack(
                "<4sHHHHHIIIHH", head
            )
            problems = []
            if sig != b"PK\x03\x04":
                problems.append("no local file header at the central directory's offset")
            needs64 = info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF
            if not needs64:
                if csize == 0xFFFFFFFF or usize == 0xFFFFFFFF or ver >= 45:
                    problems.append(
                        f"ZIP64 local header (version {ver}, sizes {csize:#x}/{usize:#x}) for a "
                        f"{info.file_size}-byte member; Excel writes real sizes, ZIP64 only > 4 GiB"
                    )
                elif not flag & 0x08 and (crc, csize, usize) != (
                    info.CRC, info.compress_size, info.file_size
                ):
                    problems.append("local header CRC/sizes differ from the central directory")
            if problems:
                report[info.filename] = problems
    return report


def main() -> int:
    path = sys.argv[1]
    try:
        rep = check_package(path)
        for part, errs in check_zip_layout(path).items():
            rep.setdefault(part, []).extend(errs)
    except zipfile.BadZipFile as exc:
        rep = {"(zip)": [f"bad zip: {exc}"]}
    if "--json" in sys.argv:
        print(json.dumps(rep, ensure_ascii=False, indent=1))
    else:
        for part, errs in rep.items():
            for e in errs:
                print(f"{part}: {e}")
    return 1 if any(not e.endswith("(warning)") for errs in rep.values() for e in errs) else 0


if __name__ == "__main__":
    sys.exit(main())
