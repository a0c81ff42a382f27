"""Attrition hazards and exit timing: the formulas of the workforce mechanism
(:mod:`botsim.model.workforce` runs them).

Attrition is a piecewise-constant hazard over tenure bands (reference T1). Annual rates are
converted to hazards by the location's stated definition:

* ``turnover_ratio``      (separations / average headcount):  mu = r
* ``cohort_probability``  (P[leave within a year]):            mu = -ln(1 - r)

Voluntary and involuntary exits are competing risks: the time to the first exit solves
H(T) = E with E ~ Exp(1) and H the cumulative total hazard; the kind is voluntary with
probability mu_vol / (mu_vol + mu_inv) of the band in which T falls.

Exit timing under a time-varying voluntary hazard, by thinning (Lewis-Shedler): while a role
is overloaded, or during the transfer window, the voluntary part is multiplied by
m(t) <= m_max. Candidate exits are drawn from the dominating hazard mu_vol * m_max + mu_inv by
inverting its cumulative hazard (E ~ Exp(1)); a voluntary candidate at time t is accepted with
probability m(t) / m_max, evaluated from the live state at t. This is exact for any m(t)
bounded by m_max and needs no rescheduling when the state changes. With m_max = 1 nothing is
ever rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from botsim.inputs.caching import by_identity
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, Attrition, LocationValues


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
        return _hazard_table(attrition)

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


@by_identity(maxsize=256)
def _hazard_table(attrition: Attrition) -> HazardTable:
    table = HazardTable._build(attrition)
    for arr in (table.starts, table.voluntary, table.involuntary):
        arr.flags.writeable = False
    return table


ExitBands = tuple[tuple[float, float, float], ...]
"""(start, end, total rate) per tenure band, the voluntary part already scaled."""


def scaled_bands(table: HazardTable, vol_scale: float = 1.0) -> ExitBands:
    """The bands of ``table`` with their dominating rate ``vol * vol_scale + inv``.

    Computed once per (table, scale) by a replication rather than once per exit candidate.
    """
    return tuple((lo, hi, vol * vol_scale + inv) for lo, hi, vol, inv in table.bands)


def exit_tenure(bands: ExitBands, start_tenure: float, budget: float) -> tuple[float, int]:
    """Tenure (days) at which the cumulative hazard of ``bands`` from ``start_tenure`` reaches
    ``budget``, and the index of its band; ``(inf, last band)`` when the hazard runs out."""
    remaining = budget
    for i, (lo, hi, rate) in enumerate(bands):
        if hi <= start_tenure:
            continue
        if lo < start_tenure:
            lo = start_tenure
        # Python floats: a vanishing rate gives inf quietly instead of a numpy overflow warning.
        if rate > 0:
            span = (hi - lo) * rate
            if remaining <= span:
                return lo + remaining / rate, i
            remaining -= span
    return math.inf, len(bands) - 1


def voluntary_share(table: HazardTable, band: int, vol_scale: float = 1.0) -> float:
    """Probability that a candidate exit in ``band`` is voluntary (competing risks)."""
    _, _, vol, inv = table.bands[band]
    vol *= vol_scale
    total = vol + inv
    return vol / total if total > 0 else 0.0


def steady_state_attrition(location: LocationValues) -> float:
    """The location's expected steady-state annual attrition (exits / mean headcount per year)
    of one seat whose leaver is replaced at once, with no overload and no transfer window:
    1 / E[tenure] by renewal theory (reference T1, T7), E[tenure] in years.

    E[tenure] = integral of S(t) dt + notice x P(resignation with notice), where S is the
    survival of the piecewise-constant hazard (voluntary + involuntary), times
    (1 - probation failure) from the end of probation (a hire still employed then fails it
    with that probability), and a resignation that is not a walk-out keeps the seat filled for
    the notice period. 0 when the hazard vanishes for ever (nobody leaves).
    """
    table = HazardTable.from_attrition(location.attrition)
    probation = location.probation.months * DAYS_PER_MONTH
    failure = location.probation.failure_probability
    cuts = sorted({*table.starts.tolist(), probation} if failure > 0 else table.starts.tolist())
    survival, mean_days, voluntary_exits = 1.0, 0.0, 0.0
    for lo, hi in zip(cuts, [*cuts[1:], math.inf]):
        if lo == probation and failure > 0:
            survival *= 1.0 - failure
        band = int(np.searchsorted(table.starts, lo, side="right")) - 1
        vol, inv = float(table.voluntary[band]), float(table.involuntary[band])
        rate = vol + inv
        if rate == 0:
            if math.isinf(hi):
                return 0.0
            mean_days += survival * (hi - lo)
            continue
        leaving = 1.0 if math.isinf(hi) else -math.expm1(-rate * (hi - lo))
        mean_days += survival * leaving / rate
        voluntary_exits += survival * leaving * vol / rate
        survival *= 1.0 - leaving
    mean_days += location.notice_days * voluntary_exits * (1.0 - location.attrition.no_notice_share)
    return DAYS_PER_YEAR / mean_days
