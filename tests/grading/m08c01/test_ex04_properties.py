"""Graded: exercise 4, the learner's own properties (``ex04_properties.py``).

The learner's ``check_*`` functions must pass on correct implementations and
fail on each wrong implementation kept here (one point per one caught).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from funcpipe_rag.grading.harness import SubmissionError, load, points, require
from funcpipe_rag.testing import CLOSURE, LIBRARY, WRONG, Wrong

EXERCISE = "ex04_properties"
TITLE = "Write the properties yourself"
# Hypothesis settings while this exercise is graded: your failing examples are shown as found
# (not shrunk), which keeps grading fast when a property fails on a wrong implementation.
SETTINGS = {"phases": ["explicit", "reuse", "generate"]}
CHECKS = ("check_left_identity", "check_right_identity", "check_associativity", "check_replay")


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


def _caught(wrong: Wrong) -> None:
    try:
        checks = _passes_on_correct()
    except (AssertionError, SubmissionError) as exc:
        raise SubmissionError(f"your checks must first pass on correct primitives ({exc})") from None
    for _name, check in checks:
        try:
            check(wrong.algebra)
        except Exception:
            return
    raise AssertionError(f"none of your checks failed on {wrong.mistake}")


# ---- graded tests --------------------------------------------------------------------


@points(3, hint="Compare results of running plans (run(p1) == run(p2)), never the plan objects.")
def test_properties_pass_on_correct() -> None:
    """Your four checks pass on the library's primitives and on the closure version."""
    _passes_on_correct()


@points(1, hint="In check_replay, count the capability's calls right after building the plan: expect 0.")
def test_catches_eager_bind() -> None:
    """Caught: a bind that runs its plan and f while it is being built."""
    _caught(WRONG["eager bind"])


@points(1, hint="Generate plans that finish with Err, and check right identity on them.")
def test_catches_bind_that_drops_err() -> None:
    """Caught: a bind that turns an Err into Ok and carries on."""
    _caught(WRONG["bind drops Err"])


@points(1, hint="Left identity: bind(pure(x), f) must equal f(x); use functions that change the value.")
def test_catches_bind_that_ignores_f() -> None:
    """Caught: a bind that never calls f."""
    _caught(WRONG["bind ignores f"])


@points(1, hint="Compare whole Err values, code included, after a bind.")
def test_catches_bind_that_rewrites_err() -> None:
    """Caught: a bind that replaces the error code of an Err."""
    _caught(WRONG["bind rewrites Err"])


@points(1, hint="check_replay must run the same plan value twice, with a lifted step in it.")
def test_catches_lift_that_reuses_its_coroutine() -> None:
    """Caught: a lift that keeps one coroutine and awaits it again on the second run."""
    _caught(WRONG["lift reuses its coroutine"])


@points(1, hint="Equal results are not enough: count the calls, two runs must make two calls.")
def test_catches_lift_that_caches_its_result() -> None:
    """Caught: a lift that calls the capability once and replays the stored result."""
    _caught(WRONG["lift caches its result"])


@points(1, hint="Right identity over an Ok plan compares Ok(v) with what bind(m, pure) gives.")
def test_catches_pure_that_wraps_twice() -> None:
    """Caught: a pure that finishes with Ok(Ok(x))."""
    _caught(WRONG["pure wraps twice"])
