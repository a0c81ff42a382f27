"""The estimators of calibrate against hand computations and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim.calibrate import (
    expected_excess,
    fit_duration,
    fit_families,
    kaplan_meier,
    model_mean_time_to_fill,
    piecewise_exponential,
    poisson_rate_interval,
    restricted_mean,
    wilson_interval,
)
from botsim.inputs.scenario import DAYS_PER_MONTH


def test_garwood_interval_matches_tables():
    # Classic exact Poisson limits: 0 events -> [0, 3.689]; 10 events -> [4.795, 18.390].
    assert poisson_rate_interval(0, 1.0) == (0.0, pytest.approx(3.6889, abs=1e-3))
    low, high = poisson_rate_interval(10, 2.0)
    assert low == pytest.approx(4.7954 / 2, abs=1e-3)
    assert high == pytest.approx(18.3904 / 2, abs=1e-3)


def test_wilson_interval_matches_hand_computation():
    low, high = wilson_interval(8, 10)
    assert (low, high) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    assert wilson_interval(0, 20)[0] == 0.0


def test_piecewise_exponential_counts_exposure_per_band():
    m = DAYS_PER_MONTH
    tenure = np.array([1.5 * m, 4 * m, 10 * m, 30 * m])
    kind = np.array(["voluntary", "involuntary", "censored", "voluntary"], dtype=object)
    fits = piecewise_exponential(tenure, kind, [0, 3, 12])
    # Band 0-3: 1.5 + 3 + 3 + 3 months; band 3-12: 1 + 7 + 9; band 12+: 18 months.
    expected_months = [10.5, 17.0, 18.0]
    for fit, months in zip(fits, expected_months, strict=True):
        assert fit.person_years == pytest.approx(months * m / 365.25)
    assert [f.voluntary.n for f in fits] == [1, 0, 1]
    assert [f.involuntary.n for f in fits] == [0, 1, 0]
    assert fits[0].voluntary.value == pytest.approx(1 / (10.5 / 12))
    assert all(f.warning for f in fits)  # four people are too few to trust


def test_kaplan_meier_hand_example():
    km = kaplan_meier(np.array([1, 2, 2, 3, 4]), np.array([1, 1, 0, 1, 0], dtype=bool))
    # S(1) = 4/5; S(2) = 4/5 * 3/4 = 0.6; S(3) = 0.6 * 1/2 = 0.3
    assert km["survival"].tolist() == pytest.approx([0.8, 0.6, 0.3])
    assert km["at_risk"].tolist() == [5, 4, 2]
    assert restricted_mean(km, 4.0) == pytest.approx(1 + 0.8 + 0.6 + 0.3)


def test_censored_exponential_and_funnel_mles():
    t = np.array([10.0, 20.0, 30.0, 40.0])
    obs = np.array([True, True, True, False])
    fits = {f.family: f for f in fit_families(t, obs, include_funnel=True)}
    assert fits["exponential"].params["mean"] == pytest.approx(100 / 3)
    assert fits["funnel"].params["shift"] == 10.0
    assert fits["funnel"].params["mean_wait"] == pytest.approx(60 / 3)


def test_aic_picks_the_generating_family():
    rng = np.random.default_rng(7)
    x = rng.lognormal(3.0, 0.5, 400)
    best = fit_families(x, np.ones(len(x), dtype=bool))[0]
    assert best.family == "lognormal"
    assert best.params["mean"] == pytest.approx(math.exp(3.0 + 0.125), rel=0.08)
    fit = fit_duration("notice", np.array([30.0, 30.0, 31.0, 29.0, 30.0]))
    assert fit.chosen == {"dist": "fixed", "value": 30.0}


def test_model_mean_time_to_fill_closed_form():
    # Fixed funnel time d: T = d + Exp(rate), so E[T] = d + 1 / rate.
    d = np.array([14.0])
    assert model_mean_time_to_fill(0.05, d) == pytest.approx(34.0, rel=1e-3)
    assert expected_excess(np.array([10.0, 20.0]), d).tolist() == [0.0, 6.0]
