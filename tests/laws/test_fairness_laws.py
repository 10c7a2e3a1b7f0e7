"""Core 6's laws as Hypothesis properties on the virtual-time loop, and the broken operators they catch.

The properties (``funcpipe_rag.testing.fairness_properties``) run the
library's rate limiter and fair merge; each wrong limiter or merge of
``WRONG_FAIRNESS`` is caught by the property named for it — a property that
cannot fail proves nothing.
"""

from __future__ import annotations

import pytest

from funcpipe_rag.testing import FAIRNESS_PROPERTIES, LIBRARY_FAIRNESS, WRONG_FAIRNESS, fairness_properties


@pytest.mark.parametrize("prop", FAIRNESS_PROPERTIES)
def test_library_keeps(prop: str) -> None:
    fairness_properties(LIBRARY_FAIRNESS)[prop]()


def test_every_property_catches_a_wrong_operator() -> None:
    assert {w.caught_by for w in WRONG_FAIRNESS.values()} == set(FAIRNESS_PROPERTIES)


@pytest.mark.parametrize("wrong", sorted(WRONG_FAIRNESS))
def test_the_named_property_catches_the_wrong_operator(wrong: str) -> None:
    entry = WRONG_FAIRNESS[wrong]
    with pytest.raises(AssertionError):
        fairness_properties(entry.impl, max_examples=100)[entry.caught_by]()
