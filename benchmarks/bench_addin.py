"""Python-side cost of one spilled Excel call over 100.000 cells, through xlwings' call path.

Calls TARIEFPERMINUUT on a 100000x1 column of floats with `xlwings.server.custom_functions_call`
(the Office.js path of xlwings Server and Lite: argument conversion, the function, result
conversion), next to an identity function registered the same way, in the same run. Prints the
median of a few runs of each and their ratio. The network or Pyodide bridge is not included.

A second pair of figures is measured with xlwings' per-cell `xlwings.utils.is_jsnull` check
replaced by a cached one: outside Pyodide, xlwings 0.37 retries the failing import of
`pyodide.ffi` for every input cell, which dominates the identity figure on a server; inside
Pyodide (xlwings Lite) that import succeeds and is cheap, so the second pair is closer to Lite.

    python benchmarks/bench_addin.py [--cellen 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import types
from typing import Any

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw
from xlwings import server

from addin import functions


@xw.func
@xw.arg("waarde", ndim=2)
def identiteit(waarde: Any) -> Any:
    """Returns its argument: the cost of xlwings' conversion alone."""
    return waarde


def _module() -> types.ModuleType:
    module = types.ModuleType("bench_udfs")
    module.identiteit = identiteit  # type: ignore[attr-defined]
    module.tariefperminuut = functions.tariefperminuut  # type: ignore[attr-defined]
    return module


def _call(module: types.ModuleType, func_name: str, column: list[list[float]]) -> Any:
    data = {
        "func_name": func_name,
        "args": [column],
        "caller_address": "[Boek1]Blad1!B1",
        "version": xw.__version__,
        "runtime": "1.4",
        "client": "Office.js",
    }
    return asyncio.run(server.custom_functions_call(data, module))


def _median_seconds(
    module: types.ModuleType, func_name: str, column: list[list[float]], runs: int
) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = _call(module, func_name, column)
        times.append(time.perf_counter() - start)
        assert len(result) == len(column)
    return statistics.median(times)


def _without_failing_import() -> None:
    """Let xlwings check for Pyodide's JsNull once instead of importing pyodide.ffi per cell."""
    from xlwings import utils

    try:
        from pyodide.ffi import JsNull  # type: ignore[import-not-found]
    except ImportError:
        utils.is_jsnull = lambda value: False
    else:  # pragma: no cover - Pyodide only
        utils.is_jsnull = lambda value: isinstance(value, JsNull)


def _report(label: str, identity: float, tariff: float, cells: int) -> None:
    print(label)
    print(f"  identiteit      : {identity * 1000:8.1f} ms  ({identity / cells * 1e6:6.2f} µs/cel)")
    print(f"  TARIEFPERMINUUT : {tariff * 1000:8.1f} ms  ({tariff / cells * 1e6:6.2f} µs/cel)")
    print(f"  verhouding      : {tariff / identity:8.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cellen", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    # Tariffs with cents, as Excel sends them (floats); 69.0 is the float trap of the FAQ.
    column = [[float(f"{20 + (i % 9000) / 100:.2f}")] for i in range(args.cellen)]
    column[0][0] = 69.0
    module = _module()
    result = _call(module, "tariefperminuut", column)
    assert result[0][0] == 1.15, result[0][0]

    print(
        f"cellen: {args.cellen}, runs: {args.runs} (mediaan), Python {sys.version.split()[0]}, xlwings {xw.__version__}"
    )
    identity = _median_seconds(module, "identiteit", column, args.runs)
    tariff = _median_seconds(module, "tariefperminuut", column, args.runs)
    _report("xlwings zoals geleverd:", identity, tariff, args.cellen)
    _without_failing_import()
    identity = _median_seconds(module, "identiteit", column, args.runs)
    tariff = _median_seconds(module, "tariefperminuut", column, args.runs)
    _report("zonder de mislukte import van pyodide.ffi per cel:", identity, tariff, args.cellen)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
