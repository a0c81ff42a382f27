"""The desks of an engagement: one per role, holding its live staff and its requisition counts,
and the lead teams that group them. The mechanisms' components (recruitment, workforce,
management, transfer) act on desks; the month-end record reads them.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

import numpy as np

from botsim.inputs.caching import by_identity
from botsim.inputs.scenario import (
    DAYS_PER_MONTH,
    PLAN_STEP_ROUNDING,
    Attrition,
    Location,
    NoticeBuyout,
    Recruiting,
    Role,
    Scenario,
)
from botsim.model.hazards import ExitBands, HazardTable, scaled_bands, voluntary_share
from botsim.model.random import UniformBlocks
from botsim.model.recruiting import Draw, Funnel, RecruiterSlots, duration_draw, funnel_of
from botsim.model.tasks import Task


@dataclass(frozen=True)
class DeskSettings:
    """A role's desk parameters, which depend on the scenario alone: prepared once per scenario
    (:meth:`of`, cached by the engagement) and copied into every replication's desk.

    They are copied out of the (pydantic) scenario as plain floats and tuples: the per-event
    processes read them, and reading the scenario per event costs more than the event.
    """

    role: Role
    location: Location
    attrition: Attrition  # the role's (its override, else its location's)
    hazards: HazardTable
    max_multiplier: float  # the engagement's bound on the voluntary-hazard multiplier
    immediate_start_share: float  # accepted candidates available at once (no notice)
    notice_buyout: NoticeBuyout | None  # issue 17: the role's notice buy-out, if any
    recruiting: Recruiting  # the role's funnel (its location's, with the role's stage overrides)
    monthly_targets: tuple[int, ...]  # the target at each month-end
    plan: tuple[tuple[float, int], ...]  # (month, headcount) per step
    funnel: Funnel
    candidate_notice: Draw
    no_show: float
    exit_bands: ExitBands  # dominating hazard, scaled by max_multiplier
    voluntary_shares: tuple[float, ...]  # per band, at max_multiplier
    probation_days: float
    probation_failure: float
    walkout_share: float
    notice_days: float
    layoff_notice_days: float

    @classmethod
    def of(
        cls,
        role: Role,
        location: Location,
        attrition: Attrition,
        recruiting: Recruiting,
        max_multiplier: float,
        immediate_start_share: float,
        notice_buyout: NoticeBuyout | None,
        monthly_targets: tuple[int, ...],
    ) -> DeskSettings:
        hazards = HazardTable.from_attrition(attrition)
        return cls(
            role=role,
            location=location,
            attrition=attrition,
            hazards=hazards,
            max_multiplier=max_multiplier,
            immediate_start_share=immediate_start_share,
            notice_buyout=notice_buyout,
            recruiting=recruiting,
            monthly_targets=monthly_targets,
            plan=tuple((step.month, step.headcount) for step in role.plan),
            funnel=funnel_of(recruiting),
            candidate_notice=duration_draw(recruiting.candidate_notice),
            no_show=recruiting.no_show,
            exit_bands=scaled_bands(hazards, max_multiplier),
            voluntary_shares=tuple(
                voluntary_share(hazards, band, max_multiplier) for band in range(len(hazards.bands))
            ),
            probation_days=location.probation.months * DAYS_PER_MONTH,
            probation_failure=location.probation.failure_probability,
            walkout_share=attrition.no_notice_share,
            notice_days=location.notice_days,
            layoff_notice_days=location.layoff_notice_days,
        )


@dataclass
class RoleDesk:
    """One role in one location in one replication: its random streams, its live staff and
    requisition counts, and (copied from its :class:`DeskSettings`) its parameters."""

    index: int
    recruiters: RecruiterSlots
    search_uniforms: UniformBlocks  # the search stream, read in blocks
    onboarding_rng: np.random.Generator
    attrition_uniforms: UniformBlocks  # the attrition stream, HIRE_DRAW_BLOCK per hire
    availability_rng: np.random.Generator | None  # draws who is available at once
    buyout_rng: np.random.Generator | None  # draws whose notice is bought out (issue 17)
    settings: InitVar[DeskSettings]
    agents: dict[int, float] = field(default_factory=dict)  # employee id -> start day
    leads: dict[int, float] = field(default_factory=dict)
    tenures: dict[int, Task] = field(default_factory=dict)  # each employee's process
    resigned: set[int] = field(default_factory=set)
    promoting: set[int] = field(default_factory=set)
    hires: int = 0
    open_requisitions: int = 0  # opened, offer not yet accepted
    searching: int = 0  # holding a recruiter slot
    accepted_in_notice: int = 0  # offer accepted, hire not yet started (or no-show)
    agents_in_notice: int = 0  # agents who resigned and have not left yet
    team: LeadTeam | None = None  # the lead team of the desk's location and role family
    surplus: int = 0  # seats a plan reduction removed that no exit has absorbed yet
    # The settings' fields, as plain attributes (one lookup per read, not two).
    role: Role = field(init=False)
    location: Location = field(init=False)
    attrition: Attrition = field(init=False)
    hazards: HazardTable = field(init=False)
    max_multiplier: float = field(init=False)
    immediate_start_share: float = field(init=False)
    notice_buyout: NoticeBuyout | None = field(init=False)
    recruiting: Recruiting = field(init=False)
    monthly_targets: tuple[int, ...] = field(init=False)
    plan: tuple[tuple[float, int], ...] = field(init=False)
    funnel: Funnel = field(init=False)
    candidate_notice: Draw = field(init=False)
    no_show: float = field(init=False)
    exit_bands: ExitBands = field(init=False)
    voluntary_shares: tuple[float, ...] = field(init=False)
    probation_days: float = field(init=False)
    probation_failure: float = field(init=False)
    walkout_share: float = field(init=False)
    notice_days: float = field(init=False)
    layoff_notice_days: float = field(init=False)

    def __post_init__(self, settings: DeskSettings) -> None:
        self.__dict__.update(settings.__dict__)

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
        count = 0
        for desk in self.desks:
            count += len(desk.agents)
        return count

    def lead_count(self) -> int:
        count = 0
        for desk in self.desks:
            count += len(desk.leads)
        return count

    def target_at(self, month: float) -> int:
        target = 0
        for desk in self.desks:
            target += desk.target_at(month)
        return target


@by_identity()
def month_end_targets(scenario: Scenario) -> tuple[tuple[int, ...], ...]:
    """Each role's planned headcount at each month-end 0..horizon (a step at month m is in
    force at month-end m); once per scenario."""
    months = range(scenario.horizon_months + 1)
    return tuple(
        tuple(role.target_at(m + PLAN_STEP_ROUNDING) for m in months) for role in scenario.roles
    )


@by_identity()
def role_recruiting(scenario: Scenario) -> tuple[Recruiting, ...]:
    """Each role's recruiting (its location's, with the role's stage_pass_rates); once per
    scenario, so the prepared funnels are shared by every replication."""
    return tuple(scenario.recruiting_for(role) for role in scenario.roles)
