"""Console summary of a run: the distribution of each key metric, printed with click.echo."""

from __future__ import annotations

import click

TIME_TO_LABELS = {
    "time_to_first_hire": "first hire",
    "time_to_full_team": "full team",
    "time_to_stable_team": "stable team",
}


def _fmt_months(value: float, horizon: int) -> str:
    import math

    if math.isinf(value):
        return f"> {horizon}"
    if math.isnan(value):
        return "-"
    return f"{value:.1f}"


def print_summary(result) -> None:
    """The console summary of an ExperimentResult: distributions, never single numbers."""
    from botsim.stats import describe, summarise_time_to

    scenario = result.scenario
    s = result.summary
    h = scenario.horizon_months
    click.echo(
        f"{scenario.name}: {result.replications} replications, seed {result.seed}, "
        f"horizon {h} months, {result.wall_time:.1f} s"
    )
    if s.empty:
        click.echo("no replication completed")
        return
    click.echo(f"{'months to':<14}{'median':>8}{'P10':>8}{'P90':>8}{'censored':>10}")
    for metric, label in TIME_TO_LABELS.items():
        row = summarise_time_to(s, metric)
        click.echo(
            f"{label:<14}{_fmt_months(row['median'], h):>8}{_fmt_months(row['p10'], h):>8}"
            f"{_fmt_months(row['p90'], h):>8}{row['censored_share']:>9.0%} "
        )
    click.echo("")
    for metric, label, fmt in [
        ("hires", "hires", "{:.1f}"),
        ("exits", "exits", "{:.1f}"),
        ("annual_attrition", "annual attrition", "{:.1%}"),
        ("mean_time_to_fill_days", "time to fill (days)", "{:.1f}"),
        ("final_headcount", "final headcount", "{:.1f}"),
        ("final_effective_fte", "final effective FTE", "{:.1f}"),
    ]:
        d = describe(s[metric].to_numpy(dtype=float))
        click.echo(
            f"{label:<22} mean {fmt.format(d['mean'])}  "
            f"95% CI [{fmt.format(d['ci_low'])}, {fmt.format(d['ci_high'])}]  "
            f"P10-P90 {fmt.format(d['p10'])}-{fmt.format(d['p90'])}"
        )
