"""Studies (compare, sweep) make every check before running anything, and `--dry-run` makes them
all: a parameter named like a result column, an output folder that exists or cannot be created,
memory (workers included). Workers are capped at the cores and the replications; compare and
sweep use all cores by default, with the same numbers as on one.

Every refusal: exit 2, the message names the parameter (field path) and the clashing column or
the folder, no traceback, nothing written, and no replication run (``run_experiment`` is
replaced by a function that fails the test if called).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim import load_scenario
from botsim.cli.main import main
from botsim.experiment import executors
from botsim.experiment.memory import (
    WORKER_PROCESS_BYTES,
    check_run_memory,
    estimate_run_memory,
    result_column_names,
)
from botsim.experiment.sweep import (
    STUDY_COLUMNS,
    SweepError,
    load_sweep,
    run_sweep,
    sweep_from_dict,
)
from botsim.inputs.limits import LimitError
from tests.conftest import SCENARIOS

MANILA = str(SCENARIOS / "manila-finance-20.yaml")
PAIR = [str(SCENARIOS / "manila-transfer-at-18.yaml"), str(SCENARIOS / "manila-small-5.yaml")]
SHORT = ["--set", "horizon_months=12", "--no-report"]


def botsim(*args: str):
    return CliRunner().invoke(main, list(args))


def write_sweep(folder: Path, parameters: list[dict], **extra) -> Path:
    doc = {"name": "checks", "base": MANILA, "replications": 2, "parameters": parameters, **extra}
    path = folder / "sweep.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
    return path


CLASHING = [
    {"path": "roles[0].plan[0].headcount", "values": [3, 4]},  # default column name: headcount
    {"name": "effective_fte", "path": "locations[0].recruiting.recruiters", "values": [2, 3]},
]
FINE = [
    {"name": "team_size", "path": "roles[0].plan[0].headcount", "values": [3, 4]},
    {"name": "horizon", "path": "horizon_months", "values": [12]},
]


@pytest.fixture
def nothing_runs(monkeypatch):
    """Any replication run fails the test: the checks must come first."""

    def run_experiment(*args, workers=None, scheduler=None, backend=None, **kwargs):
        raise AssertionError("a replication ran before the checks refused the study")

    monkeypatch.setattr("botsim.experiment.runner.run_experiment", run_experiment)


def assert_refused(res, *fragments: str) -> None:
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in res.stderr, (fragment, res.stderr)


# --- 1. column clashes -----------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_parameter_named_like_a_series_column_is_refused_before_running(
    tmp_path, nothing_runs, dry_run
):
    sweep = write_sweep(tmp_path, CLASHING)
    outputs = tmp_path / "outputs"
    res = botsim("sweep", str(sweep), "--outputs", str(outputs), *(["--dry-run"] * dry_run))
    assert_refused(
        res,
        "parameters[0].path",
        "'headcount'",
        "parameters[1].name",
        "'effective_fte'",
        "monthly series",
        "name: plan_headcount",
    )
    assert not outputs.exists()


def test_run_sweep_refuses_a_clash_before_running(nothing_runs):
    plan = sweep_from_dict({"name": "x", "base": MANILA, "parameters": CLASHING})
    with pytest.raises(SweepError) as err:
        run_sweep(plan, replications=2)
    assert "parameters[0].path" in str(err.value) and "'headcount'" in str(err.value)


@pytest.mark.parametrize("name", ["mean", "group", "horizon_months", "p_by", "diff", "point"])
def test_names_the_sweep_adds_are_refused_when_the_file_is_loaded(tmp_path, name):
    parameters = [{"name": name, "path": "locations[0].recruiting.recruiters", "values": [2]}]
    with pytest.raises(SweepError) as err:
        load_sweep(write_sweep(tmp_path, parameters))
    text = str(err.value)
    assert "parameters[0].name" in text and repr(name) in text and "name:" in text


def test_study_columns_cover_every_table_with_parameter_columns(tmp_path):
    """The sweep writes its parameters into these tables; whatever else they hold is either a
    result column of the model (read from a pilot) or in STUDY_COLUMNS, so a clash is caught."""
    from botsim.report import write_sweep as write_folder
    from botsim.report.study import load_study
    from botsim.report.tables import key_metric_values, sweep_grid

    parameters = [
        {"name": "country", "path": "locations[0].profile", "values": ["philippines", "colombia"]},
        {"name": "team_size", "path": "roles[0].plan[0].headcount", "values": [3, 4]},
        {"name": "horizon", "path": "horizon_months", "values": [12]},
    ]
    plan = load_sweep(write_sweep(tmp_path, parameters))
    folder = write_folder(tmp_path / "sweep", run_sweep(plan, replications=3), report=False)
    study = load_study(folder)
    model: set[str] = set()
    for pt in plan.points:
        summary, series = result_column_names(pt.scenario)
        model |= {*summary, *series}
    known = STUDY_COLUMNS | model | set(plan.columns)
    tables = {
        "summary": pd.read_parquet(folder / "summary.parquet"),
        "timeseries": pd.read_parquet(folder / "timeseries.parquet"),
        "points": pd.read_csv(folder / "points.csv"),
        "aggregates": pd.read_csv(folder / "aggregates.csv"),
        "contrasts": pd.read_csv(folder / "contrasts.csv"),
        "study summary": study.summary,
        "sweep table": sweep_grid(study),
        "key metric values": key_metric_values(study, study.key_metric),
    }
    for name, table in tables.items():
        assert set(plan.columns) & set(table.columns), name  # the parameters are columns here
        assert set(table.columns) <= known, (name, sorted(set(table.columns) - known))


# --- every other check, before running; --dry-run makes them all ----------------------------


def test_dry_run_passes_every_check_writes_nothing(tmp_path, nothing_runs):
    sweep = write_sweep(tmp_path, FINE)
    outputs = tmp_path / "outputs"
    res = botsim("sweep", str(sweep), "--outputs", str(outputs), "--dry-run")
    assert res.exit_code == 0, res.output
    for line in ("variants: 2 valid", "columns: team_size, horizon", "output folder:", "memory:"):
        assert line in res.stdout, (line, res.stdout)
    assert "every check passed" in res.stdout
    assert not outputs.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


def test_dry_run_reports_every_failing_check(tmp_path, nothing_runs, monkeypatch):
    monkeypatch.setattr("botsim.experiment.memory.available_memory", lambda: 10_000_000)  # 10 MB
    sweep = write_sweep(tmp_path, CLASHING)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = botsim("sweep", str(sweep), "--out", str(blocker / "sweep"), "--dry-run")
    assert_refused(res, "'headcount'", f"{blocker} is not a folder", "of memory")
    assert blocker.read_text() == "not a folder"


def test_existing_output_folder_is_refused_before_running(tmp_path, nothing_runs):
    taken = tmp_path / "taken"
    taken.mkdir()
    res = botsim("sweep", str(write_sweep(tmp_path, FINE)), "--out", str(taken))
    assert_refused(res, f"{taken} already exists")
    res = botsim("compare", *PAIR, "--out", str(taken), "--dry-run")
    assert_refused(res, f"{taken} already exists")
    assert list(taken.iterdir()) == []


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_folder_that_cannot_be_created_is_refused_before_running(tmp_path, nothing_runs, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    inputs = [str(write_sweep(tmp_path, FINE))] if command == "sweep" else PAIR
    res = botsim(command, *inputs, "-n", "2", "--out", str(blocker / "sub" / "study"))
    assert_refused(res, f"cannot create {blocker / 'sub' / 'study'}", "is not a folder")


def test_compare_dry_run_makes_every_check(tmp_path, nothing_runs):
    outputs = tmp_path / "outputs"
    res = botsim("compare", *PAIR, "-n", "3", "--outputs", str(outputs), "--dry-run")
    assert res.exit_code == 0, res.output
    for line in ("scenarios: 2 valid", "columns:", "output folder:", "memory:"):
        assert line in res.stdout
    assert not outputs.exists()


def test_compare_checks_its_own_columns(tmp_path, nothing_runs, monkeypatch):
    """compare adds `scenario` to every row: a result column of that name is caught up front."""
    monkeypatch.setattr(
        "botsim.experiment.memory.result_column_names", lambda s: (("replication", "scenario"), ())
    )
    res = botsim("compare", *PAIR, "--outputs", str(tmp_path / "o"), "--dry-run")
    assert_refused(res, "'scenario'")


# --- 2. workers capped and counted -----------------------------------------------------------


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(executors, "default_workers", lambda: 2)


def test_workers_are_capped_at_cores_and_chunks(two_cores, caplog):
    with caplog.at_level(logging.WARNING, logger="botsim.experiment.executors"):
        assert executors.cap_workers(4096) == 2
    assert "4096 workers requested; using 2" in caplog.text
    assert executors.cap_workers(None) == 2
    assert executors.cap_workers(None, chunks=1) == 1
    assert executors.cap_workers(2, chunks=1) == 1
    assert executors.cap_workers(1, chunks=50) == 1


def test_open_backend_never_starts_more_workers_than_cores(monkeypatch):
    monkeypatch.setattr(executors, "default_workers", lambda: 1)
    with executors.open_backend(4096) as backend:
        assert backend.workers == 1 and backend.description == "in-process"


def test_dry_run_says_how_many_workers_run(tmp_path, two_cores, nothing_runs):
    res = botsim("sweep", str(write_sweep(tmp_path, FINE)), "--dry-run", "--workers", "4096")
    assert res.exit_code == 0, res.output
    assert "4096 workers requested; using 2" in res.stderr
    assert "with 2 worker(s)" in res.stdout


def test_run_with_one_replication_starts_no_pool(tmp_path, two_cores):
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SHORT, "-n", "1", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert json.loads((out / "manifest.json").read_text())["executor"] == "in-process"


def test_memory_estimate_counts_each_worker_process():
    scenario = load_scenario(MANILA)
    one = estimate_run_memory(scenario, 10, workers=1)
    many = estimate_run_memory(scenario, 10, workers=4096)
    assert many - one >= 4096 * WORKER_PROCESS_BYTES
    assert many > 100e9  # was estimated at under 1 GB
    with pytest.raises(LimitError, match="worker processes"):
        check_run_memory(scenario, 10, available=8 * 10**9, workers=4096)


# --- 3. all cores by default, same numbers ---------------------------------------------------


def test_sweep_and_compare_use_all_cores_by_default_with_identical_numbers(tmp_path, two_cores):
    sweep = str(write_sweep(tmp_path, FINE))
    for command, inputs in (("sweep", [sweep, "--no-report"]), ("compare", [*PAIR, *SHORT])):
        folders = {}
        for label, workers in (("default", []), ("one", ["--workers", "1"])):
            folders[label] = tmp_path / f"{command}-{label}"
            res = botsim(command, *inputs, "-n", "3", *workers, "--out", str(folders[label]))
            assert res.exit_code == 0, (command, res.output)
        manifest = json.loads((folders["default"] / "manifest.json").read_text())
        assert manifest["executor"] == "process-pool(workers=2)", command
        for table in ("summary.parquet", "timeseries.parquet"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(folders["default"] / table), pd.read_parquet(folders["one"] / table)
            )
