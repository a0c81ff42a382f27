"""Console summary of a run: the distribution of each key metric, printed with click.echo.

Time-to metrics show median and P10-P90 with censoring (``> H`` = not reached within the
horizon in that share of replications); other metrics show the mean with its 95 % confidence
interval and P10-P90. Lifecycle and cost lines appear when the scenario models them.
"""

from __future__ import annotations

import math

import click

from botsim.metrics import catalogue
from botsim.model.lifecycle import CRITERIA

TIME_TO = (
    "time_to_first_hire",
    "time_to_full_team",
    "time_to_full_plan",
    "time_to_stable_team",
    "time_to_transfer_ready",
)
"""The milestones of the "months to" table (labels from the metric catalogue)."""
COST_TIME_TO = ("break_even_vs_outsourcing", "break_even_vs_onshore")
PEOPLE = (
    ("hires", "{:.1f}"),
    ("exits", "{:.1f}"),
    ("annual_attrition", "{:.1%}"),
    ("mean_time_to_fill_days", "{:.1f}"),
    ("final_headcount", "{:.1f}"),
    ("final_effective_fte", "{:.1f}"),
)
"""Metrics shown as a mean with its interval, and their number format."""


def fmt_months(value: float, horizon: float) -> str:
    """Months for a console table: '> H' when not reached within the horizon, '-' when NaN."""
    if math.isinf(value):
        return f"> {horizon:g}"
    if math.isnan(value):
        return "-"
    return f"{value:.1f}"


def _time_to_table(s, metrics: tuple[str, ...], horizon: int, title: str) -> None:
    from botsim.stats import summarise_time_to

    click.echo(f"{title:<28}{'median':>8}{'P10':>8}{'P90':>8}{'not reached':>13}")
    for metric in metrics:
        if not catalogue.has_flag(s.columns, metric):
            continue
        label = catalogue.event(metric)
        row = summarise_time_to(s, metric)
        click.echo(
            f"{label:<28}{fmt_months(row['median'], horizon):>8}"
            f"{fmt_months(row['p10'], horizon):>8}{fmt_months(row['p90'], horizon):>8}"
            f"{row['censored_share']:>12.0%}"
        )


def _mean_line(s, metric: str, fmt: str, label: str | None = None) -> None:
    """Mean, interval and P10-P90 of ``metric`` (labelled from the catalogue unless told)."""
    from botsim.stats import describe

    label = label or catalogue.metric(metric).title
    if metric not in s:
        return
    d = describe(s[metric].to_numpy(dtype=float))
    if d["n"] == 0:
        click.echo(f"{label:<28} -")
        return
    click.echo(
        f"{label:<28} mean {fmt.format(d['mean'])}  "
        f"95% CI [{fmt.format(d['ci_low'])}, {fmt.format(d['ci_high'])}]  "
        f"P10-P90 {fmt.format(d['p10'])} to {fmt.format(d['p90'])}"
    )


def _transfer_lines(result) -> None:
    from botsim.stats import wilson_interval

    s, scenario = result.summary, result.scenario
    t = scenario.transfer
    planned = t.month if t.policy == "at_month" else t.earliest_month
    if planned is not None and "ready_by_planned_month" in s:
        flags = s["ready_by_planned_month"].astype(bool).to_numpy()
        k, n = int(flags.sum()), len(flags)
        _, lo, hi = wilson_interval(k, n)
        click.echo(
            f"P(transfer-ready by month {planned:g}) = {k / n:.0%} "
            f"(95% Wilson CI {lo:.0%}-{hi:.0%}, {k}/{n} replications)"
        )
    unmet_of = catalogue.metric("unmet_<criterion>").column
    unmet = {c: s[unmet_of(criterion=c)].mean() for c in CRITERIA if unmet_of(criterion=c) in s}
    if unmet:
        when = f"month {planned:g}" if planned is not None else "the horizon"
        holding = sorted(((share, c) for c, share in unmet.items() if share > 0), reverse=True)
        if holding:
            parts = ", ".join(f"{c} {share:.0%}" for share, c in holding)
            click.echo(f"criteria not met at {when} (share of replications): {parts}")
        else:
            click.echo(f"every readiness criterion holds at {when} in every replication")
    if t.policy != "never" and "transfer_month" in s:
        done = s["transfer_month"].notna()
        click.echo(
            f"transfer completed within the horizon in {done.mean():.0%} of replications"
            + (
                ""
                if t.policy != "when_ready"
                else f" (window months {t.earliest_month:g}-{t.latest_month:g})"
            )
        )
        _mean_line(s, "transfer_month", "{:.1f}")
        _mean_line(s, "headcount_lost_at_transfer", "{:.1f}")
        if "time_to_restabilise" in s and done.any():
            from botsim.stats import summarise_time_to

            row = summarise_time_to(s, "time_to_restabilise")
            h = result.scenario.horizon_months
            click.echo(
                f"months to {catalogue.event('time_to_restabilise')} after the transfer (the "
                f"{row['applies_share']:.0%} that transferred): median "
                f"{fmt_months(row['median'], h)}, P10-P90 {fmt_months(row['p10'], h)} to "
                f"{fmt_months(row['p90'], h)}, not re-stabilised by the horizon "
                f"{row['censored_share']:.0%}"
            )


def print_decision(decision) -> None:
    """The decision summary (:mod:`botsim.report.decision`), printed first by ``run``,
    ``compare`` and ``sweep``."""
    from botsim.report.decision import render_text

    for line in render_text(decision):
        click.echo(line)
    click.echo("")


def print_comparison(table, letters: dict[str, str], horizon: float, currency: str) -> None:
    """The paired comparison table of ``botsim compare``: per metric and pair, the level of A
    and of B with units, the difference A - B with its interval, and the verdict."""
    from botsim.report.decision import level
    from botsim.stats import never_reached_by, undefined_for

    click.echo(f"{'metric':<30}{'pair':<7}{'A':>18}{'B':>18}{'A - B [CI]':>44}  verdict")
    for _, r in table.iterrows():
        metric = r["metric"]
        pair = f"{letters[r['scenario_a']]} - {letters[r['scenario_b']]}"
        a, b = (level(metric, r[k], currency) for k in ("mean_a", "mean_b"))
        d, lo, hi = (level(metric, r[k], currency, True) for k in ("diff", "ci_low", "ci_high"))
        ci = f"{d} [{lo}, {hi}]"
        never, undefined = never_reached_by(r), undefined_for(r)
        if undefined is not None:
            verdict = "not comparable: undefined for " + letters[undefined]
            ci = "-"
        elif never is not None:
            verdict = "not comparable: never reached by " + letters[never]
            ci = "-"
        elif not r["better_when"]:
            verdict = "(no preferred direction)"
        elif r.get("depends_on_month", False):
            verdict = "depends on the month (P(by m) differ both ways)"
        elif r["better"]:
            verdict = f"{letters[r['better']]} better ({r['better_when']} is better) *"
        else:
            verdict = "no clear difference"
        shares = (r.get("censored_a", math.nan), r.get("censored_b", math.nan))
        if r.get("restricted_to_horizon", False) and not any(map(math.isnan, shares)):
            verdict += (
                f"; never reached {letters[r['scenario_a']]} {r['censored_a']:.0%}, "
                f"{letters[r['scenario_b']]} {r['censored_b']:.0%}"
            )
        label = catalogue.label(metric)
        click.echo(f"{label[:29]:<30}{pair:<7}{a:>18}{b:>18}{ci:>44}  {verdict}")
    click.echo(
        "* significant: the interval excludes 0. Time-to metrics: restricted mean time to the "
        f"{horizon:g}-month horizon (a run that never gets there counts as {horizon:g}), with "
        "the share never reached; better only if no month's P(event by m) difference says the "
        "opposite (comparisons.csv: p_by_<m>_* columns)."
    )


def contrast_verdict(row) -> str:
    """A paired comparison row's verdict in a few words (sweep contrasts on the console)."""
    from botsim.stats import never_reached_by, undefined_for

    never, undefined = never_reached_by(row), undefined_for(row)
    if undefined is not None:
        return f"not comparable: undefined for {undefined}"
    if never is not None:
        return f"not comparable: never reached by {never}"
    if row.get("depends_on_month", False):
        return "depends on the month"
    return f"{row['better']} better *" if row["better"] else "no clear difference"


def print_summary(result) -> None:
    """The console summary of an ExperimentResult: distributions, never single numbers."""
    scenario = result.scenario
    s = result.summary
    h = scenario.horizon_months
    if not s.empty:
        from botsim.report.decision import from_result

        print_decision(from_result(result))
    click.echo(
        f"{scenario.name}: {result.replications} replications, seed {result.seed}, "
        f"horizon {h} months, {result.wall_time:.1f} s"
    )
    if s.empty:
        click.echo("no replication completed")
        return
    _time_to_table(s, TIME_TO, h, "months to")
    click.echo("")
    for metric, fmt in PEOPLE:
        _mean_line(s, metric, fmt)
    click.echo("")
    _transfer_lines(result)
    cur = scenario.costs.currency
    click.echo("")
    _mean_line(s, "total_cost_bot", "{:,.0f}", f"{catalogue.label('total_cost_bot')} ({cur})")
    _mean_line(s, "cost_per_effective_fte_month", "{:,.0f}")
    _mean_line(s, "savings_vs_outsourcing", "{:,.0f}")
    _mean_line(s, "savings_vs_onshore", "{:,.0f}")
    _time_to_table(s, COST_TIME_TO, h, "cumulative savings >= 0 from")
