"""Calibrate a location profile from a company's own HR and recruiting records.

``calibrate(employees_csv, requisitions_csv, name, base)`` reads two CSV files, fits the
values the records can inform, takes every other value from a base profile (keeping its source
label) and returns a :class:`Calibration`: the profile document, every fit with its interval,
the Kaplan-Meier retention curve and the warnings. :func:`write_profile` writes the document
atomically; :func:`format_report` is the console report. The CLI (``botsim calibrate``) only
calls these.

Methods (docs/model.md, "Calibration"):

* **Attrition.** Each employee contributes person-time in every tenure band they were observed
  in; still-employed staff are right-censored at the as-of date. Under the model's
  piecewise-constant hazard the maximum-likelihood hazard of a band is exits / person-years
  (piecewise-exponential MLE), separately for voluntary exits (resignations, walk-outs) and
  involuntary exits (dismissals): cause-specific hazards, exactly the competing risks the model
  draws. Intervals are exact Poisson (Garwood, chi-square) intervals for the count, divided by
  the exposure. A hazard per year is what ``definition: turnover_ratio`` means (reference T1).
  A resignation's event time is the day notice was handed in (``resignation_date``; when the
  column is blank, the exit date minus the notice period), because that is when the model's
  hazard fires. Failed probations are the model's separate end-of-probation check: they are
  censored for the hazard and give ``probation.failure_probability`` = failures / employees
  observed to reach the end of probation (Wilson interval).
* **Recruiting.** Time to fill (opened -> offer accepted; cancelled or still-open requisitions
  right-censored) is fitted by maximum likelihood over the families the schema supports
  (exponential, lognormal, triangular, uniform) and over the funnel's own family, chosen by AIC.
  Proportions (pass rates, offer acceptance, no-show, no-notice share) use Wilson intervals.
* **Funnel mapping.** In the model (``botsim.model.recruiting``) accepting finalists arrive as a
  Poisson stream of rate lambda and answer after the funnel time D (stages + offer), so
  P(T > t) = exp(-lambda G(t)) with G(t) = E[(t - D)+]. Given D, the MLE of lambda is
  (filled requisitions) / sum G(t_i) over all requisitions, censored ones included. With no
  stage-duration data, D is a fixed funnel time whose MLE is the shortest observed time to fill
  (T is then a shifted exponential), split over the base profile's stages in proportion to
  their mean durations. ``applicants_per_week = 7 lambda / (prod pass_rate * offer_acceptance)``.
  The funnel enters the AIC table as its own family (``funnel``: with a fixed D a shifted
  exponential with 2 parameters; with D fitted from stage columns, 1 parameter given D), so the
  report says whether another family describes the time to fill better; the mapping always
  reproduces the mean (checked by running botsim's own search with the fitted funnel).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as _st

from botsim.scenario import DAYS_PER_MONTH, DAYS_PER_YEAR
from botsim.stats import CONFIDENCE

MIN_BAND_EXITS = 10
"""A band with fewer exits than this gets a warning (assumption: Poisson relative SE > 30 %)."""
MIN_BAND_PERSON_YEARS = 5.0
"""A band with less exposure than this gets a warning (assumption)."""
MIN_PROPORTION_TRIALS = 20
"""A proportion from fewer trials than this gets a warning (assumption)."""
DEFAULT_BASE = "philippines"
FUNNEL_SAMPLES = 20_000
"""Monte Carlo draws of the funnel time D used for G(t) when stage durations are random."""
CHECK_SEARCHES = 4_000
"""Candidate searches simulated with the fitted funnel to check the mean time to fill."""
MAX_PROBLEMS = 20
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

EXIT_KINDS = {
    "resignation": "voluntary",
    "walkout": "voluntary",
    "dismissal": "involuntary",
    "probation": "probation",
}
EMPLOYEE_COLUMNS = ("employee_id", "hire_date", "exit_date", "exit_kind")
EMPLOYEE_OPTIONAL = ("location", "role", "resignation_date")
REQUISITION_COLUMNS = ("requisition_id", "opened_date", "filled_date")
REQUISITION_OPTIONAL = (
    "location",
    "role",
    "cancelled_date",
    "start_date",
    "no_show",
    "offers_made",
    "offers_accepted",
    "applicants",
)
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong with an input file, located by file, line and column."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class CalibrationError(Exception):
    """The records cannot be calibrated from; carries every problem found (up to a limit)."""

    def __init__(self, problems: Sequence[DataProblem]) -> None:
        super().__init__()
        self.problems = list(problems)

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"... and {len(self.problems) - MAX_PROBLEMS} more problem(s)")
        return "\n".join(lines)


# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Estimate:
    """A fitted value with its two-sided interval, the sample size behind it and the method."""

    value: float
    low: float
    high: float
    n: int
    method: str

    def covers(self, truth: float) -> bool:
        return self.low <= truth <= self.high


def poisson_rate_interval(
    events: int, exposure: float, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate: chi-square quantiles of the count / exposure."""
    if exposure <= 0:
        return 0.0, math.inf
    alpha = 1 - confidence
    low = 0.0 if events == 0 else _st.chi2.ppf(alpha / 2, 2 * events) / 2
    high = _st.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    return float(low / exposure), float(high / exposure)


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of k / n (:func:`botsim.stats.wilson_interval`); [0, 1] when n = 0."""
    from botsim.stats import wilson_interval as wilson

    if n == 0:
        return 0.0, 1.0
    _, low, high = wilson(k, n, confidence)
    return low, high


def proportion(k: int, n: int, confidence: float = CONFIDENCE) -> Estimate:
    low, high = wilson_interval(k, n, confidence)
    return Estimate(k / n if n else math.nan, low, high, n, "Wilson")


# --------------------------------------------------------------------------- reading CSV


@dataclass(frozen=True)
class EmployeeRecord:
    line: int
    employee_id: str
    location: str
    role: str
    hire: dt.date
    resignation: dt.date | None
    exit: dt.date | None
    exit_kind: str  # "" while employed (or serving notice with a resignation date)


@dataclass(frozen=True)
class RequisitionRecord:
    line: int
    requisition_id: str
    location: str
    opened: dt.date
    filled: dt.date | None
    cancelled: dt.date | None
    start: dt.date | None
    no_show: bool | None
    offers_made: int | None
    offers_accepted: int | None
    counts: dict[str, int | None]  # "applicants" and "<stage>_passed"
    stage_days: dict[str, float | None]  # "<stage>_days" and "offer_days"


class _Rows:
    """Reads a CSV into (line number, row) pairs, collecting problems instead of stopping."""

    def __init__(self, path: Path, required: Sequence[str]) -> None:
        self.path = path
        self.file = str(path)
        self.problems: list[DataProblem] = []
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.columns: list[str] = []
        self._read(required)

    def fail(self, message: str, line: int | None = None, column: str | None = None) -> None:
        self.problems.append(DataProblem(self.file, message, line, column))

    def _read(self, required: Sequence[str]) -> None:
        if not self.path.exists():
            self.fail("file not found")
            return
        if self.path.is_dir():
            self.fail("is a directory, expected a CSV file")
            return
        try:
            text = self.path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            self.fail(f"cannot read file: {exc.strerror or exc}")
            return
        except UnicodeDecodeError as exc:
            self.fail(f"not UTF-8 text (bad byte at offset {exc.start})")
            return
        if not text.strip():
            self.fail("empty file: expected a header line and at least one record")
            return
        reader = csv.reader(text.splitlines())
        try:
            header = next(reader)
        except csv.Error as exc:
            self.fail(f"cannot read the header: {exc}", 1)
            return
        self.columns = [h.strip().lower() for h in header]
        seen: set[str] = set()
        for col in self.columns:
            if col in seen:
                self.fail(f"column {col!r} appears twice in the header", 1, col)
            seen.add(col)
        missing = [c for c in required if c not in self.columns]
        if missing:
            self.fail(
                f"missing column(s) {', '.join(missing)}; found: {', '.join(self.columns)}",
                1,
                missing[0],
            )
            return
        try:
            for values in reader:
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(self.columns):
                    self.fail(f"has {len(values)} fields, the header has {len(self.columns)}", line)
                    continue
                self.rows.append((line, {c: v.strip() for c, v in zip(self.columns, values)}))
        except csv.Error as exc:
            self.fail(f"cannot read CSV: {exc}", reader.line_num)
        if not self.rows and not self.problems:
            self.fail("no records: the file has a header but no data rows", 2)

    def date(self, line: int, row: dict[str, str], column: str, required: bool = False):
        text = row.get(column, "")
        if not text:
            if required:
                self.fail("value is missing", line, column)
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.fail(f"cannot read date {text!r} (expected YYYY-MM-DD)", line, column)
            return None

    def count(self, line: int, row: dict[str, str], column: str) -> int | None:
        text = row.get(column, "")
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            self.fail(f"expected a whole number, got {text!r}", line, column)
            return None
        if value < 0:
            self.fail(f"must not be negative, got {value}", line, column)
            return None
        return value

    def days(self, line: int, row: dict[str, str], column: str) -> float | None:
        text = row.get(column, "")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            self.fail(f"expected a number of days, got {text!r}", line, column)
            return None
        if not math.isfinite(value) or value < 0:
            self.fail(f"must be a non-negative number of days, got {text!r}", line, column)
            return None
        return value

    def unique_id(self, line: int, row: dict[str, str], column: str, seen: dict[str, int]):
        ident = row.get(column, "")
        if not ident:
            self.fail("value is missing", line, column)
            return None
        if ident in seen:
            self.fail(f"duplicate id {ident!r} (first on line {seen[ident]})", line, column)
            return None
        seen[ident] = line
        return ident


def _check_after(
    rows: _Rows, line: int, later: dt.date | None, earlier: dt.date | None, what: str, col: str
) -> bool:
    if later is not None and earlier is not None and later < earlier:
        rows.fail(f"{what}: {later} is before {earlier}", line, col)
        return False
    return True


def read_employees(path: str | Path) -> tuple[list[EmployeeRecord], _Rows]:
    """Parse and check an employee file (see ``examples/README.md`` for the columns)."""
    rows = _Rows(Path(path), EMPLOYEE_COLUMNS)
    records: list[EmployeeRecord] = []
    seen: dict[str, int] = {}
    for line, row in rows.rows:
        before = len(rows.problems)
        ident = rows.unique_id(line, row, "employee_id", seen)
        hire = rows.date(line, row, "hire_date", required=True)
        resignation = rows.date(line, row, "resignation_date")
        exit_ = rows.date(line, row, "exit_date")
        kind = row.get("exit_kind", "").lower()
        if kind and kind not in EXIT_KINDS:
            rows.fail(
                f"unknown exit kind {kind!r}; use one of {', '.join(EXIT_KINDS)} "
                "(blank while employed)",
                line,
                "exit_kind",
            )
        _check_after(rows, line, exit_, hire, "exit before hire", "exit_date")
        _check_after(rows, line, resignation, hire, "resignation before hire", "resignation_date")
        _check_after(rows, line, exit_, resignation, "exit before resignation", "exit_date")
        if exit_ is not None and not kind:
            rows.fail("an exit date needs an exit_kind", line, "exit_kind")
        if kind and exit_ is None and not (kind == "resignation" and resignation is not None):
            rows.fail(f"exit_kind {kind!r} without an exit_date", line, "exit_date")
        if resignation is not None and kind not in ("", "resignation"):
            rows.fail(
                f"resignation_date is only for resignations, but exit_kind is {kind!r}",
                line,
                "resignation_date",
            )
        if len(rows.problems) == before:
            records.append(
                EmployeeRecord(
                    line,
                    ident,
                    row.get("location", ""),
                    row.get("role", ""),
                    hire,
                    resignation,
                    exit_,
                    "resignation" if resignation is not None else kind,
                )
            )
    return records, rows


def read_requisitions(
    path: str | Path, stage_names: Sequence[str]
) -> tuple[list[RequisitionRecord], _Rows]:
    """Parse and check a requisition file; stage columns follow the base profile's stages."""
    rows = _Rows(Path(path), REQUISITION_COLUMNS)
    count_cols = ["applicants", *(f"{s}_passed" for s in stage_names)]
    day_cols = [*(f"{s}_days" for s in stage_names), "offer_days"]
    records: list[RequisitionRecord] = []
    seen: dict[str, int] = {}
    for line, row in rows.rows:
        before = len(rows.problems)
        ident = rows.unique_id(line, row, "requisition_id", seen)
        opened = rows.date(line, row, "opened_date", required=True)
        filled = rows.date(line, row, "filled_date")
        cancelled = rows.date(line, row, "cancelled_date")
        start = rows.date(line, row, "start_date")
        _check_after(rows, line, filled, opened, "filled before opened", "filled_date")
        _check_after(rows, line, cancelled, opened, "cancelled before opened", "cancelled_date")
        _check_after(rows, line, start, filled, "start before offer accepted", "start_date")
        if filled is not None and cancelled is not None:
            rows.fail("a requisition cannot be both filled and cancelled", line, "cancelled_date")
        if start is not None and filled is None:
            rows.fail("a start date needs a filled_date (offer accepted)", line, "start_date")
        no_show = None
        text = row.get("no_show", "").lower()
        if text in TRUE_WORDS:
            no_show = True
        elif text in FALSE_WORDS:
            no_show = False
        elif text:
            rows.fail(f"expected true or false, got {text!r}", line, "no_show")
        if no_show and start is not None:
            rows.fail("a no-show cannot have a start_date", line, "no_show")
        if no_show and filled is None:
            rows.fail("a no-show needs a filled_date (offer accepted)", line, "no_show")
        made = rows.count(line, row, "offers_made")
        accepted = rows.count(line, row, "offers_accepted")
        if made is not None and accepted is not None and accepted > made:
            rows.fail(f"offers_accepted {accepted} > offers_made {made}", line, "offers_accepted")
        counts = {c: rows.count(line, row, c) for c in count_cols}
        for prev, col in itertools.pairwise(count_cols):
            a, b = counts[prev], counts[col]
            if a is not None and b is not None and b > a:
                rows.fail(f"{col} {b} is more than {prev} {a}", line, col)
        stage_days = {c: rows.days(line, row, c) for c in day_cols}
        if len(rows.problems) == before:
            records.append(
                RequisitionRecord(
                    line,
                    ident,
                    row.get("location", ""),
                    opened,
                    filled,
                    cancelled,
                    start,
                    no_show,
                    made,
                    accepted,
                    counts,
                    stage_days,
                )
            )
    return records, rows


def _select_location(rows: _Rows, records: list, location: str | None) -> list:
    names = sorted({r.location for r in records if r.location})
    if location is None:
        if len(names) > 1:
            rows.fail(
                f"records from several locations ({', '.join(names)}); choose one with --location",
                column="location",
            )
        return records
    chosen = [r for r in records if r.location == location]
    if not chosen:
        rows.fail(
            f"no records for location {location!r}; found: {', '.join(names) or 'none'}",
            column="location",
        )
    return chosen


# --------------------------------------------------------------------------- attrition


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


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, confidence: float = CONFIDENCE
) -> Any:
    """Kaplan-Meier survival with Greenwood log(-log) intervals, one row per event time.

    The estimate is :func:`botsim.stats.kaplan_meier`; this keeps the event-time rows and the
    ``low``/``high`` column names the calibration report reads.
    """
    from botsim.stats import kaplan_meier as km

    frame = km(durations, observed, confidence)
    frame = frame[frame.events > 0].rename(columns={"ci_low": "low", "ci_high": "high"})
    return frame[["time", "at_risk", "events", "survival", "low", "high"]].reset_index(drop=True)


def km_at(curve: Any, time: float) -> tuple[float, float, float, int]:
    """Survival, interval and number at risk from a KM table at ``time``."""
    before = curve[curve["time"] <= time]
    later = curve.loc[curve["time"] >= time, "at_risk"]
    at_risk = int(later.iloc[0]) if len(later) else 0
    if before.empty:
        return 1.0, 1.0, 1.0, at_risk
    last = before.iloc[-1]
    return float(last["survival"]), float(last["low"]), float(last["high"]), at_risk


def restricted_mean(curve: Any, until: float) -> float:
    """Area under a KM curve from 0 to ``until`` (the restricted mean)."""
    times = np.append(curve["time"].to_numpy(), until)
    surv = np.append(1.0, curve["survival"].to_numpy())
    keep = times <= until
    edges = np.append(0.0, times[keep])
    edges = np.append(edges[edges < until], until)
    s = surv[: len(edges) - 1]
    return float(np.sum(np.diff(edges) * s))


# --------------------------------------------------------------------------- durations


@dataclass(frozen=True)
class FamilyFit:
    """Maximum-likelihood fit of one distribution family to (censored) durations."""

    family: str
    params: dict[str, float]
    loglik: float
    k: int
    distribution: dict[str, Any] | None  # schema form, None for non-schema families

    @property
    def aic(self) -> float:
        return 2 * self.k - 2 * self.loglik

    def describe(self) -> str:
        return f"{self.family}(" + ", ".join(f"{k}={v:.4g}" for k, v in self.params.items()) + ")"


def _loglik(dist, events: np.ndarray, censored: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        ll = float(np.sum(dist.logpdf(events)) + np.sum(dist.logsf(censored)))
    return ll if math.isfinite(ll) else -math.inf


def fit_families(
    times: np.ndarray, observed: np.ndarray, include_funnel: bool = False, parametric: bool = True
) -> list[FamilyFit]:
    """MLE of every supported family (right-censored data allowed), best AIC first.

    Families: exponential, lognormal, triangular, uniform (the schema's continuous families;
    ``fixed`` has no density and ``empirical`` is not a parametric family) and, for time to
    fill, ``funnel``: a fixed funnel time plus an exponential wait (a shifted exponential),
    which is the time-to-fill distribution the recruiting model produces with fixed durations.
    """
    t = np.asarray(times, dtype=float)
    obs = np.asarray(observed, dtype=bool)
    ev, cen = t[obs], t[~obs]
    fits: list[FamilyFit] = []
    n_ev = len(ev)
    if n_ev == 0:
        return fits
    total = float(t.sum())
    if total > 0:
        rate = n_ev / total
        ll = n_ev * math.log(rate) - rate * total
        fits.append(
            FamilyFit("exponential", {"mean": 1 / rate}, ll, 1, _dist("exponential", 1 / rate))
        )
    if include_funnel:
        shift = float(ev.min())
        wait = float(np.clip(t - shift, 0, None).sum())
        if wait > 0:
            rate = n_ev / wait
            ll = n_ev * math.log(rate) - rate * wait
            fits.append(FamilyFit("funnel", {"shift": shift, "mean_wait": 1 / rate}, ll, 2, None))
    if not parametric:
        return sorted(fits, key=lambda f: f.aic)
    data = _st.CensoredData(uncensored=ev, right=cen) if len(cen) else ev
    if (ev > 0).all() and n_ev >= 2 and ev.std() > 0:
        try:
            s, _, scale = _st.lognorm.fit(data, floc=0)
            dist = _st.lognorm(s, 0, scale)
            mean, sd = float(dist.mean()), float(dist.std())
            fits.append(
                FamilyFit(
                    "lognormal",
                    {"mean": mean, "sd": sd},
                    _loglik(dist, ev, cen),
                    2,
                    _dist("lognormal", mean, sd),
                )
            )
        except (ValueError, RuntimeError, FloatingPointError):
            pass
    if n_ev >= 3 and ev.std() > 0:
        for name in ("triangular", "uniform"):
            fit = _fit_bounded(name, ev, cen)
            if fit is not None:
                fits.append(fit)
    return sorted(fits, key=lambda f: f.aic)


def _triangular_loglik(a: float, c: float, b: float, ev: np.ndarray, cen: np.ndarray) -> float:
    if not (a <= c <= b and b > a):
        return -math.inf
    width = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        left = ev < c
        dens = np.where(left, 2 * (ev - a) / (width * (c - a)), 2 * (b - ev) / (width * (b - c)))
        if np.any(~np.isfinite(dens)) or np.any(dens <= 0) or np.any((ev < a) | (ev > b)):
            return -math.inf
        ll = float(np.log(dens).sum())
        if len(cen):
            cc = np.clip(cen, a, b)
            surv = np.where(
                cc < c, 1 - (cc - a) ** 2 / (width * (c - a)), (b - cc) ** 2 / (width * (b - c))
            )
            if np.any(~np.isfinite(surv)) or np.any(surv <= 0):
                return -math.inf
            ll += float(np.log(surv).sum())
    return ll


def _fit_bounded(name: str, ev: np.ndarray, cen: np.ndarray) -> FamilyFit | None:
    """MLE of the uniform and triangular families (bounded support) with right-censoring."""
    from scipy.optimize import minimize, minimize_scalar

    lo_ev, hi_ev = float(ev.min()), float(ev.max())
    hi_all = max(hi_ev, float(cen.max()) if len(cen) else hi_ev)
    spread = max(hi_all - lo_ev, 1.0)
    if name == "uniform":
        # low = shortest event (MLE); high maximises the likelihood over b >= every value.
        a = lo_ev

        def ll_u(b: float) -> float:
            if b <= a or b < hi_ev or (len(cen) and b <= float(cen.max())):
                return -math.inf
            kept = np.maximum(cen, a)
            return -len(ev) * math.log(b - a) + float(np.log((b - kept) / (b - a)).sum())

        b = hi_ev
        if len(cen):
            floor_b = max(hi_ev, float(cen.max()) * (1 + 1e-9) + 1e-9)
            res = minimize_scalar(
                lambda x: -ll_u(x), bounds=(floor_b, floor_b + 10 * spread), method="bounded"
            )
            b = float(res.x) if ll_u(float(res.x)) >= ll_u(floor_b) else floor_b
        ll = ll_u(b)
        params, k = {"low": a, "high": b}, 2
    else:
        eps = 1e-6 * spread

        def unpack(u: np.ndarray) -> tuple[float, float, float]:
            a = lo_ev - eps - math.exp(u[0]) * spread
            b = hi_all + eps + math.exp(u[1]) * spread
            c = a + (b - a) / (1 + math.exp(-u[2]))
            return a, c, b

        def nll_t(u: np.ndarray) -> float:
            a, c, b = unpack(u)
            ll = _triangular_loglik(a, c, b, ev, cen)
            return -ll if math.isfinite(ll) else 1e300

        best = None
        for u2 in (-3.0, 0.0, 3.0):
            res = minimize(
                nll_t,
                np.array([-3.0, -1.0, u2]),
                method="Nelder-Mead",
                options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 2000},
            )
            if best is None or res.fun < best.fun:
                best = res
        a, c, b = unpack(best.x)
        if a < 0:  # the schema needs non-negative bounds: refit with low pinned at 0
            return None
        ll = _triangular_loglik(a, c, b, ev, cen)
        params, k = {"low": a, "mode": c, "high": b}, 3
    if not math.isfinite(ll):
        return None
    return FamilyFit(name, params, ll, k, _dist(name, *params.values()))


def _dist(family: str, *values: float) -> dict[str, Any]:
    v = [_round(x) for x in values]
    if family == "fixed":
        return {"dist": "fixed", "value": v[0]}
    if family == "exponential":
        return {"dist": "exponential", "mean": v[0]}
    if family == "lognormal":
        return {"dist": "lognormal", "mean": v[0], "sd": v[1]}
    if family == "uniform":
        return {"dist": "uniform", "low": v[0], "high": v[1]}
    low, mode, high = v
    return {"dist": "triangular", "low": low, "mode": min(max(mode, low), high), "high": high}


def _round(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


@dataclass(frozen=True)
class DurationFit:
    """A duration fitted from data: the chosen schema distribution and the family table."""

    what: str
    n: int
    censored: int
    mean: Estimate
    families: list[FamilyFit]
    chosen: dict[str, Any]
    chosen_family: str


FIXED_TOLERANCE_DAYS = 1.0
"""Durations from whole-day dates: all values within +-1 day of the median count as fixed."""


def fit_duration(what: str, times: np.ndarray, observed: np.ndarray | None = None) -> DurationFit:
    """Fit a duration over the schema families by AIC; ``fixed`` when values differ <= 1 day."""
    t = np.asarray(times, dtype=float)
    obs = np.ones(len(t), dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    ev = t[obs]
    mean = _mean_estimate(ev)
    median = float(np.median(ev))
    if np.all(np.abs(ev - median) <= FIXED_TOLERANCE_DAYS) and np.all(t[~obs] <= median + 1):
        chosen = _dist("fixed", median)
        return DurationFit(what, len(ev), int((~obs).sum()), mean, [], chosen, "fixed")
    families = [f for f in fit_families(t, obs) if f.distribution is not None]
    if not families:
        chosen = _dist("fixed", median)
        return DurationFit(what, len(ev), int((~obs).sum()), mean, [], chosen, "fixed")
    return DurationFit(
        what,
        len(ev),
        int((~obs).sum()),
        mean,
        families,
        families[0].distribution,
        families[0].family,
    )


def _mean_estimate(x: np.ndarray, confidence: float = CONFIDENCE) -> Estimate:
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "t")
    m = float(x.mean())
    if n == 1 or x.std() == 0:
        return Estimate(m, m, m, n, "t")
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Estimate(m, m - half, m + half, n, "t")


# --------------------------------------------------------------------------- funnel mapping


def funnel_time_sample(recruiting: dict[str, Any], size: int = FUNNEL_SAMPLES) -> np.ndarray:
    """Draws of the funnel time D = sum of stage durations + offer duration (fixed seed)."""
    from pydantic import TypeAdapter

    from botsim.distributions import Distribution

    adapter = TypeAdapter(Distribution)
    rng = np.random.default_rng(0)  # a fixed, local stream: the fit must be reproducible
    total = np.zeros(size)
    for spec in [*(s["duration"] for s in recruiting["stages"]), recruiting["offer_duration"]]:
        total += np.broadcast_to(adapter.validate_python(spec).sample(rng, size), (size,))
    return total


def expected_excess(t: np.ndarray, d_sample: np.ndarray) -> np.ndarray:
    """G(t) = E[(t - D)+] for each t, from a sample of D."""
    d = np.sort(d_sample)
    csum = np.concatenate([[0.0], np.cumsum(d)])
    k = np.searchsorted(d, t, side="right")
    return (k * t - csum[k]) / len(d)


def model_mean_time_to_fill(rate: float, d_sample: np.ndarray) -> float:
    """E[T] = integral of exp(-rate G(t)) dt for the model's search (module docstring)."""
    d_min = float(d_sample.min())
    upper = float(d_sample.max()) + 40 / rate
    grid = np.linspace(0, upper, 20_001)
    surv = np.exp(-rate * expected_excess(grid, d_sample))
    return float(np.trapezoid(surv, grid)) if d_min < upper else d_min


# --------------------------------------------------------------------------- calibration


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


def _label(file: str, est: Estimate, unit: str, fmt: str = ".3g") -> str:
    return (
        f"fitted from {file}, n = {est.n} {unit}, 95% CI {est.low:{fmt}}-{est.high:{fmt}} "
        f"({est.method})"
    )


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


EMPLOYEE_DATES = {"hire": "hire_date", "resignation": "resignation_date", "exit": "exit_date"}
REQUISITION_DATES = {
    "opened": "opened_date",
    "filled": "filled_date",
    "cancelled": "cancelled_date",
    "start": "start_date",
}


@dataclass(frozen=True)
class _Dated:
    """One date in the records and where it was written."""

    date: dt.date
    rows: _Rows
    line: int
    column: str

    def where(self) -> str:
        return f"{self.rows.path.name} line {self.line}, column {self.column}"


def _dates(
    employees: Sequence[EmployeeRecord],
    emp_rows: _Rows,
    reqs: Sequence[RequisitionRecord],
    req_rows: _Rows | None,
) -> list[_Dated]:
    """Every date in the records, ordered by date, then file order."""
    found = [
        _Dated(getattr(r, attr), emp_rows, r.line, col)
        for r in employees
        for attr, col in EMPLOYEE_DATES.items()
        if getattr(r, attr) is not None
    ]
    if req_rows is not None:
        found += [
            _Dated(getattr(q, attr), req_rows, q.line, col)
            for q in reqs
            for attr, col in REQUISITION_DATES.items()
            if getattr(q, attr) is not None
        ]
    return sorted(found, key=lambda d: d.date)


def _choose_as_of(dates: Sequence[_Dated], today: dt.date) -> tuple[dt.date, str]:
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


def _check_dates(dates: Sequence[_Dated], as_of: dt.date) -> None:
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
    """Fit a location profile from employee (and requisition) records; see the module docstring.

    Without ``as_of`` the latest date in the records is used, and refused when it is after
    ``today`` (default: the system date) or more than :data:`AS_OF_GAP_DAYS` after the others.
    Raises :class:`CalibrationError` for bad data and :class:`botsim.loader.ScenarioError`
    for an unknown or invalid base profile.
    """
    import copy

    from pydantic import ValidationError

    from botsim.loader import Profile, _problems, load_profile

    base_profile = load_profile(base)
    values = base_profile.values.model_dump(mode="json", by_alias=True)
    sources = dict(base_profile.sources)
    stage_names = [s["name"] for s in values["recruiting"]["stages"]]

    employees, emp_rows = read_employees(employees_csv)
    employees = _select_location(emp_rows, employees, location)
    reqs: list[RequisitionRecord] = []
    req_rows = None
    if requisitions_csv is not None:
        reqs, req_rows = read_requisitions(requisitions_csv, stage_names)
        reqs = _select_location(req_rows, reqs, location)
    problems = emp_rows.problems + (req_rows.problems if req_rows else [])
    if problems:
        raise CalibrationError(problems)
    today = today or dt.date.today()
    dates = _dates(employees, emp_rows, reqs, req_rows)
    if as_of is None:
        as_of, as_of_basis = _choose_as_of(dates, today)
    elif as_of > today:
        raise CalibrationError(
            [DataProblem("--as-of", f"{as_of} is after today ({today}): give the extract date")]
        )
    else:
        as_of_basis = "given with --as-of"
    problems = emp_rows.problems + (req_rows.problems if req_rows else [])
    if not problems:  # the as-of date is trusted: check every date against it
        _check_dates(dates, as_of)
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
    _calibrate_attrition(cal, employees, values, sources, band_months, emp_file)
    if reqs:
        _calibrate_recruiting(cal, reqs, values, sources, cal.requisitions_file, families)
        if check_by_simulation:
            _check_funnel(cal, values)
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


def _replace_source(sources: dict[str, str], path: str, label: str) -> None:
    for key in [k for k in sources if k == path or k.startswith(path + ".")]:
        del sources[key]
    sources[path] = label


def _calibrate_attrition(
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
        est = _mean_estimate(notice)
        cal.notice_days = est
        values["notice_days"] = _round(est.value)
        _replace_source(sources, "notice_days", _label(file, est, "resignations", ".4g"))
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
            {"from_month": band.from_month, "voluntary": _round(vol), "involuntary": _round(inv)}
        )
    values["attrition"]["definition"] = "turnover_ratio"
    values["attrition"]["bands"] = out_bands
    _replace_source(
        sources,
        "attrition.definition",
        "fitted hazards per year (exits / person-years, piecewise-exponential MLE); under a "
        "constant hazard this equals the turnover ratio (reference T1)",
    )
    _replace_source(
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
        values["attrition"]["no_notice_share"] = _round(est.value)
        _replace_source(sources, "attrition.no_notice_share", _label(file, est, "voluntary exits"))
        if n_vol < MIN_PROPORTION_TRIALS:
            cal.warnings.append(f"no-notice share from only {n_vol} voluntary exits")

    # Probation: failures / employees observed to reach its end (failures included).
    months_p = float(values["probation"]["months"])
    failed = times.kind == "probation"
    if failed.any() and months_p == 0:
        months_p = _round(float(np.median(times.tenure[failed])) / DAYS_PER_MONTH, 3)
        values["probation"]["months"] = months_p
        _replace_source(
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
            values["probation"]["failure_probability"] = _round(est.value)
            _replace_source(
                sources,
                "probation.failure_probability",
                _label(file, est, f"employees reaching {months_p:g} months"),
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
        cal.retention_check.append((month, s, lo, hi, at_risk, _model_retention(values, month)))


def _model_retention(values: dict[str, Any], month: float) -> float:
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


def _calibrate_recruiting(
    cal: Calibration,
    reqs: list[RequisitionRecord],
    values: dict[str, Any],
    sources: dict[str, str],
    file: str,
    families: bool,
) -> None:
    rec = values["recruiting"]
    as_of = cal.as_of

    # Time to fill: opened -> offer accepted; cancelled and open requisitions censored.
    t, obs = [], []
    for q in reqs:
        if q.filled is not None:
            t.append((q.filled - q.opened).days)
            obs.append(True)
        else:
            t.append(((q.cancelled or as_of) - q.opened).days)
            obs.append(False)
    t_arr, obs_arr = np.asarray(t, dtype=float), np.asarray(obs, dtype=bool)
    n_filled = int(obs_arr.sum())
    if n_filled == 0:
        cal.warnings.append("no filled requisitions: time to fill cannot be fitted")
        return
    fams = fit_families(t_arr, obs_arr, include_funnel=True, parametric=families)
    km = kaplan_meier(t_arr, obs_arr)
    observed_mean = restricted_mean(km, float(t_arr.max()))
    cal.time_to_fill_observed_mean = observed_mean
    cal.time_to_fill = DurationFit(
        "time to fill",
        n_filled,
        int((~obs_arr).sum()),
        _mean_estimate(t_arr[obs_arr]),
        fams,
        fams[0].distribution or {},
        fams[0].family,
    )

    # Proportions: pass rates per stage, offer acceptance, no-show.
    entering_col = "applicants"
    for i, stage in enumerate(rec["stages"]):
        col = f"{stage['name']}_passed"
        pairs = [
            (q.counts[entering_col], q.counts[col])
            for q in reqs
            if q.counts.get(entering_col) is not None and q.counts.get(col) is not None
        ]
        entering_col = col
        if not pairs:
            continue
        n = sum(a for a, _ in pairs)
        k = sum(b for _, b in pairs)
        if n == 0 or k == 0:
            cal.warnings.append(f"stage {stage['name']!r}: no candidates passed; base kept")
            continue
        est = proportion(k, n)
        cal.pass_rates[stage["name"]] = est
        rec["stages"][i]["pass_rate"] = _round(est.value)
        if n < MIN_PROPORTION_TRIALS:
            cal.warnings.append(f"stage {stage['name']!r} pass rate from only {n} candidates")
    offers = [(q.offers_made, q.offers_accepted) for q in reqs if q.offers_made is not None]
    offers = [(m, a) for m, a in offers if a is not None]
    if offers:
        n = sum(m for m, _ in offers)
        k = sum(a for _, a in offers)
        if k > 0:
            est = proportion(k, n)
            cal.offer_acceptance = est
            rec["offer_acceptance"] = _round(est.value)
            _replace_source(sources, "recruiting.offer_acceptance", _label(file, est, "offers"))
    decided = [q for q in reqs if q.no_show is True or q.start is not None]
    if decided:
        k = sum(1 for q in decided if q.no_show)
        est = proportion(k, len(decided))
        if est.value < 1:
            cal.no_show = est
            rec["no_show"] = _round(est.value)
            _replace_source(sources, "recruiting.no_show", _label(file, est, "accepted offers"))

    # Candidate notice: offer accepted -> start; pending starts censored at the as-of date.
    notice_t, notice_obs = [], []
    for q in reqs:
        if q.start is not None:
            notice_t.append((q.start - q.filled).days)
            notice_obs.append(True)
        elif q.filled is not None and not q.no_show:
            notice_t.append((as_of - q.filled).days)
            notice_obs.append(False)
    if any(notice_obs):
        fit = fit_duration("candidate notice", np.array(notice_t, float), np.array(notice_obs))
        cal.candidate_notice = fit
        rec["candidate_notice"] = fit.chosen
        _replace_source(
            sources,
            "recruiting.candidate_notice",
            f"fitted from {file}, n = {fit.n} starts ({fit.censored} pending), "
            f"{fit.chosen_family} chosen by AIC; mean {fit.mean.value:.3g} days, "
            f"95% CI {fit.mean.low:.3g}-{fit.mean.high:.3g} (t)",
        )

    # Stage durations, when the records carry them.
    keys = [(f"{s['name']}_days", i) for i, s in enumerate(rec["stages"])] + [("offer_days", -1)]
    for col, i in keys:
        sample = np.array([q.stage_days[col] for q in reqs if q.stage_days.get(col) is not None])
        if len(sample) == 0:
            continue
        fit = fit_duration(col, sample)
        cal.stage_durations[col] = fit
        if i >= 0:
            rec["stages"][i]["duration"] = fit.chosen
        else:
            rec["offer_duration"] = fit.chosen
    _map_funnel(cal, rec, sources, t_arr, obs_arr, file)


def _map_funnel(
    cal: Calibration,
    rec: dict[str, Any],
    sources: dict[str, str],
    t: np.ndarray,
    obs: np.ndarray,
    file: str,
) -> None:
    """Fit the accepting-finalist rate given the funnel time D, then applicants per week.

    Works on a copy of ``rec`` and commits it only when the rate can be fitted.
    """
    import copy

    target, rec = rec, copy.deepcopy(rec)
    n_filled = int(obs.sum())
    if cal.stage_durations:
        d_sample = funnel_time_sample(rec)
        cal.funnel_time = (
            "stage durations fitted from the records (base profile for the others); the "
            "accepting-finalist rate is their MLE given D"
        )
        parts = []
        for col, fit in cal.stage_durations.items():
            parts.append(f"{col}: {fit.chosen_family} (n = {fit.n})")
        stage_label = f"durations fitted from {file} by AIC: " + ", ".join(parts)
    else:
        shift = float(t[obs].min())
        specs = [s["duration"] for s in rec["stages"]] + [rec["offer_duration"]]
        from pydantic import TypeAdapter

        from botsim.distributions import Distribution

        adapter = TypeAdapter(Distribution)
        means = np.array([adapter.validate_python(s).mean for s in specs])
        weights = means / means.sum() if means.sum() > 0 else np.eye(len(means))[-1]
        for spec_i, w in enumerate(weights):
            value = {"dist": "fixed", "value": _round(shift * float(w))}
            if spec_i < len(rec["stages"]):
                rec["stages"][spec_i]["duration"] = value
            else:
                rec["offer_duration"] = value
        d_sample = np.array([shift])  # the MLE itself, not its 4-digit rounded split
        cal.funnel_time = (
            f"fixed funnel time {shift:g} days (MLE: the shortest observed time to fill), split "
            "over the stages in proportion to the base profile's mean durations"
        )
        stage_label = (
            f"durations fitted from {file}, n = {n_filled} filled requisitions: the fixed funnel "
            f"time {shift:g} days (shortest time to fill, the MLE of the shift) split in "
            f"proportion to base {cal.base!r} stage means"
        )
    excess = float(expected_excess(t, d_sample).sum())
    if excess <= 0:
        cal.warnings.append(
            "time to fill never exceeds the funnel time: applicants_per_week and the funnel "
            f"time are kept from base {cal.base!r}"
        )
        if cal.stage_durations:
            _stage_sources(cal, rec, sources, stage_label, file)
            target.update(rec)
        elif cal.pass_rates:  # the shift split is dropped; durations stay the base's
            old = sources.get("recruiting.stages", "")
            _stage_sources(cal, target, sources, f"durations from base {cal.base!r}: {old}", file)
        return
    if n_filled < MIN_PROPORTION_TRIALS:
        cal.warnings.append(f"time to fill from only {n_filled} filled requisitions")
    impossible = int((t[obs] < float(d_sample.min())).sum())
    if impossible:
        cal.warnings.append(
            f"{impossible} requisition(s) filled faster than the shortest possible funnel time; "
            "the stage durations do not fit the time to fill"
        )
    rate = n_filled / excess
    low, high = poisson_rate_interval(n_filled, excess)
    if cal.stage_durations and cal.time_to_fill is not None:
        # The funnel with random D is its own family: log L = sum log(rate F_D(t)) - rate sum G.
        d_sorted = np.sort(d_sample)
        cdf = np.searchsorted(d_sorted, t[obs], side="right") / len(d_sorted)
        with np.errstate(divide="ignore"):
            ll = float(n_filled * math.log(rate) + np.log(cdf).sum() - rate * excess)
        funnel = FamilyFit(
            "funnel", {"rate": rate, "mean_funnel_time": float(d_sample.mean())}, ll, 1, None
        )
        fams = sorted(
            [f for f in cal.time_to_fill.families if f.family != "funnel"] + [funnel],
            key=lambda f: f.aic,
        )
        cal.time_to_fill = dataclasses.replace(
            cal.time_to_fill, families=fams, chosen_family=fams[0].family
        )
    cal.finalist_rate = Estimate(rate, low, high, n_filled, "exact Poisson")

    # applicants_per_week = 7 rate / (prod p * q): widen on the log scale for fitted p and q.
    pass_prod = math.prod(s["pass_rate"] for s in rec["stages"])
    q = rec["offer_acceptance"]
    apw = 7 * rate / (pass_prod * q)
    z = _st.norm.ppf(0.5 + CONFIDENCE / 2)
    extra = 0.0
    fitted_props = [*cal.pass_rates.values()]
    if cal.offer_acceptance is not None:
        fitted_props.append(cal.offer_acceptance)
    for est in fitted_props:
        extra += (1 - est.value) / (est.n * est.value)  # var(log p_hat), delta method
    lo_log = math.sqrt(math.log(rate / low) ** 2 + z * z * extra) if low > 0 else math.inf
    hi_log = math.sqrt(math.log(high / rate) ** 2 + z * z * extra)
    method = "exact Poisson" + (", delta method for fitted proportions" if fitted_props else "")
    cal.applicants_per_week = Estimate(
        apw, apw * math.exp(-lo_log), apw * math.exp(hi_log), n_filled, method
    )
    rec["applicants_per_week"] = _round(apw)
    cal.model_mean_time_to_fill = model_mean_time_to_fill(rate, d_sample)

    fam = cal.time_to_fill.families if cal.time_to_fill else []
    aic_text = ", ".join(f"{f.family} {f.aic:.1f}" for f in fam)
    best = fam[0].family if fam else "funnel"
    if fam and best != "funnel":
        funnel_aic = next((f.aic for f in fam if f.family == "funnel"), math.inf)
        if math.isfinite(funnel_aic) and funnel_aic - fam[0].aic > 10:
            cal.warnings.append(
                f"time to fill is better described by {best} (AIC {funnel_aic - fam[0].aic:.0f} "
                "lower than the funnel's); the fitted funnel reproduces its mean, not its shape"
            )
    fixed_part = "" if cal.stage_durations else " fixed"
    _replace_source(
        sources,
        "recruiting.applicants_per_week",
        f"fitted from {file}, n = {n_filled} filled requisitions "
        f"({int((~obs).sum())} censored), 95% CI {cal.applicants_per_week.low:.3g}-"
        f"{cal.applicants_per_week.high:.3g} ({method}): accepting-finalist rate "
        f"{rate:.4g}/day (MLE given the{fixed_part} funnel time) / (pass rates x offer "
        f"acceptance) x 7; time-to-fill families by AIC: {aic_text}; best {best}",
    )
    _stage_sources(cal, rec, sources, stage_label, file)
    if "offer_days" in cal.stage_durations or not cal.stage_durations:
        _replace_source(
            sources, "recruiting.offer_duration", "part of the funnel time, see recruiting.stages"
        )
    target.update(rec)


def _stage_sources(
    cal: Calibration, rec: dict[str, Any], sources: dict[str, str], stage_label: str, file: str
) -> None:
    stage_sources = [stage_label]
    for stage in rec["stages"]:
        est = cal.pass_rates.get(stage["name"])
        if est is not None:
            stage_sources.append(f"{stage['name']} pass rate " + _label(file, est, "candidates"))
    if len(cal.pass_rates) < len(rec["stages"]):
        old = sources.get("recruiting.stages", "")
        which = "other pass rates" if cal.pass_rates else "pass rates"
        stage_sources.append(f"{which} from base {cal.base!r}: {old}")
    _replace_source(sources, "recruiting.stages", "; ".join(stage_sources))


def _check_funnel(cal: Calibration, values: dict[str, Any]) -> None:
    """Simulate searches with the fitted funnel (botsim's own search) and record the mean."""
    if cal.applicants_per_week is None:
        return
    from botsim.model.recruiting import search_candidates
    from botsim.random import UniformBlocks
    from botsim.scenario import Recruiting

    recruiting = Recruiting.model_validate(values["recruiting"], strict=False)
    uniforms = UniformBlocks(np.random.default_rng(20261125))  # read in order, none discarded
    draws = [search_candidates(uniforms, recruiting).duration for _ in range(CHECK_SEARCHES)]
    cal.simulated_mean_time_to_fill = float(np.mean(draws))


# --------------------------------------------------------------------------- output


class OutputExists(Exception):
    """The destination exists and ``force`` was not given."""


def profile_text(cal: Calibration) -> str:
    """The profile as YAML, with a header saying how it was produced."""
    from botsim import __version__
    from botsim.loader import dump_yaml

    header = [
        f"# Location profile {cal.name!r}, calibrated by botsim {__version__} `botsim calibrate`.",
        f"# Employees: {cal.employees_file} ({cal.employees} records)"
        + (
            f"; requisitions: {cal.requisitions_file} ({cal.requisitions} records)"
            if cal.requisitions_file
            else ""
        )
        + f"; as of {cal.as_of} ({cal.as_of_basis}).",
        "# Values labelled 'fitted from ...' come from these records; the others from "
        f"base profile {cal.base!r}.",
        "# Use it in a scenario with `profile: <path to this file>` (relative to the scenario).",
    ]
    return "\n".join(header) + "\n" + dump_yaml(cal.document)


def check_destination(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise OutputExists(f"{path} already exists; choose another --out or pass --force")
    if path.exists() and path.is_dir():
        raise OutputExists(f"{path} is a directory, expected a file path")


def write_text_atomic(path: str | Path, text: str, force: bool = False) -> Path:
    """Write ``text`` to ``path`` via a temporary file and one atomic step; never clobber
    an existing file unless ``force``."""
    path = Path(path)
    check_destination(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile: no silent overwrite
            except FileExistsError:
                raise OutputExists(
                    f"{path} already exists; choose another --out or pass --force"
                ) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_profile(cal: Calibration, path: str | Path, force: bool = False) -> Path:
    """Write the calibrated profile atomically (refuses to overwrite unless ``force``)."""
    return write_text_atomic(path, profile_text(cal), force)


def format_report(cal: Calibration) -> str:
    """The console calibration report: sample sizes, fits with intervals, warnings."""
    out: list[str] = []
    add = out.append
    add(f"Calibration of profile {cal.name!r} (base {cal.base!r})")
    add(f"  as-of date: {cal.as_of} ({cal.as_of_basis}); staff still employed are censored there")
    add(f"  employees: {cal.employees_file}, {cal.employees} records")
    if cal.requisitions_file:
        add(f"  requisitions: {cal.requisitions_file}, {cal.requisitions} records")
    add("")
    add("Attrition hazards per year = exits / person-years (piecewise-exponential MLE,")
    add("right-censored current staff); 95% exact Poisson (chi-square) intervals")
    add(
        f"  {'tenure':<10}{'person-yr':>10}{'vol.':>6}  {'voluntary [95% CI]':<24}"
        f"{'invol.':>6}  {'involuntary [95% CI]':<24}"
    )
    for b in cal.bands:
        span = (
            f"{b.from_month:g}-{b.to_month:g} m"
            if math.isfinite(b.to_month)
            else (f"{b.from_month:g}+ m")
        )
        if not b.fitted:
            add(f"  {span:<10}{0:>10.1f}  no exposure: base value kept")
            continue
        v, i = b.voluntary, b.involuntary
        add(
            f"  {span:<10}{b.person_years:>10.1f}{v.n:>6}  "
            f"{f'{v.value:.3f} [{v.low:.3f}, {v.high:.3f}]':<24}{i.n:>6}  "
            f"{i.value:.3f} [{i.low:.3f}, {i.high:.3f}]" + ("  (!)" if b.warning else "")
        )
    for label, est in (
        ("no-notice share of voluntary exits", cal.no_notice_share),
        (f"probation failure ({cal.probation_months:g} months)", cal.probation_failure),
    ):
        if est is not None:
            add(f"  {label}: {est.value:.3f} [{est.low:.3f}, {est.high:.3f}], n = {est.n} (Wilson)")
    if cal.notice_days is not None:
        e = cal.notice_days
        add(f"  notice days: {e.value:.1f} [{e.low:.1f}, {e.high:.1f}], n = {e.n} resignations")
    add("")
    add(
        "Retention (Kaplan-Meier, time to notice or exit; Greenwood log-log 95% CI) vs fitted model"
    )
    add(f"  {'month':>5}{'at risk':>9}  {'KM [95% CI]':<22}{'model':>7}")
    for month, s, lo, hi, at_risk, model in cal.retention_check:
        add(f"  {month:>5}{at_risk:>9}  {f'{s:.3f} [{lo:.3f}, {hi:.3f}]':<22}{model:>7.3f}")
    if cal.time_to_fill is not None:
        ttf = cal.time_to_fill
        add("")
        add(
            f"Time to fill (opened -> offer accepted): {ttf.n} filled, {ttf.censored} censored "
            "(cancelled or open)"
        )
        add(
            "  observed mean (Kaplan-Meier restricted mean): "
            f"{cal.time_to_fill_observed_mean:.1f} days"
        )
        add(f"  {'family':<13}{'parameters':<44}{'AIC':>9}{'dAIC':>7}")
        best = ttf.families[0].aic if ttf.families else 0.0
        for f in ttf.families:
            add(
                f"  {f.family:<13}{f.describe()[len(f.family) :]:<44}"
                f"{f.aic:>9.1f}{f.aic - best:>7.1f}"
            )
        if ttf.families:
            add(f"  best by AIC: {ttf.families[0].family}")
        add(f"  funnel mapping: {cal.funnel_time}")
        if cal.finalist_rate is not None:
            r = cal.finalist_rate
            add(
                f"  accepting-finalist rate: {r.value:.4f}/day [{r.low:.4f}, {r.high:.4f}] "
                f"(exact Poisson, n = {r.n})"
            )
        if cal.applicants_per_week is not None:
            a = cal.applicants_per_week
            add(f"  applicants_per_week: {a.value:.3g} [{a.low:.3g}, {a.high:.3g}] ({a.method})")
        if cal.model_mean_time_to_fill is not None:
            check = (
                f"; simulated {CHECK_SEARCHES} searches with botsim: "
                f"{cal.simulated_mean_time_to_fill:.1f}"
                if cal.simulated_mean_time_to_fill is not None
                else ""
            )
            add(
                f"  model mean time to fill: {cal.model_mean_time_to_fill:.1f} days{check} "
                f"(observed {cal.time_to_fill_observed_mean:.1f}; excludes waiting for a recruiter)"
            )
        for name, est in cal.pass_rates.items():
            add(f"  {name} pass rate: {est.value:.3f} [{est.low:.3f}, {est.high:.3f}], n = {est.n}")
        for label, est in (("offer acceptance", cal.offer_acceptance), ("no-show", cal.no_show)):
            if est is not None:
                add(
                    f"  {label}: {est.value:.3f} [{est.low:.3f}, {est.high:.3f}], "
                    f"n = {est.n} (Wilson)"
                )
        for fit in [cal.candidate_notice, *cal.stage_durations.values()]:
            if fit is not None:
                add(
                    f"  {fit.what}: {fit.chosen_family} {fit.chosen}, mean {fit.mean.value:.1f} "
                    f"[{fit.mean.low:.1f}, {fit.mean.high:.1f}], n = {fit.n}"
                )
    if cal.notes:
        add("")
        for note in cal.notes:
            add(f"note: {note}")
    if cal.warnings:
        add("")
        for warning in cal.warnings:
            add(f"warning: {warning}")
    return "\n".join(out)


# --------------------------------------------------------------------------- synthetic records


def synthetic_records(
    events: Sequence[Any], start: dt.date, horizon_days: float, location: str, role: str = "agent"
) -> tuple[list[dict[str, str]], list[dict[str, str]], dt.date]:
    """Employee and requisition CSV rows from one botsim replication's events.

    Simulated days become dates counted from ``start`` (rounded to the nearest day), and the
    records are as of the horizon, as an HR extract taken that day would be. Team leads, when the
    scenario models them, are left out: a profile describes the agents' location.
    Returns (employee rows, requisition rows, as-of date).
    """
    from botsim.records import employee_table, requisition_table

    def date(day: float) -> str:
        return (start + dt.timedelta(days=math.floor(day + 0.5))).isoformat()

    emp = employee_table(list(events))
    leads = getattr(emp, "is_lead", np.zeros(len(emp.employee), dtype=bool))
    employees = []
    for i in range(len(emp.employee)):
        if leads[i]:
            continue
        kind = str(emp.exit_kind[i])
        resigned = math.isfinite(emp.resign[i]) and kind in ("", "resignation")
        employees.append(
            {
                "employee_id": f"E{int(emp.employee[i]):05d}",
                "location": location,
                "role": role,
                "hire_date": date(emp.start[i]),
                "resignation_date": date(emp.resign[i]) if resigned else "",
                "exit_date": date(emp.exit[i]) if math.isfinite(emp.exit[i]) else "",
                "exit_kind": kind,
            }
        )
    req = requisition_table(list(events))
    requisitions = []
    for i in range(len(req.requisition)):
        accepted = math.isfinite(req.accepted[i])
        closed = math.isfinite(req.closed[i])
        no_show = bool(req.no_show[i])
        requisitions.append(
            {
                "requisition_id": f"R{int(req.requisition[i]):05d}",
                "location": location,
                "role": role,
                "reason": str(req.reason[i]),
                "opened_date": date(req.opened[i]),
                "filled_date": date(req.accepted[i]) if accepted else "",
                "cancelled_date": "",
                "start_date": date(req.closed[i]) if closed and not no_show else "",
                "no_show": ("true" if no_show else "false") if closed else "",
                "offers_made": str(int(req.offers_declined[i]) + 1) if accepted else "",
                "offers_accepted": "1" if accepted else "",
            }
        )
    as_of = start + dt.timedelta(days=math.floor(horizon_days + 0.5))
    return employees, requisitions, as_of


def write_csv(path: str | Path, rows: Sequence[dict[str, str]], force: bool = False) -> Path:
    """Write dict rows as CSV (columns from the first row), atomically."""
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return write_text_atomic(path, buf.getvalue(), force)
