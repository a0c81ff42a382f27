"""Per-object caches for values derived from frozen scenario parts.

Every replication asks again for the same derived values (the prepared funnel of a location,
the plan's target steps, a cost rate table); they depend only on an immutable (frozen pydantic)
object, so they are computed once per object. Entries are keyed by the object's identity and
hold the object itself, so an id cannot be reused while its entry lives; a cache that reaches
its size limit starts again empty.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def by_identity(maxsize: int = 64) -> Callable[[Callable[[Any], T]], Callable[[Any], T]]:
    """Decorate a one-argument function of a frozen object to compute once per object."""

    def decorate(fn: Callable[[Any], T]) -> Callable[[Any], T]:
        cache: dict[int, tuple[Any, T]] = {}

        @functools.wraps(fn)
        def cached(obj: Any) -> T:
            hit = cache.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
            value = fn(obj)
            if len(cache) >= maxsize:
                cache.clear()
            cache[id(obj)] = (obj, value)
            return value

        cached.cache = cache  # type: ignore[attr-defined]
        return cached

    return decorate


def by_value(maxsize: int = 64) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate a function of hashable values (numbers, text) that returns numpy arrays, or a
    tuple of them, to compute once per distinct arguments; the arrays are made read-only, as
    every caller shares them."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.lru_cache(maxsize=maxsize)
        @functools.wraps(fn)
        def cached(*args: Any) -> T:
            value = fn(*args)
            for arr in value if isinstance(value, tuple) else (value,):
                arr.flags.writeable = False
            return value

        return cached

    return decorate
