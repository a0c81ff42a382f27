"""Attrition by role and phase, and candidate availability (issue 17, items 5 and 6).

* a role's ``attrition`` replaces its location's for that role only;
* ``attrition.resignation_multiplier`` scales the voluntary hazard (x 1.0 changes nothing);
* ``transfer.owned_attrition_multiplier`` acts from transfer completion on: every event before
  it is identical to the run without it (common random numbers, thinning);
* ``immediate_start_share`` waives the candidate notice for a share of accepted offers, drawn
  from its own stream: mean notice = (1 - s) E[notice] (closed form, within 3 SE).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from botsim.model.engagement import run_replication
from botsim.model.hazards import HazardTable
from botsim.model.records import EXITED, HIRED, OFFER_ACCEPTED, TRANSFER_COMPLETED
from tests.conftest import make_scenario

SEED = 11
CONTACT_CENTRE = {
    "definition": "turnover_ratio",
    "bands": [{"from_month": 0, "voluntary": 0.6, "involuntary": 0.1}],
}
FINANCE = {"definition": "turnover_ratio", "bands": [{"from_month": 0, "voluntary": 0.0}]}


def two_roles(finance_attrition: dict | None) -> dict:
    finance = {"name": "finance", "location": "lab", "plan": [{"month": 0, "headcount": 10}]}
    if finance_attrition is not None:
        finance["attrition"] = finance_attrition
    return {
        "location": {"attrition": CONTACT_CENTRE, "loaded_monthly_cost": {"finance": 1000}},
        "roles": [
            {"name": "agent", "location": "lab", "plan": [{"month": 0, "headcount": 10}]},
            finance,
        ],
    }


def exits_by_role(events) -> dict[int, int]:
    counts = {0: 0, 1: 0}
    for ev in events:
        if ev.kind == EXITED:
            counts[ev.role] += 1
    return counts


def test_a_role_override_replaces_the_location_attrition_for_that_role_only() -> None:
    shared = run_replication(make_scenario(horizon=24, **two_roles(None)), SEED, 0).events
    own = run_replication(make_scenario(horizon=24, **two_roles(FINANCE)), SEED, 0).events
    assert exits_by_role(shared)[1] > 0  # the location's 70 % reaches the finance role ...
    assert exits_by_role(own)[1] == 0  # ... unless the role has its own (none here)

    # The other role keeps its own streams: its events happen alike (ids are engagement-wide).
    def role0(events):
        return [(e.day, e.kind, e.detail) for e in events if e.role == 0]

    assert role0(own) == role0(shared)


def test_an_override_equal_to_the_location_changes_nothing() -> None:
    shared = run_replication(make_scenario(horizon=24, **two_roles(None)), SEED, 0).events
    same = run_replication(make_scenario(horizon=24, **two_roles(CONTACT_CENTRE)), SEED, 0).events
    assert same == shared


def test_resignation_multiplier_scales_the_voluntary_hazard_only() -> None:
    base = make_scenario(location={"attrition": CONTACT_CENTRE})
    tight = make_scenario(location={"attrition": {**CONTACT_CENTRE, "resignation_multiplier": 1.5}})
    a = HazardTable.from_attrition(base.locations[0].attrition)
    b = HazardTable.from_attrition(tight.locations[0].attrition)
    assert b.voluntary.tolist() == pytest.approx((a.voluntary * 1.5).tolist())
    assert b.involuntary.tolist() == a.involuntary.tolist()


def test_a_resignation_multiplier_of_one_gives_identical_events() -> None:
    base = make_scenario(horizon=24, headcount=20, location={"attrition": CONTACT_CENTRE})
    one = make_scenario(
        horizon=24,
        headcount=20,
        location={"attrition": {**CONTACT_CENTRE, "resignation_multiplier": 1.0}},
    )
    assert run_replication(one, SEED, 0).events == run_replication(base, SEED, 0).events


# ----------------------------------------------------------------- the Owned phase


def transfer_scenario(**transfer) -> object:
    return make_scenario(
        headcount=30,
        horizon=36,
        location={"attrition": CONTACT_CENTRE},
        transfer={"policy": "at_month", "month": 9, "entity_setup_start_month": 0, **transfer},
    )


@pytest.mark.parametrize("owned", [0.5, 1.2])
def test_owned_attrition_leaves_every_event_before_transfer_completion_identical(
    owned: float,
) -> None:
    # Multipliers up to the handover window's (1.5 by default) keep the thinning bound, so the
    # runs share every draw; they part only when the Owned phase starts.
    for replication in range(3):
        base = run_replication(transfer_scenario(), SEED, replication).events
        owned_run = run_replication(
            transfer_scenario(owned_attrition_multiplier=owned), SEED, replication
        ).events
        done = next(e.day for e in base if e.kind == TRANSFER_COMPLETED)
        assert [e for e in owned_run if e.day <= done] == [e for e in base if e.day <= done]
        assert owned_run != base  # and it does act afterwards


def test_owned_attrition_multiplier_lowers_resignations_after_transfer() -> None:
    def resignations_after(owned: float) -> int:
        total = 0
        for replication in range(6):
            events = run_replication(
                transfer_scenario(owned_attrition_multiplier=owned), SEED, replication
            ).events
            done = next(e.day for e in events if e.kind == TRANSFER_COMPLETED)
            total += sum(1 for e in events if e.kind == EXITED and e.day > done)
        return total

    assert resignations_after(0.0) < resignations_after(1.0) < resignations_after(2.0)


# ----------------------------------------------------------------- candidate availability

NOTICE = {"dist": "triangular", "low": 10, "mode": 30, "high": 60}
NOTICE_MEAN = (10 + 30 + 60) / 3
NOTICE_VAR = (10**2 + 30**2 + 60**2 - 10 * 30 - 10 * 60 - 30 * 60) / 18


def notices(share: float | None, replications: int = 4, role_share: float | None = None):
    location = {"recruiting": {"candidate_notice": NOTICE}}
    if share is not None:
        location["recruiting"]["immediate_start_share"] = share
    changes: dict = {"location": location}
    if role_share is not None:
        changes["roles"] = [
            {
                "name": "agent",
                "location": "lab",
                "plan": [{"month": 0, "headcount": 200}],
                "immediate_start_share": role_share,
            }
        ]
    scenario = make_scenario(headcount=200, horizon=12, **changes)
    days = []
    for replication in range(replications):
        events = run_replication(scenario, SEED, replication).events
        accepted = {e.subject: e.day for e in events if e.kind == OFFER_ACCEPTED}
        days += [e.day - accepted[int(e.value)] for e in events if e.kind == HIRED]
    return np.asarray(days)


def test_share_zero_gives_identical_notices() -> None:
    assert notices(0.0, replications=1).tolist() == notices(None, replications=1).tolist()


@pytest.mark.parametrize("share", [0.3, 0.75])
def test_mean_notice_is_one_minus_share_times_the_mean_notice(share: float) -> None:
    days = notices(share)
    expected = (1 - share) * NOTICE_MEAN
    # Mixture of a point mass at 0 and the triangular: its variance, not the sample's.
    variance = (1 - share) * (NOTICE_VAR + NOTICE_MEAN**2) - expected**2
    se = math.sqrt(variance / len(days))
    assert abs(days.mean() - expected) < 3 * se
    assert (days == 0).mean() == pytest.approx(share, abs=4 * math.sqrt(share / len(days)))


def test_a_role_share_overrides_the_location_share() -> None:
    days = notices(0.0, role_share=1.0, replications=1)
    assert days.max() == 0.0


def test_availability_keeps_the_notice_draws_of_the_others() -> None:
    # The onboarding stream still draws every notice: the hires who serve notice serve the
    # same one as without the share (the k-th accepted offer keeps its draw).
    base = notices(None, replications=1)
    mixed = notices(0.5, replications=1)
    served = mixed > 0
    assert np.isin(mixed[served], base).all()
