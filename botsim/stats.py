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

from botsim.metrics import catalogue

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


def time_to_population(summary: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, censored) of a time-to metric over the replications it applies to.

    A value NaN *with* its censored flag did not happen within the horizon; a value NaN
    *without* it is undefined for that replication (``time_to_restabilise`` where no transfer
    completed) and is left out of the population, not counted as "not reached"."""
    values = summary[metric].to_numpy(dtype=float)
    censored = summary[catalogue.metric(metric).flag].to_numpy(dtype=bool)
    applies = censored | ~np.isnan(values)
    return values[applies], censored[applies]


def summarise_time_to(summary: Any, metric: str) -> dict[str, float]:
    """Median, P10, P90 and share censored of one time-to metric over the replications it
    applies to (:func:`time_to_population`; ``applies_share`` of all replications)."""
    values, censored = time_to_population(summary, metric)
    q = censored_quantiles(values, censored)
    total = len(summary)
    return {
        "metric": metric,
        "n": len(values),
        "applies_share": len(values) / total if total else math.nan,
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
        if col == "replication" or catalogue.is_censoring_flag(col):
            continue
        if not pd.api.types.is_numeric_dtype(summary[col]) or pd.api.types.is_bool_dtype(
            summary[col]
        ):
            continue
        row = {"metric": col, **describe(summary[col].to_numpy(dtype=float), confidence)}
        timed = catalogue.has_flag(summary.columns, col)
        row["censored"] = int(summary[catalogue.metric(col).flag].sum()) if timed else 0
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- probabilities


def wilson_interval(
    successes: int, n: int, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Proportion and Wilson score interval (reference 2.1.4: not the normal interval).

    (p̂ + z²/2n ± z·sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n); stays inside [0, 1] and keeps a
    sensible width when p̂ is 0 or 1, which is common for P(stable by month m).
    """
    if n <= 0:
        return math.nan, math.nan, math.nan
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    p = successes / n
    z = float(_st.norm.ppf(0.5 + confidence / 2))
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


def probability_by(
    values: np.ndarray,
    censored: np.ndarray,
    month: float,
    horizon: float | None = None,
    confidence: float = CONFIDENCE,
) -> dict[str, float]:
    """P(event by ``month``) across replications, with its Wilson interval.

    Every replication is censored at the same horizon, so for ``month`` <= horizon the event
    status is known for every replication and the share is an exact binomial proportion (it
    equals 1 - Kaplan-Meier survival). Beyond the horizon the probability is unknown (NaN).
    """
    x = np.asarray(values, dtype=float)
    c = np.asarray(censored, dtype=bool)
    n = len(x)
    if horizon is not None and month > horizon:
        return {
            "month": month,
            "n": n,
            "events": math.nan,
            "p": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
        }
    k = int(np.sum(~c & (np.nan_to_num(x, nan=np.inf) <= month)))
    p, lo, hi = wilson_interval(k, n, confidence)
    return {"month": month, "n": n, "events": k, "p": p, "ci_low": lo, "ci_high": hi}


# --------------------------------------------------------------------------- Kaplan-Meier


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, confidence: float = CONFIDENCE
) -> Any:
    """Kaplan-Meier survival estimate with Greenwood variance and log-log confidence bands.

    Returns a DataFrame with one row per distinct time (and a first row at time 0):
    ``time, at_risk, events, censored, survival, std_err, ci_low, ci_high``.
    S(t) = prod_{t_i <= t} (1 - d_i / n_i); Greenwood: Var S = S² Σ d_i / (n_i (n_i - d_i)).
    The pointwise band is exp(-exp(log(-log S) ± z σ)) with σ² = Σ d/(n(n-d)) / (log S)²
    (Kalbfleisch & Prentice), which stays inside [0, 1]; it is the default of lifelines and
    ``scipy.stats.ecdf(...).sf.confidence_interval(method="log-log")``.
    """
    import pandas as pd

    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    if len(t) != len(e):
        raise ValueError("durations and observed must have the same length")
    if np.isnan(t).any():
        raise ValueError("durations must not be NaN: give censored times as the censoring time")
    # Events and censorings per distinct time by one counting pass (a loop over the times
    # compared every time with every duration: quadratic, minutes for 10,000 replications).
    times, which = np.unique(t, return_inverse=True)
    n_total = len(t)
    sorted_t = np.sort(t)
    at_risk = n_total - np.searchsorted(sorted_t, times, side="left")
    events = np.bincount(which, weights=e, minlength=len(times)).astype(float)
    cens = np.bincount(which, weights=~e, minlength=len(times)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = 1.0 - events / at_risk
        survival = np.cumprod(factor)
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), np.inf)
        terms = np.where(events == 0, 0.0, terms)
        green = np.cumsum(terms)
        std_err = survival * np.sqrt(green)
        z = float(_st.norm.ppf(0.5 + confidence / 2))
        sigma = np.sqrt(green) / np.abs(np.log(survival))
        lo = np.exp(-np.exp(np.log(-np.log(survival)) + z * sigma))
        hi = np.exp(-np.exp(np.log(-np.log(survival)) - z * sigma))
    # Where S = 1 (no event yet) the band is the point itself; where S = 0 it is 0.
    lo = np.where(survival >= 1.0, 1.0, np.where(survival <= 0.0, 0.0, lo))
    hi = np.where(survival >= 1.0, 1.0, np.where(survival <= 0.0, 0.0, hi))
    std_err = np.where(survival <= 0.0, 0.0, std_err)
    frame = pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(int),
            "events": events.astype(int),
            "censored": cens.astype(int),
            "survival": survival,
            "std_err": std_err,
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    first = pd.DataFrame(
        [
            {
                "time": 0.0,
                "at_risk": n_total,
                "events": 0,
                "censored": 0,
                "survival": 1.0,
                "std_err": 0.0,
                "ci_low": 1.0,
                "ci_high": 1.0,
            }
        ]
    )
    if len(frame) and frame["time"].iloc[0] <= 0:
        return frame.reset_index(drop=True)
    return pd.concat([first, frame], ignore_index=True)


def km_for_metric(summary: Any, metric: str, horizon: float, confidence: float = CONFIDENCE) -> Any:
    """Kaplan-Meier table of one time-to metric over the replications it applies to
    (:func:`time_to_population`; censored rows count at ``horizon``)."""
    values, censored = time_to_population(summary, metric)
    durations = np.where(censored, float(horizon), values)
    return kaplan_meier(durations, ~censored, confidence)


def survival_at(km: Any, time: float, column: str = "survival") -> float:
    """Value of the KM step function (or one of its bands) at ``time``."""
    times = km["time"].to_numpy()
    idx = np.searchsorted(times, time, side="right") - 1
    return float(km[column].to_numpy()[idx]) if idx >= 0 else 1.0


def km_quantile(km: Any, q: float = 0.5) -> dict[str, float]:
    """Time by which a share ``q`` of replications had the event, with its confidence interval.

    The estimate is the first time with S(t) <= 1 - q; the interval takes the same crossing of
    the lower and upper bands (Brookmeyer-Crowley style, as lifelines does). ``inf`` means "not
    reached within the horizon" - honest where the naive median of the reached runs is not.
    """

    def crossing(column: str) -> float:
        hit = km[column].to_numpy() <= 1.0 - q + 1e-12
        return float(km["time"].to_numpy()[np.argmax(hit)]) if hit.any() else math.inf

    return {
        "q": q,
        "time": crossing("survival"),
        "ci_low": crossing("ci_low"),
        "ci_high": crossing("ci_high"),
    }


def time_to_table(
    summary: Any,
    horizon: float,
    metrics: tuple[str, ...] | None = None,
    months: tuple[float, ...] = (6, 12, 18, 24),
    confidence: float = CONFIDENCE,
) -> Any:
    """One row per censored time-to metric: KM median with CI, censored count, P(by m) + Wilson."""
    import pandas as pd

    metrics = metrics or time_to_metrics(summary)
    rows = []
    for metric in metrics:
        km = km_for_metric(summary, metric, horizon, confidence)
        med = km_quantile(km, 0.5)
        values, censored = time_to_population(summary, metric)
        row: dict[str, Any] = {
            "metric": metric,
            "n": len(values),
            "censored": int(censored.sum()),
            "km_median": med["time"],
            "km_median_ci_low": med["ci_low"],
            "km_median_ci_high": med["ci_high"],
        }
        for m in months:
            if m > horizon:
                continue
            pb = probability_by(values, censored, m, horizon, confidence)
            row[f"p_by_{m:g}"] = pb["p"]
            row[f"p_by_{m:g}_ci_low"] = pb["ci_low"]
            row[f"p_by_{m:g}_ci_high"] = pb["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def time_to_metrics(summary: Any) -> tuple[str, ...]:
    """Columns of a summary table that are censored time-to-event metrics (declared so in the
    catalogue, with their flag column present)."""
    return tuple(c for c in summary.columns if catalogue.has_flag(summary.columns, c))


# --------------------------------------------------------------------------- comparisons


def paired_difference(
    a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE
) -> dict[str, float]:
    """Paired-t interval of E[A - B] from replication pairs (reference 2.1.5, CRN).

    Z_j = A_j - B_j; Z̄ ± t_{n-1} S_Z / sqrt(n). Pairs with a NaN on either side are dropped.
    Identical pairs give a difference of exactly 0 with a zero-width interval and p = 1.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if len(x) != len(y):
        raise ValueError("paired samples must have the same length")
    keep = ~(np.isnan(x) | np.isnan(y))
    z = x[keep] - y[keep]
    n = len(z)
    out = {
        "n": n,
        "mean_a": math.nan,
        "mean_b": math.nan,
        "diff": math.nan,
        "sd": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "p_value": math.nan,
    }
    if n == 0:
        return out
    out.update(mean_a=float(x[keep].mean()), mean_b=float(y[keep].mean()), diff=float(z.mean()))
    if n == 1:
        return out
    sd = float(z.std(ddof=1))
    out["sd"] = sd
    if sd == 0.0:
        out.update(
            ci_low=out["diff"], ci_high=out["diff"], p_value=1.0 if out["diff"] == 0 else 0.0
        )
        return out
    se = sd / math.sqrt(n)
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1)) * se
    out.update(
        ci_low=out["diff"] - half,
        ci_high=out["diff"] + half,
        p_value=float(2 * _st.t.sf(abs(out["diff"]) / se, n - 1)),
    )
    return out


def welch_difference(
    a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE
) -> dict[str, float]:
    """Unpaired (Welch) interval of E[A] - E[B]: what independent seeds would give."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) < 2 or len(y) < 2:
        return {"diff": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    diff = float(x.mean() - y.mean())
    se = math.sqrt(vx + vy)
    if se == 0:
        return {"diff": diff, "ci_low": diff, "ci_high": diff}
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    half = float(_st.t.ppf(0.5 + confidence / 2, df)) * se
    return {"diff": diff, "ci_low": diff - half, "ci_high": diff + half}


def bonferroni_confidence(confidence: float, comparisons: int) -> float:
    """Per-comparison confidence so ``comparisons`` intervals hold jointly at ``confidence``."""
    if comparisons < 1:
        raise ValueError("comparisons must be at least 1")
    return 1.0 - (1.0 - confidence) / comparisons


def metric_direction(metric: str) -> str | None:
    """'lower' or 'higher' when one is plainly better for a strategist, else None (the
    catalogue's declaration)."""
    return catalogue.direction(metric)


def key_metrics(summary: Any) -> list[str]:
    """The key metrics present in ``summary`` (in catalogue order), then the other numeric
    columns the catalogue marks as compared (lifecycle and cost metrics), in table order."""
    import pandas as pd

    present = [m for m in catalogue.key_metric_names() if m in summary.columns]
    for col in summary.columns:
        declared = catalogue.lookup(col)
        if col in present or declared is None or not declared.compared:
            continue
        if not pd.api.types.is_numeric_dtype(summary[col]) or pd.api.types.is_bool_dtype(
            summary[col]
        ):
            continue
        present.append(col)
    return present


def reached_share(summary: Any, metric: str) -> float:
    """Share of replications in which a time-to metric's event happened within the horizon."""
    values = summary[metric].to_numpy(dtype=float)
    censored = summary[catalogue.metric(metric).flag].to_numpy(dtype=bool)
    return float((~censored & ~np.isnan(values)).mean()) if len(values) else math.nan


def never_reached_by(row: Any) -> str | None:
    """The one scenario of a comparison row (:func:`compare_summaries`) that never reached a
    time-to event its partner reached: the row is then not comparable. None otherwise (also
    for tables written before the reached shares existed)."""
    a, b = row.get("reached_a", math.nan), row.get("reached_b", math.nan)
    if (a == 0) != (b == 0):
        return row["scenario_a"] if a == 0 else row["scenario_b"]
    return None


def restricted(summary: Any, metric: str, horizon: float) -> np.ndarray:
    """A metric column with censored time-to values set to the horizon (restricted time)."""
    values = summary[metric].to_numpy(dtype=float).copy()
    if catalogue.has_flag(summary.columns, metric):
        censored = summary[catalogue.metric(metric).flag].to_numpy(dtype=bool)
        values[censored] = float(horizon)
        values = np.minimum(values, float(horizon))
    return values


def compare_summaries(
    summaries: Any,
    horizon: float,
    metrics: list[str] | None = None,
    confidence: float = CONFIDENCE,
) -> Any:
    """Paired comparison of every metric between every pair of scenarios (CRN).

    ``summaries`` maps scenario name -> summary table; rows are paired by ``replication``
    (replication j of every scenario used the same random streams). Time-to metrics are compared
    as restricted times min(T, horizon), so censored runs count instead of being dropped. With
    k > 2 scenarios the k(k-1)/2 intervals of each metric use Bonferroni-adjusted confidence.
    Returns one tidy row per (metric, pair): means, difference A - B with its interval and
    p-value, whether the difference is significant, and the better scenario where it is (empty
    where the interval includes 0: no clear difference).
    """
    import itertools as _it

    import pandas as pd

    names = list(summaries)
    pairs = list(_it.combinations(names, 2))
    m = max(1, len(pairs))
    level = bonferroni_confidence(confidence, m) if len(names) > 2 else confidence
    if metrics is None:
        metrics = key_metrics(summaries[names[0]])
    rows = []
    for metric in metrics:
        direction = metric_direction(metric)
        for a, b in pairs:
            sa, sb = summaries[a], summaries[b]
            if metric not in sa or metric not in sb:
                continue
            joined = pd.merge(
                pd.DataFrame(
                    {"replication": sa["replication"], "a": restricted(sa, metric, horizon)}
                ),
                pd.DataFrame(
                    {"replication": sb["replication"], "b": restricted(sb, metric, horizon)}
                ),
                on="replication",
            )
            res = paired_difference(joined["a"].to_numpy(), joined["b"].to_numpy(), level)
            if res["n"] == 0:  # not observed in these runs (e.g. no transfer within horizon)
                continue
            timed = catalogue.has_flag(sa.columns, metric)
            reached_a = reached_share(sa, metric) if timed else math.nan
            reached_b = reached_share(sb, metric) if timed else math.nan
            if timed and (reached_a == 0) != (reached_b == 0):
                # Never reached on one side only: a difference of restricted times would only
                # measure the censoring; reported as not comparable.
                res.update(diff=math.nan, ci_low=math.nan, ci_high=math.nan, p_value=math.nan)
            significant = bool(
                np.isfinite(res["ci_low"]) and (res["ci_low"] > 0 or res["ci_high"] < 0)
            )
            better = None  # only where the difference is significant: else no clear difference
            if direction is not None and significant:
                a_lower = res["diff"] < 0
                better = a if (a_lower == (direction == "lower")) else b
            rows.append(
                {
                    "metric": metric,
                    "scenario_a": a,
                    "scenario_b": b,
                    "n_pairs": res["n"],
                    "mean_a": res["mean_a"],
                    "mean_b": res["mean_b"],
                    "diff": res["diff"],
                    "ci_low": res["ci_low"],
                    "ci_high": res["ci_high"],
                    "p_value": res["p_value"],
                    "confidence": level,
                    "comparisons": m if len(names) > 2 else 1,
                    "better_when": direction or "",
                    "better": better or "",
                    "significant": significant,
                    "restricted_to_horizon": timed,
                    "reached_a": reached_a,
                    "reached_b": reached_b,
                }
            )
    return pd.DataFrame(rows)


def group_aggregates(summary: Any, by: list[str], confidence: float = CONFIDENCE) -> Any:
    """:func:`aggregate` for each group of a tidy table, group columns kept on every row."""
    import pandas as pd

    frames = []
    for key, group in summary.groupby(by, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        agg = aggregate(group.drop(columns=by), confidence)
        for col, value in zip(by, key):
            agg.insert(by.index(col), col, value)
        frames.append(agg)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
