"""Report folders: complete and atomic, tables and figures present, rebuilt from saved data."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim import load_scenario
from botsim.cli.main import main
from botsim.experiment.outputs import is_complete
from botsim.report import ReportError, write_report
from tests.report.conftest import ROOT


def test_compare_folder_is_complete_with_tables_figures_and_report(compare_folder):
    assert is_complete(compare_folder)
    manifest = json.loads((compare_folder / "manifest.json").read_text())
    assert manifest["kind"] == "compare" and manifest["common_random_numbers"]
    assert [s["name"] for s in manifest["scenarios"]] == [
        "manila-finance-20",
        "manila-low-acceptance",
    ]
    summary = pd.read_parquet(compare_folder / "summary.parquet")
    assert set(summary["scenario"]) == {"manila-finance-20", "manila-low-acceptance"}
    comparisons = pd.read_csv(compare_folder / "comparisons.csv")
    row = comparisons.set_index("metric").loc["mean_time_to_fill_days"]
    # Lower offer acceptance means longer searches: B is worse, and the paired test sees it.
    assert row["better"] == "manila-finance-20" and bool(row["significant"])
    names = {p.stem for p in (compare_folder / "figures").glob("*.png")}
    assert {"fan_headcount", "fan_effective_fte", "km_time_to_stable_team", "boxplots"} <= names
    assert names == {p.stem for p in (compare_folder / "figures").glob("*.svg")}
    assert not [p for p in compare_folder.parent.iterdir() if p.name.startswith(".incomplete")]


def test_report_html_is_self_contained(compare_folder):
    html = (compare_folder / "report.html").read_text(encoding="utf-8")
    for table_id in ("comparisons", "time-to", "aggregates"):
        assert f'id="{table_id}"' in html
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == len(list((compare_folder / "figures").glob("*.png")))
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loaded from the network
    assert "<link" not in html and "<script" not in html
    assert "Kaplan" in html and "Wilson" in html and "Bonferroni" not in html  # k = 2
    assert "scenario_hash" in html  # the manifest is embedded


def test_report_refuses_incomplete_folders(tmp_path, compare_folder):
    import shutil

    half = tmp_path / ".incomplete-run-1"
    shutil.copytree(compare_folder, half)
    no_manifest = tmp_path / "no-manifest"
    shutil.copytree(compare_folder, no_manifest)
    (no_manifest / "manifest.json").unlink()
    for folder in (half, no_manifest, tmp_path / "missing"):
        result = CliRunner().invoke(main, ["report", str(folder)])
        assert result.exit_code == 2
        assert "error:" in result.output
        with pytest.raises(ReportError):
            write_report(folder)
    assert (no_manifest / "report.html").stat().st_size != 0


def test_run_folder_report_is_rebuilt_from_saved_tables_only(pair_results, tmp_path, monkeypatch):
    import botsim.experiment.runner
    from botsim.experiment.outputs import write_run

    folder = write_run(tmp_path / "run", pair_results[0])

    def no_simulation(*args, **kwargs):
        raise AssertionError("the report must not re-run anything")

    monkeypatch.setattr(botsim.experiment.runner, "run_experiment", no_simulation)
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="time-to"' in html and 'id="comparisons"' not in html
    assert (folder / "figures" / "km_time_to_stable_team.svg").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".figures")]
    assert is_complete(folder)


def test_cli_compare_and_sweep(tmp_path):
    scen = str(ROOT / "scenarios" / "manila-finance-20.yaml")
    runner = CliRunner()
    out = tmp_path / "cmp"
    result = runner.invoke(
        main,
        [
            "compare",
            scen,
            scen,
            "-n",
            "6",
            "--seed",
            "1",
            "--out",
            str(out),
            "--no-report",
            "--set",
            "horizon_months=12",
            "--set",
            "roles[0].plan[0].headcount=4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "no clear difference" in result.output
    assert is_complete(out) and not (out / "report.html").exists()
    # The same folder again: refused without --force, nothing overwritten.
    again = runner.invoke(main, ["compare", scen, scen, "--out", str(out)])
    assert again.exit_code == 2

    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(
        f"name: tiny\nbase: {scen}\nparameters:\n"
        "  - {name: team_size, path: 'roles[0].plan[0].headcount', values: [2, 4]}\n"
    )
    out = tmp_path / "sw"
    result = runner.invoke(
        main,
        ["sweep", str(sweep_file), "-n", "4", "--out", str(out), "--no-report"],
    )
    assert result.exit_code == 0, result.output
    assert "team_size=2" in result.output and "team_size=4" in result.output
    s = pd.read_parquet(out / "summary.parquet")
    assert s["team_size"].notna().all() and len(s) == 8
    assert "paired contrasts of team_size" in result.output
    contrasts = pd.read_csv(out / "contrasts.csv")
    assert set(contrasts["scenario_a"].astype(str)) == {"2"}
    assert set(contrasts["scenario_b"].astype(str)) == {"4"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"name: bad\nbase: {scen}\nparameters: [{{path: x, values: [1], oops: 1}}]\n")
    result = runner.invoke(main, ["sweep", str(bad)])
    assert result.exit_code == 2 and "parameters[0].oops" in result.output


def test_one_at_a_time_sweep_tornado(tmp_path):
    from botsim.experiment.sweep import run_sweep, sweep_from_dict
    from botsim.report import load_study, write_sweep
    from botsim.report.figures import tornado_chart
    from botsim.report.tables import tornado

    doc = {
        "name": "oat",
        "base": str(ROOT / "scenarios" / "manila-finance-20.yaml"),
        "mode": "one_at_a_time",
        "key_metric": "time_to_full_team",
        "parameters": [
            {
                "name": "acceptance",
                "path": "locations[0].recruiting.offer_acceptance",
                "relative": 0.2,
            },
            {"name": "recruiters", "path": "locations[0].recruiting.recruiters", "delta": 1},
        ],
    }
    plan = sweep_from_dict(doc, "oat.yaml")
    res = run_sweep(plan, replications=8, seed=2)
    folder = write_sweep(tmp_path / "oat", res, report=False)
    study = load_study(folder)
    table = tornado(study)
    assert list(table["parameter"]) == sorted(
        ["acceptance", "recruiters"], key=lambda p: -table.set_index("parameter").swing[p]
    )
    # The effects are paired differences against the base run (same replications, CRN).
    s = res.summary
    base = s[s.level == "base"].set_index("replication").time_to_full_team.fillna(36).clip(upper=36)
    low = s[(s.varied == "acceptance") & (s.level == "low")].set_index("replication")
    low = low.time_to_full_team.fillna(36).clip(upper=36)
    row = table.set_index("parameter").loc["acceptance"]
    assert row["low_effect"] == pytest.approx((low - base).mean())
    assert tornado_chart(study) is not None


def test_importing_the_cli_and_report_does_not_import_matplotlib():
    code = (
        "import sys, botsim.cli.main, botsim.report, botsim.experiment.sweep, botsim.stats;"
        "sys.exit(int(any(m in sys.modules for m in ('matplotlib', 'seaborn'))))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_figures_read_a_bounded_sample_of_the_series(compare_folder, monkeypatch):
    """However many replications a folder holds, the report reads the monthly series of the
    first SERIES_REPLICATIONS of each group and only the columns its figures draw (memory
    bounded), and says so in the captions; the tables still use every replication."""
    from botsim.report import load_study
    from botsim.report import study as study_module
    from botsim.report.figures import build_figures

    monkeypatch.setattr(study_module, "SERIES_REPLICATIONS", 5)
    study = load_study(compare_folder)
    assert set(study.timeseries["replication"]) == set(range(5))
    assert study.timeseries.groupby("group").size().to_dict() == {
        "manila-finance-20": 5 * 18,
        "manila-low-acceptance": 5 * 18,
    }
    assert {"headcount", "effective_fte", "target", "readiness"} <= set(study.timeseries)
    assert "open_requisitions" not in study.timeseries  # no figure draws it
    assert len(study.summary) == 2 * 40  # tables: every replication
    assert "first 5 replications" in study.series_note
    captions = [spec.caption for spec in build_figures(study)]
    assert any("first 5 replications" in caption for caption in captions)


def test_compare_and_sweep_refuse_up_front_what_would_not_fit_in_memory(tmp_path, monkeypatch):
    """Every experiment's summary rows of a comparison or sweep are kept in memory until its
    folder is written: too many replications are refused before anything runs (exit 2, nothing
    written), with the estimate and how many would fit."""
    from botsim.experiment import memory

    # 600 MB: room for the interpreter, two worker processes (counted since issue 18) and the
    # report's figure sample of monthly series (the rest is streamed to disk, issue 19)
    monkeypatch.setattr(memory, "available_memory", lambda: 600_000_000)
    monkeypatch.setattr("botsim.experiment.executors.default_workers", lambda: 2)
    scen = str(ROOT / "scenarios" / "manila-finance-20.yaml")
    runner = CliRunner()
    out = tmp_path / "cmp"
    result = runner.invoke(main, ["compare", scen, scen, "-n", "200000", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "a comparison of 2 scenarios x 200,000 replications would need about" in result.output
    assert "use at most about" in result.output and "per scenario" in result.output
    assert not out.exists()

    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(
        f"name: tiny\nbase: {scen}\nparameters:\n"
        "  - {name: team_size, path: 'roles[0].plan[0].headcount', values: [2, 4, 6]}\n"
    )
    out = tmp_path / "sw"
    result = runner.invoke(main, ["sweep", str(sweep_file), "-n", "100000", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "a sweep of 3 variants x 100,000 replications would need about" in result.output
    assert not out.exists()
    # Within the memory the check lets a study through and returns its estimate: one
    # experiment is estimated as a run, a second adds its result tables only.
    scenario = load_scenario(scen)
    single = memory.check_study_memory([scenario], 10, "x", available=10**12)
    pair = memory.check_study_memory([scenario, scenario], 10, "x", available=10**12)
    assert single == memory.estimate_run_memory(scenario, 10)
    assert pair - single == single - memory.estimate_run_memory(scenario, 0)


def test_compare_folder_writes_the_comparison_it_is_given(pair_results, tmp_path) -> None:
    """The folder holds the very table the command printed (computed once, by run_comparison),
    and computes it itself only when none is given."""
    from botsim.experiment.comparison import run_comparison
    from botsim.report import write_compare

    a, b = (r.scenario for r in pair_results)
    comparison = run_comparison([a, b], pair_results[0].replications, pair_results[0].seed)
    folder = write_compare(
        tmp_path / "given", comparison.results, comparisons=comparison.table, report=False
    )
    written = pd.read_csv(folder / "comparisons.csv")
    assert list(written["metric"]) == list(comparison.table["metric"])
    assert written["diff"].equals(comparison.table["diff"].reset_index(drop=True))
    computed = pd.read_csv(
        write_compare(tmp_path / "own", comparison.results, report=False) / "comparisons.csv"
    )
    pd.testing.assert_frame_equal(written, computed)


def test_cost_ledger_by_line_adds_up_to_the_bot_total(compare_folder):
    """The report's ledger table: each group's lines, summed over phases and lines, are the
    mean BOT total of the replications whose series it read (issue 16)."""
    from botsim.report import load_study
    from botsim.report.tables import cost_ledger_by_line

    study = load_study(compare_folder)
    table = cost_ledger_by_line(study)
    assert "Cost ledger by line and phase" in (compare_folder / "report.html").read_text()
    for group in study.groups:
        rows = table[table["group"] == group]
        summary = study.summary[study.summary["group"] == group]
        read = summary[summary["replication"].isin(study.timeseries["replication"])]
        assert rows["total"].sum() == pytest.approx(read["total_cost_bot"].mean(), rel=1e-9)
        assert rows["share"].sum() == pytest.approx(1.0)


def test_key_findings_give_every_decision_month_not_one(run_folder) -> None:
    """Issue 15: the findings showed P(transfer-ready by month 12) alone, 0 % for a team that
    cannot be ready that early; every decision month within the horizon is given."""
    import re

    page = (run_folder / "report.html").read_text(encoding="utf-8")
    findings = page[page.index("Key findings") : page.index("</ul>", page.index("Key findings"))]
    for line in re.findall(r"<li>.*?</li>", findings, flags=re.S):
        months = re.findall(r"P\(by month (\d+)\)", line)
        assert len(months) >= 2, line
        assert months == sorted(months, key=int)
