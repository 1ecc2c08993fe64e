"""Files the reader cannot use: each gives OnleesbaarBestand naming the file and the reason."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from batch.reader import OnleesbaarBestand, read_table_file, read_workbook
from jeugdhulp.errors import JeugdhulpError

HEADER = ["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal"]
ROW = ["111222333", "45A48", "01-03-2023", "31-03-2023", "01", "60"]
EXCEL_ROWS = 1_048_576


def good_xlsx(path: Path, rows: list[list[str]] | None = None) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Productie")
    for r, row in enumerate(rows if rows is not None else [HEADER, ROW]):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def onleesbaar(path: Path, *fragments: str) -> str:
    """Read `path`, expect OnleesbaarBestand naming the file and containing the fragments."""
    with pytest.raises(OnleesbaarBestand) as caught:
        read_workbook(path)
    message = str(caught.value)
    assert isinstance(caught.value, JeugdhulpError)
    assert f"'{path.name}'" in message
    assert message.startswith(f"Bestand '{path.name}' kan niet worden gelezen: ")
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_empty_file(tmp_path: Path) -> None:
    for name in ("leeg.xlsx", "leeg.csv"):
        path = tmp_path / name
        path.write_bytes(b"")
        onleesbaar(path, "leeg (0 bytes)")


def test_corrupt_zip(tmp_path: Path) -> None:
    whole = good_xlsx(tmp_path / "heel.xlsx").read_bytes()
    path = tmp_path / "afgebroken.xlsx"
    path.write_bytes(whole[: len(whole) // 2])  # a download that broke off
    onleesbaar(path, "beschadigd")


def test_zip_with_garbage_inside(tmp_path: Path) -> None:
    path = tmp_path / "kapot.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "dit is geen xml")
    onleesbaar(path, "beschadigd")


def test_encrypted_workbook(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = good_xlsx(tmp_path / "open.xlsx")
    path = tmp_path / "geheim.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("wachtwoord", target)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    onleesbaar(path, "versleuteld", "wachtwoord")


def test_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "oud.xls"
    # An OLE compound file header (what .xls files are) without an EncryptionInfo stream.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Workbook" * 64)
    onleesbaar(path, "oud Excel 97-2003-formaat; sla op als .xlsx")
    renamed = tmp_path / "oud.xlsx"
    renamed.write_bytes(path.read_bytes())
    onleesbaar(renamed, "oud Excel 97-2003-formaat; sla op als .xlsx")


def test_xlsx_saved_as_xls_name(tmp_path: Path) -> None:
    path = good_xlsx(tmp_path / "eigenlijk-xlsx.xls")
    onleesbaar(path, "hernoem het naar .xlsx")


def test_no_header_row(tmp_path: Path) -> None:
    path = good_xlsx(tmp_path / "zonder-kop.xlsx", [["Naam", "Adres"], ["Jan", "Dorpsstraat 1"]])
    onleesbaar(path, "geen kopregel gevonden met BSN, Productcode", "'Productie'")


def test_no_header_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "adressen.csv"
    path.write_text("Naam;Adres\nJan;Dorpsstraat 1\n", encoding="utf-8")
    onleesbaar(path, "geen kopregel gevonden met BSN, Productcode")
    with pytest.raises(OnleesbaarBestand, match="Toewijzingnummer"):
        read_table_file(path, "toewijzingen")


def test_pdf_renamed(tmp_path: Path) -> None:
    path = tmp_path / "monitor.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    onleesbaar(path, "geen Excel-werkmap", "PDF")
    csv_path = tmp_path / "monitor.csv"
    csv_path.write_bytes(path.read_bytes())
    onleesbaar(csv_path, "PDF")


def test_text_renamed(tmp_path: Path) -> None:
    path = tmp_path / "notitie.xlsx"
    path.write_text("Dit is een notitie, geen werkmap.\n", encoding="utf-8")
    onleesbaar(path, "geen Excel-werkmap", "tekstbestand")


def test_word_document_renamed(tmp_path: Path) -> None:
    path = tmp_path / "brief.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    onleesbaar(path, "geen Excel-werkmap", "Word")


def test_workbook_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(good_xlsx(tmp_path / "bron.xlsx").read_bytes())
    onleesbaar(path, "geen csv-bestand", ".xlsx")


def test_binary_csv(tmp_path: Path) -> None:
    path = tmp_path / "binair.csv"
    path.write_bytes(bytes(range(256)) * 4)
    onleesbaar(path, "geen tekstbestand")


@pytest.mark.parametrize("name", ["monitor.ods", "monitor.pdf", "monitor.txt", "monitor"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("BSN;Productcode\n", encoding="utf-8")
    onleesbaar(path, "wordt niet ondersteund", ".xlsx, .xlsm of .csv")


def test_missing_and_directory(tmp_path: Path) -> None:
    onleesbaar(tmp_path / "bestaat-niet.xlsx", "bestaat niet")
    folder = tmp_path / "map.xlsx"
    folder.mkdir()
    onleesbaar(folder, "map")


def test_empty_workbook(tmp_path: Path) -> None:
    path = good_xlsx(tmp_path / "leeg-blad.xlsx", [])
    onleesbaar(path, "geen gegevens")


# --- a sheet with formatting on every one of Excel's 1.048.576 rows ---------------------------


def formatted_sheet(path: Path, header: bool) -> Path:
    """A workbook whose only sheet has a style on all 1.048.576 rows (row styles plus two styled
    empty cells per row, dimension A1:L1048576), optionally with a header and two data rows.

    This is what a sheet looks like after someone formatted whole rows / a whole range: the
    file is small, but a naive reader walks a million rows.
    """
    base = path.with_suffix(".base.xlsx")
    book = xlsxwriter.Workbook(base)
    sheet = book.add_worksheet("Productie")
    style = book.add_format({"bg_color": "#FFFF00", "border": 1})
    sheet.write_blank("A1", None, style)
    book.close()
    data_rows = [HEADER, ROW, ROW] if header else []

    def row_xml(r: int) -> str:
        if r <= len(data_rows):
            cells = "".join(
                f'<c r="{chr(65 + c)}{r}" s="1" t="inlineStr"><is><t>{value}</t></is></c>'
                for c, value in enumerate(data_rows[r - 1])
            )
        else:
            cells = f'<c r="A{r}" s="1"/><c r="L{r}" s="1"/>'
        return f'<row r="{r}" spans="1:12" s="1" customFormat="1">{cells}</row>'

    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, data)
                continue
            text = data.decode()
            head, rest = text.split("<sheetData", 1)
            head = head.replace('<dimension ref="A1"/>', '<dimension ref="A1:L1048576"/>')
            tail = rest.split("</sheetData>", 1)[1]
            with out.open(item.filename, "w", force_zip64=True) as handle:
                handle.write(head.encode() + b"<sheetData>")
                for start in range(1, EXCEL_ROWS + 1, 65536):
                    stop = min(start + 65536, EXCEL_ROWS + 1)
                    handle.write("".join(row_xml(r) for r in range(start, stop)).encode())
                handle.write(b"</sheetData>" + tail.encode())
    base.unlink()
    return path


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from batch.reader import OnleesbaarBestand, read_workbook
started = time.perf_counter()
try:
    rows = read_workbook(Path(sys.argv[1]))["productie"].frame.height
    error = None
except OnleesbaarBestand as exc:
    rows, error = None, str(exc)
try:  # VmHWM: this process's own peak (ru_maxrss also counts the parent's pages at fork time)
    status = Path("/proc/self/status").read_text()
    peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "error": error,
                  "rss_mb": peak}))
"""


def measure(path: Path) -> dict[str, object]:
    """Read in a fresh process, so its peak memory is the reader's own."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.slow
def test_million_formatted_rows_without_values_is_fast_and_small(tmp_path: Path) -> None:
    path = formatted_sheet(tmp_path / "opgemaakt.xlsx", header=False)
    result = measure(path)
    assert result["rows"] is None
    assert "geen gegevens" in str(result["error"])
    assert "'opgemaakt.xlsx'" in str(result["error"])
    assert float(result["seconds"]) < 10, result  # type: ignore[arg-type]
    assert float(result["rss_mb"]) < 400, result  # type: ignore[arg-type]


@pytest.mark.slow
def test_million_formatted_rows_below_real_data(tmp_path: Path) -> None:
    path = formatted_sheet(tmp_path / "opgemaakt-met-data.xlsx", header=True)
    started = time.perf_counter()
    result = measure(path)
    assert result["error"] is None
    assert result["rows"] == 2
    assert float(result["seconds"]) < 10, result  # type: ignore[arg-type]
    assert float(result["rss_mb"]) < 400, result  # type: ignore[arg-type]
    assert time.perf_counter() - started < 30
