"""Every replication fails: exit 1, the failures summarised and saved, no report, no traceback.

The schema now refuses the inputs that used to make every replication fail (issue 18), so the
failure is injected: ``simulate`` raises in this process (``--workers 1``).
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import botsim.experiment.runner
from botsim.cli.main import main
from botsim.experiment.runner import ReplicationFailure, failure_message, summarise_failures
from tests.conftest import ROOT

SCENARIO = str(ROOT / "scenarios" / "manila-small-5.yaml")
OTHER = str(ROOT / "scenarios" / "manila-finance-20.yaml")
SWEEP = str(ROOT / "sweeps" / "ph-vs-co-by-size.yaml")
MESSAGE = "cannot convert float infinity to integer"


@pytest.fixture
def every_replication_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def overflow(*args, **kwargs):
        raise OverflowError(MESSAGE)

    monkeypatch.setattr(botsim.experiment.runner, "simulate", overflow)


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, catch_exceptions=True)


def assert_failed_cleanly(result: Result, folder: Path, total: int) -> None:
    assert result.exit_code == 1, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert f"every replication failed ({total} of {total})" in result.stderr
    assert f"OverflowError: {MESSAGE}" in result.stderr
    failures = json.loads((folder / "failures.json").read_text())
    assert len(failures) == total
    assert not (folder / "report.html").exists()


@pytest.mark.usefixtures("every_replication_fails")
def test_run(tmp_path: Path):
    folder = tmp_path / "run"
    result = invoke(["run", SCENARIO, "-n", "3", "--workers", "1", "--out", str(folder)])
    assert_failed_cleanly(result, folder, 3)
    assert "no replication completed" in result.stdout
    assert "report not written: no replication completed" in result.stderr
    # Rebuilding the report of that folder is refused cleanly too.
    again = invoke(["report", str(folder)])
    assert again.exit_code == 2, again.stderr
    assert "no replication completed" in again.stderr
    assert "Traceback" not in again.stdout + again.stderr


@pytest.mark.usefixtures("every_replication_fails")
def test_compare(tmp_path: Path):
    folder = tmp_path / "compare"
    result = invoke(["compare", SCENARIO, OTHER, "-n", "2", "--workers", "1", "--out", str(folder)])
    assert_failed_cleanly(result, folder, 4)
    assert "report: not written (no replication completed)" in result.stdout
    assert "scenario manila-small-5, replication 0" in result.stderr


@pytest.mark.usefixtures("every_replication_fails")
def test_sweep(tmp_path: Path):
    folder = tmp_path / "sweep"
    result = invoke(["sweep", SWEEP, "-n", "1", "--workers", "1", "--out", str(folder)])
    assert_failed_cleanly(result, folder, 10)
    assert "no replication completed" in result.stdout
    assert "point 0, replication 0" in result.stderr


def _traceback_of(exc: Exception) -> str:
    try:
        raise exc
    except Exception:
        return traceback.format_exc()


def test_failure_message_is_the_exception_line():
    error = _traceback_of(OverflowError(MESSAGE))
    assert failure_message(error) == f"OverflowError: {MESSAGE}"
    assert failure_message("") == "unknown error"
    assert len(failure_message(_traceback_of(ValueError("x" * 5000)))) <= 300


def test_summary_of_some_failures():
    failures = [ReplicationFailure(4, 7, _traceback_of(KeyError("k")))]
    assert summarise_failures(failures, 10) == (
        "1 of 10 replication(s) failed; first error (replication 4): KeyError: 'k'"
    )
