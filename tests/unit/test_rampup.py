"""The productivity ramp (``productivity_of``) against hand-computed shares, and the tenure of
full output that the month-end pipeline relies on (full there and at every longer tenure)."""

from __future__ import annotations

import math

import pytest

from botsim.inputs.scenario import Ramp
from botsim.model.rampup import full_output_tenure, productivity_of

RAMPS = [
    Ramp(shape="linear", training_days=14, ramp_days=126),
    Ramp(shape="logistic", training_days=14, ramp_days=126, steepness=8),
    Ramp(shape="stepped", training_days=14, ramp_days=126, steps=4),
    Ramp(shape="linear", training_days=14, ramp_days=0),
]
IDS = ["linear", "logistic", "stepped", "no-ramp"]


def test_ramps_give_hand_computed_shares() -> None:
    """Worked values (docs/model.md, "Productivity ramp"): training 14 d, ramp 126 d; at
    tenure 70 d, x = (70 - 14) / 126 = 4/9."""
    s = lambda v: 1 / (1 + math.exp(-8 * (v - 0.5)))  # noqa: E731
    cases = [
        (RAMPS[0], 70.0, 4 / 9),
        (RAMPS[1], 70.0, (s(4 / 9) - s(0)) / (s(1) - s(0))),
        (RAMPS[2], 70.0, 0.25),
        (RAMPS[0], 10.0, 0.0),
        (RAMPS[0], -5.0, 0.0),
        (RAMPS[3], 14.0, 1.0),
        (RAMPS[3], 13.9, 0.0),
    ]
    for ramp, tenure, share in cases:
        assert productivity_of(ramp)(tenure) == pytest.approx(share, abs=1e-12), (ramp, tenure)


@pytest.mark.parametrize("ramp", RAMPS, ids=IDS)
def test_output_is_full_exactly_from_the_full_output_tenure(ramp: Ramp) -> None:
    """Exactly 1 from training + ramp on, below 1 just before it: the pipeline counts agents
    past that tenure as full without evaluating the curve."""
    f, full = productivity_of(ramp), full_output_tenure(ramp)
    assert full == 14.0 + ramp.ramp_days
    for tenure in (full, full + 1e-9, full + 1.0, 10 * full):
        assert f(tenure) == 1.0
    assert f(full - 1e-6) < 1.0
    values = [f(t / 10) for t in range(0, int(full * 10) + 20)]
    assert values == sorted(values)  # non-decreasing in tenure
