"""The month-end pipeline's shortcuts (session 7, issue 19) give exactly what the formulas give.

:meth:`Lifecycle.step` skips work whose inputs did not change since the previous month-end
(documentation outside growth without tenured exits, the sum of unchanged targets, the
retention window when it is the attrition window, a lead team's state already seen) and
:meth:`Engagement.close_month` reads per-scenario targets and keeps the entity-ready day once
final. Each test recomputes the plain way, every month, and asks for equality (no tolerance).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from botsim import load_scenario
from botsim.inputs.scenario import DAYS_PER_MONTH
from botsim.metrics.replication import LIFECYCLE_DTYPES, SERIES_DTYPES, monthly_series
from botsim.model import engagement as engagement_module
from botsim.model import lifecycle
from botsim.model.engagement import desk_settings, run_replication, targets_by_month
from botsim.model.lifecycle import (
    CRITERIA,
    RETENTION_WINDOW,
    Lifecycle,
    MonthKpis,
    annualised,
    documentation_step,
    lead_coverage,
    overloaded,
)

SCENARIOS = ("manila-finance-20.yaml", "growth-waves-50.yaml", "split-ph-co.yaml")


def _records(monkeypatch: pytest.MonkeyPatch, scenario, replication: int):
    """The month-end records of one replication and the rows the pipeline gave for them."""
    seen = []
    step = Lifecycle.step

    def recording(self, rec):
        row = step(self, rec)
        seen.append((rec, row))
        return row

    monkeypatch.setattr(Lifecycle, "step", recording)
    run_replication(scenario, 5, replication)
    monkeypatch.undo()
    return [rec for rec, _ in seen], [row for _, row in seen]


def test_lead_team_state_is_the_two_formulas() -> None:
    for span in range(1, 12):
        for agents in range(0, 60):
            for leads in range(0, 8):
                state = lifecycle._lead_team_state(agents, leads, span)
                assert state == (
                    overloaded(agents, leads, span),
                    lead_coverage(agents, leads, span),
                )


@pytest.mark.parametrize("name", SCENARIOS)
def test_documentation_and_retention_are_the_formulas_applied_every_month(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    scenario = load_scenario(f"scenarios/{name}")
    records, rows = _records(monkeypatch, scenario, 1)
    knowledge = scenario.knowledge
    documentation = knowledge.initial
    build_max = scenario.build_max_months
    build_max_day = math.inf if build_max is None else build_max * DAYS_PER_MONTH
    exits, heads = [0.0], [0.0]
    skipped = 0
    for rec, row in zip(records, rows, strict=True):
        growing = rec.day >= min(rec.full_day, build_max_day)  # after the build
        skipped += not growing and not rec.tenured_exits
        documentation = documentation_step(
            knowledge,
            documentation,
            growing,
            _tenured_ramped(scenario, rec),
            float(sum(rec.targets)),
            rec.tenured_exits,
            row.headcount + row.leads,
        )
        assert row.documentation == documentation
        exits.append(exits[-1] + rec.attrition_exits)
        heads.append(heads[-1] + row.headcount)
        n = len(exits) - 1
        k = min(n, RETENTION_WINDOW)
        turnover = annualised(exits[n] - exits[n - k], heads[n] - heads[n - k], k)
        assert row.retention_12m == (1.0 - turnover if math.isfinite(turnover) else 0.0)
    assert skipped > 0, "the case must have build months without tenured exits"


def _tenured_ramped(scenario, rec) -> int:
    """Agents tenured and at full output on the plain tenure clock (every agent counted)."""
    tenured_days = scenario.knowledge.tenured_months * DAYS_PER_MONTH
    count = 0
    for role, agents in zip(scenario.roles, rec.agents, strict=True):
        ramp = scenario.ramp_for(role)
        full = max(float(ramp.training_days) + float(ramp.ramp_days), tenured_days)
        count += sum(1 for start in agents.values() if start <= rec.day - full)
    return count


@pytest.mark.parametrize("name", SCENARIOS)
def test_rows_do_not_depend_on_shared_record_tuples(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A record built apart (its own targets tuple each month) gives the same rows."""
    scenario = load_scenario(f"scenarios/{name}")
    records, rows = _records(monkeypatch, scenario, 2)
    fresh = Lifecycle(scenario)
    again = [fresh.step(rec._replace(targets=tuple(list(rec.targets)))) for rec in records]
    assert repr(again) == repr([row for row in rows])
    # The engagement's own records share a tuple while the plan does not change.
    assert any(a.targets is b.targets for a, b in itertools.pairwise(records))
    # ... and the target follows the plan steps.
    assert [row.target for row in rows] == [float(sum(rec.targets)) for rec in records]


@pytest.mark.parametrize("name", SCENARIOS)
def test_targets_by_month_are_the_desks_targets(name: str) -> None:
    scenario = load_scenario(f"scenarios/{name}")
    months = targets_by_month(scenario)
    settings = desk_settings(scenario)
    assert len(months) == scenario.horizon_months + 1
    for m, targets in enumerate(months):
        assert targets == tuple(s.monthly_targets[m] for s in settings)
        if m and months[m - 1] == targets:
            assert months[m - 1] is targets


def test_entity_ready_day_is_the_transfers_at_every_month_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = load_scenario("scenarios/manila-finance-20.yaml")
    checked = []
    close_month = engagement_module.Engagement.close_month
    step = Lifecycle.step
    last = {}

    def recording(self, rec):
        last["rec"] = rec
        return step(self, rec)

    def checking(self, month):
        row = close_month(self, month)
        checked.append((last["rec"].entity_ready_day, self.transfer.entity_ready_day()))
        return row

    monkeypatch.setattr(Lifecycle, "step", recording)
    monkeypatch.setattr(engagement_module.Engagement, "close_month", checking)
    run_replication(scenario, 5, 0)
    assert [kept for kept, _ in checked] == [now for _, now in checked]
    assert any(math.isfinite(kept) for kept, _ in checked)
    assert any(math.isinf(kept) for kept, _ in checked)


@pytest.mark.parametrize("name", SCENARIOS)
def test_monthly_series_is_each_column_converted(name: str) -> None:
    """Every column equals ``np.asarray`` of the rows' values, with its dtype."""
    scenario = load_scenario(f"scenarios/{name}")
    rows = run_replication(scenario, 5, 3).month_ends
    series = monthly_series(rows)
    kpis = dict(zip(MonthKpis._fields, zip(*rows)))
    req = list(zip(*kpis["requisitions"]))
    expected = {
        **{k: kpis[k] for k in SERIES_DTYPES if k in kpis},
        "open_requisitions": req[0],
        "searching_requisitions": req[1],
        "queued_requisitions": [o - s for o, s in zip(req[0], req[1])],
        "accepted_in_notice": req[2],
        **{k: kpis[k] for k in LIFECYCLE_DTYPES},
        **{f"criterion_{c}": [row.criteria[i] for row in rows] for i, c in enumerate(CRITERIA)},
        "readiness": kpis["readiness"],
    }
    dtypes = {**SERIES_DTYPES, **LIFECYCLE_DTYPES}
    for name_, values in expected.items():
        want = np.asarray(values, dtype=dtypes.get(name_, float))
        got = series[name_]
        assert got.dtype == want.dtype and got.shape == (len(rows),)
        if want.dtype == object:
            assert list(got) == list(want)
        else:
            assert got.tobytes() == want.tobytes(), name_  # bit for bit (NaN included)


def test_monthly_series_of_no_rows_is_empty_columns() -> None:
    series = monthly_series([])
    assert all(len(column) == 0 for column in series.values())
    assert series["month"].dtype == np.int64 and series["phase"].dtype == object
    assert {f"criterion_{c}" for c in CRITERIA} <= set(series)
