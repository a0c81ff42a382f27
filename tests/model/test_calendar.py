"""Calendar, seasons, freezes and the recruiter plan (issue 17, items 1-3).

* seasonal applicant flow: a search's accepted offers arrive as a Poisson stream of rate
  r x s(t) (r = finalists per day x offer acceptance, s the calendar month's multiplier), so
  P(the search ends within x days) = 1 - exp(-r x integral of s) (closed form, within 3 SE);
* a freeze window: no offer accepted inside an 'offers' freeze, no search started inside a
  'searches' freeze;
* common random numbers: a season or a freeze leaves every event before it first acts
  unchanged; a seasonality without a start date changes nothing at all;
* the recruiter plan: no search starts while the plan gives no recruiter, and the slots open
  at its step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from botsim.inputs.scenario import DAYS_PER_MONTH
from botsim.model.engagement import run_replication
from botsim.model.random import UniformBlocks
from botsim.model.records import HIRED, OFFER_ACCEPTED, SEARCH_STARTED
from botsim.model.recruiting import RecruiterSlots, SearchCalendar, funnel_of, search
from tests.conftest import make_scenario

SEED = 17
SEARCHES = 4000
RATE = 0.01  # accepted offers per day of one search: 7/7 applicants x 0.01 acceptance
SLOW_FUNNEL = {"recruiting": {"applicants_per_week": 7.0, "offer_acceptance": 0.01}}
CHURN = {
    "attrition": {
        "definition": "turnover_ratio",
        "bands": [{"from_month": 0, "voluntary": 0.8, "involuntary": 0.1}],
    },
    "recruiting": {"offer_acceptance": 0.3, "offer_duration": 5},
}


def share_ended_within(days: float, calendar: SearchCalendar | None, start: float) -> float:
    scenario = make_scenario(location=SLOW_FUNNEL)
    funnel = funnel_of(scenario.locations[0].recruiting)
    source = UniformBlocks(np.random.default_rng(SEED))
    ended = [
        search(source, funnel, calendar=calendar, start=start)[0] <= days for _ in range(SEARCHES)
    ]
    return float(np.mean(ended))


def within_3_se(observed: float, p: float) -> None:
    se = math.sqrt(p * (1 - p) / SEARCHES)
    assert abs(observed - p) < 3 * se, (observed, p, se)


def twelve(**months: float) -> list[float]:
    values = [1.0] * 12
    for name, value in months.items():
        values[
            [
                "jan",
                "feb",
                "mar",
                "apr",
                "may",
                "jun",
                "jul",
                "aug",
                "sep",
                "oct",
                "nov",
                "dec",
            ].index(name)
        ] = value
    return values


def test_a_seasonal_applicant_multiplier_scales_the_flow_in_its_month() -> None:
    # January (engagement month 0 with a January start) at 3x: 1 - exp(-r * 3 * D).
    january = SearchCalendar(0, tuple(twelve(jan=3.0)), None, ())
    within_3_se(
        share_ended_within(DAYS_PER_MONTH, january, 0.0), 1 - math.exp(-RATE * 3 * DAYS_PER_MONTH)
    )
    # The plain funnel for comparison: 1 - exp(-r * D).
    within_3_se(share_ended_within(DAYS_PER_MONTH, None, 0.0), 1 - math.exp(-RATE * DAYS_PER_MONTH))


def test_the_flow_crosses_calendar_months_with_their_multipliers() -> None:
    # A search started mid-December (0.5x) running into January (2x): over 1.5 months the
    # integral of s is 0.5 * D / 2 + 2 * D.
    calendar = SearchCalendar(11, tuple(twelve(dec=0.5, jan=2.0)), None, ())
    start = DAYS_PER_MONTH / 2
    p = 1 - math.exp(-RATE * (0.5 * DAYS_PER_MONTH / 2 + 2.0 * DAYS_PER_MONTH))
    within_3_se(share_ended_within(1.5 * DAYS_PER_MONTH, calendar, start), p)


def test_an_offer_acceptance_multiplier_applies_by_the_month_of_the_answer() -> None:
    calendar = SearchCalendar(0, None, tuple(twelve(jan=2.5)), ())
    within_3_se(
        share_ended_within(DAYS_PER_MONTH, calendar, 0.0),
        1 - math.exp(-RATE * 2.5 * DAYS_PER_MONTH),
    )


def offers_and_searches(**changes) -> list:
    scenario = make_scenario(
        headcount=10,
        horizon=12,
        location=CHURN,
        roles=[
            {
                "name": "agent",
                "location": "lab",
                "plan": [{"month": 0, "headcount": 10}, {"month": 3, "headcount": 20}],
            }
        ],
        **changes,
    )
    return run_replication(scenario, SEED, 0).events


FREEZE = (2.5 * DAYS_PER_MONTH, 5 * DAYS_PER_MONTH)


@pytest.mark.parametrize(
    ("scope", "kind"), [("offers", OFFER_ACCEPTED), ("searches", SEARCH_STARTED)]
)
def test_a_freeze_window_stops_its_scope_inside_it_and_nothing_before(
    scope: str, kind: str
) -> None:
    plain = offers_and_searches()
    frozen = offers_and_searches(
        policy={"hiring_freezes": [{"from_month": 2.5, "to_month": 5, "scope": scope}]}
    )
    begin, end = FREEZE
    assert any(begin <= e.day < end for e in plain if e.kind == kind)  # it would happen ...
    assert not any(begin <= e.day < end for e in frozen if e.kind == kind)  # ... but is frozen
    assert any(e.day >= end for e in frozen if e.kind == kind)  # and resumes after the window
    assert [e for e in frozen if e.day < begin] == [e for e in plain if e.day < begin]


def test_a_season_leaves_every_event_before_it_first_acts_unchanged() -> None:
    # Applicants x2 and resignations x0.5 from April on; a January start: they act from month 3.
    season = {"applicants": twelve(apr=2.0, may=2.0), "resignation": twelve(apr=0.5, may=0.5)}
    plain = offers_and_searches(start_date="2027-01-01")
    seasonal_loc = {**CHURN, "seasonality": season}
    scenario = make_scenario(
        headcount=10,
        horizon=12,
        location=seasonal_loc,
        start_date="2027-01-01",
        roles=[
            {
                "name": "agent",
                "location": "lab",
                "plan": [{"month": 0, "headcount": 10}, {"month": 3, "headcount": 20}],
            }
        ],
    )
    seasonal = run_replication(scenario, SEED, 0).events
    acts = 3 * DAYS_PER_MONTH
    assert [e for e in seasonal if e.day < acts] == [e for e in plain if e.day < acts]
    assert seasonal != plain  # it does act


def test_seasonality_without_a_start_date_changes_nothing() -> None:
    season = {
        "applicants": twelve(jan=3.0),
        "offer_acceptance": twelve(feb=0.2),
        "resignation": twelve(mar=4.0),
    }
    plain = offers_and_searches()
    scenario = make_scenario(
        headcount=10,
        horizon=12,
        location={**CHURN, "seasonality": season},
        roles=[
            {
                "name": "agent",
                "location": "lab",
                "plan": [{"month": 0, "headcount": 10}, {"month": 3, "headcount": 20}],
            }
        ],
    )
    assert run_replication(scenario, SEED, 0).events == plain


def test_a_start_date_sets_the_costs_calendar_month() -> None:
    scenario = make_scenario(start_date="2026-11-01")
    assert scenario.costs.start_date == "2026-11"
    assert scenario.calendar_month(0) == 10 and scenario.calendar_month(2) == 0


def test_the_recruiter_plan_opens_slots_at_its_step() -> None:
    plan = [{"month": 0, "recruiters": 0}, {"month": 2, "recruiters": 3}]
    scenario = make_scenario(
        headcount=6, location={"recruiting": {"recruiters": 1, "recruiter_plan": plan}}
    )
    events = run_replication(scenario, SEED, 0).events
    starts = [e.day for e in events if e.kind == SEARCH_STARTED]
    assert min(starts) == pytest.approx(2 * DAYS_PER_MONTH)
    assert sum(1 for d in starts if d == min(starts)) == 3  # three recruiters, one requisition each
    assert sum(1 for e in events if e.kind == HIRED) == 6


def test_fewer_recruiter_slots_let_running_searches_finish_and_take_no_new_ones() -> None:
    env = simpy.Environment()
    slots = RecruiterSlots(env, 2)
    assert slots.acquire() is None and slots.acquire() is None
    waiting = slots.acquire()
    slots.set_capacity(1)
    slots.release()  # over capacity: the slot goes, the one in line keeps waiting
    assert not waiting.triggered and slots.busy == 1
    slots.release()  # now within capacity: handed over
    assert waiting.triggered and slots.busy == 1
    slots.set_capacity(3)
    more = [slots.acquire(), slots.acquire()]
    assert more == [None, None] and slots.busy == 3


def test_the_console_names_the_calendar_month_of_month_0(capsys) -> None:
    from botsim import run_experiment
    from botsim.report.console import print_summary

    print_summary(run_experiment(make_scenario(start_date="2026-11-01"), replications=2, seed=1))
    assert "horizon 12 months from November 2026 (month 0)" in capsys.readouterr().out


def test_touching_freeze_windows_freeze_their_union() -> None:
    freezes = [
        {"from_month": 2.5, "to_month": 3.5, "scope": "searches"},
        {"from_month": 3.5, "to_month": 5, "scope": "searches"},
    ]
    frozen = offers_and_searches(policy={"hiring_freezes": freezes})
    begin, end = FREEZE
    assert not any(begin <= e.day < end for e in frozen if e.kind == SEARCH_STARTED)


def test_an_offer_due_in_touching_offer_freezes_waits_for_the_last() -> None:
    d = DAYS_PER_MONTH
    calendar = SearchCalendar(0, None, None, ((1 * d, 2 * d), (2 * d, 3 * d)))
    assert calendar.answer(0.0, 1.5 * d + 5, 5.0, 0.5) == (3 * d + 5, 0.5)
    assert calendar.answer(0.0, 1 * d + 1, 5.0, 0.5) == (3 * d, 0.5)  # extended before: held
    assert calendar.answer(0.0, 1 * d - 1, 5.0, 0.5) == (1 * d - 1, 0.5)  # answered before
