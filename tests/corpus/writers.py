"""One workbook per writer, each with the worksheet parts that follow ``sheetData``.

The annotator edits the tail of a worksheet (after ``sheetData``) and the workbook, styles and
package parts; every writer lays those out its own way. The same production sheet (Productie,
plus Toewijzingen) is written by:

- ``xlsxwriter.xlsx``: xlsxwriter;
- ``openpyxl_lxml.xlsx`` / ``openpyxl_zonder_lxml.xlsx``: openpyxl, which picks its XML writer
  at import (with lxml it declares ``xmlns:r`` on each ``<sheet>``, case W01); the second is
  made in a subprocess where lxml cannot be imported;
- ``libreoffice.xlsx``: LibreOffice re-saving the xlsxwriter file (only with ``soffice``);
- ``excel365.xlsx``: the xlsxwriter file in Excel 365's dialect: ``mc:Ignorable`` with
  ``x14ac``/``xr``/``xr2``/``xr3`` attributes (``x14ac:dyDescent`` on rows, ``xr:uid``),
  a revision pointer and an ``mc:AlternateContent`` in the workbook;
- ``dotnet.xlsx``: the .NET Open XML SDK style, every SpreadsheetML element ``x:``-prefixed
  and no default namespace;
- ``strict.xlsx``: Strict OOXML (ISO/IEC 29500 strict namespaces, ``conformance="strict"``);
- ``excel_quickstart.xlsm``: saved by Excel itself (xlwings' quickstart workbook; an empty
  sheet with ``<sheetData/>``, only page margins after it).

`FEATURES` names the tail parts looked for; `features_of` reports which a workbook has.
``python -m tests.corpus.writers OUTDIR`` builds the corpus, annotates each workbook twice and
prints the table writers x features -> valid.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from jeugdhulp.findings import Finding
from tests.corpus.build_corpus import soffice_convert, xlwings_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

#: Label -> local name of the worksheet element that carries the feature.
FEATURES = {
    "cond. opmaak": "conditionalFormatting",
    "validatie": "dataValidations",
    "hyperlinks": "hyperlinks",
    "samengevoegd": "mergeCells",
    "autofilter": "autoFilter",
    "tabel": "tableParts",
    "beveiliging": "sheetProtection",
    "opmerkingen": "legacyDrawing",
    "tekening": "drawing",
    "pagina": "pageSetup",
    "kop/voet": "headerFooter",
    "extLst": "extLst",
}
WRITERS = (
    "xlsxwriter.xlsx",
    "openpyxl_lxml.xlsx",
    "openpyxl_zonder_lxml.xlsx",
    "libreoffice.xlsx",
    "excel365.xlsx",
    "dotnet.xlsx",
    "strict.xlsx",
    "excel_quickstart.xlsm",
)
#: What a writer cannot produce (so it is not expected in its workbook).
CANNOT = {
    "openpyxl_lxml.xlsx": {"extLst"},
    "openpyxl_zonder_lxml.xlsx": {"extLst"},
    "excel_quickstart.xlsm": set(FEATURES),  # Excel's own file: an empty sheet, page margins
}

HEADER = ["BSN", "Productcode", "Startdatum", "Einddatum", "Aantal", "Tarief", "Bedrag"]
ROWS = [
    ["123456782", "45A12", "01-03-2023", "31-03-2023", 10, 52.5, 525.0],
    ["111222333", "45A12", "01-03-2023", "31-03-2023", 4, 52.5, 210.0],
    ["012345672", "46A01", "01-04-2023", "30-04-2023", 8, 61.25, 490.0],
    ["99999999", "45A12", "01-04-2023", "30-04-2023", 2, 52.5, 105.0],
    ["123456782", "46A01", "01-05-2023", "31-05-2023", 6, 61.25, 367.5],
]


def findings_for(name: str) -> list[Finding]:
    """Findings on filled cells of the workbook `name` (two sheets, both severities)."""
    if name == "excel_quickstart.xlsm":
        return [
            Finding("Sheet1", 1, "", "A1", "PM001", "fout", "", "leeg", ""),
            Finding("Sheet1", 2, "", "B2", "PM016", "waarschuwing", "", "na", ""),
        ]
    return [
        Finding("Productie", 2, "BSN", "A2", "PM002", "fout", "", "BSN ongeldig", "123456782"),
        Finding("Productie", 3, "Aantal", "E3", "PM011", "waarschuwing", "", "veel", "4"),
        Finding("Productie", 4, "Startdatum", "C4", "PM003", "fout", "", "datum", "01-04-2023"),
        Finding("Productie", 5, "BSN", "A5", "PM002", "fout", "", "8 cijfers", "99999999"),
        Finding("Toewijzingen", 2, "BSN", "A2", "PM005", "waarschuwing", "", "x", "123456782"),
    ]


# --- the writers ---------------------------------------------------------------------------


def _xlsxwriter(path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    ws = wb.add_worksheet("Productie")
    other = wb.add_worksheet("Toewijzingen")
    ws.write_row(0, 0, HEADER, bold)
    for r, row in enumerate(ROWS, start=1):
        ws.write_row(r, 0, row)
    ws.conditional_format("E2:E6", {"type": "cell", "criteria": ">", "value": 8, "format": red})
    ws.conditional_format("F2:F6", {"type": "data_bar", "data_bar_2010": True})  # -> extLst
    ws.data_validation("B2:B6", {"validate": "list", "source": ["45A12", "46A01"]})
    ws.write_url("H2", "https://www.istandaarden.nl/")
    ws.write_url("H3", "internal:'Toewijzingen'!A1", string="Naar de toewijzingen")
    ws.merge_range("I1:J1", "Opmerking", bold)
    ws.autofilter("A1:G6")
    ws.add_table(
        "K1:L3",
        {
            "name": "Notities",
            "columns": [{"header": "Wie"}, {"header": "Wat"}],
            "data": [["Jan", "nagekeken"], ["Els", "open"]],
        },
    )
    ws.protect()
    ws.write_comment("A2", "Controleer deze BSN")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=Productie!$E$2:$E$6", "name": "Aantal"})
    ws.insert_chart("N2", chart)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_header("&CProductie")
    ws.set_footer("&CPagina &P")
    other.write_row(0, 0, ["BSN", "Toewijzingnummer", "Volume"], bold)
    other.write_row(1, 0, ["123456782", "T-001", 20])
    wb.close()


_OPENPYXL = r"""
import sys
if sys.argv[2] == "zonder":
    sys.modules["lxml"] = None  # openpyxl then writes with the standard library's ElementTree
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table
from openpyxl.xml import LXML
assert LXML == (sys.argv[2] == "met"), LXML
header, rows = eval(sys.argv[3]), eval(sys.argv[4])
wb = Workbook()
ws = wb.active
ws.title = "Productie"
ws.append(header)
for row in rows:
    ws.append(row)
for cell in ws[1]:
    cell.font = Font(bold=True)
fill = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
ws.conditional_formatting.add("E2:E6", CellIsRule(operator="greaterThan", formula=["8"], fill=fill))
dv = DataValidation(type="list", formula1='"45A12,46A01"', allow_blank=True)
ws.add_data_validation(dv)
dv.add("B2:B6")
ws["H2"] = "iStandaarden"
ws["H2"].hyperlink = "https://www.istandaarden.nl/"
ws["H3"] = "Naar de toewijzingen"
ws["H3"].hyperlink = Hyperlink(ref="H3", location="'Toewijzingen'!A1")
ws.merge_cells("I1:J1")
ws["I1"] = "Opmerking"
ws.auto_filter.ref = "A1:G6"
ws["K1"], ws["L1"], ws["K2"], ws["L2"], ws["K3"], ws["L3"] = "Wie", "Wat", "Jan", "nagekeken", "Els", "open"
ws.add_table(Table(displayName="Notities", ref="K1:L3"))
ws.protection.sheet = True
ws["A2"].comment = Comment("Controleer deze BSN", "Gemeente")
chart = BarChart()
chart.add_data(Reference(ws, min_col=5, min_row=1, max_row=6), titles_from_data=True)
ws.add_chart(chart, "N2")
ws.page_setup.orientation = "landscape"
ws.page_setup.paperSize = 9
ws.oddHeader.center.text = "Productie"
ws.oddFooter.center.text = "Pagina &P"
other = wb.create_sheet("Toewijzingen")
other.append(["BSN", "Toewijzingnummer", "Volume"])
other.append(["123456782", "T-001", 20])
wb.save(sys.argv[1])
"""


def _openpyxl(path: Path, *, lxml: bool) -> None:
    subprocess.run(
        [
            sys.executable,
            "-c",
            _OPENPYXL,
            str(path),
            "met" if lxml else "zonder",
            repr(HEADER),
            repr(ROWS),
        ],
        check=True,
        capture_output=True,
        text=True,
    )


def _rewrite_parts(source: Path, target: Path, edit) -> None:  # type: ignore[no-untyped-def]
    """Copy a package, passing each XML part's bytes through `edit(name, data)`."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                data = edit(info.filename, data)
            zout.writestr(info, data)


def _with_namespaces(root: etree._Element, extra: dict[str, str]) -> etree._Element:
    """A copy of `root` that also declares `extra` (lxml cannot add declarations in place)."""
    new = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, **extra})
    new.text = root.text
    for child in root:
        new.append(child)
    return new


_X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
_XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
_XR2 = "http://schemas.microsoft.com/office/spreadsheetml/2015/revision2"
_XR3 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision3"
_XR6 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision6"
_XR10 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision10"
_X15 = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"
_X15AC = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"


def _excel365_part(name: str, data: bytes) -> bytes:
    root = etree.fromstring(data)
    q = etree.QName(root)
    if q.namespace != MAIN:
        return data
    uid = "{00000000-0001-0000-0000-000000000000}"
    if q.localname == "worksheet":
        root = _with_namespaces(
            root, {"mc": MC, "x14ac": _X14AC, "xr": _XR, "xr2": _XR2, "xr3": _XR3}
        )
        root.set(f"{{{MC}}}Ignorable", "x14ac xr xr2 xr3")
        root.set(f"{{{_XR}}}uid", uid)
        fmt = root.find(f"{{{MAIN}}}sheetFormatPr")
        if fmt is not None:
            fmt.set(f"{{{_X14AC}}}dyDescent", "0.25")
        for row in root.iter(f"{{{MAIN}}}row"):
            row.set(f"{{{_X14AC}}}dyDescent", "0.25")
        for dv in root.iter(f"{{{MAIN}}}dataValidation"):
            dv.set(f"{{{_XR}}}uid", "{11111111-0001-0000-0000-000000000000}")
    elif q.localname == "workbook":
        root = _with_namespaces(
            root, {"mc": MC, "x15": _X15, "xr": _XR, "xr6": _XR6, "xr10": _XR10, "xr2": _XR2}
        )
        root.set(f"{{{MC}}}Ignorable", "x15 xr xr6 xr10 xr2")
        pr = root.find(f"{{{MAIN}}}workbookPr")
        alternate = etree.fromstring(
            f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x15">'
            f'<x15ac:absPath xmlns:x15ac="{_X15AC}" url="C:\\Users\\tester\\"/>'
            "</mc:Choice></mc:AlternateContent>"
        )
        revision = etree.Element(f"{{{_XR}}}revisionPtr")
        revision.set("revIDLastSave", "0")
        revision.set("documentId", "8_{1B2C3D4E-0000-4000-8000-000000000000}")
        revision.set(f"{{{_XR6}}}coauthVersionLast", "47")
        at = root.index(pr) + 1 if pr is not None else 0
        root.insert(at, alternate)
        root.insert(at + 1, revision)
        for view in root.iter(f"{{{MAIN}}}workbookView"):
            view.set(f"{{{_XR2}}}uid", "{00000000-000D-0000-FFFF-FFFF00000000}")
    elif q.localname == "table":
        root = _with_namespaces(root, {"mc": MC, "xr": _XR, "xr3": _XR3})
        root.set(f"{{{MC}}}Ignorable", "xr xr3")
        root.set(f"{{{_XR}}}uid", "{22222222-0001-0000-0000-000000000000}")
        for column in root.iter(f"{{{MAIN}}}tableColumn"):
            column.set(f"{{{_XR3}}}uid", "{33333333-0001-0000-0000-000000000000}")
    else:
        return data
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _dotnet_part(name: str, data: bytes) -> bytes:
    text = data.decode("utf-8")
    if f'xmlns="{MAIN}"' not in text:
        return data
    text = text.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')
    return re.sub(r"<(/?)(?![?!])([A-Za-z][\w.]*)(?=[\s/>])", r"<\1x:\2", text).encode("utf-8")


_STRICT = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "http://purl.oclc.org/ooxml/officeDocument/relationships",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "http://purl.oclc.org/ooxml/drawingml/main",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "http://purl.oclc.org/ooxml/drawingml/chart",
}


def _strict_part(name: str, data: bytes) -> bytes:
    if name.startswith("docProps/") or (name == "_rels/.rels" and b"officeDocument" not in data):
        return data
    text = data.decode("utf-8")
    if name == "_rels/.rels":  # only the workbook's relationship becomes Strict
        return re.sub(
            r'Type="http://schemas\.openxmlformats\.org/officeDocument/2006/relationships/officeDocument"',
            'Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"',
            text,
        ).encode("utf-8")
    for transitional, strict in _STRICT.items():
        text = text.replace(transitional, strict)
    if name.endswith("workbook.xml"):
        text = re.sub(r"(<workbook\b)", r'\1 conformance="strict"', text, count=1)
    return text.encode("utf-8")


def build_writers(out: Path) -> dict[str, Path]:
    """Write the corpus into `out`; returns file name -> path of what could be built here."""
    out.mkdir(parents=True, exist_ok=True)
    base = out / "xlsxwriter.xlsx"
    _xlsxwriter(base)
    _openpyxl(out / "openpyxl_lxml.xlsx", lxml=True)
    _openpyxl(out / "openpyxl_zonder_lxml.xlsx", lxml=False)
    _rewrite_parts(base, out / "excel365.xlsx", _excel365_part)
    _rewrite_parts(base, out / "dotnet.xlsx", _dotnet_part)
    _rewrite_parts(base, out / "strict.xlsx", _strict_part)
    quickstart = xlwings_workbook("quickstart.xlsm")
    if quickstart is not None:
        shutil.copyfile(quickstart, out / "excel_quickstart.xlsm")
    if shutil.which("soffice") or shutil.which("libreoffice"):
        with tempfile.TemporaryDirectory(prefix="writers-lo-") as tmp:
            source = Path(tmp) / "libreoffice.xlsx"
            shutil.copyfile(base, source)
            done = soffice_convert([source], Path(tmp) / "uit", "xlsx", Path(tmp) / "profiel")
            if done.returncode != 0:
                raise RuntimeError(f"LibreOffice failed: {done.stderr}")
            shutil.copyfile(Path(tmp) / "uit" / "libreoffice.xlsx", out / "libreoffice.xlsx")
    return {name: out / name for name in WRITERS if (out / name).exists()}


def features_of(path: Path, sheet_part: str) -> set[str]:
    """The FEATURES labels a worksheet part carries."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read(sheet_part))
    present = {etree.QName(c).localname for c in root if isinstance(c.tag, str)}
    return {label for label, local in FEATURES.items() if local in present}


def main(out: Path) -> None:  # pragma: no cover - prints the table for the report
    from datetime import datetime

    from batch.annotate import annotate_workbook
    from tests.ooxml_helpers import check, sheet_parts

    built = build_writers(out)
    print("| writer | " + " | ".join(FEATURES) + " | 1e keer | 2e keer |")
    print("|---" * (len(FEATURES) + 3) + "|")
    for name, path in built.items():
        sheet = "Sheet1" if name.endswith(".xlsm") else "Productie"
        present = features_of(path, sheet_parts(path)[sheet])
        first = out / "uit" / name
        second = out / "uit2" / name
        for src, dst in ((path, first), (first, second)):
            dst.parent.mkdir(exist_ok=True)
            annotate_workbook(
                src, findings_for(name), dst, profiel="tabel", gecontroleerd_op=datetime.now()
            )
        cells = ["x" if label in present else "–" for label in FEATURES]
        verdict = ["geldig" if not check(p) else "ONGELDIG" for p in (first, second)]
        print(f"| {name} | " + " | ".join(cells) + f" | {verdict[0]} | {verdict[1]} |")


if __name__ == "__main__":  # pragma: no cover
    main(Path(sys.argv[1]))
