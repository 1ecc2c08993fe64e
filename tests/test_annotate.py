"""The annotator writes findings into the workbook and keeps everything else as it was."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import polars as pl
import pytest

import batch.annotate as annotate_module
from batch._ooxml import resolve_target
from batch._zip import ParallelDeflateMember
from batch.annotate import (
    MARKER,
    AnnotateResult,
    WerkmapOpen,
    annotate_workbook,
    output_path_for,
)
from jeugdhulp.controle_layout import HEADERS, Verantwoording
from jeugdhulp.findings import FINDING_FIELDS, Finding
from tests.corpus.build_corpus import (
    CSV_FILES,
    INJECTIONS,
    XLSX_FILES,
    build_corpus,
    sample_findings,
)
from tests.ooxml_helpers import check

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
WHEN = datetime(2026, 3, 1, 14, 30)
ALWAYS_CHANGED = {
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "docProps/app.xml",
}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.getbasetemp() / "annotate-corpus"
    if not (root / ".done").exists():
        build_corpus(root)
        (root / ".done").touch()
    return {p.name: p for p in root.iterdir() if p.name in (*XLSX_FILES, *CSV_FILES)}


WORKBOOKS = list(XLSX_FILES)


def copy_of(corpus: dict[str, Path], name: str, folder: Path) -> Path:
    if name not in corpus:
        pytest.skip(f"{name} not built here (needs LibreOffice or xlwings)")
    target = folder / name
    shutil.copyfile(corpus[name], target)
    return target


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> worksheet part, read independently of the annotator."""
    with zipfile.ZipFile(path) as z:
        workbook = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): resolve_target("xl/workbook.xml", rel.get("Target", ""))
        for rel in rels.findall("pr:Relationship", NS)
        if rel.get("Type", "").endswith("/worksheet")
    }
    out = {}
    for sheet in workbook.findall("m:sheets/m:sheet", NS):
        rid = sheet.get(f"{{{NS['r']}}}id")
        if rid in targets:
            out[sheet.get("name", "")] = targets[rid]
    return out


def annotate(source: Path, findings, target: Path | None = None, **kwargs) -> AnnotateResult:
    kwargs.setdefault("verantwoording", Verantwoording("ijsselland-2023", WHEN))
    return annotate_workbook(source, findings, target or output_path_for(source), **kwargs)


def cell_values(path: Path, *, data_only: bool) -> dict[str, dict[str, object]]:
    book = openpyxl.load_workbook(path, data_only=data_only)
    return {
        ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row}
        for ws in book.worksheets
    }


def selected_parts(path: Path) -> set[str]:
    """The sheet parts (worksheets and chart sheets) whose tab is selected (tabSelected)."""
    with zipfile.ZipFile(path) as z:
        return {
            name
            for name in z.namelist()
            if re.fullmatch(r"xl/(?:worksheets|chartsheets)/[^/]+\.xml", name)
            and re.search(rb"<(?:\w+:)?sheetView\b[^>]*\btabSelected=\"(?:1|true)\"", z.read(name))
        }


def findings_header(ws) -> int:
    """The row of the findings table's header on a Controle sheet (below the legend)."""
    return next(
        row[0].row
        for row in ws.iter_rows(max_col=len(HEADERS))
        if [c.value for c in row] == list(HEADERS)
    )


def marker_blocks(path: Path, part: str) -> list[str]:
    with zipfile.ZipFile(path) as z:
        xml = z.read(part).decode()
    return [
        block
        for block in re.findall(r"<conditionalFormatting\b.*?</conditionalFormatting>", xml, re.S)
        if MARKER in block
    ]


# --- nothing lost -------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKBOOKS)
def test_untouched_parts_are_byte_identical(corpus, tmp_path, name):
    source = copy_of(corpus, name, tmp_path)
    findings = sample_findings(source)
    target = tmp_path / f"uit{source.suffix}"
    annotate(source, findings, target)
    parts = sheet_parts(source)
    marked = {parts[f.blad] for f in findings}
    selected = selected_parts(source)
    assert selected_parts(target) == {"xl/worksheets/jeugdhulp_controle.xml"}
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        assert after.testzip() is None
        after_names = set(after.namelist())
        for info in before.infolist():
            assert info.filename in after_names, f"{info.filename} lost"
            if info.filename in ALWAYS_CHANGED | marked:
                continue
            new = after.getinfo(info.filename)
            if info.filename in selected:  # only its tab is unselected: Controle is the active tab
                unselected = re.sub(rb' tabSelected="(?:1|true)"', b"", before.read(info))
                assert after.read(new) == unselected, info.filename
                continue
            assert after.read(new) == before.read(info), info.filename
            # Copied as raw compressed bytes: same method, same compressed size.
            assert (new.compress_type, new.compress_size, new.CRC) == (
                info.compress_type,
                info.compress_size,
                info.CRC,
            ), info.filename
        added = after_names - set(before.namelist())
        assert added == {"xl/worksheets/jeugdhulp_controle.xml"}


@pytest.mark.parametrize("name", WORKBOOKS)
def test_cell_values_formulas_and_cached_results_are_unchanged(corpus, tmp_path, name):
    source = copy_of(corpus, name, tmp_path)
    target = tmp_path / f"uit{source.suffix}"
    annotate(source, sample_findings(source), target)
    for data_only in (False, True):
        before = cell_values(source, data_only=data_only)
        after = cell_values(target, data_only=data_only)
        assert list(after) == ["Controle", *before]
        for title, cells in before.items():
            assert after[title] == cells, (title, data_only)


@pytest.mark.parametrize("name", WORKBOOKS)
def test_sheet_features_survive(corpus, tmp_path, name):
    source = copy_of(corpus, name, tmp_path)
    target = tmp_path / f"uit{source.suffix}"
    findings = sample_findings(source)
    annotate(source, findings, target)
    before, after = openpyxl.load_workbook(source), openpyxl.load_workbook(target)
    assert after.active.title == "Controle"  # it opens on Controle, the only selected tab
    assert [ws.title for ws in after.worksheets if ws.sheet_view.tabSelected] == ["Controle"]
    own = {n for n in after.defined_names if n.startswith("jeugdhulp_")}  # the tool's markers
    assert own == {"jeugdhulp_controle", "jeugdhulp_geschreven"} | {
        f"jeugdhulp_markering{i}" for i in range(1, len({f.blad for f in findings}) + 1)
    }
    assert set(before.defined_names) == set(after.defined_names) - own
    for ws in before.worksheets:
        new = after[ws.title]
        assert new.sheet_state == ws.sheet_state
        assert set(new.defined_names) == set(ws.defined_names), ws.title
        assert [str(r) for r in new.merged_cells.ranges] == [str(r) for r in ws.merged_cells.ranges]
        assert [str(dv.sqref) for dv in new.data_validations.dataValidation] == [
            str(dv.sqref) for dv in ws.data_validations.dataValidation
        ]
        comments = {
            c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment
        }
        assert {
            c.coordinate: c.comment.text for row in new.iter_rows() for c in row if c.comment
        } == comments
        old_cf = {str(cf.sqref) for cf in ws.conditional_formatting}
        new_cf = {
            str(cf.sqref)
            for cf in new.conditional_formatting
            if not any(MARKER in "".join(rule.formula or []) for rule in cf.rules)
        }
        assert new_cf == old_cf, ws.title


def test_pivot_table_chart_image_and_vba_parts_are_kept(corpus, tmp_path):
    kept = {
        "libreoffice_draaitabel.xlsx": ["xl/pivotTables/pivotTable1.xml", "xl/comments2.xml"],
        "xlsxwriter_volledig.xlsx": [
            "xl/charts/chart1.xml",
            "xl/chartsheets/sheet1.xml",
            "xl/media/image1.png",
            "xl/tables/table1.xml",
        ],
        "xlsxwriter_macro.xlsm": ["xl/vbaProject.bin"],
    }
    for name, parts in kept.items():
        source = copy_of(corpus, name, tmp_path)
        target = tmp_path / f"uit-{name}"
        annotate(source, sample_findings(source), target)
        with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
            for part in parts:
                assert after.read(part) == before.read(part), part


def test_xlsm_stays_macro_enabled(corpus, tmp_path):
    source = copy_of(corpus, "xlsxwriter_macro.xlsm", tmp_path)
    target = output_path_for(source)
    assert target.name == "xlsxwriter_macro.controle.xlsm"
    annotate(source, sample_findings(source), target)
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
        types = after.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in types
        rels = after.read("xl/_rels/workbook.xml.rels").decode()
        assert 'Target="vbaProject.bin"' in rels
    assert openpyxl.load_workbook(target, keep_vba=True).vba_archive is not None


# --- the Controle sheet -------------------------------------------------------------------


def test_controle_sheet_lists_findings_with_links(corpus, tmp_path):
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    findings = sample_findings(source)
    result = annotate(source, findings)
    assert result.target == tmp_path / "xlsxwriter_volledig.controle.xlsx"
    assert result.findings_written == len(findings)
    assert result.cells_marked == len({(f.blad, f.cel) for f in findings})
    book = openpyxl.load_workbook(result.target)
    assert book.sheetnames[0] == "Controle"
    ws = book["Controle"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "01-03-2026 14:30" in texts and "ijsselland-2023" in texts  # the audit trail
    assert any(t.startswith("fout = blokkeert de betaling") and "waarschuwing" in t for t in texts)
    h = findings_header(ws)
    header = [c.value for c in ws[h]][:9]
    assert header == [
        "Blad",
        "Rij",
        "Kolom",
        "Cel",
        "Controle",
        "Ernst",
        "Melding",
        "Waarde",
        "Retourcode",
    ]
    assert ws.auto_filter.ref == f"A{h}:I{h + len(findings)}"
    assert ws.max_column == 9  # nothing beside the table: a filter never hides an explanation
    listed = {
        (r[0], r[1], r[3], r[4], r[5], r[6], r[7] or "")
        for r in ws.iter_rows(min_row=h + 1, max_col=9, values_only=True)
    }
    assert listed == {
        (f.blad, f.rij, f.cel, f.controle, f.ernst, f.melding, f.waarde) for f in findings
    }
    for row in ws.iter_rows(min_row=h + 1, max_col=4):
        blad, cel = row[0].value, row[3].value
        quoted = "'" + blad.replace("'", "''") + "'"
        assert row[3].hyperlink.location == f"{quoted}!{cel}"
        assert row[3].hyperlink.target is None  # internal: no external relationship
    # Sheet order follows the workbook, rows within a sheet top-down.
    order = [book.sheetnames.index(r[0]) for r in ws.iter_rows(min_row=h + 1, values_only=True)]
    assert order == sorted(order)


def test_formula_like_values_are_written_as_text(corpus, tmp_path):
    source = copy_of(corpus, "openpyxl_opmerkingen.xlsx", tmp_path)
    findings = [
        Finding("Productie", 2, "BSN", "A2", "PM002", "fout", "", value, value)
        for value in INJECTIONS
    ]
    target = annotate(source, findings).target
    ws = openpyxl.load_workbook(target)["Controle"]
    h = findings_header(ws)
    rows = ws.iter_rows(min_row=h + 1, max_row=h + 4)
    values = [(r[6].value, r[7].value, r[7].data_type) for r in rows]
    assert values == [(v, v, "s") for v in INJECTIONS]
    assert all(ws.cell(r, 8).quotePrefix for r in range(h + 1, h + 5))
    with zipfile.ZipFile(target) as z:
        assert "<f>" not in z.read("xl/worksheets/jeugdhulp_controle.xml").decode()


def test_no_findings_still_gets_a_controle_sheet(corpus, tmp_path):
    source = copy_of(corpus, "openpyxl_opmerkingen.xlsx", tmp_path)
    result = annotate(source, [])
    assert (result.findings_written, result.cells_marked) == (0, 0)
    ws = openpyxl.load_workbook(result.target)["Controle"]
    assert ws.cell(findings_header(ws) + 1, 1).value == "Geen bevindingen"
    assert ws["A1"].value == "Controle van deze werkmap: geen bevindingen"


def test_dataframe_and_list_give_the_same_workbook_content(corpus, tmp_path):
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    findings = sample_findings(source)
    frame = pl.DataFrame([f.as_dict() for f in findings]).select(FINDING_FIELDS)
    a = annotate(source, findings, tmp_path / "a.xlsx").target
    b = annotate(source, frame, tmp_path / "b.xlsx").target
    assert cell_values(a, data_only=False) == cell_values(b, data_only=False)
    with pytest.raises(annotate_module.OngeldigeInvoer):
        annotate(source, frame.drop("waarde"), tmp_path / "c.xlsx")


# --- marks --------------------------------------------------------------------------------


def test_flagged_cells_get_red_and_orange_conditional_formats(corpus, tmp_path):
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    findings = [
        Finding("Productie", 2, "BSN", "A2", "PM002", "fout", "", "BSN ongeldig", "1"),
        Finding("Productie", 3, "BSN", "A3", "PM002", "fout", "", "BSN ongeldig", "2"),
        Finding("Productie", 3, "Aantal", "E3", "PM011", "waarschuwing", "", "te veel", "4"),
        Finding("Productie", 2, "BSN", "A2", "PM016", "waarschuwing", "", "18+", "1"),
        Finding("Info", 3, "", "A3", "PM001", "waarschuwing", "", "leeg", ""),
    ]
    result = annotate(source, findings)
    assert result.cells_marked == 4  # A2 carries fout and waarschuwing: red wins
    book = openpyxl.load_workbook(result.target)
    rules = {}
    for cf in book["Productie"].conditional_formatting:
        for rule in cf.rules:
            if MARKER in rule.formula[0]:
                fill = rule.dxf.fill.bgColor.rgb
                rules[str(cf.sqref)] = (rule.formula[0], fill)
    assert rules == {
        "A2:A3": ('ISTEXT("jeugdhulp-controle:fout")', "FFFFC7CE"),
        "E3": ('ISTEXT("jeugdhulp-controle:waarschuwing")', "FFFFD8A8"),
    }
    # The user's own rule keeps working and now ranks below the marks.
    own = [
        r for cf in book["Productie"].conditional_formatting for r in cf.rules if r.type == "cellIs"
    ]
    assert len(own) == 1 and own[0].priority > 2


def test_conditional_formatting_sits_at_the_schema_position(corpus, tmp_path):
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    target = annotate(source, sample_findings(source)).target
    part = sheet_parts(target)["Productie"]
    with zipfile.ZipFile(target) as z:
        root = ET.fromstring(z.read(part))
    order = [child.tag.split("}")[1] for child in root]
    assert order.index("sheetData") < order.index("conditionalFormatting")
    last_cf = max(i for i, tag in enumerate(order) if tag == "conditionalFormatting")
    for later in ("dataValidations", "pageMargins", "drawing", "legacyDrawing", "tableParts"):
        assert order.index(later) > last_cf, later


def test_rerun_replaces_controle_and_marks(corpus, tmp_path):
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    first = sample_findings(source)
    target = annotate(source, first).target
    with zipfile.ZipFile(target) as z:
        styles_once = z.read("xl/styles.xml")
    parts = sheet_parts(source)
    # Second run on the output itself, with findings only on Productie.
    second = [f for f in first if f.blad == "Productie"][:1]
    result = annotate(target, second, output_path_for(target, vervang=True))
    assert result.target == target
    book = openpyxl.load_workbook(target)
    assert [n for n in book.sheetnames if n.lower().startswith("controle")] == ["Controle"]
    assert book.sheetnames[1:] == openpyxl.load_workbook(source).sheetnames
    ws = book["Controle"]
    assert len(list(ws.iter_rows(min_row=findings_header(ws) + 1))) == 1
    assert len(marker_blocks(target, parts["Productie"])) == 1
    for title in ("Info", "Jan's overzicht"):
        assert marker_blocks(target, parts[title]) == [], title
    with zipfile.ZipFile(target) as z:
        assert z.read("xl/styles.xml") == styles_once  # styles reused, not appended again
        assert z.namelist().count("xl/worksheets/jeugdhulp_controle.xml") == 1
        workbook = z.read("xl/workbook.xml").decode()
    assert workbook.count('name="_xlnm._FilterDatabase" localSheetId="0"') == 1
    assert set(book["Productie"].defined_names) == {"Bedragen"}
    assert set(book["Jan's overzicht"].defined_names) >= {"Gemeenten"}
    # Sheets untouched by both runs are still the originals.
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        assert after.read(parts["Tarieven"]) == before.read(parts["Tarieven"])


def test_a_users_own_controle_sheet_is_kept(tmp_path):
    source = tmp_path / "eigen.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Controle"
    book.active["A1"] = "mijn eigen controle"
    book.create_sheet("Productie")["A1"] = "BSN"
    book.save(source)
    target = annotate(source, [Finding("Productie", 1, "BSN", "A1", "PM001", "fout", "", "m", "")])
    target = target.target
    names = openpyxl.load_workbook(target).sheetnames
    assert names == ["Controle (2)", "Controle", "Productie"]
    assert openpyxl.load_workbook(target)["Controle"]["A1"].value == "mijn eigen controle"
    annotate(target, [], target)
    assert openpyxl.load_workbook(target).sheetnames == names


def test_sheet_end_split_across_read_chunks(corpus, tmp_path, monkeypatch):
    import batch._ooxml

    monkeypatch.setattr(batch._ooxml, "_CHUNK", 7)
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    target = annotate(source, sample_findings(source)).target
    before = cell_values(source, data_only=False)
    after = cell_values(target, data_only=False)
    assert all(after[title] == cells for title, cells in before.items())
    assert len(marker_blocks(target, sheet_parts(target)["Productie"])) == 2


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_becomes_an_xlsx_with_text_cells_and_controle(corpus, tmp_path, name):
    source = copy_of(corpus, name, tmp_path)
    target = output_path_for(source)
    assert target.suffix == ".xlsx"
    raw = source.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("cp1252")
    delimiter = ";" if name == "monitor_puntkomma.csv" else ","
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    findings = [Finding("monitor", 3, "BSN", "A3", "PM002", "fout", "", "BSN ongeldig", rows[2][0])]
    result = annotate(source, findings, target)
    assert result.cells_marked == 1
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Controle", source.stem]
    data = [
        ["" if v is None else v for v in row][: len(rows[0])]
        for row in book[source.stem].iter_rows(values_only=True)
    ]
    assert data == [r + [""] * (len(rows[0]) - len(r)) for r in rows]
    assert all(
        isinstance(v, str)
        for row in book[source.stem].iter_rows(values_only=True)
        for v in row
        if v
    )
    ws = book["Controle"]
    link = ws.cell(findings_header(ws) + 1, 4).hyperlink
    assert link.location == f"'{source.stem}'!A3"
    assert len(marker_blocks(target, sheet_parts(target)[source.stem])) == 1


def test_csv_cells_land_where_the_reader_found_them(tmp_path):
    # A title line without separators and decimal commas: the reader and the annotator must
    # split the file the same way, or the marks land on other cells than the findings name.
    from batch.reader import read_workbook

    source = tmp_path / "monitor.csv"
    source.write_bytes(
        "Productiemonitor 2023\r\n"
        "BSN;Productcode;Begindatum;Einddatum;Eenheid;Aantal;Tarief\r\n"
        "111222333;45A48;01-03-2023;31-03-2023;01;60;0,90\r\n".encode("cp1252")
    )
    info = read_workbook(source)["productie"]
    letter = info.kolommen["tarief"].letter
    row = int(info.frame["_rij"][0])
    cell = f"{letter}{row}"
    target = output_path_for(source)
    annotate(
        source, [Finding("monitor", row, "Tarief", cell, "PM009", "fout", "", "x", "0,90")], target
    )
    assert openpyxl.load_workbook(target)["monitor"][cell].value == "0,90"


# --- writing safely -----------------------------------------------------------------------


def test_crash_mid_write_leaves_original_intact_and_no_temp_file(corpus, tmp_path, monkeypatch):
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    original = source.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("schijf vol")

    monkeypatch.setattr(annotate_module._Plan, "_rewrite_sheet", crash)
    with pytest.raises(OSError, match="schijf vol"):
        annotate(source, sample_findings(source), source)  # replacing the original in place
    assert source.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == [source.name]


def test_lock_file_beside_target_raises_werkmap_open(corpus, tmp_path):
    source = copy_of(corpus, "openpyxl_opmerkingen.xlsx", tmp_path)
    target = output_path_for(source)
    (tmp_path / f"~${target.name}").write_bytes(b"owner")
    with pytest.raises(WerkmapOpen, match="is geopend in Excel; sluit het bestand"):
        annotate(source, [], target)
    assert not target.exists()


def test_output_path_for():
    assert output_path_for(Path("d/voorbeeld.xlsx")) == Path("d/voorbeeld.controle.xlsx")
    assert output_path_for(Path("d/voorbeeld.xlsm")) == Path("d/voorbeeld.controle.xlsm")
    assert output_path_for(Path("d/monitor.csv")) == Path("d/monitor.controle.xlsx")
    assert output_path_for(Path("d/voorbeeld.xlsx"), uitvoer=Path("u")) == Path(
        "u/voorbeeld.controle.xlsx"
    )
    assert output_path_for(Path("d/voorbeeld.xlsx"), vervang=True) == Path("d/voorbeeld.xlsx")
    assert output_path_for(Path("d/monitor.csv"), vervang=True) == Path("d/monitor.controle.xlsx")


def test_finding_on_an_unknown_sheet_is_listed_but_not_linked(corpus, tmp_path):
    source = copy_of(corpus, "openpyxl_opmerkingen.xlsx", tmp_path)
    findings = [Finding("Bestaat niet", 4, "BSN", "A4", "PM001", "fout", "", "leeg", "")]
    result = annotate(source, findings)
    assert (result.findings_written, result.cells_marked) == (1, 0)
    ws = openpyxl.load_workbook(result.target)["Controle"]
    h = findings_header(ws)
    assert [c.value for c in ws[h + 1]][:4] == ["Bestaat niet", 4, "BSN", "A4"]
    assert ws.cell(h + 1, 4).hyperlink is None


def test_refuses_what_it_cannot_write(corpus, tmp_path):
    source = copy_of(corpus, "xlsxwriter_macro.xlsm", tmp_path)
    with pytest.raises(annotate_module.OngeldigeInvoer, match=r"\.xlsm"):
        annotate(source, [], tmp_path / "uit.xlsx")  # macro content under .xlsx: Excel refuses
    legacy = tmp_path / "oud.xlsx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    with pytest.raises(annotate_module.OngeldigeInvoer, match="geen xlsx"):
        annotate(legacy, [])
    assert sorted(os.listdir(tmp_path)) == ["oud.xlsx", "xlsxwriter_macro.xlsm"]


def _prefix_main_namespace(xml: str) -> str:
    """The same part with the spreadsheetml namespace bound to prefix x: (as .NET writers do)."""
    xml = xml.replace(f'xmlns="{NS["m"]}"', f'xmlns:x="{NS["m"]}"')
    return re.sub(r"<(/?)(?![?!])([A-Za-z]+)(?=[\s/>])", r"<\1x:\2", xml)


def test_workbook_with_prefixed_namespace(tmp_path):
    plain = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Productie"
    book.active.append(["BSN", "Bedrag"])
    book.active.append(["123456782", 10])
    book.create_sheet("Lokaal")["A1"] = "x"
    book.defined_names["Alles"] = openpyxl.workbook.defined_name.DefinedName(
        "Alles", attr_text="Productie!$A$1:$B$2"
    )
    book.save(plain)
    source = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in ("xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml"):
                data = _prefix_main_namespace(data.decode()).encode()
            zout.writestr(info, data)
    assert b"<x:sheetData>" in zipfile.ZipFile(source).read("xl/worksheets/sheet1.xml")
    findings = [Finding("Productie", 2, "BSN", "A2", "PM002", "fout", "", "BSN ongeldig", "x")]
    target = annotate(source, findings).target
    with zipfile.ZipFile(target) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    assert '<x:conditionalFormatting sqref="A2">' in sheet
    assert "<x:definedName " in workbook
    assert "<x:dxf><x:font>" in styles
    for part in (sheet, workbook, styles):
        ET.fromstring(part)  # still well-formed
    first = ET.fromstring(workbook).find("m:sheets/m:sheet", NS)
    assert first is not None and first.get("name") == "Controle"
    assert re.search(r"<x:sheet [^>]*name=\"Controle\"", workbook)  # no default namespace added
    after = openpyxl.load_workbook(target)
    assert after.sheetnames == ["Controle", "Productie", "Lokaal"]
    assert after["Productie"]["B2"].value == 10
    controle = after["Controle"]
    assert controle.cell(findings_header(controle) + 1, 4).hyperlink.location == "'Productie'!A2"


def test_parallel_deflate_blocks_form_one_valid_member(tmp_path, monkeypatch):
    monkeypatch.setattr(ParallelDeflateMember, "BLOCK", 1000)
    data = b"".join(f'<row r="{i}"><c><v>{i * 7}</v></c></row>'.encode() for i in range(5000))
    path = tmp_path / "blokken.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("eerst.txt", b"a")
        with ParallelDeflateMember(z, zipfile.ZipInfo("blad.xml")) as member:
            for i in range(0, len(data), 777):
                member.write(data[i : i + 777])
        z.writestr("daarna.txt", b"b")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.read("blad.xml") == data
        assert [z.read("eerst.txt"), z.read("daarna.txt")] == [b"a", b"b"]
        assert z.getinfo("blad.xml").compress_size < len(data) / 5


def test_controle_left_active_by_the_user_stays_active_on_rerun(corpus, tmp_path):
    source = copy_of(corpus, "openpyxl_opmerkingen.xlsx", tmp_path)
    first = annotate(source, []).target
    # The user clicked the Controle tab and saved: activeTab 0, Controle selected.
    edited = tmp_path / "bewerkt.xlsx"
    with zipfile.ZipFile(first) as zin, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb'activeTab="\d+"', b'activeTab="0"', data)
            zout.writestr(info, data)
    annotate(edited, [], edited)
    book = openpyxl.load_workbook(edited)
    assert book.active.title == "Controle"
    assert book["Controle"].sheet_view.tabSelected
    assert book.sheetnames.count("Controle") == 1


def test_many_marks_are_split_with_distinct_priorities(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(annotate_module, "_SQREF_AREAS", 1)
    source = copy_of(corpus, "xlsxwriter_volledig.xlsx", tmp_path)
    findings = [
        Finding("Productie", row, "", f"{col}{row}", "PM001", ernst, "", "m", "")
        for row in range(2, 7)
        for col, ernst in (("A", "fout"), ("C", "waarschuwing"), ("E", "fout"))
    ]
    result = annotate(source, findings)
    assert result.cells_marked == 15
    part = sheet_parts(source)["Productie"]
    with zipfile.ZipFile(result.target) as z:
        xml = z.read(part).decode()
    priorities = [int(p) for p in re.findall(r'priority="(\d+)"', xml)]
    assert len(priorities) == len(set(priorities)) == 4  # 2 red blocks, 1 orange, 1 user rule
    sqrefs = re.findall(r'sqref="([^"]+)"><cfRule type="expression"', xml)
    assert sorted(" ".join(sqrefs).split()) == ["A2:A6", "C2:C6", "E2:E6"]


@pytest.mark.parametrize("name", [*WORKBOOKS, *CSV_FILES])
def test_every_output_passes_the_strict_checker_twice(corpus, tmp_path, name):
    source = copy_of(corpus, name, tmp_path)
    if source.suffix == ".csv":
        findings = [Finding(source.stem, 2, "BSN", "A2", "PM002", "fout", "", "BSN", "")]
    else:
        findings = sample_findings(source)
    first = annotate(source, findings).target
    assert check(first) == []
    annotate(first, findings[:1], first)
    assert check(first) == []


def test_a_csv_checked_copy_is_typed_where_nothing_is_lost(tmp_path):
    """Issue 12.6: amounts and dates of the columns the reader mapped become numbers and dates
    whose number format shows exactly the CSV's text; identifiers (BSN with its leading zero,
    codes), ambiguous and odd texts stay text; the header is bold and frozen, columns wide
    enough. Checking the copy again finds what checking the CSV found."""
    import json

    from batch.cli import main
    from tests.ooxml_helpers import check

    source = tmp_path / "m.csv"
    source.write_bytes(
        "Productiemonitor 2023\r\n"
        "BSN;Toewijzingnummer;Productcategorie;Productcode;Begindatum;Einddatum;Eenheid;"
        "Aantal;Tarief;Bedrag\r\n"
        "012345672;TW1;45;45A48;01-03-2023;31-03-2023;01;600;0,90;540,00\r\n"
        "123456782;TW2;45;45A48;1-3-2023;2023-03-31;01;1.200;0,90;1.080,00\r\n"
        "123456782;TW2;45;45A48;31-02-2023;31/03/2023;01;007;€ 0,90;1080\r\n".encode("cp1252")
    )
    assert main(["controleer", str(source), "--stil", "--json", str(tmp_path / "a.json")]) in (
        1,
        3,
    )
    target = tmp_path / "m.controle.xlsx"
    assert check(target) == []
    sheet = openpyxl.load_workbook(target)["m"]

    def cell(ref: str) -> tuple[object, str]:
        return sheet[ref].value, sheet[ref].number_format

    assert cell("A3") == ("012345672", "General")  # BSN: text, leading zero kept
    assert cell("D3") == ("45A48", "General") and cell("G3") == ("01", "General")
    assert cell("E3") == (dt.datetime(2023, 3, 1), "dd-mm-yyyy")
    assert cell("E4") == (dt.datetime(2023, 3, 1), "d-m-yyyy")
    assert cell("F4") == (dt.datetime(2023, 3, 31), "yyyy-mm-dd")
    assert cell("H3") == (600, "0") and cell("I3") == (0.9, "0.00")
    assert cell("J3") == (540, "0.00") and cell("J4") == (1080, "#,##0.00")
    assert cell("H4") == (1200, "#,##0")  # "1.200" in a file with decimal commas: as read
    # no date 31-02, a slash date, a leading zero and a euro sign stay as typed
    assert [sheet[r].value for r in ("E5", "F5", "H5", "I5")] == [
        "31-02-2023",
        "31/03/2023",
        "007",
        "€ 0,90",
    ]
    assert sheet["A2"].font.b and not sheet["A3"].font.b
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["B"].width >= len("Toewijzingnummer")

    def found(report: Path) -> list[tuple[str, str]]:
        entry = json.loads(report.read_text(encoding="utf-8"))["bestanden"][0]
        return sorted((b["controle"], b["cel"]) for b in entry["bevindingen"])

    main(
        [
            "controleer",
            str(target),
            "--stil",
            "--niet-schrijven",
            "--json",
            str(tmp_path / "b.json"),
        ]
    )
    # the same findings; in a workbook the cells that stayed text are text values (PM022),
    # which in a csv every cell is
    again, first = found(tmp_path / "b.json"), found(tmp_path / "a.json")
    assert set(first) <= set(again)
    assert sorted(set(again) - set(first)) == [("PM022", "F5"), ("PM022", "I5")]
