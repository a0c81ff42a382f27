"""The metric catalogue: every summary metric and monthly series column of a replication, declared
once with its unit, a plain-English label, the direction a strategist prefers, whether it is a
censored time-to-event and whether it is a key metric.

Statistics, the console, the report, precision targets and the memory estimate read these
declarations; none of them recognises a metric by the letters of its name. A family of columns
(one per role, per location, per readiness criterion, per kind of exit) is declared once by a
pattern such as ``total_cost__<location>__<role>``; :func:`columns` expands the families for a
scenario, so the columns of a run are known before it runs. ``tests/unit/test_catalogue.py``
checks that a replication of every shipped scenario produces exactly the declared columns, and
``docs/metrics.md`` is generated from here (:func:`reference_markdown`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from botsim.model.lifecycle import CRITERIA
from botsim.model.records import ATTRITION_EXITS

EXIT_KINDS = tuple(kind.value for kind in ATTRITION_EXITS)
"""The attrition exit kinds, each with its own ``exits_<kind>`` column."""

if TYPE_CHECKING:
    from botsim.inputs.scenario import Scenario

Direction = Literal["higher", "lower"] | None
Table = Literal["summary", "series"]

CENSORED_SUFFIX = "_censored"
"""A censored time-to-event metric ``m`` comes with the flag column ``m_censored``: True when the
event did not happen within the horizon (the value is then NaN)."""

TENURE_BANDS_MONTHS = (0, 3, 6, 12)
"""Tenure bands of the exit counts (reference T8): 0-3, 3-6, 6-12 and 12+ months."""

FLAG = "flag"
TEXT = "text"
NON_NUMERIC_UNITS = (FLAG, TEXT)
"""Units of columns that are not numbers to average (yes/no flags, names)."""

PLACEHOLDERS = {
    "<location>": "a location's name",
    "<role>": "a role's name",
    "<criterion>": "a readiness criterion (" + ", ".join(CRITERIA) + ")",
    "<kind>": "a kind of exit (" + ", ".join(EXIT_KINDS) + ")",
}
"""What each placeholder of a family pattern stands for."""


@dataclass(frozen=True)
class Metric:
    """One column of a replication's summary row or monthly series, or a family of them.

    ``name`` is the column name, or for a family a pattern with placeholders (``<location>``,
    ``<role>``, ``<criterion>``, ``<kind>``) and ``per`` saying which columns the scenario gets:
    ``"role"`` (every role), ``"budgeted role"`` (roles with ``budget_per_month``),
    ``"location"`` (every location of a split team; none with one location), ``"criterion"``
    or ``"exit kind"``. ``event`` names what a time-to metric waits for ("full team"), for
    "months to ..." and "P(... by month m)". ``key`` metrics come first in the console, the
    report and comparisons; ``compared`` ones follow them in comparisons; ``precision`` ones are
    the default targets of ``--precision``.
    """

    name: str
    table: Table
    unit: str
    label: str
    direction: Direction = None
    censored: bool = False
    key: bool = False
    compared: bool = False
    precision: bool = False
    event: str = ""
    per: str = ""

    @property
    def flag(self) -> str:
        """The censoring flag column of a censored time-to-event metric."""
        if not self.censored:
            raise ValueError(f"{self.name} is not a censored time-to-event metric")
        return self.name + CENSORED_SUFFIX

    @property
    def numeric(self) -> bool:
        return self.unit not in NON_NUMERIC_UNITS

    @property
    def is_family(self) -> bool:
        return bool(self.per)

    @property
    def title(self) -> str:
        """The label, with the unit in brackets where a reader would assume another (times are
        in months unless they say days)."""
        return f"{self.label} ({self.unit})" if self.unit == "days" else self.label

    def column(self, **values: str) -> str:
        """A family member's column name: ``column(location="manila", role="agent")``."""
        name = self.name
        for key, value in values.items():
            name = name.replace(f"<{key}>", value)
        return name

    def member_label(self, column: str) -> str:
        """The label of one column of this family (the label of the family, then which)."""
        match = _pattern(self).fullmatch(column)
        if not self.is_family or match is None:
            return self.label
        parts = [v.replace("_", " ") for v in match.groupdict().values()]
        return f"{self.label}: {', '.join(parts)}"


def _m(name: str, unit: str, label: str, direction: Direction = None, **kw) -> Metric:
    return Metric(name, "summary", unit, label, direction, **kw)


def _s(name: str, unit: str, label: str, direction: Direction = None, **kw) -> Metric:
    return Metric(name, "series", unit, label, direction, **kw)


def _time_to(name: str, event: str, **kw) -> Metric:
    """A censored time-to-event metric in months: lower is better."""
    return _m(name, "months", f"time to {event}", "lower", censored=True, event=event, **kw)


SUMMARY: tuple[Metric, ...] = (
    # Hiring milestones (botsim/metrics/replication.py)
    _time_to("time_to_first_hire", "first hire", key=True),
    _m("time_to_90pct_seats", "months",
       "time to 90 % of seats (90 % of the seats in force filled)", "lower",
       censored=True, event="90 % of seats", key=True),
    _m("time_to_full_team", "months",
       "time to full team (full-team share of seats filled, 95 % by default)", "lower",
       censored=True, event="full team", key=True, precision=True),
    _m("time_to_full_plan", "months",
       "time to final plan staffed (100 % of the final plan's seats filled)",
       "lower", censored=True, event="final plan staffed", compared=True),
    _time_to("time_to_stable_team", "stable team", key=True, precision=True),
    # Transfer readiness and the transfer (botsim/metrics/readiness.py)
    _time_to("time_to_transfer_ready", "transfer-ready", key=True),
    _m("ready_by_planned_month", FLAG, "transfer-ready by the planned month"),
    _m("binding_criterion", TEXT, "readiness criterion furthest from met at the planned month"),
    _m("unmet_<criterion>", FLAG, "criterion not met at the planned month", "lower",
       per="criterion"),
    _m("readiness_at_planned_month", "share", "transfer readiness at the planned month",
       "higher", compared=True),
    _m("transfer_start_month", "months", "transfer start month", compared=True),
    _m("transfer_month", "months", "transfer month", compared=True),
    _m("transfer_censored", FLAG, "transfer planned but not completed within the horizon"),
    _m("headcount_lost_at_transfer", "count", "headcount lost at transfer", "lower",
       compared=True),
    _m("entity_ready_month", "months", "entity ready month"),
    _time_to("time_to_restabilise", "re-stabilise", compared=True),
    # Costs (botsim/metrics/costs.py)
    _m("total_cost_bot", "currency", "total cost, BOT", "lower", compared=True),
    _m("total_cost_outsourcing", "currency", "total cost, outsourcing", "lower", compared=True),
    _m("total_cost_onshore", "currency", "total cost, onshore", "lower", compared=True),
    _m("cost_per_head_month", "currency", "cost per head-month", "lower", compared=True),
    _m("cost_per_effective_fte_month", "currency", "cost per effective FTE-month", "lower",
       compared=True),
    _m("savings_vs_outsourcing", "currency", "savings vs outsourcing", "higher", compared=True),
    _m("savings_vs_onshore", "currency", "savings vs onshore", "higher", compared=True),
    _m("savings_vs_outsourcing_share", "share", "savings vs outsourcing, share of its cost",
       "higher", compared=True),
    _m("savings_vs_onshore_share", "share", "savings vs onshore, share of its cost", "higher",
       compared=True),
    _m("pv_cost_bot", "currency", "present value of the cost, BOT", "lower", compared=True),
    _m("pv_cost_outsourcing", "currency", "present value of the cost, outsourcing", "lower",
       compared=True),
    _m("pv_cost_onshore", "currency", "present value of the cost, onshore", "lower",
       compared=True),
    _m("pv_savings_vs_outsourcing", "currency", "present value of savings vs outsourcing",
       "higher", compared=True),
    _m("pv_savings_vs_onshore", "currency", "present value of savings vs onshore", "higher",
       compared=True),
    _m("break_even_vs_outsourcing", "months", "break-even month vs outsourcing", "lower",
       censored=True, compared=True, event="break-even vs outsourcing"),
    _m("break_even_vs_onshore", "months", "break-even month vs onshore", "lower",
       censored=True, compared=True, event="break-even vs onshore"),
    _m("total_cost__<location>__<role>", "currency", "direct cost of the role", "lower",
       compared=True, per="role"),
    _m("cost_vs_budget__<location>__<role>", "ratio", "direct cost / budget of the role",
       "lower", compared=True, per="budgeted role"),
    _m("cost_vs_budget", "ratio", "direct cost / budget of the budgeted roles", "lower",
       compared=True),
    # People (botsim/metrics/replication.py)
    _m("hires", "count", "hires from outside (agents and external leads)", key=True),
    _m("exits", "count", "exits of agents and leads (promotions excluded)", "lower", key=True),
    _m("exits_<kind>", "count", "exits of agents and leads", "lower", per="exit kind"),
    _m("exits_declined_transfer", "count", "exits: declined to transfer", "lower",
       compared=True),
    _m("exits_layoff", "count", "exits: laid off by a plan reduction (not attrition)", "lower"),
    _m("promotions", "count", "promotions to team lead"),
    *(
        _m(f"exits_tenure_{lo}_{hi}m", "count", f"exits with tenure {lo}-{hi} months", "lower")
        for lo, hi in itertools.pairwise(TENURE_BANDS_MONTHS)
    ),
    _m(f"exits_tenure_{TENURE_BANDS_MONTHS[-1]}m_plus", "count",
       f"exits with tenure {TENURE_BANDS_MONTHS[-1]}+ months", "lower"),
    _m("annual_attrition", "share per year", "annual attrition, agents (layoffs excluded)",
       "lower", key=True),
    _m("annual_attrition_leads", "share per year", "annual attrition, team leads", "lower"),
    _m("annual_attrition_all", "share per year", "annual attrition, all staff (layoffs "
       "excluded)", "lower"),
    _m("annual_attrition_profile_hazards", "share per year",
       "annual attrition, agents, that the profiles' hazards give at the simulated tenures "
       "(no overload or transfer-window multiplier, no declined contracts)", "lower"),
    # Requisitions
    _m("no_shows", "count", "no-shows", "lower"),
    _m("offers_declined", "count", "offers declined", "lower"),
    _m("requisitions_opened", "count", "requisitions opened", "lower"),
    _m("mean_time_to_fill_days", "days", "time to fill", "lower", key=True),
    _m("mean_time_to_start_days", "days", "time to start", "lower"),
    _m("vacancy_days", "days", "seat vacancy", "lower", key=True),
    _m("recruiter_utilisation", "share", "recruiter utilisation", key=True),
    _m("final_headcount", "count", "final headcount", "higher", key=True),
    _m("final_effective_fte", "FTE", "final effective FTE", "higher", key=True),
)  # fmt: skip
"""The summary row of a replication, in the order the replication writes it."""

SERIES: tuple[Metric, ...] = (
    _s("month", "months", "month-end"),
    _s("target", "count", "target headcount"),
    _s("headcount", "count", "headcount (agents)", "higher"),
    _s("effective_fte", "FTE", "effective FTE", "higher"),
    _s("open_requisitions", "count", "open requisitions"),
    _s("searching_requisitions", "count", "requisitions being searched"),
    _s("queued_requisitions", "count", "requisitions waiting for a recruiter", "lower"),
    _s("candidates_in_funnel", "count", "candidates in the funnel"),
    _s("accepted_in_notice", "count", "accepted hires serving notice elsewhere"),
    _s("serving_notice", "count", "agents serving notice", "lower"),
    _s("hires", "count", "agents hired in the month"),
    _s("exits", "count", "agents leaving in the month (promotions to lead included)", "lower"),
    _s("attrition_exits", "count", "agents leaving in the month (promotions excluded)", "lower"),
    _s("headcount__<location>", "count", "headcount (agents)", per="location"),
    _s("target__<location>", "count", "target headcount", per="location"),
    _s("leads", "count", "team leads"),
    _s("agents_per_lead", "count", "agents per team lead"),
    _s("overloaded_roles", "count", "roles whose lead team is over its span of control", "lower"),
    _s("lead_coverage", "share", "lead coverage", "higher"),
    _s("client_capacity", "hours/week", "client management capacity", "higher"),
    _s("client_demand", "hours/week", "client management demand"),
    _s("phase", TEXT, "phase"),
    _s("documentation", "share", "documentation coverage", "higher"),
    _s("stable_month", FLAG, "month-end meets the stability thresholds"),
    _s("entity_ready", FLAG, "entity ready"),
    _s("retention_12m", "share", "12-month retention", "higher"),
    _s("criterion_<criterion>", "share", "readiness criterion", "higher", per="criterion"),
    _s("readiness", "share", "transfer readiness", "higher"),
    _s("cost_salaries", "currency", "salaries", "lower"),
    _s("cost_partner_fee", "currency", "partner fee", "lower"),
    _s("cost_recruiting", "currency", "recruiting fees", "lower"),
    _s("cost_seats", "currency", "seats: facility, IT, licences", "lower"),
    _s("cost_people_support", "currency", "people support: HR, payroll, finance, compliance",
       "lower"),
    _s("cost_governance", "currency", "entity and governance (owned)", "lower"),
    _s("cost_one_off", "currency", "one-off fees: partner set-up, entity set-up", "lower"),
    _s("cost_transfer", "currency", "transfer: buy-out, one-off costs, retention bonuses, "
       "liabilities assumed", "lower"),
    _s("cost_owned_overhead", "currency", "owned: management and travel, other overhead",
       "lower"),
    _s("cost_severance", "currency", "statutory severance of layoffs", "lower"),
    _s("cost_notice_buyout", "currency", "candidate notice bought out", "lower"),
    _s("cost_bot", "currency", "BOT", "lower"),
    _s("cost_outsourcing", "currency", "outsourcing", "lower"),
    _s("cost_onshore", "currency", "onshore", "lower"),
    _s("cumulative_cost_bot", "currency", "cumulative cost, BOT", "lower"),
    _s("monthly_savings_vs_outsourcing", "currency", "savings in the month vs outsourcing",
       "higher"),
    _s("monthly_savings_vs_onshore", "currency", "savings in the month vs onshore", "higher"),
    _s("savings_vs_outsourcing", "currency", "cumulative savings vs outsourcing", "higher"),
    _s("savings_vs_onshore", "currency", "cumulative savings vs onshore", "higher"),
    _s("pv_savings_vs_outsourcing", "currency",
       "cumulative present value of savings vs outsourcing", "higher"),
    _s("pv_savings_vs_onshore", "currency", "cumulative present value of savings vs onshore",
       "higher"),
    _s("cost_direct__<location>__<role>", "currency", "direct cost of the role", "lower",
       per="role"),
)  # fmt: skip
"""The monthly series of a replication (one row per month-end), in the order it is written."""

TABLES: dict[str, tuple[Metric, ...]] = {"summary": SUMMARY, "series": SERIES}

STATISTICS: dict[str, str] = {
    # who and what a row is about
    "group": "scenario or variant",
    "metric": "metric",
    "scenario_a": "A",
    "scenario_b": "B",
    "parameter": "assumption",
    # distribution across replications (aggregates)
    "n": "replications",
    "n_pairs": "paired replications",
    "mean": "mean",
    "sd": "standard deviation",
    "median": "median",
    "p10": "P10",
    "p90": "P90",
    "ci_low": "interval from",
    "ci_high": "interval to",
    "censored": "never reached (censored)",
    # Kaplan-Meier and P(event by month m) (time-to and sweep tables)
    "km_median": "median months (Kaplan-Meier)",
    "km_median_ci_low": "median: interval from",
    "km_median_ci_high": "median: interval to",
    "p_by": "P(event by the month)",
    "p_by_ci_low": "P(event by the month): interval from",
    "p_by_ci_high": "P(event by the month): interval to",
    "month": "month",
    # paired comparisons (compare, sweep contrasts)
    "mean_a": "mean of A",
    "mean_b": "mean of B",
    "diff": "difference A \u2212 B",
    "p_value": "p-value",
    "confidence": "confidence level",
    "comparisons": "comparisons in the family",
    "better_when": "better when",
    "better": "better",
    "significant": "significant",
    "restricted_to_horizon": "restricted to the horizon",
    "reached_a": "share of A reaching it",
    "reached_b": "share of B reaching it",
    # one-at-a-time sensitivity (tornado)
    "base_mean": "mean at base",
    "low_value": "low value",
    "high_value": "high value",
    "low_mean": "mean at low",
    "high_mean": "mean at high",
    "low_effect": "change at low",
    "high_effect": "change at high",
    "low_ci_low": "change at low: interval from",
    "low_ci_high": "change at low: interval to",
    "high_ci_low": "change at high: interval from",
    "high_ci_high": "change at high: interval to",
    "swing": "swing (high \u2212 low)",
}
"""Labels of the columns of the statistics tables built from the summaries (time-to table,
aggregates, paired comparisons, sweep table and contrasts, tornado): the report's table headers.
``p_by_<m>`` (with ``_ci_low`` / ``_ci_high``) is a family: see :func:`statistic_label`."""

_P_BY_MONTH = re.compile(r"p_by_(?P<month>\d+(?:\.\d+)?)(?P<bound>_ci_low|_ci_high)?")


def statistic_label(column: str) -> str:
    """The header of a statistics-table column: its :data:`STATISTICS` label, "P(by month m)"
    for ``p_by_<m>`` (and its interval bounds), else a declared metric's label, else the name
    with spaces (a sweep parameter such as ``team_size``)."""
    if column in STATISTICS:
        return STATISTICS[column]
    match = _P_BY_MONTH.fullmatch(column)
    if match:
        bound = {"_ci_low": ": interval from", "_ci_high": ": interval to"}.get(
            match["bound"] or "", ""
        )
        return f"P(by month {match['month']}){bound}"
    return label(column)


# --------------------------------------------------------------------------- look-ups


def _pattern(metric: Metric) -> re.Pattern[str]:
    """The regular expression of a declared name: exact for a metric, with one named group per
    placeholder for a family (criteria and exit kinds from their vocabularies)."""
    text = re.escape(metric.name)
    groups = {
        "<location>": r"(?P<location>.+?)",
        "<role>": r"(?P<role>.+)",
        "<criterion>": "(?P<criterion>" + "|".join(map(re.escape, CRITERIA)) + ")",
        "<kind>": "(?P<kind>" + "|".join(map(re.escape, EXIT_KINDS)) + ")",
    }
    for placeholder, group in groups.items():
        text = text.replace(re.escape(placeholder), group)
    return re.compile(text)


_PATTERNS = {table: [(m, _pattern(m)) for m in metrics] for table, metrics in TABLES.items()}


def lookup(column: str, table: Table = "summary") -> Metric | None:
    """The declaration of a column of ``table``: the metric of that name, else the family whose
    pattern it fits (a family is also found by its pattern); ``None`` for a censoring flag, a
    key column or an unknown column."""
    for metric, _ in _PATTERNS[table]:
        if metric.name == column:  # a metric, or a family by its pattern
            return metric
    for metric, pattern in _PATTERNS[table]:
        if metric.is_family and pattern.fullmatch(column):
            return metric
    return None


def metric(name: str, table: Table = "summary") -> Metric:
    """The declaration of ``name`` (``KeyError`` naming the table when it is not declared)."""
    found = lookup(name, table)
    if found is None:
        raise KeyError(f"{name!r} is not a declared {table} column (botsim/metrics/catalogue.py)")
    return found


def censored_metric(column: str) -> Metric | None:
    """The censored time-to-event metric of ``column``, or ``None`` when it is not one."""
    found = lookup(column)
    return found if found is not None and found.censored else None


def is_censoring_flag(column: str) -> bool:
    """Whether ``column`` is the ``_censored`` flag of a declared time-to-event metric."""
    return column in _FLAGS


_FLAGS = frozenset(m.flag for m in SUMMARY if m.censored)


def has_flag(summary: Iterable[str], metric_name: str) -> bool:
    """Whether a summary table with these columns holds ``metric_name`` as a censored
    time-to-event: the metric is declared censored and both it and its flag are present."""
    found = censored_metric(metric_name)
    names = set(summary)
    return found is not None and metric_name in names and found.flag in names


def label(column: str, table: Table = "summary") -> str:
    """Plain-English label of a column (an undeclared column: its name with spaces)."""
    found = lookup(column, table)
    return found.member_label(column) if found else column.replace("_", " ")


def event(column: str) -> str:
    """What a time-to metric waits for ("full team"), else its label."""
    found = lookup(column)
    return found.event if found and found.event else label(column)


def direction(column: str, table: Table = "summary") -> Direction:
    """'lower' or 'higher' when one is plainly better for a strategist, else None."""
    found = lookup(column, table)
    return found.direction if found else None


def key_metric_names() -> tuple[str, ...]:
    """The key metrics, in the order they are shown."""
    return tuple(m.name for m in SUMMARY if m.key)


def precision_defaults() -> tuple[str, ...]:
    """The default targets of ``--precision``."""
    return tuple(m.name for m in SUMMARY if m.precision)


def time_to_names() -> tuple[str, ...]:
    """The censored time-to-event metrics, in declaration order."""
    return tuple(m.name for m in SUMMARY if m.censored)


# --------------------------------------------------------------------------- a scenario's columns


def _members(metric: Metric, scenario: Scenario) -> list[str]:
    """The columns a family gives ``scenario`` (a plain metric: itself)."""
    if metric.per in ("role", "budgeted role"):
        roles = [
            r for r in scenario.roles if metric.per == "role" or r.budget_per_month is not None
        ]
        return list(dict.fromkeys(metric.column(location=r.location, role=r.name) for r in roles))
    if metric.per == "location":
        # One location: the team totals are the location's; the split columns are left out.
        locations = scenario.locations if len(scenario.locations) > 1 else []
        return [metric.column(location=loc.name) for loc in locations]
    if metric.per == "criterion":
        return [metric.column(criterion=c) for c in CRITERIA]
    if metric.per == "exit kind":
        return [metric.column(kind=k) for k in EXIT_KINDS]
    return [metric.name]


def columns(scenario: Scenario, table: Table = "summary") -> list[str]:
    """Every column ``table`` has for ``scenario``, censoring flags included (after their
    metric), families expanded; without the ``replication`` key column."""
    out: list[str] = []
    for metric in TABLES[table]:
        for name in _members(metric, scenario):
            out.append(name)
            if metric.censored:
                out.append(name + CENSORED_SUFFIX)
    return out


def numeric_summary_metrics(scenario: Scenario) -> list[str]:
    """The summary metrics of ``scenario`` that are numbers (not flags or names)."""
    return [name for m in SUMMARY if m.numeric for name in _members(m, scenario)]


# --------------------------------------------------------------------------- docs


def reference_markdown() -> str:
    """``docs/metrics.md``: one table per kind of table, generated from the declarations."""

    def rows(metrics: tuple[Metric, ...]) -> list[str]:
        out = ["| Column | Unit | Meaning | Better | Censored | Key |", "|---|---|---|---|---|---|"]
        for m in metrics:
            per = f" (one per {m.per})" if m.per else ""
            out.append(
                f"| `{m.name}` | {m.unit} | {m.label}{per} | {m.direction or ''} | "
                f"{'yes' if m.censored else ''} | {'yes' if m.key else ''} |"
            )
        return out

    places = "\n".join(f"* `{p}`: {what}" for p, what in PLACEHOLDERS.items())
    return "\n".join(
        [
            "# Metric catalogue",
            "",
            "<!-- Generated from botsim/metrics/catalogue.py by "
            "`python -m botsim.metrics.catalogue`; "
            "tests/unit/test_docs.py checks it is up to date. -->",
            "",
            "Every column of `summary.parquet` (one row per replication) and "
            "`timeseries.parquet` (one row per replication and month-end), declared once in "
            '`botsim/metrics/catalogue.py`. Definitions are in [model.md](model.md), "Metrics".',
            "",
            "A **censored** time-to-event metric `m` comes with the flag `m_censored`: true "
            "when the event did not happen within the horizon (the value is then empty). "
            "**Key** metrics come first in the console, the report and comparisons. "
            "**Better** is the direction a comparison calls better. Names with placeholders "
            "are families, one column each:",
            "",
            places,
            "",
            "Money is in the scenario's currency (`costs.currency`); months are 30.4375 days.",
            "",
            "## Summary (per replication)",
            "",
            *rows(SUMMARY),
            "",
            "## Monthly series (per month-end)",
            "",
            *rows(SERIES),
            "",
            *_drivers_tables_markdown(),
        ]
    )


DRIVER_METRICS = (
    "time_to_full_team",
    "time_to_stable_team",
    "time_to_transfer_ready",
    "total_cost_bot",
    "pv_cost_bot",
)
"""Key metrics whose drivers a run shows, one tornado each (``drivers.parquet``,
:mod:`botsim.experiment.drivers`)."""

COST_DRIVER_METRICS = ("total_cost_bot", "pv_cost_bot")
"""The cost answer of a comparison: total cost and its present value over the horizon; the
cost drivers table (``cost_drivers.parquet``) holds their paired difference A - B per
replication under these names."""

DRIVERS_TABLES = ("drivers.parquet", "cost_drivers.parquet")
"""The file names of those two tables (declared here for the docs; :mod:`botsim.experiment.drivers`
writes them under these names)."""


def _drivers_tables_markdown() -> list[str]:
    """The drivers tables, which reuse summary column names: what those columns hold there."""
    DRIVERS_FILE, COST_DRIVERS_FILE = DRIVERS_TABLES

    def names(metrics: tuple[str, ...]) -> str:
        return ", ".join(f"`{m}`" for m in metrics)

    return [
        "## Drivers tables (the same names, other rows)",
        "",
        "Both have one row per variant and replication: `point` (0 is the base), `label`, "
        "`varied` (the assumption changed, empty for the base), `level` (`base`, `low` or "
        "`high`), `replication`, the metric columns below, and one column per assumption "
        'holding its value in that variant. Method: [model.md](model.md), "What drives this '
        'answer" and "Which terms decide".',
        "",
        f"* `{DRIVERS_FILE}` (`botsim run`): {names(DRIVER_METRICS)} (the times with their "
        "`_censored` flags), **as defined above**, for the run's scenario with one "
        "assumption changed.",
        f"* `{COST_DRIVERS_FILE}` (`botsim compare`): {names(COST_DRIVER_METRICS)} hold the "
        "**paired difference A - B** of the first two scenarios (same replication, same "
        "random streams), not either scenario's own cost; negative means A is cheaper.",
        "",
    ]


if __name__ == "__main__":  # python -m botsim.metrics.catalogue: rewrite docs/metrics.md
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
    path.write_text(reference_markdown(), encoding="utf-8")
    print(f"wrote {path}")
