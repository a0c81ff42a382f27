"""The transfer mechanism: the client's legal entity, the transfer policy and the handover
(docs/model.md, "Transfer").

Each location's entity is set up from ``entity_setup_start_month`` for a sampled number of
days. A transfer starts at a planned month (``at_month``, delayed until every entity is ready)
or at the first month-end within [earliest_month, latest_month] at which the month-end
pipeline finds every readiness criterion met (``when_ready``). During the handover window
voluntary attrition is raised; at its end, by the location's ``transfer_regime``, every
employee accepts the new contract or leaves (consent, with the probability of
``transfer.consent``), or every contract continues (automatic continuation; docs/model.md,
"The transfer as a legal event").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import simpy

from botsim.inputs.scenario import DAYS_PER_MONTH, Location
from botsim.model.records import (
    ENTITY_READY,
    ENTITY_SETUP_STARTED,
    TRANSFER_COMPLETED,
    TRANSFER_STARTED,
    ExitKind,
)
from botsim.model.tasks import start

if TYPE_CHECKING:
    from botsim.model.engagement import Engagement


class Transfer:
    """Entity set-up, the transfer policy and the handover of one engagement."""

    def __init__(self, engagement: Engagement) -> None:
        self.engagement = engagement
        self.env, self.recorder = engagement.env, engagement.recorder
        self.policy = engagement.scenario.transfer
        self.in_window = False
        self.start_day = self.done_day = math.inf
        self.entity_ready_days: list[float] = []
        self.entity_ready: list[simpy.Event] = []
        if self.policy.entity_setup_start_month is not None:
            for index, loc in enumerate(engagement.scenario.locations):
                ready = self.env.event()
                self.entity_ready.append(ready)
                rng = engagement.streams.stream("entity", loc.name)
                start(self.env, self.entity_setup(index, loc, rng, ready))
        if self.policy.policy == "at_month":
            start(self.env, self.planned_transfer())

    @property
    def started(self) -> bool:
        return self.start_day < math.inf

    def entity_ready_day(self) -> float:
        """The day every location's entity was ready; inf while one is not."""
        if len(self.entity_ready_days) == len(self.engagement.scenario.locations):
            return max(self.entity_ready_days)
        return math.inf

    def entity_setup(self, index: int, loc: Location, rng: np.random.Generator, ready):
        yield self.policy.entity_setup_start_month * DAYS_PER_MONTH
        self.recorder.record(self.env.now, ENTITY_SETUP_STARTED, index, -1, loc.name)
        yield loc.entity.setup_days.sample(rng)
        self.recorder.record(self.env.now, ENTITY_READY, index, -1, loc.name)
        self.entity_ready_days.append(self.env.now)
        ready.succeed()

    def monthly_review(self, month: int, ready: bool) -> bool:
        """Start a when_ready transfer at the first month-end within [earliest_month,
        latest_month] at which the team is ready; say whether it started."""
        policy = self.policy
        if (
            ready
            and policy.policy == "when_ready"
            and not self.started
            and policy.earliest_month <= month <= policy.latest_month
        ):
            start(self.env, self.handover())
            return True
        return False

    def planned_transfer(self):
        yield self.policy.month * DAYS_PER_MONTH
        yield self.env.all_of(self.entity_ready)  # a late entity delays the transfer
        yield from self.handover()

    def handover(self):
        """The transfer window, then every employee accepts the new contract or leaves."""
        env, policy = self.env, self.policy
        workforce = self.engagement.workforce
        self.start_day = env.now
        self.recorder.record(env.now, TRANSFER_STARTED, 0, -1)
        self.in_window = True
        yield policy.window_months * DAYS_PER_MONTH
        self.in_window = False
        lost = 0
        consent_p = policy.consent.acceptance(policy.contract_acceptance)
        streams = self.engagement.streams
        for desk in self.engagement.desks:
            # Automatic continuation: every contract carries over (p = 1); the draws are taken
            # all the same, so the stream stays aligned with a consent regime.
            p = 1.0 if desk.location.transfer_regime == "automatic_continuation" else consent_p
            # The role's transfer stream, created here: a replication whose transfer never
            # starts does not pay for it (a stream is a function of its name alone).
            rng = streams.stream("transfer", desk.location.name, desk.role.name)
            staff = sorted([*desk.agents, *desk.leads])
            for employee_id in staff:
                declines = rng.random() >= p
                if declines and employee_id not in desk.resigned:
                    lost += 1
                    workforce.leave(desk, employee_id, ExitKind.DECLINED_TRANSFER)
        self.recorder.record(env.now, TRANSFER_COMPLETED, 0, -1, value=lost)
        self.done_day = env.now
