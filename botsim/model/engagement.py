"""Assemble the SimPy model of one engagement from a Scenario and run one replication.

Lifecycle (desmod style): build the environment and entities -> run to the horizon -> hand the
event records back. Nothing here computes a KPI; see :mod:`botsim.metrics`. The only place a
metric is evaluated during a run is the monthly steering review of a ``when_ready`` transfer,
which calls the same pure functions on the records so far (a policy that reads a KPI).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from botsim.model.exits import next_exit_candidate, voluntary_share
from botsim.model.rampup import productivity
from botsim.model.recruiting import next_class_day, search_candidates
from botsim.model.workforce import HazardTable
from botsim.random import ReplicationStreams
from botsim.records import (
    ENTITY_READY,
    ENTITY_SETUP_STARTED,
    EXITED,
    HIRED,
    LEAD,
    NO_SHOW,
    OFFER_ACCEPTED,
    REQUISITION_OPENED,
    RESIGNED,
    SEARCH_STARTED,
    TRANSFER_COMPLETED,
    TRANSFER_STARTED,
    Recorder,
)
from botsim.scenario import DAYS_PER_MONTH, Location, Role, Scenario


@dataclass
class RoleDesk:
    """One role in one location: its processes' parameters, random streams and live staff."""

    index: int
    role: Role
    location: Location
    recruiters: simpy.Resource
    hazards: HazardTable
    search_rng: np.random.Generator
    onboarding_rng: np.random.Generator
    attrition_rng: np.random.Generator
    transfer_rng: np.random.Generator | None
    agents: dict[int, float] = field(default_factory=dict)  # employee id -> start day
    leads: dict[int, float] = field(default_factory=dict)
    resigned: set[int] = field(default_factory=set)
    promoting: set[int] = field(default_factory=set)
    pending_leads: int = 0
    hires: int = 0


class HireDraws:
    """The attrition draws of one hire: a fixed-size block from the role's attrition stream
    taken at hire (so the k-th hire always gets the k-th block), then, in the rare case of
    more exit candidates than the block covers, a stream of its own."""

    BLOCK = 16  # probation + 5 exit candidates x 3 draws: almost always enough

    __slots__ = ("_block", "_desk", "_extra", "_i", "_k", "_streams")

    def __init__(self, desk: RoleDesk, streams: ReplicationStreams) -> None:
        desk.hires += 1
        self._k = desk.hires
        self._block = desk.attrition_rng.random(self.BLOCK).tolist()
        self._i = 0
        self._desk = desk
        self._streams = streams
        self._extra: np.random.Generator | None = None

    def uniform(self) -> float:
        if self._i < self.BLOCK:
            self._i += 1
            return self._block[self._i - 1]
        if self._extra is None:
            key = (self._desk.location.name, self._desk.role.name, "hire", str(self._k))
            self._extra = self._streams.stream("attrition", *key)
        return float(self._extra.random())

    def exponential(self) -> float:
        return -math.log1p(-self.uniform())


class Engagement:
    """One replication of the offshore team: plan, requisitions, staff, leads and transfer."""

    def __init__(self, scenario: Scenario, streams: ReplicationStreams) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        self.recorder = Recorder()
        self.streams = streams
        self._ids = itertools.count()
        self.in_transfer_window = False
        self.transfer_started = False
        self.headcount_run = 0  # consecutive month-end reviews meeting the headcount threshold
        mgmt = scenario.management
        transfer = scenario.transfer
        self.max_multiplier = (mgmt.overload.attrition_multiplier if mgmt else 1.0) * (
            transfer.attrition_multiplier if transfer.policy != "never" else 1.0
        )
        recruiters = {
            loc.name: simpy.Resource(
                self.env,
                capacity=loc.recruiting.recruiters * loc.recruiting.requisitions_per_recruiter,
            )
            for loc in scenario.locations
        }
        self.desks: list[RoleDesk] = []
        for i, role in enumerate(scenario.roles):
            loc = scenario.location(role.location)
            key = (loc.name, role.name)
            self.desks.append(
                RoleDesk(
                    index=i,
                    role=role,
                    location=loc,
                    recruiters=recruiters[loc.name],
                    hazards=HazardTable.from_attrition(loc.attrition),
                    search_rng=streams.stream("search", *key),
                    onboarding_rng=streams.stream("onboarding", *key),
                    attrition_rng=streams.stream("attrition", *key),
                    # Named streams: creating only the ones in use shifts no other draws.
                    transfer_rng=streams.stream("transfer", *key)
                    if transfer.policy != "never"
                    else None,
                )
            )
        for desk in self.desks:
            self.env.process(self.planning(desk))
        self.entity_ready: list[simpy.Event] = []
        if transfer.entity_setup_start_month is not None:
            for j, loc in enumerate(scenario.locations):
                ready = self.env.event()
                self.entity_ready.append(ready)
                self.env.process(
                    self.entity_setup(j, loc, streams.stream("entity", loc.name), ready)
                )
        if transfer.policy == "at_month":
            self.env.process(self.planned_transfer())
        if mgmt is not None or transfer.policy == "when_ready":
            self.env.process(self.steering_reviews())

    # -- state queries (live, used by policies) ---------------------------------------------

    def month_now(self) -> float:
        """The current time in months; a plan step at month m is in force from day m * D on
        (the tolerance absorbs the rounding of m * D / D)."""
        return self.env.now / DAYS_PER_MONTH + 1e-9

    def overloaded(self, desk: RoleDesk) -> bool:
        mgmt = self.scenario.management
        return mgmt is not None and len(desk.agents) > mgmt.span_of_control * len(desk.leads)

    def voluntary_multiplier(self, desk: RoleDesk) -> float:
        """m(t): current multiplier of the voluntary hazard (overload x transfer window)."""
        m = 1.0
        if self.overloaded(desk):
            m *= self.scenario.management.overload.attrition_multiplier
        if self.in_transfer_window:
            m *= self.scenario.transfer.attrition_multiplier
        return m

    # -- recruiting ------------------------------------------------------------------------

    def planning(self, desk: RoleDesk):
        """Open one requisition per new planned seat at each step of the role's plan."""
        previous = 0
        for step in desk.role.plan:
            day = step.month * DAYS_PER_MONTH
            if day > self.env.now:
                yield self.env.timeout(day - self.env.now)
            for _ in range(step.headcount - previous):
                self.open_requisition(desk, "plan")
            previous = step.headcount
            self.staff_leads(desk)

    def open_requisition(self, desk: RoleDesk, reason: str, lead: bool = False) -> None:
        req_id = next(self._ids)
        self.recorder.record(self.env.now, REQUISITION_OPENED, req_id, desk.index, reason)
        self.env.process(self.recruiting(desk, req_id, lead))

    def recruiting(self, desk: RoleDesk, req_id: int, lead: bool):
        """Wait for a recruiter, search until an offer is accepted, then the hire's notice."""
        env, rec = self.env, self.recorder
        recruiting = desk.location.recruiting
        with desk.recruiters.request() as slot:
            yield slot
            rec.record(env.now, SEARCH_STARTED, req_id, desk.index)
            outcome = search_candidates(desk.search_rng, recruiting)
            yield env.timeout(outcome.duration)
        rec.record(env.now, OFFER_ACCEPTED, req_id, desk.index, value=outcome.offers_declined)
        rng = desk.onboarding_rng
        notice = recruiting.candidate_notice.sample(rng)
        shows_up = rng.random() >= recruiting.no_show
        start = next_class_day(env.now + notice, self.scenario.policy.training_classes)
        yield env.timeout(start - env.now)
        if not shows_up:
            rec.record(env.now, NO_SHOW, req_id, desk.index)
            self.open_requisition(desk, "lead" if lead else "no_show", lead)
            return
        if lead:
            desk.pending_leads -= 1
        self.hire(desk, req_id, lead)

    def hire(self, desk: RoleDesk, req_id: int, lead: bool) -> int:
        employee_id = next(self._ids)
        self.recorder.record(
            self.env.now, HIRED, employee_id, desk.index, LEAD if lead else "", value=req_id
        )
        (desk.leads if lead else desk.agents)[employee_id] = self.env.now
        self.env.process(self.working(desk, employee_id))
        return employee_id

    # -- workforce -------------------------------------------------------------------------

    def employed(self, desk: RoleDesk, employee_id: int) -> bool:
        return employee_id in desk.agents or employee_id in desk.leads

    def working(self, desk: RoleDesk, employee_id: int):
        """An employee's tenure: resignation (with notice or walk-out), dismissal or probation.

        The k-th hire of a role takes the k-th block of attrition draws (``HireDraws``), so a
        change elsewhere (recruiting, say) that reorders hires and exits in time does not shift
        anyone's attrition draws: common random numbers stay aligned across scenarios.
        """
        env, loc = self.env, desk.location
        draws = HireDraws(desk, self.streams)
        hired = env.now
        probation_days = loc.probation.months * DAYS_PER_MONTH
        fails_probation = draws.uniform() < loc.probation.failure_probability
        m_max = self.max_multiplier
        tenure = 0.0
        while True:
            candidate, band = next_exit_candidate(desk.hazards, tenure, draws.exponential(), m_max)
            kind_u, thin_u, walkout_u = draws.uniform(), draws.uniform(), draws.uniform()
            if fails_probation and tenure < probation_days < candidate:
                yield env.timeout(hired + probation_days - env.now)
                if self.employed(desk, employee_id) and employee_id not in desk.resigned:
                    self.leave(desk, employee_id, "probation")
                return
            if math.isinf(candidate):
                return
            yield env.timeout(hired + candidate - env.now)
            tenure = candidate
            if not self.employed(desk, employee_id) or employee_id in desk.resigned:
                return  # promoted or left at transfer meanwhile
            if kind_u >= voluntary_share(desk.hazards, band, m_max):
                self.leave(desk, employee_id, "dismissal")
                return
            if m_max > 1 and thin_u * m_max >= self.voluntary_multiplier(desk):
                continue  # thinning: the raised hazard did not apply at this moment
            if walkout_u < loc.attrition.no_notice_share:
                self.leave(desk, employee_id, "walkout")
                return
            yield from self.serve_notice(desk, employee_id)
            return

    def serve_notice(self, desk: RoleDesk, employee_id: int):
        env = self.env
        self.recorder.record(env.now, RESIGNED, employee_id, desk.index)
        desk.resigned.add(employee_id)
        backfill_now = self.scenario.policy.backfill == "on_notice"
        if backfill_now:
            self.backfill(desk, employee_id)
        yield env.timeout(desk.location.notice_days)
        if self.employed(desk, employee_id):
            self.leave(desk, employee_id, "resignation", backfill=not backfill_now)

    def leave(self, desk: RoleDesk, employee_id: int, kind: str, backfill: bool = True) -> None:
        self.recorder.record(self.env.now, EXITED, employee_id, desk.index, kind)
        was_lead = employee_id in desk.leads
        desk.agents.pop(employee_id, None)
        desk.leads.pop(employee_id, None)
        desk.promoting.discard(employee_id)
        if backfill and not was_lead:
            self.backfill(desk, employee_id)
        if was_lead:
            self.staff_leads(desk)

    def backfill(self, desk: RoleDesk, employee_id: int) -> None:
        if employee_id in desk.leads:
            self.staff_leads(desk, leaving=1)
        else:
            self.open_requisition(desk, "backfill")

    # -- team leads ------------------------------------------------------------------------

    def leads_needed(self, desk: RoleDesk) -> int:
        """ceil(planned agents / span), reference T9."""
        span = self.scenario.management.span_of_control
        return math.ceil(desk.role.target_at(self.month_now()) / span)

    def staff_leads(self, desk: RoleDesk, leaving: int = 0) -> None:
        """Fill lead gaps by promotion (longest-tenured eligible agent) or external hiring."""
        mgmt = self.scenario.management
        if mgmt is None:
            return
        gap = self.leads_needed(desk) - (len(desk.leads) - leaving) - desk.pending_leads
        min_tenure = mgmt.promotion_min_tenure_months * DAYS_PER_MONTH
        for _ in range(gap):
            candidate = None
            if mgmt.lead_source != "external":
                eligible = [
                    (start, emp)
                    for emp, start in desk.agents.items()
                    if self.env.now - start >= min_tenure
                    and emp not in desk.resigned
                    and emp not in desk.promoting
                ]
                candidate = min(eligible)[1] if eligible else None
            if candidate is not None:
                desk.pending_leads += 1
                desk.promoting.add(candidate)
                self.env.process(self.promotion(desk, candidate))
            elif mgmt.lead_source != "promotion":
                desk.pending_leads += 1
                self.open_requisition(desk, "lead", lead=True)

    def promotion(self, desk: RoleDesk, agent_id: int):
        yield self.env.timeout(self.scenario.management.promotion_delay_days)
        desk.pending_leads -= 1
        if agent_id in desk.agents and agent_id not in desk.resigned:
            self.leave(desk, agent_id, "promoted")  # the agent seat is backfilled
            self.hire(desk, -1, lead=True)
        else:
            desk.promoting.discard(agent_id)
            self.staff_leads(desk)

    # -- entity, readiness reviews and transfer --------------------------------------------

    def entity_setup(self, index: int, loc: Location, rng: np.random.Generator, ready):
        start = self.scenario.transfer.entity_setup_start_month * DAYS_PER_MONTH
        yield self.env.timeout(start)
        self.recorder.record(self.env.now, ENTITY_SETUP_STARTED, index, -1, loc.name)
        yield self.env.timeout(loc.entity.setup_days.sample(rng))
        self.recorder.record(self.env.now, ENTITY_READY, index, -1, loc.name)
        ready.succeed()

    def steering_reviews(self):
        """Month-end reviews: retry lead promotions; start a when_ready transfer when ready."""
        from botsim.readiness import ready_to_transfer  # pure functions over records

        transfer = self.scenario.transfer
        month, next_check = 0, 0
        while True:
            month += 1
            yield self.env.timeout(month * DAYS_PER_MONTH - self.env.now)
            for desk in self.desks:
                self.staff_leads(desk)
            self.headcount_run = self.headcount_run + 1 if self.headcount_ok() else 0
            if (
                transfer.policy == "when_ready"
                and not self.transfer_started
                and max(transfer.earliest_month, next_check) <= month <= transfer.latest_month
                and self.plausibly_ready()
            ):
                ready, next_check = ready_to_transfer(self.scenario, self.recorder.events, month)
                if ready:
                    self.env.process(self.handover())

    def plausibly_ready(self) -> bool:
        """Cheap necessary conditions of readiness from the live state (entity ready, leads
        within span, headcount threshold), checked before the full evaluation on the records."""
        if not all(ready.triggered for ready in self.entity_ready):
            return False
        if self.headcount_run < self.scenario.readiness.stable_months:
            return False  # a stable month needs at least the headcount threshold
        return not any(self.overloaded(desk) for desk in self.desks)

    def headcount_ok(self) -> bool:
        """Necessary for a stable month-end: the headcount threshold, and the capacity threshold
        on an upper bound of effective FTE (ramp only; overload and client factors are <= 1)."""
        month = self.month_now()
        agents = sum(len(desk.agents) for desk in self.desks)
        target = self.scenario.target_at(month)
        stability = self.scenario.stability
        if target <= 0 or agents < stability.headcount_fraction * target:
            return False
        fte = 0.0
        for desk in self.desks:
            if desk.agents:
                tenure = self.env.now - np.fromiter(desk.agents.values(), float, len(desk.agents))
                fte += float(productivity(tenure, self.scenario.ramp_for(desk.role)).sum())
        return fte >= stability.capacity_fraction * target - 1e-9

    def planned_transfer(self):
        yield self.env.timeout(self.scenario.transfer.month * DAYS_PER_MONTH)
        yield self.env.all_of(self.entity_ready)  # a late entity delays the transfer
        yield from self.handover()

    def handover(self):
        """The transfer window, then every employee accepts the new contract or leaves."""
        env, transfer = self.env, self.scenario.transfer
        self.transfer_started = True
        self.recorder.record(env.now, TRANSFER_STARTED, 0, -1)
        self.in_transfer_window = True
        yield env.timeout(transfer.window_months * DAYS_PER_MONTH)
        self.in_transfer_window = False
        lost = 0
        for desk in self.desks:
            staff = sorted([*desk.agents, *desk.leads])
            for employee_id in staff:
                declines = desk.transfer_rng.random() >= transfer.contract_acceptance
                if declines and employee_id not in desk.resigned:
                    lost += 1
                    self.leave(desk, employee_id, "declined_transfer")
        self.recorder.record(env.now, TRANSFER_COMPLETED, 0, -1, value=lost)

    # -- lifecycle -------------------------------------------------------------------------

    def run(self) -> Recorder:
        self.env.run(until=self.scenario.horizon_days)
        return self.recorder


def run_replication(scenario: Scenario, seed: int, replication: int) -> Recorder:
    """Run one replication; its randomness comes from (seed, replication) alone."""
    return Engagement(scenario, ReplicationStreams(seed, replication)).run()
