"""Rebuild the workbooks in this folder: `python -m workbooks.build_examples [MAP]`.

- voorbeeld-productiemonitor.xlsx: a provider's workbook with a realistic mix of mistakes (the
  quick start checks it);
- productiemonitor-sjabloon.xlsx: the empty template providers start from, with drop-downs,
  input messages, formats and an `Uitleg` sheet;
- rekenhulp-standaardbudget.xlsx: the calculator with `=BUDGETRAMING(...)` and
  `=STANDAARDBUDGET(...)`, and the seed's cases Mark and Frival on a second sheet;
- tarieven.xlsx: `=TARIEFPERMINUUT(...)` and `=INDEXEERTARIEF(...)` spilling over a column, and
  `=VERVOERSCORE` / `=VERVOERSRECHT` on the seed's examples A, B and C;
- backoffice_controle.xlsm: the control workbook of the backoffice folder check, with a button
  (`workbooks/build_backoffice.py`).

`SHIPPED` names them; anything else in the folder is the user's (a checked copy such as
``voorbeeld-productiemonitor.controle.xlsx`` after the quick start).

Formulas carry their cached results, computed by the same core the add-in calls, so a viewer that
does not recalculate shows the right figures; Excel and LibreOffice recalculate on opening and
need the add-in for that. Files are written with fixed document properties, so a rebuild is
byte-identical; a test checks that.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from batch.synthetic import generate_example, write_workbook
from jeugdhulp.budget import budgetraming, standaardbudget
from jeugdhulp.columns import COLUMNS, QUANTITY_COLUMNS, UNIT_CODES, required_columns
from jeugdhulp.profile import load_profile
from jeugdhulp.tariff import indexeer_tarief, tarief_per_minuut
from jeugdhulp.transport import vervoerscore, vervoersrecht
from workbooks.build_backoffice import NAME as BACKOFFICE_NAME
from workbooks.build_backoffice import build_backoffice

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "voorbeeld-productiemonitor.xlsx"
TEMPLATE = HERE / "productiemonitor-sjabloon.xlsx"
REKENHULP = HERE / "rekenhulp-standaardbudget.xlsx"
TARIEVEN = HERE / "tarieven.xlsx"
#: The workbooks `build` writes, in its order.
SHIPPED: tuple[str, ...] = (
    EXAMPLE.name,
    TEMPLATE.name,
    REKENHULP.name,
    TARIEVEN.name,
    BACKOFFICE_NAME,
)
FIXED_CREATED = dt.datetime(2023, 1, 1)
TEMPLATE_ROWS = 2000

#: What each column means, for the `Uitleg` sheet (DOMAIN.md, "Canonical workbook layouts").
UITLEG: dict[str, str] = {
    "bsn": "Burgerservicenummer van de jeugdige: 9 cijfers, moet de elfproef doorstaan. Typ als tekst, zodat een voorloopnul blijft staan.",
    "toewijzingnummer": "Nummer van de toewijzing (JW301) waarop u declareert.",
    "productcategorie": "iJw-productcategorie, 2 cijfers (bijvoorbeeld 45 ambulant, 54 jeugd-ggz).",
    "productcode": "Productcode of arrangementscode, hoogstens 5 tekens.",
    "begindatum": "Eerste dag van de geleverde periode (dd-mm-jjjj); een periode is één kalendermaand.",
    "einddatum": "Laatste dag van de geleverde periode (dd-mm-jjjj).",
    "eenheid": "iJw-eenheid: 01 minuut, 04 uur, 14 etmaal, 16 dagdeel, 82 stuks (output), 83 euro's, 84 stuks (inspanning).",
    "aantal": "Geleverd volume in de eenheid: een geheel getal, 0 of meer.",
    "tarief": "Tarief per eenheid in euro's, zoals in het contract (per minuut: uurtarief / 60 op centen, zoals het regioprofiel voorschrijft).",
    "bedrag": "Aantal x tarief in euro's.",
    "geboortedatum": "Geboortedatum van de jeugdige (voor de controle op 18 jaar).",
    "soort_tijd": "direct of indirect; bij LVB-producten en producten buiten een arrangement telt alleen directe tijd.",
    "reden_beeindiging": "iJw-reden beëindiging (JZ588), bijvoorbeeld 31 levering volgens plan beëindigd.",
    "overgangsclient": "ja als de zorg onder de regels van het vorige jaar begon.",
    "verlengde_jeugdhulp": "ja als verlengde jeugdhulp is toegekend (na het 18e jaar).",
    "aanbieder": "AGB-code van de aanbieder, 8 cijfers.",
    "gemeente": "CBS-gemeentecode of naam van de gemeente.",
    "ingangsdatum": "Eerste dag van de toewijzing.",
    "volume": "Toegewezen volume in de eenheid.",
    "frequentie": "iJw-frequentie van het volume (bijvoorbeeld totaal of per maand).",
    "budget": "Toegewezen budget in euro's.",
    "trajecttype": "herstel (budget voor de hele periode) of duurzaam (budget per jaar).",
    "verwijzer": "medisch, GI of Toegang.",
    "reden_wijziging": "iJw-reden wijziging (JZ002); 13 = verwijderd.",
    "omschrijving": "Naam van het product.",
    "geldig_vanaf": "Eerste dag waarop dit tarief geldt.",
    "geldig_tot": "Laatste dag waarop dit tarief geldt.",
    "domein": "J&O, GGZ of LVB.",
    "binnen_arrangement": "ja als het product binnen een arrangement valt.",
    "alleen_directe_tijd": "ja als alleen directe cliënttijd declarabel is.",
}
#: The 2017 style: one quantity column per unit instead of Eenheid + Aantal.
QUANTITY_HEADERS = (
    ", ".join(c.kop for c in QUANTITY_COLUMNS[:-1]) + f" of {QUANTITY_COLUMNS[-1].kop}"
)
#: The lines above the column table of the Uitleg sheet: what the checker reads.
UITLEG_INTRO: tuple[str, ...] = (
    "Vul één regel per jeugdige, product en maand.",
    "Verplichte kolommen hebben een donkerblauwe kop en 'ja' in de kolom Verplicht hieronder; "
    "zonder die kolommen kan de controle het blad niet lezen.",
    "De kopregel mag onder titelregels staan (binnen de eerste 30 rijen); kolommen mogen in elke "
    "volgorde staan en worden ook herkend onder de namen in 'Ook herkend als' "
    "(hoofdletters, accenten en leestekens tellen niet).",
    "In plaats van Eenheid en Aantal mag elke eenheid een eigen kolom hebben "
    f"({QUANTITY_HEADERS}), zoals in de productiemonitor van 2017.",
    "Datums als datum of als tekst dd-mm-jjjj; bedragen met decimale komma. Wat als tekst is "
    "ingevuld wordt wel gelezen, maar gemeld (controle PM022), zodat u de bron kunt verbeteren.",
)
REDENEN_BEEINDIGING = ("02", "20", "31", "32", "33", "34", "35", "36", "37", "38", "39")
DATE_COLUMNS = frozenset(
    {"begindatum", "einddatum", "geboortedatum", "ingangsdatum", "geldig_vanaf", "geldig_tot"}
)
#: Date validation per column (first, last): a birth date lies between the oldest client of
#: youth care (verlengde jeugdhulp runs to 23) with a margin and today; periods and allocations
#: lie within the Jeugdwet (from 2015).
DATE_RANGES: dict[str, tuple[dt.date, dt.date | str]] = {
    "geboortedatum": (dt.date(1980, 1, 1), "=TODAY()"),
    "*": (dt.date(2015, 1, 1), dt.date(2099, 12, 31)),
}
NUMBER_COLUMNS = frozenset({"aantal", "volume"})
MONEY_COLUMNS = frozenset({"tarief", "bedrag", "budget"})
YES_NO_COLUMNS = frozenset(
    {"overgangsclient", "verlengde_jeugdhulp", "binnen_arrangement", "alleen_directe_tijd"}
)


def _workbook(path: Path, title: str) -> xlsxwriter.Workbook:
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"title": title, "author": "jeugdhulp", "created": FIXED_CREATED})
    return workbook


def build_example(folder: Path) -> Path:
    target = folder / EXAMPLE.name
    tables = generate_example()
    missing = [name for name, count in tables.mistakes.items() if count == 0]
    if missing:
        raise SystemExit(f"Voorbeeld mist fouten van soort: {', '.join(missing)}")
    write_workbook(target, tables)
    return target


def build_template(folder: Path) -> Path:
    target = folder / TEMPLATE.name
    workbook = _workbook(target, "Productiemonitor (sjabloon)")
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    )
    # Required columns stand out: white on dark blue (the Uitleg sheet says so).
    required_header = workbook.add_format(
        {
            "bold": True,
            "bg_color": "#1F4E78",
            "font_color": "#FFFFFF",
            "border": 1,
            "text_wrap": True,
        }
    )
    date_fmt = workbook.add_format({"num_format": "dd-mm-yyyy"})
    money_fmt = workbook.add_format({"num_format": "€ #,##0.00"})
    text_fmt = workbook.add_format({"num_format": "@"})
    units = sorted({code for code in UNIT_CODES.values()})
    for table in ("productie", "toewijzingen", "producten"):
        sheet = workbook.add_worksheet(table.capitalize())
        columns = [
            c for c in COLUMNS[table] if c.eenheid is None and c.sjabloon
        ]  # canonical style, no 2017 columns, no declaration-message fields
        last = TEMPLATE_ROWS
        required = set(required_columns(table))
        for index, column in enumerate(columns):
            sheet.write_string(
                0, index, column.kop, required_header if column.naam in required else header
            )
            width = max(len(column.kop) + 2, 12)
            fmt = None
            if column.naam in DATE_COLUMNS:
                fmt = date_fmt
                first, until = DATE_RANGES.get(column.naam, DATE_RANGES["*"])
                sheet.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "date",
                        "criteria": "between",
                        "minimum": first,
                        "maximum": until,
                        "input_title": column.kop,
                        "input_message": "Datum als dd-mm-jjjj.",
                        "error_title": "Ongeldige datum",
                        "error_message": (
                            f"Vul een datum in vanaf {first:%d-%m-%Y} tot en met "
                            + ("vandaag" if until == "=TODAY()" else f"{until:%d-%m-%Y}")
                            + " (dd-mm-jjjj)."
                        ),
                    },
                )
            elif column.naam in NUMBER_COLUMNS:
                # iJw LDT_Volume: a whole number of the unit, 0 or more.
                sheet.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "integer",
                        "criteria": ">=",
                        "value": 0,
                        "input_title": column.kop,
                        "input_message": "Een geheel getal van 0 of meer, in de eenheid van de regel.",
                        "error_title": "Ongeldig aantal",
                        "error_message": "Vul een geheel getal van 0 of meer in (iJw: volume is geheel).",
                    },
                )
            elif column.naam in MONEY_COLUMNS:
                fmt = money_fmt
                sheet.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "decimal",
                        "criteria": ">=",
                        "value": 0,
                        "input_title": column.kop,
                        "input_message": "Een bedrag in euro's van 0 of meer (decimale komma).",
                        "error_title": "Ongeldig bedrag",
                        "error_message": "Vul een bedrag van 0 of meer in.",
                    },
                )
            elif column.naam == "eenheid":
                fmt = text_fmt
                sheet.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "list",
                        "source": units,
                        "input_title": "Eenheid",
                        "input_message": "01 minuut, 04 uur, 14 etmaal, 16 dagdeel, 82 stuks, 83 euro, 84 stuks (inspanning).",
                        "error_title": "Onbekende eenheid",
                        "error_message": "Kies een iJw-eenheid uit de lijst.",
                    },
                )
            elif column.naam == "reden_beeindiging":
                fmt = text_fmt
                sheet.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "list",
                        "source": list(REDENEN_BEEINDIGING),
                        "input_title": "Reden beëindiging",
                        "input_message": "iJw JZ588; 31 = levering volgens plan beëindigd.",
                        "error_title": "Onbekende reden",
                        "error_message": "Kies een reden uit de lijst (iJw JZ588).",
                    },
                )
            elif column.naam in YES_NO_COLUMNS:
                sheet.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "list",
                        "source": ["ja", "nee"],
                        "input_title": column.kop,
                        "input_message": "ja of nee.",
                        "error_title": "ja of nee",
                        "error_message": "Kies ja of nee.",
                    },
                )
            elif column.naam == "soort_tijd":
                sheet.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "list",
                        "source": ["direct", "indirect"],
                        "input_title": "Soort tijd",
                        "input_message": "direct of indirect.",
                    },
                )
            elif column.naam in {
                "bsn",
                "toewijzingnummer",
                "productcategorie",
                "productcode",
                "aanbieder",
                "gemeente",
            }:
                fmt = text_fmt  # keeps leading zeros of BSN, category and AGB-code
                if column.naam == "bsn":
                    sheet.data_validation(
                        1,
                        index,
                        last,
                        index,
                        {
                            "validate": "length",
                            "criteria": "==",
                            "value": 9,
                            "input_title": "BSN",
                            "input_message": "9 cijfers, als tekst (voorloopnul blijft staan).",
                            "error_title": "Ongeldig BSN",
                            "error_message": "Een BSN heeft 9 cijfers.",
                        },
                    )
            sheet.set_column(index, index, width, fmt)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, 0, len(columns) - 1)

    uitleg = workbook.add_worksheet("Uitleg")
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    uitleg.write(
        0, 0, "Uitleg bij de productiemonitor", workbook.add_format({"bold": True, "font_size": 14})
    )
    for r, line in enumerate(UITLEG_INTRO, start=1):
        uitleg.write(r, 0, line)
    header_row = len(UITLEG_INTRO) + 2
    uitleg.write_row(
        header_row, 0, ("Blad", "Kolom", "Verplicht", "Ook herkend als", "Inhoud"), bold
    )
    row = header_row + 1
    for table, columns in COLUMNS.items():
        required = set(required_columns(table))
        for column in columns:
            if column.eenheid is not None or not column.sjabloon:
                continue
            verplicht = ""
            if column.naam in required:
                verplicht = "ja"
                if table == "productie" and column.naam in ("eenheid", "aantal"):
                    verplicht = f"ja, of de kolommen {QUANTITY_HEADERS}"
            uitleg.write_row(
                row,
                0,
                (
                    table.capitalize(),
                    column.kop,
                    verplicht,
                    ", ".join(column.synoniemen),
                    UITLEG.get(column.naam, ""),
                ),
                wrap,
            )
            row += 1
    uitleg.set_column(0, 0, 14)
    uitleg.set_column(1, 1, 22)
    uitleg.set_column(2, 2, 10)
    uitleg.set_column(3, 3, 36)
    uitleg.set_column(4, 4, 90)
    uitleg.freeze_panes(header_row + 1, 0)
    workbook.close()
    return target


def _raming_args(case: dict[str, object]) -> tuple[object, ...]:
    keys = (
        "trajecttype",
        "groep_dagen",
        "groep_uren",
        "groep_weken",
        "groep_intensiteit",
        "ambulant_uren",
        "ambulant_weken",
        "rekentarief",
    )
    return tuple(case.get(k) for k in keys)


#: The seed's cases (ijsselland-webinar-toewijzen-2023.txt).
CASES: tuple[dict[str, object], ...] = (
    {
        "naam": "Mark",
        "trajecttype": "Herstel",
        "groep_dagen": Decimal(2),
        "groep_uren": Decimal(3),
        "groep_weken": Decimal(26),
        "groep_intensiteit": "licht",
        "ambulant_uren": Decimal(3),
        "ambulant_weken": Decimal(26),
        "rekentarief": "Overwegend begeleiding en lichte hulp",
    },
    {
        "naam": "Frival",
        "trajecttype": "Herstel",
        "ambulant_uren": Decimal("2.5"),
        "ambulant_weken": Decimal(26),
        "rekentarief": "Grote ggz instellingen / academisch",
    },
)


def build_rekenhulp(folder: Path) -> Path:
    target = folder / REKENHULP.name
    profile = load_profile("ijsselland-2023")
    workbook = _workbook(target, "Rekenhulp standaardbudget")
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    grey = workbook.add_format({"bg_color": "#E7E6E6", "border": 1})
    euro_fmt = workbook.add_format({"num_format": "€ #,##0", "bold": True})
    # General: 2 days show as 2, 1,5 hours as 1,5 (not "2,0")
    number = workbook.add_format({"num_format": "General", "bg_color": "#E7E6E6", "border": 1})

    lists = workbook.add_worksheet("Lijsten")
    categories = list(profile.get("rekentarieven"))
    # Only the intensities the profile has a group rate for: another choice could only fail.
    intensities = [name for name, rate in profile.get("groepstarieven").items() if rate]
    lists.write_column(0, 0, ["Herstel", "Duurzaam"])
    lists.write_column(0, 1, intensities)
    lists.write_column(0, 2, categories)
    lists.write_column(0, 3, ["", "medisch", "GI", "Toegang"])
    workbook.define_name("Trajecttypes", "=Lijsten!$A$1:$A$2")
    workbook.define_name("Groepsintensiteiten", f"=Lijsten!$B$1:$B${len(intensities)}")
    workbook.define_name("Rekentarieven", f"=Lijsten!$C$1:$C${len(categories)}")
    workbook.define_name("Verwijzers", "=Lijsten!$D$1:$D$4")
    lists.hide()

    sheet = workbook.add_worksheet("Rekenhulp")
    sheet.set_column(0, 0, 62)
    sheet.set_column(1, 1, 40)
    sheet.write(0, 0, "Rekenhulp standaardbudget (IJsselland 2023)", title)
    sheet.write(
        1,
        0,
        "Grijze velden zijn invulvelden.",
    )
    note = workbook.add_format({"italic": True, "font_color": "#595959", "text_wrap": True})
    sheet.merge_range(2, 0, 2, 1, ADDIN_NOTE, note)
    sheet.set_row(2, 15 * (-(-len(ADDIN_NOTE) // 100) or 1))
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    mark = CASES[0]
    inputs = (
        ("Trajecttype (Herstel / Duurzaam)", mark["trajecttype"], "Trajecttypes"),
        ("Aanwezigheidsdagen per week groepsaanbod", mark["groep_dagen"], None),
        ("Gemiddeld aantal uren per dag groepsaanbod", mark["groep_uren"], None),
        (
            "Duur toewijzing groepsaanbod in weken (bij duurzaam altijd 52)",
            mark["groep_weken"],
            None,
        ),
        ("Intensiteit groepsaanbod", mark["groep_intensiteit"], "Groepsintensiteiten"),
        ("Uren per week ambulante jeugdhulp (cliënturen)", mark["ambulant_uren"], None),
        ("Duur toewijzing ambulante jeugdhulp in weken", mark["ambulant_weken"], None),
        (
            "Rekentarief ambulante jeugdhulp (categorie of uurtarief)",
            mark["rekentarief"],
            "Rekentarieven",
        ),
        ("Verwijzer", "", "Verwijzers"),
    )
    sheet.write(3, 0, "In te vullen gegevens", bold)
    for offset, (label, value, source) in enumerate(inputs):
        row = 4 + offset
        sheet.write(row, 0, label)
        if isinstance(value, Decimal):
            sheet.write_number(row, 1, float(value), number)
        else:
            sheet.write_string(row, 1, str(value), grey)
        if source == "Rekentarieven":
            # A category from the list or an hourly amount: the list is a suggestion (an
            # "information" alert lets a typed amount such as 85,50 stand).
            sheet.data_validation(
                row,
                1,
                row,
                1,
                {
                    "validate": "list",
                    "source": f"={source}",
                    "input_title": "Kies of typ een bedrag",
                    "input_message": "Kies een categorie uit de lijst of typ een uurtarief in euro's (bijvoorbeeld 85,50).",
                    "error_type": "information",
                    "error_title": "Eigen uurtarief",
                    "error_message": "Geen categorie uit de lijst: de waarde wordt gelezen als uurtarief in euro's.",
                    "ignore_blank": True,
                },
            )
        elif source:
            sheet.data_validation(
                row,
                1,
                row,
                1,
                {
                    "validate": "list",
                    "source": f"={source}",
                    "input_title": "Kies uit de lijst",
                    "input_message": label,
                    "ignore_blank": True,
                },
            )
        else:
            sheet.data_validation(
                row,
                1,
                row,
                1,
                {
                    "validate": "decimal",
                    "criteria": ">=",
                    "value": 0,
                    "input_title": "Invoer",
                    "input_message": f"{label}: een getal van 0 of meer; leeg laten als dit deel niet nodig is.",
                    "error_message": "Vul een getal van 0 of meer in.",
                },
            )
    raming = budgetraming(*_raming_args(mark), profile=profile)  # type: ignore[arg-type]
    keuze = standaardbudget(raming.totaal, profile=profile)
    sheet.write(14, 0, "Uitkomst", bold)
    sheet.write(15, 0, "Raming (groepsaanbod + ambulante jeugdhulp)")
    sheet.write_formula(
        15, 1, "=BUDGETRAMING(B5,B6,B7,B8,B9,B10,B11,B12)", euro_fmt, float(raming.totaal)
    )
    sheet.write(16, 0, "Standaardbudget (eerste budget op of boven de raming)")
    sheet.write_formula(16, 1, "=STANDAARDBUDGET(B16,B13)", euro_fmt, float(keuze.bedrag or 0))
    sheet.write(17, 0, "Nummer standaardbudget")
    sheet.write_formula(17, 1, "=STANDAARDBUDGETNUMMER(B16,B13)", bold, keuze.nummer or 0)

    cases = workbook.add_worksheet("Casussen")
    headers = (
        "Casus",
        "Trajecttype",
        "Groep dagen/week",
        "Groep uren/dag",
        "Groep weken",
        "Groep intensiteit",
        "Ambulant uren/week",
        "Ambulant weken",
        "Rekentarief",
        "Raming",
        "Standaardbudget",
        "Nummer",
    )
    cases.write_row(0, 0, headers, bold)
    cases.set_column(0, 8, 16)
    cases.set_column(8, 8, 40)
    cases.set_column(9, 11, 16)
    for row, case in enumerate(CASES, start=1):
        cases.write(row, 0, str(case["naam"]))
        for col, value in enumerate(_raming_args(case), start=1):
            if isinstance(value, Decimal):
                cases.write_number(row, col, float(value))
            elif value is not None:
                cases.write_string(row, col, str(value))
        estimate = budgetraming(*_raming_args(case), profile=profile)  # type: ignore[arg-type]
        choice = standaardbudget(estimate.totaal, profile=profile)
        excel_row = row + 1
        cases.write_formula(
            row,
            9,
            f"=BUDGETRAMING(B{excel_row},C{excel_row},D{excel_row},E{excel_row},F{excel_row},"
            f"G{excel_row},H{excel_row},I{excel_row})",
            euro_fmt,
            float(estimate.totaal),
        )
        cases.write_formula(
            row, 10, f"=STANDAARDBUDGET(J{excel_row})", euro_fmt, float(choice.bedrag or 0)
        )
        cases.write_formula(
            row, 11, f"=STANDAARDBUDGETNUMMER(J{excel_row})", None, choice.nummer or 0
        )
    cases.write(
        len(CASES) + 2, 0, "Bron: IJsselland, webinar toewijzen 2023 (casus Mark en Frival)."
    )
    sheet.activate()
    workbook.close()
    return target


#: Hourly tariffs for the tariff sheet: the FAQ's 54,42 and the float traps of DOMAIN.md.
HOURLY = (
    Decimal("54.42"),
    Decimal("69.00"),
    Decimal("16.20"),
    Decimal("23.40"),
    Decimal("70.00"),
    Decimal("130.00"),
)
INDEX_2021 = Decimal("0.0286")
#: Said on every sheet whose formulas are the add-in's functions.
ADDIN_NOTE = (
    "Deze formules zijn functies van de jeugdhulp-invoegtoepassing (xlwings; zie README). Zonder "
    "die invoegtoepassing toont Excel #NAAM?; de getoonde uitkomsten zijn bij het maken opgeslagen."
)
TRANSPORT = (("A", 6, 3, 4, 40), ("B", 4, 5, 4, 15), ("C", 12, 1, 4, 9))


def build_tarieven(folder: Path) -> Path:
    target = folder / TARIEVEN.name
    workbook = _workbook(target, "Tarieven en vervoer")
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "€ #,##0.00"})
    pct = workbook.add_format({"num_format": "0.00%"})
    sheet = workbook.add_worksheet("Tarieven")
    sheet.write_row(0, 0, ("Uurtarief", "Tarief per minuut", "Geïndexeerd uurtarief"), bold)
    sheet.write(0, 4, "Indexatie", bold)
    sheet.write_number(1, 4, float(INDEX_2021), pct)
    sheet.write(2, 4, "2020 naar 2021 (IJsselland FAQ)")
    for row, tarief in enumerate(HOURLY, start=1):
        sheet.write_number(row, 0, float(tarief), money)
    last = len(HOURLY) + 1
    per_minute = [float(tarief_per_minuut(t)) for t in HOURLY]
    indexed = [float(indexeer_tarief(t, INDEX_2021)) for t in HOURLY]
    sheet.write_dynamic_array_formula(
        1, 1, last - 1, 1, f"=TARIEFPERMINUUT(A2:A{last})", money, per_minute[0]
    )
    sheet.write_dynamic_array_formula(
        1, 2, last - 1, 2, f"=INDEXEERTARIEF(A2:A{last},E2)", money, indexed[0]
    )
    for row in range(2, last):  # cached values of the spilled cells
        sheet.write_number(row, 1, per_minute[row - 1], money)
        sheet.write_number(row, 2, indexed[row - 1], money)
    note = workbook.add_format({"italic": True, "font_color": "#595959"})
    sheet.write(last + 1, 0, ADDIN_NOTE, note)
    sheet.set_column(0, 2, 22)
    sheet.set_column(4, 4, 32)

    profile = load_profile("hart-van-brabant")
    transport = workbook.add_worksheet("Vervoer")
    transport.write_row(
        0,
        0,
        (
            "Voorbeeld",
            "Maanden",
            "Keer per week",
            "Weken per maand",
            "Km enkele reis",
            "Score",
            "Recht op vervoer",
        ),
        bold,
    )
    for row, (name, *factors) in enumerate(TRANSPORT, start=1):
        transport.write(row, 0, name)
        for col, value in enumerate(factors, start=1):
            transport.write_number(row, col, value)
        r = row + 1
        score = vervoerscore(*factors, profile=profile)
        transport.write_formula(row, 5, f"=VERVOERSCORE(B{r},C{r},D{r},E{r})", None, float(score))
        transport.write_formula(
            row,
            6,
            f"=VERVOERSRECHT(B{r},C{r},D{r},E{r})",
            None,
            vervoersrecht(*factors, profile=profile),
        )
    transport.write(
        5,
        0,
        "Bron: Hart van Brabant, stappenplan vervoersvoorziening (wegingsfactor 0,25; drempel 250).",
    )
    transport.write(6, 0, ADDIN_NOTE, note)
    transport.set_column(0, 6, 16)
    workbook.close()
    return target


def build(folder: Path = HERE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        build_example(folder),
        build_template(folder),
        build_rekenhulp(folder),
        build_tarieven(folder),
        build_backoffice(folder),
    ]


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
