"""Replications: one (``simulate``) or many (``run_experiment``), in deterministic order.

Each replication is rebuilt from (root seed, replication index) alone, so results do not depend
on how replications are grouped into chunks or which worker runs them. Results are always
sorted by replication index. A replication that raises is recorded as a failure (index, seed,
traceback); the others continue.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from botsim.metrics import replication_metrics
from botsim.model.engagement import run_replication
from botsim.records import Event
from botsim.scenario import Scenario


@dataclass(frozen=True)
class ReplicationResult:
    """Summary row, monthly series and (optionally) the events of one replication."""

    replication: int
    summary: dict[str, Any]
    series: dict[str, np.ndarray]
    events: list[Event] | None = None


@dataclass(frozen=True)
class ReplicationFailure:
    replication: int
    seed: int
    error: str


def simulate(
    scenario: Scenario, seed: int | None = None, replication: int = 0, keep_events: bool = False
) -> ReplicationResult:
    """Run one replication of ``scenario``; ``seed`` defaults to the scenario's seed."""
    seed = scenario.seed if seed is None else seed
    recorder = run_replication(scenario, seed, replication)
    summary, series = replication_metrics(scenario, recorder.events)
    return ReplicationResult(replication, summary, series, recorder.events if keep_events else None)


def run_chunk(
    scenario: Scenario, seed: int, replications: Sequence[int]
) -> tuple[list[ReplicationResult], list[ReplicationFailure]]:
    """Run a group of replications (top-level so any executor can ship it to a worker)."""
    done, failed = [], []
    for rep in replications:
        try:
            done.append(simulate(scenario, seed, rep))
        except Exception:  # one bad replication must not sink the run: record it
            failed.append(ReplicationFailure(rep, seed, traceback.format_exc()))
    return done, failed


@dataclass
class ExperimentResult:
    """All replications of one scenario, as tidy tables sorted by replication."""

    scenario: Scenario
    seed: int
    replications: int
    summary: Any  # pandas.DataFrame, one row per replication
    timeseries: Any  # pandas.DataFrame, one row per (replication, month)
    failures: list[ReplicationFailure] = field(default_factory=list)
    wall_time: float = 0.0


def results_to_frames(results: list[ReplicationResult]) -> tuple[Any, Any]:
    """Tidy summary and time-series DataFrames, sorted by replication."""
    import pandas as pd

    results = sorted(results, key=lambda r: r.replication)
    summary = pd.DataFrame([{"replication": r.replication, **r.summary} for r in results])
    if results:
        keys = list(results[0].series)
        columns = {
            "replication": np.concatenate(
                [np.full(len(r.series["month"]), r.replication) for r in results]
            )
        }
        for key in keys:
            columns[key] = np.concatenate([r.series[key] for r in results])
        series = pd.DataFrame(columns)
    else:
        series = pd.DataFrame()
    return summary, series


def run_experiment(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    chunk_size: int = 25,
    progress: Callable[[int], None] | None = None,
) -> ExperimentResult:
    """Run ``replications`` replications serially; ``progress(n)`` is called after each chunk."""
    replications = scenario.replications if replications is None else replications
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    results: list[ReplicationResult] = []
    failures: list[ReplicationFailure] = []
    for lo in range(0, replications, chunk_size):
        chunk = range(lo, min(lo + chunk_size, replications))
        done, failed = run_chunk(scenario, seed, chunk)
        results += done
        failures += failed
        if progress is not None:
            progress(len(chunk))
    summary, series = results_to_frames(results)
    return ExperimentResult(
        scenario=scenario,
        seed=seed,
        replications=replications,
        summary=summary,
        timeseries=series,
        failures=sorted(failures, key=lambda f: f.replication),
        wall_time=time.perf_counter() - started,
    )
