"""The live readiness bound of when_ready reviews never rules out a month that could be ready.

:class:`botsim.readiness.ReadinessBound` must stay above the documentation coverage and the
trailing retention that the metrics compute from the records, at every month-end, or a
steering review would skip a month at which the transfer should start.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from botsim import load_scenario
from botsim.metrics import replication_metrics
from botsim.model.engagement import run_replication
from botsim.readiness import BOUNDARY_DAYS, ReadinessBound, annualised, trailing_rates
from botsim.records import HIRED, OFFER_ACCEPTED
from botsim.scenario import DAYS_PER_MONTH

ROOT = Path(__file__).resolve().parents[2]
MANILA = ROOT / "scenarios" / "manila-finance-20.yaml"
CASES = {
    "manila": (MANILA, ()),
    "promotion-span-5": (
        MANILA,
        ("management.lead_source=promotion", "management.span_of_control=5"),
    ),
    "classes-on-exit": (
        MANILA,
        (
            "policy.backfill=on_exit",
            "policy.training_classes={first_class_day: 14, interval_days: 28}",
        ),
    ),
    # Training classes on the month-ends themselves: every hire starts exactly at a month-end,
    # before or after the review of that moment (the bound's starts_due).
    "classes-at-month-ends": (
        MANILA,
        ("policy.training_classes={first_class_day: 30.4375, interval_days: 30.4375}",),
    ),
    "short-tenure": (MANILA, ("knowledge.tenured_months=0", "knowledge.loss_per_exit_share=2")),
    "stress": (ROOT / "scenarios" / "high-attrition-stress.yaml", ()),
    "split": (ROOT / "scenarios" / "split-ph-co.yaml", ()),
}


def starts_due(events: list, seen: int, end: float) -> int:
    """What the engagement tells the bound at a review that has seen ``events[:seen]``: hires
    whose offer was accepted by then and who start by the month-end (``BOUNDARY_DAYS`` after
    it at the latest) but have not started yet (read here from the later records)."""
    accepted = {ev.subject for ev in events[:seen] if ev.kind == OFFER_ACCEPTED}
    return sum(
        1
        for ev in events[seen:]
        if ev.kind == HIRED
        and ev.value >= 0
        and int(ev.value) in accepted
        and ev.day <= end + BOUNDARY_DAYS
    )


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("same_day_first", [True, False])
def test_bound_stays_above_the_metrics(case: str, same_day_first: bool) -> None:
    """Fed the records of each month (with the events exactly at a month-end either before or
    after the review), the bound is >= the metrics' documentation and retention."""
    path, overrides = CASES[case]
    scenario = load_scenario(path, overrides)
    ruled_out = 0
    for rep in range(12):
        events = run_replication(scenario, 3, rep).events
        _, series = replication_metrics(scenario, events)
        window = scenario.stability.window_months
        (annual,) = trailing_rates(series["attrition_exits"], series["headcount"], (window,))
        bound = ReadinessBound(scenario)
        seen = 0
        for month in range(1, scenario.horizon_months + 1):
            end = month * DAYS_PER_MONTH
            while seen < len(events) and (
                events[seen].day < end or (same_day_first and events[seen].day <= end)
            ):
                seen += 1
            bound.month_end(events[:seen], month, starts_due(events, seen, end))
            assert bound.documentation >= series["documentation"][month - 1], (rep, month)
            assert bound.retention() >= series["retention_12m"][month - 1], (rep, month)
            assert bound.stability_attrition(month) <= annual[month - 1], (rep, month)
            ruled_out += not bound.may_be_ready()
    if case != "short-tenure":
        assert ruled_out > 0, "the bound never rules a month out: it would save nothing"


def test_bound_rules_out_only_months_that_are_not_ready() -> None:
    """Where the bound rules a month out, the metrics' readiness criteria do not all hold."""
    scenario = load_scenario(MANILA)
    ruled_out = 0
    for rep in range(20):
        events = run_replication(scenario, 5, rep).events
        _, series = replication_metrics(scenario, events)
        bound = ReadinessBound(scenario)
        for month in range(1, scenario.horizon_months + 1):
            upto = [ev for ev in events if ev.day <= month * DAYS_PER_MONTH]
            bound.month_end(upto, month, starts_due(events, len(upto), month * DAYS_PER_MONTH))
            if not bound.may_be_ready():
                ruled_out += 1
                assert (
                    min(
                        series[f"criterion_{name}"][month - 1]
                        for name in ("documentation", "retention", "stable")
                    )
                    < 1
                ), (rep, month)
    assert ruled_out > 0


WHEN_READY = (
    "transfer.policy=when_ready",
    "transfer.earliest_month=6",
    "transfer.latest_month=30",
    "transfer.entity_setup_start_month=1",
)


def when_ready(case: str):
    """The case with a when_ready transfer between months 6 and 30 (entity from month 1)."""
    path, overrides = CASES[case]
    return load_scenario(path, (*overrides, *WHEN_READY))


@pytest.mark.parametrize(
    "case", ["manila", "promotion-span-5", "classes-on-exit", "classes-at-month-ends", "stress"]
)
def test_bound_inside_the_run_stays_above_the_metrics(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound as the steering reviews keep it (fed live, at each month-end) is >= the
    documentation and retention the metrics compute afterwards for that month."""
    scenario = when_ready(case)
    seen: list[tuple[int, float, float]] = []
    month_end = ReadinessBound.month_end

    def recording(self: ReadinessBound, events: list, month: int, starts_due: int = 0) -> None:
        month_end(self, events, month, starts_due)
        seen.append((month, self.documentation, self.retention(), self.stability_attrition(month)))

    monkeypatch.setattr(ReadinessBound, "month_end", recording)
    for rep in range(10):
        seen.clear()
        events = run_replication(scenario, 11, rep).events
        _, series = replication_metrics(scenario, events)
        assert seen, "the steering reviews kept no bound"
        window = scenario.stability.window_months
        (annual,) = trailing_rates(series["attrition_exits"], series["headcount"], (window,))
        for month, documentation, retention, attrition in seen:
            assert documentation >= series["documentation"][month - 1], (rep, month)
            assert retention >= series["retention_12m"][month - 1], (rep, month)
            assert attrition <= annual[month - 1], (rep, month)


@pytest.mark.parametrize("case", ["manila", "stress"])
def test_the_bound_changes_no_decision(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs with the bound and with every month let through to the full evaluation give
    identical summaries (transfer months included)."""
    from botsim import run_experiment

    scenario = when_ready(case)
    with_bound = run_experiment(scenario, 30, 9).summary
    monkeypatch.setattr(ReadinessBound, "may_be_ready", lambda self: True)
    without = run_experiment(scenario, 30, 9).summary
    assert with_bound.transfer_month.notna().any()
    pd.testing.assert_frame_equal(with_bound, without)


@pytest.mark.parametrize("window", [1, 3, 12, 40])
def test_trailing_rates_are_the_bounds_annualised_at_every_month_end(window):
    """The metrics' vector form and the bound's scalar ``annualised`` must give the same
    numbers bit for bit (the bound's soundness rests on it), zero headcounts included."""
    rng = np.random.default_rng(window)
    exits = rng.poisson(1.5, 36)
    heads = rng.integers(0, 25, 36)
    heads[:4] = 0  # an empty team at the start: inf
    (rates,) = trailing_rates(exits, heads, (window,))
    expected = []
    for i in range(1, 37):
        k = min(i, window)
        expected.append(annualised(float(exits[i - k : i].sum()), float(heads[i - k : i].sum()), k))
    assert rates.tolist() == expected
