"""T2 — seats filled when every vacancy is recruited at once (c ≥ N) (reference §2.2 T2).

Each of the N seats alternates independently between *vacant* (search time Exp(λ), λ =
applicants_per_week/7 × offer_acceptance per day, since there are no funnel stages and no offer
delay) and *filled* (tenure Exp(μ)). With backfill on exit and no notice:

* transient from an empty team:  E[filled(t)] = N·p·(1 − e^{−(λ+μ)t}),   p = λ/(λ+μ);
* steady state:                  filled ~ Binomial(N, p),  mean N·p.

By the alternating-renewal theorem p = E[tenure] / (E[tenure] + E[vacancy]) for *any*
distributions; the last test uses a non-exponential tenure (two tenure bands) and a vacancy of
Exp(λ) plus a fixed offer delay.

Parameters: N = 20, mean search 60 days (λ = 1/60 per day), turnover ratio 2.0/yr
(μ = 2/365.25 per day), so p = 0.753 and the time constant 1/(λ+μ) ≈ 45 days.

Tolerance: analytic value inside mean ± 3 SE. SE across replications: for the transient the
headcount at one month-end per replication; for the steady state the per-replication average of
month-ends 12..24 (correlated within a replication, independent across replications). The
binomial shape is tested with a χ² goodness-of-fit on month-ends 12, 18 and 24 (six months =
4 time constants apart, autocorrelation e^{−4} ≈ 0.02, treated as independent); the test
fails if p-value < 0.001.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from botsim import run_experiment
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR
from tests.conftest import make_scenario
from tests.validation.stats_helpers import assert_within_3se

N = 20
MEAN_SEARCH_DAYS = 60.0
TURNOVER = 2.0
LAM = 1.0 / MEAN_SEARCH_DAYS
MU = TURNOVER / DAYS_PER_YEAR
P = LAM / (LAM + MU)
REPLICATIONS = 300


def run_seats(replications: int, seed: int):
    scenario = make_scenario(
        N,
        24,
        location={
            "recruiting": {"applicants_per_week": 7.0 / MEAN_SEARCH_DAYS, "recruiters": N},
            "attrition": {"bands": [{"from_month": 0, "voluntary": TURNOVER}]},
        },
        policy={"backfill": "on_exit"},
    )
    result = run_experiment(scenario, replications=replications, seed=seed)
    assert not result.failures
    return result.timeseries


@pytest.fixture(scope="module")
def timeseries():
    return run_seats(REPLICATIONS, seed=202)


def expected_filled(t_days: float) -> float:
    return N * P * (1.0 - math.exp(-(LAM + MU) * t_days))


@pytest.mark.parametrize("month", [1, 2, 3, 4, 6])
def test_transient_from_empty(timeseries, month: int) -> None:
    heads = timeseries.loc[timeseries.month == month, "headcount"]
    assert_within_3se(
        heads, expected_filled(month * DAYS_PER_MONTH), f"T2 E[filled] at month {month}"
    )


def test_steady_state_mean(timeseries) -> None:
    late = timeseries[timeseries.month >= 12]
    per_rep = late.groupby("replication").headcount.mean()
    assert_within_3se(per_rep, N * P, "T2 steady-state E[filled]")


def test_steady_state_is_binomial(timeseries) -> None:
    heads = timeseries.loc[timeseries.month.isin([12, 18, 24]), "headcount"].to_numpy()
    expected = stats.binom.pmf(np.arange(N + 1), N, P) * len(heads)
    observed = np.bincount(heads.astype(int), minlength=N + 1)
    # Merge the sparse tails so every bin expects at least 5 observations.
    bins = _merge_small_bins(observed, expected)
    chi2, pvalue = stats.chisquare(*bins)
    print(f"T2 binomial chi2 = {chi2:.2f} on {len(bins[0]) - 1} df, p = {pvalue:.3f}")
    assert pvalue > 1e-3


def _merge_small_bins(observed, expected, minimum: float = 5.0):
    obs, exp = list(observed.astype(float)), list(expected)
    while len(exp) > 1 and exp[0] < minimum:
        o, e = obs.pop(0), exp.pop(0)
        obs[0] += o
        exp[0] += e
    while len(exp) > 1 and exp[-1] < minimum:
        o, e = obs.pop(), exp.pop()
        obs[-1] += o
        exp[-1] += e
    return np.asarray(obs), np.asarray(exp)


def renewal_check(replications: int, seed: int) -> None:
    """p = E[tenure]/(E[tenure]+E[vacancy]) with a non-exponential tenure and vacancy.

    Tenure: hazard 3.0/yr in the first 3 months, 0.8/yr after, so
    E[tenure] = (1 − e^{−h₁a})/h₁ + e^{−h₁a}/h₂ with a = 3 months.
    Vacancy: Exp(mean 40 days) search plus a fixed 20-day offer answer: E = 60 days.
    """
    h1, h2, a = 3.0 / DAYS_PER_YEAR, 0.8 / DAYS_PER_YEAR, 3 * DAYS_PER_MONTH
    mean_tenure = (1 - math.exp(-h1 * a)) / h1 + math.exp(-h1 * a) / h2
    mean_vacancy = 40.0 + 20.0
    p = mean_tenure / (mean_tenure + mean_vacancy)
    scenario = make_scenario(
        N,
        48,
        location={
            "recruiting": {
                "applicants_per_week": 7.0 / 40.0,
                "recruiters": N,
                "offer_duration": 20,
            },
            "attrition": {
                "bands": [
                    {"from_month": 0, "voluntary": 3.0},
                    {"from_month": 3, "voluntary": 0.8},
                ]
            },
        },
        policy={"backfill": "on_exit"},
    )
    ts = run_experiment(scenario, replications=replications, seed=seed).timeseries
    per_rep = ts[ts.month >= 24].groupby("replication").headcount.mean()
    assert_within_3se(per_rep, N * p, f"T2 renewal steady state, non-exponential ({replications})")


def test_steady_state_insensitive_to_distributions() -> None:
    renewal_check(100, seed=203)


@pytest.mark.slow
def test_seats_filled_precise() -> None:
    """3000 replications: every month-end 1..24 and the steady state; renewal with 1000."""
    ts = run_seats(3000, seed=1202)
    for month in range(1, 25):
        heads = ts.loc[ts.month == month, "headcount"]
        expected = expected_filled(month * DAYS_PER_MONTH)
        assert_within_3se(heads, expected, f"T2 E[filled] at month {month} (3000)")
    test_steady_state_mean(ts)
    test_steady_state_is_binomial(ts)
    renewal_check(1000, seed=1203)
