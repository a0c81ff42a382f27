"""Exit timing under a time-varying voluntary hazard, by thinning (Lewis-Shedler).

The base hazard is piecewise constant over tenure (``HazardTable``). While a role is
overloaded, or during the transfer window, the voluntary part is multiplied by m(t) <= m_max.
Candidate exits are drawn from the dominating hazard mu_vol * m_max + mu_inv by inverting its
cumulative hazard (E ~ Exp(1)); a voluntary candidate at time t is accepted with probability
m(t) / m_max, evaluated from the live state at t. This is exact for any m(t) bounded by m_max
and needs no rescheduling when the state changes. With m_max = 1 nothing is ever rejected.
"""

from __future__ import annotations

import math

from botsim.model.workforce import HazardTable

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
