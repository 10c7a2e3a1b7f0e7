# Generated from solutions/m08c05/ex03_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
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

# TODO: a settings object for your properties


def schedules() -> st.SearchStrategy[tuple[RetryPolicy, float | None, list[Reply], int]]:
    """Inputs for a runner: (retry, timeout_ms, replies, seed), every path in a fair share."""
    # TODO: draw a path, then an example built to take it
    raise NotImplementedError("TODO: draw a path, then an example built to take it")


def check_deterministic(run: Run) -> None:
    # TODO: property: the same inputs twice give the same outputs
    raise NotImplementedError("TODO: property: the same inputs twice give the same outputs")


def check_virtual_time(run: Run) -> None:
    # TODO: property: Retry-After waits are all in the elapsed time
    raise NotImplementedError("TODO: property: Retry-After waits are all in the elapsed time")
