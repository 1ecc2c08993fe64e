"""The check catalogue PM001-PM022 over a production workbook, as polars expressions.

Each check is one declaration (`CATALOGUE`, in id order) with its id, ernst, iJw rule, return
code, Dutch title and a docstring in three parts; `catalogue_markdown()` generates the list the
users read (`docs/controles.md`) from those declarations. `run_checks` evaluates every
applicable check over the typed frames of `jeugdhulp.schema` (the shared lookups joined once,
the checks themselves collected together in one lazy query) and returns the findings with
exactly the columns of `jeugdhulp.findings.FINDING_FIELDS`.

>>> [c.id for c in CATALOGUE][:3], len(CATALOGUE)
(['PM001', 'PM002', 'PM003'], 23)
"""

from __future__ import annotations

import polars as pl

from jeugdhulp.checks import invoer, lezen, productlijst, toewijzing, trajecten  # noqa: F401 (register)
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
    "Check",
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


def check_plan(
    toewijzingen: TableInfo | None,
    producten: TableInfo | None,
    profile: Profile,
) -> list[tuple[Check, str | None]]:
    """Every check with why it does not run (Dutch), or None when it runs.

    A check that needs allocations or products is skipped, not failed, when they are absent;
    a check switched off in the profile (`controles.uit`, or its own switch) is not run.
    """
    has_products = producten is not None or bool(profile.producten())
    available = {"toewijzingen": toewijzingen is not None, "producten": has_products}
    plan: list[tuple[Check, str | None]] = []
    for check in CATALOGUE:
        reason: str | None = None
        if not check.ingeschakeld(profile):
            reason = f"uitgeschakeld in regioprofiel '{profile.sleutel}'"
        elif missing := [n for n in check.nodig if not available[n]]:
            reason = "overgeslagen: geen " + " en geen ".join(
                {"toewijzingen": "toewijzingen", "producten": "productenlijst"}[n] for n in missing
            )
        plan.append((check, reason))
    return plan


def _first_letter(info: TableInfo) -> str:
    letters = [c.letter for c in info.kolommen.values()]
    return min(letters, key=lambda x: (len(x), x)) if letters else "A"


def run_checks(
    productie: TableInfo,
    toewijzingen: TableInfo | None,
    producten: TableInfo | None,
    profile: Profile,
) -> pl.DataFrame:
    """All applicable checks over one production sheet: the findings, sorted by rij, controle.

    `productie`, `toewijzingen` and `producten` are typed tables as `jeugdhulp.schema`
    describes; the profile's own product codes (`Profile.producten()`) are added to the
    Producten sheet. The result has exactly the columns `FINDING_FIELDS`.
    """
    ctx = Context(productie, toewijzingen, producten, profile)
    frames: list[pl.LazyFrame] = []
    for check, reason in check_plan(toewijzingen, producten, profile):
        if reason is not None:
            continue
        found = check.functie(ctx).select(list(RESULT_SCHEMA))
        frames.append(
            found.with_columns(
                controle=pl.lit(check.id),
                melding=pl.col("melding").fill_null(check.titel),
                ernst=pl.lit(check.ernst),
                retourcode=pl.coalesce(
                    pl.col("retourcode"), pl.lit(check.retourcode.split("/")[0])
                ),
            )
        )
    if not frames:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    columns = pl.LazyFrame(
        {
            "kolom": list(productie.kolommen),
            "_kop": [c.kop for c in productie.kolommen.values()],
            "_letter": [c.letter for c in productie.kolommen.values()],
        },
        schema={"kolom": pl.String, "_kop": pl.String, "_letter": pl.String},
    )
    findings = (
        pl.concat(frames, how="vertical")
        .join(columns, on="kolom", how="left")
        .select(
            blad=pl.lit(productie.blad),
            rij=pl.col("_rij"),
            kolom=pl.col("_kop").fill_null(""),
            cel=pl.concat_str(
                pl.col("_letter").fill_null(_first_letter(productie)), pl.col("_rij")
            ),
            controle=pl.col("controle"),
            ernst=pl.col("ernst"),
            retourcode=pl.col("retourcode").fill_null(""),
            melding=pl.col("melding"),
            waarde=pl.col("waarde").fill_null(""),
        )
        .sort(["rij", "controle", "cel", "melding"])
    )
    return findings.collect().cast(FINDING_SCHEMA)  # type: ignore[arg-type]


def catalogue_markdown() -> str:
    """The user-facing check list (`docs/controles.md`), generated from the declarations."""
    lines = [
        "# Controles op de productiemonitor",
        "",
        "Gegenereerd uit `jeugdhulp/checks` met `jeugdhulp.checks.catalogue_markdown()`;",
        "niet met de hand bewerken. Een **fout** blokkeert betaling, een **waarschuwing** vraagt",
        "om een blik. Controles die toewijzingen of een productenlijst nodig hebben, worden",
        "overgeslagen als die ontbreken; een regioprofiel kan controles uitzetten",
        "(`controles.uit`) of een regionale controle aanzetten.",
        "",
        "| id | ernst | iJw-regel | retourcode | controle |",
        "|---|---|---|---|---|",
    ]
    for check in CATALOGUE:
        lines.append(
            f"| [{check.id}](#{check.id.lower()}) | {check.ernst} | {check.ijw or '-'} "
            f"| {check.retourcode or '-'} | {check.titel} |"
        )
    for check in CATALOGUE:
        lines += [
            "",
            f"## {check.id}",
            "",
            f"**{check.titel}**",
            "",
            f"- ernst: {check.ernst}",
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
