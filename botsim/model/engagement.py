"""Assemble the SimPy model of one engagement from a Scenario and run one replication.

Lifecycle (desmod style): build the environment and entities -> run to the horizon -> hand the
event records and the month-end KPI rows back. At each month-end, after every event of that
instant, the engagement reports its state in a :class:`~botsim.model.lifecycle.MonthEnd`
record and :class:`~botsim.model.lifecycle.Lifecycle` computes that month's lifecycle KPIs;
the monthly steering review (lead promotions, a ``when_ready`` transfer) reads that row.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from botsim.caching import by_identity
from botsim.model.exits import ExitBands, exit_tenure, scaled_bands, voluntary_share
from botsim.model.lifecycle import Lifecycle, MonthEnd, Requisitions, lead_teams, overloaded
from botsim.model.recruiting import (
    Draw,
    Funnel,
    RecruiterSlots,
    SearchLimitError,
    duration_draw,
    funnel_of,
    next_class_day,
    search,
)
from botsim.model.tasks import EndOfInstant, start
from botsim.model.workforce import HazardTable
from botsim.random import ReplicationStreams, UniformBlocks
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
    TEAM_FULL,
    TRANSFER_COMPLETED,
    TRANSFER_STARTED,
    Recorder,
)
from botsim.scenario import DAYS_PER_MONTH, Location, Role, Scenario


@dataclass
class RoleDesk:
    """One role in one location: its processes' parameters, random streams and live staff.

    The parameters the per-event processes read are copied out of the (pydantic) scenario once
    per desk, as plain floats and tuples: reading them per event costs more than the event.
    """

    index: int
    role: Role
    location: Location
    recruiters: RecruiterSlots
    hazards: HazardTable
    search_uniforms: UniformBlocks  # the search stream, read in blocks
    onboarding_rng: np.random.Generator
    attrition_uniforms: UniformBlocks  # the attrition stream, HIRE_DRAW_BLOCK per hire
    transfer_rng: np.random.Generator | None
    max_multiplier: float  # the engagement's bound on the voluntary-hazard multiplier
    agents: dict[int, float] = field(default_factory=dict)  # employee id -> start day
    leads: dict[int, float] = field(default_factory=dict)
    resigned: set[int] = field(default_factory=set)
    promoting: set[int] = field(default_factory=set)
    hires: int = 0
    open_requisitions: int = 0  # opened, offer not yet accepted
    searching: int = 0  # holding a recruiter slot
    accepted_in_notice: int = 0  # offer accepted, hire not yet started (or no-show)
    agents_in_notice: int = 0  # agents who resigned and have not left yet
    team: LeadTeam | None = None  # the lead team of the desk's location and role family
    plan: tuple[tuple[float, int], ...] = field(init=False)  # (month, headcount) per step
    monthly_targets: tuple[int, ...] = field(init=False)  # the target at each month-end
    funnel: Funnel = field(init=False)
    candidate_notice: Draw = field(init=False)
    no_show: float = field(init=False)
    exit_bands: ExitBands = field(init=False)  # dominating hazard, scaled by max_multiplier
    voluntary_shares: tuple[float, ...] = field(init=False)  # per band, at max_multiplier
    probation_days: float = field(init=False)
    probation_failure: float = field(init=False)
    walkout_share: float = field(init=False)
    notice_days: float = field(init=False)

    def __post_init__(self) -> None:
        loc, recruiting = self.location, self.location.recruiting
        self.plan = tuple((step.month, step.headcount) for step in self.role.plan)
        self.funnel = funnel_of(recruiting)
        self.candidate_notice = duration_draw(recruiting.candidate_notice)
        self.no_show = recruiting.no_show
        self.exit_bands = scaled_bands(self.hazards, self.max_multiplier)
        self.voluntary_shares = tuple(
            voluntary_share(self.hazards, band, self.max_multiplier)
            for band in range(len(self.hazards.bands))
        )
        self.probation_days = loc.probation.months * DAYS_PER_MONTH
        self.probation_failure = loc.probation.failure_probability
        self.walkout_share = loc.attrition.no_notice_share
        self.notice_days = loc.notice_days

    def target_at(self, month: float) -> int:
        """The role's planned headcount at ``month`` (``Role.target_at`` on the copied plan)."""
        target = 0
        for step_month, headcount in self.plan:
            if step_month <= month:
                target = headcount
        return target


@dataclass
class LeadTeam:
    """The roles of one family in one location, which share their team leads (issue 3: leads
    needed = ceil(agents / span) per location and role family).

    Each lead is seated on one of the team's desks (the promoted agent's, or the first desk for
    an external hire); spans, gaps and overload are counted over the whole team.
    """

    desks: list[RoleDesk]
    pending_leads: int = 0  # promotions under way and lead requisitions open

    def agent_count(self) -> int:
        return sum(len(desk.agents) for desk in self.desks)

    def lead_count(self) -> int:
        return sum(len(desk.leads) for desk in self.desks)

    def target_at(self, month: float) -> int:
        return sum(desk.target_at(month) for desk in self.desks)


@by_identity()
def month_end_targets(scenario: Scenario) -> tuple[tuple[int, ...], ...]:
    """Each role's planned headcount at each month-end 0..horizon (a step at month m is in
    force at month-end m); once per scenario."""
    months = range(scenario.horizon_months + 1)
    return tuple(tuple(role.target_at(m + 1e-9) for m in months) for role in scenario.roles)


HIRE_DRAW_BLOCK = 16
"""Attrition draws taken from the role's stream at each hire (so the k-th hire always gets the
k-th block): the probation draw and 4 per exit candidate, enough for three candidates; the rare
hire with more candidates continues on a stream of its own (``more_hire_draws``)."""

HIRE_BLOCKS_AHEAD = 16
"""Hires' blocks drawn from the attrition stream at once (one numpy call serves 16 hires). The
k-th hire still gets the k-th block of HIRE_DRAW_BLOCK draws: the stream's values are the same
however many are drawn per call."""

EXIT_CANDIDATE_DRAWS = 4
"""Draws per exit candidate: its hazard budget (as an Exp(1) by inversion), then the uniforms
deciding its kind, its thinning and a walk-out."""


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
        # Milestones the month-end records report (inf: not yet).
        self.full_day = math.inf
        self.entity_ready_days: list[float] = []
        self.transfer_start_day = self.transfer_done_day = math.inf
        # Flows within the current month (reset at each month-end).
        self.month_hires = self.month_exits = 0
        self.month_attrition_exits = self.month_tenured_exits = 0
        self.tenured_days = scenario.knowledge.tenured_months * DAYS_PER_MONTH
        self.lifecycle = Lifecycle(scenario)
        mgmt = scenario.management
        transfer = scenario.transfer
        self.max_multiplier = (mgmt.overload.attrition_multiplier if mgmt else 1.0) * (
            transfer.attrition_multiplier if transfer.policy != "never" else 1.0
        )
        self.backfill_on_notice = scenario.policy.backfill == "on_notice"
        self.training_classes = scenario.policy.training_classes
        recruiters = {
            loc.name: RecruiterSlots(
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
                    search_uniforms=UniformBlocks(streams.stream("search", *key)),
                    onboarding_rng=streams.stream("onboarding", *key),
                    attrition_uniforms=UniformBlocks(
                        streams.stream("attrition", *key), HIRE_DRAW_BLOCK * HIRE_BLOCKS_AHEAD
                    ),
                    # Named streams: creating only the ones in use shifts no other draws.
                    transfer_rng=streams.stream("transfer", *key)
                    if transfer.policy != "never"
                    else None,
                    max_multiplier=self.max_multiplier,
                )
            )
        # The roles of one family in one location share their leads (as the metrics group them).
        self.teams = [LeadTeam([self.desks[r] for r in roles]) for roles in lead_teams(scenario)]
        for team in self.teams:
            for desk in team.desks:
                desk.team = team
        for desk, targets in zip(self.desks, month_end_targets(scenario)):
            desk.monthly_targets = targets
            start(self.env, self.planning(desk))
        self.entity_ready: list[simpy.Event] = []
        if transfer.entity_setup_start_month is not None:
            for j, loc in enumerate(scenario.locations):
                ready = self.env.event()
                self.entity_ready.append(ready)
                start(
                    self.env, self.entity_setup(j, loc, streams.stream("entity", loc.name), ready)
                )
        if transfer.policy == "at_month":
            start(self.env, self.planned_transfer())
        # Only promotion-only lead staffing leaves a lead gap open to retry: with an external
        # fallback, staff_leads fills every gap the moment it opens (it runs wherever one can:
        # plan steps, a lead's exit or resignation, a failed promotion).
        self.retry_promotions = mgmt is not None and mgmt.lead_source == "promotion"
        start(self.env, self.month_ends())

    # -- state queries (live, used by policies) ---------------------------------------------

    def month_now(self) -> float:
        """The current time in months; a plan step at month m is in force from day m * D on
        (the tolerance absorbs the rounding of m * D / D)."""
        return self.env.now / DAYS_PER_MONTH + 1e-9

    def overloaded(self, desk: RoleDesk) -> bool:
        """More agents in the desk's lead team than its leads can direct."""
        mgmt = self.scenario.management
        if mgmt is None:
            return False
        team = desk.team
        if len(team.desks) == 1:
            return overloaded(len(desk.agents), len(desk.leads), mgmt.span_of_control)
        return overloaded(team.agent_count(), team.lead_count(), mgmt.span_of_control)

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
                yield day - self.env.now
            for _ in range(step.headcount - previous):
                self.open_requisition(desk, "plan")
            previous = step.headcount
            self.staff_leads(desk.team)
            self.note_if_full()

    def open_requisition(self, desk: RoleDesk, reason: str, lead: bool = False) -> None:
        req_id = next(self._ids)
        self.recorder.record(self.env.now, REQUISITION_OPENED, req_id, desk.index, reason)
        desk.open_requisitions += 1
        start(self.env, self.recruiting(desk, req_id, lead))

    def recruiting(self, desk: RoleDesk, req_id: int, lead: bool):
        """Wait for a recruiter, search until an offer is accepted, then the hire's notice."""
        env, record = self.env, self.recorder.record
        recruiters = desk.recruiters
        in_line = recruiters.acquire()
        if in_line is not None:
            yield in_line
        record(env.now, SEARCH_STARTED, req_id, desk.index)
        desk.searching += 1
        try:
            duration, offers_declined = search(desk.search_uniforms, desk.funnel)
        except SearchLimitError as exc:  # name the location whose fields make it endless
            where = self.scenario.locations.index(desk.location)
            raise SearchLimitError(f"locations[{where}] ({desk.location.name}): {exc}") from None
        yield duration
        recruiters.release()
        record(env.now, OFFER_ACCEPTED, req_id, desk.index, value=offers_declined)
        desk.searching -= 1
        desk.open_requisitions -= 1
        desk.accepted_in_notice += 1
        rng = desk.onboarding_rng
        notice = desk.candidate_notice(rng)
        shows_up = rng.random() >= desk.no_show
        first_day = next_class_day(env.now + notice, self.training_classes)
        yield first_day - env.now
        desk.accepted_in_notice -= 1
        if not shows_up:
            record(env.now, NO_SHOW, req_id, desk.index)
            self.open_requisition(desk, "lead" if lead else "no_show", lead)
            return
        if lead:
            desk.team.pending_leads -= 1
        yield from self.working(desk, self.hire(desk, req_id, lead))

    def hire(self, desk: RoleDesk, req_id: int, lead: bool) -> int:
        """Record a hire and seat them; the calling process goes on as their tenure (``working``).

        Continuing in the same task rather than starting one per hire spares a task (generator
        and driver) per hire; ``working`` draws and schedules exactly what a new task would have
        at its start, the same moment of simulated time.
        """
        employee_id = next(self._ids)
        self.recorder.record(
            self.env.now, HIRED, employee_id, desk.index, LEAD if lead else "", value=req_id
        )
        (desk.leads if lead else desk.agents)[employee_id] = self.env.now
        if not lead:
            self.month_hires += 1
            self.note_if_full()
        return employee_id

    def note_if_full(self) -> None:
        """Keep the first moment the agents reach the target in force (> 0): the full team."""
        if self.full_day == math.inf:
            month = self.month_now()
            target = sum(desk.target_at(month) for desk in self.desks)
            if target > 0 and sum(len(desk.agents) for desk in self.desks) >= target:
                self.full_day = self.env.now
                self.recorder.record(self.env.now, TEAM_FULL, 0, -1)

    # -- workforce -------------------------------------------------------------------------

    def working(self, desk: RoleDesk, employee_id: int):
        """An employee's tenure: resignation (with notice or walk-out), dismissal or probation.

        The k-th hire of a role takes the k-th block of attrition draws (``HIRE_DRAW_BLOCK``), so
        a change elsewhere (recruiting, say) that reorders hires and exits in time does not
        shift anyone's attrition draws: common random numbers stay aligned across scenarios.
        """
        env = self.env
        desk.hires += 1
        hire_number = desk.hires
        draws = desk.attrition_uniforms.take(HIRE_DRAW_BLOCK)
        hired = env.now
        agents, leads, resigned = desk.agents, desk.leads, desk.resigned
        probation_days = desk.probation_days
        fails_probation = draws[0] < desk.probation_failure
        m_max = self.max_multiplier
        used = 1
        tenure = 0.0
        while True:
            if used + EXIT_CANDIDATE_DRAWS > len(draws):
                self.more_hire_draws(desk, hire_number, draws, used + EXIT_CANDIDATE_DRAWS)
            budget_u, kind_u, thin_u, walkout_u = draws[used : used + EXIT_CANDIDATE_DRAWS]
            used += EXIT_CANDIDATE_DRAWS
            candidate, band = exit_tenure(desk.exit_bands, tenure, -math.log1p(-budget_u))
            if fails_probation and tenure < probation_days < candidate:
                yield hired + probation_days - env.now
                if (employee_id in agents or employee_id in leads) and employee_id not in resigned:
                    self.leave(desk, employee_id, "probation")
                return
            if math.isinf(candidate):
                return
            yield hired + candidate - env.now
            tenure = candidate
            if (employee_id not in agents and employee_id not in leads) or employee_id in resigned:
                return  # promoted or left at transfer meanwhile
            if kind_u >= desk.voluntary_shares[band]:
                self.leave(desk, employee_id, "dismissal")
                return
            if m_max > 1 and thin_u * m_max >= self.voluntary_multiplier(desk):
                continue  # thinning: the raised hazard did not apply at this moment
            if walkout_u < desk.walkout_share:
                self.leave(desk, employee_id, "walkout")
                return
            # Resignation with notice (inline: a sub-generator costs a frame per resignation).
            self.recorder.record(env.now, RESIGNED, employee_id, desk.index)
            resigned.add(employee_id)
            desk.agents_in_notice += employee_id in agents
            if self.backfill_on_notice:
                self.backfill(desk, employee_id)
            yield desk.notice_days
            if employee_id in agents or employee_id in leads:
                self.leave(desk, employee_id, "resignation", backfill=not self.backfill_on_notice)
            return

    def more_hire_draws(self, desk: RoleDesk, hire_number: int, draws: list, count: int) -> None:
        """Extend a hire's draws to ``count`` from the hire's own stream (past the block)."""
        key = (desk.location.name, desk.role.name, "hire", str(hire_number))
        extra = self.streams.stream("attrition", *key)
        while len(draws) < count:
            draws.append(float(extra.random()))

    def leave(self, desk: RoleDesk, employee_id: int, kind: str, backfill: bool = True) -> None:
        self.recorder.record(self.env.now, EXITED, employee_id, desk.index, kind)
        was_lead = employee_id in desk.leads
        started = desk.leads.pop(employee_id) if was_lead else desk.agents.pop(employee_id)
        desk.promoting.discard(employee_id)
        if employee_id in desk.resigned:
            desk.resigned.discard(employee_id)
            desk.agents_in_notice -= not was_lead
        if not was_lead:
            self.month_exits += 1
            self.month_attrition_exits += kind != "promoted"
        self.month_tenured_exits += self.env.now - started >= self.tenured_days
        if backfill and not was_lead:
            self.backfill(desk, employee_id)
        if was_lead:
            self.staff_leads(desk.team)

    def backfill(self, desk: RoleDesk, employee_id: int) -> None:
        if employee_id in desk.leads:
            self.staff_leads(desk.team, leaving=1)
        else:
            self.open_requisition(desk, "backfill")

    # -- team leads ------------------------------------------------------------------------

    def leads_needed(self, team: LeadTeam) -> int:
        """ceil(planned agents / span) over the team's roles, reference T9."""
        span = self.scenario.management.span_of_control
        return math.ceil(team.target_at(self.month_now()) / span)

    def staff_leads(self, team: LeadTeam, leaving: int = 0) -> None:
        """Fill the team's lead gaps by promotion (its longest-tenured eligible agent) or
        external hiring (through the first desk's requisitions)."""
        mgmt = self.scenario.management
        if mgmt is None:
            return
        gap = self.leads_needed(team) - (team.lead_count() - leaving) - team.pending_leads
        if gap <= 0:
            return
        min_tenure = mgmt.promotion_min_tenure_months * DAYS_PER_MONTH
        for _ in range(gap):
            candidate = None
            if mgmt.lead_source != "external":
                eligible = [
                    (start, emp, i)
                    for i, desk in enumerate(team.desks)
                    for emp, start in desk.agents.items()
                    if self.env.now - start >= min_tenure
                    and emp not in desk.resigned
                    and emp not in desk.promoting
                ]
                candidate = min(eligible) if eligible else None
            if candidate is not None:
                _, agent_id, i = candidate
                desk = team.desks[i]
                team.pending_leads += 1
                desk.promoting.add(agent_id)
                start(self.env, self.promotion(desk, agent_id))
            elif mgmt.lead_source != "promotion":
                team.pending_leads += 1
                self.open_requisition(team.desks[0], "lead", lead=True)

    def promotion(self, desk: RoleDesk, agent_id: int):
        yield self.scenario.management.promotion_delay_days
        desk.team.pending_leads -= 1
        if agent_id in desk.agents and agent_id not in desk.resigned:
            self.leave(desk, agent_id, "promoted")  # the agent seat is backfilled
            yield from self.working(desk, self.hire(desk, -1, lead=True))
        else:
            desk.promoting.discard(agent_id)
            self.staff_leads(desk.team)

    # -- entity, readiness reviews and transfer --------------------------------------------

    def entity_setup(self, index: int, loc: Location, rng: np.random.Generator, ready):
        setup_day = self.scenario.transfer.entity_setup_start_month * DAYS_PER_MONTH
        yield setup_day
        self.recorder.record(self.env.now, ENTITY_SETUP_STARTED, index, -1, loc.name)
        yield loc.entity.setup_days.sample(rng)
        self.recorder.record(self.env.now, ENTITY_READY, index, -1, loc.name)
        self.entity_ready_days.append(self.env.now)
        ready.succeed()

    def month_ends(self):
        """At each month-end, after every event of that instant: record the month and review it.

        The last month-end, the horizon, is closed by :meth:`run` (the run stops before any
        event of that instant)."""
        for month in range(1, self.scenario.horizon_months):
            yield EndOfInstant(month * DAYS_PER_MONTH - self.env.now)
            row = self.close_month(month)
            if self.steering_review(month, row.ready):
                # The handover starts at this month-end: its phase says so, as for a planned
                # transfer that starts at a month-end.
                self.recorder.month_ends[-1] = row._replace(phase="transfer")

    def close_month(self, month: int):
        """Report the month-end state to the lifecycle pipeline; keep and return its KPI row."""
        desks = self.desks
        searching = tuple([desk.searching for desk in desks])
        requisitions = Requisitions(
            sum([desk.open_requisitions for desk in desks]),
            sum(searching),
            sum([desk.accepted_in_notice for desk in desks]),
            searching,
        )
        entity_ready = math.inf
        if len(self.entity_ready_days) == len(self.scenario.locations):
            entity_ready = max(self.entity_ready_days)
        record = MonthEnd(
            month,
            month * DAYS_PER_MONTH,
            tuple([desk.monthly_targets[month] for desk in desks]),
            tuple([desk.agents.copy() for desk in desks]),
            tuple([team.lead_count() for team in self.teams]),
            self.month_hires,
            self.month_exits,
            self.month_attrition_exits,
            self.month_tenured_exits,
            sum([desk.agents_in_notice for desk in desks]),
            requisitions,
            self.full_day,
            entity_ready,
            self.transfer_start_day,
            self.transfer_done_day,
        )
        self.month_hires = self.month_exits = 0
        self.month_attrition_exits = self.month_tenured_exits = 0
        row = self.lifecycle.step(record)
        self.recorder.month_ends.append(row)
        return row

    def steering_review(self, month: int, ready: bool) -> bool:
        """The monthly steering review: retry lead promotions; start a when_ready transfer
        at the first month-end within [earliest_month, latest_month] at which it is ready
        (and say whether it did)."""
        if self.retry_promotions:
            for team in self.teams:
                self.staff_leads(team)
        transfer = self.scenario.transfer
        if (
            ready
            and transfer.policy == "when_ready"
            and not self.transfer_started
            and transfer.earliest_month <= month <= transfer.latest_month
        ):
            start(self.env, self.handover())
            return True
        return False

    def planned_transfer(self):
        yield self.scenario.transfer.month * DAYS_PER_MONTH
        yield self.env.all_of(self.entity_ready)  # a late entity delays the transfer
        yield from self.handover()

    def handover(self):
        """The transfer window, then every employee accepts the new contract or leaves."""
        env, transfer = self.env, self.scenario.transfer
        self.transfer_started = True
        self.transfer_start_day = env.now
        self.recorder.record(env.now, TRANSFER_STARTED, 0, -1)
        self.in_transfer_window = True
        yield transfer.window_months * DAYS_PER_MONTH
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
        self.transfer_done_day = env.now

    # -- lifecycle -------------------------------------------------------------------------

    def run(self) -> Recorder:
        self.env.run(until=self.scenario.horizon_days)
        self.close_month(self.scenario.horizon_months)
        return self.recorder


def run_replication(scenario: Scenario, seed: int, replication: int) -> Recorder:
    """Run one replication; its randomness comes from (seed, replication) alone."""
    return Engagement(scenario, ReplicationStreams(seed, replication)).run()
