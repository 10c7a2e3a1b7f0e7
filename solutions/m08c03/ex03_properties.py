"""Exercise 3 — write the properties of a bounded map yourself.

What to do
----------
Write seven Hypothesis properties about *an* implementation of a bounded
map, passed in as ``impl``: ``impl(source, f, policy)`` returns a stream
with the contract of exercise 1 (``source`` a stream of ``Result`` items,
``f`` a function from a value to a plan, ``policy`` a
``BackpressurePolicy``). Each ``check_*`` runs its property against ``impl``
and raises ``AssertionError`` (Hypothesis does it for you) when it fails.

The contract
------------
* **pass on correct maps** — every check passes on correct implementations,
  each over at least 20 generated runs.
* ``check_in_flight(impl)`` — never more than ``max_concurrent`` plans run
  at once.
* ``check_backpressure(impl)`` — the source is never more than
  ``max_concurrent + 1`` items ahead of what the consumer received.
* ``check_order(impl)`` — ordered: the results in source order; unordered:
  the same results, in some order.
* ``check_err_items(impl)`` — ``f`` is called for every ``Ok`` item and
  never for an ``Err`` item, and every ``Err`` item comes out.
* ``check_promptness(impl)`` — a result is received as soon as it is ready
  (in ordered mode: and every earlier one received), even when the source is
  slow.
* ``check_closing(impl)`` — when the consumer stops early, no plan is left
  running, the source is closed and no task is left.
* ``check_bugs_propagate(impl)`` — an exception raised by a plan reaches
  the consumer.

Run every property on the virtual clock (``run_virtual``) over *generated*
sources: quick and slow pulls, quick and slow plans, ``Err`` items, limits
from 1 to a few, both orders.

How it is graded
----------------
Your checks must pass on correct implementations, each over at least 20
generated runs. Then they are run against wrong ones kept by the grader (one
plan too many in flight, reading the whole source first, ignoring the order
asked for, calling ``f`` on ``Err`` items, dropping ``Err`` items, waiting
for the next source item, leaving plans running, turning exceptions into
``Err``): each one you catch is a point.

Imports
-------
The standard library, ``hypothesis``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``Result`` and ``BackpressurePolicy`` from ``funcpipe_rag``,
and ``run_virtual`` from ``funcpipe_rag.testing``. Not the library's
ready-made properties (``bounded_properties``, ``BOUNDED_PROPERTIES``,
``run_bounded`` …): a file that imports them scores zero for this exercise.

Hints
-----
* Write one runner that takes ``impl``, a list of items (how long the source
  takes to give each, how long its plan takes, or ``None`` for an ``Err``)
  and a policy, and records what happened: pulls, calls, plans running,
  when each result was ready and received, whether the source was closed,
  the tasks left (``asyncio.all_tasks()``). Every check reads that record.
* Keep ``max_examples`` modest (30 to 50) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c03/ex03``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import BackpressurePolicy, Err, ErrInfo, ErrorCode, Ok
from funcpipe_rag.testing import run_virtual

Impl = Callable[..., Any]

# BEGIN HELPERS: a recording runner, strategies for sources and policies, a settings object
CONFIG = settings(max_examples=40, derandomize=True, database=None, deadline=None, report_multiple_bugs=False)
EPSILON = 1e-6

Item = tuple[float, float | None]
"""(ms the source takes to give it, ms its plan takes — or None for an Err item)."""

items_st = st.lists(st.tuples(st.sampled_from([0.0, 0.0, 3.0, 500.0]),
                              st.sampled_from([0.0, 2.0, 10.0, 60.0, None])), max_size=10)
limits = st.integers(1, 4)


@dataclass
class Record:
    pulled: int = 0
    most_ahead: int = 0
    calls: list[int] = field(default_factory=list)
    running: int = 0
    most_running: int = 0
    ready: dict[int, float] = field(default_factory=dict)
    received: list[tuple[float, Any]] = field(default_factory=list)
    closed: bool = False
    tasks_left: int = 0
    raised: BaseException | None = None


def run(impl: Impl, items: list[Item], limit: int, ordered: bool, *, stop_after: int | None = None,
        bug_at: int | None = None) -> Record:
    """One run of ``impl`` over ``items`` in virtual time, recorded."""
    rec = Record()

    def now() -> float:
        return asyncio.get_running_loop().time()

    async def source() -> Any:
        try:
            for i, (pull_ms, plan_ms) in enumerate(items):
                await asyncio.sleep(pull_ms / 1000)
                rec.pulled += 1
                rec.most_ahead = max(rec.most_ahead, rec.pulled - len(rec.received))
                if plan_ms is None:
                    rec.ready[i] = now()
                    yield Err(ErrInfo(ErrorCode.VALIDATION, f"item {i}"))
                else:
                    yield Ok(i)
        finally:
            rec.closed = True

    def f(i: int) -> Any:
        rec.calls.append(i)

        async def plan() -> Any:
            rec.running += 1
            rec.most_running = max(rec.most_running, rec.running)
            try:
                await asyncio.sleep((items[i][1] or 0.0) / 1000)
            finally:
                rec.running -= 1
            rec.ready[i] = now()
            if i == bug_at:
                raise KeyError(f"a bug in plan {i}")
            return Ok(i)

        return plan

    async def main() -> None:
        me = asyncio.current_task()
        try:
            async with aclosing(impl(source, f, BackpressurePolicy(limit, ordered))()) as results:
                async for result in results:
                    rec.received.append((now(), result))
                    if stop_after is not None and len(rec.received) >= stop_after:
                        break
        except KeyError as exc:
            rec.raised = exc
        rec.tasks_left = sum(1 for t in asyncio.all_tasks() if t is not me)

    run_virtual(main)
    return rec


def index_of(result: Any) -> int:
    return result.value if isinstance(result, Ok) else int(result.error.msg.split()[1])


def expected(items: list[Item]) -> list[Any]:
    return [Ok(i) if plan_ms is not None else Err(ErrInfo(ErrorCode.VALIDATION, f"item {i}"))
            for i, (_, plan_ms) in enumerate(items)]
# END HELPERS


def check_in_flight(impl: Impl) -> None:
    """Never more than max_concurrent plans at once."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, limits, st.booleans())
    def prop(items: list[Item], limit: int, ordered: bool) -> None:
        rec = run(impl, items, limit, ordered)
        assert rec.most_running <= limit, f"{rec.most_running} plans ran at once, the limit is {limit}"

    prop()
    # END SOLUTION


def check_backpressure(impl: Impl) -> None:
    """The source is never more than max_concurrent + 1 items ahead of the consumer."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, limits, st.booleans())
    def prop(items: list[Item], limit: int, ordered: bool) -> None:
        rec = run(impl, items, limit, ordered)
        assert rec.most_ahead <= limit + 1, f"the source ran {rec.most_ahead} items ahead with limit {limit}"

    prop()
    # END SOLUTION


def check_order(impl: Impl) -> None:
    """Ordered: source order; unordered: the same results in some order."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, limits, st.booleans())
    def prop(items: list[Item], limit: int, ordered: bool) -> None:
        got = [r for _, r in run(impl, items, limit, ordered).received]
        want = expected(items)
        if ordered:
            assert got == want, f"ordered mode gave {got}, not {want}"
        else:
            assert sorted(got, key=index_of) == want, f"unordered mode gave {got}, not the items {want}"

    prop()
    # END SOLUTION


def check_err_items(impl: Impl) -> None:
    """f is called for every Ok item and never for an Err item; every Err comes out."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, limits, st.booleans())
    def prop(items: list[Item], limit: int, ordered: bool) -> None:
        rec = run(impl, items, limit, ordered)
        oks = [i for i, (_, plan_ms) in enumerate(items) if plan_ms is not None]
        assert sorted(rec.calls) == oks, f"f was called with {rec.calls}, the Ok items are {oks}"
        errs = [r for r in expected(items) if isinstance(r, Err)]
        got = [r for _, r in rec.received if isinstance(r, Err)]
        assert sorted(got, key=index_of) == errs, f"the Err items out were {got}, not {errs}"

    prop()
    # END SOLUTION


def check_promptness(impl: Impl) -> None:
    """Each result is received as soon as it may be, even when the source is slow."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, limits, st.booleans())
    def prop(items: list[Item], limit: int, ordered: bool) -> None:
        rec = run(impl, items, limit, ordered)
        last = 0.0
        for at, result in rec.received:
            ready = rec.ready[index_of(result)]
            due = max(ready, last) if ordered else ready
            assert at <= due + EPSILON, f"{result} was ready at {ready:.3f} s but received at {at:.3f} s"
            last = at

    prop()
    # END SOLUTION


def check_closing(impl: Impl) -> None:
    """Stopping early leaves no plan running, closes the source and leaves no task."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st.filter(lambda xs: len(xs) >= 2), limits, st.booleans(), st.integers(1, 9))
    def prop(items: list[Item], limit: int, ordered: bool, stop: int) -> None:
        rec = run(impl, items, limit, ordered, stop_after=min(stop, len(items) - 1))
        assert rec.running == 0, f"{rec.running} plans still ran after the consumer stopped"
        assert rec.closed, "the source was not closed when the consumer stopped"
        assert rec.tasks_left == 0, f"{rec.tasks_left} tasks were left behind"

    prop()
    # END SOLUTION


def check_bugs_propagate(impl: Impl) -> None:
    """An exception raised by a plan reaches the consumer."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, limits, st.booleans(), st.integers(0, 9))
    def prop(items: list[Item], limit: int, ordered: bool, k: int) -> None:
        oks = [i for i, (_, plan_ms) in enumerate(items) if plan_ms is not None]
        if not oks:
            return
        rec = run(impl, items, limit, ordered, bug_at=oks[k % len(oks)])
        assert isinstance(rec.raised, KeyError), f"a plan raised KeyError and the consumer got {rec.received}"

    prop()
    # END SOLUTION
