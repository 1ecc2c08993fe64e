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

Whether the checked copy could be written is a separate fact (`Verdict.niet_geschreven`): the
findings stand either way.

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
"""

from __future__ import annotations

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
    EXIT_ONVOLLEDIG: "geen fouten, maar niet alles kon gecontroleerd worden (onvolledig, of geen regels)",
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


def run_exit_code(statuses: Iterable[str], *, niet_geschreven: bool = False) -> int:
    """The exit code of a run over files with these statuses.

    `niet_geschreven`: a checked copy or a report that was asked for could not be written.
    Precedence: 2 (not checked, not written) over 1 (fouten) over 3 (onvolledig, geen regels)
    over 0 (all schoon). A run over no files at all is 2 (nothing was checked).
    """
    seen = set(statuses)
    if not seen or NIET_GECONTROLEERD in seen or niet_geschreven:
        return EXIT_NIET_GECONTROLEERD
    if FOUTEN in seen:
        return EXIT_FOUTEN
    if seen & {ONVOLLEDIG, GEEN_REGELS}:
        return EXIT_ONVOLLEDIG
    return EXIT_SCHOON


def onvolledig_redenen(overgeslagen: Iterable[tuple[str, str]], onbekend: int = 0) -> list[str]:
    """Why a file is onvolledig (Dutch, one reason per line; empty when everything was checked).

    `overgeslagen`: (check id, reason) of the checks that did not run, as
    `jeugdhulp.checks.check_plan` gives them; a check switched off in the region profile is the
    region's choice, not a gap, and is left out. `onbekend`: cells of production rows whose value
    the file does not give (formulas without a saved result, error values).

    >>> onvolledig_redenen([("PM005", "overgeslagen: geen toewijzingen"),
    ...                     ("PM013", "uitgeschakeld in regioprofiel 'x'")], onbekend=1)
    ['1 controle niet uitgevoerd (overgeslagen: geen toewijzingen): PM005', '1 cel zonder waarde (formule zonder opgeslagen uitkomst, of een foutwaarde): die regels zijn niet volledig gecontroleerd']
    """
    per_reden: dict[str, list[str]] = {}
    for check_id, reden in overgeslagen:
        if not reden.startswith("uitgeschakeld in regioprofiel"):
            per_reden.setdefault(reden, []).append(check_id)
    redenen = []
    for reden, ids in per_reden.items():
        woord = "controle" if len(ids) == 1 else "controles"
        redenen.append(f"{len(ids)} {woord} niet uitgevoerd ({reden}): {', '.join(ids)}")
    if onbekend:
        cellen = "1 cel" if onbekend == 1 else f"{onbekend:,} cellen".replace(",", ".")
        redenen.append(
            f"{cellen} zonder waarde (formule zonder opgeslagen uitkomst, of een foutwaarde): "
            "die regels zijn niet volledig gecontroleerd"
        )
    return redenen
