"""What drives this answer: the candidate assumptions, their provenance and the drivers run."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from botsim.experiment.drivers import (
    CANDIDATES,
    DRIVER_METRICS,
    MAX_DRIVERS,
    Change,
    _scale,
    plan_drivers,
    provenance,
    run_drivers,
    source_flags,
)
from botsim.experiment.runner import run_experiment
from botsim.experiment.sweep import check_columns
from botsim.inputs.loader import deep_merge, load_scenario
from botsim.inputs.scenario import PAY_RATE_LINES
from botsim.metrics import catalogue
from botsim.report import tables
from botsim.report.drivers import Drivers, assumptions_to_replace, drivers_study, is_material
from tests.conftest import SCENARIOS, make_scenario

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
TRANSFER_ONLY = {
    "documentation_growth",
    "readiness_retention",
    "readiness_documentation",
    "contract_acceptance",
    "transfer_attrition",
    "owned_overhead",
    "transfer_fee",
}


def names(scenario, candidates=CANDIDATES) -> set[str]:
    return {d.name for d in plan_drivers(scenario, candidates).drivers}


def busy_recruiting(location=None, **changes):
    """20 seats worked by few recruiters: recruiter capacity binds (one applicant a week,
    everyone accepts, no notice)."""
    busy = {
        "recruiting": {"recruiters": 2, "requisitions_per_recruiter": 2, "applicants_per_week": 1},
        "attrition": {"bands": [{"from_month": 0, "voluntary": 0.3}]},
    }
    location = deep_merge(busy, location or {})
    return make_scenario(headcount=20, horizon=6, location=location, **changes)


def test_driver_metrics_are_key_metrics_of_the_catalogue() -> None:
    for metric in DRIVER_METRICS:
        assert catalogue.metric(metric).direction == "lower"


def test_candidates_adapt_to_the_scenario() -> None:
    bare = names(busy_recruiting())
    # no management, no client, no transfer: none of their assumptions is tried
    assert not {"span_of_control", "client_direction"} & bare
    assert not TRANSFER_ONLY & bare
    assert {"recruiters", "applicants_per_week", "attrition_level", "partner_markup"} <= bare
    assert "partner_fee_per_fte" not in bare
    # the default 'auto' attrition limit is moved through its multiple, not as a number
    assert "stability_attrition_multiple" in bare and "stability_attrition_limit" not in bare
    full = names(
        busy_recruiting(
            management={"span_of_control": 8, "lead_family": "agent"},
            client={"hours_per_week": 10},
            transfer={"policy": "at_month", "month": 4, "entity_setup_start_month": 1},
            costs={"partner_fee_model": "per_fte", "partner_fee_per_fte_month": 300},
            stability={"max_annual_attrition": 0.6},
            readiness={"min_retention": 0.5},
        )
    )
    assert "stability_attrition_limit" in full and "stability_attrition_multiple" not in full
    assert {"span_of_control", "client_direction", "partner_fee_per_fte"} <= full
    assert full >= TRANSFER_ONLY
    assert "partner_markup" not in full


def test_a_candidate_that_would_not_change_anything_is_left_out() -> None:
    plan = plan_drivers(make_scenario())  # no attrition, no notice: a relative change is nil
    skipped = dict(plan.skipped)
    assert "attrition level" in skipped and "candidate notice" in skipped
    assert "attrition_level" not in {d.name for d in plan.drivers}


def test_an_invalid_end_stays_at_the_base_value() -> None:
    scenario = busy_recruiting(location={"recruiting": {"recruiters": 1, "offer_acceptance": 0.95}})
    drivers = {d.name: d for d in plan_drivers(scenario).drivers}
    assert (drivers["recruiters"].low, drivers["recruiters"].high) == ("1", "2")
    assert "low end not valid" in drivers["recruiters"].note
    assert drivers["offer_acceptance"].high == "0.95"
    assert "high end not valid" in drivers["offer_acceptance"].note


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_drivers_of_every_shipped_scenario_plan_without_column_clashes(path) -> None:
    plan = plan_drivers(load_scenario(path))
    assert plan.drivers, plan.skipped
    check_columns(plan.plan)  # raises if an assumption is named like a result column
    assert len(plan.plan.points) == 1 + 2 * len(plan.drivers)


def test_each_pattern_has_one_list_at_most_and_unique_names() -> None:
    assert len({c.name for c in CANDIDATES}) == len(CANDIDATES)
    assert all(c.path.count("[*]") <= 1 for c in CANDIDATES)


def test_scale_moves_only_the_named_numbers() -> None:
    bands = [{"from_month": 0, "voluntary": 0.4, "involuntary": 0.1}]
    assert _scale(bands, 1.25, ("voluntary", "involuntary")) == [
        {"from_month": 0, "voluntary": 0.5, "involuntary": 0.125}
    ]
    dist = {"dist": "empirical", "values": [10, 20], "weights": [1, 3]}
    assert _scale(dist, 0.5) == {"dist": "empirical", "values": [5, 10], "weights": [1, 3]}
    assert _scale({"dist": "triangular", "low": 4, "mode": 8, "high": 12}, 0.75)["high"] == 9


def test_provenance_names_profile_schema_default_or_scenario() -> None:
    manila = load_scenario(SCENARIOS / "manila-finance-20.yaml")
    today = dt.date(2026, 12, 1)
    bands = provenance(manila, ["locations", 0, "attrition", "bands"], today=today)
    assert bands.origin.startswith("profile philippines")
    assert "CCAP" in bands.source and "weak source" in bands.flags
    growth = provenance(manila, ["knowledge", "growth_per_month"], today=today)
    assert growth.origin == "schema default" and growth.flags == ("assumption",)
    ramp = provenance(manila, ["locations", 0, "ramp", "ramp_days"], today=today)
    assert (ramp.origin, ramp.flags) == ("scenario", ())  # 120 in the file, 84 in the profile
    span = provenance(manila, ["management", "span_of_control"], today=today)
    assert span.origin == "scenario"  # 10 in the file, 12 the default


def test_source_flags() -> None:
    assert source_flags("assumption: 8 per recruiter") == ("assumption",)
    assert source_flags("blog 2021 [weak]") == ("weak source",)
    assert source_flags("Labor Code Art. 300") == ()
    old = source_flags("survey", dt.date(2020, 1, 1), dt.date(2026, 1, 1))
    assert old == ("stale source (checked 2020-01-01)",)
    assert source_flags("survey", dt.date(2025, 6, 1), dt.date(2026, 1, 1)) == ()


def _pick(*wanted: str):
    return tuple(c for c in CANDIDATES if c.name in wanted)


def test_variants_share_the_base_seed_and_a_nil_change_has_zero_effect() -> None:
    scenario = busy_recruiting()
    n, seed = 6, 11
    found = run_drivers(
        scenario, n, seed, plan=plan_drivers(scenario, _pick("recruiters", "partner_markup"))
    )
    table = found.table
    base = table[table["level"] == "base"].reset_index(drop=True)
    alone = run_experiment(scenario, n, seed).summary
    for metric in DRIVER_METRICS:
        if metric in alone:
            np.testing.assert_array_equal(base[metric].to_numpy(), alone[metric].to_numpy())
    # The partner markup changes costs only: every time is the base's, to the last bit (CRN).
    markup = table[table["varied"] == "partner markup"]
    for level in ("low", "high"):
        times = markup[markup["level"] == level]["time_to_full_team"].to_numpy()
        np.testing.assert_array_equal(times, base["time_to_full_team"].to_numpy())
    study = drivers_study(table, {"drivers": found.manifest_entry()}, scenario.horizon_months)
    torn = tables.tornado(study, "time_to_full_team").set_index("parameter")
    assert torn.loc["partner markup", "swing"] == 0.0
    markup_row = torn.loc["partner markup"]
    assert markup_row["low_effect"] == markup_row["high_effect"] == 0.0
    cost = tables.tornado(study, "total_cost_bot").set_index("parameter")
    assert cost.loc["partner markup", "low_effect"] < 0 < cost.loc["partner markup", "high_effect"]


def test_more_recruiters_shorten_the_time_to_a_full_team() -> None:
    scenario = busy_recruiting()
    found = run_drivers(scenario, 12, 3, plan=plan_drivers(scenario, _pick("recruiters")))
    study = drivers_study(table := found.table, {"drivers": found.manifest_entry()}, 6)
    row = tables.tornado(study, "time_to_full_team").iloc[0]
    assert row["parameter"] == "recruiters"
    assert (row["low_value"], row["high_value"]) == ("1", "3")
    assert row["low_ci_low"] > 0  # one recruiter: significantly later
    assert row["high_ci_high"] < 0  # three: significantly earlier
    assert len(table) == 3 * 12


def test_run_drivers_refuses_too_few_replications() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        run_drivers(make_scenario(), 1, 1)


def _tornado_row(parameter: str, low: float, high: float, half: float, base: float = 10.0):
    return {
        "metric": "time_to_full_team",
        "parameter": parameter,
        "base_mean": base,
        "low_value": "a",
        "high_value": "b",
        "low_effect": low,
        "low_ci_low": low - half,
        "low_ci_high": low + half,
        "high_effect": high,
        "high_ci_low": high - half,
        "high_ci_high": high + half,
        "swing": abs(high - low),
    }


def test_materiality_needs_size_and_significance() -> None:
    assert is_material(_tornado_row("x", 1.0, -0.2, 0.3))  # 10 % of 10, interval excludes 0
    assert not is_material(_tornado_row("x", 0.3, -0.2, 0.1))  # significant but 3 %
    assert not is_material(_tornado_row("x", 1.0, -0.2, 1.5))  # large but not significant


def test_assumptions_to_replace_are_flagged_and_material() -> None:
    def info(label, flags, path, value):
        return {
            "label": label,
            "path": path,
            "value": value,
            "flags": flags,
            "origin": "schema default",
            "source": f"{label} source",
        }

    rows = [
        _tornado_row("documentation growth", 2.0, -1.0, 0.5),  # flagged, material
        _tornado_row("notice", 2.0, -1.0, 0.5),  # material but well sourced
        _tornado_row("markup", 0.1, -0.1, 0.05),  # flagged, immaterial
    ]
    drivers = Drivers(
        study=None,
        tables={"time_to_full_team": pd.DataFrame(rows)},
        assumptions=[
            info("documentation growth", ["assumption"], "knowledge.growth_per_month", "0.15"),
            info("notice", [], "locations[0].recruiting.candidate_notice", "30"),
            info("markup", ["assumption"], "costs.partner_markup", "0.2"),
        ],
        entry={},
    )
    table = assumptions_to_replace(drivers)
    assert list(table["assumption"]) == ["documentation growth"]
    row = table.iloc[0]
    assert row["where to set it"] == "knowledge.growth_per_month"
    assert row["current value"] == "0.15"
    assert "+2.0" in row["moves"] and row["flagged as"] == "assumption"


def test_model_doc_lists_every_candidate() -> None:
    text = (SCENARIOS.parent / "docs" / "model.md").read_text(encoding="utf-8")
    section = text.split("## What drives this answer", 1)[1].split("\n## ", 1)[0]
    for candidate in CANDIDATES:
        assert f"| {candidate.label} | `{candidate.path}`" in section, candidate.name


def test_every_candidate_path_is_a_field_of_some_shipped_scenario() -> None:
    """A renamed schema field would silently drop its candidate ("not in this scenario")."""
    from botsim.experiment.drivers import instances
    from botsim.inputs.loader import scenario_to_dict

    docs = [scenario_to_dict(load_scenario(path)) for path in SHIPPED]
    for candidate in CANDIDATES:
        assert any(instances(doc, candidate.path) for doc in docs), candidate.path


def test_cost_candidates_adapt_and_salary_lines_keep_their_rates() -> None:
    """Issue 16: wage growth and seat cost wherever a profile states them; governance only
    when the team may transfer; a salary by line moves base pay and benefits, not rates."""
    transfer = {
        d.name: d
        for d in plan_drivers(load_scenario(SCENARIOS / "manila-transfer-at-18.yaml")).drivers
    }
    never = {
        d.name
        for d in plan_drivers(load_scenario(SCENARIOS / "manila-managed-partnership.yaml")).drivers
    }
    assert {"wage_growth", "seat_cost", "governance_cost"} <= set(transfer)
    assert {"wage_growth", "seat_cost"} <= never and "governance_cost" not in never
    assert (transfer["wage_growth"].low, transfer["wage_growth"].high) == ("0.025", "0.075")
    assert len(transfer) <= MAX_DRIVERS
    bare = names(busy_recruiting())  # the test location states no wage growth, seat or governance
    assert not {"wage_growth", "seat_cost", "governance_cost"} & bare
    salary = {"finance": {"base": 600.0, "statutory_rate": 0.13, "benefits": 35.0}, "lead": 900.0}
    moved = Change("scale", 0.1, keep=PAY_RATE_LINES).moved(salary, 1)
    assert moved["finance"] == pytest.approx(
        {"base": 660.0, "statutory_rate": 0.13, "benefits": 38.5}
    )
    assert moved["lead"] == pytest.approx(990.0)


def test_drivers_move_at_most_max_drivers_assumptions(monkeypatch) -> None:
    """The drivers' own bound (not a sweep file's 20 parameters): candidates beyond it are
    listed as left out."""
    import botsim.experiment.drivers as drivers_module

    many = busy_recruiting(
        management={"span_of_control": 8, "lead_family": "agent"},
        client={"hours_per_week": 10},
        transfer={"policy": "at_month", "month": 4, "entity_setup_start_month": 1},
        stability={"max_annual_attrition": 0.6},
        readiness={"min_retention": 0.5},
        location={
            "recruiting": {"candidate_notice": 30},
            "ramp": {"ramp_days": 28},
            "wage_increase": {"annual_rate": 0.05},
            "seat_monthly_cost": 300,
            "governance_monthly_cost": 2500,
        },
    )
    assert len(plan_drivers(many).drivers) > 20
    monkeypatch.setattr(drivers_module, "MAX_DRIVERS", 20)
    plan = plan_drivers(many)
    assert len(plan.drivers) == 20
    assert any("over the 20 assumptions" in why for _, why in plan.skipped)
