"""Benchmark: one botsim replication against the hand-written floor, in the same process.

    python benchmarks/bench_replication.py                 # exits 1 if a target is missed
    python benchmarks/bench_replication.py --report-only   # never fails, only reports

Targets (issue 2, "Performance"):

* one ``botsim.simulate`` replication of the 36-month Manila scenario's core (its lifecycle
  sections switched off: no leads, client or transfer), metrics included, takes at most
  ``--max-ratio`` (1.5) times one replication of the floor (``floor_model.py``);
* with every mechanism of the scenario as shipped on, at most ``--max-lifecycle-ratio`` (2.0)
  times the floor (the lifecycle issue's allowance);
* ``botsim run scenarios/manila-finance-20.yaml`` prints its summary within ``--max-cli-seconds``
  (10 s), end to end in a fresh process.

Method: both models are warmed up, then timed in ``--rounds`` rounds of ``--replications``
replications each, on process CPU time (less disturbed than wall time by other load on a shared
machine). Within a round the models take turns every ``--slice`` replications (the order
alternating), so both sides of a ratio are timed within milliseconds of each other: on a
machine whose speed drifts, this pairs them far better than whole rounds one after the other.
The milliseconds per replication of a model are its best round (as ``timeit`` reports); the
ratio is the median over rounds of botsim's time over the floor's in the same round. SimPy
events processed are counted in a separate, untimed pass that wraps ``simpy.Environment.step``,
so counting costs the timed runs nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from floor_model import FloorParams, simulate_floor

from botsim import load_scenario, simulate
from botsim.metrics.replication import replication_metrics
from botsim.model import tasks
from botsim.model.engagement import Engagement
from botsim.model.random import ReplicationStreams

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "manila-finance-20.yaml"


@contextmanager
def counting_simpy_steps():
    """Count ``simpy.Environment.step`` calls (= events processed) while the block runs.

    botsim's kernel environment (``tasks.Environment``) runs its own loop; for the count it
    runs SimPy's, which processes the same events one ``step`` at a time."""
    counter = {"events": 0}
    original = simpy.Environment.step
    kernel_run = tasks.Environment.run

    def step(env: simpy.Environment) -> None:
        counter["events"] += 1
        original(env)

    simpy.Environment.step = step
    tasks.Environment.run = simpy.Environment.run
    try:
        yield counter
    finally:
        simpy.Environment.step = original
        tasks.Environment.run = kernel_run


def events_per_replication(run_one: Callable[[int], object], replications: int) -> float:
    with counting_simpy_steps() as counter:
        for rep in range(replications):
            run_one(rep)
    return counter["events"] / replications


def time_interleaved(
    models: dict[str, Callable[[int], object]], replications: int, first: int, size: int, flip: int
) -> dict[str, float]:
    """Milliseconds per replication of each model over one round, the models taking turns
    every ``size`` replications (the order alternating from slice to slice)."""
    spent = dict.fromkeys(models, 0.0)
    for k, low in enumerate(range(first, first + replications, size)):
        high = min(low + size, first + replications)
        order = list(models) if (k + flip) % 2 == 0 else list(reversed(models))
        for name in order:
            started = time.process_time()
            for rep in range(low, high):
                models[name](rep)
            spent[name] += time.process_time() - started
    return {name: total / replications * 1000 for name, total in spent.items()}


def botsim_breakdown(scenario, seed: int, replications: int, rounds: int) -> dict[str, float]:
    """Best-round CPU ms per replication of botsim's phases: build, run, metrics."""
    phases = {"build": [], "run": [], "metrics": []}
    for _ in range(rounds):
        spent = dict.fromkeys(phases, 0.0)
        for rep in range(replications):
            t0 = time.process_time()
            engagement = Engagement(scenario, ReplicationStreams(seed, rep), keep_events=False)
            t1 = time.process_time()
            recorder = engagement.run()
            t2 = time.process_time()
            replication_metrics(scenario, recorder)
            t3 = time.process_time()
            spent["build"] += t1 - t0
            spent["run"] += t2 - t1
            spent["metrics"] += t3 - t2
        for name in phases:
            phases[name].append(spent[name] / replications * 1000)
    return {name: min(times) for name, times in phases.items()}


def time_cli(scenario_file: Path) -> tuple[float, float, int]:
    """Wall seconds until ``botsim run FILE --no-report`` has printed its summary and exited
    (a fresh process: start-up, imports, validation, the run on its default workers, the run
    folder and the summary), its CPU seconds (its own and its workers'), and its exit code.

    The HTML report that ``botsim run`` writes after the summary is left out (``--no-report``),
    and so are its drivers (``--no-drivers``, measured on their own in benchmarks/README.md):
    the target is about the summary.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "botsim",
                "run",
                str(scenario_file),
                "--out",
                f"{out}/run",
                "--no-report",
                "--no-drivers",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


LIFECYCLE_OFF = ("management=null", "client=null", "transfer={policy: never}")
"""Overrides that leave the recruiting-attrition-ramp core: no leads, client or transfer."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--replications", type=int, default=50, help="per round (default 50)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds (default 7)")
    parser.add_argument(
        "--slice", type=int, default=5, help="replications per turn within a round (default 5)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-ratio", type=float, default=1.5, help="core target (1.5)")
    parser.add_argument(
        "--max-lifecycle-ratio", type=float, default=2.0, help="as-shipped target (2.0)"
    )
    parser.add_argument("--max-cli-seconds", type=float, default=10.0)
    parser.add_argument("--skip-cli", action="store_true", help="do not time `botsim run`")
    parser.add_argument(
        "--report-only", action="store_true", help="always exit 0, even if a target is missed"
    )
    args = parser.parse_args(argv)

    shipped = load_scenario(args.scenario)
    core = load_scenario(args.scenario, LIFECYCLE_OFF)
    params = FloorParams.from_scenario(core)
    lifecycle_on = shipped != core

    def run_floor(rep: int) -> dict[str, np.ndarray]:
        return simulate_floor(params, (args.seed, rep))

    models: dict[str, Callable[[int], object]] = {
        "floor": run_floor,
        "core": lambda rep: simulate(core, args.seed, rep),
    }
    targets = {"core": args.max_ratio}
    if lifecycle_on:
        models["shipped"] = lambda rep: simulate(shipped, args.seed, rep)
        targets["shipped"] = args.max_lifecycle_ratio
    for run_one in models.values():  # warm-up: imports, caches, allocator
        for rep in range(10):
            run_one(rep)
    events = {name: events_per_replication(run_one, 20) for name, run_one in models.items()}

    rounds: dict[str, list[float]] = {name: [] for name in models}
    for r in range(args.rounds):
        timed = time_interleaved(models, args.replications, r * 1000, args.slice, r % 2)
        for name, ms in timed.items():
            rounds[name].append(ms)
    best = {name: min(times) for name, times in rounds.items()}
    ratios = {
        name: statistics.median(b / f for b, f in zip(rounds[name], rounds["floor"]))
        for name in targets
    }
    phases = {
        name: botsim_breakdown(scenario, args.seed, args.replications, args.rounds)
        for name, scenario in (("core", core), ("shipped", shipped))
        if name in models
    }

    # The floor must be the same model as the core, or the ratio means nothing.
    n = 200
    floor_out = [run_floor(rep) for rep in range(n)]
    core_out = [simulate(core, args.seed, rep).summary for rep in range(n)]
    agreement = {
        "hires": ([f["hires"] for f in floor_out], [c["hires"] for c in core_out]),
        "final headcount": (
            [f["headcount"][-1] for f in floor_out],
            [c["final_headcount"] for c in core_out],
        ),
        "final effective FTE": (
            [f["effective_fte"][-1] for f in floor_out],
            [c["final_effective_fte"] for c in core_out],
        ),
    }

    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    print(f"scenario: {args.scenario.name}, {shipped.horizon_months} months")
    print("  core    = lifecycle sections off (" + ", ".join(LIFECYCLE_OFF) + ")")
    if lifecycle_on:
        print("  shipped = the scenario file as it is (all its mechanisms on)")
    print(f"python {sys.version.split()[0]}, simpy {simpy.__version__}, numpy {np.__version__}")
    if blas:
        print(f"note: {blas} set; benchmark with both unset (see benchmarks/README.md)")
    print(f"{args.rounds} rounds x {args.replications} replications; CPU ms per replication")
    print("in the best round (and the median round)\n")
    print(
        f"{'model':<8} {'events/rep':>11} {'ms/rep':>8} {'(median)':>9}  phases: build/run/metrics"
    )
    for name in models:
        split = "/".join(f"{ms:.2f}" for ms in phases[name].values()) if name in phases else ""
        print(
            f"{name:<8} {events[name]:>11.1f} {best[name]:>8.2f} "
            f"{statistics.median(rounds[name]):>9.2f}  {split}"
        )
    print()
    for name, split in phases.items():
        simulation = split["build"] + split["run"]
        print(
            f"{name}: simulation alone (build + run) {simulation:.2f} ms = "
            f"{simulation / best['floor']:.2f} x the floor's whole replication; "
            f"metrics {split['metrics']:.2f} ms"
        )
    print()
    ok = True
    for name, target in targets.items():
        met = ratios[name] <= target
        ok &= met
        print(
            f"ratio {name} / floor (median of rounds): {ratios[name]:.2f} (target <= {target:g})"
            + ("" if met else "  MISSED")
        )
    print(f"\nagreement over {n} replications, mean (sd): floor vs core")
    for key, (f, c) in agreement.items():
        floor_stat = f"{np.mean(f):7.2f} ({np.std(f):5.2f})"
        print(f"  {key:<20} {floor_stat}  {np.mean(c):7.2f} ({np.std(c):5.2f})")

    if not args.skip_cli:
        wall, cpu, code = time_cli(args.scenario)
        met = code == 0 and wall <= args.max_cli_seconds
        ok &= met
        print(
            f"\n`botsim run {args.scenario.name} --no-report` ({shipped.replications} "
            f"replications) printed its summary and exited in {wall:.2f} s wall "
            f"({cpu:.2f} s CPU over the process and its workers), exit {code} "
            f"(target <= {args.max_cli_seconds:g} s wall)" + ("" if met else "  MISSED")
        )
    if args.report_only:
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
