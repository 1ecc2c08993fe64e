"""The typed tables the checks work on: the contract between the batch reader and the checks.

The reader (`batch.reader`) turns a sheet into text; `jeugdhulp.normalize` turns that text into
the typed frames described here; `jeugdhulp.checks` evaluates the catalogue over them. Every frame
carries `_rij`, the Excel row number of the row it came from, so every finding points at a cell.

For every canonical column that was found in the file the typed frame also carries
`<naam>__tekst` (the cell text exactly as read, null for an empty cell) and, where the value was
read leniently (Dutch decimal comma, number stored as text, BSN with its leading zero lost, date
typed as text), `<naam>__soepel` (true on those rows). Number columns also carry
`<naam>__dubbelzinnig`: true where a text such as "1.200" was read the Dutch way while it also has
an English reading (see `jeugdhulp.parse`), and the table does not show the Dutch convention
elsewhere. A canonical column that is absent from the file is present in the frame as all-null,
so checks never have to test for a column's existence; which columns the file really had is in
`TableInfo.kolommen`.

A cell whose value the file does not give (a formula without a saved result, an error value) is
null in the frame, like an empty cell, but it is listed in `TableInfo.onbekend`: it is unknown,
not empty, and must never count as empty or zero. A merged data cell has its anchor's value in
the frame; `TableInfo.samengevoegd` lists the merged ranges that were filled that way.

`BladGelezen` describes what was read from one sheet, for the reports ("gelezen").
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


#: Columns of `TableInfo.onbekend`: cells of the table whose value the file does not give.
ONBEKEND: dict[str, pl.DataType] = {
    "_rij": pl.Int64(),  # Excel row number
    "kolom": pl.String(),  # canonical column name
    "letter": pl.String(),  # Excel column letter
    "formule": pl.String(),  # the formula ("H3*I3+1"), null when the cell has none
    "reden": pl.String(),  # GEEN_UITKOMST, HERBEREKENEN, FOUTWAARDE or SAMENGEVOEGD
    "waarde": pl.String(),  # what the file holds: the error value or the placeholder, else null
}
#: A formula without a saved result (written by a program that does not calculate).
GEEN_UITKOMST = "geen uitkomst"
#: A formula whose saved result is a placeholder: the workbook asks to be recalculated on opening
#: (`fullCalcOnLoad`) and the result is missing or 0, what XlsxWriter stores for formulas.
HERBEREKENEN = "herberekenen"
#: A cell holding an error value (#DEEL/0!, #N/B, ...).
FOUTWAARDE = "foutwaarde"
#: A number (Aantal, Bedrag, ...) in merged cells over several rows: one figure for all of
#: them, so each row's own value is unknown (`waarde` holds the merged range, "J2:J4").
SAMENGEVOEGD = "samengevoegd"


def no_unknown_cells() -> pl.DataFrame:
    return pl.DataFrame(schema=ONBEKEND)


@dataclass(slots=True)
class TableInfo:
    """A typed table plus what is needed to point back into the file."""

    blad: str  # sheet name (for a csv: the file's stem)
    frame: pl.DataFrame  # columns as in the schema above, plus their companions
    kolommen: dict[str, ColumnInfo] = field(default_factory=dict)  # canonical name -> where
    kopregel: int = 1  # Excel row number of the (lower) header row
    meldingen: list[str] = field(default_factory=list)  # Dutch notes on how it was read
    koprijen: int = 1  # rows the header takes (2: a two-row header)
    onbekend: pl.DataFrame = field(default_factory=no_unknown_cells)  # see ONBEKEND
    samengevoegd: list[str] = field(default_factory=list)  # merged data ranges filled ("A2:A4")


@dataclass(frozen=True, slots=True)
class KolomGelezen:
    """How one column was read: the header as written and the field it became."""

    kop: str  # header as written in the file ("Burgerservicenummer")
    veld: str  # canonical name ("bsn")
    veldkop: str  # the layout's header of that field ("BSN")
    letter: str  # Excel column letter
    synoniem: bool  # found under another header than the layout's own

    def as_dict(self) -> dict[str, object]:
        return {
            "kop": self.kop,
            "veld": self.veld,
            "veldkop": self.veldkop,
            "letter": self.letter,
            "synoniem": self.synoniem,
        }


#: Roles of a sheet in `BladGelezen.rol`: one of the tables, or not read.
OVERGESLAGEN = "overgeslagen"


@dataclass(slots=True)
class BladGelezen:
    """What was read from one sheet (or csv file), for the reports: the "gelezen" of a file.

    `rol` is "productie", "toewijzingen", "producten" or "overgeslagen" (then `reden` says why:
    hidden, a chart sheet, no header row, not chosen with --blad, ...). `rijen` is the number of
    data rows read (0: a header without rows, "geen regels"); `kolommen` the column mapping;
    `meldingen` the reader's notes (`TableInfo.meldingen`); `onbekend` the A1 references of the
    cells whose value the file does not give (formulas without a saved result, error values),
    `samengevoegd` the merged data ranges whose anchor value was used for every cell, and
    `dubbelzinnig` how many numbers were read the Dutch way while they also have an English
    reading.
    """

    bestand: str  # the file's name
    blad: str  # sheet name (csv: the file's stem)
    rol: str
    reden: str = ""  # Dutch: why skipped, or how the role was recognised
    rijen: int = 0
    kopregel: int | None = None  # Excel row number of the (lower) header row
    koprijen: int = 1
    kolommen: list[KolomGelezen] = field(default_factory=list)
    meldingen: list[str] = field(default_factory=list)
    onbekend: list[str] = field(default_factory=list)
    samengevoegd: list[str] = field(default_factory=list)
    dubbelzinnig: int = 0

    @classmethod
    def uit_tabel(cls, info: TableInfo, rol: str, bestand: str, reden: str = "") -> BladGelezen:
        """The description of a table that was read (`rol`: the table's name)."""
        from jeugdhulp.columns import column
        from jeugdhulp.parse import fold

        kolommen = []
        for naam, where in info.kolommen.items():
            veldkop = column(rol, naam).kop
            kolommen.append(
                KolomGelezen(
                    where.kop, naam, veldkop, where.letter, fold(where.kop) != fold(veldkop)
                )
            )
        frame = info.frame
        dubbel = sum(
            int(frame.get_column(name).sum() or 0)
            for name in frame.columns
            if name.endswith("__dubbelzinnig")
        )
        onbekend = info.onbekend.select(pl.concat_str("letter", pl.col("_rij").cast(pl.String)))
        return cls(
            bestand=bestand,
            blad=info.blad,
            rol=rol,
            reden=reden,
            rijen=frame.get_column("_rij").n_unique() if "_rij" in frame.columns else 0,
            kopregel=info.kopregel,
            koprijen=info.koprijen,
            kolommen=kolommen,
            meldingen=list(info.meldingen),
            onbekend=onbekend.to_series().to_list(),
            samengevoegd=list(info.samengevoegd),
            dubbelzinnig=dubbel,
        )

    def as_dict(self) -> dict[str, object]:
        """Plain values for the JSON report."""
        return {
            "bestand": self.bestand,
            "blad": self.blad,
            "rol": self.rol,
            "reden": self.reden,
            "rijen": self.rijen,
            "kopregel": self.kopregel,
            "koprijen": self.koprijen,
            "kolommen": [k.as_dict() for k in self.kolommen],
            "meldingen": list(self.meldingen),
            "onbekend": list(self.onbekend),
            "samengevoegd": list(self.samengevoegd),
            "dubbelzinnig": self.dubbelzinnig,
        }
