"""Recruiting: the plan's requisitions, the recruiters who work them, the candidate funnel of
one requisition, and training-class start days.

The recruitment component (:class:`Recruitment`) opens one requisition per new planned seat at
each plan step (and for every backfill, no-show and external lead); a requisition waits for a
free recruiter slot (first come, first served), searches the funnel until an offer is accepted,
then waits out the hire's notice (and the next training class); the hire then starts work, or
does not show up and the seat is requisitioned again.

Funnel model (docs/model.md, "Recruiting"). While a recruiter works a requisition, applicants
arrive as a Poisson stream of rate a = applicants_per_week / 7 per day. Each passes stage k with
probability p_k, so finalists (who pass every stage) arrive as a thinned Poisson stream of rate
a * prod(p_k); a finalist reaches the offer answer after the sum of the stage durations and the
offer duration, and accepts with probability q. Candidates progress in parallel, so the search
ends at the earliest answer time of an accepting finalist:

    T = min { A_j + D_j : finalist j accepts }

Finalists who declined before T are the declined offers; those still in process at T withdraw.
This is exact for the stated process and costs one wait of the requisition's task per search.

With a calendar (issue 17; :class:`SearchCalendar`), the applicant rate follows the calendar
month's seasonal multiplier (finalists placed by a change of time), the acceptance the answer
month's, and an ``offers`` hiring freeze holds offers until it ends; a ``searches`` freeze
delays the search start, and the recruiter plan changes the slots (:class:`RecruiterSlots`).
With a location's working calendar (:mod:`botsim.model.workdays`) the stages' calendar days
are laid on its working days (same yearly mean) and hires start on working days
(:func:`first_working_day`); a notice buy-out shortens the notice of a share of the hires
(:meth:`Recruitment.buy_out`).

The funnel's parameters are prepared once per ``Recruiting`` (:func:`funnel_of`): the search
loop then only draws and adds, which matters because it runs for every finalist of every
requisition of every replication.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from botsim.inputs.caching import by_identity
from botsim.inputs.distributions import Distribution, Fixed, Triangular
from botsim.inputs.scenario import (
    DAYS_PER_MONTH,
    MONTHS_PER_YEAR,
    SEARCH_FINALIST_LIMIT,
    Location,
    Policy,
    Recruiting,
    Scenario,
    TrainingClasses,
)
from botsim.model.random import UniformBlocks
from botsim.model.records import NOTICE_BOUGHT_OUT, RequisitionReason
from botsim.model.tasks import start
from botsim.model.workdays import WorkingDays, working_days

if TYPE_CHECKING:
    from botsim.model.desk import RoleDesk
    from botsim.model.engagement import Engagement

Draw = Callable[[np.random.Generator], float]
"""Draws one duration (days) from a generator."""


def duration_draw(dist: Distribution) -> Draw:
    """A draw function equal to ``dist.sample(rng)``, draw for draw, with less overhead."""
    if isinstance(dist, Fixed):
        value = dist.value
        return lambda rng: value
    if isinstance(dist, Triangular):
        quantile = dist.quantile()
        return lambda rng: quantile(rng.random())
    return dist.sample


UniformDuration = float | Callable[[float], float]
"""A duration the search draws from its block of uniforms: a fixed number of days, or the
inverse CDF of a Triangular (one uniform each)."""


def uniform_duration(dist: Distribution) -> UniformDuration | None:
    """``dist`` as a :data:`UniformDuration`, or None when it is neither Fixed nor Triangular."""
    if isinstance(dist, Fixed):
        return float(dist.value)
    if isinstance(dist, Triangular):
        return dist.quantile()
    return None


@dataclass(frozen=True)
class Funnel:
    """A location's candidate funnel, prepared for the search loop.

    ``durations`` are the offer duration then each stage's, in the order they are drawn;
    ``uniform_durations`` the same when all are Fixed or Triangular (the usual profile), drawn
    from the search's block of uniforms (``search``).
    """

    finalist_gap: float  # mean days between finalists of one requisition
    durations: tuple[Draw, ...]
    offer_acceptance: float
    uniform_durations: tuple[UniformDuration, ...] | None = None
    uniforms_per_finalist: int = 0  # with uniform durations: the gap, the Triangulars, the answer

    @classmethod
    def from_recruiting(cls, recruiting: Recruiting) -> Funnel:
        finalist_rate = recruiting.applicants_per_week / 7.0 * recruiting.finalist_probability
        dists = [recruiting.offer_duration, *(stage.duration for stage in recruiting.stages)]
        uniform = tuple(uniform_duration(d) for d in dists)
        return cls(
            finalist_gap=1.0 / finalist_rate,
            durations=tuple(duration_draw(d) for d in dists),
            offer_acceptance=recruiting.offer_acceptance,
            uniform_durations=None if None in uniform else uniform,
            uniforms_per_finalist=2 + sum(1 for d in dists if isinstance(d, Triangular)),
        )


@by_identity(maxsize=256)
def funnel_of(recruiting: Recruiting) -> Funnel:
    """The prepared funnel of ``recruiting`` (once per Recruiting: it is frozen)."""
    return Funnel.from_recruiting(recruiting)


class SearchCalendar:
    """Calendar effects on one location's searches (docs/model.md, "Calendar, seasons and
    freezes"): seasonal applicant flow by a change of time, seasonal offer acceptance by the
    month of the answer, and offers held through an ``offers`` hiring freeze.

    Applicants arrive at rate a x s(t), s the month's multiplier. Finalists are drawn as today
    in operational time u (unit-rate gaps of mean ``finalist_gap``) and placed at the real time
    t with integral from the search start to t of s = u: the same uniforms give the same
    finalists, only moved in time (where s = 1 everywhere, not moved at all).
    """

    __slots__ = ("acceptance", "applicants", "offer_freezes", "offset", "workdays")

    def __init__(
        self,
        offset: int | None,
        applicants: tuple[float, ...] | None,
        acceptance: tuple[float, ...] | None,
        offer_freezes: tuple[tuple[float, float], ...],
        workdays: WorkingDays | None = None,
    ) -> None:
        self.offset = offset or 0  # calendar month (0 = January) of engagement month 0
        self.applicants = applicants  # multipliers January..December, or None
        self.acceptance = acceptance
        self.offer_freezes = offer_freezes  # (start day, end day) of each offers freeze
        self.workdays = workdays  # the location's working days (stages laid on them), or None

    @classmethod
    def of(cls, scenario: Scenario, location: Location) -> SearchCalendar | None:
        """The location's search calendar, or None when nothing of it is in force."""
        freezes = tuple(
            (f.from_month * DAYS_PER_MONTH, f.to_month * DAYS_PER_MONTH)
            for f in scenario.policy.hiring_freezes
            if f.scope == "offers"
        )
        offset = scenario.calendar_month(0)
        season = location.seasonality
        applicants = acceptance = None
        if offset is not None:  # seasons only with a calendar (a start date)
            applicants = _seasonal(season.applicants)
            acceptance = _seasonal(season.offer_acceptance)
        workdays = working_days(scenario).get(location.name)  # issue 17: working calendar
        if applicants is None and acceptance is None and not freezes and workdays is None:
            return None
        return cls(offset, applicants, acceptance, freezes, workdays)

    def factor(self, values: tuple[float, ...], day: float) -> float:
        """The multiplier of ``values`` in the calendar month of ``day``."""
        return values[(self.offset + int(day // DAYS_PER_MONTH)) % MONTHS_PER_YEAR]

    def real_days(self, start: float, operational: float) -> float:
        """Days after ``start`` at which ``operational`` days of unit-rate flow have passed."""
        values = self.applicants
        if values is None:
            return operational
        t, left = start, operational
        k = int(t // DAYS_PER_MONTH)
        while True:
            s = values[(self.offset + k) % MONTHS_PER_YEAR]
            end = (k + 1) * DAYS_PER_MONTH
            if s > 0:
                if left <= (end - t) * s:
                    return t + left / s - start
                left -= (end - t) * s
            t, k = end, k + 1

    def held(self, day: float) -> float:
        """``day``, or the end of the offers freeze it falls in (of the last of touching ones)."""
        moved = True
        while moved:
            moved = False
            for begin, end in self.offer_freezes:
                if begin <= day < end:
                    day, moved = end, True
        return day

    def answer(
        self, start: float, answer: float, offer: float, acceptance: float
    ) -> tuple[float, float]:
        """A finalist's answer (days after ``start``) and acceptance probability with the
        calendar: an offer due inside an offers freeze is extended at its end, an answer due
        inside one is given at its end; acceptance x the answer month's multiplier, at most 1."""
        day = start + answer
        if self.offer_freezes:
            extended = day - offer
            held = self.held(extended)
            if held != extended:
                day = held + offer
            day = self.held(day)
        if self.acceptance is not None:
            acceptance = min(1.0, acceptance * self.factor(self.acceptance, day))
        return day - start, acceptance


def _seasonal(values: list[float] | None) -> tuple[float, ...] | None:
    """The twelve multipliers when one differs from 1 (else None: nothing to apply)."""
    if values is None or all(v == 1 for v in values):
        return None
    return tuple(values)


class SearchLimitError(RuntimeError):
    """A candidate search drew ``SEARCH_FINALIST_LIMIT`` finalists without ending.

    The schema's bounds make this impossible for a valid scenario (``MAX_FINALISTS_PER_SEARCH``);
    it guards the loop against a scenario built around validation.
    """


def _search_limit_error(limit: int) -> SearchLimitError:
    return SearchLimitError(
        f"a candidate search drew {limit:,} finalists without an accepted offer ending it "
        "(the defensive limit SEARCH_FINALIST_LIMIT): recruiting.offer_duration and the "
        "stages' duration are too long for recruiting.applicants_per_week and "
        "offer_acceptance (a valid scenario stays below MAX_FINALISTS_PER_SEARCH)"
    )


@dataclass(frozen=True)
class SearchOutcome:
    """Result of one candidate search: days until an offer is accepted, offers declined."""

    duration: float
    offers_declined: int


SINGLE_SEARCH_BLOCK = 32
"""Uniforms drawn ahead by a one-off :func:`search_candidates` call (a few finalists' worth)."""


def search_candidates(
    rng: np.random.Generator | UniformBlocks, recruiting: Recruiting
) -> SearchOutcome:
    """Days from the start of active recruiting to an accepted offer (see module docstring).

    A bare generator is wrapped for this one search; to run many, pass one
    :class:`~botsim.model.random.UniformBlocks` of it (as the simulation does).
    """
    source = rng if isinstance(rng, UniformBlocks) else UniformBlocks(rng, SINGLE_SEARCH_BLOCK)
    return SearchOutcome(*search(source, funnel_of(recruiting)))


def search(
    source: UniformBlocks,
    funnel: Funnel,
    limit: int = SEARCH_FINALIST_LIMIT,
    calendar: SearchCalendar | None = None,
    start: float = 0.0,
) -> tuple[float, int]:
    """``search_candidates`` on a prepared funnel, as a plain (days, offers declined) tuple:
    the form the simulation calls once per requisition.

    Raises :class:`SearchLimitError` after drawing more than ``limit`` finalists (a bound far
    beyond what a valid scenario needs; checked only when a block of uniforms is used up with
    uniform durations, so the loop itself does no extra work).

    With Fixed and Triangular durations (the usual profile) every draw comes from the
    uniforms of ``source``: a finalist's inter-arrival gap is Exponential by inversion,
    -gap * log(1 - u); each Triangular duration the inversion of its CDF (as numpy's
    ``Generator.triangular``, ``triangular_quantile``); the answer one more uniform against the
    offer acceptance.
    Other duration distributions draw from the generator itself.

    With a ``calendar`` (:class:`SearchCalendar`, the search starting on day ``start``) each
    finalist's arrival is moved by the seasonal applicant flow and its answer by offers freezes,
    and the offer acceptance follows the answer's month: the same uniforms, in the same order.
    """
    best = math.inf
    arrival = 0.0
    declined_answers: list[float] = []  # answer days of finalists who declined
    gap, acceptance = funnel.finalist_gap, funnel.offer_acceptance
    durations = funnel.uniform_durations
    if durations is None:
        rng = source.rng
        exponential, uniform = rng.exponential, rng.random
        offer_draw, stage_draws = funnel.durations[0], funnel.durations[1:]
        for _ in range(limit + 1):
            arrival += exponential(gap)
            at = arrival if calendar is None else calendar.real_days(start, arrival)
            if at >= best:
                break
            offer = offer_draw(rng)
            answer = at + offer
            if calendar is None or calendar.workdays is None:
                for draw in stage_draws:
                    answer += draw(rng)
            else:  # the stages laid on working days (the offer's answer: calendar days)
                stages = 0.0
                for draw in stage_draws:
                    duration = draw(rng)
                    answer += duration
                    stages += duration
                answer += calendar.workdays.delay(start + at, stages)
            q = acceptance
            if calendar is not None:
                answer, q = calendar.answer(start, answer, offer, acceptance)
            if uniform() >= q:
                declined_answers.append(answer)
            elif answer < best:
                best = answer
        else:
            raise _search_limit_error(limit)
    else:
        # Uniforms per finalist: the gap, one per Triangular duration, the answer.
        per_finalist = funnel.uniforms_per_finalist
        values, i = source.values, source.index
        log1p = math.log1p
        used, most = -i, (limit + 1) * per_finalist  # uniforms used before the last refill
        while True:
            if i + per_finalist > len(values):
                used += i
                if used > most:
                    raise _search_limit_error(limit)
                values, i = source.refill(i, per_finalist), 0
            arrival -= gap * log1p(-values[i])
            i += 1
            at = arrival if calendar is None else calendar.real_days(start, arrival)
            if at >= best:
                break
            answer, first = at, i
            for duration in durations:
                if type(duration) is float:
                    answer += duration
                else:
                    answer += duration(values[i])
                    i += 1
            if calendar is None:
                accepts = values[i] < acceptance
            else:  # the offer duration is the first drawn (from the finalist's first uniform)
                offer = durations[0]
                offer = offer if type(offer) is float else offer(values[first])
                if calendar.workdays is not None:
                    answer += _working_delay(
                        calendar.workdays, start + at, durations, values, first
                    )
                answer, q = calendar.answer(start, answer, offer, acceptance)
                accepts = values[i] < q
            i += 1
            if not accepts:
                declined_answers.append(answer)
            elif answer < best:
                best = answer
        source.index = i
    declined = 0
    for answer in declined_answers:
        if answer < best:
            declined += 1
    return best, declined


def _working_delay(
    workdays: WorkingDays,
    arrival: float,
    durations: tuple[UniformDuration, ...],
    values: list[float],
    first: int,
) -> float:
    """The days a finalist's answer moves when the stages are laid on working days: the
    stages (``durations[1:]``, from the finalist's uniforms after ``first``, in calendar days)
    run from the ``arrival`` day for rho times as many working days (:meth:`WorkingDays.delay`);
    the offer's answer (``durations[0]``) follows in calendar days."""
    i = first + (type(durations[0]) is not float)
    stages = 0.0
    for duration in durations[1:]:
        if type(duration) is float:
            stages += duration
        else:
            stages += duration(values[i])
            i += 1
    return workdays.delay(arrival, stages)


class RecruiterSlots:
    """A location's recruiter slots (recruiters x requisitions each), first come, first served.

    A requisition takes a free slot at once, without an event (:meth:`acquire` returns None),
    or waits in line on the event it gets. A release hands the slot to the first in line in
    the same step, or frees it. The same service order as a ``simpy.Resource`` of that
    capacity, without its Request and Release events.
    """

    __slots__ = ("busy", "capacity", "env", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        self.env = env
        self.capacity = capacity
        self.busy = 0
        self.waiting: deque[simpy.Event] = deque()

    def acquire(self) -> simpy.Event | None:
        """Take a slot: None when one was free (taken now), else the event granting one."""
        if self.busy < self.capacity:
            self.busy += 1
            return None
        granted = self.env.event()
        self.waiting.append(granted)
        return granted

    def release(self) -> None:
        """Give the slot back: to the first requisition in line, or free (also when the
        capacity has fallen below the slots in use: the slot goes)."""
        if self.waiting and self.busy <= self.capacity:
            self.waiting.popleft().succeed()
        else:
            self.busy -= 1

    def set_capacity(self, capacity: int) -> None:
        """A new number of slots (the recruiter plan): extra slots go to the requisitions in
        line at once; fewer slots let the ones in use finish and take no new ones."""
        self.capacity = capacity
        while self.waiting and self.busy < capacity:
            self.busy += 1
            self.waiting.popleft().succeed()


def next_class_day(day: float, classes: TrainingClasses | None) -> float:
    """First training-class start on or after ``day`` (``day`` itself when there are no classes)."""
    if classes is None:
        return day
    if day <= classes.first_class_day:
        return classes.first_class_day
    k = math.ceil((day - classes.first_class_day) / classes.interval_days - 1e-12)
    return classes.first_class_day + k * classes.interval_days


def first_working_day(
    day: float, classes: TrainingClasses | None, workdays: WorkingDays | None
) -> float:
    """A hire ready on ``day`` starts on the first class start on or after it, each class
    moved to its next working day (without classes: ``day`` moved to a working day; issue 17,
    "Working calendar"). Without working days: :func:`next_class_day`."""
    if workdays is None:
        return next_class_day(day, classes)
    if classes is None:
        return workdays.next_working(day)
    scheduled = next_class_day(day, classes)
    start = workdays.next_working(scheduled)
    # An earlier class moved past a holiday may still be ahead of ``day``.
    earlier = scheduled - classes.interval_days
    while earlier >= classes.first_class_day:
        moved = workdays.next_working(earlier)
        if moved < day:
            break
        start, earlier = moved, earlier - classes.interval_days
    return start


def expected_candidate_days(recruiting: Recruiting) -> float:
    """Mean days one applicant spends in the funnel (stages reached, plus the offer if reached).

    Used with Little's law for the expected number of candidates in process per active
    requisition: L = (applicants_per_week / 7) * expected_candidate_days.
    """
    days, reach = 0.0, 1.0
    for stage in recruiting.stages:
        days += reach * stage.duration.mean
        reach *= stage.pass_rate
    return days + reach * recruiting.offer_duration.mean


class Recruitment:
    """The requisitions of an engagement, from the plan's steps to a hire's first day."""

    def __init__(self, engagement: Engagement) -> None:
        self.engagement = engagement
        self.env, self.recorder = engagement.env, engagement.recorder
        scenario = engagement.scenario
        self.training_classes = scenario.policy.training_classes
        self.policy: Policy = scenario.policy
        self.search_freezes = any(f.scope == "searches" for f in scenario.policy.hiring_freezes)
        self.calendars = {loc.name: SearchCalendar.of(scenario, loc) for loc in scenario.locations}
        self.workdays = working_days(scenario)  # issue 17: locations with a working calendar

    def start_plans(self) -> None:
        """Start every location's recruiter plan and every role's plan (at time 0)."""
        slots = {desk.location.name: desk for desk in self.engagement.desks}
        for desk in slots.values():
            if desk.location.recruiting.recruiter_plan:
                start(self.env, self.recruiter_planning(desk))
        for desk in self.engagement.desks:
            start(self.env, self.planning(desk))

    def recruiter_planning(self, desk: RoleDesk):
        """Change the location's recruiter slots at each step of its recruiter plan."""
        recruiting = desk.location.recruiting
        for step in recruiting.recruiter_plan:
            day = step.month * DAYS_PER_MONTH
            if day > self.env.now:
                yield day - self.env.now
            desk.recruiters.set_capacity(step.recruiters * recruiting.requisitions_per_recruiter)

    def planning(self, desk: RoleDesk):
        """Open one requisition per new planned seat at each step of the role's plan."""
        engagement = self.engagement
        previous = 0
        for step in desk.role.plan:
            day = step.month * DAYS_PER_MONTH
            if day > self.env.now:
                yield day - self.env.now
            change = step.headcount - previous
            if change < 0:  # a ramp-down (docs/model.md, "Ramp-down and layoffs")
                engagement.workforce.reduce(desk, -change)
            elif desk.surplus:  # seats still to be removed are restored first
                change = engagement.workforce.restore(desk, change)
            for _ in range(max(change, 0)):
                self.open_requisition(desk, RequisitionReason.PLAN)
            previous = step.headcount
            engagement.management.staff_leads(desk.team)
            engagement.workforce.note_if_full()

    def open_requisition(
        self, desk: RoleDesk, reason: RequisitionReason, lead: bool = False
    ) -> None:
        req_id = self.engagement.new_id()
        self.recorder.requisition_opened(self.env.now, req_id, desk.index, reason)
        desk.open_requisitions += 1
        start(self.env, self.recruiting(desk, req_id, lead))

    def buy_out(self, desk: RoleDesk, req_id: int, notice: float, u: float) -> float:
        """The notice left to serve after a buy-out (docs/model.md, "Notice buy-out"): with
        probability ``share`` (``u`` < share) a hire with notice to serve has min(notice,
        max_days) of it bought, recorded with the days bought for the cost ledger."""
        buyout = desk.notice_buyout
        if notice <= 0.0 or u >= buyout.share:
            return notice
        bought = notice if buyout.max_days is None else min(notice, buyout.max_days)
        self.recorder.record(self.env.now, NOTICE_BOUGHT_OUT, req_id, desk.index, value=bought)
        return notice - bought

    def recruiting(self, desk: RoleDesk, req_id: int, lead: bool):
        """Wait for a recruiter, search until an offer is accepted, then the hire's notice;
        the hire then works on in this process (``Workforce.working``)."""
        env, recorder = self.env, self.recorder
        recruiters = desk.recruiters
        in_line = recruiters.acquire()
        if in_line is not None:
            yield in_line
        while self.search_freezes:  # no search starts inside a 'searches' freeze: wait it out
            thawed = self.policy.freeze_end("searches", env.now)  # (windows may touch)
            if thawed <= env.now:
                break
            yield thawed - env.now
        recorder.search_started(env.now, req_id, desk.index)
        desk.searching += 1
        try:
            duration, offers_declined = search(
                desk.search_uniforms,
                desk.funnel,
                calendar=self.calendars[desk.location.name],
                start=env.now,
            )
        except SearchLimitError as exc:  # name the location whose fields make it endless
            where = self.engagement.scenario.locations.index(desk.location)
            raise SearchLimitError(f"locations[{where}] ({desk.location.name}): {exc}") from None
        yield duration
        recruiters.release()
        recorder.offer_accepted(env.now, req_id, desk.index, offers_declined)
        desk.searching -= 1
        desk.open_requisitions -= 1
        desk.accepted_in_notice += 1
        rng = desk.onboarding_rng
        notice = desk.candidate_notice(rng)  # drawn even when waived: the stream stays aligned
        shows_up = rng.random() >= desk.no_show
        if desk.availability_rng is not None and (
            desk.availability_rng.random() < desk.immediate_start_share
        ):
            notice = 0.0  # available at once
        if desk.buyout_rng is not None:  # issue 17: one uniform per accepted offer
            notice = self.buy_out(desk, req_id, notice, desk.buyout_rng.random())
        first_day = first_working_day(
            env.now + notice, self.training_classes, self.workdays.get(desk.location.name)
        )
        yield first_day - env.now
        desk.accepted_in_notice -= 1
        if not shows_up:
            recorder.no_show(env.now, req_id, desk.index)
            reason = RequisitionReason.LEAD if lead else RequisitionReason.NO_SHOW
            self.open_requisition(desk, reason, lead)
            return
        if lead:
            desk.team.pending_leads -= 1
        workforce = self.engagement.workforce
        yield from workforce.working(desk, workforce.hire(desk, req_id, lead))
