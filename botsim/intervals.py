"""Counting intervals and points on the day axis: the arithmetic under the monthly series."""

from __future__ import annotations

import numpy as np


def count_le(sorted_values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Number of ``sorted_values`` <= each point."""
    return np.searchsorted(sorted_values, points, side="right")


def active_at(start: np.ndarray, end: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Number of intervals [start, end) containing each point."""
    return count_le(np.sort(start), points) - count_le(np.sort(end), points)
