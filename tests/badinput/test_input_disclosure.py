"""A scenario, a ``--set``, a sweep or a link must not make botsim print another file's content.

``profile:`` may name any path, and a scenario or its folder may come from someone else. Every
route below points botsim at a file holding secret-looking lines and checks that the refusal
(exit 2, the file named, no traceback, nothing written) never echoes them. The last tests check
that a file with tens of thousands of mistakes prints a bounded number of lines.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from botsim.cli.options import MAX_ERROR_LINES
from botsim.inputs.loader import MAX_PROBLEMS_SHOWN, MAX_UNKNOWN_FIELDS_SHOWN
from tests.badinput.test_corpus import invoke

SECRETS = ("sk-live-4f9a0c", "hunter2", "AKIAEXAMPLE77", "root:$6$saltsalt$hash")
SECRET_TEXT = (
    "API_KEY: sk-live-4f9a0c\n"
    "DB_PASSWORD: hunter2\n"
    "AWS_ACCESS_KEY_ID: AKIAEXAMPLE77\n"
    "root:$6$saltsalt$hash:19000:0:99999:7:::\n"
)
NEEDS_SYMLINKS = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")


def scenario_text(profile: str) -> str:
    return (
        "name: s\nhorizon_months: 12\n"
        f"locations:\n  - {{name: x, profile: '{profile}'}}\n"
        "roles:\n  - {name: a, location: x, family: customer_experience, "
        "plan: [{month: 0, headcount: 1}]}\n"
    )


def assert_no_disclosure(args: list[str], tmp_path: Path, *fragments: str) -> str:
    """Run ``args`` in an empty folder: exit 2, no secret, no traceback, nothing written."""
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = invoke(args, cwd)
    output = result.stdout + result.stderr
    assert result.exit_code == 2, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    for secret in SECRETS:
        assert secret not in output, output
    for key in ("API_KEY", "DB_PASSWORD", "AWS_ACCESS_KEY_ID"):
        assert key not in output, output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert list(cwd.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    return result.stderr


def secret_file(tmp_path: Path, name: str, text: str = SECRET_TEXT) -> Path:
    path = tmp_path / "private" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    ("name", "text", "fragments"),
    [
        ("shadow", SECRET_TEXT, ["not read: only .yaml, .yml, .toml files"]),
        (".env", SECRET_TEXT, ["not read: only .yaml, .yml, .toml files"]),
        ("secrets.yaml", SECRET_TEXT, ["not a botsim profile", "4 other top-level key(s)"]),
        ("secrets.toml", 'API_KEY = "sk-live-4f9a0c"\nDB_PASSWORD = "hunter2"\n', ["not a botsim"]),
        ("note.yaml", "sk-live-4f9a0c hunter2 AKIAEXAMPLE77\n", ["got a str (content not shown)"]),
        ("list.yaml", "- sk-live-4f9a0c\n- hunter2\n", ["got a list (content not shown)"]),
        ("alias.yaml", "a: [*sk-live-4f9a0c, hunter2]\n", ["not valid YAML at line 1"]),
        ("broken.toml", "API_KEY = sk-live-4f9a0c\n", ["not valid TOML"]),
        (
            "keys.yaml",
            "name: x\nas_of: 2024-01-01\nvalues: {}\nsources: {}\nDB_PASSWORD: hunter2\n",
            ["not a botsim profile", "1 other top-level key(s), not shown"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_profile_path_never_echoes_the_file(
    command: str, name: str, text: str, fragments: list[str], tmp_path: Path
):
    secret = secret_file(tmp_path, name, text)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text(os.path.relpath(secret, tmp_path)), encoding="utf-8")
    args = [command, str(scenario)]
    if command == "run":
        args += ["--outputs", str(tmp_path / "out"), "--no-progress"]
    stderr = assert_no_disclosure(args, tmp_path, "locations[0].profile: profile file", *fragments)
    assert str(scenario) in stderr
    assert name in stderr  # reported by name


def test_traversal_to_a_system_file_is_refused_by_name(tmp_path: Path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text("../../../../../../../../etc/passwd"), encoding="utf-8")
    stderr = assert_no_disclosure(["validate", str(scenario)], tmp_path, "etc/passwd")
    assert "root:" not in stderr


@NEEDS_SYMLINKS
def test_profile_link_to_a_file_without_a_profile_suffix_is_refused(tmp_path: Path):
    secret = secret_file(tmp_path, "credentials")
    (tmp_path / "team.yaml").symlink_to(secret)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text("team.yaml"), encoding="utf-8")
    assert_no_disclosure(
        ["validate", str(scenario)], tmp_path, "team.yaml", f"links to {secret.resolve()}"
    )


def test_set_override_of_the_profile_never_echoes_the_file(tmp_path: Path):
    secret = secret_file(tmp_path, "secrets.yaml")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text("philippines"), encoding="utf-8")
    for path in (secret, secret.with_name("shadow")):
        path.write_text(SECRET_TEXT, encoding="utf-8")
        assert_no_disclosure(
            ["validate", str(scenario), "--set", f"locations[0].profile={path}"],
            tmp_path,
            "locations[0].profile: profile file",
        )


def test_sweep_values_never_echo_the_file(tmp_path: Path):
    secret_file(tmp_path, "secrets.yaml")
    secret_file(tmp_path, "shadow")
    (tmp_path / "base.yaml").write_text(scenario_text("philippines"), encoding="utf-8")
    sweep = tmp_path / "sw.yaml"
    sweep.write_text(
        "name: leak\nmode: grid\nbase: base.yaml\nparameters:\n"
        "  - {name: where, path: 'locations[0].profile', "
        "values: [private/secrets.yaml, private/shadow]}\n",
        encoding="utf-8",
    )
    args = ["sweep", str(sweep), "--dry-run", "--outputs", str(tmp_path / "out")]
    assert_no_disclosure(args, tmp_path, "profile file")


@NEEDS_SYMLINKS
def test_linked_scenario_file_to_a_non_yaml_file_is_refused(tmp_path: Path):
    secret = secret_file(tmp_path, "id_rsa", "-----BEGIN OPENSSH PRIVATE KEY----- hunter2\n")
    link = tmp_path / "team.yaml"
    link.symlink_to(secret)
    assert_no_disclosure(["validate", str(link)], tmp_path, "team.yaml", "links to")


@NEEDS_SYMLINKS
def test_linked_scenario_file_to_a_yaml_secret_is_reported_by_a_count(tmp_path: Path):
    link = tmp_path / "team.yaml"
    link.symlink_to(secret_file(tmp_path, "secrets.yaml"))
    assert_no_disclosure(
        ["validate", str(link)], tmp_path, "does not look like a botsim scenario", "4 of its 4"
    )


def test_profiles_show_never_echoes_the_file(tmp_path: Path):
    secret = secret_file(tmp_path, "secrets.yaml")
    assert_no_disclosure(["profiles", "show", str(secret)], tmp_path, "not a botsim profile")


# --------------------------------------------------------------------------- bounded output


def _unknown_keys(count: int) -> str:
    return "{" + ",".join(f"k{i}: 0" for i in range(count)) + "}"


def test_seventy_thousand_unknown_keys_print_a_few_lines(tmp_path: Path):
    scenario = tmp_path / "many.yaml"
    scenario.write_text(
        "name: s\nhorizon_months: 12\nlocations:\n  - name: x\n    profile: philippines\n"
        f"    recruiting: {_unknown_keys(70_000)}\n"
        "roles:\n  - {name: a, location: x, plan: [{month: 0, headcount: 1}]}\n",
        encoding="utf-8",
    )
    result = invoke(["validate", str(scenario)], tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) <= MAX_UNKNOWN_FIELDS_SHOWN + 2, result.stderr[:2000]
    assert "(70000 problem(s))" in lines[0]
    assert "locations[0].recruiting.k0: unknown field" in result.stderr
    assert f"and {70_000 - MAX_UNKNOWN_FIELDS_SHOWN:,} more unknown fields" in result.stderr


def test_unknown_keys_in_a_profile_file_are_capped_too(tmp_path: Path):
    profile = (Path(__file__).parent / "profiles" / "broken.yaml").read_text(encoding="utf-8")
    stray = "".join(f"  k{i}: 0\n" for i in range(5_000))  # unknown fields under values
    profile = profile.replace("  country: Philippines\n", "  country: Philippines\n" + stray)
    (tmp_path / "mine.yaml").write_text(profile, encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text("mine.yaml"), encoding="utf-8")
    result = invoke(["validate", str(scenario)], tmp_path)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) <= MAX_PROBLEMS_SHOWN + 2, result.stderr[:2000]
    assert f"and {5_000 - MAX_UNKNOWN_FIELDS_SHOWN:,} more unknown fields" in result.stderr


def test_every_problem_list_is_capped(tmp_path: Path):
    roles = "".join(
        f"  - {{name: r{i}, location: x, plan: [{{month: 0, headcount: -1}}]}}\n"
        for i in range(200)
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: s\nhorizon_months: 12\nlocations:\n  - {name: x, profile: philippines}\n"
        f"roles:\n{roles}",
        encoding="utf-8",
    )
    result = invoke(["validate", str(scenario)], tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == MAX_PROBLEMS_SHOWN + 2, result.stderr
    assert "(200 problem(s))" in lines[0]
    assert lines[-1].endswith(f"and {200 - MAX_PROBLEMS_SHOWN} more problems (fix these first)")


def test_any_long_error_message_is_capped_at_the_cli(tmp_path: Path):
    """A sweep file's own problem list (not a scenario's) goes through the CLI's cap."""
    (tmp_path / "base.yaml").write_text(scenario_text("philippines"), encoding="utf-8")
    sweep = tmp_path / "sw.yaml"
    params = "  - {name: '1x', path: '', values: []}\n" * 20  # 3 problems each
    sweep.write_text(
        f"name: many\nmode: grid\nbase: base.yaml\nparameters:\n{params}", encoding="utf-8"
    )
    result = invoke(["sweep", str(sweep), "--dry-run"], tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == MAX_ERROR_LINES + 1, result.stderr[:3000]
    assert lines[-1].endswith("more problems")
