"""The result of a calibration, and how fitted values and their source labels are written into
the profile document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botsim.calibrate.estimates import Estimate

if TYPE_CHECKING:
    from botsim.calibrate.attrition import BandFit
    from botsim.calibrate.durations import DurationFit


@dataclass
class Calibration:
    """Everything calibrate found: the profile document, the fits, the curve and warnings."""

    name: str
    as_of: dt.date
    as_of_basis: str  # how the as-of date was chosen ("given with --as-of", "the latest ...")
    base: str
    employees_file: str
    requisitions_file: str | None
    employees: int
    requisitions: int
    document: dict[str, Any]
    bands: list[BandFit]
    no_notice_share: Estimate | None
    probation_failure: Estimate | None
    probation_months: float
    notice_days: Estimate | None
    retention: Any
    retention_check: list[tuple[float, float, float, float, int, float]]
    time_to_fill: DurationFit | None = None
    time_to_fill_observed_mean: float | None = None
    pass_rates: dict[str, Estimate] = field(default_factory=dict)
    offer_acceptance: Estimate | None = None
    no_show: Estimate | None = None
    candidate_notice: DurationFit | None = None
    stage_durations: dict[str, DurationFit] = field(default_factory=dict)
    finalist_rate: Estimate | None = None
    applicants_per_week: Estimate | None = None
    funnel_time: str = ""
    model_mean_time_to_fill: float | None = None
    simulated_mean_time_to_fill: float | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fitted_label(file: str, est: Estimate, unit: str, fmt: str = ".3g") -> str:
    """The source label of a fitted value: file, sample size and interval."""
    return (
        f"fitted from {file}, n = {est.n} {unit}, 95% CI {est.low:{fmt}}-{est.high:{fmt}} "
        f"({est.method})"
    )


def rounded(x: float, digits: int = 4) -> float:
    """A fitted value as written into the profile: ``digits`` significant digits."""
    return float(f"{x:.{digits}g}")


def replace_source(sources: dict[str, str], path: str, label: str) -> None:
    """Label ``path`` with ``label``, dropping the labels of the base values under it."""
    for key in [k for k in sources if k == path or k.startswith(path + ".")]:
        del sources[key]
    sources[path] = label
