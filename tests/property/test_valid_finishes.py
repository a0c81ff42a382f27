""" "validate passes" => "run finishes" (issue 18), as a property.

Hypothesis draws scenarios that pass validation: the small random scenarios of
``strategies.py`` with, at random, values pushed to the schema's new bounds (durations of
``MAX_DURATION_DAYS``, lognormals at ``MAX_LOGNORMAL_CV``, a funnel at
``MAX_FINALISTS_PER_SEARCH`` finalists per search, training classes every
``MIN_CLASS_INTERVAL_DAYS``, months at ``MAX_MONTH``, amounts at ``MAX_AMOUNT``, the exchange
rate and client hours at their limits, the longest horizon). For each, one replication must
finish within ``TIME_BUDGET_SECONDS`` and every summary value must be finite or explicitly
censored: NaN with its ``*_censored`` flag set, or one of the NaNs documented below.

Before the bounds, ``offer_duration: 1e308`` passed validation and the run never ended, and
``training_classes.interval_days: 5e-324`` or a lognormal with sd 1e200 made every replication
raise OverflowError. The default profile runs a few examples; ``-m slow`` runs many more.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from botsim import simulate
from botsim.inputs.distributions import MAX_DURATION_DAYS, MAX_LOGNORMAL_CV
from botsim.inputs.loader import ScenarioError, deep_merge
from botsim.inputs.scenario import (
    HOURS_PER_WEEK,
    MAX_AMOUNT,
    MAX_EXCHANGE_RATE,
    MAX_FINALISTS_PER_SEARCH,
    MAX_HORIZON_MONTHS,
    MAX_HOURS_PER_WEEK,
    MAX_MONTH,
    MIN_CLASS_INTERVAL_DAYS,
    MIN_EXCHANGE_RATE,
    Scenario,
)
from tests.conftest import make_scenario
from tests.property.strategies import scenario_documents

TIME_BUDGET_SECONDS = 120.0
"""Generous: the slowest extreme combination (the busiest funnel, the highest attrition and the
longest horizon: thousands of hires, each a search of ~10,000 finalists) takes tens of
seconds; the default profile's examples take well under one."""

CENSORED_BY = {
    "transfer_month": "transfer_censored",
    "transfer_start_month": "transfer_censored",
}
"""NaN metrics whose censoring flag is not simply ``<metric>_censored``."""

DOCUMENTED_NAN = {
    "ready_by_planned_month": "no planned transfer month (policy never or when_ready)",
    "entity_ready_month": "the entity is never set up, or not ready within the horizon",
    "headcount_lost_at_transfer": "no transfer completed within the horizon",
    "transfer_month": "policy never: no transfer (else censored: transfer_censored)",
    "transfer_start_month": "policy never: no transfer (else censored: transfer_censored)",
    "total_cost_onshore": "a role family without an onshore cost (Costs.onshore_monthly_cost)",
    "savings_vs_onshore": "a role family without an onshore cost (Costs.onshore_monthly_cost)",
    "pv_cost_onshore": "a role family without an onshore cost (Costs.onshore_monthly_cost)",
    "pv_savings_vs_onshore": "a role family without an onshore cost (Costs.onshore_monthly_cost)",
    "savings_vs_onshore_share": "no onshore cost (a family without one, or no one employed)",
    "savings_vs_outsourcing_share": "no outsourcing cost (no one employed within the horizon)",
    "cost_vs_budget": "no role has a budget_per_month",
    "mean_time_to_fill_days": "no requisition got an accepted offer within the horizon",
    "mean_time_to_start_days": "no requisition ended in a start within the horizon",
    "time_to_restabilise": "no transfer completed within the horizon (censored only after one)",
    "annual_attrition": "no agent employed at any month-end (mean agent headcount 0)",
    "annual_attrition_leads": "no team lead at any month-end (no management, or none staffed)",
    "annual_attrition_all": "no one employed at any month-end (mean headcount 0)",
    "annual_attrition_profile_hazards": "no agent employed at any month-end (as annual_attrition)",
    "cost_per_head_month": "no head-months within the horizon",
    "cost_per_effective_fte_month": "no effective FTE-months (no one hired or ramped)",
}
"""Summary values that are NaN by definition when the event or input does not exist."""

DEFAULT = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def at_the_bounds(draw, most: int) -> dict[str, Any]:
    """A random selection of changes that put values at (or next to) the new bounds."""
    long_days = draw(st.sampled_from([MAX_DURATION_DAYS, MAX_DURATION_DAYS / 2, 365.0]))
    options = {
        "long candidate notice": {"location": {"recruiting": {"candidate_notice": long_days}}},
        "long resignation notice": {"location": {"notice_days": MAX_DURATION_DAYS}},
        "long training and ramp": {
            "location": {
                "ramp": {"training_days": MAX_DURATION_DAYS, "ramp_days": MAX_DURATION_DAYS}
            }
        },
        "widest lognormal": {
            "location": {
                "recruiting": {
                    "offer_duration": {
                        "dist": "lognormal",
                        "mean": draw(st.sampled_from([1e-3, 0.5, 5.0])),
                        "sd": 0.0,  # set below to MAX_LOGNORMAL_CV x mean
                    }
                }
            }
        },
        "uniform to the bound": {
            "location": {
                "recruiting": {
                    "candidate_notice": {"dist": "uniform", "low": 0, "high": MAX_DURATION_DAYS}
                }
            }
        },
        "daily training classes": {
            "policy": {
                "training_classes": {
                    "interval_days": draw(
                        st.sampled_from([MIN_CLASS_INTERVAL_DAYS, MAX_DURATION_DAYS])
                    ),
                    "first_class_day": draw(st.sampled_from([0.0, MAX_DURATION_DAYS])),
                }
            }
        },
        "busiest funnel": "funnel",
        "rarest acceptance": {
            "location": {"recruiting": {"offer_acceptance": 1 / MAX_FINALISTS_PER_SEARCH}}
        },
        "months at the bound": {
            "location": {
                "attrition": {
                    "bands": [
                        {"from_month": 0, "voluntary": 0.3},
                        {"from_month": MAX_MONTH, "voluntary": 5.0},
                    ]
                },
                "probation": {"months": MAX_MONTH, "failure_probability": 0.5},
            }
        },
        "highest attrition": {
            "location": {
                "attrition": {"bands": [{"from_month": 0, "voluntary": 5.0}]},
                "loaded_monthly_cost": {"team_lead": 1500.0},
            },
            "management": {"overload": {"attrition_multiplier": 10.0}},
        },
        "largest amounts": {
            "location": {
                "loaded_monthly_cost": {"agent": MAX_AMOUNT, "team_lead": MAX_AMOUNT},
                "entity": {"setup_days": MAX_DURATION_DAYS, "setup_cost": MAX_AMOUNT},
            },
            "costs": {
                "exchange_rate": draw(st.sampled_from([MIN_EXCHANGE_RATE, MAX_EXCHANGE_RATE])),
                "transfer_fee": MAX_AMOUNT,
                "recruiting_fee_per_hire": MAX_AMOUNT,
                "onshore_monthly_cost": {"agent": MAX_AMOUNT, "team_lead": MAX_AMOUNT},
            },
            "transfer": {
                "policy": "at_month",
                "month": draw(st.sampled_from([1.0, MAX_MONTH])),
                "entity_setup_start_month": draw(st.sampled_from([0.0, MAX_MONTH])),
            },
        },
        "client at the bounds": {
            "client": {
                "hours_per_week": MAX_HOURS_PER_WEEK,
                "growth_hours_per_month": MAX_HOURS_PER_WEEK,
                "demand_hours_per_employee": HOURS_PER_WEEK,
                "planned_hires": [{"month": MAX_MONTH, "hours_per_week": MAX_HOURS_PER_WEEK}],
            }
        },
        "longest horizon": "horizon",
    }
    chosen = draw(
        st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=most, unique=True)
    )
    merged: dict[str, Any] = {}
    for name in chosen:
        change = options[name]
        if change == "funnel":
            # Expected finalists per search at the limit: rate x days = MAX - 1/q.
            rate = 1000 / 7  # applicants_per_week at its limit, no stages
            q = draw(st.sampled_from([1.0, 0.5]))
            days = (MAX_FINALISTS_PER_SEARCH - 1 / q) / rate
            change = {
                "location": {
                    "recruiting": {
                        "applicants_per_week": 1000.0,
                        "stages": [],
                        "offer_acceptance": q,
                        "offer_duration": days,
                    }
                },
                "headcount_cap": 2,  # each search draws ~1e4 finalists: a few hires suffice
            }
        elif change == "horizon":
            change = {"horizon": MAX_HORIZON_MONTHS, "headcount_cap": 2}
        elif name == "widest lognormal":
            dist = change["location"]["recruiting"]["offer_duration"]
            dist["sd"] = MAX_LOGNORMAL_CV * dist["mean"]
        merged = deep_merge(merged, change)
    return merged


@st.composite
def valid_extreme_scenarios(draw, most: int = 2) -> Scenario:
    """A valid scenario with up to ``most`` groups of values at the bounds."""
    doc = draw(scenario_documents())
    extreme = draw(at_the_bounds(most))
    cap = extreme.pop("headcount_cap", None)
    horizon = extreme.pop("horizon", None)
    if horizon is not None:
        doc["horizon"] = horizon
    if cap is not None:
        doc["headcount"] = min(doc["headcount"], cap)
        for step in doc["roles"][0]["plan"]:
            step["headcount"] = min(step["headcount"], cap)
    if "management" in extreme:
        extreme["management"] = {"span_of_control": 12, **extreme["management"]}
    doc = deep_merge(doc, extreme)
    try:
        return make_scenario(**doc)
    except ScenarioError:
        assume(False)  # e.g. a combination over the funnel limit: not a valid scenario
        raise


def assert_finishes_with_finite_or_censored_values(scenario: Scenario, seed: int) -> None:
    started = time.perf_counter()
    result = simulate(scenario, seed)
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_BUDGET_SECONDS, f"one replication took {elapsed:.1f} s"
    summary = result.summary
    for key, value in summary.items():
        if isinstance(value, (bool, str)) or value is None:
            continue
        if math.isfinite(value):
            continue
        assert math.isnan(value), f"{key} = {value}: neither finite nor NaN"
        flag = CENSORED_BY.get(key, f"{key}_censored")
        censored = flag in summary and bool(summary[flag])
        assert censored or key in DOCUMENTED_NAN, (
            f"{key} is NaN, neither censored ({flag}) nor a documented NaN"
        )


SEEDS = st.integers(0, 2**32 - 1)


@DEFAULT
@given(valid_extreme_scenarios(), SEEDS)
def test_valid_scenario_finishes(scenario: Scenario, seed: int):
    assert_finishes_with_finite_or_censored_values(scenario, seed)


@pytest.mark.slow
@SLOW
@given(valid_extreme_scenarios(most=4), SEEDS)
def test_valid_scenario_finishes_many(scenario: Scenario, seed: int):
    assert_finishes_with_finite_or_censored_values(scenario, seed)
