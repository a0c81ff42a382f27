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
            parts = ", ".join(
                f"{catalogue.label(f'criterion_{c}', 'series').split(': ')[-1]} {share:.0%}"
                for share, c in holding
            )
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
    start = scenario.start_date  # issue 17: engagement month m is calendar month start + m
    calendar = f" from {start:%B %Y} (month 0)" if start is not None else ""
    click.echo(
        f"{scenario.name}: {result.replications} replications, seed {result.seed}, "
        f"horizon {h} months{calendar}, {result.wall_time:.1f} s"
    )
    if s.empty:
        click.echo("no replication completed")
        return
    _time_to_table(s, TIME_TO, h, "months to")
    click.echo("")
    for metric, fmt in PEOPLE:
        _mean_line(s, metric, fmt)
    attrition_explained(result)
    click.echo("")
    _transfer_lines(result)
    readiness_thresholds(result)
    cur = scenario.costs.currency
    click.echo("")
    _mean_line(s, "total_cost_bot", "{:,.0f}", f"{catalogue.label('total_cost_bot')} ({cur})")
    _mean_line(s, "cost_per_effective_fte_month", "{:,.0f}")
    _mean_line(s, "savings_vs_outsourcing", "{:,.0f}")
    _mean_line(s, "savings_vs_onshore", "{:,.0f}")
    _time_to_table(s, COST_TIME_TO, h, "cumulative savings >= 0 from")


def _mean(s, column: str) -> float:
    return float(s[column].mean()) if column in s else math.nan


def attrition_explained(result) -> None:
    """The profile's attrition beside the simulated one, and where the difference comes from
    (docs/model.md, "Full team and readiness thresholds"): every number is computed, none is
    a fitted share.

    * the profile's steady state: 1 / mean tenure of one seat under the role's bands (its own
      or its location's), probation and notice, replaced at once, weighted by planned headcount;
    * tenure mix: the profile's hazards applied to the tenures the agents actually served
      (``annual_attrition_profile_hazards``); a new team is full of short tenures, whose hazard
      is higher;
    * the rest: overload and transfer-window multipliers, contracts declined at the transfer,
      notice timing and noise.
    """
    from botsim.model.hazards import steady_state_attrition
    from botsim.model.lifecycle import resolved_thresholds

    s, scenario = result.summary, result.scenario
    simulated = _mean(s, "annual_attrition")
    at_mix = _mean(s, "annual_attrition_profile_hazards")
    if math.isnan(simulated):
        return
    limits = resolved_thresholds(scenario)
    rates = {}  # by location, or by role where a role has its own attrition
    for role in scenario.roles:
        loc = scenario.location(role.location)
        name = f"{role.name} in {loc.name}" if role.attrition is not None else loc.name
        attrition = scenario.attrition_for(role)
        rates[name] = f"{steady_state_attrition(loc, attrition):.1%} ({attrition.definition})"
    where = ", ".join(f"{name} {rate}" for name, rate in rates.items())
    click.echo(
        f"{'attrition vs profile':<28} simulated {simulated:.1%} a year (agents); the "
        f"profile's steady state {limits.expected_attrition:.1%} ({where}: 1 / mean tenure "
        "with bands, probation and notice)"
    )
    if math.isnan(at_mix):
        return
    parts = [f"tenure mix {100 * (at_mix - limits.expected_attrition):+.1f} points"]
    rest = []
    mgmt, t = scenario.management, scenario.transfer
    series = result.timeseries
    if mgmt is not None and mgmt.overload.attrition_multiplier > 1 and "overloaded_roles" in series:
        share = float((series["overloaded_roles"] > 0).mean())
        rest.append(f"overload x{mgmt.overload.attrition_multiplier:g} ({share:.0%} of month-ends)")
    if t.policy != "never" and "transfer_start_month" in s:
        started = float(s["transfer_start_month"].notna().mean())
        rest.append(
            f"transfer window x{t.attrition_multiplier:g} for {t.window_months:g} months "
            f"({started:.0%} of replications) and "
            f"{_mean(s, 'exits_declined_transfer'):.1f} declined contracts"
        )
    rest.append("notice timing and noise")
    parts.append(f"the rest {100 * (simulated - at_mix):+.1f} points: " + ", ".join(rest))
    click.echo(f"{'':<28} " + "; ".join(parts))


def readiness_thresholds(result) -> None:
    """The thresholds the criteria used (``auto`` resolved) and which criteria hold the team
    back at the decision months (share of replications not meeting each; in brackets the
    share in which it is the only one not met)."""
    from botsim.metrics.readiness import READY, criteria_at_months
    from botsim.model.lifecycle import resolved_thresholds

    scenario = result.scenario
    st, rd = scenario.stability, scenario.readiness
    limits = resolved_thresholds(scenario)
    target = scenario.target_at(scenario.horizon_months)

    def said(value: object) -> str:
        return "auto" if value == "auto" else "set"

    click.echo(
        f"thresholds: attrition <= {limits.max_annual_attrition:.1%} a year over "
        f"{limits.attrition_window_months} months ({said(st.max_annual_attrition)}, "
        f"{said(st.attrition_window_months)}; steady state {limits.expected_attrition:.1%} x "
        f"{st.auto_attrition_multiple:g}, window for {st.min_expected_exits:g} expected exits "
        f"of {limits.planned_agents} agents); 12-month retention >= {limits.min_retention:.1%} "
        f"({said(rd.min_retention)}); full team = {st.full_team_seats(target)} of {target} "
        f"seats ({st.full_team_fraction:.0%}); effective FTE >= {limits.capacity_fraction:.1%} "
        f"of target ({said(st.capacity_fraction)}; {st.auto_capacity_margin:g} x "
        f"{st.headcount_fraction:.0%} of seats x {limits.productive_share:.1%} steady-state "
        "output of a filled seat)"
    )
    table = criteria_at_months(result.timeseries)
    if table.empty:
        return
    months = list(dict.fromkeys(table["month"]))
    click.echo(
        f"{'criterion not met (only one)':<28}" + "".join(f"{f'month {m}':>14}" for m in months)
    )
    for name in dict.fromkeys(table["criterion"]):
        rows = table[table["criterion"] == name]
        if name == READY:
            cells = [f"{v:.0%}" for v in rows["ready_share"]]
            label = "ready (every criterion met)"
        else:
            cells = [
                f"{u:.0%} ({o:.0%})" for u, o in zip(rows["unmet_share"], rows["only_unmet_share"])
            ]
            label = catalogue.label(f"criterion_{name}", "series").split(": ")[-1]
        click.echo(f"{label:<28}" + "".join(f"{c:>14}" for c in cells))
