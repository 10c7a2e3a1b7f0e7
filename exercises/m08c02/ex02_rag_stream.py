# Generated from solutions/m08c02/ex02_rag_stream.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 2 — stream the RAG ingestion: documents → chunks → embeddings, one item at a time.

What to do
----------
Core 1 ingested documents as one plan that embeds every chunk before it
returns anything. Write the same ingestion as streams, with the library's
stream combinators (``async_gen_*``), so that each embedded chunk comes out
as soon as it exists, a document is read only when its first chunk is
needed, and a consumer that stops early stops all the work behind it.

The contract
------------
* ``chunk_stream(docs, env)`` — for each ``Ok(doc)`` item of the stream
  ``docs``, the chunks of ``chunk_doc(clean_doc(doc), env)`` as ``Ok``
  items, in order; an ``Err`` item of ``docs`` passes unchanged.
* ``embed_stream(chunks, embedder)`` — for each ``Ok(chunk)``, one call
  ``embedder.embed(chunk.text.content)``; its ``Ok(vector)`` becomes
  ``Ok(chunk.with_embedding(Embedding(tuple(vector), embedder.model_name)))``
  and its ``Err`` is emitted as the item, in the chunk's place — the stream
  goes on. One call at a time, in order: the next chunk is pulled only after
  the call for the one before has finished.
* ``ingest_stream(docs, env, embedder)`` — ``docs`` is a list of
  ``RawDoc``: the stream of its documents, chunked, then embedded. The list
  is read when the stream is built; every run ingests all of it.
* building does nothing: building any of the three streams (and calling one
  to start a run) calls the embedder zero times.
* lazy: a consumer that takes ``k`` embedded chunks and stops made exactly
  ``k`` embedder calls and read only the documents those chunks came from.
* replay: running an ingestion stream twice embeds everything twice and
  gives equal items.

Imports
-------
The standard library; ``Result``, ``Ok``, ``Err``, ``ErrInfo``, ``ErrorCode``,
``assert_never``, ``AsyncGen`` and ``AsyncPlan`` from ``funcpipe_rag``; the
stream combinators ``async_gen_return``, ``async_gen_from_list``,
``async_gen_from_iter``, ``async_gen_map``, ``async_gen_map_action``,
``async_gen_and_then``, ``async_gen_flat_map``, ``async_gen_using`` and
``lift_async_item``, and the plan combinators ``async_pure``, ``async_lift``,
``async_bind``, ``async_map`` and ``async_from_result``, all from
``funcpipe_rag``; the pure RAG core (``funcpipe_rag.rag``) and the capability
protocols (``funcpipe_rag.domain.ports``). Not ``funcpipe_rag.domain.rag_stream`` or
``funcpipe_rag.domain.rag_async``, which hold the answer.

Hints
-----
* ``async_gen_and_then(docs, lambda doc: async_gen_from_list(...))`` turns
  each document into its chunks.
* A plan per chunk: ``async_map(async_lift(lambda: embedder.embed(...)),
  attach)`` — and ``async_gen_map_action`` runs one per item.
* Check yourself with ``funcpipe grade m08c02/ex02``.
"""

from __future__ import annotations

from collections.abc import Sequence

from funcpipe_rag import (
    AsyncGen,
    AsyncPlan,
    async_gen_and_then,
    async_gen_from_list,
    async_gen_map_action,
    async_lift,
    async_map,
)
from funcpipe_rag.domain.ports import EmbeddingCap
from funcpipe_rag.rag import (
    ChunkWithoutEmbedding,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    RawDoc,
    chunk_doc,
    clean_doc,
)


def chunk_stream(docs: AsyncGen[RawDoc], env: RagEnv) -> AsyncGen[ChunkWithoutEmbedding]:
    """Each document of ``docs`` cleaned and cut into chunks, in order; ``Err`` items pass."""
    # TODO: and_then each document into the stream of its chunks
    raise NotImplementedError("TODO: and_then each document into the stream of its chunks")


def embed_stream(chunks: AsyncGen[ChunkWithoutEmbedding], embedder: EmbeddingCap) -> AsyncGen[EmbeddedChunk]:
    """Each chunk with its embedding, one embedder call per chunk, in order; an ``Err`` is an item."""
    # TODO: map_action each chunk to a plan that embeds it and attaches the vector
    raise NotImplementedError("TODO: map_action each chunk to a plan that embeds it and attaches the vector")


def ingest_stream(docs: Sequence[RawDoc], env: RagEnv, embedder: EmbeddingCap) -> AsyncGen[EmbeddedChunk]:
    """Documents → chunks → embedded chunks, as one stream; building it reads and calls nothing."""
    # TODO: a stream of the documents, then chunk_stream, then embed_stream
    raise NotImplementedError("TODO: a stream of the documents, then chunk_stream, then embed_stream")
