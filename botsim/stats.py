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


def paired_proportion_difference(
    a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE
) -> dict[str, float]:
    """Difference of two paired proportions P(A) - P(B), with Newcombe's hybrid score interval.

    ``a`` and ``b`` are yes/no outcomes of the same replications (common random numbers), e.g.
    "the event happened by month m". The interval is Newcombe (1998, *Stat. Med.* 17:2635,
    method 10): the Wilson intervals [l1, u1], [l2, u2] of the two margins combined with the
    correlation φ of the 2x2 table of pairs (both, A only, B only, neither: a, b, c, d;
    φ = C / sqrt((a+b)(c+d)(a+c)(b+d)) with C = ad - bc - n/2 when ad - bc > n/2, 0 when
    0 <= ad - bc <= n/2, ad - bc when negative),
    d - sqrt((p1-l1)² - 2φ(p1-l1)(u2-p2) + (u2-p2)²) to
    d + sqrt((u1-p1)² - 2φ(u1-p1)(p2-l2) + (p2-l2)²);
    unlike the Wald interval it keeps a sensible width when a share is 0 or 1. The p-value is
    McNemar's exact test on the discordant pairs (binomial, 1/2). Identical outcomes give a
    difference of exactly 0 and p = 1.
    """
    x = np.asarray(a, dtype=bool)
    y = np.asarray(b, dtype=bool)
    if len(x) != len(y):
        raise ValueError("paired samples must have the same length")
    n = len(x)
    out = {"n": n, "p_a": math.nan, "p_b": math.nan, "diff": math.nan}
    out.update(ci_low=math.nan, ci_high=math.nan, p_value=math.nan)
    if n == 0:
        return out
    both = int(np.sum(x & y))
    only_a = int(np.sum(x & ~y))
    only_b = int(np.sum(~x & y))
    neither = n - both - only_a - only_b
    p1, l1, u1 = wilson_interval(both + only_a, n, confidence)
    p2, l2, u2 = wilson_interval(both + only_b, n, confidence)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    cross = both * neither - only_a * only_b
    # Newcombe's continuity-corrected correlation: a positive cross product is shrunk by n/2.
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(margins) if margins > 0 else 0.0
    d = p1 - p2
    below = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    above = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    discordant = only_a + only_b
    p_value = float(_st.binomtest(only_a, discordant, 0.5).pvalue) if discordant else 1.0
    out.update(
        p_a=p1,
        p_b=p2,
        diff=d,
        ci_low=max(-1.0, d - below),
        ci_high=min(1.0, d + above),
        p_value=p_value,
    )
    return out


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


NOT_COMPARABLE = "not comparable"
"""``status`` of a comparison row whose time-to event one side never reached within the
horizon (``status_side`` names it): a difference would only measure the censoring."""
UNDEFINED = "undefined"
"""``status`` of a comparison row whose metric is undefined in every replication of one side
(``status_side``): e.g. time to re-stabilise or the transfer month of a team that never
transfers."""
COMPARED = "compared"


def never_reached_by(row: Any) -> str | None:
    """The one scenario of a comparison row (:func:`compare_summaries`) that never reached a
    time-to event its partner reached: the row is then not comparable. None otherwise (also
    for tables written before the reached shares existed)."""
    status = row.get("status")
    if isinstance(status, str) and status:
        return row["status_side"] if status == NOT_COMPARABLE else None
    a, b = row.get("reached_a", math.nan), row.get("reached_b", math.nan)
    if (a == 0) != (b == 0):
        return row["scenario_a"] if a == 0 else row["scenario_b"]
    return None


def undefined_for(row: Any) -> str | None:
    """The one scenario of a comparison row for which the metric is undefined in every
    replication (:data:`UNDEFINED`), else None."""
    status = row.get("status")
    return row["status_side"] if status == UNDEFINED else None


def restricted(summary: Any, metric: str, horizon: float) -> np.ndarray:
    """A metric column with censored time-to values set to the horizon (restricted time).

    A value NaN without its censored flag (the metric does not apply to that replication, as
    time to re-stabilise without a transfer) stays NaN."""
    values = summary[metric].to_numpy(dtype=float).copy()
    if catalogue.has_flag(summary.columns, metric):
        censored = summary[catalogue.metric(metric).flag].to_numpy(dtype=bool)
        values[censored] = float(horizon)
        values = np.minimum(values, float(horizon))
    return values


DECISION_MONTHS = (12.0, 18.0, 24.0, 36.0)
"""Months m at which comparisons and the decision summary report P(event by month m) (those
within the horizon): the planning horizons a strategist asks about (issue 15: "how likely by
month 18?"); assumption, not a model parameter."""


def decision_months(horizon: float, months: tuple[float, ...] = DECISION_MONTHS) -> list[float]:
    """The months of ``months`` within ``horizon`` (beyond it P(by m) is unknown)."""
    return [float(m) for m in months if m <= horizon]


def _paired_frame(sa: Any, sb: Any, metric: str, horizon: float, timed: bool) -> Any:
    """Replication-paired restricted values (a, b) and, for a time-to metric, the events'
    censoring flags (ca, cb)."""
    import pandas as pd

    def side(s: Any, tag: str) -> Any:
        frame = pd.DataFrame(
            {"replication": s["replication"].to_numpy(), tag: restricted(s, metric, horizon)}
        )
        if timed:
            frame["c" + tag] = s[catalogue.metric(metric).flag].to_numpy(dtype=bool)
        return frame

    return pd.merge(side(sa, "a"), side(sb, "b"), on="replication")


def _defined_share(s: Any, metric: str, horizon: float) -> float:
    """Share of a side's replications where the metric is defined (a value, or censored)."""
    values = restricted(s, metric, horizon)
    return float((~np.isnan(values)).mean()) if len(values) else 0.0


def _censored_share(s: Any, metric: str, horizon: float) -> float:
    """Share of the replications a time-to metric applies to that never reached its event."""
    values = restricted(s, metric, horizon)
    censored = s[catalogue.metric(metric).flag].to_numpy(dtype=bool)
    applies = ~np.isnan(values)
    return float(censored[applies].mean()) if applies.any() else math.nan


def compare_summaries(
    summaries: Any,
    horizon: float,
    metrics: list[str] | None = None,
    confidence: float = CONFIDENCE,
    months: tuple[float, ...] = DECISION_MONTHS,
) -> Any:
    """Paired comparison of every metric between every pair of scenarios (CRN).

    ``summaries`` maps scenario name -> summary table; rows are paired by ``replication``
    (replication j of every scenario used the same random streams). With k > 2 scenarios the
    k(k-1)/2 intervals of each metric use Bonferroni-adjusted confidence. Returns one tidy row
    per (metric, pair): means, difference A - B with its interval and p-value, whether it is
    significant, and the better scenario where it is (empty otherwise: no clear difference).

    Time-to metrics are compared so that censoring cannot pass for a difference:

    * ``mean_a``, ``mean_b`` and ``diff`` are **restricted mean times**, the mean of
      min(T, horizon) (censored runs count as the horizon), with ``censored_a``/``censored_b``,
      the share of each side's replications that never got there, beside them;
    * ``p_by_<m>_a``, ``p_by_<m>_b`` and ``p_by_<m>_diff`` with its interval and p-value give
      P(event by month m) of each side and their paired difference
      (:func:`paired_proportion_difference`) at each of ``months`` within the horizon;
    * ``better`` needs a significant restricted-mean difference that no month's significant
      P(by m) difference contradicts; where the months disagree (the curves cross)
      ``depends_on_month`` is True and no side is better.

    ``status`` says whether a row holds a difference: ``compared``; ``not comparable`` when one
    side (``status_side``) never reached the event within the horizon while the other did;
    ``undefined`` when the metric is undefined in every replication of one side (no transfer:
    no transfer month, no time to re-stabilise). Those rows carry no difference.
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
            timed = catalogue.has_flag(sa.columns, metric) and catalogue.has_flag(
                sb.columns, metric
            )
            defined_a = _defined_share(sa, metric, horizon)
            defined_b = _defined_share(sb, metric, horizon)
            if defined_a == 0 and defined_b == 0:
                continue  # not observed on either side: nothing to say
            joined = _paired_frame(sa, sb, metric, horizon, timed)
            both = joined.dropna(subset=["a", "b"])
            res = paired_difference(both["a"].to_numpy(), both["b"].to_numpy(), level)
            reached_a = reached_share(sa, metric) if timed else math.nan
            reached_b = reached_share(sb, metric) if timed else math.nan
            status, side = COMPARED, ""
            if (defined_a == 0) != (defined_b == 0):
                status, side = UNDEFINED, a if defined_a == 0 else b
            elif timed and (reached_a == 0) != (reached_b == 0):
                status, side = NOT_COMPARABLE, a if reached_a == 0 else b
            elif res["n"] == 0:
                continue  # defined on both sides, never in the same replication
            row: dict[str, Any] = {
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
            }
            if status != COMPARED:
                # A difference here would only measure the censoring or the undefined side.
                row.update(diff=math.nan, ci_low=math.nan, ci_high=math.nan, p_value=math.nan)
            significant = bool(
                np.isfinite(row["ci_low"]) and (row["ci_low"] > 0 or row["ci_high"] < 0)
            )
            favoured = set()  # sides some month's P(by m) significantly favours
            by_month: dict[str, float] = {}
            for month in decision_months(horizon, months):
                key = f"p_by_{month:g}"
                pb = {"p_a": math.nan, "p_b": math.nan, "diff": math.nan}
                pb.update(ci_low=math.nan, ci_high=math.nan, p_value=math.nan)
                if timed and len(both):
                    ea = ~both["ca"].to_numpy() & (both["a"].to_numpy() <= month)
                    eb = ~both["cb"].to_numpy() & (both["b"].to_numpy() <= month)
                    pb = paired_proportion_difference(ea, eb, level)
                    if status == COMPARED and (pb["ci_low"] > 0 or pb["ci_high"] < 0):
                        favoured.add(a if pb["diff"] > 0 else b)  # earlier is better
                values = (pb["p_a"], pb["p_b"], pb["diff"], pb["ci_low"], pb["ci_high"])
                values += (pb["p_value"],)
                by_month.update(
                    {f"{key}_{stat}": v for stat, v in zip(BY_MONTH_STATISTICS, values)}
                )
            better = None  # only where the difference is significant: else no clear difference
            if direction is not None and significant:
                a_lower = row["diff"] < 0
                better = a if (a_lower == (direction == "lower")) else b
            depends = bool(len(favoured) == 2 or (better is not None and favoured - {better}))
            if depends:
                better = None
            row.update(
                confidence=level,
                comparisons=m if len(names) > 2 else 1,
                better_when=direction or "",
                better=better or "",
                significant=significant,
                restricted_to_horizon=timed,
                reached_a=reached_a,
                reached_b=reached_b,
                censored_a=_censored_share(sa, metric, horizon) if timed else math.nan,
                censored_b=_censored_share(sb, metric, horizon) if timed else math.nan,
                status=status,
                status_side=side,
                depends_on_month=depends,
                **by_month,
            )
            rows.append(row)
    return pd.DataFrame(rows)


BY_MONTH_STATISTICS = ("a", "b", "diff", "ci_low", "ci_high", "p_value")
"""Suffixes of the ``p_by_<m>_*`` columns of a comparison row (one set per decision month)."""
COMPARISON_COLUMNS = frozenset(
    {
        *("metric", "scenario_a", "scenario_b", "n_pairs", "mean_a", "mean_b", "diff"),
        *("ci_low", "ci_high", "p_value", "confidence", "comparisons", "better_when", "better"),
        *("significant", "restricted_to_horizon", "reached_a", "reached_b", "censored_a"),
        *("censored_b", "status", "status_side", "depends_on_month"),
        *(f"p_by_{m:g}_{s}" for m in DECISION_MONTHS for s in BY_MONTH_STATISTICS),
    }
)
"""Every column of :func:`compare_summaries` at the default months (a sweep's contrasts table
holds them beside its parameters, which may not be named like one)."""


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
