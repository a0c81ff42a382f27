"""Processes without SimPy's start and end events.

``simpy.Environment.process`` schedules an Initialize event to start a generator and, when the
generator returns, a Process event to announce its end. A replication starts a process for
every requisition (a few dozen), and nothing ever waits for one to end (nor for the plan,
entity, review or handover processes), so those two events are pure overhead: about a third
of all the events of a replication. :func:`start` drives the
generator the way ``simpy.events.Process`` does (it resumes on the callbacks of the events it
yields, with their values, or throws their failure into it), but runs it to its first ``yield``
at once, in the caller's step, and lets it end silently. Nothing can wait for such a task or
interrupt it: use it only where nothing does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Any

import simpy


class _Task:
    __slots__ = ("generator", "resume")

    def __init__(self, generator: Generator[simpy.Event, Any, Any]) -> None:
        self.generator = generator
        self.resume = self._resume  # bound once: one per event the task waits on
        self._wait_on(generator.send(None))

    def _resume(self, event: simpy.Event) -> None:
        try:
            if event._ok:
                nxt = self.generator.send(event._value)
            else:  # as simpy.events.Process: the task handles the failure or fails itself
                event._defused = True
                nxt = self.generator.throw(event._value)
        except StopIteration:
            return
        self._wait_on(nxt)

    def _wait_on(self, event: simpy.Event) -> None:
        if event.callbacks is None:  # processed already: go on at once (SimPy does too)
            self._resume(event)
        else:
            event.callbacks.append(self.resume)


def start(generator: Generator[simpy.Event, Any, Any]) -> None:
    """Run ``generator`` as a process that starts now, in the caller's step, and ends without
    an event. An exception it raises propagates to the caller (at start) or out of
    ``Environment.step`` (later), failing the run as an unhandled process failure would."""
    with contextlib.suppress(StopIteration):  # it ended before waiting on anything
        _Task(generator)
