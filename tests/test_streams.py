"""Keyed streams: bit for bit numpy's default_rng(SeedSequence(key)), only faster."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sprn.streams import KeyedStreams, pcg64_state

KEYS = st.lists(st.integers(min_value=0, max_value=2**70), min_size=1, max_size=7)


@settings(max_examples=300, deadline=None)  # the first example compiles the hash
@given(KEYS)
def test_state_is_numpys(key):
    ref = np.random.PCG64(np.random.SeedSequence(key)).state["state"]
    assert pcg64_state(key) == (ref["state"], ref["inc"])


@settings(max_examples=100, deadline=None)
@given(KEYS)
def test_draws_are_numpys(key):
    ours = KeyedStreams()(key)
    ref = np.random.default_rng(np.random.SeedSequence(key))
    assert np.array_equal(ours.random(3), ref.random(3))
    assert np.array_equal(ours.standard_normal(4), ref.standard_normal(4))
    assert ours.exponential(1.0) == ref.exponential(1.0)


def test_the_shared_generator_restarts_at_each_key_and_refuses_negative_keys():
    streams = KeyedStreams()
    a = streams((7, 2, 0, 5)).random(2)
    streams((7, 2, 0, 6)).random(9)
    assert np.array_equal(streams((7, 2, 0, 5)).random(2), a)
    with pytest.raises(ValueError, match="non-negative"):
        streams((-1, 2))
