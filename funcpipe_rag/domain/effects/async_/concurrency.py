"""Concurrency with bounds: plans side by side, and streams with backpressure.

* ``async_gather(plans, concurrency)`` — independent plans, at most
  ``concurrency`` at a time, results in input order (Core 1);
* ``async_gen_bounded_map(source, f, policy)`` — ``f``'s plan for each item
  of a stream, at most ``policy.max_concurrent`` at a time, in input order
  or in completion order (:class:`BackpressurePolicy`);
* ``async_gen_gather(gens, max_buffer=16)`` — several streams merged into
  one, items in the order they arrive.

Backpressure means that a fast producer cannot outrun a slow consumer or a
bounded stage: the bounded map takes the next item of its source only when
there is room for it, so the memory it holds and the work it has in flight
stay bounded by the policy, however long the stream and however uneven the
work. The contract of each, in its docstring, is checked property by
property (``BOUNDED_PROPERTIES`` of ``funcpipe_rag.testing``), in virtual time.

How the stream operators run: each is a source for the stream interpreter
that pulls its upstream streams itself, keeping at most one pull of each
outstanding and racing it against the tasks it runs
(:mod:`funcpipe_rag.domain.effects.async_._racing`), so a result is handed on
the moment it is ready, not when the next source item happens to arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._bounded import BoundedMap, Gather
from funcpipe_rag.domain.effects.async_._interpreter import begin, outcome
from funcpipe_rag.domain.effects.async_._nodes import AsyncPlan, PlanNode
from funcpipe_rag.domain.effects.async_._stream_nodes import (
    AsyncGen,
    need_function,
    need_policy,
    need_stream,
    new,
)
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

__all__ = [
    "BackpressurePolicy",
    "async_gather",
    "async_gen_bounded_map",
    "async_gen_gather",
]

A = TypeVar("A")
T = TypeVar("T")
U = TypeVar("U")


class _Gather(PlanNode[list[A]]):
    __slots__ = ("concurrency", "plans")

    def __init__(self, plans: tuple[AsyncPlan[A], ...], concurrency: int) -> None:
        self.plans = plans
        self.concurrency = concurrency

    def __call__(self) -> Any:
        return _run_gather(self.plans, self.concurrency)

    def __repr__(self) -> str:
        return f"<AsyncPlan gather of {len(self.plans):,}>"

    def describe(self) -> tuple[str, list[AsyncPlan[A]]]:
        """Its line in a rendered plan, and the plans to render under it (the first few)."""
        head = f"gather of {len(self.plans):,} plans, at most {self.concurrency:,} at a time"
        return head, list(self.plans[:5])


def async_gather(
    plans: Iterable[AsyncPlan[A]], concurrency: int | None = None
) -> AsyncPlan[list[A]]:
    """Describe running independent ``plans`` concurrently, ``concurrency`` at a time.

    The result is ``Ok([v0, v1, ...])`` in input order when every plan succeeds.
    If any plan finishes with ``Err``, the result is the ``Err`` of the plan
    with the *smallest index* that fails — the same answer a sequential run
    would give, whatever the timing. After an ``Err`` no further plans are
    started; those already in flight are allowed to finish.

    Bounds, whatever the number of plans: at most ``concurrency`` plans are in
    flight and at most ``concurrency`` worker tasks exist, because plans are
    started lazily by a fixed pool of workers as earlier ones finish.
    ``concurrency=None`` means "all at once" (one worker per plan).

    ``plans`` is read into a tuple when the gather is built, so the gather is
    replayable even when given a generator. Building it starts nothing.

    An exception raised by a plan is a bug: the other workers are cancelled and
    awaited, then the exception propagates. Cancelling the run cancels every
    plan it started and leaves no task behind.
    """
    if concurrency is not None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise TypeError(f"concurrency must be an int, got {type(concurrency).__name__}")
        if concurrency < 1:
            raise ValueError(
                f"concurrency must be at least 1, got {concurrency}; "
                "use 1 to run the plans one after another"
            )
    frozen = tuple(plans)
    return _Gather(frozen, concurrency if concurrency is not None else max(1, len(frozen)))


async def _run_gather(plans: tuple[AsyncPlan[A], ...], concurrency: int) -> Result[list[A], ErrInfo]:
    n = len(plans)
    if n == 0:
        return Ok([])
    values: list[Any] = [None] * n
    indices = iter(range(n))  # shared by the workers: each index is taken exactly once
    first_err_index = n
    first_err: Err[ErrInfo] | None = None

    async def worker() -> None:
        nonlocal first_err_index, first_err
        for i in indices:
            if i > first_err_index:
                return
            res: Any = begin(plans[i])  # the step protocol: a known result, or an awaitable to await
            if type(res) is not Ok and type(res) is not Err:
                res = outcome(await res, plans[i])
            if type(res) is Ok:
                values[i] = res.value
            elif isinstance(res, Err):
                if i < first_err_index:
                    first_err_index, first_err = i, res
            else:
                values[i] = res.value  # an Ok subclass

    if concurrency == 1:
        await worker()  # no task needed to run one after another
    else:
        tasks = [
            asyncio.ensure_future(worker())  # isolation: allowed (the gather's own worker pool)
            for _ in range(min(concurrency, n))
        ]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.wait(tasks)
            raise
    if first_err is not None:
        return first_err
    return Ok(values)


# ---- streams: bounded concurrency and backpressure (Core 3) ---------------------------------------


def _positive_int(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}.{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{owner}.{name} must be at least 1, got {value}; use 1 to run one at a time")
    return value


@dataclass(frozen=True, slots=True)
class BackpressurePolicy:
    """How a bounded map runs: at most ``max_concurrent`` plans at once, results in input order or not.

    * ``max_concurrent`` — the window: how many items the map holds at once,
      between taking one from its source and handing its result on (running,
      or finished and waiting for its turn). So at most this many plans run
      at once, and at most this many results wait in memory.
    * ``ordered`` — ``True``: results in the order of the source (a slow item
      holds back the finished ones behind it, and with them the window);
      ``False``: each result as soon as it is ready (completion order).

    Validated when built: ``max_concurrent`` an ``int`` of at least 1,
    ``ordered`` a ``bool``; otherwise ``TypeError`` or ``ValueError`` says
    what to change.
    """

    max_concurrent: int = 8
    ordered: bool = True

    def __post_init__(self) -> None:
        _positive_int("BackpressurePolicy", "max_concurrent", self.max_concurrent)
        if not isinstance(self.ordered, bool):
            raise TypeError(f"BackpressurePolicy.ordered must be True or False, got {self.ordered!r}")


def async_gen_bounded_map(
    source: AsyncGen[T],
    f: Callable[[T], AsyncPlan[U]],
    policy: BackpressurePolicy | None = None,
) -> AsyncGen[U]:
    """For each ``Ok(v)`` of ``source``, the result of running the plan ``f(v)``, several at once.

    The contract, with ``n = policy.max_concurrent`` (default
    ``BackpressurePolicy()``: 8, ordered):

    * **bounded** — at most ``n`` plans run at once, and at most ``n`` items
      are held between being taken from ``source`` and being handed on
      (running or finished), stragglers or not: memory is O(n) whatever the
      length of the stream;
    * **backpressure** — ``source`` is pulled only when there is room for its
      item: never more than ``n`` items (plus the one pull under way) ahead
      of what the consumer has received;
    * **order** — ``ordered=True``: results in source order, each handed on
      as soon as it and every result before it are ready; ``ordered=False``:
      each result as soon as it is ready, in completion order;
    * **promptness** — a result is handed to a waiting consumer the moment
      it is ready, even while the next source item is slow to come: the
      one outstanding pull of the source is raced against the running plans;
    * **Err items** pass through in their place and ``f`` is not called;
      a plan's ``Err`` is an item like any other;
    * **same as unbounded** — with ``n`` at least the stream's length,
      the ordered map gives exactly what ``async_gen_map_action`` gives;
    * **closing** — closing the run early cancels the plans in flight and
      the outstanding pull, closes ``source`` and leaves no task behind;
    * **bugs propagate** — an exception raised by ``f``, by a plan or by
      ``source`` cancels every plan in flight, closes ``source`` and
      propagates (it is not turned into an ``Err``).

    Building the stream runs nothing; each run starts afresh. A plan whose
    result is known at once (``async_pure``) runs without a task.
    """
    need_stream(source, "async_gen_bounded_map")
    need_function(f, "async_gen_bounded_map")
    example = "BackpressurePolicy(max_concurrent=8, ordered=True)"
    policy = need_policy(policy, BackpressurePolicy, "async_gen_bounded_map", example)
    node: BoundedMap = new(BoundedMap)
    node.upstream = source
    node.f = f
    node.limit = policy.max_concurrent
    node.ordered = policy.ordered
    return node


def async_gen_gather(gens: Iterable[AsyncGen[T]], *, max_buffer: int = 16) -> AsyncGen[T]:
    """The items of every stream of ``gens``, merged into one stream in the order they arrive.

    * **one pull per stream** — each stream has at most one pull outstanding
      at a time, run as a task only while it is outstanding (no task per
      stream for the whole run); all streams are pulled concurrently;
    * **arrival order** — items come out in the order their pulls finished;
      each stream's own items keep their order; ``Err`` items pass through;
    * **bounded buffer** — a stream is pulled again right after its item
      arrives only while fewer than ``max_buffer`` items wait for the
      consumer; otherwise it waits until the consumer takes one. At most
      ``max_buffer`` items wait, plus one per stream whose pull was under
      way when the buffer filled;
    * **closing** — each stream is closed as soon as it ends; closing the
      run early cancels the outstanding pulls, closes every stream and
      leaves no task;
    * **bugs propagate** — an exception raised by a stream cancels the
      other pulls, closes every stream and propagates.

    ``gens`` is read into a tuple when the stream is built; building runs
    nothing, and each run starts afresh.
    """
    streams = tuple(gens)
    for g in streams:
        need_stream(g, "async_gen_gather")
    node: Gather = new(Gather)
    node.streams = streams
    node.max_buffer = _positive_int("async_gen_gather", "max_buffer", max_buffer)
    return node
