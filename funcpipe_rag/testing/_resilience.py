"""Resilient plans under test: scripted steps, traces, scenarios and the facts of one run.

Everything here runs on the one virtual clock (:func:`run_virtual`): sleeps,
deadlines and the times a trace records all come from the running loop, so
minutes of backoff cost no real time and the same scenario gives the same
facts on every run and every machine.

* :class:`Reply` — what one attempt of a scripted step does (succeed or fail
  with a code, after a latency, maybe asking for a ``Retry-After`` wait);
* :class:`ScriptedStep` — a capability answering attempt ``k`` with reply ``k``
  (the last reply repeats); it counts writes (a success *commits* at the end
  of its latency, so an attempt cancelled in time writes nothing);
* :class:`TraceRecorder` — wraps a step and an environment's sleep from the
  outside and records each :class:`Attempt` (number, start, end, outcome)
  and each :class:`Backoff`; it works with any implementation, a learner's
  included;
* :class:`PolicySpec` and :class:`Scenario` — a retry policy's fields, a
  timeout, the replies and the seed, as plain data;
* :func:`run_scenario` — run one scenario with one implementation of
  ``async_with_resilience`` and return its :class:`RunFacts`.
"""

from __future__ import annotations

import asyncio
import random
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from funcpipe_rag.domain.effects.async_.plan import AsyncPlan, async_lift
from funcpipe_rag.domain.effects.async_.resilience import (
    DEFAULT_RETRIABLE,
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    async_with_resilience,
    loop_clock,
)
from funcpipe_rag.domain.errors import RETRY_AFTER_MS, ErrorCode
from funcpipe_rag.infra.runtime import run_sync
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._virtual_time import run_virtual

CANCELLED = "cancelled"
"""The outcome a trace records for an attempt that was cancelled (its deadline passed)."""

Path = Literal["success", "retry", "timeout", "give-up"]
PATHS: tuple[Path, ...] = ("success", "retry", "timeout", "give-up")
"""The branches of a resilient run: first attempt succeeds; success after retries; success after
an attempt timed out; the run ends with an ``Err``."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What one attempt of a :class:`ScriptedStep` does: ``code=None`` succeeds, else fails with ``code``."""

    latency_ms: float = 0.0
    code: str | None = None
    retry_after_ms: float | None = None

    def result(self, attempt: int, value: object) -> Result[Any, ErrInfo]:
        """The result this reply gives on attempt ``attempt``."""
        if self.code is None:
            return Ok(value)
        ctx = None if self.retry_after_ms is None else {RETRY_AFTER_MS: self.retry_after_ms}
        return Err(ErrInfo(self.code, f"scripted failure of attempt {attempt}", ctx=ctx))

    def __repr__(self) -> str:
        what = "ok" if self.code is None else self.code
        wait = "" if self.retry_after_ms is None else f", retry-after {self.retry_after_ms:g} ms"
        return f"{what} after {self.latency_ms:g} ms{wait}"


def succeed(latency_ms: float = 0.0) -> Reply:
    """A reply that succeeds after ``latency_ms``."""
    return Reply(latency_ms)


def fail_with(code: str, latency_ms: float = 0.0, retry_after_ms: float | None = None) -> Reply:
    """A reply that fails with ``code`` after ``latency_ms`` (asking for ``retry_after_ms``, if given)."""
    return Reply(latency_ms, str(code), retry_after_ms)


@dataclass(frozen=True, slots=True)
class StepCall:
    """One call of a scripted step: when it started and ended, and how (``"ok"``, a code, or cancelled)."""

    started: float
    ended: float
    outcome: str


class ScriptedStep:
    """A capability that answers its ``k``-th call with ``replies[k]`` (the last reply repeats).

    A successful call *writes* when its latency is over (``writes`` counts
    them), so a call cancelled before then writes nothing — and a timeout
    that does not cancel lets a slow call write after all. ``plan`` is the
    replayable plan of one call; ``in_flight`` and ``max_in_flight`` count
    calls running at once.
    """

    def __init__(self, replies: Sequence[Reply], value: object = "done") -> None:
        if not replies:
            raise ValueError("a scripted step needs at least one reply")
        self.replies = tuple(replies)
        self.value = value
        self.calls: list[StepCall] = []
        self.writes = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def call(self) -> Result[Any, ErrInfo]:
        attempt = len(self.calls) + self.in_flight + 1
        reply = self.replies[min(attempt, len(self.replies)) - 1]
        started = loop_clock()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(reply.latency_ms / 1000)
        except asyncio.CancelledError:
            self.calls.append(StepCall(started, loop_clock(), CANCELLED))
            raise
        finally:
            self.in_flight -= 1
        result = reply.result(attempt, self.value)
        succeeded = isinstance(result, Ok)
        self.writes += succeeded
        self.calls.append(StepCall(started, loop_clock(), "ok" if succeeded else str(reply.code)))
        return result

    @property
    def plan(self) -> AsyncPlan[Any]:
        return async_lift(self.call)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt as a trace records it: its number (from 1), start and end (seconds), outcome.

    ``outcome`` is ``"ok"``, the code of the ``Err`` it finished with, or
    ``"cancelled"`` when its deadline cancelled it.
    """

    attempt: int
    start: float
    end: float
    outcome: str


@dataclass(frozen=True, slots=True)
class Backoff:
    """One wait between attempts: when it started and how long it was asked to last (seconds)."""

    start: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Trace:
    """What a resilient run did, in order: its attempts and its backoffs."""

    attempts: tuple[Attempt, ...]
    backoffs: tuple[Backoff, ...]

    def path(self, result: Result[Any, ErrInfo]) -> Path:
        """The branch the run took (see :data:`PATHS`)."""
        if isinstance(result, Err):
            return "give-up"
        if any(a.outcome == CANCELLED for a in self.attempts):
            return "timeout"
        return "retry" if len(self.attempts) > 1 else "success"


class TraceRecorder:
    """Records the attempts and backoffs of a resilient run, from the outside.

    ``recorder.step(plan)`` is ``plan`` with every run recorded as an
    :class:`Attempt`; ``recorder.env(seed)`` is a :class:`ResilienceEnv` with
    a seeded ``random.Random`` whose sleeps are recorded as :class:`Backoff`.
    Times come from ``clock`` (the running loop's, so virtual under
    :func:`run_virtual`). ``events`` interleaves ``("start", n)``,
    ``("end", n)``, ``("sleep", seconds)`` and ``("warning", text)`` in the
    order they happened.
    """

    def __init__(self, clock: Callable[[], float] = loop_clock) -> None:
        self.clock = clock
        self.attempts: list[Attempt] = []
        self.backoffs: list[Backoff] = []
        self.events: list[tuple[str, object]] = []
        self._started = 0

    def step(self, plan: AsyncPlan[Any]) -> AsyncPlan[Any]:
        async def run() -> Result[Any, ErrInfo]:
            self._started += 1
            number, start = self._started, self.clock()
            self.events.append(("start", number))
            try:
                res = await plan()
            except asyncio.CancelledError:
                self._end(number, start, CANCELLED)
                raise
            self._end(number, start, "ok" if isinstance(res, Ok) else str(res.error.code))
            return res

        return async_lift(run)

    def _end(self, number: int, start: float, outcome: str) -> None:
        self.attempts.append(Attempt(number, start, self.clock(), outcome))
        self.events.append(("end", number))

    def sleep(
        self, inner: Callable[[float], Awaitable[Any]] = asyncio.sleep
    ) -> Callable[[float], Awaitable[None]]:
        async def recorded(seconds: float) -> None:
            self.backoffs.append(Backoff(self.clock(), seconds))
            self.events.append(("sleep", seconds))
            await inner(seconds)

        return recorded

    def env(self, seed: int = 0) -> ResilienceEnv:
        return ResilienceEnv(random.Random(seed), self.sleep(), self.clock)

    def warning(self, text: str) -> None:
        self.events.append(("warning", text))

    def trace(self) -> Trace:
        return Trace(tuple(sorted(self.attempts, key=lambda a: a.attempt)), tuple(self.backoffs))


# ---- scenarios -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """The fields of a :class:`RetryPolicy`, unchecked: a policy as plain data.

    ``build()`` makes the library's ``RetryPolicy`` (which may refuse it);
    an implementation under test may build its own from the same fields.
    """

    max_attempts: int = 3
    retriable_codes: frozenset[str] = DEFAULT_RETRIABLE
    backoff_base_ms: float = 100.0
    max_backoff_ms: float = 2_000.0
    jitter_factor: float = 0.1
    idempotent: bool = True

    def build(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.retriable_codes, self.backoff_base_ms,
                           self.max_backoff_ms, self.jitter_factor, self.idempotent)

    def __repr__(self) -> str:
        codes = "{" + ", ".join(sorted(self.retriable_codes)) + "}"
        return (f"policy(attempts={self.max_attempts}, retry on {codes}, base {self.backoff_base_ms:g} ms, "
                f"cap {self.max_backoff_ms:g} ms, jitter {self.jitter_factor:g}"
                + ("" if self.idempotent else ", NOT idempotent") + ")")


ScenarioData = tuple[
    tuple[int, frozenset[str], float, float, float, bool], float | None,
    tuple[tuple[float, str | None, float | None], ...], int,
]
"""A :class:`Scenario` as plain tuples: policy fields, timeout, replies, seed."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """One run to check: a policy, an optional per-attempt timeout, the step's replies, the seed."""

    policy: PolicySpec
    timeout_ms: float | None
    replies: tuple[Reply, ...]
    seed: int = 0

    @property
    def timeout(self) -> TimeoutPolicy | None:
        return None if self.timeout_ms is None else TimeoutPolicy(self.timeout_ms)

    def as_data(self) -> ScenarioData:
        """The scenario as plain tuples (what the grader sends to the process running a submission)."""
        p = self.policy
        policy = (p.max_attempts, frozenset(p.retriable_codes), p.backoff_base_ms, p.max_backoff_ms,
                  p.jitter_factor, p.idempotent)
        replies = tuple((r.latency_ms, r.code, r.retry_after_ms) for r in self.replies)
        return policy, self.timeout_ms, replies, self.seed

    @classmethod
    def from_data(cls, data: ScenarioData) -> Scenario:
        """The scenario :meth:`as_data` describes."""
        policy, timeout_ms, replies, seed = data
        return cls(PolicySpec(*policy), timeout_ms, tuple(Reply(*r) for r in replies), seed)

    def reply(self, attempt: int) -> Reply:
        """The reply attempt ``attempt`` (from 1) gets."""
        return self.replies[min(attempt, len(self.replies)) - 1]

    def __repr__(self) -> str:
        limit = "no timeout" if self.timeout_ms is None else f"timeout {self.timeout_ms:g} ms"
        answers = "; ".join(map(repr, self.replies))
        return f"Scenario({self.policy!r}, {limit}, replies [{answers}], seed {self.seed})"


Impl = Callable[[AsyncPlan[Any], Any, TimeoutPolicy | None, ResilienceEnv], AsyncPlan[Any]]
"""An implementation of ``async_with_resilience(step, retry, timeout, env)`` under test."""

BuildPolicy = Callable[[PolicySpec], Any]


@dataclass(frozen=True)
class RunFacts:
    """What one run of a scenario did, as plain data.

    ``refused`` is the error message when the policy or the plan could not be
    built (then nothing ran); ``writes`` counts successful calls that
    committed, ``tasks_left`` the tasks still alive when the plan finished.
    """

    result: Result[Any, ErrInfo] | None
    trace: Trace
    elapsed: float
    writes: int
    tasks_left: int
    events: tuple[tuple[str, object], ...] = ()
    refused: str | None = None
    step_calls: tuple[StepCall, ...] = field(default=())

    @property
    def path(self) -> Path:
        assert self.result is not None, "the plan was refused: it has no path"
        return self.trace.path(self.result)


def run_scenario(
    scenario: Scenario,
    impl: Impl = async_with_resilience,
    build: BuildPolicy = PolicySpec.build,
    *,
    settle_s: float = 0.0,
    virtual: bool = True,
) -> RunFacts:
    """Run ``scenario`` with ``impl`` on the virtual-time loop and return what happened.

    ``settle_s`` seconds are waited after the plan finishes before counting
    writes (so a call a broken timeout left running can still write); the
    elapsed time is measured when the plan finishes. ``virtual=False`` runs
    on an ordinary event loop instead, in real time: keep the latencies and
    delays of such a scenario short.
    """
    step = ScriptedStep(scenario.replies)
    recorder = TraceRecorder()

    async def main() -> tuple[Any, float, int]:
        try:
            policy = build(scenario.policy)
            plan = impl(recorder.step(step.plan), policy, scenario.timeout, recorder.env(scenario.seed))
        except (TypeError, ValueError) as exc:
            return exc, 0.0, 0
        with warnings.catch_warnings():  # restores showwarning and the filters afterwards
            warnings.simplefilter("always")
            warnings.showwarning = lambda message, *rest: recorder.warning(str(message))
            result = await plan()
        finished = loop_clock()
        tasks = len(asyncio.all_tasks()) - 1
        if settle_s:
            await asyncio.sleep(settle_s)
        return result, finished, tasks

    if virtual:
        (outcome, finished, tasks), _ = run_virtual(main)
    else:
        started = [0.0]

        async def timed() -> tuple[Any, float, int]:
            started[0] = loop_clock()
            outcome, finished, tasks = await main()
            return outcome, finished - started[0], tasks

        outcome, finished, tasks = run_sync(timed)
    if isinstance(outcome, TypeError | ValueError):
        return RunFacts(None, Trace((), ()), 0.0, 0, 0, (), str(outcome))
    return RunFacts(outcome, recorder.trace(), finished, step.writes, tasks, tuple(recorder.events),
                    None, tuple(step.calls))


def expected_delays_ms(scenario: Scenario, outcomes: Sequence[str]) -> list[float]:
    """The delays the policy computes after each failed attempt of ``outcomes`` but the last.

    One ``random.Random(seed).random()`` draw per delay, in order; the
    ``Retry-After`` of a failure comes from its reply.
    """
    policy = scenario.policy.build()
    rng = random.Random(scenario.seed)
    delays = []
    for attempt, _ in enumerate(outcomes[:-1], start=1):
        reply = scenario.reply(attempt)
        wait = reply.retry_after_ms if reply.code is not None and outcomes[attempt - 1] != CANCELLED else None
        delays.append(policy.delay_ms(attempt, rng.random(), wait))
    return delays


def outcome_code(outcome: str) -> str:
    """The error code an attempt's outcome stands for (a cancelled attempt is a TIMEOUT)."""
    return str(ErrorCode.TIMEOUT) if outcome == CANCELLED else outcome


__all__ = [
    "CANCELLED",
    "PATHS",
    "Attempt",
    "Backoff",
    "Impl",
    "PolicySpec",
    "Reply",
    "RunFacts",
    "Scenario",
    "ScenarioData",
    "ScriptedStep",
    "StepCall",
    "Trace",
    "TraceRecorder",
    "expected_delays_ms",
    "fail_with",
    "outcome_code",
    "run_scenario",
    "succeed",
]
