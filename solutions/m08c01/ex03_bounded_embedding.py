"""Exercise 3 — embed RAG chunks with a bound on how many run at once.

What to do
----------
Write ``embed_chunks_bounded(chunks, embedder, limit)``: a plan that embeds
every chunk through the ``EmbeddingCap`` (``await embedder.embed(text)``),
with at most ``limit`` embeddings in flight at any moment. Implement the
bound yourself — with ``asyncio.Semaphore`` or a small pool of workers
started inside the plan's ``async def`` (``asyncio.gather`` of coroutines is
fine there); do not use the library's ``async_gather``, which is what you
are rebuilding.

The contract
------------
* Result: ``Ok([...])`` of ``EmbeddedChunk`` in the *input* order, whatever
  order the embeddings finish in; each is
  ``chunk.with_embedding(Embedding(vector, embedder.model_name))``.
* At most ``limit`` calls to ``embed`` in flight at once — and do use the
  concurrency as a *sliding window*: at the start ``min(limit, n)`` of the
  ``n`` chunks run together, and whenever one finishes the next chunk starts
  at once (not batches of ``limit`` that each wait for their slowest member).
* If some chunks fail, the result is the ``Err`` (unchanged) of the failing
  chunk with the *smallest index*, not the one that failed first in time.
* Building the plan calls nothing; driving it twice embeds everything twice.
* ``limit < 1`` is a programming error: raise ``ValueError`` when building.

Imports
-------
The standard library (``asyncio`` included); ``Result``, ``Ok``, ``Err``,
``ErrInfo``, ``ErrorCode``, ``assert_never`` from ``funcpipe_rag``;
``AsyncPlan``, ``async_pure``, ``async_bind``, ``async_map``, ``async_lift``
and ``async_from_result`` (not ``async_gather``) from
``funcpipe_rag.domain.effects.async_``; the ports from
``funcpipe_rag.domain.ports``; ``funcpipe_rag.rag``. Nothing else: a file that
imports ``async_gather``, the library's RAG pipeline or another package's
bounded map scores zero for this exercise.

Hints
-----
* Create the semaphore (or queue) *inside* the ``async def``: each run needs
  its own, on the loop that runs it.
* Keep results in a list indexed by position; decide the ``Err`` at the end.
* Check yourself with ``funcpipe grade m08c01/ex03``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from funcpipe_rag import Err, ErrInfo, Ok, Result
from funcpipe_rag.domain.effects.async_ import AsyncPlan
from funcpipe_rag.domain.ports import EmbeddingCap, Vector
from funcpipe_rag.rag import ChunkWithoutEmbedding, EmbeddedChunk, Embedding


def embed_chunks_bounded(
    chunks: Sequence[ChunkWithoutEmbedding], embedder: EmbeddingCap, limit: int
) -> AsyncPlan[list[EmbeddedChunk]]:
    """A plan embedding ``chunks`` at most ``limit`` at a time, results in input order."""
    # BEGIN SOLUTION: check limit, then return a plan that embeds with at most `limit` in flight
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    items = tuple(chunks)

    async def run() -> Result[list[EmbeddedChunk], ErrInfo]:
        results: list[Result[Vector, ErrInfo] | None] = [None] * len(items)
        next_index = iter(range(len(items)))

        async def worker() -> None:
            for i in next_index:  # the workers share one iterator: each index is taken once
                results[i] = await embedder.embed(items[i].text.content)

        await asyncio.gather(*(worker() for _ in range(min(limit, len(items)))))
        embedded: list[EmbeddedChunk] = []
        for chunk, res in zip(items, results, strict=True):
            match res:
                case Ok(value=vector):
                    embedded.append(chunk.with_embedding(Embedding(tuple(vector), embedder.model_name)))
                case Err():
                    return res
                case _:
                    raise TypeError(f"embed returned {res!r}, not Ok or Err")
        return Ok(embedded)

    return run
    # END SOLUTION
