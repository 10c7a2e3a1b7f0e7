"""Cores 4 and 5: what a retry costs, and what minutes of logical time cost in virtual time.

* **Overhead per attempt.** One step that always fails (``Err(TRANSIENT)`` for
  the library, an exception for ``tenacity``, which retries on exceptions),
  retried ``attempts`` times with no wait, once without and once with a
  per-attempt deadline. The same run as a bare ``for`` loop awaiting the
  step is the floor; each row reports microseconds per attempt and the
  ratio to ``tenacity`` measured in the same repetition.
* **A resilient RAG ingestion in virtual time.** ``ingest_chunks`` over the
  lesson corpus, four embeddings at a time, with retries, a per-attempt
  deadline, an embedder that fails and stalls on a seeded schedule and asks
  for ``Retry-After``: the logical time it covers (minutes) against the real
  time it takes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import Settings, Table, clean_slate, fmt_ratio, log, ratios, rotate, summary
from funcpipe_rag import (
    Err,
    ErrInfo,
    Ok,
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    async_lift,
    async_with_resilience,
)

FAILURE = ErrInfo("TRANSIENT", "always fails")


class Transient(Exception):
    """What the tenacity contender raises where the library's step returns ``Err``."""


async def _failing() -> Any:
    return Err(FAILURE)


async def _raising() -> Any:
    raise Transient


async def _noop_sleep(_seconds: float) -> None:
    return None


async def raw_loop(attempts: int, deadline: float | None) -> int:
    made = 0
    for _ in range(attempts):
        made += 1
        if deadline is None:
            await _failing()
        else:
            async with asyncio.timeout(deadline):
                await _failing()
    return made


async def library(attempts: int, deadline: float | None) -> int:
    calls = [0]

    async def step() -> Any:
        calls[0] += 1
        return Err(FAILURE)

    policy = RetryPolicy(attempts, backoff_base_ms=0, max_backoff_ms=0, jitter_factor=0)
    timeout = TimeoutPolicy(deadline * 1000) if deadline is not None else None
    env = ResilienceEnv(random.Random(0), _noop_sleep)
    await async_with_resilience(async_lift(step), policy, timeout, env)()
    return calls[0]


async def tenacity_loop(attempts: int, deadline: float | None) -> int:
    from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_none

    calls = [0]
    retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait_none(),
                             retry=retry_if_exception_type(Transient), reraise=True, sleep=_noop_sleep)
    try:
        async for attempt in retrying:
            with attempt:
                calls[0] += 1
                if deadline is None:
                    await _raising()
                else:
                    async with asyncio.timeout(deadline):
                        await _raising()
    except Transient:
        pass
    return calls[0]


CONTENDERS: dict[str, Callable[[int, float | None], Awaitable[int]]] = {
    "bare loop (floor)": raw_loop,
    "library": library,
    "tenacity": tenacity_loop,
}


async def _overhead(settings: Settings) -> dict[str, Any]:
    attempts = 500 if settings.quick else 20_000
    rows: dict[str, Any] = {}
    for deadline in (None, 10.0):
        label = "no deadline" if deadline is None else "deadline per attempt"
        times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        for rep in range(max(settings.reps, 5)):
            for name in rotate(list(CONTENDERS), rep):
                clean_slate()
                t0 = time.perf_counter()
                made = await CONTENDERS[name](attempts, deadline)
                times[name].append(time.perf_counter() - t0)
                assert made == attempts, f"{name} made {made} attempts, not {attempts}"
        rows[label] = {
            name: {
                "us_per_attempt": summary([t / attempts * 1e6 for t in ts]),
                "ratio_to_tenacity": ratios(ts, times["tenacity"]),
            }
            for name, ts in times.items()
        }
        lib = rows[label]["library"]["us_per_attempt"]["median"]
        log(settings, f"resilience overhead, {label}: library {lib:.2f} us/attempt")
    return {"attempts": attempts, "rows": rows}


async def _virtual_rag(settings: Settings) -> dict[str, Any]:
    from funcpipe_rag.domain.ingest import ingest_chunks
    from funcpipe_rag.infra.corpus import snapshot_corpus
    from funcpipe_rag.rag import RagEnv, gen_clean_and_chunk
    from funcpipe_rag.testing import FakeChunkStore, FlakyEmbedder, make_test_resilience_env, run_virtual

    chunks = list(gen_clean_and_chunk(snapshot_corpus(limit=40 if settings.quick else 200), RagEnv()))

    walls, logical, failures = [], [], []
    for _ in range(max(settings.reps, 3)):
        store = FakeChunkStore()
        retry = RetryPolicy(8, backoff_base_ms=500, max_backoff_ms=60_000)
        plan = ingest_chunks(chunks, FlakyEmbedder(), store, 4, retry=retry, timeout=TimeoutPolicy(2_000),
                             env=make_test_resilience_env(7))
        t0 = time.perf_counter()
        result, seconds = run_virtual(plan)
        walls.append(time.perf_counter() - t0)
        logical.append(seconds)
        assert isinstance(result, Ok)
        failures.append(len(result.value.failures))
    log(settings, f"virtual RAG: {logical[0] / 60:.1f} logical minutes in {min(walls):.2f} s")
    return {"chunks": len(chunks), "wall_s": summary(walls), "logical_s": logical[0], "failures": failures[0]}


async def run(settings: Settings) -> dict[str, Any]:
    return {"overhead": await _overhead(settings), "virtual_rag": await _virtual_rag(settings)}


def tables(result: dict[str, Any]) -> list[Table]:
    t = Table(
        f"Retry overhead: an always-failing step, {result['overhead']['attempts']:,} attempts, no waits",
        ["case", "runner", "us per attempt (median [min-max])", "x tenacity"],
    )
    for label, rows in result["overhead"]["rows"].items():
        for name, row in rows.items():
            us = row["us_per_attempt"]
            t.add(label, name, f"{us['median']:.2f} [{us['min']:.2f}-{us['max']:.2f}]",
                  fmt_ratio(row["ratio_to_tenacity"]))
    v = result["virtual_rag"]
    r = Table("A resilient RAG ingestion in virtual time", ["chunks", "logical time", "real time", "failed"])
    r.add(v["chunks"], f"{v['logical_s'] / 60:.1f} min", f"{v['wall_s']['median']:.2f} s "
          f"[{v['wall_s']['min']:.2f}-{v['wall_s']['max']:.2f}]", v["failures"])
    return [t, r]
