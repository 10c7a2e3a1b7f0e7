"""Graded: exercise 4, the learner's own properties (``ex04_properties.py``).

The learner's ``check_*`` functions must pass on correct implementations and
fail on each wrong implementation kept here (one point per one caught).
Every implementation reaches the learner's code behind the same neutral
wrapper, under an id drawn afresh for each grading, so the only way to tell
a correct one from a wrong one is to test it.
"""

from __future__ import annotations

from typing import TypedDict

from funcpipe_rag.grading.harness import before_import, graded, load, observer, require
from funcpipe_rag.grading.properties import (
    Impl,
    LearnerChecks,
    PropertyRun,
    RunCounter,
    learner_profile,
    neutral_plans,
    run_property,
)
from funcpipe_rag.testing import CLOSURE, LIBRARY, WRONG

EXERCISE = "ex04_properties"
TITLE = "Write the properties yourself"
CHECKS = ("check_left_identity", "check_right_identity", "check_associativity", "check_replay")
CORRECT = {"library": "the library's primitives", "closure": "the closure primitives"}
LIKELY = {
    "eager bind": "check_replay",
    "lift reuses its coroutine": "check_replay",
    "lift caches its result": "check_replay",
    "bind runs its plan twice": "check_replay",
    "map calls f twice": "check_replay",
    "bind reassociates": "check_associativity",
    "bind loses Err details": "check_right_identity",
}
"""The check most likely to catch a wrong implementation is run first (any check may catch it)."""
MIN_RUNS = 20
"""Plans each property must run on a correct implementation: generated examples, not a few fixed ones."""


# ---- next to the learner's code -------------------------------------------------------------

_ALGEBRAS: dict[str, tuple[Impl, RunCounter]] = {}


@observer
def build_algebras(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral wrapper per (id, implementation)."""
    learner_profile()
    for ident, kind in case:
        alg = LIBRARY if kind == "library" else CLOSURE if kind == "closure" else WRONG[kind].algebra
        _ALGEBRAS[ident] = neutral_plans(alg)


class CheckCase(TypedDict):
    check: str
    impl: str


@observer
def run_check(case: CheckCase) -> PropertyRun:
    """Run one of the learner's checks against the implementation with this id."""
    check = require(load(EXERCISE), case["check"])
    impl, counter = _ALGEBRAS[case["impl"]]
    return run_property(check, impl, counter)


# ---- the grader's side ------------------------------------------------------------------------


WRONGS = {kind: wrong.mistake for kind, wrong in WRONG.items()}
"""What a learner reads about each wrong implementation."""
VERDICTS = LearnerChecks(run_check, CHECKS, CORRECT, WRONGS, likely=LIKELY, min_runs=MIN_RUNS, unit="plans")


@before_import
def neutral_algebras() -> tuple[object, list[tuple[str, str]]]:
    """Every implementation under its id, in an order that says nothing."""
    return build_algebras, VERDICTS.neutral_ids()


# ---- graded tests --------------------------------------------------------------------


@graded(points=3, hint="Compare results of running plans (run(p1) == run(p2)), never the plan objects.")
def test_properties_pass_on_correct() -> None:
    """Your four checks pass on the library's primitives and on the closure version."""
    VERDICTS.passes_on_correct()


@graded(
    points=1,
    hint="In check_replay, count the capability's calls right after building the plan: expect 0.",
)
def test_catches_eager_bind() -> None:
    """Caught: a bind that runs its plan and f while it is being built."""
    VERDICTS.caught("eager bind")


@graded(points=1, hint="Generate plans that finish with Err, and check right identity on them.")
def test_catches_bind_that_drops_err() -> None:
    """Caught: a bind that turns an Err into Ok and carries on."""
    VERDICTS.caught("bind drops Err")


@graded(
    points=1,
    hint="Left identity: bind(pure(x), f) must equal f(x); use functions that change the value.",
)
def test_catches_bind_that_ignores_f() -> None:
    """Caught: a bind that never calls f."""
    VERDICTS.caught("bind ignores f")


@graded(points=1, hint="Compare whole Err values, code included, after a bind.")
def test_catches_bind_that_rewrites_err() -> None:
    """Caught: a bind that replaces the error code of an Err."""
    VERDICTS.caught("bind rewrites Err")


@graded(points=1, hint="check_replay must run the same plan value twice, with a lifted step in it.")
def test_catches_lift_that_reuses_its_coroutine() -> None:
    """Caught: a lift that keeps one coroutine and awaits it again on the second run."""
    VERDICTS.caught("lift reuses its coroutine")


@graded(points=1, hint="Equal results are not enough: count the calls, two runs must make two calls.")
def test_catches_lift_that_caches_its_result() -> None:
    """Caught: a lift that calls the capability once and replays the stored result."""
    VERDICTS.caught("lift caches its result")


@graded(points=1, hint="Right identity over an Ok plan compares Ok(v) with what bind(m, pure) gives.")
def test_catches_pure_that_wraps_twice() -> None:
    """Caught: a pure that finishes with Ok(Ok(x))."""
    VERDICTS.caught("pure wraps twice")


@graded(points=1, hint="Use functions that fail for some inputs, and compare with f(x) itself: an Err from f "
                       "must come out of bind unchanged.")
def test_catches_bind_that_drops_err_of_f() -> None:
    """Caught: a bind that turns an Err returned by f's plan back into Ok."""
    VERDICTS.caught("bind drops Err of f")


@graded(points=1, hint="Compare whole results: an Err that f's plan returns must keep its code.")
def test_catches_bind_that_rewrites_err_of_f() -> None:
    """Caught: a bind that relabels the code of an Err returned by f's plan."""
    VERDICTS.caught("bind rewrites Err of f")


@graded(points=1, hint="Compare whole Err values (code, message, path), not only their codes.")
def test_catches_bind_that_loses_err_details() -> None:
    """Caught: a bind that keeps an Err's code but loses its message and path."""
    VERDICTS.caught("bind loses Err details")


@graded(points=1, hint="In check_replay, count the lifted step's calls after one run: exactly one.")
def test_catches_bind_that_runs_its_plan_twice() -> None:
    """Caught: a bind that runs its first plan twice on every run."""
    VERDICTS.caught("bind runs its plan twice")


@graded(points=1, hint="Associativity needs f and g that do not commute (add then fail-if-even, say), "
                       "and plans built from binds on the left.")
def test_catches_bind_that_reassociates() -> None:
    """Caught: a bind that flattens nested binds but runs their steps in the wrong order."""
    VERDICTS.caught("bind reassociates")


@graded(points=1, hint="In check_replay, count the calls of the function given to map too: one per run.")
def test_catches_map_that_calls_f_twice() -> None:
    """Caught: a map that calls its function twice."""
    VERDICTS.caught("map calls f twice")


ONLY_ITS_LAW = {
    "check_left_identity": "bind rewrites Err of f",
    "check_right_identity": "bind loses Err details",
    "check_associativity": "bind reassociates",
}
"""For each law, a wrong algebra that breaks that law and no other: the law's own check must see it."""


@graded(points=2, hint="Each check must test its own law: compare the two sides of the equation, run, for "
                       "generated plans and functions that fail as well as succeed.")
def test_each_law_check_sees_its_own_bug() -> None:
    """Each law's check fails on the wrong bind that breaks that law alone (no other check can stand in)."""
    try:
        VERDICTS.passes_on_correct()
    except AssertionError as exc:
        raise AssertionError(f"your checks must first pass on correct primitives ({exc})") from None
    missed = [f"{check} passed on {WRONG[kind].mistake}" for check, kind in ONLY_ITS_LAW.items()
              if VERDICTS.run(check, kind)["passed"]]
    assert not missed, "; ".join(missed)
