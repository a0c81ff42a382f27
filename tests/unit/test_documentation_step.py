"""documentation_step, written with comparisons for speed, equals the min/max formula of
docs/model.md bit for bit (the readiness ledger and the metrics both rest on it)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from botsim.readiness import documentation_step
from botsim.scenario import Knowledge


def reference(k: Knowledge, previous, growing, tenured_ramped, target, tenured_exits, staff):
    share = min(1.0, tenured_ramped / target) if target > 0 else 0.0
    d = previous
    if growing:
        d += k.growth_per_month * (1.0 - d) * share
    d -= k.loss_per_exit_share * tenured_exits / max(staff, 1.0)
    return min(1.0, max(0.0, d))


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


def test_documentation_step_is_the_min_max_formula():
    rng = np.random.default_rng(4)
    knowledges = [
        Knowledge(growth_per_month=g, loss_per_exit_share=loss)
        for g, loss in [(0.0, 0.0), (0.08, 0.5), (1.0, 5.0), (0.3, 0.0)]
    ]
    previous = [0.0, -0.0, 1.0, 0.999999, 1e-12, *rng.random(20).tolist()]
    counts = [0, 1, 3, 20]
    targets = [0.0, 1.0, 20.0]
    cases = 0
    for k, d, growing, t, target, x, h in itertools.product(
        knowledges, previous, (False, True), counts, targets, counts, [0, 1, 22]
    ):
        got = documentation_step(k, d, growing, t, target, x, h)
        want = reference(k, d, growing, t, target, x, h)
        assert same(got, want), (k, d, growing, t, target, x, h, got, want)
        cases += 1
    assert cases > 10_000
