"""Workbooks written by hand, part by part: the shapes only Excel (or an odd writer) produces.

`package(path, sheets, ...)` writes an .xlsx whose sheet XML is given row by row, so a test can
put exactly the markup it is about in a cell: `x15:workbookPr`, `t="d"`, formulas without `<v>`,
a nonsense `<dimension>`, cells without `r`, a namespace prefix on every element, part names in
another case than their relationships.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
X15 = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAC_EPOCH = dt.date(1904, 1, 1)

HEADER = ["BSN", "Productcode", "Begindatum", "Einddatum", "Eenheid", "Aantal", "Tarief", "Bedrag"]


def letter(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def serial(day: dt.date, date1904: bool = False) -> int:
    return (day - (_MAC_EPOCH if date1904 else _EXCEL_EPOCH)).days


def cell(ref: str, value: object, prefix: str = "") -> str:
    """Markup of one cell: str -> inline string, int/float -> number, date -> styled serial
    (1900 system), `Raw` -> as given. A value of None gives no cell."""
    p = prefix
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.markup.format(ref=ref, p=p)
    if isinstance(value, dt.date):
        return f'<{p}c r="{ref}" s="1"><{p}v>{serial(value)}</{p}v></{p}c>'
    if isinstance(value, bool):
        return f'<{p}c r="{ref}" t="b"><{p}v>{int(value)}</{p}v></{p}c>'
    if isinstance(value, (int, float)):
        return f'<{p}c r="{ref}"><{p}v>{value!r}</{p}v></{p}c>'
    return f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}t>{escape(str(value))}</{p}t></{p}is></{p}c>'


@dataclass(frozen=True)
class Raw:
    """A cell given as markup; `{ref}` is its reference and `{p}` the namespace prefix."""

    markup: str


def sheet_xml(
    rows: list[list[object]],
    *,
    prefix: str = "",
    head: str = "",
    tail: str = "",
    first_row: int = 1,
) -> str:
    """A worksheet part: `head` goes before `sheetData` (e.g. a `<dimension>`), `tail` after."""
    p = prefix
    ns = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    body = []
    for r, row in enumerate(rows, start=first_row):
        cells = "".join(cell(f"{letter(c)}{r}", v, p) for c, v in enumerate(row))
        body.append(f'<{p}row r="{r}">{cells}</{p}row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<{p}worksheet {ns}>{head}<{p}sheetData>{''.join(body)}</{p}sheetData>{tail}</{p}worksheet>"
    )


@dataclass
class Sheet:
    name: str
    xml: str
    state: str | None = None  # "hidden", "veryHidden"
    kind: str = "worksheet"


@dataclass
class Package:
    sheets: list[Sheet]
    workbook_pr: str = "<workbookPr/>"
    extra_workbook: str = ""  # after <sheets> (calcPr, extLst)
    part_case: dict[str, str] = field(default_factory=dict)  # part name -> name in the zip


STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="dd\\-mm\\-yyyy"/></numFmts><fonts count="1"><font/></fonts><fills count="1">'
    '<fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/>'
    '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" '
    'applyNumberFormat="1"/></cellXfs></styleSheet>'
)


def write(path: Path, pkg: Package) -> Path:
    """Write the package; returns `path`."""
    overrides = [
        (
            "/xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        ),
        (
            "/xl/styles.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
        ),
    ]
    sheets_xml, rels = [], []
    parts: dict[str, str] = {}
    for n, sheet in enumerate(pkg.sheets, start=1):
        folder = "worksheets" if sheet.kind == "worksheet" else "chartsheets"
        part = f"xl/{folder}/sheet{n}.xml"
        parts[part] = sheet.xml
        kind = "worksheet" if sheet.kind == "worksheet" else "chartsheet"
        overrides.append(
            (f"/{part}", f"application/vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml")
        )
        state = f' state="{sheet.state}"' if sheet.state else ""
        sheets_xml.append(
            f'<sheet name="{escape(sheet.name)}" sheetId="{n}"{state} r:id="rId{n}"/>'
        )
        rels.append(
            f'<Relationship Id="rId{n}" Type="{REL}/{kind}" Target="{folder}/sheet{n}.xml"/>'
        )
    rels.append(
        f'<Relationship Id="rId{len(pkg.sheets) + 1}" Type="{REL}/styles" Target="styles.xml"/>'
    )
    parts["xl/workbook.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{pkg.workbook_pr}<sheets>{"".join(sheets_xml)}'
        f"</sheets>{pkg.extra_workbook}</workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(rels)
        + "</Relationships>"
    )
    parts["xl/styles.xml"] = STYLES
    parts["_rels/.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(pkg.part_case.get(name, name), text)
    return path


def production(
    path: Path, rows: list[list[object]], *, name: str = "Productie", **options: object
) -> Path:
    """A one-sheet production workbook with HEADER in row 1 and `rows` below."""
    head = str(options.pop("head", ""))
    tail = str(options.pop("tail", ""))
    prefix = str(options.pop("prefix", ""))
    xml = sheet_xml([HEADER, *rows], prefix=prefix, head=head, tail=tail)
    return write(path, Package([Sheet(name, xml)], **options))  # type: ignore[arg-type]
