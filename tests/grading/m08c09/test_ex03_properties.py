"""Graded: exercise 3, the learner's own properties of a batcher (``ex03_properties.py``).

The learner's ``check_*`` functions must pass on correct batchers (the
library's ``async_gen_chunk`` and a plain hand-written one) and fail on each
wrong one kept here (one point per one caught). Every implementation reaches
the learner's code behind the same neutral, counting function, under an id
drawn afresh for each grading, so the only way to tell a correct one from a
wrong one is to test it.
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
from funcpipe_rag.testing import WRONG_CHUNK

EXERCISE = "ex03_properties"
TITLE = "Write the properties of a batcher"
CHECKS = ("check_order", "check_exactly_once", "check_size", "check_delay", "check_prefetch", "check_closing")
CORRECT = {"library": "the library's async_gen_chunk", "reference": "a plain, correct batcher"}
LIKELY = {
    "checks the age only when an item arrives": "check_delay",
    "lets an Err overtake the open batch": "check_order",
    "checks the size after adding": "check_size", "drops the remainder": "check_exactly_once",
    "reads one item ahead": "check_prefetch", "leaves the source open": "check_closing",
}
"""The check most likely to catch a wrong batcher is run first (any check may catch it)."""
WRONGS = {kind: f"a batcher that {WRONG_CHUNK[kind].mistake}" for kind in LIKELY}
MIN_RUNS = 20
"""Runs each property must make on a correct implementation: generated examples, not a few fixed ones."""

# ---- next to the learner's code -------------------------------------------------------------

_IMPLS: dict[str, tuple[Any, RunCounter]] = {}


@observer
def build_impls(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral function per (id, implementation)."""
    from funcpipe_rag import async_gen_chunk
    from funcpipe_rag.testing import handmade_chunk

    learner_profile()
    for ident, kind in case:
        impl = (async_gen_chunk if kind == "library" else handmade_chunk() if kind == "reference"
                else WRONG_CHUNK[kind].impl)
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
    "Generate sources (gaps, sizes, Err items) and policies with Hypothesis; compare with what the contract "
    "allows, never with one implementation's exact batches.",
))
def test_properties_pass_on_correct() -> None:
    """Your six checks pass on the library's batcher and on a plain correct one, over generated runs."""
    VERDICTS.passes_on_correct()


@graded(points=1, hint=(
    "Stall the source for far longer than max_delay_ms after a value, then compare each batch's age when "
    "received with the limit.",
))
def test_catches_the_age_checked_on_arrival() -> None:
    """Caught: a batcher that checks a batch's age only when the next item arrives (the course's)."""
    VERDICTS.caught("checks the age only when an item arrives")


@graded(points=1, hint=(
    "Put Err items among the values with flush_on_err=False: an Err must never come out ahead of a value "
    "that came before it.",
))
def test_catches_an_err_overtaking() -> None:
    """Caught: a batcher that lets an Err overtake the open batch (the course's)."""
    VERDICTS.caught("lets an Err overtake the open batch")


@graded(points=1, hint="Sum size_fn over each batch of two or more values and compare with max_units.")
def test_catches_the_size_checked_after_adding() -> None:
    """Caught: a batcher that adds a value first and checks the size after."""
    VERDICTS.caught("checks the size after adding")


@graded(points=1, hint="Read to the end with limits that leave a batch open: every value must come out.")
def test_catches_a_dropped_remainder() -> None:
    """Caught: a batcher that drops the open batch when the source ends."""
    VERDICTS.caught("drops the remainder")


@graded(points=1, hint=(
    "Count the values the source gave and those in batches received; at each batch the difference is at "
    "most one.",
))
def test_catches_reading_ahead() -> None:
    """Caught: a batcher that reads one item more than it needs."""
    VERDICTS.caught("reads one item ahead")


@graded(points=1, hint=(
    "Stop after a batch or two, then look whether the source's finally ran before closing returned, and "
    "count the tasks left.",
))
def test_catches_leaving_the_source_open() -> None:
    """Caught: a batcher that does not close its source when the consumer stops."""
    VERDICTS.caught("leaves the source open")
