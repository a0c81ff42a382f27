"""T3 — limited recruiters: the finite-source (machine-repairman) queue M/M/c//N (§2.2 T3).

With c recruiter slots (recruiters × requisitions_per_recruiter) and N seats, backfill on exit,
no notice and no funnel delays, the number of vacancies k is a birth–death chain:

    birth (a filled seat empties):  (N − k)·μ
    death (a search ends in a hire): min(k, c)·λ

with λ = applicants_per_week/7 × offer_acceptance per day and μ the attrition hazard per day.
Its stationary law solves detailed balance, π_{k+1}/π_k = (N − k)μ / (min(k + 1, c)λ); the test
computes it by that recursion and checks it against the reference's closed form
π_k ∝ C(N,k)(μ/λ)^k (k ≤ c), π_k ∝ N!/((N−k)!·c!·c^{k−c})·(μ/λ)^k (k > c).
Mean filled seats = N − Σ k·π_k; mean requisitions waiting for a recruiter = Σ (k − c)⁺·π_k.

Parameters (chosen so the recruiter limit binds: P[k > c] ≈ 0.2–0.3): N = 10 with c = 2, and
N = 6 with c = 1 (the truncated-Poisson case); mean search 30 days; turnover ratio 1.5/yr.

Tolerance: analytic mean inside simulated mean ± 3 SE, SE across replications of the
per-replication average over month-ends 13..72 (a 12-month warm-up is dropped: the chain
relaxes in well under a month or two). Distribution: χ² goodness-of-fit of the vacancy counts at
month-ends 12, 24, …, 72 (12 months apart, effectively independent), failing if p < 0.001.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from botsim import run_experiment
from botsim.inputs.scenario import DAYS_PER_YEAR
from tests.conftest import make_scenario
from tests.validation.stats_helpers import assert_within_3se

MEAN_SEARCH_DAYS = 30.0
TURNOVER = 1.5
LAM = 1.0 / MEAN_SEARCH_DAYS
MU = TURNOVER / DAYS_PER_YEAR
HORIZON = 72
WARMUP = 12
REPLICATIONS = 120


def stationary_vacancies(n: int, c: int, lam: float, mu: float) -> np.ndarray:
    """π_k, k = 0..n, of the birth–death chain by detailed balance."""
    pi = np.ones(n + 1)
    for k in range(n):
        pi[k + 1] = pi[k] * (n - k) * mu / (min(k + 1, c) * lam)
    return pi / pi.sum()


def reference_closed_form(n: int, c: int, lam: float, mu: float) -> np.ndarray:
    r = mu / lam
    w = [
        math.comb(n, k) * r**k
        if k <= c
        else math.factorial(n) / (math.factorial(n - k) * math.factorial(c) * c ** (k - c)) * r**k
        for k in range(n + 1)
    ]
    return np.asarray(w) / sum(w)


@pytest.mark.parametrize(("n", "c"), [(10, 2), (6, 1)])
def test_recursion_matches_reference_closed_form(n: int, c: int) -> None:
    np.testing.assert_allclose(
        stationary_vacancies(n, c, LAM, MU), reference_closed_form(n, c, LAM, MU), rtol=1e-12
    )


def test_single_recruiter_is_truncated_poisson() -> None:
    # c = 1: filled seats j = N - k follow pi_j ∝ (λ/μ)^j / j!  (reference T3).
    n = 6
    j = np.arange(n + 1)
    w = (LAM / MU) ** j / np.array([math.factorial(int(i)) for i in j])
    np.testing.assert_allclose(stationary_vacancies(n, 1, LAM, MU)[::-1], w / w.sum(), rtol=1e-12)


def run_queue(n: int, c: int, replications: int, seed: int):
    scenario = make_scenario(
        n,
        HORIZON,
        location={
            "recruiting": {
                "applicants_per_week": 7.0 / MEAN_SEARCH_DAYS,
                "recruiters": c,
                "requisitions_per_recruiter": 1,
            },
            "attrition": {"bands": [{"from_month": 0, "voluntary": TURNOVER}]},
        },
        policy={"backfill": "on_exit"},
    )
    result = run_experiment(scenario, replications=replications, seed=seed)
    assert not result.failures
    ts = result.timeseries
    ts = ts.assign(vacancies=ts.target - ts.headcount)
    return n, c, ts


@pytest.fixture(scope="module", params=[(10, 2), (6, 1)], ids=["N10-c2", "N6-c1"])
def queue_run(request):
    n, c = request.param
    return run_queue(n, c, REPLICATIONS, seed=303)


def test_mean_filled_seats(queue_run) -> None:
    n, c, ts = queue_run
    pi = stationary_vacancies(n, c, LAM, MU)
    k = np.arange(n + 1)
    late = ts[ts.month > WARMUP].groupby("replication")
    print(f"T3 N={n} c={c}: P[k > c] = {pi[c + 1 :].sum():.3f}")
    assert_within_3se(late.headcount.mean(), n - (k * pi).sum(), f"T3 N={n} c={c} mean filled")
    assert_within_3se(
        late.queued_requisitions.mean(),
        (np.maximum(k - c, 0) * pi).sum(),
        f"T3 N={n} c={c} mean requisitions waiting for a recruiter",
    )


def test_vacancies_are_open_requisitions(queue_run) -> None:
    # Backfill on exit, no notice: every vacancy has exactly one open requisition.
    _, _, ts = queue_run
    assert (ts.vacancies == ts.open_requisitions).all()


def test_vacancy_distribution_chi_square(queue_run) -> None:
    n, c, ts = queue_run
    pi = stationary_vacancies(n, c, LAM, MU)
    snaps = ts.loc[(ts.month % 12 == 0) & (ts.month >= WARMUP), "vacancies"].astype(int)
    observed = np.bincount(snaps, minlength=n + 1).astype(float)
    expected = pi * len(snaps)
    # Merge the upper tail into one bin expecting at least 5 observations.
    cut = n
    while expected[cut:].sum() < 5:
        cut -= 1
    obs = np.append(observed[:cut], observed[cut:].sum())
    exp = np.append(expected[:cut], expected[cut:].sum())
    chi2, pvalue = stats.chisquare(obs, exp)
    print(f"T3 N={n} c={c}: chi2 = {chi2:.2f} on {len(obs) - 1} df, p = {pvalue:.3f}")
    assert pvalue > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize(("n", "c"), [(10, 2), (6, 1)], ids=["N10-c2", "N6-c1"])
def test_finite_source_queue_precise(n: int, c: int) -> None:
    run = run_queue(n, c, 1500, seed=1303)
    test_mean_filled_seats(run)
    test_vacancy_distribution_chi_square(run)
