"""Realistic production workbooks with a controlled share of mistakes.

One home for the example workbook in `workbooks/`, the benchmark's large workbooks and tests.
The product list here is EXAMPLE data of a fictitious region (marked "voorbeeld" in the
description): a provider's workbook carries its own region's list in the sheet `Producten`. The
per-minute tariff 0,90 is the IJsselland FAQ's own example (54,42 per hour / 60, truncated).

Every row is written as a provider would type it: dates as real dates, numbers as numbers, and the
injected mistakes in the forms people really make (a BSN that fails the elfproef, a tariff of last
year, an amount that is not quantity x tariff, a Dutch decimal comma typed as text, ...). The
generator is deterministic for a given seed, so rebuilt files are identical.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jeugdhulp.columns import COLUMNS, column
from jeugdhulp.tariff import tarief_per_minuut

#: The canonical headers (`jeugdhulp.columns`) of the columns the generator fills, in order.
PRODUCTIE_HEADERS = tuple(
    column("productie", naam).kop
    for naam in (
        "bsn",
        "toewijzingnummer",
        "productcategorie",
        "productcode",
        "begindatum",
        "einddatum",
        "eenheid",
        "aantal",
        "tarief",
        "bedrag",
        "geboortedatum",
        "soort_tijd",
        "reden_beeindiging",
        "verlengde_jeugdhulp",
    )
)
TOEWIJZINGEN_HEADERS = tuple(c.kop for c in COLUMNS["toewijzingen"] if c.sjabloon)
PRODUCTEN_HEADERS = tuple(c.kop for c in COLUMNS["producten"] if c.sjabloon)


@dataclass(frozen=True, slots=True)
class Product:
    categorie: str
    code: str
    omschrijving: str
    eenheid: str
    tarief: Decimal
    domein: str
    alleen_direct: bool
    max_per_maand: int


# Example list (fictitious region). 45A48: the FAQ's "ambulante begeleiding midden individueel",
# 54,42 per hour, declared per minute at 0,90.
PRODUCTS = (
    Product(
        "45",
        "45A48",
        "Ambulante begeleiding midden individueel (voorbeeld)",
        "01",
        tarief_per_minuut(Decimal("54.42")),
        "J&O",
        False,
        900,
    ),
    Product(
        "45", "45A52", "Groepsbegeleiding (voorbeeld)", "16", Decimal("38.50"), "J&O", False, 16
    ),
    Product(
        "45",
        "45L01",
        "Begeleiding LVB individueel (voorbeeld)",
        "01",
        Decimal("0.85"),
        "LVB",
        True,
        600,
    ),
    Product(
        "54",
        "54011",
        "GGZ verblijf tariefklasse C (voorbeeld)",
        "14",
        Decimal("250.00"),
        "GGZ",
        False,
        31,
    ),
)
YEAR = 2023
#: The highest standard budget a medical referrer may choose (IJsselland 2023, budget 5).
MEDISCH_MAX = Decimal("8000")
#: The mistakes the generator injects, with the check that should find each.
MISTAKES = (
    ("bsn_elfproef", "PM002"),
    ("bsn_voorloopnul", "PM022"),
    ("onbekende_code", "PM004"),
    ("geen_toewijzing", "PM005"),
    ("buiten_periode", "PM007"),
    ("tarief_vorig_jaar", "PM009"),
    ("bedrag_klopt_niet", "PM010"),
    ("dubbel", "PM015"),
    ("indirecte_tijd", "PM020"),
    ("decimale_komma_tekst", "PM022"),
    ("leeg_aantal", "PM001"),
    ("geen_maand", "PM014"),
)


def _valid_bsn(rng: random.Random, *, leading_zero: bool = False) -> str:
    """A random 9-digit number that passes the elfproef (none of them is a real person's)."""
    while True:
        digits = [0 if leading_zero and i == 0 else rng.randrange(10) for i in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10:
            return "".join(map(str, digits)) + str(last)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


@dataclass
class Tables:
    productie: list[list[object]]
    toewijzingen: list[list[object]]
    producten: list[list[object]]
    mistakes: dict[str, int]


def generate(rows: int, *, mistake_rate: float = 0.01, seed: int = 2023) -> Tables:
    """About `rows` production rows (monthly declarations in 2023) with matching allocations."""
    rng = random.Random(seed)
    productie: list[list[object]] = []
    toewijzingen: list[list[object]] = []
    mistakes = {name: 0 for name, _ in MISTAKES}
    child = 0
    while len(productie) < rows:
        child += 1
        # Every 7th child has a BSN starting with 0: the one Excel loses when typed as a number.
        bsn = _valid_bsn(rng, leading_zero=child % 7 == 0)
        birth = dt.date(rng.randrange(2006, 2020), rng.randrange(1, 13), rng.randrange(1, 29))
        product = PRODUCTS[rng.randrange(len(PRODUCTS))]
        start_month = rng.randrange(1, 7)
        end_month = rng.randrange(start_month + 2, 13)
        nummer = f"TW{child:07d}"
        aspecifiek = product.categorie == "45" and rng.random() < 0.5
        months = end_month - start_month + 1
        volume = product.max_per_maand * months
        budget = (product.tarief * volume).quantize(Decimal("1"))
        verwijzer = rng.choice(("Toegang", "medisch", "GI"))
        if verwijzer == "medisch" and budget > MEDISCH_MAX:
            verwijzer = "Toegang"  # a medical referrer chooses up to budget 5 (PM029)
        toewijzingen.append(
            [
                bsn,
                nummer,
                product.categorie,
                "" if aspecifiek else product.code,
                dt.date(YEAR, start_month, 1),
                _month_end(YEAR, end_month),
                # an aspecifiek allocation has a budget, no Omvang (iJw variants; PM032)
                "" if aspecifiek else volume,
                "" if aspecifiek else product.eenheid,
                "" if aspecifiek else "totaal",
                float(budget),
                "herstel",
                verwijzer,
                "",
            ]
        )
        for month in range(start_month, end_month + 1):
            if len(productie) >= rows:
                break
            aantal = rng.randrange(1, product.max_per_maand // 2 + 2)
            tarief = product.tarief
            row: list[object] = [
                bsn,
                nummer,
                product.categorie,
                product.code,
                dt.date(YEAR, month, 1),
                _month_end(YEAR, month),
                product.eenheid,
                aantal,
                float(tarief),
                float(tarief * aantal),
                birth,
                "direct",
                "",
                "nee",
            ]
            if rng.random() < mistake_rate:
                name = MISTAKES[rng.randrange(len(MISTAKES))][0]
                if _inject(name, row, rng, productie):
                    mistakes[name] += 1
            productie.append(row)
    producten = [
        [
            p.categorie,
            p.code,
            p.omschrijving,
            p.eenheid,
            float(p.tarief),
            dt.date(YEAR, 1, 1),
            dt.date(YEAR, 12, 31),
            p.domein,
            "nee",
            "ja" if p.alleen_direct else "nee",
        ]
        for p in PRODUCTS
    ]
    return Tables(productie, toewijzingen, producten, mistakes)


def _inject(name: str, row: list[object], rng: random.Random, earlier: list[list[object]]) -> bool:
    """Change `row` to carry one mistake; False when the mistake does not apply to this row."""
    if name == "bsn_elfproef":
        bsn = str(row[0])
        row[0] = bsn[:-1] + str((int(bsn[-1]) + 1) % 10)
    elif name == "bsn_voorloopnul":
        # A BSN starting with 0 typed as a number: Excel keeps 8 digits.
        if not str(row[0]).startswith("0"):
            return False
        row[0] = int(str(row[0]))
    elif name == "onbekende_code":
        row[3] = "45X99"
    elif name == "geen_toewijzing":
        row[1] = f"TW9{rng.randrange(10**6):06d}"
    elif name == "buiten_periode":
        row[4] = dt.date(YEAR + 1, 1, 1)
        row[5] = dt.date(YEAR + 1, 1, 31)
    elif name == "tarief_vorig_jaar":
        # 2022's tariff: the 2023 tariff before an (illustrative) index step.
        tarief = (Decimal(str(row[8])) - Decimal("0.01")).max(Decimal("0.01"))
        row[8] = float(tarief)
        row[9] = float(tarief * Decimal(str(row[7])))
    elif name == "bedrag_klopt_niet":
        row[9] = float(Decimal(str(row[9])) + Decimal("1.00"))
    elif name == "dubbel":
        if not earlier or earlier[-1][0] != row[0]:
            return False
        row[:] = list(earlier[-1])
    elif name == "indirecte_tijd":
        if row[3] != "45L01":
            return False
        row[11] = "indirect"
    elif name == "decimale_komma_tekst":
        row[8] = f"{Decimal(str(row[8])):.2f}".replace(".", ",")
    elif name == "leeg_aantal":
        row[7] = None
        row[9] = None
    elif name == "geen_maand":
        start = row[4]
        assert isinstance(start, dt.date)
        row[5] = start + dt.timedelta(days=40)
    else:  # pragma: no cover - MISTAKES and this function are kept in step by a test
        raise ValueError(name)
    return True


def write_workbook(path: Path, tables: Tables, *, title_rows: bool = True) -> None:
    """Write the three sheets with xlsxwriter (constant memory: fit for a million rows)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
    )
    # Fixed properties so that a rebuild is byte-identical.
    workbook.set_properties(
        {"title": "Productiemonitor", "author": "jeugdhulp", "created": dt.datetime(2023, 1, 1)}
    )
    date_fmt = workbook.add_format({"num_format": "dd-mm-yyyy"})
    euro_fmt = workbook.add_format({"num_format": "#,##0.00"})
    bold = workbook.add_format({"bold": True})
    for name, headers, rows, money_cols in (
        ("Productie", PRODUCTIE_HEADERS, tables.productie, {8, 9}),
        ("Toewijzingen", TOEWIJZINGEN_HEADERS, tables.toewijzingen, {9}),
        ("Producten", PRODUCTEN_HEADERS, tables.producten, {4}),
    ):
        sheet = workbook.add_worksheet(name)
        first = 0
        if title_rows and name == "Productie":
            sheet.write(0, 0, "Productiemonitor jeugdhulp 2023 (voorbeeld)", bold)
            sheet.write(1, 0, "Aanbieder: Voorbeeldzorg B.V.")
            first = 3
        for col, header in enumerate(headers):
            sheet.write_string(first, col, header, bold)
        sheet.set_column(0, len(headers) - 1, 14)
        for r, row in enumerate(rows, start=first + 1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(
                        r, c, dt.datetime(value.year, value.month, value.day), date_fmt
                    )
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, c, value, euro_fmt if c in money_cols else None)
                else:
                    sheet.write_string(r, c, str(value))
    workbook.close()


def generate_example(rows: int = 80, *, seed: int = 7) -> Tables:
    """A small workbook with every kind of mistake exactly once, spread over the rows."""
    tables = generate(rows, mistake_rate=0.0, seed=seed)
    rng = random.Random(seed)
    step = max(rows // (len(MISTAKES) + 1), 1)
    used: set[int] = set()
    for number, (name, _check) in enumerate(MISTAKES, start=1):
        nominal = number * step
        order = [*range(nominal, rows), *range(1, nominal)]
        for index in order:
            if index in used or index - 1 in used:
                continue
            if _inject(name, tables.productie[index], rng, tables.productie[:index]):
                tables.mistakes[name] += 1
                used.add(index)
                break
    return tables
