"""Recruiter slots: first come, first served, a free slot taken at once, a release handing the
slot on in the same step; and the event-free tasks that requisitions run as."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from botsim.model.recruiting import RecruiterSlots
from botsim.model.tasks import start


def test_slots_serve_requests_first_come_first_served_without_exceeding_capacity():
    env = simpy.Environment()
    slots = RecruiterSlots(env, capacity=2)
    log: list[tuple[str, float, float]] = []
    busy_counts: list[int] = []

    def requisition(name: str, arrive: float, work: float):
        yield env.timeout(arrive)
        in_line = slots.acquire()
        if in_line is not None:
            yield in_line
        busy_counts.append(slots.busy)
        began = env.now
        yield env.timeout(work)
        slots.release()
        log.append((name, began, env.now))

    for name, arrive, work in [("a", 0, 5), ("b", 0, 3), ("c", 1, 4), ("d", 1, 1), ("e", 2, 2)]:
        env.process(requisition(name, arrive, work))
    env.run()
    assert max(busy_counts) <= 2
    # b frees a slot at 3 (c starts), a at 5 (d starts), d at 6 (e starts): FIFO, no delay.
    assert sorted(log) == [
        ("a", 0, 5),
        ("b", 0, 3),
        ("c", 3, 7),
        ("d", 5, 6),
        ("e", 6, 8),
    ]
    assert slots.busy == 0 and not slots.waiting


def test_same_moment_hand_over_gives_the_freed_slot_to_the_oldest_request():
    env = simpy.Environment()
    slots = RecruiterSlots(env, capacity=1)
    order: list[str] = []

    def requisition(name: str):
        in_line = slots.acquire()
        if in_line is not None:
            yield in_line
        order.append(name)
        yield env.timeout(0)  # released at the very moment it was granted
        slots.release()

    for name in "xyz":
        start(env, requisition(name))
    assert order == ["x"]  # the first took the free slot at once, in the caller's step
    env.run()
    assert order == ["x", "y", "z"]
    assert slots.busy == 0


def test_a_task_runs_to_its_first_yield_at_once_and_ends_without_an_event():
    env = simpy.Environment()
    seen: list[tuple[str, float, object]] = []
    gate = env.event()

    def task():
        seen.append(("started", env.now, None))
        value = yield env.timeout(2, value="two")
        seen.append(("timeout", env.now, value))
        value = yield gate
        seen.append(("gate", env.now, value))

    def opener():
        yield env.timeout(5)
        gate.succeed("open")

    start(env, task())
    assert seen == [("started", 0, None)]  # no Initialize event: started within this call
    env.process(opener())
    env.run()
    assert seen == [("started", 0, None), ("timeout", 2, "two"), ("gate", 5, "open")]
    assert not env._queue  # nothing scheduled for the task's end


def test_a_failed_event_is_thrown_into_the_task_and_an_unhandled_error_fails_the_run():
    env = simpy.Environment()
    caught: list[str] = []
    failing = env.event()

    def handles():
        try:
            yield failing
        except ValueError as exc:
            caught.append(str(exc))

    def raises():
        yield env.timeout(1)
        raise RuntimeError("broken task")

    start(env, handles())
    failing.fail(ValueError("no candidate"))
    env.run()
    assert caught == ["no candidate"]
    start(env, raises())
    with pytest.raises(RuntimeError, match="broken task"):
        env.run()


def test_a_task_that_never_waits_ends_quietly():
    def instant():
        return
        yield  # a generator that returns at once

    start(simpy.Environment(), instant())


def test_a_task_may_yield_delays_in_the_order_timeouts_would_run():
    """A yielded number waits like ``env.timeout``: same times, and same-moment wake-ups in
    the order they were scheduled (the same run with timeouts gives the same order)."""

    def run(as_timeouts: bool) -> list[tuple[str, float]]:
        env = simpy.Environment()
        order: list[tuple[str, float]] = []

        def task(name: str, delays, timeouts: bool):
            for delay in delays:
                yield env.timeout(delay) if timeouts else delay
                order.append((name, env.now))

        start(env, task("a", [1.0, 2, np.float64(0.5)], as_timeouts))
        start(env, task("b", [1.0, 2.0], True))  # always timeouts: interleaved with them
        start(env, task("c", [3.0, 0.0, 0.5], as_timeouts))
        env.run()
        return order

    order = run(as_timeouts=False)
    assert order == run(as_timeouts=True)
    assert [day for _, day in order] == [1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.5, 3.5]
    assert order[2:6] == [("c", 3.0), ("a", 3.0), ("b", 3.0), ("c", 3.0)]


def test_a_negative_delay_is_refused():
    env = simpy.Environment()

    def task():
        yield -1.0

    with pytest.raises(ValueError, match="negative"):
        start(env, task())
