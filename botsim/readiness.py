"""The BOT lifecycle over month-ends: leads and span, client capacity, documentation, phases,
transfer readiness and transfer outcome. Pure functions of the event records and the base
monthly series (docs/model.md, sections "Management capacity" to "Transfer readiness").

Month-end m is day m * DAYS_PER_MONTH; a state observed at month-end m applies to month m,
the interval (m - 1, m].
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from botsim.intervals import active_at, count_le
from botsim.model.rampup import productivity
from botsim.records import (
    ENTITY_READY,
    TRANSFER_COMPLETED,
    TRANSFER_STARTED,
    EmployeeTable,
    Event,
)
from botsim.scenario import DAYS_PER_MONTH, Knowledge, Scenario

CRITERIA = ("stable", "retention", "lead_coverage", "client_capacity", "documentation", "entity")
"""Transfer-readiness criteria, each reported in [0, 1]; 1 means the criterion holds."""

_EPS = 1e-9

RETENTION_WINDOW = 12
"""Months of the trailing retention criterion (brief: "trailing 12-month retention")."""


def subset(emp: EmployeeTable, mask: np.ndarray) -> EmployeeTable:
    """The rows of an employee table selected by ``mask``."""
    return EmployeeTable(**{name: getattr(emp, name)[mask] for name in emp.__dataclass_fields__})


# --------------------------------------------------------------------------- management


def lead_teams(scenario: Scenario) -> list[list[int]]:
    """Role indices grouped by (location, role family): the roles that share team leads."""
    teams: dict[tuple[str, str], list[int]] = {}
    for r, role in enumerate(scenario.roles):
        teams.setdefault((role.location, role.role_family), []).append(r)
    return list(teams.values())


def lead_series(
    scenario: Scenario,
    emp: EmployeeTable,
    ends: np.ndarray,
    agent_heads: np.ndarray,
) -> dict[str, np.ndarray]:
    """Leads, agents per lead, overload flag and lead coverage at each month-end, summed over
    the lead teams (the roles of one family in one location share their leads).

    A team is overloaded when its agents > span * its leads; every role of an overloaded team
    counts as overloaded. Lead coverage: min over teams of min(1, leads / ceil(agents / span))
    (reference T9), 1 where leads are not modelled. ``agent_heads``: the agents present at
    each month-end (used when all roles form one team).
    """
    n = len(ends)
    mgmt = scenario.management
    overloaded = np.zeros((len(scenario.roles), n), dtype=bool)
    if mgmt is None and not emp.is_lead.any():  # no leads: nothing to count or cover
        return {
            "leads": np.zeros(n),
            "agents_per_lead": np.full(n, np.nan),
            "overloaded_roles": np.zeros(n, dtype=np.intp),
            "lead_coverage": np.ones(n),
            "_overloaded_by_role": overloaded,
        }
    leads_total = np.zeros(n)
    agents_total = np.zeros(n)
    coverage = np.ones(n)
    teams = lead_teams(scenario)
    is_lead = emp.is_lead
    for roles in teams:
        if len(teams) == 1:  # every employee is in this team
            agent_rows, lead_rows = ~is_lead, is_lead
        else:
            in_team = emp.role == roles[0]
            for r in roles[1:]:
                in_team |= emp.role == r
            agent_rows, lead_rows = in_team & ~is_lead, in_team & is_lead
        if len(teams) == 1:
            agents = agent_heads
        else:
            agents = active_at(emp.start[agent_rows], emp.exit[agent_rows], ends)
        leads = active_at(emp.start[lead_rows], emp.exit[lead_rows], ends)
        leads_total += leads
        agents_total += agents
        if mgmt is not None:
            span = mgmt.span_of_control
            overloaded[roles] = agents > span * leads
            needed = np.ceil(agents / span)
            cov = np.where(needed > 0, np.minimum(1.0, leads / np.maximum(needed, 1)), 1.0)
            coverage = np.minimum(coverage, cov)
    per_lead = np.full(n, np.nan)  # agents per lead where there are leads (whole counts)
    np.divide(agents_total, leads_total, out=per_lead, where=leads_total > 0)
    return {
        "leads": leads_total,
        "agents_per_lead": per_lead,
        "overloaded_roles": np.add.reduce(overloaded, axis=0, dtype=np.intp),
        "lead_coverage": coverage,
        "_overloaded_by_role": overloaded,
    }


def agent_output(
    scenario: Scenario,
    agents: EmployeeTable,
    edges: np.ndarray,
    overloaded: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Effective FTE of agents at month-ends with overload slowing ramp-up and cutting output.

    Ramp clock: tenure minus (1 - ramp_speed) x the overloaded days since training ended, using
    the month-level overload flag of the employee's role (``edges``: day 0 and the month-ends).
    Returns the effective FTE, per role
    the headcount and the number still ramping, and the agents present at each month-end who
    are tenured (``knowledge.tenured_months``) and fully ramped on the plain tenure clock (the
    documentation growth of :func:`documentation`).
    """
    mgmt = scenario.management
    ends = edges[1:]
    n_roles, n = len(scenario.roles), len(ends)
    fte = np.zeros(n)
    heads = np.zeros((n_roles, n))
    ramping = np.zeros((n_roles, n))
    tenured_ramped = np.zeros(n)
    tenured_days = scenario.knowledge.tenured_months * DAYS_PER_MONTH
    at = ends[None, :]
    # ufuncs called directly below (the ndarray methods add a Python wrapper per call).
    add = np.add.reduce

    def count(flags: np.ndarray) -> np.ndarray:  # True values per month (column)
        return add(flags, axis=0, dtype=np.intp)

    for r, role in enumerate(scenario.roles):
        if n_roles == 1:  # every agent is of role 0
            if not len(agents.start):
                continue
            start, end = agents.start[:, None], agents.exit[:, None]
        else:
            mask = agents.role == r
            if not mask.any():
                continue
            start, end = agents.start[mask][:, None], agents.exit[mask][:, None]
        ramp = scenario.ramp_for(role)
        plain_tenure = at - start
        plain_prod = productivity(plain_tenure, ramp)
        tenure, prod = plain_tenure, plain_prod
        if mgmt is not None and overloaded[r].any():
            slow = 1.0 - mgmt.overload.ramp_speed
            # Overloaded days elapsed by day t: piecewise linear through `cum` at the edges.
            cum = np.zeros(n + 1)
            np.add.accumulate(overloaded[r] * DAYS_PER_MONTH, out=cum[1:])
            by_end = cum[None, 1:]  # at the month-ends themselves (the knots)
            # ... and by min(end of training, month-end): that training end, or the month-end.
            ramp_from = start + ramp.training_days
            by_ramp_start = np.where(ramp_from < at, np.interp(ramp_from, edges, cum), by_end)
            tenure = tenure - slow * (by_end - by_ramp_start)
            prod = productivity(tenure, ramp)
        present = start <= at
        present &= at < end
        prod = np.where(present, prod, 0.0)
        role_fte = add(prod, axis=0)
        if mgmt is not None:
            role_fte *= np.where(overloaded[r], mgmt.overload.output_multiplier, 1.0)
        fte += role_fte
        present_heads = count(present)
        heads[r] = present_heads
        # Still ramping: present, below full output (prod is 0 where not present).
        ramping[r] = present_heads - count(prod >= 1.0 - _EPS)
        ramped = plain_prod >= 1.0 - _EPS
        ramped &= present
        ramped &= plain_tenure >= tenured_days
        tenured_ramped += count(ramped)
    return fte, heads, ramping, tenured_ramped


# --------------------------------------------------------------------------- client capacity


def client_capacity(scenario: Scenario, months: np.ndarray) -> np.ndarray:
    """Client management hours per week at month-ends: learned (capped) plus planned hires."""
    client = scenario.client
    if client is None:
        return np.full(len(months), np.nan)
    learned = client.hours_per_week + client.growth_hours_per_month * months
    if client.max_hours_per_week is not None:
        learned = np.minimum(learned, max(client.max_hours_per_week, client.hours_per_week))
    hired = sum(
        (np.where(months >= h.month, h.hours_per_week, 0.0) for h in client.planned_hires),
        np.zeros(len(months)),
    )
    return learned + hired


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


def client_demand(
    scenario: Scenario, headcount_by_role: np.ndarray, ramping_by_role: np.ndarray
) -> np.ndarray:
    """Weekly direction hours the team needs: per employee (:func:`demand_weights`), more
    while ramping."""
    client = scenario.client
    if client is None:
        return np.full(headcount_by_role.shape[1], np.nan)
    total = np.zeros(headcount_by_role.shape[1])
    for r, weight in enumerate(demand_weights(scenario)):
        ramped = headcount_by_role[r] - ramping_by_role[r]
        weighted = ramped + client.ramping_demand_multiplier * ramping_by_role[r]
        total += weight * weighted
    return total


def client_output_factor(
    scenario: Scenario, capacity: np.ndarray, demand: np.ndarray
) -> np.ndarray:
    """1 - s * (1 - min(1, capacity / demand)); 1 when the client is not modelled."""
    if scenario.client is None:
        return np.ones(len(capacity))
    covered = client_coverage(capacity, demand)
    return 1.0 - scenario.client.shortfall_output_sensitivity * (1.0 - covered)


def client_coverage(capacity: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """min(1, capacity / demand) where the team needs direction, else 1 (the client criterion)."""
    return np.where(demand > 0, np.minimum(1.0, capacity / np.maximum(demand, _EPS)), 1.0)


# --------------------------------------------------------------------------- knowledge


def documentation_step(
    knowledge: Knowledge,
    previous: float,
    growing: bool,
    tenured_ramped: float,
    target: float,
    tenured_exits: float,
    staff: float,
) -> float:
    """One month of :func:`documentation`: D_m from D_{m-1}.

    D_m is increasing in D_{m-1} (g <= 1 and the share <= 1), in T_m and in H_m, and
    decreasing in X_m; :func:`documentation_growth_months` rests on the first.
    """
    # min/max written as comparisons (the same values for any counts, the clip's -0.0 and NaN
    # included: a builtin call each costs more than the arithmetic, run every month of every
    # replication; tests/unit/test_documentation_step.py checks it against min/max).
    d = previous
    if growing:
        share = tenured_ramped / target if target > 0 else 0.0
        d += knowledge.growth_per_month * (1.0 - d) * (share if share < 1.0 else 1.0)
    if tenured_exits:  # subtracting 0.0 changes nothing
        d -= knowledge.loss_per_exit_share * tenured_exits / (staff if staff >= 1.0 else 1.0)
    return 0.0 if not d > 0.0 else d if d < 1.0 else 1.0


def documentation(
    scenario: Scenario,
    growing: np.ndarray,
    tenured_ramped: np.ndarray,
    target: np.ndarray,
    tenured_exits: np.ndarray,
    staff: np.ndarray,
) -> np.ndarray:
    """Documentation coverage D_m in [0, 1]:

    D_m = clip(D_{m-1} + [growing_m] g (1 - D_{m-1}) min(1, T_m / target_m)
               - l X_m / max(H_m, 1), 0, 1)

    with T tenured-and-ramped agents, X tenured exits in the month, H staff at month-end.
    """
    knowledge = scenario.knowledge
    out = []
    d = knowledge.initial
    for month in zip(
        growing.tolist(),
        tenured_ramped.tolist(),
        target.tolist(),
        tenured_exits.tolist(),
        staff.tolist(),
    ):
        d = documentation_step(knowledge, d, *month)
        out.append(d)
    return np.array(out, dtype=float)


# --------------------------------------------------------------------------- stability


def meets_thresholds(
    scenario: Scenario, series: dict[str, np.ndarray], full_day: float = 0.0
) -> np.ndarray:
    """Per month-end: headcount >= h x target, effective FTE >= c x target (target > 0), and
    the team has been full at least once (docs/model.md, choice 13)."""
    st = scenario.stability
    target, heads, fte = series["target"], series["headcount"], series["effective_fte"]
    ok = (target > 0) & (heads >= st.headcount_fraction * target - _EPS)
    ok &= fte >= st.capacity_fraction * target - _EPS
    return ok & (series["month"] * DAYS_PER_MONTH >= full_day)


def stable_months(scenario: Scenario, meets: np.ndarray, annual: np.ndarray) -> np.ndarray:
    """Per month-end: the thresholds hold (``meets``, :func:`meets_thresholds`) and the
    annualised attrition over the trailing window (``annual``: ``stability.window_months``,
    fewer at the start, from :func:`trailing_rates`) is within the limit."""
    return meets & (annual <= scenario.stability.max_annual_attrition)


def time_to_stable(
    scenario: Scenario, series: dict[str, np.ndarray], flags: tuple[np.ndarray, np.ndarray]
) -> float:
    """First month-end m that starts W consecutive month-ends meeting the thresholds whose
    annualised attrition over those W months is within the limit (NaN when none fits).

    ``flags`` are (:func:`meets_thresholds`, :func:`stable_months`) of the series.
    """
    w = scenario.stability.window_months
    meets, stable = flags
    stable_window_end = (run_lengths(meets) >= w) & stable
    if not stable_window_end.any():
        return math.nan
    return float(series["month"][np.argmax(stable_window_end)] - w + 1)


def trailing_rates(
    exits: np.ndarray, heads: np.ndarray, windows: tuple[int, ...]
) -> list[np.ndarray]:
    """Annualised exits over the trailing ``window`` month-ends (fewer at the start), for each
    of ``windows``: :func:`annualised` at every month-end, from one pair of running sums
    (window sums are their differences; the sums run left to right, as a loop would).
    """
    cum_x = np.concatenate(([0.0], np.add.accumulate(exits, dtype=float)))
    cum_h = np.concatenate(([0.0], np.add.accumulate(heads, dtype=float)))
    out = []
    for window in windows:
        hi, lo, k = _window_bounds(len(exits), window)
        mean_h = cum_h[hi]
        mean_h -= cum_h[lo]
        mean_h /= k
        rate = cum_x[hi]
        rate -= cum_x[lo]
        rate /= np.maximum(mean_h, _EPS)
        rate *= 12
        rate /= k
        rate[~(mean_h > 0)] = math.inf  # annualised: inf when the mean headcount is zero
        out.append(rate)
    return out


@functools.lru_cache(maxsize=64)
def _window_bounds(n: int, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running-sum indices (end, start) and length k of each trailing window of n months."""
    hi = np.arange(1, n + 1)
    k = np.minimum(hi, window)
    bounds = hi, hi - k, k
    for arr in bounds:
        arr.flags.writeable = False
    return bounds


def annualised(exits: float, head_months: float, months: int) -> float:
    """Annualised rate of ``exits`` over ``months`` month-ends whose headcounts sum to
    ``head_months``: exits / mean headcount * 12 / months; inf when the mean is zero."""
    mean_h = head_months / months
    return exits / max(mean_h, _EPS) * 12 / months if mean_h > 0 else math.inf


def run_lengths(flags: np.ndarray) -> np.ndarray:
    """Consecutive True values ending at each position."""
    out = []
    run = 0
    for flag in flags.tolist():
        run = run + 1 if flag else 0
        out.append(run)
    return np.array(out, dtype=int)


# --------------------------------------------------------------------------- readiness


def readiness_criteria(
    scenario: Scenario,
    series: dict[str, np.ndarray],
    entity_ready_day: float,
    runs: np.ndarray,
    turnover: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each criterion in [0, 1] at each month-end, and the score (their mean). ``runs`` are
    the stable-month run lengths (:func:`run_lengths`) and ``turnover`` the trailing 12-month
    attrition rate (:func:`trailing_rates`)."""
    rd = scenario.readiness
    months = series["month"]
    ends = months * DAYS_PER_MONTH
    out: dict[str, np.ndarray] = {}
    out["stable"] = np.minimum(1.0, runs / rd.stable_months)
    retention = np.where(np.isfinite(turnover), 1.0 - turnover, 0.0)
    series["retention_12m"] = retention
    out["retention"] = (
        np.minimum(np.maximum(retention / rd.min_retention, 0.0), 1.0)
        if rd.min_retention
        else np.ones(len(months))
    )
    out["lead_coverage"] = series["lead_coverage"]
    cap, dem = series["client_capacity"], series["client_demand"]
    if scenario.client is None:
        out["client_capacity"] = np.ones(len(months))
    else:
        out["client_capacity"] = client_coverage(cap, dem)
    out["documentation"] = (
        np.minimum(1.0, series["documentation"] / rd.min_documentation)
        if rd.min_documentation > 0
        else np.ones(len(months))
    )
    out["entity"] = (ends >= entity_ready_day).astype(float)
    out = {name: np.asarray(out[name], dtype=float) for name in CRITERIA}
    score = sum(out[name] for name in CRITERIA) / len(CRITERIA)  # = mean over axis 0
    return {**{f"criterion_{k}": v for k, v in out.items()}, "readiness": score}


def all_ready(series: dict[str, np.ndarray]) -> np.ndarray:
    """Month-ends at which every criterion holds."""
    ready = series[f"criterion_{CRITERIA[0]}"] >= 1.0 - _EPS
    for name in CRITERIA[1:]:
        ready &= series[f"criterion_{name}"] >= 1.0 - _EPS
    return ready


# --------------------------------------------------------------------------- assembly


def lifecycle_marks(
    scenario: Scenario, milestones: list[Event], staff: EmployeeTable
) -> dict[str, Any]:
    """What the lifecycle metrics read from the records: transfer start and completion days
    (inf when not within the horizon), headcount lost at the transfer, the day all locations'
    entities are ready (inf when not within the horizon) and the hires from outside (promotions
    to lead are internal moves, not hires). ``milestones`` are the records that are neither
    employee nor requisition events (:func:`botsim.records.tables`)."""
    t_start = t_done = math.inf
    lost = math.nan
    ready_days = []
    for day, kind, _, _, _, value in milestones:
        if kind == ENTITY_READY:
            ready_days.append(day)
        elif kind == TRANSFER_STARTED:
            t_start = min(t_start, day)
        elif kind == TRANSFER_COMPLETED:
            if math.isinf(t_done):
                lost = float(value)
            t_done = min(t_done, day)
    setup = scenario.transfer.entity_setup_start_month is not None
    ready = max(ready_days) if setup and len(ready_days) >= len(scenario.locations) else math.inf
    return {
        "_transfer_start": t_start,
        "_transfer_done": t_done,
        "_headcount_lost": lost,
        "_entity_ready": ready,
        "_external_hires": int((staff.requisition >= 0).sum()),
    }


def add_lifecycle(
    scenario: Scenario,
    marks: dict[str, Any],
    staff: EmployeeTable,
    agents: EmployeeTable,
    series: dict[str, np.ndarray],
) -> None:
    """Extend the base monthly series in place with the lifecycle columns; add the stable-month
    run lengths (``_stable_run``) and the stability flags (``_stability_flags``) to ``marks``.

    ``staff`` is every employee, ``agents`` the rows that are not leads, ``marks`` from
    :func:`lifecycle_marks`.
    """
    months = series["month"]
    ends = months * DAYS_PER_MONTH
    edges = np.concatenate([[0.0], ends])
    lead = lead_series(scenario, staff, ends, series["headcount"])
    fte, heads_by_role, ramping_by_role, tenured_ramped = agent_output(
        scenario, agents, edges, lead["_overloaded_by_role"]
    )
    capacity = client_capacity(scenario, months)
    demand = client_demand(scenario, heads_by_role, ramping_by_role)
    if len(scenario.locations) > 1:  # split teams: headcount and target per location too
        for loc in scenario.locations:
            mine = [r for r, role in enumerate(scenario.roles) if role.location == loc.name]
            series[f"headcount__{loc.name}"] = heads_by_role[mine].sum(axis=0)
            series[f"target__{loc.name}"] = np.array(
                [sum(scenario.roles[r].target_at(m + 1e-9) for r in mine) for m in months],
                dtype=float,
            )
    series["effective_fte"] = fte * client_output_factor(scenario, capacity, demand)
    series["leads"] = lead["leads"]
    series["agents_per_lead"] = lead["agents_per_lead"]
    series["overloaded_roles"] = lead["overloaded_roles"]
    series["lead_coverage"] = lead["lead_coverage"]
    series["client_capacity"] = capacity
    series["client_demand"] = demand

    # Phases.
    t_start, t_done = marks["_transfer_start"], marks["_transfer_done"]
    full_day = series.pop("_full_day")
    build_end = full_day
    if scenario.build_max_months is not None:
        build_end = min(build_end, scenario.build_max_months * DAYS_PER_MONTH)
    phase = np.full(len(months), "operate", dtype=object)
    phase[ends < build_end] = "build"
    if t_start < math.inf:
        phase[(ends >= t_start) & (ends < t_done)] = "transfer"
        phase[ends >= t_done] = "owned"
    series["phase"] = phase

    # Knowledge.
    tenured_days = scenario.knowledge.tenured_months * DAYS_PER_MONTH
    exit_days = staff.exit[(staff.exit - staff.start) >= tenured_days]
    exit_days = exit_days[np.isfinite(exit_days)]
    tenured_exits = np.diff(count_le(np.sort(exit_days), edges))
    staff_heads = series["headcount"] + series["leads"]
    series["documentation"] = documentation(
        scenario, ends >= build_end, tenured_ramped, series["target"], tenured_exits, staff_heads
    )
    meets = meets_thresholds(scenario, series, full_day)
    annual, turnover = trailing_rates(
        series["attrition_exits"],
        series["headcount"],
        (scenario.stability.window_months, RETENTION_WINDOW),
    )
    stable = stable_months(scenario, meets, annual)
    series["stable_month"] = stable
    ready_day = marks["_entity_ready"]
    series["entity_ready"] = ends >= ready_day
    runs = run_lengths(stable)
    series.update(readiness_criteria(scenario, series, ready_day, runs, turnover))
    marks["_stable_run"] = runs
    marks["_stability_flags"] = (meets, stable)


def ready_to_transfer(scenario: Scenario, events: list[Event], month: int) -> tuple[bool, int]:
    """Do all readiness criteria hold at month-end ``month``, given the records so far?

    Also returns the earliest later month-end at which they could possibly all hold, from two
    bounds that nothing can beat: the stable run needs ``stable_months`` consecutive stable
    month-ends, and documentation grows at most by g (1 - D) a month. The steering review uses
    it to skip evaluations that cannot succeed (the decisions are unchanged).
    """
    from botsim.metrics import replication_metrics

    if not 1 <= month <= scenario.horizon_months:
        return False, month + 1
    # Only month-ends up to ``month`` are final: evaluate a horizon cut there.
    cut = scenario.model_copy(update={"horizon_months": int(month)})
    _, series = replication_metrics(cut, events, lifecycle_summary=False)
    if all_ready(series)[-1]:
        return True, month
    rd, k = scenario.readiness, scenario.knowledge
    run = int(run_lengths(series["stable_month"])[-1])
    wait_stable = max(1, rd.stable_months - run) if run < rd.stable_months else 1
    d = float(series["documentation"][-1])
    wait_doc = max(1, documentation_growth_months(k, d, rd.min_documentation - _EPS, 1000))
    return False, month + max(wait_stable, wait_doc)


def documentation_growth_months(
    knowledge: Knowledge, coverage: float, threshold: float, limit: int
) -> int:
    """Months of the fastest possible growth, D <- D + g (1 - D) (:func:`documentation_step`
    with a full share and no loss), before coverage reaches ``threshold``: 0 when it already
    does, ``limit`` when it would take longer or cannot grow. D_m <= D_{m-1} + g (1 - D_{m-1})
    and that bound increases with D_{m-1}, so no month-end before is ready."""
    months, d, g = 0, coverage, knowledge.growth_per_month
    while d < threshold and months < limit:
        if g <= 0:
            return limit
        d += g * (1 - d)
        months += 1
    return months


def lifecycle_summary(
    scenario: Scenario, series: dict[str, np.ndarray], marks: dict[str, Any]
) -> dict[str, Any]:
    """Per-replication lifecycle metrics: readiness, transfer outcome, re-stabilisation
    (``marks`` from :func:`lifecycle_marks`, completed by :func:`add_lifecycle`)."""
    months = series["month"]
    ready = all_ready(series)
    out: dict[str, Any] = {}
    first = months[np.argmax(ready)] if ready.any() else math.nan
    out["time_to_transfer_ready"] = float(first)
    out["time_to_transfer_ready_censored"] = not ready.any()
    t = scenario.transfer
    ref = t.month if t.policy == "at_month" else t.earliest_month
    ref_idx = (
        min(len(months), max(1, math.ceil(ref - _EPS))) - 1 if ref is not None else len(months) - 1
    )
    out["ready_by_planned_month"] = (
        bool(ready[: ref_idx + 1].any()) if ref is not None else math.nan
    )
    values = [series[f"criterion_{c}"][ref_idx] for c in CRITERIA]
    worst = min(range(len(values)), key=values.__getitem__)  # the first smallest, as argmin
    out["binding_criterion"] = CRITERIA[worst] if values[worst] < 1.0 - _EPS else "none"
    for name, value in zip(CRITERIA, values):
        out[f"unmet_{name}"] = bool(value < 1.0 - _EPS)
    out["readiness_at_planned_month"] = float(series["readiness"][ref_idx])
    start, done = marks["_transfer_start"], marks["_transfer_done"]
    out["transfer_start_month"] = start / DAYS_PER_MONTH if math.isfinite(start) else math.nan
    out["transfer_month"] = done / DAYS_PER_MONTH if math.isfinite(done) else math.nan
    out["transfer_censored"] = t.policy != "never" and not math.isfinite(done)
    out["headcount_lost_at_transfer"] = marks["_headcount_lost"]
    ready_entity = marks["_entity_ready"]
    out["entity_ready_month"] = (
        ready_entity / DAYS_PER_MONTH if math.isfinite(ready_entity) else math.nan
    )
    restab = math.nan
    if math.isfinite(done):
        runs = marks["_stable_run"]
        w = scenario.stability.window_months
        after = (months * DAYS_PER_MONTH >= done) & (runs >= w)
        # The window must start after the handover completed.
        window_start = months - w + 1
        after &= window_start * DAYS_PER_MONTH >= done - _EPS
        if after.any():
            restab = float(window_start[np.argmax(after)] - done / DAYS_PER_MONTH)
    out["time_to_restabilise"] = max(restab, 0.0) if not math.isnan(restab) else math.nan
    out["time_to_restabilise_censored"] = math.isfinite(done) and math.isnan(restab)
    return out
