"""The scenario schema: the one validated input boundary of botsim.

Load -> merge the location profile -> apply ``--set`` overrides -> validate -> freeze.
After :func:`load_scenario` returns, model code only ever sees frozen pydantic objects; it never
reads a raw dict and never supplies a default of its own. Every default below carries its source
or the word "assumption" in its description; location-specific values live in the profile files
(``botsim/profiles/*.yaml``) with a source per value.

Units: simulated time is in days; plans, horizons and tenure bands are in months, where one
month is ``DAYS_PER_MONTH`` days; attrition rates are per year; money is in the scenario currency.
"""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from botsim.distributions import Distribution

DAYS_PER_MONTH = 365.25 / 12
"""Mean Gregorian month (30.4375 days); month m of the plan starts on day m * DAYS_PER_MONTH."""

DAYS_PER_YEAR = 365.25

MAX_HORIZON_MONTHS = 240
"""Limit: 20 years. Longer horizons are refused (assumption: no BOT plan looks further ahead)."""
MAX_TEAM_SIZE = 5_000
"""Limit on the planned headcount of one role; bounds memory and run time per replication."""
MAX_REPLICATIONS = 1_000_000

Probability = Annotated[float, Field(ge=0, le=1)]
NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\- ]*$")]


class Frozen(BaseModel):
    """Base of every schema object: unknown keys are errors, NaN/inf refused, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


# --------------------------------------------------------------------------- location values


class FunnelStage(Frozen):
    """One selection step a candidate goes through (screen, assessment, interview, ...)."""

    name: Name
    pass_rate: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Share of candidates entering the stage who pass it."
    )
    duration: Distribution = Field(description="Days a candidate spends in the stage.")


class Recruiting(Frozen):
    """Recruiting capacity and the candidate funnel of one location.

    Candidates apply to each actively worked requisition as a Poisson stream
    (``applicants_per_week``); each goes through ``stages`` in order and, if they pass all of
    them, receives an offer, accepted with probability ``offer_acceptance``. The requisition is
    filled by the first accepting candidate to finish the funnel. See docs/model.md, "Recruiting".
    """

    recruiters: Annotated[int, Field(ge=1, le=10_000)] = Field(
        description="Recruiters assigned to this location."
    )
    requisitions_per_recruiter: Annotated[int, Field(ge=1, le=1_000)] = Field(
        description="Requisitions one recruiter works at the same time."
    )
    applicants_per_week: Positive = Field(
        description="Applicants entering the funnel per actively worked requisition per week."
    )
    stages: Annotated[list[FunnelStage], Field(max_length=20)] = Field(
        description="Funnel stages in order (may be empty: every applicant is a finalist)."
    )
    offer_acceptance: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Probability that a finalist accepts the offer."
    )
    offer_duration: Distribution = Field(description="Days from final interview to the answer.")
    no_show: Annotated[float, Field(ge=0, lt=1)] = Field(
        description="Probability that an accepted candidate does not start (search reopens)."
    )
    candidate_notice: Distribution = Field(
        description="Days an accepted candidate serves at their current employer before starting."
    )

    @property
    def finalist_probability(self) -> float:
        """Probability that one applicant passes every stage (before the offer)."""
        p = 1.0
        for stage in self.stages:
            p *= stage.pass_rate
        return p


class AttritionBand(Frozen):
    """Annual attrition rates that apply from ``from_month`` of tenure to the next band."""

    from_month: NonNeg = Field(description="Tenure (months) at which the band starts.")
    voluntary: Annotated[float, Field(ge=0, le=5)] = Field(
        description="Annual voluntary attrition rate (resignations), per the location definition."
    )
    involuntary: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.0, description="Annual involuntary attrition rate (dismissals)."
    )


class Attrition(Frozen):
    """Tenure-dependent attrition (piecewise-constant hazard, see reference T1)."""

    definition: Literal["turnover_ratio", "cohort_probability"] = Field(
        description=(
            "How the annual rates are meant: 'turnover_ratio' = separations / average headcount "
            "(hazard = rate); 'cohort_probability' = probability of leaving within a year "
            "(hazard = -ln(1 - rate))."
        )
    )
    bands: Annotated[list[AttritionBand], Field(min_length=1, max_length=50)]
    no_notice_share: Probability = Field(
        default=0.0,
        description="Share of resignations that leave without serving notice (AWOL).",
    )

    @model_validator(mode="after")
    def _bands_ordered(self) -> Attrition:
        starts = [b.from_month for b in self.bands]
        if starts[0] != 0:
            raise ValueError(
                f"the first attrition band must start at from_month 0, got {starts[0]}"
            )
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise ValueError(f"attrition bands must have increasing from_month, got {starts}")
        if self.definition == "cohort_probability":
            for band in self.bands:
                if band.voluntary + band.involuntary >= 1:
                    raise ValueError(
                        "with definition 'cohort_probability' voluntary + involuntary must be "
                        f"below 1 in every band, got {band.voluntary + band.involuntary:g} "
                        f"from month {band.from_month:g}"
                    )
        return self


class Probation(Frozen):
    """Probationary period: an employee may be let go (without notice) at its end."""

    months: NonNeg = Field(description="Length of probation in months.")
    failure_probability: Probability = Field(
        description="Probability that a new hire still employed at the end of probation fails it."
    )


class Ramp(Frozen):
    """Productivity of a new hire as a function of tenure (see ``botsim.model.rampup``)."""

    shape: Literal["linear", "logistic", "stepped"] = Field(description="Curve after training.")
    training_days: NonNeg = Field(description="Days at zero productivity (classroom training).")
    ramp_days: NonNeg = Field(description="Days from the end of training to full productivity.")
    steps: Annotated[int, Field(ge=1, le=12)] = Field(
        default=3, description="Number of equal steps for the 'stepped' shape (assumption)."
    )
    steepness: Annotated[float, Field(gt=0, le=50)] = Field(
        default=10.0,
        description="Logistic slope over the normalised ramp (assumption; 10 gives ~1% at start).",
    )


class Entity(Frozen):
    """The client's own legal entity in the location (needed for transfer)."""

    setup_days: Distribution = Field(description="Days from starting set-up to a ready entity.")
    setup_cost: NonNeg = Field(description="One-off cost of setting up the entity.")


class LocationValues(Frozen):
    """Every value a location profile provides; a scenario may override any of them."""

    country: str = Field(min_length=1, max_length=64)
    recruiting: Recruiting
    attrition: Attrition
    probation: Probation
    notice_days: NonNeg = Field(description="Resignation notice an employee serves (days).")
    ramp: Ramp
    loaded_monthly_cost: dict[Name, NonNeg] = Field(
        description="Fully loaded monthly cost per employee by role family (scenario currency)."
    )
    entity: Entity
    timezone_overlap_hours: Annotated[float, Field(ge=0, le=24)] = Field(
        description="Working hours per day that overlap with the client's core hours."
    )


class Location(LocationValues):
    """A location of the engagement: a profile plus the scenario's overrides, merged."""

    name: Name
    profile: str | None = Field(default=None, description="Built-in profile name or file path.")


# --------------------------------------------------------------------------- team and policy


class PlanStep(Frozen):
    """From ``month`` on, the role's target headcount is ``headcount``."""

    month: NonNeg
    headcount: Annotated[int, Field(ge=0, le=MAX_TEAM_SIZE)]


class Role(Frozen):
    """A role in one location with its target headcount over time."""

    name: Name
    location: Name = Field(description="Name of a location of this scenario.")
    family: Name | None = Field(
        default=None,
        description="Role family for costs (key of loaded_monthly_cost); defaults to the name.",
    )
    plan: Annotated[list[PlanStep], Field(min_length=1, max_length=120)] = Field(
        description="Initial build and growth waves; months increasing, headcount non-decreasing."
    )
    ramp: Ramp | None = Field(default=None, description="Overrides the location's ramp curve.")

    @model_validator(mode="after")
    def _plan_ordered(self) -> Role:
        months = [s.month for s in self.plan]
        if any(b <= a for a, b in itertools.pairwise(months)):
            raise ValueError(f"plan months must be increasing, got {months}")
        heads = [s.headcount for s in self.plan]
        if any(b < a for a, b in itertools.pairwise(heads)):
            raise ValueError(
                f"plan headcount must not decrease (reductions are not modelled), got {heads}"
            )
        if heads[-1] == 0:
            raise ValueError("plan never asks for anyone: the last headcount is 0")
        return self

    @property
    def role_family(self) -> str:
        return self.family or self.name

    def target_at(self, month: float) -> int:
        """Target headcount in force at ``month``."""
        target = 0
        for step in self.plan:
            if step.month <= month:
                target = step.headcount
        return target


class TrainingClasses(Frozen):
    """New hires start only on class start days (cohorts)."""

    interval_days: Positive = Field(description="Days between two class start days.")
    first_class_day: NonNeg = Field(default=0.0, description="Day of the first class.")


class Policy(Frozen):
    backfill: Literal["on_notice", "on_exit"] = Field(
        default="on_notice",
        description=(
            "When the backfill requisition opens: when the resignation is handed in, or when the "
            "person has left (assumption: on_notice, the usual partner practice)."
        ),
    )
    training_classes: TrainingClasses | None = Field(
        default=None, description="Batch starts into training cohorts; none = start any day."
    )


class Stability(Frozen):
    """Thresholds of ``time_to_stable_team`` (brief, "Metrics")."""

    window_months: Annotated[int, Field(ge=1, le=24)] = Field(
        default=3, description="Consecutive month-ends that must meet every threshold (brief)."
    )
    headcount_fraction: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9, description="Headcount >= this share of target (brief)."
    )
    capacity_fraction: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.8, description="Effective FTE >= this share of target (brief)."
    )
    max_annual_attrition: Annotated[float, Field(gt=0)] = Field(
        default=0.6,
        description=(
            "Annualised attrition over the window must not exceed this (assumption: 0.6, i.e. "
            "about 1.3x the 45 % Philippine contact-centre total of 2022, so ordinary churn "
            "counts as stable and a spike does not)."
        ),
    )


class Scenario(Frozen):
    """A complete, validated engagement scenario."""

    name: Name
    description: str = Field(default="", max_length=10_000)
    horizon_months: Annotated[int, Field(ge=1, le=MAX_HORIZON_MONTHS)] = Field(
        description="Months simulated from the start of Build."
    )
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        default=200, description="Default number of replications (CLI --replications overrides)."
    )
    seed: Annotated[int, Field(ge=0, lt=2**63)] = Field(
        default=20261125, description="Default root seed (CLI --seed overrides)."
    )
    locations: Annotated[list[Location], Field(min_length=1, max_length=50)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=200)]
    policy: Policy = Field(default_factory=Policy)
    stability: Stability = Field(default_factory=Stability)

    @field_validator("locations")
    @classmethod
    def _unique_locations(cls, locations: list[Location]) -> list[Location]:
        names = [loc.name for loc in locations]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"location names must be unique, repeated: {dup}")
        return locations

    @model_validator(mode="after")
    def _roles_consistent(self) -> Scenario:
        by_name = {loc.name: loc for loc in self.locations}
        seen: set[tuple[str, str]] = set()
        for i, role in enumerate(self.roles):
            if role.location not in by_name:
                raise ValueError(
                    f"roles[{i}].location: unknown location {role.location!r}; "
                    f"defined: {sorted(by_name)}"
                )
            key = (role.name, role.location)
            if key in seen:
                raise ValueError(
                    f"roles[{i}]: role {role.name!r} appears twice in {role.location!r}"
                )
            seen.add(key)
            if role.role_family not in by_name[role.location].loaded_monthly_cost:
                raise ValueError(
                    f"roles[{i}].family: no loaded_monthly_cost for {role.role_family!r} in "
                    f"location {role.location!r}; known: "
                    f"{sorted(by_name[role.location].loaded_monthly_cost)}"
                )
            first = role.plan[0].month
            if first >= self.horizon_months:
                raise ValueError(
                    f"roles[{i}].plan: first step at month {first:g} is not inside the "
                    f"horizon of {self.horizon_months} months"
                )
        return self

    def location(self, name: str) -> Location:
        return next(loc for loc in self.locations if loc.name == name)

    def ramp_for(self, role: Role) -> Ramp:
        return role.ramp or self.location(role.location).ramp

    @property
    def horizon_days(self) -> float:
        return self.horizon_months * DAYS_PER_MONTH

    def target_at(self, month: float) -> int:
        """Total target headcount across roles at ``month``."""
        return sum(role.target_at(month) for role in self.roles)


SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def slug(name: str) -> str:
    """A file-system-safe form of a scenario name (no separators, no leading dots)."""
    return SLUG.sub("-", name).strip("-.") or "scenario"


__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "Attrition",
    "AttritionBand",
    "Entity",
    "FunnelStage",
    "Location",
    "LocationValues",
    "PlanStep",
    "Policy",
    "Probation",
    "Ramp",
    "Recruiting",
    "Role",
    "Scenario",
    "Stability",
    "TrainingClasses",
    "slug",
]
