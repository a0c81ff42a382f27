"""Common random numbers: paired intervals are narrower, identical pairs differ by exactly 0."""

from __future__ import annotations

import numpy as np

from botsim.experiment.runner import run_experiment
from botsim.stats import compare_summaries, paired_difference, welch_difference
from tests.report.conftest import REPS, SEED, small_scenario


def test_paired_interval_is_narrower_than_unpaired_for_a_small_change():
    # One small parameter differs: 10% more applicants per requisition per week.
    a = small_scenario()
    base = a.locations[0].recruiting.applicants_per_week
    b = small_scenario(f"locations[0].recruiting.applicants_per_week={base * 1.1}")
    ra, rb = run_experiment(a, REPS, SEED), run_experiment(b, REPS, SEED)
    assert list(ra.summary.replication) == list(rb.summary.replication)
    narrower = 0
    for metric in ("vacancy_days", "hires", "final_effective_fte"):
        x = ra.summary[metric].to_numpy(float)
        y = rb.summary[metric].to_numpy(float)
        paired = paired_difference(x, y)
        unpaired = welch_difference(x, y)
        assert paired["diff"] == unpaired["diff"] or np.isclose(paired["diff"], unpaired["diff"])
        narrower += (paired["ci_high"] - paired["ci_low"]) < (
            unpaired["ci_high"] - unpaired["ci_low"]
        )
        # The replications are positively correlated: that is what CRN buys.
        assert np.corrcoef(x, y)[0, 1] > 0.3, metric
    assert narrower == 3


def test_identical_pair_differs_by_exactly_zero():
    a = small_scenario()
    ra, rb = run_experiment(a, 12, SEED), run_experiment(a, 12, SEED)
    table = compare_summaries({"A": ra.summary, "B": rb.summary}, a.horizon_months)
    assert len(table) > 5
    assert (table["diff"] == 0).all()
    # An interval needs two pairs: a row reached in one replication only has none (NaN).
    paired = table[table["n_pairs"] >= 2]
    assert len(paired) > 5
    assert (paired["ci_low"] == 0).all() and (paired["ci_high"] == 0).all()
    assert table.loc[table["n_pairs"] < 2, "ci_low"].isna().all()
    assert not table["significant"].any()
