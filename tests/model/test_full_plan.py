"""time_to_full_plan: the growth waves all staffed (vs time_to_full_team, the first full)."""

from __future__ import annotations

import math

import pytest

from botsim import run_experiment
from tests.conftest import make_scenario


def test_single_step_plan_full_plan_equals_full_team() -> None:
    s = run_experiment(make_scenario(6, 12), replications=5, seed=1).summary
    assert (s.time_to_full_plan == s.time_to_full_team).all()


def test_growth_wave_is_staffed_after_the_last_step() -> None:
    """10 seats at month 0, 30 from month 4 (searches ~1 week): the first full comes early,
    the final plan only after month 4; with one recruiter slot it is never staffed in time."""
    plan = [{"month": 0, "headcount": 10}, {"month": 4, "headcount": 30}]
    roles = [{"name": "agent", "location": "lab", "plan": plan}]
    ok = make_scenario(10, 12, roles=roles, location={"recruiting": {"applicants_per_week": 1.0}})
    s = run_experiment(ok, replications=8, seed=2).summary
    assert (s.time_to_full_team < 4).all()
    assert (s.time_to_full_plan >= 4).all() and not s.time_to_full_plan_censored.any()
    slow = make_scenario(
        10,
        6,
        roles=roles,
        location={"recruiting": {"applicants_per_week": 1.0, "recruiters": 1}},
    )
    s = run_experiment(slow, replications=4, seed=2).summary
    assert s.time_to_full_plan_censored.all()
    assert all(math.isnan(v) for v in s.time_to_full_plan)


def test_time_to_full_plan_is_not_before_full_team() -> None:
    plan = [{"month": 0, "headcount": 5}, {"month": 2, "headcount": 8}]
    roles = [{"name": "agent", "location": "lab", "plan": plan}]
    s = run_experiment(make_scenario(5, 12, roles=roles), replications=10, seed=3).summary
    both = s.dropna(subset=["time_to_full_team", "time_to_full_plan"])
    assert len(both) == 10
    assert (both.time_to_full_plan >= both.time_to_full_team - 1e-12).all()
    assert both.time_to_full_plan.min() >= 2 - 1e-9 or pytest.fail("staffed before the wave")
