"""How much the write-back costs next to reading the workbook.

Writes a synthetic production monitor (default 100.000 rows x 12 columns, xlsxwriter), then times:

- ``annotate``: `batch.annotate.annotate_workbook` with 1.000 findings (a new file beside it),
  with the whole catalogue as the CLI passes it (Controle and Controlelijst);
- ``fastexcel``: ``fastexcel.read_excel(path).load_sheet(0).to_polars()``, the batch reader's way in;
- ``openpyxl``: ``load_workbook`` + ``save``, the obvious alternative the annotator avoids.

Usage: ``python benchmarks/bench_annotate.py [--rows 100000] [--findings 1000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import fastexcel
import openpyxl
import xlsxwriter

import batch.annotate as annotate_module
from batch.annotate import annotate_workbook
from jeugdhulp.checks import CATALOGUE
from jeugdhulp.controle_layout import CatalogusRegel, Verantwoording
from jeugdhulp.findings import Finding, column_letter

HEADER = [
    "BSN",
    "Toewijzingnummer",
    "Productcategorie",
    "Productcode",
    "Startdatum",
    "Einddatum",
    "Eenheid",
    "Aantal",
    "Tarief",
    "Bedrag",
    "Aanbieder",
    "Opmerking",
]


def write_monitor(path: Path, rows: int) -> None:
    rng = random.Random(7)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    dates = book.add_format({"num_format": "dd-mm-yyyy"})
    sheet = book.add_worksheet("Productie")
    sheet.write_row(0, 0, HEADER)
    start = date(2023, 1, 1)
    for r in range(1, rows + 1):
        begin = start + timedelta(days=rng.randrange(365))
        amount = rng.randrange(1, 40)
        tariff = rng.choice([52.5, 61.25, 74.1])
        sheet.write_string(r, 0, f"{rng.randrange(10**8, 10**9)}")
        sheet.write_string(r, 1, f"T-{rng.randrange(10**6):06d}")
        sheet.write_string(r, 2, rng.choice(["45", "46", "54"]))
        sheet.write_string(r, 3, rng.choice(["45A12", "46A01", "54001"]))
        sheet.write_datetime(r, 4, datetime.combine(begin, datetime.min.time()), dates)
        sheet.write_datetime(
            r, 5, datetime.combine(begin + timedelta(days=30), datetime.min.time()), dates
        )
        sheet.write_string(r, 6, rng.choice(["uur", "etmaal", "minuut"]))
        sheet.write_number(r, 7, amount)
        sheet.write_number(r, 8, tariff)
        sheet.write_number(r, 9, round(amount * tariff, 2))
        sheet.write_string(r, 10, rng.choice(["Zorg B.V.", "Jeugd & Co", "Stichting Hulp"]))
        sheet.write_string(r, 11, "" if r % 5 else "let op")
    book.close()


def findings_for(rows: int, count: int) -> list[Finding]:
    rng = random.Random(11)
    out = []
    for i in range(count):
        row = rng.randrange(2, rows + 2)
        col = rng.randrange(len(HEADER))
        out.append(
            Finding(
                blad="Productie",
                rij=row,
                kolom=HEADER[col],
                cel=f"{column_letter(col)}{row}",
                controle=f"PM{rng.randrange(1, 23):03d}",
                ernst="fout" if i % 3 else "waarschuwing",
                retourcode="",
                melding="Synthetische bevinding voor de meting",
                waarde=str(rng.randrange(1000)),
            )
        )
    return out


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads) of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--findings", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--levels", default="1,3,6", help="zlib levels for the rewritten sheet")
    parser.add_argument("--skip-openpyxl", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-annotate-") as tmp:
        source = Path(tmp) / "monitor.xlsx"
        t0 = time.perf_counter()
        write_monitor(source, args.rows)
        print(f"workbook: {args.rows} rows x {len(HEADER)} columns, ", end="")
        print(f"{source.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - t0:.1f} s")
        findings = findings_for(args.rows, args.findings)
        target = Path(tmp) / "monitor.controle.xlsx"

        # What the CLI passes: the whole catalogue, so the Controlelijst is written too.
        verantwoording = Verantwoording(
            "bench", datetime.now(), controles=tuple(CatalogusRegel.van(c) for c in CATALOGUE)
        )

        def annotate() -> None:
            annotate_workbook(source, findings, target, verantwoording=verantwoording)

        def read_fastexcel() -> None:
            fastexcel.read_excel(str(source)).load_sheet(0).to_polars()

        def openpyxl_roundtrip() -> None:
            openpyxl.load_workbook(source).save(Path(tmp) / "openpyxl.xlsx")

        runs: dict[str, Callable[[], object]] = {"fastexcel read -> polars": read_fastexcel}
        sizes = {}
        for level in (int(v) for v in args.levels.split(",")):

            def run(level: int = level) -> None:
                annotate_module.COMPRESS_LEVEL = level
                annotate()

            runs[f"annotate, level {level}"] = run
        # Rounds interleave the candidates, so load from other processes hits them alike.
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                samples[name].append(timed(run))
                if name.startswith("annotate"):
                    sizes[name] = target.stat().st_size
        if not args.skip_openpyxl:
            samples["openpyxl load + save"] = [timed(openpyxl_roundtrip)]
        results = {
            name: (
                statistics.median(w for w, _ in values),
                statistics.median(c for _, c in values),
            )
            for name, values in samples.items()
        }
        base_wall, base_cpu = results["fastexcel read -> polars"]
        print(f"{'':28s} {'wall s':>8s} {'x read':>7s} {'cpu s':>8s} {'x read':>7s}")
        for name, (wall, cpu) in results.items():
            size = f"  -> {sizes[name] / 1e6:.1f} MB" if name in sizes else ""
            print(
                f"{name:28s} {wall:8.3f} {wall / base_wall:7.2f} {cpu:8.3f} {cpu / base_cpu:7.2f}"
                f"{size}"
            )
        print(f"({args.findings} findings; median of {args.repeat}; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
