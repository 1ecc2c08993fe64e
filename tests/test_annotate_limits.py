"""Excel's limits and the odd corners of XML: the written copy stays one Excel opens.

- cells longer than 32.767 characters are cut with a visible "…" (case W05);
- more findings than an Excel sheet has rows: as many as fit, then one line saying how many
  more and where they are;
- at most 65.530 hyperlinks;
- ``</sheetData>`` inside a comment, CDATA section or processing instruction is not the end
  of the rows (case W02), wherever the read chunks split the part;
- relationship targets that differ in case from the zip member still find it (issue 9);
- a part with a DTD is refused, not written.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

import batch._ooxml as ooxml
import batch.annotate as annotate_module
from batch._ooxml import XmlFout, clean_text, stream_sheet
from batch.annotate import NietTeSchrijven, _fit_text, annotate_workbook
from jeugdhulp.controle_layout import Verantwoording, controle_top
from jeugdhulp.findings import FINDING_FIELDS, Finding
from tests.ooxml_helpers import check, sheet_parts, tail_elements

WHEN = datetime(2026, 3, 1, 14, 30)


def small_workbook(path: Path, rows: int = 5) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, ["BSN", "Aantal"])
    for r in range(1, rows + 1):
        sheet.write_row(r, 0, [f"12345678{r % 10}", r])
    book.close()
    return path


def annotate(source: Path, findings, target: Path, **kwargs) -> Path:
    annotate_workbook(
        source, findings, target, verantwoording=Verantwoording("ijsselland-2023", WHEN), **kwargs
    )
    return target


def header_row(findings: pl.DataFrame | list[Finding]) -> int:
    """The row of the findings header for these findings (the legend above it grows with the
    checks that found something)."""
    frame = findings if isinstance(findings, pl.DataFrame) else pl.DataFrame(findings)
    counts = {
        c: (int(f), int(w))
        for c, f, w in frame.group_by("controle")
        .agg(f=(pl.col("ernst") == "fout").sum(), w=(pl.col("ernst") != "fout").sum())
        .iter_rows()
    }
    return len(controle_top(Verantwoording("ijsselland-2023", WHEN), counts)) + 1


def controle_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(sheet_parts(path)["Controle"]).decode("utf-8")


# --- 32.767 characters -----------------------------------------------------------------------


def test_a_cell_of_the_maximum_length_is_quoted_cut_with_an_ellipsis(tmp_path):
    source = small_workbook(tmp_path / "lang.xlsx")
    long = "x" * 32_767
    findings = [
        Finding("Productie", 2, "BSN", "A2", "PM001", "fout", "", "melding " + long, long),
        Finding("Productie", 3, "BSN", "A3", "PM001", "fout", "", "kort", "\x01" * 20_000),
    ]
    target = annotate(source, findings, tmp_path / "uit.xlsx")
    assert check(target) == []
    ws = openpyxl.load_workbook(target)["Controle"]
    first = header_row(findings) + 1
    melding, waarde = ws[f"G{first}"].value, ws[f"H{first}"].value
    assert waarde == long  # exactly Excel's maximum fits
    assert len(melding) == 32_767 and melding.endswith("x…")
    # control characters are written as _x0001_ (7 characters each)
    escaped = ws[f"H{first + 1}"].value
    assert escaped.endswith("…") and escaped.startswith("_x0001_")


@given(st.text(alphabet=st.sampled_from(["a", "_", "x", "0", "1", "\x01", "😀", "é"]), max_size=60))
@settings(max_examples=300)
def test_cut_text_never_splits_an_escape_or_a_surrogate_pair(value):
    limit = 12
    clean = clean_text(value)
    cut = _fit_text(clean, limit)
    assert len(cut.encode("utf-16-le")) // 2 <= limit
    if cut == clean:
        return
    assert cut.endswith("…")
    kept = cut[:-1]
    assert clean.startswith(kept)
    # the cut does not end inside an _xHHHH_ escape
    for m in re.finditer(r"_x[0-9A-F]{4}_", clean):
        assert not (m.start() < len(kept) < m.end())


# --- more findings than rows ---------------------------------------------------------------


def many_findings(n: int) -> pl.DataFrame:
    return (
        pl.DataFrame({"i": pl.int_range(0, n, eager=True)})
        .select(
            pl.lit("Productie").alias("blad"),
            (pl.col("i") % 5 + 2).cast(pl.Int64).alias("rij"),
            pl.lit("BSN").alias("kolom"),
            pl.concat_str(pl.lit("A"), (pl.col("i") % 5 + 2).cast(pl.String)).alias("cel"),
            pl.lit("PM002").alias("controle"),
            pl.lit("fout").alias("ernst"),
            pl.lit("").alias("retourcode"),
            pl.lit("BSN voldoet niet").alias("melding"),
            pl.col("i").cast(pl.String).alias("waarde"),
        )
        .select(FINDING_FIELDS)
    )


@pytest.mark.parametrize("rapport", [None, Path("uit/rapport.json")])
def test_more_findings_than_rows_end_in_one_line_saying_where_the_rest_is(
    tmp_path, monkeypatch, rapport
):
    monkeypatch.setattr(annotate_module, "MAX_ROWS", 40)  # a short sheet stands in for Excel's
    source = small_workbook(tmp_path / "veel.xlsx")
    findings = many_findings(100)
    target = annotate(source, findings, tmp_path / "uit.xlsx", rapport=rapport)
    assert check(target) == []
    ws = openpyxl.load_workbook(target)["Controle"]
    assert ws.max_row == 40
    h = header_row(findings)
    listed = [ws.cell(r, 8).value for r in range(h + 1, 40)]
    assert None not in listed and len(listed) == 39 - h  # as many findings as fit
    last = ws["A40"].value
    assert last.startswith(f"… en nog {100 - len(listed)} bevindingen")
    if rapport is None:
        assert "--json" in last
    else:
        assert "uit/rapport.json" in last
    assert ws.auto_filter.ref == f"A{h}:I39"
    assert ws["A1"].value == "Controle van deze werkmap: 100 fouten"  # it counts them all


@pytest.mark.slow
def test_a_full_sheet_flagged_twice_fits_excels_rows(tmp_path):
    # 1.048.576 rows minus the legend: this many findings need one row more than there is.
    n = 1_048_576 - header_row(many_findings(1)) + 1
    source = small_workbook(tmp_path / "vol.xlsx")
    target = annotate(source, many_findings(n), tmp_path / "uit.xlsx", rapport=Path("r.json"))
    with zipfile.ZipFile(target) as z, z.open(sheet_parts(target)["Controle"]) as member:
        parts = stream_sheet(member, lambda _b: None)
        data = z.read(sheet_parts(target)["Controle"])
    last_row = data.rfind(b'<row r="')
    assert data[last_row : last_row + 18] == b'<row r="1048576">' + b"<"[:1]
    assert b"en nog 2 bevindingen" in data[last_row:]
    assert b'<dimension ref="A1:I1048576"/>' in parts.head
    assert data.count(b"<hyperlink ") == 65_530


def test_at_most_65530_hyperlinks(tmp_path, monkeypatch):
    monkeypatch.setattr(annotate_module, "MAX_HYPERLINKS", 4)
    source = small_workbook(tmp_path / "links.xlsx")
    target = annotate(source, many_findings(10), tmp_path / "uit.xlsx")
    assert check(target) == []
    assert controle_xml(target).count("<hyperlink ") == 4


# --- </sheetData> where it is not the end -------------------------------------------------


def sheet_with(head_extra: str, in_rows: str, after: str) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rows = [
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{r}</t></is></c></row>' for r in range(1, 6)
    ]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{ns}">{head_extra}'
        f"<sheetData>{''.join(rows[:2])}{in_rows}{''.join(rows[2:])}</sheetData>{after}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    ).encode()


TRICKS = {
    "commentaar": "<!-- de rijen stoppen niet bij </sheetData> -->",
    "cdata": '<row r="9"><c r="B9" t="inlineStr"><is><t><![CDATA[</sheetData> <!-- ]]></t></is></c></row>',
    "pi": "<?jeugdhulp </sheetData> ?>",
}


@pytest.mark.parametrize("trick", TRICKS)
def test_sheetdata_end_inside_comment_cdata_or_pi_is_not_the_end(tmp_path, trick):
    source = small_workbook(tmp_path / "truc.xlsx")
    with zipfile.ZipFile(source) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    tricked = tmp_path / "bron.xlsx"
    with zipfile.ZipFile(tricked, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_with("<!-- <sheetData> -->", TRICKS[trick], "<!-- </sheetData> -->")
            z.writestr(info, data)
    assert check(tricked) == []
    finding = Finding("Productie", 3, "", "A3", "PM001", "fout", "", "m", "")
    target = annotate(tricked, [finding], tmp_path / "uit.xlsx")
    assert check(target) == []
    tail = tail_elements(target, "xl/worksheets/sheet1.xml")
    assert tail == ["sheetData", "conditionalFormatting", "pageMargins"]
    assert openpyxl.load_workbook(target)["Productie"]["A5"].value == "5"


@given(
    chunk=st.integers(min_value=1, max_value=300),
    trick=st.sampled_from(sorted(TRICKS)),
    prefix=st.sampled_from(["", "x:"]),
)
@settings(max_examples=200)
def test_the_split_is_the_same_for_every_read_chunking(chunk, trick, prefix):
    data = sheet_with("", TRICKS[trick], "<!-- </sheetData> -->")
    if prefix:
        data = re.sub(rb"<(/?)(?![?!])([A-Za-z]+)(?=[\s/>])", rb"<\1x:\2", data).replace(
            b'xmlns="', b'xmlns:x="'
        )
    written = bytearray()
    parts = stream_sheet(io.BytesIO(data), written.extend, chunk=chunk)
    assert parts.found and parts.prefix == prefix
    assert bytes(written) + parts.tail == data
    assert parts.tail.startswith(b"<!-- </")  # the comment after the rows, in the tail
    assert bytes(written).endswith(f"</{prefix}sheetData>".encode())


def test_a_part_with_a_dtd_is_refused(tmp_path):
    source = small_workbook(tmp_path / "dtd.xlsx")
    with zipfile.ZipFile(source) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY e "x">]><worksheet', 1)
            z.writestr(info, data)
    finding = Finding("Productie", 2, "", "A2", "PM001", "fout", "", "m", "")
    with pytest.raises(NietTeSchrijven, match="DTD"):
        annotate(source, [finding], tmp_path / "uit.xlsx")
    assert not (tmp_path / "uit.xlsx").exists()
    with pytest.raises(XmlFout):
        ooxml.parse_part(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')


# --- part names in another case ------------------------------------------------------------


def test_a_relationship_target_in_another_case_still_finds_its_sheet(tmp_path):
    source = small_workbook(tmp_path / "hoofdletters.xlsx")
    with zipfile.ZipFile(source) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"Worksheets/Sheet1.XML")
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"/xl/worksheets/sheet1.xml", b"/XL/Worksheets/Sheet1.xml")
            z.writestr(info, data)
    finding = Finding("Productie", 2, "", "A2", "PM001", "fout", "", "m", "")
    target = annotate(source, [finding], tmp_path / "uit.xlsx")
    with zipfile.ZipFile(target) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert 'Target="worksheets/sheet1.xml"' in rels  # the member's own spelling from now on
    assert 'PartName="/xl/worksheets/sheet1.xml"' in types
    assert annotate_module.MARKER in sheet  # the mark did not go missing
    assert check(target) == []
