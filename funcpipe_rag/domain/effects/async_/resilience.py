"""Retry and timeout policies as data: a resilient plan is a plan like any other.

``RetryPolicy`` and ``TimeoutPolicy`` are frozen, validated values that say
*what* to do when a step fails or takes too long; ``async_with_resilience``
combines a step with them into a new plan node that you can print, inspect
(``.step``, ``.retry``, ``.timeout``, ``.env``), pass around and run as often
as you like. Nothing sleeps, retries or times out until a shell drives it.
``ResilienceEnv`` holds the three things a retry loop needs from the outside
world — random numbers for jitter, a way to sleep, a clock — so that a test
can give it seeded randomness and virtual time.

The contract of ``async_with_resilience(step, retry, timeout, env)``, where an
*attempt* is one run of ``step``:

* **identity** — with ``max_attempts=1`` and no timeout the plan runs ``step``
  once and finishes with exactly its result;
* **bounded attempts** — at most ``retry.max_attempts`` attempts;
* **only retriable codes** — an ``Err`` whose code is not in
  ``retry.retriable_codes`` ends the run at once;
* **delays as the policy computes them** — before attempt ``k + 1`` the plan
  sleeps ``retry.delay_ms(k, u, retry_after_ms)`` milliseconds, with ``u`` one
  draw of ``env.rng.random()`` and ``retry_after_ms`` what the failed attempt's
  error asked for (see below); every delay is at most ``max_backoff_ms``,
  jitter included;
* **time is bounded** — a run takes at most ``attempts x timeout_ms`` plus the
  sum of the delays, hence at most ``max_attempts x timeout_ms +
  retry.max_total_delay_ms()``;
* **a timed-out attempt is cancelled** — the step's coroutine receives
  ``CancelledError`` at the deadline (its ``finally`` blocks run, its own
  tasks are cancelled by it), the plan starts no task of its own, and the
  attempt counts as ``Err(TIMEOUT)``;
* **the last error is kept** — when the run ends with an ``Err`` after more
  than one attempt, it is the last attempt's error with its own code
  (``RATE_LIMIT`` stays ``RATE_LIMIT``), and its ``ctx`` gains
  ``attempts`` (how many were made) and ``codes`` (each attempt's code, in
  order);
* **Retry-After is honoured** — an error whose ``ctx`` holds
  ``retry_after_ms`` (:data:`~funcpipe_rag.domain.errors.RETRY_AFTER_MS`; the
  HTTP adapter sets it from a 429's ``Retry-After`` header) is not retried
  sooner than that, up to the cap ``max_backoff_ms``;
* **a step that is not idempotent is never retried** — see
  :class:`RetryPolicy`: such a policy cannot be built with more than one attempt.

Exceptions raised by the step are bugs and propagate at once (never retried);
cancelling the run cancels the attempt in flight or the sleep.

Pure: this module describes; it never drives a plan and imports no shell code.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from funcpipe_rag.domain.effects.async_._interpreter import interpret
from funcpipe_rag.domain.effects.async_._nodes import AsyncPlan, PlanNode
from funcpipe_rag.domain.errors import RETRY_AFTER_MS, RETRYABLE_CODES, ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

__all__ = [
    "DEFAULT_RETRIABLE",
    "ResilienceEnv",
    "ResilientMapper",
    "ResilientPlan",
    "RetryPolicy",
    "TimeoutPolicy",
    "async_with_resilience",
    "loop_clock",
    "resilient_mapper",
    "timeout_error",
]

A = TypeVar("A")
T = TypeVar("T")

DEFAULT_RETRIABLE: frozenset[str] = frozenset(str(code) for code in RETRYABLE_CODES)
"""The default ``retriable_codes``: RATE_LIMIT, TRANSIENT, TIMEOUT, NETWORK, the failures that may go
away if the same request is sent again later."""

_KNOWN_CODES = frozenset(str(c) for c in ErrorCode)


def _number(owner: str, name: str, value: object, *, positive: bool = False) -> float:
    """``value`` checked to be a finite real number, at least 0 (above 0 when ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{owner}.{name} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{owner}.{name} must be finite, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{owner}.{name} must be greater than 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{owner}.{name} must not be negative, got {value!r}")
    return float(value) if isinstance(value, float) else value


@dataclass(frozen=True, slots=True, repr=False)
class RetryPolicy:
    """When to try a failed step again, and how long to wait first.

    * ``max_attempts`` — attempts in all, the first included (``1``: never retry);
    * ``retriable_codes`` — the error codes worth another attempt (default
      :data:`DEFAULT_RETRIABLE`: RATE_LIMIT, TRANSIENT, TIMEOUT, NETWORK); any
      iterable of codes of the taxonomy, stored as a ``frozenset`` of ``str``;
    * ``backoff_base_ms``, ``max_backoff_ms`` — the wait after attempt ``k``
      doubles from ``backoff_base_ms`` and is capped at ``max_backoff_ms``;
    * ``jitter_factor`` — between 0 and 1: each wait is shortened by a random
      share of at most this much, so that clients that failed together do not
      retry together. Jitter is applied *below* the cap, never above it;
    * ``idempotent`` — whether running the step twice has the same effect as
      running it once (a read, an upsert keyed by a content id).

    A step that is not idempotent is never retried: ``RetryPolicy(idempotent=False,
    max_attempts=3)`` raises ``ValueError``. Refusing when the policy is built,
    rather than warning when a retry happens, is deliberate: a warning comes
    after the duplicate write it warns about, and Python shows a warning from
    one place only once per process, so the next retry would be silent.
    Make the step idempotent (write with an upsert keyed by a stable id) and
    say so with ``idempotent=True``, or keep ``max_attempts=1``.

    Every field is validated when the policy is built; an invalid value
    raises ``TypeError`` or ``ValueError`` saying what to change.
    """

    max_attempts: int = 3
    retriable_codes: frozenset[str] = DEFAULT_RETRIABLE
    backoff_base_ms: float = 100.0
    max_backoff_ms: float = 2_000.0
    jitter_factor: float = 0.1
    idempotent: bool = True

    def __post_init__(self) -> None:
        attempts = self.max_attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            raise TypeError(f"RetryPolicy.max_attempts must be an int, got {type(attempts).__name__}")
        if attempts < 1:
            raise ValueError(
                f"RetryPolicy.max_attempts must be at least 1 (the first attempt counts), got {attempts}"
            )
        object.__setattr__(self, "retriable_codes", _codes(self.retriable_codes))
        base = _number("RetryPolicy", "backoff_base_ms", self.backoff_base_ms)
        cap = _number("RetryPolicy", "max_backoff_ms", self.max_backoff_ms)
        if cap < base:
            raise ValueError(
                f"RetryPolicy.max_backoff_ms ({cap:g}) is below backoff_base_ms ({base:g}); "
                "raise max_backoff_ms or lower backoff_base_ms"
            )
        jitter = _number("RetryPolicy", "jitter_factor", self.jitter_factor)
        if jitter > 1:
            raise ValueError(f"RetryPolicy.jitter_factor must be between 0 and 1, got {jitter!r}")
        if not isinstance(self.idempotent, bool):
            raise TypeError(f"RetryPolicy.idempotent must be True or False, got {self.idempotent!r}")
        if not self.idempotent and attempts > 1:
            raise ValueError(
                f"RetryPolicy(idempotent=False, max_attempts={attempts}) would run a step that is not "
                "idempotent more than once, and a retry after a lost answer repeats its effect; make the "
                "step idempotent (e.g. an upsert keyed by a stable id) and pass idempotent=True, or use "
                "max_attempts=1"
            )

    def backoff_ms(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1, 2, …) before jitter:
        ``min(backoff_base_ms x 2^(attempt-1), max_backoff_ms)``."""
        if attempt < 1:
            raise ValueError(f"attempts are numbered from 1, got {attempt}")
        # 2.0 ** 1000 is still finite; any longer doubling is far past every cap.
        return float(min(self.backoff_base_ms * 2.0 ** min(attempt - 1, 1000), self.max_backoff_ms))

    def delay_ms(self, attempt: int, u: float, retry_after_ms: float | None = None) -> float:
        """The wait after failed attempt ``attempt``, given one random draw ``u`` in [0, 1).

        ``backoff_ms(attempt) x (1 - jitter_factor x u)``, raised to
        ``retry_after_ms`` when the failure asked for a longer wait, and never
        above ``max_backoff_ms``. A pure function: the same arguments give the
        same delay.
        """
        if not 0.0 <= u <= 1.0:
            raise ValueError(f"u must be a draw from [0, 1), got {u!r}")
        delay = self.backoff_ms(attempt) * (1.0 - self.jitter_factor * u)
        if retry_after_ms is not None:
            delay = max(delay, retry_after_ms)
        return min(delay, float(self.max_backoff_ms))

    def should_retry(self, error: ErrInfo, attempt: int) -> bool:
        """Whether attempt ``attempt`` failing with ``error`` is followed by another attempt."""
        return attempt < self.max_attempts and error.code in self.retriable_codes

    def max_total_delay_ms(self) -> float:
        """The most a run can spend waiting between attempts: the capped waits, summed."""
        return sum((self.backoff_ms(k) for k in range(1, self.max_attempts)), 0.0)

    def __repr__(self) -> str:
        # Sorted, so the repr is the same in every process (a frozenset's order follows str hashing).
        codes = "{" + ", ".join(repr(c) for c in sorted(self.retriable_codes)) + "}"
        return (
            f"RetryPolicy(max_attempts={self.max_attempts}, retriable_codes={codes}, "
            f"backoff_base_ms={self.backoff_base_ms:g}, max_backoff_ms={self.max_backoff_ms:g}, "
            f"jitter_factor={self.jitter_factor:g}, idempotent={self.idempotent})"
        )


def _codes(codes: object) -> frozenset[str]:
    if isinstance(codes, str):
        raise TypeError(
            f"RetryPolicy.retriable_codes must be a collection of codes, got the string {codes!r}; "
            f"write retriable_codes={{{codes!r}}}"
        )
    if not isinstance(codes, Iterable):
        raise TypeError(f"RetryPolicy.retriable_codes must be a collection of codes, got {codes!r}")
    found = frozenset(str(c) for c in codes)
    unknown = sorted(found - _KNOWN_CODES)
    if unknown:
        raise ValueError(
            f"RetryPolicy.retriable_codes has codes outside the taxonomy: {', '.join(unknown)}; "
            f"choose from {', '.join(sorted(_KNOWN_CODES))}"
        )
    return found


@dataclass(frozen=True, slots=True, repr=False)
class TimeoutPolicy:
    """How long one attempt may take, in milliseconds, before it is cancelled and counts as TIMEOUT."""

    timeout_ms: float

    def __post_init__(self) -> None:
        _number("TimeoutPolicy", "timeout_ms", self.timeout_ms, positive=True)

    def __repr__(self) -> str:
        return f"TimeoutPolicy(timeout_ms={self.timeout_ms:g})"


class Rng(Protocol):
    """What a resilient plan needs from a random number generator (``random.Random`` has it)."""

    def random(self) -> float: ...


def loop_clock() -> float:
    """Now, in seconds, on the clock of the running event loop (virtual time under a virtual loop)."""
    return asyncio.get_running_loop().time()


@dataclass(frozen=True)
class ResilienceEnv:
    """The outside world a retry loop depends on, injected so that tests control it.

    * ``rng`` — one ``rng.random()`` per retry, for jitter; give a seeded
      ``random.Random(seed)`` for a reproducible run;
    * ``sleep`` — ``await sleep(seconds)`` waits between attempts (``asyncio.sleep``);
    * ``clock`` — ``clock()`` is now, in seconds (the running loop's clock),
      read by whoever records when attempts happened;
    * ``timeout`` — ``async with timeout(seconds):`` cancels the block at the
      deadline and then raises ``TimeoutError`` (``asyncio.timeout``).

    The defaults all use the running event loop's one clock, so under a
    virtual-time loop (:func:`funcpipe_rag.testing.run_virtual`) sleeping,
    timing out and reading the time stay consistent and cost no real time.
    Replacing only one of them with a separate fake is how tests drift
    (Core 5).
    """

    rng: Rng = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    clock: Callable[[], float] = loop_clock
    timeout: Callable[[float], AbstractAsyncContextManager[Any]] = asyncio.timeout


_DEFAULT_ENV = ResilienceEnv()
"""Unseeded on purpose: clients that share a seed jitter alike and retry in lockstep."""


def _describe(step: object) -> str:
    if isinstance(step, PlanNode):
        return repr(step)  # shallow: a plan node never prints its children
    name = getattr(step, "__qualname__", None) or type(step).__name__
    return f"<plan {name}>"


class ResilientPlan(PlanNode[A]):
    """The plan ``async_with_resilience`` builds: ``step`` run under ``retry`` and ``timeout``.

    Its fields are public, so a resilient plan can be inspected like any
    other data; its ``repr`` shows the policies.
    """

    __slots__ = ("env", "retry", "step", "timeout")

    def __init__(
        self, step: AsyncPlan[A], retry: RetryPolicy, timeout: TimeoutPolicy | None, env: ResilienceEnv | None
    ) -> None:
        self.step = step
        self.retry = retry
        self.timeout = timeout
        self.env = env

    def __call__(self) -> Any:
        return _run(self.step, self.retry, self.timeout, self.env or _DEFAULT_ENV)

    def __repr__(self) -> str:
        parts = [_describe(self.step), repr(self.retry)]
        if self.timeout is not None:
            parts.append(repr(self.timeout))
        if self.env is not None:
            parts.append("env=ResilienceEnv(...)")
        return f"async_with_resilience({', '.join(parts)})"


def async_with_resilience(
    step: AsyncPlan[A],
    retry: RetryPolicy,
    timeout: TimeoutPolicy | None = None,
    env: ResilienceEnv | None = None,
) -> AsyncPlan[A]:
    """Describe running ``step`` with retries (``retry``) and a per-attempt time limit (``timeout``).

    Returns a :class:`ResilientPlan`; building it runs nothing. See the module
    docstring for the full contract. ``env=None`` uses the running loop's
    clock, ``asyncio.sleep``, ``asyncio.timeout`` and an unseeded random
    generator shared by every plan.
    """
    if not callable(step):
        raise TypeError(
            f"async_with_resilience expects a plan (a zero-argument callable) as its step, got "
            f"{type(step).__name__}; pass the plan itself, not plan()"
        )
    _check_policies(retry, timeout, env)
    return ResilientPlan(step, retry, timeout, env)


def _check_policies(retry: object, timeout: object, env: object) -> None:
    if not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}; e.g. RetryPolicy(3)")
    if timeout is not None and not isinstance(timeout, TimeoutPolicy):
        raise TypeError(
            f"timeout must be a TimeoutPolicy or None, got {type(timeout).__name__}; "
            "e.g. TimeoutPolicy(timeout_ms=500)"
        )
    if env is not None and not isinstance(env, ResilienceEnv):
        raise TypeError(f"env must be a ResilienceEnv or None, got {type(env).__name__}")


def _retry_after_ms(error: ErrInfo) -> float | None:
    wanted = error.ctx.get(RETRY_AFTER_MS) if error.ctx is not None else None
    if isinstance(wanted, int | float) and not isinstance(wanted, bool) and math.isfinite(wanted):
        return max(0.0, float(wanted))
    return None


def timeout_error(attempt: int, timeout: TimeoutPolicy) -> ErrInfo:
    """The error of attempt ``attempt`` cancelled at the deadline of ``timeout``: code TIMEOUT,
    ``ctx={"attempt": attempt, "timeout_ms": timeout.timeout_ms}``."""
    msg = f"attempt {attempt} did not finish within {timeout.timeout_ms:g} ms and was cancelled"
    return ErrInfo(ErrorCode.TIMEOUT, msg, ctx={"attempt": attempt, "timeout_ms": timeout.timeout_ms})


async def _attempt(
    step: AsyncPlan[A], attempt: int, timeout: TimeoutPolicy | None, env: ResilienceEnv
) -> Result[A, ErrInfo]:
    if timeout is None:
        return await interpret(step)
    limit = env.timeout(timeout.timeout_ms / 1000)
    try:
        async with limit:
            return await interpret(step)
    except TimeoutError:
        expired = getattr(limit, "expired", None)
        if callable(expired) and not expired():
            raise  # the step itself raised TimeoutError: a bug of the step, not our deadline
        return Err(timeout_error(attempt, timeout))


async def _run(
    step: AsyncPlan[A], retry: RetryPolicy, timeout: TimeoutPolicy | None, env: ResilienceEnv
) -> Result[A, ErrInfo]:
    if retry.max_attempts == 1 and timeout is None:
        return await interpret(step)  # identity: nothing to add
    codes: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        res = await _attempt(step, attempt, timeout, env)
        if isinstance(res, Ok):
            return res
        error = res.error
        codes.append(error.code)
        if not retry.should_retry(error, attempt):
            if attempt == 1:
                return res
            return Err(replace(error, ctx={**(error.ctx or {}), "attempts": attempt, "codes": tuple(codes)}))
        delay = retry.delay_ms(attempt, env.rng.random(), _retry_after_ms(error))
        await env.sleep(delay / 1000)


@dataclass(frozen=True, repr=False)
class ResilientMapper(Generic[T, A]):
    """``x ↦ async_with_resilience(f(x), retry, timeout, env)``: a per-item step for streams.

    Give it to a stream operator that runs one plan per item
    (``async_gen_map_action``, ``async_gen_bounded_map``): every item gets its
    own attempts, delays and deadline; an ``Err`` item of the source is never
    passed to ``f``.
    """

    f: Callable[[T], AsyncPlan[A]]
    retry: RetryPolicy
    timeout: TimeoutPolicy | None = None
    env: ResilienceEnv | None = None

    def __call__(self, item: T) -> AsyncPlan[A]:
        return async_with_resilience(self.f(item), self.retry, self.timeout, self.env)

    def __repr__(self) -> str:
        name = getattr(self.f, "__qualname__", None) or type(self.f).__name__
        extra = f", {self.timeout!r}" if self.timeout is not None else ""
        return f"resilient_mapper({name}, {self.retry!r}{extra})"


def resilient_mapper(
    f: Callable[[T], AsyncPlan[A]],
    retry: RetryPolicy,
    timeout: TimeoutPolicy | None = None,
    env: ResilienceEnv | None = None,
) -> ResilientMapper[T, A]:
    """Make ``f: T -> AsyncPlan[A]`` resilient item by item (see :class:`ResilientMapper`).

    The policies are checked now, so a wrong policy fails where the stream is
    described rather than at its first item.
    """
    if not callable(f):
        raise TypeError(f"resilient_mapper expects a function item -> plan, got {type(f).__name__}")
    _check_policies(retry, timeout, env)
    return ResilientMapper(f, retry, timeout, env)
