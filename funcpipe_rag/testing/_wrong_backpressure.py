"""Hand-written bounded maps and batchers, one right and several plausibly wrong: the properties can fail.

:func:`handmade_bounded` and :func:`handmade_chunk` are straightforward
async generators over ``asyncio.wait``: with no mistake they keep every
property of :mod:`._backpressure` (so the properties are not tailored to the
library's machinery), and each mistake of :data:`WRONG_BOUNDED` /
:data:`WRONG_CHUNK` — several of them the course's own — breaks the property
named next to it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from funcpipe_rag.domain.effects.async_.concurrency import BackpressurePolicy
from funcpipe_rag.domain.effects.async_.stream import ChunkPolicy
from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

Items = AsyncGenerator[Result[Any, ErrInfo], None]


@dataclass(frozen=True)
class WrongVariant:
    """A wrong implementation, the mistake in a sentence, and the property that catches it."""

    impl: Callable[..., Any]
    mistake: str
    caught_by: str


async def _stop(pending: list[asyncio.Future[Any]]) -> None:
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def _run_plan(plan: Callable[[], Awaitable[Result[Any, ErrInfo]]]) -> Result[Any, ErrInfo]:
    return await plan()


async def _read_all(it: Items) -> Items:
    items = [x async for x in it]
    for x in items:
        yield x


def handmade_bounded(mistake: str | None = None) -> Callable[..., Any]:
    """A bounded map racing one outstanding pull against the running plans, with ``mistake`` planted."""

    def impl(source: Any, f: Callable[[Any], Any], policy: BackpressurePolicy) -> Any:
        n = policy.max_concurrent + (1 if mistake == "one too many in flight" else 0)
        ordered = policy.ordered != (mistake == "ignores the order asked for")

        async def gen() -> Items:
            it = source()
            if mistake == "reads the whole source first":
                it = _read_all(it)
            tasks: dict[asyncio.Future[Any], int] = {}
            results: dict[int, Result[Any, ErrInfo]] = {}
            ready: deque[int] = deque()
            seq = out = 0
            pull: asyncio.Future[Any] | None = None
            exhausted = False
            try:
                while True:
                    if ordered and out in results:
                        yield results.pop(out)
                        out += 1
                        continue
                    if not ordered and ready:
                        yield results.pop(ready.popleft())
                        continue
                    if exhausted and not tasks and not results:
                        return
                    held = len(tasks) + (0 if mistake == "buffers behind a straggler" else len(results))
                    if pull is None and not exhausted and held < n:
                        pull = asyncio.ensure_future(anext(it))
                    if mistake == "waits for the source" and pull is not None:
                        waits = {pull}  # the course: finished plans wait for the next item
                    else:
                        waits = set(tasks) | ({pull} if pull is not None else set())
                    done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                    if pull is not None and pull in done:
                        task, pull = pull, None
                        try:
                            item = task.result()
                        except StopAsyncIteration:
                            exhausted = True
                        else:
                            k, seq = seq, seq + 1
                            if isinstance(item, Err) and mistake == "drops Err items":
                                seq = k
                            elif isinstance(item, Err) and mistake != "calls f on Err items":
                                results[k] = item
                                ready.append(k)
                            else:
                                arg = item.value if isinstance(item, Ok) else item
                                tasks[asyncio.ensure_future(_run_plan(f(arg)))] = k
                    for t in done:
                        if t in tasks:
                            k = tasks.pop(t)
                            if mistake == "turns exceptions into Err" and t.exception() is not None:
                                results[k] = Err(ErrInfo(ErrorCode.UNEXPECTED, repr(t.exception())))
                            else:
                                results[k] = t.result()
                            ready.append(k)
            finally:
                if mistake != "leaves plans running":
                    await _stop([*tasks, *([pull] if pull is not None else [])])
                await it.aclose()

        return gen

    return impl


def _catalogue(make: Callable[[str], Callable[..., Any]], *caught: tuple[str, str]) -> dict[str, Any]:
    return {mistake: WrongVariant(make(mistake), mistake, prop) for mistake, prop in caught}


WRONG_BOUNDED: dict[str, WrongVariant] = _catalogue(
    handmade_bounded,
    ("waits for the source", "promptness"),  # the course's version
    ("one too many in flight", "in-flight bound"),
    ("buffers behind a straggler", "memory bound"),
    ("reads the whole source first", "backpressure"),
    ("ignores the order asked for", "order"),
    ("calls f on Err items", "Err skips f"),
    ("drops Err items", "same as unbounded"),
    ("leaves plans running", "closing"),
    ("turns exceptions into Err", "bugs propagate"),  # the course's version
)


async def _one_ahead(it: Items) -> Items:
    try:
        try:
            prev = await anext(it)
        except StopAsyncIteration:
            return
        async for x in it:
            yield prev
            prev = x
        yield prev
    finally:
        await it.aclose()


def handmade_chunk(mistake: str | None = None) -> Callable[..., Any]:
    """A batcher racing one outstanding pull against the open batch's deadline, with ``mistake`` planted."""

    def impl(source: Any, policy: ChunkPolicy[Any]) -> Any:
        limit, delay_s = policy.max_units, policy.max_delay_ms / 1000

        async def gen() -> Items:
            loop = asyncio.get_running_loop()
            it = source()
            if mistake == "reads one item ahead":
                it = _one_ahead(it)
            buf: list[Any] = []
            held: list[Any] = []
            units = 0
            deadline: float | None = None
            pull: asyncio.Future[Any] | None = None
            try:
                while True:
                    if pull is None:
                        pull = asyncio.ensure_future(anext(it))
                    timeout = None
                    if deadline is not None and mistake != "checks the age only when an item arrives":
                        timeout = max(0.0, deadline - loop.time())
                    await asyncio.wait({pull}, timeout=timeout)
                    late = deadline is not None and loop.time() >= deadline - 1e-9
                    if not pull.done() or late:
                        batch, buf, units, deadline = buf, [], 0, None
                        yield Ok(batch)
                        for e in held:
                            yield e
                        held = []
                        if not pull.done():
                            continue
                    task, pull = pull, None
                    try:
                        item = task.result()
                    except StopAsyncIteration:
                        if buf and mistake != "drops the remainder":
                            yield Ok(buf)
                        for e in held:
                            yield e
                        return
                    if isinstance(item, Err):
                        if policy.flush_on_err and buf:
                            batch, buf, units, deadline = buf, [], 0, None
                            yield Ok(batch)
                        if buf and mistake != "lets an Err overtake the open batch":
                            held.append(item)
                        else:
                            yield item
                        continue
                    size = policy.size_fn(item.value)
                    if mistake != "checks the size after adding":
                        if limit and buf and units + size > limit:
                            batch, buf, units, deadline = buf, [], 0, None
                            yield Ok(batch)
                            for e in held:
                                yield e
                            held = []
                        if limit and size > limit:
                            yield Ok([item.value])
                            continue
                    if not buf:
                        deadline = loop.time() + delay_s if delay_s else None
                    buf.append(item.value)
                    units += size
                    if limit and units >= limit:
                        batch, buf, units, deadline = buf, [], 0, None
                        yield Ok(batch)
                        for e in held:
                            yield e
                        held = []
            finally:
                if pull is not None:
                    await _stop([pull])
                if mistake != "leaves the source open":
                    await it.aclose()

        return gen

    return impl


WRONG_CHUNK: dict[str, WrongVariant] = _catalogue(
    handmade_chunk,
    ("checks the age only when an item arrives", "delay bound"),  # the course's version
    ("lets an Err overtake the open batch", "order"),  # the course's version
    ("checks the size after adding", "size bound"),
    ("drops the remainder", "exactly once"),
    ("reads one item ahead", "at most one prefetched"),
    ("leaves the source open", "closing"),
)
