"""The vectorised rules in `jeugdhulp.checks` agree with their scalar homes.

The elfproef's home is `jeugdhulp.bsn` (python-stdnum) and the per-minute tariff's is
`jeugdhulp.tariff`; those stay pure Python for Pyodide, so the checks carry polars mirrors, and
these property tests keep both equal.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jeugdhulp.bsn import is_valid_bsn, normalize_bsn
from jeugdhulp.checks import dutch_number, elfproef, euro, tarief_per_minuut_units
from jeugdhulp.schema import DECIMAL
from jeugdhulp.tariff import tarief_per_minuut

digits = st.text(alphabet="0123456789", min_size=7, max_size=10)
anything = st.text(alphabet="0123456789 .-a٣", max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(digits, anything), min_size=1, max_size=50))
def test_vectorised_elfproef_agrees_with_jeugdhulp_bsn(values: list[str]) -> None:
    normalised = [normalize_bsn(v)[0] for v in values]
    vectorised = pl.Series(normalised, dtype=pl.String).to_frame("b").select(elfproef(pl.col("b")))
    assert vectorised.to_series().to_list() == [is_valid_bsn(v) for v in values]


def test_elfproef_known_numbers() -> None:
    frame = pl.DataFrame({"b": ["111222333", "111222334", "000000000", "011222335", None]})
    assert frame.select(elfproef(pl.col("b"))).to_series().to_list() == [
        True,
        False,
        False,
        True,
        False,
    ]


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=100_000, places=4))
def test_per_minute_tariff_agrees_with_jeugdhulp_tariff(uurtarief: Decimal) -> None:
    frame = pl.DataFrame({"t": [uurtarief]}, schema={"t": DECIMAL})
    units = frame.select(tarief_per_minuut_units((pl.col("t") * 10_000).cast(pl.Int128)))
    assert Decimal(units.item()) / 10_000 == tarief_per_minuut(uurtarief)


def test_per_minute_tariff_seed_and_float_traps() -> None:
    hourly = [Decimal("54.42"), Decimal("69.00"), Decimal("16.20"), Decimal("23.40")]
    frame = pl.DataFrame({"t": hourly}, schema={"t": DECIMAL})
    units = frame.select(tarief_per_minuut_units((pl.col("t") * 10_000).cast(pl.Int128)))
    assert units.to_series().to_list() == [9000, 11500, 2700, 3900]  # 0,90 1,15 0,27 0,39


def test_dutch_number_formatting() -> None:
    values = ["0.9070", "54.42", "1000", "1234567.5", "-3.25", "12.5", None]
    frame = pl.DataFrame({"x": values}).with_columns(pl.col("x").cast(DECIMAL))
    money = frame.select(euro(pl.col("x"))).to_series().to_list()
    plain = frame.select(dutch_number(pl.col("x"))).to_series().to_list()
    assert money == ["0,907", "54,42", "1.000,00", "1.234.567,50", "-3,25", "12,50", None]
    assert plain == ["0,907", "54,42", "1.000", "1.234.567,5", "-3,25", "12,5", None]


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=100_000, places=2))
def test_national_per_minute_tariff_agrees_with_jeugdhulp_tariff(uurtarief: Decimal) -> None:
    frame = pl.DataFrame({"t": [uurtarief]}, schema={"t": DECIMAL})
    units = frame.select(
        tarief_per_minuut_units((pl.col("t") * 10_000).cast(pl.Int128), "afronden")
    )
    assert Decimal(units.item()) / 10_000 == tarief_per_minuut(uurtarief, "afronden")


def test_national_per_minute_tariff_iv081_examples() -> None:
    # IV081: 1,455 -> 1,46 and 1,454 -> 1,45 (87,30 / 60 = 1,455; 87,24 / 60 = 1,454)
    hourly = [Decimal("87.30"), Decimal("87.24"), Decimal("54.42"), Decimal("69.00")]
    frame = pl.DataFrame({"t": hourly}, schema={"t": DECIMAL})
    units = frame.select(
        tarief_per_minuut_units((pl.col("t") * 10_000).cast(pl.Int128), "afronden")
    )
    assert units.to_series().to_list() == [14600, 14500, 9100, 11500]
    assert [tarief_per_minuut(t, "afronden") for t in hourly] == [
        Decimal("1.46"),
        Decimal("1.45"),
        Decimal("0.91"),
        Decimal("1.15"),
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10_000, places=2),
    st.integers(min_value=0, max_value=100_000),
)
def test_amount_in_minutes_agrees_with_jeugdhulp_tariff(uurtarief: Decimal, minuten: int) -> None:
    # the checks' expected amount (`Context.enriched`, IV081) against the pure rule
    from jeugdhulp.checks._base import UNITS, round_half_up_div
    from jeugdhulp.tariff import bedrag_in_minuten

    frame = pl.DataFrame(
        {"t": [uurtarief], "m": [Decimal(minuten)]}, schema={"t": DECIMAL, "m": DECIMAL}
    )
    t = (pl.col("t") * 10_000).cast(UNITS)
    m = (pl.col("m") * 10_000).cast(UNITS)
    units = frame.select(round_half_up_div(t * m, 60 * 1_000_000) * 100)
    assert Decimal(units.item()) / 10_000 == bedrag_in_minuten(uurtarief, minuten, "afronden")
