"""async_gather: order, the in-flight bound, first Err by index, lazy tasks, clean cancellation.

Latencies are simulated in virtual time (``run_virtual``): the runs are
deterministic and take no real time, whatever the generated delays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import perform_async, run_plan
from funcpipe_rag.domain.effects.async_ import AsyncPlan, async_gather, async_lift, async_pure
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing import InFlight, run_virtual


@dataclass
class Probe:
    """Counts plans in flight and tasks alive while the gather runs."""

    flight: InFlight = field(default_factory=InFlight)
    max_tasks: int = 0
    started: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def plan(self, index: int, delay: float, fail: bool = False) -> AsyncPlan[int]:
        async def work() -> Result[int, ErrInfo]:
            self.started.append(index)
            self.events.append("start")
            with self.flight:
                self.max_tasks = max(self.max_tasks, len(asyncio.all_tasks()))
                await asyncio.sleep(delay)
            if fail:
                self.events.append("err")
                return Err(ErrInfo("TRANSIENT", f"plan {index}"))
            return Ok(index * index)

        return async_lift(work)


delays = st.lists(st.integers(0, 20).map(lambda ms: ms / 1000), max_size=40)


@given(delays=delays, concurrency=st.integers(1, 12))
def test_results_keep_input_order_and_respect_the_bound(delays: list[float], concurrency: int) -> None:
    probe = Probe()
    plan = async_gather([probe.plan(i, d) for i, d in enumerate(delays)], concurrency=concurrency)
    result, _ = run_virtual(lambda: perform_async(plan))
    assert result == Ok([i * i for i in range(len(delays))])
    assert probe.flight.max_in_flight <= concurrency
    assert probe.max_tasks <= concurrency + 1  # the workers and the task driving the gather
    assert sorted(probe.started) == list(range(len(delays)))


@given(n=st.integers(1, 30), concurrency=st.integers(1, 8))
def test_the_bound_is_reached_when_work_overlaps(n: int, concurrency: int) -> None:
    probe = Probe()
    plan = async_gather([probe.plan(i, 0.01) for i in range(n)], concurrency=concurrency)
    _, elapsed = run_virtual(lambda: perform_async(plan))
    assert probe.flight.max_in_flight == min(n, concurrency)
    assert elapsed == pytest.approx(0.01 * -(-n // concurrency))  # ceil(n / c) waves


@given(
    data=st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=30),
    concurrency=st.integers(1, 10),
)
def test_first_err_by_index_wins_whatever_finishes_first(
    data: list[tuple[int, bool]], concurrency: int
) -> None:
    probe = Probe()
    # Later plans finish sooner, so a later Err usually arrives first in time.
    plans = [probe.plan(i, (len(data) - i + ms) / 1000, fail) for i, (ms, fail) in enumerate(data)]
    result, _ = run_virtual(lambda: perform_async(async_gather(plans, concurrency=concurrency)))
    failing = [i for i, (_, fail) in enumerate(data) if fail]
    if failing:
        assert result == Err(ErrInfo("TRANSIENT", f"plan {failing[0]}"))
        # Plans are handed out in index order, so once an Err is in, nothing new starts.
        assert "start" not in probe.events[probe.events.index("err") :]
    else:
        assert result == Ok([i * i for i in range(len(data))])


def test_building_a_gather_runs_nothing_and_it_replays() -> None:
    probe = Probe()
    plan = async_gather((probe.plan(i, 0) for i in range(5)), concurrency=2)  # a generator
    assert probe.started == []
    first = run_plan(plan)
    second = run_plan(plan)
    assert first == second == Ok([0, 1, 4, 9, 16])
    assert len(probe.started) == 10


def test_many_plans_cost_only_a_handful_of_tasks() -> None:
    probe = Probe()
    n, concurrency = 100_000, 8

    def plans() -> Iterator[AsyncPlan[int]]:
        for i in range(n):
            yield probe.plan(i, 0) if i % 997 == 0 else async_pure(i * i)

    result, _ = run_virtual(lambda: perform_async(async_gather(plans(), concurrency=concurrency)))
    assert isinstance(result, Ok) and len(result.value) == n and result.value[-1] == (n - 1) ** 2
    assert probe.max_tasks <= concurrency + 1


@pytest.mark.parametrize("bad", [0, -3])
def test_a_concurrency_below_one_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        async_gather([async_pure(1)], concurrency=bad)


def test_a_non_integer_concurrency_is_refused() -> None:
    with pytest.raises(TypeError, match="concurrency must be an int"):
        async_gather([async_pure(1)], concurrency=True)


def test_edge_cases() -> None:
    assert run_plan(async_gather([], concurrency=3)) == Ok([])
    assert run_plan(async_gather([async_pure(i) for i in range(4)])) == Ok([0, 1, 2, 3])


async def test_cancelling_the_gather_leaves_no_task_behind() -> None:
    started = 0
    finished = 0

    async def slow() -> Result[int, ErrInfo]:
        nonlocal started, finished
        started += 1
        try:
            await asyncio.sleep(3600)
            return Ok(1)
        finally:
            finished += 1

    before = asyncio.all_tasks()
    task = asyncio.ensure_future(perform_async(async_gather([async_lift(slow)] * 10, concurrency=4)))
    while started < 4:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert started == finished == 4
    assert asyncio.all_tasks() == before


async def test_an_exception_cancels_the_siblings_and_propagates() -> None:
    cancelled = 0

    async def slow() -> Result[int, ErrInfo]:
        nonlocal cancelled
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return Ok(1)

    async def broken() -> Result[int, ErrInfo]:
        await asyncio.sleep(0)
        raise RuntimeError("a bug inside one plan")

    before = asyncio.all_tasks()
    plans = [async_lift(slow), async_lift(slow), async_lift(broken)]
    with pytest.raises(RuntimeError, match="a bug inside one plan"):
        await perform_async(async_gather(plans, concurrency=3))
    assert cancelled == 2
    assert asyncio.all_tasks() == before
