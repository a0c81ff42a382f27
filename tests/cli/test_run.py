"""`botsim run`: executors, run folders, failures, --precision, --resume, logging, lazy imports.

Every test writes into its own temporary outputs folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim.cli.main import main
from botsim.experiment.outputs import INCOMPLETE_PREFIX, StagedRun, is_complete
from tests.conftest import ROOT, SCENARIOS, ctrl_c_after_chunks

MANILA = str(SCENARIOS / "manila-finance-20.yaml")
SHORT = ("--set", "horizon_months=12", "--no-report")  # reports: tests/report, and below


def botsim(*args: str):
    return CliRunner().invoke(main, list(args))


def tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(folder / "summary.parquet"), pd.read_parquet(
        folder / "timeseries.parquet"
    )


def test_run_writes_complete_folder_and_prints_it(tmp_path) -> None:
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SHORT, "-n", "6", "--workers", "1", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert res.stdout.strip().endswith(f"run folder: {out}")
    assert "Traceback" not in res.stderr
    assert is_complete(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["executor"] == "in-process"
    assert manifest["replications"] == 6 and manifest["failed_replications"] == []
    assert sorted(p.name for p in out.iterdir()) == [
        "aggregates.csv",
        "manifest.json",
        "scenario.yaml",
        "summary.parquet",
        "timeseries.parquet",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging left behind


def test_run_writes_its_report_by_default(tmp_path) -> None:
    out = tmp_path / "run"
    res = botsim(
        "run", MANILA, "--set", "horizon_months=12", "-n", "4", "--workers", "1", "--out", str(out)
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.strip().endswith(f"report: {out / 'report.html'}")
    assert is_complete(out)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert (out / "figures").is_dir() and any((out / "figures").glob("*.svg"))


def test_workers_1_and_2_give_identical_tables(tmp_path) -> None:
    a, b = tmp_path / "one", tmp_path / "two"
    for folder, workers in ((a, "1"), (b, "2")):
        res = botsim("run", MANILA, *SHORT, "-n", "8", "--workers", workers, "--out", str(folder))
        assert res.exit_code == 0, res.output
    assert json.loads((b / "manifest.json").read_text())["executor"] == "process-pool(workers=2)"
    for left, right in zip(tables(a), tables(b)):
        pd.testing.assert_frame_equal(left, right)


def test_failed_replications_are_data_and_exit_nonzero(tmp_path, monkeypatch) -> None:
    import botsim.experiment.runner as experiment

    real = experiment.simulate

    def flaky(scenario, seed=None, replication=0, keep_events=False):
        if replication == 3:
            raise ZeroDivisionError("injected by the test")
        return real(scenario, seed, replication, keep_events)

    monkeypatch.setattr(experiment, "simulate", flaky)
    out = tmp_path / "run"
    res = botsim(
        "run", MANILA, *SHORT, "-n", "5", "--workers", "1", "--seed", "4", "--out", str(out)
    )
    assert res.exit_code == 1
    assert "1 replication(s) failed: 3" in res.stderr and "seed 4" in res.stderr
    assert is_complete(out)
    failures = json.loads((out / "failures.json").read_text())
    assert failures[0]["replication"] == 3 and failures[0]["seed"] == 4
    assert "ZeroDivisionError: injected by the test" in failures[0]["error"]
    assert list(pd.read_parquet(out / "summary.parquet").replication) == [0, 1, 2, 4]
    assert json.loads((out / "manifest.json").read_text())["failed_replications"] == [3]


def test_precision_reports_count_and_records_it(tmp_path) -> None:
    out = tmp_path / "run"
    res = botsim(
        "run", MANILA, *SHORT, "--workers", "1", "--out", str(out),
        "--precision", "0.1", "--precision-metrics", "hires",
        "--min-replications", "10", "--max-replications", "200",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    needed = manifest["precision"]["replications_needed"]
    assert manifest["precision"]["reached"] is True
    assert manifest["replications"] == needed == len(pd.read_parquet(out / "summary.parquet"))
    assert f"with {needed} replications" in res.stdout
    assert manifest["precision"]["metrics"]["hires"]["relative_half_width"] <= 0.1 / 1.1


def test_precision_unknown_metric_exit_2_lists_choices(tmp_path) -> None:
    res = botsim(
        "run", MANILA, *SHORT, "--workers", "1", "--outputs", str(tmp_path),
        "--precision", "0.05", "--precision-metrics", "time_to_ful_team",
    )  # fmt: skip
    assert res.exit_code == 2
    assert "unknown precision metric(s) time_to_ful_team" in res.stderr
    assert "time_to_full_team" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_option_conflicts_exit_2(tmp_path) -> None:
    assert botsim("run").exit_code == 2
    res = botsim("run", MANILA, "-n", "5", "--precision", "0.05")
    assert res.exit_code == 2 and "--min/--max-replications" in res.stderr
    res = botsim("run", MANILA, "--min-replications", "5")
    assert res.exit_code == 2 and "need --precision" in res.stderr


def test_scheduler_without_dask_says_how_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    res = botsim(
        "run", MANILA, *SHORT, "-n", "2", "--scheduler", "local", "--outputs", str(tmp_path)
    )
    assert res.exit_code == 2
    assert "pip install 'botsim[dask]'" in res.stderr and "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []


def interrupted_run(tmp_path: Path, name: str = "run") -> Path:
    """A run folder left by an interruption after a few replications (as Ctrl-C leaves it)."""
    from botsim import load_scenario, run_experiment
    from tests.model.test_executors import StopAfter

    scenario = load_scenario(MANILA, ["horizon_months=12"])
    staged = StagedRun.create(
        tmp_path / name,
        scenario,
        scenario.seed,
        10,
        extra={"scenario_file": MANILA, "overrides": ["horizon_months=12"]},
    )
    with pytest.raises(KeyboardInterrupt):
        run_experiment(scenario, 10, scenario.seed, chunk_size=2, store=StopAfter(staged, 2))
    staged.release()
    return staged.staging


def test_resume_finishes_identically_from_either_name(tmp_path) -> None:
    reference = tmp_path / "reference"
    res = botsim("run", MANILA, *SHORT, "-n", "10", "--workers", "1", "--out", str(reference))
    assert res.exit_code == 0, res.output
    staging = interrupted_run(tmp_path)
    assert staging.name == f"{INCOMPLETE_PREFIX}run" and not is_complete(staging)
    # Without the scenario file: the resolved scenario saved in the folder is used.
    res = botsim("run", "--resume", str(tmp_path / "run"), "--workers", "2")
    assert res.exit_code == 0, res.output
    assert is_complete(tmp_path / "run") and not staging.exists()
    for left, right in zip(tables(reference), tables(tmp_path / "run")):
        pd.testing.assert_frame_equal(left, right)
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["resumed"] is True
    assert manifest["executors"] == ["in-process", "process-pool(workers=2)"]
    assert manifest["executor"] == "in-process + process-pool(workers=2)"
    # A complete run is not resumed again.
    res = botsim("run", "--resume", str(tmp_path / "run"))
    assert res.exit_code == 2 and "complete run already" in res.stderr


def test_resume_refuses_another_scenario_seed_or_count(tmp_path) -> None:
    staging = interrupted_run(tmp_path)
    res = botsim("run", MANILA, "--set", "horizon_months=13", "--resume", str(staging))
    assert res.exit_code == 2 and "another scenario" in res.stderr
    res = botsim("run", MANILA, *SHORT, "--seed", "1", "--resume", str(staging))
    assert res.exit_code == 2 and "seed" in res.stderr
    res = botsim("run", MANILA, *SHORT, "-n", "11", "--resume", str(staging))
    assert res.exit_code == 2 and "replications 10, not 11" in res.stderr
    assert not is_complete(staging) and not (tmp_path / "run").exists()
    # The right scenario file is accepted.
    res = botsim("run", MANILA, *SHORT, "--resume", str(staging), "--workers", "1")
    assert res.exit_code == 0, res.output


def test_resume_of_nothing_is_a_clear_error(tmp_path) -> None:
    res = botsim("run", "--resume", str(tmp_path / "nope"))
    assert res.exit_code == 2 and "no interrupted run" in res.stderr
    (tmp_path / f"{INCOMPLETE_PREFIX}x").mkdir()
    res = botsim("run", "--resume", str(tmp_path / "x"))
    assert res.exit_code == 2 and "not a resumable botsim run" in res.stderr


def test_logs_on_stderr_results_on_stdout(tmp_path) -> None:
    res = botsim(
        "-v", "run", MANILA, *SHORT, "-n", "3", "--workers", "1", "--outputs", str(tmp_path)
    )
    assert res.exit_code == 0, res.output
    assert "INFO" not in res.stdout and "run folder:" in res.stdout
    quiet = botsim(
        "-q", "run", MANILA, *SHORT, "-n", "3", "--workers", "1", "--outputs", str(tmp_path)
    )
    assert quiet.exit_code == 0 and quiet.stderr == ""


HEAVY = ("pandas", "numpy", "simpy", "seaborn", "scipy", "pyarrow", "distributed")


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_imports_no_heavy_library(argv) -> None:
    code = (
        "import sys\n"
        "from botsim.cli.main import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_ctrl_c_leaves_incomplete_folder_and_says_how_to_resume(tmp_path, monkeypatch) -> None:
    ctrl_c_after_chunks(monkeypatch, 2)
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SHORT, "-n", "30", "--workers", "1", "--out", str(out))
    assert res.exit_code == 130
    staging = tmp_path / f"{INCOMPLETE_PREFIX}run"
    assert f"resume with: botsim run --resume {staging}" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists() and not is_complete(staging)
    assert len(list((staging / "chunks").glob("*.npz"))) == 2


def test_cli_replication_bound_is_the_schema_bound() -> None:
    from botsim.cli import options as cli_options
    from botsim.inputs import scenario

    assert cli_options.MAX_REPLICATIONS == scenario.MAX_REPLICATIONS
