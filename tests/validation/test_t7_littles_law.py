"""T7 — Little's law, L = λ·W, on the model's own stocks (reference §2.2 T7).

In steady state the time-average number in a stock equals the rate at which items enter it
times the mean time each spends there, for *any* arrival and service pattern. Checked on a
scenario with every mechanism that shapes requisitions switched on (two funnel stages with
random durations, offer acceptance 0.7, offer delay, no-shows, candidate notice, limited
recruiters, backfill on notice, resignation notice with walk-outs, dismissals, probation):

* open requisitions:      L = (requisitions opened per day) × mean(days from opening to an
  accepted offer), both measured from the event records;
* headcount:              L = (hires per day) × E[tenure], with the analytic mean tenure
  E[T] = (1 − f·e^{−μP})·(1/μ + D·(μ_v/μ)·(1 − w))
  (hazard μ = μ_v + μ_i, probation P failed with probability f, notice D served by the share
  1 − w of resignations that do not walk out);
* people serving notice:  L = (resignations with notice per day) × D;
* accepted candidates serving their notice elsewhere: L = (acceptances per day) × E[candidate
  notice] (no training classes, so the wait is the notice itself).

L is the average of the month-end snapshots in ``result.series`` (months 13..54, so the first
year — the initial build — is left out); the rates count the events inside that window
(day 12·m, 54·m], m = 365.25/12; the horizon runs 6 months beyond so the requisitions opened in
the window have closed.

Tolerance: per replication, the difference Δ = L̂ − λ̂·W (W analytic, or measured for
requisitions); 0 must lie inside mean(Δ) ± 3 SE, SE across replications (paired: both sides come
from the same replication, which removes most of the common noise).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import simulate
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR
from botsim.model.records import RESIGNED, requisition_table
from tests.conftest import make_scenario
from tests.validation.stats_helpers import assert_within_3se

N = 15
VOLUNTARY, INVOLUNTARY = 0.6, 0.15
PROBATION_MONTHS, PROBATION_FAIL = 3, 0.1
NOTICE_DAYS = 30.0
WALKOUT = 0.2
CANDIDATE_NOTICE = {"dist": "uniform", "low": 14.0, "high": 46.0}  # mean 30 days
FIRST, LAST, HORIZON = 12, 54, 60
REPLICATIONS = 120


def mean_tenure_days() -> float:
    mu_v, mu_i = VOLUNTARY / DAYS_PER_YEAR, INVOLUNTARY / DAYS_PER_YEAR
    mu = mu_v + mu_i
    survive_probation = math.exp(-mu * PROBATION_MONTHS * DAYS_PER_MONTH)
    return (1 - PROBATION_FAIL * survive_probation) * (
        1 / mu + NOTICE_DAYS * (mu_v / mu) * (1 - WALKOUT)
    )


def little_samples_for(replications: int, seed: int) -> dict[str, np.ndarray]:
    scenario = make_scenario(
        N,
        HORIZON,
        location={
            "recruiting": {
                "recruiters": 2,
                "requisitions_per_recruiter": 2,
                "applicants_per_week": 6.0,
                "stages": [
                    {
                        "name": "screen",
                        "pass_rate": 0.5,
                        "duration": {"dist": "lognormal", "mean": 5.0, "sd": 3.0},
                    },
                    {
                        "name": "interview",
                        "pass_rate": 0.6,
                        "duration": {"dist": "triangular", "low": 3.0, "mode": 7.0, "high": 15.0},
                    },
                ],
                "offer_acceptance": 0.7,
                "offer_duration": {"dist": "exponential", "mean": 4.0},
                "no_show": 0.1,
                "candidate_notice": CANDIDATE_NOTICE,
            },
            "attrition": {
                "definition": "turnover_ratio",
                "bands": [{"from_month": 0, "voluntary": VOLUNTARY, "involuntary": INVOLUNTARY}],
                "no_notice_share": WALKOUT,
            },
            "probation": {"months": PROBATION_MONTHS, "failure_probability": PROBATION_FAIL},
            "notice_days": NOTICE_DAYS,
        },
        policy={"backfill": "on_notice"},
    )
    a, b = FIRST * DAYS_PER_MONTH, LAST * DAYS_PER_MONTH
    span = b - a
    rows = []
    for rep in range(replications):
        result = simulate(scenario, seed=seed, replication=rep, keep_events=True)
        s, events = result.series, result.events
        months = (s["month"] > FIRST) & (s["month"] <= LAST)
        req = requisition_table(events)
        in_window = (req.opened > a) & (req.opened <= b)
        assert np.isfinite(req.accepted[in_window]).all(), "a requisition never closed"
        accepted = (req.accepted > a) & (req.accepted <= b)
        hires = [ev.day for ev in events if ev.kind == "hired" and a < ev.day <= b]
        resign_days = {ev.subject: ev.day for ev in events if ev.kind == RESIGNED}
        noticed = sum(1 for day in resign_days.values() if a < day <= b)
        rows.append(
            {
                "open_L": s["open_requisitions"][months].mean(),
                "open_lw": (req.accepted - req.opened)[in_window].sum() / span,
                "heads_L": s["headcount"][months].mean(),
                "heads_lw": len(hires) / span * mean_tenure_days(),
                "notice_L": s["serving_notice"][months].mean(),
                "notice_lw": noticed / span * NOTICE_DAYS,
                "accepted_L": s["accepted_in_notice"][months].mean(),
                "accepted_lw": accepted.sum() / span * 30.0,
            }
        )
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


@pytest.fixture(scope="module")
def little_samples():
    return little_samples_for(REPLICATIONS, seed=707)


@pytest.mark.parametrize(
    "stock",
    ["open", "heads", "notice", "accepted"],
    ids=["open-requisitions", "headcount", "serving-notice", "accepted-in-notice"],
)
def test_littles_law(little_samples, stock: str) -> None:
    L, lw = little_samples[f"{stock}_L"], little_samples[f"{stock}_lw"]
    print(f"T7 {stock}: time-average L = {L.mean():.4g}, lambda*W = {lw.mean():.4g}")
    assert_within_3se(L - lw, 0.0, f"T7 {stock}: L - lambda*W")


@pytest.mark.slow
def test_littles_law_precise() -> None:
    samples = little_samples_for(1000, seed=1707)
    for stock in ("open", "heads", "notice", "accepted"):
        test_littles_law(samples, stock)
