"""Run folders: built under a temporary name, made complete by one final atomic rename.

A finished run folder holds ``scenario.yaml`` (the resolved scenario), ``manifest.json``,
``summary.parquet``, ``timeseries.parquet``, ``aggregates.csv`` and, when replications failed,
``failures.json``.

While a run is going, its folder is ``.incomplete-<name>`` beside the final one. It holds the
resolved scenario, ``partial.json`` (the partial manifest: scenario hash, seed, replications,
precision settings) and ``chunks/`` with every chunk of replications saved as it finished. An
interrupted run (Ctrl-C, kill, full disk) leaves exactly that folder, which ``--resume``
finishes; nothing else ever looks like a run. Every file is written to a temporary name and
renamed into place; the manifest is written last, and the folder is renamed to its final name
only after that. :func:`is_complete` is the one test of completeness.

An existing run is never overwritten unless ``force`` is given, and ``force`` replaces only what
botsim itself wrote (:func:`check_replaceable`): an empty folder or a botsim folder, never one
that holds an input file, never the working directory or an ancestor of it, never a run that a
live process is still writing. Folder names derived from a scenario's name cannot leave the
outputs folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import logging
import math
import os
import platform
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from botsim import __version__
from botsim.inputs.loader import dump_yaml, scenario_to_dict
from botsim.inputs.scenario import Scenario, slug

log = logging.getLogger(__name__)

INCOMPLETE_PREFIX = ".incomplete-"
MANIFEST = "manifest.json"
PARTIAL = "partial.json"
CHUNKS = "chunks"
LOCK = ".lock"
REPORT_PENDING = "report_pending"
"""Manifest key of a complete run folder whose report.html is still to be written (the run is
renamed into place before its report is made): true until the report is written, so a run
killed while writing its report says so, and ``botsim report FOLDER`` rebuilds it."""
MAX_NAME = 80
"""Longest scenario part of a default folder name (file systems allow 255 bytes)."""
FORMAT = 1
ROW_GROUP_ROWS = 50_000
"""Rows per row group of ``timeseries.parquet`` when it is assembled from saved chunks."""


class OutputError(Exception):
    """The run folder cannot be created or written (exists, unwritable, disk full...)."""


class ResumeError(OutputError):
    """A folder cannot be resumed (not a run, complete already, another scenario...)."""


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario (canonical JSON): same hash = same inputs."""
    canonical = json.dumps(scenario_to_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


BOTSIM_MANIFEST_KEYS = ("scenario_hash", "botsim_version")
"""Keys every manifest botsim writes has (run, compare and sweep folders): how ``--force``
recognises a folder botsim wrote."""


def _describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (folder not writable)"
    return exc.strerror or str(exc)


def is_locked(folder: Path) -> bool:
    """True when a live process holds the lock of the staging folder ``folder`` (a run is
    being written there right now); False for an interrupted run or a folder without a lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(Path(folder) / LOCK, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases the probe's lock
    return False


def staging_state(staging: Path) -> str:
    """How to speak of a ``.incomplete-*`` folder: a live run or an interrupted one."""
    if is_locked(staging):
        return "still running (held by a live botsim process)"
    return "interrupted"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_botsim_folder(folder: Path) -> bool:
    """A folder botsim wrote: a manifest with botsim's keys, or a staging folder's marker (an
    ``.incomplete-*`` folder with its partial manifest or its lock file; a start cut short
    before the partial manifest has only the lock)."""
    folder = Path(folder)
    manifest = _read_json(folder / MANIFEST)
    if isinstance(manifest, dict) and all(k in manifest for k in BOTSIM_MANIFEST_KEYS):
        return True
    if not folder.name.startswith(INCOMPLETE_PREFIX):
        return False
    partial = _read_json(folder / PARTIAL)
    if isinstance(partial, dict) and "format" in partial and "scenario_hash" in partial:
        return True
    return (folder / LOCK).is_file()


def check_replaceable(
    target: Path, inputs: Iterable[str | Path] = (), expect: str = "folder"
) -> None:
    """Refuse (OutputError, nothing touched) to let ``--force`` replace ``target``, unless it
    does not exist, or is an empty folder or a folder botsim wrote (``expect="folder"``), or a
    file (``expect="file"``: ``botsim calibrate``'s profile, CSV and report page).

    Whatever it is, it is never the working directory or an ancestor of it, never an input file
    nor a folder holding one (``inputs``: the scenario, sweep or data files the command reads),
    and never a staging folder a live run holds (symlinks resolved throughout).
    This is the one test of every command's ``--force``.
    """
    target = Path(target)
    if not target.exists() and not target.is_symlink():
        return
    resolved = target.resolve()
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the working directory was removed: nothing of it left to protect
        cwd = Path("/nonexistent-working-directory")
    if resolved == cwd or resolved in cwd.parents:
        where = "is" if resolved == cwd else "contains"
        raise OutputError(
            f"--force will not replace {target}: it {where} the working directory; "
            "choose another --out"
        )
    for item in inputs:
        source = Path(item).resolve()
        if source == resolved or resolved in source.parents:
            what = "is" if source == resolved else "holds"
            raise OutputError(
                f"--force will not replace {target}: it {what} the input file {item}; "
                "choose another --out"
            )
    if expect == "file":
        if resolved.is_dir():
            raise OutputError(f"{target} is a folder, expected a file path")
        return
    if not resolved.is_dir():
        raise OutputError(
            f"--force will not replace {target}: it is a file, not a botsim folder; "
            "choose another --out"
        )
    if is_locked(resolved):
        raise OutputError(
            f"--force will not replace {target}: a run is still writing it (held by a live "
            "botsim process); wait for it to finish or choose another --out"
        )
    try:
        empty = not any(resolved.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot read {target}: {_describe_os_error(exc)}") from None
    if not empty and not is_botsim_folder(resolved):
        raise OutputError(
            f"--force will not replace {target}: it is not a folder botsim wrote (no botsim "
            f"{MANIFEST}); --force replaces only botsim's own or empty folders. Choose "
            "another --out, or move the folder away yourself"
        )


def claim_target(target: Path, kind: str, force: bool, inputs: Iterable[str | Path] = ()) -> Path:
    """Check that a new ``kind`` (run, compare, sweep) may be written to ``target``: a valid
    name, nothing there that ``force`` may not replace, no live botsim writing it, no
    interrupted one waiting for ``--resume``; returns its staging folder."""
    if target.name.startswith(INCOMPLETE_PREFIX) or target.name in ("", ".", ".."):
        what = "run folder" if kind == "run" else "output folder"
        raise OutputError(f"invalid {what} name {target.name!r}")
    check_destination(target, force, inputs)
    staging = staging_path(target)
    if staging.exists() and is_locked(staging):
        raise OutputError(
            f"a {kind} of {target} is still running in {staging} (held by a live botsim "
            "process); wait for it to finish or choose another --out"
        )
    check_no_interrupted(target, force, inputs)
    return staging


def check_no_interrupted(target: Path, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse to start ``target`` over an interrupted run or study of it (its ``.incomplete-*``
    folder, which ``--resume`` finishes) unless ``force`` discards it."""
    staging = staging_path(Path(target))
    if not staging.exists():
        return
    if not force:
        partial = _read_json(staging / PARTIAL)
        kind = partial.get("kind", "run") if isinstance(partial, dict) else "run"
        raise OutputError(
            f"an interrupted {kind} of {target} exists in {staging}; finish it with "
            f"`botsim {kind} --resume {staging}` or pass --force to discard it"
        )
    check_replaceable(staging, inputs)


def staging_path(target: Path) -> Path:
    """Where the run that will become ``target`` is built."""
    return target.parent / f"{INCOMPLETE_PREFIX}{target.name}"


def default_run_dir(root: Path, scenario: Scenario, now: dt.datetime | None = None) -> Path:
    """The run folder of ``scenario``: :func:`named_run_dir` of its name."""
    return named_run_dir(root, scenario.name, now)


def named_run_dir(root: Path, name: str, now: dt.datetime | None = None) -> Path:
    """``<root>/<name-slug>-<UTC timestamp>``, always directly inside ``root`` (run, compare
    and sweep folders alike).

    The slug has no path separators, no leading dots and no ``..``; it is cut to a sane length,
    and the result is checked to lie directly in ``root`` whatever the scenario is called. A
    name already taken (same scenario, same second) gets a ``-2``, ``-3``... suffix rather than
    replacing anything.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    base = f"{slug(name)[:MAX_NAME].strip('-.') or 'scenario'}-{now:%Y%m%dT%H%M%S}"
    root = Path(root)
    candidate, k = base, 1
    while (root / candidate).exists() or staging_path(root / candidate).exists():
        k += 1
        candidate = f"{base}-{k}"
    target = root / candidate
    if target.resolve().parent != root.resolve() or target.name in ("", ".", ".."):
        raise OutputError(f"run folder name {candidate!r} would leave {root}")
    return target


def is_complete(folder: Path) -> bool:
    """True only for a finished run folder: final name and a readable manifest.

    A ``.incomplete-*`` folder (running, interrupted, or between its last write and its final
    rename) is never complete, nor is a folder without a valid ``manifest.json``.
    """
    folder = Path(folder)
    if not folder.is_dir() or folder.name.startswith(INCOMPLETE_PREFIX):
        return False
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "scenario_hash" in manifest


def report_pending(folder: Path) -> bool:
    """True for a complete folder whose report was started but never finished."""
    manifest = _read_json(Path(folder) / MANIFEST)
    return isinstance(manifest, dict) and bool(manifest.get(REPORT_PENDING))


def mark_report_written(folder: Path) -> None:
    """Drop the :data:`REPORT_PENDING` mark from the manifest (one atomic rewrite)."""
    path = Path(folder) / MANIFEST
    manifest = _read_json(path)
    if isinstance(manifest, dict) and REPORT_PENDING in manifest:
        manifest.pop(REPORT_PENDING)
        _write_atomic(path, _json_bytes(manifest))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def dictionary_columns(schema: Any) -> list[str]:
    """The columns of an Arrow ``schema`` that Parquet files dictionary-encode: text only
    (scenario, location, phase... few distinct values). Numbers are written plain: encoding
    them by dictionary too (pyarrow's default) made writing a sweep's time series twice as
    slow and reading it back five times slower, for a file no smaller (benchmarks/README.md,
    "Session 8")."""
    import pyarrow as pa

    return [
        f.name
        for f in schema
        if pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
        or pa.types.is_dictionary(f.type)
    ]


def write_parquet(frame: Any, path: Path) -> None:
    """Write a data frame to the Parquet file ``path`` (no index; text dictionary-encoded,
    numbers plain: :func:`dictionary_columns`). Every table botsim writes goes through it or
    through :class:`SeriesWriter`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, use_dictionary=dictionary_columns(table.schema))


def _write_with(path: Path, write: Any) -> None:
    """Let ``write(tmp_path)`` produce a file, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _jsonable(value: Any) -> Any:
    """Plain JSON: non-finite floats become null (strict parsers reject NaN)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_bytes(data: Any) -> bytes:
    return json.dumps(_jsonable(data), indent=2, allow_nan=False).encode("utf-8")


def check_destination(target: Path, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse an existing destination unless ``force``, and with ``force`` one that
    :func:`check_replaceable` refuses, or one a live run is still building (checked before any
    work is done, and again just before the final rename)."""
    target = Path(target)
    exists = target.exists() or target.is_symlink()
    if exists and not force:
        raise OutputError(f"{target} already exists; choose another --out or pass --force")
    if force:
        check_replaceable(target, inputs)
        staging = staging_path(target)
        if is_locked(staging):
            raise OutputError(
                f"a run of {target} is still running in {staging} (held by a live botsim "
                "process); --force does not stop it: wait for it to finish or choose another --out"
            )


def _replace_folder(
    staging: Path, target: Path, force: bool, inputs: Iterable[str | Path] = ()
) -> None:
    """The final step: ``staging`` becomes ``target`` in one rename (an old ``target`` only
    with ``force``, and only what :func:`check_replaceable` allows, checked again here)."""
    if target.exists() or target.is_symlink():
        if not force:
            raise OutputError(f"{target} already exists; choose another --out or pass --force")
        check_replaceable(target, inputs)
        aside = target.parent / f"{INCOMPLETE_PREFIX}replaced-{target.name}-{os.getpid()}"
        os.replace(target, aside)
        os.replace(staging, target)
        if aside.is_symlink():  # a link to a botsim folder: the link goes, the folder stays
            aside.unlink()
        else:
            shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(staging, target)


def _base_manifest(scenario: Scenario) -> dict[str, Any]:
    from botsim.model.lifecycle import resolved_thresholds

    return {
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "botsim_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        # The readiness thresholds as the run used them ("auto" resolved; issue 15).
        "resolved_assumptions": resolved_thresholds(scenario).assumptions(scenario),
    }


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _write_tables(folder: Path, result: Any) -> None:
    from botsim.stats import aggregate

    _write_with(folder / "summary.parquet", lambda p: write_parquet(result.summary, p))
    _write_with(
        folder / "aggregates.csv", lambda p: aggregate(result.summary).to_csv(p, index=False)
    )
    if result.failures:
        failures = [f.__dict__ for f in result.failures]
        _write_atomic(folder / "failures.json", _json_bytes(failures))


def _final_manifest(partial: dict[str, Any], result: Any, extra: dict[str, Any]) -> dict:
    # A resumed run may have been run by several executors: name each, in order of use.
    executors = list(partial.get("executors", [])) or [getattr(result, "executor", "in-process")]
    manifest = {
        **partial,
        "seed": result.seed,
        "replications": result.replications,
        "failed_replications": [f.replication for f in result.failures],
        "executor": " + ".join(dict.fromkeys(executors)),
        "executors": executors,
        "wall_time_seconds": round(result.wall_time, 3),
        "completed_utc": _now(),
        **extra,
    }
    manifest.pop("format", None)
    manifest.pop("target", None)
    if getattr(result, "precision", None) is not None:
        manifest["precision"] = result.precision
    return manifest


@contextlib.contextmanager
def staged_folder(
    target: Path, force: bool = False, inputs: Iterable[str | Path] = ()
) -> Iterator[Path]:
    """Yield an ``.incomplete-*`` staging folder beside ``target``; on success rename it to
    ``target`` in one step (replacing an old one only with ``force``, and only one that
    :func:`check_replaceable` allows given the command's ``inputs``), on failure delete it.

    Whoever writes into it writes the manifest last, so a folder is complete exactly when it
    has its final name and a manifest (:func:`is_complete`).
    """
    target = Path(target)
    inputs = tuple(inputs)
    check_destination(target, force, inputs)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = parent / f"{INCOMPLETE_PREFIX}{target.name}-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as exc:
        raise OutputError(
            f"cannot create a folder under {parent}: {_describe_os_error(exc)}"
        ) from None
    try:
        yield staging
        _replace_folder(staging, target, force, inputs)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {_describe_os_error(exc)}") from None
        raise


def write_run(
    target: Path,
    result: Any,
    manifest_extra: dict[str, Any] | None = None,
    force: bool = False,
) -> Path:
    """Write an in-memory ExperimentResult into ``target`` atomically and return the folder.

    For results that were not saved chunk by chunk (library use, comparisons); ``botsim run``
    uses :class:`StagedRun`, which also makes the run resumable.
    """
    target = Path(target)
    with staged_folder(target, force) as staging:
        scenario = result.scenario
        _write_atomic(staging / "scenario.yaml", dump_yaml(scenario_to_dict(scenario)).encode())
        _write_tables(staging, result)
        _write_with(staging / "timeseries.parquet", lambda p: write_parquet(result.timeseries, p))
        partial = {**_base_manifest(scenario), "created_utc": _now()}
        manifest = _final_manifest(partial, result, manifest_extra or {})
        # The manifest is written last: its presence marks the content as complete.
        _write_atomic(staging / MANIFEST, _json_bytes(manifest))
    return target


def _pack_columns(columns: dict[str, Any], prefix: str, arrays: dict[str, Any]) -> list:
    """Put ``columns`` (1-D arrays of one table of a chunk) into ``arrays`` as one 2-D array
    per dtype (``<prefix>.<dtype>``, one row per column) and return the layout that rebuilds
    them in order (:func:`_unpack_columns`): a chunk file holds a few arrays instead of one
    per column (~130), which is what made saving and reading a chunk cost milliseconds."""
    import numpy as np

    groups: dict[str, list[Any]] = {}
    layout = []
    for name, values in columns.items():
        values = np.asarray(values)
        key = f"{prefix}.{values.dtype.str}" if values.ndim == 1 else f"{prefix}.{name}"
        if values.ndim != 1:  # not expected; kept whole, under its own name
            arrays[key] = values
            layout.append([name, key, None])
            continue
        group = groups.setdefault(key, [])
        layout.append([name, key, len(group)])
        group.append(values)
    for key, group in groups.items():
        arrays[key] = np.stack(group)
    return layout


def _unpack_columns(data: Any, prefix: str) -> dict[str, Any]:
    """The columns :func:`_pack_columns` saved under ``prefix`` in an opened ``.npz`` file, in
    their order; a file of the earlier layout (one array per column, ``<prefix>.<name>``) is
    read as it was written."""
    if "layout" not in data.files:
        return {k[2:]: data[k] for k in data.files if k.startswith(f"{prefix}.")}
    loaded: dict[str, Any] = {}
    columns = {}
    for name, key, row in json.loads(str(data["layout"]))[prefix]:
        if key not in loaded:
            loaded[key] = data[key]
        columns[name] = loaded[key] if row is None else loaded[key][row]
    return columns


class ChunkFolder:
    """Finished chunks of replications of one experiment, one ``.npz`` file each, in a folder.

    The one chunk store of every command: a run keeps its chunks in ``chunks/`` of its staging
    folder (:class:`StagedRun`), a comparison or sweep one folder per scenario or variant, so
    that a study's monthly series are on disk, not in memory, until its tables are written
    (:func:`write_series_parquet`). Each file is written to a temporary name and renamed.
    Attached to a :class:`SeriesStream`, it offers each chunk to it once saved (and, when a
    run is resumed, each chunk saved earlier as it loads it).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.stream: SeriesStream | None = None  # offered each chunk saved (SeriesStream.attach)
        self.experiment = 0

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.npz"))

    def save_chunk(self, chunk: Any) -> None:
        import numpy as np

        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = {"replications": np.asarray(chunk.replications, dtype=np.int64)}
        layout = {
            "s": _pack_columns(chunk.summary, "s", arrays),
            "t": _pack_columns(chunk.series or {}, "t", arrays),
        }
        arrays["layout"] = np.asarray(json.dumps(layout))
        arrays["failures"] = np.asarray(json.dumps(_jsonable([f.__dict__ for f in chunk.failures])))
        name = f"{chunk.replications[0]:09d}-{chunk.replications[-1]:09d}.npz"
        path = self.folder / name
        tmp = path.with_name(f".{name}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        if self.stream is not None:
            self.stream.saved(self.experiment, chunk, path)

    def completed_chunks(self) -> Iterator[Any]:
        """Chunks saved earlier (for resuming), their series left on disk (``None``)."""
        import numpy as np

        from botsim.experiment.runner import ChunkResult, ReplicationFailure

        for stray in self.folder.glob(".*.tmp"):
            stray.unlink(missing_ok=True)  # a write cut short; its chunk is run again
        for path in self.files():
            try:
                with np.load(path, allow_pickle=False) as data:
                    summary = _unpack_columns(data, "s")
                    failures = [ReplicationFailure(**f) for f in json.loads(str(data["failures"]))]
                    replications = data["replications"].tolist()
            except Exception as exc:  # e.g. cut short by a power loss: run it again
                log.warning("unreadable chunk %s (%s): its replications run again", path, exc)
                path.unlink(missing_ok=True)
                continue
            chunk = ChunkResult(
                replications=replications, summary=summary, series=None, failures=failures
            )
            if self.stream is not None:
                self.stream.saved(self.experiment, chunk, path, live=False)
            yield chunk

    def series_parts(self) -> Iterator[dict[str, Any]]:
        """Each saved chunk's monthly series (columns), in replication order, one at a time."""
        import numpy as np

        for path in self.files():
            with np.load(path, allow_pickle=False) as data:
                part = _unpack_columns(data, "t")
            if len(part.get("replication", ())):
                yield part

    def load_series(self) -> Any:
        """Every saved chunk's monthly series as one DataFrame (all in memory: small runs)."""
        from botsim.experiment.runner import columns_to_frame, concat_columns

        return columns_to_frame(concat_columns(self.series_parts()))


def _arrow_table(part: Any) -> Any:
    """A part of a table as a pyarrow Table: a DataFrame, a dict of columns or a Table."""
    import pyarrow as pa

    if isinstance(part, pa.Table):
        return part
    if isinstance(part, dict):
        return pa.table(part)
    return pa.Table.from_pandas(part, preserve_index=False)


def _conform(table: Any, schema: Any) -> Any:
    """``table`` with exactly ``schema``'s columns, in its order and types; a column it lacks
    (a scenario of a comparison without costs, say) is all nulls, read back as NaN."""
    import pyarrow as pa

    if table.schema == schema:
        return table
    columns = []
    for f in schema:
        if f.name in table.column_names:
            columns.append(table.column(f.name).cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def unified_schema(tables: Iterable[Any]) -> Any:
    """One schema for tables of several experiments: every column of any, in order of first
    appearance, each column's types promoted to a common one (int and float: float)."""
    import pyarrow as pa

    schemas = [_arrow_table(t).schema.remove_metadata() for t in tables]
    return pa.unify_schemas(schemas, promote_options="permissive") if schemas else None


class SeriesWriter:
    """Parts of a table, in order, into one Parquet file, never all in memory.

    The one writer of every command's ``timeseries.parquet`` (run, compare, sweep), whether it
    is fed after the replications (:func:`write_series_parquet`) or while they run
    (:class:`SeriesStream`). Parts are gathered into row groups of about ``ROW_GROUP_ROWS``
    rows: one row group per chunk would make the file's metadata (and the writer's memory)
    grow with the number of chunks. ``schema`` (default: the first row group's) is the file's;
    it may be set until the first row group is written (:attr:`started`); every part is
    conformed to it (:func:`_conform`).
    """

    def __init__(self, path: Path, schema: Any = None) -> None:
        self.path = Path(path)
        self.schema = schema
        self._writer: Any = None
        self._pending: list[Any] = []
        self._rows = 0

    @property
    def started(self) -> bool:
        """The first row group is written: the file's schema is fixed."""
        return self._writer is not None

    def write(self, part: Any) -> None:
        table = _arrow_table(part).replace_schema_metadata(None)
        self._pending.append(table)
        self._rows += table.num_rows
        if self._rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._pending:
            return
        table = pa.concat_tables(self._pending, promote_options="permissive")
        if self._writer is None:
            self.schema = table.schema if self.schema is None else self.schema
            self._writer = pq.ParquetWriter(
                self.path, self.schema, use_dictionary=dictionary_columns(self.schema)
            )
        self._writer.write_table(_conform(table, self.schema))
        self._pending, self._rows = [], 0

    def close(self) -> None:
        """Write what is left and close the file (an empty table if nothing was written)."""
        try:
            self._flush()
            if self._writer is None:
                import pandas as pd

                write_parquet(pd.DataFrame({"replication": []}), self.path)
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def discard(self) -> None:
        """Drop what was gathered, close the file and remove it."""
        self._pending, self._rows = [], 0
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None
        self.path.unlink(missing_ok=True)


def write_series_parquet(path: Path, parts: Iterable[Any], schema: Any = None) -> None:
    """Stream parts of a table (in order) into one Parquet file (:class:`SeriesWriter`)."""
    writer = SeriesWriter(path, schema)
    try:
        for part in parts:
            writer.write(part)
    except BaseException:
        writer.discard()
        raise
    writer.close()


STREAM_FILE = ".timeseries.parquet.stream"
"""Where :class:`SeriesStream` writes ``timeseries.parquet`` while the replications run (in the
staging folder; renamed into place when the folder's tables are written)."""
STREAM_BUFFER_CHUNKS = 16
"""Chunks that finished before an earlier one whose series :class:`SeriesStream` holds in
memory; any further ones are read back from their chunk files when their turn comes (memory
stays bounded however a slow chunk holds up the order)."""
STREAM_READS_PER_CHUNK = 2
"""Chunk files :class:`SeriesStream` reads back (chunks saved by an interrupted run, or not
held in memory) each time a chunk finishes: the rest when the tables are written."""


class SeriesStream:
    """``timeseries.parquet`` written while the replications run, chunk by chunk, in order.

    A study's experiments (a run's one, a comparison's scenarios, a sweep's variants) each save
    their chunks in a :class:`ChunkFolder` :meth:`attach`-ed to the stream; each chunk saved is
    offered here with its series still in memory. The file holds the experiments one after the
    other, each in replication order, every row tagged with its experiment's ``tags`` (with
    ``stacked``; a run's rows are written as they are): the same rows, schema and row groups as
    :func:`write_stacked_series` (:func:`write_series_parquet` for a run) writes from the chunk
    files afterwards, through the same :class:`SeriesWriter`. Chunks finish out of order
    (several run at once): one that arrives before its turn waits, its series in memory (at
    most :data:`STREAM_BUFFER_CHUNKS` of them; beyond that, and for chunks an interrupted run
    saved, its chunk file is read back when its turn comes). The chunk files are kept: a run
    cut short is resumed from them, and the stream then starts the file again.

    The stream gives up (:meth:`finish` returns False and the caller writes the file from the
    chunk files as before) when an experiment's series needs a column or type the file's
    schema, fixed at its first row group, does not have, or when anything but a file-system
    error goes wrong while writing. A study whose experiments have different series columns
    (the cost columns of other locations or roles) passes the file's ``schema`` up front
    (:func:`series_schema`), so that a later experiment's columns are in it from the start.
    """

    def __init__(
        self,
        path: Path,
        tags: Sequence[dict[str, Any]],
        replications: int,
        stacked: bool,
        schema: Any = None,
    ) -> None:
        self.path = Path(path)
        self.tags = list(tags)
        self.replications = int(replications)
        self.stacked = stacked
        self.writer = SeriesWriter(self.path, schema)  # schema: known up front (series_schema)
        self.experiment = 0  # the experiment being written
        self.next = 0  # its next replication
        self.waiting: dict[tuple[int, int], tuple[int, Path, Any]] = {}
        self.held = 0  # waiting chunks whose series are in memory
        self.seen: set[int] = set()  # experiments whose first rows are written
        self.failed = False
        self.path.unlink(missing_ok=True)

    def attach(self, store: ChunkFolder, experiment: int) -> ChunkFolder:
        """Let ``store`` (experiment number ``experiment``) offer its chunks here."""
        store.stream, store.experiment = self, experiment
        return store

    def saved(self, experiment: int, chunk: Any, path: Path, live: bool = True) -> None:
        """A chunk of ``experiment`` is saved in ``path`` (``live``: just run, its series in
        ``chunk.series``; else saved by an interrupted run, its series on disk only)."""
        if self.failed:
            return
        series = chunk.series if live and self.held < STREAM_BUFFER_CHUNKS else None
        self.waiting[(experiment, chunk.first)] = (chunk.replications[-1], Path(path), series)
        self.held += series is not None
        self._advance(STREAM_READS_PER_CHUNK if live else 0)

    def _advance(self, reads: int | None) -> None:
        """Write every chunk whose turn it is; at most ``reads`` read back from their files
        (None: all)."""
        import numpy as np

        while not self.failed and self.experiment < len(self.tags):
            if self.next >= self.replications:
                self.experiment, self.next = self.experiment + 1, 0
                continue
            key = (self.experiment, self.next)
            if key not in self.waiting:
                return
            last, path, series = self.waiting[key]
            if series is None:
                if reads is not None and reads <= 0:
                    return
                reads = None if reads is None else reads - 1
                with np.load(path, allow_pickle=False) as data:
                    series = _unpack_columns(data, "t")
            else:
                self.held -= 1
            del self.waiting[key]
            self._write(series)
            self.next = last + 1

    def _write(self, series: dict[str, Any]) -> None:
        if not len(series.get("replication", ())):
            return  # every replication of the chunk failed
        try:
            part = _tagged(series, self.tags[self.experiment]) if self.stacked else series
            if self.stacked and self.experiment not in self.seen:
                self.seen.add(self.experiment)
                schema = unified_schema(
                    [part]
                    if self.writer.schema is None
                    else [self.writer.schema.empty_table(), part]
                )
                if schema != self.writer.schema:
                    if self.writer.started:
                        raise ValueError("a later experiment has other series columns")
                    self.writer.schema = schema
            self.writer.write(part)
        except OSError:
            raise
        except Exception as exc:
            log.debug("timeseries.parquet is written after the replications: %s", exc)
            self.discard()

    def finish(self, path: Path) -> bool:
        """Write what is left and move the file to ``path``; False (nothing written) if the
        stream gave up or some chunk never came."""
        if not self.failed:
            self._advance(None)
        if self.failed or self.experiment < len(self.tags) or self.waiting:
            self.discard()
            return False
        self.writer.close()
        os.replace(self.path, path)
        self.failed = True  # done: nothing more is written
        return True

    def discard(self) -> None:
        """Give up: drop what is held and remove the file."""
        self.failed = True
        self.waiting.clear()
        self.held = 0
        self.writer.discard()


def _tagged(part: Any, tags: dict[str, Any]) -> Any:
    """``part`` as a pyarrow Table with the constant columns ``tags`` in front (which scenario
    or variant its rows belong to)."""
    import pyarrow as pa

    table = _arrow_table(part).replace_schema_metadata(None)
    for i, (name, value) in enumerate(tags.items()):
        table = table.add_column(i, name, pa.array([value] * table.num_rows))
    return table


def _stacked_schema(firsts: Iterable[tuple[dict[str, Any], Any]]) -> Any:
    """The schema of stacked series from each experiment's ``(tags, first part)`` (a part
    may be None: an experiment without rows): :func:`unified_schema` of the tagged parts,
    those with rows if any has rows; None without any part."""
    tagged = [_tagged(part, tags) for tags, part in firsts if part is not None]
    return unified_schema([t for t in tagged if t.num_rows] or tagged)


def _stacked_parts(sources: Sequence[tuple[dict[str, Any], Any]]) -> tuple[Iterator[Any], Any]:
    """The parts of several experiments' monthly series, one experiment after the other, each
    tagged with its experiment's columns, and the schema they are written with (every column
    of any experiment: :func:`unified_schema`, from each one's first part only)."""
    schema = _stacked_schema(
        (tags, next(iter(result.series_parts()), None)) for tags, result in sources
    )

    def parts() -> Iterator[Any]:
        for tags, result in sources:
            for part in result.series_parts():
                yield _tagged(part, tags)

    return parts(), schema


def series_schema(scenarios: Sequence[Scenario], seed: int, tags: Sequence[dict[str, Any]]) -> Any:
    """The schema :func:`write_stacked_series` gives the experiments' monthly series (every
    column of any, in order of first appearance, each tagged), learned from replication 0 of
    each experiment, run here as a worker runs a chunk (a few milliseconds each): the columns
    and types of a chunk's series depend on the scenario, not on the replication. None when
    replication 0 of every experiment fails. A :class:`SeriesStream` given this schema keeps
    writing when a later experiment has columns the first lacks (a comparison of two
    locations), where it would otherwise give up once its first row group is written.

    Nothing is run, and None returned, when every experiment declares the same series columns
    (:func:`botsim.metrics.catalogue.columns`): the first part's schema is then the file's."""
    from botsim.experiment.runner import run_chunk
    from botsim.metrics.catalogue import columns

    if len({tuple(columns(scenario, "series")) for scenario in scenarios}) <= 1:
        return None
    firsts = []
    for scenario, tag in zip(scenarios, tags):
        series = run_chunk(scenario, seed, [0]).series
        firsts.append((tag, series if len(series.get("replication", ())) else None))
    return _stacked_schema(firsts)


def write_stacked_series(
    path: Path, sources: Sequence[tuple[dict[str, Any], Any]], stream: SeriesStream | None = None
) -> None:
    """Write the monthly series of several experiments (``(tags, ExperimentResult)`` pairs, in
    order) into one Parquet file, streamed part by part (:func:`write_series_parquet`), each
    row tagged with its experiment's ``tags`` columns (a comparison's ``scenario``, a sweep's
    ``point`` and parameters). With ``stream`` (the same experiments' :class:`SeriesStream`)
    the file it wrote while they ran is used, unless it gave up."""
    if stream is not None and stream.finish(path):
        return
    parts, schema = _stacked_parts(sources)
    write_series_parquet(path, parts, schema)


def stacked_series(sources: Sequence[tuple[dict[str, Any], Any]]) -> Any:
    """The same table as :func:`write_stacked_series` writes, as one DataFrame in memory."""
    import pyarrow as pa

    parts, schema = _stacked_parts(sources)
    tables = [_conform(t, schema) for t in parts]
    if not tables:
        import pandas as pd

        return pd.DataFrame({"replication": []})
    return pa.concat_tables(tables).to_pandas()


class StagedRun:
    """A run folder under construction in ``.incomplete-<name>``: the resumable chunk store.

    ``create`` starts one (refusing to overwrite anything without ``force``), ``open`` picks up
    an interrupted one, ``save_chunk``/``completed_chunks``/``load_series`` serve
    :func:`botsim.experiment.runner.run_experiment`, and ``finalize`` writes the tables, the
    manifest
    and renames the folder to its final name. While a process works on it the folder is locked,
    so two resumes cannot write the same run.
    """

    KIND = "run"
    """The command whose folder this is (``partial.json``'s ``kind``; none for a run)."""

    def __init__(
        self, staging: Path, partial: dict[str, Any], inputs: tuple[str | Path, ...] = ()
    ) -> None:
        self.staging = staging
        self.partial = partial
        self.target = staging.parent / staging.name[len(INCOMPLETE_PREFIX) :]
        # Files the run was made from: a --force replacement never removes a folder holding one.
        source = partial.get("scenario_file")
        saved = (source,) if isinstance(source, str) else tuple(partial.get("inputs", ()))
        self.inputs = tuple(inputs) or saved
        self._lock_fd: int | None = None
        self.chunks = ChunkFolder(staging / CHUNKS)
        self.stream: SeriesStream | None = None

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        target: Path,
        scenario: Scenario,
        seed: int,
        replications: int,
        *,
        precision: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        force: bool = False,
        inputs: tuple[str | Path, ...] = (),
    ) -> StagedRun:
        target = Path(target)
        staging = claim_target(target, "run", force, inputs)
        partial = {
            "format": FORMAT,
            "target": target.name,
            **_base_manifest(scenario),
            "seed": int(seed),
            "replications": int(replications),
            "precision": precision,
            "created_utc": _now(),
            **(extra or {}),
        }
        scenario_file = {"scenario.yaml": dump_yaml(scenario_to_dict(scenario)).encode()}
        return cls._create(target, staging, partial, inputs, scenario_file, "run folder")

    @classmethod
    def _create(
        cls,
        target: Path,
        staging: Path,
        partial: dict[str, Any],
        inputs: Iterable[str | Path],
        files: dict[str, bytes],
        what: str,
    ) -> Any:
        """Create the staging folder of a new run or study: locked, with ``files``, the
        chunks folder and, last, ``partial.json`` (a staging folder without it is an aborted
        start); nothing left behind when it cannot be created."""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if staging.exists():
                shutil.rmtree(staging)
            staging.mkdir()
            staged = cls(staging, partial, tuple(inputs))
            staged._lock()
            for name, data in files.items():
                _write_atomic(staging / name, data)
            (staging / CHUNKS).mkdir()
            _write_atomic(staging / PARTIAL, _json_bytes(partial))
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            problem = _describe_os_error(exc)
            raise OutputError(f"cannot create {what} {staging}: {problem}") from None
        return staged

    @classmethod
    def open(cls, path: Path, kind: str | None = None) -> Any:
        """The interrupted run at ``path``: its ``.incomplete-*`` folder or its final name
        (``kind``: the command that must have started it, default :attr:`KIND`)."""
        path, kind = Path(path), kind or cls.KIND
        staging = path if path.name.startswith(INCOMPLETE_PREFIX) else staging_path(path)
        if not staging.is_dir():
            if is_complete(path):
                missing = (
                    f"; its report was never finished: rebuild it with `botsim report {path}`"
                    if report_pending(path)
                    else ""
                )
                raise ResumeError(
                    f"{path} is a complete {kind} already; nothing to resume{missing}"
                )
            raise ResumeError(f"no interrupted {kind} at {path}")
        try:
            if (staging / MANIFEST).is_file() and not (staging / PARTIAL).is_file():
                # cut short between the last write and the final rename
                partial = {"format": FORMAT, **json.loads((staging / MANIFEST).read_text("utf-8"))}
            else:
                partial = json.loads((staging / PARTIAL).read_text(encoding="utf-8"))
            if partial.get("format") != FORMAT or "scenario_hash" not in partial:
                raise ValueError
        except (OSError, ValueError):
            raise ResumeError(
                f"{staging} is not a resumable botsim run (no partial manifest)"
            ) from None
        found = partial.get("kind", "run")
        if found != kind:
            raise ResumeError(
                f"{staging} is an interrupted {found}, not a {kind}: finish it with "
                f"`botsim {found} --resume {staging}`"
            )
        run = cls(staging, partial)
        run._lock()
        return run

    @property
    def scenario_file(self) -> Path:
        return self.staging / "scenario.yaml"

    def check_matches(
        self,
        scenario: Scenario,
        seed: int | None = None,
        replications: int | None = None,
        precision: dict[str, Any] | None = None,
    ) -> None:
        """Refuse to resume with another scenario, seed, count or precision setting."""
        if scenario_hash(scenario) != self.partial["scenario_hash"]:
            raise ResumeError(
                f"{self.staging} is a run of another scenario ({self.partial.get('scenario')!r}, "
                f"hash {self.partial['scenario_hash'][:12]}); "
                f"this one is {scenario.name!r}, hash {scenario_hash(scenario)[:12]}"
            )
        for key, value in (("seed", seed), ("replications", replications)):
            if value is not None and value != self.partial[key]:
                raise ResumeError(
                    f"{self.staging} was started with {key} {self.partial[key]}, not {value}"
                )
        if precision is not None and precision != self.partial.get("precision"):
            raise ResumeError(
                f"{self.staging} was started with precision settings "
                f"{self.partial.get('precision')}, not {precision}"
            )

    def note_executor(self, description: str) -> None:
        """Record which executor works on this run (a resumed run may use several)."""
        executors = list(self.partial.get("executors", []))
        executors.append(description)
        self.partial["executors"] = executors
        try:
            _write_atomic(self.staging / PARTIAL, _json_bytes(self.partial))
        except OSError as exc:
            raise OutputError(
                f"cannot write run folder {self.staging}: {_describe_os_error(exc)}"
            ) from None

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return
        fd = os.open(self.staging / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ResumeError(
                f"{self.staging} is still running (held by a live botsim process); wait for it "
                "to finish"
            ) from None
        self._lock_fd = fd

    def release(self) -> None:
        if self.stream is not None:  # finished, or cut short: its file goes
            self.stream.discard()
            self.stream = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- chunks ----------------------------------------------------------------------------

    def save_chunk(self, chunk: Any) -> None:
        self.chunks.save_chunk(chunk)

    def completed_chunks(self) -> Iterator[Any]:
        return self.chunks.completed_chunks()

    def series_parts(self) -> Iterator[dict[str, Any]]:
        return self.chunks.series_parts()

    def load_series(self) -> Any:
        return self.chunks.load_series()

    def stream_series(
        self,
        tags: Sequence[dict[str, Any]] = ({},),
        replications: int | None = None,
        schema: Any = None,
    ) -> SeriesStream:
        """Write ``timeseries.parquet`` while the replications run (:class:`SeriesStream`):
        a run's chunks as they are (the default ``tags``), a study's experiments each tagged
        with its ``tags`` (its chunk stores attached by
        :func:`botsim.experiment.comparison.chunk_stores`), in ``schema`` when it is known
        up front (:func:`series_schema`)."""
        count = self.partial["replications"] if replications is None else replications
        stacked = any(tags)
        self.stream = SeriesStream(self.staging / STREAM_FILE, tags, count, stacked, schema)
        if not stacked:
            self.stream.attach(self.chunks, 0)
        return self.stream

    def _write_series_parquet(self, path: Path) -> None:
        if self.stream is not None and self.stream.finish(path):
            return
        write_series_parquet(path, self.chunks.series_parts())

    # -- finishing -------------------------------------------------------------------------

    @property
    def finalized(self) -> bool:
        """Everything is written and only the final rename is missing (cut short there)."""
        return (self.staging / MANIFEST).is_file()

    def finalize(
        self, result: Any, extra: dict[str, Any] | None = None, force: bool = False
    ) -> Path:
        """Write the tables and the manifest, then rename the folder to its final name."""
        import pandas as pd

        try:
            if not self.finalized:
                _write_tables(self.staging, result)
                ts = self.staging / "timeseries.parquet"
                if result.timeseries_loaded and self.stream is None:
                    _write_with(ts, lambda p: write_parquet(result.timeseries, p))
                else:
                    _write_with(ts, self._write_series_parquet)
                manifest = _final_manifest(self.partial, result, extra or {})
                _write_atomic(self.staging / MANIFEST, _json_bytes(manifest))
            self.commit(force)
        except OSError as exc:
            raise OutputError(
                f"cannot write run folder {self.target}: {_describe_os_error(exc)}; "
                f"completed replications are kept in {self.staging}: free the space or fix "
                f"the folder, then `botsim run --resume {self.staging}`"
            ) from None
        if not result.timeseries_loaded:
            final = self.target / "timeseries.parquet"
            result.timeseries_from(lambda: pd.read_parquet(final))
        return self.target

    def commit(self, force: bool = False) -> Path:
        """The last step: drop the working files, then one rename makes the run complete."""
        shutil.rmtree(self.staging / CHUNKS, ignore_errors=True)
        (self.staging / PARTIAL).unlink(missing_ok=True)
        (self.staging / LOCK).unlink(missing_ok=True)
        self.release()
        _replace_folder(self.staging, self.target, force, self.inputs)
        return self.target


def combined_hash(hashes: Sequence[str]) -> str:
    """One SHA-256 over the scenario hashes of a comparison or sweep (same inputs, same hash)."""
    return hashlib.sha256("\n".join(hashes).encode("ascii")).hexdigest()


def study_folder(path: Path) -> Path:
    """The final folder of a study given either of its names (``X`` or ``.incomplete-X``)."""
    path = Path(path)
    if path.name.startswith(INCOMPLETE_PREFIX):
        return path.parent / path.name[len(INCOMPLETE_PREFIX) :]
    return path


def read_partial(path: Path) -> dict[str, Any] | None:
    """The partial manifest of the interrupted run or study at ``path`` (either name), read
    without taking its lock; None if there is none."""
    partial = _read_json(staging_path(study_folder(path)) / PARTIAL)
    return partial if isinstance(partial, dict) else None


def experiment_chunks(chunks: Path, k: int) -> Path:
    """The chunk folder of a study's ``k``-th experiment (from 0) in its ``chunks`` folder:
    ``chunks/0001``, ``chunks/0002``..."""
    return Path(chunks) / f"{k + 1:04d}"


def saved_scenario_files(path: Path, count: int | None = None) -> list[Path]:
    """The resolved scenarios an interrupted study at ``path`` (either name) saved
    (:meth:`StagedStudy.save_scenarios`), in order; ``count`` of them, else as many as its
    partial manifest names."""
    path = Path(path)
    staging = path if path.name.startswith(INCOMPLETE_PREFIX) else staging_path(path)
    if count is None:
        count = len((read_partial(path) or {}).get("scenario_hashes", []))
    chunks = Path(staging) / CHUNKS
    return [experiment_chunks(chunks, k) / "scenario.yaml" for k in range(count)]


class StagedStudy(StagedRun):
    """A comparison or sweep under construction in ``.incomplete-<name>``, resumable as a run is.

    The same staging folder as a run's (:class:`StagedRun`: lock, ``partial.json``, the final
    rename), holding one chunk folder per experiment under ``chunks/``
    (:func:`botsim.experiment.comparison.chunk_stores`). The tables, report and manifest are
    written into :attr:`staging` by the report layer, then :meth:`commit` renames it. The
    partial manifest records the study's kind, the hash of every experiment's resolved
    scenario, the seed, the count and the confidence level, and ``--resume`` refuses anything
    else (:meth:`check_study`).
    """

    KIND = "study"
    KEEP = frozenset({PARTIAL, LOCK, CHUNKS})
    """What a resumed study keeps of its staging folder (the rest was derived and is redone)."""

    @classmethod
    def start(
        cls,
        target: Path,
        kind: str,
        hashes: Sequence[str],
        seed: int,
        replications: int,
        *,
        extra: dict[str, Any] | None = None,
        force: bool = False,
        inputs: tuple[str | Path, ...] = (),
    ) -> StagedStudy:
        """Start the staging folder of a new study (refusing to replace anything without
        ``force``, and an interrupted study of the same folder: ``--resume`` finishes it)."""
        target = Path(target)
        staging = claim_target(target, kind, force, inputs)
        partial = {
            "format": FORMAT,
            "kind": kind,
            "target": target.name,
            "scenario_hash": combined_hash(hashes),
            "scenario_hashes": list(hashes),
            "botsim_version": __version__,
            "seed": int(seed),
            "replications": int(replications),
            "created_utc": _now(),
            "inputs": [str(item) for item in inputs],
            **(extra or {}),
        }
        return cls._create(target, staging, partial, inputs, {}, "folder")

    def save_scenarios(self, scenarios: Sequence[Scenario]) -> None:
        """Keep each experiment's resolved scenario beside its chunks (``chunks/0001/
        scenario.yaml``...), so that a comparison can be resumed without its files."""
        for path, scenario in zip(saved_scenario_files(self.staging, len(scenarios)), scenarios):
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                _write_atomic(path, dump_yaml(scenario_to_dict(scenario)).encode())

    def check_study(
        self,
        hashes: Sequence[str],
        seed: int | None = None,
        replications: int | None = None,
        confidence: float | None = None,
    ) -> None:
        """Refuse to resume with other scenarios or variants, seed, count or confidence."""
        kind = self.partial["kind"]
        saved = list(self.partial.get("scenario_hashes", []))
        if list(hashes) != saved:
            what = "scenarios" if kind == "compare" else "variants"
            differ = [
                k + 1 for k, (a, b) in enumerate(zip(hashes, saved)) if a != b
            ] or "their number"
            raise ResumeError(
                f"{self.staging} is a {kind} of other {what} ({len(saved)} {what}, hash "
                f"{self.partial['scenario_hash'][:12]}); these ({len(hashes)}, hash "
                f"{combined_hash(hashes)[:12]}) differ in {what} {differ}"
            )
        given = (("seed", seed), ("replications", replications), ("confidence", confidence))
        for key, value in given:
            if value is not None and key in self.partial and value != self.partial[key]:
                raise ResumeError(
                    f"{self.staging} was started with {key} {self.partial[key]}, not {value}"
                )

    @classmethod
    def check_resumable(
        cls,
        path: Path,
        kind: str,
        hashes: Sequence[str],
        seed: int | None = None,
        replications: int | None = None,
        confidence: float | None = None,
    ) -> str:
        """What ``--resume`` will do with ``path``, checked before anything runs (the same
        refusals as :meth:`open` and :meth:`check_study`, as :class:`ResumeError`); touches
        nothing."""
        study = cls.open(path, kind)
        try:
            study.check_study(hashes, seed, replications, confidence)
            saved = sum(len(ChunkFolder(folder).files()) for folder in study.chunk_folders())
        finally:
            study.release()
        return f"resume: {study.staging} ({saved} chunk(s) of replications saved, not run again)"

    def chunk_folders(self) -> list[Path]:
        return sorted(p for p in (self.staging / CHUNKS).glob("*") if p.is_dir())

    def clear_derived(self) -> None:
        """Remove what an interrupted attempt wrote besides its chunks (tables, report): a
        resumed study writes them again from the chunks."""
        for item in self.staging.iterdir():
            if item.name in self.KEEP:
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()

    def discard(self) -> None:
        """Remove the staging folder (a study that failed for good, not one cut short)."""
        self.release()
        shutil.rmtree(self.staging, ignore_errors=True)
