"""Team leads and span of control (issue 3, item 1; reference T9)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from botsim import run_experiment, simulate
from botsim.stats import paired_difference
from tests.conftest import make_scenario

LEAD_COST = {"loaded_monthly_cost": {"agent": 1000, "team_lead": 2000}}
FAST = {"applicants_per_week": 700.0}  # searches take ~0.01 day (Exp, mean 1/100 day)


def _lab(headcount: int, span: int, source: str, horizon: int = 6, **mgmt):
    return make_scenario(
        headcount,
        horizon,
        location={**LEAD_COST, "recruiting": FAST},
        management={"span_of_control": span, "lead_source": source, **mgmt},
    )


@pytest.mark.parametrize(("n", "span"), [(20, 8), (12, 12), (13, 12), (5, 1), (50, 15)])
def test_t9_leads_equal_ceil_agents_over_span(n: int, span: int) -> None:
    """Deterministic: external leads, no attrition, fast recruiting -> leads = ceil(N / s)."""
    series = pd.DataFrame(simulate(_lab(n, span, "external"), seed=1).series)
    settled = series[series.month >= 2]
    assert (settled.headcount == n).all()
    assert (settled.leads == math.ceil(n / span)).all()
    assert (settled.lead_coverage == 1.0).all()


def test_promotion_matches_hand_arithmetic() -> None:
    """20 agents hired at day ~0.01, span 8 -> 3 leads by promotion once agents have 1.5
    months' tenure: the month-1 review (day 30.4) finds nobody eligible, the month-2 review
    (day 60.9, tenure ~60.8 >= 45.7) promotes the 3 longest-tenured agents, who become leads
    14 days later (day 74.9); their seats are backfilled within hours."""
    scenario = _lab(20, 8, "promotion", promotion_min_tenure_months=1.5, promotion_delay_days=14)
    result = simulate(scenario, seed=3)
    series = pd.DataFrame(result.series)
    assert (series.loc[series.month <= 2, "leads"] == 0).all()
    assert (series.loc[series.month <= 2, "overloaded_roles"] == 1).all()
    for month in (3, 4, 5, 6):
        row = series[series.month == month].iloc[0]
        assert (row.leads, row.headcount, row.overloaded_roles) == (3, 20, 0)
    assert result.summary["promotions"] == 3
    assert result.summary["hires"] == 23  # 20 planned + 3 backfills of promoted seats
    assert result.summary["exits"] == 0  # promotions are internal moves, not exits


def test_wider_overload_penalty_never_shortens_time_to_stable() -> None:
    """Promotion-only leads with 4 months' minimum tenure leave the team overloaded early; a
    harsher overload (output x0.5, attrition x2) delays stability, significantly (paired)."""

    def scenario(output: float, attrition: float):
        return make_scenario(
            20,
            24,
            location={
                **LEAD_COST,
                "attrition": {"bands": [{"from_month": 0, "voluntary": 0.3}]},
                "ramp": {"ramp_days": 60},
                "recruiting": {"applicants_per_week": 0.5},
            },
            management={
                "span_of_control": 8,
                "lead_source": "promotion",
                "promotion_min_tenure_months": 4,
                "overload": {"output_multiplier": output, "attrition_multiplier": attrition},
            },
        )

    mild = run_experiment(scenario(1.0, 1.0), replications=60, seed=5).summary
    harsh = run_experiment(scenario(0.5, 2.0), replications=60, seed=5).summary
    horizon = 24
    a = mild.time_to_stable_team.fillna(horizon + 1).to_numpy()
    b = harsh.time_to_stable_team.fillna(horizon + 1).to_numpy()
    diff = paired_difference(b, a)
    assert diff["diff"] > 0 and diff["ci_low"] > 0, diff


def test_lead_series_in_range() -> None:
    series = pd.DataFrame(simulate(_lab(30, 7, "promotion_then_external", 12), seed=2).series)
    assert (series.leads >= 0).all()
    assert np.all((series.lead_coverage >= 0) & (series.lead_coverage <= 1))


def test_leads_follow_a_growth_wave() -> None:
    """Plan 10 -> 25 at month 3, span 8, external leads, fast recruiting: 2 leads before the
    wave, ceil(25 / 8) = 4 from the month-end after it."""
    scenario = make_scenario(
        10,
        6,
        location={**LEAD_COST, "recruiting": FAST},
        roles=[
            {
                "name": "agent",
                "location": "lab",
                "plan": [{"month": 0, "headcount": 10}, {"month": 3, "headcount": 25}],
            }
        ],
        management={"span_of_control": 8, "lead_source": "external"},
    )
    series = pd.DataFrame(simulate(scenario, seed=4).series)
    assert list(series.leads[series.month.isin([1, 2, 3])]) == [2, 2, 2]
    assert list(series.leads[series.month.isin([4, 5, 6])]) == [4, 4, 4]
    assert list(series.headcount[series.month.isin([4, 5, 6])]) == [25, 25, 25]


def _two_roles(first: int, second: int, second_family: str, span: int, source: str, **mgmt):
    plan = [{"month": 0, "headcount": first}]
    return make_scenario(
        first,
        6,
        location={
            "loaded_monthly_cost": {"agent": 1000, "analyst": 1200, "team_lead": 2000},
            "recruiting": FAST,
        },
        roles=[
            {"name": "agent", "location": "lab", "plan": plan},
            {
                "name": "second",
                "location": "lab",
                "family": second_family,
                "plan": [{"month": 0, "headcount": second}],
            },
        ],
        management={"span_of_control": span, "lead_source": source, **mgmt},
    )


@pytest.mark.parametrize(
    ("family", "expected"),
    [("agent", math.ceil((12 + 9) / 8)), ("analyst", math.ceil(12 / 8) + math.ceil(9 / 8))],
)
def test_t9_roles_of_one_family_in_one_location_share_leads(family: str, expected: int) -> None:
    """12 + 9 agents, span 8, external leads, no attrition: one family shares ceil(21 / 8) = 3
    leads; two families need ceil(12 / 8) + ceil(9 / 8) = 4."""
    series = pd.DataFrame(simulate(_two_roles(12, 9, family, 8, "external"), seed=1).series)
    settled = series[series.month >= 2]
    assert (settled.headcount == 21).all()
    assert (settled.leads == expected).all()
    assert (settled.lead_coverage == 1.0).all()
    assert (settled.overloaded_roles == 0).all()


def test_a_shared_team_promotes_its_longest_tenured_agents() -> None:
    """One family, 12 + 9 agents, span 8, leads by promotion only (eligible after 1.5
    months): three promotions from the pooled agents, none overloaded afterwards."""
    scenario = _two_roles(12, 9, "agent", 8, "promotion", promotion_min_tenure_months=1.5)
    result = simulate(scenario, seed=2)
    series = pd.DataFrame(result.series)
    assert result.summary["promotions"] == 3
    late = series[series.month >= 5]
    assert (late.leads == 3).all()
    assert (late.overloaded_roles == 0).all()


def test_attrition_is_reported_per_population_each_over_its_own_headcount() -> None:
    """Agents' exits over mean agents, leads' over mean leads, all over all (issue 15): the
    agents' rate no longer counts leads' exits over the agents' headcount."""
    from botsim.inputs.loader import load_scenario
    from botsim.model.records import tables
    from tests.conftest import SCENARIOS

    scenario = load_scenario(SCENARIOS / "manila-finance-20.yaml")
    years = scenario.horizon_months / 12
    seen_lead_exit = False
    for replication in range(8):
        result = simulate(scenario, seed=3, replication=replication, keep_events=True)
        staff = tables(result.events)[0]
        left = (staff.exit <= scenario.horizon_days) & (staff.exit_kind != "promoted")
        agent_exits = int((left & ~staff.is_lead).sum())
        lead_exits = int((left & staff.is_lead).sum())
        agents, leads = result.series["headcount"].mean(), result.series["leads"].mean()
        s = result.summary
        assert s["annual_attrition"] == pytest.approx(agent_exits / agents / years)
        assert s["annual_attrition_leads"] == pytest.approx(lead_exits / leads / years)
        total = (agent_exits + lead_exits) / (agents + leads) / years
        assert s["annual_attrition_all"] == pytest.approx(total)
        if lead_exits:
            seen_lead_exit = True
            mixed = (agent_exits + lead_exits) / agents / years  # the old, mixed definition
            assert s["annual_attrition"] < mixed
    assert seen_lead_exit, "the case must include a lead's exit"
