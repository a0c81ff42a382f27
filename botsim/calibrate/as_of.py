"""The as-of date: the day the records were extracted, where current staff, open requisitions
and pending starts are censored. Given with ``--as-of``, or else the latest date in the
records, refused when that date looks like a typo; every date is then checked against it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from botsim.calibrate.errors import CalibrationError, DataProblem
from botsim.calibrate.hr_records import CsvRows, EmployeeRecord, RequisitionRecord
from botsim.inputs.scenario import DAYS_PER_YEAR

AS_OF_GAP_DAYS = 180
"""Without ``--as-of`` the latest date in the records becomes the as-of date, where current
staff are censored. It is refused when it lies more than this many days after the next-latest
date (assumption: an extract from a live team's HR system has some hire, exit or requisition
every few months, so a half-year silence before the last date is more likely a typed year,
2025 for 2024, than real; a wrong as-of date silently changes every hazard). ``--as-of`` states
the extract date and accepts such records."""
MAX_TENURE_YEARS = 50
"""A date more than this many years before the as-of date is refused (assumption: longer than a
working life; a hire date typed as 1924 for 2024 would add a century of person-time at the
longest tenure and all but erase that band's hazard)."""

EMPLOYEE_DATES = {"hire": "hire_date", "resignation": "resignation_date", "exit": "exit_date"}
REQUISITION_DATES = {
    "opened": "opened_date",
    "filled": "filled_date",
    "cancelled": "cancelled_date",
    "start": "start_date",
}


@dataclass(frozen=True)
class RecordDate:
    """One date in the records and where it was written."""

    date: dt.date
    rows: CsvRows
    line: int
    column: str

    def where(self) -> str:
        return f"{self.rows.path.name} line {self.line}, column {self.column}"


def record_dates(
    employees: Sequence[EmployeeRecord],
    emp_rows: CsvRows,
    reqs: Sequence[RequisitionRecord],
    req_rows: CsvRows | None,
) -> list[RecordDate]:
    """Every date in the records, ordered by date, then file order."""
    found = [
        RecordDate(getattr(r, attr), emp_rows, r.line, col)
        for r in employees
        for attr, col in EMPLOYEE_DATES.items()
        if getattr(r, attr) is not None
    ]
    if req_rows is not None:
        found += [
            RecordDate(getattr(q, attr), req_rows, q.line, col)
            for q in reqs
            for attr, col in REQUISITION_DATES.items()
            if getattr(q, attr) is not None
        ]
    return sorted(found, key=lambda d: d.date)


def _choose_as_of(dates: Sequence[RecordDate], today: dt.date) -> tuple[dt.date, str]:
    """The as-of date when none is given: the latest date in the records, unless it is after
    ``today`` or far beyond the others (:data:`AS_OF_GAP_DAYS`); those are refused (recorded
    as problems on their rows) rather than silently censoring everyone there."""
    future = [d for d in dates if d.date > today]
    for d in future:
        d.rows.fail(
            f"{d.date} is after today ({today}); without --as-of the latest date would become "
            "the as-of date. Fix the date, or give --as-of (the day the records were extracted)",
            d.line,
            d.column,
        )
    latest = dates[-1]
    if future:
        return latest.date, ""
    earlier = [d for d in dates if d.date < latest.date]
    if earlier and (latest.date - earlier[-1].date).days > AS_OF_GAP_DAYS:
        gap = (latest.date - earlier[-1].date).days
        latest.rows.fail(
            f"{latest.date} is the latest date in the records but {gap} days after the next "
            f"latest ({earlier[-1].date}, {earlier[-1].where()}); more than {AS_OF_GAP_DAYS} days "
            "looks like a typo. Without --as-of it would become the as-of date: fix the date, or "
            "give --as-of (the day the records were extracted) if it is right",
            latest.line,
            latest.column,
        )
    return latest.date, f"the latest date in the records, {latest.where()}"


def check_dates(dates: Sequence[RecordDate], as_of: dt.date) -> None:
    """Dates after the as-of date, or more than :data:`MAX_TENURE_YEARS` before it."""
    earliest = as_of - dt.timedelta(days=round(MAX_TENURE_YEARS * DAYS_PER_YEAR))
    for d in dates:
        if d.date > as_of:
            d.rows.fail(f"{d.date} is after the as-of date {as_of}", d.line, d.column)
        elif d.date < earliest:
            d.rows.fail(
                f"{d.date} is more than {MAX_TENURE_YEARS} years before the as-of date {as_of} "
                "(longer than a working life: a typo in the year?)",
                d.line,
                d.column,
            )


def resolve_as_of(
    dates: Sequence[RecordDate], as_of: dt.date | None, today: dt.date
) -> tuple[dt.date, str]:
    """The as-of date and how it was chosen: ``as_of`` when given (refused after ``today``),
    else the latest date in the records (:func:`_choose_as_of`)."""
    if as_of is None:
        return _choose_as_of(dates, today)
    if as_of > today:
        raise CalibrationError(
            [DataProblem("--as-of", f"{as_of} is after today ({today}): give the extract date")]
        )
    return as_of, "given with --as-of"
