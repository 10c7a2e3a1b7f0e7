"""What each stream combinator does, how runs close, and the operator protocol, case by case.

The laws and invariants over generated streams are in ``tests/laws``; here are
the individual behaviours, the error messages, the course's own usage
(``async for item in stream()``, ``await it.aclose()``), and an operator
written outside the interpreter to show that the protocol is enough for one.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import Any

import pytest

from funcpipe_rag import (
    Err,
    ErrInfo,
    Ok,
    Result,
    async_from_result,
    async_gen_and_then,
    async_gen_flat_map,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_map,
    async_gen_map_action,
    async_gen_return,
    async_gen_using,
    async_lift,
    async_pure,
    collect_stream,
    lift_async_item,
    run_stream,
    stream_items,
)
from funcpipe_rag.domain.effects.async_ import StreamNode, StreamRun
from funcpipe_rag.domain.effects.async_._stream_nodes import Cursor
from funcpipe_rag.testing import CountingSource, RecordingResource, items

BOOM = ErrInfo("TIMEOUT", "slow")


def oks(*values: Any) -> list[Result[Any, ErrInfo]]:
    return [Ok(v) for v in values]


# ---- each combinator ---------------------------------------------------------------------


def test_return_and_from_list() -> None:
    assert run_stream(async_gen_return(7)) == oks(7)
    assert run_stream(async_gen_from_list([1, 2, 3])) == oks(1, 2, 3)
    assert run_stream(async_gen_from_list([])) == []


def test_from_list_reads_a_generator_once_when_built_so_it_replays() -> None:
    s = async_gen_from_list(x * x for x in range(3))
    assert run_stream(s) == run_stream(s) == oks(0, 1, 4)


def test_from_iter_is_lazy_replays_and_closes_its_generator() -> None:
    made: list[str] = []

    def numbers() -> Any:
        made.append("start")
        try:
            yield from range(5)
        finally:
            made.append("finally")

    s = async_gen_from_iter(numbers)
    assert made == []
    assert run_stream(s, limit=2) == oks(0, 1)
    assert made == ["start", "finally"], "the generator was not closed when the run stopped early"
    assert run_stream(s) == oks(0, 1, 2, 3, 4)


def test_map_applies_f_to_ok_items_only() -> None:
    seen: list[int] = []

    def f(x: int) -> int:
        seen.append(x)
        return x * 10

    got = run_stream(async_gen_map(items(1, "TIMEOUT", 2), f))
    assert [type(r).__name__ for r in got] == ["Ok", "Err", "Ok"]
    assert got[0] == Ok(10) and got[2] == Ok(20) and seen == [1, 2]


@pytest.mark.parametrize("value", [None, 0, "", [], False])
def test_falsy_values_are_items_like_any_other(value: object) -> None:
    s = async_gen_and_then(async_gen_map(async_gen_return(value), lambda v: v), async_gen_return)
    s = async_gen_map_action(s, async_pure)
    assert run_stream(s) == [Ok(value)]


def test_map_action_runs_one_plan_per_ok_item_in_order() -> None:
    log: list[str] = []

    async def slow_double(x: int) -> Result[int, ErrInfo]:
        log.append(f"start {x}")
        await asyncio.sleep(0.01 * (3 - x))  # later items are faster: order must still hold
        log.append(f"end {x}")
        return Ok(x * 2)

    s = async_gen_map_action(items(1, 2, "DB", 3), lambda x: async_lift(lambda: slow_double(x)))
    got = run_stream(s)
    assert got[0] == Ok(2) and got[1] == Ok(4) and isinstance(got[2], Err) and got[3] == Ok(6)
    assert log == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]


def test_map_action_accepts_every_kind_of_plan_and_emits_their_errs() -> None:
    async def coro(x: int) -> Result[int, ErrInfo]:
        return Ok(x + 100)

    plans = {
        0: lambda x: async_pure(x),
        1: lambda x: async_from_result(Err(BOOM)),
        2: lambda x: async_lift(lambda: coro(x)),
        3: lambda x: lambda: coro(x),  # a hand-written plan
    }
    s = async_gen_map_action(async_gen_from_list([0, 1, 2, 3]), lambda k: plans[k](k))
    assert run_stream(s) == [Ok(0), Err(BOOM), Ok(102), Ok(103)]


def test_and_then_expands_each_ok_and_passes_errs() -> None:
    s = async_gen_and_then(items(1, "NOT_FOUND", 3), lambda x: async_gen_from_list(range(x)))
    got = run_stream(s)
    assert got[0] == Ok(0) and isinstance(got[1], Err) and got[2:] == oks(0, 1, 2)
    assert async_gen_flat_map is async_gen_and_then


def test_an_err_inside_an_inner_stream_does_not_end_it() -> None:
    s = async_gen_and_then(async_gen_from_list([1, 2]), lambda x: items(x, "DB", -x))
    got = run_stream(s)
    assert [type(r).__name__ for r in got] == ["Ok", "Err", "Ok"] * 2


def test_lift_async_item_calls_fn_per_run_only() -> None:
    calls: list[int] = []

    async def fetch(x: int) -> Result[str, ErrInfo]:
        calls.append(x)
        return Ok(f"doc {x}")

    per_item = lift_async_item(fetch)
    s = async_gen_and_then(async_gen_from_list([1, 2]), per_item)
    assert calls == []
    assert run_stream(s) == oks("doc 1", "doc 2")
    assert run_stream(per_item(5)) == oks("doc 5")
    assert calls == [1, 2, 5]


def test_lift_async_item_also_runs_a_plan() -> None:
    assert run_stream(lift_async_item(lambda x: async_pure(x + 1))(1)) == oks(2)


def test_the_items_the_interpreter_builds_are_ordinary_oks() -> None:
    # The hot paths build Ok items from the slot (see _stream_nodes); they must be real Oks.
    got = run_stream(
        async_gen_and_then(async_gen_map(async_gen_from_iter(lambda: [1]), str), async_gen_from_list)
    )
    assert got == [Ok("1")] and type(got[0]) is Ok and hash(got[0]) == hash(Ok("1"))
    assert repr(got[0]) == "Ok(value='1')"


def test_left_nested_and_thens_over_inner_streams_that_are_spawned() -> None:
    async def plus_one(x: int) -> Result[int, ErrInfo]:
        return Ok(x + 1)

    s: Any = async_gen_from_list([0, 10])
    for _ in range(300):
        s = async_gen_and_then(s, lift_async_item(plus_one))
        s = async_gen_and_then(s, lambda x: items(x))  # a hand-written inner stream: a real spawn
    assert run_stream(s) == oks(300, 310)


# ---- closing ---------------------------------------------------------------------------------


def _pipeline(log: list[str], values: tuple[int | str, ...]) -> Any:
    source = CountingSource(values, log=log)
    s = async_gen_using(
        lambda: RecordingResource("conn", log), lambda _r: async_gen_map(source, lambda x: x + 1)
    )
    return async_gen_map(async_gen_and_then(s, lambda x: async_gen_from_list([x, x])), lambda x: x)


@pytest.mark.parametrize("limit", [None, 1, 3])
def test_the_driver_releases_everything_before_it_returns(limit: int | None) -> None:
    log: list[str] = []

    async def main() -> list[str]:
        await collect_stream(_pipeline(log, (1, 2, 3)), limit=limit)
        return list(log)  # read before anything else can run

    gc.disable()
    try:
        seen = run_stream_sync(main)
    finally:
        gc.enable()
    assert seen[-1] == "conn: released", seen
    assert seen[-2] in ("source: end", "source: closed early"), seen


def run_stream_sync(main: Any) -> Any:
    from funcpipe_rag import run_sync

    return run_sync(main)


def test_an_exception_closes_every_stage_then_propagates() -> None:
    log: list[str] = []

    def fail_on_two(x: int) -> int:
        if x == 2:
            raise ValueError("bad item")
        return x

    s = async_gen_map(_pipeline(log, (0, 1, 2, 3)), fail_on_two)
    with pytest.raises(ValueError, match="bad item"):
        run_stream(s)
    assert log[-2:] == ["source: closed early", "conn: released (ValueError)"]


def test_the_course_usage_with_an_explicit_aclose() -> None:
    log: list[str] = []
    gen = async_gen_using(lambda: RecordingResource("r", log), lambda _r: async_gen_return(1))

    async def main() -> None:
        it = gen()
        async for _ in it:
            break
        await it.aclose()

    run_stream_sync(main)
    assert log == ["r: acquired", "r: released"]


def test_the_course_style_comprehension_over_a_run() -> None:
    src = async_gen_from_list([1, 2, 3])
    a = async_gen_and_then(
        async_gen_and_then(src, lambda y: async_gen_return(y + 1)), lambda z: async_gen_return(z * 2)
    )

    async def main() -> list[int]:
        return [item.value async for item in a() if isinstance(item, Ok)]

    assert run_stream_sync(main) == [4, 6, 8]


def test_an_inner_resource_is_released_as_soon_as_its_inner_stream_ends() -> None:
    log: list[str] = []

    def per_doc(x: int) -> Any:
        return async_gen_using(
            lambda: RecordingResource(f"file {x}", log), lambda _r: async_gen_from_list([x])
        )

    async def main() -> None:
        async with stream_items(async_gen_and_then(async_gen_from_list([1, 2]), per_doc)) as got:
            async for item in got:
                log.append(f"consumer got {item.value}")

    run_stream_sync(main)
    assert log == [
        "file 1: acquired", "consumer got 1", "file 1: released",
        "file 2: acquired", "consumer got 2", "file 2: released",
    ]  # fmt: skip


def test_closing_a_run_twice_or_before_it_starts_does_nothing() -> None:
    source = CountingSource((1, 2))

    async def main() -> None:
        run = async_gen_map(source, lambda x: x)()
        await run.aclose()
        await run.aclose()
        assert [x async for x in run] == []

    run_stream_sync(main)
    assert source.runs == 0


def test_a_finished_run_stays_finished() -> None:
    async def main() -> list[object]:
        run = async_gen_return(1)()
        first = [x async for x in run]
        return first + [x async for x in run]

    assert run_stream_sync(main) == oks(1)


def test_one_consumer_at_a_time() -> None:
    async def slow() -> AsyncIterator[Result[int, ErrInfo]]:
        await asyncio.sleep(0.01)
        yield Ok(1)

    async def main() -> None:
        run = async_gen_map(lambda: slow(), lambda x: x)()
        first = asyncio.ensure_future(run.__anext__())
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="already being pulled"):
            await run.__anext__()
        with pytest.raises(RuntimeError, match="being pulled"):
            await run.aclose()
        assert await first == Ok(1)
        await run.aclose()

    run_stream_sync(main)


def test_cancelling_the_consumer_closes_the_stream() -> None:
    log: list[str] = []

    async def forever() -> AsyncIterator[Result[int, ErrInfo]]:
        try:
            while True:
                await asyncio.sleep(1)
                yield Ok(0)
        finally:
            log.append("source closed")

    async def consume() -> None:
        s = async_gen_using(lambda: RecordingResource("conn", log), lambda _r: lambda: forever())
        await collect_stream(async_gen_map(s, lambda x: x))

    async def main() -> None:
        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_stream_sync(main)
    assert log == ["conn: acquired", "source closed", "conn: released (CancelledError)"]


def test_a_failing_release_is_reported_after_everything_else_is_closed() -> None:
    log: list[str] = []

    @asynccontextmanager
    async def breaks_on_release(name: str) -> AsyncIterator[str]:
        yield name
        log.append(f"{name} tried to release")
        raise OSError(f"{name}: cannot release")

    s = async_gen_using(
        lambda: RecordingResource("outer", log),
        lambda _r: async_gen_using(
            lambda: breaks_on_release("inner"), lambda _r2: async_gen_from_list([1, 2])
        ),
    )
    with pytest.raises(OSError, match="inner: cannot release"):
        run_stream(s, limit=1)
    assert log == ["outer: acquired", "inner tried to release", "outer: released"]


# ---- errors a learner can make --------------------------------------------------------------


def test_building_with_a_non_stream_says_what_to_pass() -> None:
    run = async_gen_return(1)()
    with pytest.raises(TypeError, match="pass the stream itself, not stream"):
        async_gen_map(run, lambda x: x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expects a function"):
        async_gen_and_then(async_gen_return(1), 3)  # type: ignore[arg-type]


def test_an_and_then_function_returning_a_value_is_reported() -> None:
    with pytest.raises(TypeError, match="did an and_then function return a value"):
        run_stream(async_gen_and_then(async_gen_return(1), lambda x: x + 1))  # type: ignore[arg-type,return-value]


def test_map_action_with_a_plain_value_is_reported() -> None:
    with pytest.raises(TypeError, match="expected an AsyncPlan"):
        run_stream(async_gen_map_action(async_gen_return(1), lambda x: x + 1))  # type: ignore[arg-type,return-value]


def test_a_foreign_source_yielding_plain_values_is_reported() -> None:
    async def plain() -> AsyncIterator[int]:
        yield 1

    with pytest.raises(TypeError, match=r"must be Ok\(...\) or Err\(...\)"):
        run_stream(async_gen_map(lambda: plain(), lambda x: x))  # type: ignore[arg-type,return-value]


def test_a_step_raising_stop_async_iteration_is_not_a_silent_end() -> None:
    def stop(x: int) -> int:
        raise StopAsyncIteration

    with pytest.raises(RuntimeError, match="raised StopAsyncIteration"):
        run_stream(async_gen_map(async_gen_from_list([1, 2]), stop))


def test_driver_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        run_stream(async_gen_return(1), limit=-1)
    with pytest.raises(TypeError, match="limit must be an int"):
        run_stream(async_gen_return(1), limit=True)
    assert run_stream(async_gen_return(1), limit=0) == []

    async def main() -> None:
        async with stream_items(async_gen_return(1)()):  # type: ignore[arg-type]
            pass

    with pytest.raises(TypeError, match="not stream"):
        run_stream_sync(main)


def test_a_stream_prints_without_walking_its_layers() -> None:
    s: Any = async_gen_from_list([1])
    for _ in range(5000):
        s = async_gen_map(s, lambda x: x)
    assert repr(s) == "<AsyncGen map>"
    assert "not started" in repr(s())


# ---- the operator protocol: new operators without touching the interpreter ------------------------


class _Pairs(StreamNode[tuple[Any, Any]]):
    """A test operator: groups Ok items in pairs; an Err flushes a half pair first; a last odd item alone.

    It uses every kind of step: swallowing items (WANT), emitting two items
    for one input (EMIT_ASK), and finishing with a remainder.
    """

    __slots__ = ("source",)

    def __init__(self, source: Any) -> None:
        self.source = source

    def cursor(self) -> Any:
        return _PairsCursor()


class _PairsCursor(Cursor):
    __slots__ = ("held", "later")

    def __init__(self) -> None:
        self.held: list[Any] = []
        self.later: list[Any] = []

    def push(self, item: Result[Any, ErrInfo]) -> Any:
        from funcpipe_rag.domain.effects.async_._stream_nodes import EMIT_ASK, WANT

        if isinstance(item, Err):
            if self.held:
                self.later.append(item)
                self.pending = Ok((self.held.pop(),))
                return EMIT_ASK
            return item
        self.held.append(item.value)
        if len(self.held) == 2:
            pair = tuple(self.held)
            self.held.clear()
            return Ok(pair)
        return WANT

    def pull(self) -> Any:
        from funcpipe_rag.domain.effects.async_._stream_nodes import DONE, WANT

        if self.later:
            return self.later.pop()
        if self.child is None:
            return DONE
        return WANT

    def end(self) -> Any:
        from funcpipe_rag.domain.effects.async_._stream_nodes import DONE, EMIT_ASK

        if self.held:
            self.pending = Ok((self.held.pop(),))
            return EMIT_ASK
        return DONE

    def inner_done(self) -> Any:
        raise AssertionError("never spawns")

    def resume(self, value: Any) -> Any:
        raise AssertionError("never awaits")

    def drained(self) -> bool | None:
        return False if self.held or self.later else None

    def close(self, exc: BaseException | None) -> None:
        self.held.clear()


def test_an_operator_written_outside_the_interpreter_groups_items() -> None:
    s: Any = _Pairs(items(1, 2, 3, "DB", 4, 5, 6))
    got = run_stream(async_gen_map(s, lambda p: sum(p)))
    assert got[:2] == [Ok(3), Ok(3)] and isinstance(got[2], Err) and got[3:] == [Ok(9), Ok(6)]


def test_a_concurrent_operator_is_a_source_that_runs_its_upstream_itself() -> None:
    """Like Core 3's bounded map: it awaits its own run of the upstream inside the awaitable it hands out."""
    from funcpipe_rag.domain.effects.async_._stream_nodes import AWAIT, DONE, EXHAUSTED, Cursor

    log: list[str] = []

    class Prefetch(StreamNode[Any]):
        __slots__ = ("upstream",)

        def __init__(self, upstream: Any) -> None:
            self.upstream = upstream

        def cursor(self) -> Cursor:
            c = PrefetchCursor()
            c.run = None
            c.upstream = self.upstream
            return c

    class PrefetchCursor(Cursor):
        __slots__ = ("run", "upstream")
        run: StreamRun[Any] | None
        upstream: Any

        def pull(self) -> Any:
            if self.run is None:
                self.run = self.upstream()
            self.pending = self.run.__anext__()
            return AWAIT

        def resume(self, value: Any) -> Any:
            return DONE if value is EXHAUSTED else value

        def close(self, exc: BaseException | None) -> Any:
            log.append("prefetch closed its upstream run")
            return self.run.aclose() if self.run is not None else None

    upstream = async_gen_using(
        lambda: RecordingResource("conn", log), lambda _r: async_gen_from_list([1, 2, 3])
    )
    s = async_gen_map(Prefetch(upstream), lambda x: x * 2)
    assert run_stream(s, limit=2) == oks(2, 4)
    assert log == ["conn: acquired", "prefetch closed its upstream run", "conn: released"]


def test_aclosing_works_on_a_run() -> None:
    async def main() -> list[object]:
        async with aclosing(async_gen_from_list([1, 2, 3])()) as run:
            return [x async for x in run]

    assert run_stream_sync(main) == oks(1, 2, 3)


def test_a_run_dropped_while_open_is_closed_later_with_a_warning() -> None:
    log: list[str] = []
    s = async_gen_map(async_gen_using(lambda: RecordingResource("r", log), lambda _r: items(1, 2)), str)

    async def main() -> list[str]:
        async for _ in s():
            break  # no aclose: the anti-pattern
        held_after_break = list(log)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return held_after_break

    with pytest.warns(ResourceWarning, match="dropped while open"):
        held_after_break = run_stream_sync(main)
    assert held_after_break == ["r: acquired"]
    assert log == ["r: acquired", "r: released"]
