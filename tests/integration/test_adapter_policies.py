"""Core 8: policies wrap the real adapters from outside, and the duplicate write that only upserts survive.

Against the local service on a free loopback port and SQLite files under
a temporary folder. The wrappers keep the adapter's protocol, so the same
core code runs over a bare adapter, a wrapped one or a fake.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import httpx
import pytest

from funcpipe_rag import (
    EmbeddingCap,
    HttpClientCap,
    Ok,
    RateLimitPolicy,
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    TokenGate,
    async_gather,
    async_lift,
    async_with_resilience,
    perform_async,
)
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.adapters.http import HttpJsonClient
from funcpipe_rag.infra.adapters.policies import (
    RateLimitedEmbedder,
    RateLimitedHttpClient,
    ResilientEmbedder,
    ResilientHttpClient,
)
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.infra.service import model_name
from funcpipe_rag.teaching import LostAnswer, append_visit

from .conftest import Service, start

MODEL = model_name()
NO_WAIT = RetryPolicy(max_attempts=8, backoff_base_ms=0, max_backoff_ms=0, jitter_factor=0)


@pytest.fixture(scope="module")
def flaky_service() -> Iterator[Service]:
    """Half of the user and embedding requests answer 429 or 503 (seeded), without Retry-After."""
    yield from start(failure_rate=0.5, failures=("rate_limit", "unavailable"), seed=7)


def _typed(http: HttpClientCap, embedder: EmbeddingCap) -> tuple[HttpClientCap, EmbeddingCap]:
    return http, embedder  # mypy checks here that the wrappers have the adapters' protocols


async def test_retries_wrapped_around_the_adapters_get_every_answer(flaky_service: Service) -> None:
    env = ResilienceEnv(rng=random.Random(0))
    async with httpx.AsyncClient(base_url=flaky_service.url, timeout=30.0) as client:
        bare_http, bare_embedder = HttpJsonClient(client), HttpEmbedder(client, MODEL)
        http, embedder = _typed(
            ResilientHttpClient(bare_http, NO_WAIT, env=env),
            ResilientEmbedder(bare_embedder, NO_WAIT, env=env),
        )
        bare = [await bare_http.get_json(f"/users/{i}") for i in range(1, 9)]
        users = [await http.get_json(f"/users/{i}") for i in range(1, 9)]
        vectors = [await embedder.embed(f"text {i}") for i in range(8)]
    assert any(not isinstance(r, Ok) for r in bare), "the service is meant to fail some requests"
    assert all(isinstance(r, Ok) for r in users + vectors), users + vectors
    assert embedder.model_name == MODEL
    assert flaky_service.stats.failures["rate_limit"] + flaky_service.stats.failures["unavailable"] > 0


async def test_a_wrapper_sends_nothing_until_awaited_and_replays(service: Service) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=30.0) as client:
        http = ResilientHttpClient(HttpJsonClient(client), NO_WAIT)
        before = service.stats.requests.total()
        plan = async_lift(lambda: http.get_json("/users/2"))
        pending = http.get_json("/users/3")  # a coroutine: nothing is sent
        await asyncio.sleep(0)  # a turn of the loop, for anything that had been started
        assert service.stats.requests.total() == before
        pending.close()
        first, second = await perform_async(plan), await perform_async(plan)
    assert first == second and isinstance(first, Ok)
    assert service.stats.requests.total() == before + 2


async def test_a_shared_gate_limits_the_calls_of_concurrent_tasks(service: Service) -> None:
    loop = asyncio.get_running_loop()
    policy = RateLimitPolicy(tokens_per_second=40, burst_tokens=2)
    due: list[float] = []
    sent: list[float] = []

    class Gate(TokenGate):
        async def acquire(self) -> float:
            when = await super().acquire()
            due.append(when)
            sent.append(loop.time())  # the moment the call leaves
            return when

    async with httpx.AsyncClient(base_url=service.url, timeout=30.0) as client:
        embedder = RateLimitedEmbedder(HttpEmbedder(client, MODEL), Gate(policy))
        plans = [async_lift(lambda i=i: embedder.embed(f"chunk {i}")) for i in range(10)]
        result = await perform_async(async_gather(plans, concurrency=10))
    assert isinstance(result, Ok) and len(result.value) == 10
    # Ten tasks ask at once; the gate makes 2 due at once, then one every 25 ms. A busy machine may
    # wake a caller late (its call then leaves after its due time), never early.
    assert all(s >= d - 1e-6 for s, d in zip(sent, due, strict=True)), (sent, due)
    times = sorted(due)
    for i in range(len(times)):
        for j in range(i, len(times)):
            assert j - i + 1 <= policy.envelope(times[j] - times[i]) + 1e-6, times


async def test_a_rate_limited_http_client_keeps_the_protocol(service: Service) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=30.0) as client:
        http, _ = _typed(
            RateLimitedHttpClient(HttpJsonClient(client), TokenGate(RateLimitPolicy(100, 3))),
            HttpEmbedder(client, MODEL),
        )
        answers = [await http.get_json(f"/users/{i}") for i in (1, 2, 3, 4)]
    assert all(isinstance(a, Ok) for a in answers)


def test_wrappers_check_their_policies_when_built() -> None:
    with pytest.raises(TypeError, match="RetryPolicy"):
        ResilientHttpClient(HttpJsonClient(httpx.AsyncClient()), 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RateLimitPolicy"):
        TokenGate(5)  # type: ignore[arg-type]


# ---- the commit-then-timeout duplicate write ------------------------------------------

ADA = UserProfile(id="1", name="Ada Lovelace", email="ada@example.org")
RETRY_ONCE = RetryPolicy(max_attempts=2, backoff_base_ms=0, max_backoff_ms=0, jitter_factor=0)
# The answer never comes, so the deadline is what ends the first attempt; it only has to outlast
# the commit, which takes milliseconds.
DEADLINE = TimeoutPolicy(timeout_ms=1_000)


@pytest.mark.slow
async def test_a_retried_insert_after_a_lost_answer_writes_twice(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "naive.sqlite3") as conn:
        lost = LostAnswer()
        plan = async_with_resilience(lambda: lost.write(append_visit(conn, ADA)), RETRY_ONCE, DEADLINE)
        result = await perform_async(plan)
        rows = await (await conn.execute("SELECT COUNT(*) FROM saved")).fetchone()
    assert isinstance(result, Ok) and lost.attempts == 2
    assert rows == (2,), "the first attempt committed before its deadline; the retry wrote the row again"


@pytest.mark.slow
async def test_an_upsert_by_id_makes_the_same_retry_harmless(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "upsert.sqlite3") as conn:
        store = SqliteStore(conn)
        lost = LostAnswer()
        plan = async_with_resilience(lambda: lost.write(store.save_user(ADA)), RETRY_ONCE, DEADLINE)
        result = await perform_async(plan)
        users = await store.all_users()
    assert isinstance(result, Ok) and lost.attempts == 2
    assert users == Ok([ADA])
