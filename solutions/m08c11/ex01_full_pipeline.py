"""Capstone exercise — the whole pipeline, composed from the pieces of every core.

What to do
----------
Write ``full_pipeline(tenants, env, embedder, open_store, policy,
resilience)``: one stream (an ``AsyncGen``: a zero-argument callable
returning a fresh async iterator) with one ``Ok(DocOutcome)`` per document
of every tenant, built from the library's pieces:

* each run opens the store with ``open_store`` and makes a fresh token
  bucket, ``TokenGate(policy.rate, resilience)``, held for the run
  (``async_gen_using``);
* the tenants' documents are merged with ``async_gen_fair_merge`` and
  ``policy.fairness``;
* the merged documents go through ``async_gen_bounded_map`` with
  ``BackpressurePolicy(policy.concurrency, ordered=True)``;
* each document is cleaned and chunked (``chunk_doc(clean_doc(doc), env)``),
  cut into batches of ``policy.batch_units`` chunks, each batch embedded by
  ``embed_batch(batch, embedder, policy.retry, policy.timeout, resilience,
  gate)`` (``env.embedding_concurrency`` batches at once, ``async_gather``),
  and the document's chunks written by one ``store.upsert_chunks`` call.

The grader runs your stream in virtual time against the real SQLite store,
with an embedder that fails batches by a seeded schedule, two tenants with
awkward document ids, several policies; twice on the same file, and
cancelled after a prefix of its items or in the middle of a document.

The contract
------------
* **one outcome per document** — each document of each tenant gives exactly
  one ``Ok(DocOutcome)``, whatever its id (``""``, ``"0"``, ``"None"`` …) and
  however many chunks it has (none included): ``DocOutcome(doc_id, ids,
  new_rows)`` with ``ids`` the ``chunk_id`` of all its chunks in order when
  every batch is embedded, ``DocOutcome(doc_id, (), 0, code)`` with the code
  of its first batch that still fails after the retries otherwise;
* **in batches** — one ``embed_batch`` request per ``policy.batch_units``
  chunks of one document (the last batch may be smaller; a batch never
  holds chunks of two documents), each request retried by ``policy.retry``;
* **fair shares** — outcomes come out in the order of the fair merge: while
  both tenants have documents left, tenant ``i`` has had ``a_i`` outcomes and
  ``|a_0/w_0 - a_1/w_1| <= 1`` for the policy's weights ``w``;
* **bounded** — at no moment are more than ``policy.concurrency *
  env.embedding_concurrency`` requests in flight;
* **rate limited** — every request, retries included, takes a token of the
  run's bucket: in any ``w`` seconds at most ``rate * w + burst`` start;
* **idempotent** — a document is written once, by one call, after all its
  chunks are embedded; run twice on the same store with the same failures,
  the second run changes no row and reports the same outcomes; no chunk is
  embedded successfully twice in one run;
* **clean cancellation** — cancelled after any prefix of its items, or in the
  middle of a document, a run leaves no half-written document, the store
  closed and no task running;
* **a description** — building the stream opens nothing and calls nothing.

Imports
-------
The standard library (``contextlib`` …); from ``funcpipe_rag`` the result
types (``Ok``, ``Err``, ``ErrInfo``, ``Result``), the plan and stream pieces
of the earlier cores (``AsyncGen``, ``AsyncPlan``, ``async_bind``,
``async_gather``, ``async_gen_using``, ``async_gen_from_list``,
``async_gen_fair_merge``, ``async_gen_bounded_map``, ``BackpressurePolicy``,
``TokenGate``, ``ResilienceEnv``), ``funcpipe_rag.rag`` (``RawDoc``,
``RagEnv``, ``clean_doc``, ``chunk_doc`` …), ``chunk_id``, the ports
(``funcpipe_rag.domain.ports``), Core 9's ``embed_batch``
(``funcpipe_rag.domain.rag_stream``), and ``DocOutcome``, ``OpenStore`` and
``IngestPolicy`` (``funcpipe_rag.domain.rag_pipeline``). Not the library's
composed pipeline (``rag_ingest_full``, ``ingest_doc_batched``, nor Core
10's ``rag_ingest_pipeline``, ``rag_ingest_tenants``, ``ingest_docs``,
``ingest_doc``) nor ``funcpipe_rag.testing``: a file that imports them scores
zero for this exercise.

Hints
-----
* ``async_gen_using(open_store, per_run)`` calls ``per_run(store)`` in each
  run; nest a second ``async_gen_using`` whose resource is
  ``contextlib.nullcontext(TokenGate(...))`` to make the bucket per run.
* A plan (``AsyncPlan``) is a zero-argument ``async`` function returning a
  ``Result``; ``async_bind(async_gather(requests, concurrency=...), write)``
  runs ``write(outcomes)`` with each batch's list of per-chunk results.
* ``embed_batch`` never fails as a plan: a batch that still fails gives an
  ``Err`` in each of its chunks' places.
* Check yourself with ``funcpipe grade m08c11``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from funcpipe_rag import (
    AsyncGen,
    AsyncPlan,
    BackpressurePolicy,
    Err,
    ErrInfo,
    Ok,
    ResilienceEnv,
    Result,
    TokenGate,
    async_bind,
    async_gather,
    async_gen_bounded_map,
    async_gen_fair_merge,
    async_gen_from_list,
    async_gen_using,
)
from funcpipe_rag.domain.chunk_ids import chunk_id
from funcpipe_rag.domain.ports import BatchEmbeddingCap, ChunkStoreCap
from funcpipe_rag.domain.rag_pipeline import DocOutcome, IngestPolicy, OpenStore
from funcpipe_rag.domain.rag_stream import embed_batch
from funcpipe_rag.rag import EmbeddedChunk, RagEnv, RawDoc, chunk_doc, clean_doc


def full_pipeline(
    tenants: Sequence[Sequence[RawDoc]],
    env: RagEnv,
    embedder: BatchEmbeddingCap,
    open_store: OpenStore,
    policy: IngestPolicy,
    resilience: ResilienceEnv | None = None,
) -> AsyncGen[DocOutcome]:
    """One ``Ok(DocOutcome)`` per document: tenants merged fairly, documents bounded, batches rate limited."""
    # BEGIN SOLUTION: a store and a bucket per run; merge, bounded map, batches, one write per document
    frozen = [tuple(docs) for docs in tenants]

    def one_doc(doc: RawDoc, store: ChunkStoreCap, gate: TokenGate | None) -> AsyncPlan[DocOutcome]:
        chunks = chunk_doc(clean_doc(doc), env)
        size = policy.batch_units
        batches = [chunks[i : i + size] for i in range(0, len(chunks), size)]
        requests = [embed_batch(b, embedder, policy.retry, policy.timeout, resilience, gate) for b in batches]

        async def write(outcomes: list[list[Result[EmbeddedChunk, ErrInfo]]]) -> Result[DocOutcome, ErrInfo]:
            done: list[EmbeddedChunk] = []
            for batch in outcomes:
                for outcome in batch:
                    if isinstance(outcome, Err):
                        return Ok(DocOutcome(doc.doc_id, (), 0, str(outcome.error.code)))
                    done.append(outcome.value)
            if not done:
                return Ok(DocOutcome(doc.doc_id, (), 0))
            written = await store.upsert_chunks(done)
            if isinstance(written, Err):
                return Ok(DocOutcome(doc.doc_id, (), 0, str(written.error.code)))
            return Ok(DocOutcome(doc.doc_id, tuple(chunk_id(c) for c in done), written.value))

        embedded = async_gather(requests, concurrency=env.embedding_concurrency)
        return async_bind(embedded, lambda outcomes: lambda: write(outcomes))

    def fresh_gate() -> contextlib.nullcontext[TokenGate | None]:
        return contextlib.nullcontext(None if policy.rate is None else TokenGate(policy.rate, resilience))

    def per_run(store: ChunkStoreCap) -> AsyncGen[DocOutcome]:
        def with_gate(gate: TokenGate | None) -> AsyncGen[DocOutcome]:
            docs = async_gen_fair_merge([async_gen_from_list(t) for t in frozen], policy.fairness)
            return async_gen_bounded_map(
                docs,
                lambda doc: one_doc(doc, store, gate),
                BackpressurePolicy(policy.concurrency, ordered=True),
            )

        return async_gen_using(fresh_gate, with_gate)

    return async_gen_using(open_store, per_run)
    # END SOLUTION
