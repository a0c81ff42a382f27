"""The ``botsim`` command line: translates options into library calls, nothing more.

Exit codes: 0 success; 1 the run finished but some replications failed (or a worker died);
2 invalid input (scenario, profile, option, output folder, full disk); 130 interrupted (the run
folder is left marked incomplete and `botsim run --resume` finishes it). Results and paths go
to stdout, messages and logs to stderr (`-v`/`-q` set how many).
Heavy libraries are imported inside the commands so ``botsim --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from botsim.cli.options import (
    MAX_REPLICATIONS,
    ProgressBar,
    fail_input,
    no_progress_option,
    out_option,
    outputs_option,
    overrides_option,
    replications_option,
    report_progress,
    scheduler_option,
    seed_option,
    show_progress,
    workers_option,
)


def _load(path: str, overrides: tuple[str, ...]):
    from botsim.inputs.loader import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        fail_input(str(exc))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a progress bar may redirect it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _configure_logging(verbose: int, quiet: int) -> None:
    """Messages of the ``botsim`` loggers go to stderr; -v/-q move the level."""
    level = {-2: logging.CRITICAL, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-2, min(verbose - quiet, 2)), logging.DEBUG
    )
    logger = logging.getLogger("botsim")
    logger.setLevel(level)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="botsim")
@click.option("-v", "--verbose", count=True, help="More messages on stderr (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Fewer messages: errors only, no progress bar.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: int) -> None:
    """botsim: simulate offshore teams under Build-Operate-Transfer.

    Every answer is a distribution over replications. Start with
    `botsim run scenarios/manila-finance-20.yaml`.
    """
    ctx.obj = {"quiet": quiet > verbose}
    _configure_logging(verbose, quiet)


@main.command()
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=str))
@overrides_option("Override a scenario value, e.g. --set locations[0].recruiting.recruiters=3.")
def validate(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Check a scenario file; print problems with their field paths (exit 2 when invalid)."""
    scenario = _load(scenario_file, overrides)
    roles = ", ".join(f"{r.name}@{r.location} ({r.plan[-1].headcount})" for r in scenario.roles)
    click.echo(
        f"{scenario_file}: valid scenario {scenario.name!r}, "
        f"{scenario.horizon_months} months, roles: {roles}"
    )


@main.command()
@click.argument("scenario_file", required=False, type=click.Path(dir_okay=False, path_type=str))
@replications_option("Replications (default: the scenario's `replications`).")
@seed_option("Root seed (default: the scenario's `seed`).")
@out_option("Run folder (default: outputs/<scenario>-<UTC time>).")
@outputs_option("Where default run folders go.")
@overrides_option("Override a scenario value (repeatable); the result is re-validated.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing run folder given by --out (or discard its interrupted run); "
    "only an empty or botsim-written folder that holds no input file and is not the working "
    "directory or above it.",
)
@workers_option(
    "Local worker processes (default: all cores, at most one per replication; 1 runs in "
    "this process, for debugging)."
)
@scheduler_option(
    "Run on a Dask cluster (`local` starts one here); needs `pip install 'botsim[dask]'`."
)
@click.option(
    "--resume",
    "resume",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Finish an interrupted run (its outputs/<run> or .incomplete-* folder).",
)
@click.option(
    "--precision",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Add replications until each metric's 95% CI half-width is within this fraction "
    "of its mean (e.g. 0.05).",
)
@click.option(
    "--precision-metrics",
    default=None,
    metavar="NAME[,NAME...]",
    help="Summary metrics --precision applies to (default: time_to_full_team,time_to_stable_team).",
)
@click.option(
    "--min-replications",
    type=click.IntRange(2, 1_000_000),
    default=None,
    help="With --precision: replications before the first check (default 100).",
)
@click.option(
    "--max-replications",
    type=click.IntRange(2, 1_000_000),
    default=None,
    help="With --precision: stop here even if not precise enough (default 10000).",
)
@no_progress_option()
@click.option(
    "--no-report", is_flag=True, help="Do not write report.html and figures/ into the run folder."
)
@click.option(
    "--drivers/--no-drivers",
    default=True,
    show_default=True,
    envvar="BOTSIM_DRIVERS",
    help="After the run, move each decisive assumption to a low and a high value, one at a "
    "time with the same seed, for the report's 'What drives this answer' and the assumptions "
    "to replace (drivers.parquet). --no-drivers (or BOTSIM_DRIVERS=0) skips it.",
)
@click.option(
    "--drivers-replications",
    type=click.IntRange(2, MAX_REPLICATIONS),
    default=None,
    metavar="N",
    help="Replications per variant of the drivers (default: 50, at most the run's own count).",
)
@click.pass_context
def run(
    ctx: click.Context,
    scenario_file: str | None,
    replications: int | None,
    seed: int | None,
    out: Path | None,
    outputs_root: Path,
    overrides: tuple[str, ...],
    force: bool,
    workers: int | None,
    scheduler: str | None,
    resume: Path | None,
    precision: float | None,
    precision_metrics: str | None,
    min_replications: int | None,
    max_replications: int | None,
    no_progress: bool,
    no_report: bool,
    drivers: bool,
    drivers_replications: int | None,
) -> None:
    """Run replications of a scenario, print a summary and write a run folder.

    Replications run on all local cores (or --workers / --scheduler) with identical numbers
    on any executor. Finished replications are saved as they complete; an interrupted run
    leaves an `.incomplete-*` folder that `botsim run --resume FOLDER` finishes.
    """
    from botsim.experiment.runner import DEFAULT_PRECISION_METRICS, Precision

    if scenario_file is None and resume is None:
        fail_input("give a SCENARIO_FILE, or --resume FOLDER to finish an interrupted run")
    if precision is None and (precision_metrics or min_replications or max_replications):
        fail_input(
            "--precision-metrics, --min-replications and --max-replications need --precision"
        )
    if precision is not None and replications is not None:
        fail_input("with --precision the count is chosen by the run: use --min/--max-replications")
    if resume is not None and out is not None:
        fail_input("--resume finishes the run in its own folder; --out cannot be combined with it")
    if not drivers and drivers_replications is not None:
        fail_input(
            "--drivers-replications sizes the drivers; it cannot be combined with --no-drivers"
        )
    adaptive = None
    if precision is not None:
        metrics = tuple(m.strip() for m in (precision_metrics or "").split(",") if m.strip())
        try:
            adaptive = Precision(
                relative=precision,
                metrics=metrics or DEFAULT_PRECISION_METRICS,
                min_replications=min_replications or 100,
                max_replications=max_replications or max(10_000, min_replications or 0),
            )
        except ValueError as exc:
            fail_input(str(exc))

    from botsim.experiment.executors import ExecutorUnavailable
    from botsim.experiment.outputs import OutputError
    from botsim.experiment.run_folder import RunStopped, run_to_folder
    from botsim.experiment.runner import UnknownMetricError
    from botsim.inputs.limits import LimitError
    from botsim.inputs.loader import ScenarioError

    bar = ProgressBar(show_progress(ctx, no_progress))
    summarised: list[Any] = []

    def summary_then_drivers(result: Any) -> None:
        """The run's answer first; the drivers follow with their own progress."""
        _print_run_summary(result)
        summarised.append(result)
        bar.new_task("what drives this answer (one at a time)")

    try:
        with bar, _sigterm_as_interrupt():
            done = run_to_folder(
                scenario_file,
                overrides=overrides,
                replications=replications,
                seed=seed,
                folder=out,
                outputs=outputs_root,
                force=force,
                resume=resume,
                precision=adaptive,
                workers=workers,
                scheduler=scheduler,
                progress=bar if bar.show else None,
                on_start=bar.start,
                report_pending=not no_report,
                drivers=drivers,
                drivers_replications=drivers_replications,
                on_drivers=summary_then_drivers,
            )
    except (ScenarioError, UnknownMetricError, LimitError, ExecutorUnavailable, OutputError) as exc:
        fail_input(str(exc))
    except RunStopped as exc:
        _stopped(exc)
    folder, result = done.folder, done.result
    if result is None:  # a resumed run that had only its final rename left
        click.echo(f"run folder: {folder}")
        return
    if not summarised:
        _print_run_summary(result)
    click.echo(f"run folder: {folder}")
    if not no_report:
        from botsim.report import ReportError, write_report

        try:
            with report_progress(bar.show) as steps:
                path = write_report(folder, progress=steps)
            click.echo(f"report: {path}")
        except ReportError as exc:  # the run itself is complete and kept
            click.echo(
                f"warning: report not written: {exc}; the run is complete, rebuild the report "
                f"with `botsim report {folder}`",
                err=True,
            )
    _print_drivers(folder, result.scenario.horizon_months)
    if result.failures:
        from botsim.experiment.runner import summarise_failures

        ids = ", ".join(str(f.replication) for f in result.failures[:20])
        more = " ..." if len(result.failures) > 20 else ""
        click.echo(
            f"error: {len(result.failures)} replication(s) failed: {ids}{more} "
            f"(seed {result.seed}; tracebacks in {folder / 'failures.json'})\n"
            f"error: {summarise_failures(result.failures, result.replications)}",
            err=True,
        )
        sys.exit(1)


def _print_run_summary(result: Any) -> None:
    """The run's console summary, and how precise it got with --precision."""
    from botsim.report.console import print_summary

    print_summary(result)
    if result.precision is not None:
        p = result.precision
        verdict = "reached" if p["reached"] else "NOT reached (maximum hit)"
        click.echo(
            f"precision ±{p['relative']:.1%}: {verdict} with {p['replications_needed']} "
            "replications ("
            + ", ".join(f"{k} ±{v['relative_half_width']:.1%}" for k, v in p["metrics"].items())
            + ")"
        )


def _print_drivers(folder: Path, horizon: float) -> None:
    """What drives the answer and the assumptions to replace (when the run has drivers)."""
    from botsim.report import ReportError
    from botsim.report.drivers import console_lines

    try:
        lines = console_lines(folder, horizon)
    except ReportError as exc:  # the run is complete; the drivers table is kept
        click.echo(f"warning: drivers not summarised: {exc}", err=True)
        return
    for line in lines:
        click.echo(line)


def _stopped(exc: Any, command: str = "run") -> NoReturn:
    """Exit 130 (interrupted) or 1 (a worker lost), saying where the finished replications
    are and how to resume (with ``botsim <command> --resume``)."""
    if exc.staging is None:
        click.echo(f"{exc.why}; nothing was written", err=True)
    else:
        click.echo(
            f"{exc.why}: finished replications are saved in {exc.staging} (incomplete); "
            f"resume with: botsim {command} --resume {exc.staging}",
            err=True,
        )
    sys.exit(130 if exc.interrupted else 1)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """kill/SIGTERM stops a run like Ctrl-C, keeping its finished chunks."""
    import signal

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.group(invoke_without_command=True)
@click.pass_context
def profiles(ctx: click.Context) -> None:
    """List the built-in location profiles (`profiles show NAME` for values and sources)."""
    if ctx.invoked_subcommand is None:
        from botsim.inputs.loader import builtin_profiles, load_profile

        for name in builtin_profiles():
            p = load_profile(name)
            click.echo(f"{name:<14} {p.values.country:<14} as of {p.as_of}  {p.description[:60]}")


@profiles.command("show")
@click.argument("name")
def profiles_show(name: str) -> None:
    """Show every value of a profile with its source."""
    from botsim.inputs.loader import ScenarioError, load_profile
    from botsim.inputs.profile_view import profile_rows

    try:
        profile = load_profile(name)
    except ScenarioError as exc:
        fail_input(str(exc))
    click.echo(
        f"{profile.name} ({profile.values.country}), as of {profile.as_of}, "
        f"currency {profile.currency}"
    )
    click.echo(profile.description)
    for path, value, source in profile_rows(profile):
        click.echo(f"\n{path} = {value}\n    source: {source}")


@main.command()
@click.argument(
    "path", type=click.Path(dir_okay=False, path_type=Path), default=Path("scenario.yaml")
)
def init(path: Path) -> None:
    """Write a commented template scenario to PATH (never overwrites)."""
    from importlib import resources

    if path.exists():
        fail_input(f"{path} already exists; choose another path")
    text = (resources.files("botsim.inputs") / "templates" / "scenario.yaml").read_text(
        encoding="utf-8"
    )
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}; edit it, then: botsim validate {path} && botsim run {path}")
    click.echo(
        "horizon_months is 60: a transfer question needs the owned phase in view (handover "
        "around months 18-30, then the owned months that repay it); shorten it only for a "
        "team that is never transferred"
    )


from botsim.cli.calibration import calibrate  # noqa: E402

main.add_command(calibrate)

from botsim.cli.research import compare, report, sweep  # noqa: E402

main.add_command(compare)
main.add_command(sweep)
main.add_command(report)
