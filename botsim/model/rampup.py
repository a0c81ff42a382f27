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

from botsim.inputs.scenario import Ramp


def full_output_tenure(ramp: Ramp) -> float:
    """The tenure in days from which output is full: training plus the ramp (every shape
    reaches exactly 1 there and stays at 1)."""
    return float(ramp.training_days) + float(ramp.ramp_days)


def productivity_of(ramp: Ramp) -> Callable[[float], float]:
    """The share of full output (0..1) of an employee as a function of tenure in days: the
    ramp's shape, one flat function per shape (a negative tenure gives 0)."""
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


def lost_days(ramp: Ramp) -> float:
    """Productive days a seat loses per hire against a fully productive agent:
    L = training_days + integral over the ramp of (1 - f(x)) dx x ramp_days, in closed form
    (exact for every shape, docs/model.md "Full team and readiness thresholds"):

    * linear: the ramp loses ramp_days / 2;
    * logistic: also ramp_days / 2 (f(x) + f(1 - x) = 1, as s is symmetric about 1/2);
    * stepped with n steps: ramp_days x (n + 1) / (2n) (the mean of 1 - k/n, k = 0..n-1).

    A hire who leaves before the end of the ramp loses less; L is the loss of one who stays.
    """
    training, ramp_days = float(ramp.training_days), float(ramp.ramp_days)
    if ramp_days == 0 or ramp.shape in ("linear", "logistic"):
        return training + ramp_days / 2
    return training + ramp_days * (ramp.steps + 1) / (2 * ramp.steps)
