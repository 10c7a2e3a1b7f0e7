"""Core 8: the adapters keep their properties, and each property catches the broken adapter it names.

Every property runs without a socket: the local service's app in process
(``httpx.ASGITransport``) or a transport answering generated outcomes, and a
private in-memory SQLite database. The same properties run against the real
service on a loopback port in ``tests/integration``.
"""

from __future__ import annotations

import pytest

from funcpipe_rag.testing import (
    ADAPTER_PROPERTIES,
    EXCHANGE_STRATA,
    MIN_SHARE,
    WRONG_ADAPTERS,
    adapter_properties,
    measure,
    path_of_exchange,
)

EXAMPLES = 25
NAMES = [p.name for p in ADAPTER_PROPERTIES]
LIBRARY_PROPERTIES = adapter_properties(max_examples=EXAMPLES)


@pytest.mark.parametrize("name", NAMES)
def test_the_library_keeps_the_property(name: str) -> None:
    LIBRARY_PROPERTIES[name]()


@pytest.mark.parametrize("wrong", sorted(WRONG_ADAPTERS))
def test_each_broken_adapter_fails_the_property_it_names(wrong: str) -> None:
    entry = WRONG_ADAPTERS[wrong]
    assert entry.caught_by in NAMES
    with pytest.raises(AssertionError, match=entry.caught_by):
        adapter_properties(entry.impl, max_examples=EXAMPLES)[entry.caught_by]()


def test_every_property_catches_some_broken_adapter() -> None:
    caught = {w.caught_by for w in WRONG_ADAPTERS.values()}
    assert set(NAMES) - caught == set(), "a property no broken adapter fails has not been shown to fail"


def test_generated_outcomes_reach_every_code_in_a_fair_share() -> None:
    log = measure(EXCHANGE_STRATA, path_of_exchange, max_examples=80)
    assert not log.starved(MIN_SHARE / 2), log.summary()  # eight codes: an equal share is 12.5%
