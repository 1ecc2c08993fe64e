"""The layout of the ``Controle`` sheet: one home for the file annotator and the in-Excel check.

Pure Python (no polars, no zip, no xlwings): `batch.annotate` turns this layout into OOXML in a
copy of the workbook, `addin.scripts` writes it into the open workbook through xlwings. Both
show the same legend, the same columns in the same order, the same widths and colours, and mark
the same cells.

>>> legend_lines([], "IJsselland 2023", dt.datetime(2026, 3, 1, 14, 30))[:2]
['Controle van deze werkmap: 0 bevindingen', "Gecontroleerd op 01-03-2026 14:30 met regioprofiel 'IJsselland 2023': 0 fout, 0 waarschuwing."]
>>> parse_ref("$C$17"), parse_ref("Productie"), column_runs({(2, 7), (2, 8), (2, 10), (0, 7)})
((2, 17), None, [(0, 7, 7), (2, 7, 8), (2, 10, 10)])
>>> sqref({(2, 7), (2, 8), (2, 10)})
['C7:C8', 'C10']
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from jeugdhulp.findings import Finding, column_letter

__all__ = [
    "COLOURS",
    "CONTROLE_SHEET",
    "FORMULA_START",
    "HEADERS",
    "HEADER_ROW",
    "LEGEND_COLUMN",
    "LEGEND_HEADERS",
    "LEGEND_WIDTHS",
    "LINK_COLUMN",
    "NO_FINDINGS",
    "SEVERITIES",
    "TITLE_PREFIX",
    "WIDTHS",
    "column_runs",
    "finding_sort_key",
    "finding_values",
    "legend_lines",
    "legend_lines_for_counts",
    "marks_per_sheet",
    "parse_ref",
    "sqref",
]

CONTROLE_SHEET = "Controle"
#: First row of the findings table (the header); rows above hold the legend.
HEADER_ROW = 6
HEADERS = ("Blad", "Rij", "Kolom", "Cel", "Controle", "Ernst", "Melding", "Waarde", "Retourcode")
#: Column widths in characters, per column of HEADERS.
WIDTHS = (18, 8, 22, 9, 10, 13, 80, 28, 11)
#: The column (0-based) that links to the flagged cell.
LINK_COLUMN = HEADERS.index("Cel")
LEGEND_HEADERS = ("Controle", "Ernst", "Omschrijving")
LEGEND_COLUMN = len(HEADERS) + 1  # 0-based; one empty column between the tables
LEGEND_WIDTHS = (10, 13, 60)
SEVERITIES = ("fout", "waarschuwing")
#: (text colour, fill colour) as RGB hex per severity: Excel's own "light red" and a matching
#: orange; dark text on both stays readable.
COLOURS = {"fout": ("9C0006", "FFC7CE"), "waarschuwing": ("7F3F00", "FFD8A8")}
#: Text starting with one of these would become a formula when typed into a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What the findings table shows when there is nothing to report.
NO_FINDINGS = "Geen bevindingen"
#: How the title line (cell A1) starts; with the header row it identifies a Controle sheet.
TITLE_PREFIX = "Controle van deze werkmap:"

_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def legend_lines(
    findings: Sequence[Finding], profiel: str, gecontroleerd_op: dt.datetime
) -> list[str]:
    """The legend above the findings (rows 1-4 of column A); the first line is the title."""
    fout = sum(f.ernst == "fout" for f in findings)
    return legend_lines_for_counts(len(findings), fout, profiel, gecontroleerd_op)


def legend_lines_for_counts(
    total: int, fout: int, profiel: str, gecontroleerd_op: dt.datetime
) -> list[str]:
    """`legend_lines` from the number of findings and of *fout* findings among them."""
    waarschuwing = total - fout
    when = gecontroleerd_op.strftime("%d-%m-%Y %H:%M")
    return [
        f"{TITLE_PREFIX} {total} {'bevinding' if total == 1 else 'bevindingen'}",
        f"Gecontroleerd op {when} met regioprofiel '{profiel}': "
        f"{fout} fout, {waarschuwing} waarschuwing.",
        "fout = blokkeert de betaling; herstel de cel voordat u declareert. "
        "waarschuwing = kijk de cel na; zij mag blijven staan als zij klopt.",
        "In de werkbladen zijn deze cellen rood (fout) of oranje (waarschuwing) gekleurd; "
        "klik in kolom Cel om naar de cel te gaan. Deze markeringen en dit blad worden bij "
        "een nieuwe controle vervangen.",
    ]


def finding_values(finding: Finding) -> list[str | int]:
    """The cells of one finding's row, in the order of HEADERS."""
    return [
        finding.blad,
        finding.rij,
        finding.kolom,
        finding.cel,
        finding.controle,
        finding.ernst,
        finding.melding,
        finding.waarde,
        finding.retourcode,
    ]


def parse_ref(cell: str) -> tuple[int, int] | None:
    """(0-based column, 1-based row) of an A1 reference, None if it is not one."""
    m = _CELL_REF.fullmatch(cell.strip())
    if m is None:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    if not (1 <= col <= 16384 and 1 <= row <= 1_048_576):
        return None
    return col - 1, row


def finding_sort_key(finding: Finding, sheet_position: int) -> tuple[int, int, int, str]:
    """Workbook order of the finding's sheet, then row, column and check: the list reads top-down."""
    ref = parse_ref(finding.cel)
    return (sheet_position, finding.rij, ref[0] if ref else -1, finding.controle)


def marks_per_sheet(findings: Iterable[Finding]) -> dict[str, dict[str, set[tuple[int, int]]]]:
    """Sheet name -> severity -> cells (0-based column, 1-based row) to mark; red wins."""
    marks: dict[str, dict[str, set[tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
    for finding in findings:
        ref = parse_ref(finding.cel)
        if ref is None:
            continue
        severity = finding.ernst if finding.ernst in SEVERITIES else "waarschuwing"
        marks[finding.blad][severity].add(ref)
    for per_severity in marks.values():
        per_severity["waarschuwing"] -= per_severity["fout"]
    return {blad: dict(per) for blad, per in marks.items()}


def column_runs(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Cells as (0-based column, first row, last row), consecutive rows of a column merged."""
    by_col: dict[int, list[int]] = defaultdict(list)
    for col, row in cells:
        by_col[col].append(row)
    runs = []
    for col in sorted(by_col):
        rows = sorted(set(by_col[col]))
        first = prev = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            runs.append((col, first, prev))
            if row is not None:
                first = prev = row
    return runs


def sqref(cells: Iterable[tuple[int, int]]) -> list[str]:
    """Cells as A1 ranges, consecutive rows of one column merged."""
    out = []
    for col, first, last in column_runs(cells):
        letter = column_letter(col)
        out.append(f"{letter}{first}" if first == last else f"{letter}{first}:{letter}{last}")
    return out
