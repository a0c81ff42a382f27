"""The recorder builds the employee and requisition tables as the events come (no second pass):
its tables equal the definition, row by row, and its events are the plain ``Event`` records."""

from __future__ import annotations

import math

import numpy as np

from botsim.model.records import (
    ENTITY_SETUP_STARTED,
    EXITED,
    HIRED,
    LEAD,
    NO_SHOW,
    OFFER_ACCEPTED,
    REQUISITION_OPENED,
    RESIGNED,
    SEARCH_STARTED,
    TEAM_FULL,
    Event,
    ExitKind,
    Recorder,
    RequisitionReason,
    tables,
)

INF = math.inf

# Two requisitions (one hired, one a no-show), a promoted lead, a walk-out and a resignation.
EVENTS = [
    Event(0.0, ENTITY_SETUP_STARTED, 0, -1, "manila"),
    Event(1.0, REQUISITION_OPENED, 0, 0, RequisitionReason.PLAN),
    Event(1.0, REQUISITION_OPENED, 1, 0, RequisitionReason.PLAN),
    Event(2.0, SEARCH_STARTED, 0, 0),
    Event(3.0, SEARCH_STARTED, 1, 0),
    Event(5.0, OFFER_ACCEPTED, 0, 0, "", 2),
    Event(6.0, OFFER_ACCEPTED, 1, 0, "", 0),
    Event(10.0, HIRED, 2, 0, "", 0),
    Event(11.0, NO_SHOW, 1, 0),
    Event(11.0, REQUISITION_OPENED, 3, 0, RequisitionReason.NO_SHOW),
    Event(12.0, TEAM_FULL, 0, -1),
    Event(20.0, RESIGNED, 2, 0),
    Event(25.0, HIRED, 4, 0, LEAD, -1),
    Event(30.0, EXITED, 2, 0, ExitKind.RESIGNATION),
    Event(40.0, EXITED, 4, 0, ExitKind.WALKOUT),
]


def record_through_the_kind_methods(keep_events: bool = True) -> Recorder:
    """What the mechanisms call, event by event (the milestones through ``record``)."""
    rec = Recorder(keep_events)
    rec.record(0.0, ENTITY_SETUP_STARTED, 0, -1, "manila")
    rec.requisition_opened(1.0, 0, 0, RequisitionReason.PLAN)
    rec.requisition_opened(1.0, 1, 0, RequisitionReason.PLAN)
    rec.search_started(2.0, 0, 0)
    rec.search_started(3.0, 1, 0)
    rec.offer_accepted(5.0, 0, 0, 2)
    rec.offer_accepted(6.0, 1, 0, 0)
    rec.hired(10.0, 2, 0, "", 0)
    rec.no_show(11.0, 1, 0)
    rec.requisition_opened(11.0, 3, 0, RequisitionReason.NO_SHOW)
    rec.record(12.0, TEAM_FULL, 0, -1)
    rec.resigned(20.0, 2, 0)
    rec.hired(25.0, 4, 0, LEAD, -1)
    rec.exited(30.0, 2, 0, ExitKind.RESIGNATION)
    rec.exited(40.0, 4, 0, ExitKind.WALKOUT)
    return rec


def test_the_kind_methods_record_the_plain_events() -> None:
    rec = record_through_the_kind_methods()
    assert rec.events == EVENTS
    assert all(type(event) is Event for event in rec.events)


def test_tables_built_while_recording_follow_the_definition() -> None:
    staff, req, milestones = record_through_the_kind_methods().tables()
    np.testing.assert_array_equal(staff.employee, [2, 4])
    np.testing.assert_array_equal(staff.start, [10.0, 25.0])
    np.testing.assert_array_equal(staff.resign, [20.0, 40.0])  # a walk-out resigns as it exits
    np.testing.assert_array_equal(staff.exit, [30.0, 40.0])
    assert list(staff.exit_kind) == [ExitKind.RESIGNATION, ExitKind.WALKOUT]
    np.testing.assert_array_equal(staff.is_lead, [False, True])
    np.testing.assert_array_equal(staff.requisition, [0, -1])
    assert staff.requisition.dtype == np.int64 and staff.start.dtype == float

    np.testing.assert_array_equal(req.requisition, [0, 1, 3])
    assert list(req.reason) == ["plan", "plan", "no_show"]
    np.testing.assert_array_equal(req.opened, [1.0, 1.0, 11.0])
    np.testing.assert_array_equal(req.search_started, [2.0, 3.0, INF])
    np.testing.assert_array_equal(req.accepted, [5.0, 6.0, INF])
    np.testing.assert_array_equal(req.closed, [10.0, 11.0, INF])
    np.testing.assert_array_equal(req.offers_declined, [2, 0, 0])
    np.testing.assert_array_equal(req.no_show, [False, True, False])
    assert req.offers_declined.dtype == np.int64

    assert milestones == [EVENTS[0], EVENTS[10]]


def test_a_list_of_events_gives_the_same_tables_as_its_recorder() -> None:
    """``tables(events)`` replays a list (kinds given as plain text too, floats for ids)."""
    recorded = record_through_the_kind_methods().tables()
    as_text = [e._replace(kind=str(e.kind)) for e in EVENTS]
    as_text[7] = as_text[7]._replace(value=0.0)  # a requisition id as a float
    for events in (EVENTS, as_text):
        replayed = tables(events)
        for left, right in zip(recorded[:2], replayed[:2], strict=True):
            for name in left.__dataclass_fields__:
                a, b = getattr(left, name), getattr(right, name)
                np.testing.assert_array_equal(a, b)
                assert a.dtype == b.dtype
        assert replayed[2] == recorded[2]


def test_empty_tables() -> None:
    staff, req, milestones = Recorder().tables()
    assert len(staff.employee) == 0 and staff.start.dtype == float
    assert len(req.requisition) == 0 and req.no_show.dtype == bool
    assert milestones == []


def test_without_keeping_the_events_the_tables_and_milestones_are_the_same() -> None:
    kept, not_kept = record_through_the_kind_methods(), record_through_the_kind_methods(False)
    assert not_kept.events == []
    for left, right in zip(kept.tables()[:2], not_kept.tables()[:2], strict=True):
        for name in left.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(left, name), getattr(right, name))
    assert not_kept.tables()[2] == kept.tables()[2] == [EVENTS[0], EVENTS[10]]


def test_a_replication_without_its_events_gives_the_same_metrics() -> None:
    from pathlib import Path

    from botsim import load_scenario
    from botsim.metrics.replication import replication_metrics
    from botsim.model.engagement import run_replication

    scenario = load_scenario(
        Path(__file__).resolve().parents[2] / "scenarios" / "manila-finance-20.yaml"
    )
    kept, not_kept = (run_replication(scenario, 7, 3, keep) for keep in (True, False))
    assert kept.events and not not_kept.events
    a, b = (replication_metrics(scenario, rec, 7, 3) for rec in (kept, not_kept))
    assert a[0] == b[0]
    for name in a[1]:
        np.testing.assert_array_equal(a[1][name], b[1][name])
