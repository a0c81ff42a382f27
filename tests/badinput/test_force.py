"""`--force` replaces only what botsim wrote: an empty folder or a botsim folder.

Never a folder holding an input file (the scenario, the sweep file, its base scenario, the
records calibrate reads), never the working directory or one of its ancestors (symlinks
resolved), never a file where a folder is expected, never a run a live process is still writing.
Each refusal exits 2 with a message saying why, no traceback, and leaves every file as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from botsim.cli.main import main
from botsim.experiment.outputs import INCOMPLETE_PREFIX, StagedRun
from tests.conftest import ROOT, SCENARIOS, make_scenario

MANILA = SCENARIOS / "manila-finance-20.yaml"
FAST = ("-n", "2", "--workers", "1", "--set", "horizon_months=6", "--no-report")
EMPLOYEES = ROOT / "examples" / "synthetic-employees.csv"

SWEEP = """\
name: tiny
mode: grid
replications: 2
parameters:
  - name: size
    path: roles[0].plan[0].headcount
    values: [5, 6]
base: s.yaml
"""


def invoke(args: list[str], cwd: Path) -> Result:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    finally:
        os.chdir(old)


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every path under ``root`` with its content (folders and links marked as such)."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = path.read_bytes()
    return found


def assert_refused(result: Result, *fragments: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """proj/ as a user keeps it: the scenario, data and a sub-folder, next to each other."""
    proj = tmp_path / "proj"
    (proj / "sub").mkdir(parents=True)
    shutil.copy(MANILA, proj / "s.yaml")
    (proj / "data.csv").write_text("a,b\n1,2\n")
    (proj / "sub" / "notes.txt").write_text("keep me")
    return proj


# -- the reproductions of the issue -----------------------------------------------------------


def test_force_never_deletes_the_folder_holding_the_scenario(tmp_path, project) -> None:
    before = snapshot(tmp_path)
    res = invoke(["run", "proj/s.yaml", *FAST, "--out", "proj", "--force"], tmp_path)
    assert_refused(res, "proj", "input file", "s.yaml")
    assert snapshot(tmp_path) == before


def test_force_never_wipes_the_working_directory(tmp_path, project) -> None:
    before = snapshot(tmp_path)
    res = invoke(["run", MANILA, *FAST, "--out", project, "--force"], project)
    assert_refused(res, str(project), "working directory")
    assert snapshot(tmp_path) == before


def test_force_never_wipes_an_ancestor_of_the_working_directory(tmp_path, project) -> None:
    before = snapshot(tmp_path)
    res = invoke(["run", MANILA, *FAST, "--out", tmp_path, "--force"], project / "sub")
    assert_refused(res, "contains the working directory")
    assert snapshot(tmp_path) == before


def test_force_resolves_symlinks_to_the_working_directory(tmp_path, project) -> None:
    (tmp_path / "alias").symlink_to(project, target_is_directory=True)
    before = snapshot(tmp_path)
    res = invoke(["run", MANILA, *FAST, "--out", tmp_path / "alias", "--force"], project)
    assert_refused(res, "working directory")
    assert snapshot(tmp_path) == before


# -- only botsim's own or empty folders -------------------------------------------------------


def test_force_refuses_a_folder_botsim_did_not_write(tmp_path, project) -> None:
    (project / "s.yaml").unlink()  # no input inside: refused because it is not botsim's
    before = snapshot(tmp_path)
    res = invoke(["run", MANILA, *FAST, "--out", "proj", "--force"], tmp_path)
    assert_refused(res, "proj", "not a folder botsim wrote")
    assert snapshot(tmp_path) == before


def test_force_refuses_a_manifest_without_botsims_keys(tmp_path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"name": "someone else's"}))
    (other / "data.csv").write_text("x\n")
    before = snapshot(tmp_path)
    res = invoke(["run", MANILA, *FAST, "--out", "other", "--force"], tmp_path)
    assert_refused(res, "not a folder botsim wrote")
    assert snapshot(tmp_path) == before


def test_force_refuses_a_file_where_a_folder_goes(tmp_path) -> None:
    (tmp_path / "results").write_text("a file")
    before = snapshot(tmp_path)
    res = invoke(["run", MANILA, *FAST, "--out", "results", "--force"], tmp_path)
    assert_refused(res, "is a file")
    assert snapshot(tmp_path) == before


def test_force_refuses_a_botsim_folder_that_holds_the_input(tmp_path) -> None:
    """A scenario kept inside an earlier run folder is an input: that folder stays."""
    work = tmp_path / "work"
    work.mkdir()
    assert invoke(["run", MANILA, *FAST, "--out", "old"], work).exit_code == 0
    shutil.copy(MANILA, work / "old" / "mine.yaml")
    before = snapshot(tmp_path)
    res = invoke(["run", "old/mine.yaml", *FAST, "--out", "old", "--force"], work)
    assert_refused(res, "input file")
    assert snapshot(tmp_path) == before


def test_force_replaces_an_empty_folder_and_a_botsim_folder(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    res = invoke(["run", MANILA, *FAST, "--out", "empty", "--force"], tmp_path)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "empty" / "manifest.json").is_file()
    res = invoke(["run", MANILA, *FAST, "--out", "empty", "--force", "--seed", "9"], tmp_path)
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "empty" / "manifest.json").read_text())["seed"] == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_force_replaces_a_link_to_a_botsim_folder_not_the_folder(tmp_path) -> None:
    assert invoke(["run", MANILA, *FAST, "--out", "real"], tmp_path).exit_code == 0
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    res = invoke(["run", MANILA, *FAST, "--out", "link", "--force"], tmp_path)
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "link").is_symlink() and (tmp_path / "link" / "manifest.json").exists()
    assert (tmp_path / "real" / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


# -- compare, sweep, calibrate: the same check -------------------------------------------------


def test_compare_force_never_deletes_a_compared_scenario(tmp_path, project) -> None:
    before = snapshot(tmp_path)
    res = invoke(["compare", "proj/s.yaml", MANILA, *FAST, "--out", "proj", "--force"], tmp_path)
    assert_refused(res, "input file", "s.yaml")
    assert snapshot(tmp_path) == before


def test_compare_force_never_wipes_the_working_directory(tmp_path, project) -> None:
    (project / "s.yaml").unlink()
    before = snapshot(tmp_path)
    res = invoke(["compare", MANILA, MANILA, *FAST, "--out", ".", "--force"], project)
    assert_refused(res, "working directory")
    assert snapshot(tmp_path) == before


def test_sweep_force_never_deletes_the_sweep_or_its_base(tmp_path, project) -> None:
    (project / "tiny.yaml").write_text(SWEEP)
    before = snapshot(tmp_path)
    res = invoke(["sweep", "proj/tiny.yaml", "--no-report", "--out", "proj", "--force"], tmp_path)
    assert_refused(res, "input file")
    assert snapshot(tmp_path) == before
    # The base scenario alone inside --out is enough to refuse.
    (tmp_path / "tiny.yaml").write_text(SWEEP.replace("base: s.yaml", "base: proj/s.yaml"))
    (project / "tiny.yaml").unlink()
    before = snapshot(tmp_path)
    res = invoke(["sweep", "tiny.yaml", "--no-report", "--out", "proj", "--force"], tmp_path)
    assert_refused(res, "input file", "s.yaml")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("option", ["--out", "--retention-csv"])
def test_calibrate_force_never_overwrites_its_records(tmp_path, option) -> None:
    shutil.copy(EMPLOYEES, tmp_path / "employees.csv")
    before = snapshot(tmp_path)
    args = ["calibrate", "--employees", "employees.csv", "--name", "ours", "--no-report"]
    res = invoke([*args, option, "employees.csv", "--force"], tmp_path)
    assert_refused(res, "employees.csv", "input file")
    assert snapshot(tmp_path) == before


# -- a live run's staging folder -------------------------------------------------------------


@pytest.fixture
def live_run(tmp_path: Path):
    """A run of tmp_path/run being written right now: its staging folder is locked."""
    staged = StagedRun.create(tmp_path / "run", make_scenario(), 1, 4)
    yield staged
    staged.release()


@pytest.mark.parametrize("command", ["run", "compare"])
def test_force_never_removes_a_live_runs_staging_folder(tmp_path, live_run, command) -> None:
    before = snapshot(tmp_path)
    files = [MANILA] if command == "run" else [MANILA, MANILA]
    res = invoke([command, *files, *FAST, "--out", "run", "--force"], tmp_path)
    assert_refused(res, "still running", "live botsim process", INCOMPLETE_PREFIX + "run")
    assert snapshot(tmp_path) == before
    assert (live_run.staging / "partial.json").is_file()


def test_without_force_a_live_run_is_said_to_be_running_not_interrupted(tmp_path, live_run) -> None:
    res = invoke(["run", MANILA, *FAST, "--out", "run"], tmp_path)
    assert_refused(res, "still running")
    assert "interrupted" not in res.stderr
