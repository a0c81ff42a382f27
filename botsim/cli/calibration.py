"""``botsim calibrate``: fit a location profile from a company's own HR and recruiting records.

Translates options into one :func:`botsim.calibrate.calibrate` call, prints the report and
writes the profile atomically. Bad data, an unknown base profile or an existing output file
exit with code 2 and write nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from botsim.cli.options import fail_input


def _parse_bands(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        fail_input(f"--bands: expected comma-separated month numbers like 0,3,6,12, got {text!r}")
    return None  # pragma: no cover


@click.command()
@click.option(
    "--employees",
    "employees",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Employee records CSV: employee_id, hire_date, exit_date, exit_kind "
    "[, resignation_date, location, role].",
)
@click.option(
    "--requisitions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Requisition records CSV: requisition_id, opened_date, filled_date [, cancelled_date, "
    "start_date, no_show, offers_made, offers_accepted, applicants, <stage>_passed, "
    "<stage>_days, offer_days, location].",
)
@click.option("--name", required=True, help="Name of the new profile.")
@click.option(
    "--base",
    default="philippines",
    show_default=True,
    help="Built-in profile name or profile file for the values the records cannot inform.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Profile file to write (default: ./<name>.yaml).",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file (never an input file).")
@click.option("--location", default=None, help="Use only records whose location column is this.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the records were extracted; staff still employed are censored there "
    "(default: the latest date in the records, refused if it is after today or more than "
    "180 days after the next-latest date).",
)
@click.option(
    "--bands",
    default=None,
    metavar="0,3,6,12",
    help="Tenure band starts in months (default: the base profile's bands).",
)
@click.option("--country", default=None, help="Country of the profile (default: the base's).")
@click.option(
    "--retention-csv",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the Kaplan-Meier retention curve (tenure in months) to this CSV.",
)
@click.option(
    "--no-report",
    is_flag=True,
    help="Do not write the HTML calibration report (<profile>.report.html).",
)
def calibrate(
    employees: Path,
    requisitions: Path | None,
    name: str,
    base: str,
    out: Path | None,
    force: bool,
    location: str | None,
    as_of: dt.datetime | None,
    bands: str | None,
    country: str | None,
    retention_csv: Path | None,
    no_report: bool,
) -> None:
    """Fit a location profile from employee (and requisition) records.

    Attrition hazards per tenure band come from exits and person-time with current staff
    right-censored; recruiting values from requisitions. Every fitted value is labelled
    "fitted from FILE, n = ..., 95% CI ..." in the profile's sources; the rest comes from
    --base with its own label. Use the result with `profile: <path>` in a scenario.
    """
    from botsim import calibrate as cb
    from botsim.inputs.loader import ScenarioError
    from botsim.inputs.scenario import slug

    if not name.strip() or len(name) > 64:
        fail_input("--name must be 1 to 64 characters")
    from botsim.experiment.outputs import OutputError, check_replaceable

    target = out if out is not None else Path(f"{slug(name)}.yaml")
    page = None if no_report else target.with_name(f"{target.stem}.report.html")
    # --force replaces an earlier profile, CSV or page, never a records or base profile file.
    inputs = [p for p in (employees, requisitions, Path(base)) if p is not None and p.is_file()]
    for path in (target, retention_csv, page):
        if path is not None:
            try:
                cb.check_destination(path, force)
                if force:
                    check_replaceable(path, inputs, expect="file")
            except (cb.OutputExists, OutputError) as exc:
                fail_input(str(exc))
    try:
        cal = cb.calibrate(
            employees,
            requisitions,
            name=name,
            base=base,
            location=location,
            as_of=as_of.date() if as_of else None,
            band_months=_parse_bands(bands),
            country=country,
        )
    except cb.CalibrationError as exc:
        fail_input(f"cannot calibrate, no profile written:\n{exc}")
    except ScenarioError as exc:
        fail_input(f"--base: {exc}")
    click.echo(cb.format_report(cal))
    try:
        written = cb.write_profile(cal, target, force=force)
        if retention_csv is not None:
            table = cal.retention.rename(columns={"time": "tenure_months"})
            cb.write_text_atomic(retention_csv, table.to_csv(index=False), force=force)
        if page is not None:
            from botsim.report.calibration import write_calibration_report

            click.echo(f"report: {write_calibration_report(cal, page, force=force)}")
    except cb.OutputExists as exc:
        fail_input(str(exc))
    except OSError as exc:
        fail_input(f"cannot write {target}: {exc.strerror or exc}")
    click.echo(f"\nwrote {written}; use it in a scenario with `profile: {written}`")
