"""Sweep files: schema errors with field paths, grid and one-at-a-time expansion, tidy results."""

from __future__ import annotations

import pytest

from botsim.experiment.sweep import SweepError, load_sweep, run_sweep, sweep_from_dict
from botsim.metrics import catalogue
from tests.report.conftest import ROOT

BASE = str(ROOT / "scenarios" / "manila-finance-20.yaml")


def grid_doc(**changes):
    doc = {
        "name": "grid-2x2",
        "base": BASE,
        "parameters": [
            {"name": "recruiters", "path": "locations[0].recruiting.recruiters", "values": [1, 3]},
            {"name": "team_size", "path": "roles[0].plan[0].headcount", "values": [3, 6]},
        ],
    }
    doc.update(changes)
    return doc


def test_grid_2x2_gives_four_groups_with_parameters_on_every_row():
    plan = sweep_from_dict(grid_doc(), ROOT / "sweeps" / "x.yaml")
    assert len(plan.points) == 4
    res = run_sweep(plan, replications=5, seed=3)
    s = res.summary
    assert len(s) == 20
    assert s[["recruiters", "team_size"]].notna().all().all()
    groups = s.groupby(["recruiters", "team_size"]).size()
    assert groups.to_dict() == {(1, 3): 5, (1, 6): 5, (3, 3): 5, (3, 6): 5}
    assert set(s["point"]) == {0, 1, 2, 3}
    # Parameters are really applied to the scenarios, and every variant shares the seed.
    sizes = {pt.params["team_size"]: pt.scenario.roles[0].plan[0].headcount for pt in plan.points}
    assert sizes == {3: 3, 6: 6}
    assert res.timeseries[["recruiters", "team_size"]].notna().all().all()
    assert set(res.timeseries.groupby("point").size()) == {5 * 60}  # 5 replications x 60 months


def test_shipped_sweep_is_location_by_team_size():
    plan = load_sweep(ROOT / "sweeps" / "ph-vs-co-by-size.yaml")
    assert len(plan.points) == 10
    profiles = {pt.scenario.locations[0].country for pt in plan.points}
    assert profiles == {"Philippines", "Colombia"}
    sizes = sorted({pt.scenario.roles[0].plan[0].headcount for pt in plan.points})
    assert sizes == [5, 10, 20, 35, 50]
    res = run_sweep(plan, replications=2)  # every shipped file runs in the tests
    assert len(res.summary) == 20 and res.summary["location"].notna().all()


def test_bad_value_names_the_sweep_field_and_the_scenario_field():
    doc = grid_doc()
    doc["parameters"][1]["values"] = [3, -1]
    with pytest.raises(SweepError) as err:
        sweep_from_dict(doc, "s.yaml")
    text = str(err.value)
    assert "parameters[1].values[1]" in text
    assert "roles[0].plan[0].headcount" in text


@pytest.mark.parametrize(
    "change,where",
    [
        ({"mode": "sideways"}, "mode"),
        ({"parameters": [{"path": "x", "values": [1], "colour": 2}]}, "parameters[0].colour"),
        ({"parameters": [{"path": "horizon_months"}]}, "parameters[0].values"),
        ({"replications": 0}, "replications"),
        ({"base": "no-such-file.yaml"}, "base"),
    ],
)
def test_schema_errors_name_the_field(change, where):
    with pytest.raises(SweepError) as err:
        sweep_from_dict(grid_doc(**change), ROOT / "sweeps" / "s.yaml")
    assert where in str(err.value)


def test_one_at_a_time_expansion():
    doc = {
        "name": "oat",
        "base": BASE,
        "mode": "one_at_a_time",
        "parameters": [
            {
                "name": "acceptance",
                "path": "locations[0].recruiting.offer_acceptance",
                "relative": 0.1,
            },
            {"name": "recruiters", "path": "locations[0].recruiting.recruiters", "delta": 1},
            {"name": "backfill", "path": "policy.backfill", "low": "on_exit", "high": "on_notice"},
        ],
    }
    plan = sweep_from_dict(doc, "oat.yaml")
    assert [(p.varied, p.level) for p in plan.points] == [
        ("", "base"),
        ("acceptance", "low"),
        ("acceptance", "high"),
        ("recruiters", "low"),
        ("recruiters", "high"),
        ("backfill", "low"),
        ("backfill", "high"),
    ]
    base = plan.points[0].params
    acc = base["acceptance"]
    assert plan.points[1].params["acceptance"] == pytest.approx(acc * 0.9)
    assert plan.points[3].params["recruiters"] == base["recruiters"] - 1
    assert isinstance(plan.points[3].params["recruiters"], int)
    assert plan.points[3].params["acceptance"] == acc  # others stay at base
    assert plan.points[3].scenario.locations[0].recruiting.recruiters == base["recruiters"] - 1


def test_one_at_a_time_relative_on_text_is_refused():
    doc = {
        "name": "oat",
        "base": BASE,
        "mode": "one_at_a_time",
        "parameters": [{"path": "policy.backfill", "relative": 0.1}],
    }
    with pytest.raises(SweepError, match=r"parameters\[0\].*not a number"):
        sweep_from_dict(doc, "oat.yaml")


def test_sweep_file_cannot_execute_code(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(SweepError):
        load_sweep(path)


# --------------------------------------------------------------------------- heatmap_month


@pytest.mark.parametrize("bad", [0, -6, "soon", float("inf"), [12]])
def test_heatmap_month_must_be_a_positive_month(bad):
    with pytest.raises(SweepError) as err:
        sweep_from_dict(grid_doc(heatmap_month=bad), ROOT / "sweeps" / "s.yaml")
    assert "heatmap_month" in str(err.value)


@pytest.mark.parametrize("bad", [[6, float("inf")], [0], [float("nan")]])
def test_months_must_be_finite_positive_months(bad):
    with pytest.raises(SweepError) as err:
        sweep_from_dict(grid_doc(months=bad), ROOT / "sweeps" / "s.yaml")
    assert "months" in str(err.value)


def test_heatmap_month_defaults_to_18_within_the_horizon():
    from botsim.report.study import Study

    plan = sweep_from_dict(grid_doc(), ROOT / "sweeps" / "s.yaml")
    assert plan.sweep.heatmap_month is None

    def study(heatmap_month, horizon):
        return Study(
            "sweep", "s", {}, None, None, ["a"], {"a": horizon}, heatmap_month=heatmap_month
        )

    # The default is today's fixed choice: 18, or the horizon when shorter, without a note.
    assert study(None, 36).grid_month == 18.0 and study(None, 36).grid_month_note == ""
    assert study(None, 12).grid_month == 12.0 and study(None, 12).grid_month_note == ""
    assert study(24, 36).grid_month == 24.0 and study(24, 36).grid_month_note == ""
    # A month beyond the horizon is lowered to it, and the note says so.
    assert study(24, 14).grid_month == 14.0
    assert "heatmap_month 24 is beyond the horizon (14 months)" in study(24, 14).grid_month_note


def test_sweep_with_heatmap_month_12_reports_p_by_month_12(tmp_path):
    """End to end through the CLI: sweep file -> manifest -> table, console, report, heatmap."""
    import json

    import numpy as np
    from click.testing import CliRunner

    from botsim.cli.main import main
    from botsim.inputs.loader import read_document
    from botsim.report import load_study
    from botsim.report.build import build_sections
    from botsim.report.figures import sweep_heatmaps
    from botsim.report.tables import sweep_grid

    base = read_document(BASE)
    base["horizon_months"] = 14
    doc = grid_doc(base=base, heatmap_month=12, key_metric="time_to_full_team")
    doc["parameters"][1]["values"] = [2, 3]
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(json.dumps(doc))  # JSON is YAML
    out = tmp_path / "sw"
    args = ["sweep", str(sweep_file), "-n", "4", "--out", str(out), "--no-report"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "P(by month 12)" in result.output

    assert json.loads((out / "manifest.json").read_text())["heatmap_month"] == 12
    study = load_study(out)
    assert study.heatmap_month == 12 and study.grid_month == 12
    grid = sweep_grid(study)
    assert set(grid["month"]) == {12.0}
    for _, row in grid.iterrows():
        sub = study.summary[study.summary["group"] == row["group"]]
        t = sub["time_to_full_team"].to_numpy(dtype=float)
        reached = ~sub["time_to_full_team_censored"].to_numpy(dtype=bool) & (t <= 12)
        assert row["p_by"] == pytest.approx(np.mean(reached))
    section = f"Sweep: {catalogue.label('time_to_full_team')} by variant"
    table_html = dict(build_sections(study)[0])[section]  # as written into report.html
    assert "P(event by month 12)" in table_html and "beyond the horizon" not in table_html
    heatmaps = sweep_heatmaps(study)
    assert "P(full team by month 12)" in [a.get_title() for a in heatmaps.figure.axes]
    assert "with the event by month 12" in heatmaps.caption

    # Beyond the horizon (14 months): the horizon is used and the report says so.
    study.heatmap_month = 30
    assert set(sweep_grid(study)["month"]) == {14.0}
    table_html = dict(build_sections(study)[0])[section]
    assert "P(event by month 14)" in table_html
    assert "heatmap_month 30 is beyond the horizon (14 months)" in table_html
    assert "heatmap_month 30 is beyond" in sweep_heatmaps(study).caption


def test_folders_without_heatmap_month_report_month_18(tmp_path):
    """Sweep folders written before heatmap_month (no key in the manifest) keep month 18."""
    import json

    from botsim.report import load_study, write_sweep

    plan = sweep_from_dict(grid_doc(), ROOT / "sweeps" / "s.yaml")
    res = run_sweep(plan, replications=2, seed=1)
    folder = write_sweep(tmp_path / "old", res, report=False)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["heatmap_month"] is None
    del manifest["heatmap_month"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    study = load_study(folder)
    assert study.heatmap_month is None and study.grid_month == 18.0


def test_result_column_names_are_refused_and_name_resolves_it():
    """A parameter is a column of the tables: one named like a result column (the default
    `headcount` of roles[0].plan[0].headcount) is refused before anything runs; `name:` fixes it.
    """
    from botsim.experiment.sweep import check_columns

    doc = grid_doc()
    del doc["parameters"][1]["name"]
    plan = sweep_from_dict(doc, "s.yaml")
    with pytest.raises(SweepError) as err:
        check_columns(plan)
    assert "parameters[1].path" in str(err.value) and "'headcount'" in str(err.value)
    check_columns(sweep_from_dict(grid_doc(), "s.yaml"))  # team_size: no clash
    check_columns(load_sweep(ROOT / "sweeps" / "ph-vs-co-by-size.yaml"))
