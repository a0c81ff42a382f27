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

import functools
import math
import operator
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from botsim.inputs.caching import by_identity
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, Knowledge, Scenario
from botsim.model.hazards import steady_state_attrition
from botsim.model.rampup import full_output_tenure, lost_days, productivity_of
from botsim.model.recruiting import expected_candidate_days

CRITERIA = ("stable", "retention", "lead_coverage", "client_capacity", "documentation", "entity")
"""Transfer-readiness criteria, each reported in [0, 1]; 1 means the criterion holds."""

TOLERANCE = 1e-9
"""Rounding tolerance of the threshold comparisons (a criterion at 1 - 1e-12 holds)."""

RETENTION_WINDOW = 12
"""Months of the trailing retention criterion (brief: "trailing 12-month retention")."""


# --------------------------------------------------------------------------- the records


class Requisitions(NamedTuple):
    """Requisitions at a month-end: open (offer not yet accepted) = queued (waiting for a
    recruiter) + searching; accepted offers whose hire has not started; searching per role."""

    open: int
    searching: int
    accepted_in_notice: int
    searching_by_role: tuple[int, ...]

    @property
    def queued(self) -> int:
        return self.open - self.searching


class MonthEnd(NamedTuple):
    """The engagement's state at month-end ``month``, after every event of that instant, and
    its flows within the month (agents are the planned seats; leads are counted apart)."""

    month: int
    day: float
    targets: tuple[int, ...]  # planned agents per role
    agents: tuple[dict[int, float], ...]  # per role: employee -> start day, in start order
    leads: tuple[int, ...]  # per lead team (:func:`lead_teams`)
    hires: int  # agents who started in the month
    exits: int  # agents who left in the month, promotions to lead included
    attrition_exits: int  # ... promotions excluded
    tenured_exits: int  # agents and leads who left with tenure >= knowledge.tenured_months
    serving_notice: int  # agents who resigned and have not left
    requisitions: Requisitions
    full_day: float  # first day agents >= full-team seats of the target > 0; inf when not yet
    entity_ready_day: float  # the day every location's entity was ready; inf when not yet
    transfer_start_day: float  # inf when not started
    transfer_done_day: float  # inf when not completed


class MonthKpis(NamedTuple):
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


class Thresholds(NamedTuple):
    """The stability and retention thresholds of a scenario, ``"auto"`` values resolved
    (docs/model.md, "Full team and readiness thresholds")."""

    expected_attrition: float  # the team's steady-state annual attrition (profiles, weighted)
    planned_agents: int  # the weights: each role's largest planned headcount, summed
    max_annual_attrition: float
    min_retention: float
    attrition_window_months: int
    productive_share: float  # steady-state output of a filled seat, 1 - e L / DAYS_PER_YEAR
    capacity_fraction: float

    def assumptions(self, scenario: Scenario) -> dict[str, float | int | str]:
        """The resolved values, each saying whether it was set or resolved from "auto" (for
        the run manifest and the console)."""
        st, rd = scenario.stability, scenario.readiness
        return {
            "expected_steady_state_attrition": round(self.expected_attrition, 6),
            "stability.max_annual_attrition": round(self.max_annual_attrition, 6),
            "stability.max_annual_attrition_source": _source(st.max_annual_attrition),
            "stability.attrition_window_months": self.attrition_window_months,
            "stability.attrition_window_months_source": _source(st.attrition_window_months),
            "readiness.min_retention": round(self.min_retention, 6),
            "readiness.min_retention_source": _source(rd.min_retention),
            "stability.full_team_fraction": st.full_team_fraction,
            "expected_steady_state_productive_share": round(self.productive_share, 6),
            "stability.capacity_fraction": round(self.capacity_fraction, 6),
            "stability.capacity_fraction_source": _source(st.capacity_fraction),
        }


def _source(value: object) -> str:
    return "auto" if value == "auto" else "set"


@by_identity()
def resolved_thresholds(scenario: Scenario) -> Thresholds:
    """The scenario's :class:`Thresholds`; explicit numbers are kept as given.

    * expected attrition e = sum_r w_r e(location_r) / sum_r w_r, with w_r the role's largest
      planned headcount and e(role) :func:`~botsim.model.hazards.steady_state_attrition` of the
      role's attrition (its own, or its location's);
    * ``max_annual_attrition: auto`` = ``auto_attrition_multiple`` x e;
    * ``min_retention: auto`` = max(0, 1 - max_annual_attrition);
    * ``attrition_window_months: auto`` = the shortest window W >= ``window_months`` with
      N e W / 12 >= ``min_expected_exits`` (N = sum_r w_r), at most RETENTION_WINDOW (and never
      below ``window_months``);
    * productive share p = sum_r w_r max(0, 1 - e_r L_r / DAYS_PER_YEAR) / sum_r w_r, with L_r
      :func:`~botsim.model.rampup.lost_days` of the role's ramp (a seat's steady-state output
      per filled seat: e_r hires a year each lose L_r productive days);
    * ``capacity_fraction: auto`` = ``auto_capacity_margin`` x ``headcount_fraction`` x p.
    """
    st, rd = scenario.stability, scenario.readiness
    weights = [max(step.headcount for step in role.plan) for role in scenario.roles]
    rates = [
        steady_state_attrition(scenario.location(role.location), scenario.attrition_for(role))
        for role in scenario.roles
    ]
    agents = sum(weights)
    expected = sum(map(operator.mul, weights, rates)) / agents if agents else 0.0
    limit = (
        st.auto_attrition_multiple * expected
        if st.max_annual_attrition == "auto"
        else st.max_annual_attrition
    )
    retention = max(0.0, 1.0 - limit) if rd.min_retention == "auto" else rd.min_retention
    window = st.attrition_window_months
    if window == "auto":
        exits_per_month = agents * expected / 12
        needed = (
            math.ceil(st.min_expected_exits / exits_per_month - TOLERANCE)
            if exits_per_month > 0
            else RETENTION_WINDOW
        )
        window = max(st.window_months, min(needed, RETENTION_WINDOW))
    shares = [
        max(0.0, 1.0 - rate * lost_days(scenario.ramp_for(role)) / DAYS_PER_YEAR)
        for role, rate in zip(scenario.roles, rates, strict=True)
    ]
    productive = sum(map(operator.mul, weights, shares)) / agents if agents else 1.0
    capacity = (
        st.auto_capacity_margin * st.headcount_fraction * productive
        if st.capacity_fraction == "auto"
        else st.capacity_fraction
    )
    return Thresholds(expected, agents, limit, retention, window, productive, capacity)


# --------------------------------------------------------------------------- the pipeline


@dataclass(frozen=True)
class RoleRamp:
    """A role's ramp as the pipeline reads it: the productivity of a tenure, the tenure from
    which output is full (and stays full), and the tenure from which an agent also counts as
    tenured for documentation (``knowledge.tenured_months``)."""

    productivity: Callable[[float], float]
    training_days: float
    full_output_tenure: float
    tenured_and_ramped: float


@by_identity()
def _role_ramps(scenario: Scenario) -> tuple[RoleRamp, ...]:
    """The :class:`RoleRamp` of each role (once per scenario)."""
    tenured_days = scenario.knowledge.tenured_months * DAYS_PER_MONTH
    ramps = []
    for role in scenario.roles:
        ramp = scenario.ramp_for(role)
        full = full_output_tenure(ramp)
        ramps.append(
            RoleRamp(productivity_of(ramp), ramp.training_days, full, max(full, tenured_days))
        )
    return tuple(ramps)


@by_identity()
def _candidates_per_requisition(scenario: Scenario) -> tuple[float, ...]:
    """Per role, Little's law: applicants per day times the days one spends in the funnel."""
    return tuple(
        rec.applicants_per_week / 7.0 * expected_candidate_days(rec)
        for rec in (scenario.location(role.location).recruiting for role in scenario.roles)
    )


@by_identity()
def _client_capacity_by_month(scenario: Scenario) -> tuple[float, ...]:
    """:func:`client_capacity` at month-ends 0..horizon (once per scenario)."""
    return tuple(client_capacity(scenario, m) for m in range(scenario.horizon_months + 1))


@by_identity()
def _location_roles(scenario: Scenario) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Each location's role indices, for split teams (empty with one location)."""
    if len(scenario.locations) < 2:
        return ()
    return tuple(
        (loc.name, tuple(r for r, role in enumerate(scenario.roles) if role.location == loc.name))
        for loc in scenario.locations
    )


@dataclass
class Lifecycle:
    """Steps month-end records into KPI rows; holds what carries over from month to month:
    documentation, the running sums of the trailing windows, the stability runs and the ramp
    days lost to overload by agents not yet at full output."""

    scenario: Scenario
    documentation: float = field(init=False)
    _cum_exits: list[float] = field(init=False)
    _cum_heads: list[float] = field(init=False)
    _meets_run: int = 0
    _stable_run: int = 0
    _lost_days: list[dict[int, float]] = field(init=False)  # per role: employee -> days

    def __post_init__(self) -> None:
        sc = self.scenario
        self.documentation = sc.knowledge.initial
        self._cum_exits, self._cum_heads = [0.0], [0.0]
        self._teams = lead_teams(sc)
        self._ramps = _role_ramps(sc)
        self._lost_days = [{} for _ in sc.roles]
        self._weights = demand_weights(sc)
        self._client_capacity = _client_capacity_by_month(sc)
        self._locations = _location_roles(sc)
        self._candidates_per_requisition = _candidates_per_requisition(sc)
        build_max = sc.build_max_months
        self._build_max_day = math.inf if build_max is None else build_max * DAYS_PER_MONTH
        self._knowledge = sc.knowledge
        self._last_targets: tuple[int, ...] | None = None  # the targets summed last month
        self._last_target = 0.0
        # Parameters read every month, copied out of the (pydantic) scenario once.
        mgmt, client = sc.management, sc.client
        self._has_management, self._has_client = mgmt is not None, client is not None
        if mgmt is not None:
            self._span = mgmt.span_of_control
            self._slow = 1.0 - mgmt.overload.ramp_speed
            self._output_multiplier = mgmt.overload.output_multiplier
        if client is not None:
            self._ramping_demand = client.ramping_demand_multiplier
            self._shortfall_sensitivity = client.shortfall_output_sensitivity
        st, rd = sc.stability, sc.readiness
        limits = resolved_thresholds(sc)
        self._headcount_fraction, self._capacity_fraction = (
            st.headcount_fraction,
            limits.capacity_fraction,
        )
        self._max_attrition, self._window = (
            limits.max_annual_attrition,
            limits.attrition_window_months,
        )
        self._stable_months = rd.stable_months
        self._min_retention, self._min_documentation = limits.min_retention, rd.min_documentation

    def step(self, rec: MonthEnd) -> MonthKpis:
        """The KPIs at month-end ``rec.month`` (records must come in month order)."""
        # What stays the same from month to month is not computed again (each shortcut gives
        # the value the formula would: the formulas themselves are called, once).
        end = rec.day
        agents_by_role = rec.agents
        heads_by_role = list(map(len, agents_by_role))
        headcount = sum(heads_by_role)
        targets = rec.targets
        if targets is not self._last_targets:  # a new plan step (or a record built apart)
            self._last_targets, self._last_target = targets, float(sum(targets))
        target = self._last_target
        lead_counts = rec.leads

        # Management: leads, overload and lead coverage per lead team.
        over_role = None
        coverage, overloaded_roles = 1.0, 0
        if self._has_management:
            span = self._span
            for t, roles in enumerate(self._teams):
                team_agents = 0
                for r in roles:
                    team_agents += heads_by_role[r]
                over, team_coverage = _lead_team_state(team_agents, lead_counts[t], span)
                if over:
                    if over_role is None:
                        over_role = [False] * len(agents_by_role)
                    for r in roles:
                        over_role[r] = True
                    overloaded_roles += len(roles)
                coverage = min(coverage, team_coverage)
        leads = sum(lead_counts)
        agents_per_lead = headcount / leads if leads > 0 else math.nan

        # Agents' output, with overload slowing the ramp and cutting output.
        fte = 0.0
        ramping_by_role = [0] * len(agents_by_role)
        tenured_ramped = 0
        month = rec.month
        for r, agents in enumerate(agents_by_role):
            if not agents:
                continue
            over = over_role is not None and over_role[r]
            output, ramping, tenured = self._agent_output(
                r, agents, month, self._slow if over else 0.0
            )
            if over:
                output *= self._output_multiplier
            fte += output
            ramping_by_role[r] = ramping
            tenured_ramped += tenured

        # Client capacity and demand.
        capacity = demand = math.nan
        covered = 1.0  # the client criterion (1 without a client model)
        if self._has_client:
            capacity = self._client_capacity[month]
            demand = 0.0
            for r, weight in enumerate(self._weights):
                ramping = ramping_by_role[r]
                ramped = heads_by_role[r] - ramping
                demand += weight * (ramped + self._ramping_demand * ramping)
            covered = client_coverage(capacity, demand)
            fte *= 1.0 - self._shortfall_sensitivity * (1.0 - covered)

        # Phase.
        full_day, build_max_day = rec.full_day, self._build_max_day
        build_end = build_max_day if build_max_day < full_day else full_day  # min(), inlined
        growing = end >= build_end
        phase = "operate" if growing else "build"
        if rec.transfer_start_day <= end:
            phase = "transfer" if end < rec.transfer_done_day else "owned"

        # Knowledge: unchanged in a month that neither grows it nor loses tenured staff
        # (documentation_step then returns D_{m-1}, which lies in [0, 1]).
        tenured_exits = rec.tenured_exits
        if growing or tenured_exits:
            self.documentation = documentation_step(
                self._knowledge,
                self.documentation,
                growing,
                tenured_ramped,
                target,
                tenured_exits,
                headcount + leads,
            )
        documentation = self.documentation

        # Stability: thresholds once the team has been full (at stability.full_team_fraction),
        # and attrition over the trailing attrition window (fewer months at first).
        meets = (
            target > 0
            and headcount >= self._headcount_fraction * target - TOLERANCE
            and fte >= self._capacity_fraction * target - TOLERANCE
            and end >= full_day
        )
        cum_x, cum_h = self._cum_exits, self._cum_heads
        x_n = cum_x[-1] + rec.attrition_exits
        h_n = cum_h[-1] + headcount
        cum_x.append(x_n)
        cum_h.append(h_n)
        n = len(cum_x) - 1  # month-ends so far; the windows hold fewer at the start
        k = n if n < RETENTION_WINDOW else RETENTION_WINDOW
        annual_retention = annualised(x_n - cum_x[n - k], h_n - cum_h[n - k], k)
        stable = False
        if meets:  # the attrition window matters only when the thresholds are met
            if k != (n if n < self._window else self._window):
                k = n if n < self._window else self._window
                annual = annualised(x_n - cum_x[n - k], h_n - cum_h[n - k], k)
            else:  # the same window: the same rate
                annual = annual_retention
            stable = annual <= self._max_attrition
        meets_run = self._meets_run = self._meets_run + 1 if meets else 0
        stable_run = self._stable_run = self._stable_run + 1 if stable else 0

        # Readiness.
        retention = 1.0 - annual_retention if math.isfinite(annual_retention) else 0.0
        entity_ready = end >= rec.entity_ready_day
        min_retention, min_documentation = self._min_retention, self._min_documentation
        criteria = (
            min(1.0, stable_run / self._stable_months),
            min(max(retention / min_retention, 0.0), 1.0) if min_retention else 1.0,
            coverage,
            covered,
            min(1.0, documentation / min_documentation) if min_documentation > 0 else 1.0,
            1.0 if entity_ready else 0.0,
        )

        by_location = ()
        if self._locations:  # split teams
            by_location = tuple(
                (name, sum(heads_by_role[r] for r in roles), sum(targets[r] for r in roles))
                for name, roles in self._locations
            )
        requisitions = rec.requisitions
        candidates = sum(
            map(operator.mul, requisitions.searching_by_role, self._candidates_per_requisition)
        )
        # _make: the fields in order, as MonthKpis(...) takes them, without its 27-argument call.
        return _new_kpis(
            (
                month,
                target,
                headcount,
                fte,
                rec.serving_notice,
                rec.hires,
                rec.exits,
                rec.attrition_exits,
                by_location,
                leads,
                agents_per_lead,
                overloaded_roles,
                coverage,
                capacity,
                demand,
                phase,
                documentation,
                stable,
                entity_ready,
                retention,
                criteria,
                sum(criteria) / len(criteria),
                min(criteria) >= 1.0 - TOLERANCE,
                meets_run,
                stable_run,
                requisitions,
                candidates,
            )
        )

    def _agent_output(
        self, role: int, agents: dict[int, float], month: int, slow: float
    ) -> tuple[float, int, int]:
        """A role's output at month-end ``month`` (before the overload cut), its agents still
        ramping, and its agents tenured and fully ramped on the plain tenure clock.

        Ramp clock: tenure minus ``slow`` x the overloaded days since training ended (``slow``
        = 1 - ramp_speed in an overloaded month, else 0). The clock never runs backwards
        (it gains at least 1 - slow days a day), so an agent at full output stays there: only
        the agents not yet at full output at the previous month-end are looked at one by one.
        ``agents`` are in start order (hires are seated as they start).
        """
        ramp = self._ramps[role]
        productivity, full_tenure = ramp.productivity, ramp.full_output_tenure
        end = month * DAYS_PER_MONTH
        starts = list(agents.values())
        tenured = bisect_right(starts, end - ramp.tenured_and_ramped)
        lost = self._lost_days[role]
        if not slow and not lost:  # no ramp day lost to overload: the plain clock
            full_now = bisect_right(starts, end - full_tenure)
            if full_now == len(starts):
                return float(full_now), 0, tenured
            ramping = starts[full_now:]
            output = float(full_now) + sum([productivity(end - start) for start in ramping])
            return output, len(ramping), tenured
        # Started by then: at full output on the plain clock at the previous month-end, and so
        # on the ramp clock too unless behind (``lost``).
        previous_end = (month - 1) * DAYS_PER_MONTH
        full_cut = previous_end - full_tenure
        first = bisect_right(starts, full_cut)
        looked_at = list(islice(agents.items(), first, None)) if first < len(starts) else []
        if lost:
            for employee in lost.keys() - agents.keys():
                del lost[employee]  # left the team
            looked_at += [(e, agents[e]) for e in lost if agents[e] <= full_cut]
        output = float(len(agents) - len(looked_at))
        ramping = 0
        training_days = ramp.training_days
        for employee, start in looked_at:
            behind = lost.get(employee, 0.0)
            if slow:  # this month's overloaded days after the training ended
                overlap = end - max(previous_end, start + training_days)
                if overlap > 0:
                    behind = lost[employee] = behind + slow * overlap
            clock = (end - start) - behind
            if clock >= full_tenure:
                lost.pop(employee, None)
                output += 1.0
            else:
                output += productivity(clock)
                ramping += 1
        return output, ramping, tenured


_new_kpis = MonthKpis._make


@functools.lru_cache(maxsize=4096)
def _lead_team_state(agents: int, leads: int, span_of_control: int) -> tuple[bool, float]:
    """:func:`overloaded` and :func:`lead_coverage` of a lead team (pure: computed once per
    distinct team state; month-ends repeat the same few)."""
    return overloaded(agents, leads, span_of_control), lead_coverage(agents, leads, span_of_control)


def time_to_stable(rows: Sequence[MonthKpis], window: int) -> float:
    """First month-end m that starts ``window`` consecutive month-ends meeting the thresholds
    whose trailing attrition at the last of them is within the limit (NaN when none fits)."""
    for row in rows:
        if row.meets_run >= window and row.stable_month:
            return float(row.month - window + 1)
    return math.nan
