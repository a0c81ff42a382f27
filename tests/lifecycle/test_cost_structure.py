"""The cost structure, contract terms, time in money and like-for-like counterfactuals (issue 16).

Each ledger line is checked against a hand-computed example on a hand-made employee table, so
the arithmetic is exact up to float rounding (rel 1e-12): month m is ((m-1) D, m D].
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import simulate
from botsim.inputs.loader import ScenarioError
from botsim.inputs.scenario import DAYS_PER_MONTH
from botsim.metrics.costs import cost_ledger, discount_factors, fx_paths
from botsim.model.records import ENTITY_SETUP_STARTED, EmployeeTable, Event
from tests.conftest import make_scenario

D = DAYS_PER_MONTH
EXACT = {"rel": 1e-12, "abs": 1e-9}


def staff(starts, exits=None, leads=None) -> EmployeeTable:
    """Employees of role 0 hired from outside on ``starts`` (days), leaving on ``exits``."""
    n = len(starts)
    exits = [math.inf] * n if exits is None else exits
    return EmployeeTable(
        employee=np.arange(n),
        role=np.zeros(n, dtype=np.int64),
        start=np.asarray(starts, dtype=float),
        resign=np.asarray(exits, dtype=float),
        exit=np.asarray(exits, dtype=float),
        exit_kind=np.array([""] * n, dtype=object),
        is_lead=np.zeros(n, dtype=bool) if leads is None else np.asarray(leads),
        requisition=np.arange(n, dtype=np.int64),
    )


def ledger(scenario, emp, transfer_done=math.inf, events=(), fx=None):
    months = np.arange(1, scenario.horizon_months + 1)
    series = {"month": months, "effective_fte": np.ones(len(months))}
    summary = cost_ledger(scenario, list(events), emp, series, transfer_done, fx)
    return series, summary


QUIET = {  # every fee and overhead of the default contract switched off
    "recruiting_fee_per_hire": 0,
    "owned_recruiting_cost_per_hire": 0,
    "build_setup_fee": 0,
    "transfer_fee": 0,
    "owned_overhead_per_month": 0,
    "owned_overhead_per_employee_month": 0,
    "partner_markup": 0,
}


def scenario_with(horizon=12, location=None, **costs):
    return make_scenario(
        1,
        horizon,
        location=location or {},
        transfer={"policy": "at_month", "month": 6, "entity_setup_start_month": 0},
        costs={**QUIET, **costs},
    )


# --------------------------------------------------------------------------- wages over time


def test_wage_increase_in_its_month_of_the_year() -> None:
    """Start October 2027, +10 % every January: months 1-3 (Oct-Dec) at 1,000, months 4-15
    (Jan-Dec 2028) at 1,100, month 16 (Jan 2029) at 1,210."""
    scenario = scenario_with(
        16,
        location={"wage_increase": {"annual_rate": 0.1, "month_of_year": 1}},
        start_date="2027-10",
    )
    series, _ = ledger(scenario, staff([0.0]))
    expected = [1000.0] * 3 + [1000 * 1.1] * 12 + [1000 * 1.1**2]
    assert series["cost_salaries"] == pytest.approx(expected, **EXACT)


def test_wage_increase_on_anniversaries_and_by_family() -> None:
    """No month of the year: increases at months 13 and 25; the family's own rate wins."""
    scenario = scenario_with(
        26, location={"wage_increase": {"annual_rate": 0.1, "by_family": {"agent": 0.05}}}
    )
    series, _ = ledger(scenario, staff([0.0]))
    expected = [1000.0] * 12 + [1050.0] * 12 + [1000 * 1.05**2] * 2
    assert series["cost_salaries"] == pytest.approx(expected, **EXACT)


def test_wage_increase_on_each_employees_work_anniversary() -> None:
    """A starts on day 0, B on day 6 D; +10 % from the first month starting after each one's
    anniversary (12 D = 365.25 days): A from month 13, B from month 19. With benefits 50 by
    line, only the pay part grows."""
    scenario = scenario_with(
        20, location={"wage_increase": {"annual_rate": 0.1, "on_work_anniversary": True}}
    )
    series, _ = ledger(scenario, staff([0.0, 6 * D]))
    expected = [1000.0] * 6 + [2000.0] * 6 + [1100 + 1000.0] * 6 + [2 * 1000 * 1.1] * 2
    assert series["cost_salaries"] == pytest.approx(expected, **EXACT)
    by_line = scenario_with(
        14,
        location={
            "loaded_monthly_cost": {"agent": {"base": 1000, "statutory_rate": 0.2, "benefits": 50}},
            "wage_increase": {"annual_rate": 0.1, "on_work_anniversary": True},
        },
    )
    series, _ = ledger(by_line, staff([0.0]))
    assert series["cost_salaries"] == pytest.approx([1250.0] * 12 + [1370.0] * 2, **EXACT)


def test_loaded_salary_by_line_and_a_statutory_step_at_its_date() -> None:
    """base 1,000 x (1 + 0.2 statutory + 1/12 13th month + 0.1 night) + 50 HMO = 1,433.33;
    from July 2027 (month 7 of a January start) statutory is 0.25: 1,483.33."""
    salary = {
        "base": 1000,
        "statutory_rate": 0.2,
        "bonus_pay_rate": 1 / 12,
        "night_differential_rate": 0.1,
        "benefits": 50,
    }
    scenario = scenario_with(
        9,
        location={
            "loaded_monthly_cost": {"agent": salary},
            "statutory_steps": [{"from_date": "2027-07", "line": "statutory_rate", "value": 0.25}],
        },
        start_date="2027-01",
    )
    series, _ = ledger(scenario, staff([0.0]))
    before = 1000 * (1 + 0.2 + 1 / 12 + 0.1) + 50
    after = 1000 * (1 + 0.25 + 1 / 12 + 0.1) + 50
    assert series["cost_salaries"] == pytest.approx([before] * 6 + [after] * 3, **EXACT)


def test_a_step_before_the_start_applies_from_month_one() -> None:
    scenario = scenario_with(
        3,
        location={
            "loaded_monthly_cost": {"agent": {"base": 1000}},
            "statutory_steps": [{"from_date": "2026-07", "line": "benefits", "value": 80}],
        },
    )
    series, _ = ledger(scenario, staff([0.0]))
    assert series["cost_salaries"] == pytest.approx([1080.0] * 3, **EXACT)


# --------------------------------------------------------------------------- exchange rates


def test_fixed_fx_path_converts_every_location_line() -> None:
    """Costs in PHP converted by a given monthly path: salary 50,000 PHP, seat 10,000 PHP,
    entity set-up 500,000 PHP in month 1."""
    path = [0.02, 0.018, 0.017, 0.016]
    scenario = scenario_with(
        4,
        location={
            "cost_currency": "PHP",
            "loaded_monthly_cost": {"agent": 50000},
            "seat_monthly_cost": 10000,
            "entity": {"setup_days": 30, "setup_cost": 500000},
        },
        fx={"PHP": {"kind": "path", "monthly": [*path, 0.5]}},  # longer than the horizon: ok
        partner_markup_base="total_cost",
    )
    setup = [Event(0.0, ENTITY_SETUP_STARTED, 0, -1)]
    series, _ = ledger(scenario, staff([0.0]), events=setup)
    assert series["cost_salaries"] == pytest.approx([50000 * x for x in path], **EXACT)
    assert series["cost_seats"] == pytest.approx([10000 * x for x in path], **EXACT)
    assert series["cost_one_off"] == pytest.approx([500000 * 0.02, 0, 0, 0], **EXACT)


def test_fixed_fx_kind_and_the_scenario_currency() -> None:
    scenario = scenario_with(
        2,
        location={"cost_currency": "COP", "loaded_monthly_cost": {"agent": 4_000_000}},
        currency="EUR",
        fx={"COP": {"kind": "fixed", "rate": 0.00022}},
    )
    assert fx_paths(scenario, 1, 0)["COP"] == pytest.approx([0.00022, 0.00022])
    series, _ = ledger(scenario, staff([0.0]), fx=fx_paths(scenario, 1, 0))
    assert series["cost_salaries"] == pytest.approx([880.0, 880.0], **EXACT)


def _lognormal(drift=0.06, volatility=0.12, horizon=240, **changes):
    return scenario_with(
        horizon,
        location={"cost_currency": "PHP"},
        fx={"PHP": {"kind": "lognormal", "rate": 0.018, "drift": drift, "volatility": volatility}},
        **changes,
    )


def test_stochastic_fx_has_its_drift_and_volatility() -> None:
    """Monthly log-returns over 100 replications x 239 months: mean drift/12 and variance
    volatility^2/12, each within 3 standard errors (normal returns: SE of the variance is
    sigma^2 sqrt(2/(n-1)))."""
    drift, vol = 0.06, 0.12
    scenario = _lognormal(drift, vol)
    returns = np.concatenate(
        [np.diff(np.log(fx_paths(scenario, 11, r)["PHP"])) for r in range(100)]
    )
    n = len(returns)
    mean, var = drift / 12, vol**2 / 12
    assert abs(returns.mean() - mean) < 3 * math.sqrt(var / n)
    assert abs(returns.var(ddof=1) - var) < 3 * var * math.sqrt(2 / (n - 1))
    assert fx_paths(scenario, 11, 0)["PHP"][0] == 0.018


def test_stochastic_fx_is_shared_by_compared_scenarios_with_one_seed() -> None:
    """Scenarios that differ in their contract share the path (common random numbers); the
    replication and the seed change it; the simulated team is the same whatever the FX."""
    a, b = _lognormal(horizon=24), _lognormal(horizon=24, partner_markup=0.3)
    np.testing.assert_array_equal(fx_paths(a, 5, 3)["PHP"], fx_paths(b, 5, 3)["PHP"])
    assert not np.array_equal(fx_paths(a, 5, 3)["PHP"], fx_paths(a, 5, 4)["PHP"])
    assert not np.array_equal(fx_paths(a, 5, 3)["PHP"], fx_paths(a, 6, 3)["PHP"])
    fixed = scenario_with(
        24, location={"cost_currency": "PHP"}, fx={"PHP": {"kind": "fixed", "rate": 0.018}}
    )
    ra, rf = simulate(a, seed=5, replication=3), simulate(fixed, seed=5, replication=3)
    assert ra.summary["hires"] == rf.summary["hires"]
    np.testing.assert_array_equal(ra.series["headcount"], rf.series["headcount"])
    np.testing.assert_allclose(  # after month 1, in which the hire starts
        ra.series["cost_salaries"][1:], 1000 * fx_paths(a, 5, 3)["PHP"][1:], rtol=1e-12
    )


# --------------------------------------------------------------------------- contract terms


def test_fee_models_by_hand() -> None:
    """Two agents all year, never transferred; seat 200, support 500 from 1 head, 800 from
    2 heads. Markup on salaries: fee 0.2 x 2,000 (partner carries seats and support). Markup
    on total cost: seats 400 and support 800 billed, fee 0.2 x 3,200. Per-FTE fee 300 x 2.
    A management fee of 1,000 a month comes on top of each."""
    location = {
        "seat_monthly_cost": 200,
        "support_cost": [
            {"from_headcount": 1, "monthly_cost": 500},
            {"from_headcount": 2, "monthly_cost": 800},
        ],
    }
    emp = staff([0.0, 0.0])
    cases = {
        "salaries": dict(partner_markup=0.2, partner_markup_base="salaries"),
        "total_cost": dict(partner_markup=0.2, partner_markup_base="total_cost"),
        "per_fte": dict(partner_fee_model="per_fte", partner_fee_per_fte_month=300),
    }
    expected_fee = {"salaries": 400.0, "total_cost": 0.2 * 3200, "per_fte": 600.0}
    expected_bot = {"salaries": 2400.0, "total_cost": 3200 * 1.2, "per_fte": 2600.0}
    for name, terms in cases.items():
        scenario = scenario_with(
            3, location=location, partner_management_fee_per_month=1000, **terms
        )
        series, _ = ledger(scenario, emp)
        assert series["cost_partner_fee"] == pytest.approx([expected_fee[name] + 1000] * 3, **EXACT)
        assert series["cost_bot"] == pytest.approx([expected_bot[name] + 1000] * 3, **EXACT), name


def test_owned_lines_after_the_transfer() -> None:
    """Transfer completes at the end of month 2 (markup on total cost 10 %): month 3 carries
    seats 2 x 200, support 800, governance 1,500 and management and travel 700 at cost."""
    scenario = scenario_with(
        3,
        location={
            "seat_monthly_cost": 200,
            "support_cost": [{"from_headcount": 2, "monthly_cost": 800}],
            "governance_monthly_cost": 1500,
        },
        partner_markup=0.1,
        partner_markup_base="total_cost",
        owned_overhead_per_month=700,
    )
    series, _ = ledger(scenario, staff([0.0, 0.0]), transfer_done=2 * D)
    partner_month = (2000 + 400 + 800) * 1.1
    owned_month = 2000 + 400 + 800 + 1500 + 700
    assert series["cost_bot"] == pytest.approx([partner_month] * 2 + [owned_month], **EXACT)
    assert series["cost_governance"] == pytest.approx([0, 0, 1500], **EXACT)
    assert series["cost_people_support"] == pytest.approx([800, 800, 800], **EXACT)
    assert series["cost_partner_fee"] == pytest.approx([320, 320, 0], **EXACT)


def test_buy_out_fee_schedule_declines_with_the_engagement_month() -> None:
    schedule = [
        {"from_month": 0, "fee": 100000},
        {"from_month": 12, "fee": 60000},
        {"from_month": 24, "fee": 20000},
    ]
    costs = {k: v for k, v in QUIET.items() if k != "transfer_fee"}
    scenario = make_scenario(
        1,
        30,
        transfer={"policy": "at_month", "month": 6, "entity_setup_start_month": 0},
        costs={**costs, "transfer_fee_schedule": schedule},
    )
    c = scenario.costs
    assert [c.buy_out_fee(m) for m in (0, 11.99, 12, 13.5, 24, 29)] == [
        100000,
        100000,
        60000,
        60000,
        20000,
        20000,
    ]
    series, _ = ledger(scenario, staff([0.0]), transfer_done=13.5 * D)
    expected = np.zeros(30)
    expected[13] = 60000  # completion in month 14
    assert series["cost_transfer"] == pytest.approx(expected, **EXACT)


def test_transfer_liabilities_retention_and_one_off_costs() -> None:
    """Completion at day 18 D. Transferring: A (start 0: 1.5 years, capped at 1), B (start
    12 D: 0.5 years). C left at completion (declined), D left before: neither counts. With one
    month of base pay (1,000 grown 10 % at month 13 -> 1,100 in month 19) per year of service:
    1,100 x (1 + 0.5); retention 500 x 2; one-off 3,000; buy-out 40,000."""
    scenario = scenario_with(
        20,
        location={
            "wage_increase": {"annual_rate": 0.1},
            "transfer_liability": {"months_per_year_of_service": 1, "max_years_of_service": 1},
        },
        transfer_fee=40000,
        retention_bonus_per_employee=500,
        transfer_one_off_cost=3000,
    )
    done = 18 * D
    emp = staff([0.0, 12 * D, 0.0, 0.0], exits=[math.inf, math.inf, done, 10 * D])
    series, _ = ledger(scenario, emp, transfer_done=done)
    expected = np.zeros(20)
    expected[17] = 40000 + 3000 + 2 * 500 + 1000 * 1.1 * (1 + 0.5)
    assert series["cost_transfer"] == pytest.approx(expected, **EXACT)


# --------------------------------------------------------------------------- counterfactuals


def test_like_for_like_counterfactuals_savings_and_present_values() -> None:
    """Two agents, 12 months, never transferred, markup 20 % on salaries: BOT 2,400 a month.
    Outsourcing billed 1,500 per FTE-month: 3,000. Onshore 5,000 salary + 600 seat per head
    and support 1,000 from 1 head: 12,200. Present values at 10 % a year."""
    scenario = scenario_with(
        12,
        partner_markup=0.2,
        outsourcing_pricing="billed_rate",
        outsourcing_billed_rate_per_fte_month={"agent": 1500},
        onshore_monthly_cost={"agent": 5000},
        onshore_seat_monthly_cost=600,
        onshore_support_cost=[{"from_headcount": 1, "monthly_cost": 1000}],
        discount_rate=0.1,
    )
    series, s = ledger(scenario, staff([0.0, 0.0]))
    assert series["cost_outsourcing"] == pytest.approx([3000.0] * 12, **EXACT)
    assert series["cost_onshore"] == pytest.approx([12200.0] * 12, **EXACT)
    assert series["monthly_savings_vs_outsourcing"] == pytest.approx([600.0] * 12, **EXACT)
    assert s["savings_vs_outsourcing"] == pytest.approx(7200.0, **EXACT)
    assert s["savings_vs_outsourcing_share"] == pytest.approx(600 / 3000, **EXACT)
    assert s["savings_vs_onshore_share"] == pytest.approx(9800 / 12200, **EXACT)
    v = [1.1 ** (-m / 12) for m in range(1, 13)]
    assert s["pv_cost_bot"] == pytest.approx(2400 * sum(v), **EXACT)
    assert s["pv_savings_vs_onshore"] == pytest.approx(9800 * sum(v), **EXACT)
    assert series["pv_savings_vs_outsourcing"][-1] == pytest.approx(600 * sum(v), **EXACT)


def test_outsourcing_billed_per_hour() -> None:
    """Billed US$9 an hour at 160 hours per FTE-month: 1,440 per FTE-month; two agents, the
    second from mid-month 2 (half a month): 2,880, then 2,160, then 2,880."""
    scenario = scenario_with(
        3,
        outsourcing_pricing="billed_rate",
        outsourcing_billed_rate_per_hour={"agent": 9},
        billed_hours_per_fte_month=160,
    )
    series, s = ledger(scenario, staff([0.0, 0.0], exits=[math.inf, 1.5 * D]))
    assert series["cost_outsourcing"] == pytest.approx([2880.0, 2160.0, 1440.0], **EXACT)
    assert s["total_cost_outsourcing"] == pytest.approx(6480.0, **EXACT)


def test_the_report_states_the_basis_of_each_counterfactual() -> None:
    from botsim.report.decision import counterfactual_basis, facts_of_scenario

    hourly = scenario_with(
        3,
        outsourcing_pricing="billed_rate",
        outsourcing_billed_rate_per_hour={"agent": 9},
        billed_hours_per_fte_month=160,
        onshore_monthly_cost={"agent": 5000},
    )
    out, on = counterfactual_basis(hourly.costs.model_dump(mode="json"))
    assert out == "billed agent USD 9 an hour x 160 hours per FTE-month"
    assert on == "loaded salaries (agent USD 5,000 a month) plus a seat at USD 1,000 a month"
    assert facts_of_scenario(hourly).outsourcing_basis == out
    markup = facts_of_scenario(scenario_with(3, outsourcing_markup=0.5)).outsourcing_basis
    assert markup.endswith("plus a vendor markup of 50%")


def test_outsourcing_markup_applies_to_the_same_cost_lines() -> None:
    """The vendor bears salaries 2,000, seats 2 x 200 and support 800, plus its 50 % margin."""
    scenario = scenario_with(
        2,
        location={
            "seat_monthly_cost": 200,
            "support_cost": [{"from_headcount": 2, "monthly_cost": 800}],
        },
        outsourcing_markup=0.5,
    )
    series, _ = ledger(scenario, staff([0.0, 0.0]))
    assert series["cost_outsourcing"] == pytest.approx([3200 * 1.5] * 2, **EXACT)


def test_discount_factors_by_hand() -> None:
    assert discount_factors(0.0, 3) == pytest.approx([1, 1, 1])
    assert discount_factors(0.21, 24)[[11, 23]] == pytest.approx([1 / 1.21, 1 / 1.21**2])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"costs": {"discount_rate": -1.0}}, ["costs.discount_rate", "greater than -1"]),
        ({"costs": {"discount_rate": math.nan}}, ["costs.discount_rate", "finite"]),
        (
            {"location": {"wage_increase": {"annual_rate": -0.02}}},
            ["wage_increase.annual_rate", "greater than or equal to 0"],
        ),
        (
            {"location": {"seat_monthly_cost": math.inf}},
            ["seat_monthly_cost", "finite"],
        ),
        (
            {"location": {"cost_currency": "PHP"}},
            ["locations[0].cost_currency", "'PHP'", "costs.fx.PHP"],
        ),
        (
            {
                "location": {"cost_currency": "PHP"},
                "costs": {"fx": {"PHP": {"kind": "path", "monthly": [0.02] * 5}}},
            },
            ["costs.fx.PHP.monthly", "5 months", "horizon of 12"],
        ),
        (
            {"costs": {"fx": {"php": {"kind": "fixed", "rate": 0.02}}}},
            ["costs.fx", "php"],
        ),
        (
            {"location": {"wage_increase": {"by_family": {"analyst": 0.05}}}},
            ["wage_increase.by_family", "analyst"],
        ),
        (
            {"location": {"wage_increase": {"on_work_anniversary": True, "month_of_year": 1}}},
            ["wage_increase", "give one"],
        ),
        (
            {"costs": {"outsourcing_pricing": "billed_rate"}},
            ["costs.outsourcing_billed_rate_per_fte_month", "agent"],
        ),
        (
            {
                "costs": {
                    "outsourcing_pricing": "billed_rate",
                    "outsourcing_billed_rate_per_hour": {"x": 9},
                }
            },
            ["costs.outsourcing_billed_rate_per_hour", "agent"],
        ),
        (
            {
                "costs": {
                    "outsourcing_billed_rate_per_fte_month": {"agent": 1500},
                    "outsourcing_billed_rate_per_hour": {"agent": 9},
                }
            },
            ["costs", "outsourcing_billed_rate_per_hour", "give one"],
        ),
        (
            {"costs": {"billed_hours_per_fte_month": 0}},
            ["costs.billed_hours_per_fte_month", "greater than 0"],
        ),
        (
            {
                "costs": {
                    "transfer_fee_schedule": [
                        {"from_month": 12, "fee": 1},
                        {"from_month": 6, "fee": 2},
                    ]
                }
            },
            ["costs.transfer_fee_schedule", "increase"],
        ),
        (
            {
                "location": {
                    "statutory_steps": [{"from_date": "2027-13", "line": "benefits", "value": 1}]
                }
            },
            ["statutory_steps[0].from_date", "2027-13"],
        ),
        (
            {
                "location": {
                    "statutory_steps": [
                        {"from_date": "2027-06", "line": "statutory_rate", "value": 0.1}
                    ]
                }
            },
            ["statutory_steps[0]", "no loaded salary by line"],
        ),
    ],
)
def test_bad_cost_input_names_the_field(changes, fragments) -> None:
    with pytest.raises(ScenarioError) as err:
        make_scenario(1, 12, **changes)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_role_direct_costs_and_the_lines_of_no_role_add_up_to_the_bot_total() -> None:
    """With seats, support, governance, a management fee and markup on total cost: each role's
    direct cost (salaries, fee on them, seats and their markup, per-employee overhead,
    recruiting) plus the lines of no role equal BOT every month."""
    scenario = make_scenario(
        4,
        12,
        location={
            "recruiting": {"applicants_per_week": 1000.0, "offer_duration": 10},
            "seat_monthly_cost": 200,
            "support_cost": [{"from_headcount": 1, "monthly_cost": 900}],
            "governance_monthly_cost": 1500,
        },
        transfer={"policy": "at_month", "month": 5, "entity_setup_start_month": 0},
        costs={
            "partner_markup": 0.15,
            "partner_markup_base": "total_cost",
            "partner_management_fee_per_month": 800,
            "owned_overhead_per_month": 700,
        },
    )
    result = simulate(scenario, seed=6)
    series, s = result.series, result.summary
    ends = series["month"] * D
    done = s["transfer_month"] * D
    owned = np.clip((ends - np.maximum(ends - D, done)) / D, 0, 1)
    partner = 1 - owned
    support = series["cost_people_support"]
    no_role = (
        series["cost_one_off"]
        + series["cost_transfer"]
        + support * (1 + 0.15 * partner)
        + series["cost_governance"]
        + 800 * partner
        + 700 * owned
    )
    np.testing.assert_allclose(
        series["cost_direct__lab__agent"] + no_role, series["cost_bot"], rtol=1e-12
    )
    assert series["cost_governance"][-1] == 1500 and series["cost_governance"][0] == 0
