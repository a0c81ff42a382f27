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

import math
from typing import Any

import numpy as np

from botsim.records import ENTITY_SETUP_STARTED, HIRED, EmployeeTable, Event
from botsim.scenario import DAYS_PER_MONTH, Scenario


def days_in_months(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Days each interval [start, end) overlaps each month (rows: intervals, cols: months)."""
    lo = np.maximum(start[:, None], edges[None, :-1])
    hi = np.minimum(end[:, None], edges[None, 1:])
    return np.clip(hi - lo, 0.0, None)


def monthly_rates(scenario: Scenario, emp: EmployeeTable) -> tuple[np.ndarray, np.ndarray]:
    """Offshore loaded cost and onshore cost per month of each employee (scenario currency)."""
    fx = scenario.costs.exchange_rate
    onshore_costs = scenario.costs.onshore_monthly_cost
    lead_family = scenario.management.lead_family if scenario.management else None
    # Rates per (role, is_lead), looked up once; employees index into them.
    table = np.zeros((len(scenario.roles), 2, 2))
    for r, role in enumerate(scenario.roles):
        loc = scenario.location(role.location)
        for is_lead in (0, 1):
            family = lead_family if is_lead and lead_family else role.role_family
            table[r, is_lead] = (
                loc.loaded_monthly_cost[family] * fx,
                onshore_costs.get(family, math.nan),
            )
    rates = table[emp.role.astype(int), emp.is_lead.astype(int)]
    return rates[:, 0], rates[:, 1]


def break_even(savings: np.ndarray, months: np.ndarray) -> float:
    """First month from which cumulative savings stay >= 0 to the horizon (NaN if never)."""
    if len(savings) == 0 or savings[-1] < 0:
        return math.nan
    negative = np.flatnonzero(savings < 0)
    return float(months[0] if len(negative) == 0 else months[negative[-1] + 1])


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
    edges = np.concatenate([[0.0], months * DAYS_PER_MONTH])
    offshore, onshore = monthly_rates(scenario, emp)
    days = days_in_months(emp.start, emp.exit, edges)
    partner_days = days_in_months(emp.start, np.minimum(emp.exit, transfer_done), edges)
    salaries = (days * offshore[:, None]).sum(axis=0) / DAYS_PER_MONTH
    partner_salaries = (partner_days * offshore[:, None]).sum(axis=0) / DAYS_PER_MONTH
    head_months = days.sum(axis=0) / DAYS_PER_MONTH
    partner_head_months = partner_days.sum(axis=0) / DAYS_PER_MONTH
    if c.partner_fee_model == "markup":
        partner_fee = c.partner_markup * partner_salaries
    else:
        partner_fee = c.partner_fee_per_fte_month * partner_head_months

    hire_days = np.array([ev.day for ev in events if ev.kind == HIRED and ev.value >= 0])
    month_of = np.searchsorted(edges, hire_days, side="left") - 1
    recruiting = np.zeros(len(months))
    for day, m in zip(hire_days, month_of):
        if 0 <= m < len(months):
            recruiting[m] += (
                c.recruiting_fee_per_hire
                if day < transfer_done
                else c.owned_recruiting_cost_per_hire
            )

    one_off = np.zeros(len(months))
    one_off[0] += c.build_setup_fee
    for ev in events:
        if ev.kind == ENTITY_SETUP_STARTED:
            m = int(np.searchsorted(edges, ev.day, side="left")) - 1
            loc = scenario.locations[ev.subject]
            one_off[max(m, 0)] += loc.entity.setup_cost * c.exchange_rate
    if math.isfinite(transfer_done):
        m = int(np.searchsorted(edges, transfer_done, side="left")) - 1
        if 0 <= m < len(months):
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
    save_out = np.cumsum(outsourcing) - np.cumsum(bot)
    save_on = np.cumsum(onshore_cost) - np.cumsum(bot)
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
            "cumulative_cost_bot": np.cumsum(bot),
            "savings_vs_outsourcing": save_out,
            "savings_vs_onshore": save_on,
        }
    )
    fte_months = float(np.sum(series["effective_fte"]))
    heads_total = float(head_months.sum())
    be_out, be_on = break_even(save_out, months), break_even(save_on, months)
    summary: dict[str, Any] = {
        "total_cost_bot": float(bot.sum()),
        "total_cost_outsourcing": float(outsourcing.sum()),
        "total_cost_onshore": float(onshore_cost.sum()),
        "cost_per_head_month": float(bot.sum()) / heads_total if heads_total else math.nan,
        "cost_per_effective_fte_month": float(bot.sum()) / fte_months if fte_months else math.nan,
        "savings_vs_outsourcing": float(save_out[-1]),
        "savings_vs_onshore": float(save_on[-1]),
        "break_even_vs_outsourcing": be_out,
        "break_even_vs_outsourcing_censored": math.isnan(be_out),
        "break_even_vs_onshore": be_on,
        "break_even_vs_onshore_censored": math.isnan(be_on),
    }
    summary.update(
        _role_ledger(scenario, events, emp, series, transfer_done, days, partner_days, offshore)
    )
    return summary


def role_column(prefix: str, location: str, role: str) -> str:
    """Column name of a per-role cost: ``<prefix>__<location>__<role>``."""
    return f"{prefix}__{location}__{role}"


def _role_ledger(
    scenario: Scenario,
    events: list[Event],
    emp: EmployeeTable,
    series: dict[str, np.ndarray],
    transfer_done: float,
    days: np.ndarray,
    partner_days: np.ndarray,
    offshore: np.ndarray,
) -> dict[str, Any]:
    """Direct monthly cost of each role (its staff's salaries, partner fee and per-employee
    owned overhead, plus its hires' recruiting fees) and plan-versus-actual per role.

    Fixed costs (set-up, entity, transfer fee, fixed owned overhead) belong to no role, so the
    roles' direct costs plus those fixed costs add up to the BOT total.
    """
    c = scenario.costs
    months = series["month"]
    edges = np.concatenate([[0.0], months * DAYS_PER_MONTH])
    if c.partner_fee_model == "markup":
        fee = c.partner_markup * partner_days * offshore[:, None]
    else:
        fee = c.partner_fee_per_fte_month * partner_days
    direct_by_employee = (
        days * offshore[:, None] + fee + c.owned_overhead_per_employee_month * (days - partner_days)
    ) / DAYS_PER_MONTH
    out: dict[str, Any] = {}
    actual_budgeted = planned = 0.0
    for r, role in enumerate(scenario.roles):
        direct = direct_by_employee[emp.role == r].sum(axis=0)
        for ev in events:
            if ev.kind == HIRED and ev.value >= 0 and ev.role == r:
                m = int(np.searchsorted(edges, ev.day, side="left")) - 1
                if 0 <= m < len(months):
                    partner = ev.day < transfer_done
                    direct[m] += (
                        c.recruiting_fee_per_hire if partner else c.owned_recruiting_cost_per_hire
                    )
        series[role_column("cost_direct", role.location, role.name)] = direct
        out[role_column("total_cost", role.location, role.name)] = float(direct.sum())
        if role.budget_per_month is not None:
            budget = role.budget_per_month * len(months)
            out[role_column("cost_vs_budget", role.location, role.name)] = (
                float(direct.sum()) / budget if budget > 0 else math.nan
            )
            actual_budgeted += float(direct.sum())
            planned += budget
    out["cost_vs_budget"] = actual_budgeted / planned if planned > 0 else math.nan
    return out
