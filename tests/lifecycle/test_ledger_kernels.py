"""The per-scenario constants and counting shortcuts of the per-replication metrics (session 7,
benchmarks/README.md "Session 7: metrics phase") against the plain definitions they replace:
each must give the same numbers exactly, not approximately."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from botsim.inputs.scenario import DAYS_PER_MONTH, SupportStep, support_cost
from botsim.metrics import costs
from botsim.metrics.catalogue import TENURE_BANDS_MONTHS
from botsim.metrics.intervals import month_grid
from botsim.metrics.replication import exit_counts
from botsim.model.records import ATTRITION_EXITS, EmployeeTable, ExitKind
from tests.lifecycle.test_cost_structure import scenario_with


def _random_staff(rng: np.random.Generator, n: int, horizon: float) -> EmployeeTable:
    start = np.round(rng.uniform(0, horizon, n), 1)
    exit_ = start + np.round(rng.exponential(200, n), 1)
    exit_[::7] = start[::7] + DAYS_PER_MONTH  # some tenures of exactly a month
    kinds = [*ATTRITION_EXITS, ExitKind.DECLINED_TRANSFER, ExitKind.LAYOFF, ExitKind.PROMOTED]
    stays = exit_ > horizon + 30
    exit_[stays] = math.inf
    exit_kind = np.array([""] * n, dtype=object)
    exit_kind[~stays] = [kinds[k] for k in rng.integers(0, len(kinds), int((~stays).sum()))]
    return EmployeeTable(
        employee=np.arange(n),
        role=rng.integers(0, 2, n),
        start=start,
        resign=exit_.copy(),
        exit=exit_,
        exit_kind=exit_kind,
        is_lead=rng.random(n) < 0.1,
        requisition=np.arange(n),
    )


def test_support_costs_are_the_step_function_at_every_headcount() -> None:
    steps = [
        SupportStep(from_headcount=3, monthly_cost=100.0),
        SupportStep(from_headcount=10, monthly_cost=250.5),
        SupportStep(from_headcount=40, monthly_cost=900.0),
    ]
    heads = np.arange(0, 60)
    expected = [support_cost(steps, int(h)) for h in heads]
    assert costs.support_costs(steps, heads).tolist() == expected
    assert costs.support_costs([], heads).tolist() == [0.0] * len(heads)


def test_month_end_heads_count_who_is_employed_at_each_month_end() -> None:
    """#(start <= t) - #(exit <= t) equals the direct count of start <= t < exit, by location
    and for everyone, exits exactly at a month-end included."""
    rng = np.random.default_rng(5)
    n_months = 24
    edges = month_grid(n_months)[2]
    emp = _random_staff(rng, 80, edges[-1])
    emp.exit[:9] = edges[edges.searchsorted(emp.start[:9], side="right")]  # on month-ends
    location = rng.integers(0, 3, len(emp.start))
    at = (emp.start[:, None] <= edges[1:]) & (emp.exit[:, None] > edges[1:])
    by_location = costs._month_end_heads(emp, location, 3, edges)
    for i in range(3):
        assert by_location[i].tolist() == at[location == i].sum(axis=0).tolist()
    assert costs._month_end_heads(emp, None, 1, edges)[0].tolist() == at.sum(axis=0).tolist()


def test_the_shared_rate_table_equals_the_one_converted_for_a_replication() -> None:
    """Nothing drawn: every replication gets one read-only table, equal to the table converted
    from copies of its exchange-rate paths; a drawn wage increase is never shared."""
    scenario = scenario_with(30, location={"wage_increase": {"annual_rate": 0.07}})
    fx = costs.fx_paths(scenario, 1, 0)
    shared = costs._rate_table(scenario, fx, 1, 0)
    assert shared is costs._rate_table(scenario, costs.fx_paths(scenario, 1, 9), 1, 9)
    assert not shared.flags.writeable
    copied = costs._rate_table(scenario, {cur: path.copy() for cur, path in fx.items()}, 1, 0)
    assert copied is not shared
    np.testing.assert_array_equal(copied, shared)

    drawn = scenario_with(
        30, location={"wage_increase": {"annual_rate": {"dist": "uniform", "low": 0, "high": 1}}}
    )
    tables = [costs._rate_table(drawn, costs.fx_paths(drawn, 1, r), 1, r) for r in (0, 1)]
    assert not np.array_equal(tables[0], tables[1])


def _exit_counts_by_definition(staff: EmployeeTable, horizon: float) -> dict[str, int]:
    """One employee at a time (the definition in docs/model.md)."""
    kinds = (*ATTRITION_EXITS, ExitKind.DECLINED_TRANSFER, ExitKind.LAYOFF)
    out = {"exits": 0, **{f"exits_{kind}": 0 for kind in kinds}, "promotions": 0}
    bands = [0] * len(TENURE_BANDS_MONTHS)
    for kind, start, end in zip(staff.exit_kind, staff.start, staff.exit):
        if kind == ExitKind.PROMOTED:
            out["promotions"] += 1
        elif end <= horizon:
            out["exits"] += 1
            out[f"exits_{kind}"] += 1
            tenure = (end - start) / DAYS_PER_MONTH
            bands[max(b for b, lo in enumerate(TENURE_BANDS_MONTHS) if lo <= tenure)] += 1
    limits = (*TENURE_BANDS_MONTHS, math.inf)
    for (lo, hi), n in zip(itertools.pairwise(limits), bands):
        out[f"exits_tenure_{lo}_{hi}m" if math.isfinite(hi) else f"exits_tenure_{lo}m_plus"] = n
    return out


@pytest.mark.parametrize("seed", range(5))
def test_exit_counts_follow_the_definition(seed: int) -> None:
    horizon = 24 * DAYS_PER_MONTH
    staff = _random_staff(np.random.default_rng(seed), 120, horizon)
    assert exit_counts(staff, horizon) == _exit_counts_by_definition(staff, horizon)
