"""The checker runs polars' queries in memory (batch.run.ENGINE), and only while it checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

import jeugdhulp.checks
from batch.run import ENGINE, Options, check_file

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "voorbeeld-productiemonitor.xlsx"


def _affinity() -> str | None:
    return pl.Config.state(if_set=True).get("POLARS_ENGINE_AFFINITY")


def test_the_checks_run_in_memory_and_the_setting_is_restored(tmp_path, monkeypatch):
    seen = []
    run_checks = jeugdhulp.checks.run_checks

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(_affinity())
        return run_checks(*args, **kwargs)

    monkeypatch.setattr(jeugdhulp.checks, "run_checks", recording)
    before = _affinity()
    source = tmp_path / "pm.xlsx"
    shutil.copyfile(EXAMPLE, source)
    result = check_file(source, Options(profiel="ijsselland-2023", uitvoer=tmp_path / "uit"))
    assert result.checked and result.fouten > 0, result.melding
    assert seen == [ENGINE] == ["in-memory"]
    assert _affinity() == before
