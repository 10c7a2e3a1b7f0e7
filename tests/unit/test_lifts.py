"""The lifts case by case: threads, processes, errors, cancellation, and what they cannot stop."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from funcpipe_rag import (
    Err,
    ErrInfo,
    ErrorCode,
    Ok,
    Result,
    async_gen_and_then,
    async_gen_from_list,
    async_gen_map,
    async_gen_map_action,
    lift_sync,
    lift_sync_gen_with_executor,
    lift_sync_with_executor,
    run_plan,
    run_stream,
    run_sync,
)
from funcpipe_rag.domain.effects.async_ import LIFT_ERROR_CODE, PlanNode


def square(x: int) -> Result[int, ErrInfo]:
    """Module level, so a process pool can pickle it."""
    return Ok(x * x)


def words(text: str) -> Result[list[str], ErrInfo]:
    return Ok(text.split()) if text else Err(ErrInfo(ErrorCode.VALIDATION, "empty text"))


def divide(a: int, b: int = 1) -> Result[float, ErrInfo]:
    return Ok(a / b)


def test_the_documented_error_code_is_unexpected() -> None:
    assert LIFT_ERROR_CODE == ErrorCode.UNEXPECTED == "UNEXPECTED"


def test_lift_sync_passes_arguments_and_keywords() -> None:
    assert run_plan(lift_sync(divide)(6, b=3)) == Ok(2.0)
    got = run_plan(lift_sync(divide)(1, b=0))
    assert isinstance(got, Err) and got.error.code == "UNEXPECTED"
    assert got.error.msg == "ZeroDivisionError: division by zero" and got.error.stage == "divide"


def test_lifted_plans_compose_like_any_plan() -> None:
    s = async_gen_map_action(async_gen_from_list([1, 2, 3]), lift_sync(square))
    assert run_stream(s) == [Ok(1), Ok(4), Ok(9)]


def test_map_with_a_lifted_function_yields_unrun_plans() -> None:
    got = run_stream(async_gen_map(async_gen_from_list([1, 2]), lift_sync(square)))
    assert all(isinstance(item, Ok) and isinstance(item.value, PlanNode) for item in got)


def test_the_executor_lift_runs_off_the_event_loop_thread() -> None:
    seen: list[str] = []

    def where(_x: int) -> Result[str, ErrInfo]:
        seen.append(threading.current_thread().name)
        return Ok("done")

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="core") as ex:
        assert run_plan(lift_sync_with_executor(where, ex)(1)) == Ok("done")
        assert run_plan(lift_sync(where)(1)) == Ok("done")
    assert seen[0].startswith("core") and not seen[1].startswith("core")


def test_a_process_pool_runs_a_module_level_function() -> None:
    with ProcessPoolExecutor(max_workers=1) as ex:
        s = async_gen_map_action(async_gen_from_list([2, 3]), lift_sync_with_executor(square, ex))
        assert run_stream(s) == [Ok(4), Ok(9)]
        assert run_stream(lift_sync_gen_with_executor(words, ex)("a b")) == [Ok("a"), Ok("b")]


def test_a_process_pool_cannot_run_a_lambda_and_says_so_as_an_err() -> None:
    with ProcessPoolExecutor(max_workers=1) as ex:
        got = run_plan(lift_sync_with_executor(lambda x: Ok(x), ex)(1))
    # The message names the pickling failure; its wording differs between Python versions.
    assert isinstance(got, Err) and got.error.code == "UNEXPECTED"
    assert "pickle" in got.error.msg.lower() or "local object" in got.error.msg


def test_the_stream_lift_splits_into_items_and_passes_an_err() -> None:
    with ThreadPoolExecutor(max_workers=1) as ex:
        per_text = lift_sync_gen_with_executor(words, ex)
        s = async_gen_and_then(async_gen_from_list(["a b", "", "c"]), per_text)
        got = run_stream(s)
    assert got[:2] == [Ok("a"), Ok("b")] and isinstance(got[2], Err) and got[3] == Ok("c")


def test_a_failing_generator_ends_the_stream_with_an_err_item() -> None:
    def numbers(n: int) -> Result[Any, ErrInfo]:
        def gen() -> Any:
            yield from range(n)
            raise RuntimeError("disk gone")

        return Ok(gen())

    with ThreadPoolExecutor(max_workers=1) as ex:
        got = run_stream(lift_sync_gen_with_executor(numbers, ex)(2))
    assert got[:2] == [Ok(0), Ok(1)] and isinstance(got[2], Err) and "disk gone" in got[2].error.msg


def test_a_lifted_function_must_return_a_result() -> None:
    with pytest.raises(TypeError, match="must return Ok"):
        run_plan(lift_sync(lambda x: x + 1)(1))  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match=r"expects a concurrent\.futures\.Executor"):
        lift_sync_with_executor(square, object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expects a function"):
        lift_sync(3)  # type: ignore[arg-type]


def test_cancellation_stops_the_waiting_but_not_the_thread() -> None:
    finished = threading.Event()

    def slow(_x: int) -> Result[str, ErrInfo]:
        time.sleep(0.2)
        finished.set()
        return Ok("late")

    async def main() -> bool:
        with ThreadPoolExecutor(max_workers=1) as ex:
            task = asyncio.ensure_future(lift_sync_with_executor(slow, ex)(0)())
            await asyncio.sleep(0.02)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            running_after_cancel = not finished.is_set()
        return running_after_cancel  # the executor's shutdown waited for the job

    assert run_sync(main) is True
    assert finished.is_set()


def test_a_shut_down_executor_gives_an_err() -> None:
    ex = ThreadPoolExecutor(max_workers=1)
    ex.shutdown()
    got = run_plan(lift_sync_with_executor(square, ex)(2))
    assert isinstance(got, Err) and "RuntimeError" in got.error.msg
