"""Productivity ramp of a new hire, as pure functions of tenure (no simulation clock).

A hire is at zero output during ``training_days`` (classroom), then rises to full output over
``ramp_days`` along one of three shapes (x = share of the ramp elapsed, in [0, 1]):

* linear:   f(x) = x
* logistic: f(x) = (s(x) - s(0)) / (s(1) - s(0)),  s(x) = 1 / (1 + exp(-k (x - 1/2)))
* stepped:  f(x) = floor(x * n) / n, reaching 1 at x = 1 (n equal steps, e.g. nesting levels)

Evaluated in closed form at the times the metrics need: no per-employee daily ticks.
"""

from __future__ import annotations

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
