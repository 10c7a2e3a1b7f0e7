"""The plan nodes: what ``async_pure``, ``async_lift``, ``async_bind`` ... build.

A node is a small immutable record of one step. It is itself an
``AsyncPlan``: calling it starts a fresh run of the whole description it
heads (through the interpreter in :mod:`._interpreter`) and returns the
coroutine of that run.

The node classes have no ``__init__``: the constructor functions of
:mod:`.plan` fill the slots of a bare ``object.__new__`` instance (:data:`new`),
which skips one Python call per node. Building nodes is on the hot path: a
right-nested chain builds two nodes per bind while it runs, and every
``async_pure`` in a bind function is a node.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeAlias, TypeVar

from funcpipe_rag.result import ErrInfo, Result

A = TypeVar("A")
B = TypeVar("B")

AsyncPlan: TypeAlias = Callable[[], Awaitable[Result[A, ErrInfo]]]
"""A pure, replayable description of async work yielding ``Result[A, ErrInfo]``."""

new = object.__new__


class PlanNode(Generic[A]):
    """Base of the plan nodes.

    Calling a node starts a fresh run of the whole description it heads and
    returns the coroutine of that run; the node itself never changes.
    """

    __slots__ = ()

    def __call__(self) -> Coroutine[Any, Any, Result[A, ErrInfo]]:
        return interpret(self)

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


# The interpreter needs the node classes; the nodes need it only when called.
from funcpipe_rag.domain.effects.async_._interpreter import interpret  # noqa: E402
