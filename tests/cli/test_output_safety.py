"""Run folders are safe: no escaping the outputs folder, no overwriting without --force, and a
run cut short (full disk, unwritable folder, kill -9 while writing) never looks complete and
can be finished with --resume to the numbers an uninterrupted run gives."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim.cli.main import main
from botsim.experiment.outputs import (
    INCOMPLETE_PREFIX,
    OutputError,
    StagedRun,
    default_run_dir,
    is_complete,
)
from tests.conftest import ROOT, SCENARIOS, make_scenario

MANILA = str(SCENARIOS / "manila-finance-20.yaml")
SHORT = ("--set", "horizon_months=12", "--no-report")  # reports: tests/report, and below


def botsim(*args: str):
    return CliRunner().invoke(main, list(args))


def complete_folders(root: Path) -> list[Path]:
    return [p for p in root.iterdir() if is_complete(p)] if root.exists() else []


def same_tables(a: Path, b: Path) -> None:
    for name in ("summary.parquet", "timeseries.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../escape", "/etc/passwd", "..", ".", "a/../../b", "..\\..\\win", "~/home", "x" * 400, ""],
)
def test_folder_names_from_scenario_names_stay_inside_outputs(tmp_path, name) -> None:
    root = tmp_path / "outputs"
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    folder = default_run_dir(root, SimpleNamespace(name=name), now)
    assert folder.parent == root
    assert folder.resolve().parent == root.resolve()
    assert not folder.name.startswith(".") and "/" not in folder.name and "\\" not in folder.name
    assert len(folder.name.encode()) < 255


def test_hostile_scenario_name_is_refused_and_creates_nothing(tmp_path) -> None:
    root = tmp_path / "outputs"
    res = botsim("run", MANILA, "--set", "name=../../escape", "--outputs", str(root))
    assert res.exit_code == 2 and "name" in res.stderr and "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_same_name_same_second_gets_a_new_folder(tmp_path) -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    scenario = SimpleNamespace(name="team")
    first = default_run_dir(tmp_path, scenario, now)
    first.mkdir()
    second = default_run_dir(tmp_path, scenario, now)
    assert second.name == f"{first.name}-2"


def test_compare_and_sweep_folders_are_named_like_run_folders(tmp_path) -> None:
    """`botsim compare`/`sweep` name their folders by the same rule (inside outputs, a new
    folder rather than an error for the same name in the same second)."""
    from botsim.cli.research import _target

    root = tmp_path / "outputs"
    first = _target(None, root, "../../ph vs co")
    assert first.parent == root and first.name.startswith("ph-vs-co-")
    first.mkdir(parents=True)
    second = _target(None, root, "../../ph vs co")
    assert second.parent == root and second != first
    # Same second: the run-folder rule's "-2"; a second later: a new timestamp.
    assert second.name == f"{first.name}-2" or (
        re.fullmatch(r"ph-vs-co-\d{8}T\d{6}", second.name) and second.name > first.name
    )


# -- no overwrite -----------------------------------------------------------------------------


def test_existing_run_is_never_overwritten_without_force(tmp_path) -> None:
    out = tmp_path / "run"
    assert (
        botsim("run", MANILA, *SHORT, "-n", "2", "--workers", "1", "--out", str(out)).exit_code == 0
    )
    before = (out / "manifest.json").read_bytes()
    res = botsim("run", MANILA, *SHORT, "-n", "3", "--workers", "1", "--out", str(out))
    assert res.exit_code == 2 and "already exists" in res.stderr and "--force" in res.stderr
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    res = botsim("run", MANILA, *SHORT, "-n", "3", "--workers", "1", "--out", str(out), "--force")
    assert res.exit_code == 0, res.output
    assert json.loads((out / "manifest.json").read_text())["replications"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_interrupted_run_is_not_silently_replaced(tmp_path) -> None:
    out = tmp_path / "run"
    (tmp_path / f"{INCOMPLETE_PREFIX}run").mkdir()
    res = botsim("run", MANILA, *SHORT, "-n", "2", "--workers", "1", "--out", str(out))
    assert res.exit_code == 2 and "--resume" in res.stderr and "--force" in res.stderr
    assert not out.exists()


# -- full disk, unwritable folder ---------------------------------------------------------------


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_saving_chunks_exit_2_then_resume(tmp_path, monkeypatch) -> None:
    out = tmp_path / "run"
    real_save = StagedRun.save_chunk
    calls = []

    def save_then_fill_disk(self, chunk):
        calls.append(chunk.first)
        if len(calls) > 2:
            no_space()
        real_save(self, chunk)

    monkeypatch.setattr(StagedRun, "save_chunk", save_then_fill_disk)
    res = botsim("run", MANILA, *SHORT, "-n", "12", "--workers", "1", "--out", str(out))
    assert res.exit_code == 2, res.output
    assert "no space left on device" in res.stderr and "--resume" in res.stderr
    assert "Traceback" not in res.stderr
    assert complete_folders(tmp_path) == [] and not out.exists()
    monkeypatch.setattr(StagedRun, "save_chunk", real_save)  # space freed
    res = botsim("run", "--resume", str(out), "--workers", "1")
    assert res.exit_code == 0, res.output
    reference = tmp_path / "reference"
    botsim("run", MANILA, *SHORT, "-n", "12", "--workers", "1", "--out", str(reference))
    same_tables(out, reference)


def test_disk_full_while_finishing_exit_2_then_resume(tmp_path, monkeypatch) -> None:
    import botsim.experiment.outputs as outputs

    out = tmp_path / "run"
    real = outputs._write_with
    monkeypatch.setattr(outputs, "_write_with", no_space)
    res = botsim("run", MANILA, *SHORT, "-n", "4", "--workers", "1", "--out", str(out))
    assert res.exit_code == 2 and "no space left on device" in res.stderr
    assert complete_folders(tmp_path) == []
    monkeypatch.setattr(outputs, "_write_with", real)
    res = botsim("run", "--resume", str(out), "--workers", "1")
    assert res.exit_code == 0, res.output
    assert is_complete(out)


def test_cut_between_manifest_and_rename_is_incomplete_then_resumable(
    tmp_path, monkeypatch
) -> None:
    import botsim.experiment.outputs as outputs

    out = tmp_path / "run"

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "_replace_folder", killed)
    res = botsim("run", MANILA, *SHORT, "-n", "3", "--workers", "1", "--out", str(out))
    assert res.exit_code == 130 and "resume with: botsim run --resume" in res.stderr
    staging = tmp_path / f"{INCOMPLETE_PREFIX}run"
    assert (staging / "manifest.json").exists() and not is_complete(staging)
    assert complete_folders(tmp_path) == []
    monkeypatch.undo()
    res = botsim("run", "--resume", str(staging))
    assert res.exit_code == 0 and f"run folder: {out}" in res.stdout
    assert is_complete(out) and not staging.exists()


def test_unwritable_outputs_folder_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outputs folder should be")
    res = botsim(
        "run", MANILA, *SHORT, "-n", "2", "--workers", "1", "--outputs", str(blocker / "sub")
    )
    assert res.exit_code == 2 and "cannot create run folder" in res.stderr
    assert "Traceback" not in res.stderr
    with pytest.raises(OutputError):
        StagedRun.create(blocker / "run", make_scenario(), 1, 1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_outputs_folder_is_a_clear_error(tmp_path) -> None:
    root = tmp_path / "outputs"
    root.mkdir()
    root.chmod(0o555)
    try:
        res = botsim("run", MANILA, *SHORT, "-n", "2", "--workers", "1", "--outputs", str(root))
    finally:
        root.chmod(0o755)
    assert res.exit_code == 2 and "permission denied" in res.stderr
    assert list(root.iterdir()) == []


# -- kill -9 while writing ----------------------------------------------------------------------

# The child runs the real CLI in-process (--workers 1). The test slows each replication down
# and, for the second case, pauses while the final tables are being written, so the kill lands
# where it should; nothing in botsim itself knows about it.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import botsim.experiment.runner as experiment
    import botsim.experiment.outputs as outputs

    real = experiment.simulate
    def slow(*args, **kwargs):
        time.sleep(0.01)
        return real(*args, **kwargs)
    experiment.simulate = slow

    marker, argv = sys.argv[1], sys.argv[2:]
    if marker != "-":
        write_series = outputs.StagedRun._write_series_parquet
        def pausing(self, path):
            Path(path).write_bytes(b"PAR1 half-written")
            Path(marker).touch()
            time.sleep(120)
            write_series(self, path)
        outputs.StagedRun._write_series_parquet = pausing

    from botsim.cli.main import main
    main(argv)
    """
)


def start_child(marker: str, *argv: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, marker, *argv],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill reaches nothing else
    )


def wait_for(condition, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.02)


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.parametrize("moment", ["while saving chunks", "while writing the final tables"])
def test_killed_run_never_looks_complete_and_resumes_identically(tmp_path, moment) -> None:
    root = tmp_path / "outputs"
    out = root / "run"
    staging = root / f"{INCOMPLETE_PREFIX}run"
    marker = tmp_path / "finalizing"
    argv = ["run", MANILA, *SHORT, "-n", "40", "--workers", "1", "--no-progress", "--out", str(out)]
    if moment == "while saving chunks":
        proc = start_child("-", *argv)
        wait_for(lambda: len(list((staging / "chunks").glob("*.npz"))) >= 3, proc)
    else:
        proc = start_child(str(marker), *argv)
        wait_for(marker.exists, proc)
    kill(proc)

    assert complete_folders(root) == []
    assert [p.name for p in root.iterdir()] == [staging.name]
    assert not is_complete(staging) and not out.exists()

    res = botsim("run", "--resume", str(out), "--workers", "1")
    assert res.exit_code == 0, res.output
    assert is_complete(out) and not staging.exists()
    reference = tmp_path / "reference"
    res = botsim("run", MANILA, *SHORT, "-n", "40", "--workers", "1", "--out", str(reference))
    assert res.exit_code == 0, res.output
    same_tables(out, reference)


def test_unreadable_chunk_is_run_again_on_resume(tmp_path) -> None:
    from tests.cli.test_run import interrupted_run

    staging = interrupted_run(tmp_path)
    chunk = sorted((staging / "chunks").glob("*.npz"))[0]
    chunk.write_bytes(chunk.read_bytes()[:100])  # as a power loss may leave it
    res = botsim("run", "--resume", str(staging), "--workers", "1")
    assert res.exit_code == 0, res.output
    reference = tmp_path / "reference"
    res = botsim("run", MANILA, *SHORT, "-n", "10", "--workers", "1", "--out", str(reference))
    assert res.exit_code == 0, res.output
    same_tables(tmp_path / "run", reference)


# -- kill -9 while writing the report -----------------------------------------------------------

# The run folder is complete (renamed into place) before its report is made; the child pauses
# in the middle of rendering the figures so the kill lands there.
REPORT_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import botsim.report.build as build

    real = build._render
    def pausing(spec):
        Path(sys.argv[1]).touch()
        time.sleep(120)
        return real(spec)
    build._render = pausing

    from botsim.cli.main import main
    main(sys.argv[2:])
    """
)


def figure_staging(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".figures-"))


def test_killed_while_writing_the_report_is_marked_and_report_rebuilds_it(tmp_path) -> None:
    out = tmp_path / "run"
    marker = tmp_path / "reporting"
    argv = ["run", MANILA, "--set", "horizon_months=12", "-n", "4", "--workers", "1"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            REPORT_CHILD,
            str(marker),
            *argv,
            "--no-progress",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for(marker.exists, proc, timeout=120)
    kill(proc)

    # The run is complete and says its report is missing; the figures' staging is left over.
    assert is_complete(out) and not (out / "report.html").exists()
    assert json.loads((out / "manifest.json").read_text())["report_pending"] is True
    assert [n.startswith(".figures-new-") for n in figure_staging(out)] == [True]
    res = botsim("run", "--resume", str(out))
    assert res.exit_code == 2 and f"botsim report {out}" in res.stderr

    res = botsim("report", str(out))
    assert res.exit_code == 0, res.output
    assert (out / "report.html").stat().st_size > 0 and (out / "figures").is_dir()
    assert figure_staging(out) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert "report_pending" not in manifest and is_complete(out)
    assert "report_pending" not in (out / "report.html").read_text(encoding="utf-8")


def test_a_run_with_its_report_has_no_pending_mark(tmp_path) -> None:
    out = tmp_path / "run"
    res = botsim("run", MANILA, "--set", "horizon_months=12", "-n", "3", "--workers", "1",
                 "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "report_pending" not in json.loads((out / "manifest.json").read_text())
    assert (out / "report.html").exists() and figure_staging(out) == []


def test_report_removes_stale_figure_staging_but_not_a_live_writers(tmp_path) -> None:
    out = tmp_path / "run"
    assert (
        botsim("run", MANILA, *SHORT, "-n", "3", "--workers", "1", "--out", str(out)).exit_code == 0
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = out / f".figures-new-{gone.pid}"
    stale_old = out / f".figures-old-{gone.pid}"
    live = out / ".figures-new-1"  # pid 1 is always alive: another writer at work
    for folder in (stale, stale_old, live):
        folder.mkdir()
        (folder / "half.png").write_bytes(b"\x89PNG half")
    res = botsim("report", str(out))
    assert res.exit_code == 0, res.output
    assert not stale.exists() and not stale_old.exists() and live.exists()


# -- an edited manifest ------------------------------------------------------------------------


def edit_manifest(folder: Path, **changes) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("replications", [999_999, 3, "lots", 0])
def test_report_refuses_a_manifest_that_does_not_match_the_tables(tmp_path, replications) -> None:
    out = tmp_path / "run"
    assert (
        botsim("run", MANILA, *SHORT, "-n", "5", "--workers", "1", "--out", str(out)).exit_code == 0
    )
    edit_manifest(out, replications=replications)
    res = botsim("report", str(out))
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "manifest.json" in res.stderr and str(replications).split()[0][:3] in res.stderr
    if isinstance(replications, int) and replications > 0:
        assert f"{replications:,} replications" in res.stderr and "holds 5 " in res.stderr
    assert not (out / "report.html").exists()


def test_report_refuses_an_edited_comparison_manifest(tmp_path) -> None:
    out = tmp_path / "cmp"
    res = botsim("compare", MANILA, MANILA, *SHORT, "-n", "4", "--workers", "1", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert botsim("report", str(out)).exit_code == 0
    edit_manifest(out, replications=50)
    res = botsim("report", str(out))
    assert res.exit_code == 2 and "50 replications for each of 2 scenarios" in res.stderr


def test_report_counts_failed_replications_with_the_rows(tmp_path, monkeypatch) -> None:
    import botsim.experiment.runner as experiment

    real = experiment.simulate

    def fail_one(scenario, seed, replication, *args, **kwargs):
        if replication == 2:
            raise RuntimeError("boom")
        return real(scenario, seed, replication, *args, **kwargs)

    monkeypatch.setattr(experiment, "simulate", fail_one)
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SHORT, "-n", "5", "--workers", "1", "--out", str(out))
    assert res.exit_code == 1, res.output
    res = botsim("report", str(out))
    assert res.exit_code == 0, res.output


# -- messages that say what is true: read-only file system, a run still going -----------------


def test_read_only_file_system_is_named_as_such(tmp_path, monkeypatch) -> None:
    import botsim.experiment.outputs as outputs

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs, "_write_atomic", read_only)
    res = botsim("run", MANILA, *SHORT, "-n", "2", "--workers", "1", "--out", str(tmp_path / "r"))
    assert res.exit_code == 2 and "read-only file system" in res.stderr
    assert "permission denied" not in res.stderr


def test_report_of_a_live_run_says_it_is_running_not_interrupted(tmp_path) -> None:
    staged = StagedRun.create(tmp_path / "run", make_scenario(), 1, 4)
    try:
        for folder in (staged.staging, staged.target):
            res = botsim("report", str(folder))
            assert res.exit_code == 2 and "still running" in res.stderr, res.stderr
            assert "interrupted" not in res.stderr
        res = botsim("run", "--resume", str(staged.staging))
        assert res.exit_code == 2 and "still running" in res.stderr
    finally:
        staged.release()
    res = botsim("report", str(staged.staging))
    assert res.exit_code == 2 and "interrupted" in res.stderr and "--resume" in res.stderr
