"""The vendored checker is the project's shared one (only its schema path differs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ooxml_helpers import SHARED_CHECKER

VENDORED = Path(__file__).resolve().parent / "tools" / "ooxml_check.py"


def test_vendored_checker_matches_the_shared_one() -> None:
    if not SHARED_CHECKER.exists():
        pytest.skip("the shared tools are not next to this checkout (CI)")
    shared = SHARED_CHECKER.read_text(encoding="utf-8").splitlines()
    vendored = [
        line
        for line in VENDORED.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("# Vendored", "# this line"))
    ]
    differ = [(a, b) for a, b in zip(shared, vendored, strict=True) if a != b]
    assert len(differ) == 1 and differ[0][0].startswith("XSD = "), differ
