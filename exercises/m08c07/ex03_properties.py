# Generated from solutions/m08c07/ex03_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 3 — write the properties of the lifts yourself.

What to do
----------
Write four Hypothesis properties about *an* implementation of the lifts,
passed in as ``lifts``: ``lifts.lift_sync(f)``,
``lifts.lift_sync_with_executor(f, executor)`` and
``lifts.lift_sync_gen_with_executor(f, executor)``, with the contract of
exercise 1. Each ``check_*`` function runs its property against ``lifts``
and raises ``AssertionError`` (Hypothesis does this for you) when it fails.

The contract
------------
* ``check_equals_from_result(lifts)`` — for a pure function ``f`` returning
  ``Ok`` or ``Err`` (and not raising), ``lift_sync(f)(x)`` and
  ``lift_sync_with_executor(f, ex)(x)`` run to the same ``Result`` as
  ``f(x)`` itself (what ``async_from_result(f(x))`` gives).
* ``check_exception_becomes_err(lifts)`` — when ``f`` raises, both plans
  finish with ``Err`` whose code is ``"UNEXPECTED"`` and whose message names
  the exception's type; when it does not, they finish with ``f``'s result.
* ``check_building_calls_nothing(lifts)`` — building lifted plans and
  streams calls ``f`` zero times; each run of each calls it once.
* ``check_stream_in_order(lifts)`` — for ``f`` returning ``Ok(items)``, the
  stream ``lift_sync_gen_with_executor(f, ex)(x)`` gives ``Ok(item)`` for
  every item, in order; for ``f`` returning ``Err``, that one ``Err``.

How it is graded
----------------
Your checks must pass on a correct implementation, on many generated
examples. Then they are run against wrong ones (a lift that calls ``f``
while the plan is built, one that lets exceptions escape, one that wraps
``f``'s ``Result`` in ``Ok``, one that reports an exception with another
code, a stream lift that loses the last item): each one caught is a point.

Imports
-------
The standard library, ``hypothesis``, and ``Result``, ``Ok``, ``Err``,
``ErrInfo``, ``ErrorCode`` and ``assert_never`` from ``funcpipe_rag``.

Hints
-----
* ``run_plan(plan)`` and ``run_stream(stream)`` below drive what the lifts
  build; ``EXECUTOR`` is a thread pool to pass them.
* Describe the functions as data (``("scale", k)``, ``("fail_if_even",
  code)``) so a failing example prints readably.
* Check yourself with ``funcpipe grade m08c07/ex03``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import aclosing
from typing import Any, Protocol

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, ErrorCode, Ok, Result

Plan = Callable[[], Awaitable[Result[Any, ErrInfo]]]
Stream = Callable[[], AsyncIterator[Result[Any, ErrInfo]]]

EXECUTOR = ThreadPoolExecutor(max_workers=2)
"""A thread pool for the executor lifts."""


class Lifts(Protocol):
    """The lifts under test."""

    def lift_sync(self, f: Callable[..., Any]) -> Callable[..., Plan]: ...

    def lift_sync_with_executor(self, f: Callable[..., Any], executor: Executor) -> Callable[..., Plan]: ...

    def lift_sync_gen_with_executor(
        self, f: Callable[..., Any], executor: Executor
    ) -> Callable[..., Stream]: ...


def run_plan(plan: Plan) -> Result[Any, ErrInfo]:
    """Drive ``plan`` on a fresh event loop (tests are shells: they may drive)."""

    async def main() -> Result[Any, ErrInfo]:
        return await plan()

    return asyncio.run(main())


def run_stream(stream: Stream) -> list[Result[Any, ErrInfo]]:
    """The items of one run of ``stream``."""

    async def main() -> list[Result[Any, ErrInfo]]:
        async with aclosing(stream()) as items:  # type: ignore[type-var]
            return [item async for item in items]

    return asyncio.run(main())


# TODO: your functions as data, their strategies, and a settings object


def check_equals_from_result(lifts: Lifts) -> None:
    # TODO: property: both plan lifts run to f(x), for Ok and Err results
    raise NotImplementedError("TODO: property: both plan lifts run to f(x), for Ok and Err results")


def check_exception_becomes_err(lifts: Lifts) -> None:
    # TODO: property: an exception in f is Err(UNEXPECTED) naming it; no exception, f's result
    raise NotImplementedError("TODO: property: an exception in f is Err(UNEXPECTED) naming it; no exception, f's result")


def check_building_calls_nothing(lifts: Lifts) -> None:
    # TODO: property: building calls f zero times; each run of each plan and stream once
    raise NotImplementedError("TODO: property: building calls f zero times; each run of each plan and stream once")


def check_stream_in_order(lifts: Lifts) -> None:
    # TODO: property: the stream gives Ok of every item in order, or f's one Err
    raise NotImplementedError("TODO: property: the stream gives Ok of every item in order, or f's one Err")
