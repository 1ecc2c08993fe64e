"""The committed workbooks: rebuilt byte for byte, and the example's mistakes all found."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

import batch.synthetic as synthetic
from batch.cli import main
from batch.synthetic import MISTAKES, PRODUCTIE_HEADERS, Tables, generate_example

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
EXAMPLE = WORKBOOKS / "voorbeeld-productiemonitor.xlsx"
PRIMARY = dict(MISTAKES)
COL = {name: i for i, name in enumerate(PRODUCTIE_HEADERS)}


def _build_module():
    spec = importlib.util.spec_from_file_location("build_examples", WORKBOOKS / "build_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_rebuilds_every_committed_workbook_byte_identical(tmp_path: Path) -> None:
    module = _build_module()
    built = module.build(tmp_path)
    assert [p.name for p in built] == list(module.SHIPPED)
    for path in built:
        if path.suffix == ".xlsm":  # the VBA project is the installed xlwings' own
            assert _members_without_vba(path) == _members_without_vba(WORKBOOKS / path.name)
        else:
            assert path.read_bytes() == (WORKBOOKS / path.name).read_bytes(), path.name


def test_workbooks_folder_holds_only_shipped_workbooks_and_checked_copies() -> None:
    """After the quick start a checked copy sits beside the example; nothing else may appear."""
    shipped = set(_build_module().SHIPPED)
    for path in WORKBOOKS.glob("*.xls*"):
        assert path.name in shipped or ".controle" in path.stem, path.name
    assert all((WORKBOOKS / name).is_file() for name in shipped)


def _members_without_vba(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as package:
        return {n: package.read(n) for n in package.namelist() if n != "xl/vbaProject.bin"}


@pytest.fixture(scope="module")
def injected() -> tuple[Tables, dict[int, str]]:
    """The example's tables and which mistake went into which data row (0-based index)."""
    where: dict[int, str] = {}
    original = synthetic._inject

    def recording(name, row, rng, earlier):  # type: ignore[no-untyped-def]
        done = original(name, row, rng, earlier)
        if done:
            where[len(earlier)] = name
        return done

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthetic, "_inject", recording)
        tables = generate_example()
    return tables, where


@pytest.fixture(scope="module")
def example_findings(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[dict]]:
    """Check the committed example through the CLI (report only: nothing written in workbooks/)."""
    out = tmp_path_factory.mktemp("voorbeeld") / "rapport.json"
    before = sorted(p.name for p in WORKBOOKS.iterdir())
    code = main(["controleer", "--stil", "--niet-schrijven", str(EXAMPLE), "--json", str(out)])
    assert sorted(p.name for p in WORKBOOKS.iterdir()) == before
    (entry,) = json.loads(out.read_text(encoding="utf-8"))["bestanden"]
    assert entry["status"] == "fouten"
    return code, entry["bevindingen"]


def _header_row() -> int:
    book = openpyxl.load_workbook(EXAMPLE, read_only=True)
    sheet = book["Productie"]
    for number, row in enumerate(sheet.iter_rows(max_row=20, values_only=True), start=1):
        if row and row[0] == "BSN":
            book.close()
            return number
    raise AssertionError("no header row in the example")


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _expected(tables: Tables, where: dict[int, str]) -> Counter[tuple[int, str]]:
    """(Excel row, check) -> count that the injected mistakes explain, and nothing else.

    Besides its own check, a mistake may honestly cause others on the same row:
    - bsn_elfproef: the changed BSN no longer matches the allocation's BSN -> PM005;
    - onbekende_code: a specific allocation names another code -> PM006;
    - buiten_periode: January 2024 is also outside the product list's validity (2023) -> PM004,
      and a child turning 18 in it -> PM016;
    - geen_maand: a period running past the allocation's end -> PM007;
    - dubbel: the row it repeats (the one above) gets PM015's waarschuwing naming the double.
    """
    allocations = {row[1]: row for row in tables.toewijzingen}
    first = _header_row() + 1
    expected: Counter[tuple[int, str]] = Counter()
    for index, name in where.items():
        row = tables.productie[index]
        excel = first + index
        checks = [PRIMARY[name]]
        allocation = allocations.get(row[COL["Toewijzingnummer"]])
        if name == "bsn_elfproef":
            checks.append("PM005")
        elif name == "onbekende_code":
            assert allocation is not None
            if allocation[3]:
                checks.append("PM006")
        elif name == "buiten_periode":
            checks.append("PM004")
            birth, end = row[COL["Geboortedatum"]], row[COL["Einddatum"]]
            if _age_on(birth, end) >= 18:  # type: ignore[arg-type]
                checks.append("PM016")
        elif name == "geen_maand":
            assert allocation is not None
            if row[COL["Einddatum"]] > allocation[5]:  # type: ignore[operator]
                checks.append("PM007")
        elif name == "dubbel":
            expected[(excel - 1, "PM015")] += 1
        for check in checks:
            expected[(excel, check)] += 1
    return expected


def test_example_has_every_mistake_once(injected: tuple[Tables, dict[int, str]]) -> None:
    tables, where = injected
    assert tables.mistakes == {name: 1 for name, _ in MISTAKES}
    assert sorted(where.values()) == sorted(name for name, _ in MISTAKES)


def test_example_every_mistake_found_by_its_check(
    injected: tuple[Tables, dict[int, str]], example_findings: tuple[int, list[dict]]
) -> None:
    _, where = injected
    code, findings = example_findings
    assert code == 1
    first = _header_row() + 1
    found = {(f["rij"], f["controle"]) for f in findings}
    for index, name in where.items():
        assert (first + index, PRIMARY[name]) in found, name
    assert {f["controle"] for f in findings} >= set(PRIMARY.values())


def test_example_nothing_beyond_the_injected_mistakes(
    injected: tuple[Tables, dict[int, str]], example_findings: tuple[int, list[dict]]
) -> None:
    tables, where = injected
    _, findings = example_findings
    expected = _expected(tables, where)
    actual = Counter((f["rij"], f["controle"]) for f in findings)
    assert actual == expected
    per_check = Counter(f["controle"] for f in findings)
    assert per_check == Counter(check for (_, check), n in expected.items() for _ in range(n))
    assert {f["ernst"] for f in findings if f["controle"] == "PM022"} == {"waarschuwing"}
