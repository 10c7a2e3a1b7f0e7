"""Graded: exercise 3, schedules that reach every branch, and properties of trustworthy runners
(``ex03_properties.py``).

``schedules()`` is measured: the child draws 60 examples from it (derandomized)
and sends them as plain data; the grader runs the library on each and counts
the paths they really take. The learner's ``check_*`` functions run against
test runners kept here — a correct one, and three that cannot be trusted —
each behind the same neutral, counting function under an id drawn afresh.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any, TypedDict

from funcpipe_rag import ResilienceEnv, TimeoutPolicy, async_with_resilience
from funcpipe_rag.grading.harness import before_import, graded, load, observe, observer, require
from funcpipe_rag.grading.properties import (
    LearnerChecks,
    PropertyRun,
    RunCounter,
    learner_profile,
    run_property,
)
from funcpipe_rag.testing import ScriptedStep, run_virtual

EXERCISE = "ex03_properties"
TITLE = "Schedules that reach every branch, properties of runners"
CHECKS = ("check_deterministic", "check_virtual_time")
SAMPLES = 60
WRONGS = {"unseeded": "a runner that draws its jitter from an unseeded generator",
          "wall clock": "a runner that measures the elapsed time on the wall clock",
          "sleep without clock": "a runner that sleeps with a fake that does not move the clock"}
"""The runners a learner's checks must catch, and what is wrong with each."""
LIKELY = {"unseeded": "check_deterministic", "wall clock": "check_virtual_time",
          "sleep without clock": "check_virtual_time"}
MIN_RUNS = 20

# ---- next to the learner's code -------------------------------------------------------------


class Drawn(TypedDict):
    examples: list[Any]


@observer
def draw_schedules(case: int) -> Drawn:
    """``case`` examples of the learner's ``schedules()``, as plain data."""
    from hypothesis import HealthCheck, Phase, given, settings

    from funcpipe_rag import RetryPolicy
    from funcpipe_rag.testing import Reply

    strategy = require(load(EXERCISE), "schedules")()
    found: list[Any] = []

    @settings(max_examples=case, derandomize=True, database=None, deadline=None, phases=(Phase.generate,),
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example: Any) -> None:
        retry, timeout_ms, replies, seed = example
        replies_ok = bool(replies) and all(isinstance(r, Reply) for r in replies)
        if not isinstance(retry, RetryPolicy) or not replies_ok:
            raise TypeError("schedules() must draw (RetryPolicy, timeout_ms, [Reply, ...], seed) tuples, "
                            f"got {example!r:.200}")
        policy = (retry.max_attempts, frozenset(retry.retriable_codes), retry.backoff_base_ms,
                  retry.max_backoff_ms, retry.jitter_factor, retry.idempotent)
        found.append((policy, timeout_ms, tuple((r.latency_ms, r.code, r.retry_after_ms) for r in replies),
                      int(seed)))

    collect()
    return {"examples": found}


async def _no_wait(seconds: float) -> None:
    return None


def _runner(kind: str, counter: RunCounter) -> Any:
    def run(retry: Any, timeout_ms: float | None, replies: Any, seed: int) -> tuple[Any, int, float]:
        counter.runs += 1
        step = ScriptedStep(list(replies))
        rng = random.Random() if kind == "unseeded" else random.Random(seed)
        env = ResilienceEnv(rng, _no_wait if kind == "sleep without clock" else asyncio.sleep)
        timeout = TimeoutPolicy(timeout_ms) if timeout_ms is not None else None
        plan = async_with_resilience(step.plan, retry, timeout, env)
        started = time.perf_counter()
        result, elapsed = run_virtual(plan)
        if kind == "wall clock":
            elapsed = time.perf_counter() - started
        return result, len(step.calls), elapsed

    return run


_RUNNERS: dict[str, tuple[Any, RunCounter]] = {}


@observer
def build_runners(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral runner per (id, kind)."""
    learner_profile()
    for ident, kind in case:
        counter = RunCounter()
        _RUNNERS[ident] = (_runner(kind, counter), counter)


class CheckCase(TypedDict):
    check: str
    impl: str


@observer
def run_check(case: CheckCase) -> PropertyRun:
    check = require(load(EXERCISE), case["check"])
    runner, counter = _RUNNERS[case["impl"]]
    return run_property(check, runner, counter)


# ---- the grader's side ------------------------------------------------------------------------

VERDICTS = LearnerChecks(run_check, CHECKS, {"correct": "a correct runner"}, WRONGS, likely=LIKELY,
                         min_runs=MIN_RUNS)


@before_import
def neutral_runners() -> tuple[object, list[tuple[str, str]]]:
    """Every runner under its id, in an order that says nothing."""
    return build_runners, VERDICTS.neutral_ids()


@graded(
    points=3,
    hint=(
        "Draw the path first with st.sampled_from, then build an example that takes it: a first "
        "success; failures then success; a reply slower than the timeout then success; only "
        "failures."
    ),
)
def test_schedules_reach_every_path() -> None:
    """Each path — success, retry, timeout, give-up — gets at least 15% of 60 examples."""
    from funcpipe_rag.testing import MIN_SHARE, PATHS, PathLog, Scenario, run_scenario

    examples = observe(draw_schedules, SAMPLES)["examples"]
    assert len(examples) >= SAMPLES // 2, f"schedules() gave only {len(examples)} examples"
    log = PathLog(PATHS)
    for data in examples:
        log.record(run_scenario(Scenario.from_data(data)).path)
    starved = log.starved(MIN_SHARE)
    assert not starved, f"paths below {MIN_SHARE:.0%}: {', '.join(starved)} ({log.summary()})"


@graded(
    points=2,
    hint=(
        "Compare two runs of the same inputs with ==, and elapsed with the waits the failures "
        "asked for."
    ),
)
def test_properties_pass_on_correct() -> None:
    """Both checks pass on a correct runner, over generated runs."""
    VERDICTS.passes_on_correct()


@graded(
    points=1,
    hint=(
        "Run the same inputs twice with jitter and retries; the two outputs must be equal."
    ),
)
def test_catches_unseeded_jitter() -> None:
    """Caught: a runner whose jitter comes from an unseeded generator."""
    VERDICTS.caught("unseeded")


@graded(
    points=1,
    hint=(
        "Minutes of Retry-After must show in elapsed: compare with (attempts - 1) * "
        "retry_after_ms / 1000."
    ),
)
def test_catches_wall_clock() -> None:
    """Caught: a runner that measures elapsed time on the wall clock."""
    VERDICTS.caught("wall clock")


@graded(
    points=1,
    hint=(
        "Waits that do not move the clock leave elapsed too short."
    ),
)
def test_catches_sleep_without_clock() -> None:
    """Caught: a runner whose sleep does not move its clock."""
    VERDICTS.caught("sleep without clock")
