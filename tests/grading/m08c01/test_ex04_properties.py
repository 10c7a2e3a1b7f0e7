"""Graded: exercise 4, the learner's own properties (``ex04_properties.py``).

The learner's ``check_*`` functions must pass on correct implementations and
fail on each wrong implementation kept here (one point per one caught).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from funcpipe_rag.domain.effects.async_.plan import async_bind, async_lift, async_map, async_pure
from funcpipe_rag.grading.harness import SubmissionError, load, points, require
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.teaching.closure_plan import closure_bind, closure_lift, closure_map, closure_pure

EXERCISE = "ex04_properties"
TITLE = "Write the properties yourself"
# Hypothesis settings while this exercise is graded: your failing examples are shown as found
# (not shrunk), which keeps grading fast when a property fails on a wrong implementation.
SETTINGS = {"phases": ["explicit", "reuse", "generate"]}
CHECKS = ("check_left_identity", "check_right_identity", "check_associativity", "check_replay")


def impl(pure: Any, bind: Any, map_: Any, lift: Any) -> SimpleNamespace:
    return SimpleNamespace(pure=pure, bind=bind, map=map_, lift=lift)


LIBRARY = impl(async_pure, async_bind, async_map, async_lift)
CLOSURE = impl(closure_pure, closure_bind, closure_map, closure_lift)


def _checks() -> list[tuple[str, Callable[[Any], None]]]:
    return list(zip(CHECKS, require(load(EXERCISE), *CHECKS), strict=True))


_verdict: dict[str, str] = {}


def _passes_on_correct() -> list[tuple[str, Callable[[Any], None]]]:
    """The learner's checks, after making sure they pass on both correct implementations."""
    checks = _checks()
    if "ok" not in _verdict:
        for label, good in (("the library's primitives", LIBRARY), ("the closure primitives", CLOSURE)):
            for name, check in checks:
                try:
                    check(good)
                except AssertionError as exc:
                    raise AssertionError(f"{name} fails on {label}, which are correct: {exc}") from exc
        _verdict["ok"] = "yes"
    return checks


def _caught(wrong: SimpleNamespace, what: str) -> None:
    try:
        checks = _passes_on_correct()
    except (AssertionError, SubmissionError) as exc:
        raise SubmissionError(f"your checks must first pass on correct primitives ({exc})") from None
    for _name, check in checks:
        try:
            check(wrong)
        except Exception:
            return
    raise AssertionError(f"none of your checks failed on {what}")


# ---- the wrong implementations ------------------------------------------------------


def _run_now(plan: Any) -> Any:
    """Drive ``plan`` immediately, on a loop of its own (what an eager bind does)."""
    box: dict[str, Any] = {}

    def target() -> None:
        async def main() -> Any:
            return await plan()

        box["r"] = asyncio.run(main())

    t = threading.Thread(target=target)
    t.start()
    t.join()
    return box["r"]


def eager_bind(plan: Any, f: Any) -> Any:
    res = _run_now(plan)  # runs the plan and f while the bind is being built
    return f(res.value) if isinstance(res, Ok) else closure_lift(lambda: _done(res))


async def _done(res: Any) -> Any:
    return res


def bind_err_to_ok(plan: Any, f: Any) -> Any:
    async def run() -> Any:
        res = await plan()
        return await f(res.value if isinstance(res, Ok) else 0)()

    return run


def bind_ignores_f(plan: Any, f: Any) -> Any:
    return plan


def bind_rewrites_err(plan: Any, f: Any) -> Any:
    async def run() -> Any:
        res = await plan()
        if isinstance(res, Err):
            return Err(ErrInfo("FAILED", res.error.message))
        return await f(res.value)()

    return run


def lift_reuses_coroutine(make: Any) -> Any:
    box: list[Any] = []

    def plan() -> Any:
        if not box:
            box.append(make())
        return box[0]

    return plan


def lift_caches_result(make: Any) -> Any:
    box: list[Any] = []

    async def run() -> Any:
        if not box:
            box.append(await make())
        return box[0]

    return run


def pure_wraps_twice(value: Any) -> Any:
    return closure_pure(Ok(value))


def _with(**changes: Any) -> SimpleNamespace:
    parts = {"pure": closure_pure, "bind": closure_bind, "map_": closure_map, "lift": closure_lift, **changes}
    if "bind" in changes:  # keep map consistent with the broken bind
        b, p = parts["bind"], parts["pure"]
        parts["map_"] = lambda plan, f: b(plan, lambda x: p(f(x)))
    return impl(parts["pure"], parts["bind"], parts["map_"], parts["lift"])


# ---- graded tests --------------------------------------------------------------------


@points(3, hint="Compare results of running plans (run(p1) == run(p2)), never the plan objects.")
def test_properties_pass_on_correct() -> None:
    """Your four checks pass on the library's primitives and on the closure version."""
    _passes_on_correct()


@points(1, hint="In check_replay, count the capability's calls right after building the plan: expect 0.")
def test_catches_eager_bind() -> None:
    """Caught: a bind that runs its plan and f while it is being built."""
    _caught(_with(bind=eager_bind), "a bind that runs the plan while it is being built")


@points(1, hint="Generate plans that finish with Err, and check right identity on them.")
def test_catches_bind_that_drops_err() -> None:
    """Caught: a bind that turns an Err into Ok and carries on."""
    _caught(_with(bind=bind_err_to_ok), "a bind that turns Err into Ok and carries on")


@points(1, hint="Left identity: bind(pure(x), f) must equal f(x); use functions that change the value.")
def test_catches_bind_that_ignores_f() -> None:
    """Caught: a bind that never calls f."""
    _caught(_with(bind=bind_ignores_f), "a bind that never calls f")


@points(1, hint="Compare whole Err values, code included, after a bind.")
def test_catches_bind_that_rewrites_err() -> None:
    """Caught: a bind that replaces the error code of an Err."""
    _caught(_with(bind=bind_rewrites_err), "a bind that rewrites the error it passes on")


@points(1, hint="check_replay must run the same plan value twice, with a lifted step in it.")
def test_catches_lift_that_reuses_its_coroutine() -> None:
    """Caught: a lift that keeps one coroutine and awaits it again on the second run."""
    _caught(_with(lift=lift_reuses_coroutine), "a lift that reuses one coroutine")


@points(1, hint="Equal results are not enough: count the calls, two runs must make two calls.")
def test_catches_lift_that_caches_its_result() -> None:
    """Caught: a lift that calls the capability once and replays the stored result."""
    _caught(_with(lift=lift_caches_result), "a lift that caches its first result")


@points(1, hint="Right identity over an Ok plan compares Ok(v) with what bind(m, pure) gives.")
def test_catches_pure_that_wraps_twice() -> None:
    """Caught: a pure that finishes with Ok(Ok(x))."""
    _caught(_with(pure=pure_wraps_twice), "a pure that wraps its value in Ok twice")
