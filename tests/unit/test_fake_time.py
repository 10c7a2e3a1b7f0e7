"""Deterministic testing with fake time (Core 5): one virtual clock behind every fake.

The course's helper names are views of the running virtual-time loop, so a
sleep moves the clock and a deadline cancels; outside a virtual run they
refuse to work. Runs are deterministic (same seed and schedule, same trace),
minutes of backoff cost no real time, and generated schedules reach every
branch. The same plans on a real event loop, with short delays, give the same
results and attempt counts (``test_real_time_agrees_with_virtual_time``,
marked ``slow``; ``make test`` runs it, it takes well under two seconds).
"""

from __future__ import annotations

import asyncio

import pytest

from funcpipe_rag import Ok, RetryPolicy, TimeoutPolicy, async_with_resilience
from funcpipe_rag.domain.ingest import ingest_chunks
from funcpipe_rag.infra.corpus import snapshot_corpus
from funcpipe_rag.rag import RagEnv, gen_clean_and_chunk
from funcpipe_rag.testing import (
    MIN_SHARE,
    PATHS,
    SCENARIO_STRATA,
    WRONG_RESILIENCE,
    FakeChunkStore,
    FakeClock,
    FakeSleeper,
    FlakyEmbedder,
    PolicySpec,
    Scenario,
    ScriptedStep,
    fail_with,
    make_fake_timeout_ctx,
    make_test_resilience_env,
    measure,
    path_of,
    run_scenario,
    run_virtual,
    succeed,
)

# ---- the course's helpers are views of the one clock ---------------------------------------------


def test_the_fakes_refuse_to_run_outside_virtual_time() -> None:
    with pytest.raises(RuntimeError, match="run_virtual"):
        FakeClock()()

    async def on_a_real_loop() -> None:
        await FakeSleeper()(0.01)

    with pytest.raises(RuntimeError, match="run_virtual"):
        asyncio.run(on_a_real_loop())
    with pytest.raises(RuntimeError, match="run_virtual"):
        make_fake_timeout_ctx()(1.0)


def test_a_fake_sleep_moves_the_fake_clock_and_a_fake_timeout_cancels() -> None:
    clock, sleeper, timeout = FakeClock(), FakeSleeper(), make_fake_timeout_ctx(FakeClock())
    seen: list[object] = []

    async def main() -> None:
        seen.append(clock.now())
        await sleeper(2.5)
        seen.append(clock())
        clock.advance(0.5)
        seen.append(clock())
        try:
            async with timeout(1.0):
                await sleeper(60)
        except TimeoutError:
            seen.append(("timed out at", clock()))

    _, elapsed = run_virtual(main)
    assert seen == [0.0, 2.5, 3.0, ("timed out at", 4.0)]
    assert sleeper.calls == [2.5, 60] and elapsed == 4.0
    with pytest.raises(ValueError, match="cannot go back"):
        run_virtual(lambda: asyncio.sleep(0, clock.advance(-1)))  # type: ignore[func-returns-value]


def test_the_test_environment_records_the_delays_the_plan_asked_for() -> None:
    env = make_test_resilience_env(seed=3)
    step = ScriptedStep([fail_with("TRANSIENT", 10), fail_with("RATE_LIMIT", 10, 400), succeed(10)])
    policy = RetryPolicy(3, backoff_base_ms=100, max_backoff_ms=1000, jitter_factor=0.5)
    result, elapsed = run_virtual(async_with_resilience(step.plan, policy, TimeoutPolicy(50), env))
    assert result == Ok("done")
    delays = env.sleep.calls  # type: ignore[attr-defined]
    assert len(delays) == 2 and delays[1] == 0.4  # Retry-After 400 ms beats the jittered 200 ms
    assert elapsed == pytest.approx(0.03 + sum(delays))


# ---- determinism, branch coverage, logical minutes ------------------------------------------------


def test_same_seed_and_schedule_give_the_same_trace() -> None:
    def twice(_path: str, scenario: Scenario) -> None:
        first, second = run_scenario(scenario), run_scenario(scenario)
        assert (first.result, first.trace, first.elapsed) == (second.result, second.trace, second.elapsed)

    SCENARIO_STRATA.run(twice, max_examples=40)


def test_a_loop_that_draws_from_its_own_generator_is_not_deterministic() -> None:
    wrong = WRONG_RESILIENCE["own random generator"]
    scenario = Scenario(PolicySpec(4, jitter_factor=1.0), None, (fail_with("TRANSIENT", 1),), 0)
    traces = {run_scenario(scenario, wrong.impl).trace for _ in range(5)}
    assert len(traces) > 1


def test_generated_schedules_reach_every_branch() -> None:
    log = measure(SCENARIO_STRATA, path_of, max_examples=100)
    assert set(log.paths) == set(PATHS)
    assert not log.starved(MIN_SHARE), log.summary()


def test_minutes_of_logical_time_cost_no_real_time() -> None:
    # Real time is not asserted (bench measures it); a real sleep here would take 9 minutes.
    policy = PolicySpec(10, backoff_base_ms=1_000, max_backoff_ms=60_000, jitter_factor=0)
    replies = (fail_with("RATE_LIMIT", 200, 120_000),) * 9 + (succeed(200),)
    facts = run_scenario(Scenario(policy, 1_000.0, replies, 0))
    assert facts.result == Ok("done") and len(facts.trace.attempts) == 10
    assert facts.elapsed == pytest.approx(9 * 60 + 10 * 0.2)


# ---- real time and virtual time agree ---------------------------------------------------------------

REAL_TIME_SCENARIOS = [
    Scenario(PolicySpec(3, backoff_base_ms=20, jitter_factor=0.5), 200.0,
             (fail_with("TRANSIENT", 2), fail_with("RATE_LIMIT", 2, 30), succeed(2)), 1),
    Scenario(PolicySpec(3, backoff_base_ms=10), 60.0, (succeed(400), succeed(2)), 2),
    Scenario(PolicySpec(2, backoff_base_ms=10), None, (fail_with("SERVICE", 2),), 3),
    Scenario(PolicySpec(3, backoff_base_ms=10, max_backoff_ms=20), 60.0,
             (fail_with("NETWORK", 1), succeed(400), fail_with("TRANSIENT", 1)), 4),
]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", REAL_TIME_SCENARIOS, ids=["retries", "timeout", "fatal", "give-up"])
def test_real_time_agrees_with_virtual_time(scenario: Scenario) -> None:
    real, virtual = run_scenario(scenario, virtual=False), run_scenario(scenario)
    assert real.result == virtual.result
    assert [a.outcome for a in real.trace.attempts] == [a.outcome for a in virtual.trace.attempts]
    assert [b.seconds for b in real.trace.backoffs] == [b.seconds for b in virtual.trace.backoffs]
    assert real.writes == virtual.writes and real.tasks_left == virtual.tasks_left == 0




def test_a_whole_resilient_rag_ingestion_covers_minutes_of_logical_time() -> None:
    # The real time it takes is measured by `make bench`, never asserted here.
    chunks = list(gen_clean_and_chunk(snapshot_corpus(limit=12), RagEnv()))
    store = FakeChunkStore()
    embedder = FlakyEmbedder(seed=7)
    retry = RetryPolicy(8, backoff_base_ms=500, max_backoff_ms=60_000)
    plan = ingest_chunks(chunks, embedder, store, 4, retry=retry, timeout=TimeoutPolicy(2_000),
                         env=make_test_resilience_env(3))
    result, seconds = run_virtual(plan)
    assert isinstance(result, Ok)
    report = result.value
    assert report.failures == () and len(report.kept) + report.duplicates == len(chunks)
    assert len(store.rows) == len(report.kept)  # every kept chunk stored, once
    assert embedder.requests > len(chunks)  # failures happened and were retried
    assert seconds > 120  # minutes of backoff, stalls and Retry-After, in virtual time
