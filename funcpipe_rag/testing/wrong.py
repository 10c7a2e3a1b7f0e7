"""Plausible wrong implementations of the plan primitives, kept to prove tests can fail.

A law or property test that passes on everything proves nothing. Each entry of
:data:`WRONG` is the chapter's closure algebra with one primitive replaced by
a believable mistake; the law tests and the grader (which runs a learner's own
properties against them) use the same collection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from funcpipe_rag.infra.adapters.async_runtime import run_plan
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing.specs import CLOSURE, PlanAlgebra


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
            return Err(ErrInfo("FAILED", res.error.message))
        return await f(res.value)()

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
    mapper = (lambda plan, f: bind(plan, lambda x: pure(f(x)))) if "bind" in changes else CLOSURE.map
    return PlanAlgebra(name, pure, bind, parts["lift"], mapper)


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
}
