"""Plausible wrong rate limiters and merges, kept to prove that each of Core 6's properties can fail.

Each entry of :data:`WRONG_FAIRNESS` is the library's implementation with one
operator replaced by a believable mistake, and the name of the property of
:data:`~funcpipe_rag.testing.FAIRNESS_PROPERTIES` that catches it. The
course's own designs are among them: a merge that pulls its streams in turn
(one slow tenant stalls the others).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from typing import Any

from funcpipe_rag.domain.effects.async_.rate_limit import (
    FairMerge,
    FairMergeCursor,
    FairnessPolicy,
    RateLimitPolicy,
    async_gen_fair_merge,
)
from funcpipe_rag.domain.effects.async_.stream import AsyncGen
from funcpipe_rag.result import ErrInfo, Result
from funcpipe_rag.testing._fairness import LIBRARY_FAIRNESS, FairnessImpl
from funcpipe_rag.testing._wrong import WrongImpl

Items = AsyncIterator[Result[Any, ErrInfo]]


async def _pulls(items: Items, wait: Callable[[], Awaitable[None]]) -> Items:
    """The items of ``items``, awaiting ``wait()`` before each pull (the end's included)."""
    while True:
        await wait()
        try:
            item = await items.__anext__()
        except StopAsyncIteration:
            return
        yield item


def uncapped_limiter(stream: AsyncGen[Any], policy: RateLimitPolicy, env: Any = None) -> AsyncGen[Any]:
    """A token bucket that keeps every token it earns while idle: after a pause, a burst past the cap."""

    async def gen() -> Items:
        loop = asyncio.get_running_loop()
        rate = policy.tokens_per_second
        bucket = [float(policy.burst_tokens), loop.time()]  # tokens, as of when

        async def take() -> None:
            now = loop.time()
            tokens = bucket[0] + (now - bucket[1]) * rate  # no min(burst, ...)
            if tokens < 1:
                await asyncio.sleep((1 - tokens) / rate)
                tokens, now = 1.0, loop.time()
            bucket[:] = [tokens - 1, now]

        async with aclosing(stream()) as items:  # type: ignore[type-var]
            async for item in _pulls(items, take):
                yield item

    return gen


def spaced_limiter(stream: AsyncGen[Any], policy: RateLimitPolicy, env: Any = None) -> AsyncGen[Any]:
    """Waits ``1 / rate`` after every item: never over the limit, but it ignores the burst and idle time."""

    async def gen() -> Items:
        async with aclosing(stream()) as items:  # type: ignore[type-var]
            async for item in items:
                yield item
                await asyncio.sleep(1 / policy.tokens_per_second)

    return gen


def leaky_limiter(stream: AsyncGen[Any], policy: RateLimitPolicy, env: Any = None) -> AsyncGen[Any]:
    """Exact timing, but it never closes its upstream: closing the limiter leaves the source open."""

    async def gen() -> Items:
        loop = asyncio.get_running_loop()
        asked: list[float] = []

        async def take() -> None:
            asked.append(loop.time())
            start = policy.earliest_starts(asked)[-1]  # the bucket's own schedule: the timing is right
            if start > loop.time():
                await asyncio.sleep(start - loop.time())

        async for item in _pulls(stream(), take):  # stream() is never closed
            yield item

    return gen


def round_robin_merge(
    streams: Sequence[AsyncGen[Any]], policy: FairnessPolicy | None = None
) -> AsyncGen[Any]:
    """The library's merge with the weights dropped: equal turns whatever the policy says."""
    size = policy.max_buffer_per_stream if policy is not None else 16
    return async_gen_fair_merge(streams, FairnessPolicy(max_buffer_per_stream=size))


def in_turn_merge(streams: Sequence[AsyncGen[Any]], policy: FairnessPolicy | None = None) -> AsyncGen[Any]:
    """The course's merge: one item from each stream in turn, awaiting each: a slow stream stalls the rest."""

    async def gen() -> Items:
        runs = [s() for s in streams]
        live = list(runs)
        try:
            while live:
                for run in list(live):
                    try:
                        item = await run.__anext__()
                    except StopAsyncIteration:
                        live.remove(run)
                        continue
                    yield item
        finally:
            for run in runs:
                await run.aclose()  # type: ignore[attr-defined]

    return gen


def greedy_merge(streams: Sequence[AsyncGen[Any]], policy: FairnessPolicy | None = None) -> AsyncGen[Any]:
    """The library's merge with ``max_buffer_per_stream`` ignored: it reads every stream as far as it can."""
    weights = policy.weights if policy is not None else ()
    return async_gen_fair_merge(streams, FairnessPolicy(weights, max_buffer_per_stream=10**9))


class _NoCloseCursor(FairMergeCursor):
    __slots__ = ()

    def close(self, exc: BaseException | None) -> Awaitable[None]:
        async def nothing() -> None:
            return None

        return nothing()  # forgets its pulls in flight and the streams it opened


class _NoCloseMerge(FairMerge[Any]):
    __slots__ = ()

    def cursor(self) -> FairMergeCursor:
        c = _NoCloseCursor.__new__(_NoCloseCursor)
        c.setup(self.streams, self.policy)
        return c


def unclosed_merge(streams: Sequence[AsyncGen[Any]], policy: FairnessPolicy | None = None) -> AsyncGen[Any]:
    """The library's merge whose close does nothing: pulls keep running, streams stay open."""
    node = _NoCloseMerge.__new__(_NoCloseMerge)
    node.streams = tuple(streams)
    node.policy = policy or FairnessPolicy()
    return node


def _wrong(caught_by: str, **ops: Any) -> WrongImpl[FairnessImpl]:
    """The library with the operators ``ops`` replaced; the mistake is the replacement's docstring."""
    (replacement,) = ops.values()
    impl = FairnessImpl(
        "wrong",
        ops.get("rate_limited", LIBRARY_FAIRNESS.rate_limited),
        ops.get("fair_merge", LIBRARY_FAIRNESS.fair_merge),
    )
    return WrongImpl(impl, " ".join((replacement.__doc__ or "").split()), caught_by)


WRONG_FAIRNESS: dict[str, WrongImpl[FairnessImpl]] = {
    "bucket without a cap": _wrong("envelope", rate_limited=uncapped_limiter),
    "fixed spacing": _wrong("exact", rate_limited=spaced_limiter),
    "limiter never closes": _wrong("limiter closes", rate_limited=leaky_limiter),
    "weights ignored": _wrong("weighted shares", fair_merge=round_robin_merge),
    "streams pulled in turn": _wrong("no stall", fair_merge=in_turn_merge),
    "buffer unbounded": _wrong("bounded buffers", fair_merge=greedy_merge),
    "merge never closes": _wrong("merge closes", fair_merge=unclosed_merge),
}
"""Wrong Core 6 operators, each with the property of :data:`FAIRNESS_PROPERTIES` that catches it."""
