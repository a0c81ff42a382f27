"""SYNTHETIC example records from a botsim replication, to try calibrate on and to test that it
recovers a known truth (``examples/generate_synthetic.py``)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def synthetic_records(
    events: Sequence[Any], start: dt.date, horizon_days: float, location: str, role: str = "agent"
) -> tuple[list[dict[str, str]], list[dict[str, str]], dt.date]:
    """Employee and requisition CSV rows from one botsim replication's events.

    Simulated days become dates counted from ``start`` (rounded to the nearest day), and the
    records are as of the horizon, as an HR extract taken that day would be. Team leads, when the
    scenario models them, are left out: a profile describes the agents' location.
    Returns (employee rows, requisition rows, as-of date).
    """
    from botsim.model.records import employee_table, requisition_table

    def date(day: float) -> str:
        return (start + dt.timedelta(days=math.floor(day + 0.5))).isoformat()

    emp = employee_table(list(events))
    leads = getattr(emp, "is_lead", np.zeros(len(emp.employee), dtype=bool))
    employees = []
    for i in range(len(emp.employee)):
        if leads[i]:
            continue
        kind = str(emp.exit_kind[i])
        resigned = math.isfinite(emp.resign[i]) and kind in ("", "resignation")
        employees.append(
            {
                "employee_id": f"E{int(emp.employee[i]):05d}",
                "location": location,
                "role": role,
                "hire_date": date(emp.start[i]),
                "resignation_date": date(emp.resign[i]) if resigned else "",
                "exit_date": date(emp.exit[i]) if math.isfinite(emp.exit[i]) else "",
                "exit_kind": kind,
            }
        )
    req = requisition_table(list(events))
    requisitions = []
    for i in range(len(req.requisition)):
        accepted = math.isfinite(req.accepted[i])
        closed = math.isfinite(req.closed[i])
        no_show = bool(req.no_show[i])
        requisitions.append(
            {
                "requisition_id": f"R{int(req.requisition[i]):05d}",
                "location": location,
                "role": role,
                "reason": str(req.reason[i]),
                "opened_date": date(req.opened[i]),
                "filled_date": date(req.accepted[i]) if accepted else "",
                "cancelled_date": "",
                "start_date": date(req.closed[i]) if closed and not no_show else "",
                "no_show": ("true" if no_show else "false") if closed else "",
                "offers_made": str(int(req.offers_declined[i]) + 1) if accepted else "",
                "offers_accepted": "1" if accepted else "",
            }
        )
    as_of = start + dt.timedelta(days=math.floor(horizon_days + 0.5))
    return employees, requisitions, as_of
