"""The backoffice control workbook: `build_backoffice(folder)` writes backoffice_controle.xlsm.

A sheet ``Instellingen`` with Dutch labels and the cells the script `addin.scripts.controleer_map`
reads (map, profiel, toewijzingen, producten, schrijven, uitvoermap) and a button **Controleer
map**; a sheet ``Uitleg`` with the steps to set it up; the empty sheets ``Samenvatting`` and
``Bevindingen`` the script fills.

The button runs the macro ``SampleCall`` of xlwings' own quickstart workbook (its VBA project is
taken from the installed xlwings package, `quickstart.xlsm`, which refers to the xlwings add-in):
``RunPython "import <name of this workbook>; <name>.main()"``. So the workbook is called
``backoffice_controle.xlsm`` and the module ``workbooks/backoffice_controle.py`` beside it calls
`addin.scripts.controleer_map`. Fixed document properties, so a rebuild is byte-identical (the VBA
project is whatever the installed xlwings ships).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from importlib import resources
from pathlib import Path

import xlsxwriter

NAME = "backoffice_controle.xlsm"
#: The macro of xlwings' quickstart VBA project that the button runs.
MACRO = "SampleCall"
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
    "1. Vul hierboven de map en het regioprofiel in (en eventueel toewijzingen en producten).",
    "2. Klik op de knop Controleer map (eenmalig instellen: zie het blad Uitleg).",
    "3. Het blad Samenvatting krijgt één regel per bestand, het blad Bevindingen alle bevindingen.",
    "Dezelfde controle op de opdrachtregel: jeugdhulp controleer MAP --samenvatting BESTAND.xlsx",
)

#: The steps on the Uitleg sheet: what a backoffice employee does once, on Windows.
SETUP = (
    "Eenmalig instellen (Windows, Excel met xlwings klassiek)",
    "1. Installeer Python 3.11 of nieuwer en daarin dit hulpmiddel: open een opdrachtprompt in de "
    "map van het hulpmiddel en typ: pip install -e .",
    "2. Installeer de xlwings-invoegtoepassing van Excel: typ in dezelfde opdrachtprompt: "
    "xlwings addin install   (sluit Excel eerst).",
    "3. Laat deze werkmap (backoffice_controle.xlsm) in dezelfde map staan als "
    "backoffice_controle.py: de knop start de Python-module met dezelfde naam als de werkmap. "
    "Kopieert u de werkmap onder een andere naam, kopieer dan ook het .py-bestand onder die naam.",
    "4. Open de werkmap in Excel en klik op 'Inhoud inschakelen' (macro's). Meldt Excel dat de "
    "verwijzing naar xlwings ontbreekt: open de VBA-editor (Alt+F11), kies Extra > Verwijzingen "
    "en vink xlwings aan.",
    "5. Vul op het blad Instellingen de map in en klik op Controleer map.",
    "",
    "Zonder Windows-Excel",
    "xlwings Server: koppel de module addin.scripts; het script heet 'Controleer map (backoffice)'.",
    "Opdrachtregel: jeugdhulp controleer MAP --samenvatting samenvatting.xlsx",
    "",
    "Wat de knop doet",
    "De knop roept de macro SampleCall aan (uit de quickstart-werkmap van xlwings): "
    'RunPython "import backoffice_controle; backoffice_controle.main()". Die functie leest dit '
    "blad Instellingen en controleert elke werkmap in de map, met dezelfde regels als "
    "jeugdhulp controleer.",
)


def quickstart_vba_project() -> bytes:
    """The VBA project of xlwings' quickstart workbook (macro SampleCall, xlwings reference)."""
    quickstart = resources.files("xlwings").joinpath("quickstart.xlsm")
    with quickstart.open("rb") as handle, zipfile.ZipFile(handle) as package:
        return package.read("xl/vbaProject.bin")


def build_backoffice(folder: Path) -> Path:
    """Write ``backoffice-controle.xlsx`` into `folder`; returns its path."""
    path = Path(folder) / NAME
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    workbook.add_vba_project(io.BytesIO(quickstart_vba_project()), is_stream=True)
    workbook.set_vba_name("ThisWorkbook")
    workbook.set_properties(
        {"title": "Backofficecontrole productiemonitors", "author": "jeugdhulp", "created": FIXED_CREATED}
    )  # fmt: skip
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    value = workbook.add_format({"bg_color": "#FFF2CC", "border": 1})
    note = workbook.add_format({"italic": True, "font_color": "#595959", "text_wrap": True})

    sheet = workbook.add_worksheet("Instellingen")
    sheet.set_vba_name("Sheet1")  # the document modules of the quickstart VBA project
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
    sheet.insert_button(
        header_row + len(SETTINGS) + len(USAGE) + 2,
        0,
        {"macro": MACRO, "caption": "Controleer map", "width": 160, "height": 36},
    )
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 2, 90)
    sheet.activate()

    uitleg = workbook.add_worksheet("Uitleg")
    uitleg.set_vba_name("Sheet2")
    headings = {0, SETUP.index("Zonder Windows-Excel"), SETUP.index("Wat de knop doet")}
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for r, line in enumerate(SETUP):
        uitleg.write_string(r, 0, line, bold if r in headings else wrap)
        lines = -(-len(line) // 95) or 1  # wrapped at about 95 characters a line
        if lines > 1:
            uitleg.set_row(r, 15 * lines)
    uitleg.set_column(0, 0, 100)
    for printed in (sheet, uitleg):
        printed.set_landscape()
        printed.fit_to_pages(1, 0)

    for name in ("Samenvatting", "Bevindingen"):
        empty = workbook.add_worksheet(name)
        empty.write(0, 0, "Wordt gevuld door het script Controleer map.", note)
        empty.set_column(0, 0, 48)
    workbook.close()
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(build_backoffice(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent))
