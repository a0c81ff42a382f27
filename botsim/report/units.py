"""Numbers as a reader sees them: each metric in its catalogue unit, money in the scenario's
currency ("USD 1.23 M", never a ``1e6`` offset), shares as percentages, names instead of code.

One place for the words and formats of the report's tables, findings and figure axes.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from botsim.metrics import catalogue

CURRENCY_UNIT = "currency"
"""The catalogue unit of money columns (amounts in the scenario's ``costs.currency``)."""
DEFAULT_CURRENCY = "USD"
"""``costs.currency`` when a scenario text does not say (the schema's default)."""
PERCENT_UNITS = ("share", "share per year")
"""Catalogue units shown as percentages."""
UNIT_WORDS = {"share": "%", "share per year": "% per year"}
"""How a catalogue unit is written after a label, where it differs from the unit itself."""
SILENT_UNITS = ("count", catalogue.FLAG, catalogue.TEXT)
"""Units a label needs no bracket for (a count says what it counts)."""


def currency(study: Any) -> str:
    """The currency of a study's money (``costs.currency`` of its scenarios); the codes joined
    with "/" in the rare comparison of scenarios in different currencies."""
    from botsim.inputs.loader import ScenarioError, parse_document

    codes = []
    for name, text in study.scenario_texts.items():
        try:
            doc = parse_document(text, name)
        except ScenarioError:
            continue
        costs = doc.get("costs") if isinstance(doc.get("costs"), dict) else {}
        codes.append(str(costs.get("currency") or DEFAULT_CURRENCY))
    return "/".join(dict.fromkeys(codes)) or DEFAULT_CURRENCY


def unit_of(metric: str, table: catalogue.Table = "summary") -> str:
    """The catalogue unit of a column ("" when undeclared)."""
    found = catalogue.lookup(metric, table)
    return found.unit if found is not None else ""


def unit_words(unit: str, money: str) -> str:
    """A unit as written after a label: money as its currency code, shares as "%"."""
    if unit == CURRENCY_UNIT:
        return money
    return UNIT_WORDS.get(unit, unit)


def metric_label(metric: str, money: str, table: catalogue.Table = "summary") -> str:
    """A metric's catalogue label with its unit in brackets: "total cost, BOT (USD)",
    "time to stable team (months)", "annual attrition, agents (% per year)"."""
    found = catalogue.lookup(metric, table)
    if found is None:
        return catalogue.label(metric, table)
    name = found.member_label(metric)
    if found.unit in SILENT_UNITS:
        return name
    return f"{name} ({unit_words(found.unit, money)})"


def money(value: float, code: str) -> str:
    """An amount for a sentence: "USD 1.23 M" from a million, else "USD 845,300"."""
    if value is None or not math.isfinite(value):
        return "-"
    if abs(value) >= 1e6:
        return f"{code} {value / 1e6:,.2f} M"
    return f"{code} {value:,.0f}"


def number(value: Any, unit: str, horizon: float | None = None) -> str:
    """A value in ``unit`` for a table cell or a sentence (without the unit, which the label
    or header carries): money to the unit with thousands separators, shares as percentages,
    times and other measures with one decimal; '-' for NaN, '> H' for never within horizon H."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return f"> {horizon:g}" if horizon else "not reached"
    if unit == CURRENCY_UNIT:
        return f"{v:,.0f}"
    if unit in PERCENT_UNITS:
        return f"{v:.1%}"
    if unit == "ratio":
        return f"{v:.2f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 0.05 or v == 0 else f"{v:.3g}"


def money_axis(ax: Any, code: str, axis: str = "y") -> str:
    """Format a money axis in millions or thousands of ``code`` (no offset text, no scientific
    notation); returns the scale word for the axis label, e.g. "USD million"."""
    from matplotlib.ticker import FuncFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    top = max(abs(lo), abs(hi))
    scale, word = (1e6, "million") if top >= 1e6 else (1e3, "thousand") if top >= 1e4 else (1, "")
    digits = _digits(top / scale)
    target.set_major_formatter(FuncFormatter(functools.partial(_money_tick, scale, digits)))
    return f"{code} {word}".strip()


def _money_tick(scale: float, digits: int, value: float, _pos: Any = None) -> str:
    """A money tick label (a module-level function, so a figure can be pickled and drawn in
    another process: ``report.build``)."""
    return f"{value / scale:,.{digits}f}"


def _digits(top: float) -> int:
    """Decimals of money tick labels: enough to tell ticks apart on an axis up to ``top``."""
    return 0 if top >= 10 else 1 if top >= 1 else 2


def group_names(study: Any) -> dict[str, str]:
    """How each group is named in the report: a scenario by its name, a grid-sweep variant by
    its parameter values ("philippines, team size 5"), a one-at-a-time point by its label."""
    names = {g: g for g in study.groups}
    if study.kind == "sweep" and study.mode == "grid" and study.points is not None:
        for _, pt in study.points.iterrows():
            parts = [param_value(p, pt[p]) for p in study.params]
            names[str(pt["label"])] = ", ".join(parts)
    elif study.kind == "sweep":  # one at a time: "offer acceptance low (0.6)"
        names = {g: g.replace("_", " ") for g in study.groups}
    return names


def param_value(param: str, value: Any) -> str:
    """One parameter setting in words: a number with its name ("team size 5"), a name alone."""
    words = param.replace("_", " ")
    if isinstance(value, str):
        return value.replace("_", " ")
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return f"{words} {value}"


def param_label(param: str) -> str:
    """A sweep parameter's name in words (``team_size`` -> "team size")."""
    return catalogue.statistic_label(param)
