"""The simulation phase of a replication (build + run: recruiting, workforce, month-end
pipeline, kernel) on the shipped sweep's ten variants and the Manila scenario.

    .venv/bin/python benchmarks/bench_simulation.py time                 # CPU ms per replication
    .venv/bin/python benchmarks/bench_simulation.py fingerprint          # event-log hashes
    .venv/bin/python benchmarks/bench_simulation.py compare /tmp/base    # paired against /tmp/base

``time`` prints the mean CPU ms of ``run_replication`` (inside the collector pause and without
keeping the events, as ``simulate`` runs it, so the collection that follows a replication is
counted) per variant.
``fingerprint`` hashes the event records and month-end rows of 40 replications per variant:
a speed change must leave every hash as it was. ``compare SRC`` runs this tree and another
copy of the package (``SRC`` holds its ``botsim/``, e.g. ``git archive BASE botsim | tar -x -C
SRC``) in two worker processes that take turns, ``--reps`` replications at a time, the order
alternating, and prints per variant the ratio of mean CPU times and the median of the paired
ratios: on a shared machine the CPU speed drifts, and turns seconds apart pair it out.
``--simulate`` times ``botsim.simulate`` (metrics included) instead.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SWEEP = ROOT / "sweeps" / "ph-vs-co-by-size.yaml"
MANILA = ROOT / "scenarios" / "manila-finance-20.yaml"
SEED = 20261125


def variants() -> dict:
    from botsim import load_scenario
    from botsim.experiment.sweep import load_sweep

    out = {pt.label: pt.scenario for pt in load_sweep(SWEEP).points}
    out["manila"] = load_scenario(MANILA)
    return out


def runner(simulate: bool):
    """One replication as the chosen phase runs it."""
    if simulate:
        from botsim import simulate as run_one

        return lambda scenario, rep: run_one(scenario, SEED, rep)
    import inspect

    from botsim.model.engagement import run_replication
    from botsim.model.tasks import garbage_collected_once

    # As simulate runs it: without keeping the events, where the copy can (since session 7).
    kept = (
        {"keep_events": False}
        if "keep_events" in inspect.signature(run_replication).parameters
        else {}
    )

    def run_one(scenario, rep: int) -> None:
        with garbage_collected_once():
            run_replication(scenario, SEED, rep, **kept)

    return run_one


def cpu_ms(run_one, scenario, first: int, reps: int) -> float:
    start = time.process_time()
    for rep in range(first, first + reps):
        run_one(scenario, rep)
    return (time.process_time() - start) / reps * 1000


def worker(simulate: bool) -> None:
    """Serve timing requests ``name|first|reps`` on stdin (for ``compare``)."""
    scenarios, run_one = variants(), runner(simulate)
    for line in sys.stdin:
        name, first, reps = line.rstrip("\n").split("|")
        print(cpu_ms(run_one, scenarios[name], int(first), int(reps)), flush=True)


def fingerprint(scenario, reps: int = 40) -> str:
    from botsim.model.engagement import run_replication

    digest = hashlib.sha256()
    for rep in range(reps):
        recorder = run_replication(scenario, SEED, rep)
        digest.update(repr(recorder.events).encode())
        digest.update(repr(recorder.month_ends).encode())
    return digest.hexdigest()[:16]


def compare(base: Path, names: list[str], rounds: int, reps: int, simulate: bool) -> None:
    def spawn(path: Path) -> subprocess.Popen:
        argv = [sys.executable, __file__, "worker"] + (["--simulate"] if simulate else [])
        env = dict(os.environ, PYTHONPATH=str(path))
        return subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )

    procs = {"base": spawn(base), "new": spawn(ROOT)}

    def ask(who: str, name: str, first: int, count: int) -> float:
        procs[who].stdin.write(f"{name}|{first}|{count}\n")
        procs[who].stdin.flush()
        return float(procs[who].stdout.readline())

    print(f"load average {os.getloadavg()[0]:.1f}; {rounds} turns of {reps} replications each")
    for name in names:
        ask("base", name, 0, 5), ask("new", name, 0, 5)  # warm-up
        times: dict[str, list[float]] = {"base": [], "new": []}
        for i in range(rounds):
            for who in ("base", "new") if i % 2 == 0 else ("new", "base"):
                times[who].append(ask(who, name, i * reps, reps))
        paired = [n / b for b, n in zip(times["base"], times["new"], strict=True)]
        b, n = statistics.mean(times["base"]), statistics.mean(times["new"])
        print(
            f"{name:36s} base {b:6.3f}  new {n:6.3f} ms/rep   ratio of means {n / b:.3f}"
            f"   median paired {statistics.median(paired):.3f}",
            flush=True,
        )
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    print(f"load average {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["time", "fingerprint", "compare", "worker"])
    parser.add_argument("base", nargs="?", type=Path, help="compare: the other package copy")
    parser.add_argument("--only", action="append", help="variant label (repeatable)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--simulate", action="store_true", help="time botsim.simulate")
    args = parser.parse_args(argv)
    if args.command == "worker":
        worker(args.simulate)
        return 0
    scenarios = variants()
    names = args.only or list(scenarios)
    if args.command == "compare":
        if args.base is None:
            parser.error("compare needs the other package copy (a folder holding botsim/)")
        compare(args.base, names, args.rounds, args.reps, args.simulate)
    elif args.command == "fingerprint":
        for name in names:
            print(f"{name:36s} {fingerprint(scenarios[name])}", flush=True)
    else:
        run_one = runner(args.simulate)
        for name in names:
            cpu_ms(run_one, scenarios[name], 0, 5)
            best = min(cpu_ms(run_one, scenarios[name], 0, args.reps) for _ in range(3))
            print(f"{name:36s} {best:6.3f} CPU ms per replication (best of 3)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
