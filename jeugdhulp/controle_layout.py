"""The layout of the ``Controle`` and ``Controlelijst`` sheets: one home for the file annotator
and the in-Excel check.

`batch.annotate` turns this layout into OOXML in a copy of the workbook, `addin.scripts` writes
it into the open workbook through xlwings. Both show the same texts in the same rows and
columns, with the same widths, colours and row heights, and mark the same cells.

**Controle** (the first tab, the one the workbook opens on) reads top-down:

1. the headline ("Controle van deze werkmap: 13 fouten, 2 waarschuwingen") and the verdict
   (`jeugdhulp.verdict`: the status with its explanation, coloured), then why the file is
   *onvolledig* when it is, and what *fout* and *waarschuwing* mean;
2. *Bevindingen per controle*: per check that found something, its counts and how to fix it
   (the check's ``herstel``);
3. *Gelezen*: per sheet (and separate file) read its role, rows and header row, the columns read
   under another name (synonyms), cells without a value, and the reader's notes;
4. *Controles*: how many checks ran, and each one that did not with its reason;
5. *Verantwoording*: when, with which tool version and region profile, and which files (name,
   modified, size, SHA-256) the verdict rests on;
6. *Bevindingen*: the findings table (header row `Verantwoording.kopregel`), one row per
   finding, with a filter on its header; the print titles repeat that header on every page.

Nothing shares rows with the findings table, so filtering it never hides an explanation. The
header is not frozen: above it stands everything a user needs first, which would not leave room
to scroll when frozen. **Controlelijst** lists every check of the catalogue with its severity,
iJw rule, return code, title, herstel and what it did in this run.

Pure Python (polars only inside the expression helpers, as the checks use it; no zip, no
xlwings, no lxml): it runs in xlwings Lite (Pyodide) too.

>>> aantal(1, "fout", "fouten"), aantal(13, "fout", "fouten"), aantal(1250, "regel", "regels")
('1 fout', '13 fouten', '1.250 regels')
>>> tellingen_tekst(13, 2), tellingen_tekst(1, 0), tellingen_tekst(0, 0)
('13 fouten, 2 waarschuwingen', '1 fout', 'geen bevindingen')
>>> line_count("kort", 80), line_count("woord " * 40, 80), line_count("a\\nb", 80)
(1, 3, 2)
>>> line_count("9" * 79, 80), line_count("9" * 80, 80)
(1, 2)
>>> parse_ref("$C$17"), parse_ref("Productie")
((2, 17), None)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jeugdhulp.findings import column_letter

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from jeugdhulp.schema import BladGelezen

__all__ = [
    "CATALOGUE_HEADERS",
    "CATALOGUE_HEADER_ROW",
    "CATALOGUE_SHEET",
    "CATALOGUE_TITLE_PREFIX",
    "CATALOGUE_WIDTHS",
    "COLOURS",
    "CONTROLE_SHEET",
    "FIELDS",
    "FORMULA_START",
    "HEADERS",
    "LINE_HEIGHT",
    "LINK_COLUMN",
    "NO_FINDINGS",
    "SEVERITIES",
    "STATUS_COLOURS",
    "TITLE_PREFIX",
    "WIDTHS",
    "WRAPPED",
    "Bronbestand",
    "CatalogusRegel",
    "Cel",
    "Regel",
    "Verantwoording",
    "aantal",
    "catalogue_rows",
    "controle_top",
    "line_count",
    "line_counts",
    "mark_blocks",
    "parse_ref",
    "row_height",
    "tellingen_tekst",
    "text_width",
    "tool_version",
    "with_cell_refs",
]

CONTROLE_SHEET = "Controle"
CATALOGUE_SHEET = "Controlelijst"
HEADERS = ("Blad", "Rij", "Kolom", "Cel", "Controle", "Ernst", "Melding", "Waarde", "Retourcode")
#: The finding field (`jeugdhulp.findings.FINDING_FIELDS`) shown in each column of HEADERS.
FIELDS = ("blad", "rij", "kolom", "cel", "controle", "ernst", "melding", "waarde", "retourcode")
#: Column widths in characters, per column of HEADERS.
WIDTHS = (18, 8, 22, 9, 10, 13, 80, 28, 11)
#: Columns (0-based) whose text wraps instead of being cut off by the next cell.
WRAPPED = tuple(HEADERS.index(h) for h in ("Blad", "Kolom", "Melding", "Waarde"))
#: The column (0-based) that links to the flagged cell.
LINK_COLUMN = HEADERS.index("Cel")
_LAST = len(HEADERS) - 1
SEVERITIES = ("fout", "waarschuwing")
#: (text colour, fill colour) as RGB hex per severity: Excel's own "light red" and a matching
#: orange; dark text on both stays readable.
COLOURS = {"fout": ("9C0006", "FFC7CE"), "waarschuwing": ("7F3F00", "FFD8A8")}
#: (text colour, fill colour) of the verdict per status (`jeugdhulp.verdict`): Excel's cell
#: styles Goed (green), Ongeldig (red) and Neutraal (yellow).
STATUS_COLOURS = {
    "schoon": ("006100", "C6EFCE"),
    "fouten": ("9C0006", "FFC7CE"),
    "niet gecontroleerd": ("9C0006", "FFC7CE"),
    "onvolledig": ("9C5700", "FFEB9C"),
    "geen regels": ("9C5700", "FFEB9C"),
}
#: Text starting with one of these would become a formula when typed into a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What the findings table shows when there is nothing to report.
NO_FINDINGS = "Geen bevindingen"
#: How the headline (cell A1) starts; it identifies a Controle sheet of this tool.
TITLE_PREFIX = "Controle van deze werkmap:"
CATALOGUE_TITLE_PREFIX = "Controlelijst:"
CATALOGUE_HEADERS = (
    "Controle",
    "Ernst",
    "Blad",
    "iJw-regel",
    "Retourcode",
    "Omschrijving",
    "Hoe herstel ik dit",
    "In deze controle",
)
CATALOGUE_WIDTHS = (10, 13, 13, 13, 11, 45, 70, 32)
#: Row (1-based) of the Controlelijst's header.
CATALOGUE_HEADER_ROW = 4
#: Points per line of text in Calibri 11 (Excel's default row height), and Excel's maximum.
LINE_HEIGHT = 15.0
MAX_ROW_HEIGHT = 409.0

_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_ROLE_LABEL = {"productie": "Productie", "toewijzingen": "Toewijzingen", "producten": "Producten"}


# --- words and numbers --------------------------------------------------------------------


def _dutch_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def aantal(n: int, enkelvoud: str, meervoud: str) -> str:
    """`n` with the noun in the right number and a Dutch thousands dot: "1 fout", "13 fouten"."""
    return f"{_dutch_int(n)} {enkelvoud if n == 1 else meervoud}"


def tellingen_tekst(fouten: int, waarschuwingen: int) -> str:
    """ "13 fouten, 2 waarschuwingen"; a zero count is left out; "geen bevindingen" for none."""
    parts = []
    if fouten:
        parts.append(aantal(fouten, "fout", "fouten"))
    if waarschuwingen:
        parts.append(aantal(waarschuwingen, "waarschuwing", "waarschuwingen"))
    return ", ".join(parts) if parts else "geen bevindingen"


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%d-%m-%Y %H:%M")


def tool_version() -> str:
    """The tool's version from its package metadata (the source's own when not installed, as in
    xlwings Lite)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jeugdhulp")
    except PackageNotFoundError:
        import jeugdhulp

        return jeugdhulp.__version__


# --- row heights --------------------------------------------------------------------------


#: Advance widths of the printable ASCII characters (space to tilde) in Calibri 11, in digits
#: (the unit of a column width), from the metrics of Carlito, the font metric-compatible with
#: Calibri (fonts-crosextra-carlito). Another character counts as its base letter (é as e), or
#: as a digit; an East Asian wide character as two.
_ASCII = "".join(chr(c) for c in range(32, 127))
_ASCII_WIDTHS = (
    0.45, 0.64, 0.79, 0.98, 1.0, 1.41, 1.35, 0.44, 0.6, 0.6, 0.98, 0.98, 0.49, 0.6, 0.5, 0.76,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.53, 0.53, 0.98, 0.98, 0.98, 0.91,
    1.76, 1.14, 1.07, 1.05, 1.21, 0.96, 0.91, 1.24, 1.23, 0.5, 0.63, 1.03, 0.83, 1.69, 1.27, 1.31,
    1.02, 1.33, 1.07, 0.91, 0.96, 1.27, 1.12, 1.76, 1.02, 0.96, 0.92, 0.61, 0.76, 0.61, 0.98, 0.98,
    0.57, 0.95, 1.04, 0.83, 1.04, 0.98, 0.6, 0.93, 1.04, 0.45, 0.47, 0.9, 0.45, 1.58, 1.04, 1.04,
    1.04, 1.04, 0.69, 0.77, 0.66, 1.04, 0.89, 1.41, 0.85, 0.89, 0.78, 0.62, 0.91, 0.62, 0.98,
)  # fmt: skip
_WIDTHS = dict(zip(_ASCII, _ASCII_WIDTHS, strict=True))
#: For the vectorised bound of `line_counts`: the widest an ordinary character is (lowercase,
#: digits, common punctuation), the characters wider than that (and every non-ASCII one), the
#: widest any character is, and the longest word assumed unless a longer one is found.
_ORDINARY = 1.04
_WIDE = "[\\x{80}-\\x{10FFFF}" + "".join(re.escape(c) for c, w in _WIDTHS.items() if w > 1.04) + "]"
_WIDEST = 2.0
_WORD = 20
#: A cell's padding, in digits.
_PADDING = 1.0


def _char_width(ch: str) -> float:
    width = _WIDTHS.get(ch)
    if width is not None:
        return width
    import unicodedata

    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2.0
    return _WIDTHS.get(unicodedata.normalize("NFD", ch)[:1], 1.0)


def text_width(text: str) -> float:
    """The width of `text` on one line, in digits of Calibri 11 (a column's width unit)."""
    return sum(_char_width(ch) for ch in text)


def line_count(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide, as Excel wraps it: whole
    words per line, a word longer than a line broken, a line break starts a new line."""
    room = max(1.0, width - _PADDING) + 1e-9  # widths are sums of decimals: leave rounding room
    space = text_width(" ")
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            size = text_width(word)
            if used and used + space + size <= room:
                used += space + size
                continue
            if used:
                lines += 1
            extra = max(0, math.ceil(size / room) - 1)  # a word wider than the line breaks
            lines += extra
            used = size - extra * room
    return max(1, lines)


def line_counts(texts: pl.Series, width: float, *, exact_limit: int = 5_000) -> pl.Series:
    """`line_count` of every text (a polars String series), with Python only where needed.

    Per distinct text an upper bound of its width (spaces counted exactly, the rare wide
    characters at the widest, the rest at an ordinary character's width) and of its longest
    word (greedy wrapping fills every line but the last to more than its room less a word)
    give an upper bound of its lines; when that is one line per paragraph, it is the count.
    Otherwise the text is wrapped in Python (`line_count`), each distinct text once; beyond
    `exact_limit` of them the upper bound is used: a row a little too high, never text cut off.
    """
    import polars as pl

    room = max(1.0, width - _PADDING)
    space = text_width(" ")
    t = pl.col("t")
    frame = (
        pl.DataFrame({"t": texts.fill_null("")})
        .unique()
        .with_columns(
            _n=t.str.len_chars().cast(float),
            _spaces=t.str.count_matches(" ", literal=True).cast(float),
            _wide=t.str.count_matches(_WIDE).cast(float),
            _breaks=t.str.count_matches("\n", literal=True),
            _long_word=t.str.contains(f"\\S{{{_WORD + 1},}}"),
        )
    )
    n, spaces, wide, breaks = pl.col("_n"), pl.col("_spaces"), pl.col("_wide"), pl.col("_breaks")
    upper = (n - spaces - wide) * _ORDINARY + spaces * space + wide * _WIDEST
    word = pl.when(pl.col("_long_word")).then(n).otherwise(float(_WORD))
    longest = word * _ORDINARY + pl.min_horizontal(word, wide) * (_WIDEST - _ORDINARY)
    line_room = (room - longest - space).clip(lower_bound=1.0)
    high = ((upper / line_room - 1e-9).ceil().cast(pl.Int64) + breaks).clip(1)
    frame = frame.select("t", "_breaks", _high=high).with_columns(
        _sure=pl.col("_high") <= pl.col("_breaks") + 1
    )
    unsure = frame.filter(~pl.col("_sure")).get_column("t")
    if 0 < unsure.len() <= exact_limit:
        exact = pl.DataFrame(
            {"t": unsure, "_exact": [line_count(text, width) for text in unsure.to_list()]},
            schema={"t": pl.String, "_exact": pl.Int64},
        )
        frame = frame.join(exact, on="t", how="left").select(
            "t", _high=pl.coalesce("_exact", "_high")
        )
    return (
        pl.DataFrame({"t": texts.fill_null("")})
        .join(frame.select("t", "_high"), on="t", how="left", maintain_order="left")
        .get_column("_high")
        .alias(texts.name)
    )


def row_height(lines: int) -> float | None:
    """The height in points of a row with that many lines; None for one line (the default)."""
    if lines <= 1:
        return None
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)


# --- what the legend shows ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bronbestand:
    """A file the verdict rests on, for the audit trail: its role ("productie", "toewijzingen",
    "producten"), name, last modification (local time), size in bytes and SHA-256 (hex)."""

    rol: str
    naam: str
    gewijzigd: dt.datetime | None = None
    grootte: int | None = None
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class CatalogusRegel:
    """One check as the Controlelijst shows it (from its `@controle` declaration)."""

    id: str
    ernst: str
    titel: str
    herstel: str = ""
    ijw: str = ""
    retourcode: str = ""
    tabel: str = "productie"

    @classmethod
    def van(cls, check: Any) -> CatalogusRegel:
        """From a `jeugdhulp.checks.Check` (or anything with its attributes)."""
        return cls(
            check.id,
            check.ernst,
            check.titel,
            check.herstel,
            check.ijw,
            check.retourcode,
            check.tabel,
        )


@dataclass(frozen=True, slots=True)
class Verantwoording:
    """Everything the legend says besides the findings: the verdict and what it rests on.

    `oordeel` is a status of `jeugdhulp.verdict` ("" shows no verdict line) and `onvolledig`
    why something could not be checked; `gelezen` the sheets read (`jeugdhulp.schema.BladGelezen`),
    `meldingen` the file's notes on the reading, `controles` the whole catalogue and
    `overgeslagen` (check id, Dutch reason) each check that did not run; `onbekend` the number of
    cells whose value the file does not give; `bronnen` the files used; `versie` the tool's
    version (default: `tool_version`). `niet_uitgevoerd`: why nothing could be checked (the
    in-Excel check without a Productie sheet); the legend then says only that.
    """

    profiel: str
    gecontroleerd_op: dt.datetime
    oordeel: str = ""
    onvolledig: tuple[str, ...] = ()
    gelezen: tuple[BladGelezen, ...] = ()
    meldingen: tuple[str, ...] = ()
    controles: tuple[CatalogusRegel, ...] = ()
    overgeslagen: tuple[tuple[str, str], ...] = ()
    onbekend: int = 0
    bronnen: tuple[Bronbestand, ...] = ()
    versie: str = field(default_factory=tool_version)
    niet_uitgevoerd: str = ""


@dataclass(frozen=True, slots=True)
class Cel:
    """One cell of a laid-out row: 0-based column, value, style name and, for a merged cell,
    the last column it spans.

    Styles: "titel" (bold, large), "sectie" (bold, a section's heading), "kop" (bold, a table
    header), "tekst" (wraps, top-aligned), "getal" (a number), "status:<status>" (the verdict,
    coloured as STATUS_COLOURS), "" (plain).
    """

    kolom: int
    waarde: str | int
    stijl: str = ""
    tot: int | None = None

    @property
    def breedte(self) -> float:
        """Width in characters (a merged cell: the columns it spans)."""
        last = self.tot if self.tot is not None else self.kolom
        return float(sum(WIDTHS[self.kolom : last + 1]))


@dataclass(frozen=True, slots=True)
class Regel:
    """One laid-out row: its cells and its height in points (None: the default height)."""

    cellen: tuple[Cel, ...] = ()
    hoogte: float | None = None


def _row(*cells: Cel, widths: Sequence[float] | None = None) -> Regel:
    """A row whose height fits its wrapped cells."""
    lines = 1
    for cell in cells:
        wraps = cell.stijl == "tekst" or cell.stijl.startswith("status:")
        if wraps and isinstance(cell.waarde, str):
            width = (
                cell.breedte
                if widths is None
                else float(sum(widths[cell.kolom : (cell.tot or cell.kolom) + 1]))
            )
            lines = max(lines, line_count(str(cell.waarde), width))
    return Regel(tuple(cells), row_height(lines))


def _line(text: str, style: str = "tekst") -> Regel:
    """A sentence across the whole table width."""
    return _row(Cel(0, text, style, _LAST))


def _section(title: str) -> Regel:
    return Regel((Cel(0, title, "sectie"),))


_BLANK = Regel()


def _legend_lines() -> list[Regel]:
    return [
        _line(
            "fout = blokkeert de betaling; herstel de cel voordat u declareert. "
            "waarschuwing = kijk de cel na; zij mag blijven staan als zij klopt."
        ),
        _line(
            "In de werkbladen zijn deze cellen rood (fout) of oranje (waarschuwing) gekleurd; "
            "klik in kolom Cel om naar de cel te gaan. Dit blad, het blad "
            f"{CATALOGUE_SHEET} en de markeringen worden bij een nieuwe controle vervangen."
        ),
    ]


def _sheet_label(blad: Any, werkmap: str) -> str:
    """The sheet's name, with its file's name when it is another file (--toewijzingen)."""
    if blad.bestand and blad.bestand != werkmap:
        return f"{blad.bestand}: {blad.blad}"
    return str(blad.blad)


def _sheet_notes(blad: Any) -> str:
    """What the reader says about one sheet: how its role was recognised or why it was
    skipped, then its own notes (columns read under another name, values it could not read,
    merged cells, totals rows, ...)."""
    notes = [blad.reden[:1].upper() + blad.reden[1:]] if blad.reden else []
    notes += list(blad.meldingen)
    return "\n".join(n.rstrip(".") + "." for n in notes)


def controle_top(
    verantwoording: Verantwoording, tellingen: Mapping[str, tuple[int, int]]
) -> list[Regel]:
    """The rows above the findings table, the last one the heading "Bevindingen"; the table's
    header row is the next (`len(rows) + 1`).

    `tellingen`: per check id with findings, (fouten, waarschuwingen).
    """
    v = verantwoording
    fouten = sum(f for f, _ in tellingen.values())
    waarschuwingen = sum(w for _, w in tellingen.values())
    if v.niet_uitgevoerd:
        rows = [
            Regel((Cel(0, f"{TITLE_PREFIX} niet uitgevoerd", "titel"),)),
            _line(v.niet_uitgevoerd, "status:niet gecontroleerd"),
            _BLANK,
            *_audit_trail(v),
            _BLANK,
            _section("Bevindingen"),
        ]
        return rows
    rows = [Regel((Cel(0, f"{TITLE_PREFIX} {tellingen_tekst(fouten, waarschuwingen)}", "titel"),))]
    if v.oordeel:
        from jeugdhulp.verdict import STATUS_UITLEG

        uitleg = STATUS_UITLEG.get(v.oordeel, "")
        text = f"Oordeel: {v.oordeel}" + (f". {uitleg[:1].upper()}{uitleg[1:]}." if uitleg else ".")
        rows.append(_line(text, f"status:{v.oordeel}"))
    for reden in v.onvolledig:
        rows.append(_line(f"Niet alles is gecontroleerd: {reden.rstrip('.')}."))
    rows += _legend_lines()
    rows += [_BLANK, _section("Bevindingen per controle")]
    rows += _per_check(v, tellingen)
    rows += [_BLANK, *_read(v), _BLANK, *_checks(v), _BLANK, *_audit_trail(v)]
    rows += [_BLANK, _section("Bevindingen")]
    return rows


def _per_check(v: Verantwoording, tellingen: Mapping[str, tuple[int, int]]) -> list[Regel]:
    if not tellingen:
        return [_line("Geen bevindingen: geen enkele controle vond iets.")]
    by_id = {c.id: c for c in v.controles}
    rows = [
        Regel(
            (
                Cel(0, "Controle", "kop"),
                Cel(1, "Fouten", "kop"),
                Cel(2, "Waarschuwingen", "kop"),
                Cel(3, "Omschrijving", "kop", 5),
                Cel(6, "Hoe herstel ik dit", "kop"),
            )
        )
    ]
    for check_id in sorted(tellingen):
        fout, waarschuwing = tellingen[check_id]
        check = by_id.get(check_id)
        rows.append(
            _row(
                Cel(0, check_id, "tekst"),
                Cel(1, fout, "getal"),
                Cel(2, waarschuwing, "getal"),
                Cel(3, check.titel if check else "", "tekst", 5),
                Cel(6, check.herstel if check else "", "tekst"),
            )
        )
    return rows


def _read(v: Verantwoording) -> list[Regel]:
    rows = [_section("Gelezen")]
    if not v.gelezen and not v.meldingen:
        return [*rows, _line("Niet vastgelegd welke bladen gelezen zijn.")]
    werkmap = next((g.bestand for g in v.gelezen if g.rol == "productie"), "")
    if v.gelezen:
        rows.append(
            Regel(
                (
                    Cel(0, "Blad", "kop"),
                    Cel(1, "Regels", "kop"),
                    Cel(2, "Gelezen als", "kop"),
                    Cel(3, "Kopregel", "kop"),
                    Cel(6, "Toelichting", "kop"),
                )
            )
        )
    for blad in v.gelezen:
        read = blad.rol != "overgeslagen"
        rows.append(
            _row(
                Cel(0, _sheet_label(blad, werkmap), "tekst"),
                *([Cel(1, blad.rijen, "getal")] if read else []),
                Cel(2, blad.rol, "tekst"),
                *([Cel(3, f"rij {blad.kopregel}", "tekst")] if read and blad.kopregel else []),
                Cel(6, _sheet_notes(blad), "tekst"),
            )
        )
    for melding in v.meldingen:
        rows.append(_line(melding))
    return rows


def _checks(v: Verantwoording) -> list[Regel]:
    rows = [_section("Controles")]
    skipped = dict(v.overgeslagen)
    if v.controles:
        ran = len(v.controles) - len(skipped)
        rows.append(
            _line(
                f"Gecontroleerd: {ran} van de {len(v.controles)} controles; de lijst van alle "
                f"controles staat op blad {CATALOGUE_SHEET}."
                + ("" if skipped else " Alle controles zijn uitgevoerd.")
            )
        )
    elif not skipped:
        rows.append(_line("Niet vastgelegd welke controles zijn uitgevoerd."))
    if skipped:
        titles = {c.id: c.titel for c in v.controles}
        rows.append(
            Regel(
                (
                    Cel(0, "Niet uitgevoerd", "kop"),
                    Cel(3, "Omschrijving", "kop", 5),
                    Cel(6, "Reden", "kop"),
                )
            )
        )
        for check_id, reden in v.overgeslagen:
            rows.append(
                _row(
                    Cel(0, check_id, "tekst"),
                    Cel(3, titles.get(check_id, ""), "tekst", 5),
                    Cel(6, reden[:1].upper() + reden[1:], "tekst"),
                )
            )
    return rows


def _audit_trail(v: Verantwoording) -> list[Regel]:
    rows = [
        _section("Verantwoording"),
        Regel((Cel(0, "Gecontroleerd op"), Cel(1, _when(v.gecontroleerd_op), "", 5))),
        Regel((Cel(0, "Hulpmiddel"), Cel(1, f"jeugdhulp {v.versie}", "", 5))),
        Regel((Cel(0, "Regioprofiel"), Cel(1, v.profiel, "tekst", 5))),
    ]
    if v.bronnen:
        rows.append(
            Regel(
                (
                    Cel(0, "Bestand", "kop"),
                    Cel(1, "Naam", "kop", 5),
                    Cel(6, "SHA-256", "kop"),
                    Cel(7, "Gewijzigd", "kop"),
                    Cel(8, "Bytes", "kop"),
                )
            )
        )
    for bron in v.bronnen:
        rows.append(
            _row(
                Cel(0, _ROLE_LABEL.get(bron.rol, bron.rol), "tekst"),
                Cel(1, bron.naam, "tekst", 5),
                Cel(6, bron.sha256 or "niet berekend", "tekst"),
                Cel(7, _when(bron.gewijzigd) if bron.gewijzigd else "", "tekst"),
                *([Cel(8, bron.grootte, "getal")] if bron.grootte is not None else []),
            )
        )
    return rows


# --- the Controlelijst --------------------------------------------------------------------------


def _in_this_run(
    check: CatalogusRegel, skipped: Mapping[str, str], tellingen: Mapping[str, tuple[int, int]]
) -> str:
    if check.id in skipped:
        return f"niet uitgevoerd: {skipped[check.id]}"
    fout, waarschuwing = tellingen.get(check.id, (0, 0))
    return tellingen_tekst(fout, waarschuwing)


def catalogue_rows(
    verantwoording: Verantwoording, tellingen: Mapping[str, tuple[int, int]]
) -> list[Regel]:
    """The Controlelijst: title, explanation, a blank row, the header (row
    CATALOGUE_HEADER_ROW) and one row per check of `Verantwoording.controles`."""
    v = verantwoording
    skipped = dict(v.overgeslagen)
    widths = CATALOGUE_WIDTHS
    last = len(CATALOGUE_HEADERS) - 1
    rows = [
        Regel(
            (Cel(0, f"{CATALOGUE_TITLE_PREFIX} alle controles van jeugdhulp {v.versie}", "titel"),)
        ),
        _row(
            Cel(
                0,
                f"Gecontroleerd op {_when(v.gecontroleerd_op)} met regioprofiel '{v.profiel}'. "
                "Per controle: wat zij nagaat, hoe u een bevinding herstelt, en wat zij in deze "
                "controle vond of waarom zij niet is uitgevoerd.",
                "tekst",
                last,
            ),
            widths=widths,
        ),
        _BLANK,
        Regel(tuple(Cel(c, h, "kop") for c, h in enumerate(CATALOGUE_HEADERS))),
    ]
    for check in v.controles:
        values = (
            check.id,
            check.ernst,
            _ROLE_LABEL.get(check.tabel, check.tabel),
            check.ijw or "-",
            check.retourcode or "-",
            check.titel,
            check.herstel,
            _in_this_run(check, skipped, tellingen),
        )
        rows.append(_row(*(Cel(c, v, "tekst") for c, v in enumerate(values)), widths=widths))
    return rows


# --- cells and marks ----------------------------------------------------------------------------


def parse_ref(cell: str) -> tuple[int, int] | None:
    """(0-based column, 1-based row) of an A1 reference, None if it is not one."""
    m = _CELL_REF.fullmatch(cell.strip())
    if m is None:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    if not (1 <= col <= 16384 and 1 <= row <= 1_048_576):
        return None
    return col - 1, row


def with_cell_refs(frame: pl.DataFrame) -> pl.DataFrame:
    """The findings with `_col` (0-based column) and `_row` of their cell (`cel`); null when
    `cel` is not an A1 reference inside Excel's grid. `parse_ref` for a whole frame: the few
    distinct column letters are looked up once."""
    import polars as pl

    ref = (
        pl.col("cel")
        .str.strip_chars()
        .str.to_uppercase()
        .str.extract_groups(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
    )
    parts = frame.select(
        ref.struct.field("1").alias("_letters"), ref.struct.field("2").alias("_digits")
    )
    letters = parts.get_column("_letters").drop_nulls().unique().to_list()
    index = {}
    for text in letters:
        found = parse_ref(f"{text}1")
        if found is not None:
            index[text] = found[0]
    col = parts.get_column("_letters").replace_strict(index, default=None, return_dtype=pl.Int64)
    row = parts.get_column("_digits").cast(pl.Int64)
    inside = (row.is_between(1, 1_048_576) & col.is_not_null()).fill_null(False)
    return frame.with_columns(
        pl.when(inside).then(col).otherwise(None).alias("_col"),
        pl.when(inside).then(row).otherwise(None).alias("_row"),
    )


def mark_blocks(cells: pl.DataFrame, by: Iterable[str] = ()) -> pl.DataFrame:
    """Cells to mark as few rectangles: per group of `by`, the cells (`_col` 0-based, `_row`
    1-based) become blocks with columns `c1`, `r1`, `c2`, `r2` and `ref` ("C7:E9", "C10").

    First consecutive rows of one column are merged into runs; then runs with the same rows in
    adjacent columns into rectangles. A whole block of wrong cells (every tariff of a sheet,
    whole rows) so becomes one range instead of one per cell or column. Duplicates are ignored.
    """
    import polars as pl

    keys = list(by)
    if cells.height == 0:
        schema = {k: cells.schema[k] for k in keys}
        return pl.DataFrame(
            schema={**schema, "c1": pl.Int64, "r1": pl.Int64, "c2": pl.Int64, "r2": pl.Int64}
        ).with_columns(ref=pl.lit("", dtype=pl.String))

    def starts(same: list[str], step: str) -> pl.Expr:
        """True where a new run begins: another group, or not the next `step` value."""
        new = pl.col(step) != pl.col(step).shift(1) + 1
        for name in same:
            new = new | (pl.col(name) != pl.col(name).shift(1))
        return new.fill_null(True).cum_sum().alias("_run")

    runs = (
        cells.select(*keys, pl.col("_col").cast(pl.Int64), pl.col("_row").cast(pl.Int64))
        .unique()
        .sort([*keys, "_col", "_row"])
        .with_columns(starts([*keys, "_col"], "_row"))
        .group_by("_run")
        .agg(
            *[pl.col(k).first() for k in keys],
            pl.col("_col").first(),
            r1=pl.col("_row").min(),
            r2=pl.col("_row").max(),
        )
    )
    blocks = (
        runs.sort([*keys, "r1", "r2", "_col"])
        .with_columns(starts([*keys, "r1", "r2"], "_col"))
        .group_by("_run")
        .agg(
            *[pl.col(k).first() for k in keys],
            pl.col("r1").first(),
            pl.col("r2").first(),
            c1=pl.col("_col").min(),
            c2=pl.col("_col").max(),
        )
        .sort([*keys, "c1", "r1"])
        .select(*keys, "c1", "r1", "c2", "r2")
    )
    columns = blocks.select(pl.concat([pl.col("c1"), pl.col("c2")]).unique()).to_series()
    letters = {c: column_letter(c) for c in columns.to_list()}

    def letter(name: str) -> pl.Expr:
        return pl.col(name).replace_strict(letters, return_dtype=pl.String)

    single = (pl.col("c1") == pl.col("c2")) & (pl.col("r1") == pl.col("r2"))
    first = pl.concat_str(letter("c1"), pl.col("r1").cast(pl.String))
    last = pl.concat_str(letter("c2"), pl.col("r2").cast(pl.String))
    return blocks.with_columns(
        ref=pl.when(single).then(first).otherwise(pl.concat_str(first, pl.lit(":"), last))
    )
