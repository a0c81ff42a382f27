"""Generate the SYNTHETIC example records for `botsim calibrate` (not real data).

One botsim replication of a 120-seat team (80 seats at month 0, 40 more at month 12) over
36 months, in a location described by ``synthetic-truth.yaml``, with recruiters to spare so
that time to fill is pure search time. Simulated days become dates from 2023-01-02; the records
are an HR extract taken at the end of the horizon (as of 2026-01-02).

    python examples/generate_synthetic.py            # rewrites the two CSV files (--force)

Then, from the repository root:

    botsim calibrate --employees examples/synthetic-employees.csv \
        --requisitions examples/synthetic-requisitions.csv --name demo --out demo.yaml
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from botsim import scenario_from_dict, simulate
from botsim.calibrate import synthetic_records, write_csv

HERE = Path(__file__).resolve().parent
SEED = 20261125
START = dt.date(2023, 1, 2)

SCENARIO = {
    "name": "synthetic-example",
    "horizon_months": 36,
    "locations": [{"name": "synthetica", "profile": "synthetic-truth.yaml"}],
    "roles": [
        {
            "name": "agent",
            "location": "synthetica",
            "family": "customer_experience",
            "plan": [{"month": 0, "headcount": 80}, {"month": 12, "headcount": 120}],
        }
    ],
}


def main() -> None:
    scenario = scenario_from_dict(SCENARIO, "generate_synthetic.py", base_dir=HERE)
    result = simulate(scenario, seed=SEED, replication=0, keep_events=True)
    employees, requisitions, as_of = synthetic_records(
        result.events, START, scenario.horizon_days, location="synthetica"
    )
    write_csv(HERE / "synthetic-employees.csv", employees, force=True)
    write_csv(HERE / "synthetic-requisitions.csv", requisitions, force=True)
    print(f"{len(employees)} employees, {len(requisitions)} requisitions, as of {as_of}")


if __name__ == "__main__":
    main()
