"""The RAG pipeline as a stream: documents → chunks → embeddings, one item at a time.

Where :func:`funcpipe_rag.domain.rag_async.async_rag_pipeline` embeds every
chunk before it returns anything, these streams hand out each embedded chunk
as soon as it exists, read a document only when its first chunk is needed,
and hold one document's chunks at a time — whatever the size of the corpus.
Stop early and nothing further is read or embedded.

:func:`embed_batched_stream` (Core 9) embeds the same chunks in batches
instead: :func:`~funcpipe_rag.async_gen_chunk` groups them by size and age
(a batch never waits longer than ``max_delay_ms`` for company, even while
the chunk source is slow), and each batch is one ``embed_batch`` call, so a
corpus of *n* chunks costs about ``n / max_units`` requests instead of *n*.

Cleaning and chunking are the pure RAG core (:mod:`funcpipe_rag.rag`), used
unchanged; embedding is one ``AsyncPlan`` per chunk
(:func:`~funcpipe_rag.domain.rag_async.embed_chunk`). An ``Err`` from the
embedder is an ``Err`` item in its chunk's place; the stream goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from funcpipe_rag.domain.effects.async_.concurrency import BackpressurePolicy, async_gen_bounded_map
from funcpipe_rag.domain.effects.async_.plan import AsyncPlan, async_lift, async_map, settle
from funcpipe_rag.domain.effects.async_.rate_limit import TokenGate
from funcpipe_rag.domain.effects.async_.resilience import ResilienceEnv, RetryPolicy, TimeoutPolicy
from funcpipe_rag.domain.effects.async_.stream import (
    AsyncGen,
    ChunkPolicy,
    async_gen_and_then,
    async_gen_chunk,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_map_action,
    lift_async_item,
)
from funcpipe_rag.domain.ports import BatchEmbeddingCap, EmbeddingCap, Vector
from funcpipe_rag.domain.rag_async import embed_chunk, with_policies
from funcpipe_rag.rag import ChunkWithoutEmbedding, EmbeddedChunk, RagEnv, RawDoc, chunk_doc, clean_doc
from funcpipe_rag.rag.types import Embedding
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

Docs = Sequence[RawDoc] | Callable[[], Iterable[RawDoc]]
"""Documents to stream: a sequence, or a function returning a fresh iterable per run (a file, a query)."""


def doc_stream(docs: Docs) -> AsyncGen[RawDoc]:
    """The stream of ``docs``, read one per pull (each run from the start)."""
    if callable(docs):
        return async_gen_from_iter(docs)
    frozen = tuple(docs)
    return async_gen_from_iter(lambda: frozen)


def chunk_stream(docs: AsyncGen[RawDoc], env: RagEnv) -> AsyncGen[ChunkWithoutEmbedding]:
    """Each document of ``docs`` cleaned and cut into chunks (``env.chunk_size``), in order, lazily."""
    return async_gen_and_then(docs, lambda doc: async_gen_from_list(chunk_doc(clean_doc(doc), env)))


def embed_stream(chunks: AsyncGen[ChunkWithoutEmbedding], embedder: EmbeddingCap) -> AsyncGen[EmbeddedChunk]:
    """Each chunk with its embedding, one embedder call per chunk, in order; an ``Err`` is an item.

    The next chunk is pulled only once the previous one is embedded.
    """
    return async_gen_map_action(chunks, lambda chunk: embed_chunk(chunk, embedder))


def async_rag_stream(docs: Docs, env: RagEnv, embedder: EmbeddingCap) -> AsyncGen[EmbeddedChunk]:
    """Describe streaming ingestion: documents → chunks → embedded chunks. Building it reads nothing."""
    return embed_stream(chunk_stream(doc_stream(docs), env), embedder)


Outcomes = list[Result[EmbeddedChunk, ErrInfo]]


def embed_batch(
    batch: Sequence[ChunkWithoutEmbedding],
    embedder: BatchEmbeddingCap,
    retry: RetryPolicy | None = None,
    timeout: TimeoutPolicy | None = None,
    env: ResilienceEnv | None = None,
    gate: TokenGate | None = None,
) -> AsyncPlan[Outcomes]:
    """Describe embedding ``batch`` in one ``embed_batch`` call: one outcome per chunk, in order.

    The plan always succeeds: when the call fails (after ``retry``'s attempts,
    each bounded by ``timeout``, if given), every chunk of the batch gets its
    ``Err`` — a batch is sent, and fails, as a unit. ``env`` is where the
    retries read their clock, sleep and jitter (the running loop's by default);
    with a ``gate``, every attempt first waits for one of its tokens.
    """
    chunks = tuple(batch)
    texts = [c.text.content for c in chunks]

    def attach(answer: Result[list[Vector], ErrInfo]) -> Outcomes:
        if isinstance(answer, Err):
            return [answer] * len(chunks)
        model = embedder.model_name
        pairs = zip(chunks, answer.value, strict=True)
        return [Ok(c.with_embedding(Embedding(tuple(v), model))) for c, v in pairs]

    async def call() -> Result[list[Vector], ErrInfo]:
        if gate is not None:
            await gate.acquire()
        return await embedder.embed_batch(texts)

    request = with_policies(async_lift(call), retry, timeout, env)
    return async_map(settle(request), attach)


async def _as_is(item: Result[EmbeddedChunk, ErrInfo]) -> Result[EmbeddedChunk, ErrInfo]:
    return item


_one_item = lift_async_item(_as_is)


def _items(outcomes: Outcomes) -> AsyncGen[EmbeddedChunk]:
    """The outcomes of one batch as stream items, ``Err`` ones included, in order."""
    return async_gen_and_then(async_gen_from_list(outcomes), _one_item)


def embed_batched_stream(
    chunks: AsyncGen[ChunkWithoutEmbedding],
    embedder: BatchEmbeddingCap,
    policy: ChunkPolicy[ChunkWithoutEmbedding],
    concurrency: int = 1,
    *,
    retry: RetryPolicy | None = None,
    timeout: TimeoutPolicy | None = None,
) -> AsyncGen[EmbeddedChunk]:
    """Each chunk with its embedding, in order, embedded in batches: one request per batch.

    ``policy`` decides the batches (:func:`~funcpipe_rag.async_gen_chunk`:
    at most ``max_units`` units, at most ``max_delay_ms`` old);
    ``concurrency`` batches are embedded at once (ordered
    :func:`~funcpipe_rag.async_gen_bounded_map`). Every chunk comes out
    exactly once, in its place: embedded, or as the ``Err`` of its batch's
    request. ``Err`` items of ``chunks`` pass through in their place.
    ``retry`` and ``timeout`` apply to each batch's request.
    """
    batches = async_gen_chunk(chunks, policy)
    embedded = async_gen_bounded_map(
        batches,
        lambda batch: embed_batch(batch, embedder, retry, timeout),
        BackpressurePolicy(concurrency, ordered=True),
    )
    return async_gen_and_then(embedded, _items)
