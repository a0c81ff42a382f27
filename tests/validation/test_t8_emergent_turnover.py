"""T8 — emergent turnover from bands, probation and notice (issue 17, item 9).

The rate a steady team shows under a location's stated definition (docs/model.md, "Emergent
turnover", ``hazards.emergent_annual_rate``): 1 / E[L] per year for ``turnover_ratio`` and
E[min(L, 1 year)] / E[L] for ``cohort_probability``, L the stay from hire to exit; E[min(L, c)]
in closed form band by band (``hazards.expected_stay_days``).

Checks:

1. constant hazard, no probation, no notice: the rate is the stated one under either definition
   (turnover ratio r; cohort 1 - e^{-mu} = r), exactly;
2. the closed form against a direct sampling of the mechanism's rules (first exit candidate by
   inversion of the cumulative hazard, probation, walk-out, notice) for several caps, within
   3 SE;
3. (slow) the simulated stays of the model's own hires against the closed form, within 3 SE
   (one mean per replication).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim.inputs.loader import load_profile
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR, Attrition, Probation
from botsim.model.engagement import run_replication
from botsim.model.hazards import (
    HazardTable,
    emergent_annual_rate,
    exit_tenure,
    expected_stay_days,
    scaled_bands,
    voluntary_share,
)
from tests.conftest import make_scenario
from tests.validation.stats_helpers import assert_within_3se, plan_hire_tenures

NO_PROBATION = Probation(months=0, failure_probability=0)


@pytest.mark.parametrize("definition", ["turnover_ratio", "cohort_probability"])
def test_a_constant_hazard_gives_the_stated_rate(definition: str) -> None:
    attrition = Attrition(
        definition=definition, bands=[{"from_month": 0, "voluntary": 0.3, "involuntary": 0.15}]
    )
    assert emergent_annual_rate(attrition, NO_PROBATION, 0.0) == pytest.approx(0.45, rel=1e-12)


def test_notice_lengthens_the_stay_and_lowers_the_turnover_ratio() -> None:
    attrition = Attrition(definition="turnover_ratio", bands=[{"from_month": 0, "voluntary": 0.4}])
    # Every exit is a resignation with notice n: E[L] = 1 / mu + n.
    expected = 1 / (1 / 0.4 + 30 / DAYS_PER_YEAR)
    assert emergent_annual_rate(attrition, NO_PROBATION, 30.0) == pytest.approx(expected)


def sampled_stays(table, probation_days, failure, notice, walkout, n, seed=5) -> np.ndarray:
    """Stays drawn by the workforce mechanism's rules, one employee at a time."""
    rng = np.random.default_rng(seed)
    bands = scaled_bands(table)
    u = rng.random((n, 4))
    stays = np.empty(n)
    for i in range(n):
        tenure, band = exit_tenure(bands, 0.0, -math.log1p(-u[i, 0]))
        if u[i, 1] < failure and tenure > probation_days:
            stays[i] = probation_days
        elif u[i, 2] >= voluntary_share(table, band) or u[i, 3] < walkout:
            stays[i] = tenure
        else:
            stays[i] = tenure + notice
    return stays


@pytest.mark.parametrize("definition", ["turnover_ratio", "cohort_probability"])
def test_closed_form_matches_sampled_stays(definition: str) -> None:
    bands = load_profile("philippines").values.attrition.bands
    attrition = Attrition(definition=definition, bands=bands, no_notice_share=0.3)
    table = HazardTable.from_attrition(attrition)
    # A large failure share and a long notice, so that both terms weigh.
    args = (table, 6 * DAYS_PER_MONTH, 0.3, 60.0, 0.3)
    stays = sampled_stays(*args, n=20_000)
    for cap in (30.0, 150.0, 200.0, DAYS_PER_YEAR, 2_000.0, math.inf):
        assert_within_3se(
            np.minimum(stays, cap), expected_stay_days(*args, cap=cap), f"E[min(L, {cap})]"
        )


HORIZON_MONTHS = 240
TEAM = 300
START_WINDOW_DAYS = 60.0


@pytest.mark.slow
def test_simulated_stays_match_the_closed_form() -> None:
    # The philippines profile's attrition, probation and notice on a team refilled at once;
    # every planned seat is filled within START_WINDOW_DAYS, so min(L, cap) is observed for
    # every plan hire with cap = horizon - START_WINDOW_DAYS (about 19.8 years).
    values = load_profile("philippines").values
    scenario = make_scenario(
        headcount=TEAM,
        horizon=HORIZON_MONTHS,
        location={
            "recruiting": {"recruiters": TEAM},
            "attrition": values.attrition.model_dump(),
            "probation": values.probation.model_dump(),
            "notice_days": values.notice_days,
        },
    )
    cap = HORIZON_MONTHS * DAYS_PER_MONTH - START_WINDOW_DAYS
    per_replication = []
    for replication in range(20):
        starts, ends = plan_hire_tenures(run_replication(scenario, 3, replication).events)
        assert len(starts) == TEAM and starts.max() < START_WINDOW_DAYS
        per_replication.append(np.minimum(ends - starts, cap).mean())
    table = HazardTable.from_attrition(values.attrition)
    analytic = expected_stay_days(
        table,
        values.probation.months * DAYS_PER_MONTH,
        values.probation.failure_probability,
        values.notice_days,
        values.attrition.no_notice_share,
        cap=cap,
    )
    assert_within_3se(per_replication, analytic, "E[min(L, cap)], philippines")
    # The cap costs almost nothing: the emergent rate is within 0.5 % of 1 / E[min(L, cap)].
    assert DAYS_PER_YEAR / analytic == pytest.approx(
        emergent_annual_rate(values.attrition, values.probation, values.notice_days), rel=5e-3
    )
