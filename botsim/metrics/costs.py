"""Monthly cost ledger of the BOT engagement and its counterfactuals (brief mechanism 8).

Pure functions of the employee table, the milestone records and the lifecycle marks. Month m is the
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

from botsim.inputs.caching import by_identity
from botsim.inputs.scenario import DAYS_PER_MONTH, Scenario
from botsim.metrics.intervals import month_grid
from botsim.model.records import ENTITY_SETUP_STARTED, EmployeeTable, Event


def days_in_months(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Days each interval [start, end) overlaps each month (rows: intervals, cols: months)."""
    return _days_in_months_by_end(start, end[None], edges)[0]


def _days_in_months_by_end(start: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``days_in_months(start, end, edges)`` for each row ``end`` of ``ends``, stacked."""
    days = np.minimum(ends[:, :, None], edges[1:])
    days -= np.maximum(start[:, None], edges[:-1])
    return np.maximum(days, 0.0, out=days)


_COLUMNS_PER_ROLE = 2
"""Rate table columns per role: its agents' rates (column 2 r) and its team leads' (2 r + 1)."""

_OFFSHORE, _HEAD, _ONSHORE = _RATE_ROWS = range(3)
"""Rows of a rate table, amounts per month: offshore loaded cost, one head, onshore cost."""


@by_identity()
def _rate_table(scenario: Scenario) -> np.ndarray:
    """Amounts per month (rows _RATE_ROWS) of each (role, is_lead) column (read-only; once
    per scenario: every replication asks again)."""
    fx = scenario.costs.exchange_rate
    onshore_costs = scenario.costs.onshore_monthly_cost
    lead_family = scenario.management.lead_family if scenario.management else None
    table = np.zeros((len(_RATE_ROWS), _COLUMNS_PER_ROLE * len(scenario.roles)))
    table[_HEAD] = 1.0
    for r, role in enumerate(scenario.roles):
        loc = scenario.location(role.location)
        for is_lead in (0, 1):
            family = lead_family if is_lead and lead_family else role.role_family
            column = _COLUMNS_PER_ROLE * r + is_lead
            table[_OFFSHORE, column] = loc.loaded_monthly_cost[family] * fx
            table[_ONSHORE, column] = onshore_costs.get(family, math.nan)
    table.flags.writeable = False
    return table


def _employee_rates(scenario: Scenario, emp: EmployeeTable) -> np.ndarray:
    """Rates (rows _RATE_ROWS) of each employee (columns)."""
    # Rates per (role, is_lead), looked up once per scenario; employees index into them.
    column = (emp.role * _COLUMNS_PER_ROLE + emp.is_lead).astype(np.intp, copy=False)
    return _rate_table(scenario).take(column, axis=1)


def break_even(savings: np.ndarray, months: np.ndarray) -> float:
    """First month from which cumulative savings stay >= 0 to the horizon (NaN if never)."""
    if len(savings) == 0 or savings[-1] < 0:
        return math.nan
    negative = (savings < 0).nonzero()[0]
    return float(months[0] if len(negative) == 0 else months[negative[-1] + 1])


_OUTSIDE_SLOTS = 2
"""Month slots beyond the horizon's months: before month 1 and after the last month."""


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
    """Add the monthly cost columns to ``series`` and return the cost summary values.

    ``emp`` is every employee (agents and leads); ``events`` the records, of which only the
    entity set-up starts are read (the milestones of :func:`botsim.model.records.tables` suffice).
    """
    c = scenario.costs
    months = series["month"]
    n_months = len(months)
    edges = month_grid(n_months)[2]  # day 0 and the month-ends (series months are 1..n)
    rates = _employee_rates(scenario, emp)
    # Days worked in each month, first all of them, then the partner's (before the transfer
    # completes): rows of one (ends, employees, months) table, summed in one go. Never
    # transferred, every day is a partner day: one row serves as both.
    partner_only = transfer_done == math.inf
    ends = emp.exit[None] if partner_only else np.minimum(emp.exit, [[math.inf], [transfer_done]])
    work_days = _days_in_months_by_end(emp.start, ends, edges)
    days, partner_days = work_days[0], work_days[-1]
    # Amount-days (ends, rate rows, employees, months) and their monthly totals.
    amount_days = work_days[:, None] * rates[None, :, :, None]
    monthly = np.add.reduce(amount_days, axis=2)
    monthly /= DAYS_PER_MONTH
    salaries, head_months, onshore_cost = monthly[0, 0], monthly[0, 1], monthly[0, 2]
    partner_salaries, partner_head_months = monthly[-1, _OFFSHORE], monthly[-1, _HEAD]
    if c.partner_fee_model == "markup":
        partner_fee = c.partner_markup * partner_salaries
    else:
        partner_fee = c.partner_fee_per_fte_month * partner_head_months

    # Hires from outside (promotions to lead have no requisition), in hire order.
    outside = emp.requisition >= 0
    hire_day, hire_role = emp.start[outside], emp.role[outside]
    setups = [ev for ev in events if ev[1] == ENTITY_SETUP_STARTED]
    # Slot of each hire's month: 1..n_months, with 0 before month 1 and n_months + 1 after
    # the horizon (fees there are left out).
    hire_slot = np.searchsorted(edges, hire_day, side="left")
    hire_fee = np.where(
        hire_day < transfer_done, c.recruiting_fee_per_hire, c.owned_recruiting_cost_per_hire
    )
    # Summed one hire at a time, in event order, onto zeros: bincount adds exactly as
    # np.add.at onto zeros would, at a fraction of the cost (but counts in integers when
    # there is nothing to add).
    n_slots = n_months + _OUTSIDE_SLOTS
    recruiting_slots = (
        np.bincount(hire_slot, hire_fee, n_slots) if len(hire_slot) else np.zeros(n_slots)
    )
    recruiting = recruiting_slots[1:-1]

    one_off = np.zeros(n_months)
    one_off[0] += c.build_setup_fee
    for ev in setups:
        m = _month_index(edges, ev.day)
        loc = scenario.locations[ev.subject]
        one_off[max(m, 0)] += loc.entity.setup_cost * c.exchange_rate
    if math.isfinite(transfer_done):
        m = _month_index(edges, transfer_done)
        if 0 <= m < n_months:
            one_off[max(m, 0)] += c.transfer_fee

    if partner_only:  # nothing owned: no share of any month, no owned heads
        owned = np.zeros(n_months)
    else:
        owned_share = edges[1:] - np.maximum(edges[:-1], transfer_done)
        owned_share /= DAYS_PER_MONTH
        np.minimum(np.maximum(owned_share, 0.0, out=owned_share), 1.0, out=owned_share)
        owned = c.owned_overhead_per_month * owned_share + (
            c.owned_overhead_per_employee_month * (head_months - partner_head_months)
        )
    bot = salaries + partner_fee + recruiting + one_off + owned
    outsourcing = salaries * (1.0 + c.outsourcing_markup)
    cumulative_bot = np.add.accumulate(bot)
    save_out = np.add.accumulate(outsourcing) - cumulative_bot
    save_on = np.add.accumulate(onshore_cost) - cumulative_bot
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
    fte_months = float(np.add.reduce(series["effective_fte"]))
    heads_total = float(np.add.reduce(head_months))
    total_bot = float(np.add.reduce(bot))
    be_out, be_on = break_even(save_out, months), break_even(save_on, months)
    summary: dict[str, Any] = {
        "total_cost_bot": total_bot,
        "total_cost_outsourcing": float(np.add.reduce(outsourcing)),
        "total_cost_onshore": float(np.add.reduce(onshore_cost)),
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
            None if partner_only else partner_days,
            rates[_OFFSHORE],
            amount_days[0, _OFFSHORE],
            (hire_role, hire_slot, hire_fee),
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
    partner_days: np.ndarray | None,
    offshore: np.ndarray,
    salary_days: np.ndarray,
    hires: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> dict[str, Any]:
    """Direct monthly cost of each role (its staff's salaries, partner fee and per-employee
    owned overhead, plus its hires' recruiting fees) and plan-versus-actual per role.

    Fixed costs (set-up, entity, transfer fee, fixed owned overhead) belong to no role, so the
    roles' direct costs plus those fixed costs add up to the BOT total. ``salary_days`` is
    ``days * offshore``; ``partner_days`` is None when every day is a partner day (never
    transferred); ``hires`` holds the role, month slot (see ``cost_ledger``) and fee of each
    hire, in event order.
    """
    c = scenario.costs
    roles = scenario.roles
    n_months = len(series["month"])
    fee_days = days if partner_days is None else partner_days
    if c.partner_fee_model == "markup":
        direct_by_employee = c.partner_markup * fee_days * offshore[:, None]
    else:
        direct_by_employee = c.partner_fee_per_fte_month * fee_days
    direct_by_employee += salary_days  # fee + salary: addition commutes exactly
    # Per-employee owned overhead on owned days; never transferred it is +0.0 everywhere, and
    # adding +0.0 to the non-negative amounts changes nothing, so it is left out.
    if partner_days is not None:
        direct_by_employee += c.owned_overhead_per_employee_month * (days - partner_days)
    direct_by_employee /= DAYS_PER_MONTH
    slots = n_months + _OUTSIDE_SLOTS
    direct_by_role_slots = np.zeros((len(roles), slots))
    direct_by_role = direct_by_role_slots[:, 1:-1]
    for r, direct in enumerate(direct_by_role):
        in_role = True if len(roles) == 1 else (emp.role == r)[:, None]  # one role: everyone
        np.add.reduce(direct_by_employee, axis=0, where=in_role, out=direct)
    # Recruiting fees onto each role's row, one hire at a time in event order.
    hire_role, hire_slot, hire_fee = hires
    np.add.at(direct_by_role_slots.reshape(-1), hire_role * slots + hire_slot, hire_fee)
    out: dict[str, Any] = {}
    actual_budgeted = planned = 0.0
    for role, direct in zip(roles, direct_by_role, strict=True):
        total = float(np.add.reduce(direct))
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
