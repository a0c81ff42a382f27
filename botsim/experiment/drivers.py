"""What drives this answer: a one-at-a-time sensitivity over a scenario's decisive assumptions.

After a run, each candidate assumption of :data:`CANDIDATES` that the scenario uses is moved to
a low and a high value with every other value at base, and every variant runs with the run's
seed, so replication j of every variant uses the same random streams (common random numbers):
the paired differences isolate the assumption's effect, and an assumption that changes nothing
gives a difference of exactly zero. The variants are built and run by the one-at-a-time sweep
(:func:`botsim.experiment.sweep.plan_sweep`, :func:`~botsim.experiment.sweep.run_sweep`; its
``_perturb`` makes the relative and absolute changes) and the report reads the result with the
sweep's tornado (``botsim.report.tables.tornado``).

The candidates are declared once, in :data:`CANDIDATES`: a path pattern of the scenario (``[*]``
for every item of a list, e.g. every location), the change, and why it is a candidate. A
candidate is used only when its path exists in the scenario (no ``management`` section: no span
of control) and its condition holds (no transfer: no readiness thresholds or transfer costs).
A pattern that matches several items (two locations) moves all of them together, as one
assumption ("attrition level" is one multiplier on the bands of every location).

Each assumption carries where its value comes from (:func:`provenance`): the location profile's
source (with the profile's as-of date), the schema default's description, or the scenario
itself. A source that says "assumption", is marked ``[weak]`` or is older than
:data:`STALE_AFTER_DAYS` is flagged: the report lists the flagged ones that move a key metric
materially under "Assumptions you should replace".
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from botsim.experiment.sweep import (
    Sweep,
    SweepParameter,
    _perturb,
    plan_sweep,
    run_sweep,
)
from botsim.inputs.loader import (
    ScenarioError,
    format_path,
    load_profile,
    scenario_to_dict,
)
from botsim.inputs.scenario import PAY_RATE_LINES, LognormalFx, Scenario
from botsim.metrics.catalogue import COST_DRIVER_METRICS, DRIVER_METRICS, DRIVERS_TABLES

DEFAULT_REPLICATIONS = 50
"""Replications per variant when none is given (capped at the run's own count). A setting:
under common random numbers 50 paired replications resolve a change of a few percent of a
metric's mean on the shipped scenarios, and keep the quick start within seconds (README)."""

MIN_REPLICATIONS = 2
"""Fewest replications per variant: a paired interval needs two pairs."""

STALE_AFTER_DAYS = 730
"""A profile checked (``as_of``) more than this many days before the run is flagged as a stale
source (assumption: labour-market rates and costs move within two years)."""

MAX_DRIVERS = 40
"""Most assumptions moved in one drivers sweep; candidates beyond it, in :data:`CANDIDATES`
order, are listed as left out. Not the user sweep's limit of 20 parameters (a sweep file is
written by hand; the drivers' sweep is built here, :class:`DriversSweep`): a bound on the work,
1 + 2 x 40 variants, above the candidates any scenario uses (issue 16 item 7)."""

DRIVERS_FILE = DRIVERS_TABLES[0]
"""The drivers table of a run folder (one row per variant and replication)."""

SWEEP_NAME = "drivers"


class DriversSweep(Sweep):
    """The one-at-a-time sweep of a drivers run: a sweep bound by :data:`MAX_DRIVERS`, not by
    the limit of a hand-written sweep file."""

    parameters: Annotated[list[SweepParameter], Field(min_length=1, max_length=MAX_DRIVERS)]


@dataclass(frozen=True)
class Change:
    """How a candidate is moved: ``relative`` (base x (1 -/+ amount); whole numbers rounded,
    at least -/+1), ``delta`` (base -/+ amount), ``scale`` (every number under ``keys`` of
    a list or mapping, or every parameter of a distribution, times (1 -/+ amount)), ``shift``
    (every number under ``keys`` -/+ amount) or ``choice`` (the low end is ``options[0]``,
    the high end ``options[1]``; the one equal to the base stays at base)."""

    kind: Literal["relative", "delta", "scale", "shift", "choice"]
    amount: float = 0.0
    keys: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()  # keys whose numbers a scale never moves (rates of a salary)
    options: tuple[Any, ...] = ()

    @property
    def text(self) -> str:
        if self.kind in ("delta", "shift"):
            return f"-/+ {self.amount:g}"
        if self.kind == "choice":
            return " / ".join(str(o) for o in self.options)
        return f"-/+ {self.amount:.0%}"

    def moved(self, base: Any, sign: int) -> Any:
        """The value at the low (``sign`` -1) or high (+1) end."""
        if self.kind == "scale":
            return _scale(base, 1 + sign * self.amount, self.keys, keep=self.keep)
        if self.kind == "shift":
            return _shift(base, sign * self.amount, self.keys)
        if self.kind == "choice":
            return self.options[0 if sign < 0 else 1]
        sweep_parameter = SweepParameter(path="x", **{self.kind: self.amount})
        return _perturb(base, sweep_parameter, sign)


@dataclass(frozen=True)
class Candidate:
    """One decisive assumption: where it is set, how it is moved and why it is a candidate."""

    name: str  # a column name of the sweep (snake case)
    label: str  # plain words, shown in the report
    path: str  # scenario path; ``[*]`` stands for every item of a list
    change: Change
    why: str
    when: Callable[[Scenario], bool] | None = None  # besides the path existing

    def applies(self, scenario: Scenario) -> bool:
        return self.when is None or self.when(scenario)


def _transfers(scenario: Scenario) -> bool:
    """Readiness, documentation and transfer terms matter only when the team may transfer."""
    return scenario.transfer.policy != "never"


def _markup(scenario: Scenario) -> bool:
    return scenario.costs.partner_fee_model == "markup"


def _per_fte(scenario: Scenario) -> bool:
    return scenario.costs.partner_fee_model == "per_fte"


def _fx_given(scenario: Scenario) -> bool:
    return bool(scenario.costs.fx)


def _fx_drawn(scenario: Scenario) -> bool:
    return any(isinstance(p, LognormalFx) for p in scenario.costs.fx.values())


def _usd_rate_used(scenario: Scenario) -> bool:
    """``costs.exchange_rate`` converts a USD cost currency into another scenario currency."""
    c = scenario.costs
    used = any(loc.cost_currency == "USD" for loc in scenario.locations)
    return used and c.currency != "USD" and "USD" not in c.fx


def _no_fee_schedule(scenario: Scenario) -> bool:
    return _transfers(scenario) and not scenario.costs.transfer_fee_schedule


def _fee_schedule(scenario: Scenario) -> bool:
    return _transfers(scenario) and bool(scenario.costs.transfer_fee_schedule)


def _attrition_limit_set(scenario: Scenario) -> bool:
    return scenario.stability.max_annual_attrition != "auto"


def _attrition_limit_auto(scenario: Scenario) -> bool:
    return scenario.stability.max_annual_attrition == "auto"


def _retention_set(scenario: Scenario) -> bool:
    """An explicit retention threshold (``auto`` follows the attrition limit's multiple)."""
    return _transfers(scenario) and scenario.readiness.min_retention != "auto"


BANDS = ("voluntary", "involuntary")

CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "attrition_level", "attrition level", "locations[*].attrition.bands",
        Change("scale", 0.25, BANDS),
        "attrition sets hires, stability and retention; profile rates are survey totals of "
        "contact centres that may not fit the role",
    ),
    Candidate(
        "candidate_notice", "candidate notice", "locations[*].recruiting.candidate_notice",
        Change("scale", 0.25),
        "every hire waits out their notice before starting: time to a full team",
    ),
    Candidate(
        "recruiters", "recruiters", "locations[*].recruiting.recruiters",
        Change("relative", 0.25),
        "recruiter capacity bounds the hiring rate during Build",
    ),
    Candidate(
        "applicants_per_week", "applicants per week", "locations[*].recruiting.applicants_per_week",
        Change("relative", 0.25),
        "funnel throughput: how long a search takes (calibrated, not observed)",
    ),
    Candidate(
        "offer_acceptance", "offer acceptance", "locations[*].recruiting.offer_acceptance",
        Change("relative", 0.1),
        "finalists needed per hire; weakly sourced in the profiles",
    ),
    Candidate(
        "ramp_days", "ramp-up time", "locations[*].ramp.ramp_days",
        Change("relative", 0.25),
        "effective FTE, and so the capacity thresholds of stability and readiness",
    ),
    Candidate(
        "salary_level", "salary level", "locations[*].loaded_monthly_cost",
        Change("scale", 0.1, keep=PAY_RATE_LINES),
        "the largest cost item: base pay and benefits (a loaded salary given by line keeps its "
        "rates, so the loaded cost moves by the same share)",
    ),
    Candidate(
        "wage_growth", "annual wage increase", "locations[*].wage_increase.annual_rate",
        Change("relative", 0.5),
        "compounds over the horizon, in every phase (profiles: an assumption or a decree "
        "average)",
    ),
    Candidate(
        "seat_cost", "seat cost", "locations[*].seat_monthly_cost",
        Change("relative", 0.25),
        "facility, IT and licences per head in every phase (weakly sourced)",
    ),
    Candidate(
        "span_of_control", "span of control", "management.span_of_control",
        Change("relative", 0.25),
        "leads needed, overload and its attrition",
    ),
    Candidate(
        "client_direction", "client direction per employee",
        "client.demand_hours_per_employee", Change("relative", 0.25),
        "whether the client's managers keep up with the team (an assumption)",
    ),
    Candidate(
        "documentation_growth", "documentation growth", "knowledge.growth_per_month",
        Change("relative", 0.25),
        "documentation coverage is a readiness criterion (an assumption)", _transfers,
    ),
    Candidate(
        "stability_attrition_limit", "stability attrition limit",
        "stability.max_annual_attrition", Change("relative", 0.25),
        "the attrition a stable team may have (an assumption); gates stability and readiness",
        _attrition_limit_set,
    ),
    Candidate(
        "stability_attrition_multiple", "stability attrition limit (multiple of steady state)",
        "stability.auto_attrition_multiple", Change("relative", 0.25),
        "the 'auto' attrition limit of stability (and the 'auto' retention threshold) as a "
        "multiple of the expected steady-state attrition (an assumption)",
        _attrition_limit_auto,
    ),
    Candidate(
        "readiness_retention", "readiness retention threshold", "readiness.min_retention",
        Change("delta", 0.05),
        "a readiness criterion set near the simulated retention (an assumption)",
        _retention_set,
    ),
    Candidate(
        "readiness_documentation", "readiness documentation threshold",
        "readiness.min_documentation", Change("delta", 0.1),
        "a readiness criterion (an assumption)", _transfers,
    ),
    Candidate(
        "contract_acceptance", "transfer contract acceptance", "transfer.contract_acceptance",
        Change("delta", 0.05),
        "staff lost at the transfer (an assumption)", _transfers,
    ),
    Candidate(
        "transfer_attrition", "attrition multiplier at transfer", "transfer.attrition_multiplier",
        Change("delta", 0.25),
        "resignations during the handover window (an assumption)", _transfers,
    ),
    Candidate(
        "partner_markup", "partner markup", "costs.partner_markup",
        Change("relative", 0.25),
        "the partner's fee during Build and Operate (an assumption: quotes run 15-30 %)", _markup,
    ),
    Candidate(
        "partner_fee_per_fte", "partner fee per head", "costs.partner_fee_per_fte_month",
        Change("relative", 0.25),
        "the partner's fee during Build and Operate", _per_fte,
    ),
    Candidate(
        "owned_overhead", "owned management and travel", "costs.owned_overhead_per_month",
        Change("relative", 0.25),
        "management and travel the client carries once it owns the team (an assumption)",
        _transfers,
    ),
    Candidate(
        "governance_cost", "governance cost once owned", "locations[*].governance_monthly_cost",
        Change("relative", 0.25),
        "accounting, audit, legal of the client's entity after transfer (an assumption)",
        _transfers,
    ),
    Candidate(
        "transfer_fee", "transfer fee", "costs.transfer_fee",
        Change("relative", 0.25),
        "the buy-out paid at transfer (an assumption)", _no_fee_schedule,
    ),
    # Issue 16 item 7: the rest of the cost terms (not bound by a user sweep's 20 parameters).
    Candidate(
        "transfer_fee_schedule", "transfer fee schedule", "costs.transfer_fee_schedule",
        Change("scale", 0.25, ("fee",)),
        "the buy-out paid at transfer, by month (an assumption)", _fee_schedule,
    ),
    Candidate(
        "partner_markup_base", "partner markup base", "costs.partner_markup_base",
        Change("choice", options=("salaries", "total_cost")),
        "whether the markup also applies to seats and people support (a contract term)",
        _markup,
    ),
    Candidate(
        "partner_management_fee", "partner management fee",
        "costs.partner_management_fee_per_month", Change("relative", 0.25),
        "the partner's monthly management fee in Build and Operate (a contract term)",
    ),
    Candidate(
        "recruiting_fee", "partner recruiting fee per hire", "costs.recruiting_fee_per_hire",
        Change("relative", 0.25),
        "paid on every hire before the transfer (an assumption)",
    ),
    Candidate(
        "people_support", "people support cost", "locations[*].support_cost",
        Change("scale", 0.25, ("monthly_cost",)),
        "HR, payroll, finance and compliance by headcount step (an assumption)",
    ),
    Candidate(
        "entity_setup_cost", "entity set-up cost", "locations[*].entity.setup_cost",
        Change("relative", 0.25),
        "the client's own entity, paid when its set-up starts (an assumption)", _transfers,
    ),
    Candidate(
        "transfer_liability", "liabilities assumed at transfer",
        "locations[*].transfer_liability.months_per_year_of_service", Change("relative", 0.5),
        "accrued severance or cesantías taken over with the staff", _transfers,
    ),
    Candidate(
        "retention_bonus", "retention bonus per transferring employee",
        "costs.retention_bonus_per_employee", Change("relative", 0.25),
        "owed to each employee who transfers (a contract term)", _transfers,
    ),
    Candidate(
        "transfer_one_off", "one-off transfer costs", "costs.transfer_one_off_cost",
        Change("relative", 0.25),
        "re-papering, registrations, lease assignment (an assumption)", _transfers,
    ),
    Candidate(
        "fx_level", "exchange-rate level", "costs.fx",
        Change("scale", 0.1, ("rate", "monthly")),
        "every location cost in another currency moves with its rate (PHP, COP: 10-20 % a "
        "year against the dollar)", _fx_given,
    ),
    Candidate(
        "usd_rate", "USD exchange rate", "costs.exchange_rate",
        Change("relative", 0.1),
        "converts the profiles' US-dollar costs into the scenario currency", _usd_rate_used,
    ),
    Candidate(
        "fx_drift", "exchange-rate drift", "costs.fx",
        Change("shift", 0.05, ("drift",)),
        "the mean yearly change of a drawn exchange rate (an assumption)", _fx_drawn,
    ),
    Candidate(
        "discount_rate", "discount rate", "costs.discount_rate",
        Change("delta", 0.04),
        "present values only (an assumption: 8 %, a typical cost of capital)",
    ),
)  # fmt: skip
"""The candidate assumptions, in report order when their effects tie. At most
:data:`MAX_DRIVERS` are moved (the first that apply)."""

COST_TERMS = frozenset({
    "salary_level", "wage_growth", "seat_cost", "partner_markup", "partner_fee_per_fte",
    "owned_overhead", "governance_cost", "transfer_fee", "transfer_fee_schedule",
    "partner_markup_base", "partner_management_fee", "recruiting_fee", "people_support",
    "entity_setup_cost", "transfer_liability", "retention_bonus", "transfer_one_off",
    "fx_level", "usd_rate", "fx_drift", "discount_rate",
})  # fmt: skip
"""The candidates that are cost terms: they change the cost ledger and nothing the simulation
draws or decides (costs do not feed back into the model), so under common random numbers every
variant simulates the same team and a change of cost is exact, not noisy."""

COST_CANDIDATES: tuple[Candidate, ...] = tuple(c for c in CANDIDATES if c.name in COST_TERMS)
"""What ``botsim compare`` moves to find the terms that decide its cost answer."""


# --------------------------------------------------------------------------- values and paths


def _scale(
    value: Any,
    factor: float,
    keys: tuple[str, ...] = (),
    under: bool = False,
    keep: tuple[str, ...] = (),
) -> Any:
    """``value`` with numbers multiplied by ``factor``: those under ``keys`` (every number when
    ``keys`` is empty), never an empirical distribution's weights (its values are scaled) nor
    the numbers under ``keep``."""
    if isinstance(value, dict):
        return {
            k: v
            if k == "weights" or k in keep
            else _scale(v, factor, keys, under or not keys or k in keys, keep)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scale(v, factor, keys, under, keep) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return value * factor if under or not keys else value


def _shift(value: Any, amount: float, keys: tuple[str, ...], under: bool = False) -> Any:
    """``value`` with ``amount`` added to the numbers under ``keys``."""
    if isinstance(value, dict):
        return {k: _shift(v, amount, keys, under or k in keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, amount, keys, under) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return value + amount if under else value


def _pattern_parts(pattern: str) -> list[str]:
    return [p for p in pattern.replace("[*]", ".*").split(".") if p]


def instances(doc: Any, pattern: str) -> list[list[str | int]]:
    """The paths of ``doc`` (a resolved scenario as plain data) that ``pattern`` matches;
    an absent or empty (``null``) section matches nothing."""
    found: list[list[str | int]] = []

    def walk(node: Any, parts: list[str], at: list[str | int]) -> None:
        if node is None:
            return
        if not parts:
            found.append(at)
            return
        head, rest = parts[0], parts[1:]
        if head == "*":
            if isinstance(node, list):
                for i, item in enumerate(node):
                    walk(item, rest, [*at, i])
        elif isinstance(node, dict) and head in node:
            walk(node[head], rest, [*at, head])

    walk(doc, _pattern_parts(pattern), [])
    return found


def _get(doc: Any, parts: Iterable[str | int]) -> Any:
    for part in parts:
        doc = doc[part]
    return doc


def _set(doc: Any, parts: list[str | int], value: Any) -> None:
    _get(doc, parts[:-1])[parts[-1]] = value


def _common_prefix(paths: list[list[str | int]]) -> list[str | int]:
    prefix: list[str | int] = []
    for column in zip(*paths):
        if any(c != column[0] for c in column):
            break
        prefix.append(column[0])
    return prefix


def describe(value: Any, limit: int = 90) -> str:
    """A value in a few words: numbers as ``%g``, a distribution as its name and parameters,
    mappings and lists item by item (cut at ``limit`` characters)."""

    def text(v: Any) -> str:
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, float):
            return f"{v:g}"
        if isinstance(v, dict):
            if "dist" in v:
                params = ", ".join(f"{k} {text(x)}" for k, x in v.items() if k != "dist")
                return f"{v['dist']} ({params})" if v["dist"] != "fixed" else text(v.get("value"))
            return ", ".join(f"{k} {text(x)}" for k, x in v.items())
        if isinstance(v, list):
            keys = [tuple(x) if isinstance(x, dict) and "dist" not in x else None for x in v]
            if v and keys[0] and all(k == keys[0] for k in keys):  # a table: column by column
                return "; ".join(f"{k} " + ", ".join(text(x[k]) for x in v) for k in keys[0])
            return "; ".join(text(x) for x in v)
        return str(v)

    out = text(value)
    return out if len(out) <= limit else out[: limit - 3] + "..."


# --------------------------------------------------------------------------- provenance


@dataclass(frozen=True)
class Provenance:
    """Where a value comes from: ``origin`` (profile, schema default or scenario), the source
    text, and ``flags``: "assumption", "weak source" or "stale source" when the source says so."""

    origin: str
    source: str
    flags: tuple[str, ...] = ()


def source_flags(text: str, as_of: dt.date | None = None, today: dt.date | None = None) -> tuple:
    """The reasons to replace a value with this source: it says "assumption", it is marked
    ``[weak]`` (vendor or blog provenance), or its profile is older than STALE_AFTER_DAYS."""
    flags = []
    if re.search(r"\bassumption\b", text, re.IGNORECASE):
        flags.append("assumption")
    if "[weak]" in text.lower():
        flags.append("weak source")
    if as_of is not None and today is not None and (today - as_of).days > STALE_AFTER_DAYS:
        flags.append(f"stale source (checked {as_of.isoformat()})")
    return tuple(flags)


def _profile_source(profile: Any, rest: list[str | int]) -> str | None:
    """The profile's source entry for a location path (its own or the nearest enclosing one)."""
    from botsim.inputs.profile_view import source_for

    dotted = ".".join(str(p) for p in rest if isinstance(p, str))
    return source_for(profile, dotted)


def provenance(
    scenario: Scenario,
    parts: list[str | int],
    base_dir: Path | None = None,
    today: dt.date | None = None,
    doc: dict[str, Any] | None = None,
) -> Provenance:
    """Where the value at ``parts`` of ``scenario`` comes from.

    A location value equal to its profile's is the profile's (with that entry's source); any
    other value equal to the schema default is the default's (its field description carries
    its source or the word "assumption"); anything else was set in the scenario. The comparison
    is by value, so a resolved scenario (a run folder's ``scenario.yaml``) gives the same answer.
    ``doc`` is the scenario as plain data, when the caller has it already.
    """
    today = today or dt.date.today()
    value = _get(doc if doc is not None else scenario_to_dict(scenario), parts)
    if parts and parts[0] == "locations" and len(parts) > 2:
        location = scenario.locations[int(parts[1])]
        if location.profile is not None:
            try:
                profile = load_profile(location.profile, base_dir)
            except ScenarioError:
                profile = None
            if profile is not None:
                values = profile.values.model_dump(mode="json", by_alias=True)
                rest = parts[2:]
                try:
                    same = _get(values, rest) == value
                except (KeyError, IndexError, TypeError):
                    same = False
                text = _profile_source(profile, rest) if same else None
                if text is not None:
                    origin = f"profile {profile.name} (as of {profile.as_of.isoformat()})"
                    return Provenance(origin, text, source_flags(text, profile.as_of, today))
        return Provenance("scenario", "set in the scenario")
    owner: Any = scenario
    for part in parts[:-1]:
        owner = owner[part] if isinstance(part, int) else getattr(owner, part)
    info = type(owner).model_fields.get(str(parts[-1]))
    if info is not None and not info.is_required():
        default = info.get_default(call_default_factory=True)
        if json.dumps(default, sort_keys=True, default=str) == json.dumps(
            value, sort_keys=True, default=str
        ):
            text = info.description or ""
            return Provenance("schema default", text, source_flags(text))
    return Provenance("scenario", "set in the scenario")


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Driver:
    """One assumption of a drivers run: what moved, where, from what to what, and its source."""

    name: str
    label: str
    path: str  # where to set it (the matched scenario paths)
    change: str
    value: str  # current value, in words
    low: str
    high: str
    origin: str
    source: str
    flags: tuple[str, ...]
    why: str
    note: str = ""  # e.g. an end kept at the base value because it is not valid


@dataclass(frozen=True)
class DriverPlan:
    """The candidates a scenario uses, as a one-at-a-time sweep, and those left out (why)."""

    drivers: list[Driver]
    skipped: list[tuple[str, str]]
    plan: Any  # the SweepPlan (None when no candidate applies)


def _scalar(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool))


def _display(
    values: list[Any], bases: list[Any], change: Change, factor: float, scale: bool = True
) -> str:
    """Values in words: a scale factor as ``x0.75`` (``x1`` when unchanged), else the values
    of every matched path (``|`` between structured ones)."""
    if scale and change.kind == "scale":
        return f"x{factor:g}" if values != bases else "x1"
    sep = ", " if all(_scalar(v) for v in values) else " | "
    return sep.join(describe(v) for v in values)


def _base_document(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as plain data, profiles already merged (so none is re-read)."""
    doc = scenario_to_dict(scenario)
    for location in doc["locations"]:
        location["profile"] = None
    return doc


def _invalid(doc: dict[str, Any], prefix: list[str | int], value: Any) -> str | None:
    """Why the scenario with ``value`` at ``prefix`` is not valid (None when it is)."""
    from botsim.inputs.loader import scenario_from_dict

    moved = copy.deepcopy(doc)
    _set(moved, prefix, value)
    try:
        scenario_from_dict(moved, "<drivers>")
    except ScenarioError as exc:
        return "; ".join(str(p) for p in exc.problems[:2])
    return None


def _candidate_parameter(
    scenario: Scenario,
    doc: dict[str, Any],
    candidate: Candidate,
    base_dir: Path | None,
    today: dt.date | None,
) -> tuple[SweepParameter, Driver] | str:
    """The sweep parameter and description of one candidate, or why it is left out.

    An end whose value makes the scenario invalid (no recruiter below one) stays at the base
    value, so the other end is still tried; the driver's ``note`` says so.
    """
    paths = instances(doc, candidate.path)
    if not paths:
        return "not in this scenario"
    if not candidate.applies(scenario):
        return "does not apply to this scenario"
    prefix = _common_prefix(paths) if len(paths) > 1 else paths[0]
    if not prefix:  # pragma: no cover - every pattern has one list at most (tests check)
        raise ValueError(f"{candidate.path}: matches no common container")
    bases = [_get(doc, p) for p in paths]
    change = candidate.change
    ends: dict[str, tuple[Any, str]] = {}  # level -> (value at prefix, in words)
    notes = []
    for sign, level in ((-1, "low"), (1, "high")):
        moved = [change.moved(b, sign) for b in bases]
        if len(paths) == 1:  # the path itself
            container = moved[0]
        else:  # the list holding every matched path (all locations)
            container = copy.deepcopy(_get(doc, prefix))
            for p, v in zip(paths, moved):
                _set(container, p[len(prefix) :], v)
        why = None if moved == bases else _invalid(doc, prefix, container)
        if moved == bases or why is not None:
            if why is not None:
                notes.append(f"{level} end not valid ({why}): kept at the base value")
            moved, container = bases, _get(doc, prefix)
        ends[level] = (container, _display(moved, bases, change, 1 + sign * change.amount))
    if all(value == _get(doc, prefix) for value, _ in ends.values()):
        if notes:
            return "not valid at either end (" + "; ".join(notes) + ")"
        return "its value is 0: a relative change does nothing"
    parameter = SweepParameter(
        name=candidate.name, path=format_path(prefix), low=ends["low"][0], high=ends["high"][0]
    )
    sources = [provenance(scenario, p, base_dir, today, doc) for p in paths]
    where = ", ".join(format_path(p) for p in paths)
    if change.keys:
        where += f" ({', '.join(change.keys)})"

    def joined(values: Iterable[str]) -> str:
        return " | ".join(dict.fromkeys(values))

    driver = Driver(
        name=candidate.name,
        label=candidate.label,
        path=where,
        change=change.text,
        value=_display(bases, bases, change, 1.0, scale=False),
        low=ends["low"][1],
        high=ends["high"][1],
        origin=joined(s.origin for s in sources),
        source=joined(s.source for s in sources),
        flags=tuple(dict.fromkeys(f for s in sources for f in s.flags)),
        why=candidate.why,
        note="; ".join(notes),
    )
    return parameter, driver


def plan_drivers(
    scenario: Scenario,
    candidates: Iterable[Candidate] = CANDIDATES,
    base_dir: Path | None = None,
    today: dt.date | None = None,
) -> DriverPlan:
    """The one-at-a-time sweep of the ``candidates`` that ``scenario`` uses, and those left
    out with the reason (not in the scenario, not applicable, no change, invalid at both
    ends). Raises :class:`~botsim.experiment.sweep.SweepError` only if a variant validated
    here is refused by the sweep (a bug)."""
    doc = _base_document(scenario)
    chosen: list[tuple[SweepParameter, Driver]] = []
    skipped: list[tuple[str, str]] = []
    for candidate in candidates:
        found = _candidate_parameter(scenario, doc, candidate, base_dir, today)
        if isinstance(found, str):
            skipped.append((candidate.label, found))
        elif len(chosen) == MAX_DRIVERS:
            skipped.append((candidate.label, f"over the {MAX_DRIVERS} assumptions of a sweep"))
        else:
            chosen.append(found)
    if not chosen:
        return DriverPlan([], skipped, None)
    sweep = DriversSweep(
        name=SWEEP_NAME,
        base=doc,
        mode="one_at_a_time",
        parameters=[p for p, _ in chosen],
        key_metric=DRIVER_METRICS[0],
    )
    plan = plan_sweep(sweep, f"<drivers of {scenario.name}>")
    return DriverPlan([d for _, d in chosen], skipped, plan)


# --------------------------------------------------------------------------- running


class _SummaryOnly:
    """A chunk store that keeps nothing: the drivers need the summaries, not the monthly
    series, so every variant's series are dropped as their chunk finishes."""

    def completed_chunks(self) -> Iterator[Any]:
        return iter(())

    def save_chunk(self, chunk: Any) -> None:
        pass

    def load_series(self) -> Any:
        import pandas as pd

        return pd.DataFrame({"replication": []})


@dataclass
class DriversResult:
    """A drivers run: every variant's key metrics per replication, and each assumption."""

    scenario: str
    seed: int
    replications: int
    drivers: list[Driver]
    skipped: list[tuple[str, str]]
    table: Any  # point, label, varied, level, replication, <assumption labels>, metrics
    wall_time: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def variants(self) -> int:
        return 1 + 2 * len(self.drivers) if self.drivers else 0

    def manifest_entry(self) -> dict[str, Any]:
        """What the run's manifest says about its drivers (the table is in DRIVERS_FILE)."""
        return {
            "file": DRIVERS_FILE,
            "replications": self.replications,
            "seed": self.seed,
            "variants": self.variants,
            "metrics": list(DRIVER_METRICS),
            "assumptions": [asdict(d) for d in self.drivers],
            "skipped": [{"assumption": a, "why": w} for a, w in self.skipped],
            "failed_replications": len(self.failures),
            "wall_time_seconds": round(self.wall_time, 3),
        }


def variant_count(plan: DriverPlan) -> int:
    return 1 + 2 * len(plan.drivers) if plan.drivers else 0


def run_drivers(
    scenario: Scenario,
    replications: int,
    seed: int,
    *,
    plan: DriverPlan | None = None,
    base_dir: Path | None = None,
    progress: Any = None,
    **run_options: Any,
) -> DriversResult:
    """Run the drivers of ``scenario``: ``replications`` per variant, all with ``seed``.

    ``progress`` is a callable called with the replications finished, or an object with
    ``set_total(n)`` (called once with every variant's replications) and ``advance(n)``.
    ``run_options`` go to :func:`botsim.experiment.runner.run_experiment` (an open ``backend``
    to share the run's workers).
    """

    check_replications(replications)
    started = time.perf_counter()
    plan = plan or plan_drivers(scenario, base_dir=base_dir)
    if not plan.drivers:
        return DriversResult(scenario.name, seed, replications, [], plan.skipped, None)
    advance = progress
    if progress is not None and hasattr(progress, "advance"):
        progress.set_total(variant_count(plan) * replications)
        advance = progress.advance
    result = run_sweep(
        plan.plan, replications, seed, progress=advance, store=_SummaryOnly(), **run_options
    )
    table = _driver_table(result.summary, plan.drivers)
    return DriversResult(
        scenario=scenario.name,
        seed=seed,
        replications=replications,
        drivers=plan.drivers,
        skipped=plan.skipped,
        table=table,
        wall_time=time.perf_counter() - started,
        failures=result.failures,
    )


def _driver_table(summary: Any, drivers: list[Driver]) -> Any:
    """The sweep's summary cut to the driver metrics, each assumption's column named by its
    label and holding the value in words (a scale factor as ``x0.75``)."""
    from botsim.metrics import catalogue

    labels = {d.name: d.label for d in drivers}
    metrics = [m for m in DRIVER_METRICS if m in summary]
    flags = [catalogue.metric(m).flag for m in metrics if catalogue.has_flag(summary.columns, m)]
    out = summary[["point", "varied", "level", "replication", *metrics, *flags]].copy()
    out["varied"] = out["varied"].map(lambda v: labels.get(v, v))
    for d in drivers:
        shown = {"low": d.low, "high": d.high}
        moved = (summary["varied"] == d.name).to_numpy()
        base = "x1" if d.low.startswith("x") else d.value
        out[d.label] = [shown[lv] if hit else base for lv, hit in zip(summary["level"], moved)]
    out.insert(
        1,
        "label",
        [f"{v} {lv}" if v else "base" for v, lv in zip(out["varied"], out["level"])],
    )
    return out.reset_index(drop=True)


def write_drivers(folder: Path, result: DriversResult) -> Path | None:
    """Write the drivers table into ``folder`` (atomically); nothing when no assumption ran."""
    return _write_table(Path(folder) / DRIVERS_FILE, result.table)


def _write_table(path: Path, table: Any) -> Path | None:
    """Write ``table`` to the Parquet file ``path`` atomically; nothing when it is None."""
    from botsim.experiment.outputs import _write_with, write_parquet

    if table is None:
        return None
    _write_with(path, lambda p: write_parquet(table, p))
    return path


def check_replications(requested: int | None) -> None:
    """Refuse (``ValueError``) a replication count a drivers run cannot use."""
    if requested is not None and (isinstance(requested, bool) or requested < MIN_REPLICATIONS):
        raise ValueError(
            f"drivers replications must be at least {MIN_REPLICATIONS} (a paired interval needs "
            f"two pairs), got {requested!r}"
        )


def drivers_replications(requested: int | None, run_replications: int) -> int:
    """Replications per variant: as requested, else DEFAULT_REPLICATIONS capped at the run's."""
    if requested is not None:
        return requested
    return max(MIN_REPLICATIONS, min(DEFAULT_REPLICATIONS, run_replications))


# ------------------------------------------------------------------ the cost answer of a comparison

COST_DRIVERS_FILE = DRIVERS_TABLES[1]
"""The cost drivers table of a comparison folder (one row per variant and replication)."""

BREAK_EVEN_TERMS = 3
"""Break-even values stated in words: those of the terms with the largest swing that a valid
value reaches, and at most as many that none reaches (a setting)."""


@dataclass(frozen=True)
class BreakEven:
    """The value of one term at which the mean paired cost difference A - B is 0.

    ``value`` is found by linear interpolation of the mean difference between the tried values
    (low, base, high), or by linear extrapolation from the nearest two beyond them
    (``extrapolated``); ``ci_low``..``ci_high`` are the values where the ends of the difference's
    confidence interval cross 0 in the same way (NaN when one never does). ``cheaper_side``
    says on which side of ``value`` A costs less than B ("above" or "below"); ``valid`` is
    False when no valid value of the term reaches it (a negative amount), ``why`` says so.
    ``factor``: the values are multiples of the base (a term scaled in several places)."""

    metric: str
    assumption: str
    base: float
    value: float
    ci_low: float
    ci_high: float
    cheaper_side: str
    extrapolated: bool
    valid: bool
    factor: bool
    tried: tuple[float, float]
    why: str = ""


def _crossing(xs: list[float], ys: list[float]) -> tuple[float, bool]:
    """Where the piecewise-linear line through (xs, ys) (xs increasing) crosses 0: inside the
    range by interpolation, else extrapolated from the end segment nearer 0 (NaN when flat)."""
    for x, y in zip(xs, ys):
        if y == 0:
            return x, False
    for (x0, y0), (x1, y1) in itertools.pairwise(zip(xs, ys)):
        if (y0 < 0) != (y1 < 0):
            return x0 + (x1 - x0) * (0 - y0) / (y1 - y0), False
    (x0, y0), (x1, y1) = (xs[0], ys[0]), (xs[1], ys[1])
    if abs(ys[-1]) < abs(ys[0]):
        (x0, y0), (x1, y1) = (xs[-2], ys[-2]), (xs[-1], ys[-1])
    if y1 == y0 or not all(map(math.isfinite, (y0, y1))):
        return math.nan, True
    return x0 + (x1 - x0) * (0 - y0) / (y1 - y0), True


def break_even(
    points: list[tuple[float, Any]], confidence: float, metric: str = "", assumption: str = ""
) -> BreakEven | None:
    """The break-even of a term from its tried values and the per-replication differences
    A - B at each: ``points`` = [(value, differences), ...] with the base second (low, base,
    high). None when the term does not move the difference or fewer than two values differ."""
    from botsim import stats

    base = float(points[1][0]) if len(points) > 1 else math.nan
    unique: dict[float, Any] = {}
    for x, d in points:
        unique.setdefault(float(x), d)
    if len(unique) < 2:
        return None
    xs = sorted(unique)
    stats_at = [stats.describe(np.asarray(unique[x], dtype=float), confidence) for x in xs]
    mean = [s["mean"] for s in stats_at]
    if len(set(mean)) < 2:
        return None
    value, extrapolated = _crossing(xs, mean)
    if math.isnan(value):
        return None
    roots = [_crossing(xs, [s[k] for s in stats_at])[0] for k in ("ci_low", "ci_high")]
    lo, hi = (min(roots), max(roots)) if not any(map(math.isnan, roots)) else (math.nan,) * 2
    # The side where A is cheaper: the sign of the slope at the crossing.
    k = min(max(bisect.bisect_left(xs, value), 1), len(xs) - 1)
    slope = (mean[k] - mean[k - 1]) / (xs[k] - xs[k - 1])
    return BreakEven(
        metric=metric,
        assumption=assumption,
        base=base,
        value=float(value),
        ci_low=float(lo),
        ci_high=float(hi),
        cheaper_side="above" if slope < 0 else "below",
        extrapolated=extrapolated,
        valid=True,
        factor=False,
        tried=(xs[0], xs[-1]),
    )


def _numbers(plan: DriverPlan, driver: Driver, change: Change) -> tuple[list[float], bool] | None:
    """The low, base and high values of a driver as numbers (a scaled term: its factors x0.75,
    x1, x1.25; an end kept at base: x1), and whether they are factors; None for a choice, a
    shift (FX drift inside its path) or values that differ between the matched paths."""
    if change.kind in ("choice", "shift"):
        return None
    if change.kind == "scale":
        low = 1 - change.amount if driver.low != "x1" else 1.0
        high = 1 + change.amount if driver.high != "x1" else 1.0
        return [low, 1.0, high], True
    base_point = plan.plan.points[0]
    values = [base_point.params[driver.name]]
    for level in ("low", "high"):
        point = next(p for p in plan.plan.points if p.varied == driver.name and p.level == level)
        values.append(point.params[driver.name])

    def scalar(v: Any) -> float | None:
        if isinstance(v, list):  # one value per matched path: a number if they agree
            v = {json.dumps(x) for x in v}
            v = json.loads(v.pop()) if len(v) == 1 else None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        return float(v)

    numbers = [scalar(v) for v in values]
    if any(n is None for n in numbers):
        return None
    base, low, high = numbers
    return [low, base, high], False  # type: ignore[list-item]


@dataclass
class CostDriversResult:
    """Which terms decide a comparison's cost answer: the paired difference A - B of total
    cost and its present value per variant and replication, and the break-even values."""

    names: tuple[str, str]
    seed: int
    replications: int
    horizon: int
    currency: str
    drivers: list[dict[str, Any]]
    skipped: list[tuple[str, str]]
    table: Any
    break_evens: list[BreakEven]
    wall_time: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def manifest_entry(self) -> dict[str, Any]:
        """What the comparison's manifest says about its cost drivers (table: COST_DRIVERS_FILE)."""
        return {
            "file": COST_DRIVERS_FILE,
            "scenario_a": self.names[0],
            "scenario_b": self.names[1],
            "values": "paired difference A - B per replication",
            "replications": self.replications,
            "seed": self.seed,
            "horizon_months": self.horizon,
            "currency": self.currency,
            "metrics": list(COST_DRIVER_METRICS),
            "assumptions": self.drivers,
            "skipped": [{"assumption": a, "why": w} for a, w in self.skipped],
            "break_even": [asdict(b) for b in self.break_evens],
            "failed_replications": len(self.failures),
            "wall_time_seconds": round(self.wall_time, 3),
        }


def plan_cost_drivers(
    a: Scenario, b: Scenario, base_dir: Path | None = None
) -> tuple[DriverPlan, DriverPlan]:
    """The cost terms each scenario of a pair uses (:data:`COST_CANDIDATES`), planned as for a
    run's drivers."""
    return (
        plan_drivers(a, COST_CANDIDATES, base_dir=base_dir),
        plan_drivers(b, COST_CANDIDATES, base_dir=base_dir),
    )


def cost_variant_count(plans: tuple[DriverPlan, DriverPlan]) -> int:
    return sum(variant_count(p) for p in plans)


def _rows(table: Any, label: str, level: str) -> Any:
    """A variant's rows of a drivers table by replication (the base when the term is not
    moved in that scenario: it does not apply there, so it cannot change its cost)."""
    hit = table[(table["varied"] == label) & (table["level"] == level)]
    if not len(hit):
        hit = table[table["level"] == "base"]
    return hit.set_index("replication")


def run_cost_drivers(
    a: Scenario,
    b: Scenario,
    replications: int,
    seed: int,
    *,
    names: tuple[str, str] | None = None,
    confidence: float = 0.95,
    base_dir: Path | None = None,
    progress: Any = None,
    **run_options: Any,
) -> CostDriversResult:
    """Move each cost term of ``a`` and ``b`` to its low and high value (in both scenarios at
    once where both use it), ``replications`` per variant with ``seed`` (the comparison's:
    common random numbers), and return the paired difference A - B of total cost and present
    value per variant and the break-even values of the most decisive terms.

    Each scenario's variants run as its drivers do (:func:`run_drivers`, the one-at-a-time
    sweep); a term that one scenario does not use (no transfer: no governance) keeps its base
    there. Costs do not feed back into the simulation, so every variant simulates the same
    team as the base: the differences move only through the ledger.
    """
    import contextlib

    import pandas as pd

    from botsim.experiment.sweep import share_backend

    check_replications(replications)
    started = time.perf_counter()
    names = names or (a.name, b.name)
    plans = plan_cost_drivers(a, b, base_dir)
    advance = progress
    if progress is not None and hasattr(progress, "advance"):
        progress.set_total(cost_variant_count(plans) * replications)
        advance = progress.advance
    with contextlib.ExitStack() as stack:
        options = share_backend(run_options, stack)
        results = [
            run_drivers(s, replications, seed, plan=p, progress=advance, **options)
            for s, p in zip((a, b), plans)
        ]
    by_name: dict[str, tuple[Driver | None, Driver | None]] = {}
    for k, res in enumerate(results):
        for d in res.drivers:
            pair = list(by_name.get(d.name, (None, None)))
            pair[k] = d
            by_name[d.name] = (pair[0], pair[1])
    order = [c for c in COST_CANDIDATES if c.name in by_name]
    tables = [r.table for r in results]
    metrics = list(COST_DRIVER_METRICS)
    variants: list[tuple[str, str, str]] = [("", "base", "base")]
    for c in order:
        variants += [(c.label, lv, f"{c.label} {lv}") for lv in ("low", "high")]
    frames = []
    described: list[dict[str, Any]] = []
    for c in order:
        da, db = by_name[c.name]
        first = da or db
        assert first is not None
        value = (
            first.value
            if da is None or db is None or da.value == db.value
            else (f"A {da.value}; B {db.value}")
        )
        entry = asdict(first)
        entry.update(value=value, in_scenarios=[n for n, d in zip(names, (da, db)) if d])
        described.append(entry)
    empty = any(t is None for t in tables)
    if not empty:
        for point, (label, level, text) in enumerate(variants):
            sides = []
            for t in tables:
                rows = (
                    _rows(t, label, level)
                    if label
                    else t[t["level"] == "base"].set_index("replication")
                )
                sides.append(rows[metrics])
            joined = sides[0].sub(sides[1], fill_value=math.nan)  # replications of both only
            frame = joined.reset_index()
            frame.insert(0, "point", point)
            frame.insert(1, "label", text)
            frame.insert(2, "varied", label)
            frame.insert(3, "level", level)
            for entry in described:
                moved = entry["label"] == label
                shown = {"low": entry["low"], "high": entry["high"]}
                base = "x1" if str(entry["low"]).startswith("x") else entry["value"]
                frame[entry["label"]] = shown[level] if moved else base
            frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else None
    evens: list[BreakEven] = []
    if table is not None:
        evens = _break_evens(table, order, by_name, plans, a, b, confidence)
    return CostDriversResult(
        names=names,
        seed=seed,
        replications=replications,
        horizon=min(a.horizon_months, b.horizon_months),
        currency=a.costs.currency,
        drivers=described,
        skipped=[s for s in results[0].skipped if s[0] not in {d["label"] for d in described}],
        table=table,
        break_evens=evens,
        wall_time=time.perf_counter() - started,
        failures=[f for r in results for f in r.failures],
    )


def _break_evens(
    table: Any,
    order: list[Candidate],
    by_name: dict[str, tuple[Driver | None, Driver | None]],
    plans: tuple[DriverPlan, DriverPlan],
    a: Scenario,
    b: Scenario,
    confidence: float,
) -> list[BreakEven]:
    """Break-even values of the terms with the largest swing of the total difference (then of
    the present value), at most BREAK_EVEN_TERMS each, for terms given as numbers (in both
    scenarios, the same numbers)."""
    out: list[BreakEven] = []
    docs = (_base_document(a), _base_document(b))
    for metric in COST_DRIVER_METRICS:

        def values(label: str, level: str, metric: str = metric) -> Any:
            hit = table[(table["varied"] == label) & (table["level"] == level)]
            return hit.sort_values("replication")[metric].to_numpy(dtype=float)

        base = table[table["level"] == "base"].sort_values("replication")[metric].to_numpy(float)
        swings = []
        for c in order:
            low, high = values(c.label, "low"), values(c.label, "high")
            swing = abs(float(np.nanmean(high)) - float(np.nanmean(low)))
            swings.append((swing, c))
        swings.sort(key=lambda t: -t[0])
        found = unreachable = 0
        for swing, c in swings:
            if found == BREAK_EVEN_TERMS or not swing:
                break
            numbers = []
            for k, d in enumerate(by_name[c.name]):
                if d is not None:
                    numbers.append(_numbers(plans[k], d, c.change))
            if any(n is None for n in numbers) or len({json.dumps(n) for n in numbers}) != 1:
                continue
            (xs, factor) = numbers[0]  # type: ignore[misc]
            low, high = values(c.label, "low"), values(c.label, "high")
            found_even = break_even(
                [(xs[0], low), (xs[1], base), (xs[2], high)], confidence, metric, c.label
            )
            if found_even is None:
                continue
            why = _unreachable(found_even, c, by_name[c.name], docs, factor)
            if why and unreachable == BREAK_EVEN_TERMS:
                continue
            out.append(replace(found_even, factor=factor, valid=not why, why=why))
            found += not why
            unreachable += bool(why)
    return out


def _unreachable(
    even: BreakEven,
    candidate: Candidate,
    drivers: tuple[Driver | None, Driver | None],
    docs: tuple[dict[str, Any], dict[str, Any]],
    factor: bool,
) -> str:
    """Why no valid value of the term reaches its break-even ("" when one does)."""
    if factor:
        return "" if even.value >= 0 else "it would take a negative amount"
    for doc, driver in zip(docs, drivers):
        if driver is None:
            continue
        paths = instances(doc, candidate.path)
        prefix = _common_prefix(paths) if len(paths) > 1 else paths[0]
        if len(paths) == 1:
            container: Any = even.value
        else:
            container = copy.deepcopy(_get(doc, prefix))
            for p in paths:
                _set(container, p[len(prefix) :], even.value)
        problem = _invalid(doc, prefix, container)
        if problem:
            return f"not a valid value ({problem})"
    return ""


def write_cost_drivers(folder: Path, result: CostDriversResult) -> Path | None:
    """Write the cost drivers table into ``folder`` (atomically); nothing when none ran."""
    return _write_table(Path(folder) / COST_DRIVERS_FILE, result.table)


__all__ = [
    "CANDIDATES",
    "COST_CANDIDATES",
    "DRIVER_METRICS",
    "BreakEven",
    "Candidate",
    "Change",
    "CostDriversResult",
    "Driver",
    "DriverPlan",
    "DriversResult",
    "break_even",
    "describe",
    "instances",
    "plan_cost_drivers",
    "plan_drivers",
    "provenance",
    "run_cost_drivers",
    "run_drivers",
    "source_flags",
    "write_cost_drivers",
    "write_drivers",
]
