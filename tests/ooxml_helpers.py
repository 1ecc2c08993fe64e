"""Helpers for tests that look inside written workbook packages, independently of `batch`."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.tools import ooxml_check

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
SHARED_CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "ooxml_check.py"


def check(path: Path) -> list[str]:
    """What the independent strict checker (tests/tools/ooxml_check.py) finds, warnings left
    out; empty when Excel would open the package."""
    report = ooxml_check.check_package(str(path))
    for part, problems in ooxml_check.check_zip_layout(str(path)).items():
        report.setdefault(part, []).extend(problems)
    return [
        f"{part}: {problem}"
        for part, problems in report.items()
        for problem in problems
        if not problem.endswith("(warning)")
    ]


def _resolve(base: str, target: str) -> str:
    parts = [] if target.startswith("/") else base.split("/")[:-1]
    for segment in target.lstrip("/").split("/"):
        if segment == "..":
            parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    return "/".join(parts)


def workbook_part(z: zipfile.ZipFile) -> str:
    rels = ET.fromstring(z.read("_rels/.rels"))
    for rel in rels:
        if rel.get("Type", "").endswith("/officeDocument"):
            return _resolve("", rel.get("Target", ""))
    raise AssertionError("no workbook part")


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> worksheet part (transitional or Strict namespaces)."""
    with zipfile.ZipFile(path) as z:
        part = workbook_part(z)
        workbook = ET.fromstring(z.read(part))
        folder, _, name = part.rpartition("/")
        rels = ET.fromstring(z.read(f"{folder}/_rels/{name}.rels"))
    targets = {
        rel.get("Id"): _resolve(part, rel.get("Target", ""))
        for rel in rels
        if rel.get("Type", "").endswith("/worksheet")
    }
    out = {}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        if rid in targets:
            out[sheet.get("name", "")] = targets[rid]
    return out


def sheet_elements(path: Path) -> list[dict[str, str]]:
    """The workbook's <sheet> elements' attributes (local names), in tab order."""
    with zipfile.ZipFile(path) as z:
        workbook = ET.fromstring(z.read(workbook_part(z)))
    return [
        {k.rpartition("}")[2]: v for k, v in sheet.attrib.items()}
        for sheet in workbook.iter()
        if sheet.tag.endswith("}sheet")
    ]


def defined_names(path: Path) -> list[tuple[str, str | None, str | None, str]]:
    """(name, localSheetId, hidden, text) of every defined name."""
    with zipfile.ZipFile(path) as z:
        workbook = ET.fromstring(z.read(workbook_part(z)))
    return [
        (d.get("name", ""), d.get("localSheetId"), d.get("hidden"), d.text or "")
        for d in workbook.iter()
        if d.tag.endswith("}definedName")
    ]


def tail_elements(path: Path, part: str) -> list[str]:
    """Local names of a worksheet's children, in order."""
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read(part))
    return [child.tag.rpartition("}")[2] for child in root]


def raw_member(path: Path, name: str) -> tuple[int, int, bytes]:
    """(compression method, CRC, compressed bytes) of one member, read from the raw file."""
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as z:
        info = z.getinfo(name)
        handle.seek(info.header_offset)
        fields = struct.unpack("<4sHHHHHIIIHH", handle.read(30))
        handle.seek(info.header_offset + 30 + fields[9] + fields[10])
        return info.compress_type, info.CRC, handle.read(info.compress_size)


def untouched_differences(source: Path, target: Path, changed: set[str]) -> list[str]:
    """Members of `source` that are missing from `target` or not byte-identical (as
    compressed bytes), `changed` left out."""
    out = []
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        names = set(after.namelist())
        for info in before.infolist():
            if info.filename in changed:
                continue
            if info.filename not in names:
                out.append(f"{info.filename} lost")
            elif raw_member(source, info.filename) != raw_member(target, info.filename):
                out.append(f"{info.filename} changed")
    return out
