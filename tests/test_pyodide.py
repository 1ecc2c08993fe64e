"""The Excel functions in real Pyodide, the interpreter inside xlwings Lite, run under Node.js.

The generated Lite code (`python -m addin.lite`) is loaded into Pyodide 0.27 (the line xlwings
Lite uses; Python 3.12 compiled to WebAssembly) with exactly the wheels its requirements.txt
resolves to, and the functions are called through xlwings' Office.js call path, as Lite does.
Pyodide comes from the npm registry and the wheels from PyPI (both cached); the in-Excel check
script is not run here, because Pyodide's polars build is only served from Pyodide's CDN.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from addin import lite
from tests.test_addin import FUNCTIONS

PYODIDE_VERSION = "0.27.7"
CACHE = Path(
    os.environ.get("JEUGDHULP_PYODIDE_CACHE", Path.home() / ".cache" / "jeugdhulp-pyodide")
)

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="Node.js en npm zijn nodig om Pyodide te draaien",
)

# Inside Pyodide: unpack the wheels, set what xlwings Lite sets, import main.py, call through
# xlwings' Office.js path. Prints one JSON line.
_RUNNER = r"""
import { loadPyodide } from "pyodide";
const [gen, wheels] = process.argv.slice(2);
const py = await loadPyodide();
for (const [dir, host] of [["/gen", gen], ["/wheels", wheels]]) {
  py.FS.mkdirTree(dir);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: host }, dir);
}
const out = await py.runPythonAsync(`
import glob, json, os, sys, zipfile
for wheel in glob.glob("/wheels/*.whl"):
    zipfile.ZipFile(wheel).extractall("/site")
sys.path[:0] = ["/site", "/gen"]
os.environ["XLWINGS_ON_SERVER"] = "true"  # as xlwings Lite runs its custom functions
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
import xlwings as xw
from xlwings import server
import main

async def call(name, *args):
    data = {"func_name": name, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "caller_address": "[Boek1]Blad1!A1", "version": xw.__version__, "runtime": "1.4",
            "client": "Office.js"}
    return await server.custom_functions_call(data, main)

results = {
    "platform": sys.platform,
    "python": sys.version.split()[0],
    "mark": await call("budgetraming", "Herstel", 2, 3, 26, "Groepsaanbod licht", 3, 26,
                       "Overwegend begeleiding en lichte hulp"),
    "budget": await call("standaardbudget", [[7687.68], [8450], [3000], [20000.01]]),
    "nummer": await call("standaardbudgetnummer", [[7687.68], [8450]]),
    "minuut": await call("tariefperminuut", [[54.42], ["54,42"], [69.0], ["veel"]]),
    "vervoer": await call("vervoerscore", [[6], [4], [12]], [[3], [5], [1]], 4, [[40], [15], [9]]),
    "recht": await call("vervoersrecht", [[6], [4], [12]], [[3], [5], [1]], 4, [[40], [15], [9]]),
    "code": await call("arrangementscode", 2, "Zwaar"),
    "segment3": await call("segment3", "Zwaar", False, 80, 0, 0),
    "termijn": await call("jwtermijn", 45042, "JW315"),
    "bsn": await call("bsngeldig", [["111222333"], ["111222334"]]),
    "sroi": await call("sroi", 210000),
    "middel": await call("budgetraming", "Herstel", 2, 3, 26, "middel"),
    "functions": sorted(f["name"] for f in server.custom_functions_meta(main)["functions"]),
}
json.dumps(results)
`);
console.log(out);
"""


@pytest.fixture(scope="module")
def pyodide_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("pyodide")
    gen, wheels = root / "gen", root / "wheels"
    lite.write(gen)
    node_dir = CACHE / f"pyodide-{PYODIDE_VERSION}"
    if not (node_dir / "node_modules" / "pyodide" / "pyodide.asm.wasm").is_file():
        node_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(node_dir), f"pyodide@{PYODIDE_VERSION}"],
            check=True,
            timeout=600,
        )
    # Pure-Python wheels for Python 3.12, exactly as the generated requirements.txt resolves.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary=:all:",
            "--platform",
            "any",
            "--implementation",
            "py",
            "--abi",
            "none",
            "--python-version",
            "3.12",
            "--dest",
            str(wheels),
            "--requirement",
            str(gen / "requirements.txt"),
        ],
        check=True,
        timeout=600,
    )
    runner = node_dir / "run_lite.mjs"  # beside node_modules, so `import "pyodide"` resolves
    runner.write_text(_RUNNER, encoding="utf-8")
    proc = subprocess.run(
        ["node", str(runner), str(gen), str(wheels)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {
        "out": json.loads(proc.stdout.strip().splitlines()[-1]),
        "wheels": sorted(p.name for p in wheels.iterdir()),
    }


def test_it_is_really_pyodide(pyodide_run: dict) -> None:
    out = pyodide_run["out"]
    assert out["platform"] == "emscripten"
    assert out["python"].startswith("3.12")
    assert any(name.startswith("python_stdnum-1.") for name in pyodide_run["wheels"])


def test_seed_figures_in_pyodide(pyodide_run: dict) -> None:
    out = pyodide_run["out"]
    assert out["mark"] == [[7687.68]]
    assert out["budget"][:3] == [[8000.0], [12000.0], [3000.0]]
    assert out["budget"][3] == ["Offerte"]
    assert out["nummer"] == [[5], [6]]
    assert out["minuut"][:3] == [[0.9], [0.9], [1.15]]
    assert out["minuut"][3][0].startswith("#WAARDE! ")
    assert out["vervoer"] == [[720.0], [300.0], [108.0]]
    assert out["recht"] == [[True], [True], [False]]
    assert out["code"] == [["50H23"]]
    assert out["segment3"] == [[True]]
    assert out["termijn"] == [[45050.0]]  # 26-4-2023 + 5 working days, Koningsdag skipped
    assert out["bsn"] == [[True], [False]]
    assert out["sroi"] == [[10500.0]]


def test_a_missing_region_figure_is_named_in_pyodide(pyodide_run: dict) -> None:
    [[message]] = pyodide_run["out"]["middel"]
    assert message.startswith("#WAARDE! ")
    assert "groepstarieven.middel" in message


def test_every_function_registers_in_pyodide(pyodide_run: dict) -> None:
    assert pyodide_run["out"]["functions"] == sorted(name.upper() for name in FUNCTIONS)
