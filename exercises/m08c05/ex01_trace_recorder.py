# Generated from solutions/m08c05/ex01_trace_recorder.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 1 — record what a retry loop did: a trace recorder.

What to do
----------
Write ``Recorder``: it watches a retry loop *from the outside*, without
changing it. ``recorder.step(plan)`` returns a plan that runs ``plan`` and
records the run as one attempt; ``recorder.sleep()`` returns a sleep
function that records each wait and then really waits. Give them to the loop
under test — ``async_with_resilience(recorder.step(step), retry, timeout,
ResilienceEnv(rng, recorder.sleep()))`` — and the recorder holds its
timeline.

The contract
------------
``recorder.attempts`` is a list of ``(attempt, start, end, outcome)`` tuples,
``recorder.backoffs`` a list of ``(start, seconds)`` tuples, both in the
order things happened.

* **a plan** — ``step(plan)`` returns a plan and calls nothing; every run of
  it records a new attempt.
* **numbered from 1** — attempts are numbered 1, 2, 3, … in the order they
  start.
* **the loop's clock** — ``start`` and ``end`` are read from the running event
  loop (``asyncio.get_running_loop().time()``), so under a virtual-time loop
  they are virtual seconds.
* **outcomes** — ``"ok"`` for an ``Ok``, the error's code for an ``Err``, and
  ``"cancelled"`` for an attempt that was cancelled (a deadline passed); the
  ``CancelledError`` must still propagate, or the deadline would not cancel.
* **result unchanged** — the wrapped plan finishes with exactly the result of
  ``plan``.
* **backoffs** — ``sleep(inner)`` (``inner`` defaults to ``asyncio.sleep``)
  returns ``async def(seconds)`` that records ``(start, seconds)`` *before*
  waiting, then awaits ``inner(seconds)``.

Imports
-------
The standard library (``asyncio``); ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``Result``, ``AsyncPlan`` and the plan primitives
(``async_pure``, ``async_lift``, ``async_bind``, ``async_map``) from
``funcpipe_rag``. Not
``funcpipe_rag.testing.TraceRecorder``: it is the answer, and a file that
imports it scores zero for this exercise.

Hints
-----
* ``except asyncio.CancelledError: ...; raise`` records and re-raises.
* Check yourself with ``funcpipe grade m08c05/ex01``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from funcpipe_rag import AsyncPlan, ErrInfo, Ok, Result


class Recorder:
    """Records attempts ``(attempt, start, end, outcome)`` and backoffs ``(start, seconds)``."""

    def __init__(self) -> None:
        self.attempts: list[tuple[int, float, float, str]] = []
        self.backoffs: list[tuple[float, float]] = []
        # TODO: any state you need (how many attempts have started)
        raise NotImplementedError("TODO: any state you need (how many attempts have started)")

    def step(self, plan: AsyncPlan[Any]) -> AsyncPlan[Any]:
        """``plan``, with every run recorded as one attempt."""
        # TODO: a plan that numbers, times and records each run of `plan`
        raise NotImplementedError("TODO: a plan that numbers, times and records each run of `plan`")

    def sleep(
        self, inner: Callable[[float], Awaitable[Any]] = asyncio.sleep
    ) -> Callable[[float], Awaitable[None]]:
        """A sleep function that records each wait, then waits with ``inner``."""
        # TODO: record (start, seconds), then await inner(seconds)
        raise NotImplementedError("TODO: record (start, seconds), then await inner(seconds)")
