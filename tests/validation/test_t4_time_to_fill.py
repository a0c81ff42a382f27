"""T4 — time to fill N seats from empty with c parallel recruiters, no attrition (§2.2 T4).

All N planned requisitions open on day 0; c recruiter slots each work one requisition at a time;
a search lasts Exp(λ) with λ = applicants_per_week/7 × offer_acceptance per day (no funnel
stages, no offer delay). While k ≥ c seats are vacant the next hire comes at rate c·λ, below
that at rate k·λ, so the time T until the last seat is filled has

    E[T]   = (1/λ)·[H_{min(N,c)} + max(N − c, 0)/c]           (H_m the harmonic number)
    Var[T] = Σ_{k=1}^{N} 1/(min(k, c)·λ)²

With a *fixed* search time D instead, T = ⌈N/c⌉·D (checked with a fixed 10-day offer answer and
a near-instant applicant, exact to the applicant's arrival time).

The model's ``time_to_full_team`` (months, continuous time) is converted to days with
365.25/12 days per month. Cases: (N, c) = (12, 3), (5, 10) [c ≥ N], (8, 1) [one recruiter], and
(12, 3) with offer acceptance 0.5 and twice the applicants (same λ — checks the thinning by
acceptance: each fill needs Geometric(a) offers, mean 1/a).

Tolerance: E[T] inside the simulated mean ± 3 SE, SE across replications (independent). The
whole distribution is tested with a Kolmogorov–Smirnov test against the exact law of T — a sum
of independent Exp(min(k, c)·λ), k = N..1, whose CDF 1 − π(t)·1 comes from the forward equations
of the pure-death chain — failing if p < 0.001 (this covers Var[T]). The slow test checks Var[T]
itself with 4000 replications: inside the sample variance ± 3 SE, SE(s²) ≈ √((m₄ − s⁴)/n).
No replication may be censored (the horizon is 24 months, ~5–8 times E[T]).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from botsim import run_experiment, simulate
from botsim.inputs.scenario import DAYS_PER_MONTH
from tests.conftest import make_scenario
from tests.validation.stats_helpers import assert_within_3se

MEAN_SEARCH_DAYS = 20.0
REPLICATIONS = 300


def expected_fill_time(n: int, c: int, lam: float) -> float:
    harmonic = sum(1.0 / k for k in range(1, min(n, c) + 1))
    return (harmonic + max(n - c, 0) / c) / lam


def fill_time_variance(n: int, c: int, lam: float) -> float:
    return sum(1.0 / (min(k, c) * lam) ** 2 for k in range(1, n + 1))


def fill_time_cdf(n: int, c: int, lam: float, t_days) -> np.ndarray:
    """P[T ≤ t]: absorption of the pure-death chain of vacancies N → 0 (rates min(k, c)·λ).

    Solves the forward equations dπ/dt = π·Q on the transient states N..1 from π(0) = e_N, at
    all requested times in one integration; P[T ≤ t] = 1 − π(t)·1.
    """
    t = np.atleast_1d(np.asarray(t_days, dtype=float))
    rates = np.array([min(k, c) * lam for k in range(n, 0, -1)])
    q = np.diag(-rates) + np.diag(rates[:-1], k=1)
    start = np.zeros(n)
    start[0] = 1.0
    order = np.argsort(t)
    sol = integrate.solve_ivp(
        lambda _, p: p @ q,
        (0.0, max(float(t.max()), 0.0)),
        start,
        t_eval=np.maximum(t[order], 0.0),
        rtol=1e-10,
        atol=1e-13,
    )
    cdf = np.empty_like(t)
    cdf[order] = 1.0 - sol.y.sum(axis=0)
    return cdf


def _scenario(n: int, c: int, applicants_per_week: float, acceptance: float = 1.0, **extra):
    return make_scenario(
        n,
        24,
        location={
            "recruiting": {
                "recruiters": c,
                "requisitions_per_recruiter": 1,
                "applicants_per_week": applicants_per_week,
                "offer_acceptance": acceptance,
                **extra,
            }
        },
    )


CASES = [(12, 3, 1.0, 411), (5, 10, 1.0, 412), (8, 1, 1.0, 413), (12, 3, 0.5, 414)]
CASE_IDS = ["N12-c3", "N5-c10", "N8-c1", "N12-c3-accept0.5"]


def _fill_days(n: int, c: int, acceptance: float, replications: int, seed: int) -> np.ndarray:
    lam = 1.0 / MEAN_SEARCH_DAYS
    scenario = _scenario(n, c, 7.0 * lam / acceptance, acceptance)
    summary = run_experiment(scenario, replications=replications, seed=seed).summary
    assert not summary.time_to_full_team_censored.any()
    return summary, summary.time_to_full_team.to_numpy() * DAYS_PER_MONTH


@pytest.mark.parametrize(("n", "c", "acceptance", "seed"), CASES, ids=CASE_IDS)
def test_time_to_full_team_mean_and_distribution(
    n: int, c: int, acceptance: float, seed: int
) -> None:
    lam = 1.0 / MEAN_SEARCH_DAYS
    summary, days = _fill_days(n, c, acceptance, REPLICATIONS, seed)
    label = f"T4 N={n} c={c} a={acceptance:g}"
    assert_within_3se(days, expected_fill_time(n, c, lam), f"{label} E[T] (days)")
    ks = stats.kstest(days, lambda t: fill_time_cdf(n, c, lam, t))
    print(f"{label} KS D = {ks.statistic:.4f}, p = {ks.pvalue:.3f}")
    assert ks.pvalue > 1e-3
    if acceptance < 1:
        # Each fill needs Geometric(a) offers: mean declined offers per fill (1 - a)/a.
        declined = summary.offers_declined.to_numpy() / n
        assert_within_3se(declined, (1 - acceptance) / acceptance, f"{label} declines per fill")


def test_cdf_helper_matches_closed_forms() -> None:
    lam = 1.0 / MEAN_SEARCH_DAYS
    # c >= N: T is the maximum of N independent Exp(λ).
    assert fill_time_cdf(5, 10, lam, 40.0) == pytest.approx((1 - math.exp(-lam * 40.0)) ** 5)
    # c = 1: T ~ Gamma(N, λ).
    assert fill_time_cdf(8, 1, lam, 150.0) == pytest.approx(stats.gamma.cdf(150.0, 8, scale=20))


@pytest.mark.slow
@pytest.mark.parametrize(("n", "c", "acceptance", "seed"), CASES, ids=CASE_IDS)
def test_time_to_full_team_variance_precise(n: int, c: int, acceptance: float, seed: int) -> None:
    lam = 1.0 / MEAN_SEARCH_DAYS
    _, days = _fill_days(n, c, acceptance, 4000, seed + 1000)
    label = f"T4 N={n} c={c} a={acceptance:g} (4000 reps)"
    assert_within_3se(days, expected_fill_time(n, c, lam), f"{label} E[T] (days)")
    centred = days - days.mean()
    s2, m4 = centred.var(ddof=1), np.mean(centred**4)
    se_s2 = math.sqrt((m4 - s2**2) / len(days))
    target = fill_time_variance(n, c, lam)
    print(f"{label} Var[T]: simulated {s2:.5g} ± {se_s2:.3g} (SE), analytic {target:.5g}")
    assert abs(s2 - target) <= 3 * se_s2


@pytest.mark.parametrize(("n", "c"), [(12, 3), (7, 2), (4, 6)])
def test_fixed_search_time_fills_in_waves(n: int, c: int) -> None:
    """Fixed D = 10-day offer answer, applicants every ~0.01 day: T = ⌈N/c⌉·D (+ arrivals)."""
    scenario = _scenario(n, c, 700.0, offer_duration=10)
    days = simulate(scenario, seed=405).summary["time_to_full_team"] * DAYS_PER_MONTH
    waves = math.ceil(n / c)
    assert waves * 10.0 <= days <= waves * 10.0 + 0.5
