"""The textbook nested-closure encoding of ``AsyncPlan``, for comparison only.

Each ``bind`` wraps the previous plan in a new coroutine function, so running
a chain of ``n`` binds nests ``n`` coroutine frames (left-nested chains) or
``n`` awaits inside awaits (right-nested chains). It is short and obviously
correct, and it fails with ``RecursionError`` somewhere near a thousand binds,
which is why the library interprets plans as data instead
(:mod:`funcpipe_rag.domain.effects.async_.plan`). The two agree wherever this
one runs; ``tests/laws/test_closure_equivalence.py`` checks that with Hypothesis.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

from funcpipe_rag.result import Err, ErrInfo, Ok, Result, assert_never

A = TypeVar("A")
B = TypeVar("B")

ClosurePlan: TypeAlias = Callable[[], Awaitable[Result[A, ErrInfo]]]


def closure_pure(value: A) -> ClosurePlan[A]:
    async def run() -> Result[A, ErrInfo]:
        return Ok(value)

    return run


def closure_bind(plan: ClosurePlan[A], f: Callable[[A], ClosurePlan[B]]) -> ClosurePlan[B]:
    async def run() -> Result[B, ErrInfo]:
        res = await plan()
        match res:
            case Ok(value=v):
                return await f(v)()
            case Err(error=e):
                return Err(e)
        assert_never(res)

    return run


def closure_map(plan: ClosurePlan[A], f: Callable[[A], B]) -> ClosurePlan[B]:
    return closure_bind(plan, lambda x: closure_pure(f(x)))


def closure_lift(make: Callable[[], Awaitable[Result[A, ErrInfo]]]) -> ClosurePlan[A]:
    return make
