"""The scenario schema: the one validated input boundary of botsim.

Load -> merge the location profile -> apply ``--set`` overrides -> validate -> freeze.
After :func:`load_scenario` returns, model code only ever sees frozen pydantic objects; it never
reads a raw dict and never supplies a default of its own. Every default below carries its source
or the word "assumption" in its description; location-specific values live in the profile files
(``botsim/inputs/profiles/*.yaml``) with a source per value.

Units: simulated time is in days; plans, horizons and tenure bands are in months, where one
month is ``DAYS_PER_MONTH`` days; attrition rates are per year; money is in the scenario currency.
"""

from __future__ import annotations

import datetime
import itertools
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from botsim.inputs.caching import by_identity
from botsim.inputs.distributions import (
    MAX_DURATION_DAYS,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Triangular,
    Uniform,
)

DAYS_PER_MONTH = 365.25 / 12
"""Mean Gregorian month (30.4375 days); month m of the plan starts on day m * DAYS_PER_MONTH."""

PLAN_STEP_ROUNDING = 1e-9
"""Months added before reading the plan at a moment: a step at month m is in force from day
m * DAYS_PER_MONTH on, which divided back by DAYS_PER_MONTH may round to just below m."""

DAYS_PER_YEAR = 365.25

MAX_HORIZON_MONTHS = 240
"""Limit: 20 years. Longer horizons are refused (assumption: no BOT plan looks further ahead)."""
MAX_TEAM_SIZE = 5_000
"""Limit on the planned headcount of one role; bounds memory and run time per replication."""
MAX_REPLICATIONS = 1_000_000
MAX_APPLICANTS_PER_WEEK = 1_000
"""Limit on applicants per requisition per week (a busy real funnel sees tens)."""

# Bounds that make "validate passes" mean "run finishes": every duration, month, rate and
# amount is bounded so that no sum overflows and no search runs away (issue 18).
assert MAX_DURATION_DAYS == MAX_HORIZON_MONTHS * DAYS_PER_MONTH  # one bound, two units
MAX_MONTH = float(MAX_HORIZON_MONTHS)
"""Upper bound on every month or tenure in months (plan steps, bands, probation, transfer
months): the longest horizon; a later month can never be reached in any run."""
MIN_CLASS_INTERVAL_DAYS = 1.0
"""Shortest interval between training-class start days: classes start on days (an interval
below a day is a unit error; 5e-324 once overflowed the class-day arithmetic)."""
MAX_FINALISTS_PER_SEARCH = 10_000
"""Limit on the expected finalists one candidate search draws: 1 / offer_acceptance plus the
finalists arriving while one is in process (finalists per day x mean days from finalist to
answer). The search draws each of them, so this bounds its work (a search at the limit takes
about 5 ms, and a replication makes one per hire); the shipped profiles need about 2, the
applicant limit with every applicant a finalist and a 30-day funnel about 4,300 (assumption:
ten thousand is beyond any real funnel)."""
SEARCH_FINALIST_LIMIT = 1_000 * MAX_FINALISTS_PER_SEARCH
"""Defensive bound of the search loop (``model.recruiting.search``): a search that draws this
many finalists without ending stops with an error naming the recruiting fields. A thousand
times the largest expected count a valid scenario can have, so it never triggers on one."""
MAX_AMOUNT = 1e12
"""Upper bound on every amount of money (per item, per month or one-off) in the scenario
currency: keeps ledger totals over 240 months and thousands of staff finite (assumption: far
above any real cost)."""
MIN_EXCHANGE_RATE, MAX_EXCHANGE_RATE = 1e-6, 1e7
"""Bounds on scenario currency units per USD: real rates run from about 0.3 (KWD) to about
1e6 (IRR on the market); beyond these the value is a unit error (assumption)."""
MAX_HOURS_PER_WEEK = 1e6
"""Upper bound on client management hours per week and their monthly growth: 168 hours of
several thousand managers (assumption: keeps capacity sums finite; no client comes near)."""
MAX_HAZARD_MULTIPLIER = 10.0
"""Upper bound on the attrition multipliers of a role, a location or the Owned phase (as the
schema's other attrition multipliers): ten times a stated hazard is beyond any market
(assumption)."""
HOURS_PER_WEEK = 168.0
"""Hours in a week: the most one employee's direction can take per week."""

Probability = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]
Days = Annotated[float, Field(ge=0, le=MAX_DURATION_DAYS)]
"""A duration in days, at most ``MAX_DURATION_DAYS`` (20 years, the longest horizon)."""
Months = Annotated[float, Field(ge=0, le=MAX_MONTH)]
"""A month or a tenure in months, at most ``MAX_MONTH`` (the longest horizon)."""
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
"""An amount of money in the scenario currency, at most ``MAX_AMOUNT``."""
Hours = Annotated[float, Field(ge=0, le=MAX_HOURS_PER_WEEK)]
"""Client management hours per week, at most ``MAX_HOURS_PER_WEEK``."""
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


# ------------------------------------------------------------------ calendar, seasons, freezes
# Issue 17, items 1-3 (docs/model.md, "Calendar, seasons and freezes").

MONTHS_PER_YEAR = 12

SeasonalMultiplier = Annotated[float, Field(ge=0, le=MAX_HAZARD_MULTIPLIER, allow_inf_nan=False)]
"""A month's multiplier: finite, 0 to MAX_HAZARD_MULTIPLIER."""

TwelveMonths = Annotated[
    list[SeasonalMultiplier], Field(min_length=MONTHS_PER_YEAR, max_length=MONTHS_PER_YEAR)
]
"""Twelve multipliers, January to December."""


def _iso_date(value: object) -> object:
    """A ``YYYY-MM-DD`` text (JSON, ``--set``) as a date; anything else as given, for the
    schema to accept (a YAML or TOML date) or refuse naming the field."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


StartDate = Annotated[datetime.date, BeforeValidator(_iso_date)]
"""A calendar date, from a YAML/TOML date or ``YYYY-MM-DD`` text."""


class Seasonality(Frozen):
    """Multipliers by calendar month (January..December) of a location's applicant flow, offer
    acceptance and resignation hazard; in force only when the scenario has a ``start_date``.
    None = 1 in every month."""

    applicants: TwelveMonths | None = Field(
        default=None,
        description="Multiplier of applicants_per_week in each calendar month (January first).",
    )
    offer_acceptance: TwelveMonths | None = Field(
        default=None,
        description="Multiplier of offer_acceptance (capped at 1) by the month of the answer.",
    )
    resignation: TwelveMonths | None = Field(
        default=None,
        description="Multiplier of the voluntary (resignation) hazard in each calendar month.",
    )

    @field_validator("applicants")
    @classmethod
    def _some_applicants(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and max(values) <= 0:
            raise ValueError(
                "every month is 0: no applicant would ever arrive; give at least one month a "
                "positive multiplier"
            )
        return values

    def factor(self, kind: str, calendar_month: int) -> float:
        """The multiplier of ``kind`` in ``calendar_month`` (0 = January)."""
        values = getattr(self, kind)
        return 1.0 if values is None else values[calendar_month]

    def largest(self, kind: str) -> float:
        """The largest multiplier of ``kind`` over the year (1 when none is given)."""
        values = getattr(self, kind)
        return 1.0 if values is None else max(values)


# ------------------------------------------------------------- working calendar (issue 17)
# Issue 17, item 1: weekends and public holidays of a location (docs/model.md, "Working
# calendar"). In force only with the scenario's start_date, like the seasons.

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = Weekday.__args__  # type: ignore[attr-defined]
"""Day names in ``datetime.date.weekday()`` order (Monday = 0)."""
MAX_EASTER_OFFSET = 120
"""Largest distance in days of a holiday from Easter Sunday (Colombia's Sacred Heart Monday is
+71; assumption: no movable feast lies further away)."""
MONTH_DAY = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class AnnualHoliday(Frozen):
    """A public holiday every year: a fixed month-day, or a day counted from Easter Sunday;
    optionally moved to the next Monday (Colombia's Law 51 of 1983, "Ley Emiliani")."""

    name: str = Field(default="", max_length=80, description="What the holiday is (a label).")
    date: Annotated[str, Field(pattern=MONTH_DAY)] | None = Field(
        default=None, description="Month and day (MM-DD), e.g. 12-25."
    )
    easter_offset: Annotated[int, Field(ge=-MAX_EASTER_OFFSET, le=MAX_EASTER_OFFSET)] | None = (
        Field(
            default=None,
            description="Days after Easter Sunday (Gregorian), e.g. -2 for Good Friday.",
        )
    )
    move_to_monday: bool = Field(
        default=False,
        description="A holiday that does not fall on a Monday is observed on the next Monday.",
    )

    @model_validator(mode="after")
    def _one_rule(self) -> AnnualHoliday:
        if (self.date is None) == (self.easter_offset is None):
            raise ValueError("give exactly one of date (MM-DD) and easter_offset")
        if self.date is not None:
            month, day = int(self.date[:2]), int(self.date[3:])
            try:
                datetime.date(2001, month, day)  # a year without 29 February
            except ValueError:
                raise ValueError(f"date {self.date!r} is not a day of every year (MM-DD)") from None
        return self

    def in_year(self, year: int) -> datetime.date:
        """The day it is observed in ``year``."""
        if self.date is not None:
            day = datetime.date(year, int(self.date[:2]), int(self.date[3:]))
        else:
            day = easter_sunday(year) + datetime.timedelta(days=self.easter_offset or 0)
        if self.move_to_monday and day.weekday() != 0:
            day += datetime.timedelta(days=7 - day.weekday())
        return day


def easter_sunday(year: int) -> datetime.date:
    """Gregorian Easter Sunday of ``year`` (the anonymous Gregorian algorithm, "Meeus/Jones/
    Butcher"; Meeus, Astronomical Algorithms, 1991, ch. 8)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return datetime.date(year, month, day)


class WorkingCalendar(Frozen):
    """The days a location's recruiters work and its training classes start: every day but the
    weekend days and the public holidays. In force only with the scenario's ``start_date``."""

    weekend: Annotated[list[Weekday], Field(max_length=7)] = Field(
        default_factory=lambda: ["saturday", "sunday"],
        description="Days of the week that are not working days (assumption: Saturday and "
        "Sunday, an office week).",
    )
    holidays: Annotated[list[StartDate], Field(max_length=2_000)] = Field(
        default_factory=list,
        description="Dated public holidays (YYYY-MM-DD): one-off or proclaimed each year "
        "(e.g. holidays set by the lunar calendar).",
    )
    annual_holidays: Annotated[list[AnnualHoliday], Field(max_length=100)] = Field(
        default_factory=list,
        description="Public holidays every year: a month-day or a day from Easter, optionally "
        "moved to the next Monday.",
    )

    @field_validator("weekend")
    @classmethod
    def _some_working_day(cls, days: list[str]) -> list[str]:
        if len(set(days)) == len(WEEKDAYS):
            raise ValueError(
                "every day of the week is a weekend day: the calendar has no working days; "
                f"leave at least one day out, got {days}"
            )
        return days

    def days_off(self, first: datetime.date, last: datetime.date) -> set[datetime.date]:
        """The public holidays from ``first`` to ``last`` (inclusive)."""
        off = {day for day in self.holidays if first <= day <= last}
        for year in range(first.year, last.year + 1):
            for holiday in self.annual_holidays:
                day = holiday.in_year(year)
                if first <= day <= last:
                    off.add(day)
        return off


class RecruiterStep(Frozen):
    """From engagement ``month`` on, the location has ``recruiters`` recruiters."""

    month: Months = Field(description="Engagement month the step applies from.")
    recruiters: Annotated[int, Field(ge=0, le=10_000)] = Field(
        description="Recruiters from this month on (0 = none: searches wait for a recruiter)."
    )


class HiringFreeze(Frozen):
    """A hiring freeze over engagement months [from_month, to_month)."""

    from_month: Months = Field(description="Engagement month the freeze starts.")
    to_month: Months = Field(description="Engagement month the freeze ends (exclusive).")
    scope: Literal["searches", "offers"] = Field(
        description="searches: no new candidate search starts inside the window (running ones "
        "go on); offers: searches go on but no offer is extended or accepted inside it (offers "
        "are held until it ends)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> HiringFreeze:
        if self.to_month <= self.from_month:
            raise ValueError(
                f"to_month {self.to_month:g} must be after from_month {self.from_month:g}"
            )
        return self


class NoticeBuyout(Frozen):
    """The new employer buys out part of the notice of a share of its hires (issue 17, item 6):
    of the accepted candidates who serve a notice, ``share`` (drawn on its own random stream)
    have up to ``max_days`` of it bought out, at ``cost_per_hire`` plus ``cost_per_day`` per day
    bought (docs/model.md, "Notice buy-out")."""

    share: Probability = Field(
        description="Share of the hires serving a notice whose notice is bought out."
    )
    max_days: Days | None = Field(
        default=None,
        description="Most notice days bought per hire (the rest is served); none = all of it.",
    )
    cost_per_day: Amount = Field(
        default=0.0,
        description="Cost per notice day bought, in the location's cost_currency (assumption: "
        "0 unless stated; e.g. the day rate the current employer asks).",
    )
    cost_per_hire: Amount = Field(
        default=0.0,
        description="Fixed cost per bought-out hire, in the location's cost_currency "
        "(assumption: 0 unless stated).",
    )


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
    applicants_per_week: Annotated[float, Field(gt=0, le=MAX_APPLICANTS_PER_WEEK)] = Field(
        description="Applicants entering the funnel per actively worked requisition per week "
        f"(at most {MAX_APPLICANTS_PER_WEEK:,}: each finalist in process is drawn, so the "
        "limit bounds the work of one search)."
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
    immediate_start_share: Probability = Field(
        default=0.0,
        description="Share of accepted candidates available at once (no notice to serve: not "
        "currently employed, or notice bought out by the new employer); the rest serve "
        "candidate_notice. Mean notice = (1 - share) x E[candidate_notice] (assumption: 0, "
        "everyone serves it, unless the profile or scenario states a share).",
    )
    notice_buyout: NoticeBuyout | None = Field(
        default=None,
        description="Buy-out of candidate notice (issue 17, item 6); none = every hire who "
        "serves a notice serves all of it.",
    )
    recruiter_plan: Annotated[list[RecruiterStep], Field(max_length=120)] = Field(
        default_factory=list,
        description="Recruiters by engagement month, like the headcount plan: each step's "
        "recruiters apply from its month on (recruiters before the first step); empty = "
        "recruiters throughout.",
    )

    @field_validator("recruiter_plan")
    @classmethod
    def _recruiter_plan_ordered(cls, steps: list[RecruiterStep]) -> list[RecruiterStep]:
        for i in range(1, len(steps)):
            if steps[i].month <= steps[i - 1].month:
                raise ValueError(
                    f"[{i}].month {steps[i].month:g} must be after the previous step's month "
                    f"{steps[i - 1].month:g}"
                )
        return steps

    def recruiters_at(self, month: float) -> int:
        """Recruiters in force at engagement ``month`` (the plan's last step at or before it)."""
        recruiters = self.recruiters
        for step in self.recruiter_plan:
            if step.month > month:
                break
            recruiters = step.recruiters
        return recruiters

    @property
    def finalist_probability(self) -> float:
        """Probability that one applicant passes every stage (before the offer)."""
        p = 1.0
        for stage in self.stages:
            p *= stage.pass_rate
        return p

    @property
    def finalists_per_day(self) -> float:
        """Mean rate at which one worked requisition's finalists arrive (per day)."""
        return self.applicants_per_week / 7.0 * self.finalist_probability

    @property
    def expected_finalists_per_search(self) -> float:
        """An upper bound on the mean number of finalists one search draws (docs/model.md):
        those until the first acceptance, 1 / offer_acceptance, plus those arriving while it
        is in process, finalists per day x mean days from finalist to answer."""
        in_process = self.offer_duration.mean + sum(s.duration.mean for s in self.stages)
        return 1.0 / self.offer_acceptance + self.finalists_per_day * in_process

    @model_validator(mode="after")
    def _search_bounded(self) -> Recruiting:
        if self.finalists_per_day * MAX_DURATION_DAYS < 1:
            raise ValueError(
                "the funnel yields one finalist every "
                f"{_days(1 / self.finalists_per_day if self.finalists_per_day else math.inf)} "
                "on average (applicants_per_week x the stages' pass_rate), longer than the "
                f"longest horizon ({MAX_DURATION_DAYS:g} days): no requisition could be filled; "
                "raise applicants_per_week or the pass rates"
            )
        if self.offer_acceptance * MAX_FINALISTS_PER_SEARCH < 1:
            raise ValueError(
                f"offer_acceptance {self.offer_acceptance:g} means about "
                f"{1 / self.offer_acceptance:.3g} finalists per accepted offer, above the limit "
                f"of {MAX_FINALISTS_PER_SEARCH:,} per search; raise offer_acceptance"
            )
        expected = self.expected_finalists_per_search
        if expected > MAX_FINALISTS_PER_SEARCH:
            raise ValueError(
                f"one candidate search would draw about {expected:.3g} finalists (finalists per "
                f"day {self.finalists_per_day:.3g} x mean days in the funnel and to the offer "
                f"answer, + 1 / offer_acceptance), above the limit of "
                f"{MAX_FINALISTS_PER_SEARCH:,}: shorten offer_duration or the stage durations, "
                "or lower applicants_per_week"
            )
        return self


class AttritionBand(Frozen):
    """Annual attrition rates that apply from ``from_month`` of tenure to the next band."""

    from_month: Months = Field(description="Tenure (months) at which the band starts.")
    voluntary: Annotated[float, Field(ge=0, le=5)] = Field(
        description="Annual voluntary attrition rate (resignations), per the location definition."
    )
    involuntary: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.0,
        description="Annual involuntary attrition rate (dismissals); 0 unless the profile or "
        "scenario states one (assumption: no dismissals beyond probation).",
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
        description="Share of resignations that leave without serving notice (AWOL); 0 unless the "
        "profile or scenario states one (assumption: everyone serves notice).",
    )
    resignation_multiplier: Annotated[float, Field(ge=0, le=MAX_HAZARD_MULTIPLIER)] = Field(
        default=1.0,
        description="Multiplier on the voluntary (resignation) hazard of every band, for market "
        "tightness or pay position against the market (assumption: 1.0, the bands as stated; "
        "e.g. 1.2 in a tight market or with pay below market, 0.8 with pay above it).",
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

    months: Months = Field(description="Length of probation in months.")
    failure_probability: Probability = Field(
        description="Probability that a new hire still employed at the end of probation fails it."
    )


class Ramp(Frozen):
    """Productivity of a new hire as a function of tenure (see ``botsim.model.rampup``)."""

    shape: Literal["linear", "logistic", "stepped"] = Field(description="Curve after training.")
    training_days: Days = Field(description="Days at zero productivity (classroom training).")
    ramp_days: Days = Field(description="Days from the end of training to full productivity.")
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
    setup_cost: Amount = Field(description="One-off cost of setting up the entity.")


# --------------------------------------------------------------------------- location cost lines
# (issue 16: a cost structure a finance team recognises; docs/model.md, "Costs")

YEAR_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
"""A calendar month, ``YYYY-MM``."""
MAX_PAY_RATE = 10.0
"""Upper bound on a pay line given as a share of base pay (contributions, 13th-month pay,
night differential): ten times base pay is a unit error (assumption)."""
MAX_ANNUAL_RATE = 1.0
"""Upper bound on an annual wage increase or FX drift: +100 % a year (assumption: Colombia's
largest minimum-wage rise of the decade, 2026, was 23.7 %)."""
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 currency code (three capital letters)."""
PayRate = Annotated[float, Field(ge=0, le=MAX_PAY_RATE)]
YearMonth = Annotated[str, Field(pattern=YEAR_MONTH)]
PAY_RATE_LINES = ("statutory_rate", "bonus_pay_rate", "night_differential_rate")
"""Lines of a loaded salary given as a share of base pay."""


def months_from(start: str, date: str) -> int:
    """Whole calendar months from ``start`` to ``date`` (both ``YYYY-MM``)."""
    (y0, m0), (y1, m1) = (map(int, s.split("-")) for s in (start, date))
    return (y1 - y0) * 12 + (m1 - m0)


class LoadedSalary(Frozen):
    """A loaded monthly salary by line, in the location's ``cost_currency``:

    loaded = base x (1 + statutory_rate + bonus_pay_rate + night_differential_rate) + benefits
    """

    base: Amount = Field(description="Monthly base pay.")
    statutory_rate: PayRate = Field(
        default=0.0,
        description="Employer statutory contributions (social security, health, housing "
        "funds), as a share of base pay.",
    )
    bonus_pay_rate: PayRate = Field(
        default=0.0,
        description="Statutory pay beyond the twelve months (13th-month pay; prima, cesantías "
        "and their interest), as a share of base pay: 1/12 = 0.0833 is one month a year.",
    )
    night_differential_rate: PayRate = Field(
        default=0.0,
        description="Night-shift (or other shift) differential as a share of base pay, for a "
        "team working those hours.",
    )
    benefits: Amount = Field(
        default=0.0, description="Benefits per month not proportional to pay (e.g. HMO cover)."
    )

    def loaded(self, base: float | None = None, **rates: float) -> float:
        """The loaded monthly cost, with ``base`` and any line replaced (wage growth, steps)."""
        lines = {name: getattr(self, name) for name in PAY_RATE_LINES}
        lines.update({k: v for k, v in rates.items() if k in lines})
        pay = self.base if base is None else base
        benefits = rates.get("benefits", self.benefits)
        return pay * (1.0 + sum(lines.values())) + benefits


RateDistribution = Annotated[
    Fixed | Exponential | LogNormal | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
]
"""A distribution of an annual rate (the duration distributions' types, values as shares):
draws are >= 0 by their schema, so an increase is never -100 % or below."""


def _number_or_distribution(value: object) -> str:
    return "distribution" if isinstance(value, dict | BaseModel) else "number"


class _AnyOfInJsonSchema:
    """JSON Schema of a number-or-distribution union: ``anyOf`` (a number also matches the
    reference's bare-number form of a distribution, so ``oneOf`` would refuse it)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        if "oneOf" in schema:
            schema["anyOf"] = schema.pop("oneOf")
        return schema


AnnualRate = Annotated[
    Annotated[Annotated[float, Field(ge=0, le=MAX_ANNUAL_RATE)], Tag("number")]
    | Annotated[RateDistribution, Tag("distribution")],
    Discriminator(_number_or_distribution),
    _AnyOfInJsonSchema(),
]
"""An annual wage increase: a number (every year the same) or a distribution (a fresh draw
each year); at most MAX_ANNUAL_RATE (a distribution: its mean and, when bounded, its largest
value)."""


def _annual_rate_bounded(value: float | RateDistribution) -> float | RateDistribution:
    """Refuse a rate distribution whose mean or largest value exceeds MAX_ANNUAL_RATE."""
    if isinstance(value, float | int):
        return value
    top = {
        "fixed": lambda d: d.value,
        "uniform": lambda d: d.high,
        "triangular": lambda d: d.high,
        "empirical": lambda d: max(d.values),
    }.get(value.dist, lambda d: d.mean)(value)
    if value.mean > MAX_ANNUAL_RATE or top > MAX_ANNUAL_RATE:
        raise ValueError(
            f"an annual rate is a share of pay, at most {MAX_ANNUAL_RATE:g} (+100 % a year); "
            f"{value!r} reaches {max(top, value.mean):g}"
        )
    return value


class WageIncrease(Frozen):
    """Annual pay increase of a location: base pay (a plain loaded cost as a whole) rises by
    ``annual_rate`` once a year, compounding; benefits do not. A rate may be a number (the
    same every year) or a distribution (a fresh draw for each year of the engagement, per
    location and family, from the replication's own ``("wages", location, family)`` stream)."""

    annual_rate: AnnualRate = Field(
        default=0.0,
        description="Annual increase of base pay: a number, or a distribution drawn afresh "
        "each year, values as shares of pay, not days (e.g. {dist: uniform, low: 0.04, high: "
        "0.08}) (assumption: 0, constant pay, "
        "unless the profile or scenario states one).",
    )
    by_family: dict[Name, AnnualRate] = Field(
        default_factory=dict,
        description="Annual increase of a role family, instead of annual_rate (a number or a "
        "distribution).",
    )
    month_of_year: Annotated[int, Field(ge=1, le=12)] | None = Field(
        default=None,
        description="Calendar month (1-12) the increase takes effect each year, counted from "
        "costs.start_date; none = on each anniversary of the engagement start (months 13, 25, "
        "...).",
    )

    on_work_anniversary: bool = Field(
        default=False,
        description="Raise each employee's base pay on each anniversary of their own start "
        "(from the first month that starts after it) instead of for everyone at once; "
        "month_of_year must then be none. With a distribution, an employee's k-th raise is "
        "the k-th yearly draw of the location and family.",
    )

    @field_validator("annual_rate")
    @classmethod
    def _rate_in_bounds(cls, value: float | RateDistribution) -> float | RateDistribution:
        return _annual_rate_bounded(value)

    @field_validator("by_family")
    @classmethod
    def _family_rates_in_bounds(
        cls, value: dict[str, float | RateDistribution]
    ) -> dict[str, float | RateDistribution]:
        for family, rate in value.items():
            try:
                _annual_rate_bounded(rate)
            except ValueError as err:
                raise ValueError(f"{family}: {err}") from None
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> WageIncrease:
        if self.on_work_anniversary and self.month_of_year is not None:
            raise ValueError(
                "on_work_anniversary and month_of_year both time the increase; give one"
            )
        return self

    def rate_for(self, family: str) -> float | RateDistribution:
        return self.by_family.get(family, self.annual_rate)


class StatutoryStep(Frozen):
    """From calendar month ``from_date`` on, a pay line of a loaded salary takes ``value``
    (a new contribution rate, surcharge or benefit); e.g. a 2027 surcharge set by law."""

    from_date: YearMonth = Field(description="Calendar month (YYYY-MM) the change applies from.")
    line: Literal["statutory_rate", "bonus_pay_rate", "night_differential_rate", "benefits"] = (
        Field(description="The pay line of the loaded salary that changes.")
    )
    value: Amount = Field(description="New value: a share of base pay, or an amount (benefits).")
    family: Name | None = Field(
        default=None, description="Role family it applies to; none = every family."
    )

    @model_validator(mode="after")
    def _rate_bounded(self) -> StatutoryStep:
        if self.line in PAY_RATE_LINES and self.value > MAX_PAY_RATE:
            raise ValueError(
                f"value: {self.line} is a share of base pay, at most {MAX_PAY_RATE:g}, "
                f"got {self.value:g}"
            )
        return self


class SupportStep(Frozen):
    """People-support cost (HR, payroll, finance, compliance) from a headcount on."""

    from_headcount: Annotated[int, Field(ge=0, le=50 * MAX_TEAM_SIZE)] = Field(
        description="Month-end headcount of the location from which this cost applies."
    )
    monthly_cost: Amount = Field(description="Support cost per month at that headcount.")


def support_cost(steps: list[SupportStep], headcount: int) -> float:
    """Monthly support cost at ``headcount``: the cost of the last step at or below it (0
    below the first step)."""
    cost = 0.0
    for step in steps:
        if step.from_headcount <= headcount:
            cost = step.monthly_cost
    return cost


def _support_steps_ordered(steps: list[SupportStep]) -> list[SupportStep]:
    heads = [s.from_headcount for s in steps]
    if any(b <= a for a, b in itertools.pairwise(heads)):
        raise ValueError(f"support steps must have increasing from_headcount, got {heads}")
    return steps


class TransferLiability(Frozen):
    """Employee liabilities the client assumes with the staff at transfer, in months of pay
    per year of service (e.g. accrued cesantías in Colombia: one month per year, settled
    yearly; tenure-linked separation pay exposure in the Philippines)."""

    months_per_year_of_service: Annotated[float, Field(ge=0, le=12)] = Field(
        default=0.0,
        description="Months of base pay assumed per year of service at transfer (assumption: "
        "0 unless the profile states one).",
    )
    max_years_of_service: Annotated[float, Field(gt=0, le=MAX_MONTH / 12)] | None = Field(
        default=None,
        description="Years of service counted at most (e.g. 1 for cesantías settled every "
        "year); none = the whole tenure.",
    )


class Severance(Frozen):
    """Statutory severance on a layoff (docs/model.md, "Ramp-down and layoffs"), in months of
    base pay: max(minimum_months, first_year_months x min(Y, 1) + further_year_months x
    max(Y - 1, 0)), Y the years of service counted (pro rata, or whole years with a fraction of
    at least ``whole_year_from_months`` counted as a whole year)."""

    first_year_months: Annotated[float, Field(ge=0, le=12)] = Field(
        default=0.0,
        description="Months of base pay for the first year of service (assumption: 0 unless "
        "the profile states one).",
    )
    further_year_months: Annotated[float, Field(ge=0, le=12)] = Field(
        default=0.0, description="Months of base pay per further year of service."
    )
    minimum_months: Annotated[float, Field(ge=0, le=24)] = Field(
        default=0.0, description="Months of base pay at least, whatever the tenure."
    )
    whole_year_from_months: Annotated[float, Field(gt=0, lt=12)] | None = Field(
        default=None,
        description="A fraction of a year of at least this many months counts as a whole "
        "year, a shorter one not at all; none = years counted pro rata.",
    )


class LocationValues(Frozen):
    """Every value a location profile provides; a scenario may override any of them."""

    country: str = Field(min_length=1, max_length=64)
    recruiting: Recruiting
    attrition: Attrition
    probation: Probation
    notice_days: Days = Field(description="Resignation notice an employee serves (days).")
    ramp: Ramp
    loaded_monthly_cost: dict[Name, Amount | LoadedSalary] = Field(
        description="Loaded monthly salary per employee by role family, in cost_currency: one "
        "amount, or its lines (base, statutory_rate, bonus_pay_rate, night_differential_rate, "
        "benefits)."
    )
    entity: Entity
    timezone_overlap_hours: Annotated[float, Field(ge=0, le=24)] = Field(
        description="Working hours per day that overlap with the client's core hours."
    )
    # Cost lines beyond salaries (issue 16). Defaults add nothing, so a profile or scenario
    # that does not state them costs what it did before.
    cost_currency: Currency = Field(
        default="USD",
        description="Currency of this location's cost lines (ISO 4217); converted to the "
        "scenario currency by costs.fx (USD: costs.exchange_rate).",
    )
    seat_monthly_cost: Amount = Field(
        default=0.0,
        description="Per-seat cost per month: facility, IT and licences, per employee "
        "(assumption: 0 unless the profile states one).",
    )
    support_cost: Annotated[list[SupportStep], Field(max_length=50)] = Field(
        default_factory=list,
        description="People-support cost (HR, payroll, finance, compliance) per month as a "
        "step function of the location's month-end headcount; empty = none.",
    )
    governance_monthly_cost: Amount = Field(
        default=0.0,
        description="Entity and governance cost per month once the client owns the team "
        "(accounting, audit, legal, registered office, board).",
    )
    wage_increase: WageIncrease = Field(default_factory=WageIncrease)
    statutory_steps: Annotated[list[StatutoryStep], Field(max_length=50)] = Field(
        default_factory=list,
        description="Dated changes of a pay line of the loaded salaries (families given by "
        "their lines).",
    )
    transfer_liability: TransferLiability = Field(default_factory=TransferLiability)
    seasonality: Seasonality = Field(
        default_factory=Seasonality,
        description="Multipliers by calendar month (applicants, offer acceptance, resignation); "
        "in force only with the scenario's start_date.",
    )
    working_calendar: WorkingCalendar | None = Field(
        default=None,
        description="Weekends and public holidays (issue 17): the recruiting stages' calendar "
        "days are laid on working days (the same mean over a year) and hires start on working "
        "days; in force only with the scenario's start_date; none = every day is a working day.",
    )
    # Ramp-down and layoffs (issue 17, item 4). Defaults: no notice, no severance.
    layoff_notice_days: Days = Field(
        default=0.0,
        description="Days between a plan reduction and the layoffs it leads to: the notice "
        "the employer must give (assumption: 0 unless the profile states one).",
    )
    severance: Severance = Field(
        default_factory=Severance, description="Statutory severance paid on a layoff."
    )
    # Shift patterns (issue 17, item 5).
    night_shift_resignation_multiplier: Annotated[
        float, Field(ge=0, le=MAX_HAZARD_MULTIPLIER, allow_inf_nan=False)
    ] = Field(
        default=1.0,
        description="Multiplier on the voluntary (resignation) hazard of a role with shift: "
        "night, on top of attrition.resignation_multiplier (assumption: 1.0, no night-shift "
        "effect, unless the profile states one). Day-shift and shift-less roles: no effect.",
    )
    # The transfer as a legal event (issue 17, item 7).
    transfer_regime: Literal["consent", "automatic_continuation"] = Field(
        default="consent",
        description="How employment moves to the client at transfer: 'consent', each employee "
        "accepts the new contract with the probability of transfer.consent (e.g. the "
        "Philippines), or 'automatic_continuation', every contract continues with its "
        "liabilities (e.g. Colombia's sustitución patronal). Assumption: consent unless the "
        "profile states one.",
    )

    @field_validator("support_cost")
    @classmethod
    def _support_ordered(cls, steps: list[SupportStep]) -> list[SupportStep]:
        return _support_steps_ordered(steps)

    @model_validator(mode="after")
    def _steps_name_salary_lines(self) -> LocationValues:
        unknown = sorted(set(self.wage_increase.by_family) - set(self.loaded_monthly_cost))
        if unknown:
            raise ValueError(
                f"wage_increase.by_family: no loaded_monthly_cost for {unknown}; known: "
                f"{sorted(self.loaded_monthly_cost)}"
            )
        for i, step in enumerate(self.statutory_steps):
            families = [step.family] if step.family else list(self.loaded_monthly_cost)
            for family in families:
                salary = self.loaded_monthly_cost.get(family)
                if not isinstance(salary, LoadedSalary):
                    raise ValueError(
                        f"statutory_steps[{i}]: family {family!r} has no loaded salary by "
                        f"line (base, rates) in loaded_monthly_cost, so {step.line} cannot change"
                    )
        return self

    def base_pay(self, family: str) -> float:
        """Monthly base pay of a family (the whole loaded cost if given as one amount)."""
        salary = self.loaded_monthly_cost[family]
        return salary.base if isinstance(salary, LoadedSalary) else salary

    def loaded_cost(self, family: str) -> float:
        """Loaded monthly cost of a family at the profile's values (cost_currency)."""
        salary = self.loaded_monthly_cost[family]
        return salary.loaded() if isinstance(salary, LoadedSalary) else salary


class Location(LocationValues):
    """A location of the engagement: a profile plus the scenario's overrides, merged."""

    name: Name
    profile: str | None = Field(default=None, description="Built-in profile name or file path.")


# --------------------------------------------------------------------------- team and policy


class PlanStep(Frozen):
    """From ``month`` on, the role's target headcount is ``headcount``."""

    month: Months
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
        description="Initial build, growth waves and reductions; months increasing. A "
        "reduction freezes backfills, then lays off the rest after the location's "
        "layoff_notice_days (docs/model.md, 'Ramp-down and layoffs')."
    )
    ramp: Ramp | None = Field(default=None, description="Overrides the location's ramp curve.")
    attrition: Attrition | None = Field(
        default=None,
        description="Overrides the location's attrition for this role (the whole section: "
        "definition, bands, no_notice_share, resignation_multiplier), e.g. finance analysts "
        "in a contact-centre location; none = the location's.",
    )
    immediate_start_share: Probability | None = Field(
        default=None,
        description="Overrides the location's recruiting.immediate_start_share for this role; "
        "none = the location's.",
    )
    notice_buyout: NoticeBuyout | None = Field(
        default=None,
        description="Overrides the location's recruiting.notice_buyout for this role (issue "
        "17, item 6); none = the location's.",
    )
    stage_pass_rates: dict[Name, Annotated[float, Field(gt=0, le=1)]] | None = Field(
        default=None,
        description="Overrides the pass rate of named stages of the location's funnel for "
        "this role (issue 17, item 8), e.g. a stricter English assessment for a bilingual "
        "family: {assessment: 0.3}; none = the location's rates.",
    )
    shift: Literal["day", "night"] | None = Field(
        default=None,
        description="Shift pattern (issue 17, item 5): 'night' = the family's "
        "night_differential_rate is paid and the location's "
        "night_shift_resignation_multiplier scales resignations; 'day' = no night "
        "differential, no multiplier; none = as the loaded salary states (no multiplier).",
    )
    budget_per_month: Amount | None = Field(
        default=None,
        description="Planned monthly budget of the role's direct cost (its staff's salaries, "
        "partner fee and per-employee overhead, its hires' recruiting fees) for the "
        "plan-versus-actual comparison.",
    )

    @model_validator(mode="after")
    def _plan_ordered(self) -> Role:
        months = [s.month for s in self.plan]
        if any(b <= a for a, b in itertools.pairwise(months)):
            raise ValueError(f"plan months must be increasing, got {months}")
        heads = [s.headcount for s in self.plan]
        if heads[-1] == 0:
            raise ValueError(
                "the last headcount is 0: a plan must end with someone (winding the team "
                "down to nobody is not modelled)"
            )
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

    interval_days: Annotated[float, Field(ge=MIN_CLASS_INTERVAL_DAYS, le=MAX_DURATION_DAYS)] = (
        Field(
            description="Days between two class start days (at least "
            f"{MIN_CLASS_INTERVAL_DAYS:g}: classes start on days)."
        )
    )
    first_class_day: Days = Field(
        default=0.0, description="Day of the first class (a setting: 0 = classes from day 0)."
    )


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
    hiring_freezes: Annotated[list[HiringFreeze], Field(max_length=50)] = Field(
        default_factory=list,
        description="Hiring-freeze windows (engagement months); they may not overlap.",
    )

    @field_validator("hiring_freezes")
    @classmethod
    def _freezes_apart(cls, freezes: list[HiringFreeze]) -> list[HiringFreeze]:
        order = sorted(range(len(freezes)), key=lambda i: freezes[i].from_month)
        for a, b in itertools.pairwise(order):
            if freezes[b].from_month < freezes[a].to_month:
                raise ValueError(
                    f"[{b}] (months {freezes[b].from_month:g}-{freezes[b].to_month:g}) overlaps "
                    f"[{a}] (months {freezes[a].from_month:g}-{freezes[a].to_month:g}); "
                    "freeze windows may not overlap"
                )
        return freezes

    def freeze_end(self, scope: str, day: float) -> float:
        """End (day) of the ``scope`` freeze in force at ``day``, or ``day`` when none is."""
        for freeze in self.hiring_freezes:
            start, end = freeze.from_month * DAYS_PER_MONTH, freeze.to_month * DAYS_PER_MONTH
            if freeze.scope == scope and start <= day < end:
                return end
        return day

    layoff_rule: Literal["last_in_first_out"] = Field(
        default="last_in_first_out",
        description="Who is laid off when a plan reduction is not met by natural attrition: "
        "the agents hired last (the only rule offered: tenure here is tenure with this team, "
        "so 'lowest tenure' would be the same rule).",
    )


class Stability(Frozen):
    """Thresholds of ``time_to_stable_team`` (brief, "Metrics") and of the full team.

    ``"auto"`` thresholds are resolved per scenario from the locations' attrition profiles
    (docs/model.md, "Full team and readiness thresholds");
    :func:`botsim.model.lifecycle.resolved_thresholds` gives the resolved values, shown in the
    run manifest and the console.
    """

    window_months: Annotated[int, Field(ge=1, le=24)] = Field(
        default=3, description="Consecutive month-ends that must meet every threshold (brief)."
    )
    headcount_fraction: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9, description="Headcount >= this share of target (brief)."
    )
    capacity_fraction: Annotated[float, Field(ge=0, le=1)] | Literal["auto"] = Field(
        default="auto",
        description=(
            "Effective FTE >= this share of target (brief). 'auto' (default) = "
            "auto_capacity_margin x headcount_fraction x the team's expected steady-state "
            "productive share of a filled seat, 1 - e x L / 365.25 (e the role's steady-state "
            "attrition, L the productive days a hire loses in training and ramp; weighted by "
            "planned headcount), so the bar sits below what the team can sustain rather than "
            "on its mean. Before 'auto' the default was 0.8."
        ),
    )
    max_annual_attrition: Annotated[float, Field(gt=0)] | Literal["auto"] = Field(
        default="auto",
        description=(
            "Annualised attrition over the attrition window must not exceed this. 'auto' "
            "(default) = auto_attrition_multiple x the team's expected steady-state attrition "
            "from its locations' profiles (bands, probation, notice; weighted by planned "
            "headcount), so ordinary churn of the location counts as stable and a spike does "
            "not. Before 'auto' the default was 0.6 (about 1.3x the 45 % Philippine total)."
        ),
    )
    auto_attrition_multiple: Annotated[float, Field(ge=1, le=10)] = Field(
        default=1.5,
        description=(
            "Multiple of the expected steady-state attrition that 'auto' thresholds allow "
            "(assumption: 1.5x leaves room for the new team's early-tenure exits, which run "
            "about 1.2-1.3x the steady state in the first two years, and still flags a spike)."
        ),
    )
    auto_capacity_margin: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9,
        description=(
            "Share of the sustainable effective FTE that 'auto' capacity_fraction asks for "
            "(assumption: 0.9 leaves about one ramping hire in ten seats of room below the "
            "steady state, so ordinary churn and a recruiting gap do not fail the criterion, "
            "while a team short of a tenth of its output still does)."
        ),
    )
    attrition_window_months: Annotated[int, Field(ge=1, le=36)] | Literal["auto"] = Field(
        default="auto",
        description=(
            "Months of the trailing attrition window. 'auto' (default) = the shortest window, "
            "at least window_months and at most 12, in which the team's planned agents expect "
            "min_expected_exits exits at the steady-state rate, so that one exit in a small "
            "team is not a verdict. Before 'auto' the window was window_months."
        ),
    )
    min_expected_exits: Annotated[float, Field(gt=0, le=100)] = Field(
        default=3.0,
        description=(
            "Expected exits the 'auto' attrition window must hold (assumption: with 3 expected "
            "exits one exit more or less moves the rate by a third, not by 100 %)."
        ),
    )
    full_team_fraction: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.95,
        description=(
            "The team is full (time_to_full_team, end of Build, start of the stability test) "
            "when its agents first reach ceil(fraction x target) seats (assumption: 0.95; at "
            "realistic churn a large team is rarely 100 % staffed at one instant, while 95 % "
            "is; a team under 20 seats still needs every seat, 20-39 seats all but one). "
            "1.0 gives the former 100 % definition; time_to_full_plan stays at 100 %."
        ),
    )

    def full_team_seats(self, target: float) -> int:
        """Agents needed for a full team at ``target``: ceil(fraction x target) (a product
        within PLAN_STEP_ROUNDING of a whole number counts as that number)."""
        return math.ceil(self.full_team_fraction * target - PLAN_STEP_ROUNDING)


# --------------------------------------------------------------------------- lifecycle (BOT)


class Overload(Frozen):
    """Effects while a role has more agents than its leads can supervise (agents > span x leads).

    Defaults are assumptions (no public source quantifies them); see docs/model.md.
    """

    attrition_multiplier: Annotated[float, Field(ge=1, le=10)] = Field(
        default=1.3,
        description="Voluntary attrition hazard is multiplied by this while overloaded "
        "(assumption: +30 %, in line with 'manager quality drives quits' practitioner claims).",
    )
    output_multiplier: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9,
        description="Effective output is multiplied by this at an overloaded month-end "
        "(assumption: -10 %).",
    )
    ramp_speed: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.75,
        description="Ramp-up progresses at this speed while overloaded (assumption: 75 %).",
    )


class Management(Frozen):
    """Team leads and span of control (brief mechanism 5a); the roles of one family in one
    location share their leads. Omit the section to not model leads."""

    span_of_control: Annotated[int, Field(ge=1, le=100)] = Field(
        default=12,
        description="Agents one team lead can supervise (ICMI: 8-12 in many centres; "
        "practitioners 1:13, outsourcers ~1:15, reference §1.4).",
    )
    lead_source: Literal["promotion", "external", "promotion_then_external"] = Field(
        default="promotion_then_external",
        description="Where leads come from: promote an eligible agent, hire externally, or "
        "promote when someone is eligible and hire externally otherwise (assumption).",
    )
    promotion_min_tenure_months: Months = Field(
        default=6.0, description="Minimum agent tenure for promotion to lead (assumption)."
    )
    promotion_delay_days: Days = Field(
        default=14.0, description="Days from the promotion decision to the new role (assumption)."
    )
    lead_family: Name = Field(
        default="team_lead", description="Role family of leads for costs (loaded_monthly_cost key)."
    )
    overload: Overload = Field(default_factory=Overload)


class ClientHire(Frozen):
    """From ``month`` on, the client adds ``hours_per_week`` of management time."""

    month: Months
    hours_per_week: Hours


class ClientManagement(Frozen):
    """The client's own capacity to direct the team (brief mechanism 5b). Omit to not model it."""

    hours_per_week: Hours = Field(description="Client management hours per week at month 0.")
    growth_hours_per_month: Hours = Field(
        default=0.0,
        description="Hours per week added each month as the client learns (assumption: none "
        "unless stated; capacity then grows only by planned hires).",
    )
    max_hours_per_week: Hours | None = Field(
        default=None, description="Cap on learned hours (planned hires come on top)."
    )
    planned_hires: Annotated[list[ClientHire], Field(max_length=50)] = Field(
        default_factory=list, description="Client managers hired over time."
    )
    demand_hours_per_employee: Annotated[float, Field(ge=0, le=HOURS_PER_WEEK)] = Field(
        default=1.0,
        description="Weekly client direction one fully ramped employee needs (assumption).",
    )
    ramping_demand_multiplier: Annotated[float, Field(ge=1, le=10)] = Field(
        default=2.0, description="Demand multiplier for employees still ramping (assumption)."
    )
    required_overlap_hours: Annotated[float, Field(ge=0, le=24)] = Field(
        default=4.0, description="Overlap below which direction gets harder (assumption)."
    )
    low_overlap_demand_multiplier: Annotated[float, Field(ge=1, le=10)] = Field(
        default=1.5,
        description="Demand multiplier at zero overlap, linear down to 1 at the required "
        "overlap (assumption).",
    )
    shortfall_output_sensitivity: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.5,
        description="Output lost per unit of unmet demand share: factor = 1 - s (1 - "
        "min(1, capacity / demand)) (assumption).",
    )


class Knowledge(Frozen):
    """Institutional knowledge: process-documentation coverage in [0, 1] (mechanism 7)."""

    initial: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.0,
        description="Coverage at the start of Build (assumption: a new team starts with "
        "nothing documented).",
    )
    growth_per_month: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.15,
        description="Share of the undocumented remainder documented per month when the whole "
        "target team is tenured and ramped (assumption).",
    )
    tenured_months: Months = Field(
        default=6.0,
        description="Tenure from which staff document and carry knowledge (assumption: the "
        "end of the longest statutory probation among the profiles, Philippines 6 months).",
    )
    loss_per_exit_share: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.5,
        description="Coverage lost per unit share of the team leaving as tenured exits "
        "(assumption: losing 10 % of the team loses 5 points).",
    )


class ConsentTerms(Frozen):
    """The terms offered to each employee under a consent regime, which set the probability p
    that they accept (docs/model.md, "The transfer as a legal event"):

    logit p = logit p0 + b_bonus x bonus_months - b_tenure x [tenure not recognised]
              - b_parity x [benefits not at parity],

    p0 = transfer.contract_acceptance, the acceptance under the usual terms (tenure recognised,
    benefits at parity, no bonus). With the usual terms p = p0 exactly."""

    retention_bonus_months: Annotated[float, Field(ge=0, le=24)] = Field(
        default=0.0,
        description="Retention bonus offered for accepting, in months of base pay (its cost is "
        "costs.retention_bonus_per_employee, an amount: keep the two consistent).",
    )
    tenure_recognised: bool = Field(
        default=True, description="The client recognises the years served with the partner."
    )
    benefit_parity: bool = Field(
        default=True, description="Benefits (e.g. HMO cover) at least those of the partner."
    )
    log_odds_per_bonus_month: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.5,
        description="b_bonus: log-odds of acceptance per month of bonus (assumption: no "
        "source; 0.5 takes 0.9 to about 0.94 for one month's pay).",
    )
    log_odds_tenure_not_recognised: Annotated[float, Field(ge=0, le=10)] = Field(
        default=1.5,
        description="b_tenure: log-odds lost when tenure is reset (assumption: no source; "
        "1.5 takes 0.9 to about 0.67: the reset separation-pay exposure weighs heavily).",
    )
    log_odds_no_benefit_parity: Annotated[float, Field(ge=0, le=10)] = Field(
        default=1.0,
        description="b_parity: log-odds lost when benefits fall below the partner's "
        "(assumption: no source; 1.0 takes 0.9 to about 0.77).",
    )

    @property
    def usual(self) -> bool:
        """The usual terms: p is contract_acceptance itself."""
        return self.retention_bonus_months == 0 and self.tenure_recognised and self.benefit_parity

    def acceptance(self, p0: float) -> float:
        """p, the probability an employee accepts the contract, from p0 and these terms."""
        if self.usual or p0 in (0.0, 1.0):
            return p0
        logit = math.log(p0 / (1.0 - p0)) + self.log_odds_per_bonus_month * (
            self.retention_bonus_months
        )
        logit -= 0.0 if self.tenure_recognised else self.log_odds_tenure_not_recognised
        logit -= 0.0 if self.benefit_parity else self.log_odds_no_benefit_parity
        return 1.0 / (1.0 + math.exp(-logit))


class Transfer(Frozen):
    """Transfer policy, legal entity and handover (brief mechanism 6)."""

    policy: Literal["at_month", "when_ready", "never"] = Field(
        default="never", description="Transfer at a fixed month, when ready, or never."
    )
    month: Months | None = Field(
        default=None, description="at_month: planned start of the handover window."
    )
    earliest_month: Months | None = Field(
        default=None, description="when_ready: first month-end at which transfer may start."
    )
    latest_month: Months | None = Field(
        default=None, description="when_ready: last month-end at which transfer may start."
    )
    window_months: Annotated[float, Field(ge=0, le=24)] = Field(
        default=2.0,
        description="Length of the handover window (brief working assumption 2-3 months).",
    )
    entity_setup_start_month: Months | None = Field(
        default=None,
        description="Month the client starts setting up its legal entity (none = never).",
    )
    contract_acceptance: Probability = Field(
        default=0.9,
        description="Probability an employee accepts the new employer's contract under the "
        "usual terms, in a location whose transfer_regime is 'consent' (assumption).",
    )
    consent: ConsentTerms = Field(
        default_factory=ConsentTerms,
        description="Terms offered under a consent regime (bonus, tenure recognition, benefit "
        "parity), which move the acceptance from contract_acceptance by a logistic.",
    )
    attrition_multiplier: Annotated[float, Field(ge=1, le=10)] = Field(
        default=1.5,
        description="Voluntary attrition multiplier during the handover window (assumption).",
    )
    owned_attrition_multiplier: Annotated[float, Field(ge=0, le=MAX_HAZARD_MULTIPLIER)] = Field(
        default=1.0,
        description="Voluntary attrition multiplier from transfer completion on, the Owned "
        "phase (assumption: 1.0, no change; a captive centre often keeps people better, "
        "e.g. 0.7). Above attrition_multiplier it raises the thinning bound, so draws before "
        "the transfer differ too (same distribution; docs/model.md).",
    )

    @model_validator(mode="after")
    def _policy_fields(self) -> Transfer:
        if self.policy == "at_month" and self.month is None:
            raise ValueError("policy 'at_month' needs transfer.month")
        if self.policy == "when_ready":
            if self.earliest_month is None or self.latest_month is None:
                raise ValueError("policy 'when_ready' needs earliest_month and latest_month")
            if self.earliest_month > self.latest_month:
                raise ValueError(
                    f"earliest_month ({self.earliest_month:g}) is after latest_month "
                    f"({self.latest_month:g})"
                )
        if self.policy != "never" and self.entity_setup_start_month is None:
            raise ValueError(
                f"policy {self.policy!r} needs entity_setup_start_month: the transfer cannot "
                "complete before the legal entity is ready"
            )
        return self


class Readiness(Frozen):
    """Thresholds of the transfer-readiness criteria (brief, "Metrics")."""

    stable_months: Annotated[int, Field(ge=1, le=36)] = Field(
        default=3, description="Consecutive stable month-ends required (assumption)."
    )
    min_retention: Annotated[float, Field(ge=0, le=1)] | Literal["auto"] = Field(
        default="auto",
        description="Trailing 12-month retention (1 - exits / mean headcount) required. "
        "'auto' (default) = 1 - the resolved stability.max_annual_attrition, i.e. a year's "
        "turnover within the same multiple of the location's steady state (0 when that limit "
        "is 1 or more). Before 'auto' the default was 0.55 (tolerates the 45 % Philippine "
        "total attrition of 2022).",
    )
    min_documentation: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.7, description="Documentation coverage required (assumption)."
    )


# --------------------------------------------------------------------------- costs


class FeeStep(Frozen):
    """From engagement month ``from_month`` on, the buy-out fee is ``fee``."""

    from_month: Months = Field(description="Engagement month of completion from which it applies.")
    fee: Amount = Field(description="Buy-out fee paid to the partner at completion.")


class FixedFx(Frozen):
    """A constant exchange rate."""

    kind: Literal["fixed"] = Field(description="A constant rate.")
    rate: Annotated[float, Field(ge=MIN_EXCHANGE_RATE, le=MAX_EXCHANGE_RATE)] = Field(
        description="Scenario currency units per unit of the currency."
    )


class PathFx(Frozen):
    """A user-given monthly path: the rate of month 1, 2, ...; at least the horizon's months."""

    kind: Literal["path"] = Field(description="A given rate per month.")
    monthly: Annotated[
        list[Annotated[float, Field(ge=MIN_EXCHANGE_RATE, le=MAX_EXCHANGE_RATE)]],
        Field(min_length=1, max_length=MAX_HORIZON_MONTHS),
    ] = Field(description="Scenario currency units per unit of the currency, month by month.")


class LognormalFx(Frozen):
    """A stochastic rate: month 1 at ``rate``, then log-returns per month drawn normal with
    mean drift/12 and variance volatility^2/12, from the replication's own ``fx`` stream
    (scenarios compared with one seed share the path)."""

    kind: Literal["lognormal"] = Field(description="A drawn log-normal path.")
    rate: Annotated[float, Field(ge=MIN_EXCHANGE_RATE, le=MAX_EXCHANGE_RATE)] = Field(
        description="Scenario currency units per unit of the currency in month 1."
    )
    drift: Annotated[float, Field(ge=-MAX_ANNUAL_RATE, le=MAX_ANNUAL_RATE)] = Field(
        default=0.0, description="Mean annual change of the log rate."
    )
    volatility: Annotated[float, Field(ge=0, le=2)] = Field(
        description="Annual standard deviation of the log rate (PHP and COP against the "
        "dollar: about 0.05-0.15, assumption from the 10-20 % yearly moves)."
    )


FxPath = Annotated[FixedFx | PathFx | LognormalFx, Field(discriminator="kind")]


class Costs(Frozen):
    """Commercial terms and counterfactuals (brief mechanism 8). Amounts in ``currency``."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        default="USD", description="Scenario currency (ISO 4217); profiles are in USD."
    )
    exchange_rate: Annotated[float, Field(ge=MIN_EXCHANGE_RATE, le=MAX_EXCHANGE_RATE)] = Field(
        default=1.0,
        description="Scenario currency units per USD of profile costs (a setting: 1 = report "
        "in USD, the profiles' currency).",
    )
    partner_fee_model: Literal["markup", "per_fte"] = Field(
        default="markup", description="Partner fee as a markup on salaries or a fee per head."
    )
    partner_markup: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.2,
        description="Partner markup on loaded salaries during Build/Operate (assumption: "
        "BOT partners quote 15-30 %).",
    )
    partner_fee_per_fte_month: Amount = Field(
        default=0.0,
        description="Partner fee per employee per month: the contract's figure, required "
        "(> 0) with the per_fte model and unused with markup.",
    )
    recruiting_fee_per_hire: Amount = Field(
        default=1000.0, description="Partner recruiting fee per hire (assumption)."
    )
    owned_recruiting_cost_per_hire: Amount = Field(
        default=600.0, description="Own recruiting cost per hire after transfer (assumption)."
    )
    build_setup_fee: Amount = Field(
        default=20000.0, description="One-off partner set-up fee at month 0 (assumption)."
    )
    transfer_fee: Amount = Field(
        default=50000.0, description="Buy-out fee paid to the partner at transfer (assumption)."
    )
    owned_overhead_per_month: Amount = Field(
        default=3000.0,
        description="Management and travel once the client owns the team: a share of a site "
        "leader's time and regular visits (assumption: US$3,000 a month; seats, people "
        "support and governance are the location's own lines).",
    )
    owned_overhead_per_employee_month: Amount = Field(
        default=0.0,
        description="Any other per-employee monthly overhead after transfer (assumption: 0; "
        "seats and people support are the location's own lines).",
    )
    outsourcing_markup: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.43,
        description="Traditional outsourcing: vendor margin on its total cost (salaries, "
        "seats, people support: the same lines as the offshore team); a 30 % margin of the "
        "price is a 43 % markup (mb.com.ph 2021 [weak]).",
    )
    onshore_monthly_cost: dict[Name, Amount] = Field(
        default_factory=lambda: {
            "customer_experience": 4640.0,
            "finance": 7500.0,
            "it_support": 8000.0,
            "team_lead": 9000.0,
        },
        description="Onshore loaded monthly pay per role family for the onshore counterfactual "
        "(seats and support are their own lines). customer_experience: the US median of "
        "$42,830 a year (BLS) / 12 x 1.3 employer load = 4,640 (economics-and-dynamics "
        "reference); the other families: assumption (US levels). A family without an entry "
        "makes the onshore comparison unavailable (NaN).",
    )

    # Contract terms, time in money and like-for-like counterfactuals (issue 16). Defaults add
    # nothing to the ledger of before, except the present values, which are new columns.
    partner_markup_base: Literal["salaries", "total_cost"] = Field(
        default="total_cost",
        description="What the markup applies to: the total cost (salaries, seats and people "
        "support billed at cost, markup on all of them: cost-plus, the usual BOT pricing with "
        "per-seat fees, economics-and-dynamics reference), or loaded salaries only (the "
        "partner carries seats and support inside its fee).",
    )
    partner_management_fee_per_month: Amount = Field(
        default=0.0,
        description="Partner management fee per month during Build and Operate, on top of the "
        "fee model (assumption: 0 unless the contract states one).",
    )
    transfer_fee_schedule: Annotated[list[FeeStep], Field(max_length=60)] = Field(
        default_factory=list,
        description="Buy-out fee by engagement month of the transfer's completion (a fee from "
        "from_month on, typically declining); replaces transfer_fee when given.",
    )
    retention_bonus_per_employee: Amount = Field(
        default=0.0,
        description="Retention bonus the client owes each employee who transfers, paid at "
        "completion (assumption: 0 unless stated).",
    )
    transfer_one_off_cost: Amount = Field(
        default=0.0,
        description="One-off transfer costs besides the buy-out: contract re-papering, "
        "registrations, lease assignment (assumption: 0 unless stated).",
    )
    start_date: YearMonth = Field(
        default="2027-01",
        description="Calendar month of engagement month 1 (YYYY-MM), for wage increases in a "
        "month of the year and dated statutory steps (a setting).",
    )
    fx: dict[Currency, FxPath] = Field(
        default_factory=dict,
        description="Exchange-rate path of each location cost currency: scenario currency "
        "units per unit of that currency, month by month (fixed, a given path, or "
        "log-normal). USD uses exchange_rate unless listed here.",
    )
    discount_rate: Annotated[float, Field(gt=-1, le=1)] = Field(
        default=0.08,
        description="Annual discount rate for present values; month m is discounted by "
        "(1 + rate)^(-m/12) (assumption: 8 %, a typical corporate cost of capital).",
    )
    outsourcing_pricing: Literal["markup", "billed_rate"] = Field(
        default="markup",
        description="Outsourcing counterfactual priced as the offshore team's cost lines "
        "plus outsourcing_markup, or as a billed rate per FTE-month by role family.",
    )
    outsourcing_billed_rate_per_fte_month: dict[Name, Amount] = Field(
        default_factory=dict,
        description="Billed outsourcing price per employee-month by role family (scenario "
        "currency), used with outsourcing_pricing 'billed_rate' (a Philippine source: "
        "US$6-14 per hour, about 1,000-2,350 per FTE-month at 168 hours, mb.com.ph 2021 "
        "[weak]).",
    )
    outsourcing_billed_rate_per_hour: dict[Name, Amount] = Field(
        default_factory=dict,
        description="Billed outsourcing price per hour by role family (scenario currency), "
        "used with outsourcing_pricing 'billed_rate' instead of the rate per FTE-month: the "
        "price of an FTE-month is this rate x billed_hours_per_fte_month (a Philippine "
        "source: US$6-14 per hour, mb.com.ph 2021 [weak]). Give this or "
        "outsourcing_billed_rate_per_fte_month, not both.",
    )
    billed_hours_per_fte_month: Annotated[float, Field(gt=0, le=744)] = Field(
        default=168.0,
        description="Hours billed per FTE-month with a per-hour outsourcing rate (assumption: "
        "8 hours x 21 working days, the basis of the per-FTE conversion of the mb.com.ph "
        "range).",
    )
    onshore_seat_monthly_cost: Amount = Field(
        default=1000.0,
        description="Onshore counterfactual: per-seat cost per month (facility, IT, licences), "
        "the same line as the offshore seat cost (assumption: US$1,000 for a US office seat "
        "with IT and licences; onshore people support is absorbed by head office).",
    )
    onshore_support_cost: Annotated[list[SupportStep], Field(max_length=50)] = Field(
        default_factory=list,
        description="Onshore counterfactual: people-support cost per month as a step function "
        "of headcount (the same line as offshore).",
    )

    @field_validator("onshore_support_cost")
    @classmethod
    def _onshore_support_ordered(cls, steps: list[SupportStep]) -> list[SupportStep]:
        return _support_steps_ordered(steps)

    @field_validator("transfer_fee_schedule")
    @classmethod
    def _schedule_ordered(cls, steps: list[FeeStep]) -> list[FeeStep]:
        months = [s.from_month for s in steps]
        if any(b <= a for a, b in itertools.pairwise(months)):
            raise ValueError(f"from_month must increase, got {months}")
        return steps

    @model_validator(mode="after")
    def _fx_consistent(self) -> Costs:
        if self.currency in self.fx:
            raise ValueError(
                f"fx.{self.currency}: the scenario currency needs no exchange rate (it is 1)"
            )
        if "USD" in self.fx and "exchange_rate" in self.model_fields_set:
            raise ValueError(
                "fx.USD and exchange_rate both give the USD rate; give it once (fx.USD)"
            )
        if self.transfer_fee_schedule and "transfer_fee" in self.model_fields_set:
            raise ValueError(
                "transfer_fee and transfer_fee_schedule both give the buy-out fee; give one"
            )
        return self

    def buy_out_fee(self, month: float) -> float:
        """The buy-out fee for a transfer completing at engagement ``month``."""
        if not self.transfer_fee_schedule:
            return self.transfer_fee
        fee = self.transfer_fee_schedule[0].fee  # before the first step: its fee
        for step in self.transfer_fee_schedule:
            if step.from_month <= month + PLAN_STEP_ROUNDING:
                fee = step.fee
        return fee

    @model_validator(mode="after")
    def _one_billed_rate(self) -> Costs:
        if self.outsourcing_billed_rate_per_fte_month and self.outsourcing_billed_rate_per_hour:
            raise ValueError(
                "outsourcing_billed_rate_per_fte_month and outsourcing_billed_rate_per_hour "
                "both price outsourcing; give one (per FTE-month or per hour)"
            )
        return self

    def billed_rate_per_fte_month(self, family: str) -> float:
        """The outsourcing price of an FTE-month of ``family`` (NaN without a rate): the rate
        per FTE-month, or the rate per hour x billed_hours_per_fte_month."""
        if family in self.outsourcing_billed_rate_per_fte_month:
            return self.outsourcing_billed_rate_per_fte_month[family]
        if family in self.outsourcing_billed_rate_per_hour:
            return self.outsourcing_billed_rate_per_hour[family] * self.billed_hours_per_fte_month
        return math.nan

    @model_validator(mode="after")
    def _per_fte_fee_given(self) -> Costs:
        if self.partner_fee_model == "per_fte" and self.partner_fee_per_fte_month <= 0:
            raise ValueError(
                "partner_fee_model 'per_fte' needs partner_fee_per_fte_month (the contract's "
                "fee per employee per month); 0 would make the partner free"
            )
        return self


class Scenario(Frozen):
    """A complete, validated engagement scenario."""

    name: Name
    description: str = Field(default="", max_length=10_000)
    horizon_months: Annotated[int, Field(ge=1, le=MAX_HORIZON_MONTHS)] = Field(
        description="Months simulated from the start of Build."
    )
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        default=200,
        description="Default number of replications (CLI --replications overrides); a "
        "convention: enough for medians to about a month on typical scenarios, use "
        "--precision to choose by the width of the intervals.",
    )
    seed: Annotated[int, Field(ge=0, lt=2**63)] = Field(
        default=20261125,
        description="Default root seed (CLI --seed overrides; a setting: any value, "
        "this one is the project's start date).",
    )
    locations: Annotated[list[Location], Field(min_length=1, max_length=50)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=200)]
    policy: Policy = Field(default_factory=Policy)
    stability: Stability = Field(default_factory=Stability)
    build_max_months: Positive | None = Field(
        default=None,
        description="Planned end of Build; otherwise Build ends when the initial plan is first "
        "fully staffed.",
    )
    management: Management | None = Field(
        default=None, description="Team leads and span of control; omit to not model leads."
    )
    client: ClientManagement | None = Field(
        default=None, description="Client management capacity; omit to not model it."
    )
    knowledge: Knowledge = Field(default_factory=Knowledge)
    transfer: Transfer = Field(default_factory=Transfer)
    readiness: Readiness = Field(default_factory=Readiness)
    costs: Costs = Field(default_factory=Costs)
    start_date: StartDate | None = Field(
        default=None,
        description="Calendar date the engagement starts (YYYY-MM-DD): engagement month m is "
        "calendar month (start month + m), for the locations' seasonality; none = the abstract "
        "month 0, no seasons. Sets costs.start_date (its month) unless that is given.",
    )

    @model_validator(mode="after")
    def _one_start(self) -> Scenario:
        if self.start_date is None:
            return self
        month = f"{self.start_date.year:04d}-{self.start_date.month:02d}"
        if "start_date" not in self.costs.model_fields_set:
            costs = self.costs.model_copy(update={"start_date": month})
            object.__setattr__(self, "costs", costs)
        elif self.costs.start_date != month:
            raise ValueError(
                f"costs.start_date {self.costs.start_date} is not the month of start_date "
                f"{self.start_date.isoformat()}; give one of them, or the same month"
            )
        return self

    def calendar_month(self, month: int) -> int | None:
        """Calendar month (0 = January) of engagement month ``month``; None without a start."""
        if self.start_date is None:
            return None
        return (self.start_date.month - 1 + month) % MONTHS_PER_YEAR

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
            families = [role.role_family]
            if self.management is not None:
                families.append(self.management.lead_family)
            for family in families:
                if family not in by_name[role.location].loaded_monthly_cost:
                    raise ValueError(
                        f"roles[{i}]: no loaded_monthly_cost for family {family!r} in location "
                        f"{role.location!r}; known: "
                        f"{sorted(by_name[role.location].loaded_monthly_cost)}"
                    )
            first = role.plan[0].month
            if first >= self.horizon_months:
                raise ValueError(
                    f"roles[{i}].plan: first step at month {first:g} is not inside the "
                    f"horizon of {self.horizon_months} months"
                )
        return self

    @model_validator(mode="after")
    def _stage_overrides(self) -> Scenario:
        """Each role's stage_pass_rates name stages of its location and leave a funnel that
        can fill a requisition (the location's checks, on the role's funnel)."""
        for i, role in enumerate(self.roles):
            if not role.stage_pass_rates:
                continue
            stages = self.location(role.location).recruiting.stages
            known = [s.name for s in stages]
            unknown = sorted(set(role.stage_pass_rates) - set(known))
            if unknown:
                raise ValueError(
                    f"roles[{i}].stage_pass_rates: no stage {unknown} in location "
                    f"{role.location!r}; its stages: {known}"
                )
            try:
                self.recruiting_for(role)
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
                raise ValueError(f"roles[{i}].stage_pass_rates: {reason}") from None
        return self

    def recruiting_for(self, role: Role) -> Recruiting:
        """The role's recruiting: its location's, with the role's stage_pass_rates applied."""
        recruiting = self.location(role.location).recruiting
        if not role.stage_pass_rates:
            return recruiting
        doc = recruiting.model_dump()
        for stage in doc["stages"]:
            stage["pass_rate"] = role.stage_pass_rates.get(stage["name"], stage["pass_rate"])
        return Recruiting.model_validate(doc)

    @model_validator(mode="after")
    def _costs_consistent(self) -> Scenario:
        c = self.costs
        for i, loc in enumerate(self.locations):
            cur = loc.cost_currency
            if cur != c.currency and cur != "USD" and cur not in c.fx:
                raise ValueError(
                    f"locations[{i}].cost_currency: no exchange rate for {cur!r} into the "
                    f"scenario currency {c.currency!r}; add costs.fx.{cur} (known: "
                    f"{sorted({c.currency, 'USD', *c.fx})})"
                )
        for cur, path in c.fx.items():
            if isinstance(path, PathFx) and len(path.monthly) < self.horizon_months:
                raise ValueError(
                    f"costs.fx.{cur}.monthly: {len(path.monthly)} months given, shorter than "
                    f"the horizon of {self.horizon_months} months"
                )
        if c.outsourcing_pricing == "billed_rate":
            lead = self.management.lead_family if self.management else None
            families = {r.role_family for r in self.roles} | ({lead} if lead else set())
            field = "outsourcing_billed_rate_per_fte_month"
            if c.outsourcing_billed_rate_per_hour:
                field = "outsourcing_billed_rate_per_hour"
            missing = sorted(families - set(getattr(c, field)))
            if missing:
                raise ValueError(
                    f"costs.{field}: outsourcing_pricing "
                    f"'billed_rate' needs a rate for every role family, missing {missing}"
                )
        return self

    @model_validator(mode="after")
    def _build_inside_horizon(self) -> Scenario:
        if self.build_max_months is not None and self.build_max_months > self.horizon_months:
            raise ValueError(
                f"build_max_months: the planned Build ({self.build_max_months:g} months) is "
                f"longer than the horizon ({self.horizon_months} months); shorten the Build "
                "or lengthen horizon_months"
            )
        return self

    def location(self, name: str) -> Location:
        return _locations_by_name(self.locations)[name]

    def ramp_for(self, role: Role) -> Ramp:
        return role.ramp or self.location(role.location).ramp

    def attrition_for(self, role: Role) -> Attrition:
        """The role's effective attrition (the one lookup): its own override, else its
        location's; a night-shift role's resignation_multiplier is multiplied by the
        location's night_shift_resignation_multiplier."""
        location = self.location(role.location)
        attrition = role.attrition or location.attrition
        if role.shift != "night" or location.night_shift_resignation_multiplier == 1.0:
            return attrition
        return _night_shift_attrition(attrition, location.night_shift_resignation_multiplier)

    def immediate_start_share_for(self, role: Role) -> float:
        """The role's share of candidates available at once (override, else the location's)."""
        if role.immediate_start_share is not None:
            return role.immediate_start_share
        return self.location(role.location).recruiting.immediate_start_share

    def notice_buyout_for(self, role: Role) -> NoticeBuyout | None:
        """The role's notice buy-out (its override, else its location's; issue 17)."""
        if role.notice_buyout is not None:
            return role.notice_buyout
        return self.location(role.location).recruiting.notice_buyout

    @property
    def horizon_days(self) -> float:
        return self.horizon_months * DAYS_PER_MONTH

    def target_at(self, month: float) -> int:
        """Total target headcount across roles at ``month``."""
        return sum(role.target_at(month) for role in self.roles)


_NIGHT_SHIFT_ATTRITION: dict[tuple[int, float], tuple[Attrition, Attrition]] = {}
"""Effective attrition of night-shift roles, one frozen object per (base, multiplier), so the
hazard tables built once per Attrition object are built once here too."""


def _night_shift_attrition(attrition: Attrition, multiplier: float) -> Attrition:
    key = (id(attrition), multiplier)
    hit = _NIGHT_SHIFT_ATTRITION.get(key)
    if hit is None or hit[0] is not attrition:
        if len(_NIGHT_SHIFT_ATTRITION) >= 256:
            _NIGHT_SHIFT_ATTRITION.clear()
        night = attrition.model_copy(
            update={"resignation_multiplier": attrition.resignation_multiplier * multiplier}
        )
        hit = _NIGHT_SHIFT_ATTRITION[key] = (attrition, night)
    return hit[1]


def _days(days: float) -> str:
    return f"{days:.3g} days"


SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


@by_identity()
def _locations_by_name(locations: list[Location]) -> dict[str, Location]:
    """The scenario's locations by name (once per locations list: horizon-cut copies share it)."""
    return {loc.name: loc for loc in locations}


def slug(name: str) -> str:
    """A file-system-safe form of a scenario name (no separators, no leading dots)."""
    return SLUG.sub("-", name).strip("-.") or "scenario"


__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "Attrition",
    "AttritionBand",
    "Costs",
    "Entity",
    "FunnelStage",
    "LoadedSalary",
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
    "SupportStep",
    "TrainingClasses",
    "slug",
]
