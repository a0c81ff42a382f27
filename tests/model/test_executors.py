"""Executors: same numbers in this process, a process pool and a Dask LocalCluster; results in
replication order whatever finishes first; failures recorded; adaptive replications; resuming."""

from __future__ import annotations

import concurrent.futures as cf
import sys

import pandas as pd
import pytest

from botsim import load_scenario, run_experiment
from botsim.experiment.executors import DASK_MISSING, Backend, ExecutorUnavailable, open_backend
from botsim.experiment.outputs import StagedRun, is_complete
from botsim.experiment.runner import Precision, precision_status
from tests.conftest import SCENARIOS, make_scenario


@pytest.fixture(scope="module")
def manila():
    return load_scenario(SCENARIOS / "manila-finance-20.yaml", ["horizon_months=12"])


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert [f.replication for f in a.failures] == [f.replication for f in b.failures]


def test_identical_in_process_pool_and_dask_cluster(manila) -> None:
    distributed = pytest.importorskip("distributed")
    one = run_experiment(manila, 10, 7, workers=1, chunk_size=3)
    two = run_experiment(manila, 10, 7, workers=2, chunk_size=2)
    assert one.executor == "in-process"
    assert two.executor == "process-pool(workers=2)"
    assert list(one.summary.replication) == list(range(10))
    assert_same(one, two)
    # A real scheduler and two workers on loopback TCP, reached like a remote cluster.
    # Thread workers keep the start-up fast; the worker processes of `--scheduler local`
    # are exercised by the slow test below and by benchmarks/bench_parallel.py.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        dask = run_experiment(manila, 10, 7, scheduler=address, chunk_size=1)
    assert dask.executor == f"dask({address})"
    assert_same(one, dask)


@pytest.mark.slow
def test_identical_on_dask_local_cluster_of_processes(manila) -> None:
    pytest.importorskip("distributed")
    one = run_experiment(manila, 6, 7, workers=1)
    dask = run_experiment(manila, 6, 7, workers=2, scheduler="local", chunk_size=1)
    assert dask.executor == "dask-local-cluster(workers=2)"
    assert_same(one, dask)


def test_local_cluster_workers_keep_glibcs_adaptive_malloc(monkeypatch) -> None:
    """Dask's nannies would start workers with MALLOC_TRIM_THRESHOLD_=65536, which fixes
    glibc's mmap threshold too: every array above 128 KiB is mapped afresh (page faults), and
    chunks run 15-20 % slower than in a pool worker. `--scheduler local` leaves it unset."""
    pytest.importorskip("distributed")
    import os

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with open_backend(1, "local") as backend:
        seen = backend._client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    assert list(seen.values()) == [None]
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ  # nor left in this process's environment


class ReverseBackend(Backend):
    """Runs chunks in this process but reports them finished in reverse submission order."""

    description = "reverse"
    workers = 3

    def submit(self, fn, *args):
        future: cf.Future = cf.Future()
        future.set_result(fn(*args))
        future.order = getattr(self, "_n", 0)
        self._n = future.order + 1
        return future

    def wait(self, futures, timeout):
        return {max(futures, key=lambda f: f.order)}


def test_results_ordered_by_replication_not_completion(manila) -> None:
    backwards = run_experiment(manila, 9, 3, chunk_size=2, backend=ReverseBackend())
    forwards = run_experiment(manila, 9, 3, chunk_size=4)
    assert list(backwards.summary.replication) == list(range(9))
    assert_same(backwards, forwards)


def test_failed_replication_recorded_with_seed_and_others_complete(manila, monkeypatch) -> None:
    import botsim.experiment.runner as experiment

    real = experiment.simulate

    def flaky(scenario, seed=None, replication=0, keep_events=False):
        if replication in (2, 5):
            raise RuntimeError(f"boom in replication {replication}")
        return real(scenario, seed, replication, keep_events)

    monkeypatch.setattr(experiment, "simulate", flaky)
    result = run_experiment(manila, 7, 11, chunk_size=3)
    assert [f.replication for f in result.failures] == [2, 5]
    assert all(f.seed == 11 for f in result.failures)
    assert "RuntimeError: boom in replication 5" in result.failures[1].error
    assert list(result.summary.replication) == [0, 1, 3, 4, 6]
    assert set(result.timeseries.replication) == {0, 1, 3, 4, 6}


def test_precision_stops_at_a_count_meeting_its_own_criterion(manila) -> None:
    precision = Precision(0.15, ("hires", "time_to_full_team"), 10, 400)
    result = run_experiment(manila, seed=5, precision=precision, chunk_size=5)
    report = result.precision
    assert report["reached"] is True
    n = report["replications_needed"]
    assert result.replications == n == len(result.summary)
    assert 10 <= n < 400
    # Re-check the criterion independently on the rows that were kept.
    columns = {k: result.summary[k].to_numpy() for k in result.summary.columns}
    status = precision_status(columns, precision, manila.horizon_months)
    assert status["met"]
    for metric in precision.metrics:
        assert status["metrics"][metric]["relative_half_width"] <= 0.15 / 1.15
    # The same count on another executor: stopping only depends on replications 0..n-1.
    again = run_experiment(manila, seed=5, precision=precision, workers=2)
    assert again.replications == n
    pd.testing.assert_frame_equal(result.summary, again.summary)


def test_precision_unreachable_stops_at_maximum() -> None:
    # No attrition at all: exits are always 0, a mean no relative criterion can be met for.
    scenario = make_scenario(headcount=2, horizon=6)
    precision = Precision(0.05, ("exits",), 4, 12)
    result = run_experiment(scenario, seed=1, precision=precision)
    assert result.precision["reached"] is False
    assert result.replications == 12


def test_precision_treats_censored_times_as_the_horizon() -> None:
    columns = {
        "replication": [0, 1, 2, 3],
        "time_to_full_team": [2.0, float("nan"), 4.0, float("nan")],
        "time_to_full_team_censored": [False, True, False, True],
    }
    precision = Precision(0.5, ("time_to_full_team",), 2, 10)
    status = precision_status(columns, precision, horizon_months=10)["metrics"]["time_to_full_team"]
    assert status["mean"] == pytest.approx((2 + 10 + 4 + 10) / 4)
    assert status["censored_share"] == 0.5


def test_dask_missing_gives_install_hint(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorUnavailable) as err:
        open_backend(2, "local")
    assert str(err.value) == DASK_MISSING
    assert "pip install 'botsim[dask]'" in DASK_MISSING


class StopAfter:
    """A chunk store that is 'killed' (KeyboardInterrupt) after saving ``n`` chunks."""

    def __init__(self, store: StagedRun, n: int) -> None:
        self.store, self.n = store, n

    def completed_chunks(self):
        return self.store.completed_chunks()

    def load_series(self):
        return self.store.load_series()

    def note_executor(self, description: str) -> None:
        self.store.note_executor(description)

    def save_chunk(self, chunk) -> None:
        if self.n == 0:
            raise KeyboardInterrupt
        self.n -= 1
        self.store.save_chunk(chunk)


def test_interrupted_store_resumes_to_identical_results(manila, tmp_path) -> None:
    target = tmp_path / "run"
    staged = StagedRun.create(target, manila, 9, 12)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(manila, 12, 9, chunk_size=2, store=StopAfter(staged, 3))
    staged.release()
    assert not is_complete(target) and not is_complete(staged.staging)
    resumed = StagedRun.open(target)
    assert len(list(resumed.completed_chunks())) == 3
    result = run_experiment(manila, 12, 9, chunk_size=5, store=resumed)
    folder = resumed.finalize(result)
    assert is_complete(folder) and not staged.staging.exists()
    reference = run_experiment(manila, 12, 9)
    assert_same(result, reference)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "summary.parquet"), reference.summary)
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "timeseries.parquet"), reference.timeseries
    )


def test_merging_many_small_chunks_changes_nothing(manila, monkeypatch, tmp_path) -> None:
    import botsim.experiment.runner as experiment

    reference = run_experiment(manila, 12, 4, chunk_size=5)
    monkeypatch.setattr(experiment, "COMPACT_AFTER", 3)
    merged = run_experiment(manila, 12, 4, chunk_size=1)
    assert_same(reference, merged)
    staged = StagedRun.create(tmp_path / "run", manila, 4, 12)
    stored = run_experiment(manila, 12, 4, chunk_size=1, store=staged)
    folder = staged.finalize(stored)
    assert_same(reference, stored)
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "timeseries.parquet"), reference.timeseries
    )


class _SlowStartBackend(Backend):
    """Runs chunks when submitted, but reports its workers as starting for a while."""

    description = "slow-start"
    workers = 2

    def __init__(self, starting_checks: int) -> None:
        self.starting_checks = starting_checks
        self.submitted: list[int] = []

    def starting(self) -> bool:
        self.starting_checks -= 1
        return self.starting_checks >= 0

    def submit(self, fn, *args):
        self.submitted.extend(args[-1])
        future: cf.Future = cf.Future()
        future.set_result(fn(*args))
        return future


@pytest.mark.parametrize("starting_checks", [0, 2, 1000])
def test_chunks_run_here_while_workers_start_change_nothing(manila, starting_checks) -> None:
    """While the workers start, chunks run in this process: the same numbers, and at most half
    of the replications (the workers still get the rest)."""
    reference = run_experiment(manila, 12, 5, workers=1)
    backend = _SlowStartBackend(starting_checks)
    result = run_experiment(manila, 12, 5, backend=backend)
    assert_same(reference, result)
    assert len(backend.submitted) >= 6
    if starting_checks == 0:
        assert backend.submitted == list(range(12))
    elif starting_checks == 1000:  # still starting throughout: this process ran the first half
        assert backend.submitted == list(range(6, 12))
    else:  # starting for the first checks: some chunks ran here, the rest went to the workers
        assert 6 <= len(backend.submitted) < 12
        assert backend.submitted == list(range(12 - len(backend.submitted), 12))


def test_process_pool_reports_when_its_workers_are_up() -> None:
    from botsim.experiment.executors import ProcessPoolBackend

    with ProcessPoolBackend(1) as pool:
        pool._warm_up.join(timeout=60)
        assert not pool.starting()
        assert pool.result(pool.submit(abs, -3)) == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_worker_process_memory_is_within_its_stated_baseline(manila) -> None:
    """WORKER_PROCESS_BYTES (the per-worker part of the memory estimate) stays true: a pool
    worker that has run chunks holds no more than it, resident."""
    from pathlib import Path

    from botsim.experiment.executors import ProcessPoolBackend
    from botsim.experiment.memory import WORKER_PROCESS_BYTES
    from botsim.experiment.runner import run_chunk

    def resident(pid: int) -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    with ProcessPoolBackend(2) as backend:
        futures = [backend.submit(run_chunk, manila, 1, list(range(k, k + 10))) for k in (0, 10)]
        for future in futures:
            backend.result(future)
        pids = list(backend._pool._processes)  # the pool's worker processes
        sizes = [resident(pid) for pid in pids]
    assert pids and max(sizes) <= WORKER_PROCESS_BYTES, sizes


def test_workers_beyond_the_cores_are_not_started(monkeypatch) -> None:
    """--workers 4096 on two cores starts two (and says so), whatever the caller asks."""
    import botsim.experiment.executors as executors

    monkeypatch.setattr(executors, "default_workers", lambda: 2)
    with open_backend(4096) as backend:
        assert backend.workers == 2 and backend.description == "process-pool(workers=2)"
