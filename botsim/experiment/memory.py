"""The memory a run, comparison or sweep would need, estimated before anything runs.

A run keeps its result tables (one summary row per replication, one series row per
replication and month) until its folder is written, and each worker holds one replication in
flight. :func:`estimate_run_memory` adds these up from the scenario's declared result columns
(:mod:`botsim.metrics.catalogue`: nothing is simulated to learn them), and
:func:`check_run_memory` and :func:`check_study_memory` refuse a study up front
(:class:`botsim.inputs.limits.LimitError`) when the estimate exceeds the share of the available
memory it may use (:attr:`botsim.inputs.limits.Limits.memory_fraction`).

Since issue 19 every command (run, compare, sweep) streams its monthly series to disk chunk by
chunk instead of holding them: the estimate counts the series of only as many replications as
a command holds at once (:func:`held_series_replications`: the report's figure sample), and
every replication's summary row, which is held. It is a refusal threshold that errs high, not a
forecast of the peak (benchmarks/README.md has measured peaks).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from pathlib import Path

from botsim.inputs.limits import DEFAULT_LIMITS, LimitError, Limits, planned_peak_headcount
from botsim.inputs.scenario import Scenario
from botsim.metrics.catalogue import columns as catalogue_columns

# --- memory model -----------------------------------------------------------------------------
# Measured with tracemalloc around run_experiment on scenarios/manila-finance-20.yaml for horizons
# of 12 and 48 months and 30 and 120 replications (53 summary columns, 43 series columns), then
# fitted as peak = a + b*R + c*R*(H+1): b = 8.7 KB per summary row (165 B per value) and
# c = 1.2 KB per monthly row (28 B per value). The peak holds each replication's dict and arrays
# *and* the concatenated DataFrames, about three times what stays resident afterwards. The
# constants below are per value, rounded up, so the estimate follows the number of columns.
SUMMARY_VALUE_BYTES = 200
"""Peak bytes per value of a replication's summary row (measured 165 B)."""
SERIES_VALUE_BYTES = 32
"""Peak bytes per value of a (replication, month) row of the monthly series (measured 28 B)."""
TABLES_BASE_BYTES = 500_000
"""Fixed cost of building the result tables and the lifecycle metrics of one replication
(measured intercept 70 KB before the lifecycle metrics; a 30-replication, 12-month Manila run
peaked at 1.26 MB after them, 2026-11-25: rounded up)."""
# One replication in flight (per worker): the employee-by-month matrix of the effective-FTE
# computation and the event list. Measured on the same scenario at 1 000 seats for 36 and 72
# months: 4.7 MB and 9.5 MB, about 30-40 B per employee-month plus ~250 B per event record.
EMPLOYEE_MONTH_BYTES = 40
EVENT_BYTES = 250
EVENTS_PER_EMPLOYEE = 5
"""Hire, resignation, exit and requisition events per employee (measured 4.97 and 5.17)."""
BASE_BYTES = 50_000_000
"""Interpreter, numpy/pandas/simpy and the scenario itself (assumption, rounded up)."""
WORKER_PROCESS_BYTES = 50_000_000
"""Resident memory of one worker process of a local pool, before its replication in flight.
Measured 2026-12-03 (Python 3.11, Linux, 2 cores): process-pool workers after four chunks of 20
replications of the shipped manila-finance-20, growth-waves-50 and split-ph-co held 39-40 MB
resident (VmRSS; 18-19 MB proportional and 9-10 MB private after chunks of the 12-month Manila:
the rest is shared copy-on-write with the forkserver, which held 48 MB). The resident figure is
used, since shared pages may be copied, rounded up to 50 MB; a pool of W workers counts W + 1
processes (the forkserver). Dask's local workers are counted the same (assumption).
tests/model/test_executors.py measures a worker again."""


FIGURE_SERIES_REPLICATIONS = 2_000
"""The report's figure sample, shared between the groups of a study
(``botsim.report.study.SERIES_REPLICATIONS``; tests/unit/test_loader.py checks they agree): the
most monthly series a streaming command holds at once. The chunks in flight (two per worker, of
about a quarter of a second of work: tens of replications) and the writer's row group (50,000
rows, about 1,350 replications of 36 months) hold fewer."""
FIGURE_SERIES_MIN_PER_GROUP = 500
"""At least this many replications per group in the figure sample
(``botsim.report.study.SERIES_MIN_PER_GROUP``)."""


def held_series_replications(replications: int, groups: int = 1) -> int:
    """Replications whose monthly series a run, comparison or sweep of ``groups`` experiments
    of ``replications`` each holds in memory at once: they are streamed to disk chunk by chunk,
    and the report reads back its figure sample (:data:`FIGURE_SERIES_REPLICATIONS` shared
    between the groups, at least :data:`FIGURE_SERIES_MIN_PER_GROUP` each), never more than
    all of them."""
    per_group = max(FIGURE_SERIES_REPLICATIONS // max(groups, 1), FIGURE_SERIES_MIN_PER_GROUP)
    return min(replications, per_group) * groups


def _expected_employees(scenario: Scenario) -> float:
    """Upper-end guess of people ever employed: seats x (1 + worst hazard x years)."""
    years = scenario.horizon_months / 12
    total = 0.0
    for role in scenario.roles:
        seats = max(step.headcount for step in role.plan)
        attrition = scenario.attrition_for(role)
        rates = [band.voluntary + band.involuntary for band in attrition.bands]
        worst = max(rates, default=0.0)
        if attrition.definition == "cohort_probability":
            worst = -math.log1p(-min(worst, 0.999))
        total += seats * (1 + worst * years)
    return total


def result_column_names(scenario: Scenario) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(summary, series) column names of ``scenario``'s result tables, ``replication``
    included: declared by the metric catalogue (its families expanded for the scenario's roles
    and locations), so nothing is simulated to learn them."""
    return (
        ("replication", *catalogue_columns(scenario, "summary")),
        ("replication", *catalogue_columns(scenario, "series")),
    )


def result_columns(scenario: Scenario) -> tuple[int, int]:
    """(summary, series) column counts (:func:`result_column_names`)."""
    summary, series = result_column_names(scenario)
    return len(summary), len(series)


def worker_processes(workers: int) -> int:
    """Processes a local pool of ``workers`` adds beside this one: none for one worker (it runs
    here), else the workers and the forkserver they are started from."""
    return 0 if workers <= 1 else workers + 1


def _row_bytes(scenario: Scenario, columns: tuple[int, int] | None) -> tuple[int, int]:
    """Peak bytes of one replication's summary row and of its monthly series."""
    summary_columns, series_columns = columns or result_columns(scenario)
    months = scenario.horizon_months + 1
    return summary_columns * SUMMARY_VALUE_BYTES, months * series_columns * SERIES_VALUE_BYTES


def _fixed_bytes(scenario: Scenario, workers: int) -> int:
    """The part that does not grow with the replications: interpreter and tables' base, the
    worker processes, and one replication in flight per worker."""
    months = scenario.horizon_months + 1
    employees = _expected_employees(scenario)
    in_flight = employees * (months * EMPLOYEE_MONTH_BYTES + EVENTS_PER_EMPLOYEE * EVENT_BYTES)
    processes = worker_processes(workers) * WORKER_PROCESS_BYTES
    return int(BASE_BYTES + TABLES_BASE_BYTES + processes + workers * in_flight)


def estimate_run_memory(
    scenario: Scenario,
    replications: int,
    workers: int = 1,
    columns: tuple[int, int] | None = None,
    series_replications: int | None = None,
) -> int:
    """Bytes a run of ``replications`` is expected to hold at its peak (rounded-up estimate).

    ``BASE + TABLES_BASE + R * S * SUMMARY_VALUE + R_s * (H + 1) * T * SERIES_VALUE`` for the
    result tables: every replication's summary row (S summary columns, see
    :func:`result_columns`) and the monthly series (T columns) of the ``R_s`` replications held
    at once (``series_replications``; default :func:`held_series_replications`: the series
    are streamed to disk; pass ``R`` for a run that keeps them all in memory), plus, per worker,
    one replication in flight: ``employees * ((H + 1) * EMPLOYEE_MONTH + EVENTS_PER_EMPLOYEE *
    EVENT)``, plus the worker processes themselves (:func:`worker_processes` x
    ``WORKER_PROCESS_BYTES``). Pass the workers that will really start
    (:func:`botsim.experiment.executors.cap_workers`).
    """
    if replications < 0 or workers < 1:
        raise LimitError(
            f"replications must be >= 0 and workers >= 1, got {replications} and {workers}"
        )
    if series_replications is None:
        series_replications = held_series_replications(replications)
    summary_row, series = _row_bytes(scenario, columns)
    return int(
        _fixed_bytes(scenario, workers)
        + replications * summary_row
        + min(series_replications, replications) * series
    )


def _cgroup_available() -> int | None:
    """Memory left under a cgroup v2 limit (containers), if one is set and readable."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return None


def available_memory() -> int | None:
    """Bytes of memory available to this process now, or None when it cannot be told.

    Linux ``MemAvailable`` (free plus reclaimable cache) if readable, else
    ``os.sysconf`` free physical pages; the lower of that and any cgroup v2 limit.
    """
    candidates: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                candidates.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError, IndexError):
        pass
    if not candidates:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    cgroup = _cgroup_available()
    if cgroup is not None:
        candidates.append(cgroup)
    return min(candidates) if candidates else None


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def check_run_memory(
    scenario: Scenario,
    replications: int,
    available: int | None = None,
    workers: int = 1,
    limits: Limits = DEFAULT_LIMITS,
) -> int:
    """Refuse (:class:`LimitError`) a run whose estimate exceeds the memory it may use.

    ``available`` defaults to :func:`available_memory`; when that cannot be told the run is
    allowed. Returns the estimate in bytes.
    """
    what = (
        f"a run of {replications:,} replications of {scenario.name!r} "
        f"({scenario.horizon_months} months, {planned_peak_headcount(scenario):,} seats)"
    )
    return check_study_memory(
        [scenario],
        replications,
        what,
        ", a shorter horizon or a smaller team",
        available,
        workers,
        limits,
    )


def check_study_memory(
    scenarios: Sequence[Scenario],
    replications: int,
    what: str,
    advice: str = "",
    available: int | None = None,
    workers: int = 1,
    limits: Limits = DEFAULT_LIMITS,
) -> int:
    """Refuse (:class:`LimitError`) a run, comparison or sweep (the experiments ``scenarios``
    of ``replications`` each, run on one executor) whose estimate exceeds the memory it may
    use.

    The estimate is :func:`estimate_run_memory`'s: the largest fixed part (base, the worker
    processes, one replication in flight per worker), every experiment's summary rows (held
    until the folder is written) and the monthly series of the replications held at once
    (:func:`held_series_replications`, shared between the experiments; the rest is streamed to
    disk). ``what`` names the study in the refusal, ``advice`` ends it. Returns the estimate in
    bytes.
    """
    held = held_series_replications(replications, len(scenarios)) / max(len(scenarios), 1)
    fixed = summaries = series = 0
    for scenario in scenarios:
        columns = result_columns(scenario)
        fixed = max(fixed, _fixed_bytes(scenario, workers))
        summary_row, series_row = _row_bytes(scenario, columns)
        summaries += replications * summary_row
        series += held * series_row
    estimate = int(fixed + summaries + series)
    if available is None:
        available = available_memory()
    if available is None:
        return estimate
    allowed = available * limits.memory_fraction
    if estimate > allowed:
        per_rep = summaries / max(replications, 1)
        room = allowed - fixed - series
        fit = max(int(room // per_rep), 0) if per_rep > 0 else 0
        processes = worker_processes(workers)
        on_workers = (
            f" ({_mb(processes * WORKER_PROCESS_BYTES)} of it for {workers} worker processes "
            "and their forkserver: fewer --workers need less)"
            if processes
            else ""
        )
        raise LimitError(
            f"{what} would need about {_mb(estimate)} of memory{on_workers}, above the "
            f"{_mb(allowed)} it may use ({limits.memory_fraction:.0%} of {_mb(available)} "
            "available); "
            + (
                f"use at most about {fit:,} replications"
                if fit
                else "not even one replication fits"
            )
            + advice
        )
    return estimate


def check_memory(
    scenarios: Sequence[Scenario],
    replications: int,
    workers: int | None,
    what: str | None = None,
    advice: str = "",
) -> str:
    """Refuse (:class:`LimitError`) a study whose results and workers would not fit in memory:
    one run when ``what`` is None (:func:`check_run_memory`), else the experiments of a
    comparison or sweep (:func:`check_study_memory`; ``what`` names them, ``advice`` ends the
    message). ``workers`` None counts all cores.
    Returns a line saying what was estimated."""
    from botsim.experiment.executors import default_workers

    workers = workers or default_workers()
    available = available_memory()
    if what is None:
        need = check_run_memory(scenarios[0], replications, available, workers=workers)
    else:
        need = check_study_memory(scenarios, replications, what, advice, available, workers)
    room = (
        f", {available * DEFAULT_LIMITS.memory_fraction / 1e6:,.0f} MB may be used"
        if available
        else ""
    )
    # An upper estimate (the constants above are rounded up; the shipped sweep's measured
    # peak is 2.2-2.4 times lower: benchmarks/README.md, "Session 9"), so it is printed as one.
    return f"memory: at most about {need / 1e6:,.0f} MB with {workers} worker(s){room}"
