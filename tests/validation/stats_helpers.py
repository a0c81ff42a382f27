"""Small statistics shared by the validation tests (no botsim imports, no analytic formulas).

The acceptance rule of every closed-form check (reference §2.2, "Suggested test tolerances"):
the analytic value must lie inside the simulated mean ± 3 standard errors, where the standard
error is computed from *independent* observations — one number per replication unless a test
says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from botsim.model.records import EXITED, HIRED, REQUISITION_OPENED, Event

Z = 3.0
"""Half-width of the acceptance band in standard errors (≈ 99.7 % coverage)."""


def mean_and_se(samples: Iterable[float]) -> tuple[float, float]:
    """Sample mean and its standard error sd/√n (n ≥ 2 independent observations)."""
    x = np.asarray(list(samples), dtype=float)
    if x.size < 2:
        raise ValueError("need at least two independent observations for a standard error")
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def assert_within_3se(samples: Iterable[float], analytic: float, what: str) -> tuple[float, float]:
    """Assert ``analytic`` is inside mean ± 3·SE of ``samples``; return (mean, SE)."""
    mean, se = mean_and_se(samples)
    print(f"{what}: simulated {mean:.6g} ± {se:.3g} (SE), analytic {analytic:.6g}")
    assert abs(mean - analytic) <= Z * se, (
        f"{what}: analytic {analytic:.6g} outside simulated mean {mean:.6g} ± {Z:g}·SE "
        f"(SE = {se:.3g}; off by {(mean - analytic) / se if se else math.inf:+.2f} SE)"
    )
    return mean, se


def plan_hire_tenures(events: list[Event]) -> tuple[np.ndarray, np.ndarray]:
    """Start day and exit day (inf if still employed) of hires made for planned seats."""
    reason = {ev.subject: ev.detail for ev in events if ev.kind == REQUISITION_OPENED}
    exits = {ev.subject: ev.day for ev in events if ev.kind == EXITED}
    starts, ends = [], []
    for ev in events:
        if ev.kind == HIRED and reason[int(ev.value)] == "plan":
            starts.append(ev.day)
            ends.append(exits.get(ev.subject, math.inf))
    return np.asarray(starts), np.asarray(ends)
