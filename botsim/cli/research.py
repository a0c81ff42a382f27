"""Research commands: ``botsim compare``, ``botsim sweep``, ``botsim report``.

Like the rest of the CLI these only translate options into library calls
(:func:`botsim.experiment.runner.run_experiment`, :mod:`botsim.experiment.sweep`,
:mod:`botsim.report`) and print
the answer. Exit codes: 0 success; 1 finished but some replications failed; 2 invalid input
(scenario, sweep, option, output folder, or a folder that cannot be reported on).
"""

from __future__ import annotations

import contextlib
import math
import sys
from pathlib import Path
from typing import Any

import click

from botsim.cli.options import (
    ProgressBar,
    check_before_running,
    fail_input,
    no_progress_option,
    out_option,
    output_check,
    outputs_option,
    overrides_option,
    replications_option,
    report_progress,
    scheduler_option,
    seed_option,
    show_progress,
    workers_option,
)


def _executor_options(workers: int | None, scheduler: str | None) -> dict[str, Any]:
    """The executor keywords of run_experiment that were given (``None``: its default)."""
    given = {"workers": workers, "scheduler": scheduler}
    return {key: value for key, value in given.items() if value is not None}


@contextlib.contextmanager
def _executor_errors():
    """An executor that cannot start (no Dask, unreachable scheduler) is an input error."""
    from botsim.experiment.executors import ExecutorUnavailable

    try:
        yield
    except ExecutorUnavailable as exc:
        fail_input(str(exc))


def _letter(k: int) -> str:
    return chr(ord("A") + k) if k < 26 else f"S{k + 1}"


def _num(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"


common_options = [
    replications_option("Replications per scenario (default: the file's `replications`)."),
    seed_option("Root seed shared by every scenario (common random numbers)."),
    out_option("Output folder (default: outputs/<kind>-<name>-<UTC time>)."),
    outputs_option("Where default output folders go."),
    click.option(
        "--confidence",
        type=click.FloatRange(0.5, 0.999),
        default=None,
        help="Confidence level of every interval (jointly, with Bonferroni, for k > 2) "
        "[default: 0.95; with --resume, the interrupted study's].",
    ),
    workers_option(
        "Local worker processes (default: all cores, at most one per replication; "
        "same numbers on any count)."
    ),
    scheduler_option("Dask scheduler address (same numbers).", metavar="URL"),
    click.option(
        "--force",
        is_flag=True,
        help="Replace an existing --out folder: only an empty or botsim-written one that holds "
        "no input file and is not the working directory or above it.",
    ),
    click.option("--no-report", is_flag=True, help="Write the tables only (no figures/HTML)."),
    no_progress_option(),
    click.option(
        "--resume",
        "resume",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Finish an interrupted study (its --out folder or its .incomplete-* folder): only "
        "the replications it had not saved are run, to the same numbers. Its inputs, seed, "
        "count and confidence are checked against what is given.",
    ),
    click.option(
        "--dry-run",
        is_flag=True,
        help="Make every check (scenarios, column names, output folder, memory) and exit "
        "without running: 0 if all pass, 2 if not.",
    ),
]


def _with_common(func):
    for option in reversed(common_options):
        func = option(func)
    return func


def _target(out: Path | None, root: Path, name: str) -> Path:
    """``--out``, or a new folder named after the study under ``--outputs``."""
    from botsim.experiment.outputs import OutputError, named_run_dir

    try:
        return out if out is not None else named_run_dir(root, name)
    except OutputError as exc:
        fail_input(str(exc))


def _resume_target(resume: Path | None, out: Path | None, kind: str) -> dict[str, Any]:
    """The partial manifest of the study ``--resume`` names ({} without --resume)."""
    from botsim.experiment.outputs import read_partial, study_folder

    if resume is None:
        return {}
    if out is not None:
        fail_input(f"--resume finishes the {kind} in its own folder; --out cannot be combined")
    return read_partial(study_folder(resume)) or {}


def _resume_check(
    resume: Path, kind: str, hashes: list[str], seed: int | None, n: int, level: float | None
) -> str:
    from botsim.experiment.outputs import StagedStudy, study_folder

    return StagedStudy.check_resumable(study_folder(resume), kind, hashes, seed, n, level)


@contextlib.contextmanager
def _stops_kept(command: str):
    """Ctrl-C or kill (SIGTERM) keeps the study's finished chunks: exit 130 (1 for a lost
    worker) saying how to resume (as ``botsim run`` does)."""
    from botsim.cli.main import _sigterm_as_interrupt, _stopped
    from botsim.experiment.run_folder import RunStopped

    try:
        with _sigterm_as_interrupt():
            yield
    except RunStopped as exc:
        _stopped(exc, command)


def _dry_run(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"  ok  {line}")
    click.echo("dry run: every check passed; nothing was run or written")


@click.command()
@click.argument("scenario_files", nargs=-1, type=click.Path(dir_okay=False))
@overrides_option("Override a value in every scenario (repeatable).")
@_with_common
@click.option(
    "--drivers/--no-drivers",
    default=True,
    show_default=True,
    envvar="BOTSIM_DRIVERS",
    help="After the comparison, move each cost term (fees, governance, buy-out, wages, FX, "
    "discount rate...) to a low and a high value, one at a time with the same seed, and say "
    "which terms decide the cost difference of the first two scenarios and at what value it "
    "changes sign (cost_drivers.parquet). --no-drivers (or BOTSIM_DRIVERS=0) skips it.",
)
@click.option(
    "--drivers-replications",
    type=click.IntRange(2, 1_000_000),
    default=None,
    metavar="N",
    help="Replications per variant of the cost drivers (default: 50, at most the comparison's).",
)
def compare(
    scenario_files: tuple[str, ...],
    overrides: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    out: Path | None,
    outputs_root: Path,
    confidence: float | None,
    workers: int | None,
    scheduler: str | None,
    force: bool,
    no_report: bool,
    no_progress: bool,
    resume: Path | None,
    dry_run: bool,
    drivers: bool,
    drivers_replications: int | None,
) -> None:
    """Compare scenarios pairwise under common random numbers.

    Every scenario runs with the same seed, so replication j of each uses the same random
    streams; each key metric's paired difference is reported with its interval, the better
    scenario and whether the difference is significant (Bonferroni for more than two).
    """
    from botsim.experiment.comparison import check_comparison_columns, unique_names
    from botsim.experiment.executors import planned_workers
    from botsim.experiment.memory import check_memory
    from botsim.experiment.outputs import OutputError
    from botsim.inputs.loader import ScenarioError, load_scenario
    from botsim.report import ReportError, compare_to_folder

    saved = _resume_target(resume, out, "compare")
    sources = list(scenario_files)
    extra = {"overrides": list(overrides)} if scenario_files else {}  # else the saved ones
    if resume is not None and not scenario_files:
        # The resolved scenarios the interrupted comparison saved (its files may have moved).
        from botsim.experiment.outputs import saved_scenario_files

        scenario_files = tuple(str(p) for p in saved_scenario_files(resume) if p.is_file())
        sources = list(saved.get("sources") or scenario_files)
        if len(scenario_files) < 2:
            fail_input(f"no interrupted comparison with saved scenarios at {resume}")
    if len(scenario_files) < 2:
        fail_input("compare needs at least two scenario files")
    if not drivers and drivers_replications is not None:
        fail_input(
            "--drivers-replications sizes the drivers; it cannot be combined with --no-drivers"
        )
    scenarios = []
    for path in scenario_files:
        try:
            scenarios.append(load_scenario(path, overrides))
        except ScenarioError as exc:
            fail_input(str(exc))
    names = unique_names([s.name for s in scenarios])
    n = replications or saved.get("replications") or scenarios[0].replications
    workers = planned_workers(workers, scheduler, n)
    if resume is not None:
        from botsim.experiment.outputs import scenario_hash

        hashes = [scenario_hash(s) for s in scenarios]
        target = resume

        def folder_check() -> str:
            return _resume_check(resume, "compare", hashes, seed, n, confidence)
    else:
        target = _target(out, outputs_root, "compare-" + "-vs-".join(names))

        def folder_check() -> str:
            return output_check(target, force, tuple(scenario_files))

    checks = check_before_running(
        [
            lambda: f"scenarios: {len(scenarios)} valid",
            lambda: check_comparison_columns(scenarios),
            folder_check,
            lambda: check_memory(
                scenarios,
                n,
                workers,
                f"a comparison of {len(scenarios)} scenarios x {n:,} replications",
                " per scenario",
            ),
        ]
    )
    if dry_run:
        click.echo(f"compare {' vs '.join(names)}: {n:,} replications each")
        _dry_run(checks)
        return

    bar = ProgressBar(show_progress(click.get_current_context(), no_progress))

    def announce(name: str, n: int, seed: int) -> None:
        if not bar.show:
            click.echo(f"running {name}: {n} replications, seed {seed}", err=True)
        bar.start(f"{len(scenarios)} scenarios")
        bar.set_total(n * len(scenarios))

    try:
        with bar, _executor_errors(), _stops_kept("compare"):
            folder, comparison = compare_to_folder(
                target,
                scenarios,
                n,
                seed,
                sources=sources,
                confidence=confidence,
                manifest_extra=extra,
                force=force,
                report=not no_report,
                progress=bar.advance,
                on_start=announce,
                report_progress=None if no_report else bar.steps("report"),
                resume=resume is not None,
                drivers=drivers,
                drivers_replications=drivers_replications,
                drivers_progress=_CostDriversProgress(bar),
                **_executor_options(workers, scheduler),
            )
    except (OutputError, ReportError) as exc:
        fail_input(str(exc))
    if comparison is None:  # a resumed comparison that had only its final rename left
        click.echo(f"folder: {folder}")
        return
    from botsim.report.console import print_comparison, print_decision
    from botsim.report.decision import from_comparison

    table, horizon, seed = comparison.table, comparison.horizon, comparison.seed
    _print_cost_answer(folder)  # first: which terms decide the cost answer (issue 16)
    if any(len(r.summary) for r in comparison.results):
        print_decision(from_comparison(comparison))
    level = table["confidence"].iloc[0] if len(table) else comparison.confidence
    click.echo(
        f"paired comparison (common random numbers), {n} replications, seed {seed}, "
        f"{level:.4g} intervals" + (" (Bonferroni)" if len(names) > 2 else "")
    )
    letters = {name: _letter(k) for k, name in enumerate(names)}
    for name, path in zip(names, scenario_files):
        click.echo(f"  {letters[name]} = {name} ({path})")
    print_comparison(table, letters, horizon, scenarios[0].costs.currency)
    click.echo(f"folder: {folder}")
    if (folder / "report.html").exists():
        click.echo(f"report: {folder / 'report.html'}")
    elif not no_report:
        click.echo("report: not written (no replication completed)")
    _exit_on_failures(comparison.failures, n * len(comparison.results))


class _CostDriversProgress:
    """The progress of a comparison's cost drivers: a new bar (or a line) when they start."""

    def __init__(self, bar: ProgressBar) -> None:
        self.bar = bar

    def set_total(self, total: int) -> None:
        if self.bar.show:
            self.bar.new_task("what decides the cost answer (one at a time)")
            self.bar.set_total(total)
        else:
            click.echo(
                f"what decides the cost answer: {total:,} replications (cost terms one at a time)",
                err=True,
            )

    def advance(self, n: int) -> None:
        self.bar.advance(n)


def _print_cost_answer(folder: Path) -> None:
    """The cost answer and the terms that decide it (when the comparison has cost drivers)."""
    from botsim.report import ReportError
    from botsim.report.drivers import cost_console_lines

    try:
        lines = cost_console_lines(folder)
    except ReportError as exc:  # the comparison is complete; the table is kept
        click.echo(f"warning: cost drivers not summarised: {exc}", err=True)
        return
    for line in lines:
        click.echo(line)


@click.command()
@click.argument("sweep_file", type=click.Path(dir_okay=False))
@_with_common
def sweep(
    sweep_file: str,
    replications: int | None,
    seed: int | None,
    out: Path | None,
    outputs_root: Path,
    confidence: float | None,
    workers: int | None,
    scheduler: str | None,
    force: bool,
    no_report: bool,
    no_progress: bool,
    resume: Path | None,
    dry_run: bool,
) -> None:
    """Run a sweep file: a grid of scenario variants or one-at-a-time sensitivity.

    Writes one tidy table with the parameters on every row, Kaplan-Meier medians and
    P(event by month m) per variant, and (unless --no-report) the figures and report.html.
    """
    from botsim.experiment.outputs import OutputError
    from botsim.experiment.sweep import SweepError, check_columns, load_sweep
    from botsim.report import ReportError, sweep_to_folder

    try:
        plan = load_sweep(sweep_file)  # every variant built and validated
    except SweepError as exc:
        fail_input(str(exc))
    from botsim.experiment.executors import planned_workers
    from botsim.experiment.memory import check_memory

    saved = _resume_target(resume, out, "sweep")
    n = plan.replications(replications or saved.get("replications"))
    workers = planned_workers(workers, scheduler, n)
    inputs = _sweep_inputs(sweep_file, plan)
    k = len(plan.points)
    if resume is not None:
        from botsim.experiment.outputs import scenario_hash

        hashes = [scenario_hash(pt.scenario) for pt in plan.points]
        target = resume

        def folder_check() -> str:
            return _resume_check(resume, "sweep", hashes, seed, n, confidence)
    else:
        target = _target(out, outputs_root, f"sweep-{plan.sweep.name}")

        def folder_check() -> str:
            return output_check(target, force, inputs)

    checks = check_before_running(
        [
            lambda: f"variants: {k} valid scenarios",
            lambda: (
                check_columns(plan)
                or f"columns: {', '.join(plan.columns)} (no clash with a result column)"
            ),
            folder_check,
            lambda: check_memory(
                [pt.scenario for pt in plan.points],
                n,
                workers,
                f"a sweep of {k} variants x {n:,} replications",
                " per variant, or fewer variants",
            ),
        ]
    )
    if dry_run:
        click.echo(f"{plan.sweep.name}: {plan.sweep.mode}, {k} variants x {n:,} replications")
        for pt in plan.points:
            click.echo(f"  {pt.index:>3}  {pt.label}")
        _dry_run(checks)
        return
    options = _executor_options(workers, scheduler)
    click.echo(f"running {len(plan.points)} variants of {plan.sweep.name}", err=True)
    bar = ProgressBar(show_progress(click.get_current_context(), no_progress))
    studies: list[Any] = []  # the finished folder's tables, as its report read them
    try:
        text = Path(sweep_file).read_text(encoding="utf-8")
        with bar, _executor_errors(), _stops_kept(f"sweep {sweep_file}"):
            bar.start(f"{k} variants")
            bar.set_total(n * k)
            folder, result = sweep_to_folder(
                target,
                plan,
                replications,
                seed,
                sweep_text=text,
                confidence=confidence,
                force=force,
                report=not no_report,
                inputs=inputs,
                progress=bar.advance,
                report_progress=None if no_report else bar.steps("report"),
                resume=resume is not None,
                on_study=studies.append,
                **options,
            )
    except (OutputError, ReportError) as exc:
        fail_input(str(exc))
    if result is None:  # a resumed sweep that had only its final rename left
        click.echo(f"folder: {folder}")
        return
    _print_sweep(folder, confidence, studies[0] if studies else None)
    _exit_on_failures(result.failures, n * len(plan.points))


def _sweep_inputs(sweep_file: str, plan: Any) -> tuple[str | Path, ...]:
    """The files a sweep reads (the sweep file, its base scenario file): --force keeps off."""
    base = plan.sweep.base
    if not isinstance(base, str):
        return (sweep_file,)
    path = Path(base)
    return (sweep_file, path if path.is_absolute() else Path(sweep_file).parent / path)


def _print_sweep(folder: Path, confidence: float | None, study: Any = None) -> None:
    """The sweep's console summary, from ``study`` (the folder's tables as its report read
    them, with the contrasts and decision it computed) or read from ``folder``."""
    from botsim.report.console import contrast_verdict, fmt_months
    from botsim.report.study import load_study
    from botsim.report.tables import sweep_contrasts, sweep_grid, tornado

    if study is None:
        study = load_study(folder)  # its confidence level is the manifest's
    if confidence is not None:
        study.confidence = confidence
    m = study.manifest
    contrasts = sweep_contrasts(study) if len(study.summary) else None
    if len(study.summary):
        from botsim.report.console import print_decision
        from botsim.report.decision import from_study

        print_decision(from_study(study))
    click.echo(
        f"{m['sweep']}: {m['points']} variants x {m['replications']} replications, "
        f"seed {m['seed']} (common random numbers), {m['wall_time_seconds']:.1f} s"
    )
    metric = study.key_metric
    if not len(study.summary):
        click.echo("no replication completed")
    elif study.mode == "one_at_a_time":
        table = tornado(study)
        click.echo(f"effect on mean {metric} (restricted to the horizon) vs base:")
        for _, r in table.iterrows():
            click.echo(
                f"  {r['parameter'][:24]:<24} low {_num(r['low_effect'])} "
                f"[{_num(r['low_ci_low'])}, {_num(r['low_ci_high'])}]   high "
                f"{_num(r['high_effect'])} [{_num(r['high_ci_low'])}, {_num(r['high_ci_high'])}]"
            )
    else:
        month = study.grid_month
        if study.grid_month_note:
            click.echo(f"note: {study.grid_month_note}")
        table = sweep_grid(study, metric, month)
        h = study.horizon
        if "km_median" in table:
            click.echo(f"{'variant':<44}{'median ' + metric:>34}  P(by month {month:g})")
            for _, r in table.iterrows():
                med = (
                    f"{fmt_months(r['km_median'], h)} [{fmt_months(r['km_median_ci_low'], h)}, "
                    f"{fmt_months(r['km_median_ci_high'], h)}]"
                )
                p = f"{r['p_by']:.0%} [{r['p_by_ci_low']:.0%}, {r['p_by_ci_high']:.0%}]"
                click.echo(f"{r['group'][:43]:<44}{med:>34}  {p}")
        else:
            for _, r in table.iterrows():
                click.echo(f"{r['group'][:43]:<44} mean {metric} {_num(r['mean'])}")
        if contrasts is not None and len(contrasts):
            rows = contrasts[contrasts["metric"] == metric]
            rest = study.params[1:]
            click.echo(
                f"paired contrasts of {study.params[0]} on {metric} (restricted to the horizon, "
                "common random numbers):"
            )
            for _, r in rows.iterrows():
                where = ", ".join(f"{p}={r[p]}" for p in rest)
                ci = f"{_num(r['diff'])} [{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
                verdict = contrast_verdict(r)
                click.echo(
                    f"  {where[:30]:<31}{r['scenario_a'][:14]} - {r['scenario_b'][:14]:<15}"
                    f"{ci:>26}  {verdict}"
                )
    click.echo(f"folder: {folder}")
    if (folder / "report.html").exists():
        click.echo(f"report: {folder / 'report.html'}")
    elif not len(study.summary):
        click.echo("report: not written (no replication completed)")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@no_progress_option()
@click.pass_context
def report(ctx: click.Context, folder: Path, no_progress: bool) -> None:
    """Rebuild report.html and figures/ of a run, compare or sweep folder from its saved tables.

    Nothing is re-run. A folder that is not complete (interrupted, or not a botsim folder) is
    refused with exit code 2.
    """
    from botsim.report import ReportError, write_report

    try:
        with report_progress(show_progress(ctx, no_progress)) as steps:
            path = write_report(folder, progress=steps)
    except ReportError as exc:
        fail_input(str(exc))
    click.echo(f"report: {path}")


def _exit_on_failures(failures: list[Any], total: int) -> None:
    """Exit 1 with how many replications failed and the first error, when any did."""
    if failures:
        from botsim.experiment.runner import summarise_failures

        click.echo(
            f"error: {len(failures)} replication(s) failed (tracebacks in failures.json)\n"
            f"error: {summarise_failures(failures, total)}",
            err=True,
        )
        sys.exit(1)
