# Generated from solutions/m08c04/ex01_backoff.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 1 — a retry policy's arithmetic, as pure functions.

What to do
----------
A retry policy is data: a handful of numbers and a set of codes. Write the
two pure functions that read it. ``policy`` is any object with the fields of
``funcpipe_rag.RetryPolicy`` (``max_attempts``, ``retriable_codes``,
``backoff_base_ms``, ``max_backoff_ms``, ``jitter_factor``); read the fields,
compute, return. Nothing here sleeps, draws random numbers or runs a step.

The contract
------------
``delay_ms(policy, attempt, u, retry_after_ms=None)`` is the wait, in
milliseconds, after failed attempt ``attempt`` (1, 2, 3, …), given one random
draw ``u`` in [0, 1):

* **doubling** — before jitter the wait is
  ``min(backoff_base_ms * 2 ** (attempt - 1), max_backoff_ms)``;
* **jitter below the cap** — jitter *shortens* the wait:
  ``wait * (1 - jitter_factor * u)``; it never lengthens it past the cap;
* **Retry-After** — when ``retry_after_ms`` is given (``0`` included), the wait
  is at least ``retry_after_ms``…
* **capped** — …and the result is never above ``max_backoff_ms``, whatever
  ``attempt``, ``u`` or ``retry_after_ms`` are;
* **any attempt** — ``attempt=5000`` works (no ``OverflowError``) and gives
  the cap; ``attempt < 1`` raises ``ValueError``.

``should_retry(policy, code, attempt)`` says whether attempt ``attempt``,
failed with error code ``code``, is followed by another:

* **retriable codes only** — only codes in ``policy.retriable_codes``;
* **attempts left** — only while ``attempt < policy.max_attempts``.

Imports
-------
The standard library. Nothing from ``funcpipe_rag``: the library's
``RetryPolicy.delay_ms`` is the answer, so a file that imports from
``funcpipe_rag`` scores zero for this exercise.

Hints
-----
* ``2 ** (attempt - 1)`` grows without bound; once it is past the cap the
  answer is the cap, so there is no need to compute it exactly.
* ``retry_after_ms=0`` is a value, not "absent": test ``is not None``.
* Check yourself with ``funcpipe grade m08c04/ex01``.
"""

from __future__ import annotations

from typing import Any


def delay_ms(policy: Any, attempt: int, u: float, retry_after_ms: float | None = None) -> float:
    """The wait after failed attempt ``attempt``, in milliseconds (see the contract)."""
    # TODO: doubling, capped; jitter below the cap; Retry-After, capped
    raise NotImplementedError("TODO: doubling, capped; jitter below the cap; Retry-After, capped")


def should_retry(policy: Any, code: str, attempt: int) -> bool:
    """Whether attempt ``attempt``, failed with ``code``, is followed by another attempt."""
    # TODO: a retriable code and attempts left
    raise NotImplementedError("TODO: a retriable code and attempts left")
