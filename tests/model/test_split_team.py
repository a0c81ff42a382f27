"""A team split across locations also reports headcount and target per location."""

from __future__ import annotations

from botsim import load_scenario, run_experiment
from tests.conftest import SCENARIOS


def test_per_location_series_add_up_to_the_team() -> None:
    scenario = load_scenario(SCENARIOS / "split-ph-co.yaml", ["horizon_months=8"])
    ts = run_experiment(scenario, replications=3, seed=5).timeseries
    names = [loc.name for loc in scenario.locations]
    assert len(names) == 2
    assert (ts.headcount == sum(ts[f"headcount__{n}"] for n in names)).all()
    assert (ts.target == sum(ts[f"target__{n}"] for n in names)).all()
    assert all((ts[f"headcount__{n}"] > 0).any() for n in names)
