"""What a write changes besides the tool's own sheet and marks, and what it must leave alone.

Each kind of fault an independent tester found in the written copies (rev8 report):

- a user's copy of an old Controle sheet in a file of the previous version (no names) is kept
  unless it is the first tab (defect 1);
- a replaced Controle sheet takes its calculation-chain entries, comments, VML, drawings and
  images with it (defects 2 and 21);
- Strict OOXML packages get a Strict Controle sheet (defect 3);
- a broken ``dxfId`` in the original never becomes the tool's red mark (defect 16);
- ``docProps/app.xml`` lists the sheets the copy really has (defect 20);
- numbers in messages are written the Dutch way without touching the sentence (defect 9).

Every output passes the independent strict checker (``tests/tools/ooxml_check.py``).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from lxml import etree

from batch.annotate import MARKER, annotate_workbook
from batch.package import PakketFout, check_for_writing
from jeugdhulp.controle_layout import Verantwoording
from jeugdhulp.findings import Finding
from tests.corpus.writers import _rewrite_parts, _strict_part
from tests.ooxml_helpers import check, raw_member, sheet_elements, sheet_parts
from tests.test_annotate_rerun import (
    FINDINGS,
    WHEN,
    annotate,
    edit_package,
    excel_copies_sheet,
    marker_count,
    previous_version,
    workbook,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"


def names(path: Path) -> list[str]:
    return [s["name"] for s in sheet_elements(path)]


def members(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as z:
        return set(z.namelist())


def read(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


# --- defect 1: a copied Controle sheet of the previous version ------------------------------


def test_a_copied_controle_sheet_in_a_clean_workbook_is_kept(tmp_path):
    """Last month's Controle sheet copied into this month's workbook, as the last tab and
    without the tool's names (Move or Copy to another workbook): it is the user's."""
    last_month = annotate(workbook(tmp_path / "vorige.xlsx"), FINDINGS, tmp_path / "v.xlsx")
    previous_version(last_month)
    with zipfile.ZipFile(last_month) as z:
        old = z.read("xl/worksheets/jeugdhulp_controle.xml").decode("utf-8")
    copied = old.replace(
        "</sheetData>",
        '<row r="999"><c r="A999" t="inlineStr"><is><t>nagebeld</t></is></c></row></sheetData>',
    )
    source = workbook(tmp_path / "deze.xlsx")
    # the copy uses the tool's dxfs: give the new workbook the old styles (as Excel would)
    with zipfile.ZipFile(last_month) as z:
        styles = z.read("xl/styles.xml").decode("utf-8")
    edit_package(source, {"xl/styles.xml": lambda _t: styles}, {})
    excel_copy = excel_copies_sheet(source, "Productie", "Controle (2)")
    with zipfile.ZipFile(source) as z:
        members_before = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members_before:
            z.writestr(info, copied.encode() if info.filename == excel_copy else data)
    assert MARKER in read(source, excel_copy) and check(source) == []

    target = annotate(source, FINDINGS, tmp_path / "uit.xlsx")
    assert names(target) == ["Controle", "Productie", "Jan's lijst", "Overig", "Controle (2)"]
    assert "nagebeld" in read(target, sheet_parts(target)["Controle (2)"])
    # kept whole: only its tab selection is cut (the copy opens on the new Controle sheet)
    before = read(source, excel_copy)
    after = read(target, excel_copy)
    assert after == before.replace(' tabSelected="1"', "", 1) or (
        raw_member(source, excel_copy)[2] == raw_member(target, excel_copy)[2]
    )


def test_a_moved_controle_sheet_of_the_previous_version_is_kept(tmp_path):
    """The previous version put its sheet first; one the user moved is no longer known as
    the tool's (lose nothing): a new Controle comes in front, the old one stays."""
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    previous_version(target)

    def move_first_to_last(text: str) -> str:
        sheets = re.search(r"<sheets>(.*)</sheets>", text).group(1)  # type: ignore[union-attr]
        items = re.findall(r"<sheet [^>]*/>", sheets)
        return text.replace(sheets, "".join(items[1:] + items[:1]))

    edit_package(target, {"xl/workbook.xml": move_first_to_last}, {})
    assert names(target)[-1] == "Controle"
    annotate(target, FINDINGS[:1])
    assert names(target) == ["Controle (2)", "Productie", "Jan's lijst", "Overig", "Controle"]
    parts = sheet_parts(target)
    assert marker_count(target, parts["Productie"]) == 1  # old marks replaced, not stacked


# --- defects 2 and 21: what goes with a replaced Controle sheet -------------------------------

CALC_CHAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
CALC_CHAIN_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"


def with_calc_chain(path: Path, cells: str) -> None:
    edit_package(
        path,
        {
            "xl/_rels/workbook.xml.rels": lambda t: t.replace(
                "</Relationships>",
                f'<Relationship Id="rIdCalc" Type="{CALC_CHAIN_REL}" Target="calcChain.xml"/>'
                "</Relationships>",
            ),
            "[Content_Types].xml": lambda t: t.replace(
                "</Types>",
                f'<Override PartName="/xl/calcChain.xml" ContentType="{CALC_CHAIN_CT}"/></Types>',
            ),
        },
        {"xl/calcChain.xml": f'<?xml version="1.0"?><calcChain xmlns="{MAIN}">{cells}</calcChain>'},
    )


def sheet_id(path: Path, name: str) -> str:
    return next(s["sheetId"] for s in sheet_elements(path) if s["name"] == name)


def test_a_calc_chain_naming_the_replaced_controle_sheet_goes(tmp_path):
    """The user typed a formula on the tool's sheet; Excel listed it in calcChain. The new
    Controle sheet (same sheetId) has no formula there, so the chain would name a cell without
    one (Excel: "Removed Records: Formula from /xl/calcChain.xml"): the chain goes whole."""
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    controle = sheet_parts(target)["Controle"]
    edit_package(
        target,
        {
            controle: lambda t: t.replace(
                '<row r="2">', '<row r="2"><c r="K2"><f>1+1</f><v>2</v></c>', 1
            )
        },
        {},
    )
    productie = sheet_id(target, "Productie")
    with_calc_chain(
        target, f'<c r="K2" i="{sheet_id(target, "Controle")}"/><c r="C3" i="{productie}"/>'
    )
    assert check(target) == []
    annotate(target, FINDINGS)
    assert "xl/calcChain.xml" not in members(target)
    assert "calcChain" not in read(target, "xl/_rels/workbook.xml.rels")
    assert "calcChain" not in read(target, "[Content_Types].xml")


def test_a_calc_chain_of_other_sheets_only_is_kept(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    productie = sheet_id(target, "Productie")
    # the second entry inherits the sheet of the first (no `i`), as Excel writes it
    with_calc_chain(target, f'<c r="C3" i="{productie}"/><c r="C4"/>')
    before = raw_member(target, "xl/calcChain.xml")
    annotate(target, FINDINGS)
    assert raw_member(target, "xl/calcChain.xml") == before


def test_an_inherited_sheet_id_in_the_calc_chain_counts(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    controle = sheet_id(target, "Controle")
    with_calc_chain(target, f'<c r="K2" i="{controle}"/><c r="K3"/>')
    annotate(target, [])
    assert "xl/calcChain.xml" not in members(target)


COMMENTS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS_OPEN = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def drawing_xml(rid: str) -> str:
    return (
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{REL}"><xdr:oneCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0'
        "</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
        '<xdr:ext cx="9525" cy="9525"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="p"/>'
        "<xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill>"
        f'<a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
        '<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
        "<xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
    )


def test_parts_only_the_replaced_controle_sheet_used_go_with_it(tmp_path):
    """A note and a picture the user put on the tool's sheet (comments, VML, a drawing and its
    image): the sheet is replaced on a re-run (documented), and its parts go with it instead
    of staying behind unreferenced. An image another sheet's drawing also shows stays."""
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    parts = sheet_parts(target)
    controle, productie = parts["Controle"], parts["Productie"]
    leaf_c, leaf_p = controle.rpartition("/")[2], productie.rpartition("/")[2]

    def rel(rid: str, kind: str, target: str) -> str:
        return f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target="{target}"/>'

    edit_package(
        target,
        {
            controle: lambda t: t.replace("</worksheet>", '<drawing r:id="rIdD"/></worksheet>'),
            productie: lambda t: (
                t.replace("</worksheet>", '<drawing r:id="rIdD"/></worksheet>')
                if 'xmlns:r="' in t
                else t.replace("<worksheet ", f'<worksheet xmlns:r="{REL}" ', 1).replace(
                    "</worksheet>", '<drawing r:id="rIdD"/></worksheet>'
                )
            ),
            "[Content_Types].xml": lambda t: t.replace(
                "</Types>",
                '<Default Extension="png" ContentType="image/png"/>'
                f'<Override PartName="/xl/comments9.xml" ContentType="{COMMENTS_CT}"/>'
                f'<Override PartName="/xl/drawings/drawing8.xml" ContentType="{DRAWING_CT}"/>'
                f'<Override PartName="/xl/drawings/drawing9.xml" ContentType="{DRAWING_CT}"/>'
                "</Types>",
            ),
        },
        {
            f"xl/worksheets/_rels/{leaf_c}.rels": RELS_OPEN
            + rel("rIdD", "drawing", "../drawings/drawing9.xml")
            + rel("rIdC", "comments", "../comments9.xml")
            + "</Relationships>",
            f"xl/worksheets/_rels/{leaf_p}.rels": RELS_OPEN
            + rel("rIdD", "drawing", "../drawings/drawing8.xml")
            + "</Relationships>",
            "xl/comments9.xml": f'<comments xmlns="{MAIN}"><authors><author>ik</author></authors>'
            '<commentList><comment ref="A1" authorId="0"><text><t>nota</t></text></comment>'
            "</commentList></comments>",
            "xl/drawings/drawing9.xml": drawing_xml("rIdI"),
            "xl/drawings/_rels/drawing9.xml.rels": RELS_OPEN
            + rel("rIdI", "image", "../media/alleen.png")
            + rel("rIdJ", "image", "../media/gedeeld.png")
            + "</Relationships>",
            "xl/drawings/drawing8.xml": drawing_xml("rIdJ"),
            "xl/drawings/_rels/drawing8.xml.rels": RELS_OPEN
            + rel("rIdJ", "image", "../media/gedeeld.png")
            + "</Relationships>",
            "xl/media/alleen.png": PNG.decode("latin-1"),
            "xl/media/gedeeld.png": PNG.decode("latin-1"),
        },
    )
    annotate(target, FINDINGS)
    left = members(target)
    for gone in (
        f"xl/worksheets/_rels/{leaf_c}.rels",
        "xl/comments9.xml",
        "xl/drawings/drawing9.xml",
        "xl/drawings/_rels/drawing9.xml.rels",
        "xl/media/alleen.png",
    ):
        assert gone not in left, gone
    for kept in (
        "xl/drawings/drawing8.xml",
        "xl/media/gedeeld.png",
        f"xl/worksheets/_rels/{leaf_p}.rels",
    ):
        assert kept in left, kept
    types = read(target, "[Content_Types].xml")
    assert "comments9" not in types and "drawing9" not in types and "drawing8" in types


# --- defect 3: Strict OOXML -------------------------------------------------------------------


def test_strict_packages_get_a_strict_controle_sheet(tmp_path):
    source = tmp_path / "strict.xlsx"
    _rewrite_parts(workbook(tmp_path / "pm.xlsx"), source, _strict_part)
    target = annotate(source, FINDINGS, tmp_path / "uit.xlsx")
    with zipfile.ZipFile(target) as z:
        root = etree.fromstring(z.read(sheet_parts(target)["Controle"]))
        workbook_root = etree.fromstring(z.read("xl/workbook.xml"))
    assert etree.QName(workbook_root).namespace == STRICT
    assert etree.QName(root).namespace == STRICT
    assert MAIN not in etree.tostring(root).decode()
    annotate(target, FINDINGS)  # and again, replacing it


# --- defect 16: a broken dxfId ------------------------------------------------------------


def test_a_broken_dxf_reference_never_becomes_the_red_mark(tmp_path):
    """Rules that point past the end of the styles' dxfs (no dxfs at all here): one on a sheet
    that gets marks, one on a sheet that does not. After the write neither points at the
    tool's red or orange format; they point at empty ones, which show nothing, as before."""
    source = tmp_path / "pm.xlsx"
    book = xlsxwriter.Workbook(str(source))
    for name in ("Productie", "Overig"):
        book.add_worksheet(name).write_row(0, 0, ["BSN", "Bedrag"])
    book.close()

    def rule(dxf: int) -> str:
        return (
            f'<conditionalFormatting sqref="B1:B9"><cfRule type="cellIs" dxfId="{dxf}" '
            'priority="1" operator="greaterThan"><formula>1000</formula></cfRule>'
            "</conditionalFormatting><pageMargins"
        )

    parts = sheet_parts(source)
    edit_package(
        source,
        {
            parts["Productie"]: lambda t: t.replace("<pageMargins", rule(0), 1),
            parts["Overig"]: lambda t: t.replace("<pageMargins", rule(1), 1),
        },
        {},
    )
    assert "<dxfs" not in read(source, "xl/styles.xml") or 'dxfs count="0"' in read(
        source, "xl/styles.xml"
    )
    findings = [Finding("Productie", 1, "BSN", "A1", "PM002", "fout", "", "m", "x")]
    annotate_workbook(
        source, findings, tmp_path / "uit.xlsx", verantwoording=Verantwoording("p", WHEN)
    )
    target = tmp_path / "uit.xlsx"
    styles = etree.fromstring(read(target, "xl/styles.xml").encode())
    dxfs = [d for d in styles.iter(f"{{{MAIN}}}dxf")]

    def dxf_ids(part: str) -> list[tuple[int, bool]]:
        root = etree.fromstring(read(target, part).encode())
        return [
            (int(r.get("dxfId")), MARKER in "".join(r.itertext()))
            for r in root.iter(f"{{{MAIN}}}cfRule")
        ]

    marks = {i for i, own in dxf_ids(parts["Productie"]) if own}
    users = [i for part in parts.values() for i, own in dxf_ids(part) if not own]
    assert marks and sorted(users) == [0, 1]
    for index in users:
        assert index not in marks
        assert len(dxfs[index]) == 0  # an empty format: shows nothing
    for index in marks:
        assert len(dxfs[index]) > 0
    # A re-run finds its formats and adds nothing.
    count = len(dxfs)
    annotate(target, findings)
    assert (
        len(list(etree.fromstring(read(target, "xl/styles.xml").encode()).iter(f"{{{MAIN}}}dxf")))
        == count
    )


def test_valid_dxf_references_keep_their_formats(tmp_path):
    source = tmp_path / "pm.xlsx"
    book = xlsxwriter.Workbook(str(source))
    red = book.add_format({"bg_color": "#00FF00"})
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, ["BSN", "Bedrag"])
    sheet.conditional_format("B1:B9", {"type": "cell", "criteria": ">", "value": 3, "format": red})
    book.close()
    styles_before = read(source, "xl/styles.xml")
    target = annotate(
        source,
        [Finding("Productie", 1, "BSN", "A1", "PM002", "fout", "", "m", "x")],
        tmp_path / "u.xlsx",
    )
    root = etree.fromstring(read(target, sheet_parts(target)["Productie"]).encode())
    user = [r for r in root.iter(f"{{{MAIN}}}cfRule") if MARKER not in "".join(r.itertext())]
    assert [r.get("dxfId") for r in user] == ["0"]
    assert "FF00FF00" in styles_before
    first = next(etree.fromstring(read(target, "xl/styles.xml").encode()).iter(f"{{{MAIN}}}dxf"))
    assert "FF00FF00" in etree.tostring(first).decode()


# --- defect 20: docProps/app.xml -----------------------------------------------------------


def titles(path: Path) -> tuple[list[str], list[str]]:
    """(HeadingPairs as text, TitlesOfParts) of docProps/app.xml."""
    root = etree.fromstring(read(path, "docProps/app.xml").encode())
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    ext = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    pairs = [e.text or "" for e in root.find(f"{ext}HeadingPairs").iter(f"{vt}lpstr", f"{vt}i4")]  # type: ignore[union-attr]
    parts = [e.text or "" for e in root.find(f"{ext}TitlesOfParts").iter(f"{vt}lpstr")]  # type: ignore[union-attr]
    return pairs, parts


def test_the_sheet_list_in_app_properties_stays_true(tmp_path):
    source = tmp_path / "pm.xlsx"
    book = xlsxwriter.Workbook(str(source))
    for name in ("Productie", "Overig"):
        book.add_worksheet(name)
    book.define_name("Bereik", "=Overig!$A$1:$B$2")
    book.close()
    assert titles(source) == (
        ["Worksheets", "2", "Named Ranges", "1"],
        ["Productie", "Overig", "Bereik"],
    )
    target = annotate(source, FINDINGS[:1], tmp_path / "uit.xlsx")
    assert titles(target) == (
        ["Worksheets", "3", "Named Ranges", "1"],
        ["Controle", "Productie", "Overig", "Bereik"],
    )
    annotate(target, FINDINGS[:1])
    assert titles(target)[1] == ["Controle", "Productie", "Overig", "Bereik"]
    size = etree.fromstring(read(target, "docProps/app.xml").encode()).xpath(
        "//*[local-name()='TitlesOfParts']/*[local-name()='vector']/@size"
    )
    assert size == ["4"]


def test_a_stale_sheet_list_in_app_properties_is_left_alone(tmp_path):
    source = tmp_path / "pm.xlsx"
    book = xlsxwriter.Workbook(str(source))
    book.add_worksheet("Productie")
    book.close()
    edit_package(source, {"docProps/app.xml": lambda t: t.replace(">Productie<", ">Oud<")}, {})
    before = raw_member(source, "docProps/app.xml")
    target = annotate(source, FINDINGS[:1], tmp_path / "uit.xlsx")
    assert raw_member(target, "docProps/app.xml") == before


# --- defect 9: the count of members -----------------------------------------------------------


def test_too_many_members_is_said_in_one_dutch_sentence(tmp_path):
    path = tmp_path / "veel.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(10_012):
            z.writestr(f"x/{i}.bin", b"")
    with zipfile.ZipFile(path) as z, pytest.raises(PakketFout) as raised:
        check_for_writing(z)
    assert str(raised.value) == (
        "het zip-archief heeft 10.012 onderdelen, meer dan de grens van 10.000; dit is geen "
        "gewone werkmap."
    )


def with_list(source: Path, target: Path) -> Path:
    """The copy with both of the tool's sheets (Controle and Controlelijst), checked."""
    from jeugdhulp.checks import CATALOGUE
    from jeugdhulp.controle_layout import CatalogusRegel

    controles = tuple(CatalogusRegel.van(c) for c in CATALOGUE)
    annotate_workbook(
        source,
        FINDINGS,
        target,
        verantwoording=Verantwoording("ijsselland-2023", WHEN, controles=controles),
    )
    assert check(target) == []
    return target


def test_a_renamed_controle_sheet_keeps_its_ids_apart_from_the_new_one(tmp_path):
    """Last run's Controle renamed "Controle maart" (Excel renames the names pointing at it
    too): the renamed sheet is the user's now; the new Controle must not take the relationship
    id the replaced Controlelijst hands on (that gave two rId7 and no copy)."""
    first = with_list(workbook(tmp_path / "pm.xlsx"), tmp_path / "v.xlsx")

    def renamed(text: str) -> str:
        text = text.replace('name="Controle"', 'name="Controle maart"', 1)
        return text.replace(">Controle!", ">'Controle maart'!")

    edit_package(first, {"xl/workbook.xml": renamed}, {})
    assert "Controle maart" in names(first) and check(first) == []
    target = with_list(first, tmp_path / "w.xlsx")
    assert names(target)[:3] == ["Controle", "Controlelijst", "Controle maart"]


def test_a_largest_sheet_id_takes_the_lowest_free_one(tmp_path):
    """sheetId 4294967295 (xs:unsignedInt's largest) is valid: a new sheet takes a free one
    below it instead of a number past the end."""
    source = workbook(tmp_path / "pm.xlsx")
    edit_package(
        source,
        {"xl/workbook.xml": lambda t: t.replace('sheetId="3"', 'sheetId="4294967295"', 1)},
        {},
    )
    assert check(source) == []
    target = annotate(source, FINDINGS, tmp_path / "uit.xlsx")
    ids = [s["sheetId"] for s in sheet_elements(target)]
    assert len(set(ids)) == len(ids) and all(int(i) <= 0xFFFFFFFF for i in ids)


def test_the_sheet_list_in_app_properties_names_both_sheets_of_the_tool(tmp_path):
    target = with_list(workbook(tmp_path / "pm.xlsx"), tmp_path / "uit.xlsx")
    app = read(target, "docProps/app.xml")
    titles = re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", app)
    assert titles[-5:] == ["Controle", "Controlelijst", "Productie", "Jan's lijst", "Overig"]
