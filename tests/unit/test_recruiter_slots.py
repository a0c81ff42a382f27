"""Recruiter slots: a SimPy resource whose release hands the slot on in the same step."""

from __future__ import annotations

import simpy

from botsim.model.recruiting import RecruiterSlots


def test_slots_serve_requests_first_come_first_served_without_exceeding_capacity():
    env = simpy.Environment()
    slots = RecruiterSlots(env, capacity=2)
    log: list[tuple[str, float, float]] = []
    busy_counts: list[int] = []

    def requisition(name: str, arrive: float, work: float):
        yield env.timeout(arrive)
        with slots.request() as slot:
            yield slot
            busy_counts.append(slots.count)
            start = env.now
            yield env.timeout(work)
        log.append((name, start, env.now))

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
    assert slots.count == 0 and not slots.queue


def test_same_moment_hand_over_gives_the_freed_slot_to_the_oldest_request():
    env = simpy.Environment()
    slots = RecruiterSlots(env, capacity=1)
    order: list[str] = []

    def requisition(name: str):
        with slots.request() as slot:
            yield slot
            order.append(name)
            yield env.timeout(0)  # released at the very moment it was granted

    for name in "xyz":
        env.process(requisition(name))
    env.run()
    assert order == ["x", "y", "z"]
    assert slots.count == 0
