"""Statistics across replications: pure functions over arrays and result tables.

Conventions: a censored time-to-event value (the event did not happen within the horizon) is
passed as ``NaN`` together with a ``censored`` flag, and treated as "later than the horizon".
Because every replication is censored at the same horizon, the empirical quantile of
min(T, horizon) equals the Kaplan-Meier quantile wherever that is below the horizon; above it
the quantile is reported as ``inf`` ("not reached").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats as _st

CONFIDENCE = 0.95


def mean_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of the mean: x̄ ± t_{n-1} s / sqrt(n)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def describe(values: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """mean, sd, median, P10, P90 and the t-interval of the mean of the non-NaN values."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    mean, lo, hi = mean_ci(x, confidence)
    has = len(x) > 0
    return {
        "n": len(x),
        "mean": mean,
        "sd": float(x.std(ddof=1)) if len(x) > 1 else math.nan,
        "median": float(np.median(x)) if has else math.nan,
        "p10": float(np.quantile(x, 0.1)) if has else math.nan,
        "p90": float(np.quantile(x, 0.9)) if has else math.nan,
        "ci_low": lo,
        "ci_high": hi,
    }


def censored_quantiles(
    values: np.ndarray, censored: np.ndarray, qs: tuple[float, ...] = (0.1, 0.5, 0.9)
) -> dict[float, float]:
    """Quantiles of a time-to-event metric censored at a common horizon (inf = not reached)."""
    x = np.where(np.asarray(censored, dtype=bool), np.inf, np.asarray(values, dtype=float))
    if len(x) == 0:
        return {q: math.nan for q in qs}
    x = np.sort(x)
    n = len(x)
    # Inverse of the empirical CDF (type 1), well defined with infinite values.
    return {q: float(x[min(n - 1, max(0, math.ceil(q * n) - 1))]) for q in qs}


def summarise_time_to(summary: Any, metric: str) -> dict[str, float]:
    """Median, P10, P90, share censored of one time-to metric column of a summary table."""
    values = summary[metric].to_numpy(dtype=float)
    censored = summary[f"{metric}_censored"].to_numpy(dtype=bool)
    q = censored_quantiles(values, censored)
    return {
        "metric": metric,
        "n": len(values),
        "p10": q[0.1],
        "median": q[0.5],
        "p90": q[0.9],
        "censored_share": float(censored.mean()) if len(censored) else math.nan,
    }


def aggregate(summary: Any, confidence: float = CONFIDENCE) -> Any:
    """One row per numeric summary metric: n, mean, sd, median, P10, P90, CI, censored share."""
    import pandas as pd

    rows = []
    for col in summary.columns:
        if col == "replication" or col.endswith("_censored"):
            continue
        if not pd.api.types.is_numeric_dtype(summary[col]) or pd.api.types.is_bool_dtype(
            summary[col]
        ):
            continue
        row = {"metric": col, **describe(summary[col].to_numpy(dtype=float), confidence)}
        flag = f"{col}_censored"
        row["censored"] = int(summary[flag].sum()) if flag in summary else 0
        rows.append(row)
    return pd.DataFrame(rows)
