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
