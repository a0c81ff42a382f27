"""compare and sweep show one progress bar over every replication of the study, as run does;
none with --no-progress or -q, or when stderr is not a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from botsim.cli import options
from botsim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "scenarios" / "manila-small-5.yaml"

SWEEP = f"""\
name: tiny
mode: grid
replications: 4
parameters:
  - name: recruiter_count
    path: locations[0].recruiting.recruiters
    values: [1, 2, 3]
base: {SMALL}
"""


@pytest.fixture
def bars(monkeypatch) -> list[dict]:
    """Every ProgressBar the commands make, as {total, done, started}; stderr as a terminal."""
    made: list[dict] = []
    monkeypatch.setattr(options, "stderr_is_terminal", lambda: True)
    original_init = options.ProgressBar.__init__

    def init(self, show: bool) -> None:
        original_init(self, show)
        self.record = {"show": show, "total": None, "done": 0, "started": 0}
        made.append(self.record)

    def start(self, executor: str) -> None:
        self.record["started"] += 1

    def set_total(self, total: int) -> None:
        self.record["total"] = total

    def advance(self, n: int) -> None:
        self.record["done"] += n

    monkeypatch.setattr(options.ProgressBar, "__init__", init)
    monkeypatch.setattr(options.ProgressBar, "start", start)
    monkeypatch.setattr(options.ProgressBar, "set_total", set_total)
    monkeypatch.setattr(options.ProgressBar, "advance", advance)
    return made


def invoke(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_compare_counts_every_replication_of_every_scenario(bars, tmp_path) -> None:
    out = ["--no-report", "--out", str(tmp_path / "c")]
    res = invoke(["compare", str(SMALL), str(SMALL), "-n", "5", "--workers", "1", *out])
    assert res.exit_code == 0, res.output
    assert bars == [{"show": True, "total": 10, "done": 10, "started": 2}]


def test_sweep_counts_every_replication_of_every_variant(bars, tmp_path) -> None:
    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(SWEEP, encoding="utf-8")
    res = invoke(
        ["sweep", str(sweep), "--workers", "1", "--no-report", "--out", str(tmp_path / "s")]
    )
    assert res.exit_code == 0, res.output
    assert bars == [{"show": True, "total": 12, "done": 12, "started": 1}]


@pytest.mark.parametrize("quiet", [["--no-progress"], ["-q"]], ids=["no-progress", "quiet"])
def test_no_bar_when_asked(bars, tmp_path, quiet) -> None:
    prefix, suffix = (["-q"], []) if quiet == ["-q"] else ([], quiet)
    out = ["--no-report", "--out", str(tmp_path / "c"), *suffix]
    res = invoke([*prefix, "compare", str(SMALL), str(SMALL), "-n", "3", "--workers", "1", *out])
    assert res.exit_code == 0, res.output
    assert [bar["show"] for bar in bars] == [False]


@pytest.fixture
def report_steps(monkeypatch) -> list[list[tuple[int, int]]]:
    """The (done, total) calls of every report-building bar; stderr as a terminal."""
    made: list[list[tuple[int, int]]] = []
    monkeypatch.setattr(options, "stderr_is_terminal", lambda: True)

    def steps(self, description: str):
        assert description == "report"
        calls: list[tuple[int, int]] = []
        made.append(calls)
        return lambda done, total: calls.append((done, total))

    monkeypatch.setattr(options.ProgressBar, "steps", steps)
    return made


def test_report_building_shows_progress_unless_quiet(report_steps, tmp_path, monkeypatch) -> None:
    """`botsim run` and `botsim report` follow the report's steps to the end; -q and
    --no-progress show nothing."""
    from botsim.report import figures

    monkeypatch.setattr(figures, "BUILDERS", figures.BUILDERS[:2])  # two figures: fast
    folder = tmp_path / "run"
    res = invoke(["run", str(SMALL), "-n", "3", "--workers", "1", "--out", str(folder)])
    assert res.exit_code == 0, res.output
    res = invoke(["report", str(folder)])
    assert res.exit_code == 0, res.output
    assert len(report_steps) == 2  # the run's report, then the rebuilt one
    figures = len(list((folder / "figures").glob("*.png")))
    for calls in report_steps:
        done = [d for d, _ in calls]
        assert done == sorted(done) and len(done) > figures
        assert calls[-1][0] == calls[-1][1]  # finished: done == total
    for quiet in (["-q", "report", str(folder)], ["report", str(folder), "--no-progress"]):
        res = invoke(quiet)
        assert res.exit_code == 0, res.output
        assert len(report_steps) == 2
