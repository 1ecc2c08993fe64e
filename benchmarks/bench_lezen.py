"""Benchmark of reading a production workbook: the bare fastexcel read vs. the reader.

    python benchmarks/bench_lezen.py                  # 10.000 and 100.000 rows
    python benchmarks/bench_lezen.py --rijen 100000   # one size
    python benchmarks/bench_lezen.py --herhaal 7      # repetitions (the median is reported)

Per size, in one process, each measurement repeated and its median taken:
- kaal: fastexcel reading every sheet as text (what the reader asks of it), nothing else;
- lezer: `batch.reader.read_workbook` (package inspection, the sheet scans in their worker
  thread, fastexcel, header detection, typing: everything up to the checks);
- scan: the sheet scans alone (`batch.xlsx_scan.scan_sheet` over every worksheet part), which
  run alongside fastexcel inside `lezer`;
and the ratio lezer / kaal. The workbooks (1% mistakes, from `batch.synthetic`) are cached in
benchmarks/data/, as for bench_controleer.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_controleer import workbook_for  # noqa: E402


def bare(path: Path) -> None:
    import fastexcel

    reader = fastexcel.read_excel(path)
    for name in reader.sheet_names:
        reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars()


def reader(path: Path) -> None:
    from batch.reader import read_workbook

    read_workbook(path)


def scans(path: Path) -> None:
    from batch.xlsx_scan import inspect_package, scan_sheet

    facts = inspect_package(path)
    for sheet in facts.sheets:
        if sheet.part:
            scan_sheet(path, sheet.part, herberekenen=facts.herberekenen)


def median_seconds(function: Callable[[Path], None], path: Path, repeat: int) -> float:
    function(path)  # warm up (imports, file cache)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rijen", type=int, action="append", help="aantal rijen (herhaalbaar)")
    parser.add_argument("--herhaal", type=int, default=5, help="herhalingen per meting")
    args = parser.parse_args()
    print(f"{'rijen':>9} {'kaal':>8} {'lezer':>8} {'scan':>8} {'lezer/kaal':>11}")
    for rows in args.rijen or (10_000, 100_000):
        path = workbook_for(rows)
        kaal = median_seconds(bare, path, args.herhaal)
        lezer = median_seconds(reader, path, args.herhaal)
        try:
            scan = median_seconds(scans, path, args.herhaal)
        except ImportError:  # a reader without the sheet scans
            scan = float("nan")
        print(f"{rows:>9} {kaal:>7.3f}s {lezer:>7.3f}s {scan:>7.3f}s {lezer / kaal:>10.2f}x")


if __name__ == "__main__":
    main()
