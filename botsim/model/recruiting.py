"""Recruiting: the candidate funnel of one requisition, and training-class start days.

Funnel model (docs/model.md, "Recruiting"). While a recruiter works a requisition, applicants
arrive as a Poisson stream of rate a = applicants_per_week / 7 per day. Each passes stage k with
probability p_k, so finalists (who pass every stage) arrive as a thinned Poisson stream of rate
a * prod(p_k); a finalist reaches the offer answer after the sum of the stage durations and the
offer duration, and accepts with probability q. Candidates progress in parallel, so the search
ends at the earliest answer time of an accepting finalist:

    T = min { A_j + D_j : finalist j accepts }

Finalists who declined before T are the declined offers; those still in process at T withdraw.
This is exact for the stated process and costs one SimPy timeout per search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from botsim.scenario import Recruiting, TrainingClasses


@dataclass(frozen=True)
class SearchOutcome:
    """Result of one candidate search: days until an offer is accepted, offers declined."""

    duration: float
    offers_declined: int


def search_candidates(rng: np.random.Generator, recruiting: Recruiting) -> SearchOutcome:
    """Days from the start of active recruiting to an accepted offer (see module docstring)."""
    finalist_rate = recruiting.applicants_per_week / 7.0 * recruiting.finalist_probability
    stages = recruiting.stages
    best = math.inf
    arrival = 0.0
    answers: list[tuple[float, bool]] = []
    while True:
        arrival += rng.exponential(1.0 / finalist_rate)
        if arrival >= best:
            break
        answer = arrival + recruiting.offer_duration.sample(rng)
        for stage in stages:
            answer += stage.duration.sample(rng)
        accepted = rng.random() < recruiting.offer_acceptance
        answers.append((answer, accepted))
        if accepted and answer < best:
            best = answer
    declined = sum(1 for answer, accepted in answers if not accepted and answer < best)
    return SearchOutcome(best, declined)


def next_class_day(day: float, classes: TrainingClasses | None) -> float:
    """First training-class start on or after ``day`` (``day`` itself when there are no classes)."""
    if classes is None:
        return day
    if day <= classes.first_class_day:
        return classes.first_class_day
    k = math.ceil((day - classes.first_class_day) / classes.interval_days - 1e-12)
    return classes.first_class_day + k * classes.interval_days


def expected_candidate_days(recruiting: Recruiting) -> float:
    """Mean days one applicant spends in the funnel (stages reached, plus the offer if reached).

    Used with Little's law for the expected number of candidates in process per active
    requisition: L = (applicants_per_week / 7) * expected_candidate_days.
    """
    days, reach = 0.0, 1.0
    for stage in recruiting.stages:
        days += reach * stage.duration.mean
        reach *= stage.pass_rate
    return days + reach * recruiting.offer_duration.mean
