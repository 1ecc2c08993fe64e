"""`jeugdhulp rekenhulp`: the seed's cases, help that lists the choices, words checked up front."""

from __future__ import annotations

import pytest

from batch.cli import main

MARK = (
    "--groep-dagen", "2", "--groep-uren", "3", "--groep-weken", "26",
    "--groep-intensiteit", "licht", "--ambulant-uren", "3", "--ambulant-weken", "26",
    "--rekentarief", "Overwegend begeleiding en lichte hulp",
)  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["rekenhulp", *argv])
    except SystemExit as stop:  # argparse: help (0) or a wrong argument (2)
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_mark_gets_budget_5(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *MARK)
    assert code == 0
    assert "Raming:       € 7.687,68" in out
    assert "Standaardbudget: 5 (€ 8.000,00)" in out


def test_an_hourly_amount_is_a_rekentarief(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--ambulant-uren", "2,5", "--ambulant-weken", "26",
                       "--rekentarief", "130,00")  # fmt: skip
    assert code == 0 and "Raming:       € 8.450,00" in out and "Standaardbudget: 6" in out


def test_help_lists_categories_intensities_and_referrers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--help")
    text = " ".join(out.split())
    assert code == 0
    assert "Overwegend begeleiding en lichte hulp; Grote ggz instellingen / academisch" in text
    assert "met een groepstarief in ijsselland-2023: licht" in text
    assert "Herstel" in text and "Duurzaam" in text and "GI of Toegang" in text
    assert "Voorbeeld (casus Mark)" in text


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--trajecttype", "kort", "Trajecttype 'kort' bestaat niet; kies Herstel of Duurzaam."),
        ("--verwijzer", "buurman", "Verwijzer 'buurman' is onbekend"),
        ("--groep-intensiteit", "extreem", "Groepsintensiteit 'extreem' bestaat niet"),
    ],
)
def test_wrong_words_are_refused_before_any_calculation(
    capsys: pytest.CaptureFixture[str], option: str, value: str, said: str
) -> None:
    code, out, err = run(capsys, "--raming", "3000", option, value)
    assert code == 2 and out == ""
    assert f"argument {option}: {said}" in err
    assert "Traceback" not in err


def test_words_are_read_in_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--raming", "9.000", "--verwijzer", "Huisarts",
                       "--trajecttype", "duurzaam")  # fmt: skip
    assert code == 0 and "Overleg met de Toegang" in out
