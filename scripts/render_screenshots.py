"""Render the README's screenshots with LibreOffice headless: `python scripts/render_screenshots.py`.

Writes docs/img/rekenhulp.png (sheet Rekenhulp of workbooks/rekenhulp-standaardbudget.xlsx),
docs/img/controle.png and docs/img/productie-gemarkeerd.png (the Controle sheet and the marked
Productie sheet of the example after `jeugdhulp controleer`). A manual tool, not run by the tests.

Needs `soffice` (LibreOffice) and `pdftoppm` (poppler-utils: `apt-get install poppler-utils`),
and the font Carlito (`apt-get install fonts-crosextra-carlito`): it has Calibri's metrics, so
LibreOffice wraps text as Excel does and the row heights the Controle sheet computes fit. Without
it LibreOffice falls back to a wider font and wrapped texts look cut off (the script warns).

How it works, without changing what a user sees:

* Each workbook is copied, and only the copy's print settings change: every sheet fits on one
  A3 page, and the rendered sheets get a print area (the crop), gridlines and row/column headings
  (so it looks like the screen, not like a print), set directly in the xlsx XML. The cells, their
  cached formula results and the marks stay byte-for-byte.
* One LibreOffice run exports the copies to PDF in a fresh profile with the Dutch locale, so
  numbers read as a Dutch user sees them (€ 7.688, 2,0); page n is visible sheet n.
* `pdftoppm` renders the page, once in grey to find where the content ends, then as PNG cropped
  to it (-x/-y/-W/-H), so no Pillow is needed.

The add-in's functions do not exist in LibreOffice. LibreOffice shows the results cached in the
file (the builder stores them) for ordinary formulas, as on the Rekenhulp sheet; it recalculates
array formulas and formulas with a WAAR/ONWAAR result on load, which then show #NAME? (tarieven.xlsx
has both, which is why it is not rendered here).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
EXAMPLE = WORKBOOKS / "voorbeeld-productiemonitor.xlsx"
REKENHULP = WORKBOOKS / "rekenhulp-standaardbudget.xlsx"
#: LibreOffice's PDF export honours the copies' print settings (print area, fit to one page);
#: its option SinglePageSheets would ignore the print area (LibreOffice 7.4).
PDF_FILTER = "pdf:calc_pdf_Export"
#: A fresh LibreOffice profile with the Dutch locale (decimal comma, € 7.688).
DUTCH_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>nl-NL</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>nl-NL</value></prop></item>
</oor:items>
"""
MAX_BYTES = 200_000
#: Grey levels counted as paper when cropping.
WHITE = bytes(range(240, 256))


@dataclass(frozen=True)
class Shot:
    """One screenshot: a sheet of a workbook, cropped to `area`."""

    png: str
    workbook: Path
    sheet: str
    area: str


def _tool(name: str, hint: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} niet gevonden; {hint}")
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> tuple[list[str], dict[str, str], set[str]]:
    """Sheet names in workbook order, sheet name -> part name (xl/worksheets/...), hidden sheets."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {
        m.group("id"): m.group("target")
        for m in re.finditer(
            r'<Relationship\b(?=[^>]*\bId="(?P<id>[^"]+)")(?=[^>]*\bTarget="(?P<target>[^"]+)")[^>]*>',
            rels,
        )
    }
    names, parts, hidden = [], {}, set()
    for m in re.finditer(r"<sheet\b[^>]*>", workbook):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
        rid = re.search(r'\br:id="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
        target = targets[rid].lstrip("/")
        names.append(name)
        parts[name] = target if target.startswith("xl/") else f"xl/{target}"
        if re.search(r'\bstate="(hidden|veryHidden)"', tag):
            hidden.add(name)
    return names, parts, hidden


def _with_print_area(workbook_xml: str, index: int, sheet: str, area: str) -> str:
    """Add the print area `area` ("A1:B18") of sheet number `index` to workbook.xml."""
    cells = re.sub(r"([A-Z]+)([0-9]+)", r"$\1$\2", area)
    quoted = "'" + sheet.replace("'", "''") + "'"
    name = (
        f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">'
        f"{escape(quoted)}!{cells}</definedName>"
    )
    if "<definedNames>" in workbook_xml:
        return workbook_xml.replace("<definedNames>", f"<definedNames>{name}", 1)
    return workbook_xml.replace("</sheets>", f"</sheets><definedNames>{name}</definedNames>", 1)


def _with_page_setup(sheet_xml: str, grid: bool) -> str:
    """The sheet on one A3 landscape page (fit to page), with gridlines and headings if `grid`.

    Only print settings change; the elements keep the order of the schema (sheetPr first;
    printOptions, pageMargins, pageSetup, headerFooter after the data).
    """
    fit = '<pageSetUpPr fitToPage="1"/>'
    sheet_xml = re.sub(r"<pageSetUpPr\b[^>]*/>", "", sheet_xml)
    if re.search(r"<sheetPr\b[^>]*/>", sheet_xml):
        sheet_xml = re.sub(
            r"<sheetPr\b([^>]*)/>", rf"<sheetPr\1>{fit}</sheetPr>", sheet_xml, count=1
        )
    elif "</sheetPr>" in sheet_xml:
        sheet_xml = sheet_xml.replace("</sheetPr>", f"{fit}</sheetPr>", 1)
    else:
        sheet_xml = re.sub(
            r"(<worksheet\b[^>]*>)", rf"\1<sheetPr>{fit}</sheetPr>", sheet_xml, count=1
        )
    for element in ("printOptions", "pageMargins", "pageSetup", "headerFooter"):
        sheet_xml = re.sub(rf"<{element}\b[^>]*/>", "", sheet_xml)
        sheet_xml = re.sub(rf"<{element}\b[^>]*>.*?</{element}>", "", sheet_xml, flags=re.S)
    settings = (
        ('<printOptions headings="1" gridLines="1"/>' if grid else "")
        + '<pageMargins left="0.2" right="0.2" top="0.2" bottom="0.2" header="0" footer="0"/>'
        + '<pageSetup paperSize="8" orientation="landscape" fitToWidth="1" fitToHeight="1"/>'
        + "<headerFooter/>"
    )
    # The settings follow sheetData and what the schema puts between (autoFilter, mergeCells,
    # conditionalFormatting, dataValidations, hyperlinks) and precede drawing, tableParts, extLst.
    for follower in (
        "<rowBreaks",
        "<colBreaks",
        "<drawing",
        "<legacyDrawing",
        "<tableParts",
        "<extLst",
        "</worksheet>",
    ):
        if follower in sheet_xml:
            return sheet_xml.replace(follower, settings + follower, 1)
    raise ValueError("geen </worksheet> in het werkblad")


def render_copy(source: Path, target: Path, areas: dict[str, str]) -> list[str]:
    """Copy `source` with print settings only: every sheet on one page, `areas` as print areas
    with gridlines and headings; returns the printed (visible) sheets: page n is sheet n."""
    with zipfile.ZipFile(source) as archive:
        names, parts, hidden = _sheet_parts(archive)
        changed: dict[str, bytes] = {}
        workbook_xml = archive.read("xl/workbook.xml").decode("utf-8")
        for sheet in names:
            if sheet in areas:
                workbook_xml = _with_print_area(
                    workbook_xml, names.index(sheet), sheet, areas[sheet]
                )
            part = parts[sheet]
            xml = _with_page_setup(archive.read(part).decode("utf-8"), grid=sheet in areas)
            changed[part] = xml.encode("utf-8")
        changed["xl/workbook.xml"] = workbook_xml.encode("utf-8")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                out.writestr(info, changed.get(info.filename, archive.read(info.filename)))
    return [name for name in names if name not in hidden]


def annotated_example(tmp: Path) -> Path:
    """`jeugdhulp controleer workbooks/voorbeeld-productiemonitor.xlsx --uitvoer TMP`."""
    command = shutil.which("jeugdhulp")
    prefix = [command] if command else [sys.executable, "-m", "batch.cli"]
    done = subprocess.run(
        [*prefix, "controleer", str(EXAMPLE), "--uitvoer", str(tmp), "--stil"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode not in (0, 1):  # 1 = errors found, which the example is made for
        raise SystemExit(f"jeugdhulp controleer faalde ({done.returncode}):\n{done.stderr}")
    found = sorted(tmp.glob("*.controle.xlsx"))
    if len(found) != 1:
        raise SystemExit(f"Geen gecontroleerde werkmap in {tmp}: {done.stdout}")
    return found[0]


def used_rows(path: Path, sheet: str, column: str = "A") -> int:
    """The last row with a value in `column` (the Controle sheet's findings)."""
    worksheet = openpyxl.load_workbook(path, read_only=True)[sheet]
    last = 0
    for row in worksheet.iter_rows(
        min_col=1, max_col=openpyxl.utils.column_index_from_string(column)
    ):
        cell = row[-1]
        if cell.value not in (None, ""):
            last = cell.row
    return last


def _warn_without_carlito() -> None:
    """Calibri is drawn with Carlito (same metrics) if installed; say so when it is not."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return
    found = subprocess.run([fc_match, "Calibri"], capture_output=True, text=True, check=False)
    if "carlito" not in found.stdout.lower():
        print(
            "Let op: het lettertype Carlito ontbreekt (apt-get install fonts-crosextra-carlito); "
            "LibreOffice tekent Calibri dan breder dan Excel en afgebroken tekst lijkt afgekapt.",
            file=sys.stderr,
        )


def render(shots: list[Shot], out: Path, dpi: int, tmp: Path) -> list[Path]:
    soffice = _tool("soffice", "installeer LibreOffice (apt-get install libreoffice-calc-nogui).")
    pdftoppm = _tool("pdftoppm", "installeer poppler-utils (apt-get install poppler-utils).")
    _warn_without_carlito()
    copies: dict[Path, tuple[Path, list[str]]] = {}
    for shot in shots:
        copy = tmp / "kopie" / shot.workbook.name
        copy.parent.mkdir(exist_ok=True)
        areas = {s.sheet: s.area for s in shots if s.workbook == shot.workbook}
        if shot.workbook not in copies:
            copies[shot.workbook] = (copy, render_copy(shot.workbook, copy, areas))
    profile = tmp / "profiel"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(DUTCH_PROFILE, encoding="utf-8")
    pdf_dir = tmp / "pdf"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            PDF_FILTER,
            "--outdir",
            str(pdf_dir),
            *(str(copy) for copy, _ in copies.values()),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"LibreOffice faalde ({done.returncode}):\n{done.stderr}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for shot in shots:
        copy, printed = copies[shot.workbook]
        pdf = pdf_dir / f"{copy.stem}.pdf"
        pages = _pages(pdf)
        if pages != len(printed):
            raise SystemExit(f"{pdf.name}: {pages} pagina's voor {len(printed)} bladen")
        page = str(printed.index(shot.sheet) + 1)
        pages_args = ["-r", str(dpi), "-thinlinemode", "solid", "-f", page, "-l", page]
        gray = tmp / "grijs"
        subprocess.run(
            [pdftoppm, "-gray", *pages_args, "-singlefile", str(pdf), str(gray)], check=True
        )
        width, height = _content_size(gray.with_suffix(".pgm"))
        target = out / shot.png
        crop = ["-x", "0", "-y", "0", "-W", str(width), "-H", str(height)]
        subprocess.run(
            [
                pdftoppm,
                "-png",
                *pages_args,
                *crop,
                "-singlefile",
                str(pdf),
                str(target.with_suffix("")),
            ],
            check=True,
        )
        written.append(target)
    return written


def _pages(pdf: Path) -> int:
    """The number of pages of a PDF (pdfinfo comes with pdftoppm in poppler-utils)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    if found is None:
        raise SystemExit(f"{pdf.name}: pdfinfo geeft geen aantal pagina's")
    return int(found.group(1))


def _content_size(pgm: Path, margin: int = 4) -> tuple[int, int]:
    """Width and height of the non-white part of a binary PGM, from the top left corner."""
    data = pgm.read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if header is None:
        raise SystemExit(f"{pgm}: geen PGM")
    width, height = int(header.group(1)), int(header.group(2))
    pixels = data[header.end() :]
    right = bottom = 0
    for y in range(height):
        row = pixels[y * width : (y + 1) * width]
        used = len(row.rstrip(WHITE))  # up to and including the rightmost dark pixel
        if used:
            bottom = y
            right = max(right, used)
    return min(width, right + margin), min(height, bottom + 1 + margin)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uitvoer", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--dpi", type=int, default=80, help="resolutie van de PNG's")
    parser.add_argument("--rijen", type=int, default=30, help="rijen van het blad Productie")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as name:
        tmp = Path(name)
        controle = annotated_example(tmp / "controle")
        findings = used_rows(controle, "Controle")
        shots = [
            Shot("rekenhulp.png", REKENHULP, "Rekenhulp", "A1:B18"),
            Shot("controle.png", controle, "Controle", f"A1:I{findings}"),
            Shot("productie-gemarkeerd.png", controle, "Productie", f"A1:N{args.rijen}"),
        ]
        written = render(shots, args.uitvoer, args.dpi, tmp)
    for path in written:
        size = path.stat().st_size
        note = "  (groter dan 200 KB: kies een lagere --dpi)" if size > MAX_BYTES else ""
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {size // 1000} KB{note}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
