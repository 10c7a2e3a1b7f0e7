"""RAG ingestion that survives per-chunk failures, and search over stored chunks.

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

Everything here is pure description: building a plan calls no capability,
and the corpus parser touches no file.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_ import async_gather
from funcpipe_rag.domain.effects.async_.plan import AsyncPlan, async_bind, async_lift, async_map
from funcpipe_rag.domain.errors import ErrorCode, error
from funcpipe_rag.domain.ports import ChunkStoreCap, EmbeddingCap
from funcpipe_rag.domain.rag_async import embed_chunk
from funcpipe_rag.rag import (
    ChunkWithoutEmbedding,
    EmbeddedChunk,
    RawDoc,
    cosine,
    structural_dedup_chunks,
)
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")


def chunk_key(model: str, text: str) -> str:
    """The stable id of a chunk's content: a hex digest of the model name and the text.

    It is the same key :func:`~funcpipe_rag.rag.structural_dedup_chunks` uses
    (the vector is a function of model and text), so a store keyed by it
    never holds two copies of one text, even across runs that happened to
    keep different first occurrences.
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(model.encode())
    digest.update(b"\x00")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def chunk_id(chunk: EmbeddedChunk) -> str:
    """:func:`chunk_key` of an embedded chunk."""
    return chunk_key(chunk.embedding.model, chunk.text.content)


def chunk_label(chunk: ChunkWithoutEmbedding | EmbeddedChunk) -> str:
    """A short human-readable name of a chunk: ``doc_id#index``."""
    return f"{chunk.doc_id}#{chunk.index}"


def settle(plan: AsyncPlan[A]) -> AsyncPlan[Result[A, ErrInfo]]:
    """The plan that runs ``plan`` and always succeeds, with ``plan``'s ``Result`` as its value.

    Use it to stop one failure from short-circuiting a gather or a bind
    chain: ``async_gather([settle(p) for p in plans])`` runs every plan and
    returns every outcome. Exceptions and cancellation still propagate.
    """

    async def run() -> Result[Result[A, ErrInfo], ErrInfo]:
        return Ok(await plan())  # awaiting inside a coroutine body describes; it does not drive

    return async_lift(run)


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
) -> AsyncPlan[IngestReport]:
    """Describe embedding every chunk (at most ``concurrency`` at a time), deduplicating, and upserting.

    The plan always finishes with ``Ok(IngestReport)``: a chunk whose
    embedding fails is listed in ``failures`` with the embedder's error code,
    and the other chunks carry on. The surviving chunks are written in one
    ``upsert_chunks`` call; if it fails, they are all listed with its error.
    Running the plan again writes no new rows for chunks already stored.
    """
    frozen = tuple(chunks)
    embed_all = async_gather([settle(embed_chunk(c, embedder)) for c in frozen], concurrency=concurrency)

    def write(outcomes: list[Result[EmbeddedChunk, ErrInfo]]) -> AsyncPlan[IngestReport]:
        embedded = [out.value for out in outcomes if isinstance(out, Ok)]
        kept = structural_dedup_chunks(embedded)
        return async_map(
            settle(async_lift(lambda: store.upsert_chunks(kept))),
            lambda written: _report(frozen, outcomes, kept, written),
        )

    return async_bind(embed_all, write)


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


def parse_corpus_line(line: str, lineno: int) -> Result[RawDoc | None, ErrInfo]:
    """Parse one line of a JSONL corpus into a :class:`~funcpipe_rag.rag.RawDoc`.

    A line is a JSON object with non-empty string fields ``id`` and ``text``
    and an optional string ``title`` (default: the id). A blank line gives
    ``Ok(None)``. Anything else is ``Err(VALIDATION)`` with path
    ``("line", lineno)`` and a message naming the problem.
    """
    where: tuple[str | int, ...] = ("line", lineno)
    if not line.strip():
        return Ok(None)
    try:
        raw: Any = json.loads(line)
    except ValueError as exc:
        return Err(error(ErrorCode.VALIDATION, f"not valid JSON ({exc})", where))
    if not isinstance(raw, dict):
        return Err(error(ErrorCode.VALIDATION, f"expected a JSON object, got {type(raw).__name__}", where))
    fields: dict[str, str] = {}
    for name in ("id", "text"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            return Err(error(ErrorCode.VALIDATION, f"field {name!r} must be a non-empty string", where))
        fields[name] = value
    title = raw.get("title", fields["id"])
    if not isinstance(title, str):
        return Err(error(ErrorCode.VALIDATION, "field 'title' must be a string", where))
    return Ok(RawDoc(doc_id=fields["id"], title=title, text=fields["text"]))
