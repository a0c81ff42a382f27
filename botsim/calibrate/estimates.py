"""The estimates every fit reports, each with its interval: exact Poisson rates, Wilson
proportions, t means and Kaplan-Meier survival (right-censored durations)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from botsim.stats import CONFIDENCE

MIN_PROPORTION_TRIALS = 20
"""A proportion from fewer trials than this gets a warning (assumption)."""


@dataclass(frozen=True)
class Estimate:
    """A fitted value with its two-sided interval, the sample size behind it and the method."""

    value: float
    low: float
    high: float
    n: int
    method: str

    def covers(self, truth: float) -> bool:
        return self.low <= truth <= self.high


def poisson_rate_interval(
    events: int, exposure: float, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate: chi-square quantiles of the count / exposure."""
    if exposure <= 0:
        return 0.0, math.inf
    alpha = 1 - confidence
    low = 0.0 if events == 0 else _st.chi2.ppf(alpha / 2, 2 * events) / 2
    high = _st.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    return float(low / exposure), float(high / exposure)


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of k / n (:func:`botsim.stats.wilson_interval`); [0, 1] when n = 0."""
    from botsim.stats import wilson_interval as wilson

    if n == 0:
        return 0.0, 1.0
    _, low, high = wilson(k, n, confidence)
    return low, high


def proportion(k: int, n: int, confidence: float = CONFIDENCE) -> Estimate:
    """k / n with its Wilson interval."""
    low, high = wilson_interval(k, n, confidence)
    return Estimate(k / n if n else math.nan, low, high, n, "Wilson")


def mean_estimate(x: np.ndarray, confidence: float = CONFIDENCE) -> Estimate:
    """The sample mean with its t interval."""
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "t")
    m = float(x.mean())
    if n == 1 or x.std() == 0:
        return Estimate(m, m, m, n, "t")
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Estimate(m, m - half, m + half, n, "t")


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, confidence: float = CONFIDENCE
) -> Any:
    """Kaplan-Meier survival with Greenwood log(-log) intervals, one row per event time.

    The estimate is :func:`botsim.stats.kaplan_meier`; this keeps the event-time rows and the
    ``low``/``high`` column names the calibration report reads.
    """
    from botsim.stats import kaplan_meier as km

    frame = km(durations, observed, confidence)
    frame = frame[frame.events > 0].rename(columns={"ci_low": "low", "ci_high": "high"})
    return frame[["time", "at_risk", "events", "survival", "low", "high"]].reset_index(drop=True)


def km_at(curve: Any, time: float) -> tuple[float, float, float, int]:
    """Survival, interval and number at risk from a KM table at ``time``."""
    before = curve[curve["time"] <= time]
    later = curve.loc[curve["time"] >= time, "at_risk"]
    at_risk = int(later.iloc[0]) if len(later) else 0
    if before.empty:
        return 1.0, 1.0, 1.0, at_risk
    last = before.iloc[-1]
    return float(last["survival"]), float(last["low"]), float(last["high"]), at_risk


def restricted_mean(curve: Any, until: float) -> float:
    """Area under a KM curve from 0 to ``until`` (the restricted mean)."""
    times = np.append(curve["time"].to_numpy(), until)
    surv = np.append(1.0, curve["survival"].to_numpy())
    keep = times <= until
    edges = np.append(0.0, times[keep])
    edges = np.append(edges[edges < until], until)
    s = surv[: len(edges) - 1]
    return float(np.sum(np.diff(edges) * s))
