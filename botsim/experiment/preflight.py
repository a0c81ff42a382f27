"""Checks made before a study starts, so that it cannot fail at the end for a reason that
could have been seen at the start.

A comparison or a sweep runs every experiment first and writes its folder last: a folder that
cannot be created would lose all that work. :func:`check_writable` tries the place where the
folder will be created (the nearest existing ancestor of ``--out``) by creating and removing an
empty probe folder there, so a read-only file system, missing permission or a file in the way
is reported before anything runs. The other checks live with what they check: the sweep's
column names (:func:`botsim.experiment.sweep.check_columns`), memory
(:mod:`botsim.inputs.limits`), an existing
folder (:func:`botsim.experiment.outputs.check_destination`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from botsim.experiment.outputs import OutputError, _describe_os_error

PROBE_PREFIX = ".botsim-probe-"
"""Name prefix of the empty folder :func:`check_writable` creates and removes at once."""


def nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (a file in the way stops the walk there)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and not path.is_symlink() and path != path.parent:
        path = path.parent
    return path


def check_writable(target: str | Path) -> Path:
    """Refuse (:class:`OutputError`) a ``target`` folder that could not be created: its
    nearest existing ancestor must be a folder in which this process can create a folder
    (tried, then removed). Returns that ancestor."""
    target = Path(target)
    base = nearest_existing(target.parent)
    if not base.is_dir():
        raise OutputError(f"cannot create {target}: {base} is not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=PROBE_PREFIX, dir=base))
    except OSError as exc:
        raise OutputError(
            f"cannot create {target}: nothing can be written in {base} ({_describe_os_error(exc)})"
        ) from None
    return base


__all__ = ["check_writable", "nearest_existing"]
