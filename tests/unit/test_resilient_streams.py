"""``resilient_mapper`` over streams (Core 2's ``async_gen_map_action``): each item gets its own
attempts, delays and deadline, in virtual time; an ``Err`` item of the source is never retried."""

from __future__ import annotations

from funcpipe_rag import (
    Err,
    ErrInfo,
    Ok,
    RetryPolicy,
    TimeoutPolicy,
    async_from_result,
    async_gen_from_list,
    async_gen_map_action,
    async_pure,
    collect_stream,
    resilient_mapper,
)
from funcpipe_rag.testing import ScriptedStep, fail_with, make_test_resilience_env, run_virtual, succeed


def test_each_item_is_retried_on_its_own_and_the_stream_goes_on() -> None:
    steps = {
        1: ScriptedStep([fail_with("TRANSIENT", 10), succeed(10)], value="one"),
        2: ScriptedStep([fail_with("RATE_LIMIT", 10, retry_after_ms=500)], value="two"),
        3: ScriptedStep([succeed(5_000), succeed(10)], value="three"),
    }
    env = make_test_resilience_env(seed=1)
    mapper = resilient_mapper(lambda n: steps[n].plan, RetryPolicy(2, backoff_base_ms=100, jitter_factor=0),
                              TimeoutPolicy(1_000), env)
    stream = async_gen_map_action(async_gen_from_list([1, 2, 3]), mapper)
    assert all(not s.calls for s in steps.values())  # building the stream runs nothing

    items, seconds = run_virtual(lambda: collect_stream(stream))
    assert items[0] == Ok("one") and items[2] == Ok("three")
    assert isinstance(items[1], Err) and items[1].error.code == "RATE_LIMIT"
    assert items[1].error.ctx is not None and items[1].error.ctx["attempts"] == 2
    assert [len(s.calls) for s in steps.values()] == [2, 2, 2]
    assert env.sleep.calls == [0.1, 0.5, 0.1]  # type: ignore[attr-defined]
    assert abs(seconds - (0.02 + 0.1 + 0.02 + 0.5 + 1.0 + 0.1 + 0.01)) < 1e-9


def test_an_err_item_of_the_source_passes_unchanged_and_is_not_retried() -> None:
    broken = ErrInfo("VALIDATION", "bad record")
    source = async_gen_map_action(async_gen_from_list([1, 2]),
                                  lambda n: async_from_result(Err(broken)) if n == 1 else async_pure(n))
    called: list[int] = []

    def f(n: int) -> object:
        called.append(n)
        return async_pure(n * 10)

    stream = async_gen_map_action(source, resilient_mapper(f, RetryPolicy(3)))  # type: ignore[arg-type]
    items, _ = run_virtual(lambda: collect_stream(stream))
    assert items == [Err(broken), Ok(20)] and called == [2]
