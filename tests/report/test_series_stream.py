"""``timeseries.parquet`` written while the replications run (issue 19, session 7): each chunk
is offered to a :class:`SeriesStream` as it is saved and written in experiment and replication
order, whatever order the chunks finish in; the file is byte for byte the one written from the
chunk files after the replications (same rows, schema and row groups), memory holds a bounded
number of early chunks, a resumed study starts the file again from the saved chunks, and a
stream that cannot hold a later experiment's columns gives up for the old path."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from botsim.experiment import outputs
from botsim.experiment.outputs import (
    STREAM_FILE,
    ChunkFolder,
    SeriesStream,
    write_series_parquet,
    write_stacked_series,
)
from botsim.experiment.runner import ChunkResult, ReplicationFailure
from tests.report.test_streaming import grid

MONTHS = 3


def chunk(first: int, size: int, extra: bool = False, failed: tuple[int, ...] = ()) -> ChunkResult:
    """A chunk of replications ``first..first+size-1`` (``failed`` ones have no rows)."""
    reps = [r for r in range(first, first + size) if r not in failed]
    series = {
        "replication": np.repeat(np.asarray(reps, dtype=np.int64), MONTHS),
        "month": np.tile(np.arange(MONTHS, dtype=np.int64), len(reps)),
        "headcount": np.arange(len(reps) * MONTHS, dtype=float) + first,
        "phase": np.asarray(["build", "operate", "transfer"] * len(reps)),
    }
    if extra:  # a column only some experiments have (a second location, say)
        series["seats_second_site"] = np.full(len(reps) * MONTHS, 2.0)
    summary = {"replication": np.asarray(reps, dtype=np.int64)}
    failures = [ReplicationFailure(r, 1, "ValueError: bad") for r in failed]
    return ChunkResult(list(range(first, first + size)), summary, series, failures)


TAGS = [{"point": 0, "site": "manila"}, {"point": 1, "site": "bogota"}]
REPLICATIONS = 8


def chunks_of(experiment: int, extra: bool = False) -> list[ChunkResult]:
    failed = (5,) if experiment == 0 else (2, 3)  # chunk 2-3 of experiment 1 has no rows
    return [chunk(first, 2, extra, failed) for first in range(0, REPLICATIONS, 2)]


def stores(tmp_path: Path, stream: SeriesStream | None) -> list[ChunkFolder]:
    folders = [ChunkFolder(tmp_path / "chunks" / f"{k + 1:04d}") for k in range(len(TAGS))]
    return [stream.attach(f, k) if stream else f for k, f in enumerate(folders)]


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch) -> None:
    monkeypatch.setattr(outputs, "ROW_GROUP_ROWS", 7)  # several row groups, across experiments


def test_chunks_finishing_out_of_order_give_the_file_written_afterwards(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(outputs, "STREAM_BUFFER_CHUNKS", 2)
    stream = SeriesStream(tmp_path / STREAM_FILE, TAGS, REPLICATIONS, stacked=True)
    folders = stores(tmp_path, stream)
    arrivals = [(k, c) for k in range(len(TAGS)) for c in chunks_of(k)]
    random.Random(3).shuffle(arrivals)
    held = []
    for k, c in arrivals:
        folders[k].save_chunk(c)
        held.append(stream.held)
    assert max(held) == 2  # early chunks held in memory: at most the cap, the rest read back
    assert stream.writer.started  # rows were written while chunks still came
    streamed = tmp_path / "streamed.parquet"
    assert stream.finish(streamed) and not (tmp_path / STREAM_FILE).exists()
    afterwards = tmp_path / "afterwards.parquet"
    write_stacked_series(afterwards, list(zip(TAGS, folders)))
    assert streamed.read_bytes() == afterwards.read_bytes()
    assert pq.ParquetFile(streamed).metadata.num_row_groups > 3
    table = pd.read_parquet(streamed)
    assert list(table.columns[:2]) == ["point", "site"]
    assert table.groupby("point")["replication"].unique().map(list).tolist() == [
        [0, 1, 2, 3, 4, 6, 7],
        [0, 1, 4, 5, 6, 7],
    ]


def test_a_run_is_written_as_its_chunks_come(tmp_path) -> None:
    """A run's one experiment, untagged: as :func:`write_series_parquet` writes its chunks."""
    stream = SeriesStream(tmp_path / STREAM_FILE, [{}], REPLICATIONS, stacked=False)
    folder = stream.attach(ChunkFolder(tmp_path / "chunks"), 0)
    for c in reversed(chunks_of(0)):
        folder.save_chunk(c)
    assert stream.finish(tmp_path / "streamed.parquet")
    write_series_parquet(tmp_path / "afterwards.parquet", folder.series_parts())
    assert (tmp_path / "streamed.parquet").read_bytes() == (
        tmp_path / "afterwards.parquet"
    ).read_bytes()


def test_a_resumed_study_writes_the_saved_chunks_first(tmp_path) -> None:
    """Chunks an interrupted study saved are offered (from disk) when its runner loads them;
    the ones run now fill the gaps; the file is the one of an uninterrupted study."""
    everything = [(k, c) for k in range(len(TAGS)) for c in chunks_of(k)]
    earlier, later = everything[1::2], everything[0::2]
    for k, c in earlier:  # the interrupted attempt (its own stream was discarded)
        stores(tmp_path, None)[k].save_chunk(c)
    stream = SeriesStream(tmp_path / STREAM_FILE, TAGS, REPLICATIONS, stacked=True)
    folders = stores(tmp_path, stream)
    loaded = [c.first for f in folders for c in f.completed_chunks()]
    # nothing is read back while the runner loads them (the workers would wait)
    assert len(loaded) == len(stream.waiting) == len(earlier) and not stream.writer.started
    for k, c in later:
        folders[k].save_chunk(c)
    assert stream.finish(tmp_path / "streamed.parquet")
    write_stacked_series(tmp_path / "afterwards.parquet", list(zip(TAGS, folders)))
    assert (tmp_path / "streamed.parquet").read_bytes() == (
        tmp_path / "afterwards.parquet"
    ).read_bytes()


@pytest.mark.parametrize("row_group", [7, 10_000])
def test_a_later_experiment_with_more_columns(tmp_path, monkeypatch, row_group) -> None:
    """Once rows are written the file's schema is fixed: a later experiment with a column the
    first lacks makes the stream give up, and the file is written afterwards as before; before
    any row is written the schema simply grows."""
    monkeypatch.setattr(outputs, "ROW_GROUP_ROWS", row_group)
    stream = SeriesStream(tmp_path / STREAM_FILE, TAGS, REPLICATIONS, stacked=True)
    folders = stores(tmp_path, stream)
    for k in range(len(TAGS)):
        for c in chunks_of(k, extra=k == 1):
            folders[k].save_chunk(c)
    kept = row_group > REPLICATIONS * MONTHS * len(TAGS)
    assert stream.failed is not kept and stream.writer.schema is not None
    assert (tmp_path / STREAM_FILE).exists() is False  # given up, or no row group written yet
    write_stacked_series(tmp_path / "streamed.parquet", list(zip(TAGS, folders)), stream)
    assert not (tmp_path / STREAM_FILE).exists()
    write_stacked_series(tmp_path / "afterwards.parquet", list(zip(TAGS, folders)))
    assert (tmp_path / "streamed.parquet").read_bytes() == (
        tmp_path / "afterwards.parquet"
    ).read_bytes()
    assert pd.read_parquet(tmp_path / "streamed.parquet")["seats_second_site"].isna().sum() == (
        7 * MONTHS
    )


def test_a_stream_missing_a_chunk_writes_nothing(tmp_path) -> None:
    stream = SeriesStream(tmp_path / STREAM_FILE, TAGS, REPLICATIONS, stacked=True)
    folders = stores(tmp_path, stream)
    for c in chunks_of(0)[1:]:
        folders[0].save_chunk(c)
    assert not stream.finish(tmp_path / "streamed.parquet")
    assert not (tmp_path / "streamed.parquet").exists() and not (tmp_path / STREAM_FILE).exists()


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_every_command_writes_its_series_while_the_replications_run(
    tmp_path, monkeypatch, command
) -> None:
    """The stream file grows in the staging folder while chunks are saved, and the finished
    folder's table comes from it, never from reading the chunk files back."""
    from botsim.experiment.run_folder import run_to_folder
    from botsim.experiment.sweep import sweep_from_dict
    from botsim.report import compare_to_folder, sweep_to_folder
    from tests.report.conftest import small_scenario
    from tests.report.test_streaming import BASE

    monkeypatch.setattr(outputs, "ROW_GROUP_ROWS", 40)
    sizes: list[int] = []
    real = ChunkFolder.save_chunk

    def saving(self: ChunkFolder, c: ChunkResult) -> None:
        real(self, c)
        staging = next(tmp_path.glob(".incomplete-*"))
        stream = staging / STREAM_FILE
        sizes.append(stream.stat().st_size if stream.exists() else 0)

    def never(*args, **kwargs):
        raise AssertionError("timeseries.parquet read back from the chunk files")

    monkeypatch.setattr(ChunkFolder, "save_chunk", saving)
    monkeypatch.setattr(ChunkFolder, "series_parts", never)
    out = tmp_path / "out"
    if command == "run":
        run_to_folder(BASE, overrides=["horizon_months=12"], replications=12, seed=2, folder=out)
    elif command == "compare":
        scenarios = [small_scenario(), small_scenario("name=other", "policy.backfill=on_exit")]
        compare_to_folder(out, scenarios, 12, 2, report=False, chunk_size=3)
    else:
        plan = sweep_from_dict(json.loads(grid(tmp_path).read_text()), tmp_path / "grid.yaml")
        sweep_to_folder(out, plan, 6, 3, report=False, chunk_size=2)
    assert sizes[-1] > 0 and sorted(sizes) == sizes and len(set(sizes)) > 2
    assert not list(out.glob("*.stream")) and len(pd.read_parquet(out / "timeseries.parquet"))


def test_a_schema_known_up_front_keeps_the_stream_going(tmp_path, monkeypatch) -> None:
    """Given the file's schema up front (every experiment's columns), the stream writes a
    later experiment's extra column instead of giving up, and the file is the one written from
    the chunk files afterwards."""
    monkeypatch.setattr(outputs, "ROW_GROUP_ROWS", 7)
    firsts = [
        outputs._tagged(chunks_of(k, extra=k == 1)[0].series, tags) for k, tags in enumerate(TAGS)
    ]
    schema = outputs.unified_schema(firsts)
    stream = SeriesStream(tmp_path / STREAM_FILE, TAGS, REPLICATIONS, stacked=True, schema=schema)
    folders = stores(tmp_path, stream)
    for k in range(len(TAGS)):
        for c in chunks_of(k, extra=k == 1):
            folders[k].save_chunk(c)
    assert not stream.failed and (tmp_path / STREAM_FILE).exists()
    write_stacked_series(tmp_path / "streamed.parquet", list(zip(TAGS, folders)), stream)
    write_stacked_series(tmp_path / "afterwards.parquet", list(zip(TAGS, folders)))
    assert (tmp_path / "streamed.parquet").read_bytes() == (
        tmp_path / "afterwards.parquet"
    ).read_bytes()


def test_series_schema_runs_nothing_when_the_experiments_have_the_same_columns(
    monkeypatch,
) -> None:
    from botsim.experiment import runner
    from tests.report.conftest import small_scenario

    def never(*args, **kwargs):
        raise AssertionError("a replication was run to learn the schema")

    monkeypatch.setattr(runner, "run_chunk", never)
    scenarios = [small_scenario(), small_scenario("name=other", "policy.backfill=on_exit")]
    assert outputs.series_schema(scenarios, 2, [{"scenario": "a"}, {"scenario": "b"}]) is None


def test_a_comparison_of_different_roles_streams_its_series(tmp_path, monkeypatch) -> None:
    """Two scenarios whose roles differ have different cost columns; the comparison still
    writes timeseries.parquet while the replications run (never from the chunk files), with
    every column of both, each scenario's rows empty in the other's columns."""
    from botsim.report import compare_to_folder
    from tests.report.conftest import small_scenario

    def never(*args, **kwargs):
        raise AssertionError("timeseries.parquet read back from the chunk files")

    monkeypatch.setattr(outputs, "ROW_GROUP_ROWS", 40)  # written before the second scenario
    monkeypatch.setattr(ChunkFolder, "series_parts", never)
    scenarios = [small_scenario(), small_scenario("name=other", "roles[0].name=controller")]
    out = tmp_path / "out"
    compare_to_folder(out, scenarios, 12, 2, report=False, chunk_size=3)
    table = pd.read_parquet(out / "timeseries.parquet")
    a, b = "cost_direct__manila__finance-analyst", "cost_direct__manila__controller"
    first = table["scenario"] == scenarios[0].name
    assert table.loc[first, a].notna().all() and table.loc[first, b].isna().all()
    assert table.loc[~first, b].notna().all() and table.loc[~first, a].isna().all()
    assert pq.ParquetFile(out / "timeseries.parquet").metadata.num_row_groups > 1
