"""Fuzzing the input boundary: whatever it is fed, the loader returns a Scenario or raises
:class:`botsim.inputs.loader.ScenarioError`, never anything else (no TypeError, KeyError,
RecursionError
or a pydantic error leaking through).

Inputs: random nested mappings (keys drawn partly from the schema's own field names so the
fuzzer gets past the top level), random mutations of every shipped scenario (delete, replace,
retype, insert junk, duplicate), random document text, and random ``--set`` overrides.
``BOTSIM_FUZZ_EXAMPLES`` raises the example count for a longer local session.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from botsim.inputs.loader import (
    ScenarioError,
    _all_field_names,
    parse_document,
    read_document,
    scenario_from_dict,
)
from botsim.inputs.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
RAW = {path.name: read_document(path) for path in SHIPPED}
FIELD_NAMES = sorted(_all_field_names() | {"dist", "mean", "sd", "low", "high", "mode", "value"})

EXAMPLES = int(os.environ.get("BOTSIM_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "NO", "philippines", "fixed", "lognormal", "on_notice", "manila"]),
    st.sampled_from([0, 1, -1, 0.5, 1.5, 1e308, -0.0, 2**63, 5000, 5001, 1_000_000]),
    st.dates(),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10))
odd_keys = st.one_of(keys, st.integers(), st.none(), st.booleans())


def nested(key_strategy: st.SearchStrategy[Any], leaves: int = 12) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(key_strategy, children, max_size=4),
        ),
        max_leaves=leaves,
    )


def accepts_or_refuses(doc: Any, **kwargs: Any) -> None:
    try:
        result = scenario_from_dict(doc, "<fuzz>", **kwargs)
    except ScenarioError as exc:
        text = str(exc)  # the message itself must build
        assert text.startswith("<fuzz>") and exc.problems
    else:
        assert isinstance(result, Scenario)


@FUZZ
@given(st.dictionaries(keys, nested(keys, leaves=6), max_size=6))
def test_random_mappings(doc: dict[str, Any]) -> None:
    accepts_or_refuses(doc)


@FUZZ
@given(nested(odd_keys))
@example([1, 2])
@example({1: {None: 2}})
@example({"locations": [{"profile": "philippines", "recruiting": {1: 2}}]})
def test_random_values_and_odd_keys(doc: Any) -> None:
    accepts_or_refuses(doc)


# --------------------------------------------------------------------------- mutations


def paths_in(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``node`` (mapping keys and list positions)."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths_in(value, (*prefix, i))
    return found


def get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


def retype(value: Any, how: int) -> Any:
    options = [
        str(value),
        [value],
        {"value": value},
        None,
        not value if isinstance(value, bool) else True,
        -value if isinstance(value, (int, float)) and not isinstance(value, bool) else -1,
        value * 1000 if isinstance(value, (int, float)) and not isinstance(value, bool) else 10**7,
        math.nan,
    ]
    return options[how % len(options)]


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(RAW)))
    doc = copy.deepcopy(RAW[name])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths_in(doc)))
        action = draw(st.sampled_from(["delete", "replace", "retype", "junk", "duplicate"]))
        if not path:  # the whole document
            if action == "junk":
                doc[draw(keys)] = draw(nested(keys))
            continue
        parent, last = get(doc, path[:-1]), path[-1]
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(nested(keys))
        elif action == "retype":
            parent[last] = retype(parent[last], draw(st.integers(0, 7)))
        elif action == "junk":
            target = parent[last]
            if isinstance(target, dict):
                target[draw(keys)] = draw(nested(keys))
            elif isinstance(target, list):
                target.insert(draw(st.integers(0, len(target))), draw(nested(keys)))
            else:
                parent[last] = draw(nested(keys))
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        if not isinstance(doc, dict):
            break
    return name, doc


def test_shipped_scenarios_are_valid_before_mutation() -> None:
    assert SHIPPED, "no shipped scenarios found"
    for path in SHIPPED:
        assert isinstance(scenario_from_dict(RAW[path.name], str(path)), Scenario)


@FUZZ
@given(mutated_scenarios())
def test_mutated_shipped_scenarios(case: tuple[str, dict[str, Any]]) -> None:
    _, doc = case
    accepts_or_refuses(doc, base_dir=ROOT / "scenarios")


# --------------------------------------------------------------------------- text and --set

override_paths = st.one_of(
    st.sampled_from(
        [
            "horizon_months",
            "name",
            "roles[0].plan[0].headcount",
            "roles[0].plan",
            "locations[0].profile",
            "locations[0].recruiting.recruiters",
            "locations[0].recruiting.stages[1].duration",
            "locations[0].attrition.bands[0].voluntary",
            "locations[9].name",
            "policy.backfill",
            "stability",
        ]
    ),
    st.text(max_size=20),
)
override_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e400",
            ".nan",
            "[1, 2",
            "{dist: gamma}",
            "!!python/name:os.system",
            "atlantis",
            "&a [*a]",
            "{dist: exponential, mean: 3}",
            "true",
            "NO",
            "5000000",
            "/",
            "/dev/null",
            "scenarios",
            "manila-finance-20.yaml",
        ]
    ),
)


@FUZZ
@given(st.lists(st.tuples(override_paths, override_values), max_size=3))
@example([("locations[0].profile", "atlantis")])
@example([("locations[0].profile", "/")])  # found by this test: a directory as profile path
@example([("roles[0].plan[0]", "&a [*a]")])
def test_random_overrides(pairs: list[tuple[str, str]]) -> None:
    overrides = [f"{path}={value}" for path, value in pairs]
    accepts_or_refuses(RAW["manila-finance-20.yaml"], overrides=overrides, base_dir=ROOT)


def _text_mutations() -> st.SearchStrategy[str]:
    base = (ROOT / "scenarios" / "manila-finance-20.yaml").read_text(encoding="utf-8")

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        text = base
        for _ in range(draw(st.integers(1, 4))):
            pos = draw(st.integers(0, len(text)))
            junk = draw(
                st.one_of(st.text(max_size=6), st.sampled_from(list(":-[]{}&*!|>#'\"\t\n%@`")))
            )
            cut = draw(st.integers(0, 3))
            text = text[:pos] + junk + text[pos + cut :]
        return text

    return mutate()


@FUZZ
@given(st.one_of(st.text(max_size=200), _text_mutations()), st.sampled_from(["yaml", "toml"]))
def test_random_document_text(text: str, fmt: str) -> None:
    try:
        doc = parse_document(text, "<fuzz>", fmt)
    except ScenarioError:
        return
    assert isinstance(doc, dict)
    accepts_or_refuses(doc, base_dir=ROOT / "scenarios")
