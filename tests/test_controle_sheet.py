"""What the user sees in the checked copy: the Controle sheet and the Controlelijst (issue 12.3,
9.4 inside the workbook, 11 for the marks).

The example workbook is read and checked as the CLI does; the verdict, the source files and
the onvolledig reasons, which the run fills in (`FileResult`), are filled in here by the test.
Everything is read back with openpyxl (and from the package XML where openpyxl does not say),
and every written copy passes the strict checker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from importlib.metadata import version
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.annotate import annotate_workbook
from batch.run import Options, check_file
from jeugdhulp.checks import CATALOGUE
from jeugdhulp.controle_layout import (
    CATALOGUE_HEADERS,
    HEADERS,
    Bronbestand,
    CatalogusRegel,
    Verantwoording,
    line_count,
    line_counts,
    mark_blocks,
    tellingen_tekst,
)
from jeugdhulp.findings import Finding
from jeugdhulp.verdict import STATUS_UITLEG, onvolledig_redenen
from tests.ooxml_helpers import check, defined_names, sheet_parts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "voorbeeld-productiemonitor.xlsx"
WHEN = dt.datetime(2026, 3, 1, 14, 30)
PROFIEL = "ijsselland-2023"


def verantwoording_for(path: Path, **overrides: object) -> tuple[Verantwoording, pl.DataFrame]:
    """The findings of `path` and the verantwoording the CLI would pass for it."""
    result = check_file(path, Options(profiel=PROFIEL, schrijven=False))
    data = path.read_bytes()
    fields: dict[str, object] = {
        "profiel": "IJsselland 2023",
        "gecontroleerd_op": WHEN,
        "oordeel": "fouten" if result.fouten else "schoon",
        "gelezen": tuple(result.gelezen),
        "meldingen": tuple(result.meldingen),
        "controles": tuple(CatalogusRegel.van(c) for c in CATALOGUE),
        "overgeslagen": tuple(result.overgeslagen),
        "onbekend": result.onbekend,
        "bronnen": (
            Bronbestand(
                "productie",
                path.name,
                dt.datetime(2026, 2, 27, 9, 15),
                len(data),
                hashlib.sha256(data).hexdigest(),
            ),
        ),
    }
    fields.update(overrides)
    return Verantwoording(**fields), result.bevindingen  # type: ignore[arg-type]


def values(ws) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def header_row(ws) -> int:
    return next(
        r
        for r, row in enumerate(ws.iter_rows(max_col=len(HEADERS), values_only=True), start=1)
        if list(row) == list(HEADERS)
    )


def row_starting(ws, first: str, last_row: int | None = None) -> list[object]:
    for row in ws.iter_rows(max_row=last_row, values_only=True):
        if row[0] == first:
            return list(row)
    raise AssertionError(f"no row starting with {first!r}")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("controleblad")
    verantwoording, findings = verantwoording_for(EXAMPLE)
    target = folder / "voorbeeld.controle.xlsx"
    annotate_workbook(EXAMPLE, findings, target, verantwoording=verantwoording)
    return {
        "target": target,
        "findings": findings,
        "verantwoording": verantwoording,
        "book": openpyxl.load_workbook(target),
    }


def test_every_written_copy_passes_the_strict_checker(example: dict) -> None:
    assert check(example["target"]) == []


# --- it opens on Controle ------------------------------------------------------------------


def test_the_workbook_opens_on_controle_and_only_its_tab_is_selected(example: dict) -> None:
    book = example["book"]
    assert book.sheetnames[:2] == ["Controle", "Controlelijst"]
    assert book.active.title == "Controle"
    selected = [ws.title for ws in book.worksheets if ws.sheet_view.tabSelected]
    assert selected == ["Controle"]
    # the source had its own active, selected tab: only that attribute changed in its sheet
    source = sheet_parts(EXAMPLE)
    with zipfile.ZipFile(EXAMPLE) as before, zipfile.ZipFile(example["target"]) as after:
        original = before.read(source["Productie"])
        assert b'tabSelected="1"' in original
        head = original[: original.index(b"<sheetData")]
        written = after.read(source["Productie"])
        assert written.startswith(head.replace(b' tabSelected="1"', b""))


# --- the legend: verdict, counts, herstel, what was read and checked, audit trail ---------------


def test_headline_counts_in_dutch_and_the_verdict_with_its_explanation(example: dict) -> None:
    ws = example["book"]["Controle"]
    findings: pl.DataFrame = example["findings"]
    fouten = int((findings.get_column("ernst") == "fout").sum())
    waarschuwingen = findings.height - fouten
    assert ws["A1"].value == (
        f"Controle van deze werkmap: {fouten} fouten, {waarschuwingen} waarschuwingen"
    )
    assert ws["A2"].value == f"Oordeel: fouten. {STATUS_UITLEG['fouten'].capitalize()}."
    assert ws["A2"].fill.fgColor.rgb == "FFFFC7CE"  # red for fouten
    assert ws["A2"].font.b
    assert "A2:I2" in {str(r) for r in ws.merged_cells.ranges}


def test_dutch_grammar_of_the_counts() -> None:
    assert tellingen_tekst(1, 0) == "1 fout"
    assert tellingen_tekst(0, 1) == "1 waarschuwing"
    assert tellingen_tekst(13, 2) == "13 fouten, 2 waarschuwingen"
    assert tellingen_tekst(1250, 0) == "1.250 fouten"
    assert tellingen_tekst(0, 0) == "geen bevindingen"


def test_counts_per_check_with_how_to_fix_it(example: dict) -> None:
    ws = example["book"]["Controle"]
    findings: pl.DataFrame = example["findings"]
    h = header_row(ws)
    rows = values(ws)[: h - 1]
    start = next(i for i, r in enumerate(rows) if r[0] == "Bevindingen per controle")
    assert rows[start + 1][:7] == [
        "Controle",
        "Fouten",
        "Waarschuwingen",
        "Omschrijving",
        None,
        None,
        "Hoe herstel ik dit",
    ]
    table = {}
    for row in rows[start + 2 :]:
        if not (isinstance(row[0], str) and re.fullmatch(r"PM\d{3}", row[0])):
            break
        table[row[0]] = row
    expected = {
        c: (int(f), int(w))
        for c, f, w in findings.group_by("controle")
        .agg(f=(pl.col("ernst") == "fout").sum(), w=(pl.col("ernst") != "fout").sum())
        .iter_rows()
    }
    assert {c: (r[1], r[2]) for c, r in table.items()} == expected
    by_id = {c.id: c for c in CATALOGUE}
    for check_id, row in table.items():
        assert row[3] == by_id[check_id].titel
        assert row[6] == by_id[check_id].herstel
    assert list(table) == sorted(table)


def test_what_was_read_and_checked(example: dict) -> None:
    ws = example["book"]["Controle"]
    h = header_row(ws)
    assert row_starting(ws, "Productie", h)[:4] == ["Productie", 80, "productie", "rij 4"]
    assert row_starting(ws, "Toewijzingen", h)[:3] == ["Toewijzingen", 11, "toewijzingen"]
    ran = len(CATALOGUE) - len(example["verantwoording"].overgeslagen)
    line = next(r[0] for r in values(ws)[:h] if str(r[0]).startswith("Gecontroleerd: "))
    assert line.startswith(f"Gecontroleerd: {ran} van de {len(CATALOGUE)} controles")
    assert "Controlelijst" in line
    # every check that did not run is listed with its reason (here: off in the profile)
    for check_id, reden in example["verantwoording"].overgeslagen:
        row = row_starting(ws, check_id, h)
        assert row[6] == reden[0].upper() + reden[1:]


def test_synonyms_notes_and_unknown_cells_are_shown(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "synoniem.xlsx")
    sheet = book.add_worksheet("Productie")
    header = ["Burgerservicenummer", "Productcode", "Startdatum", "Einddatum", "Eenheid", "Aantal"]
    sheet.write_row(0, 0, header)
    sheet.write_row(1, 0, ["111222333", "45A48", "01-03-2023", "31-03-2023", "01", 60])
    sheet.write_formula(2, 5, "=F2*2", None, "")  # no saved result: unknown
    sheet.write_row(2, 0, ["111222333", "45A48", "01-04-2023", "30-04-2023", "01"])
    book.close()
    path = tmp_path / "synoniem.xlsx"
    verantwoording, findings = verantwoording_for(path)
    target = tmp_path / "uit.xlsx"
    annotate_workbook(path, findings, target, verantwoording=verantwoording)
    assert check(target) == []
    ws = openpyxl.load_workbook(target)["Controle"]
    notes = row_starting(ws, "Productie", header_row(ws))[6].splitlines()
    assert notes[0] == "Herkend aan de bladnaam."  # how the sheet was recognised
    assert "Kolom 'Burgerservicenummer' gelezen als BSN." in notes  # the reader's own notes
    assert "Kolom 'Startdatum' gelezen als Begindatum." in notes
    assert any(n.startswith("Waarde onbekend in Productie (Aantal)") for n in notes)


def test_onvolledig_reasons_stand_under_the_verdict(tmp_path: Path) -> None:
    path = ROOT / "workbooks" / "voorbeeld-productiemonitor.xlsx"
    overgeslagen = (("PM005", "overgeslagen: geen toewijzingen"),)
    reasons = tuple(onvolledig_redenen(overgeslagen=overgeslagen, onbekend=2))
    verantwoording, _ = verantwoording_for(
        path, oordeel="onvolledig", onvolledig=reasons, overgeslagen=overgeslagen
    )
    target = tmp_path / "uit.xlsx"
    annotate_workbook(path, [], target, verantwoording=verantwoording)
    ws = openpyxl.load_workbook(target)["Controle"]
    assert ws["A2"].value.startswith("Oordeel: onvolledig. Geen fout gevonden")
    assert ws["A2"].fill.fgColor.rgb == "FFFFEB9C"  # yellow: not ready without a look
    assert (
        ws["A3"].value == "Niet alles is gecontroleerd: PM005 niet uitgevoerd: geen toewijzingen."
    )
    assert ws["A4"].value.startswith("Niet alles is gecontroleerd: 2 cellen zonder bekende waarde")


def test_audit_trail_names_tool_version_profile_files_and_time(example: dict) -> None:
    ws = example["book"]["Controle"]
    h = header_row(ws)
    assert row_starting(ws, "Gecontroleerd op", h)[1] == "01-03-2026 14:30"
    assert row_starting(ws, "Hulpmiddel", h)[1] == f"jeugdhulp {version('jeugdhulp')}"
    assert row_starting(ws, "Regioprofiel", h)[1] == "IJsselland 2023"
    assert row_starting(ws, "Bestand", h)[6:9] == ["SHA-256", "Gewijzigd", "Bytes"]
    # the source file's row (the sheet read is listed under Gelezen with the same first cell)
    rows = [r for r in values(ws)[:h] if r[0] == "Productie" and r[6] and len(str(r[6])) == 64]
    assert len(rows) == 1
    source = rows[0]
    data = EXAMPLE.read_bytes()
    assert source[1] == EXAMPLE.name
    assert source[6] == hashlib.sha256(data).hexdigest()
    assert source[7] == "27-02-2026 09:15" and source[8] == len(data)


# --- the findings table: nothing beside it, wrapped, sensible heights, printable ----------


def test_nothing_shares_rows_with_the_filtered_table(example: dict) -> None:
    ws = example["book"]["Controle"]
    h = header_row(ws)
    assert ws.max_column == len(HEADERS)
    assert ws.auto_filter.ref == f"A{h}:I{h + example['findings'].height}"
    assert ws.freeze_panes is None  # the legend above it would not leave room to scroll


def test_melding_wraps_and_rows_get_the_height_of_their_text(example: dict) -> None:
    ws = example["book"]["Controle"]
    h = header_row(ws)
    melding = HEADERS.index("Melding") + 1
    for r in range(h + 1, h + 1 + example["findings"].height):
        cell = ws.cell(r, melding)
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
        lines = line_count(cell.value, ws.column_dimensions["G"].width)
        for column in (1, 3, 8):  # Blad, Kolom, Waarde wrap too
            text = ws.cell(r, column).value
            if text:
                width = ws.column_dimensions[openpyxl.utils.get_column_letter(column)].width
                lines = max(lines, line_count(str(text), width))
        height = ws.row_dimensions[r].height
        assert (height or 15) == 15 * lines, (r, cell.value)
    assert any(ws.row_dimensions[r].height for r in range(h + 1, ws.max_row + 1))


def test_print_setup_landscape_fit_to_width_with_repeated_header(example: dict) -> None:
    book = example["book"]
    for name, row in (("Controle", header_row(book["Controle"])), ("Controlelijst", 4)):
        ws = book[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows == f"${row}:${row}"
        assert "&P" in ws.oddFooter.right.text


# --- the Controlelijst ------------------------------------------------------------------------


def test_controlelijst_lists_every_check_with_what_it_did(example: dict) -> None:
    ws = example["book"]["Controlelijst"]
    assert ws["A1"].value == f"Controlelijst: alle controles van jeugdhulp {version('jeugdhulp')}"
    assert [c.value for c in ws[4]] == list(CATALOGUE_HEADERS)
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == f"A4:H{4 + len(CATALOGUE)}"
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert list(rows) == [c.id for c in CATALOGUE]
    skipped = dict(example["verantwoording"].overgeslagen)
    counts = example["findings"].group_by("controle").len()
    found = dict(counts.iter_rows())
    for declaration in CATALOGUE:
        row = rows[declaration.id]
        assert (row[1], row[5], row[6]) == (
            declaration.ernst,
            declaration.titel,
            declaration.herstel,
        )
        if declaration.id in skipped:
            assert row[7] == f"niet uitgevoerd: {skipped[declaration.id]}"
        elif declaration.id not in found:
            assert row[7] == "geen bevindingen"
        else:
            assert re.fullmatch(r"\d+ (fout|fouten|waarschuwing|waarschuwingen)(, .*)?", row[7])


def test_a_rerun_replaces_both_sheets_and_keeps_a_renamed_one(example: dict, tmp_path) -> None:
    copy = tmp_path / "opnieuw.xlsx"
    copy.write_bytes(example["target"].read_bytes())
    verantwoording, findings = verantwoording_for(EXAMPLE)
    for _ in range(2):
        annotate_workbook(copy, findings, copy, verantwoording=verantwoording)
        book = openpyxl.load_workbook(copy)
        assert book.sheetnames == [
            "Controle",
            "Controlelijst",
            "Productie",
            "Toewijzingen",
            "Producten",
        ]
        assert check(copy) == []
    own = sorted(n[0] for n in defined_names(copy) if n[0].startswith("jeugdhulp_"))
    assert own == [
        "jeugdhulp_controle",
        "jeugdhulp_controlelijst",
        "jeugdhulp_geschreven",
        "jeugdhulp_markering1",
    ]
    # A Controlelijst the user renamed is theirs: kept, and a new one is written.
    with zipfile.ZipFile(copy) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/workbook.xml"] = (
        parts["xl/workbook.xml"]
        .replace(b'name="Controlelijst"', b'name="Mijn lijst"')
        .replace(b"'Controlelijst'!", b"'Mijn lijst'!")
    )
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    annotate_workbook(copy, findings, copy, verantwoording=verantwoording)
    names = openpyxl.load_workbook(copy).sheetnames
    assert names[:2] == ["Controle", "Controlelijst"] and "Mijn lijst" in names
    assert check(copy) == []


def test_without_the_catalogue_no_controlelijst_is_written(tmp_path: Path) -> None:
    target = tmp_path / "uit.xlsx"
    annotate_workbook(EXAMPLE, [], target, verantwoording=Verantwoording("p", WHEN))
    assert openpyxl.load_workbook(target).sheetnames[:2] == ["Controle", "Productie"]


# --- a chart sheet that was the active tab ---------------------------------------------------


def test_an_active_chart_sheet_is_unselected(tmp_path: Path) -> None:
    path = tmp_path / "grafiek.xlsx"
    book = xlsxwriter.Workbook(path)
    data = book.add_worksheet("Productie")
    data.write_column(0, 0, ["BSN", "111222333", "111222334"])
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Productie!$A$2:$A$3"})
    sheet = book.add_chartsheet("Grafiek")
    sheet.set_chart(chart)
    sheet.activate()
    book.close()
    target = tmp_path / "uit.xlsx"
    finding = Finding("Productie", 3, "BSN", "A3", "PM002", "fout", "", "elfproef", "111222334")
    annotate_workbook(path, [finding], target, verantwoording=Verantwoording("p", WHEN))
    assert check(target) == []
    with zipfile.ZipFile(target) as z:
        chartsheet = z.read("xl/chartsheets/sheet1.xml")
        workbook = z.read("xl/workbook.xml").decode()
    assert b"tabSelected" not in chartsheet
    assert re.search(r'activeTab="0"', workbook)


# --- marks as few rectangles (issue 11) -------------------------------------------------------


def test_marks_merge_into_rectangles() -> None:
    cells = pl.DataFrame(
        {
            "_col": [1, 2, 3, 1, 2, 3, 1, 2, 3, 5, 5, 7, 1],
            "_row": [2, 2, 2, 3, 3, 3, 4, 4, 4, 2, 3, 9, 4],
        }
    )
    assert mark_blocks(cells).get_column("ref").to_list() == ["B2:D4", "F2:F3", "H9"]


def test_a_block_of_wrong_cells_is_one_range_in_the_sheet(tmp_path: Path) -> None:
    path = tmp_path / "blok.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Productie")
    for r in range(20):
        sheet.write_row(r, 0, ["x"] * 6)
    book.close()
    findings = [
        Finding("Productie", r, "T", f"{c}{r}", "PM009", "fout", "", "tarief", "1")
        for r in range(2, 20)
        for c in "CDE"
    ]
    target = tmp_path / "uit.xlsx"
    annotate_workbook(path, findings, target, verantwoording=Verantwoording("p", WHEN))
    with zipfile.ZipFile(target) as z:
        xml = z.read(sheet_parts(target)["Productie"]).decode()
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', xml) == ["C2:E19"]


# --- row heights: one rule, vectorised -------------------------------------------------------


@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("aiWm0 .é-\nABCxyz")), max_size=160), max_size=40
    ),
    st.sampled_from([9, 18, 22, 28, 32, 80]),
)
@settings(max_examples=200, deadline=None)
def test_vectorised_line_counts_equal_the_wrapping_rule(texts: list[str], width: int) -> None:
    got = line_counts(pl.Series(texts, dtype=pl.String), width).to_list()
    assert got == [line_count(t, width) for t in texts]


def test_line_counts_never_undercount_beyond_the_exact_limit() -> None:
    texts = [f"geen toewijzing TW{i:07d} voor BSN {i:09d} (wel toegewezen: 45)" for i in range(50)]
    texts += ["woord " * 30]
    bounded = line_counts(pl.Series(texts), 40, exact_limit=0).to_list()
    exact = [line_count(t, 40) for t in texts]
    assert all(b >= e for b, e in zip(bounded, exact, strict=True))


@given(
    st.sets(st.tuples(st.integers(0, 6), st.integers(1, 12)), max_size=40),
    st.sets(st.tuples(st.integers(0, 6), st.integers(1, 12)), max_size=20),
)
@settings(max_examples=200, deadline=None)
def test_mark_blocks_cover_exactly_the_marked_cells(red: set, orange: set) -> None:
    rows = [(c, r, "fout") for c, r in red] + [(c, r, "waarschuwing") for c, r in orange]
    cells = pl.DataFrame(
        rows, schema={"_col": pl.Int64, "_row": pl.Int64, "ernst": pl.String}, orient="row"
    )
    covered: dict[str, list[tuple[int, int]]] = {"fout": [], "waarschuwing": []}
    for ernst, c1, r1, c2, r2 in (
        mark_blocks(cells, by=("ernst",)).select("ernst", "c1", "r1", "c2", "r2").iter_rows()
    ):
        covered[ernst] += [(c, r) for c in range(c1, c2 + 1) for r in range(r1, r2 + 1)]
    for ernst, expected in (("fout", red), ("waarschuwing", orange)):
        assert sorted(covered[ernst]) == sorted(expected)  # every cell once, nothing else
