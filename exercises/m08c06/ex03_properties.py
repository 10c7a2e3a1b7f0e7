# Generated from solutions/m08c06/ex03_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 3 — write the properties of rate limits and fair merges yourself.

What to do
----------
Write four Hypothesis properties about *an* implementation of Core 6's two
operators, passed in as ``impl``: ``impl.rate_limited(stream, policy)`` and
``impl.fair_merge(streams, policy)`` build streams as the library's
``async_gen_rate_limited`` and ``async_gen_fair_merge`` do (a stream is a
zero-argument callable returning a fresh async iterator of ``Result``
items; an ``async def`` generator function is one). Each ``check_*`` runs
its property against ``impl`` and raises ``AssertionError`` (Hypothesis
does it for you) when the property fails.

The contract
------------
* **pass on correct operators** — every check passes on correct
  implementations, each over at least 20 generated runs.
* ``check_envelope(impl)`` — the pulls a rate-limited stream makes of its
  source stay within the envelope: any ``n`` pulls that fall within ``w``
  seconds satisfy ``n <= rate * w + burst``, whatever the consumer's pauses.
* ``check_exact(impl)`` — the source is pulled only when the consumer asks,
  and each pull at the earliest moment the bucket allows
  (``policy.earliest_starts`` of the moments the consumer asked).
* ``check_weighted_shares(impl)`` — while every stream of a merge has items
  ready, after every emission ``|a_i / w_i - a_j / w_j| <= 1`` (``a_i`` the
  items of stream ``i`` emitted so far, ``w_i`` its weight).
* ``check_no_stall(impl)`` — a stream whose items are all ready is never held
  back by a slow one: each of its items is emitted at the time the merge
  starts, however slow the other stream is.

Run every property on the virtual clock (``run_virtual``): rate limits over
seconds cost no real time there, and times are exact (compare them with a
tolerance of ``1e-6``).

How it is graded
----------------
Your checks must pass on the library's operators, each over at least 20
generated runs. Then they are run against wrong ones kept by the grader (a
bucket without a cap, calls at fixed spacing, weights ignored, streams
pulled in turn): each one you catch is a point.

Imports
-------
The standard library, ``hypothesis``, ``funcpipe_rag``'s ``Ok``, ``Err``,
``ErrInfo``, ``Result``, ``RateLimitPolicy``, ``FairnessPolicy`` and
``async_gen_from_list``, and ``run_virtual`` from ``funcpipe_rag.testing``.
Not the library's ready-made properties (``fairness_properties``,
``FAIRNESS_PROPERTIES``, ``LIBRARY_FAIRNESS`` …): a file that imports them
scores zero for this exercise.

Hints
-----
* Record when the source is pulled from inside the source: an ``async def``
  generator that appends ``asyncio.get_running_loop().time()`` before each
  ``yield``.
* Pauses of the consumer (``await asyncio.sleep(pause)`` before each pull)
  let tokens pile up: that is where a bucket without a cap gives itself away.
* Keep ``max_examples`` modest (25 to 40) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c06/ex03``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import FairnessPolicy, Ok, RateLimitPolicy, async_gen_from_list
from funcpipe_rag.testing import run_virtual

# TODO: strategies, a settings object, and a runner that records pulls


def check_envelope(impl: Any) -> None:
    # TODO: property: every window of pulls within rate * w + burst
    raise NotImplementedError("TODO: property: every window of pulls within rate * w + burst")


def check_exact(impl: Any) -> None:
    # TODO: property: pulls only when asked, each at the bucket's earliest start
    raise NotImplementedError("TODO: property: pulls only when asked, each at the bucket's earliest start")


def check_weighted_shares(impl: Any) -> None:
    # TODO: property: count/weight within 1 of each other on every prefix
    raise NotImplementedError("TODO: property: count/weight within 1 of each other on every prefix")


def check_no_stall(impl: Any) -> None:
    # TODO: property: a ready stream's items all come out at once, whatever the slow one does
    raise NotImplementedError("TODO: property: a ready stream's items all come out at once, whatever the slow one does")
