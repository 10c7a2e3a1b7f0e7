"""Graded: exercise 2, a resilient plan run in virtual time (``ex02_virtual_run.py``).

The observer calls the learner's ``simulate`` on one scenario and reports its
``(result, attempts, elapsed)``; the judges compare them with the library's
own run of the same scenario (``run_scenario``: scripted step, seeded
environment, virtual clock). One scenario waits nine minutes in backoff: an
answer that sleeps in real time runs out of the grader's time limit.
"""

from __future__ import annotations

from typing import TypedDict

from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import PolicySpec, Reply, Scenario, ScenarioData

EXERCISE = "ex02_virtual_run"
TITLE = "A resilient plan in virtual time"
EXAMPLES = 20

# ---- next to the learner's code -------------------------------------------------------------


class Simulated(TypedDict):
    result: object
    attempts: object
    elapsed: object


@observer
def simulate_case(case: ScenarioData) -> Simulated:
    """The learner's ``simulate`` on one scenario."""
    scenario = Scenario.from_data(case)
    simulate = require(load(EXERCISE), "simulate")
    got = simulate(scenario.policy.build(), scenario.timeout_ms, list(scenario.replies), scenario.seed)
    if not (isinstance(got, tuple) and len(got) == 3):
        raise TypeError(f"simulate returned {type(got).__name__}, not a tuple (result, attempts, elapsed)")
    result, attempts, elapsed = got
    return {"result": result, "attempts": attempts, "elapsed": elapsed}


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)

from funcpipe_rag.testing import SCENARIO_STRATA, Strata, path_of, run_scenario  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
PATIENT = Scenario(PolicySpec(10, backoff_base_ms=1_000, max_backoff_ms=60_000, jitter_factor=0), 1_000.0,
                   (Reply(200.0, "RATE_LIMIT", 120_000.0),) * 9 + (Reply(200.0),), 0)
"""Nine rate limits asking for two minutes each (capped at one), then success: 9 min 2 s of logical time."""


def _judge(scenario: Scenario, *what: str) -> None:
    want = run_scenario(scenario)
    seen = observe(simulate_case, scenario.as_data())
    if "result" in what:
        assert seen["result"] == want.result, f"simulate gave {seen['result']!r}, the run {want.result!r} " \
            f"(on {scenario!r})"
    if "attempts" in what:
        made = len(want.trace.attempts)
        assert seen["attempts"] == made, f"simulate counted {seen['attempts']!r} attempts, the step was " \
            f"called {made} times (on {scenario!r})"
    if "elapsed" in what:
        elapsed = seen["elapsed"]
        assert isinstance(elapsed, float | int) and abs(elapsed - want.elapsed) <= 1e-6, \
            f"simulate says {elapsed!r} s elapsed; virtually it took {want.elapsed!r} s (on {scenario!r})"


def _only(*paths: str) -> Strata[Scenario]:
    return Strata({p: SCENARIO_STRATA.cases[p] for p in paths})


TESTED = {"test_seeded": _only("retry", "timeout"), "test_result": SCENARIO_STRATA,
          "test_attempts": SCENARIO_STRATA, "test_elapsed": SCENARIO_STRATA}
PATHS = {name: (strata, path_of, EXAMPLES) for name, strata in TESTED.items()}
"""For the grader's own tests: each test's scenarios reach its paths in fair shares."""


def _stratified(test: str, *what: str) -> None:
    TESTED[test].run(lambda _p, s: _judge(s, *what), max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=3,
    hint=(
        "Run the plan with run_virtual(plan): its clock jumps over waits, so minutes of backoff "
        "take no real time."
    ),
)
def test_virtual_time() -> None:
    """Nine minutes of backoff finish at once, and the elapsed time says nine minutes."""
    _judge(PATIENT, "result", "attempts", "elapsed")


@graded(
    points=2,
    hint=(
        "Give the environment random.Random(seed); leave sleep, clock and timeout to the running "
        "loop (the ResilienceEnv defaults)."
    ),
)
def test_seeded() -> None:
    """With jitter, the waits (hence the elapsed time) are those of random.Random(seed)."""
    _stratified("test_seeded", "elapsed")


@graded(
    points=2,
    hint=(
        "Return the result the resilient plan finished with."
    ),
)
def test_result() -> None:
    """The result is the resilient plan's own."""
    _stratified("test_result", "result")


@graded(
    points=1,
    hint=(
        "Count the step's calls (len(step.calls) of a ScriptedStep)."
    ),
)
def test_attempts() -> None:
    """The attempts are the number of times the step was called."""
    _stratified("test_attempts", "attempts")


@graded(
    points=1,
    hint=(
        "run_virtual returns (value, virtual seconds elapsed): report the seconds."
    ),
)
def test_elapsed() -> None:
    """The elapsed time is the run's virtual seconds, on every path."""
    _stratified("test_elapsed", "elapsed")


@graded(
    points=1,
    hint=(
        "timeout_ms=None means no TimeoutPolicy at all."
    ),
)
def test_timeout() -> None:
    """No timeout lets a slow attempt finish; a timeout cancels it."""
    slow = (Reply(5_000.0),)
    _judge(Scenario(PolicySpec(1), None, slow, 0), "result", "elapsed")
    _judge(Scenario(PolicySpec(1), 100.0, slow, 0), "result", "elapsed")
