"""Plans and Kleisli functions described as data, for property tests.

Hypothesis cannot print a lambda usefully, so the properties generate small
*specifications* — ``add(3)``, ``fail_when(x % 2 == 0, 'TIMEOUT')``,
``bind(lift(5), mul(2))`` — and build the actual plans from them with any
implementation of the plan algebra (:data:`LIBRARY`, the chapter's
:data:`CLOSURE`, or a learner's). A failing example then reads as data.
``spec.build()`` uses the library; a function spec can also be called
directly, ``add(3)(x)``, to get the library's plan for ``x``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

Plan = Callable[[], Awaitable[Result[Any, ErrInfo]]]


def _drive(plan: Any) -> Result[Any, ErrInfo]:
    from funcpipe_rag.infra.runtime import run_plan

    return run_plan(plan)


@dataclass(frozen=True)
class PlanAlgebra:
    """One implementation of the plan primitives, under a name, and how to run its plans.

    ``lift`` must accept a zero-argument callable returning an awaitable of a
    ``Result``; ``map`` is optional (derived from ``bind`` and ``pure`` when
    missing). The defaults describe ``AsyncPlan``: ``run`` drives a plan to
    its ``Result`` (:func:`funcpipe_rag.run_plan`), ``effect(result)`` is a step
    that suspends once, then finishes with ``result``, and ``handmade(result)``
    is a plan written by hand that no combinator built. Another plan type
    (``IOPlan``, the streams of Core 2) gives its own three.
    """

    name: str
    pure: Callable[[Any], Any]
    bind: Callable[[Any, Callable[[Any], Any]], Any]
    lift: Callable[[Callable[[], Awaitable[Result[Any, ErrInfo]]]], Any]
    map: Callable[[Any, Callable[[Any], Any]], Any] | None = None
    run: Callable[[Any], Result[Any, ErrInfo]] = _drive
    effect: Callable[[Result[Any, ErrInfo]], Any] | None = None
    handmade: Callable[[Result[Any, ErrInfo]], Any] | None = None

    def fmap(self, plan: Any, f: Callable[[Any], Any]) -> Any:
        if self.map is not None:
            return self.map(plan, f)
        return self.bind(plan, lambda x: self.pure(f(x)))

    def step(self, result: Result[Any, ErrInfo]) -> Any:
        """A plan with an effect (a real suspension, for async plans) that finishes with ``result``."""
        if self.effect is not None:
            return self.effect(result)
        return self.lift(lambda: returning(result))

    def by_hand(self, result: Result[Any, ErrInfo]) -> Any:
        """A plan that finishes with ``result``, written by hand rather than built by a combinator."""
        if self.handmade is not None:
            return self.handmade(result)
        return lambda: returning(result)


async def returning(result: Result[Any, ErrInfo]) -> Result[Any, ErrInfo]:
    """A coroutine that yields to the loop once, then finishes with ``result``."""
    await asyncio.sleep(0)
    return result


def error(code: str, where: object = None) -> ErrInfo:
    """A generated failure with taxonomy ``code``; ``where`` (an input value) goes into the message."""
    suffix = "" if where is None else f" at {where}"
    return ErrInfo(code, f"generated failure{suffix}")


def _library() -> PlanAlgebra:
    from funcpipe_rag.domain.effects.async_.plan import async_bind, async_lift, async_map, async_pure

    return PlanAlgebra("library", async_pure, async_bind, async_lift, async_map)


def _closure() -> PlanAlgebra:
    from funcpipe_rag.teaching._closure_plan import closure_bind, closure_lift, closure_map, closure_pure

    return PlanAlgebra("closure", closure_pure, closure_bind, closure_lift, closure_map)


LIBRARY = _library()
"""The library's own primitives (plans as data, one interpreter)."""

CLOSURE = _closure()
"""The chapter's nested-closure primitives, kept for comparison."""


def chain(alg: PlanAlgebra, length: int, *, fresh_steps: bool = False) -> Any:
    """``pure(0)`` followed by ``length`` left-nested binds of ``x ↦ pure(x + 1)``.

    Every bind gets the same step function, as a loop binding a named step
    does (and as the raw ``await`` chain of the benchmarks calls one coroutine
    function). With ``fresh_steps`` each bind gets a closure of its own, which
    is what ``p = bind(p, lambda x: ...)`` in a loop builds: those closures
    stay alive as long as the plan, and their allocation and garbage
    collection are the caller's cost, whatever the plan library.
    """
    plan = alg.pure(0)
    pure, bind = alg.pure, alg.bind
    if fresh_steps:
        for _ in range(length):
            plan = bind(plan, lambda x: pure(x + 1))
        return plan

    def inc(x: int) -> Any:
        return pure(x + 1)

    for _ in range(length):
        plan = bind(plan, inc)
    return plan


class FnSpec(Protocol):
    """A function ``int -> plan of int`` described as data; calling it uses the library."""

    def build(self, alg: PlanAlgebra = ...) -> Callable[[int], Any]: ...

    def __call__(self, x: int) -> Any: ...


class PlanSpec(Protocol):
    """A plan of ``int`` described as data; ``build()`` makes the library's plan."""

    def build(self, alg: PlanAlgebra = ...) -> Any: ...


class _Fn:
    """Shared behaviour of function specs: calling one builds the library's plan."""

    def build(self, alg: PlanAlgebra = LIBRARY) -> Callable[[int], Any]:
        raise NotImplementedError

    def __call__(self, x: int) -> Any:
        return self.build()(x)


# ---- functions int -> plan of int -------------------------------------------------


@dataclass(frozen=True, repr=False)
class Add(_Fn):
    """``x ↦ pure(x + k)``"""

    k: int

    def __repr__(self) -> str:
        return f"add({self.k})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Callable[[int], Any]:
        return lambda x: alg.pure(x + self.k)


@dataclass(frozen=True, repr=False)
class Mul(_Fn):
    """``x ↦ pure(x * k)``"""

    k: int

    def __repr__(self) -> str:
        return f"mul({self.k})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Callable[[int], Any]:
        return lambda x: alg.pure(x * self.k)


@dataclass(frozen=True, repr=False)
class LiftAdd(_Fn):
    """``x ↦ lift(a coroutine finishing with Ok(x + k))`` — a real suspension point."""

    k: int

    def __repr__(self) -> str:
        return f"lift_add({self.k})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Callable[[int], Any]:
        return lambda x: alg.step(Ok(x + self.k))


@dataclass(frozen=True, repr=False)
class RawLambda(_Fn):
    """``x ↦ lambda: coroutine of Ok(x - k)`` — a hand-written plan that no combinator built."""

    k: int

    def __repr__(self) -> str:
        return f"raw_sub({self.k})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Callable[[int], Any]:
        return lambda x: alg.by_hand(Ok(x - self.k))


@dataclass(frozen=True, repr=False)
class FailWhen(_Fn):
    """``x ↦ Err(code)`` when ``x % m == r``, else ``pure(x)``."""

    m: int
    r: int
    code: str = ErrorCode.TRANSIENT

    def __repr__(self) -> str:
        return f"fail_when(x % {self.m} == {self.r}, {self.code!r})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Callable[[int], Any]:
        def f(x: int) -> Any:
            if x % self.m == self.r:
                return alg.step(Err(error(self.code, x)))
            return alg.pure(x)

        return f


@dataclass(frozen=True, repr=False)
class Then(_Fn):
    """``x ↦ bind(first(x), second)``: composite functions, for deeper examples."""

    first: FnSpec
    second: FnSpec

    def __repr__(self) -> str:
        return f"then({self.first!r}, {self.second!r})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Callable[[int], Any]:
        f, g = self.first.build(alg), self.second.build(alg)
        return lambda x: alg.bind(f(x), g)


# ---- plans of int --------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Pure:
    """``pure(value)``"""

    value: int

    def __repr__(self) -> str:
        return f"pure({self.value})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Any:
        return alg.pure(self.value)


@dataclass(frozen=True, repr=False)
class Fail:
    """A lifted step that suspends once, then finishes with ``Err(code)``."""

    code: str

    def __repr__(self) -> str:
        return f"fail({self.code!r})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Any:
        return alg.step(Err(error(self.code)))


@dataclass(frozen=True, repr=False)
class Lift:
    """A lifted step that suspends once, then finishes with ``Ok(value)``."""

    value: int

    def __repr__(self) -> str:
        return f"lift({self.value})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Any:
        return alg.step(Ok(self.value))


@dataclass(frozen=True, repr=False)
class Bound:
    """``bind(plan, fn)``"""

    plan: PlanSpec
    fn: FnSpec

    def __repr__(self) -> str:
        return f"bind({self.plan!r}, {self.fn!r})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Any:
        return alg.bind(self.plan.build(alg), self.fn.build(alg))


@dataclass(frozen=True, repr=False)
class Mapped:
    """``map(plan, x ↦ x + k)``"""

    plan: PlanSpec
    k: int

    def __repr__(self) -> str:
        return f"map({self.plan!r}, +{self.k})"

    def build(self, alg: PlanAlgebra = LIBRARY) -> Any:
        return alg.fmap(self.plan.build(alg), lambda x: x + self.k)


# ---- plain functions int -> int ----------------------------------------------------


@dataclass(frozen=True, repr=False)
class Affine:
    """``x ↦ a * x + b``: a plain function, for the laws of ``map``."""

    a: int
    b: int

    def __repr__(self) -> str:
        return f"x*{self.a}+{self.b}"

    def __call__(self, x: int) -> int:
        return self.a * x + self.b
