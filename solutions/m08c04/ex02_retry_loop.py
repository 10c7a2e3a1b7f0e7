"""Exercise 2 — the retry loop as a plan: ``with_resilience``.

What to do
----------
Write ``with_resilience(step, retry, timeout, env)``: a plan that runs the
plan ``step`` under the ``RetryPolicy`` ``retry``, each attempt under the
``TimeoutPolicy`` ``timeout`` (or none), using only what ``env`` (a
``ResilienceEnv``) gives for randomness, sleeping and deadlines. You may use
the policy's own arithmetic (``retry.should_retry``, ``retry.delay_ms``):
exercise 1 was about that; this one is about the loop.

The contract
------------
An *attempt* is one run of ``step``: ``await step()``.

* **a plan** — building it calls nothing; every run starts afresh.
* **identity** — with ``max_attempts=1`` and no timeout, the result is
  exactly the step's own result.
* **bounded attempts** — at most ``retry.max_attempts`` attempts; the first
  ``Ok`` ends the run.
* **retries as the policy says** — after a failed attempt ``k`` with code
  ``c``, another attempt follows exactly when ``retry.should_retry(error, k)``.
* **delays** — before attempt ``k + 1``: ``await env.sleep(ms / 1000)`` with
  ``ms = retry.delay_ms(k, env.rng.random(), wait)``, one ``env.rng.random()``
  per retry, where ``wait`` is ``error.ctx["retry_after_ms"]`` when the failed
  attempt's error carries it (else ``None``).
* **deadline** — with a timeout, each attempt runs inside
  ``async with env.timeout(timeout.timeout_ms / 1000):``. An attempt cut off
  there is cancelled (never left running) and counts as
  ``Err(ErrInfo("TIMEOUT", ..., ctx={"attempt": k, "timeout_ms": timeout.timeout_ms}))``.
* **last error kept** — when the run ends with an ``Err`` after more than one
  attempt, it is the last attempt's error with its own code and message, its
  ``ctx`` extended by ``"attempts"`` (how many were made) and ``"codes"`` (a
  tuple of every attempt's code, in order). After a single attempt the error
  is returned as it is.
* **bugs propagate** — an exception raised by the step is never retried.

Imports
-------
The standard library (``asyncio``, ``dataclasses``); ``Ok``, ``Err``,
``ErrInfo``, ``ErrorCode``, ``Result``, ``AsyncPlan``, ``RetryPolicy``,
``TimeoutPolicy``, ``ResilienceEnv`` and the plan primitives (``async_pure``,
``async_lift``, ``async_bind``, ``async_map``, ``async_from_result``) from
``funcpipe_rag``. Not ``async_with_resilience`` or
``resilient_mapper``: they are the answer, and a file that imports them
scores zero for this exercise.

Hints
-----
* ``dataclasses.replace(error, ctx={**(error.ctx or {}), ...})`` copies an
  ``ErrInfo`` with a new ``ctx``.
* ``asyncio.timeout`` raises ``TimeoutError`` when it cancelled the block.
* Check yourself with ``funcpipe grade m08c04/ex02``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from funcpipe_rag import (
    AsyncPlan,
    Err,
    ErrInfo,
    ErrorCode,
    Ok,
    ResilienceEnv,
    Result,
    RetryPolicy,
    TimeoutPolicy,
)


def with_resilience(
    step: AsyncPlan[Any], retry: RetryPolicy, timeout: TimeoutPolicy | None, env: ResilienceEnv
) -> AsyncPlan[Any]:
    """``step`` with retries and per-attempt deadlines, as one plan (see the contract)."""
    # BEGIN SOLUTION: a plan that runs attempts, sleeps between them, and keeps the last error
    async def attempt(number: int) -> Result[Any, ErrInfo]:
        if timeout is None:
            return await step()
        try:
            async with env.timeout(timeout.timeout_ms / 1000):
                return await step()
        except TimeoutError:
            ctx = {"attempt": number, "timeout_ms": timeout.timeout_ms}
            return Err(ErrInfo(ErrorCode.TIMEOUT, f"attempt {number} timed out", ctx=ctx))

    async def run() -> Result[Any, ErrInfo]:
        codes: list[str] = []
        number = 0
        while True:
            number += 1
            result = await attempt(number)
            if isinstance(result, Ok):
                return result
            error = result.error
            codes.append(error.code)
            if not retry.should_retry(error, number):
                if number == 1:
                    return result
                ctx = {**(error.ctx or {}), "attempts": number, "codes": tuple(codes)}
                return Err(replace(error, ctx=ctx))
            wait = (error.ctx or {}).get("retry_after_ms")
            await env.sleep(retry.delay_ms(number, env.rng.random(), wait) / 1000)

    return run
    # END SOLUTION
