"""Funnel mapping with recorded stage durations and candidate counts (random funnel time D).

Requisitions are generated with botsim's own candidate search for a known funnel whose
interview takes a lognormal time; calibrate fits the stage durations by AIC, the pass rates
and offer acceptance as proportions, and the applicant rate as the MLE given D.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from botsim.calibrate import calibrate, write_csv
from botsim.inputs.scenario import Recruiting
from botsim.model.recruiting import search_candidates
from tests.calibrate.roundtrip import TRUTH_FILE, truth_values

START = dt.date(2023, 1, 2)


def test_stage_durations_pass_rates_and_applicant_rate_are_recovered(tmp_path):
    truth = truth_values()
    rec = truth["recruiting"]
    rec["stages"][2]["duration"] = {"dist": "lognormal", "mean": 7.0, "sd": 3.0}
    funnel = Recruiting.model_validate(rec, strict=False)
    rng = np.random.default_rng(11)
    p = [s["pass_rate"] for s in rec["stages"]]
    reqs, emps = [], []
    for i in range(400):
        opened = START + dt.timedelta(days=int(i))
        outcome = search_candidates(rng, funnel)
        filled = opened + dt.timedelta(days=round(outcome.duration))
        applicants = int(rng.poisson(40))
        screen = int(rng.binomial(applicants, p[0]))
        assessment = int(rng.binomial(screen, p[1]))
        interview = int(rng.binomial(assessment, p[2]))
        reqs.append(
            {
                "requisition_id": f"R{i}",
                "opened_date": opened.isoformat(),
                "filled_date": filled.isoformat(),
                "offers_made": str(outcome.offers_declined + 1),
                "offers_accepted": "1",
                "applicants": str(applicants),
                "screen_passed": str(screen),
                "assessment_passed": str(assessment),
                "interview_passed": str(interview),
                "screen_days": "2",
                "assessment_days": "3",
                "interview_days": f"{funnel.stages[2].duration.sample(rng):.2f}",
                "offer_days": "2",
            }
        )
        emps.append(
            {
                "employee_id": f"E{i}",
                "hire_date": filled.isoformat(),
                "exit_date": "",
                "exit_kind": "",
            }
        )
    write_csv(tmp_path / "r.csv", reqs)
    write_csv(tmp_path / "e.csv", emps)
    cal = calibrate(tmp_path / "e.csv", tmp_path / "r.csv", name="f", base=str(TRUTH_FILE))
    assert cal.stage_durations["interview_days"].chosen_family == "lognormal"
    # The funnel with the fitted random D is the generating model: it wins by AIC.
    assert cal.time_to_fill.families[0].family == "funnel"
    assert cal.stage_durations["screen_days"].chosen == {"dist": "fixed", "value": 2.0}
    for stage, true_p in zip(("screen", "assessment", "interview"), p, strict=True):
        assert cal.pass_rates[stage].covers(true_p), (stage, cal.pass_rates[stage])
    assert cal.offer_acceptance.covers(rec["offer_acceptance"])
    assert cal.applicants_per_week.covers(rec["applicants_per_week"]), cal.applicants_per_week
    # The fitted funnel reproduces the observed mean time to fill (botsim's own search).
    assert abs(cal.simulated_mean_time_to_fill - cal.time_to_fill_observed_mean) < 1.5
    profile = cal.document
    assert profile["values"]["recruiting"]["stages"][2]["duration"]["dist"] == "lognormal"
    assert "fitted from r.csv" in profile["sources"]["recruiting.stages"]
