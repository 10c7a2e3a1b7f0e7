"""The whole RAG ingestion as one stream description: documents in, one outcome per document out.

:func:`rag_ingest_pipeline` is the pipeline Core 10 states its laws about::

    docs ──> per document, at most ``concurrency`` at once (a bounded map):
               clean + chunk (pure) ──> embed every chunk, each with its own retries
               ──> one upsert of the document's chunks, in one transaction
         ──> DocOutcome(doc_id, chunk ids, rows new to the store, error code or None)

The store comes from ``open_store``, an async context manager the *shell*
supplies (it opens the database connection); the pipeline holds it exactly as
long as a run lasts (:func:`~funcpipe_rag.async_gen_using`), so a run that is
closed or cancelled half-way closes the connection there and then.

Why each law holds, by construction:

* **one outcome per document** — the bounded map hands on exactly one result
  per source item, and a document's failures are data (``error``), not extra items;
* **at most one successful embedding per chunk** — retries wrap *one chunk's*
  embedding, never a document's: a chunk that succeeded is not asked again
  because its neighbour failed;
* **no half-written document** — a document's chunks are written by a single
  ``upsert_chunks`` call (one transaction), and only after every one of them
  is embedded: a cancellation before it writes nothing, one during it is
  rolled back;
* **idempotence** — rows are keyed by content (:func:`~funcpipe_rag.domain.chunk_ids.chunk_id`)
  and inserted only when new, so a re-run with the same failures writes nothing.

Pure description: building the stream opens nothing and calls nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.effects.async_ import (
    AsyncGen,
    AsyncPlan,
    BackpressurePolicy,
    FairnessPolicy,
    ResilienceEnv,
    RetryPolicy,
    async_bind,
    async_gather,
    async_gen_bounded_map,
    async_gen_fair_merge,
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
from funcpipe_rag.rag import EmbeddedChunk, RagEnv, RawDoc, chunk_doc, clean_doc
from funcpipe_rag.result import Err, ErrInfo, Result

OpenStore = Callable[[], AbstractAsyncContextManager[ChunkStoreCap]]
"""Opens the store for one run (the shell's connection) and closes it when the run ends."""


@dataclass(frozen=True, slots=True)
class DocOutcome:
    """What one run did with one document: the pipeline's only kind of item.

    ``chunk_ids`` are the content ids of the document's chunks (all of them,
    in order; empty for an empty document or one that failed); ``new_rows``
    how many of them this run added to the store (0 when an earlier run had
    stored them); ``error`` the taxonomy code of the failure that stopped the
    document, or ``None`` when it is stored.
    """

    doc_id: str
    chunk_ids: tuple[str, ...]
    new_rows: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every chunk of the document is in the store."""
        return self.error is None


def _failed(doc_id: str, error: ErrInfo) -> DocOutcome:
    return DocOutcome(doc_id, (), 0, str(error.code))


def _written(doc_id: str, chunks: Sequence[EmbeddedChunk], written: Result[int, ErrInfo]) -> DocOutcome:
    if isinstance(written, Err):
        return _failed(doc_id, written.error)
    return DocOutcome(doc_id, tuple(chunk_id(c) for c in chunks), written.value)


def ingest_doc(
    doc: RawDoc,
    env: RagEnv,
    embedder: EmbeddingCap,
    store: ChunkStoreCap,
    *,
    retry: RetryPolicy,
    resilience: ResilienceEnv | None = None,
) -> AsyncPlan[DocOutcome]:
    """Describe ingesting one document: embed each chunk (retried on its own), then one write.

    Always ``Ok(DocOutcome)``: a chunk that still fails after ``retry`` makes
    the document's outcome carry that chunk's code, and nothing of the
    document is written. The chunks are embedded at most
    ``env.embedding_concurrency`` at a time.
    """
    chunks = chunk_doc(clean_doc(doc), env)
    embeds = [async_with_resilience(embed_chunk(c, embedder), retry, None, resilience) for c in chunks]
    embed_all = async_gather(embeds, concurrency=env.embedding_concurrency)

    def write(embedded: Result[list[EmbeddedChunk], ErrInfo]) -> AsyncPlan[DocOutcome]:
        if isinstance(embedded, Err):
            return async_pure(_failed(doc.doc_id, embedded.error))
        done = embedded.value
        if not done:
            return async_pure(DocOutcome(doc.doc_id, (), 0))
        return async_map(
            settle(async_lift(lambda: store.upsert_chunks(done))), lambda w: _written(doc.doc_id, done, w)
        )

    return async_bind(settle(embed_all), write)


def ingest_docs(
    docs: Sequence[RawDoc],
    env: RagEnv,
    embedder: EmbeddingCap,
    store: ChunkStoreCap,
    *,
    concurrency: int = 2,
    retry: RetryPolicy | None = None,
    resilience: ResilienceEnv | None = None,
) -> AsyncGen[DocOutcome]:
    """Describe ingesting ``docs`` into an open ``store``: one :class:`DocOutcome` per document, in order.

    At most ``concurrency`` documents are in flight (:func:`~funcpipe_rag.async_gen_bounded_map`);
    each chunk's embedding is retried by ``retry`` (default ``RetryPolicy(3)``)
    with waits read from ``resilience`` (the running loop's clock by default,
    so virtual time in tests).
    """
    frozen = tuple(docs)
    policy = retry or RetryPolicy(3)

    def one(doc: RawDoc) -> AsyncPlan[DocOutcome]:
        return ingest_doc(doc, env, embedder, store, retry=policy, resilience=resilience)

    return async_gen_bounded_map(async_gen_from_list(frozen), one, BackpressurePolicy(concurrency))


def rag_ingest_pipeline(
    docs: Sequence[RawDoc],
    env: RagEnv,
    embedder: EmbeddingCap,
    open_store: OpenStore,
    *,
    concurrency: int = 2,
    retry: RetryPolicy | None = None,
    resilience: ResilienceEnv | None = None,
) -> AsyncGen[DocOutcome]:
    """Describe the whole ingestion: open the store, :func:`ingest_docs`, close the store.

    The store is opened when the run is first pulled and closed when it
    ends, fails, or is closed or cancelled early. See the module docstring
    for the laws.
    """

    def run(store: ChunkStoreCap) -> AsyncGen[DocOutcome]:
        return ingest_docs(
            docs, env, embedder, store, concurrency=concurrency, retry=retry, resilience=resilience
        )

    return async_gen_using(open_store, run)


def rag_ingest_tenants(
    tenants: Sequence[Sequence[RawDoc]],
    env: RagEnv,
    embedder: EmbeddingCap,
    open_store: OpenStore,
    *,
    concurrency: int = 2,
    retry: RetryPolicy | None = None,
    resilience: ResilienceEnv | None = None,
    fairness: FairnessPolicy | None = None,
) -> AsyncGen[DocOutcome]:
    """Describe several tenants' ingestions sharing one store, merged by ``async_gen_fair_merge``.

    Each tenant is its own :func:`ingest_docs` stream (``concurrency`` each);
    the store is opened once for the merged run. The laws of one pipeline
    carry over to the merge only when the tenants' keys are disjoint (for
    instance, document ids prefixed by the tenant, and texts of their own):
    two tenants ingesting the same document each emit it and each embed it.
    """

    def run(store: ChunkStoreCap) -> AsyncGen[DocOutcome]:
        lanes = [
            ingest_docs(
                docs, env, embedder, store, concurrency=concurrency, retry=retry, resilience=resilience
            )
            for docs in tenants
        ]
        return async_gen_fair_merge(lanes, fairness)

    return async_gen_using(open_store, run)

