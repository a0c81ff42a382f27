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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from botsim import stats
from botsim.metrics import catalogue
from botsim.report import tables, units
from botsim.report.study import (
    COST_COLUMNS,
    CUMULATIVE_COSTS,
    READINESS_SCORE,
    Study,
    is_criterion,
)

MAX_PANELS = 24
"""Panels of one small-multiples figure; more groups are split over several figures (each
group is shown in one of them, none dropped)."""

MAX_COLUMNS = 5
"""Panels per row of a small-multiples figure (a grid sweep's row is one first-parameter
value when its settings fit)."""

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
    return found.event or found.member_label(name)


@dataclass
class FigureSpec:
    """A finished figure: file stem, title, caption (what is shown and how), the Figure, and a
    one-line conclusion computed from the data (what to read from it), shown first."""

    name: str
    title: str
    caption: str
    figure: Any
    conclusion: str = ""
    panels: list[str] = field(default_factory=list)  # the groups it shows (tests, captions)


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


def _present(study: Study, frame: Any) -> list[str]:
    """The study's groups that have rows in ``frame``, in study order (the set built once)."""
    have = set(frame["group"].unique())
    return [g for g in study.groups if g in have]


def _columns(study: Study, n: int) -> int:
    """Panels per row: a grid sweep's settings of the other parameters per row (one row per
    value of the first parameter) when they fit, else up to :data:`MAX_COLUMNS`."""
    if study.kind == "sweep" and study.mode == "grid" and len(study.params) >= 2:
        per_row = n // max(1, study.points[study.params[0]].nunique())
        if 1 <= per_row <= MAX_COLUMNS + 1 and n % per_row == 0:
            return per_row
    return min(n, MAX_COLUMNS - 1) if n > 1 else 1


def _pages(groups: list[str]) -> list[list[str]]:
    """Groups split into figures of at most :data:`MAX_PANELS` panels."""
    return [groups[i : i + MAX_PANELS] for i in range(0, len(groups), MAX_PANELS)] or [[]]


def _small_multiples(
    study: Study, n: int, size: tuple[float, float, float, float], **kw: Any
) -> tuple[Any, Any]:
    """A figure of ``n`` panels laid out by :func:`_columns`, the unused ones hidden; ``size``
    is (width per column, extra width, height per row, extra height) in inches."""
    ncols = _columns(study, n)
    nrows = math.ceil(n / ncols)
    width, extra_w, height, extra_h = size
    fig, axes = _new(width * ncols + extra_w, height * nrows + extra_h, nrows, ncols, **kw)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def _suffix(k: int, pages: int) -> tuple[str, str]:
    """File-name and title suffixes of figure ``k`` of ``pages`` (none for a single one)."""
    return ("", "") if pages == 1 else (f"-{k + 1}", f" ({k + 1} of {pages})")


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _months(value: float, horizon: float) -> str:
    return f"> {horizon:g}" if not np.isfinite(value) else f"{value:.0f}"


# --------------------------------------------------------------------------- fan charts


def fan_chart(study: Study, column: str) -> list[FigureSpec] | None:
    """Median, P25-P75 and P10-P90 bands of a monthly series per group, against the plan: one
    panel per group (several figures when there are more than :data:`MAX_PANELS`)."""
    ts = study.timeseries
    if ts is None or len(ts) == 0 or column not in ts:
        return None
    present = _present(study, ts)
    names = units.group_names(study)
    color = _palette(1)[0]
    q = ts.groupby(["group", "month"])[column].quantile([0.1, 0.25, 0.5, 0.75, 0.9]).unstack()
    plans = ts.groupby(["group", "month"])["target"].median() if "target" in ts else None
    what = label(column, "series")
    ends = {g: float(q.loc[g][0.5].iloc[-1]) for g in present}
    targets = {g: float(plans.loc[g].iloc[-1]) for g in present} if plans is not None else {}
    pages = _pages(present)
    specs = []
    for k, groups in enumerate(pages):
        fig, axes = _small_multiples(study, len(groups), (3.2, 0.4, 2.5, 0.6), sharex=True)
        for g, ax in zip(groups, axes.flat):
            d = q.loc[g]
            months = d.index.to_numpy(dtype=float)
            ax.fill_between(months, d[0.1], d[0.9], color=color, alpha=0.18, lw=0, label="P10-P90")
            ax.fill_between(
                months, d[0.25], d[0.75], color=color, alpha=0.35, lw=0, label="P25-P75"
            )
            ax.plot(months, d[0.5], color=color, lw=1.8, label="median")
            if plans is not None:
                plan = plans.loc[g]
                ax.step(plan.index, plan.to_numpy(), where="post", color="black", lw=1.2,
                        ls="--", label="plan")  # fmt: skip
            ax.set_title(_short(names[g]), fontsize=9)
            ax.set_xlabel("month")
            ax.set_ylabel(what)
            ax.set_ylim(bottom=0)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8)
        file, title = _suffix(k, len(pages))
        caption = (
            f"Month-end {what} across replications, one panel per "
            f"{'variant' if study.kind == 'sweep' else 'scenario'}: median line, P25-P75 and "
            "P10-P90 bands; dashed: the plan's target headcount."
        ) + study.series_note
        specs.append(
            FigureSpec(
                f"fan_{column}{file}",
                f"{_upper_first(what)} against the plan{title}",
                caption,
                fig,
                _fan_conclusion(study, what, ends, targets, names),
                groups,
            )
        )
    return specs


def _fan_conclusion(
    study: Study, what: str, ends: dict[str, float], targets: dict[str, float], names: dict
) -> str:
    """The median at the horizon against the plan's final target, in words."""
    if not ends:
        return ""
    h = f"{study.horizon:g}"
    if len(ends) == 1:
        g, end = next(iter(ends.items()))
        target = targets.get(g)
        of = f" of a planned {target:.0f}" if target else ""
        return f"The median {what} at month {h} is {end:.1f}{of}."
    if targets:
        shares = {g: ends[g] / targets[g] for g in ends if targets.get(g)}
        if shares:
            lo, hi = min(shares, key=shares.get), max(shares, key=shares.get)
            if round(shares[lo], 2) == round(shares[hi], 2):
                return f"At month {h} the median {what} is {shares[lo]:.0%} of the plan for each."
            return (
                f"At month {h} the median {what} is {shares[lo]:.0%} of the plan for "
                f"{names[lo]} and {shares[hi]:.0%} for {names[hi]} (lowest and highest)."
            )
    lo, hi = min(ends, key=ends.get), max(ends, key=ends.get)
    return (
        f"At month {h} the median {what} runs from {ends[lo]:.1f} ({names[lo]}) to "
        f"{ends[hi]:.1f} ({names[hi]})."
    )


# --------------------------------------------------------------------------- time-to curves


def _panels(study: Study) -> list[tuple[str, list[tuple[str, str]]]]:
    """Panels of (title, [(group, line label)]): one per value of a grid sweep's first
    parameter when there are two or more parameters, else a single panel with every group.
    Every group is in a panel."""
    groups = _present(study, study.summary)
    names = units.group_names(study)
    if study.kind == "sweep" and study.mode == "grid" and len(study.params) >= 2:
        pts = study.points.set_index(study.points["label"].astype(str))
        first, rest = study.params[0], study.params[1:]
        panels: dict[str, list[tuple[str, str]]] = {}
        for g in groups:
            line = ", ".join(units.param_value(p, pts.loc[g, p]) for p in rest)
            title = units.param_value(first, pts.loc[g, first])
            panels.setdefault(title, []).append((g, line))
        return list(panels.items())
    return [("", [(g, names[g]) for g in groups])]


def event_curves(study: Study, metric: str) -> FigureSpec | None:
    """P(event by month m) = 1 - Kaplan-Meier survival per group, with log-log bands; a grid
    sweep gets one panel per value of its first parameter, every variant a line."""
    s = study.summary
    if not catalogue.has_flag(s.columns, metric):
        return None
    if s[catalogue.metric(metric).flag].to_numpy(dtype=bool).all():
        return None  # never reached anywhere: the time-to table says so, a flat line would not
    panels = _panels(study)
    ncols = min(len(panels), 4)
    nrows = math.ceil(len(panels) / ncols)
    width = min(5.0 * ncols, 16.0) if ncols > 1 else 7.0
    fig, axes = _new(width, 3.9 * nrows + 0.3, nrows, ncols, sharey=True)
    bands = all(len(lines) <= 6 for _, lines in panels)
    by_group = dict(tuple(s.groupby("group", sort=False)))
    medians: dict[str, float] = {}
    for ax, (title, lines) in zip(axes.flat, panels):
        sequential = len(panels) > 1 or len(lines) > 6
        colors = _sequential(len(lines)) if sequential else _palette(len(lines))
        for (g, name), color in zip(lines, colors):
            horizon = study.horizons.get(g, study.horizon)
            km = stats.km_for_metric(by_group[g], metric, horizon, study.confidence)
            medians[g] = stats.km_quantile(km, 0.5)["time"]
            t = np.append(km["time"].to_numpy(), horizon)
            cdf = 1 - np.append(km["survival"].to_numpy(), km["survival"].iloc[-1])
            ax.step(t, cdf, where="post", color=color, lw=1.6, label=_short(name, 40))
            if bands:
                lo = 1 - np.append(km["ci_high"].to_numpy(), km["ci_high"].iloc[-1])
                hi = 1 - np.append(km["ci_low"].to_numpy(), km["ci_low"].iloc[-1])
                ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.12, lw=0)
        ax.set_xlim(0, study.horizon)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("month")
        ax.yaxis.set_major_formatter(_percent())
        if title:
            ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="lower right", ncol=2 if len(lines) > 12 else 1)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel(f"P({label(metric)} by month)")
    pct = round(study.confidence * 100)
    caption = (
        f"Share of replications that reached {label(metric)} by each month: 1 - Kaplan-Meier "
        f"survival{f' with {pct}% pointwise log-log (Greenwood) bands' if bands else ''}. "
        "Replications that never got there are censored at the horizon, not dropped; a curve "
        "that stays below 100% means some never did."
    )
    return FigureSpec(
        f"km_{metric}",
        f"Time to {label(metric)}",
        caption,
        fig,
        _median_conclusion(study, label(metric), medians),
        [g for _, lines in panels for g, _ in lines],
    )


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)


def _median_conclusion(study: Study, event: str, medians: dict[str, float]) -> str:
    """What the median months to an event say: the one value of a run; for a grid sweep, which
    value of the first parameter gets there first at how many settings of the others; else
    the fastest and the slowest group."""
    if not medians:
        return ""
    h = study.horizon
    names = units.group_names(study)
    if len(medians) == 1:
        m = next(iter(medians.values()))
        if not np.isfinite(m):
            return f"Half of the replications do not reach {event} within {h:g} months."
        return f"Half of the replications reach {event} by month {m:.0f}."
    if study.kind == "sweep" and study.mode == "grid" and len(study.params) >= 2:
        pts = study.points.assign(label=study.points["label"].astype(str))
        first, rest = study.params[0], study.params[1:]
        capped = {g: min(v, h) for g, v in medians.items()}
        wins: dict[Any, int] = {}
        gaps: dict[Any, list[float]] = {}
        settings = 0
        for _, block in pts.groupby(rest, sort=False):
            vals = {pt[first]: capped.get(pt["label"]) for _, pt in block.iterrows()}
            vals = {k: v for k, v in vals.items() if v is not None}
            if len(vals) < 2:
                continue
            settings += 1
            order = sorted(vals, key=vals.get)
            if vals[order[0]] < vals[order[1]]:
                wins[order[0]] = wins.get(order[0], 0) + 1
                gaps.setdefault(order[0], []).append(vals[order[1]] - vals[order[0]])
        if not wins:
            return (
                f"No {units.param_label(first)} reaches {event} first at the median at any setting."
            )
        best = max(wins, key=wins.get)
        others = ", ".join(units.param_label(p) for p in rest)
        where = (
            f"every {others}"
            if wins[best] == settings
            else f"{wins[best]} of {settings} {others} settings"
        )
        word = units.param_value(first, best)
        return (
            f"{_upper_first(word)} reaches {event} first (median months) at {where}, by "
            f"{np.mean(gaps[best]):.1f} months on average where it leads."
        )
    fast = min(medians, key=medians.get)
    slow = max(medians, key=medians.get)
    return (
        f"Median months to {event}: fastest {names[fast]} ({_months(medians[fast], h)}), "
        f"slowest {names[slow]} ({_months(medians[slow], h)})."
    )


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
    names, money = units.group_names(study), units.currency(study)
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
            data["group"] = data["group"].map(names).str.slice(0, 28)
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
        declared = catalogue.lookup(metric)
        if declared is not None and declared.censored:
            ax.set_ylabel(f"months to {label(metric)}")
        else:
            ax.set_ylabel(units.metric_label(metric, money))
        if units.unit_of(metric) in units.PERCENT_UNITS:
            ax.yaxis.set_major_formatter(_percent())
        ax.set_xlabel("" if x == "group" else units.param_label(x))
        if x == "group" and len(study.groups) > 3:
            ax.tick_params(axis="x", labelrotation=30, labelsize=7)
        legend = ax.get_legend()
        if legend is not None and hue:
            legend.set_title(units.param_label(hue))
    caption = (
        "Distribution across replications (box: quartiles, whiskers: 1.5 IQR). Time-to metrics "
        "are shown restricted to the horizon: a replication that never reached the event is "
        "drawn at the horizon."
    )
    if x != "group" and len(study.params) > 2:
        pooled = ", ".join(units.param_label(p) for p in study.params[1:-1])
        caption += f" Each box pools the replications of every {pooled}."
    by = "scenario" if x == "group" else units.param_label(hue or x)
    return FigureSpec(
        "boxplots", f"Key metrics by {by}", caption, fig, panels=_present(study, study.summary)
    )


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
    conclusion = ""
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
        axes[r, 0].set_title(f"median months to {label(metric)} (Kaplan-Meier)", fontsize=9)
        prob = grid.pivot(index=rows, columns=cols, values="p_by")
        sns.heatmap(
            prob, annot=True, fmt=".0%", cmap="mako", vmin=0, vmax=1, ax=axes[r, 1], linewidths=0.5
        )
        axes[r, 1].set_title(f"P({label(metric)} by month {month:g})", fontsize=9)
        for ax in axes[r]:
            ax.set_ylabel(units.param_label(rows))
            ax.set_xlabel(units.param_label(cols))
        if r == 0:
            best = grid.loc[grid["p_by"].idxmax()] if grid["p_by"].notna().any() else None
            worst = grid.loc[grid["p_by"].idxmin()] if grid["p_by"].notna().any() else None
            if best is not None:
                names = units.group_names(study)
                conclusion = (
                    f"P({label(metric)} by month {month:g}) is highest for "
                    f"{names[best['group']]} ({best['p_by']:.0%}) and lowest for "
                    f"{names[worst['group']]} ({worst['p_by']:.0%})."
                )
    caption = (
        "Left: Kaplan-Meier median months ('>' = not reached by half the replications "
        f"within the horizon). Right: share of replications with the event by month {month:g} "
        "(Wilson intervals in the table)."
    )
    if study.grid_month_note:
        caption += " " + study.grid_month_note
    title = f"{_upper_first(units.param_label(rows))} by {units.param_label(cols)}"
    return FigureSpec("heatmaps", title, caption, fig, conclusion, list(study.groups))


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
    fig, axes = _new(4.6 * len(metrics) + 0.6, 4.0, 1, len(metrics))
    grids = {m: tables.sweep_grid(study, m) for m in metrics}
    for ax, metric in zip(axes.flat, metrics):
        grid = grids[metric]
        # One line per setting of every other parameter: no variant is pooled with another.
        lines = list(grid.groupby(others, sort=False)) if others else [((), grid)]
        for (key, sub), color in zip(lines, _palette(len(lines))):
            key = key if isinstance(key, tuple) else (key,)
            name = ", ".join(units.param_value(p, v) for p, v in zip(others, key))
            sub = sub.sort_values(x)
            xs = sub[x].to_numpy(dtype=float)
            med = sub["km_median"].to_numpy(dtype=float)
            lo = sub["km_median_ci_low"].to_numpy(dtype=float)
            hi = np.minimum(sub["km_median_ci_high"].to_numpy(dtype=float), study.horizon)
            finite = np.isfinite(med)
            ax.plot(xs[finite], med[finite], "o-", color=color, label=name or None)
            ax.fill_between(xs, np.where(np.isfinite(lo), lo, np.nan), hi, color=color, alpha=0.15)
        ax.axhline(study.horizon, color="grey", ls=":", lw=1)
        ax.set_xlabel(units.param_label(x))
        ax.set_ylabel(f"median months to {label(metric)}")
        ax.set_ylim(0, study.horizon * 1.05)
        if others:
            ax.legend(title=", ".join(map(units.param_label, others)), fontsize=8)
    caption = (
        f"Kaplan-Meier median months with {round(study.confidence * 100)}% confidence intervals "
        "(bands; capped at the horizon, dotted). A missing point: the median is not reached "
        "within the horizon."
    )
    key = study.key_metric if study.key_metric in metrics else metrics[0]
    medians = dict(zip(grids[key]["group"], grids[key]["km_median"]))
    return FigureSpec(
        "sweep_median",
        f"Median time to events by {units.param_label(x)}",
        caption,
        fig,
        _median_conclusion(study, label(key), medians),
        list(study.groups),
    )


def tornado_chart(study: Study, table: Any = None) -> FigureSpec | None:
    """One-at-a-time sensitivity: change of the key metric's mean at low and high values
    (``table``: its :func:`tables.tornado`, when the caller has it already)."""
    if study.kind != "sweep" or study.mode != "one_at_a_time":
        return None
    table = tables.tornado(study) if table is None else table
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
        f"{units.param_label(p)}  [{_value(lo)} / {_value(hi)}]"
        for p, lo, hi in zip(table["parameter"], table["low_value"], table["high_value"])
    ]
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    metric = study.key_metric
    money, unit = units.currency(study), units.unit_of(metric)
    base = units.number(table["base_mean"].iloc[0], unit)
    words = units.unit_words(unit, money)
    if unit == units.CURRENCY_UNIT:
        words = units.money_axis(ax, money, "x")
    elif unit in units.PERCENT_UNITS:
        ax.xaxis.set_major_formatter(_percent())
    bracket = f" ({words})" if words and unit not in units.SILENT_UNITS else ""
    ax.set_xlabel(f"change in mean {label(metric)}{bracket} vs base (mean {base})")
    plain = units.unit_words(unit, money) if unit not in units.SILENT_UNITS else ""
    ax.legend(fontsize=8, loc="lower right")
    caption = (
        f"Effect on the mean {label(metric)} of moving one assumption to its low or high value, "
        "all others at base; paired differences under common random numbers with "
        f"{round(study.confidence * 100)}% t-intervals (whiskers). Time-to metrics restricted to "
        "the horizon."
    )
    top = table.iloc[-1]  # largest swing (the table is reversed above)
    low, high = (units.number(top[f"{lv}_effect"], unit) for lv in ("low", "high"))
    conclusion = (
        f"{_upper_first(units.param_label(top['parameter']))} moves the mean {label(metric)} "
        f"most: by {low} at its low and {high} at its high value"
        f"{f' ({plain})' if plain else ''}."
    )
    return FigureSpec(
        "tornado", f"Sensitivity of {label(metric)}", caption, fig, conclusion, list(study.groups)
    )


def _value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)[:16]


# --------------------------------------------------------------------------- lifecycle, costs


def readiness_chart(study: Study) -> list[FigureSpec] | None:
    """Transfer-readiness score (median, P10-P90) and the share of replications meeting each
    criterion over time: one panel per group, every group shown (several figures when there
    are more than :data:`MAX_PANELS`)."""
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
    present = _present(study, ts)
    names = units.group_names(study)
    by = ts.groupby(["group", "month"], sort=False)
    bands = by[score].quantile([0.1, 0.5, 0.9]).unstack() if score else None
    shares = by[criteria].mean() if criteria else None
    colors = _palette(len(criteria))
    pages = _pages(present)
    specs = []
    for k, groups in enumerate(pages):
        fig, axes = _small_multiples(
            study, len(groups), (3.3, 0.4, 2.6, 0.9), sharex=True, sharey=True
        )
        for g, ax in zip(groups, axes.flat):
            if bands is not None:
                q = bands.loc[g]
                ax.fill_between(q.index, q[0.1], q[0.9], color="black", alpha=0.12, lw=0,
                                label="readiness score P10-P90")  # fmt: skip
                ax.plot(q.index, q[0.5], color="black", lw=1.8, label="readiness score (median)")
            if shares is not None:
                share = shares.loc[g]
                for c, color in zip(criteria, colors):
                    ax.plot(share.index, share[c].to_numpy(), color=color, lw=1.1,
                            label=f"met: {_criterion(c)}")  # fmt: skip
            ax.set_ylim(0, 1.02)
            ax.yaxis.set_major_formatter(_percent())
            ax.set_title(_short(names[g]), fontsize=9)
            ax.set_xlabel("month")
        for row in axes:
            row[0].set_ylabel("readiness / share meeting")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8)
        file, title = _suffix(k, len(pages))
        caption = (
            "Black: transfer-readiness score (median line, P10-P90 band); coloured: the share "
            "of replications meeting each readiness criterion at each month-end."
        ) + study.series_note
        specs.append(
            FigureSpec(
                f"readiness{file}",
                f"Transfer readiness over time{title}",
                caption,
                fig,
                _readiness_conclusion(study, shares, criteria, present),
                groups,
            )
        )
    return specs


def _criterion(column: str) -> str:
    """A readiness criterion's own words ("lead coverage"), without the family's label."""
    return catalogue.label(column, "series").split(": ", 1)[-1]  # the family's member


def _readiness_conclusion(study: Study, shares: Any, criteria: list[str], groups: list[str]) -> str:
    """The criterion met least often at the transfer decision month (18, or the horizon)."""
    if shares is None or not criteria or not groups:
        return ""
    month = min(float(study.grid_month), study.horizon)
    at = shares[shares.index.get_level_values("month") <= month]
    if not len(at):
        return ""
    last = at.groupby(level="group").tail(1)
    mean = last[criteria].mean()
    worst = mean.idxmin()
    lo, hi = last[worst].min(), last[worst].max()
    spread = f"{lo:.0%}" if len(groups) == 1 or lo == hi else f"{lo:.0%} to {hi:.0%}"
    kind = "variants" if study.kind == "sweep" else "scenarios"
    where = "" if len(groups) == 1 or lo == hi else f" (lowest to highest across the {kind})"
    if len(groups) > 1 and lo == hi:
        where = f" in every one of the {kind}"
    return (
        f"At month {month:g} the criterion met least often is "
        f"\u201c{_criterion(worst)}\u201d: met in {spread} of replications{where}."
    )


def cost_chart(study: Study) -> list[FigureSpec] | None:
    """Cumulative cost of BOT against its counterfactuals (median, P10-P90) and break-even,
    one panel per group, every group shown (several figures beyond :data:`MAX_PANELS`).

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
    money = units.currency(study)
    names = units.group_names(study)
    present = _present(study, ts)
    bands = data.groupby(["group", "month"], sort=False)[cols].quantile([0.1, 0.5, 0.9])
    breakevens = [m for m in BREAK_EVENS if m in study.summary]
    summaries = dict(tuple(study.summary.groupby("group", sort=False)))
    styles = ("--", ":", "-.")
    pages = _pages(present)
    specs = []
    for k, groups in enumerate(pages):
        fig, axes = _small_multiples(study, len(groups), (3.4, 0.5, 2.8, 0.9), sharex=True)
        for g, ax in zip(groups, axes.flat):
            q = bands.loc[g].unstack()
            for c, color in zip(cols, _palette(len(cols))):
                ax.fill_between(q.index, q[(c, 0.1)], q[(c, 0.9)], color=color, alpha=0.15, lw=0)
                ax.plot(q.index, q[(c, 0.5)], color=color, label=catalogue.label(c, "series"))
            marks = []
            for be, ls in zip(breakevens, styles):
                med = _breakeven_median(study, summaries.get(g), be, g)
                if np.isfinite(med):
                    ax.axvline(med, color="black", ls=ls, lw=1, label=catalogue.event(be))
                    marks.append(f"{med:.0f}")
                else:
                    ax.plot([], [], color="black", ls=ls, lw=1, label=catalogue.event(be))
                    marks.append("never")
            words = units.money_axis(ax, money)
            when = f"\nbreak-even month: {' / '.join(marks)}" if marks else ""
            ax.set_title(_short(names[g]) + when, fontsize=8)
            ax.set_xlabel("month")
            ax.set_ylabel(f"cumulative cost ({words})", fontsize=8)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=5, fontsize=8)
        file, title = _suffix(k, len(pages))
        caption = (
            f"Cumulative cost in {money} of the BOT engagement and of its counterfactuals for the "
            "same team (median line, P10-P90 band); vertical lines: Kaplan-Meier median "
            "break-even months (censored at the horizon when never reached: 'never')."
        ) + study.series_note
        specs.append(
            FigureSpec(
                f"costs{file}",
                f"Costs and break-even{title}",
                caption,
                fig,
                _cost_conclusion(study, summaries, present, money),
                groups,
            )
        )
    return specs


def _breakeven_median(study: Study, summary: Any, metric: str, group: str) -> float:
    """Kaplan-Meier median break-even month of a group (inf when not reached by half)."""
    if summary is None:
        return math.nan
    if catalogue.has_flag(summary.columns, metric):
        km = stats.km_for_metric(summary, metric, study.horizons.get(group, study.horizon))
        return float(stats.km_quantile(km)["time"])
    return float(np.nanmedian(summary[metric].to_numpy(dtype=float)))


def _cost_conclusion(study: Study, summaries: dict, groups: list[str], money: str) -> str:
    """Median savings against outsourcing at the horizon, in the scenario's currency."""
    metric = "savings_vs_outsourcing"
    if metric not in study.summary or not groups:
        return ""
    med = {
        g: float(np.nanmedian(summaries[g][metric].to_numpy(dtype=float)))
        for g in groups
        if g in summaries
    }
    med = {g: v for g, v in med.items() if np.isfinite(v)}
    if not med:
        return ""
    h = f"{study.horizon:g}"
    if len(med) == 1:
        v = next(iter(med.values()))
        verb = "saves" if v >= 0 else "costs"
        return (
            f"By month {h} BOT {verb} {units.money(abs(v), money)} against outsourcing "
            "(median over replications)."
        )
    names = units.group_names(study)
    saving = sum(v > 0 for v in med.values())
    lo, hi = min(med, key=med.get), max(med, key=med.get)
    return (
        f"By month {h} BOT saves against outsourcing (median) in {saving} of {len(med)} "
        f"{'variants' if study.kind == 'sweep' else 'scenarios'}: from "
        f"{units.money(med[lo], money)} ({names[lo]}) to {units.money(med[hi], money)} "
        f"({names[hi]})."
    )


SAVINGS_SERIES = {
    "savings_vs_outsourcing": "cost_outsourcing",
    "savings_vs_onshore": "cost_onshore",
}
"""Cumulative savings of BOT against each counterfactual (series columns of the catalogue) and
the monthly cost they are summed from: S_m = sum over k <= m of (alternative_k - BOT_k)."""


def savings_chart(study: Study) -> list[FigureSpec] | None:
    """Cumulative savings of BOT against each counterfactual over the months (median, P10-P90),
    one panel per group, every group shown (several figures beyond :data:`MAX_PANELS`).
    Cumulated per replication here from the monthly cost columns the report reads."""
    ts = study.timeseries
    if ts is None or not len(ts) or "cost_bot" not in ts:
        return None
    cols = [c for c, alt in SAVINGS_SERIES.items() if alt in ts]
    if not cols:
        return None
    data = ts.sort_values(["group", "replication", "month"])
    monthly = data.assign(**{c: data[SAVINGS_SERIES[c]] - data["cost_bot"] for c in cols})
    cum = monthly.groupby(["group", "replication"], sort=False)[cols].cumsum()
    data = data[["group", "month"]].join(cum)
    money = units.currency(study)
    names = units.group_names(study)
    present = _present(study, ts)
    bands = data.groupby(["group", "month"], sort=False)[cols].quantile([0.1, 0.5, 0.9])
    pages = _pages(present)
    specs = []
    for k, groups in enumerate(pages):
        fig, axes = _small_multiples(study, len(groups), (3.4, 0.5, 2.8, 0.9), sharex=True)
        for g, ax in zip(groups, axes.flat):
            q = bands.loc[g].unstack()
            for c, color in zip(cols, _palette(len(cols))):
                ax.fill_between(q.index, q[(c, 0.1)], q[(c, 0.9)], color=color, alpha=0.15, lw=0)
                ax.plot(q.index, q[(c, 0.5)], color=color, label=catalogue.label(c, "series"))
            ax.axhline(0, color="black", lw=0.8)
            words = units.money_axis(ax, money)
            ax.set_title(_short(names[g]), fontsize=8)
            ax.set_xlabel("month")
            ax.set_ylabel(f"cumulative savings ({words})", fontsize=8)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8)
        file, title = _suffix(k, len(pages))
        caption = (
            f"Cumulative savings in {money} of the BOT engagement against each counterfactual "
            "for the same team (the alternative's cost minus BOT's, summed to each month; "
            "median line, P10-P90 band). Above zero BOT has cost less so far."
        ) + study.series_note
        specs.append(
            FigureSpec(
                f"savings{file}",
                f"Cumulative savings{title}",
                caption,
                fig,
                _savings_conclusion(study, bands, groups, cols[0], money),
                groups,
            )
        )
    return specs


def _savings_conclusion(study: Study, bands: Any, groups: list[str], col: str, money: str) -> str:
    """The median cumulative saving at the last month, per group, in words."""
    names = units.group_names(study)
    parts = []
    for g in groups:
        q = bands.loc[g].unstack()
        last = q.index.max()
        parts.append(f"{names[g]} {units.money(float(q.loc[last, (col, 0.5)]), money)}")
    label = catalogue.label(col, "series")
    return f"Median {label} at the horizon: " + "; ".join(parts) + "."


def cost_difference_chart(study: Study) -> FigureSpec | None:
    """Compare: the paired cumulative difference in BOT cost of each scenario against the
    first (same replication, same month; common random numbers), median and P10-P90. The
    decision "this option vs that one" in money, month by month."""
    ts = study.timeseries
    if study.kind != "compare" or ts is None or "cost_bot" not in ts or len(study.groups) < 2:
        return None
    data = ts[["group", "replication", "month", "cost_bot"]].sort_values(
        ["group", "replication", "month"]
    )
    data = data.assign(cum=data.groupby(["group", "replication"], sort=False)["cost_bot"].cumsum())
    wide = data.pivot_table(index=["replication", "month"], columns="group", values="cum")
    reference = study.groups[0]
    others = [g for g in study.groups[1:] if g in wide]
    if reference not in wide or not others:
        return None
    money = units.currency(study)
    names = units.group_names(study)
    fig, axes = _new(6.4, 3.6)
    ax = axes[0, 0]
    ends = []
    for g, color in zip(others, _palette(len(others))):
        diff = (wide[g] - wide[reference]).dropna()
        q = diff.groupby(level="month").quantile([0.1, 0.5, 0.9]).unstack()
        ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.15, lw=0)
        ax.plot(q.index, q[0.5], color=color, label=_short(names[g]))
        last = q.index.max()
        mid = float(q.loc[last, 0.5])
        ends.append(
            f"by month {last:g} {names[g]} costs {units.money(abs(mid), money)} "
            f"{'more' if mid >= 0 else 'less'} than {names[reference]} (median; P10-P90 of "
            f"the difference {units.money(float(q.loc[last, 0.1]), money)} to "
            f"{units.money(float(q.loc[last, 0.9]), money)})"
        )
    ax.axhline(0, color="black", lw=0.8)
    words = units.money_axis(ax, money)
    ax.set_xlabel("month")
    ax.set_ylabel(f"cumulative cost difference ({words})", fontsize=8)
    ax.legend(fontsize=8)
    caption = (
        f"Cumulative BOT cost in {money} of each scenario minus that of {names[reference]}, "
        "replication by replication under common random numbers (median line, P10-P90 band); "
        "below zero the scenario has cost less so far."
    ) + study.series_note
    return FigureSpec(
        "cost-difference",
        "Cumulative cost difference",
        caption,
        fig,
        _upper_first("; ".join(ends)) + ".",
        [reference, *others],
    )


BUILDERS: list[Callable[[Study], FigureSpec | list[FigureSpec] | None]] = [
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
    savings_chart,
    cost_difference_chart,
]


def build_figures(study: Study, progress: Callable[[int], None] | None = None) -> list[FigureSpec]:
    """Every figure whose data is present, in report order (a builder may give several);
    ``progress(1)`` after each builder."""
    figures: list[FigureSpec] = []
    for builder in BUILDERS:
        spec = builder(study)
        if isinstance(spec, list):
            figures.extend(spec)
        elif spec is not None:
            figures.append(spec)
        if progress is not None:
            progress(1)
    return figures
