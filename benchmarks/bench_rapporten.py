"""Benchmark of the reports of a run: console, `--json` and `--samenvatting` on a workbook in which
every row is wrong (issue 11: "last year's tariff after an indexation", 100.000 rows).

    python benchmarks/bench_rapporten.py               # 100.000 rows
    python benchmarks/bench_rapporten.py --rijen 20000

Two measurements:
- the writers in one process: the file is checked once (`check_file`, no write-back), then the
  console output (to a null device), `write_json` and `write_summary_workbook` are timed on its
  result, each the best of `--herhaal`;
- whole `jeugdhulp controleer --niet-schrijven` processes (wall time, best of `--herhaal`) with
  and without the reports: what a user waits for, noisier on a shared machine.
The workbook is cached in benchmarks/data/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
CLI = (sys.executable, "-m", "batch.cli", "controleer", "--stil", "--niet-schrijven")


def workbook_for(rows: int) -> Path:
    """`rows` production rows, each declared at last year's tariff (PM009 on every row)."""
    from batch.synthetic import generate, write_workbook

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"productie-{rows}-tarief-vorig-jaar.xlsx"
    if not path.exists():
        started = time.perf_counter()
        tables = generate(rows, mistake_rate=0, seed=rows)
        for row in tables.productie:
            tarief = (Decimal(str(row[8])) - Decimal("0.01")).max(Decimal("0.01"))
            row[8] = float(tarief)
            row[9] = float(tarief * Decimal(str(row[7])))
        write_workbook(path, tables)
        print(f"  (werkmap {path.name} gemaakt in {time.perf_counter() - started:.1f} s)")
    return path


def run(path: Path, extra: list[str], repeat: int) -> tuple[float, int]:
    """Best wall time of `controleer --niet-schrijven` with `extra`, and its exit code."""
    best, code = float("inf"), -1
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            args = [a.replace("{uit}", out) for a in extra]
            started = time.perf_counter()
            done = subprocess.run(
                [*CLI, str(path), *args],
                cwd=ROOT,
                capture_output=True,
                check=False,
                env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
            )
            best = min(best, time.perf_counter() - started)
            code = done.returncode
    return best, code


def measure_writers(path: Path, repeat: int) -> dict[str, float]:
    """Seconds of each writer on the result of one check (best of `repeat`)."""
    import datetime as dt
    import os

    from rich.console import Console

    from batch.report import write_json, write_summary_workbook
    from batch.run import Options, check_file

    result = check_file(path, Options(profiel="ijsselland-2023", schrijven=False))
    started = dt.datetime.now()

    def console_output() -> None:
        with open(os.devnull, "w", encoding="utf-8") as null:
            console = Console(file=null, width=100)
            try:
                from batch.console import print_results
            except ImportError:  # the version before the reporting work
                from batch.cli import _print_summary

                _print_summary([result], console, "IJsselland 2023")
            else:
                print_results([result], console, profiel="IJsselland 2023")

    timings: dict[str, float] = {"bevindingen": float(result.bevindingen.height)}
    with tempfile.TemporaryDirectory() as out:
        writers = {
            "console": console_output,
            "--json": lambda: write_json(
                Path(out) / "r.json", [result], profiel="IJsselland 2023", started=started
            ),
            "--samenvatting": lambda: write_summary_workbook(
                Path(out) / "s.xlsx", [result], profiel="IJsselland 2023", started=started
            ),
        }
        for label, write in writers.items():
            best = float("inf")
            for _ in range(repeat):
                begin = time.perf_counter()
                write()
                best = min(best, time.perf_counter() - begin)
            timings[label] = best
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rijen", type=int, default=100_000)
    parser.add_argument("--herhaal", type=int, default=3)
    parser.add_argument("--json", type=Path, help="schrijf de resultaten ook als JSON")
    args = parser.parse_args()
    path = workbook_for(args.rijen)
    runs = {
        "zonder rapporten": [],
        "--json": ["--json", "{uit}/r.json"],
        "--samenvatting": ["--samenvatting", "{uit}/s.xlsx"],
        "--json + --samenvatting": ["--json", "{uit}/r.json", "--samenvatting", "{uit}/s.xlsx"],
    }
    results: dict[str, float] = {}
    print(f"{args.rijen} rijen, elke rij een fout (tarief van vorig jaar)")
    writers = measure_writers(path, args.herhaal)
    print(f"  schrijvers in één proces ({int(writers.pop('bevindingen'))} bevindingen):")
    for label, seconds in writers.items():
        print(f"    {label:24} {seconds:7.2f} s")
        results[f"schrijver {label}"] = seconds
    print("  hele processen (controleer --niet-schrijven):")
    for label, extra in runs.items():
        seconds, code = run(path, extra, args.herhaal)
        results[label] = seconds
        extra_cost = seconds - results["zonder rapporten"]
        print(
            f"    {label:24} {seconds:7.2f} s  (afsluitcode {code})"
            + (f"   rapporten: +{extra_cost:.2f} s" if label != "zonder rapporten" else "")
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
