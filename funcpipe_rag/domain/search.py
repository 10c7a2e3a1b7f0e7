"""Answering a query from the stored chunks: embed it, read every chunk, rank them.

The ranking is lexical first: BM25 over the chunk texts
(:func:`funcpipe_rag.rag.lexical.bm25_scores`) decides the order, and the
cosine of the query's embedding with each chunk's breaks ties (the
course's hashed embeddings alone put the ``string`` module's constants first
for most questions; measured on the question set in
``funcpipe_rag/data/questions.toml``, see ``tests/integration/test_retrieval.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from funcpipe_rag.domain.effects.async_ import AsyncPlan, async_bind, async_lift, async_map
from funcpipe_rag.domain.ports import ChunkStoreCap, EmbeddingCap
from funcpipe_rag.rag import EmbeddedChunk, cosine
from funcpipe_rag.rag.lexical import bm25_scores


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a stored chunk, its BM25 score and its cosine similarity to the query."""

    score: float
    chunk: EmbeddedChunk
    similarity: float = 0.0


def rank(query: str, vector: Sequence[float], chunks: Iterable[EmbeddedChunk], k: int) -> list[Hit]:
    """The ``k`` chunks that answer ``query`` best, best first.

    Ordered by BM25 score of the query's words in the chunk text, then by the
    cosine of ``vector`` (the query's embedding) with the chunk's, then by
    ``(doc_id, index)``, so the answer is deterministic. Chunks whose vector
    length differs from ``vector``'s are skipped (another model made them).
    """
    kept = [c for c in chunks if len(c.embedding.vector) == len(vector)]
    scores = bm25_scores(query, [c.text.content for c in kept])
    hits = [Hit(s, c, cosine(vector, c.embedding.vector)) for s, c in zip(scores, kept, strict=True)]
    hits.sort(key=lambda h: (-h.score, -h.similarity, h.chunk.doc_id, h.chunk.index))
    return hits[: max(k, 0)]


def search(query: str, embedder: EmbeddingCap, store: ChunkStoreCap, k: int) -> AsyncPlan[list[Hit]]:
    """Describe answering ``query``: embed it, read every stored chunk, return the top ``k``."""
    return async_bind(
        async_lift(lambda: embedder.embed(query)),
        lambda vector: async_map(async_lift(store.all_chunks), lambda chunks: rank(query, vector, chunks, k)),
    )
