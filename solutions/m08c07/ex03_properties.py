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


# BEGIN HELPERS: your functions as data, their strategies, and a settings object
CONFIG = settings(max_examples=40, derandomize=True, database=None, deadline=None)

ints = st.integers(min_value=-100, max_value=100)
codes = st.sampled_from([ErrorCode.VALIDATION.value, ErrorCode.NOT_FOUND.value])
# ("scale", k): x -> Ok(x * k);  ("fail_if_even", code): x -> Err(code) for even x, else Ok(x)
fn_specs = st.one_of(
    st.tuples(st.just("scale"), st.integers(-3, 3)),
    st.tuples(st.just("fail_if_even"), codes),
)


class Boom(Exception):
    """Raised by ``explode`` for some inputs."""


def build(spec: tuple[str, Any]) -> Callable[[int], Result[int, ErrInfo]]:
    kind, data = spec
    if kind == "scale":
        return lambda x: Ok(x * data)
    return lambda x: Err(ErrInfo(data, f"even {x}")) if x % 2 == 0 else Ok(x)


def explode(x: int) -> Result[int, ErrInfo]:
    if x % 3 == 0:
        raise Boom(f"cannot take {x}")
    return Ok(x)
# END HELPERS


def check_equals_from_result(lifts: Lifts) -> None:
    # BEGIN SOLUTION: property: both plan lifts run to f(x), for Ok and Err results
    @CONFIG
    @given(f=fn_specs, x=ints)
    def prop(f: tuple[str, Any], x: int) -> None:
        fn = build(f)
        assert run_plan(lifts.lift_sync(fn)(x)) == fn(x)
        assert run_plan(lifts.lift_sync_with_executor(fn, EXECUTOR)(x)) == fn(x)

    prop()
    # END SOLUTION


def check_exception_becomes_err(lifts: Lifts) -> None:
    # BEGIN SOLUTION: property: an exception in f is Err(UNEXPECTED) naming it; no exception, f's result
    @CONFIG
    @given(x=ints)
    def prop(x: int) -> None:
        for lifted in (lifts.lift_sync(explode), lifts.lift_sync_with_executor(explode, EXECUTOR)):
            got = run_plan(lifted(x))
            if x % 3 == 0:
                assert isinstance(got, Err), got
                assert got.error.code == "UNEXPECTED" and "Boom" in got.error.msg, got
            else:
                assert got == Ok(x), got

    prop()
    # END SOLUTION


def check_building_calls_nothing(lifts: Lifts) -> None:
    # BEGIN SOLUTION: property: building calls f zero times; each run of each plan and stream once
    @CONFIG
    @given(x=ints)
    def prop(x: int) -> None:
        calls: list[int] = []

        def f(y: int) -> Result[list[int], ErrInfo]:
            calls.append(y)
            return Ok([y])

        plans = [lifts.lift_sync(f)(x), lifts.lift_sync_with_executor(f, EXECUTOR)(x)]
        stream = lifts.lift_sync_gen_with_executor(f, EXECUTOR)(x)
        assert calls == [], "building called f"
        for plan in plans:
            run_plan(plan)
        run_stream(stream)
        assert calls == [x, x, x], f"one run of each called f {len(calls)} times, expected 3"

    prop()
    # END SOLUTION


def check_stream_in_order(lifts: Lifts) -> None:
    # BEGIN SOLUTION: property: the stream gives Ok of every item in order, or f's one Err
    @CONFIG
    @given(values=st.lists(ints, max_size=6), fail=st.booleans())
    def prop(values: list[int], fail: bool) -> None:
        error = ErrInfo(ErrorCode.VALIDATION, "refused")

        def f(n: int) -> Result[list[int], ErrInfo]:
            return Err(error) if fail else Ok(list(values))

        got = run_stream(lifts.lift_sync_gen_with_executor(f, EXECUTOR)(len(values)))
        assert got == ([Err(error)] if fail else [Ok(v) for v in values]), got

    prop()
    # END SOLUTION
