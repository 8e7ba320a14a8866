"""The bus skips building a leaf only when a bound proves it fits: the bound
is never below the leaf's real size, and an event it cannot prove small is
measured exactly (and refused when too large)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.events import _plain
from ledger.leaf import MAX_LEAF_BYTES, _most_bytes, canonical, fits_surely

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.text(st.characters(exclude_categories=["Cs"])),
    st.uuids(),
    st.datetimes(timezones=st.just(UTC)),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"])),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_the_bound_is_never_below_the_canonical_size(value):
    assert _most_bytes(value) >= len(canonical(_plain(value)))


def test_control_characters_and_far_offsets_stay_within_the_bound():
    far = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-14)))
    for value in ("\x00" * 100, "\U0001f600" * 100, far):
        assert _most_bytes(value) >= len(canonical(_plain(value)))


def test_what_it_cannot_bound_is_left_to_the_exact_measure():
    assert _most_bytes(1.5) is None
    assert _most_bytes(2**60) is None
    assert _most_bytes({1: "a"}) is None
    assert not fits_surely(SimpleNamespace(weights=[0.5]))


def test_a_small_event_fits_surely_and_a_large_one_is_measured():
    small = SimpleNamespace(originator_id=uuid.uuid4(), title="Han River", tags=["a"] * 10)
    large = SimpleNamespace(originator_id=uuid.uuid4(), text="x" * (MAX_LEAF_BYTES // 12))
    assert fits_surely(small)
    assert not fits_surely(large)
