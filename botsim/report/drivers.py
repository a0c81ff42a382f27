"""The "What drives this answer" section of a run report, and its lines in the console.

A run folder with ``drivers.parquet`` (see :mod:`botsim.experiment.drivers`) holds a
one-at-a-time sensitivity of the run's key metrics. It is read back as a one-at-a-time sweep
(:func:`drivers_study`), so the sweep's tornado table and chart (``tables.tornado``,
``figures.tornado_chart``) compute and draw it: one tornado per key metric. Then
:func:`assumptions_to_replace` lists the assumptions that move a key metric materially
(:func:`is_material`) and whose source is an assumption, weak or stale.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from botsim.experiment.drivers import (
    COST_DRIVER_METRICS,
    COST_DRIVERS_FILE,
    DRIVER_METRICS,
    DRIVERS_FILE,
)
from botsim.metrics import catalogue
from botsim.report import tables
from botsim.report.study import ReportError, Study

MATERIAL_SHARE = 0.05
"""An assumption moves a metric materially when moving it to its low or high value changes the
metric's mean by at least this share of the base mean, and that change is significant (its
paired interval excludes 0). A setting: 5 % of 14 months is 0.7 months, of a million 50,000."""

MAX_TORNADO_ROWS = 8
"""Assumptions drawn in each tornado (the largest swings); the table lists every one."""


@dataclass
class Drivers:
    """A run's drivers: the sweep-shaped study, the tornado table of each metric, and what the
    manifest says about each assumption (its path, value, source)."""

    study: Study
    tables: dict[str, Any]  # metric -> tornado table (largest swing first)
    assumptions: list[dict[str, Any]]
    entry: dict[str, Any]

    def assumption(self, label: str) -> dict[str, Any]:
        return next(a for a in self.assumptions if a["label"] == label)


def drivers_study(
    table: Any,
    manifest: dict[str, Any],
    horizon: float,
    confidence: float = 0.95,
    entry: dict[str, Any] | None = None,
    key_metric: str = DRIVER_METRICS[0],
) -> Study:
    """The drivers table as a one-at-a-time sweep study (the run's horizon and confidence);
    ``entry`` is the manifest's description of the table (a run's ``drivers`` by default)."""
    summary = table.copy()
    summary.insert(0, "group", summary["label"].astype(str))
    groups = list(dict.fromkeys(summary["group"]))
    entry = entry if entry is not None else manifest.get("drivers") or {}
    params = [a["label"] for a in entry.get("assumptions", []) if a["label"] in summary]
    return Study(
        kind="sweep",
        title=str(manifest.get("scenario", "")),
        manifest=manifest,
        summary=summary,
        timeseries=None,
        groups=groups,
        horizons={g: float(horizon) for g in groups},
        params=params,
        mode="one_at_a_time",
        key_metric=key_metric,
        confidence=confidence,
    )


def _reached(study: Study, metric: str) -> bool:
    """Whether the base run reaches a time-to event at all (never: nothing can drive it)."""
    base = study.summary[study.summary["level"] == "base"]
    if metric not in base or not len(base):
        return False
    if catalogue.has_flag(base.columns, metric):
        return not base[catalogue.metric(metric).flag].to_numpy(dtype=bool).all()
    return True


def load_drivers(
    folder: str | Path, manifest: dict[str, Any], horizon: float, confidence: float = 0.95
) -> Drivers | None:
    """The drivers of a run folder, or None when it has none (``--no-drivers``, older runs)."""
    import pandas as pd

    entry = manifest.get("drivers")
    path = Path(folder) / DRIVERS_FILE
    if manifest.get("kind", "run") != "run" or not isinstance(entry, dict) or not path.is_file():
        return None
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from None
    study = drivers_study(table, manifest, horizon, confidence)
    found = {}
    for metric in DRIVER_METRICS:
        if _reached(study, metric):
            found[metric] = tables.tornado(study, metric)
    return Drivers(study, found, list(entry.get("assumptions", [])), entry)


# --------------------------------------------------------------------------- materiality


def _largest_effect(row: Any) -> tuple[str, float, float, float]:
    """The end (low/high) with the larger change of the mean, the change and its interval."""
    level = max(("low", "high"), key=lambda lv: abs(_num(row[f"{lv}_effect"])))
    return level, _num(row[f"{level}_effect"]), row[f"{level}_ci_low"], row[f"{level}_ci_high"]


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(out) else out


def is_material(row: Any, share: float = MATERIAL_SHARE) -> bool:
    """Whether a tornado row moves its metric materially (see :data:`MATERIAL_SHARE`)."""
    _, effect, low, high = _largest_effect(row)
    base = abs(_num(row["base_mean"]))
    significant = not (_num(low) <= 0 <= _num(high))
    return significant and abs(effect) >= share * base and effect != 0


def _amount(value: float, metric: str, signed: bool = True) -> str:
    declared = catalogue.lookup(metric)
    unit = declared.unit if declared is not None else ""
    sign = "+" if signed else ""
    value = value + 0.0 if round(value, 1) else 0.0  # no "-0.0"
    if unit == "currency":
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.1f}" + (" months" if unit == "months" else "")


def effect_text(row: Any, metric: str) -> str:
    """``low 1: +3.2, high 3: -1.4 months`` - the change of the mean at each end."""
    low = _amount(_num(row["low_effect"]), metric).removesuffix(" months")
    high = _amount(_num(row["high_effect"]), metric)
    return f"low {row['low_value']}: {low}, high {row['high_value']}: {high}"


def _metric_name(metric: str) -> str:
    return catalogue.label(metric)


def assumptions_to_replace(drivers: Drivers, share: float = MATERIAL_SHARE) -> Any:
    """Assumptions that move a key metric materially and whose source is flagged (an
    assumption, a weak or a stale source): one row each, with where to set it, its current
    value, the metric it moves most (relative to that metric's base mean) and the source."""
    import pandas as pd

    rows = {}
    for metric, table in drivers.tables.items():
        for _, r in table.iterrows():
            info = drivers.assumption(r["parameter"])
            if not info.get("flags") or not is_material(r, share):
                continue
            _, effect, _, _ = _largest_effect(r)
            relative = abs(effect) / max(abs(_num(r["base_mean"])), 1e-12)
            if r["parameter"] in rows and rows[r["parameter"]]["_relative"] >= relative:
                continue
            rows[r["parameter"]] = {
                "assumption": r["parameter"],
                "where to set it": info["path"],
                "current value": info["value"],
                "moves": f"{_metric_name(metric)}: {effect_text(r, metric)}",
                "flagged as": ", ".join(info["flags"]),
                "source": _short(f"{info['origin']}: {info['source']}"),
                "_relative": relative,
            }
    table = pd.DataFrame(list(rows.values()))
    if len(table):
        table = table.sort_values("_relative", ascending=False, ignore_index=True)
        table = table.drop(columns="_relative")
    return table


SOURCE_CHARS = 160
"""Characters of a source shown in the table (the full text follows it and is in the manifest)."""


def _short(text: str, limit: int = SOURCE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def top_driver(table: Any) -> Any | None:
    """The row with the largest swing, if it moves the metric at all."""
    if table is None or not len(table) or not _num(table["swing"].iloc[0]):
        return None
    return table.iloc[0]


# --------------------------------------------------------------------------- report


def _figure(drivers: Drivers, metric: str) -> Any | None:
    """The sweep's tornado chart of one metric, cut to the largest swings."""
    from botsim.report.figures import tornado_chart

    table = drivers.tables[metric]
    keep = list(table["parameter"][:MAX_TORNADO_ROWS])
    study = drivers.study
    summary = study.summary[study.summary["varied"].isin(keep) | (study.summary["level"] == "base")]
    cut = replace(study, summary=summary, params=keep, key_metric=metric)
    spec = tornado_chart(cut, table.iloc[: len(keep)])
    if spec is None:
        return None
    spec.name = f"drivers_{metric}"
    spec.title = f"What drives the {_metric_name(metric)}"
    _label_axis(spec.figure.axes[0], metric, _num(table["base_mean"].iloc[0]))
    top = top_driver(table)
    if top is not None:
        spec.caption = (
            f"Moves it most: {top['parameter']} ({effect_text(top, metric)}). " + spec.caption
        )
    else:
        spec.caption = "None of the assumptions moves it. " + spec.caption
    if len(table) > len(keep):
        spec.caption += f" The {len(keep)} largest of {len(table)} assumptions; all in the table."
    return spec


def _effect_tick(value: float, _pos: Any = None) -> str:
    """A tick label of an effect axis (module level: the figure stays picklable)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _label_axis(ax: Any, metric: str, base_mean: float) -> None:
    """The change axis in the metric's unit, money with thousands separators."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    mean = _amount(base_mean, metric, signed=False)
    ax.set_xlabel(f"change of the mean against the base (base mean {mean})")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.xaxis.set_major_formatter(FuncFormatter(_effect_tick))


def _effects_table(drivers: Drivers) -> Any:
    """Every assumption: where it is set, its value, the low and high values, and the change of
    each metric's mean at each end."""
    import pandas as pd

    rows = []
    for info in drivers.assumptions:
        row = {
            "assumption": info["label"],
            "where set": info["path"],
            "current value": info["value"],
            "low / high": f"{info['low']} / {info['high']}",
        }
        for metric, table in drivers.tables.items():
            hit = table[table["parameter"] == info["label"]]
            if len(hit):
                r = hit.iloc[0]
                low = _amount(_num(r["low_effect"]), metric).removesuffix(" months")
                high = _amount(_num(r["high_effect"]), metric).removesuffix(" months")
                row[_metric_name(metric)] = f"{low} / {high}" + ("*" if is_material(r) else "")
        if info["origin"] == "scenario":
            row["source"] = "set in the scenario"
        else:
            row["source"] = ", ".join(info["flags"]) or "sourced"
        rows.append(row)
    return pd.DataFrame(rows)


def drivers_section(folder: str | Path, run: Study, staging: Path) -> tuple[str, str] | None:
    """The report section: one tornado per key metric (rendered into ``staging``, the report's
    figure folder), every assumption's effects, and the assumptions to replace."""
    from botsim.report.build import _render
    from botsim.report.html import figure_html, table_html

    drivers = load_drivers(folder, run.manifest, run.horizon, run.confidence)
    if drivers is None:
        return None
    entry = drivers.entry
    pct = round(run.confidence * 100)
    parts = [
        f'<p class="note">Each assumption below was moved to a low and a high value with every '
        f"other value at base, {int(entry.get('replications', 0)):,} replications per variant, "
        "all with the run's seed (common random numbers: replication j of every variant draws "
        "the same random numbers, so each change is a paired difference, and an assumption "
        "that changes nothing changes nothing). Bars: change of the mean against the base, "
        f"with {pct}% paired intervals; time-to metrics as restricted means (a replication "
        "that never gets there counts as the horizon).</p>"
    ]
    for metric in drivers.tables:
        spec = _figure(drivers, metric)
        if spec is None:
            continue
        png, svg = _render(spec)
        (staging / f"{spec.name}.png").write_bytes(png)
        (staging / f"{spec.name}.svg").write_bytes(svg)
        parts.append(figure_html(spec, png))
    replace_table = assumptions_to_replace(drivers)
    threshold = f"{MATERIAL_SHARE:.0%}"
    parts.append('<h3 id="assumptions-to-replace">Assumptions you should replace</h3>')
    if len(replace_table):
        parts.append(
            f'<p class="note">Each moves a key metric by at least {threshold} of its mean '
            "(significantly), and its value is an assumption, weakly sourced or stale. Replace "
            "it with your own figure at the path shown (in the scenario file or with "
            "<code>--set</code>).</p>" + table_html(replace_table, "assumptions-to-replace-table")
        )
        sources = "".join(
            f"<li><b>{html.escape(a['label'])}</b> ({html.escape(a['origin'])}): "
            f"{html.escape(a['source'])}</li>"
            for a in drivers.assumptions
            if a["label"] in set(replace_table["assumption"])
        )
        parts.append(
            f"<details><summary>Their sources in full</summary><ul>{sources}</ul></details>"
        )
    else:
        parts.append(
            f'<p class="note">None: no assumption labelled as such (or weakly sourced) moves a '
            f"key metric by {threshold} of its mean or more.</p>"
        )
    parts += _every_variant_tried(
        "Every assumption tried",
        "Change of each metric's mean at the low / high value (* = material: "
        f"at least {threshold} of the mean, significant).",
        _effects_table(drivers),
        "drivers-table",
        entry,
    )
    return "What drives this answer", "".join(parts)


def _every_variant_tried(
    heading: str, note: str, effects: Any, css_class: str, entry: dict[str, Any]
) -> list[str]:
    """The table of every variant tried, and the assumptions not tried with the reason."""
    from botsim.report.html import table_html

    parts = [f'<h3>{heading}</h3><p class="note">{note}</p>' + table_html(effects, css_class)]
    skipped = entry.get("skipped") or []
    if skipped:
        items = "".join(
            f"<li>{html.escape(str(s['assumption']))}: {html.escape(str(s['why']))}</li>"
            for s in skipped
        )
        parts.append(f"<details><summary>Not tried here</summary><ul>{items}</ul></details>")
    return parts


# --------------------------------------------------------------------------- console


def console_lines(folder: str | Path, horizon: float) -> list[str]:
    """What drives the answer and the assumptions to replace, for the end of ``botsim run``
    (nothing when the run folder has no drivers)."""
    import json

    from botsim.experiment.outputs import MANIFEST

    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        drivers = load_drivers(folder, manifest, horizon, float(manifest.get("confidence", 0.95)))
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read the drivers of {folder}: {exc}") from None
    if drivers is None:
        return []
    entry = drivers.entry
    lines = [
        f"what drives this answer ({len(drivers.assumptions)} assumptions moved one at a time, "
        f"{int(entry.get('replications', 0)):,} replications each, same seed):"
    ]
    for metric, table in drivers.tables.items():
        top = top_driver(table)
        mean = _amount(_num(table["base_mean"].iloc[0]), metric, signed=False) if len(table) else ""
        name = f"{_metric_name(metric)} (mean {mean})"
        if top is None:
            lines.append(f"  {name}: no assumption moves it")
        else:
            lines.append(f"  {name}: {top['parameter']} moves it most ({effect_text(top, metric)})")
    table = assumptions_to_replace(drivers)
    if len(table):
        lines.append(
            f"assumptions you should replace (each moves a key metric by {MATERIAL_SHARE:.0%} "
            "or more and is an assumption or weakly sourced):"
        )
        for _, r in table.iterrows():
            lines.append(
                f"  {r['assumption']} = {_short(r['current value'], 60)} at "
                f"{r['where to set it']}: {r['moves']} [{r['flagged as']}]"
            )
    return lines


# ------------------------------------------------------------- the cost answer of a comparison

_UNITS = {
    "partner_markup": ("percent", ""),
    "wage_growth": ("percent", " a year"),
    "discount_rate": ("percent", " a year"),
    "fx_drift": ("percent", " a year"),
    "transfer_liability": ("number", " months of pay per year of service"),
    "usd_rate": ("number", ""),
    "owned_overhead": ("money", " a month"),
    "governance_cost": ("money", " a month"),
    "seat_cost": ("money", " a seat-month"),
    "partner_management_fee": ("money", " a month"),
    "partner_fee_per_fte": ("money", " a head-month"),
    "recruiting_fee": ("money", " a hire"),
    "retention_bonus": ("money", " an employee"),
}
"""How a term's value reads in words (default: an amount of money; scaled terms as x base)."""


def load_cost_drivers(
    folder: str | Path, manifest: dict[str, Any], confidence: float = 0.95
) -> Drivers | None:
    """The cost drivers of a comparison folder (:data:`COST_DRIVERS_FILE`): the paired cost
    difference A - B as a one-at-a-time study and its tornado per cost metric; None when the
    comparison has none (``--no-drivers``, older folders)."""
    import pandas as pd

    entry = manifest.get("cost_drivers")
    path = Path(folder) / COST_DRIVERS_FILE
    if not isinstance(entry, dict) or not path.is_file():
        return None
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from None
    horizon = float(entry.get("horizon_months", manifest.get("horizon_months", 0)))
    study = drivers_study(table, manifest, horizon, confidence, entry, COST_DRIVER_METRICS[0])
    found = {m: tables.tornado(study, m) for m in COST_DRIVER_METRICS if m in table}
    return Drivers(study, found, list(entry.get("assumptions", [])), entry)


def _term_value(value: float, name: str, factor: bool, currency: str) -> str:
    """A value with its unit words (``_bare`` plus the currency and ``per``)."""
    if factor:
        return f"{_bare(value, name, factor, currency)} its current values"
    kind, per = _UNITS.get(name, ("money", ""))
    money = f"{currency} " if kind == "money" else ""
    return f"{money}{_bare(value, name, factor, currency)}{per}"


def _bare(value: float, name: str, factor: bool, currency: str) -> str:
    """A value without its ``per`` words (for ranges)."""
    if factor:
        return f"x{value:.2f}"
    kind, _ = _UNITS.get(name, ("money", ""))
    if kind == "percent":
        return f"{value:.1%}"
    if kind == "number":
        return f"{value:.3g}"
    return f"{value:,.0f}"


def break_even_text(
    even: dict[str, Any], name: str, currency: str, cheaper: bool, confidence: float = 0.95
) -> str:
    """One break-even in words: "partner markup were above 24.0 % (now 20.0 %; ...)"."""
    factor = bool(even["factor"])
    side = even["cheaper_side"]
    verb = f"stays {side}" if cheaper else f"were {side}"
    now = _bare(even["base"], name, factor, currency)
    tried = " to ".join(_bare(v, name, factor, currency) for v in even["tried"])
    if not even["valid"]:
        return (
            f"{even['assumption']}: no valid value does it (it would take "
            f"{_bare(even['value'], name, factor, currency)}, extrapolating the tried {tried})"
        )
    lo, hi = even["ci_low"], even["ci_high"]
    interval = (
        f"{_bare(lo, name, factor, currency)} to {_bare(hi, name, factor, currency)}"
        if not (math.isnan(lo) or math.isnan(hi))
        else "not bounded by the tried values"
    )
    how = "extrapolated linearly beyond" if even["extrapolated"] else "interpolated within"
    low_tried, high_tried = even["tried"]
    width = high_tried - low_tried
    if even["extrapolated"] and (
        even["value"] < low_tried - width or even["value"] > high_tried + width
    ):  # more than the tried range away: the line is a guess there
        how = "a linear guess far beyond"
    return (
        f"{even['assumption']} {verb} {_term_value(even['value'], name, factor, currency)} "
        f"(now {now}; {round(confidence * 100)} % interval {interval}; {how} the tried "
        f"{tried})"
    )


def _paired_totals(folder: str | Path, a: str, b: str) -> dict[str, dict[str, float]]:
    """The comparison's own paired difference A - B of each cost metric (every replication),
    from its ``comparisons.csv`` (empty when absent)."""
    import pandas as pd

    path = Path(folder) / "comparisons.csv"
    if not path.is_file():
        return {}
    table = pd.read_csv(path)
    rows = table[(table["scenario_a"] == a) & (table["scenario_b"] == b)]
    out = {}
    for _, r in rows[rows["metric"].isin(COST_DRIVER_METRICS)].iterrows():
        out[r["metric"]] = {
            "n": int(r["n_pairs"]),
            "mean": float(r["diff"]),
            "ci_low": float(r["ci_low"]),
            "ci_high": float(r["ci_high"]),
        }
    return out


def cost_answer_lines(
    drivers: Drivers,
    confidence: float = 0.95,
    full: dict[str, dict[str, float]] | None = None,
) -> list[str]:
    """The comparison's cost answer and the terms that decide it, in plain words: the paired
    difference A - B (total and present value), the break-even values of the most decisive
    terms, a choice (the markup base) and the largest swings. ``full``: the comparison's own
    difference over all its replications (:func:`_paired_totals`), stated first when given."""
    entry = drivers.entry
    a, b = entry.get("scenario_a", "A"), entry.get("scenario_b", "B")
    currency = entry.get("currency", "")
    horizon = int(entry.get("horizon_months", 0))
    names = {d["label"]: d.get("name", "") for d in drivers.assumptions}
    base = drivers.study.summary[drivers.study.summary["level"] == "base"]
    lines = [
        f"what decides the cost answer ({len(drivers.assumptions)} cost terms moved one at a "
        f"time, in both scenarios where both use them; {int(entry.get('replications', 0)):,} "
        "replications each, same seed):"
    ]
    from botsim import stats

    totals = {}
    for metric in COST_DRIVER_METRICS:
        if metric in base:
            totals[metric] = stats.describe(base[metric].to_numpy(dtype=float), confidence)
    total = totals.get(COST_DRIVER_METRICS[0])
    if total is None or math.isnan(total["mean"]):
        return [*lines, "  no replication of both scenarios completed"]
    drivers_total = total
    if full and COST_DRIVER_METRICS[0] in full:
        total = full[COST_DRIVER_METRICS[0]]
        totals[COST_DRIVER_METRICS[1]] = full.get(
            COST_DRIVER_METRICS[1], totals.get(COST_DRIVER_METRICS[1])
        )
    cheaper = total["mean"] < 0
    words = "less" if cheaper else "more"
    pv = totals.get(COST_DRIVER_METRICS[1])
    pv_text = ""
    if pv is not None and not math.isnan(pv["mean"]):
        pv_words = "less" if pv["mean"] < 0 else "more"
        pv_text = f"; present value {currency} {abs(pv['mean']):,.0f} {pv_words}"
    lines.append(
        f"  {a} costs {currency} {abs(total['mean']):,.0f} {words} than {b} over {horizon} "
        f"months ({round(confidence * 100)} % interval of A - B {total['ci_low']:+,.0f} to "
        f"{total['ci_high']:+,.0f}{pv_text})."
    )
    if total is not drivers_total:
        lines.append(
            f"  (the break-evens rest on the drivers' {int(entry.get('replications', 0)):,} "
            f"replications, where A - B is {drivers_total['mean']:+,.0f})"
        )
    by_metric = {
        m: sorted(
            (e for e in entry.get("break_even", []) if e["metric"] == m),
            key=lambda e: not e["valid"],  # stable: the reachable ones first, by swing
        )
        for m in COST_DRIVER_METRICS
    }
    evens = by_metric[COST_DRIVER_METRICS[0]]
    if evens:
        lines.append(
            f"  {a} stays cheaper only while (one term at a time, the others as now):"
            if cheaper
            else f"  {a} would cost less if (one term at a time, the others as now):"
        )
        lines += [
            "    "
            + break_even_text(e, names.get(e["assumption"], ""), currency, cheaper, confidence)
            for e in evens
        ]
    pv_evens = by_metric[COST_DRIVER_METRICS[1]]
    if pv_evens:
        pv_cheaper = pv is not None and pv["mean"] < 0
        lines.append(
            f"  in present value, {a} stays cheaper only while:"
            if pv_cheaper
            else f"  in present value, {a} would cost less if:"
        )
        lines += [
            "    "
            + break_even_text(e, names.get(e["assumption"], ""), currency, pv_cheaper, confidence)
            for e in pv_evens
        ]
    table = drivers.tables.get(COST_DRIVER_METRICS[0])
    if table is not None and len(table):
        for _, r in table.iterrows():  # a choice: its other value in words
            info = next((d for d in drivers.assumptions if d["label"] == r["parameter"]), {})
            if info.get("name") != "partner_markup_base":
                continue
            for level in ("low", "high"):
                if _num(r[f"{level}_effect"]):
                    lines.append(
                        f"  with {r['parameter']} {r[f'{level}_value']} instead of "
                        f"{info.get('value', 'its value')}: A - B "
                        f"{_num(r[f'{level}_mean']):+,.0f} over {horizon} months"
                    )
        top = [
            f"{r['parameter']} ({_amount(_num(r['low_effect']), COST_DRIVER_METRICS[0])} / "
            f"{_amount(_num(r['high_effect']), COST_DRIVER_METRICS[0])})"
            for _, r in table.head(5).iterrows()
            if _num(r["swing"])
        ]
        if top:
            lines.append(
                f"  largest swings of A - B, {currency} (low / high end): " + ", ".join(top)
            )
    return lines


def cost_console_lines(folder: str | Path) -> list[str]:
    """:func:`cost_answer_lines` of a comparison folder (nothing without cost drivers)."""
    import json

    from botsim.experiment.outputs import MANIFEST

    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        confidence = float(manifest.get("confidence", 0.95))
        drivers = load_cost_drivers(folder, manifest, confidence)
        if drivers is None:
            return []
        full = _paired_totals(folder, drivers.entry["scenario_a"], drivers.entry["scenario_b"])
    except (OSError, ValueError, KeyError) as exc:
        raise ReportError(f"cannot read the cost drivers of {folder}: {exc}") from None
    return cost_answer_lines(drivers, confidence, full)


def cost_decision_html(folder: str | Path, study: Study) -> str:
    """The cost answer in words for the report's decision section ("" without cost drivers)."""
    drivers = load_cost_drivers(folder, study.manifest, study.confidence)
    if drivers is None:
        return ""
    full = _paired_totals(folder, drivers.entry["scenario_a"], drivers.entry["scenario_b"])
    lines = cost_answer_lines(drivers, study.confidence, full)
    items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in lines[1:])
    return (
        f'<h3 id="cost-answer">What decides the cost answer</h3><p class="note">'
        f"{html.escape(lines[0].rstrip(':'))}. Break-even: the value of a term at which the "
        "mean paired difference is 0, by linear interpolation between its tried values (or "
        "extrapolation beyond them); its interval is where the ends of the difference's "
        "confidence interval cross 0. Details in the section below.</p><ul>" + items + "</ul>"
    )


def cost_drivers_section(folder: str | Path, study: Study, staging: Path) -> tuple[str, str] | None:
    """The report section of a comparison's cost drivers: the tornado of the paired cost
    difference (rendered into ``staging``) and every term's effect on it and on its present
    value."""
    from botsim.report.build import _render
    from botsim.report.html import figure_html

    drivers = load_cost_drivers(folder, study.manifest, study.confidence)
    if drivers is None:
        return None
    entry = drivers.entry
    a, b = entry.get("scenario_a", "A"), entry.get("scenario_b", "B")
    parts = [
        f'<p class="note">Each cost term below was moved to a low and a high value with every '
        f"other value at base, in both scenarios where both use it, "
        f"{int(entry.get('replications', 0)):,} replications per variant, all with the "
        "comparison's seed (common random numbers: costs do not feed back into the simulation, "
        "so every variant simulates the same teams and only the ledger moves). Bars: change of "
        f"the mean paired difference A - B (A = {html.escape(str(a))}, B = "
        f"{html.escape(str(b))}) against the base.</p>"
    ]
    for metric in drivers.tables:
        spec = _figure(drivers, metric)
        if spec is None:
            continue
        spec.name = f"cost_drivers_{metric}"
        spec.title = f"What moves A - B of the {_metric_name(metric)}"
        png, svg = _render(spec)
        (staging / f"{spec.name}.png").write_bytes(png)
        (staging / f"{spec.name}.svg").write_bytes(svg)
        parts.append(figure_html(spec, png))
    parts += _every_variant_tried(
        "Every cost term tried",
        "Change of the mean of A - B at the low / high value (* = material: "
        f"at least {MATERIAL_SHARE:.0%} of the base difference, significant).",
        _effects_table(drivers),
        "cost-drivers-table",
        entry,
    )
    return "What decides the cost answer: every term", "".join(parts)
