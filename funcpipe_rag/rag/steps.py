"""The pure core's steps as ``Result``-returning functions, ready to be lifted into plans and streams.

Everything here is synchronous and pure: call it, get a ``Result``; no event
loop, no I/O. The async edges lift these functions unchanged
(``lift_sync``, ``lift_sync_with_executor``,
``lift_sync_gen_with_executor``); the tests call them directly.

:func:`near_duplicates` is deliberately CPU-bound — it compares every pair of
embeddings, O(n²) arithmetic in pure Python — the kind of step whose place
(the event loop's thread, a worker thread, another process) matters.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.rag.pipeline import chunk_doc, clean_doc
from funcpipe_rag.rag.types import ChunkWithoutEmbedding, EmbeddedChunk, RagEnv, RawDoc
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

_ROUNDING = 1e-12


def chunk_checked(doc: RawDoc, env: RagEnv) -> Result[list[ChunkWithoutEmbedding], ErrInfo]:
    """``doc`` cleaned and cut into chunks; ``Err(VALIDATION)`` when nothing is left after cleaning."""
    chunks = chunk_doc(clean_doc(doc), env)
    if not chunks:
        return Err(
            ErrInfo(ErrorCode.VALIDATION, f"document {doc.doc_id!r} has no text", path=("doc", doc.doc_id))
        )
    return Ok(chunks)


def near_duplicates(
    chunks: Sequence[EmbeddedChunk], threshold: float = 0.95
) -> Result[list[tuple[int, int]], ErrInfo]:
    """Every pair ``(i, j)``, ``i < j``, of chunks whose embeddings have cosine similarity ≥ ``threshold``.

    All ``n·(n-1)/2`` pairs are compared: a CPU-bound step (a few tenths of a
    second for 600 chunks of 64 dimensions). ``Err(VALIDATION)`` when ``threshold`` is not in
    ``[-1, 1]``; a zero vector is similar to nothing. Similarities are compared
    with a tolerance of ``1e-12`` for rounding.
    """
    if not -1.0 <= threshold <= 1.0:
        return Err(ErrInfo(ErrorCode.VALIDATION, f"threshold must be in [-1, 1], got {threshold}"))
    floor = threshold - _ROUNDING  # equal vectors reach 1.0 even when rounding says 0.9999999999999998
    vectors = [c.embedding.vector for c in chunks]
    norms = [math.sqrt(sum(map(operator.mul, v, v))) for v in vectors]
    pairs: list[tuple[int, int]] = []
    for i, (a, na) in enumerate(zip(vectors, norms, strict=True)):
        if na == 0.0:
            continue
        for j in range(i + 1, len(vectors)):
            nb = norms[j]
            if nb and sum(map(operator.mul, a, vectors[j])) / (na * nb) >= floor:
                pairs.append((i, j))
    return Ok(pairs)
