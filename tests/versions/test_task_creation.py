"""Task creation changed in 3.12; the gather's guarantees must not depend on it.

Python 3.12 added eager task factories: with ``asyncio.eager_task_factory``
installed, ``create_task``/``ensure_future`` run the new coroutine at once,
up to its first suspension, before returning the task, which may already be
finished. ``async_gather`` starts its workers with ``ensure_future``, so under
an eager factory each worker takes plans from the shared queue before the
next worker even exists. These tests run the gather's contract (input order,
the in-flight bound, the task bound, the first ``Err`` by index, nothing run
at build time) under every task factory this Python has.

3.12 also stopped ``asyncio.wait_for`` from wrapping its awaitable in a new
task: a plan that times itself out with ``wait_for`` costs one extra task per
call on 3.11 and none on 3.12+. The gather's task bound counts its own
workers only, which is why it holds either way; the fact itself is pinned
below so that a change in either direction is noticed.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import AsyncPlan, Err, Ok, async_gather, async_lift, async_pure, perform_async, run_sync
from funcpipe_rag.domain.ports import Vector
from funcpipe_rag.rag import hash_embed
from funcpipe_rag.testing import FakeEmbedder, VirtualTimeLoop

T = TypeVar("T")

EAGER_TASKS_EXIST = sys.version_info >= (3, 12)


def _plain_loop() -> asyncio.AbstractEventLoop:
    return VirtualTimeLoop()


def _eager_loop() -> asyncio.AbstractEventLoop:
    loop = VirtualTimeLoop()
    loop.set_task_factory(asyncio.eager_task_factory)
    return loop


LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"lazy tasks": _plain_loop}
if EAGER_TASKS_EXIST:
    LOOPS["eager tasks"] = _eager_loop


def run_on(make_loop: Callable[[], asyncio.AbstractEventLoop], main: Callable[[], Awaitable[T]]) -> T:
    """``main()`` run to completion in virtual time on a loop made by ``make_loop``."""
    return run_sync(main, loop_factory=make_loop)


def test_eager_task_factories_exist_from_3_12_on() -> None:
    assert hasattr(asyncio, "eager_task_factory") == EAGER_TASKS_EXIST
    assert hasattr(asyncio, "create_eager_task_factory") == EAGER_TASKS_EXIST


def test_the_eager_loop_really_starts_tasks_at_creation() -> None:
    # Guards the parametrisation below: the "eager tasks" loop must change what it claims to.
    for name, make_loop in LOOPS.items():

        async def main() -> bool:
            ran: list[str] = []

            async def child() -> None:
                ran.append("child")

            task = asyncio.ensure_future(child())
            started_at_creation = ran == ["child"]
            await task
            return started_at_creation

        assert run_on(make_loop, main) == (name == "eager tasks"), name


def test_wait_for_runs_its_awaitable_in_a_new_task_only_on_3_11() -> None:
    async def main() -> bool:
        me = asyncio.current_task()

        async def whose() -> asyncio.Task[object] | None:
            return asyncio.current_task()

        return await asyncio.wait_for(whose(), 1) is me

    assert run_sync(main) == (sys.version_info >= (3, 12))


class Bench:
    """Plans over a :class:`FakeEmbedder` whose calls take the given virtual delays.

    The embedder records the largest number of calls in flight; its ``sleep`` also
    records how many tasks are alive while a call waits.
    """

    def __init__(self, delays: Iterable[float] = (), fail_on: frozenset[str] = frozenset()) -> None:
        self.delays = iter(delays)
        self.max_tasks = 0
        self.embedder = FakeEmbedder(latency=1.0, sleep=self._sleep, fail_on=fail_on)

    async def _sleep(self, _: float) -> None:
        self.max_tasks = max(self.max_tasks, len(asyncio.all_tasks()))
        await asyncio.sleep(next(self.delays, 0.0))

    def plan(self, text: str) -> AsyncPlan[Vector]:
        return async_lift(lambda: self.embedder.embed(text))


# One step: embed a text after a delay in ms (0 still suspends once), or a pure value that
# never suspends (under eager tasks a worker running only those is done before
# ensure_future returns); and whether the embedding fails.
steps = st.lists(st.tuples(st.sampled_from(["embed", "pure"]), st.integers(0, 5), st.booleans()), max_size=25)


@pytest.mark.parametrize("loop_name", list(LOOPS))
@given(data=steps, concurrency=st.integers(1, 6))
def test_gather_keeps_its_contract_under_every_task_factory(
    loop_name: str, data: list[tuple[str, int, bool]], concurrency: int
) -> None:
    texts = [f"text {i}" for i in range(len(data))]
    failing = [i for i, (kind, _, fail) in enumerate(data) if kind == "embed" and fail]
    bench = Bench(
        delays=[ms / 1000 for kind, ms, _ in data if kind == "embed"],
        fail_on=frozenset(texts[i] for i in failing),
    )
    plans = [
        bench.plan(text) if kind == "embed" else async_pure(hash_embed(text, bench.embedder.dim))
        for text, (kind, _, _) in zip(texts, data, strict=True)
    ]
    gather = async_gather(plans, concurrency=concurrency)
    assert bench.embedder.calls == []
    result = run_on(LOOPS[loop_name], lambda: perform_async(gather))
    if failing:
        assert isinstance(result, Err) and result.error.path == ("embed", texts[failing[0]])
    else:
        assert result == Ok([hash_embed(text, bench.embedder.dim) for text in texts])
    assert bench.embedder.max_in_flight <= concurrency
    assert bench.max_tasks <= concurrency + 1  # the workers and the task driving the gather


@pytest.mark.parametrize("loop_name", list(LOOPS))
def test_gather_replays_the_same_under_every_task_factory(loop_name: str) -> None:
    bench = Bench(delays=[0.01 * (i % 3) for i in range(24)])
    gather = async_gather([bench.plan(f"text {i}") for i in range(12)], concurrency=4)
    first = run_on(LOOPS[loop_name], lambda: perform_async(gather))
    second = run_on(LOOPS[loop_name], lambda: perform_async(gather))
    assert first == second == Ok([hash_embed(f"text {i}", bench.embedder.dim) for i in range(12)])
    assert sorted(bench.embedder.calls) == sorted([f"text {i}" for i in range(12)] * 2)
