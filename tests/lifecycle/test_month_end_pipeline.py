"""The month-end pipeline (botsim.model.lifecycle) against the definitions of docs/model.md,
recomputed here from the event records the plain way: every agent, every month, no shortcuts.

The pipeline only looks one by one at agents not yet at full output; these tests check that
its effective FTE, headcount, documentation inputs and readiness decisions are what the
definitions give when everything is recomputed from scratch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import load_scenario, simulate
from botsim.inputs.scenario import DAYS_PER_MONTH
from botsim.model.lifecycle import CRITERIA
from botsim.model.rampup import productivity_of
from botsim.model.records import tables

D = DAYS_PER_MONTH


def reference_effective_fte(scenario, events, overloaded: np.ndarray) -> np.ndarray:
    """Effective FTE of one role's agents at each month-end (no client): the ramp clock is
    tenure minus (1 - ramp_speed) x the overloaded days since training ended, output is cut
    by the overload multiplier in overloaded months (docs/model.md, "Management capacity")."""
    staff, _, _ = tables(events)
    agents = ~staff.is_lead
    ramp = scenario.ramp_for(scenario.roles[0])
    f = productivity_of(ramp)
    mgmt = scenario.management
    slow = 1.0 - mgmt.overload.ramp_speed
    out = []
    for m in range(1, scenario.horizon_months + 1):
        end = m * D
        total = 0.0
        for start, exit_ in zip(staff.start[agents], staff.exit[agents]):
            if not start <= end < exit_:
                continue
            ramp_from = start + ramp.training_days
            lost = 0.0
            for k in range(1, m + 1):  # overloaded days of month k after the training ended
                if overloaded[k - 1]:
                    lost += max(0.0, k * D - max((k - 1) * D, ramp_from))
            total += f(end - start - slow * lost)
        out.append(total * (mgmt.overload.output_multiplier if overloaded[m - 1] else 1.0))
    return np.array(out)


@pytest.mark.parametrize("replication", range(6))
def test_effective_fte_is_the_definition_recomputed_from_the_records(replication: int) -> None:
    shipped = load_scenario("scenarios/manila-finance-20.yaml")
    # No client (its factor is checked elsewhere); a tight span so that teams are overloaded.
    mgmt = shipped.management.model_copy(update={"span_of_control": 6})
    scenario = shipped.model_copy(update={"client": None, "management": mgmt})
    result = simulate(scenario, seed=11, replication=replication, keep_events=True)
    series = result.series
    overloaded = series["overloaded_roles"] > 0
    assert overloaded.any(), "the case must exercise the overload slow-down"
    expected = reference_effective_fte(scenario, result.events, overloaded)
    np.testing.assert_allclose(series["effective_fte"], expected, rtol=1e-12, atol=1e-9)


def test_headcount_and_flows_are_the_records_counted_at_month_ends() -> None:
    scenario = load_scenario("scenarios/split-ph-co.yaml")
    result = simulate(scenario, seed=3, replication=0, keep_events=True)
    staff, req, _ = tables(result.events)
    agents = ~staff.is_lead
    start, exit_ = staff.start[agents], staff.exit[agents]
    for i, m in enumerate(result.series["month"]):
        end, prev = m * D, (m - 1) * D
        assert result.series["headcount"][i] == np.sum((start <= end) & (end < exit_))
        assert result.series["hires"][i] == np.sum((prev < start) & (start <= end))
        assert result.series["exits"][i] == np.sum((prev < exit_) & (exit_ <= end))
        opened = np.sum(req.opened <= end) - np.sum(req.accepted <= end)
        assert result.series["open_requisitions"][i] == opened


def test_when_ready_transfer_starts_at_the_first_ready_reviewed_month_end() -> None:
    """The steering review reads the pipeline's own row: the transfer starts at the first
    month-end within [earliest, latest] at which every criterion of the series holds."""
    scenario = load_scenario("scenarios/manila-finance-20.yaml")
    t = scenario.transfer
    assert t.policy == "when_ready"
    started = 0
    for replication in range(12):
        result = simulate(scenario, seed=5, replication=replication)
        s = result.series
        ready = np.all([s[f"criterion_{c}"] >= 1 - 1e-9 for c in CRITERIA], axis=0)
        window = (s["month"] >= t.earliest_month) & (s["month"] <= t.latest_month)
        candidates = s["month"][ready & window & (s["month"] < scenario.horizon_months)]
        start = result.summary["transfer_start_month"]
        if len(candidates):
            started += 1
            assert start == pytest.approx(candidates[0])
        else:
            assert math.isnan(start)
    assert started, "some replication must transfer"
