"""The metric catalogue (botsim/metrics/catalogue.py) declares exactly the columns replications
produce,
so that no reader has to discover them by running a pilot or by reading names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from botsim.experiment.runner import simulate
from botsim.inputs.loader import load_scenario, scenario_from_dict
from botsim.inputs.scenario import Scenario
from botsim.metrics import catalogue
from tests.conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
PACKAGE = Path(catalogue.__file__).parents[1]  # botsim/


@pytest.fixture(scope="module")
def produced() -> dict[str, tuple[Scenario, dict, dict]]:
    out = {}
    for path in SHIPPED:
        scenario = load_scenario(path)
        result = simulate(scenario, seed=3, replication=0)
        out[path.name] = (scenario, result.summary, result.series)
    return out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_catalogue_columns_are_exactly_the_replications_columns(path, produced) -> None:
    scenario, summary, series = produced[path.name]
    assert sorted(catalogue.columns(scenario, "summary")) == sorted(summary)
    assert sorted(catalogue.columns(scenario, "series")) == sorted(series)


def test_every_produced_column_is_declared(produced) -> None:
    for _, summary, series in produced.values():
        for name in summary:
            assert catalogue.lookup(name) is not None or catalogue.is_censoring_flag(name), name
        for name in series:
            assert catalogue.lookup(name, "series") is not None, name


def test_every_declared_metric_appears_for_some_scenario(produced) -> None:
    """Nothing declared is dead: each plain metric is produced by a shipped scenario, and each
    family by a shipped scenario or the budgeted-role scenario below."""
    seen = {"summary": set(), "series": set()}
    for _, summary, series in produced.values():
        seen["summary"] |= {catalogue.lookup(n) for n in summary} - {None}
        seen["series"] |= {catalogue.lookup(n, "series") for n in series}
    budgeted = _budgeted_scenario()
    seen["summary"] |= {catalogue.lookup(n) for n in simulate(budgeted, 1, 0).summary} - {None}
    for table, metrics in catalogue.TABLES.items():
        missing = [m.name for m in metrics if m not in seen[table]]
        assert not missing, f"declared {table} columns no scenario produces: {missing}"


def _budgeted_scenario() -> Scenario:
    doc = load_scenario(SCENARIOS / "manila-small-5.yaml").model_dump(mode="json", by_alias=True)
    doc["roles"][0]["budget_per_month"] = 5000.0
    return scenario_from_dict(doc)


def test_budgeted_roles_get_their_budget_column() -> None:
    scenario = _budgeted_scenario()
    summary = simulate(scenario, 1, 0).summary
    assert sorted(catalogue.columns(scenario)) == sorted(summary)
    role = scenario.roles[0]
    name = f"cost_vs_budget__{role.location}__{role.name}"
    assert catalogue.lookup(name).per == "budgeted role"


def test_declarations_are_complete_and_plain() -> None:
    units = set()
    for table, metrics in catalogue.TABLES.items():
        names = [m.name for m in metrics]
        assert len(names) == len(set(names)), f"a {table} column is declared twice"
        for m in metrics:
            assert m.table == table
            units.add(m.unit)
            assert m.label and "_" not in m.label, f"{m.name}: label is a code identifier"
            assert m.direction in ("higher", "lower", None)
            assert not m.censored or (m.unit == "months" and m.event), m.name
            assert not (m.key or m.precision) or m.numeric, m.name
            assert ("<" in m.name) == m.is_family, m.name
    assert units <= {
        "months", "days", "count", "share", "share per year", "ratio", "currency", "FTE",
        "hours/week", catalogue.FLAG, catalogue.TEXT,
    }  # fmt: skip


def test_lookups_use_the_declared_patterns() -> None:
    assert catalogue.lookup("total_cost__manila__finance-analyst").per == "role"
    assert catalogue.lookup("cost_direct__bogota__cx-agent", "series").per == "role"
    assert catalogue.lookup("criterion_lead_coverage", "series").per == "criterion"
    assert catalogue.lookup("exits_walkout").per == "exit kind"
    assert catalogue.lookup("exits_declined_transfer").per == ""  # declared on its own
    assert catalogue.lookup("criterion_unknown", "series") is None
    assert catalogue.lookup("time_to_full_team_censored") is None
    assert catalogue.is_censoring_flag("time_to_full_team_censored")
    assert not catalogue.is_censoring_flag("transfer_censored")  # a metric of its own
    assert catalogue.metric("time_to_full_team").flag == "time_to_full_team_censored"
    with pytest.raises(ValueError, match="not a censored"):
        _ = catalogue.metric("hires").flag
    with pytest.raises(KeyError, match="not a declared summary column"):
        catalogue.metric("no_such_metric")
    assert catalogue.label("criterion_lead_coverage", "series") == (
        "readiness criterion: lead coverage"
    )
    assert catalogue.label("not_declared") == "not declared"


def test_key_and_precision_metrics() -> None:
    assert catalogue.key_metric_names()[:3] == (
        "time_to_first_hire",
        "time_to_90pct_seats",
        "time_to_full_team",
    )
    assert catalogue.precision_defaults() == ("time_to_full_team", "time_to_stable_team")


# The readers of metric names: none may recognise a metric by part of its name.
SUBSTRING_TESTS = re.compile(
    r"""(startswith|endswith|removeprefix|removesuffix)\(\s*["'](time_to|break_even|cost|"""
    r"""cumulative|criterion|unmet|exits|readiness|ready|savings|total_cost|_censored)"""
    r"""|["'](cost|time_to_|break_even|readiness|savings|transfer|_censored)["']\s+in\s"""
    r"""|f["']\{[a-z_]+\}_censored["']"""
)


@pytest.mark.parametrize(
    "module",
    [
        "stats.py",
        "report/console.py",
        "experiment/runner.py",
        "inputs/limits.py",
        "cli/research.py",
        "report/figures.py",
        "report/tables.py",
        "report/study.py",
        "report/html.py",
        "report/build.py",
        "report/folders.py",
    ],
)
def test_readers_do_not_match_metric_names_on_substrings(module) -> None:
    text = (PACKAGE / module).read_text(encoding="utf-8")
    found = [m.group(0) for m in SUBSTRING_TESTS.finditer(text)]
    assert not found, f"botsim/{module} matches metric names on substrings: {found}"


def test_limits_counts_columns_without_a_simulation() -> None:
    tree = ast.parse((PACKAGE / "inputs" / "limits.py").read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "botsim.experiment.runner" not in imported


def test_result_columns_count_the_catalogue(produced) -> None:
    from botsim.experiment.memory import result_columns

    for scenario, summary, series in produced.values():
        assert result_columns(scenario) == (len(summary) + 1, len(series) + 1)


def test_precision_metrics_are_checked_against_the_catalogue(monkeypatch) -> None:
    from botsim.experiment import runner as experiment

    def no_simulation(*args, **kwargs):
        raise AssertionError("a pilot replication ran")

    monkeypatch.setattr(experiment, "simulate", no_simulation)
    scenario = load_scenario(SCENARIOS / "split-ph-co.yaml")
    experiment.check_precision_metrics(scenario, ["time_to_full_team", "total_cost_bot"])
    experiment.check_precision_metrics(scenario, ["total_cost__bogota__cx-agent"])
    with pytest.raises(ValueError, match=r"unknown precision metric.*binding_criterion"):
        experiment.check_precision_metrics(scenario, ["binding_criterion"])
    with pytest.raises(
        ValueError, match="choose from: time_to_first_hire, time_to_90pct_seats, time_to_full_team"
    ):
        experiment.check_precision_metrics(scenario, ["time_to_full_team_censored"])
    assert catalogue.precision_defaults() == experiment.DEFAULT_PRECISION_METRICS
