"""Immutable event records written while a replication runs, and their tables afterwards.

Processes only append :class:`Event` records at the moment something happens; every metric is
computed afterwards from the tables built here (records first, statistics after).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

import numpy as np


class Vocabulary(str, Enum):
    """A closed set of words of the records: compares, hashes, prints and formats as its text
    (so tables, columns and files hold the plain words)."""

    __str__ = str.__str__
    __format__ = str.__format__


class EventKind(Vocabulary):
    """What an :class:`Event` records."""

    REQUISITION_OPENED = "requisition_opened"  # subject: requisition; detail: its reason
    SEARCH_STARTED = "search_started"  # a recruiter took the requisition
    OFFER_ACCEPTED = "offer_accepted"  # value: offers declined before
    NO_SHOW = "no_show"  # the accepted hire did not start
    HIRED = "hired"  # subject: employee; detail: LEAD for a lead; value: requisition (-1)
    RESIGNED = "resigned"  # notice starts
    EXITED = "exited"  # detail: the ExitKind
    ENTITY_SETUP_STARTED = "entity_setup_started"  # subject: location index; detail: name
    ENTITY_READY = "entity_ready"
    TRANSFER_STARTED = "transfer_started"
    TRANSFER_COMPLETED = "transfer_completed"  # value: headcount lost
    TEAM_FULL = "team_full"  # the first moment the agents fill the full-team seats (> 0)
    NOTICE_BOUGHT_OUT = "notice_bought_out"  # subject: requisition; value: notice days bought


class ExitKind(Vocabulary):
    """Why an employee left (``promoted``: an agent became a lead, not an attrition exit)."""

    RESIGNATION = "resignation"  # with notice
    WALKOUT = "walkout"  # without notice (AWOL)
    DISMISSAL = "dismissal"
    PROBATION = "probation"  # failed probation
    DECLINED_TRANSFER = "declined_transfer"  # declined the new employer's contract
    PROMOTED = "promoted"
    LAYOFF = "layoff"  # laid off by a plan reduction (not attrition)


ATTRITION_EXITS = (ExitKind.RESIGNATION, ExitKind.WALKOUT, ExitKind.DISMISSAL, ExitKind.PROBATION)
"""Exits by the attrition hazards and probation (the workforce mechanism); layoffs, declined
transfers and promotions are not attrition."""


class RequisitionReason(Vocabulary):
    """Why a requisition was opened."""

    PLAN = "plan"  # a new planned seat
    BACKFILL = "backfill"  # replaces a leaver
    NO_SHOW = "no_show"  # the accepted hire did not start
    LEAD = "lead"  # an external team lead


# The kinds bound to module names.
REQUISITION_OPENED = EventKind.REQUISITION_OPENED
SEARCH_STARTED = EventKind.SEARCH_STARTED
OFFER_ACCEPTED = EventKind.OFFER_ACCEPTED
NO_SHOW = EventKind.NO_SHOW
HIRED = EventKind.HIRED
RESIGNED = EventKind.RESIGNED
EXITED = EventKind.EXITED
ENTITY_SETUP_STARTED = EventKind.ENTITY_SETUP_STARTED
ENTITY_READY = EventKind.ENTITY_READY
TRANSFER_STARTED = EventKind.TRANSFER_STARTED
TRANSFER_COMPLETED = EventKind.TRANSFER_COMPLETED
TEAM_FULL = EventKind.TEAM_FULL
NOTICE_BOUGHT_OUT = EventKind.NOTICE_BOUGHT_OUT

LEAD = "lead"
"""``detail`` of a HIRED event for a team lead (agents have an empty detail)."""


class Event(NamedTuple):
    """One thing that happened. ``subject`` is a requisition id or an employee id by kind
    (see :class:`EventKind` for what ``detail`` and ``value`` hold)."""

    day: float
    kind: EventKind
    subject: int
    role: int
    detail: str = ""
    value: float = 0.0


@dataclass(frozen=True)
class EmployeeTable:
    """One row per employee who started: times in days, ``inf`` when not within the horizon."""

    employee: np.ndarray
    role: np.ndarray
    start: np.ndarray
    resign: np.ndarray
    exit: np.ndarray
    exit_kind: np.ndarray  # "" while still employed at the horizon
    is_lead: np.ndarray
    requisition: np.ndarray  # the requisition hired from; -1 for a lead promoted from within


EMPLOYEE_DTYPES = (np.int64, np.int64, float, float, float, object, bool, np.int64)
"""The dtypes of :class:`EmployeeTable`'s columns, in field order (:func:`_table`)."""


@dataclass(frozen=True)
class RequisitionTable:
    """One row per requisition: opened, search start, acceptance, start (``inf`` = not yet).

    ``closed`` is the day the requisition stopped needing a hire (the hire started or did not
    show up); a no-show opens a new requisition for the same seat.
    """

    requisition: np.ndarray
    role: np.ndarray
    reason: np.ndarray
    opened: np.ndarray
    search_started: np.ndarray
    accepted: np.ndarray
    closed: np.ndarray
    offers_declined: np.ndarray
    no_show: np.ndarray


REQUISITION_DTYPES = (np.int64, np.int64, object, float, float, float, float, np.int64, bool)
"""The dtypes of :class:`RequisitionTable`'s columns, in field order (:func:`_table`)."""


def _table(cls: Any, dtypes: tuple[Any, ...], rows: Iterable[Iterable[Any]]) -> Any:
    """A table ``cls`` (:class:`EmployeeTable`, :class:`RequisitionTable`) from its rows: one
    array per field, in field order, of the field's dtype in ``dtypes``."""
    cols = list(zip(*rows)) or [()] * len(dtypes)
    return cls(*(np.asarray(c, dtype=d) for c, d in zip(cols, dtypes, strict=True)))


_new_event = tuple.__new__
"""Builds an Event from a ready tuple: half the cost of ``Event(...)``, paid on every record."""

_INF = math.inf


class Recorder:
    """Collects the records of one replication: its events in the order they happen (unless
    ``keep_events`` is false), the rows of its employee and requisition tables as the events
    come, its milestone events, and the month-end KPI rows of the lifecycle pipeline
    (:mod:`botsim.model.lifecycle`), in month order.

    The mechanisms record through one method per kind (:meth:`hired`, :meth:`exited`, ...),
    which appends the :class:`Event` and updates the tables' rows at once, so :meth:`tables`
    needs no second pass over the events; any other event (the milestones: entity set-up,
    transfer, full team) goes through :meth:`record`, which also accepts every kind and so
    replays a list of events (:meth:`replay`).
    """

    __slots__ = (
        "_append",
        "_requisitions",
        "_staff",
        "events",
        "keep_events",
        "milestones",
        "month_ends",
    )

    def __init__(self, keep_events: bool = True) -> None:
        # Without ``keep_events`` (what a run's replications need) the events themselves are
        # not kept: the tables, the milestones and the month-end rows are.
        self.keep_events = keep_events
        self.events: list[Event] = []
        self.milestones: list[Event] = []  # neither employee nor requisition events
        self.month_ends: list = []  # MonthKpis rows
        self._append = self.events.append  # bound once: every record appends
        # Rows by employee and by requisition id, in the order of their first event (the
        # columns of EmployeeTable and RequisitionTable; times ``inf`` until they happen).
        self._staff: dict[int, list] = {}
        self._requisitions: dict[int, list] = {}

    # -- one method per kind of employee and requisition event --------------------------------

    def requisition_opened(
        self, day: float, requisition: int, role: int, reason: RequisitionReason
    ) -> None:
        if self.keep_events:
            self._append(
                _new_event(Event, (day, REQUISITION_OPENED, requisition, role, reason, 0.0))
            )
        self._requisitions[requisition] = [
            requisition, role, reason, day, _INF, _INF, _INF, 0, False
        ]  # fmt: skip

    def search_started(self, day: float, requisition: int, role: int) -> None:
        """A recruiter took the requisition."""
        if self.keep_events:
            self._append(_new_event(Event, (day, SEARCH_STARTED, requisition, role, "", 0.0)))
        self._requisitions[requisition][4] = day

    def offer_accepted(
        self, day: float, requisition: int, role: int, offers_declined: float
    ) -> None:
        if self.keep_events:
            self._append(
                _new_event(Event, (day, OFFER_ACCEPTED, requisition, role, "", offers_declined))
            )
        row = self._requisitions[requisition]
        row[5], row[7] = day, offers_declined  # a whole number: the int64 column keeps it

    def no_show(self, day: float, requisition: int, role: int) -> None:
        """The accepted hire did not start (the requisition closes)."""
        if self.keep_events:
            self._append(_new_event(Event, (day, NO_SHOW, requisition, role, "", 0.0)))
        row = self._requisitions[requisition]
        row[6], row[8] = day, True

    def hired(self, day: float, employee: int, role: int, detail: str, requisition: float) -> None:
        """An employee started (``detail`` is :data:`LEAD` for a team lead, else empty), hired
        from ``requisition`` (-1 for a lead promoted from within); the requisition closes."""
        if self.keep_events:
            self._append(_new_event(Event, (day, HIRED, employee, role, detail, requisition)))
        # The requisition, a whole number, may come as a float (a replayed event): the int64
        # column converts it exactly, and a float key finds the same entry.
        self._staff[employee] = [employee, role, day, _INF, _INF, "", detail == LEAD, requisition]
        row = self._requisitions.get(requisition)
        if row is not None:  # promoted leads have no requisition
            row[6] = day

    def resigned(self, day: float, employee: int, role: int) -> None:
        """Notice starts."""
        if self.keep_events:
            self._append(_new_event(Event, (day, RESIGNED, employee, role, "", 0.0)))
        self._staff[employee][3] = day

    def exited(self, day: float, employee: int, role: int, kind: ExitKind) -> None:
        if self.keep_events:
            self._append(_new_event(Event, (day, EXITED, employee, role, kind, 0.0)))
        row = self._staff[employee]
        row[4], row[5] = day, kind
        if row[3] == _INF:  # left without notice: the resignation day is the exit day
            row[3] = day

    # -- any other event, and replays ----------------------------------------------------------

    def record(
        self, day: float, kind: str, subject: int, role: int, detail: str = "", value: float = 0.0
    ) -> None:
        """Record an event of any kind: a milestone directly, an employee or requisition event
        through its own method above (what the mechanisms call; this dispatch is for replays)."""
        if kind == REQUISITION_OPENED:
            self.requisition_opened(day, subject, role, detail)
        elif kind == SEARCH_STARTED:
            self.search_started(day, subject, role)
        elif kind == OFFER_ACCEPTED:
            self.offer_accepted(day, subject, role, value)
        elif kind == NO_SHOW:
            self.no_show(day, subject, role)
        elif kind == HIRED:
            self.hired(day, subject, role, detail, value)
        elif kind == RESIGNED:
            self.resigned(day, subject, role)
        elif kind == EXITED:
            self.exited(day, subject, role, detail)
        else:
            event = _new_event(Event, (day, kind, subject, role, detail, value))
            if self.keep_events:
                self._append(event)
            self.milestones.append(event)

    @classmethod
    def replay(cls, events: Iterable[Event]) -> Recorder:
        """A recorder holding ``events`` (recorded in their order), for their tables."""
        recorder = cls(keep_events=False)  # the events are at hand
        record = recorder.record
        for event in events:
            record(*event)
        return recorder

    # -- the tables ------------------------------------------------------------------------------

    def tables(self) -> tuple[EmployeeTable, RequisitionTable, list[Event]]:
        """The employee table, the requisition table and the milestone events (entity set-up,
        transfer, full team) of the events recorded so far."""
        employees = _table(EmployeeTable, EMPLOYEE_DTYPES, self._staff.values())
        requisitions = _table(RequisitionTable, REQUISITION_DTYPES, self._requisitions.values())
        return employees, requisitions, self.milestones


def tables(events: Iterable[Event]) -> tuple[EmployeeTable, RequisitionTable, list[Event]]:
    """The employee table, the requisition table and the milestone events of a list of events
    (as :meth:`Recorder.tables` gives them for the events it recorded)."""
    return Recorder.replay(events).tables()


def employee_table(events: Iterable[Event]) -> EmployeeTable:
    return tables(events)[0]


def requisition_table(events: Iterable[Event]) -> RequisitionTable:
    return tables(events)[1]
