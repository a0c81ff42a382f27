"""The decision summary (issue 15, item 4): first in the console of run, compare and sweep and
first in every report, with values that equal independent computations from the saved tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from botsim.cli.main import main
from botsim.report import decision, load_study
from tests.report.conftest import ROOT

TINY = ["--set", "horizon_months=12", "--set", "roles[0].plan[0].headcount=4"]
SCENARIO = str(ROOT / "scenarios" / "manila-finance-20.yaml")


def _h2(html: str) -> list[str]:
    return re.findall(r"<h2[^>]*>(.*?)</h2>", html)


def _quantiles(values: np.ndarray, censored: np.ndarray) -> list[float]:
    """P10, median, P90 with 'not reached' as infinity: the inverse empirical CDF."""
    x = np.where(censored, np.inf, values)
    return [float(np.quantile(x, q, method="inverted_cdf")) for q in (0.1, 0.5, 0.9)]


def test_summary_values_equal_numpy_on_summary_parquet(compare_folder) -> None:
    """Median/P10/P90 and share never reached of each milestone, P(transfer-ready by m), total
    cost and savings (money and percent, split by transfer), recomputed from summary.parquet
    with numpy alone."""
    d = decision.from_study(load_study(compare_folder))
    summary = pd.read_parquet(compare_folder / "summary.parquet")
    html = (compare_folder / "report.html").read_text(encoding="utf-8")
    assert set(d.groups) == set(summary["scenario"])
    for name, s in summary.groupby("scenario"):
        ms = d.milestones[d.milestones["group"] == name].set_index("metric")
        assert "time_to_stable_team" in ms.index and "time_to_transfer_ready" in ms.index
        for metric, row in ms.iterrows():
            censored = s[f"{metric}_censored"].to_numpy(bool)
            p10, median, p90 = _quantiles(s[metric].to_numpy(float), censored)
            assert (row["p10"], row["median"], row["p90"]) == (p10, median, p90)
            assert row["never"] == pytest.approx(censored.mean())
        ready = d.readiness[d.readiness["group"] == name].set_index("month")
        # Horizon 18, earliest transfer month 12: months 12 and 18.
        assert list(ready.index) == [12.0, 18.0]
        for month in (12.0, 18.0):
            t = s["time_to_transfer_ready"].to_numpy(float)
            hit = ~s["time_to_transfer_ready_censored"].to_numpy(bool) & (t <= month)
            assert ready.loc[month, "p"] == pytest.approx(hit.mean())
        costs = d.costs[d.costs["group"] == name].set_index("population")
        done = s["transfer_month"].notna()
        for population, mask in (("all", np.ones(len(s), bool)), ("transferred", done)):
            sub = s[np.asarray(mask)]
            row = costs.loc[population]
            assert row["replications"] == len(sub)
            if not len(sub):
                continue
            assert row["total_cost"] == pytest.approx(sub["total_cost_bot"].mean())
            assert row["savings_vs_outsourcing"] == pytest.approx(
                sub["savings_vs_outsourcing"].mean()
            )
            assert row["savings_vs_outsourcing_pct"] == pytest.approx(
                sub["savings_vs_outsourcing"].mean() / sub["total_cost_outsourcing"].mean()
            )
        # The report shows the same numbers in the scenario's currency, thousands separated.
        assert f"USD {s['total_cost_bot'].mean():,.0f}" in html


def test_html_report_starts_with_the_decision_summary(compare_folder) -> None:
    html = (compare_folder / "report.html").read_text(encoding="utf-8")
    assert _h2(html)[0] == "Decision summary"
    assert 'id="decision-table"' in html and 'id="decision-verdicts"' in html
    assert "1e6" not in html.split('id="decision"')[1].split("</section>")[0]


def test_months_before_the_earliest_transfer_month_are_not_given_as_a_number() -> None:
    """P(ready by 12) for a transfer at 18 is not shown as a 0 made by the policy: it says why."""
    summary = pd.DataFrame(
        {
            "replication": range(4),
            "time_to_transfer_ready": [20.0, 22.0, np.nan, 30.0],
            "time_to_transfer_ready_censored": [False, False, True, False],
        }
    )
    facts = decision.Facts(
        horizon=36, currency="EUR", policy="at_month", earliest_transfer_month=18
    )
    d = decision.decide("run", {"x": summary}, {"x": facts})
    ready = d.readiness.set_index("month")
    assert list(ready.index) == [12.0, 18.0, 24.0, 36.0]
    assert np.isnan(ready.loc[12.0, "p"]) and "earliest transfer month" in ready.loc[12.0, "note"]
    assert ready.loc[18.0, "p"] == 0 and "no replication was ready" in ready.loc[18.0, "note"]
    assert ready.loc[24.0, "p"] == 0.5 and ready.loc[36.0, "p"] == 0.75
    text = "\n".join(decision.render_text(d))
    assert "by month 12: - (before the earliest transfer month (18)" in text
    assert decision.money(1234567.4, "EUR") == "EUR 1,234,567"


def test_never_ready_says_which_criteria_no_replication_met() -> None:
    """0 % transfer-ready names the criteria unmet in every replication (a managed partnership
    has no entity), and only those: a criterion met in one replication is not blamed."""
    summary = pd.DataFrame(
        {
            "replication": range(3),
            "time_to_transfer_ready": [np.nan] * 3,
            "time_to_transfer_ready_censored": [True] * 3,
            "unmet_entity": [True, True, True],
            "unmet_documentation": [True, False, True],
            "unmet_stable": [False] * 3,
        }
    )
    d = decision.decide("run", {"x": summary}, {"x": decision.Facts(horizon=24)})
    text = "\n".join(decision.render_text(d))
    assert "0% at every month (no replication was ready by month 24; " in text
    assert "not met in any replication: entity (at month 24))" in text
    assert decision.held_back(summary.assign(unmet_entity=[True, False, True])) == ""


def _first_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.strip())


def test_run_prints_the_decision_summary_first(tmp_path) -> None:
    result = CliRunner().invoke(
        main,
        ["run", SCENARIO, "-n", "4", "--out", str(tmp_path / "r"), "--no-report", *TINY],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert _first_line(out).startswith("DECISION SUMMARY")
    assert out.index("months to stable team:") < out.index("months to  ")
    assert "total cost USD " in out and "P(transfer-ready by month m): " in out


def test_compare_prints_the_decision_summary_first_and_levels_with_units(tmp_path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "compare",
            SCENARIO,
            SCENARIO,
            "-n",
            "4",
            "--no-report",
            "--out",
            str(tmp_path / "c"),
            *TINY,
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert _first_line(out).startswith("DECISION SUMMARY")
    assert "which option is better" in out and out.index("which option") < out.index("paired")
    stable = next(line for line in out.splitlines() if line.startswith("time to stable team "))
    assert stable.count(" months") >= 3  # A, B and the difference, with units
    cost = next(line for line in out.splitlines() if line.startswith("total cost, BOT "))
    assert cost.count("USD ") >= 3 and "no clear difference" in cost


@pytest.fixture
def no_figures(monkeypatch):
    """Reports without figures (the figures are tested elsewhere; these tests read the HTML)."""
    import botsim.report.figures

    monkeypatch.setattr(botsim.report.figures, "build_figures", lambda study, **kw: [])


def test_sweep_prints_the_decision_summary_first_and_its_report_starts_with_it(
    tmp_path, no_figures
) -> None:
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(
        f"name: tiny\nbase: {SCENARIO}\nparameters:\n"
        "  - {name: team_size, path: 'roles[0].plan[0].headcount', values: [2, 4]}\n"
        "  - {name: months, path: horizon_months, values: [12]}\n"
    )
    out = tmp_path / "sw"
    result = CliRunner().invoke(main, ["sweep", str(sweep_file), "-n", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _first_line(result.stdout).startswith("DECISION SUMMARY")
    assert "[months 12] time to stable team:" in result.stdout
    assert _h2((out / "report.html").read_text(encoding="utf-8"))[0] == "Decision summary"


def test_run_report_starts_with_the_decision_summary(pair_results, tmp_path, no_figures) -> None:
    from botsim.experiment.outputs import write_run
    from botsim.report import write_report

    folder = write_run(tmp_path / "run", pair_results[0])
    html = write_report(folder).read_text(encoding="utf-8")
    assert _h2(html)[0] == "Decision summary"
