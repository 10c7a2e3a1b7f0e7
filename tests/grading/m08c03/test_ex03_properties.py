"""Graded: exercise 3, the learner's own properties of a bounded map (``ex03_properties.py``).

The learner's ``check_*`` functions must pass on correct bounded maps (the
library's ``async_gen_bounded_map`` and a plain hand-written one) and fail on
each wrong one kept here (one point per one caught). Every implementation
reaches the learner's code behind the same neutral, counting function, under
an id drawn afresh for each grading, so the only way to tell a correct one
from a wrong one is to test it.
"""

from __future__ import annotations

from typing import Any, TypedDict

from funcpipe_rag.grading.harness import before_import, graded, load, observer, require
from funcpipe_rag.grading.properties import (
    LearnerChecks,
    PropertyRun,
    RunCounter,
    learner_profile,
    neutral_stream_impl,
    run_property,
)
from funcpipe_rag.testing import WRONG_BOUNDED

EXERCISE = "ex03_properties"
TITLE = "Write the properties of a bounded map"
CHECKS = ("check_in_flight", "check_backpressure", "check_order", "check_err_items", "check_promptness",
          "check_closing", "check_bugs_propagate")
CORRECT = {"library": "the library's async_gen_bounded_map", "reference": "a plain, correct bounded map"}
LIKELY = {
    "one too many in flight": "check_in_flight", "reads the whole source first": "check_backpressure",
    "buffers behind a straggler": "check_backpressure", "ignores the order asked for": "check_order",
    "calls f on Err items": "check_err_items", "drops Err items": "check_err_items",
    "waits for the source": "check_promptness", "leaves plans running": "check_closing",
    "turns exceptions into Err": "check_bugs_propagate",
}
"""The check most likely to catch a wrong map is run first (any check may catch it)."""
WRONGS = {kind: f"a map that {WRONG_BOUNDED[kind].mistake}" for kind in LIKELY}
MIN_RUNS = 20
"""Runs each property must make on a correct implementation: generated examples, not a few fixed ones."""

# ---- next to the learner's code -------------------------------------------------------------

_IMPLS: dict[str, tuple[Any, RunCounter]] = {}


@observer
def build_impls(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral function per (id, implementation)."""
    from funcpipe_rag import async_gen_bounded_map
    from funcpipe_rag.testing import handmade_bounded

    learner_profile()
    for ident, kind in case:
        impl = (async_gen_bounded_map if kind == "library" else handmade_bounded() if kind == "reference"
                else WRONG_BOUNDED[kind].impl)
        _IMPLS[ident] = neutral_stream_impl(impl)


class CheckCase(TypedDict):
    check: str
    impl: str


@observer
def run_check(case: CheckCase) -> PropertyRun:
    """Run one of the learner's checks against the implementation with this id."""
    check = require(load(EXERCISE), case["check"])
    impl, counter = _IMPLS[case["impl"]]
    return run_property(check, impl, counter)


# ---- the grader's side ------------------------------------------------------------------------


VERDICTS = LearnerChecks(run_check, CHECKS, CORRECT, WRONGS, likely=LIKELY, min_runs=MIN_RUNS, unit="streams")


@before_import
def neutral_impls() -> tuple[object, list[tuple[str, str]]]:
    """Every implementation under its id, in an order that says nothing."""
    return build_impls, VERDICTS.neutral_ids()


@graded(points=3, hint=(
    "Generate sources and limits with Hypothesis; compare with what the contract allows, never with one "
    "implementation's exact timings.",
))
def test_properties_pass_on_correct() -> None:
    """Your seven checks pass on the library's bounded map and on a plain correct one, over generated runs."""
    VERDICTS.passes_on_correct()


@graded(points=1, hint="Count the plans running (up on start, down in a finally) and compare with the limit.")
def test_catches_one_too_many_in_flight() -> None:
    """Caught: a map that runs max_concurrent + 1 plans at once."""
    VERDICTS.caught("one too many in flight")


@graded(points=1, hint="At each pull, count the items the source gave minus those the consumer received.")
def test_catches_reading_the_whole_source() -> None:
    """Caught: a map that reads its whole source before starting."""
    VERDICTS.caught("reads the whole source first")


@graded(points=1, hint=(
    "Use a slow plan (a straggler) early in the source and several quick ones after it, with a small limit: "
    "a map that keeps pulling while finished results wait runs ahead.",
))
def test_catches_buffering_behind_a_straggler() -> None:
    """Caught: a map that keeps pulling while finished results wait behind a straggler."""
    VERDICTS.caught("buffers behind a straggler")


@graded(points=1, hint="Run both orders: ordered mode must give exactly the source order.")
def test_catches_ignoring_the_order() -> None:
    """Caught: a map that gives the other order from the one asked for."""
    VERDICTS.caught("ignores the order asked for")


@graded(points=1, hint="Record the arguments f is called with; generate Err items in the source.")
def test_catches_f_on_err_items() -> None:
    """Caught: a map that calls f on Err items."""
    VERDICTS.caught("calls f on Err items")


@graded(points=1, hint="Check that every Err item of the source comes out.")
def test_catches_dropped_err_items() -> None:
    """Caught: a map that drops the Err items."""
    VERDICTS.caught("drops Err items")


@graded(points=1, hint=(
    "Make the source slow (hundreds of ms between items) and the plans quick; compare when each result "
    "was ready with when it was received.",
))
def test_catches_waiting_for_the_source() -> None:
    """Caught: a map that hands on a ready result only when the next source item arrives."""
    VERDICTS.caught("waits for the source")


@graded(points=1, hint="Stop consuming early, then count the plans still running and the tasks left.")
def test_catches_leaving_plans_running() -> None:
    """Caught: a map that leaves its plans running when the consumer stops."""
    VERDICTS.caught("leaves plans running")


@graded(points=1, hint="Plant an exception in one plan and check that the consumer sees it raised.")
def test_catches_exceptions_turned_into_err() -> None:
    """Caught: a map that turns a plan's exception into an Err item."""
    VERDICTS.caught("turns exceptions into Err")
