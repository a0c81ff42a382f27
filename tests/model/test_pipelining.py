"""Pipelined experiments (issue 19): the scenarios of a comparison and the variants of a sweep
(and so the run's drivers) share one executor, and the next experiment's chunks are submitted
while the previous experiment's last chunks still run. Only the hand-off order changes: the
numbers are those of running the experiments one after another, on any worker count."""

from __future__ import annotations

import concurrent.futures as cf
from typing import Any

import pandas as pd

from botsim import load_scenario
from botsim.experiment.executors import Backend
from botsim.experiment.runner import run_experiment, run_experiments
from tests.conftest import SCENARIOS

MANILA = SCENARIOS / "manila-finance-20.yaml"


class OneAtATime(Backend):
    """Two 'workers' whose chunks finish one at a time, oldest first, each only when waited
    for: a deterministic stand-in for a pool that shows what is in flight when."""

    description = "one-at-a-time"
    workers = 2

    def __init__(self) -> None:
        self.pending: list[tuple[cf.Future, Any, tuple[Any, ...]]] = []
        self.log: list[tuple[str, str, int]] = []  # (submit|finish, scenario, first replication)

    def submit(self, fn: Any, *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        self.pending.append((future, fn, args))
        self.log.append(("submit", args[0].name, args[2][0]))
        return future

    def wait(self, futures: Any, timeout: float) -> set[Any]:
        future, fn, args = self.pending.pop(0)
        future.set_result(fn(*args))
        self.log.append(("finish", args[0].name, args[2][0]))
        return {future}


def scenarios() -> list[Any]:
    return [
        load_scenario(MANILA, ["horizon_months=12", f"name={name}", *extra])
        for name, extra in (("a", ()), ("b", ("policy.backfill=on_exit",)), ("c", ()))
    ]


def test_the_next_experiment_starts_before_the_previous_one_finishes() -> None:
    backend = OneAtATime()
    run_experiments(scenarios(), 8, 5, chunk_size=2, backend=backend)
    steps = [(what, name) for what, name, _ in backend.log]
    for earlier, later in (("a", "b"), ("b", "c")):
        last_finish = max(i for i, step in enumerate(steps) if step == ("finish", earlier))
        first_submit = min(i for i, step in enumerate(steps) if step == ("submit", later))
        assert first_submit < last_finish, backend.log  # one after another: never


def test_pipelined_results_equal_one_experiment_at_a_time_on_1_or_2_workers() -> None:
    found = {
        "one-at-a-time": run_experiments(scenarios(), 8, 5, chunk_size=2, backend=OneAtATime()),
        "workers 1": run_experiments(scenarios(), 8, 5, workers=1),
        "workers 2": run_experiments(scenarios(), 8, 5, chunk_size=3, workers=2),
    }
    alone = [run_experiment(s, 8, 5, workers=1) for s in scenarios()]
    for how, results in found.items():
        for result, expected in zip(results, alone, strict=True):
            pd.testing.assert_frame_equal(result.summary, expected.summary, obj=how)
            pd.testing.assert_frame_equal(result.timeseries, expected.timeseries, obj=how)
    # the wall times are shares of the whole: none negative, adding up to the call's time
    assert all(r.wall_time >= 0 for r in found["workers 2"])
