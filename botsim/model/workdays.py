"""Working days of a location (issue 17, item 1; docs/model.md, "Working calendar").

With a scenario ``start_date`` and a location ``working_calendar``, simulated day k (the
interval [k, k + 1)) is the calendar date (first day of the start month) + k days, and it is a
working day unless its weekday is a weekend day or it is a public holiday. Working time

    W(t) = number of working days before day floor(t) + (t - floor(t) if that day works, else 0)

runs only on working days. A span of w working days started at t ends at

    after(t, w) = min { t' >= t : W(t') = W(t) + w }

(for whole w and t the start of a working day: the end of the w-th working day from t).

The profile's recruiting stage durations are elapsed CALENDAR days (they and the applicant
rate were calibrated without a calendar). A stage block of d calendar days therefore holds
w = rho * d working days, rho = the location's share of working days over the calendar year
of the start date (:func:`working_share`; January to December, so every annual holiday counts
once whatever the start month), and ends at after(t, rho * d): over a year its mean length
stays d (exactly, for starts spread over the working time of a periodic calendar), longer
across Christmas, Holy Week or a weekend, shorter in an ordinary week. The search adds the
change after(t, rho * d) - t - d to its stage sum (:meth:`WorkingDays.delay`); with rho = 1
(no day off in that year) it is exactly 0 until the first day off, so a calendar with every
day a working day keeps every digit (common random numbers). A hire's first day, on or after
t, is ``next_working(t)``: t itself on a working day, else the start of the next working day.

The table of working days is built once per scenario and location (:func:`working_days`,
cached by identity, rho with it): the arithmetic is two list look-ups, since it runs for every
finalist of every search. It covers the horizon and a year beyond; past its end every day
counts as a working day (only times after the horizon are computed there, and they stay after
it).
"""

from __future__ import annotations

import bisect
import datetime
import math

from botsim.inputs.caching import by_identity
from botsim.inputs.scenario import WEEKDAYS, Scenario, WorkingCalendar

TABLE_MARGIN_DAYS = 400
"""Days the table reaches beyond the horizon (an implementation bound, not a model value: a
stage ending after the horizon is never reported, and beyond the table time stays monotone)."""


class WorkingDays:
    """The working days of one location from engagement day 0 (see the module docstring)."""

    __slots__ = ("before", "days", "next_off", "rho", "working")

    def __init__(self, working: list[bool], rho: float = 1.0) -> None:
        self.working = working  # day k is a working day
        self.rho = rho  # working days per calendar day of a stage (working_share)
        self.days = [k for k, works in enumerate(working) if works]  # the j-th working day
        before, count = [], 0
        for works in working:
            before.append(count)
            count += works
        before.append(count)
        self.before = before  # working days before day k (k = 0..len(working))
        next_off, off = [0] * len(working), len(working)
        for k in range(len(working) - 1, -1, -1):
            if not working[k]:
                off = k
            next_off[k] = off
        self.next_off = next_off  # the first day off on or after day k (len: none)

    @classmethod
    def of(cls, start: datetime.date, calendar: WorkingCalendar, n_days: int) -> WorkingDays:
        """Days 0..n_days-1 from ``start`` under the location's ``WorkingCalendar``, with rho
        the working share of the calendar year of ``start`` (:func:`working_share`)."""
        weekend = {WEEKDAYS.index(name) for name in calendar.weekend}
        last = start + datetime.timedelta(days=n_days - 1)
        off = calendar.days_off(start, last)
        one = datetime.timedelta(days=1)
        working, day = [], start
        for _ in range(n_days):
            working.append(day.weekday() not in weekend and day not in off)
            day += one
        return cls(working, working_share(calendar, start.year))

    def elapsed(self, t: float) -> float:
        """W(t): working days elapsed from day 0 to time ``t``."""
        k = int(t)
        if k >= len(self.working):
            return self.before[-1] + (t - len(self.working))
        return self.before[k] + (t - k if self.working[k] else 0.0)

    def after(self, t: float, d: float) -> float:
        """The time at which ``d`` working days have passed since ``t`` (t when d = 0)."""
        if d <= 0.0:
            return t
        w = self.elapsed(t) + d
        j = math.ceil(w) - 1  # the working day (0-based) in which the stage ends
        if j < len(self.days):
            return self.days[j] + (w - j)
        return len(self.working) + (w - self.before[-1])

    def delay(self, t: float, d: float) -> float:
        """Calendar days a stage block of ``d`` calendar days started at ``t`` lasts beyond
        ``d`` once its rho * d working days are laid on the calendar: after(t, rho * d) - t - d
        (negative in an ordinary week, positive across days off; module docstring). With
        rho = 1 exactly 0.0 when it meets no day off, so a time computed as t + d keeps its
        last digit where the calendar does not act."""
        if d <= 0.0:
            return 0.0
        if self.rho != 1.0:
            return self.after(t, self.rho * d) - t - d
        k = int(t)
        if k >= len(self.working) or t + d <= self.next_off[k]:
            return 0.0
        return self.after(t, d) - t - d

    def next_working(self, t: float) -> float:
        """``t`` on a working day, else the start of the next working day."""
        k = int(t)
        if k >= len(self.working) or self.working[k]:
            return t
        j = self.before[k]  # working days before k: the next one is the j-th
        return float(self.days[j]) if j < len(self.days) else float(len(self.working))

    def count(self, first: int, last: int) -> int:
        """Working days among days first..last-1 (for tests and reports)."""
        return bisect.bisect_left(self.days, last) - bisect.bisect_left(self.days, first)


def working_share(calendar: WorkingCalendar, year: int) -> float:
    """rho: the share of the days of calendar ``year`` that are working days under
    ``calendar`` (exactly 1.0 when none is off)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    weekend = {WEEKDAYS.index(name) for name in calendar.weekend}
    off = calendar.days_off(first, last)
    n_days = (last - first).days + 1
    one = datetime.timedelta(days=1)
    working, day = 0, first
    for _ in range(n_days):
        working += day.weekday() not in weekend and day not in off
        day += one
    return working / n_days


@by_identity()
def working_days(scenario: Scenario) -> dict[str, WorkingDays]:
    """The working days of each location with a working calendar, when the scenario has a
    start date (else none: the calendar is not in force); once per scenario."""
    if scenario.start_date is None:
        return {}
    start = scenario.start_date.replace(day=1)  # month 0 is the start date's whole month
    n_days = math.ceil(scenario.horizon_days) + TABLE_MARGIN_DAYS
    return {
        loc.name: WorkingDays.of(start, loc.working_calendar, n_days)
        for loc in scenario.locations
        if loc.working_calendar is not None
    }
