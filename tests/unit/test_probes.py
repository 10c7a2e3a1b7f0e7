"""InFlight: the one counter of work in flight, used by the fakes, the demos, the service and the tests."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.testing import InFlight, run_virtual


@given(delays=st.lists(st.integers(0, 5), min_size=1, max_size=20), limit=st.integers(1, 6))
def test_it_counts_the_most_calls_that_overlapped(delays: list[int], limit: int) -> None:
    probe = InFlight()

    async def main() -> None:
        gate = asyncio.Semaphore(limit)

        async def call(d: int) -> None:
            async with gate:
                with probe:
                    await asyncio.sleep(d)

        await asyncio.gather(*(call(d) for d in delays))

    run_virtual(main)
    assert probe.in_flight == 0
    # Calls that start together overlap: the first wave fills every seat.
    assert probe.max_in_flight == min(limit, len(delays))


def test_a_call_that_fails_is_no_longer_in_flight() -> None:
    probe = InFlight()
    with pytest.raises(ZeroDivisionError), probe:
        assert probe.in_flight == 1
        _ = 1 / 0
    assert (probe.in_flight, probe.max_in_flight) == (0, 1)
