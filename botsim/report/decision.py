"""The decision summary: what a strategist reads first, computed once for the console and the
HTML report of a run, a comparison or a sweep.

For each scenario or variant, in plain words with units:

* months to each key milestone (full team, stable team, transfer-ready, ...): Kaplan-Meier
  median and P10-P90, with the share of replications that never got there within the horizon;
* P(transfer-ready by month m) at the decision months (12, 18, 24, 36 within the horizon, and
  the earliest transfer month), with Wilson intervals; months before the earliest transfer
  month are not given as a number (no transfer can happen then), and the reason is said;
* total cost, and savings against each counterfactual in money and percent of its cost, for all
  replications and split by whether the team transferred;
* the break-even month against each counterfactual, censored like the milestones;
* for a comparison or a sweep, which option is better on each key metric and by how much, or
  "no clear difference" (:func:`botsim.stats.compare_summaries`, censoring-aware).

:func:`decide` computes plain tables (:class:`Decision`); :func:`from_study` and
:func:`from_result` feed it a report's :class:`~botsim.report.study.Study` or a run's
result; :func:`render_text` and :func:`render_html` only format.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from botsim import stats
from botsim.metrics import catalogue

TITLE = "Decision summary"
"""Heading of the decision summary, first in the console and in every report."""

PEOPLE_VERDICTS = ("annual_attrition", "final_effective_fte")
COST_VERDICTS = ("total_cost_bot", "savings_vs_outsourcing", "savings_vs_onshore")
BREAK_EVEN = ("break_even_vs_outsourcing", "break_even_vs_onshore")
COUNTERFACTUALS = (
    ("outsourcing", "savings_vs_outsourcing", "total_cost_outsourcing"),
    ("onshore", "savings_vs_onshore", "total_cost_onshore"),
)
"""(counterfactual, savings column, its total-cost column) for the savings lines."""
READY = "time_to_transfer_ready"
BY_GROUP = 3
"""Up to this many scenarios the console summary reads scenario by scenario; beyond (a sweep),
item by item with a line per variant."""
MONEY = "currency"


@dataclass(frozen=True)
class Facts:
    """What the summary needs to know of a scenario besides its results."""

    horizon: float
    currency: str = "currency"
    policy: str = "never"
    earliest_transfer_month: float | None = None  # at_month: its month; when_ready: earliest
    outsourcing_basis: str = ""  # how the counterfactuals are priced, in words (issue 16)
    onshore_basis: str = ""


@dataclass
class Decision:
    """The decision summary of one study, as plain tables (one row per group and item)."""

    kind: str  # "run", "compare" or "sweep"
    groups: list[str]
    facts: dict[str, Facts]
    replications: dict[str, int]
    milestones: Any  # group, metric, event, n, median, p10, p90, never, horizon
    readiness: Any  # group, month, p, ci_low, ci_high, n, events, note, held_back
    costs: Any  # group, population, replications, share, total_cost(_p10/_p90), savings...
    break_even: Any  # group, metric, event, n, median, p10, p90, never, horizon
    verdicts: Any  # setting, metric, scenario_a, scenario_b, better, text
    confidence: float = stats.CONFIDENCE


# --------------------------------------------------------------------------- facts


def facts_of_scenario(scenario: Any) -> Facts:
    """:class:`Facts` of a validated :class:`~botsim.inputs.scenario.Scenario`."""
    t = scenario.transfer
    facts = _facts(
        scenario.horizon_months, scenario.costs.currency, t.policy, t.month, t.earliest_month
    )
    return _with_basis(facts, scenario.costs.model_dump(mode="json"))


def counterfactual_basis(costs: Mapping[str, Any]) -> tuple[str, str]:
    """How the outsourcing and onshore counterfactuals of a scenario's ``costs`` are priced,
    in words (the report states the basis of each: issue 16 item 4)."""
    currency = str(costs.get("currency", ""))

    def amounts(rates: Mapping[str, Any], per: str) -> str:
        return ", ".join(f"{family} {currency} {float(v):,.4g}{per}" for family, v in rates.items())

    if costs.get("outsourcing_pricing") == "billed_rate":
        hourly = costs.get("outsourcing_billed_rate_per_hour") or {}
        if hourly:
            hours = float(costs.get("billed_hours_per_fte_month", 0))
            out = f"billed {amounts(hourly, ' an hour')} x {hours:g} hours per FTE-month"
        else:
            rates = costs.get("outsourcing_billed_rate_per_fte_month") or {}
            out = f"billed {amounts(rates, ' per FTE-month')}"
    else:
        markup = float(costs.get("outsourcing_markup", 0))
        out = (
            "the same team's salaries, seats and people support plus a vendor markup of "
            f"{markup:.0%}"
        )
    onshore = costs.get("onshore_monthly_cost") or {}
    seat = float(costs.get("onshore_seat_monthly_cost", 0))
    on = f"loaded salaries ({amounts(onshore, ' a month')})"
    if seat:
        on += f" plus a seat at {currency} {seat:,.0f} a month"
    if costs.get("onshore_support_cost"):
        on += " and people support by headcount"
    return out, on


def _with_basis(facts: Facts, costs: Mapping[str, Any]) -> Facts:
    from dataclasses import replace

    out, on = counterfactual_basis(costs)
    return replace(facts, outsourcing_basis=out, onshore_basis=on)


def facts_of_document(doc: Mapping[str, Any], horizon: float) -> Facts:
    """:class:`Facts` of a resolved scenario read back from its YAML (a report's folder)."""
    costs = doc.get("costs") if isinstance(doc.get("costs"), Mapping) else {}
    t = doc.get("transfer") if isinstance(doc.get("transfer"), Mapping) else {}
    facts = _facts(
        horizon,
        str(costs.get("currency", "currency")),
        str(t.get("policy", "never")),
        t.get("month"),
        t.get("earliest_month"),
    )
    return _with_basis(facts, costs) if costs else facts


def _facts(horizon: float, currency: str, policy: str, month: Any, earliest: Any) -> Facts:
    first = month if policy == "at_month" else earliest if policy == "when_ready" else None
    return Facts(
        horizon=float(horizon),
        currency=currency,
        policy=policy,
        earliest_transfer_month=None if first is None else float(first),
    )


# --------------------------------------------------------------------------- computation


def milestone_metrics(summary: Any) -> list[str]:
    """The key time-to metrics present in ``summary`` (catalogue order)."""
    return [m for m in catalogue.key_metric_names() if catalogue.has_flag(summary.columns, m)]


def time_to_row(summary: Any, metric: str, horizon: float, confidence: float) -> dict[str, Any]:
    """Kaplan-Meier median, P10 and P90 of a time-to metric and the share never reached
    (``inf``: not reached by that share of replications within the horizon)."""
    values, censored = stats.time_to_population(summary, metric)
    row: dict[str, Any] = {"metric": metric, "event": catalogue.event(metric), "n": len(values)}
    if not len(values):
        return {**row, "median": math.nan, "p10": math.nan, "p90": math.nan, "never": math.nan}
    km = stats.km_for_metric(summary, metric, horizon, confidence)
    for name, q in (("p10", 0.1), ("median", 0.5), ("p90", 0.9)):
        row[name] = stats.km_quantile(km, q)["time"]
    row["never"] = float(censored.mean())
    row["horizon"] = horizon
    return row


def readiness_months(facts: Facts) -> list[float]:
    """The months of P(transfer-ready by m): the decision months within the horizon and the
    earliest transfer month."""
    months = set(stats.decision_months(facts.horizon))
    first = facts.earliest_transfer_month
    if first is not None and first <= facts.horizon:
        months.add(float(first))
    return sorted(months)


def readiness_rows(group: str, summary: Any, facts: Facts, confidence: float) -> list[dict]:
    """P(transfer-ready by m) with its Wilson interval at :func:`readiness_months`; months
    before the earliest transfer month carry a note instead of a number."""
    if not catalogue.has_flag(summary.columns, READY):
        return []
    values, censored = stats.time_to_population(summary, READY)
    rows = []
    first = facts.earliest_transfer_month
    for month in readiness_months(facts):
        pb = stats.probability_by(values, censored, month, facts.horizon, confidence)
        row = {"group": group, "month": month, "n": pb["n"], "events": pb["events"]}
        row.update(p=pb["p"], ci_low=pb["ci_low"], ci_high=pb["ci_high"], note="")
        if first is not None and month < first:
            row.update(p=math.nan, ci_low=math.nan, ci_high=math.nan)
            row["note"] = f"before the earliest transfer month ({first:g}): no transfer yet"
        elif pb["events"] == 0:
            row["note"] = f"no replication was ready by month {month:g}"
        rows.append(row)
    held = held_back(summary)
    if held:
        at = first if first is not None and first <= facts.horizon else facts.horizon
        held = f"{held} (at month {at:g})"
    for row in rows:
        row["held_back"] = held
    return rows


def held_back(summary: Any) -> str:
    """The readiness criteria not met in a single replication at the planned transfer month
    (the horizon when none is planned: the ``unmet_<criterion>`` columns), in words (""
    when each was met in some replication).

    It says why no replication became transfer-ready: a scenario without an entity never
    meets the entity criterion, whatever the team does."""
    from botsim.model.lifecycle import CRITERIA

    unmet_of = catalogue.metric("unmet_<criterion>").column
    never = [
        catalogue.label(f"criterion_{c}", "series").split(": ")[-1]
        for c in CRITERIA
        if unmet_of(criterion=c) in summary
        and len(summary)
        and bool(summary[unmet_of(criterion=c)].astype(bool).all())
    ]
    return ", ".join(never)


def cost_rows(group: str, summary: Any) -> list[dict]:
    """Mean total cost (P10-P90) and mean savings against each counterfactual, in money and as
    a share of the counterfactual's mean total cost; for all replications, then for those that
    transferred and those that did not (when the scenario plans a transfer)."""
    if "total_cost_bot" not in summary:
        return []
    populations = [("all", np.ones(len(summary), dtype=bool))]
    if "transfer_month" in summary:
        done = summary["transfer_month"].notna().to_numpy()
        populations += [("transferred", done), ("not transferred", ~done)]
    rows = []
    for population, mask in populations:
        sub = summary[mask]
        row: dict[str, Any] = {
            "group": group,
            "population": population,
            "replications": int(mask.sum()),
            "share": float(mask.mean()) if len(mask) else math.nan,
        }
        cost = stats.describe(sub["total_cost_bot"].to_numpy(dtype=float))
        row.update(total_cost=cost["mean"], total_cost_p10=cost["p10"], total_cost_p90=cost["p90"])
        for name, savings, total in COUNTERFACTUALS:
            if savings not in sub:
                continue
            mean = float(sub[savings].mean()) if len(sub) else math.nan
            base = float(sub[total].mean()) if total in sub and len(sub) else math.nan
            row[f"savings_vs_{name}"] = mean
            row[f"savings_vs_{name}_pct"] = (
                mean / base if base and not math.isnan(base) else math.nan
            )
        rows.append(row)
    return rows


def verdict_metrics(summary: Any) -> list[str]:
    """The metrics whose comparison the summary spells out."""
    wanted = [*milestone_metrics(summary), *PEOPLE_VERDICTS, *COST_VERDICTS, *BREAK_EVEN]
    return [m for m in wanted if m in summary]


def decide(
    kind: str,
    summaries: Mapping[str, Any],
    facts: Mapping[str, Facts],
    comparisons: Any = None,
    settings: list[str] | None = None,
    confidence: float = stats.CONFIDENCE,
) -> Decision:
    """The :class:`Decision` of ``summaries`` (group -> summary table), each group's
    :class:`Facts`, and for a comparison or sweep the paired table of
    :func:`botsim.stats.compare_summaries` (``settings``: the columns that say where a sweep's
    contrast was made, e.g. ``team_size``)."""
    import pandas as pd

    groups = list(summaries)
    milestones, readiness, costs, break_even = [], [], [], []
    for group in groups:
        s, f = summaries[group], facts[group]
        for metric in milestone_metrics(s):
            milestones.append({"group": group, **time_to_row(s, metric, f.horizon, confidence)})
        readiness.extend(readiness_rows(group, s, f, confidence))
        costs.extend(cost_rows(group, s))
        for metric in BREAK_EVEN:
            if catalogue.has_flag(s.columns, metric):
                break_even.append({"group": group, **time_to_row(s, metric, f.horizon, confidence)})
    first = summaries[groups[0]] if groups else pd.DataFrame()
    verdicts = _verdicts(comparisons, verdict_metrics(first), facts, settings or [])
    return Decision(
        kind=kind,
        groups=groups,
        facts=dict(facts),
        replications={g: len(summaries[g]) for g in groups},
        milestones=pd.DataFrame(milestones),
        readiness=pd.DataFrame(readiness),
        costs=pd.DataFrame(costs),
        break_even=pd.DataFrame(break_even),
        verdicts=verdicts,
        confidence=confidence,
    )


def _verdicts(comparisons: Any, metrics: list[str], facts: Mapping[str, Facts], settings) -> Any:
    import pandas as pd

    if comparisons is None or not len(comparisons):
        return pd.DataFrame()
    rows = []
    order = {m: i for i, m in enumerate(metrics)}
    table = comparisons[comparisons["metric"].isin(metrics)].copy()
    table["_order"] = table["metric"].map(order)
    table = table.sort_values([*settings, "_order"], kind="stable")
    for _, r in table.iterrows():
        f = facts.get(str(r["scenario_a"])) or next(iter(facts.values()))
        where = ", ".join(f"{p.replace('_', ' ')} {r[p]}" for p in settings if p in r)
        rows.append(
            {
                "setting": where,
                "metric": r["metric"],
                "label": catalogue.label(r["metric"]),
                "scenario_a": r["scenario_a"],
                "scenario_b": r["scenario_b"],
                "better": r["better"],
                "text": verdict(r, f.currency, f.horizon),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- words


def money(value: float, currency: str) -> str:
    """An amount in the scenario's currency with thousands separators: 'USD 1,234,567'."""
    if value is None or math.isnan(value):
        return "-"
    return f"{currency} {value:,.0f}"


def months(value: float, horizon: float) -> str:
    """A time in months; ``inf`` (not reached) as 'not within H months'."""
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return f"not within {horizon:g} months"
    return f"{value:.1f} months"


def percent(value: float, digits: int = 0) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}%}"


def level(metric: str, value: float, currency: str, signed: bool = False) -> str:
    """A metric's value (or a difference, ``signed``) with its unit from the catalogue."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    unit = catalogue.metric(metric).unit if catalogue.lookup(metric) else ""
    sign = "+" if signed and value > 0 else ""
    if unit == MONEY:
        return f"{sign}{money(value, currency)}"
    if unit in ("share", "share per year"):
        return f"{sign}{value * 100:.1f}%" if not signed else f"{sign}{value * 100:.1f} pts"
    if unit in ("months", "days", "FTE"):
        return f"{sign}{value:,.1f} {unit}"
    return f"{sign}{value:,.2f}" if abs(value) < 10 else f"{sign}{value:,.1f}"


def verdict(row: Any, currency: str, horizon: float) -> str:
    """One comparison row (:func:`botsim.stats.compare_summaries`) in plain words: which side
    is better and by how much, "no clear difference", or why there is no difference."""
    a, b, metric = str(row["scenario_a"]), str(row["scenario_b"]), str(row["metric"])
    never = stats.never_reached_by(row)
    undefined = stats.undefined_for(row)
    if undefined is not None:
        return f"not comparable: undefined for {undefined} (in none of its replications)"
    if never is not None:
        other = a if never == b else b
        reached = row["reached_a"] if other == a else row["reached_b"]
        return (
            f"not comparable: {never} never got there within {horizon:g} months "
            f"({other} did in {percent(reached)} of replications)"
        )
    timed = bool(row.get("restricted_to_horizon", False))
    if timed and row.get("reached_a") == 0 and row.get("reached_b") == 0:
        return f"neither got there within {horizon:g} months"
    ci = (
        f"difference {level(metric, row['diff'], currency, True)} "
        f"[{level(metric, row['ci_low'], currency, True)}, "
        f"{level(metric, row['ci_high'], currency, True)}]"
    )
    levels = f"{a} {level(metric, row['mean_a'], currency)}, "
    levels += f"{b} {level(metric, row['mean_b'], currency)}"
    if timed:
        levels = f"restricted mean to month {horizon:g}: {levels}"
        never_shares = (row.get("censored_a", math.nan), row.get("censored_b", math.nan))
        if any(v > 0 for v in never_shares if not math.isnan(v)):
            levels += (
                f"; never reached: {a} {percent(never_shares[0])}, {b} {percent(never_shares[1])}"
            )
        months_text = _month_differences(row, a, b)
        if months_text:
            levels += f"; {months_text}"
    if not row.get("better_when"):
        return f"{levels} (no preferred direction)"
    if bool(row.get("depends_on_month", False)):
        return f"depends on the month: {levels}"
    if row["better"]:
        gap = abs(row["diff"])
        way = "lower" if row["better_when"] == "lower" else "higher"
        if timed:
            how = f"{gap:.1f} months sooner"
        elif catalogue.lookup(metric) and catalogue.metric(metric).unit in (
            "share",
            "share per year",
        ):
            how = f"{gap * 100:.1f} points {way}"
        else:
            how = f"{level(metric, gap, currency)} {way}"
        return f"{row['better']} better, {how} ({levels}; {ci})"
    return f"no clear difference ({levels}; {ci})"


def _month_differences(row: Any, a: str, b: str) -> str:
    """The decision months whose paired P(by m) difference is significant, in words."""
    parts = []
    for key in row.index if hasattr(row, "index") else row:
        if not (key.startswith("p_by_") and key.endswith("_diff")):
            continue
        m = key[len("p_by_") : -len("_diff")]
        lo, hi = row[f"p_by_{m}_ci_low"], row[f"p_by_{m}_ci_high"]
        if math.isnan(lo) or not (lo > 0 or hi < 0):
            continue
        parts.append(
            f"P(by month {m}) {a} {percent(row[f'p_by_{m}_a'])} vs {b} "
            f"{percent(row[f'p_by_{m}_b'])}"
        )
    return ", ".join(parts)


def _milestone_text(r: Any) -> str:
    h = r["horizon"]
    if r["never"] == 1:
        return f"not reached within {h:g} months in any replication"
    if math.isinf(r["median"]):
        head = f"median not within {h:g} months"
    else:
        head = f"median {months(r['median'], h)}"
    spread = f"P10-P90 {_short(r['p10'], h)} to {_short(r['p90'], h)}"
    return f"{head} ({spread}); never within {h:g} months: {percent(r['never'])}"


def _short(value: float, horizon: float) -> str:
    if math.isinf(value):
        return f"> {horizon:g}"
    return "-" if math.isnan(value) else f"{value:.1f}"


def _readiness_text(rows: Any) -> str:
    if (rows["events"] == 0).all():
        held = str(rows["held_back"].iloc[0]) if "held_back" in rows else ""
        why = f"; not met in any replication: {held}" if held else ""
        return f"0% at every month (no replication was ready by month {rows['month'].max():g}{why})"
    parts = []
    for _, r in rows.iterrows():
        if math.isnan(r["p"]):
            parts.append(f"by month {r['month']:g}: - ({r['note']})")
            continue
        note = f"; {r['note']}" if r["note"] else ""
        parts.append(
            f"by month {r['month']:g}: {percent(r['p'])} "
            f"[{percent(r['ci_low'])}-{percent(r['ci_high'])}{note}]"
        )
    return "; ".join(parts)


def _cost_lines(rows: Any, currency: str) -> list[str]:
    """Total cost and savings in words: all replications, then those that transferred and
    those that did not (when both happened; otherwise which one it was)."""
    lines = []
    split = rows[rows["population"] != "all"] if len(rows) else rows
    one_sided = len(split) and (split["replications"] == 0).any()
    for _, r in rows.iterrows():
        if r["population"] != "all" and one_sided:
            continue
        who = (
            "all replications"
            if r["population"] == "all"
            else f"{r['population']} ({percent(r['share'])} of replications)"
        )
        if r["population"] == "all" and one_sided:
            only = split[split["replications"] > 0]["population"].iloc[0]
            who += f" ({'every replication' if only == 'transferred' else 'none'} transferred)"
        saved = []
        for name, _, _ in COUNTERFACTUALS:
            if f"savings_vs_{name}" in r and not math.isnan(r[f"savings_vs_{name}"]):
                saved.append(
                    f"vs {name} {money(r[f'savings_vs_{name}'], currency)} "
                    f"({percent(r[f'savings_vs_{name}_pct'], 1)} of its cost)"
                )
        lines.append(
            f"{who}: total cost {money(r['total_cost'], currency)} mean (P10-P90 "
            f"{money(r['total_cost_p10'], currency)} to {money(r['total_cost_p90'], currency)})"
            + (f"; savings {', '.join(saved)}" if saved else "")
        )
    return lines


def group_lines(d: Decision, group: str) -> list[tuple[str, str]]:
    """(item, words) of one group, in reading order."""
    f = d.facts[group]
    out: list[tuple[str, str]] = []
    ms = d.milestones[d.milestones["group"] == group] if len(d.milestones) else d.milestones
    for _, r in ms.iterrows():
        out.append((f"months to {r['event']}", _milestone_text(r)))
    rd = d.readiness[d.readiness["group"] == group] if len(d.readiness) else d.readiness
    if len(rd):
        out.append(("P(transfer-ready by month m)", _readiness_text(rd)))
    cs = d.costs[d.costs["group"] == group] if len(d.costs) else d.costs
    for line in _cost_lines(cs, f.currency):
        who, _, words = line.partition(": ")
        out.append((f"cost, {who}", words))
    be = d.break_even[d.break_even["group"] == group] if len(d.break_even) else d.break_even
    for _, r in be.iterrows():
        out.append((r["event"], _milestone_text(r)))
    return out


def headline(d: Decision) -> str:
    reps = sorted(set(d.replications.values()))
    each = f"{reps[0]:,}" if len(reps) == 1 else f"{reps[0]:,}-{reps[-1]:,}"
    horizons = sorted({f.horizon for f in d.facts.values()})
    h = f"{horizons[0]:g}" if len(horizons) == 1 else "/".join(f"{x:g}" for x in horizons)
    per = " each" if len(d.groups) > 1 else ""
    return f"{each} replications{per}, horizon {h} months, intervals {d.confidence:.0%}"


def render_text(d: Decision) -> list[str]:
    """The decision summary as console lines."""
    lines = [f"{TITLE.upper()} ({headline(d)})"]
    if len(d.groups) <= BY_GROUP:
        for group in d.groups:
            lines.append(f"{group}:")
            for item, words in group_lines(d, group):
                lines.append(f"  {item}: {words}")
    else:  # many variants: one item at a time, a line per variant, to read down a column
        items: dict[str, list[str]] = {}
        for group in d.groups:
            for item, words in group_lines(d, group):
                items.setdefault(item, []).append(f"  {group}: {words}")
        for item, group_words in items.items():
            lines.append(f"{item}:")
            lines.extend(group_words)
    if len(d.verdicts):
        lines.append("which option is better (paired, common random numbers):")
        for _, v in d.verdicts.iterrows():
            where = f"[{v['setting']}] " if v["setting"] else ""
            lines.append(f"  {where}{v['label']}: {v['text']}")
    return lines


def render_html(d: Decision) -> str:
    """The decision summary as the report's first section (tables of the report's style)."""
    import pandas as pd

    from botsim.report.html import table_html

    rows = [
        {"scenario": g, "item": item, "answer": words}
        for g in d.groups
        for item, words in group_lines(d, g)
    ]
    parts = [
        # Scoped to this section: its answers are sentences, which must wrap.
        "<style>#decision td.text{white-space:normal;min-width:9rem}"
        "@media print{#decision td.text{min-width:0}}</style>",
        f'<section id="decision"><h2>{TITLE}</h2>',
        f'<p class="note">{html.escape(headline(d))}. Months to each milestone: '
        "Kaplan&ndash;Meier median and P10&ndash;P90 over replications, with the share that "
        "never got there within the horizon (censored, not dropped). Savings are against the "
        "same team under each counterfactual, as a share of its cost.</p>",
        table_html(pd.DataFrame(rows), "decision-table"),
    ]
    bases = {(f.outsourcing_basis, f.onshore_basis): g for g, f in d.facts.items()}
    for (out, on), group in bases.items():
        if out or on:
            where = f" ({html.escape(group)})" if len(bases) > 1 else ""
            parts.append(
                f'<p class="note counterfactual-basis">Counterfactuals{where}, on the same '
                f"simulated team: outsourcing priced as {html.escape(out)}; onshore as "
                f"{html.escape(on)}.</p>"
            )
    if len(d.verdicts):
        names = {
            "setting": "where",
            "label": "metric",
            "scenario_a": "option A",
            "scenario_b": "option B",
            "text": "verdict",
        }
        cols = [c for c in names if c in d.verdicts and d.verdicts[c].astype(bool).any()]
        table = d.verdicts[cols].rename(columns=names)
        parts.append("<h3>Which option is better</h3>")
        parts.append(
            '<p class="note">Paired under common random numbers; better only where the '
            "difference is significant; time-to metrics by restricted mean time and P(by month "
            "m), never by a difference that only measures the censoring.</p>"
        )
        parts.append(table_html(table, "decision-verdicts"))
    parts.append("</section>")
    return "".join(parts)


# --------------------------------------------------------------------------- sources


def from_result(result: Any) -> Decision:
    """The decision summary of one run (an :class:`~botsim.experiment.runner.ExperimentResult`)."""
    name = result.scenario.name
    return decide("run", {name: result.summary}, {name: facts_of_scenario(result.scenario)})


def from_comparison(comparison: Any) -> Decision:
    """The decision summary of a :class:`~botsim.experiment.comparison.Comparison` (what
    ``botsim compare`` prints), with its paired table."""
    summaries, facts = {}, {}
    for name, result in zip(comparison.names, comparison.results):
        if len(getattr(result.summary, "columns", [])) and len(result.summary):
            summaries[name] = result.summary
            facts[name] = facts_of_scenario(result.scenario)
    return decide("compare", summaries, facts, comparison.table, confidence=comparison.confidence)


def from_study(study: Any, comparisons: Any = None) -> Decision:
    """The decision summary of a report's :class:`~botsim.report.study.Study`; ``comparisons``
    is the paired table (compare: :func:`botsim.report.tables.comparisons`; sweep:
    :func:`botsim.report.tables.sweep_contrasts`), computed here when not given: then the
    decision is made once per study (the report and the console summary show the same one:
    :func:`botsim.report.study.derived`)."""
    if comparisons is None:
        from botsim.report.study import derived

        return derived(study, "decision", _decision)
    return _decision(study, comparisons)


def _decision(study: Any, comparisons: Any = None) -> Decision:
    from botsim.report import tables, units

    summaries = {
        g: study.summary[study.summary["group"] == g].reset_index(drop=True) for g in study.groups
    }
    facts = study_facts(study)
    settings: list[str] = []
    if comparisons is None and study.kind == "compare":
        comparisons = tables.comparisons(study)
    if study.kind == "sweep":
        settings = list(study.params[1:])
        if comparisons is None:
            comparisons = tables.sweep_contrasts(study)
        if comparisons is not None and len(comparisons):
            comparisons = comparisons[comparisons["metric"].isin(verdict_metrics(study.summary))]
    # Groups in the report's words ("philippines, team size 5"), not their folder labels.
    names = units.group_names(study)
    summaries = {names.get(g, g): frame for g, frame in summaries.items()}
    facts = {names.get(g, g): f for g, f in facts.items()}
    if comparisons is not None and len(comparisons):
        comparisons = comparisons.copy()
        for column in ("scenario_a", "scenario_b", "better"):
            if column in comparisons:
                comparisons[column] = comparisons[column].map(lambda v: names.get(v, v))
    return decide(study.kind, summaries, facts, comparisons, settings, study.confidence)


def study_facts(study: Any) -> dict[str, Facts]:
    """Each group's :class:`Facts` from the resolved scenario texts a folder keeps (a sweep's
    variants: the base scenario with the sweep's parameters applied where they set a fact)."""
    from botsim.inputs.loader import ScenarioError, parse_document

    def doc_of(text: str) -> dict:
        try:
            doc = parse_document(text, "scenario.yaml")
        except ScenarioError:
            return {}
        return doc if isinstance(doc, dict) else {}

    out: dict[str, Facts] = {}
    if study.kind in ("run", "compare"):
        for group in study.groups:
            text = study.scenario_texts.get(group, "")
            out[group] = facts_of_document(doc_of(text), study.horizons.get(group, study.horizon))
        return out
    base = doc_of(next(iter(study.scenario_texts.values()), ""))
    paths = study.manifest.get("parameter_paths", {}) or {}
    for _, pt in study.points.iterrows():
        group = str(pt["label"])
        doc = {k: dict(v) if isinstance(v, Mapping) else v for k, v in base.items()}
        for column, path in paths.items():
            section, _, key = str(path).partition(".")
            if section in ("costs", "transfer") and key and "." not in key and column in pt:
                doc.setdefault(section, {})[key] = pt[column]
        out[group] = facts_of_document(doc, study.horizons.get(group, study.horizon))
    return out
