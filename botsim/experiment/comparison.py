"""Paired comparison of scenarios under common random numbers: what ``botsim compare`` runs.

Every scenario runs with the same root seed, so replication j of each draws from the same
random streams; the difference of a metric between two scenarios, replication by replication,
then carries far less noise than the difference of two independent runs.
:func:`run_comparison` runs the scenarios (sharing one executor) and returns their results
with the paired table of :func:`botsim.stats.compare_summaries`; writing the folder and the
report is :func:`botsim.report.write_compare`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botsim.experiment.runner import ExperimentResult
from botsim.inputs.scenario import Scenario

ADDED_COLUMNS = ("scenario", "group")
"""The columns a comparison adds to the result tables (``scenario`` on every row, ``group``
in the report)."""


def unique_names(names: Sequence[str]) -> list[str]:
    """Scenario names made unique by suffixing -2, -3... (comparing a file with itself is ok)."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name}-{k}", k + 1
        out.append(candidate)
    return out


def chunk_stores(chunks: Path | None, count: int, stream: Any = None) -> list[Any]:
    """One chunk store per experiment of a study (``None`` each without a ``chunks`` folder):
    ``chunks/0001``, ``chunks/0002``... (:class:`botsim.experiment.outputs.ChunkFolder`, the
    store ``botsim run`` saves its chunks in), each attached to ``stream`` when given (a
    :class:`botsim.experiment.outputs.SeriesStream` writing the study's time series while
    it runs)."""
    from botsim.experiment.outputs import ChunkFolder, experiment_chunks

    if chunks is None:
        return [None] * count
    stores = [ChunkFolder(experiment_chunks(chunks, k)) for k in range(count)]
    if stream is not None:
        stores = [stream.attach(store, k) for k, store in enumerate(stores)]
    return stores


def comparison_failures(names: Sequence[str], results: Sequence[Any]) -> list[dict[str, Any]]:
    """The failed replications of every scenario of a comparison, each tagged with its name."""
    return [{"scenario": nm, **f.__dict__} for nm, r in zip(names, results) for f in r.failures]


def check_comparison_columns(scenarios: Sequence[Scenario]) -> str:
    """Raise ``ScenarioError`` if a result column of a scenario is named like one a comparison
    adds (:data:`ADDED_COLUMNS`; the model names its own columns: checked, not assumed).
    Returns a line saying so."""
    from botsim.experiment.memory import result_column_names
    from botsim.inputs.loader import Problem, ScenarioError

    for scenario in scenarios:
        names = result_column_names(scenario)
        clash = sorted(set(ADDED_COLUMNS) & {*names[0], *names[1]})
        if clash:
            raise ScenarioError(
                scenario.name,
                [
                    Problem("", f"result column {c!r} is also the column compare adds")
                    for c in clash
                ],
            )
    return "columns: no result column is named like one compare adds (scenario, group)"


@dataclass
class Comparison:
    """The results of every scenario (same seed and count) and their paired differences.

    ``table`` has one row per (key metric, pair of scenarios): the difference with its
    interval (Bonferroni-adjusted for more than two scenarios), the better scenario and whether
    the difference is significant. Time-to metrics are compared restricted to ``horizon``, the
    shortest horizon of the scenarios.
    """

    names: list[str]
    results: list[ExperimentResult]
    seed: int
    replications: int
    confidence: float
    horizon: int
    table: Any  # pandas.DataFrame
    failures: list[dict[str, Any]] = field(default_factory=list)


def run_comparison(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    *,
    confidence: float = 0.95,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[str, int, int], None] | None = None,
    chunks: Path | None = None,
    stream: Any = None,
    **run_options: Any,
) -> Comparison:
    """Run every scenario with the same seed (common random numbers) and compare them in pairs.

    ``replications`` and ``seed`` default to the first scenario's. ``run_options`` are passed
    to :func:`botsim.experiment.runner.run_experiment` (e.g. ``workers``, ``scheduler``: one
    executor is opened for all scenarios, and the scenarios are pipelined on it:
    :func:`botsim.experiment.runner.run_experiments`). ``on_start(name, replications, seed)``
    is called for each scenario before they run. ``chunks`` is a folder where each scenario's
    replications are saved chunk by chunk as they finish (:func:`chunk_stores`): its monthly
    series then stay on disk, not in memory (``botsim compare`` writes them from there), so
    memory does not grow with the replications; ``stream`` (a
    :class:`botsim.experiment.outputs.SeriesStream`) then writes those series while they run.
    """
    import contextlib

    from botsim.experiment.runner import run_experiments
    from botsim.experiment.sweep import share_backend
    from botsim.stats import compare_summaries

    if len(scenarios) < 2:
        raise ValueError("a comparison needs at least two scenarios")
    names = unique_names([s.name for s in scenarios])
    n = replications or scenarios[0].replications
    seed = seed if seed is not None else scenarios[0].seed
    # One store per experiment in ``chunks``; else a store given (the same for every one).
    given = run_options.pop("store", None)
    count = len(scenarios)
    stores = chunk_stores(chunks, count, stream) if chunks is not None else [given] * count
    if on_start is not None:
        for name in names:
            on_start(name, n, seed)
    with contextlib.ExitStack() as stack:
        options = share_backend(run_options, stack)
        # pipelined: the next scenario's chunks start while the last ones of the previous run
        results = run_experiments(scenarios, n, seed, progress=progress, stores=stores, **options)
    horizon = min(s.horizon_months for s in scenarios)
    summaries = {
        nm: r.summary for nm, r in zip(names, results) if len(getattr(r.summary, "columns", []))
    }
    return Comparison(
        names=names,
        results=results,
        seed=seed,
        replications=n,
        confidence=confidence,
        horizon=horizon,
        table=compare_summaries(summaries, horizon, confidence=confidence),
        failures=comparison_failures(names, results),
    )
