"""Shared fixtures: paths, and a tiny scenario builder for process tests."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

from botsim.inputs.loader import deep_merge, scenario_from_dict
from botsim.inputs.scenario import Scenario

# `botsim run` adds its drivers by default (one variant per assumption and end, each with its
# own replications); the tests of the drivers ask for them, every other run test stays as small
# as it was. Set here so that subprocesses inherit it (tests/cli/test_drivers.py clears it).
os.environ["BOTSIM_DRIVERS"] = "0"

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# A location whose mechanisms are all switched off or instant; tests switch on what they check.
BARE_LOCATION: dict[str, Any] = {
    "name": "lab",
    "country": "Nowhere",
    "recruiting": {
        "recruiters": 100,
        "requisitions_per_recruiter": 1,
        "applicants_per_week": 7.0,
        "stages": [],
        "offer_acceptance": 1.0,
        "offer_duration": 0,
        "no_show": 0.0,
        "candidate_notice": 0,
    },
    "attrition": {"definition": "turnover_ratio", "bands": [{"from_month": 0, "voluntary": 0.0}]},
    "probation": {"months": 0, "failure_probability": 0.0},
    "notice_days": 0,
    "ramp": {"shape": "linear", "training_days": 0, "ramp_days": 0},
    "loaded_monthly_cost": {"agent": 1000},
    "entity": {"setup_days": 30, "setup_cost": 0},
    "timezone_overlap_hours": 8,
}


def make_scenario(headcount: int = 5, horizon: int = 12, **changes: Any) -> Scenario:
    """A one-role scenario on BARE_LOCATION; ``changes`` deep-merge into the document.

    ``location=`` merges into the location, other keyword arguments into the top level.
    """
    location = deep_merge(BARE_LOCATION, changes.pop("location", {}))
    doc = {
        "name": "lab",
        "horizon_months": horizon,
        "locations": [location],
        "roles": [
            {"name": "agent", "location": "lab", "plan": [{"month": 0, "headcount": headcount}]}
        ],
    }
    doc = deep_merge(doc, changes)
    return scenario_from_dict(copy.deepcopy(doc), "<test>")


@pytest.fixture
def bare_scenario() -> Scenario:
    return make_scenario()


def ctrl_c_after_chunks(monkeypatch: pytest.MonkeyPatch, chunks: int) -> None:
    """Press Ctrl-C in a run once ``chunks`` chunks are saved to its folder (the next save
    raises ``KeyboardInterrupt``); ``monkeypatch.undo()`` ends it."""
    from botsim.experiment.outputs import StagedRun

    real_save = StagedRun.save_chunk
    saved: list[int] = []

    def save_then_ctrl_c(self: StagedRun, chunk: Any) -> None:
        if len(saved) == chunks:
            raise KeyboardInterrupt
        saved.append(chunk.first)
        real_save(self, chunk)

    monkeypatch.setattr(StagedRun, "save_chunk", save_then_ctrl_c)
