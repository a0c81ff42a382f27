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


TRANSFER_QUESTION_HORIZON = 60
"""Months a shipped scenario about transfer simulates (issue 16: the owned phase in view)."""


def test_transfer_scenarios_keep_the_owned_phase_in_view() -> None:
    about_transfer = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        if scenario.transfer.policy in ("at_month", "when_ready") or path.stem == (
            "manila-managed-partnership"
        ):
            about_transfer.append(path.stem)
            assert scenario.horizon_months == TRANSFER_QUESTION_HORIZON, path.stem
    assert "manila-transfer-at-18" in about_transfer
    assert len(about_transfer) >= 8


def test_init_template_explains_the_horizon(tmp_path) -> None:
    from click.testing import CliRunner

    from botsim.cli.main import main

    target = tmp_path / "s.yaml"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0
    assert "owned phase" in result.output
    assert "owned phase" in target.read_text(encoding="utf-8")
    assert load_scenario(target).horizon_months == TRANSFER_QUESTION_HORIZON
