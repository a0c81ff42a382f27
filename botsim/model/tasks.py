"""Processes without SimPy's start and end events, and timeouts without a Timeout object.

``simpy.Environment.process`` schedules an Initialize event to start a generator and, when the
generator returns, a Process event to announce its end. A replication starts a process for
every requisition (a few dozen), and nothing ever waits for one to end (nor for the plan,
entity, review or handover processes), so those two events are pure overhead: about a third
of all the events of a replication. :func:`start` drives the generator the way
``simpy.events.Process`` does (it resumes on the callbacks of the events it yields, with their
values, or throws their failure into it), but runs it to its first ``yield`` at once, in the
caller's step, and lets it end silently. Nothing can wait for such a task; another process
can stop it (:meth:`Task.cancel`, where SimPy would interrupt a process): it then never
resumes. :func:`current` is the task whose step is running (SimPy's ``active_process``).

A task may also yield a number: a delay in simulated time, as ``yield env.timeout(delay)``
would wait, scheduled the same way (same priority, same place in the queue's order), with the
task itself in SimPy's queue instead of a new Timeout object per wait (a quarter of the cost
of an event). This uses SimPy's event queue as ``Environment.schedule`` fills it (``_queue``,
``_eid``, ``_now``) and the ``callbacks``, ``_ok`` and ``_value`` attributes of its events, as
``simpy.events.Process`` itself does (simpy 4.x; pinned below 5 in pyproject.toml;
tests/unit/test_recruiter_slots.py and tests/unit/test_kernel_environment.py cover it).

:class:`Environment` is SimPy's environment with the run loop inlined and the clock a plain
attribute: the mechanisms read ``env.now`` for almost every thing they do, and SimPy's property
and its ``step`` method per event cost more than the work of many events (benchmarks/README.md,
"Session 7"). It processes the same events in the same order with the same values.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT

LATE = NORMAL + 1
"""Priority of :class:`EndOfInstant` waits: after every normal event of the same instant."""


class EndOfInstant(float):
    """A delay after which the task resumes once every other event of that instant has been
    processed (``yield EndOfInstant(delay)``): the month-end records read a settled state."""

    __slots__ = ()


Wait = simpy.Event | float
"""What a task yields: an event to wait for, or a delay in days (a float, or an
:class:`EndOfInstant`)."""


_current: Task | None = None
"""The task whose step is running (None between steps)."""


class Task:
    """A running task; it is also its own timer: SimPy's queue holds it while it waits a
    delay, and processes it as an event that succeeded with no value (``_ok``, ``_value``)."""

    __slots__ = ("callbacks", "cancelled", "env", "generator", "resume", "wake_callbacks")
    _ok = True
    _value = None

    def __init__(self, env: simpy.Environment, generator: Generator[Wait, Any, Any]) -> None:
        global _current
        self.env = env
        self.generator = generator
        self.cancelled = False
        self.resume = self._resume  # bound once: one per event the task waits on
        self.callbacks = None  # as a timer: not scheduled
        self.wake_callbacks = [self.resume]  # SimPy takes the list off the event, never edits it
        outer, _current = _current, self
        try:
            first = generator.send(None)
        except StopIteration:
            self.resume = self.wake_callbacks = None  # ended before waiting on anything
            return
        finally:
            _current = outer
        self._wait_on(first)

    def cancel(self) -> None:
        """Stop the task: it will not resume from what it waits on (its generator is closed
        then). Cancelling a task from its own step lets that step finish."""
        self.cancelled = True

    def _resume(self, event: simpy.Event) -> None:
        global _current
        if self.cancelled:
            self.generator.close()
            self.resume = self.wake_callbacks = None
            return
        # SimPy runs one step at a time, so a resume never nests in another task's step (a
        # start does: Task.__init__ restores the outer task).
        _current = self
        try:
            if event._ok:
                nxt = self.generator.send(event._value)
            else:  # as simpy.events.Process: the task handles the failure or fails itself
                event._defused = True
                nxt = self.generator.throw(event._value)
        except StopIteration:
            _current = None  # holds no finished replication alive
            self.resume = self.wake_callbacks = None  # a finished task is not its own cycle
            return
        _current = None
        if type(nxt) is float and nxt >= 0:  # the usual wait, as _wait_on schedules it
            self.callbacks = self.wake_callbacks
            env = self.env
            heappush(env._queue, (env._now + nxt, NORMAL, next(env._eid), self))
        else:
            self._wait_on(nxt)

    def _wait_on(self, target: Wait) -> None:
        priority = NORMAL
        if type(target) is float:
            delay = target
        elif type(target) is EndOfInstant:
            delay, priority = float(target), LATE
        elif isinstance(target, simpy.Event):
            if target.callbacks is None:  # processed already: go on at once (SimPy does too)
                self._resume(target)
            else:
                target.callbacks.append(self.resume)
            return
        else:
            delay = float(target)
        if not delay >= 0:
            raise ValueError(f"a task cannot wait a negative or undefined delay: {delay!r}")
        self.callbacks = self.wake_callbacks
        env = self.env  # Environment.schedule, inlined
        heappush(env._queue, (env._now + delay, priority, next(env._eid), self))


class Environment(simpy.Environment):
    """``simpy.Environment`` with ``now`` a plain attribute and :meth:`run` (to a time) as one
    loop: the same events in the same order (time, priority, scheduling order), each event's
    callbacks called as ``Environment.step`` calls them, a waiting :class:`Task` resumed
    directly, and a failed event that nothing defused raised as SimPy raises it."""

    now: float = 0.0  # shadows SimPy's read-only property; kept equal to ``_now``

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.now = self._now

    def step(self) -> None:
        if self._queue:  # the clock moves to the next event before its callbacks run
            self.now = self._queue[0][0]
        super().step()

    def close(self) -> None:
        """After the run: stop the tasks still waiting in the queue and empty it, so that the
        replication's objects are freed by reference counting rather than left to Python's
        cyclic garbage collector. The environment cannot run again."""
        for *_, event in self._queue:
            if type(event) is Task:
                event.generator.close()
                event.callbacks = event.resume = event.wake_callbacks = None
        self._queue.clear()
        vars(self).clear()  # SimPy binds process, timeout and event to the environment

    def run(self, until: Any = None) -> Any:
        """As ``simpy.Environment.run``; to a time (a number) with the loop inlined."""
        if until is None or isinstance(until, simpy.Event):
            return super().run(until)  # steps through self.step: the clock follows
        at = until if isinstance(until, int) else float(until)
        if at <= self._now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        # As SimPy: an event scheduled before every other event of that moment stops the run.
        stop = simpy.Event(self)
        heappush(self._queue, (self._now + (at - self._now), URGENT, next(self._eid), stop))
        queue = self._queue
        while True:
            now, _, _, event = heappop(queue)  # never empty: ``stop`` is in it
            self._now = self.now = now
            if event is stop:
                return None
            callbacks, event.callbacks = event.callbacks, None
            if type(event) is Task:  # a task as its own timer: resume it
                event._resume(event)
                continue
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)  # as Environment.step
                exc.__cause__ = event._value
                raise exc


def current() -> Task:
    """The task whose step is running (called from within a task)."""
    if _current is None:
        raise RuntimeError("no task is running")
    return _current


def start(env: simpy.Environment, generator: Generator[Wait, Any, Any]) -> Task:
    """Run ``generator`` as a process that starts now, in the caller's step, and ends without
    an event; it may yield events or delays. An exception it raises propagates to the caller
    (at start) or out of ``Environment.step`` (later), failing the run as an unhandled process
    failure would."""
    return Task(env, generator)


def dismantle(*parts: object) -> None:
    """Unlink objects that refer to one another (an engagement and its components) once a
    replication is over. Left linked, they and everything they hold (records, tasks, random
    streams) wait for Python's cyclic garbage collector, whose pass after each replication
    then visits every one of them (benchmarks/README.md, "Session 7"); unlinked, reference
    counting frees them at once. The parts cannot be used afterwards."""
    for part in parts:
        vars(part).clear()


_gc_pauses = 0  # blocks of garbage_collected_once running now
_gc_was_enabled = True  # the collector's state when the first of them began
_gc_lock = threading.Lock()


@contextmanager
def garbage_collected_once() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector paused; it runs again, as usual,
    at the first allocation after the block.

    A replication allocates tens of thousands of short-lived objects (records, events, task
    frames); left on, the collector runs every 700 allocations and its older generations scan
    every long-lived object of the process again and again. Paused, the replication's
    garbage is freed by reference counting as usual, and its few cycles (tasks and their bound
    methods) by the collection that follows the block. Results are unaffected; only the time
    spent collecting changes (benchmarks/README.md). Nested and concurrent blocks (Dask
    threads) are counted: the collector is re-enabled when the last one ends, and only if it
    was enabled before the first.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()
