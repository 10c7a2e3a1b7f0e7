"""Core 6's operators, case by case: validation, laziness, Err items, the end of a stream, failures.

The laws (envelope, exact timing, weighted shares, no stall, bounded
buffers, closing) are properties in ``tests/laws/test_fairness_laws.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import (
    Err,
    ErrInfo,
    ErrorCode,
    FairnessPolicy,
    Ok,
    RateLimitPolicy,
    ResilienceEnv,
    Result,
    TokenGate,
    async_gen_fair_merge,
    async_gen_from_list,
    async_gen_map,
    async_gen_rate_limited,
    collect_stream,
)
from funcpipe_rag.testing import reproducible, run_virtual


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


# ---- TokenGate: one bucket for concurrent callers ----------------------------------------


class _CheckThenWaitGate:
    """The usual race: look at the bucket, sleep, then take — two callers waiting together both go."""

    def __init__(self, policy: RateLimitPolicy) -> None:
        self.policy = policy
        self.tokens = float(policy.burst_tokens)
        self.stamp = 0.0

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        rate = self.policy.tokens_per_second
        now = loop.time()
        self.tokens, self.stamp = min(self.policy.burst_tokens, self.tokens + (now - self.stamp) * rate), now
        if self.tokens < 1:
            await asyncio.sleep((1 - self.tokens) / rate)  # ...and meanwhile another caller does the same
            self.tokens, self.stamp = 1.0, loop.time()
        self.tokens -= 1


def _gate_grants(make_gate: Any, policy: RateLimitPolicy, arrivals: list[float]) -> list[float]:
    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        gate = make_gate(policy)
        granted: list[float] = []

        async def caller(at: float) -> None:
            await asyncio.sleep(at)
            await gate.acquire()
            granted.append(loop.time())

        await asyncio.gather(*(caller(at) for at in arrivals))
        return granted

    granted, _ = run_virtual(main)
    return granted


def _envelope_holds(policy: RateLimitPolicy, granted: list[float]) -> bool:
    times = sorted(granted)
    return all(
        j - i + 1 <= policy.envelope(times[j] - times[i]) + 1e-6
        for i in range(len(times))
        for j in range(i, len(times))
    )


ARRIVALS = st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.3, 1.0, 2.5]), min_size=1, max_size=12)
POLICIES = st.builds(RateLimitPolicy, st.sampled_from([0.5, 1, 4, 10]), st.integers(1, 3))


@reproducible(max_examples=80)
@given(policy=POLICIES, arrivals=ARRIVALS)
def test_a_gate_grants_concurrent_callers_within_the_envelope_as_early_as_the_bucket_allows(
    policy: RateLimitPolicy, arrivals: list[float]
) -> None:
    granted = _gate_grants(TokenGate, policy, arrivals)
    assert _envelope_holds(policy, granted), granted
    expected = policy.earliest_starts(sorted(arrivals))
    assert sorted(granted) == pytest.approx(expected, abs=1e-6)


def test_the_envelope_check_catches_a_gate_that_checks_then_waits() -> None:
    policy = RateLimitPolicy(1, burst_tokens=1)
    granted = _gate_grants(_CheckThenWaitGate, policy, [0.0, 0.0, 0.0])
    assert not _envelope_holds(policy, granted), granted
