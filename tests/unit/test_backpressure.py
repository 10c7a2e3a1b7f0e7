"""Bounded map, merge and batching of streams (Cores 3 and 9): the contracts the properties do not draw.

The course's failures, each shown next to the library's behaviour on the same
input (a result held until the next source item; a batch held past its
deadline while the source stalls); the merge of streams; the policies'
validation; the course's curried sleeper form; tasks alive over a long run.
Everything runs on the virtual-time loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from funcpipe_rag import (
    AsyncGen,
    BackpressurePolicy,
    ChunkPolicy,
    Err,
    ErrInfo,
    Ok,
    Result,
    async_gen_bounded_map,
    async_gen_chunk,
    async_gen_from_list,
    async_gen_gather,
    async_gen_map,
    async_pure,
    collect_stream,
)
from funcpipe_rag.testing import WRONG_BOUNDED, WRONG_CHUNK, FakeSleeper, run_virtual

Timed = list[tuple[float, Result[Any, ErrInfo]]]


def timed_source(*steps: tuple[float, Any], log: list[str] | None = None) -> AsyncGen[Any]:
    """Gives ``Ok(x)`` (or the ``Err`` given) after sleeping ``ms`` before each; logs ``closed``."""

    async def gen() -> AsyncIterator[Result[Any, ErrInfo]]:
        try:
            for ms, x in steps:
                await asyncio.sleep(ms / 1000)
                yield x if isinstance(x, Err) else Ok(x)
        finally:
            if log is not None:
                log.append("closed")

    return gen


def sleeping(ms: float, value: Any = None) -> Any:
    async def plan() -> Result[Any, ErrInfo]:
        await asyncio.sleep(ms / 1000)
        return Ok(value)

    return plan


async def timed(stream: AsyncGen[Any]) -> Timed:
    loop = asyncio.get_running_loop()
    return [(round(loop.time() * 1000, 6), item) async for item in stream()]


# ---- the course's failures, and the library on the same input --------------------------------------


def test_a_result_ready_at_10_ms_is_handed_on_at_10_ms_while_the_source_is_slow() -> None:
    source = timed_source((0, "a"), (1_000, "b"))
    f = lambda x: sleeping(10, x.upper())
    policy = BackpressurePolicy(4, ordered=True)
    lib, _ = run_virtual(lambda: timed(async_gen_bounded_map(source, f, policy)))
    assert lib == [(10.0, Ok("A")), (1010.0, Ok("B"))]
    course = WRONG_BOUNDED["waits for the source"].impl
    held, _ = run_virtual(lambda: timed(course(source, f, policy)))
    assert held[0] == (1000.0, Ok("A")), "the course's map holds the result until the next item comes"


def test_a_batch_is_flushed_at_its_deadline_while_the_source_stalls() -> None:
    source = timed_source((0, 1), (5, 2), (10_000, 3))
    policy: ChunkPolicy[int] = ChunkPolicy(max_units=10, max_delay_ms=200)
    lib, _ = run_virtual(lambda: timed(async_gen_chunk(source, policy)))
    assert lib == [(200.0, Ok([1, 2])), (10005.0, Ok([3]))]
    course = WRONG_CHUNK["checks the age only when an item arrives"].impl
    late, _ = run_virtual(lambda: timed(course(source, policy)))
    assert late[0] == (10005.0, Ok([1, 2])), "the course's batcher emits a 200 ms batch after 10 s"


def test_with_flush_on_err_off_an_err_follows_the_batch_before_it() -> None:
    bad = Err(ErrInfo("VALIDATION", "bad"))
    source = timed_source((0, 1), (0, bad), (0, 2), (0, 3))
    policy: ChunkPolicy[int] = ChunkPolicy(max_units=3, max_delay_ms=0, flush_on_err=False)
    got, _ = run_virtual(lambda: collect_stream(async_gen_chunk(source, policy)))
    assert got == [Ok([1, 2, 3]), bad]
    flushing: ChunkPolicy[int] = ChunkPolicy(max_units=3, max_delay_ms=0, flush_on_err=True)
    got, _ = run_virtual(lambda: collect_stream(async_gen_chunk(source, flushing)))
    assert got == [Ok([1]), bad, Ok([2, 3])]


def test_an_oversized_item_travels_alone_and_sizes_come_from_size_fn() -> None:
    policy: ChunkPolicy[str] = ChunkPolicy(max_units=5, max_delay_ms=0, size_fn=len)
    words = async_gen_from_list(["ab", "cd", "toolong", "e"])
    got, _ = run_virtual(lambda: collect_stream(async_gen_chunk(words, policy)))
    assert got == [Ok(["ab", "cd"]), Ok(["toolong"]), Ok(["e"])]


# ---- the course's curried form -------------------------------------------------------------------


def test_the_course_curried_form_takes_a_workbook_sleeper() -> None:
    sleeper = FakeSleeper()
    source = timed_source((0, 1), (1_000, 2))
    chunked = async_gen_chunk(source, ChunkPolicy(max_units=10, max_delay_ms=50))(sleeper)
    got, _ = run_virtual(lambda: timed(chunked))
    assert got == [(50.0, Ok([1])), (1000.0, Ok([2]))]
    assert sleeper.calls == pytest.approx([0.05, 0.05])


class CourseSleeper:
    """The course's ``Sleeper`` shape (``now_ms``, ``sleep_ms``), here reading the loop's clock."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def now_ms(self) -> int:
        return int(asyncio.get_running_loop().time() * 1000)

    async def sleep_ms(self, ms: float) -> None:
        self.slept.append(ms)
        await asyncio.sleep(ms / 1000)


def test_the_course_curried_form_takes_the_course_sleeper() -> None:
    sleeper = CourseSleeper()
    source = timed_source((0, 1), (0, 2), (300, 3))
    chunked = async_gen_chunk(source, ChunkPolicy(max_units=10, max_delay_ms=100))(sleeper)
    got, _ = run_virtual(lambda: timed(chunked))
    assert got == [(100.0, Ok([1, 2])), (300.0, Ok([3]))]
    assert sleeper.slept == pytest.approx([100.0, 100.0])


def test_the_curried_form_refuses_what_is_not_a_sleeper() -> None:
    chunked = async_gen_chunk(async_gen_from_list([1]))
    with pytest.raises(TypeError, match="sleeper"):
        chunked(42)  # type: ignore[call-overload]


# ---- the merge of streams ------------------------------------------------------------------------


def test_gather_gives_items_in_arrival_order_each_stream_in_its_own_order() -> None:
    bad = Err(ErrInfo("VALIDATION", "bad"))
    a = timed_source((10, "a1"), (30, "a2"))
    b = timed_source((5, "b1"), (0, bad), (20, "b2"))
    got, elapsed = run_virtual(lambda: timed(async_gen_gather([a, b])))
    assert got == [(5.0, Ok("b1")), (5.0, bad), (10.0, Ok("a1")), (25.0, Ok("b2")), (40.0, Ok("a2"))]
    assert elapsed == pytest.approx(0.040)


def test_gather_keeps_a_fast_stream_within_its_buffer_while_the_consumer_is_slow() -> None:
    pulled: list[int] = []

    def fast() -> AsyncIterator[Result[int, ErrInfo]]:
        async def gen() -> AsyncIterator[Result[int, ErrInfo]]:
            for i in range(100):
                pulled.append(i)
                yield Ok(i)

        return gen()

    async def main() -> list[int]:
        seen = []
        async with aclosing(async_gen_gather([fast], max_buffer=4)()) as items:
            async for item in items:
                await asyncio.sleep(1)
                seen.append(len(pulled) - item.value - 1)  # type: ignore[union-attr]
        return seen

    ahead, _ = run_virtual(main)
    assert max(ahead) <= 4 + 1, f"the fast stream ran {max(ahead)} items ahead of a slow consumer"


def test_closing_a_gather_early_closes_every_stream_and_leaves_no_task() -> None:
    log: list[str] = []
    streams = [timed_source((1, 1), (1_000, 2), log=log), timed_source((2, 3), (5_000, 4), log=log)]

    async def main() -> tuple[list[Any], int]:
        me = asyncio.current_task()
        got = await collect_stream(async_gen_gather(streams), limit=2)
        return got, len([t for t in asyncio.all_tasks() if t is not me])

    (got, left), elapsed = run_virtual(main)
    assert got == [Ok(1), Ok(3)] and log == ["closed", "closed"] and left == 0
    assert elapsed == pytest.approx(0.002)


def test_an_exception_in_one_merged_stream_closes_the_others_and_propagates() -> None:
    log: list[str] = []

    async def broken() -> AsyncIterator[Result[int, ErrInfo]]:
        await asyncio.sleep(0.01)
        raise RuntimeError("the source has a bug")
        yield Ok(0)  # pragma: no cover - makes this an async generator

    async def main() -> None:
        await collect_stream(async_gen_gather([timed_source((1_000, 1), log=log), broken]))

    with pytest.raises(RuntimeError, match="the source has a bug"):
        run_virtual(main)
    assert log == ["closed"]


def test_gather_of_no_streams_is_empty_and_its_buffer_must_be_positive() -> None:
    assert run_virtual(lambda: collect_stream(async_gen_gather([])))[0] == []
    with pytest.raises(ValueError, match="at least 1"):
        async_gen_gather([], max_buffer=0)


# ---- the bounded map: what the drawn scenarios leave out -----------------------------------------


def test_tasks_alive_stay_within_the_limit_over_a_long_stream() -> None:
    most = [0]

    def f(x: int) -> Any:
        async def plan() -> Result[int, ErrInfo]:
            await asyncio.sleep((x % 7) / 1000)
            most[0] = max(most[0], len(asyncio.all_tasks()))
            return Ok(x)

        return plan

    policy = BackpressurePolicy(10, ordered=False)
    stream = async_gen_bounded_map(async_gen_from_list(range(2_000)), f, policy)
    got, _ = run_virtual(lambda: collect_stream(stream))
    assert sorted(r.value for r in got) == list(range(2_000))  # type: ignore[union-attr]
    assert most[0] <= 10 + 2, f"{most[0]} tasks alive at once (limit 10, plus the consumer and one pull)"


def test_an_exception_from_the_source_cancels_the_plans_and_propagates() -> None:
    cancelled: list[int] = []

    async def source() -> AsyncIterator[Result[int, ErrInfo]]:
        yield Ok(1)
        await asyncio.sleep(0.005)
        raise RuntimeError("the source has a bug")

    def f(x: int) -> Any:
        async def plan() -> Result[int, ErrInfo]:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                cancelled.append(x)
                raise
            return Ok(x)

        return plan

    with pytest.raises(RuntimeError, match="the source has a bug"):
        run_virtual(lambda: collect_stream(async_gen_bounded_map(source, f)))
    assert cancelled == [1]


def test_plans_known_at_once_need_no_task_and_the_map_composes_and_replays() -> None:
    calls: list[int] = []

    def f(x: int) -> Any:
        calls.append(x)
        return async_pure(x * 2)

    doubled = async_gen_bounded_map(async_gen_from_list([1, 2, 3]), f, BackpressurePolicy(2))
    stream = async_gen_map(doubled, str)
    assert calls == [], "building the stream runs nothing"
    first, _ = run_virtual(lambda: collect_stream(stream))
    second, _ = run_virtual(lambda: collect_stream(stream))
    assert first == second == [Ok("2"), Ok("4"), Ok("6")]
    assert calls == [1, 2, 3, 1, 2, 3]


def test_a_plan_returning_something_else_than_a_result_is_a_type_error() -> None:
    def f(x: int) -> Any:
        async def plan() -> int:
            await asyncio.sleep(0.001)
            return x  # forgot Ok(...)

        return plan

    with pytest.raises(TypeError, match="given to async_gen_bounded_map finished with int"):
        run_virtual(lambda: collect_stream(async_gen_bounded_map(async_gen_from_list([1]), f)))


# ---- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: BackpressurePolicy(0), ValueError, "at least 1"),
        (lambda: BackpressurePolicy("8"), TypeError, "must be an int"),  # type: ignore[arg-type]
        (lambda: BackpressurePolicy(True), TypeError, "must be an int"),
        (lambda: BackpressurePolicy(8, ordered="yes"), TypeError, "True or False"),  # type: ignore[arg-type]
        (lambda: async_gen_bounded_map(async_gen_from_list([1]), lambda x: async_pure(x), 8), TypeError,  # type: ignore[arg-type]
         "BackpressurePolicy"),
        (lambda: async_gen_bounded_map(async_gen_from_list([1])(), lambda x: async_pure(x)), TypeError,  # type: ignore[arg-type]
         "not stream()"),
        (lambda: ChunkPolicy(max_units=-1), ValueError, "at least 0"),
        (lambda: ChunkPolicy(max_delay_ms=-5), ValueError, "at least 0"),
        (lambda: ChunkPolicy(max_units=2.5), TypeError, "must be an int"),  # type: ignore[arg-type]
        (lambda: ChunkPolicy(flush_on_err=1), TypeError, "True or False"),  # type: ignore[arg-type]
        (lambda: ChunkPolicy(size_fn=3), TypeError, "size_fn"),  # type: ignore[arg-type]
        (lambda: async_gen_chunk(async_gen_from_list([1]), {"max_units": 3}), TypeError, "ChunkPolicy"),  # type: ignore[arg-type]
    ],
)
def test_policies_and_arguments_are_validated_with_a_message_that_says_what_to_do(
    build: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        build()


def test_a_size_fn_returning_a_negative_size_is_a_bug_that_propagates() -> None:
    policy: ChunkPolicy[int] = ChunkPolicy(max_units=3, size_fn=lambda x: -x)
    with pytest.raises(ValueError, match="size_fn must return an int of at least 0"):
        run_virtual(lambda: collect_stream(async_gen_chunk(async_gen_from_list([1]), policy)))


def test_a_plan_emitted_before_its_done_callback_ran_only_wakes_the_step() -> None:
    """On a busy loop the step can see a head task done and emit it before the task's callback runs.

    The callback then finds the window empty: it must only take the task off the running set and wake
    the step (which may now pull again or finish), not fail on the empty window.
    """
    stream = async_gen_bounded_map(async_gen_from_list([1]), lambda x: async_pure(x), BackpressurePolicy(2))

    async def main() -> set[Any]:
        cursor: Any = stream.cursor()  # type: ignore[attr-defined]
        task = asyncio.get_running_loop().create_future()
        task.set_result(Ok(1))
        cursor.tasks.add(task)  # still counted as running, already taken out of the window by the step
        cursor._done(task)
        return set(cursor.tasks)

    assert run_virtual(main)[0] == set()
