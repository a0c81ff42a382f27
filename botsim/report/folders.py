"""Comparison and sweep folders: tables, report and manifest, made complete by one rename.

Same contract as run folders (``botsim.experiment.outputs``): everything is written into a
``.incomplete-*`` staging folder, the manifest last, then the folder is renamed into place, so
an interrupted command never leaves a folder that looks complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import platform
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from botsim import __version__
from botsim.experiment.comparison import comparison_failures, unique_names
from botsim.experiment.outputs import (
    CHUNKS,
    MANIFEST,
    StagedStudy,
    _write_atomic,
    combined_hash,
    scenario_hash,
    series_schema,
    staged_folder,
    write_parquet,
    write_stacked_series,
)
from botsim.inputs.loader import dump_yaml, scenario_to_dict
from botsim.inputs.scenario import slug


def _environment() -> dict[str, Any]:
    return {
        "botsim_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _finish(
    staging: Path,
    manifest: dict[str, Any],
    report: bool,
    progress: Any | None = None,
    study: Any = None,
) -> None:
    """The report (from ``study`` when the caller has read it: a sweep's) and the manifest."""
    if report:
        from botsim.report.build import write_report
        from botsim.report.study import NoReplicationsError

        # Every replication failed: the folder holds the failures and no report.
        with contextlib.suppress(NoReplicationsError):
            write_report(staging, manifest=manifest, progress=progress, study=study)
    # The manifest is written last: its presence marks the folder as complete.
    _write_atomic(staging / MANIFEST, json.dumps(manifest, indent=2, default=str).encode())


def write_compare(
    target: str | Path,
    results: Sequence[Any],
    sources: Sequence[str] | None = None,
    confidence: float = 0.95,
    manifest_extra: dict[str, Any] | None = None,
    force: bool = False,
    report: bool = True,
    comparisons: Any | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a paired comparison of ExperimentResults (same seed) into ``target``;
    ``comparisons`` is its paired table when already computed (``Comparison.table`` of
    :func:`botsim.experiment.comparison.run_comparison`), else it is computed here.
    ``progress(done, total)`` follows the building of the report (``write_report``)."""
    _check_compare(results)
    target = Path(target)
    # The scenario files compared are inputs: --force never replaces a folder holding one.
    with staged_folder(target, force, sources or ()) as staging:
        _write_compare_into(
            staging, results, sources, confidence, manifest_extra, report, comparisons, progress
        )
    return target


@contextlib.contextmanager
def staged_study(
    target: Path,
    kind: str,
    hashes: Sequence[str],
    seed: int | None,
    replications: int | None,
    confidence: float | None,
    *,
    resume: bool = False,
    force: bool = False,
    inputs: Sequence[str | Path] = (),
    extra: dict[str, Any] | None = None,
) -> Iterator[StagedStudy]:
    """The staging folder of a comparison or sweep (``kind``), its chunks kept until the end.

    A new study starts ``.incomplete-<target>`` (:meth:`StagedStudy.start`); with ``resume``
    the interrupted one is opened instead, after checking it was started with the same
    scenarios or variants (``hashes``), and the ``seed``, ``replications`` and ``confidence``
    given (None: the saved ones); what it wrote besides its chunks is cleared. The body runs
    the study into it (the saved chunks are not run again) and writes its tables, report and
    manifest; then the folder is renamed to ``target``.

    Cut short by Ctrl-C (or SIGTERM turned into it) or a lost worker, the folder is kept and
    :class:`botsim.experiment.run_folder.RunStopped` names it; a full disk keeps it too
    (:class:`OutputError` saying how to resume). Any other failure removes it.
    """
    from botsim.experiment.executors import WorkerLost
    from botsim.experiment.outputs import OutputError, _describe_os_error
    from botsim.experiment.run_folder import RunStopped

    if resume:
        staged = StagedStudy.open(target, kind)
        try:
            staged.check_study(hashes, seed, replications, confidence)
            if not staged.finalized:
                staged.clear_derived()
        except BaseException:
            staged.release()
            raise
    else:
        staged = StagedStudy.start(
            target,
            kind,
            hashes,
            seed,
            replications,
            extra={"confidence": confidence, **(extra or {})},
            force=force,
            inputs=tuple(inputs),
        )
    try:
        yield staged
    except KeyboardInterrupt:
        staged.release()
        raise RunStopped("interrupted", staged.staging) from None
    except WorkerLost as exc:
        staged.release()
        raise RunStopped(str(exc), staged.staging, interrupted=False) from exc
    except OSError as exc:
        staged.release()
        raise OutputError(
            f"cannot write {staged.staging}: {_describe_os_error(exc)}; completed replications "
            f"are kept: free the space or fix the folder, then "
            f"`botsim {kind} --resume {staged.staging}`"
        ) from None
    except BaseException:
        staged.discard()
        raise
    staged.commit(force)


def compare_to_folder(
    target: str | Path,
    scenarios: Sequence[Any],
    replications: int | None = None,
    seed: int | None = None,
    *,
    sources: Sequence[str] | None = None,
    confidence: float | None = None,
    manifest_extra: dict[str, Any] | None = None,
    force: bool = False,
    report: bool = True,
    report_progress: Callable[[int, int], None] | None = None,
    resume: bool = False,
    drivers: bool = False,
    drivers_replications: int | None = None,
    drivers_progress: Any = None,
    **run_options: Any,
) -> tuple[Path, Any]:
    """Run a paired comparison straight into the folder ``target`` (what ``botsim compare``
    does): each scenario's replications are saved chunk by chunk into the staging folder as
    they finish and ``timeseries.parquet`` is streamed from there, so memory stays flat in the
    replication count. ``run_options`` go to
    :func:`botsim.experiment.comparison.run_comparison` (``progress``, ``on_start``,
    ``workers``, ``scheduler``); ``report_progress(done, total)`` follows the building of the
    report; ``confidence`` defaults to 0.95. ``drivers`` adds which cost terms decide the answer
    of the first two scenarios (:func:`botsim.experiment.drivers.run_cost_drivers`,
    ``drivers_replications`` per variant, progress to ``drivers_progress``) as
    ``cost_drivers.parquet`` and the manifest's ``cost_drivers``.

    Interrupted, the staging folder and its chunks are kept (:func:`staged_study`);
    ``resume=True`` finishes the interrupted comparison of ``target`` (either of its names),
    running only the replications it had not saved, to the same numbers. Returns the folder
    and the :class:`Comparison` (None when a resumed comparison had only its final rename
    left)."""
    from botsim.experiment.comparison import run_comparison
    from botsim.experiment.outputs import read_partial, study_folder

    target = study_folder(Path(target)) if resume else Path(target)
    saved = (read_partial(target) or {}) if resume else {}
    n = replications or saved.get("replications") or scenarios[0].replications
    seed = seed if seed is not None else saved.get("seed", scenarios[0].seed)
    level = confidence if confidence is not None else saved.get("confidence", 0.95)
    manifest_extra = {**(saved.get("manifest_extra") or {}), **(manifest_extra or {})}
    comparison = None
    with staged_study(
        target,
        "compare",
        [scenario_hash(s) for s in scenarios],
        seed,
        n,
        level,
        resume=resume,
        force=force,
        inputs=sources or (),
        extra={"sources": list(sources) if sources else None, "manifest_extra": manifest_extra},
    ) as staged:
        # A resumed comparison cut short between its last write and its final rename has only
        # the rename left (done on leaving the block).
        if not staged.finalized:
            staged.save_scenarios(scenarios)  # what --resume without the files runs
            names = unique_names([s.name for s in scenarios])
            # timeseries.parquet is written while the replications run
            tags = [{"scenario": name} for name in names]
            stream = staged.stream_series(tags, n, series_schema(scenarios, seed, tags))
            comparison = run_comparison(
                scenarios,
                n,
                seed,
                confidence=level,
                chunks=staged.staging / CHUNKS,
                stream=stream,
                **run_options,
            )
            if drivers:
                manifest_extra = _cost_drivers_into(
                    staged.staging, comparison, drivers_replications, drivers_progress, run_options
                ) | (manifest_extra or {})
            _write_compare_into(
                staged.staging,
                comparison.results,
                sources,
                level,
                {**(manifest_extra or {}), **({"resumed": True} if resume else {})},
                report,
                comparison.table,
                report_progress,
                stream,
            )
    if comparison is None:
        return target, None
    _series_from_folder(
        target, [({"scenario": nm}, r) for nm, r in zip(comparison.names, comparison.results)]
    )
    return target, comparison


def _cost_drivers_into(
    staging: Path,
    comparison: Any,
    replications: int | None,
    progress: Any,
    run_options: dict[str, Any],
) -> dict[str, Any]:
    """Run the cost drivers of a comparison's first two scenarios into ``staging``; returns
    the manifest entry (nothing when a scenario has no completed replication)."""
    from botsim.experiment.drivers import drivers_replications as count
    from botsim.experiment.drivers import run_cost_drivers, write_cost_drivers

    results = comparison.results[:2]
    if not all(len(getattr(r.summary, "columns", [])) and len(r.summary) for r in results):
        return {}
    executor = {k: v for k, v in run_options.items() if k in ("workers", "scheduler", "backend")}
    found = run_cost_drivers(
        results[0].scenario,
        results[1].scenario,
        count(replications, comparison.replications),
        comparison.seed,
        names=(comparison.names[0], comparison.names[1]),
        confidence=comparison.confidence,
        progress=progress,
        **executor,
    )
    write_cost_drivers(staging, found)
    return {"cost_drivers": found.manifest_entry()}


def _check_compare(results: Sequence[Any]) -> None:
    if len(results) < 2:
        raise ValueError("a comparison needs at least two scenarios")
    seeds = {r.seed for r in results}
    if len(seeds) != 1:
        raise ValueError(f"paired comparison needs one seed for every scenario, got {seeds}")


def _series_from_folder(folder: Path, sources: Sequence[tuple[dict[str, Any], Any]]) -> None:
    """Point each result's lazy ``timeseries`` at its rows of the finished folder's table, its
    own columns only (its chunk files are gone); ``sources`` as for
    :func:`botsim.experiment.outputs.write_stacked_series`, the first tag naming the rows."""
    import pandas as pd

    path = folder / "timeseries.parquet"

    def loader(tags: dict[str, Any]) -> Any:
        key, value = next(iter(tags.items()))
        return lambda: (
            pd.read_parquet(path, filters=[(key, "==", value)])
            .drop(columns=list(tags))
            .reset_index(drop=True)
        )

    for tags, result in sources:
        result.timeseries_from(loader(tags))


def _write_compare_into(
    staging: Path,
    results: Sequence[Any],
    sources: Sequence[str] | None,
    confidence: float,
    manifest_extra: dict[str, Any] | None,
    report: bool,
    comparisons: Any | None,
    progress: Callable[[int, int], None] | None = None,
    stream: Any = None,
) -> None:
    """The tables, report and manifest of a comparison, into its staging folder (its
    ``timeseries.parquet`` from ``stream`` when it was written while the replications ran)."""
    import pandas as pd

    from botsim.stats import compare_summaries, group_aggregates

    _check_compare(results)
    names = unique_names([r.scenario.name for r in results])
    horizon = min(r.scenario.horizon_months for r in results)
    (staging / "scenarios").mkdir()
    entries = []
    summaries = []
    for k, (name, res) in enumerate(zip(names, results)):
        file = f"scenarios/{k + 1:02d}-{slug(name)}.yaml"
        _write_atomic(staging / file, dump_yaml(scenario_to_dict(res.scenario)).encode())
        entries.append(
            {
                "name": name,
                "file": file,
                "source": sources[k] if sources else None,
                "scenario_hash": scenario_hash(res.scenario),
                "horizon_months": res.scenario.horizon_months,
                "failed_replications": [f.replication for f in res.failures],
            }
        )
        s = res.summary.copy()
        s.insert(0, "scenario", name)
        summaries.append(s)
    summary = pd.concat(summaries, ignore_index=True)
    del summaries
    write_parquet(summary, staging / "summary.parquet")
    write_stacked_series(
        staging / "timeseries.parquet",
        [({"scenario": name}, res) for name, res in zip(names, results)],
        stream,
    )
    by_name = {n: summary[summary["scenario"] == n].drop(columns="scenario") for n in names}
    if comparisons is None:
        comparisons = compare_summaries(by_name, horizon, confidence=confidence)
    comparisons.to_csv(staging / "comparisons.csv", index=False)
    group_aggregates(summary, ["scenario"], confidence).to_csv(
        staging / "aggregates.csv", index=False
    )
    del by_name, summary
    failures = comparison_failures(names, results)
    if failures:
        _write_atomic(staging / "failures.json", json.dumps(failures, indent=2).encode())
    manifest = {
        "kind": "compare",
        "scenario_hash": combined_hash([e["scenario_hash"] for e in entries]),
        "scenarios": entries,
        "seed": results[0].seed,
        "replications": results[0].replications,
        "horizon_months": horizon,
        "confidence": confidence,
        "correction": "bonferroni" if len(results) > 2 else "none",
        "common_random_numbers": True,
        "executor": str(getattr(results[0], "executor", "serial")),
        "wall_time_seconds": round(sum(r.wall_time for r in results), 3),
        **_environment(),
        **(manifest_extra or {}),
    }
    _finish(staging, manifest, report, progress)


def _write_study_tables(staging: Path, manifest: dict[str, Any]) -> Any:
    """Sweep tables derived from the saved ones: paired contrasts (grid) or tornado (OAT).
    Returns the :class:`botsim.report.study.Study` they were computed from, which the report
    and the console summary reuse (with the contrasts computed here)."""
    from botsim.report.study import load_study
    from botsim.report.tables import sweep_contrasts, tornado

    study = load_study(staging, manifest=manifest)
    if study.mode == "grid":
        table, name = sweep_contrasts(study), "contrasts.csv"
    else:
        table, name = tornado(study), "tornado.csv"
    if len(table):
        table.to_csv(staging / name, index=False)
    return study


def write_sweep(
    target: str | Path,
    result: Any,
    sweep_text: str | None = None,
    confidence: float = 0.95,
    manifest_extra: dict[str, Any] | None = None,
    force: bool = False,
    report: bool = True,
    inputs: Sequence[str | Path] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a SweepResult (tidy tables with the parameters on every row) into ``target``.

    ``inputs`` (the sweep file and its base scenario file) are never replaced by ``force``;
    ``progress(done, total)`` follows the building of the report (``write_report``)."""
    target = Path(target)
    with staged_folder(target, force, inputs) as staging:
        manifest = _write_sweep_into(staging, result, sweep_text, confidence, manifest_extra)
        study = _write_study_tables(staging, manifest)
        _finish(staging, manifest, report, progress, study)
    return target


def sweep_to_folder(
    target: str | Path,
    plan: Any,
    replications: int | None = None,
    seed: int | None = None,
    *,
    sweep_text: str | None = None,
    confidence: float | None = None,
    manifest_extra: dict[str, Any] | None = None,
    force: bool = False,
    report: bool = True,
    inputs: Sequence[str | Path] = (),
    report_progress: Callable[[int, int], None] | None = None,
    resume: bool = False,
    on_study: Callable[[Any], None] | None = None,
    **run_options: Any,
) -> tuple[Path, Any]:
    """Run a sweep straight into the folder ``target`` (what ``botsim sweep`` does), each
    variant's replications saved chunk by chunk into the staging folder and
    ``timeseries.parquet`` streamed from there, so memory stays flat in the replication count
    (see :func:`compare_to_folder`, also for ``resume``). ``run_options`` go to
    :func:`botsim.experiment.sweep.run_sweep`; ``report_progress`` as for
    :func:`compare_to_folder`. ``on_study`` is called, once the folder is complete, with the
    :class:`botsim.report.study.Study` its derived tables and report were made from (the
    contrasts and decision computed once): what a console summary reads instead of the
    folder. Returns the folder and the SweepResult (None when a resumed sweep had only its
    final rename left)."""
    import pandas as pd

    from botsim.experiment.outputs import read_partial, study_folder
    from botsim.experiment.sweep import run_sweep

    target = study_folder(Path(target)) if resume else Path(target)
    saved = (read_partial(target) or {}) if resume else {}
    n = plan.replications(replications or saved.get("replications"))
    seed = plan.root_seed(seed if seed is not None else saved.get("seed"))
    level = confidence if confidence is not None else saved.get("confidence", 0.95)
    hashes = [scenario_hash(pt.scenario) for pt in plan.points]
    result = study = None
    with staged_study(
        target, "sweep", hashes, seed, n, level, resume=resume, force=force, inputs=inputs
    ) as staged:
        if not staged.finalized:  # else a resumed sweep with only its final rename left
            staging = staged.staging
            # timeseries.parquet is written while the replications run
            tags = plan.series_tags()
            schema = series_schema([pt.scenario for pt in plan.points], seed, tags)
            stream = staged.stream_series(tags, n, schema)
            result = run_sweep(plan, n, seed, chunks=staging / CHUNKS, stream=stream, **run_options)
            extra = {**(manifest_extra or {}), **({"resumed": True} if resume else {})}
            manifest = _write_sweep_into(staging, result, sweep_text, level, extra, stream)
            # Written: the derived tables and the report read the summary back from the file,
            # so the copy in memory goes first (never two at once)
            result.summary_from(lambda: pd.read_parquet(target / "summary.parquet"))
            study = _write_study_tables(staging, manifest)
            _finish(staging, manifest, report, report_progress, study)
    if result is None:
        return target, None
    if on_study is not None and study is not None:
        on_study(study)
    _series_from_folder(target, result.series_sources())
    return target, result


def _write_sweep_into(
    staging: Path,
    result: Any,
    sweep_text: str | None,
    confidence: float,
    manifest_extra: dict[str, Any] | None,
    stream: Any = None,
) -> dict[str, Any]:
    """The tables of a sweep, into its staging folder; returns its manifest (the derived
    tables are written by :func:`_write_study_tables`, the report and the manifest by
    :func:`_finish`; ``timeseries.parquet`` comes from ``stream`` when it was written while the
    replications ran)."""
    from botsim.stats import group_aggregates, time_to_metrics, time_to_table

    plan = result.plan
    sweep = plan.sweep
    text = sweep_text or dump_yaml(sweep.model_dump(mode="json", exclude_none=True))
    _write_atomic(staging / "sweep.yaml", text.encode())
    _write_atomic(staging / "base-scenario.yaml", dump_yaml(scenario_to_dict(plan.base)).encode())
    points = plan.points_table()
    points.to_csv(staging / "points.csv", index=False)
    write_parquet(result.summary, staging / "summary.parquet")
    write_stacked_series(staging / "timeseries.parquet", result.series_sources(), stream)
    tag_cols = [c for c in ("sweep", "point", "label", "varied", "level") if c in result.summary]
    keys = ["point", "label", *plan.columns]
    by_point = result.summary.drop(columns=[c for c in tag_cols if c not in keys])
    group_aggregates(by_point, keys, confidence).to_csv(staging / "aggregates.csv", index=False)
    del by_point
    frames = []
    for pt in plan.points:
        sub = result.summary[result.summary["point"] == pt.index]
        metrics = time_to_metrics(sub)
        if not len(sub) or not metrics:
            continue
        table = time_to_table(
            sub, pt.scenario.horizon_months, metrics, tuple(sweep.months), confidence
        )
        for i, (k, v) in enumerate({"point": pt.index, "label": pt.label}.items()):
            table.insert(i, k, v)
        frames.append(table)
    if frames:
        import pandas as pd

        pd.concat(frames, ignore_index=True).to_csv(staging / "time_to.csv", index=False)
    if result.failures:
        _write_atomic(staging / "failures.json", json.dumps(result.failures, indent=2).encode())
    manifest = {
        "kind": "sweep",
        "sweep": sweep.name,
        "description": sweep.description,
        "source": plan.source,
        "mode": sweep.mode,
        "parameters": plan.columns,
        "parameter_paths": {p.column: p.path for p in sweep.parameters},
        "points": len(plan.points),
        "key_metric": sweep.key_metric,
        "months": list(sweep.months),
        "heatmap_month": sweep.heatmap_month,
        "seed": result.seed,
        "replications": result.replications,
        "base_scenario": plan.base.name,
        "base_scenario_hash": scenario_hash(plan.base),
        "scenario_hash": combined_hash([scenario_hash(pt.scenario) for pt in plan.points]),
        "confidence": confidence,
        "common_random_numbers": True,
        "failed_replications": len(result.failures),
        "executor": result.executor,
        "wall_time_seconds": round(result.wall_time, 3),
        **_environment(),
        **(manifest_extra or {}),
    }
    return manifest
