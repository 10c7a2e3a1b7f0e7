"""Plausible wrong retry loops, kept to prove that the resilience properties can fail.

:func:`closure_with_resilience` is a second, deliberately plain implementation
of ``async_with_resilience`` (one ``async def`` and a loop). With no
:class:`Slips` it keeps the whole contract — a differential test holds it
equal to the library. Each entry of :data:`WRONG_RESILIENCE` switches on one
believable mistake and names the property that must catch it;
:data:`COURSE_SLIPS` are the four mistakes of the course's own version
(jitter after the cap, a late warning, ``MAX_RETRIES``, ``Retry-After``
ignored), which the Core 4 lesson runs side by side with the library.
"""

from __future__ import annotations

import asyncio
import random
import warnings
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from funcpipe_rag.domain.effects.async_.plan import AsyncPlan
from funcpipe_rag.domain.effects.async_.resilience import ResilienceEnv, TimeoutPolicy, timeout_error
from funcpipe_rag.domain.errors import RETRY_AFTER_MS
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._resilience import BuildPolicy, Impl, PolicySpec


@dataclass(frozen=True)
class Slips:
    """Which mistakes :func:`closure_with_resilience` makes (none by default)."""

    jitter_after_cap: bool = False
    no_cap: bool = False
    linear_backoff: bool = False
    own_rng: bool = False
    ignore_retry_after: bool = False
    retry_any_code: bool = False
    extra_attempt: bool = False
    timeout_without_cancel: bool = False
    generic_code: bool = False
    forgets_attempts: bool = False
    wraps_single_attempt: bool = False
    warn_late: bool = False


COURSE_SLIPS = Slips(jitter_after_cap=True, warn_late=True, generic_code=True, ignore_retry_after=True)
"""The course's retry loop: jitter added after the cap, a non-idempotent retry warned about only
after a second failure, the last code replaced by ``MAX_RETRIES``, ``Retry-After`` ignored."""


def _delay_ms(retry: Any, attempt: int, u: float, retry_after: float | None, slips: Slips) -> float:
    raw: float = retry.backoff_base_ms * (attempt if slips.linear_backoff else 2.0 ** (attempt - 1))
    cap: float = float("inf") if slips.no_cap else retry.max_backoff_ms
    backoff = min(raw, cap)
    jitter: float = retry.jitter_factor
    if slips.jitter_after_cap:
        wait = backoff if retry_after is None else min(max(backoff, retry_after), cap)
        return wait + raw * jitter * u
    delay = backoff * (1.0 - jitter * u)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, cap)


async def _leave_running(step: AsyncPlan[Any], seconds: float) -> Result[Any, ErrInfo] | None:
    """Wait for ``step`` at most ``seconds`` — and, the mistake, leave it running when time is up."""
    task = asyncio.ensure_future(step())
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return task.result() if done else None


def closure_with_resilience(
    step: AsyncPlan[Any],
    retry: Any,
    timeout: TimeoutPolicy | None = None,
    env: ResilienceEnv | None = None,
    *,
    slips: Slips = Slips(),
) -> AsyncPlan[Any]:
    """``async_with_resilience`` as one plain ``async def``, making the mistakes ``slips`` lists.

    ``retry`` is anything with a :class:`~funcpipe_rag.RetryPolicy`'s fields
    (a :class:`PolicySpec` too, which lets a non-idempotent policy through).
    """
    world = env or ResilienceEnv()

    async def attempt_once(number: int) -> Result[Any, ErrInfo]:
        if timeout is None:
            result: Result[Any, ErrInfo] = await step()
            return result
        seconds = timeout.timeout_ms / 1000
        if slips.timeout_without_cancel:
            done = await _leave_running(step, seconds)
            if done is not None:
                return done
        else:
            try:
                async with world.timeout(seconds):
                    result = await step()
                    return result
            except TimeoutError:
                pass
        return Err(timeout_error(number, timeout))

    async def run() -> Result[Any, ErrInfo]:
        limit = retry.max_attempts + (1 if slips.extra_attempt else 0)
        codes: list[str] = []
        number = 0
        while True:
            number += 1
            res = await attempt_once(number)
            if isinstance(res, Ok):
                return res
            error = res.error
            codes.append(error.code)
            retriable = slips.retry_any_code or error.code in retry.retriable_codes
            if number >= limit or not retriable:
                if number == 1 and not slips.wraps_single_attempt:
                    return res
                if slips.forgets_attempts:
                    return res
                code = "MAX_RETRIES" if slips.generic_code and retriable else error.code
                ctx = {**(error.ctx or {}), "attempts": number, "codes": tuple(codes)}
                return Err(replace(error, code=code, ctx=ctx))
            if not retry.idempotent and (not slips.warn_late or len(codes) >= 2):
                warnings.warn("retrying a step that is not idempotent", RuntimeWarning, stacklevel=2)
            u = random.random() if slips.own_rng else world.rng.random()
            wanted = None if slips.ignore_retry_after or error.ctx is None else error.ctx.get(RETRY_AFTER_MS)
            await world.sleep(_delay_ms(retry, number, u, wanted, slips) / 1000)

    return run


@dataclass(frozen=True)
class WrongResilience:
    """A wrong implementation, the sentence describing its mistake, and the property that catches it."""

    impl: Impl
    mistake: str
    caught_by: str
    build: BuildPolicy = PolicySpec.build


def _with(**slips: bool) -> Impl:
    return partial(closure_with_resilience, slips=Slips(**slips))


def _permissive(spec: PolicySpec) -> PolicySpec:
    return spec  # the fields as they are: a non-idempotent policy with retries gets through


WRONG_RESILIENCE: dict[str, WrongResilience] = {
    "jitter after the cap": WrongResilience(
        _with(jitter_after_cap=True), "adds jitter after capping the delay", "delays stay within the cap"),
    "no cap": WrongResilience(_with(no_cap=True), "never caps the delay", "total time is bounded"),
    "linear backoff": WrongResilience(
        _with(linear_backoff=True), "grows the delay linearly instead of doubling it",
        "delays are the policy's"),
    "own random generator": WrongResilience(
        _with(own_rng=True), "draws jitter from the global generator instead of env.rng",
        "delays are the policy's"),
    "ignores Retry-After": WrongResilience(
        _with(ignore_retry_after=True), "retries sooner than Retry-After asked", "Retry-After is honoured"),
    "retries any code": WrongResilience(
        _with(retry_any_code=True), "retries every failure, retriable or not",
        "retries exactly when the policy says"),
    "one attempt too many": WrongResilience(
        _with(extra_attempt=True), "makes max_attempts + 1 attempts", "attempts are bounded"),
    "timeout without cancel": WrongResilience(
        _with(timeout_without_cancel=True), "stops waiting at the deadline but leaves the attempt running",
        "timed-out attempts are cancelled"),
    "MAX_RETRIES": WrongResilience(
        _with(generic_code=True), "replaces the last error's code with MAX_RETRIES",
        "the last error is kept"),
    "forgets the attempts": WrongResilience(
        _with(forgets_attempts=True), "gives up without recording the attempts in ctx",
        "the last error is kept"),
    "wraps a single attempt": WrongResilience(
        _with(wraps_single_attempt=True), "adds attempt details to the error of a single attempt",
        "identity"),
    "warns late": WrongResilience(
        _with(warn_late=True), "retries a non-idempotent step and warns only after a second failure",
        "a non-idempotent step is never retried silently", _permissive),
}
"""One wrong implementation per mistake, each caught by the property it names."""


__all__ = ["COURSE_SLIPS", "WRONG_RESILIENCE", "Slips", "WrongResilience", "closure_with_resilience"]
