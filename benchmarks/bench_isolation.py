"""What isolating each file in a worker process costs (batch.isolate).

Times `jeugdhulp controleer` the way the CLI runs it (a supervisor and worker processes, forked
where that is safe, see `batch.isolate.start_method`) against calling `batch.run.check_file`
directly in one process, for one file and for many. Both write the checked copies; the figures
include the worker start (a forked worker imports polars, fastexcel, lxml; a spawned one also
starts a fresh interpreter) and moving the findings back.

Usage: ``python benchmarks/bench_isolation.py [--files 20] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "voorbeeld-productiemonitor.xlsx"

IN_PROCESS = """
import sys
from pathlib import Path
from batch.run import Options, check_file
for name in sys.argv[1:]:
    check_file(Path(name), Options(profiel="ijsselland-2023"))
"""


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-isolatie-") as tmp:
        folder = Path(tmp)
        paths = []
        for i in range(args.files):
            paths.append(folder / f"pm{i:03d}.xlsx")
            shutil.copyfile(EXAMPLE, paths[-1])
        cli = [sys.executable, "-m", "batch.cli", "controleer", "--stil"]
        cases = {
            "1 file, in one process": [sys.executable, "-c", IN_PROCESS, str(paths[0])],
            "1 file, isolated (CLI)": [*cli, str(paths[0])],
            f"{args.files} files, in one process": [
                sys.executable,
                "-c",
                IN_PROCESS,
                *map(str, paths),
            ],
            f"{args.files} files, isolated, 1 worker": [*cli, "--werkers", "1", *map(str, paths)],
            f"{args.files} files, isolated, 2 workers": [*cli, "--werkers", "2", *map(str, paths)],
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):  # rounds interleave the cases: machine load hits them alike
            for name, command in cases.items():
                samples[name].append(timed(command))
        print(f"{'':34s} {'wall s (median of ' + str(args.repeat) + ')':>24s}")
        for name, values in samples.items():
            print(f"{name:34s} {statistics.median(values):24.2f}")
        print("(whole processes: interpreter start, imports, reading, checking, writing copies)")


if __name__ == "__main__":
    main()
