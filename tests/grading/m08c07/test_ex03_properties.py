"""Graded: exercise 3, the learner's own properties of the lifts (``ex03_properties.py``).

The learner's ``check_*`` functions must pass on the library's lifts and
fail on each wrong set kept in ``funcpipe_rag.testing.WRONG_LIFTS`` (one
point per one caught). Every implementation reaches the learner's code
behind the same neutral wrapper, under an id drawn afresh for each grading.
"""

from __future__ import annotations

from typing import TypedDict

from funcpipe_rag.grading.harness import before_import, graded, load, observer, require
from funcpipe_rag.grading.properties import (
    LearnerChecks,
    LiftsImpl,
    PropertyRun,
    RunCounter,
    learner_profile,
    neutral_lifts,
    run_property,
)
from funcpipe_rag.testing import LIBRARY_LIFTS, WRONG_LIFTS

EXERCISE = "ex03_properties"
TITLE = "Write the properties of the lifts yourself"
CHECKS = (
    "check_equals_from_result",
    "check_exception_becomes_err",
    "check_building_calls_nothing",
    "check_stream_in_order",
)
CORRECT = {"library": "the library's lifts"}
CAUGHT = (
    "lift runs at build",
    "lift lets exceptions escape",
    "lift wraps the Result",
    "lift relabels errors",
    "stream lift drops the last item",
)
LIKELY = {
    "lift runs at build": "check_building_calls_nothing",
    "lift lets exceptions escape": "check_exception_becomes_err",
    "lift wraps the Result": "check_equals_from_result",
    "lift relabels errors": "check_exception_becomes_err",
    "stream lift drops the last item": "check_stream_in_order",
}
"""The check most likely to catch a wrong implementation is run first (any check may catch it)."""
MIN_RUNS = 20
"""Calls of lifted functions each property must make on a correct implementation: generated examples."""


# ---- next to the learner's code -------------------------------------------------------------

_ALGEBRAS: dict[str, tuple[LiftsImpl, RunCounter]] = {}


@observer
def build_algebras(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral wrapper per (id, implementation)."""
    learner_profile()
    for ident, kind in case:
        lifts = LIBRARY_LIFTS if kind == "library" else WRONG_LIFTS[kind].impl
        _ALGEBRAS[ident] = neutral_lifts(lifts)


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


WRONGS = {kind: WRONG_LIFTS[kind].mistake for kind in CAUGHT}
"""What a learner reads about each wrong implementation."""
VERDICTS = LearnerChecks(run_check, CHECKS, CORRECT, WRONGS, likely=LIKELY, min_runs=MIN_RUNS, unit="calls")


@before_import
def neutral_algebras() -> tuple[object, list[tuple[str, str]]]:
    """Every implementation under its id, in an order that says nothing."""
    return build_algebras, VERDICTS.neutral_ids()


# ---- graded tests --------------------------------------------------------------------


@graded(points=3, hint="Compare the Result of running the plan with f(x) itself, on generated f and x.")
def test_properties_pass_on_correct() -> None:
    """Your four checks pass on the library's lifts."""
    VERDICTS.passes_on_correct()


@graded(points=1, hint="Count f's calls right after building the plans: expect 0.")
def test_catches_lift_that_runs_at_build() -> None:
    """Caught: a lift_sync that calls f while the plan is built."""
    VERDICTS.caught("lift runs at build")


@graded(points=1, hint="Run a lifted function that raises: the plan must finish with an Err, not raise.")
def test_catches_lift_that_lets_exceptions_escape() -> None:
    """Caught: a lift_sync that lets f's exception propagate."""
    VERDICTS.caught("lift lets exceptions escape")


@graded(points=1, hint="Compare whole results: Ok(Ok(x)) is not Ok(x).")
def test_catches_lift_that_wraps_the_result() -> None:
    """Caught: a lift_sync that wraps f's Result in Ok."""
    VERDICTS.caught("lift wraps the Result")


@graded(points=1, hint="Check the code of the Err an exception becomes: 'UNEXPECTED'.")
def test_catches_lift_that_relabels_errors() -> None:
    """Caught: a lift_sync that reports an exception with code SERVICE."""
    VERDICTS.caught("lift relabels errors")


@graded(points=1, hint="Compare every item of the stream, the last one too, with f's list.")
def test_catches_stream_lift_that_drops_the_last_item() -> None:
    """Caught: a lift_sync_gen_with_executor that loses the last item."""
    VERDICTS.caught("stream lift drops the last item")
