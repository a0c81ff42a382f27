"""Assemble the SimPy model of one engagement from a Scenario and run one replication.

Lifecycle (desmod style): build the environment and entities -> run to the horizon -> hand the
event records back. Nothing here computes a KPI; see :mod:`botsim.metrics`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import simpy

from botsim.model.recruiting import next_class_day, search_candidates
from botsim.model.workforce import HazardTable, plan_exit
from botsim.random import ReplicationStreams
from botsim.records import (
    EXITED,
    HIRED,
    NO_SHOW,
    OFFER_ACCEPTED,
    REQUISITION_OPENED,
    RESIGNED,
    SEARCH_STARTED,
    Recorder,
)
from botsim.scenario import DAYS_PER_MONTH, Location, Role, Scenario


@dataclass
class RoleDesk:
    """Everything the processes of one role need: its location, hazards and random streams."""

    index: int
    role: Role
    location: Location
    recruiters: simpy.Resource
    hazards: HazardTable
    search_rng: object
    onboarding_rng: object
    attrition_rng: object


class Engagement:
    """One replication of the offshore team: plan, requisitions, candidates and employees."""

    def __init__(self, scenario: Scenario, streams: ReplicationStreams) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        self.recorder = Recorder()
        self._ids = itertools.count()
        recruiters = {
            loc.name: simpy.Resource(
                self.env,
                capacity=loc.recruiting.recruiters * loc.recruiting.requisitions_per_recruiter,
            )
            for loc in scenario.locations
        }
        self.desks = []
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
                )
            )
        for desk in self.desks:
            self.env.process(self.planning(desk))

    # -- processes ---------------------------------------------------------------------------

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

    def open_requisition(self, desk: RoleDesk, reason: str) -> None:
        req_id = next(self._ids)
        self.recorder.record(self.env.now, REQUISITION_OPENED, req_id, desk.index, reason)
        self.env.process(self.recruiting(desk, req_id))

    def recruiting(self, desk: RoleDesk, req_id: int):
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
            self.open_requisition(desk, "no_show")
            return
        employee_id = next(self._ids)
        rec.record(env.now, HIRED, employee_id, desk.index, value=req_id)
        env.process(self.working(desk, employee_id))

    def working(self, desk: RoleDesk, employee_id: int):
        """An employee's tenure: resignation (and notice) or dismissal, then the backfill."""
        env, rec = self.env, self.recorder
        plan = plan_exit(desk.attrition_rng, desk.location, desk.hazards)
        if math.isinf(plan.resign_tenure):
            return
        yield env.timeout(plan.resign_tenure)
        backfill_on_notice = self.scenario.policy.backfill == "on_notice"
        if plan.exit_tenure > plan.resign_tenure:
            rec.record(env.now, RESIGNED, employee_id, desk.index)
            if backfill_on_notice:
                self.open_requisition(desk, "backfill")
            yield env.timeout(plan.exit_tenure - plan.resign_tenure)
            rec.record(env.now, EXITED, employee_id, desk.index, plan.kind)
            if not backfill_on_notice:
                self.open_requisition(desk, "backfill")
        else:
            rec.record(env.now, EXITED, employee_id, desk.index, plan.kind)
            self.open_requisition(desk, "backfill")

    # -- lifecycle ---------------------------------------------------------------------------

    def run(self) -> Recorder:
        self.env.run(until=self.scenario.horizon_days)
        return self.recorder


def run_replication(scenario: Scenario, seed: int, replication: int) -> Recorder:
    """Run one replication; its randomness comes from (seed, replication) alone."""
    return Engagement(scenario, ReplicationStreams(seed, replication)).run()
