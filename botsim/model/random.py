"""The seed tree: one root seed -> replications -> named random streams.

Every random draw in botsim comes from a generator obtained here, never from a global RNG.
A stream is identified by (root seed, replication index, stream name), so

* a replication can be rebuilt from (seed, replication index) alone, on any worker;
* adding a new random process (a new stream name) does not shift the draws of the others;
* two scenarios run with the same seed share the draws of every stream that serves the same
  purpose (common random numbers), because streams are named by purpose, e.g.
  ``("recruiting", "manila", "finance-analyst")``.
"""

from __future__ import annotations

import zlib

import numpy as np

AVAILABILITY_STREAM = "availability"
"""Stream ("availability", location, role): whether an accepted candidate is available at once
(``immediate_start_share``), one uniform per accepted offer. Its own name so that the notice
and no-show draws of the onboarding stream stay where they were (common random numbers); it
is created only when the share is above 0."""


NOTICE_BUYOUT_STREAM = "notice_buyout"
"""Stream ("notice_buyout", location, role): whether an accepted candidate's notice is bought
out (issue 17, item 6), one uniform per accepted offer. Its own name, created only when a
buy-out is set, so no other draw moves (common random numbers)."""


def _name_key(name: str) -> int:
    # crc32 is stable across processes and Python versions (unlike hash()).
    return zlib.crc32(name.encode("utf-8"))


_UINT32 = 0xFFFFFFFF
_POOL_WORDS = 4
"""numpy's SeedSequence pool size (its default): with a spawn key, the entropy is padded to it."""


def _uint32_words(n: int) -> list[int]:
    """``n`` as little-endian 32-bit words (at least one), as numpy's SeedSequence reads ints.
    Seeds and replication indices are non-negative, as SeedSequence requires."""
    if n < 0:
        raise ValueError(f"seeds and replication indices must be >= 0, got {n}")
    words = [n & _UINT32]
    n >>= 32
    while n:
        words.append(n & _UINT32)
        n >>= 32
    return words


def stream_seed(seed: int, replication: int, *name: str) -> np.random.SeedSequence:
    """The SeedSequence of one named stream of one replication:
    ``SeedSequence(entropy=seed, spawn_key=(replication, crc32(name_1), ...))``.

    Built from the same 32-bit words that numpy assembles from that entropy and spawn key (the
    seed's words padded to the pool size, then the key's words), passed as one uint32 array:
    the same pool and the same stream, without numpy's per-element conversion of the key
    (a third of the cost of a stream, paid several times per replication). A test checks the
    equality for many seeds and names.
    """
    words = _uint32_words(int(seed))
    words += [0] * (_POOL_WORDS - len(words))
    words += _uint32_words(int(replication))
    for part in name:
        words.append(_name_key(part))  # crc32: one word
    return np.random.SeedSequence(np.array(words, dtype=np.uint32))


class ReplicationStreams:
    """Hands out one independent generator per stream name for one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._cache: dict[tuple[str, ...], np.random.Generator] = {}

    def stream(self, *name: str) -> np.random.Generator:
        """The generator for ``name``; the same object on every call within a replication."""
        rng = self._cache.get(name)
        if rng is None:
            rng = np.random.Generator(
                np.random.PCG64(stream_seed(self.seed, self.replication, *name))
            )
            self._cache[name] = rng
        return rng


UNIFORM_BLOCK = 256
"""Uniforms drawn per call by :class:`UniformBlocks` (an implementation constant, not a model
parameter: any size gives the same model; this one serves a few dozen searches per call)."""


class UniformBlocks:
    """The uniforms on [0, 1) of one generator, drawn a block at a time and read from a list.

    A loop that needs a few uniforms per step (the candidate search) reads list items instead
    of calling numpy once per draw, which costs more than the draw. The values are the
    generator's, in order: what a replication draws depends only on how many it has used, so
    it stays reproducible from (seed, replication) and the same on every worker.
    """

    __slots__ = ("block", "index", "rng", "values")

    def __init__(self, rng: np.random.Generator, block: int = UNIFORM_BLOCK) -> None:
        self.rng = rng
        self.block = block
        self.values: list[float] = []
        self.index = 0  # the next unused value

    def refill(self, index: int, need: int) -> list[float]:
        """Keep the unused values from ``index`` on and append new ones (a block, or ``need``
        if more) so that at least ``need`` are unused; start at 0."""
        rest = self.values[index:]
        extra = max(self.block, need - len(rest))
        self.values = rest + self.rng.random(extra).tolist()
        self.index = 0
        return self.values

    def take(self, count: int) -> list[float]:
        """The next ``count`` uniforms, as a new list."""
        i = self.index
        if i + count > len(self.values):
            self.refill(i, count)
            i = 0
        self.index = i + count
        return self.values[i : i + count]
