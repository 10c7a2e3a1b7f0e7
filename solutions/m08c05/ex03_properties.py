"""Exercise 3 — properties of deterministic tests, and schedules that reach every branch.

What to do
----------
A test runner for resilient plans is a function ``run(retry, timeout_ms,
replies, seed) -> (result, attempts, elapsed)`` — the shape of exercise 2's
``simulate``. Write a Hypothesis strategy of its inputs that reaches every
branch of a retry loop, and two properties that a *trustworthy* runner
keeps.

The contract
------------
* **schedules reach every path** — ``schedules()`` returns a strategy of
  ``(retry, timeout_ms, replies, seed)`` tuples (a ``RetryPolicy``, a number
  of milliseconds or ``None``, a non-empty list of ``Reply``, an ``int``).
  Over 60 examples, each path — *success* (the first attempt succeeds),
  *retry* (success after failures), *timeout* (success after an attempt ran
  past its deadline), *give-up* (the run ends with ``Err``) — must get at
  least 15% of them; the grader runs the library on each example to see
  which path it really takes.
* **pass on correct runners** — both checks pass on a correct runner, each
  over at least 20 generated runs.
* ``check_deterministic(run)`` — the same inputs, run twice, give equal
  ``(result, attempts, elapsed)``.
* ``check_virtual_time(run)`` — waits count in full: when every reply fails
  with ``RATE_LIMIT`` asking to wait ``retry_after_ms`` (a second or more, at
  most the policy's cap), ``elapsed`` is at least ``(attempts - 1) *
  retry_after_ms / 1000``.

How it is graded
----------------
Your strategy's path shares are measured. Your checks must pass on a correct
runner; then they run against wrong ones kept by the grader (one whose
jitter is not seeded, one that measures elapsed time on the wall clock, one
whose sleep does not move its clock): each one caught is a point.

Imports
-------
The standard library, ``hypothesis``, ``RetryPolicy`` and the result types
(``Ok``, ``Err``, ``ErrInfo``, ``Result``) from ``funcpipe_rag``, and
``Reply``, ``succeed``, ``fail_with`` from ``funcpipe_rag.testing``. Not the
library's strategies (``SCENARIO_STRATA``, ``scenarios``, ``policies`` …): a
file that imports them scores zero.

Hints
-----
* Draw the path first (``st.sampled_from``), then an example built to take it;
  Hypothesis spreads a choice among a few options unevenly otherwise.
* Check yourself with ``funcpipe grade m08c05/ex03``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import RetryPolicy
from funcpipe_rag.testing import Reply, fail_with, succeed

Run = Callable[[RetryPolicy, float | None, list[Reply], int], tuple[Any, int, float]]

# BEGIN HELPERS: a settings object for your properties
CONFIG = settings(max_examples=30, derandomize=True, database=None, deadline=None, report_multiple_bugs=False)
# END HELPERS


def schedules() -> st.SearchStrategy[tuple[RetryPolicy, float | None, list[Reply], int]]:
    """Inputs for a runner: (retry, timeout_ms, replies, seed), every path in a fair share."""
    # BEGIN SOLUTION: draw a path, then an example built to take it
    @st.composite
    def draw_one(draw: st.DrawFn) -> tuple[RetryPolicy, float | None, list[Reply], int]:
        path = draw(st.sampled_from(["success", "retry", "timeout", "give-up"]))
        seed = draw(st.integers(0, 1000))
        jitter = draw(st.sampled_from([0.0, 0.5]))
        retry = RetryPolicy(max_attempts=3, backoff_base_ms=100, max_backoff_ms=1_000, jitter_factor=jitter)
        quick = st.sampled_from([0.0, 10.0, 50.0])
        if path == "success":
            return retry, 200.0, [succeed(draw(quick))], seed
        if path == "retry":
            return retry, 200.0, [fail_with(draw(st.sampled_from(["TRANSIENT", "RATE_LIMIT"])), draw(quick)),
                                  succeed(draw(quick))], seed
        if path == "timeout":
            slow = succeed(draw(st.sampled_from([500.0, 5_000.0])))
            return retry, 200.0, [slow, succeed(draw(quick))], seed
        code = draw(st.sampled_from(["TRANSIENT", "NOT_FOUND", "SERVICE"]))
        return retry, draw(st.sampled_from([None, 200.0])), [fail_with(code, draw(quick))], seed

    return draw_one()
    # END SOLUTION


def check_deterministic(run: Run) -> None:
    # BEGIN SOLUTION: property: the same inputs twice give the same outputs
    @CONFIG
    @given(schedules())
    def prop(inputs: tuple[RetryPolicy, float | None, list[Reply], int]) -> None:
        retry, timeout_ms, replies, seed = inputs
        assert run(retry, timeout_ms, replies, seed) == run(retry, timeout_ms, replies, seed)

    prop()
    # END SOLUTION


def check_virtual_time(run: Run) -> None:
    # BEGIN SOLUTION: property: Retry-After waits are all in the elapsed time
    @CONFIG
    @given(wait=st.sampled_from([1_000.0, 30_000.0, 120_000.0]), attempts=st.integers(1, 4),
           seed=st.integers(0, 1000))
    def prop(wait: float, attempts: int, seed: int) -> None:
        retry = RetryPolicy(max_attempts=attempts, backoff_base_ms=10, max_backoff_ms=120_000)
        _, made, elapsed = run(retry, None, [fail_with("RATE_LIMIT", 1.0, wait)], seed)
        assert elapsed >= (made - 1) * wait / 1000 - 1e-6

    prop()
    # END SOLUTION
