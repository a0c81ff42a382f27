"""Hypothesis strategies: small random scenarios on the test location (tests/conftest.py).

Every mechanism of the model can be drawn: funnel stages with random durations, offer
acceptance and delay, no-shows, candidate notice, limited recruiters, tenure-band attrition under
either definition with walk-outs and dismissals, probation, notice, all three ramp shapes with
training, backfill policy, training classes, a growth wave and the stability thresholds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from botsim.inputs.scenario import Scenario
from tests.conftest import make_scenario


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def durations(draw, hi: float = 30.0) -> Any:
    """A duration in days in any of the scenario-file forms (bare number = fixed)."""
    kind = draw(st.sampled_from(["fixed", "exponential", "uniform", "lognormal", "triangular"]))
    if kind == "fixed":
        return draw(_floats(0.0, hi))
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(_floats(0.1, hi))}
    if kind == "lognormal":
        return {"dist": "lognormal", "mean": draw(_floats(0.5, hi)), "sd": draw(_floats(0.1, hi))}
    low = draw(_floats(0.0, hi / 2))
    high = low + draw(_floats(0.5, hi / 2))
    if kind == "uniform":
        return {"dist": "uniform", "low": low, "high": high}
    return {"dist": "triangular", "low": low, "mode": draw(_floats(low, high)), "high": high}


@st.composite
def scenario_documents(draw) -> dict[str, Any]:
    """Keyword arguments for ``make_scenario`` describing one small random scenario."""
    horizon = draw(st.integers(3, 24))
    headcount = draw(st.integers(1, 15))
    plan = [{"month": 0, "headcount": headcount}]
    if draw(st.booleans()):
        plan.append(
            {
                "month": draw(st.integers(1, horizon - 1)),
                "headcount": headcount + draw(st.integers(0, 5)),
            }
        )
    definition = draw(st.sampled_from(["turnover_ratio", "cohort_probability"]))
    band_starts = [0, *sorted(draw(st.sets(st.integers(1, 18), max_size=2)))]
    bands = [
        {
            "from_month": m,
            "voluntary": draw(_floats(0.0, 0.65)),
            "involuntary": draw(_floats(0.0, 0.3)),
        }
        for m in band_starts
    ]
    stages = [
        {
            "name": f"stage{i}",
            "pass_rate": draw(_floats(0.3, 1.0)),
            "duration": draw(durations(hi=20.0)),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    location = {
        "recruiting": {
            "recruiters": draw(st.integers(1, 4)),
            "requisitions_per_recruiter": draw(st.integers(1, 4)),
            "applicants_per_week": draw(_floats(0.5, 15.0)),
            "stages": stages,
            "offer_acceptance": draw(_floats(0.2, 1.0)),
            "offer_duration": draw(durations(hi=10.0)),
            "no_show": draw(_floats(0.0, 0.3)),
            "candidate_notice": draw(durations(hi=40.0)),
        },
        "attrition": {
            "definition": definition,
            "bands": bands,
            "no_notice_share": draw(_floats(0.0, 1.0)),
        },
        "probation": {
            "months": draw(st.sampled_from([0.0, 1.0, 3.0, 6.0])),
            "failure_probability": draw(_floats(0.0, 0.4)),
        },
        "notice_days": draw(_floats(0.0, 60.0)),
        "ramp": {
            "shape": draw(st.sampled_from(["linear", "logistic", "stepped"])),
            "training_days": draw(_floats(0.0, 45.0)),
            "ramp_days": draw(st.one_of(st.just(0.0), _floats(1.0, 180.0))),
            "steps": draw(st.integers(1, 6)),
            "steepness": draw(_floats(1.0, 20.0)),
        },
    }
    policy: dict[str, Any] = {"backfill": draw(st.sampled_from(["on_notice", "on_exit"]))}
    if draw(st.booleans()):
        policy["training_classes"] = {
            "interval_days": draw(_floats(7.0, 60.0)),
            "first_class_day": draw(_floats(0.0, 30.0)),
        }
    stability = {
        "window_months": draw(st.integers(1, 4)),
        "headcount_fraction": draw(st.sampled_from([0.8, 0.9, 1.0])),
        "capacity_fraction": draw(_floats(0.0, 1.0)),
        "max_annual_attrition": draw(_floats(0.1, 3.0)),
    }
    return {
        "headcount": headcount,
        "horizon": horizon,
        "location": location,
        "policy": policy,
        "stability": stability,
        "roles": [{"name": "agent", "location": "lab", "plan": plan}],
    }


def scenarios() -> st.SearchStrategy[tuple[Scenario, dict[str, Any]]]:
    """(validated Scenario, the document it came from)."""
    return scenario_documents().map(lambda doc: (make_scenario(**doc), doc))
