"""Click options shared by several commands: one definition of each type, range and name;
and the one way every command reports invalid input (:func:`fail_input`).

Each factory takes the help text, which says what the option means for that command.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

EXIT_INPUT = 2
"""Exit code of every command for invalid input (scenario, option, data, output folder)."""


MAX_ERROR_LINES = 40
"""Lines of one error message printed; the rest are counted. Loaders cap their own problem
lists (botsim.inputs.loader.MAX_PROBLEMS_SHOWN); this bounds every other list (a screenful)."""


def fail_input(message: str) -> NoReturn:
    """Print ``error: message`` to stderr (at most :data:`MAX_ERROR_LINES` lines) and exit with
    :data:`EXIT_INPUT`."""
    lines = message.splitlines()
    if len(lines) > MAX_ERROR_LINES:
        more = len(lines) - MAX_ERROR_LINES
        message = "\n".join([*lines[:MAX_ERROR_LINES], f"  ... and {more:,} more problems"])
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INPUT)


def check_before_running(checks: Sequence[Callable[[], str]]) -> list[str]:
    """Run every check of a study before it starts, all of them even after a failure.

    Each check returns a line saying what it found, or raises an input error (a scenario or
    sweep problem, a limit, an output folder). Any failure: every failure's message is printed
    and the command exits 2 (:func:`fail_input`), nothing run or written. Else returns the
    lines (``--dry-run`` prints them).
    """
    from botsim.experiment.outputs import OutputError
    from botsim.inputs.limits import LimitError
    from botsim.inputs.loader import ScenarioError

    passed, failed = [], []
    for check in checks:
        try:
            passed.append(check())
        except (LimitError, OutputError, ScenarioError) as exc:
            failed.append(str(exc))
    for message in failed[:-1]:
        click.echo(f"error: {message}", err=True)
    if failed:
        fail_input(failed[-1])
    return passed


def output_check(target: Path, force: bool, inputs: tuple[str | Path, ...] = ()) -> str:
    """The output folder of a comparison or sweep, checked before it runs: not there (unless
    ``force``) and creatable (:func:`botsim.experiment.preflight.check_writable`)."""
    from botsim.experiment.outputs import check_destination, check_no_interrupted
    from botsim.experiment.preflight import check_writable

    check_destination(target, force, inputs)
    check_no_interrupted(target, force, inputs)  # an interrupted study there: --resume it
    base = check_writable(target)
    state = "exists, replaced at the end (--force)" if target.exists() else "new"
    return f"output folder: {target} ({state}; {base} is writable)"


MAX_REPLICATIONS = 1_000_000
"""Same bound as ``botsim.inputs.scenario.MAX_REPLICATIONS`` (tests/cli/test_run.py checks they
agree);
not imported from there, so that ``botsim --help`` loads neither pydantic nor numpy."""


def replications_option(help: str) -> Any:
    return click.option(
        "-n", "--replications", type=click.IntRange(1, MAX_REPLICATIONS), default=None, help=help
    )


def seed_option(help: str) -> Any:
    return click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None, help=help)


def out_option(help: str) -> Any:
    return click.option(
        "--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None, help=help
    )


def outputs_option(help: str) -> Any:
    return click.option(
        "--outputs",
        "outputs_root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("outputs"),
        show_default=True,
        help=help,
    )


def overrides_option(help: str) -> Any:
    return click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help=help)


def workers_option(help: str) -> Any:
    return click.option("--workers", type=click.IntRange(1, 4096), default=None, help=help)


def scheduler_option(help: str, metavar: str = "tcp://HOST:PORT|local") -> Any:
    return click.option("--scheduler", metavar=metavar, default=None, help=help)


def show_progress(ctx: click.Context, no_progress: bool) -> bool:
    """A progress bar only on a terminal, and neither with ``--no-progress`` nor ``-q``."""
    return not no_progress and not (ctx.obj or {}).get("quiet") and stderr_is_terminal()


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def no_progress_option() -> Any:
    return click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")


class ProgressBar:
    """A rich progress bar of replications on stderr, started when the work starts (``start``,
    given the executor's description); nothing at all when ``show`` is False. ``advance`` is
    the ``progress`` callback of the library's runs; a study of several experiments sets the
    total of all of them once (``set_total``) and passes ``advance`` as a plain callable.
    ``steps`` gives the ``progress(done, total)`` callback of a stage counted in steps, such as
    building a report (:func:`botsim.report.write_report`)."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self._stack = contextlib.ExitStack()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _open(self) -> Any:
        """The rich Progress display, opened on first use."""
        if self._bar is not None:
            return self._bar
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task) -> Text:
                if task.fields.get("unit") == "step":
                    return Text("")
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} rep/s" if speed else "- rep/s")

        self._bar = self._stack.enter_context(
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
        )
        return self._bar

    def start(self, executor: str) -> None:
        if not self.show or self._task is not None:  # once, for every experiment of a study
            return
        self._task = self._open().add_task(f"replications ({executor})", total=None)

    def new_task(self, description: str) -> None:
        """Count a second piece of work from zero (the drivers after a run's replications)."""
        if self._bar is not None:
            self._bar.remove_task(self._task)
            self._task = self._bar.add_task(description, total=None)

    def advance(self, n: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, n)

    def set_total(self, total: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total)

    def steps(self, description: str) -> Callable[[int, int], None] | None:
        """The ``progress(done, total)`` callback of a stage counted in steps, shown as its own
        bar; None when no bar is shown (the library then reports nothing)."""
        if not self.show:
            return None
        task: list[Any] = []

        def update(done: int, total: int) -> None:
            bar = self._open()
            if not task:
                task.append(bar.add_task(description, total=total, unit="step"))
            bar.update(task[0], completed=done, total=total)

        return update


@contextlib.contextmanager
def report_progress(show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """The ``progress`` callback of building a report, shown as a bar while the block runs;
    None (and no bar) when ``show`` is False."""
    if not show:
        yield None
        return
    with ProgressBar(True) as bar:
        yield bar.steps("report")
