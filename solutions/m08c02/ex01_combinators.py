"""Exercise 1 — build the stream combinators yourself, closing what they read.

What to do
----------
An ``AsyncGen[A]`` is a zero-argument callable that returns a *fresh* async
iterator of ``Result[A, ErrInfo]`` items every time it is called. Write the
five combinators below as async generators (an inner ``async def`` with
``yield``, returned as the stream); do not import them from ``funcpipe_rag``.

The stage you write reads a stream by calling it (``gen()``) and iterating
the run it gets. When your stage is closed early — the consumer stops and
closes it — it must close that run too, before it returns: ``async for``
alone does not. ``contextlib.aclosing`` does it for you::

    async with aclosing(gen()) as items:
        async for item in items:
            ...

The contract
------------
* ``async_gen_return(x)`` — a stream of one item, ``Ok(x)``.
* ``async_gen_from_list(xs)`` — ``Ok(x)`` for each ``x`` of ``xs``, in
  order. ``xs`` is read once, when the stream is built, so every run gives
  every item even when ``xs`` is a generator.
* ``async_gen_map(gen, f)`` — ``Ok(f(v))`` for each ``Ok(v)`` of ``gen``;
  an ``Err`` item passes unchanged and ``f`` is not called for it.
* ``async_gen_map_action(gen, f)`` — for each ``Ok(v)``, run the plan
  ``f(v)`` (await ``f(v)()``) and emit its result, ``Ok`` or ``Err``, in
  order, one plan at a time; an ``Err`` item passes unchanged and no plan is
  built for it.
* ``async_gen_and_then(gen, f)`` — for each ``Ok(v)``, every item of the
  stream ``f(v)``, in order; an ``Err`` item of ``gen`` passes unchanged
  and ``f`` is not called for it. An ``Err`` item inside ``f(v)`` passes too
  and does not end anything.

And, for all of them:

* building does nothing: building a stream — and calling it to get a run —
  calls no source, no ``f``, no plan; the work starts with the first pull;
* lazy: a stage pulls from ``gen`` only when its consumer asks for an item,
  never ahead: a consumer that takes ``k`` items made the source give only
  the items needed for them;
* closing: when a run of your stage is closed (at the end, or early by the
  consumer) it closes the run it reads from before it returns, so a
  resource the source holds is released at that moment — not later, when
  the garbage collector finds the abandoned generator;
* replay: each call of a stream is a fresh run; running it twice gives equal
  items;
* every value is a value: ``None``, ``0``, ``""``, ``[]`` and ``False`` are
  items like any other;
* the monad laws, over streams with ``Err`` items:
  ``async_gen_and_then(async_gen_return(x), f)`` gives the items of ``f(x)``;
  ``async_gen_and_then(s, async_gen_return)`` gives the items of ``s``; and
  ``async_gen_and_then(async_gen_and_then(s, f), g)`` gives the items of
  ``async_gen_and_then(s, lambda x: async_gen_and_then(f(x), g))``.

Imports
-------
The standard library, and ``Result``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode`` and ``assert_never`` from ``funcpipe_rag`` — nothing else from
the workbook: a file that imports the library's own streams (or anything
under ``solutions/``) scores zero for this exercise.

Hints
-----
* ``async def run(): ... yield ...`` returned as ``run`` is a stream: each
  call ``run()`` is a fresh async generator.
* ``isinstance(item, Ok)`` tells an ``Ok`` item from an ``Err`` one.
* Check yourself with ``funcpipe grade m08c02/ex01``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import aclosing
from typing import TypeAlias, TypeVar

from funcpipe_rag import Err, ErrInfo, Ok, Result

A = TypeVar("A")
B = TypeVar("B")

AsyncGen: TypeAlias = Callable[[], AsyncIterator[Result[A, ErrInfo]]]
AsyncPlan: TypeAlias = Callable[[], Awaitable[Result[A, ErrInfo]]]


def async_gen_return(value: A) -> AsyncGen[A]:
    """The stream of one item, ``Ok(value)``."""
    # BEGIN SOLUTION: return a stream whose every run yields Ok(value) once
    async def run() -> AsyncIterator[Result[A, ErrInfo]]:
        yield Ok(value)

    return run
    # END SOLUTION


def async_gen_from_list(values: Iterable[A]) -> AsyncGen[A]:
    """``Ok(v)`` for each value, in order; the values are read when the stream is built."""
    # BEGIN SOLUTION: read values once (a tuple), and return a stream yielding Ok of each
    frozen = tuple(values)

    async def run() -> AsyncIterator[Result[A, ErrInfo]]:
        for v in frozen:
            yield Ok(v)

    return run
    # END SOLUTION


def async_gen_map(gen: AsyncGen[A], f: Callable[[A], B]) -> AsyncGen[B]:
    """``Ok(f(v))`` for each ``Ok(v)`` of ``gen``; an ``Err`` passes unchanged. Closes what it reads."""
    # BEGIN SOLUTION: read a run of gen inside aclosing; yield Ok(f(v)) for Ok(v), Err items as they are
    async def run() -> AsyncIterator[Result[B, ErrInfo]]:
        async with aclosing(gen()) as items:
            async for item in items:
                yield Ok(f(item.value)) if isinstance(item, Ok) else item

    return run
    # END SOLUTION


def async_gen_map_action(gen: AsyncGen[A], f: Callable[[A], AsyncPlan[B]]) -> AsyncGen[B]:
    """For each ``Ok(v)``, the result of the plan ``f(v)``, in order; an ``Err`` passes unchanged."""
    # BEGIN SOLUTION: read a run of gen inside aclosing; for Ok(v) yield await f(v)(), Err items as they are
    async def run() -> AsyncIterator[Result[B, ErrInfo]]:
        async with aclosing(gen()) as items:
            async for item in items:
                if isinstance(item, Err):
                    yield item
                else:
                    result: Result[B, ErrInfo] = await f(item.value)()
                    yield result

    return run
    # END SOLUTION


def async_gen_and_then(gen: AsyncGen[A], f: Callable[[A], AsyncGen[B]]) -> AsyncGen[B]:
    """For each ``Ok(v)``, every item of ``f(v)``; an ``Err`` passes unchanged. Closes what it reads."""
    # BEGIN SOLUTION: read a run of gen inside aclosing; for Ok(v) yield each item of a (closed) run of f(v)
    async def run() -> AsyncIterator[Result[B, ErrInfo]]:
        async with aclosing(gen()) as items:
            async for item in items:
                if isinstance(item, Err):
                    yield item
                    continue
                async with aclosing(f(item.value)()) as inner:
                    async for each in inner:
                        yield each

    return run
    # END SOLUTION
