"""T1 — attrition-rate conversion (reference §2.2 T1).

Closed forms. An annual rate r means, by its stated definition,

* ``cohort_probability``: P[a new hire leaves within one year] = r, so the constant hazard is
  μ = −ln(1 − r) per year;
* ``turnover_ratio``: separations ÷ average headcount = r, so (constant hazard, instant
  replacement) μ = r per year, and a cohort leaves within a year with probability 1 − e^{−r}.

For r = 0.45: μ = 0.598/yr (cohort) versus 0.45/yr (turnover); one-year leaving share 0.45
versus 0.362 — 14 standard errors apart at the replication counts below, so a swapped
definition cannot pass.

Checks: the pure conversion ``annual_hazard`` (exact, to 1e-12), then two simulated checks per
definition on a team refilled near-instantly (mean search 0.01 day):

1. share of the initial cohort (the hires for planned seats) whose tenure is ≤ 365.25 days;
2. the model's own ``annual_attrition`` (exits ÷ mean month-end headcount, annualised), which with
   near-instant replacement estimates the turnover ratio μ.

Tolerance: analytic value inside the simulated mean ± 3 SE, SE across replications (one share
and one ratio per replication; replications are independent).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import simulate
from botsim.inputs.scenario import DAYS_PER_YEAR, Attrition
from botsim.model.hazards import HazardTable, annual_hazard
from tests.conftest import make_scenario
from tests.validation.stats_helpers import assert_within_3se, plan_hire_tenures

RATE = 0.45
TEAM = 100
REPLICATIONS = 40


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.3, 0.45, 0.9, 0.999])
def test_annual_hazard_pure_function(rate: float) -> None:
    assert annual_hazard(rate, "turnover_ratio") == rate
    mu = annual_hazard(rate, "cohort_probability")
    assert mu == pytest.approx(-math.log(1.0 - rate), rel=1e-12, abs=1e-15)
    # Round trip: the one-year survival of hazard mu is 1 - r.
    assert 1.0 - math.exp(-mu) == pytest.approx(rate, rel=1e-12, abs=1e-15)


def test_annual_hazard_reference_example_and_edges() -> None:
    # The reference's worked example: 45 %/yr -> 0.598/yr (cohort) versus 0.45/yr (turnover).
    assert annual_hazard(0.45, "cohort_probability") == pytest.approx(0.5978370, abs=1e-6)
    assert annual_hazard(0.45, "turnover_ratio") == 0.45
    assert annual_hazard(1.0, "cohort_probability") == math.inf
    # A turnover ratio may exceed 1 (more separations than average headcount).
    assert annual_hazard(1.7, "turnover_ratio") == 1.7
    with pytest.raises(ValueError):
        annual_hazard(0.3, "per_month")


def test_hazard_table_per_day_and_competing_split() -> None:
    """Per-day hazards; a cohort probability is converted on the total, then split by share."""
    cohort = HazardTable.from_attrition(
        Attrition(
            definition="cohort_probability",
            bands=[{"from_month": 0, "voluntary": 0.30, "involuntary": 0.15}],
        )
    )
    total = -math.log(1 - 0.45) / DAYS_PER_YEAR
    assert cohort.voluntary[0] + cohort.involuntary[0] == pytest.approx(total, rel=1e-12)
    assert cohort.voluntary[0] / (cohort.voluntary[0] + cohort.involuntary[0]) == pytest.approx(
        0.30 / 0.45
    )
    turnover = HazardTable.from_attrition(
        Attrition(
            definition="turnover_ratio",
            bands=[{"from_month": 0, "voluntary": 0.30, "involuntary": 0.15}],
        )
    )
    assert turnover.voluntary[0] == pytest.approx(0.30 / DAYS_PER_YEAR, rel=1e-12)
    assert turnover.involuntary[0] == pytest.approx(0.15 / DAYS_PER_YEAR, rel=1e-12)


def _cohort_scenario(definition: str):
    return make_scenario(
        TEAM,
        13,  # one year of observed tenure for the initial cohort, plus a month
        location={
            # mean search 0.01 day: seats are refilled essentially at once
            "recruiting": {"applicants_per_week": 700.0, "recruiters": TEAM},
            "attrition": {
                "definition": definition,
                "bands": [{"from_month": 0, "voluntary": 0.30, "involuntary": 0.15}],
            },
        },
        policy={"backfill": "on_exit"},
    )


DEFINITIONS = [
    ("cohort_probability", RATE, -math.log(1 - RATE)),
    ("turnover_ratio", 1 - math.exp(-RATE), RATE),
]


def check_definition(
    definition: str, one_year_share: float, hazard_per_year: float, replications: int, seed: int
) -> None:
    scenario = _cohort_scenario(definition)
    shares, ratios = [], []
    for rep in range(replications):
        result = simulate(scenario, seed=seed, replication=rep, keep_events=True)
        start, end = plan_hire_tenures(result.events)
        assert len(start) == TEAM
        shares.append(np.mean(end - start <= DAYS_PER_YEAR))
        ratios.append(result.summary["annual_attrition"])
    label = f"T1 {definition} ({replications} reps)"
    assert_within_3se(shares, one_year_share, f"{label}: share leaving within a year")
    assert_within_3se(ratios, hazard_per_year, f"{label}: separations / avg headcount")


@pytest.mark.parametrize(("definition", "one_year_share", "hazard_per_year"), DEFINITIONS)
def test_simulated_cohort_leaving_share_and_turnover_ratio(
    definition: str, one_year_share: float, hazard_per_year: float
) -> None:
    check_definition(definition, one_year_share, hazard_per_year, REPLICATIONS, seed=101)


@pytest.mark.slow
@pytest.mark.parametrize(("definition", "one_year_share", "hazard_per_year"), DEFINITIONS)
def test_simulated_rate_conversion_precise(
    definition: str, one_year_share: float, hazard_per_year: float
) -> None:
    check_definition(definition, one_year_share, hazard_per_year, 600, seed=1101)
