"""Graded: exercise 1, a token bucket's schedule (``ex01_bucket.py``).

The observer calls the learner's ``grant_times`` and reports the times (or
the exception raised); the judges compare them with the library's
``RateLimitPolicy.earliest_starts``. Requests are drawn path by path — a
bucket that never runs dry, calls that wait, a pause after which saving must
stop at the burst — with uneven gaps, many calls at the same moment, a
request at 0, and the empty series.
"""

from __future__ import annotations

import math
from typing import TypedDict

from funcpipe_rag import RateLimitPolicy
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import Strata

EXERCISE = "ex01_bucket"
TITLE = "A token bucket's schedule"
EXAMPLES = 30

# ---- next to the learner's code -------------------------------------------------------------


class Case(TypedDict):
    rate: float
    burst: int
    requests: list[float]


class Grants(TypedDict):
    value: object  # a list of times, or the name of the exception raised


@observer
def grants(case: Case) -> Grants:
    """``grant_times(rate, burst, requests)`` of the learner."""
    fn = require(load(EXERCISE), "grant_times")
    try:
        value = fn(case["rate"], case["burst"], list(case["requests"]))
    except (ValueError, ZeroDivisionError) as exc:
        return {"value": type(exc).__name__}
    return {"value": list(value) if isinstance(value, list | tuple) else value}


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
RATES = st.sampled_from([0.5, 2.0, 3.0, 4.0, 10.0, 8.0])


def _times(gaps: list[float]) -> list[float]:
    out, now = [], 0.0
    for g in gaps:
        now += g
        out.append(now)
    return out


@st.composite
def _case(draw: st.DrawFn, path: str) -> Case:
    rate, burst = draw(RATES, label="rate"), draw(st.integers(1, 5), label="burst")
    interval = 1.0 / rate
    quick = st.sampled_from([0.0, 0.0, interval / 4, interval / 2])
    if path == "never dry":
        gaps = draw(st.lists(st.sampled_from([interval, interval * 2, 5.0 + interval]), max_size=8))
        gaps = [0.0, *gaps] if draw(st.booleans()) else gaps  # a request at 0, or none at all
    elif path == "waits":
        gaps = draw(st.lists(quick, min_size=burst + 1, max_size=burst + 10))
    else:  # drain the bucket, pause long, then more than a burst of quick calls
        before = draw(st.lists(quick, min_size=burst, max_size=burst + 3))
        pause = draw(st.sampled_from([(burst + 1) * interval, 10 * burst * interval, 100.0]))
        after = draw(st.lists(quick, min_size=burst, max_size=burst + 4))
        gaps = [*before, pause, *after]
    return {"rate": rate, "burst": burst, "requests": _times(gaps)}


CASES = Strata({
    "never dry": _case("never dry"),
    "waits": _case("waits"),
    "saving stops at the burst": _case("saving stops at the burst"),
})
"""Cases path by path; each test runs the paths it names (see PATHS)."""


def path_of(case: Case) -> str:
    """The path a case really takes with the library's bucket."""
    policy = RateLimitPolicy(case["rate"], case["burst"])
    asked = case["requests"]
    starts = policy.earliest_starts(asked)
    waits = [s - a > 1e-9 for a, s in zip(asked, starts, strict=True)]
    tokens, stamp = float(policy.burst_tokens), starts[0] if starts else 0.0  # full at the first call
    for k, t in enumerate(starts):
        saved = tokens + (t - stamp) * policy.tokens_per_second
        if saved > policy.burst_tokens + 1e-9 and any(waits[k:]):
            return "saving stops at the burst"
        tokens, stamp = min(float(policy.burst_tokens), saved) - 1.0, t
    return "waits" if any(waits) else "never dry"


def _call(case: Case) -> str:
    return f"grant_times({case['rate']:g}, {case['burst']}, {case['requests']})"


def _got(case: Case) -> list[float]:
    got = observe(grants, case)["value"]
    numbers = isinstance(got, list) and all(type(t) in (int, float) for t in got)
    assert numbers, f"{_call(case)} gave {got!r}, not a list of times"
    assert isinstance(got, list)
    n = len(case["requests"])
    assert len(got) == n, f"{_call(case)} gave {len(got)} times for {n} calls"
    return got


def _judge_exact(case: Case) -> None:
    want = RateLimitPolicy(case["rate"], case["burst"]).earliest_starts(case["requests"])
    got = _got(case)
    ok = all(math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9) for g, w in zip(got, want, strict=True))
    assert ok, f"{_call(case)} gave {got}; the bucket allows {want}"


def _judge_order(case: Case) -> None:
    got = _got(case)
    for k, (asked, t) in enumerate(zip(case["requests"], got, strict=True)):
        assert t >= asked - 1e-9, f"{_call(case)}: call {k} granted at {t}, before it was asked at {asked}"
        earlier = got[k - 1] if k else asked
        assert t >= earlier - 1e-9, f"{_call(case)}: call {k} granted at {t}, before call {k - 1}"


def _only(*paths: str) -> Strata[Case]:
    return Strata({p: CASES.cases[p] for p in paths})


PATHS = {"test_exact": (CASES, path_of, EXAMPLES)}
"""For the grader's own tests: every case drawn for a path really takes it with the library's bucket."""


@graded(
    points=4,
    hint=(
        "Before each call add (now - stamp) * rate tokens, at most burst; take one; if the count went "
        "below zero the call waits -tokens / rate. 'now' is the later of its request and the previous grant."
    ),
)
def test_exact() -> None:
    """Each call is granted at the earliest moment the bucket has a token for it."""
    CASES.run(lambda _p, case: _judge_exact(case), max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "A call never goes before it is asked, nor before the call asked before it."
    ),
)
def test_in_order_never_early() -> None:
    """No call is granted before it was asked, nor before the previous call."""
    _only("waits", "saving stops at the burst").run(lambda _p, case: _judge_order(case), max_examples=16,
                                                       **SETTINGS)


@graded(
    points=1,
    hint=(
        "The bucket starts with burst_tokens tokens: that many calls at t=0 go at once."
    ),
)
def test_starts_full() -> None:
    """The first burst_tokens calls asked together go at once."""
    for rate, burst in ((1.0, 1), (4.0, 3), (0.5, 5)):
        case: Case = {"rate": rate, "burst": burst, "requests": [2.0] * burst}
        got = _got(case)
        assert got == [2.0] * burst, f"{_call(case)} gave {got}: a full bucket lets all {burst} go at 2.0"


@graded(
    points=2,
    hint=(
        "Cap the saved tokens: tokens = min(burst, tokens + earned). After a long pause only burst_tokens "
        "calls go at once."
    ),
)
def test_saving_stops_at_the_burst() -> None:
    """After a long pause at most burst_tokens calls go at once, then the rate applies."""
    _only("saving stops at the burst").run(lambda _p, case: _judge_exact(case), max_examples=16, **SETTINGS)


@graded(
    points=1,
    hint=(
        "Raise ValueError when tokens_per_second <= 0 or burst_tokens < 1; an empty list of requests "
        "gives []."
    ),
)
def test_bad_policies_refused() -> None:
    """A rate of 0 or less, or a burst below 1, is refused with ValueError; no requests give no grants."""
    for rate, burst in ((0.0, 1), (-1.0, 2), (2.0, 0), (2.0, -1)):
        case: Case = {"rate": rate, "burst": burst, "requests": [0.0, 1.0]}
        got = observe(grants, case)["value"]
        assert got == "ValueError", f"{_call(case)} gave {got!r}, not ValueError"
    case = {"rate": 3.0, "burst": 1, "requests": []}
    got = observe(grants, case)["value"]
    assert got == [], f"{_call(case)} gave {got!r}, not []"
