"""Click options shared by several commands: one definition of each type, range and name;
and the one way every command reports invalid input (:func:`fail_input`).

Each factory takes the help text, which says what the option means for that command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

EXIT_INPUT = 2
"""Exit code of every command for invalid input (scenario, option, data, output folder)."""


MAX_ERROR_LINES = 40
"""Lines of one error message printed; the rest are counted. Loaders cap their own problem
lists (botsim.loader.MAX_PROBLEMS_SHOWN); this bounds every other list (a screenful)."""


def fail_input(message: str) -> NoReturn:
    """Print ``error: message`` to stderr (at most :data:`MAX_ERROR_LINES` lines) and exit with
    :data:`EXIT_INPUT`."""
    lines = message.splitlines()
    if len(lines) > MAX_ERROR_LINES:
        more = len(lines) - MAX_ERROR_LINES
        message = "\n".join([*lines[:MAX_ERROR_LINES], f"  ... and {more:,} more problems"])
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INPUT)


def refuse_if_too_large(
    scenarios: list[Any],
    replications: int,
    workers: int | None,
    what: str | None = None,
    advice: str = "",
) -> None:
    """Refuse up front (:func:`fail_input`) a study whose results would not fit in memory
    (``botsim.limits``): one run when ``what`` is None, else the experiments of a comparison
    or sweep, all kept until their folder is written (``what`` names them, ``advice`` ends the
    message)."""
    from botsim.executors import default_workers
    from botsim.limits import LimitError, check_run_memory, check_study_memory

    workers = workers or default_workers()
    try:
        if what is None:
            check_run_memory(scenarios[0], replications, workers=workers)
        else:
            check_study_memory(scenarios, replications, what, advice, workers=workers)
    except LimitError as exc:
        fail_input(str(exc))


MAX_REPLICATIONS = 1_000_000
"""Same bound as ``botsim.scenario.MAX_REPLICATIONS`` (tests/cli/test_run.py checks they agree);
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
