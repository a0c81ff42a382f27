"""Bad data: a clear error naming file, line and column; exit code 2; no profile written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from botsim.cli import main

GOOD_EMPLOYEES = (
    "employee_id,hire_date,resignation_date,exit_date,exit_kind\n"
    "E1,2022-01-03,,,\n"
    "E2,2022-01-10,2022-06-01,2022-07-01,resignation\n"
    "E3,2022-02-01,,2022-03-15,dismissal\n"
)
GOOD_REQUISITIONS = (
    "requisition_id,opened_date,filled_date,start_date,no_show,offers_made,offers_accepted\n"
    "R1,2022-01-01,2022-01-20,2022-02-19,false,2,1\n"
    "R2,2022-01-05,,,,,\n"
)


def _run(tmp_path: Path, employees: str, requisitions: str | None = None, *extra: str):
    emp = tmp_path / "staff.csv"
    emp.write_text(employees)
    args = ["calibrate", "--employees", str(emp), "--name", "x", "--out", str(tmp_path / "x.yaml")]
    if requisitions is not None:
        req = tmp_path / "reqs.csv"
        req.write_text(requisitions)
        args += ["--requisitions", str(req)]
    result = CliRunner().invoke(main, [*args, *extra])
    return result, tmp_path / "x.yaml"


def test_good_data_writes_a_profile(tmp_path):
    result, out = _run(tmp_path, GOOD_EMPLOYEES, GOOD_REQUISITIONS)
    assert result.exit_code == 0, result.output
    assert out.exists()
    # Three people cannot inform a hazard: the report says so for every band.
    assert "warning: attrition band 0-3 m: too little exposure to trust" in result.output
    assert "warning: attrition band 12+ m: no exposure" in result.output
    # One filled requisition: the time-to-fill fit is flagged too.
    assert "warning: time to fill from only 1 filled requisitions" in result.output


@pytest.mark.parametrize(
    ("employees", "expected"),
    [
        (
            GOOD_EMPLOYEES.replace("hire_date,", "start,"),
            ["staff.csv, line 1, column 'hire_date'", "missing column"],
        ),
        (
            GOOD_EMPLOYEES.replace("2022-02-01", "2022-02-30"),
            ["staff.csv, line 4, column 'hire_date'", "cannot read date '2022-02-30'"],
        ),
        (
            GOOD_EMPLOYEES.replace("2022-03-15", "01/03/2022"),
            ["staff.csv, line 4, column 'exit_date'", "YYYY-MM-DD"],
        ),
        (
            GOOD_EMPLOYEES.replace("2022-03-15", "2021-12-31"),
            ["staff.csv, line 4, column 'exit_date'", "exit before hire"],
        ),
        (
            GOOD_EMPLOYEES.replace("E3,", "E1,"),
            ["staff.csv, line 4, column 'employee_id'", "duplicate id 'E1' (first on line 2)"],
        ),
        ("", ["staff.csv", "empty file"]),
        (
            "employee_id,hire_date,exit_date,exit_kind\n",
            ["staff.csv, line 2", "no records"],
        ),
        (
            GOOD_EMPLOYEES.replace("dismissal", "fired"),
            ["staff.csv, line 4, column 'exit_kind'", "unknown exit kind 'fired'"],
        ),
        (
            GOOD_EMPLOYEES.replace(",,2022-03-15,dismissal", ",,2022-03-15,"),
            ["staff.csv, line 4, column 'exit_kind'", "needs an exit_kind"],
        ),
    ],
    ids=[
        "missing-column",
        "impossible-date",
        "unparseable-date",
        "exit-before-hire",
        "duplicate-id",
        "empty-file",
        "header-only",
        "unknown-kind",
        "exit-without-kind",
    ],
)
def test_bad_employee_file(tmp_path, employees, expected):
    result, out = _run(tmp_path, employees)
    assert result.exit_code == 2, result.output
    for text in expected:
        assert text in result.output
    assert "no profile written" in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize(
    ("requisitions", "expected"),
    [
        (
            GOOD_REQUISITIONS.replace("2022-01-20", "2021-12-20"),
            ["reqs.csv, line 2, column 'filled_date'", "filled before opened"],
        ),
        (
            GOOD_REQUISITIONS.replace("R2,", "R1,"),
            ["reqs.csv, line 3, column 'requisition_id'", "duplicate id 'R1'"],
        ),
        (
            GOOD_REQUISITIONS.replace("opened_date", "opened"),
            ["reqs.csv, line 1, column 'opened_date'", "missing column"],
        ),
        (
            GOOD_REQUISITIONS.replace("false,2,1", "maybe,2,1"),
            ["reqs.csv, line 2, column 'no_show'", "expected true or false"],
        ),
        (
            GOOD_REQUISITIONS.replace("false,2,1", "false,1,2"),
            ["reqs.csv, line 2, column 'offers_accepted'", "offers_accepted 2 > offers_made 1"],
        ),
    ],
    ids=["filled-before-opened", "duplicate-id", "missing-column", "bad-flag", "bad-counts"],
)
def test_bad_requisition_file(tmp_path, requisitions, expected):
    result, out = _run(tmp_path, GOOD_EMPLOYEES, requisitions)
    assert result.exit_code == 2, result.output
    for text in expected:
        assert text in result.output
    assert not out.exists()


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    bad = GOOD_EMPLOYEES.replace("2022-02-01", "2022-02-30").replace("E2,", "E1,")
    result, _ = _run(tmp_path, bad)
    assert result.exit_code == 2
    assert "line 3, column 'employee_id'" in result.output
    assert "line 4, column 'hire_date'" in result.output


def test_missing_file_and_unknown_base(tmp_path):
    result = CliRunner().invoke(
        main, ["calibrate", "--employees", str(tmp_path / "nope.csv"), "--name", "x"]
    )
    assert result.exit_code == 2
    assert "nope.csv: file not found" in result.output
    result, out = _run(tmp_path, GOOD_EMPLOYEES, None, "--base", "atlantis")
    assert result.exit_code == 2
    assert "unknown profile" in result.output
    assert not out.exists()


def test_dates_after_as_of_are_refused(tmp_path):
    result, out = _run(tmp_path, GOOD_EMPLOYEES, None, "--as-of", "2022-05-01")
    assert result.exit_code == 2
    assert "staff.csv, line 3, column 'exit_date': 2022-07-01 is after the as-of date" in (
        result.output
    )
    assert not out.exists()


def test_never_overwrites_without_force(tmp_path):
    out = tmp_path / "x.yaml"
    out.write_text("keep me")
    result, _ = _run(tmp_path, GOOD_EMPLOYEES)
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert out.read_text() == "keep me"
    result, _ = _run(tmp_path, GOOD_EMPLOYEES, None, "--force")
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# Location profile 'x'")
