"""Issue 16 item 7: cumulative savings with bands, the paired cost difference of a comparison
and the present values in the report, every group shown."""

from __future__ import annotations

import numpy as np
import pytest


def test_savings_and_cost_difference_figures_show_every_group(compare_folder):
    from botsim.report import load_study
    from botsim.report.figures import cost_difference_chart, savings_chart

    study = load_study(compare_folder)
    specs = savings_chart(study)
    assert specs and sorted(g for s in specs for g in s.panels) == sorted(study.groups)
    assert "Median cumulative savings vs outsourcing at the horizon" in specs[0].conclusion
    diff = cost_difference_chart(study)
    assert diff is not None and diff.panels == list(study.groups)
    assert f"by month {study.horizon:g}" in diff.conclusion.lower()
    html = (compare_folder / "report.html").read_text(encoding="utf-8")
    assert 'id="fig-savings"' in html and 'id="fig-cost-difference"' in html
    assert "Present values" in html


def test_cost_difference_is_the_paired_cumulative_difference(compare_folder):
    """The median line at the last month is the median over replications of
    (cumulative BOT cost of the second scenario - that of the first), computed by hand."""
    from botsim.report import load_study
    from botsim.report.figures import cost_difference_chart

    study = load_study(compare_folder)
    ts = study.timeseries
    a, b = study.groups[:2]
    totals = ts.groupby(["group", "replication"])["cost_bot"].sum()
    by_hand = np.median((totals[b] - totals[a]).dropna().to_numpy())
    line = cost_difference_chart(study).figure.axes[0].get_lines()[0]
    assert line.get_ydata()[-1] == pytest.approx(by_hand, rel=1e-9)


def test_present_values_table_per_group(compare_folder):
    from botsim.report import load_study
    from botsim.report.tables import present_values

    study = load_study(compare_folder)
    table = present_values(study)
    assert set(table["group"]) == set(study.groups)
    for group in study.groups:
        row = table[(table["group"] == group) & (table["metric"] == "pv_cost_bot")].iloc[0]
        values = study.summary.loc[study.summary["group"] == group, "pv_cost_bot"]
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert row["p10"] <= row["mean"] <= row["p90"]
        # discounted at 8 % a year over at most 18 months: below the undiscounted total
        total = study.summary.loc[study.summary["group"] == group, "total_cost_bot"].mean()
        assert row["mean"] < total


def test_run_report_has_no_cost_difference(run_folder):
    html = (run_folder / "report.html").read_text(encoding="utf-8")
    assert 'id="fig-savings"' in html and 'id="fig-cost-difference"' not in html


def test_savings_line_is_the_median_cumulative_saving(compare_folder):
    from botsim.report import load_study
    from botsim.report.figures import savings_chart

    study = load_study(compare_folder)
    ts = study.timeseries
    group = study.groups[0]
    sub = ts[ts["group"] == group]
    by_rep = (sub["cost_outsourcing"] - sub["cost_bot"]).groupby(sub["replication"]).sum()
    line = savings_chart(study)[0].figure.axes[0].get_lines()[0]
    assert line.get_ydata()[-1] == pytest.approx(np.median(by_rep.to_numpy()), rel=1e-9)
