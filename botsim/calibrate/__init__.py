"""Calibrate a location profile from a company's own HR and recruiting records.

``calibrate(employees_csv, requisitions_csv, name, base)`` reads two CSV files, fits the
values the records can inform, takes every other value from a base profile (keeping its source
label) and returns a :class:`Calibration`: the profile document, every fit with its interval,
the Kaplan-Meier retention curve and the warnings. :func:`write_profile` writes the document
atomically; :func:`format_report` is the console report. The CLI (``botsim calibrate``) only
calls these. The methods are described where they are implemented, in the docstrings of
``attrition`` and ``recruiting``.

One module per concern:

* ``hr_records`` reads and checks the employee and requisition CSV files (``errors``: the
  problems found, located by file, line and column);
* ``as_of`` the as-of date where current staff are censored, and the dates checked against it;
* ``estimates`` the intervals every fit reports (exact Poisson, Wilson, t, Kaplan-Meier);
* ``attrition`` censored cause-specific hazards per tenure band, probation and retention;
* ``durations`` maximum-likelihood duration fits over the schema's families, chosen by AIC;
* ``recruiting`` time to fill, funnel proportions and the funnel mapping to applicants per week;
* ``checks`` botsim's own search run with the fitted funnel;
* ``profile`` the pipeline (:func:`calibrate`) that assembles and validates the profile;
* ``result`` the :class:`Calibration` it returns; ``output`` the profile text, the report and
  atomic writing; ``synthetic`` example records from a simulated replication.
"""

from __future__ import annotations

from botsim.calibrate.attrition import event_times, model_retention, piecewise_exponential
from botsim.calibrate.durations import fit_duration, fit_families
from botsim.calibrate.errors import CalibrationError
from botsim.calibrate.estimates import (
    kaplan_meier,
    poisson_rate_interval,
    restricted_mean,
    wilson_interval,
)
from botsim.calibrate.hr_records import read_employees
from botsim.calibrate.output import (
    OutputExists,
    check_destination,
    format_report,
    profile_text,
    write_csv,
    write_profile,
    write_text_atomic,
)
from botsim.calibrate.profile import calibrate
from botsim.calibrate.recruiting import expected_excess, model_mean_time_to_fill
from botsim.calibrate.result import Calibration
from botsim.calibrate.synthetic import synthetic_records

__all__ = [
    "Calibration",
    "CalibrationError",
    "OutputExists",
    "calibrate",
    "check_destination",
    "event_times",
    "expected_excess",
    "fit_duration",
    "fit_families",
    "format_report",
    "kaplan_meier",
    "model_mean_time_to_fill",
    "model_retention",
    "piecewise_exponential",
    "poisson_rate_interval",
    "profile_text",
    "read_employees",
    "restricted_mean",
    "synthetic_records",
    "wilson_interval",
    "write_csv",
    "write_profile",
    "write_text_atomic",
]
