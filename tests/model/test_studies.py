"""The library behind `botsim run` and `botsim compare`: ``run_to_folder`` (a resumable run
written to a run folder) and ``run_comparison`` (paired runs under common random numbers),
called directly, without the CLI."""

from __future__ import annotations

import pandas as pd
import pytest

import botsim
from botsim.experiment.outputs import INCOMPLETE_PREFIX, is_complete
from botsim.inputs.limits import LimitError
from tests.conftest import SCENARIOS, ctrl_c_after_chunks

MANILA = SCENARIOS / "manila-finance-20.yaml"
SHORT = ("horizon_months=12",)


def test_run_to_folder_writes_the_run_experiment_answer(tmp_path) -> None:
    ticks: list[int] = []
    started: list[str] = []
    done = botsim.run_to_folder(
        MANILA,
        overrides=SHORT,
        replications=12,
        seed=3,
        folder=tmp_path / "run",
        progress=ticks.append,
        on_start=started.append,
    )
    assert done.folder == tmp_path / "run" and is_complete(done.folder)
    assert sum(ticks) == 12 and started == ["in-process"]
    direct = botsim.run_experiment(botsim.load_scenario(MANILA, SHORT), 12, 3)
    pd.testing.assert_frame_equal(done.result.summary, direct.summary)
    saved = pd.read_parquet(done.folder / "summary.parquet")
    assert saved["replication"].tolist() == list(range(12))


def test_an_interrupted_run_to_folder_names_its_folder_and_resumes_to_the_same_numbers(
    tmp_path, monkeypatch
) -> None:
    ctrl_c_after_chunks(monkeypatch, 2)
    options = dict(overrides=SHORT, replications=30, seed=5)
    with pytest.raises(botsim.RunStopped) as stopped:
        botsim.run_to_folder(MANILA, folder=tmp_path / "run", **options)
    assert stopped.value.interrupted
    assert stopped.value.staging == tmp_path / f"{INCOMPLETE_PREFIX}run"
    monkeypatch.undo()
    resumed = botsim.run_to_folder(resume=stopped.value.staging)
    assert resumed.resumed and resumed.folder == tmp_path / "run"
    whole = botsim.run_to_folder(MANILA, folder=tmp_path / "whole", **options)
    pd.testing.assert_frame_equal(resumed.result.summary, whole.result.summary)


def test_run_to_folder_refuses_what_would_not_fit_before_writing(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("botsim.experiment.memory.available_memory", lambda: 10_000_000)
    with pytest.raises(LimitError, match="would need about"):
        botsim.run_to_folder(MANILA, replications=1000, folder=tmp_path / "run")
    assert not any(tmp_path.iterdir())


def test_run_comparison_pairs_the_scenarios_under_one_seed() -> None:
    scenario = botsim.load_scenario(MANILA, SHORT)
    bigger = botsim.load_scenario(MANILA, (*SHORT, "roles[0].plan[0].headcount=30"))
    announced: list[tuple[str, int, int]] = []
    comparison = botsim.run_comparison(
        [scenario, bigger], 10, 11, on_start=lambda *a: announced.append(a)
    )
    name = scenario.name
    assert comparison.names == [name, f"{name}-2"]
    assert announced == [(name, 10, 11), (f"{name}-2", 10, 11)]
    assert comparison.seed == 11 and comparison.replications == 10
    direct = botsim.run_experiment(bigger, 10, 11)
    pd.testing.assert_frame_equal(comparison.results[1].summary, direct.summary)
    table = comparison.table
    assert len(table) and set(table["scenario_a"]) == {name}
    assert (table["scenario_b"] == f"{name}-2").all()
    assert comparison.horizon == 12 and not comparison.failures
    with pytest.raises(ValueError, match="at least two"):
        botsim.run_comparison([scenario])
