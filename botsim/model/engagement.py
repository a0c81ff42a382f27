"""Assemble the SimPy model of one engagement from a Scenario and run one replication.

Lifecycle (desmod style): build the environment, the desks and one component per mechanism ->
run to the horizon -> hand the event records and the month-end KPI rows back.

* :class:`~botsim.model.recruiting.Recruitment`: plan steps, requisitions, recruiters, funnel;
* :class:`~botsim.model.workforce.Workforce`: hire -> work -> exit;
* :class:`~botsim.model.management.Management`: team leads, promotion, overload;
* :class:`~botsim.model.transfer.Transfer`: legal entity, transfer policy, handover.

At each month-end, after every event of that instant, the engagement reports its state in a
:class:`~botsim.model.lifecycle.MonthEnd` record and :class:`~botsim.model.lifecycle.Lifecycle`
computes that month's lifecycle KPIs; the monthly steering review (lead promotions, a
``when_ready`` transfer) reads that row.
"""

from __future__ import annotations

import itertools
import math

from botsim.inputs.caching import by_identity
from botsim.inputs.scenario import DAYS_PER_MONTH, PLAN_STEP_ROUNDING, Scenario
from botsim.model.desk import (
    DeskSettings,
    LeadTeam,
    RoleDesk,
    month_end_targets,
    role_recruiting,
)
from botsim.model.lifecycle import Lifecycle, MonthEnd, MonthKpis, Requisitions, lead_teams
from botsim.model.management import Management
from botsim.model.random import (
    AVAILABILITY_STREAM,
    NOTICE_BUYOUT_STREAM,
    ReplicationStreams,
    UniformBlocks,
)
from botsim.model.records import Recorder
from botsim.model.recruiting import RecruiterSlots, Recruitment
from botsim.model.tasks import EndOfInstant, Environment, dismantle, start
from botsim.model.transfer import Transfer
from botsim.model.workforce import (
    HIRE_BLOCKS_AHEAD,
    HIRE_DRAW_BLOCK,
    Workforce,
    voluntary_bound,
)


class Engagement:
    """One replication of the offshore team: its desks, its mechanisms and its month-ends."""

    def __init__(
        self, scenario: Scenario, streams: ReplicationStreams, keep_events: bool = True
    ) -> None:
        self.scenario = scenario
        self.env = Environment()
        self.recorder = Recorder(keep_events)
        self.streams = streams
        self._ids = itertools.count()
        self.desks = self._desks()
        # The roles of one family in one location share their leads.
        self.teams = [LeadTeam([self.desks[r] for r in roles]) for roles in lead_teams(scenario)]
        for team in self.teams:
            for desk in team.desks:
                desk.team = team
        self.lifecycle = Lifecycle(scenario)
        self._month_targets = targets_by_month(scenario)
        self._entity_ready_day = math.inf
        self.has_leads = scenario.management is not None  # leads exist only with management
        self.no_leads = (0,) * len(self.teams)
        self.workforce = Workforce(self)
        self.management = Management(self)
        self.recruitment = Recruitment(self)
        self.recruitment.start_plans()
        self.transfer = Transfer(self)  # starts the entity set-up and a planned transfer
        start(self.env, self.month_ends())

    def _desks(self) -> list[RoleDesk]:
        scenario, streams = self.scenario, self.streams
        recruiters = {
            loc.name: RecruiterSlots(
                self.env,
                capacity=loc.recruiting.recruiters * loc.recruiting.requisitions_per_recruiter,
            )
            for loc in scenario.locations
        }
        desks = []
        for i, settings in enumerate(desk_settings(scenario)):
            key = (settings.location.name, settings.role.name)
            desks.append(
                RoleDesk(
                    index=i,
                    recruiters=recruiters[settings.location.name],
                    search_uniforms=UniformBlocks(streams.stream("search", *key)),
                    onboarding_rng=streams.stream("onboarding", *key),
                    attrition_uniforms=UniformBlocks(
                        streams.stream("attrition", *key), HIRE_DRAW_BLOCK * HIRE_BLOCKS_AHEAD
                    ),
                    # Its own named stream, created only when in use: no other draw moves.
                    availability_rng=streams.stream(AVAILABILITY_STREAM, *key)
                    if settings.immediate_start_share > 0
                    else None,
                    # Its own named stream, created only with a buy-out (issue 17): no draw moves.
                    buyout_rng=streams.stream(NOTICE_BUYOUT_STREAM, *key)
                    if settings.notice_buyout
                    else None,
                    settings=settings,
                )
            )
        return desks

    def new_id(self) -> int:
        """A new requisition or employee id."""
        return next(self._ids)

    def month_now(self) -> float:
        """The current time in months; a plan step at month m is in force from day m * D on
        (the tolerance absorbs the rounding of m * D / D)."""
        return self.env.now / DAYS_PER_MONTH + PLAN_STEP_ROUNDING

    # -- month-ends ------------------------------------------------------------------------

    def month_ends(self):
        """At each month-end, after every event of that instant: record the month and review it.

        The last month-end, the horizon, is closed by :meth:`run` (the run stops before any
        event of that instant)."""
        for month in range(1, self.scenario.horizon_months):
            yield EndOfInstant(month * DAYS_PER_MONTH - self.env.now)
            row = self.close_month(month)
            self.management.monthly_review()
            if self.transfer.monthly_review(month, row.ready):
                # The handover starts at this month-end: its phase says so, as for a planned
                # transfer that starts at a month-end.
                self.recorder.month_ends[-1] = row._replace(phase="transfer")

    def close_month(self, month: int) -> MonthKpis:
        """Report the month-end state to the lifecycle pipeline; keep and return its KPI row."""
        # One pass over the desks (a comprehension per field cost more than the month's KPIs).
        open_requisitions = accepted_in_notice = agents_in_notice = 0
        searching, agents = [], []
        for desk in self.desks:
            open_requisitions += desk.open_requisitions
            accepted_in_notice += desk.accepted_in_notice
            agents_in_notice += desk.agents_in_notice
            searching.append(desk.searching)
            agents.append(desk.agents.copy())
        by_role = tuple(searching)
        hires, exits, attrition_exits, tenured_exits = self.workforce.month_flows()
        transfer = self.transfer
        entity_ready = self._entity_ready_day
        if entity_ready == math.inf:  # once every entity is ready, that day stays
            entity_ready = self._entity_ready_day = transfer.entity_ready_day()
        # _make: the fields in order, as the constructors take them, without their calls.
        record = _new_month_end(
            (
                month,
                month * DAYS_PER_MONTH,
                self._month_targets[month],
                tuple(agents),
                tuple([team.lead_count() for team in self.teams])
                if self.has_leads
                else self.no_leads,
                hires,
                exits,
                attrition_exits,
                tenured_exits,
                agents_in_notice,
                _new_requisitions((open_requisitions, sum(by_role), accepted_in_notice, by_role)),
                self.workforce.full_day,
                entity_ready,
                transfer.start_day,
                transfer.done_day,
            )
        )
        row = self.lifecycle.step(record)
        self.recorder.month_ends.append(row)
        return row

    def run(self) -> Recorder:
        self.env.run(until=self.scenario.horizon_days)
        self.close_month(self.scenario.horizon_months)
        return self.recorder

    def close(self) -> None:
        """Once the replication is over: stop its waiting tasks and unlink its parts, which
        refer to each other, so that they are freed at once (the recorder stays valid)."""
        self.env.close()
        dismantle(
            self.workforce,
            self.management,
            self.recruitment,
            self.transfer,
            *self.desks,
            *self.teams,
            self,
        )


@by_identity()
def desk_settings(scenario: Scenario) -> tuple[DeskSettings, ...]:
    """Each role's desk settings; once per scenario (every replication's desks share them)."""
    max_multiplier = voluntary_bound(scenario)
    return tuple(
        DeskSettings.of(
            role,
            scenario.location(role.location),
            scenario.attrition_for(role),
            recruiting,
            max_multiplier,
            scenario.immediate_start_share_for(role),
            scenario.notice_buyout_for(role),
            targets,
        )
        for role, recruiting, targets in zip(
            scenario.roles, role_recruiting(scenario), month_end_targets(scenario), strict=True
        )
    )


@by_identity()
def targets_by_month(scenario: Scenario) -> tuple[tuple[int, ...], ...]:
    """The planned agents per role at each month-end 0..horizon (the desks' monthly targets,
    month by month); once per scenario. Consecutive equal months share one tuple, so the
    month-end pipeline sums the targets again only after a plan step."""
    months: list[tuple[int, ...]] = []
    for targets in zip(*(settings.monthly_targets for settings in desk_settings(scenario))):
        months.append(months[-1] if months and months[-1] == targets else targets)
    return tuple(months)


_new_month_end = MonthEnd._make
_new_requisitions = Requisitions._make


def run_replication(
    scenario: Scenario, seed: int, replication: int, keep_events: bool = True
) -> Recorder:
    """Run one replication; its randomness comes from (seed, replication) alone. Without
    ``keep_events`` the recorder holds the tables, milestones and month-end rows, not the
    events themselves (the same numbers; what the metrics need)."""
    engagement = Engagement(scenario, ReplicationStreams(seed, replication), keep_events)
    try:
        return engagement.run()
    finally:
        engagement.close()
