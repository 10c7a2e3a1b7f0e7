"""The plan nodes: what ``async_pure``, ``async_lift``, ``async_bind`` ... build.

``Pure``, ``Done`` and ``Lift`` are leaves; ``Bind`` and ``Map`` wrap one
plan; ``Chain`` holds a flattened left-nested run of binds and maps.

A node is a small immutable record of one step. It is itself an
``AsyncPlan``: calling it starts a fresh run of the whole description it
heads (through the interpreter in :mod:`._interpreter`) and returns the
coroutine of that run.

The node classes have no ``__init__``: the constructor functions of
:mod:`.plan` call the class with no arguments and fill its slots. A class
without an ``__init__`` of its own is made entirely in C, which is the
cheapest way Python has to make an object (cheaper than a Python
``__init__``, and than ``object.__new__(cls)``, which goes through a generic
argument-parsing wrapper). Building nodes is on the hot path: a right-nested
chain builds two nodes per bind while it runs, and every ``async_pure`` in a
bind function is a node.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeAlias, TypeVar

from funcpipe_rag.result import ErrInfo, Result

A = TypeVar("A")
B = TypeVar("B")

AsyncPlan: TypeAlias = Callable[[], Awaitable[Result[A, ErrInfo]]]
"""A pure, replayable description of async work yielding ``Result[A, ErrInfo]``."""

class PlanNode(Generic[A]):
    """Base of the plan nodes.

    Calling a node starts a fresh run of the whole description it heads and
    returns the coroutine of that run; the node itself never changes.
    """

    __slots__ = ()

    def __call__(self) -> Coroutine[Any, Any, Result[A, ErrInfo]]:
        return _interpreter.interpret(self)

    def __repr__(self) -> str:
        # Never recurse into children: a plan may be a million nodes deep.
        return f"<AsyncPlan {type(self).__name__.lstrip('_').lower()}>"


class Pure(PlanNode[A]):
    """A plan that succeeds with ``value`` (``async_pure``).

    It keeps the bare value, not ``Ok(value)``: the interpreter passes it
    straight to the next step and builds an ``Ok`` only for the final result.
    """

    __slots__ = ("value",)
    value: A


class Done(PlanNode[A]):
    """A plan whose result is already known (``async_from_result``)."""

    __slots__ = ("result",)
    result: Result[A, ErrInfo]


class Lift(PlanNode[A]):
    """A plan that awaits ``make()`` — one fresh awaitable per run."""

    __slots__ = ("make",)
    make: Callable[[], Awaitable[Result[A, ErrInfo]]]


class Bind(PlanNode[B]):
    """Run ``plan``; on ``Ok(v)`` continue with the plan ``f(v)``."""

    __slots__ = ("f", "plan")
    plan: AsyncPlan[Any]
    f: Callable[[Any], AsyncPlan[B]]


class Map(PlanNode[B]):
    """Run ``plan``; on ``Ok(v)`` finish with ``Ok(f(v))``."""

    __slots__ = ("f", "plan")
    plan: AsyncPlan[Any]
    f: Callable[[Any], B]


class Chain(PlanNode[B]):
    """Run ``source``, then the steps ``ops[:n]`` in order: left-nested binds and maps, flattened.

    A bare callable in ``ops`` is a bind's ``f``; a :class:`MapStep` is a
    map's. Binding or mapping a chain whose ``n`` is the length of ``ops``
    appends to the same list (see :func:`.plan.extend`), so the loop
    ``p = async_bind(p, f)`` keeps one list and one live node however long the
    chain grows, instead of one node per bind that the garbage collector must
    scan again and again. A node only ever reads ``ops[:n]``, so plans stay
    immutable values: binding the same chain twice copies its prefix.
    """

    __slots__ = ("n", "ops", "source")
    source: AsyncPlan[Any]
    ops: list[Any]
    n: int

    def __repr__(self) -> str:
        return f"<AsyncPlan chain of {self.n:,} steps>"


class MapStep:
    """The function of an ``async_map`` inside a :class:`Chain`'s steps."""

    __slots__ = ("f",)
    f: Callable[[Any], Any]


# The interpreter needs the node classes; the nodes need it only when called. Importing the
# module (not the name) works whichever of the two is imported first.
from funcpipe_rag.domain.effects.async_ import _interpreter  # noqa: E402
