"""The month-end pipeline: what the components report at each month-end, and the lifecycle KPIs
computed from it, month by month (docs/model.md, "Management capacity" to "Transfer readiness").

At month-end m (day m * DAYS_PER_MONTH), after every event of that instant, the engagement
reports its state in one immutable :class:`MonthEnd` record. :meth:`Lifecycle.step` turns the
records, in order, into :class:`MonthKpis` rows: effective FTE, leads and lead coverage, client
capacity and coverage, documentation, trailing attrition and retention, stability, the
readiness criteria and the phase. It is the only implementation of these KPIs: the when-ready
steering review reads the newest row during the run, and after the run the rows are the
monthly series. A state observed at month-end m applies to month m, the interval (m - 1, m].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from botsim.model.rampup import productivity_of
from botsim.model.recruiting import expected_candidate_days
from botsim.scenario import DAYS_PER_MONTH, Knowledge, Scenario

CRITERIA = ("stable", "retention", "lead_coverage", "client_capacity", "documentation", "entity")
"""Transfer-readiness criteria, each reported in [0, 1]; 1 means the criterion holds."""

TOLERANCE = 1e-9
"""Rounding tolerance of the threshold comparisons (a criterion at 1 - 1e-12 holds)."""

RETENTION_WINDOW = 12
"""Months of the trailing retention criterion (brief: "trailing 12-month retention")."""


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True, slots=True)
class Requisitions:
    """Requisitions at a month-end: open (not yet accepted) = queued (waiting for a recruiter)
    + searching; accepted offers whose hire has not started; searching ones per role."""

    open: int
    searching: int
    accepted_in_notice: int
    searching_by_role: tuple[int, ...]

    @property
    def queued(self) -> int:
        return self.open - self.searching


@dataclass(frozen=True, slots=True)
class MonthEnd:
    """The engagement's state at month-end ``month``, after every event of that instant, and
    its flows within the month (agents are the planned seats; leads are counted apart)."""

    month: int
    day: float
    targets: tuple[int, ...]  # planned agents per role
    agents: tuple[tuple[tuple[int, float], ...], ...]  # per role: (employee, start day) present
    leads: tuple[int, ...]  # per lead team (:func:`lead_teams`)
    hires: int  # agents who started in the month
    exits: int  # agents who left in the month, promotions to lead included
    attrition_exits: int  # ... promotions excluded
    tenured_exits: int  # agents and leads who left with tenure >= knowledge.tenured_months
    serving_notice: int  # agents who resigned and have not left
    requisitions: Requisitions
    full_day: float  # the first day headcount >= target > 0; inf when not yet
    entity_ready_day: float  # the day every location's entity was ready; inf when not yet
    transfer_start_day: float  # inf when not started
    transfer_done_day: float  # inf when not completed


@dataclass(frozen=True, slots=True)
class MonthKpis:
    """The lifecycle KPIs at one month-end (one row of the monthly series)."""

    month: int
    target: float
    headcount: int
    effective_fte: float
    serving_notice: int
    hires: int
    exits: int
    attrition_exits: int
    by_location: tuple[tuple[str, int, float], ...]  # (location, headcount, target), split teams
    leads: int
    agents_per_lead: float
    overloaded_roles: int
    lead_coverage: float
    client_capacity: float
    client_demand: float
    phase: str
    documentation: float
    stable_month: bool
    entity_ready: bool
    retention_12m: float
    criteria: tuple[float, ...]  # in the order of CRITERIA
    readiness: float
    ready: bool  # every criterion holds
    meets_run: int  # consecutive month-ends meeting the stability thresholds, this one included
    stable_run: int  # consecutive stable month-ends, this one included
    requisitions: Requisitions
    candidates_in_funnel: float


# --------------------------------------------------------------------------- formulas


def lead_teams(scenario: Scenario) -> list[list[int]]:
    """Role indices grouped by (location, role family): the roles that share team leads."""
    teams: dict[tuple[str, str], list[int]] = {}
    for r, role in enumerate(scenario.roles):
        teams.setdefault((role.location, role.role_family), []).append(r)
    return list(teams.values())


def overloaded(agents: int, leads: int, span_of_control: int) -> bool:
    """A lead team is overloaded when its agents exceed span x its leads."""
    return agents > span_of_control * leads


def lead_coverage(agents: int, leads: int, span_of_control: int) -> float:
    """min(1, leads / ceil(agents / span)); 1 when no lead is needed (reference T9)."""
    needed = math.ceil(agents / span_of_control)
    return min(1.0, leads / needed) if needed > 0 else 1.0


def client_capacity(scenario: Scenario, month: float) -> float:
    """Client management hours per week at a month-end: learned (capped) plus planned hires."""
    client = scenario.client
    if client is None:
        return math.nan
    learned = client.hours_per_week + client.growth_hours_per_month * month
    if client.max_hours_per_week is not None:
        learned = min(learned, max(client.max_hours_per_week, client.hours_per_week))
    return learned + sum(h.hours_per_week for h in client.planned_hires if month >= h.month)


def demand_weights(scenario: Scenario) -> list[float]:
    """Per role, the client's weekly direction hours per ramped employee: the base hours times
    the time-zone factor (linear from the zero-overlap multiplier to 1 at the required
    overlap). Empty without a client."""
    client = scenario.client
    if client is None:
        return []
    weights = []
    for role in scenario.roles:
        overlap = scenario.location(role.location).timezone_overlap_hours
        short = (
            max(0.0, 1.0 - overlap / client.required_overlap_hours)
            if client.required_overlap_hours > 0
            else 0.0
        )
        tz = 1.0 + (client.low_overlap_demand_multiplier - 1.0) * short
        weights.append(client.demand_hours_per_employee * tz)
    return weights


def client_coverage(capacity: float, demand: float) -> float:
    """min(1, capacity / demand) where the team needs direction, else 1 (the client criterion)."""
    return min(1.0, capacity / max(demand, TOLERANCE)) if demand > 0 else 1.0


def documentation_step(
    knowledge: Knowledge,
    previous: float,
    growing: bool,
    tenured_ramped: float,
    target: float,
    tenured_exits: float,
    staff: float,
) -> float:
    """Documentation coverage D_m from D_{m-1}:

    D_m = clip(D_{m-1} + [growing_m] g (1 - D_{m-1}) min(1, T_m / target_m)
               - l X_m / max(H_m, 1), 0, 1)

    with T tenured-and-ramped agents, X tenured exits in the month, H staff at month-end.
    """
    d = previous
    if growing:
        share = tenured_ramped / target if target > 0 else 0.0
        d += knowledge.growth_per_month * (1.0 - d) * min(share, 1.0)
    if tenured_exits:
        d -= knowledge.loss_per_exit_share * tenured_exits / max(staff, 1.0)
    return min(max(d, 0.0), 1.0)


def annualised(exits: float, head_months: float, months: int) -> float:
    """Annualised rate of ``exits`` over ``months`` month-ends whose headcounts sum to
    ``head_months``: exits / mean headcount * 12 / months; inf when the mean is zero."""
    mean_h = head_months / months
    return exits / max(mean_h, TOLERANCE) * 12 / months if mean_h > 0 else math.inf


# --------------------------------------------------------------------------- the pipeline


@dataclass
class Lifecycle:
    """Steps month-end records into KPI rows; holds what carries over from month to month:
    documentation, the running sums of the trailing windows, the stability runs and each
    agent's overloaded ramp days."""

    scenario: Scenario
    documentation: float = field(init=False)
    _cum_exits: list[float] = field(init=False)
    _cum_heads: list[float] = field(init=False)
    _meets_run: int = 0
    _stable_run: int = 0
    _slowed_days: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sc = self.scenario
        self.documentation = sc.knowledge.initial
        self._cum_exits, self._cum_heads = [0.0], [0.0]
        self._teams = lead_teams(sc)
        self._team_of_role = {r: t for t, roles in enumerate(self._teams) for r in roles}
        self._ramps = [sc.ramp_for(role) for role in sc.roles]
        self._productivity = [productivity_of(ramp) for ramp in self._ramps]
        self._weights = demand_weights(sc)
        self._locations = [
            (loc.name, [r for r, role in enumerate(sc.roles) if role.location == loc.name])
            for loc in sc.locations
        ]
        # Little's law: applicants per day times the days one spends in the funnel.
        self._candidates_per_requisition = [
            rec.applicants_per_week / 7.0 * expected_candidate_days(rec)
            for rec in (sc.location(role.location).recruiting for role in sc.roles)
        ]

    def step(self, rec: MonthEnd) -> MonthKpis:
        """The KPIs at month-end ``rec.month`` (records must come in month order)."""
        sc = self.scenario
        mgmt, client, st, rd = sc.management, sc.client, sc.stability, sc.readiness
        end, previous_end = rec.day, (rec.month - 1) * DAYS_PER_MONTH
        heads_by_role = [len(agents) for agents in rec.agents]
        headcount = sum(heads_by_role)
        target = float(sum(rec.targets))

        # Management: leads, overload and lead coverage per lead team.
        over_role = [False] * len(rec.agents)
        coverage, overloaded_roles = 1.0, 0
        if mgmt is not None:
            span = mgmt.span_of_control
            for t, roles in enumerate(self._teams):
                team_agents = sum(heads_by_role[r] for r in roles)
                if overloaded(team_agents, rec.leads[t], span):
                    for r in roles:
                        over_role[r] = True
                    overloaded_roles += len(roles)
                coverage = min(coverage, lead_coverage(team_agents, rec.leads[t], span))
        leads = sum(rec.leads)
        agents_per_lead = headcount / leads if leads > 0 else math.nan

        # Agents' output: the ramp clock runs slower on overloaded days since training ended.
        fte = 0.0
        ramping_by_role = [0] * len(rec.agents)
        tenured_ramped = 0
        tenured_days = sc.knowledge.tenured_months * DAYS_PER_MONTH
        full = 1.0 - TOLERANCE
        slowed = self._slowed_days
        for r, agents in enumerate(rec.agents):
            if not agents:
                continue
            prod_of = self._productivity[r]
            role_output = 0.0
            ramping = 0
            slow = 1.0 - mgmt.overload.ramp_speed if over_role[r] else 0.0
            training = self._ramps[r].training_days
            for employee, start in agents:
                tenure = end - start
                plain = prod_of(tenure)
                if slow:  # this month's overloaded days after the training ended
                    overlap = end - max(previous_end, start + training)
                    if overlap > 0:
                        slowed[employee] = slowed.get(employee, 0.0) + slow * overlap
                lost = slowed.get(employee)  # ramp days lost to overload so far
                prod = prod_of(tenure - lost) if lost else plain
                role_output += prod
                ramping += prod < full
                tenured_ramped += plain >= full and tenure >= tenured_days
            if over_role[r]:
                role_output *= mgmt.overload.output_multiplier
            fte += role_output
            ramping_by_role[r] = ramping

        # Client capacity and demand.
        capacity = client_capacity(sc, rec.month)
        demand = math.nan
        if client is not None:
            demand = 0.0
            for r, weight in enumerate(self._weights):
                ramping = ramping_by_role[r]
                ramped = heads_by_role[r] - ramping
                demand += weight * (ramped + client.ramping_demand_multiplier * ramping)
            covered = client_coverage(capacity, demand)
            fte *= 1.0 - client.shortfall_output_sensitivity * (1.0 - covered)

        # Phase.
        build_end = rec.full_day
        if sc.build_max_months is not None:
            build_end = min(build_end, sc.build_max_months * DAYS_PER_MONTH)
        phase = "build" if end < build_end else "operate"
        if rec.transfer_start_day <= end:
            phase = "transfer" if end < rec.transfer_done_day else "owned"

        # Knowledge.
        self.documentation = documentation_step(
            sc.knowledge,
            self.documentation,
            end >= build_end,
            tenured_ramped,
            target,
            rec.tenured_exits,
            headcount + leads,
        )

        # Stability: thresholds, and attrition over the trailing window (fewer months at first).
        meets = (
            target > 0
            and headcount >= st.headcount_fraction * target - TOLERANCE
            and fte >= st.capacity_fraction * target - TOLERANCE
            and end >= rec.full_day
        )
        self._cum_exits.append(self._cum_exits[-1] + rec.attrition_exits)
        self._cum_heads.append(self._cum_heads[-1] + headcount)
        annual = self._trailing_rate(st.window_months)
        turnover = self._trailing_rate(RETENTION_WINDOW)
        stable = meets and annual <= st.max_annual_attrition
        self._meets_run = self._meets_run + 1 if meets else 0
        self._stable_run = self._stable_run + 1 if stable else 0

        # Readiness.
        retention = 1.0 - turnover if math.isfinite(turnover) else 0.0
        entity_ready = end >= rec.entity_ready_day
        criteria = (
            min(1.0, self._stable_run / rd.stable_months),
            min(max(retention / rd.min_retention, 0.0), 1.0) if rd.min_retention else 1.0,
            coverage,
            client_coverage(capacity, demand) if client is not None else 1.0,
            min(1.0, self.documentation / rd.min_documentation)
            if rd.min_documentation > 0
            else 1.0,
            1.0 if entity_ready else 0.0,
        )

        by_location = ()
        if len(self._locations) > 1:
            by_location = tuple(
                (
                    name,
                    sum(heads_by_role[r] for r in roles),
                    float(sum(rec.targets[r] for r in roles)),
                )
                for name, roles in self._locations
            )
        candidates = sum(
            per_requisition * searching
            for per_requisition, searching in zip(
                self._candidates_per_requisition, rec.requisitions.searching_by_role
            )
        )
        return MonthKpis(
            month=rec.month,
            target=target,
            headcount=headcount,
            effective_fte=fte,
            serving_notice=rec.serving_notice,
            hires=rec.hires,
            exits=rec.exits,
            attrition_exits=rec.attrition_exits,
            by_location=by_location,
            leads=leads,
            agents_per_lead=agents_per_lead,
            overloaded_roles=overloaded_roles,
            lead_coverage=coverage,
            client_capacity=capacity,
            client_demand=demand,
            phase=phase,
            documentation=self.documentation,
            stable_month=stable,
            entity_ready=entity_ready,
            retention_12m=retention,
            criteria=criteria,
            readiness=sum(criteria) / len(criteria),
            ready=all(c >= 1.0 - TOLERANCE for c in criteria),
            meets_run=self._meets_run,
            stable_run=self._stable_run,
            requisitions=rec.requisitions,
            candidates_in_funnel=candidates,
        )

    def _trailing_rate(self, window: int) -> float:
        """Annualised attrition over the last ``window`` month-ends (fewer at the start)."""
        hi = len(self._cum_exits) - 1
        k = min(hi, window)
        exits = self._cum_exits[hi] - self._cum_exits[hi - k]
        head_months = self._cum_heads[hi] - self._cum_heads[hi - k]
        return annualised(exits, head_months, k)


def time_to_stable(rows: Sequence[MonthKpis], window: int) -> float:
    """First month-end m that starts ``window`` consecutive month-ends meeting the thresholds
    whose trailing attrition at the last of them is within the limit (NaN when none fits)."""
    for row in rows:
        if row.meets_run >= window and row.stable_month:
            return float(row.month - window + 1)
    return math.nan
