"""Graded: exercise 3, the learner's own properties of rate limits and fair merges (``ex03_properties.py``).

The learner's ``check_*`` functions must pass on the library's operators and
fail on each wrong one kept here (one point per one caught). Every
implementation reaches the learner's code behind the same neutral object
(``impl.rate_limited``, ``impl.fair_merge``) whose streams count their runs,
under an id drawn afresh for each grading, so the only way to tell a correct
one from a wrong one is to test it.
"""

from __future__ import annotations

from typing import Any, TypedDict

from funcpipe_rag.grading.harness import before_import, graded, load, observer, require
from funcpipe_rag.grading.properties import (
    LearnerChecks,
    PropertyRun,
    RunCounter,
    learner_profile,
    neutral_fairness,
    run_property,
)
from funcpipe_rag.testing import WRONG_FAIRNESS

EXERCISE = "ex03_properties"
TITLE = "Write the properties of limits and fair merges"
CHECKS = ("check_envelope", "check_exact", "check_weighted_shares", "check_no_stall")
CORRECT = {"library": "the library's async_gen_rate_limited and async_gen_fair_merge"}
WRONGS = {kind: WRONG_FAIRNESS[kind].mistake for kind in (
    "bucket without a cap", "fixed spacing", "weights ignored", "streams pulled in turn",
)}
LIKELY = {
    "bucket without a cap": "check_envelope", "fixed spacing": "check_exact",
    "weights ignored": "check_weighted_shares", "streams pulled in turn": "check_no_stall",
}
"""The check most likely to catch a wrong operator is run first (any check may catch it)."""
MIN_RUNS = 20
"""Runs each property must make on a correct implementation: generated examples, not a few fixed ones."""

# ---- next to the learner's code -------------------------------------------------------------

_IMPLS: dict[str, tuple[Any, RunCounter]] = {}


@observer
def build_impls(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral object per (id, implementation)."""
    from funcpipe_rag.testing import LIBRARY_FAIRNESS

    learner_profile()
    for ident, kind in case:
        impl = LIBRARY_FAIRNESS if kind == "library" else WRONG_FAIRNESS[kind].impl
        _IMPLS[ident] = neutral_fairness(impl)


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


VERDICTS = LearnerChecks(run_check, CHECKS, CORRECT, WRONGS, likely=LIKELY, min_runs=MIN_RUNS)


@before_import
def neutral_impls() -> tuple[object, list[tuple[str, str]]]:
    """Every implementation under its id, in an order that says nothing."""
    return build_impls, VERDICTS.neutral_ids()


@graded(
    points=4,
    hint=(
        "Generate policies and pauses (or weights and lengths) with Hypothesis, run on run_virtual, and "
        "compare with what the policy allows, never with one implementation's exact output."
    ),
)
def test_properties_pass_on_correct() -> None:
    """Your four checks pass on the library's operators, each over generated runs."""
    VERDICTS.passes_on_correct()


@graded(
    points=1,
    hint=(
        "Pause the consumer long enough for tokens to pile up (seconds), then ask quickly: count the pulls "
        "in every window against rate * w + burst."
    ),
)
def test_catches_a_bucket_without_a_cap() -> None:
    """Caught: a bucket that saves every token earned while idle."""
    VERDICTS.caught("bucket without a cap")


@graded(
    points=1,
    hint=(
        "A full bucket lets burst_tokens pulls go at once: compare each pull with "
        "policy.earliest_starts(asked)."
    ),
)
def test_catches_fixed_spacing() -> None:
    """Caught: a limiter that spaces every call by 1/rate, never bursting."""
    VERDICTS.caught("fixed spacing")


@graded(
    points=1,
    hint=(
        "Merge ready lists under unequal weights (3 and 1, say) and check count/weight after every item."
    ),
)
def test_catches_weights_ignored() -> None:
    """Caught: a merge that gives equal turns whatever the weights."""
    VERDICTS.caught("weights ignored")


@graded(
    points=1,
    hint=(
        "Put a stream that sleeps before each item next to one whose items are all ready, and look at the "
        "time each ready item comes out."
    ),
)
def test_catches_streams_pulled_in_turn() -> None:
    """Caught: a merge that awaits each stream in turn, so a slow one stalls the others."""
    VERDICTS.caught("streams pulled in turn")
