"""Phases, entity set-up and transfer policies (issue 3, items 3 and 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from botsim import run_experiment, simulate
from botsim.inputs.scenario import DAYS_PER_MONTH
from botsim.model.lifecycle import CRITERIA
from botsim.stats import paired_difference
from tests.conftest import make_scenario

FAST = {"recruiting": {"applicants_per_week": 700.0}}  # searches take ~0.01 day


def _transfer(headcount=10, horizon=24, location=None, **transfer):
    return make_scenario(
        headcount, horizon, location={**FAST, **(location or {})}, transfer=transfer
    )


def test_at_month_transfers_exactly_then_when_entity_ready() -> None:
    scenario = _transfer(policy="at_month", month=6, window_months=1, entity_setup_start_month=0)
    # BARE_LOCATION's entity takes a fixed 30 days: ready long before month 6.
    for rep in range(3):
        s = simulate(scenario, seed=1, replication=rep).summary
        assert s["transfer_start_month"] == pytest.approx(6.0, abs=1e-12)
        assert s["transfer_month"] == pytest.approx(7.0, abs=1e-12)
        assert s["entity_ready_month"] == pytest.approx(30 / DAYS_PER_MONTH)
    series = pd.DataFrame(simulate(scenario, seed=1).series)
    assert list(series.phase[series.month.isin([5, 6, 7, 8])]) == [
        "operate",
        "transfer",
        "owned",
        "owned",
    ]


def test_late_entity_delays_at_month_transfer() -> None:
    """Entity set-up starts at month 10 and takes 30 days: the month-6 transfer waits for it."""
    scenario = _transfer(policy="at_month", month=6, window_months=1, entity_setup_start_month=10)
    s = simulate(scenario, seed=1).summary
    ready = 10 + 30 / DAYS_PER_MONTH
    assert s["transfer_start_month"] == pytest.approx(ready)
    assert s["transfer_month"] == pytest.approx(ready + 1)


def test_later_entity_start_never_advances_transfer() -> None:
    """Same seed, entity set-up started at month 2 vs 15 (random set-up time from the same
    'entity' stream): the later start never gives an earlier transfer, in every replication."""
    location = {
        "entity": {"setup_days": {"dist": "triangular", "low": 28, "mode": 75, "high": 120}}
    }
    early = _transfer(
        horizon=36, location=location, policy="at_month", month=12, entity_setup_start_month=2
    )
    late = _transfer(
        horizon=36, location=location, policy="at_month", month=12, entity_setup_start_month=15
    )
    a = run_experiment(early, replications=30, seed=9).summary.transfer_start_month.to_numpy()
    b = run_experiment(late, replications=30, seed=9).summary.transfer_start_month.to_numpy()
    assert np.all(b >= a)
    assert np.all(a == 12.0) and np.all(b > 15.0)


def test_never_never_transfers() -> None:
    summary = run_experiment(
        _transfer(policy="never", entity_setup_start_month=1), replications=10, seed=2
    ).summary
    assert summary.transfer_month.isna().all()
    assert summary.transfer_start_month.isna().all()
    assert not summary.transfer_censored.any()


def _ready_scenario(**transfer):
    return make_scenario(
        12,
        36,
        location={
            **FAST,
            "attrition": {"bands": [{"from_month": 0, "voluntary": 0.3}]},
            "ramp": {"ramp_days": 60},
        },
        knowledge={"growth_per_month": 0.3},
        transfer={"policy": "when_ready", "entity_setup_start_month": 1, **transfer},
    )


def test_when_ready_only_when_all_criteria_hold_and_inside_window() -> None:
    scenario = _ready_scenario(earliest_month=8, latest_month=20)
    result = run_experiment(scenario, replications=20, seed=4)
    s, ts = result.summary, result.timeseries
    started = s.transfer_start_month.dropna()
    assert len(started) >= 10, "scenario should usually become ready inside the window"
    for rep, start in started.items():
        assert 8 <= start <= 20
        assert start == int(start)  # decided at a month-end review
        row = ts[(ts.replication == s.replication[rep]) & (ts.month == int(start))].iloc[0]
        assert all(row[f"criterion_{c}"] == 1.0 for c in CRITERIA), row
        assert s.time_to_transfer_ready[rep] <= start
    never = s[s.transfer_start_month.isna()]
    for _, rep_row in never.iterrows():
        rows = ts[(ts.replication == rep_row.replication) & ts.month.between(8, 20)]
        assert not all((rows[f"criterion_{c}"] == 1.0).all() for c in CRITERIA)


def test_when_ready_window_closed_means_no_transfer() -> None:
    """A window that closes before anyone can be ready (month 1-2) never transfers."""
    s = run_experiment(
        _ready_scenario(earliest_month=1, latest_month=2), replications=5, seed=4
    ).summary
    assert s.transfer_start_month.isna().all()
    assert s.transfer_censored.all()


def test_contract_acceptance_loses_one_minus_p_of_headcount() -> None:
    """No attrition: at completion each of the 20 employees declines with 1 - p = 0.3, so the
    loss is Binomial(20, 0.3): mean 6 (analytic value inside mean +- 3 SE)."""
    scenario = _transfer(
        headcount=20,
        policy="at_month",
        month=3,
        window_months=1,
        entity_setup_start_month=0,
        contract_acceptance=0.7,
    )
    lost = run_experiment(scenario, replications=200, seed=11).summary.headcount_lost_at_transfer
    se = lost.std(ddof=1) / np.sqrt(len(lost))
    assert abs(lost.mean() - 6.0) <= 3 * se, (lost.mean(), se)


def test_more_client_hours_never_lower_readiness() -> None:
    """Same seed; client capacity 5 vs 60 hours/week: mean readiness over the months is
    higher with more hours (paired CI above 0) and never lower in any replication."""

    def scenario(hours: float):
        return make_scenario(
            15,
            18,
            location=FAST,
            client={"hours_per_week": hours, "demand_hours_per_employee": 2.0},
            transfer={"policy": "never", "entity_setup_start_month": 1},
        )

    thin = run_experiment(scenario(5), replications=20, seed=3).timeseries
    rich = run_experiment(scenario(60), replications=20, seed=3).timeseries
    a = rich.groupby("replication").readiness.mean().to_numpy()
    b = thin.groupby("replication").readiness.mean().to_numpy()
    assert np.all(a >= b - 1e-12)
    diff = paired_difference(a, b)
    assert diff["diff"] > 0 and diff["ci_low"] > 0


def test_readiness_series_in_unit_interval() -> None:
    ts = run_experiment(
        _ready_scenario(earliest_month=6, latest_month=30), replications=5, seed=8
    ).timeseries
    for col in ["readiness", "documentation", *(f"criterion_{c}" for c in CRITERIA)]:
        assert ts[col].between(0, 1).all(), col
