"""The cost ledger and its counterfactuals (issue 4)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botsim import simulate
from botsim.inputs.loader import scenario_from_dict
from botsim.inputs.scenario import DAYS_PER_MONTH
from botsim.metrics.costs import cost_ledger, days_in_months
from botsim.model.records import HIRED, LEAD, Event, employee_table
from tests.conftest import BARE_LOCATION, make_scenario

D = DAYS_PER_MONTH
INSTANT = {"applicants_per_week": 1000.0, "offer_duration": 10}  # hires on day 10 + ~0.007


def _ledger_scenario(entity_setup_cost: float = 5000, **costs):
    return make_scenario(
        2,
        12,
        location={
            "recruiting": INSTANT,
            "loaded_monthly_cost": {"agent": 1000},
            "entity": {"setup_days": 30, "setup_cost": entity_setup_cost},
        },
        transfer={
            "policy": "at_month",
            "month": 6,
            "window_months": 1,
            "entity_setup_start_month": 0,
            "contract_acceptance": 1.0,
        },
        costs={
            "partner_markup": 0.2,
            "recruiting_fee_per_hire": 1000,
            "owned_recruiting_cost_per_hire": 400,
            "build_setup_fee": 20000,
            "transfer_fee": 50000,
            "owned_overhead_per_month": 3000,
            "owned_overhead_per_employee_month": 100,
            "outsourcing_markup": 0.5,
            "onshore_monthly_cost": {"agent": 6000},
            "onshore_seat_monthly_cost": 0,
            **costs,
        },
    )


def test_hand_computed_ledger_to_the_cent() -> None:
    """Two agents start on days h1, h2 (just after 10), never leave; the transfer completes at
    month 7. Month 1: salaries sum 1000*(D - h_i)/D, fee 20 %, recruiting 2*1000, set-up
    20,000 and entity 5,000. Months 2-7: 2,000 salaries + 400 fee. Month 7 also pays the
    50,000 transfer fee. Months 8-12: 2,000 salaries + 3,000 + 2*100 owned overhead.
    """
    result = simulate(_ledger_scenario(), seed=1, keep_events=True)
    starts = [ev.day for ev in result.events if ev.kind == "hired"]
    assert len(starts) == 2 and all(10 < h < 10.1 for h in starts)
    first = sum(1000 * (D - h) / D for h in starts)
    expected_bot = (first * 1.2 + 2000 + 20000 + 5000) + 6 * 2400 + 50000 + 5 * (2000 + 3200)
    expected_out = (first + 11 * 2000) * 1.5
    expected_onshore = 6 * first + 11 * 12000
    s = result.summary
    assert s["total_cost_bot"] == pytest.approx(expected_bot, abs=0.005)
    assert s["total_cost_outsourcing"] == pytest.approx(expected_out, abs=0.005)
    assert s["total_cost_onshore"] == pytest.approx(expected_onshore, abs=0.005)
    series = pd.DataFrame(result.series)
    assert series.cost_bot[series.month == 7].iloc[0] == pytest.approx(2400 + 50000, abs=0.005)
    assert series.cost_bot[series.month == 8].iloc[0] == pytest.approx(5200, abs=0.005)
    # After transfer the owned overhead (3,200) exceeds the vendor margin saved (1,000): the
    # cumulative savings against outsourcing end negative, so break-even is censored.
    savings = np.cumsum(series.cost_outsourcing - series.cost_bot)
    assert (
        savings.iloc[-1] == pytest.approx(expected_out - expected_bot, abs=0.005)
        and savings.iloc[-1] < 0
    )
    assert math.isnan(s["break_even_vs_outsourcing"]) and s["break_even_vs_outsourcing_censored"]


def test_break_even_month_by_hand() -> None:
    """Cheap transfer (fees 0, overhead 0): BOT saves 600/month before and 1,000/month after
    completion; month 1 carries the 1,000 recruiting fees, so savings are 1 * first-month margin
    difference - 2,000 in month 1 and cross zero in the month the hand count says."""
    scenario = _ledger_scenario(
        entity_setup_cost=0,
        build_setup_fee=0,
        transfer_fee=0,
        owned_overhead_per_month=0,
        owned_overhead_per_employee_month=0,
        recruiting_fee_per_hire=1000,
    )
    result = simulate(scenario, seed=1, keep_events=True)
    starts = [ev.day for ev in result.events if ev.kind == "hired"]
    first = sum(1000 * (D - h) / D for h in starts)
    savings = [first * 0.3 - 2000]  # month 1: margin 0.5 - fee 0.2 on salaries, minus fees
    savings += [savings[-1] + 600 * k for k in range(1, 6)]  # months 2-6
    savings.append(savings[-1] + 600)  # month 7 (partner until completion at its end)
    savings += [savings[-1] + 1000 * k for k in range(1, 6)]  # months 8-12, owned
    expected = 1 + next(i for i, v in enumerate(savings) if all(w >= 0 for w in savings[i:]))
    assert result.summary["break_even_vs_outsourcing"] == expected
    assert result.summary["savings_vs_outsourcing"] == pytest.approx(savings[-1], abs=0.005)


def test_doubling_salaries_doubles_salary_cost() -> None:
    base = _ledger_scenario()
    doubled = make_scenario(
        2,
        12,
        location={
            "recruiting": INSTANT,
            "loaded_monthly_cost": {"agent": 2000},
            "entity": {"setup_days": 30, "setup_cost": 5000},
        },
        transfer=base.transfer.model_dump(),
        costs=base.costs.model_dump(),
    )
    a = pd.DataFrame(simulate(base, seed=4).series)
    b = pd.DataFrame(simulate(doubled, seed=4).series)
    np.testing.assert_allclose(b.cost_salaries, 2 * a.cost_salaries, rtol=1e-12)
    np.testing.assert_allclose(b.cost_outsourcing, 2 * a.cost_outsourcing, rtol=1e-12)


def test_zero_fees_make_bot_equal_outsourcing_before_transfer() -> None:
    scenario = _ledger_scenario(
        entity_setup_cost=0,
        partner_markup=0,
        outsourcing_markup=0,
        recruiting_fee_per_hire=0,
        build_setup_fee=0,
    )
    series = pd.DataFrame(simulate(scenario, seed=2).series)
    before = series[series.month <= 6]
    np.testing.assert_allclose(before.cost_bot, before.cost_outsourcing, rtol=0, atol=1e-9)


def test_break_even_is_censored_when_savings_never_turn_positive() -> None:
    scenario = _ledger_scenario(partner_markup=1.0, outsourcing_markup=0.0)
    s = simulate(scenario, seed=3).summary
    assert s["savings_vs_outsourcing"] < 0
    assert math.isnan(s["break_even_vs_outsourcing"])
    assert s["break_even_vs_outsourcing_censored"]


def test_partner_and_owned_head_months_partition_the_team() -> None:
    """Every employee-day is billed once: by the partner (per-FTE fee 1) before completion or
    as owned overhead (1 per employee-month) after, never both."""
    scenario = _ledger_scenario(
        partner_fee_model="per_fte",
        partner_fee_per_fte_month=1.0,
        owned_overhead_per_month=0,
        owned_overhead_per_employee_month=1.0,
    )
    series = pd.DataFrame(simulate(scenario, seed=5).series)
    head_months = series.cost_salaries / 1000.0
    np.testing.assert_allclose(
        series.cost_partner_fee + series.cost_owned_overhead, head_months, atol=1e-9
    )


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    attrition=st.floats(0, 1.0),
    month=st.integers(1, 10),
    markup=st.floats(0, 1),
    policy=st.sampled_from(["at_month", "never"]),
)
def test_costs_non_negative_and_cumulative_non_decreasing(seed, attrition, month, markup, policy):
    scenario = make_scenario(
        6,
        12,
        location={
            "recruiting": {"applicants_per_week": 3.0},
            "attrition": {"bands": [{"from_month": 0, "voluntary": attrition}]},
        },
        transfer={"policy": policy, "month": month, "entity_setup_start_month": 0},
        costs={"partner_markup": markup, "onshore_monthly_cost": {"agent": 5000}},
    )
    series = pd.DataFrame(simulate(scenario, seed=seed).series)
    cost_cols = [c for c in series if c.startswith("cost_")]
    assert (series[cost_cols] >= 0).all().all()
    assert (np.diff(series.cumulative_cost_bot) >= 0).all()


def test_role_direct_costs_and_fixed_costs_add_up_to_the_bot_total() -> None:
    """Two roles in two locations: each role's direct cost (its staff's salaries, partner fee,
    per-employee overhead and its hires' recruiting fees) plus the fixed costs (one-offs, the
    transfer costs and the fixed owned overhead) equal the BOT ledger every month; budgets
    give per-role ratios."""
    second = {**BARE_LOCATION, "name": "lab2", "loaded_monthly_cost": {"agent": 3000}}
    scenario = make_scenario(
        4,
        12,
        location={"recruiting": INSTANT, "entity": {"setup_days": 30, "setup_cost": 5000}},
        transfer={"policy": "at_month", "month": 5, "entity_setup_start_month": 0},
        costs={"onshore_monthly_cost": {"agent": 6000}},
    )
    doc = scenario.model_dump(mode="json", by_alias=True)
    doc["locations"].append(second)
    doc["roles"][0]["budget_per_month"] = 10000
    doc["roles"].append(
        {
            "name": "analyst",
            "family": "agent",
            "location": "lab2",
            "budget_per_month": 5000,
            "plan": [{"month": 0, "headcount": 2}],
        }
    )
    scenario = scenario_from_dict(doc, "<test>")
    result = simulate(scenario, seed=6)
    series, s = pd.DataFrame(result.series), result.summary
    direct = series["cost_direct__lab__agent"] + series["cost_direct__lab2__analyst"]
    ends = series.month * D
    done = s["transfer_month"] * D
    owned_share = np.clip((ends - np.maximum(ends - D, done)) / D, 0, 1)
    fixed = (
        series.cost_one_off
        + series.cost_transfer
        + scenario.costs.owned_overhead_per_month * owned_share
    )
    np.testing.assert_allclose(direct + fixed, series.cost_bot, rtol=1e-12, atol=1e-6)
    assert s["total_cost__lab__agent"] == pytest.approx(series["cost_direct__lab__agent"].sum())
    assert s["cost_vs_budget__lab2__analyst"] == pytest.approx(
        s["total_cost__lab2__analyst"] / (5000 * 12)
    )
    assert s["cost_vs_budget"] == pytest.approx(
        (s["total_cost__lab__agent"] + s["total_cost__lab2__analyst"]) / (15000 * 12)
    )


def _bare_series(scenario) -> dict[str, np.ndarray]:
    months = np.arange(1, scenario.horizon_months + 1)
    return {"month": months, "effective_fte": np.zeros(len(months))}


def test_ledger_without_staff_has_float_columns_and_only_the_setup_fee() -> None:
    scenario = _ledger_scenario()
    series = _bare_series(scenario)
    summary = cost_ledger(scenario, [], employee_table([]), series, math.inf)
    cost_cols = [k for k in series if k.startswith(("cost_", "cumulative_", "savings_"))]
    assert cost_cols and all(series[k].dtype == np.float64 for k in cost_cols)
    assert all(len(series[k]) == scenario.horizon_months for k in cost_cols)
    assert series["cost_bot"][0] == 20000 and not series["cost_bot"][1:].any()
    assert not series["cost_recruiting"].any() and not series["cost_owned_overhead"].any()
    assert summary["total_cost_bot"] == 20000


def test_recruiting_fees_by_month_of_hire_within_the_horizon() -> None:
    """A hire is charged in the month (m-1) D < day <= m D holding its start: the partner fee
    before the transfer completes, the own cost after; none on day 0 or after the horizon,
    nor for a promotion (no requisition, value < 0)."""
    scenario = _ledger_scenario()
    done = 5.5 * D
    hires = [
        (0.0, 0),  # day 0 lies in no month
        (D, 1),  # last day of month 1
        (D + 1e-9, 2),  # month 2
        (D + 1, 3),
        (6 * D, 4),  # month 6, after the transfer completed
        (12 * D + 1, 5),  # after the horizon
    ]
    events = [Event(day, HIRED, emp, 0, "", float(emp)) for day, emp in hires]
    events.append(Event(2.5 * D, HIRED, 99, 0, LEAD, -1.0))  # promotion to lead
    series = _bare_series(scenario)
    cost_ledger(scenario, events, employee_table(events), series, done)
    expected = np.zeros(12)
    expected[0], expected[1], expected[5] = 1000, 2000, 400
    np.testing.assert_array_equal(series["cost_recruiting"], expected)
    np.testing.assert_array_equal(series["cost_direct__lab__agent"] >= expected, True)


def test_days_in_months_by_hand() -> None:
    edges = np.array([0.0, 10.0, 20.0, 30.0])
    start, end = np.array([5.0, 0.0, 25.0]), np.array([15.0, math.inf, 25.0])
    np.testing.assert_array_equal(
        days_in_months(start, end, edges), [[5, 5, 0], [10, 10, 10], [0, 0, 0]]
    )


def test_per_fte_fee_model_needs_its_fee() -> None:
    """A per-FTE partner fee without the fee is an error, not a free partner."""
    from botsim.inputs.loader import ScenarioError

    with pytest.raises(ScenarioError) as err:
        _ledger_scenario(partner_fee_model="per_fte")
    assert "costs" in str(err.value) and "partner_fee_per_fte_month" in str(err.value)
