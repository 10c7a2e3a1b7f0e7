"""Exercise 2 — one embedding request per batch: ``embed_in_batches``.

What to do
----------
Write ``embed_in_batches(source, policy, embed_batch)``: a stream with one
item for each item of ``source`` (a stream of ``Result`` items whose ``Ok``
values are texts, or anything a service embeds). Batch the values with the
library's ``async_gen_chunk(source, policy)``, send each batch in one
request, ``await embed_batch(values)``, and hand the answer back value by
value: ``Ok((value, vector))``. ``embed_batch`` takes a list of values and
returns (awaitably) ``Ok(vectors)``, one vector per value in the same order,
or ``Err(info)`` when the request failed. This is how the RAG pipeline saves
requests: *n* chunks cost about ``n / max_units`` calls instead of *n*.

The contract
------------
* **a description** — building the stream pulls nothing and calls nothing;
  each run starts afresh (two runs of one stream make the same calls and
  give the same items).
* **one request per batch** — ``embed_batch`` is called once for each batch
  that ``async_gen_chunk(source, policy)`` gives, with that batch's values
  in order, and never for an ``Err`` item; batches are embedded one at a
  time, the next batch asked for once the previous one's items are handed
  on (so a batch's age is counted while the consumer reads).
* **paired in order** — the answer's vectors go back to the values by
  position: each value comes out as ``Ok((value, vector))``, in the order
  the batches hold them; ``None``, ``0``, ``""``, ``[]`` and ``False`` are
  values like any other.
* **a failed request** — when ``embed_batch`` returns ``Err(info)``, every
  value of that batch comes out as that same ``Err(info)``, in its place,
  and the next batch is embedded as usual.
* **answers counted** — an answer with more or fewer vectors than the batch
  has values is not trusted: every value of the batch comes out as one
  ``Err`` with code ``ErrorCode.SERVICE`` that says how many were sent and
  how many came back.
* **Err items** — an ``Err`` item of ``source`` comes out once, where
  ``async_gen_chunk`` emits it (after the batch before it).
* **closing** — when the consumer stops early, ``source`` is closed and no
  task is left.

Imports
-------
The standard library (``contextlib`` …) and from ``funcpipe_rag``: ``Ok``,
``Err``, ``ErrInfo``, ``ErrorCode``, ``Result``, ``AsyncGen``,
``ChunkPolicy`` and ``async_gen_chunk``. Not the RAG pipeline's batched
embedding step (``embed_batched_stream``, ``embed_batch`` of
``funcpipe_rag.domain.rag_stream``) nor anything from
``funcpipe_rag.testing``: a file that imports them scores zero for this
exercise.

Hints
-----
* ``async with contextlib.aclosing(async_gen_chunk(source, policy)()) as
  items:`` then ``async for item in items:`` — an ``Ok`` item is a batch
  (a list of values), an ``Err`` item passes on.
* Count the vectors before you ``zip`` them with the values: ``zip`` stops
  at the shorter one without a word.
* Check yourself with ``funcpipe grade m08c09/ex02``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from funcpipe_rag import AsyncGen, ChunkPolicy, Err, ErrInfo, ErrorCode, Ok, Result, async_gen_chunk

EmbedBatch = Callable[[list[Any]], Awaitable[Result[Sequence[Any], ErrInfo]]]


def embed_in_batches(
    source: AsyncGen[Any], policy: ChunkPolicy[Any], embed_batch: EmbedBatch
) -> AsyncGen[Any]:
    """Each ``Ok`` value of ``source`` with its vector, one ``embed_batch`` call a batch (the contract)."""
    # BEGIN SOLUTION: async_gen_chunk groups, one call per batch, the answer checked and paired by position
    grouped = async_gen_chunk(source, policy)

    async def run() -> AsyncIterator[Result[tuple[Any, Any], ErrInfo]]:
        async with contextlib.aclosing(grouped()) as items:
            async for item in items:
                if isinstance(item, Err):
                    yield item
                    continue
                values = list(item.value)
                answer = await embed_batch(values)
                if isinstance(answer, Ok) and len(answer.value) != len(values):
                    answer = Err(ErrInfo(ErrorCode.SERVICE, (
                        f"sent {len(values)} values in one batch, the answer holds "
                        f"{len(answer.value)} vectors")))
                if isinstance(answer, Err):
                    for _ in values:
                        yield answer
                    continue
                for value, vector in zip(values, answer.value, strict=True):
                    yield Ok((value, vector))

    return run
    # END SOLUTION
