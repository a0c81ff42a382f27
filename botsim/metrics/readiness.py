"""Per-replication summaries of transfer readiness and the transfer outcome, read from the
month-end KPI rows (:mod:`botsim.model.lifecycle`, the one implementation of the criteria)
and the milestone records (docs/model.md, "Transfer readiness" and "Transfer").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from botsim.inputs.scenario import DAYS_PER_MONTH, Scenario
from botsim.model.lifecycle import CRITERIA, TOLERANCE, MonthKpis
from botsim.model.records import (
    ENTITY_READY,
    TEAM_FULL,
    TRANSFER_COMPLETED,
    TRANSFER_STARTED,
    EmployeeTable,
    Event,
)


def subset(emp: EmployeeTable, mask: np.ndarray) -> EmployeeTable:
    """The rows of an employee table selected by ``mask``."""
    return EmployeeTable(**{name: getattr(emp, name)[mask] for name in emp.__dataclass_fields__})


@dataclass(frozen=True)
class LifecycleMarks:
    """What the lifecycle summaries read from the milestone records: days are ``inf`` when
    not within the horizon."""

    full_day: float  # the team first full (agents >= ceil(full_team_fraction x target) > 0)
    transfer_start: float
    transfer_done: float
    headcount_lost: float  # at the transfer; NaN when it did not complete
    entity_ready: float  # every location's entity ready
    external_hires: int  # hires from outside (promotions to lead are internal moves)


def lifecycle_marks(
    scenario: Scenario, milestones: list[Event], staff: EmployeeTable
) -> LifecycleMarks:
    """The :class:`LifecycleMarks` of one replication. ``milestones`` are the records that are
    neither employee nor requisition events (:func:`botsim.model.records.tables`)."""
    full = t_start = t_done = math.inf
    lost = math.nan
    ready_days = []
    for day, kind, _, _, _, value in milestones:
        if kind == ENTITY_READY:
            ready_days.append(day)
        elif kind == TEAM_FULL:
            full = min(full, day)
        elif kind == TRANSFER_STARTED:
            t_start = min(t_start, day)
        elif kind == TRANSFER_COMPLETED:
            if math.isinf(t_done):
                lost = float(value)
            t_done = min(t_done, day)
    setup = scenario.transfer.entity_setup_start_month is not None
    ready = max(ready_days) if setup and len(ready_days) >= len(scenario.locations) else math.inf
    return LifecycleMarks(
        full_day=full,
        transfer_start=t_start,
        transfer_done=t_done,
        headcount_lost=lost,
        entity_ready=ready,
        external_hires=int(np.count_nonzero(staff.requisition >= 0)),
    )


def lifecycle_summary(
    scenario: Scenario, rows: list[MonthKpis], marks: LifecycleMarks
) -> dict[str, Any]:
    """Per-replication lifecycle metrics: readiness, transfer outcome, re-stabilisation."""
    out: dict[str, Any] = {}
    first = next((i for i, row in enumerate(rows) if row.ready), None)  # its index
    out["time_to_transfer_ready"] = float(rows[first].month) if first is not None else math.nan
    out["time_to_transfer_ready_censored"] = first is None
    t = scenario.transfer
    ref = t.month if t.policy == "at_month" else t.earliest_month
    ref_idx = (
        min(len(rows), max(1, math.ceil(ref - TOLERANCE))) - 1 if ref is not None else len(rows) - 1
    )
    out["ready_by_planned_month"] = (
        first is not None and first <= ref_idx if ref is not None else math.nan
    )
    values = rows[ref_idx].criteria
    worst = min(range(len(values)), key=values.__getitem__)  # the first smallest, as argmin
    out["binding_criterion"] = CRITERIA[worst] if values[worst] < 1.0 - TOLERANCE else "none"
    for name, value in zip(CRITERIA, values):
        out[f"unmet_{name}"] = bool(value < 1.0 - TOLERANCE)
    out["readiness_at_planned_month"] = float(rows[ref_idx].readiness)
    start, done = marks.transfer_start, marks.transfer_done
    out["transfer_start_month"] = start / DAYS_PER_MONTH if math.isfinite(start) else math.nan
    out["transfer_month"] = done / DAYS_PER_MONTH if math.isfinite(done) else math.nan
    out["transfer_censored"] = t.policy != "never" and not math.isfinite(done)
    out["headcount_lost_at_transfer"] = marks.headcount_lost
    ready_entity = marks.entity_ready
    out["entity_ready_month"] = (
        ready_entity / DAYS_PER_MONTH if math.isfinite(ready_entity) else math.nan
    )
    restab = math.nan
    if math.isfinite(done):
        w = scenario.stability.window_months
        for row in rows:
            # A stable window that starts after the handover completed.
            window_start = row.month - w + 1
            if (
                row.month * DAYS_PER_MONTH >= done
                and row.stable_run >= w
                and window_start * DAYS_PER_MONTH >= done - TOLERANCE
            ):
                restab = float(window_start - done / DAYS_PER_MONTH)
                break
    out["time_to_restabilise"] = max(restab, 0.0) if not math.isnan(restab) else math.nan
    out["time_to_restabilise_censored"] = math.isfinite(done) and math.isnan(restab)
    return out


DECISION_MONTHS = (12, 18, 24, 36)
"""Month-ends at which a strategist decides on the transfer (issue 15: P(ready by 12, 18, 24,
36 months)); the criteria table reports each that lies within the horizon."""

READY = "ready"
"""The row of the criteria table for every criterion met."""


def criteria_at_months(series: Any, months: tuple[int, ...] = DECISION_MONTHS) -> Any:
    """Which readiness criteria hold the team back at the decision months, from the monthly
    series' ``criterion_<criterion>`` columns (one row per replication and month-end).

    One row per (``group`` when the series has one, month, criterion) with ``unmet_share``,
    the share of replications whose criterion is not met at that month-end, and
    ``only_unmet_share``, the share in which it is the only one not met (meeting it alone
    would make the team ready); the ``ready`` row gives the share with every criterion met.
    Months beyond the series' last month are left out.
    """
    import pandas as pd

    columns = [f"criterion_{c}" for c in CRITERIA]
    if series is None or len(series) == 0 or not set(columns) <= set(series.columns):
        return pd.DataFrame(columns=["month", "criterion", "unmet_share", "only_unmet_share"])
    grouped = series.groupby("group", sort=False) if "group" in series else [(None, series)]
    rows = []
    for group, frame in grouped:
        last = int(frame["month"].max())
        for month in (m for m in months if m <= last):
            at = frame[frame["month"] == month]
            unmet = at[columns].to_numpy(dtype=float) < 1.0 - TOLERANCE
            n = len(unmet)
            only = unmet & (unmet.sum(axis=1) == 1)[:, None]
            head = {"group": group} if group is not None else {}
            for c, name in enumerate(CRITERIA):
                rows.append(
                    {
                        **head,
                        "month": month,
                        "criterion": name,
                        "unmet_share": unmet[:, c].mean() if n else math.nan,
                        "only_unmet_share": only[:, c].mean() if n else math.nan,
                    }
                )
            ready = (~unmet.any(axis=1)).mean() if n else math.nan
            rows.append(
                {**head, "month": month, "criterion": READY, "unmet_share": math.nan,
                 "only_unmet_share": math.nan, "ready_share": ready}
            )  # fmt: skip
    return pd.DataFrame(rows)
