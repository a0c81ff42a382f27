"""Calibrating a location profile: read and check the records, fix the as-of date, fit
attrition and recruiting, and assemble a profile document that takes every value the records
cannot inform from a base profile (keeping its source label)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from botsim.calibrate.as_of import check_dates, record_dates, resolve_as_of
from botsim.calibrate.attrition import calibrate_attrition
from botsim.calibrate.checks import check_funnel
from botsim.calibrate.errors import CalibrationError, DataProblem
from botsim.calibrate.hr_records import (
    RequisitionRecord,
    read_employees,
    read_requisitions,
    select_location,
)
from botsim.calibrate.recruiting import calibrate_recruiting
from botsim.calibrate.result import Calibration

DEFAULT_BASE = "philippines"


def calibrate(
    employees_csv: str | Path,
    requisitions_csv: str | Path | None = None,
    name: str = "calibrated",
    base: str = DEFAULT_BASE,
    location: str | None = None,
    as_of: dt.date | None = None,
    band_months: Sequence[float] | None = None,
    country: str | None = None,
    check_by_simulation: bool = True,
    families: bool = True,
    today: dt.date | None = None,
) -> Calibration:
    """Fit a location profile from employee (and requisition) records (methods: the modules
    :mod:`~botsim.calibrate.attrition` and :mod:`~botsim.calibrate.recruiting`).

    Without ``as_of`` the latest date in the records is used, and refused when it is after
    ``today`` (default: the system date) or more than
    :data:`~botsim.calibrate.as_of.AS_OF_GAP_DAYS` after the others.
    Raises :class:`CalibrationError` for bad data and :class:`botsim.inputs.loader.ScenarioError`
    for an unknown or invalid base profile.
    """
    import copy

    from pydantic import ValidationError

    from botsim.inputs.loader import Profile, _problems, load_profile

    base_profile = load_profile(base)
    values = base_profile.values.model_dump(mode="json", by_alias=True)
    sources = dict(base_profile.sources)
    stage_names = [s["name"] for s in values["recruiting"]["stages"]]

    employees, emp_rows = read_employees(employees_csv)
    employees = select_location(emp_rows, employees, location)
    reqs: list[RequisitionRecord] = []
    req_rows = None
    if requisitions_csv is not None:
        reqs, req_rows = read_requisitions(requisitions_csv, stage_names)
        reqs = select_location(req_rows, reqs, location)
    problems = emp_rows.problems + (req_rows.problems if req_rows else [])
    if problems:
        raise CalibrationError(problems)
    today = today or dt.date.today()
    dates = record_dates(employees, emp_rows, reqs, req_rows)
    as_of, as_of_basis = resolve_as_of(dates, as_of, today)
    problems = emp_rows.problems + (req_rows.problems if req_rows else [])
    if not problems:  # the as-of date is trusted: check every date against it
        check_dates(dates, as_of)
    problems = emp_rows.problems + (req_rows.problems if req_rows else [])
    if problems:
        raise CalibrationError(problems)

    emp_file = Path(employees_csv).name
    cal = Calibration(
        name=name,
        as_of=as_of,
        as_of_basis=as_of_basis,
        base=base,
        employees_file=emp_file,
        requisitions_file=Path(requisitions_csv).name if requisitions_csv else None,
        employees=len(employees),
        requisitions=len(reqs),
        document={},
        bands=[],
        no_notice_share=None,
        probation_failure=None,
        probation_months=values["probation"]["months"],
        notice_days=None,
        retention=None,
        retention_check=[],
    )
    calibrate_attrition(cal, employees, values, sources, band_months, emp_file)
    if reqs:
        calibrate_recruiting(cal, reqs, values, sources, cal.requisitions_file, families)
        if check_by_simulation:
            check_funnel(cal, values)
    if country:
        values["country"] = country
        sources["country"] = f"given to botsim calibrate (--country {country})"

    description = (
        f"Calibrated by botsim calibrate from {emp_file}"
        + (f" and {cal.requisitions_file}" if cal.requisitions_file else "")
        + f" (records as of {as_of}, {as_of_basis}); values the records cannot inform come "
        "from the base "
        f"profile {base!r} and keep its source labels."
    )
    doc = {
        "name": name,
        "as_of": as_of.isoformat(),
        "currency": base_profile.currency,
        "description": description,
        "values": values,
        "sources": sources,
    }
    try:  # fails here, never in a user's scenario
        Profile.model_validate(copy.deepcopy(doc))
    except ValidationError as exc:
        raise CalibrationError(
            [
                DataProblem(
                    emp_file,
                    f"the fitted profile is not valid: {p} (too few records for this value? "
                    "check the report's sample sizes, or give --as-of)",
                )
                for p in _problems(exc, root=Profile)
            ]
        ) from None
    cal.document = doc
    return cal
