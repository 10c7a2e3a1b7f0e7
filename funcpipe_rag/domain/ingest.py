"""RAG ingestion that survives per-chunk failures: every chunk stored, dropped as a duplicate, or reported.

:func:`async_rag_pipeline` (in :mod:`funcpipe_rag.domain.rag_async`) stops at
the first chunk that fails to embed. Against a real service that is the wrong
policy: one rate-limited request would throw away a whole corpus. The plans
here *settle* every chunk instead — each one ends up in exactly one bucket:

* **stored**: embedded, kept by deduplication, and written (a new row, or a
  row that an earlier run already wrote: the write is an upsert);
* **duplicate**: embedded, but its text repeats an earlier chunk's, so
  :func:`~funcpipe_rag.rag.structural_dedup_chunks` dropped it;
* **failed**: its embedding (or the write of its batch) failed; the
  :class:`ChunkFailure` carries the ``ErrInfo`` with its taxonomy code.

Everything here is pure description: building a plan calls no capability.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from funcpipe_rag.domain.chunk_ids import chunk_label
from funcpipe_rag.domain.effects.async_ import (
    AsyncPlan,
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    async_bind,
    async_gather,
    async_lift,
    async_map,
    settle,
)
from funcpipe_rag.domain.ports import ChunkStoreCap, EmbeddingCap
from funcpipe_rag.domain.rag_async import embed_chunk, with_policies
from funcpipe_rag.rag import ChunkWithoutEmbedding, EmbeddedChunk, structural_dedup_chunks
from funcpipe_rag.result import Err, ErrInfo, Ok, Result


@dataclass(frozen=True, slots=True)
class ChunkFailure:
    """A chunk that could not be stored, and why."""

    chunk: ChunkWithoutEmbedding
    error: ErrInfo


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one ingestion run did with each chunk it was given.

    ``chunks`` counts the input; ``kept`` are the embedded chunks that survived
    deduplication and were written (``new_rows`` of them were new to the store,
    the rest were already there); ``duplicates`` counts the embedded chunks
    dropped by deduplication; ``failures`` lists every chunk that was not
    stored. Invariant: ``len(kept) + duplicates + len(failures) == chunks``.
    """

    chunks: int
    kept: tuple[EmbeddedChunk, ...]
    duplicates: int
    new_rows: int
    failures: tuple[ChunkFailure, ...]

    @property
    def already_stored(self) -> int:
        """Kept chunks whose row an earlier run had already written."""
        return len(self.kept) - self.new_rows

    def failures_by_code(self) -> dict[str, int]:
        """How many chunks failed with each error code, most frequent first."""
        return dict(Counter(f.error.code for f in self.failures).most_common())


def _report(
    chunks: Sequence[ChunkWithoutEmbedding],
    outcomes: Sequence[Result[EmbeddedChunk, ErrInfo]],
    kept: Sequence[EmbeddedChunk],
    written: Result[int, ErrInfo],
) -> IngestReport:
    failures = [
        ChunkFailure(chunk, out.error.at(chunk_label(chunk)))
        for chunk, out in zip(chunks, outcomes, strict=True)
        if isinstance(out, Err)
    ]
    embedded = len(chunks) - len(failures)
    duplicates = embedded - len(kept)
    if isinstance(written, Err):
        # The batch is written in one transaction: when it fails, none of it is stored.
        failures += [
            ChunkFailure(
                ChunkWithoutEmbedding(k.doc_id, k.index, k.text, k.start, k.end),
                written.error.at(chunk_label(k)),
            )
            for k in kept
        ]
        return IngestReport(len(chunks), (), duplicates, 0, tuple(failures))
    return IngestReport(len(chunks), tuple(kept), duplicates, written.value, tuple(failures))


def ingest_chunks(
    chunks: Iterable[ChunkWithoutEmbedding],
    embedder: EmbeddingCap,
    store: ChunkStoreCap,
    concurrency: int,
    *,
    retry: RetryPolicy | None = None,
    timeout: TimeoutPolicy | None = None,
    env: ResilienceEnv | None = None,
) -> AsyncPlan[IngestReport]:
    """Describe embedding every chunk (at most ``concurrency`` at a time), deduplicating, and upserting.

    The plan always finishes with ``Ok(IngestReport)``: a chunk whose
    embedding fails is listed in ``failures`` with the embedder's error code,
    and the other chunks carry on. The surviving chunks are written in one
    ``upsert_chunks`` call; if it fails, they are all listed with its error.
    Running the plan again writes no new rows for chunks already stored.

    With ``retry`` and/or ``timeout``, each chunk's embedding is its own
    resilient plan (:func:`~funcpipe_rag.async_with_resilience`): a chunk that
    still fails is listed with its last attempt's code and, in ``ctx``, the
    attempts it took. Embedding is a read, so retrying it is safe.
    """
    frozen = tuple(chunks)

    embed_all = async_gather(
        [settle(with_policies(embed_chunk(c, embedder), retry, timeout, env)) for c in frozen],
        concurrency=concurrency,
    )
    return async_bind(embed_all, lambda outcomes: store_outcomes(frozen, outcomes, store))


def store_outcomes(
    chunks: Sequence[ChunkWithoutEmbedding],
    outcomes: Sequence[Result[EmbeddedChunk, ErrInfo]],
    store: ChunkStoreCap,
) -> AsyncPlan[IngestReport]:
    """Describe deduplicating the embedded ``outcomes`` and upserting them in one call; report every chunk.

    ``outcomes[i]`` is what embedding ``chunks[i]`` gave (however it was
    embedded: one call per chunk, or in batches). The plan always finishes
    with ``Ok(IngestReport)``, as :func:`ingest_chunks` describes; a
    ``ValueError`` says so if the two lists differ in length (a bug).
    """
    if len(chunks) != len(outcomes):
        raise ValueError(f"{len(outcomes)} outcomes for {len(chunks)} chunks: give one outcome per chunk")
    frozen, settled = tuple(chunks), list(outcomes)
    kept = structural_dedup_chunks([out.value for out in settled if isinstance(out, Ok)])
    return async_map(
        settle(async_lift(lambda: store.upsert_chunks(kept))),
        lambda written: _report(frozen, settled, kept, written),
    )
