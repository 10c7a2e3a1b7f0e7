"""Retry and timeout policies as data: validation, inspection, and the edges of the retry loop.

The properties over generated scenarios are in ``tests/laws/test_resilience_laws.py``;
here are the fixed cases: every invalid policy is refused with a sentence that
says what to change, a resilient plan shows what it is, exceptions and outer
cancellation propagate, and ``Retry-After`` travels from an HTTP answer into
the delay.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest

from funcpipe_rag import (
    Err,
    ErrInfo,
    Ok,
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    async_lift,
    async_pure,
    async_with_resilience,
    perform_async,
    resilient_mapper,
)
from funcpipe_rag.domain.effects.async_.resilience import DEFAULT_RETRIABLE, ResilientPlan
from funcpipe_rag.domain.errors import RETRY_AFTER_MS
from funcpipe_rag.infra.adapters.http import request_json, retry_after_ms
from funcpipe_rag.testing import (
    PolicySpec,
    Scenario,
    ScriptedStep,
    TraceRecorder,
    fail_with,
    run_scenario,
    run_virtual,
    succeed,
)

# ---- policies are validated values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "advice"),
    [
        ({"max_attempts": 0}, ValueError, "at least 1"),
        ({"max_attempts": 2.0}, TypeError, "must be an int"),
        ({"max_attempts": True}, TypeError, "must be an int"),
        ({"retriable_codes": "TIMEOUT"}, TypeError, "retriable_codes={'TIMEOUT'}"),
        ({"retriable_codes": {"TIMEOUT", "SLOW"}}, ValueError, "outside the taxonomy: SLOW"),
        ({"retriable_codes": 3}, TypeError, "collection of codes"),
        ({"backoff_base_ms": -1}, ValueError, "must not be negative"),
        ({"backoff_base_ms": float("nan")}, ValueError, "finite"),
        ({"backoff_base_ms": "100"}, TypeError, "must be a number"),
        ({"backoff_base_ms": 500, "max_backoff_ms": 100}, ValueError, "raise max_backoff_ms"),
        ({"jitter_factor": 1.5}, ValueError, "between 0 and 1"),
        ({"jitter_factor": -0.1}, ValueError, "must not be negative"),
        ({"idempotent": "yes"}, TypeError, "True or False"),
        ({"idempotent": False}, ValueError, "make the step idempotent"),
    ],
)
def test_an_invalid_retry_policy_is_refused_with_advice(
    fields: dict[str, Any], error: type, advice: str
) -> None:
    with pytest.raises(error, match=advice.replace("{", r"\{").replace("}", r"\}")):
        RetryPolicy(**fields)


@pytest.mark.parametrize("value", [0, -5, float("inf"), "1s", None])
def test_an_invalid_timeout_is_refused(value: Any) -> None:
    with pytest.raises((TypeError, ValueError), match=r"TimeoutPolicy\.timeout_ms"):
        TimeoutPolicy(value)


def test_a_policy_is_frozen_hashable_and_prints_the_same_everywhere() -> None:
    policy = RetryPolicy(4, ["TRANSIENT", "RATE_LIMIT"], 50, 800, 0.25)
    assert policy == RetryPolicy(4, frozenset({"RATE_LIMIT", "TRANSIENT"}), 50, 800, 0.25)
    assert hash(policy) == hash(RetryPolicy(4, ("RATE_LIMIT", "TRANSIENT"), 50, 800, 0.25))
    with pytest.raises(AttributeError):
        policy.max_attempts = 9  # type: ignore[misc]
    assert repr(policy) == (
        "RetryPolicy(max_attempts=4, retriable_codes={'RATE_LIMIT', 'TRANSIENT'}, backoff_base_ms=50, "
        "max_backoff_ms=800, jitter_factor=0.25, idempotent=True)"
    )
    assert RetryPolicy().retriable_codes == DEFAULT_RETRIABLE
    assert RetryPolicy(1, idempotent=False).max_attempts == 1  # one attempt of anything is fine


def test_delays_double_are_capped_and_keep_jitter_below_the_cap() -> None:
    policy = RetryPolicy(6, backoff_base_ms=100, max_backoff_ms=1000, jitter_factor=0.15)
    assert [policy.backoff_ms(k) for k in range(1, 6)] == [100, 200, 400, 800, 1000]
    assert policy.delay_ms(5, 0.0) == 1000.0
    assert policy.delay_ms(5, 0.999) <= 1000.0  # the course adds jitter after the cap: 1.15 s
    assert policy.delay_ms(1, 1.0) == pytest.approx(85.0)
    assert policy.delay_ms(1, 0.0, retry_after_ms=300) == 300.0
    assert policy.delay_ms(1, 0.0, retry_after_ms=120_000) == 1000.0  # Retry-After, up to the cap
    assert policy.max_total_delay_ms() == 100 + 200 + 400 + 800 + 1000
    assert RetryPolicy(3, backoff_base_ms=1, max_backoff_ms=10**9).backoff_ms(5000) == 10**9
    with pytest.raises(ValueError, match="from 1"):
        policy.backoff_ms(0)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        policy.delay_ms(1, 2.0)


def test_should_retry_reads_the_code_and_the_attempts_left() -> None:
    policy = RetryPolicy(3, {"TIMEOUT"})
    timeout, missing = ErrInfo("TIMEOUT", "slow"), ErrInfo("NOT_FOUND", "no")
    assert [policy.should_retry(timeout, k) for k in (1, 2, 3)] == [True, True, False]
    assert not policy.should_retry(missing, 1)


# ---- a resilient plan is data ---------------------------------------------------------------------


def test_a_resilient_plan_shows_its_step_and_policies_and_builds_nothing() -> None:
    step = ScriptedStep([succeed()])
    inner = step.plan
    plan = async_with_resilience(inner, RetryPolicy(2), TimeoutPolicy(250))
    assert isinstance(plan, ResilientPlan)
    assert (plan.step, plan.retry, plan.timeout) == (inner, RetryPolicy(2), TimeoutPolicy(250))
    assert plan.env is None
    assert repr(plan).startswith("async_with_resilience(<AsyncPlan lift>, RetryPolicy(max_attempts=2, ")
    assert repr(plan).endswith("TimeoutPolicy(timeout_ms=250))")
    assert "0x" not in repr(async_with_resilience(lambda: step.call(), RetryPolicy()))
    assert step.calls == []
    assert run_virtual(plan)[0] == run_virtual(plan)[0] == Ok("done")  # replayable
    assert len(step.calls) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((async_pure(1)(), RetryPolicy()), "not plan()"),
        ((async_pure(1), 3), "RetryPolicy"),
        ((async_pure(1), RetryPolicy(), 500), "TimeoutPolicy(timeout_ms=500)"),
        ((async_pure(1), RetryPolicy(), None, random.Random(0)), "ResilienceEnv"),
    ],
)
def test_wrong_arguments_are_refused_when_the_plan_is_built(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        async_with_resilience(*args)
    for arg in args:
        if asyncio.iscoroutine(arg):
            arg.close()


def test_the_default_environment_uses_the_loops_clock() -> None:
    step = ScriptedStep([fail_with("TRANSIENT", 5), succeed(5)])
    policy = RetryPolicy(2, backoff_base_ms=1000, jitter_factor=0)
    plan = async_with_resilience(step.plan, policy, TimeoutPolicy(60_000))
    result, elapsed = run_virtual(lambda: perform_async(plan))
    assert result == Ok("done") and elapsed == pytest.approx(1.010)


# ---- exceptions and cancellation propagate ---------------------------------------------------------


def test_an_exception_of_the_step_is_a_bug_and_is_never_retried() -> None:
    calls = []

    async def broken() -> Any:
        calls.append(1)
        raise KeyError("bug")

    plan = async_with_resilience(broken, RetryPolicy(5), TimeoutPolicy(100), ResilienceEnv(random.Random(0)))
    with pytest.raises(KeyError):
        run_virtual(plan)
    assert calls == [1]


def test_a_timeout_error_raised_by_the_step_itself_is_not_taken_for_the_deadline() -> None:
    async def raises_timeout() -> Any:
        raise TimeoutError("the step's own")

    env = ResilienceEnv(random.Random(0))
    plan = async_with_resilience(raises_timeout, RetryPolicy(3), TimeoutPolicy(100), env)
    with pytest.raises(TimeoutError, match="the step's own"):
        run_virtual(plan)


def test_cancelling_the_run_cancels_the_attempt_and_the_backoff_and_leaves_no_task() -> None:
    for replies, cancel_at in (([succeed(5_000)], 1.0), ([fail_with("TRANSIENT", 1)], 0.5)):
        step = ScriptedStep(replies)
        policy = RetryPolicy(3, backoff_base_ms=10_000, max_backoff_ms=10_000, jitter_factor=0)
        plan = async_with_resilience(step.plan, policy, env=ResilienceEnv(random.Random(0)))

        async def main(plan: Any = plan, cancel_at: float = cancel_at) -> tuple[bool, int, float]:
            task = asyncio.ensure_future(plan())
            await asyncio.sleep(cancel_at)
            task.cancel()
            cancelled = False
            try:
                await task
            except asyncio.CancelledError:
                cancelled = True
            return cancelled, len(asyncio.all_tasks()) - 1, asyncio.get_running_loop().time()

        (cancelled, left, when), _ = run_virtual(main)
        assert cancelled and left == 0 and when == pytest.approx(cancel_at)
        assert step.writes == 0


def test_the_deadline_cancels_tasks_the_step_started_itself() -> None:
    started: list[str] = []
    cancelled: list[str] = []

    async def worker(name: str) -> None:
        started.append(name)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise

    async def fan_out() -> Any:
        await asyncio.gather(worker("a"), worker("b"))
        return Ok("never")

    plan = async_with_resilience(fan_out, RetryPolicy(1), TimeoutPolicy(100))

    async def main() -> tuple[Any, int]:
        result = await plan()
        return result, len(asyncio.all_tasks()) - 1

    (result, left), elapsed = run_virtual(main)
    assert isinstance(result, Err) and result.error.code == "TIMEOUT"
    assert sorted(cancelled) == sorted(started) == ["a", "b"] and left == 0 and elapsed == pytest.approx(0.1)


def test_one_attempt_without_timeout_is_the_step_itself_even_for_odd_values() -> None:
    for value in (None, 0, "", [], False):
        plan = async_with_resilience(async_pure(value), RetryPolicy(1))
        assert run_virtual(plan)[0] == Ok(value)


def test_giving_up_keeps_the_code_and_records_every_attempt() -> None:
    scenario = Scenario(PolicySpec(3, jitter_factor=0), 100.0,
                        (fail_with("RATE_LIMIT", 1), succeed(500), fail_with("TRANSIENT", 1)), 7)
    facts = run_scenario(scenario)
    assert isinstance(facts.result, Err)
    error = facts.result.error
    assert error.code == "TRANSIENT"
    assert error.ctx == {"attempts": 3, "codes": ("RATE_LIMIT", "TIMEOUT", "TRANSIENT")}
    assert [a.outcome for a in facts.trace.attempts] == ["RATE_LIMIT", "cancelled", "TRANSIENT"]


# ---- resilient_mapper ---------------------------------------------------------------------------


def test_resilient_mapper_makes_one_resilient_plan_per_item() -> None:
    steps = {x: ScriptedStep([fail_with("TRANSIENT", 1), succeed(1)], value=x * 10) for x in (1, 2)}
    mapper = resilient_mapper(lambda x: steps[x].plan, RetryPolicy(2, jitter_factor=0), TimeoutPolicy(50))
    assert repr(mapper).startswith("resilient_mapper(test_resilient_mapper_makes_one_resilient_plan_per_item")
    plan = mapper(1)
    assert isinstance(plan, ResilientPlan) and plan.retry == RetryPolicy(2, jitter_factor=0)
    assert run_virtual(plan)[0] == Ok(10) and run_virtual(mapper(2))[0] == Ok(20)
    with pytest.raises(TypeError, match="RetryPolicy"):
        resilient_mapper(lambda x: async_pure(x), 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="item -> plan"):
        resilient_mapper(5, RetryPolicy())  # type: ignore[arg-type]


# ---- Retry-After, from the HTTP answer to the delay ---------------------------------------------


@pytest.mark.parametrize(
    ("headers", "wanted"),
    [
        ({"Retry-After": "2"}, 2000.0),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}, 30_000.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:27:00 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-3"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_as_milliseconds(headers: dict[str, str], wanted: float | None) -> None:
    assert retry_after_ms(httpx.Response(429, headers=headers)) == wanted


async def _answer(response: httpx.Response) -> Any:
    transport = httpx.MockTransport(lambda request: response)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await request_json(client, "GET", "/users/1")


@pytest.mark.parametrize(("status", "code"), [(429, "RATE_LIMIT"), (503, "TRANSIENT")])
async def test_the_http_adapter_carries_retry_after_in_ctx(status: int, code: str) -> None:
    got = await _answer(httpx.Response(status, headers={"Retry-After": "1"}, text="busy"))
    assert isinstance(got, Err) and got.error.code == code
    assert got.error.ctx == {RETRY_AFTER_MS: 1000.0}
    plain = await _answer(httpx.Response(500, headers={"Retry-After": "1"}))
    assert isinstance(plain, Err) and plain.error.ctx is None  # only where waiting can help


def test_the_policy_waits_as_long_as_the_adapter_asked() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={"id": "1"})])
    recorder = TraceRecorder()

    async def main() -> Any:
        transport = httpx.MockTransport(lambda request: next(answers))
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            step = async_lift(lambda: request_json(client, "GET", "/users/1"))
            policy = RetryPolicy(2, backoff_base_ms=100, max_backoff_ms=5_000)
            return await async_with_resilience(recorder.step(step), policy, env=recorder.env(0))()

    result, elapsed = run_virtual(main)
    assert result == Ok({"id": "1"})
    assert [b.seconds for b in recorder.backoffs] == [3.0] and elapsed == pytest.approx(3.0)
