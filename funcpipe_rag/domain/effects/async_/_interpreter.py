"""The one home for running plans: the interpreter and the step protocol every combinator uses.

Any code in the library that runs a plan — the interpreter itself,
``async_gather``, and the streams, retries and rate limits of later cores —
goes through this module, so every plan is run the same way and every
misbehaving plan is reported with the same message. Two levels:

``interpret(plan)``
    Run any ``AsyncPlan`` (a node of this package or a foreign zero-argument
    callable, such as a learner's ``lambda: cap.method(...)``) to its checked
    ``Result``. It is the coroutine a plan node returns when called, and what
    a combinator awaits when it runs one plan: ``res = await interpret(p)``.

``begin(plan)`` / ``outcome(res, plan)``
    The same, without a coroutine of its own, for combinators that run many
    plans and want to pay nothing per plan beyond the plan's own work (a
    worker pool, a stream stage)::

        res = begin(plan)                      # known at once, or an awaitable
        if type(res) is not Ok and type(res) is not Err:
            res = outcome(await res, plan)     # checked: Ok(...) or Err(...)

    ``begin`` returns the ``Result`` of a plan whose outcome is already known
    (``async_pure``, ``async_from_result``), else the awaitable to await: the
    lifted call itself for ``async_lift``, the foreign callable's awaitable,
    or :func:`interpret`'s coroutine for a composite plan.

The contract both levels keep: exceptions raised by a step, or by a bind or
map function, propagate unchanged (they are bugs; cancellation included); a
plan that finishes with anything but ``Ok``/``Err`` raises ``TypeError`` with
one message (:func:`outcome`); a value that is not a plan where a plan is
expected raises ``TypeError`` saying so.
"""

from __future__ import annotations

from collections.abc import Awaitable
from itertools import islice
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._nodes import AsyncPlan, Bind, Chain, Done, Lift, Map, MapStep, Pure
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")

_COMPOSITE = (Bind, Chain, Map)


def not_a_plan(value: object) -> TypeError:
    """The error for a value found where a plan was expected."""
    return TypeError(
        f"expected an AsyncPlan (a zero-argument callable), got {type(value).__name__} "
        f"{value!r:.80}; did a bind function return a value instead of a plan?"
    )


def outcome(res: object, plan: object) -> Result[Any, ErrInfo]:
    """``res`` if it is ``Ok(...)`` or ``Err(...)``; otherwise the one ``TypeError`` for a bad outcome."""
    if isinstance(res, Ok | Err):
        return res
    raise TypeError(
        f"{plan!r:.80} finished with {type(res).__name__} {res!r:.80}; an AsyncPlan must finish "
        "with Ok(...) or Err(...)"
    )


def _returned_a_result(plan: object, res: object) -> TypeError:
    return TypeError(
        f"{plan!r:.80} returned {res!r:.80} instead of an awaitable; an AsyncPlan returns a fresh "
        "awaitable of a Result each time it is called (is it a synchronous IOPlan?)"
    )


def begin(plan: AsyncPlan[A]) -> Result[A, ErrInfo] | Awaitable[Any]:
    """Start one run of ``plan``: its ``Result`` if known without running anything, else an awaitable.

    Pass whatever the awaitable finishes with to :func:`outcome`.
    """
    # Typed Any on purpose: no typing.cast (a call, and a generic alias, per plan) on this hot path.
    node: Any = plan
    cls = type(node)
    if cls is Pure:
        return Ok(node.value)
    if cls is Done:
        result: Result[A, ErrInfo] = node.result
        return result
    if cls is Lift:
        started: Any = node.make()
    elif cls in _COMPOSITE:
        return interpret(node)
    elif callable(node):
        started = node()
    else:
        raise not_a_plan(node)
    if type(started) is Ok or type(started) is Err:
        raise _returned_a_result(node, started)
    awaitable: Awaitable[Any] = started
    return awaitable


async def interpret(plan: AsyncPlan[A]) -> Result[A, ErrInfo]:
    """Run ``plan`` to its checked result with an explicit stack of pending steps.

    ``frames`` holds what is left to do once the plan being run finishes: a
    ``Bind`` or ``Map`` node, or an iterator over a ``Chain``'s remaining
    steps. The Python stack never grows with the length of a chain, nested
    left or right.

    Successful values travel between steps unwrapped (``value``), so a chain of
    ``async_pure`` steps allocates no ``Ok`` until the end; only a result that
    comes from outside (a lift, a foreign callable, ``async_from_result``) is
    checked and unwrapped. Node types are compared with ``is`` on purpose: the
    loops run once per bind, and ``type(x) is C`` is their cheapest test.
    """
    frames: list[Any] = []
    push = frames.append
    pop = frames.pop
    node: Any = plan
    while True:
        # Descend: record what each bind, map or chain leaves to do, until a leaf is reached.
        cls = type(node)
        while True:
            if cls is Bind:
                inner = node.plan
                if type(inner) is Pure:
                    # Right-nested chains: the inner value is known, no frame needed.
                    node = node.f(inner.value)
                else:
                    push(node)
                    node = inner
            elif cls is Chain:
                push(islice(node.ops, node.n))
                node = node.source
            elif cls is Map:
                push(node)
                node = node.plan
            else:
                break
            cls = type(node)

        # The leaf: a known value, or a result to await and check.
        if cls is Pure:
            value = node.value
        else:
            res: Any = begin(node)
            if type(res) is not Ok and type(res) is not Err:
                res = outcome(await res, node)
            if type(res) is not Ok and isinstance(res, Err):
                return res  # every pending frame is a bind or a map: an Err skips them all
            if not frames:
                done: Result[A, ErrInfo] = res
                return done
            value = res.value

        # Unwind: feed the value to pending steps until one gives a plan that must run.
        while frames:
            frame = pop()
            cls = type(frame)
            if cls is islice:
                for op in frame:
                    if type(op) is MapStep:
                        value = op.f(value)
                        continue
                    node = op(value)
                    if type(node) is not Pure:
                        push(frame)  # the rest of this chain, after node has run
                        break
                    value = node.value
                else:
                    continue
                break
            if cls is Map:
                value = frame.f(value)
                continue
            node = frame.f(value)
            if type(node) is not Pure:
                break
            value = node.value
        else:
            return Ok(value)
