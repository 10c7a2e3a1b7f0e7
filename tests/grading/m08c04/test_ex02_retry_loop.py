"""Graded: exercise 2, the retry loop as a plan (``ex02_retry_loop.py``).

The observer runs the learner's ``with_resilience`` on one scenario — a
policy, a timeout, a scripted step's replies, a seed — on the virtual-time
loop, watched from outside by the library's trace recorder, and reports the
facts: the result, every attempt (start, end, outcome), every wait, the
virtual time taken, the writes, the tasks left. The judges apply the
library's own resilience properties to those facts. Scenarios are drawn path
by path (success, retry, timeout, give-up), with uneven latencies, zero and
huge waits, Retry-After values and empty sets of retriable codes.
"""

from __future__ import annotations

import random
from typing import Any, TypedDict

from funcpipe_rag import Ok, ResilienceEnv, RetryPolicy, TimeoutPolicy, async_lift
from funcpipe_rag.grading.harness import drive, graded, load, observe, observer, require
from funcpipe_rag.testing import (
    PolicySpec,
    Reply,
    RunFacts,
    Scenario,
    ScenarioData,
    ScriptedStep,
    run_scenario,
)

EXERCISE = "ex02_retry_loop"
TITLE = "The retry loop as a plan"
EXAMPLES = 24

def to_case(s: Scenario) -> ScenarioData:
    return s.as_data()


from_case = Scenario.from_data


# ---- next to the learner's code -------------------------------------------------------------


class Facts(TypedDict):
    result: object
    attempts: list[tuple[int, float, float, str]]
    backoffs: list[tuple[float, float]]
    elapsed: float
    writes: int
    tasks_left: int
    refused: str


def _impl() -> Any:
    return require(load(EXERCISE), "with_resilience")


@observer
def run_case(case: ScenarioData) -> Facts:
    """Run the learner's with_resilience on one scenario, on the virtual clock."""
    fn = _impl()
    facts = run_scenario(from_case(case), lambda step, retry, timeout, env: fn(step, retry, timeout, env))
    return {
        "result": facts.result,
        "attempts": [(a.attempt, a.start, a.end, a.outcome) for a in facts.trace.attempts],
        "backoffs": [(b.start, b.seconds) for b in facts.trace.backoffs],
        "elapsed": facts.elapsed, "writes": facts.writes, "tasks_left": facts.tasks_left,
        "refused": facts.refused or "",
    }


class Building(TypedDict):
    calls_when_built: int
    first: object
    second: object
    calls: int


@observer
def build_then_run(case: None) -> Building:
    """Build a resilient plan over a flaky step, look, then run it twice."""
    step = ScriptedStep([Reply(1.0, "TRANSIENT"), Reply(1.0)])
    env = ResilienceEnv(random.Random(0))
    plan = _impl()(step.plan, RetryPolicy(2, backoff_base_ms=0, max_backoff_ms=0), TimeoutPolicy(50), env)
    built = len(step.calls)
    from funcpipe_rag.testing import run_virtual

    first, _ = run_virtual(plan)
    second, _ = run_virtual(plan)
    return {"calls_when_built": built, "first": first, "second": second, "calls": len(step.calls)}


class Raised(TypedDict):
    raised: str
    calls: int


@observer
def buggy_step(case: None) -> Raised:
    """A step that raises KeyError (a bug): does the loop retry it?"""
    calls: list[int] = []

    async def broken() -> Any:
        calls.append(1)
        raise KeyError("bug")

    plan = _impl()(async_lift(broken), RetryPolicy(4), TimeoutPolicy(100), ResilienceEnv(random.Random(0)))
    try:
        drive(plan)
    except KeyError:
        return {"raised": "KeyError", "calls": len(calls)}
    except BaseException as exc:  # reported, judged by the grader
        return {"raised": type(exc).__name__, "calls": len(calls)}
    return {"raised": "", "calls": len(calls)}


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)

from funcpipe_rag.testing import (  # noqa: E402
    SCENARIO_STRATA,
    Attempt,
    Backoff,
    Strata,
    Trace,
    path_of,
    resilience_property,
)

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}


def facts_of(scenario: Scenario) -> RunFacts:
    seen = observe(run_case, to_case(scenario))
    trace = Trace(tuple(Attempt(*a) for a in seen["attempts"]), tuple(Backoff(*b) for b in seen["backoffs"]))
    return RunFacts(seen["result"], trace, seen["elapsed"], seen["writes"], seen["tasks_left"], (),  # type: ignore[arg-type]
                    seen["refused"] or None)


PATHS = {name: (SCENARIO_STRATA, path_of, EXAMPLES) for name in (
    "test_attempts_bounded", "test_retries_as_the_policy_says", "test_delays", "test_deadline_cancels",
    "test_last_error_kept",
)}
"""For the grader's own tests: the scenarios reach success, retry, timeout and give-up in fair shares."""


def _holds(*names: str, strata: Strata[Scenario] = SCENARIO_STRATA) -> None:
    checks = [resilience_property(n).check for n in names]

    def body(_path: str, scenario: Scenario) -> None:
        facts = facts_of(scenario)
        for check in checks:
            try:
                check(scenario, facts)
            except AssertionError as exc:
                raise AssertionError(f"{exc} (on {scenario!r})") from None

    strata.run(body, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=1,
    hint=(
        "Return an inner `async def` (or a plan built from one): nothing may run until the plan "
        "is awaited, and each run starts afresh."
    ),
)
def test_builds_nothing_and_replays() -> None:
    """Building the plan calls nothing; running it twice runs everything twice, with equal results."""
    seen = observe(build_then_run, None)
    assert seen["calls_when_built"] == 0, "building the plan already called the step"
    assert seen["first"] == seen["second"] == Ok("done"), \
        f"two runs gave {seen['first']!r} and {seen['second']!r}, expected Ok('done') twice"
    # the step fails once, then always succeeds: 2 calls for the first run, 1 for the second
    assert seen["calls"] == 3, f"two runs called the step {seen['calls']} times, not 2 + 1"


@graded(
    points=2,
    hint=(
        "With one attempt and no timeout, return exactly what the step returned: add nothing to "
        "its error."
    ),
)
def test_identity() -> None:
    """One attempt and no timeout: the result is exactly the step's own."""
    from funcpipe_rag.testing._resilience_laws import identity_scenarios

    _holds("identity", strata=identity_scenarios)


@graded(
    points=2,
    hint=(
        "Count attempts from 1 and stop at retry.max_attempts."
    ),
)
def test_attempts_bounded() -> None:
    """Never more than max_attempts attempts."""
    _holds("attempts are bounded")


@graded(
    points=2,
    hint=(
        "After a failed attempt k, retry exactly when retry.should_retry(error, k); a TIMEOUT you "
        "produce counts like any other code."
    ),
)
def test_retries_as_the_policy_says() -> None:
    """Another attempt follows a failure exactly when its code is retriable and attempts are left."""
    _holds("retries exactly when the policy says")


@graded(
    points=3,
    hint=(
        "Sleep retry.delay_ms(k, env.rng.random(), retry_after) / 1000 with env.sleep, one draw "
        "per retry; retry_after comes from the failed error's ctx."
    ),
)
def test_delays() -> None:
    """Each wait is the policy's delay for one seeded draw, Retry-After honoured, never above the cap."""
    _holds("delays are the policy's", "Retry-After is honoured", "delays stay within the cap")


@graded(
    points=3,
    hint=(
        "Run each attempt inside `async with env.timeout(ms / 1000):` so that it is cancelled at "
        "the deadline; catch TimeoutError and return Err(TIMEOUT)."
    ),
)
def test_deadline_cancels() -> None:
    """A late attempt is cancelled at its deadline, writes nothing, leaves no task; time stays bounded."""
    _holds("timed-out attempts are cancelled", "total time is bounded")

    scenario = Scenario(PolicySpec(1), 100.0, (Reply(5_000.0),), 0)
    result = facts_of(scenario).result
    ctx = dict(getattr(getattr(result, "error", None), "ctx", None) or {})
    assert getattr(getattr(result, "error", None), "code", None) == "TIMEOUT", \
        f"a single attempt past its 100 ms deadline gave {result!r}, not Err(TIMEOUT)"
    assert ctx.get("attempt") == 1 and ctx.get("timeout_ms") == 100.0, \
        f"the TIMEOUT error's ctx is {ctx}, expected attempt=1 and timeout_ms=100.0"


@graded(
    points=2,
    hint=(
        "Give up with the last error itself (same code and message), adding ctx['attempts'] and "
        "ctx['codes'] when there was more than one attempt."
    ),
)
def test_last_error_kept() -> None:
    """Giving up keeps the last attempt's error and code, and records the attempts and their codes."""
    _holds("the last error is kept")


@graded(
    points=1,
    hint=(
        "Do not catch exceptions of the step: only Err is a failure to retry."
    ),
)
def test_bugs_propagate() -> None:
    """An exception raised by the step propagates at once and is never retried."""
    seen = observe(buggy_step, None)
    assert seen["raised"] == "KeyError", f"a step raising KeyError made the plan {seen['raised'] or 'return'}"
    assert seen["calls"] == 1, f"a step raising KeyError was run {seen['calls']} times"


