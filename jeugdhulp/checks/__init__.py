"""The check catalogue over a production workbook and its allocation list, as polars expressions.

Each check is one declaration (`CATALOGUE`, in id order) with its id, ernst, iJw rule, return
code, Dutch title and a docstring in three parts; `catalogue_markdown()` generates the list the
users read (`docs/controles.md`) from those declarations. `run_checks` evaluates every
applicable check over the typed frames of `jeugdhulp.schema` (the shared lookups joined once,
the checks themselves collected together in one lazy query) and returns the findings with
exactly the columns of `jeugdhulp.findings.FINDING_FIELDS`. The checks up to PM028 report on
the production sheets (PM022 and PM023 also on the allocation and product lists), PM029-PM032
on the allocation list. All production sheets of a workbook are checked as one table
(`combine_sheets`); `declared_amounts` gives the declared total, credits subtracted.

>>> [c.id for c in CATALOGUE][:3], [c.id for c in CATALOGUE if c.tabel == "toewijzingen"]
(['PM001', 'PM002', 'PM003'], ['PM029', 'PM030', 'PM031', 'PM032'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from jeugdhulp.checks import (  # noqa: F401 (register)
    invoer,
    lezen,
    productlijst,
    toewijzing,
    toewijzingslijst,
    trajecten,
)
from jeugdhulp.checks._base import (
    CATALOGUE,
    DOC_SECTIONS,
    RESULT_SCHEMA,
    TABELLEN,
    Check,
    Context,
    combine_sheets,
    credit_line,
    dutch_number,
    elfproef,
    euro,
    sheet_and_row,
    tarief_per_minuut_units,
)
from jeugdhulp.checks.lezen import leesinformatie
from jeugdhulp.findings import FINDING_FIELDS
from jeugdhulp.profile import Profile
from jeugdhulp.schema import TableInfo

__all__ = [
    "CATALOGUE",
    "DOC_SECTIONS",
    "FINDING_SCHEMA",
    "KOLOMMEN",
    "Check",
    "Kolommen",
    "catalogue_markdown",
    "check_plan",
    "combine_sheets",
    "declared_amounts",
    "dutch_number",
    "elfproef",
    "euro",
    "herstel_markdown",
    "run_checks",
    "tarief_per_minuut_units",
]

#: Columns and types of a findings frame (`jeugdhulp.findings.FINDING_FIELDS`, in that order).
FINDING_SCHEMA: dict[str, pl.DataType] = {
    name: (pl.Int64() if name == "rij" else pl.String()) for name in FINDING_FIELDS
}


@dataclass(frozen=True)
class Kolommen:
    """The production columns a check needs to find anything: each group in `nodig` is a set of
    alternatives, one of which the sheet must have ("aantal" is also given by quantity columns
    such as Minuten; "@producten" by a product list). `tekort`: without them the file is not
    fully checked (a gap: "overgeslagen"); otherwise the check simply does not apply to such a
    workbook ("niet van toepassing": no birth dates, no age check)."""

    nodig: tuple[tuple[str, ...], ...]
    tekort: bool


#: Per check the production columns it needs (`Kolommen`); a check not listed needs only the
#: required columns, whose absence PM001 reports itself. From the checks' own code: without
#: these columns each finds nothing (PM009: no declared tariff; PM010: no amount, or neither a
#: tariff nor a product list to compute it with; PM012 sums the amounts, else quantity x tariff).
KOLOMMEN: dict[str, Kolommen] = {
    "PM009": Kolommen((("tarief",),), tekort=False),
    "PM010": Kolommen((("bedrag",), ("aantal",), ("tarief", "@producten")), tekort=True),
    "PM011": Kolommen((("aantal",),), tekort=True),
    "PM012": Kolommen((("bedrag", "aantal"),), tekort=True),
    "PM016": Kolommen((("geboortedatum",),), tekort=False),
    "PM019": Kolommen((("overgangsclient",),), tekort=False),
    "PM020": Kolommen((("soort_tijd",),), tekort=False),
    "PM027": Kolommen((("referentienummer",),), tekort=False),
    "PM028": Kolommen((("vorig_referentienummer",),), tekort=False),
}


def _missing_columns(check_id: str, productie: TableInfo, has_products: bool) -> list[str]:
    """The groups of `KOLOMMEN[check_id]` the sheet lacks, each as its headers ("Bedrag")."""
    from jeugdhulp.columns import QUANTITY_COLUMNS, column

    need = KOLOMMEN.get(check_id)
    if need is None:
        return []
    present = set(productie.kolommen)
    if present & {q.naam for q in QUANTITY_COLUMNS}:
        present.add("aantal")
    if has_products:
        present.add("@producten")
    missing = []
    for group in need.nodig:
        if not present.intersection(group):
            names = [
                "productenlijst" if n == "@producten" else f"kolom {column('productie', n).kop}"
                for n in group
            ]
            missing.append(" of ".join(names))
    return missing


def check_plan(
    toewijzingen: TableInfo | None,
    producten: TableInfo | None,
    profile: Profile,
    productie: TableInfo | Sequence[TableInfo] | None = None,
) -> list[tuple[Check, str | None]]:
    """Every check with why it does not run (Dutch), or None when it runs.

    A check that needs allocations or products is skipped, not failed, when they are absent;
    a check switched off in the profile (`controles.uit`, or its own switch) is not run, nor is
    one that does not apply under the profile (a figure it needs is not in the profile). With
    `productie` (one production sheet or several) also a check that lacks a column it needs
    (`KOLOMMEN`): "overgeslagen: geen kolom Bedrag" when that leaves the file not fully
    checked, "niet van toepassing: geen kolom Geboortedatum" when the workbook simply does not
    carry that information. Over several sheets the reason names the sheets that lack it.
    """
    has_products = producten is not None or bool(profile.producten())
    available = {"toewijzingen": toewijzingen is not None, "producten": has_products}
    sheets = [productie] if isinstance(productie, TableInfo) else list(productie or [])
    plan: list[tuple[Check, str | None]] = []
    for check in CATALOGUE:
        reason: str | None = None
        if not check.ingeschakeld(profile):
            reason = f"uitgeschakeld in regioprofiel '{profile.sleutel}'"
        elif missing := [n for n in check.nodig if not available[n]]:
            reason = "overgeslagen: geen " + " en geen ".join(
                {"toewijzingen": "toewijzingen", "producten": "productenlijst"}[n] for n in missing
            )
        elif check.van_toepassing is not None:
            reason = check.van_toepassing(profile)
        if reason is None and check.id in KOLOMMEN and sheets:
            reason = _column_reason(check.id, sheets, has_products)
        plan.append((check, reason))
    return plan


def _column_reason(check_id: str, sheets: list[TableInfo], has_products: bool) -> str | None:
    lacking = {sheet.blad: _missing_columns(check_id, sheet, has_products) for sheet in sheets}
    lacking = {blad: groups for blad, groups in lacking.items() if groups}
    if not lacking:
        return None
    kind = "overgeslagen" if KOLOMMEN[check_id].tekort else "niet van toepassing"
    groups = list(dict.fromkeys(g for found in lacking.values() for g in found))
    reason = f"{kind}: geen " + " en geen ".join(groups)
    if len(sheets) > 1:
        reason += " (blad " + ", ".join(f"'{blad}'" for blad in lacking) + ")"
    return reason


def _first_letter(info: TableInfo) -> str:
    letters = [c.letter for c in info.kolommen.values()]
    return min(letters, key=lambda x: (len(x), x)) if letters else "A"


def _located(found: pl.DataFrame, sheets: Sequence[TableInfo]) -> pl.DataFrame:
    """Findings on one table (its sheets in order) with the sheet's name, the headers as
    written and the A1 cells; `_rij` may be a combined row key (`combine_sheets`)."""
    columns = pl.DataFrame(
        [
            (index, name, info.kop, info.letter)
            for index, sheet in enumerate(sheets)
            for name, info in sheet.kolommen.items()
        ],
        schema={"_b": pl.Int64, "kolom": pl.String, "_kop": pl.String, "_letter": pl.String},
        orient="row",
    )
    names = {index: sheet.blad for index, sheet in enumerate(sheets)}
    first = {index: _first_letter(sheet) for index, sheet in enumerate(sheets)}
    sheet, row = sheet_and_row(pl.col("_rij"))
    return (
        found.with_columns(_b=sheet, _r=row)
        .join(columns, on=["_b", "kolom"], how="left")
        .select(
            "_tabel",
            "_rij",
            blad=pl.col("_b").replace_strict(names, return_dtype=pl.String),
            rij=pl.col("_r"),
            kolom=pl.col("_kop").fill_null(""),
            cel=pl.concat_str(
                pl.coalesce(
                    pl.col("_letter"),
                    pl.col("_b").replace_strict(first, return_dtype=pl.String),
                ),
                pl.col("_r").cast(pl.String),
            ),
            controle=pl.col("controle"),
            ernst=pl.col("ernst"),
            retourcode=pl.col("retourcode").fill_null(""),
            melding=pl.col("melding"),
            waarde=pl.col("waarde").fill_null(""),
        )
    )


def run_checks(
    productie: TableInfo | Sequence[TableInfo],
    toewijzingen: TableInfo | None,
    producten: TableInfo | None,
    profile: Profile,
    *,
    vandaag: dt.date | None = None,
    toewijzingen_apart: bool = False,
    producten_apart: bool = False,
) -> pl.DataFrame:
    """All applicable checks over the production sheets of one workbook (and its allocation
    list and product list): the findings, sorted by table (production, allocations, products),
    sheet, rij, controle.

    `productie` is one production sheet or all of a workbook's (production split over
    "Januari" and "Februari"): they are checked together (`combine_sheets`), so totals per
    allocation, doubles and overlaps span the sheets, and every finding names its own sheet
    and cell. `productie`, `toewijzingen` and `producten` are typed tables as
    `jeugdhulp.schema` describes; the profile's own product codes (`Profile.producten()`) are
    added to the Producten sheet. `vandaag`: the date of the check run (default today), the
    limit for product periods when the sheet has no declaration date. `toewijzingen_apart` /
    `producten_apart`: the list is a separate file shared by many workbooks; checks on the list
    then only report its rows for this workbook (the children, the codes in it).

    The findings are true to what was read (`jeugdhulp.checks.lezen.leesinformatie`): what a
    check says about a cell whose value is unknown gives way to PM023, and a finding in a
    merged range points at its anchor. The result has exactly the columns `FINDING_FIELDS`.
    """
    sheets = (productie,) if isinstance(productie, TableInfo) else tuple(productie)
    ctx = Context(
        combine_sheets(sheets),
        toewijzingen,
        producten,
        profile,
        vandaag=vandaag or dt.date.today(),
        toewijzingen_apart=toewijzingen_apart,
        bladen=sheets,
        producten_apart=producten_apart,
    )
    frames: list[pl.LazyFrame] = []
    for check, reason in check_plan(toewijzingen, producten, profile):
        if reason is not None:
            continue
        found = check.functie(ctx).select(list(RESULT_SCHEMA))
        frames.append(
            found.with_columns(
                controle=pl.lit(check.id),
                melding=pl.col("melding").fill_null(check.titel),
                ernst=pl.coalesce(pl.col("ernst"), pl.lit(check.ernst)),
                retourcode=pl.coalesce(
                    pl.col("retourcode"), pl.lit(check.retourcode.split("/")[0])
                ),
                _tabel=pl.coalesce(pl.col("_tabel"), pl.lit(check.tabel)),
            )
        )
    if not frames:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    found = pl.concat(frames, how="vertical").collect()
    tables: dict[str, Sequence[TableInfo]] = {"productie": sheets}
    if toewijzingen is not None:
        tables["toewijzingen"] = (toewijzingen,)
    if producten is not None:
        tables["producten"] = (producten,)
    located = [
        _located(found.filter(pl.col("_tabel") == name), tables[name])
        for name in TABELLEN
        if name in tables
    ]
    findings = pl.concat(located, how="vertical")
    if ctx.meerdere_per_rij:
        # A row with two units gives two lines, and a check may say the same of both.
        findings = findings.unique(maintain_order=True)
    findings = leesinformatie(findings, [t for name in TABELLEN for t in tables.get(name, ())])
    order = {name: i for i, name in enumerate(TABELLEN)}
    return (
        findings.with_columns(_t=pl.col("_tabel").replace_strict(order, return_dtype=pl.Int32))
        .sort(["_t", "_rij", "controle", "cel", "melding"])
        .select(list(FINDING_SCHEMA))
        .cast(FINDING_SCHEMA)  # type: ignore[arg-type]
    )


def declared_amounts(
    productie: TableInfo | Sequence[TableInfo], findings: pl.DataFrame
) -> tuple[Decimal, Decimal]:
    """The declared amount of a workbook's production sheets, and the part of it on rows with
    at least one fout (in euro, exact).

    A credit line (`credit_line`) subtracts its amount, written positive or negative (IV086:
    debit amounts are added, credit amounts subtracted). A row counts once (the 2017 layout
    gives a line per unit, each with the row's Bedrag); an empty or unknown Bedrag (PM023)
    counts nothing, so the total is then a lower bound. `findings` are `run_checks`'s: those on
    other sheets (the allocation list, the product list) concern no declared row.
    """
    sheets = (productie,) if isinstance(productie, TableInfo) else tuple(productie)
    fout = findings.filter(pl.col("ernst") == "fout").select("blad", pl.col("rij").alias("_rij"))
    declared = wrong = Decimal(0)
    for sheet in sheets:
        rows = sheet.frame.unique("_rij", keep="first").select(
            "_rij", "bedrag", _credit=credit_line()
        )
        on_fout = rows.join(
            fout.filter(pl.col("blad") == sheet.blad).select("_rij").unique(), on="_rij", how="semi"
        )
        declared += _signed_sum(rows)
        wrong += _signed_sum(on_fout)
    return declared, wrong


def _signed_sum(rows: pl.DataFrame) -> Decimal:
    def total(condition: pl.Expr) -> Decimal:
        value = rows.filter(condition).get_column("bedrag").sum()
        return Decimal(str(value or 0))

    credit, amount = pl.col("_credit"), pl.col("bedrag")
    return total(~credit) + total(credit & (amount < 0)) - total(credit & (amount > 0))


HERSTEL_BEGIN = "<!-- herstel: gegenereerd uit jeugdhulp.checks.herstel_markdown() -->"
HERSTEL_END = "<!-- einde herstel -->"


def herstel_markdown() -> str:
    """The README's table "how do I fix this", one row per check (id, ernst, what it means,
    what to do), between `HERSTEL_BEGIN` and `HERSTEL_END`; generated from the declarations."""
    lines = [
        HERSTEL_BEGIN,
        "| controle | ernst | wat is er mis | hoe herstelt u het |",
        "|---|---|---|---|",
    ]
    for check in CATALOGUE:
        lines.append(
            f"| [{check.id}](docs/controles.md#{check.id.lower()}) | {check.ernst} "
            f"| {check.titel} | {check.herstel or '-'} |"
        )
    lines.append(HERSTEL_END)
    return "\n".join(lines) + "\n"


def catalogue_markdown() -> str:
    """The user-facing check list (`docs/controles.md`), generated from the declarations."""
    lines = [
        "# Controles op de productiemonitor en de toewijzingen",
        "",
        "Gegenereerd uit `jeugdhulp/checks` met `jeugdhulp.checks.catalogue_markdown()`;",
        "niet met de hand bewerken. Een **fout** blokkeert betaling, een **waarschuwing** vraagt",
        "om een blik. Controles die toewijzingen of een productenlijst nodig hebben, worden",
        "overgeslagen als die ontbreken; een regioprofiel kan controles uitzetten",
        "(`controles.uit`) of een regionale controle aanzetten. De controles PM029-PM032 gaan",
        "over de lijst met toewijzingen zelf: hun bevindingen staan op het blad Toewijzingen;",
        "PM022 en PM023 melden ook op de bladen Toewijzingen en Producten. Staat de productie op",
        "meer bladen (Januari, Februari), dan tellen totalen, dubbele declaraties en overlap over",
        "alle bladen samen; elke bevinding noemt haar eigen blad en cel.",
        "",
        "| id | ernst | iJw-regel | retourcode | blad | controle |",
        "|---|---|---|---|---|---|",
    ]
    names = {"productie": "Productie", "toewijzingen": "Toewijzingen", "producten": "Producten"}

    def sheets_of(check: Check) -> str:
        return ", ".join(names[t] for t in (check.tabel, *check.ook))

    for check in CATALOGUE:
        ernst = (
            f"{check.ernst} ({check.ernst_toelichting})" if check.ernst_toelichting else check.ernst
        )
        lines.append(
            f"| [{check.id}](#{check.id.lower()}) | {ernst} | {check.ijw or '-'} "
            f"| {check.retourcode or '-'} | {sheets_of(check)} | {check.titel} |"
        )
    for check in CATALOGUE:
        lines += [
            "",
            f"## {check.id}",
            "",
            f"**{check.titel}**",
            "",
            f"- ernst: {check.ernst}"
            + (f" ({check.ernst_toelichting})" if check.ernst_toelichting else ""),
            f"- blad: {sheets_of(check)}",
            f"- iJw-regel: {check.ijw or '-'}",
            f"- retourcode: {check.retourcode or '-'}",
            f"- bron: {check.bron}",
        ]
        if check.nodig:
            lines.append(f"- nodig: {', '.join(check.nodig)}")
        if check.schakelaar:
            lines.append(f"- aan met: `controles.{check.schakelaar}` in het regioprofiel")
        if check.herstel:
            lines += ["", f"**Hoe herstel ik dit?** {check.herstel}"]
        lines += ["", check.docstring.replace("## ", "### ")]
    return "\n".join(lines) + "\n"
