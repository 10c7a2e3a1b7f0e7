"""Graded: exercise 3, the learner's own properties of a retry loop (``ex03_properties.py``).

The learner's ``check_*`` functions must pass on correct implementations of
``async_with_resilience`` (the library's and a plain reference loop) and fail
on each wrong one kept here (one point per one caught). Every implementation
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
    neutral_impl,
    run_property,
)
from funcpipe_rag.testing import WRONG_RESILIENCE

EXERCISE = "ex03_properties"
TITLE = "Write the properties of a retry loop"
CHECKS = ("check_attempts_bounded", "check_only_retriable_codes", "check_delays_within_cap",
          "check_retry_after", "check_last_error_kept", "check_timeout_cancels")
CORRECT = {"library": "the library's async_with_resilience", "reference": "a plain, correct retry loop"}
WRONGS = {kind: f"a loop that {WRONG_RESILIENCE[kind].mistake}" for kind in (
    "one attempt too many", "retries any code", "jitter after the cap", "no cap", "ignores Retry-After",
    "MAX_RETRIES", "forgets the attempts", "timeout without cancel",
)}
LIKELY = {
    "one attempt too many": "check_attempts_bounded", "retries any code": "check_only_retriable_codes",
    "jitter after the cap": "check_delays_within_cap", "no cap": "check_delays_within_cap",
    "ignores Retry-After": "check_retry_after", "MAX_RETRIES": "check_last_error_kept",
    "forgets the attempts": "check_last_error_kept", "timeout without cancel": "check_timeout_cancels",
}
"""The check most likely to catch a wrong loop is run first (any check may catch it)."""
MIN_RUNS = 20
"""Runs each property must make on a correct implementation: generated examples, not a few fixed ones."""

# ---- next to the learner's code -------------------------------------------------------------

_IMPLS: dict[str, tuple[Any, RunCounter]] = {}


@observer
def build_impls(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral function per (id, implementation)."""
    from funcpipe_rag import async_with_resilience
    from funcpipe_rag.testing import closure_with_resilience

    learner_profile()
    for ident, kind in case:
        impl = (async_with_resilience if kind == "library" else closure_with_resilience if kind == "reference"
                else WRONG_RESILIENCE[kind].impl)
        _IMPLS[ident] = neutral_impl(impl)


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


def _passes_on_correct() -> None:
    VERDICTS.passes_on_correct()


def _caught(kind: str) -> None:
    VERDICTS.caught(kind)


@graded(
    points=3,
    hint=(
        "Generate policies and replies with Hypothesis; compare with what the policy allows, "
        "never with one implementation's exact numbers."
    ),
)
def test_properties_pass_on_correct() -> None:
    """Your six checks pass on the library's loop and on a plain correct one, each over generated runs."""
    _passes_on_correct()


@graded(
    points=1,
    hint=(
        "Count the attempts (a TraceRecorder, or a counting step) and compare with "
        "retry.max_attempts, for policies of 1 to a few attempts."
    ),
)
def test_catches_one_attempt_too_many() -> None:
    """Caught: a loop that makes max_attempts + 1 attempts."""
    _caught("one attempt too many")


@graded(
    points=1,
    hint=(
        "Generate failures whose code is not in retriable_codes, and check that the attempt "
        "before any retry failed with a retriable code."
    ),
)
def test_catches_retries_any_code() -> None:
    """Caught: a loop that retries every failure."""
    _caught("retries any code")


@graded(
    points=1,
    hint=(
        "Use policies whose backoff reaches the cap (max_backoff_ms equal to backoff_base_ms, "
        "say) with jitter, and compare every wait with the cap."
    ),
)
def test_catches_jitter_after_the_cap() -> None:
    """Caught: a loop that adds jitter after capping the delay."""
    _caught("jitter after the cap")


@graded(
    points=1,
    hint=(
        "A long Retry-After or many attempts push an uncapped wait past max_backoff_ms."
    ),
)
def test_catches_no_cap() -> None:
    """Caught: a loop that never caps its delay."""
    _caught("no cap")


@graded(
    points=1,
    hint=(
        "Give failures a retry_after_ms and check the wait after them is at least "
        "min(retry_after_ms, max_backoff_ms)."
    ),
)
def test_catches_ignoring_retry_after() -> None:
    """Caught: a loop that retries sooner than Retry-After asked."""
    _caught("ignores Retry-After")


@graded(
    points=1,
    hint=(
        "When the run gives up, compare its code with the last attempt's outcome."
    ),
)
def test_catches_max_retries() -> None:
    """Caught: a loop that replaces the last error's code with MAX_RETRIES."""
    _caught("MAX_RETRIES")


@graded(
    points=1,
    hint=(
        "Check ctx['attempts'] of the final error against the number of attempts made."
    ),
)
def test_catches_forgotten_attempts() -> None:
    """Caught: a loop that gives up without recording the attempts."""
    _caught("forgets the attempts")


@graded(
    points=1,
    hint=(
        "Use replies slower than the timeout; check the late attempt was cancelled, that the step "
        "wrote at most once, and that no task is left."
    ),
)
def test_catches_timeout_without_cancel() -> None:
    """Caught: a loop that stops waiting at the deadline but leaves the attempt running."""
    _caught("timeout without cancel")
