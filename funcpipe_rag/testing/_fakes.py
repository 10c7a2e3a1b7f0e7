"""Deterministic in-memory capabilities that record every call.

They implement the ports of :mod:`funcpipe_rag.domain.ports` without any I/O,
so a test, a notebook or the grader can check *when* effects happen (building
a plan must leave ``calls`` empty) and replay a plan against the same state.
Pass one shared ``log`` list to several fakes to see their calls interleaved.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.errors import RETRY_AFTER_MS, ErrorCode
from funcpipe_rag.domain.ports import JsonObject, Vector
from funcpipe_rag.domain.user import user_url
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.infra.probes import InFlight
from funcpipe_rag.rag.embedding import hash_embed
from funcpipe_rag.rag.types import EmbeddedChunk
from funcpipe_rag.result import Err, ErrInfo, Ok, Result


class FakeHttp:
    """An ``HttpClientCap`` answering from a table of URL → JSON object.

    An unknown URL gives ``Err(NOT_FOUND)``; a URL in ``failures`` gives that
    error. Every request is appended to ``calls`` (and to ``log`` if given).
    """

    def __init__(
        self,
        routes: Mapping[str, JsonObject] | None = None,
        *,
        failures: Mapping[str, ErrInfo] | None = None,
        log: list[str] | None = None,
    ) -> None:
        self.routes: dict[str, JsonObject] = dict(routes or {})
        self.failures: dict[str, ErrInfo] = dict(failures or {})
        self.calls: list[str] = []
        self.log = log

    @classmethod
    def with_users(cls, users: Iterable[JsonObject], **kwargs: Any) -> FakeHttp:
        """A fake serving each record at ``user_url(record['id'])`` (``/users/{id}``)."""
        return cls({user_url(u["id"]): dict(u) for u in users}, **kwargs)

    async def get_json(self, url: str) -> Result[JsonObject, ErrInfo]:
        self.calls.append(url)
        if self.log is not None:
            self.log.append(f"http.get_json({url!r})")
        if url in self.failures:
            return Err(self.failures[url])
        if url not in self.routes:
            return Err(ErrInfo(ErrorCode.NOT_FOUND, f"no resource at {url}", path=("http", url)))
        return Ok(dict(self.routes[url]))  # a copy: callers cannot corrupt the table


class FakeDb:
    """A ``DbCap`` keeping users in a dict keyed by id (an upsert, like the real one).

    ``fail_with`` makes every save fail with that error.
    """

    def __init__(self, *, fail_with: ErrInfo | None = None, log: list[str] | None = None) -> None:
        self.rows: dict[str, UserProfile] = {}
        self.calls: list[UserProfile] = []
        self.fail_with = fail_with
        self.log = log

    async def save_user(self, user: UserProfile) -> Result[None, ErrInfo]:
        self.calls.append(user)
        if self.log is not None:
            self.log.append(f"db.save_user({user.id!r})")
        if self.fail_with is not None:
            return Err(self.fail_with)
        self.rows[user.id] = user
        return Ok(None)


@dataclass(frozen=True, slots=True)
class EmbedCall:
    """One call to :class:`FakeEmbedder`: which text, when it started and ended."""

    text: str
    started: float
    ended: float


@dataclass
class FakeEmbedder:
    """An ``EmbeddingCap`` (and ``BatchEmbeddingCap``) giving deterministic feature-hashing vectors.

    ``latency`` seconds are spent in ``sleep`` per call (``asyncio.sleep`` by
    default; under :func:`funcpipe_rag.testing.run_virtual`
    that sleep costs no real time). Texts in ``fail_on`` give
    ``Err(fail_code)``. It records the calls, the number in flight and the
    largest number ever in flight, which is what bounded-concurrency tests check.
    """

    dim: int = 16
    latency: float = 0.0
    fail_on: frozenset[str] = frozenset()
    fail_code: ErrorCode = ErrorCode.TRANSIENT
    name: str = "hash-embed"
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    log: list[str] | None = None
    calls: list[str] = field(default_factory=list)
    batches: list[tuple[str, ...]] = field(default_factory=list)
    timeline: list[EmbedCall] = field(default_factory=list)
    probe: InFlight = field(default_factory=InFlight)

    @property
    def model_name(self) -> str:
        return f"{self.name}-{self.dim}"

    @property
    def in_flight(self) -> int:
        """Calls running now."""
        return self.probe.in_flight

    @property
    def max_in_flight(self) -> int:
        """The most calls that ever ran at once."""
        return self.probe.max_in_flight

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        self.calls.append(text)
        if self.log is not None:
            self.log.append(f"embedder.embed({text[:24]!r})")
        await self._wait(text)
        if text in self.fail_on:
            return Err(ErrInfo(self.fail_code, "embedding failed", path=("embed", text[:40])))
        return Ok(hash_embed(text, self.dim))

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]:
        """Many texts in one call: one ``latency``, one entry in ``batches``; ``fail_on`` fails it all."""
        batch = tuple(texts)
        self.batches.append(batch)
        if self.log is not None:
            self.log.append(f"embedder.embed_batch({len(batch)} texts)")
        await self._wait(batch[0] if batch else "")
        failing = next((t for t in batch if t in self.fail_on), None)
        if failing is not None:
            return Err(ErrInfo(self.fail_code, "embedding failed", path=("embed_batch", failing[:40])))
        return Ok([hash_embed(t, self.dim) for t in batch])

    async def _wait(self, label: str) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with self.probe:
            if self.latency > 0:
                await self.sleep(self.latency)
        self.timeline.append(EmbedCall(label, started, loop.time()))


class FakeChunkStore:
    """A ``ChunkStoreCap`` keeping chunks in an insertion-ordered dict keyed by content id.

    It keys rows exactly as the SQLite adapter does (:func:`funcpipe_rag.domain.chunk_ids.chunk_id`),
    so upserting the same chunks twice adds nothing the second time.
    ``fail_with`` makes every call fail with that error. Each upsert's batch
    is appended to ``calls``.
    """

    def __init__(self, *, fail_with: ErrInfo | None = None, log: list[str] | None = None) -> None:
        self.rows: dict[str, EmbeddedChunk] = {}
        self.calls: list[tuple[EmbeddedChunk, ...]] = []
        self.fail_with = fail_with
        self.log = log

    async def upsert_chunks(self, chunks: Sequence[EmbeddedChunk]) -> Result[int, ErrInfo]:
        self.calls.append(tuple(chunks))
        if self.log is not None:
            self.log.append(f"store.upsert_chunks({len(chunks)} chunks)")
        if self.fail_with is not None:
            return Err(self.fail_with)
        added = 0
        for chunk in chunks:
            key = chunk_id(chunk)
            if key not in self.rows:
                self.rows[key] = chunk
                added += 1
        return Ok(added)

    async def all_chunks(self) -> Result[list[EmbeddedChunk], ErrInfo]:
        if self.fail_with is not None:
            return Err(self.fail_with)
        return Ok(list(self.rows.values()))


class FlakyEmbedder(FakeEmbedder):
    """A :class:`FakeEmbedder` that fails and stalls on a seeded schedule, like a busy service.

    Each call draws from ``random.Random(seed)``: with probability ``stall``
    it waits ``stall_s`` seconds first (longer than any sensible deadline);
    with probability ``fail`` it answers ``Err`` — ``RATE_LIMIT`` asking to
    wait ``retry_after_ms`` for half of those, ``TRANSIENT`` for the rest;
    otherwise it embeds as the fake does. ``requests`` counts every call.
    Under virtual time the stalls and waits cost nothing.
    """

    def __init__(self, *, seed: int = 42, fail: float = 0.2, stall: float = 0.1, stall_s: float = 120.0,
                 retry_after_ms: float = 60_000.0, latency: float = 0.05, dim: int = 16) -> None:
        super().__init__(dim=dim, latency=latency)
        self.draws = random.Random(seed)
        self.fail, self.stall, self.stall_s, self.retry_after_ms = fail, stall, stall_s, retry_after_ms
        self.requests = 0

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        self.requests += 1  # every request; ``calls`` lists only those that got an answer
        roll = self.draws.random()
        if roll < self.stall:
            await asyncio.sleep(self.stall_s)
        if roll < self.stall + self.fail:
            if roll < self.stall + self.fail / 2:
                ctx = {RETRY_AFTER_MS: self.retry_after_ms}
                return Err(ErrInfo(ErrorCode.RATE_LIMIT, "busy: slow down", path=("embed",), ctx=ctx))
            return Err(ErrInfo(ErrorCode.TRANSIENT, "briefly unavailable", path=("embed",)))
        return await super().embed(text)
