"""The cell shell of the Excel functions: read cells, broadcast ranges, write results and errors.

`excel_functie` turns a function of single values into an xlwings custom function that accepts a
cell or a range for every argument (numpy-like broadcasting of 2-D lists), calls the function once
per cell and returns a scalar for a single cell or a 2-D list that Excel spills.

Errors. Bad input in one cell gives that cell the text ``"#WAARDE! <uitleg>"`` and the rest of
the array still computes. Neither runtime can do better today:

* Office.js (xlwings Server, xlwings Lite): the only per-cell error xlwings can send is the data
  type ``{"type": "Error", "errorType": "Value"}`` (xlwings turns the exact text ``"#VALUE!"`` into
  it, `xlwings.pro._xlofficejs.errorstr_to_errortype`), and that JSON has no field for a message
  (Excel.ValueErrorCellValue only knows a fixed `errorSubType`). A message is only possible with
  a JavaScript ``CustomFunctions.Error``, which xlwings' JavaScript builds only when the call as a
  whole fails, and that replaces the whole spilled array by one error.
* Classic xlwings (COM): a string is written as text, and a failed call shows the Python
  traceback as text in the cell.

So the message is the priority: a user sees what to fix in the cell itself. The price: the cell
is text, so ``=SOM()`` over a spill skips it; ``=AANTAL.ALS(bereik;"#*")`` counts such cells. Set
the environment variable ``JEUGDHULP_FOUTWAARDE=excel`` to get real ``#WAARDE!`` errors without
the explanation instead (Office.js only; classic xlwings still shows the text ``#VALUE!``).

Empty cells: a cell whose arguments (apart from `profiel`) are all empty gives an empty result,
so a formula over a whole column with trailing blank rows stays clean; when only some are empty,
the function decides (optional parts may be empty, a required one gives an error naming it).
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import xlwings as xw

from jeugdhulp.errors import JeugdhulpError, OngeldigeInvoer, OntbrekendeInvoer
from jeugdhulp.parse import is_empty, parse_bool, parse_date, parse_decimal
from jeugdhulp.profile import Profile, load_profile

#: What Excel sends for one cell (Office.js: JSON values; classic: COM values).
Cel = float | int | str | bool | dt.date | dt.datetime | None
#: What a function gives back for one cell, before it goes to Excel.
Waarde = Decimal | float | int | str | bool | dt.date | None

FOUT = "#WAARDE!"
#: How a number typed as text is read, for the help of every number argument.
GETAL_ALS_TEKST = " Als tekst: punt = duizendtallen, komma = decimalen (7.688 is 7688)."
PROFIEL = "profiel"
_PROFIEL_DOC = (
    "Optioneel: regioprofiel, bijvoorbeeld ijsselland-2023 of hart-van-brabant, of het pad naar "
    "een eigen .toml-bestand. Standaard: {standaard}."
)


def foutcel(uitleg: str) -> str:
    """The error cell for one result: ``#WAARDE!`` with the Dutch explanation."""
    if os.environ.get("JEUGDHULP_FOUTWAARDE", "").strip().lower() == "excel":
        return "#VALUE!"  # xlwings turns exactly this text into a real error (Office.js)
    return f"{FOUT} {uitleg}"


# -- reading one cell ------------------------------------------------------------------------
def _leeg(naam: str) -> OntbrekendeInvoer:
    return OntbrekendeInvoer(f"{naam}: vul een waarde in.")


def getal(value: Cel, naam: str) -> Decimal:
    """A required number: an Excel number, or text read the Dutch way ("54,42"; "7.688" is 7688;
    see `jeugdhulp.parse.read_number`)."""
    if is_empty(value):
        raise _leeg(naam)
    return parse_decimal(value, naam)[0]


def getal_of_leeg(value: Cel, naam: str) -> Decimal | None:
    """An optional number; None for an empty cell."""
    return None if is_empty(value) else parse_decimal(value, naam)[0]


def geheel_getal(value: Cel, naam: str) -> int:
    """A required whole number (Excel sends 2 as 2.0)."""
    number = getal(value, naam)
    if number != number.to_integral_value():
        raise OngeldigeInvoer(f"{naam}: {value} is geen geheel getal.")
    return int(number)


def tekst(value: Cel, naam: str) -> str:
    """Required text, trimmed; a number is accepted as its text (2.0 -> '2')."""
    if is_empty(value):
        raise _leeg(naam)
    if isinstance(value, bool):
        raise OngeldigeInvoer(f"{naam}: verwacht tekst, geen WAAR/ONWAAR.")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def tekst_of_leeg(value: Cel, naam: str) -> str | None:
    return None if is_empty(value) else tekst(value, naam)


def code_of_getal(value: Cel, naam: str) -> str | int:
    """A choice typed as a name or as its number (intensity "Zwaar" or 3): int for numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return geheel_getal(value, naam)
    return tekst(value, naam)


def ja_nee(value: Cel, naam: str) -> bool:
    """WAAR/ONWAAR, ja/nee, 1/0; an empty cell is nee."""
    return parse_bool(None if is_empty(value) else value, naam)


def datum(value: Cel, naam: str) -> dt.date:
    """A date: Excel serial number, ISO text (Office.js) or dd-mm-jjjj text."""
    if is_empty(value):
        raise _leeg(naam)
    return parse_date(value, naam)[0]


# -- writing one cell ------------------------------------------------------------------------
def naar_cel(value: Waarde) -> Any:
    """A result as Excel takes it: money Decimals become floats only here, at the very end."""
    if isinstance(value, Decimal):
        return float(value)
    return value


# -- broadcasting ----------------------------------------------------------------------------
def _als_matrix(value: Any) -> list[list[Any]]:
    """xlwings gives 2-D lists (ndim=2), but a default or an omitted argument arrives as is."""
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (list, tuple)):
            return [list(row) for row in value]
        return [list(value)]
    return [[value]]


def _vorm(matrix: list[list[Any]]) -> tuple[int, int]:
    return len(matrix), max((len(row) for row in matrix), default=0)


def broadcast(matrices: list[list[list[Any]]], namen: list[str]) -> tuple[int, int]:
    """The common shape of the arguments; numpy's rule: each dimension is 1 or the common size."""
    vormen = [_vorm(m) for m in matrices]
    if any(
        0 in vorm or any(len(r) != vorm[1] for r in m)
        for vorm, m in zip(vormen, matrices, strict=True)
    ):
        raise OngeldigeInvoer("Een bereik is leeg of niet rechthoekig.")
    rijen = max(v[0] for v in vormen)
    kolommen = max(v[1] for v in vormen)
    if any(r not in (1, rijen) or k not in (1, kolommen) for r, k in vormen):
        maten = ", ".join(
            f"{naam} {r}x{k}"
            for naam, (r, k) in zip(namen, vormen, strict=True)
            if (r, k) != (1, 1)
        )
        raise OngeldigeInvoer(
            f"De bereiken passen niet bij elkaar ({maten}; rijen x kolommen). Geef bereiken van "
            "dezelfde grootte, een enkele cel, of een kolom naast een rij."
        )
    return rijen, kolommen


def _uitgerekt(matrix: list[list[Any]], rijen: int, kolommen: int) -> list[list[Any]]:
    """The matrix stretched to the common shape (rows shared, not copied)."""
    if len(matrix[0]) != kolommen:
        matrix = [row * kolommen for row in matrix]
    if len(matrix) != rijen:
        matrix = matrix * rijen
    return matrix


class _Profielen:
    """Profiles per distinct cell value within one call; an unknown one is an error per cell."""

    def __init__(self, standaard: str) -> None:
        self.standaard = standaard
        self._cache: dict[Any, Profile | JeugdhulpError] = {}

    def get(self, value: Cel) -> Profile:
        key = value
        if key not in self._cache:
            try:
                naam = self.standaard if is_empty(value) else tekst(value, PROFIEL)
                self._cache[key] = load_profile(naam)
            except JeugdhulpError as error:
                self._cache[key] = error
        found = self._cache[key]
        if isinstance(found, JeugdhulpError):
            raise found
        return found


#: Excel's error values as xlwings reads them with err_to_str (English and Dutch Excel).
EXCEL_FOUTEN = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"}
    | {"#N/B", "#WAARDE!", "#VERW!", "#DEEL/0!", "#GETAL!", "#NAAM?", "#LEEG!", "#OVERLOOP!"}
)


def _fout_in_invoer(waarden: tuple[Any, ...], namen: list[str]) -> str | None:
    """An error in an argument cell travels on, like in Excel; ours keeps its explanation."""
    for naam, value in zip(namen, waarden, strict=True):
        if isinstance(value, str) and value.startswith("#"):
            if value.startswith(FOUT + " "):
                return value
            if value.strip().upper() in EXCEL_FOUTEN:
                return foutcel(f"{naam}: de cel bevat de fout {value.strip()}.")
    return None


def _een_cel(
    func: Callable[..., Waarde], cellen: tuple[Any, ...], namen: list[str], profielen: _Profielen
) -> Any:
    *waarden, profiel = cellen
    if all(is_empty(w) for w in waarden):
        return None
    fout = _fout_in_invoer(cellen, namen)
    if fout is not None:
        return fout
    try:
        return naar_cel(func(*waarden, profile=profielen.get(profiel)))
    except JeugdhulpError as error:
        return foutcel(str(error))
    except Exception as error:  # a bug must not wipe out the rest of the spilled array
        return foutcel(f"Onverwachte fout ({type(error).__name__}: {error}); meld dit.")


def excel_functie(
    *, profiel: str, docs: dict[str, str], category: str = "Jeugdhulp"
) -> Callable[[Callable[..., Waarde]], Callable[..., Any]]:
    """Make an Excel function of `func(cel, ..., *, profile)`, a function of single values.

    The Excel function has the positional parameters of `func` plus an optional last `profiel`
    (default `profiel`); every parameter takes a cell or a range; `docs` holds the Dutch help per
    parameter, the docstring of `func` the help of the function.
    """

    def decorate(func: Callable[..., Waarde]) -> Callable[..., Any]:
        params = [
            p
            for p in inspect.signature(func).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ]
        excel_params = [p.replace(annotation=inspect.Parameter.empty) for p in params]
        excel_params.append(
            inspect.Parameter(PROFIEL, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=profiel)
        )
        signature = inspect.Signature(excel_params)
        namen = [p.name for p in excel_params]
        missing = set(namen) - set(docs) - {PROFIEL}
        if missing:
            raise TypeError(f"{func.__name__}: no Dutch help for {sorted(missing)}")

        def excel(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            matrices = [_als_matrix(v) for v in bound.arguments.values()]
            try:
                rijen, kolommen = broadcast(matrices, namen)
            except JeugdhulpError as error:
                return foutcel(str(error))
            profielen = _Profielen(profiel)
            if rijen == kolommen == 1:
                return _een_cel(func, tuple(m[0][0] for m in matrices), namen, profielen)
            stretched = [_uitgerekt(m, rijen, kolommen) for m in matrices]
            return [
                [_een_cel(func, cellen, namen, profielen) for cellen in zip(*rows, strict=True)]
                for rows in zip(*stretched, strict=True)
            ]

        excel.__name__ = func.__name__
        excel.__qualname__ = func.__qualname__
        excel.__module__ = func.__module__
        excel.__doc__ = inspect.cleandoc(func.__doc__ or "")
        excel.__signature__ = signature  # type: ignore[attr-defined]
        excel.__annotations__ = {}  # xlwings would take type hints as converters
        excel.kern = func  # type: ignore[attr-defined]  # the function of single values

        decorated: Callable[..., Any] = xw.func(category=category)(excel)
        for naam in namen:
            doc = docs.get(naam) or _PROFIEL_DOC.format(standaard=profiel)
            decorated = xw.arg(naam, ndim=2, err_to_str=True, doc=doc)(decorated)
        return decorated

    return decorate
