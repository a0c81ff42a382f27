"""Productivity ramp of a new hire, as pure functions of tenure (no simulation clock).

A hire is at zero output during ``training_days`` (classroom), then rises to full output over
``ramp_days`` along one of three shapes (x = share of the ramp elapsed, in [0, 1]):

* linear:   f(x) = x
* logistic: f(x) = (s(x) - s(0)) / (s(1) - s(0)),  s(x) = 1 / (1 + exp(-k (x - 1/2)))
* stepped:  f(x) = floor(x * n) / n, reaching 1 at x = 1 (n equal steps, e.g. nesting levels)

Evaluated in closed form at the times the metrics need: no per-employee daily ticks.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from botsim.scenario import Ramp


def productivity(tenure_days: np.ndarray | float, ramp: Ramp) -> np.ndarray:
    """Share of full output (0..1) of an employee with the given tenure in days."""
    tenure = np.asarray(tenure_days, dtype=float)
    if ramp.ramp_days == 0:
        return np.where(tenure >= ramp.training_days, 1.0, 0.0)
    x = np.clip((tenure - ramp.training_days) / ramp.ramp_days, 0.0, 1.0)
    if ramp.shape == "linear":
        out = x
    elif ramp.shape == "logistic":
        k = ramp.steepness

        def s(v: np.ndarray | float) -> np.ndarray:
            return 1.0 / (1.0 + np.exp(-k * (np.asarray(v) - 0.5)))

        out = (s(x) - s(0.0)) / (s(1.0) - s(0.0))
    else:  # stepped
        out = np.floor(x * ramp.steps) / ramp.steps
    return np.where(tenure < 0, 0.0, out)


def productivity_of(ramp: Ramp) -> Callable[[float], float]:
    """``productivity`` of one tenure as a Python float, for live checks over a few employees
    (numpy's per-call overhead outweighs the arithmetic there). The same formulas, so the same
    values up to the last bit of ``exp`` (logistic shape)."""
    training, ramp_days = float(ramp.training_days), float(ramp.ramp_days)
    if ramp_days == 0:
        return lambda tenure: 1.0 if tenure >= training else 0.0

    def progress(tenure: float) -> float:
        x = (tenure - training) / ramp_days
        return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x

    if ramp.shape == "linear":
        shape = progress
    elif ramp.shape == "logistic":
        k = ramp.steepness

        def s(v: float) -> float:
            return 1.0 / (1.0 + math.exp(-k * (v - 0.5)))

        s0, s1 = s(0.0), s(1.0)

        def shape(tenure: float) -> float:
            return (s(progress(tenure)) - s0) / (s1 - s0)
    else:  # stepped
        steps = ramp.steps

        def shape(tenure: float) -> float:
            return math.floor(progress(tenure) * steps) / steps

    return lambda tenure: 0.0 if tenure < 0 else shape(tenure)
