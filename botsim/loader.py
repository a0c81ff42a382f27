"""Reading scenario and profile files safely, merging profiles, applying ``--set`` overrides.

Scenario files are data. YAML is read with ruamel.yaml's safe, pure-Python YAML 1.2 loader (no
tags that construct objects; ``NO`` stays the string "NO"), TOML with ``tomllib``. Files are
size-, depth- and node-count-limited before validation, so an alias bomb or a huge file is refused
with a clear message instead of exhausting memory. Every problem is raised as
:class:`ScenarioError`, which names the file, the field path and the bad value.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from botsim.scenario import LocationValues, Scenario

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_FILE_BYTES = 1_000_000
"""Scenario and profile files larger than this are refused (a real scenario is a few KB)."""
MAX_NODES = 100_000
"""Limit on mappings, lists and scalars visited in one document (stops alias bombs)."""
MAX_DEPTH = 32
"""Limit on nesting depth of one document (the schema itself is at most ~6 deep)."""

_DIST_TAGS = {"fixed", "exponential", "lognormal", "triangular", "uniform", "empirical"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and the offending value."""

    path: str
    message: str
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        got = f", got {_short(self.value)}" if self.has_value else ""
        return f"{where}{self.message}{got}"


@dataclass
class ScenarioError(Exception):
    """A scenario (or profile) could not be loaded; carries every problem found."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.source}: invalid scenario ({len(self.problems)} problem(s))"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(source: str, message: str, path: str = "", value: Any = None, has_value: bool = False):
    raise ScenarioError(source, [Problem(path, message, value, has_value)])


# --------------------------------------------------------------------------- reading documents


def _parse_yaml(text: str, source: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="safe", pure=True)
    try:
        return yaml.load(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        _fail(source, f"not valid YAML at {where}: {exc.problem or exc}")
    except (YAMLError, RecursionError) as exc:
        _fail(source, f"not valid YAML: {exc}")


def parse_document(text: str, source: str, fmt: str = "yaml") -> dict[str, Any]:
    """Parse YAML or TOML text into a plain, size-checked mapping."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        _fail(source, f"file is larger than the {MAX_FILE_BYTES:,}-byte limit")
    if "\x00" in text:
        _fail(source, "file contains NUL bytes: it looks binary, not a YAML or TOML scenario")
    if fmt == "toml":
        try:
            doc: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            _fail(source, f"not valid TOML: {exc}")
    else:
        doc = _parse_yaml(text, source)
    if doc is None:
        _fail(source, "file is empty: expected a mapping of scenario fields")
    if not isinstance(doc, dict):
        _fail(
            source,
            f"expected a mapping of scenario fields at the top level, got {type(doc).__name__}",
        )
    _check_shape(doc, source)
    return doc


def _check_shape(doc: Any, source: str) -> None:
    """Refuse documents that are too deep or too large once aliases are expanded."""
    stack: list[tuple[Any, int]] = [(doc, 0)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            _fail(source, f"document expands to more than {MAX_NODES:,} values (alias bomb?)")
        if depth > MAX_DEPTH:
            _fail(source, f"document is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    _fail(source, "every key must be a string", value=key, has_value=True)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


def read_document(path: str | Path) -> dict[str, Any]:
    """Read a YAML (``.yaml``/``.yml``) or TOML (``.toml``) file into a mapping."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        _fail(source, "file not found")
    if path.is_dir():
        _fail(source, "is a directory, expected a scenario file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            _fail(source, f"file is {size:,} bytes, above the {MAX_FILE_BYTES:,}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        _fail(source, f"cannot read file: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(source, f"file is not UTF-8 text (bad byte at offset {exc.start})")
    fmt = "toml" if path.suffix.lower() == ".toml" else "yaml"
    return parse_document(text, source, fmt)


# --------------------------------------------------------------------------- profiles


class Profile(BaseModel):
    """A built-in or user location profile: values with a source for each."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    as_of: dt.date = Field(description="Date the values were last checked.")
    currency: str = "USD"
    description: str = ""
    values: LocationValues
    sources: dict[str, str] = Field(description="Dotted field path -> source or 'assumption: ...'.")


PROFILE_DIR = "botsim.profiles"


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with botsim."""
    folder = resources.files(PROFILE_DIR)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _profile_document(name_or_path: str, base_dir: Path | None) -> tuple[dict[str, Any], str]:
    if name_or_path in builtin_profiles():
        ref = resources.files(PROFILE_DIR) / f"{name_or_path}.yaml"
        source = f"profile {name_or_path!r}"
        return parse_document(ref.read_text(encoding="utf-8"), source), source
    looks_like_path = any(ch in name_or_path for ch in "/\\") or name_or_path.endswith(
        (".yaml", ".yml", ".toml")
    )
    if not looks_like_path:
        close = difflib.get_close_matches(name_or_path, builtin_profiles(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(
            "profile",
            [
                Problem(
                    "profile",
                    f"unknown profile{hint}; built-in: {', '.join(builtin_profiles())}, "
                    "or give a path to a profile file",
                    name_or_path,
                    True,
                )
            ],
        )
    path = Path(name_or_path)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return read_document(path), str(path)


def load_profile(name_or_path: str, base_dir: Path | None = None) -> Profile:
    """Load and validate a profile by built-in name or file path."""
    doc, source = _profile_document(name_or_path, base_dir)
    try:
        return Profile.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc)) from None


# --------------------------------------------------------------------------- merging, overrides


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge recursively, anything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``locations[0].attrition.bands.1.voluntary`` -> ['locations', 0, 'attrition', ...]."""
    parts: list[str | int] = []
    pos = 0
    text = path.strip()
    while pos < len(text):
        if text[pos] == ".":
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"cannot parse field path {path!r} at position {pos}")
        name, index = match.groups()
        if index is not None:
            parts.append(int(index))
        elif name.isdigit():
            parts.append(int(name))
        else:
            parts.append(name)
        pos = match.end()
    if not parts:
        raise ValueError("empty field path")
    return parts


def _parse_override(text: str) -> tuple[list[str | int], Any]:
    if "=" not in text:
        raise ValueError(f"override {text!r} must look like path=value")
    path, raw = text.split("=", 1)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        value = YAML(typ="safe", pure=True).load(io.StringIO(raw)) if raw.strip() else None
    except YAMLError as exc:
        raise ValueError(f"override {text!r}: cannot read value: {exc}") from None
    return parse_path(path), value


def apply_override(doc: dict[str, Any], parts: list[str | int], value: Any, text: str) -> None:
    node: Any = doc
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = format_path(parts[: i + 1])
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise ValueError(f"override {text!r}: {where} does not exist (list has {size})")
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            if not isinstance(node, dict):
                raise ValueError(f"override {text!r}: {format_path(parts[:i])} is not a mapping")
            if last:
                node[part] = value
            else:
                if not isinstance(node.get(part), (dict, list)):
                    node[part] = {}
                node = node[part]


def format_path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --------------------------------------------------------------------------- validation


def _all_field_names() -> set[str]:
    names: set[str] = set()
    todo: list[type[BaseModel]] = [Scenario, Profile]
    seen: set[type] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for fname, finfo in model.model_fields.items():
            names.add(finfo.alias or fname)
            for sub in _submodels(finfo.annotation):
                todo.append(sub)
    return names


def _submodels(annotation: Any) -> list[type[BaseModel]]:
    import typing

    found: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found.append(tp)
        stack.extend(typing.get_args(tp))
    return found


def _problems(exc: ValidationError, prefix: list[str | int] | None = None) -> list[Problem]:
    problems = []
    known = None
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p in _DIST_TAGS)]
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        path = format_path([*(prefix or []), *loc])
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        kind = err["type"]
        value = err.get("input")
        has_value = not isinstance(value, (dict, list)) and kind != "missing"
        if kind == "extra_forbidden":
            known = known if known is not None else _all_field_names()
            key = str(loc[-1]) if loc else ""
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.7)
            message = "unknown field" + (f" (did you mean {close[0]!r}?)" if close else "")
            has_value = False
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "union_tag_invalid":
            message = f"unknown distribution; use one of {sorted(_DIST_TAGS)} or a plain number"
            value = (value or {}).get("dist") if isinstance(value, dict) else value
            has_value = True
        elif kind == "model_attributes_type" or kind == "model_type":
            message = "expected a mapping"
            has_value = True
        problems.append(Problem(path, message, value, has_value))
    return problems


def scenario_from_dict(
    doc: Mapping[str, Any],
    source: str = "<scenario>",
    overrides: Iterable[str] = (),
    base_dir: Path | None = None,
) -> Scenario:
    """Validate a scenario mapping (profiles merged, overrides applied) into a frozen Scenario."""
    doc = copy.deepcopy(dict(doc))
    parsed: list[tuple[list[str | int], Any, str]] = []
    for text in overrides:
        try:
            parts, value = _parse_override(text)
        except ValueError as exc:
            raise ScenarioError(source, [Problem("--set", str(exc))]) from None
        parsed.append((parts, value, text))

    def is_profile_path(parts: list[str | int]) -> bool:
        return len(parts) == 3 and parts[0] == "locations" and parts[2] == "profile"

    try:
        for parts, value, text in parsed:
            if is_profile_path(parts):
                apply_override(doc, parts, value, text)
    except ValueError as exc:
        raise ScenarioError(source, [Problem("--set", str(exc))]) from None

    locations = doc.get("locations")
    if isinstance(locations, list):
        merged = []
        for i, entry in enumerate(locations):
            if isinstance(entry, Mapping) and entry.get("profile") is not None:
                name = entry["profile"]
                if not isinstance(name, str):
                    raise ScenarioError(
                        source,
                        [Problem(f"locations[{i}].profile", "expected a profile name", name, True)],
                    )
                try:
                    profile = load_profile(name, base_dir)
                except ScenarioError as exc:
                    if exc.source == "profile":  # unknown name: report it where it was written
                        exc.source = source
                        exc.problems = [
                            Problem(f"locations[{i}].profile", p.message, p.value, p.has_value)
                            for p in exc.problems
                        ]
                    raise
                base = profile.values.model_dump(mode="json", by_alias=True)
                merged.append(deep_merge(base, entry))
            else:
                merged.append(entry)
        doc["locations"] = merged

    try:
        for parts, value, text in parsed:
            if not is_profile_path(parts):
                apply_override(doc, parts, value, text)
    except ValueError as exc:
        raise ScenarioError(source, [Problem("--set", str(exc))]) from None

    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc)) from None


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, merge, override and validate a scenario file. Raises :class:`ScenarioError`."""
    path = Path(path)
    doc = read_document(path)
    return scenario_from_dict(doc, str(path), overrides, base_dir=path.parent)


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The fully resolved scenario as plain data (re-loadable by :func:`scenario_from_dict`)."""
    return scenario.model_dump(mode="json", by_alias=True)


def dump_yaml(data: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()
