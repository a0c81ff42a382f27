"""Where a study's CPU goes around the replications (session 7): one ``botsim`` command run in
this process, without a profiler, its phases timed from the outside.

    python benchmarks/study_split.py -q sweep sweeps/ph-vs-co-by-size.yaml -n 1000 \
        --out /tmp/split --no-progress
    python benchmarks/study_split.py -q sweep sweeps/ph-vs-co-by-size.yaml \
        --resume /tmp/x/.incomplete-sw --no-progress   # only what follows the replications

Prints the wall and this process's CPU per phase (start-up; the replications, with the main
thread's per-chunk work ``_Runner._finish``: saving the chunk, progress; the tables written
after them; the report; the console summary) and the CPU of every descendant process (the
pool's workers and the report's drawing helper are children of the forkserver, which
``RUSAGE_CHILDREN`` does not count: they are read from ``/proc`` every 0.3 s, which costs this
process ~0.05 s of CPU per second). Linux only. Other load on the machine inflates every CPU
time too: compare runs made close together.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time


def _descendants_cpu(root: int, seen: dict[int, float]) -> None:
    tick = os.sysconf("SC_CLK_TCK")
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        procs[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, (ppid, _) in procs.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grown = True
    for pid in tree - {root}:
        seen[pid] = max(seen.get(pid, 0.0), procs[pid][1])


def main() -> None:
    import botsim.experiment.runner as runner
    import botsim.experiment.sweep as sweep
    import botsim.report.build as build
    from botsim.cli.main import main as cli

    marks: dict[str, tuple[float, float]] = {}
    finish = {"cpu": 0.0, "chunks": 0}

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    real_finish, real_sweep, real_report = (
        runner._Runner._finish,
        sweep.run_sweep,
        build.write_report,
    )

    def timed_finish(self, chunk):
        started = time.thread_time()
        real_finish(self, chunk)
        finish["cpu"] += time.thread_time() - started
        finish["chunks"] += 1

    def timed_sweep(*args, **kwargs):
        marks["start"] = now()
        result = real_sweep(*args, **kwargs)
        marks["replications"] = now()
        return result

    def timed_report(*args, **kwargs):
        marks["report0"] = now()
        result = real_report(*args, **kwargs)
        marks["report1"] = now()
        return result

    runner._Runner._finish = timed_finish
    sweep.run_sweep = timed_sweep
    build.write_report = timed_report
    seen: dict[int, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            _descendants_cpu(os.getpid(), seen)
            stop.wait(0.3)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    t0, c0 = now()
    with contextlib.suppress(SystemExit):
        cli.main(args=sys.argv[1:], standalone_mode=False)
    t1, c1 = now()
    stop.set()
    watcher.join()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    cpus = ", ".join(f"{v:.1f}" for v in sorted(seen.values()))
    print(f"load {load}; wall {t1 - t0:.1f} s; this process's CPU {c1 - c0:.1f} s")
    print(f"descendants' CPU {sum(seen.values()):.1f} s ({cpus})")
    if "start" not in marks:
        return
    (sw, sc), (rw, rc) = marks["start"], marks["replications"]
    print(f"  start-up:      wall {sw - t0:5.1f}, CPU {sc - c0:5.1f}")
    print(
        f"  replications:  wall {rw - sw:5.1f}, CPU {rc - sc:5.1f} (per chunk, main thread: "
        f"{finish['cpu']:.2f} s over {finish['chunks']} chunks)"
    )
    if "report0" in marks:
        (aw, ac), (bw, bc) = marks["report0"], marks["report1"]
        print(f"  tables:        wall {aw - rw:5.1f}, CPU {ac - rc:5.1f}")
        print(f"  report:        wall {bw - aw:5.1f}, CPU {bc - ac:5.1f}")
        print(f"  after report:  wall {t1 - bw:5.1f}, CPU {c1 - bc:5.1f}")
    else:
        print(f"  after them:    wall {t1 - rw:5.1f}, CPU {c1 - rc:5.1f}")


if __name__ == "__main__":
    main()
