"""Racing one outstanding pull of a stream against running work or a deadline.

The concurrent stream operators — the bounded map and the merge of Core 3,
the time-bounded batcher of Core 9, and the rate limiter and fair merge of
Core 6 — all wait for *the first of several things*: the next item of a
source, one of the tasks they started, a deadline. The textbook versions
``await`` the source and only then look at the rest, so a result that was
ready at 10 ms waits for a producer that takes a second, and a batch whose
deadline passed waits for the next item. The pieces here make waiting for
the first of them cheap and exact:

:class:`Waker`
    The one future the operator's consumer waits on. Whatever happens —
    a pull finishes, a task finishes, a deadline passes — calls
    :meth:`Waker.wake`, and the consumer's next step looks at the state
    and decides. Each wait is one future, whatever the number of tasks
    (``asyncio.wait`` would register a callback on every task at every
    wait: quadratic work for a thousand tasks in flight). No wake-up is
    lost: a step checks the state and asks for the future without
    awaiting in between, and callbacks run only while it awaits.
:class:`Pull`
    At most one outstanding pull of one upstream stream. The upstream is
    run by the interpreter as a :class:`StreamRun` of its own, opened at
    the first pull. :meth:`Pull.start` runs the next pull as a task (so
    that it can be raced); when nothing else is running the operator
    awaits the pull directly instead (:meth:`Pull.inline`), which costs
    no task. :meth:`Pull.aclose` cancels an outstanding pull and closes
    the run.
:func:`spawn` and :func:`cancel_and_wait`
    The one place these operators start tasks, and the one way they stop
    them: cancel, then wait until every one has finished — also if the
    closing task is cancelled meanwhile, as ``asyncio.TaskGroup`` does —
    so that closing leaves no task behind.

How an operator uses them (a cursor of the stream protocol, see
:mod:`.stream`): its node is a *source* for the interpreter (``source`` is
``None``); its cursor's ``pull`` and ``resume`` run one synchronous *step*
that emits an item if one is ready, starts pulls and tasks the bounds
allow, and otherwise returns ``AWAIT`` with ``pending`` set to
``waker.wait()`` (or to ``pull.inline()`` when the pull is the only thing
to wait for). The operator's own state changes only inside steps, in the
consumer's task; the callbacks of tasks and timers only record and wake.
Its ``close`` calls :func:`cancel_and_wait` on its tasks and
:meth:`Pull.aclose` on its pulls.

Exceptions are bugs: a task or a pull that raised makes the next step raise
the same exception (the interpreter then closes the operator, which cancels
the rest). Pure: this module describes how operators run; tasks start only
while a shell drives the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

from funcpipe_rag.domain.effects.async_._stream_interpreter import StreamRun
from funcpipe_rag.domain.effects.async_._stream_nodes import AWAIT as AWAIT_STEP
from funcpipe_rag.domain.effects.async_._stream_nodes import EXHAUSTED, AsyncGen, Cursor
from funcpipe_rag.result import ErrInfo, Result

A = TypeVar("A")

__all__ = ["Pull", "RacingCursor", "Waker", "cancel_and_wait", "close_pulls", "spawn"]


def spawn(work: Awaitable[A]) -> asyncio.Future[A]:
    """Run ``work`` concurrently, as a task of the running loop; only while a stream is being driven."""
    return asyncio.ensure_future(work)  # isolation: allowed (a concurrent stream operator's own task)


class Waker:
    """The future an operator's consumer waits on, resolved by whichever event comes first.

    ``wait()`` makes a fresh future (the previous one is done or abandoned);
    ``wake()`` resolves the current one if it is still pending, and may be
    used directly as a done-callback or a timer callback. ``wake_at(when)``
    wakes at loop time ``when`` (one timer at a time; ``cancel_timer`` drops it).
    """

    __slots__ = ("future", "timer")

    def __init__(self) -> None:
        self.future: asyncio.Future[None] | None = None
        self.timer: asyncio.TimerHandle | None = None

    def wait(self) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.future = future
        return future

    def wake(self, _: object = None) -> None:
        future = self.future
        if future is not None and not future.done():
            future.set_result(None)

    def wake_at(self, when: float) -> None:
        self.cancel_timer()
        self.timer = asyncio.get_running_loop().call_at(when, self.wake)

    def cancel_timer(self) -> None:
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()


class Pull(Generic[A]):
    """At most one outstanding pull of the upstream stream ``stream``, reported through ``waker``.

    States: idle (``task is None``), outstanding (a task not yet done),
    finished (a done task whose item :meth:`take` hands over), exhausted.
    """

    __slots__ = ("exhausted", "run", "stream", "task", "waker")

    def __init__(self, stream: AsyncGen[A], waker: Waker) -> None:
        self.stream = stream
        self.waker = waker
        self.run: StreamRun[A] | None = None
        self.task: asyncio.Future[Result[A, ErrInfo]] | None = None
        self.exhausted = False

    def _run(self) -> StreamRun[A]:
        run = self.run
        if run is None:
            # Every upstream runs through the interpreter, foreign async generators included, so its items
            # are checked and its release is the interpreter's job.
            run = self.run = StreamRun(self.stream)
        return run

    def start(self, on_done: Callable[[asyncio.Future[Any]], object] | None = None) -> None:
        """Begin the next pull as a task; ``on_done`` (default: wake the waker) is called when it finishes."""
        task = self.task = spawn(self._run().__anext__())
        task.add_done_callback(on_done or self.waker.wake)

    @property
    def idle(self) -> bool:
        return self.task is None and not self.exhausted

    @property
    def ready(self) -> bool:
        task = self.task
        return task is not None and task.done()

    def take(self) -> Result[A, ErrInfo] | None:
        """The item of the finished pull (``None`` when the stream has no more); re-raises its exception."""
        task = self.task
        assert task is not None and task.done()
        self.task = None
        try:
            return task.result()
        except StopAsyncIteration:  # the run has closed itself
            self.exhausted = True
            return None

    def inline(self) -> Awaitable[Result[A, ErrInfo]]:
        """The next pull, to be awaited directly when nothing else needs racing (no task)."""
        return self._run().__anext__()

    def absorb(self, value: object) -> Result[A, ErrInfo] | None:
        """What an inline pull finished with, as :meth:`take` reports it (``EXHAUSTED`` becomes ``None``)."""
        if value is EXHAUSTED:
            self.exhausted = True
            return None
        return value  # type: ignore[return-value]  # the interpreter's items are Ok or Err

    async def aclose(self) -> None:
        """Cancel the outstanding pull, if any, and close the upstream run."""
        task, self.task = self.task, None
        if task is not None:
            await cancel_and_wait((task,))
        run, self.run = self.run, None
        if run is not None:
            await run.aclose()


class RacingCursor(Cursor):
    """The cursor of an operator that pulls one upstream itself through :class:`Pull` (see the module).

    A subclass defines ``_step`` (the synchronous step) and ``_take`` (what
    to do with an item of the upstream, ``None`` when it has no more), and
    sets ``finished`` when it has emitted everything.
    """

    __slots__ = ("finished", "inline", "puller", "waker")
    waker: Waker
    puller: Pull[Any]
    inline: bool
    finished: bool

    def start_racing(self, upstream: AsyncGen[Any]) -> None:
        """Set up the waker and the pull of ``upstream``; called when the cursor is made."""
        waker = self.waker = Waker()
        self.puller = Pull(upstream, waker)
        self.inline = False
        self.finished = False

    def await_pull(self) -> object:
        """Await the next pull directly (nothing else to race): returns the step that asks for it."""
        self.inline = True
        self.pending = self.puller.inline()
        return AWAIT_STEP

    def pull(self) -> Any:
        return self._step()

    def resume(self, value: Any) -> Any:
        if self.inline:
            self.inline = False
            self._take(self.puller.absorb(value))
        return self._step()

    def drained(self) -> bool:
        return self.finished

    def _step(self) -> Any:
        raise NotImplementedError

    def _take(self, item: Result[Any, ErrInfo] | None) -> None:
        raise NotImplementedError


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel every task of ``tasks`` still running and wait until all have finished.

    Exceptions of the tasks are collected (none is reported later as "never
    retrieved"); what matters is that none is left running. If the caller is
    cancelled while waiting, it keeps waiting for them and then re-raises
    the cancellation.
    """
    tasks = list(tasks)
    for t in tasks:
        t.cancel()
    pending = [t for t in tasks if not t.done()]
    cancelled: asyncio.CancelledError | None = None
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError as exc:
            cancelled = exc
            for t in pending:
                t.cancel()
        pending = [t for t in pending if not t.done()]
    for t in tasks:
        if not t.cancelled():
            t.exception()
    if cancelled is not None:
        raise cancelled


async def close_pulls(pulls: Iterable[Pull[Any]]) -> None:
    """Cancel the outstanding pulls of ``pulls`` together, then close every upstream run.

    Every run is closed even when closing one fails; the first failure is raised at the end.
    """
    pulls = list(pulls)
    tasks = [p.task for p in pulls if p.task is not None]
    for p in pulls:
        p.task = None  # so that a done-callback of a cancelled pull finds nothing to report
    first: BaseException | None = None
    try:
        await cancel_and_wait(tasks)
    finally:
        for p in pulls:
            try:
                await p.aclose()
            except BaseException as exc:  # keep closing the others; the first failure is raised
                if first is None:
                    first = exc
    if first is not None:
        raise first
