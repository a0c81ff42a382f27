"""The import direction of docs/architecture.md: scenario -> model -> records -> metrics ->
statistics -> experiment -> report -> CLI. A module imports only from its own layer or the
layers below it (imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "botsim"

LAYERS = [
    ("inputs", {"botsim.inputs"}),
    ("model", {"botsim.model"}),
    ("metrics", {"botsim.metrics"}),
    ("statistics", {"botsim.stats"}),
    ("experiment", {"botsim.experiment", "botsim.calibrate"}),
    ("report", {"botsim.report"}),
    ("cli", {"botsim.cli"}),
]
"""The layers in order, each a package of the top level (statistics is one module)."""

KNOWN_BACK_EDGES: dict[tuple[str, str], str] = {}
"""(module, imported module) pairs allowed to point up the layers, each with its reason: none
now (the memory estimate, which reads the metric catalogue, moved from inputs.limits to
experiment.memory)."""


def layer_of(module: str) -> int | None:
    for rank, (_, members) in enumerate(LAYERS):
        for member in members:
            if module == member or module.startswith(member + "."):
                return rank
    return None


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("botsim"):
            if node.module == "botsim":  # from botsim import x: the submodule x
                found.update(f"botsim.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("botsim"))
    return found


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def test_every_module_has_a_layer() -> None:
    exempt = {"botsim", "botsim.__main__"}  # the package's lazy API and the entry point
    missing = [m for m in modules() if m not in exempt and layer_of(m) is None]
    assert not missing, f"place these modules in a layer of docs/architecture.md: {missing}"


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for module, path in modules().items():
        own = layer_of(module)
        if own is None:
            continue
        for target in imports(path):
            rank = layer_of(target)
            if rank is not None and rank > own and (module, target) not in KNOWN_BACK_EDGES:
                wrong.append(f"{module} ({LAYERS[own][0]}) imports {target} ({LAYERS[rank][0]})")
    assert not wrong, "\n".join(wrong)


def test_the_model_imports_no_metric_statistic_report_or_cli_module() -> None:
    model = {m: p for m, p in modules().items() if m.startswith("botsim.model")}
    assert "botsim.model.lifecycle" in model
    for module, path in model.items():
        for target in imports(path):
            assert layer_of(target) <= layer_of("botsim.model"), f"{module} imports {target}"
