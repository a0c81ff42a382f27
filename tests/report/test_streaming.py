"""Comparisons and sweeps written straight to their folder (issue 19): each experiment's chunks
are saved to the staging folder as they finish and ``timeseries.parquet`` is streamed from
them, never held in memory; the tables are the same as the in-memory path's, and the same
whatever the worker count (as for ``botsim run``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim.cli.main import main
from botsim.experiment.outputs import ChunkFolder, is_complete
from botsim.experiment.sweep import run_sweep, sweep_from_dict
from tests.report.conftest import ROOT, small_scenario

BASE = str(ROOT / "scenarios" / "manila-finance-20.yaml")
SPLIT = str(ROOT / "scenarios" / "split-ph-co.yaml")
QUIET = ("--no-report", "--no-progress")


def grid(tmp_path: Path) -> Path:
    doc = {
        "name": "grid-2x2",
        "base": BASE,
        "parameters": [
            {"name": "recruiters", "path": "locations[0].recruiting.recruiters", "values": [1, 3]},
            {"name": "team_size", "path": "roles[0].plan[0].headcount", "values": [3, 6]},
            {"name": "months", "path": "horizon_months", "values": [12]},  # quick
        ],
    }
    path = tmp_path / "grid.yaml"  # JSON is YAML
    path.write_text(json.dumps(doc))
    return path


def tables(folder: Path) -> list[pd.DataFrame]:
    return [pd.read_parquet(folder / f) for f in ("summary.parquet", "timeseries.parquet")]


def assert_same_tables(a: Path, b: Path, csvs: tuple[str, ...]) -> None:
    for left, right in zip(tables(a), tables(b)):
        pd.testing.assert_frame_equal(left, right)
    for name in csvs:
        assert (a / name).read_text() == (b / name).read_text(), name


@pytest.fixture
def saved_chunks(monkeypatch) -> list[Path]:
    """Every chunk saved by a ChunkFolder (the folder it went to)."""
    real = ChunkFolder.save_chunk
    saved: list[Path] = []

    def counting(self: ChunkFolder, chunk) -> None:
        saved.append(self.folder)
        real(self, chunk)

    monkeypatch.setattr(ChunkFolder, "save_chunk", counting)
    return saved


def test_sweep_streams_each_variant_and_matches_the_in_memory_tables(
    tmp_path, saved_chunks
) -> None:
    from botsim.report import sweep_to_folder, write_sweep

    plan = sweep_from_dict(json.loads(grid(tmp_path).read_text()), tmp_path / "grid.yaml")
    folder, streamed = sweep_to_folder(tmp_path / "streamed", plan, 6, 3, report=False)
    assert is_complete(folder) and not (folder / "chunks").exists()
    # every variant's chunks went to its own folder in the staging folder, none stayed in memory
    assert len({p.name for p in saved_chunks}) == 4
    assert all(p.parent.name == "chunks" and ".incomplete-" in str(p) for p in saved_chunks)
    assert not any(r.timeseries_loaded for r in streamed.results)
    in_memory = write_sweep(tmp_path / "memory", run_sweep(plan, 6, 3), report=False)
    assert_same_tables(folder, in_memory, ("aggregates.csv", "time_to.csv", "contrasts.csv"))
    # a variant's series, read back from the finished folder, is its own rows
    pd.testing.assert_frame_equal(
        streamed.results[2].timeseries.reset_index(drop=True),
        run_sweep(plan, 6, 3).results[2].timeseries,
    )


def test_compare_streams_scenarios_with_different_columns(tmp_path, saved_chunks) -> None:
    """Two scenarios whose series have different columns (one location vs two): the streamed
    table has every column of either, as the in-memory path's concatenation has."""
    from botsim.experiment.comparison import run_comparison
    from botsim.inputs.loader import load_scenario
    from botsim.report import compare_to_folder, write_compare

    scenarios = [load_scenario(p, ["horizon_months=12"]) for p in (BASE, SPLIT)]
    folder, comparison = compare_to_folder(tmp_path / "streamed", scenarios, 5, 2, report=False)
    assert len({p.name for p in saved_chunks}) == 2
    assert not any(r.timeseries_loaded for r in comparison.results)
    reference = run_comparison(scenarios, 5, 2)
    in_memory = write_compare(
        tmp_path / "memory", reference.results, report=False, comparisons=reference.table
    )
    assert_same_tables(folder, in_memory, ("aggregates.csv", "comparisons.csv"))
    series = pd.read_parquet(folder / "timeseries.parquet")
    only_split = set(reference.results[1].timeseries.columns) - set(
        reference.results[0].timeseries.columns
    )
    assert only_split
    assert (
        series.loc[series["scenario"] == scenarios[0].name, sorted(only_split)].isna().all().all()
    )


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_workers_1_and_2_give_identical_study_tables(tmp_path, command) -> None:
    if command == "compare":
        inputs = [BASE, SPLIT, "--set", "horizon_months=12"]
    else:
        inputs = [str(grid(tmp_path))]
    csvs = ("aggregates.csv", "comparisons.csv") if command == "compare" else ("aggregates.csv",)
    folders = []
    for workers in ("1", "2"):
        folder = tmp_path / f"workers-{workers}"
        args = [command, *inputs, *QUIET, "-n", "7", "--workers", workers, "--out", str(folder)]
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, res.output
        folders.append(folder)
    manifest = json.loads((folders[1] / "manifest.json").read_text())
    assert manifest["executor"] == "process-pool(workers=2)"
    assert_same_tables(*folders, csvs)


def test_an_interrupted_study_keeps_its_staging_folder_and_nothing_looks_complete(
    tmp_path, monkeypatch
) -> None:
    """Ctrl-C during a streamed comparison: the staging folder is kept, with its chunks, for
    ``--resume`` (tests/cli/test_study_resume.py), and named; nothing looks like a result."""
    from botsim.experiment.outputs import INCOMPLETE_PREFIX
    from botsim.experiment.run_folder import RunStopped
    from botsim.report import compare_to_folder

    def ctrl_c(self, chunk) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ChunkFolder, "save_chunk", ctrl_c)
    with pytest.raises(RunStopped) as stopped:
        compare_to_folder(tmp_path / "cmp", [small_scenario(), small_scenario()], 4, 1)
    assert stopped.value.interrupted and stopped.value.staging == tmp_path / (
        INCOMPLETE_PREFIX + "cmp"
    )
    assert [p.name for p in tmp_path.iterdir()] == [INCOMPLETE_PREFIX + "cmp"]
    assert not is_complete(stopped.value.staging)


@pytest.mark.parametrize("study", ["compare", "sweep"])
def test_a_study_cut_short_resumes_from_its_saved_chunks_to_the_same_numbers(
    tmp_path, monkeypatch, study
) -> None:
    """The library's resume of a study: run_comparison / run_sweep given the ``chunks`` folder
    of a run that was cut short load the chunks saved there and run only the rest, with the
    same numbers as an uninterrupted run (the CLI's --resume: tests/cli/test_study_resume.py)."""
    from botsim.experiment.comparison import run_comparison

    if study == "compare":
        scenarios = [small_scenario(), small_scenario("name=other", "policy.backfill=on_exit")]

        def run(**kw):
            results = run_comparison(scenarios, 12, 4, chunk_size=3, **kw).results
            return [(r.summary, r.timeseries) for r in results]
    else:
        plan = sweep_from_dict(json.loads(grid(tmp_path).read_text()), tmp_path / "grid.yaml")

        def run(**kw):
            result = run_sweep(plan, 12, 4, chunk_size=3, **kw)
            return [(result.summary, result.timeseries)] * len(plan.points)

    real = ChunkFolder.save_chunk
    saved: list[int] = []

    def ctrl_c_after_five(self: ChunkFolder, chunk) -> None:
        if len(saved) == 5:
            raise KeyboardInterrupt
        saved.append(chunk.first)
        real(self, chunk)

    monkeypatch.setattr(ChunkFolder, "save_chunk", ctrl_c_after_five)
    with pytest.raises(KeyboardInterrupt):
        run(chunks=tmp_path / "chunks")
    monkeypatch.undo()
    ran: list[int] = []
    monkeypatch.setattr("botsim.experiment.runner.simulate", _counting(ran))
    resumed = run(chunks=tmp_path / "chunks")
    monkeypatch.undo()
    assert len(ran) == 12 * len(resumed) - 5 * 3  # the 5 saved chunks of 3 were not run again
    whole = run()
    for (summary, series), (summary_whole, series_whole) in zip(resumed, whole):
        pd.testing.assert_frame_equal(summary, summary_whole)
        pd.testing.assert_frame_equal(series, series_whole)


def _counting(calls: list[int]):
    from botsim.experiment import runner

    real = runner.simulate

    def simulate(scenario, seed=None, replication=0, keep_events=False):
        calls.append(replication)
        return real(scenario, seed, replication, keep_events)

    return simulate


def test_the_sweep_tables_are_derived_after_the_summary_left_memory(tmp_path, monkeypatch) -> None:
    """The contrasts/tornado tables read the summary back from the written file: the stacked
    summary the sweep held while it ran is dropped first, so there are never two copies."""
    import gc

    from botsim.experiment.runner import _Loader
    from botsim.experiment.sweep import SweepResult
    from botsim.report import folders, sweep_to_folder

    real = folders._write_study_tables
    held: list[bool] = []

    def checking(staging, manifest):
        results = [o for o in gc.get_objects() if isinstance(o, SweepResult)]
        held.extend(not isinstance(r.__dict__["_summary_value"], _Loader) for r in results)
        return real(staging, manifest)

    monkeypatch.setattr(folders, "_write_study_tables", checking)
    plan = sweep_from_dict(json.loads(grid(tmp_path).read_text()), tmp_path / "grid.yaml")
    folder, _ = sweep_to_folder(tmp_path / "sweep", plan, 4, 3, report=False)
    assert held == [False] and (folder / "contrasts.csv").is_file()


def _chunk_columns():
    import numpy as np

    from botsim.experiment.runner import ChunkResult, ReplicationFailure

    summary = {
        "replication": np.array([3, 4], dtype=np.int64),
        "headcount": np.array([1.5, 2.5]),
        "phase": np.array(["build", "transfer"]),
        "ready": np.array([True, False]),
        "cost": np.array([7.0, 8.0]),
        "label": np.array(["a", "bb"]),
    }
    series = {
        "replication": np.repeat(np.array([3, 4], dtype=np.int64), 3),
        "month": np.tile(np.arange(3, dtype=np.int64), 2),
        "headcount": np.arange(6, dtype=float),
    }
    failure = ReplicationFailure(5, 7, "Traceback...\nValueError: bad")
    return ChunkResult([3, 4, 5], summary, series, [failure]), summary, series


def test_a_saved_chunk_is_a_few_arrays_and_reads_back_column_for_column(tmp_path) -> None:
    """One array per dtype, not one per column (saving and reading ~130 arrays a chunk cost
    milliseconds of the parent's time per chunk); the columns come back in their order, with
    their values and dtypes."""
    import numpy as np

    chunk, summary, series = _chunk_columns()
    store = ChunkFolder(tmp_path)
    store.save_chunk(chunk)
    (path,) = store.files()
    with np.load(path) as data:
        # replications, layout, failures, and one array per dtype of each table
        dtypes = {v.dtype for v in summary.values()}, {v.dtype for v in series.values()}
        assert len(data.files) == 3 + sum(map(len, dtypes)) < 3 + len(summary) + len(series)
    (loaded,) = store.completed_chunks()
    assert loaded.replications == [3, 4, 5] and loaded.failures == chunk.failures
    for saved, read in ((summary, loaded.summary), (series, next(store.series_parts()))):
        assert list(read) == list(saved)
        for name, values in saved.items():
            assert read[name].dtype == values.dtype and np.array_equal(read[name], values), name


def test_a_chunk_saved_one_array_per_column_is_still_read(tmp_path) -> None:
    """Chunks written before the packed layout (an interrupted run resumed by this version)."""
    import numpy as np

    chunk, summary, series = _chunk_columns()
    arrays = {"replications": np.asarray(chunk.replications, dtype=np.int64)}
    arrays.update({f"s.{k}": v for k, v in summary.items()})
    arrays.update({f"t.{k}": v for k, v in series.items()})
    arrays["failures"] = np.asarray(json.dumps([f.__dict__ for f in chunk.failures]))
    np.savez(tmp_path / "000000003-000000005.npz", **arrays)
    store = ChunkFolder(tmp_path)
    (loaded,) = store.completed_chunks()
    assert list(loaded.summary) == list(summary) and loaded.failures == chunk.failures
    part = next(store.series_parts())
    assert all(np.array_equal(part[k], v) for k, v in series.items())
