"""A re-run replaces only what the tool wrote: its Controle sheet and its own marks.

The tool's sheet and the sheets it marked are named by hidden workbook-scoped defined names
(`jeugdhulp_controle`, `jeugdhulp_markering<n>`). The user's copies of either (Excel copies a
sheet with a new part and, at most, sheet-scoped copies of such names), a Controle sheet the
user renamed, and the user's own conditional formats are kept. Files of the previous version
(no names) fall back to the rule in `batch.annotate`'s docstring (case W04).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import xlsxwriter

from batch.annotate import MARKER, annotate_workbook
from jeugdhulp.controle_layout import Verantwoording
from jeugdhulp.findings import Finding
from tests.ooxml_helpers import check, defined_names, sheet_elements, sheet_parts

WHEN = datetime(2026, 3, 1, 14, 30)
FINDINGS = [
    Finding("Productie", 2, "BSN", "A2", "PM002", "fout", "", "BSN ongeldig", "1"),
    Finding("Productie", 3, "Aantal", "B3", "PM011", "waarschuwing", "", "veel", "9"),
    Finding("Jan's lijst", 2, "Code", "A2", "PM004", "fout", "", "onbekend", "x"),
]


def workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    red = book.add_format({"bg_color": "#FFC7CE"})
    for name in ("Productie", "Jan's lijst", "Overig"):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, ["BSN", "Aantal"])
        for r in range(1, 6):
            sheet.write_row(r, 0, [f"12345678{r}", r])
    book.get_worksheet_by_name("Productie").conditional_format(
        "B2:B6", {"type": "cell", "criteria": ">", "value": 3, "format": red}
    )
    book.close()
    return path


def annotate(source: Path, findings: list[Finding], target: Path | None = None) -> Path:
    target = target or source
    annotate_workbook(
        source, findings, target, verantwoording=Verantwoording("ijsselland-2023", WHEN)
    )
    assert check(target) == []
    return target


def edit_package(path: Path, edits: dict[str, Callable[[str], str]], add: dict[str, str]) -> None:
    """Rewrite `path` with some parts edited (text in, text out) and some added."""
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename in edits:
                data = edits[info.filename](data.decode("utf-8")).encode("utf-8")
            z.writestr(info, data)
        for name, text in add.items():
            z.writestr(name, text)


def excel_copies_sheet(path: Path, sheet: str, copy_name: str, notes: str = "") -> str:
    """Do what Excel does when the user copies `sheet` in the same workbook: a new part with
    the same content (plus `notes` in cell Z1), a new sheet at the end, and a sheet-scoped
    copy of every workbook-scoped name that points at the sheet. Returns the new part."""
    parts = sheet_parts(path)
    with zipfile.ZipFile(path) as z:
        content = z.read(parts[sheet]).decode("utf-8")
    if notes:
        content = content.replace(
            "</sheetData>",
            f'<row r="30"><c r="Z30" t="inlineStr"><is><t>{notes}</t></is></c></row></sheetData>',
        )
    new_part = "xl/worksheets/kopie1.xml"
    count = len(sheet_elements(path))
    quoted = "'" + sheet.replace("'", "''") + "'"
    copy_quoted = "'" + copy_name.replace("'", "''") + "'"

    def workbook_xml(text: str) -> str:
        text = text.replace(
            "</sheets>",
            f'<sheet name="{copy_name}" sheetId="77" r:id="rIdKopie"/></sheets>',
        )
        scoped = "".join(
            f'<definedName name="{m.group(1)}" localSheetId="{count}" hidden="1">'
            f"{copy_quoted}!$A$1</definedName>"
            for m in re.finditer(
                rf'<definedName name="([^"]+)" hidden="1">{re.escape(quoted)}!\$A\$1</definedName>',
                text,
            )
        )
        return text.replace("</definedNames>", scoped + "</definedNames>")

    edit_package(
        path,
        {
            "xl/workbook.xml": workbook_xml,
            "xl/_rels/workbook.xml.rels": lambda t: t.replace(
                "</Relationships>",
                '<Relationship Id="rIdKopie" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/worksheet" Target="worksheets/kopie1.xml"/>'
                "</Relationships>",
            ),
            "[Content_Types].xml": lambda t: t.replace(
                "</Types>",
                f'<Override PartName="/{new_part}" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.worksheet+xml"/></Types>',
            ),
        },
        {new_part: content},
    )
    assert check(path) == []
    return new_part


def marker_count(path: Path, part: str) -> int:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8").count(MARKER)


# --- the names ---------------------------------------------------------------------------


def test_hidden_workbook_names_point_at_the_tools_sheets(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    own = sorted(n for n in defined_names(target) if n[0].startswith("jeugdhulp_"))
    stamp = next(n for n in own if n[0] == "jeugdhulp_geschreven")  # when it was written
    assert stamp[1:3] == (None, "1") and re.fullmatch(r'"\d+"', stamp[3])
    assert [n for n in own if n != stamp] == [
        ("jeugdhulp_controle", None, "1", "'Controle'!$A$1"),
        ("jeugdhulp_markering1", None, "1", "'Productie'!$A$1"),
        ("jeugdhulp_markering2", None, "1", "'Jan''s lijst'!$A$1"),
    ]


def test_sheet_id_relationship_and_part_of_controle_stay_the_same(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    seen = set()
    for _ in range(3):
        annotate(target, FINDINGS[:1])
        controle = sheet_elements(target)[0]
        seen.add(
            (controle["name"], controle["sheetId"], controle["id"], sheet_parts(target)["Controle"])
        )
    assert len(seen) == 1


def test_marks_of_an_earlier_run_go_where_no_findings_are_left(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    parts = sheet_parts(target)
    annotate(target, FINDINGS[:1])  # only Productie!A2 now
    assert marker_count(target, parts["Jan's lijst"]) == 0
    assert marker_count(target, parts["Productie"]) == 1
    assert [n[0] for n in defined_names(target) if n[0].startswith("jeugdhulp_m")] == [
        "jeugdhulp_markering1"
    ]


# --- what the user made is kept ----------------------------------------------------------


def unselected(part: bytes) -> bytes:
    """A worksheet's bytes with its tab unselected, the only change a re-run makes to a sheet
    of the user that it does not mark."""
    return re.sub(rb' tabSelected="(?:1|true)"', b"", part)


def test_a_copy_of_the_controle_sheet_with_notes_is_kept(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    copy = excel_copies_sheet(target, "Controle", "Controle (2)", notes="mijn aantekening")
    with zipfile.ZipFile(target) as z:
        copy_bytes = z.read(copy)
    annotate(target, FINDINGS[:1])
    names = [s["name"] for s in sheet_elements(target)]
    assert names == ["Controle", "Productie", "Jan's lijst", "Overig", "Controle (2)"]
    assert sheet_parts(target)["Controle (2)"] == copy
    with zipfile.ZipFile(target) as z:
        # The user's copy, notes and all, untouched; only its tab is no longer selected (the
        # copy was made of the selected Controle; the new Controle is the one selected tab).
        assert z.read(copy) == unselected(copy_bytes)
    scoped = [n for n in defined_names(target) if n[0] == "jeugdhulp_controle"]
    assert (("jeugdhulp_controle", None, "1", "'Controle'!$A$1") in scoped) and any(
        n[1] == "4" for n in scoped
    )  # Excel's sheet-scoped copy of the name stays with the copy


def test_a_copy_of_a_marked_sheet_keeps_its_marks(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    copy = excel_copies_sheet(target, "Productie", "Productie (2)")
    annotate(target, [])
    assert marker_count(target, sheet_parts(target)["Productie"]) == 0
    assert marker_count(target, copy) == 2  # the copy's marks are the user's now


def test_a_renamed_controle_sheet_is_kept_as_the_users(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    # Excel renames the sheet and follows with the name's reference.
    edit_package(
        target,
        {
            "xl/workbook.xml": lambda t: t.replace(
                'name="Controle"', 'name="Controle januari"'
            ).replace("'Controle'!", "'Controle januari'!")
        },
        {},
    )
    annotate(target, FINDINGS[:1])
    names = [s["name"] for s in sheet_elements(target)]
    assert names[0] == "Controle" and "Controle januari" in names
    assert ("jeugdhulp_controle", None, "1", "'Controle'!$A$1") in defined_names(target)


def test_a_shared_conditional_format_keeps_the_users_rule(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    part = sheet_parts(target)["Productie"]
    user_rule = (
        '<cfRule type="cellIs" dxfId="0" priority="9" operator="equal"><formula>0</formula>'
        "</cfRule>"
    )

    def share(text: str) -> str:  # the user added a rule to the range of a mark
        at = text.index(MARKER)
        end = text.index("</conditionalFormatting>", at)
        return text[:end] + user_rule + text[end:]

    edit_package(target, {part: share}, {})
    assert check(target) == []
    annotate(target, [])
    with zipfile.ZipFile(target) as z:
        xml = z.read(part).decode("utf-8")
    assert MARKER not in xml
    assert '<conditionalFormatting sqref="A2"><cfRule type="cellIs"' in xml
    assert xml.count('type="cellIs"') == 2  # the workbook's own rule and the user's added one


# --- files written by the previous version (no names) ------------------------------------


def previous_version(path: Path, *, excel_resaved: bool = False) -> None:
    """Turn an output of this version into one of the previous version: no defined names; the
    Controle part keeps the tool's name unless Excel re-saved the file."""

    def workbook_xml(text: str) -> str:
        return re.sub(r'<definedName name="jeugdhulp_[^"]*"[^>]*>[^<]*</definedName>', "", text)

    edits: dict[str, Callable[[str], str]] = {"xl/workbook.xml": workbook_xml}
    if excel_resaved:
        edits["xl/_rels/workbook.xml.rels"] = lambda t: t.replace(
            "worksheets/jeugdhulp_controle.xml", "worksheets/sheet9.xml"
        )
        edits["[Content_Types].xml"] = lambda t: t.replace(
            "/xl/worksheets/jeugdhulp_controle.xml", "/xl/worksheets/sheet9.xml"
        )
    with zipfile.ZipFile(path) as z:
        controle = z.read("xl/worksheets/jeugdhulp_controle.xml").decode("utf-8")
    add = {"xl/worksheets/sheet9.xml": controle} if excel_resaved else {}
    edit_package(path, edits, add)
    if excel_resaved:  # drop the old member
        with zipfile.ZipFile(path) as z:
            members = [
                (i, z.read(i)) for i in z.infolist() if "jeugdhulp_controle" not in i.filename
            ]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in members:
                z.writestr(info, data)
    assert not [n for n in defined_names(path) if n[0].startswith("jeugdhulp_")]
    assert check(path) == []


def test_previous_version_output_with_a_users_copy(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    previous_version(target)
    copy = excel_copies_sheet(target, "Controle", "Controle (2)", notes="bewaren")
    with zipfile.ZipFile(target) as z:
        copy_bytes = z.read(copy)
    annotate(target, FINDINGS[:1])
    names = [s["name"] for s in sheet_elements(target)]
    assert names.count("Controle") == 1 and "Controle (2)" in names
    with zipfile.ZipFile(target) as z:
        assert z.read(copy) == unselected(copy_bytes)
    parts = sheet_parts(target)
    assert marker_count(target, parts["Productie"]) == 1  # old marks replaced, not stacked
    assert marker_count(target, parts["Jan's lijst"]) == 0


def test_previous_version_output_re_saved_by_excel(tmp_path):
    target = annotate(workbook(tmp_path / "pm.xlsx"), FINDINGS, tmp_path / "uit.xlsx")
    previous_version(target, excel_resaved=True)
    excel_copies_sheet(target, "Controle", "Controle (2)", notes="bewaren")
    annotate(target, [])
    names = [s["name"] for s in sheet_elements(target)]
    assert names[0] == "Controle" and names.count("Controle") == 1
    assert "Controle (2)" in names  # the lowest number is the tool's; the copy stays


def test_a_users_own_controle_sheet_is_never_the_tools(tmp_path):
    source = tmp_path / "eigen.xlsx"
    book = xlsxwriter.Workbook(str(source))
    book.add_worksheet("Controle").write("A1", "mijn eigen controle")
    book.add_worksheet("Productie").write_row(0, 0, ["BSN", "Aantal"])
    book.close()
    target = annotate(
        source,
        [Finding("Productie", 1, "BSN", "A1", "PM001", "fout", "", "m", "")],
        tmp_path / "uit.xlsx",
    )
    assert [s["name"] for s in sheet_elements(target)] == ["Controle (2)", "Controle", "Productie"]
    annotate(target, [])
    assert [s["name"] for s in sheet_elements(target)] == ["Controle (2)", "Controle", "Productie"]
    previous_version_names = [n for n in defined_names(target) if n[0] == "jeugdhulp_controle"]
    assert previous_version_names == [("jeugdhulp_controle", None, "1", "'Controle (2)'!$A$1")]
