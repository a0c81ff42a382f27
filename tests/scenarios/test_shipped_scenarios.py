"""Every shipped scenario loads, validates and runs (on a short horizon)."""

from __future__ import annotations

import pytest

from botsim import load_scenario, run_experiment
from tests.conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted(SCENARIOS.glob("*.toml"))


def test_there_are_shipped_scenarios() -> None:
    assert len(SHIPPED) >= 1


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_runs(path) -> None:
    scenario = load_scenario(path, ["horizon_months=12"])
    result = run_experiment(scenario, replications=3, seed=1)
    assert len(result.summary) == 3
    assert not result.failures
    assert (result.timeseries["headcount"] >= 0).all()
