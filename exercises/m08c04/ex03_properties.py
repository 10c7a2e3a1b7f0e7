# Generated from solutions/m08c04/ex03_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
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

# TODO: strategies for policies and replies, a runner, and a settings object


def check_attempts_bounded(impl: Impl) -> None:
    # TODO: property: at most max_attempts attempts
    raise NotImplementedError("TODO: property: at most max_attempts attempts")


def check_only_retriable_codes(impl: Impl) -> None:
    # TODO: property: a failure with a code not in retriable_codes is the last attempt
    raise NotImplementedError("TODO: property: a failure with a code not in retriable_codes is the last attempt")


def check_delays_within_cap(impl: Impl) -> None:
    # TODO: property: every wait is at most max_backoff_ms
    raise NotImplementedError("TODO: property: every wait is at most max_backoff_ms")


def check_retry_after(impl: Impl) -> None:
    # TODO: property: no retry sooner than a failure's Retry-After (up to the cap)
    raise NotImplementedError("TODO: property: no retry sooner than a failure's Retry-After (up to the cap)")


def check_last_error_kept(impl: Impl) -> None:
    # TODO: property: giving up keeps the last code and counts the attempts
    raise NotImplementedError("TODO: property: giving up keeps the last code and counts the attempts")


def check_timeout_cancels(impl: Impl) -> None:
    # TODO: property: a late attempt is cancelled, writes nothing, leaves no task
    raise NotImplementedError("TODO: property: a late attempt is cancelled, writes nothing, leaves no task")
