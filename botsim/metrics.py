"""Per-replication metrics computed from the event records (never inside the processes).

Definitions (docs/model.md, "Metrics"); times are in months unless the name says days:

* ``time_to_first_hire``: first start.
* ``time_to_full_team``: first moment headcount >= the target in force (continuous time).
* ``time_to_stable_team``: first month-end m such that at every month-end m .. m+W-1 headcount
  >= h * target, effective FTE >= c * target, and annualised attrition over the window
  (exits in (m-1, m+W-1] / mean month-end headcount * 12 / W) <= a. Censored (NaN with the
  ``_censored`` flag) when no full window fits inside the horizon.
* ``vacancy_days``: integral over the horizon of max(target(t) - headcount(t), 0).
* ``recruiter_utilisation``: recruiter-slot time busy searching / (slots * horizon).
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

import numpy as np

from botsim import readiness
from botsim.costs import cost_ledger
from botsim.intervals import active_at, count_le
from botsim.model.recruiting import expected_candidate_days
from botsim.model.workforce import EXIT_KINDS
from botsim.records import (
    EmployeeTable,
    Event,
    RequisitionTable,
    tables,
)
from botsim.scenario import DAYS_PER_MONTH, Scenario

TENURE_BANDS_MONTHS = (0, 3, 6, 12)
"""Tenure bands for exit counts (reference T8): 0-3, 3-6, 6-12, 12+ months."""

TIME_TO_METRICS = (
    "time_to_first_hire",
    "time_to_full_team",
    "time_to_full_plan",
    "time_to_stable_team",
)


_TARGET_STEPS: dict[int, tuple[list, np.ndarray, np.ndarray]] = {}
"""Target steps by identity of the (frozen) roles list: every replication asks again, and the
horizon-cut copies of a scenario made during a run share their roles with it."""


def target_steps(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Plan change days and the total target in force from each of them (read-only arrays)."""
    roles = scenario.roles
    cached = _TARGET_STEPS.get(id(roles))
    if cached is not None and cached[0] is roles:
        return cached[1], cached[2]
    days = sorted({step.month * DAYS_PER_MONTH for role in roles for step in role.plan})
    targets = [scenario.target_at(d / DAYS_PER_MONTH + 1e-9) for d in days]
    steps = np.asarray(days), np.asarray(targets, dtype=float)
    for arr in steps:
        arr.flags.writeable = False
    if len(_TARGET_STEPS) >= 64:  # an entry holds its roles list, so its id is not reused
        _TARGET_STEPS.clear()
    _TARGET_STEPS[id(roles)] = (roles, *steps)
    return steps


def _target_at_days(scenario: Scenario, points: np.ndarray) -> np.ndarray:
    days, targets = target_steps(scenario)
    idx = np.searchsorted(days, points, side="right") - 1
    return np.where(idx >= 0, targets[np.clip(idx, 0, None)], 0.0)


def fill_times(
    scenario: Scenario, emp: EmployeeTable, horizon: float
) -> tuple[float, float, float]:
    """Time to full team, time to full plan and vacancy-days, from one scan of every change
    of headcount or target within the horizon.

    * full team: the first day headcount >= target (> 0);
    * full plan: the first day, from the last plan step on, that headcount reaches the final
      planned headcount (the growth waves all staffed); NaN when not within the horizon;
    * vacancy-days: the integral over [0, horizon] of max(target - headcount, 0).
    """
    t_days, _ = target_steps(scenario)
    changes = np.unique(np.concatenate([emp.start, emp.exit[np.isfinite(emp.exit)], t_days]))
    changes = changes[changes <= horizon]
    # The vacancy integral also needs day 0 and the horizon as points.
    before = not (len(changes) and changes[0] == 0.0)
    after = not (len(changes) and changes[-1] == horizon)
    points = np.concatenate([[0.0]] * before + [changes] + [[horizon]] * after)
    heads = active_at(emp.start, emp.exit, points)
    target = _target_at_days(scenario, points)
    gap = np.maximum(target[:-1] - heads[:-1], 0)
    vacancy = float(np.sum(gap * np.diff(points)))
    within = slice(int(before), len(points) - int(after))
    heads, target = heads[within], target[within]
    ok = (heads >= target) & (target > 0)
    full = float(changes[ok.argmax()]) if ok.any() else math.nan
    ok &= changes >= t_days[-1]
    full_plan = float(changes[ok.argmax()]) if ok.any() else math.nan
    return full, full_plan, vacancy


def monthly_series(
    scenario: Scenario, emp: EmployeeTable, req: RequisitionTable | None
) -> dict[str, np.ndarray]:
    """Month-end snapshots (months 1..horizon) plus flows within each month; without the
    requisition columns when ``req`` is None (a readiness review reads none of them).

    Each event column is sorted once and counted at every edge (day 0 and each month-end):
    a snapshot is a difference of two such counts, a flow a difference between edges.
    """
    months = np.arange(1, scenario.horizon_months + 1)
    ends = months * DAYS_PER_MONTH
    edges = np.concatenate([[0.0], ends])

    def by_edge(days: np.ndarray) -> np.ndarray:
        return count_le(np.sort(days), edges)

    started, exited, resigned = by_edge(emp.start), by_edge(emp.exit), by_edge(emp.resign)
    series = {
        "month": months,
        "target": _target_at_days(scenario, ends),
        "headcount": (started - exited)[1:],
        "effective_fte": None,  # placeholder keeping the column order: add_lifecycle sets it
    }
    if req is not None:
        opened, searched, accepted, closed = (
            by_edge(req.opened),
            by_edge(req.search_started),
            by_edge(req.accepted),
            by_edge(req.closed),
        )
        searching = (searched - accepted)[1:]
        candidate_load = np.zeros(len(ends))
        for r, role in enumerate(scenario.roles):
            mask = req.role == r
            rec = scenario.location(role.location).recruiting
            per_req = rec.applicants_per_week / 7.0 * expected_candidate_days(rec)
            role_searching = (
                searching
                if mask.all()
                else active_at(req.search_started[mask], req.accepted[mask], ends)
            )
            candidate_load += per_req * role_searching
        series["open_requisitions"] = (opened - accepted)[1:]
        series["searching_requisitions"] = searching
        series["queued_requisitions"] = (opened - searched)[1:]
        series["candidates_in_funnel"] = candidate_load
        series["accepted_in_notice"] = (accepted - closed)[1:]
    series["serving_notice"] = (resigned - exited)[1:]
    series["hires"] = np.diff(started)
    series["exits"] = np.diff(exited)
    return series


def _mean(values: np.ndarray) -> float:
    """``float(values.mean())`` without the cost of ``ndarray.mean`` on small arrays."""
    return float(values.sum() / len(values))


def exit_counts(staff: EmployeeTable, horizon: float) -> dict[str, int]:
    """Exits within the horizon of agents and leads: in total, by kind and by tenure band
    (promotions to lead are counted apart, not as exits)."""
    by_kind = dict.fromkeys((*EXIT_KINDS, "declined_transfer"), 0)
    bands = [0] * len(TENURE_BANDS_MONTHS)
    exits = promotions = 0
    for kind, start, end in zip(
        staff.exit_kind.tolist(), staff.start.tolist(), staff.exit.tolist()
    ):
        if kind == "promoted":
            promotions += 1
        elif end <= horizon:
            exits += 1
            by_kind[kind] += 1
            tenure_months = (end - start) / DAYS_PER_MONTH
            bands[bisect.bisect_right(TENURE_BANDS_MONTHS, tenure_months) - 1] += 1
    out = {"exits": exits, **{f"exits_{kind}": n for kind, n in by_kind.items()}}
    out["promotions"] = promotions
    limits = (*TENURE_BANDS_MONTHS, math.inf)
    for (lo, hi), n in zip(itertools.pairwise(limits), bands):
        out[f"exits_tenure_{lo}_{hi}m" if math.isfinite(hi) else f"exits_tenure_{lo}m_plus"] = n
    return out


def replication_metrics(
    scenario: Scenario, events: list[Event], lifecycle_summary: bool = True
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The summary row and the monthly series of one replication.

    Headcount, hires and exits in the series are agents (the planned seats); team leads are
    reported separately (``leads``). ``attrition_exits`` excludes promotions to lead.
    """
    horizon = scenario.horizon_days
    # A readiness review (lifecycle_summary=False) reads no requisition column.
    staff, req, milestones = tables(events, requisitions=lifecycle_summary)
    emp = readiness.subset(staff, ~staff.is_lead)
    series = monthly_series(scenario, emp, req)
    ends = series["month"] * DAYS_PER_MONTH
    edges = np.concatenate([[0.0], ends])
    leaving = np.sort(emp.exit[emp.exit_kind != "promoted"])
    series["attrition_exits"] = np.diff(count_le(leaving, edges))
    t_full, t_plan, vacancy = fill_times(scenario, emp, horizon)
    series["_full_day"] = t_full if not math.isnan(t_full) else math.inf
    marks = readiness.lifecycle_marks(scenario, milestones, staff)
    readiness.add_lifecycle(scenario, marks, staff, emp, series)
    if not lifecycle_summary:
        return {}, series
    first = float(emp.start.min()) if len(emp.start) else math.nan
    full_month = t_full / DAYS_PER_MONTH
    t_stable = readiness.time_to_stable(
        scenario,
        series,
        t_full if not math.isnan(t_full) else math.inf,
        marks["_stability_flags"],
    )

    summary: dict[str, Any] = {
        "time_to_first_hire": first / DAYS_PER_MONTH,
        "time_to_first_hire_censored": math.isnan(first),
        "time_to_full_team": full_month,
        "time_to_full_team_censored": math.isnan(t_full),
        "time_to_full_plan": t_plan / DAYS_PER_MONTH,
        "time_to_full_plan_censored": math.isnan(t_plan),
        "time_to_stable_team": t_stable,
        "time_to_stable_team_censored": math.isnan(t_stable),
    }
    summary.update(readiness.lifecycle_summary(scenario, series, marks))
    summary.update(cost_ledger(scenario, milestones, staff, series, marks["_transfer_done"]))
    summary["hires"] = marks["_external_hires"]
    summary.update(exit_counts(staff, horizon))
    mean_heads = series["headcount"].sum() / len(series["headcount"])  # = .mean(), cheaper
    summary["annual_attrition"] = (
        summary["exits"] / mean_heads * 12 / scenario.horizon_months if mean_heads > 0 else math.nan
    )
    summary["no_shows"] = int(req.no_show.sum())
    summary["offers_declined"] = int(req.offers_declined.sum())
    summary["requisitions_opened"] = len(req.opened)
    accepted = np.isfinite(req.accepted)
    summary["mean_time_to_fill_days"] = (
        _mean((req.accepted - req.opened)[accepted]) if accepted.any() else math.nan
    )
    started = np.isfinite(req.closed) & ~req.no_show
    summary["mean_time_to_start_days"] = (
        _mean((req.closed - req.opened)[started]) if started.any() else math.nan
    )
    summary["vacancy_days"] = vacancy
    slots = sum(
        loc.recruiting.recruiters * loc.recruiting.requisitions_per_recruiter
        for loc in scenario.locations
    )
    busy = np.clip(
        np.minimum(req.accepted, horizon) - np.minimum(req.search_started, horizon), 0, None
    )
    summary["recruiter_utilisation"] = float(busy.sum() / (slots * horizon))
    summary["final_headcount"] = int(series["headcount"][-1])
    summary["final_effective_fte"] = float(series["effective_fte"][-1])
    return summary, series
