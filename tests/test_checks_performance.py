"""run_checks over 1.000.000 production rows and 100.000 allocations (marked slow).

Run: pytest -m slow tests/test_checks_performance.py -s  (prints the time).
"""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
import pytest

from jeugdhulp.bsn import is_valid_bsn
from jeugdhulp.checks import CATALOGUE, check_plan, run_checks
from jeugdhulp.findings import FINDING_FIELDS, column_letter
from jeugdhulp.profile import Profile, profile_from_text
from jeugdhulp.schema import DECIMAL, PRODUCTEN, PRODUCTIE, TOEWIJZINGEN, ColumnInfo, TableInfo

EVERYTHING_ON = """
sleutel = "alles-aan"
naam = "Alles aan"
standaardbudgetten = [
    { nummer = 1, bedrag = "1000", medisch = true },
    { nummer = 2, bedrag = "8000", medisch = true },
    { nummer = 3, bedrag = "20000", medisch = false },
]
[arrangementen]
prefix = "50H"
productcategorie = "50"
[leeftijd]
maximum = 18
[[zeventig_dertig]]
code_70 = "50053"
code_30 = "50054"
[controles]
maandperiode = true
zeventig_dertig = true
arrangementen_niet_stapelen = true
heropenen_binnen_maanden = 3
overgangsjaar = 2023
uit = []
"""


def everything_on() -> Profile:
    return profile_from_text(EVERYTHING_ON, "alles-aan")


def _bsn(n: pl.Expr) -> pl.Expr:
    """A BSN from a number: 8 digits plus the elfproef check digit; where that digit would be
    10 the BSN is invalid (about 1 in 11: noise for PM002)."""
    body = (n + 10_000_000).cast(pl.String).str.zfill(8)
    total = pl.sum_horizontal(body.str.slice(i, 1).cast(pl.Int64) * (9 - i) for i in range(8))
    return body + (total % 11).cast(pl.String).str.slice(-1, 1)


def synthetic(rows: int = 1_000_000, allocations: int = 100_000) -> tuple[TableInfo, ...]:
    codes = [f"45A{i:02d}" for i in range(40)] + [
        f"50H{a}{i}" for a in range(1, 10) for i in (1, 2)
    ]
    codes += ["50053", "50054"]
    products = pl.DataFrame(
        {
            "_rij": list(range(2, 2 + 2 * len(codes))),
            "productcategorie": [c[:2] for c in codes] * 2,
            "productcode": codes * 2,
            "eenheid": ["01"] * 2 * len(codes),
            "tarief": ["0.88"] * len(codes) + ["0.90"] * len(codes),
            "geldig_vanaf": [dt.date(2022, 1, 1)] * len(codes) + [dt.date(2023, 1, 1)] * len(codes),
            "geldig_tot": [dt.date(2022, 12, 31)] * len(codes)
            + [dt.date(2023, 12, 31)] * len(codes),
        }
    ).with_columns(pl.col("tarief").cast(DECIMAL))
    products = products.with_columns(
        [pl.lit(None, dtype=t).alias(n) for n, t in PRODUCTEN.items() if n not in products.columns]
    ).select(list(PRODUCTEN))
    a = pl.int_range(0, allocations, eager=True).alias("i").to_frame()
    alloc = a.select(
        _rij=pl.col("i") + 2,
        bsn=_bsn(pl.col("i")),
        toewijzingnummer=pl.format("T{}", pl.col("i")),
        productcode=pl.lit(codes).list.get(pl.col("i") % 58).cast(pl.String),
        ingangsdatum=pl.lit(dt.date(2023, 1, 1)),
        einddatum=pl.lit(dt.date(2023, 12, 31)),
        volume=pl.lit("12000").cast(DECIMAL),
        eenheid=pl.lit("01"),
        budget=pl.lit("9000").cast(DECIMAL),
        trajecttype=pl.lit("herstel"),
    )
    alloc = alloc.with_columns(productcategorie=pl.col("productcode").str.slice(0, 2))
    alloc = alloc.with_columns(
        [pl.lit(None, dtype=t).alias(n) for n, t in TOEWIJZINGEN.items() if n not in alloc.columns]
    ).select(list(TOEWIJZINGEN))
    r = pl.int_range(0, rows, eager=True).alias("i").to_frame()
    month = (pl.col("i") // allocations) % 12 + 1
    begin = pl.date(2023, month, 1)
    prod = r.select(
        _rij=pl.col("i") + 2,
        bsn=_bsn(pl.col("i") % allocations),
        toewijzingnummer=pl.format("T{}", pl.col("i") % allocations),
        productcategorie=pl.lit(None, dtype=pl.String),
        productcode=pl.lit(codes).list.get(pl.col("i") % allocations % 58).cast(pl.String),
        begindatum=begin,
        einddatum=begin.dt.month_end(),
        eenheid=pl.lit("01"),
        aantal=(pl.col("i") % 900 + 100).cast(pl.String).cast(DECIMAL),
        _aantal_kolom=pl.lit(None, dtype=pl.String),
        tarief=pl.when(pl.col("i") % 97 == 0)
        .then(pl.lit("0.91"))
        .otherwise(pl.lit("0.90"))
        .cast(DECIMAL),
        geboortedatum=pl.date(2006, (pl.col("i") % 12) + 1, 1),
        soort_tijd=pl.lit("direct"),
        overgangsclient=pl.lit(False),
        verlengde_jeugdhulp=pl.lit(False),
    ).with_columns(bedrag=(pl.col("aantal") * pl.col("tarief")))
    prod = prod.with_columns(
        [pl.lit(None, dtype=t).alias(n) for n, t in PRODUCTIE.items() if n not in prod.columns]
    ).select(list(PRODUCTIE))
    absent = ("reden_beeindiging", "aanbieder", "gemeente")
    present = [n for n in PRODUCTIE if not n.startswith("_") and n not in absent]
    prod = prod.with_columns(
        pl.col("bsn").alias("bsn__tekst"),
        pl.col("aantal").cast(pl.String).alias("aantal__tekst"),
        (pl.col("_rij") % 50 == 0).alias("aantal__soepel"),  # 2% read leniently (PM022)
    )
    kolommen = {n: ColumnInfo(n, n.capitalize(), column_letter(i)) for i, n in enumerate(present)}
    return (
        TableInfo("Productie", prod, kolommen),
        TableInfo("Toewijzingen", alloc, {}),
        TableInfo("Producten", products, {}),
    )


@pytest.mark.slow
def test_a_million_rows_are_checked_by_every_check() -> None:
    # Speed is measured by benchmarks/bench_controleer.py, not asserted here (shared machines).
    productie, toewijzingen, producten = synthetic()
    profile = everything_on()
    assert all(reason is None for _, reason in check_plan(toewijzingen, producten, profile))
    start = time.perf_counter()
    findings = run_checks(productie, toewijzingen, producten, profile)
    seconds = time.perf_counter() - start
    print(
        f"\n{productie.frame.height} rijen, {len(CATALOGUE)} controles: {seconds:.2f} s, "
        f"{findings.height} bevindingen"
    )
    print(findings.group_by("controle").len().sort("controle"))
    assert findings.columns == list(FINDING_FIELDS)
    # Every invalid BSN (about 1 in 11 by construction) is found, judged by the scalar core rule.
    bsn_counts = productie.frame.group_by("bsn").len()
    invalid_rows = sum(
        count for bsn, count in bsn_counts.iter_rows() if bsn is not None and not is_valid_bsn(bsn)
    )
    assert invalid_rows > 0
    assert findings.filter(pl.col("controle") == "PM002").height == invalid_rows
