"""Build typed tables (`jeugdhulp.schema.TableInfo`) from a few dict rows, for tests.

Columns follow the schema exactly: every canonical column is present, the ones the rows do not
mention as nulls of the right dtype. A column a row mentions counts as "in the file": it gets a
`ColumnInfo` (default Dutch header, letters in schema order) and a `<naam>__tekst` column (the
value as text, unless the row gives `<naam>__tekst` itself). `<naam>__soepel` is added only when
a row gives it. Decimals may be given as Decimal, int or text with a point ("0.91").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from jeugdhulp.findings import column_letter
from jeugdhulp.schema import DECIMAL, PRODUCTEN, PRODUCTIE, TOEWIJZINGEN, ColumnInfo, TableInfo

HEADERS: dict[str, str] = {
    "bsn": "BSN",
    "toewijzingnummer": "Toewijzingnummer",
    "productcategorie": "Productcategorie",
    "productcode": "Productcode",
    "begindatum": "Begindatum",
    "einddatum": "Einddatum",
    "eenheid": "Eenheid",
    "aantal": "Aantal",
    "tarief": "Tarief",
    "bedrag": "Bedrag",
    "geboortedatum": "Geboortedatum",
    "soort_tijd": "Soort tijd",
    "reden_beeindiging": "Reden beëindiging",
    "overgangsclient": "Overgangscliënt",
    "verlengde_jeugdhulp": "Verlengde jeugdhulp",
    "ingangsdatum": "Ingangsdatum",
    "volume": "Volume",
    "budget": "Budget",
    "trajecttype": "Trajecttype",
    "reden_wijziging": "Reden wijziging",
    "geldig_vanaf": "Geldig vanaf",
    "geldig_tot": "Geldig tot",
    "binnen_arrangement": "Binnen arrangement",
    "alleen_directe_tijd": "Alleen directe tijd",
    "declaratiedatum": "Declaratiedatum",
    "referentienummer": "Referentienummer",
    "vorig_referentienummer": "Vorig referentienummer",
    "debet_credit": "Debet/credit",
    "frequentie": "Frequentie",
    "verwijzer": "Verwijzer",
    "aanbieder": "Aanbieder",
}


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def _typed(value: Any, dtype: pl.DataType) -> Any:
    if value is None:
        return None
    if dtype == DECIMAL:
        return Decimal(str(value))
    if dtype == pl.Date() and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def table(
    schema: dict[str, pl.DataType],
    rows: list[dict[str, Any]],
    *,
    blad: str,
    kopregel: int = 1,
    in_file: tuple[str, ...] = (),
) -> TableInfo:
    """A TableInfo of `schema` from dict rows; `_rij` defaults to kopregel + 1, + 2, ..."""
    mentioned = {k.split("__")[0] for row in rows for k in row} | set(in_file)
    present = [n for n in schema if n in mentioned and not n.startswith("_")]
    data: dict[str, pl.Series] = {}
    for name, dtype in schema.items():
        if name == "_rij":
            values = [row.get("_rij", kopregel + 1 + i) for i, row in enumerate(rows)]
        else:
            values = [_typed(row.get(name), dtype) for row in rows]
        data[name] = pl.Series(name, values, dtype=dtype)
    for name in present:
        data[f"{name}__tekst"] = pl.Series(
            [row.get(f"{name}__tekst", _as_text(row.get(name))) for row in rows], dtype=pl.String
        )
        if any(f"{name}__soepel" in row for row in rows):
            data[f"{name}__soepel"] = pl.Series(
                [bool(row.get(f"{name}__soepel", False)) for row in rows], dtype=pl.Boolean
            )
    kolommen = {
        name: ColumnInfo(name, HEADERS.get(name, name.capitalize()), column_letter(i))
        for i, name in enumerate(present)
    }
    return TableInfo(blad=blad, frame=pl.DataFrame(data), kolommen=kolommen, kopregel=kopregel)


def productie(*rows: dict[str, Any], in_file: tuple[str, ...] = ()) -> TableInfo:
    return table(PRODUCTIE, list(rows), blad="Productie", in_file=in_file)


def toewijzingen(*rows: dict[str, Any]) -> TableInfo:
    return table(TOEWIJZINGEN, list(rows), blad="Toewijzingen")


def producten(*rows: dict[str, Any]) -> TableInfo:
    return table(PRODUCTEN, list(rows), blad="Producten")
