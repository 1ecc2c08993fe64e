"""The typed tables the checks work on: the contract between the batch reader and the checks.

The reader (`batch.reader`) turns a sheet into text; `jeugdhulp.normalize` turns that text into
the typed frames described here; `jeugdhulp.checks` evaluates the catalogue over them. Every frame
carries `_rij`, the Excel row number of the row it came from, so every finding points at a cell.

For every canonical column that was found in the file the typed frame also carries
`<naam>__tekst` (the cell text exactly as read, null for an empty cell) and, where the value was
read leniently (Dutch decimal comma, number stored as text, BSN with its leading zero lost, date
typed as text), `<naam>__soepel` (true on those rows). A canonical column that is absent from the
file is present in the frame as all-null, so checks never have to test for a column's existence;
which columns the file really had is in `TableInfo.kolommen`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

#: Exact money and quantities: polars Decimal with 4 decimals (a tariff per minute 0,9070, an
#: amount 1.234,56). Never Float64.
DECIMAL = pl.Decimal(38, 4)

PRODUCTIE: dict[str, pl.DataType] = {
    "_rij": pl.Int64(),
    "bsn": pl.String(),  # 9 digits when it could be read as a BSN, else the text as found
    "toewijzingnummer": pl.String(),
    "productcategorie": pl.String(),  # "45"
    "productcode": pl.String(),  # "45A48", "50H23", "54011"
    "begindatum": pl.Date(),
    "einddatum": pl.Date(),
    "eenheid": pl.String(),  # iJw WJ756 code: "01", "04", "14", "16", "82", "83", "84"
    "aantal": DECIMAL,
    "_aantal_kolom": pl.String(),  # canonical name of the column the quantity came from
    "tarief": DECIMAL,
    "bedrag": DECIMAL,
    "geboortedatum": pl.Date(),
    "soort_tijd": pl.String(),  # "direct" / "indirect"
    "reden_beeindiging": pl.String(),  # JZ588 code, two digits ("31")
    "overgangsclient": pl.Boolean(),
    "verlengde_jeugdhulp": pl.Boolean(),
    "aanbieder": pl.String(),
    "gemeente": pl.String(),
    "declaratiedatum": pl.Date(),  # JW323 Dagtekening: a product period cannot lie after it
    "referentienummer": pl.String(),  # JW323 ProductReferentie/ReferentieNummer (TR314)
    "vorig_referentienummer": pl.String(),  # of the debit line a credit line cancels (TR323)
    "debet_credit": pl.String(),  # "D" / "C" (LDT_DebetCredit); null = debit
}

TOEWIJZINGEN: dict[str, pl.DataType] = {
    "_rij": pl.Int64(),
    "bsn": pl.String(),
    "toewijzingnummer": pl.String(),
    "productcategorie": pl.String(),
    "productcode": pl.String(),  # null = aspecifiek
    "ingangsdatum": pl.Date(),
    "einddatum": pl.Date(),  # null = open
    "volume": DECIMAL,
    "eenheid": pl.String(),
    "frequentie": pl.String(),
    "budget": DECIMAL,
    "trajecttype": pl.String(),  # "herstel" / "duurzaam"
    "verwijzer": pl.String(),  # "medisch" / "gi" / "toegang"
    "reden_wijziging": pl.String(),  # JZ002 code; "13" = verwijderd
    "aanbieder": pl.String(),  # AGB code; stacking (OP259) is per provider
}

PRODUCTEN: dict[str, pl.DataType] = {
    "_rij": pl.Int64(),
    "productcategorie": pl.String(),
    "productcode": pl.String(),
    "omschrijving": pl.String(),
    "eenheid": pl.String(),
    "tarief": DECIMAL,
    "geldig_vanaf": pl.Date(),
    "geldig_tot": pl.Date(),
    "domein": pl.String(),  # "J&O" / "GGZ" / "LVB"
    "binnen_arrangement": pl.Boolean(),
    "alleen_directe_tijd": pl.Boolean(),
}


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """Where a canonical column sits in the user's file."""

    naam: str  # canonical name, a key of PRODUCTIE / TOEWIJZINGEN / PRODUCTEN
    kop: str  # the header exactly as written in the file ("Burgerservicenummer")
    letter: str  # Excel column letter ("B")


@dataclass(slots=True)
class TableInfo:
    """A typed table plus what is needed to point back into the file."""

    blad: str  # sheet name (for a csv: the file's stem)
    frame: pl.DataFrame  # columns as in the schema above, plus __tekst / __soepel companions
    kolommen: dict[str, ColumnInfo] = field(default_factory=dict)  # canonical name -> where
    kopregel: int = 1  # Excel row number of the header row
    meldingen: list[str] = field(default_factory=list)  # Dutch notes on how it was read
