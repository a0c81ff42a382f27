"""Benchmark: large comparisons and sweeps (issue 19) - memory, wall time, report share, Dask.

    python benchmarks/bench_study.py memory --sizes 1000 10000   # 10k vs 100k in all
    python benchmarks/bench_study.py sweep -n 10000 --repeats 3  # the 100,000-replication study
    python benchmarks/bench_study.py dask -n 1000 --repeats 3    # LocalCluster(2) vs pool
    python benchmarks/bench_study.py profile -n 300              # cProfile: where time goes
    python benchmarks/bench_study.py pipeline -n 200 --repeats 3 # pipelined vs in turn
    python benchmarks/bench_study.py pipeline --drivers -n 50    # the same, the run's drivers
    python benchmarks/bench_study.py ... --report-only           # never fail, only report

Targets (issue 19, "Targets"):

* **memory** - peak RSS of the largest process of ``botsim sweep`` (and ``botsim compare``) at
  10x the replications is at most 1.5x (default: the shipped sweep at 1,000 and 10,000
  replications per variant, i.e. 10,000 and 100,000 in all; compare: two shipped scenarios at
  5,000 and 50,000 each). Each command runs in a fresh process with its default options (all
  cores) and its report.
* **sweep** - the shipped sweep ``sweeps/ph-vs-co-by-size.yaml`` at 10,000 replications per
  variant, default options (all cores, report included) in at most 180 s wall, the report (what
  follows the replications: tables, figures, report.html) at most 20 % of it. Median and range
  over ``--repeats`` runs, each in a fresh process. Each run is printed with the machine's
  speed just before and after it (:func:`machine_speed`: floor-model replications per second
  of two processes at once), since on a shared VM that speed, not botsim, moves the wall time
  by a fifth from one run to the next.
* **dask** - the same sweep on a Dask ``LocalCluster`` of 2 workers (``--scheduler local
  --workers 2``) at most 1.15x the process pool's wall time (``--workers 2``), alternating order
  over ``--repeats`` pairs, cluster start-up included in its time (as a user sees it).

* **pipeline** (session 7, no target) - the experiments of a study pipelined on one process
  pool (``run_experiments``: the next variant's chunks submitted while the previous variant's
  last chunks run) against one experiment after another on the same pool (``run_experiment``
  per variant, the code before session 7), alternating order over ``--repeats`` pairs, in this
  process, the pool started and warm before the clock starts. Besides wall time it prints the
  workers' idle share, ``1 - sum(chunk run time) / (workers x wall)``: the share of the
  workers' time with no chunk to run, which the pipelining is meant to remove and which other
  load on the machine disturbs far less than the wall time. ``--drivers``: the variants of the
  run's drivers of manila-finance-20 (50 replications each by default) instead of the sweep.

Wall-clock figures need an otherwise idle machine: on 2 cores any other load lands on the
workers. The script prints the load average before and after each measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "sweeps" / "ph-vs-co-by-size.yaml"
PAIR = [ROOT / "scenarios" / "manila-finance-20.yaml", ROOT / "scenarios" / "bogota-cx-20.yaml"]
BOTSIM = [sys.executable, "-m", "botsim"]


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(argv: list[str]) -> dict[str, float]:
    """Wall time and peak RSS (MB, largest process: the command or one of its workers) of a
    fresh process running ``argv``."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - t\n"
        "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'wall': wall, 'rss': ru.ru_maxrss / 1024,"
        " 'cpu': ru.ru_utime + ru.ru_stime}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _study_argv(kind: str, n: int, folder: Path, extra: list[str]) -> list[str]:
    inputs = [str(SWEEP)] if kind == "sweep" else [str(p) for p in PAIR]
    return [*BOTSIM, "-q", kind, *inputs, "-n", str(n), "--out", str(folder), *extra]


def _replication_seconds(folder: Path) -> float:
    return float(json.loads((folder / "manifest.json").read_text())["wall_time_seconds"])


def bench_memory(kind: str, sizes: list[int], extra: list[str]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="botsim-bench-"))
    try:
        figures: dict[str, Any] = {}
        for n in sizes:
            print(f"  {kind} -n {n} (load {_load()})", flush=True)
            run = _timed(_study_argv(kind, n, tmp / f"{kind}-{n}", extra))
            figures[f"peak RSS {n} MB"] = run["rss"]
            figures[f"wall {n} s"] = run["wall"]
            shutil.rmtree(tmp / f"{kind}-{n}", ignore_errors=True)
        small, large = sizes[0], sizes[-1]
        figures["ratio"] = figures[f"peak RSS {large} MB"] / figures[f"peak RSS {small} MB"]
        figures["target"] = 1.5
        return figures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


MACHINE_PROBE = (
    "import sys, time\n"
    "sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
    "from botsim import load_scenario\n"
    "from floor_model import FloorParams, simulate_floor\n"
    "params = FloorParams.from_scenario(load_scenario(sys.argv[3], ['horizon_months=36']))\n"
    "simulate_floor(params, 0)\n"
    "n, t = 0, time.perf_counter()\n"
    "while time.perf_counter() - t < float(sys.argv[4]):\n"
    "    simulate_floor(params, n); n += 1\n"
    "print(n / (time.perf_counter() - t))\n"
)
"""Floor-model replications per second in one process (``benchmarks/floor_model.py``, the
36-month Manila core): a fixed workload that measures the machine, not botsim."""


def _interpreter() -> str:
    """Which CPython runs the benchmark: the same code needs 10-20 % less CPU per replication
    on a build optimised with PGO and LTO (Debian's ``/usr/bin/python3.11``) than on one
    built without (pyenv's default), measured side by side (benchmarks/README.md, "Session 9")."""
    base = getattr(sys, "_base_executable", sys.executable)
    return f"{os.path.realpath(base)}, compiler {platform.python_compiler()}"


def machine_speed(seconds: float = 4.0, processes: int = 2) -> float:
    """Floor-model replications per second of ``processes`` processes running at once: what
    the machine delivers with every core busy, as a study's workers find it. This VM's speed
    with both vCPUs busy moves by a fifth within minutes (session 8), so the sweep's time is
    printed with this rate measured just before and after it."""
    argv = [sys.executable, "-c", MACHINE_PROBE, str(ROOT), str(ROOT / "benchmarks"),
            str(PAIR[0]), str(seconds)]  # fmt: skip
    probes = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    return sum(float(p.communicate()[0].strip().splitlines()[-1]) for p in probes)


def bench_sweep(n: int, repeats: int, extra: list[str]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="botsim-bench-"))
    try:
        walls, shares, reps, speeds = [], [], [], []
        for k in range(repeats):
            folder = tmp / f"sweep-{k}"
            before = machine_speed()
            print(
                f"  sweep -n {n} run {k + 1} (load {_load()}; machine {before:.0f} floor "
                "replications/s on 2 processes)",
                flush=True,
            )
            run = _timed(_study_argv("sweep", n, folder, extra))
            replications = _replication_seconds(folder)
            after = machine_speed()
            speeds.append((before + after) / 2)
            walls.append(run["wall"])
            reps.append(replications)
            shares.append((run["wall"] - replications) / run["wall"])
            print(
                f"    wall {run['wall']:.1f} s, replications {replications:.1f} s, after them "
                f"{run['wall'] - replications:.1f} s, CPU {run['cpu']:.0f} s, "
                f"peak RSS {run['rss']:.0f} MB; machine after {after:.0f} replications/s",
                flush=True,
            )
            shutil.rmtree(folder, ignore_errors=True)
        return {
            "median wall s": statistics.median(walls),
            "wall range": [min(walls), max(walls)],
            "machine floor replications/s": speeds,
            "median replications s": statistics.median(reps),
            "median share after replications": statistics.median(shares),
            "target": 180.0,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_dask(n: int, repeats: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="botsim-bench-"))
    try:
        ratios, pool, dask = [], [], []
        for k in range(repeats):
            order = ["pool", "dask"] if k % 2 == 0 else ["dask", "pool"]
            wall = {}
            for name in order:
                extra = ["--workers", "2", "--no-report"]
                extra += ["--scheduler", "local"] if name == "dask" else []
                print(f"  {name} -n {n} (load {_load()})", flush=True)
                wall[name] = _timed(_study_argv("sweep", n, tmp / f"{name}-{k}", extra))["wall"]
            pool.append(wall["pool"])
            dask.append(wall["dask"])
            ratios.append(wall["dask"] / wall["pool"])
        return {
            "median pool s": statistics.median(pool),
            "median dask s": statistics.median(dask),
            "pairs": sorted(ratios),
            "ratio": statistics.median(ratios),
            "target": 1.15,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def profile(n: int, top: int) -> None:
    """cProfile a sweep in this process (one worker, so every replication is profiled)."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from botsim.experiment.sweep import load_sweep
    from botsim.report import sweep_to_folder

    tmp = Path(tempfile.mkdtemp(prefix="botsim-bench-"))
    try:
        plan = load_sweep(SWEEP)
        profiler = cProfile.Profile()
        profiler.enable()
        sweep_to_folder(tmp / "sweep", plan, n, workers=1)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(top)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_pipeline(n: int, repeats: int, workers: int, drivers: bool) -> dict[str, Any]:
    """Pipelined vs one experiment after another, on one warm process pool, in this process."""
    import time

    sys.path.insert(0, str(ROOT))
    from botsim.experiment.executors import open_backend
    from botsim.experiment.runner import run_experiment, run_experiments

    if drivers:
        from botsim.experiment.drivers import plan_drivers
        from botsim.inputs.loader import load_scenario

        plan = plan_drivers(load_scenario(PAIR[0]), base_dir=PAIR[0].parent).plan
    else:
        from botsim.experiment.sweep import load_sweep

        plan = load_sweep(SWEEP)
    scenarios = [pt.scenario for pt in plan.points]
    seed = plan.root_seed()
    print(f"  {len(scenarios)} experiments x {n} replications, {workers} workers", flush=True)
    found: dict[str, list[tuple[float, float]]] = {"pipelined": [], "in turn": []}
    for k in range(repeats):
        order = ["pipelined", "in turn"] if k % 2 == 0 else ["in turn", "pipelined"]
        for how in order:
            with open_backend(workers, None) as backend:
                while backend.starting():  # pool start-up is outside the measurement
                    time.sleep(0.05)
                busy: list[float] = []
                result = backend.result

                def timed_result(future: Any, result: Any = result, busy: list = busy) -> Any:
                    chunk = result(future)
                    busy.append(chunk.elapsed)
                    return chunk

                backend.result = timed_result
                load = _load()
                started = time.perf_counter()
                if how == "pipelined":
                    run_experiments(scenarios, n, seed, backend=backend)
                else:
                    for scenario in scenarios:
                        run_experiment(scenario, n, seed, backend=backend)
                wall = time.perf_counter() - started
            idle = 1 - sum(busy) / (workers * wall)
            found[how].append((wall, idle))
            print(f"    {how:<10} wall {wall:6.2f} s, workers idle {idle:5.1%} (load {load})")
    figures: dict[str, Any] = {}
    for how, runs in found.items():
        figures[f"{how} median wall s"] = statistics.median(w for w, _ in runs)
        figures[f"{how} median idle"] = statistics.median(i for _, i in runs)
    figures["wall ratio"] = figures["pipelined median wall s"] / figures["in turn median wall s"]
    figures["target"] = 1.0
    return figures


def _show(name: str, figures: dict[str, Any], value: float) -> bool:
    ok = value <= figures["target"]
    shown = ", ".join(
        f"{k} " + (" ".join(f"{x:.3f}" for x in v) if isinstance(v, list) else f"{v:.3f}")
        for k, v in figures.items()
    )
    print(f"{name:<14} {'ok  ' if ok else 'MISS'} {shown}", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["memory", "sweep", "dask", "profile", "pipeline"])
    parser.add_argument("-n", "--replications", type=int, default=10_000)
    parser.add_argument("--sizes", type=int, nargs=2, default=[1_000, 10_000])
    parser.add_argument("--compare-sizes", type=int, nargs=2, default=[5_000, 50_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, help="default: the command's (all cores)")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--top", type=int, default=60, help="profile: lines shown")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--drivers", action="store_true", help="pipeline: the run's drivers")
    args = parser.parse_args()
    extra = ["--no-progress"]
    extra += ["--workers", str(args.workers)] if args.workers else []
    extra += ["--no-report"] if args.no_report else []
    print(f"load average at the start: {_load()}; {os.cpu_count()} cores", flush=True)
    print(f"python {platform.python_version()} ({_interpreter()})", flush=True)
    ok = True
    if args.what == "profile":
        profile(args.replications, args.top)
        return 0
    if args.what == "memory":
        figures = bench_memory("sweep", args.sizes, extra)
        ok &= _show("memory sweep", figures, figures["ratio"])
        figures = bench_memory("compare", args.compare_sizes, extra)
        ok &= _show("memory compare", figures, figures["ratio"])
    elif args.what == "pipeline":
        figures = bench_pipeline(args.replications, args.repeats, args.workers or 2, args.drivers)
        _show("pipeline", figures, figures["wall ratio"])  # no target: informative
    elif args.what == "sweep":
        figures = bench_sweep(args.replications, args.repeats, extra)
        ok &= _show("sweep", figures, figures["median wall s"])
        ok &= figures["median share after replications"] <= 0.2
    else:
        figures = bench_dask(args.replications, args.repeats)
        ok &= _show("dask", figures, figures["ratio"])
    print(f"load average at the end: {_load()}")
    return 0 if args.report_only or ok else 1


if __name__ == "__main__":
    sys.exit(main())
