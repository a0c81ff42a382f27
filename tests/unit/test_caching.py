"""botsim.inputs.caching.by_identity: once per object, never another object's value."""

from __future__ import annotations

from botsim.inputs.caching import by_identity


def test_computed_once_per_object_and_never_shared_between_objects() -> None:
    calls: list[object] = []

    @by_identity(maxsize=2)
    def size(obj: list) -> int:
        calls.append(obj)
        return len(obj)

    a, b = [1, 2], [1, 2]  # equal but distinct: each gets its own entry
    assert (size(a), size(a), size(b)) == (2, 2, 2)
    assert [id(c) for c in calls] == [id(a), id(b)]
    c = [1, 2, 3]
    assert size(c) == 3  # the limit (2) is reached: the cache starts again
    assert size(a) == 2
    assert len(calls) == 4
    assert len(size.cache) == 2  # started again at c: c and a


def test_a_freed_objects_id_reused_by_another_gives_the_new_objects_value() -> None:
    """Short-lived objects often get a freed object's id: the entry keeps its object alive
    and is checked by identity, so a new object at a reused id is computed afresh."""

    @by_identity(maxsize=64)
    def size(obj: list) -> int:
        return len(obj)

    assert [size([0] * n) for n in range(200)] == list(range(200))


def test_by_value_computes_once_per_arguments_and_shares_read_only_arrays() -> None:
    import numpy as np
    import pytest

    from botsim.inputs.caching import by_value

    calls: list[tuple] = []

    @by_value(maxsize=4)
    def ramp(rate: float, n: int) -> tuple[np.ndarray, np.ndarray]:
        calls.append((rate, n))
        return np.arange(n) * rate, np.ones(n)

    first = ramp(0.5, 3)
    assert ramp(0.5, 3) is first and calls == [(0.5, 3)]
    assert ramp(0.5, 4)[0].tolist() == [0.0, 0.5, 1.0, 1.5] and len(calls) == 2
    with pytest.raises(ValueError, match="read-only"):
        first[0][0] = 1.0  # shared by every caller: nobody may change it


def test_desk_settings_are_prepared_once_per_scenario_and_copied_into_each_desk() -> None:
    """Every replication's desks take their parameters from one DeskSettings per role and
    scenario (engagement.desk_settings), equal to the scenario's own fields."""
    from pathlib import Path

    from botsim import load_scenario
    from botsim.inputs.scenario import DAYS_PER_MONTH
    from botsim.model.engagement import Engagement, desk_settings
    from botsim.model.random import ReplicationStreams

    scenario = load_scenario(
        Path(__file__).resolve().parents[2] / "scenarios" / "manila-finance-20.yaml"
    )
    settings = desk_settings(scenario)
    assert desk_settings(scenario) is settings
    assert len(settings) == len(scenario.roles)
    first, second = (Engagement(scenario, ReplicationStreams(7, r)) for r in (0, 1))
    for a, b, own in zip(first.desks, second.desks, settings, strict=True):
        assert a.funnel is b.funnel is own.funnel and a.exit_bands is own.exit_bands
        assert a.agents is not b.agents  # the live state is each replication's own
        loc = scenario.location(own.role.location)
        assert a.probation_days == loc.probation.months * DAYS_PER_MONTH
        assert a.notice_days == loc.notice_days and a.no_show == own.recruiting.no_show
        assert a.plan == tuple((s.month, s.headcount) for s in own.role.plan)
    for engagement in (first, second):
        engagement.close()
