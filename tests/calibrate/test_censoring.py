"""Censoring: staff still employed carry person-time without an exit.

Dropping them from the data (a common spreadsheet mistake: "attrition = leavers only") biases
the hazard upward; calibrate keeps them as right-censored observations and recovers the truth.
"""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest

from botsim.calibrate import (
    calibrate,
    event_times,
    piecewise_exponential,
    poisson_rate_interval,
    read_employees,
)
from tests.calibrate.roundtrip import TRUTH_FILE, simulate_records, truth_values


def test_two_people_exact(tmp_path):
    """One leaver after a year, one stayer for three: 1 exit / 4 person-years, not 1 / 1."""
    path = tmp_path / "e.csv"
    path.write_text(
        "employee_id,hire_date,exit_date,exit_kind\n"
        "a,2020-01-01,2020-12-31,dismissal\n"
        "b,2020-01-01,,\n"
    )
    records, _ = read_employees(path)
    as_of = dt.date(2023, 1, 1)
    times = event_times(records, as_of, notice_days=0)
    (band,) = piecewise_exponential(times.tenure, times.kind, [0])
    assert band.involuntary.n == 1
    assert band.person_years == pytest.approx((365 + 1096) / 365.25)
    assert band.involuntary.value == pytest.approx(1 / band.person_years)
    leavers = times.kind != "censored"
    (naive,) = piecewise_exponential(times.tenure[leavers], times.kind[leavers], [0])
    assert naive.involuntary.value == pytest.approx(365.25 / 365)  # 4x too high


def _drop_current_staff(src, dst):
    with open(src) as fh:
        rows = list(csv.DictReader(fh))
    kept = [r for r in rows if r["exit_date"] or r["resignation_date"]]
    with open(dst, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return len(rows) - len(kept)


def test_dropping_current_staff_biases_the_hazard_upward_and_calibrate_does_not(tmp_path):
    """Five seeds pooled: calibrate's total hazard per band has the truth inside its 99.9 %
    exact interval; the leavers-only estimate of the 12+ month band is above that interval."""
    truth = truth_values()["attrition"]["bands"]
    n_bands = len(truth)
    full_events, full_years = np.zeros(n_bands), np.zeros(n_bands)
    naive_events, naive_years = np.zeros(n_bands), np.zeros(n_bands)
    for seed in range(1, 6):
        emp, _, as_of = simulate_records(tmp_path, seed, headcount=80, horizon=36)
        leavers = tmp_path / f"leavers-{seed}.csv"
        assert _drop_current_staff(emp, leavers) > 0
        kw = {"base": str(TRUTH_FILE), "as_of": as_of, "check_by_simulation": False}
        for cal, events, years in (
            (calibrate(emp, name="full", **kw), full_events, full_years),
            (calibrate(leavers, name="leavers", **kw), naive_events, naive_years),
        ):
            events += [b.voluntary.n + b.involuntary.n for b in cal.bands]
            years += [b.person_years for b in cal.bands]
    true_total = np.array([b["voluntary"] + b["involuntary"] for b in truth])
    full_rate, naive_rate = full_events / full_years, naive_events / naive_years
    # Same exits, less person-time: leaving out current staff can only raise the estimate.
    assert np.array_equal(full_events, naive_events)
    assert (naive_rate >= full_rate).all()
    for band in range(n_bands):
        low, high = poisson_rate_interval(int(full_events[band]), full_years[band], 0.999)
        assert low <= true_total[band] <= high, (band, full_rate[band], true_total[band])
        if band == n_bands - 1:
            # Long tenures are where most current staff sit: the bias is far beyond noise.
            assert naive_rate[band] > high
            assert naive_rate[band] > 1.5 * true_total[band]
