"""Virtual time: timers fire in real-time order, instantly and deterministically."""

from __future__ import annotations

import asyncio
import time

import pytest

from funcpipe_rag.testing import run_virtual


def test_an_hour_of_sleeping_takes_no_real_time() -> None:
    started = time.monotonic()
    value, elapsed = run_virtual(lambda: asyncio.sleep(3600, "done"))
    assert value == "done" and elapsed == pytest.approx(3600)
    assert time.monotonic() - started < 60  # generous: virtual, not real, seconds


def test_timers_fire_in_order_and_the_timeline_is_reproducible() -> None:
    async def main() -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        seen: list[tuple[str, float]] = []

        async def worker(name: str, delay: float) -> None:
            await asyncio.sleep(delay)
            seen.append((name, loop.time()))

        await asyncio.gather(worker("slow", 0.3), worker("fast", 0.1), worker("mid", 0.2))
        return seen

    first, _ = run_virtual(main)
    second, _ = run_virtual(main)
    assert [name for name, _ in first] == ["fast", "mid", "slow"]
    assert first == second


async def test_it_runs_from_inside_a_running_loop() -> None:
    value, elapsed = run_virtual(lambda: asyncio.sleep(5, 42))
    assert (value, elapsed) == (42, pytest.approx(5))


def test_exceptions_reach_the_caller() -> None:
    async def boom() -> None:
        await asyncio.sleep(1)
        raise LookupError("inside virtual time")

    with pytest.raises(LookupError, match="inside virtual time"):
        run_virtual(boom)
