"""Counting intervals and points on the day axis: the arithmetic under the monthly series."""

from __future__ import annotations

import numpy as np

from botsim.inputs.scenario import DAYS_PER_MONTH


def count_le(sorted_values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Number of ``sorted_values`` <= each point."""
    return sorted_values.searchsorted(points, side="right")


_MONTH_GRIDS: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
"""Month numbers, month-end days and edges (day 0 and the month-ends) by horizon in months."""


def month_grid(horizon_months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months 1..horizon, their end days and the edges day 0 + month-ends (read-only arrays,
    shared by every replication: copy before handing one out)."""
    grid = _MONTH_GRIDS.get(horizon_months)
    if grid is None:
        months = np.arange(1, horizon_months + 1)
        ends = months * DAYS_PER_MONTH
        grid = months, ends, np.concatenate([[0.0], ends])
        for arr in grid:
            arr.flags.writeable = False
        _MONTH_GRIDS[horizon_months] = grid
    return grid
