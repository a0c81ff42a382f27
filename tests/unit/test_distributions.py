"""Distributions: stated mean and variance against sampled moments, validation, bare numbers.

Moment checks draw N = 200 000 values from a fixed seed and require the sample mean within
3 standard errors of ``mean`` (SE = sd / sqrt(N)) and the sample variance within 3 standard
errors of ``variance`` (SE = sqrt((m4 - s^4) / N), m4 the sample fourth central moment).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from botsim.inputs.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Triangular,
    Uniform,
)

N = 200_000
ADAPTER = TypeAdapter(Distribution)


def parse(value):
    return ADAPTER.validate_python(value)


CASES = {
    "exponential": {"dist": "exponential", "mean": 12.5},
    "lognormal": {"dist": "lognormal", "mean": 30, "sd": 12},
    "lognormal-wide": {"dist": "lognormal", "mean": 5, "sd": 15},
    "triangular": {"dist": "triangular", "low": 28, "mode": 75, "high": 120},
    "triangular-mode-at-low": {"dist": "triangular", "low": 0, "mode": 0, "high": 10},
    "uniform": {"dist": "uniform", "low": 3, "high": 9},
    "empirical": {"dist": "empirical", "values": [14, 30, 30, 45, 60]},
    "empirical-weighted": {"dist": "empirical", "values": [7, 30, 90], "weights": [5, 3, 2]},
}


@pytest.mark.parametrize("spec", CASES.values(), ids=CASES.keys())
def test_sampled_moments_match_stated_mean_and_variance(spec):
    dist = parse(spec)
    rng = np.random.default_rng(20261125)
    x = np.asarray(dist.sample(rng, N), dtype=float)
    assert x.shape == (N,)
    assert (x >= 0).all(), "durations are never negative"
    mean, var = x.mean(), x.var(ddof=1)
    se_mean = math.sqrt(dist.variance / N)
    m4 = np.mean((x - mean) ** 4)
    se_var = math.sqrt(max(m4 - var**2, 0.0) / N)
    assert abs(mean - dist.mean) <= 3 * se_mean, (mean, dist.mean, se_mean)
    assert abs(var - dist.variance) <= 3 * se_var, (var, dist.variance, se_var)


def test_single_draws_are_floats_in_range():
    rng = np.random.default_rng(1)
    for spec in CASES.values():
        dist = parse(spec)
        value = dist.sample(rng)
        assert np.isscalar(value) and value >= 0


def test_fixed_has_no_spread():
    dist = Fixed(value=30)
    assert dist.mean == 30 and dist.variance == 0
    assert dist.sample(np.random.default_rng(0)) == 30
    assert (dist.sample(np.random.default_rng(0), 5) == 30).all()


@pytest.mark.parametrize(("number", "expected"), [(30, 30.0), (0, 0.0), (2.5, 2.5)])
def test_bare_number_means_fixed(number, expected):
    dist = parse(number)
    assert isinstance(dist, Fixed)
    assert dist.value == expected and dist.mean == expected and dist.variance == 0


def test_closed_form_values():
    assert Exponential(mean=4).variance == 16
    assert LogNormal(mean=10, sd=3).variance == pytest.approx(9)
    assert Triangular(low=0, mode=3, high=6).mean == 3
    assert Triangular(low=0, mode=3, high=6).variance == pytest.approx(
        (0 + 36 + 9 - 0 - 0 - 18) / 18
    )
    assert Uniform(low=2, high=8).variance == pytest.approx(3)
    assert Empirical(values=[1, 3], weights=[3, 1]).mean == pytest.approx(1.5)


def test_reprs_are_readable():
    assert repr(parse(12)) == "Fixed(12)"
    assert repr(parse({"dist": "exponential", "mean": 4})) == "Exponential(mean=4)"
    assert repr(parse({"dist": "lognormal", "mean": 10, "sd": 3})) == "LogNormal(mean=10, sd=3)"
    assert repr(parse({"dist": "triangular", "low": 1, "mode": 2, "high": 5})) == (
        "Triangular(1, 2, 5)"
    )
    assert repr(parse({"dist": "uniform", "low": 1, "high": 5})) == "Uniform(1, 5)"
    assert "Empirical(n=2" in repr(parse({"dist": "empirical", "values": [1, 2]}))


def test_distributions_are_frozen():
    dist = parse({"dist": "exponential", "mean": 4})
    with pytest.raises(ValidationError):
        dist.mean_ = 5


INVALID = {
    "negative fixed": (-1, "greater than or equal to 0"),
    "nan fixed": (math.nan, "finite number"),
    "inf fixed": (math.inf, "finite number"),
    "bool": (True, "expected a number of days or a distribution mapping"),
    "string": ("30 days", "expected a number of days or a distribution mapping"),
    "list": ([1, 2], "expected a number of days or a distribution mapping"),
    "no dist key": ({"mean": 3}, "needs a `dist` key"),
    "unknown dist": ({"dist": "gamma", "shape": 2}, "does not match any of the expected tags"),
    "extra field": ({"dist": "exponential", "mean": 3, "sd": 1}, "Extra inputs are not permitted"),
    "exponential mean 0": ({"dist": "exponential", "mean": 0}, "greater than 0"),
    "exponential nan": ({"dist": "exponential", "mean": math.nan}, "finite number"),
    "lognormal sd 0": ({"dist": "lognormal", "mean": 5, "sd": 0}, "greater than 0"),
    "lognormal missing sd": ({"dist": "lognormal", "mean": 5}, "Field required"),
    "triangular low > high": (
        {"dist": "triangular", "low": 9, "mode": 5, "high": 2},
        "low <= mode <= high",
    ),
    "triangular mode outside": (
        {"dist": "triangular", "low": 1, "mode": 7, "high": 5},
        "low <= mode <= high",
    ),
    "triangular degenerate": ({"dist": "triangular", "low": 3, "mode": 3, "high": 3}, "low < high"),
    "uniform low = high": ({"dist": "uniform", "low": 4, "high": 4}, "low < high"),
    "uniform negative": ({"dist": "uniform", "low": -4, "high": 4}, "greater than or equal to 0"),
    "empirical empty": ({"dist": "empirical", "values": []}, "at least 1 item"),
    "empirical negative": ({"dist": "empirical", "values": [3, -1]}, "greater than or equal to 0"),
    "empirical weights length": (
        {"dist": "empirical", "values": [1, 2], "weights": [1]},
        "one entry per value",
    ),
    "empirical zero weights": (
        {"dist": "empirical", "values": [1, 2], "weights": [0, 0]},
        "must not all be zero",
    ),
    "string number": ({"dist": "exponential", "mean": "3"}, "valid number"),
    "bool parameter": ({"dist": "uniform", "low": 0, "high": True}, "valid number"),
}


@pytest.mark.parametrize(("value", "fragment"), INVALID.values(), ids=INVALID.keys())
def test_invalid_distributions_are_refused_with_a_reason(value, fragment):
    with pytest.raises(ValidationError) as info:
        parse(value)
    assert fragment in str(info.value)
