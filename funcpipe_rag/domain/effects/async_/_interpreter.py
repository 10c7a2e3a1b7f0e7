"""The interpreter: one loop that runs every plan node, in constant Python stack.

:func:`interpret` walks a plan with an explicit stack of pending
continuations instead of nested ``await``s, which is why a chain of a million
``async_bind`` calls, left- or right-nested, runs where the textbook
nested-closure encoding fails near a thousand binds.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from funcpipe_rag.domain.effects.async_._nodes import AsyncPlan, Bind, Done, Lift, Map, Pure
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")


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


async def interpret(plan: AsyncPlan[A]) -> Result[A, ErrInfo]:
    """Run ``plan`` to its result with an explicit continuation stack.

    ``frames`` holds the pending ``Bind``/``Map`` nodes whose inner plan is
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
            if cls is Bind:
                inner = node.plan
                if type(inner) is Pure:
                    # Right-nested chains: the inner value is known, no frame needed.
                    node = node.f(inner.value)
                else:
                    push(node)
                    node = inner
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
            if cls is Done:
                res = node.result
            elif cls is Lift:
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
            if type(frame) is Map:
                value = frame.f(value)
                continue
            node = frame.f(value)
            if type(node) is not Pure:
                break
            value = node.value
        else:
            return Ok(value)
