"""Plausible wrong pipelines, one per way of breaking a law of Core 10; the laws must catch each.

Each :class:`WrongPipeline` names the law it breaks and differs from the
library's :func:`~funcpipe_rag.domain.rag_pipeline.rag_ingest_pipeline` by
one realistic mistake:

* ``replace_writes`` — the store writes with ``INSERT OR REPLACE`` ("an
  upsert, surely"): the same rows, but every re-run rewrites them all
  (breaks **idempotence**: new writes on the same store);
* ``document_level_retry`` — the retry wraps the whole document, so one
  chunk's failure embeds its successful neighbours again (breaks
  **at-most-once success**);
* ``second_pass_for_failures`` — failed documents are tried again in a
  second pass and both outcomes are emitted (breaks **no duplicated emission**);
* ``write_each_chunk`` — each chunk is written as soon as it is embedded, in
  its own transaction (breaks **clean cancellation**: half-written documents);
* ``close_on_success_only`` — the connection is closed after the last item,
  not on every exit (breaks **clean cancellation**: an open connection);
* ``ticker_not_stopped`` — a progress ticker task is started with the run and
  stopped only when it finishes normally (breaks **clean cancellation**: a task left).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.effects.async_ import (
    AsyncGen,
    AsyncPlan,
    BackpressurePolicy,
    RetryPolicy,
    async_bind,
    async_gather,
    async_gen_and_then,
    async_gen_bounded_map,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_using,
    async_lift,
    async_map,
    async_pure,
    async_with_resilience,
    settle,
)
from funcpipe_rag.domain.ports import ChunkStoreCap, EmbeddingCap
from funcpipe_rag.domain.rag_async import embed_chunk
from funcpipe_rag.domain.rag_pipeline import (
    DocOutcome,
    OpenStore,
    ingest_doc,
    ingest_docs,
)
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.rag import EmbeddedChunk, RawDoc, chunk_doc, clean_doc
from funcpipe_rag.result import Err, ErrInfo, Result
from funcpipe_rag.testing._pipeline_laws import PIPELINE_ENV, Pipeline, library_pipeline, seeded_resilience

_RETRY = RetryPolicy(3)


def _all_docs(tenants: Sequence[Sequence[RawDoc]]) -> list[RawDoc]:
    return [d for tenant in tenants for d in tenant]


class ReplacingStore(SqliteStore):
    """``SqliteStore`` with the classic slip: ``INSERT OR REPLACE`` instead of insert-if-new."""

    async def upsert_chunks(self, chunks: Sequence[EmbeddedChunk]) -> Result[int, ErrInfo]:
        rows = [
            (chunk_id(c), c.doc_id, c.index, c.text.content, c.start, c.end, c.embedding.model,
             json.dumps(list(c.embedding.vector)))
            for c in chunks
        ]  # fmt: skip
        conn = self._conn

        async def insert() -> int:
            before = conn.total_changes
            await conn.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return conn.total_changes - before

        return await self._guarded("chunks", insert, write=True)


def _document_level_retry(
    tenants: Sequence[Sequence[RawDoc]], embedder: EmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    env = seeded_resilience()

    def one(store: ChunkStoreCap, doc: RawDoc) -> AsyncPlan[DocOutcome]:
        chunks = chunk_doc(clean_doc(doc), PIPELINE_ENV)
        every = async_gather([embed_chunk(c, embedder) for c in chunks], concurrency=2)
        retried = async_with_resilience(
            every, _RETRY, None, env
        )  # the slip: one failure re-embeds the whole document

        def write(embedded: Result[list[EmbeddedChunk], ErrInfo]) -> AsyncPlan[DocOutcome]:
            if isinstance(embedded, Err):
                return async_pure(DocOutcome(doc.doc_id, (), 0, str(embedded.error.code)))
            done = embedded.value
            return async_map(
                async_lift(lambda: store.upsert_chunks(done)),
                lambda n: DocOutcome(doc.doc_id, tuple(chunk_id(c) for c in done), n),
            )

        return async_bind(settle(retried), write)

    def run(store: ChunkStoreCap) -> AsyncGen[DocOutcome]:
        docs = async_gen_from_list(_all_docs(tenants))
        return async_gen_bounded_map(docs, lambda d: one(store, d), BackpressurePolicy(concurrency))

    return async_gen_using(open_store, run)


def _second_pass_for_failures(
    tenants: Sequence[Sequence[RawDoc]], embedder: EmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    docs = _all_docs(tenants)
    env = seeded_resilience()

    @contextlib.asynccontextmanager
    async def store_and_notes() -> AsyncIterator[tuple[ChunkStoreCap, list[RawDoc]]]:
        async with open_store() as store:
            yield store, []

    def run(held: tuple[ChunkStoreCap, list[RawDoc]]) -> AsyncGen[DocOutcome]:
        store, failed = held

        def noting(doc: RawDoc) -> AsyncPlan[DocOutcome]:
            def note(outcome: DocOutcome) -> DocOutcome:
                if not outcome.ok:
                    failed.append(doc)
                return outcome

            return async_map(
                ingest_doc(doc, PIPELINE_ENV, embedder, store, retry=_RETRY, resilience=env), note
            )

        first = async_gen_bounded_map(async_gen_from_list(docs), noting, BackpressurePolicy(concurrency))
        again = async_gen_from_iter(lambda: list(failed))  # read when the second pass starts
        second = async_gen_bounded_map(
            again,
            lambda d: ingest_doc(d, PIPELINE_ENV, embedder, store, retry=_RETRY, resilience=env),
            BackpressurePolicy(concurrency),
        )
        return async_gen_and_then(async_gen_from_list([first, second]), lambda s: s)

    return async_gen_using(store_and_notes, run)


def _write_each_chunk(
    tenants: Sequence[Sequence[RawDoc]], embedder: EmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    env = seeded_resilience()

    def one(store: ChunkStoreCap, doc: RawDoc) -> AsyncPlan[DocOutcome]:
        chunks = chunk_doc(clean_doc(doc), PIPELINE_ENV)
        plan: AsyncPlan[DocOutcome] = async_pure(DocOutcome(doc.doc_id, (), 0))
        for chunk in chunks:

            def step(so_far: DocOutcome, chunk: object = chunk) -> AsyncPlan[DocOutcome]:
                assert isinstance(chunk, type(chunks[0]))
                if not so_far.ok:
                    return async_pure(so_far)
                embed = settle(async_with_resilience(embed_chunk(chunk, embedder), _RETRY, None, env))

                def write(e: Result[EmbeddedChunk, ErrInfo]) -> AsyncPlan[DocOutcome]:
                    if isinstance(e, Err):
                        return async_pure(
                            DocOutcome(doc.doc_id, so_far.chunk_ids, so_far.new_rows, str(e.error.code))
                        )
                    done = e.value
                    return async_map(
                        async_lift(
                            lambda: store.upsert_chunks([done])
                        ),  # the slip: one transaction per chunk
                        lambda n: DocOutcome(
                            doc.doc_id, (*so_far.chunk_ids, chunk_id(done)), so_far.new_rows + n
                        ),
                    )

                return async_bind(embed, write)

            plan = async_bind(plan, step)
        return plan

    def run(store: ChunkStoreCap) -> AsyncGen[DocOutcome]:
        docs = async_gen_from_list(_all_docs(tenants))
        return async_gen_bounded_map(docs, lambda d: one(store, d), BackpressurePolicy(concurrency))

    return async_gen_using(open_store, run)


class _CloseOnSuccess:
    """Opens the store; closes it only when the run ended without an exception (the slip)."""

    def __init__(self, open_store: OpenStore) -> None:
        self._manager = open_store()

    async def __aenter__(self) -> ChunkStoreCap:
        return await self._manager.__aenter__()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            await self._manager.__aexit__(None, None, None)


def _close_on_success_only(
    tenants: Sequence[Sequence[RawDoc]], embedder: EmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    docs = _all_docs(tenants)

    def run(store: ChunkStoreCap) -> AsyncGen[DocOutcome]:
        return ingest_docs(
            docs, PIPELINE_ENV, embedder, store, concurrency=concurrency, resilience=seeded_resilience()
        )

    return async_gen_using(lambda: _CloseOnSuccess(open_store), run)


def _ticker_not_stopped(
    tenants: Sequence[Sequence[RawDoc]], embedder: EmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    @contextlib.asynccontextmanager
    async def with_ticker() -> AsyncIterator[None]:
        async def tick() -> None:
            while True:
                await asyncio.sleep(0.01)

        ticker = asyncio.get_running_loop().create_task(tick(), name="progress-ticker")
        yield
        ticker.cancel()  # the slip: not in a finally, so skipped when the run is cancelled

    inner = library_pipeline(tenants, embedder, open_store, concurrency)
    return async_gen_using(with_ticker, lambda _: inner)


@dataclass(frozen=True, slots=True)
class WrongPipeline:
    """A pipeline with one mistake, the law it breaks, and the store class it runs with."""

    name: str
    breaks: str
    pipeline: Pipeline
    store_type: type[SqliteStore] = field(default=SqliteStore)


WRONG_PIPELINES: tuple[WrongPipeline, ...] = (
    WrongPipeline("replace_writes", "idempotence", library_pipeline, ReplacingStore),
    WrongPipeline("document_level_retry", "at_most_once_success", _document_level_retry),
    WrongPipeline("second_pass_for_failures", "no_duplicate_emission", _second_pass_for_failures),
    WrongPipeline("write_each_chunk", "clean_cancellation", _write_each_chunk),
    WrongPipeline("close_on_success_only", "clean_cancellation", _close_on_success_only),
    WrongPipeline("ticker_not_stopped", "clean_cancellation", _ticker_not_stopped),
)
"""Every wrong pipeline; the tests show each is caught by the law named in ``breaks``."""
