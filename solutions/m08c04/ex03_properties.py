"""Exercise 3 — write the properties of a retry loop yourself.

What to do
----------
Write six Hypothesis properties about *an* implementation of
``async_with_resilience``, passed in as ``impl``: ``impl(step, retry,
timeout, env)`` returns a plan, with the contract of exercise 2. Each
``check_*`` runs its property against ``impl`` and raises ``AssertionError``
(Hypothesis does it for you) when the property fails.

The contract
------------
* **pass on correct loops** — every check passes on correct implementations,
  each over at least 20 generated runs.
* ``check_attempts_bounded(impl)`` — never more than ``retry.max_attempts``
  attempts.
* ``check_only_retriable_codes(impl)`` — a failure whose code is not in
  ``retry.retriable_codes`` is never retried.
* ``check_delays_within_cap(impl)`` — no wait between attempts is longer than
  ``retry.max_backoff_ms``, jitter included.
* ``check_retry_after(impl)`` — after a failure whose ``ctx`` holds
  ``retry_after_ms``, the next attempt waits at least
  ``min(retry_after_ms, max_backoff_ms)``.
* ``check_last_error_kept(impl)`` — a run that gives up after more than one
  attempt ends with the last attempt's code, and ``ctx["attempts"]`` is the
  number of attempts.
* ``check_timeout_cancels(impl)`` — an attempt still running at its deadline
  is cancelled: it writes nothing, and no task is left when the plan ends.

Run every property on the virtual clock (``run_virtual``), with a seeded
environment, over *generated* policies and replies: successes and failures,
retriable and not, with and without ``Retry-After``, quick and slow.

How it is graded
----------------
Your checks must pass on correct implementations, each over at least 20
generated runs. Then they are run against wrong ones kept by the grader (one
attempt too many, retrying any code, jitter after the cap, no cap, ignoring
Retry-After, MAX_RETRIES instead of the last code, forgetting the attempts, a
timeout that does not cancel): each one you catch is a point.

Imports
-------
The standard library, ``hypothesis``, ``funcpipe_rag``'s results and
policies (``Ok``, ``Err``, ``ErrInfo``, ``ErrorCode``, ``Result``,
``RetryPolicy``, ``TimeoutPolicy``, ``ResilienceEnv``), and from ``funcpipe_rag.testing`` only the helpers
``run_virtual``, ``ScriptedStep``, ``succeed``, ``fail_with`` and
``TraceRecorder``. Not the library's ready-made properties
(``resilience_properties``, ``RESILIENCE_PROPERTIES``, ``run_scenario`` …):
a file that imports them scores zero for this exercise.

Hints
-----
* ``ScriptedStep(replies)`` answers its k-th call with ``replies[k]``
  (``succeed(latency_ms)``, ``fail_with(code, latency_ms, retry_after_ms)``)
  and counts ``writes``; ``TraceRecorder`` records attempts and waits when you
  give the plan ``recorder.step(step.plan)`` and ``recorder.env(seed)``.
* Keep ``max_examples`` modest (30 to 50) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c04/ex03``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import Err, Ok, RetryPolicy, TimeoutPolicy
from funcpipe_rag.testing import ScriptedStep, TraceRecorder, fail_with, run_virtual, succeed

Impl = Callable[..., Any]

# BEGIN HELPERS: strategies for policies and replies, a runner, and a settings object
CONFIG = settings(max_examples=40, derandomize=True, database=None, deadline=None, report_multiple_bugs=False)

CODES = ["RATE_LIMIT", "TRANSIENT", "TIMEOUT", "NETWORK", "SERVICE", "NOT_FOUND"]
LATENCY = st.sampled_from([0.0, 5.0, 40.0, 300.0])  # the timeout below is 100 ms


@st.composite
def policies(draw: st.DrawFn) -> RetryPolicy:
    base = draw(st.sampled_from([10.0, 200.0, 0.0]))
    cap = draw(st.sampled_from([base, 300.0, 5_000.0]).filter(lambda c: c >= base))  # often at the cap
    return RetryPolicy(
        max_attempts=draw(st.integers(1, 4)),
        retriable_codes={"RATE_LIMIT", "TRANSIENT"} | draw(st.sets(st.sampled_from(CODES))),
        backoff_base_ms=base,
        max_backoff_ms=cap,
        jitter_factor=draw(st.sampled_from([0.5, 1.0, 0.0])),
    )


replies = st.lists(
    st.builds(succeed, LATENCY)
    | st.builds(fail_with, st.sampled_from(CODES), LATENCY, st.sampled_from([None, 0.0, 250.0, 9_000.0])),
    min_size=1, max_size=4,
)


def run(impl: Impl, policy: RetryPolicy, answers: list[Any], seed: int, timeout_ms: float | None = 100.0
        ) -> Any:
    """Run impl on a scripted step in virtual time: (result, recorder, step, tasks left at the end)."""
    step, recorder = ScriptedStep(answers), TraceRecorder()

    async def main() -> Any:
        timeout = TimeoutPolicy(timeout_ms) if timeout_ms is not None else None
        result = await impl(recorder.step(step.plan), policy, timeout, recorder.env(seed))()
        return result, len(asyncio.all_tasks()) - 1

    (result, tasks_left), _ = run_virtual(main)
    return result, recorder, step, tasks_left
# END HELPERS


def check_attempts_bounded(impl: Impl) -> None:
    # BEGIN SOLUTION: property: at most max_attempts attempts
    @CONFIG
    @given(policy=policies(), answers=replies, seed=st.integers(0, 99))
    def prop(policy: RetryPolicy, answers: list[Any], seed: int) -> None:
        _, recorder, _, _ = run(impl, policy, answers, seed)
        assert len(recorder.attempts) <= policy.max_attempts

    prop()
    # END SOLUTION


def check_only_retriable_codes(impl: Impl) -> None:
    # BEGIN SOLUTION: property: a failure with a code not in retriable_codes is the last attempt
    @CONFIG
    @given(policy=policies(), answers=replies, seed=st.integers(0, 99))
    def prop(policy: RetryPolicy, answers: list[Any], seed: int) -> None:
        _, recorder, _, _ = run(impl, policy, answers, seed)
        outcomes = [a.outcome for a in recorder.trace().attempts]
        for outcome in outcomes[:-1]:
            code = "TIMEOUT" if outcome == "cancelled" else outcome
            assert code in policy.retriable_codes, f"{code} was retried"

    prop()
    # END SOLUTION


def check_delays_within_cap(impl: Impl) -> None:
    # BEGIN SOLUTION: property: every wait is at most max_backoff_ms
    @CONFIG
    @given(policy=policies(), answers=replies, seed=st.integers(0, 99))
    def prop(policy: RetryPolicy, answers: list[Any], seed: int) -> None:
        _, recorder, _, _ = run(impl, policy, answers, seed)
        for backoff in recorder.backoffs:
            assert backoff.seconds * 1000 <= policy.max_backoff_ms + 1e-6

    prop()
    # END SOLUTION


def check_retry_after(impl: Impl) -> None:
    # BEGIN SOLUTION: property: no retry sooner than a failure's Retry-After (up to the cap)
    @CONFIG
    @given(policy=policies(), answers=replies, seed=st.integers(0, 99))
    def prop(policy: RetryPolicy, answers: list[Any], seed: int) -> None:
        _, recorder, _, _ = run(impl, policy, answers, seed)
        trace = recorder.trace()
        for attempt, backoff in zip(trace.attempts, trace.backoffs, strict=False):
            reply = answers[min(attempt.attempt, len(answers)) - 1]
            if attempt.outcome != "cancelled" and reply.retry_after_ms is not None:
                assert backoff.seconds * 1000 >= min(reply.retry_after_ms, policy.max_backoff_ms) - 1e-6

    prop()
    # END SOLUTION


def check_last_error_kept(impl: Impl) -> None:
    # BEGIN SOLUTION: property: giving up keeps the last code and counts the attempts
    @CONFIG
    @given(policy=policies(), answers=replies, seed=st.integers(0, 99))
    def prop(policy: RetryPolicy, answers: list[Any], seed: int) -> None:
        result, recorder, _, _ = run(impl, policy, answers, seed)
        attempts = recorder.trace().attempts
        if isinstance(result, Err) and len(attempts) > 1:
            last = "TIMEOUT" if attempts[-1].outcome == "cancelled" else attempts[-1].outcome
            assert result.error.code == last
            assert (result.error.ctx or {}).get("attempts") == len(attempts)

    prop()
    # END SOLUTION


def check_timeout_cancels(impl: Impl) -> None:
    # BEGIN SOLUTION: property: a late attempt is cancelled, writes nothing, leaves no task
    @CONFIG
    @given(policy=policies(), answers=replies, seed=st.integers(0, 99))
    def prop(policy: RetryPolicy, answers: list[Any], seed: int) -> None:
        result, recorder, step, tasks_left = run(impl, policy, answers, seed)
        for attempt in recorder.trace().attempts:
            if answers[min(attempt.attempt, len(answers)) - 1].latency_ms > 100.0:
                assert attempt.outcome == "cancelled"
        assert tasks_left == 0
        assert step.writes == (1 if isinstance(result, Ok) else 0)

    prop()
    # END SOLUTION
