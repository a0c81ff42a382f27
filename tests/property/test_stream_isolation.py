"""Named random streams isolate mechanisms (common random numbers, STYLE "Each run owns its
randomness"; reference §2.1 item 5).

Attrition draws come from the stream ("attrition", location, role) and every new hire takes a
fixed number of draws from it, in hiring order; candidate searches draw from ("search", …) in
search-start order. So, with the same seed:

* changing the *offer acceptance* changes when people are hired, but the k-th hire keeps the
  same tenure and exit kind (the attrition draws are untouched);
* changing the *attrition* changes when backfill searches start, but the k-th search keeps the
  same duration and declined-offer count (the search draws are untouched).

Both are checked on random small scenarios (hypothesis), and both are meaningful: the other
mechanism's outcome (hire days, resp. search start days) is asserted to have changed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botsim import simulate
from botsim.model.records import EXITED, HIRED, OFFER_ACCEPTED, SEARCH_STARTED
from tests.conftest import make_scenario

SETTINGS = settings(max_examples=25, deadline=None)
HORIZON_DAYS = 24 * 365.25 / 12


def hires_in_order(events) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Start day, tenure (inf if still employed) and exit kind of each hire, in hiring order."""
    exits = {ev.subject: (ev.day, ev.detail) for ev in events if ev.kind == EXITED}
    start, tenure, kind = [], [], []
    for ev in events:
        if ev.kind == HIRED:
            day, detail = exits.get(ev.subject, (math.inf, ""))
            start.append(ev.day)
            tenure.append(day - ev.day)
            kind.append(detail)
    return np.asarray(start), np.asarray(tenure), kind


def searches_in_order(events) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start day, duration and offers declined of each search, in search-start order (NaN
    duration and -1 declined for a search still running at the horizon: it keeps its place,
    so the k-th searches of two runs stay paired)."""
    done = {ev.subject: (ev.day, ev.value) for ev in events if ev.kind == OFFER_ACCEPTED}
    start, duration, declined = [], [], []
    for ev in events:
        if ev.kind == SEARCH_STARTED:
            day, n = done.get(ev.subject, (math.nan, -1))
            start.append(ev.day)
            duration.append(day - ev.day)
            declined.append(n)
    return np.asarray(start), np.asarray(duration), np.asarray(declined)


def _scenario(acceptance: float, voluntary: float, team: int):
    return make_scenario(
        team,
        24,
        location={
            "recruiting": {
                "recruiters": 2,
                "requisitions_per_recruiter": 2,
                "applicants_per_week": 3.0,
                "stages": [
                    {
                        "name": "screen",
                        "pass_rate": 0.6,
                        "duration": {"dist": "exponential", "mean": 5.0},
                    }
                ],
                "offer_acceptance": acceptance,
                "offer_duration": {"dist": "uniform", "low": 1.0, "high": 6.0},
                "no_show": 0.1,
                "candidate_notice": {"dist": "exponential", "mean": 20.0},
            },
            "attrition": {
                "definition": "cohort_probability",
                "bands": [
                    {"from_month": 0, "voluntary": voluntary, "involuntary": 0.1},
                    {"from_month": 6, "voluntary": voluntary / 2, "involuntary": 0.05},
                ],
                "no_notice_share": 0.3,
            },
            "probation": {"months": 3, "failure_probability": 0.15},
            "notice_days": 20,
        },
    )


def compare_attrition_draws(
    seed: int, team: int, acceptance: tuple[float, float]
) -> tuple[int, bool]:
    """Assert the k-th hires share tenure and exit kind.

    Returns how many pairs were compared and whether the hire days differ at all (they may
    not: with few searches every first finalist can accept under both acceptance rates).
    """
    a = simulate(_scenario(acceptance[0], 0.5, team), seed=seed, keep_events=True)
    b = simulate(_scenario(acceptance[1], 0.5, team), seed=seed, keep_events=True)
    start_a, tenure_a, kind_a = hires_in_order(a.events)
    start_b, tenure_b, kind_b = hires_in_order(b.events)
    k = min(len(start_a), len(start_b))
    assert k >= 1
    hiring_changed = not np.array_equal(start_a[:k], start_b[:k])
    tenure_a, tenure_b, start_a = tenure_a[:k], tenure_b[:k], start_a[:k]
    both = np.isfinite(tenure_a) & np.isfinite(tenure_b)
    np.testing.assert_allclose(tenure_a[both], tenure_b[both], rtol=1e-9, atol=1e-6)
    assert [x for x, y in zip(kind_a, both) if y] == [x for x, y in zip(kind_b, both) if y]
    # A hire still employed at the horizon in one run cannot have left earlier in the other.
    only_b = ~np.isfinite(tenure_a) & np.isfinite(tenure_b)
    assert (tenure_b[only_b] >= HORIZON_DAYS - start_a[only_b] - 1e-6).all()
    return int(both.sum()), hiring_changed


def compare_search_draws(seed: int, team: int) -> tuple[np.ndarray, np.ndarray]:
    """Assert the k-th searches share duration and declines; return both runs' start days."""
    a = simulate(_scenario(0.7, 0.3, team), seed=seed, keep_events=True)
    b = simulate(_scenario(0.7, 0.8, team), seed=seed, keep_events=True)
    start_a, dur_a, dec_a = searches_in_order(a.events)
    start_b, dur_b, dec_b = searches_in_order(b.events)
    k = min(len(start_a), len(start_b))
    assert k >= team
    both = np.isfinite(dur_a[:k]) & np.isfinite(dur_b[:k])  # finished within both horizons
    assert both.sum() >= team
    np.testing.assert_allclose(dur_a[:k][both], dur_b[:k][both], rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(dec_a[:k][both], dec_b[:k][both])
    return start_a[:k], start_b[:k]


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    team=st.integers(3, 12),
    acceptance=st.sampled_from([(0.9, 0.4), (0.6, 0.3), (1.0, 0.5)]),
)
def test_offer_acceptance_does_not_move_attrition_draws(seed, team, acceptance) -> None:
    compare_attrition_draws(seed, team, acceptance)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), team=st.integers(3, 12))
def test_attrition_does_not_move_search_draws(seed, team) -> None:
    compare_search_draws(seed, team)


def test_search_isolation_is_not_vacuous() -> None:
    # The backfill searches really started on different days, yet kept their durations.
    start_a, start_b = compare_search_draws(seed=5, team=12)
    assert len(start_a) > 12 + 5
    assert not np.array_equal(start_a[12:], start_b[12:])


def test_attrition_isolation_minimal_reproduction() -> None:
    """Regression: 4 seats, turnover 3.0/yr, 0.5 applicants/week; acceptance 1.0 vs 0.5.

    Before commit 173f1bc the role's attrition stream was consumed lazily by all employees in
    event order. With seed 0 the 3rd hire came before the first exit at acceptance 1.0 (tenure
    30.2 days) but after it at 0.5, so that exit's draws shifted the 3rd hire's tenure (to beyond
    the horizon). Now each hire takes its own block of draws and the tenures agree.
    """

    def scenario(acceptance: float):
        return make_scenario(
            4,
            12,
            location={
                "recruiting": {"offer_acceptance": acceptance, "applicants_per_week": 0.5},
                "attrition": {"bands": [{"from_month": 0, "voluntary": 3.0}]},
            },
        )

    _, tenure_a, _ = hires_in_order(simulate(scenario(1.0), seed=0, keep_events=True).events)
    _, tenure_b, _ = hires_in_order(simulate(scenario(0.5), seed=0, keep_events=True).events)
    assert tenure_a[2] == pytest.approx(tenure_b[2])


def test_attrition_isolation_is_not_vacuous() -> None:
    # Hiring days change with the acceptance, yet many hires left in both runs and were compared.
    compared, hiring_changed = compare_attrition_draws(seed=5, team=12, acceptance=(0.9, 0.4))
    assert hiring_changed and compared >= 10
