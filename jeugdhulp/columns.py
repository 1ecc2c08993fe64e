"""Canonical columns of the three tables, their synonyms, and finding the header row.

Pure Python (no I/O, no polars): the batch reader uses it on the first rows of a sheet, and the
Excel functions may use it to recognise a pasted table. Header texts are compared with
`jeugdhulp.parse.fold` (case, accents, spaces and punctuation ignored), so "Reden beëindiging",
"reden_beeindiging" and "REDEN BEËINDIGING" are one name.

>>> find_header_row([["Productie 2023"], [], ["BSN", "Code", "Van", "Tot", "Minuten"]], "productie")
(2, {'bsn': 0, 'productcode': 1, 'begindatum': 2, 'einddatum': 3, 'minuten': 4})
>>> unit_code("Minuten"), unit_code("1"), unit_code("etmaal"), unit_code("kilo")
('01', '01', '14', None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jeugdhulp.parse import fold

TABLES: tuple[str, ...] = ("productie", "toewijzingen", "producten")

#: Unit words (folded) -> iJw WJ756 code.
UNIT_CODES: dict[str, str] = {
    "minuut": "01",
    "minuten": "01",
    "min": "01",
    "uur": "04",
    "uren": "04",
    "etmaal": "14",
    "etmalen": "14",
    "ligdag": "14",
    "ligdagen": "14",
    "dag": "14",
    "dagen": "14",
    "dagdeel": "16",
    "dagdelen": "16",
    "stuk": "82",
    "stuks": "82",
    "stuksoutput": "82",
    "sessie": "82",
    "sessies": "82",
    "stuksinspanning": "84",
    "euro": "83",
    "euros": "83",
}
#: The iJw unit codes (WJ756) the product knows.
KNOWN_UNIT_CODES: frozenset[str] = frozenset({"01", "04", "14", "16", "82", "83", "84"})


#: A code with its word, as a dropdown list shows them: "04 uur", "04 - uur", "Uur (04)".
UNIT_CODE_WORD = r"^([0-9]{1,2})\s*[-:–.]?\s*([^0-9].*)$"
UNIT_WORD_CODE = r"^(.*[^0-9\s(])\s*\(\s*([0-9]{1,2})\s*\)$"


def unit_code(value: str | None) -> str | None:
    """The iJw unit code of a code ("1", "01", "4.0"), a unit word ("minuten", "Etmaal"), or
    both when they agree ("04 uur", "04 - uur", "Uur (04)"; "04 minuten" is none).

    >>> unit_code("04 uur"), unit_code("Uur (04)"), unit_code("04 minuten")
    ('04', '04', None)
    """
    if value is None:
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{1,2})(?:\.0+)?", text)
    if match:
        return match.group(1).zfill(2)
    word = UNIT_CODES.get(fold(text))
    if word is not None:
        return word
    for pattern, code_first in ((UNIT_CODE_WORD, True), (UNIT_WORD_CODE, False)):
        both = re.fullmatch(pattern, text)
        if both:
            code, name = (both.group(1), both.group(2)) if code_first else both.group(2, 1)
            if UNIT_CODES.get(fold(name)) == code.zfill(2):
                return code.zfill(2)
    return None


@dataclass(frozen=True, slots=True)
class Column:
    """A canonical column: its name in the typed frame, the header to show, and its synonyms."""

    naam: str  # key of the schema (jeugdhulp.schema.PRODUCTIE etc.)
    kop: str  # the canonical header as written in DOMAIN.md ("Reden beëindiging")
    synoniemen: tuple[str, ...] = ()
    verplicht: bool = False
    eenheid: str | None = None  # 2017 style: a quantity column that names its unit
    sjabloon: bool = True  # offered in the production-monitor template (`workbooks`)

    @property
    def keys(self) -> tuple[str, ...]:
        """Folded header texts that denote this column, best first."""
        return tuple(dict.fromkeys(fold(name) for name in (self.kop, *self.synoniemen)))


def _quantity(naam: str, kop: str, code: str, *extra: str) -> Column:
    words = (kop, *extra)
    synonyms = [*extra]
    for word in words:
        synonyms += [f"Aantal {word}", f"Geleverde {word}", f"Geleverd aantal {word}"]
    return Column(naam, kop, tuple(synonyms), eenheid=code)


#: 2017 production-monitor quantity columns (instead of Eenheid + Aantal).
QUANTITY_COLUMNS: tuple[Column, ...] = (
    _quantity("minuten", "Minuten", "01"),
    _quantity("uren", "Uren", "04"),
    _quantity("dagdelen", "Dagdelen", "16"),
    _quantity("ligdagen", "Ligdagen", "14", "Etmalen"),
    _quantity("sessies", "Sessies", "82", "Stuks"),
)

PRODUCTIE_COLUMNS: tuple[Column, ...] = (
    Column("bsn", "BSN", ("Burgerservicenummer", "bsn client", "BSN cliënt", "BSN jeugdige"), True),
    Column(
        "toewijzingnummer",
        "Toewijzingnummer",
        ("Toewijzingsnummer", "beschikkingnummer", "Beschikkingsnummer"),
    ),
    Column("productcategorie", "Productcategorie", ("Categorie",)),
    Column("productcode", "Productcode", ("Arrangementscode", "Code", "Arrangementcode"), True),
    Column(
        "begindatum",
        "Begindatum",
        ("Startdatum", "Ingangsdatum", "Van", "Periode van", "Periode vanaf", "Begin periode"),
        True,
    ),
    Column(
        "einddatum",
        "Einddatum",
        (
            "Tot",
            "Tot en met",
            "T/m",
            "Periode tot",
            "Periode t/m",
            "Periode tot en met",
            "Eind periode",
        ),
        True,
    ),
    Column("eenheid", "Eenheid"),
    Column(
        "aantal",
        "Aantal",
        ("Volume", "Geleverd volume", "Aantal eenheden", "Geleverd aantal", "Hoeveelheid"),
    ),
    Column(
        "tarief",
        "Tarief",
        ("Producttarief", "Prijs", "Prijs per eenheid", "Eenheidsprijs", "Tarief per eenheid"),
    ),
    Column(
        "bedrag",
        "Bedrag",
        (
            "Ingediend bedrag",
            "Totaal bedrag",
            "Totaalbedrag",
            "Declaratiebedrag",
            "Gedeclareerd bedrag",
            "Bedrag declaratie",
        ),
    ),
    Column("geboortedatum", "Geboortedatum"),
    Column("soort_tijd", "Soort tijd", ("Direct/indirect",)),
    Column("reden_beeindiging", "Reden beëindiging", ("Reden einde",)),
    Column("overgangsclient", "Overgangscliënt"),
    Column("verlengde_jeugdhulp", "Verlengde jeugdhulp"),
    Column("aanbieder", "Aanbieder", ("AGB-code",)),
    Column("gemeente", "Gemeente", ("Gemeentecode",)),
    # Declaration-message fields (JW323), read when a workbook has them; not in the template.
    Column(
        "declaratiedatum",
        "Declaratiedatum",
        ("Dagtekening", "Datum declaratie", "Indieningsdatum"),
        sjabloon=False,
    ),
    Column(
        "referentienummer",
        "Referentienummer",
        ("ReferentieNummer", "Referentie", "Productreferentie", "Declaratiereferentie"),
        sjabloon=False,
    ),
    Column(
        "vorig_referentienummer",
        "Vorig referentienummer",
        ("VorigReferentieNummer", "Vorige referentie", "Vorig referentie"),
        sjabloon=False,
    ),
    Column(
        "debet_credit",
        "Debet/credit",
        ("DebetCredit", "D/C", "Indicatie debet/credit", "Debet of credit"),
        sjabloon=False,
    ),
    *QUANTITY_COLUMNS,
)

TOEWIJZINGEN_COLUMNS: tuple[Column, ...] = (
    Column("bsn", "BSN", ("Burgerservicenummer", "bsn client", "BSN cliënt", "BSN jeugdige"), True),
    Column(
        "toewijzingnummer",
        "Toewijzingnummer",
        ("Toewijzingsnummer", "beschikkingnummer", "Beschikkingsnummer"),
        True,
    ),
    Column("productcategorie", "Productcategorie", ("Categorie",), True),
    Column("productcode", "Productcode", ("Arrangementscode", "Code")),
    Column("ingangsdatum", "Ingangsdatum", ("Begindatum", "Startdatum", "Van"), True),
    Column("einddatum", "Einddatum", ("Tot", "Tot en met", "T/m")),
    Column("volume", "Volume", ("Omvang", "Aantal")),
    Column("eenheid", "Eenheid"),
    Column("frequentie", "Frequentie"),
    Column("budget", "Budget"),
    Column("trajecttype", "Trajecttype", ("Type traject", "Traject")),
    Column("verwijzer", "Verwijzer"),
    Column("reden_wijziging", "Reden wijziging", ("Redenwijziging",)),
    Column("aanbieder", "Aanbieder", ("AGB-code",), sjabloon=False),
)

PRODUCTEN_COLUMNS: tuple[Column, ...] = (
    Column("productcategorie", "Productcategorie", ("Categorie",), True),
    Column("productcode", "Productcode", ("Code",), True),
    Column("omschrijving", "Omschrijving", ("Productomschrijving", "Productnaam", "Naam")),
    Column("eenheid", "Eenheid", (), True),
    Column("tarief", "Tarief", ("Producttarief", "Prijs", "Prijs per eenheid", "Eenheidsprijs")),
    Column("geldig_vanaf", "Geldig vanaf", ("Ingangsdatum", "Begindatum", "Vanaf")),
    Column("geldig_tot", "Geldig tot", ("Einddatum", "Tot", "Geldig tot en met")),
    Column("domein", "Domein"),
    Column("binnen_arrangement", "Binnen arrangement"),
    Column("alleen_directe_tijd", "Alleen directe tijd"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "productie": PRODUCTIE_COLUMNS,
    "toewijzingen": TOEWIJZINGEN_COLUMNS,
    "producten": PRODUCTEN_COLUMNS,
}

#: Sheet names (folded, digits removed) that say which table a sheet is.
SHEET_NAMES: dict[str, frozenset[str]] = {
    "productie": frozenset(
        {
            "productie",
            "productiemonitor",
            "productieuitvraag",
            "productieoverzicht",
            "declaratie",
            "declaraties",
            "levering",
            "geleverd",
        }
    ),
    "toewijzingen": frozenset(
        {"toewijzingen", "toewijzing", "beschikkingen", "beschikking", "jw", "allocaties"}
    ),
    "producten": frozenset(
        {"producten", "productcodes", "productenlijst", "codelijst", "tarieven", "producttarieven"}
    ),
}

TABLE_TITLES: dict[str, str] = {
    "productie": "Productie",
    "toewijzingen": "Toewijzingen",
    "producten": "Producten",
}

HEADER_SCAN_ROWS = 30


def columns(table: str) -> tuple[Column, ...]:
    """The canonical columns of a table ("productie", "toewijzingen", "producten")."""
    try:
        return COLUMNS[table]
    except KeyError:
        raise ValueError(f"onbekende tabel {table!r}; kies uit {', '.join(TABLES)}") from None


def column(table: str, naam: str) -> Column:
    for col in columns(table):
        if col.naam == naam:
            return col
    raise KeyError(naam)


def _lookup(table: str) -> dict[str, tuple[str, int]]:
    """Folded header -> (canonical name, rank): rank 0 is the canonical header itself."""
    result: dict[str, tuple[str, int]] = {}
    for col in columns(table):
        for rank, key in enumerate(col.keys):
            result.setdefault(key, (col.naam, rank))
    return result


_LOOKUPS: dict[str, dict[str, tuple[str, int]]] = {table: _lookup(table) for table in TABLES}
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def match_header(text: str | None, table: str) -> tuple[str, int] | None:
    """(canonical name, rank) of one header cell, or None.

    An explanation in brackets is ignored: "Begindatum (dd-mm-jjjj)" is Begindatum.
    """
    if text is None:
        return None
    lookup = _LOOKUPS[table] if table in _LOOKUPS else _lookup(table)
    key = fold(text)
    if key in lookup:
        return lookup[key]
    stripped = fold(_PARENTHESES.sub(" ", text))
    if stripped and stripped in lookup:
        return lookup[stripped]
    return None


def map_headers(headers: Sequence[str | None], table: str) -> dict[str, int]:
    """Canonical name -> index of the header cell that denotes it.

    When two cells denote one column, the one closest to the canonical name wins ("Productcode"
    over "Code"), then the leftmost.
    """
    best: dict[str, tuple[int, int]] = {}
    for index, text in enumerate(headers):
        found = match_header(text, table)
        if found is None:
            continue
        naam, rank = found
        if naam not in best or (rank, index) < best[naam]:
            best[naam] = (rank, index)
    order = {col.naam: n for n, col in enumerate(columns(table))}
    return {naam: best[naam][1] for naam in sorted(best, key=order.__getitem__)}


def required_columns(table: str) -> tuple[str, ...]:
    """Names of the columns a table needs (Productie: also Eenheid + Aantal, see `missing`)."""
    names = [col.naam for col in columns(table) if col.verplicht]
    if table == "productie":
        names += ["eenheid", "aantal"]
    return tuple(names)


def missing_required(mapping: Mapping[str, int], table: str) -> list[str]:
    """Required canonical columns absent from a mapping.

    Productie needs Eenheid and Aantal unless quantity columns that name their unit (Minuten,
    Uren, ...) are present: then neither is missing.
    """
    absent = [naam for naam in required_columns(table) if naam not in mapping]
    if table == "productie" and any(col.naam in mapping for col in QUANTITY_COLUMNS):
        absent = [naam for naam in absent if naam not in ("eenheid", "aantal")]
    return absent


def score(mapping: Mapping[str, int], table: str) -> tuple[int, int]:
    """(required columns found, all columns found): higher is a better header row."""
    needed = required_columns(table)
    found = len(needed) - len(missing_required(mapping, table))
    return found, len(mapping)


def _cell(row: Sequence[str | None], index: int) -> str | None:
    if index >= len(row):
        return None
    value = row[index]
    if value is None or not str(value).strip():
        return None
    return str(value)


def combined_header(upper: Sequence[str | None], lower: Sequence[str | None]) -> list[str | None]:
    """A two-row header: the lower row's cell where it has one, else the upper row's.

    Covers merged header cells ("Periode" over "Begindatum" / "Einddatum"; "BSN" merged over
    two rows): the reader gives a merged cell's value only in its top-left cell.
    """
    width = max(len(upper), len(lower))
    return [_cell(lower, i) or _cell(upper, i) for i in range(width)]


@dataclass(frozen=True, slots=True)
class HeaderRow:
    index: int  # 0-based index of the (lower) header row in the rows given
    mapping: dict[str, int]  # canonical name -> 0-based column index
    headers: list[str | None]  # the header text per column (combined for a two-row header)
    rows_used: int  # 1, or 2 for a two-row header


def detect_header(
    rows: Sequence[Sequence[str | None]], table: str, scan: int = HEADER_SCAN_ROWS
) -> HeaderRow | None:
    """The best header row within the first `scan` rows, also trying two-row headers.

    A row qualifies when it has at least two of the table's required columns; the row with the
    most required (then most recognised) columns wins, the first such row on a tie. None when no
    row qualifies.
    """
    best: tuple[tuple[int, int, int], HeaderRow] | None = None
    limit = min(len(rows), scan)
    for i in range(limit):
        single = [_cell(rows[i], j) for j in range(len(rows[i]))]
        candidates: list[tuple[list[str | None], int]] = [(single, 1)]
        if i > 0:
            candidates.append((combined_header(rows[i - 1], rows[i]), 2))
        single_required = -1
        for headers, used in candidates:
            mapping = map_headers(headers, table)
            required, total = score(mapping, table)
            if used == 1:
                single_required = required
            elif required <= single_required:
                # The row above only counts when it supplies required columns (a merged "BSN"
                # over two rows), not when a title line happens to name an optional one.
                continue
            if required < 2:
                continue
            key = (required, total, -used)
            if best is None or key > best[0]:
                best = (key, HeaderRow(i, mapping, headers, used))
    return None if best is None else best[1]


def find_header_row(rows: list[list[str | None]], table: str) -> tuple[int, dict[str, int]]:
    """(0-based index of the header row, canonical name -> 0-based column index).

    Scans the first 30 rows (title rows above the header are common). Raises ValueError when no
    row has at least two of the table's required columns.
    """
    found = detect_header(rows, table)
    if found is None:
        raise ValueError(f"geen kopregel gevonden voor {TABLE_TITLES.get(table, table)}")
    return found.index, found.mapping


def table_for_sheet_name(name: str) -> str | None:
    """Which table a sheet is by its name ("Productie", "Toewijzingen 2023", "JW301"), or None."""
    key = fold(name)
    bare = re.sub(r"\d+", "", key)
    for table, names in SHEET_NAMES.items():
        if key in names or bare in names:
            return table
    # "Productie januari", "Toewijzingen Gemeente X": a long name at the start is enough.
    for table, names in SHEET_NAMES.items():
        if any(len(n) >= 8 and key.startswith(n) for n in names):
            return table
    return None


def table_for_headers(
    rows: Sequence[Sequence[str | None]], tables: Sequence[str] = TABLES
) -> tuple[str, HeaderRow] | None:
    """Which table a sheet is by its header row: the best share of required columns found."""
    best: tuple[tuple[float, int, int], str, HeaderRow] | None = None
    for rank, table in enumerate(tables):
        found = detect_header(rows, table)
        if found is None:
            continue
        required, total = score(found.mapping, table)
        key = (required / len(required_columns(table)), total, -rank)
        if best is None or key > best[0]:
            best = (key, table, found)
    return None if best is None else (best[1], best[2])


def table_for_sheet(
    name: str, rows: Sequence[Sequence[str | None]], tables: Sequence[str] = TABLES
) -> tuple[str, HeaderRow] | None:
    """Which table a sheet is: by its name when that names one of `tables`, else by its headers.

    None when the name names no wanted table and no header row is recognised, or when the name
    names a table but the sheet has no header row for it.
    """
    table = table_for_sheet_name(name)
    if table is not None and table in tables:
        header = detect_header(rows, table)
        return None if header is None else (table, header)
    return table_for_headers(rows, tables)


def required_headers_text(table: str) -> str:
    """The required headers in Dutch, for a message: "BSN, Productcode, Begindatum, ..."."""
    kops = [column(table, naam).kop for naam in required_columns(table)]
    if table == "productie":
        kops[-2:] = ["Eenheid en Aantal (of Minuten/Uren/Dagdelen/Ligdagen/Sessies)"]
    return ", ".join(kops)


#: Words shorter than this do not make a header look like a field (Van, Tot, Code are too
#: common inside other headers).
_LOOK_ALIKE_MINIMUM = 5


def look_alikes(text: str | None, table: str) -> list[str]:
    """The canonical columns an unrecognised header looks like: its folded text contains one
    of their names or synonyms ("Bedrag incl. btw" -> bedrag). Best first; empty when none.

    >>> look_alikes("Bedrag incl. btw", "productie"), look_alikes("Opmerking", "productie")
    (['bedrag'], [])
    """
    if text is None or match_header(text, table) is not None:
        return []
    key = fold(text)
    found = []
    for col in columns(table):
        if any(len(k) >= _LOOK_ALIKE_MINIMUM and k in key for k in col.keys):
            found.append(col.naam)
    return found


def synonym_notes(
    mapping: Mapping[str, int], headers: Sequence[str | None], table: str
) -> list[str]:
    """Dutch notes for columns found under another name than the canonical one."""
    notes = []
    for naam, index in mapping.items():
        col = column(table, naam)
        text = headers[index] if index < len(headers) else None
        if text is None or fold(text) == fold(col.kop):
            continue
        notes.append(f"Kolom '{text.strip()}' gelezen als {col.kop}.")
    return notes
