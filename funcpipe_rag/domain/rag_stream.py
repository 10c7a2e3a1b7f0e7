"""The RAG pipeline as a stream: documents → chunks → embeddings, one item at a time.

Where :func:`funcpipe_rag.domain.rag_async.async_rag_pipeline` embeds every
chunk before it returns anything, these streams hand out each embedded chunk
as soon as it exists, read a document only when its first chunk is needed,
and hold one document's chunks at a time — whatever the size of the corpus.
Stop early and nothing further is read or embedded.

Cleaning and chunking are the pure RAG core (:mod:`funcpipe_rag.rag`), used
unchanged; embedding is one ``AsyncPlan`` per chunk
(:func:`~funcpipe_rag.domain.rag_async.embed_chunk`). An ``Err`` from the
embedder is an ``Err`` item in its chunk's place; the stream goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from funcpipe_rag.domain.effects.async_.stream import (
    AsyncGen,
    async_gen_and_then,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_map_action,
)
from funcpipe_rag.domain.ports import EmbeddingCap
from funcpipe_rag.domain.rag_async import embed_chunk
from funcpipe_rag.rag import ChunkWithoutEmbedding, EmbeddedChunk, RagEnv, RawDoc, chunk_doc, clean_doc

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
