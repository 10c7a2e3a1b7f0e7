"""Exercise 4 — write the properties yourself.

What to do
----------
Write four Hypothesis properties about *an* implementation of the plan
primitives, passed in as ``impl`` (it has ``impl.pure``, ``impl.bind``,
``impl.map`` and ``impl.lift``, with the same contract as in exercise 1).
Each ``check_*`` function runs its property against ``impl`` and raises
``AssertionError`` (Hypothesis does this for you) when the property fails.

The contract
------------
* ``check_left_identity(impl)`` — ``bind(pure(x), f)`` runs like ``f(x)``.
* ``check_right_identity(impl)`` — ``bind(m, pure)`` runs like ``m``.
* ``check_associativity(impl)`` — ``bind(bind(m, f), g)`` runs like
  ``bind(m, lambda x: bind(f(x), g))``.
* ``check_replay(impl)`` — a plan with a lifted step, a bind and a map:
  building it calls nothing; running it twice gives equal results; each run
  calls the lifted step, the function given to bind and the one given to map
  exactly once (when the step before succeeded).

"Runs like" means: driving both plans gives equal ``Result`` values; plan
objects themselves are never equal. Generate plans that finish with ``Ok``
*and* with ``Err``, and functions that fail for some inputs.

How it is graded
----------------
Your checks must pass on correct implementations. Then they are run against
wrong ones kept by the grader (a bind that runs too early, one that loses
errors, a lift that reuses or caches, a pure that wraps twice, ...): each
wrong implementation you catch is a point.

Imports
-------
The standard library, ``hypothesis``, and ``Result``, ``Ok``, ``Err``,
``ErrInfo``, ``ErrorCode``, ``assert_never`` from ``funcpipe_rag``. Each ``check_*`` must run
a Hypothesis property (a function decorated with ``@given``) over generated
examples: fixed examples, the library's own primitives and
``funcpipe_rag.testing`` score zero for this exercise.

Hints
-----
* ``run(plan)`` below drives a plan; ``Counter`` counts calls to a fake
  capability.
* Keep ``max_examples`` modest (30 to 60) and use ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c01/ex04``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, ErrorCode, Ok, Result

Plan = Callable[[], Awaitable[Result[Any, ErrInfo]]]


class Impl(Protocol):
    """The primitives under test."""

    def pure(self, value: Any) -> Plan: ...

    def bind(self, plan: Plan, f: Callable[[Any], Plan]) -> Plan: ...

    def map(self, plan: Plan, f: Callable[[Any], Any]) -> Plan: ...

    def lift(self, make: Callable[[], Awaitable[Result[Any, ErrInfo]]]) -> Plan: ...


def run(plan: Plan) -> Result[Any, ErrInfo]:
    """Drive ``plan`` on a fresh event loop (tests are shells: they may drive)."""

    async def main() -> Result[Any, ErrInfo]:
        return await plan()

    return asyncio.run(main())


class Counter:
    """A fake capability: ``Counter(result).call()`` returns a coroutine and counts the call."""

    def __init__(self, result: Result[Any, ErrInfo]) -> None:
        self.result = result
        self.calls = 0

    async def call(self) -> Result[Any, ErrInfo]:
        self.calls += 1
        await asyncio.sleep(0)
        return self.result


# BEGIN HELPERS: your strategies for plans and functions (Ok and Err), and a settings object
CONFIG = settings(max_examples=40, derandomize=True, database=None, deadline=None)

ints = st.integers(min_value=-100, max_value=100)
# A plan is described as data (so a failing example prints readably):
#   ("ok", n) -> pure(n);  ("lift", n) -> lift of Ok(n);  ("err", code) -> lift of Err(code)
plan_specs = st.one_of(
    st.tuples(st.just("ok"), ints), st.tuples(st.just("lift"), ints), st.tuples(st.just("err"), ints)
)
# A function int -> plan: ("add", k) -> pure(x + k);  ("fail_if_even", k) -> Err when x is even
fn_specs = st.tuples(st.sampled_from(["add", "lift_add", "fail_if_even"]), ints)


def _err(n: int) -> ErrInfo:
    return ErrInfo(ErrorCode.TRANSIENT, f"generated failure {n}")


async def _returning(result: Result[Any, ErrInfo]) -> Result[Any, ErrInfo]:
    await asyncio.sleep(0)
    return result


def build_plan(impl: Impl, spec: tuple[str, int]) -> Plan:
    kind, n = spec
    if kind == "ok":
        return impl.pure(n)
    if kind == "lift":
        return impl.lift(lambda: _returning(Ok(n)))
    return impl.lift(lambda: _returning(Err(_err(n))))


def build_fn(impl: Impl, spec: tuple[str, int]) -> Callable[[int], Plan]:
    kind, k = spec
    if kind == "add":
        return lambda x: impl.pure(x + k)
    if kind == "lift_add":
        return lambda x: impl.lift(lambda: _returning(Ok(x + k)))
    return lambda x: impl.lift(lambda: _returning(Err(_err(x)))) if x % 2 == 0 else impl.pure(x + k)
# END HELPERS


def check_left_identity(impl: Impl) -> None:
    # BEGIN SOLUTION: property: bind(pure(x), f) runs like f(x)
    @CONFIG
    @given(x=ints, f=fn_specs)
    def prop(x: int, f: tuple[str, int]) -> None:
        fn = build_fn(impl, f)
        assert run(impl.bind(impl.pure(x), fn)) == run(fn(x))

    prop()
    # END SOLUTION


def check_right_identity(impl: Impl) -> None:
    # BEGIN SOLUTION: property: bind(m, pure) runs like m, for Ok and Err plans
    @CONFIG
    @given(m=plan_specs)
    def prop(m: tuple[str, int]) -> None:
        assert run(impl.bind(build_plan(impl, m), impl.pure)) == run(build_plan(impl, m))

    prop()
    # END SOLUTION


def check_associativity(impl: Impl) -> None:
    # BEGIN SOLUTION: property: bind(bind(m, f), g) runs like bind(m, x -> bind(f(x), g))
    @CONFIG
    @given(m=plan_specs, f=fn_specs, g=fn_specs)
    def prop(m: tuple[str, int], f: tuple[str, int], g: tuple[str, int]) -> None:
        fn, gn = build_fn(impl, f), build_fn(impl, g)
        left = impl.bind(impl.bind(build_plan(impl, m), fn), gn)
        right = impl.bind(build_plan(impl, m), lambda x: impl.bind(fn(x), gn))
        assert run(left) == run(right)

    prop()
    # END SOLUTION


def check_replay(impl: Impl) -> None:
    # BEGIN SOLUTION: property: building calls nothing; each run calls each step once; equal results
    @CONFIG
    @given(x=ints, fail=st.booleans(), f=fn_specs)
    def prop(x: int, fail: bool, f: tuple[str, int]) -> None:
        cap = Counter(Err(_err(x)) if fail else Ok(x))
        step = build_fn(impl, f)
        bound: list[int] = []
        mapped: list[int] = []

        def then(v: int) -> Plan:
            bound.append(v)
            return step(v)

        def double(v: int) -> int:
            mapped.append(v)
            return v * 2

        plan = impl.map(impl.bind(impl.lift(cap.call), then), double)
        assert (cap.calls, bound, mapped) == (0, [], []), "building the plan ran a step"
        first = run(plan)
        per_run = (1, 0 if fail else 1, 1 if isinstance(first, Ok) else 0)
        assert (cap.calls, len(bound), len(mapped)) == per_run, \
            f"one run made (lift, bind, map) calls {(cap.calls, len(bound), len(mapped))}, not {per_run}"
        second = run(plan)
        twice = tuple(2 * n for n in per_run)
        assert (cap.calls, len(bound), len(mapped)) == twice, \
            f"two runs made (lift, bind, map) calls {(cap.calls, len(bound), len(mapped))}, not {twice}"
        assert first == second

    prop()
    # END SOLUTION
