"""The ``botsim`` command line: translates options into library calls, nothing more.

Exit codes: 0 success; 1 the run finished but some replications failed; 2 invalid input
(scenario, profile, option or output folder). Results go to stdout, messages to stderr.
Heavy libraries are imported inside the commands so ``botsim --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_INPUT = 2


def _fail_input(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INPUT)


def _load(path: str, overrides: tuple[str, ...]):
    from botsim.loader import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        _fail_input(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="botsim")
def main() -> None:
    """botsim: simulate offshore teams under Build-Operate-Transfer.

    Every answer is a distribution over replications. Start with
    `botsim run scenarios/manila-finance-20.yaml`.
    """


@main.command()
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value, e.g. --set locations[0].recruiting.recruiters=3.",
)
def validate(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Check a scenario file; print problems with their field paths (exit 2 when invalid)."""
    scenario = _load(scenario_file, overrides)
    roles = ", ".join(f"{r.name}@{r.location} ({r.plan[-1].headcount})" for r in scenario.roles)
    click.echo(
        f"{scenario_file}: valid scenario {scenario.name!r}, "
        f"{scenario.horizon_months} months, roles: {roles}"
    )


@main.command()
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Replications (default: the scenario's `replications`).",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    default=None,
    help="Root seed (default: the scenario's `seed`).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run folder (default: outputs/<scenario>-<UTC time>).",
)
@click.option(
    "--outputs",
    "outputs_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Where default run folders go.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value (repeatable); the result is re-validated.",
)
@click.option("--force", is_flag=True, help="Replace an existing run folder given by --out.")
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def run(
    scenario_file: str,
    replications: int | None,
    seed: int | None,
    out: Path | None,
    outputs_root: Path,
    overrides: tuple[str, ...],
    force: bool,
    no_progress: bool,
) -> None:
    """Run replications of a scenario, print a summary and write a run folder."""
    scenario = _load(scenario_file, overrides)
    from botsim.outputs import OutputError, check_destination, default_run_dir, write_run

    target = out if out is not None else default_run_dir(outputs_root, scenario)
    try:
        check_destination(target, force)
    except OutputError as exc:
        _fail_input(str(exc))
    n = replications or scenario.replications
    result = _run_with_progress(scenario, n, seed, show=not no_progress)
    try:
        folder = write_run(
            target,
            result,
            {"scenario_file": scenario_file, "overrides": list(overrides)},
            force=force,
        )
    except OutputError as exc:
        _fail_input(str(exc))
    from botsim.console import print_summary

    print_summary(result)
    click.echo(f"run folder: {folder}")
    if result.failures:
        ids = ", ".join(str(f.replication) for f in result.failures[:20])
        click.echo(
            f"error: {len(result.failures)} replication(s) failed: {ids} "
            f"(tracebacks in {folder / 'failures.json'})",
            err=True,
        )
        sys.exit(1)


def _run_with_progress(scenario, replications: int, seed: int | None, show: bool):
    from botsim.experiment import run_experiment

    if not show or not sys.stderr.isatty():
        return run_experiment(scenario, replications, seed)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("replications", total=replications)
        return run_experiment(scenario, replications, seed, progress=lambda k: bar.advance(task, k))


@main.group(invoke_without_command=True)
@click.pass_context
def profiles(ctx: click.Context) -> None:
    """List the built-in location profiles (`profiles show NAME` for values and sources)."""
    if ctx.invoked_subcommand is None:
        from botsim.loader import builtin_profiles, load_profile

        for name in builtin_profiles():
            p = load_profile(name)
            click.echo(f"{name:<14} {p.values.country:<14} as of {p.as_of}  {p.description[:60]}")


@profiles.command("show")
@click.argument("name")
def profiles_show(name: str) -> None:
    """Show every value of a profile with its source."""
    from botsim.loader import ScenarioError, load_profile
    from botsim.profile_view import profile_rows

    try:
        profile = load_profile(name)
    except ScenarioError as exc:
        _fail_input(str(exc))
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
        _fail_input(f"{path} already exists; choose another path")
    text = (resources.files("botsim") / "templates" / "scenario.yaml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}; edit it, then: botsim validate {path} && botsim run {path}")


if __name__ == "__main__":  # pragma: no cover
    main()

from botsim.cli_calibrate import calibrate  # noqa: E402

main.add_command(calibrate)
