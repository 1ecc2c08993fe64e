"""Region profiles: the figures and switches a region supplies, as data.

A profile is a TOML file. The shipped ones (`jeugdhulp/profielen/*.toml`) hold exactly the
figures the seed documents give, each with its source; anything else is the region's to add, in
its own TOML file (pass its path wherever a profile name is accepted). A calculation that needs a
figure the profile lacks raises `OntbrekendeInstelling` naming the setting.

>>> p = load_profile("ijsselland-2023")
>>> p.naam, [b.bedrag for b in p.standaardbudgetten][:3]
('IJsselland 2023', [Decimal('1000'), Decimal('2000'), Decimal('3000')])
>>> p.decimal("groepstarieven.middel")
Traceback (most recent call last):
...
jeugdhulp.errors.OntbrekendeInstelling: De instelling 'groepstarieven.middel' ontbreekt in regioprofiel 'ijsselland-2023'. Vul deze aan in het profiel (bron: de regio); de rekenhulp raadt geen tarieven.

A region's own file is checked against `INSTELLINGEN` when it is read: a misspelt setting or an
unknown check id is refused with the key named (it would otherwise be silently ignored), and a
TOML syntax error is explained in Dutch with its line:

>>> profile_from_text('[controles]\\nmaandperiod = true', "eigen.toml")
Traceback (most recent call last):
...
jeugdhulp.errors.OngeldigProfiel: Regioprofiel 'eigen.toml': onbekende instelling 'controles.maandperiod' (bedoelt u 'controles.maandperiode'?).
>>> profile_from_text('[controles]\\nmaandperiode true', "eigen.toml")
Traceback (most recent call last):
...
jeugdhulp.errors.OngeldigProfiel: Regioprofiel 'eigen.toml' is geen geldige TOML: regel 2, kolom 14: na een sleutel hoort een '=' (sleutel = waarde). De regel: maandperiode true
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jeugdhulp.columns import columns
from jeugdhulp.errors import OnbekendProfiel, OngeldigProfiel, OntbrekendeInstelling

DEFAULT_PROFILE = "ijsselland-2023"

#: The stable ids of the check catalogue (`jeugdhulp.checks`, which registers each check under
#: one of these and fails on any other): what `controles.uit` may name.
CHECK_IDS: tuple[str, ...] = tuple(f"PM{n:03d}" for n in range(1, 33))

#: A table whose keys are free (category names, years), each holding a plain value.
VRIJE_SLEUTELS = "vrije sleutels"

#: Every setting a profile may hold. A set is a table with those keys; a list of one set is an
#: array of tables (`[[producten]]`) with those keys; `VRIJE_SLEUTELS` a table of any keys;
#: None a plain value. `tests/test_profile.py` keeps this in step with what the code reads.
INSTELLINGEN: dict[str, object] = {
    "sleutel": None,
    "naam": None,
    "bron": None,
    "standaardbudgetten": [{"nummer", "bedrag", "medisch"}],
    "rekentarieven": VRIJE_SLEUTELS,
    "groepstarieven": {"licht", "middel", "middelzwaar", "zwaar"},
    "termijnen": {
        "jw315_na_beoordeling_werkdagen",
        "jw301_na_jw315_midden_werkdagen",
        "jw301_na_jw315_top_dagen",
        "jw305_na_jw301_midden_weken",
        "jw305_na_jw301_top_weken",
        "jw305_na_start_zorg_werkdagen",
    },
    "werkdagen": {"kalender", "gelijkgestelde_dagen"},
    "sroi": {"percentage", "drempel"},
    "leeftijd": {"maximum"},
    "indexatie": VRIJE_SLEUTELS,
    "tarieven": {"minuuttarief"},
    "zeventig_dertig": [{"code_70", "code_30"}],
    "controles": {
        "uit",
        "maandperiode",
        "zeventig_dertig",
        "arrangementen_niet_stapelen",
        "heropenen_binnen_maanden",
        "overgangsjaar",
        "buiten_arrangement_alleen_direct",
        "einddatum_verplicht",
    },
    "producten": [{c.naam for c in columns("producten")}],
    "arrangementen": {"prefix", "productcategorie"},
    "segment3": {"behandeluren", "begeleidingsuren", "groepsdagdelen"},
    "vervoer": {"weegfactor", "drempel", "productcodes"},
}

_MISSING = object()


@dataclass(frozen=True, slots=True)
class StandaardBudget:
    nummer: int
    bedrag: Decimal
    medisch: bool


@dataclass(frozen=True)
class Profile:
    sleutel: str
    naam: str
    bron: str
    data: dict[str, Any] = field(repr=False)

    # -- generic access -------------------------------------------------------------------
    def get(self, path: str, default: Any = _MISSING) -> Any:
        """The setting at a dotted path (`"vervoer.drempel"`); raises when absent without default."""
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is _MISSING:
                    raise OntbrekendeInstelling(path, self.sleutel)
                return default
            node = node[part]
        return node

    def decimal(self, path: str) -> Decimal:
        value = self.get(path)
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise OntbrekendeInstelling(path, self.sleutel) from None

    # -- typed views used by the calculations ----------------------------------------------
    @property
    def standaardbudgetten(self) -> tuple[StandaardBudget, ...]:
        rows = self.get("standaardbudgetten")
        budgets = tuple(
            StandaardBudget(int(r["nummer"]), Decimal(str(r["bedrag"])), bool(r["medisch"]))
            for r in rows
        )
        return tuple(sorted(budgets, key=lambda b: b.bedrag))

    def check_enabled(self, check_id: str) -> bool:
        return check_id not in {str(c).strip().upper() for c in self.get("controles.uit", [])}

    def producten(self) -> list[dict[str, Any]]:
        """Product codes the profile itself knows (from the seeds), including generated arrangement codes."""
        rows = [dict(r) for r in self.get("producten", [])]
        prefix = self.get("arrangementen.prefix", None)
        if prefix:
            categorie = str(self.get("arrangementen.productcategorie"))
            rows += [
                {
                    "productcategorie": categorie,
                    "productcode": f"{prefix}{arr}{intensiteit}",
                    "omschrijving": f"Arrangement {arr}, intensiteit {intensiteit}",
                    "binnen_arrangement": True,
                }
                for arr in range(1, 10)
                for intensiteit in range(1, 6)
            ]
        return rows


def shipped_profiles() -> list[str]:
    """Keys of the profiles shipped with the package."""
    folder = resources.files("jeugdhulp") / "profielen"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


@cache
def load_profile(name_or_path: str | None = None) -> Profile:
    """A shipped profile by key (case-insensitive), or a region's own TOML file by path."""
    name = (name_or_path or DEFAULT_PROFILE).strip()
    candidate = Path(name)
    if candidate.suffix.lower() == ".toml":
        if not candidate.is_file():
            raise OnbekendProfiel(f"Regioprofiel '{name}': het bestand bestaat niet.")
        try:
            text = candidate.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise OngeldigProfiel(
                f"Regioprofiel '{name}' is geen tekst in UTF-8; sla het op als UTF-8."
            ) from None
        except OSError as exc:
            raise OnbekendProfiel(
                f"Regioprofiel '{name}' is niet te lezen ({exc.strerror or exc})."
            ) from None
    else:
        key = name.lower().replace(" ", "-")
        resource = resources.files("jeugdhulp") / "profielen" / f"{key}.toml"
        if not resource.is_file():
            raise OnbekendProfiel(
                f"Onbekend regioprofiel '{name}'. Beschikbaar: {', '.join(shipped_profiles())}, "
                "of het pad naar een eigen .toml-bestand."
            )
        text = resource.read_text(encoding="utf-8")
    return profile_from_text(text, name)


def profile_from_text(text: str, origin: str = "") -> Profile:
    """A profile from TOML text; `origin` (file or key) names it in messages.

    Raises `OngeldigProfiel` (Dutch, naming the line or the key) on a TOML syntax error, an
    unknown setting or an unknown check id in `controles.uit`.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OngeldigProfiel(
            f"Regioprofiel '{origin}' is geen geldige TOML: {toml_fout_nl(str(exc), text)}"
        ) from None
    problems = validate(data)
    if problems:
        raise OngeldigProfiel(f"Regioprofiel '{origin}': " + "; ".join(problems) + ".")
    key = str(data.get("sleutel", origin))
    return Profile(
        sleutel=key, naam=str(data.get("naam", key)), bron=str(data.get("bron", "")), data=data
    )


def _unknown(path: str, key: str, known: set[str] | Mapping[str, object]) -> str:
    name = f"{path}.{key}" if path else key
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    hint = f" (bedoelt u '{f'{path}.{close[0]}' if path else close[0]}'?)" if close else ""
    return f"onbekende instelling '{name}'{hint}"


def validate(data: Mapping[str, object]) -> list[str]:
    """What is wrong with a profile's settings (Dutch, one item per problem); [] when nothing.

    Checks the keys against `INSTELLINGEN` (tables, arrays of tables, plain values) and the ids
    in `controles.uit` against `CHECK_IDS`. Values themselves are checked where they are used.
    """
    problems: list[str] = []
    for key, value in data.items():
        if key not in INSTELLINGEN:
            problems.append(_unknown("", key, INSTELLINGEN))
            continue
        shape = INSTELLINGEN[key]
        if shape is None:
            if isinstance(value, dict | list):
                problems.append(f"'{key}' hoort een enkele waarde te zijn, geen tabel of lijst")
        elif shape == VRIJE_SLEUTELS:
            if not isinstance(value, dict):
                problems.append(f"'{key}' hoort een tabel te zijn ([{key}])")
        elif isinstance(shape, set):
            if not isinstance(value, dict):
                problems.append(f"'{key}' hoort een tabel te zijn ([{key}])")
                continue
            problems += [_unknown(key, sub, shape) for sub in value if sub not in shape]
        elif isinstance(shape, list):
            rows = value if isinstance(value, list) else None
            if rows is None or not all(isinstance(row, dict) for row in rows):
                problems.append(f"'{key}' hoort een lijst van tabellen te zijn ([[{key}]])")
                continue
            allowed = shape[0]
            for n, row in enumerate(rows, 1):
                problems += [
                    _unknown(key, sub, allowed) + f" in de {n}e [[{key}]]"
                    for sub in row
                    if sub not in allowed
                ]
    problems += _wrong_kinds(data)
    uit = (
        data.get("controles", {}).get("uit", []) if isinstance(data.get("controles"), dict) else []
    )
    if not isinstance(uit, list):
        problems.append("'controles.uit' hoort een lijst van controles te zijn, zoals [\"PM014\"]")
    else:
        for item in uit:
            if str(item).strip().upper() not in CHECK_IDS:
                problems.append(
                    f"'controles.uit' noemt onbekende controle '{item}' "
                    f"(bekend: {CHECK_IDS[0]} t/m {CHECK_IDS[-1]}, zie jeugdhulp controles)"
                )
    return problems


def _leaves(data: Mapping[str, object], path: str = "") -> Iterator[tuple[str, object]]:
    """(dotted setting, value) of every plain value; rows of an array of tables as "a[].b"."""
    for key, value in data.items():
        name = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict):
            yield from _leaves(value, name)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for row in value:
                yield from _leaves(row, f"{name}[]")
        else:
            yield name, value


@cache
def _shipped_kinds() -> dict[str, frozenset[str]]:
    """Per setting the kinds of value ("getal", "tekst", "ja/nee") the shipped profiles give
    it: a region's own file is held to the same (`_wrong_kinds`)."""
    kinds: dict[str, set[str]] = {}
    folder = resources.files("jeugdhulp") / "profielen"
    for item in folder.iterdir():
        if item.name.endswith(".toml"):
            for name, value in _leaves(tomllib.loads(item.read_text(encoding="utf-8"))):
                kinds.setdefault(name, set()).add(_kind(value))
    return {name: frozenset(found) for name, found in kinds.items()}


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "ja/nee (true of false)"
    if isinstance(value, int | float):
        return "getal"
    if isinstance(value, str):
        return "tekst"
    return "lijst" if isinstance(value, list) else "waarde"


def _wrong_kinds(data: Mapping[str, object]) -> list[str]:
    """Settings whose value is of another kind than every shipped profile gives it: a number
    written as text ("achttien", "5%") would otherwise fail only when a check uses it."""
    known = _shipped_kinds()
    problems = []
    for name, value in _leaves(data):
        kinds = known.get(name)
        if kinds and _kind(value) not in kinds and len(kinds) == 1:
            (kind,) = kinds
            hint = " (zonder aanhalingstekens, met een punt als decimaalteken: 2.86)"
            problems.append(
                f"'{name.replace('[]', '')}' hoort een {kind} te zijn, niet {value!r}"
                + (hint if kind == "getal" else "")
            )
    return problems


#: tomllib's messages (Python 3.11-3.13) in Dutch; a message not listed is shown as it is.
_TOML_MELDINGEN: tuple[tuple[str, str], ...] = (
    (
        r"Expected '=' after a key in a key/value pair",
        "na een sleutel hoort een '=' (sleutel = waarde)",
    ),
    (
        r"Invalid value",
        'deze waarde is ongeldig (tekst tussen aanhalingstekens, getallen met een punt: "54.42")',
    ),
    (r"Invalid statement", "deze regel is geen 'sleutel = waarde' en geen [tabel]"),
    (
        r"Expected newline or end of document after a statement",
        "na de waarde hoort de regel te eindigen",
    ),
    (r"Unterminated string", "de tekst mist een afsluitend aanhalingsteken"),
    (r"Unclosed array", "de lijst mist een afsluitende ']'"),
    (r"Unclosed inline table", "de tabel mist een afsluitende '}'"),
    (r"Expected ']' at the end of a table declaration", "de tabelnaam mist een afsluitende ']'"),
    (r"Expected ']]' at the end of an array declaration", "de tabelnaam mist een afsluitende ']]'"),
    (r"Invalid initial character for a key part", "een sleutel begint met een ongeldig teken"),
    (r"Cannot declare (.+) twice", r"de tabel \1 staat er twee keer in"),
    (r"Cannot overwrite a value", "deze sleutel heeft al een waarde"),
    (
        r"Cannot (?:redefine|mutate immutable) namespace (.+)",
        r"de tabel \1 is al eerder gedefinieerd",
    ),
    (r"Duplicate inline table key (.+)", r"de sleutel \1 staat twee keer in de tabel"),
    (r"Invalid date or datetime", "ongeldige datum (schrijf 2023-03-01)"),
    (
        r"(?:Illegal|Found invalid) character '\\n'",
        "de tekst mist een afsluitend aanhalingsteken (tekst staat op één regel)",
    ),
    (r"(?:Illegal|Found invalid) character (.+)", r"ongeldig teken \1"),
    (
        r"Unescaped '\\' in a string",
        "een '\\' in tekst moet '\\\\' zijn (of gebruik enkele aanhalingstekens)",
    ),
)
_TOML_PLAATS = re.compile(
    r"^(?P<melding>.*) \(at (?:line (?P<regel>\d+), column (?P<kolom>\d+)|end of document)\)$"
)


def toml_fout_nl(message: str, text: str = "") -> str:
    """A `tomllib.TOMLDecodeError` message in Dutch, with the line and its text where known.

    >>> toml_fout_nl("Unclosed array (at line 3, column 9)", "a = 1\\nb = 2\\nuit = [\\"PM014\\"")
    'regel 3, kolom 9: de lijst mist een afsluitende \\']\\'. De regel: uit = ["PM014"'
    """
    found = _TOML_PLAATS.match(message.strip())
    body = found.group("melding") if found else message.strip()
    # tomllib names a table as a tuple of its keys: ('controles',) or ('a', 'b')
    body = re.sub(
        r"\(((?:'[^']*',? ?)+)\)",
        lambda m: ".".join(re.findall(r"'([^']*)'", m.group(1))),
        body,
    )
    for pattern, dutch in _TOML_MELDINGEN:
        if re.fullmatch(pattern, body):
            body = re.sub(pattern, dutch, body)
            break
    else:
        body = f"{body} (melding van de TOML-lezer)"
    if found is None:
        return body
    if found.group("regel") is None:
        return f"aan het einde van het bestand: {body}"
    line = int(found.group("regel"))
    lines = text.splitlines()
    shown = f". De regel: {lines[line - 1].strip()}" if 0 < line <= len(lines) else ""
    return f"regel {line}, kolom {found.group('kolom')}: {body}{shown}"
