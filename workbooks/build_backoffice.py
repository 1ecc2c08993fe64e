"""The backoffice control workbook: `build_backoffice(folder)` writes backoffice-controle.xlsx.

A sheet ``Instellingen`` with Dutch labels and the cells the script `addin.scripts.controleer_map`
reads (map, profiel, toewijzingen, producten, schrijven, uitvoermap), an explanation of how to
run it, and the empty sheets ``Samenvatting`` and ``Bevindingen`` it fills. Fixed document
properties, so a rebuild is byte-identical.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

NAME = "backoffice-controle.xlsx"
FIXED_CREATED = dt.datetime(2023, 1, 1)
PROFILES = ("ijsselland-2023", "ijsselland-2021", "hart-van-brabant")

#: (label, value, explanation) per setting, in the order of the sheet (from row 4).
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("Map", "ontvangen", "Map met de productiemonitors (.xlsx, .xlsm, .csv); relatief ten opzichte van deze werkmap."),
    ("Profiel", "ijsselland-2023", "Regioprofiel: ijsselland-2023, ijsselland-2021, hart-van-brabant of het pad naar een eigen .toml."),
    ("Toewijzingen", "", "Optioneel: bestand met de toewijzingen voor alle werkmappen. Leeg = het blad Toewijzingen van elke werkmap."),
    ("Producten", "", "Optioneel: bestand met de productcodelijst. Leeg = het blad Producten van elke werkmap."),
    ("Schrijven", "nee", "ja = schrijf naast elke werkmap een gecontroleerde kopie NAAM.controle.xlsx met blad Controle."),
    ("Uitvoermap", "", "Optioneel: map voor de gecontroleerde kopieën (alleen bij Schrijven = ja)."),
)  # fmt: skip

USAGE = (
    "Zo werkt het:",
    "1. Vul hieronder de map en het regioprofiel in (en eventueel toewijzingen en producten).",
    "2. xlwings klassiek (Windows): knop met de macro "
    'RunPython "import addin.scripts; addin.scripts.controleer_map()".',
    "   xlwings Server: het script 'Controleer map (backoffice)' in het taakvenster.",
    "3. Het blad Samenvatting krijgt één regel per bestand, het blad Bevindingen alle bevindingen.",
    "Dezelfde controle op de opdrachtregel: jeugdhulp controleer MAP --samenvatting BESTAND.xlsx",
)


def build_backoffice(folder: Path) -> Path:
    """Write ``backoffice-controle.xlsx`` into `folder`; returns its path."""
    path = Path(folder) / NAME
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    workbook.set_properties(
        {"title": "Backofficecontrole productiemonitors", "author": "jeugdhulp", "created": FIXED_CREATED}
    )  # fmt: skip
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    value = workbook.add_format({"bg_color": "#FFF2CC", "border": 1})
    note = workbook.add_format({"italic": True, "font_color": "#595959", "text_wrap": True})

    sheet = workbook.add_worksheet("Instellingen")
    sheet.write(0, 0, "Backofficecontrole productiemonitors", title)
    sheet.write(
        1, 0, "Controleert alle werkmappen in een map met dezelfde regels als jeugdhulp controleer."
    )
    header_row = 3
    sheet.write_row(header_row - 1, 0, ("Instelling", "Waarde", "Uitleg"), bold)
    for r, (label, default, explanation) in enumerate(SETTINGS, start=header_row):
        sheet.write_string(r, 0, label, bold)
        sheet.write_string(r, 1, default, value)
        sheet.write_string(r, 2, explanation, note)
    rows = {label: r for r, (label, _, _) in enumerate(SETTINGS, start=header_row)}
    sheet.data_validation(
        rows["Schrijven"], 1, rows["Schrijven"], 1, {"validate": "list", "source": ["ja", "nee"]}
    )
    sheet.data_validation(
        rows["Profiel"], 1, rows["Profiel"], 1,
        {"validate": "list", "source": list(PROFILES), "error_type": "information"},
    )  # fmt: skip
    for r, line in enumerate(USAGE, start=header_row + len(SETTINGS) + 1):
        sheet.write_string(r, 0, line, bold if r == header_row + len(SETTINGS) + 1 else None)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 2, 90)
    sheet.activate()

    for name in ("Samenvatting", "Bevindingen"):
        empty = workbook.add_worksheet(name)
        empty.write(0, 0, "Wordt gevuld door het script Controleer map.", note)
        empty.set_column(0, 0, 48)
    workbook.close()
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(build_backoffice(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent))
