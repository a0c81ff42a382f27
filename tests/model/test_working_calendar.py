"""The working calendar and the buy-out of candidate notice (issue 17, items 1 and 6).

* closed forms: a stage of d working days in a 5-day week without holidays lasts the calendar
  days counted by hand, also through the candidate search; a stage of d calendar days laid on
  rho d working days (rho the working share of the year, counted by hand) lasts d on average
  over the working time of a year: exactly for a periodic 5-day week, within the stated
  wrap-around bound for the Philippine 2027 calendar; Easter and the Colombian holidays of
  2026 (Law 51 of 1983 moves them to Monday) fall on their published dates;
* class starts move to the next working day, and a moved class still takes the hires ready
  before it;
* common random numbers: a calendar with rho = 1 (no day off in the start year) leaves every
  event before its first day off unchanged, one with every day a working day every event; one
  with rho < 1 acts from the first stage; nothing changes without a start date;
* the buy-out: the mean notice served equals (1 - i) [(1 - p) E N + p E max(N - D, 0)] within
  3 SE; its draws leave the search and onboarding streams alone; its cost on the ledger is
  hand-computed.
"""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

from botsim.inputs.loader import load_profile
from botsim.inputs.scenario import DAYS_PER_MONTH, TrainingClasses, WorkingCalendar, easter_sunday
from botsim.metrics.costs import cost_ledger
from botsim.model.engagement import run_replication
from botsim.model.random import UniformBlocks
from botsim.model.records import (
    HIRED,
    NOTICE_BOUGHT_OUT,
    OFFER_ACCEPTED,
    EmployeeTable,
    Event,
    requisition_table,
)
from botsim.model.recruiting import SearchCalendar, first_working_day, funnel_of, search
from botsim.model.workdays import WorkingDays, working_days
from tests.conftest import make_scenario

SEED = 17
MONDAY = datetime.date(2026, 6, 1)  # a Monday, the first of its month: day 0
OFFICE_WEEK = WorkingCalendar()  # Saturday and Sunday off, no holidays


def office_days(n: int = 400) -> WorkingDays:
    return WorkingDays.of(MONDAY, OFFICE_WEEK, n)


@pytest.mark.parametrize(
    ("start", "d", "calendar_days"),
    [
        (0.0, 1, 1),  # Monday: ends at the end of Monday
        (0.0, 5, 5),  # Monday to Friday
        (0.0, 6, 8),  # ... and the next Monday: the weekend in between
        (0.0, 10, 12),
        (0.0, 11, 15),
        (2.0, 3, 3),  # Wednesday to Friday
        (2.0, 4, 6),  # Wednesday to Monday
        (5.0, 1, 3),  # started on a Saturday: Monday's end is 3 days later
        (0.5, 5, 7),  # from Monday noon: ends the next Monday noon
        (4.25, 1.0, 3.0),  # Friday 6 am: 0.75 of Friday, 0.25 of Monday -> Monday 6 am
        (4.25, 0.5, 0.5),  # ... half a working day ends on the Friday: no delay
    ],
)
def test_a_stage_of_d_working_days_lasts_the_days_counted_by_hand(
    start: float, d: float, calendar_days: float
) -> None:
    days = office_days()
    assert days.after(start, d) - start == pytest.approx(calendar_days, abs=1e-12)
    # With rho = 1 (the exact path) the delay of d stage days is after(t, d) - t - d.
    exact = WorkingDays(days.working)
    assert exact.delay(start, d) == pytest.approx(calendar_days - d, abs=1e-12)


def test_whole_weeks_of_working_days_are_seven_calendar_days_each() -> None:
    # From a Monday, 5k working days end on the Friday of week k: 7k - 2 calendar days.
    days = office_days()
    for k in range(1, 30):
        assert days.after(0.0, 5 * k) == 7 * k - 2


def test_the_working_share_of_a_year_counted_by_hand() -> None:
    # 2026 begins on a Thursday: 52 weeks and one Thursday, 261 weekdays of 365 days.
    assert office_days().rho == 261 / 365
    # Philippines 2027 (begins on a Friday: 261 weekdays): of its 15 holidays, Black Saturday
    # (27 March), Labor Day, Independence Day, Ninoy Aquino Day (21 August) and Christmas fall
    # on a Saturday; the other 10 (1 January, 25-26 March, 9 April, 30 August, 1 and 30
    # November, 8, 30 and 31 December) on weekdays: 251 working days.
    calendar = load_profile("philippines").values.working_calendar
    assert WorkingDays.of(datetime.date(2027, 1, 1), calendar, 400).rho == 251 / 365
    # The year is the start date's calendar year, whatever the start month.
    assert WorkingDays.of(datetime.date(2027, 11, 1), calendar, 400).rho == 251 / 365
    # Every day a working day: exactly 1 (the exact path).
    assert WorkingDays.of(MONDAY, WorkingCalendar(weekend=[]), 400).rho == 1.0


WEEK = WorkingDays([k % 7 < 5 for k in range(800)], rho=5 / 7)  # 5-day week, rho over weeks


@pytest.mark.parametrize(
    ("start", "d", "calendar_days"),
    [
        (0.5, 7.0, 7.0),  # Monday noon: 5 working days end the next Monday noon
        (2.0, 7.0, 7.0),  # Wednesday: to the end of the next Tuesday
        (5.0, 7.0, 7.0),  # Saturday: Monday to the end of the next Friday
        (0.0, 7.0, 5.0),  # Monday 0:00: the end of Friday (the working instant of next Monday)
        (0.5, 1.4, 1.0),  # 1 working day from Monday noon: Tuesday noon, shorter than 1.4
        (4.5, 1.4, 3.0),  # ... from Friday noon: Monday noon, longer across the weekend
    ],
)
def test_a_stage_of_d_calendar_days_lasts_the_days_counted_by_hand(
    start: float, d: float, calendar_days: float
) -> None:
    # A stage of d calendar days holds w = 5/7 d working days: 7 days -> 5, 1.4 days -> 1.
    assert WEEK.after(start, WEEK.rho * d) - start == pytest.approx(calendar_days, abs=1e-9)
    assert WEEK.delay(start, d) == pytest.approx(calendar_days - d, abs=1e-9)


GRID = 8  # starts at the midpoints of eighths of a day


def mean_over_working_time(days: WorkingDays, d: float, n_days: int) -> float:
    """Mean length d + delay(t, d) = after(t, rho d) - t of a stage the search lays from t,
    over starts t spread evenly over the working time of days 0..n_days-1 (midpoints of
    eighths: exact when rho d is a whole number of eighths, since the length is then constant
    on each eighth)."""
    starts = (np.arange(n_days * GRID) + 0.5) / GRID
    starts = starts[[days.working[int(t)] for t in starts]]
    return float(np.mean([d + days.delay(t, d) for t in starts]))


@pytest.mark.parametrize("w", [2.0, 5.5, 9.25, 21.125])
def test_over_whole_weeks_a_stage_lasts_d_on_average_exactly(w: float) -> None:
    # Over starts spread over the working time of whole periods P with N working days,
    # mean of T(u + w) - T(u) = (1/N) int_0^w [T(u + N) - T(u)] du = w P / N = d (T the
    # inverse of W): the stage's mean is exactly d, whatever d.
    d = w * 7 / 5
    assert mean_over_working_time(WEEK, d, 7 * 52) == pytest.approx(d, abs=1e-9)


def test_a_stage_started_on_a_weekend_waits_for_monday() -> None:
    # Over every start of the week (weekend included), w = 5.5 (d = 7.7): the working starts
    # average d; a start at s in the weekend [5, 7) ends where one on Monday 7 does, 7.5 days
    # after Monday (hand count), so lasts 7 - s + 7.5: mean (2 + 2 x 7.5) / 7 over the weekend
    # share. Mean: (5 d + 2 + 15) / 7 = 7.9286 (d + 0.23: the wait for Monday).
    d = 7.7
    starts = (np.arange(7 * 52 * GRID) + 0.5) / GRID
    mean = float(np.mean([d + WEEK.delay(t, d) for t in starts]))
    assert mean == pytest.approx((5 * d + 2 + 15) / 7, abs=1e-9)


@pytest.mark.parametrize("w", [1.5, 8.75, 20.25])
def test_over_a_philippine_year_a_stage_lasts_d_on_average(w: float) -> None:
    # The real calendar is not periodic: the identity above leaves
    # (1/N) int_0^w [T(u + N) - T(u) - P] du, at most w/N x max |T(u + N) - T(u) - P| over
    # u in [0, w] (N = 251 working days in P = 365: the span of a year of working days from
    # the first w of 2027 against 365 days), a few hundredths of a day.
    calendar = load_profile("philippines").values.working_calendar
    days = WorkingDays.of(datetime.date(2027, 1, 1), calendar, 800)
    n, p = 251, 365
    d = w / days.rho
    spans = [
        days.after(0.0, u + n) - days.after(0.0, u) - p for u in np.arange(w * GRID + 1) / GRID
    ]
    bound = w / n * max(abs(x) for x in spans)
    assert bound < 0.2
    assert abs(mean_over_working_time(days, d, p) - d) <= bound + 1e-9


def test_a_search_stage_of_six_days_from_a_saturday_ends_on_the_friday() -> None:
    # One stage of 6 calendar days, instant offer, everyone accepts, applicants ~ every 10
    # minutes: the first finalist arrives on the Saturday (day 5). 2026 has 261 weekdays in 365
    # days (52 weeks and a Thursday), so the stage holds w = 6 x 261/365 = 4.29 working days:
    # Monday 7 to Thursday 10 and 0.29 of Friday 11, ending at day 11 + 0.29: 2 + w days after
    # the search's start.
    scenario = make_scenario(
        start_date="2026-06-01",
        location={
            "working_calendar": {},
            "recruiting": {
                "applicants_per_week": 1000.0,
                "stages": [{"name": "interview", "pass_rate": 1.0, "duration": 6}],
            },
        },
    )
    location = scenario.locations[0]
    calendar = SearchCalendar.of(scenario, location)
    assert calendar is not None and calendar.workdays is not None
    source = UniformBlocks(np.random.default_rng(SEED))
    funnel = funnel_of(location.recruiting)
    assert calendar.workdays.rho == 261 / 365
    expected = 2.0 + 6.0 * 261 / 365
    for _ in range(20):
        duration, declined = search(source, funnel, calendar=calendar, start=5.0)
        if duration == pytest.approx(expected, abs=1e-9):
            continue
        # Only a first finalist arriving after the weekend (p = e^-286) could end elsewhere.
        raise AssertionError(duration)
    assert declined == 0


def test_easter_sunday_on_known_dates() -> None:
    known = {2024: (3, 31), 2025: (4, 20), 2026: (4, 5), 2027: (3, 28), 2038: (4, 25)}
    for year, (month, day) in known.items():
        assert easter_sunday(year) == datetime.date(year, month, day)


def test_the_colombian_holidays_of_2026_fall_on_their_published_days() -> None:
    # The 2026 calendar as published (Law 51 of 1983 moves Epiphany, St Joseph, the Easter
    # feasts, St Peter and St Paul, the Assumption, Columbus Day, All Saints and Cartagena's
    # independence to the Monday after): 18 days.
    calendar = load_profile("colombia").values.working_calendar
    published = [
        (1, 1), (1, 12), (3, 23), (4, 2), (4, 3), (5, 1), (5, 18), (6, 8), (6, 15), (6, 29),
        (7, 20), (8, 7), (8, 17), (10, 12), (11, 2), (11, 16), (12, 8), (12, 25),
    ]  # fmt: skip
    got = calendar.days_off(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert sorted(got) == [datetime.date(2026, m, d) for m, d in published]


def test_the_philippine_national_heroes_day_is_the_last_monday_of_august() -> None:
    calendar = load_profile("philippines").values.working_calendar
    for year in range(2026, 2036):
        got = calendar.days_off(datetime.date(year, 8, 22), datetime.date(year, 8, 31))
        (day,) = got
        assert day.weekday() == 0 and (day + datetime.timedelta(days=7)).month == 9


def test_a_holiday_is_not_a_working_day_and_the_table_counts_the_rest() -> None:
    calendar = WorkingCalendar(holidays=[datetime.date(2026, 6, 12)])  # a Friday
    days = WorkingDays.of(MONDAY, calendar, 60)
    assert not days.working[11] and days.working[10]
    assert days.count(0, 14) == 9  # two weeks of five days less the holiday
    assert days.after(8.0, 3) == 11.0  # Tue 8, Wed 9, Thu 10: ends before the holiday
    assert WorkingDays(days.working).delay(8.0, 3) == 0.0  # rho = 1: no day off met, exactly 0
    assert days.rho == (261 - 1) / 365  # 2026: 261 weekdays, one of them the holiday
    assert days.after(9.0, 3) == 15.0  # Wed, Thu, (Fri off), Mon 14 -> Mon's end


def test_class_starts_move_to_the_next_working_day() -> None:
    days = office_days()
    classes = TrainingClasses(interval_days=7, first_class_day=5)  # every Saturday
    # Saturday's class starts on Monday 7; a hire ready on Sunday 6 still joins it.
    assert first_working_day(6.0, classes, days) == 7.0
    assert first_working_day(4.0, classes, days) == 7.0
    assert first_working_day(7.5, classes, days) == 14.0
    # Without classes a hire ready on the weekend starts on Monday, on a weekday at once.
    assert first_working_day(5.5, None, days) == 7.0
    assert first_working_day(2.5, None, days) == 2.5
    # Without working days: the class day as before.
    assert first_working_day(6.0, classes, None) == 12.0


CHURN = {
    "attrition": {
        "definition": "turnover_ratio",
        "bands": [{"from_month": 0, "voluntary": 0.8, "involuntary": 0.1}],
    },
    "recruiting": {
        "offer_acceptance": 0.3,
        "offer_duration": 5,
        "candidate_notice": 10,
        "stages": [{"name": "screen", "pass_rate": 0.5, "duration": 3}],
    },
}


def churn_events(**location: object) -> list:
    scenario = make_scenario(
        headcount=10, horizon=12, start_date="2026-06-01", location={**CHURN, **location}
    )
    return run_replication(scenario, SEED, 0).events


def test_a_calendar_with_rho_one_leaves_every_event_before_its_first_day_off_unchanged() -> None:
    # No weekend, and days 220-279 (January-March 2027) are holidays: none in 2026, the year
    # rho is taken over, so rho = 1 (the exact path) and the calendar acts from day 220 on.
    plain = churn_events()
    off = [(MONDAY + datetime.timedelta(days=220 + k)).isoformat() for k in range(60)]
    calendar = {"weekend": [], "holidays": off}
    with_calendar = churn_events(working_calendar=calendar)
    assert [e for e in with_calendar if e.day < 220] == [e for e in plain if e.day < 220]
    assert with_calendar != plain  # it does act
    # A calendar with every day a working day (rho = 1, no day off) acts nowhere: identical
    # event logs, to the last digit.
    assert churn_events(working_calendar={"weekend": []}) == plain


def test_a_calendar_with_days_off_in_its_year_acts_from_the_first_stage() -> None:
    # One holiday in 2026 (rho = 364/365 < 1): every stage is laid on rho d working days, so
    # the first accepted offer already moves (by less than a day: the stages are short).
    plain = churn_events()
    moved = churn_events(working_calendar={"weekend": [], "holidays": ["2026-12-25"]})
    first = [next(e.day for e in log if e.kind == OFFER_ACCEPTED) for log in (plain, moved)]
    assert first[0] != first[1] and abs(first[0] - first[1]) < 1.0


def test_a_calendar_without_a_start_date_changes_nothing() -> None:
    plain = make_scenario(headcount=10, horizon=12, location=CHURN)
    with_calendar = make_scenario(
        headcount=10, horizon=12, location={**CHURN, "working_calendar": {"weekend": ["monday"]}}
    )
    assert working_days(with_calendar) == {}
    assert run_replication(with_calendar, SEED, 0).events == run_replication(plain, SEED, 0).events


def test_with_an_office_week_hires_start_on_working_days() -> None:
    events = churn_events(working_calendar={})
    days = working_days(make_scenario(start_date="2026-06-01", location={"working_calendar": {}}))[
        "lab"
    ]
    hires = [e.day for e in events if e.kind == HIRED]
    assert hires and all(days.working[int(day)] for day in hires)


# --------------------------------------------------------------------------- notice buy-out

NOTICE, IMMEDIATE, SHARE, MAX_DAYS = 30.0, 0.2, 0.5, 20.0


def buyout_scenario(headcount: int, buyout: dict | None, **location: object):
    recruiting = {"candidate_notice": NOTICE, "immediate_start_share": IMMEDIATE}
    if buyout is not None:
        recruiting["notice_buyout"] = buyout
    return make_scenario(
        headcount=headcount,
        horizon=6,
        location={"recruiting": {"recruiters": 1000, **recruiting}, **location},
        costs={"partner_markup": 0, "recruiting_fee_per_hire": 0, "build_setup_fee": 0},
    )


def test_mean_notice_with_a_buyout_matches_the_closed_form() -> None:
    # N = 30 days fixed, i = 0.2 available at once, p = 0.5 of the rest bought out up to
    # D = 20 days: E[notice] = (1 - i) [(1 - p) N + p (N - D)] = 0.8 x 20 = 16 days.
    expected = (1 - IMMEDIATE) * ((1 - SHARE) * NOTICE + SHARE * max(NOTICE - MAX_DAYS, 0.0))
    assert expected == 16.0
    scenario = buyout_scenario(1000, {"share": SHARE, "max_days": MAX_DAYS})
    served = []
    for replication in range(2):
        req = requisition_table(run_replication(scenario, SEED, replication).events)
        done = np.isfinite(req.closed) & np.isfinite(req.accepted)
        served.extend((req.closed[done] - req.accepted[done]).tolist())
    served = np.asarray(served)
    assert set(np.round(served, 9)) == {0.0, 10.0, 30.0}
    se = served.std(ddof=1) / math.sqrt(len(served))
    assert abs(served.mean() - expected) < 3 * se, (served.mean(), expected, se)


def test_the_buyout_draws_on_its_own_stream() -> None:
    # 200 seats, 1,000 recruiter slots: every search starts on day 0 and its offer is accepted
    # when the plain run's is; only the bought-out hires start earlier.
    plain = run_replication(buyout_scenario(200, None), SEED, 0).events
    bought = run_replication(buyout_scenario(200, {"share": 1.0}), SEED, 0).events
    accepted = [(e.day, e.subject) for e in plain if e.kind == OFFER_ACCEPTED]
    assert [(e.day, e.subject) for e in bought if e.kind == OFFER_ACCEPTED] == accepted
    # A share of 0 draws but buys nothing: identical to no buy-out.
    nothing = run_replication(buyout_scenario(200, {"share": 0.0}), SEED, 0).events
    assert nothing == plain
    # With share 1 every hire who had notice to serve starts on the day of acceptance.
    outs = [e for e in bought if e.kind == NOTICE_BOUGHT_OUT]
    assert outs and all(e.value == NOTICE for e in outs)
    assert len(outs) == pytest.approx(200 * (1 - IMMEDIATE), abs=4 * math.sqrt(200 * 0.16))


def test_buyout_cost_on_the_ledger_hand_computed() -> None:
    """Three bought-out hires of the one role: 12 and 30 days bought in month 1, 5 days in
    month 3, at 100 per hire plus 10 a day: 100 + 120 + 100 + 300 = 620 in month 1 and
    100 + 50 = 150 in month 3; nothing elsewhere, and the BOT total grows by 770."""
    buyout = {"share": 0.5, "cost_per_day": 10.0, "cost_per_hire": 100.0}
    scenario = buyout_scenario(3, buyout)
    D = DAYS_PER_MONTH
    events = [
        Event(3.0, NOTICE_BOUGHT_OUT, 0, 0, "", 12.0),
        Event(20.0, NOTICE_BOUGHT_OUT, 1, 0, "", 30.0),
        Event(2 * D + 4.0, NOTICE_BOUGHT_OUT, 2, 0, "", 5.0),
        Event(7 * D, NOTICE_BOUGHT_OUT, 3, 0, "", 5.0),  # after the horizon: left out
    ]
    emp = EmployeeTable(
        employee=np.arange(1),
        role=np.zeros(1, dtype=np.int64),
        start=np.asarray([0.0]),
        resign=np.asarray([math.inf]),
        exit=np.asarray([math.inf]),
        exit_kind=np.asarray([""], dtype=object),
        is_lead=np.zeros(1, dtype=bool),
        requisition=np.arange(1, dtype=np.int64),
    )
    series = {"month": np.arange(1, 7), "effective_fte": np.ones(6)}
    summary = cost_ledger(scenario, events, emp, series, math.inf)
    np.testing.assert_allclose(series["cost_notice_buyout"], [620.0, 0, 150.0, 0, 0, 0])
    assert summary["total_cost_bot"] == pytest.approx(
        float(np.sum(series["cost_salaries"])) + 770.0, rel=1e-12
    )
