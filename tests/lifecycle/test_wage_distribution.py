"""Annual wage increases given as a distribution (issue 16, item 3): a fresh draw per year of
the engagement, per location and family, from its own ("wages", location, family) stream.

Hand-made employee tables as in test_cost_structure.py: a salary of 1,000 a month at start.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import simulate
from botsim.inputs.loader import ScenarioError
from botsim.metrics.costs import fx_paths, wage_growth
from tests.conftest import make_scenario
from tests.lifecycle.test_cost_structure import EXACT, D, ledger, scenario_with, staff

UNIFORM = {"dist": "uniform", "low": 0.02, "high": 0.08}


def _drawn(horizon: int, wage_increase: dict, **costs):
    return scenario_with(horizon, location={"wage_increase": wage_increase}, **costs)


def _salaries(scenario, emp, seed: int = 1, replication: int = 0) -> np.ndarray:
    series, _ = ledger(scenario, emp, fx=fx_paths(scenario, seed, replication))
    return series["cost_salaries"]


@pytest.mark.parametrize(
    "timing",
    [{}, {"month_of_year": 1}, {"on_work_anniversary": True}],
    ids=["engagement-anniversary", "january", "work-anniversary"],
)
def test_a_fixed_distribution_equals_the_number(timing) -> None:
    """{dist: fixed, value: 0.1} gives the ledger of annual_rate 0.1, and the family rate too;
    the number itself still gives the hand-computed ledger (1,000 then 1,100 then 1,210)."""
    emp = staff([0.0, 6 * D])
    for number, drawn in [
        ({"annual_rate": 0.1}, {"annual_rate": {"dist": "fixed", "value": 0.1}}),
        (
            {"by_family": {"agent": 0.05}},
            {"by_family": {"agent": {"dist": "fixed", "value": 0.05}}},
        ),
    ]:
        a = _drawn(30, {**number, **timing}, start_date="2027-10")
        b = _drawn(30, {**drawn, **timing}, start_date="2027-10")
        assert _salaries(b, emp) == pytest.approx(_salaries(a, emp), **EXACT)
    one = _drawn(26, {"annual_rate": 0.1})
    expected = [1000.0] * 12 + [1100.0] * 12 + [1000 * 1.1**2] * 2
    assert _salaries(one, staff([0.0])) == pytest.approx(expected, **EXACT)


def test_each_year_is_a_fresh_draw_at_its_month() -> None:
    """January increases from an October start: months 4 and 16 carry the 1st and 2nd draws,
    G_k = (1 + g_1) ... (1 + g_k) from wage_growth, which draws from ("wages", lab, agent)."""
    scenario = _drawn(20, {"annual_rate": UNIFORM, "month_of_year": 1}, start_date="2027-10")
    loc = scenario.locations[0]
    growth = wage_growth(scenario, loc, "agent", 1, 0)
    expected = [1000.0] * 3 + [1000 * growth[1]] * 12 + [1000 * growth[2]] * 5
    assert _salaries(scenario, staff([0.0])) == pytest.approx(expected, **EXACT)
    assert growth[1] != growth[2] / growth[1]  # two different draws


def test_work_anniversary_raises_take_the_kth_draw() -> None:
    """A starts on day 0, B on day 6 D: A from month 13 and B from month 19 earn 1,000 G_1."""
    scenario = _drawn(20, {"annual_rate": UNIFORM, "on_work_anniversary": True})
    g1 = wage_growth(scenario, scenario.locations[0], "agent", 1, 0)[1]
    expected = [1000.0] * 6 + [2000.0] * 6 + [1000 * g1 + 1000] * 6 + [2000 * g1] * 2
    assert _salaries(scenario, staff([0.0, 6 * D])) == pytest.approx(expected, **EXACT)


def test_yearly_draws_have_the_stated_mean_and_variance() -> None:
    """Increases read off the ledger (salary at months 13, 25, 37, 49 over the month before)
    over 150 replications: mean (low + high) / 2 and variance (high - low)^2 / 12 within 3
    SE (SE of the variance: sqrt((mu_4 - sigma^4) / n), mu_4 = (high - low)^4 / 80)."""
    scenario = _drawn(49, {"annual_rate": UNIFORM})
    emp = staff([0.0])
    rises = []
    for r in range(150):
        s = _salaries(scenario, emp, 7, r)
        rises.append(s[[12, 24, 36, 48]] / s[[11, 23, 35, 47]] - 1.0)
    g = np.concatenate(rises)
    n, width = len(g), UNIFORM["high"] - UNIFORM["low"]
    mean, var, mu4 = (UNIFORM["low"] + UNIFORM["high"]) / 2, width**2 / 12, width**4 / 80
    assert abs(g.mean() - mean) < 3 * math.sqrt(var / n)
    assert abs(g.var(ddof=1) - var) < 3 * math.sqrt((mu4 - var**2) / n)
    assert g.min() >= UNIFORM["low"] and g.max() <= UNIFORM["high"]


def test_same_seed_same_draws_across_compared_scenarios() -> None:
    """Scenarios differing in their contract share the draws; the replication and the seed
    change them; the simulated team is the team of the number case (no other stream moves)."""
    a = _drawn(36, {"annual_rate": UNIFORM})
    b = _drawn(36, {"annual_rate": UNIFORM}, partner_markup=0.3, build_setup_fee=5000)
    emp = staff([0.0])
    np.testing.assert_array_equal(_salaries(a, emp, 5, 3), _salaries(b, emp, 5, 3))
    assert not np.array_equal(_salaries(a, emp, 5, 3), _salaries(a, emp, 5, 4))
    assert not np.array_equal(_salaries(a, emp, 5, 3), _salaries(a, emp, 6, 3))
    number = _drawn(36, {"annual_rate": 0.05})
    ra, rn = simulate(a, seed=5, replication=3), simulate(number, seed=5, replication=3)
    np.testing.assert_array_equal(ra.series["headcount"], rn.series["headcount"])
    assert ra.summary["hires"] == rn.summary["hires"]
    growth = wage_growth(a, a.locations[0], "agent", 5, 3)
    assert ra.series["cost_salaries"][13] == pytest.approx(
        rn.series["cost_salaries"][13] / 1.05 * growth[1], **EXACT
    )


@pytest.mark.parametrize(
    ("wage_increase", "fragments"),
    [
        (
            {"annual_rate": {"dist": "uniform", "low": 0.02, "high": 1.5}},
            ["wage_increase.annual_rate", "at most 1", "1.5"],
        ),
        (
            {"by_family": {"agent": {"dist": "lognormal", "mean": 2, "sd": 0.5}}},
            ["wage_increase.by_family", "agent", "at most 1"],
        ),
        (
            {"annual_rate": {"dist": "uniform", "low": -0.1, "high": 0.05}},
            ["wage_increase.annual_rate", "low", "greater than or equal to 0"],
        ),
        ({"annual_rate": {"dist": "normal", "mean": 0.05}}, ["wage_increase.annual_rate"]),
        ({"annual_rate": "5%"}, ["wage_increase.annual_rate", "number"]),
    ],
)
def test_bad_rate_distribution_names_the_field(wage_increase, fragments) -> None:
    with pytest.raises(ScenarioError) as err:
        make_scenario(1, 12, location={"wage_increase": wage_increase})
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
