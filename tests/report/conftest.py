"""Small experiments shared by the report tests (built once per session to keep them fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from botsim.experiment.runner import run_experiment
from botsim.inputs.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["horizon_months=18", "roles[0].plan[0].headcount=6"]
REPS = 40
SEED = 7


def small_scenario(*overrides: str):
    """The quick-start scenario shrunk to 6 seats over 18 months (plus ``overrides``)."""
    return load_scenario(ROOT / "scenarios" / "manila-finance-20.yaml", [*SMALL, *overrides])


@pytest.fixture(scope="session")
def pair_results():
    """Manila vs the same team with a lower offer acceptance, same seed (CRN)."""
    a = small_scenario()
    b = small_scenario("name=manila-low-acceptance", "locations[0].recruiting.offer_acceptance=0.6")
    return run_experiment(a, REPS, SEED), run_experiment(b, REPS, SEED)


@pytest.fixture(scope="session")
def compare_folder(pair_results, tmp_path_factory) -> Path:
    """A complete comparison folder with its report (figures, HTML)."""
    from botsim.report import write_compare

    target = tmp_path_factory.mktemp("compare") / "cmp"
    return write_compare(target, list(pair_results), sources=["a.yaml", "b.yaml"])


SMALL_SWEEP = {
    "name": "grid-2x2",
    "base": str(ROOT / "scenarios" / "manila-finance-20.yaml"),
    "replications": 6,
    "parameters": [
        {"name": "location", "path": "locations[0].profile", "values": ["philippines", "colombia"]},
        {"name": "team_size", "path": "roles[0].plan[0].headcount", "values": [3, 6]},
    ],
}


@pytest.fixture(scope="session")
def run_folder(pair_results, tmp_path_factory) -> Path:
    """A run folder (Manila, the first of the pair) with its report."""
    from botsim.experiment.outputs import write_run
    from botsim.report import write_report

    folder = write_run(tmp_path_factory.mktemp("run") / "run", pair_results[0])
    write_report(folder)
    return folder


@pytest.fixture(scope="session")
def sweep_folder(tmp_path_factory) -> Path:
    """A 2 x 2 grid sweep (location x team size) with its report."""
    from botsim.experiment.sweep import run_sweep, sweep_from_dict
    from botsim.report import write_sweep

    doc = {**SMALL_SWEEP, "base": str(SMALL_SWEEP["base"])}
    plan = sweep_from_dict(doc, ROOT / "sweeps" / "grid.yaml")
    result = run_sweep(plan, replications=6, seed=SEED)
    return write_sweep(tmp_path_factory.mktemp("sweep") / "sw", result)


@pytest.fixture(scope="session")
def oat_folder(tmp_path_factory) -> Path:
    """A one-at-a-time sweep of two assumptions on a money key metric, with its report."""
    from botsim.experiment.sweep import run_sweep, sweep_from_dict
    from botsim.report import write_sweep

    doc = {
        "name": "oat",
        "mode": "one_at_a_time",
        "key_metric": "total_cost_bot",
        "base": str(ROOT / "scenarios" / "manila-small-5.yaml"),
        "parameters": [
            {
                "name": "offer_acceptance",
                "path": "locations[0].recruiting.offer_acceptance",
                "low": 0.6,
                "high": 0.9,
            },
            {"name": "recruiter_count", "path": "locations[0].recruiting.recruiters", "low": 1,
             "high": 3},
        ],
    }  # fmt: skip
    plan = sweep_from_dict(doc, ROOT / "sweeps" / "oat.yaml")
    result = run_sweep(plan, replications=6, seed=SEED)
    return write_sweep(tmp_path_factory.mktemp("oat") / "oat", result)
