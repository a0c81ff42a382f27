"""The steering review's month-end ledger: the readiness criteria of a ``when_ready`` review,
kept month by month from the records instead of re-computed from all of them.

A steering review asks whether every readiness criterion holds at month-end m on the records
so far; :func:`botsim.readiness.ready_to_transfer` answers by running the metrics pipeline on
them (a horizon cut at m). The ledger reads each record once, closes each month-end when the
records have passed it, and answers from its counts: the same whole numbers as the metrics
(headcounts, leads, exits, tenured-and-ramped agents, the full-team day), the same Python
arithmetic for documentation, trailing attrition, retention, lead coverage and client
capacity. Only effective FTE and the ramping counts are summed here in Python floats where the
metrics use numpy; where one of those lies within rounding distance of its threshold the ledger
says "uncertain" and the review falls back to the full evaluation. So its answers are the full
evaluation's: decisions never change (tested month by month against ``ready_to_transfer``).

Month-end k is closed once a record later than day k * D has been read, or the review's clock
has passed it: every event before the clock has happened (a discrete-event simulation
processes events in time order). The month-end of the review itself stays open: more records
may come at that very moment, after the review.
"""

from __future__ import annotations

import bisect
import math
from typing import NamedTuple

import numpy as np

from botsim.metrics import target_steps
from botsim.model.rampup import productivity_of
from botsim.readiness import (
    _EPS,
    RETENTION_WINDOW,
    annualised,
    client_capacity,
    client_coverage,
    client_output_factor,
    demand_weights,
    documentation_growth_months,
    documentation_step,
    lead_teams,
)
from botsim.records import ENTITY_READY, EXITED, HIRED, LEAD, Event
from botsim.scenario import DAYS_PER_MONTH, Scenario

RAMPED_BAND = 1e-10
"""A productivity within this of the ``1 - 1e-9`` "still ramping" threshold is uncertain here
(the metrics' numpy ``exp`` may differ from ``math.exp`` in the last bits; the overload
adjustment interpolates in a different order)."""

FTE_BAND = 1e-12
"""Per (agents + 1) squared: the rounding distance between this module's float sum of ramp
shares and the metrics' numpy sum (same order, possibly different last bits), with room."""

DOCUMENTATION_SLACK = 1e-6
"""Documentation coverage within this of its threshold counts as possibly reaching it (the
look-ahead of :meth:`ReadinessLedger.ready` bounds the growth with float steps)."""

FULL_RAMP_SLACK_DAYS = 1e-6
"""Tenure past training + ramp beyond which a ramp share is surely exactly 1 (no float doubt)."""


class MonthEnd(NamedTuple):
    """What the ledger keeps of one closed month-end (as the metrics compute it)."""

    heads: int  # agents present
    leads: int  # leads present
    attrition_exits: int  # agents who left in the month (promotions to lead excluded)
    target: float  # planned headcount in force
    teams: tuple[tuple[int, int], ...]  # (agents, leads) per lead team
    overloaded: tuple[bool, ...]  # per role: its team has more agents than span x leads
    overloaded_days: tuple[float, ...]  # per role: overloaded days so far (the metrics' cumsum)
    documentation: float | None  # None when a tenured-and-ramped count was uncertain
    full: bool  # the team was full (the metrics' fill time) by this month-end
    starts: tuple[list[float], ...] | None  # agents present: start days per role, hire order


_new_month_end = tuple.__new__


class ReadinessLedger:
    """Month-end counts of one replication, read from its records as they grow.

    ``keep_starts_from``: the first month-end whose agents' start days are kept for the
    effective-FTE check (a review at month m looks back ``readiness.stable_months``); by
    default from the earliest month a ``when_ready`` transfer may start.
    """

    def __init__(self, scenario: Scenario, keep_starts_from: int | None = None) -> None:
        self.scenario = scenario
        roles = scenario.roles
        mgmt = scenario.management
        rd = scenario.readiness
        self.months: list[MonthEnd] = []  # closed month-ends, month k at index k - 1
        # The first month-end at which the criteria could all hold, as far as the closed
        # month-ends tell (raised by ready() when a final one fails).
        self.next_possible = 0
        if keep_starts_from is None:
            keep_starts_from = (scenario.transfer.earliest_month or 0) - rd.stable_months + 1
        self._keep_starts_from = keep_starts_from
        self._seen = 0
        self._agents: list[dict[int, float]] = [{} for _ in roles]  # id -> start, hire order
        self._leads: dict[int, tuple[float, int]] = {}  # id -> (start, team)
        teams = lead_teams(scenario)
        self._team_of = [0] * len(roles)
        for t, members in enumerate(teams):
            for r in members:
                self._team_of[r] = t
        self._team_agents = [0] * len(teams)
        self._team_leads = [0] * len(teams)
        self._heads = 0
        self._attrition_exits = 0
        self._tenured_exits = 0
        # Running sums of attrition exits and agent headcounts over the closed month-ends.
        self._cum_exits = [0]
        self._cum_heads = [0]
        self._ready_days: list[float] = []
        self._no_overload = (False,) * len(roles)
        self._no_days = (0.0,) * len(roles)
        # The full-team day (metrics.fill_times): checked at each day with agent events, once
        # that day is complete, and at each plan step day.
        self.full_day = math.inf
        self._check_day = math.inf
        days, targets = target_steps(scenario)
        self._step_days, self._step_targets = days.tolist(), targets.tolist()
        self._next_step = 0
        self._next_stop = 0.0
        self._update_next_stop()
        # Constants of the criteria.
        self._span = mgmt.span_of_control if mgmt is not None else None
        self._slow = 1.0 - mgmt.overload.ramp_speed if mgmt is not None else 0.0
        self._output_multiplier = mgmt.overload.output_multiplier if mgmt is not None else 1.0
        ramps = [scenario.ramp_for(role) for role in roles]
        self._productivity = [productivity_of(ramp) for ramp in ramps]
        self._training = [float(ramp.training_days) for ramp in ramps]
        self._tenured_days = scenario.knowledge.tenured_months * DAYS_PER_MONTH
        # Tenures past which a ramp share is surely exactly 1.
        self._ramp_done = [
            ramp.training_days + ramp.ramp_days + FULL_RAMP_SLACK_DAYS for ramp in ramps
        ]
        self._surely_ramped = [max(self._tenured_days, done) for done in self._ramp_done]
        build = scenario.build_max_months
        self._build_end = math.inf if build is None else build * DAYS_PER_MONTH
        self._demand_weight = demand_weights(scenario) or [0.0] * len(roles)

    # -- reading the records ---------------------------------------------------------------

    def _update_next_stop(self) -> None:
        step = (
            self._step_days[self._next_step]
            if self.full_day == math.inf and self._next_step < len(self._step_days)
            else math.inf
        )
        self._next_stop = min(self._check_day, step, (len(self.months) + 1) * DAYS_PER_MONTH)

    def catch_up(self, events: list[Event], now: float) -> None:
        """Read the records added since the last call; close the month-ends before ``now``."""
        agents, leads = self._agents, self._leads
        tenured_days = self._tenured_days
        for day, kind, subject, role, detail, _ in events[self._seen :]:
            if kind == HIRED:
                if day > self._next_stop:
                    self._advance_to(day)
                if detail == LEAD:
                    team = self._team_of[role]
                    leads[subject] = (day, team)
                    self._team_leads[team] += 1
                    continue
                agents[role][subject] = day
                self._team_agents[self._team_of[role]] += 1
                self._heads += 1
            elif kind == EXITED:
                if day > self._next_stop:
                    self._advance_to(day)
                lead = leads.pop(subject, None)
                if lead is not None:
                    start, team = lead
                    self._team_leads[team] -= 1
                    if day - start >= tenured_days:
                        self._tenured_exits += 1
                    continue
                start = agents[role].pop(subject)
                self._team_agents[self._team_of[role]] -= 1
                self._heads -= 1
                if detail != "promoted":
                    self._attrition_exits += 1
                if day - start >= tenured_days:
                    self._tenured_exits += 1
            else:
                if kind == ENTITY_READY:
                    self._ready_days.append(day)
                continue
            # An agent came or went: check the full team once the day is complete.
            if self.full_day == math.inf and day < self._check_day:
                self._check_day = day
                if day < self._next_stop:
                    self._next_stop = day
        self._seen = len(events)
        if now > self._next_stop:
            self._advance_to(now)

    def _advance_to(self, day: float) -> None:
        """Process the stops (full-team checks, plan steps, month-ends) strictly before ``day``:
        every record up to each of them has been read. A check on a month-end comes first."""
        steps = self._step_days
        while self._next_stop < day:
            stop = self._next_stop
            if self.full_day != math.inf:  # only month-ends are left to stop at
                self._close_month()
                self._next_stop = (len(self.months) + 1) * DAYS_PER_MONTH
                continue
            is_step = self._next_step < len(steps) and steps[self._next_step] == stop
            if stop == self._check_day or is_step:
                if 0 < self._target_on(stop) <= self._heads:
                    self.full_day = stop
                if stop == self._check_day:
                    self._check_day = math.inf
                while self._next_step < len(steps) and steps[self._next_step] <= stop:
                    self._next_step += 1
            else:
                self._close_month()
            self._update_next_stop()

    def _target_on(self, day: float) -> float:
        return self._step_targets[bisect.bisect_right(self._step_days, day)]

    def _close_month(self) -> None:
        month = len(self.months) + 1
        view = self._month_end(month, self.full_day, month >= self._keep_starts_from)
        self.months.append(view)
        cum_exits, cum_heads = self._cum_exits, self._cum_heads
        cum_exits.append(cum_exits[-1] + view.attrition_exits)
        cum_heads.append(cum_heads[-1] + view.heads)
        self._attrition_exits = self._tenured_exits = 0

    def _month_end(self, month: int, full_day: float, keep_starts: bool) -> MonthEnd:
        """Month-end ``month`` (the one after the last closed) from the current state, the team
        first full on ``full_day``; the agents' start days only if ``keep_starts``."""
        end = month * DAYS_PER_MONTH
        previous = self.months[-1] if self.months else None
        teams, overloaded, days = self._overload(previous)
        target = self._target_on(end)
        return _new_month_end(
            MonthEnd,
            (
                self._heads,
                len(self._leads),
                self._attrition_exits,
                target,
                teams,
                overloaded,
                days,
                self._documentation(previous, end, target, full_day),
                end >= full_day,
                tuple([*agents.values()] for agents in self._agents) if keep_starts else None,
            ),
        )

    def _overload(
        self, previous: MonthEnd | None
    ) -> tuple[tuple[tuple[int, int], ...], tuple[bool, ...], tuple[float, ...]]:
        """Team counts, per-role overload flags and overloaded days at the current state."""
        days = previous.overloaded_days if previous else self._no_days
        span = self._span
        if len(self._team_agents) == 1:  # one lead team (every role)
            agents, leads = self._team_agents[0], self._team_leads[0]
            teams = ((agents, leads),)
            if span is None or agents <= span * leads:
                return teams, self._no_overload, days  # adding 0.0 days changes no sum
            return teams, (True,) * len(days), tuple(d + DAYS_PER_MONTH for d in days)
        teams = tuple(zip(self._team_agents, self._team_leads))
        if span is None:
            return teams, self._no_overload, days
        over_team = [agents > span * leads for agents, leads in teams]
        if not any(over_team):
            return teams, self._no_overload, days
        overloaded = tuple(over_team[t] for t in self._team_of)
        days = tuple(d + DAYS_PER_MONTH if o else d + 0.0 for d, o in zip(days, overloaded))
        return teams, overloaded, days

    def _documentation(
        self, previous: MonthEnd | None, end: float, target: float, full_day: float
    ) -> float | None:
        """D at month-end ``end`` from the current state (:func:`documentation_step`; the
        tenured-and-ramped count only matters while documentation grows)."""
        doc = previous.documentation if previous else self.scenario.knowledge.initial
        if doc is None:
            return None
        growing = end >= full_day or end >= self._build_end
        tenured_ramped = self._tenured_ramped(end) if growing else 0
        if tenured_ramped is None:
            return None
        return documentation_step(
            self.scenario.knowledge,
            doc,
            growing,
            tenured_ramped,
            target,
            self._tenured_exits,
            self._heads + len(self._leads),
        )

    def _tenured_ramped(self, end: float) -> int | None:
        """Agents present at ``end`` who are tenured and fully ramped on the plain tenure clock
        (the metrics' T of documentation); None when one of them is within rounding of it."""
        count = 0
        tenured_days = self._tenured_days
        for r, agents in enumerate(self._agents):
            surely = self._surely_ramped[r]
            for start in agents.values():  # earliest first: tenure decreases along the dict
                tenure = end - start
                if tenure >= surely:
                    count += 1
                    continue
                if tenure < tenured_days:
                    break
                share = self._productivity[r](tenure)
                if share >= 1.0 - _EPS + RAMPED_BAND:
                    count += 1
                elif share >= 1.0 - _EPS - RAMPED_BAND:
                    return None
        return count

    # -- the review's question ---------------------------------------------------------------

    def _open_full_day(self, end: float) -> float:
        """The day the team was first full, as the metrics see it at the open month-end
        ``end`` on the records so far (inf: not by then). Checks still pending at the review's
        clock (records of this very moment, a plan step at the month-end) count."""
        if self.full_day <= end:
            return self.full_day
        for day in sorted([self._check_day, *self._step_days[self._next_step :]]):
            if day > end:
                break
            if 0 < self._target_on(day) <= self._heads:
                return day
        return math.inf

    def ready(self, month: int) -> bool | None:
        """Do all readiness criteria hold at month-end ``month`` on the records read so far
        (:meth:`catch_up` to the review's clock first)? None when the answer would need the
        metrics' own float sums (:func:`botsim.readiness.ready_to_transfer` then decides).

        The cheap criteria come first; the open month-end's documentation and effective FTE
        are computed only when everything before them holds.
        """
        scenario = self.scenario
        rd, st = scenario.readiness, scenario.stability
        closed = len(self.months)
        if month > closed + 1:
            raise ValueError(f"month-end {month} is past the open one ({closed + 1})")
        if not 1 <= month <= scenario.horizon_months or month < rd.stable_months:
            return False  # a stable run of stable_months cannot have ended yet
        end = month * DAYS_PER_MONTH
        # Entity: every location's entity ready by the month-end.
        if scenario.transfer.entity_setup_start_month is None or (
            len(self._ready_days) < len(scenario.locations) or max(self._ready_days) > end
        ):
            return False
        is_open = month > closed
        # Lead coverage, min(1, leads / ceil(agents / span)) per team (reference T9), is 1
        # exactly when no team is overloaded: leads >= ceil(agents / span) <=> agents <= span
        # x leads (whole counts).
        if self._span is not None:
            teams = (
                zip(self._team_agents, self._team_leads)
                if is_open
                else self.months[month - 1].teams
            )
            if any(agents > self._span * leads for agents, leads in teams):
                return False
        if is_open:
            open_target, open_full_day = self._target_on(end), self._open_full_day(end)
        # Stable for the last stable_months month-ends: thresholds and trailing attrition,
        # latest first. A closed month-end that fails is final: no stable run of
        # stable_months can end before stable_months after it.
        first = month - rd.stable_months + 1
        stable = True
        for k in range(month, first - 1, -1):
            if k <= closed:
                view = self.months[k - 1]
                target, heads, full = view.target, view.heads, view.full
            else:
                target, heads, full = open_target, self._heads, end >= open_full_day
            if (
                not (target > 0 and full)
                or heads < st.headcount_fraction * target - _EPS
                or not self._trailing(k, st.window_months) <= st.max_annual_attrition
            ):
                if k <= closed:
                    self.next_possible = max(self.next_possible, k + rd.stable_months)
                    return False
                stable = False
        if not stable:
            return False
        # Trailing 12-month retention.
        if rd.min_retention:
            turnover = self._trailing(month, RETENTION_WINDOW)
            retention = 1.0 - turnover if math.isfinite(turnover) else 0.0
            if min(max(retention / rd.min_retention, 0.0), 1.0) < 1.0 - _EPS:
                return False
        # Documentation coverage.
        last = (
            self._month_end(month, open_full_day, keep_starts=True)
            if is_open
            else self.months[month - 1]
        )
        doc = last.documentation
        if rd.min_documentation > 0:
            if doc is None:
                return None
            if min(1.0, doc / rd.min_documentation) < 1.0 - _EPS:
                self._wait_for_documentation()
                return False
        # Effective FTE of the stable months and the client criterion: float sums.
        certain = True
        client = scenario.client
        for k in range(first, month + 1):
            view = self.months[k - 1] if k <= closed else last
            if view.starts is None:
                return None  # not kept: let the full evaluation decide
            fte, demand, exact = self._output(k, view)
            covered = factor = 1.0
            if client is not None:  # the metrics' own functions, on this one month-end
                capacity, needed = client_capacity(scenario, np.array([k])), np.array([demand])
                covered = float(client_coverage(capacity, needed)[0])
                factor = float(client_output_factor(scenario, capacity, needed)[0])
            threshold = st.capacity_fraction * view.target - _EPS
            margin = FTE_BAND * (view.heads + 1) ** 2
            effective = fte * factor
            if not exact or abs(effective - threshold) <= margin:
                certain = False
            elif effective < threshold:
                return False
            if k == month and covered < 1.0 - _EPS:  # client capacity >= demand
                if exact:
                    return False
                certain = False
        return True if certain else None

    def _wait_for_documentation(self) -> None:
        """Raise :attr:`next_possible` to the first month-end documentation could reach its
        threshold from the last closed month-end (the slack covers the rounding of the
        steps)."""
        if not self.months or self.months[-1].documentation is None:
            return
        closed = len(self.months)
        months = documentation_growth_months(
            self.scenario.knowledge,
            self.months[-1].documentation,
            self.scenario.readiness.min_documentation - DOCUMENTATION_SLACK,
            self.scenario.horizon_months - closed,
        )
        self.next_possible = max(self.next_possible, closed + months)

    def _trailing(self, month: int, window: int) -> float:
        """:func:`annualised` attrition over the ``window`` month-ends up to ``month`` (fewer
        at the start), as :func:`botsim.readiness.trailing_rates` gives it; the open
        month-end from the current counts."""
        k = min(month, window)
        closed = min(month, len(self.months))
        exits = self._cum_exits[closed] - self._cum_exits[month - k]
        heads = self._cum_heads[closed] - self._cum_heads[month - k]
        if month > closed:
            exits += self._attrition_exits
            heads += self._heads
        return annualised(exits, heads, k)

    def _output(self, month: int, view: MonthEnd) -> tuple[float, float, bool]:
        """Agents' FTE before the client factor (overload-adjusted ramp and output), client
        demand hours, and whether every ramping count was certain."""
        end = month * DAYS_PER_MONTH
        fte = demand = 0.0
        exact = True
        low, high = 1.0 - _EPS - RAMPED_BAND, 1.0 - _EPS + RAMPED_BAND
        client = self.scenario.client
        rdm = client.ramping_demand_multiplier if client is not None else 1.0
        for r, starts in enumerate(view.starts):
            prod = self._productivity[r]
            by_end = view.overloaded_days[r]
            training = self._training[r]
            total = 0.0
            ramping = 0
            # Past this plain tenure the share is 1 however long the overload slowed it.
            surely = self._ramp_done[r] + self._slow * by_end
            for start in starts:
                tenure = end - start
                if tenure >= surely:
                    total += 1.0
                    continue
                if by_end > 0.0 and start + training < end:
                    ramp_from = start + training
                    tenure -= self._slow * (by_end - self._overloaded_by(r, ramp_from, view))
                share = prod(tenure)
                total += share
                if share < low:
                    ramping += 1
                elif share < high:
                    exact = False
            if view.overloaded[r]:
                total *= self._output_multiplier
            fte += total
            n = len(starts)
            demand += self._demand_weight[r] * ((n - ramping) + rdm * ramping)
        return fte, demand, exact

    def _overloaded_by(self, role: int, day: float, view: MonthEnd) -> float:
        """Overloaded days of ``role`` elapsed by ``day`` (before ``view``'s month-end): linear
        between the month-ends, as the metrics' ``np.interp``."""
        j = int(day // DAYS_PER_MONTH)  # day in [j D, (j + 1) D)
        lo = self.months[j - 1].overloaded_days[role] if j >= 1 else 0.0
        hi = (
            self.months[j].overloaded_days[role]
            if j < len(self.months)
            else view.overloaded_days[role]
        )
        return (hi - lo) / DAYS_PER_MONTH * (day - j * DAYS_PER_MONTH) + lo
