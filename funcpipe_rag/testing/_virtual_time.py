"""Run a coroutine on an event loop whose clock jumps instead of waiting.

``run_virtual(main)`` runs ``main()`` to completion on a fresh loop where
``loop.time()`` is *virtual*: whenever every task is waiting on a timer, the
clock jumps straight to the next timer. ``asyncio.sleep(10)`` therefore takes
no real time, the order in which timers fire is exactly that of real time, and
the same program gives the same timeline on every run and every machine.

Use it for code that only waits on timers (simulated latency, backoff,
timeouts). Real sockets still work, but time spent waiting for them is not
counted by the virtual clock — and, by default, while a real operation is
under way the clock may jump to the next timer, so a timer can fire "during"
it. Wrap such an operation in :meth:`VirtualTimeLoop.real_io` to make it take
no virtual time: the clock then stands still until it has finished (what the
probed SQLite store of Core 10 does, so that a timeout or a cancellation can
never land in the middle of a database call by accident of thread timing).

:class:`InterleavingLoop` adds a seeded scheduler: at every turn it shuffles
the callbacks that are ready to run, so one seed is one reproducible
interleaving of the tasks, and many seeds explore many of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import selectors
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from funcpipe_rag.infra.runtime import run_sync

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout is None or timeout <= 0:
            return ready if ready or timeout is not None else super().select(None)
        assert self.loop is not None
        if self.loop.real_io_in_flight:
            # Wait for the real operation (its thread wakes the loop) without moving the clock.
            return super().select(_REAL_IO_POLL_S)
        self.loop.advance(timeout)
        return []


_REAL_IO_POLL_S = 0.05


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` advances only by jumps."""

    def __init__(self) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self._virtual_now = 0.0
        self.real_io_in_flight = 0

    @contextlib.contextmanager
    def real_io(self) -> Iterator[None]:
        """Hold the clock still while the block awaits real work (a database call, a thread).

        Nested and concurrent uses count: the clock moves again only when
        every such block has been left.
        """
        self.real_io_in_flight += 1
        try:
            yield
        finally:
            self.real_io_in_flight -= 1

    def time(self) -> float:
        return self._virtual_now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (never backwards)."""
        if seconds > 0:
            self._virtual_now += seconds


def run_virtual(main: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    """Run ``main()`` in virtual time; return its value and the virtual seconds elapsed.

    Safe to call from a notebook, where a loop is already running: the virtual
    loop then runs in a helper thread and this call waits for it.
    """

    async def timed() -> tuple[T, float]:
        value = await main()
        return value, asyncio.get_running_loop().time()

    return run_sync(timed, loop_factory=VirtualTimeLoop)


class InterleavingLoop(VirtualTimeLoop):
    """A virtual-time loop that runs the callbacks ready at each turn in a seeded random order.

    asyncio runs ready callbacks first-in first-out, so a test on the stock
    loop sees one interleaving of its tasks, always the same. This loop
    permutes them with ``random.Random(seed)``: any order it produces is one
    a real loop could produce under different timing (tasks that are ready
    together have no order promised between them), the same seed gives the
    same order, and ``interleavings`` counts the turns where the order changed.
    """

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self._rng = random.Random(seed)
        self.interleavings = 0

    def _run_once(self) -> None:
        ready: deque[Any] = self._ready  # type: ignore[attr-defined]
        if len(ready) > 1:
            handles = list(ready)
            self._rng.shuffle(handles)
            ready.clear()
            ready.extend(handles)
            self.interleavings += 1
        super()._run_once()  # type: ignore[misc]


def run_interleaved(main: Callable[[], Awaitable[T]], seed: int) -> tuple[T, float]:
    """:func:`run_virtual` on an :class:`InterleavingLoop` seeded with ``seed``."""

    async def timed() -> tuple[T, float]:
        value = await main()
        return value, asyncio.get_running_loop().time()

    return run_sync(timed, loop_factory=lambda: InterleavingLoop(seed))
