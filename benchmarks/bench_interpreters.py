"""Per-replication CPU of the shipped sweep under two Python interpreters, side by side.

    python benchmarks/bench_interpreters.py /usr/bin/python3.11 --rounds 3 --reps 200

Each round runs the same workload (``run_chunk`` over the ten variants of
``sweeps/ph-vs-co-by-size.yaml``, ``--reps`` replications each, after a warm-up) in this
interpreter and in the other one **at the same time**, one process each on the two cores, and
prints the CPU milliseconds per replication of both and their ratio. Running them together is
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


def _start(python: str, reps: int) -> subprocess.Popen:
    argv = [python, "-c", WORKLOAD, str(ROOT), str(SWEEP), str(reps)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", help="the other Python interpreter (with botsim's dependencies)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=200, help="replications per variant")
    args = parser.parse_args()
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPENBLAS_L2_SIZE"):
        print("note: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (see README.md)")
    ratios = []
    for k in range(args.rounds):
        this, other = _start(sys.executable, args.reps), _start(args.other, args.reps)
        a = float(this.communicate()[0].strip().splitlines()[-1])
        b = float(other.communicate()[0].strip().splitlines()[-1])
        ratios.append(b / a)
        print(
            f"round {k + 1}: {sys.executable} {a:.3f} ms, {args.other} {b:.3f} ms per "
            f"replication; other / this {b / a:.2f}",
            flush=True,
        )
    print(f"median other / this: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
