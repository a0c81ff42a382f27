"""Immutable event records written while a replication runs, and their tables afterwards.

Processes only append :class:`Event` records at the moment something happens; every metric is
computed afterwards from the tables built here (records first, statistics after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

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


# The kinds bound to module names: compared for every record when the tables are built.
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


_new_event = tuple.__new__
"""Builds an Event from a ready tuple: half the cost of ``Event(...)``, paid on every record."""


class Recorder:
    """Collects the events of one replication, in the order they happen, and the month-end
    KPI rows of the lifecycle pipeline (:mod:`botsim.model.lifecycle`), in month order."""

    __slots__ = ("_append", "events", "month_ends")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.month_ends: list = []  # MonthKpis rows
        self._append = self.events.append  # bound once: record runs for every event

    def record(
        self, day: float, kind: str, subject: int, role: int, detail: str = "", value: float = 0.0
    ) -> None:
        self._append(_new_event(Event, (day, kind, subject, role, detail, value)))


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


def employee_table(events: list[Event]) -> EmployeeTable:
    return tables(events, requisitions=False)[0]


def requisition_table(events: list[Event]) -> RequisitionTable:
    return tables(events)[1]


def tables(
    events: list[Event], requisitions: bool = True
) -> tuple[EmployeeTable, RequisitionTable | None, list[Event]]:
    """The employee table, the requisition table (None when ``requisitions`` is false) and the
    milestone events (entity set-up and transfer), from one pass over the records."""
    staff: dict[int, list] = {}
    reqs: dict[int, list] = {}
    milestones: list[Event] = []
    inf = math.inf
    # Unpacking the tuple is several times cheaper than NamedTuple attribute access. Kinds are
    # tested in order of frequency (each requisition gives three or four records); without
    # the requisition table, requisition records fall through to the last branch.
    for event in events:
        day, kind, subject, role, detail, value = event
        if kind == REQUISITION_OPENED:
            if requisitions:
                reqs[subject] = [subject, role, detail, day, inf, inf, inf, 0, False]
        elif kind == SEARCH_STARTED:
            if requisitions:
                reqs[subject][4] = day
        elif kind == HIRED:
            # ``value`` (the requisition, a whole number) stays a float here: the int64 column
            # converts it exactly, and a float key finds the same dict entry.
            staff[subject] = [subject, role, day, inf, inf, "", detail == LEAD, value]
            if requisitions and value in reqs:  # promoted leads have no requisition
                reqs[value][6] = day
        elif kind == OFFER_ACCEPTED:
            if requisitions:
                row = reqs[subject]
                row[5], row[7] = day, value  # offers declined: a whole number, as above
        elif kind == EXITED:
            row = staff[subject]
            row[4], row[5] = day, detail
            if row[3] == inf:
                row[3] = day
        elif kind == RESIGNED:
            staff[subject][3] = day
        elif kind == NO_SHOW:
            if requisitions:
                row = reqs[subject]
                row[6], row[8] = day, True
        else:
            milestones.append(event)
    cols = list(zip(*staff.values())) if staff else [[]] * 8
    employees = EmployeeTable(
        employee=np.asarray(cols[0], dtype=np.int64),
        role=np.asarray(cols[1], dtype=np.int64),
        start=np.asarray(cols[2], dtype=float),
        resign=np.asarray(cols[3], dtype=float),
        exit=np.asarray(cols[4], dtype=float),
        exit_kind=np.asarray(cols[5], dtype=object),
        is_lead=np.asarray(cols[6], dtype=bool),
        requisition=np.asarray(cols[7], dtype=np.int64),
    )
    if not requisitions:
        return employees, None, milestones
    cols = list(zip(*reqs.values())) if reqs else [[]] * 9
    req_table = RequisitionTable(
        requisition=np.asarray(cols[0], dtype=np.int64),
        role=np.asarray(cols[1], dtype=np.int64),
        reason=np.asarray(cols[2], dtype=object),
        opened=np.asarray(cols[3], dtype=float),
        search_started=np.asarray(cols[4], dtype=float),
        accepted=np.asarray(cols[5], dtype=float),
        closed=np.asarray(cols[6], dtype=float),
        offers_declined=np.asarray(cols[7], dtype=np.int64),
        no_show=np.asarray(cols[8], dtype=bool),
    )
    return employees, req_table, milestones
