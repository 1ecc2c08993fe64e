"""The check catalogue over a production workbook and its allocation list, as polars expressions.

Each check is one declaration (`CATALOGUE`, in id order) with its id, ernst, iJw rule, return
code, Dutch title and a docstring in three parts; `catalogue_markdown()` generates the list the
users read (`docs/controles.md`) from those declarations. `run_checks` evaluates every
applicable check over the typed frames of `jeugdhulp.schema` (the shared lookups joined once,
the checks themselves collected together in one lazy query) and returns the findings with
exactly the columns of `jeugdhulp.findings.FINDING_FIELDS`. The checks up to PM028 report on
the production sheet, PM029-PM032 on the allocation list.

>>> [c.id for c in CATALOGUE][:3], [c.id for c in CATALOGUE if c.tabel == "toewijzingen"]
(['PM001', 'PM002', 'PM003'], ['PM029', 'PM030', 'PM031', 'PM032'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

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
    Check,
    Context,
    dutch_number,
    elfproef,
    euro,
    tarief_per_minuut_units,
)
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
    "dutch_number",
    "elfproef",
    "euro",
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


def _located(frames: list[pl.LazyFrame], info: TableInfo) -> pl.LazyFrame:
    """Findings of one sheet with its name, the headers as written and the A1 cells."""
    columns = pl.LazyFrame(
        {
            "kolom": list(info.kolommen),
            "_kop": [c.kop for c in info.kolommen.values()],
            "_letter": [c.letter for c in info.kolommen.values()],
        },
        schema={"kolom": pl.String, "_kop": pl.String, "_letter": pl.String},
    )
    return (
        pl.concat(frames, how="vertical")
        .join(columns, on="kolom", how="left")
        .select(
            blad=pl.lit(info.blad),
            rij=pl.col("_rij"),
            kolom=pl.col("_kop").fill_null(""),
            cel=pl.concat_str(pl.col("_letter").fill_null(_first_letter(info)), pl.col("_rij")),
            controle=pl.col("controle"),
            ernst=pl.col("ernst"),
            retourcode=pl.col("retourcode").fill_null(""),
            melding=pl.col("melding"),
            waarde=pl.col("waarde").fill_null(""),
        )
    )


def run_checks(
    productie: TableInfo,
    toewijzingen: TableInfo | None,
    producten: TableInfo | None,
    profile: Profile,
    *,
    vandaag: dt.date | None = None,
    toewijzingen_apart: bool = False,
) -> pl.DataFrame:
    """All applicable checks over one production sheet (and its allocation list): the findings,
    sorted by sheet (production first), rij, controle.

    `productie`, `toewijzingen` and `producten` are typed tables as `jeugdhulp.schema`
    describes; the profile's own product codes (`Profile.producten()`) are added to the
    Producten sheet. `vandaag`: the date of the check run (default today), the limit for
    product periods when the sheet has no declaration date. `toewijzingen_apart`: the allocation
    list is a separate file shared by many workbooks; checks on the list then only report the
    allocations of the children in this production sheet. The result has exactly the columns
    `FINDING_FIELDS`.
    """
    ctx = Context(
        productie,
        toewijzingen,
        producten,
        profile,
        vandaag=vandaag or dt.date.today(),
        toewijzingen_apart=toewijzingen_apart,
    )
    per_table: dict[str, list[pl.LazyFrame]] = {"productie": [], "toewijzingen": []}
    for check, reason in check_plan(toewijzingen, producten, profile):
        if reason is not None:
            continue
        found = check.functie(ctx).select(list(RESULT_SCHEMA))
        per_table[check.tabel].append(
            found.with_columns(
                controle=pl.lit(check.id),
                melding=pl.col("melding").fill_null(check.titel),
                ernst=pl.coalesce(pl.col("ernst"), pl.lit(check.ernst)),
                retourcode=pl.coalesce(
                    pl.col("retourcode"), pl.lit(check.retourcode.split("/")[0])
                ),
            )
        )
    located: list[pl.LazyFrame] = []
    if per_table["productie"]:
        located.append(_located(per_table["productie"], productie).with_columns(_tabel=pl.lit(0)))
    if per_table["toewijzingen"] and toewijzingen is not None:
        located.append(
            _located(per_table["toewijzingen"], toewijzingen).with_columns(_tabel=pl.lit(1))
        )
    if not located:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    findings = (
        pl.concat(located, how="vertical")
        .sort(["_tabel", "rij", "controle", "cel", "melding"])
        .drop("_tabel")
    )
    return findings.collect().cast(FINDING_SCHEMA)  # type: ignore[arg-type]


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
        "over de lijst met toewijzingen zelf: hun bevindingen staan op het blad Toewijzingen.",
        "",
        "| id | ernst | iJw-regel | retourcode | blad | controle |",
        "|---|---|---|---|---|---|",
    ]
    sheets = {"productie": "Productie", "toewijzingen": "Toewijzingen"}
    for check in CATALOGUE:
        ernst = (
            f"{check.ernst} ({check.ernst_toelichting})" if check.ernst_toelichting else check.ernst
        )
        lines.append(
            f"| [{check.id}](#{check.id.lower()}) | {ernst} | {check.ijw or '-'} "
            f"| {check.retourcode or '-'} | {sheets[check.tabel]} | {check.titel} |"
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
            f"- blad: {sheets[check.tabel]}",
            f"- iJw-regel: {check.ijw or '-'}",
            f"- retourcode: {check.retourcode or '-'}",
            f"- bron: {check.bron}",
        ]
        if check.nodig:
            lines.append(f"- nodig: {', '.join(check.nodig)}")
        if check.schakelaar:
            lines.append(f"- aan met: `controles.{check.schakelaar}` in het regioprofiel")
        lines += ["", check.docstring.replace("## ", "### ")]
    return "\n".join(lines) + "\n"
