"""Plausible wrong implementations of the plan primitives, kept to prove tests can fail.

A law or property test that passes on everything proves nothing. Each entry of
:data:`WRONG` is the chapter's closure algebra with one primitive replaced by
a believable mistake; the law tests and the grader (which runs a learner's own
properties against them) use the same collection.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.infra.runtime import run_plan
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing._specs import CLOSURE, PlanAlgebra


async def _finished(result: Any) -> Any:
    return result


def eager_bind(plan: Any, f: Any) -> Any:
    """Runs the plan, and ``f``, while the bind is being *built*."""
    res = run_plan(plan)
    return f(res.value) if isinstance(res, Ok) else CLOSURE.lift(lambda: _finished(res))


def bind_err_to_ok(plan: Any, f: Any) -> Any:
    """"Recovers" from an ``Err`` by carrying on with 0: the failure is lost."""

    async def run() -> Any:
        res = await plan()
        return await f(res.value if isinstance(res, Ok) else 0)()

    return run


def bind_ignores_f(plan: Any, f: Any) -> Any:
    """Never calls ``f``."""
    return plan


def bind_rewrites_err(plan: Any, f: Any) -> Any:
    """Passes errors on with a different code."""

    async def run() -> Any:
        res = await plan()
        if isinstance(res, Err):
            other = ErrorCode.SERVICE if res.error.code != ErrorCode.SERVICE else ErrorCode.TRANSIENT
            return Err(ErrInfo(other, res.error.msg))
        return await f(res.value)()

    return run


def bind_drops_err_of_f(plan: Any, f: Any) -> Any:
    """"Recovers" when the plan ``f`` returns fails: finishes with ``Ok`` of the value it had."""

    async def run() -> Any:
        res = await plan()
        if isinstance(res, Err):
            return res
        after = await f(res.value)()
        return after if isinstance(after, Ok) else Ok(res.value)

    return run


def bind_rewrites_err_of_f(plan: Any, f: Any) -> Any:
    """Passes on an ``Err`` of the first plan untouched, but relabels one that ``f``'s plan returns."""

    async def run() -> Any:
        res = await plan()
        if isinstance(res, Err):
            return res
        after = await f(res.value)()
        if isinstance(after, Err):
            other = ErrorCode.SERVICE if after.error.code != ErrorCode.SERVICE else ErrorCode.TRANSIENT
            return Err(ErrInfo(other, after.error.msg, path=after.error.path))
        return after

    return run


def bind_loses_err_details(plan: Any, f: Any) -> Any:
    """Keeps the error *code* of an ``Err`` but rebuilds it without its msg and path."""

    async def run() -> Any:
        res = await plan()
        if isinstance(res, Err):
            return Err(ErrInfo(res.error.code, "failed"))
        return await f(res.value)()

    return run


def bind_runs_plan_twice(plan: Any, f: Any) -> Any:
    """Awaits the first plan twice (a leftover "check, then run"): every effect in it happens twice."""

    async def run() -> Any:
        await plan()
        res = await plan()
        if isinstance(res, Err):
            return res
        return await f(res.value)()

    return run


_WAITING: ContextVar[dict[str, Any] | None] = ContextVar("funcpipe_reassociating_bind", default=None)
"""The step a running bind will apply after its first plan, while that first plan runs."""


def bind_reassociates(plan: Any, f: Any) -> Any:
    """Flattens ``bind(bind(m, f), g)`` into one step, but runs ``g`` before ``f``.

    An "optimisation" of nested binds: a bind that runs as the first plan of
    another takes over the outer step and applies it before its own. The
    identities still hold (with ``pure`` on either side the order cannot
    show), so only associativity sees it. It looks at nothing but what runs
    (the pending outer step travels in a context variable), so it behaves the
    same behind any wrapper.
    """

    async def run() -> Any:
        outer = _WAITING.get()
        taken = None
        if outer is not None and not outer["taken"]:
            outer["taken"], taken = True, outer["then"]
        mine = {"then": f, "taken": False}
        token = _WAITING.set(mine)
        try:
            res = await plan()
        finally:
            _WAITING.reset(token)
        token = _WAITING.set(None)  # the steps after the first plan are not in first position
        try:
            for step in ([taken] if taken is not None else []) + ([] if mine["taken"] else [f]):
                if isinstance(res, Err):
                    return res
                res = await step(res.value)()
            return res
        finally:
            _WAITING.reset(token)

    return run


def map_calls_f_twice(plan: Any, f: Any) -> Any:
    """Calls ``f`` once to "check" the value and again to build the result."""

    async def run() -> Any:
        res = await plan()
        if isinstance(res, Err):
            return res
        f(res.value)
        return Ok(f(res.value))

    return run


def lift_reuses_coroutine(make: Any) -> Any:
    """Makes one coroutine and hands the same one to every run."""
    box: list[Any] = []

    def plan() -> Any:
        if not box:
            box.append(make())
        return box[0]

    return plan


def lift_caches_result(make: Any) -> Any:
    """Calls the capability on the first run only and replays its result."""
    box: list[Any] = []

    async def run() -> Any:
        if not box:
            box.append(await make())
        return box[0]

    return run


def pure_wraps_twice(value: Any) -> Any:
    """Finishes with ``Ok(Ok(value))``."""
    return CLOSURE.pure(Ok(value))


def with_parts(name: str, **changes: Callable[..., Any]) -> PlanAlgebra:
    """The closure algebra with some primitives replaced; ``map`` follows a replaced ``bind``."""
    parts: dict[str, Any] = {"pure": CLOSURE.pure, "bind": CLOSURE.bind, "lift": CLOSURE.lift, **changes}
    bind, pure = parts["bind"], parts["pure"]
    derived = (lambda plan, f: bind(plan, lambda x: pure(f(x)))) if "bind" in changes else CLOSURE.map
    return PlanAlgebra(name, pure, bind, parts["lift"], parts.get("map", derived))


T = TypeVar("T")


@dataclass(frozen=True)
class WrongImpl(Generic[T]):
    """A wrong implementation (stream algebra, lifts), its mistake, and the property that catches it."""

    impl: T
    mistake: str
    caught_by: str


@dataclass(frozen=True)
class Wrong:
    """A wrong algebra and the sentence that describes its mistake."""

    algebra: PlanAlgebra
    mistake: str


WRONG: dict[str, Wrong] = {
    "eager bind": Wrong(
        with_parts("eager bind", bind=eager_bind), "a bind that runs the plan while it is being built"
    ),
    "bind drops Err": Wrong(
        with_parts("bind drops Err", bind=bind_err_to_ok), "a bind that turns Err into Ok and carries on"
    ),
    "bind ignores f": Wrong(with_parts("bind ignores f", bind=bind_ignores_f), "a bind that never calls f"),
    "bind rewrites Err": Wrong(
        with_parts("bind rewrites Err", bind=bind_rewrites_err), "a bind that rewrites the error it passes on"
    ),
    "lift reuses its coroutine": Wrong(
        with_parts("lift reuses its coroutine", lift=lift_reuses_coroutine),
        "a lift that reuses one coroutine",
    ),
    "lift caches its result": Wrong(
        with_parts("lift caches its result", lift=lift_caches_result), "a lift that caches its first result"
    ),
    "pure wraps twice": Wrong(
        with_parts("pure wraps twice", pure=pure_wraps_twice), "a pure that wraps its value in Ok twice"
    ),
    "bind drops Err of f": Wrong(
        with_parts("bind drops Err of f", bind=bind_drops_err_of_f),
        "a bind that turns an Err returned by f's plan back into Ok",
    ),
    "bind rewrites Err of f": Wrong(
        with_parts("bind rewrites Err of f", bind=bind_rewrites_err_of_f),
        "a bind that rewrites the code of an Err returned by f's plan",
    ),
    "bind loses Err details": Wrong(
        with_parts("bind loses Err details", bind=bind_loses_err_details),
        "a bind that keeps an Err's code but loses its message and path",
    ),
    "bind runs its plan twice": Wrong(
        with_parts("bind runs its plan twice", bind=bind_runs_plan_twice),
        "a bind that runs its first plan twice on every run",
    ),
    "bind reassociates": Wrong(
        with_parts("bind reassociates", bind=bind_reassociates),
        "a bind that flattens nested binds but runs their steps in the wrong order",
    ),
    "map calls f twice": Wrong(
        with_parts("map calls f twice", map=map_calls_f_twice), "a map that calls its function twice"
    ),
}
