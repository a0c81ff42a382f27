"""What calibrate writes and prints: the profile YAML with its header, the console report,
and atomic writing that never clobbers an existing file unless asked."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path

from botsim.calibrate.checks import CHECK_SEARCHES
from botsim.calibrate.result import Calibration


class OutputExists(Exception):
    """The destination exists and ``force`` was not given."""


def profile_text(cal: Calibration) -> str:
    """The profile as YAML, with a header saying how it was produced."""
    from botsim import __version__
    from botsim.inputs.loader import dump_yaml

    header = [
        f"# Location profile {cal.name!r}, calibrated by botsim {__version__} `botsim calibrate`.",
        f"# Employees: {cal.employees_file} ({cal.employees} records)"
        + (
            f"; requisitions: {cal.requisitions_file} ({cal.requisitions} records)"
            if cal.requisitions_file
            else ""
        )
        + f"; as of {cal.as_of} ({cal.as_of_basis}).",
        "# Values labelled 'fitted from ...' come from these records; the others from "
        f"base profile {cal.base!r}.",
        "# Use it in a scenario with `profile: <path to this file>` (relative to the scenario).",
    ]
    return "\n".join(header) + "\n" + dump_yaml(cal.document)


def check_destination(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise OutputExists(f"{path} already exists; choose another --out or pass --force")
    if path.exists() and path.is_dir():
        raise OutputExists(f"{path} is a directory, expected a file path")


def write_text_atomic(path: str | Path, text: str, force: bool = False) -> Path:
    """Write ``text`` to ``path`` via a temporary file and one atomic step; never clobber
    an existing file unless ``force``."""
    path = Path(path)
    check_destination(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile: no silent overwrite
            except FileExistsError:
                raise OutputExists(
                    f"{path} already exists; choose another --out or pass --force"
                ) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_profile(cal: Calibration, path: str | Path, force: bool = False) -> Path:
    """Write the calibrated profile atomically (refuses to overwrite unless ``force``)."""
    return write_text_atomic(path, profile_text(cal), force)


def format_report(cal: Calibration) -> str:
    """The console calibration report: sample sizes, fits with intervals, warnings."""
    out: list[str] = []
    add = out.append
    add(f"Calibration of profile {cal.name!r} (base {cal.base!r})")
    add(f"  as-of date: {cal.as_of} ({cal.as_of_basis}); staff still employed are censored there")
    add(f"  employees: {cal.employees_file}, {cal.employees} records")
    if cal.requisitions_file:
        add(f"  requisitions: {cal.requisitions_file}, {cal.requisitions} records")
    add("")
    add("Attrition hazards per year = exits / person-years (piecewise-exponential MLE,")
    add("right-censored current staff); 95% exact Poisson (chi-square) intervals")
    add(
        f"  {'tenure':<10}{'person-yr':>10}{'vol.':>6}  {'voluntary [95% CI]':<24}"
        f"{'invol.':>6}  {'involuntary [95% CI]':<24}"
    )
    for b in cal.bands:
        span = (
            f"{b.from_month:g}-{b.to_month:g} m"
            if math.isfinite(b.to_month)
            else (f"{b.from_month:g}+ m")
        )
        if not b.fitted:
            add(f"  {span:<10}{0:>10.1f}  no exposure: base value kept")
            continue
        v, i = b.voluntary, b.involuntary
        add(
            f"  {span:<10}{b.person_years:>10.1f}{v.n:>6}  "
            f"{f'{v.value:.3f} [{v.low:.3f}, {v.high:.3f}]':<24}{i.n:>6}  "
            f"{i.value:.3f} [{i.low:.3f}, {i.high:.3f}]" + ("  (!)" if b.warning else "")
        )
    for label, est in (
        ("no-notice share of voluntary exits", cal.no_notice_share),
        (f"probation failure ({cal.probation_months:g} months)", cal.probation_failure),
    ):
        if est is not None:
            add(f"  {label}: {est.value:.3f} [{est.low:.3f}, {est.high:.3f}], n = {est.n} (Wilson)")
    if cal.notice_days is not None:
        e = cal.notice_days
        add(f"  notice days: {e.value:.1f} [{e.low:.1f}, {e.high:.1f}], n = {e.n} resignations")
    add("")
    add(
        "Retention (Kaplan-Meier, time to notice or exit; Greenwood log-log 95% CI) vs fitted model"
    )
    add(f"  {'month':>5}{'at risk':>9}  {'KM [95% CI]':<22}{'model':>7}")
    for month, s, lo, hi, at_risk, model in cal.retention_check:
        add(f"  {month:>5}{at_risk:>9}  {f'{s:.3f} [{lo:.3f}, {hi:.3f}]':<22}{model:>7.3f}")
    if cal.time_to_fill is not None:
        ttf = cal.time_to_fill
        add("")
        add(
            f"Time to fill (opened -> offer accepted): {ttf.n} filled, {ttf.censored} censored "
            "(cancelled or open)"
        )
        add(
            "  observed mean (Kaplan-Meier restricted mean): "
            f"{cal.time_to_fill_observed_mean:.1f} days"
        )
        add(f"  {'family':<13}{'parameters':<44}{'AIC':>9}{'dAIC':>7}")
        best = ttf.families[0].aic if ttf.families else 0.0
        for f in ttf.families:
            add(
                f"  {f.family:<13}{f.describe()[len(f.family) :]:<44}"
                f"{f.aic:>9.1f}{f.aic - best:>7.1f}"
            )
        if ttf.families:
            add(f"  best by AIC: {ttf.families[0].family}")
        add(f"  funnel mapping: {cal.funnel_time}")
        if cal.finalist_rate is not None:
            r = cal.finalist_rate
            add(
                f"  accepting-finalist rate: {r.value:.4f}/day [{r.low:.4f}, {r.high:.4f}] "
                f"(exact Poisson, n = {r.n})"
            )
        if cal.applicants_per_week is not None:
            a = cal.applicants_per_week
            add(f"  applicants_per_week: {a.value:.3g} [{a.low:.3g}, {a.high:.3g}] ({a.method})")
        if cal.model_mean_time_to_fill is not None:
            check = (
                f"; simulated {CHECK_SEARCHES} searches with botsim: "
                f"{cal.simulated_mean_time_to_fill:.1f}"
                if cal.simulated_mean_time_to_fill is not None
                else ""
            )
            add(
                f"  model mean time to fill: {cal.model_mean_time_to_fill:.1f} days{check} "
                f"(observed {cal.time_to_fill_observed_mean:.1f}; excludes waiting for a recruiter)"
            )
        for name, est in cal.pass_rates.items():
            add(f"  {name} pass rate: {est.value:.3f} [{est.low:.3f}, {est.high:.3f}], n = {est.n}")
        for label, est in (("offer acceptance", cal.offer_acceptance), ("no-show", cal.no_show)):
            if est is not None:
                add(
                    f"  {label}: {est.value:.3f} [{est.low:.3f}, {est.high:.3f}], "
                    f"n = {est.n} (Wilson)"
                )
        for fit in [cal.candidate_notice, *cal.stage_durations.values()]:
            if fit is not None:
                add(
                    f"  {fit.what}: {fit.chosen_family} {fit.chosen}, mean {fit.mean.value:.1f} "
                    f"[{fit.mean.low:.1f}, {fit.mean.high:.1f}], n = {fit.n}"
                )
    if cal.notes:
        add("")
        for note in cal.notes:
            add(f"note: {note}")
    if cal.warnings:
        add("")
        for warning in cal.warnings:
            add(f"warning: {warning}")
    return "\n".join(out)


def write_csv(path: str | Path, rows: Sequence[dict[str, str]], force: bool = False) -> Path:
    """Write dict rows as CSV (columns from the first row), atomically."""
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return write_text_atomic(path, buf.getvalue(), force)
