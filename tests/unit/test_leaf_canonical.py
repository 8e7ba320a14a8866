"""`ledger.leaf.canonical` spells exactly what `rfc8785.dumps` spells, and
refuses exactly what it refuses: a leaf built by the C JSON encoder must be
byte for byte the leaf every verifier recomputes with RFC 8785."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.actors import Actor, Role
from ledger.domain import Program
from ledger.events import envelope, leaf_form
from ledger.leaf import canonical, leaf_bytes, plain

# Characters where the two spellings could part: controls and escapes,
# Hangul, BMP characters above the surrogates (U+E000..U+FFFF sort *after*
# non-BMP characters in UTF-16, *before* them by code point), emoji and other
# non-BMP characters, line separators, lone surrogates (refused).
TRICKY = (
    [chr(c) for c in range(0x20)]
    + ['"', "\\", "/", "\x7f", "\u2028", "\u2029", "\ufeff", "\ufffd", "\uffff", "\ue000"]
    + ["한", "글", "서", "연", "ｚ", "é", "\u0301", "\U0001f3a8", "\U0001f600", "\U00010000"]
    + ["\U0010ffff", "\ud800", "\udfff", "a", "Z", "0", " "]
)
text = st.one_of(st.text(max_size=12), st.text(st.sampled_from(TRICKY), max_size=8))
safe = 2**53 - 1
integers = st.one_of(
    st.integers(-safe, safe),
    st.sampled_from([safe, -safe, safe + 1, -safe - 1, 2**64, 0]),
    st.integers(),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    text,
    integers,
    st.floats(allow_nan=True, allow_infinity=True),  # refused or spelled by rfc8785
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(text, inner, max_size=5),
    ),
    max_leaves=24,
)
# What an envelope looks like: string keys, strings, ids, positions, None.
leaf_shaped = st.fixed_dictionaries(
    {
        "position": st.integers(1, safe),
        "type": text,
        "aggregate_version": st.integers(1, 2**31),
        "actor": st.fixed_dictionaries({"id": st.none() | text, "role": text}),
        "data": st.dictionaries(text, st.none() | text | integers | st.lists(text), max_size=8),
    }
)


def same_as_rfc8785(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except Exception as error:
        with pytest.raises(type(error)):
            canonical(value)
    else:
        assert canonical(value) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_canonical_json_is_byte_for_byte_rfc8785_or_refused_alike(value):
    same_as_rfc8785(value)


@settings(max_examples=300, deadline=None)
@given(leaf_shaped)
def test_leaf_shaped_values_canonicalise_as_rfc8785(value):
    same_as_rfc8785(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ue000": 2, "z": 3},  # UTF-16 order differs from code points
        {"a": 1.5},
        {"a": 1e21},
        {"a": 2**53},
        {1: "a"},
        {"a": "\ud800"},
        {"\udfff": "a"},
        [float("nan")],
    ],
)
def test_values_the_json_encoder_would_spell_differently_go_to_rfc8785(value):
    same_as_rfc8785(value)


def test_a_key_beyond_the_bmp_is_not_taken_by_the_fast_path():
    assert not plain({"\U0001f600": 1})
    assert canonical({"\U0001f600": 1, "\ue000": 2}) == rfc8785.dumps(
        {"\U0001f600": 1, "\ue000": 2}
    )


def test_an_events_leaf_takes_the_fast_path_and_equals_rfc8785():
    today = datetime.now(UTC).date()
    staff = Actor("staff-1", Role.STAFF)
    program = Program.open("seoul-2026", "AI Tools — 서울 🎨", "Seoul", today, today, 21, staff)
    env = envelope(12, program.collect_events()[0])
    assert plain(leaf_form(env))
    assert leaf_bytes(env) == rfc8785.dumps(leaf_form(env))
