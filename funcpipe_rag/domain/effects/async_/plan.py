"""``AsyncPlan``: async work as a pure, replayable description.

An ``AsyncPlan[A]`` is any zero-argument callable that returns a *fresh*
awaitable of ``Result[A, ErrInfo]`` each time it is called. Calling it is the
only way to start the work; building one does nothing.

The combinators here (``async_pure``, ``async_from_result``, ``async_lift``,
``async_bind``, ``async_map``) return plan *nodes*: small immutable objects
that record what to do. A node is itself an ``AsyncPlan`` (calling it returns
a new coroutine), and every node is run by one iterative interpreter,
:func:`~._interpreter.interpret`, which walks the nodes with an explicit stack of
continuations. That is why a chain of a million ``async_bind`` calls, built
left-nested (``p = async_bind(p, f)`` in a loop) or right-nested (a step that
binds to itself), runs in constant Python stack, where the textbook
nested-closure encoding fails with ``RecursionError`` near a thousand binds.

Any other zero-argument callable is accepted wherever a plan is expected —
including a learner's ``lambda: cap.method(...)`` — and is simply called and
awaited when the interpreter reaches it.

Laws, kept as data in :data:`LAWS` and checked by the property tests in
``tests/laws``, where ``==`` means "running both gives equal results":

* left identity:  ``async_bind(async_pure(x), f) == f(x)``
* right identity: ``async_bind(m, async_pure) == m``
* associativity:  ``async_bind(async_bind(m, f), g) ==
  async_bind(m, lambda x: async_bind(f(x), g))``
* ``async_map`` is ``async_bind`` then ``async_pure``, and keeps the functor laws.

Exceptions raised by a step, or by ``f``, are bugs: they propagate out of the
run unchanged. Expected failures are ``Err`` values, which skip every later
``async_bind``/``async_map`` step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._interpreter import interpret
from funcpipe_rag.domain.effects.async_._nodes import (
    AsyncPlan,
    Bind,
    Chain,
    Done,
    Lift,
    Map,
    MapStep,
    PlanNode,
    Pure,
)
from funcpipe_rag.domain.effects.laws import MAP_LAWS, MONAD_LAWS, Laws
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

__all__ = [
    "LAWS",
    "AsyncPlan",
    "PlanNode",
    "async_bind",
    "async_from_result",
    "async_lift",
    "async_map",
    "async_pure",
    "settle",
]

A = TypeVar("A")
B = TypeVar("B")


def async_pure(value: A) -> AsyncPlan[A]:
    """The plan that does nothing and succeeds with ``value``."""
    node: Pure[A] = Pure()
    node.value = value
    return node


def async_from_result(result: Result[A, ErrInfo]) -> AsyncPlan[A]:
    """The plan that does nothing and finishes with ``result`` (``Ok`` or ``Err``)."""
    if not isinstance(result, Ok | Err):
        raise TypeError(
            f"async_from_result expects Ok(...) or Err(...), got {type(result).__name__}; "
            "wrap a plain value with async_pure instead"
        )
    node: Done[A] = Done()
    node.result = result
    return node


def async_lift(make_coro: Callable[[], Awaitable[Result[A, ErrInfo]]]) -> AsyncPlan[A]:
    """Turn a zero-argument async capability call into a plan.

    ``make_coro`` must build a *new* awaitable on every call, so write
    ``async_lift(lambda: cap.method(arg))``. Passing a lambda that returns one
    coroutine created in advance (``coro = cap.method(arg); async_lift(lambda:
    coro)``) breaks replayability: the second run fails with
    ``RuntimeError: cannot reuse already awaited coroutine``.

    Exceptions raised by the awaitable propagate; return ``Err`` for expected
    failures.
    """
    if not callable(make_coro):
        raise TypeError(
            f"async_lift expects a zero-argument callable such as `lambda: cap.method(...)`, "
            f"got {type(make_coro).__name__}; a coroutine object can only be awaited once"
        )
    node: Lift[A] = Lift()
    node.make = make_coro
    return node


def async_bind(plan: AsyncPlan[A], f: Callable[[A], AsyncPlan[B]]) -> AsyncPlan[B]:
    """Sequence two dependent steps: run ``plan``, then the plan ``f(value)``.

    If ``plan`` finishes with ``Err``, ``f`` is never called and the ``Err`` is
    the result. Building the bind calls neither ``plan`` nor ``f``.
    """
    cls = type(plan)
    if cls is Chain:
        # extend(plan, f), written out: this is the loop of every left-nested chain.
        ops, n = plan.ops, plan.n  # type: ignore[attr-defined]
        ops.append(f)
        if len(ops) != n + 1:
            ops = ops[:n]
            ops.append(f)
        chain: Chain[B] = Chain()
        chain.source = plan.source  # type: ignore[attr-defined]
        chain.ops = ops
        chain.n = n + 1
        return chain
    if cls is Bind or cls is Map:
        return _chain(plan, f)
    node: Bind[B] = Bind()
    node.plan = plan
    node.f = f
    return node


def async_map(plan: AsyncPlan[A], f: Callable[[A], B]) -> AsyncPlan[B]:
    """Transform the success value of ``plan`` with the pure function ``f``.

    Equivalent to ``async_bind(plan, lambda x: async_pure(f(x)))``.
    """
    cls = type(plan)
    if cls is Chain or cls is Bind or cls is Map:
        step = MapStep()
        step.f = f
        return extend(plan, step) if cls is Chain else _chain(plan, step)  # type: ignore[arg-type]
    node: Map[B] = Map()
    node.plan = plan
    node.f = f
    return node


def _chain(first: Any, op: Any) -> Chain[Any]:
    """A chain of the ``Bind`` or ``Map`` node ``first`` followed by the step ``op``."""
    head: Any
    if type(first) is Bind:
        head = first.f
    else:
        head = MapStep()
        head.f = first.f
    node: Chain[Any] = Chain()
    node.source = first.plan
    node.ops = [head, op]
    node.n = 2
    return node


def extend(chain: Chain[A], op: Any) -> Chain[Any]:
    """The chain ``chain`` followed by the step ``op`` (a bind's function or a :class:`MapStep`).

    When ``chain`` is the last owner of its list, ``op`` is appended in place
    and the new node shares the list. The ownership test happens after the
    append (``len`` is then ``n + 1`` only for the first plan to extend this
    prefix), so two threads extending one chain at once cannot both claim
    the same slot; the loser copies the prefix it needs.
    """
    ops, n = chain.ops, chain.n
    ops.append(op)
    if len(ops) != n + 1:
        ops = ops[:n]
        ops.append(op)
    node: Chain[Any] = Chain()
    node.source = chain.source
    node.ops = ops
    node.n = n + 1
    return node


def settle(plan: AsyncPlan[A]) -> AsyncPlan[Result[A, ErrInfo]]:
    """The plan that runs ``plan`` and always succeeds, with ``plan``'s ``Result`` as its value.

    Use it to stop one failure from short-circuiting a gather or a bind
    chain: ``async_gather([settle(p) for p in plans])`` runs every plan and
    returns every outcome. Exceptions and cancellation still propagate.
    """

    async def run() -> Result[Result[A, ErrInfo], ErrInfo]:
        return Ok(await interpret(plan))  # awaiting inside a coroutine body describes; it does not drive

    return async_lift(run)


LAWS = Laws("AsyncPlan", async_pure, async_bind, async_map, MONAD_LAWS + MAP_LAWS)
"""The laws ``AsyncPlan`` keeps (see :mod:`funcpipe_rag.domain.effects.laws`)."""
