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

# BEGIN HELPERS: strategies, a settings object, and a runner that records pulls
CONFIG = settings(max_examples=30, derandomize=True, database=None, deadline=None, report_multiple_bugs=False)
EPS = 1e-6

policies = st.builds(RateLimitPolicy, tokens_per_second=st.sampled_from([0.5, 1.0, 2.0, 4.0, 10.0]),
                     burst_tokens=st.integers(1, 4))
pauses_before_each_pull = st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.5, 3.0, 10.0]), min_size=1, max_size=15)


def pulls_through(impl: Any, policy: RateLimitPolicy, pauses: list[float]) -> tuple[list[float], list[float]]:
    """Ask len(pauses) items of impl's limiter, pausing before each: (when asked, when pulled)."""

    async def main() -> tuple[list[float], list[float]]:
        loop = asyncio.get_running_loop()
        pulled: list[float] = []

        async def source() -> Any:
            for k in range(len(pauses) + 3):
                pulled.append(loop.time())
                yield Ok(k)

        run = impl.rate_limited(source, policy)()
        asked: list[float] = []
        try:
            for pause in pauses:
                await asyncio.sleep(pause)
                asked.append(loop.time())
                await run.__anext__()
            await asyncio.sleep(5.0)  # nothing more is asked: nothing more may be pulled
        finally:
            await run.aclose()
        return asked, pulled

    return run_virtual(main)[0]
# END HELPERS


def check_envelope(impl: Any) -> None:
    # BEGIN SOLUTION: property: every window of pulls within rate * w + burst
    @CONFIG
    @given(policy=policies, pauses=pauses_before_each_pull)
    def prop(policy: RateLimitPolicy, pauses: list[float]) -> None:
        _, pulled = pulls_through(impl, policy, pauses)
        for i in range(len(pulled)):
            for j in range(i, len(pulled)):
                window = pulled[j] - pulled[i]
                assert j - i + 1 <= policy.envelope(window) + EPS, (
                    f"{j - i + 1} pulls within {window:g} s under {policy}: {pulled}")

    prop()
    # END SOLUTION


def check_exact(impl: Any) -> None:
    # BEGIN SOLUTION: property: pulls only when asked, each at the bucket's earliest start
    @CONFIG
    @given(policy=policies, pauses=pauses_before_each_pull)
    def prop(policy: RateLimitPolicy, pauses: list[float]) -> None:
        asked, pulled = pulls_through(impl, policy, pauses)
        assert len(pulled) == len(asked), f"asked {len(asked)} times, pulled {len(pulled)} times"
        want = policy.earliest_starts(asked)
        assert all(abs(p - w) <= EPS for p, w in zip(pulled, want, strict=True)), (
            f"pulled at {pulled}, the bucket allows {want} (asked at {asked})")

    prop()
    # END SOLUTION


def check_weighted_shares(impl: Any) -> None:
    # BEGIN SOLUTION: property: count/weight within 1 of each other on every prefix
    @CONFIG
    @given(weights=st.lists(st.integers(1, 4), min_size=2, max_size=3), n=st.integers(1, 12))
    def prop(weights: list[int], n: int) -> None:
        async def main() -> list[Any]:
            streams = [async_gen_from_list([(i, k) for k in range(n)]) for i in range(len(weights))]
            run = impl.fair_merge(streams, FairnessPolicy(tuple(weights)))()
            try:
                return [(await run.__anext__()).value[0] for _ in range(n)]  # every stream still has items
            finally:
                await run.aclose()

        order = run_virtual(main)[0]
        counts = [0] * len(weights)
        for step, i in enumerate(order):
            counts[i] += 1
            shares = [c / w for c, w in zip(counts, weights, strict=True)]
            assert max(shares) - min(shares) <= 1 + EPS, (
                f"after {step + 1} items: counts {counts}, weights {weights}")

    prop()
    # END SOLUTION


def check_no_stall(impl: Any) -> None:
    # BEGIN SOLUTION: property: a ready stream's items all come out at once, whatever the slow one does
    @CONFIG
    @given(delay=st.sampled_from([0.5, 1.0, 30.0]), slow_items=st.integers(1, 3), ready=st.integers(1, 6),
           slow_first=st.booleans())
    def prop(delay: float, slow_items: int, ready: int, slow_first: bool) -> None:
        async def slow() -> Any:
            for k in range(slow_items):
                await asyncio.sleep(delay)
                yield Ok(("slow", k))

        async def main() -> list[tuple[str, float]]:
            loop = asyncio.get_running_loop()
            quick = async_gen_from_list([("ready", k) for k in range(ready)])
            streams = [slow, quick] if slow_first else [quick, slow]
            run = impl.fair_merge(streams, FairnessPolicy())()
            try:
                return [((await run.__anext__()).value[0], loop.time()) for _ in range(ready + slow_items)]
            finally:
                await run.aclose()

        emitted = run_virtual(main)[0]
        late = [t for name, t in emitted if name == "ready" and t > EPS]
        assert not late, f"ready items emitted at {late}, held back by a stream producing every {delay} s"

    prop()
    # END SOLUTION
