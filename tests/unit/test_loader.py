"""The input boundary: safe YAML 1.2 / TOML reading, profile merge, ``--set`` overrides,
error messages, and the configurable limits of :mod:`botsim.inputs.limits`."""

from __future__ import annotations

import copy
import tracemalloc
from pathlib import Path

import pytest

from botsim.experiment.memory import BASE_BYTES, check_run_memory, estimate_run_memory
from botsim.inputs.limits import MAX_TEAM_SIZE, LimitError, Limits
from botsim.inputs.loader import (
    MAX_PROBLEMS_SHOWN,
    Problem,
    ScenarioError,
    apply_override,
    deep_merge,
    load_profile,
    load_scenario,
    parse_document,
    parse_path,
    read_document,
    scenario_from_dict,
    scenario_to_dict,
)
from botsim.inputs.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
MANILA = ROOT / "scenarios" / "manila-finance-20.yaml"

MINIMAL_YAML = """\
name: minimal
horizon_months: 12
locations:
  - name: oslo
    profile: philippines
    country: NO
roles:
  - name: analyst
    location: oslo
    family: finance
    plan:
      - {month: 0, headcount: 4}
      - {month: 6, headcount: 8}
"""

MINIMAL_TOML = """\
name = "minimal"
horizon_months = 12

[[locations]]
name = "oslo"
profile = "philippines"
country = "NO"

[[roles]]
name = "analyst"
location = "oslo"
family = "finance"
plan = [{month = 0, headcount = 4}, {month = 6, headcount = 8}]
"""


def problems(exc: pytest.ExceptionInfo[ScenarioError]) -> str:
    return str(exc.value)


# --------------------------------------------------------------------------- safe reading


def test_yaml_is_read_as_yaml_1_2(tmp_path: Path):
    doc = parse_document("a: NO\nb: yes\nc: off\nd: 0777\ne: 1_000\nf: ~\n", "<t>")
    assert doc == {"a": "NO", "b": "yes", "c": "off", "d": 777, "e": 1000, "f": None}


def test_country_code_no_stays_a_string(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL_YAML, encoding="utf-8")
    assert load_scenario(path).locations[0].country == "NO"


def test_toml_and_yaml_give_the_same_scenario(tmp_path: Path):
    (tmp_path / "s.yaml").write_text(MINIMAL_YAML, encoding="utf-8")
    (tmp_path / "s.toml").write_text(MINIMAL_TOML, encoding="utf-8")
    assert load_scenario(tmp_path / "s.yaml") == load_scenario(tmp_path / "s.toml")


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hacked']\n",
        "a: !!python/object/new:subprocess.Popen [['echo']]\n",
        "a: !!python/name:builtins.eval\n",
        "a: !!python/module:os\n",
        "!!python/object:botsim.inputs.scenario.Scenario {name: x}\n",
        "a: !custom value\n",
    ],
)
def test_object_constructing_tags_are_refused(text: str):
    with pytest.raises(ScenarioError, match="tags that construct objects are not allowed"):
        parse_document(text, "<t>")


def test_plain_data_tags_stay_data():
    # Standard YAML tags construct plain data only: a tagged string is still a string.
    assert parse_document("a: !!str 12\nb: !!int '7'\n", "<t>") == {"a": "12", "b": 7}


def test_alias_bomb_is_refused_by_node_count():
    rows = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x"]']
    for prev, cur in zip("abcdefg", "bcdefgh"):
        rows.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 8) + "]")
    with pytest.raises(ScenarioError, match="alias bomb"):
        parse_document("\n".join(rows), "<t>")


def test_limits_apply_to_documents():
    with pytest.raises(ScenarioError, match="more than 5 values"):
        parse_document("a: [1, 2, 3, 4, 5, 6]", "<t>", limits=Limits(max_nodes=5))
    with pytest.raises(ScenarioError, match="nested deeper than 2 levels"):
        parse_document("a: {b: {c: {d: 1}}}", "<t>", limits=Limits(max_depth=2))
    with pytest.raises(ScenarioError, match="10-byte limit"):
        parse_document("name: something long", "<t>", limits=Limits(max_file_bytes=10))


def test_flow_nesting_is_refused_before_the_slow_parser():
    with pytest.raises(ScenarioError, match=r"nested deeper than 32 levels at line 2"):
        parse_document("a: 1\nb: " + "[" * 100_000 + "]" * 100_000, "<t>")
    # brackets inside quotes and comments do not count
    doc = parse_document('a: "' + "[" * 40 + '"  # ' + "{" * 40 + "\n", "<t>")
    assert doc == {"a": "[" * 40}


def test_read_document_errors(tmp_path: Path):
    with pytest.raises(ScenarioError, match="file not found"):
        read_document(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="is a directory"):
        read_document(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioError, match=r"not UTF-8 text \(byte 0xe9 at offset 9\)"):
        read_document(bad)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert read_document(bom) == {"name": "x"}


def test_only_yaml_and_toml_files_are_read(tmp_path: Path):
    for name in ("notes.txt", "shadow", ".env"):
        path = tmp_path / name
        path.write_text("name: x\n", encoding="utf-8")
        with pytest.raises(ScenarioError, match=r"not read: only \.yaml, \.yml, \.toml files"):
            read_document(path)
    (tmp_path / "ok.yml").write_text("name: x\n", encoding="utf-8")
    assert read_document(tmp_path / "ok.yml") == {"name": "x"}


def test_problem_lists_are_capped():
    many = ScenarioError("s.yaml", [Problem(f"roles[{i}]", "bad") for i in range(100)])
    lines = str(many).splitlines()
    assert lines[0] == "s.yaml: invalid scenario (100 problem(s))"
    assert len(lines) == MAX_PROBLEMS_SHOWN + 2
    assert lines[-1] == f"  - ... and {100 - MAX_PROBLEMS_SHOWN} more problems (fix these first)"


def test_a_mapping_that_is_not_a_scenario_is_reported_by_a_count():
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict({"name": "x", "TOKEN": "hunter2", "PASSWORD": "hunter2"}, "s")
    text = problems(exc)
    assert "2 of its 3 top-level keys are not scenario fields (not shown)" in text
    assert "hunter2" not in text and "TOKEN" not in text


def test_error_message_names_source_path_value_and_rule():
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(
            {**read_document(MANILA), "horizon_months": 0}, "my.yaml", base_dir=MANILA.parent
        )
    text = problems(exc)
    assert text.splitlines()[0] == "my.yaml: invalid scenario (1 problem(s))"
    assert "horizon_months: Input should be greater than or equal to 1, got 0" in text


def test_unknown_key_suggestion_uses_the_fields_at_that_place():
    doc = read_document(MANILA)
    doc["locations"][0]["recruiting"]["offer_acceptence"] = 0.8
    doc["stability"]["windows_months"] = 3
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(doc, "s", base_dir=MANILA.parent)
    text = problems(exc)
    assert "recruiting.offer_acceptence: unknown field (did you mean 'offer_acceptance'?)" in text
    assert "stability.windows_months: unknown field (did you mean 'window_months'?)" in text


def test_not_a_mapping_is_a_scenario_error():
    for doc in ([1, 2], "text", None, 3):
        with pytest.raises(ScenarioError, match="expected a mapping"):
            scenario_from_dict(doc, "<t>")  # type: ignore[arg-type]


def test_huge_integers_do_not_break_messages():
    doc = read_document(MANILA)
    doc["horizon_months"] = 10**5000
    with pytest.raises(ScenarioError, match="an integer of about 5000 digits"):
        scenario_from_dict(doc, "s", base_dir=MANILA.parent)


# --------------------------------------------------------------------------- profiles and merge


def test_profile_values_are_merged_and_overridable():
    scenario = load_scenario(MANILA)
    profile = load_profile("philippines")
    loc = scenario.locations[0]
    assert loc.recruiting.recruiters == 2  # scenario override
    assert loc.recruiting.offer_acceptance == profile.values.recruiting.offer_acceptance
    assert loc.loaded_monthly_cost == profile.values.loaded_monthly_cost


def test_a_distribution_overrides_a_profile_distribution_as_a_whole():
    doc = read_document(MANILA)
    doc["locations"][0]["recruiting"]["candidate_notice"] = {"dist": "exponential", "mean": 21}
    doc["locations"][0]["entity"] = {"setup_days": {"dist": "uniform", "low": 30, "high": 90}}
    scenario = scenario_from_dict(doc, "s", base_dir=MANILA.parent)
    loc = scenario.locations[0]
    assert repr(loc.recruiting.candidate_notice) == "Exponential(mean=21)"
    assert repr(loc.entity.setup_days) == "Uniform(30, 90)"
    assert loc.entity.setup_cost == load_profile("philippines").values.entity.setup_cost


def test_deep_merge_does_not_touch_its_inputs():
    base = {"a": {"b": 1, "c": [1]}, "d": {"dist": "fixed", "value": 3}}
    over = {"a": {"b": 2}, "d": {"dist": "exponential", "mean": 2}}
    frozen = copy.deepcopy((base, over))
    merged = deep_merge(base, over)
    assert merged == {"a": {"b": 2, "c": [1]}, "d": {"dist": "exponential", "mean": 2}}
    assert (base, over) == frozen


def test_unknown_profile_suggests_the_closest():
    doc = read_document(MANILA)
    doc["locations"][0]["profile"] = "phillipines"
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(doc, "s.yaml")
    assert "locations[0].profile: unknown profile (did you mean 'philippines'?)" in problems(exc)


def test_profile_file_relative_to_the_scenario(tmp_path: Path):
    profile_file = ROOT / "botsim" / "inputs" / "profiles" / "philippines.yaml"
    profile = profile_file.read_text(encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.yaml").write_text(profile, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        MINIMAL_YAML.replace("profile: philippines", "profile: profiles/mine.yaml"),
        encoding="utf-8",
    )
    assert load_scenario(tmp_path / "s.yaml").locations[0].recruiting.no_show == pytest.approx(
        load_profile("philippines").values.recruiting.no_show
    )


def test_resolved_scenario_round_trips():
    scenario = load_scenario(MANILA)
    assert scenario_from_dict(scenario_to_dict(scenario), "again") == scenario


# --------------------------------------------------------------------------- --set overrides


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("horizon_months", ["horizon_months"]),
        ("locations[0].recruiting.recruiters", ["locations", 0, "recruiting", "recruiters"]),
        ("roles.0.plan.1.headcount", ["roles", 0, "plan", 1, "headcount"]),
        ("locations[0].attrition.bands[2]", ["locations", 0, "attrition", "bands", 2]),
    ],
)
def test_parse_path(text: str, parts: list):
    assert parse_path(text) == parts


@pytest.mark.parametrize("text", ["", "a[x]", "a[-1]", "a[", "a]"])
def test_parse_path_refuses_garbage(text: str):
    with pytest.raises(ValueError, match="field path"):
        parse_path(text)


def test_overrides_are_parsed_as_yaml_and_revalidated():
    scenario = load_scenario(
        MANILA,
        [
            "horizon_months=24",
            "locations[0].country=NO",
            "locations[0].recruiting.candidate_notice={dist: exponential, mean: 14}",
            "roles[0].plan[0].headcount=12",
        ],
    )
    assert scenario.horizon_months == 24
    assert scenario.locations[0].country == "NO"
    assert repr(scenario.locations[0].recruiting.candidate_notice) == "Exponential(mean=14)"
    assert scenario.roles[0].plan[0].headcount == 12
    with pytest.raises(ScenarioError, match=r"horizon_months: .*got 0"):
        load_scenario(MANILA, ["horizon_months=0"])


def test_override_can_switch_the_profile():
    scenario = load_scenario(MANILA, ["locations[0].profile=colombia"])
    assert scenario.locations[0].country == load_profile("colombia").values.country


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("horizon_months", "must look like path=value"),
        ("roles[4].name=x", "roles[4] is out of range (roles has 1 item(s), positions 0 to 0)"),
        ("name.first=x", "name is str 'manila-finance-20', not a mapping or list"),
        ("roles.name=x", "roles is a list, not a mapping"),
        ("stability[0]=x", "stability is a mapping, not a list"),
        ("horizon_months={a: 1", "cannot read the value '{a: 1' as YAML"),
        ("horizon_months=!!python/name:os.system", "cannot read the value"),
        ("roles[x]=1", "cannot read field path 'roles[x]'"),
    ],
)
def test_override_errors_are_clear(override: str, message: str):
    with pytest.raises(ScenarioError) as exc:
        load_scenario(MANILA, [override])
    assert exc.value.problems[0].path == "--set"
    assert message in problems(exc)


def test_apply_override_creates_missing_mappings():
    doc: dict = {"policy": None}
    apply_override(doc, ["policy", "training_classes", "interval_days"], 14, "t")
    assert doc == {"policy": {"training_classes": {"interval_days": 14}}}


# --------------------------------------------------------------------------- limits


def test_schema_ceilings_state_the_limit():
    with pytest.raises(ScenarioError) as exc:
        load_scenario(MANILA, [f"roles[0].plan[0].headcount={MAX_TEAM_SIZE + 1}"])
    assert (
        f"team-size limit per role (botsim.inputs.limits.MAX_TEAM_SIZE): at most {MAX_TEAM_SIZE}"
        in (problems(exc))
    )


def test_configured_limits_can_be_tighter():
    tight = Limits(max_team_size=10, max_horizon_months=12, max_replications=100)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(MANILA, limits=tight)
    text = problems(exc)
    assert "horizon_months: above the horizon limit of 12 months (limits.max_horizon_months)" in (
        text
    )
    assert "replications: above the limit of 100 replications" in text
    assert "roles[0].plan[0].headcount: above the team-size limit of 10 per role" in text
    assert isinstance(
        load_scenario(
            MANILA,
            ["horizon_months=12", "replications=50", "roles[0].plan[0].headcount=10"],
            limits=tight,
        ),
        Scenario,
    )


def test_total_headcount_limit_spans_roles():
    with pytest.raises(ScenarioError, match=r"over all roles is 20, above the limit of 19"):
        load_scenario(MANILA, limits=Limits(max_total_headcount=19))


def test_limits_from_environment(monkeypatch: pytest.MonkeyPatch):
    assert Limits.from_env({}) == Limits()
    assert Limits.from_env({"BOTSIM_MAX_TEAM_SIZE": "15"}).max_team_size == 15
    monkeypatch.setenv("BOTSIM_MAX_TEAM_SIZE", "15")
    with pytest.raises(ScenarioError, match="team-size limit of 15"):
        load_scenario(MANILA)
    monkeypatch.setenv("BOTSIM_MAX_TEAM_SIZE", "lots")
    with pytest.raises(ScenarioError, match="BOTSIM_MAX_TEAM_SIZE='lots' is not a number"):
        load_scenario(MANILA)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_team_size": MAX_TEAM_SIZE + 1}, "above the schema ceiling"),
        ({"max_nodes": 0}, "must be positive"),
        ({"memory_fraction": 1.5}, "at most 1"),
        ({"max_depth": True}, "must be a number"),
    ],
)
def test_limits_are_validated(changes: dict, message: str):
    with pytest.raises(LimitError, match=message):
        Limits(**changes)


def test_memory_estimate_grows_with_replications_horizon_and_team():
    base = load_scenario(MANILA)
    longer = load_scenario(MANILA, ["horizon_months=120"])
    bigger = load_scenario(MANILA, ["roles[0].plan[0].headcount=2000"])
    e = estimate_run_memory(base, 1000)
    assert estimate_run_memory(base, 2000) > e > estimate_run_memory(base, 10) > BASE_BYTES
    assert estimate_run_memory(longer, 1000) > e
    assert estimate_run_memory(bigger, 1000) > e
    assert estimate_run_memory(base, 1000, workers=4) > e


def test_memory_estimate_covers_a_measured_run():
    """The estimate (without its fixed interpreter allowance) bounds the traced peak."""
    from botsim.experiment.runner import run_experiment

    scenario = load_scenario(MANILA, ["horizon_months=12"])
    run_experiment(scenario, 1)  # imports and caches outside the measurement
    tracemalloc.start()
    try:
        run_experiment(scenario, 30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = estimate_run_memory(scenario, 30) - BASE_BYTES
    assert peak <= estimate, (peak, estimate)
    assert estimate < 20 * peak, "the estimate should not be absurdly pessimistic"


def test_check_run_memory_refuses_with_the_estimate():
    scenario = load_scenario(MANILA)
    need = estimate_run_memory(scenario, 100_000)
    with pytest.raises(LimitError) as exc:
        check_run_memory(scenario, 100_000, available=need // 2)
    text = str(exc.value)
    assert "100,000 replications of 'manila-finance-20'" in text
    assert f"about {need / 1e6:,.0f} MB" in text
    assert "use at most about" in text
    assert check_run_memory(scenario, 100, available=10**12) == estimate_run_memory(scenario, 100)
