"""Region profiles (issue 12 item 7): unknown keys and check ids refused with the key named,
TOML syntax errors in Dutch, and the schema kept in step with what the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jeugdhulp.errors import JeugdhulpError, OnbekendProfiel, OngeldigProfiel
from jeugdhulp.profile import (
    CHECK_IDS,
    INSTELLINGEN,
    load_profile,
    profile_from_text,
    shipped_profiles,
    toml_fout_nl,
)

ROOT = Path(__file__).resolve().parents[1]


def refused(text: str) -> str:
    with pytest.raises(OngeldigProfiel) as error:
        profile_from_text(text, "regio.toml")
    return str(error.value)


def test_shipped_profiles_are_valid() -> None:
    for key in shipped_profiles():
        assert load_profile(key).sleutel == key


def test_unknown_setting_is_named_with_a_suggestion() -> None:
    assert refused("[controles]\nmaandperiod = true\n") == (
        "Regioprofiel 'regio.toml': onbekende instelling 'controles.maandperiod' (bedoelt u"
        " 'controles.maandperiode'?)."
    )
    assert "onbekende instelling 'groepstarief'" in refused('[groepstarief]\nlicht = "14.28"\n')
    assert "'producten.tarrief'" in refused('[[producten]]\nproductcode = "x"\ntarrief = 1\n')
    assert "'termijnen.jw315_werkdagen'" in refused("[termijnen]\njw315_werkdagen = 5\n")


def test_every_problem_is_listed_at_once() -> None:
    message = refused('kleur = "blauw"\n[sroi]\npercentge = "0.05"\n')
    assert "'kleur'" in message and "'sroi.percentge'" in message


def test_wrong_shape_is_explained() -> None:
    assert "'naam' hoort een enkele waarde te zijn" in refused("naam = [1, 2]\n")
    assert "'controles' hoort een tabel te zijn" in refused('controles = "aan"\n')
    assert "lijst van tabellen" in refused('producten = "45A48"\n')


def test_unknown_check_id_is_refused() -> None:
    message = refused('[controles]\nuit = ["PM014", "PM099"]\n')
    assert "'controles.uit' noemt onbekende controle 'PM099'" in message
    assert profile_from_text('[controles]\nuit = ["pm014"]\n', "x").check_enabled("PM014") is False
    assert "hoort een lijst" in refused('[controles]\nuit = "PM014"\n')


def test_free_tables_take_any_key() -> None:
    text = '[rekentarieven]\n"Eigen categorie" = "95.00"\n[indexatie]\n2024 = "0.031"\n'
    assert profile_from_text(text, "x").get("indexatie.2024") == "0.031"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[controles]\nmaandperiode true\n", "regel 2, kolom 14: na een sleutel hoort een '='"),
        ('naam = "IJsselland\n', "regel 1, kolom 19: de tekst mist een afsluitend aanhalingsteken"),
        ('[controles]\nuit = ["PM014"\n', "aan het einde van het bestand: de lijst mist"),
        ("[controles]\n[controles]\n", "de tabel controles staat er twee keer in"),
        ("naam = IJsselland\n", "deze waarde is ongeldig"),
    ],
)
def test_toml_syntax_errors_in_dutch(text: str, expected: str) -> None:
    message = refused(text)
    assert message.startswith("Regioprofiel 'regio.toml' is geen geldige TOML: ")
    assert expected in message
    assert not re.search(r"\b(Expected|Invalid|Unclosed|Cannot)\b", message)


def test_an_unknown_toml_message_is_shown_as_it_is() -> None:
    assert toml_fout_nl("Something new (at line 2, column 1)", "a\nb = c") == (
        "regel 2, kolom 1: Something new (melding van de TOML-lezer). De regel: b = c"
    )


def test_own_profile_file_errors(tmp_path: Path) -> None:
    with pytest.raises(OnbekendProfiel, match="bestaat niet"):
        load_profile(str(tmp_path / "geen.toml"))
    latin = tmp_path / "latin.toml"
    latin.write_bytes('naam = "Cliënt"\n'.encode("latin-1"))
    with pytest.raises(OngeldigProfiel, match="UTF-8"):
        load_profile(str(latin))
    bad = tmp_path / "fout.toml"
    bad.write_text("[controles]\nuit = [PM014]\n", encoding="utf-8")
    with pytest.raises(JeugdhulpError, match="regel 2"):
        load_profile(str(bad))


def test_check_ids_are_the_catalogue() -> None:
    from jeugdhulp.checks import CATALOGUE

    assert {c.id for c in CATALOGUE} - {"PM023"} == set(CHECK_IDS) - {"PM023"}


def test_schema_knows_every_setting_the_code_reads() -> None:
    """Every `profile.get("a.b")`, `decimal("a.b")` and `ctx.setting("b")` in the code is known."""
    from jeugdhulp.checks import CATALOGUE

    used: set[tuple[str, str | None]] = set()
    for path in [*ROOT.glob("jeugdhulp/**/*.py"), *ROOT.glob("addin/*.py")]:
        text = path.read_text(encoding="utf-8")
        pattern = r"""profile\.(?:get|decimal)\(\s*f?["']([a-z_0-9]+)(?:\.([a-z_0-9]+))?["']"""
        for found in re.findall(pattern, text):
            used.add((found[0], found[1] or None))
        for name in re.findall(r"""setting\(\s*["']([a-z_]+)["']""", text):
            used.add(("controles", name))
    used |= {("controles", c.schakelaar) for c in CATALOGUE if c.schakelaar}
    assert {
        ("vervoer", "weegfactor"),
        ("tarieven", "minuuttarief"),
        ("werkdagen", "kalender"),
    } <= used
    for section, key in sorted(used, key=str):
        if key is None and section in ("controles",):
            continue
        assert section in INSTELLINGEN, section
        shape = INSTELLINGEN.get(section)
        if key is not None and isinstance(shape, set):
            assert key in shape, f"{section}.{key}"


def test_a_number_written_as_text_is_refused_naming_the_setting() -> None:
    """A region's own profile with `maximum = "achttien"` is refused when loaded, naming the
    setting and what it should be, not with a Python error when a check uses it."""
    from importlib import resources

    from jeugdhulp.errors import OngeldigProfiel
    from jeugdhulp.profile import profile_from_text

    base = (resources.files("jeugdhulp") / "profielen" / "ijsselland-2023.toml").read_text(
        encoding="utf-8"
    )
    assert "maximum = 18" in base
    with pytest.raises(OngeldigProfiel, match=r"'leeftijd\.maximum' hoort een getal te zijn"):
        profile_from_text(base.replace("maximum = 18", 'maximum = "achttien"', 1), "eigen.toml")
    assert profile_from_text(base.replace("maximum = 18", "maximum = 21", 1), "eigen.toml")
