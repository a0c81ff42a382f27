"""Where replications run: in this process, a local process pool, or a Dask cluster.

All three are driven through the same small interface (:class:`Backend`): ``submit`` a top-level
function with its arguments, ``wait`` for the first results, ``close``. The experiment code never
knows which one it talks to, so the numbers cannot depend on it: a replication's randomness is
rebuilt from (root seed, replication index) inside the worker, and results are re-ordered by
replication index afterwards.

Dask is optional (``pip install 'botsim[dask]'``); it is imported only when a scheduler is asked
for, and its absence is reported as :class:`ExecutorUnavailable` with the install command.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

DASK_MISSING = (
    "--scheduler needs Dask distributed, which is not installed; "
    "install it with: pip install 'botsim[dask]'"
)


class ExecutorUnavailable(Exception):
    """The requested executor cannot be started (Dask missing, scheduler unreachable...)."""


class WorkerLost(Exception):
    """A worker process died while running replications (killed, out of memory...)."""


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cap_workers(requested: int | None = None, chunks: int | None = None) -> int:
    """Local workers to start: ``requested`` (default: all cores), at most the cores this
    process may use and at most ``chunks``, the most chunks of replications one experiment can
    have (its replication count): a worker beyond either would only wait, yet cost a process.

    Lowering an explicit request is not an error; it is logged (a warning, shown on the
    console) so the user knows how many workers ran. The numbers do not depend on it.
    """
    cores = default_workers()
    limit = cores if chunks is None else max(1, min(cores, chunks))
    if requested is None or requested <= limit:
        return limit if requested is None else requested
    if limit == cores:
        why = f"the {cores} core(s) this process may use"
    else:
        why = f"the {chunks} replication(s) per experiment, one chunk each at most"
    log.warning("%d workers requested; using %d, %s", requested, limit, why)
    return limit


def planned_workers(workers: int | None, scheduler: str | None, chunks: int) -> int | None:
    """The local workers a study will start: ``workers`` (default: all cores), capped at the
    cores and at ``chunks`` (:func:`cap_workers`, which logs a lowered request). A remote
    ``scheduler`` brings its own workers: ``workers`` is left as given."""
    if scheduler and scheduler != "local":
        return workers
    return cap_workers(workers, chunks)


class Backend:
    """A ``concurrent.futures``-style place to run chunks of replications.

    ``description`` is what the run folder's manifest records as its executor; ``workers`` is
    how many chunks run at once (used to size chunks and to bound the work in flight).
    """

    description = "abstract"
    workers = 1
    chunk_seconds = 0.25
    """Run time to aim for per chunk: well above the cost of handing one to a worker."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        raise NotImplementedError

    def starting(self) -> bool:
        """True while the workers are still starting up: the caller may run a chunk in its
        own process meanwhile (a chunk's numbers do not depend on where it runs)."""
        return False

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        """The futures among ``futures`` that are finished (blocks up to ``timeout`` s)."""
        done, _ = cf.wait(list(futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return set(done)

    def result(self, future: Any) -> Any:
        return future.result()

    def cancel(self, futures: Iterable[Any]) -> None:
        for future in futures:
            future.cancel()

    def close(self) -> None:
        """Release workers; safe to call twice."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessBackend(Backend):
    """Runs each chunk in this process when it is submitted (``--workers 1``, for debugging)."""

    description = "in-process"
    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # surfaced by result(), like any executor
            future.set_exception(exc)
        return future


def _worker_init(parent_pid: int) -> None:
    """Process-pool worker set-up: leave Ctrl-C to the parent, exit if the parent dies.

    Ctrl-C reaches the whole process group; the parent handles it (saves what is done and
    cancels the rest), so workers ignore it instead of printing their own tracebacks. If the
    parent is killed outright, the workers notice it is gone and exit rather than linger.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        import time

        while True:
            time.sleep(0.5)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - pid reused by another user
                os._exit(1)

    threading.Thread(target=watch_parent, name="botsim-parent-watch", daemon=True).start()


def process_context() -> Any:
    """The ``multiprocessing`` context of every local process botsim starts (pool workers,
    the report's drawing helper): ``forkserver`` where there is one, else ``spawn``.

    forkserver: processes start from a clean server process (no inherited threads or locks of
    the parent), with the simulation modules imported once in advance. The server is one per
    process and keeps the preload it started with, so every user sets the same one: whichever
    starts first, pool workers share the simulation's pages with it."""
    import multiprocessing as mp

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["botsim.experiment.runner"])
    return context


class ProcessPoolBackend(Backend):
    """A local pool of ``workers`` processes (the default: one per core)."""

    def __init__(self, workers: int) -> None:
        context = process_context()
        self.workers = workers
        self.description = f"process-pool(workers={workers})"
        self._pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        # Starting the forkserver (it imports the simulation, ~0.5 s) and a first worker
        # happens in the background; ``starting`` tells the experiment it may run chunks
        # itself meanwhile (the other workers then fork from the forkserver on demand).
        self._warm_up = threading.Thread(target=self._start_workers, name="botsim-pool-start")
        self._warm_up.daemon = True
        self._warm_up.start()

    def _start_workers(self) -> None:
        with contextlib.suppress(Exception):  # a pool closed meanwhile: nothing to start
            self._pool.submit(_ready).result()

    def starting(self) -> bool:
        return self._warm_up.is_alive()

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        return self._pool.submit(fn, *args)

    def result(self, future: Any) -> Any:
        try:
            return future.result()
        except cf.process.BrokenProcessPool as exc:
            raise WorkerLost(
                "a worker process died while running replications (killed or out of memory?)"
            ) from exc
        except Exception as exc:  # run_chunk records replication errors, so this is transport
            raise WorkerLost(f"a chunk of replications could not be run: {exc!r}") from exc

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._warm_up.join(timeout=5)


def _ready() -> None:
    """The first task of a process pool: done once a worker is up."""


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore Ctrl-C while child processes are started, so that they inherit ``SIG_IGN``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


DASK_WORKER_QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}
"""Dask settings of a ``LocalCluster`` started here. Its scheduler, nannies and workers share
the cores with the simulation: no statistical profiler (it samples every stack every 10 ms),
event-loop ticks every second instead of every 20 ms, memory and system checks every 1 s and
5 s. Measured: Dask's time relative to the process pool 1.11-1.28 -> 0.98-1.12 (benchmarks).

Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (to hand freed memory back
to the system early); that also fixes glibc's mmap threshold, so every array above 128 KiB is
mapped and unmapped afresh: about 32,000 page faults per 200 replications instead of about 20,
and chunks 15-20 % slower in CPU time than in a pool worker. ``None`` leaves glibc's adaptive
default, as in the process pool (a variable the user sets in the environment still wins)."""


def _packed(fn: Callable[..., Any], *args: Any) -> bytes:
    """Run ``fn`` on a Dask worker and return its result as one pickle.

    A chunk's result holds ~100 small arrays; as one bytes object it crosses the cluster as a
    single frame instead of a hundred, which keeps the client and scheduler nearly idle.
    """
    return pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)


class DaskBackend(Backend):
    """A Dask distributed cluster: an existing scheduler, or a ``LocalCluster`` started here.

    Each worker runs one chunk at a time per thread; a ``LocalCluster`` gets one single-threaded
    worker process per requested worker, listening on loopback only.
    """

    chunk_seconds = 1.0  # a task costs the scheduler far more than a process-pool hand-off

    def __init__(self, scheduler: str, workers: int | None = None) -> None:
        try:
            import distributed
        except ImportError:
            raise ExecutorUnavailable(DASK_MISSING) from None
        self._distributed = distributed
        self._cluster = None
        try:
            if scheduler == "local":
                n = cap_workers(workers)
                # Worker processes started while SIGINT is ignored keep ignoring it: Ctrl-C
                # is the parent's to handle (save, cancel, shut the cluster down cleanly).
                # The workers' statistical profiler samples every thread's stack every 10 ms,
                # which slows pure-Python simulation markedly; nobody reads it here. The other
                # periodic bookkeeping runs less often too (DASK_WORKER_QUIET).
                import dask

                with (
                    _sigint_ignored(),
                    dask.config.set(DASK_WORKER_QUIET),
                ):
                    self._cluster = distributed.LocalCluster(
                        n_workers=n,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                self._client = distributed.Client(self._cluster)
                self.description = f"dask-local-cluster(workers={n})"
            else:
                self._client = distributed.Client(scheduler, timeout="10s")
                self.description = f"dask({scheduler})"
        except OSError as exc:  # connection refused, timeout, bad address
            self.close()
            raise ExecutorUnavailable(f"cannot reach Dask scheduler {scheduler}: {exc}") from None
        self.workers = max(1, self._threads())
        log.info("Dask %s with %d worker thread(s)", self.description, self.workers)

    def _threads(self) -> int:
        try:
            info = self._client.scheduler_info(n_workers=-1)
        except TypeError:  # older distributed: no n_workers argument
            info = self._client.scheduler_info()
        return sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(_packed, fn, *args, pure=False)

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        futures = list(futures)
        try:
            done, _ = self._distributed.wait(
                futures, timeout=timeout, return_when="FIRST_COMPLETED"
            )
        except self._distributed.TimeoutError:
            return set()
        except TimeoutError:
            return set()
        return set(done)

    def result(self, future: Any) -> Any:
        try:
            return pickle.loads(future.result())
        except Exception as exc:  # run_chunk records replication errors: this is the cluster
            raise WorkerLost(f"the Dask cluster could not run a chunk: {exc!r}") from exc

    def cancel(self, futures: Iterable[Any]) -> None:
        futures = list(futures)
        if futures:
            self._client.cancel(futures)

    def close(self) -> None:
        client, cluster = getattr(self, "_client", None), self._cluster
        self._client = None
        self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def open_backend(workers: int | None = None, scheduler: str | None = None) -> Backend:
    """The backend for ``--workers`` / ``--scheduler``: Dask if a scheduler is given, else a
    process pool of ``workers`` (default: all cores; never more than the cores, see
    :func:`cap_workers`), or this process when ``workers == 1``."""
    if scheduler:
        return DaskBackend(scheduler, workers)
    workers = cap_workers(workers)
    if workers <= 1:
        return InProcessBackend()
    return ProcessPoolBackend(workers)
