"""Exercise 2 — keep the core synchronous, and lift it into the pipeline.

What to do
----------
An ingestion job turns JSONL lines into chunks and looks for near-duplicate
chunks. Write the core of it as a plain, synchronous function returning a
``Result`` — testable with a plain call — and the async edge that lifts the
core into a stream and the CPU-heavy step into an executor, so the event
loop stays free while it runs.

The contract
------------
* ``parse_and_chunk(line, lineno, env)`` — the core, synchronous: parse the
  line with ``parse_corpus_line(line, lineno)``; a blank line gives
  ``Ok([])``; a parsed document gives ``chunk_checked(doc, env)`` (its
  chunks, or ``Err`` for a document with no text); a malformed line gives the
  parse's ``Err``. No ``async def``, no ``await`` anywhere in it.
* ``ingest_lines(lines, env, executor)`` — a stream of the chunks of every
  line, in order, lines numbered from 1; each line is parsed and chunked by
  ``parse_and_chunk`` run in ``executor``
  (``lift_sync_gen_with_executor``); the ``Err`` of a line is an item in
  that line's place, and the stream goes on.
* ``duplicates_plan(chunks, threshold, executor)`` — a plan that runs
  ``near_duplicates(chunks, threshold)`` in ``executor`` and finishes with
  its ``Result``; while it runs, the event loop keeps serving other tasks.
* building does nothing: building the stream or the plan (and calling it)
  runs no core function.

Imports
-------
The standard library; ``Result``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``assert_never``, ``AsyncGen`` and ``AsyncPlan`` from
``funcpipe_rag``; the stream combinators ``async_gen_return``,
``async_gen_from_list``, ``async_gen_from_iter``, ``async_gen_map``,
``async_gen_map_action``, ``async_gen_and_then``, ``async_gen_flat_map`` and
``lift_async_item``, and the lifts ``lift_sync``, ``lift_sync_with_executor`` and
``lift_sync_gen_with_executor``, all from ``funcpipe_rag``; the pure RAG core (``funcpipe_rag.rag``);
``parse_corpus_line`` from ``funcpipe_rag.domain.corpus_lines``.

Hints
-----
* ``async_gen_and_then(async_gen_from_list(...numbered lines...), ...)``
  turns each line into the stream of its chunks.
* The core function is the one you would test with Hypothesis alone: keep
  everything about streams and executors out of it.
* Check yourself with ``funcpipe grade m08c07/ex02``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

from funcpipe_rag import (
    AsyncGen,
    AsyncPlan,
    ErrInfo,
    Ok,
    Result,
    async_gen_and_then,
    async_gen_from_list,
    lift_sync_gen_with_executor,
    lift_sync_with_executor,
)
from funcpipe_rag.domain.corpus_lines import parse_corpus_line
from funcpipe_rag.rag import ChunkWithoutEmbedding, EmbeddedChunk, RagEnv, chunk_checked, near_duplicates


def parse_and_chunk(line: str, lineno: int, env: RagEnv) -> Result[list[ChunkWithoutEmbedding], ErrInfo]:
    """The chunks of the document on ``line``; ``Ok([])`` for a blank line; the ``Err`` of a bad one."""
    # BEGIN SOLUTION: parse the line; a blank line is Ok([]); a document is chunk_checked(doc, env)
    parsed = parse_corpus_line(line, lineno)
    if not isinstance(parsed, Ok):
        return parsed
    if parsed.value is None:
        return Ok([])
    return chunk_checked(parsed.value, env)
    # END SOLUTION


def ingest_lines(lines: Sequence[str], env: RagEnv, executor: Executor) -> AsyncGen[ChunkWithoutEmbedding]:
    """The chunks of every line, parsed and chunked in ``executor``; a bad line is an ``Err`` item."""
    # BEGIN SOLUTION: number the lines from 1 and and_then each into the lifted parse_and_chunk stream
    chunks_of = lift_sync_gen_with_executor(parse_and_chunk, executor)
    numbered = async_gen_from_list(list(enumerate(lines, start=1)))
    return async_gen_and_then(numbered, lambda pair: chunks_of(pair[1], pair[0], env))
    # END SOLUTION


def duplicates_plan(
    chunks: Sequence[EmbeddedChunk], threshold: float, executor: Executor
) -> AsyncPlan[list[tuple[int, int]]]:
    """The near-duplicate pairs of ``chunks``, computed in ``executor``."""
    # BEGIN SOLUTION: lift near_duplicates into the executor
    return lift_sync_with_executor(near_duplicates, executor)(list(chunks), threshold)
    # END SOLUTION
