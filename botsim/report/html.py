"""The self-contained HTML report: figures embedded as base64 PNG, no external resources."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
from typing import Any

import numpy as np

from botsim import __version__
from botsim.metrics import catalogue
from botsim.report import units
from botsim.report.study import Study
from botsim.report.tables import CONTRAST_METRICS
from botsim.stats import never_reached_by, undefined_for

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 margin:0 auto;max-width:1180px;padding:1.5rem 2rem;color:#1d2330;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccd;
 padding-bottom:.2rem}h3{margin-top:1.4rem}.meta{color:#556;font-size:.9rem}
.table-wrap{overflow-x:auto;max-width:100%;margin:.6rem 0 1rem}
table{border-collapse:separate;border-spacing:0;font-size:.82rem}
th,td{border:1px solid #d6d9e0;border-width:0 1px 1px 0;padding:.25rem .5rem;text-align:right;
 white-space:nowrap;background:#fff}tr>:first-child{border-left-width:1px}
thead tr:first-child>*{border-top-width:1px}
th{background:#f0f2f6;white-space:normal;min-width:4.5em;max-width:11em;vertical-align:bottom}
td.text,th.text{text-align:left}td.text{white-space:normal;min-width:9em;max-width:22em}
tr>:first-child{position:sticky;left:0;z-index:1}th:first-child{background:#f0f2f6}
tr.sig td{background:#eef7ee}figure{margin:1.2rem 0;padding:0}figure img{max-width:100%;
 height:auto;border:1px solid #e3e5ea}figcaption{font-size:.85rem;color:#445;max-width:900px}
figcaption .conclusion{display:block;font-weight:600;color:#1d2330;margin-bottom:.2rem}
.files{color:#778}
pre{background:#f6f7f9;padding:.8rem;overflow:auto;font-size:.78rem;max-height:32rem}
details{margin:.6rem 0}summary{cursor:pointer;font-weight:600}ul.findings li{margin:.3rem 0}
.note{font-size:.85rem;color:#445}
@media print{
 @page{size:A4;margin:12mm}
 body{max-width:none;padding:0;font-size:10pt;line-height:1.3}
 h2{break-after:avoid;page-break-after:avoid;margin-top:1.2rem}h3{break-after:avoid}
 .table-wrap{overflow:visible;max-width:none}
 table{width:100%;table-layout:auto;font-size:6.5pt}
 th,td{white-space:normal;overflow-wrap:anywhere;min-width:0;max-width:none;padding:1px 2px}
 td.text{min-width:0;max-width:none}
 tr>:first-child{position:static}thead{display:table-header-group}
 tr{break-inside:avoid;page-break-inside:avoid}
 figure{break-inside:avoid;page-break-inside:avoid}figure img{max-width:100%;border:0}
 figcaption{max-width:none}.files{display:none}
 pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:none;overflow:visible;font-size:6.5pt}
}
"""

MONTHS_LIKE = ("km_median", "month")
"""Table columns (statistics of a time) shown in months with one decimal; so are the
catalogue's metrics in months."""
HEADLINE = (*CONTRAST_METRICS, "break_even_vs_outsourcing")
"""Metrics whose paired comparison is spelled out under "Key findings" (all are in the table)."""


def fmt(value: Any, column: str = "", horizon: float | None = None) -> str:
    """A table cell: NaN as '-', infinity as 'not reached', probabilities as percentages."""
    if value is None:
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float) or hasattr(value, "dtype"):
        try:
            v = float(value)
        except (TypeError, ValueError):
            return html.escape(str(value))
        if math.isnan(v):
            return "-"
        if math.isinf(v):
            return html.escape(f"> {horizon:g}") if horizon else "not reached"
        if column != "p_value" and (column == "p" or column.startswith("p_")):
            return f"{v:.1%}"
        if column == "p_value":
            return "&lt; 0.0001" if v < 1e-4 else f"{v:.4f}"
        if column == "confidence":
            return f"{v * 100:.3g}%"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if _in_months(column) or column in ("ci_low", "ci_high"):
            return f"{v:.1f}" if abs(v) >= 1 else f"{v:.3g}"
        if v == int(v) and abs(v) < 1000 and column not in ("diff",):
            return f"{v:.0f}"
        return f"{v:.3g}" if abs(v) < 0.01 else f"{v:.2f}"
    return html.escape(str(value))


def _in_months(column: str) -> bool:
    declared = catalogue.lookup(column)
    if declared is not None:
        return declared.unit == "months"
    return any(key in column for key in MONTHS_LIKE)


VALUE_COLUMNS = frozenset(
    {
        "mean",
        "ci_low",
        "ci_high",
        "sd",
        "median",
        "p10",
        "p90",
        "mean_a",
        "mean_b",
        "diff",
        "base_mean",
        "low_mean",
        "high_mean",
        "low_effect",
        "high_effect",
        "low_ci_low",
        "low_ci_high",
        "high_ci_low",
        "high_ci_high",
        "swing",
    }
)
"""Statistics-table columns in the unit of the row's metric (money, %, months ...)."""
INTERVALS = {
    "low_effect": ("low_ci_low", "low_ci_high"),
    "high_effect": ("high_ci_low", "high_ci_high"),
}
"""Columns whose interval bounds are not named ``<column>_ci_low`` / ``_ci_high``."""


def _intervals(columns: list[str]) -> dict[str, tuple[str, str]]:
    """Value column -> its (low, high) interval columns, shown together in one cell as
    "value [low, high]" so a table stays narrow: ``x`` with ``x_ci_low``/``x_ci_high``, the
    tornado's effects, and the bare ``ci_low``/``ci_high`` of a difference (else of a mean)."""
    present = set(columns)
    out = {}
    for c in columns:
        lo, hi = INTERVALS.get(c, (f"{c}_ci_low", f"{c}_ci_high"))
        if lo in present and hi in present:
            out[c] = (lo, hi)
    owner = next((c for c in ("diff", "mean") if c in present), None)
    if owner and {"ci_low", "ci_high"} <= present:
        out[owner] = ("ci_low", "ci_high")
    return out


def _cell(row: Any, column: str, horizon: float | None, money: str) -> str:
    """One table cell: a metric name in words with its unit, a value in the row metric's unit
    when the table has a metric column, else by :func:`fmt`."""
    value = row[column]
    if column == "metric" and isinstance(value, str):
        return html.escape(units.metric_label(value, money))
    if column == "parameter" and isinstance(value, str):  # a sweep parameter's name
        return html.escape(units.param_label(value))
    if column in VALUE_COLUMNS and isinstance(row.get("metric"), str):
        unit = units.unit_of(row["metric"])
        if unit and unit not in catalogue.NON_NUMERIC_UNITS:
            return html.escape(units.number(value, unit, horizon))
    if column == "better" and not (isinstance(value, str) and value):
        return "no clear difference" if row.get("better_when") else "-"
    if column == "better_when":
        return html.escape({"lower": "lower", "higher": "higher"}.get(str(value), "-"))
    return fmt(value, column, horizon)


def table_html(
    frame: Any,
    table_id: str,
    columns: list[str] | None = None,
    horizon: float | None = None,
    highlight: str | None = None,
    money: str = units.DEFAULT_CURRENCY,
    names: dict[str, str] | None = None,
) -> str:
    """A DataFrame as an HTML table in a horizontally scrolling box (first column sticky).

    Headers are the catalogue's words (:func:`botsim.metrics.catalogue.statistic_label`),
    metric names are labels with their units (money in ``money``), a value and its interval
    share one cell, and ``names`` renames groups and scenarios (sweep variants in words)."""
    import pandas as pd

    if frame is None or len(frame) == 0:
        return f'<p class="note" id="{table_id}">No data.</p>'
    columns = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    intervals = _intervals(columns)
    hidden = {b for pair in intervals.values() for b in pair}
    shown = [c for c in columns if c not in hidden]
    text_cols = {c for c in shown if not pd.api.types.is_numeric_dtype(frame[c])}
    renamed = {"group", "scenario_a", "scenario_b", "better"}

    def header(c: str) -> str:
        words = catalogue.statistic_label(c) + (" [CI]" if c in intervals else "")
        return (
            f'<th class="{"text" if c in text_cols else ""}" scope="col">{html.escape(words)}</th>'
        )

    rows = []
    for _, row in frame.iterrows():
        cls = ' class="sig"' if highlight and bool(row.get(highlight)) else ""
        cells = []
        for c in shown:
            if names and c in renamed and isinstance(row[c], str) and row[c] in names:
                text = html.escape(names[row[c]])
            else:
                text = _cell(row, c, horizon, money)
            if c in intervals:
                lo, hi = (_cell(row, b, horizon, money) for b in intervals[c])
                if lo != "-" or hi != "-":
                    text += f" [{lo}, {hi}]"
            cells.append(f'<td class="{"text" if c in text_cols else ""}">{text}</td>')
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return (
        f'<div class="table-wrap"><table id="{table_id}"><thead><tr>'
        f"{''.join(header(c) for c in shown)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def figure_html(spec: Any, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    conclusion = getattr(spec, "conclusion", "")
    lead = f'<span class="conclusion">{html.escape(conclusion)}</span>' if conclusion else ""
    return (
        f'<figure id="fig-{spec.name}"><h3>{html.escape(spec.title)}</h3>'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(spec.title)}">'
        f'<figcaption>{lead}{html.escape(spec.caption)} <span class="files">(Files: '
        f"figures/{spec.name}.png, figures/{spec.name}.svg.)</span></figcaption></figure>"
    )


def method_html(study: Study) -> str:
    m = study.manifest
    pct = round(study.confidence * 100)
    reps = m.get("replications", "?")
    seed = m.get("seed", "?")
    items = [
        f"<li><b>Replications and seed.</b> {html.escape(str(reps))} independent replications "
        f"per scenario, root seed {html.escape(str(seed))}; each replication's random streams "
        "are derived from (seed, replication, purpose), so the numbers are reproducible.</li>",
        "<li><b>Terminating simulation.</b> Every replication starts from an empty Build; "
        "time-to metrics are reported as distributions across replications and no warm-up is "
        "deleted (Law &amp; Kelton ch. 9).</li>",
        f"<li><b>Means.</b> {pct}% t-interval of the mean, x&#772; &plusmn; "
        "t<sub>n-1</sub>&middot;s/&radic;n, over replications; sd, median, P10 and P90 describe "
        "the spread.</li>",
        "<li><b>Censoring.</b> A replication that never reaches an event within the horizon is "
        "<i>censored</i> at the horizon, not dropped. Medians of time-to metrics are "
        "Kaplan&ndash;Meier medians with a confidence interval from the crossing of the "
        f"{pct}% pointwise log-log band (Greenwood variance); 'not reached' (&gt; horizon) is "
        "reported when fewer than half the replications get there.</li>",
        f"<li><b>Probabilities.</b> P(event by month m) is the share of replications with the "
        f"event by m, with a {pct}% Wilson score interval.</li>",
    ]
    if study.kind in ("compare", "sweep"):
        items.append(
            "<li><b>Paired comparisons (common random numbers).</b> All scenarios run with the "
            "same seed, so replication j of each uses the same random streams for the same "
            "purpose; differences are paired-t intervals on Z<sub>j</sub> = "
            "X<sub>A,j</sub> &minus; X<sub>B,j</sub>. Time-to metrics are compared as restricted "
            "mean times, min(T, horizon), with the share never reached of each side, and by the "
            "paired difference of P(event by month m) (Newcombe interval); a side is better only "
            "where no month says the opposite.</li>"
        )
    if study.kind == "compare" and len(study.groups) > 2:
        k = len(study.groups) * (len(study.groups) - 1) // 2
        items.append(
            f"<li><b>Multiple comparisons.</b> With {len(study.groups)} scenarios the {k} "
            f"pairwise intervals of each metric use Bonferroni-adjusted confidence "
            f"1 &minus; {1 - study.confidence:g}/{k}, so they hold jointly at {pct}%.</li>"
        )
    if study.kind == "sweep" and study.mode == "one_at_a_time":
        items.append(
            "<li><b>Sensitivity.</b> One assumption at a time is moved to its low and high "
            "value with all others at base; the tornado shows the paired change of the mean "
            f"{html.escape(catalogue.label(study.key_metric))} against the base run.</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def _amount(value: Any, metric: str, money: str) -> str:
    """A value of ``metric`` in a sentence, with its unit: "USD 1.23 M", "3.1 months", "4.2%"."""
    unit = units.unit_of(metric)
    if unit == units.CURRENCY_UNIT:
        return units.money(float(value), money)
    text = units.number(value, unit)
    if not unit or unit in units.PERCENT_UNITS or unit in units.SILENT_UNITS or text == "-":
        return text
    return f"{text} {units.unit_words(unit, money)}"


def findings_html(study: Study, time_to: Any, comparisons: Any) -> str:
    """A few sentences a reader can quote, each with its interval."""
    out = []
    pct = round(study.confidence * 100)
    if study.kind == "sweep":
        return ""  # the sweep table, shown first, is the summary
    if time_to is not None and len(time_to):
        for metric in ("time_to_stable_team", "time_to_transfer_ready"):
            rows = time_to[time_to["metric"] == metric]
            for _, r in rows.iterrows():
                h = study.horizons.get(r["group"], study.horizon)
                med = fmt(r["km_median"], "km_median", h)
                lo = fmt(r["km_median_ci_low"], "km_median", h)
                hi = fmt(r["km_median_ci_high"], "km_median", h)
                p_cols = [c for c in r.index if c.startswith("p_by_") and c.count("_") == 2]
                extra = ""
                if p_cols:  # every decision month: one month alone can mislead (0 % early)
                    extra = "; " + ", ".join(
                        f"P(by month {c[len('p_by_') :]}) = {fmt(r[c], c)} "
                        f"[{fmt(r[c + '_ci_low'], c)}, {fmt(r[c + '_ci_high'], c)}]"
                        for c in p_cols
                    )
                out.append(
                    f"<li><b>{html.escape(str(r['group']))}</b>: median months to "
                    f"{html.escape(catalogue.event(metric))} {med} ({pct}% CI {lo} "
                    f"to {hi}){extra}; {int(r['censored'])} of {int(r['n'])} replications "
                    "censored.</li>"
                )
            if len(out) >= 12:
                break
    if comparisons is not None and len(comparisons):
        money = units.currency(study)
        for _, r in comparisons.iterrows():
            if not r["better_when"] or r["metric"] not in HEADLINE:
                continue
            name = catalogue.label(r["metric"])
            never, undefined = never_reached_by(r), undefined_for(r)

            def amount(column: str, row: Any = r) -> str:
                return html.escape(_amount(row[column], row["metric"], money))

            if undefined is not None:
                verdict = "not comparable: undefined for " + html.escape(str(undefined))
            elif never is not None:
                verdict = "not comparable: never reached by " + html.escape(str(never))
            elif r.get("depends_on_month", False):
                verdict = (
                    "no single better side: it depends on the month (see the decision summary)"
                )
            elif r["better"]:
                verdict = (
                    f"<b>{html.escape(str(r['better']))}</b> is better "
                    f"(difference {amount('diff')}, CI {amount('ci_low')} to "
                    f"{amount('ci_high')}, p-value {fmt(r['p_value'], 'p_value')})"
                )
            else:
                verdict = (
                    f"no clear difference (difference {amount('diff')}, CI "
                    f"{amount('ci_low')} to {amount('ci_high')})"
                )
            out.append(
                f"<li>{html.escape(name)}, {html.escape(str(r['scenario_a']))} &minus; "
                f"{html.escape(str(r['scenario_b']))}: {verdict}.</li>"
            )
    if not out:
        return ""
    return f'<h2>Key findings</h2><ul class="findings">{"".join(out)}</ul>'


def render(
    study: Study,
    figures: list[tuple[Any, bytes]],
    sections: list[tuple[str, str]],
    findings: str,
) -> str:
    """The full HTML document."""
    m = study.manifest
    kind = {"run": "Run", "compare": "Comparison", "sweep": "Sweep"}[study.kind]
    created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    meta = (
        f"{kind} report &middot; {html.escape(str(m.get('replications', '?')))} replications "
        f"&middot; seed {html.escape(str(m.get('seed', '?')))} &middot; horizon "
        f"{study.horizon:g} months &middot; botsim {html.escape(__version__)} &middot; "
        f"report built {created}"
    )
    figs = "".join(figure_html(spec, png) for spec, png in figures)
    # A sweep's own table is its summary: it goes first; other tables follow the figures.
    lead = [x for x in sections if study.kind == "sweep" and x[0].startswith(("Sweep", "Sens"))]
    rest = [x for x in sections if x not in lead]
    body = [
        f"<h1>{html.escape(study.title)}</h1>",
        f'<p class="meta">{meta}</p>',
        f"<p>{html.escape(study.description)}</p>" if study.description else "",
        findings,
        *[f"<h2>{html.escape(title)}</h2>{content}" for title, content in lead],
        f'<h2>Figures</h2><div id="figures">{figs}</div>' if figs else "",
        *[f"<h2>{html.escape(title)}</h2>{content}" for title, content in rest],
        f"<h2>Method</h2>{method_html(study)}",
    ]
    if study.sweep_text:
        body.append(
            f"<h2>Sweep</h2><details open><summary>sweep.yaml</summary>"
            f"<pre>{html.escape(study.sweep_text)}</pre></details>"
        )
    scen = "".join(
        f"<details><summary>{html.escape(name)}</summary><pre>{html.escape(text)}</pre></details>"
        for name, text in study.scenario_texts.items()
    )
    body.append(f'<h2>Scenario</h2><div id="scenarios">{scen}</div>')
    body.append(
        '<h2>Manifest</h2><pre id="manifest">'
        f"{html.escape(json.dumps(m, indent=2, default=str))}</pre>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(study.title)} - botsim report</title><style>{CSS}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )
