"""`python -m addin.lite OUT --met-controle`: the in-Excel check as xlwings Lite runs it.

The generated main.py runs in a fresh, isolated Python (`-I -S`) whose path holds only the
generated folder and the distributions of the generated requirements.txt (see
tests/test_addin_lite.py): no project modules, no fastexcel, no file reading. The script is
called through xlwings' Office.js script path with the example workbook as payload.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from addin import lite
from tests.test_addin_lite import _canonical, _closure, _site_with_only, run_isolated
from tests.test_scripts import EXAMPLE, payload_from_values, workbook_values

_PROBE = r"""
import asyncio, json, sys
sys.path[:0] = [GEN, SITE]
import xlwings as xw
from xlwings import server
import main

data = json.load(open(PAYLOAD, encoding="utf-8"))
book = xw.Book(json=data)
asyncio.run(server.custom_scripts_call(main, "controleer", typehint_to_value={xw.Book: book}))
actions = book.json()["actions"]
files = {m.__name__: getattr(m, "__file__", None) for m in list(sys.modules.values()) if m is not None}
print(json.dumps({
    "scripts": sorted(m["function_name"] for m in server.custom_scripts_meta(main)),
    "functions": len(server.custom_functions_meta(main)["functions"]),
    "funcs": [a["func"] for a in actions],
    "controle": next(a["values"] for a in actions if a["func"] == "setValues"),
    "loaded": sorted({n.split(".")[0] for n in files}),
    "project_files": sorted(n for n, f in files.items() if f and str(f).startswith(PROJECT)),
}))
"""


@pytest.fixture(scope="module")
def lite_check(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("lite-controle")
    gen = root / "gen"
    lite.write(gen, met_controle=True)
    requirement_lines = (gen / "requirements.txt").read_text().splitlines()
    site = _site_with_only(_closure(requirement_lines), root / "site")
    payload = root / "payload.json"
    payload.write_text(json.dumps(payload_from_values(workbook_values(EXAMPLE))), "utf-8")
    out = run_isolated(_PROBE, root, {"GEN": gen, "SITE": site, "PAYLOAD": payload}, timeout=180)
    return {"out": out, "requirements": requirement_lines}


def test_requirements_list_polars_without_a_bound() -> None:
    _, requirements_txt = lite.generate(met_controle=True)
    lines = requirements_txt.splitlines()
    names = {_canonical(re.match(r"[A-Za-z0-9._-]+", line).group(0)) for line in lines}
    assert names == {"xlwings", "python-stdnum", "holidays", "polars"}
    assert "polars" in lines  # Pyodide's own build, whatever its version


def test_script_code_embeds_the_checks_but_no_file_reading() -> None:
    modules, external = lite.collect([lite.ENTRY, lite.SCRIPTS])

    assert {"addin.scripts", "jeugdhulp.cells", "jeugdhulp.controle_layout"} <= set(modules)
    assert not any(name.startswith(("batch", "addin.lite")) for name in modules)
    assert "fastexcel" not in external and "batch" not in external
    main_py, _ = lite.generate(met_controle=True)
    assert "from addin.scripts import (" in main_py
    compile(main_py, "main.py", "exec")


def test_without_the_flag_nothing_changes() -> None:
    main_py, requirements_txt = lite.generate()
    assert "addin.scripts" not in main_py and "polars" not in requirements_txt


def test_lite_offers_only_the_workbook_check(lite_check: dict) -> None:
    out = lite_check["out"]
    assert out["scripts"] == ["controleer"]  # not the backoffice script: no file system
    assert out["functions"] == 12  # the Excel functions are still there


def test_lite_check_writes_controle_without_the_project(lite_check: dict) -> None:
    out = lite_check["out"]
    assert out["project_files"] == []
    assert "fastexcel" not in out["loaded"] and "batch" not in out["loaded"]
    assert out["funcs"][:2] == ["addSheet", "setValues"]
    assert "setRangeColor" in out["funcs"] and "setSheetVisibility" in out["funcs"]
    controle = out["controle"]
    assert controle[0][0].startswith("Controle van deze werkmap: ")
    assert controle[0][0] != "Controle van deze werkmap: 0 bevindingen"


def test_console_flag_writes_the_script(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert lite.main([str(tmp_path / "uit"), "--met-controle"]) == 0
    assert "from addin.scripts import" in (tmp_path / "uit" / "main.py").read_text()
    assert "polars" in (tmp_path / "uit" / "requirements.txt").read_text().split()
    assert "geschreven" in capsys.readouterr().out


def test_lite_generator_says_in_dutch_why_it_could_not_write(tmp_path, capsys) -> None:
    from addin.lite import main

    taken = tmp_path / "bestand"
    taken.write_text("x", encoding="utf-8")
    assert main([str(taken)]) == 2
    err = capsys.readouterr().err
    assert "bestaat al en is geen map" in err and "Traceback" not in err
