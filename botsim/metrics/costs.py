"""Monthly cost ledger of the BOT engagement and its counterfactuals (brief mechanism 8, issue 16).

Pure functions of the employee table, the milestone records, the lifecycle marks and the
replication's exchange-rate paths. Month m is the interval ((m-1) D, m D] with
D = DAYS_PER_MONTH; amounts are in the scenario currency: a location's cost lines are in its
``cost_currency``, converted month by month by the FX path x_l,m of that currency. Equations
(docs/model.md, "Costs"):

* salaries_m      = sum_i days_i,m / D * w(location_i, family_i, m) * x_l,m   (vacant seats cost 0)
  with w the loaded salary after wage increases and statutory steps in force in month m
* seats_m         = sum_i days_i,m / D * seat(location_i) * x_l,m
* support_m       = sum_l step_l(month-end heads of l) * x_l,m
* partner fee_m   = markup * salaries (or * salaries + seats + support: markup on total cost)
                    or fee_per_fte * head-months, before transfer; + management fee
* recruiting_m    = hires before transfer * partner fee/hire + hires after * own cost/hire
* one-off_m       = build set-up (month 1) + entity set-up (month it starts)
* transfer_m      = buy-out fee(month) + one-off transfer costs + retention bonuses
                    + liabilities assumed (months of pay per year of service), month of transfer
* notice buy-out_m = sum over hires whose notice was bought out, offer accepted in month m,
                    of (cost per hire + cost per day * days bought) * x_l,m   (issue 17)
* owned_m         = seats, support, governance and overheads carried by the client once it owns
* BOT_m           = the sum of the lines
* outsourcing_m   = (salaries + seats + support) * (1 + outsourcing_markup), the vendor's margin
                    on the same cost lines | billed rate per FTE-month * head-months
                    (a rate per hour: x billed hours per FTE-month)
* onshore_m       = sum_i days_i,m / D * onshore cost(family_i) + onshore seats + onshore support

Cumulative savings S_m = cum(alternative) - cum(BOT). Break-even month: the first month from
which S stays >= 0 until the horizon; censored (NaN + flag) when S at the horizon is < 0.
Present values discount month m by (1 + r)^(-m/12).
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np

from botsim.inputs.caching import by_identity, by_value
from botsim.inputs.scenario import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    FixedFx,
    LoadedSalary,
    Location,
    LognormalFx,
    PathFx,
    Scenario,
    Severance,
    SupportStep,
    months_from,
)
from botsim.metrics.intervals import count_le, month_grid
from botsim.model.random import stream_seed
from botsim.model.records import (
    ENTITY_SETUP_STARTED,
    NOTICE_BOUGHT_OUT,
    EmployeeTable,
    Event,
    ExitKind,
)

LEDGER_LINES = (
    "cost_salaries",
    "cost_partner_fee",
    "cost_recruiting",
    "cost_seats",
    "cost_people_support",
    "cost_governance",
    "cost_one_off",
    "cost_transfer",
    "cost_owned_overhead",
    "cost_severance",
    "cost_notice_buyout",
)
"""The monthly series columns of the BOT ledger's lines, which add up to ``cost_bot``."""

FX_STREAM = "fx"
"""Name of the random stream of a stochastic exchange-rate path: ("fx", currency). Its own
stream, so drawing a path shifts no other draw, and compared scenarios share it."""

WAGES_STREAM = "wages"
"""Name of the random stream of a wage increase given as a distribution: ("wages", location,
family), one draw per year of the engagement. Its own stream, so the draws shift no other
draw, and compared scenarios with one seed share them."""


class FxPaths(dict[str, np.ndarray]):
    """The exchange-rate paths of one replication by currency (:func:`fx_paths`), with the seed
    and replication they were drawn for (the wage-increase draws of the ledger use the same)."""

    def __init__(self, paths: dict[str, np.ndarray], seed: int, replication: int) -> None:
        super().__init__(paths)
        self.seed = int(seed)
        self.replication = int(replication)


def days_in_months(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Days each interval [start, end) overlaps each month (rows: intervals, cols: months)."""
    return _days_in_months_by_end(start, end[None], edges)[0]


def _days_in_months_by_end(start: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``days_in_months(start, end, edges)`` for each row ``end`` of ``ends``, stacked."""
    days = np.minimum(ends[:, :, None], edges[1:])
    days -= np.maximum(start[:, None], edges[:-1])
    return np.maximum(days, 0.0, out=days)


# --------------------------------------------------------------------------- money over time


def fx_paths(scenario: Scenario, seed: int, replication: int) -> FxPaths:
    """Scenario currency units per unit of each location cost currency, month by month
    (months 1..horizon). The scenario currency is 1; USD is ``costs.exchange_rate`` unless
    ``costs.fx`` lists it. A log-normal path draws its monthly log-returns from its own stream
    ``("fx", currency)`` of the replication. The paths that are not drawn are shared by every
    replication (read-only arrays)."""
    fixed = _fixed_fx_paths(scenario)
    out: dict[str, np.ndarray] = {}
    for cur in sorted({loc.cost_currency for loc in scenario.locations}):
        if cur in fixed:
            out[cur] = fixed[cur]
        else:
            path = scenario.costs.fx[cur]
            out[cur] = lognormal_path(path, scenario.horizon_months, seed, replication, cur)
    return FxPaths(out, seed, replication)


@by_identity()
def _fixed_fx_paths(scenario: Scenario) -> dict[str, np.ndarray]:
    """The paths of :func:`fx_paths` that are not drawn, by currency (read-only arrays, once
    per scenario: every replication shares them)."""
    c, n = scenario.costs, scenario.horizon_months
    out: dict[str, np.ndarray] = {}
    for cur in sorted({loc.cost_currency for loc in scenario.locations}):
        path = c.fx.get(cur)
        if cur == c.currency:
            out[cur] = np.ones(n)
        elif path is None:  # USD, by the schema
            out[cur] = np.full(n, c.exchange_rate)
        elif isinstance(path, FixedFx):
            out[cur] = np.full(n, path.rate)
        elif isinstance(path, PathFx):
            out[cur] = np.array(path.monthly[:n], dtype=float)
        else:
            continue
        out[cur].flags.writeable = False
    return out


def lognormal_path(path: LognormalFx, n: int, seed: int, replication: int, cur: str) -> np.ndarray:
    """x_1 = rate, x_m = x_(m-1) exp(r_m), r_m ~ N(drift/12, volatility^2/12) (months 2..n)."""
    rng = np.random.Generator(np.random.PCG64(stream_seed(seed, replication, FX_STREAM, cur)))
    returns = rng.normal(path.drift / 12.0, path.volatility / math.sqrt(12.0), n - 1)
    return path.rate * np.exp(np.concatenate(([0.0], np.cumsum(returns))))


@by_value()
def discount_factors(rate: float, n_months: int) -> np.ndarray:
    """(1 + rate)^(-m/12) for months m = 1..n: month m's amounts discounted from its end
    (read-only)."""
    return (1.0 + rate) ** (-np.arange(1, n_months + 1) / 12.0)


def wage_increases_in_force(scenario: Scenario, loc: Location, n_months: int) -> np.ndarray:
    """Number of annual increases in force in months 1..n: those at each later month of the
    year ``wage_increase.month_of_year`` (counted from ``costs.start_date``), or on each
    anniversary of the start (months 13, 25, ...)."""
    months = np.arange(1, n_months + 1)
    moy = loc.wage_increase.month_of_year
    if loc.wage_increase.on_work_anniversary:  # per employee: see _work_anniversary_raises
        return np.zeros(n_months, dtype=np.intp)
    if moy is None:
        return (months - 1) // 12
    first = int(scenario.costs.start_date[5:7])  # calendar month of engagement month 1
    calendar = (first - 1 + months - 1) % 12 + 1
    steps = (calendar == moy) & (months > 1)
    return np.cumsum(steps)


def wage_growth(
    scenario: Scenario, loc: Location, family: str, seed: int, replication: int
) -> np.ndarray:
    """Growth of base pay after k yearly increases, k = 0 .. horizon_months // 12 + 1:
    G_k = prod_(j <= k) (1 + g_j), g_j the j-th draw of the family's rate distribution from
    the stream ("wages", location, family) of the replication."""
    rate = loc.wage_increase.rate_for(family)
    assert not isinstance(rate, float), "a number rate is applied in salary_path"
    years = scenario.horizon_months // 12 + 1
    seq = stream_seed(seed, replication, WAGES_STREAM, loc.name, family)
    draws = np.asarray(rate.sample(np.random.Generator(np.random.PCG64(seq)), years), float)
    return np.concatenate(([1.0], np.cumprod(1.0 + draws)))


def salary_path(
    scenario: Scenario, loc: Location, family: str, shift: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loaded monthly salary, base pay and benefits of a family in months 1..n, in the
    location's cost currency: base pay grown by the wage increases in force, pay lines
    replaced by the statutory steps in force (later steps in the list win). Shift patterns:
    a 'day' role pays no night_differential_rate; a 'night' role or none pays the family's
    (as stated, with its steps). A rate given as a distribution is drawn per replication:
    its growth is applied by :func:`_rate_table`."""
    n = scenario.horizon_months
    rate = loc.wage_increase.rate_for(family)
    if isinstance(rate, float):
        growth = (1.0 + rate) ** wage_increases_in_force(scenario, loc, n)
    else:
        growth = np.ones(n)
    salary = loc.loaded_monthly_cost[family]
    if not isinstance(salary, LoadedSalary):
        paid = salary * growth
        return paid, paid, np.zeros(n)
    base = salary.base * growth
    steps = [s for s in loc.statutory_steps if s.family in (None, family)]
    start = scenario.costs.start_date
    loaded, benefits = np.empty(n), np.empty(n)
    for m in range(n):
        lines = {s.line: s.value for s in steps if months_from(start, s.from_date) + 1 <= m + 1}
        if shift == "day":
            lines["night_differential_rate"] = 0.0
        loaded[m] = salary.loaded(base[m], **lines)
        benefits[m] = lines.get("benefits", salary.benefits)
    return loaded, base, benefits


# --------------------------------------------------------------------------- rate tables

_COLUMNS_PER_ROLE = 2
"""Rate table columns per role: its agents' rates (column 2 r) and its team leads' (2 r + 1)."""

_OFFSHORE, _HEAD, _ONSHORE, _SEAT, _BILLED, _BASE, _BENEFITS = _RATE_ROWS = range(7)
"""Rows of a rate table, amounts per month: offshore loaded salary, one head, onshore cost,
offshore seat cost, outsourcing billed rate, offshore base pay and benefits (the last two are
read per employee, never summed over the team)."""


@by_identity()
def _local_rates(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Rates per (row, column, month) before currency conversion (read-only; once per
    scenario), and the location index of each column."""
    c = scenario.costs
    n = scenario.horizon_months
    lead_family = scenario.management.lead_family if scenario.management else None
    columns = _COLUMNS_PER_ROLE * len(scenario.roles)
    table = np.zeros((len(_RATE_ROWS), columns, n))
    table[_HEAD] = 1.0
    location_of = np.zeros(columns, dtype=np.intp)
    index = {loc.name: i for i, loc in enumerate(scenario.locations)}
    for r, role in enumerate(scenario.roles):
        loc = scenario.location(role.location)
        for is_lead in (0, 1):
            family = lead_family if is_lead and lead_family else role.role_family
            column = _COLUMNS_PER_ROLE * r + is_lead
            location_of[column] = index[loc.name]
            path = salary_path(scenario, loc, family, role.shift)
            table[_OFFSHORE, column], table[_BASE, column], table[_BENEFITS, column] = path
            table[_ONSHORE, column] = c.onshore_monthly_cost.get(family, math.nan)
            table[_SEAT, column] = loc.seat_monthly_cost
            table[_BILLED, column] = c.billed_rate_per_fte_month(family)
    table.flags.writeable = False
    return table, location_of


_CONVERTED = (_OFFSHORE, _SEAT, _BASE, _BENEFITS)
"""Rows in the location's cost currency (converted by its FX path)."""


def _column_family(scenario: Scenario, column: int) -> str:
    """Role family of a rate table column (a role's agents, or its leads)."""
    lead_family = scenario.management.lead_family if scenario.management else None
    if column % _COLUMNS_PER_ROLE and lead_family:
        return lead_family
    return scenario.roles[column // _COLUMNS_PER_ROLE].role_family


def _raise_pay(rates: np.ndarray, where: Any, growth: np.ndarray) -> None:
    """Multiply in place base pay and the loaded salary less benefits by ``growth``."""
    pay = rates[_OFFSHORE, where] - rates[_BENEFITS, where]
    rates[_OFFSHORE, where] = pay * growth + rates[_BENEFITS, where]
    rates[_BASE, where] = rates[_BASE, where] * growth


def _rate_table(
    scenario: Scenario, fx: dict[str, np.ndarray], seed: int, replication: int
) -> np.ndarray:
    """Rates (rows _RATE_ROWS) of each (role, is_lead) column and month, in the scenario
    currency, with the drawn yearly wage increases (a rate distribution) of the replication
    (all but those on work anniversaries: :func:`_work_anniversary_raises`). Read-only."""
    drawn = _drawn_wage_columns(scenario)
    fixed = _fixed_fx_paths(scenario)
    currencies = [loc.cost_currency for loc in scenario.locations]
    if not drawn and all(fx[cur] is fixed.get(cur) for cur in currencies):
        return _fixed_rate_table(scenario)  # nothing drawn: the same for every replication
    table = _converted(scenario, fx)
    n = scenario.horizon_months
    for column, loc, family in drawn:
        growth = wage_growth(scenario, loc, family, seed, replication)
        _raise_pay(table, column, growth[wage_increases_in_force(scenario, loc, n)])
    table.flags.writeable = False
    return table


def _converted(scenario: Scenario, fx: dict[str, np.ndarray]) -> np.ndarray:
    """The local rates (:func:`_local_rates`) converted to the scenario currency by ``fx``."""
    local, location_of = _local_rates(scenario)
    rate = np.stack([fx[scenario.locations[i].cost_currency] for i in location_of])
    table = local.copy()
    for row in _CONVERTED:
        table[row] *= rate
    return table


@by_identity()
def _fixed_rate_table(scenario: Scenario) -> np.ndarray:
    """The rate table when nothing in it is drawn (once per scenario, read-only)."""
    table = _converted(scenario, _fixed_fx_paths(scenario))
    table.flags.writeable = False
    return table


@by_identity()
def _drawn_wage_columns(scenario: Scenario) -> tuple[tuple[int, Location, str], ...]:
    """The rate table's columns whose yearly wage increase is drawn from a distribution and
    applied to the whole column (not on work anniversaries): (column, location, family)."""
    _, location_of = _local_rates(scenario)
    out = []
    for column, i in enumerate(location_of.tolist()):
        loc = scenario.locations[i]
        family = _column_family(scenario, column)
        if isinstance(loc.wage_increase.rate_for(family), float):
            continue
        if loc.wage_increase.on_work_anniversary:
            continue
        out.append((column, loc, family))
    return tuple(out)


def _work_anniversary_raises(
    scenario: Scenario,
    emp: EmployeeTable,
    column: np.ndarray,
    emp_location: np.ndarray,
    rates: np.ndarray,
    edges: np.ndarray,
    seed: int,
    replication: int,
) -> None:
    """Raise in place the salary and base pay of employees of locations whose wage increase
    comes on work anniversaries: base x (1 + g)^k, k = whole years of tenure at the start of
    the month (the increase applies from the first month that starts after the anniversary);
    benefits do not grow. A rate distribution gives base x G_k (:func:`wage_growth`): an
    employee's k-th raise is the k-th yearly draw of the location and family."""
    for i, loc in enumerate(scenario.locations):
        if not loc.wage_increase.on_work_anniversary:
            continue
        mine = emp_location == i
        if not mine.any():
            continue
        families = [_column_family(scenario, c) for c in column[mine]]
        given = [loc.wage_increase.rate_for(f) for f in families]
        tenure = np.maximum(edges[:-1] - emp.start[mine, None], 0.0)
        years = np.floor(tenure / DAYS_PER_YEAR)
        if all(isinstance(g, float) for g in given):
            growth = (1.0 + np.array(given)[:, None]) ** years
        else:
            growth = np.empty_like(years)
            drawn: dict[str, np.ndarray] = {}
            for j, (family, g) in enumerate(zip(families, given, strict=True)):
                if isinstance(g, float):
                    growth[j] = (1.0 + g) ** years[j]
                    continue
                if family not in drawn:
                    drawn[family] = wage_growth(scenario, loc, family, seed, replication)
                cum = drawn[family]
                growth[j] = cum[np.minimum(years[j].astype(np.intp), len(cum) - 1)]
        _raise_pay(rates, mine, growth)


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


def _shares_of_months(edges: np.ndarray, transfer_done: float) -> tuple[np.ndarray, np.ndarray]:
    """Share of each month before the transfer completes (partner) and after it (owned)."""
    owned = edges[1:] - np.maximum(edges[:-1], transfer_done)
    owned /= DAYS_PER_MONTH
    np.minimum(np.maximum(owned, 0.0, out=owned), 1.0, out=owned)
    partner = np.minimum(edges[1:], transfer_done) - edges[:-1]
    partner /= DAYS_PER_MONTH
    np.minimum(np.maximum(partner, 0.0, out=partner), 1.0, out=partner)
    return partner, owned


@by_value()
def _shares_never_transferred(n_months: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_shares_of_months` of months 1..n without a transfer (read-only; the same in
    every replication that never transfers)."""
    return _shares_of_months(month_grid(n_months)[2], math.inf)


def _month_end_heads(
    emp: EmployeeTable, location: np.ndarray | None, n_loc: int, edges: np.ndarray
) -> np.ndarray:
    """Employees of each location (rows; ``location`` None: everyone in one row) at each
    month-end t_m: those with start <= t_m < exit, counted as #(start <= t_m) - #(exit <= t_m)
    (an exit never precedes its start)."""
    ends = edges[1:]
    heads = np.empty((n_loc, len(ends)), dtype=np.intp)
    for i in range(n_loc):
        mine = slice(None) if location is None else location == i
        heads[i] = count_le(np.sort(emp.start[mine]), ends)
        heads[i] -= count_le(np.sort(emp.exit[mine]), ends)
    return heads


@by_identity()
def _support_levels(steps: list[SupportStep]) -> tuple[np.ndarray, np.ndarray]:
    """The steps' headcounts and the cost in force from none, then each, of them (once per
    list of steps)."""
    heads = np.asarray([s.from_headcount for s in steps], dtype=float)
    levels = np.asarray([0.0] + [s.monthly_cost for s in steps], dtype=float)
    return heads, levels


def support_costs(steps: list[SupportStep], headcounts: np.ndarray) -> np.ndarray:
    """:func:`~botsim.inputs.scenario.support_cost` at each of ``headcounts``: the cost of the
    last step at or below it, 0 below the first (the steps' headcounts increase)."""
    heads, levels = _support_levels(steps)
    return levels[count_le(heads, headcounts)]


def cost_ledger(
    scenario: Scenario,
    events: list[Event],
    emp: EmployeeTable,
    series: dict[str, np.ndarray],
    transfer_done: float,
    fx: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Add the monthly cost columns to ``series`` and return the cost summary values.

    ``emp`` is every employee (agents and leads); ``events`` the records, of which only the
    entity set-up starts are read (the milestones of :func:`botsim.model.records.tables` suffice);
    ``fx`` the exchange-rate paths of the replication (:func:`fx_paths`; replication 0 of the
    scenario's seed when not given).
    """
    c = scenario.costs
    fx = fx_paths(scenario, scenario.seed, 0) if fx is None else fx
    seed, replication = (fx.seed, fx.replication) if isinstance(fx, FxPaths) else (scenario.seed, 0)
    months = series["month"]
    n_months = len(months)
    edges = month_grid(n_months)[2]  # day 0 and the month-ends (series months are 1..n)
    _, location_of_column = _local_rates(scenario)
    column = (emp.role * _COLUMNS_PER_ROLE + emp.is_lead).astype(np.intp, copy=False)
    rates = _rate_table(scenario, fx, seed, replication).take(column, axis=1)
    emp_location = location_of_column.take(column)  # rates: (rows, employees, months)
    _work_anniversary_raises(scenario, emp, column, emp_location, rates, edges, seed, replication)
    # Days worked in each month, first all of them, then the partner's (before the transfer
    # completes): rows of one (ends, employees, months) table, summed in one go. Never
    # transferred, every day is a partner day: one row serves as both.
    partner_only = transfer_done == math.inf
    ends = (
        emp.exit[None]
        if partner_only
        else np.array([emp.exit, np.minimum(emp.exit, transfer_done)])
    )
    work_days = _days_in_months_by_end(emp.start, ends, edges)
    days, partner_days = work_days[0], work_days[-1]
    # Amount-days (ends, rate rows, employees, months) and their monthly totals.
    amount_days = work_days[:, None] * rates[None, :_BASE]  # base pay: read at transfer only
    monthly = np.add.reduce(amount_days, axis=2)
    monthly /= DAYS_PER_MONTH
    salaries, head_months, onshore_cost = monthly[0, 0], monthly[0, 1], monthly[0, 2]
    partner_salaries, partner_head_months = monthly[-1, _OFFSHORE], monthly[-1, _HEAD]
    seats_all, partner_seats = monthly[0, _SEAT], monthly[-1, _SEAT]
    partner_share, owned_share = (
        _shares_never_transferred(n_months)
        if partner_only
        else _shares_of_months(edges, transfer_done)
    )
    if partner_only:
        owned_share = np.zeros(n_months)

    # People support: a step function of each location's month-end headcount.
    n_loc = len(scenario.locations)
    loc_fx = [fx[loc.cost_currency] for loc in scenario.locations]
    support_full = np.zeros(n_months)
    if any(loc.support_cost for loc in scenario.locations):
        heads = _month_end_heads(emp, emp_location if n_loc > 1 else None, n_loc, edges)
        for i, loc in enumerate(scenario.locations):
            support_full += support_costs(loc.support_cost, heads[i]) * loc_fx[i]
    # The partner carries seats and support inside its fee unless it bills total cost.
    on_total_cost = c.partner_fee_model == "markup" and c.partner_markup_base == "total_cost"
    billed_seats = partner_seats if on_total_cost else np.zeros(n_months)
    billed_support = support_full * partner_share if on_total_cost else np.zeros(n_months)
    if c.partner_fee_model == "markup":
        partner_fee = c.partner_markup * partner_salaries
        if on_total_cost:
            partner_fee = c.partner_markup * (partner_salaries + billed_seats + billed_support)
    else:
        partner_fee = c.partner_fee_per_fte_month * partner_head_months
    if c.partner_management_fee_per_month:
        partner_fee = partner_fee + c.partner_management_fee_per_month * partner_share

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
        one_off[max(m, 0)] += loc.entity.setup_cost * fx[loc.cost_currency][max(m, 0)]
    transfer = np.zeros(n_months)
    if math.isfinite(transfer_done):
        m = _month_index(edges, transfer_done)
        if 0 <= m < n_months:
            transfer[m] += _transfer_costs(scenario, emp, rates, emp_location, transfer_done, m)

    severance = _severance_costs(scenario, emp, rates, emp_location, edges)
    notice_buyout = _notice_buyout_costs(scenario, events, edges, fx)

    # Lines the client carries once it owns the team.
    seats = billed_seats + (seats_all - partner_seats)
    support = billed_support + support_full * owned_share
    governance = np.zeros(n_months)
    for i, loc in enumerate(scenario.locations):
        if loc.governance_monthly_cost:
            governance += loc.governance_monthly_cost * loc_fx[i] * owned_share
    if partner_only:  # nothing owned: no share of any month, no owned heads
        owned = np.zeros(n_months)
    else:
        owned = c.owned_overhead_per_month * owned_share + (
            c.owned_overhead_per_employee_month * (head_months - partner_head_months)
        )
    # In the order of the ledger before seats, support and governance existed, which are
    # added only when they have amounts: a scenario without them costs to the last digit what
    # it did.
    bot = salaries + partner_fee + recruiting + (one_off + transfer) + owned
    for line in (seats, support, governance, severance, notice_buyout):
        if line.any():
            bot = bot + line
    if c.outsourcing_pricing == "billed_rate":
        outsourcing = monthly[0, _BILLED]
    elif seats_all.any() or support_full.any():  # the vendor's margin on the same lines
        outsourcing = (salaries + seats_all + support_full) * (1.0 + c.outsourcing_markup)
    else:
        outsourcing = salaries * (1.0 + c.outsourcing_markup)
    if c.onshore_seat_monthly_cost:
        onshore_cost = onshore_cost + c.onshore_seat_monthly_cost * head_months
    if c.onshore_support_cost:
        total_heads = _month_end_heads(emp, None, 1, edges)[0]
        onshore_cost = onshore_cost + support_costs(c.onshore_support_cost, total_heads)
    cumulative_bot = np.add.accumulate(bot)
    save_out = np.add.accumulate(outsourcing) - cumulative_bot
    save_on = np.add.accumulate(onshore_cost) - cumulative_bot
    discount = discount_factors(c.discount_rate, n_months)
    pv_save_out = np.add.accumulate((outsourcing - bot) * discount)
    pv_save_on = np.add.accumulate((onshore_cost - bot) * discount)
    series.update(
        {
            "cost_salaries": salaries,
            "cost_partner_fee": partner_fee,
            "cost_recruiting": recruiting,
            "cost_seats": seats,
            "cost_people_support": support,
            "cost_governance": governance,
            "cost_one_off": one_off,
            "cost_transfer": transfer,
            "cost_owned_overhead": owned,
            "cost_severance": severance,
            "cost_notice_buyout": notice_buyout,
            "cost_bot": bot,
            "cost_outsourcing": outsourcing,
            "cost_onshore": onshore_cost,
            "cumulative_cost_bot": cumulative_bot,
            "monthly_savings_vs_outsourcing": outsourcing - bot,
            "monthly_savings_vs_onshore": onshore_cost - bot,
            "savings_vs_outsourcing": save_out,
            "savings_vs_onshore": save_on,
            "pv_savings_vs_outsourcing": pv_save_out,
            "pv_savings_vs_onshore": pv_save_on,
        }
    )
    fte_months = float(np.add.reduce(series["effective_fte"]))
    heads_total = float(np.add.reduce(head_months))
    total_bot = float(np.add.reduce(bot))
    total_out = float(np.add.reduce(outsourcing))
    total_on = float(np.add.reduce(onshore_cost))
    be_out, be_on = break_even(save_out, months), break_even(save_on, months)
    summary: dict[str, Any] = {
        "total_cost_bot": total_bot,
        "total_cost_outsourcing": total_out,
        "total_cost_onshore": total_on,
        "cost_per_head_month": total_bot / heads_total if heads_total else math.nan,
        "cost_per_effective_fte_month": total_bot / fte_months if fte_months else math.nan,
        "savings_vs_outsourcing": float(save_out[-1]),
        "savings_vs_onshore": float(save_on[-1]),
        "savings_vs_outsourcing_share": _share(float(save_out[-1]), total_out),
        "savings_vs_onshore_share": _share(float(save_on[-1]), total_on),
        "pv_cost_bot": float(np.add.reduce(bot * discount)),
        "pv_cost_outsourcing": float(np.add.reduce(outsourcing * discount)),
        "pv_cost_onshore": float(np.add.reduce(onshore_cost * discount)),
        "pv_savings_vs_outsourcing": float(pv_save_out[-1]),
        "pv_savings_vs_onshore": float(pv_save_on[-1]),
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
            amount_days[:, _SEAT] * (1.0 + c.partner_markup) if on_total_cost else None,
            amount_days[0, _OFFSHORE],
            amount_days[:, _SEAT],
            (hire_role, hire_slot, hire_fee),
        )
    )
    return summary


def _share(saving: float, alternative: float) -> float:
    """Saving as a share of the alternative's cost (NaN when it costs nothing or is NaN)."""
    return saving / alternative if alternative > 0 else math.nan


def _transfer_costs(
    scenario: Scenario,
    emp: EmployeeTable,
    rates: np.ndarray,
    emp_location: np.ndarray,
    transfer_done: float,
    month: int,
) -> float:
    """Costs at the transfer's completion (0-based ``month``): the buy-out fee of the month,
    the one-off transfer costs, a retention bonus per transferring employee and the liabilities
    assumed with them (months of base pay per year of service)."""
    c = scenario.costs
    total = c.buy_out_fee(transfer_done / DAYS_PER_MONTH) + c.transfer_one_off_cost
    moving = (emp.start <= transfer_done) & (emp.exit > transfer_done)
    total += c.retention_bonus_per_employee * int(np.count_nonzero(moving))
    for i, loc in enumerate(scenario.locations):
        liability = loc.transfer_liability
        if not liability.months_per_year_of_service:
            continue
        mine = moving & (emp_location == i)
        years = (transfer_done - emp.start[mine]) / (12 * DAYS_PER_MONTH)
        if liability.max_years_of_service is not None:
            years = np.minimum(years, liability.max_years_of_service)
        pay = rates[_BASE, mine, month]
        total += float(np.add.reduce(liability.months_per_year_of_service * years * pay))
    return total


def severance_months(severance: Severance, service_days: np.ndarray) -> np.ndarray:
    """Statutory severance in months of base pay for tenures of ``service_days``:
    max(minimum, first x min(Y, 1) + further x max(Y - 1, 0)), Y the years counted (pro rata,
    or whole years with a fraction of at least ``whole_year_from_months`` counted as one)."""
    years = np.asarray(service_days, dtype=float) / (12 * DAYS_PER_MONTH)
    if severance.whole_year_from_months is not None:
        whole = np.floor(years)
        years = whole + (years - whole >= severance.whole_year_from_months / 12)
    months = severance.first_year_months * np.minimum(years, 1.0)
    months += severance.further_year_months * np.maximum(years - 1.0, 0.0)
    return np.maximum(months, severance.minimum_months)


def _severance_costs(
    scenario: Scenario,
    emp: EmployeeTable,
    rates: np.ndarray,
    emp_location: np.ndarray,
    edges: np.ndarray,
) -> np.ndarray:
    """Statutory severance of the layoffs (docs/model.md, "Ramp-down and layoffs"), in the month
    of each layoff: :func:`severance_months` of the tenure x the base pay of that month."""
    n_months = len(edges) - 1
    out = np.zeros(n_months)
    kinds = emp.exit_kind.tolist()
    if ExitKind.LAYOFF not in kinds:
        return out
    for e in (e for e, kind in enumerate(kinds) if kind == ExitKind.LAYOFF):
        m = _month_index(edges, float(emp.exit[e]))
        if not 0 <= m < n_months:
            continue
        severance = scenario.locations[int(emp_location[e])].severance
        months = severance_months(severance, np.asarray([emp.exit[e] - emp.start[e]]))[0]
        out[m] += months * rates[_BASE, e, m]
    return out


def _notice_buyout_costs(
    scenario: Scenario, events: list[Event], edges: np.ndarray, fx: dict[str, np.ndarray]
) -> np.ndarray:
    """Candidate notice bought out (issue 17, item 6; docs/model.md, "Notice buy-out"), in the
    month the offer was accepted: cost_per_hire + cost_per_day x days bought, in the
    location's cost currency converted at that month's rate. Not in any role's direct cost."""
    n_months = len(edges) - 1
    out = np.zeros(n_months)
    for ev in events:
        if ev[1] != NOTICE_BOUGHT_OUT:
            continue
        m = max(_month_index(edges, ev.day), 0)
        if m >= n_months:
            continue
        role = scenario.roles[ev.role]
        buyout = scenario.notice_buyout_for(role)
        currency = scenario.location(role.location).cost_currency
        out[m] += (buyout.cost_per_hire + buyout.cost_per_day * ev.value) * fx[currency][m]
    return out


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
    billed_seat_days: np.ndarray | None,
    salary_days: np.ndarray,
    seat_days: np.ndarray,
    hires: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> dict[str, Any]:
    """Direct monthly cost of each role (its staff's salaries, partner fee, seats and
    per-employee owned overhead, plus its hires' recruiting fees) and plan-versus-actual per
    role.

    Costs that belong to no role (set-up, entity, transfer costs, the partner's management
    fee, people support and its markup, governance, fixed owned overhead) are left out, so the
    roles' direct costs plus those add up to the BOT total. ``offshore`` is each employee's
    loaded salary per month (employees, months); ``salary_days``
    is ``days * salary``; ``seat_days`` the seat amount-days (all, then the partner's) and
    ``billed_seat_days`` the same with the markup when the partner bills seats (else None);
    ``partner_days`` is None when every day is a partner day (never transferred); ``hires``
    holds the role, month slot (see ``cost_ledger``) and fee of each hire, in event order.
    """
    c = scenario.costs
    roles = scenario.roles
    n_months = len(series["month"])
    fee_days = days if partner_days is None else partner_days
    if c.partner_fee_model == "markup":
        direct_by_employee = c.partner_markup * fee_days * offshore
    else:
        direct_by_employee = c.partner_fee_per_fte_month * fee_days
    direct_by_employee += salary_days  # fee + salary: addition commutes exactly
    if billed_seat_days is not None:  # partner seats at cost plus markup, owned seats at cost
        direct_by_employee += billed_seat_days[-1] + (seat_days[0] - seat_days[-1])
    elif seat_days.any():  # the partner's seats are in its fee: only the owned ones
        direct_by_employee += seat_days[0] - seat_days[-1]
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
