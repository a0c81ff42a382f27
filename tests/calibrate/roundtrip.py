"""Round-trip helpers: simulate records from the synthetic truth profile, then calibrate them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from botsim import scenario_from_dict, simulate
from botsim.calibrate import Calibration, calibrate, synthetic_records, write_csv
from botsim.inputs.loader import load_profile

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TRUTH_FILE = EXAMPLES / "synthetic-truth.yaml"
START = dt.date(2023, 1, 2)


def truth_values() -> dict:
    return load_profile(str(TRUTH_FILE)).values.model_dump(mode="json", by_alias=True)


def simulate_records(
    tmp: Path, seed: int, headcount: int = 80, horizon: int = 36
) -> tuple[Path, Path, dt.date]:
    """One replication of a team on the truth profile, written as employee/requisition CSVs."""
    doc = {
        "name": "roundtrip",
        "horizon_months": horizon,
        "locations": [{"name": "synthetica", "profile": str(TRUTH_FILE)}],
        "roles": [
            {
                "name": "agent",
                "location": "synthetica",
                "family": "customer_experience",
                "plan": [{"month": 0, "headcount": headcount}],
            }
        ],
    }
    scenario = scenario_from_dict(doc, "<roundtrip>")
    result = simulate(scenario, seed=seed, replication=0, keep_events=True)
    employees, requisitions, as_of = synthetic_records(
        result.events, START, scenario.horizon_days, "synthetica"
    )
    emp, req = tmp / f"employees-{seed}.csv", tmp / f"requisitions-{seed}.csv"
    write_csv(emp, employees, force=True)
    write_csv(req, requisitions, force=True)
    return emp, req, as_of


def truth_and_estimates(cal: Calibration, truth: dict) -> dict[str, tuple[float, object]]:
    """Each known parameter -> (true value, its Estimate), for every parameter calibrate fits."""
    rec, att = truth["recruiting"], truth["attrition"]
    out: dict[str, tuple[float, object]] = {}
    for band, true_band in zip(cal.bands, att["bands"], strict=True):
        out[f"voluntary@{band.from_month:g}m"] = (true_band["voluntary"], band.voluntary)
        out[f"involuntary@{band.from_month:g}m"] = (true_band["involuntary"], band.involuntary)
    out["no_notice_share"] = (att["no_notice_share"], cal.no_notice_share)
    out["probation_failure"] = (truth["probation"]["failure_probability"], cal.probation_failure)
    out["offer_acceptance"] = (rec["offer_acceptance"], cal.offer_acceptance)
    out["no_show"] = (rec["no_show"], cal.no_show)
    out["applicants_per_week"] = (rec["applicants_per_week"], cal.applicants_per_week)
    return out


def run_round_trip(tmp: Path, seed: int, headcount: int = 80, horizon: int = 36):
    emp, req, as_of = simulate_records(tmp, seed, headcount, horizon)
    cal = calibrate(
        emp,
        req,
        name=f"rt-{seed}",
        base=str(TRUTH_FILE),
        as_of=as_of,
        check_by_simulation=False,
        families=False,
    )
    return cal, truth_and_estimates(cal, truth_values())
