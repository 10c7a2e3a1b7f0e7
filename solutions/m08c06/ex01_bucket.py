"""Exercise 1 — a token bucket's schedule, as a pure function.

What to do
----------
A rate limit is data: a rate and a burst. Write the pure function that says
when each call of a series may go out. ``grant_times(tokens_per_second,
burst_tokens, requests)`` takes the moments the calls are asked for
(``requests``, in seconds, non-decreasing) and returns the moment each one
is granted. Nothing here sleeps or reads a clock: the times are given.

The bucket holds at most ``burst_tokens`` tokens and starts full; it gains
``tokens_per_second`` tokens every second; each call takes one token, and
waits until there is one. Calls are granted in the order they were asked.

The contract
------------
* **starts full** — the first ``burst_tokens`` calls asked at the same moment
  are all granted at that moment;
* **in order, never early** — call ``k`` is granted no earlier than it was
  asked, and no earlier than call ``k - 1``;
* **exact** — each call is granted at the earliest moment the bucket has a
  token for it, not later: a call that finds a token goes at once, one that
  does not waits exactly until the next token is earned;
* **saving stops at the burst** — tokens saved while no call is asked stop
  at ``burst_tokens``: after a long pause at most ``burst_tokens`` calls go
  at once, then the rate applies;
* **bad policies refused** — ``tokens_per_second <= 0`` or
  ``burst_tokens < 1`` raise ``ValueError``; ``requests`` may be empty.

Together these make the envelope hold: in any window of ``w`` seconds at
most ``tokens_per_second * w + burst_tokens`` calls are granted.

Imports
-------
The standard library. Nothing from ``funcpipe_rag``: the library's
``RateLimitPolicy.earliest_starts`` is the answer, so a file that imports
from ``funcpipe_rag`` scores zero for this exercise.

Hints
-----
* Keep two numbers: the tokens in the bucket, and the moment they were
  counted. Before a call, add what was earned since (capped at the burst).
* Let the count go below zero: a call that takes a token that is not there
  yet waits ``-tokens / rate`` seconds, and the next call waits behind it.
* Check yourself with ``funcpipe grade m08c06/ex01``.
"""

from __future__ import annotations

from collections.abc import Sequence


def grant_times(tokens_per_second: float, burst_tokens: int, requests: Sequence[float]) -> list[float]:
    """When each call asked at ``requests`` is granted by the bucket (see the contract)."""
    # BEGIN SOLUTION: a bucket that may go below zero; each grant after the previous one
    if tokens_per_second <= 0:
        raise ValueError(f"tokens_per_second must be greater than 0, got {tokens_per_second!r}")
    if burst_tokens < 1:
        raise ValueError(f"burst_tokens must be at least 1, got {burst_tokens!r}")
    tokens = float(burst_tokens)
    stamp: float | None = None
    grants: list[float] = []
    last = float("-inf")
    for asked in requests:
        now = max(asked, last)
        if stamp is not None:
            tokens = min(float(burst_tokens), tokens + (now - stamp) * tokens_per_second)
        stamp = now
        tokens -= 1.0
        wait = 0.0 if tokens >= 0 else -tokens / tokens_per_second
        last = now + wait
        grants.append(last)
    return grants
    # END SOLUTION
