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
from botsim.inputs.scenario import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    Attrition,
    LocationValues,
    Probation,
)


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
        # Market tightness / pay position scales the resignation hazard only (x 1.0 exactly
        # leaves every value, and so every draw, as it was).
        vol = vol * attrition.resignation_multiplier
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


# --------------------------------------------------------------------------- emergent turnover


class _Bands:
    """The survival function of the first exit candidate under a hazard table, and the
    integrals the emergent turnover needs, each exact band by band (docs/model.md, "Emergent
    turnover"): S(x) = exp(-H(x)), A(x) = int_0^x S, V(x) = int_0^x mu_vol S (the probability
    of a resignation by x), W(x) = int_0^x V."""

    def __init__(self, table: HazardTable) -> None:
        self.rows = []  # (lo, hi, vol, total, S(lo), A(lo), V(lo), W(lo))
        s, a, v, w = 1.0, 0.0, 0.0, 0.0
        for lo, hi, vol, inv in table.bands:
            self.rows.append((lo, hi, vol, vol + inv, s, a, v, w))
            if math.isinf(hi):
                break
            s, a, v, w = self._within(self.rows[-1], hi)

    @staticmethod
    def _within(row: tuple, x: float) -> tuple[float, float, float, float]:
        lo, _, vol, h, s, a, v, w = row
        d = x - lo
        if h == 0:
            return s, a + s * d, v, w + v * d
        if math.isinf(d):
            return 0.0, a + s / h, v + vol * s / h, math.inf
        decay = math.exp(-h * d)
        spent = -math.expm1(-h * d) / h  # int_0^d exp(-h u) du
        return (
            s * decay,
            a + s * spent,
            v + vol * s * spent,
            w + v * d + vol * s / h * (d - spent),
        )

    def at(self, x: float) -> tuple[float, float, float, float]:
        """(S, A, V, W) at tenure ``x`` days (x <= 0: the values at 0)."""
        if x <= 0:
            return 1.0, 0.0, 0.0, 0.0
        row = self.rows[0]
        for candidate in self.rows:
            if candidate[0] >= x:
                break
            row = candidate
        return self._within(row, x)


def expected_stay_days(
    table: HazardTable,
    probation_days: float,
    probation_failure: float,
    notice_days: float,
    walkout_share: float,
    cap: float = math.inf,
) -> float:
    """E[min(L, cap)]: the mean days from hire to exit L of one employee under the workforce
    mechanism with no multiplier in force (docs/model.md, "Emergent turnover").

    The first exit candidate T has survival S; a hire who fails probation (probability f)
    and has no candidate by its end P leaves at P; a resignation (share 1 - w of voluntary
    candidates, the rest walk out) leaves notice n later; dismissals and walk-outs leave at T.
    With G(a) = P(L > a), E[min(L, c)] = int_0^c G, which is, band by band exactly,

        (1 - f) [A(c) + (1 - w)(W(c) - W(c - n))]
        + f [A(p) + (1 - w)(W(p) - W(p - n)) + (1 - w)(V(P)(b - P) - W(b - n) + W(P - n))]

    with p = min(P, c), b = min(c, P + n) (the last term only when c > P), W(x < 0) = 0; as
    c -> inf, W(c) - W(c - n) -> n V(inf).
    """
    bands = _Bands(table)
    f, n, w = probation_failure, notice_days, walkout_share
    resign = 1.0 - w

    def served(c: float) -> float:
        """int_0^c P(L > a) da for a hire who does not fail probation."""
        _, a_c, v_c, w_c = bands.at(c)
        if math.isinf(c):
            return a_c + resign * n * v_c
        return a_c + resign * (w_c - bands.at(c - n)[3])

    stay = 0.0 if f == 1 else (1 - f) * served(cap)
    if f > 0:
        p = min(probation_days, cap)
        stay += f * served(p)
        if cap > probation_days:
            b = min(cap, probation_days + n)
            v_p = bands.at(probation_days)[2]
            w_tail = bands.at(b - n)[3] - bands.at(probation_days - n)[3]
            stay += f * resign * (v_p * (b - probation_days) - w_tail)
    return stay


def emergent_annual_rate(attrition: Attrition, probation: Probation, notice_days: float) -> float:
    """The annual attrition rate a steady team shows under ``attrition.definition``, from the
    bands, probation and notice (docs/model.md, "Emergent turnover"):

    * ``turnover_ratio`` (separations / average headcount): 1 / E[L] per year (Little's law:
      average headcount = hire rate x E[L], separations = hire rate);
    * ``cohort_probability`` (share of the staff present at a moment who leave within a
      year): E[min(L, 1 year)] / E[L] (the tenure of a present employee has density G / E[L]).

    L is the stay from hire to exit (:func:`expected_stay_days`); no overload, handover or
    Owned-phase multiplier is in force (the location's own rate).
    """
    table = HazardTable.from_attrition(attrition)
    args = (
        table,
        probation.months * DAYS_PER_MONTH,
        probation.failure_probability,
        notice_days,
        attrition.no_notice_share,
    )
    stay = expected_stay_days(*args)
    if math.isinf(stay):
        return 0.0
    if attrition.definition == "turnover_ratio":
        return DAYS_PER_YEAR / stay
    return expected_stay_days(*args, cap=DAYS_PER_YEAR) / stay


def steady_state_attrition(location: LocationValues, attrition: Attrition | None = None) -> float:
    """The expected steady-state annual attrition of one seat whose leaver is replaced at once,
    with no overload, handover or Owned-phase multiplier in force, as a turnover ratio (exits /
    mean headcount per year, whatever ``attrition.definition`` says): DAYS_PER_YEAR / E[L] by
    renewal theory (reference T1, T7), E[L] from :func:`expected_stay_days`. ``attrition``
    overrides the location's (a role's own attrition); 0 when nobody ever leaves."""
    attrition = attrition or location.attrition
    stay = expected_stay_days(
        HazardTable.from_attrition(attrition),
        location.probation.months * DAYS_PER_MONTH,
        location.probation.failure_probability,
        location.notice_days,
        attrition.no_notice_share,
    )
    return 0.0 if math.isinf(stay) else DAYS_PER_YEAR / stay
