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
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANILA = ROOT / "scenarios" / "manila-finance-20.yaml"
BOTSIM = [sys.executable, "-m", "botsim"]


def time_run(scenario, replications: int, backend) -> tuple[float, object]:
    from botsim import run_experiment

    started = time.perf_counter()
    result = run_experiment(scenario, replications, backend=backend)
    return time.perf_counter() - started, result


def bench_scaling(replications: int) -> dict[str, float]:
    from botsim import load_scenario
    from botsim.executors import InProcessBackend, ProcessPoolBackend

    scenario = load_scenario(MANILA)
    one, ref = time_run(scenario, replications, InProcessBackend())
    with ProcessPoolBackend(2) as pool:
        two, res = time_run(scenario, replications, pool)
    assert res.summary.equals(ref.summary), "2 workers gave other numbers than 1"
    return {"1 worker s": one, "2 workers s": two, "ratio": two / one, "target": 0.55}


def bench_dask(replications: int) -> dict[str, float]:
    from botsim import load_scenario
    from botsim.executors import DaskBackend, ProcessPoolBackend

    scenario = load_scenario(MANILA)
    with ProcessPoolBackend(2) as pool:
        pool_s, ref = time_run(scenario, replications, pool)
    started = time.perf_counter()
    with DaskBackend("local", 2) as dask:
        cluster_start = time.perf_counter() - started
        dask_s, res = time_run(scenario, replications, dask)
    assert res.summary.equals(ref.summary), "Dask gave other numbers than the process pool"
    return {
        "process pool s": pool_s,
        "dask s (after start)": dask_s,
        "cluster start s": cluster_start,
        "ratio": dask_s / pool_s,
        "target": 1.15,
    }


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
    args = parser.parse_args()
    chosen = args.only or ["scaling", "dask", "memory", "help"]
    missed = []
    for name in chosen:
        if name == "scaling":
            figures = bench_scaling(args.replications)
            value = figures["ratio"]
        elif name == "dask":
            figures = bench_dask(args.replications)
            value = figures["ratio"]
        elif name == "memory":
            figures = bench_memory(*args.memory_replications)
            value = figures["ratio"]
        else:
            figures = bench_help()
            value = figures["best s"]
        ok = value <= figures["target"]
        missed += [] if ok else [name]
        shown = ", ".join(f"{k} {v:.3f}" for k, v in figures.items())
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
