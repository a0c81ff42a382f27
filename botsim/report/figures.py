"""Figures of a report (seaborn on matplotlib's Agg canvas), built from a Study's tables.

Figures are ``matplotlib.figure.Figure`` objects created directly - no pyplot state, no global
backend switch, no ``seaborn.set_theme``: styles are applied in local contexts, so making a
report never changes process-wide settings. Each builder returns ``None`` when the data it
needs is absent (e.g. readiness or cost columns before the lifecycle model provides them).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from botsim import stats
from botsim.metrics import catalogue
from botsim.report import tables
from botsim.report.study import (
    COST_COLUMNS,
    CUMULATIVE_COSTS,
    READINESS_SCORE,
    Study,
    is_criterion,
)

MAX_FACETS = 12
"""Fan charts show at most this many groups (the rest are listed in the caption)."""

BREAK_EVENS = ("break_even_vs_outsourcing", "break_even_vs_onshore")
"""Break-even months marked on the cost chart."""


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def label(name: str, table: catalogue.Table = "summary") -> str:
    """A metric's words in a figure: what a time-to metric waits for ("full team"), else its
    catalogue label (an undeclared column: its name with spaces)."""
    found = catalogue.lookup(name, table)
    if found is None:
        return name.replace("_", " ")
    return found.event or found.title


@dataclass
class FigureSpec:
    """A finished figure: file stem, title, caption (what is shown and how) and the Figure."""

    name: str
    title: str
    caption: str
    figure: Any


def _new(width: float, height: float, nrows: int = 1, ncols: int = 1, **kw: Any):
    import seaborn as sns
    from matplotlib.figure import Figure

    with sns.axes_style("whitegrid"), sns.plotting_context("paper", font_scale=1.1):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _palette(n: int) -> list[Any]:
    import seaborn as sns

    return sns.color_palette("colorblind", max(n, 1))


# --------------------------------------------------------------------------- fan charts


def fan_chart(study: Study, column: str) -> FigureSpec | None:
    """Median, P25-P75 and P10-P90 bands of a monthly series per group, against the plan."""
    ts = study.timeseries
    if ts is None or len(ts) == 0 or column not in ts:
        return None
    groups = [g for g in study.groups if g in set(ts["group"].unique())][:MAX_FACETS]
    n = len(groups)
    ncols = min(n, 4)
    nrows = math.ceil(n / ncols)
    fig, axes = _new(3.6 * ncols + 0.4, 2.7 * nrows + 0.4, nrows, ncols, sharex=True)
    color = _palette(1)[0]
    q = (
        ts[ts["group"].isin(groups)]
        .groupby(["group", "month"])[column]
        .quantile([0.1, 0.25, 0.5, 0.75, 0.9])
        .unstack()
    )
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.set_visible(False)
            continue
        g = groups[k]
        d = q.loc[g]
        months = d.index.to_numpy(dtype=float)
        ax.fill_between(months, d[0.1], d[0.9], color=color, alpha=0.18, lw=0, label="P10-P90")
        ax.fill_between(months, d[0.25], d[0.75], color=color, alpha=0.35, lw=0, label="P25-P75")
        ax.plot(months, d[0.5], color=color, lw=1.8, label="median")
        if "target" in ts:
            plan = ts[ts["group"] == g].groupby("month")["target"].median()
            ax.step(
                plan.index,
                plan.to_numpy(),
                where="post",
                color="black",
                lw=1.2,
                ls="--",
                label="plan",
            )
        ax.set_title(g if len(g) < 48 else g[:45] + "...", fontsize=9)
        ax.set_xlabel("month")
        ax.set_ylabel(label(column, "series"))
        ax.set_ylim(bottom=0)
    axes.flat[0].legend(fontsize=7, loc="lower right")
    more = len([g for g in study.groups if g in set(ts["group"].unique())]) - n
    caption = (
        f"Month-end {label(column, 'series')} across replications: median line, P25-P75 and "
        "P10-P90 bands; dashed: the plan's target headcount."
    )
    if more > 0:
        caption += f" {more} further group(s) not shown."
    caption += study.series_note
    return FigureSpec(
        f"fan_{column}", f"{_upper_first(label(column, 'series'))} against the plan", caption, fig
    )


# --------------------------------------------------------------------------- time-to curves


def _panels(study: Study) -> list[tuple[str, list[tuple[str, str]]]]:
    """Panels of (title, [(group, line label)]): one per value of a grid sweep's first
    parameter when there are two or more, else a single panel with every group."""
    groups = [g for g in study.groups if (study.summary["group"] == g).any()]
    if study.kind == "sweep" and study.mode == "grid" and len(study.params) >= 2:
        pts = study.points.set_index(study.points["label"].astype(str))
        first, rest = study.params[0], study.params[1:]
        panels: dict[str, list[tuple[str, str]]] = {}
        for g in groups:
            line = ", ".join(f"{p}={pts.loc[g, p]}" for p in rest)
            panels.setdefault(f"{first}={pts.loc[g, first]}", []).append((g, line))
        return [(title, lines[:12]) for title, lines in list(panels.items())[:4]]
    return [("", [(g, g) for g in groups[:12]])]


def event_curves(study: Study, metric: str) -> FigureSpec | None:
    """P(event by month m) = 1 - Kaplan-Meier survival per group, with log-log bands."""
    s = study.summary
    if not catalogue.has_flag(s.columns, metric):
        return None
    if s[catalogue.metric(metric).flag].to_numpy(dtype=bool).all():
        return None  # never reached anywhere: the time-to table says so, a flat line would not
    panels = _panels(study)
    fig, axes = _new(
        min(5.2 * len(panels), 15.0) if len(panels) > 1 else 7.0, 4.2, 1, len(panels), sharey=True
    )
    bands = all(len(lines) <= 6 for _, lines in panels)
    for ax, (title, lines) in zip(axes.flat, panels):
        sequential = len(panels) > 1 or len(lines) > 6
        colors = _sequential(len(lines)) if sequential else _palette(len(lines))
        for (g, name), color in zip(lines, colors):
            sub = s[s["group"] == g]
            horizon = study.horizons.get(g, study.horizon)
            km = stats.km_for_metric(sub, metric, horizon, study.confidence)
            t = np.append(km["time"].to_numpy(), horizon)
            cdf = 1 - np.append(km["survival"].to_numpy(), km["survival"].iloc[-1])
            ax.step(t, cdf, where="post", color=color, lw=1.6, label=name)
            if bands:
                lo = 1 - np.append(km["ci_high"].to_numpy(), km["ci_high"].iloc[-1])
                hi = 1 - np.append(km["ci_low"].to_numpy(), km["ci_low"].iloc[-1])
                ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.12, lw=0)
        ax.set_xlim(0, study.horizon)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("month")
        if title:
            ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
    axes[0, 0].set_ylabel(f"P({label(metric)} by month)")
    pct = round(study.confidence * 100)
    caption = (
        f"Share of replications that reached {label(metric)} by each month: 1 - Kaplan-Meier "
        f"survival{f' with {pct}% pointwise log-log (Greenwood) bands' if bands else ''}. "
        "Replications that never got there are censored at the horizon, not dropped; a curve "
        "that stays below 1 means some never did."
    )
    return FigureSpec(f"km_{metric}", f"Time to {label(metric)}", caption, fig)


def _sequential(n: int) -> list[Any]:
    import seaborn as sns

    return sns.color_palette("viridis_r", max(n, 1)) if n > 1 else _palette(1)


# --------------------------------------------------------------------------- boxplots


def boxplots(study: Study) -> FigureSpec | None:
    """Distribution of the main metrics by group (sweeps: by last parameter, hue first)."""
    import seaborn as sns

    wanted = [
        m
        for m in (
            "time_to_full_team",
            "time_to_stable_team",
            "time_to_transfer_ready",
            "annual_attrition",
            "mean_time_to_fill_days",
            "final_effective_fte",
        )
        if m in study.summary
    ]
    if not wanted:
        return None
    datasets = {m: tables.key_metric_values(study, m) for m in wanted}
    # A metric with one value everywhere (e.g. never reached: all at the horizon) says nothing.
    wanted = [m for m in wanted if datasets[m][m].nunique(dropna=True) > 1]
    if not wanted:
        return None
    x, hue = "group", None
    if study.kind == "sweep" and study.mode == "grid" and study.params:
        x = study.params[-1]
        hue = study.params[0] if len(study.params) > 1 else None
    ncols = min(3, len(wanted))
    nrows = math.ceil(len(wanted) / ncols)
    fig, axes = _new(4.2 * ncols, 3.4 * nrows, nrows, ncols)
    for k, ax in enumerate(axes.flat):
        if k >= len(wanted):
            ax.set_visible(False)
            continue
        metric = wanted[k]
        data = datasets[metric]
        if x == "group":
            data["group"] = data["group"].str.slice(0, 24)
        with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib's deprecated `vert`
            warnings.simplefilter("ignore", DeprecationWarning)
            sns.boxplot(
                data=data,
                x=x,
                y=metric,
                hue=hue or x,
                ax=ax,
                palette="colorblind",
                fliersize=1.5,
                linewidth=0.8,
                legend=bool(hue) and k == 0,
            )
        ax.set_ylabel(label(metric))
        ax.set_xlabel(x.replace("_", " "))
        if x == "group" and len(study.groups) > 3:
            ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    caption = (
        "Distribution across replications (box: quartiles, whiskers: 1.5 IQR). Time-to metrics "
        "are shown restricted to the horizon: a replication that never reached the event is "
        "drawn at the horizon."
    )
    return FigureSpec("boxplots", "Key metrics by " + (hue or x).replace("_", " "), caption, fig)


# --------------------------------------------------------------------------- sweeps


def sweep_heatmaps(study: Study) -> FigureSpec | None:
    """Two-parameter grid: KM median of the key metric and P(event by the grid month).

    The grid month is the sweep file's ``heatmap_month`` (default 18), within the horizon.
    """
    import seaborn as sns

    if study.kind != "sweep" or study.mode != "grid" or len(study.params) != 2:
        return None
    metrics = [study.key_metric]
    if "time_to_transfer_ready" in study.summary and study.key_metric != "time_to_transfer_ready":
        metrics.append("time_to_transfer_ready")
    metrics = [m for m in metrics if catalogue.has_flag(study.summary.columns, m)]
    if not metrics:
        return None
    month = study.grid_month
    rows, cols = study.params[0], study.params[1]
    fig, axes = _new(5.2 * 2, 3.6 * len(metrics), len(metrics), 2)
    for r, metric in enumerate(metrics):
        grid = tables.sweep_grid(study, metric, month)
        med = grid.pivot(index=rows, columns=cols, values="km_median")
        # "Not reached" is shown at the horizon (the darkest colour) and labelled "> horizon".
        shown = med.replace(np.inf, study.horizon).astype(float)
        annot = med.map(lambda v: f"> {study.horizon:g}" if math.isinf(v) else f"{v:.1f}")
        sns.heatmap(
            shown,
            annot=annot,
            fmt="",
            cmap="rocket_r",
            vmin=0,
            vmax=study.horizon,
            ax=axes[r, 0],
            cbar=True,
            linewidths=0.5,
        )
        axes[r, 0].set_title(f"median months to {label(metric)} (KM)", fontsize=9)
        prob = grid.pivot(index=rows, columns=cols, values="p_by")
        sns.heatmap(
            prob, annot=True, fmt=".0%", cmap="mako", vmin=0, vmax=1, ax=axes[r, 1], linewidths=0.5
        )
        axes[r, 1].set_title(f"P({label(metric)} by month {month:g})", fontsize=9)
    caption = (
        "Left: Kaplan-Meier median months ('>' = not reached by half the replications "
        f"within the horizon). Right: share of replications with the event by month {month:g} "
        "(Wilson intervals in the table)."
    )
    if study.grid_month_note:
        caption += " " + study.grid_month_note
    return FigureSpec("heatmaps", f"{rows} x {cols}", caption, fig)


def sweep_lines(study: Study) -> FigureSpec | None:
    """Grid sweeps with a numeric parameter: KM medians (with CI) against it, one panel per
    time-to metric (full team, the key metric, transfer-ready when it is reached)."""
    if study.kind != "sweep" or study.mode != "grid" or not study.params:
        return None
    import pandas as pd

    candidates = ["time_to_full_team", study.key_metric, "time_to_transfer_ready"]
    metrics = [
        m
        for m in dict.fromkeys(candidates)
        if catalogue.has_flag(study.summary.columns, m)
        and not study.summary[catalogue.metric(m).flag].to_numpy(dtype=bool).all()
    ]
    numeric = [p for p in study.params if pd.api.types.is_numeric_dtype(study.points[p])]
    if not metrics or not numeric:
        return None
    x = numeric[-1]
    others = [p for p in study.params if p != x]
    hue = others[0] if others else None
    fig, axes = _new(4.6 * len(metrics) + 0.6, 4.0, 1, len(metrics))
    for ax, metric in zip(axes.flat, metrics):
        grid = tables.sweep_grid(study, metric)
        keys = list(dict.fromkeys(grid[hue])) if hue else [None]
        for key, color in zip(keys, _palette(len(keys))):
            sub = grid if hue is None else grid[grid[hue] == key]
            sub = sub.sort_values(x)
            xs = sub[x].to_numpy(dtype=float)
            med = sub["km_median"].to_numpy(dtype=float)
            lo = sub["km_median_ci_low"].to_numpy(dtype=float)
            hi = np.minimum(sub["km_median_ci_high"].to_numpy(dtype=float), study.horizon)
            finite = np.isfinite(med)
            ax.plot(xs[finite], med[finite], "o-", color=color, label=str(key) if hue else None)
            ax.fill_between(xs, np.where(np.isfinite(lo), lo, np.nan), hi, color=color, alpha=0.15)
        ax.axhline(study.horizon, color="grey", ls=":", lw=1)
        ax.set_xlabel(x.replace("_", " "))
        ax.set_ylabel(f"median months to {label(metric)}")
        ax.set_ylim(0, study.horizon * 1.05)
        if hue:
            ax.legend(title=hue.replace("_", " "), fontsize=8)
    caption = (
        f"Kaplan-Meier median months with {round(study.confidence * 100)}% confidence intervals "
        "(bands; capped at the horizon, dotted). A missing point: the median is not reached "
        "within the horizon."
    )
    return FigureSpec("sweep_median", f"Median time to events by {x}", caption, fig)


def tornado_chart(study: Study) -> FigureSpec | None:
    """One-at-a-time sensitivity: change of the key metric's mean at low and high values."""
    if study.kind != "sweep" or study.mode != "one_at_a_time":
        return None
    table = tables.tornado(study)
    if table.empty:
        return None
    table = table.iloc[::-1]  # largest swing on top
    fig, axes = _new(7.5, 0.55 * len(table) + 1.6)
    ax = axes[0, 0]
    y = np.arange(len(table))
    low_c, high_c = _palette(2)
    # Low and high side by side (not stacked): both stay visible when they share a sign.
    for level, color, offset in (("low", low_c, 0.2), ("high", high_c, -0.2)):
        eff = table[f"{level}_effect"].to_numpy(dtype=float)
        ax.barh(y + offset, eff, height=0.38, color=color, label=f"{level} value")
        err = np.vstack(
            [eff - table[f"{level}_ci_low"].to_numpy(), table[f"{level}_ci_high"].to_numpy() - eff]
        )
        ax.errorbar(
            eff, y + offset, xerr=np.nan_to_num(err), fmt="none", ecolor="black", lw=0.8, capsize=2
        )
    names = [
        f"{p}  [{_short(lo)} / {_short(hi)}]"
        for p, lo, hi in zip(table["parameter"], table["low_value"], table["high_value"])
    ]
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    metric = study.key_metric
    declared = catalogue.lookup(metric)
    unit = f" ({declared.unit})" if declared is not None and declared.censored else ""
    ax.set_xlabel(
        f"change in mean {label(metric)}{unit} vs base (mean {table['base_mean'].iloc[0]:.2f})"
    )
    ax.legend(fontsize=8, loc="lower right")
    caption = (
        f"Effect on the mean {label(metric)} of moving one assumption to its low or high value, "
        "all others at base; paired differences under common random numbers with "
        f"{round(study.confidence * 100)}% t-intervals (whiskers). Time-to metrics restricted to "
        "the horizon."
    )
    return FigureSpec("tornado", f"Sensitivity of {label(metric)}", caption, fig)


def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)[:16]


# --------------------------------------------------------------------------- lifecycle, costs


def readiness_chart(study: Study) -> FigureSpec | None:
    """Transfer-readiness score (fan) and each criterion's share met over time, when recorded."""
    ts = study.timeseries
    if ts is None or len(ts) == 0:
        return None
    score = READINESS_SCORE if READINESS_SCORE in ts else None
    criteria = [
        c
        for c in ts.columns
        if is_criterion(c) and (ts[c].dtype == bool or np.issubdtype(ts[c].dtype, np.number))
    ]
    if score is None and not criteria:
        return None
    ncols = 2 if score and criteria else 1
    groups = [g for g in study.groups if g in set(ts["group"].unique())][:6]
    fig, axes = _new(5.0 * ncols, 3.6, 1, ncols)
    colors = _palette(len(groups))
    if score:
        ax = axes[0, 0]
        for g, color in zip(groups, colors):
            q = ts[ts["group"] == g].groupby("month")[score].quantile([0.1, 0.5, 0.9]).unstack()
            ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.15, lw=0)
            ax.plot(q.index, q[0.5], color=color, label=g)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("month")
        ax.set_ylabel("transfer readiness (median, P10-P90)")
        ax.legend(fontsize=7)
    if criteria:
        ax = axes[0, ncols - 1]
        first = ts[ts["group"] == groups[0]]
        for c, color in zip(criteria, _palette(len(criteria))):
            share = first.groupby("month")[c].mean()
            ax.plot(share.index, share.to_numpy(), color=color, label=label(c, "series"))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("month")
        ax.set_ylabel(f"share of replications meeting ({groups[0][:20]})")
        ax.legend(fontsize=7)
    caption = "Transfer-readiness score and the share of replications meeting each criterion."
    caption += study.series_note
    return FigureSpec("readiness", "Transfer readiness over time", caption, fig)


def _representative_groups(study: Study, present: set[str], limit: int = 4) -> list[str]:
    """Groups to show when one panel per group is too many: for a grid sweep, every value of
    the first parameter with the other parameters at their middle value."""
    groups = [g for g in study.groups if g in present]
    if study.kind == "sweep" and study.mode == "grid" and len(study.params) >= 2:
        pts = study.points
        keep = np.ones(len(pts), dtype=bool)
        for p in study.params[1:]:
            values = list(dict.fromkeys(pts[p]))
            keep &= (pts[p] == values[len(values) // 2]).to_numpy()
        chosen = [str(g) for g in pts.loc[keep, "label"] if str(g) in present]
        if chosen:
            return chosen[:limit]
    return groups[:limit]


def cost_chart(study: Study) -> FigureSpec | None:
    """Cumulative cost of BOT against its counterfactuals (median, P10-P90) and break-even.

    Uses the monthly ``cost_bot`` / ``cost_outsourcing`` / ``cost_onshore`` series when the cost
    ledger provides them (cumulated per replication here), else ``cumulative_cost_bot``.
    """
    ts = study.timeseries
    if ts is None or len(ts) == 0:
        return None
    monthly = [c for c in COST_COLUMNS if c in ts]
    if monthly:
        data = ts[["group", "replication", "month", *monthly]].sort_values(
            ["group", "replication", "month"]
        )
        cum = data.groupby(["group", "replication"], sort=False)[monthly].cumsum()
        data = data[["group", "month"]].join(cum)
        cols = monthly
    else:
        cols = [c for c in CUMULATIVE_COSTS if c in ts]
        if not cols:
            return None
        data = ts
    groups = _representative_groups(study, set(ts["group"].unique()))
    fig, axes = _new(4.6 * len(groups), 3.8, 1, len(groups))
    breakevens = [m for m in BREAK_EVENS if m in study.summary]
    for ax, g in zip(axes.flat, groups):
        sub = data[data["group"] == g]
        for c, color in zip(cols, _palette(len(cols))):
            q = sub.groupby("month")[c].quantile([0.1, 0.5, 0.9]).unstack()
            name = catalogue.label(c, "series")
            ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.15, lw=0)
            ax.plot(q.index, q[0.5], color=color, label=name)
        ssub = study.summary[study.summary["group"] == g]
        for be, ls in zip(breakevens, ("--", ":", "-.")):
            if catalogue.has_flag(ssub.columns, be):
                km = stats.km_for_metric(ssub, be, study.horizons.get(g, study.horizon))
                med = stats.km_quantile(km)["time"]
            else:
                med = float(np.nanmedian(ssub[be].to_numpy(dtype=float)))
            if np.isfinite(med):
                name = catalogue.event(be)
                ax.axvline(med, color="black", ls=ls, lw=1, label=f"{name} (median {med:.0f})")
        ax.set_title(g[:40], fontsize=9)
        ax.set_xlabel("month")
        ax.legend(fontsize=7)
        ax.set_ylabel("cumulative cost (scenario currency)")
    caption = (
        "Cumulative cost of the BOT engagement and of its counterfactuals for the same team "
        "(median line, P10-P90 band); vertical lines: Kaplan-Meier median break-even months "
        "(censored at the horizon when never reached)."
    )
    hidden = len([g for g in study.groups if g in set(ts["group"].unique())]) - len(groups)
    if hidden > 0:
        caption += (
            f" Shown for {len(groups)} representative variant(s); {hidden} more in the tables."
        )
    caption += study.series_note
    return FigureSpec("costs", "Costs and break-even", caption, fig)


BUILDERS: list[Callable[[Study], FigureSpec | None]] = [
    lambda s: fan_chart(s, "headcount"),
    lambda s: fan_chart(s, "effective_fte"),
    lambda s: event_curves(s, "time_to_stable_team"),
    lambda s: event_curves(s, "time_to_transfer_ready"),
    lambda s: event_curves(s, "time_to_full_team"),
    sweep_lines,
    sweep_heatmaps,
    tornado_chart,
    boxplots,
    readiness_chart,
    cost_chart,
]


def build_figures(study: Study) -> list[FigureSpec]:
    """Every figure whose data is present, in report order."""
    figures = []
    for builder in BUILDERS:
        spec = builder(study)
        if spec is not None:
            figures.append(spec)
    return figures
