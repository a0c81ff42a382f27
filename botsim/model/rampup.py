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
    # x clipped to [0, 1] by the ufuncs themselves (np.clip adds a Python wrapper per call).
    # A negative tenure gives x < 0, clipped to 0, where every shape is 0: no separate case.
    x = np.minimum(np.maximum((tenure - ramp.training_days) / ramp.ramp_days, 0.0), 1.0)
    if ramp.shape == "linear":
        out = x
    elif ramp.shape == "logistic":
        k = ramp.steepness

        def s(v: np.ndarray | float) -> np.ndarray:
            return 1.0 / (1.0 + np.exp(-k * (np.asarray(v) - 0.5)))

        out = (s(x) - s(0.0)) / (s(1.0) - s(0.0))
    else:  # stepped
        out = np.floor(x * ramp.steps) / ramp.steps
    return out


def productivity_of(ramp: Ramp) -> Callable[[float], float]:
    """``productivity`` of one tenure as a Python float, for live checks over a few employees
    (numpy's per-call overhead outweighs the arithmetic there). The same formulas, so the same
    values up to the last bit of ``exp`` (logistic shape); one flat function per shape."""
    training, ramp_days = float(ramp.training_days), float(ramp.ramp_days)
    if ramp_days == 0:
        return lambda tenure: 1.0 if tenure >= training else 0.0
    if ramp.shape == "linear":

        def linear(tenure: float) -> float:
            x = (tenure - training) / ramp_days
            x = 0.0 if x < 0.0 else 1.0 if x > 1.0 else x
            return 0.0 if tenure < 0 else x

        return linear
    if ramp.shape == "logistic":
        k = ramp.steepness

        def s(v: float) -> float:
            return 1.0 / (1.0 + math.exp(-k * (v - 0.5)))

        s0, s1 = s(0.0), s(1.0)

        def logistic(tenure: float) -> float:
            x = (tenure - training) / ramp_days
            x = 0.0 if x < 0.0 else 1.0 if x > 1.0 else x
            return 0.0 if tenure < 0 else (s(x) - s0) / (s1 - s0)

        return logistic
    steps = ramp.steps

    def stepped(tenure: float) -> float:
        x = (tenure - training) / ramp_days
        x = 0.0 if x < 0.0 else 1.0 if x > 1.0 else x
        return 0.0 if tenure < 0 else math.floor(x * steps) / steps

    return stepped
