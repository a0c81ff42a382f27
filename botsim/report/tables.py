"""The statistical tables of a report, computed from a :class:`Study` with ``botsim.stats``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from botsim import stats
from botsim.metrics import catalogue
from botsim.metrics.costs import LEDGER_LINES
from botsim.report.study import Study


def time_to_by_group(study: Study) -> Any:
    """KM median (CI), censored count and P(event by m) with Wilson intervals, per group."""
    import pandas as pd

    frames = []
    for group in study.groups:
        sub = study.summary[study.summary["group"] == group]
        if sub.empty:
            continue
        horizon = study.horizons.get(group, study.horizon)
        table = stats.time_to_table(sub, horizon, months=study.months, confidence=study.confidence)
        table.insert(0, "group", group)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def aggregates_by_group(study: Study) -> Any:
    """Mean with t-interval, sd, median, P10/P90 of every numeric metric, per group."""
    drop = [
        c for c in ("scenario", "sweep", "point", "label", "varied", "level") if c in study.summary
    ]
    table = study.summary.drop(columns=drop + study.params)
    return stats.group_aggregates(table, ["group"], study.confidence)


def key_aggregates(study: Study) -> Any:
    """:func:`aggregates_by_group` restricted to the key metrics (all are in aggregates.csv)."""
    table = aggregates_by_group(study)
    keys = stats.key_metrics(study.summary)
    table = table[table["metric"].isin(keys)].copy()
    order = {m: i for i, m in enumerate(keys)}
    groups = {g: i for i, g in enumerate(study.groups)}
    table["_g"], table["_m"] = table["group"].map(groups), table["metric"].map(order)
    return table.sort_values(["_g", "_m"]).drop(columns=["_g", "_m"]).reset_index(drop=True)


def cost_ledger_by_line(study: Study) -> Any:
    """Mean cost per replication of each BOT ledger line by phase and in total, per group
    (from the monthly series the report reads), with each line's share of the total."""
    import pandas as pd

    ts = study.timeseries
    lines = [c for c in LEDGER_LINES if c in ts]
    if not len(ts) or not lines or "phase" not in ts:
        return pd.DataFrame()
    frames = []
    for group in study.groups:
        sub = ts[ts["group"] == group]
        runs = sub["replication"].nunique() if "replication" in sub else 1
        if not runs:
            continue
        by_phase = sub.groupby("phase", sort=False)[lines].sum() / runs
        table = by_phase.T
        table["total"] = table.sum(axis=1)
        grand = table["total"].sum()
        table["share"] = table["total"] / grand if grand else math.nan
        table.insert(0, "line", [catalogue.label(c, "series") for c in lines])
        table.insert(0, "group", group)
        frames.append(table.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


PRESENT_VALUES = (
    "pv_cost_bot",
    "pv_cost_outsourcing",
    "pv_cost_onshore",
    "pv_savings_vs_outsourcing",
    "pv_savings_vs_onshore",
)
"""Present values of the summary (discounted at costs.discount_rate; docs/model.md, Costs)."""


def present_values(study: Study) -> Any:
    """Mean, P10 and P90 over replications of each present value, per group (a row per group
    and present value; the report shows the metric's catalogue label and unit)."""
    import pandas as pd

    summary = study.summary
    metrics = [m for m in PRESENT_VALUES if m in summary]
    rows = []
    for group in study.groups:
        sub = summary[summary["group"] == group]
        for metric in metrics:
            values = sub[metric].to_numpy(dtype=float)
            if not len(values):
                continue
            rows.append(
                {
                    "group": group,
                    "metric": metric,
                    "mean": float(np.nanmean(values)),
                    "p10": float(np.nanquantile(values, 0.1)),
                    "p90": float(np.nanquantile(values, 0.9)),
                }
            )
    return pd.DataFrame(rows)


def comparisons(study: Study) -> Any:
    """Paired CRN comparison of every key metric between every pair of groups."""
    summaries = {
        g: study.summary[study.summary["group"] == g].reset_index(drop=True) for g in study.groups
    }
    return stats.compare_summaries(summaries, study.horizon, confidence=study.confidence)


def key_metric_values(study: Study, metric: str) -> Any:
    """Per-replication values of ``metric``, restricted to the horizon if it is a time-to metric."""
    s = study.summary
    out = s[["group", "replication", *study.params]].copy()
    horizons = {study.horizons.get(group, study.horizon) for group in study.groups}
    if len(horizons) == 1:  # one horizon (a run's drivers, most sweeps): all rows at once
        out[metric] = stats.restricted(s, metric, horizons.pop())
        return out
    values = np.full(len(s), np.nan)
    for group in study.groups:
        mask = (s["group"] == group).to_numpy()
        horizon = study.horizons.get(group, study.horizon)
        values[mask] = stats.restricted(s[mask], metric, horizon)
    out[metric] = values
    return out


def tornado(study: Study, metric: str | None = None) -> Any:
    """One-at-a-time effects on ``metric``: mean at low/high minus the base mean (paired, CRN).

    Time-to metrics are restricted to the horizon (censored runs count as the horizon).
    Computed once per study and metric (``tornado.csv``, the report and the console summary
    show the same table: :func:`botsim.report.study.derived`); each call returns a copy.
    """
    from botsim.report.study import derived

    metric = metric or study.key_metric
    return derived(study, f"tornado {metric}", lambda s: _tornado(s, metric)).copy()


def _tornado(study: Study, metric: str) -> Any:
    import pandas as pd

    values = key_metric_values(study, metric)
    values["varied"] = study.summary["varied"].to_numpy()
    values["level"] = study.summary["level"].to_numpy()
    base = values[values["level"] == "base"].set_index("replication")[metric]
    rows = []
    for param in [v for v in values["varied"].unique() if v]:
        row: dict[str, Any] = {"parameter": param, "base_mean": float(base.mean())}
        for level in ("low", "high"):
            sub = values[(values["varied"] == param) & (values["level"] == level)]
            sub = sub.set_index("replication")[metric].reindex(base.index)
            res = stats.paired_difference(sub.to_numpy(), base.to_numpy(), study.confidence)
            point = study.summary[
                (study.summary["varied"] == param) & (study.summary["level"] == level)
            ]
            row[f"{level}_value"] = point[param].iloc[0] if len(point) else math.nan
            row[f"{level}_mean"] = res["mean_a"]
            row[f"{level}_effect"] = res["diff"]
            row[f"{level}_ci_low"] = res["ci_low"]
            row[f"{level}_ci_high"] = res["ci_high"]
        row["swing"] = abs(row["high_effect"] - row["low_effect"])
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table):
        table = table.sort_values("swing", ascending=False, ignore_index=True)
    table.insert(0, "metric", metric)
    return table


def sweep_grid(study: Study, metric: str | None = None, month: float | None = None) -> Any:
    """Per sweep variant: KM median of ``metric`` with CI and P(event by ``month``) + Wilson.

    ``month`` defaults to :attr:`Study.grid_month` (the sweep file's ``heatmap_month``, or 18,
    within the horizon).
    """
    import pandas as pd

    metric = metric or study.key_metric
    month = study.grid_month if month is None else float(month)
    rows = []
    for _, pt in study.points.iterrows():
        group = str(pt["label"])
        sub = study.summary[study.summary["group"] == group]
        horizon = study.horizons.get(group, study.horizon)
        row = {p: pt[p] for p in study.params}
        row["group"] = group
        if catalogue.has_flag(sub.columns, metric):
            km = stats.km_for_metric(sub, metric, horizon, study.confidence)
            med = stats.km_quantile(km, 0.5)
            values = sub[metric].to_numpy(dtype=float)
            cens = sub[catalogue.metric(metric).flag].to_numpy(dtype=bool) | np.isnan(values)
            pb = stats.probability_by(values, cens, month, horizon, study.confidence)
            row.update(
                km_median=med["time"],
                km_median_ci_low=med["ci_low"],
                km_median_ci_high=med["ci_high"],
                censored=int(cens.sum()),
                p_by=pb["p"],
                p_by_ci_low=pb["ci_low"],
                p_by_ci_high=pb["ci_high"],
            )
        elif metric in sub:
            d = stats.describe(sub[metric].to_numpy(dtype=float), study.confidence)
            row.update(mean=d["mean"], ci_low=d["ci_low"], ci_high=d["ci_high"])
        rows.append(row)
    table = pd.DataFrame(rows)
    table.insert(0, "metric", metric)
    table["month"] = month
    return table


CONTRAST_METRICS = (
    "time_to_full_team",
    "time_to_stable_team",
    "time_to_transfer_ready",
    "annual_attrition",
    "final_effective_fte",
    "total_cost_bot",
)


COST_CONTRASTS = (
    "savings_vs_outsourcing",
    "savings_vs_onshore",
    "break_even_vs_outsourcing",
    "break_even_vs_onshore",
)
"""Also contrasted in a sweep, for its decision summary (savings and break-even)."""


def sweep_contrasts(study: Study) -> Any:
    """Grid sweeps: paired (CRN) comparison of the first parameter's values at each setting of
    the others - e.g. Philippines vs Colombia at each team size - on the main metrics, savings
    and break-even. Censoring-aware like every comparison (restricted means with censoring
    shares, P(event by month m) differences, not comparable / undefined rows).

    Each setting is its own family: with more than two values its pairwise intervals are
    Bonferroni-adjusted (see :func:`botsim.stats.compare_summaries`). Computed once per study
    (``contrasts.csv``, the report, its decision and the console summary show the same table:
    :func:`botsim.report.study.derived`); each call returns a copy.
    """
    from botsim.report.study import derived

    return derived(study, "sweep_contrasts", _sweep_contrasts).copy()


def _sweep_contrasts(study: Study) -> Any:
    import pandas as pd

    if study.kind != "sweep" or study.mode != "grid" or not study.params:
        return pd.DataFrame()
    first, rest = study.params[0], study.params[1:]
    pts = study.points
    if pts[first].nunique() < 2:
        return pd.DataFrame()
    wanted = (*CONTRAST_METRICS, *COST_CONTRASTS, study.key_metric)
    metric_list = [m for m in dict.fromkeys(wanted) if m in study.summary]
    frames = []
    settings = pts.groupby(rest, sort=False) if rest else [((), pts)]
    for key, block in settings:
        key = key if isinstance(key, tuple) else (key,)
        summaries = {}
        for _, pt in block.iterrows():
            sub = study.summary[study.summary["group"] == str(pt["label"])]
            summaries[str(pt[first])] = sub.reset_index(drop=True)
        horizon = min(study.horizons.get(str(g), study.horizon) for g in block["label"])
        table = stats.compare_summaries(summaries, horizon, metric_list, study.confidence)
        for i, (p, v) in enumerate(zip(rest, key)):
            table.insert(i, p, v)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def criteria_by_month(study: Study) -> Any:
    """Readiness criteria not met at the decision months, per group: one row per (group,
    criterion), one text column per month, "not met % (only one not met %)"; the last row of a
    group is the share ready (:func:`botsim.metrics.readiness.criteria_at_months`)."""
    import pandas as pd

    from botsim.metrics.readiness import READY, criteria_at_months

    long = criteria_at_months(study.timeseries)
    if long.empty:
        return pd.DataFrame()
    if "group" not in long:
        long.insert(0, "group", study.groups[0] if study.groups else "")
    rows = []
    for (group, name), frame in long.groupby(["group", "criterion"], sort=False):
        row = {
            "group": group,
            "criterion": (
                "ready (every criterion met)"
                if name == READY
                else catalogue.label(f"criterion_{name}", "series")
            ),
        }
        for _, r in frame.iterrows():
            row[f"month {int(r['month'])}"] = (
                f"{r['ready_share']:.0%}"
                if name == READY
                else f"{r['unmet_share']:.0%} ({r['only_unmet_share']:.0%})"
            )
        rows.append(row)
    return pd.DataFrame(rows)
