"""Every check tells the user how to fix its findings ("hoe herstel ik dit"), from its declaration."""

from __future__ import annotations

import pytest

from jeugdhulp.checks import CATALOGUE, catalogue_markdown


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.id)
def test_every_check_has_a_concrete_dutch_herstel(check) -> None:
    text = check.herstel
    assert text, f"{check.id}: herstel ontbreekt in @controle(...)"
    # One or two sentences, short enough to read beside the counts on the Controle sheet.
    sentences = [s for s in text.replace("...", "…").split(". ") if s.strip()]
    assert 1 <= len(sentences) <= 2, text
    assert 40 <= len(text) <= 240, (check.id, len(text))
    assert text[0].isupper() and text.endswith("."), text
    assert text != check.titel


def test_the_generated_catalogue_shows_the_herstel() -> None:
    markdown = catalogue_markdown()
    for check in CATALOGUE:
        assert f"**Hoe herstel ik dit?** {check.herstel}" in markdown
