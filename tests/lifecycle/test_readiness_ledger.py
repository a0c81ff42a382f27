"""The steering review's ledger answers exactly as the full readiness evaluation.

:class:`botsim.readiness_ledger.ReadinessLedger` replaces, inside the run, the metrics pipeline
that :func:`botsim.readiness.ready_to_transfer` runs on the records so far. Its answers must
be the same at every month-end (or "uncertain", which sends the review to the full
evaluation), whatever order the events exactly at a month-end take relative to the review;
otherwise a transfer could start in a month the reported readiness says is not ready.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import pandas as pd
import pytest

from botsim import load_scenario, run_experiment
from botsim.metrics import replication_metrics
from botsim.model.engagement import run_replication
from botsim.readiness import all_ready, ready_to_transfer, trailing_rates
from botsim.readiness_ledger import ReadinessLedger
from botsim.scenario import DAYS_PER_MONTH

ROOT = Path(__file__).resolve().parents[2]
MANILA = ROOT / "scenarios" / "manila-finance-20.yaml"
WHEN_READY = (
    "transfer.policy=when_ready",
    "transfer.earliest_month=6",
    "transfer.latest_month=30",
    "transfer.entity_setup_start_month=1",
)
CASES = {
    "manila": (MANILA, ()),
    # Overloaded teams: the overload-adjusted ramp and output enter effective FTE.
    "promotion-span-5": (
        MANILA,
        ("management.lead_source=promotion", "management.span_of_control=5"),
    ),
    # Long overload while agents ramp: the overload-adjusted ramp decides stable months.
    "overloaded-ramp": (
        MANILA,
        (
            "management.lead_source=promotion",
            "management.span_of_control=4",
            "management.overload.ramp_speed=0.2",
            "stability.headcount_fraction=0.7",
            "stability.capacity_fraction=0.6",
            "readiness.min_documentation=0",
            "readiness.min_retention=0",
        ),
    ),
    "classes-on-exit": (
        MANILA,
        (
            "policy.backfill=on_exit",
            "policy.training_classes={first_class_day: 14, interval_days: 28}",
        ),
    ),
    # Every hire starts exactly at a month-end, before or after the review of that moment.
    "classes-at-month-ends": (
        MANILA,
        ("policy.training_classes={first_class_day: 30.4375, interval_days: 30.4375}",),
    ),
    "short-tenure": (MANILA, ("knowledge.tenured_months=0", "knowledge.loss_per_exit_share=2")),
    "logistic": (MANILA, ("locations[0].ramp.shape=logistic",)),
    "thin-client": (ROOT / "scenarios" / "manila-thin-client.yaml", WHEN_READY),
    # Client capacity often the only criterion that fails (and a mild output factor).
    "client-binds": (
        MANILA,
        (
            "client.hours_per_week=16",
            "client.growth_hours_per_month=0",
            "client.planned_hires=[]",
            "client.shortfall_output_sensitivity=0.2",
        ),
    ),
    # Stable thresholds below full: the team must still have been full once (choice 13).
    "slow-fill": (
        MANILA,
        (
            "locations[0].recruiting.recruiters=1",
            "locations[0].recruiting.requisitions_per_recruiter=2",
            "stability.headcount_fraction=0.5",
            "stability.capacity_fraction=0.3",
            "readiness.min_documentation=0",
        ),
    ),
    "stress": (ROOT / "scenarios" / "high-attrition-stress.yaml", WHEN_READY),
    "split": (ROOT / "scenarios" / "split-ph-co.yaml", WHEN_READY),
    "growth-waves": (ROOT / "scenarios" / "growth-waves-50.yaml", WHEN_READY),
}


def month_end_reviews(events: list, horizon: int, same_day_first: bool):
    """The records a review at each month-end sees: those before it, and those exactly at it
    when they came first (``same_day_first``)."""
    days = [event.day for event in events]
    for month in range(1, horizon + 1):
        end = month * DAYS_PER_MONTH
        seen = (bisect.bisect_right if same_day_first else bisect.bisect_left)(days, end)
        yield month, end, events[:seen]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("same_day_first", [True, False])
def test_the_ledger_answers_as_the_full_evaluation(case: str, same_day_first: bool) -> None:
    path, overrides = CASES[case]
    scenario = load_scenario(path, overrides)
    answers = {True: 0, False: 0, None: 0}
    for rep in range(6):
        events = run_replication(scenario, 3, rep).events
        ledger = ReadinessLedger(scenario, keep_starts_from=1)
        for month, end, seen in month_end_reviews(events, scenario.horizon_months, same_day_first):
            expected = ready_to_transfer(scenario, seen, month)[0]
            # Month-ends the ledger ruled out earlier (from closed month-ends) are not ready.
            assert month >= ledger.next_possible or not expected, (rep, month)
            ledger.catch_up(seen, end)
            answer = ledger.ready(month)
            answers[answer] += 1
            if answer is not None:
                assert answer == expected, (rep, month)
    reviews = sum(answers.values())
    assert answers[None] <= 0.05 * reviews, f"too often uncertain: {answers}"
    assert answers[False] > 0


def test_the_ledger_says_ready_where_the_evaluation_does() -> None:
    """Over the cases, the ledger itself answers "ready" at exactly the month-ends the metrics
    report as ready (it would save nothing if it left them to the full evaluation)."""
    ready = reported = 0
    for case in ("manila", "promotion-span-5", "logistic"):
        path, overrides = CASES[case]
        scenario = load_scenario(path, (*overrides, "transfer.policy=never"))
        for rep in range(4):
            events = run_replication(scenario, 5, rep).events
            _, series = replication_metrics(scenario, events)
            reported += int(all_ready(series).sum())
            ledger = ReadinessLedger(scenario, keep_starts_from=1)
            for month, end, seen in month_end_reviews(events, scenario.horizon_months, False):
                ledger.catch_up(seen, end)
                ready += ledger.ready(month) is True
    assert reported > 0
    assert ready == reported


@pytest.mark.parametrize("case", ["manila", "promotion-span-5", "classes-at-month-ends", "split"])
def test_closed_month_ends_are_the_metrics_numbers(case: str) -> None:
    """Read to the horizon, every closed month-end holds the metrics' own numbers, bit for
    bit: headcount, leads, attrition exits, target, documentation and trailing attrition."""
    path, overrides = CASES[case]
    scenario = load_scenario(path, overrides)
    horizon = scenario.horizon_months
    for rep in range(5):
        events = run_replication(scenario, 13, rep).events
        _, series = replication_metrics(scenario, events)
        ledger = ReadinessLedger(scenario)
        ledger.catch_up(events, (horizon + 1) * DAYS_PER_MONTH)
        assert len(ledger.months) == horizon
        got = ledger.months
        assert [m.heads for m in got] == series["headcount"].tolist()
        assert [float(m.leads) for m in got] == series["leads"].tolist()
        assert [m.attrition_exits for m in got] == series["attrition_exits"].tolist()
        assert [m.target for m in got] == series["target"].tolist()
        assert [m.documentation for m in got] == series["documentation"].tolist()
        window = scenario.stability.window_months
        (annual,) = trailing_rates(series["attrition_exits"], series["headcount"], (window,))
        assert [ledger._trailing(k, window) for k in range(1, horizon + 1)] == annual.tolist()


def test_a_month_past_the_open_one_is_refused() -> None:
    scenario = load_scenario(MANILA)
    ledger = ReadinessLedger(scenario)
    ledger.catch_up(run_replication(scenario, 1, 0).events[:5], 2.5 * DAYS_PER_MONTH)
    with pytest.raises(ValueError, match="past the open one"):
        ledger.ready(5)


@pytest.mark.parametrize("case", ["manila", "stress", "promotion-span-5"])
def test_the_ledger_changes_no_decision(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs whose reviews use the ledger and runs whose every review goes to the full
    evaluation give identical summaries (transfer months included)."""
    path, overrides = CASES[case]
    scenario = load_scenario(path, (*overrides, *WHEN_READY))
    with_ledger = run_experiment(scenario, 30, 9).summary
    monkeypatch.setattr(ReadinessLedger, "ready", lambda self, month: None)
    without = run_experiment(scenario, 30, 9).summary
    assert with_ledger.transfer_month.notna().any()
    pd.testing.assert_frame_equal(with_ledger, without)
