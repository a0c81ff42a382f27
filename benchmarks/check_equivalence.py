"""Statistical equivalence of two run folders of the same scenario (a model change, issue 14).

    python benchmarks/check_equivalence.py BEFORE_DIR AFTER_DIR [BEFORE_DIR AFTER_DIR ...]

For each key metric of each pair of run folders (``botsim run ... --out DIR``, at least 2,000
replications each): the difference of the means must be within 3 standard errors of that
difference, and a two-sample Kolmogorov-Smirnov test must give p > 0.01. A censored
time-to-event value (NaN with its ``_censored`` flag) is compared as the horizon, so a change in
the censored share shows in both tests. Exit 1 when any metric fails.

Bit-identical numbers are *not* required: a restructuring may change the order of random
draws. Determinism and common random numbers are checked by the test suite instead.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

KEY_METRICS = (
    "time_to_first_hire",
    "time_to_90pct_seats",
    "time_to_full_team",
    "time_to_stable_team",
    "time_to_transfer_ready",
    "transfer_month",
    "annual_attrition",
    "hires",
    "exits",
    "vacancy_days",
    "final_headcount",
    "final_effective_fte",
    "readiness_at_planned_month",
    "total_cost_bot",
)
SE_LIMIT = 3.0
KS_P_MIN = 0.01


def values(folder: Path, metric: str) -> np.ndarray | None:
    summary = pd.read_parquet(folder / "summary.parquet")
    if metric not in summary:
        return None
    x = summary[metric].to_numpy(dtype=float)
    flag = f"{metric}_censored"
    if flag in summary:
        x = np.where(summary[flag].to_numpy(dtype=bool), _horizon(folder), x)
    return x[np.isfinite(x)]


def _horizon(folder: Path) -> float:
    from botsim.inputs.loader import load_scenario

    return float(load_scenario(folder / "scenario.yaml").horizon_months)


def compare(before: Path, after: Path) -> list[tuple[str, float, float, float, bool]]:
    rows = []
    for metric in KEY_METRICS:
        a, b = values(before, metric), values(after, metric)
        if a is None or b is None or len(a) < 2 or len(b) < 2:
            continue
        diff = float(b.mean() - a.mean())
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        z = abs(diff) / se if se > 0 else (0.0 if diff == 0 else math.inf)
        p = 1.0 if np.array_equal(np.sort(a), np.sort(b)) else stats.ks_2samp(a, b).pvalue
        rows.append((metric, diff, z, p, z <= SE_LIMIT and p > KS_P_MIN))
    return rows


def main(argv: list[str]) -> int:
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__)
        return 2
    failed = 0
    for before, after in zip(argv[0::2], argv[1::2]):
        print(f"\n{Path(before).name} -> {Path(after).name}")
        print(f"  {'metric':<28} {'diff of means':>14} {'|diff|/SE':>10} {'KS p':>8}")
        for metric, diff, z, p, ok in compare(Path(before), Path(after)):
            failed += not ok
            mark = "ok" if ok else "FAIL"
            print(f"  {metric:<28} {diff:>14.4g} {z:>10.2f} {p:>8.3f}  {mark}")
    print(f"\n{'all metrics equivalent' if not failed else f'{failed} metric(s) differ'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
