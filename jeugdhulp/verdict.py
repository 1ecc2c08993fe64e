"""The verdict on one file: a status that tells the truth, and the exit code of a whole run.

One home for the rule every shell shows (console, JSON, Controle sheet, summary workbook, the
in-Excel check). Pure Python: the in-Excel check runs it in Pyodide too.

A status is one of, from worst to best:

- ``niet gecontroleerd``: the file could not be read (damaged, encrypted, no header row, ...);
- ``fouten``: at least one *fout*: not ready for payment;
- ``onvolledig``: no *fout* found, but something could not be checked: checks that did not run
  for want of data (no allocations, no product list), values the file does not give (formulas
  without a saved result, error values), rows that could not be read. Not ready for payment
  without a look;
- ``geen regels``: read, but no production rows (a header only): nothing to pay, and perhaps the
  wrong file;
- ``schoon``: every check ran on every row and found no *fout* (warnings may remain).

A check that the region profile switches off is a choice of the region, not a gap: it is listed
(what was checked) but does not make a file ``onvolledig``.

Whether the checked copy could be written is a separate fact (`niet_geschreven` of the batch
checker's `FileResult`): the findings stand either way, and the exit code says it (2).

`onvolledig_redenen` is the one home for *why* a file is onvolledig.

>>> file_status(gelezen=True, rijen=80, fouten=13, onvolledig=[])
'fouten'
>>> file_status(gelezen=True, rijen=80, fouten=0, onvolledig=["PM005 niet gecontroleerd: geen toewijzingen"])
'onvolledig'
>>> file_status(gelezen=True, rijen=0, fouten=0, onvolledig=[])
'geen regels'
>>> [run_exit_code(s) for s in (["schoon"], ["schoon", "onvolledig"], ["onvolledig", "fouten"])]
[0, 3, 1]
>>> run_exit_code(["schoon"], niet_geschreven=True), run_exit_code(["fouten", "niet gecontroleerd"])
(2, 2)
>>> onvolledig_redenen(
...     overgeslagen=[("PM005", "overgeslagen: geen toewijzingen"),
...                   ("PM013", "uitgeschakeld in regioprofiel 'ijsselland-2023'")],
...     onbekend=3, bedragen_onbekend=1)  # doctest: +NORMALIZE_WHITESPACE
['PM005 niet uitgevoerd: geen toewijzingen.',
 '3 cellen zonder bekende waarde (formule zonder opgeslagen uitkomst of foutwaarde, PM023), waarvan
  1 bedrag: het gedeclareerde bedrag is daardoor te laag.']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

NIET_GECONTROLEERD = "niet gecontroleerd"
FOUTEN = "fouten"
ONVOLLEDIG = "onvolledig"
GEEN_REGELS = "geen regels"
SCHOON = "schoon"

#: Every status, worst first.
STATUSES: tuple[str, ...] = (NIET_GECONTROLEERD, FOUTEN, ONVOLLEDIG, GEEN_REGELS, SCHOON)

#: What each status means, in the words a user reads (legends of the reports).
STATUS_UITLEG: dict[str, str] = {
    NIET_GECONTROLEERD: "het bestand kon niet gelezen worden; er is niets gecontroleerd",
    FOUTEN: "minstens één fout: niet klaar voor betaling",
    ONVOLLEDIG: (
        "geen fout gevonden, maar niet alles kon gecontroleerd worden (controles overgeslagen, "
        "formules zonder uitkomst, onleesbare regels): kijk eerst wat er ontbrak"
    ),
    GEEN_REGELS: "gelezen, maar zonder productieregels: niets te betalen, misschien het verkeerde bestand",
    SCHOON: "alle controles liepen op alle regels en vonden geen fout",
}

#: Exit codes of `jeugdhulp controleer`: 0 only when every file is schoon and everything asked
#: for was written, so a script that reads 0 as "ready for payment" is never wrong.
EXIT_SCHOON = 0
EXIT_FOUTEN = 1
EXIT_NIET_GECONTROLEERD = 2  # also: a copy or report not written, or a wrong command
EXIT_ONVOLLEDIG = 3  # no fout, but a file is onvolledig or has geen regels
EXIT_AFGEBROKEN = 130  # Ctrl-C

EXIT_UITLEG: dict[int, str] = {
    EXIT_SCHOON: "alle bestanden schoon: alles gecontroleerd, geen fouten",
    EXIT_FOUTEN: "minstens één bestand met fouten",
    EXIT_NIET_GECONTROLEERD: (
        "een bestand kon niet gecontroleerd worden, een gecontroleerde kopie of rapport kon niet "
        "geschreven worden, of de opdracht was onjuist"
    ),
    EXIT_ONVOLLEDIG: (
        "geen fouten, maar niet alles kon gecontroleerd worden (onvolledig, geen regels, of "
        "submappen niet doorzocht)"
    ),
    EXIT_AFGEBROKEN: "afgebroken (Ctrl-C)",
}


def file_status(*, gelezen: bool, rijen: int, fouten: int, onvolledig: Sequence[str]) -> str:
    """The status of one file.

    `gelezen`: the file was read; `rijen`: production rows read; `fouten`: number of *fout*
    findings; `onvolledig`: Dutch reasons why something could not be checked (empty when
    everything was checked). Fouten outrank onvolledig: a file with fouten is not ready whatever
    else is missing (the reasons are still shown beside the status).
    """
    if not gelezen:
        return NIET_GECONTROLEERD
    if fouten:
        return FOUTEN
    if rijen == 0:
        return GEEN_REGELS
    if onvolledig:
        return ONVOLLEDIG
    return SCHOON


def run_exit_code(
    statuses: Iterable[str], *, niet_geschreven: bool = False, niet_doorzocht: bool = False
) -> int:
    """The exit code of a run over files with these statuses.

    `niet_geschreven`: a checked copy or a report that was asked for could not be written.
    `niet_doorzocht`: workbooks may have been left out (subfolders not searched without
    --recursief), so the run is at best onvolledig, never "alles gecontroleerd".
    Precedence: 2 (not checked, not written) over 1 (fouten) over 3 (onvolledig, geen regels)
    over 0 (all schoon). A run over no files at all is 2 (nothing was checked).
    """
    seen = set(statuses)
    if not seen or NIET_GECONTROLEERD in seen or niet_geschreven:
        return EXIT_NIET_GECONTROLEERD
    if FOUTEN in seen:
        return EXIT_FOUTEN
    if seen & {ONVOLLEDIG, GEEN_REGELS} or niet_doorzocht:
        return EXIT_ONVOLLEDIG
    return EXIT_SCHOON


#: How a skipped check's reason starts when the skip is the region's choice, not a gap: the
#: profile switches the check off, or the check does not apply under it (`check_plan`).
_CHOICES = ("uitgeschakeld in regioprofiel", "niet van toepassing")


def is_keuze(reden: str) -> bool:
    """Whether a check was skipped by the region's choice (switched off in the profile, or not
    applicable under it) rather than for want of data. Unknown reasons count as a gap, so that
    a new kind of skip can never make a file look schoon."""
    return reden.startswith(_CHOICES)


def onvolledig_redenen(
    *,
    overgeslagen: Sequence[tuple[str, str]] = (),
    onbekend: int = 0,
    bedragen_onbekend: int = 0,
) -> list[str]:
    """Why a file that was read is onvolledig (Dutch sentences; empty: everything was checked).

    - `overgeslagen`: (check id, reason) of every check that did not run (`check_plan`); those
      skipped for want of data (no allocations, no product list) are gaps, grouped by reason;
      the region's choices (`is_keuze`) are not;
    - `onbekend`: production cells whose value the file does not give (formulas without a saved
      result, error values: PM023); `bedragen_onbekend`: how many of them are amounts.
    """
    reasons: list[str] = []
    gaps: dict[str, list[str]] = {}
    for check, reden in overgeslagen:
        if not is_keuze(reden):
            gaps.setdefault(re.sub(r"^overgeslagen:\s*", "", reden), []).append(check)
    for reden, checks in gaps.items():
        reasons.append(f"{', '.join(checks)} niet uitgevoerd: {reden}.")
    if onbekend:
        cells = "cel" if onbekend == 1 else "cellen"
        text = (
            f"{onbekend} {cells} zonder bekende waarde (formule zonder opgeslagen uitkomst of "
            "foutwaarde, PM023)"
        )
        if bedragen_onbekend:
            amounts = "bedrag" if bedragen_onbekend == 1 else "bedragen"
            text += (
                f", waarvan {bedragen_onbekend} {amounts}: het gedeclareerde bedrag is daardoor "
                "te laag"
            )
        reasons.append(text + ".")
    return reasons
