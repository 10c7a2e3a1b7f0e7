"""``AsyncGen``: streams of results as pure, replayable descriptions.

An ``AsyncGen[A]`` is any zero-argument callable that returns a *fresh* async
iterator of ``Result[A, ErrInfo]`` items each time it is called. Building one
does nothing; calling it starts a run; iterating the run does the work, one
item per pull. Each item is ``Ok(value)`` or ``Err(info)``: an ``Err`` item is
a failure of *that item* — it flows downstream like any other and does not
end the stream.

The combinators (the course's names)::

    async_gen_return(x)              one item, Ok(x)
    async_gen_from_list(xs)          Ok(x) for each x
    async_gen_from_iter(make)        Ok(x) for each x of make(), a fresh iterable per run (lazy)
    async_gen_map(s, f)              Ok(f(v)) for each Ok(v); f is pure
    async_gen_map_action(s, f)       for each Ok(v), the result of running the plan f(v), in order
    async_gen_and_then(s, f)         for each Ok(v), every item of the stream f(v)  (alias async_gen_flat_map)
    lift_async_item(fn)              x -> the one-item stream of await fn(x)
    async_gen_using(acquire, make)   make(resource), with acquire()'s resource held for the run
    async_gen_gather(gens)           several streams merged, items in arrival order (Core 3)
    async_gen_chunk(s, policy)       the Ok values of s in batches by size and age (Core 9)

In every operator an ``Err`` item passes through unchanged: ``map`` does not
call ``f``, ``map_action`` runs no plan, ``and_then`` starts no inner stream.
Exceptions are bugs: an exception raised by ``f``, a plan or a source ends
the run — after every operator has closed what it holds — and propagates.

Laws, kept as data in :data:`LAWS` and checked by the property tests in
``tests/laws`` over streams with ``Err`` items among the ``Ok`` ones, where
``==`` means "running both gives equal lists of items"::

    left identity    async_gen_and_then(async_gen_return(x), f) == f(x)
    right identity   async_gen_and_then(s, async_gen_return)   == s
    associativity    async_gen_and_then(async_gen_and_then(s, f), g)
                       == async_gen_and_then(s, lambda x: async_gen_and_then(f(x), g))

and ``async_gen_map`` is ``and_then`` then ``return``, keeping the functor
laws. The invariants: building does nothing; a run pulls its source only as
far as the consumer pulls (stop after *k* items and the source has given
only the items the pipeline needed for them); running twice gives equal
items; and every resource is released when the run ends, fails or is closed
early — at that moment, not later when the garbage collector finds it.

Drive a stream only in the shell: ``funcpipe_rag.collect_stream`` /
``run_stream`` collect it, ``stream_items`` lends you its items and always
closes the run (``contextlib.aclosing``). A plain ``async for x in s():``
that ``break``s leaves the run open until it is closed.

How streams run: nodes and one interpreter
------------------------------------------
The textbook encoding nests one async generator per operator, so a stack of
a thousand ``async_gen_map`` calls, a left-nested chain of ``and_then``, or a
recursively defined stream overflow the Python stack, and a middle layer that
stops early never closes the layer it reads from. Here each combinator
returns a *node* (``funcpipe_rag.domain.effects.async_._stream_nodes``):
an immutable record of one operator and the stream it reads from
(``node.source``). Calling a node returns a ``StreamRun``, which opens one
*cursor* per node (the operator's running state, linked ``parent`` towards
the consumer and ``child`` towards the source) and moves items with a single
loop. The Python stack stays flat whatever the depth: ten thousand stacked
maps, ten thousand left-nested ``and_then``, a stream defined recursively
through a hundred thousand elements (an ``and_then`` whose upstream is
drained *replaces* itself by its inner stream, so recursion takes constant
space too).

The operator protocol (for new operators: backpressure, rate limits, merges,
batching). A node subclasses ``StreamNode`` and defines ``cursor()`` (a
fresh ``Cursor``, starting nothing) and, if it reads a stream through this
interpreter, ``source``. The interpreter calls the cursor's methods and
reads the *step* each returns:

* ``pull()`` — asked for an item (sources; stages after ``EMIT_ASK``);
* ``push(item)`` — its child produced ``item`` (default: pass it on);
* ``end()`` — its child has no more items (default ``DONE``);
* ``inner_done()`` — the inner stream it spawned ended (default ``WANT``);
* ``resume(value)`` — the awaitable it asked for finished with ``value``
  (``EXHAUSTED`` if it raised ``StopAsyncIteration``);
* ``drained()`` — ``True``/``False`` if it knows whether more items can
  come without awaiting anything, ``None`` for "as my child";
* ``close(exc)`` — release what it holds; may return an awaitable.

A step is an ``Ok``/``Err`` item (emitted to the parent), or: ``WANT`` (give
me my child's next item), ``DONE`` (I am finished: close me and everything I
read from), ``AWAIT`` (await ``cursor.pending``, then ``resume``), ``SPAWN``
(run the stream ``cursor.pending`` as my inner stream; its items come to my
``push``, and my child waits until it ends), ``EMIT_ASK`` (emit
``cursor.pending`` and ask me before my child next time).

Closing is the interpreter's job, so no operator can forget it: a cursor is
closed exactly once, after everything it reads from (its inner stream, then
its child), when its part of the pipeline ends, when the run fails (``exc``
is the exception) or when the consumer closes the run. Nothing waits for the
garbage collector.

Concurrent operators (a bounded map racing one outstanding pull against
running tasks, a rate limiter, a fair merge, a time-bounded batcher) are
sources from the interpreter's point of view: ``source`` stays ``None``, and
the cursor runs its upstream streams itself by calling them (each call is a
``StreamRun`` of its own, pulled with ``await run.__anext__()``) inside the
awaitable its ``pull`` returns with ``AWAIT``; its ``close`` cancels its tasks
and closes those runs. The interpreter does not change. An operator never
``yield``s inside a ``TaskGroup`` or an ``asyncio.timeout()`` block: cursors
are not generators, and the awaitables they hand out complete before the
next step.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, cast, overload

from funcpipe_rag.domain.effects.async_._chunk import Chunk
from funcpipe_rag.domain.effects.async_._nodes import AsyncPlan
from funcpipe_rag.domain.effects.async_._stream_interpreter import StreamRun
from funcpipe_rag.domain.effects.async_._stream_nodes import (
    AndThen,
    AsyncGen,
    FromIter,
    FromList,
    LiftItem,
    Map,
    MapAction,
    Return,
    Stage,
    StreamNode,
    Using,
    need_policy,
    new,
)
from funcpipe_rag.domain.effects.async_._stream_nodes import need_function as _need_function
from funcpipe_rag.domain.effects.async_._stream_nodes import need_stream as _need_stream
from funcpipe_rag.domain.effects.async_.concurrency import async_gen_gather
from funcpipe_rag.domain.effects.laws import MAP_LAWS, MONAD_LAWS, Laws
from funcpipe_rag.result import ErrInfo, Ok, Result

__all__ = [
    "LAWS",
    "AsyncGen",
    "ChunkPolicy",
    "ChunkedGen",
    "Sleeper",
    "StreamNode",
    "StreamRun",
    "async_gen_and_then",
    "async_gen_chunk",
    "async_gen_flat_map",
    "async_gen_from_iter",
    "async_gen_from_list",
    "async_gen_gather",
    "async_gen_map",
    "async_gen_map_action",
    "async_gen_return",
    "async_gen_using",
    "lift_async_item",
]

A = TypeVar("A")
B = TypeVar("B")
R = TypeVar("R")
T_contra = TypeVar("T_contra", contravariant=True)


def _stage(cls: type[Stage[B]], gen: object, f: object, where: str) -> Stage[B]:
    _need_stream(gen, where)
    _need_function(f, where)
    node: Stage[B] = new(cls)
    node.source = gen  # type: ignore[assignment]
    node.f = f  # type: ignore[assignment]
    return node


def async_gen_return(value: A) -> AsyncGen[A]:
    """The stream of one item, ``Ok(value)``."""
    node: Return[A] = new(Return)
    node.item = Ok(value)
    return node


def async_gen_from_list(values: Iterable[A]) -> AsyncGen[A]:
    """The stream of ``Ok(v)`` for each ``v`` of ``values``, in order.

    ``values`` is read into a tuple when the stream is built, so the stream
    replays even when given a generator. For a long or lazily produced
    source, use :func:`async_gen_from_iter`.
    """
    node: FromList[A] = new(FromList)
    node.values = tuple(values)
    return node


def async_gen_from_iter(make: Callable[[], Iterable[A]]) -> AsyncGen[A]:
    """The stream of ``Ok(v)`` for each ``v`` of ``make()``, read lazily, one per pull.

    ``make`` is called once per run, so ``async_gen_from_iter(lambda:
    range(10**6))`` replays and never holds a million items. A generator
    returned by ``make`` is closed (its ``finally`` runs) when the run ends or
    is closed early. ``make`` and the iteration run on the event loop: keep
    them cheap (see ``lift_sync_gen_with_executor`` for heavy ones).
    """
    _need_function(make, "async_gen_from_iter")
    node: FromIter[A] = new(FromIter)
    node.make = make
    return node


def async_gen_map(gen: AsyncGen[A], f: Callable[[A], B]) -> AsyncGen[B]:
    """``Ok(f(v))`` for each ``Ok(v)`` of ``gen``; ``Err`` items pass unchanged and ``f`` is not called.

    ``f`` is a plain function. Given a function returning a *plan*, this
    yields unrun plans (``Ok(<AsyncPlan>)``): use :func:`async_gen_map_action`.
    """
    return _stage(Map, gen, f, "async_gen_map")


def async_gen_map_action(gen: AsyncGen[A], f: Callable[[A], AsyncPlan[B]]) -> AsyncGen[B]:
    """For each ``Ok(v)`` of ``gen``, run the plan ``f(v)`` and emit its result, one at a time, in order.

    The plan's ``Err`` is emitted as an item (the stream goes on); an ``Err``
    item of ``gen`` passes unchanged and no plan is built or run for it. The
    next item is pulled only after the plan has finished.
    """
    return _stage(MapAction, gen, f, "async_gen_map_action")


def async_gen_and_then(gen: AsyncGen[A], f: Callable[[A], AsyncGen[B]]) -> AsyncGen[B]:
    """For each ``Ok(v)`` of ``gen``, every item of the stream ``f(v)``, in order.

    An ``Err`` item of ``gen`` passes unchanged: ``f`` is not called and no
    inner stream starts. An ``Err`` item of an inner stream passes too and does
    not end it. Each inner stream is closed as soon as it ends, before ``gen``
    is pulled again.
    """
    return _stage(AndThen, gen, f, "async_gen_and_then")


async_gen_flat_map = async_gen_and_then
"""The course's second name for :func:`async_gen_and_then`."""


def lift_async_item(fn: Callable[[A], Awaitable[Result[B, ErrInfo]]]) -> Callable[[A], AsyncGen[B]]:
    """Turn an async step ``x -> awaitable of Result`` into ``x -> the one-item stream of its result``.

    ``lift_async_item(fn)(x)`` calls ``fn(x)`` only when the stream runs, once
    per run. Use it with ``async_gen_and_then`` to call a capability per item.
    ``fn`` may also return an ``AsyncPlan``, which is run.
    """
    _need_function(fn, "lift_async_item")

    def lifted(x: A) -> AsyncGen[B]:
        node: LiftItem[B] = new(LiftItem)
        node.fn = fn
        node.x = x
        return node

    return lifted


def async_gen_using(
    acquire: Callable[[], AbstractAsyncContextManager[R]],
    make_stream: Callable[[R], AsyncGen[A]],
) -> AsyncGen[A]:
    """The stream ``make_stream(resource)``, with ``resource`` held exactly as long as it runs.

    Each run enters ``acquire()`` (an async context manager) when first
    pulled, builds the stream from the resource, and exits the manager when
    that stream ends, fails, or the run is closed early — at that moment. The
    manager's ``__aexit__`` receives the exception that ended the run, if
    any; its return value is ignored (an exception is a bug and propagates).
    """
    _need_function(acquire, "async_gen_using")
    _need_function(make_stream, "async_gen_using")
    node: Using[A] = new(Using)
    node.acquire = acquire
    node.make_stream = make_stream
    return node


LAWS = Laws("AsyncGen", async_gen_return, async_gen_and_then, async_gen_map, MONAD_LAWS + MAP_LAWS)
"""The laws ``AsyncGen`` keeps (see :mod:`funcpipe_rag.domain.effects.laws`), items compared as lists."""


# ---- batching by size and age (Core 9) -------------------------------------------------------------


class Sleeper(Protocol):
    """The course's clock for :func:`async_gen_chunk`: ``now_ms()`` and ``await sleep_ms(ms)``."""

    def now_ms(self) -> int: ...

    def sleep_ms(self, ms: float) -> Awaitable[None]: ...


def _one(_: object) -> int:
    return 1


def _non_negative(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"ChunkPolicy.{name} must be a number, got {type(value).__name__} {value!r}")
    if not value >= 0:
        raise ValueError(f"ChunkPolicy.{name} must be at least 0 (0 means no limit), got {value}")


@dataclass(frozen=True, slots=True)
class ChunkPolicy(Generic[T_contra]):
    """When :func:`async_gen_chunk` closes a batch: by size, by age, at an ``Err``.

    * ``max_units`` — a batch's size (the sum of ``size_fn`` over its items)
      never exceeds this; ``0`` means no size limit. An item larger than the
      limit travels alone.
    * ``max_delay_ms`` — a batch is emitted at the latest this long after its
      first item arrived, even if no further item comes; ``0`` means no time
      limit.
    * ``flush_on_err`` — ``True``: an ``Err`` item closes the open batch and
      follows it; ``False``: the batch stays open and the ``Err`` follows it
      when it closes (an ``Err`` never overtakes the items before it).
    * ``size_fn`` — an item's size in units (an ``int`` of at least 0); by
      default 1, so ``max_units`` counts items.

    Validated when built; ``TypeError`` or ``ValueError`` says what to change.
    """

    max_units: int = 128
    max_delay_ms: float = 500
    flush_on_err: bool = True
    size_fn: Callable[[T_contra], int] = _one

    def __post_init__(self) -> None:
        if isinstance(self.max_units, bool) or not isinstance(self.max_units, int):
            raise TypeError(f"ChunkPolicy.max_units must be an int, got {type(self.max_units).__name__}")
        _non_negative("max_units", self.max_units)
        _non_negative("max_delay_ms", self.max_delay_ms)
        if not isinstance(self.flush_on_err, bool):
            raise TypeError(f"ChunkPolicy.flush_on_err must be True or False, got {self.flush_on_err!r}")
        if not callable(self.size_fn):
            raise TypeError("ChunkPolicy.size_fn must be a function item -> int (units), e.g. len")


class ChunkedGen(Protocol[A]):
    """What :func:`async_gen_chunk` returns: a stream of batches, also callable with a sleeper.

    ``chunked()`` starts a run (it is an ``AsyncGen[list[A]]``);
    ``chunked(sleeper)`` is the same stream timed by ``sleeper`` — the
    course's curried form ``async_gen_chunk(src, policy)(sleeper)``.
    """

    @overload
    def __call__(self) -> AsyncIterator[Result[list[A], ErrInfo]]: ...

    @overload
    def __call__(self, sleeper: Sleeper | Callable[[float], Awaitable[None]]) -> AsyncGen[list[A]]: ...


def async_gen_chunk(source: AsyncGen[A], policy: ChunkPolicy[A] | None = None) -> ChunkedGen[A]:
    """The ``Ok`` values of ``source`` in batches (``Ok(list)``), closed by size, by age or at an ``Err``.

    The contract, with ``policy`` (default ``ChunkPolicy()``: 128 items, 500 ms):

    * **order** — concatenating the batches, with the ``Err`` items in the
      places they are emitted, gives back ``source``'s items in order
      (``flush_on_err=True``); with ``flush_on_err=False`` an ``Err`` is
      emitted right after the batch that holds the items before it, never
      ahead of any of them;
    * **exactly once** — every ``Ok`` value is in exactly one batch, every
      ``Err`` item is emitted once; no batch is empty;
    * **size** — every batch holds at most ``max_units`` units; an item
      larger than that is a batch of its own; a full batch goes at once;
    * **age** — a batch is emitted at most ``max_delay_ms`` after its first
      item arrived, *even while the source is stalled*: the one outstanding
      pull of the source is raced against the batch's deadline;
    * **remainder** — when the source ends, the open batch is emitted;
    * **lazy** — at most one item is taken from the source beyond the
      batches handed on (the one that did not fit);
    * **closing** — closing the run early cancels the outstanding pull and
      the deadline, closes the source and leaves no task; exceptions (of the
      source, of ``size_fn``) propagate after the same clean-up.

    Time is the running loop's clock (the virtual clock under
    ``funcpipe_rag.testing.run_virtual``). ``async_gen_chunk(source,
    policy)(sleeper)`` times the batches with ``sleeper`` instead: an
    ``async (seconds) -> None`` sleep (waits for deadlines, the loop's clock
    reads the time), or the course's :class:`Sleeper` (``now_ms`` and
    ``sleep_ms``). Building the stream runs nothing; each run starts afresh.
    """
    _need_stream(source, "async_gen_chunk")
    example = "ChunkPolicy(max_units=32, max_delay_ms=200)"
    policy = need_policy(policy, ChunkPolicy, "async_gen_chunk", example)
    node: Chunk = new(Chunk)
    node.upstream = source
    node.max_units = policy.max_units
    node.max_delay_s = policy.max_delay_ms / 1000.0
    node.flush_on_err = policy.flush_on_err
    node.size_fn = policy.size_fn
    node.sleeper = None
    return cast(ChunkedGen[A], node)
