"""The properties of Core 8's adapters, as data: each one a Hypothesis property over generated inputs.

An adapter is checked as an :class:`AdapterImpl`, the handful of pieces a
property needs: the function that sends one request and maps its outcome
(``request_json``), the HTTP, embedding and SQLite adapters built on a
client or connection the property owns, and the fake embedder the real one
must agree with. No property opens a socket: the HTTP side is the real
local service (its ASGI app) in process through ``httpx.ASGITransport``, or
an ``httpx.MockTransport`` answering with generated statuses and errors; the
SQLite side is a private in-memory database.

:func:`adapter_properties` gives each property ready to call for one
implementation; :data:`WRONG_ADAPTERS` (in ``_wrong_adapters``) holds the
broken variants, each caught by the property it names.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiosqlite
import httpx
from hypothesis import strategies as st

from funcpipe_rag.domain.effects.async_.plan import async_lift
from funcpipe_rag.domain.effects.async_.resilience import ResilienceEnv, RetryPolicy, async_with_resilience
from funcpipe_rag.domain.errors import RETRY_AFTER_MS, ErrorCode
from funcpipe_rag.domain.ports import JsonObject
from funcpipe_rag.domain.user import async_user_pipeline, user_url
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.infra.runtime import perform_async, run_sync
from funcpipe_rag.infra.service import create_app
from funcpipe_rag.rag.embedding import DEFAULT_DIM, hash_embed
from funcpipe_rag.rag.types import ChunkText, EmbeddedChunk, Embedding
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._adapters import (
    BASE,
    EXPECTED_FOR_STATUS,
    LIBRARY_ADAPTERS,
    MODEL,
    TRANSPORT_ERRORS,
    AdapterImpl,
    Exchange,
    _error,
)
from funcpipe_rag.testing._fakes import FakeDb, FakeHttp
from funcpipe_rag.testing._paths import Strata, ready_tests, smallest_failure

# ---- generated inputs ----------------------------------------------------------------------

# JSON over HTTP and SQLite text cannot carry lone surrogates; everything else is fair game.
TEXTS = st.text(st.characters(codec="utf-8"), max_size=12)
# Ids are URL path segments: these need escaping ("a/b", "?", "%", " ") and must still reach the record.
IDS = st.text(st.sampled_from("ab1_-/?%# é"), min_size=1, max_size=5)
RECORDS = st.fixed_dictionaries(
    {"name": st.one_of(IDS, TEXTS)},
    optional={"email": st.one_of(st.none(), st.just(""), st.builds("{}@{}".format, IDS, IDS))},
)
USERS = st.builds(
    UserProfile, IDS, st.sampled_from(["Ada", "", "Grace Hopper"]), st.one_of(st.none(), st.just(""), IDS)
)
CHUNKS = st.builds(
    lambda doc, index, text, model, vector: EmbeddedChunk(
        doc, index, ChunkText(text), 0, len(text), Embedding(tuple(vector), model)
    ),
    IDS,
    st.integers(0, 3),
    st.sampled_from(["", "alpha", "beta", "alpha beta"]),  # few texts: repeats across chunks are common
    st.sampled_from(["m-1", "m-2"]),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=3),
)


def _errors(code: str) -> st.SearchStrategy[Exchange]:
    kinds = sorted((k for k, c in TRANSPORT_ERRORS.items() if c == code), key=lambda k: k.__name__)
    return st.builds(_error, st.sampled_from(kinds), st.text(max_size=8)).map(lambda e: Exchange(raises=e))


_BODIES = st.one_of(
    st.dictionaries(
        st.sampled_from(["", "id", "name"]), st.one_of(st.none(), st.integers(0, 3)), max_size=2
    ).map(json.dumps),
    st.sampled_from(["", "not json", "null", "0", "false", "[]", '"text"', '{"a": 1']),
)
_WAITS = st.one_of(st.none(), st.integers(0, 90).map(str))


def _answers(statuses: st.SearchStrategy[int]) -> st.SearchStrategy[Exchange]:
    return st.builds(Exchange, statuses, _BODIES, _WAITS)


EXCHANGE_STRATA: Strata[Exchange] = Strata({
    "OK": st.builds(Exchange, st.integers(200, 299), st.dictionaries(st.text(max_size=3), st.integers())
                    .map(json.dumps), _WAITS),
    "AUTH": _answers(st.sampled_from([401, 403])),
    "NOT_FOUND": _answers(st.just(404)),
    "RATE_LIMIT": _answers(st.just(429)),
    "TRANSIENT": _answers(st.sampled_from([502, 503, 504])),
    "TIMEOUT": st.one_of(_answers(st.just(408)), _errors("TIMEOUT")),
    "NETWORK": _errors("NETWORK"),
    "SERVICE": st.one_of(
        _answers(st.integers(400, 599).filter(lambda s: s not in EXPECTED_FOR_STATUS)),
        st.builds(Exchange, st.integers(200, 299), st.sampled_from(["", "not json", "[1]", "null", "7"])),
        _errors("SERVICE"),
    ),
})  # fmt: skip
"""Outcomes of one request, one stratum per code (and ``OK``), so every mapping path gets its share."""


def path_of_exchange(exchange: Exchange) -> str:
    """The path an outcome really takes: the code it must map to, or ``OK``."""
    return exchange.expected()


# ---- running one case -----------------------------------------------------------------------


@asynccontextmanager
async def _service(
    users: dict[str, dict[str, Any]] | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The local service's app in process (no socket) and a client for it; yields the client and its stats."""
    app = create_app(users=users)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client, app.state.stats


def _caught(what: str, exc: Exception) -> AssertionError:
    return AssertionError(f"{what} raised {type(exc).__name__}: {exc} (expected failures must be Err values)")


async def _outcome(impl: AdapterImpl, exchange: Exchange) -> Result[JsonObject, ErrInfo]:
    transport = httpx.MockTransport(exchange.respond)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        try:
            return await impl.request_json(client, "GET", "/x")
        except Exception as exc:
            raise _caught(f"request_json on {exchange!r}", exc) from exc


async def check_taxonomy(impl: AdapterImpl, exchange: Exchange) -> None:
    got = await _outcome(impl, exchange)
    expected = exchange.expected()
    if expected == "OK":
        assert got == Ok(json.loads(exchange.body)), f"{exchange!r} should be Ok of its body, got {got!r}"
        return
    assert isinstance(got, Err), f"{exchange!r} should be Err({expected}), got {got!r}"
    assert got.error.code == expected, f"{exchange!r} should map to {expected}, got {got.error.code}"
    assert got.error.code in set(ErrorCode), f"{got.error.code!r} is not in the closed taxonomy"
    wait, ctx = exchange.wait_ms(), got.error.ctx or {}
    assert ctx.get(RETRY_AFTER_MS) == wait, f"{exchange!r} should keep retry_after_ms={wait}, ctx is {ctx}"


# The calls of the first property, as data: (adapter, method, argument).
Call = tuple[str, str, Any]
CALLS: st.SearchStrategy[Call] = st.one_of(
    st.tuples(st.just("http"), st.just("get_json"), st.sampled_from(["1", "2", "missing"]).map(user_url)),
    st.tuples(st.just("embedder"), st.just("embed"), TEXTS),
    st.tuples(st.just("embedder"), st.just("embed_batch"), st.lists(TEXTS, min_size=1, max_size=3)),
    st.tuples(st.just("store"), st.just("save_user"), USERS),
    st.tuples(st.just("store"), st.just("upsert_chunks"), st.lists(CHUNKS, min_size=1, max_size=3)),
)


async def check_inert(impl: AdapterImpl, calls: list[Call]) -> None:
    async with _service() as (client, stats), aiosqlite.connect(":memory:") as conn:
        adapters = {
            "http": impl.http(client),
            "embedder": impl.embedder(client, MODEL),
            "store": impl.store(conn),
        }
        pending = [getattr(adapters[who], method)(arg) for who, method, arg in calls]
        for _ in range(20):  # turns of the loop, for anything that was started behind our back
            await asyncio.sleep(0)
        sent, written = stats.requests.total(), conn.total_changes
        for p in pending:
            await p
        assert (sent, written) == (0, 0), (
            f"calling {[c[:2] for c in calls]} sent {sent} requests and wrote {written} rows "
            "before being awaited"
        )
        http_calls = sum(who != "store" for who, _, _ in calls)
        total = stats.requests.total()
        assert total == http_calls, f"awaiting {http_calls} calls sent {total} requests"


@dataclass(frozen=True)
class AgreeCase:
    """A user table (records with and without email), the id asked for, and texts to embed."""

    users: dict[str, dict[str, Any]]
    wanted: str
    texts: list[str]


AGREE_CASES = st.builds(
    # Mostly an id of the table, sometimes one that is not there.
    lambda users, pick, other, texts: AgreeCase(
        users, sorted(users)[pick] if pick < len(users) else other, texts
    ),
    st.dictionaries(IDS, RECORDS, max_size=3),
    st.integers(0, 3),
    IDS,
    st.lists(
        st.one_of(TEXTS, st.sampled_from(["", "UPPER", "bounded concurrency, then backpressure"])), max_size=8
    ),
)


async def check_agree(impl: AdapterImpl, case: AgreeCase) -> None:
    records = {uid: {"id": uid, **rec} for uid, rec in case.users.items()}
    fake_db, fake_embedder = FakeDb(), impl.fake_embedder(DEFAULT_DIM)
    fake_http = FakeHttp.with_users(records.values())
    fake = await perform_async(async_user_pipeline(case.wanted, fake_http, fake_db))
    fake_vectors = [(await fake_embedder.embed(t)).unwrap() for t in case.texts]
    async with _service(records) as (client, _), aiosqlite.connect(":memory:") as conn:
        store = impl.store(conn)
        real = await perform_async(async_user_pipeline(case.wanted, impl.http(client), store))
        rows = (await store.all_users()).unwrap()
        embedder = impl.embedder(client, MODEL)
        singles = [await embedder.embed(t) for t in case.texts]
        batch = await embedder.embed_batch(case.texts)
    assert real == fake, f"user {case.wanted!r}: the real adapters gave {real!r}, the fakes {fake!r}"
    fake_rows = list(fake_db.rows.values())
    assert rows == fake_rows, f"stored {rows!r}, the fake stored {fake_rows!r}"
    assert singles == [Ok(v) for v in fake_vectors], "the real and fake embedders disagree on a text"
    assert batch == Ok(fake_vectors), f"a batch of {len(case.texts)} disagrees with the fake's vectors"


@dataclass(frozen=True)
class BatchCase:
    """Texts to embed in one request, and how many vectors the service leaves out (-) or adds (+)."""

    texts: list[str]
    extra: int


BATCH_CASES = st.builds(
    BatchCase,
    st.lists(st.sampled_from(["b", "a", "c", "a b", ""]), max_size=6),  # repeats and unsorted texts: common
    st.sampled_from([0, 0, -1, 1]),
)


async def check_paired(impl: AdapterImpl, case: BatchCase) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["texts"]
        vectors = [list(hash_embed(t)) for t in texts]
        vectors = vectors[: len(vectors) + case.extra] if case.extra < 0 else vectors + vectors[: case.extra]
        return httpx.Response(200, json={"model": MODEL, "vectors": vectors})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url=BASE) as client:
        got = await impl.embedder(client, MODEL).embed_batch(case.texts)
    if not case.texts:
        assert got == Ok([]), f"an empty batch should be Ok([]), got {got!r}"
    elif case.extra == 0:
        assert isinstance(got, Ok) and len(got.value) == len(case.texts), f"{case.texts!r} gave {got!r}"
        wrong = [i for i, (t, v) in enumerate(zip(case.texts, got.value, strict=True)) if v != hash_embed(t)]
        assert not wrong, f"for {case.texts!r}, vector {wrong[0]} is not the embedding of text {wrong[0]}"
    else:
        assert isinstance(got, Err) and got.error.code == "SERVICE", (
            f"{len(case.texts)} texts answered with {len(case.texts) + case.extra} vectors should be "
            f"Err(SERVICE), got {got!r}"
        )


@dataclass(frozen=True)
class WriteCase:
    """Users and chunk batches written in order; the same writes are then replayed."""

    users: list[UserProfile]
    batches: list[list[EmbeddedChunk]]


WRITE_CASES = st.builds(
    WriteCase, st.lists(USERS, max_size=3), st.lists(st.lists(CHUNKS, max_size=4), max_size=3)
)


async def check_idempotent(impl: AdapterImpl, case: WriteCase) -> None:
    async with aiosqlite.connect(":memory:") as conn:
        store = impl.store(conn)

        async def write_all() -> list[Result[Any, ErrInfo]]:
            done: list[Result[Any, ErrInfo]] = [await store.save_user(u) for u in case.users]
            return done + [await store.upsert_chunks(b) for b in case.batches]

        await write_all()
        once = (await store.all_users(), await store.all_chunks())
        again = await write_all()
        twice = (await store.all_users(), await store.all_chunks())
    sizes = [(len(r.unwrap()) if isinstance(r, Ok) else r) for r in (*once, *twice)]
    assert twice == once, (
        f"writing the same data again changed the store: (users, chunks) {sizes[:2]} became {sizes[2:]}"
    )
    added = again[len(case.users) :]
    assert all(r == Ok(0) for r in added), f"the replayed chunk writes should add 0 rows each, got {added!r}"


@dataclass(frozen=True)
class RetryAfterCase:
    """A service that always answers 429 with ``Retry-After: seconds``, and the retry policy around it."""

    seconds: int
    policy: RetryPolicy
    seed: int


RETRY_AFTER_CASES = st.builds(
    RetryAfterCase,
    st.integers(0, 4),
    st.builds(
        RetryPolicy,
        max_attempts=st.integers(2, 4),
        backoff_base_ms=st.sampled_from([1, 10, 100]),
        max_backoff_ms=st.sampled_from([500, 2_000, 5_000]),
        jitter_factor=st.sampled_from([0.0, 0.5]),
    ),
    st.integers(0, 3),
)


async def check_retry_after(impl: AdapterImpl, case: RetryAfterCase) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)  # recorded, not waited

    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": "slow down"}, headers={"Retry-After": str(case.seconds)})

    async with httpx.AsyncClient(transport=httpx.MockTransport(busy), base_url=BASE) as client:
        call = partial(impl.request_json, client, "GET", "/x")
        env = ResilienceEnv(rng=random.Random(case.seed), sleep=sleep)
        got = await perform_async(async_with_resilience(async_lift(call), case.policy, None, env))
    draws = random.Random(case.seed)
    asked = case.seconds * 1000.0
    retries = range(1, case.policy.max_attempts)
    expected = [case.policy.delay_ms(k, draws.random(), asked) / 1000 for k in retries]
    assert slept == expected, (
        f"the waits were {slept} s, but the service asked for Retry-After: {case.seconds} (expected "
        f"{expected} s under {case.policy!r})"
    )
    assert isinstance(got, Err) and got.error.code == "RATE_LIMIT", f"giving up must keep RATE_LIMIT: {got!r}"


# ---- the properties as data -------------------------------------------------------------------


@dataclass(frozen=True)
class AdapterProperty:
    """One property: its name, the sentence it states, its generated cases and its check of one case."""

    name: str
    statement: str
    cases: Strata[Any]
    check: Callable[[AdapterImpl, Any], Coroutine[Any, Any, None]]


def _one(strategy: st.SearchStrategy[Any]) -> Strata[Any]:
    return Strata({"all": strategy})


ADAPTER_PROPERTIES: tuple[AdapterProperty, ...] = (
    AdapterProperty("nothing happens until driven",
                    "calling an adapter's method sends no request and writes no row until it is awaited",
                    _one(st.lists(CALLS, min_size=1, max_size=4)), check_inert),
    AdapterProperty("every outcome maps into the taxonomy",
                    "each status, timeout and transport error becomes its code (unknown: SERVICE), "
                    "Retry-After kept as data", EXCHANGE_STRATA, check_taxonomy),
    AdapterProperty("real and fake adapters agree",
                    "the user pipeline and the embedder give the same results and rows on both",
                    _one(AGREE_CASES), check_agree),
    AdapterProperty("batches are paired by index",
                    "vector i embeds text i; a wrong number of vectors is Err(SERVICE)",
                    _one(BATCH_CASES), check_paired),
    AdapterProperty("writes are idempotent by id",
                    "replaying the same writes changes no row and adds none",
                    _one(WRITE_CASES), check_idempotent),
    AdapterProperty("Retry-After reaches the retry policy",
                    "the waits between attempts are the policy's delays, raised to what the service asked",
                    _one(RETRY_AFTER_CASES), check_retry_after),
)  # fmt: skip
"""Every property of Core 8's adapters, in the order the lesson states them."""


def adapter_counterexample(
    prop: AdapterProperty, impl: AdapterImpl = LIBRARY_ADAPTERS, *, max_examples: int = 30
) -> tuple[Any, str] | None:
    """Run ``prop`` on ``impl``: ``None`` if it holds, else the smallest failing case and what went wrong."""
    return smallest_failure(
        prop.cases, lambda case: run_sync(lambda: prop.check(impl, case)), max_examples=max_examples
    )


def adapter_properties(
    impl: AdapterImpl = LIBRARY_ADAPTERS, *, max_examples: int = 30
) -> dict[str, Callable[[], None]]:
    """Every property for ``impl``, each a test ready to call that raises ``AssertionError`` with the
    smallest failing case when the property does not hold."""

    by_name = {p.name: p for p in ADAPTER_PROPERTIES}
    return ready_tests(
        list(by_name), lambda name: adapter_counterexample(by_name[name], impl, max_examples=max_examples)
    )


__all__ = [
    "ADAPTER_PROPERTIES",
    "EXCHANGE_STRATA",
    "AdapterProperty",
    "adapter_counterexample",
    "adapter_properties",
    "path_of_exchange",
]
