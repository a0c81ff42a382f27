"""Round trip: records simulated by botsim from a known profile -> calibrate -> the profile.

Each fitted parameter's 95 % interval should contain the truth in about 95 % of seeds. The
default run checks 20 fixed seeds with a threshold chosen in advance from the binomial
distribution (>= 15 of 20 per parameter: a correct 95 % interval fails this with probability
3e-4, a 93 % one with 2e-3); the many-seed study is marked slow.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from scipy import stats

from tests.calibrate.roundtrip import run_round_trip, truth_values

SEEDS = range(1, 21)


def _coverage(tmp_path, seeds, headcount=80, horizon=36):
    hits: dict[str, list[bool]] = defaultdict(list)
    values: dict[str, list[float]] = defaultdict(list)
    for seed in seeds:
        _, pairs = run_round_trip(tmp_path, seed, headcount, horizon)
        for name, (truth, est) in pairs.items():
            hits[name].append(est.covers(truth))
            values[name].append(est.value)
    return hits, values


def test_round_trip_recovers_known_parameters_inside_their_intervals(tmp_path):
    hits, values = _coverage(tmp_path, SEEDS)
    truth = truth_values()
    assert len(hits) == 13
    low_coverage = {k: sum(v) for k, v in hits.items() if sum(v) < 15}
    assert not low_coverage, f"covered fewer than 15 of 20 seeds: {low_coverage}"
    pooled = np.mean([h for v in hits.values() for h in v])
    assert pooled >= 0.9, pooled
    # No gross bias: the mean estimate of the 0-3 month voluntary hazard is near the truth.
    mean_vol = float(np.mean(values["voluntary@0m"]))
    assert mean_vol == pytest.approx(truth["attrition"]["bands"][0]["voluntary"], rel=0.15)


@pytest.mark.slow
def test_round_trip_coverage_is_near_95_percent_over_many_seeds(tmp_path):
    """200 seeds: every parameter's coverage inside the binomial 99.9 % band around 0.95,
    allowing for the exact Poisson (Garwood) interval's known conservatism above 0.95."""
    n = 200
    hits, _ = _coverage(tmp_path, range(1000, 1000 + n))
    lo = stats.binom.ppf(0.0005, n, 0.95) / n  # ~0.90
    table = {k: sum(v) / n for k, v in hits.items()}
    print("coverage by parameter:", {k: round(c, 3) for k, c in table.items()})
    assert all(c >= lo for c in table.values()), table
    pooled = float(np.mean(list(table.values())))
    assert 0.93 <= pooled <= 0.99, pooled
    assert math.isfinite(pooled)
