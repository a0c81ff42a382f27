"""A run written to a run folder: what ``botsim run`` does, as one library call.

:func:`run_to_folder` loads the scenario, checks the run fits in memory, opens the executor,
saves every finished chunk of replications into an ``.incomplete-*`` staging folder as it
finishes and, at the end, writes the tables and the manifest and renames the folder to its
final name (:class:`botsim.experiment.outputs.StagedRun`). A run cut short (Ctrl-C, a lost
worker) keeps what it finished and raises :class:`RunStopped` naming the staging folder;
``run_to_folder(resume=that_folder)`` runs only the missing replications, with the same numbers
as an uninterrupted run.

Every refusal is raised before anything is written: :class:`botsim.inputs.loader.ScenarioError`
(the scenario), :class:`botsim.experiment.outputs.ResumeError` (a run that cannot be resumed
this way), ``ValueError`` (an unknown precision metric), :class:`botsim.inputs.limits.LimitError`
(memory), :class:`botsim.experiment.executors.ExecutorUnavailable` and
:class:`botsim.experiment.outputs.OutputError` (the folder). The report is not written here
(it belongs to the report layer: :func:`botsim.report.write_report`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botsim.experiment.runner import ExperimentResult, Precision, Progress
from botsim.inputs.scenario import Scenario


class RunStopped(Exception):
    """A run stopped before its end; its finished replications are kept in ``staging`` (None
    when nothing was written yet), which ``run_to_folder(resume=staging)`` finishes.

    ``why`` says what stopped it; ``interrupted`` is True for Ctrl-C (or a signal the caller
    turned into ``KeyboardInterrupt``) and False when a worker process was lost.
    """

    def __init__(self, why: str, staging: Path | None, interrupted: bool = True) -> None:
        super().__init__(why)
        self.why = why
        self.staging = staging
        self.interrupted = interrupted


@dataclass(frozen=True)
class FolderRun:
    """A finished run folder and the run's results.

    ``result`` is None when a resumed run had only its final rename left (everything else was
    written before it was cut short).
    """

    folder: Path
    result: ExperimentResult | None
    resumed: bool = False


def _open_resumed(
    resume: Path,
    scenario_file: str | Path | None,
    overrides: Sequence[str],
    seed: int | None,
    replications: int | None,
    precision: Precision | None,
) -> tuple[Any, Scenario]:
    """The interrupted run and its scenario; refuses another scenario, seed, count or
    precision setting (``ResumeError``)."""
    from botsim.experiment.outputs import StagedRun
    from botsim.inputs.loader import load_scenario

    staged = StagedRun.open(resume)
    try:
        source = scenario_file if scenario_file is not None else str(staged.scenario_file)
        scenario = load_scenario(source, overrides)
        staged.check_matches(
            scenario, seed, replications, precision.as_dict() if precision else None
        )
    except BaseException:
        staged.release()
        raise
    return staged, scenario


def _saved_precision(partial: dict[str, Any]) -> Precision | None:
    saved = partial.get("precision")
    return Precision(**{**saved, "metrics": tuple(saved["metrics"])}) if saved else None


def run_to_folder(
    scenario_file: str | Path | None = None,
    *,
    overrides: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    folder: Path | None = None,
    outputs: Path = Path("outputs"),
    force: bool = False,
    resume: Path | None = None,
    precision: Precision | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: Progress | Callable[[int], None] | None = None,
    on_start: Callable[[str], None] | None = None,
    report_pending: bool = False,
    drivers: bool = False,
    drivers_replications: int | None = None,
    on_drivers: Callable[[ExperimentResult], None] | None = None,
) -> FolderRun:
    """Run ``scenario_file`` (with ``--set``-style ``overrides``) into a run folder.

    ``folder`` is the run folder (default: a new ``<outputs>/<scenario>-<UTC time>``);
    ``force`` lets it replace an existing botsim-written folder. ``resume`` finishes the
    interrupted run in that folder (its own scenario, seed and count; any given must match).
    ``replications`` and ``seed`` default to the scenario's; ``precision`` adds replications
    until each metric is precise enough instead. ``workers`` (None: all cores) and
    ``scheduler`` choose the executor (:func:`botsim.experiment.executors.open_backend`).
    ``on_start`` is called with the executor's description when the replications start, and
    ``progress`` as :func:`botsim.experiment.runner.run_experiment` calls it.
    ``report_pending`` marks the folder as waiting for its report (the caller writes it next).
    ``drivers`` adds what drives the answer (:mod:`botsim.experiment.drivers`): after the run,
    a one-at-a-time sensitivity of ``drivers_replications`` per variant (default: the module's,
    capped at the run's count) on the same executor, written to ``drivers.parquet`` before the
    folder is complete; ``on_drivers`` is called with the run's result when they start (the
    CLI prints the run's summary then), and ``progress`` counts their replications too.

    Raises :class:`RunStopped` if interrupted; the errors of the module docstring if refused.
    """
    from botsim.experiment.executors import WorkerLost, open_backend, planned_workers
    from botsim.experiment.memory import check_memory
    from botsim.experiment.outputs import (
        REPORT_PENDING,
        OutputError,
        StagedRun,
        _describe_os_error,
        default_run_dir,
    )
    from botsim.experiment.runner import check_precision_metrics, run_experiment
    from botsim.inputs.loader import load_scenario

    if scenario_file is None and resume is None:
        raise ValueError("run_to_folder needs a scenario file or a run folder to resume")
    if drivers:
        from botsim.experiment.drivers import check_replications

        check_replications(drivers_replications)
    staged = None
    if resume is not None:
        staged, scenario = _open_resumed(
            resume, scenario_file, overrides, seed, replications, precision
        )
        seed = staged.partial["seed"]
        replications = staged.partial["replications"]
        precision = _saved_precision(staged.partial)
        if staged.finalized:  # cut short between its last write and its final rename
            return FolderRun(staged.commit(), None, resumed=True)
    else:
        scenario = load_scenario(scenario_file, overrides)
        seed = scenario.seed if seed is None else seed
        replications = replications or scenario.replications
    try:
        if precision is not None:
            check_precision_metrics(scenario, precision.metrics, seed)
        chunks = precision.max_replications if precision else replications
        workers = planned_workers(workers, scheduler, chunks)
        check_memory([scenario], chunks, workers)
        backend = open_backend(workers, scheduler)
    except BaseException:
        if staged is not None:
            staged.release()
        raise
    try:
        if staged is None:
            target = folder if folder is not None else default_run_dir(outputs, scenario)
            staged = StagedRun.create(
                target,
                scenario,
                seed,
                chunks,
                precision=precision.as_dict() if precision else None,
                extra={
                    "scenario_file": None if scenario_file is None else str(scenario_file),
                    "overrides": list(overrides),
                },
                force=force,
                inputs=(scenario_file,),
            )
        if precision is None:  # timeseries.parquet is written while the replications run
            staged.stream_series()
        if on_start is not None:
            on_start(backend.description)
        result = run_experiment(
            scenario,
            replications,
            seed,
            progress=progress,
            backend=backend,
            store=staged,
            precision=precision,
        )
        extra: dict[str, Any] = {}
        if drivers and len(result.summary):
            from botsim.experiment.drivers import drivers_replications as count
            from botsim.experiment.drivers import run_drivers, write_drivers

            if on_drivers is not None:
                on_drivers(result)
            found = run_drivers(
                scenario,
                count(drivers_replications, result.replications),
                seed,
                base_dir=None if scenario_file is None else Path(scenario_file).parent,
                progress=progress,
                backend=backend,
            )
            write_drivers(staged.staging, found)
            extra["drivers"] = found.manifest_entry()
    except KeyboardInterrupt:
        raise _stopped(staged, "interrupted") from None
    except WorkerLost as exc:
        raise _stopped(staged, str(exc), interrupted=False) from exc
    except OutputError:
        if staged is not None:
            staged.release()
        raise
    except OSError as exc:
        if staged is not None:
            staged.release()
        where = staged.staging if staged else outputs
        raise OutputError(
            f"cannot write to {where}: {_describe_os_error(exc)}; completed replications are "
            "kept: free the space or fix the folder, then "
            f"`botsim run --resume {staged.staging if staged else ''}`"
        ) from None
    finally:
        backend.close()
    # Until its report is written the folder says so (`botsim report FOLDER` rebuilds it).
    extra.update(resumed=resume is not None, **({REPORT_PENDING: True} if report_pending else {}))
    try:
        done = staged.finalize(result, extra, force=force)
    except OutputError:
        staged.release()
        raise
    except KeyboardInterrupt:
        raise _stopped(staged, "interrupted while writing the run folder") from None
    return FolderRun(done, result, resumed=resume is not None)


def _stopped(staged: Any, why: str, interrupted: bool = True) -> RunStopped:
    if staged is not None:
        staged.release()
    return RunStopped(why, staged.staging if staged is not None else None, interrupted)
