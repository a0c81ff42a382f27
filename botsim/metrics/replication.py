"""Per-replication metrics computed from the event records and the month-end KPI rows of the
lifecycle pipeline (:mod:`botsim.model.lifecycle`); never inside the processes.

Definitions (docs/model.md, "Metrics"); times are in months unless the name says days:

* ``time_to_first_hire``: first start.
* ``time_to_90pct_seats``: first moment the agents fill ceil(0.9 * target in force) seats
  (``SEATS_SHARE``; continuous time).
* ``time_to_full_team``: first moment the agents fill ceil(f * target in force) seats, f =
  ``stability.full_team_fraction`` (continuous time); ``time_to_full_plan``: 100 % of the
  final plan.
* ``time_to_stable_team``: first month-end m such that every month-end m .. m+W-1 follows the
  full team and has headcount >= h * target, effective FTE >= c * target, and annualised
  attrition over the trailing attrition window (K month-ends, ``attrition_window_months``)
  <= a. Censored (NaN with the ``_censored`` flag) when no full window fits inside the
  horizon.
* ``vacancy_days``: integral over the horizon of max(target(t) - headcount(t), 0).
* ``recruiter_utilisation``: recruiter-slot time busy searching / (slots * horizon).
"""

from __future__ import annotations

import itertools
import math
from typing import Any, NamedTuple

import numpy as np

from botsim.inputs.caching import by_identity
from botsim.inputs.scenario import DAYS_PER_MONTH, PLAN_STEP_ROUNDING, Role, Scenario
from botsim.metrics import readiness
from botsim.metrics.catalogue import TENURE_BANDS_MONTHS
from botsim.metrics.costs import cost_ledger, fx_paths
from botsim.metrics.intervals import count_le
from botsim.model.hazards import HazardTable
from botsim.model.lifecycle import CRITERIA, MonthKpis, annualised, time_to_stable
from botsim.model.records import ATTRITION_EXITS, EmployeeTable, ExitKind, Recorder


def target_steps(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Change days and the target in force from each of them, preceded by 0.0 for the days
    before the first step (read-only arrays): ``targets[count_le(days, d)]`` is the target
    in force on day d."""
    return _plan_steps(scenario.roles)


@by_identity()
def _plan_steps(roles: list[Role]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`target_steps` of a roles list (once per list: the horizon-cut copies of a
    scenario made by readiness reviews share their roles with it)."""
    days = sorted({step.month * DAYS_PER_MONTH for role in roles for step in role.plan})
    targets = [0.0] + [
        sum(role.target_at(d / DAYS_PER_MONTH + PLAN_STEP_ROUNDING) for role in roles) for d in days
    ]
    steps = np.asarray(days), np.asarray(targets, dtype=float)
    for arr in steps:
        arr.flags.writeable = False
    return steps


class AgentDays(NamedTuple):
    """The agents' start and exit days, each sorted once (exits ``inf`` when not within the
    horizon come last)."""

    start: np.ndarray
    exit: np.ndarray

    @classmethod
    def of(cls, emp: EmployeeTable) -> AgentDays:
        return cls(np.sort(emp.start), np.sort(emp.exit))


SEATS_SHARE = 0.9
"""The share of seats of ``time_to_90pct_seats``: issue 15 reads fill progress as "90 % of
seats filled by month 4" (a milestone a large team reaches well before every seat, and the
stability criterion's default headcount floor, ``stability.headcount_fraction``)."""


def fill_times(
    scenario: Scenario, emp: EmployeeTable, horizon: float, days: AgentDays | None = None
) -> tuple[float, float, float]:
    """Time to full plan, vacancy-days and time to 90 % of seats, from one scan of every
    change of headcount or target within the horizon (the full team is a month-end pipeline
    milestone, recorded by the model as it happens):

    * full plan: the first day, from the last plan step on, that headcount reaches the final
      planned headcount (the growth waves all staffed); NaN when not within the horizon;
    * vacancy-days: the integral over [0, horizon] of max(target - headcount, 0);
    * 90 % of seats: the first day that headcount reaches ceil(SEATS_SHARE x target in force)
      with target > 0; NaN when not within the horizon.
    """
    if days is None:
        days = AgentDays.of(emp)
    t_days, t_levels = target_steps(scenario)
    # The distinct change days within the horizon (what np.unique gives, in fewer calls).
    changes = np.concatenate([days.start, days.exit, t_days])
    changes.sort()
    changes = changes[: count_le(changes, horizon)]
    if len(changes):
        changes = changes[np.concatenate([[True], changes[1:] != changes[:-1]])]
    # The vacancy integral also needs day 0 and the horizon as points.
    before = not (len(changes) and changes[0] == 0.0)
    after = not (len(changes) and changes[-1] == horizon)
    points = np.concatenate([[0.0]] * before + [changes] + [[horizon]] * after)
    heads = count_le(days.start, points) - count_le(days.exit, points)
    target = t_levels[count_le(t_days, points)]
    gap = np.maximum(target[:-1] - heads[:-1], 0)
    gap *= points[1:] - points[:-1]
    vacancy = float(np.add.reduce(gap))
    within = slice(int(before), len(points) - int(after))
    heads, target = heads[within], target[within]
    ok = (heads >= target) & (target > 0)
    seats = (heads >= np.ceil(SEATS_SHARE * target - PLAN_STEP_ROUNDING)) & (target > 0)
    ok &= changes >= t_days[-1]
    full_plan = float(changes[ok.argmax()]) if ok.any() else math.nan
    share_filled = float(changes[seats.argmax()]) if seats.any() else math.nan
    return full_plan, vacancy, share_filled


SERIES_DTYPES = {
    "month": np.int64,
    "target": float,
    "headcount": np.int64,
    "effective_fte": float,
    "open_requisitions": np.int64,
    "searching_requisitions": np.int64,
    "queued_requisitions": np.int64,
    "candidates_in_funnel": float,
    "accepted_in_notice": np.int64,
    "serving_notice": np.int64,
    "hires": np.int64,
    "exits": np.int64,
    "attrition_exits": np.int64,
}
"""The first columns of the monthly series, in order, and their types."""

LIFECYCLE_DTYPES = {
    "leads": float,
    "agents_per_lead": float,
    "overloaded_roles": np.int64,
    "lead_coverage": float,
    "client_capacity": float,
    "client_demand": float,
    "phase": object,
    "documentation": float,
    "stable_month": bool,
    "entity_ready": bool,
    "retention_12m": float,
}
"""The lifecycle columns after the per-location ones, in order (then the criteria)."""


def monthly_series(rows: list[MonthKpis]) -> dict[str, np.ndarray]:
    """The monthly series: one column per KPI of the month-end rows (months 1..horizon).

    The rows are transposed once (``zip``); each column is then one ``np.fromiter`` of known
    length, the same values as ``np.asarray`` of the column for fewer checks."""
    n = len(rows)
    kpis = dict(zip(MonthKpis._fields, zip(*rows))) if rows else {}
    if not kpis:
        kpis = {name: () for name in MonthKpis._fields}
    open_, searching, accepted, _ = zip(*kpis["requisitions"]) if rows else ((),) * 4
    columns = {
        **kpis,
        "open_requisitions": open_,
        "searching_requisitions": searching,
        "queued_requisitions": [o - s for o, s in zip(open_, searching)],
        "accepted_in_notice": accepted,
    }
    fromiter = np.fromiter
    series = {name: fromiter(columns[name], dt, n) for name, dt in SERIES_DTYPES.items()}
    for i, (name, _, _) in enumerate(rows[0].by_location if rows else ()):
        series[f"headcount__{name}"] = np.asarray([r.by_location[i][1] for r in rows], float)
        series[f"target__{name}"] = np.asarray([r.by_location[i][2] for r in rows], float)
    for name, dt in LIFECYCLE_DTYPES.items():
        series[name] = fromiter(kpis[name], dt, n)
    by_criterion = zip(*kpis["criteria"]) if rows else ((),) * len(CRITERIA)
    for name, values in zip(CRITERIA, by_criterion, strict=True):
        series[f"criterion_{name}"] = fromiter(values, float, n)
    series["readiness"] = fromiter(kpis["readiness"], float, n)
    return series


def annual_rate(exits: float, head_months: float, months: int) -> float:
    """The pipeline's :func:`~botsim.model.lifecycle.annualised` rate over the whole horizon,
    NaN (undefined, not infinite) when the population was never there."""
    rate = annualised(exits, head_months, months)
    return rate if math.isfinite(rate) else math.nan


def _masked_mean(values: np.ndarray, mask: np.ndarray) -> float:
    """``float(values[mask].mean())``, NaN when the mask is empty, without the cost of
    ``ndarray.mean`` on small arrays."""
    n = np.count_nonzero(mask)
    return float(np.add.reduce(values[mask]) / n) if n else math.nan


_EXIT_KINDS = (*ATTRITION_EXITS, ExitKind.DECLINED_TRANSFER, ExitKind.LAYOFF)
"""Every kind of exit (a promotion to lead is not one)."""

_TENURE_BAND_STARTS = np.asarray(TENURE_BANDS_MONTHS, dtype=float)


def exit_counts(staff: EmployeeTable, horizon: float) -> dict[str, int]:
    """Exits within the horizon of agents and leads: in total, by kind and by tenure band
    (promotions to lead are counted apart, not as exits)."""
    kinds = staff.exit_kind.tolist()
    promotions = kinds.count(ExitKind.PROMOTED)
    exited = staff.exit <= horizon
    if promotions:
        exited &= staff.exit_kind != ExitKind.PROMOTED.value  # plain text: compares faster
    exited_kinds = list(itertools.compress(kinds, exited.tolist()))
    tenure_months = (staff.exit[exited] - staff.start[exited]) / DAYS_PER_MONTH
    band = _TENURE_BAND_STARTS.searchsorted(tenure_months, side="right") - 1
    bands = np.bincount(band, minlength=len(TENURE_BANDS_MONTHS)).tolist()
    out = {"exits": len(exited_kinds)}
    out.update({f"exits_{kind}": exited_kinds.count(kind) for kind in _EXIT_KINDS})
    out["promotions"] = promotions
    limits = (*TENURE_BANDS_MONTHS, math.inf)
    for (lo, hi), n in zip(itertools.pairwise(limits), bands):
        out[f"exits_tenure_{lo}_{hi}m" if math.isfinite(hi) else f"exits_tenure_{lo}m_plus"] = n
    return out


class RoleHazards(NamedTuple):
    """A role's base exit hazards (its own attrition, or its location's): band starts (days),
    total base hazard per day of each band, the cumulative hazard at each band start, and the
    tenure (days) at which probation ends with its failure probability."""

    starts: np.ndarray
    rate: np.ndarray
    cumulative: np.ndarray
    probation_end: float
    probation_failure: float


@by_identity()
def _role_hazards(scenario: Scenario) -> tuple[RoleHazards, ...]:
    """The :class:`RoleHazards` of each role (once per scenario)."""
    out = []
    for role in scenario.roles:
        table = HazardTable.from_attrition(scenario.attrition_for(role))
        rate = table.voluntary + table.involuntary
        cum = np.concatenate([[0.0], np.cumsum(rate[:-1] * np.diff(table.starts))])
        probation = scenario.location(role.location).probation
        end = probation.months * DAYS_PER_MONTH - PLAN_STEP_ROUNDING
        out.append(RoleHazards(table.starts, rate, cum, end, probation.failure_probability))
    return tuple(out)


def profile_hazard_exits(scenario: Scenario, emp: EmployeeTable, horizon: float) -> float:
    """The agents' exits the location profiles' base hazards give over the tenures the agents
    actually served: sum over agents of H(tenure served) plus the probation failure
    probability for each agent whose tenure reached the end of probation (the compensator of
    the exit process without the overload and transfer-window multipliers).

    A tenure served ends at the resignation (the notice that follows is not exposure), the
    exit or the horizon; resignations count when handed in.
    """
    if not len(emp.start):
        return 0.0
    end = np.minimum(np.minimum(emp.resign, emp.exit), horizon)
    tenure = np.maximum(end - emp.start, 0.0)
    expected = 0.0
    hazards = _role_hazards(scenario)
    for r, (starts, rate, cum, probation_end, failure) in enumerate(hazards):
        t = tenure if len(hazards) == 1 else tenure[emp.role == r]  # one role: everyone
        if not len(t):
            continue
        band = starts.searchsorted(t, side="right") - 1
        expected += float(np.add.reduce(cum[band] + rate[band] * (t - starts[band])))
        expected += failure * int(np.count_nonzero(t >= probation_end))
    return expected


@by_identity()
def recruiter_slots(scenario: Scenario) -> int:
    """Requisitions the recruiters of every location can search at once."""
    return sum(
        loc.recruiting.recruiters * loc.recruiting.requisitions_per_recruiter
        for loc in scenario.locations
    )


def replication_metrics(
    scenario: Scenario,
    records: Recorder,
    seed: int | None = None,
    replication: int = 0,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The summary row and the monthly series of one replication, from its records (the
    employee and requisition tables, the milestone events and the month-end KPI rows);
    ``seed`` (default the scenario's) and ``replication`` select the replication's
    exchange-rate paths (``costs.fx``).

    Headcount, hires and exits in the series are agents (the planned seats); team leads are
    reported separately (``leads``). ``attrition_exits`` excludes promotions to lead.
    """
    horizon = scenario.horizon_days
    staff, req, milestones = records.tables()
    month_ends = records.month_ends
    # Without team leads every employee is an agent: the table itself serves as the subset.
    emp = readiness.subset(staff, ~staff.is_lead) if staff.is_lead.any() else staff
    days = AgentDays.of(emp)
    series = monthly_series(month_ends)
    t_plan, vacancy, t_seats = fill_times(scenario, emp, horizon, days)
    marks = readiness.lifecycle_marks(scenario, milestones, staff)
    first = float(days.start[0]) if len(days.start) else math.nan
    t_full = marks.full_day if math.isfinite(marks.full_day) else math.nan
    t_stable = time_to_stable(month_ends, scenario.stability.window_months)

    summary: dict[str, Any] = {
        "time_to_first_hire": first / DAYS_PER_MONTH,
        "time_to_first_hire_censored": math.isnan(first),
        "time_to_90pct_seats": t_seats / DAYS_PER_MONTH,
        "time_to_90pct_seats_censored": math.isnan(t_seats),
        "time_to_full_team": t_full / DAYS_PER_MONTH,
        "time_to_full_team_censored": math.isnan(t_full),
        "time_to_full_plan": t_plan / DAYS_PER_MONTH,
        "time_to_full_plan_censored": math.isnan(t_plan),
        "time_to_stable_team": t_stable,
        "time_to_stable_team_censored": math.isnan(t_stable),
    }
    summary.update(readiness.lifecycle_summary(scenario, month_ends, marks))
    fx = fx_paths(scenario, scenario.seed if seed is None else seed, replication)
    summary.update(cost_ledger(scenario, milestones, staff, series, marks.transfer_done, fx))
    summary["hires"] = marks.external_hires
    summary.update(exit_counts(staff, horizon))
    # Attrition per population, each over its own month-end headcounts; layoffs (agents
    # only) are exits but not attrition.
    lead_exits = int(np.count_nonzero(staff.is_lead & (staff.exit <= horizon)))
    layoffs = summary["exits_layoff"]
    agent_exits = summary["exits"] - lead_exits - layoffs
    agent_months = float(np.add.reduce(series["headcount"]))
    lead_months = float(np.add.reduce(series["leads"]))
    months = scenario.horizon_months
    summary["annual_attrition"] = annual_rate(agent_exits, agent_months, months)
    summary["annual_attrition_leads"] = annual_rate(lead_exits, lead_months, months)
    summary["annual_attrition_all"] = annual_rate(
        summary["exits"] - layoffs, agent_months + lead_months, months
    )
    summary["annual_attrition_profile_hazards"] = annual_rate(
        profile_hazard_exits(scenario, emp, horizon), agent_months, months
    )
    # Requisition statistics.
    summary["no_shows"] = int(np.count_nonzero(req.no_show))
    summary["offers_declined"] = int(np.add.reduce(req.offers_declined))
    summary["requisitions_opened"] = len(req.opened)
    accepted = np.isfinite(req.accepted)
    summary["mean_time_to_fill_days"] = _masked_mean(req.accepted - req.opened, accepted)
    started = np.isfinite(req.closed)
    started &= ~req.no_show
    summary["mean_time_to_start_days"] = _masked_mean(req.closed - req.opened, started)
    summary["vacancy_days"] = vacancy
    slots = recruiter_slots(scenario)
    busy = np.minimum(req.accepted, horizon)
    busy -= np.minimum(req.search_started, horizon)
    np.maximum(busy, 0.0, out=busy)  # = np.clip(busy, 0, None): no difference is -0.0
    summary["recruiter_utilisation"] = float(np.add.reduce(busy) / (slots * horizon))
    summary["final_headcount"] = int(series["headcount"][-1])
    summary["final_effective_fte"] = float(series["effective_fte"][-1])
    return summary, series
