"""The nodes and cursors of ``async_gen_bounded_map`` and ``async_gen_gather`` (Core 3).

Both are concurrent operators built on :mod:`._racing`: sources from the
interpreter's point of view, whose cursors pull their upstream streams
themselves, one outstanding pull per upstream, raced against the tasks they
run. The contracts are in :mod:`.concurrency`; how the racing works, in
:mod:`._racing`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from funcpipe_rag.domain.effects.async_._interpreter import begin, outcome
from funcpipe_rag.domain.effects.async_._racing import (
    Pull,
    RacingCursor,
    Waker,
    cancel_and_wait,
    close_pulls,
    spawn,
)
from funcpipe_rag.domain.effects.async_._stream_nodes import (
    AWAIT,
    DONE,
    AsyncGen,
    Cursor,
    StreamNode,
    Where,
    new,
)
from funcpipe_rag.result import Err, Ok

_PLAN = Where("a plan returned by the function given to async_gen_bounded_map")


def _checked(task: asyncio.Future[Any]) -> Any:
    """The result of a finished task of ``f``'s plan: ``Ok``/``Err``, or its exception raised."""
    res = task.result()
    cls = type(res)
    return res if cls is Ok or cls is Err else outcome(res, _PLAN)


class BoundedMap(StreamNode[Any]):
    """``f``'s plan for each ``Ok`` of ``upstream``, at most ``limit`` at once (``async_gen_bounded_map``).

    ``upstream`` is not ``source``: the interpreter sees this node as a
    source, and its cursor runs the upstream itself.
    """

    __slots__ = ("f", "limit", "ordered", "upstream")
    upstream: AsyncGen[Any]
    f: Callable[[Any], Any]
    limit: int
    ordered: bool

    def cursor(self) -> Cursor:
        c: _BoundedCursor = new(_BoundedCursor)
        c.start_racing(self.upstream)
        c.f = self.f
        c.limit = self.limit
        c.ordered = self.ordered
        c.window = deque()
        c.tasks = set()
        c.failure = None
        return c


class _BoundedCursor(RacingCursor):
    """The running state of one bounded map.

    ``window`` holds, in input order (ordered) or in completion order
    (unordered), every item taken from the upstream and not yet emitted:
    a finished result, or (ordered) the task still computing it.
    ``tasks`` are the tasks running ``f``'s plans. The bound: the items
    taken and not yet emitted — running or waiting to be emitted — never
    exceed ``limit``; a pull starts only when there is room for its item.
    """

    __slots__ = ("f", "failure", "limit", "ordered", "tasks", "window")
    f: Callable[[Any], Any]
    limit: int
    ordered: bool
    window: deque[Any]
    tasks: set[asyncio.Future[Any]]
    failure: asyncio.Future[Any] | None

    def _take(self, item: Any) -> None:
        if item is not None:
            self._accept(item)

    def _accept(self, item: Any) -> None:
        """An item of the upstream: an ``Err`` waits for its turn, an ``Ok`` starts ``f``'s plan."""
        if type(item) is not Ok:
            self.window.append(item)
            return
        started = begin(self.f(item.value))
        cls = type(started)
        if cls is Ok or cls is Err:
            self.window.append(started)
            return
        task = spawn(started)  # type: ignore[arg-type]  # neither Ok nor Err: the plan's awaitable
        self.tasks.add(task)
        task.add_done_callback(self._done)
        if self.ordered:
            self.window.append(task)

    def _done(self, task: asyncio.Future[Any]) -> None:
        tasks = self.tasks
        if task not in tasks:
            return  # cancelled by close
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            if self.failure is None:
                self.failure = task
        elif not self.ordered:
            self.window.append(task)  # completion order
        elif self.window and self.window[0] is not task:
            return  # ordered: only the head finishing lets an item out
        # (An empty window: the step saw the task done and emitted it before this callback ran; the wake
        # lets that step see that the task has left ``tasks`` too, so it can pull again or finish.)
        self.waker.wake()

    def _step(self) -> Any:
        window = self.window
        puller = self.puller
        while True:
            if self.failure is not None:
                failed, self.failure = self.failure, None
                failed.result()  # raises the exception of f's plan
            if window:
                head = window[0]
                cls = type(head)
                if cls is Ok or cls is Err:
                    window.popleft()
                    return head
                if head.done():
                    window.popleft()
                    return _checked(head)
            room = len(window) + (0 if self.ordered else len(self.tasks)) < self.limit
            if puller.task is not None:
                if puller.task.done():
                    self._take(puller.take())
                    continue
            elif room and not puller.exhausted:
                if not self.tasks:
                    return self.await_pull()  # nothing is running, so nothing to race: no task
                puller.start()
            elif puller.exhausted and not window and not self.tasks:
                self.finished = True
                return DONE
            self.pending = self.waker.wait()
            return AWAIT

    def close(self, exc: BaseException | None) -> Any:
        if not self.tasks and self.puller.run is None:
            return None
        return self._aclose()

    async def _aclose(self) -> None:
        tasks = list(self.tasks)
        self.tasks.clear()  # so that their callbacks, when cancelled, record nothing
        self.window.clear()
        try:
            await cancel_and_wait(tasks)
        finally:
            await close_pulls((self.puller,))


class Gather(StreamNode[Any]):
    """The items of every stream of ``streams``, in the order they arrive (``async_gen_gather``)."""

    __slots__ = ("max_buffer", "streams")
    streams: tuple[AsyncGen[Any], ...]
    max_buffer: int

    def cursor(self) -> Cursor:
        c: _GatherCursor = new(_GatherCursor)
        waker = c.waker = Waker()
        c.pulls = [Pull(s, waker) for s in self.streams]
        c.max_buffer = self.max_buffer
        c.arrived = deque()
        c.idle = deque()
        c.started = False
        c.failure = None
        c.finished = False
        return c


class _GatherCursor(Cursor):
    """The running state of one merge.

    Every upstream has at most one pull outstanding. A finished pull puts
    its item in ``arrived`` (arrival order) and, while fewer than
    ``max_buffer`` items wait there, starts that upstream's next pull at
    once; otherwise the upstream waits in ``idle`` until the consumer has
    taken an item. So at most ``max_buffer`` items wait, plus at most one
    per upstream whose pull was already under way when the buffer filled.
    """

    __slots__ = ("arrived", "failure", "finished", "idle", "max_buffer", "pulls", "started", "waker")
    waker: Waker
    pulls: list[Pull[Any]]
    max_buffer: int
    arrived: deque[Any]
    idle: deque[Pull[Any]]
    started: bool
    failure: BaseException | None
    finished: bool

    def _on_pull_done(self, puller: Pull[Any]) -> Callable[[asyncio.Future[Any]], None]:
        def done(task: asyncio.Future[Any]) -> None:
            if puller.task is not task:
                return  # cancelled by close
            try:
                item = puller.take()
            except BaseException as exc:  # a bug upstream: raised by the consumer's next step
                if self.failure is None:
                    self.failure = exc
                self.waker.wake()
                return
            if item is not None:
                self.arrived.append(item)
                if len(self.arrived) < self.max_buffer:
                    puller.start(self._on_pull_done(puller))
                else:
                    self.idle.append(puller)
            self.waker.wake()

        return done

    def pull(self) -> Any:
        if not self.started:
            self.started = True
            for p in self.pulls:
                p.start(self._on_pull_done(p))
        return self._step()

    def resume(self, value: Any) -> Any:
        return self._step()

    def drained(self) -> bool:
        return self.finished

    def _step(self) -> Any:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure
        arrived = self.arrived
        if arrived:
            item = arrived.popleft()
            idle = self.idle
            while idle and len(arrived) < self.max_buffer:  # room again: the waiting upstreams go on
                p = idle.popleft()
                p.start(self._on_pull_done(p))
            return item
        if all(p.exhausted for p in self.pulls):
            self.finished = True
            return DONE
        self.pending = self.waker.wait()
        return AWAIT

    def close(self, exc: BaseException | None) -> Any:
        if not self.started:
            return None
        return self._aclose()

    async def _aclose(self) -> None:
        pulls, self.pulls = self.pulls, []
        self.idle.clear()
        self.arrived.clear()
        await close_pulls(pulls)
