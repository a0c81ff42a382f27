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
import functools
import io
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from botsim.inputs.distributions import DISTRIBUTION_NAMES
from botsim.inputs.limits import (
    DEFAULT_LIMITS,
    LimitError,
    Limits,
    check_scenario_limits,
)
from botsim.inputs.scenario import LocationValues, Scenario

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".toml")
"""The only file names botsim reads as scenario, profile or sweep documents (checked on the path
as given and on the file it resolves to, so a ``team.yaml`` link to ``~/.ssh/id_rsa`` is
refused by name before it is read)."""
MAX_PROBLEMS_SHOWN = 20
"""Problems printed for one file; the rest are counted ("and N more problems"). A screenful: a
file with 70,000 mistakes must not print 70,000 lines."""
MAX_UNKNOWN_FIELDS_SHOWN = 5
"""Unknown fields named one by one; the rest are counted ("and N more unknown fields")."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and the offending value."""

    path: str
    message: str
    value: Any = None
    has_value: bool = False
    count: int = 1  # more than 1 for a line that stands for several problems ("and N more")

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
        total = sum(getattr(p, "count", 1) for p in self.problems)
        header = f"{self.source}: invalid scenario ({total} problem(s))"
        return format_problems(header, self.problems)


def format_problems(header: str, problems: Iterable[Any], limit: int = MAX_PROBLEMS_SHOWN) -> str:
    """``header`` and one ``  - problem`` line each, at most ``limit`` of them, then
    ``  - ... and N more problems``."""
    problems = list(problems)
    lines = [header, *(f"  - {p}" for p in problems[:limit])]
    if len(problems) > limit:
        lines.append(f"  - ... and {len(problems) - limit} more problems (fix these first)")
    return "\n".join(lines)


def _short(value: Any) -> str:
    """A bounded, never-failing repr of a bad value for an error message."""
    if isinstance(value, dict):
        keys = ", ".join(_short(k) for k in list(value)[:5])
        return f"a mapping with keys [{keys}{', ...' if len(value) > 5 else ''}]"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails must not hide the real problem
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(source: str, message: str, path: str = "", value: Any = None, has_value: bool = False):
    raise ScenarioError(source, [Problem(path, message, value, has_value)])


# --------------------------------------------------------------------------- reading documents


def _one_line(text: Any, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    if "integer string conversion" in text:  # Python's guard against huge int literals
        text = "an integer literal is too long (more than 4300 digits)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'")
_COMMENT = re.compile(r"(?:^|\s)#.*$")


def _deepest_flow_line(text: str, limit: int) -> int | None:
    """First line where ``[``/``{`` nesting exceeds ``limit``, or None.

    The pure-Python YAML reader slows down quadratically with flow nesting (a 1 MB file of
    ``[`` would take hours), so deep flow nesting is refused before parsing. Quoted strings and
    comments are skipped line by line; the count is a heuristic that can only err on documents
    with more than ``limit`` unbalanced brackets inside multi-line strings.
    """
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        if "[" not in line and "{" not in line and depth == 0:
            continue
        line = _COMMENT.sub("", _QUOTED.sub("", line))
        for char in line:
            if char in "[{":
                depth += 1
                if depth > limit:
                    return number
            elif char in "]}":
                depth = max(depth - 1, 0)
    return None


def _unquoted(problem: str, quote: bool) -> str:
    """A parser's message; without ``quote``, its quoted snippets of the file are cut out."""
    return problem if quote else _QUOTED.sub("(...)", problem)


def _timestamp_or_text(constructor: Any, node: Any) -> Any:
    """A YAML date as a date; one that looks like a date but is none (2026-13-01) as its
    text, so that the schema names the field it is in (issue 17: start_date)."""
    try:
        return type(constructor).construct_yaml_timestamp(constructor, node)
    except ValueError:
        return constructor.construct_scalar(node)


def _parse_yaml(text: str, source: str, quote: bool = True) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # "safe" = only plain data types (no tags that construct Python objects); pure-Python
    # YAML 1.2 loader, so `NO`/`yes`/`off` stay strings and `0777` is not octal.
    yaml = YAML(typ="safe", pure=True)
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
    try:
        return yaml.load(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or str(exc)
        if "could not determine a constructor for the tag" in problem:
            problem = (
                f"{problem}: scenario files are plain data, tags that construct objects are "
                "not allowed"
            )
        _fail(source, f"not valid YAML{where}: {_unquoted(_one_line(problem), quote)}")
    except RecursionError:
        _fail(source, "not valid YAML: nested too deeply to read")
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if not quote:  # str(exc) can show the offending line of the file
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            _fail(source, f"not valid YAML{where} (details not shown for this file)")
        _fail(source, f"not valid YAML: {_one_line(exc)}")
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        _fail(source, f"not valid YAML: {_unquoted(_one_line(exc), quote)}")


def _parse_toml(text: str, source: str, quote: bool = True) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _fail(source, f"not valid TOML: {_unquoted(_one_line(exc), quote)}")
    except RecursionError:
        _fail(source, "not valid TOML: nested too deeply to read")
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        _fail(source, f"not valid TOML: {_unquoted(_one_line(exc), quote)}")


def parse_document(
    text: str,
    source: str,
    fmt: str = "yaml",
    limits: Limits = DEFAULT_LIMITS,
    quote: bool = True,
) -> dict[str, Any]:
    """Parse YAML or TOML text into a plain, size-checked mapping.

    With ``quote=False`` (profile files, which a scenario may point anywhere) no message quotes
    the file's content: parser messages lose their quoted snippets and a wrong top level is
    named by its type only.
    """
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_file_bytes:
        _fail(
            source,
            f"file is larger than the {limits.max_file_bytes:,}-byte limit (limits.max_file_bytes)",
        )
    if "\x00" in text:
        _fail(source, "file contains NUL bytes: it looks binary, not a YAML or TOML scenario")
    if fmt != "toml":
        line = _deepest_flow_line(text, limits.max_depth)
        if line is not None:
            _fail(
                source,
                f"document is nested deeper than {limits.max_depth} levels at line {line} "
                "(limits.max_depth)",
            )
    parse = _parse_toml if fmt == "toml" else _parse_yaml
    doc = parse(text, source, quote)
    if doc is None or doc == {}:
        _fail(source, "file is empty: expected a mapping of scenario fields")
    if not isinstance(doc, dict):
        got = _kind(doc) if quote else f"a {type(doc).__name__} (content not shown)"
        _fail(
            source,
            "expected a mapping of scenario fields (name: ..., horizon_months: ...) at the top "
            f"level, got {got}",
        )
    _check_shape(doc, source, limits, quote)
    return doc


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {_short(value)}"


def _check_shape(
    doc: Any, source: str, limits: Limits = DEFAULT_LIMITS, quote: bool = True
) -> None:
    """Refuse documents that are too deep or too large once aliases are expanded."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc, ())]
    visited = 0
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > limits.max_nodes:
            _fail(
                source,
                f"document expands to more than {limits.max_nodes:,} values once YAML aliases "
                "are expanded (an alias bomb?); limits.max_nodes",
            )
        if len(path) > limits.max_depth:
            _fail(
                source,
                f"document is nested deeper than {limits.max_depth} levels (limits.max_depth)",
                format_path(path[: limits.max_depth]) + "...",
            )
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    if not quote:
                        _fail(source, f"every key must be a string, found a {type(key).__name__}")
                    _fail(
                        source,
                        "every key must be a string",
                        format_path([*path, _short(key)]),
                        key,
                        True,
                    )
                stack.append((value, (*path, key)))
        elif isinstance(node, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(node))


def _check_suffix(path: Path, source: str) -> None:
    """Refuse a regular file whose name, or whose resolved name, is not .yaml/.yml/.toml."""
    allowed = ", ".join(DOCUMENT_SUFFIXES)
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        _fail(source, f"not read: only {allowed} files are read as scenario or profile files")
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # a link loop
        _fail(source, f"cannot resolve the file name: {getattr(exc, 'strerror', None) or exc}")
    if resolved.suffix.lower() not in DOCUMENT_SUFFIXES:
        _fail(
            source,
            f"not read: it links to {resolved}, which is not a {allowed} file "
            "(only such files are read as scenario or profile files)",
        )


def read_document(
    path: str | Path,
    limits: Limits = DEFAULT_LIMITS,
    quote: bool = True,
) -> dict[str, Any]:
    """Read a YAML (``.yaml``/``.yml``) or TOML (``.toml``) file into a mapping.

    Only regular files named ``.yaml``, ``.yml`` or ``.toml`` (after following links) are read;
    ``quote=False`` keeps the file's content out of every message (see :func:`parse_document`).
    """
    path = Path(path)
    source = str(path)
    try:
        if not path.exists():
            _fail(source, "file not found")
        if path.is_dir():
            _fail(source, "is a directory, expected a scenario file")
        if not path.is_file():  # a FIFO, socket or device could block or never end
            _fail(source, "is not a regular file, expected a scenario file")
        _check_suffix(path, source)
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            _fail(
                source,
                f"file is {size:,} bytes, above the {limits.max_file_bytes:,}-byte limit "
                "(limits.max_file_bytes)",
            )
        with path.open("rb") as handle:  # bounded read: the size may change after stat()
            raw = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        _fail(source, f"cannot read file: {exc.strerror or exc}")
    except ValueError as exc:  # e.g. a path with a NUL byte
        _fail(source, f"cannot read file: {exc}")
    if len(raw) > limits.max_file_bytes:
        _fail(source, f"file is above the {limits.max_file_bytes:,}-byte limit")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(
            source,
            f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8",
        )
    fmt = "toml" if path.suffix.lower() == ".toml" else "yaml"
    return parse_document(text, source, fmt, limits, quote)


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


PROFILE_DIR = "botsim.inputs.profiles"


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with botsim."""
    folder = resources.files(PROFILE_DIR)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _profile_document(
    name_or_path: str, base_dir: Path | None, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], str]:
    if name_or_path in builtin_profiles():
        ref = resources.files(PROFILE_DIR) / f"{name_or_path}.yaml"
        source = f"profile {name_or_path!r}"
        return parse_document(ref.read_text(encoding="utf-8"), source), source
    looks_like_path = any(ch in name_or_path for ch in "/\\") or name_or_path.endswith(
        (".yaml", ".yml", ".toml")
    )
    if (
        not looks_like_path
        and base_dir is not None
        and (base_dir / f"{name_or_path}.yaml").is_file()
    ):
        # A user profile (e.g. written by `botsim calibrate --name NAME`) next to the scenario.
        name_or_path = f"{name_or_path}.yaml"
        looks_like_path = True
    if not looks_like_path:
        close = difflib.get_close_matches(name_or_path, builtin_profiles(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(
            "profile",
            [
                Problem(
                    "profile",
                    f"unknown profile{hint}; built-in: {', '.join(builtin_profiles())}, "
                    "a NAME.yaml profile next to the scenario, or a path to a profile file",
                    name_or_path,
                    True,
                )
            ],
        )
    path = Path(name_or_path)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    # A scenario may name any path here: never quote what the file holds (see check_profile_shape).
    return read_document(path, limits, quote=False), str(path)


def check_profile_shape(doc: Mapping[str, Any], source: str) -> None:
    """Refuse a document that is not shaped like a profile, without quoting its content.

    A profile's top level has exactly the fields of :class:`Profile`, with ``name``, ``as_of``,
    ``values`` and ``sources`` present. A file that fails this (a ``secrets.yaml`` a scenario's
    ``profile:`` points at) is reported by the field names the schema knows and a count of the
    other keys, never by its keys or values. Only a file with a profile's shape gets the usual
    detailed messages, which quote its values.
    """
    fields = {finfo.alias or name: finfo for name, finfo in Profile.model_fields.items()}
    missing = [name for name, finfo in fields.items() if finfo.is_required() and name not in doc]
    unknown = [key for key in doc if key not in fields]
    if not missing and not unknown:
        return
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if unknown:
        hints = sorted(
            {
                close[0]
                for key in unknown[:MAX_UNKNOWN_FIELDS_SHOWN]
                for close in [difflib.get_close_matches(str(key), sorted(fields), n=1)]
                if close
            }
        )
        hint = f" (did you mean {', '.join(map(repr, hints))}?)" if hints else ""
        parts.append(f"{len(unknown)} other top-level key(s), not shown{hint}")
    _fail(
        source,
        "not a botsim profile: " + "; ".join(parts) + f". A profile has {', '.join(fields)} at "
        "the top level (see `botsim profiles show philippines`); the file's content is not "
        "quoted because a scenario can point `profile:` at any file",
    )


@functools.lru_cache(maxsize=32)
def _builtin_profile(name: str) -> Profile:
    """A shipped profile, parsed and validated once per process (it is frozen package data)."""
    doc, source = _profile_document(name, None)
    try:
        return Profile.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc, root=Profile)) from None


def load_profile(
    name_or_path: str, base_dir: Path | None = None, limits: Limits = DEFAULT_LIMITS
) -> Profile:
    """Load and validate a profile by built-in name or file path."""
    if name_or_path in builtin_profiles():
        return _builtin_profile(name_or_path)
    doc, source = _profile_document(name_or_path, base_dir, limits)
    check_profile_shape(doc, source)
    try:
        return Profile.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc, root=Profile)) from None


# --------------------------------------------------------------------------- merging, overrides


def _is_distribution(value: Any) -> bool:
    return isinstance(value, Mapping) and "dist" in value


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge recursively, anything else replaces.

    A distribution (a mapping with a ``dist`` key, on either side) is one value: it replaces
    as a whole, so ``{dist: exponential, mean: 5}`` over a profile's ``{dist: fixed, value: 30}``
    does not end up with both ``value`` and ``mean``.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        old = merged.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(old, Mapping)
            and not _is_distribution(value)
            and not _is_distribution(old)
        ):
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
            raise ValueError(
                f"cannot read field path {path!r} at position {pos} (write names separated by "
                "dots and list positions as [0], [1], ...)"
            )
        name, index = match.groups()
        if index is not None:
            parts.append(int(index))
        elif name.isdigit():
            parts.append(int(name))
        else:
            parts.append(name.strip())
        pos = match.end()
    if not parts:
        raise ValueError("empty field path (write --set path=value)")
    return parts


def _parse_override(text: str) -> tuple[list[str | int], Any]:
    if "=" not in text:
        raise ValueError(f"override {text!r} must look like path=value")
    path, raw = text.split("=", 1)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        value = YAML(typ="safe", pure=True).load(io.StringIO(raw)) if raw.strip() else None
    except (YAMLError, ValueError, RecursionError) as exc:
        raise ValueError(
            f"override {text!r}: cannot read the value {raw!r} as YAML "
            f"({_one_line(getattr(exc, 'problem', None) or exc, 120)})"
        ) from None
    return parse_path(path), value


def apply_override(doc: dict[str, Any], parts: list[str | int], value: Any, text: str) -> None:
    """Set ``value`` at ``parts`` in ``doc``; missing mappings on the way are created."""
    node: Any = doc
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = format_path(parts[: i + 1])
        parent = format_path(parts[:i]) or "the scenario"
        if isinstance(part, int):
            if not isinstance(node, list):
                raise ValueError(
                    f"override {text!r}: {parent} is {_kind(node)}, not a list; "
                    f"{where} does not exist"
                )
            if part >= len(node):
                raise ValueError(
                    f"override {text!r}: {where} is out of range "
                    f"({parent} has {len(node)} item(s), positions 0 to {len(node) - 1})"
                )
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            if not isinstance(node, dict):
                raise ValueError(
                    f"override {text!r}: {parent} is {_kind(node)}, not a mapping; "
                    f"cannot set {where}"
                )
            if last:
                node[part] = value
            else:
                current = node.get(part)
                if current is None:
                    node[part] = current = {}
                elif not isinstance(current, (dict, list)):
                    raise ValueError(
                        f"override {text!r}: {where} is {_kind(current)}, not a mapping or list"
                    )
                node = current


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


@functools.lru_cache(maxsize=4)
def _field_homes(root: type[BaseModel]) -> dict[str, list[str]]:
    """Each field name of ``root``'s schema -> the paths of the fields of that name, shortest
    first, as a user writes them (``locations[i].recruiting``): where a field put in the wrong
    section belongs."""
    import typing

    def in_list(annotation: Any) -> bool:
        stack = [annotation]
        while stack:
            tp = stack.pop()
            if typing.get_origin(tp) is list:
                return True
            stack.extend(a for a in typing.get_args(tp) if not isinstance(a, (str, int)))
        return False

    homes: dict[str, list[str]] = {}
    queue: list[tuple[type[BaseModel], str]] = [(root, "")]
    seen: set[type] = set()
    while queue:  # breadth first: the shortest path wins
        model, prefix = queue.pop(0)
        if model in seen:
            continue
        seen.add(model)
        for fname, finfo in model.model_fields.items():
            name = finfo.alias or fname
            path = f"{prefix}.{name}" if prefix else name
            homes.setdefault(name, []).append(path)
            step = path + ("[i]" if in_list(finfo.annotation) else "")
            queue.extend((sub, step) for sub in _submodels(finfo.annotation))
    return homes


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


def _sibling_fields(root: type[BaseModel], loc: list[str | int]) -> set[str] | None:
    """Field names of the model that holds ``loc[-1]``, or None if it cannot be told."""
    models: list[type[BaseModel]] = [root]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue  # list position: same element model
        nxt: list[type[BaseModel]] = []
        for model in models:
            for fname, finfo in model.model_fields.items():
                if part in (fname, finfo.alias):
                    nxt += _submodels(finfo.annotation)
        if not nxt:
            return None
        models = nxt
    names = {finfo.alias or f for m in models for f, finfo in m.model_fields.items()}
    return names or None


_NAME_PATTERN_HELP = (
    "must be 1-64 characters: letters, digits, spaces, '_', '.', '-', starting with a letter "
    "or digit"
)
_LIMIT_NAMES = {
    "horizon_months": "the horizon limit (botsim.inputs.limits.MAX_HORIZON_MONTHS)",
    "headcount": "the team-size limit per role (botsim.inputs.limits.MAX_TEAM_SIZE)",
    "replications": "the replications limit (botsim.inputs.limits.MAX_REPLICATIONS)",
}


AUTO_MEMBER = "literal['auto']"
"""The union member pydantic names in the error path of a number-or-"auto" field."""
NUMBER_MEMBERS = ("constrained-float", "constrained-int", "float", "int")
"""Union members of a number-or-"auto" field: the error is reported at the field itself."""


def _problems(
    exc: ValidationError,
    prefix: list[str | int] | None = None,
    root: type[BaseModel] = Scenario,
) -> list[Problem]:
    """Turn pydantic errors into :class:`Problem` lines a scenario author can act on."""
    problems = []
    known = None
    unknown_fields = 0
    for err in exc.errors(include_url=False):
        if err["type"] == "extra_forbidden":
            unknown_fields += 1
            if unknown_fields > MAX_UNKNOWN_FIELDS_SHOWN:
                continue  # counted below; no suggestion work for a file of 70,000 stray keys
        raw_loc = list(err["loc"])
        if len(raw_loc) >= 2 and raw_loc[-2] == "fixed" and raw_loc[-1] == "value":
            raw_loc = raw_loc[:-1]  # a bare number: report it where it was written
        loc = [p for p in raw_loc if not (isinstance(p, str) and p in DISTRIBUTION_NAMES)]
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        # A number-or-"auto" field: report once, at the field, not once per member of the union.
        if loc and loc[-1] == AUTO_MEMBER:
            continue
        auto = bool(loc) and loc[-1] in NUMBER_MEMBERS
        loc = loc[:-1] if auto else loc
        path = format_path([*(prefix or []), *loc])
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        kind = err["type"]
        ctx = err.get("ctx") or {}
        value = err.get("input")
        has_value = kind not in ("missing", "extra_forbidden")
        if kind == "value_error" and isinstance(value, (dict, list)):
            has_value = False  # a cross-field rule: its message quotes the offending values
        if kind == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            siblings = _sibling_fields(root, loc) if loc else None
            if siblings:
                close = difflib.get_close_matches(key, sorted(siblings), n=1, cutoff=0.6)
            else:
                known = known if known is not None else _all_field_names()
                close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.7)
            home = _field_homes(root).get(key) if siblings else None
            if home is not None:  # a real field, in the wrong section
                close = []
                where = ", ".join(home[:3]) + (", ..." if len(home) > 3 else "")
                message = f"unknown field here; {key!r} is a field at {where}"
            else:
                message = "unknown field" + (f" (did you mean {close[0]!r}?)" if close else "")
            if siblings and not close and home is None and len(siblings) <= 12:
                message += f"; allowed here: {', '.join(sorted(siblings))}"
        elif kind == "missing":
            message = "required field is missing"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            message = (
                f"unknown distribution; use one of {sorted(DISTRIBUTION_NAMES)} (as `dist: NAME`) "
                "or a plain number"
            )
            value = value.get("dist") if isinstance(value, dict) else value
        elif kind in ("model_attributes_type", "model_type", "dict_type"):
            message = "expected a mapping"
        elif kind == "string_pattern_mismatch":
            pattern = str(ctx.get("pattern", ""))
            message = _NAME_PATTERN_HELP if "A-Za-z0-9_" in pattern else message
        elif kind in ("int_type", "float_type", "int_parsing", "float_parsing") and isinstance(
            value, bool
        ):
            message = f"{message} (true/false is not a number)"
        elif auto and kind in ("float_type", "int_type", "float_parsing", "int_parsing"):
            message = "Input should be a number or 'auto'"
        elif kind == "less_than_equal" and loc and loc[-1] in _LIMIT_NAMES:
            message = f"above {_LIMIT_NAMES[str(loc[-1])]}: at most {ctx.get('le')}"
        problems.append(Problem(path, message, value, has_value))
    if unknown_fields > MAX_UNKNOWN_FIELDS_SHOWN:
        more = unknown_fields - MAX_UNKNOWN_FIELDS_SHOWN
        problems.append(
            Problem("", f"... and {more:,} more unknown fields (not listed)", count=more)
        )
    return problems


def check_scenario_shape(doc: Mapping[str, Any], source: str) -> None:
    """Refuse a mapping that does not look like a scenario, without quoting its keys.

    A document is taken for a scenario when at least half of its top-level keys are scenario
    fields. A scenario with a typo or two passes (its unknown keys are then named, with
    suggestions); a file that merely parses as YAML (a linked ``secrets.yaml``, a
    docker-compose file) is reported by a count, so its keys never reach the terminal.
    """
    fields = {finfo.alias or name for name, finfo in Scenario.model_fields.items()}
    unknown = [key for key in doc if key not in fields]
    if 2 * len(unknown) <= len(doc):
        return
    _fail(
        source,
        f"does not look like a botsim scenario: {len(unknown)} of its {len(doc)} top-level keys "
        "are not scenario fields (not shown); a scenario has name, horizon_months, locations, "
        "roles, ... (docs/scenario-reference.md)",
    )


def scenario_from_dict(
    doc: Mapping[str, Any],
    source: str = "<scenario>",
    overrides: Iterable[str] = (),
    base_dir: Path | None = None,
    limits: Limits | None = None,
) -> Scenario:
    """Validate a scenario mapping (profiles merged, overrides applied) into a frozen Scenario.

    ``limits`` defaults to :meth:`Limits.from_env`. Raises :class:`ScenarioError` and nothing
    else for any input.
    """
    if limits is None:
        try:
            limits = Limits.from_env()
        except LimitError as exc:
            raise ScenarioError(source, [Problem("", str(exc))]) from None
    if not isinstance(doc, Mapping):
        _fail(source, f"expected a mapping of scenario fields, got {_kind(doc)}")
    _check_shape(doc, source, limits)
    check_scenario_shape(doc, source)
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
                        [
                            Problem(
                                f"locations[{i}].profile",
                                "expected a profile name (a string) or a path to a profile file",
                                name,
                                True,
                            )
                        ],
                    )
                try:
                    profile = load_profile(name, base_dir, limits)
                except ScenarioError as exc:
                    # Report where the profile was asked for; name the profile file if it is one.
                    where = f"locations[{i}].profile"
                    prefix = "" if exc.source == "profile" else f"profile file {exc.source}: "
                    raise ScenarioError(
                        source,
                        [
                            Problem(
                                where,
                                prefix + (f"{p.path}: " if p.path and prefix else "") + p.message,
                                p.value,
                                p.has_value,
                            )
                            for p in exc.problems
                        ],
                    ) from None
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
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc)) from None
    beyond = check_scenario_limits(scenario, limits)
    if beyond:
        raise ScenarioError(source, [Problem(p, m, v, True) for p, m, v in beyond])
    return scenario


def load_scenario(
    path: str | Path, overrides: Iterable[str] = (), limits: Limits | None = None
) -> Scenario:
    """Load, merge, override and validate a scenario file. Raises :class:`ScenarioError`."""
    path = Path(path)
    if limits is None:
        try:
            limits = Limits.from_env()
        except LimitError as exc:
            raise ScenarioError(str(path), [Problem("", str(exc))]) from None
    doc = read_document(path, limits)
    return scenario_from_dict(doc, str(path), overrides, base_dir=path.parent, limits=limits)


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
