"""The seed tree and the block-drawn uniforms of the candidate search."""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest
from scipy import stats

from botsim import load_scenario
from botsim.model.random import ReplicationStreams, UniformBlocks, stream_seed
from botsim.model.recruiting import funnel_of, search, search_candidates

MANILA = "scenarios/manila-finance-20.yaml"


def test_streams_are_named_and_rebuilt_from_seed_and_replication():
    a = ReplicationStreams(7, 3).stream("search", "manila", "analyst").random(5)
    b = ReplicationStreams(7, 3).stream("search", "manila", "analyst").random(5)
    other = ReplicationStreams(7, 3).stream("attrition", "manila", "analyst").random(5)
    rep = ReplicationStreams(7, 4).stream("search", "manila", "analyst").random(5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, other)
    assert not np.array_equal(a, rep)
    seed = stream_seed(7, 3, "search", "manila", "analyst")
    expected = np.random.Generator(np.random.PCG64(seed))
    assert np.array_equal(a, expected.random(5))


@pytest.mark.parametrize("block", [1, 3, 256])
def test_uniform_blocks_hand_out_the_generators_values_in_order(block):
    source = UniformBlocks(np.random.default_rng(11), block)
    taken = []
    for want in (1, 5, 2, 7, 1, 40):  # uneven reads across block boundaries
        values, i = source.values, source.index
        if i + want > len(values):
            values, i = source.refill(i, want), 0
        taken += values[i : i + want]
        source.index = i + want
    assert taken == np.random.default_rng(11).random(len(taken)).tolist()


def test_search_results_do_not_depend_on_the_block_size():
    """The block only sets how many uniforms are drawn ahead, never which ones a search uses."""
    funnel = funnel_of(load_scenario(MANILA).locations[0].recruiting)
    assert funnel.uniform_durations is not None  # Manila: Fixed and Triangular durations
    small, large = (UniformBlocks(np.random.default_rng(5), block) for block in (4, 1000))
    assert [search(small, funnel) for _ in range(300)] == [
        search(large, funnel) for _ in range(300)
    ]


def test_inline_and_generator_searches_draw_the_same_distribution():
    """The block-drawn search (Exponential by inversion, Triangular by inversion) against the
    generator-method search on the same funnel: two-sample Kolmogorov-Smirnov on 20,000
    searches each, failing when p < 0.001."""
    funnel = funnel_of(load_scenario(MANILA).locations[0].recruiting)
    generator_path = dataclasses.replace(funnel, uniform_durations=None)
    inline = UniformBlocks(np.random.default_rng(1))
    direct = UniformBlocks(np.random.default_rng(2))
    a = [search(inline, funnel)[0] for _ in range(20_000)]
    b = [search(direct, generator_path)[0] for _ in range(20_000)]
    assert stats.ks_2samp(a, b).pvalue > 1e-3


def test_search_candidates_accepts_a_generator_or_blocks():
    recruiting = load_scenario(MANILA).locations[0].recruiting
    one = search_candidates(np.random.default_rng(3), recruiting)
    again = search_candidates(UniformBlocks(np.random.default_rng(3), 32), recruiting)
    assert one == again
    assert one.duration > 0 and one.offers_declined >= 0


@pytest.mark.parametrize(
    "seed, replication, name",
    [
        (0, 0, ("search",)),
        (1, 3, ("search", "manila", "finance-analyst")),
        (2**32 - 1, 2**32, ("attrition", "bogota", "cx")),
        (2**63 - 1, 123_456, ("entity", "b\u00f6gota")),
        (987_654_321, 1, ("transfer", "x", "y", "z", "w")),
    ],
)
def test_stream_seed_is_numpys_seed_sequence_of_seed_and_spawn_key(seed, replication, name):
    """stream_seed assembles the words itself; numpy from (entropy, spawn_key) must agree."""
    key = (replication, *(zlib.crc32(part.encode("utf-8")) for part in name))
    reference = np.random.SeedSequence(entropy=seed, spawn_key=key)
    ours = stream_seed(seed, replication, *name)
    assert np.array_equal(ours.generate_state(8), reference.generate_state(8))
    assert np.array_equal(
        np.random.PCG64(ours).random_raw(4), np.random.PCG64(reference).random_raw(4)
    )


@pytest.mark.parametrize(("seed", "replication"), [(-1, 0), (5, -3)])
def test_a_negative_seed_or_replication_is_refused(seed, replication):
    """As numpy's SeedSequence refuses negative entropy (the words loop would not end)."""
    with pytest.raises(ValueError, match=">= 0"):
        stream_seed(seed, replication, "search")


def test_take_hands_out_consecutive_slices_of_the_stream():
    """Hire blocks: the k-th take of 16 is the k-th block of 16, whatever the block ahead."""
    source = UniformBlocks(np.random.default_rng(4), 48)
    blocks = [source.take(16) for _ in range(7)]
    reference = np.random.default_rng(4)
    assert blocks == [reference.random(16).tolist() for _ in range(7)]
