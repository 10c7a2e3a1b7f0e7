"""Exercise 3 — write the properties of a batcher yourself.

What to do
----------
Write six Hypothesis properties about *an* implementation of a batcher,
passed in as ``impl``: ``impl(source, policy)`` returns a stream with the
contract of exercise 1 (``source`` a stream of ``Result`` items, ``policy``
a ``ChunkPolicy``; the stream's items are ``Ok(list)`` batches and the
``Err`` items of ``source``). Each ``check_*`` runs its property against
``impl`` and raises ``AssertionError`` (Hypothesis does it for you) when it
fails.

The contract
------------
* **pass on correct batchers** — every check passes on correct
  implementations, each over at least 20 generated runs.
* ``check_order(impl)`` — the ``Ok`` values come out in source order, and no
  ``Err`` item comes out ahead of a value that came before it in the source.
* ``check_exactly_once(impl)`` — every value is in exactly one batch and
  every ``Err`` item comes out once, the last open batch included when the
  source ends; no batch is empty.
* ``check_size(impl)`` — no batch of two or more values holds more than
  ``max_units`` units (``size_fn`` summed).
* ``check_delay(impl)`` — no batch is older than ``max_delay_ms`` when it is
  received (counted from when its first value arrived), even when the source
  stalls for far longer.
* ``check_prefetch(impl)`` — whenever a batch is received, at most one value
  has been taken from the source that is in no batch received yet.
* ``check_closing(impl)`` — when the consumer stops early, the source is
  closed and no task is left.

Run every property on the virtual clock (``run_virtual``) over *generated*
sources: bursts and stalls (gaps from 0 to seconds between items), sizes of
0, 1 and more than the limit, ``Err`` items, both ``flush_on_err`` settings,
limits and delays of ``0`` (no limit) too.

How it is graded
----------------
Your checks must pass on correct batchers, each over at least 20 generated
runs. Then they are run against wrong ones kept by the grader (one that
checks a batch's age only when an item arrives, one that lets an ``Err``
overtake the open batch, one that checks the size after adding, one that
drops the remainder, one that reads one item ahead, one that leaves the
source open): each one you catch is a point.

Imports
-------
The standard library, ``hypothesis``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``Result`` and ``ChunkPolicy`` from ``funcpipe_rag``, and
``run_virtual`` from ``funcpipe_rag.testing``. Not the library's ready-made
properties (``chunk_properties``, ``CHUNK_PROPERTIES``, ``run_chunked`` …):
a file that imports them scores zero for this exercise.

Hints
-----
* Write one runner that takes ``impl``, a list of items (the gap before
  each, in ms, and its size, or ``None`` for an ``Err``) and a policy, and
  records what happened: when each item arrived, each item received and
  when, how many values were taken at each batch, whether the source was
  closed, the tasks left (``asyncio.all_tasks()``). Every check reads it.
* Make each value its position in the source: order and membership are then
  easy to read back.
* Keep ``max_examples`` modest (30 to 50) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c09/ex03``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import ChunkPolicy, Err, ErrInfo, ErrorCode, Ok
from funcpipe_rag.testing import run_virtual

Impl = Callable[..., Any]

# BEGIN HELPERS: a recording runner, strategies for sources and policies, a settings object
CONFIG = settings(max_examples=40, derandomize=True, database=None, deadline=None, report_multiple_bugs=False)
EPSILON = 1e-6

Item = tuple[float, int | None]
"""(ms of silence before the source gives it, its size in units — or None for an Err item)."""

items_st = st.lists(st.tuples(st.sampled_from([0.0, 0.0, 2.0, 40.0, 1500.0]),
                              st.sampled_from([0, 1, 1, 2, 4, None])), max_size=12)
policies = st.builds(lambda units, delay, flush: (units, delay, flush),
                     st.sampled_from([0, 1, 2, 3]), st.sampled_from([0.0, 15.0, 100.0]), st.booleans())


@dataclass
class Record:
    arrived: dict[int, float] = field(default_factory=dict)
    received: list[tuple[float, Any]] = field(default_factory=list)
    taken_beyond: list[int] = field(default_factory=list)
    source_closed: list[bool] = field(default_factory=list)
    closed: bool = False
    """Whether the source was closed when closing the run returned (not later, by the loop's clean-up)."""
    tasks_left: int = 0


def an_err(i: int) -> Any:
    return Err(ErrInfo(ErrorCode.VALIDATION, f"item {i}"))


def run(
    impl: Impl, items: list[Item], policy: tuple[int, float, bool], *, stop_after: int | None = None
) -> Record:
    """One run of ``impl`` over ``items`` in virtual time, recorded."""
    rec = Record()
    units, delay, flush = policy
    sizes = {i: size or 0 for i, (_, size) in enumerate(items)}

    async def source() -> Any:
        try:
            for i, (gap, size) in enumerate(items):
                await asyncio.sleep(gap / 1000)
                rec.arrived[i] = asyncio.get_running_loop().time()
                yield an_err(i) if size is None else Ok(i)
        finally:
            rec.source_closed.append(True)

    async def main() -> None:
        me = asyncio.current_task()
        values_given = 0
        chunked = impl(source, ChunkPolicy(units, delay, flush, sizes.__getitem__))
        async with aclosing(chunked()) as out:
            async for item in out:
                rec.received.append((asyncio.get_running_loop().time(), item))
                if isinstance(item, Ok):
                    values_given += len(item.value)
                    taken = sum(1 for i in rec.arrived if items[i][1] is not None)
                    rec.taken_beyond.append(taken - values_given)
                if stop_after is not None and len(rec.received) >= stop_after:
                    break
        rec.closed = bool(rec.source_closed)
        rec.tasks_left = sum(1 for t in asyncio.all_tasks() if t is not me)

    run_virtual(main)
    return rec


def flat(rec: Record) -> list[Any]:
    """The received items with each batch opened up: Ok(value) per value, Err items as they are."""
    out: list[Any] = []
    for _, item in rec.received:
        out.extend([Ok(v) for v in item.value] if isinstance(item, Ok) else [item])
    return out


def expected(items: list[Item]) -> list[Any]:
    return [an_err(i) if size is None else Ok(i) for i, (_, size) in enumerate(items)]
# END HELPERS


def check_order(impl: Impl) -> None:
    """Values in source order; no Err ahead of a value that came before it."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, policies)
    def prop(items: list[Item], policy: tuple[int, float, bool]) -> None:
        got = flat(run(impl, items, policy))
        values = [x.value for x in got if isinstance(x, Ok)]
        assert values == sorted(values), f"values out of source order: {values}"
        seen: set[int] = set()
        for x in got:
            if isinstance(x, Ok):
                seen.add(x.value)
                continue
            i = int(x.error.msg.split()[1])
            missing = [k for k in range(i) if items[k][1] is not None and k not in seen]
            assert not missing, f"{x} came out ahead of the values {missing} before it (policy {policy})"

    prop()
    # END SOLUTION


def check_exactly_once(impl: Impl) -> None:
    """Every item once, the remainder included; no empty batch."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, policies)
    def prop(items: list[Item], policy: tuple[int, float, bool]) -> None:
        rec = run(impl, items, policy)
        got, want = flat(rec), expected(items)
        assert sorted(map(repr, got)) == sorted(map(repr, want)), f"got {got}, the source gave {want}"
        assert all(item.value for _, item in rec.received if isinstance(item, Ok)), "an empty batch came out"

    prop()
    # END SOLUTION


def check_size(impl: Impl) -> None:
    """No batch of two or more values over max_units units."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, policies)
    def prop(items: list[Item], policy: tuple[int, float, bool]) -> None:
        limit = policy[0]
        for _, item in run(impl, items, policy).received:
            if limit and isinstance(item, Ok) and len(item.value) > 1:
                size = sum(items[i][1] or 0 for i in item.value)
                assert size <= limit, f"the batch {item.value} holds {size} units, max_units={limit}"

    prop()
    # END SOLUTION


def check_delay(impl: Impl) -> None:
    """No batch older than max_delay_ms when received, however long the source stalls."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, policies)
    def prop(items: list[Item], policy: tuple[int, float, bool]) -> None:
        delay = policy[1]
        rec = run(impl, items, policy)
        for at, item in rec.received:
            if delay and isinstance(item, Ok):
                age_ms = (at - rec.arrived[item.value[0]]) * 1000
                assert age_ms <= delay + EPSILON, f"batch {item.value}: {age_ms:g} ms old, limit {delay}"

    prop()
    # END SOLUTION


def check_prefetch(impl: Impl) -> None:
    """At most one value taken beyond the batches received."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st, policies)
    def prop(items: list[Item], policy: tuple[int, float, bool]) -> None:
        worst = max(run(impl, items, policy).taken_beyond, default=0)
        assert worst <= 1, f"{worst} values were taken beyond the batches received"

    prop()
    # END SOLUTION


def check_closing(impl: Impl) -> None:
    """Stopping early closes the source and leaves no task."""
    # BEGIN SOLUTION
    @CONFIG
    @given(items_st.filter(lambda xs: len(xs) >= 3), policies, st.integers(1, 3))
    def prop(items: list[Item], policy: tuple[int, float, bool], stop: int) -> None:
        rec = run(impl, items, policy, stop_after=stop)
        assert rec.closed, "the source was still open when the run was closed"
        assert rec.tasks_left == 0, f"{rec.tasks_left} tasks were left behind"

    prop()
    # END SOLUTION
