"""The lifts' properties (Core 7), and the wrong lifts each one catches."""

from __future__ import annotations

import pytest

from funcpipe_rag.testing import LIBRARY_LIFTS, LIFT_PROPERTIES, WRONG_LIFTS, lift_properties


@pytest.mark.parametrize("prop", LIFT_PROPERTIES)
def test_library_lifts_keep_property(prop: str) -> None:
    lift_properties(LIBRARY_LIFTS)[prop]()


def test_every_property_catches_a_wrong_lift() -> None:
    assert {w.caught_by for w in WRONG_LIFTS.values()} == set(LIFT_PROPERTIES)


@pytest.mark.parametrize("wrong", sorted(WRONG_LIFTS))
def test_the_named_property_catches_the_wrong_lift(wrong: str) -> None:
    entry = WRONG_LIFTS[wrong]
    with pytest.raises(AssertionError):
        lift_properties(entry.impl)[entry.caught_by]()
