"""Plans and Kleisli functions described as data, for property tests.

Hypothesis cannot print a lambda usefully, so the properties generate small
*specifications* — ``Add(3)``, ``FailWhen(m=2, r=0)``, ``Bound(Lift(5), Mul(2))``
— and build the actual plans from them with any implementation of the plan
algebra (the library's, the naive closure one, or a learner's). A failing
example then reads as data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from funcpipe_rag.result import Err, ErrInfo, Ok, Result

Plan = Callable[[], Awaitable[Result[Any, ErrInfo]]]


@dataclass(frozen=True)
class PlanAlgebra:
    """One implementation of the plan primitives, under a name.

    ``lift`` must accept a zero-argument callable returning an awaitable of a
    ``Result``; ``map`` is optional (derived from ``bind`` and ``pure`` when
    missing).
    """

    name: str
    pure: Callable[[Any], Any]
    bind: Callable[[Any, Callable[[Any], Any]], Any]
    lift: Callable[[Callable[[], Awaitable[Result[Any, ErrInfo]]]], Any]
    map: Callable[[Any, Callable[[Any], Any]], Any] | None = None

    def fmap(self, plan: Any, f: Callable[[Any], Any]) -> Any:
        if self.map is not None:
            return self.map(plan, f)
        return self.bind(plan, lambda x: self.pure(f(x)))


async def returning(result: Result[Any, ErrInfo]) -> Result[Any, ErrInfo]:
    """A coroutine that yields to the loop once, then finishes with ``result``."""
    await asyncio.sleep(0)
    return result


def error(code: str) -> ErrInfo:
    return ErrInfo(code, f"generated failure {code}")


class FnSpec(Protocol):
    def build(self, alg: PlanAlgebra) -> Callable[[int], Any]: ...


class PlanSpec(Protocol):
    def build(self, alg: PlanAlgebra) -> Any: ...


# ---- functions int -> plan of int -------------------------------------------------


@dataclass(frozen=True)
class Add:
    """``x ↦ pure(x + k)``"""

    k: int

    def build(self, alg: PlanAlgebra) -> Callable[[int], Any]:
        return lambda x: alg.pure(x + self.k)


@dataclass(frozen=True)
class Mul:
    """``x ↦ pure(x * k)``"""

    k: int

    def build(self, alg: PlanAlgebra) -> Callable[[int], Any]:
        return lambda x: alg.pure(x * self.k)


@dataclass(frozen=True)
class LiftAdd:
    """``x ↦ lift(a coroutine finishing with Ok(x + k))`` — a real suspension point."""

    k: int

    def build(self, alg: PlanAlgebra) -> Callable[[int], Any]:
        return lambda x: alg.lift(lambda: returning(Ok(x + self.k)))


@dataclass(frozen=True)
class RawLambda:
    """``x ↦ lambda: coroutine`` — a hand-written plan that no combinator built."""

    k: int

    def build(self, alg: PlanAlgebra) -> Callable[[int], Any]:
        return lambda x: lambda: returning(Ok(x - self.k))


@dataclass(frozen=True)
class FailWhen:
    """``x ↦ Err(code)`` when ``x % m == r``, else ``pure(x)``."""

    m: int
    r: int
    code: str = "E"

    def build(self, alg: PlanAlgebra) -> Callable[[int], Any]:
        def f(x: int) -> Any:
            if x % self.m == self.r:
                return alg.lift(lambda: returning(Err(error(f"{self.code}{x}"))))
            return alg.pure(x)

        return f


@dataclass(frozen=True)
class Then:
    """``x ↦ bind(first(x), second)``: composite functions, for deeper examples."""

    first: FnSpec
    second: FnSpec

    def build(self, alg: PlanAlgebra) -> Callable[[int], Any]:
        f, g = self.first.build(alg), self.second.build(alg)
        return lambda x: alg.bind(f(x), g)


# ---- plans of int --------------------------------------------------------------


@dataclass(frozen=True)
class Pure:
    value: int

    def build(self, alg: PlanAlgebra) -> Any:
        return alg.pure(self.value)


@dataclass(frozen=True)
class Fail:
    code: str

    def build(self, alg: PlanAlgebra) -> Any:
        return alg.lift(lambda: returning(Err(error(self.code))))


@dataclass(frozen=True)
class Lift:
    value: int

    def build(self, alg: PlanAlgebra) -> Any:
        return alg.lift(lambda: returning(Ok(self.value)))


@dataclass(frozen=True)
class Bound:
    plan: PlanSpec
    fn: FnSpec

    def build(self, alg: PlanAlgebra) -> Any:
        return alg.bind(self.plan.build(alg), self.fn.build(alg))


@dataclass(frozen=True)
class Mapped:
    plan: PlanSpec
    k: int

    def build(self, alg: PlanAlgebra) -> Any:
        return alg.fmap(self.plan.build(alg), lambda x: x + self.k)
