"""Per-replication CPU of the shipped sweep under two Python interpreters, side by side.

    python benchmarks/bench_interpreters.py /usr/bin/python3.11 --rounds 4 --reps 200

Each round runs the same workload (``run_chunk`` over the ten variants of
``sweeps/ph-vs-co-by-size.yaml``, ``--reps`` replications each, after a warm-up) in this
interpreter and in the other one **at the same time**, one process each on the two cores, and
prints the CPU milliseconds per replication of both and their ratio; each process is pinned
to one core and the cores are swapped every round (use an even number of rounds). Running
them together is
what makes the comparison fair on this VM: its speed with both vCPUs busy moves by a fifth
within minutes (benchmarks/README.md, "Session 8"), so runs one after the other compare the
moments as much as the interpreters. The other interpreter needs botsim's dependencies
installed (a venv made with it: ``OTHER -m venv DIR && DIR/bin/pip install -e .``); this
repository's ``botsim`` is put first on its path.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "sweeps" / "ph-vs-co-by-size.yaml"

WORKLOAD = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from botsim.experiment.runner import run_chunk\n"
    "from botsim.experiment.sweep import load_sweep\n"
    "plan = load_sweep(sys.argv[2])\n"
    "scenarios = [point.scenario for point in plan.points]\n"
    "seed, reps = plan.root_seed(), int(sys.argv[3])\n"
    "for s in scenarios:\n"
    "    run_chunk(s, seed, range(5))\n"
    "t = time.process_time()\n"
    "for s in scenarios:\n"
    "    run_chunk(s, seed, range(reps))\n"
    "print((time.process_time() - t) / (len(scenarios) * reps) * 1000)\n"
)
"""CPU ms per replication of ``run_chunk`` (what a study's worker runs) over the variants."""


def _start(python: str, reps: int, cpu: int | None) -> subprocess.Popen:
    """Start the workload under ``python``, pinned to ``cpu`` when given (Linux)."""
    argv = [python, "-c", WORKLOAD, str(ROOT), str(SWEEP), str(reps)]
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, preexec_fn=pin)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", help="the other Python interpreter (with botsim's dependencies)")
    parser.add_argument(
        "--rounds", type=int, default=4, help="an even number: each interpreter on each core"
    )
    parser.add_argument("--reps", type=int, default=200, help="replications per variant")
    args = parser.parse_args()
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPENBLAS_L2_SIZE"):
        print("note: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (see README.md)")
    ratios = []
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    for k in range(args.rounds):
        # Each pinned to one core, the cores swapped every round: two vCPUs need not be equal.
        pair = (cpus[k % 2], cpus[(k + 1) % 2]) if len(cpus) >= 2 else (None, None)
        this = _start(sys.executable, args.reps, pair[0])
        other = _start(args.other, args.reps, pair[1])
        a = float(this.communicate()[0].strip().splitlines()[-1])
        b = float(other.communicate()[0].strip().splitlines()[-1])
        ratios.append(b / a)
        print(
            f"round {k + 1} (cores {pair[0]}, {pair[1]}): {sys.executable} {a:.3f} ms, "
            f"{args.other} {b:.3f} ms per replication; other / this {b / a:.2f}",
            flush=True,
        )
    print(f"median other / this: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
