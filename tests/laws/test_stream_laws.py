"""The stream invariants as Hypothesis properties, and the stream algebras that break them.

The laws ``AsyncGen`` keeps (monad and map laws over streams with ``Err``
items) are data in ``stream.LAWS`` and run with every other plan type's in
``test_laws.py``. Here: the five invariants (building does nothing, lazy, Err
passes through, replay, resources released), the chapter's nested
generators, and each wrong stream algebra caught by the law or invariant
named for it — a property that cannot fail proves nothing.
"""

from __future__ import annotations

import pytest

from funcpipe_rag.testing import (
    LIBRARY_STREAMS,
    NESTED,
    STREAM_INVARIANTS,
    STREAM_LAWS,
    WRONG_STREAMS,
    stream_invariant_properties,
    stream_law_properties,
)


@pytest.mark.parametrize("invariant", STREAM_INVARIANTS)
def test_library_streams_keep_invariant(invariant: str) -> None:
    stream_invariant_properties(LIBRARY_STREAMS)[invariant]()


@pytest.mark.parametrize("law", ["left identity", "right identity", "associativity"])
def test_nested_generators_satisfy_the_monad_laws_too(law: str) -> None:
    stream_law_properties(NESTED, max_examples=50)[law]()


def test_nested_generators_leave_resources_open_when_stopped_early() -> None:
    with pytest.raises(AssertionError, match="still held when closing returned"):
        stream_invariant_properties(NESTED)["resources released"]()


def test_every_invariant_and_the_monad_laws_catch_a_wrong_algebra() -> None:
    caught = {w.caught_by for w in WRONG_STREAMS.values()}
    assert caught >= set(STREAM_INVARIANTS) | {"left identity", "right identity", "associativity"}
    assert caught <= set(STREAM_INVARIANTS) | set(STREAM_LAWS)


@pytest.mark.parametrize("wrong", sorted(WRONG_STREAMS))
def test_the_named_property_catches_the_wrong_algebra(wrong: str) -> None:
    entry = WRONG_STREAMS[wrong]
    props = {**stream_law_properties(entry.impl), **stream_invariant_properties(entry.impl, max_examples=100)}
    # A wrong algebra may also crash a later step (None + 1): any failure counts as caught.
    with pytest.raises((AssertionError, TypeError)):
        props[entry.caught_by]()


def test_a_reassociating_and_then_breaks_associativity_only() -> None:
    laws = stream_law_properties(WRONG_STREAMS["and_then reassociates"].impl)
    laws["left identity"]()
    laws["right identity"]()
    with pytest.raises(AssertionError, match="associativity"):
        laws["associativity"]()
