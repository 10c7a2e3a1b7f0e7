"""The textbook encoding of ``AsyncGen``: one async generator per combinator, for comparison only.

Each combinator wraps the stream it reads in a new async generator that
``async for``-s over it. It is short and its items are right, and it has two
faults that the library's streams (nodes run by one interpreter,
:mod:`funcpipe_rag.domain.effects.async_.stream`) do not:

* Depth. Pulling one item through *n* stacked generators nests *n*
  ``__anext__`` calls, so a stack of maps, a left-nested chain of
  ``and_then`` or a recursively defined stream overflows the Python stack
  near a thousand layers.
* Closing. ``async for`` does not close the iterator it reads when the loop
  is left early, so when the consumer closes the outermost generator, the
  layers beneath it are merely dropped; a resource held by the source is
  released only when Python finalises the abandoned generators — later, on
  another turn of the event loop, or at the collector's convenience when
  they sit in a reference cycle — not when the consumer closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias, TypeVar

from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")
B = TypeVar("B")
R = TypeVar("R")

NestedGen: TypeAlias = Callable[[], AsyncIterator[Result[A, ErrInfo]]]


def nested_return(value: A) -> NestedGen[A]:
    async def run() -> AsyncIterator[Result[A, ErrInfo]]:
        yield Ok(value)

    return run


def nested_from_list(values: Iterable[A]) -> NestedGen[A]:
    frozen = tuple(values)

    async def run() -> AsyncIterator[Result[A, ErrInfo]]:
        for v in frozen:
            yield Ok(v)

    return run


def nested_map(gen: NestedGen[A], f: Callable[[A], B]) -> NestedGen[B]:
    async def run() -> AsyncIterator[Result[B, ErrInfo]]:
        async for item in gen():
            yield Ok(f(item.value)) if isinstance(item, Ok) else item

    return run


def nested_map_action(gen: NestedGen[A], f: Callable[[A], Callable[[], Awaitable[Any]]]) -> NestedGen[B]:
    async def run() -> AsyncIterator[Result[B, ErrInfo]]:
        async for item in gen():
            if isinstance(item, Err):
                yield item
            else:
                yield await f(item.value)()

    return run


def nested_and_then(gen: NestedGen[A], f: Callable[[A], NestedGen[B]]) -> NestedGen[B]:
    async def run() -> AsyncIterator[Result[B, ErrInfo]]:
        async for item in gen():
            if isinstance(item, Err):
                yield item
                continue
            async for inner in f(item.value)():
                yield inner

    return run


def nested_lift_item(fn: Callable[[A], Awaitable[Result[B, ErrInfo]]]) -> Callable[[A], NestedGen[B]]:
    def lifted(x: A) -> NestedGen[B]:
        async def run() -> AsyncIterator[Result[B, ErrInfo]]:
            yield await fn(x)

        return run

    return lifted


def nested_using(
    acquire: Callable[[], AbstractAsyncContextManager[R]], make_stream: Callable[[R], NestedGen[A]]
) -> NestedGen[A]:
    async def run() -> AsyncIterator[Result[A, ErrInfo]]:
        async with acquire() as resource:
            async for item in make_stream(resource)():
                yield item

    return run
