"""`botsim calibrate` on the synthetic example: the profile is usable by a scenario at once,
and a scenario using it reproduces the observed mean time to fill."""

from __future__ import annotations

import math

import numpy as np
from click.testing import CliRunner

from botsim import load_scenario, run_experiment, simulate
from botsim.cli.main import main
from botsim.inputs.loader import load_profile
from botsim.inputs.profile_view import profile_rows
from tests.calibrate.roundtrip import EXAMPLES

EMPLOYEES = EXAMPLES / "synthetic-employees.csv"
REQUISITIONS = EXAMPLES / "synthetic-requisitions.csv"

SCENARIO = """\
name: uses-demo
horizon_months: {horizon}
locations:
  - name: home
    profile: demo.yaml
{extra}
roles:
  - name: agent
    location: home
    family: customer_experience
    plan: [{{month: 0, headcount: {headcount}}}]
"""


def test_done_when_command_writes_a_profile_a_scenario_can_use(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["calibrate", "--employees", str(EMPLOYEES), "--name", "demo"]
    )
    assert result.exit_code == 0, result.output
    assert "Attrition hazards per year" in result.output
    assert (tmp_path / "demo.yaml").exists()
    profile = load_profile("demo.yaml")
    sources = dict((path, src) for path, _, src in profile_rows(profile))
    assert sources["attrition.bands"].startswith("fitted from synthetic-employees.csv, n = ")
    assert "95% CI" in sources["attrition.no_notice_share"]
    # Values the records cannot inform keep the base profile's label.
    base = load_profile("philippines")
    assert sources["entity.setup_cost"] == base.sources["entity.setup_cost"]
    scenario_file = tmp_path / "scenario.yaml"
    scenario_file.write_text(SCENARIO.format(horizon=12, headcount=5, extra=""))
    scenario = load_scenario(scenario_file)
    summary = simulate(scenario, seed=1).summary
    assert summary["hires"] >= 5


def test_fitted_profile_reproduces_the_observed_mean_time_to_fill(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "calibrate",
            "--employees",
            str(EMPLOYEES),
            "--requisitions",
            str(REQUISITIONS),
            "--name",
            "demo",
            "--retention-csv",
            "retention.csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "best by AIC: funnel" in result.output
    header = (tmp_path / "retention.csv").read_text().splitlines()[0]
    assert header == "tenure_months,at_risk,events,survival,low,high"
    profile = load_profile("demo.yaml")
    assert profile.sources["recruiting.applicants_per_week"].startswith(
        "fitted from synthetic-requisitions.csv, n = "
    )
    # Observed: mean days from opening to accepted offer in the records.
    import csv
    import datetime as dt

    with open(REQUISITIONS) as fh:
        rows = [r for r in csv.DictReader(fh) if r["filled_date"]]
    observed = np.array(
        [
            (dt.date.fromisoformat(r["filled_date"]) - dt.date.fromisoformat(r["opened_date"])).days
            for r in rows
        ],
        dtype=float,
    )
    obs_mean, obs_se = observed.mean(), observed.std(ddof=1) / math.sqrt(len(observed))
    # A scenario on the fitted profile, with recruiters to spare (the records' time to fill
    # is search time only, as in the example generator).
    extra = "    recruiting: {recruiters: 40}"
    (tmp_path / "s.yaml").write_text(SCENARIO.format(horizon=36, headcount=80, extra=extra))
    scenario = load_scenario(tmp_path / "s.yaml")
    res = run_experiment(scenario, replications=8, seed=3)
    sim = res.summary["mean_time_to_fill_days"].to_numpy()
    sim_mean, sim_se = sim.mean(), sim.std(ddof=1) / math.sqrt(len(sim))
    # The fit reproduces the mean up to the simulation's noise and date rounding (1 day).
    print(f"simulated {sim_mean:.2f} +- {sim_se:.2f}, observed {obs_mean:.2f} +- {obs_se:.2f}")
    assert abs(sim_mean - obs_mean) <= 3 * sim_se + 1.0, (sim_mean, sim_se, obs_mean, obs_se)


def test_html_calibration_report_is_written_and_can_be_skipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["calibrate", "--employees", str(EMPLOYEES), "--requisitions", str(REQUISITIONS)]
    result = CliRunner().invoke(main, [*args, "--name", "demo"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "demo.report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page  # the retention curve, embedded
    assert "Attrition by tenure band" in page and "12+" in page
    assert "http://" not in page and "https://" not in page.split("<pre>")[0]  # offline
    result = CliRunner().invoke(main, [*args, "--name", "other", "--no-report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "other.yaml").exists()
    assert not (tmp_path / "other.report.html").exists()


def test_a_calibrated_profile_is_found_by_name_next_to_the_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["calibrate", "--employees", str(EMPLOYEES), "--name", "demo", "--no-report"]
    )
    assert result.exit_code == 0, result.output
    scenario_file = tmp_path / "scenario.yaml"
    text = SCENARIO.format(horizon=6, headcount=3, extra="").replace("demo.yaml", "demo")
    scenario_file.write_text(text)
    scenario = load_scenario(scenario_file)
    assert scenario.locations[0].profile == "demo"
    assert scenario.locations[0].attrition == load_profile("demo.yaml").values.attrition
