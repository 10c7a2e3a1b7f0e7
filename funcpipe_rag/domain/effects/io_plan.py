"""``IOPlan``: the Module 7 recap — a synchronous effect as a description.

An ``IOPlan[A]`` is a zero-argument callable returning ``Result[A, ErrInfo]``.
Building one performs nothing; the shell runs it with
:func:`funcpipe_rag.perform`. ``AsyncPlan`` is the
same idea with ``await`` inside.

Laws (``==`` means "running both gives equal results"), kept as data in
:data:`LAWS` and checked by the law tests:

* ``io_bind(io_pure(x), f) == f(x)``
* ``io_bind(m, io_pure) == m``
* ``io_bind(io_bind(m, f), g) == io_bind(m, lambda x: io_bind(f(x), g))``
* ``io_map`` is ``io_bind`` then ``io_pure``, and keeps the functor laws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias, TypeVar

from funcpipe_rag.domain.effects.laws import MAP_LAWS, MONAD_LAWS, Laws
from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")
B = TypeVar("B")

IOPlan: TypeAlias = Callable[[], Result[A, ErrInfo]]


def io_pure(value: A) -> IOPlan[A]:
    """The plan that does nothing and succeeds with ``value``."""
    result: Result[A, ErrInfo] = Ok(value)
    return lambda: result


def io_from_result(result: Result[A, ErrInfo]) -> IOPlan[A]:
    """The plan that does nothing and finishes with ``result``."""
    return lambda: result


def io_delay(thunk: Callable[[], A], *, code: str = ErrorCode.UNEXPECTED) -> IOPlan[A]:
    """Describe calling ``thunk`` later; an ``Exception`` it raises becomes ``Err(code)``.

    ``code`` defaults to ``UNEXPECTED``; pass the taxonomy code that says what
    the wrapped call is (``ErrorCode.DB`` for a database call, say).

    This is the boundary where a side-effecting call enters the plan world,
    so, unlike the other combinators, it turns exceptions into values.
    """

    def run() -> Result[A, ErrInfo]:
        try:
            return Ok(thunk())
        except Exception as exc:
            return Err(ErrInfo.from_exception(exc, code=code))

    return run


def io_bind(plan: IOPlan[A], f: Callable[[A], IOPlan[B]]) -> IOPlan[B]:
    """Run ``plan``; on ``Ok(v)`` run ``f(v)``; an ``Err`` skips ``f``."""

    def run() -> Result[B, ErrInfo]:
        res = plan()
        if isinstance(res, Ok):
            return f(res.value)()
        return res

    return run


def io_map(plan: IOPlan[A], f: Callable[[A], B]) -> IOPlan[B]:
    """Transform the success value of ``plan`` with the pure function ``f``."""
    return io_bind(plan, lambda x: io_pure(f(x)))


LAWS = Laws("IOPlan", io_pure, io_bind, io_map, MONAD_LAWS + MAP_LAWS)
"""The laws ``IOPlan`` keeps (see :mod:`funcpipe_rag.domain.effects.laws`)."""
