"""Graded: exercise 1, a trace recorder (``ex01_trace_recorder.py``).

The observer runs the library's ``async_with_resilience`` on one scenario,
on the virtual-time loop, with the learner's ``Recorder`` wrapped around the
step and the environment's sleep, and reports what the recorder recorded
(and the plan's result). The judges compare it with the library's own trace
of the same scenario: same attempts, starts, ends and outcomes, same waits.
Scenarios are drawn path by path (success, retry, timeout, give-up).
"""

from __future__ import annotations

import random
from typing import Any, TypedDict

from funcpipe_rag import ResilienceEnv, async_with_resilience
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import PolicySpec, Reply, Scenario, ScenarioData, ScriptedStep, run_virtual

EXERCISE = "ex01_trace_recorder"
TITLE = "A trace recorder"
EXAMPLES = 24

def to_case(s: Scenario) -> ScenarioData:
    return s.as_data()


from_case = Scenario.from_data


# ---- next to the learner's code -------------------------------------------------------------


class Recorded(TypedDict):
    result: object
    attempts: list[Any]
    backoffs: list[Any]
    calls_when_built: int


@observer
def record(case: ScenarioData) -> Recorded:
    """Run the library's resilient plan with the learner's recorder around the step and the sleep."""
    scenario = from_case(case)
    recorder = require(load(EXERCISE), "Recorder")()
    step = ScriptedStep(scenario.replies)
    plan = async_with_resilience(recorder.step(step.plan), scenario.policy.build(), scenario.timeout,
                                 ResilienceEnv(random.Random(scenario.seed), recorder.sleep()))
    built = len(step.calls)
    result, _ = run_virtual(plan)
    return {"result": result, "attempts": [tuple(a) for a in recorder.attempts],
            "backoffs": [tuple(b) for b in recorder.backoffs], "calls_when_built": built}


class Replayed(TypedDict):
    attempts: list[Any]


@observer
def replay(case: None) -> Replayed:
    """One wrapped plan run twice (no retry loop): two attempts, numbered 1 and 2."""
    recorder = require(load(EXERCISE), "Recorder")()
    step = ScriptedStep([Reply(10.0)])
    plan = recorder.step(step.plan)
    run_virtual(plan)
    run_virtual(plan)
    return {"attempts": [tuple(a) for a in recorder.attempts]}


class Slept(TypedDict):
    backoffs: list[Any]
    clock: float


@observer
def sleeps(case: list[float]) -> Slept:
    """The recorder's sleep alone: record, wait, and the clock moves."""
    recorder = require(load(EXERCISE), "Recorder")()
    sleep = recorder.sleep()

    async def main() -> None:
        for seconds in case:
            await sleep(seconds)

    _, elapsed = run_virtual(main)
    return {"backoffs": [tuple(b) for b in recorder.backoffs], "clock": elapsed}


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)

from funcpipe_rag.testing import SCENARIO_STRATA, path_of, run_scenario  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
_TOLERANCE = 1e-9


def _same_times(got: list[Any], want: list[Any], what: str) -> None:
    assert len(got) == len(want), f"the recorder has {len(got)} {what}, the run had {len(want)}: {got!r:.300}"
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w) and all(
            abs(x - y) <= _TOLERANCE if isinstance(y, float) else x == y for x, y in zip(g, w, strict=True)
        ), f"recorded {g!r}, but the run had {w!r} ({what})"


def _compare(scenario: Scenario, attempts: bool = True, backoffs: bool = False, result: bool = False) -> None:
    want = run_scenario(scenario)
    seen = observe(record, to_case(scenario))
    if result:
        assert seen["result"] == want.result, f"with the recorder the plan gave {seen['result']!r}, " \
            f"without it {want.result!r} (on {scenario!r})"
    if attempts:
        _same_times(seen["attempts"], [(a.attempt, a.start, a.end, a.outcome) for a in want.trace.attempts],
                    f"attempts (on {scenario!r})")
    if backoffs:
        _same_times(seen["backoffs"], [(b.start, b.seconds) for b in want.trace.backoffs],
                    f"backoffs (on {scenario!r})")


PATHS = {name: (SCENARIO_STRATA, path_of, EXAMPLES) for name in (
    "test_times_from_the_loop", "test_outcomes", "test_result_unchanged", "test_backoffs",
)}
"""For the grader's own tests: the scenarios reach success, retry, timeout and give-up in fair shares."""


def _stratified(**what: bool) -> None:
    SCENARIO_STRATA.run(lambda _path, s: _compare(s, **what), max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=1,
    hint=(
        "step(plan) returns an inner `async def`; count when it runs."
    ),
)
def test_a_plan() -> None:
    """Wrapping calls nothing; each run of the wrapped plan records a new attempt."""
    seen = observe(record, to_case(Scenario(PolicySpec(1), None, (Reply(5.0),), 0)))
    assert seen["calls_when_built"] == 0, "wrapping the step already called it"
    runs = observe(replay, None)["attempts"]
    assert [a[0] for a in runs] == [1, 2], f"one wrapped plan run twice recorded {runs!r}, not attempts 1, 2"


@graded(
    points=2,
    hint=(
        "Keep a counter on the recorder; the first attempt is 1."
    ),
)
def test_numbered_from_one() -> None:
    """Attempts are numbered 1, 2, 3 … in the order they start."""
    scenario = Scenario(PolicySpec(4, backoff_base_ms=10, jitter_factor=0), None,
                        (Reply(5.0, "TRANSIENT"), Reply(5.0, "RATE_LIMIT"), Reply(5.0)), 0)
    got = [a[0] for a in observe(record, to_case(scenario))["attempts"]]
    assert got == [1, 2, 3], f"a run of three attempts was numbered {got}"


@graded(
    points=3,
    hint=(
        "Read asyncio.get_running_loop().time() when the attempt starts and when it ends; never "
        "time.time() or time.monotonic()."
    ),
)
def test_times_from_the_loop() -> None:
    """Starts and ends are the running loop's (virtual) time."""
    _stratified(attempts=True)


@graded(
    points=3,
    hint=(
        "'ok' for Ok, the error's code for Err; catch CancelledError, record 'cancelled', and "
        "raise it again."
    ),
)
def test_outcomes() -> None:
    """Outcomes are "ok", the error's code, or "cancelled" — and a cancellation still cancels."""
    scenario = Scenario(PolicySpec(3, backoff_base_ms=10, jitter_factor=0), 100.0,
                        (Reply(5.0, "TRANSIENT"), Reply(1_000.0), Reply(5.0)), 0)
    _compare(scenario, attempts=True, result=True)
    late = Scenario(PolicySpec(2, backoff_base_ms=10, jitter_factor=0), 100.0, (Reply(500.0),), 0)
    _compare(late, attempts=True, result=True)  # every attempt cancelled: the run gives up on TIMEOUT
    _stratified(attempts=True, result=True)


@graded(
    points=1,
    hint=(
        "Return exactly what plan() returned."
    ),
)
def test_result_unchanged() -> None:
    """The wrapped plan finishes with the step's own result."""
    _stratified(attempts=False, result=True)


@graded(
    points=2,
    hint=(
        "In the sleep you return: append (loop time, seconds) first, then await inner(seconds)."
    ),
)
def test_backoffs() -> None:
    """Each wait is recorded (start, seconds) before it happens, and really happens."""
    seen = observe(sleeps, [0.5, 2.0, 0.0])
    _same_times(seen["backoffs"], [(0.0, 0.5), (0.5, 2.0), (2.5, 0.0)], "backoffs of three sleeps")
    moved = seen["clock"]
    assert abs(moved - 2.5) <= _TOLERANCE, f"three sleeps of 2.5 s in all moved the clock {moved} s"
    _stratified(attempts=False, backoffs=True)


