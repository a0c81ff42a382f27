"""Check that an optimisation left every number unchanged.

``save DIR`` runs a fixed set of scenario variants (every shipped scenario plus variants that
switch on the less common mechanisms) for a few replications and stores their summary and
time-series tables; ``check DIR`` runs them again and compares with
``pandas.testing.assert_frame_equal`` (exact: no tolerance). Run ``save`` on the tree before
the change and ``check`` after it. Exit status 1 when any table differs.

    .venv/bin/python benchmarks/check_identical.py save /tmp/ref
    .venv/bin/python benchmarks/check_identical.py check /tmp/ref
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from botsim import load_scenario, run_experiment

ROOT = Path(__file__).resolve().parent.parent
MANILA = "scenarios/manila-finance-20.yaml"

VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{p.stem: (f"scenarios/{p.name}", ()) for p in sorted((ROOT / "scenarios").glob("*.yaml"))},
    "core": (MANILA, ("management=null", "client=null", "transfer={policy: never}")),
    "classes-backfill-on-exit": (
        MANILA,
        (
            "policy.backfill=on_exit",
            "policy.training_classes={first_class_day: 14, interval_days: 28}",
        ),
    ),
    "logistic-cohort": (
        MANILA,
        (
            "locations[0].ramp.shape=logistic",
            "locations[0].attrition.definition=cohort_probability",
        ),
    ),
    "stepped": (MANILA, ("locations[0].ramp.shape=stepped",)),
    "external-leads-at-month": (
        MANILA,
        (
            "management.lead_source=external",
            "transfer.policy=at_month",
            "transfer.month=14",
            "transfer.earliest_month=null",
            "transfer.latest_month=null",
        ),
    ),
    "promotion-only-span-5": (
        MANILA,
        ("management.lead_source=promotion", "management.span_of_control=5"),
    ),
}
REPLICATIONS = 30
SEED = 7


def tables() -> dict[str, pd.DataFrame]:
    out = {}
    for name, (path, overrides) in VARIANTS.items():
        scenario = load_scenario(ROOT / path, overrides)
        result = run_experiment(scenario, REPLICATIONS, SEED)
        if result.failures:
            raise SystemExit(f"{name}: replication failed:\n{result.failures[0].error}")
        out[f"{name}.summary"] = result.summary
        out[f"{name}.timeseries"] = result.timeseries
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("save", "check"):
        print(__doc__)
        return 2
    folder = Path(argv[1])
    if argv[0] == "save":
        folder.mkdir(parents=True, exist_ok=True)
        for key, frame in tables().items():
            frame.to_pickle(folder / f"{key}.pkl")
        print(f"saved {len(VARIANTS)} variants to {folder}")
        return 0
    failed = 0
    for key, frame in tables().items():
        expected = pd.read_pickle(folder / f"{key}.pkl")
        try:
            pd.testing.assert_frame_equal(frame, expected, check_exact=True)
        except AssertionError as exc:
            failed += 1
            print(f"DIFFERS {key}: {str(exc).splitlines()[0:6]}")
    print(f"{len(VARIANTS) * 2 - failed} tables identical, {failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
