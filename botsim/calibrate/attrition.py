"""Attrition from employee records: censored, cause-specific hazards per tenure band.

Each employee contributes person-time in every tenure band they were observed in; still-employed
staff are right-censored at the as-of date. Under the model's piecewise-constant hazard the
maximum-likelihood hazard of a band is exits / person-years (piecewise-exponential MLE),
separately for voluntary exits (resignations, walk-outs) and involuntary exits (dismissals):
cause-specific hazards, exactly the competing risks the model draws. Intervals are exact Poisson
(Garwood, chi-square) intervals for the count, divided by the exposure. A hazard per year is what
``definition: turnover_ratio`` means (reference T1). A resignation's event time is the day notice
was handed in (``resignation_date``; when the column is blank, the exit date minus the notice
period), because that is when the model's hazard fires. Failed probations are the model's
separate end-of-probation check: they are censored for the hazard and give
``probation.failure_probability`` = failures / employees observed to reach the end of probation
(Wilson interval).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from botsim.calibrate.errors import CalibrationError, DataProblem
from botsim.calibrate.estimates import (
    MIN_PROPORTION_TRIALS,
    Estimate,
    kaplan_meier,
    km_at,
    mean_estimate,
    poisson_rate_interval,
    proportion,
)
from botsim.calibrate.hr_records import EXIT_KINDS, EmployeeRecord
from botsim.calibrate.result import Calibration, fitted_label, replace_source, rounded
from botsim.inputs.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR
from botsim.stats import CONFIDENCE

MIN_BAND_EXITS = 10
"""A band with fewer exits than this gets a warning (assumption: Poisson relative SE > 30 %)."""
MIN_BAND_PERSON_YEARS = 5.0
"""A band with less exposure than this gets a warning (assumption)."""


@dataclass(frozen=True)
class BandFit:
    """Hazards of one tenure band (per year) fitted from exits and person-time."""

    from_month: float
    to_month: float
    person_years: float
    entering: int
    voluntary: Estimate
    involuntary: Estimate
    fitted: bool
    warning: str | None


@dataclass(frozen=True)
class EventTimes:
    """One row per employee: tenure (days) at the hazard event or censoring, and its kind."""

    tenure: np.ndarray
    kind: np.ndarray  # voluntary / involuntary / probation / censored
    walkout: np.ndarray
    exit_tenure: np.ndarray  # tenure at leaving or at censoring (for the retention curve)
    left: np.ndarray
    notice_days: np.ndarray  # exit - resignation for resignations with both dates (else nan)
    imputed_notice: int


def event_times(
    records: Sequence[EmployeeRecord], as_of: dt.date, notice_days: float
) -> EventTimes:
    """Hazard event times: notice handed in, walk-out, dismissal; probation and staff censored."""
    n = len(records)
    tenure = np.empty(n)
    kind = np.empty(n, dtype=object)
    walkout = np.zeros(n, dtype=bool)
    exit_tenure = np.empty(n)
    left = np.zeros(n, dtype=bool)
    notice = np.full(n, np.nan)
    imputed = 0
    for i, r in enumerate(records):
        leave = r.exit if r.exit is not None else as_of
        exit_tenure[i] = (leave - r.hire).days
        left[i] = r.exit is not None
        if r.resignation is not None:
            tenure[i], kind[i] = (r.resignation - r.hire).days, "voluntary"
            if r.exit is not None:
                notice[i] = (r.exit - r.resignation).days
        elif r.exit_kind == "resignation":
            tenure[i], kind[i] = max(0.0, (r.exit - r.hire).days - notice_days), "voluntary"
            imputed += 1
        elif r.exit_kind:
            tenure[i], kind[i] = (r.exit - r.hire).days, EXIT_KINDS[r.exit_kind]
            walkout[i] = r.exit_kind == "walkout"
        else:
            tenure[i], kind[i] = (as_of - r.hire).days, "censored"
    return EventTimes(tenure, kind, walkout, exit_tenure, left, notice, imputed)


def piecewise_exponential(
    tenure_days: np.ndarray,
    kind: np.ndarray,
    band_months: Sequence[float],
    confidence: float = CONFIDENCE,
) -> list[BandFit]:
    """Cause-specific hazards per tenure band: exits / person-years with exact Poisson CIs."""
    starts = np.asarray(band_months, dtype=float) * DAYS_PER_MONTH
    ends = np.append(starts[1:], np.inf)
    fits = []
    for lo, hi, m_lo, m_hi in zip(
        starts, ends, band_months, [*band_months[1:], math.inf], strict=True
    ):
        exposure_days = float((np.clip(tenure_days, lo, hi) - lo).sum())
        person_years = exposure_days / DAYS_PER_YEAR
        inside = (tenure_days >= lo) & (tenure_days < hi)
        entering = int((tenure_days >= lo).sum())
        estimates = {}
        for cause in ("voluntary", "involuntary"):
            events = int((inside & (kind == cause)).sum())
            low, high = poisson_rate_interval(events, person_years, confidence)
            rate = events / person_years if person_years > 0 else math.nan
            estimates[cause] = Estimate(rate, low, high, events, "exact Poisson")
        exits = estimates["voluntary"].n + estimates["involuntary"].n
        warning = None
        if person_years == 0:
            warning = "no exposure: nobody was observed at this tenure"
        elif exits < MIN_BAND_EXITS or person_years < MIN_BAND_PERSON_YEARS:
            warning = (
                f"too little exposure to trust ({person_years:.1f} person-years, {exits} exits; "
                f"want >= {MIN_BAND_PERSON_YEARS:g} person-years and >= {MIN_BAND_EXITS} exits)"
            )
        fits.append(
            BandFit(
                float(m_lo),
                float(m_hi),
                person_years,
                entering,
                estimates["voluntary"],
                estimates["involuntary"],
                person_years > 0,
                warning,
            )
        )
    return fits


def _base_hazards(attrition: dict[str, Any], month: float) -> tuple[float, float]:
    """The base profile's (voluntary, involuntary) hazards per year in force at ``month``."""
    from botsim.model.hazards import annual_hazard

    band = [b for b in attrition["bands"] if b["from_month"] <= month][-1]
    vol, inv = band["voluntary"], band.get("involuntary", 0.0)
    if attrition["definition"] == "cohort_probability":
        total = annual_hazard(vol + inv, "cohort_probability")
        share = vol / (vol + inv) if vol + inv else 0.0
        return total * share, total * (1 - share)
    return vol, inv


def calibrate_attrition(
    cal: Calibration,
    employees: list[EmployeeRecord],
    values: dict[str, Any],
    sources: dict[str, str],
    band_months: Sequence[float] | None,
    file: str,
) -> None:
    base_attrition = values["attrition"]
    months = list(band_months or [b["from_month"] for b in base_attrition["bands"]])
    if months[0] != 0 or any(b <= a for a, b in itertools.pairwise(months)):
        raise CalibrationError(
            [DataProblem("--bands", f"band starts must begin at 0 and increase, got {months}")]
        )
    base_notice = float(values["notice_days"])
    times = event_times(employees, cal.as_of, base_notice)

    # Notice period: exit - resignation where both are recorded.
    notice = times.notice_days[np.isfinite(times.notice_days)]
    if len(notice):
        est = mean_estimate(notice)
        cal.notice_days = est
        values["notice_days"] = rounded(est.value)
        replace_source(sources, "notice_days", fitted_label(file, est, "resignations", ".4g"))
        if times.imputed_notice:
            # Re-derive the notice dates of resignations without one with the fitted notice.
            times = event_times(employees, cal.as_of, est.value)
    if times.imputed_notice:
        cal.notes.append(
            f"{times.imputed_notice} resignation(s) have no resignation_date: the notice was "
            f"taken as handed in {values['notice_days']:g} days before the exit"
        )

    bands = piecewise_exponential(times.tenure, times.kind, months)
    cal.bands = bands
    out_bands, labels = [], []
    for band in bands:
        span = (
            f"{band.from_month:g}-{band.to_month:g} m"
            if math.isfinite(band.to_month)
            else (f"{band.from_month:g}+ m")
        )
        if band.fitted:
            vol, inv = band.voluntary.value, band.involuntary.value
            labels.append(
                f"{span}: voluntary {vol:.3g} (95% CI {band.voluntary.low:.3g}-"
                f"{band.voluntary.high:.3g}, {band.voluntary.n} exits), involuntary {inv:.3g} "
                f"(95% CI {band.involuntary.low:.3g}-{band.involuntary.high:.3g}, "
                f"{band.involuntary.n} exits), {band.person_years:.1f} person-years"
            )
        else:
            vol, inv = _base_hazards(base_attrition, band.from_month)
            labels.append(f"{span}: no exposure, base profile {cal.base!r} hazard kept")
        if band.warning:
            cal.warnings.append(f"attrition band {span}: {band.warning}")
        out_bands.append(
            {"from_month": band.from_month, "voluntary": rounded(vol), "involuntary": rounded(inv)}
        )
    values["attrition"]["definition"] = "turnover_ratio"
    values["attrition"]["bands"] = out_bands
    replace_source(
        sources,
        "attrition.definition",
        "fitted hazards per year (exits / person-years, piecewise-exponential MLE); under a "
        "constant hazard this equals the turnover ratio (reference T1)",
    )
    replace_source(
        sources,
        "attrition.bands",
        f"fitted from {file}, n = {len(employees)} employees, exact Poisson 95% CIs per year: "
        + "; ".join(labels),
    )

    voluntary = times.kind == "voluntary"
    n_vol = int(voluntary.sum())
    if n_vol:
        est = proportion(int(times.walkout.sum()), n_vol)
        cal.no_notice_share = est
        values["attrition"]["no_notice_share"] = rounded(est.value)
        replace_source(
            sources, "attrition.no_notice_share", fitted_label(file, est, "voluntary exits")
        )
        if n_vol < MIN_PROPORTION_TRIALS:
            cal.warnings.append(f"no-notice share from only {n_vol} voluntary exits")

    # Probation: failures / employees observed to reach its end (failures included).
    months_p = float(values["probation"]["months"])
    failed = times.kind == "probation"
    if failed.any() and months_p == 0:
        months_p = rounded(float(np.median(times.tenure[failed])) / DAYS_PER_MONTH, 3)
        values["probation"]["months"] = months_p
        replace_source(
            sources,
            "probation.months",
            f"fitted from {file}: median tenure of {int(failed.sum())} probation exits",
        )
    cal.probation_months = months_p
    if months_p > 0:
        end = months_p * DAYS_PER_MONTH
        reached = (times.tenure >= end - 1) | failed
        n_reached = int(reached.sum())
        if n_reached:
            est = proportion(int(failed.sum()), n_reached)
            cal.probation_failure = est
            values["probation"]["failure_probability"] = rounded(est.value)
            replace_source(
                sources,
                "probation.failure_probability",
                fitted_label(file, est, f"employees reaching {months_p:g} months"),
            )
            off = np.abs(times.tenure[failed] - end) > 7
            if off.any():
                cal.warnings.append(
                    f"{int(off.sum())} probation exit(s) are more than a week away from the end "
                    f"of probation ({months_p:g} months); the model lets people go only at its end"
                )

    # Retention: Kaplan-Meier of the hazard event time, against the fitted model.
    observed = times.kind != "censored"
    cal.retention = kaplan_meier(times.tenure / DAYS_PER_MONTH, observed)
    for month in (3, 6, 12, 24):
        s, lo, hi, at_risk = km_at(cal.retention, month)
        cal.retention_check.append((month, s, lo, hi, at_risk, model_retention(values, month)))


def model_retention(values: dict[str, Any], month: float) -> float:
    """Share still employed (no hazard event, probation passed) at ``month`` under ``values``."""
    bands = values["attrition"]["bands"]
    h = 0.0
    for i, band in enumerate(bands):
        lo = band["from_month"]
        hi = bands[i + 1]["from_month"] if i + 1 < len(bands) else math.inf
        span = max(0.0, min(month, hi) - lo)
        h += (band["voluntary"] + band["involuntary"]) * span / 12  # rates are per year
    s = math.exp(-h)
    p = values["probation"]
    if p["months"] > 0 and month >= p["months"]:
        s *= 1 - p["failure_probability"]
    return s
