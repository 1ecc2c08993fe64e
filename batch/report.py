"""Reports of a run over many files: the JSON report, the backoffice summary workbook, masking."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import BinaryIO

import polars as pl

from batch.files import atomic_write, shown
from batch.run import FileResult
from jeugdhulp.findings import FINDING_FIELDS

_BSN_LIKE = re.compile(r"(?<!\d)\d{8,9}(?!\d)")


def mask_bsn(text: str) -> str:
    """Hide BSN-like numbers in console output, keeping the last three digits.

    >>> mask_bsn("BSN 111222333 faalt de elfproef; 11222333 miste de voorloopnul")
    'BSN ******333 faalt de elfproef; *****333 miste de voorloopnul'
    """
    return _BSN_LIKE.sub(lambda m: "*" * (len(m.group()) - 3) + m.group()[-3:], text)


def _amount(amount: object) -> str | None:
    """An amount for the JSON report: its exact text, or null when unknown."""
    return None if amount is None else str(amount)


def file_entry(result: FileResult) -> dict[str, object]:
    return {
        "bestand": shown(result.bestand),
        "status": result.status,
        "melding": shown(result.melding),
        "rijen": result.rijen,
        "fouten": result.fouten,
        "waarschuwingen": result.waarschuwingen,
        # null: unknown (a production sheet has no Bedrag column)
        "bedrag_gedeclareerd": _amount(result.bedrag_gedeclareerd),
        "bedrag_met_fout": _amount(result.bedrag_met_fout),
        "uitvoer": shown(result.uitvoer) if result.uitvoer else None,
        "bevindingen": result.bevindingen.select(FINDING_FIELDS).to_dicts(),
        "gelezen": [blad.as_dict() for blad in result.gelezen],
        "meldingen": list(result.meldingen),
        "overgeslagen": [
            {"controle": controle, "reden": reden} for controle, reden in result.overgeslagen
        ],
        "onbekend": result.onbekend,
        "bedragen_onbekend": result.bedragen_onbekend,
    }


def write_json(
    path: Path,
    results: list[FileResult],
    *,
    profiel: str,
    started: dt.datetime,
    meldingen: list[str] | None = None,
) -> None:
    """`{"bestanden": [...]}` with every finding; BSNs are not masked (the file is for the backoffice).

    Per file also what was read (`gelezen`, see `jeugdhulp.schema.BladGelezen`) and the file's
    notes; `meldingen`: the run's own notes (subfolders not searched).
    """
    report = {
        "profiel": profiel,
        "gecontroleerd_op": started.isoformat(timespec="seconds"),
        "meldingen": list(meldingen or []),
        "bestanden": [file_entry(r) for r in results],
    }
    # `shown` over the whole text: any field may carry a file name that is not UTF-8.
    data = shown(json.dumps(report, ensure_ascii=False, indent=2)).encode("utf-8")
    atomic_write(path, lambda handle: handle.write(data))


def write_summary_workbook(
    path: Path, results: list[FileResult], *, profiel: str, started: dt.datetime
) -> None:
    """One row per file plus all findings, for the backoffice (xlsxwriter, written atomically)."""
    atomic_write(path, lambda handle: _summary_workbook(handle, results, profiel, started))


def _summary_workbook(
    handle: BinaryIO, results: list[FileResult], profiel: str, started: dt.datetime
) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        handle,
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "€ #,##0.00"})
    files = workbook.add_worksheet("Bestanden")
    files.write(
        0, 0, f"Controle productiemonitors, profiel {profiel}, {started:%d-%m-%Y %H:%M}", bold
    )
    headers = (
        "Bestand",
        "Status",
        "Melding",
        "Rijen",
        "Fouten",
        "Waarschuwingen",
        "Bedrag gedeclareerd",
        "Bedrag met fout",
        "Gecontroleerd bestand",
    )
    files.write_row(2, 0, headers, bold)
    for row, result in enumerate(results, start=3):
        files.write_string(row, 0, shown(result.bestand))
        files.write_string(row, 1, result.status)
        files.write_string(row, 2, shown(result.melding))
        files.write_number(row, 3, result.rijen)
        files.write_number(row, 4, result.fouten)
        files.write_number(row, 5, result.waarschuwingen)
        for column, amount in ((6, result.bedrag_gedeclareerd), (7, result.bedrag_met_fout)):
            if amount is None:
                files.write_string(row, column, "onbekend")
            else:
                files.write_number(row, column, float(amount), money)
        files.write_string(row, 8, shown(result.uitvoer or ""))
    files.autofilter(2, 0, 2 + len(results), len(headers) - 1)
    files.freeze_panes(3, 0)
    files.set_column(0, 0, 48)
    files.set_column(1, 1, 18)
    files.set_column(2, 2, 60)
    files.set_column(3, 5, 14)
    files.set_column(6, 7, 20)
    files.set_column(8, 8, 48)

    findings = workbook.add_worksheet("Bevindingen")
    columns = ("bestand", *FINDING_FIELDS)
    findings.write_row(0, 0, [c.capitalize() for c in columns], bold)
    row = 1
    for result in results:
        for record in result.bevindingen.select(FINDING_FIELDS).iter_rows():
            findings.write_string(row, 0, shown(result.bestand.name))
            for col, value in enumerate(record, start=1):
                if isinstance(value, int):
                    findings.write_number(row, col, value)
                else:
                    findings.write_string(row, col, "" if value is None else str(value))
            row += 1
    findings.autofilter(0, 0, max(row - 1, 1), len(columns) - 1)
    findings.freeze_panes(1, 0)
    findings.set_column(0, 0, 32)
    findings.set_column(1, 6, 12)
    findings.set_column(8, 8, 80)
    findings.set_column(9, 9, 24)
    workbook.close()


def findings_per_check(results: list[FileResult]) -> pl.DataFrame:
    frames = [r.bevindingen.select("controle", "ernst") for r in results if r.bevindingen.height]
    if not frames:
        return pl.DataFrame(schema={"controle": pl.String, "ernst": pl.String, "aantal": pl.UInt32})
    return (
        pl.concat(frames)
        .group_by("controle", "ernst")
        .agg(pl.len().alias("aantal"))
        .sort("controle")
    )
