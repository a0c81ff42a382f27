"""T6 — capacity lost to the productivity ramp (reference §2.2 T6).

Every seat is refilled almost at once (mean search 0.01 day, backfill on exit, no notice) and
tenure is Exp(μ). From the first month-end after the ramp length onward, the tenure A of the
person in a seat is distributed as min(Exp(μ), t) — for the productivity only A < training +
ramp matters, where that law equals Exp(μ) — so the expected productive fraction is

    linear ramp over R, no training:      E[min(A/R, 1)] = (1 − e^{−μR}) / (μR)
    training T₀ at zero, then linear R:   (e^{−μT₀} − e^{−μ(T₀+R)}) / (μR)

With vacancies (search Exp(λ)), a filled seat's occupant still has tenure-so-far Exp(μ) in the
steady state (length-biased exponential filled spell), so E[FTE] = N·p·(the fraction above),
p = λ/(λ+μ) as in T2.

Parameters: N = 20, turnover ratio 2.0/yr (μ = 2/365.25 per day), R = 180 days: μR = 0.986 and
the fraction is 0.637 — a loss of a third, so the check is sharp (the reference's own example,
μ = 0.45/yr and R = 4 months, gives 0.929, also asserted on the pure formula).

Tolerance: analytic value inside mean ± 3 SE, SE across replications of the per-replication
average of effective_fte / N over month-ends ⌈(T₀+R)/month⌉..24 (12..36 with vacancies, after a
warm-up).
"""

from __future__ import annotations

import math

import pytest

from botsim import run_experiment
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR
from tests.conftest import make_scenario
from tests.validation.stats_helpers import assert_within_3se

N = 20
TURNOVER = 2.0
MU = TURNOVER / DAYS_PER_YEAR
REPLICATIONS = 100


def productive_fraction(mu: float, ramp_days: float, training_days: float = 0.0) -> float:
    return (math.exp(-mu * training_days) - math.exp(-mu * (training_days + ramp_days))) / (
        mu * ramp_days
    )


def test_reference_example() -> None:
    assert productive_fraction(0.45 / DAYS_PER_YEAR, 4 * DAYS_PER_MONTH) == pytest.approx(
        0.929, abs=5e-4
    )


def _scenario(horizon: int, mean_search_days: float, training: float, ramp: float):
    return make_scenario(
        N,
        horizon,
        location={
            "recruiting": {"applicants_per_week": 7.0 / mean_search_days, "recruiters": N},
            "attrition": {"bands": [{"from_month": 0, "voluntary": TURNOVER}]},
            "ramp": {"shape": "linear", "training_days": training, "ramp_days": ramp},
        },
        policy={"backfill": "on_exit"},
    )


def instant_refill_check(training: float, ramp: float, replications: int, seed: int) -> None:
    result = run_experiment(_scenario(24, 0.01, training, ramp), replications, seed=seed)
    ts = result.timeseries
    first = math.ceil((training + ramp) / DAYS_PER_MONTH)
    late = ts[ts.month >= first]
    per_rep = (late.effective_fte / N).groupby(late.replication).mean()
    assert_within_3se(
        per_rep,
        productive_fraction(MU, ramp, training),
        f"T6 productive fraction, training {training:g} d + linear {ramp:g} d ({replications})",
    )


def vacancies_check(replications: int, seed: int) -> None:
    mean_search = 45.0
    lam = 1.0 / mean_search
    p = lam / (lam + MU)
    result = run_experiment(_scenario(36, mean_search, 0.0, 180.0), replications, seed=seed)
    ts = result.timeseries
    late = ts[ts.month >= 12]
    per_rep = (late.effective_fte / N).groupby(late.replication).mean()
    assert_within_3se(
        per_rep,
        p * productive_fraction(MU, 180.0),
        f"T6 p x productive fraction, 45-day search ({replications})",
    )


@pytest.mark.parametrize(("training", "ramp"), [(0.0, 180.0), (30.0, 120.0)])
def test_productive_fraction_with_instant_refill(training: float, ramp: float) -> None:
    instant_refill_check(training, ramp, REPLICATIONS, seed=606)


def test_productive_fraction_times_fill_rate_with_vacancies() -> None:
    vacancies_check(REPLICATIONS, seed=607)


@pytest.mark.slow
def test_ramp_capacity_loss_precise() -> None:
    instant_refill_check(0.0, 180.0, 800, seed=1606)
    instant_refill_check(30.0, 120.0, 800, seed=1608)
    vacancies_check(800, seed=1607)
