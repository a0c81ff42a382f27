"""Assessment pass rates per role family (issue 17, item 8): a role's ``stage_pass_rates``
override the pass rates of its location's named stages, for that role's searches only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim import simulate
from botsim.inputs.loader import ScenarioError
from botsim.model.records import OFFER_ACCEPTED, REQUISITION_OPENED
from tests.conftest import make_scenario

LOCATION = {"recruiting": {"stages": [{"name": "assessment", "pass_rate": 0.5, "duration": 0}]}}
HEADS = 10


def two_roles(override: dict | None):
    plan = [{"month": 0, "headcount": HEADS}]
    return make_scenario(
        HEADS,
        2,
        location=LOCATION,
        roles=[
            {"name": "agent", "location": "lab", "plan": plan},
            {
                "name": "bilingual",
                "location": "lab",
                "family": "agent",
                "plan": plan,
                "stage_pass_rates": override,
            },
        ],
    )


def search_days(scenario, replications: int) -> dict[int, list[float]]:
    days: dict[int, list[float]] = {0: [], 1: []}
    for r in range(replications):
        events = simulate(scenario, replication=r, keep_events=True).events
        opened = {e.subject: e.day for e in events if e.kind == REQUISITION_OPENED}
        for e in events:
            if e.kind == OFFER_ACCEPTED:
                days[e.role].append(e.day - opened[e.subject])
    return days


def test_role_pass_rate_scales_the_search() -> None:
    """7 applicants a week (one a day), instant stages, every offer accepted, recruiters to
    spare: a search lasts Exponential(mean 1 / (1 x pass rate)) days: 2 days for the location's
    0.5, 10 days for the bilingual role's 0.1 (each mean within 3 SE)."""
    days = search_days(two_roles({"assessment": 0.1}), 40)
    for role, mean in ((0, 2.0), (1, 10.0)):
        x = np.asarray(days[role])
        assert abs(x.mean() - mean) <= 3 * mean / math.sqrt(len(x))


def test_unknown_stage_names_the_field() -> None:
    with pytest.raises(ScenarioError, match=r"roles\[1\]\.stage_pass_rates: no stage \['test'\]"):
        two_roles({"test": 0.3})
