"""Exercise 2 — an ingestion a re-run, a retry and a cancellation cannot break.

What to do
----------
Write ``ingest(docs, env, embedder, open_store, concurrency=...)``: the
whole RAG ingestion as one stream (an ``AsyncGen``: a zero-argument callable
returning a fresh async iterator), one ``Ok(DocOutcome)`` per document.
Each run opens the store with ``async with open_store() as store:`` (the
shell's SQLite connection), notes which chunk ids are stored already, and
then, for each document (several at once, at most ``concurrency``):

* cleans and chunks it (``chunk_doc(clean_doc(doc), env)``); a chunk's id is
  ``chunk_key(embedder.model_name, chunk.text.content)``;
* embeds the chunks that are *not* stored yet, each with up to 3 attempts;
* writes the document's new chunks with **one** ``store.upsert_chunks`` call,
  once every one of them is embedded.

The grader runs your stream in virtual time against the real SQLite store,
with an embedder that fails by a seeded schedule: twice on the same file,
and cancelled after a generated prefix of its items.

The contract
------------
* **one outcome per document** — each document gives exactly one
  ``Ok(DocOutcome)``, whatever its id (``""``, ``"0"``, ``"None"`` …) and
  however many chunks it has (none included); a failure is data in it,
  never a missing or an extra item;
* **stored when every chunk is embedded** — a document all of whose chunks
  are embedded (or stored already) is ``DocOutcome(doc_id, ids, new_rows)``
  with ``ids`` the ids of all its chunks in order and ``new_rows`` the rows
  its write added; one whose chunk fails all 3 attempts is
  ``DocOutcome(doc_id, (), 0, code)`` with that chunk's last code, and
  nothing of it is written;
* **a failed write** — a document whose ``upsert_chunks`` returns ``Err`` is
  ``DocOutcome(doc_id, (), 0, code)`` with the write's code;
* **retried per chunk** — a chunk is embedded at most 3 times, never again
  after a success, and a chunk's failure never repeats its neighbours'
  successful calls;
* **skips what is stored** — a chunk whose id is in the store when the run
  starts is not embedded again, and a document is written with its other
  chunks only: run twice on the same store with the same failures, the
  second run makes no call for the stored chunks, writes nothing, and
  reports the same outcomes with ``new_rows=0``;
* **one write per document** — a document's chunks are written by a single
  ``upsert_chunks`` call (one transaction), after all of them are embedded;
  a document with nothing new to write makes no call;
* **clean cancellation** — cancelled after any prefix of its items, or in
  the middle of a document, a run leaves no half-written document, the
  store closed and no task running;
* **bounded** — at no moment are more than ``concurrency`` documents being
  embedded;
* **a description** — building the stream opens nothing and calls nothing;
  each run opens the store once and closes it when the run ends.

Imports
-------
The standard library (``asyncio``, ``contextlib`` …); from ``funcpipe_rag``
the result types (``Ok``, ``Err``, ``ErrInfo``, ``Result``), the stream
combinators of earlier cores (``async_gen_bounded_map``,
``async_gen_from_list``, ``BackpressurePolicy``), ``funcpipe_rag.rag`` (the
RAG types, ``clean_doc``, ``chunk_doc``), ``chunk_key`` and ``chunk_id``,
``EmbeddingCap``, ``DocOutcome`` and ``OpenStore``. Not the library's ingestion
(``rag_ingest_pipeline``, ``ingest_docs``, ``ingest_doc``) nor
``funcpipe_rag.testing``: they are the answer, so a file that imports them
scores zero for this exercise.

Hints
-----
* ``async_gen_bounded_map(async_gen_from_list(docs), one_doc,
  BackpressurePolicy(concurrency))`` runs ``one_doc(doc)`` plans (zero-argument
  ``async`` functions returning ``Ok(...)``) several at a time and closes them
  all when the run is closed or cancelled.
* Read the stored ids once per run, *inside* the run: a set of ``chunk_id(c)``
  for ``c`` in ``(await store.all_chunks()).value``.
* Build the document's whole list of embedded chunks first, then write it;
  return as soon as one chunk has failed 3 times.
* Check yourself with ``funcpipe grade m08c10/ex02``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from funcpipe_rag import (
    BackpressurePolicy,
    Err,
    ErrInfo,
    Ok,
    Result,
    async_gen_bounded_map,
    async_gen_from_list,
)
from funcpipe_rag.domain.chunk_ids import chunk_id, chunk_key
from funcpipe_rag.domain.ports import EmbeddingCap
from funcpipe_rag.domain.rag_pipeline import DocOutcome, OpenStore
from funcpipe_rag.rag import EmbeddedChunk, Embedding, RagEnv, RawDoc, chunk_doc, clean_doc

ATTEMPTS = 3
Stream = Callable[[], AsyncIterator[Result[DocOutcome, ErrInfo]]]


def ingest(
    docs: Sequence[RawDoc],
    env: RagEnv,
    embedder: EmbeddingCap,
    open_store: OpenStore,
    *,
    concurrency: int = 2,
) -> Stream:
    """One ``Ok(DocOutcome)`` per document: stored chunks skipped, each document written in one call."""
    # BEGIN SOLUTION: hold the store for the run; per document, embed what is new, then one write
    frozen = tuple(docs)

    async def run() -> AsyncIterator[Result[DocOutcome, ErrInfo]]:
        async with open_store() as store:
            listed = await store.all_chunks()
            if isinstance(listed, Err):
                yield listed
                return
            stored = {chunk_id(c) for c in listed.value}
            model = embedder.model_name

            def one_doc(doc: RawDoc) -> Callable[[], Awaitable[Result[DocOutcome, ErrInfo]]]:
                async def plan() -> Result[DocOutcome, ErrInfo]:
                    chunks = chunk_doc(clean_doc(doc), env)
                    ids = tuple(chunk_key(model, c.text.content) for c in chunks)
                    new: list[EmbeddedChunk] = []
                    for chunk, key in zip(chunks, ids, strict=True):
                        if key in stored:
                            continue
                        for _ in range(ATTEMPTS):
                            answer = await embedder.embed(chunk.text.content)
                            if isinstance(answer, Ok):
                                break
                        if isinstance(answer, Err):
                            return Ok(DocOutcome(doc.doc_id, (), 0, str(answer.error.code)))
                        new.append(chunk.with_embedding(Embedding(tuple(answer.value), model)))
                    if not new:
                        return Ok(DocOutcome(doc.doc_id, ids, 0))
                    written = await store.upsert_chunks(new)
                    if isinstance(written, Err):
                        return Ok(DocOutcome(doc.doc_id, (), 0, str(written.error.code)))
                    return Ok(DocOutcome(doc.doc_id, ids, written.value))

                return plan

            outcomes = async_gen_bounded_map(async_gen_from_list(frozen), one_doc,
                                             BackpressurePolicy(concurrency))
            async with contextlib.aclosing(outcomes()) as items:
                async for item in items:
                    yield item

    return run
    # END SOLUTION
