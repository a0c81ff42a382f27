"""`botsim run` with its drivers: drivers.parquet, the manifest, the report section, the console,
--no-drivers and --drivers-replications."""

from __future__ import annotations

import json
import re
import subprocess

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim.cli import options
from botsim.cli.main import main
from botsim.experiment.drivers import DRIVERS_FILE
from botsim.report.drivers import load_drivers
from tests.cli.test_progress import bars  # noqa: F401 - the progress bars fixture
from tests.conftest import SCENARIOS
from tests.report.test_browser import BROWSER, PROBE

MANILA = str(SCENARIOS / "manila-finance-20.yaml")
SMALL = ("--set", "horizon_months=15", "--set", "roles[0].plan[0].headcount=6")
FAST = ("--workers", "1", "--no-progress")


def botsim(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def drivers_run(tmp_path_factory):
    """A small run with its drivers (3 replications per variant) and its report."""
    out = tmp_path_factory.mktemp("drivers") / "run"
    res = botsim("run", MANILA, *SMALL, *FAST, "-n", "4", "--drivers", "--drivers-replications",
                 "3", "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    return out, res


def test_drivers_are_written_to_the_run_folder_and_manifest(drivers_run) -> None:
    out, _ = drivers_run
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["drivers"]
    assert entry["file"] == DRIVERS_FILE and entry["replications"] == 3
    table = pd.read_parquet(out / DRIVERS_FILE)
    assert len(table) == entry["variants"] * 3 == (1 + 2 * len(entry["assumptions"])) * 3
    assert set(table["level"]) == {"base", "low", "high"}
    growth = next(a for a in entry["assumptions"] if a["path"] == "knowledge.growth_per_month")
    assert (growth["value"], growth["low"], growth["high"]) == ("0.15", "0.1125", "0.1875")
    assert growth["flags"] == ["assumption"] and growth["origin"] == "schema default"


def test_report_has_the_section_with_a_tornado_per_key_metric(drivers_run) -> None:
    out, _ = drivers_run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>What drives this answer</h2>" in page
    manifest = json.loads((out / "manifest.json").read_text())
    drivers = load_drivers(out, manifest, 15)
    assert {"time_to_full_team", "total_cost_bot"} <= set(drivers.tables)
    for metric in drivers.tables:
        assert f'id="fig-drivers_{metric}"' in page
        assert (out / "figures" / f"drivers_{metric}.png").is_file()
    assert "Moves it most:" in page
    assert 'id="assumptions-to-replace"' in page and 'id="drivers-table"' in page
    # every assumption tried is listed with where to set it and its current value
    assert "knowledge.growth_per_month" in page and "locations[0].recruiting.recruiters" in page


def test_console_ends_with_the_drivers(drivers_run) -> None:
    _, res = drivers_run
    tail = res.stdout.split("report: ", 1)[1]
    assert "what drives this answer (" in tail
    assert re.search(r"time to full team \(mean [\d.]+ months\): ", tail)


def test_no_drivers_writes_nothing(tmp_path) -> None:
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SMALL, *FAST, "-n", "3", "--no-drivers", "--no-report",
                 "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert not (out / DRIVERS_FILE).exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert "drivers" not in manifest
    assert load_drivers(out, manifest, 15) is None  # so the report has no such section
    assert "what drives this answer" not in res.stdout


def test_drivers_are_on_by_default_with_at_most_the_runs_replications(tmp_path, monkeypatch):
    monkeypatch.delenv("BOTSIM_DRIVERS", raising=False)
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SMALL, *FAST, "-n", "2", "--no-report", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert json.loads((out / "manifest.json").read_text())["drivers"]["replications"] == 2
    assert (out / DRIVERS_FILE).is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--drivers-replications", "1"), "'--drivers-replications': 1 is not in the range"),
        (("--drivers-replications", "many"), "'many' is not a valid integer"),
        (("--no-drivers", "--drivers-replications", "5"), "cannot be combined with --no-drivers"),
    ],
)
def test_bad_drivers_replications_are_refused_before_anything_runs(tmp_path, args, message):
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SMALL, *FAST, "-n", "2", *args, "--out", str(out))
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output
    assert not tmp_path.joinpath("run").exists() and not list(tmp_path.iterdir())


def test_the_library_refuses_too_few_drivers_replications(tmp_path) -> None:
    from botsim.experiment.run_folder import run_to_folder

    with pytest.raises(ValueError, match="at least 2"):
        run_to_folder(MANILA, replications=2, folder=tmp_path / "run", drivers=True,
                      drivers_replications=1)  # fmt: skip
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (see tests/report/test_browser)")
def test_drivers_section_renders_in_headless_chromium(drivers_run, tmp_path) -> None:
    out, _ = drivers_run
    html = (out / "report.html").read_text(encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000",
           "--dump-dom", page.as_uri()]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r"PROBE(.*?)END", done.stdout)
    assert match, f"no probe in the rendered page (rc {done.returncode}): {done.stderr[-2000:]}"
    probe = json.loads(match.group(1))
    assert probe["images"] == probe["loaded"] == len(list((out / "figures").glob("*.png")))
    assert probe["rows"][probe["tables"].index("drivers-table")] > 0


def test_drivers_count_on_the_progress_bar(bars, monkeypatch, tmp_path) -> None:  # noqa: F811
    tasks: list[str] = []

    def new_task(self, description: str) -> None:
        tasks.append(description)
        self.record.update(done=0, total=None)

    monkeypatch.setattr(options.ProgressBar, "new_task", new_task)
    out = tmp_path / "run"
    res = botsim("run", MANILA, *SMALL, "--workers", "1", "-n", "3", "--drivers",
                 "--drivers-replications", "2", "--no-report", "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    variants = json.loads((out / "manifest.json").read_text())["drivers"]["variants"]
    assert tasks == ["what drives this answer (one at a time)"]
    assert bars[0]["total"] == bars[0]["done"] == variants * 2
