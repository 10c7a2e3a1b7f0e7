"""Answering a query from the stored chunks: embed it, rank every chunk by cosine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from funcpipe_rag.domain.effects.async_ import AsyncPlan, async_bind, async_lift, async_map
from funcpipe_rag.domain.ports import ChunkStoreCap, EmbeddingCap
from funcpipe_rag.rag import EmbeddedChunk, cosine


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a stored chunk and its cosine similarity to the query."""

    score: float
    chunk: EmbeddedChunk


def rank(query: Sequence[float], chunks: Iterable[EmbeddedChunk], k: int) -> list[Hit]:
    """The ``k`` chunks most similar to ``query`` by cosine, best first.

    Ties are broken by ``(doc_id, index)`` so the answer is deterministic.
    Chunks whose vector length differs from the query's are skipped.
    """
    hits = [
        Hit(cosine(query, c.embedding.vector), c) for c in chunks if len(c.embedding.vector) == len(query)
    ]
    hits.sort(key=lambda h: (-h.score, h.chunk.doc_id, h.chunk.index))
    return hits[: max(k, 0)]


def search(query: str, embedder: EmbeddingCap, store: ChunkStoreCap, k: int) -> AsyncPlan[list[Hit]]:
    """Describe answering ``query``: embed it, read every stored chunk, return the top ``k``."""
    return async_bind(
        async_lift(lambda: embedder.embed(query)),
        lambda vector: async_map(async_lift(store.all_chunks), lambda chunks: rank(vector, chunks, k)),
    )
