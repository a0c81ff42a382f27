"""Bounds on what botsim accepts: file shape and scenario scale.

Every limit has a name, a default and a reason, and every refusal names the limit it hit, so a
strategist who meets one knows what to change. The limits come in two kinds:

* **Schema ceilings** (``MAX_HORIZON_MONTHS``, ``MAX_TEAM_SIZE``, ``MAX_REPLICATIONS``, defined
  in :mod:`botsim.inputs.scenario` and exported in its JSON Schema). They are hard: raising one is a
  code change, because model run time and memory grow with them.
* **Configurable limits** (:class:`Limits`): the same bounds plus the file-shape and total-size
  limits of the loader. A :class:`Limits` may be *tighter* than the schema ceilings, e.g. on a
  shared machine, set in code (``load_scenario(path, limits=Limits(max_team_size=500))``) or from
  the environment (``BOTSIM_MAX_TEAM_SIZE=500``, see :meth:`Limits.from_env`).

The memory a run would need is estimated in the experiment layer
(:mod:`botsim.experiment.memory`), which refuses a run with :class:`LimitError` too and may use
the share :attr:`Limits.memory_fraction` of the available memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from botsim.inputs.scenario import Scenario

# The schema ceilings live in the schema (one source of truth); they are re-exported here by name.
from botsim.inputs.scenario import MAX_HORIZON_MONTHS, MAX_REPLICATIONS, MAX_TEAM_SIZE

MAX_FILE_BYTES = 1_000_000
"""Scenario and profile files larger than this are refused (a real scenario is a few KB)."""
MAX_NODES = 100_000
"""Mappings, lists and scalars in one document once YAML aliases are expanded (alias bombs)."""
MAX_DEPTH = 32
"""Nesting depth of one document (the schema itself is at most about 6 levels deep)."""
MAX_TOTAL_HEADCOUNT = 20_000
"""Planned headcount summed over every role at the largest plan step (assumption: four times a
very large BOT engagement; one replication of 20 000 seats over 240 months stays near 1 GB)."""


class LimitError(ValueError):
    """A scenario or run is beyond a limit; the message names the limit and its value."""


ENV_PREFIX = "BOTSIM_"


@dataclass(frozen=True)
class Limits:
    """Bounds applied by the loader and the run command (defaults documented per field).

    ``max_horizon_months``, ``max_team_size`` and ``max_replications`` can only be *lowered*
    below the schema ceilings of the same name; the others may be raised or lowered.
    """

    max_file_bytes: int = MAX_FILE_BYTES
    max_nodes: int = MAX_NODES
    max_depth: int = MAX_DEPTH
    max_horizon_months: int = MAX_HORIZON_MONTHS
    max_team_size: int = MAX_TEAM_SIZE
    max_total_headcount: int = MAX_TOTAL_HEADCOUNT
    max_replications: int = MAX_REPLICATIONS
    memory_fraction: float = 0.8
    """Share of the available memory a run may plan to use (the rest is headroom)."""

    def __post_init__(self) -> None:
        ceilings = {
            "max_horizon_months": MAX_HORIZON_MONTHS,
            "max_team_size": MAX_TEAM_SIZE,
            "max_replications": MAX_REPLICATIONS,
        }
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise LimitError(f"limit {f.name} must be a number, got {value!r}")
            if not value > 0 or not math.isfinite(value):
                raise LimitError(f"limit {f.name} must be positive and finite, got {value!r}")
            if f.name in ceilings and value > ceilings[f.name]:
                raise LimitError(
                    f"limit {f.name}={value} is above the schema ceiling {ceilings[f.name]} "
                    f"(botsim.inputs.scenario.{f.name.upper()}); it can only be lowered"
                )
        if self.memory_fraction > 1:
            raise LimitError(f"limit memory_fraction must be at most 1, got {self.memory_fraction}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Defaults, overridden by ``BOTSIM_<FIELD>`` variables (e.g. ``BOTSIM_MAX_TEAM_SIZE``).

        Read when called (never at import), so a test or a server can set them per process.
        """
        environ = os.environ if environ is None else environ
        changes: dict[str, float | int] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or not raw.strip():
                continue
            try:
                value: float | int = float(raw) if f.name == "memory_fraction" else int(raw)
            except ValueError:
                raise LimitError(
                    f"environment variable {ENV_PREFIX + f.name.upper()}={raw!r} is not a number"
                ) from None
            changes[f.name] = value
        return replace(cls(), **changes) if changes else cls()


DEFAULT_LIMITS = Limits()


def planned_peak_headcount(scenario: Scenario) -> int:
    """The largest total target headcount of any plan step (plans never decrease)."""
    return sum(max(step.headcount for step in role.plan) for role in scenario.roles)


def check_scenario_limits(
    scenario: Scenario, limits: Limits = DEFAULT_LIMITS
) -> list[tuple[str, str, object]]:
    """Problems ``(field path, message, value)`` where ``scenario`` exceeds ``limits``.

    The schema already enforces its own ceilings; this applies the (possibly tighter)
    configured limits and the total-headcount limit, which spans roles.
    """
    found: list[tuple[str, str, object]] = []
    if scenario.horizon_months > limits.max_horizon_months:
        found.append(
            (
                "horizon_months",
                f"above the horizon limit of {limits.max_horizon_months:,} months "
                "(limits.max_horizon_months)",
                scenario.horizon_months,
            )
        )
    if scenario.replications > limits.max_replications:
        found.append(
            (
                "replications",
                f"above the limit of {limits.max_replications:,} replications "
                "(limits.max_replications)",
                scenario.replications,
            )
        )
    for i, role in enumerate(scenario.roles):
        for j, step in enumerate(role.plan):
            if step.headcount > limits.max_team_size:
                found.append(
                    (
                        f"roles[{i}].plan[{j}].headcount",
                        f"above the team-size limit of {limits.max_team_size:,} per role "
                        "(limits.max_team_size)",
                        step.headcount,
                    )
                )
    total = planned_peak_headcount(scenario)
    if total > limits.max_total_headcount:
        found.append(
            (
                "roles",
                f"planned headcount over all roles is {total:,}, above the limit of "
                f"{limits.max_total_headcount:,} (limits.max_total_headcount)",
                total,
            )
        )
    return found


__all__ = [
    "DEFAULT_LIMITS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_HORIZON_MONTHS",
    "MAX_NODES",
    "MAX_REPLICATIONS",
    "MAX_TEAM_SIZE",
    "MAX_TOTAL_HEADCOUNT",
    "LimitError",
    "Limits",
    "check_scenario_limits",
    "planned_peak_headcount",
]
