"""Exercise 1 — build the AsyncPlan primitives yourself.

What to do
----------
An ``AsyncPlan[A]`` is a zero-argument callable that returns a *fresh*
awaitable of ``Result[A, ErrInfo]`` every time it is called. Write the four
primitives below in the closure style (an inner ``async def`` returned as the
plan); do not import them from ``funcpipe_rag``.

The contract
------------
* ``async_pure(x)`` — a plan that does nothing and finishes with ``Ok(x)``.
* ``async_bind(plan, f)`` — run ``plan``; on ``Ok(v)`` run the plan ``f(v)``
  and finish with its result; on ``Err(e)`` finish with that same ``Err``
  *without calling f*.
* ``async_map(plan, f)`` — like bind, but ``f`` is a plain function: on
  ``Ok(v)`` finish with ``Ok(f(v))``; an ``Err`` passes through unchanged.
* ``async_lift(make_coro)`` — the plan that, each time it runs, calls
  ``make_coro()`` and awaits what it returns.

And, for all of them:

* description purity: *building* a plan calls nothing — not the plan you
  pass in, not ``f``, not ``make_coro``;
* replayability: running the same plan twice runs its steps twice and gives
  equal results (a coroutine object can be awaited only once, so never keep
  one between runs); one run runs each step once — the plan, ``f``, the
  lifted call;
* every value is a value: ``None``, ``0``, ``""``, ``[]`` and ``False`` flow
  through all four like any other (``Ok(None)`` is a success, not a failure);
* the monad laws: ``async_bind(async_pure(x), f)`` runs like ``f(x)``;
  ``async_bind(m, async_pure)`` runs like ``m``; and
  ``async_bind(async_bind(m, f), g)`` runs like
  ``async_bind(m, lambda x: async_bind(f(x), g))`` — for ``Ok`` and ``Err``.

Imports
-------
The standard library, and ``Result``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode`` and ``assert_never`` from ``funcpipe_rag`` — nothing else from the workbook: a
file that imports the library's own primitives (or anything under
``solutions/``) scores zero for this exercise.

Hints
-----
* Inside the inner ``async def`` you may ``await``; outside it you may not.
* ``match res: case Ok(value=v): ... case Err(): ...`` reads the result.
* Check yourself with ``funcpipe grade m08c01/ex01``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

from funcpipe_rag import Err, ErrInfo, Ok, Result

A = TypeVar("A")
B = TypeVar("B")

AsyncPlan: TypeAlias = Callable[[], Awaitable[Result[A, ErrInfo]]]


def async_pure(value: A) -> AsyncPlan[A]:
    """The plan that succeeds with ``value`` and does nothing else."""
    # BEGIN SOLUTION: return a plan whose every run finishes with Ok(value)
    async def run() -> Result[A, ErrInfo]:
        return Ok(value)

    return run
    # END SOLUTION


def async_bind(plan: AsyncPlan[A], f: Callable[[A], AsyncPlan[B]]) -> AsyncPlan[B]:
    """Run ``plan``; on ``Ok(v)`` continue with ``f(v)``; an ``Err`` skips ``f``."""
    # BEGIN SOLUTION: return a plan that runs plan, then f(value) on Ok, and stops on Err
    async def run() -> Result[B, ErrInfo]:
        res = await plan()
        match res:
            case Ok(value=v):
                return await f(v)()
            case Err():
                return res
        raise TypeError(f"a plan finished with {res!r}, not Ok or Err")

    return run
    # END SOLUTION


def async_map(plan: AsyncPlan[A], f: Callable[[A], B]) -> AsyncPlan[B]:
    """Transform the success value of ``plan`` with the plain function ``f``."""
    # BEGIN SOLUTION: return a plan that finishes with Ok(f(value)), or the Err of plan
    async def run() -> Result[B, ErrInfo]:
        res = await plan()
        match res:
            case Ok(value=v):
                return Ok(f(v))
            case Err():
                return res
        raise TypeError(f"a plan finished with {res!r}, not Ok or Err")

    return run
    # END SOLUTION


def async_lift(make_coro: Callable[[], Awaitable[Result[A, ErrInfo]]]) -> AsyncPlan[A]:
    """A plan that calls ``make_coro()`` afresh on every run and awaits it."""
    # BEGIN SOLUTION: return a plan that calls make_coro() on each run and awaits the result
    async def run() -> Result[A, ErrInfo]:
        return await make_coro()

    return run
    # END SOLUTION
