"""The scenario reference (docs/scenario-reference.md) and JSON Schema, generated from the schema.

Both documents are derived from the pydantic models of :mod:`botsim.inputs.scenario` at run time,
so a
field added there appears here without any edit: the models are walked generically through
``model_fields`` (type annotations, constraint metadata, defaults and the ``Field`` descriptions,
which carry each default's source or the word "assumption").

``python -m botsim.inputs.reference [DOCS_DIR]`` rewrites ``docs/scenario-reference.md`` and
``docs/scenario.schema.json``; ``tests/unit/test_docs.py`` fails when the committed files differ
from what this module produces.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from botsim.inputs import loader
from botsim.inputs.distributions import Distribution
from botsim.inputs.scenario import DAYS_PER_MONTH, Scenario

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:botsim:schema:scenario"
SCHEMA_FILE = "scenario.schema.json"
REFERENCE_FILE = "scenario-reference.md"

DISTRIBUTIONS: tuple[type[BaseModel], ...] = get_args(get_args(Distribution)[0])
"""The distribution classes a duration field accepts (members of the ``Distribution`` union)."""

# Mean and variance of each distribution, in the parameters' own names (for the summary table).
_DIST_MOMENTS = {
    "fixed": ("value", "0"),
    "exponential": ("mean", "mean²"),
    "lognormal": ("mean", "sd²"),
    "triangular": (
        "(low + mode + high) / 3",
        "(low² + mode² + high² − low·mode − low·high − mode·high) / 18",
    ),
    "uniform": ("(low + high) / 2", "(high − low)² / 12"),
    "empirical": ("Σ wᵢ vᵢ / Σ wᵢ", "weighted variance of the values"),
}
_DIST_EXAMPLES = {
    "fixed": "`30` or `{dist: fixed, value: 30}`",
    "exponential": "`{dist: exponential, mean: 10}`",
    "lognormal": "`{dist: lognormal, mean: 12, sd: 4}`",
    "triangular": "`{dist: triangular, low: 3, mode: 7, high: 14}`",
    "uniform": "`{dist: uniform, low: 5, high: 9}`",
    "empirical": "`{dist: empirical, values: [20, 35, 41], weights: [1, 2, 1]}`",
}


# --------------------------------------------------------------------------- JSON Schema


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file, for editors and external validators.

    The pydantic validation schema (field names as written in files, i.e. aliases), adjusted
    where a file may legitimately say less than the model:

    * a duration may be a bare number (it means ``fixed``), and a distribution written as a
      mapping must name its ``dist`` (pydantic requires the tag);
    * a location with a ``profile`` only needs its ``name``: every other value comes from the
      profile, and nested mappings are merged key by key (lists and distributions are replaced
      whole, so they stay complete).
    """
    schema = Scenario.model_json_schema(mode="validation", by_alias=True)
    defs = schema.setdefault("$defs", {})
    _require_discriminators(schema, defs)
    schema = _accept_bare_numbers(schema)
    _allow_profile_overrides(schema["$defs"])
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        **schema,
        "title": "botsim scenario",
        "description": (
            "A botsim scenario file (YAML 1.2 or TOML). Generated from botsim.inputs.scenario by "
            "`python -m botsim.inputs.reference`; see docs/scenario-reference.md."
        ),
    }


def _walk_nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_nodes(value)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _require_discriminators(schema: dict[str, Any], defs: dict[str, Any]) -> None:
    """A tagged union needs its tag: add the tag property to each member's ``required``."""
    for node in list(_walk_nodes(schema)):
        disc = node.get("discriminator")
        if not isinstance(disc, dict) or "propertyName" not in disc:
            continue
        for ref in disc.get("mapping", {}).values():
            member = defs.get(_ref_name(ref))
            if member is not None and disc["propertyName"] not in member.get("required", []):
                member["required"] = [disc["propertyName"], *member.get("required", [])]


def _is_distribution_node(node: dict[str, Any]) -> bool:
    disc = node.get("discriminator")
    if not isinstance(disc, dict):
        return False
    targets = {_ref_name(ref) for ref in disc.get("mapping", {}).values()}
    return targets == {cls.__name__ for cls in DISTRIBUTIONS}


def _accept_bare_numbers(node: Any) -> Any:
    """Replace each distribution union by 'a number >= 0 (fixed) or one of the distributions'."""
    if isinstance(node, list):
        return [_accept_bare_numbers(v) for v in node]
    if not isinstance(node, dict):
        return node
    if _is_distribution_node(node):
        outer = {k: node[k] for k in ("title", "description", "default") if k in node}
        union = {k: v for k, v in node.items() if k not in outer}
        fixed = {"type": "number", "minimum": 0, "description": "A fixed value (days)."}
        return {**outer, "anyOf": [fixed, union]}
    return {k: _accept_bare_numbers(v) for k, v in node.items()}


def _direct_ref(prop: dict[str, Any]) -> str | None:
    if "$ref" in prop:
        return prop["$ref"]
    all_of = prop.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and "$ref" in all_of[0]:
        return all_of[0]["$ref"]
    return None


def _partial(defs: dict[str, Any], name: str) -> str:
    """A copy of ``defs[name]`` with nothing required, nested mappings partial too."""
    partial_name = f"{name}Override"
    if partial_name in defs:
        return partial_name
    part = copy.deepcopy(defs[name])
    part.pop("required", None)
    part["title"] = f"{part.get('title', name)} (override of profile values)"
    defs[partial_name] = part
    for prop in part.get("properties", {}).values():
        ref = _direct_ref(prop)
        if ref is not None and _ref_name(ref) in defs:
            sub = _partial(defs, _ref_name(ref))
            prop.pop("allOf", None)
            prop["$ref"] = f"#/$defs/{sub}"
    return partial_name


def _allow_profile_overrides(defs: dict[str, Any]) -> None:
    """Each model with a ``profile`` field: full when no profile is named, partial otherwise."""
    for name in [n for n, d in defs.items() if "profile" in d.get("properties", {})]:
        full = defs[name]
        required = full.get("required", [])
        supplied = loader.Profile.model_fields["values"].annotation.model_fields
        always = [f for f in required if f not in supplied]
        partial = _partial(defs, name)
        defs[partial]["required"] = sorted({*always, "profile"})
        defs[f"{name}Full"] = full
        defs[name] = {
            "title": full.get("title", name),
            "description": full.get("description", "")
            + " With a `profile`, only the values that differ from the profile are needed.",
            "type": "object",
            "if": {"properties": {"profile": {"type": "string"}}, "required": ["profile"]},
            "then": {"$ref": f"#/$defs/{partial}"},
            "else": {"$ref": f"#/$defs/{name}Full"},
        }


# --------------------------------------------------------------------------- model walking


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_distribution(tp: Any) -> bool:
    if get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    return _is_union(tp) and set(get_args(tp)) == set(DISTRIBUTIONS)


def _nested_models(tp: Any, path: str) -> Iterator[tuple[type[BaseModel], str]]:
    """Models reachable from an annotation, with the field path at which each one appears."""
    if _is_distribution(tp):
        return
    origin = get_origin(tp)
    if _is_model(tp):
        yield tp, path
    elif origin is typing.Annotated:
        yield from _nested_models(get_args(tp)[0], path)
    elif origin in (list, tuple, set, frozenset):
        for arg in get_args(tp):
            if arg is not Ellipsis:
                yield from _nested_models(arg, f"{path}[]")
    elif origin is dict:
        yield from _nested_models(get_args(tp)[1], f"{path}.<key>")
    else:
        for arg in get_args(tp):
            yield from _nested_models(arg, path)


def field_name(name: str, info: FieldInfo) -> str:
    """The key used in scenario files (the alias, when there is one)."""
    alias = info.validation_alias if isinstance(info.validation_alias, str) else None
    return alias or info.alias or name


def iter_models(root: type[BaseModel] = Scenario) -> list[tuple[type[BaseModel], list[str]]]:
    """Every model reachable from ``root`` (depth first, in field order) with its paths."""
    order: list[type[BaseModel]] = []
    paths: dict[type[BaseModel], list[str]] = {}

    def visit(model: type[BaseModel], path: str) -> None:
        if model in paths:
            if path not in paths[model]:
                paths[model].append(path)
            return
        order.append(model)
        paths[model] = [path]
        for name, info in model.model_fields.items():
            key = field_name(name, info)
            here = f"{path}.{key}" if path else key
            for sub, sub_path in _nested_models(info.annotation, here):
                visit(sub, sub_path)

    visit(root, "")
    return [(m, paths[m]) for m in order]


# --------------------------------------------------------------------------- text rendering


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def _constraints(metadata: list[Any]) -> list[str]:
    """Readable constraints from pydantic / annotated-types metadata."""
    out: list[str] = []
    lengths: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            out += _constraints(list(item.metadata))
        elif isinstance(item, at.Gt):
            out.append(f"> {_num(item.gt)}")
        elif isinstance(item, at.Ge):
            out.append(f"≥ {_num(item.ge)}")
        elif isinstance(item, at.Lt):
            out.append(f"< {_num(item.lt)}")
        elif isinstance(item, at.Le):
            out.append(f"≤ {_num(item.le)}")
        elif isinstance(item, at.MultipleOf):
            out.append(f"multiple of {_num(item.multiple_of)}")
        elif isinstance(item, at.MinLen):
            lengths["min"] = item.min_length
        elif isinstance(item, at.MaxLen):
            lengths["max"] = item.max_length
        elif getattr(item, "pattern", None):
            out.append(f"pattern `{item.pattern}`")
        elif isinstance(item, at.BaseMetadata) and not hasattr(item, "strict"):
            out.append(repr(item))
    if "min" in lengths and "max" in lengths:
        out.insert(0, f"length {lengths['min']}–{lengths['max']}")
    elif "min" in lengths:
        out.insert(0, f"length ≥ {lengths['min']}")
    elif "max" in lengths:
        out.insert(0, f"length ≤ {lengths['max']}")
    return out


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", name.lower().replace(" ", "-"))


_SIMPLE = {
    int: "integer",
    float: "number",
    str: "string",
    bool: "boolean",
    dt.date: "date (YYYY-MM-DD)",
    type(None): "null",
}


def type_text(tp: Any, metadata: list[Any] | None = None) -> str:
    """A short Markdown description of an annotation, constraints included."""
    cons = _constraints(metadata or [])
    origin = get_origin(tp)
    if origin is typing.Annotated:
        base, *meta = get_args(tp)
        if _is_distribution(tp):
            text = "[distribution](#distributions) (days)"
        else:
            return type_text(base, [*meta, *(metadata or [])])
    elif _is_distribution(tp):
        text = "[distribution](#distributions) (days)"
    elif _is_union(tp):
        args = get_args(tp)
        text = " or ".join(type_text(a) for a in args if a is not type(None))
        if type(None) in args:
            text += " or null"
    elif origin is Literal:
        text = "one of " + ", ".join(f"`{json.dumps(v)}`" for v in get_args(tp))
    elif origin in (list, tuple, set, frozenset):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        text = "list of " + (type_text(args[0]) if args else "values")
    elif origin is dict:
        key, value = get_args(tp)
        text = f"mapping of {type_text(key)} to {type_text(value)}"
    elif _is_model(tp):
        text = f"[{tp.__name__}](#{_anchor(tp.__name__)})"
    else:
        text = _SIMPLE.get(tp, getattr(tp, "__name__", str(tp)))
    return f"{text} ({', '.join(cons)})" if cons else text


def default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        factory = info.default_factory
        if _is_model(factory):
            return f"defaults of [{factory.__name__}](#{_anchor(factory.__name__)})"
        value = factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return "**required**"
    else:
        value = info.default
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True)
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def _doc(obj: Any) -> str:
    """A class docstring as Markdown (reST double backticks become single)."""
    text = inspect.cleandoc(obj.__doc__ or "")
    if obj.__doc__ is None or text == inspect.cleandoc(BaseModel.__doc__ or ""):
        return ""
    return text.replace("``", "`")


def _model_summary(tp: Any) -> str:
    """For a field without a description whose type is a model: that model's first doc line."""
    models = [m for m, _ in _nested_models(tp, "")]
    if len(models) != 1:
        return ""
    return _doc(models[0]).split("\n\n")[0].replace("\n", " ")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def field_table(model: type[BaseModel], tag: str | None = None) -> list[str]:
    """A Markdown table of the model's fields; ``tag`` names a union tag (required in files)."""
    lines = [
        "| Field | Type and constraints | Default | Description |",
        "|---|---|---|---|",
    ]
    for name, info in model.model_fields.items():
        key = field_name(name, info)
        description = info.description or _model_summary(info.annotation) or "—"
        default = default_text(info)
        if key == tag:
            default = "**required** in a mapping"
            description = info.description or "Names the kind of distribution."
        lines.append(
            f"| `{key}` | {_cell(type_text(info.annotation, list(info.metadata)))} "
            f"| {_cell(default)} | {_cell(description)} |"
        )
    return lines


def _model_section(model: type[BaseModel], paths: list[str], level: str = "###") -> list[str]:
    lines = [f"{level} {model.__name__}", ""]
    where = ", ".join(f"`{p}`" for p in paths if p)
    lines += [f"*In a scenario file:* {where or 'the top level of the file'}", ""]
    if doc := _doc(model):
        lines += [doc, ""]
    return [*lines, *field_table(model), ""]


def _file_limit(name: str) -> int:
    """A loader file-shape limit by name (``botsim.inputs.limits``)."""
    import importlib

    for module in ("botsim.inputs.limits", "botsim.inputs.loader"):
        try:
            value = getattr(importlib.import_module(module), name, None)
        except ImportError:  # pragma: no cover - depends on the package version
            continue
        if isinstance(value, int):
            return value
    raise LookupError(f"no file limit {name!r} in botsim.inputs.limits or botsim.inputs.loader")


UNITS = [
    (
        "durations (every [distribution](#distributions), `notice_days`, `training_days`, ...)",
        "days",
    ),
    (
        "plan steps, `horizon_months`, tenure bands (`from_month`), probation `months`",
        f"months of 365.25 / 12 = {DAYS_PER_MONTH:g} days; month *m* starts on day "
        f"*m* × {DAYS_PER_MONTH:g}",
    ),
    (
        "attrition rates",
        "per year; the location's `attrition.definition` says whether a rate is a turnover "
        "ratio or a cohort probability",
    ),
    ("`applicants_per_week`", "per actively worked requisition per week (7 days)"),
    ("probabilities, shares, pass rates", "fraction in [0, 1] (0.45, not 45)"),
    (
        "money",
        "profile amounts in the profile's `currency` (USD in every built-in profile); "
        "monthly amounts are per employee per month",
    ),
]
UNITS_TABLE = "\n".join(["| Quantity | Unit |", "|---|---|", *(f"| {q} | {u} |" for q, u in UNITS)])

INTRO = f"""\
# Scenario reference

<!-- Generated by `python -m botsim.inputs.reference` from botsim/inputs/scenario.py; do not
edit by hand.
     tests/unit/test_docs.py fails when this file or docs/scenario.schema.json is stale. -->

A scenario file describes one engagement: where the team is built (`locations`), which roles are
hired there and how many over time (`roles` and their `plan`), and the policies and thresholds
set by the other top-level sections (see [Scenario](#scenario)). This page lists every field
with its type, constraints, default and description; the descriptions name the source of each
default or label it an assumption. Location values normally come from a built-in profile
(`botsim profiles show NAME` lists every value with its source). How each value is used is
described, with equations, in [model.md](model.md).

The machine-readable form is [scenario.schema.json](scenario.schema.json) (JSON Schema draft
2020-12). Editors can use it for completion and checking, e.g. with the YAML language server
put `# yaml-language-server: $schema=../docs/scenario.schema.json` on the first line. The schema
checks names, types and ranges; rules that relate several fields (plan months increasing,
attrition bands in order, a role's location defined, `low <= mode <= high`, the work of one
candidate search, ...) are checked by `botsim validate`, which is the authority. Every duration,
month and amount is bounded so that a valid scenario always finishes; the bounds and their
reasons are in [model.md](model.md#bounds-a-valid-scenario-always-finishes).

## Reading a scenario file

**Formats.** YAML 1.2 (`.yaml`, `.yml`) read with ruamel.yaml's safe loader, or TOML (`.toml`).
YAML 1.2 matters: `NO` (Norway), `yes`, `on` and `off` stay strings (a YAML 1.1 loader such as
PyYAML turns them into booleans), and no tag can construct an object, so a scenario file can
never execute code. Files must be UTF-8; by default they may be at most
{_file_limit("MAX_FILE_BYTES"):,} bytes, nested at most {_file_limit("MAX_DEPTH")} levels deep and
expand to at most {_file_limit("MAX_NODES"):,} values, aliases included (see
`botsim/inputs/limits.py`).

**Validation.** The whole file is checked before anything runs, and every problem is reported
with its field path and the bad value, e.g.
`locations[0].attrition.bands[1].voluntary: Input should be less than or equal to 5, got 7.0`;
`botsim validate` and `botsim run` then exit with code 2. Unknown keys are errors (with a
"did you mean" suggestion, or, for a real field in the wrong section, where it goes:
`recruiting: unknown field here; 'recruiting' is a field at locations[i].recruiting`), types
are strict (`"12"` in quotes is not a number, `true` is not 1),
NaN and infinity are refused. At most {_file_limit("MAX_PROBLEMS_SHOWN")} problems are printed
and at most {_file_limit("MAX_UNKNOWN_FIELDS_SHOWN")} unknown keys named, the rest counted ("and N
more"). A mapping most of whose top-level keys are not scenario fields is reported as "does not
look like a botsim scenario" with a count, not its keys. After validation the scenario is frozen.

**Files read.** Scenario, profile and sweep files are read only when their name, and the name of
the file a link points to, ends in `.yaml`, `.yml` or `.toml`; anything else is refused by name,
unread.

**Profiles merge.** A location with `profile: NAME` starts from the values of that profile (a
built-in name such as `philippines`, or a path to a profile file, relative to the scenario
file). Since a scenario can point `profile:` at any file, a profile file's content is never
quoted until it has a profile's shape (exactly the top-level fields of a profile, with `name`,
`as_of`, `values` and `sources` present): a file that fails that check is reported by name, the
profile fields it lacks and a count of its other keys; a parse error by its line and column. The
scenario's own entries for that location are laid over them: mappings merge key by
key, recursively (`recruiting: {{recruiters: 3}}` changes only the number of recruiters), while
lists and single values replace the profile's value whole (writing `stages` or `bands`
replaces all funnel stages or attrition bands). A distribution is one value too: a bare number
or a mapping with `dist` replaces the profile's distribution whole, whatever its kind.

**Overrides (`--set PATH=VALUE`).** `botsim run` and `botsim validate` accept any number of
`--set` options. `PATH` is a field path in the resolved scenario: names joined by dots, list
positions as `[i]` (or `.i`), counted from 0, e.g. `--set horizon_months=24`,
`--set locations[0].attrition.bands[1].voluntary=0.5`, `--set roles[0].plan[0].headcount=35`,
`--set policy.backfill=on_exit`. `VALUE` is read as YAML 1.2, so
`--set locations[0].recruiting.offer_duration="{{dist: uniform, low: 1, high: 5}}"` works. An
override replaces the value at its path after the profile merge (except
`locations[i].profile`, which is applied before the merge and so selects the profile); then the
scenario is validated again. A list position that does not exist is an error.

**Units.**

{UNITS_TABLE}

**Distributions.** Every duration is a distribution: a bare number means a fixed value, a
mapping names its kind with `dist` (see [Distributions](#distributions)).
"""


def _distribution_section() -> list[str]:
    lines = [
        "## Distributions",
        "",
        "Every duration field accepts one of these (values in days). A bare number is a "
        "`fixed` value. Each object knows its mean and variance "
        "(`botsim/inputs/distributions.py`).",
        "",
        "| `dist` | Parameters | Mean | Variance | Example |",
        "|---|---|---|---|---|",
    ]
    for cls in DISTRIBUTIONS:
        tag = cls.model_fields["dist"].default
        params = ", ".join(
            f"`{field_name(n, i)}`" for n, i in cls.model_fields.items() if n != "dist"
        )
        mean, var = _DIST_MOMENTS.get(tag, ("see `botsim/inputs/distributions.py`", "—"))
        lines.append(
            f"| `{tag}` | {params} | {_cell(mean)} | {_cell(var)} "
            f"| {_DIST_EXAMPLES.get(tag, '—')} |"
        )
    lines.append("")
    for cls in DISTRIBUTIONS:
        tag = cls.model_fields["dist"].default
        lines += [f"### dist: {tag}", ""]
        if doc := _doc(cls):
            lines += [doc, ""]
        lines += [*field_table(cls, tag="dist"), ""]
    return lines


def _profile_section() -> list[str]:
    profile = loader.Profile
    values_info = profile.model_fields["values"]
    values_model = values_info.annotation
    extra: list[str] = []
    subclass = next(
        (
            m
            for m, _ in iter_models(Scenario)
            if _is_model(values_model) and m is not values_model and issubclass(m, values_model)
        ),
        None,
    )
    if subclass is not None:
        extra = [
            f"`{field_name(n, i)}`"
            for n, i in subclass.model_fields.items()
            if n not in values_model.model_fields
        ]
    target = f"[{subclass.__name__}](#{_anchor(subclass.__name__)})" if subclass else "a location"
    return [
        "## Location profile files",
        "",
        "Built-in profiles live in `botsim/inputs/profiles/*.yaml`; a scenario may also name a "
        "profile "
        "file by path. A profile is a mapping with these fields; its `values` has the fields of "
        f"{target} except {', '.join(extra) or 'none'}, and `sources` holds a "
        "source or an `assumption: ...` label for every value (a dotted path covers everything "
        "below it).",
        "",
        *(
            line.replace(f"(#{_anchor(values_model.__name__)})", target[target.index("(") :])
            if subclass
            else line
            for line in field_table(profile)
        ),
        "",
    ]


def markdown_reference() -> str:
    """docs/scenario-reference.md, generated from the scenario models."""
    lines = [INTRO, "## Fields", ""]
    lines.append(
        "Sections follow the nesting of the file, starting at the top level. "
        "**required** marks a field without a default (inside a location that names a "
        "profile, the profile supplies it)."
    )
    lines.append("")
    for model, paths in iter_models(Scenario):
        lines += _model_section(model, paths)
    lines += _distribution_section()
    lines += _profile_section()
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- files


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def default_docs_dir() -> Path:
    """The repository's docs/ folder (next to the package), else ./docs."""
    repo = Path(__file__).resolve().parents[2]
    return repo / "docs" if (repo / "pyproject.toml").exists() else Path.cwd() / "docs"


def write_docs(docs_dir: Path | None = None) -> list[Path]:
    """Rewrite the scenario reference and the JSON Schema; return the paths written."""
    docs_dir = default_docs_dir() if docs_dir is None else Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((REFERENCE_FILE, markdown_reference()), (SCHEMA_FILE, schema_text())):
        path = docs_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in write_docs(Path(args[0]) if args else None):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
