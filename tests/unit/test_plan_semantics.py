"""AsyncPlan beyond the laws: purity, replay, short-circuit, errors that explain themselves."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import perform_async, run_plan
from funcpipe_rag.domain.effects.async_ import (
    async_bind,
    async_from_result,
    async_gather,
    async_lift,
    async_map,
    async_pure,
    settle,
)
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

BOOM = ErrInfo("SERVICE", "failed on purpose")


class Counter:
    """A capability whose only job is to count how often it really ran."""

    def __init__(self) -> None:
        self.calls = 0

    async def next(self) -> Result[int, ErrInfo]:
        self.calls += 1
        return Ok(self.calls)


def test_building_any_plan_calls_nothing() -> None:
    cap = Counter()
    seen: list[int] = []
    plan = async_map(
        async_bind(async_lift(cap.next), lambda x: seen.append(x) or async_lift(cap.next)),  # type: ignore[func-returns-value]
        lambda y: y * 10,
    )
    assert cap.calls == 0 and seen == []
    assert run_plan(plan) == Ok(20)
    assert cap.calls == 2 and seen == [1]


def test_each_call_of_a_plan_gives_a_fresh_coroutine() -> None:
    plan = async_bind(async_pure(1), lambda x: async_pure(x + 1))
    first, second = plan(), plan()
    try:
        assert first is not second
        assert inspect.iscoroutine(first) and inspect.iscoroutine(second)
    finally:
        first.close()  # type: ignore[attr-defined]
        second.close()  # type: ignore[attr-defined]


@given(st.integers(), st.integers(1, 5))
def test_a_plan_replays_to_equal_results(start: int, runs: int) -> None:
    plan = async_map(async_lift(lambda: asyncio.sleep(0, Ok(start))), lambda x: x * 2)
    assert [run_plan(plan) for _ in range(runs)] == [Ok(start * 2)] * runs


def test_lifting_one_shared_coroutine_breaks_replay() -> None:
    coro = Counter().next()  # the anti-pattern: created once, outside the lambda
    plan = async_lift(lambda: coro)
    assert run_plan(plan) == Ok(1)
    with pytest.raises(RuntimeError, match="cannot reuse already awaited coroutine"):
        run_plan(plan)


def test_err_skips_every_later_step() -> None:
    called: list[str] = []

    def step(name: str) -> Any:
        return lambda x: called.append(name) or async_pure(x)

    plan = async_map(
        async_bind(async_bind(async_from_result(Err(BOOM)), step("f")), step("g")),
        lambda x: called.append("map") or x,
    )
    assert run_plan(plan) == Err(BOOM)
    assert called == []


def test_a_hand_written_lambda_is_a_plan_everywhere() -> None:
    async def fetch() -> Result[int, ErrInfo]:
        return Ok(41)

    plan = async_bind(lambda: fetch(), lambda x: lambda: asyncio.sleep(0, Ok(x + 1)))
    assert run_plan(plan) == Ok(42)


def test_exceptions_are_bugs_and_propagate() -> None:
    def broken(x: int) -> Any:
        raise ZeroDivisionError("bug in f")

    with pytest.raises(ZeroDivisionError, match="bug in f"):
        run_plan(async_bind(async_pure(1), broken))
    with pytest.raises(KeyError):
        run_plan(async_map(async_pure({}), lambda d: d["missing"]))


def test_a_bind_function_returning_a_value_is_explained() -> None:
    with pytest.raises(TypeError, match="did a bind function return a value instead of a plan"):
        run_plan(async_bind(async_pure(1), lambda x: x + 1))  # type: ignore[arg-type, return-value]


def test_a_plan_finishing_with_a_non_result_is_explained() -> None:
    async def raw() -> int:
        return 3

    with pytest.raises(TypeError, match=r"Ok\(\.\.\.\) or Err\(\.\.\.\)"):
        run_plan(async_bind(lambda: raw(), async_pure))  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="Ok"):
        run_plan(lambda: raw())  # type: ignore[arg-type, return-value]


def test_misuse_of_the_constructors_is_explained() -> None:
    with pytest.raises(TypeError, match="async_pure"):
        async_from_result(3)  # type: ignore[arg-type]
    coro = Counter().next()
    with pytest.raises(TypeError, match="zero-argument callable"):
        async_lift(coro)  # type: ignore[arg-type]
    coro.close()
    with pytest.raises(TypeError, match="not plan\\(\\)"):
        run_plan(async_pure(1)())  # type: ignore[arg-type]


async def test_perform_async_runs_inside_a_running_loop() -> None:
    assert await perform_async(async_map(async_pure(2), lambda x: x**10)) == Ok(1024)


def test_repr_never_walks_the_chain() -> None:
    plan = async_pure(0)
    for _ in range(50_000):
        plan = async_bind(plan, async_pure)
    assert repr(plan) == "<AsyncPlan chain of 50,000 steps>"


async def test_cancellation_propagates_through_a_plan() -> None:
    started = asyncio.Event()

    async def slow() -> Result[int, ErrInfo]:
        started.set()
        await asyncio.sleep(3600)
        return Ok(1)

    task = asyncio.ensure_future(perform_async(async_map(async_lift(slow), lambda x: x)))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_every_runner_reports_a_bad_outcome_with_the_same_message() -> None:
    async def raw() -> int:
        return 3

    bad: Any = lambda: raw()
    runners = [bad, async_bind(bad, async_pure), async_gather([bad]), async_gather([async_pure(1), bad], 1),
               settle(bad), async_map(async_map(bad, str), str)]  # fmt: skip
    endings = set()
    for plan in runners:
        with pytest.raises(TypeError) as caught:
            run_plan(plan)
        endings.add(str(caught.value).split(" finished with ", 1)[1])
    assert endings == {"int 3; an AsyncPlan must finish with Ok(...) or Err(...)"}


def test_a_plan_returning_a_result_instead_of_an_awaitable_is_explained() -> None:
    sync_plan: Any = lambda: Ok(1)
    for plan in (sync_plan, async_lift(sync_plan), async_bind(async_pure(0), lambda _: sync_plan)):
        with pytest.raises(TypeError, match="instead of an awaitable"):
            run_plan(plan)
