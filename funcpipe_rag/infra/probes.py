"""Measuring from the shell: how much work is in flight.

One counter for every place that watches concurrency — the recording fake
embedder, the demo's metered embedder, the local service, the tests — so
"at most N in flight" means the same everywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any


class InFlight:
    """How many calls are in flight now (``in_flight``), and the most there ever were (``max_in_flight``).

    Wrap each call in ``with probe:``; the count goes down however the call
    ends (a result, an exception, cancellation)::

        probe = InFlight()
        async def embed(text):
            with probe:
                return await inner.embed(text)
    """

    __slots__ = ("in_flight", "max_in_flight")

    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0

    def __enter__(self) -> InFlight:
        self.in_flight += 1
        if self.in_flight > self.max_in_flight:
            self.max_in_flight = self.in_flight
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.in_flight -= 1

    def __repr__(self) -> str:
        return f"InFlight(in_flight={self.in_flight}, max_in_flight={self.max_in_flight})"


@contextmanager
def counting_tasks(loop: asyncio.AbstractEventLoop) -> Iterator[InFlight]:
    """While the block runs, count the tasks ``loop`` creates: alive now and the most alive at once.

    A task factory wraps each new task's life in the returned probe; the
    loop's own factory is put back when the block exits. Tasks created
    before the block are not counted.
    """
    probe = InFlight()
    previous = loop.get_task_factory()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        probe.__enter__()
        task.add_done_callback(lambda _: probe.__exit__(None, None, None))
        return task

    loop.set_task_factory(factory)
    try:
        yield probe
    finally:
        loop.set_task_factory(previous)
