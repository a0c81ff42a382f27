"""Run folders: written under a temporary name, made complete by one atomic rename.

A finished run folder holds ``scenario.yaml`` (the resolved scenario), ``manifest.json``,
``summary.parquet``, ``timeseries.parquet``, ``aggregates.csv`` and, when replications failed,
``failures.json``. A folder is complete exactly when ``manifest.json`` exists in it and its name
does not start with ``.incomplete-``; an interrupted run leaves only a ``.incomplete-*`` folder.
An existing run is never overwritten unless ``force`` is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from botsim import __version__
from botsim.loader import dump_yaml, scenario_to_dict
from botsim.scenario import Scenario, slug

INCOMPLETE_PREFIX = ".incomplete-"
MANIFEST = "manifest.json"


class OutputError(Exception):
    """The run folder cannot be created or written (exists, unwritable, disk full...)."""


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario (canonical JSON): same hash = same inputs."""
    canonical = json.dumps(scenario_to_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def default_run_dir(root: Path, scenario: Scenario, now: dt.datetime | None = None) -> Path:
    """``<root>/<scenario-slug>-<UTC timestamp>``: the slug cannot contain path separators."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return root / f"{slug(scenario.name)}-{now.strftime('%Y%m%dT%H%M%S')}"


def is_complete(folder: Path) -> bool:
    return (
        folder.is_dir()
        and not folder.name.startswith(INCOMPLETE_PREFIX)
        and (folder / MANIFEST).is_file()
    )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def check_destination(target: Path, force: bool) -> None:
    """Refuse an existing destination unless ``force`` (checked before any work is done)."""
    if target.exists() and not force:
        raise OutputError(f"{target} already exists; choose another --out or pass --force")


def write_run(
    target: Path,
    result: Any,
    manifest_extra: dict[str, Any] | None = None,
    force: bool = False,
) -> Path:
    """Write an ExperimentResult into ``target`` atomically and return the folder."""
    from botsim.stats import aggregate

    target = Path(target)
    check_destination(target, force)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = parent / f"{INCOMPLETE_PREFIX}{target.name}-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as exc:
        raise OutputError(
            f"cannot create run folder under {parent}: {exc.strerror or exc}"
        ) from None
    try:
        scenario = result.scenario
        _write_atomic(staging / "scenario.yaml", dump_yaml(scenario_to_dict(scenario)).encode())
        result.summary.to_parquet(staging / "summary.parquet", index=False)
        result.timeseries.to_parquet(staging / "timeseries.parquet", index=False)
        aggregate(result.summary).to_csv(staging / "aggregates.csv", index=False)
        if result.failures:
            failures = [f.__dict__ for f in result.failures]
            _write_atomic(staging / "failures.json", json.dumps(failures, indent=2).encode())
        manifest = {
            "scenario": scenario.name,
            "scenario_hash": scenario_hash(scenario),
            "seed": result.seed,
            "replications": result.replications,
            "failed_replications": [f.replication for f in result.failures],
            "executor": "serial",
            "wall_time_seconds": round(result.wall_time, 3),
            "botsim_version": __version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            **(manifest_extra or {}),
        }
        # The manifest is written last: its presence marks the content as complete.
        _write_atomic(staging / MANIFEST, json.dumps(manifest, indent=2).encode())
        if target.exists():  # only reachable with force
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write run folder {target}: {exc.strerror or exc}") from None
        raise
    return target
