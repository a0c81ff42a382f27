"""The memory estimate of a run, comparison or sweep (issue 19): the monthly series are streamed
to disk chunk by chunk, so only the replications held at once (the report's figure sample)
count, while every summary row and every worker process does."""

from __future__ import annotations

import pytest

from botsim import load_scenario
from botsim.experiment import memory
from botsim.inputs.limits import LimitError
from tests.conftest import SCENARIOS

MANILA = SCENARIOS / "manila-finance-20.yaml"


def rows(scenario) -> tuple[int, int]:
    """Bytes of one summary row and one replication's series, from the stated constants."""
    summary, series = memory.result_columns(scenario)
    months = scenario.horizon_months + 1
    return summary * memory.SUMMARY_VALUE_BYTES, months * series * memory.SERIES_VALUE_BYTES


def test_held_series_are_the_report_figure_sample() -> None:
    from botsim.report import study

    assert memory.FIGURE_SERIES_REPLICATIONS == study.SERIES_REPLICATIONS
    assert memory.FIGURE_SERIES_MIN_PER_GROUP == study.SERIES_MIN_PER_GROUP
    for groups in (1, 2, 3, 10, 40):
        for n in (1, 300, 10_000):
            expected = min(n, study.series_replications(groups)) * groups
            assert memory.held_series_replications(n, groups) == expected


def test_a_run_estimate_grows_with_the_summary_rows_only_once_series_stream() -> None:
    scenario = load_scenario(MANILA)
    summary_row, series = rows(scenario)
    small, large = (memory.estimate_run_memory(scenario, n) for n in (10_000, 100_000))
    assert large - small == 90_000 * summary_row  # no series term: they are on disk
    # below the figure sample every replication's series is held, as before
    assert memory.estimate_run_memory(scenario, 30) == memory.estimate_run_memory(
        scenario, 30, series_replications=30
    )
    held_all = memory.estimate_run_memory(scenario, 100_000, series_replications=100_000)
    assert held_all - large == 98_000 * series
    assert large < held_all / 2


def test_a_sweep_estimate_counts_summaries_workers_and_the_shared_sample() -> None:
    variants = [load_scenario(MANILA, [f"roles[0].plan[0].headcount={h}"]) for h in (5, 50)]
    n = 10_000
    one = memory.check_study_memory(variants, n, "x", available=10**13, workers=1)
    two = memory.check_study_memory(variants, n, "x", available=10**13, workers=2)
    assert two - one >= 3 * memory.WORKER_PROCESS_BYTES  # two workers and their forkserver
    fixed = max(memory.estimate_run_memory(v, 0) for v in variants)
    held = memory.held_series_replications(n, 2) / 2  # 1,000 each
    expected = fixed + sum(n * rows(v)[0] + held * rows(v)[1] for v in variants)
    assert one == int(expected)
    # the refusal's advice is the count whose estimate fits
    with pytest.raises(LimitError, match=r"use at most about ([\d,]+) replications") as exc:
        memory.check_study_memory(variants, 100_000, "a sweep", available=one, workers=1)
    fit = int(str(exc.value).split("use at most about ")[1].split(" ")[0].replace(",", ""))
    allowed = one * 0.8
    assert memory.check_study_memory(variants, fit, "x", available=10**13) <= allowed
    assert memory.check_study_memory(variants, fit + 50, "x", available=10**13) > allowed
