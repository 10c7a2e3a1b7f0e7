"""The properties of the bounded map (Core 3) and of the batcher (Core 9), in virtual time.

Each property holds for the library and for a hand-written version (so the
properties describe the behaviour, not the library's machinery), and fails
for the wrong version named for it — several of them the course's own: a
property that cannot fail proves nothing.
"""

from __future__ import annotations

import pytest

from funcpipe_rag.testing import (
    BOUNDED_PROPERTIES,
    CHUNK_PROPERTIES,
    WRONG_BOUNDED,
    WRONG_CHUNK,
    bounded_properties,
    chunk_properties,
    handmade_bounded,
    handmade_chunk,
)

BOUNDED = [p.name for p in BOUNDED_PROPERTIES]
CHUNK = [p.name for p in CHUNK_PROPERTIES]


@pytest.mark.parametrize("prop", BOUNDED)
def test_the_library_bounded_map_keeps(prop: str) -> None:
    bounded_properties(max_examples=100)[prop]()


@pytest.mark.parametrize("prop", CHUNK)
def test_the_library_batcher_keeps(prop: str) -> None:
    chunk_properties(max_examples=100)[prop]()


@pytest.mark.parametrize("prop", BOUNDED)
def test_a_hand_written_bounded_map_keeps(prop: str) -> None:
    bounded_properties(handmade_bounded(), max_examples=40)[prop]()


@pytest.mark.parametrize("prop", CHUNK)
def test_a_hand_written_batcher_keeps(prop: str) -> None:
    chunk_properties(handmade_chunk(), max_examples=40)[prop]()


def test_every_property_catches_a_wrong_version() -> None:
    assert {w.caught_by for w in WRONG_BOUNDED.values()} == set(BOUNDED)
    assert {w.caught_by for w in WRONG_CHUNK.values()} == set(CHUNK)


@pytest.mark.parametrize("wrong", sorted(WRONG_BOUNDED))
def test_the_named_property_catches_the_wrong_bounded_map(wrong: str) -> None:
    entry = WRONG_BOUNDED[wrong]
    with pytest.raises(AssertionError, match=entry.caught_by.split()[0]):
        bounded_properties(entry.impl, max_examples=200)[entry.caught_by]()


@pytest.mark.parametrize("wrong", sorted(WRONG_CHUNK))
def test_the_named_property_catches_the_wrong_batcher(wrong: str) -> None:
    entry = WRONG_CHUNK[wrong]
    with pytest.raises(AssertionError, match=entry.caught_by.split()[0]):
        chunk_properties(entry.impl, max_examples=200)[entry.caught_by]()
