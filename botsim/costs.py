"""Monthly cost ledger of the BOT engagement and its counterfactuals (brief mechanism 8).

Pure functions of the employee table, the hire events and the lifecycle marks. Month m is the
interval ((m-1) D, m D] with D = DAYS_PER_MONTH; amounts are in the scenario currency
(profile costs are USD, multiplied by ``costs.exchange_rate``). Equations (docs/model.md,
"Costs"):

* salaries_m      = sum_i  days_i,m / D * c(location_i, family_i)           (vacant seats cost 0)
* partner fee_m   = markup * salaries before transfer     (or fee_per_fte * heads-months)
* recruiting_m    = hires before transfer * partner fee/hire + hires after * own cost/hire
* one-off_m       = build set-up (month 1) + entity set-up (month it starts) + transfer fee
* owned_m         = (fixed overhead + per-employee overhead * heads) * share of month owned
* BOT_m           = salaries + partner fee + recruiting + one-off + owned
* outsourcing_m   = salaries * (1 + outsourcing_markup)       (same simulated team)
* onshore_m       = sum_i days_i,m / D * onshore cost(family_i) (same simulated team)

Cumulative savings S_m = cum(alternative) - cum(BOT). Break-even month: the first month from
which S stays >= 0 until the horizon; censored (NaN + flag) when S at the horizon is < 0.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np

from botsim.records import ENTITY_SETUP_STARTED, HIRED, EmployeeTable, Event
from botsim.scenario import DAYS_PER_MONTH, Scenario


def _month_bounds(
    start: np.ndarray, end: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Later of start and month start, earlier of end and month end (intervals x months)."""
    return np.maximum(start[:, None], edges[None, :-1]), np.minimum(end[:, None], edges[None, 1:])


def _overlap(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Days between lo and hi, 0 when hi <= lo (a new array)."""
    days = np.subtract(hi, lo)
    return np.maximum(days, 0.0, out=days)


def days_in_months(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Days each interval [start, end) overlaps each month (rows: intervals, cols: months)."""
    return _overlap(*_month_bounds(start, end, edges))


_RATE_COLUMNS = 2
"""Columns of a rate table row: offshore loaded cost, onshore cost (scenario currency)."""

_RATE_TABLES: dict[int, tuple[Scenario, np.ndarray]] = {}
"""Rates per (role, is_lead) by identity of the (frozen) scenario: every replication asks
again. An entry holds its scenario, so the id is not reused while it is cached."""


def _rate_table(scenario: Scenario) -> np.ndarray:
    """Rates of role r, lead or not, at row ``2 r + is_lead`` (read-only)."""
    cached = _RATE_TABLES.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    fx = scenario.costs.exchange_rate
    onshore_costs = scenario.costs.onshore_monthly_cost
    lead_family = scenario.management.lead_family if scenario.management else None
    table = np.zeros((len(scenario.roles), 2, _RATE_COLUMNS))
    for r, role in enumerate(scenario.roles):
        loc = scenario.location(role.location)
        for is_lead in (0, 1):
            family = lead_family if is_lead and lead_family else role.role_family
            table[r, is_lead] = (
                loc.loaded_monthly_cost[family] * fx,
                onshore_costs.get(family, math.nan),
            )
    table = table.reshape(-1, _RATE_COLUMNS)
    table.flags.writeable = False
    if len(_RATE_TABLES) >= 64:
        _RATE_TABLES.clear()
    _RATE_TABLES[id(scenario)] = (scenario, table)
    return table


def monthly_rates(scenario: Scenario, emp: EmployeeTable) -> tuple[np.ndarray, np.ndarray]:
    """Offshore loaded cost and onshore cost per month of each employee (scenario currency)."""
    # Rates per (role, is_lead), looked up once per scenario; employees index into them.
    rates = _rate_table(scenario)[(emp.role * 2 + emp.is_lead).astype(int, copy=False)]
    return rates[:, 0], rates[:, 1]


def break_even(savings: np.ndarray, months: np.ndarray) -> float:
    """First month from which cumulative savings stay >= 0 to the horizon (NaN if never)."""
    if len(savings) == 0 or savings[-1] < 0:
        return math.nan
    negative = np.flatnonzero(savings < 0)
    return float(months[0] if len(negative) == 0 else months[negative[-1] + 1])


def _ledger_events(events: list[Event]) -> tuple[np.ndarray, np.ndarray, list[Event]]:
    """Day and role of each hire from outside (promotions have no requisition, value < 0),
    and the entity set-up starts, in one pass over the records."""
    hires: list[Event] = []
    setups: list[Event] = []
    for ev in events:
        kind = ev[1]  # indexing the tuple is cheaper than NamedTuple attribute access
        if kind == HIRED:
            if ev[5] >= 0:
                hires.append(ev)
        elif kind == ENTITY_SETUP_STARTED:
            setups.append(ev)
    day = np.array([ev[0] for ev in hires], dtype=float)
    role = np.array([ev[3] for ev in hires], dtype=np.intp)
    return day, role, setups


def _month_index(edges: np.ndarray, day: float) -> int:
    """Index (0-based) of the month (edges[i], edges[i+1]] holding ``day``."""
    return bisect.bisect_left(edges, day) - 1


def cost_ledger(
    scenario: Scenario,
    events: list[Event],
    emp: EmployeeTable,
    series: dict[str, np.ndarray],
    transfer_done: float,
) -> dict[str, Any]:
    """Add the monthly cost columns to ``series`` and return the cost summary values."""
    c = scenario.costs
    months = series["month"]
    n_months = len(months)
    edges = np.concatenate([[0.0], months * DAYS_PER_MONTH])
    offshore, onshore = monthly_rates(scenario, emp)
    transferred = math.isfinite(transfer_done)
    lo, hi = _month_bounds(emp.start, emp.exit, edges)
    days = _overlap(lo, hi)
    # Before the transfer every day is a partner day (the same array).
    partner_days = _overlap(lo, np.minimum(hi, transfer_done)) if transferred else days
    salary_days = days * offshore[:, None]
    salaries = salary_days.sum(axis=0) / DAYS_PER_MONTH
    head_months = days.sum(axis=0) / DAYS_PER_MONTH
    if transferred:
        partner_salaries = (partner_days * offshore[:, None]).sum(axis=0) / DAYS_PER_MONTH
        partner_head_months = partner_days.sum(axis=0) / DAYS_PER_MONTH
    else:
        partner_salaries, partner_head_months = salaries, head_months
    if c.partner_fee_model == "markup":
        partner_fee = c.partner_markup * partner_salaries
    else:
        partner_fee = c.partner_fee_per_fte_month * partner_head_months

    hire_day, hire_role, setups = _ledger_events(events)
    hire_month = np.searchsorted(edges, hire_day, side="left") - 1
    counted = (hire_month >= 0) & (hire_month < n_months)
    hire_month, hire_role = hire_month[counted], hire_role[counted]
    hire_fee = np.where(
        hire_day[counted] < transfer_done,
        c.recruiting_fee_per_hire,
        c.owned_recruiting_cost_per_hire,
    )
    recruiting = np.zeros(n_months)
    np.add.at(recruiting, hire_month, hire_fee)  # one hire at a time, in event order

    one_off = np.zeros(n_months)
    one_off[0] += c.build_setup_fee
    for ev in setups:
        m = _month_index(edges, ev.day)
        loc = scenario.locations[ev.subject]
        one_off[max(m, 0)] += loc.entity.setup_cost * c.exchange_rate
    if transferred:
        m = _month_index(edges, transfer_done)
        if 0 <= m < n_months:
            one_off[max(m, 0)] += c.transfer_fee

    owned_share = np.clip(
        (edges[1:] - np.maximum(edges[:-1], transfer_done)) / DAYS_PER_MONTH, 0, 1
    )
    owned = c.owned_overhead_per_month * owned_share + c.owned_overhead_per_employee_month * (
        head_months - partner_head_months
    )
    bot = salaries + partner_fee + recruiting + one_off + owned
    outsourcing = salaries * (1.0 + c.outsourcing_markup)
    onshore_cost = (days * onshore[:, None]).sum(axis=0) / DAYS_PER_MONTH
    cumulative_bot = np.cumsum(bot)
    save_out = np.cumsum(outsourcing) - cumulative_bot
    save_on = np.cumsum(onshore_cost) - cumulative_bot
    series.update(
        {
            "cost_salaries": salaries,
            "cost_partner_fee": partner_fee,
            "cost_recruiting": recruiting,
            "cost_one_off": one_off,
            "cost_owned_overhead": owned,
            "cost_bot": bot,
            "cost_outsourcing": outsourcing,
            "cost_onshore": onshore_cost,
            "cumulative_cost_bot": cumulative_bot,
            "savings_vs_outsourcing": save_out,
            "savings_vs_onshore": save_on,
        }
    )
    fte_months = float(np.sum(series["effective_fte"]))
    heads_total = float(head_months.sum())
    total_bot = float(bot.sum())
    be_out, be_on = break_even(save_out, months), break_even(save_on, months)
    summary: dict[str, Any] = {
        "total_cost_bot": total_bot,
        "total_cost_outsourcing": float(outsourcing.sum()),
        "total_cost_onshore": float(onshore_cost.sum()),
        "cost_per_head_month": total_bot / heads_total if heads_total else math.nan,
        "cost_per_effective_fte_month": total_bot / fte_months if fte_months else math.nan,
        "savings_vs_outsourcing": float(save_out[-1]),
        "savings_vs_onshore": float(save_on[-1]),
        "break_even_vs_outsourcing": be_out,
        "break_even_vs_outsourcing_censored": math.isnan(be_out),
        "break_even_vs_onshore": be_on,
        "break_even_vs_onshore_censored": math.isnan(be_on),
    }
    summary.update(
        _role_ledger(
            scenario,
            emp,
            series,
            days,
            partner_days,
            offshore,
            salary_days,
            (hire_role, hire_month, hire_fee),
        )
    )
    return summary


def role_column(prefix: str, location: str, role: str) -> str:
    """Column name of a per-role cost: ``<prefix>__<location>__<role>``."""
    return f"{prefix}__{location}__{role}"


def _role_ledger(
    scenario: Scenario,
    emp: EmployeeTable,
    series: dict[str, np.ndarray],
    days: np.ndarray,
    partner_days: np.ndarray,
    offshore: np.ndarray,
    salary_days: np.ndarray,
    hires: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> dict[str, Any]:
    """Direct monthly cost of each role (its staff's salaries, partner fee and per-employee
    owned overhead, plus its hires' recruiting fees) and plan-versus-actual per role.

    Fixed costs (set-up, entity, transfer fee, fixed owned overhead) belong to no role, so the
    roles' direct costs plus those fixed costs add up to the BOT total. ``salary_days`` is
    ``days * offshore``; ``hires`` holds the role, month index and fee of each hire within
    the horizon, in event order.
    """
    c = scenario.costs
    n_months = len(series["month"])
    if c.partner_fee_model == "markup":
        fee = c.partner_markup * partner_days * offshore[:, None]
    else:
        fee = c.partner_fee_per_fte_month * partner_days
    direct_by_employee = (
        salary_days + fee + c.owned_overhead_per_employee_month * (days - partner_days)
    ) / DAYS_PER_MONTH
    direct_by_role = np.zeros((len(scenario.roles), n_months))
    np.add.at(direct_by_role, emp.role, direct_by_employee)
    # Recruiting fees onto each role's salaries, one hire at a time in event order.
    hire_role, hire_month, hire_fee = hires
    np.add.at(direct_by_role, (hire_role, hire_month), hire_fee)
    out: dict[str, Any] = {}
    actual_budgeted = planned = 0.0
    for role, direct in zip(scenario.roles, direct_by_role, strict=True):
        total = float(direct.sum())
        series[role_column("cost_direct", role.location, role.name)] = direct
        out[role_column("total_cost", role.location, role.name)] = total
        if role.budget_per_month is not None:
            budget = role.budget_per_month * n_months
            out[role_column("cost_vs_budget", role.location, role.name)] = (
                total / budget if budget > 0 else math.nan
            )
            actual_budgeted += total
            planned += budget
    out["cost_vs_budget"] = actual_budgeted / planned if planned > 0 else math.nan
    return out
