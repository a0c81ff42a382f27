"""Bounds that make "validate passes" mean "run finishes" (issue 18).

The corpus files in ``cases/`` cover the refused values in scenario files; here: the same
through ``--set``, the distribution bounds at the library level, and the defensive bound of
the candidate search, which no valid scenario can reach.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

import botsim.model.desk
import botsim.model.recruiting
from botsim.experiment.runner import simulate
from botsim.inputs.distributions import (
    MAX_DURATION_DAYS,
    Exponential,
    Fixed,
    LogNormal,
    Triangular,
    Uniform,
)
from botsim.inputs.scenario import DAYS_PER_MONTH, MAX_HORIZON_MONTHS
from botsim.inputs.scenario import MAX_DURATION_DAYS as SCHEMA_MAX_DAYS
from botsim.model.random import UniformBlocks
from botsim.model.recruiting import Funnel, SearchLimitError, funnel_of, search
from tests.conftest import ROOT, make_scenario

MANILA = str(ROOT / "scenarios" / "manila-finance-20.yaml")


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    ("override", "fragments"),
    [
        (
            "locations[0].recruiting.offer_duration=1e12",
            [
                "locations[0].recruiting.offer_duration",
                "less than or equal to 7305",
                "got 1000000000000.0",
            ],
        ),
        (
            "policy.training_classes={interval_days: 5e-324}",
            ["policy.training_classes.interval_days", "greater than or equal to 1", "5e-324"],
        ),
        (
            "locations[0].recruiting.candidate_notice={dist: lognormal, mean: 30, sd: 1e200}",
            ["locations[0].recruiting.candidate_notice.sd", "1e+200"],
        ),
    ],
)
def test_set_override_beyond_a_bound_is_refused(
    command: str, override: str, fragments: list[str], tmp_path: Path
):
    args = [command, MANILA, "--set", override]
    if command == "run":
        args += ["--out", str(tmp_path / "run"), "--no-progress"]
    result = CliRunner().invoke(main_command(), args, catch_exceptions=True)
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert not (tmp_path / "run").exists()


def main_command():
    from botsim.cli.main import main

    return main


def test_one_bound_in_days_and_months():
    assert SCHEMA_MAX_DAYS == MAX_DURATION_DAYS == MAX_HORIZON_MONTHS * DAYS_PER_MONTH


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (Fixed, {"value": 1e308}),
        (Exponential, {"mean": MAX_DURATION_DAYS * 2}),
        (LogNormal, {"mean": 12, "sd": 1e200}),
        (LogNormal, {"mean": 1e-300, "sd": 1.0}),  # (sd / mean)**2 overflowed
        (Uniform, {"low": 0, "high": 1.7e308}),
        (Triangular, {"low": 0, "mode": 1, "high": 1e300}),
    ],
)
def test_distribution_parameters_are_bounded(cls, kwargs):
    with pytest.raises(ValidationError):
        cls(**kwargs)


def test_distributions_at_the_bounds_sample_finite_values():
    rng = np.random.default_rng(1)
    for dist in [
        Fixed(value=MAX_DURATION_DAYS),
        Exponential(mean=MAX_DURATION_DAYS),
        LogNormal(mean=MAX_DURATION_DAYS, sd=MAX_DURATION_DAYS),
        LogNormal(mean=1e-3, sd=0.1),  # coefficient of variation 100, the limit
        Uniform(low=0, high=MAX_DURATION_DAYS),
    ]:
        assert np.isfinite(dist.sample(rng, 10_000)).all(), dist


def _endless_funnel(inline: bool) -> Funnel:
    """A funnel whose answers take 1e308 days: built around validation, as a hostile caller
    (or a future bug) could."""
    forever = 1e308
    return Funnel(
        finalist_gap=0.01,
        durations=(lambda rng: forever,),
        offer_acceptance=1.0,
        uniform_durations=(forever,) if inline else None,
        uniforms_per_finalist=2,
    )


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "generator"])
def test_search_stops_at_its_defensive_bound(inline: bool):
    source = UniformBlocks(np.random.default_rng(3))
    with pytest.raises(SearchLimitError, match="drew 1,000 finalists"):
        search(source, _endless_funnel(inline), limit=1_000)


def test_search_bound_is_far_beyond_a_valid_search():
    scenario = make_scenario(
        location={
            "recruiting": {"applicants_per_week": 1000.0, "offer_duration": 69.0, "stages": []}
        }
    )
    recruiting = scenario.locations[0].recruiting
    assert recruiting.expected_finalists_per_search < 10_000
    source = UniformBlocks(np.random.default_rng(5))
    for _ in range(20):  # the default bound: never reached
        search(source, funnel_of(recruiting))


def test_replication_names_the_location_when_the_search_bound_is_hit(monkeypatch):
    scenario = make_scenario()
    monkeypatch.setattr(botsim.model.desk, "funnel_of", lambda recruiting: _endless_funnel(True))
    monkeypatch.setattr(botsim.model.recruiting, "search", functools.partial(search, limit=500))
    with pytest.raises(SearchLimitError, match=r"locations\[0\] \(lab\): .*offer_duration"):
        simulate(scenario, 1)
