"""Shift patterns per role (issue 17, item 5).

* ``roles[i].shift: night`` multiplies the role's resignation hazard by the location's
  ``night_shift_resignation_multiplier`` (through ``Scenario.attrition_for``, the one lookup);
  the emergent rate then has the closed form of a constant hazard, checked by simulation;
* the loaded salary of a ``day`` role has no night differential, a ``night`` role (or one
  with no shift) pays the family's ``night_differential_rate``;
* no shift, a day shift or a night multiplier of 1 leave every event identical.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from botsim import load_scenario, run_experiment
from botsim.metrics.costs import _local_rates, salary_path
from botsim.model.engagement import run_replication
from botsim.model.hazards import steady_state_attrition
from botsim.model.records import EXITED, HIRED
from tests.conftest import make_scenario

SEED = 5
VOL, INV = 0.4, 0.1
ATTRITION = {
    "definition": "turnover_ratio",
    "bands": [{"from_month": 0, "voluntary": VOL, "involuntary": INV}],
}
SALARY = {
    "base": 1000,
    "statutory_rate": 0.1,
    "bonus_pay_rate": 0.05,
    "night_differential_rate": 0.1,
    "benefits": 50,
}


def scenario(shift: str | None, multiplier: float | None = None, market: float = 1.0, **kw):
    attrition = {**ATTRITION, "resignation_multiplier": market}
    location: dict = {"attrition": attrition, "loaded_monthly_cost": {"agent": SALARY}}
    if multiplier is not None:
        location["night_shift_resignation_multiplier"] = multiplier
    role = {"name": "agent", "location": "lab", "plan": [{"month": 0, "headcount": 5}]}
    if shift is not None:
        role["shift"] = shift
    return make_scenario(location=location, roles=[role], **kw)


def test_no_shift_a_day_shift_or_a_multiplier_of_one_keep_the_location_attrition() -> None:
    for s in (scenario(None, 1.7), scenario("day", 1.7), scenario("night", 1.0)):
        assert s.attrition_for(s.roles[0]) is s.locations[0].attrition


def test_night_multiplier_gives_the_closed_form_emergent_rate() -> None:
    s = scenario("night", 1.5)
    attrition = s.attrition_for(s.roles[0])
    assert attrition.resignation_multiplier == 1.5
    assert attrition is s.attrition_for(s.roles[0])  # one object: hazard tables built once
    # Constant hazard, no probation, no notice: turnover ratio = total hazard.
    rate = steady_state_attrition(s.locations[0], attrition)
    assert rate == pytest.approx(VOL * 1.5 + INV, rel=1e-9)
    # On top of the market multiplier: the two multiply.
    both = scenario("night", 1.5, market=1.2)
    assert both.attrition_for(both.roles[0]).resignation_multiplier == pytest.approx(1.8)


def test_night_shift_exits_match_the_closed_form_rate_within_3_se() -> None:
    s = scenario("night", 2.0, horizon=60)
    exits, person_days = 0, 0.0
    for r in range(4):
        events = run_replication(s, SEED, r).events
        end = s.horizon_days
        start: dict[int, float] = {}
        for ev in events:
            if ev.kind == HIRED:
                start[ev.subject] = ev.day
            elif ev.kind == EXITED:
                exits += 1
                person_days += ev.day - start.pop(ev.subject)
        person_days += sum(end - d for d in start.values())
    years = person_days / 365.25
    expected = (VOL * 2.0 + INV) * years
    assert exits > 50
    assert abs(exits - expected) < 3 * math.sqrt(expected), (exits, expected)


def test_day_role_excludes_and_night_role_includes_the_differential_exactly() -> None:
    night, day, none = (scenario(s) for s in ("night", "day", None))
    loc = night.locations[0]
    assert salary_path(night, loc, "agent", "night")[0][0] == pytest.approx(1000 * 1.25 + 50)
    assert salary_path(day, loc, "agent", "day")[0][0] == pytest.approx(1000 * 1.15 + 50)
    # The ledger's rate table (offshore loaded salary, the role's column) reads the same.
    assert _local_rates(night)[0][0, 0, 0] == pytest.approx(1300.0)
    assert _local_rates(day)[0][0, 0, 0] == pytest.approx(1200.0)
    assert _local_rates(none)[0][0, 0, 0] == pytest.approx(1300.0)


def test_a_day_shift_and_a_night_multiplier_of_one_give_identical_events() -> None:
    base = run_replication(scenario(None), SEED, 0).events
    assert run_replication(scenario("day"), SEED, 0).events == base
    assert run_replication(scenario("night", 1.0), SEED, 0).events == base
    assert run_replication(scenario("night", 1.5), SEED, 0).events != base


def test_a_shipped_scenario_gives_equal_summaries_with_a_neutral_night_shift() -> None:
    """manila-finance-20: shift none vs night with multiplier 1 (the family's differential is
    paid either way): the summary tables are equal (and equal main's, checked with
    benchmarks/check_identical.py)."""
    path = Path(__file__).resolve().parents[2] / "scenarios" / "manila-finance-20.yaml"
    base = run_experiment(load_scenario(path, ()), 3, SEED).summary
    night = load_scenario(path, ("roles[0].shift=night",))
    assert night.roles[0].shift == "night"
    pd.testing.assert_frame_equal(run_experiment(night, 3, SEED).summary, base)
    day = run_experiment(load_scenario(path, ("roles[0].shift=day",)), 3, SEED).summary
    assert not day.equals(base)  # finance pays a 5 % differential that a day shift drops
