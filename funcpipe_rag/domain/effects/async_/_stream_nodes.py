"""Stream nodes and their cursors: what ``async_gen_map``, ``async_gen_and_then`` ... build and run.

A *node* (:class:`StreamNode`) is an immutable record of one operator of a
stream description; ``node.source`` is the stream it reads from (``None`` for
a source). A *cursor* (:class:`Cursor`) is the running state of one node in
one run: the interpreter (:mod:`._stream_interpreter`) makes a fresh cursor
per node per run, links the cursors of a pipeline by ``parent`` (towards the
consumer) and ``child`` (towards the source), and drives them by calling
their methods and reading the *step* each returns. The protocol is
documented in :mod:`.stream`; this module holds its pieces and the cursors of
the Core 2 operators.

Like the plan nodes, stream nodes are filled in through ``object.__new__``
(:data:`new`) without an ``__init__``: ``async_gen_and_then`` builds a node
per item, so construction is on the hot path.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar

from funcpipe_rag.domain.effects.async_._interpreter import begin, outcome
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

if TYPE_CHECKING:
    from funcpipe_rag.domain.effects.async_._stream_interpreter import StreamRun

A = TypeVar("A")

AsyncGen: TypeAlias = Callable[[], AsyncIterator[Result[A, ErrInfo]]]
"""A pure, replayable description of a stream: each call returns a fresh async iterator of results."""

new = object.__new__
_SNAKE = re.compile(r"(?<=[a-z])(?=[A-Z])")  # MapAction -> Map_Action, for a readable repr

# ``Ok`` is a frozen dataclass, so ``Ok(v)`` runs a Python-level ``__init__``. The items the
# interpreter makes itself on its hot paths are built from the slot instead, ``ok = new(Ok);
# set_ok(ok, v)``: two C calls, a sizeable part of the per-item cost of a map. The result is an
# ordinary ``Ok`` (equal, same type, same hash; tests/unit/test_streams.py checks). It is valid only
# while ``Ok`` has no ``__post_init__`` to run, which is checked here, at import.
set_ok = Ok.__dict__["value"].__set__
if hasattr(Ok, "__post_init__"):  # pragma: no cover - a guard for whoever changes Ok
    raise ImportError("Ok gained a __post_init__: build stream items with Ok(...) in _stream_nodes")


class Step:
    """What a cursor asks the interpreter to do next (besides emitting an ``Ok``/``Err`` item)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


WANT = Step("WANT")
"""The cursor consumed what it was given and wants the next item of its child."""
DONE = Step("DONE")
"""The cursor has no more items; the interpreter closes it and everything it reads from."""
AWAIT = Step("AWAIT")
"""Await ``cursor.pending``, then call ``cursor.resume(value)``."""
SPAWN = Step("SPAWN")
"""Run the stream ``cursor.pending`` as the cursor's inner stream; its items flow through ``cursor.push``."""
EMIT_ASK = Step("EMIT_ASK")
"""Emit the item ``cursor.pending``, and ask this cursor (``pull``) before its child next time."""

EXHAUSTED = Step("EXHAUSTED")
"""Given to ``resume`` when the awaited step raised ``StopAsyncIteration`` (a foreign iterator ended)."""


def checked(value: object, where: object) -> Result[Any, ErrInfo]:
    """``value`` if it is an ``Ok`` or ``Err``; an exact ``Ok``/``Err`` for a subclass; else ``TypeError``."""
    cls = type(value)
    if cls is Ok or cls is Err:
        return value  # type: ignore[return-value]
    if isinstance(value, Ok):
        return Ok(value.value)
    if isinstance(value, Err):
        return Err(value.error)
    raise TypeError(
        f"{where} produced {cls.__name__} {value!r:.80}; every item of a stream (and every "
        "result of a plan) must be Ok(...) or Err(...)"
    )


def need_stream(gen: object, where: str) -> None:
    """``TypeError`` unless ``gen`` can be a stream (a callable); ``where`` names the combinator."""
    if not callable(gen):
        raise TypeError(
            f"{where} expects an AsyncGen (a zero-argument callable returning an async iterator), got "
            f"{type(gen).__name__}; pass the stream itself, not stream()"
        )


def need_function(f: object, where: str) -> None:
    """``TypeError`` unless ``f`` is callable; ``where`` names the combinator."""
    if not callable(f):
        raise TypeError(f"{where} expects a function as its second argument, got {type(f).__name__}")


P = TypeVar("P")


def need_policy(policy: P | None, cls: type[P], where: str, example: str) -> P:
    """``policy``, or ``cls()`` when ``None``; ``TypeError`` naming ``where`` and an ``example`` otherwise."""
    if policy is None:
        return cls()
    if not isinstance(policy, cls):
        raise TypeError(f"{where} expects a {cls.__name__}, got {type(policy).__name__}; e.g. {example}")
    return policy


class Cursor:
    """The running state of one stream node in one run.

    The interpreter sets ``parent``, ``child``, ``inner``, ``saved`` and
    ``pending`` when it opens the cursor, and owns them afterwards except
    ``pending``, which a cursor fills before returning ``AWAIT``, ``SPAWN``
    or ``EMIT_ASK``. Each method returns a *step*: an ``Ok``/``Err`` item
    (emitted to the parent), or one of :data:`WANT`, :data:`DONE`,
    :data:`AWAIT`, :data:`SPAWN`, :data:`EMIT_ASK`.
    """

    __slots__ = ("child", "inner", "parent", "pending", "saved")
    parent: Cursor | None
    child: Cursor | None
    inner: Cursor | None
    saved: Any
    pending: Any

    TAIL: ClassVar[bool] = False
    """True when a spawn may *replace* this cursor once its upstream is drained (``and_then``)."""

    RESUME_PASSES: ClassVar[bool] = False
    """True when :meth:`resume` returns an ``Ok``/``Err`` value unchanged: the interpreter skips the call."""

    CLOSES: ClassVar[bool] = False
    """Whether :meth:`close` does anything (set for each subclass): the interpreter skips the call if not."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.CLOSES = cls.close is not Cursor.close

    def pull(self) -> Any:
        """Asked for an item: sources always, stages after ``EMIT_ASK``."""
        raise TypeError(f"{type(self).__name__} was asked for an item but produces none by itself")

    def push(self, item: Result[Any, ErrInfo]) -> Any:
        """The child (or the inner stream) produced ``item``; pass it on by default."""
        return item

    def end(self) -> Any:
        """The child has no more items."""
        return DONE

    def inner_done(self) -> Any:
        """The inner stream started by ``SPAWN`` has no more items; carry on with the child."""
        return WANT

    def resume(self, value: Any) -> Any:
        """The awaitable in ``pending`` finished with ``value`` (``pending`` is not cleared)."""
        raise TypeError(f"{type(self).__name__} did not ask to await anything")

    def drained(self) -> bool | None:
        """Known to have no more items (``True``), maybe more (``False``), or as its child (``None``).

        A source that returns ``None`` counts as "maybe more".
        """
        return None

    def close(self, exc: BaseException | None) -> Awaitable[None] | None:
        """Release what this cursor holds; ``exc`` is the exception ending the run, if any.

        Called exactly once, after everything the cursor reads from is closed.
        """
        return None


class StreamNode(Generic[A]):
    """Base of the stream nodes. Calling a node starts a fresh run of the stream it heads.

    ``source`` is the stream this node reads from, run by the same
    interpreter (``None`` for a source). :meth:`cursor` makes the running
    state of the node for one run; it must not start anything.
    """

    __slots__ = ()
    source: AsyncGen[Any] | None = None

    def cursor(self) -> Cursor:
        raise NotImplementedError

    def __call__(self) -> StreamRun[A]:
        return _stream_interpreter.StreamRun(self)

    def __repr__(self) -> str:
        # Never recurse into the source: a stream may be ten thousand operators deep.
        name = _SNAKE.sub("_", type(self).__name__.lstrip("_")).lower()
        return f"<AsyncGen {name}>"


class Where(str):
    """A description of where a plan came from, printed as it is in an error message."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


# ---- sources -------------------------------------------------------------------------


class Return(StreamNode[A]):
    """One ``Ok(value)`` item (``async_gen_return``)."""

    __slots__ = ("item",)
    item: Ok[A]

    def cursor(self) -> Cursor:
        c: _ReturnCursor = new(_ReturnCursor)
        c.item = self.item
        return c


class _ReturnCursor(Cursor):
    __slots__ = ("item",)
    item: Any

    def pull(self) -> Any:
        item = self.item
        if item is None:
            return DONE
        self.item = None
        return item

    def drained(self) -> bool:
        return self.item is None


class FromList(StreamNode[A]):
    """``Ok`` of each value, in order (``async_gen_from_list``)."""

    __slots__ = ("values",)
    values: tuple[A, ...]

    def cursor(self) -> Cursor:
        c: _FromListCursor = new(_FromListCursor)
        c.values = self.values
        c.index = 0
        return c


class _FromListCursor(Cursor):
    __slots__ = ("index", "values")
    values: tuple[Any, ...]
    index: int

    def pull(self) -> Any:
        i = self.index
        values = self.values
        if i < len(values):
            self.index = i + 1
            ok = new(Ok)
            set_ok(ok, values[i])
            return ok
        return DONE

    def drained(self) -> bool:
        return self.index >= len(self.values)


class FromIter(StreamNode[A]):
    """``Ok`` of each value of a fresh iterable per run (``async_gen_from_iter``)."""

    __slots__ = ("make",)
    make: Callable[[], Iterable[A]]

    def cursor(self) -> Cursor:
        c: _FromIterCursor = new(_FromIterCursor)
        c.make = self.make
        c.it = None
        c.finished = False
        return c


class _FromIterCursor(Cursor):
    __slots__ = ("finished", "it", "make")
    make: Callable[[], Iterable[Any]]
    it: Iterator[Any] | None
    finished: bool

    def pull(self) -> Any:
        it = self.it
        if it is None:
            it = self.it = iter(self.make())
        for value in it:  # one step of the iterator; a for loop is its cheapest next()
            ok = new(Ok)
            set_ok(ok, value)
            return ok
        self.finished = True
        return DONE

    def drained(self) -> bool:
        return self.finished

    def close(self, exc: BaseException | None) -> None:
        # A generator gets to run its `finally` now, not whenever it is collected.
        closer = getattr(self.it, "close", None)
        self.it = None
        if closer is not None:
            closer()


class Foreign(Cursor):
    """A stream no combinator built (``lambda: my_async_generator()``): an async iterator per run."""

    __slots__ = ("it", "make")
    make: Callable[[], Any]
    it: Any

    def pull(self) -> Any:
        it = self.it
        if it is None:
            it = self.make()
            if not hasattr(it, "__anext__"):
                close = getattr(it, "close", None)
                if close is not None:
                    close()  # a coroutine made by mistake: spare the "never awaited" warning
                raise TypeError(
                    f"a stream must be a zero-argument callable returning an async iterator; "
                    f"{self.make!r:.60} returned {type(it).__name__}"
                )
            self.it = it
        self.pending = it.__anext__()
        return AWAIT

    def resume(self, value: Any) -> Any:
        cls = type(value)
        if cls is Ok or cls is Err:
            return value
        if value is EXHAUSTED:
            return DONE
        return checked(value, f"the stream {self.make!r:.60}")

    def drained(self) -> bool:
        return False

    def close(self, exc: BaseException | None) -> Awaitable[None] | None:
        it, self.it = self.it, None
        aclose = getattr(it, "aclose", None)
        return aclose() if aclose is not None else None


def foreign(make: Callable[[], Any]) -> Cursor:
    c: Foreign = new(Foreign)
    c.make = make
    c.it = None
    return c


class LiftItem(StreamNode[A]):
    """One item: the ``Result`` of ``fn(x)``, awaited (``lift_async_item``)."""

    __slots__ = ("fn", "x")
    fn: Callable[[Any], Any]
    x: Any

    def cursor(self) -> Cursor:
        c: _LiftItemCursor = new(_LiftItemCursor)
        c.node = self
        c.state = 0
        return c


class _LiftItemCursor(Cursor):
    __slots__ = ("node", "state")
    node: LiftItem[Any]
    state: int  # 0 not started, 1 awaiting, 2 emitted

    def pull(self) -> Any:
        if self.state:
            return DONE
        self.state = 1
        step = lift_item_step(self, self.node)
        if step is not AWAIT:
            self.state = 2
        return step

    def resume(self, value: Any) -> Any:
        self.state = 2
        return outcome(value, _LIFT_ITEM_PLAN)

    def drained(self) -> bool:
        return self.state == 2


_LIFT_ITEM_PLAN = Where("what the function given to lift_async_item returned")


def lift_item_step(cursor: Cursor, node: LiftItem[Any]) -> Any:
    """Start ``node.fn(node.x)`` for ``cursor``: its result when known at once, else ``AWAIT`` it.

    ``fn`` returns an awaitable (the course's form) or a plan, which is run
    the way every plan is (``begin``, the interpreter's step protocol).
    """
    made = node.fn(node.x)
    if callable(made) and not hasattr(made, "__await__"):  # fn returned a plan: run it
        made = begin(made)
        cls = type(made)
        if cls is Ok or cls is Err:
            return made
    cursor.pending = made
    return AWAIT


class Using(StreamNode[A]):
    """The stream ``make_stream(resource)``, with the resource held for its lifetime (``async_gen_using``)."""

    __slots__ = ("acquire", "make_stream")
    acquire: Callable[[], AbstractAsyncContextManager[Any]]
    make_stream: Callable[[Any], AsyncGen[A]]

    def cursor(self) -> Cursor:
        c: _UsingCursor = new(_UsingCursor)
        c.node = self
        c.manager = None
        c.state = 0
        return c


class _UsingCursor(Cursor):
    __slots__ = ("manager", "node", "state")
    node: Using[Any]
    manager: AbstractAsyncContextManager[Any] | None
    state: int  # 0 new, 1 entering, 2 inside, 3 exiting, 4 finished

    def pull(self) -> Any:
        if self.state:
            return DONE
        self.state = 1
        manager = self.manager = self.node.acquire()
        self.pending = manager.__aenter__()
        return AWAIT

    def resume(self, value: Any) -> Any:
        if self.state == 1:
            self.state = 2  # entered: from here on, closing must release the resource
            self.pending = self.node.make_stream(value)
            return SPAWN
        self.state = 4
        return DONE

    def inner_done(self) -> Any:
        self.state = 3  # the release is under way: closing must not release a second time
        assert self.manager is not None
        self.pending = self.manager.__aexit__(None, None, None)
        return AWAIT

    def close(self, exc: BaseException | None) -> Awaitable[Any] | None:
        if self.state != 2 or self.manager is None:
            return None
        self.state = 4
        if exc is None:
            return self.manager.__aexit__(None, None, None)
        return self.manager.__aexit__(type(exc), exc, exc.__traceback__)


# ---- stages --------------------------------------------------------------------------


class Stage(StreamNode[A]):
    """A node that applies a function ``f`` to the items of ``source``; its cursor class is ``CURSOR``."""

    __slots__ = ("f", "source")
    f: Callable[[Any], Any]
    CURSOR: ClassVar[type[Cursor]]

    def cursor(self) -> Cursor:
        c = new(self.CURSOR)
        c.f = self.f  # type: ignore[attr-defined]  # every CURSOR of a Stage has an f slot
        return c


class Map(Stage[A]):
    """``Ok(f(v))`` for each ``Ok(v)`` of ``source``; ``Err`` items unchanged (``async_gen_map``)."""

    __slots__ = ()


class _MapCursor(Cursor):
    __slots__ = ("f",)
    f: Callable[[Any], Any]

    def push(self, item: Result[Any, ErrInfo]) -> Any:
        if type(item) is Ok:
            ok = new(Ok)
            set_ok(ok, self.f(item.value))
            return ok
        return item


class MapAction(Stage[A]):
    """The result of running the plan ``f(v)`` for each ``Ok(v)``, in order (``async_gen_map_action``)."""

    __slots__ = ()


_MAP_ACTION_PLAN = Where("a plan returned by the function given to async_gen_map_action")


class _MapActionCursor(Cursor):
    __slots__ = ("f",)
    f: Callable[[Any], Any]
    RESUME_PASSES = True

    def push(self, item: Result[Any, ErrInfo]) -> Any:
        if type(item) is not Ok:
            return item
        # The plan runs the way every plan does: its result at once, or an awaitable (for a lifted
        # call, the capability's own coroutine) that the interpreter awaits.
        started = begin(self.f(item.value))
        cls = type(started)
        if cls is Ok or cls is Err:
            return started
        self.pending = started
        return AWAIT

    def resume(self, value: Any) -> Any:
        return outcome(value, _MAP_ACTION_PLAN)


class AndThen(Stage[A]):
    """For each ``Ok(v)``, every item of the stream ``f(v)``; ``Err`` unchanged (``async_gen_and_then``)."""

    __slots__ = ()

    def cursor(self) -> Cursor:
        c: _AndThenCursor = new(_AndThenCursor)
        c.f = self.f
        c.values = None
        return c


class _AndThenCursor(Cursor):
    """Runs ``f(v)`` for each ``Ok(v)``.

    An inner stream that is a plain list or a single item (``from_list``,
    ``return``: the usual inner streams) is emitted by this cursor itself,
    from ``values``; any other is spawned and run by the interpreter.
    """

    __slots__ = ("f", "index", "values")
    f: Callable[[Any], Any]
    values: tuple[Any, ...] | None
    index: int
    TAIL = True
    RESUME_PASSES = True

    def push(self, item: Result[Any, ErrInfo]) -> Any:
        if self.inner is not None or type(item) is not Ok:
            return item  # an item of the inner stream, or an Err: passed on as it is
        inner = self.f(item.value)
        cls = type(inner)
        if cls is Return:
            return inner.item
        if cls is FromList:
            values = inner.values
            if not values:
                return WANT
            ok = new(Ok)
            set_ok(ok, values[0])
            if len(values) > 1:
                self.values = values
                self.index = 1
                self.pending = ok
                return EMIT_ASK
            return ok
        if cls is LiftItem:
            return lift_item_step(self, inner)  # one awaited call: no inner stream needed
        self.pending = inner
        return SPAWN

    def resume(self, value: Any) -> Any:
        return outcome(value, _LIFT_ITEM_PLAN)

    def pull(self) -> Any:
        # Asked after EMIT_ASK: the next value of the list being emitted.
        values = self.values
        assert values is not None
        i = self.index
        self.index = i + 1
        ok = new(Ok)
        set_ok(ok, values[i])
        if i + 1 < len(values):
            self.pending = ok
            return EMIT_ASK
        self.values = None
        return ok

    def drained(self) -> bool | None:
        return False if self.values is not None else None



Map.CURSOR = _MapCursor
MapAction.CURSOR = _MapActionCursor
AndThen.CURSOR = _AndThenCursor

# The nodes need the interpreter only when called; it needs them to open a pipeline.
from funcpipe_rag.domain.effects.async_ import _stream_interpreter  # noqa: E402
