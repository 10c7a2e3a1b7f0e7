"""``AsyncPlan``: async work as a pure, replayable description.

An ``AsyncPlan[A]`` is any zero-argument callable that returns a *fresh*
awaitable of ``Result[A, ErrInfo]`` each time it is called. Calling it is the
only way to start the work; building one does nothing.

The combinators here (``async_pure``, ``async_from_result``, ``async_lift``,
``async_bind``, ``async_map``) return plan *nodes*: small immutable objects
that record what to do. A node is itself an ``AsyncPlan`` (calling it returns
a new coroutine), and every node is run by one iterative interpreter,
:func:`_interpret`, which walks the nodes with an explicit stack of
continuations. That is why a chain of a million ``async_bind`` calls, built
left-nested (``p = async_bind(p, f)`` in a loop) or right-nested (a step that
binds to itself), runs in constant Python stack, where the textbook
nested-closure encoding fails with ``RecursionError`` near a thousand binds.

Any other zero-argument callable is accepted wherever a plan is expected —
including a learner's ``lambda: cap.method(...)`` — and is simply called and
awaited when the interpreter reaches it.

Laws (checked by the property tests in ``tests/laws``), where ``==`` means
"running both gives equal results":

* left identity:  ``async_bind(async_pure(x), f) == f(x)``
* right identity: ``async_bind(m, async_pure) == m``
* associativity:  ``async_bind(async_bind(m, f), g) ==
  async_bind(m, lambda x: async_bind(f(x), g))``

Exceptions raised by a step, or by ``f``, are bugs: they propagate out of the
run unchanged. Expected failures are ``Err`` values, which skip every later
``async_bind``/``async_map`` step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeAlias, TypeVar, cast

from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")
B = TypeVar("B")

AsyncPlan: TypeAlias = Callable[[], Awaitable[Result[A, ErrInfo]]]
"""A pure, replayable description of async work yielding ``Result[A, ErrInfo]``."""


class PlanNode(Generic[A]):
    """Base of the plan nodes built by this module.

    Calling a node starts a fresh run of the whole description it heads and
    returns the coroutine of that run; the node itself never changes.
    """

    __slots__ = ()

    def __call__(self) -> Coroutine[Any, Any, Result[A, ErrInfo]]:
        return _interpret(self)

    def __repr__(self) -> str:
        # Never recurse into children: a plan may be a million nodes deep.
        return f"<AsyncPlan {type(self).__name__.lstrip('_').lower()}>"


# The node classes have no ``__init__``: the constructor functions below fill the
# slots of a bare ``object.__new__`` instance, which skips one Python call per
# node. Building nodes is on the hot path: a right-nested chain builds two nodes
# per bind while it runs, and every ``async_pure`` in a bind function is a node.
_new = object.__new__


class _Pure(PlanNode[A]):
    """A plan that succeeds with ``value`` (``async_pure``).

    It keeps the bare value, not ``Ok(value)``: the interpreter passes it
    straight to the next step and builds an ``Ok`` only for the final result.
    """

    __slots__ = ("value",)
    value: A


class _Done(PlanNode[A]):
    """A plan whose result is already known (``async_from_result``)."""

    __slots__ = ("result",)
    result: Result[A, ErrInfo]


class _Lift(PlanNode[A]):
    """A plan that awaits ``make()`` — one fresh awaitable per run."""

    __slots__ = ("make",)
    make: Callable[[], Awaitable[Result[A, ErrInfo]]]


class _Bind(PlanNode[B]):
    """Run ``plan``; on ``Ok(v)`` continue with the plan ``f(v)``."""

    __slots__ = ("f", "plan")
    plan: AsyncPlan[Any]
    f: Callable[[Any], AsyncPlan[B]]


class _Map(PlanNode[B]):
    """Run ``plan``; on ``Ok(v)`` finish with ``Ok(f(v))``."""

    __slots__ = ("f", "plan")
    plan: AsyncPlan[Any]
    f: Callable[[Any], B]


def async_pure(value: A) -> AsyncPlan[A]:
    """The plan that does nothing and succeeds with ``value``."""
    node: _Pure[A] = _new(_Pure)
    node.value = value
    return node


def async_from_result(result: Result[A, ErrInfo]) -> AsyncPlan[A]:
    """The plan that does nothing and finishes with ``result`` (``Ok`` or ``Err``)."""
    if not isinstance(result, Ok | Err):
        raise TypeError(
            f"async_from_result expects Ok(...) or Err(...), got {type(result).__name__}; "
            "wrap a plain value with async_pure instead"
        )
    node: _Done[A] = _new(_Done)
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
    node: _Lift[A] = _new(_Lift)
    node.make = make_coro
    return node


def async_bind(plan: AsyncPlan[A], f: Callable[[A], AsyncPlan[B]]) -> AsyncPlan[B]:
    """Sequence two dependent steps: run ``plan``, then the plan ``f(value)``.

    If ``plan`` finishes with ``Err``, ``f`` is never called and the ``Err`` is
    the result. Building the bind calls neither ``plan`` nor ``f``.
    """
    node: _Bind[B] = _new(_Bind)
    node.plan = plan
    node.f = f
    return node


def async_map(plan: AsyncPlan[A], f: Callable[[A], B]) -> AsyncPlan[B]:
    """Transform the success value of ``plan`` with the pure function ``f``.

    Equivalent to ``async_bind(plan, lambda x: async_pure(f(x)))``.
    """
    node: _Map[B] = _new(_Map)
    node.plan = plan
    node.f = f
    return node


def _bad_result(res: object, where: object) -> TypeError:
    return TypeError(
        f"{where!r} finished with {type(res).__name__} {res!r:.80}; an AsyncPlan must "
        "finish with Ok(...) or Err(...)"
    )


def _not_a_plan(node: object) -> TypeError:
    return TypeError(
        f"expected an AsyncPlan (a zero-argument callable), got {type(node).__name__} "
        f"{node!r:.80}; did a bind function return a value instead of a plan?"
    )


async def _interpret(plan: AsyncPlan[A]) -> Result[A, ErrInfo]:
    """Run ``plan`` to its result with an explicit continuation stack.

    ``frames`` holds the pending ``_Bind``/``_Map`` nodes whose inner plan is
    being run; the Python stack never grows with the length of the chain.

    Successful values travel between steps unwrapped (``value``), so a chain of
    ``async_pure`` steps allocates no ``Ok`` until the end; only a result that
    comes from outside (a lift, a foreign callable, ``async_from_result``) is
    checked and unwrapped. The node types are compared with ``is`` on purpose:
    the loop runs once per bind and ``type(x) is C`` is its cheapest test.
    """
    frames: list[Any] = []
    push = frames.append
    pop = frames.pop
    node: Any = plan
    while True:
        # Descend: record each bind/map as a pending frame until a leaf is reached.
        cls = type(node)
        while True:
            if cls is _Bind:
                inner = node.plan
                if type(inner) is _Pure:
                    # Right-nested chains: the inner value is known, no frame needed.
                    node = node.f(inner.value)
                else:
                    push(node)
                    node = inner
            elif cls is _Map:
                push(node)
                node = node.plan
            else:
                break
            cls = type(node)

        # The leaf: a known value, or a result to await and check.
        if cls is _Pure:
            value = node.value
        else:
            if cls is _Done:
                res = node.result
            elif cls is _Lift:
                res = await node.make()
            elif callable(node):
                res = await node()
            else:
                raise _not_a_plan(node)
            if type(res) is not Ok:
                if isinstance(res, Err):
                    return res  # every pending frame is a bind/map: Err skips them all
                if not isinstance(res, Ok):
                    raise _bad_result(res, node)
            if not frames:
                return cast(Result[A, ErrInfo], res)
            value = res.value

        # Unwind: feed the value to pending frames until one yields a plan to run.
        while frames:
            frame = pop()
            if type(frame) is _Map:
                value = frame.f(value)
                continue
            node = frame.f(value)
            if type(node) is not _Pure:
                break
            value = node.value
        else:
            return Ok(value)
