"""Employees: tenure-band attrition hazard, resignations with notice, dismissals, probation.

Attrition is a piecewise-constant hazard over tenure bands (reference T1). Annual rates are
converted to hazards by the location's stated definition:

* ``turnover_ratio``      (separations / average headcount):  mu = r
* ``cohort_probability``  (P[leave within a year]):            mu = -ln(1 - r)

Voluntary and involuntary exits are competing risks: the time to the first exit solves
H(T) = E with E ~ Exp(1) and H the cumulative total hazard; the kind is voluntary with
probability mu_vol / (mu_vol + mu_inv) of the band in which T falls. A hire still employed at
the end of probation fails it with ``failure_probability``. Resignations are followed by the
notice period (the seat stays filled), except the ``no_notice_share`` who walk out (AWOL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from botsim.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, Attrition, Location

EXIT_KINDS = ("resignation", "walkout", "dismissal", "probation")
"""Exit kinds: resignation (with notice), walkout (AWOL), dismissal, failed probation."""


def annual_hazard(rate: float, definition: str) -> float:
    """Convert an annual attrition rate into a constant hazard per year (reference T1)."""
    if definition == "turnover_ratio":
        return rate
    if definition == "cohort_probability":
        return math.inf if rate >= 1 else -math.log1p(-rate)
    raise ValueError(f"unknown attrition definition {definition!r}")


@dataclass(frozen=True)
class HazardTable:
    """Per-day voluntary and involuntary hazards by tenure band (band starts in days)."""

    starts: np.ndarray
    voluntary: np.ndarray
    involuntary: np.ndarray

    @cached_property
    def bands(self) -> tuple[tuple[float, float, float, float], ...]:
        """(start, end, voluntary, involuntary) per band as Python floats, end = inf for the last.

        The form per-employee scalar loops read cheaply (indexing a numpy array returns a numpy
        scalar, several times slower to read and to compute with).
        """
        starts = self.starts.tolist()
        ends = [*starts[1:], math.inf]
        return tuple(
            zip(starts, ends, self.voluntary.tolist(), self.involuntary.tolist(), strict=True)
        )

    @classmethod
    def from_attrition(cls, attrition: Attrition) -> HazardTable:
        """The table of ``attrition``, built once per (frozen) Attrition and kept read-only."""
        cached = _HAZARD_TABLES.get(id(attrition))
        if cached is not None and cached[0] is attrition:
            return cached[1]
        table = cls._build(attrition)
        for arr in (table.starts, table.voluntary, table.involuntary):
            arr.flags.writeable = False
        if len(_HAZARD_TABLES) >= 256:  # an entry holds its Attrition, so its id is not reused
            _HAZARD_TABLES.clear()
        _HAZARD_TABLES[id(attrition)] = (attrition, table)
        return table

    @classmethod
    def _build(cls, attrition: Attrition) -> HazardTable:
        d = attrition.definition
        starts = np.array([b.from_month * DAYS_PER_MONTH for b in attrition.bands])
        if d == "cohort_probability":
            # Convert the combined probability, then split it by the stated shares.
            total = np.array(
                [annual_hazard(b.voluntary + b.involuntary, d) for b in attrition.bands]
            )
            share = np.array(
                [
                    b.voluntary / (b.voluntary + b.involuntary)
                    if b.voluntary + b.involuntary
                    else 0
                    for b in attrition.bands
                ]
            )
            vol, inv = total * share, total * (1 - share)
        else:
            vol = np.array([b.voluntary for b in attrition.bands], dtype=float)
            inv = np.array([b.involuntary for b in attrition.bands], dtype=float)
        return cls(starts, vol / DAYS_PER_YEAR, inv / DAYS_PER_YEAR)


_HAZARD_TABLES: dict[int, tuple[Attrition, HazardTable]] = {}


def tenure_at_cumulative_hazard(table: HazardTable, budget: float) -> tuple[float, int]:
    """Tenure (days) at which the cumulative total hazard reaches ``budget``, and its band.

    Returns ``(inf, last band)`` when the hazard runs out (zero rate in the last band).
    """
    total = table.voluntary + table.involuntary
    remaining = budget
    n = len(total)
    for i in range(n):
        start = table.starts[i]
        end = table.starts[i + 1] if i + 1 < n else math.inf
        rate = total[i]
        if rate > 0:
            span = (end - start) * rate
            if remaining <= span:
                return start + remaining / rate, i
            remaining -= span
    return math.inf, n - 1


@dataclass(frozen=True)
class ExitPlan:
    """When and how a new hire will leave (tenure in days; inf = never within the model)."""

    resign_tenure: float  # tenure at which the resignation is handed in (= exit if no notice)
    exit_tenure: float
    kind: str


def plan_exit(rng: np.random.Generator, location: Location, table: HazardTable) -> ExitPlan:
    """Draw one new hire's exit from the location's attrition, probation and notice rules.

    Draws, in fixed order so streams stay aligned across scenarios: E ~ Exp(1), the kind, the
    probation outcome, the walk-out outcome (always four draws).
    """
    budget, u_kind, u_probation, u_walkout = (
        rng.exponential(),
        rng.random(),
        rng.random(),
        rng.random(),
    )
    tenure, band = tenure_at_cumulative_hazard(table, budget)
    probation_days = location.probation.months * DAYS_PER_MONTH
    if (
        probation_days > 0
        and tenure > probation_days
        and u_probation < location.probation.failure_probability
    ):
        return ExitPlan(probation_days, probation_days, "probation")
    if math.isinf(tenure):
        return ExitPlan(math.inf, math.inf, "resignation")
    vol, inv = table.voluntary[band], table.involuntary[band]
    if u_kind >= vol / (vol + inv):
        return ExitPlan(tenure, tenure, "dismissal")
    if u_walkout < location.attrition.no_notice_share:
        return ExitPlan(tenure, tenure, "walkout")
    return ExitPlan(tenure, tenure + location.notice_days, "resignation")
