"""Exercise 1 — build the lifts yourself.

What to do
----------
The pure core is made of synchronous functions returning ``Result``. Write
the three lifts that carry such a function ``f`` into the async world,
unchanged: into a plan run on the event loop's thread, into a plan run in
an executor (a thread or process pool), and into a stream of the items of
a list. Do not import the library's lifts.

The contract
------------
* ``lift_sync(f)(*args, **kwargs)`` — a plan; each run calls
  ``f(*args, **kwargs)`` once, on the event loop's own thread, and finishes
  with the ``Result`` it returns.
* ``lift_sync_with_executor(f, executor)(*args, **kwargs)`` — a plan; each
  run has ``executor`` call ``f(*args, **kwargs)`` (``await
  loop.run_in_executor(executor, ...)``, so the loop stays free meanwhile)
  and finishes with the ``Result`` it returns.
* ``lift_sync_gen_with_executor(f, executor)(*args, **kwargs)`` — a stream;
  each run has ``executor`` call ``f(*args, **kwargs)`` once, when the first
  item is pulled. On ``Ok(items)`` it yields ``Ok(item)`` for every item, in
  order; on ``Err`` it yields that one ``Err``.
* an exception is an ``Err``: when ``f`` (or the executor) raises an
  ``Exception``, the plan finishes with — or the stream yields, as its last
  item — ``Err(ErrInfo(ErrorCode.UNEXPECTED, msg))`` where ``msg`` starts
  with the exception's type name (``"ValueError: bad input"``).
  ``asyncio.CancelledError`` is not an ``Exception``: cancelling a run
  cancels it, and no ``Err`` comes out.
* building calls nothing: lifting ``f`` and building a plan or stream from
  it calls ``f`` zero times; every run calls it again.

Imports
-------
The standard library, and ``Result``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode`` and ``assert_never`` from ``funcpipe_rag`` — nothing else from
the workbook: a file that imports the library's lifts (or anything under
``solutions/``) scores zero for this exercise.

Hints
-----
* Each lift returns a function ``lifted(*args, **kwargs)`` that returns the
  plan (an inner ``async def``) or the stream (an inner async generator).
* ``functools.partial(f, *args, **kwargs)`` is the call to hand the executor.
* ``ErrInfo.from_exception(exc, code=ErrorCode.UNEXPECTED)`` builds the
  message for you.
* Check yourself with ``funcpipe grade m08c07/ex01``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any, TypeAlias, TypeVar

from funcpipe_rag import Err, ErrInfo, ErrorCode, Ok, Result

T = TypeVar("T")

AsyncPlan: TypeAlias = Callable[[], Awaitable[Result[T, ErrInfo]]]
AsyncGen: TypeAlias = Callable[[], AsyncIterator[Result[T, ErrInfo]]]


def lift_sync(f: Callable[..., Result[T, ErrInfo]]) -> Callable[..., AsyncPlan[T]]:
    """``lift_sync(f)(*args)``: the plan that calls ``f(*args)`` on the loop's thread, once per run."""
    # BEGIN SOLUTION: return lifted(*args, **kwargs): a plan calling f each run; Exception -> Err(UNEXPECTED)
    def lifted(*args: Any, **kwargs: Any) -> AsyncPlan[T]:
        async def run() -> Result[T, ErrInfo]:
            try:
                return f(*args, **kwargs)
            except Exception as exc:
                return Err(ErrInfo.from_exception(exc, code=ErrorCode.UNEXPECTED))

        return run

    return lifted
    # END SOLUTION


def lift_sync_with_executor(
    f: Callable[..., Result[T, ErrInfo]], executor: Executor
) -> Callable[..., AsyncPlan[T]]:
    """``lift_sync_with_executor(f, ex)(*args)``: the plan that runs ``f(*args)`` in ``ex`` and awaits it."""
    # BEGIN SOLUTION: return lifted(*args, **kwargs) -> a plan awaiting run_in_executor; an Exception -> Err
    def lifted(*args: Any, **kwargs: Any) -> AsyncPlan[T]:
        async def run() -> Result[T, ErrInfo]:
            loop = asyncio.get_running_loop()
            try:
                result: Result[T, ErrInfo] = await loop.run_in_executor(executor, partial(f, *args, **kwargs))
            except Exception as exc:
                return Err(ErrInfo.from_exception(exc, code=ErrorCode.UNEXPECTED))
            return result

        return run

    return lifted
    # END SOLUTION


def lift_sync_gen_with_executor(
    f: Callable[..., Result[list[T], ErrInfo]], executor: Executor
) -> Callable[..., AsyncGen[T]]:
    """``lift_sync_gen_with_executor(f, ex)(*args)``: the stream of the items ``f(*args)`` returns."""
    # BEGIN SOLUTION: return lifted(*args, **kwargs) -> a stream: run f in the executor, yield Ok of each item
    def lifted(*args: Any, **kwargs: Any) -> AsyncGen[T]:
        async def run() -> AsyncIterator[Result[T, ErrInfo]]:
            loop = asyncio.get_running_loop()
            try:
                result = await loop.run_in_executor(executor, partial(f, *args, **kwargs))
            except Exception as exc:
                yield Err(ErrInfo.from_exception(exc, code=ErrorCode.UNEXPECTED))
                return
            if isinstance(result, Err):
                yield result
                return
            for item in result.value:
                yield Ok(item)

        return run

    return lifted
    # END SOLUTION
