"""The real adapters against the running local service and a temporary SQLite file.

Covers the Core 8 invariants: nothing happens until a plan is driven, every
failure maps to one code of the closed taxonomy, and writes are idempotent.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import httpx
import pytest

from funcpipe_rag import perform_async
from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.errors import INFRA_CODES, ErrorCode, code_for_status, is_retryable
from funcpipe_rag.domain.ingest import ingest_chunks
from funcpipe_rag.domain.search import search
from funcpipe_rag.domain.user import async_user_pipeline
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.adapters.http import HttpJsonClient
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.infra.service import model_name
from funcpipe_rag.rag import (
    ChunkText,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    RawDoc,
    gen_clean_and_chunk,
    hash_embed,
)
from funcpipe_rag.result import Err, ErrInfo, Ok

from .conftest import Service, start

MODEL = model_name()


@pytest.fixture(scope="module")
def locked_service() -> Iterator[Service]:
    """A service that requires ``Authorization: Bearer secret``."""
    yield from start(api_key="secret")


@pytest.fixture(scope="module", params=["rate_limit", "unavailable", "slow"])
def failing_service(request: pytest.FixtureRequest) -> Iterator[tuple[str, Service]]:
    """A service whose every data request fails in one way."""
    for svc in start(failure_rate=1.0, failures=(request.param,), slow_ms=5000):
        yield request.param, svc


def _code(result: object) -> str:
    assert isinstance(result, Err), result
    assert isinstance(result.error, ErrInfo)
    return result.error.code


# ---- the user pipeline, end to end ---------------------------------------------------------


async def test_user_pipeline_saves_the_user_and_replays(service: Service, db_path: Path) -> None:
    async with httpx.AsyncClient(base_url=service.url) as client, aiosqlite.connect(db_path) as conn:
        store = SqliteStore(conn)
        before = service.stats.requests["users"]
        plan = async_user_pipeline("1", HttpJsonClient(client), store)
        assert service.stats.requests["users"] == before  # building the plan sent nothing

        first = await perform_async(plan)
        second = await perform_async(plan)

        expected = UserProfile("1", "Ada Lovelace", "ada.lovelace@example.org")
        assert first == second == Ok(expected)
        assert service.stats.requests["users"] == before + 2  # each run is a fresh request
        assert await store.all_users() == Ok([expected])  # the replay wrote nothing new


async def test_unknown_user_is_not_found_and_saves_nothing(service: Service, db_path: Path) -> None:
    async with httpx.AsyncClient(base_url=service.url) as client, aiosqlite.connect(db_path) as conn:
        store = SqliteStore(conn)
        result = await perform_async(async_user_pipeline("no-such-user", HttpJsonClient(client), store))
        url = "/users/no-such-user"
        assert result == Err(ErrInfo("NOT_FOUND", f"no resource at {url}", path=("http", url)))
        assert await store.all_users() == Ok([])


async def test_invalid_record_is_a_validation_error(service: Service, db_path: Path) -> None:
    service.users["broken"] = {"id": "broken", "name": "No Email", "email": "nowhere"}
    async with httpx.AsyncClient(base_url=service.url) as client, aiosqlite.connect(db_path) as conn:
        result = await perform_async(async_user_pipeline("broken", HttpJsonClient(client), SqliteStore(conn)))
    assert _code(result) == "VALIDATION"


async def test_calling_an_adapter_method_sends_nothing_until_awaited(service: Service) -> None:
    async with httpx.AsyncClient(base_url=service.url) as client:
        before = service.stats.requests["users"]
        pending = HttpJsonClient(client).get_json("/users/2")
        assert service.stats.requests["users"] == before
        assert isinstance(await pending, Ok)
        assert service.stats.requests["users"] == before + 1


# ---- embeddings and the chunk store ------------------------------------------------------


async def test_embedder_matches_hash_embed_one_by_one_and_in_batches(service: Service) -> None:
    texts = ["bounded concurrency", "backpressure", "", "bounded concurrency"]
    async with httpx.AsyncClient(base_url=service.url) as client:
        embedder = HttpEmbedder(client, MODEL)
        assert embedder.model_name == MODEL
        singles = [await embedder.embed(t) for t in texts]
        batch = await embedder.embed_batch(texts)
        assert await embedder.embed_batch([]) == Ok([])
    expected = [hash_embed(t) for t in texts]
    assert singles == [Ok(v) for v in expected]
    assert batch == Ok(expected)


async def test_embedder_rejects_vectors_of_another_model(service: Service) -> None:
    async with httpx.AsyncClient(base_url=service.url) as client:
        result = await HttpEmbedder(client, "some-other-model").embed("text")
    assert _code(result) == "SERVICE"


def _chunk(doc: str, index: int, text: str, model: str = MODEL) -> EmbeddedChunk:
    return EmbeddedChunk(doc, index, ChunkText(text), 0, len(text), Embedding(hash_embed(text), model))


async def test_chunk_upsert_is_idempotent(db_path: Path) -> None:
    chunks = [_chunk("a", 0, "alpha"), _chunk("a", 1, "beta"), _chunk("b", 0, "alpha")]
    async with aiosqlite.connect(db_path) as conn:
        store = SqliteStore(conn)
        assert await store.upsert_chunks(chunks) == Ok(2)  # "alpha" twice: one content id
        changes = conn.total_changes
        assert await store.upsert_chunks(chunks) == Ok(0)
        assert conn.total_changes == changes  # the second write touched no row
        stored = await store.all_chunks()
    assert stored == Ok(chunks[:2])
    # A new connection sees the same rows: they were committed.
    async with aiosqlite.connect(db_path) as conn:
        ids = [row[0] for row in await conn.execute_fetchall("SELECT id FROM chunks ORDER BY rowid")]
    assert ids == [chunk_id(c) for c in chunks[:2]]


async def test_user_upsert_is_idempotent_and_last_write_wins(db_path: Path) -> None:
    async with aiosqlite.connect(db_path) as conn:
        store = SqliteStore(conn)
        ada = UserProfile("1", "Ada", "ada@example.org")
        assert await store.save_user(ada) == Ok(None)
        changes = conn.total_changes
        assert await store.save_user(ada) == Ok(None)
        assert conn.total_changes == changes
        renamed = UserProfile("1", "Ada L.", "ada@example.org")
        assert await store.save_user(renamed) == Ok(None)
        assert await store.all_users() == Ok([renamed])
        assert await store.load_user("1") == Ok(renamed)
        assert await store.load_user("2") == Ok(None)


async def test_a_user_without_email_is_saved(db_path: Path) -> None:
    # validate_user accepts a record whose email is missing or null: the store must keep it as it is.
    async with aiosqlite.connect(db_path) as conn:
        store = SqliteStore(conn)
        nobody = UserProfile("9", "No Mail")
        assert await store.save_user(nobody) == Ok(None)
        assert await store.save_user(nobody) == Ok(None)
        assert await store.load_user("9") == Ok(nobody)
        with_mail = UserProfile("9", "No Mail", "now@example.org")
        assert await store.save_user(with_mail) == Ok(None)
        assert await store.all_users() == Ok([with_mail])


async def test_a_file_from_the_old_schema_is_migrated(db_path: Path) -> None:
    with sqlite3.connect(db_path) as old:  # users.email used to be NOT NULL
        old.execute("CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL)")
        old.executemany("INSERT INTO users VALUES (?, ?, ?)", [("2", "B", "b@x"), ("1", "A", "a@x")])
    async with aiosqlite.connect(db_path) as conn:
        store = SqliteStore(conn)
        assert await store.save_user(UserProfile("3", "C")) == Ok(None)
        expected = [UserProfile("2", "B", "b@x"), UserProfile("1", "A", "a@x"), UserProfile("3", "C")]
        assert await store.all_users() == Ok(expected)  # old rows kept, in their order


async def test_ingest_and_search_against_real_parts(service: Service, db_path: Path) -> None:
    docs = [
        RawDoc("d1", "queues", "A bounded queue applies backpressure to fast producers."),
        RawDoc("d2", "tasks", "Tasks run coroutines concurrently on the event loop."),
        RawDoc("d3", "copy", "A bounded queue applies backpressure to fast producers."),
    ]
    chunks = list(gen_clean_and_chunk(docs, RagEnv(chunk_size=200)))
    async with httpx.AsyncClient(base_url=service.url) as client, aiosqlite.connect(db_path) as conn:
        embedder, store = HttpEmbedder(client, MODEL), SqliteStore(conn)
        plan = ingest_chunks(chunks, embedder, store, concurrency=2)
        first = (await perform_async(plan)).unwrap()
        second = (await perform_async(plan)).unwrap()
        hits = (await perform_async(search("backpressure for producers", embedder, store, 1))).unwrap()
    counts = (first.chunks, len(first.kept), first.duplicates, first.new_rows, first.failures)
    assert counts == (3, 2, 1, 2, ())
    assert (second.new_rows, second.already_stored) == (0, 2)
    assert [h.chunk.doc_id for h in hits] == ["d1"]


# ---- every taxonomy code is reached --------------------------------------------------------


async def test_missing_credentials_are_auth(locked_service: Service) -> None:
    async with httpx.AsyncClient(base_url=locked_service.url) as client:
        assert _code(await HttpJsonClient(client).get_json("/users/1")) == "AUTH"
        assert _code(await HttpEmbedder(client, MODEL).embed("x")) == "AUTH"
    headers = {"Authorization": "Bearer secret"}
    async with httpx.AsyncClient(base_url=locked_service.url, headers=headers) as client:
        assert isinstance(await HttpJsonClient(client).get_json("/users/1"), Ok)


async def test_injected_failures_map_to_their_codes(failing_service: tuple[str, Service]) -> None:
    kind, svc = failing_service
    expected = {"rate_limit": "RATE_LIMIT", "unavailable": "TRANSIENT", "slow": "TIMEOUT"}[kind]
    # For a slow answer the client gives up long before it comes (the service then stops waiting
    # too); for a 429 or a 503 it waits long enough that a busy machine still gets the answer.
    timeout = 0.2 if kind == "slow" else 30.0
    async with httpx.AsyncClient(base_url=svc.url, timeout=timeout) as client:
        got_user = await HttpJsonClient(client).get_json("/users/1")
        got_vector = await HttpEmbedder(client, MODEL).embed("x")
    assert _code(got_user) == _code(got_vector) == expected
    assert is_retryable(got_user.error)  # type: ignore[union-attr]


async def test_refused_connection_is_network() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert _code(await HttpJsonClient(client).get_json("/users/1")) == "NETWORK"


async def test_wrong_method_is_service(service: Service) -> None:
    async with httpx.AsyncClient(base_url=service.url) as client:
        assert _code(await HttpJsonClient(client).get_json("/embed")) == "SERVICE"  # 405


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (httpx.Response(500, text="boom"), "SERVICE"),
        (httpx.Response(504, text="gateway"), "TRANSIENT"),
        (httpx.Response(403), "AUTH"),
        (httpx.Response(200, text="not json"), "SERVICE"),
        (httpx.Response(200, json=[1, 2]), "SERVICE"),
        (httpx.Response(200, content=b"\xff\xfe{"), "SERVICE"),
    ],
)
async def test_bad_answers_map_to_codes(response: httpx.Response, code: str) -> None:
    # A transport that answers without a network: for answers the local service never gives.
    transport = httpx.MockTransport(lambda request: response)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert _code(await HttpJsonClient(client).get_json("/users/1")) == code


@pytest.mark.parametrize(
    "payload",
    [
        {"model": MODEL},
        {"model": MODEL, "vectors": [[0.1], [0.2]]},
        {"model": MODEL, "vectors": [["a"]]},
        {"model": MODEL, "vectors": [[True]]},
        {"vectors": [[0.1]]},
    ],
)
async def test_malformed_embeddings_are_service(payload: dict[str, object]) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=payload))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert _code(await HttpEmbedder(client, MODEL).embed("x")) == "SERVICE"


async def test_read_only_database_is_db(db_path: Path) -> None:
    sqlite3.connect(db_path).close()  # create the file
    async with aiosqlite.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        store = SqliteStore(conn)
        assert _code(await store.prepare()) == "DB"
        assert _code(await store.save_user(UserProfile("1", "Ada", "a@b"))) == "DB"
        assert _code(await store.upsert_chunks([_chunk("a", 0, "alpha")])) == "DB"


async def test_corrupt_database_is_db(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    async with aiosqlite.connect(path) as conn:
        store = SqliteStore(conn)
        assert _code(await store.all_chunks()) == "DB"
        assert _code(await store.load_user("1")) == "DB"


def test_status_mapping_is_total() -> None:
    for status in range(100, 600):
        code = code_for_status(status)
        assert (code is None) == (status < 400)
        assert code is None or code in INFRA_CODES | {ErrorCode.NOT_FOUND}
