"""Build the annotator's corpus: workbooks full of parts a spreadsheet library would drop.

Writers and what each file holds:

- ``xlsxwriter_volledig.xlsx`` (xlsxwriter): a table, formulas with cached results, data
  validation, conditional formatting, comments, merged cells, a PNG image, a chart on a worksheet,
  a chartsheet, a hidden sheet, a sheet with an apostrophe in its name, global and sheet-local
  defined names, an autofilter, frozen panes and a non-first active tab.
- ``xlsxwriter_macro.xlsm`` (xlsxwriter): a macro-enabled workbook whose ``vbaProject.bin`` is the
  real VBA project of xlwings' ``quickstart.xlsm`` (xlwings is a project dependency).
- ``openpyxl_opmerkingen.xlsx`` (openpyxl): comments (legacy VML), data validation, a hidden
  sheet, defined names and merged cells, as openpyxl writes them.
- ``libreoffice_draaitabel.xlsx`` (LibreOffice, from a hand-written ODS): a pivot table with its
  cache, a comment, merged cells, a formula with its cached result and a named range.
- ``libreoffice_via_openpyxl.xlsx`` (LibreOffice re-saving an openpyxl workbook): conditional
  formatting, data validation, comments, hidden sheet, sheet-local names, formulas recalculated
  by LibreOffice.
- ``excel_quickstart.xlsm`` and ``excel_quickstart_standalone.xlsm``: written by Excel itself
  (``mc:Ignorable`` namespaces, revision ids, an empty ``<definedNames />``), copied from xlwings.
- ``monitor_puntkomma.csv`` (cp1252, ``;``) and ``monitor_komma.csv`` (UTF-8 with BOM, ``,``).

The LibreOffice files are only built when ``soffice`` is on PATH.

Usage: ``python -m tests.corpus.build_corpus OUTDIR`` or `build_corpus(Path)`.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import openpyxl

from jeugdhulp.findings import Finding

XLSX_FILES = (
    "xlsxwriter_volledig.xlsx",
    "xlsxwriter_macro.xlsm",
    "openpyxl_opmerkingen.xlsx",
    "libreoffice_draaitabel.xlsx",
    "libreoffice_via_openpyxl.xlsx",
    "excel_quickstart.xlsm",
    "excel_quickstart_standalone.xlsm",
)
CSV_FILES = ("monitor_puntkomma.csv", "monitor_komma.csv")

_HEADER = ["BSN", "Productcode", "Startdatum", "Einddatum", "Aantal", "Tarief", "Bedrag"]
_ROWS = [
    ["123456782", "45A12", "01-03-2023", "31-03-2023", 10, 52.5],
    ["111222333", "45A12", "01-03-2023", "31-03-2023", 4, 52.5],
    ["012345672", "46A01", "01-04-2023", "30-04-2023", 8, 61.25],
    ["99999999", "45A12", "01-04-2023", "30-04-2023", 2, 52.5],
    ["123456782", "46A01", "01-05-2023", "31-05-2023", 6, 61.25],
]


#: Cell texts that a spreadsheet would take for a formula if they were not written as text.
INJECTIONS = ('=HYPERLINK("http://x","klik")', "+1", "-1", "@SUM(A1:A2)")


def sample_findings(path: Path, per_sheet: int = 3) -> list[Finding]:
    """Findings on real, filled cells of every worksheet, one carrying each injection value."""
    book = openpyxl.load_workbook(path)
    out: list[Finding] = []
    injections = iter(INJECTIONS * 10)
    for ws in book.worksheets:
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        for i, cell in enumerate(cells[:per_sheet]):
            out.append(
                Finding(
                    blad=ws.title,
                    rij=cell.row,
                    kolom=str(ws.cell(1, cell.column).value or ""),
                    cel=cell.coordinate,
                    controle=f"PM00{i + 1}",
                    ernst="fout" if i % 2 == 0 else "waarschuwing",
                    retourcode="8001" if i == 0 else "",
                    melding=f"Melding {i + 1} over {cell.coordinate}",
                    waarde=next(injections),
                )
            )
    return out


def tiny_png(width: int = 4, height: int = 4) -> bytes:
    """A valid red PNG, made here so the corpus needs no binary fixtures."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def xlwings_workbook(name: str) -> Path | None:
    """A workbook that ships with xlwings (saved by Excel), or None without xlwings."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / name
    return path if path.exists() else None


def vba_project_bytes() -> bytes | None:
    """The VBA project of xlwings' quickstart workbook, or None without xlwings."""
    quickstart = xlwings_workbook("quickstart.xlsm")
    if quickstart is None:
        return None
    with zipfile.ZipFile(quickstart) as z:
        return z.read("xl/vbaProject.bin")


def _xlsxwriter_full(path: Path, work: Path) -> None:
    import xlsxwriter

    png = work / "logo.png"
    png.write_bytes(tiny_png())
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    info = wb.add_worksheet("Info")
    info.merge_range("A1:D1", "Productiemonitor 2023", bold)
    info.write("A3", "Zie blad Productie")
    info.insert_image("F2", str(png))

    prod = wb.add_worksheet("Productie")
    rows = [[*r, r[4] * r[5]] for r in _ROWS]
    prod.add_table(
        0,
        0,
        len(rows),
        len(_HEADER) - 1,
        {
            "name": "Declaraties",
            "columns": [{"header": h} for h in _HEADER],
            "data": [r[:6] for r in rows],
        },
    )
    for i, r in enumerate(rows, start=2):
        prod.write_formula(f"G{i}", f"=E{i}*F{i}", None, r[6])
    total = sum(r[6] for r in rows)
    prod.write_formula(f"G{len(rows) + 3}", f"=SUM(G2:G{len(rows) + 1})", bold, total)
    prod.data_validation(f"B2:B{len(rows) + 1}", {"validate": "list", "source": ["45A12", "46A01"]})
    prod.conditional_format(
        f"E2:E{len(rows) + 1}", {"type": "cell", "criteria": ">", "value": 8, "format": red}
    )
    prod.write_comment("A2", "BSN gecontroleerd door de gemeente")
    prod.write_comment("F3", "Tarief 2023")
    prod.freeze_panes(1, 0)

    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": f"=Productie!$G$2:$G${len(rows) + 1}", "name": "Bedrag"})
    prod.insert_chart("J2", chart)
    sheet_chart = wb.add_chart({"type": "line"})
    sheet_chart.add_series({"values": f"=Productie!$E$2:$E${len(rows) + 1}"})
    chartsheet = wb.add_chartsheet("Grafiek")
    chartsheet.set_chart(sheet_chart)

    quote = wb.add_worksheet("Jan's overzicht")
    quote.write_row(0, 0, ["Gemeente", "Bedrag"])
    quote.write_row(1, 0, ["Zwolle", 1000])
    quote.write_row(2, 0, ["Deventer", 2000])
    quote.autofilter("A1:B3")
    quote.write_formula("B5", "=SUM(B2:B3)", None, 3000)

    hidden = wb.add_worksheet("Tarieven")
    hidden.write_row(0, 0, ["Code", "Tarief"])
    hidden.write_row(1, 0, ["45A12", 52.5])
    hidden.hide()

    wb.define_name("Totaal", f"=Productie!$G${len(rows) + 3}")
    wb.define_name("Productie!Bedragen", f"=Productie!$G$2:$G${len(rows) + 1}")
    wb.define_name("'Jan's overzicht'!Gemeenten", "='Jan''s overzicht'!$A$2:$A$3")
    prod.activate()
    wb.close()


def _xlsxwriter_macro(path: Path, vba: bytes, work: Path) -> None:
    import xlsxwriter

    bin_path = work / "vbaProject.bin"
    bin_path.write_bytes(vba)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Productie")
    ws.write_row(0, 0, _HEADER[:6])
    for i, r in enumerate(_ROWS, start=1):
        ws.write_row(i, 0, r)
    ws.write_formula("F8", "=SUM(F2:F6)", None, sum(r[5] for r in _ROWS))
    wb.define_name("Productie!Tarieven", "=Productie!$F$2:$F$6")
    wb.add_vba_project(str(bin_path))
    wb.close()


def _openpyxl_workbook(path: Path, *, for_libreoffice: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Productie"
    ws.append(_HEADER)
    for i, r in enumerate(_ROWS, start=2):
        ws.append([*r, f"=E{i}*F{i}"])
    ws["A2"].comment = Comment("Controleer deze BSN", "Gemeente")
    ws["C4"].comment = Comment("Datum als tekst", "Aanbieder")
    dv = DataValidation(type="list", formula1='"45A12,46A01"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("B2:B6")
    ws.merge_cells("I1:J1")
    ws["I1"] = "Opmerking"
    if for_libreoffice:
        fill = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
        ws.conditional_formatting.add(
            "E2:E6", CellIsRule(operator="greaterThan", formula=["8"], fill=fill)
        )
    allocations = wb.create_sheet("Toewijzingen")
    allocations.append(["BSN", "Toewijzingnummer", "Volume"])
    allocations.append(["123456782", "T-001", 20])
    allocations["D2"] = "=C2*2"
    hidden = wb.create_sheet("Instellingen")
    hidden["A1"] = "geheim"
    hidden.sheet_state = "hidden"
    wb.defined_names["Volumes"] = DefinedName("Volumes", attr_text="Toewijzingen!$C$2:$C$2")
    allocations.defined_names["Nummers"] = DefinedName(
        "Nummers", attr_text="Toewijzingen!$B$2:$B$2"
    )
    wb.active = 1
    wb.save(path)


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2"'
)


def _ods_cell(value: object) -> str:
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def _pivot_ods(path: Path) -> None:
    """An ODS with a DataPilot (pivot) table, which LibreOffice exports as an Excel pivot."""
    header = ["Gemeente", "Productcode", "Bedrag"]
    data = [["Zwolle", "45A12", 525.0], ["Deventer", "45A12", 210.0], ["Zwolle", "46A01", 490.0]]
    rows = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in r) + "</table:table-row>"
        for r in [header, *data]
    )
    total = sum(r[2] for r in data)
    overview = (
        "<table:table-row>"
        '<table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="1" '
        'office:value-type="string"><text:p>Overzicht per gemeente</text:p></table:table-cell>'
        "<table:covered-table-cell/></table:table-row>"
        "<table:table-row>"
        '<table:table-cell office:value-type="string"><office:annotation>'
        "<dc:creator>Regio</dc:creator><text:p>Totaal uit blad Data</text:p></office:annotation>"
        "<text:p>Totaal</text:p></table:table-cell>"
        f'<table:table-cell table:formula="of:=SUM([Data.C2:.C4])" office:value-type="float" '
        f'office:value="{total}"><text:p>{total}</text:p></table:table-cell>'
        "</table:table-row>"
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<office:document-content {_ODS_NS}><office:body><office:spreadsheet>"
        f'<table:table table:name="Data">{rows}</table:table>'
        f'<table:table table:name="Overzicht">{overview}</table:table>'
        '<table:table table:name="Draaitabel"><table:table-row><table:table-cell/>'
        "</table:table-row></table:table>"
        '<table:named-expressions><table:named-range table:name="Bedragen" '
        'table:base-cell-address="$Data.$C$2" table:cell-range-address="$Data.$C$2:.$C$4"/>'
        "</table:named-expressions>"
        "<table:data-pilot-tables>"
        '<table:data-pilot-table table:name="Draaitabel1" '
        'table:target-range-address="Draaitabel.A1:Draaitabel.B5">'
        '<table:source-cell-range table:cell-range-address="Data.A1:Data.C4"/>'
        '<table:data-pilot-field table:source-field-name="Gemeente" table:orientation="row"/>'
        '<table:data-pilot-field table:source-field-name="Bedrag" table:orientation="data" '
        'table:function="sum"/>'
        "</table:data-pilot-table></table:data-pilot-tables>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def soffice_convert(
    files: list[Path], outdir: Path, fmt: str, profile: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """One headless LibreOffice run converting all `files` to `fmt` in `outdir`."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice is not None
    return subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _csv_files(out: Path) -> None:
    lines = [";".join([*_HEADER[:6], "Opmerking"])]
    for r in _ROWS:
        lines.append(";".join(str(v).replace(".", ",") for v in r) + ";café")
    lines.append('123456782;45A12;01-06-2023;30-06-2023;1;52,5;"=HYPERLINK(""x"")"')
    (out / "monitor_puntkomma.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    lines = [",".join(_HEADER[:6])]
    lines += [",".join(str(v) for v in r) for r in _ROWS]
    (out / "monitor_komma.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))


def build_corpus(out: Path) -> dict[str, Path]:
    """Write the corpus into `out`; returns file name -> path of what could be built."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        work = Path(tmp)
        _xlsxwriter_full(out / "xlsxwriter_volledig.xlsx", work)
        vba = vba_project_bytes()
        if vba is not None:
            _xlsxwriter_macro(out / "xlsxwriter_macro.xlsm", vba, work)
        _openpyxl_workbook(out / "openpyxl_opmerkingen.xlsx", for_libreoffice=False)
        for name in ("quickstart.xlsm", "quickstart_standalone.xlsm"):
            excel = xlwings_workbook(name)
            if excel is not None:
                shutil.copyfile(excel, out / f"excel_{name}")
        _csv_files(out)
        if shutil.which("soffice") or shutil.which("libreoffice"):
            src = work / "src"
            src.mkdir()
            _pivot_ods(src / "libreoffice_draaitabel.ods")
            _openpyxl_workbook(src / "libreoffice_via_openpyxl.xlsx", for_libreoffice=True)
            done = soffice_convert(
                [src / "libreoffice_draaitabel.ods", src / "libreoffice_via_openpyxl.xlsx"],
                out,
                "xlsx",
                work / "profile",
            )
            if done.returncode != 0:
                raise RuntimeError(f"LibreOffice failed: {done.stderr}")
    return {p.name: p for p in sorted(out.iterdir()) if p.name in (*XLSX_FILES, *CSV_FILES)}


if __name__ == "__main__":
    built = build_corpus(Path(sys.argv[1]))
    print("\n".join(str(p) for p in built.values()))
