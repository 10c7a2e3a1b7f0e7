"""Run a coroutine on an event loop whose clock jumps instead of waiting.

``run_virtual(main)`` runs ``main()`` to completion on a fresh loop where
``loop.time()`` is *virtual*: whenever every task is waiting on a timer, the
clock jumps straight to the next timer. ``asyncio.sleep(10)`` therefore takes
no real time, the order in which timers fire is exactly that of real time, and
the same program gives the same timeline on every run and every machine.

Use it for code that only waits on timers (simulated latency, backoff,
timeouts). Real sockets still work, but time spent waiting for them is not
counted by the virtual clock.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
        self.loop.advance(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` advances only by jumps."""

    def __init__(self) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self._virtual_now = 0.0

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
