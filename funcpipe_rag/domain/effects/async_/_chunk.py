"""The node and cursor of ``async_gen_chunk`` (Core 9): batches by size and by age.

A source from the interpreter's point of view, built on :mod:`._racing`: it
pulls its upstream itself, at most one pull outstanding, and while a batch is
open and has a deadline it races that pull against the deadline, so a batch
is flushed at its deadline even when the upstream stalls. The contract is in
:func:`funcpipe_rag.domain.effects.async_.stream.async_gen_chunk`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from funcpipe_rag.domain.effects.async_._racing import RacingCursor, cancel_and_wait, close_pulls, spawn
from funcpipe_rag.domain.effects.async_._stream_nodes import AWAIT, DONE, AsyncGen, Cursor, StreamNode, new
from funcpipe_rag.result import Ok

DUE_SLACK_S = 1e-9
"""Clock readings are sums of floats: a deadline within a nanosecond counts as reached."""


class Chunk(StreamNode[Any]):
    """Batches of the ``Ok`` values of ``upstream`` (``async_gen_chunk``); ``Err`` items pass between them.

    ``sleeper`` is ``None`` (deadlines are timers of the running loop), an
    ``async (seconds) -> None`` sleep, or the course's ``Sleeper`` (``now_ms``
    and ``sleep_ms``), whose clock and sleep are then used instead.
    """

    __slots__ = ("flush_on_err", "max_delay_s", "max_units", "size_fn", "sleeper", "upstream")
    upstream: AsyncGen[Any]
    max_units: int
    max_delay_s: float
    flush_on_err: bool
    size_fn: Callable[[Any], int]
    sleeper: Any

    def __call__(self, *sleeper: Any) -> Any:
        """No argument: start a run. One: the same stream timed by that sleeper (the course's form)."""
        if not sleeper:
            return super().__call__()
        if len(sleeper) > 1:
            raise TypeError("async_gen_chunk(source, policy)(sleeper) takes one sleeper")
        (given,) = sleeper
        if not (callable(given) or (hasattr(given, "now_ms") and hasattr(given, "sleep_ms"))):
            raise TypeError(
                f"a sleeper is an async function (seconds) -> None or has now_ms() and sleep_ms(ms), "
                f"got {type(given).__name__}"
            )
        node: Chunk = new(Chunk)
        for name in Chunk.__slots__:
            setattr(node, name, getattr(self, name))
        node.sleeper = given
        return node

    def cursor(self) -> Cursor:
        c: _ChunkCursor = new(_ChunkCursor)
        c.node = self
        c.start_racing(self.upstream)
        c.out = deque()
        c.buf = []
        c.units = 0
        c.deadline = None
        c.held_errs = []
        c.due = False
        c.sleep_task = None
        c.stale = []
        return c


class _ChunkCursor(RacingCursor):
    """The running state of one batcher.

    ``buf`` is the open batch (``units`` its size, ``deadline`` the loop or
    sleeper time at which it must go); ``out`` holds what is ready to emit, in
    order. ``held_errs`` (``flush_on_err=False``) are ``Err`` items that came
    while a batch was open: they go out right after it, never before it.
    """

    __slots__ = (
        "buf", "deadline", "due", "held_errs", "node", "out", "sleep_task", "stale", "units",
    )  # fmt: skip
    node: Chunk
    out: deque[Any]
    buf: list[Any]
    units: int
    deadline: float | None
    held_errs: list[Any]
    due: bool
    sleep_task: asyncio.Future[Any] | None
    stale: list[asyncio.Future[Any]]

    def drained(self) -> bool:
        return self.finished and not self.out

    def _now(self) -> float:
        sleeper = self.node.sleeper
        if sleeper is not None and hasattr(sleeper, "now_ms"):
            return float(sleeper.now_ms()) / 1000.0
        return asyncio.get_running_loop().time()

    def _flush(self) -> None:
        if self.buf:
            self.out.append(Ok(self.buf))
            self.buf = []
        self.units = 0
        self.deadline = None
        self.due = False
        self.waker.cancel_timer()
        task, self.sleep_task = self.sleep_task, None
        if task is not None:
            task.cancel()  # it finishes on the loop's next turn; close waits for those still finishing
            self.stale = [t for t in self.stale if not t.done()]
            self.stale.append(task)
        if self.held_errs:
            self.out.extend(self.held_errs)
            self.held_errs = []

    def _take(self, item: Any) -> None:
        """One item of the upstream (``None`` when it has no more) into the open batch or ``out``."""
        node = self.node
        if item is None:
            self._flush()
            self.finished = True
            return
        if type(item) is not Ok:
            if node.flush_on_err:
                self._flush()
                self.out.append(item)
            elif self.buf:
                self.held_errs.append(item)  # after the batch holding the items before it, never ahead
            else:
                self.out.append(item)
            return
        value = item.value
        size = node.size_fn(value)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(
                f"ChunkPolicy.size_fn must return an int of at least 0, got {size!r} for {value!r:.60}"
            )
        limit = node.max_units
        if limit and self.buf and self.units + size > limit:
            self._flush()  # the item does not fit: the open batch goes, the item starts the next one
        if limit and size > limit:
            self.out.append(Ok([value]))  # an oversized item travels alone
            return
        if not self.buf:
            self.deadline = self._now() + node.max_delay_s if node.max_delay_s else None
        self.buf.append(value)
        self.units += size
        if limit and self.units >= limit:
            self._flush()  # full: emit now rather than pull one more item to find out

    def _on_due(self, _: object = None) -> None:
        self.due = True
        self.waker.wake()

    def _arm(self) -> None:
        """Make sure the open batch's deadline wakes the waker."""
        deadline = self.deadline
        assert deadline is not None
        sleeper = self.node.sleeper
        if sleeper is None:
            if self.waker.timer is None:
                self.waker.timer = asyncio.get_running_loop().call_at(deadline, self._on_due)
            return
        if self.sleep_task is None:
            ms = max(0.0, deadline - self._now()) * 1000.0
            course = hasattr(sleeper, "sleep_ms")
            sleep: Awaitable[Any] = sleeper.sleep_ms(ms) if course else sleeper(ms / 1000.0)
            task = self.sleep_task = spawn(sleep)
            task.add_done_callback(self._on_sleep_done)

    def _on_sleep_done(self, task: asyncio.Future[Any]) -> None:
        if task is self.sleep_task:
            self._on_due()

    def _step(self) -> Any:
        out = self.out
        puller = self.puller
        while True:
            if out:
                return out.popleft()
            if self.finished:
                return DONE
            task = self.sleep_task
            if task is not None and task.done() and not task.cancelled() and task.exception() is not None:
                task.result()  # the sleeper raised: a bug, reported as it is
            deadline = self.deadline
            if deadline is not None and (self.due or self._now() + DUE_SLACK_S >= deadline):
                self._flush()
                continue
            if puller.task is not None:
                if puller.task.done():
                    self._take(puller.take())
                    continue
            elif deadline is None:
                return self.await_pull()  # no deadline to race: no task
            else:
                puller.start()
            if deadline is not None:
                self._arm()
            self.pending = self.waker.wait()
            return AWAIT

    def close(self, exc: BaseException | None) -> Any:
        self.waker.cancel_timer()
        if self.sleep_task is None and not self.stale and self.puller.run is None:
            return None
        return self._aclose()

    async def _aclose(self) -> None:
        tasks = self.stale
        if self.sleep_task is not None:
            tasks.append(self.sleep_task)
        self.sleep_task, self.stale = None, []
        try:
            await cancel_and_wait(tasks)
        finally:
            await close_pulls((self.puller,))

