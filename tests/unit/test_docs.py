"""The scenario reference and JSON Schema in docs/ cannot drift from the schema.

* docs/scenario-reference.md and docs/scenario.schema.json equal what botsim.inputs.reference
  generates from botsim.inputs.scenario now (fix: run ``python -m botsim.inputs.reference``);
* every shipped scenario validates against the exported JSON Schema, both as written (as an
  editor sees it) and after the profile merge;
* every field in the schema has a description.

``jsonschema`` is not a dependency, so the schema is checked by the small validator below. It
implements exactly the keywords the exported schema uses, and a test fails if the schema starts
using one it does not know, so the check can never pass silently.
"""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

import pytest

from botsim.inputs import reference
from botsim.inputs.loader import deep_merge, load_profile, load_scenario, read_document
from tests.conftest import BARE_LOCATION, ROOT, SCENARIOS

DOCS = ROOT / "docs"
SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted(SCENARIOS.glob("*.toml"))
HOW_TO_FIX = "docs are stale: run python -m botsim.inputs.reference"

# Fields that have no Field(description=...) yet. They live in botsim/inputs/scenario.py and
# botsim/inputs/distributions.py (not owned by the docs); the list may only shrink: any field
# missing
# from here must have a description.
KNOWN_UNDESCRIBED = {
    "Scenario.name",
    "Scenario.description",
    "Scenario.locations",
    "Scenario.roles",
    "Scenario.policy",
    "LocationFull.country",
    "LocationFull.name",
    "Attrition.bands",
    "FunnelStage.name",
    "PlanStep.month",
    "PlanStep.headcount",
    "Role.name",
    "ClientHire.month",
    "ClientHire.hours_per_week",
    "Fixed.dist",
    "Fixed.value",
    "Exponential.dist",
    "Exponential.mean",
    "LogNormal.dist",
    "LogNormal.mean",
    "LogNormal.sd",
    "Triangular.dist",
    "Triangular.low",
    "Triangular.mode",
    "Triangular.high",
    "Uniform.dist",
    "Uniform.low",
    "Uniform.high",
    "Empirical.dist",
    "Empirical.values",
    "Empirical.weights",
}

KNOWN_UNDOCUMENTED_MODELS = {"Policy"}  # model docstring missing (botsim/inputs/scenario.py)

# --------------------------------------------------------------------------- a small validator

ANNOTATIONS = {
    "title",
    "description",
    "default",
    "examples",
    "discriminator",
    "$schema",
    "$id",
    "format",  # an annotation only in draft 2020-12 (no format assertion)
    "deprecated",
    "readOnly",
    "writeOnly",
}
APPLICATORS = {
    "$ref",
    "$defs",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "anyOf",
    "oneOf",
    "allOf",
    "if",
    "then",
    "else",
    "not",
}
KNOWN_KEYWORDS = ANNOTATIONS | APPLICATORS
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs"}
_SCHEMA_VALUES = {"items", "additionalProperties", "propertyNames", "if", "then", "else", "not"}
_SCHEMA_LISTS = {"anyOf", "oneOf", "allOf", "prefixItems"}


def keywords(node: Any) -> set[str]:
    """Every keyword used anywhere in a schema (property names are not keywords)."""
    found: set[str] = set()
    if not isinstance(node, dict):
        return found
    for key, value in node.items():
        found.add(key)
        if key in _SCHEMA_MAPS:
            for sub in value.values():
                found |= keywords(sub)
        elif key in _SCHEMA_VALUES:
            found |= keywords(value)
        elif key in _SCHEMA_LISTS:
            for sub in value:
                found |= keywords(sub)
    return found


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind == "integer":
        return isinstance(value, int) or (math.isfinite(value) and float(value).is_integer())
    return kind == "number"


def errors(
    value: Any, schema: dict[str, Any] | bool, root: dict[str, Any], path: str = ""
) -> list[str]:
    """Problems of ``value`` against ``schema`` (JSON Schema 2020-12 subset), as path: message."""
    out: list[str] = []
    where = path or "<root>"
    if schema is True or schema is False:  # boolean schemas: anything / nothing
        return [] if schema else [f"{where}: no value is allowed here"]

    def sub(v: Any, s: dict[str, Any], p: str) -> list[str]:
        return errors(v, s, root, p)

    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        out += sub(value, root["$defs"][name], path)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, k) for k in kinds):
            return [*out, f"{where}: expected {schema['type']}, got {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: expected {schema['const']!r}, got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, ok in (
            ("minimum", lambda b: value >= b),
            ("maximum", lambda b: value <= b),
            ("exclusiveMinimum", lambda b: value > b),
            ("exclusiveMaximum", lambda b: value < b),
        ):
            if key in schema and not ok(schema[key]):
                out.append(f"{where}: {value!r} violates {key} {schema[key]}")
        step = schema.get("multipleOf")
        if step and not math.isclose(value / step, round(value / step), abs_tol=1e-9):
            out.append(f"{where}: {value!r} is not a multiple of {step}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            out.append(f"{where}: shorter than {schema['minLength']}")
        if len(value) > schema.get("maxLength", math.inf):
            out.append(f"{where}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{where}: fewer than {schema['minItems']} items")
        if len(value) > schema.get("maxItems", math.inf):
            out.append(f"{where}: more than {schema['maxItems']} items")
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) < len(
            value
        ):
            out.append(f"{where}: items are not unique")
        prefix = schema.get("prefixItems", [])
        for i, item in enumerate(value):
            if i < len(prefix):
                out += sub(item, prefix[i], f"{path}[{i}]")
            elif "items" in schema:
                out += sub(item, schema["items"], f"{path}[{i}]")
    if isinstance(value, dict):
        if len(value) < schema.get("minProperties", 0):
            out.append(f"{where}: fewer than {schema['minProperties']} keys")
        if len(value) > schema.get("maxProperties", math.inf):
            out.append(f"{where}: more than {schema['maxProperties']} keys")
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{where}: missing required {key!r}")
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if "propertyNames" in schema:
                out += sub(key, schema["propertyNames"], f"{here} (key)")
            matched = False
            if key in props:
                matched = True
                out += sub(item, props[key], here)
            for pattern, item_schema in patterns.items():
                if re.search(pattern, key):
                    matched = True
                    out += sub(item, item_schema, here)
            extra = schema.get("additionalProperties", True)
            if not matched and extra is False:
                out.append(f"{where}: unknown field {key!r}")
            elif not matched and isinstance(extra, dict):
                out += sub(item, extra, here)
    for part in schema.get("allOf", []):
        out += sub(value, part, path)
    if "anyOf" in schema and all(sub(value, s, path) for s in schema["anyOf"]):
        out.append(f"{where}: matches none of anyOf")
    if "oneOf" in schema:
        matches = sum(not sub(value, s, path) for s in schema["oneOf"])
        if matches != 1:
            out.append(f"{where}: matches {matches} of oneOf, expected exactly 1")
    if "not" in schema and not sub(value, schema["not"], path):
        out.append(f"{where}: must not match {schema['not']}")
    if "if" in schema:
        branch = "then" if not sub(value, schema["if"], path) else "else"
        if branch in schema:
            out += sub(value, schema[branch], path)
    return out


# --------------------------------------------------------------------------- generated files


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return reference.json_schema()


def test_scenario_reference_is_up_to_date() -> None:
    path = DOCS / reference.REFERENCE_FILE
    assert path.exists(), HOW_TO_FIX
    assert path.read_text(encoding="utf-8") == reference.markdown_reference(), HOW_TO_FIX


def test_metric_catalogue_page_is_up_to_date() -> None:
    from botsim.metrics import catalogue

    path = DOCS / "metrics.md"
    how = "regenerate it: python -m botsim.metrics.catalogue"
    assert path.exists(), how
    assert path.read_text(encoding="utf-8") == catalogue.reference_markdown(), how


def test_json_schema_is_up_to_date() -> None:
    path = DOCS / reference.SCHEMA_FILE
    assert path.exists(), HOW_TO_FIX
    assert path.read_text(encoding="utf-8") == reference.schema_text(), HOW_TO_FIX


def test_write_docs_writes_both_files(tmp_path) -> None:
    written = reference.write_docs(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        [reference.REFERENCE_FILE, reference.SCHEMA_FILE]
    )
    assert json.loads((tmp_path / reference.SCHEMA_FILE).read_text())["$id"] == reference.SCHEMA_ID


def test_python_m_botsim_reference_rewrites_both_files(tmp_path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "botsim.inputs.reference", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / reference.REFERENCE_FILE).read_text(encoding="utf-8")
    assert text == reference.markdown_reference()


def test_reference_lists_every_field_of_every_model() -> None:
    text = reference.markdown_reference()
    for model, _ in reference.iter_models():
        assert f"### {model.__name__}\n" in text
        for name, info in model.model_fields.items():
            assert f"| `{reference.field_name(name, info)}` |" in text, (model.__name__, name)
    for cls in reference.DISTRIBUTIONS:
        assert f"### dist: {cls.model_fields['dist'].default}\n" in text


def test_reference_picks_up_nested_models_generically() -> None:
    from pydantic import BaseModel, Field

    class Leaf(BaseModel):
        """A leaf."""

        size: int = Field(default=2, ge=1, le=9, description="How big (assumption).")

    class Root(BaseModel):
        leaves: list[Leaf] = Field(description="Leaves.")
        extra: dict[str, Leaf] | None = None

    found = dict(reference.iter_models(Root))
    assert found[Leaf] == ["leaves[]", "extra.<key>"]
    row = next(line for line in reference.field_table(Leaf) if "`size`" in line)
    assert "integer (≥ 1, ≤ 9)" in row and "`2`" in row and "How big (assumption)." in row


# --------------------------------------------------------------------------- the schema itself


def test_schema_uses_only_keywords_the_checker_knows(schema) -> None:
    unknown = keywords(schema) - KNOWN_KEYWORDS
    assert not unknown, f"extend the validator in this test for {sorted(unknown)}"


def test_schema_has_id_and_title(schema) -> None:
    assert schema["$id"] == reference.SCHEMA_ID
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["title"]


def _undescribed(schema: dict[str, Any]) -> set[str]:
    defs = schema["$defs"]
    missing = set()
    owners = [("Scenario", schema), *defs.items()]
    for owner, node in owners:
        if owner.endswith("Override"):
            continue  # copies of full definitions, checked there
        for name, prop in node.get("properties", {}).items():
            if prop.get("description"):
                continue
            ref = prop.get("$ref")
            if ref and defs[ref.removeprefix("#/$defs/")].get("description"):
                continue  # a nested object: its definition describes it
            missing.add(f"{owner}.{name}")
    return missing


def test_every_field_has_a_description(schema) -> None:
    missing = _undescribed(schema) - KNOWN_UNDESCRIBED
    assert not missing, (
        "add Field(description=...) (with its source or 'assumption') for: " + ", ".join(missing)
    )


def test_every_definition_has_a_description(schema) -> None:
    missing = [
        name
        for name, node in schema["$defs"].items()
        if not node.get("description") and name not in KNOWN_UNDOCUMENTED_MODELS
    ]
    assert not missing, f"add a docstring to the model(s) {missing}"


def _merged_document(path) -> dict[str, Any]:
    """The scenario document as the loader sees it after the profile merge (before pydantic)."""
    doc = read_document(path)
    for i, entry in enumerate(doc.get("locations", [])):
        if entry.get("profile"):
            base = load_profile(entry["profile"], path.parent).values
            doc["locations"][i] = deep_merge(base.model_dump(mode="json", by_alias=True), entry)
    return doc


def _without_profiles(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for entry in doc["locations"]:
        entry.pop("profile", None)
    return doc


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_validates_against_schema(path, schema) -> None:
    as_written = read_document(path)
    assert errors(as_written, schema, schema) == []
    merged = _merged_document(path)
    # Without the profile names every location must be complete on its own (full check).
    assert errors(_without_profiles(merged), schema, schema) == []
    resolved = load_scenario(path).model_dump(mode="json", by_alias=True)
    assert errors(_without_profiles(resolved), schema, schema) == []


def _bare_document() -> dict[str, Any]:
    return {
        "name": "lab",
        "horizon_months": 12,
        "locations": [copy.deepcopy(BARE_LOCATION)],
        "roles": [{"name": "agent", "location": "lab", "plan": [{"month": 0, "headcount": 5}]}],
    }


def test_schema_accepts_bare_numbers_and_tagged_distributions(schema) -> None:
    doc = _bare_document()
    recruiting = doc["locations"][0]["recruiting"]
    recruiting["offer_duration"] = 3
    recruiting["candidate_notice"] = {"dist": "uniform", "low": 10, "high": 20}
    assert errors(doc, schema, schema) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["locations"][0]["recruiting"].update(no_show=1.7), "no_show"),
        (lambda d: d["locations"][0].update(notice_dayz=30), "notice_dayz"),
        (lambda d: d["locations"][0]["recruiting"].update(offer_duration=-1), "offer_duration"),
        (
            lambda d: d["locations"][0]["recruiting"].update(offer_duration={"value": 3}),
            "offer_duration",
        ),
        (lambda d: d["locations"][0].pop("attrition"), "attrition"),
        (lambda d: d.update(horizon_months="12"), "horizon_months"),
    ],
    ids=["probability-above-1", "unknown-key", "negative-duration", "untagged", "missing", "type"],
)
def test_schema_rejects_bad_documents(schema, change, expected) -> None:
    doc = _bare_document()
    change(doc)
    found = errors(doc, schema, schema)
    assert found, f"schema accepted a bad document ({expected})"
    assert any(expected in e for e in found), found


def test_profile_location_needs_only_its_name(schema) -> None:
    doc = _bare_document()
    doc["locations"] = [
        {"name": "manila", "profile": "philippines", "recruiting": {"recruiters": 3}}
    ]
    doc["roles"][0]["location"] = "manila"
    assert errors(doc, schema, schema) == []
    doc["locations"][0]["recruiting"]["recruiterz"] = 3
    assert errors(doc, schema, schema)
