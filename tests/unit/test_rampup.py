"""The float ramp of live checks (``productivity_of``) against the numpy ramp of the metrics."""

from __future__ import annotations

import numpy as np
import pytest

from botsim.model.rampup import productivity, productivity_of
from botsim.scenario import Ramp

TENURES = [-5.0, 0.0, 13.9, 14.0, 14.0001, 30.0, 57.5, 100.0, 140.0, 500.0]


@pytest.mark.parametrize(
    "ramp",
    [
        Ramp(shape="linear", training_days=14, ramp_days=126),
        Ramp(shape="logistic", training_days=14, ramp_days=126, steepness=8),
        Ramp(shape="stepped", training_days=14, ramp_days=126, steps=4),
        Ramp(shape="linear", training_days=14, ramp_days=0),
    ],
    ids=["linear", "logistic", "stepped", "no-ramp"],
)
def test_float_ramp_gives_the_numpy_ramps_values(ramp: Ramp) -> None:
    """The steering review's ledger sums these floats and trusts them away from its thresholds;
    they must be the metrics' values (to the last bit of exp for the logistic shape, 1e-15 here)."""
    one = productivity_of(ramp)
    expected = productivity(np.array(TENURES), ramp)
    got = np.array([one(t) for t in TENURES])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    assert got[0] == 0.0 and got[-1] == 1.0


@pytest.mark.parametrize("one", [False, True], ids=["numpy", "float"])
def test_both_ramps_give_hand_computed_shares(one: bool) -> None:
    """Worked values (docs/model.md, "Productivity ramp"), so an error shared by both forms
    cannot pass: training 14 d, ramp 126 d; at tenure 70 d, x = (70 - 14) / 126 = 4/9."""
    cases = [
        (Ramp(shape="linear", training_days=14, ramp_days=126), 70.0, 4 / 9),
        (Ramp(shape="stepped", training_days=14, ramp_days=126, steps=4), 70.0, 0.25),
        (Ramp(shape="linear", training_days=14, ramp_days=126), 10.0, 0.0),
        (Ramp(shape="linear", training_days=14, ramp_days=0), 14.0, 1.0),
    ]
    for ramp, tenure, share in cases:
        got = productivity_of(ramp)(tenure) if one else float(productivity(tenure, ramp))
        assert got == pytest.approx(share, abs=1e-12), (ramp.shape, tenure)
