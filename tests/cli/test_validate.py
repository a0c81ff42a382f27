"""``botsim validate`` (and the input side of ``botsim run``) through the click CLI.

Issue 2's "Bad input" bullet is checked here bullet by bullet; the full corpus of hostile files
is in ``tests/badinput``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from botsim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
CORPUS = ROOT / "tests" / "badinput" / "cases"


def invoke(args: list[str], cwd: Path) -> Result:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args)
    finally:
        os.chdir(old)


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(scenario: Path, tmp_path: Path):
    result = invoke(["validate", str(scenario)], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert f"{scenario}: valid scenario" in result.stdout
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_validate_applies_and_revalidates_overrides(tmp_path: Path):
    scenario = str(ROOT / "scenarios" / "manila-finance-20.yaml")
    ok = invoke(["validate", scenario, "--set", "horizon_months=18"], tmp_path)
    assert ok.exit_code == 0 and "18 months" in ok.stdout
    bad = invoke(["validate", scenario, "--set", "horizon_months=-1"], tmp_path)
    assert bad.exit_code == 2
    assert "horizon_months: Input should be greater than or equal to 1, got -1" in bad.stderr


def test_validate_toml(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "t"\nhorizon_months = 12\n[[locations]]\nname = "m"\nprofile = "philippines"\n'
        '[[roles]]\nname = "a"\nlocation = "m"\nfamily = "finance"\n'
        "plan = [{month = 0, headcount = 3}]\n",
        encoding="utf-8",
    )
    result = invoke(["validate", str(path)], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "valid scenario 't'" in result.stdout


def test_every_problem_is_listed_with_a_count(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: t\nhorizon_months: 0\nreplications: -3\nlocations:\n"
        "  - {name: m, profile: philippines, notice_days: -1}\n"
        "roles:\n  - {name: a, location: m, family: finance, plan: [{month: 0, headcount: 3}]}\n",
        encoding="utf-8",
    )
    result = invoke(["validate", str(path)], tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {path}: invalid scenario (3 problem(s))"
    assert "  - horizon_months: Input should be greater than or equal to 1, got 0" in lines
    assert "  - replications: Input should be greater than or equal to 1, got -3" in lines
    assert "  - locations[0].notice_days: Input should be greater than or equal to 0, got -1" in (
        lines
    )
    assert result.stdout == ""


# Issue 2, "Bad input": each bullet, the corpus file that covers it, and what stderr must name
# (field path and bad value; the file is always checked).
ISSUE_2_BAD_INPUT = {
    "unknown key": ("unknown-key-typo.yaml", ["horizon_month: unknown field", "horizon_months"]),
    "wrong type": ("wrong-type-text-for-int.yaml", ["horizon_months:", "got 'two years'"]),
    "probability above 1": (
        "probability-above-one.yaml",
        ["locations[0].recruiting.no_show:", "less than 1", "got 1.7"],
    ),
    "negative duration": (
        "negative-duration.yaml",
        ["locations[0].notice_days:", "greater than or equal to 0", "got -30"],
    ),
    "empty file": ("empty.yaml", ["file is empty"]),
    "not YAML at all": ("binary.yaml", ["not UTF-8 text"]),
    "not YAML syntax": ("malformed-unclosed-flow.yaml", ["not valid YAML at line"]),
    "unknown profile name": (
        "unknown-profile.yaml",
        ["locations[0].profile:", "did you mean 'philippines'?", "got 'philipines'"],
    ),
    "missing file": (None, ["file not found"]),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    ("case", "fragments"), ISSUE_2_BAD_INPUT.values(), ids=ISSUE_2_BAD_INPUT.keys()
)
def test_issue_2_bad_input(case: str | None, fragments: list[str], command: str, tmp_path: Path):
    path = CORPUS / case if case else tmp_path / "missing.yaml"
    outputs = tmp_path / "outputs"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    args = [command, str(path)]
    if command == "run":
        args += ["--outputs", str(outputs), "--no-progress"]
    result = invoke(args, cwd)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr + result.stdout
    assert str(path) in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert not outputs.exists()
    assert list(cwd.iterdir()) == []  # no default outputs/ folder either


def test_validate_needs_a_file(tmp_path: Path):
    result = invoke(["validate"], tmp_path)
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr
