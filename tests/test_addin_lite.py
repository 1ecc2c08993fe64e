"""The xlwings Lite code: generated into a temporary folder and run in a fresh, isolated Python.

The subprocess runs with ``-I -S`` (no user site, no site-packages, no PYTHON* variables) and a
`sys.path` of the generated folder plus a folder that holds links to exactly the distributions of
the generated requirements.txt and their dependencies, so neither `jeugdhulp` nor `addin` can be
imported from the project: only the embedded copies.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from addin import lite
from tests.test_addin import FUNCTIONS

# Runs inside the isolated interpreter: import the generated main.py, call the functions through
# xlwings' Office.js call path, and report results and where the modules came from.
_PROBE = r"""
import asyncio, json, sys
sys.path[:0] = [GEN, SITE]
import xlwings as xw
from xlwings import server
import main

def call(name, *args):
    data = {"func_name": name, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "caller_address": "[Boek1]Blad1!A1", "version": xw.__version__, "runtime": "1.4",
            "client": "Office.js"}
    return asyncio.run(server.custom_functions_call(data, main))

results = {
    "mark": call("budgetraming", "Herstel", 2, 3, 26, "Groepsaanbod licht", 3, 26,
                 "Overwegend begeleiding en lichte hulp"),
    "budget": call("standaardbudget", [[7687.68], [8450], [3000]]),
    "minuut": call("tariefperminuut", [[54.42], ["54,42"], [69.0]]),
    "vervoer": call("vervoersrecht", [[6], [4], [12]], [[3], [5], [1]], 4, [[40], [15], [9]]),
    "code": call("arrangementscode", 2, "Zwaar"),
    "termijn": call("jwtermijn", 45042, "JW315"),
    "bsn": call("bsngeldig", "111222333"),
    "middel": call("budgetraming", "Herstel", 2, 3, 26, "middel"),
    "profiel_hvb": call("vervoerscore", 6, 3, 4, 40, "Hart van Brabant"),
}
import importlib
importlib.reload(main)  # xlwings Lite reruns main.py after every edit
results["after_rerun"] = call("tariefperminuut", 69)
results["finders"] = sum(bool(getattr(f, "embedded_lite_modules", False)) for f in sys.meta_path)
meta = server.custom_functions_meta(main)
ours = [m.__name__ for m in list(sys.modules.values())
        if m is not None and m.__name__.split(".")[0] in ("jeugdhulp", "addin")]
files = {m.__name__: getattr(m, "__file__", None) for m in list(sys.modules.values()) if m is not None}
print(json.dumps({
    "results": results,
    "functions": sorted(f["name"] for f in meta["functions"]),
    "ours": sorted(ours),
    "project_files": sorted(n for n, f in files.items() if f and str(f).startswith(PROJECT)),
    "path": sys.path,
}))
"""


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(requirement_lines: list[str]) -> set[str]:
    """The distributions of the requirement lines plus their (unconditional) dependencies."""
    todo = [re.match(r"[A-Za-z0-9._-]+", line).group(0) for line in requirement_lines if line]
    seen: set[str] = set()
    while todo:
        name = _canonical(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for req in importlib.metadata.requires(name) or []:
            if ";" not in req:
                todo.append(re.match(r"[A-Za-z0-9._-]+", req).group(0))
    return seen


def _site_with_only(distributions: set[str], folder: Path) -> Path:
    """A folder with symlinks to the files of exactly these installed distributions."""
    folder.mkdir()
    for name in distributions:
        dist = importlib.metadata.distribution(name)
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            target = folder / top
            if not target.exists():
                target.symlink_to(Path(dist.locate_file(top)).resolve())
    return folder


def run_isolated(probe: str, root: Path, paths: dict[str, Path], *, timeout: int) -> object:
    """Run `probe` in a fresh `python -I -S` (no site-packages, no project on the path) and return
    the JSON it prints. Placeholders in `probe` (GEN, SITE, ..., and PROJECT, the repository
    folder the probe checks it did not load) are replaced by the quoted paths."""
    paths = {**paths, "PROJECT": Path(lite.__file__).resolve().parents[1]}
    code = probe
    for placeholder, path in paths.items():
        code = code.replace(placeholder, repr(str(path)))
    env = {
        "XLWINGS_ON_SERVER": "true",
        "XLWINGS_LICENSE_KEY": "noncommercial",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(root),
    }
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def lite_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("lite")
    gen = root / "gen"
    written = lite.write(gen)
    assert [p.name for p in written] == ["main.py", "requirements.txt"]
    requirement_lines = (gen / "requirements.txt").read_text().splitlines()
    site = _site_with_only(_closure(requirement_lines), root / "site")
    out = run_isolated(_PROBE, root, {"GEN": gen, "SITE": site}, timeout=120)
    return {"out": out, "requirements": requirement_lines, "site": site}


def test_requirements_are_pure_python_wheels_lite_can_install() -> None:
    _, requirements_txt = lite.generate()
    names = {
        _canonical(re.match(r"[A-Za-z0-9._-]+", line).group(0)) for line in requirements_txt.split()
    }
    assert names == {"xlwings", "python-stdnum", "holidays"}
    assert "xlwings>=0.33" in requirements_txt.splitlines()


def test_generated_code_embeds_only_what_the_functions_need() -> None:
    modules, external = lite.collect()
    assert "addin.functions" in modules and "jeugdhulp.budget" in modules
    assert not any(name.startswith(("jeugdhulp.checks", "addin.lite", "batch")) for name in modules)
    assert "polars" not in external
    main_py, _ = lite.generate()
    assert "hart-van-brabant.toml" in main_py and "ijsselland-2023.toml" in main_py
    compile(main_py, "main.py", "exec")


def test_isolated_interpreter_cannot_see_the_project(lite_run: dict) -> None:
    out = lite_run["out"]
    assert out["project_files"] == []
    assert "addin.functions" in out["ours"] and "jeugdhulp.profile" in out["ours"]
    assert not any("site-packages" in p for p in out["path"])


def test_lite_functions_give_the_seed_figures(lite_run: dict) -> None:
    r = lite_run["out"]["results"]
    assert r["mark"] == [[7687.68]]
    assert r["budget"] == [[8000.0], [12000.0], [3000.0]]
    assert r["minuut"] == [[0.9], [0.9], [1.15]]
    assert r["vervoer"] == [[True], [True], [False]]
    assert r["code"] == [["50H23"]]
    assert r["termijn"] == [[45050.0]]  # 26-4-2023 + 5 werkdagen (Koningsdag) = 4-5-2023
    assert r["bsn"] == [[True]]
    assert r["profiel_hvb"] == [[720.0]]


def test_lite_code_can_run_twice(lite_run: dict) -> None:
    r = lite_run["out"]["results"]
    assert r["after_rerun"] == [[1.15]]
    assert r["finders"] == 1


def test_lite_reads_the_embedded_profiles(lite_run: dict) -> None:
    """The profile lookup goes through importlib.resources on the embedded files."""
    middel = lite_run["out"]["results"]["middel"][0][0]
    assert middel.startswith("#WAARDE! De instelling 'groepstarieven.middel' ontbreekt")


def test_lite_registers_every_excel_function(lite_run: dict) -> None:
    assert lite_run["out"]["functions"] == sorted(name.upper() for name in FUNCTIONS)


def test_console_usage_writes_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lite.main([str(tmp_path / "uit")]) == 0
    assert (tmp_path / "uit" / "main.py").is_file()
    assert (tmp_path / "uit" / "requirements.txt").read_text().startswith("holidays")
    assert "xlwings Lite" in capsys.readouterr().out
