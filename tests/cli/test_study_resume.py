"""`botsim compare --resume` and `botsim sweep --resume` (issue 19), as `botsim run --resume`:
an interrupted study keeps its staging folder and the chunks it finished; resuming runs only
the rest, to the same numbers as an uninterrupted study; other inputs, seed, count or
confidence are refused before anything runs; nothing is overwritten silently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim.cli.main import main
from botsim.experiment.outputs import INCOMPLETE_PREFIX, ChunkFolder, is_complete
from tests.report.test_streaming import BASE, SPLIT, grid

QUIET = ("--no-report", "--no-progress")
SHORT = ("--set", "horizon_months=12")


def botsim(*args: str) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def ctrl_c_after_saves(monkeypatch: pytest.MonkeyPatch, saves: int) -> list[int]:
    """Press Ctrl-C in a study once ``saves`` chunks are saved (the next save raises
    ``KeyboardInterrupt``, as a signal would arrive); ``monkeypatch.undo()`` ends it."""
    real = ChunkFolder.save_chunk
    saved: list[int] = []

    def save_then_ctrl_c(self: ChunkFolder, chunk: Any) -> None:
        if len(saved) == saves:
            raise KeyboardInterrupt
        saved.append(len(chunk.replications))
        real(self, chunk)

    monkeypatch.setattr(ChunkFolder, "save_chunk", save_then_ctrl_c)
    return saved


def study_args(command: str, tmp_path: Path) -> list[str]:
    if command == "compare":
        return ["compare", BASE, SPLIT, *SHORT]
    return ["sweep", str(grid(tmp_path))]


CSVS = {
    "compare": ("aggregates.csv", "comparisons.csv"),
    "sweep": ("aggregates.csv", "time_to.csv"),
}


def assert_same_tables(a: Path, b: Path, command: str) -> None:
    for name in ("summary.parquet", "timeseries.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))
    for name in CSVS[command]:
        assert (a / name).read_text() == (b / name).read_text(), name


def interrupted(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A study of 8 replications per experiment stopped by Ctrl-C after 3 saved chunks."""
    out = tmp_path / "study"
    saved = ctrl_c_after_saves(monkeypatch, 3)
    res = botsim(*study_args(command, tmp_path), *QUIET, "-n", 8, "--workers", 1, "--out", out)
    monkeypatch.undo()
    staging = tmp_path / f"{INCOMPLETE_PREFIX}study"
    assert res.exit_code == 130, res.output
    assert f"resume with: botsim {command}" in res.stderr and str(staging) in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists() and not is_complete(staging) and len(saved) == 3
    assert sum(len(list(p.glob("*.npz"))) for p in (staging / "chunks").iterdir()) == 3
    return staging


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_a_resumed_study_equals_an_uninterrupted_one(tmp_path, monkeypatch, command) -> None:
    reference = tmp_path / "reference"
    args = study_args(command, tmp_path)
    res = botsim(*args, *QUIET, "-n", 8, "--workers", 1, "--out", reference)
    assert res.exit_code == 0, res.output
    staging = interrupted(command, tmp_path, monkeypatch)
    runs: list[int] = []
    real = ChunkFolder.save_chunk
    monkeypatch.setattr(
        ChunkFolder,
        "save_chunk",
        lambda self, chunk: (runs.append(len(chunk.replications)), real(self, chunk))[1],
    )
    # resumed on another executor, by either name of the folder
    name = staging if command == "compare" else tmp_path / "study"
    res = botsim(*args, *QUIET, "--resume", name, "--workers", 2)
    monkeypatch.undo()
    assert res.exit_code == 0, res.output
    folder = tmp_path / "study"
    assert is_complete(folder) and not staging.exists() and not (folder / "chunks").exists()
    experiments = 2 if command == "compare" else 4
    assert 0 < sum(runs) < 8 * experiments  # the saved chunks were not run again
    assert_same_tables(reference, folder, command)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["resumed"] is True and manifest["replications"] == 8
    res = botsim(*args, *QUIET, "--resume", folder)
    assert res.exit_code == 2 and f"complete {command} already" in res.stderr


def test_compare_resumes_without_its_scenario_files(tmp_path, monkeypatch) -> None:
    """The resolved scenarios are kept beside the chunks: the files may have moved."""
    reference = tmp_path / "reference"
    res = botsim(
        *study_args("compare", tmp_path), *QUIET, "-n", 8, "--workers", 1, "--out", reference
    )
    assert res.exit_code == 0, res.output
    staging = interrupted("compare", tmp_path, monkeypatch)
    res = botsim("compare", "--resume", staging, *QUIET, "--workers", 1)
    assert res.exit_code == 0, res.output
    assert_same_tables(reference, tmp_path / "study", "compare")
    manifest = json.loads((tmp_path / "study" / "manifest.json").read_text())
    assert [s["source"] for s in manifest["scenarios"]] == [BASE, SPLIT]
    assert manifest["overrides"] == ["horizon_months=12"]


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_resume_refuses_other_inputs_and_overwrites_nothing(tmp_path, monkeypatch, command) -> None:
    staging = interrupted(command, tmp_path, monkeypatch)
    args = study_args(command, tmp_path)
    before = sorted(p.relative_to(staging) for p in staging.rglob("*"))
    refusals = [
        ((*args, "--seed", 99), "was started with seed"),
        ((*args, "-n", 9), "was started with replications 8, not 9"),
        ((*args, "--confidence", 0.9), "was started with confidence 0.95, not 0.9"),
        ((*args, "--out", tmp_path / "other"), "--out cannot be combined"),
    ]
    if command == "compare":
        refusals.append((("compare", BASE, BASE, *SHORT), "of other scenarios"))
        refusals.append((("sweep", str(grid(tmp_path))), "is an interrupted compare, not a sweep"))
    else:
        other = grid(tmp_path).read_text().replace('"values": [3, 6]', '"values": [3, 7]')
        (tmp_path / "other.yaml").write_text(other)
        refusals.append((("sweep", tmp_path / "other.yaml"), "of other variants"))
        refusals.append((("compare", BASE, SPLIT), "is an interrupted sweep, not a compare"))
    for argv, message in refusals:
        res = botsim(*argv, *QUIET, "--resume", staging)
        assert res.exit_code == 2, (argv, res.output)
        assert message in res.stderr and "Traceback" not in res.stderr, (argv, res.stderr)
    # a new study into the same folder is refused too: the interrupted one is not discarded
    res = botsim(*args, *QUIET, "-n", 8, "--out", tmp_path / "study")
    assert res.exit_code == 2
    assert f"an interrupted {command} of" in res.stderr and "--resume" in res.stderr
    res = botsim(*args, *QUIET, "-n", 8, "--out", tmp_path / "study", "--dry-run")
    assert res.exit_code == 2 and f"an interrupted {command} of" in res.stderr
    assert sorted(p.relative_to(staging) for p in staging.rglob("*")) == before
    assert not (tmp_path / "study").exists()
    res = botsim(command, "--resume", tmp_path / "nothing", *QUIET)
    assert res.exit_code == 2 and "Traceback" not in res.stderr
