"""Graded: exercise 1, a retry policy's arithmetic (``ex01_backoff.py``).

The observer calls the learner's ``delay_ms`` and ``should_retry`` on plain
policies (any object with the fields will do: a namespace here) and reports
the numbers; the judges compare them with the library's ``RetryPolicy``
arithmetic. Cases are drawn path by path — plain doubling, at the cap,
Retry-After winning, Retry-After capped — with values that break careless
code: a zero base, a zero jitter, ``u = 0``, ``retry_after_ms = 0``, huge
attempt numbers, an empty set of codes.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TypedDict

from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st

from funcpipe_rag import RetryPolicy
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import Strata

EXERCISE = "ex01_backoff"
TITLE = "A retry policy's arithmetic"
EXAMPLES = 24

# ---- next to the learner's code -------------------------------------------------------------

Fields = tuple[int, frozenset[str], float, float, float]
"""max_attempts, retriable_codes, backoff_base_ms, max_backoff_ms, jitter_factor"""


def _policy(fields: Fields) -> SimpleNamespace:
    attempts, codes, base, cap, jitter = fields
    return SimpleNamespace(max_attempts=attempts, retriable_codes=frozenset(codes), backoff_base_ms=base,
                           max_backoff_ms=cap, jitter_factor=jitter)


class DelayCase(TypedDict):
    fields: Fields
    attempt: int
    u: float
    retry_after_ms: float | None


class Delay(TypedDict):
    value: object  # a float, or the name of the exception raised


@observer
def delay(case: DelayCase) -> Delay:
    """``delay_ms(policy, attempt, u, retry_after_ms)`` of the learner."""
    fn = require(load(EXERCISE), "delay_ms")
    try:
        value = fn(_policy(case["fields"]), case["attempt"], case["u"], case["retry_after_ms"])
    except (ValueError, OverflowError) as exc:
        return {"value": type(exc).__name__}
    return {"value": value}


class RetryCase(TypedDict):
    fields: Fields
    code: str
    attempt: int


class Decision(TypedDict):
    value: object


@observer
def retries(case: RetryCase) -> Decision:
    """``should_retry(policy, code, attempt)`` of the learner."""
    fn = require(load(EXERCISE), "should_retry")
    return {"value": fn(_policy(case["fields"]), case["code"], case["attempt"])}


# ---- the grader's side ------------------------------------------------------------------------

CODES = ("RATE_LIMIT", "TRANSIENT", "TIMEOUT", "NETWORK", "SERVICE", "NOT_FOUND", "")
SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}


@st.composite
def fields(draw: st.DrawFn) -> Fields:
    base = draw(st.sampled_from([0.0, 1.0, 10.0, 100.0, 250.0]), label="backoff_base_ms")
    cap = draw(st.sampled_from([base, 500.0, 1_000.0, 60_000.0]).filter(lambda c: c >= base),
               label="max_backoff_ms")
    jitter = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]), label="jitter_factor")
    codes = draw(st.frozensets(st.sampled_from(CODES[:-1])), label="retriable_codes")
    return (draw(st.integers(1, 6), label="max_attempts"), codes, base, cap, jitter)


def library(f: Fields) -> RetryPolicy:
    return RetryPolicy(f[0], f[1], f[2], f[3], f[4])


draws = st.sampled_from([0.0, 0.25, 0.5, 0.999])


@st.composite
def _case(draw: st.DrawFn, path: str) -> DelayCase:
    f = draw(fields())
    base, cap = f[2], f[3]
    if path == "doubling":
        below = [k for k in range(1, 8) if base * 2 ** (k - 1) <= cap]
        attempt = draw(st.sampled_from(below))
        return {"fields": f, "attempt": attempt, "u": draw(draws), "retry_after_ms": None}
    if path == "capped":
        if base == 0:  # a zero base never reaches a cap: start from 1 ms
            f = (f[0], f[1], 1.0, max(cap, 1.0), f[4])
            base, cap = f[2], f[3]
        above = [k for k in (12, 40, 1_100, 5_000) if base * 2.0 ** min(k - 1, 1000) > cap]
        attempt = draw(st.sampled_from(above))
        return {"fields": f, "attempt": attempt, "u": draw(draws), "retry_after_ms": None}
    if path == "retry-after wins":
        # a wait between the jittered backoff and the cap (0 when the backoff is 0)
        attempt, u = draw(st.integers(1, 4)), draw(draws)
        jittered = library(f).backoff_ms(attempt) * (1 - f[4] * u)
        share = draw(st.sampled_from([0.0, 0.5, 1.0]))
        wait = jittered + share * (cap - jittered)
        return {"fields": f, "attempt": attempt, "u": u, "retry_after_ms": wait}
    return {"fields": f, "attempt": draw(st.integers(1, 4)), "u": draw(draws),
            "retry_after_ms": draw(st.sampled_from([cap + 1.0, cap * 3 + 7.0, 1e9]))}


# Spelled out, not a comprehension: the grader's splitter must see every use of _case at top level.
DELAYS = Strata({
    "doubling": _case("doubling"), "capped": _case("capped"),
    "retry-after wins": _case("retry-after wins"), "retry-after capped": _case("retry-after capped"),
})
"""Delay cases path by path; each test runs the paths it names (see PATHS)."""


def path_of(case: DelayCase) -> str:
    """The path a case really takes with the library's arithmetic."""
    policy = library(case["fields"])
    wait = case["retry_after_ms"]
    jittered = policy.backoff_ms(case["attempt"]) * (1 - policy.jitter_factor * case["u"])
    if wait is not None and wait > policy.max_backoff_ms:
        return "retry-after capped"
    if wait is not None and wait >= jittered:
        return "retry-after wins"
    raw = policy.backoff_base_ms * 2.0 ** min(case["attempt"] - 1, 1000)
    return "capped" if raw > policy.max_backoff_ms else "doubling"


def _judge(case: DelayCase) -> None:
    policy = library(case["fields"])
    want = policy.delay_ms(case["attempt"], case["u"], case["retry_after_ms"])
    got = observe(delay, case)["value"]
    call = (f"delay_ms(policy(base={policy.backoff_base_ms:g}, cap={policy.max_backoff_ms:g}, "
            f"jitter={policy.jitter_factor:g}), attempt={case['attempt']}, u={case['u']}, "
            f"retry_after_ms={case['retry_after_ms']})")
    assert isinstance(got, int | float) and not isinstance(got, bool), f"{call} gave {got!r}, not a number"
    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), f"{call} gave {got!r}; the policy: {want!r}"


def _only(*paths: str) -> Strata[DelayCase]:
    return Strata({p: DELAYS.cases[p] for p in paths})


TESTED = {
    "test_doubling": _only("doubling"), "test_jitter_below_the_cap": _only("capped"),
    "test_retry_after": _only("retry-after wins"), "test_retry_after_is_capped": _only("retry-after capped"),
}
PATHS = {name: (strata, path_of, EXAMPLES) for name, strata in TESTED.items()}
"""For the grader's own tests: every case drawn for a path really takes it with the library's arithmetic."""


def _run(test: str) -> None:
    TESTED[test].run(lambda _p, case: _judge(case), max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Start from backoff_base_ms and double it per attempt: base * 2 ** (attempt - 1), then "
        "min(..., max_backoff_ms)."
    ),
)
def test_doubling() -> None:
    """Below the cap, the wait doubles with each attempt (then jitter shortens it)."""
    _run("test_doubling")


@graded(
    points=2,
    hint=(
        "Multiply the capped wait by (1 - jitter_factor * u): jitter shortens the wait, it never "
        "adds to it."
    ),
)
def test_jitter_below_the_cap() -> None:
    """At the cap, jitter still shortens the wait and never lengthens it past the cap."""
    _run("test_jitter_below_the_cap")


@graded(
    points=2,
    hint=(
        "When retry_after_ms is not None (0 included), take max(wait, retry_after_ms) before the "
        "final cap."
    ),
)
def test_retry_after() -> None:
    """A Retry-After wait raises the delay to at least that long."""
    _run("test_retry_after")


@graded(
    points=2,
    hint=(
        "Cap once more at the end: min(max(wait, retry_after_ms), max_backoff_ms)."
    ),
)
def test_retry_after_is_capped() -> None:
    """A Retry-After longer than the cap is cut to the cap."""
    _run("test_retry_after_is_capped")


@graded(
    points=1,
    hint=(
        "Raise ValueError for attempt < 1; stop doubling once past the cap (min(attempt - 1, "
        "1000) as the exponent keeps floats finite)."
    ),
)
def test_any_attempt() -> None:
    """Huge attempt numbers give the cap; attempts below 1 are refused with ValueError."""
    f: Fields = (3, frozenset({"TIMEOUT"}), 100.0, 2_000.0, 0.5)
    for attempt in (2_000, 10**6):
        got = observe(delay, {"fields": f, "attempt": attempt, "u": 0.0, "retry_after_ms": None})["value"]
        assert got == 2_000.0, f"delay_ms(..., attempt={attempt}, u=0) gave {got!r}, not the cap 2000"
    for attempt in (0, -1):
        got = observe(delay, {"fields": f, "attempt": attempt, "u": 0.0, "retry_after_ms": None})["value"]
        assert got == "ValueError", f"delay_ms(..., attempt={attempt}) gave {got!r}, not ValueError"


def _decide(f: Fields, code: str, attempt: int) -> None:
    want = library(f).max_attempts > attempt and code in f[1]
    got = observe(retries, {"fields": f, "code": code, "attempt": attempt})["value"]
    assert got is want, (f"should_retry(policy(max_attempts={f[0]}, retriable_codes={sorted(f[1])}), "
                         f"{code!r}, attempt={attempt}) gave {got!r}, expected {want}")


@graded(
    points=1,
    hint=(
        "Look the code up in policy.retriable_codes."
    ),
)
def test_only_retriable_codes() -> None:
    """Only codes in retriable_codes are retried (the empty set retries nothing)."""
    some: Fields = (5, frozenset({"RATE_LIMIT", "TIMEOUT"}), 10.0, 100.0, 0.0)
    for f in (some, (5, frozenset(), 10.0, 100.0, 0.0)):
        for code in CODES:
            _decide(f, code, 1)


@graded(
    points=1,
    hint=(
        "Another attempt only while attempt < max_attempts."
    ),
)
def test_attempts_left() -> None:
    """A retriable failure is retried only while attempts are left."""
    for attempts in (1, 2, 4):
        f: Fields = (attempts, frozenset({"TRANSIENT"}), 10.0, 100.0, 0.0)
        for attempt in range(1, attempts + 2):
            _decide(f, "TRANSIENT", attempt)
