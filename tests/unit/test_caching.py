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
