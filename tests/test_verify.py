"""The check before replacing: what Excel rejects is found, what Excel ignores is not."""

from __future__ import annotations

import io
import zipfile

from batch.verify import PackageView, package_rules, xml_problems

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
MARGINS = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'


def sheet(body: str, ns: str = MAIN, extra: str = "") -> bytes:
    return f'<worksheet xmlns="{ns}"{extra}><sheetData/>{body}</worksheet>'.encode()


def test_an_undeclared_prefix_is_not_well_formed():  # case W01's fault
    workbook = f'<workbook xmlns="{MAIN}"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>'
    problems, _ = xml_problems(workbook.encode())
    assert problems and problems[0].startswith("geen geldige XML")


def test_schema_order_is_checked():  # case W02's fault: marks after pageMargins
    cf = '<conditionalFormatting sqref="A1"><cfRule type="expression" dxfId="0" priority="1"><formula>TRUE</formula></cfRule></conditionalFormatting>'
    assert xml_problems(sheet(cf + MARGINS))[0] == []
    problems, _ = xml_problems(sheet(MARGINS + cf))
    assert problems and "conditionalFormatting" in problems[0]


def test_markup_compatibility_as_excel_does_it():
    x14ac = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
    extra = f' xmlns:mc="{MC}" xmlns:x14ac="{x14ac}" mc:Ignorable="x14ac"'
    ignorable = sheet(MARGINS, extra=extra).replace(
        b"<sheetData/>",
        b'<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData/>',
    )
    assert xml_problems(ignorable)[0] == []
    # the same attribute without mc:Ignorable is something Excel does not know
    unknown = ignorable.replace(b' mc:Ignorable="x14ac"', b"")
    assert xml_problems(unknown)[0]
    # AlternateContent: the Fallback is what counts
    alternate = (
        f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x14ac"><x14ac:nieuw/>'
        f"</mc:Choice><mc:Fallback>{MARGINS}</mc:Fallback></mc:AlternateContent>"
    )
    assert xml_problems(sheet(alternate, extra=f' xmlns:x14ac="{x14ac}"'))[0] == []


def test_strict_parts_are_checked_in_transitional_terms():
    assert xml_problems(sheet(MARGINS, ns=STRICT))[0] == []
    assert xml_problems(sheet(MARGINS + "<bestaatNiet/>", ns=STRICT))[0]


def package(parts: dict[str, str]) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return zipfile.ZipFile(buffer)


def workbook_package(
    sheets: str, names: str = "", views: str = "", styles_dxfs: int = 1
) -> dict[str, str]:
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{R}/worksheet" Target="worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{R}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{R}">{views}<sheets>{sheets}</sheets>{names}</workbook>'
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts>'
            '<fills count="1"><fill/></fills><borders count="1"><border/></borders>'
            '<cellXfs count="1"><xf fontId="0" fillId="0" borderId="0"/></cellXfs>'
            f'<dxfs count="{styles_dxfs}">' + "<dxf/>" * styles_dxfs + "</dxfs></styleSheet>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{MAIN}"><sheetData/>'
            '<conditionalFormatting sqref="A1"><cfRule type="expression" dxfId="1" priority="1">'
            "<formula>TRUE</formula></cfRule></conditionalFormatting>"
            '<hyperlinks><hyperlink ref="A1" location="\'Weg\'!A1"/></hyperlinks></worksheet>'
        ),
        "xl/worksheets/sheet2.xml": f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>',
    }


def rules(parts: dict[str, str]) -> list[str]:
    return package_rules(
        PackageView(package(parts)),
        ["_rels/.rels", "xl/_rels/workbook.xml.rels"],
        ["xl/worksheets/sheet1.xml"],
    )


def test_the_package_rules_excel_enforces():
    good = '<sheet name="A" sheetId="1" r:id="rId1"/><sheet name="B" sheetId="2" r:id="rId2"/>'
    found = rules(workbook_package(good))
    assert any("stijl die niet bestaat" in p for p in found)  # dxfId 1 of 1 dxf
    assert any("blad 'Weg' dat niet bestaat" in p for p in found)
    found = rules(
        workbook_package(
            '<sheet name="A" sheetId="1" r:id="rId1"/><sheet name="a" sheetId="1" r:id="rId2"/>'
            '<sheet name="C:D" sheetId="3" r:id="rId9"/>',
            names='<definedNames><definedName name="x" localSheetId="7">A!$A$1</definedName></definedNames>',
            views='<bookViews><workbookView activeTab="5"/></bookViews>',
            styles_dxfs=2,
        )
    )
    for expected in (
        "bladnaam 'a' dubbel",
        "sheetId 1 dubbel",
        "ongeldige bladnaam 'C:D'",
        "verwijst naar een relatie die niet bestaat",
        "gedefinieerde naam x hoort bij een blad dat niet bestaat",
        "het actieve of eerste blad ligt buiten de bladen",
    ):
        assert any(expected in p for p in found), (expected, found)
