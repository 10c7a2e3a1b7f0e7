"""The RAG pipeline as an ``AsyncPlan``: clean → chunk → embed (bounded) → dedup."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from funcpipe_rag.domain.effects.async_ import (
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    async_gather,
    async_with_resilience,
)
from funcpipe_rag.domain.effects.async_.plan import AsyncPlan, async_bind, async_lift, async_map, async_pure
from funcpipe_rag.domain.ports import EmbeddingCap
from funcpipe_rag.rag import (
    ChunkWithoutEmbedding,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    RawDoc,
    gen_clean_and_chunk,
    structural_dedup_chunks,
)

T = TypeVar("T")


def with_policies(
    plan: AsyncPlan[T],
    retry: RetryPolicy | None = None,
    timeout: TimeoutPolicy | None = None,
    env: ResilienceEnv | None = None,
) -> AsyncPlan[T]:
    """``plan`` itself when no policy is given, else ``plan`` retried and/or timed out per attempt."""
    if retry is None and timeout is None:
        return plan
    return async_with_resilience(plan, retry or RetryPolicy(1), timeout, env)


def embed_chunk(chunk: ChunkWithoutEmbedding, embedder: EmbeddingCap) -> AsyncPlan[EmbeddedChunk]:
    """Describe embedding one chunk; an ``Err`` from the embedder is passed on unchanged."""

    def attach(vector: tuple[float, ...]) -> EmbeddedChunk:
        return chunk.with_embedding(Embedding(tuple(vector), embedder.model_name))

    return async_map(async_lift(lambda: embedder.embed(chunk.text.content)), attach)


def embed_chunks(
    chunks: Iterable[ChunkWithoutEmbedding], embedder: EmbeddingCap, concurrency: int
) -> AsyncPlan[list[EmbeddedChunk]]:
    """Describe embedding every chunk, at most ``concurrency`` at a time, in input order."""
    return async_gather([embed_chunk(c, embedder) for c in chunks], concurrency=concurrency)


def async_rag_pipeline(
    docs: Iterable[RawDoc], env: RagEnv, embedder: EmbeddingCap
) -> AsyncPlan[list[EmbeddedChunk]]:
    """Describe the whole RAG ingestion of ``docs``.

    Cleaning and chunking are pure and happen while the plan is *built* (the
    documents are read then, so the plan can be replayed); embedding happens
    only when it is driven, ``env.embedding_concurrency`` at a time. The first
    failing chunk (by position) decides the ``Err``.
    """
    chunks = list(gen_clean_and_chunk(docs, env))
    return async_bind(
        async_pure(chunks),
        lambda cs: async_map(
            embed_chunks(cs, embedder, env.embedding_concurrency), structural_dedup_chunks
        ),
    )
