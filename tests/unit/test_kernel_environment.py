"""The kernel's environment (``tasks.Environment``): SimPy's run loop inlined and the clock a
plain attribute. It must process the same events, in the same order, with the same values and
the same failures as ``simpy.Environment``."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import simpy

from botsim import load_scenario
from botsim.model.engagement import run_replication
from botsim.model.tasks import EndOfInstant, Environment, start

MANILA = Path(__file__).resolve().parents[2] / "scenarios" / "manila-finance-20.yaml"


def _trace(env: simpy.Environment, until: float | None) -> list[tuple]:
    """A model that mixes everything the kernel handles: tasks waiting delays (floats, ints,
    end-of-instant), SimPy timeouts, events succeeded by other tasks, SimPy processes, ties at
    one moment and events at the stop time."""
    log: list[tuple] = []
    signal = env.event()

    def ticker(name: str, gaps: list[float]):
        for gap in gaps:
            yield gap
            log.append(("tick", name, env.now))

    def month_end():
        for month in range(1, 4):
            yield EndOfInstant(month * 10.0 - env.now)
            log.append(("month-end", month, env.now))

    def waiter():
        value = yield signal
        log.append(("signalled", value, env.now))
        yield env.timeout(2.5)
        log.append(("after timeout", env.now))

    def sender():
        yield 7
        signal.succeed("go")
        log.append(("sent", env.now))

    def process():
        yield env.timeout(10)
        log.append(("process", env.now))

    start(env, ticker("a", [5.0, 5.0, 10.0, 0.0]))
    start(env, ticker("b", [10.0, 0.0, 20.0]))
    start(env, month_end())
    start(env, waiter())
    start(env, sender())
    env.process(process())
    env.run(until=until)
    log.append(("end", env.now))
    return log


@pytest.mark.parametrize("until", [10, 20.0, 29.999, 30, None])
def test_the_same_events_in_the_same_order_as_simpy(until):
    expected = _trace(simpy.Environment(), until)
    assert _trace(Environment(), until) == expected


def test_the_clock_is_an_attribute_that_follows_every_step():
    env = Environment()
    seen: list[float] = []

    def clock():
        for gap in (1.5, 2.0, 0.25):
            yield gap
            seen.append(env.now)

    start(env, clock())
    env.step()  # stepping by hand keeps the clock too
    assert env.now == env._now == 1.5
    env.run(until=10)
    assert seen == [1.5, 3.5, 3.75]
    assert env.now == env._now == 10
    env.run()  # nothing left: returns at once
    assert env.now == 10


@pytest.mark.parametrize("make", [simpy.Environment, Environment])
def test_a_failed_event_nothing_defused_fails_the_run_as_in_simpy(make):
    env = make()
    failing = env.event()

    def fail():
        yield 1.0
        failing.fail(KeyError("lost"))

    start(env, fail())
    with pytest.raises(KeyError, match="lost"):
        env.run(until=5)


def test_a_task_handles_a_failure_it_waits_on():
    env = Environment()
    failing = env.event()
    caught: list[str] = []

    def handler():
        try:
            yield failing
        except ValueError as exc:
            caught.append(str(exc))

    start(env, handler())
    failing.fail(ValueError("declined"))
    env.run(until=1)
    assert caught == ["declined"]


def test_until_must_lie_ahead():
    env = Environment()
    env.run(until=3)
    with pytest.raises(ValueError, match="must be greater"):
        env.run(until=3)


def test_close_stops_the_waiting_tasks_and_empties_the_queue():
    env = Environment()
    stopped: list[str] = []

    def waiting(name: str, gap: float):
        try:
            yield gap
            yield gap
        finally:
            stopped.append(name)

    start(env, waiting("short", 1.0))
    start(env, waiting("long", 50.0))
    env.run(until=10)
    assert stopped == ["short"]
    env.close()
    assert stopped == ["short", "long"]


def test_a_finished_replication_leaves_no_cyclic_garbage():
    """run_replication unlinks the engagement's parts (tasks.dismantle): reference counting
    frees them at once, and the collector's pass after a replication finds nothing."""
    scenario = load_scenario(MANILA)
    gc.collect()
    gc.disable()
    try:
        recorder = run_replication(scenario, 7, 0)
        assert recorder.events and len(recorder.month_ends) == scenario.horizon_months
        del recorder
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_simulate_frees_its_records_before_the_collector_resumes():
    """``simulate`` drops the replication's records inside the collector pause: a collector
    that resumed while they lived (~800 new objects for Manila's 60 months) would collect at
    once after most replications and move the records to an older generation."""
    from botsim import simulate

    scenario = load_scenario(MANILA)
    simulate(scenario, 7, 0)  # warm-up: the per-scenario caches
    collections: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        for replication in range(1, 21):
            simulate(scenario, 7, replication)
    finally:
        gc.callbacks.remove(count)
    assert len(collections) <= 4  # was a collection every replication or two
