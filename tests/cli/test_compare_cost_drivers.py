"""`botsim compare` says which cost terms decide its answer (issue 16): cost_drivers.parquet,
the manifest entry, the console lines first, the report's decision section, --no-drivers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from botsim.cli.main import main
from botsim.experiment.drivers import COST_DRIVERS_FILE
from tests.conftest import SCENARIOS

PAIR = (
    str(SCENARIOS / "manila-transfer-at-18.yaml"),
    str(SCENARIOS / "manila-managed-partnership.yaml"),
)
SMALL = ("--set", "horizon_months=30", "--set", "roles[0].plan[0].headcount=6")
FAST = ("--workers", "1", "--no-progress", "--replications", "2")


def botsim(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cost") / "cmp"
    res = botsim("compare", *PAIR, *SMALL, *FAST, "--drivers", "--drivers-replications", "2",
                 "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    return out, res


def test_cost_drivers_table_and_manifest_entry(compared) -> None:
    out, _ = compared
    entry = json.loads((out / "manifest.json").read_text())["cost_drivers"]
    assert entry["file"] == COST_DRIVERS_FILE and entry["replications"] == 2
    assert entry["scenario_a"] == "manila-transfer-at-18"
    labels = {a["label"] for a in entry["assumptions"]}
    assert {"partner markup", "governance cost once owned", "transfer fee"} <= labels
    table = pd.read_parquet(out / COST_DRIVERS_FILE)
    assert len(table) == (1 + 2 * len(labels)) * 2
    assert {"total_cost_bot", "pv_cost_bot", "varied", "level"} <= set(table)
    # governance is moved in the transfer scenario only: the never twin keeps its base
    gov = entry["assumptions"][[a["label"] for a in entry["assumptions"]].index(
        "governance cost once owned")]  # fmt: skip
    assert gov["in_scenarios"] == ["manila-transfer-at-18"]
    assert entry["break_even"] and entry["break_even"][0]["metric"] == "total_cost_bot"


def test_console_states_the_cost_answer_first(compared) -> None:
    _, res = compared
    out = res.stdout
    assert out.index("what decides the cost answer") < out.index("DECISION SUMMARY")
    assert "manila-transfer-at-18 costs USD" in out
    assert "partner markup were above" in out or "partner markup stays below" in out
    assert "largest swings of A - B, USD (low / high end): " in out  # money with its currency


def test_report_decision_section_says_which_terms_decide(compared) -> None:
    out, _ = compared
    page = (out / "report.html").read_text(encoding="utf-8")
    decision = page.split('<section id="decision">', 1)[1].split("</section>", 1)[0]
    assert 'id="cost-answer"' in decision and "partner markup" in decision
    assert "What decides the cost answer: every term" in page
    assert (out / "figures" / "cost_drivers_total_cost_bot.png").is_file()


def test_no_drivers_writes_no_cost_drivers(tmp_path) -> None:
    out = tmp_path / "cmp"
    res = botsim("compare", *PAIR, *SMALL, *FAST, "--no-drivers", "--no-report",
                 "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert not (out / COST_DRIVERS_FILE).exists()
    assert "cost_drivers" not in json.loads((out / "manifest.json").read_text())
    assert "what decides the cost answer" not in res.stdout


def test_no_drivers_with_drivers_replications_is_refused(tmp_path) -> None:
    res = botsim("compare", *PAIR, *FAST, "--no-drivers", "--drivers-replications", "3",
                 "--out", str(tmp_path / "cmp"))  # fmt: skip
    assert res.exit_code == 2 and "cannot be combined with --no-drivers" in res.output
    assert not list(tmp_path.iterdir())
