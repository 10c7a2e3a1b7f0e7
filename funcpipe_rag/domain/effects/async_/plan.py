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


class _Done(PlanNode[A]):
    """A plan whose result is already known (``async_pure``, ``async_from_result``)."""

    __slots__ = ("result",)

    def __init__(self, result: Result[A, ErrInfo]) -> None:
        self.result = result


class _Lift(PlanNode[A]):
    """A plan that awaits ``make()`` — one fresh awaitable per run."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Awaitable[Result[A, ErrInfo]]]) -> None:
        self.make = make


class _Bind(PlanNode[B]):
    """Run ``plan``; on ``Ok(v)`` continue with the plan ``f(v)``."""

    __slots__ = ("f", "plan")

    def __init__(self, plan: AsyncPlan[Any], f: Callable[[Any], AsyncPlan[B]]) -> None:
        self.plan = plan
        self.f = f


class _Map(PlanNode[B]):
    """Run ``plan``; on ``Ok(v)`` finish with ``Ok(f(v))``."""

    __slots__ = ("f", "plan")

    def __init__(self, plan: AsyncPlan[Any], f: Callable[[Any], B]) -> None:
        self.plan = plan
        self.f = f


def async_pure(value: A) -> AsyncPlan[A]:
    """The plan that does nothing and succeeds with ``value``."""
    return _Done(Ok(value))


def async_from_result(result: Result[A, ErrInfo]) -> AsyncPlan[A]:
    """The plan that does nothing and finishes with ``result`` (``Ok`` or ``Err``)."""
    if not isinstance(result, Ok | Err):
        raise TypeError(
            f"async_from_result expects Ok(...) or Err(...), got {type(result).__name__}; "
            "wrap a plain value with async_pure instead"
        )
    return _Done(result)


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
    return _Lift(make_coro)


def async_bind(plan: AsyncPlan[A], f: Callable[[A], AsyncPlan[B]]) -> AsyncPlan[B]:
    """Sequence two dependent steps: run ``plan``, then the plan ``f(value)``.

    If ``plan`` finishes with ``Err``, ``f`` is never called and the ``Err`` is
    the result. Building the bind calls neither ``plan`` nor ``f``.
    """
    return _Bind(plan, f)


def async_map(plan: AsyncPlan[A], f: Callable[[A], B]) -> AsyncPlan[B]:
    """Transform the success value of ``plan`` with the pure function ``f``.

    Equivalent to ``async_bind(plan, lambda x: async_pure(f(x)))``.
    """
    return _Map(plan, f)


def _bad_result(res: object, where: object) -> TypeError:
    return TypeError(
        f"{where!r} finished with {type(res).__name__} {res!r:.80}; an AsyncPlan must "
        "finish with Ok(...) or Err(...)"
    )


async def _interpret(plan: AsyncPlan[A]) -> Result[A, ErrInfo]:
    """Run ``plan`` to its result with an explicit continuation stack.

    ``frames`` holds the pending ``_Bind``/``_Map`` nodes whose inner plan is
    being run; the Python stack never grows with the length of the chain.
    """
    frames: list[PlanNode[Any]] = []
    node: Any = plan
    while True:
        cls = type(node)
        if cls is _Bind:
            inner = node.plan
            if type(inner) is _Done and type(inner.result) is Ok:
                # Fast path for right-nested chains: no frame needed.
                node = node.f(inner.result.value)
                continue
            frames.append(node)
            node = inner
            continue
        if cls is _Map:
            frames.append(node)
            node = node.plan
            continue
        if cls is _Done:
            res = node.result
        elif cls is _Lift:
            res = await node.make()
        elif callable(node):
            res = await node()
        else:
            raise TypeError(
                f"expected an AsyncPlan (a zero-argument callable), got {type(node).__name__} "
                f"{node!r:.80}; did a bind function return a value instead of a plan?"
            )

        # Unwind: feed the result to pending continuations until one yields a new plan.
        while True:
            if type(res) is not Ok:
                if isinstance(res, Err):
                    return res  # every pending frame is a bind/map: Err skips them all
                if not isinstance(res, Ok):
                    raise _bad_result(res, node)
            if not frames:
                return cast(Result[A, ErrInfo], res)
            frame = frames.pop()
            if type(frame) is _Map:
                res = Ok(frame.f(res.value))
                continue
            node = cast(_Bind[Any], frame).f(res.value)
            break
