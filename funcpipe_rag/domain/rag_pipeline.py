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

:func:`rag_ingest_full` is the capstone: the same per-document write, with
every core's piece in place — tenants' streams fairly merged, documents
bounded, chunks embedded in batches, every request rate limited and retried.

Pure description: building the stream opens nothing and calls nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.effects.async_ import (
    AsyncGen,
    AsyncPlan,
    BackpressurePolicy,
    FairnessPolicy,
    RateLimitPolicy,
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    TokenGate,
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
from funcpipe_rag.domain.ports import BatchEmbeddingCap, ChunkStoreCap, EmbeddingCap
from funcpipe_rag.domain.rag_async import embed_chunk
from funcpipe_rag.domain.rag_stream import Docs, doc_stream, embed_batch
from funcpipe_rag.rag import EmbeddedChunk, RagEnv, RawDoc, chunk_doc, clean_doc
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

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
    return async_bind(settle(embed_all), lambda embedded: _write_doc(doc.doc_id, embedded, store))


def _write_doc(
    doc_id: str, embedded: Result[list[EmbeddedChunk], ErrInfo], store: ChunkStoreCap
) -> AsyncPlan[DocOutcome]:
    """One upsert of a whole document's chunks once all are embedded; nothing when one failed."""
    if isinstance(embedded, Err):
        return async_pure(_failed(doc_id, embedded.error))
    done = embedded.value
    if not done:
        return async_pure(DocOutcome(doc_id, (), 0))
    write = settle(async_lift(lambda: store.upsert_chunks(done)))
    return async_map(write, lambda w: _written(doc_id, done, w))


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



# ---- the whole module in one description (the capstone) ------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestPolicy:
    """Every knob of :func:`rag_ingest_full`, as data.

    * ``concurrency`` — documents in flight at once (a bounded map, Core 3);
    * ``batch_units`` — chunks per ``embed_batch`` request at most (Core 9);
      a batch never spans two documents, so each document is still written
      by one upsert;
    * ``retry`` and ``timeout`` — per request (Core 4): a retried request
      sends the same batch again;
    * ``rate`` — a token bucket every request of one run passes, retries
      included (Core 6); ``None``: no limit;
    * ``fairness`` — the tenants' weights (Core 6); ``None``: equal turns.

    So at most ``concurrency * env.embedding_concurrency`` requests are in
    flight at once.
    """

    concurrency: int = 2
    batch_units: int = 4
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(3))
    timeout: TimeoutPolicy | None = None
    rate: RateLimitPolicy | None = None
    fairness: FairnessPolicy | None = None

    def __post_init__(self) -> None:
        for name in ("concurrency", "batch_units"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"IngestPolicy.{name} must be an int of at least 1, got {value!r}")


def _first_err(
    outcomes: Sequence[Sequence[Result[EmbeddedChunk, ErrInfo]]],
) -> Result[list[EmbeddedChunk], ErrInfo]:
    done: list[EmbeddedChunk] = []
    for batch in outcomes:
        for outcome in batch:
            if isinstance(outcome, Err):
                return outcome
            done.append(outcome.value)
    return Ok(done)


def ingest_doc_batched(
    doc: RawDoc,
    env: RagEnv,
    embedder: BatchEmbeddingCap,
    store: ChunkStoreCap,
    policy: IngestPolicy,
    resilience: ResilienceEnv | None = None,
    gate: TokenGate | None = None,
) -> AsyncPlan[DocOutcome]:
    """Describe ingesting one document in batches: one request per ``policy.batch_units`` chunks, one write.

    The document's batches go out ``env.embedding_concurrency`` at a time,
    each retried on its own, each attempt waiting for a token of ``gate``
    first (when given); the first batch that still fails gives the outcome
    its code and nothing of the document is written.
    """
    chunks = chunk_doc(clean_doc(doc), env)
    size = policy.batch_units
    batches = [chunks[i : i + size] for i in range(0, len(chunks), size)]
    requests = [embed_batch(b, embedder, policy.retry, policy.timeout, resilience, gate) for b in batches]
    embedded = async_map(async_gather(requests, concurrency=env.embedding_concurrency), _first_err)
    return async_bind(embedded, lambda result: _write_doc(doc.doc_id, result, store))


def rag_ingest_full(
    tenants: Sequence[Docs],
    env: RagEnv,
    embedder: BatchEmbeddingCap,
    open_store: OpenStore,
    policy: IngestPolicy | None = None,
    *,
    resilience: ResilienceEnv | None = None,
) -> AsyncGen[DocOutcome]:
    """Describe the whole of Module 8 as one stream: every core's piece in its place.

    ::

        each tenant's documents, streamed (Core 2)
          ──> fair merge of the tenants by weight (Core 6)
          ──> per document, ``policy.concurrency`` at once, in merge order (Core 3):
                clean + chunk (pure) ──> batches of ``policy.batch_units`` chunks (Core 9)
                ──> each batch: a token of the run's bucket (Core 6), ``embed_batch``,
                    retried / timed out (Core 4)
                ──> one upsert of the document's chunks (Core 8's store, idempotent)
          ──> DocOutcome per document

    The store is opened, and a fresh token bucket made, when a run starts;
    both end with the run, however it ends. Outcomes come out in the merge's
    order, so while every tenant has documents left the outcomes keep the
    weighted shares. The laws of :func:`rag_ingest_pipeline` hold for
    key-disjoint tenants (one outcome per document, at most one successful
    embedding per chunk, no half-written document, idempotence); time is
    read from ``resilience`` (the running loop's clock by default, so the
    whole pipeline runs in virtual time under test). Pure description.
    """
    chosen = policy or IngestPolicy()

    def fresh_gate() -> AbstractAsyncContextManager[TokenGate | None]:
        # A bucket holds running state: one per run, so a re-run starts with a full bucket.
        return contextlib.nullcontext(None if chosen.rate is None else TokenGate(chosen.rate, resilience))

    def run(store: ChunkStoreCap) -> AsyncGen[DocOutcome]:
        def with_gate(gate: TokenGate | None) -> AsyncGen[DocOutcome]:
            docs = async_gen_fair_merge([doc_stream(t) for t in tenants], chosen.fairness)
            return async_gen_bounded_map(
                docs,
                lambda doc: ingest_doc_batched(doc, env, embedder, store, chosen, resilience, gate),
                BackpressurePolicy(chosen.concurrency, ordered=True),
            )

        return async_gen_using(fresh_gate, with_gate)

    return async_gen_using(open_store, run)
