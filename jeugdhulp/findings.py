"""The shape of a finding: what every check produces and every shell (CLI, JSON, annotator) consumes.

A finding points at one cell of the user's workbook: sheet (`blad`), Excel row number (`rij`,
1-based as Excel shows it), the header as written in the file (`kolom`) and its A1 reference
(`cel`). In bulk, findings travel as a polars frame with exactly the columns of
`FINDING_SCHEMA` (see `jeugdhulp.checks`); the annotator and the reports take that frame.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Ernst = Literal["fout", "waarschuwing"]

#: Column order of a findings frame and of the JSON report's finding objects.
FINDING_FIELDS: tuple[str, ...] = (
    "blad",  # sheet name as in the workbook
    "rij",  # Excel row number (1-based)
    "kolom",  # header text as written in the file ("" when the finding concerns the whole row)
    "cel",  # A1 reference ("C17"); the row's first cell when no column applies
    "controle",  # check id, e.g. "PM009"
    "ernst",  # "fout" or "waarschuwing"
    "retourcode",  # iJw return code ("9338", "0611") or "" where none applies
    "melding",  # Dutch message naming the values involved
    "waarde",  # the value found in the cell, as text ("" when none)
)


@dataclass(frozen=True, slots=True)
class Finding:
    blad: str
    rij: int
    kolom: str
    cel: str
    controle: str
    ernst: Ernst
    retourcode: str
    melding: str
    waarde: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    if index < 0:
        raise ValueError(index)
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
