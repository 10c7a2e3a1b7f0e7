"""Mock equivalence: the real adapters and the in-memory fakes agree on generated inputs.

For each generated case the same plan is built twice — once on the real
adapters (the local service over HTTP, a fresh temporary SQLite file) and
once on the fakes — and both runs must give equal results and leave equal
state. This is what lets every other test and notebook use the fakes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import perform_async
from funcpipe_rag.domain.ingest import ingest_chunks
from funcpipe_rag.domain.user import async_user_pipeline
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.adapters.http import HttpJsonClient
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.infra.service import model_name
from funcpipe_rag.rag import (
    DEFAULT_DIM,
    ChunkText,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    RawDoc,
    gen_clean_and_chunk,
)
from funcpipe_rag.testing import FakeChunkStore, FakeDb, FakeEmbedder, FakeHttp

from .conftest import Service, start

# JSON over HTTP and SQLite text cannot carry lone surrogates; everything else is fair game.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# Ids are URL path segments: user_url() does not percent-encode, so keep to unreserved characters.
IDS = st.text(st.sampled_from("abcXYZ019-_"), min_size=1, max_size=6)
EMAILS = st.one_of(st.builds(lambda a, b: f"{a}@{b}", IDS, IDS), TEXT)
# A user may have no email: the key missing, or null. validate_user accepts both, so the stores must too.
NAMES = st.one_of(IDS, TEXT)  # plain names are valid: most records get as far as the save
RECORDS = st.fixed_dictionaries({"name": NAMES}, optional={"email": st.one_of(st.none(), EMAILS)})
CASES = settings(max_examples=40)


@pytest.fixture(scope="module")
def user_service() -> Iterator[Service]:
    """A service whose user table each example replaces with its own records."""
    yield from start(users={})


@pytest.fixture(scope="module")
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


_counter = iter(range(10**9))


def _fresh_db(folder: Path) -> Path:
    return folder / f"case-{next(_counter)}.sqlite3"


@given(users=st.dictionaries(IDS, RECORDS, max_size=4), pick=st.integers(0, 4), other=IDS)
@CASES
async def test_user_pipeline_real_equals_fake(
    user_service: Service, temp_dir: Path, users: dict[str, dict[str, Any]], pick: int, other: str
) -> None:
    wanted = sorted(users)[pick] if pick < len(users) else other  # mostly a known user, sometimes not
    records = {uid: {"id": uid, **rec} for uid, rec in users.items()}
    user_service.users.clear()
    user_service.users.update(records)
    fake_http, fake_db = FakeHttp.with_users(records.values()), FakeDb()

    async with httpx.AsyncClient(base_url=user_service.url) as client, aiosqlite.connect(
        _fresh_db(temp_dir)
    ) as conn:
        real_db = SqliteStore(conn)
        real = await perform_async(async_user_pipeline(wanted, HttpJsonClient(client), real_db))
        real_rows = (await real_db.all_users()).unwrap()
    fake = await perform_async(async_user_pipeline(wanted, fake_http, fake_db))

    assert real == fake
    assert real_rows == list(fake_db.rows.values())


@given(texts=st.lists(TEXT, max_size=5))
@CASES
async def test_embedder_real_equals_fake(service: Service, texts: list[str]) -> None:
    fake = FakeEmbedder(dim=DEFAULT_DIM)
    async with httpx.AsyncClient(base_url=service.url) as client:
        real = HttpEmbedder(client, model_name(DEFAULT_DIM))
        assert real.model_name == fake.model_name
        for text in texts:
            assert await real.embed(text) == await fake.embed(text)
        batch = (await real.embed_batch(texts)).unwrap()
    assert batch == [(await fake.embed(t)).unwrap() for t in texts]


FLOATS = st.floats(allow_nan=False, allow_infinity=False)
CHUNKS = st.builds(
    lambda doc, index, text, model, vector: EmbeddedChunk(
        doc, index, ChunkText(text), 0, len(text), Embedding(tuple(vector), model)
    ),
    IDS,
    st.integers(0, 5),
    TEXT,
    st.sampled_from(["m-1", "m-2"]),
    st.lists(FLOATS, min_size=1, max_size=4),
)


@given(batches=st.lists(st.lists(CHUNKS, max_size=5), max_size=3))
@CASES
async def test_chunk_store_real_equals_fake(temp_dir: Path, batches: list[list[EmbeddedChunk]]) -> None:
    fake = FakeChunkStore()
    async with aiosqlite.connect(_fresh_db(temp_dir)) as conn:
        real = SqliteStore(conn)
        for batch in [*batches, *batches]:  # every batch twice: the second time adds nothing
            assert await real.upsert_chunks(batch) == await fake.upsert_chunks(batch)
        assert await real.all_chunks() == await fake.all_chunks()


DOCS = st.lists(st.builds(RawDoc, IDS, TEXT, TEXT), max_size=4)


@given(docs=DOCS, concurrency=st.integers(1, 4))
@CASES
async def test_ingestion_real_equals_fake(
    service: Service, temp_dir: Path, docs: list[RawDoc], concurrency: int
) -> None:
    chunks = list(gen_clean_and_chunk(docs, RagEnv(chunk_size=16)))
    fake_store = FakeChunkStore()
    fake = await perform_async(ingest_chunks(chunks, FakeEmbedder(dim=DEFAULT_DIM), fake_store, concurrency))
    async with httpx.AsyncClient(base_url=service.url) as client, aiosqlite.connect(
        _fresh_db(temp_dir)
    ) as conn:
        store = SqliteStore(conn)
        embedder = HttpEmbedder(client, model_name(DEFAULT_DIM))
        real = await perform_async(ingest_chunks(chunks, embedder, store, concurrency))
        assert await store.all_chunks() == await fake_store.all_chunks()
    assert real == fake
