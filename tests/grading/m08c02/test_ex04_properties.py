"""Graded: exercise 4, the learner's own stream properties (``ex04_properties.py``).

The learner's ``check_*`` functions must pass on correct implementations of
the stream combinators (the library's, and the chapter's nested generators)
and fail on each wrong one kept in ``funcpipe_rag.testing.WRONG_STREAMS``
(one point per one caught). Every implementation reaches the learner's code
behind the same neutral wrapper, under an id drawn afresh for each grading.
"""

from __future__ import annotations

from typing import TypedDict

from funcpipe_rag.grading.harness import before_import, graded, load, observer, require
from funcpipe_rag.grading.properties import (
    LearnerChecks,
    PropertyRun,
    RunCounter,
    StreamImpl,
    learner_profile,
    neutral_streams,
    run_property,
)
from funcpipe_rag.testing import LIBRARY_STREAMS, NESTED, WRONG_STREAMS

EXERCISE = "ex04_properties"
TITLE = "Write the stream properties yourself"
CHECKS = (
    "check_left_identity",
    "check_right_identity",
    "check_associativity",
    "check_err_passes_through",
    "check_lazy",
)
CORRECT = {"library": "the library's streams", "nested": "the chapter's nested generators"}
CAUGHT = (
    "and_then drops Err",
    "and_then stops at Err",
    "and_then calls f on Err",
    "and_then builds for Err",
    "and_then reverses inner",
    "and_then reassociates",
    "ret wraps twice",
    "and_then reads ahead",
    "map calls f on Err",
)
LIKELY = {
    "and_then drops Err": "check_right_identity",
    "and_then stops at Err": "check_err_passes_through",
    "and_then calls f on Err": "check_err_passes_through",
    "and_then builds for Err": "check_err_passes_through",
    "and_then reverses inner": "check_left_identity",
    "and_then reassociates": "check_associativity",
    "ret wraps twice": "check_right_identity",
    "and_then reads ahead": "check_lazy",
    "map calls f on Err": "check_err_passes_through",
}
"""The check most likely to catch a wrong implementation is run first (any check may catch it)."""
MIN_RUNS = 20
"""Streams each property must run on a correct implementation: generated examples, not a few fixed ones."""


# ---- next to the learner's code -------------------------------------------------------------

_ALGEBRAS: dict[str, tuple[StreamImpl, RunCounter]] = {}


@observer
def build_algebras(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral wrapper per (id, implementation)."""
    learner_profile()
    for ident, kind in case:
        alg = (
            LIBRARY_STREAMS if kind == "library" else NESTED if kind == "nested" else WRONG_STREAMS[kind].impl
        )
        _ALGEBRAS[ident] = neutral_streams(alg)


class CheckCase(TypedDict):
    check: str
    impl: str


@observer
def run_check(case: CheckCase) -> PropertyRun:
    """Run one of the learner's checks against the implementation with this id."""
    check = require(load(EXERCISE), case["check"])
    impl, counter = _ALGEBRAS[case["impl"]]
    return run_property(check, impl, counter)  # type: ignore[arg-type]


# ---- the grader's side ------------------------------------------------------------------------


WRONGS = {kind: WRONG_STREAMS[kind].mistake for kind in CAUGHT}
"""What a learner reads about each wrong implementation."""
VERDICTS = LearnerChecks(run_check, CHECKS, CORRECT, WRONGS, likely=LIKELY, min_runs=MIN_RUNS, unit="streams")


@before_import
def neutral_algebras() -> tuple[object, list[tuple[str, str]]]:
    """Every implementation under its id, in an order that says nothing."""
    return build_algebras, VERDICTS.neutral_ids()


# ---- graded tests --------------------------------------------------------------------


@graded(points=3, hint="Compare the items of runs (run(s1) == run(s2)), never the stream objects.")
def test_properties_pass_on_correct() -> None:
    """Your five checks pass on the library's streams and on the nested generators."""
    VERDICTS.passes_on_correct()


@graded(points=1, hint="Right identity over a source with Err items: bind(s, pure) must keep them.")
def test_catches_and_then_that_drops_errs() -> None:
    """Caught: an and_then that skips Err items."""
    VERDICTS.caught("and_then drops Err")


@graded(points=1, hint="Put an Ok item after an Err in your sources: it must still come out.")
def test_catches_and_then_that_stops_at_an_err() -> None:
    """Caught: an and_then that ends the stream at the first Err."""
    VERDICTS.caught("and_then stops at Err")


@graded(points=1, hint="Record every value your bind function is called with: never an Err's.")
def test_catches_and_then_that_calls_f_on_errs() -> None:
    """Caught: an and_then that starts an inner stream for an Err item."""
    VERDICTS.caught("and_then calls f on Err")


@graded(points=1, hint=(
    "Record every value your bind function is called with, and assert it never sees an Err's error: "
    "a call whose result is thrown away leaves no trace in the items."))
def test_catches_and_then_that_builds_streams_for_errs() -> None:
    """Caught: an and_then that calls its function with an Err's error, ignoring what it builds or raises."""
    VERDICTS.caught("and_then builds for Err")


@graded(points=1, hint="Left identity with functions that return several different items, in an order.")
def test_catches_and_then_that_reverses_inner_streams() -> None:
    """Caught: an and_then that emits each inner stream backwards."""
    VERDICTS.caught("and_then reverses inner")


@graded(points=1, hint="Associativity with two functions that do not commute (say +1 then a span).")
def test_catches_and_then_that_reassociates() -> None:
    """Caught: an and_then that flattens nested and_thens but applies their functions in the wrong order."""
    VERDICTS.caught("and_then reassociates")


@graded(points=1, hint="Compare whole items: Ok(x) is not Ok(Ok(x)).")
def test_catches_pure_that_wraps_twice() -> None:
    """Caught: a pure that emits Ok(Ok(x))."""
    VERDICTS.caught("ret wraps twice")


@graded(points=1, hint="Count the source's items after taking k of bind(source, pure) too, not only of map.")
def test_catches_and_then_that_reads_ahead() -> None:
    """Caught: an and_then that pulls one source item ahead of its consumer."""
    VERDICTS.caught("and_then reads ahead")


@graded(points=1, hint="Record every value your map function is called with: never an Err's.")
def test_catches_map_that_calls_f_on_errs() -> None:
    """Caught: a map that calls its function for Err items too."""
    VERDICTS.caught("map calls f on Err")
