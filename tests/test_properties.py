"""Money never drifts: the tariff and budget functions against integer arithmetic (hypothesis).

Checked twice: on the core with Decimals, and through the Excel function with the float a cell
holds (the double nearest to the typed amount, i.e. ``cents / 100``) or the Dutch text typed.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")  # before xlwings is imported
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio
import math
from decimal import Decimal

import xlwings as xw
from hypothesis import example, given, settings
from hypothesis import strategies as st
from xlwings import server

from addin import functions
from jeugdhulp.budget import standaardbudget
from jeugdhulp.profile import load_profile
from jeugdhulp.tariff import indexeer_tarief, tarief_per_minuut

CENTS = st.integers(min_value=0, max_value=10**7)
#: Index percentages with 4 decimals as a fraction (2,86% = 286 / 10000), within (-100%, 100%).
BASIS_POINTS = st.integers(min_value=-9999, max_value=9999)
IJSSELLAND = load_profile("ijsselland-2023")


def per_minute_cents(cents: int) -> int:
    """Hourly tariff of `cents` cents / 60, truncated to whole cents: floor(cents / 60)."""
    return cents // 60


def indexed_cents(cents: int, basis_points: int) -> int:
    """cents x (1 + basis_points / 10000), rounded half up to whole cents, in integers."""
    quotient, remainder = divmod(cents * (10000 + basis_points), 10000)
    return quotient + (1 if 2 * remainder >= 10000 else 0)


def dutch_text(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


@given(CENTS)
@example(5442)
@example(6900)
@example(1620)
@example(2340)
@example(0)
@example(10**7)
def test_tarief_per_minuut_is_exact_truncation(cents: int) -> None:
    expected = per_minute_cents(cents)
    assert tarief_per_minuut(Decimal(cents) / 100) == Decimal(expected) / 100
    # Through the Excel function: the float the cell holds, and the Dutch text typed.
    assert functions.tariefperminuut(cents / 100) == expected / 100
    assert functions.tariefperminuut(dutch_text(cents)) == expected / 100


@settings(max_examples=25, deadline=None)
@given(st.lists(CENTS, min_size=1, max_size=300))
def test_tarief_per_minuut_through_xlwings_call_path(cents: list[int]) -> None:
    data = {
        "func_name": "tariefperminuut",
        "args": [[[c / 100] for c in cents]],
        "caller_address": "[Boek1]Blad1!A1",
        "version": xw.__version__,
        "runtime": "1.4",
        "client": "Office.js",
    }
    result = asyncio.run(server.custom_functions_call(data, functions))
    assert [row[0] for row in result] == [per_minute_cents(c) / 100 for c in cents]


def test_tarief_per_minuut_every_residue() -> None:
    """Every cent amount up to 1.000 euro: all residues mod 60, many times over."""
    for cents in range(100_001):
        assert tarief_per_minuut(Decimal(cents) / 100) * 100 == cents // 60


@given(CENTS, BASIS_POINTS)
@example(5442, 286)
@example(5, 1000)  # 0,05 x 1,1 = 0,055: half up to 0,06
def test_indexeer_tarief_matches_integer_half_up(cents: int, basis_points: int) -> None:
    expected = indexed_cents(cents, basis_points)
    result = indexeer_tarief(Decimal(cents) / 100, Decimal(basis_points) / 10000)
    assert result == Decimal(expected) / 100
    assert functions.indexeertarief(cents / 100, basis_points / 10000) == expected / 100


def _rank(value: float | str) -> float:
    """Snapped budgets in order; an offerte (or: consult the Toegang) is above every budget."""
    return math.inf if isinstance(value, str) else value


RAMING_CENTS = st.integers(min_value=0, max_value=3_000_000)


@given(RAMING_CENTS, RAMING_CENTS)
@example(768768, 845000)
@example(300000, 300000)
@example(2000000, 2000001)
@example(800000, 800001)
def test_standaardbudget_is_monotone_and_never_below_the_estimate(a: int, b: int) -> None:
    low, high = sorted((a, b))
    for verwijzer in (None, "medisch"):
        low_budget = functions.standaardbudget(low / 100, verwijzer)
        high_budget = functions.standaardbudget(high / 100, verwijzer)
        assert _rank(low_budget) <= _rank(high_budget)
        for cents, budget in ((low, low_budget), (high, high_budget)):
            if isinstance(budget, str):
                assert cents > (800000 if verwijzer else 2000000)
            else:
                assert budget * 100 >= cents
                core = standaardbudget(Decimal(cents) / 100, verwijzer, profile=IJSSELLAND)
                assert core.bedrag == Decimal(str(budget))
