"""Which terms decide a comparison's cost answer (issue 16): the cost terms moved one at a time
in both scenarios, the paired difference A - B, and the break-even value of a term."""

from __future__ import annotations

import numpy as np
import pytest

from botsim.experiment.drivers import (
    COST_CANDIDATES,
    MAX_DRIVERS,
    break_even,
    plan_drivers,
    run_cost_drivers,
)
from botsim.experiment.runner import run_experiment
from botsim.inputs.loader import load_scenario
from tests.conftest import SCENARIOS, make_scenario

NO_FEES = {
    "recruiting_fee_per_hire": 0,
    "owned_recruiting_cost_per_hire": 0,
    "build_setup_fee": 0,
    "transfer_fee": 0,
    "owned_overhead_per_month": 0,
}


def test_break_even_interpolates_and_extrapolates_a_line_by_hand() -> None:
    """A - B = 3, 1, -1 at 1, 2, 3: zero at 2.5, A cheaper above it; 4, 3, 2: zero at 5,
    beyond the tried values (extrapolated from the last two); a flat line has none."""
    even = break_even([(1, [3, 3]), (2, [1, 1]), (3, [-1, -1])], 0.95)
    assert even.value == pytest.approx(2.5) and not even.extrapolated
    assert even.cheaper_side == "above" and even.tried == (1, 3) and even.base == 2
    assert even.ci_low == pytest.approx(2.5) and even.ci_high == pytest.approx(2.5)
    far = break_even([(1, [4, 4]), (2, [3, 3]), (3, [2, 2])], 0.95)
    assert far.value == pytest.approx(5.0) and far.extrapolated
    noisy = break_even([(0, [1.0, 3.0]), (1, [0.0, 2.0]), (2, [-1.0, 1.0])], 0.95)
    assert noisy.value == pytest.approx(2.0) and noisy.ci_low < 2.0 < noisy.ci_high
    assert break_even([(1, [2, 2]), (2, [2, 2]), (3, [2, 2])], 0.95) is None
    assert break_even([(1, [2, 2]), (1, [1, 1]), (1, [0, 0])], 0.95) is None


def pair():
    """The same team (2 agents at a loaded 1,000 a month, no attrition, never transferred),
    paid to the partner as a 20 % markup on salaries (A) or 230 a head-month (B)."""
    a = make_scenario(
        2, 6, costs={**NO_FEES, "partner_markup": 0.2, "partner_markup_base": "salaries"}
    )
    b = make_scenario(
        2,
        6,
        costs={**NO_FEES, "partner_fee_model": "per_fte", "partner_fee_per_fte_month": 230},
    )
    return a, b


def test_break_even_of_the_markup_and_the_fee_by_hand() -> None:
    """A - B = (markup x 1,000 - fee) x head-months in every replication (same team under one
    seed), so A costs less when the markup is below fee / 1,000 = 23 % and, at a 20 % markup,
    while B's fee stays above 200 a head-month, whatever the head-months."""
    a, b = pair()
    found = run_cost_drivers(a, b, 3, seed=5, names=("markup", "per-head"), workers=1)
    heads = run_experiment(a, 3, 5, workers=1).summary["total_cost_bot"] / 1200  # 1,000 + 20 %
    base = found.table[found.table["level"] == "base"].sort_values("replication")
    np.testing.assert_allclose(base["total_cost_bot"], (200 - 230) * heads, rtol=1e-9)
    evens = {e.assumption: e for e in found.break_evens if e.metric == "total_cost_bot"}
    markup = evens["partner markup"]
    assert markup.value == pytest.approx(0.23, rel=1e-9)
    assert markup.cheaper_side == "below" and not markup.extrapolated and markup.valid
    assert markup.tried == pytest.approx((0.15, 0.25)) and markup.base == 0.2
    assert markup.ci_low <= 0.23 + 1e-9 and markup.ci_high >= 0.23 - 1e-9
    fee = evens["partner fee per head"]
    assert fee.value == pytest.approx(200.0, rel=1e-9) and fee.cheaper_side == "above"
    assert not fee.extrapolated and fee.tried == pytest.approx((172.5, 287.5))
    entry = found.manifest_entry()
    assert entry["scenario_a"] == "markup" and entry["values"].endswith("A - B per replication")
    moved = {d["label"]: d["in_scenarios"] for d in entry["assumptions"]}
    assert moved["partner markup"] == ["markup"] and moved["partner fee per head"] == ["per-head"]
    assert moved["salary level"] == ["markup", "per-head"]


def test_a_term_that_no_valid_value_reaches_is_said_so() -> None:
    """A also pays a set-up fee of 10,000: A - B = (markup x 1,000 - 230) x H + 10,000 with
    H (about 11) head-months, so only a negative markup would make A cheaper."""
    _, b = pair()
    a = make_scenario(
        2,
        6,
        costs={
            **NO_FEES,
            "partner_markup": 0.2,
            "partner_markup_base": "salaries",
            "build_setup_fee": 10000,
        },
    )
    found = run_cost_drivers(a, b, 2, seed=5, workers=1)
    markup = next(e for e in found.break_evens if e.assumption == "partner markup")
    assert markup.value < 0 and not markup.valid
    assert "partner_markup" in markup.why


def test_cost_candidates_are_cost_terms_only() -> None:
    names = {c.name for c in COST_CANDIDATES}
    assert {"partner_markup", "governance_cost", "owned_overhead", "transfer_fee",
            "entity_setup_cost", "transfer_liability", "wage_growth", "fx_level", "fx_drift",
            "discount_rate", "seat_cost", "partner_markup_base"} <= names  # fmt: skip
    assert not {"attrition_level", "recruiters", "ramp_days", "span_of_control"} & names


# --------------------------------------------------------------------------- item 7: the cap


def test_drivers_are_not_bound_by_a_sweep_files_twenty_parameters() -> None:
    """The shipped transfer scenario uses more than 20 candidates; every one runs, among them
    the discount rate and the markup base (left out under the old cap of 20)."""
    transfer = load_scenario(SCENARIOS / "manila-transfer-at-18.yaml")
    plan = plan_drivers(transfer)
    names = [d.name for d in plan.drivers]
    assert len(names) > 20 and len(names) <= MAX_DRIVERS
    assert {"discount_rate", "partner_markup_base", "entity_setup_cost"} <= set(names)
    assert not any("over the" in why for _, why in plan.skipped)
    assert len(plan.plan.points) == 1 + 2 * len(names)


def test_fx_level_and_drift_are_drivers_of_a_scenario_paid_in_pesos() -> None:
    scenario = make_scenario(
        2,
        6,
        location={"cost_currency": "PHP", "loaded_monthly_cost": {"agent": 58000}},
        costs={"fx": {"PHP": {"kind": "lognormal", "rate": 0.0172, "volatility": 0.1}}},
    )
    plan = plan_drivers(scenario)
    drivers = {d.name: d for d in plan.drivers}
    assert {"fx_level", "fx_drift", "discount_rate"} <= set(drivers)
    points = {(p.varied, p.level): p.scenario for p in plan.plan.points}
    assert points["fx_level", "low"].costs.fx["PHP"].rate == pytest.approx(0.0172 * 0.9)
    assert points["fx_drift", "high"].costs.fx["PHP"].drift == pytest.approx(0.05)
    assert points["discount_rate", "high"].costs.discount_rate == pytest.approx(0.12)
