# Chaff: embeds one chunk after another: bounded, but never concurrent.
# loses: test_uses_the_concurrency
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
  concurrency: with ``n`` chunks, ``min(limit, n)`` of them should run
  together.
* If some chunks fail, the result is the ``Err`` (unchanged) of the failing
  chunk with the *smallest index*, not the one that failed first in time.
* Building the plan calls nothing; driving it twice embeds everything twice.
* ``limit < 1`` is a programming error: raise ``ValueError`` when building.

Hints
-----
* Create the semaphore (or queue) *inside* the ``async def``: each run needs
  its own, on the loop that runs it.
* Keep results in a list indexed by position; decide the ``Err`` at the end.
* Check yourself with ``funcpipe grade m08c01/ex03``.
"""

from __future__ import annotations

from collections.abc import Sequence

from funcpipe_rag import Err, ErrInfo, Ok, Result
from funcpipe_rag.domain.effects.async_ import AsyncPlan
from funcpipe_rag.domain.ports import EmbeddingCap, Vector
from funcpipe_rag.rag import ChunkWithoutEmbedding, EmbeddedChunk, Embedding


def embed_chunks_bounded(
    chunks: Sequence[ChunkWithoutEmbedding], embedder: EmbeddingCap, limit: int
) -> AsyncPlan[list[EmbeddedChunk]]:
    """A plan embedding ``chunks`` at most ``limit`` at a time, results in input order."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    items = tuple(chunks)

    async def run() -> Result[list[EmbeddedChunk], ErrInfo]:
        results: list[Result[Vector, ErrInfo] | None] = []
        for c in items:
            results.append(await embedder.embed(c.text.content))
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
