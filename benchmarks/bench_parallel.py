"""Benchmark: parallel replications, Dask, memory of long runs, and CLI start-up.

    python benchmarks/bench_parallel.py                  # all four; exits 1 if a target is missed
    python benchmarks/bench_parallel.py --only scaling   # one of: scaling dask memory help
    python benchmarks/bench_parallel.py --report-only    # never fails, only reports

Targets (issue 5, "Performance"):

* **scaling** - 2,000 replications of the Manila scenario on 2 workers (process pool) take at
  most 0.55x the time on 1 worker (in-process), measured in the same run;
* **dask** - the same 2,000 replications on a Dask ``LocalCluster`` of 2 single-threaded worker
  processes take at most 1.15x the process pool's time, the cluster being started before the
  clock starts (the pool's own start-up is inside its time, as it is for a user);
* **memory** - peak RSS of ``botsim run -n 20000`` is at most 1.5x that of ``-n 2000`` (only
  summaries and monthly series kept; chunks go to the run folder as they finish);
* **help** - ``botsim --help`` returns within 0.15 s wall (best of 7 fresh processes).

The machine should be otherwise idle: with 2 cores, any other load lands on the parallel runs.
On a VM whose speed drifts from one second to the next, one pair of timings is not enough: the
scaling and Dask figures are the median over ``--pairs`` pairs (3), each pair timed in a fresh
Python process (so the process pool's start-up, forkserver included, is inside every 2-worker
time, as it is for a user), the order of the two runs alternating from pair to pair.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MANILA = ROOT / "scenarios" / "manila-finance-20.yaml"
BOTSIM = [sys.executable, "-m", "botsim"]


def time_run(scenario, replications: int, backend) -> tuple[float, object]:
    from botsim import run_experiment

    started = time.perf_counter()
    result = run_experiment(scenario, replications, backend=backend)
    return time.perf_counter() - started, result


def scaling_pair(replications: int, pool_first: bool) -> dict[str, float]:
    """One pair: the replications on 1 worker (in-process) and on a fresh 2-worker pool."""
    from botsim import load_scenario
    from botsim.experiment.executors import InProcessBackend, ProcessPoolBackend

    scenario = load_scenario(MANILA)
    times, results = {}, {}
    for name in ("2 workers", "1 worker") if pool_first else ("1 worker", "2 workers"):
        if name == "1 worker":
            times[name], results[name] = time_run(scenario, replications, InProcessBackend())
        else:
            with ProcessPoolBackend(2) as pool:
                times[name], results[name] = time_run(scenario, replications, pool)
    assert results["2 workers"].summary.equals(results["1 worker"].summary), (
        "2 workers gave other numbers than 1"
    )
    return {"1 worker s": times["1 worker"], "2 workers s": times["2 workers"]}


def dask_pair(replications: int, dask_first: bool) -> dict[str, float]:
    """One pair: the replications on a 2-worker pool and on a started 2-worker Dask cluster."""
    from botsim import load_scenario
    from botsim.experiment.executors import DaskBackend, ProcessPoolBackend

    scenario = load_scenario(MANILA)
    times, results = {}, {}
    for name in ("dask", "pool") if dask_first else ("pool", "dask"):
        if name == "pool":
            with ProcessPoolBackend(2) as pool:
                times[name], results[name] = time_run(scenario, replications, pool)
        else:
            started = time.perf_counter()
            with DaskBackend("local", 2) as dask:
                times["cluster start"] = time.perf_counter() - started
                times[name], results[name] = time_run(scenario, replications, dask)
    assert results["dask"].summary.equals(results["pool"].summary), (
        "Dask gave other numbers than the process pool"
    )
    return {
        "process pool s": times["pool"],
        "dask s (after start)": times["dask"],
        "cluster start s": times["cluster start"],
    }


def in_fresh_process(kind: str, replications: int, flip: bool) -> dict[str, float]:
    """Run one pair (``scaling_pair`` or ``dask_pair``) in a new Python process."""
    out = subprocess.run(
        [sys.executable, __file__, "--pair", kind, "--replications", str(replications)]
        + (["--flip"] if flip else []),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def paired(kind: str, replications: int, pairs: int) -> dict[str, Any]:
    """Median ratio over ``pairs`` pairs, each in a fresh process, alternating the order."""
    key_new, key_ref, target = {
        "scaling": ("2 workers s", "1 worker s", 0.55),
        "dask": ("dask s (after start)", "process pool s", 1.15),
    }[kind]
    runs = [in_fresh_process(kind, replications, flip=k % 2 == 1) for k in range(pairs)]
    ratios = sorted(run[key_new] / run[key_ref] for run in runs)
    figures = {f"median {key}": statistics.median(run[key] for run in runs) for key in runs[0]}
    figures["ratio"] = statistics.median(ratios)
    figures["pairs"] = ratios
    figures["target"] = target
    return figures


def peak_rss_mb(argv: list[str]) -> float:
    """Peak RSS (MB) of the largest process of a fresh ``botsim`` run (its workers included)."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1]) / 1024


def bench_memory(small: int, large: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="botsim-bench-"))
    try:
        figures = {}
        for n in (small, large):
            argv = [*BOTSIM, "-q", "run", str(MANILA), "-n", str(n), "--workers", "2"]
            argv += ["--no-progress", "--out", str(tmp / f"run-{n}")]
            started = time.perf_counter()
            figures[f"peak RSS {n} MB"] = peak_rss_mb(argv)
            figures[f"wall {n} s"] = time.perf_counter() - started
        figures["ratio"] = figures[f"peak RSS {large} MB"] / figures[f"peak RSS {small} MB"]
        figures["target"] = 1.5
        return figures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_help(rounds: int = 7) -> dict[str, float]:
    exe = shutil.which("botsim") or str(Path(sys.executable).with_name("botsim"))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([exe, "--help"], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return {"best s": min(times), "median s": sorted(times)[rounds // 2], "target": 0.15}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["scaling", "dask", "memory", "help"], action="append")
    parser.add_argument("--replications", type=int, default=2_000)
    parser.add_argument("--memory-replications", type=int, nargs=2, default=[2_000, 20_000])
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--pairs", type=int, default=3, help="timed pairs for scaling and dask")
    parser.add_argument("--pair", choices=["scaling", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--flip", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pair:  # one pair, in this (fresh) process: print its figures as JSON
        pair = scaling_pair if args.pair == "scaling" else dask_pair
        print(json.dumps(pair(args.replications, args.flip)))
        return 0
    chosen = args.only or ["scaling", "dask", "memory", "help"]
    missed = []
    for name in chosen:
        if name in ("scaling", "dask"):
            figures = paired(name, args.replications, args.pairs)
            value = figures["ratio"]
        elif name == "memory":
            figures = bench_memory(*args.memory_replications)
            value = figures["ratio"]
        else:
            figures = bench_help()
            value = figures["best s"]
        ok = value <= figures["target"]
        missed += [] if ok else [name]
        shown = ", ".join(
            f"{k} " + (" ".join(f"{x:.3f}" for x in v) if isinstance(v, list) else f"{v:.3f}")
            for k, v in figures.items()
        )
        print(f"{name:<8} {'ok  ' if ok else 'MISS'} {shown}", flush=True)
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in _loadavg())}")
    return 0 if args.report_only or not missed else 1


def _loadavg() -> tuple[float, ...]:
    try:
        import os

        return os.getloadavg()
    except OSError:  # pragma: no cover
        return ()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
