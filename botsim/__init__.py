"""botsim: discrete-event simulation of offshore team lifecycles under Build-Operate-Transfer.

Public API (imported lazily so that ``botsim --help`` stays fast)::

    from botsim import load_scenario, simulate, run_experiment
    scenario = load_scenario("scenarios/manila-finance-20.yaml")
    result = run_experiment(scenario, replications=200, seed=7)

    from botsim import run_to_folder, run_comparison
    done = run_to_folder("scenarios/manila-finance-20.yaml", replications=200)  # botsim run
    pair = run_comparison([scenario, other], replications=200)  # botsim compare (CRN)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "RunStopped",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_comparison",
    "run_experiment",
    "run_to_folder",
    "scenario_from_dict",
    "simulate",
]

_LAZY = {
    "load_scenario": "botsim.inputs.loader",
    "scenario_from_dict": "botsim.inputs.loader",
    "ScenarioError": "botsim.inputs.loader",
    "simulate": "botsim.experiment.runner",
    "run_experiment": "botsim.experiment.runner",
    "run_to_folder": "botsim.experiment.run_folder",
    "RunStopped": "botsim.experiment.run_folder",
    "run_comparison": "botsim.experiment.comparison",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'botsim' has no attribute {name!r}")
