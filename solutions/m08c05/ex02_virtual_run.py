"""Exercise 2 — run a resilient plan in virtual time, deterministically.

What to do
----------
Write ``simulate(retry, timeout_ms, replies, seed)``: build a scripted step
that answers its k-th call with ``replies[k]`` (the last one repeating), run
``async_with_resilience`` over it with a seeded environment **on the
virtual-time loop**, and report what happened as plain data.

``replies`` are ``funcpipe_rag.testing.Reply`` values (``succeed(latency_ms)``,
``fail_with(code, latency_ms, retry_after_ms)``); ``ScriptedStep(replies)``
is the scripted step, ``step.plan`` its plan and ``step.calls`` the calls it
received.

The contract
------------
``simulate`` returns ``(result, attempts, elapsed)``:

* **virtual time** — the run happens on ``run_virtual``: a schedule with
  minutes of backoff finishes at once (the grader's time limit is seconds).
* **seeded** — the environment's random generator is ``random.Random(seed)``;
  everything else (sleep, clock, timeout) is the running loop's.
* **result** — ``result`` is the resilient plan's result.
* **attempts** — ``attempts`` is how many times the step was called.
* **elapsed** — ``elapsed`` is the virtual seconds the run took.
* **timeout** — ``timeout_ms=None`` means no deadline; otherwise
  ``TimeoutPolicy(timeout_ms)``.

Imports
-------
The standard library; ``Ok``, ``Err``, ``ErrInfo``, ``Result``,
``RetryPolicy``, ``TimeoutPolicy``, ``ResilienceEnv``, ``async_lift`` and
``async_with_resilience`` from ``funcpipe_rag``; from ``funcpipe_rag.testing``
only ``run_virtual``, ``ScriptedStep``, ``Reply``, ``succeed`` and
``fail_with``. Not ``run_scenario``, which is the answer: a file that imports
it scores zero for this exercise.

Hints
-----
* ``run_virtual(main)`` returns ``(main's value, virtual seconds elapsed)``.
* Check yourself with ``funcpipe grade m08c05/ex02``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from funcpipe_rag import ErrInfo, ResilienceEnv, Result, RetryPolicy, TimeoutPolicy, async_with_resilience
from funcpipe_rag.testing import Reply, ScriptedStep, run_virtual


def simulate(
    retry: RetryPolicy, timeout_ms: float | None, replies: Sequence[Reply], seed: int
) -> tuple[Result[Any, ErrInfo], int, float]:
    """Run a resilient plan over scripted replies in virtual time: (result, attempts, elapsed seconds)."""
    # BEGIN SOLUTION: a scripted step, a seeded env, the resilient plan, run_virtual
    step = ScriptedStep(replies)
    timeout = TimeoutPolicy(timeout_ms) if timeout_ms is not None else None
    plan = async_with_resilience(step.plan, retry, timeout, ResilienceEnv(random.Random(seed)))
    result, elapsed = run_virtual(plan)
    return result, len(step.calls), elapsed
    # END SOLUTION
