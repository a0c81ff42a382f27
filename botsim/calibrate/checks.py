"""The check of a fitted funnel: botsim's own candidate search, run with the fitted values,
must reproduce the observed mean time to fill."""

from __future__ import annotations

from typing import Any

import numpy as np

from botsim.calibrate.result import Calibration

CHECK_SEARCHES = 4_000
"""Candidate searches simulated with the fitted funnel to check the mean time to fill."""


def check_funnel(cal: Calibration, values: dict[str, Any]) -> None:
    """Simulate searches with the fitted funnel (botsim's own search) and record the mean."""
    if cal.applicants_per_week is None:
        return
    from botsim.inputs.scenario import Recruiting
    from botsim.model.random import UniformBlocks
    from botsim.model.recruiting import search_candidates

    recruiting = Recruiting.model_validate(values["recruiting"], strict=False)
    uniforms = UniformBlocks(np.random.default_rng(20261125))  # read in order, none discarded
    draws = [search_candidates(uniforms, recruiting).duration for _ in range(CHECK_SEARCHES)]
    cal.simulated_mean_time_to_fill = float(np.mean(draws))
