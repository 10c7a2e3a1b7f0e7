"""Plausible broken adapters, each caught by the Core 8 property it names.

A property that passed on every adapter would prove nothing; each variant
here breaks exactly one promise the way real code does, and the test suite
and the notebook check that the named property fails on it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
import httpx

from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.errors import ErrorCode, code_for_status
from funcpipe_rag.domain.ports import JsonObject, Vector
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.adapters.http import request_json
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.rag.types import EmbeddedChunk
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._adapters import LIBRARY_ADAPTERS, AdapterImpl
from funcpipe_rag.testing._fakes import FakeEmbedder


async def naive_request_json(
    client: httpx.AsyncClient, method: str, url: str, *, body: Any = None
) -> Result[JsonObject, ErrInfo]:
    """The adapter as it is usually first written: ``raise_for_status`` and two ``except`` clauses.

    A timeout is a ``TransportError`` too, so it comes out as NETWORK; an
    unknown library error, a body that is not JSON or not an object, and
    ``Retry-After`` are not handled at all.
    """
    try:
        response = await client.request(method, url, json=body)
        response.raise_for_status()
        return Ok(response.json())
    except httpx.HTTPStatusError as exc:
        code = code_for_status(exc.response.status_code) or ErrorCode.SERVICE
        return Err(ErrInfo(code, str(exc), path=("http", url)))
    except httpx.TransportError as exc:
        return Err(ErrInfo(ErrorCode.NETWORK, str(exc), path=("http", url)))


async def forgetful_request_json(
    client: httpx.AsyncClient, method: str, url: str, *, body: Any = None
) -> Result[JsonObject, ErrInfo]:
    """Maps every outcome right but drops the error's ``ctx``, and with it the service's Retry-After."""
    got = await request_json(client, method, url, body=body)
    return Err(dataclasses.replace(got.error, ctx=None)) if isinstance(got, Err) else got


class EagerEmbedder:
    """Starts the request as soon as the method is called (a task), so building a plan already sends."""

    def __init__(self, client: httpx.AsyncClient, model_name: str) -> None:
        self._inner = HttpEmbedder(client, model_name)
        self.model_name = model_name

    def embed(self, text: str) -> asyncio.Future[Result[Vector, ErrInfo]]:
        return asyncio.ensure_future(self._inner.embed(text))

    def embed_batch(self, texts: Sequence[str]) -> asyncio.Future[Result[list[Vector], ErrInfo]]:
        return asyncio.ensure_future(self._inner.embed_batch(texts))


class UncountedEmbedder(HttpEmbedder):
    """Pairs texts and vectors with ``zip``: a short answer silently loses the last texts."""

    def _vectors(self, payload: JsonObject, expected: int) -> Result[list[Vector], ErrInfo]:
        return Ok([tuple(v) for _, v in zip(range(expected), payload["vectors"], strict=False)])


class DedupingEmbedder(HttpEmbedder):
    """Sends each distinct text once, sorted, and hands the vectors back in sorted order, not the caller's."""

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]:
        distinct = sorted(set(texts))
        got = await super().embed_batch(distinct)
        if isinstance(got, Err):
            return got
        by_text = dict(zip(distinct, got.value, strict=True))
        return Ok([by_text[t] for t in sorted(texts)])


class AppendingStore(SqliteStore):
    """Gives every written chunk a fresh row id instead of its content id: a replay duplicates rows."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__(conn)
        self._serial = itertools.count()

    async def upsert_chunks(self, chunks: Sequence[EmbeddedChunk]) -> Result[int, ErrInfo]:
        async def insert() -> int:
            for c in chunks:
                key = f"{chunk_id(c)}#{next(self._serial)}"
                vector = json.dumps(list(c.embedding.vector))
                row = (key, c.doc_id, c.index, c.text.content, c.start, c.end, c.embedding.model, vector)
                await self._conn.execute("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
            return len(chunks)

        return await self._guarded("chunks", insert, write=True)


class TruncatingFake(FakeEmbedder):
    """A fake that cuts texts at 16 characters, as some models cut at a token limit; the service does not."""

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        return await super().embed(text[:16])


@dataclass(frozen=True)
class WrongAdapter:
    """A broken implementation, the mistake it makes, and the property that must catch it."""

    impl: AdapterImpl
    mistake: str
    caught_by: str


def _with(**changes: Any) -> AdapterImpl:
    return dataclasses.replace(LIBRARY_ADAPTERS, **changes)


WRONG_ADAPTERS: dict[str, WrongAdapter] = {
    "eager embedder": WrongAdapter(
        _with(embedder=EagerEmbedder), "starts its request when called, not when awaited",
        "nothing happens until driven"),
    "raise_for_status": WrongAdapter(
        _with(request_json=naive_request_json), "maps timeouts to NETWORK and lets unknown errors and bad "
        "bodies escape", "every outcome maps into the taxonomy"),
    "truncating fake": WrongAdapter(
        _with(fake_embedder=TruncatingFake), "a fake that embeds the first 16 characters of a longer text",
        "real and fake adapters agree"),
    "zip without a count": WrongAdapter(
        _with(embedder=UncountedEmbedder), "pairs with zip, so a short answer drops texts silently",
        "batches are paired by index"),
    "sorted distinct texts": WrongAdapter(
        _with(embedder=DedupingEmbedder), "sends sorted distinct texts and returns vectors in that order",
        "batches are paired by index"),
    "fresh row ids": WrongAdapter(
        _with(store=AppendingStore), "keys rows by a counter, not by content, so a replay adds rows",
        "writes are idempotent by id"),
    "drops Retry-After": WrongAdapter(
        _with(request_json=forgetful_request_json), "keeps the code but loses the wait the service asked for",
        "Retry-After reaches the retry policy"),
}  # fmt: skip
"""One broken adapter per mistake, each caught by the property it names."""


__all__ = [
    "WRONG_ADAPTERS",
    "AppendingStore",
    "DedupingEmbedder",
    "EagerEmbedder",
    "TruncatingFake",
    "UncountedEmbedder",
    "WrongAdapter",
    "forgetful_request_json",
    "naive_request_json",
]
