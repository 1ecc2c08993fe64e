"""Rebuild the example workbooks in this folder: `python workbooks/build_examples.py`.

The files are committed; a test rebuilds them and checks they come out byte-identical.
"""

from __future__ import annotations

import sys
from pathlib import Path

from batch.synthetic import generate_example, write_workbook

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "voorbeeld-productiemonitor.xlsx"


def build(folder: Path = HERE) -> list[Path]:
    target = folder / EXAMPLE.name
    tables = generate_example()
    missing = [name for name, count in tables.mistakes.items() if count == 0]
    if missing:
        raise SystemExit(f"Voorbeeld mist fouten van soort: {', '.join(missing)}")
    write_workbook(target, tables)
    return [target]


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
