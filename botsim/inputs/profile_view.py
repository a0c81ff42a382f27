"""Flatten a location profile into (field path, value, source) rows for display and checks."""

from __future__ import annotations

from typing import Any

from botsim.inputs.loader import Profile


def _leaves(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted paths of every leaf; lists and distributions count as one leaf."""
    if isinstance(data, dict) and "dist" not in data:
        out: list[tuple[str, Any]] = []
        for key, value in data.items():
            out += _leaves(value, f"{prefix}.{key}" if prefix else key)
        return out
    return [(prefix, data)]


def source_for(profile: Profile, path: str) -> str | None:
    """The source of ``path``: its own entry or that of the nearest enclosing path."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in profile.sources:
            return profile.sources[key]
    return None


def profile_rows(profile: Profile) -> list[tuple[str, Any, str | None]]:
    values = profile.values.model_dump(mode="json", by_alias=True)
    return [(path, value, source_for(profile, path)) for path, value in _leaves(values)]
