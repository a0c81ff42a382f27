"""Replications: one (``simulate``) or many (``run_experiment``), in deterministic order.

Each replication is rebuilt from (root seed, replication index) alone, so results do not depend
on how replications are grouped into chunks, which executor runs them (this process, a local
process pool, a Dask cluster) or which worker finishes first: tables are always assembled in
replication order. A replication that raises is recorded as a failure (index, seed, traceback);
the others continue.

Replications travel in *chunks* of consecutive indices, sized from measured run time so each
carries enough work (about a quarter of a second) to make the hand-off cheap. A chunk can be
saved as soon as it finishes (``store``), which is what makes a run resumable: on restart the
saved chunks are loaded and only the missing replications are run. While a process pool's
workers start (about half a second), this process runs short chunks itself, up to half of the
replications.

With ``precision`` the number of replications is chosen by the sequential procedure of Law &
Kelton (Simulation Modeling and Analysis, §9.4.1): replications are added in batches until the
95% confidence half-width of every chosen metric is within γ′ = γ/(1+γ) of the magnitude of its
mean, which bounds the *relative* error by γ. Stopping is decided only at batch boundaries, on
replications 0..n-1, so the count needed is the same on every executor.
"""

from __future__ import annotations

import logging
import math
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from botsim.inputs.scenario import Scenario
from botsim.metrics import catalogue
from botsim.metrics.replication import replication_metrics
from botsim.model.engagement import run_replication
from botsim.model.records import Event
from botsim.model.tasks import garbage_collected_once

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.25
"""Target run time of one chunk: well above the ~ms cost of shipping it to a worker."""
FIRST_CHUNK = 4
"""Size of the first chunks, before any run time has been measured."""
COMPACT_AFTER = 256
"""Chunks held before adjacent ones are merged (bounds per-chunk overhead in long runs)."""
LOCAL_CHUNK_SECONDS = 0.1
"""Run time of a chunk run in this process while the workers start: short, so the workers,
once up, do not wait for it."""
DEFAULT_PRECISION_METRICS = catalogue.precision_defaults()
"""The metrics ``--precision`` applies to unless told (declared in the metric catalogue)."""


@dataclass(frozen=True)
class ReplicationResult:
    """Summary row, monthly series and (optionally) the events of one replication."""

    replication: int
    summary: dict[str, Any]
    series: dict[str, np.ndarray]
    events: list[Event] | None = None


@dataclass(frozen=True)
class ReplicationFailure:
    """A replication that raised: its index, the root seed that rebuilds it, the traceback."""

    replication: int
    seed: int
    error: str

    @property
    def message(self) -> str:
        """The exception itself (type and message), without the stack: for one-line summaries."""
        return failure_message(self.error)


FAILURE_MESSAGE_CHARS = 300
"""Longest error message quoted in a console summary of failures (the rest is in the file)."""


def failure_message(error: str) -> str:
    """The last exception of a formatted traceback ("OverflowError: ..."), on one line."""
    lines = [line for line in error.rstrip().splitlines() if line.strip()]
    frames = [k for k, line in enumerate(lines) if line.startswith("  File ")]
    k = frames[-1] + 1 if frames else 0
    while frames and k < len(lines) and lines[k].startswith("    "):  # the frame's source
        k += 1
    tail = lines[k:] or lines[-1:]
    text = " ".join(line.strip() for line in tail) or "unknown error"
    if len(text) > FAILURE_MESSAGE_CHARS:
        text = text[: FAILURE_MESSAGE_CHARS - 3] + "..."
    return text


def summarise_failures(failures: Sequence[Any], total: int) -> str:
    """How many of ``total`` replications failed, and the first error, in two lines.

    ``failures`` holds ReplicationFailure objects or their saved form (dicts with
    ``replication`` and ``error``, and ``scenario`` or ``point`` for comparisons and sweeps).
    """
    first = failures[0]
    first = first if isinstance(first, dict) else first.__dict__
    where = "".join(
        f"{key} {first[key]}, " for key in ("scenario", "point") if first.get(key) is not None
    )
    head = (
        f"every replication failed ({len(failures)} of {total})"
        if len(failures) >= total
        else f"{len(failures)} of {total} replication(s) failed"
    )
    return (
        f"{head}; first error ({where}replication {first['replication']}): "
        f"{failure_message(first['error'])}"
    )


def simulate(
    scenario: Scenario, seed: int | None = None, replication: int = 0, keep_events: bool = False
) -> ReplicationResult:
    """Run one replication of ``scenario``; ``seed`` defaults to the scenario's seed."""
    seed = scenario.seed if seed is None else seed
    with garbage_collected_once():
        recorder = run_replication(scenario, seed, replication, keep_events)
        summary, series = replication_metrics(scenario, recorder, seed, replication)
        events = recorder.events if keep_events else None
        # Freed here, with the collector still paused: the collector counts the records as new
        # objects until they are freed, and one that resumes while they live (~800 records
        # with 60 month-ends) collects at once and moves them all to an older generation.
        del recorder
    return ReplicationResult(replication, summary, series, events)


# -- chunks ----------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    """Consecutive replications run together, as columns (compact to ship and to store).

    ``replications`` lists every index of the chunk, failed ones included; ``summary`` has one
    value per *successful* replication (``summary["replication"]`` says which), ``series`` one
    row per (successful replication, month). ``series`` is ``None`` once it has been left on
    disk by a store.
    """

    replications: list[int]
    summary: dict[str, np.ndarray]
    series: dict[str, np.ndarray] | None
    failures: list[ReplicationFailure]
    elapsed: float = 0.0

    @property
    def first(self) -> int:
        return self.replications[0]


def _column(values: Any) -> np.ndarray:
    """One column as a plain (never object) numpy array: None becomes NaN, else text.

    Plain arrays can be saved and loaded without pickle, and give the same dtypes however
    replications are grouped.
    """
    arr = np.asarray(values)
    if arr.dtype == object:
        items = arr.tolist()
        if all(v is None or isinstance(v, (int, float)) for v in items):
            arr = np.asarray([math.nan if v is None else v for v in items], dtype=float)
        else:
            arr = np.asarray(["" if v is None else str(v) for v in items])
    return arr


def _summary_columns(rows: list[tuple[int, dict[str, Any]]]) -> dict[str, np.ndarray]:
    keys: dict[str, None] = {}
    for _, row in rows:
        keys.update(dict.fromkeys(row))
    columns = {"replication": np.asarray([rep for rep, _ in rows], dtype=np.int64)}
    for key in keys:
        columns[key] = _column([row.get(key) for _, row in rows])
    return columns


def _series_columns(results: list[ReplicationResult]) -> dict[str, np.ndarray]:
    if not results:
        return {"replication": np.zeros(0, dtype=np.int64)}
    lengths = [len(next(iter(r.series.values()))) if r.series else 0 for r in results]
    columns = {
        "replication": np.concatenate(
            [np.full(n, r.replication, dtype=np.int64) for r, n in zip(results, lengths)]
        )
    }
    for key in results[0].series:
        columns[key] = _column(np.concatenate([r.series[key] for r in results]))
    return columns


def run_chunk(scenario: Scenario, seed: int, replications: Sequence[int]) -> ChunkResult:
    """Run a group of replications (top-level so any executor can ship it to a worker)."""
    started = time.perf_counter()
    done: list[ReplicationResult] = []
    failed: list[ReplicationFailure] = []
    for rep in replications:
        try:
            done.append(simulate(scenario, seed, rep))
        except Exception:  # one bad replication must not sink the run: record it
            failed.append(ReplicationFailure(int(rep), int(seed), traceback.format_exc()))
    return ChunkResult(
        replications=[int(r) for r in replications],
        summary=_summary_columns([(r.replication, r.summary) for r in done]),
        series=_series_columns(done),
        failures=failed,
        elapsed=time.perf_counter() - started,
    )


def concat_columns(parts: Iterable[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate column dicts (already in replication order); absent columns become NaN."""
    parts = [p for p in parts if len(p.get("replication", ())) or len(p) > 1]
    keys: dict[str, None] = {}
    for part in parts:
        keys.update(dict.fromkeys(part))
    out: dict[str, np.ndarray] = {}
    for key in keys:
        pieces = []
        for part in parts:
            if key in part:
                pieces.append(part[key])
            else:
                pieces.append(np.full(len(part["replication"]), math.nan))
        out[key] = np.concatenate(pieces) if pieces else np.zeros(0)
    if not out:
        out["replication"] = np.zeros(0, dtype=np.int64)
    return out


def columns_to_frame(columns: dict[str, np.ndarray]) -> Any:
    import pandas as pd

    return pd.DataFrame(columns)


# -- stores and progress ---------------------------------------------------------------------


class ChunkStore(Protocol):
    """Where finished chunks are kept as they finish (a run folder under construction)."""

    def completed_chunks(self) -> Iterable[ChunkResult]:
        """Chunks saved earlier (for resuming), ``series`` left on disk (``None``)."""

    def save_chunk(self, chunk: ChunkResult) -> None:
        """Persist one finished chunk; raise ``OSError`` if it cannot be written."""

    def load_series(self) -> Any:
        """The monthly series of every saved chunk as one DataFrame, in replication order."""

    def series_parts(self) -> Iterable[dict[str, np.ndarray]]:
        """The monthly series of every saved chunk, one chunk at a time, in replication order."""


class Progress(Protocol):
    def advance(self, n: int) -> None: ...

    def set_total(self, total: int) -> None: ...


class _CallbackProgress:
    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self.callback = callback

    def advance(self, n: int) -> None:
        if self.callback is not None:
            self.callback(n)

    def set_total(self, total: int) -> None:
        pass


# -- adaptive replications -------------------------------------------------------------------


@dataclass(frozen=True)
class Precision:
    """Relative precision γ for the sequential procedure, and its bounds.

    Stop at the first batch boundary n where, for every metric, the 95% CI half-width h of the
    mean satisfies h / |mean| ≤ γ/(1+γ). Time-to metrics censored at the horizon enter as the
    horizon itself (a restricted mean, min(T, horizon), which is well defined however many
    replications are censored); other missing values are left out. A metric whose mean is 0 or
    undefined never meets a relative criterion, so the run then stops at ``max_replications``
    and says so.
    """

    relative: float
    metrics: tuple[str, ...] = DEFAULT_PRECISION_METRICS
    min_replications: int = 100
    max_replications: int = 10_000
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.relative < 1:
            raise ValueError(f"precision must be between 0 and 1, got {self.relative}")
        if not self.metrics:
            raise ValueError("precision needs at least one metric")
        if not 2 <= self.min_replications <= self.max_replications:
            raise ValueError(
                "need 2 <= min replications <= max replications, got "
                f"{self.min_replications} and {self.max_replications}"
            )

    @property
    def target(self) -> float:
        """γ′ = γ/(1+γ): the bound on half-width/|mean| that bounds the relative error by γ."""
        return self.relative / (1 + self.relative)

    def as_dict(self) -> dict[str, Any]:
        return {
            "relative": self.relative,
            "metrics": list(self.metrics),
            "min_replications": self.min_replications,
            "max_replications": self.max_replications,
            "confidence": self.confidence,
        }


class UnknownMetricError(ValueError):
    """A precision metric that is not a numeric summary column of the scenario."""


def check_precision_metrics(scenario: Scenario, metrics: Sequence[str], seed: int = 0) -> None:
    """Raise :class:`UnknownMetricError` (a ``ValueError``) naming the valid choices if a
    metric is not a numeric summary column of ``scenario`` (read from the metric catalogue;
    ``seed`` is not used any more)."""
    numeric = catalogue.numeric_summary_metrics(scenario)
    unknown = [m for m in metrics if m not in numeric]
    if unknown:
        raise UnknownMetricError(
            f"unknown precision metric(s) {', '.join(unknown)}; choose from: {', '.join(numeric)}"
        )


def precision_status(
    summary: dict[str, np.ndarray], precision: Precision, horizon_months: float
) -> dict[str, Any]:
    """Mean, half-width and relative half-width of each metric; ``met`` if all within γ′."""
    from scipy import stats as st

    metrics: dict[str, Any] = {}
    n_rep = len(summary.get("replication", ()))
    for name in precision.metrics:
        values = np.asarray(summary.get(name, np.full(n_rep, math.nan)), dtype=float)
        timed = catalogue.censored_metric(name)
        censored_flags = summary.get(timed.flag) if timed is not None else None
        censored = (
            np.asarray(censored_flags, dtype=bool)
            if censored_flags is not None
            else np.zeros(len(values), dtype=bool)
        )
        values = np.where(censored, float(horizon_months), values)
        values = values[~np.isnan(values)]
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        if n >= 2:
            t = st.t.ppf(0.5 + precision.confidence / 2, n - 1)
            half = float(t * values.std(ddof=1) / math.sqrt(n))
        else:
            half = math.nan
        relative = half / abs(mean) if n >= 2 and mean != 0 else math.inf
        metrics[name] = {
            "n": n,
            "mean": mean,
            "half_width": half,
            "relative_half_width": relative,
            "censored_share": float(censored.mean()) if len(censored) else math.nan,
            "met": bool(relative <= precision.target),
        }
    return {"met": all(m["met"] for m in metrics.values()), "metrics": metrics}


def _next_count(n: int, status: dict[str, Any], precision: Precision) -> int:
    """Next batch boundary: the count the current variance estimates call for, at least +10%
    and at most double (estimates from few replications are rough), capped at the maximum."""
    needed = n
    for m in status["metrics"].values():
        rel = m["relative_half_width"]
        if not m["met"]:
            needed = max(
                needed, math.ceil(n * (rel / precision.target) ** 2) if rel < math.inf else 2 * n
            )
    step = min(max(needed, n + max(1, math.ceil(0.1 * n))), 2 * n)
    return min(step, precision.max_replications)


# -- the experiment --------------------------------------------------------------------------


class _LazyFrame:
    """A dataclass field whose value may be a zero-argument loader, called on first access.

    Lets a large run hand back its monthly series without holding them in memory: they stay
    on disk until someone reads ``result.timeseries``.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}_value"

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return None  # dataclass default
        value = obj.__dict__.get(self._slot)
        if isinstance(value, _Loader):
            value = value()
            obj.__dict__[self._slot] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self._slot] = value


class _Loader:
    def __init__(self, load: Callable[[], Any]) -> None:
        self.load = load

    def __call__(self) -> Any:
        return self.load()


@dataclass
class ExperimentResult:
    """All replications of one scenario, as tidy tables sorted by replication."""

    scenario: Scenario
    seed: int
    replications: int
    summary: Any  # pandas.DataFrame, one row per replication
    timeseries: Any = _LazyFrame()  # pandas.DataFrame, one row per (replication, month)
    failures: list[ReplicationFailure] = field(default_factory=list)
    wall_time: float = 0.0
    executor: str = "in-process"
    precision: dict[str, Any] | None = None

    def timeseries_from(
        self, load: Callable[[], Any], parts: Callable[[], Iterable[Any]] | None = None
    ) -> None:
        """Read the time series lazily with ``load()`` (used by run folders); ``parts()``, when
        given, yields it chunk by chunk (:meth:`series_parts`)."""
        self.timeseries = _Loader(load)
        self.__dict__["_series_parts"] = parts

    @property
    def timeseries_loaded(self) -> bool:
        return not isinstance(self.__dict__.get("_timeseries_value"), _Loader)

    def series_parts(self) -> Iterable[Any]:
        """The monthly series in replication order, in parts (column dicts or one DataFrame):
        chunk by chunk from the chunk store while they are on disk, so a writer never holds
        them all (:func:`botsim.experiment.outputs.write_series_parquet`)."""
        parts = self.__dict__.get("_series_parts")
        if parts is not None and not self.timeseries_loaded:
            return parts()
        return [self.timeseries]


class _Runner:
    """Submits chunks of the missing replications and collects them in replication order."""

    def __init__(self, scenario, seed, backend, store, progress, chunk_size) -> None:
        self.scenario = scenario
        self.seed = seed
        self.backend = backend
        self.store = store
        self.progress = progress
        self.fixed_chunk = chunk_size
        self.chunks: dict[int, ChunkResult] = {}
        self._compact_at = COMPACT_AFTER
        self.done: set[int] = set()
        self.seconds_per_rep: float | None = None
        if store is not None:
            for chunk in store.completed_chunks():
                self._add(chunk)
            if self.done:
                log.info("resuming: %d replication(s) already saved", len(self.done))

    def _add(self, chunk: ChunkResult) -> None:
        self.chunks[chunk.first] = chunk
        self.done.update(chunk.replications)
        if len(self.chunks) >= self._compact_at:
            self._compact()
            self._compact_at = max(COMPACT_AFTER, 2 * len(self.chunks))

    def _compact(self) -> None:
        """Merge runs of adjacent chunks: thousands of small chunks would otherwise cost
        thousands of small arrays. Row filtering by index (``_below``) keeps this invisible."""
        merged: dict[int, ChunkResult] = {}
        run: list[ChunkResult] = []

        def close_run() -> None:
            if len(run) == 1:
                merged[run[0].first] = run[0]
            elif run:
                series = [c.series for c in run]
                merged[run[0].first] = ChunkResult(
                    replications=[r for c in run for r in c.replications],
                    summary=concat_columns(c.summary for c in run),
                    series=None if any(x is None for x in series) else concat_columns(series),
                    failures=[f for c in run for f in c.failures],
                    elapsed=sum(c.elapsed for c in run),
                )
            run.clear()

        for first in sorted(self.chunks):
            chunk = self.chunks[first]
            if run and run[-1].replications[-1] + 1 != chunk.first:
                close_run()
            run.append(chunk)
        close_run()
        self.chunks = merged

    def _chunk_size(self, remaining: int, seconds: float | None = None) -> int:
        """Replications per chunk: about ``seconds`` of work (the backend's chunk time by
        default), at least ~2 chunks per worker in the tail."""
        if self.fixed_chunk:
            return self.fixed_chunk
        if self.seconds_per_rep is None:
            size = FIRST_CHUNK
        else:
            target = seconds or getattr(self.backend, "chunk_seconds", CHUNK_SECONDS)
            size = math.ceil(target / max(self.seconds_per_rep, 1e-6))
        # Keep at least ~2 chunks per worker in the tail so no worker idles at the end.
        balance = math.ceil(remaining / (2 * self.backend.workers))
        return max(1, min(size, balance, 5_000))

    def run_until(self, target: int) -> None:
        """Run every replication < ``target`` that is not done yet (:func:`_run_in_turn`)."""
        _run_in_turn([(self, target)], self.backend)

    @staticmethod
    def _next_chunk(todo: list[int], cursor: int, size: int) -> list[int]:
        """Up to ``size`` replications from ``todo[cursor]`` on, consecutive indices only (so
        saved chunks never interleave)."""
        reps = [todo[cursor]]
        while len(reps) < size and cursor + len(reps) < len(todo):
            nxt = todo[cursor + len(reps)]
            if nxt != reps[-1] + 1:
                break
            reps.append(nxt)
        return reps

    def _finish(self, chunk: ChunkResult) -> None:
        per_rep = chunk.elapsed / max(1, len(chunk.replications))
        self.seconds_per_rep = (
            per_rep if self.seconds_per_rep is None else 0.7 * self.seconds_per_rep + 0.3 * per_rep
        )
        log.debug(
            "chunk %d-%d: %d replication(s) in %.3f s",
            chunk.first,
            chunk.replications[-1],
            len(chunk.replications),
            chunk.elapsed,
        )
        if self.store is not None:
            self.store.save_chunk(chunk)
            chunk.series = None  # on disk now; keeps memory flat however long the run
        self._add(chunk)
        self.progress.advance(len(chunk.replications))
        for failure in chunk.failures:
            log.warning("replication %d failed (seed %d)", failure.replication, failure.seed)

    def ordered(self) -> list[ChunkResult]:
        return [self.chunks[k] for k in sorted(self.chunks)]

    def summary_columns(self, below: int) -> dict[str, np.ndarray]:
        return _below(concat_columns(c.summary for c in self.ordered()), below)

    def series_columns(self, below: int) -> dict[str, np.ndarray]:
        return _below(concat_columns(c.series for c in self.ordered()), below)

    def failures(self, below: int) -> list[ReplicationFailure]:
        found = (f for c in self.ordered() for f in c.failures if f.replication < below)
        return sorted(found, key=lambda f: f.replication)


def _below(columns: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Rows of replications < n only (a resumed adaptive run may hold later ones on disk)."""
    keep = columns["replication"] < n
    if keep.all():
        return columns
    return {k: v[keep] for k, v in columns.items()}


def _run_in_turn(work: Sequence[tuple[_Runner, int]], backend: Any) -> list[float | None]:
    """Run, experiment after experiment, every replication < its target that its runner has
    not done yet, on one ``backend``; returns when each experiment's last chunk finished
    (``time.perf_counter()``; None for one with nothing to run).

    The experiments are *pipelined*: once an experiment has no chunk left to submit, the next
    one's chunks are submitted while its last chunks still run, so the workers do not idle at
    the boundary between two experiments (the variants of a sweep, the scenarios of a
    comparison). Only the hand-off order changes: each chunk is rebuilt from (seed,
    replication) alone and each experiment's tables are assembled in replication order, so
    the numbers are the same as running the experiments one after another.

    While the backend's workers are still starting, chunks of the first experiment run in this
    process (at most half of its replications, so the workers still get their share).
    """
    todos = [[r for r in range(target) if r not in runner.done] for runner, target in work]
    left = [len(todo) for todo in todos]  # replications not finished yet, per experiment
    finished: list[float | None] = [None] * len(work)
    unsubmitted = sum(left)
    inflight: dict[Any, int] = {}
    capacity = 2 * backend.workers
    k, cursor = 0, 0

    def done(j: int, chunk: ChunkResult) -> None:
        work[j][0]._finish(chunk)
        left[j] -= len(chunk.replications)
        if left[j] == 0:
            finished[j] = time.perf_counter()

    try:
        while k < len(work) and not todos[k]:
            k += 1
        if k < len(work):
            runner, todo, local_limit = work[k][0], todos[k], len(todos[k]) // 2
            while backend.starting() and cursor < local_limit:
                size = runner._chunk_size(len(todo) - cursor, LOCAL_CHUNK_SECONDS)
                reps = runner._next_chunk(todo, cursor, min(size, local_limit - cursor))
                cursor += len(reps)
                unsubmitted -= len(reps)
                done(k, run_chunk(runner.scenario, runner.seed, reps))
        while True:
            while len(inflight) < capacity:
                while k < len(work) and cursor >= len(todos[k]):
                    previous = work[k][0].seconds_per_rep
                    k, cursor = k + 1, 0
                    if k < len(work) and work[k][0].seconds_per_rep is None:
                        # sizes the first chunks (numbers do not depend on chunk sizes)
                        work[k][0].seconds_per_rep = previous
                if k >= len(work):
                    break
                runner = work[k][0]
                # Balance on everything still to submit: only the last experiment has a tail.
                reps = runner._next_chunk(todos[k], cursor, runner._chunk_size(unsubmitted))
                cursor += len(reps)
                unsubmitted -= len(reps)
                inflight[backend.submit(run_chunk, runner.scenario, runner.seed, reps)] = k
            if not inflight:
                break
            for future in backend.wait(inflight, timeout=0.5):
                done(inflight.pop(future), backend.result(future))
    except BaseException:
        backend.cancel(inflight)
        raise
    return finished


def _open(backend: Any, workers: int | None, scheduler: str | None) -> tuple[Any, bool]:
    """The backend to use, and whether this call opened it (and must close it)."""
    from botsim.experiment.executors import open_backend

    if backend is not None:
        return backend, False
    return open_backend(workers, scheduler), True


def _experiment_result(
    runner: _Runner, n: int, store: ChunkStore | None, wall_time: float, executor: str
) -> ExperimentResult:
    """One experiment's tables from its runner's chunks, in replication order."""
    result = ExperimentResult(
        scenario=runner.scenario,
        seed=runner.seed,
        replications=n,
        summary=columns_to_frame(runner.summary_columns(n)),
        failures=runner.failures(n),
        wall_time=wall_time,
        executor=executor,
    )
    if store is None:
        result.timeseries = columns_to_frame(runner.series_columns(n))
    else:
        result.timeseries_from(store.load_series, getattr(store, "series_parts", None))
    return result


def run_experiments(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | Progress | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    backend: Any = None,
    stores: Sequence[ChunkStore | None] | None = None,
) -> list[ExperimentResult]:
    """Run ``replications`` replications of each of ``scenarios`` with the same ``seed``
    (common random numbers), pipelined on one executor (:func:`_run_in_turn`): the results
    are those of :func:`run_experiment` called on each scenario in turn, without the workers
    idling between two scenarios.

    ``stores`` gives each experiment its chunk store (or None), as ``store`` does for
    :func:`run_experiment`; ``progress`` counts every experiment's replications. Each result's
    ``wall_time`` is its share of the whole: from the previous experiment's end (or the start)
    to its own end, so that they add up to the call's wall time.
    """
    stores = list(stores) if stores is not None else [None] * len(scenarios)
    if len(stores) != len(scenarios):
        raise ValueError(f"{len(scenarios)} scenarios but {len(stores)} chunk stores")
    if progress is None or callable(progress):
        progress = _CallbackProgress(progress)
    started = time.perf_counter()
    backend, own_backend = _open(backend, workers, scheduler)
    try:
        runners = []
        for scenario, store in zip(scenarios, stores):
            note_executor = getattr(store, "note_executor", None)
            if note_executor is not None:
                note_executor(backend.description)  # the run folder says what ran it
            runners.append(_Runner(scenario, seed, backend, store, progress, chunk_size))
        progress.set_total(replications * len(runners))
        progress.advance(sum(1 for r in runners for rep in r.done if rep < replications))
        finished = _run_in_turn([(r, replications) for r in runners], backend)
    finally:
        if own_backend:
            backend.close()
    results = []
    boundary = started
    for k, (runner, store) in enumerate(zip(runners, stores)):
        end = max(boundary, finished[k] or boundary)
        if k == len(runners) - 1:
            end = time.perf_counter()
        results.append(
            _experiment_result(runner, replications, store, end - boundary, backend.description)
        )
        boundary = end
    return results


def run_experiment(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | Progress | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    backend: Any = None,
    store: ChunkStore | None = None,
    precision: Precision | None = None,
) -> ExperimentResult:
    """Run ``replications`` replications (or as many as ``precision`` needs) of ``scenario``.

    ``workers``/``scheduler`` choose the executor (see
    :func:`botsim.experiment.executors.open_backend`;
    the library default is this process), or pass an open ``backend`` to share it between
    experiments. ``progress`` is called with the number of replications finished after each
    chunk (or is an object with ``advance(n)`` and ``set_total(n)``). ``store`` saves each chunk
    as it finishes and supplies chunks saved by an interrupted run, which are not run again.
    """
    replications = scenario.replications if replications is None else replications
    seed = scenario.seed if seed is None else seed
    if precision is None:
        return run_experiments(
            [scenario],
            replications,
            seed,
            chunk_size,
            progress,
            workers=workers,
            scheduler=scheduler,
            backend=backend,
            stores=[store],
        )[0]
    if progress is None or callable(progress):
        progress = _CallbackProgress(progress)
    started = time.perf_counter()
    backend, own_backend = _open(backend, workers, scheduler)
    try:
        note_executor = getattr(store, "note_executor", None)
        if note_executor is not None:
            note_executor(backend.description)  # the run folder says what ran it
        runner = _Runner(scenario, seed, backend, store, progress, chunk_size)
        n = precision.min_replications
        progress.set_total(precision.max_replications)
        progress.advance(len(runner.done))
        while True:
            runner.run_until(n)
            status = precision_status(runner.summary_columns(n), precision, scenario.horizon_months)
            log.info(
                "%d replications: %s",
                n,
                ", ".join(
                    f"{k} ±{v['relative_half_width']:.1%}" for k, v in status["metrics"].items()
                ),
            )
            if status["met"] or n >= precision.max_replications:
                break
            n = _next_count(n, status, precision)
    finally:
        if own_backend:
            backend.close()
    result = _experiment_result(
        runner, n, store, time.perf_counter() - started, backend.description
    )
    result.precision = {
        **precision.as_dict(),
        "target_relative_half_width": precision.target,
        "replications_needed": n,
        "reached": status["met"],
        "metrics": status["metrics"],
    }
    return result
