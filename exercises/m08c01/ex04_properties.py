# Generated from solutions/m08c01/ex04_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
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


# TODO: your strategies for plans and functions (Ok and Err), and a settings object


def check_left_identity(impl: Impl) -> None:
    # TODO: property: bind(pure(x), f) runs like f(x)
    raise NotImplementedError("TODO: property: bind(pure(x), f) runs like f(x)")


def check_right_identity(impl: Impl) -> None:
    # TODO: property: bind(m, pure) runs like m, for Ok and Err plans
    raise NotImplementedError("TODO: property: bind(m, pure) runs like m, for Ok and Err plans")


def check_associativity(impl: Impl) -> None:
    # TODO: property: bind(bind(m, f), g) runs like bind(m, x -> bind(f(x), g))
    raise NotImplementedError("TODO: property: bind(bind(m, f), g) runs like bind(m, x -> bind(f(x), g))")


def check_replay(impl: Impl) -> None:
    # TODO: property: building calls nothing; each run calls each step once; equal results
    raise NotImplementedError("TODO: property: building calls nothing; each run calls each step once; equal results")
