"""The stream interpreter: one loop that runs every stream node, in constant Python stack.

:class:`StreamRun` is what calling a stream returns: an async iterator whose
``__anext__`` moves items through the pipeline's cursors with a loop instead
of nested ``async for``s, and whose ``aclose`` closes every cursor still open.
The protocol the cursors follow is documented in :mod:`.stream`.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Generic, TypeVar

from funcpipe_rag.domain.effects.async_._stream_nodes import (
    AWAIT,
    DONE,
    EMIT_ASK,
    EXHAUSTED,
    SPAWN,
    WANT,
    AsyncGen,
    Cursor,
    StreamNode,
    checked,
    foreign,
)
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")

_NEW, _OPEN, _CLOSED = 0, 1, 2


def _not_a_stream(node: object) -> TypeError:
    return TypeError(
        f"expected an AsyncGen (a zero-argument callable returning an async iterator), got "
        f"{type(node).__name__} {node!r:.80}; did an and_then function return a value or a plan "
        "instead of a stream?"
    )


def _bad_step(cursor: Cursor, step: object) -> TypeError:
    return TypeError(f"{type(cursor).__name__} returned {step!r:.80}, not a step of the stream protocol")


def open_pipeline(node: AsyncGen[Any]) -> tuple[Cursor, Cursor]:
    """Fresh cursors for ``node`` and everything it reads from, linked; ``(top, bottom)``.

    Walks ``source`` links with a loop, so a stack of ten thousand operators
    opens without recursion. Nothing is started.
    """
    top: Cursor | None = None
    above: Cursor | None = None
    n: Any = node
    while True:
        if isinstance(n, StreamNode):
            c = n.cursor()
            nxt = n.source
        elif callable(n):
            c = foreign(n)
            nxt = None
        else:
            raise _not_a_stream(n)
        c.parent = above
        c.child = c.inner = c.saved = c.pending = None
        if above is None:
            top = c
        else:
            above.child = c
        above = c
        if nxt is None:
            assert top is not None
            return top, c
        n = nxt


def is_drained(cursor: Cursor | None) -> bool:
    """Whether ``cursor`` and everything below it are known to have no more items (no awaiting).

    Unknown counts as "maybe more": a cursor running an inner stream, or a
    source that does not say, is not drained.
    """
    while cursor is not None:
        if cursor.inner is not None:
            return False
        known = cursor.drained()
        if known is not None:
            return known
        if cursor.child is None:
            return False
        cursor = cursor.child
    return True


class StreamRun(AsyncIterator[Result[A, ErrInfo]], Generic[A]):
    """One run of a stream: an async iterator of its ``Ok``/``Err`` items.

    Nothing happens until the first ``__anext__``. Close it when you stop
    early — ``async with contextlib.aclosing(stream()) as items`` or the
    shell's ``stream_items`` / ``collect_stream`` — and every operator
    releases what it holds at once: ``aclose`` closes each cursor after
    everything it reads from, awaiting each release. A run that ends (all
    items delivered) or fails (an exception from a step) closes itself
    before ``StopAsyncIteration`` or the exception reaches you.

    One consumer at a time: pulling or closing a run while another pull is
    in progress raises ``RuntimeError``, as an async generator does.
    """

    __slots__ = ("_askers", "_bottom", "_busy", "_loop", "_node", "_state", "_top")

    def __init__(self, node: AsyncGen[A]) -> None:
        self._node = node
        self._state = _NEW
        self._top: Cursor | None = None
        self._bottom: Any = None
        self._askers: list[Cursor] = []
        self._busy = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        state = ("not started", "running", "closed")[self._state]
        return f"<StreamRun of {self._node!r:.60} ({state})>"

    def __aiter__(self) -> StreamRun[A]:
        return self

    def _open(self) -> None:
        if self._state == _CLOSED:
            raise StopAsyncIteration
        self._state = _CLOSED  # stays closed if opening fails
        self._top, self._bottom = open_pipeline(self._node)
        self._loop = asyncio.get_running_loop()
        self._state = _OPEN

    def __del__(self) -> None:
        # A run dropped while open (a consumer that broke out of `async for` without closing) is
        # closed later, on its loop, as asyncio closes an abandoned async generator: a safety
        # net, not a guarantee. Close runs yourself (stream_items, aclosing) to release at once.
        if self._state != _OPEN or self._loop is None or self._busy:
            return
        warnings.warn(
            f"{self!r} was dropped while open; what it holds is released only now, on a later turn "
            "of the event loop. Close streams you stop early: `async with stream_items(s) as items`.",
            ResourceWarning,
            stacklevel=2,
        )
        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing can run the release
            self._loop.call_soon_threadsafe(_close_dropped, self)

    def __anext__(self) -> Awaitable[Result[A, ErrInfo]]:
        return self._pull(None, 1)

    def known_drained(self) -> bool:
        """Whether the run is known to have no more items without awaiting anything.

        ``True`` once it has ended or been closed, or when every operator
        reports it has nothing left (the last item of a list was delivered);
        ``False`` when more may come, and always before the first pull. A
        rate limiter asks this so as not to spend a token on a pull that
        would only find the end.
        """
        if self._state == _CLOSED:
            return True
        return self._state == _OPEN and not self._askers and is_drained(self._top)

    async def collect(self, limit: int | None = None) -> list[Result[A, ErrInfo]]:
        """The next ``limit`` items (all that are left when ``None``), pulled in one go.

        The same as that many ``__anext__`` calls, without a coroutine per
        item; what ``collect_stream`` uses. The run is not closed when the
        limit is reached: close it (``aclose``) if you stop there.
        """
        sink: list[Result[A, ErrInfo]] = []
        if limit is None or limit > 0:
            await self._pull(sink, -1 if limit is None else limit)
        return sink

    async def _pull(self, sink: list[Any] | None, limit: int) -> Any:
        """Move items to the consumer: return the next one (``sink`` is ``None``), or append ``limit``
        of them (all of them for ``-1``) to ``sink`` and return ``None``.

        ``bottom`` (the current producer) and ``askers`` (cursors to ask before
        it, newest last) are kept in locals while the loop runs; ``askers`` is
        one list for the whole run, saved and refilled in place around spawns.
        """
        if self._state != _OPEN:
            if self._state == _CLOSED:
                if sink is None:
                    raise StopAsyncIteration
                return None
            self._open()
        if self._busy:
            raise RuntimeError("this stream run is already being pulled; one consumer at a time")
        self._busy = True
        askers = self._askers
        bottom = self._bottom
        cur: Any = askers.pop() if askers else bottom
        try:
            r = cur.pull()
            while True:
                cls = type(r)
                if cls is Ok or cls is Err:
                    up = cur.parent
                    if up is not None:
                        cur = up
                        r = up.push(r)
                        continue
                    if sink is None:
                        self._bottom = bottom
                        self._busy = False
                        return r
                    sink.append(r)
                    limit -= 1
                    if limit == 0:
                        self._bottom = bottom
                        self._busy = False
                        return None
                    cur = askers.pop() if askers else bottom
                    r = cur.pull()
                elif r is AWAIT:
                    try:
                        value = await cur.pending
                    except StopAsyncIteration:
                        value = EXHAUSTED
                    cls = type(value)
                    # A cursor whose resume passes results on unchanged is not called for them.
                    r = value if (cls is Ok or cls is Err) and cur.RESUME_PASSES else cur.resume(value)
                elif r is EMIT_ASK:
                    askers.append(cur)
                    r = cur.pending
                    cur.pending = None
                    if type(r) is not Ok and type(r) is not Err:
                        r = checked(r, type(cur).__name__)
                elif r is WANT:
                    cur = askers.pop() if askers else bottom
                    r = cur.pull()
                elif r is SPAWN:
                    node = cur.pending
                    cur.pending = None
                    if isinstance(node, StreamNode) and node.source is None:
                        top = new_bottom = node.cursor()  # one source, the usual inner stream: open it here
                        top.child = top.inner = top.saved = top.pending = None
                    else:
                        top, new_bottom = open_pipeline(node)
                    # A tail spawn needs a drained upstream: ask its producer (the bottom) first, cheaply.
                    if cur.TAIL and not askers and bottom.drained() and is_drained(cur.child):
                        await self._replace(cur, top)
                    else:
                        top.parent = cur
                        cur.inner = top
                        if askers:
                            cur.saved = (bottom, askers[:])
                            askers.clear()
                        else:
                            cur.saved = bottom
                    bottom = cur = new_bottom
                    r = cur.pull()
                elif r is DONE:
                    up = cur.parent
                    if up is None:
                        break
                    if cur.child is None and cur.inner is None:
                        if cur.CLOSES:  # the usual case, a finished source: no traversal
                            closing = cur.close(None)
                            if closing is not None:
                                await closing
                    else:
                        await self._close_tree(cur, None)
                    if up.inner is cur:
                        up.inner = None
                        saved = up.saved
                        up.saved = None
                        if type(saved) is tuple:
                            bottom, outer_askers = saved
                            askers[:] = outer_askers
                        else:
                            bottom = saved
                        cur = up
                        r = up.inner_done()
                    else:
                        up.child = None
                        bottom = cur = up
                        r = up.end()
                else:
                    raise _bad_step(cur, r)
        except BaseException as exc:
            self._busy = False
            await self._shutdown(exc)
            if isinstance(exc, StopAsyncIteration):
                # Raised by a step, it would end the consumer's loop silently, as if the stream were over.
                raise RuntimeError(f"a step of the stream raised StopAsyncIteration: {exc!r}") from exc
            raise
        self._busy = False
        await self._shutdown(None)
        if sink is None:
            raise StopAsyncIteration
        return None

    async def _replace(self, cur: Cursor, top: Cursor) -> None:
        """A tail spawn: put the inner stream headed by ``top`` in the place of ``cur``.

        ``cur`` (an ``and_then`` whose upstream is drained) would only pass the
        inner stream's items on and then end, so it and its upstream are
        closed now instead of being kept: this is why a recursively defined
        stream runs in constant space.
        """
        drained = cur.child
        cur.child = None
        if drained is not None:
            await self._close_tree(drained, None)
        up = cur.parent
        top.parent = up
        if up is None:
            self._top = top
        elif up.inner is cur:
            up.inner = top
        else:
            up.child = top
        await self._close_tree(cur, None)

    async def _close_tree(self, root: Cursor, exc: BaseException | None) -> None:
        """Close ``root`` and every cursor it reads from, each after its own sources.

        Every cursor is closed even when one release fails; the first
        failure is raised at the end (with a note when the run is already
        failing with ``exc``).
        """
        closed: list[Cursor] = []
        first_error: BaseException | None = None
        stack: list[tuple[Cursor, bool]] = [(root, False)]
        while stack:
            c, expanded = stack.pop()
            if not expanded:
                stack.append((c, True))
                if c.child is not None:
                    stack.append((c.child, False))
                if c.inner is not None:
                    stack.append((c.inner, False))  # the newer inner stream closes first
                continue
            c.child = c.inner = c.saved = c.pending = None
            closed.append(c)
            try:
                closing = c.close(exc)
                if closing is not None:
                    await closing
            except BaseException as error:  # keep closing the rest; report the first failure
                if first_error is None:
                    first_error = error
        if self._askers:
            gone = set(map(id, closed))
            self._askers[:] = [a for a in self._askers if id(a) not in gone]
        if first_error is not None:
            if exc is not None and first_error is not exc:
                exc.add_note(f"while closing the stream, {first_error!r} was raised too")
                return
            raise first_error

    async def _shutdown(self, exc: BaseException | None) -> None:
        top = self._top
        self._state = _CLOSED
        self._loop = None
        self._top = self._bottom = None
        self._askers = []
        if top is not None:
            await self._close_tree(top, exc)

    async def aclose(self) -> None:
        """Stop the run and release everything it holds; closing twice does nothing."""
        if self._busy:
            raise RuntimeError("aclose(): this stream run is being pulled; close it from its consumer")
        if self._state == _OPEN:
            await self._shutdown(None)
        self._state = _CLOSED


_CLOSING: set[asyncio.Future[None]] = set()  # the loop keeps tasks only weakly: these until they finish


def _close_dropped(run: StreamRun[Any]) -> None:
    """Close a run that was dropped while open (see ``StreamRun.__del__``), as a task of its loop."""
    task = asyncio.ensure_future(run.aclose())  # isolation: allowed (releasing a dropped run)
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)
