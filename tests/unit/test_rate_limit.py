"""Core 6's operators, case by case: validation, laziness, Err items, the end of a stream, failures.

The laws (envelope, exact timing, weighted shares, no stall, bounded
buffers, closing) are properties in ``tests/laws/test_fairness_laws.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from funcpipe_rag import (
    Err,
    ErrInfo,
    ErrorCode,
    FairnessPolicy,
    Ok,
    RateLimitPolicy,
    ResilienceEnv,
    Result,
    async_gen_fair_merge,
    async_gen_from_list,
    async_gen_map,
    async_gen_rate_limited,
    collect_stream,
)
from funcpipe_rag.testing import run_virtual


def test_policies_are_validated_with_a_hint() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        RateLimitPolicy(0)
    with pytest.raises(ValueError, match="at least 1"):
        RateLimitPolicy(1, burst_tokens=0)
    with pytest.raises(TypeError, match="must be an int"):
        RateLimitPolicy(1, burst_tokens=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a number"):
        RateLimitPolicy("5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\(1, 3\)"):
        FairnessPolicy(weights=(0.25, 0.75))
    with pytest.raises(ValueError, match="at least 1"):
        FairnessPolicy(max_buffer_per_stream=0)
    with pytest.raises(TypeError, match="stream indices"):
        FairnessPolicy(weights={"a": 2})
    assert FairnessPolicy({1: 3}).weight(1) == 3.0
    assert FairnessPolicy({1: 3}).weight(0) == 1.0
    assert FairnessPolicy([2, 1]) == FairnessPolicy({0: 2, 1: 1})


def test_the_operators_refuse_a_called_stream_and_a_wrong_policy() -> None:
    s = async_gen_from_list([1])
    with pytest.raises(TypeError, match="not stream"):
        async_gen_rate_limited(s(), RateLimitPolicy(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RateLimitPolicy"):
        async_gen_rate_limited(s, 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stream 1"):
        async_gen_fair_merge([s, s()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="FairnessPolicy"):
        async_gen_fair_merge([s], RateLimitPolicy(1))  # type: ignore[arg-type]


def test_building_and_calling_start_nothing() -> None:
    calls: list[int] = []
    src = async_gen_map(async_gen_from_list([1, 2]), lambda x: calls.append(x) or x)
    limited = async_gen_rate_limited(src, RateLimitPolicy(1))
    merged = async_gen_fair_merge([limited, src])
    limited()
    merged()
    assert calls == []
    assert "rate_limited" in repr(limited) and "fair_merge of 2 streams" in repr(merged)


def test_a_limited_stream_ends_without_spending_a_token_on_the_end() -> None:
    async def main() -> list[Result[int, ErrInfo]]:
        limited = async_gen_rate_limited(async_gen_from_list([1, 2, 3]), RateLimitPolicy(1))
        return await collect_stream(limited)

    items, elapsed = run_virtual(main)
    assert items == [Ok(1), Ok(2), Ok(3)]
    assert elapsed == pytest.approx(2.0)  # one token at 0, then one per second; none for the end


def test_err_items_pass_the_limiter_and_the_merge_and_count_as_calls() -> None:
    boom = Err(ErrInfo(ErrorCode.TRANSIENT, "boom"))

    async def source() -> AsyncIterator[Result[Any, ErrInfo]]:
        yield Ok(1)
        yield boom
        yield Ok(2)

    async def main() -> list[Result[Any, ErrInfo]]:
        limited = async_gen_rate_limited(lambda: source(), RateLimitPolicy(2))
        return await collect_stream(async_gen_fair_merge([limited, async_gen_from_list(["a"])]))

    items, elapsed = run_virtual(main)
    assert items == [Ok(1), Ok("a"), boom, Ok(2)]
    # Tokens at 0, 0.5 and 1.0 for the three items; a hand-written generator cannot say it has
    # ended, so the pull that finds its end waits for a token too (1.5).
    assert elapsed == pytest.approx(1.5)


def test_the_limiter_reads_the_injected_clock_and_sleeps_with_the_injected_sleep() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    env = ResilienceEnv(sleep=sleep, clock=lambda: 0.0)  # time never moves: every wait is asked for

    async def main() -> list[Result[int, ErrInfo]]:
        policy = RateLimitPolicy(4, burst_tokens=2)
        return await collect_stream(async_gen_rate_limited(async_gen_from_list([1, 2, 3]), policy, env=env))

    items, _ = run_virtual(main)
    assert items == [Ok(1), Ok(2), Ok(3)]
    assert slept == [pytest.approx(0.25)]


def test_an_exception_in_one_stream_closes_the_others_and_propagates() -> None:
    log: list[str] = []

    async def failing() -> AsyncIterator[Result[int, ErrInfo]]:
        yield Ok(1)
        raise RuntimeError("a bug in the source")

    async def slow() -> AsyncIterator[Result[int, ErrInfo]]:
        try:
            while True:
                await asyncio.sleep(1)
                yield Ok(0)
        finally:
            log.append("slow closed")

    async def main() -> None:
        await collect_stream(async_gen_fair_merge([lambda: failing(), lambda: slow()]))

    with pytest.raises(RuntimeError, match="a bug in the source"):
        run_virtual(main)
    assert log == ["slow closed"]


def test_a_merge_of_no_streams_is_empty_and_one_stream_is_itself() -> None:
    async def main() -> tuple[list[Any], list[Any]]:
        empty = await collect_stream(async_gen_fair_merge([]))
        one = await collect_stream(async_gen_fair_merge([async_gen_from_list(range(40))]))
        return empty, one

    (empty, one), _ = run_virtual(main)
    assert empty == []
    assert one == [Ok(i) for i in range(40)]


def test_a_tenant_producing_every_half_second_does_not_delay_a_ready_one() -> None:
    async def every_half_second() -> AsyncIterator[Result[str, ErrInfo]]:
        for i in range(3):
            await asyncio.sleep(0.5)
            yield Ok(f"slow{i}")

    async def main() -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        merged = async_gen_fair_merge([lambda: every_half_second(), async_gen_from_list(["a", "b", "c"])])
        return [(r.value, loop.time()) async for r in merged() if isinstance(r, Ok)]

    got, _ = run_virtual(main)
    assert got == [("a", 0.0), ("b", 0.0), ("c", 0.0), ("slow0", 0.5), ("slow1", 1.0), ("slow2", 1.5)]
