"""Exercise 2 — a stream whose every pull waits for a token, in virtual time.

What to do
----------
Write ``rate_limited(stream, policy)``: a stream (an ``AsyncGen``: a
zero-argument callable that returns a fresh async iterator of ``Result``
items) with the items of ``stream``, where each *pull* of ``stream`` first
takes a token from a bucket of ``policy.tokens_per_second`` tokens per
second, holding at most ``policy.burst_tokens``, full at the start. Placed
before the step that calls a service, it limits the calls, not the results.

Read the time with the running loop's clock
(``asyncio.get_running_loop().time()``) and wait with ``asyncio.sleep``:
the grader runs your stream on a virtual-time loop, where an hour of waiting
takes no real time and every timing is exact.

The contract
------------
* **a description** — building ``rate_limited(stream, policy)`` pulls
  nothing; each run of it has its own full bucket, so two runs of one
  stream keep the same timeline;
* **items unchanged** — every item of ``stream``, ``Ok`` or ``Err``, whatever
  its value (``None``, ``0``, ``""``, ``[]``, ``False`` …), in order, none
  added or lost;
* **exact** — each pull of ``stream`` starts at the earliest moment the
  bucket has a token for it, counted from when the consumer asked: at once
  while tokens remain, otherwise exactly when the next one is earned; tokens
  saved while the consumer pauses stop at ``burst_tokens``; ``stream`` is
  pulled only when the consumer asks (no read-ahead);
* **closes** — when the consumer stops early, or ``stream`` ends, ``stream``
  is closed.

Imports
-------
The standard library (``asyncio``, ``contextlib`` …) and ``funcpipe_rag``'s
result types (``Ok``, ``Err``, ``ErrInfo``, ``Result``) and
``RateLimitPolicy`` (for its fields). Not the library's limiter
(``async_gen_rate_limited``, ``TokenGate``): a file that imports it scores
zero for this exercise.

Hints
-----
* Return an ``async def`` generator *function* (not a call of it): each call
  of it is one run, so state made inside it belongs to that run.
* Let the bucket go below zero: take the token, then sleep ``-tokens / rate``
  if it was not there yet. The time after the sleep is the pull's time.
* ``async with contextlib.aclosing(stream()) as items:`` closes the source
  however the run ends.
* Check yourself with ``funcpipe grade m08c06/ex02``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from funcpipe_rag import ErrInfo, RateLimitPolicy, Result

Stream = Callable[[], AsyncIterator[Result[Any, ErrInfo]]]


def rate_limited(stream: Stream, policy: RateLimitPolicy) -> Stream:
    """``stream``'s items, each pull of ``stream`` waiting for a token of ``policy``'s bucket."""
    # BEGIN SOLUTION: a generator function; the bucket lives in each run
    rate = float(policy.tokens_per_second)
    burst = float(policy.burst_tokens)

    async def run() -> AsyncIterator[Result[Any, ErrInfo]]:
        loop = asyncio.get_running_loop()
        tokens, stamp = burst, loop.time()
        async with contextlib.aclosing(stream()) as items:
            while True:
                now = loop.time()
                tokens = min(burst, tokens + (now - stamp) * rate)
                stamp = now
                tokens -= 1.0
                if tokens < 0:
                    await asyncio.sleep(-tokens / rate)
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    return
                yield item

    return run
    # END SOLUTION
