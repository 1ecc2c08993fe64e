"""Benchmark of the batch checker: bare read vs. full check vs. write-back, with peak memory.

    python benchmarks/bench_controleer.py                 # 10.000, 100.000 and 1.000.000 rows
    python benchmarks/bench_controleer.py --rijen 10000   # one size
    python benchmarks/bench_controleer.py --openpyxl-max 1000000   # openpyxl also at 1M (slow)

Every measurement runs in a fresh subprocess, so its peak memory (ru_maxrss) is its own. The
workbooks (1% mistakes, from `batch.synthetic`) are cached in benchmarks/data/. Reported per size:
- lezen: fastexcel reading every sheet of the workbook into polars (the bare read: its own type
  inference, no conversion), and the Productie sheet alone for reference;
- controleer: the full `controleer` of one file (read + normalise, checks, write-back), with its
  phases; the check is measured with write-back, the write-back is also shown on its own;
- openpyxl: load_workbook + save of the same file (what a naive write-back would cost);
- frictionless: `frictionless validate` with an equivalent schema (types, required, patterns) on the
  100.000-row file.

    python benchmarks/bench_controleer.py --proces                # issue 11's targets
    python benchmarks/bench_controleer.py --proces --rijen 100000 --herhaal 5

    python benchmarks/bench_controleer.py --map 50 --rijen 10000 --herhaal 3

`--map N`: a folder of N workbooks (copies of the 1% workbook of `--rijen` rows, 10.000 by
default) checked as one run, `jeugdhulp controleer MAP --werkers 1` against `--werkers 2`,
alternated, medians reported (issue 11: the wall time of a folder run against one worker).

`--proces` measures what issue 11's targets are about, as whole processes in the same run, each
repeated (`--herhaal`, medians reported) and alternated so that a busy machine weighs on both:
- kaal: a process in which fastexcel reads every sheet of the workbook as text;
- controleer: the process `jeugdhulp controleer FILE --json RAPPORT --uitvoer MAP` (read,
  normalise, checks, write-back of the checked copy, JSON report);
with wall time, peak memory (the process's own ru_maxrss) and the ratio controleer / kaal, for
the workbook with 1% mistakes and (at 100.000 rows and below) one with a mistake in every row:
last year's tariff after an indexation (issue 11). Targets: 1% <= 1,5x at 100k and 1M rows,
every row wrong <= 2,5x at 100k, peak memory at 1M rows <= 1 GiB, linear growth.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
SIZES = (10_000, 100_000, 1_000_000)


def workbook_for(rows: int) -> Path:
    from batch.synthetic import generate, write_workbook

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"productie-{rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        tables = generate(rows, mistake_rate=0.01, seed=rows)
        write_workbook(path, tables)
        print(
            f"  (werkmap {path.name} gemaakt in {time.perf_counter() - started:.1f} s)", flush=True
        )
    return path


def workbook_every_row_wrong(rows: int) -> Path:
    """The 1% workbook's rows, each with last year's tariff (and the amount that goes with it):
    the realistic mistake of issue 11 after an indexation, in every row."""
    import random

    from batch.synthetic import _inject, generate, write_workbook

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"productie-{rows}-elke-rij-fout.xlsx"
    if not path.exists():
        started = time.perf_counter()
        tables = generate(rows, mistake_rate=0.01, seed=rows)
        rng = random.Random(rows)
        for row in tables.productie:
            if row[7] is not None and not isinstance(row[8], str):
                _inject("tarief_vorig_jaar", row, rng, [])
        write_workbook(path, tables)
        print(
            f"  (werkmap {path.name} gemaakt in {time.perf_counter() - started:.1f} s)", flush=True
        )
    return path


# -- measurements, each run in its own subprocess ------------------------------------------------
def measure_read(path: Path) -> dict[str, object]:
    """The bare read: every sheet of the workbook into polars (fastexcel's own type inference),
    since `controleer` reads Productie, Toewijzingen and Producten; Productie alone for reference."""
    import fastexcel

    started = time.perf_counter()
    reader = fastexcel.read_excel(path)
    frames = [reader.load_sheet(name).to_polars() for name in reader.sheet_names]
    return {"seconden": time.perf_counter() - started, "rijen": sum(f.height for f in frames)}


def measure_read_productie(path: Path) -> dict[str, object]:
    import fastexcel

    started = time.perf_counter()
    frame = fastexcel.read_excel(path).load_sheet("Productie", header_row=3).to_polars()
    return {"seconden": time.perf_counter() - started, "rijen": frame.height}


def measure_check(path: Path) -> dict[str, object]:
    from batch.run import Options, check_file

    with tempfile.TemporaryDirectory() as out:
        options = Options(profiel="ijsselland-2023", uitvoer=Path(out))
        started = time.perf_counter()
        result = check_file(path, options)
        seconds = time.perf_counter() - started
    if not result.checked:
        raise SystemExit(result.melding)
    return {
        "seconden": seconds,
        "tijden": result.tijden,
        "rijen": result.rijen,
        "fouten": result.fouten,
        "waarschuwingen": result.waarschuwingen,
    }


def measure_openpyxl(path: Path) -> dict[str, object]:
    import openpyxl

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        workbook = openpyxl.load_workbook(path)
        workbook.save(Path(out) / path.name)
        return {"seconden": time.perf_counter() - started}


def measure_frictionless(path: Path) -> dict[str, object]:
    from frictionless import Dialect, Resource, Schema, formats

    text = {"type": "string"}
    schema = Schema.from_descriptor(
        {
            "fields": [
                {"name": "BSN", **text, "constraints": {"required": True, "pattern": r"\d{8,9}"}},
                {"name": "Toewijzingnummer", **text},
                {"name": "Productcategorie", **text, "constraints": {"pattern": r"\d{2}"}},
                {
                    "name": "Productcode",
                    **text,
                    "constraints": {"required": True, "pattern": r"[0-9A-Z]{1,5}"},
                },
                {"name": "Begindatum", "type": "date", "constraints": {"required": True}},
                {"name": "Einddatum", "type": "date", "constraints": {"required": True}},
                {
                    "name": "Eenheid",
                    **text,
                    "constraints": {
                        "required": True,
                        "enum": ["01", "04", "14", "16", "82", "83", "84"],
                    },
                },
                {
                    "name": "Aantal",
                    "type": "number",
                    "constraints": {"required": True, "minimum": 0},
                },
                {"name": "Tarief", "type": "number"},
                {"name": "Bedrag", "type": "number"},
                {"name": "Geboortedatum", "type": "date"},
                {"name": "Soort tijd", **text, "constraints": {"enum": ["direct", "indirect"]}},
                {"name": "Reden beëindiging", **text},
                {"name": "Verlengde jeugdhulp", **text, "constraints": {"enum": ["ja", "nee"]}},
            ]
        }
    )
    dialect = Dialect(header_rows=[4], controls=[formats.ExcelControl(sheet="Productie")])
    started = time.perf_counter()
    report = Resource(
        path=path.name, basepath=str(path.parent), schema=schema, dialect=dialect
    ).validate(limit_errors=10**7)
    seconds = time.perf_counter() - started
    return {"seconden": seconds, "fouten": len(report.flatten(["type"])), "geldig": report.valid}


MEASUREMENTS = {
    "lezen": measure_read,
    "lezen_productie": measure_read_productie,
    "controleer": measure_check,
    "openpyxl": measure_openpyxl,
    "frictionless": measure_frictionless,
}


def run_child(kind: str, path: Path) -> dict[str, object]:
    """Run one measurement in a fresh interpreter; adds its peak memory in MiB."""
    completed = subprocess.run(
        [sys.executable, __file__, "--meet", kind, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        raise SystemExit(f"meting {kind} op {path.name} mislukt:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def child_main(kind: str, path: Path) -> None:
    result = MEASUREMENTS[kind](path)
    result["piekgeheugen_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


# -- whole processes (issue 11) -------------------------------------------------------------------
#: The bare read as a process of its own: fastexcel reads every sheet as text.
BARE_READ = """
import sys, fastexcel
reader = fastexcel.read_excel(sys.argv[1])
for name in reader.sheet_names:
    reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars()
"""


def run_process(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak memory in MiB (the child's own ru_maxrss) and exit code of a command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if process.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(command)} mislukt ({process.returncode}):\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, process.returncode


def measure_processes(path: Path, repeat: int) -> dict[str, object]:
    """The bare read and the full check as whole processes, alternated, `repeat` times each."""
    jeugdhulp = shutil.which("jeugdhulp", path=str(Path(sys.executable).parent)) or "jeugdhulp"
    bare, full = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            bare.append(run_process([sys.executable, "-c", BARE_READ, str(path)]))
            target = Path(out) / "uit"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            command = [jeugdhulp, "controleer", str(path), "--stil", "--uitvoer", str(target)]
            full.append(run_process([*command, "--json", str(Path(out) / "rapport.json")]))
    kaal = statistics.median(t for t, _, _ in bare)
    controleer = statistics.median(t for t, _, _ in full)
    return {
        "kaal_s": kaal,
        "kaal_piek_mib": max(m for _, m, _ in bare),
        "controleer_s": controleer,
        "controleer_piek_mib": max(m for _, m, _ in full),
        "verhouding": controleer / kaal,
        "metingen": {"kaal": bare, "controleer": full},
    }


def main_processes(sizes: list[int], repeat: int, out: Path | None) -> None:
    results: dict[str, dict[str, object]] = {}
    print(
        f"{'werkmap':>28} {'kaal':>8} {'controleer':>11} {'verhouding':>11} "
        f"{'piek kaal':>10} {'piek controleer':>16}",
        flush=True,
    )
    for rows in sizes:
        kinds = [("1%", workbook_for(rows))]
        if rows <= 100_000:
            kinds.append(("elke rij fout", workbook_every_row_wrong(rows)))
        for label, path in kinds:
            found = measure_processes(path, repeat)
            results[f"{rows} {label}"] = found
            print(
                f"{f'{rows:,}'.replace(',', '.') + f' rijen, {label}':>28} {found['kaal_s']:>7.2f}s "
                f"{found['controleer_s']:>10.2f}s {found['verhouding']:>10.2f}x "
                f"{found['kaal_piek_mib']:>7.0f} MiB {found['controleer_piek_mib']:>12.0f} MiB",
                flush=True,
            )
    ones = sorted((int(key.split()[0]), value) for key, value in results.items() if "1%" in key)
    for (small, a), (large, b) in itertools.pairwise(ones):
        growth = float(b["controleer_s"]) / float(a["controleer_s"])  # type: ignore[arg-type]
        print(f"groei {small} -> {large} rijen (x{large // small}): controleer x{growth:.1f}")
    if out:
        out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


def measure_folder(count: int, rows: int, repeat: int) -> dict[str, object]:
    """A folder of `count` workbooks of `rows` rows: whole `controleer` runs with one worker and
    with two, alternated, `repeat` times each; wall seconds (median) and peak memory."""
    source = workbook_for(rows)
    jeugdhulp = shutil.which("jeugdhulp", path=str(Path(sys.executable).parent)) or "jeugdhulp"
    timings: dict[int, list[tuple[float, float, int]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "map"
        folder.mkdir()
        for i in range(count):
            shutil.copyfile(source, folder / f"aanbieder-{i + 1:03d}.xlsx")
        for _ in range(repeat):
            for workers in (1, 2):
                target = Path(tmp) / "uit"
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir()
                command = [jeugdhulp, "controleer", str(folder), "--stil", "--uitvoer", str(target)]
                command += ["--werkers", str(workers), "--json", str(Path(tmp) / "rapport.json")]
                timings[workers].append(run_process(command))
    one = statistics.median(t for t, _, _ in timings[1])
    two = statistics.median(t for t, _, _ in timings[2])
    print(
        f"map van {count} werkmappen van {f'{rows:,}'.replace(',', '.')} rijen: "
        f"1 werker {one:.2f} s, 2 werkers {two:.2f} s (x{one / two:.2f}); per werkmap "
        f"{one / count:.3f} s en {two / count:.3f} s; piek {max(m for _, m, _ in timings[1]):.0f} "
        f"MiB en {max(m for _, m, _ in timings[2]):.0f} MiB (het grootste proces)",
        flush=True,
    )
    return {"werkers_1_s": one, "werkers_2_s": two, "metingen": timings}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rijen", type=int, action="append", help="aantal rijen (herhaalbaar)")
    parser.add_argument(
        "--openpyxl-max", type=int, default=100_000, help="openpyxl alleen tot dit aantal rijen"
    )
    parser.add_argument("--json", type=Path, help="schrijf de resultaten ook als JSON")
    parser.add_argument(
        "--proces", action="store_true", help="hele processen: kaal lezen tegen controleer"
    )
    parser.add_argument("--herhaal", type=int, default=3, help="herhalingen per meting (--proces)")
    parser.add_argument(
        "--map", type=int, metavar="N", help="een map van N werkmappen: 1 tegen 2 werkers"
    )
    parser.add_argument("--meet", nargs=2, metavar=("SOORT", "PAD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.meet:
        child_main(args.meet[0], Path(args.meet[1]))
        return
    if args.map:
        found = measure_folder(args.map, (args.rijen or [10_000])[0], args.herhaal)
        if args.json:
            args.json.write_text(json.dumps(found, indent=2, default=str), encoding="utf-8")
        return
    if args.proces:
        main_processes(args.rijen or [100_000, 1_000_000], args.herhaal, args.json)
        return

    results: dict[int, dict[str, dict[str, object]]] = {}
    for rows in args.rijen or SIZES:
        print(f"{rows:>9} rijen", flush=True)
        path = workbook_for(rows)
        row: dict[str, dict[str, object]] = {}
        row["lezen"] = run_child("lezen", path)
        row["lezen_productie"] = run_child("lezen_productie", path)
        row["controleer"] = run_child("controleer", path)
        if rows <= args.openpyxl_max:
            row["openpyxl"] = run_child("openpyxl", path)
        if rows == 100_000:
            row["frictionless"] = run_child("frictionless", path)
        results[rows] = row
        read = float(row["lezen"]["seconden"])  # type: ignore[arg-type]
        check = row["controleer"]
        phases = check["tijden"]  # type: ignore[index]
        print(
            f"  lezen (fastexcel, kaal)      {read:8.2f} s   piek {row['lezen']['piekgeheugen_mib']:7.0f} MiB"
            f"   (alle bladen; alleen Productie {row['lezen_productie']['seconden']:.2f} s)\n"
            f"  controleer (totaal)          {check['seconden']:8.2f} s   piek {check['piekgeheugen_mib']:7.0f} MiB"
            f"   = {float(check['seconden']) / read:.2f} x kaal lezen\n"  # type: ignore[arg-type]
            f"    waarvan lezen+normaliseren {phases['lezen']:8.2f} s\n"
            f"    waarvan controles          {phases['controleren']:8.2f} s\n"
            f"    waarvan terugschrijven     {phases.get('schrijven', float('nan')):8.2f} s"
            f"   = {phases.get('schrijven', float('nan')) / read:.2f} x kaal lezen\n"
            f"    bevindingen: {check['fouten']} fouten, {check['waarschuwingen']} waarschuwingen",
            flush=True,
        )
        if "openpyxl" in row:
            op = float(row["openpyxl"]["seconden"])  # type: ignore[arg-type]
            print(
                f"  openpyxl laden+opslaan       {op:8.2f} s   piek {row['openpyxl']['piekgeheugen_mib']:7.0f} MiB"
            )
        if "frictionless" in row:
            fr = float(row["frictionless"]["seconden"])  # type: ignore[arg-type]
            print(
                f"  frictionless validate        {fr:8.2f} s   piek {row['frictionless']['piekgeheugen_mib']:7.0f} MiB"
                f"   = {fr / float(check['seconden']):.1f} x controleer"  # type: ignore[arg-type]
            )
    if len(results) > 1:
        sizes = sorted(results)
        base = sizes[0]
        for size in sizes[1:]:
            factor = size / base
            growth = float(results[size]["controleer"]["seconden"]) / float(
                results[base]["controleer"]["seconden"]
            )  # type: ignore[arg-type]
            print(f"groei {base} -> {size} rijen (x{factor:.0f}): controleer x{growth:.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
