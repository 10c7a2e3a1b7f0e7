"""When an async generator's ``finally`` runs, on every version.

Streams (Core 2 onwards) are async generators, and their cleanup (closing a
connection, releasing a slot of a bound) lives in ``finally`` blocks. An
async generator that is not run to the end is not closed where the loop
leaves it: ``break`` drops it, the event loop's finaliser hook schedules its
``aclose()`` as a task, and the runner closes any that are still open when
it shuts down. These tests pin that timeline on whichever Python runs the
suite, for the workbook's own runners (``run_sync`` from plain code and from
inside a running loop, ``run_virtual``), and show the one reliable way to
close at a known point: ``contextlib.aclosing``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from funcpipe_rag import run_sync
from funcpipe_rag.testing import run_virtual


class Source:
    """An async generator of numbers that logs when it is closed and how long closing took."""

    def __init__(self, cleanup: float = 0.0) -> None:
        self.log: list[str] = []
        self.cleanup = cleanup
        self.kept: list[AsyncIterator[int]] = []

    async def numbers(self) -> AsyncIterator[int]:
        try:
            for n in range(100):
                yield n
                await asyncio.sleep(0)
        finally:
            if self.cleanup:
                await asyncio.sleep(self.cleanup)  # awaiting during cleanup must still work
            self.log.append("closed")

    async def first_of_one_left_open(self) -> int:
        """Start a generator, take its first value and keep it referenced: only a runner's
        shutdown can close it then."""
        numbers = self.numbers()
        self.kept.append(numbers)
        return await anext(numbers)


def test_break_does_not_close_the_generator_at_once_but_the_runner_does() -> None:
    source = Source()

    async def main() -> list[str]:
        async for n in source.numbers():
            if n == 2:
                break
        return list(source.log)

    seen_after_break = run_sync(main)
    assert seen_after_break == []  # not closed where the loop left it...
    assert source.log == ["closed"]  # ...but closed before run_sync returned


def test_the_finaliser_closes_a_dropped_generator_within_a_few_loop_turns() -> None:
    source = Source()

    async def main() -> int:
        async for n in source.numbers():
            if n == 2:
                break
        turns = 0
        while not source.log and turns < 10:
            await asyncio.sleep(0)
            turns += 1
        return turns

    turns = run_sync(main)
    assert source.log == ["closed"]
    assert 1 <= turns <= 3  # scheduled by the finaliser hook, run as a task soon after


def test_aclosing_closes_at_the_break() -> None:
    source = Source()

    async def main() -> list[str]:
        async with aclosing(source.numbers()) as numbers:
            async for n in numbers:
                if n == 2:
                    break
        return list(source.log)

    assert run_sync(main) == ["closed"]


async def test_run_sync_inside_a_running_loop_closes_its_own_generators() -> None:
    # From a notebook cell or an async test, run_sync runs a fresh loop in a helper thread;
    # that loop's generators are closed by the time run_sync returns, not by the outer loop.
    source = Source()
    assert run_sync(source.first_of_one_left_open) == 0
    assert source.log == ["closed"]


def test_virtual_time_runs_cleanup_that_waits_without_waiting() -> None:
    source = Source(cleanup=30.0)
    value, elapsed = run_virtual(source.first_of_one_left_open)
    assert value == 0 and source.log == ["closed"]
    assert elapsed == pytest.approx(0.0)  # measured when main returned, before the shutdown


def test_a_closed_generator_cannot_be_resumed() -> None:
    source = Source()

    async def main() -> str:
        numbers = source.numbers()
        await anext(numbers)
        await numbers.aclose()
        try:
            await anext(numbers)
        except StopAsyncIteration:
            return "StopAsyncIteration"
        return "resumed"

    assert run_sync(main) == "StopAsyncIteration"
    assert source.log == ["closed"]


def test_asyncio_run_closes_generators_too() -> None:
    # The demos drive plans with asyncio.run: it closes leftover generators at shutdown too.
    source = Source(cleanup=0.01)
    assert asyncio.run(source.first_of_one_left_open()) == 0
    assert source.log == ["closed"]
