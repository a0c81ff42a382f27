"""The bad-input corpus: every file in ``cases/`` must be refused cleanly by the CLI.

Each case file starts with comment lines (ASCII, even when the rest is binary or not UTF-8):

    # what is wrong, in words
    # expect: <field path or -> | <fragment> | <fragment> ...

For every case, ``botsim validate FILE`` and ``botsim run FILE --outputs DIR`` must exit 2, print
the file, the field path and every fragment (the bad value and what is allowed) on stderr, show
no traceback, and create nothing: no outputs folder, and no file a hostile tag tried to write.
Cases too large or too odd to commit (a multi-MB file, a missing file, a directory, a FIFO) are
built in ``tmp_path`` by the tests further down.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from botsim.cli.main import main
from botsim.inputs.limits import MAX_FILE_BYTES

CASES = Path(__file__).parent / "cases"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Expectation:
    path: str | None  # None: a file-level problem with no field path
    fragments: tuple[str, ...]


def read_expectations(case: Path) -> list[Expectation]:
    """The ``# expect:`` header lines of a case file (read as bytes: some cases are binary)."""
    found = []
    for raw in case.read_bytes().split(b"\n"):
        if not raw.startswith(b"#"):
            break
        line = raw.decode("ascii").strip()
        if line.startswith("# expect:"):
            path, *fragments = (part.strip() for part in line[len("# expect:") :].split("|"))
            found.append(Expectation(None if path == "-" else path, tuple(fragments)))
    return found


def case_files() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.suffix in (".yaml", ".toml"))


def invoke(args: list[str], cwd: Path) -> Result:
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)  # a hostile file's relative writes and the default outputs/ land here
    try:
        return runner.invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(old)


def assert_refused(result: Result, file: str, cwd: Path, outputs: Path) -> None:
    """Exit 2 with a clean message naming the file; no traceback; nothing written."""
    stderr = result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unexpected {type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code == 2, f"exit {result.exit_code}\nstdout: {result.stdout}\n{stderr}"
    assert "Traceback" not in stderr and "Traceback" not in result.stdout
    assert file in stderr, stderr
    assert not outputs.exists() or not any(outputs.iterdir()), list(outputs.iterdir())
    assert sorted(p.name for p in cwd.iterdir()) == [], "something was created in the cwd"


def test_corpus_is_large_and_every_case_states_its_expectation():
    cases = case_files()
    assert len(cases) >= 40
    assert {p.suffix for p in cases} == {".yaml", ".toml"}
    for case in cases:
        expectations = read_expectations(case)
        assert expectations, f"{case.name} has no '# expect:' line"
        assert all(e.fragments for e in expectations), case.name


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", case_files(), ids=lambda p: p.name)
def test_case_is_refused_with_a_clear_message(case: Path, command: str, tmp_path: Path):
    cwd, outputs = tmp_path / "cwd", tmp_path / "outputs"
    cwd.mkdir()
    args = [command, str(case)]
    if command == "run":
        args += ["--outputs", str(outputs), "--replications", "2", "--no-progress"]
    result = invoke(args, cwd)
    assert_refused(result, str(case), cwd, outputs)
    for expected in read_expectations(case):
        if expected.path is not None:
            assert f"{expected.path}" in result.stderr, result.stderr
        for fragment in expected.fragments:
            assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"


# --------------------------------------------------------------------------- generated cases


def _refuse_both(path: Path, tmp_path: Path, *fragments: str, extra: tuple[str, ...] = ()) -> None:
    """`botsim validate` and `botsim run` both refuse ``path`` (with ``extra`` arguments):
    exit 2, the file named, no traceback, no folder; every fragment in the message."""
    for command in ("validate", "run"):
        cwd, outputs = tmp_path / f"cwd-{command}", tmp_path / f"out-{command}"
        cwd.mkdir()
        args = [command, str(path), *extra]
        if command == "run":
            args += ["--outputs", str(outputs), "--no-progress"]
        result = invoke(args, cwd)
        assert_refused(result, str(path), cwd, outputs)
        for fragment in fragments:
            assert fragment in result.stderr, result.stderr


def test_multi_megabyte_file_is_refused_before_reading(tmp_path: Path):
    big = tmp_path / "big.yaml"
    padding = "# " + "x" * 98 + "\n"
    big.write_text("name: big\n" + padding * 50_000, encoding="utf-8")  # 5 MB
    assert big.stat().st_size > 4_000_000
    _refuse_both(big, tmp_path, f"bytes, above the {MAX_FILE_BYTES:,}-byte limit", "max_file_bytes")


def test_multi_megabyte_toml_is_refused(tmp_path: Path):
    big = tmp_path / "big.toml"
    big.write_text('name = "big"\ndescription = "' + "y" * 3_000_000 + '"\n', encoding="utf-8")
    _refuse_both(big, tmp_path, f"above the {MAX_FILE_BYTES:,}-byte limit")


def test_missing_file(tmp_path: Path):
    _refuse_both(tmp_path / "no-such-scenario.yaml", tmp_path, "file not found")


def test_directory(tmp_path: Path):
    folder = tmp_path / "a-folder.yaml"
    folder.mkdir()
    _refuse_both(folder, tmp_path, "is a directory")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _refuse_both(fifo, tmp_path, "not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_profile_path_to_an_endless_device_is_refused(tmp_path: Path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: s\nhorizon_months: 12\nlocations:\n  - {name: x, profile: /dev/zero}\n"
        "roles:\n  - {name: a, location: x, plan: [{month: 0, headcount: 1}]}\n",
        encoding="utf-8",
    )
    _refuse_both(
        scenario, tmp_path, "/dev/zero", "not a regular file", "locations[0].profile: profile file"
    )


@pytest.mark.parametrize(
    ("override", "fragments"),
    [
        ("horizon_mnths=12", ["horizon_mnths", "did you mean 'horizon_months'?"]),
        ("roles[3].plan[0].headcount=5", ["roles[3] is out of range", "has 1 item(s)"]),
        ("roles[0].plan[x]=5", ["cannot read field path", "[0], [1]"]),
        ("horizon_months=[1, 2", ["cannot read the value", "[1, 2"]),
        ("horizon_months", ["must look like path=value"]),
        ("=12", ["empty field path"]),
        ("horizon_months.years=3", ["horizon_months is int 60, not a mapping or list"]),
        ("name[0]=x", ["name is str 'manila-finance-20', not a mapping or list"]),
        ("name=!!python/object/apply:os.system [ls]", ["cannot read the value", "python/object"]),
        ("locations[0].recruiting.no_show=1.5", ["recruiting.no_show", "less than 1", "got 1.5"]),
        ("roles[0].plan[0].headcount=1000000", ["team-size limit", "got 1000000"]),
    ],
)
def test_bad_set_overrides(override: str, fragments: list[str], tmp_path: Path):
    scenario = ROOT / "scenarios" / "manila-finance-20.yaml"
    _refuse_both(scenario, tmp_path, *fragments, extra=("--set", override))


@pytest.mark.parametrize("command", ["validate", "run"])
def test_end_to_end_process_exit_code_and_no_traceback(command: str, tmp_path: Path):
    """A real ``python -m botsim`` process: exit status 2, no traceback, the tag not executed."""
    case = CASES / "python-tag.yaml"
    outputs = tmp_path / "outputs"
    args = [sys.executable, "-m", "botsim", command, str(case)]
    if command == "run":
        args += ["--outputs", str(outputs)]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert str(case) in proc.stderr
    assert "tags that construct objects are not allowed" in proc.stderr
    assert list(tmp_path.iterdir()) == []  # no BOTSIM_PWNED, no outputs/
