"""Bad data: a clear error naming file, line and column; exit code 2; no profile written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from botsim.cli.main import main

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


# --------------------------------------------------------------------------- the as-of date

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("year", ["2099", "9999"])
def test_a_hire_date_after_today_is_refused_without_as_of(tmp_path, year):
    """Issue 18: one hire date typed as 2099 became the as-of date (12+-month voluntary
    attrition 0.30 -> 0.004, exit 0, no warning)."""
    employees = (EXAMPLES / "synthetic-employees.csv").read_text(encoding="utf-8")
    lines = employees.splitlines(keepends=True)
    lines[4] = lines[4].replace(",2023-02-16,", f",{year}-02-16,", 1)  # still employed
    result, out = _run(tmp_path, "".join(lines))
    assert result.exit_code == 2, result.output
    assert f"staff.csv, line 5, column 'hire_date': {year}-02-16 is after today" in result.output
    assert "give --as-of" in result.output
    assert not out.exists()


def test_a_date_far_after_all_others_is_refused_without_as_of(tmp_path):
    typo = GOOD_EMPLOYEES.replace("2022-03-15", "2023-03-15")  # 257 days after 2022-07-01
    result, out = _run(tmp_path, typo)
    assert result.exit_code == 2, result.output
    assert (
        "staff.csv, line 4, column 'exit_date': 2023-03-15 is the latest date in the records "
        "but 257 days after the next latest (2022-07-01, staff.csv line 3, column exit_date)"
    ) in result.output
    assert not out.exists()
    # Stated with --as-of, the same records are accepted.
    result, out = _run(tmp_path, typo, None, "--as-of", "2023-04-01")
    assert result.exit_code == 0, result.output
    assert "as-of date: 2023-04-01 (given with --as-of)" in result.output


def test_as_of_after_today_is_refused(tmp_path):
    result, out = _run(tmp_path, GOOD_EMPLOYEES, None, "--as-of", "2099-01-01")
    assert result.exit_code == 2
    assert "--as-of: 2099-01-01 is after today" in result.output
    assert not out.exists()


def test_a_date_longer_than_a_working_life_before_as_of_is_refused(tmp_path):
    result, out = _run(tmp_path, GOOD_EMPLOYEES.replace("2022-01-03", "1922-01-03"))
    assert result.exit_code == 2
    assert "line 2, column 'hire_date': 1922-01-03 is more than 50 years before" in result.output
    assert not out.exists()


def test_the_as_of_date_used_is_stated_on_the_console_and_in_the_profile(tmp_path):
    result, out = _run(tmp_path, GOOD_EMPLOYEES)
    assert result.exit_code == 0, result.output
    basis = "the latest date in the records, staff.csv line 3, column exit_date"
    assert f"as-of date: 2022-07-01 ({basis})" in result.output
    text = out.read_text(encoding="utf-8")
    assert f"as of 2022-07-01 ({basis})." in text  # header comment
    from botsim.inputs.loader import load_profile

    profile = load_profile(str(out))
    assert profile.as_of.isoformat() == "2022-07-01"
    assert " ".join(profile.description.split()).count(f"records as of 2022-07-01, {basis}") == 1


def test_the_examples_calibrate_without_warnings_or_refusals(tmp_path):
    args = [
        "calibrate",
        "--employees",
        str(EXAMPLES / "synthetic-employees.csv"),
        "--name",
        "demo",
        "--out",
        str(tmp_path / "demo.yaml"),
        "--no-report",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "as-of date: 2025-12-" in result.output
    assert "warning" not in result.output


def test_a_fitted_value_outside_the_schema_is_a_clear_error(tmp_path):
    """Three people and an early as-of date fit a 3-6 month hazard of 7.2 per year, above the
    schema's bound: exit 2 naming the value, not a pydantic traceback."""
    typo = GOOD_EMPLOYEES.replace("2022-01-03", "2022-06-20")
    result, out = _run(tmp_path, typo, None, "--as-of", "2022-07-01")
    assert result.exit_code == 2, result.output
    assert "the fitted profile is not valid: values.attrition.bands[1].voluntary" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
