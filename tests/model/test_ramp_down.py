"""Ramp-down and layoffs (issue 17, item 4; docs/model.md, "Ramp-down and layoffs").

A plan reduction first freezes backfills (each exit absorbs a removed seat); what is left at the
end of the location's layoff notice is laid off, last in first out; statutory severance goes on
the ledger as ``cost_severance``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import simulate
from botsim.inputs.loader import load_profile
from botsim.inputs.scenario import DAYS_PER_MONTH, Severance
from botsim.metrics.costs import cost_ledger, severance_months
from botsim.model.records import EXITED, HIRED, REQUISITION_OPENED, EmployeeTable, ExitKind
from tests.conftest import make_scenario

D = DAYS_PER_MONTH
PH_SEVERANCE = {
    "first_year_months": 1,
    "further_year_months": 1,
    "minimum_months": 1,
    "whole_year_from_months": 6,
}


def ramp_down(
    before: int = 20,
    after: int = 12,
    step_month: int = 12,
    notice: float = 30.0,
    horizon: int = 24,
    location: dict | None = None,
    more_steps: tuple = (),
    **changes,
):
    return make_scenario(
        before,
        horizon,
        location={"layoff_notice_days": notice, "severance": PH_SEVERANCE, **(location or {})},
        roles=[
            {
                "name": "agent",
                "location": "lab",
                "plan": [
                    {"month": 0, "headcount": before},
                    {"month": step_month, "headcount": after},
                    *more_steps,
                ],
            }
        ],
        **changes,
    )


def layoffs(events) -> list:
    return [e for e in events if e.kind == EXITED and e.detail == ExitKind.LAYOFF]


def test_without_attrition_the_reduction_is_laid_off_at_the_step_plus_notice() -> None:
    """No attrition: exactly the reduction (8) is laid off, all at day 12 D + 30, the last
    hired first; attrition counts none of them; the team then holds the new target."""
    result = simulate(ramp_down(), keep_events=True)
    laid_off = layoffs(result.events)
    assert len(laid_off) == 8
    assert {e.day for e in laid_off} == {12 * D + 30.0}
    hired = {e.subject: e.day for e in result.events if e.kind == HIRED}
    kept = sorted(set(hired) - {e.subject for e in laid_off})
    assert min(hired[e.subject] for e in laid_off) >= max(hired[i] for i in kept)
    assert result.summary["exits_layoff"] == 8
    assert result.summary["exits"] == 8
    assert int(np.sum(result.series["attrition_exits"])) == 0
    assert result.series["headcount"][-1] == 12
    assert result.summary["annual_attrition"] == 0.0


def test_a_raise_before_the_notice_ends_restores_the_seats() -> None:
    """20 -> 12 at month 12, back to 20 at month 12.5 (before the 30-day notice ends): nobody
    is laid off and no new plan requisition opens."""
    scenario = ramp_down(more_steps=({"month": 12.5, "headcount": 20},))
    result = simulate(scenario, keep_events=True)
    assert layoffs(result.events) == []
    opened = [e for e in result.events if e.kind == REQUISITION_OPENED]
    assert len(opened) == 20


def test_natural_attrition_first_backfills_frozen() -> None:
    """High attrition, backfill on exit, no notice to serve: of the E exits inside the layoff
    notice (R = 8 seats removed), min(E, R) backfills are frozen and max(R - E, 0) agents are
    laid off; every later exit is backfilled again."""
    scenario = ramp_down(
        notice=90.0,
        location={
            "attrition": {"bands": [{"from_month": 0, "voluntary": 1.5}]},
        },
        policy={"backfill": "on_exit"},
    )
    step, end = 12 * D, 12 * D + 90.0
    checked = 0
    for replication in range(6):
        result = simulate(scenario, replication=replication, keep_events=True)
        events = result.events
        exits = [
            e for e in events if e.kind == EXITED and step < e.day < end and e.detail != "layoff"
        ]
        backfills = [
            e
            for e in events
            if e.kind == REQUISITION_OPENED and step < e.day < end and e.detail == "backfill"
        ]
        assert len(layoffs(events)) == max(8 - len(exits), 0)
        assert len(backfills) == max(len(exits) - 8, 0)
        checked += len(exits) > 0
    assert checked  # the window saw exits


def test_increasing_plan_lays_nobody_off() -> None:
    result = simulate(make_scenario(5, 12), keep_events=True)
    assert layoffs(result.events) == []
    assert not np.any(result.series["cost_severance"])


# --------------------------------------------------------------------------- severance


@pytest.mark.parametrize(
    ("service_months", "expected"),
    [
        (2.0, 1.0),  # below a year: the one-month minimum
        (17.0, 1.0),  # 1 year 5 months: the fraction (< 6 months) does not count
        (18.0, 2.0),  # 1 year 6 months: counts as 2 years
        (40.0, 3.0),  # 3 years 4 months
    ],
)
def test_philippine_separation_pay_by_service(service_months: float, expected: float) -> None:
    """Labor Code art. 298: one month per year of service, at least one month, a fraction of
    six months or more counting as a whole year."""
    severance = load_profile("philippines").values.severance
    months = severance_months(severance, np.asarray([service_months * D]))
    assert months[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("service_months", "expected"),
    [
        (3.0, 1.0),  # below a year: 30 days
        (12.0, 1.0),  # one year: 30 days
        (30.0, 1.0 + 0.6667 * 1.5),  # 2.5 years: 30 days + 20 days x 1.5 (pro rata)
    ],
)
def test_colombian_indemnizacion_by_tenure(service_months: float, expected: float) -> None:
    """CST art. 64 below 10 minimum wages: 30 days for the first year, 20 per further year."""
    severance = load_profile("colombia").values.severance
    months = severance_months(severance, np.asarray([service_months * D]))
    assert months[0] == pytest.approx(expected, rel=1e-12)


def test_severance_on_the_ledger_hand_computed() -> None:
    """Two agents at 1,000 a month laid off on day 20 D + 10 (month 21): one hired on day 0
    (20 months: Y = 2 -> 2 months), one on day 15 D (5 months: the minimum, 1 month); an
    agent resigning the same day costs nothing: 3,000 in month 21, nothing elsewhere."""
    scenario = make_scenario(
        3,
        24,
        location={"severance": PH_SEVERANCE},
        costs={"partner_markup": 0, "recruiting_fee_per_hire": 0, "build_setup_fee": 0},
    )
    day = 20 * D + 10
    emp = EmployeeTable(
        employee=np.arange(3),
        role=np.zeros(3, dtype=np.int64),
        start=np.asarray([0.0, 15 * D, 0.0]),
        resign=np.asarray([day, day, day]),
        exit=np.asarray([day, day, day]),
        exit_kind=np.asarray(["layoff", "layoff", "resignation"], dtype=object),
        is_lead=np.zeros(3, dtype=bool),
        requisition=np.arange(3, dtype=np.int64),
    )
    months = np.arange(1, 25)
    series = {"month": months, "effective_fte": np.ones(24)}
    summary = cost_ledger(scenario, [], emp, series, math.inf)
    expected = np.zeros(24)
    expected[20] = 3000.0
    np.testing.assert_allclose(series["cost_severance"], expected, rtol=1e-12)
    assert summary["total_cost_bot"] == pytest.approx(
        float(np.sum(series["cost_salaries"])) + 3000.0, rel=1e-12
    )


def test_default_severance_is_nothing() -> None:
    assert severance_months(Severance(), np.asarray([100 * D]))[0] == 0.0
